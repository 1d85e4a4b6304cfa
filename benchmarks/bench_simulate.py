"""Speed of the simulator on the M/M/n+M (Erlang A) model, against Ciw and SimPy.

Run: ``python -m benchmarks.bench_simulate`` → ``docs/benchmarks/simulate.md``.

Model (identical for every tool): Poisson arrivals at rate λ = 0.95·n/AHT, exponential
service with mean AHT = 180 s, exponential patience with mean 120 s, one FCFS queue, n
identical agents always available; n = 50 and n = 1,000. Speed = simulated calls (arrivals)
per second of wall time, median of ``REPEATS`` runs in the same process invocation.

Ciw and SimPy run in a subprocess with the interpreter in ``$BENCH_PEER_PYTHON`` (default:
this one), so they need not be installed in the project's environment. Each tool's SL
(answered within 20 s ÷ offered) and abandonment are printed beside its speed to show all
solve the same model.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

AHT = 180.0
PATIENCE = 120.0
RHO = 0.95
REPEATS = 5
OUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks" / "simulate.md"

PEER_CODE = r'''
import json, sys, time, random, statistics
tool, n, calls, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
AHT, PAT, RHO = 180.0, 120.0, 0.95
lam = RHO * n / AHT
horizon = calls / lam
res = []
for rep in range(repeats):
    if tool == "ciw":
        import ciw
        net = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(lam)],
            service_distributions=[ciw.dists.Exponential(1 / AHT)],
            reneging_time_distributions=[ciw.dists.Exponential(1 / PAT)],
            number_of_servers=[n],
        )
        ciw.seed(rep + 1)
        t0, c0 = time.perf_counter(), time.process_time()
        sim = ciw.Simulation(net)
        sim.simulate_until_max_time(horizon)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        recs = sim.get_all_records()
        served = [r for r in recs if r.record_type == "service"]
        ren = [r for r in recs if r.record_type == "renege"]
        offered = len(served) + len(ren)
        sl = sum(r.waiting_time <= 20 for r in served) / max(offered, 1)
        ab = len(ren) / max(offered, 1)
    else:
        import simpy
        rnd = random.Random(rep + 1)
        stats = {"served": 0, "within": 0, "ab": 0, "n": 0}
        env = simpy.Environment()
        agents = simpy.Resource(env, capacity=n)

        def caller(env):
            t = env.now
            with agents.request() as req:
                r = yield req | env.timeout(rnd.expovariate(1 / PAT))
                if req in r:
                    w = env.now - t
                    stats["served"] += 1
                    stats["within"] += w <= 20
                    yield env.timeout(rnd.expovariate(1 / AHT))
                else:
                    stats["ab"] += 1

        def source(env):
            while True:
                yield env.timeout(rnd.expovariate(lam))
                stats["n"] += 1
                env.process(caller(env))

        env.process(source(env))
        t0, c0 = time.perf_counter(), time.process_time()
        env.run(until=horizon)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        offered = stats["served"] + stats["ab"]
        sl = stats["within"] / max(offered, 1)
        ab = stats["ab"] / max(offered, 1)
        offered = stats["n"]
    res.append({"seconds": dt, "cpu": cpu, "calls": offered, "sl": sl, "abandon": ab})
print(json.dumps(res))
'''


def peer(tool: str, n: int, calls: int, repeats: int) -> list[dict[str, float]] | str:
    py = os.environ.get("BENCH_PEER_PYTHON", sys.executable)
    try:
        out = subprocess.run(
            [py, "-c", PEER_CODE, tool, str(n), str(calls), str(repeats)],
            check=True, capture_output=True, text=True, timeout=3600,
        )
    except (subprocess.CalledProcessError, FileNotFoundError, subprocess.TimeoutExpired) as e:
        err = getattr(e, "stderr", "") or str(e)
        return f"not run: {err.strip().splitlines()[-1] if err.strip() else e}"
    return json.loads(out.stdout)


def ours(n: int, calls: int, repeats: int) -> dict[str, list[dict[str, float]]]:
    from callcenter.simulate import Dist, SimConfig, simulate, to_tables
    from callcenter.simulate.config import AgentGroupConfig, ArrivalConfig, QueueConfig
    from callcenter.simulate.kernel import fcfs_kernel
    from callcenter.simulate.summary import summarize

    lam = RHO * n / AHT
    days = max(1, round(calls / (lam * 86_400)))
    cfg = SimConfig(
        name="bench",
        arrivals=ArrivalConfig(calls_per_day=lam * 86_400),
        queues=[QueueConfig(name="q", talk=Dist.exponential(AHT), patience=Dist.exponential(PATIENCE))],
        agents=[AgentGroupConfig(team="t", skills={"q": 1}, count=n)],
    )
    out: dict[str, list[dict[str, float]]] = {"kernel": [], "fcfs": [], "fcfs+tables": [], "events": []}
    for rep in range(repeats):
        rng = np.random.default_rng(rep)
        m = int(lam * 86_400 * days)
        arr = np.cumsum(rng.exponential(1 / lam, m))
        svc = rng.exponential(AHT, m)
        pat = rng.exponential(PATIENCE, m)
        t0, c0 = time.perf_counter(), time.process_time()
        start, _ = fcfs_kernel(arr, svc, pat, n)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        wait = start - arr
        out["kernel"].append({"seconds": dt, "cpu": cpu, "calls": m, "sl": float(np.mean(wait <= 20)),
                              "abandon": float(np.mean(np.isnan(start)))})
        for engine, key in (("fcfs", "fcfs"), ("events", "events")):
            t0, c0 = time.perf_counter(), time.process_time()
            sim = simulate(cfg, days, rep + 1, engine=engine)  # type: ignore[arg-type]
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            ans = ~np.isnan(sim.legs.answered)
            w = sim.legs.q_exit - sim.legs.q_entry
            out[key].append({"seconds": dt, "cpu": cpu, "calls": len(sim.legs),
                             "sl": float(np.mean(ans & (w <= 20))), "abandon": float(np.mean(~ans))})
            if engine == "fcfs":
                t0, c0 = time.perf_counter(), time.process_time()
                tables = to_tables(sim, ("calls", "agent_states"))
                dt2, cpu2 = time.perf_counter() - t0, time.process_time() - c0
                s = summarize(tables)
                out["fcfs+tables"].append({"seconds": dt + dt2, "cpu": cpu + cpu2, "calls": len(sim.legs),
                                           "sl": s["service_level"], "abandon": s["abandon_rate"]})
    return out


def med(rows: list[dict[str, float]], key: str = "rate") -> float:
    if key == "rate":
        return statistics.median(r["calls"] / r["seconds"] for r in rows)
    if key == "cpu_rate":
        return statistics.median(r["calls"] / r["cpu"] for r in rows)
    return statistics.median(r[key] for r in rows)


def main() -> None:
    sizes = {50: (1_000_000, 60_000, 60_000), 1000: (1_000_000, 20_000, 60_000)}
    lines = [
        "# Simulation speed: M/M/n+M against Ciw and SimPy",
        "",
        "Generated by `python -m benchmarks.bench_simulate`; do not edit by hand.",
        "",
        f"Model: Poisson arrivals λ = {RHO}·n/AHT, exponential talk (AHT {AHT:g} s), exponential "
        f"patience (mean {PATIENCE:g} s), one FCFS queue, n identical agents. Speed = simulated "
        f"calls per second, **median of {REPEATS} runs**, all tools in the same run; "
        "wall-clock and CPU time (`time.process_time`) are both given because the machine was "
        "shared; ratios use CPU time.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores **shared with other jobs while "
        f"measured** (absolute numbers are noisy; compare the ratios), Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "Rows: `kernel` = the FCFS heap recursion on pre-drawn numpy arrays; `fcfs` = "
        "`simulate()` on the fast path (arrival generation, named random streams, kernel, "
        "per-leg arrays); `fcfs+tables` = the same plus building the canonical `calls` and "
        "`agent_states` Arrow tables; `events` = the general event engine (skills, tiers, "
        "shifts, IVR, ...) on the same model; Ciw and SimPy simulate to the time horizon of "
        "the stated number of calls.",
        "",
        "| agents | tool | calls per run | calls/s wall (median) | calls/CPU-s (median) | × Ciw (CPU) | SL 20 s | abandoned |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n, (n_ours, n_ciw, n_simpy) in sizes.items():
        print(f"n = {n}: ours", file=sys.stderr)
        o = ours(n, n_ours, REPEATS)
        print(f"n = {n}: ciw", file=sys.stderr)
        c = peer("ciw", n, n_ciw, REPEATS)
        print(f"n = {n}: simpy", file=sys.stderr)
        s = peer("simpy", n, n_simpy, REPEATS)
        ciw_rate = med(c, "cpu_rate") if isinstance(c, list) else float("nan")
        rows: list[tuple[str, list[dict[str, float]] | str]] = [
            *((k, v) for k, v in o.items()), ("Ciw 3.2.7", c), ("SimPy 4.1.2", s)
        ]
        for name, r in rows:
            if isinstance(r, str):
                lines.append(f"| {n:,} | {name} | | {r} | | | | |")
                continue
            cpu_rate = med(r, "cpu_rate")
            lines.append(
                f"| {n:,} | {name} | {int(med(r, 'calls')):,} | {med(r):,.0f} | {cpu_rate:,.0f} | "
                f"{cpu_rate / ciw_rate:,.1f} | {med(r, 'sl'):.3f} | {med(r, 'abandon'):.3f} |"
            )
    lines += [
        "",
        "The kernel's cost per call is one `heapreplace` on a heap of n agents (O(log n) in C) "
        "plus a few Python operations, so it grows only slowly from 50 to 1,000 agents (heap "
        "depth 6 → 10), while Ciw's cost grows several-fold with the number of servers. "
        "The event engine does more work per call "
        "(an arrival, an answer, an abandonment event, a call-end and an agent-free event) "
        "and is the engine used whenever a configuration needs IVR, trunks, tiers, skills, "
        "shifts, transfers, redials or repeats.",
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
