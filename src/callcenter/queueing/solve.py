"""Staffing solvers: the minimum agents that meet every target, and what a staffing achieves.

``required_agents`` returns, per interval, the smallest integer ``N`` such that every given
target holds at ``N`` and at least one fails at ``N − 1`` — checked by evaluating ``N − 1``
explicitly, never assumed. Targets (:class:`Targets`) combine freely: service level
``P(answered within T) ≥ s`` (variant named by :class:`SLVariant`), ASA ≤ seconds,
abandonment ≤ share (Erlang A only), occupancy ≤ share.

Search: per interval a bracket ``lo`` (proven to fail) / ``hi`` (evaluated to meet) from
bounds that follow from the formulas — Erlang C needs ``n > a``; ``C ≤ 1`` gives
``n ≥ a + AHT·ln(1/(1−s))/T`` for the service level and ``n ≥ a + AHT/ASA`` for ASA;
occupancy needs ``n ≥ a/occ``; Erlang A needs ``n ≥ a(1 − max_abandon)`` and
``n ≥ s·a`` — widened by galloping if ``hi`` does not meet, then a safeguarded regula
falsi on integers (secant on the log-margin, a bisection step whenever one side moves
twice), all vectorised over intervals. One interval with scalar input takes a
plain-float path (usually 3 evaluations).

Fractional requirements: the root, on ``(N−1, N]``, of the same measures evaluated on the
continuous extension in the number of agents (Erlang B/C/A through the incomplete gamma
function with real shape, Jagerman 1974), found by the Illinois method to 1e-9 agents —
not a linear interpolation between N−1 and N.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy import special

from callcenter.errors import InfeasibleError, ModelError
from callcenter.queueing import _scalar
from callcenter.queueing._special import FloatArray, log_upper_ratio
from callcenter.queueing.erlang import _broadcast, as_float
from callcenter.queueing.erlang_a import SLVariant, _general
from callcenter.queueing.targets import TOLERANCE, IntArray, Performance, Requirement, Targets

BoolArray = npt.NDArray[np.bool_]
Meets = Callable[[FloatArray, npt.NDArray[np.intp]], tuple[BoolArray, FloatArray]]

__all__ = ["Performance", "Requirement", "Targets", "evaluate", "required_agents"]

_MAX_AGENTS = 10_000_000
def _prepare(
    traffic: npt.ArrayLike, aht_s: npt.ArrayLike, patience_s: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    a = as_float(traffic, "traffic")
    h = as_float(aht_s, "aht_s", positive=True)
    if patience_s is None:
        a, h = _broadcast(a, h)
        return a, h, None
    p = as_float(patience_s, "patience_s", positive=True)
    a, h, p = _broadcast(a, h, p)
    return a, h, p


def _c_measures(
    n: FloatArray, a: FloatArray, h: FloatArray, t: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(C, SL, ASA, occupancy) of M/M/n on validated arrays with a > 0."""
    stable = n > a
    c = np.ones(n.shape)
    sl = np.zeros(n.shape)
    asa = np.full(n.shape, np.inf)
    occ = np.ones(n.shape)
    if stable.all():
        ns, as_, hs = n, a, h
    else:
        ns, as_, hs = n[stable], a[stable], h[stable]
    gap = ns - as_
    cs = special.expit(-(np.log(gap) - np.log(ns) + log_upper_ratio(ns, as_)))
    c[stable] = cs
    sl[stable] = 1.0 - cs * np.exp(-gap * t / hs)
    asa[stable] = cs * hs / gap
    occ[stable] = as_ / ns
    return c, sl, asa, occ


