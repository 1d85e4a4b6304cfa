"""Erlang A staffing against a seeded simulation of M/M/n+M (FCFS, exponential patience).

The simulation is independent of the formulas: callers arrive as a Poisson stream; each
takes the earliest free agent after every earlier *answered* caller (FCFS; callers who
abandon never occupy an agent), and abandons if that wait exceeds its own exponential
patience (Kiefer–Wolfowitz recursion with abandonment). Estimates use batch means over
20 batches; the check is that the theoretical value lies in the 99.9 % confidence interval.
"""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from scipy import stats

from callcenter.queueing import SLVariant, Targets, erlang_a_metrics, required_agents


def simulate(n: int, traffic: float, aht: float, patience: float, threshold: float,
             calls: int, seed: int) -> dict[str, tuple[float, float]]:
    """(mean, CI half-width) of P(wait>0), P(abandon) and the three SL variants."""
    rng = np.random.default_rng(seed)
    lam = traffic / aht
    arrivals = np.cumsum(rng.exponential(1.0 / lam, calls))
    service = rng.exponential(aht, calls)
    tau = rng.exponential(patience, calls)
    free = [0.0] * n
    waited = np.zeros(calls, dtype=bool)
    abandoned = np.zeros(calls, dtype=bool)
    answered_in_t = np.zeros(calls, dtype=bool)
    abandoned_in_t = np.zeros(calls, dtype=bool)
    for i in range(calls):
        t = arrivals[i]
        v = free[0] - t
        if v <= 0.0:
            heapq.heapreplace(free, t + service[i])
            answered_in_t[i] = True
            continue
        waited[i] = True
        if v <= tau[i]:
            heapq.heapreplace(free, t + v + service[i])
            answered_in_t[i] = v <= threshold
        else:
            abandoned[i] = True
            abandoned_in_t[i] = tau[i] <= threshold
    warm = calls // 50
    sl_off = answered_in_t
    series = {
        "p_wait": waited, "p_abandon": abandoned, "sl_offered": sl_off,
        "sl_abandons_within_t_met": sl_off | abandoned_in_t,
    }
    out: dict[str, tuple[float, float]] = {}
    z = stats.t.ppf(0.9995, 19)
    for key, flags in series.items():
        batches = np.array_split(flags[warm:].astype(float), 20)
        means = np.array([b.mean() for b in batches])
        out[key] = (float(means.mean()), float(z * means.std(ddof=1) / np.sqrt(20)))
    served = ~abandoned[warm:]
    batches = [(a, s) for a, s in zip(np.array_split(answered_in_t[warm:], 20),
                                      np.array_split(served, 20), strict=True)]
    ratios = np.array([a.sum() / s.sum() for a, s in batches])
    out["sl_answered"] = (float(ratios.mean()), float(z * ratios.std(ddof=1) / np.sqrt(20)))
    return out


@pytest.mark.parametrize(
    ("calls_per_30min", "aht", "patience", "variant"),
    [(100, 180.0, 180.0, SLVariant.OFFERED), (300, 240.0, 90.0, SLVariant.ANSWERED)],
)
def test_erlang_a_staffing_matches_simulation(
    calls_per_30min: int, aht: float, patience: float, variant: SLVariant
) -> None:
    traffic = calls_per_30min * aht / 1800.0
    targets = Targets(service_level=0.8, threshold_s=20.0, sl_variant=variant)
    n = int(required_agents([traffic], aht, targets, patience_s=patience).agents[0])
    for agents, seed in ((n, 11), (n - 1, 12)):
        theory = erlang_a_metrics(agents, traffic, aht, patience, 20.0)
        sim = simulate(agents, traffic, aht, patience, 20.0, calls=60_000, seed=seed)
        for key, (mean, half) in sim.items():
            expected = float(getattr(theory, key))
            assert abs(mean - expected) <= half, (agents, key, mean, half, expected)
        sl_sim, half = sim[f"sl_{variant.value}"]
        if agents == n:
            assert sl_sim + half >= 0.8  # the staffing the solver chose meets the target
        else:
            assert sl_sim - half < 0.8  # one agent fewer does not
