"""Rolling-origin backtests (时间序列滚动回测) and the accuracy tables.

For each origin o (every ``step_days`` days, from ``min_train_weeks`` after the first
day to the last day that leaves a full horizon), every model is fitted on the history
before o (each model keeps its own ``window_weeks`` training window) and forecasts the
``horizon_days`` days from o. The default protocol is the one of issue #6: weekly
origins, a 1-week horizon, a sliding training window of at most 26 weeks (the models'
``window_weeks``), origins over the whole series from the first one with 8 weeks of
history (enough for every baseline, incl. the 8-week historical average); every day
and every interval is scored, holidays included. Forecasts are compared with the
actuals on the cells where both exist (see :mod:`callcenter.forecast.accuracy`). Tashman (2000), "Out-of-sample
tests of forecasting accuracy", Int. J. Forecasting 16:437–450.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from callcenter.calendars import Calendar
from callcenter.errors import DataNotAvailable
from callcenter.forecast import accuracy as acc
from callcenter.forecast.baselines import Forecaster
from callcenter.forecast.series import SlotGrid

ModelFactory = Callable[[], Forecaster]


@dataclass(frozen=True)
class BacktestConfig:
    horizon_days: int = 7
    min_train_weeks: int = 8  # origins over the year: the first once 8 weeks are known
    step_days: int = 7
    max_origins: int | None = None  # evenly thinned subset (fast checks)


@dataclass
class BacktestResult:
    """Forecasts of every model at every origin, and the actuals."""

    minutes: int
    origins: list[date]
    actual: np.ndarray  # (origins, horizon, slots)
    forecasts: dict[str, np.ndarray] = field(default_factory=dict)
    fit_seconds: dict[str, list[float]] = field(default_factory=dict)
    scales: np.ndarray = field(default_factory=lambda: np.zeros(0))  # MASE scale per origin
    reference: str = "seasonal_naive"

    @property
    def horizon(self) -> int:
        return int(self.actual.shape[1])

    def target_days(self) -> np.ndarray:
        """The (origins × horizon) array of forecast dates."""
        return np.array([[o + timedelta(days=h) for h in range(self.horizon)] for o in self.origins])

    def metrics(self, name: str, mask: np.ndarray | None = None) -> dict[str, float]:
        """The accuracy measures of one model (optionally on a boolean (O, H) day mask)."""
        f = self.forecasts[name]
        a = self.actual
        if mask is not None:
            f = np.where(mask[..., None], f, np.nan)
            a = np.where(mask[..., None], a, np.nan)
        both = ~np.isnan(f) & ~np.isnan(a)
        out = {
            "wape": acc.wape(f, a),
            "bias": acc.bias(f, a),
            "within_10pct": acc.within(f, a),
            "p90_daily_error": acc.p90_daily_error(f.reshape(-1, f.shape[-1]), a.reshape(-1, a.shape[-1])),
            "coverage": float(both.sum() / max((~np.isnan(a)).sum(), 1)),
        }
        if self.reference in self.forecasts:
            r = self.forecasts[self.reference]
            m = both & ~np.isnan(r)
            ref_mae = np.abs(r - a)[m].mean() if m.any() else float("nan")
            out["rel_mae"] = float(np.abs(f - a)[m].mean() / ref_mae) if m.any() and ref_mae > 0 else float("nan")
        n_o = both.reshape(len(self.origins), -1).sum(axis=1)
        denom = float(np.nansum(n_o * self.scales))
        out["mase"] = float(np.abs(f - a)[both].sum() / denom) if denom > 0 else float("nan")
        sec = self.fit_seconds.get(name, [])
        out["fit_predict_s"] = float(np.median(sec)) if sec else float("nan")
        return out

    def noise_floor(self) -> float:
        """Poisson noise floor with λ = actual counts on the scored cells."""
        return acc.poisson_floor(self.actual)

    def summary(self) -> list[dict[str, Any]]:
        rows = []
        for name in self.forecasts:
            rows.append({"model": name, **self.metrics(name)})
        return rows

    def by_horizon(self, name: str) -> list[dict[str, Any]]:
        rows = []
        for h in range(self.horizon):
            m = np.zeros((len(self.origins), self.horizon), dtype=bool)
            m[:, h] = True
            r = self.metrics(name, m)
            rows.append({"horizon_day": h + 1, "wape": r["wape"], "bias": r["bias"]})
        return rows

    def by_weekday(self, name: str) -> list[dict[str, Any]]:
        days = self.target_days()
        wd = np.vectorize(lambda d: d.weekday())(days)
        rows = []
        for w in range(7):
            m = wd == w
            if not m.any() or np.all(np.isnan(self.actual[m])):
                continue
            r = self.metrics(name, m)
            rows.append({"weekday": w, "wape": r["wape"], "bias": r["bias"]})
        return rows

    def by_slot(self, name: str) -> list[dict[str, Any]]:
        f, a = self.forecasts[name], self.actual
        rows = []
        for s in range(a.shape[2]):
            if np.all(np.isnan(a[:, :, s])):
                continue
            minutes = s * self.minutes
            rows.append(
                {
                    "interval": f"{minutes // 60:02d}:{minutes % 60:02d}",
                    "wape": acc.wape(f[:, :, s], a[:, :, s]),
                    "bias": acc.bias(f[:, :, s], a[:, :, s]),
                    "mean_actual": float(np.nanmean(a[:, :, s])),
                }
            )
        return rows


def rolling_origins(grid: SlotGrid, cfg: BacktestConfig) -> list[date]:
    first = grid.first_day + timedelta(days=7 * cfg.min_train_weeks)
    last = grid.end_day - timedelta(days=cfg.horizon_days)
    out = []
    o = first
    while o <= last:
        out.append(o)
        o += timedelta(days=cfg.step_days)
    if cfg.max_origins and len(out) > cfg.max_origins:
        step = math.ceil(len(out) / cfg.max_origins)
        out = out[::-1][::step][::-1]
    return out


def backtest(
    grid: SlotGrid,
    models: dict[str, ModelFactory],
    *,
    calendar: Calendar | None = None,
    config: BacktestConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Run every model at every rolling origin; see the module docstring."""
    cfg = config or BacktestConfig()
    origins = rolling_origins(grid, cfg)
    if not origins:
        need = cfg.min_train_weeks * 7 + cfg.horizon_days
        raise DataNotAvailable(
            f"history of {grid.n_days} days is too short for a backtest ({need} days needed)",
            needs=["longer history"],
            hint="load more history or lower --min-train-weeks",
        )
    if calendar is not None:
        calendar.check_years({grid.first_day.year, grid.end_day.year})
    H = cfg.horizon_days
    actual = np.full((len(origins), H, grid.slots), np.nan)
    scales = np.zeros(len(origins))
    res = BacktestResult(grid.minutes, origins, actual)
    for name in models:
        res.forecasts[name] = np.full_like(actual, np.nan)
        res.fit_seconds[name] = []
    for k, o in enumerate(origins):
        hist = grid.window(grid.first_day, o)
        days: Sequence[date] = [o + timedelta(days=h) for h in range(H)]
        actual[k] = grid.window(o, o + timedelta(days=H)).values
        scales[k] = acc.seasonal_scale(hist.values[-7 * 26 :])
        for name, make in models.items():
            t0 = time.perf_counter()
            m = make().fit(hist, calendar)
            res.forecasts[name][k] = m.predict(days)
            res.fit_seconds[name].append(time.perf_counter() - t0)
        if progress:
            progress(k + 1, len(origins))
    res.scales = scales
    return res
