"""Erlang A (M/M/n+M, Palm 1943): Erlang C with callers who abandon after an exponential patience.

Parameters: ``agents`` n, ``traffic`` a = λ·AHT (Erlangs), ``aht_s`` = 1/μ, ``patience_s``
= 1/θ (mean time a caller is willing to wait, seconds), ``threshold_s`` t of the service
level. With ``x = nμ/θ = n·patience/AHT`` and ``y = λ/θ = a·patience/AHT``:

* ``S(x, y) = 1 + Σ_{j≥1} y^j / Π_{k=1..j}(x+k) = P(x, y)/f(x; y)`` (queue sum, :mod:`._special`),
  ``T(n, a) = 1/B(n, a) − 1``;
* ``P(W > 0) = S / (S + T)`` (probability an arrival finds all agents busy, PASTA);
* ``P(Ab) = P(W > 0) · [1/(ρS) + 1 − 1/ρ]`` with ``ρ = a/n``;
* offered wait ``V`` (time until an agent would take the call): given ``j`` callers ahead,
  ``e^{-θV} ~ Beta(x, j+1)``, hence ``P(V > t) = P(W > 0) · P(x, y e^{-θt}) / P(x, y)``;
* answered within t: ``P(V ≤ t, V ≤ τ) = 1 − P(W>0) + P(W>0)·(x/y)·[P(x+1, y) − P(x+1, y e^{-θt})]/P(x, y)``;
* mean wait of all callers (answered or not) ``= P(Ab)/θ``; mean queue ``L_q = y·P(Ab)``;
  occupancy ``= ρ(1 − P(Ab))``;
* ASA of answered calls ``= E[V e^{-θV}] / (1 − P(Ab))`` with
  ``E[V e^{-θV}] = (P(W>0)/θ) Σ_j (r_j/S) · x/(x+j+1) · (ψ(x+j+2) − ψ(x+1))``,
  ``r_j = y^j/Π_{k≤j}(x+k)`` (summed over the window that holds all but 1e-30 of the mass).

Service level comes in three named variants (:class:`SLVariant`), because centres count
abandoned calls differently (DOMAIN.md §1, settings ``sl_policy``).

References: Palm (1943); Garnett, Mandelbaum & Reiman (2002), *Designing a call center with
impatient customers*, MSOM 4(3):208–227; Mandelbaum & Zeltyn (2007), *The M/M/n+G queue:
summary of performance measures* (Technion); Riordan (1962) for the Beta representation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from scipy import special

from callcenter.queueing._special import (
    FloatArray,
    log_lower_gamma,
    log_lower_ratio,
    log_poisson_density,
    log_upper_gamma,
    log_upper_ratio,
)
from callcenter.queueing.erlang import _broadcast, as_float

__all__ = ["ErlangAMetrics", "SLVariant", "erlang_a_metrics"]


class SLVariant(StrEnum):
    """Which calls a service level counts (the values match ``settings.SLPolicy``)."""

    OFFERED = "offered"
    """answered within t ÷ offered (abandoned calls count as missed)"""
    ANSWERED = "answered"
    """answered within t ÷ answered"""
    ABANDONS_WITHIN_T_MET = "abandons_within_t_met"
    """(answered within t + abandoned within t) ÷ offered"""


@dataclass(frozen=True)
class ErlangAMetrics:
    """Steady-state measures of M/M/n+M, one array element per interval.

    Probabilities are fractions in [0, 1]; times are seconds.
    """

    p_wait: FloatArray
    """P(W > 0): share of callers who find every agent busy"""
    p_abandon: FloatArray
    """P(Ab): share of callers who hang up before being answered"""
    sl_offered: FloatArray
    """answered within t ÷ offered"""
    sl_answered: FloatArray
    """answered within t ÷ answered"""
    sl_abandons_within_t_met: FloatArray
    """(answered within t + abandoned within t) ÷ offered"""
    asa_s: FloatArray
    """average speed of answer of answered calls, seconds (NaN unless asked for)"""
    mean_wait_s: FloatArray
    """mean time in queue of all callers, answered or abandoned, seconds"""
    queue_length: FloatArray
    """mean number of callers waiting"""
    occupancy: FloatArray
    """fraction of agent time busy with calls"""

    def service_level(self, variant: SLVariant | str) -> FloatArray:
        """The service level of one named variant."""
        v = SLVariant(variant)
        return {
            SLVariant.OFFERED: self.sl_offered,
            SLVariant.ANSWERED: self.sl_answered,
            SLVariant.ABANDONS_WITHIN_T_MET: self.sl_abandons_within_t_met,
        }[v]


def erlang_a_metrics(
    agents: npt.ArrayLike,
    traffic: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    patience_s: npt.ArrayLike,
    threshold_s: npt.ArrayLike = 20.0,
    *,
    with_asa: bool = True,
) -> ErlangAMetrics:
    """All Erlang A measures for each (agents, traffic, AHT, patience, threshold).

    Limits: no traffic → nobody waits (SL 1, ASA 0, occupancy 0); no agents → every
    caller abandons (P(Ab) = 1, SL 0, ASA ∞, occupancy reported as 1 like Erlang C's n ≤ a). ``agents`` may be real (continuous
    extension through the incomplete gamma function). ``with_asa=False`` skips the
    ASA sum (returned as NaN), which the staffing solver does when ASA is not a target.
    """
    n, a, h, p, t = _broadcast(
        as_float(agents, "agents"),
        as_float(traffic, "traffic"),
        as_float(aht_s, "aht_s", positive=True),
        as_float(patience_s, "patience_s", positive=True),
        as_float(threshold_s, "threshold_s"),
    )
    shape = n.shape
    p_wait = np.zeros(shape)
    p_ab = np.zeros(shape)
    sl_off = np.ones(shape)
    sl_ans = np.ones(shape)
    sl_met = np.ones(shape)
    asa = np.zeros(shape) if with_asa else np.full(shape, np.nan)
    occ = np.zeros(shape)

    nobody = (n == 0) & (a > 0)
    p_wait[nobody] = 1.0
    p_ab[nobody] = 1.0
    sl_off[nobody] = 0.0
    sl_ans[nobody] = 0.0
    sl_met[nobody] = -np.expm1(-t[nobody] / p[nobody])  # abandoned within t
    asa[nobody] = np.inf
    occ[nobody] = 1.0  # as Erlang C for n <= a: no capacity, reported fully loaded

    gen = (n > 0) & (a > 0)
    if gen.any():
        g = _general(n[gen], a[gen], h[gen], p[gen], t[gen], with_asa, frozenset(SLVariant))
        p_wait[gen], p_ab[gen], sl_off[gen], sl_ans[gen], sl_met[gen], occ[gen] = g[:6]
        if with_asa:
            asa[gen] = g[6]
    return ErlangAMetrics(
        p_wait=p_wait,
        p_abandon=p_ab,
        sl_offered=sl_off,
        sl_answered=sl_ans,
        sl_abandons_within_t_met=sl_met,
        asa_s=asa,
        mean_wait_s=np.asarray(p_ab * p, dtype=np.float64),
        queue_length=np.asarray(p_ab * a * p / h, dtype=np.float64),
        occupancy=occ,
    )


def _general(
    n: FloatArray,
    a: FloatArray,
    h: FloatArray,
    p: FloatArray,
    t: FloatArray,
    with_asa: bool,
    variants: frozenset[SLVariant] = frozenset(SLVariant),
) -> tuple[FloatArray, ...]:
    """(P(W>0), P(Ab), SL offered, SL answered, SL abandons-met, occupancy[, ASA]) for n, a > 0.

    Only the service-level ``variants`` asked for are computed (the others are NaN).
    """
    x = n * p / h
    y = a * p / h
    rho = a / n
    log_t = log_upper_ratio(n, a)
    log_s = log_lower_ratio(x, y)
    p_wait = special.expit(log_s - log_t)
    # P(Ab)/P(W>0) = 1/(ρS) + 1 − 1/ρ = 1 + expm1(−log S)/ρ
    k = 1.0 + np.expm1(-log_s) / rho
    p_ab = np.clip(p_wait * np.maximum(k, 0.0), 0.0, 1.0)
    served = 1.0 - p_ab
    nan = np.full(n.shape, np.nan)
    sl_off, sl_ans, sl_met = nan, nan, nan

    decay = np.exp(-t / p)
    yz = y * decay
    if variants:
        log_pxy = log_s + log_poisson_density(x, y)
    if SLVariant.ABANDONS_WITHIN_T_MET in variants:
        p_v_gt_t = p_wait * np.exp(log_lower_gamma(x, yz) - log_pxy)
        sl_met = np.clip(1.0 - p_v_gt_t * decay, 0.0, 1.0)
    if SLVariant.OFFERED in variants or SLVariant.ANSWERED in variants:
        # answered within t among those who wait: (x/y)[P(x+1,y) − P(x+1,yz)]/P(x,y)
        l1 = log_lower_gamma(x + 1.0, y)
        upper = l1 > np.log(0.5)
        diff = np.zeros(n.shape)
        low = ~upper
        if low.any():
            l2 = log_lower_gamma(x[low] + 1.0, yz[low])
            with np.errstate(invalid="ignore"):
                diff[low] = np.exp(l1[low] - log_pxy[low]) * -np.expm1(l2 - l1[low])
        if upper.any():
            xu = x[upper] + 1.0
            q1 = log_upper_gamma(xu, y[upper])
            q2 = log_upper_gamma(xu, yz[upper])
            diff[upper] = np.exp(q2 - log_pxy[upper]) * -np.expm1(q1 - q2)
        diff = np.where(np.isfinite(diff), diff, 0.0)
        sl_off = np.clip(special.expit(log_t - log_s) + p_wait * (n / a) * diff, 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            sl_ans = np.where(served > 0, np.clip(sl_off / served, 0.0, 1.0), 0.0)
    occ = np.minimum(rho * served, 1.0)  # carried load ≤ n; guards last-bit rounding
    out: tuple[FloatArray, ...] = (p_wait, p_ab, sl_off, sl_ans, sl_met, occ)
    if with_asa:
        e_vexp = _served_wait_sum(x, y, log_s) * p_wait * p
        with np.errstate(divide="ignore", invalid="ignore"):
            asa = np.where(served > 0, e_vexp / served, np.inf)
        out = (*out, asa)
    return out


def _served_wait_sum(x: FloatArray, y: FloatArray, log_s: FloatArray) -> FloatArray:
    """``Σ_j (r_j/S) · x/(x+j+1) · (ψ(x+j+2) − ψ(x+1))`` = θ E[V e^{-θV}] / P(W>0).

    ``r_j/S`` is the law of the number of callers ahead of a waiting arrival; it has its
    mode at ``max(0, y − x)``, Gaussian spread ≤ ``sqrt(max(x, y))`` and, for ``y < x``,
    geometric decay ``(y/x)^j``; the window summed (±9 sd + 30, or 42/ln(x/y) terms)
    holds all but ~e^-40 of the mass.
    ``log r_j`` and the harmonic term are accumulated along the window (one log and one
    division per term) from their exact values at its start.
    """
    out = np.empty(x.shape)
    mode = np.maximum(0.0, np.floor(y - x))
    sd = np.sqrt(np.maximum(np.maximum(x, y), 1.0))
    with np.errstate(divide="ignore"):
        geometric = np.where(y < x, 42.0 / np.log(x / y), np.inf)
    lo = np.maximum(0.0, np.floor(mode - 9.0 * sd - 30.0))
    hi = np.ceil(mode + np.minimum(9.0 * sd, geometric) + 30.0)
    width = (hi - lo + 1).astype(np.int64)
    order = np.argsort(width, kind="stable")
    budget = 1_000_000
    start, m = 0, len(order)
    while start < m:
        stop = start + 1
        while stop < m and int(width[order[stop]]) * (stop + 1 - start) <= budget:
            stop += 1
        idx = order[start:stop]
        w = int(width[idx].max())
        xi, yi, j0 = x[idx, None], y[idx, None], lo[idx, None]
        j = j0 + np.arange(w)[None, :]
        log_r0 = j0 * np.log(yi) + special.gammaln(xi + 1.0) - special.gammaln(xi + j0 + 1.0)
        steps = np.log(yi) - np.log(xi + j)
        steps[:, 0] = 0.0
        log_r = log_r0 + np.cumsum(steps, axis=1)
        inv = 1.0 / (xi + j + 1.0)
        h0 = special.digamma(xi + j0 + 1.0) - special.digamma(xi + 1.0)
        harmonic = h0 + np.cumsum(inv, axis=1)
        weight = np.exp(log_r - log_s[idx, None]) * xi * inv
        valid = j <= hi[idx, None]
        out[idx] = np.sum(np.where(valid, weight * harmonic, 0.0), axis=1)
        start = stop
    return out
