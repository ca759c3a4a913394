"""Command line: ``greenpark solve | validate | schema``.

Exit codes: 0 optimal or feasible, 2 invalid input, 3 infeasible or
unbounded, 4 time limit without a solution (5 solver error).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from greenpark import kinds as asset_kinds
from greenpark.errors import ParkValidationError
from greenpark.pipeline import prepare
from greenpark.pipeline import solve as run_solve
from greenpark.solve import SolveOptions, Status
from greenpark.spec import park_json_schema

app = typer.Typer(add_completion=False, no_args_is_help=True, help="greenpark: optimal low-carbon park operation.")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

EXIT_OK, EXIT_INVALID, EXIT_INFEASIBLE, EXIT_TIME_LIMIT, EXIT_ERROR = 0, 2, 3, 4, 5
_EXIT = {
    Status.OPTIMAL: EXIT_OK,
    Status.FEASIBLE: EXIT_OK,
    Status.INFEASIBLE: EXIT_INFEASIBLE,
    Status.UNBOUNDED: EXIT_INFEASIBLE,
    Status.TIME_LIMIT: EXIT_TIME_LIMIT,
    Status.ERROR: EXIT_ERROR,
}


StartOption = Annotated[str | None, typer.Option(help="First step, park local time; default: next midnight.")]
HorizonOption = Annotated[str, typer.Option(help="Duration: 24h, 48h, 7d.")]


def _invalid(exc: ParkValidationError) -> typer.Exit:
    head = f"{exc.source}: " if exc.source else ""
    err.print(f"[bold red]invalid input[/] {head}{len(exc.problems)} problem(s)", highlight=False)
    for p in exc.problems:
        err.print(f"  - {p}", highlight=False, markup=False)
    return typer.Exit(EXIT_INVALID)


@app.command()
def solve(
    park_file: Annotated[Path, typer.Argument(help="Park model file (YAML).")],
    start: StartOption = None,
    horizon: HorizonOption = "48h",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder; default results/<park file stem>.")
    ] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="HiGHS time limit [s].")] = None,
    carbon_cap_t: Annotated[float | None, typer.Option("--carbon-cap-t", help="Park carbon cap [tCO2].")] = None,
    mip_gap: Annotated[float, typer.Option("--mip-gap", help="Relative MIP gap.")] = 0.005,
    threads: Annotated[int, typer.Option(help="HiGHS threads.")] = 1,
    presolve: Annotated[bool, typer.Option("--presolve/--no-presolve", help="HiGHS presolve.")] = True,
    fmt: Annotated[str, typer.Option("--format", help="Tables as csv, parquet, or xlsx (csv + one workbook).")] = "csv",
    bau: Annotated[bool, typer.Option("--bau/--no-bau", help="Compare with business as usual.")] = True,
    lang: Annotated[str, typer.Option("--lang", help="Report labels: en or zh.")] = "en",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Solve a park and write its schedule (tables + summary.json) to the output folder."""
    if fmt not in ("csv", "parquet", "xlsx") or lang not in ("en", "zh"):
        err.print(
            f"[bold red]invalid input[/] --format csv|parquet|xlsx ({fmt!r}), --lang en|zh ({lang!r})", highlight=False
        )
        raise typer.Exit(EXIT_INVALID)
    progress = None if quiet else (lambda msg: err.print(f"[dim]… {msg}[/]", highlight=False))
    try:
        schedule = run_solve(
            park_file,
            start=start,
            horizon=horizon,
            options=SolveOptions(time_limit_s=time_limit, mip_rel_gap=mip_gap, threads=threads, presolve=presolve),
            carbon_cap_t=carbon_cap_t,
            compare_bau=bau,
            progress=progress,
        )
    except ParkValidationError as exc:
        raise _invalid(exc) from None
    folder = out_dir or Path("results") / park_file.stem
    schedule.to_folder(folder, fmt="parquet" if fmt == "parquet" else "csv")
    from greenpark.report import render_html, write_workbook

    (folder / "report.html").write_text(render_html(schedule, lang=lang), encoding="utf-8")
    if fmt == "xlsx":
        write_workbook(schedule, folder / "schedule.xlsx")
    _print_summary(schedule, folder)
    raise typer.Exit(_EXIT[schedule.status])


