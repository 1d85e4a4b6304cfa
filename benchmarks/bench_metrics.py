"""Benchmark: the call indicators by 30-min interval × queue × agent over generated calls.

    python -m benchmarks.bench_metrics [--rows 10000000] [--peer-rows 10000000] [--repeat 3]

Generates (once per row count) a Parquet file of canonical ``calls`` columns under /tmp
(never in the repository), then measures, each run in its own subprocess (wall time of
the work only, interpreter start and imports excluded; peak memory = the child's
``ru_maxrss``):

* ``callcenter (Ibis→DuckDB)`` ``metrics.engine.compute`` on ``read_parquet``: every
  indicator computed from the calls table alone (the 21 call indicators available at a
  30-min grain except the three contact-level ones that need a window over callers),
  ``fill=False`` (the SQL peer does not add zero rows either); includes the engine's
  availability check (one extra scan counting non-null values of the needed columns);
* ``hand-written DuckDB SQL`` one query over the Parquet file computing the same
  aggregates and ratios (the ceiling);
* ``pandas`` ``read_parquet`` + boolean columns + ``groupby().sum()`` + ratios: the naive
  peer, on ``--peer-rows`` rows.

All three return the result as an Arrow table / DataFrame. Results (medians) are written
to ``docs/benchmarks/metrics.md``.
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
OUT = ROOT / "docs" / "benchmarks" / "metrics.md"
WORK = Path(tempfile.gettempdir()) / "callcenter-bench"
DAYS = 90
QUEUES = 10
AGENTS_PER_QUEUE = 20

INDICATORS = [
    "total_calls", "offered", "answered", "abandoned", "abandoned_short", "service_level", "answered_rate",
    "abandon_rate", "abandon_rate_all", "asa", "avg_queue_time", "queued_rate", "avg_abandon_time",
    "avg_talk_time", "aht", "acw_time", "avg_hold_time", "avg_rings", "fcr", "transfer_rate",
    "blind_transfer_rate", "announced_transfer_rate", "blocked_rate", "ivr_containment",
]

SQL = """
WITH c AS (
  SELECT *, coalesce(queue, '(none)') AS q, coalesce(agent, '(none)') AS a,
         epoch(offered_local)::BIGINT // 1800 * 1800 AS period,
         outcome IN ('answered', 'transferred') AS ans,
         outcome IN ('abandoned','answered','callback','exit_empty','exit_key','overflowed','timeout','transferred') AS off,
         outcome = 'abandoned' AS ab,
         coalesce(ring_count::DOUBLE, ceil(ring_seconds / 3.0)) AS rings
  FROM read_parquet('{path}') WHERE direction = 'inbound'
), g AS (
  SELECT period, q, a,
    count(*) AS legs, count(DISTINCT contact_id) AS contacts,
    count(*) FILTER (off) AS offered, count(*) FILTER (ans) AS answered, count(*) FILTER (ab) AS abandoned,
    count(*) FILTER (ab AND wait_seconds <= 20) AS ab_short,
    count(*) FILTER (ans AND coalesce(wait_seconds, 0) <= 20) AS in_t,
    count(*) FILTER (outcome = 'blocked') AS blocked,
    count(*) FILTER (off AND wait_seconds > 0) AS queued,
    sum(wait_seconds) FILTER (off AND wait_seconds > 0) AS queued_wait,
    sum(coalesce(wait_seconds, 0)) FILTER (ans) AS ans_wait,
    sum(wait_seconds) FILTER (ab) AS ab_wait, count(*) FILTER (ab AND wait_seconds IS NOT NULL) AS ab_wait_n,
    sum(talk_seconds) FILTER (ans) AS talk, count(*) FILTER (ans AND talk_seconds IS NOT NULL) AS talk_n,
    sum(talk_seconds + coalesce(acw_seconds, 0)) FILTER (ans AND talk_seconds IS NOT NULL) AS handle,
    sum(acw_seconds) FILTER (ans) AS acw, count(*) FILTER (ans AND acw_seconds IS NOT NULL) AS acw_n,
    sum(hold_seconds) FILTER (ans) AS hold, count(*) FILTER (ans AND hold_seconds IS NOT NULL) AS hold_n,
    sum(rings) FILTER (ans) AS rings, count(*) FILTER (ans AND rings IS NOT NULL) AS rings_n,
    count(*) FILTER (ans AND resolved) AS res_yes, count(*) FILTER (ans AND resolved IS NOT NULL) AS res_n,
    count(*) FILTER (ans AND (outcome = 'transferred' OR transfer_kind IS NOT NULL)) AS tr,
    count(*) FILTER (ans AND transfer_kind = 'blind') AS tr_blind,
    count(*) FILTER (ans AND transfer_kind = 'announced') AS tr_ann,
    count(*) FILTER (leg = 1 AND outcome = 'ivr_self_served') AS ivr_ss,
    count(*) FILTER (leg = 1 AND (ivr_seconds IS NOT NULL OR ivr_entry_at IS NOT NULL
                                  OR outcome IN ('ivr_abandoned', 'ivr_self_served'))) AS ivr_used
  FROM c GROUP BY ALL
)
SELECT period, q AS queue, a AS agent, contacts AS total_calls, offered, answered, abandoned,
  ab_short AS abandoned_short,
  100.0 * in_t / nullif(offered, 0) AS service_level, 100.0 * answered / nullif(offered, 0) AS answered_rate,
  100.0 * (abandoned - ab_short) / nullif(offered - ab_short, 0) AS abandon_rate,
  100.0 * abandoned / nullif(offered, 0) AS abandon_rate_all, ans_wait / nullif(answered, 0) AS asa,
  queued_wait / nullif(queued, 0) AS avg_queue_time, 100.0 * queued / nullif(offered, 0) AS queued_rate,
  ab_wait / nullif(ab_wait_n, 0) AS avg_abandon_time, talk / nullif(talk_n, 0) AS avg_talk_time,
  handle / nullif(talk_n, 0) AS aht, acw / nullif(acw_n, 0) AS acw_time, hold / nullif(hold_n, 0) AS avg_hold_time,
  rings / nullif(rings_n, 0) AS avg_rings, 100.0 * res_yes / nullif(res_n, 0) AS fcr,
  100.0 * tr / nullif(answered, 0) AS transfer_rate, 100.0 * tr_blind / nullif(answered, 0) AS blind_transfer_rate,
  100.0 * tr_ann / nullif(answered, 0) AS announced_transfer_rate, 100.0 * blocked / nullif(legs, 0) AS blocked_rate,
  100.0 * ivr_ss / nullif(ivr_used, 0) AS ivr_containment
