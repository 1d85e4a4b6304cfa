"""Web pages, JSON API and exports through FastAPI's TestClient, over a small simulated centre."""

from __future__ import annotations

import csv
import io
from html import escape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from callcenter.app import CallCenter
from callcenter.web.app import NAV_ITEMS, create_app
from callcenter.web.i18n import LABELS

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("overview", "intervals", "queues", "agents", "workforce", "qc")
SIM_DAYS = 3


def build_demo_warehouse(db: Path, days: int = SIM_DAYS, seed: int = 7) -> Path:
    """A warehouse holding a few seeded days of examples/simulate/small_centre.yaml."""
    from callcenter.simulate import load_config, run

    tables = run(load_config(ROOT / "examples" / "simulate" / "small_centre.yaml"), days, seed)
    with CallCenter(db) as cc:
        cc.store_tables(f"simulated:small-centre:seed={seed}", tables, "simulation")
    return db


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    db = build_demo_warehouse(tmp_path_factory.mktemp("web") / "demo.duckdb")
    return TestClient(create_app(db))


def test_root_redirects_to_overview(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307)
    assert r.headers["location"] == "/overview"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_in_both_languages(client: TestClient, name: str, lang: str) -> None:
    r = client.get(f"/{name}?lang={lang}")
    assert r.status_code == 200, r.text[:500]
    html = r.text
    assert escape(LABELS[name][lang]) in html  # title and nav in the chosen language
    for key, href in NAV_ITEMS:
        assert f'href="{href}"' in html and escape(LABELS[key][lang]) in html
    assert "data-option=" in html  # at least one chart
    assert f"/export/{name}?" in html and f"/api/{name}" in html
    assert LABELS["definitions"][lang] in html
    if name != "qc":
        anchor = LABELS["anchor_note"][lang].split("{")[0]
        assert anchor in html
    assert r.cookies.get("lang") == lang


def test_overview_shows_targets_status_sparklines_and_diagnostics(client: TestClient) -> None:
    data = client.get("/api/overview?lang=en").json()
    rows = {r["id"]: r for r in data["tables"][0]["rows"]}
    assert rows["service_level"]["indicator"] == "Service level"
    assert rows["offered"]["latest_day"] > 0 and rows["offered"]["previous_day"] > 0
    assert rows["service_level"]["target"] == "≥ 80"
    assert rows["service_level"]["status"] in ("on target", "warning", "off target")
    # every indicator off target on the latest day is listed under the diagnostics (the
    # simulated centre misses some targets: FCR, satisfaction, ...)
    diag = {d["indicator"]: d for d in data["diagnostics"]}
    off = {r["indicator"] for r in rows.values() if r["status"] == "off target"}
    assert off and off <= set(diag)
    assert any(d["checks"] for d in diag.values())  # with the registry's checklist where it has one
    # indicators the data cannot give say why
    assert "needs calls.ring_count" in data["unavailable"]["Average rings to answer"]
    html = client.get("/overview?lang=zh").text
    assert 'class="spark"' in html and "服务水平" in html and "status-off" in html
    assert "平均振铃次数" in html and "not available" in html  # unavailable reasons shown


def test_intervals_page_data(client: TestClient) -> None:
    data = client.get("/api/intervals?lang=en").json()
    assert len(data["tables"][0]["rows"]) == 48  # half-hours of the anchor day
    charts = {c["id"]: c for c in data["charts"]}
    assert set(charts) >= {"volume", "service_level", "asa", "heatmap"}
    assert charts["service_level"]["option"]["series"][0]["markLine"]["data"][0]["yAxis"] == 80
    assert sum(c[2] for c in charts["heatmap"]["option"]["series"][0]["data"]) > 0
    hourly = client.get("/api/intervals?grain=60m&queue=sales").json()
    assert len(hourly["tables"][0]["rows"]) == 24
    total = sum(r["offered"] for r in data["tables"][0]["rows"])
    sales = sum(r["offered"] for r in hourly["tables"][0]["rows"])
    assert 0 < sales < total


