"""Warehouse load speed: Warehouse.load (validation, duplicate check, upsert, quarantine,
load log, one transaction) vs a plain DuckDB ``INSERT ... SELECT`` of the same Arrow table.

    python -m benchmarks.bench_warehouse [ROWS ...]      # default 1,000,000 and 10,000,000

Each measurement runs in a fresh process (peak memory = that process's ru_maxrss).
Writes docs/benchmarks/warehouse.md.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]


def generate_calls(n: int, seed: int = 1) -> pa.Table:
    """``n`` canonical call rows (13 populated columns), generated, not real."""
    from callcenter import schema

    rng = np.random.default_rng(seed)
    ids = pa.array(np.char.add("c", np.arange(n).astype(str)))
    t0 = np.datetime64("2026-01-01T00:00:00", "us")
    off = t0 + (np.sort(rng.integers(0, 86400 * 30, n)) * 1_000_000).astype("timedelta64[us]")

    def const(v: str) -> pa.Array:
        return pa.array([v]).take(pa.array(np.zeros(n, np.int32)))

    return schema.conform(
        "calls",
        pa.table(
            {
                "call_id": ids,
                "contact_id": ids,
                "leg": pa.array(np.ones(n, np.int16)),
                "channel": const("voice"),
                "direction": const("inbound"),
                "queue": pa.array(["q1", "q2", "q3"]).take(pa.array(rng.integers(0, 3, n))),
                "offered_at": pa.array(off).cast(pa.timestamp("us", tz="UTC")),
                "offered_local": pa.array(off + np.timedelta64(8, "h")),
                "wait_seconds": rng.exponential(20, n),
                "talk_seconds": rng.exponential(200, n),
                "outcome": pa.array(["answered", "abandoned"]).take(
                    pa.array((rng.random(n) < 0.1).astype(np.int32))
                ),
                "source_file": const("generated.csv"),
                "source_line": pa.array(np.arange(2, n + 2)),
            }
        ),
    )


def _child(kind: str, n: int) -> dict[str, float]:
    import duckdb

    from callcenter.ingest.base import ReadResult
    from callcenter.warehouse import Warehouse
    from callcenter.warehouse.store import _ddl

    tbl = generate_calls(n)
    d = Path(tempfile.mkdtemp())
    out: dict[str, float] = {}
    if kind == "plain":
        from callcenter import schema

        con = duckdb.connect(str(d / "plain.duckdb"))
        con.execute(_ddl(schema.CALLS))
        con.register("s", tbl)
        t = time.perf_counter()
        con.execute("INSERT INTO calls SELECT * FROM s")
        out["first"] = time.perf_counter() - t
    else:
        r = ReadResult("generated.csv", "generated", rows_read=n)
        r.tables["calls"] = tbl
        with Warehouse(d / "w.duckdb") as wh:
            t = time.perf_counter()
            wh.load(r)
            out["first"] = time.perf_counter() - t
            t = time.perf_counter()
            rep = wh.load(r)
            out["reload"] = time.perf_counter() - t
            assert rep.unchanged == n
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        print(json.dumps(_child(argv[1], int(argv[2]))))
        return
    sizes = [int(a) for a in argv] or [1_000_000, 10_000_000]
    rows = []
    for n in sizes:
        res = {}
        for kind in ("plain", "warehouse"):
            p = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_warehouse", "--child", kind, str(n)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            res[kind] = json.loads(p.stdout.strip().splitlines()[-1])
            print(n, kind, res[kind], flush=True)
        rows.append((n, res))
    lines = [
        "## Warehouse load (DuckDB upsert)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Generated canonical call rows (13 populated "
        "columns) already in Arrow, loaded into a fresh DuckDB file; 'reload' loads the same rows "
        "again (all unchanged: the idempotency check compares every content column). "
        "The plain insert is the ceiling: no validation, no duplicate check, no upsert.",
        "",
        "| rows | plain INSERT (s) | Warehouse.load first (s) | rows/s | reload (s) | ratio first/plain | peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, res in rows:
        p, w = res["plain"], res["warehouse"]
        lines.append(
            f"| {n:,} | {p['first']:.2f} | {w['first']:.2f} | {n / w['first']:,.0f} | "
            f"{w['reload']:.2f} | {w['first'] / p['first']:.2f} | {w['maxrss_mb']:,.0f} |"
        )
    out = ROOT / "docs" / "benchmarks" / "warehouse.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out)


if __name__ == "__main__":
    main(sys.argv[1:])
