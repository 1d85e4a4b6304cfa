"""The indicator commands on a DuckDB file filled by the test (the warehouse's layout)."""

from __future__ import annotations

import json
from pathlib import Path

import ibis
import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from callcenter.cli import metrics as cli_metrics
from callcenter.metrics import sample


@pytest.fixture()
def app() -> typer.Typer:
    a = typer.Typer()

    @a.callback()
    def _root() -> None:
        """test root"""

    cli_metrics.register(a)
    return a


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    from callcenter.warehouse import Warehouse

    path = tmp_path / "cc.duckdb"
    w = Warehouse(path)
    assert w.con is not None  # creates the warehouse's (empty) canonical tables
    w.close()
    con = ibis.duckdb.connect(str(path))
    for name, table in sample.tables().items():
        con.insert(name, table)
    con.disconnect()
    return path


def test_kpi_json_by_queue(app, db: Path) -> None:
    r = CliRunner().invoke(app, ["kpi", "--grain", "day", "--by", "queue", "--from", "2024-03-04", "--to",
                                 "2024-03-05", "--indicators", "offered,service_level,adherence",
                                 "--format", "json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    rows = {x["queue"]: x for x in out["rows"]}
    assert rows["A"]["offered"] == 6 and rows["A"]["service_level"] == pytest.approx(100 / 3)
    assert rows["B"]["offered"] == 3
    assert out["definitions"]["service level"] == "answered within T ÷ offered, T = 20 s"
    assert out["definitions"]["adherence (unavailable)"] == "not available by queue (dimensions: agent, team)"
    assert "adherence" not in out["rows"][0]


def test_kpi_csv_half_hours_show_quiet_intervals(app, db: Path) -> None:
    r = CliRunner().invoke(app, ["kpi", "--grain", "30m", "--from", "2024-03-04T08:00", "--to",
                                 "2024-03-04T11:00", "--indicators", "offered", "--format", "csv", "--db", str(db)])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert lines[0] == "period,offered"
    assert [ln.split(",")[1] for ln in lines[1:]] == ["3", "1", "2", "2", "1", "0"]


def test_kpi_xlsx_and_bad_input(app, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "k.xlsx"
    r = CliRunner().invoke(app, ["kpi", "--grain", "month", "--from", "2024-03-01", "--to", "2024-04-01",
                                 "--format", "xlsx", "--output", str(out), "--db", str(db)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    assert "definitions" in wb.sheetnames
    bad = CliRunner().invoke(app, ["kpi", "--indicators", "nope", "--db", str(db)])
    assert bad.exit_code != 0 and "unknown indicator" in str(bad.exception)


def test_pareto_and_report(app, db: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["pareto", "outcome", "--format", "json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["rows"]
    assert rows[0] == {"outcome": "answered", "count": 6, "share_%": 46.2, "cumulative_%": 46.2, "vital_few": True}
    r = CliRunner().invoke(app, ["report", "--month", "2024-03", "--output", str(tmp_path), "--db", str(db)])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "report-2024-03.html").read_text(encoding="utf-8")
    assert "服务水平" in html and "off-target" in html and "事后处理时间超标" in html
    wb = load_workbook(tmp_path / "report-2024-03.xlsx")
    ws = wb["2024-03"]
    ids = [c.value for c in ws["A"]][1:]
    assert "service_level" in ids and "turnover" in ids
    sl_row = ids.index("service_level") + 2
    assert ws.cell(sl_row, 8).value == pytest.approx(50.0)  # March: 5 of 10 offered within 20 s
    assert "off-target" in ws.cell(sl_row, 11).value


def test_kpi_summary_and_indicators(app, db: Path) -> None:
    r = CliRunner().invoke(app, ["kpi-summary", "--grain", "month", "--by", "queue", "--thresholds", "20,30",
                                 "--format", "json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    a = next(x for x in out["rows"] if x["queue"] == "A")
    # March, queue A: c1 c2 c3 c4 c5 k11a + c12 offered; within 20 s c1 c5 c12, within 30 s also c2
    assert (a["offered"], a["service_level_20s"], a["service_level_30s"]) == (7, pytest.approx(300 / 7),
                                                                                pytest.approx(400 / 7))
    assert out["definitions"]["service level"] == "answered within T ÷ offered, T = 20, 30 s"
    r = CliRunner().invoke(app, ["indicators", "--format", "csv"])
    assert r.exit_code == 0 and "service_level,服务水平" in r.output


def test_kpi_uses_fresh_rollups_and_gives_the_same_figures(app, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`callcenter kpi` answers from the stored roll-ups when they are fresh for the data and
    the settings, with the same figures as computing directly (store stale)."""
    from callcenter.app import CallCenter
    from callcenter.metrics import rollup_store

    args = ["kpi", "--grain", "day", "--by", "queue", "--from", "2024-03-04", "--to", "2024-03-06",
            "--format", "json", "--db", str(db)]
    direct = CliRunner().invoke(app, args)  # loaded behind the facade's back: stale, not used
    assert direct.exit_code == 0, direct.output
    with CallCenter(db) as cc:
        cc.refresh_rollups()
    served: list[str] = []
    real = rollup_store.RollupStore._serve

    def spy(self, src, names, q, filters, stored):  # type: ignore[no-untyped-def]
        out = real(self, src, names, q, filters, stored)
        served.append(src)
        return out

    monkeypatch.setattr(rollup_store.RollupStore, "_serve", spy)
    stored = CliRunner().invoke(app, args)
    assert stored.exit_code == 0, stored.output
    assert "calls" in served  # the cubes answered
    assert json.loads(stored.output) == json.loads(direct.output)
