"""The fit/predict protocol and the baseline models that are always computed.

Every model takes a :class:`~callcenter.forecast.series.SlotGrid` of history (and an
optional :class:`~callcenter.calendars.Calendar`) in ``fit`` and returns, from
``predict(days)``, an array ``(len(days), slots)`` of expected values per interval —
NaN where the centre is not expected to be open (a slot or weekday never observed in
the training window).

Baselines (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
§5.2 "simple forecasting methods"):

* :class:`SeasonalNaive` — ŷ(d, s) = y(d − 7k, s) for the smallest k ≥ 1 whose day was
  observed (same slot last week).
* :class:`HistoricalAverage` — ŷ(d, s) = mean of y(d', s) over the last ``weeks``
  observed days d' with the same weekday (all days in the window when ``weeks`` is None).
* :class:`DailyTimesProfile` — daily total = mean of the last ``weeks`` same-weekday
  totals; intraday profile = total-weighted mean share of each slot on those days.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol, runtime_checkable

import numpy as np

from callcenter.calendars import Calendar
from callcenter.errors import DataNotAvailable, ModelError
from callcenter.forecast.series import SlotGrid

_EPOCH = date(1970, 1, 1)


def weekday_of(days: Sequence[date]) -> np.ndarray:
    return np.array([d.weekday() for d in days], dtype=int)


@runtime_checkable
class Forecaster(Protocol):
    """One fit/predict protocol for every model."""

    name: str

    def fit(self, history: SlotGrid, calendar: Calendar | None = None) -> Forecaster: ...

    def predict(self, days: Sequence[date]) -> np.ndarray: ...


class GridModel(ABC):
    """Shared plumbing: training window, opening pattern, checks."""

    name = "base"

    def __init__(self, window_weeks: int | None = 26) -> None:
        self.window_weeks = window_weeks
        self.history: SlotGrid | None = None
        self.calendar: Calendar | None = None

    def fit(self, history: SlotGrid, calendar: Calendar | None = None) -> GridModel:
        if history.n_days == 0 or not history.observed_days().any():
            raise DataNotAvailable("the history is empty", needs=["history rows"])
        full = history
        if self.window_weeks:
            start = history.end_day - timedelta(days=7 * self.window_weeks)
            history = history.window(start, history.end_day)
        if not history.observed_days().any():
            raise DataNotAvailable("no observed day in the training window", needs=["recent history"])
        self.full_history = full
        self.history = history
        self.calendar = calendar
        self.active = history.active_slots()
        obs = history.observed_days()
        self.open_weekdays = set(history.weekdays[obs].tolist())
        self._fit()
        return self

    def _fit(self) -> None:  # noqa: B027 - optional hook: models with nothing to learn skip it
        """Learn from ``self.history`` after fit() has set it up (optional)."""

    def _check(self, days: Sequence[date]) -> SlotGrid:
        if self.history is None:
            raise ModelError(f"model {self.name} is not fitted", hint="call fit() first")
        return self.history

    def _mask(self, days: Sequence[date], out: np.ndarray) -> np.ndarray:
        """NaN outside the opening pattern (inactive slots, never-observed weekdays)."""
        out[:, ~self.active] = np.nan
        for i, d in enumerate(days):
            if d.weekday() not in self.open_weekdays:
                out[i] = np.nan
        return out

    @abstractmethod
    def predict(self, days: Sequence[date]) -> np.ndarray:
        """Forecast per (day, slot) for ``days``; every model defines it."""


def _same_weekday_days(h: SlotGrid, weekday: int, k: int | None) -> np.ndarray:
    idx = np.nonzero((h.weekdays == weekday) & h.observed_days())[0]
    return idx[-k:] if k else idx


class SeasonalNaive(GridModel):
    """Same slot, same weekday, last observed week (seasonal period 7 days)."""

    name = "seasonal_naive"

    def predict(self, days: Sequence[date]) -> np.ndarray:
        h = self._check(days)
        hv = self.full_history
        obs = hv.observed_days()
        out = np.full((len(days), h.slots), np.nan)
        for i, d in enumerate(days):
            j = hv.day_index(d) - 7
            while j >= hv.n_days:
                j -= 7
            while j >= 0 and not obs[j]:
                j -= 7
            if j >= 0:
                out[i] = hv.values[j]
        return self._mask(days, out)


class HistoricalAverage(GridModel):
    """Mean of the same weekday and slot over the last ``weeks`` weeks (None: whole window)."""

    def __init__(self, weeks: int | None = None, window_weeks: int | None = 26) -> None:
        super().__init__(window_weeks)
        self.weeks = weeks
        self.name = f"hist_avg_{weeks}w" if weeks else "hist_avg_all"

    def _fit(self) -> None:
        h = self.history
        assert h is not None
        self.mean = np.full((7, h.slots), np.nan)
        for w in range(7):
            idx = _same_weekday_days(h, w, self.weeks)
            if len(idx):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # slot unseen on those days
                    self.mean[w] = np.nanmean(h.values[idx], axis=0)

    def predict(self, days: Sequence[date]) -> np.ndarray:
        self._check(days)
        out = np.array([self.mean[d.weekday()] for d in days], dtype=float)
        return self._mask(days, np.nan_to_num(out, nan=0.0))


class DailyTimesProfile(GridModel):
    """Daily total (mean of the last ``weeks`` same-weekday totals) × intraday profile.

    profile(w, s) = Σ_d y(d, s) / Σ_d T(d) over the same days, so the profile sums to 1
    over the active slots and the forecast keeps the daily total.
    """

    def __init__(self, weeks: int = 8, window_weeks: int | None = 26) -> None:
        super().__init__(window_weeks)
        self.weeks = weeks
        self.name = f"daily_x_profile_{weeks}w"

    def _fit(self) -> None:
        h = self.history
        assert h is not None
        self.total = np.full(7, np.nan)
        self.profile = np.zeros((7, h.slots))
        vals = np.nan_to_num(h.values)
        tot = vals.sum(axis=1)
        for w in range(7):
            idx = _same_weekday_days(h, w, self.weeks)
            if len(idx):
                self.total[w] = tot[idx].mean()
                s = tot[idx].sum()
                self.profile[w] = vals[idx].sum(axis=0) / s if s > 0 else 0.0

    def predict(self, days: Sequence[date]) -> np.ndarray:
        self._check(days)
        out = np.array([self.total[d.weekday()] * self.profile[d.weekday()] for d in days])
        return self._mask(days, np.nan_to_num(out, nan=0.0))
