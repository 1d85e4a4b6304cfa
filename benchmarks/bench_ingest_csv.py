"""Benchmark: the generic tabular reader on a generated 13-column calls CSV.

    python -m benchmarks.bench_ingest_csv [--rows 10000000] [--peer-rows 1000000] [--repeat 3]

Generates (once) a calls CSV under /tmp (never in the repository), then measures, each run
in its own subprocess (wall time of the work only, interpreter start and imports excluded;
peak memory = the child's ``ru_maxrss``):

* ``read_tabular``            the reader alone: parse + map + derive + validate + conform;
* ``read_tabular + DuckDB``   the same, then ``CREATE TABLE calls AS SELECT * FROM arrow_tbl``
                              into a fresh DuckDB file (what the warehouse does, minus upsert);
* ``DuckDB read_csv``         DuckDB's own typed ``read_csv`` into a table in a fresh file:
                              the ceiling (no mapping, no validation, no canonical schema);
* ``pandas + DuckDB``         ``pandas.read_csv`` (dates parsed) then the DataFrame registered
                              in DuckDB and copied into a table;
* ``pandas + to_sql``         ``pandas.read_csv`` + ``DataFrame.to_sql`` into SQLite
                              (``sqlite3``; duckdb_engine is not installed): the naive peer,
                              on ``--peer-rows`` rows because it is slow.

Results (medians) are written to ``docs/benchmarks/ingest_csv.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks" / "ingest_csv.md"
WORK = Path(tempfile.gettempdir()) / "callcenter-bench"
COLUMNS = [
    "call_id", "queue", "call_type", "caller_number", "offered_at", "queue_entry_at",
    "answered_at", "ended_at", "agent", "talk_seconds", "hold_seconds", "acw_seconds", "outcome",
]
MAPPING = """\
table: calls
file: {format: csv, encoding: utf-8}
columns:
  call_id: call_id
  queue: queue
  call_type: call_type
  caller_number: caller_number
  offered_at: offered_at
  queue_entry_at: queue_entry_at
  answered_at: answered_at
  ended_at: ended_at
  agent: agent
  talk_seconds: talk_seconds
  hold_seconds: hold_seconds
  acw_seconds: acw_seconds
  outcome: {source: outcome, map: {ANSWERED: answered, ABANDONED: abandoned, BUSY: blocked}}
"""


def generate(path: Path, n: int, seed: int = 20241123, chunk: int = 1_000_000) -> None:
    """Write ``n`` made-up call legs (13 columns, ISO local times, ~130 bytes a row)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    def ts(a: np.ndarray) -> pa.Array:
        return pc.replace_substring(pa.array(np.datetime_as_string(a, unit="s")), "T", " ")

    rng = np.random.default_rng(seed)
    base = np.datetime64("2024-01-01T00:00:00", "s")
    codes = np.array(["ANSWERED", "ABANDONED", "BUSY"])
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as f:
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            idx = np.arange(start, start + m)
            offered = base + (idx * 3).astype("timedelta64[s]")
            qentry = offered + rng.integers(5, 60, m).astype("timedelta64[s]")
            o = rng.choice(3, m, p=[0.85, 0.12, 0.03])
            answered = qentry + rng.integers(0, 120, m).astype("timedelta64[s]")
            talk = rng.integers(30, 600, m).astype(float)
            ok = pa.array(o == 0)
            t = pa.table({
                "call_id": pa.array(np.char.add("C", idx.astype(str))),
                "queue": pa.array(np.array(["billing", "sales", "tech", "vip"])[rng.integers(0, 4, m)]),
                "call_type": pa.array(np.array(["enquiry", "complaint", "order"])[rng.integers(0, 3, m)]),
                "caller_number": pa.array(np.char.add("138", rng.integers(10_000_000, 99_999_999, m).astype(str))),
                "offered_at": ts(offered),
                "queue_entry_at": ts(qentry),
                "answered_at": pc.if_else(ok, ts(answered), pa.scalar(None, pa.string())),
                "ended_at": ts(np.where(o == 0, answered + talk.astype("timedelta64[s]"), answered)),
                "agent": pc.if_else(ok, pa.array(np.char.add("A", rng.integers(100, 400, m).astype(str))),
                                    pa.scalar(None, pa.string())),
                "talk_seconds": pc.if_else(ok, pa.array(talk), pa.scalar(None, pa.float64())),
                "hold_seconds": pc.if_else(ok, pa.array(rng.integers(0, 60, m).astype(float)),
                                           pa.scalar(None, pa.float64())),
                "acw_seconds": pc.if_else(ok, pa.array(rng.integers(5, 90, m).astype(float)),
                                          pa.scalar(None, pa.float64())),
                "outcome": pa.array(codes[o]),
            })
            buf = pa.BufferOutputStream()
            pcsv.write_csv(t, buf, pcsv.WriteOptions(include_header=start == 0, quoting_style="none"))
            f.write(buf.getvalue().to_pybytes())
    tmp.replace(path)