def test_queues_and_call_types(client: TestClient) -> None:
    data = client.get("/api/queues?start=2026-09-01&end=2026-09-03").json()
    by_queue = {r["queue"]: r for r in data["tables"][0]["rows"]}
    assert set(by_queue) == {"sales", "support"}
    assert data["tables"][1]["id"] == "by_call_type"
    assert all(0 <= r["service_level"] <= 100 for r in by_queue.values())


def test_agents_scorecards_ranking_and_drilldown(client: TestClient) -> None:
    data = client.get("/api/agents?lang=en&rank=aht").json()
    agents = data["tables"][0]["rows"]
    assert [a["rank"] for a in agents] == list(range(1, len(agents) + 1))
    assert {"calls_per_hour", "aht", "acw_time", "avg_hold_time", "adherence", "occupancy",
            "fcr", "qa_score", "transfer_rate"} <= set(agents[0])
    aht = [a["aht"] for a in agents if a["aht"] is not None]
    assert aht == sorted(aht, reverse=True)
    assert data["tables"][1]["id"] == "by_team"
    agent = agents[0]["agent"]
    html = client.get("/agents?lang=en").text
    assert f'href="/agents/{agent}?lang=en"' in html
    # without a day: the agent's last day worked
    assert client.get(f"/api/agents/{agent}").json()["filters"]["day"] <= "2026-09-03"
    day = client.get("/api/agents/A0005?day=2026-09-02").json()
    states = next(t for t in day["tables"] if t["id"] == "states")
    assert states["rows"] and {"state", "start", "end"} <= set(states["rows"][0])
    assert any(c["id"] == "states" for c in day["charts"])
    assert client.get("/agents/A0005?day=2026-09-02&lang=zh").status_code == 200


def test_workforce_forecast_required_scheduled_roster(client: TestClient) -> None:
    data = client.get("/api/workforce?day=2026-09-03&lang=en").json()
    rows = data["tables"][0]["rows"]
    busy = [r for r in rows if r["actual"]]
    assert busy and all(r["forecast"] is not None for r in busy)
    assert any(r["required"] for r in rows) and any(r["scheduled"] for r in rows)
    assert data["tables"][1]["id"] == "roster" and data["tables"][1]["rows"]
    assert any("Erlang C" in n for n in data["notes"])
    first_day = client.get("/api/workforce?day=2026-09-01&lang=en").json()
    assert any("Not enough history" in n for n in first_day["notes"])


def test_qc_pareto_and_peak_day(client: TestClient) -> None:
    data = client.get("/api/qc?column=queue").json()
    pareto = data["tables"][0]["rows"]
    assert pareto[-1]["cumulative"] == 100.0
    assert sum(r["count"] for r in pareto) > 0
    assert data["tables"][1]["rows"][0]["month"] == "2026-09"
    chart = data["charts"][0]["option"]
    assert chart["series"][0]["type"] == "bar" and chart["series"][1]["type"] == "line"


@pytest.mark.parametrize("name", PAGES)
def test_exports_csv_and_xlsx(client: TestClient, name: str) -> None:
    r = client.get(f"/export/{name}?format=csv&lang=zh")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="{name}.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) >= 2 and len(rows[0]) >= 2
    x = client.get(f"/export/{name}?format=xlsx")
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content))
    first = wb.worksheets[0]
    assert first.max_row >= 2
    assert "notes" in wb.sheetnames


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("/api/intervals?start=2026-13-01", "start"),
        ("/api/queues?start=2026-09-03&end=2026-09-01", "end"),
        ("/api/intervals?grain=fortnight", "grain"),
        ("/api/qc?column=password", "column"),
        ("/api/agents?rank=salary", "rank"),
        ("/export/queues?format=docx", "format"),
    ],
)
def test_bad_filters_answer_400_with_the_error_shape(client: TestClient, url: str, where: str) -> None:
    r = client.get(url)
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"error", "what", "where", "hint"}
    assert body["where"] == where and body["hint"]


def test_bad_filter_on_a_page_is_a_friendly_page(client: TestClient) -> None:
    r = client.get("/intervals?start=yesterday&lang=en")
    assert r.status_code == 400
    assert 'role="alert"' in r.text and "not a date" in r.text


