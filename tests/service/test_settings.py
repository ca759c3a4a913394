"""Settings: one class with one set of defaults; every `serve` option also read from its GREENPARK_… variable;
the settings reach the worker processes whole."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenpark.cli import app as cli
from greenpark.cli import serve
from greenpark.service.settings import ServiceSettings
from greenpark.service.store import Store
from greenpark.service.worker import Supervisor

pytestmark = pytest.mark.service


def test_every_setting_is_read_from_its_environment_variable(monkeypatch):
    values = {"db_url": "sqlite:///from-env.db", "port": 9123, "executor": "dask", "scheduler": "tcp://h:8786",
              "wait_limit_s": 3.5, "max_jobs_in_flight": 7, "worker_nice": 5}  # fmt: skip
    for name, value in values.items():
        monkeypatch.setenv(ServiceSettings.env_var(name), str(value))
    settings = ServiceSettings()
    assert {name: getattr(settings, name) for name in values} == values
    assert ServiceSettings.env_var("db_url") == "GREENPARK_DB"  # the variable the keys commands read too
    assert ServiceSettings(db_url="sqlite://", port=1).port == 1  # given values win over the environment
    with pytest.raises(ValueError, match="executor"):
        ServiceSettings(executor="threads")


def test_serve_options_take_their_defaults_and_variables_from_the_settings():
    import typer

    (command,) = (c for c in typer.main.get_command(cli).commands.values() if c.name == "serve")
    fields = {"db": "db_url"}  # the one option named otherwise than its setting
    options = [p for p in command.params if p.name != "help"]
    assert len(options) == len(inspect.signature(serve).parameters)
    for option in options:
        field = fields.get(option.name, option.name)
        assert option.default == ServiceSettings.default(field), option.name
        assert option.envvar == ServiceSettings.env_var(field), option.name
        assert option.help == ServiceSettings.model_fields[field].description.replace("[", "\\["), option.name


def test_serve_builds_its_settings_from_options_and_environment(monkeypatch, tmp_path):
    """The options win, the variables fill in the rest (also settings that have no option)."""
    import uvicorn

    import greenpark.service.app as service_app

    seen = {}
    monkeypatch.setattr(service_app, "create_app", lambda settings, workers: seen.update(s=settings, w=workers))
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(run=kw))
    env = {"GREENPARK_MAX_JOBS_IN_FLIGHT": "7", "GREENPARK_WAIT_LIMIT_S": "3", "GREENPARK_WORKERS": "3",
           "GREENPARK_DB": f"sqlite:///{tmp_path / 'env.db'}"}  # fmt: skip
    r = CliRunner().invoke(cli, ["serve", "--port", "8123", "--workers", "1"], env=env)
    assert r.exit_code == 0, r.output
    settings = seen["s"]
    assert (settings.port, settings.workers, seen["w"]) == (8123, 1, 1)  # options
    assert (settings.max_jobs_in_flight, settings.wait_limit_s) == (7, 3.0)  # variables
    assert settings.db_url == env["GREENPARK_DB"]
    assert settings.lease_s == ServiceSettings.default("lease_s")  # neither: the one default
    assert seen["run"]["port"] == 8123
    bad = CliRunner().invoke(cli, ["serve"], env={"GREENPARK_LEASE_S": "soon"})
    assert bad.exit_code == 2
    assert "--lease-s" in bad.output
    assert "Traceback" not in bad.output


def test_the_worker_processes_run_with_the_services_settings(tmp_path):
    """A worker is handed the settings whole: it runs at their nice value (set before it says it is ready)."""
    from greenpark.service.db import make_engine, migrate

    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path / 'jobs.db'}", worker_nice=13)
    engine = make_engine(settings.db_url)
    migrate(engine)
    sup = Supervisor(settings, 1, Store(engine))
    sup.start()  # returns once every worker has set its ready event
    try:
        (worker,) = sup.processes.values()
        stat = Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
        assert int(stat[16]) >= settings.worker_nice  # the nice value (field 19 of /proc/<pid>/stat)
    finally:
        sup.stop()
