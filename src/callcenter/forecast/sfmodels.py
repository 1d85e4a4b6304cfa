"""statsforecast models behind the same fit/predict protocol.

* ``mstl``       — MSTL (Bandara, Hyndman & Bergmeir 2021, arXiv:2107.13462) on the
  interval series itself, seasons = one open day and one open week of intervals, trend
  by AutoETS (statsforecast ``MSTL(trend_forecaster=AutoETS(model="ZZN"))``).
* ``autoets``    — AutoETS (Hyndman et al. 2002) on the *daily* totals, season = open
  days per week, × the intraday profile of :class:`DailyTimesProfile`.
* ``autoarima``  — AutoARIMA (Hyndman & Khandakar 2008) on the daily totals with
  calendar regressors (holiday, eve, bridge, after-holiday, make-up day, first three and
  last two working days of the month) × the same intraday profile.

Only open days (weekdays observed in the window) and active intervals enter the
series; a missing open day is filled with the same slot one week earlier (or the
weekday mean) so the seasonal period stays intact. These models take seconds to
minutes; they are peers for the backtest, not the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from callcenter.calendars import DayKind
from callcenter.errors import ModelError
from callcenter.forecast.baselines import DailyTimesProfile, GridModel

_KINDS = (DayKind.HOLIDAY, DayKind.EVE, DayKind.BRIDGE, DayKind.AFTER, DayKind.MAKEUP)


def _open_days(start: date, end: date, open_wd: set[int]) -> list[date]:
    out, d = [], start
    while d < end:
        if d.weekday() in open_wd:
            out.append(d)
        d += timedelta(days=1)
    return out


class _SFBase(GridModel):
    def _filled(self) -> tuple[list[date], np.ndarray]:
        """Open days of the window and their active-slot values with holes filled."""
        h = self.history
        assert h is not None
        days = _open_days(h.first_day, h.end_day, self.open_weekdays)
        vals = np.array([h.values[h.day_index(d)][self.active] for d in days])
        for i, d in enumerate(days):
            row = vals[i]
            if np.all(np.isnan(row)):
                same = [j for j in range(len(days)) if days[j].weekday() == d.weekday() and not np.all(np.isnan(vals[j]))]
                prev = [j for j in same if j < i]
                src = prev[-1] if prev else (same[0] if same else None)
                vals[i] = vals[src] if src is not None else 0.0
            vals[i] = np.nan_to_num(vals[i])
        return days, vals

    def _steps(self, days: Sequence[date]) -> tuple[list[date], int]:
        h = self.history
        assert h is not None
        if min(days) < h.end_day:
            raise ModelError("statsforecast models forecast only after the history", hint="ask for days after the last history day")
        fut = _open_days(h.end_day, max(days) + timedelta(days=1), self.open_weekdays)
        return fut, len(fut)


class MSTLModel(_SFBase):
    name = "mstl"

    def _fit(self) -> None:
        self._days, vals = self._filled()
        self.y = vals.reshape(-1)

    def predict(self, days: Sequence[date]) -> np.ndarray:
        from statsforecast.models import MSTL, AutoETS

        self._check(days)
        fut, n = self._steps(days)
        k = int(self.active.sum())
        per_week = k * len(self.open_weekdays)
        seasons = [k, per_week] if len(self.y) >= 2 * per_week else [k]
        model = MSTL(season_length=seasons, trend_forecaster=AutoETS(model="ZZN"))
        fc = model.forecast(y=self.y.astype(float), h=n * k)["mean"].reshape(n, k)
        return _place(self, days, fut, np.clip(fc, 0, None))


class DailySFModel(_SFBase):
    """statsforecast model on daily totals × intraday profile."""

    def __init__(self, kind: str = "autoets", window_weeks: int | None = 26, profile_weeks: int = 8) -> None:
        super().__init__(window_weeks)
        if kind not in ("autoets", "autoarima"):
            raise ModelError(f"unknown daily model {kind!r}", hint="autoets or autoarima")
        self.kind = kind
        self.name = kind
        self.profile_weeks = profile_weeks

    def _fit(self) -> None:
        self._days, vals = self._filled()
        self.totals = vals.sum(axis=1)
        assert self.history is not None
        self.prof = DailyTimesProfile(self.profile_weeks, self.window_weeks)
        self.prof.fit(self.history, self.calendar)

    def _x(self, days: Sequence[date]) -> np.ndarray:
        if self.calendar is None:
            return np.zeros((len(days), 0))
        cols = []
        infos = self.calendar.infos(days)
        for k in _KINDS:
            cols.append([1.0 if i.kind is k else 0.0 for i in infos])
        pos = [self.calendar.month_position(d) for d in days]
        for j in (1, 2, 3):
            cols.append([1.0 if p[0] == j else 0.0 for p in pos])
        for j in (1, 2):
            cols.append([1.0 if p[1] == j else 0.0 for p in pos])
        return np.array(cols, dtype=float).T

    def predict(self, days: Sequence[date]) -> np.ndarray:
        from statsforecast.models import AutoARIMA, AutoETS

        self._check(days)
        fut, n = self._steps(days)
        season = max(len(self.open_weekdays), 1)
        y = self.totals.astype(float)
        if self.kind == "autoets":
            fc = AutoETS(season_length=season, model="ZZZ").forecast(y=y, h=n)["mean"]
        else:
            X = self._x(self._days)
            Xf = self._x(fut)
            keep = X.std(axis=0) > 0  # regressors seen in the window only
            if keep.any():
                fc = AutoARIMA(season_length=season).forecast(y=y, h=n, X=X[:, keep], X_future=Xf[:, keep])["mean"]
            else:
                fc = AutoARIMA(season_length=season).forecast(y=y, h=n)["mean"]
        fc = np.clip(fc, 0, None)
        prof = self.prof.profile
        rows = np.array([fc[i] * prof[d.weekday()][self.active] for i, d in enumerate(fut)])
        return _place(self, days, fut, rows)


def _place(model: GridModel, days: Sequence[date], fut: list[date], rows: np.ndarray) -> np.ndarray:
    h = model.history
    assert h is not None
    out = np.full((len(days), h.slots), np.nan)
    pos = {d: i for i, d in enumerate(fut)}
    for i, d in enumerate(days):
        if d in pos:
            out[i, model.active] = rows[pos[d]]
    return out