def test_openapi_documents_every_api_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for name in PAGES:
        assert f"/api/{name}" in paths and f"/export/{name}" in paths
        params = {p["name"] for p in paths[f"/api/{name}"]["get"]["parameters"]}
        assert {"start", "end", "queue", "team", "agent"} <= params
    assert "/api/agents/{agent_id}" in paths and "/api/upload" in paths


def test_every_label_has_both_languages() -> None:
    for key, v in LABELS.items():
        assert v.get("zh") and v.get("en"), key


def test_data_page_still_works(client: TestClient) -> None:
    r = client.get("/data?lang=en")
    assert r.status_code == 200 and "calls" in r.text and "Upload an export" in r.text


def test_malformed_upload_shows_row_problems_and_loads_nothing_half_way(tmp_path: Path) -> None:
    db = build_demo_warehouse(tmp_path / "up.duckdb", days=1)
    c = TestClient(create_app(db))
    before = c.get("/api/info").json()["tables"]
    mapping = (ROOT / "examples" / "mappings" / "generic_calls.yaml").read_bytes()
    lines = (ROOT / "examples" / "data" / "generic_calls.csv").read_text().splitlines()
    lines.insert(3, "1099,billing,enquiry,13800000009,not-a-time,,,,,,,,ANSWERED,Y")
    lines.insert(4, "1098,billing,enquiry,13800000008,2024-03-01 08:09:00,,,,,abc,,,ANSWERED,Y")
    r = c.post("/data/upload?lang=en", data={"format": "auto"},
               files={"file": ("bad_calls.csv", ("\n".join(lines) + "\n").encode()),
                      "mapping": ("generic_calls.yaml", mapping)})
    assert r.status_code == 200
    assert 'id="upload-ok"' in r.text
    # the two bad rows are listed with their line, field and reason; the rest is stored
    assert "not-a-time" in r.text and "offered_at" in r.text and "talk_seconds" in r.text
    assert ">4<" in r.text and ">5<" in r.text
    after = c.get("/api/info").json()["tables"]
    good = len(lines) - 1 - 2
    assert after["calls"] == before["calls"] + good
    # a file the reader cannot read at all: an error, and the warehouse is unchanged
    bad_mapping = mapping.replace(b"CallID", b"NoSuchColumn")
    r = c.post("/data/upload?lang=en", data={"format": "auto"},
               files={"file": ("bad2.csv", ("\n".join(lines) + "\n").encode()),
                      "mapping": ("broken.yaml", bad_mapping)})
    assert 'id="upload-error"' in r.text and "the warehouse is unchanged" in r.text
    assert c.get("/api/info").json()["tables"] == after
    # pages recomputed after the load (cache dropped), still answering
    assert c.get("/api/overview").status_code == 200


def test_empty_warehouse_says_what_to_do(tmp_path: Path) -> None:
    c = TestClient(create_app(tmp_path / "empty.duckdb"))
    r = c.get("/overview?lang=en")
    assert r.status_code == 400 and "no calls are loaded" in r.text and "Data page" in r.text
    body = c.get("/api/queues").json()
    assert body["error"] == "DataNotAvailable" and body["hint"]
    assert c.get("/data").status_code == 200


def test_warm_up_caches_every_default_view(client: TestClient) -> None:
    state = client.app.state.web  # type: ignore[attr-defined]
    client.app.state.warm_up()  # type: ignore[attr-defined]
    keys = {(k[1], k[4]) for k in state.views if len(k) == 5}
    assert {(p, lang) for p in PAGES for lang in ("zh", "en")} <= keys


# ---------------------------------------------------------------------------- PDF exports


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def _cells(row: dict[str, object], keys: list[str]) -> str:
    """A row's cells as the PDF prints them (JSON carries timestamps as ISO text)."""
    import re
    from datetime import datetime

    from callcenter.web.pdf import fmt

    def value(v: object) -> object:
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", v):
            return datetime.fromisoformat(v)
        return v

    return "\n".join(fmt(value(row.get(k))) for k in keys)


