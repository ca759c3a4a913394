"""Reports: the numbers shown are the schedule's, the page needs no network, the workbook adds up."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest

import greenpark as gp
from greenpark.report import render_html, write_report, write_workbook
from tests.conftest import MODELS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def milp():
    return gp.solve(MODELS / "reference-park-milp.yaml", start="2026-07-15", horizon="48h", compare_bau=True)


def _data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="greenpark-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def test_report_shows_the_schedules_numbers(milp):
    page = render_html(milp)
    data = _data(page)
    k = data["kpis"]
    assert k["total_cost_cny"] == pytest.approx(milp.objective_cny)
    assert k["total_co2_t"] == pytest.approx(milp.emissions_t["total_t"].sum())
    assert k["saving_cny"] == pytest.approx(milp.bau["saving_cny"])
    for tenant, row in milp.tenants.iterrows():
        assert data["tenants"][tenant]["bill_cny"] == pytest.approx(row["bill_cny"])
        assert data["tenants"][tenant]["co2_t"] == pytest.approx(row["co2_t"])
    assert {"dispatch-electricity", "dispatch-heat", "storage", "grid", "emissions", "tenants", "production"} <= set(
        data["figures"]
    )
    # the KPI cards print the same numbers
    assert f"{milp.objective_cny:,.0f}" in page
    # the per-step numbers behind the charts are the schedule's
    series = data["series"]
    assert series["grid_import_kw"] == pytest.approx(milp.dispatch["grid[grid].import_kw"].tolist(), abs=1e-5)
    assert series["co2_kg"] == pytest.approx(milp.prices["co2_kg"].tolist(), abs=1e-5)
    assert len(series["time"]) == 48


def test_report_opens_offline_and_in_chinese(milp, tmp_path):
    page = render_html(milp, lang="zh")
    assert "调度报告" in page
    assert "总成本" in page
    assert not re.search(r'<script[^>]+src="https?://', page)  # plotly.js is inline: no network
    assert not re.search(r'<link[^>]+href="https?://', page)
    milp.to_folder(tmp_path)
    path = write_report(tmp_path, lang="en")
    assert _data(path.read_text())["kpis"]["total_cost_cny"] == pytest.approx(milp.objective_cny)


def test_workbook_totals_match_the_schedule(milp, tmp_path):
    path = write_workbook(milp, tmp_path / "schedule.xlsx")
    wb = openpyxl.load_workbook(path)
    assert set(wb.sheetnames) == {"summary", "dispatch", "tenants", "prices"}
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["objective_cny"] == pytest.approx(milp.objective_cny)
    assert sum(v for k, v in summary.items() if k.startswith("cost_") and k.endswith("_cny")) == pytest.approx(
        milp.objective_cny
    )
    ws = wb["dispatch"]
    header = [c.value for c in ws[1]]
    col = header.index("grid[grid].import_kw") + 1
    total = sum(ws.cell(row=r, column=col).value for r in range(2, ws.max_row + 1))
    assert total == pytest.approx(milp.dispatch["grid[grid].import_kw"].sum())
    tenants = wb["tenants"]
    theader = [c.value for c in tenants[1]]
    co2 = sum(r[theader.index("co2_t")] for r in tenants.iter_rows(min_row=2, values_only=True))
    assert co2 == pytest.approx(milp.tenants["co2_t"].sum())


def test_cli_solve_writes_report_and_workbook(tmp_path):
    from typer.testing import CliRunner

    from greenpark.cli import app

    args = ["solve", str(MODELS / "quick-park.yaml"), "--start", "2026-07-15", "--horizon", "24h"]
    r = CliRunner().invoke(app, [*args, "--out", str(tmp_path), "--format", "xlsx", "--lang", "zh", "-q"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "report.html").exists()
    assert "调度报告" in (tmp_path / "report.html").read_text()
    assert openpyxl.load_workbook(tmp_path / "schedule.xlsx").sheetnames[0] == "summary"
    r = CliRunner().invoke(app, ["report", str(tmp_path), "-o", str(tmp_path / "again.html")])
    assert r.exit_code == 0
    assert _data((tmp_path / "again.html").read_text())["lang"] == "en"
