"""`callcenter staff --from-warehouse`: a staffing plan from the calls actually loaded."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from typer.testing import CliRunner

from callcenter.app import CallCenter
from callcenter.cli import queueing as queueing_cli
from callcenter.settings import Settings
from callcenter.warehouse import Warehouse
from tests.factories import calls_table, result


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    queueing_cli.register(app)
    return app


def _load(db: Path) -> None:
    # 50 answered calls, one a minute from 08:30 local, talk 100 s each
    with Warehouse(db) as wh:
        wh.load(result(calls_table(50)))


def test_interval_history_counts_legs_and_aht(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _load(db)
    with CallCenter(db, settings=Settings()) as cc:
        h = cc.interval_history(datetime(2026, 3, 2), datetime(2026, 3, 3), minutes=30)
    rows = {r["interval_start"]: r for r in h.to_pylist()}
    assert len(rows) == 48  # every half-hour of the day, quiet ones as 0
    assert rows[datetime(2026, 3, 2, 8, 30)]["calls"] == 30
    assert rows[datetime(2026, 3, 2, 9, 0)]["calls"] == 20
    assert rows[datetime(2026, 3, 2, 3, 0)]["calls"] == 0
    assert rows[datetime(2026, 3, 2, 8, 30)]["aht_s"] == 100.0


def test_staff_from_warehouse_cli(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _load(db)
    res = CliRunner().invoke(
        _app(),
        ["staff", "--from-warehouse", "--from", "2026-03-02", "--to", "2026-03-03",
         "--db", str(db), "--format", "json"],
    )
    assert res.exit_code == 0, res.output + repr(res.exception)
    plan = json.loads(res.output)
    assert plan["summary"]["calls_total"] == 50.0
    assert plan["summary"]["aht_mean_s"] == 100.0
    assert plan["summary"]["intervals"] == 48
    # neither or both sources is a usage error
    bad = CliRunner().invoke(_app(), ["staff", "--db", str(db)])
    assert bad.exit_code != 0
