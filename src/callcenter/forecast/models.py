"""Model registry, model choice by backtest, prediction intervals, forecast tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa
from scipy import stats

from callcenter.calendars import Calendar
from callcenter.errors import ModelError
from callcenter.forecast import accuracy as acc
from callcenter.forecast.backtest import BacktestConfig, backtest
from callcenter.forecast.baselines import (
    DailyTimesProfile,
    Forecaster,
    GridModel,
    HistoricalAverage,
    SeasonalNaive,
)
from callcenter.forecast.profile import DayProfileModel
from callcenter.forecast.series import SlotGrid

DEFAULT_MODEL = "day_profile"

_FACTORIES: dict[str, Callable[[int | None], Forecaster]] = {
    "seasonal_naive": lambda w: SeasonalNaive(window_weeks=w),
    "hist_avg_4w": lambda w: HistoricalAverage(4, window_weeks=w),
    "hist_avg_8w": lambda w: HistoricalAverage(8, window_weeks=w),
    "hist_avg_all": lambda w: HistoricalAverage(None, window_weeks=w),
    "daily_x_profile_8w": lambda w: DailyTimesProfile(8, window_weeks=w),
    "day_profile": lambda w: DayProfileModel(window_weeks=w),
}
BASELINES = ("seasonal_naive", "hist_avg_4w", "hist_avg_8w", "hist_avg_all", "daily_x_profile_8w")
SLOW_PEERS = ("mstl", "autoets", "autoarima")


def _slow(name: str, w: int | None) -> Forecaster:
    from callcenter.forecast.sfmodels import DailySFModel, MSTLModel

    if name == "mstl":
        return MSTLModel(window_weeks=w)
    return DailySFModel(name, window_weeks=w)


def model_names() -> list[str]:
    return [*_FACTORIES, *SLOW_PEERS, "auto"]


def make_model(name: str, *, window_weeks: int | None = 26) -> Forecaster:
    """A fresh model by registry name (``auto`` chooses by backtest at fit time)."""
    if name in _FACTORIES:
        return _FACTORIES[name](window_weeks)
    if name in SLOW_PEERS:
        return _slow(name, window_weeks)
    if name == "auto":
        return AutoModel(window_weeks=window_weeks)
    raise ModelError(f"unknown model {name!r}", hint="choose one of " + ", ".join(model_names()))


def factories(names: Sequence[str], window_weeks: int | None = 26) -> dict[str, Callable[[], Forecaster]]:
    def one(n: str) -> Callable[[], Forecaster]:
        return lambda: make_model(n, window_weeks=window_weeks)

    return {n: one(n) for n in names}


class AutoModel(GridModel):
    """Chooses among the fast candidates by a rolling-origin backtest on the history's
    last ``origins`` weeks (lowest WAPE), then refits the winner on the whole history."""

    name = "auto"

    def __init__(
        self,
        candidates: Sequence[str] = (DEFAULT_MODEL, *BASELINES),
        origins: int = 6,
        window_weeks: int | None = 26,
    ) -> None:
        super().__init__(window_weeks)
        self.candidates = tuple(candidates)
        self.origins = origins
        self.chosen: str = DEFAULT_MODEL
        self.scores: dict[str, float] = {}

    def fit(self, history: SlotGrid, calendar: Calendar | None = None) -> AutoModel:
        weeks = history.n_days // 7
        min_train = max(weeks - self.origins - 1, 1)
        if weeks - min_train >= 2:
            res = backtest(
                history,
                factories(self.candidates, self.window_weeks),
                calendar=calendar,
                config=BacktestConfig(min_train_weeks=min_train),
            )
            self.scores = {n: res.metrics(n)["wape"] for n in self.candidates}
            finite = {n: s for n, s in self.scores.items() if np.isfinite(s)}
            if finite:
                self.chosen = min(finite, key=lambda n: finite[n])
        self.model = make_model(self.chosen, window_weeks=self.window_weeks).fit(history, calendar)
        self.history = history
        self.calendar = calendar
        return self

    def predict(self, days: Sequence[date]) -> np.ndarray:
        return self.model.predict(days)


# ---------------------------------------------------------------- intervals


def dispersion(
    make: Callable[[], Forecaster], history: SlotGrid, calendar: Calendar | None, weeks: int = 8
) -> float:
    """Extra-Poisson dispersion φ of the day level, from in-sample one-week-ahead errors.

    For each of the last ``weeks`` weeks the model is refitted on the history before it
    and the daily totals are compared: φ = max(0, mean((Y − Ŷ)² − Ŷ) / Ŷ²) — the
    method-of-moments estimate of a gamma-mixed Poisson (negative binomial) day level,
    Var(Y) = μ + φμ². 0 when the history is too short.
    """
    ratios: list[float] = []
    end = history.end_day
    for k in range(weeks, 0, -1):
        o = end - timedelta(days=7 * k)
        if (o - history.first_day).days < 28:
            continue
        m = make()
        m.fit(history.window(history.first_day, o), calendar)
        days = [o + timedelta(days=i) for i in range(7)]
        f = m.predict(days)
        a = history.window(o, o + timedelta(days=7)).values
        both = ~np.isnan(f) & ~np.isnan(a)
        F = np.where(both, f, 0).sum(axis=1)
        A = np.where(both, a, 0).sum(axis=1)
        ok = F > 0
        ratios.extend((((A[ok] - F[ok]) ** 2 - F[ok]) / F[ok] ** 2).tolist())
    return max(0.0, float(np.mean(ratios))) if ratios else 0.0


def quantiles(mean: np.ndarray, phi: float, levels: Sequence[float]) -> list[np.ndarray]:
    """Quantiles of a negative binomial with mean μ and variance μ + φμ² (Poisson if φ = 0)."""
    mu = np.nan_to_num(np.clip(mean, 0, None))
    out = []
    for q in levels:
        if phi <= 1e-9:
            v = stats.poisson.ppf(q, mu)
        else:
            r = 1.0 / phi
            v = stats.nbinom.ppf(q, r, r / (r + np.where(mu > 0, mu, 1e-12)))
        v = np.where(mu > 0, v, 0.0).astype(float)
        v[np.isnan(mean)] = np.nan
        out.append(v)
    return out


# ---------------------------------------------------------------- forecast API


@dataclass
class Forecast:
    """A forecast with its intervals, as a day × slot grid plus metadata."""

    model: str
    days: list[date]
    minutes: int
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    phi: float
    series_id: str = "default"

    def daily_totals(self) -> np.ndarray:
        t = np.asarray(np.nansum(self.mean, axis=1), dtype=float)
        t[np.all(np.isnan(self.mean), axis=1)] = np.nan
        return t

    def to_table(self) -> pa.Table:
        """Long table: series_id, interval_start, forecast, lower, upper (open cells only)."""
        i, s = np.nonzero(~np.isnan(self.mean))
        starts = [datetime(self.days[a].year, self.days[a].month, self.days[a].day) + timedelta(minutes=self.minutes * int(b)) for a, b in zip(i, s, strict=True)]
        return pa.table(
            {
                "series_id": pa.array([self.series_id] * len(i), pa.string()),
                "interval_start": pa.array(starts, pa.timestamp("us")),
                "forecast": pa.array(self.mean[i, s], pa.float64()),
                "lower": pa.array(self.lower[i, s], pa.float64()),
                "upper": pa.array(self.upper[i, s], pa.float64()),
            }
        )

    def daily_table(self) -> pa.Table:
        t = self.daily_totals()
        return pa.table({"day": pa.array(self.days, pa.date32()), "forecast": pa.array(t, pa.float64())})


def forecast(
    history: SlotGrid,
    *,
    days: int = 14,
    model: str = DEFAULT_MODEL,
    calendar: Calendar | None = None,
    window_weeks: int | None = 26,
    level: float = 0.8,
) -> Forecast:
    """Fit ``model`` on the history and forecast the ``days`` days after it, with a
    central ``level`` prediction interval (negative binomial, see :func:`dispersion`)."""
    if days < 1:
        raise ModelError(f"horizon of {days} days", hint="ask for at least 1 day")
    if not 0 < level < 1:
        raise ModelError(f"interval level {level} is not in (0, 1)", hint="e.g. 0.8 for an 80 % interval")
    target = [history.end_day + timedelta(days=i) for i in range(days)]
    if calendar is not None:
        calendar.check_years({history.first_day.year} | {d.year for d in target})
    m = make_model(model, window_weeks=window_weeks).fit(history, calendar)
    mean = m.predict(target)
    chosen = m.chosen if isinstance(m, AutoModel) else model
    name = f"auto→{chosen}" if isinstance(m, AutoModel) else m.name
    # slow peers: Poisson-only intervals (refitting them 6 times would take minutes)
    phi = 0.0 if chosen in SLOW_PEERS else dispersion(
        lambda: make_model(chosen, window_weeks=window_weeks), history, calendar, weeks=6
    )
    lo, hi = quantiles(mean, phi, [(1 - level) / 2, (1 + level) / 2])
    return Forecast(name, target, history.minutes, mean, lo, hi, level, phi, history.series_id)


def next_month_peak_coefficient(
    history: SlotGrid, *, model: str = DEFAULT_MODEL, calendar: Calendar | None = None
) -> tuple[date, float]:
    """忙日话务波动系数 of the next calendar month: max ÷ mean of forecast daily totals.

    Returns (first day of that month, coefficient). DOMAIN.md §1, target ≤ 1.5.
    """
    end = history.end_day
    first = end if end.day == 1 else (end.replace(day=1) + timedelta(days=32)).replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    horizon = (nxt - end).days
    fc = forecast(history, days=horizon, model=model, calendar=calendar)
    totals = fc.daily_totals()[(first - end).days :]
    return first, acc.peak_day_coefficient(totals)
