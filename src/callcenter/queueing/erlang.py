"""Erlang B and Erlang C (M/M/n) — blocking, waiting, service level, ASA, queue, occupancy.

Units: ``traffic`` is the offered load in Erlangs, ``a = calls × AHT / interval length``
(:func:`traffic_erlangs`); ``agents`` is the number of agents answering (``n``); times
(``aht_s``, ``threshold_s``) are seconds. Every function takes numpy arrays (or scalars)
that broadcast together and returns a float64 array, so a whole month of intervals is one
call. ``agents`` may be real: the formulas then give the standard continuous extension
(Jagerman 1974), used for fractional staffing requirements.

Formulas (A. K. Erlang 1917; Gross & Harris, *Fundamentals of Queueing Theory*, §2.3;
Koole, *Call Center Optimization*, 2013, ch. 4):

* Erlang B   ``B(n, a) = (a^n/n!) / Σ_{k=0..n} a^k/k! = 1 / (1 + T(n, a))``
* Erlang C   ``C(n, a) = B / (1 - (a/n)(1 - B)) = 1 / (1 + (1 - a/n) T(n, a))`` for n > a,
  and 1 (every caller waits, the queue grows without bound) for n ≤ a
* service level ``P(W ≤ t) = 1 - C · exp(-(n - a) t / AHT)`` (0 for n ≤ a, a > 0)
* ASA        ``E[W] = C · AHT / (n - a)`` (∞ for n ≤ a)
* mean queue ``L_q = C · a / (n - a)`` (∞ for n ≤ a)
* occupancy  ``a / n`` (1 for n ≤ a)

with ``T(n, a) = Q(n, a) / f(n; a)`` evaluated in log space (:mod:`._special`), so 1 to
100,000 agents and up to 50,000 Erlangs neither overflow nor lose accuracy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

from callcenter.errors import ModelError
from callcenter.queueing._special import FloatArray, log_upper_ratio

ArrayLike = npt.ArrayLike

__all__ = [
    "erlang_b",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_occupancy",
    "erlang_c_queue_length",
    "erlang_c_service_level",
    "traffic_erlangs",
]


def as_float(value: ArrayLike, name: str, *, positive: bool = False) -> FloatArray:
    """``value`` as a float64 array, refusing NaN, infinities and negatives.

    Raises :class:`~callcenter.errors.ModelError` naming the argument and the first bad
    position, with what to do.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ModelError(f"{name} must be numeric: {e}", where=name) from None
    bad = ~np.isfinite(arr) | (arr <= 0 if positive else arr < 0)
    if bad.any():
        idx = np.argwhere(bad)[0]
        where = f"{name}[{', '.join(str(int(i)) for i in idx)}]" if arr.ndim else name
        bound = "> 0" if positive else ">= 0"
        raise ModelError(
            f"{name} must be finite and {bound}, got {arr[tuple(idx)]!r}",
            where=where,
            hint=f"check the input; {name} is {_UNITS.get(name, 'a number')}",
        )
    return arr


_UNITS = {
    "traffic": "offered load in Erlangs (calls × AHT ÷ interval length)",
    "agents": "agents on the phones",
    "aht_s": "average handle time in seconds",
    "threshold_s": "the service-level threshold in seconds",
    "patience_s": "mean caller patience in seconds",
    "calls": "calls offered in the interval",
    "interval_s": "interval length in seconds",
}


def _broadcast(*arrays: FloatArray) -> list[FloatArray]:
    try:
        return [np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(*arrays)]
    except ValueError as e:
        raise ModelError(f"arguments have incompatible shapes: {e}") from None


def traffic_erlangs(calls: ArrayLike, aht_s: ArrayLike, interval_s: ArrayLike) -> FloatArray:
    """Offered load ``a = calls × AHT / interval`` in Erlangs (dimensionless).

    Example: 100 calls in 30 min (1,800 s) at AHT 180 s → 10 Erlangs.
    """
    c = as_float(calls, "calls")
    h = as_float(aht_s, "aht_s", positive=True)
    t = as_float(interval_s, "interval_s", positive=True)
    return np.asarray(c * h / t, dtype=np.float64)


def _log_t(n: FloatArray, a: FloatArray) -> FloatArray:
    """log T(n, a) where n > 0 and a > 0; elsewhere filled with +inf (B = 0)."""
    out = np.full(n.shape, np.inf)
    ok = (n > 0) & (a > 0)
    if ok.all():
        return log_upper_ratio(n, a)
    out[ok] = log_upper_ratio(n[ok], a[ok])
    return out