def _print_summary(schedule, folder: Path) -> None:
    colour = "green" if schedule.ok else "red"
    headline = schedule.message.split(". ")[0] if schedule.explanation else schedule.message
    gap = f", gap {schedule.mip_gap:.2%}" if schedule.mip_gap is not None else ""
    err.print(
        f"[bold {colour}]{schedule.status.value}[/] — {headline} "
        f"(HiGHS {schedule.highs_run_time_s:.2f} s{gap}, total {schedule.timings_s.get('total_s', 0):.2f} s)",
        highlight=False,
    )
    for finding in schedule.explanation:
        err.print(f"  - {finding['message']}", highlight=False, markup=False)
    if schedule.ok:
        k = schedule.kpis
        table = Table(
            title=f"{schedule.park}: {schedule.index[0]:%Y-%m-%d %H:%M} + {len(schedule.index) * schedule.step_h:g} h"
        )
        table.add_column("KPI")
        table.add_column("value", justify="right")
        rows = [
            ("total cost", f"{k['total_cost_cny']:,.0f} CNY"),
            ("total CO2", f"{k['total_co2_t']:,.1f} t"),
            ("grid import", f"{k['grid_import_kwh'] / 1000:,.1f} MWh"),
            ("peak grid import", f"{k['peak_grid_import_kw']:,.0f} kW"),
            ("PV generation", f"{k['pv_generation_kwh'] / 1000:,.1f} MWh"),
            ("PV self-consumption", f"{k['pv_self_consumption']:.1%}"),
            ("renewable share", f"{k['renewable_share']:.1%}"),
        ]
        if schedule.bau and "saving_cny" in schedule.bau:
            rows.append(("saving vs business as usual", f"{schedule.bau['saving_cny']:,.0f} CNY"))
            rows.append(("CO2 saving vs business as usual", f"{schedule.bau['saving_co2_t']:,.2f} t"))
        if schedule.marginal_abatement_cost_cny_per_t is not None:
            rows.append(("carbon cap price", f"{schedule.marginal_abatement_cost_cny_per_t:,.1f} CNY/t"))
        for r in rows:
            table.add_row(*r)
        out.print(table)
        if len(schedule.tenants):
            method = schedule.meta.get("billing_method", {}).get("name", "marginal")
            t = schedule.tenants
            capped = "carbon_cap_price_cny_per_t" in t  # a tenant cap exists: show what it counts too
            tt = Table(
                title=f"tenants: bills by the {method} method, CO2 attributed; 'park' = the park's own",
                caption="cap CO2: what a tenant carbon cap counts (README: how the books are kept)" if capped else None,
            )
            cols = ["tenant", "power MWh", "heat MWh", "bill CNY", "CO2 t", "market CO2 t"]
            for c in cols + (["cap CO2 t"] if capped else []):
                tt.add_column(c, justify="right" if c != "tenant" else "left")
            for tid, r in t.iterrows():
                ledger = [] if not capped else ["" if r["co2_cap_ledger_t"] != r["co2_cap_ledger_t"]
                                                else f"{r['co2_cap_ledger_t']:,.1f}"]  # fmt: skip
                tt.add_row(
                    str(tid),
                    f"{r['electricity_use_kwh'] / 1000:,.1f}",
                    f"{r['heat_use_kwh'] / 1000:,.1f}",
                    f"{r['bill_cny']:,.0f}",
                    f"{r['co2_t']:,.1f}",
                    f"{r['co2_market_t']:,.1f}",
                    *ledger,
                )
            tt.add_row(
                "total", f"{t['electricity_use_kwh'].sum() / 1000:,.1f}", f"{t['heat_use_kwh'].sum() / 1000:,.1f}",
                f"{t['bill_cny'].sum():,.0f}", f"{t['co2_t'].sum():,.1f}", f"{t['co2_market_t'].sum():,.1f}",
                *([""] if capped else []), style="bold",
            )  # fmt: skip
            out.print(tt)
    err.print(f"results written to {folder}", highlight=False)


