"""The dashboard in real headless Chromium (Debian's chromium driven by Playwright's Python API).

A uvicorn server runs in a background thread over a warehouse holding a few seeded days of
the small simulated centre. Screenshots go to tests/artifacts/ (kept as test artefacts).
"""

from __future__ import annotations

import csv
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from callcenter.web.i18n import LABELS
from tests.test_web_pages import build_demo_warehouse

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PAGES = ("overview", "intervals", "queues", "agents", "workforce", "qc")

if not Path(CHROMIUM).exists():  # pragma: no cover - the CI installs it
    pytest.skip(f"BROWSER MISSING: {CHROMIUM} not found; browser tests did not run",
                allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from callcenter.web.app import create_app

    db = build_demo_warehouse(tmp_path_factory.mktemp("browser") / "demo.duckdb")
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors: {errors}"


CHARTS_WITH_DATA = """() => {
  const els = [...document.querySelectorAll('[data-option]')];
  return els.map(el => {
    const c = echarts.getInstanceByDom(el);
    if (!c) return {id: el.id, ok: false};
    const s = c.getOption().series || [];
    return {id: el.id, ok: s.length > 0 && s.some(x => (x.data || []).length > 0)};
  });
}"""


def wait_for_charts(pg: Any) -> list[dict[str, Any]]:
    pg.wait_for_function(
        "() => [...document.querySelectorAll('[data-option]')].every(el => el.dataset.rendered)"
    )
    result: list[dict[str, Any]] = pg.evaluate(CHARTS_WITH_DATA)
    return result


def shot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_page_renders_with_charts(server: str, page: Any, name: str, lang: str) -> None:
    resp = page.goto(f"{server}/{name}?lang={lang}")
    assert resp.status == 200
    charts = wait_for_charts(page)
    assert charts, "no charts on the page"
    main = [c for c in charts if c["id"].startswith("chart-")]
    assert main and all(c["ok"] for c in main), charts
    # the first series of the main chart has points
    n = page.evaluate("() => echarts.getInstanceByDom(document.querySelector('.chart'))"
                      ".getOption().series[0].data.length")
    assert n > 0
    assert page.locator(f"nav a[data-nav='{name}']").inner_text() == LABELS[name][lang]
    assert page.locator("table.data").count() >= 1
    shot(page, f"{name}-{lang}")


def test_filter_language_switch_and_exports(server: str, page: Any, tmp_path: Path) -> None:
    page.goto(f"{server}/intervals?lang=en")
    wait_for_charts(page)
    assert page.locator("#table-intervals tbody tr").count() == 48
    page.select_option("select[name=grain]", "60m")
    page.select_option("select[name=queue]", "sales")
    page.click("#apply")
    page.wait_for_url("**grain=60m**")
    wait_for_charts(page)
    assert page.locator("#table-intervals tbody tr").count() == 24
    assert "queue=sales" in page.url
    shot(page, "intervals-filtered-en")

    with page.expect_download() as dl:
        page.click("#export-csv")
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert path.name == "intervals.csv" and len(rows) == 25  # header + 24 hours

    with page.expect_download() as dl:
        page.click("#export-xlsx")
    xpath = tmp_path / dl.value.suggested_filename
    dl.value.save_as(xpath)
    wb = load_workbook(xpath)
    assert wb.worksheets[0].max_row == 25

    with page.expect_download() as dl:
        page.click("#export-pdf")
    ppath = tmp_path / dl.value.suggested_filename
    dl.value.save_as(ppath)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "intervals-filtered-en.pdf").write_bytes(ppath.read_bytes())
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(ppath).pages)
    assert ppath.name == "intervals.pdf"
    assert "Grain: 60m" in text and "Queue: sales" in text
    # the numbers of the page's table, hour by hour, in the PDF (one text line per cell)
    first = [c.inner_text().strip() for c in page.locator("#table-intervals tbody tr").nth(8).locator("td").all()]
    assert "\n".join(first) in text

    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("nav a[data-nav='intervals']").inner_text() == LABELS["intervals"]["zh"]


def test_agent_drilldown_and_data_page(server: str, page: Any) -> None:
    page.goto(f"{server}/agents?lang=zh")
    wait_for_charts(page)
    page.locator("#table-by_agent tbody tr a").first.click()
    page.wait_for_url("**/agents/**")
    charts = wait_for_charts(page)
    assert any(c["id"] == "chart-states" and c["ok"] for c in charts), charts
    assert page.locator("#table-states tbody tr").count() > 0
    shot(page, "agent-day-zh")
    page.goto(f"{server}/data?lang=zh")
    assert page.locator("#tables").inner_text().count("calls") == 1
    shot(page, "data-zh")