@pytest.mark.parametrize("name", PAGES)
def test_pdf_export_has_title_tables_numbers_and_definitions(client: TestClient, name: str) -> None:
    data = client.get(f"/api/{name}?lang=en").json()
    r = client.get(f"/export/{name}?format=pdf&lang=en")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert f'filename="{name}.pdf"' in r.headers["content-disposition"]
    assert r.content.startswith(b"%PDF-")
    text = pdf_text(r.content)
    assert data["title"] in text
    assert "Filters: (none, defaults)" in text
    for t in data["tables"]:
        assert t["title"] in text
        keys = [c["key"] for c in t["columns"]]
        # every cell of the first rows, in the page's order and format (one text line per cell)
        for row in t["rows"][:5]:
            assert _cells(row, keys) in text, (t["id"], row)
    assert "Definitions used" in text and "service level: answered within T" in text
    for label in data["unavailable"]:
        assert label in text


def test_pdf_export_follows_the_filters(client: TestClient) -> None:
    q = "start=2026-09-01&end=2026-09-02&queue=sales&lang=en"
    data = client.get(f"/api/queues?{q}").json()
    text = pdf_text(client.get(f"/export/queues?format=pdf&{q}").content)
    assert "From: 2026-09-01; To: 2026-09-02; Queue: sales" in text
    rows = data["tables"][0]["rows"]
    assert [r["queue"] for r in rows] == ["sales"]
    keys = [c["key"] for c in data["tables"][0]["columns"]]
    assert _cells(rows[0], keys) in text
    # the unfiltered page has other numbers, so the PDF is not the default view
    full = client.get("/api/queues?start=2026-09-01&end=2026-09-03&lang=en").json()["tables"][0]["rows"]
    assert {r["queue"]: r["offered"] for r in full}["sales"] != rows[0]["offered"]


def test_pdf_export_in_chinese_and_for_one_agent(client: TestClient) -> None:
    text = pdf_text(client.get("/export/overview?format=pdf&lang=zh").content)
    assert "总览" in text and "口径说明" in text and "服务水平" in text and "诊断建议" in text
    text = pdf_text(client.get("/export/agents/A0005?format=pdf&day=2026-09-02&lang=en").content)
    assert "Agent A0005 | 2026-09-02" in text and "Agent states timeline" in text
    # the timeline (a time axis) is not drawn; the PDF says where its data is
    assert "not drawn in the PDF" in text


def test_pdf_charts_are_drawn_from_the_page_options(client: TestClient) -> None:
    from callcenter.web.pdf import chart_drawing

    for name in PAGES:
        for chart in client.get(f"/api/{name}?lang=en").json()["charts"]:
            d = chart_drawing(chart["option"], 380, 180)
            assert d is not None, (name, chart["id"])
            assert len(d.contents) > 10  # axes, marks, labels


# ---------------------------------------------------------------------------- cache and loads


def test_view_cache_sees_a_load_made_through_another_facade(tmp_path: Path) -> None:
    """`callcenter load` (another facade on the same warehouse) while the app runs."""
    from datetime import date, timedelta

    from callcenter.simulate import load_config, run

    db = build_demo_warehouse(tmp_path / "v.duckdb", days=1)
    app = create_app(db)
    c = TestClient(app)
    before = c.get("/api/queues?lang=en").json()
    assert c.get("/api/queues?lang=en").json() == before  # served from the cache
    assert len(app.state.web.views) == 1
    cfg = load_config(ROOT / "examples" / "simulate" / "small_centre.yaml")
    nxt = cfg.model_copy(update={"start": cfg.start + timedelta(days=1)})
    with CallCenter(db) as other:
        other.store_tables("simulated:small-centre:next-day", run(nxt, 1, 8), "simulation")
    after = c.get("/api/queues?lang=en").json()
    assert after != before
    fresh = TestClient(create_app(db)).get("/api/queues?lang=en").json()
    assert after == fresh
    day2 = (cfg.start + timedelta(days=1)).isoformat() if isinstance(cfg.start, date) else None
    assert day2 is not None and any(day2 in n for n in after["notes"])
    data = c.get("/api/info").json()
    assert len(data["loads"]) == 2


