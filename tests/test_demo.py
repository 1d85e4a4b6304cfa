"""The README's main job (`make demo` -> `callcenter demo`) end to end, on a small scale."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from callcenter.cli import demo
from callcenter.warehouse import Warehouse


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    demo.register(app)
    return app


@pytest.mark.slow
def test_demo_loads_real_and_simulated_data_and_shows_kpis(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLCENTER_SHARED_DATA", str(shared_data))
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--months", "1", "--hotline-days", "1"]
    res = CliRunner().invoke(_app(), args)
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert "january.txt" in res.output and "Service level" in res.output
    assert "SIMULATED" in res.output
    with Warehouse(out / "bank.duckdb", read_only=True) as wh:
        assert wh.count("calls") == 31_359  # January minus its 240 PHANTOM records
        assert wh.count("quarantine") == 240
    with Warehouse(out / "hotline.duckdb", read_only=True) as wh:
        sources = wh.sql("SELECT DISTINCT source_file FROM calls").column(0).to_pylist()
        assert sources and all(s.startswith("simulated:") for s in sources)
    # a second run is idempotent: nothing new is inserted
    res2 = CliRunner().invoke(_app(), args)
    assert res2.exit_code == 0, res2.output
    with Warehouse(out / "bank.duckdb", read_only=True) as wh:
        assert wh.count("calls") == 31_359
