"""Validity: the simulator against queueing theory (Erlang B, C and A).

The references are written here, independently of ``callcenter.queueing``:
* Erlang C (M/M/n) in closed form with mpmath;
* Erlang A (M/M/n+M) from the birth–death stationary distribution and, for the waiting
  time of a tagged arrival, the phase-type representation "i callers ahead of me"
  (Mandelbaum & Zeltyn 2007); the two are cross-checked on the abandonment probability;
* Erlang B for a trunk-limited loss system.

Each scenario runs R independent replications (seeds 1..R) of one day, drops a one-hour
warm-up, and checks that theory lies inside the 95 % confidence interval of the
replication means (t distribution, R − 1 degrees of freedom). Seeds are fixed, so the
tests are deterministic.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest
from scipy import linalg, stats

from callcenter.simulate import Dist, SimConfig, run
from callcenter.simulate.arrivals import epoch
from callcenter.simulate.config import AgentGroupConfig, ArrivalConfig, QueueConfig

T_SL = 20.0
WARMUP = 3600.0
R = 20


# ---------------------------------------------------------------- references
def erlang_c(lam: float, mu: float, n: int, t: float) -> dict[str, float]:
    a = mp.mpf(lam) / mu
    top = a**n / mp.factorial(n) * n / (n - a)
    c = top / (mp.fsum(a**k / mp.factorial(k) for k in range(n)) + top)
    c = float(c)
    return {
        "sl": 1 - c * math.exp(-(n * mu - lam) * t),
        "asa": c / (n * mu - lam),
        "abandon": 0.0,
        "occupancy": lam / (n * mu),
    }


def erlang_a(lam: float, mu: float, theta: float, n: int, t: float, j: int = 400) -> dict[str, float]:
    k = np.arange(n + j + 1)
    death = np.minimum(k, n) * mu + np.maximum(k - n, 0) * theta
    logp = np.zeros(len(k))
    logp[1:] = np.cumsum(np.log(lam) - np.log(death[1:]))
    p = np.exp(logp - logp.max())
    p /= p.sum()
    p_wait = p[n:].sum()
    q_mean = float(((k - n).clip(0) * p).sum())
    alpha = p[n:]  # arrival finds i = 0..j callers ahead (PASTA)
    m = len(alpha)
    rates_ahead = n * mu + np.arange(m) * theta
    Q = np.diag(-(rates_ahead + theta)) + np.diag(rates_ahead[1:], -1)
    s = np.zeros(m)
    s[0] = n * mu
    inv_s = linalg.solve(-Q, s)
    served_wait = float(alpha @ inv_s)
    ewait_served = float(alpha @ linalg.solve(-Q, inv_s))
    served_within = float(alpha @ (inv_s - linalg.expm(Q * t) @ inv_s))
    abandon = float(alpha @ linalg.solve(-Q, np.full(m, theta)))
    served = 1 - p_wait + served_wait
    # independent cross-check: abandonment rate = θ·E[queue length] / λ
    assert abs(abandon - theta * q_mean / lam) < 1e-9
    return {
        "sl": 1 - p_wait + served_within,
        "asa": ewait_served / served,
        "abandon": abandon,
        "occupancy": lam * served / (n * mu),
    }


def erlang_b(a: float, n: int) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


# ---------------------------------------------------------------- simulation
def scenario(lam: float, aht: float, n: int, patience: float | None, **kw: object) -> SimConfig:
    return SimConfig(
        name="validity",
        arrivals=ArrivalConfig(calls_per_day=lam * 86_400),
        queues=[
            QueueConfig(
                name="q",
                talk=Dist.exponential(aht),
                patience=Dist.exponential(patience) if patience else None,
                **kw,  # type: ignore[arg-type]
            )
        ],
        agents=[AgentGroupConfig(team="t", skills={"q": 1}, count=n)],
    )


def measure(cfg: SimConfig, seed: int, n: int) -> dict[str, float]:
    tables = run(cfg, days=1, seed=seed, tables=("calls", "agent_states"))
    calls = tables["calls"].to_pandas()
    start = pd.Timestamp(epoch(cfg))
    off = (calls["offered_at"] - start).dt.total_seconds()
    c = calls[(off >= WARMUP) & (off < 86_400)]
    answered = c["outcome"] == "answered"
    wait = c["wait_seconds"]
    st = tables["agent_states"].to_pandas()
    s = (st["start_at"] - start).dt.total_seconds().clip(WARMUP, 86_400)
    e = (st["end_at"] - start).dt.total_seconds().clip(WARMUP, 86_400)
    dur = (e - s).clip(lower=0)
    busy = dur[st["state"].isin(["talking", "hold", "acw"])].sum()
    ready = dur[st["state"] == "ready"].sum()
    return {
        "sl": float((answered & (wait <= T_SL)).sum() / len(c)),
        "asa": float(wait[answered].mean()),
        "abandon": float((c["outcome"] == "abandoned").sum() / len(c)),
        "occupancy": float(busy / (busy + ready)),
        "offered": float(len(c)),
    }


def check_ci(results: list[dict[str, float]], theory: dict[str, float], keys: list[str]) -> None:
    tq = stats.t.ppf(0.975, len(results) - 1)
    problems = []
    for k in keys:
        x = np.array([r[k] for r in results])
        half = tq * x.std(ddof=1) / math.sqrt(len(x))
        if not (x.mean() - half <= theory[k] <= x.mean() + half):
            problems.append(f"{k}: theory {theory[k]:.5f} outside {x.mean():.5f} ± {half:.5f}")
    assert not problems, "; ".join(problems)


def test_references_agree_on_published_values() -> None:
    # Erlang C: 10 agents, a = 8 Erlang -> P(wait) = 0.4092 (standard tables)
    lam, mu = 8 / 180, 1 / 180
    a = erlang_c(lam, mu, 10, 0.0)
    assert abs((1 - a["sl"]) - 0.40918) < 1e-4
    # Erlang A with θ → 0 tends to Erlang C; with θ = μ it is M/M/∞ (Poisson): no wait
    ea = erlang_a(lam, mu, 1e-7, 10, 20.0)
    ec = erlang_c(lam, mu, 10, 20.0)
    assert abs(ea["sl"] - ec["sl"]) < 1e-3 and abs(ea["asa"] - ec["asa"]) < 0.05
    pois = erlang_a(lam, mu, mu, 10, 20.0)
    assert abs(pois["abandon"] - (1 - pois["occupancy"] * 10 / 8)) < 1e-9
    assert abs(erlang_b(10.0, 10) - 0.21458) < 1e-5


def test_mmn_matches_erlang_c() -> None:
    lam, aht, n = 17 / 180, 180.0, 20
    cfg = scenario(lam, aht, n, None)
    res = [measure(cfg, seed, n) for seed in range(1, R + 1)]
    check_ci(res, erlang_c(lam, 1 / aht, n, T_SL), ["sl", "asa", "occupancy"])
    assert all(r["abandon"] == 0.0 for r in res)


def test_mmnm_matches_erlang_a() -> None:
    lam, aht, n, pat = 20 / 180, 180.0, 20, 120.0
    cfg = scenario(lam, aht, n, pat)
    res = [measure(cfg, seed, n) for seed in range(1, R + 1)]
    theory = erlang_a(lam, 1 / aht, 1 / pat, n, T_SL)
    check_ci(res, theory, ["sl", "asa", "abandon", "occupancy"])


def test_trunk_limit_matches_erlang_b() -> None:
    """n trunks and n agents, no queue possible: blocking is Erlang B."""
    lam, aht, n = 10 / 180, 180.0, 12
    cfg = scenario(lam, aht, n, None).model_copy(update={"trunks": n})
    res = []
    for seed in range(1, 11):
        calls = run(cfg, days=1, seed=seed, tables=("calls",))["calls"]
        res.append({"blocked": pc.mean(pc.equal(calls["outcome"], "blocked")).as_py(),
                    "waited": pc.max(calls["wait_seconds"]).as_py()})
        assert res[-1]["waited"] == 0.0
    check_ci(res, {"blocked": erlang_b(lam * aht, n)}, ["blocked"])


@pytest.mark.parametrize("n", [5, 200])
def test_fast_path_equals_event_engine(n: int) -> None:
    cfg = scenario(0.9 * n / 180, 180.0, n, 90.0, acw=Dist.lognormal(20.0, 0.5), hold_prob=0.2,
                   ring=Dist(kind="uniform", low=2.0, high=9.0))
    a = run(cfg, days=1, seed=7, engine="fcfs")
    b = run(cfg, days=1, seed=7, engine="events")
    for name in a:
        assert a[name].equals(b[name]), name
