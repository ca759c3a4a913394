"""Reports and service pages in a real browser: Debian's headless Chromium driven by selenium.

Screenshots are kept in ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

import greenpark as gp
from greenpark.report import render_html
from greenpark.service.states import JobState
from tests.conftest import MODELS, ROOT
from tests.service.test_server import Server, _key, _wait

pytestmark = pytest.mark.service
ARTIFACTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,2400",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):  # fmt: skip
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _check_page(driver, name: str, expect_plots: set[str]) -> dict:
    deadline = time.time() + 30
    rendered = {}
    while time.time() < deadline:
        rendered = driver.execute_script(
            "const out = {};"
            "document.querySelectorAll('.js-plotly-plot').forEach(el => {"
            "  out[el.id] = (el.data || []).map(t => (t.y ? Array.from(t.y).length : 0)); });"
            "return out;"
        )
        if expect_plots <= set(rendered):
            break
        time.sleep(0.2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    assert expect_plots <= set(rendered), rendered
    for plot in expect_plots:
        assert rendered[plot], plot  # traces exist
        assert max(rendered[plot]) > 0, plot  # with data
    return rendered


def test_report_file_renders_offline(browser, tmp_path):
    s = gp.solve(MODELS / "reference-park-milp.yaml", start="2026-07-15", horizon="48h", compare_bau=True)
    path = tmp_path / "report.html"
    path.write_text(render_html(s, lang="en"))
    browser.get(path.as_uri())
    rendered = _check_page(browser, "report-milp", {"plot-dispatch-electricity", "plot-grid", "plot-production"})
    # the bars drawn are the schedule's grid imports
    drawn = browser.execute_script("return Array.from(document.getElementById('plot-grid').data[0].y);")
    assert drawn == pytest.approx(s.dispatch["grid[grid].import_kw"].tolist(), rel=1e-9, abs=1e-9)
    assert len(rendered["plot-grid"]) >= 3


def test_service_job_page_through_a_signed_link(browser, tmp_path):
    db = f"sqlite:///{tmp_path / 'ui.db'}"
    key = _key(db)
    server = Server(db).start()
    try:
        body = json.loads((ROOT / "api" / "examples" / "reference-park.json").read_text())
        with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=30) as c:
            job = c.post("/v1/solve-jobs", json=body).json()
            st = _wait(c, job["id"])
            assert st["status"] == JobState.COMPLETED
            page, jobs_page = st["links"]["page"], st["links"]["jobs_page"]
            assert key not in page
            assert "sig=" in page
        browser.get(server.url + jobs_page)
        assert job["id"][:8] in browser.page_source
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "service-jobs.png"))
        browser.get(server.url + page)
        _check_page(browser, "service-job", {"plot-dispatch-electricity", "plot-grid", "plot-tenants"})
        # a tampered or expired link is refused
        assert httpx.get(server.url + page.replace("sig=", "sig=0")).status_code == 403
        expired = page.split("expires=")[0] + "expires=1&" + page.split("&", 2)[2]
        assert httpx.get(server.url + expired).status_code == 403
    finally:
        server.stop()


def test_screenshots_exist():
    # the artifacts above are files a person can open
    shots = sorted(Path(ARTIFACTS).glob("*.png"))
    assert {p.name for p in shots} >= {"report-milp.png", "service-job.png"}