@app.command()
def pareto(
    park_file: Annotated[Path, typer.Argument(help="Park model file (YAML).")],
    points: Annotated[int, typer.Option("--points", help="Points on the frontier (≥ 2).")] = 10,
    start: Annotated[str | None, typer.Option(help="First step, park local time; default: next midnight.")] = None,
    horizon: Annotated[str, typer.Option(help="Duration: 24h, 48h, 7d.")] = "48h",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder; default results/<stem>-frontier.")
    ] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="HiGHS time limit per point [s].")] = None,
    mip_gap: Annotated[float, typer.Option("--mip-gap", help="Relative MIP gap.")] = 0.005,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Cost–carbon frontier: frontier.csv plus a schedule folder per point."""
    from greenpark.pareto import pareto as run_pareto

    if not quiet:
        err.print(f"[dim]… sweeping the carbon cap over {points} points[/]", highlight=False)
    try:
        frontier = run_pareto(
            park_file,
            start=start,
            horizon=horizon,
            points=points,
            options=SolveOptions(time_limit_s=time_limit, mip_rel_gap=mip_gap),
        )
    except ParkValidationError as exc:
        raise _invalid(exc) from None
    folder = out_dir or Path("results") / f"{park_file.stem}-frontier"
    frontier.to_folder(folder)
    table = Table(title=f"cost–carbon frontier ({frontier.timings_s.get('total_s', 0):.2f} s)")
    for c in ("point", "cap t", "cost CNY", "CO2 t", "renewable", "MAC CNY/t", "status"):
        table.add_column(c, justify="right")
    for r in frontier.table.itertuples():
        table.add_row(
            str(r.point),
            "—" if r.cap_t != r.cap_t else f"{r.cap_t:,.2f}",
            f"{r.cost_cny:,.0f}" if r.cost_cny == r.cost_cny and r.cost_cny is not None else "—",
            f"{r.co2_t:,.2f}",
            f"{r.renewable_share:.1%}",
            f"{r.marginal_abatement_cost_cny_per_t:,.1f}",
            r.status,
        )
    out.print(table)
    err.print(f"frontier written to {folder / 'frontier.csv'}", highlight=False)
    ok = (frontier.table["status"].isin(["optimal", "feasible"])).all()
    raise typer.Exit(EXIT_OK if ok else EXIT_INFEASIBLE)


@app.command()
def settle(
    park_file: Annotated[Path, typer.Argument(help="Park model file (YAML).")],
    method: Annotated[
        list[str] | None, typer.Option("--method", help="marginal, proportional, shapley (repeat; default all).")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First step, park local time; default: next midnight.")] = None,
    horizon: Annotated[str, typer.Option(help="Duration: 24h, 48h, 7d.")] = "48h",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder; default results/<stem>-settlement.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Processes solving Shapley coalitions.")] = 2,
    samples: Annotated[int, typer.Option(help="Orderings sampled beyond 8 tenants.")] = 200,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Tenant bills and emissions, settled by marginal prices, in proportion, or by Shapley value."""
    from greenpark.settlement import METHODS
    from greenpark.settlement import settle as run_settle

    if not quiet:
        err.print("[dim]… solving the park and its coalitions[/]", highlight=False)
    try:
        result = run_settle(
            park_file, start=start, horizon=horizon, methods=method or METHODS, workers=workers, samples=samples
        )
    except ParkValidationError as exc:
        raise _invalid(exc) from None
    folder = out_dir or Path("results") / f"{park_file.stem}-settlement"
    result.to_folder(folder)
    t = result.table
    table = Table(title=f"settlement of {result.park_cost_cny:,.0f} CNY ({result.notes.get('time_s', 0):.1f} s)")
    table.add_column("tenant")
    table.add_column("CO2 t", justify="right")
    table.add_column("standalone CNY", justify="right")
    methods = [m for m in METHODS if f"bill_{m}_cny" in t]
    for m in methods:
        table.add_column(f"{m} CNY", justify="right")
    for tenant, r in t.iterrows():
        cells = [f"{r[f'bill_{m}_cny']:,.0f}" + (" [red]![/]" if r[f"negative_saving_{m}"] else "") for m in methods]
        standalone = r["standalone_cost_cny"]
        table.add_row(str(tenant), f"{r['co2_t']:,.1f}", f"{standalone:,.0f}", *cells)
    out.print(table)
    out.print(f"[dim]{result.notes['standalone']}[/]", highlight=False)
    for m, why in result.notes.get("negative_saving", {}).items():
        out.print(f"[red]![/] {m}: {why}", highlight=False)
    err.print(
        f"settlement written to {folder / 'settlement.csv'} and settlement.json (! = negative saving)", highlight=False
    )


