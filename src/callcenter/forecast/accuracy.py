"""Forecast accuracy measures (pure numpy).

All measures pool over the cells where both the actual and the forecast exist; a cell
where the centre was closed (NaN) is not an error of zero, it is simply not scored.

* WAPE  = Σ|ŷ − y| / Σ y                       (weighted absolute percentage error)
* bias  = Σ(ŷ − y) / Σ y                       (> 0: over-forecast)
* relative MAE = MAE(model) / MAE(seasonal naive) on the same cells
* MASE  = Σ|ŷ − y| / Σ_o n_o·q_o, q_o the mean in-sample |y(t) − y(t − 1 week)| of the
  training window of origin o (Hyndman & Koehler 2006, Int. J. Forecasting 22:679–688)
* within ±10 % = share of cells with y > 0 and |ŷ − y| ≤ 0.1·y
* P90 daily error = 90th percentile over days of |Ŷ_day − Y_day| / Y_day
* Poisson noise floor = Σ E|N − λ| / Σ λ, N ~ Poisson(λ): the WAPE a *perfect* rate
  forecast would still have because arrivals are random. E|N − λ| = 2λ·P(N = ⌊λ⌋)
  (the mean absolute deviation of the Poisson law; Johnson, Kemp & Kotz, *Univariate
  Discrete Distributions*, 3rd ed., eq. 4.22). λ is estimated by the actual counts
  (model-free) — the rate is unknown, so the floor is an estimate.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def _cells(forecast: np.ndarray, actual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(forecast, dtype=float)
    a = np.asarray(actual, dtype=float)
    m = ~np.isnan(f) & ~np.isnan(a)
    return f[m], a[m]


def wape(forecast: np.ndarray, actual: np.ndarray) -> float:
    """Σ|ŷ − y| / Σy over cells where both exist; NaN when Σy = 0."""
    f, a = _cells(forecast, actual)
    s = a.sum()
    return float(np.abs(f - a).sum() / s) if s > 0 else float("nan")


def bias(forecast: np.ndarray, actual: np.ndarray) -> float:
    """Σ(ŷ − y) / Σy (positive = over-forecast)."""
    f, a = _cells(forecast, actual)
    s = a.sum()
    return float((f - a).sum() / s) if s > 0 else float("nan")


def mae(forecast: np.ndarray, actual: np.ndarray) -> float:
    f, a = _cells(forecast, actual)
    return float(np.abs(f - a).mean()) if len(a) else float("nan")


def within(forecast: np.ndarray, actual: np.ndarray, tolerance: float = 0.10) -> float:
    """Share of cells with y > 0 whose forecast is within ±tolerance·y."""
    f, a = _cells(forecast, actual)
    m = a > 0
    if not m.any():
        return float("nan")
    return float(np.mean(np.abs(f[m] - a[m]) <= tolerance * a[m]))


def daily_abs_pct_errors(forecast: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """|Ŷ_day − Y_day| / Y_day for each day (row) with Y_day > 0, on jointly present cells."""
    f = np.asarray(forecast, dtype=float)
    a = np.asarray(actual, dtype=float)
    m = ~np.isnan(f) & ~np.isnan(a)
    fd = np.where(m, f, 0).sum(axis=1)
    ad = np.where(m, a, 0).sum(axis=1)
    ok = ad > 0
    return np.asarray(np.abs(fd[ok] - ad[ok]) / ad[ok], dtype=float)


def p90_daily_error(forecast: np.ndarray, actual: np.ndarray) -> float:
    e = daily_abs_pct_errors(forecast, actual)
    return float(np.percentile(e, 90)) if len(e) else float("nan")


def poisson_mad(rate: np.ndarray) -> np.ndarray:
    """E|N − λ| for N ~ Poisson(λ): 2λ·P(N = ⌊λ⌋) (0 at λ = 0)."""
    lam = np.clip(np.asarray(rate, dtype=float), 0, None)
    return np.asarray(2.0 * lam * stats.poisson.pmf(np.floor(lam), lam), dtype=float)


def poisson_floor(rate: np.ndarray) -> float:
    """Expected WAPE of a perfect rate forecast: Σ E|N − λ| / Σ λ."""
    lam = np.asarray(rate, dtype=float)
    lam = lam[~np.isnan(lam)]
    s = lam.sum()
    return float(poisson_mad(lam).sum() / s) if s > 0 else float("nan")


def seasonal_scale(history: np.ndarray) -> float:
    """Mean |y(d, s) − y(d − 7, s)| over a days × slots history (the MASE scale)."""
    h = np.asarray(history, dtype=float)
    if h.shape[0] <= 7:
        return float("nan")
    d = np.abs(h[7:] - h[:-7])
    return float(np.nanmean(d)) if np.any(~np.isnan(d)) else float("nan")


def peak_day_coefficient(daily_totals: np.ndarray) -> float:
    """忙日话务波动系数 = max daily count ÷ mean daily count (DOMAIN.md §1; target ≤ 1.5).

    Days that are NaN (closed) are left out; the mean is over open days.
    """
    t = np.asarray(daily_totals, dtype=float)
    t = t[~np.isnan(t)]
    if len(t) == 0 or t.mean() <= 0:
        return float("nan")
    return float(t.max() / t.mean())
