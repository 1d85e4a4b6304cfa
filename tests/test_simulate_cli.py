"""``callcenter simulate`` writes canonical Parquet tables and fails clearly on bad input."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from callcenter import schema
from callcenter.cli import simulate as cli_simulate
from callcenter.errors import ConfigError
from callcenter.simulate import load_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "simulate"


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    cli_simulate.register(app)
    return app


def test_simulate_writes_parquet(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(
        make_app(),
        ["simulate", str(EXAMPLES / "small_centre.yaml"), "--days", "2", "--seed", "4", "--output", str(out),
         "--db", str(tmp_path / "w.duckdb")],
    )
    assert res.exit_code == 0, res.output
    # the result is loaded into the warehouse, every row accounted for
    from callcenter.warehouse import Warehouse

    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        assert wh.count("calls") == pq.read_table(out / "calls.parquet").num_rows
    assert "0 quarantined" in res.output
    assert "service_level" in res.output
    for name in ("calls", "agent_states", "surveys", "qa_scores", "agents", "schedule", "timeclock"):
        t = pq.read_table(out / f"{name}.parquet")
        assert t.schema.equals(schema.TABLES[name].schema), name
    calls = pq.read_table(out / "calls.parquet")
    assert calls.num_rows > 3000
    assert set(calls["source_file"].to_pylist()) == {"simulated:small-centre:seed=4"}


def test_bad_config_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("ivr: {self_service_prob: 0.9, abandon_prob: 0.5}\n")
    res = CliRunner().invoke(make_app(), ["simulate", str(bad)])
    assert res.exit_code != 0
    assert isinstance(res.exception, ConfigError)
    assert "ivr" in str(res.exception)


@pytest.mark.parametrize("name", ["mmn_m.yaml", "small_centre.yaml"])
def test_examples_validate(name: str) -> None:
    assert load_config(EXAMPLES / name).name


def test_demo_yaml_is_the_demo_config() -> None:
    from callcenter.simulate import demo_config

    assert load_config(EXAMPLES / "demo_10086.yaml") == demo_config()


def test_streamed_load_equals_the_one_shot_run(tmp_path: Path) -> None:
    """`callcenter simulate` generates, writes and loads a day at a time; what lands in the
    warehouse and in the Parquet files is exactly the one-shot run(config, days, seed)."""
    import pyarrow as pa

    from callcenter.simulate import run
    from callcenter.warehouse import Warehouse

    cfg_path = EXAMPLES / "small_centre.yaml"
    out = tmp_path / "out"
    res = CliRunner().invoke(
        make_app(),
        ["simulate", str(cfg_path), "--days", "3", "--seed", "9", "--output", str(out),
         "--db", str(tmp_path / "w.duckdb")],
    )
    assert res.exit_code == 0, res.output
    assert "in 4 parts" in res.output  # three days, then the roster tables
    whole = run(load_config(cfg_path), days=3, seed=9)
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        for name in ("calls", "agent_states", "surveys", "qa_scores", "agents", "schedule", "timeclock"):
            spec = schema.TABLES[name]
            key = [(k, "ascending") for k in spec.key]
            assert pq.read_table(out / f"{name}.parquet").combine_chunks().equals(whole[name]), name
            stored = wh.arrow(name).select(spec.names).cast(spec.schema).sort_by(key)
            assert stored.equals(whole[name].sort_by(key)), name
            assert isinstance(stored, pa.Table)
    # the stored roll-ups were refreshed once, after the last load: fresh for the final data
    from callcenter.app import CallCenter
    from callcenter.settings import Settings

    with CallCenter(tmp_path / "w.duckdb", settings=Settings(timezone=load_config(cfg_path).timezone),
                    read_only=True) as cc:
        assert cc.rollups() is not None
