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


def test_demo_without_the_shared_data_runs_the_simulated_hotline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clone without ../shared/data beside it: the bank months are skipped with a notice
    (never a crash), the bundled simulated hotline still runs; asked for nothing else, the
    command fails with the reason."""
    monkeypatch.setattr(demo, "shared_data_dir", lambda: None)
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "demo"
    res = CliRunner().invoke(_app(), ["demo", "--out", str(out), "--hotline-days", "1"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    text = " ".join(res.output.split())  # rich wraps at the console's width
    assert "months are skipped" in text and "SIMULATED" in text
    assert not (out / "bank.duckdb").exists()
    res = CliRunner().invoke(_app(), ["demo", "--out", str(out), "--hotline-days", "0"])
    assert res.exit_code != 0 and "shared real data" in str(res.exception)  # main() prints it
