"""Every result table of a job, as JSON, CSV and Parquet, equals the library's frame (values, levels, index, dtypes)."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

import greenpark as gp
from greenpark.service.app import create_app
from greenpark.service.db import job_tables, migrate
from greenpark.service.examples import inline_park
from greenpark.service.jobs import TABLES, stored_tables
from greenpark.service.keys import create_key
from greenpark.service.settings import ServiceSettings
from greenpark.service.store import Store
from greenpark.service.worker import work
from greenpark.tables import csv_to_frame, json_to_frame, parquet_to_frame
from tests.conftest import MODELS
from tests.service.test_api import small_request

pytestmark = pytest.mark.service


def quick_request() -> dict:
    """The quick park (electricity and heat, a park and a tenant node each), series inline, 24 h."""
    start = "2026-07-15T00:00:00"
    return {"park": inline_park(MODELS / "quick-park.yaml", start, "24h"), "start": start, "horizon": "24h"}


PARKS = {"small": small_request, "quick": quick_request}


@pytest.fixture
def service(tmp_path):
    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path / 'jobs.db'}", max_time_limit_s=30)
    app = create_app(settings)
    store = app.state.store
    headers = {"Authorization": f"Bearer {create_key(store, 'alice')}"}
    return TestClient(app), store, settings, headers


def solved(service, req: dict) -> tuple[str, dict, gp.Schedule]:
    """The job of ``req`` run by a worker (its id and JSON result) and the same park solved in-process."""
    client, store, settings, headers = service
    job = client.post("/v1/solve-jobs", json=req, headers=headers).json()
    assert work(store, "test-worker", settings, once=True) == 1
    res = client.get(f"/v1/solve-jobs/{job['id']}/result", headers=headers)
    assert res.status_code == 200
    lib = gp.solve(gp.park_from_dict(req["park"]), start=req["start"], horizon=req["horizon"], build_pyomo=False)
    assert lib.ok
    assert res.json()["outcome"] == lib.status.value
    return job["id"], res.json(), lib


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal labels at every column level, index (names, dtype incl. zone, frequency), dtypes and values;
    a tolerance for float columns only."""
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-9)
    exact = [i for i, d in enumerate(want.dtypes) if d.kind != "f"]
    pd.testing.assert_frame_equal(got.iloc[:, exact], want.iloc[:, exact], check_exact=True)
    assert list(got.columns) == list(want.columns)
    assert list(got.columns.names) == list(want.columns.names)
    if isinstance(want.index, pd.DatetimeIndex):
        assert str(got.index.tz) == str(want.index.tz)
        assert got.index.tz is not None


def every_format(service, job_id: str, result: dict, lib: gp.Schedule) -> None:
    client, _store, _settings, headers = service
    frames = lib.frames()
    assert list(result["tables"]) == list(TABLES) == list(frames)
    base = f"/v1/solve-jobs/{job_id}/result"
    for name, want in frames.items():
        doc = result["tables"][name]
        assert doc["column_levels"] == list(want.columns.names)
        assert doc["dtypes"] == [str(d) for d in want.dtypes]
        assert_same(json_to_frame(doc), want)

        csv = client.get(f"{base}?format=csv&table={name}", headers=headers)
        assert csv.status_code == 200
        assert csv.headers["content-type"].startswith("text/csv")
        levels = int(csv.headers["column-levels"])
        assert levels == want.columns.nlevels
        head = csv.text.splitlines()[:levels]
        assert [line.split(",")[0] for line in head] == (list(want.columns.names) if levels > 1 else [want.index.name])
        assert_same(csv_to_frame(csv.text, levels, timezone=result["summary"]["timezone"]), want)

        pq = client.get(f"{base}?format=parquet&table={name}", headers=headers)
        assert pq.status_code == 200
        assert pq.headers["content-type"] == "application/vnd.apache.parquet"
        assert_same(parquet_to_frame(pq.content), want)

    # the report page is drawn from the same stored tables
    report = client.get(f"/v1/solve-jobs/{job_id}/report", headers=headers)
    assert report.status_code == 200
    assert "<html" in report.text


@pytest.mark.parametrize("park", PARKS)
def test_every_table_in_every_format_equals_the_library(service, park):
    job_id, result, lib = solved(service, PARKS[park]())
    assert lib.balances.columns.nlevels == 3
    assert lib.node_prices.columns.nlevels == 2
    every_format(service, job_id, result, lib)


def test_tables_stored_as_csv_before_revision_0004_are_still_served(service):
    """A job stored by an older version (CSV text with several header rows, no Parquet) reads back typed."""
    client, store, _settings, headers = service
    job_id, _result, lib = solved(service, quick_request())
    with store.engine.begin() as conn:
        for name, frame in lib.frames().items():
            legacy = frame.to_csv(date_format="%Y-%m-%dT%H:%M:%S%z")  # as the worker stored them before
            conn.execute(
                update(job_tables)
                .where(job_tables.c.job_id == job_id, job_tables.c.name == name)
                .values(csv=legacy, parquet=None)
            )
    result = client.get(f"/v1/solve-jobs/{job_id}/result", headers=headers).json()
    every_format(service, job_id, result, lib)


def test_migrate_adds_the_parquet_column_and_keeps_csv_tables(tmp_path):
    """A store of the version before typed tables (its jobs' tables are CSV text) is upgraded; its tables still
    read back typed."""
    from sqlalchemy import inspect

    from tests.service.test_db import OLD, legacy_store

    frame = pd.DataFrame(
        {("electricity", "park"): [0.3, 1.0]},
        index=pd.date_range("2026-07-15", periods=2, freq="h", tz="Asia/Shanghai", name="time"),
    )
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["carrier", "node"])
    engine, _key = legacy_store(f"sqlite:///{tmp_path / 'old.db'}", "b10f3de")  # job j1, timezone Asia/Shanghai
    with engine.begin() as conn:
        csv = frame.to_csv(date_format="%Y-%m-%dT%H:%M:%S%z")  # as the worker stored it then
        conn.execute(OLD.tables["job_tables"].insert().values(job_id="j1", name="node_prices", csv=csv))
    migrate(engine)
    assert "parquet" in {c["name"] for c in inspect(engine).get_columns("job_tables")}
    pd.testing.assert_frame_equal(stored_tables(Store(engine), "j1")["node_prices"], frame, check_exact=True)