@app.command()
def simulate(
    park_file: Annotated[Path, typer.Argument(help="Park model file (YAML).")],
    from_: Annotated[str, typer.Option("--from", help="First local date-time of the simulation.")],
    to: Annotated[str, typer.Option("--to", help="End (exclusive), local date-time.")],
    window: Annotated[str, typer.Option(help="Part of each solve that is kept.")] = "24h",
    horizon: Annotated[str, typer.Option(help="Length of each solve.")] = "48h",
    carbon_budget_t: Annotated[
        float | None, typer.Option("--carbon-budget-t", help="Carbon budget for the whole period [tCO2].")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder; default results/<stem>-simulation.")
    ] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="HiGHS time limit per solve [s].")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Rolling-horizon simulation: solve window after window, carrying the state forward."""
    from rich.progress import Progress

    from greenpark.simulate import SimulationError
    from greenpark.simulate import simulate as run_simulation

    try:
        total_h = (pd.Timestamp(to) - pd.Timestamp(from_)) / pd.Timedelta(window)
    except (ValueError, TypeError) as exc:
        err.print(f"[bold red]invalid input[/] --from/--to/--window: {exc}", highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    with Progress(console=err, disable=quiet, transient=True) as bar:
        task = bar.add_task("simulating", total=max(1, int(np.ceil(total_h))))
        try:
            sim = run_simulation(
                park_file,
                from_,
                to,
                window=window,
                horizon=horizon,
                carbon_budget_t=carbon_budget_t,
                options=SolveOptions(time_limit_s=time_limit),
                progress=lambda t, s: bar.update(task, advance=1, description=f"{t:%Y-%m-%d}"),
            )
        except ParkValidationError as exc:
            raise _invalid(exc) from None
        except SimulationError as exc:
            err.print(f"[bold red]failed[/] {exc}", highlight=False)
            raise typer.Exit(EXIT_INFEASIBLE) from None
    folder = out_dir or Path("results") / f"{park_file.stem}-simulation"
    sim.to_folder(folder)
    tt = sim.totals
    budget = f", budget {tt['carbon_budget_t']:,.1f} t" if tt["carbon_budget_t"] is not None else ""
    out.print(
        f"{tt['windows']} windows: realised cost {tt['cost_cny']:,.0f} CNY, CO2 {tt['co2_t']:,.1f} t{budget} "
        f"({tt['wall_s']:.1f} s)"
    )
    err.print(f"results written to {folder}", highlight=False)


@app.command()
def batch(
    batch_file: Annotated[Path, typer.Argument(help="Batch file (YAML), e.g. models/batches/nightly.yaml.")],
    date: Annotated[str | None, typer.Option(help="Run date YYYY-MM-DD; default: the batch file's (tomorrow).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output root; default: the batch file's 'out'.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip runs already finished for the same inputs.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", help="Runs in parallel (processes or Dask workers).")] = 1,
    executor: Annotated[str, typer.Option(help="local (process pool) or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (tcp://host:8786).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
    log_json: Annotated[Path | None, typer.Option("--log-json", help="Append JSON-lines events to this file.")] = None,
) -> None:
    """Run many parks × scenarios for one night; resumable; exit 1 when any run failed."""
    import datetime as dt
    import json as _json

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from greenpark.batch import OK_STATUSES, plan_batch, record_summary, run_batch

    if executor not in ("local", "dask"):
        err.print(f"[bold red]invalid input[/] --executor: local or dask, not {executor!r}", highlight=False)
        raise typer.Exit(EXIT_INVALID)
    try:
        plan = plan_batch(batch_file, date=date, out=out_dir)
    except ParkValidationError as exc:
        raise _invalid(exc) from None
    invalid = [r for r in plan.runs if r.problems]
    for r in invalid:
        err.print(f"[red]invalid run[/] {r.run_id}:", highlight=False)
        for p in r.problems:
            err.print(f"  - {p}", highlight=False, markup=False)
    log = log_json.open("a") if log_json else None
    counts = {"done": 0, "failed": 0, "running": 0}
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err, disable=quiet, transient=True) as bar:
        task = bar.add_task("batch", total=len(plan.runs))

        def on_event(event: str, rec: dict) -> None:
            if log is not None:
                stamp = dt.datetime.now(dt.UTC).isoformat()
                log.write(_json.dumps({"time": stamp, "event": event, **rec}, default=str) + "\n")
                log.flush()
            if event == "running":
                counts["running"] += 1
            elif event in ("done", "skipped", "invalid"):
                if event == "done":
                    counts["running"] -= 1
                ok = rec.get("status") in OK_STATUSES
                counts["done" if ok else "failed"] += 1
                bar.advance(task)
            bar.update(
                task,
                description=f"done {counts['done']}, failed {counts['failed']}, running {max(0, counts['running'])}",
            )

        result = run_batch(plan, resume=resume, jobs=jobs, executor=executor, scheduler=scheduler, on_event=on_event)
    if log is not None:
        log.close()
    if not quiet:
        table = Table(title=f"batch {plan.name} — {plan.date_label}")
        summary = record_summary(result.records)
        for c in ("run", "status", "cost CNY", "CO2 t", "gap", "s", "note"):
            table.add_column(c, justify="left" if c in ("run", "status", "note") else "right")
        for r in summary.itertuples():
            colour = "green" if r.status in OK_STATUSES else "red"
            table.add_row(
                r.run,
                f"[{colour}]{r.status}[/]",
                "—" if r.objective_cny is None or r.objective_cny != r.objective_cny else f"{r.objective_cny:,.0f}",
                "—" if r.co2_t is None or r.co2_t != r.co2_t else f"{r.co2_t:,.1f}",
                "—" if r.gap is None or r.gap != r.gap else f"{r.gap:.2%}",
                "—" if r.wall_s is None or r.wall_s != r.wall_s else f"{r.wall_s:.1f}",
                "resumed" if r.resumed else (r.error[:60] if r.error else ""),
            )
        out.print(table)
        err.print(f"manifest: {plan.out_root / plan.date_label / 'manifest.json'}", highlight=False)
    raise typer.Exit(1 if result.failed else EXIT_OK)


keys_app = typer.Typer(no_args_is_help=True, help="API keys of the solve service.")
app.add_typer(keys_app, name="keys")
DbOption = Annotated[str, typer.Option("--db", help="Job store URL (as for serve).", envvar="GREENPARK_DB")]


def _serve_option(name: str, *flags: str) -> typer.models.OptionInfo:
    """The ``serve`` option of settings field ``name``: its help, and its ``GREENPARK_…`` environment variable
    (its default is the field's, given as the parameter's default with :func:`_serve_default`)."""
    from rich.markup import escape

    from greenpark.service.settings import ServiceSettings

    help_ = escape(ServiceSettings.model_fields[name].description)  # "[s]" is a unit, not markup
    return typer.Option(*flags, help=help_, envvar=ServiceSettings.env_var(name), show_envvar=True)


def _serve_default(name: str):
    from greenpark.service.settings import ServiceSettings

    return ServiceSettings.default(name)


DB_DEFAULT = _serve_default("db_url")
"""The job store ``serve`` and ``keys`` use by default (the service settings' default)."""


@app.command()
def serve(
    host: Annotated[str, _serve_option("host")] = _serve_default("host"),
    port: Annotated[int, _serve_option("port")] = _serve_default("port"),
    workers: Annotated[int, _serve_option("workers")] = _serve_default("workers"),
    db: Annotated[str, _serve_option("db_url", "--db")] = _serve_default("db_url"),
    max_time_limit_s: Annotated[float, _serve_option("max_time_limit_s")] = _serve_default("max_time_limit_s"),
    max_jobs_in_flight: Annotated[int, _serve_option("max_jobs_in_flight")] = _serve_default("max_jobs_in_flight"),
    retention_h: Annotated[float, _serve_option("retention_h")] = _serve_default("retention_h"),
    max_queue_wait_h: Annotated[float, _serve_option("max_queue_wait_h")] = _serve_default("max_queue_wait_h"),
    lease_s: Annotated[float, _serve_option("lease_s")] = _serve_default("lease_s"),
    worker_max_jobs: Annotated[int, _serve_option("worker_max_jobs")] = _serve_default("worker_max_jobs"),
    executor: Annotated[str, _serve_option("executor")] = _serve_default("executor"),
    scheduler: Annotated[str | None, _serve_option("scheduler")] = _serve_default("scheduler"),
    http_workers: Annotated[int, _serve_option("http_workers")] = _serve_default("http_workers"),
) -> None:
    """Run the solve service (FastAPI + uvicorn) with its worker processes.

    Every option is also read from its GREENPARK_… variable, and so are the other settings (GREENPARK_WAIT_LIMIT_S).
    """
    options = {**locals(), "db_url": db}  # the options, named as the settings' fields
    options.pop("db")
    import uvicorn
    from pydantic import ValidationError

    from greenpark.service.settings import ServiceSettings

    try:
        settings = ServiceSettings(**options)
    except ValidationError as exc:
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else ""
            if name in options:  # an option (or its variable)
                name = "--db" if name == "db_url" else f"--{name.replace('_', '-')}"
            elif name in ServiceSettings.model_fields:  # a setting read from the environment alone
                name = ServiceSettings.env_var(name)
            err.print(f"[bold red]invalid input[/] {name}: {e['msg']}", highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    if settings.http_workers <= 1:
        from greenpark.service.app import create_app

        app_ = create_app(settings, workers=settings.workers)
        uvicorn.run(app_, host=settings.host, port=settings.port, log_level="warning", access_log=False)
        return
    # several HTTP processes, one socket each (SO_REUSEPORT); the execution runs once, here
    from greenpark.service.http import port_is_free, run_http_processes
    from greenpark.service.worker import start_execution

    if not port_is_free(settings.host, settings.port):
        err.print(f"[bold red]invalid input[/] --port: {settings.host}:{settings.port} is in use", highlight=False)
        raise typer.Exit(EXIT_INVALID)
    execution = start_execution(settings)
    try:
        run_http_processes(settings)
    finally:
        execution.stop()


@keys_app.command("create")
def keys_create(
    client: Annotated[str, typer.Option("--client", help="Who the key belongs to.")],
    park: Annotated[str | None, typer.Option("--park", help="Limit the key to one stored park.")] = None,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Create a key; it is printed once, alone on stdout."""
    from greenpark.service.db import make_engine, migrate
    from greenpark.service.keys import create_key

    engine = make_engine(db)
    migrate(engine)
    typer.echo(create_key(engine, client, park))


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Key id (from keys list).")], db: DbOption = DB_DEFAULT
) -> None:
    """Revoke a key by its id."""
    from greenpark.service.db import make_engine, migrate
    from greenpark.service.keys import revoke_key

    engine = make_engine(db)
    migrate(engine)
    if not revoke_key(engine, key_id):
        err.print(f"no active key {key_id!r}", highlight=False)
        raise typer.Exit(EXIT_INVALID)
    err.print(f"revoked {key_id}", highlight=False)


@keys_app.command("list")
def keys_list(db: DbOption = DB_DEFAULT) -> None:
    """List keys (ids, clients, parks, dates; never the keys)."""
    from greenpark.service.db import make_engine, migrate
    from greenpark.service.keys import list_keys

    engine = make_engine(db)
    migrate(engine)
    table = Table(title="API keys")
    for c in ("id", "client", "park", "created", "revoked"):
        table.add_column(c)
    for k in list_keys(engine):
        table.add_row(k["id"], k["client"], k["park"] or "", str(k["created_at"])[:19], str(k["revoked_at"] or "")[:19])
    out.print(table)


@app.command()
def report(
    result_dir: Annotated[Path, typer.Argument(help="A result folder (solve --out, a batch run, a frontier point).")],
    out_file: Annotated[
        Path | None, typer.Option("-o", "--out", help="HTML file; default RESULT_DIR/report.html.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Labels: en or zh.")] = "en",
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the workbook here.")] = None,
) -> None:
    """Write the self-contained HTML report (and optionally the workbook) of a result folder."""
    from greenpark.report import write_report, write_workbook
    from greenpark.results import load_schedule

    if not (result_dir / "summary.json").exists() or lang not in ("en", "zh"):
        err.print(f"[bold red]invalid input[/] {result_dir}: no summary.json (or --lang not en|zh)", highlight=False)
        raise typer.Exit(EXIT_INVALID)
    path = write_report(result_dir, out_file, lang=lang)
    err.print(f"wrote {path}", highlight=False)
    if xlsx is not None:
        write_workbook(load_schedule(result_dir), xlsx)
        err.print(f"wrote {xlsx}", highlight=False)


@app.command()
def validate(
    park_file: Annotated[Path, typer.Argument(help="Park model file (YAML).")],
    start: StartOption = None,
    horizon: HorizonOption = "48h",
) -> None:
    """Check a park on a horizon as solve does before building a model (fields, series, PV, requirements)."""
    try:
        inputs = prepare(park_file, start=start, horizon=horizon)
    except ParkValidationError as exc:
        raise _invalid(exc) from None
    park, index = inputs.park, inputs.index
    end = index[-1] + pd.Timedelta(hours=inputs.step_h)
    derived = [a for a in park.assets if asset_kinds.of(a).derive is not None]  # e.g. PV output from the weather
    n_pv = len(derived)
    park_level = (inputs.gas_price_cny_per_kwh, inputs.carbon_price_cny_per_t)
    n_series = len(inputs.series) + sum(v is not None for v in park_level)
    err.print(
        f"[green]valid[/]: {park.park.name} — {len(park.tenants)} tenants, {len(park.assets)} assets\n"
        f"  horizon {index[0]:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({park.park.timezone}): "
        f"{len(index)} steps of {park.park.resolution}\n"
        f"  {n_series} series resolved on every step (incl. {n_pv} derived from others, e.g. PV from weather); "
        "job windows, deliveries, up/down times and renewable share possible on this horizon",
        highlight=False,
    )


@app.command()
def schema(
    api_dir: Annotated[Path, typer.Option("--api-dir", help="Where the HTTP contract lives.")] = Path("api"),
    models_dir: Annotated[Path, typer.Option("--models", help="Park files for the example requests.")] = Path("models"),
) -> None:
    """Write the contract generated from the code: park.schema.json, openapi.json and examples/*.json."""
    for name, content in contract_files(models_dir).items():
        path = api_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        err.print(f"wrote {path}", highlight=False)


def schema_text() -> str:
    """The exact text of ``api/park.schema.json``."""
    return json.dumps(park_json_schema(), indent=2, ensure_ascii=False) + "\n"


def contract_files(models_dir: Path) -> dict[str, str]:
    """Every generated file of ``api/``, by path relative to it."""
    from greenpark.service.app import create_app
    from greenpark.service.examples import example_requests
    from greenpark.service.settings import Settings

    openapi = create_app(Settings(db_url="sqlite://")).openapi()
    files = {
        "park.schema.json": schema_text(),
        "openapi.json": json.dumps(openapi, indent=2, ensure_ascii=False) + "\n",
    }
    for stem, body in example_requests(models_dir).items():
        files[f"examples/{stem}.json"] = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return files


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