# --------------------------------------------------------------------------- children


def _child(kind: str, csv_path: str, n_rows: int) -> dict[str, float]:
    """Run one measurement in this (child) process; returns seconds, rows, peak RSS."""
    work = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    db = work / "bench.duckdb"
    cpu0 = 0.0
    if kind.startswith("read_tabular"):
        import duckdb

        from callcenter.ingest.tabular import read_tabular
        from callcenter.settings import Settings

        mapping = work / "mapping.yaml"
        mapping.write_text(MAPPING, encoding="utf-8")
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        res = read_tabular(Path(csv_path), Settings(), mapping)
        arrow_tbl = res.tables["calls"]
        if kind.startswith("read_tabular+duckdb"):
            con = duckdb.connect(str(db))
            if kind == "read_tabular+duckdb_1thread":
                con.execute("SET threads = 1")
            con.register("arrow_tbl", arrow_tbl)
            con.execute("CREATE TABLE calls AS SELECT * FROM arrow_tbl")
            con.close()
        secs = time.perf_counter() - t0
        rows = res.rows_read
        assert res.rows_accepted == rows, res.rejects[:3]
    elif kind == "duckdb_read_csv":
        import duckdb

        cpu0 = time.process_time()
        t0 = time.perf_counter()
        con = duckdb.connect(str(db))
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE TABLE calls AS SELECT * FROM read_csv('{csv_path}')")
        rows = con.execute("SELECT count(*) FROM calls").fetchall()[0][0]
        con.close()
        secs = time.perf_counter() - t0
    elif kind == "pandas+duckdb":
        import duckdb
        import pandas as pd

        cpu0 = time.process_time()
        t0 = time.perf_counter()
        df = pd.read_csv(csv_path, nrows=n_rows,
                         parse_dates=["offered_at", "queue_entry_at", "answered_at", "ended_at"],
                         dtype={"caller_number": str})
        con = duckdb.connect(str(db))
        con.register("df", df)
        con.execute("CREATE TABLE calls AS SELECT * FROM df")
        con.close()
        secs = time.perf_counter() - t0
        rows = len(df)
    elif kind == "pandas+to_sql":
        import sqlite3

        import pandas as pd

        cpu0 = time.process_time()
        t0 = time.perf_counter()
        df = pd.read_csv(csv_path, nrows=n_rows,
                         parse_dates=["offered_at", "queue_entry_at", "answered_at", "ended_at"],
                         dtype={"caller_number": str})
        con = sqlite3.connect(work / "bench.sqlite")
        df.to_sql("calls", con, index=False, chunksize=50_000)
        con.commit()
        con.close()
        secs = time.perf_counter() - t0
        rows = len(df)
    else:
        raise SystemExit(f"unknown measurement {kind}")
    for p in sorted(work.iterdir()):
        p.unlink()
    work.rmdir()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"seconds": secs, "rows": rows, "peak_mb": ru.ru_maxrss / 1024,
            "cpu_seconds": time.process_time() - cpu0}


def _measure(kind: str, csv_path: Path, n_rows: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_ingest_csv", "--child", kind, str(csv_path), str(n_rows)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--peer-rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "ROWS"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child[0], a.child[1], int(a.child[2]))))
        return

    WORK.mkdir(parents=True, exist_ok=True)
    big = WORK / f"calls_{a.rows}.csv"
    if not big.exists():
        print(f"generating {a.rows:,} rows -> {big}", flush=True)
        generate(big, a.rows)
    plan = [
        ("read_tabular", "read_tabular (reader alone)", big, a.rows),
        ("read_tabular+duckdb", "read_tabular + CREATE TABLE in DuckDB", big, a.rows),
        ("read_tabular+duckdb_1thread", "read_tabular + CREATE TABLE in DuckDB, `SET threads = 1`",
         big, a.rows),
        ("duckdb_read_csv", "DuckDB read_csv -> table (ceiling, no validation)", big, a.rows),
        ("pandas+duckdb", f"pandas.read_csv + DuckDB register/CREATE TABLE, first {a.peer_rows:,} rows",
         big, a.peer_rows),
        ("pandas+to_sql", f"pandas.read_csv + to_sql (sqlite3), first {a.peer_rows:,} rows",
         big, a.peer_rows),
    ]
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind, *_ in plan}
    for round_no in range(a.repeat):  # interleaved rounds: load changes hit every method alike
        for kind, label, path, n in plan:
            runs[kind].append(_measure(kind, path, n))
            r = runs[kind][-1]
            print(f"round {round_no + 1}: {label}: {r['seconds']:.2f} s wall, {r['cpu_seconds']:.2f} s CPU",
                  flush=True)
    results: dict[str, dict[str, float]] = {}
    for kind, label, _, _ in plan:
        rs = runs[kind]
        secs = statistics.median(r["seconds"] for r in rs)
        cpu = statistics.median(r["cpu_seconds"] for r in rs)
        results[kind] = {
            "label": label,  # type: ignore[dict-item]
            "rows": rs[0]["rows"],
            "seconds": secs,
            "rows_per_s": rs[0]["rows"] / secs,
            "cpu_seconds": cpu,
            "rows_per_cpu_s": rs[0]["rows"] / cpu,
            "peak_mb": max(r["peak_mb"] for r in rs),
            "all": [round(r["seconds"], 2) for r in rs],  # type: ignore[dict-item]
        }
    write_report(a.out, results, big, a.repeat)
    print(a.out.read_text(encoding="utf-8"))


