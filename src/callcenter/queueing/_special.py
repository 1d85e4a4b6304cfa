"""Log-space incomplete-gamma ratios that every Erlang formula reduces to.

Notation (all arguments are numpy arrays that broadcast together):

* ``f(s; a) = e^{-a} a^s / Γ(s+1)`` — the Poisson probability of ``s`` events at mean
  ``a``, continued to real ``s >= 0``;
* ``Q(s, a)`` / ``P(s, a)`` — the regularised upper / lower incomplete gamma functions
  (``scipy.special.gammaincc`` / ``gammainc``);
* ``T(s, a) = Q(s, a) / f(s; a)`` so that Erlang B is ``B(n, a) = 1 / (1 + T(n, a))``;
* ``S(x, y) = P(x, y) / f(x; y) = 1 + Σ_{j≥1} y^j / Π_{k=1..j}(x + k)`` — the
  Erlang-A queue sum of Mandelbaum & Zeltyn (2007), there written ``A(x, y)``.

The ratios are returned as logarithms so that nothing overflows for 100,000 agents or
50,000 Erlangs. Where scipy's incomplete gamma underflows (far tails) the ratio is taken
from the Legendre continued fraction (``T``) or the convergent series (``S``), both of
which converge fastest exactly there. The log Poisson density uses Loader's saddle-point
form (``stirlerr`` + ``bd0``), which keeps full relative accuracy for arguments ~1e6
where the naive ``-a + s log a - lgamma(s+1)`` loses 6 digits to cancellation.

References: C. Loader (2000), *Fast and accurate computation of binomial probabilities*;
W. H. Press et al., *Numerical Recipes*, 3rd ed., §6.2 (continued fraction for Γ(a, x));
A. Mandelbaum & S. Zeltyn (2007), *The M/M/n+G queue: summary of performance measures*.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]

_TINY = 1e-280  # below this, scipy's incomplete gamma is replaced by CF / series
_LN_2PI = float(np.log(2.0 * np.pi))
_EPS = 1e-17


def _stirlerr(s: FloatArray) -> FloatArray:
    """``lgamma(s+1) - (s+1/2) log s + s - log(2π)/2`` for ``s > 0`` (Stirling remainder).

    Asymptotic series above 15 (error < 1e-17), direct formula below.
    """
    big = np.maximum(s, 15.0)
    inv = 1.0 / big
    inv2 = inv * inv
    series = inv * (
        1.0 / 12.0
        - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 * (1.0 / 1680.0 - inv2 / 1188.0)))
    )
    if (s > 15.0).all():
        return series
    small = np.minimum(s, 15.0)
    direct = special.gammaln(small + 1.0) - (small + 0.5) * np.log(small) + small - 0.5 * _LN_2PI
    return np.where(s > 15.0, series, direct)


def log_poisson_density(s: FloatArray, a: FloatArray) -> FloatArray:
    """``log f(s; a) = -a + s log a - lgamma(s+1)`` for ``s >= 0``, ``a > 0``.

    Computed as ``-stirlerr(s) - bd0(s, a) - log(2πs)/2`` (Loader 2000), with the
    deviance ``bd0 = s log(s/a) + a - s = a[(1+d) log1p(d) - d]``, ``d = (s-a)/a``, whose
    absolute error is ~``a·|d|·ε`` instead of the ``a·ε`` of the naive sum; ``-a`` at s = 0.
    """
    s = np.asarray(s, dtype=np.float64)
    a = np.asarray(a, dtype=np.float64)
    d = (s - a) / a
    with np.errstate(divide="ignore", invalid="ignore"):
        bd0 = a * ((1.0 + d) * np.log1p(d) - d)
    pos = s > 0.0
    if pos.all():
        return np.asarray(-_stirlerr(s) - bd0 - 0.5 * (_LN_2PI + np.log(s)), dtype=np.float64)
    sp = np.where(pos, s, 1.0)
    body = -_stirlerr(sp) - np.where(pos, bd0, 0.0) - 0.5 * (_LN_2PI + np.log(sp))
    return np.asarray(np.where(pos, body, -a), dtype=np.float64)


def _log_cf_upper(s: FloatArray, a: FloatArray) -> FloatArray:
    """``log(Γ(s, a) e^a a^{-s})`` by the modified-Lentz continued fraction (a > s)."""
    fpmin = 1e-300
    b = a + 1.0 - s
    c = np.full_like(b, 1.0 / fpmin)
    d = 1.0 / b
    h = d.copy()
    active = np.ones(b.shape, dtype=bool)
    for i in range(1, 100_000):
        an = -i * (i - s)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < fpmin, fpmin, d)
        c = b + an / c
        c = np.where(np.abs(c) < fpmin, fpmin, c)
        d = 1.0 / d
        delta = d * c
        h = np.where(active, h * delta, h)
        active &= np.abs(delta - 1.0) > 1e-16
        if not active.any():
            break
    return np.asarray(np.log(h), dtype=np.float64)


def log_upper_ratio(s: FloatArray, a: FloatArray) -> FloatArray:
    """``log T(s, a) = log(Q(s, a) / f(s; a))`` for ``s > 0``, ``a > 0``.

    ``1 + T(n, a)`` is ``1 / ErlangB(n, a)`` (also for real n: the continuous extension
    ``1/B(x, a) = a ∫_0^∞ e^{-at}(1+t)^x dt``, Jagerman 1974).
    """
    s, a = np.broadcast_arrays(np.asarray(s, dtype=np.float64), np.asarray(a, dtype=np.float64))
    shape = s.shape
    s, a = s.ravel(), a.ravel()
    q = special.gammaincc(s, a)
    with np.errstate(divide="ignore"):
        out = np.log(q) - log_poisson_density(s, a)
    tail = q < _TINY
    if tail.any():
        st, at = s[tail], a[tail]
        out[tail] = np.log(st) + _log_cf_upper(st, at)
    return np.asarray(out, dtype=np.float64).reshape(shape)


def log_lower_ratio(x: FloatArray, y: FloatArray) -> FloatArray:
    """``log S(x, y) = log(P(x, y) / f(x; y))`` for ``x > 0``, ``y >= 0`` (``S(x, 0) = 1``)."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    shape = x.shape
    x, y = x.ravel(), y.ravel()
    out = np.zeros(x.shape, dtype=np.float64)
    pos = y > 0.0
    xp, yp = x[pos], y[pos]
    p = special.gammainc(xp, yp)
    with np.errstate(divide="ignore"):
        vals = np.log(p) - log_poisson_density(xp, yp)
    tail = p < _TINY
    if tail.any():
        xt, yt = xp[tail], yp[tail]
        total = np.ones_like(xt)
        term = np.ones_like(xt)
        k = 0
        active = np.ones(xt.shape, dtype=bool)
        while active.any():
            k += 1
            term = np.where(active, term * yt / (xt + k), 0.0)
            total = total + term
            active &= term > _EPS * total
        vals[tail] = np.log(total)
    out[pos] = vals
    return out.reshape(shape)


def log_lower_gamma(x: FloatArray, y: FloatArray) -> FloatArray:
    """``log P(x, y)`` without underflow (``-inf`` at y = 0)."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    shape = x.shape
    x, y = x.ravel(), y.ravel()
    out = np.full(x.shape, -np.inf)
    pos = y > 0.0
    out[pos] = log_lower_ratio(x[pos], y[pos]) + log_poisson_density(x[pos], y[pos])
    return out.reshape(shape)


def log_upper_gamma(s: FloatArray, a: FloatArray) -> FloatArray:
    """``log Q(s, a)`` without underflow, ``s > 0``, ``a > 0``."""
    s, a = np.broadcast_arrays(np.asarray(s, dtype=np.float64), np.asarray(a, dtype=np.float64))
    return log_upper_ratio(s, a) + log_poisson_density(s, a)