FROM g
"""


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Canonical calls columns for ``rows`` legs over DAYS days, 10 % of contacts with 2 legs."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from callcenter import schema

    rng = np.random.default_rng(seed)
    fields = ["call_id", "contact_id", "leg", "channel", "direction", "centre", "queue", "agent",
              "offered_at", "offered_local", "ivr_seconds", "ivr_entry_at", "wait_seconds", "ring_count",
              "ring_seconds", "talk_seconds", "hold_seconds", "acw_seconds", "outcome", "transfer_kind",
              "resolved", "source_file"]
    sch = pa.schema([schema.CALLS.schema.field(f) for f in fields])
    tmp = path.with_suffix(".tmp")
    chunk = 2_000_000
    start_us = np.datetime64("2024-01-01T00:00", "us").astype(np.int64)
    with pq.ParquetWriter(tmp, sch) as w:
        done = 0
        while done < rows:
            n = min(chunk, rows - done)
            ids = np.arange(done, done + n)
            second_leg = rng.random(n) < 0.10
            contact = np.where(second_leg & (ids > 0), ids - 1, ids)
            day = rng.integers(0, DAYS, n)
            sec = rng.integers(8 * 3600, 22 * 3600, n)
            local_us = start_us + (day * 86400 + sec) * 1_000_000
            u = rng.random(n)
            outcome = np.select(
                [u < 0.02, u < 0.05, u < 0.17, u < 0.20],
                ["blocked", "ivr_self_served", "abandoned", "transferred"], "answered")
            ans = (outcome == "answered") | (outcome == "transferred")
            queued = ans | (outcome == "abandoned")
            queue_no = rng.integers(0, QUEUES, n)
            agent_no = queue_no * AGENTS_PER_QUEUE + rng.integers(0, AGENTS_PER_QUEUE, n)
            wait = np.round(rng.exponential(30.0, n), 1)
            talk = np.round(rng.lognormal(5.0, 0.6, n), 1)
            has_hold = ans & (rng.random(n) < 0.2)

            def s(prefix: str, nums: np.ndarray, width: int) -> pa.Array:
                return pc.binary_join_element_wise(prefix, pc.utf8_lpad(pa.array(nums).cast(pa.string()), width, "0"), "")

            t = pa.table({
                "call_id": s("c", ids, 9),
                "contact_id": s("k", contact, 9),
                "leg": pa.array(np.where(second_leg, 2, 1).astype(np.int16)),
                "channel": pa.array(np.full(n, "voice")),
                "direction": pa.array(np.full(n, "inbound")),
                "centre": pa.array(np.full(n, "bj")),
                "queue": s("q", queue_no, 2),
                "agent": pc.if_else(pa.array(ans), s("a", agent_no, 3), pa.nulls(n, pa.string())),
                "offered_at": pa.array(local_us - 8 * 3600 * 1_000_000, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
                "offered_local": pa.array(local_us, pa.int64()).cast(pa.timestamp("us")),
                "ivr_seconds": pa.array(np.round(rng.exponential(35.5, n), 1), mask=rng.random(n) < 0.4),
                "ivr_entry_at": pa.nulls(n, pa.timestamp("us", tz="UTC")),
                "wait_seconds": pa.array(wait, mask=~queued),
                "ring_count": pa.array(rng.integers(1, 5, n).astype(np.int16), mask=~ans),
                "ring_seconds": pa.nulls(n, pa.float64()),
                "talk_seconds": pa.array(talk, mask=~ans),
                "hold_seconds": pa.array(np.round(rng.exponential(20.0, n), 1), mask=~has_hold),
                "acw_seconds": pa.array(np.round(rng.normal(45.0, 10.0, n), 1), mask=~ans),
                "outcome": pa.array(outcome),
                "transfer_kind": pc.if_else(pa.array(outcome == "transferred"),
                                            pa.array(np.where(rng.random(n) < 0.5, "blind", "announced")),
                                            pa.nulls(n, pa.string())),
                "resolved": pa.array(rng.random(n) < 0.85, mask=~ans),
                "source_file": pa.array(np.full(n, "bench")),
            }, schema=sch)
            w.write_table(t, row_group_size=500_000)
            done += n
    tmp.rename(path)


def _child(kind: str, path: str, threads: int) -> dict[str, float]:
    t0 = time.perf_counter()
    if kind == "ibis":
        import ibis

        from callcenter.metrics.engine import compute
        con = ibis.duckdb.connect(threads=threads)
        tables = {"calls": con.read_parquet(path, table_name="calls")}
        t0 = time.perf_counter()
        res = compute(tables, grain="30m", by=["queue", "agent"], indicators=INDICATORS, fill=False)
        n = res.table.num_rows
    elif kind == "sql":
        import duckdb

        con = duckdb.connect(config={"threads": threads})
        t0 = time.perf_counter()
        n = con.sql(SQL.format(path=path)).to_arrow_table().num_rows
    else:
        import numpy as np
        import pandas as pd

        t0 = time.perf_counter()
        cols = ["contact_id", "leg", "direction", "queue", "agent", "offered_local", "ivr_seconds", "ivr_entry_at",
                "wait_seconds", "ring_count", "ring_seconds", "talk_seconds", "hold_seconds", "acw_seconds",
                "outcome", "transfer_kind", "resolved"]
        df = pd.read_parquet(path, columns=cols)
        df = df[df.direction == "inbound"]
        o = df.outcome
        ans = o.isin(["answered", "transferred"])
        off = o.isin(["abandoned", "answered", "callback", "exit_empty", "exit_key", "overflowed", "timeout",
                      "transferred"])
        ab = o == "abandoned"
        w = df.wait_seconds
        rings = df.ring_count.astype("float64").fillna(np.ceil(df.ring_seconds / 3.0))
        first = df.leg == 1
        g = pd.DataFrame({
            "period": df.offered_local.astype("int64") // 1_800_000_000 * 1800,
            "queue": df["queue"].fillna("(none)"), "agent": df["agent"].fillna("(none)"),
            "contact_id": df.contact_id, "legs": 1, "offered": off, "answered": ans, "abandoned": ab,
            "ab_short": ab & (w <= 20), "in_t": ans & (w.fillna(0) <= 20), "blocked": o == "blocked",
            "queued": off & (w > 0), "queued_wait": w.where(off & (w > 0), 0.0),
            "ans_wait": w.fillna(0).where(ans, 0.0), "ab_wait": w.where(ab, 0.0).fillna(0.0),
            "ab_wait_n": ab & w.notna(), "talk": df.talk_seconds.where(ans, 0.0).fillna(0.0),
            "talk_n": ans & df.talk_seconds.notna(),
            "handle": (df.talk_seconds + df.acw_seconds.fillna(0)).where(ans & df.talk_seconds.notna(), 0.0),
            "acw": df.acw_seconds.where(ans, 0.0).fillna(0.0), "acw_n": ans & df.acw_seconds.notna(),
            "hold": df.hold_seconds.where(ans, 0.0).fillna(0.0), "hold_n": ans & df.hold_seconds.notna(),
            "rings": rings.where(ans, 0.0).fillna(0.0), "rings_n": ans & rings.notna(),
            "res_yes": ans & (df.resolved == True), "res_n": ans & df.resolved.notna(),  # noqa: E712
            "tr": ans & ((o == "transferred") | df.transfer_kind.notna()),
            "tr_blind": ans & (df.transfer_kind == "blind"), "tr_ann": ans & (df.transfer_kind == "announced"),
            "ivr_ss": first & (o == "ivr_self_served"),
            "ivr_used": first & (df.ivr_seconds.notna() | df.ivr_entry_at.notna()
                                 | o.isin(["ivr_abandoned", "ivr_self_served"])),
        })
        keys = ["period", "queue", "agent"]
        agg = g.drop(columns="contact_id").groupby(keys).sum()
        agg["contacts"] = g.groupby(keys).contact_id.nunique()

        def r(a: str, b: str, k: float = 1.0) -> pd.Series:
            return k * agg[a] / agg[b].where(agg[b] != 0)

        out = pd.DataFrame({
            "total_calls": agg.contacts, "offered": agg.offered, "answered": agg.answered,
            "abandoned": agg.abandoned, "abandoned_short": agg.ab_short,
            "service_level": r("in_t", "offered", 100), "answered_rate": r("answered", "offered", 100),
            "abandon_rate": 100 * (agg.abandoned - agg.ab_short) / (agg.offered - agg.ab_short).where(
                agg.offered - agg.ab_short != 0),
            "abandon_rate_all": r("abandoned", "offered", 100), "asa": r("ans_wait", "answered"),
            "avg_queue_time": r("queued_wait", "queued"), "queued_rate": r("queued", "offered", 100),
            "avg_abandon_time": r("ab_wait", "ab_wait_n"), "avg_talk_time": r("talk", "talk_n"),
            "aht": r("handle", "talk_n"), "acw_time": r("acw", "acw_n"), "avg_hold_time": r("hold", "hold_n"),
            "avg_rings": r("rings", "rings_n"), "fcr": r("res_yes", "res_n", 100),
            "transfer_rate": r("tr", "answered", 100), "blind_transfer_rate": r("tr_blind", "answered", 100),
            "announced_transfer_rate": r("tr_ann", "answered", 100), "blocked_rate": r("blocked", "legs", 100),
            "ivr_containment": r("ivr_ss", "ivr_used", 100),
        }).reset_index()
        n = len(out)
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": rss_mb, "rows_out": n}


def run(kind: str, path: Path, threads: int) -> dict[str, float]:
    cmd = [sys.executable, "-m", "benchmarks.bench_metrics", "--child", kind, "--path", str(path),
           "--threads", str(threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--peer-rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--note", default="", help="a note appended to the results (e.g. what was not run)")
    ap.add_argument("--child")
    ap.add_argument("--path")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child, a.path, a.threads)))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    paths = {}
    for n in sorted({a.rows, a.peer_rows}):
        p = WORK / f"calls-{n}.parquet"
        if not p.exists():
            t = time.perf_counter()
            generate(p, n)
            print(f"generated {n:,} rows in {time.perf_counter() - t:.1f} s -> {p}", flush=True)
        paths[n] = p
    results: dict[str, dict[str, float]] = {}
    plan = [("sql", a.rows), ("ibis", a.rows), ("pandas", a.peer_rows)]
    if a.peer_rows != a.rows:
        plan.append(("sql", a.peer_rows))
    for kind, n in plan:
        runs = [run(kind, paths[n], a.threads) for _ in range(a.repeat)]
        results[f"{kind}@{n}"] = {
            "seconds": statistics.median(r["seconds"] for r in runs),
            "peak_mb": statistics.median(r["peak_mb"] for r in runs),
            "rows_out": runs[0]["rows_out"],
            "all": [round(r["seconds"], 2) for r in runs],  # type: ignore[dict-item]
        }
        print(kind, n, results[f"{kind}@{n}"], flush=True)
    write(results, a)


def write(results: dict[str, dict[str, float]], a: argparse.Namespace) -> None:
    names = {"sql": "hand-written DuckDB SQL", "ibis": "callcenter (Ibis → DuckDB)", "pandas": "pandas"}
    base = results[f"sql@{a.rows}"]["seconds"]
    base_peer = results[f"sql@{a.peer_rows}"]["seconds"]
    lines = [
        "# Benchmark: call indicators by 30-min interval × queue × agent",
        "",
        "Generated by `python -m benchmarks.bench_metrics "
        f"--rows {a.rows} --peer-rows {a.peer_rows} --repeat {a.repeat} --threads {a.threads}` "
        f"on {time.strftime('%Y-%m-%d')}.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores **shared with other jobs running at the same "
        f"time** (other helpers' tests and benchmarks), DuckDB limited to {a.threads} threads, Python "
        f"{platform.python_version()}. Treat absolute times as noisy; the ratios, measured in the same run, "
        "are the result.",
        "",
        f"Data: generated canonical `calls` columns in one Parquet file ({DAYS} days, {QUEUES} queues × "
        f"{AGENTS_PER_QUEUE} agents, 10 % of contacts with a second leg). Work timed: from the Parquet file to "
        "the result table (Arrow / DataFrame) with 24 call indicators per (30-min interval, queue, agent), "
        "imports and interpreter start excluded; peak memory is the child process's maximum RSS. "
        "Median of the runs.",
        "",
        "| implementation | rows | median s | runs (s) | peak MB | result rows | × hand SQL |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for key, r in results.items():
        kind, n = key.split("@")
        ref = base if int(n) == a.rows else base_peer
        lines.append(f"| {names[kind]} | {int(n):,} | {r['seconds']:.2f} | {r['all']} | {r['peak_mb']:,.0f} | "
                     f"{int(r['rows_out']):,} | {r['seconds'] / ref:.2f} |")
    lines += [
        "",
        "What each does:",
        "",
        "* **callcenter (Ibis → DuckDB)**: `metrics.engine.compute(tables, grain='30m', by=['queue','agent'], "
        "indicators=<24 call indicators>, fill=False)` on `ibis.duckdb.connect().read_parquet(...)`: one scan "
        "to check which needed columns hold data (an indicator without data says \"not available\"), the "
        "calls aggregate in one query, then the join of the measures and the ratios (Arrow → DuckDB).",
        "* **hand-written DuckDB SQL**: one `SELECT ... GROUP BY` with `FILTER` clauses computing the same "
        "aggregates and ratios straight from the Parquet file (no availability check).",
        "* **pandas**: `read_parquet` of the needed columns, boolean/masked columns, one `groupby().sum()`, a "
        "second `groupby().nunique()` for distinct contacts, ratios.",
        "",
        "The benchmark is parameterised by row count (`--rows 100000000` for the issue's 100 M goal).",
        "",
    ]
    if a.note:
        lines += ["## Note", "", a.note, ""]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