def write_report(out: Path, results: dict[str, dict[str, float]], csv_path: Path, repeat: int) -> None:
    ref = results["read_tabular+duckdb"]["rows_per_s"]
    size_mb = csv_path.stat().st_size / 1e6
    load = os.getloadavg()
    lines = [
        "## Generic tabular reader: CSV -> canonical `calls` -> DuckDB",
        "",
        f"Generated by `python -m benchmarks.bench_ingest_csv` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"do not edit by hand. File: {results['read_tabular']['rows']:,.0f} made-up call legs, 13 columns, "
        f"{size_mb:,.0f} MB, generated under {csv_path.parent} (not in the repository). "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s), {platform.machine()}; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.",
        "",
        f"Each figure is the median of {repeat} interleaved rounds (every method once per round), each "
        "run in a fresh subprocess: wall time of the work (imports excluded), CPU time (user + system, "
        "all threads) and the child's peak RSS (`ru_maxrss`). **The machine has 2 cores shared with "
        "other jobs while this ran, so absolute wall times are noisy and far below what an idle "
        "machine gives**; the ratios, measured in the same run, are the meaningful part, and CPU "
        "seconds are less sensitive to the sharing than wall seconds (rows per CPU-second ÷ 2 "
        "cores is a rough bound on rows/s for an idle 2-core machine, if the work parallelised "
        "perfectly, which Python-side steps do not).",
        "",
        "| method | rows | median wall s | rows/s (wall) | × read_tabular+DuckDB | median CPU s | "
        "rows per CPU-s | × (CPU) | peak RSS MB | wall s of each run |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    ref_cpu = results["read_tabular+duckdb"]["rows_per_cpu_s"]
    for r in results.values():
        lines.append(
            f"| {r['label']} | {r['rows']:,.0f} | {r['seconds']:.2f} | {r['rows_per_s']:,.0f} | "
            f"{r['rows_per_s'] / ref:.2f} | {r['cpu_seconds']:.2f} | {r['rows_per_cpu_s']:,.0f} | "
            f"{r['rows_per_cpu_s'] / ref_cpu:.2f} | {r['peak_mb']:,.0f} | "
            f"{', '.join(map(str, r['all']))} |"  # type: ignore[call-overload]
        )
    lines += [
        "",
        "What each row does:",
        "",
        "- *read_tabular*: DuckDB `read_csv` with every cell as text (explicit names, no sniffing), "
        "then in Arrow: ISO-8601 casts (strptime only for chunks that need it), centre-local -> UTC, "
        "value map of the outcome codes, derived columns (contact_id, leg, channel, direction, centre, "
        "offered_local, source_outcome, wait_seconds), every validation (unparseable values, required "
        "nulls, outcome vocabulary, negative durations, time order, plausible dates, duplicate keys), "
        "line numbers, and the canonical schema.",
        "- *+ DuckDB*: `CREATE TABLE calls AS SELECT * FROM arrow_tbl` into a fresh DuckDB file "
        "(default threads, and with `SET threads = 1` first: DuckDB's parallel insert of a "
        "many-batch Arrow table costs about twice the CPU of a single-threaded one here).",
        "- *DuckDB read_csv*: DuckDB's own typed CSV load into a table: the ceiling on this machine; it "
        "does no mapping, no validation and produces no canonical table.",
        "- *pandas + ...*: the naive peers, on the first rows only (they are slow; rows/s is per row, "
        "so the ratios compare): `pandas.read_csv` with the four time columns parsed, then either "
        "`DataFrame.to_sql` into SQLite through `sqlite3` (`duckdb_engine` is not installed) or the "
        "DataFrame registered in DuckDB and copied into a table. They do no mapping and no validation.",
        "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