def erlang_b(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Erlang B blocking probability of M/M/n/n (lost calls cleared).

    ``B(n, a) = (a^n / n!) / Σ_{k=0}^{n} a^k / k!``; computed as ``1 / (1 + T(n, a))``
    with ``T = Q(n, a)/f(n; a)`` in log space. Limits: ``B(0, a) = 1``, ``B(n, 0) = 0``.
    Reference: Erlang (1917); Jagerman (1974) for real ``n``.
    """
    n, a = _broadcast(as_float(agents, "agents"), as_float(traffic, "traffic"))
    out = np.asarray(special.expit(-_log_t(n, a)), dtype=np.float64)
    out[n == 0] = 1.0
    return out


def _erlang_c_core(n: FloatArray, a: FloatArray) -> FloatArray:
    """C(n, a) on validated, broadcast arrays; 1 where n <= a (a > 0), 0 where a == 0."""
    out = np.ones(n.shape)
    stable = n > a
    out[a == 0] = 0.0
    sel = stable & (a > 0)
    if sel.any():
        ns, as_ = n[sel], a[sel]
        log_x = np.log(ns - as_) - np.log(ns) + _log_t(ns, as_)
        out[sel] = special.expit(-log_x)
    return out


def erlang_c(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Erlang C probability that a caller waits, ``P(W > 0)`` in M/M/n.

    ``C(n, a) = B / (1 - ρ(1 - B))`` with ``ρ = a/n``, evaluated as
    ``1 / (1 + (1 - ρ) T(n, a))`` (no cancellation near ``n = a``). For ``n ≤ a`` the
    system has no steady state and every caller waits: the limit 1 is returned.
    """
    n, a = _broadcast(as_float(agents, "agents"), as_float(traffic, "traffic"))
    return _erlang_c_core(n, a)


def erlang_c_service_level(
    agents: ArrayLike, traffic: ArrayLike, aht_s: ArrayLike, threshold_s: ArrayLike
) -> FloatArray:
    """Erlang C service level ``P(W ≤ t) = 1 - C(n, a) e^{-(n-a) t / AHT}`` (fraction).

    Answered within ``t`` seconds ÷ offered (in M/M/n every caller is answered).
    0 when ``n ≤ a`` (unstable queue) and ``a > 0``; 1 when ``a = 0``.
    """
    n, a, h, t = _broadcast(
        as_float(agents, "agents"),
        as_float(traffic, "traffic"),
        as_float(aht_s, "aht_s", positive=True),
        as_float(threshold_s, "threshold_s"),
    )
    c = _erlang_c_core(n, a)
    out = np.zeros(n.shape)
    stable = (n > a) | (a == 0)
    out[stable] = 1.0 - c[stable] * np.exp(-(n[stable] - a[stable]) * t[stable] / h[stable])
    return out


def erlang_c_asa(agents: ArrayLike, traffic: ArrayLike, aht_s: ArrayLike) -> FloatArray:
    """Erlang C average speed of answer ``E[W] = C(n, a) · AHT / (n - a)`` in seconds.

    Mean wait over all calls (those answered at once count 0 s). ∞ for ``n ≤ a``.
    """
    n, a, h = _broadcast(
        as_float(agents, "agents"), as_float(traffic, "traffic"), as_float(aht_s, "aht_s", positive=True)
    )
    c = _erlang_c_core(n, a)
    out = np.full(n.shape, np.inf)
    stable = n > a
    out[stable] = c[stable] * h[stable] / (n[stable] - a[stable])
    out[a == 0] = 0.0
    return out


def erlang_c_queue_length(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Erlang C mean number of callers waiting ``L_q = C(n, a) · a / (n - a)``; ∞ for n ≤ a."""
    n, a = _broadcast(as_float(agents, "agents"), as_float(traffic, "traffic"))
    c = _erlang_c_core(n, a)
    out = np.full(n.shape, np.inf)
    stable = n > a
    out[stable] = c[stable] * a[stable] / (n[stable] - a[stable])
    out[a == 0] = 0.0
    return out


def erlang_c_occupancy(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Agent occupancy in M/M/n: ``a / n`` (fraction of time busy), capped at 1 for n ≤ a.

    ``n = 0`` with ``a = 0`` gives 0 (nobody is there to be busy).
    """
    n, a = _broadcast(as_float(agents, "agents"), as_float(traffic, "traffic"))
    out = np.ones(n.shape)
    stable = n > a
    out[stable] = a[stable] / n[stable]
    out[a == 0] = 0.0
    return out