@pytest.mark.parametrize("queue", [None, "sales"])
def test_overview_week_and_month_equal_the_direct_computation(client: TestClient, queue: str | None) -> None:
    """The overview adds day measures up into its week and month: same figures as computing them."""
    from datetime import date, timedelta

    from callcenter.web import views

    state = client.app.state.web  # type: ignore[attr-defined]
    with state.facade() as cc:
        tabs = cc.tables()
        f = views.Filters(queue=queue)
        for store in (None, cc.rollups()):  # summed from the days computed directly, then stored
            v = views.overview(views.FactTables(tabs, {}, store), state.settings, f, "en")
            anchor: date = views.anchor_day(tabs)
            stop = views._dt(anchor + timedelta(days=1))
            week0, month0 = anchor - timedelta(days=anchor.weekday()), anchor.replace(day=1)
            # plain tables: no store, every indicator computed directly
            direct = {"latest_week": views.kpi(tabs, state.settings, f, grain="week", start=views._dt(week0), end=stop),
                      "latest_month": views.kpi(tabs, state.settings, f, grain="month", start=views._dt(month0),
                                                end=stop)}
            _same_as_direct(v, direct)
    assert cc.rollups() is not None


def _same_as_direct(v: object, direct: dict) -> None:
    from callcenter.web import views

    compared = 0
    for row in v.tables[0].rows:  # type: ignore[attr-defined]
        for key, res in direct.items():
            if row["id"] in res.indicators:
                assert row[key] == views._fmt_num(res.rows()[-1][row["id"]], row["unit"]), (row["id"], key)
                compared += 1
    assert compared > 60


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("filters", [{}, {"queue": "sales"}, {"team": "support-team"}])
def test_pages_from_the_stored_rollups_equal_the_direct_computation(
        client: TestClient, name: str, filters: dict[str, str]) -> None:
    """Every page's numbers are the same whether summed from the roll-ups or computed."""
    from callcenter.web import views

    state = client.app.state.web  # type: ignore[attr-defined]
    f = views.Filters(**filters)
    with state.facade() as cc:
        tabs = cc.tables()
        store = cc.rollups()
        assert store is not None
        builder = getattr(views, name)
        stored = builder(views.FactTables(tabs, {}, store), state.settings, f, "en").to_dict()
        direct = builder(views.FactTables(tabs, {}, None), state.settings, f, "en").to_dict()
    _equal(stored, direct)


def _equal(a: object, b: object, where: str = "") -> None:
    """Equal, floats up to the last displayed digit (a sum in another order can round a
    half-cent the other way: 87.275 as 87.27 or 87.28)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _equal(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _equal(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert abs(a - b) <= 0.0101 + 1e-9 * abs(b), (where, a, b)
    else:
        assert a == b, (where, a, b)


def test_openapi_documents_the_pdf_export(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in [f"/export/{name}" for name in PAGES] + ["/export/agents/{agent_id}"]:
        fmt = next(p for p in paths[path]["get"]["parameters"] if p["name"] == "format")
        assert "pdf" in fmt["description"], path


def test_long_tables_page_through_their_rows(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page draws a long table PAGE_ROWS rows at a time; the JSON API keeps every row."""
    import re

    from callcenter.web import app as web_app

    monkeypatch.setattr(web_app, "PAGE_ROWS", 5)
    every = client.get("/api/agents?lang=en").json()["tables"][0]["rows"]
    assert len(every) > 10
    first = client.get("/agents?lang=en").text
    body = first.split('id="table-by_agent"')[1].split("</table>")[0]
    assert body.count("<tr>") == 1 + 5  # header + 5 rows
    assert f"Rows 1–5 of {len(every)}" in first
    nxt = re.search(r'class="next-rows" href="([^"]+)"', first)
    assert nxt is not None and "rows=2" in nxt.group(1)
    second = client.get(nxt.group(1).replace("&amp;", "&")).text
    assert f"Rows 6–10 of {len(every)}" in second
    assert every[5]["agent"] in second.split('id="table-by_agent"')[1].split("</table>")[0]
    assert client.get("/agents?lang=en&rows=0").status_code == 400
