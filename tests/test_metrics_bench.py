"""The benchmark compares like with like: its hand-written SQL gives the
engine's figures on the benchmark's generated data (small here)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import ibis
from benchmarks import bench_metrics as bench

from callcenter.metrics.engine import compute


def test_bench_sql_equals_engine(tmp_path: Path) -> None:
    path = tmp_path / "calls.parquet"
    bench.generate(path, 20_000, seed=3)
    sql = duckdb.sql(bench.SQL.format(path=path)).to_arrow_table().to_pylist()
    con = ibis.duckdb.connect()
    res = compute({"calls": con.read_parquet(str(path), table_name="calls")}, grain="30m",
                  by=["queue", "agent"], indicators=bench.INDICATORS, fill=False)
    assert res.indicators == bench.INDICATORS and not res.unavailable
    got = {(r["period"], r["queue"], r["agent"]): r for r in res.rows()}
    assert len(got) == len(sql)
    for r in sql:
        g = got[(datetime(1970, 1, 1) + timedelta(seconds=r["period"]), r["queue"], r["agent"])]
        for i in bench.INDICATORS:
            assert (g[i] is None and r[i] is None) or math.isclose(g[i], r[i], rel_tol=1e-9, abs_tol=1e-9), i