def _measures(
    n: FloatArray, a: FloatArray, h: FloatArray, p: FloatArray | None, t: float,
    variant: SLVariant, *, with_asa: bool,
) -> Performance:
    """Performance on validated arrays with a > 0 (n may be 0 or real)."""
    if p is None:
        c, sl, asa, occ = _c_measures(n, a, h, t)
        return Performance("erlang_c", sl, asa, c, np.zeros(n.shape), occ)
    shape = n.shape
    pw = np.ones(shape)
    pab = np.ones(shape)
    sl = np.zeros(shape)
    asa = np.full(shape, np.inf)
    occ = np.ones(shape)  # no agent: treated as fully loaded (fails any occupancy cap)
    pos = n > 0
    if pos.any():
        g = _general(n[pos], a[pos], h[pos], p[pos], np.full(int(pos.sum()), t), with_asa,
                     frozenset([variant]))
        pw[pos], pab[pos] = g[0], g[1]
        variant_index = {SLVariant.OFFERED: 2, SLVariant.ANSWERED: 3,
                         SLVariant.ABANDONS_WITHIN_T_MET: 4}[variant]
        sl[pos] = g[variant_index]
        occ[pos] = g[5]
        asa[pos] = g[6] if with_asa else np.nan
    return Performance("erlang_a", sl, asa, pw, pab, occ)


def _meets(perf: Performance, targets: Targets, n: FloatArray, a: FloatArray) -> npt.NDArray[np.bool_]:
    ok = n > 0
    if perf.model == "erlang_c":
        ok &= n > a  # Erlang C has no steady state (an ever-growing queue) for n <= a
    if targets.service_level is not None:
        ok &= perf.service_level >= targets.service_level - TOLERANCE
    if targets.asa_s is not None:
        ok &= perf.asa_s <= targets.asa_s * (1.0 + TOLERANCE)
    if targets.max_abandon is not None:
        ok &= perf.p_abandon <= targets.max_abandon * (1.0 + TOLERANCE)
    if targets.max_occupancy is not None:
        ok &= perf.occupancy <= targets.max_occupancy * (1.0 + TOLERANCE)
    return ok


def _margin(perf: Performance, targets: Targets, n: FloatArray, a: FloatArray) -> FloatArray:
    """``max_k (log measure_k − log target_k)``: ≤ 0 where every target holds.

    Only steers the search (regula falsi); the decisions use :func:`_meets`. +∞ where
    the staffing cannot work (no agent; Erlang C with n ≤ a).
    """
    g = np.full(n.shape, -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        if targets.service_level is not None:
            g = np.maximum(g, np.log1p(-perf.service_level) - math.log1p(-targets.service_level))
        if targets.asa_s is not None:
            g = np.maximum(g, np.log(perf.asa_s / targets.asa_s))
        if targets.max_abandon is not None:
            g = np.maximum(g, np.log(perf.p_abandon / targets.max_abandon))
        if targets.max_occupancy is not None:
            g = np.maximum(g, np.log(perf.occupancy / targets.max_occupancy))
    bad = n <= 0
    if perf.model == "erlang_c":
        bad |= n <= a
    return np.asarray(np.where(bad, np.inf, g), dtype=np.float64)


def evaluate(
    agents: npt.ArrayLike,
    traffic: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    *,
    threshold_s: float = 20.0,
    patience_s: npt.ArrayLike | None = None,
    sl_variant: SLVariant | str = SLVariant.OFFERED,
) -> Performance:
    """What a given staffing achieves (the reverse problem), per interval.

    Erlang C without ``patience_s``, Erlang A (M/M/n+M) with it. See :mod:`.erlang` and
    :mod:`.erlang_a` for the formulas.
    """
    a, h, p = _prepare(traffic, aht_s, patience_s)
    n = as_float(agents, "agents")
    if p is None:
        n, a, h = _broadcast(n, a, h)
    else:
        n, a, h, p = _broadcast(n, a, h, p)
    if not (math.isfinite(threshold_s) and threshold_s >= 0):
        raise ModelError(f"threshold_s must be >= 0 seconds, got {threshold_s!r}",
                         where="threshold_s", hint="e.g. 20 for 80/20")
    return _perf_with_zero_traffic(n, a, h, p, threshold_s, SLVariant(sl_variant), with_asa=True)


def _perf_with_zero_traffic(
    n: FloatArray, a: FloatArray, h: FloatArray, p: FloatArray | None, t: float,
    variant: SLVariant, *, with_asa: bool,
) -> Performance:
    busy = a > 0
    model = "erlang_c" if p is None else "erlang_a"
    if busy.all():
        return _measures(n, a, h, p, t, variant, with_asa=with_asa)
    sl, asa, pw, pab, occ = (np.ones(n.shape), np.zeros(n.shape), np.zeros(n.shape),
                             np.zeros(n.shape), np.zeros(n.shape))
    if busy.any():
        sub = _measures(n[busy], a[busy], h[busy], None if p is None else p[busy], t, variant,
                        with_asa=with_asa)
        sl[busy], asa[busy], pw[busy] = sub.service_level, sub.asa_s, sub.p_wait
        pab[busy], occ[busy] = sub.p_abandon, sub.occupancy
    return Performance(model, sl, asa, pw, pab, occ)


def required_agents(
    traffic: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    targets: Targets,
    *,
    patience_s: npt.ArrayLike | None = None,
    fractional: bool = False,
) -> Requirement:
    """Minimum agents per interval meeting every target (Erlang C, or Erlang A with patience).

    ``traffic`` in Erlangs (:func:`~callcenter.queueing.erlang.traffic_erlangs`), ``aht_s``
    and ``patience_s`` (mean patience, seconds) broadcast together. An interval with no
    traffic needs 0 agents. Raises :class:`~callcenter.errors.ModelError` on bad input and
    :class:`~callcenter.errors.InfeasibleError` if no staffing up to 10 million meets the
    targets.
    """
    if (
        patience_s is None
        and not fractional
        and isinstance(traffic, (int, float))
        and isinstance(aht_s, (int, float))
        and targets.max_abandon is None
        and math.isfinite(traffic)
        and math.isfinite(aht_s)
        and traffic >= 0
        and aht_s > 0
    ):
        return _scalar_required(float(traffic), float(aht_s), targets)
    if patience_s is None and targets.max_abandon is not None:
        raise ModelError(
            "an abandonment target needs Erlang A: Erlang C assumes no caller hangs up",
            where="targets.max_abandon",
            hint="give the callers' mean patience (patience_s / --patience)",
        )
    a, h, p = _prepare(traffic, aht_s, patience_s)
    shape = a.shape
    a1, h1 = a.ravel(), h.ravel()
    p1 = None if p is None else p.ravel()
    agents = np.zeros(a1.shape, dtype=np.int64)
    busy = np.flatnonzero(a1 > 0)
    frac: FloatArray | None = np.zeros(a1.shape) if fractional else None
    if busy.size:
        ab, hb = a1[busy], h1[busy]
        pb = None if p1 is None else p1[busy]
        with_asa = targets.asa_s is not None

        def meets(n: FloatArray, idx: npt.NDArray[np.intp]) -> tuple[BoolArray, FloatArray]:
            pi = None if pb is None else pb[idx]
            perf = _measures(n, ab[idx], hb[idx], pi, targets.threshold_s, targets.sl_variant,
                             with_asa=with_asa)
            return _meets(perf, targets, n, ab[idx]), _margin(perf, targets, n, ab[idx])

        nb = _search(ab, hb, pb, targets, meets)
        agents[busy] = nb
        if frac is not None:
            frac[busy] = _fractional(nb, meets)
    n_all = agents.astype(np.float64)
    perf = _perf_with_zero_traffic(n_all, a1, h1, p1, targets.threshold_s, targets.sl_variant,
                                   with_asa=True)
    perf = Performance(perf.model, *(np.reshape(v, shape) for v in (
        perf.service_level, perf.asa_s, perf.p_wait, perf.p_abandon, perf.occupancy)))
    return Requirement(
        agents=agents.reshape(shape),
        fractional=None if frac is None else frac.reshape(shape),
        performance=perf,
    )


def _lower_bound(a: FloatArray, targets: Targets, erlang_c: bool) -> FloatArray:
    """Agents proven to fail (float, integral), from the formulas' necessary conditions."""
    lo = np.floor(a) if erlang_c else np.zeros(a.shape)
    if targets.max_occupancy is not None:
        lo = np.maximum(lo, np.ceil(a / targets.max_occupancy) - 1.0)
    if not erlang_c:
        # throughput n/AHT ≥ λ(1 − P(Ab)) ⇒ P(Ab) ≥ 1 − n/a, and SL_offered ≤ 1 − P(Ab) ≤ n/a
        if targets.max_abandon is not None:
            lo = np.maximum(lo, np.ceil(a * (1.0 - targets.max_abandon)) - 1.0)
        if targets.service_level is not None and targets.sl_variant == SLVariant.OFFERED:
            lo = np.maximum(lo, np.ceil(a * targets.service_level) - 1.0)
    return np.asarray(np.maximum(lo, 0.0), dtype=np.float64)


def _upper_guess(a: FloatArray, h: FloatArray, targets: Targets) -> FloatArray:
    """Erlang C sufficient staffing (C ≤ 1 bounds); a starting point for Erlang A too."""
    hi = np.floor(a) + 1.0
    # the C ≤ 1 bounds can be astronomically loose (T or ASA near 0): cap them, the
    # gallop in _search widens the bracket where the cap does not meet
    cap = np.floor(a + 6.0 * np.sqrt(a)) + 50.0
    if targets.service_level is not None and targets.threshold_s > 0:
        with np.errstate(over="ignore"):
            need = a + h * (math.log(1.0 / (1.0 - targets.service_level)) / targets.threshold_s)
        hi = np.maximum(hi, np.floor(np.minimum(need, cap)) + 1.0)
    elif targets.service_level is not None:
        hi = np.maximum(hi, np.floor(a + 3.0 * np.sqrt(a)) + 2.0)
    if targets.asa_s is not None:
        with np.errstate(over="ignore"):
            need = a + h / targets.asa_s
        hi = np.maximum(hi, np.floor(np.minimum(need, cap)) + 1.0)
    if targets.max_occupancy is not None:
        hi = np.maximum(hi, np.ceil(a / targets.max_occupancy) + (targets.max_occupancy == 1.0))
    return np.asarray(hi, dtype=np.float64)


def _search(a: FloatArray, h: FloatArray, p: FloatArray | None, targets: Targets,
            meets: Meets) -> IntArray:
    erlang_c = p is None
    lo = _lower_bound(a, targets, erlang_c)
    hi = np.maximum(_upper_guess(a, h, targets), lo + 1.0)
    g_lo = np.full(a.size, np.nan)  # margin at lo (NaN: lo is a bound, not evaluated)
    g_hi = np.full(a.size, np.nan)
    every = np.arange(a.size)
    todo = every
    # make sure hi meets: gallop upwards where it does not
    while todo.size:
        ok, g = meets(hi[todo], todo)
        g_hi[todo[ok]] = g[ok]
        bad = todo[~ok]
        g_lo[bad] = g[~ok]
        lo[bad] = hi[bad]
        hi[bad] = lo[bad] + np.maximum(2.0 * (hi[bad] - lo[bad]), 1.0 + np.ceil(np.sqrt(a[bad])))
        if bad.size and hi[bad].max() > _MAX_AGENTS:
            raise InfeasibleError(
                "no staffing up to 10 million agents meets the targets",
                explanation=[f"interval {int(bad[0])}: traffic {a[bad[0]]:g} Erlangs"],
                hint="relax the targets (a service level near 100 % or a tiny ASA)",
            )
        todo = bad
    x_lo = lo.copy()
    if erlang_c and targets.service_level is not None and targets.asa_s is None:
        # anchor below the root: at n = a, 1 − SL = C = 1
        seed = np.isnan(g_lo) & (lo <= a)
        x_lo[seed] = a[seed]
        g_lo[seed] = -math.log1p(-targets.service_level)
    # safeguarded regula falsi on integers: lo fails, hi meets; a step that lands on the
    # same side as the previous one is followed by a bisection step
    side = np.zeros(a.size, dtype=np.int8)
    active = np.flatnonzero(hi - lo > 1)
    while active.size:
        lo_a, hi_a, gl, gh, xl = lo[active], hi[active], g_lo[active], g_hi[active], x_lo[active]
        cand = np.floor((lo_a + hi_a) / 2.0)
        use = np.isfinite(gl) & np.isfinite(gh) & (gl > gh) & (side[active] != 2)
        if use.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                root = xl + gl * (hi_a - xl) / (gl - gh)
            cand = np.where(use, np.clip(np.ceil(root - 1e-9), lo_a + 1.0, hi_a - 1.0), cand)
        ok, g = meets(cand, active)
        new_side = np.where(ok, 1, -1).astype(np.int8)
        side[active] = np.where(new_side == side[active], 2, new_side)
        up, down = active[ok], active[~ok]
        hi[up], g_hi[up] = cand[ok], g[ok]
        lo[down], g_lo[down], x_lo[down] = cand[~ok], g[~ok], cand[~ok]
        active = active[hi[active] - lo[active] > 1]
    # explicit check, in one call: N must meet and N − 1 must fail (N − 1 = 0 fails by
    # definition: no agent answers a call). Walk if a measure were ever non-monotone.
    n = hi
    while True:
        below = n - 1.0
        pos = np.flatnonzero(below > 0)
        both, _ = meets(np.concatenate([n, below[pos]]), np.concatenate([every, pos]))
        ok_n, ok_below = both[: n.size], both[n.size :]
        if ok_n.all() and not ok_below.any():
            return n.astype(np.int64)
        n = n.copy()
        n[~ok_n] += 1.0
        down = pos[ok_below]
        down = down[ok_n[down]]
        n[down] -= 1.0


def _fractional(n: IntArray, meets: Meets) -> FloatArray:
    """Root of the continuous extension on (N−1, N] to 1e-9 agents (Illinois method).

    Regula falsi on the log-margin with the Illinois halving (Dowell & Jarratt 1971),
    bisection where a margin is not finite (e.g. Erlang C at n ≤ a). Returns the upper
    end of the final bracket, so the value meets the targets.
    """
    hi = n.astype(np.float64)
    lo = np.maximum(hi - 1.0, 0.0)
    every = np.arange(n.size)
    _, g_lo = meets(lo, every)
    _, g_hi = meets(hi, every)
    last = np.zeros(n.size, dtype=np.int8)
    for _ in range(200):
        act = np.flatnonzero(hi - lo > 1e-9)
        if not act.size:
            break
        lo_a, hi_a, gl, gh = lo[act], hi[act], g_lo[act], g_hi[act]
        mid = 0.5 * (lo_a + hi_a)
        use = np.isfinite(gl) & np.isfinite(gh) & (gl > gh)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = lo_a + gl * (hi_a - lo_a) / (gl - gh)
        inside = use & (x > lo_a) & (x < hi_a)
        x = np.where(inside, x, mid)
        ok, g = meets(x, act)
        up, down = act[ok], act[~ok]
        # Illinois: when the same end moves twice, halve the other end's margin
        g_lo[up[last[up] == 1]] *= 0.5
        g_hi[down[last[down] == -1]] *= 0.5
        hi[up], g_hi[up], last[up] = x[ok], g[ok], 1
        lo[down], g_lo[down], last[down] = x[~ok], g[~ok], -1
    return hi


def _scalar_required(a: float, h: float, targets: Targets) -> Requirement:
    """One interval, Erlang C, plain floats.

    Bracket ``lo`` (fails) / ``hi`` (meets) as in :func:`_search`, then a safeguarded
    regula falsi on the log-margin ``g(n) = max_k(log measure_k − log target_k)`` (≤ 0
    meets; near-linear in n, so 1–2 steps usually land on N), falling back to bisection
    when a side repeats. N is evaluated to meet; N − 1 is evaluated (or proven: n ≤ a)
    to fail.
    """
    t = targets.threshold_s
    s_target = targets.service_level

    def ok(n: float) -> tuple[bool, float, tuple[float, float, float, float]]:
        m = _scalar.c_measures(n, a, h, t)
        c, sl, asa, occ = m
        if n <= a:
            return False, math.inf, m
        good = True
        g = -math.inf
        if s_target is not None:
            good = sl >= s_target - TOLERANCE
            if c > 0.0:
                g = math.log(c) - (n - a) * t / h - math.log1p(-s_target)
        if targets.asa_s is not None:
            good = good and asa <= targets.asa_s * (1.0 + TOLERANCE)
            if asa > 0.0:
                g = max(g, math.log(asa / targets.asa_s))
        if targets.max_occupancy is not None:
            good = good and occ <= targets.max_occupancy * (1.0 + TOLERANCE)
            g = max(g, math.log(occ / targets.max_occupancy))
        return good, g, m

    if a == 0.0:
        c, sl, asa, occ = _scalar.c_measures(0.0, 0.0, h, t)
        n_req = 0
    else:
        lo = float(math.floor(a))
        hi = lo + 1.0
        if targets.max_occupancy is not None:
            lo = max(lo, math.ceil(a / targets.max_occupancy) - 1.0)
            hi = max(hi, math.ceil(a / targets.max_occupancy) + (targets.max_occupancy == 1.0))
        cap = math.floor(a + 6.0 * math.sqrt(a)) + 50.0
        if s_target is not None and t > 0:
            need = a + h * (math.log(1.0 / (1.0 - s_target)) / t)
            hi = max(hi, math.floor(min(need, cap)) + 1.0)
        elif s_target is not None:
            hi = max(hi, math.floor(a + 3.0 * math.sqrt(a)) + 2.0)
        if targets.asa_s is not None:
            hi = max(hi, math.floor(min(a + h / targets.asa_s, cap)) + 1.0)
        hi = max(hi, lo + 1.0)
        good, g_hi, m = ok(hi)
        lo_evaluated = lo <= a  # n <= a fails by definition
        while not good:
            lo, hi = hi, hi + max(2.0 * (hi - lo), 1.0 + math.ceil(math.sqrt(a)))
            lo_evaluated = True
            if hi > _MAX_AGENTS:
                raise InfeasibleError("no staffing up to 10 million agents meets the targets",
                                      hint="relax the targets")
            good, g_hi, m = ok(hi)
        # a point below the root for the first secant: at n = a, 1 − SL = C = 1
        x0, g0 = (a, -math.log1p(-s_target)) if (
            s_target is not None and targets.asa_s is None and lo <= a
        ) else (math.nan, math.nan)
        last_side = 0
        while hi - lo > 1:
            cand = float(math.floor((lo + hi) / 2))
            if math.isfinite(g0) and math.isfinite(g_hi) and g0 > g_hi and last_side != 2:
                root = x0 + g0 * (hi - x0) / (g0 - g_hi)
                cand = min(max(math.ceil(root - 1e-9), lo + 1.0), hi - 1.0)
            good_c, g_c, m_c = ok(cand)
            side = 1 if good_c else -1
            last_side = 2 if side == last_side else side
            if good_c:
                hi, g_hi, m = cand, g_c, m_c
            else:
                lo, x0, g0 = cand, cand, g_c
                lo_evaluated = True
        if not lo_evaluated and lo > 0:  # lo came from a bound, not an evaluation
            good_c, _, m_c = ok(lo)
            while good_c and lo > 0:  # never expected: a measure would be non-monotone
                hi, m = lo, m_c
                lo -= 1.0
                good_c, _, m_c = ok(lo) if lo > 0 else (False, 0.0, m_c)
        n_req = int(hi)
        c, sl, asa, occ = m
    perf = Performance("erlang_c", np.asarray(sl), np.asarray(asa), np.asarray(c),
                       np.asarray(0.0), np.asarray(occ))
    return Requirement(agents=np.asarray(n_req, dtype=np.int64), fractional=None, performance=perf)
