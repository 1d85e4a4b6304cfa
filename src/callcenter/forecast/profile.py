"""The default model: calendar-aware day level × weekday factor × intraday profile.

For a target day d with weekday w and calendar kind k (see :mod:`callcenter.calendars`)

    ŷ(d, s) = L · f(w) · m(d) · c(k, w) · u(d) · p(k, w, s)

* L — the *level*: exponentially weighted mean of de-seasonalised daily totals
  T(d')/f(w(d')) over the regular days of the training window, weight 0.5^(age/h)
  with half-life h (``half_life_days``; Brown's simple exponential smoothing with a
  robust filter: days whose ratio to their weekday median is outside ``outlier`` are
  left out — unlabelled outages, strikes, one-off events).
* f(w) — weekday factor: median over complete weeks of T(d)/mean of that week's
  regular days.
* m(d) — month-position factor, m(d) = b(d) · g(d), applied to every day but holidays.
  b(d) is the bill-day (month-start / month-end) factor of a working day's position
  among the month's working days, in bins (see ``_mpos``): the median ratio of actual
  to the centred local level × f in the window, shrunk in log space toward 1 with
  weights n : ``shrink``. g(d) (``month_kernel_days``, the default) is a smooth factor
  of the *calendar* day of the month: a Nadaraya–Watson (Gaussian kernel) regression
  of the log ratio actual / (local level × f × b) of the window's regular days —
  working and rest days — on the day of the month, with bandwidth ``month_kernel_days``
  days and the distance taken round the turn of the month (the 31st is one day from
  the next 1st), shrunk toward 0 like a bin (kernel weight sum : ``shrink``) and
  centred to a zero mean over the days of a year. Pay days and bills fall on calendar
  dates, not on working-day positions: the Anonymous Bank 1999 working days run
  10–20 % above the mean of the working days within ±14 days on the 9th–11th and
  5–15 % below it from the 17th to the 29th, which working-day bins such as
  "6th–10th working day" average away; and the light rest days follow the same cycle. With the kernel, the bins keep only the month's edges,
  where the working-day position matters (the backlog after the turn of the month):
  1st, 2nd, 3rd working day, last, second-to-last, and one bin for the rest. With
  ``month_kernel_days=None`` g = 1 and the bins are finer: 1st, 2nd, 3rd, 4th–5th,
  6th–10th working day, last, second-to-last, 3rd–5th from the end, the 1st and 2nd
  working day from the 15th (mid-month pay day; ``mid_month``), and the rest.
  Level and month factors are
  estimated alternately (three passes) so that bill days do not inflate the level.
* c(k, w) — special-day factor for holidays, eves, bridge days and declared special
  days, learned from every such day in the history (not only the window) as the median
  ratio of actual to the normal forecast of that weekday (for holidays: of the lightest,
  rest weekday; for the first working day after a holiday: of the first working weekday
  after the weekend, whose level and profile a day after a break resembles; for holiday
  eves in Israel: of Friday, since an eve (ערב חג) keeps Friday hours — ``eve_weekday``),
  shrunk in log space toward the neutral prior 1 with weights n : ``shrink``. A holiday
  that never appears in the history while some were missing from it is forecast closed
  (NaN). Make-up working days (调休) use the mean working-day factor and profile.
* u(d) — a user-declared factor (campaign) when the special-days file gives one.
* p(k, w, s) — intraday profile: total- and recency-weighted mean share of slot s over
  the last ``profile_weeks`` regular days of weekday w (weight 0.5^(age/h), h =
  ``profile_half_life_weeks``: the shape drifts slowly). A working weekday's profile is
  shrunk toward the pooled profile of all working weekdays with weight
  ``profile_shrink`` days: p = (n·p_w + λ·p_pool)/(n + λ), n the sum of the recency
  weights; a rest weekday's toward the pooled rest-day profile, when the rest weekdays
  share a shape (their whole-window profiles differ by at most ``rest_shape_tolerance``
  in L1, e.g. a Chinese weekend). When they do not — Israel's Friday (bank hours in the
  morning) and Saturday (open after nightfall: hours that move with sunset and daylight
  saving time) — each keeps its own shape, unpooled, with the shorter half-life
  ``rest_profile_half_life_weeks``. Special days use their own observed shares shrunk toward the
  rest-day (holiday) or weekday (others) profile.

Reference for the structure: the "daily volume × intraday profile" approach of
Brown et al. (2005), JASA 100(469):36–50, §6 (arrival rates as a day-level total times
a stable intraday profile), and Weinberg, Brown & Stroud (2007), JASA 102:1185–1198.
The model is closed form: fit + predict of a 26-week half-hourly history takes
milliseconds (see docs/benchmarks/forecast.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from callcenter.calendars import DayInfo, DayKind
from callcenter.forecast.baselines import GridModel

_EVE_WEEKDAY = {"IL": 4}
_PRIORS = {DayKind.HOLIDAY: 1.0, DayKind.EVE: 1.0, DayKind.BRIDGE: 1.0, DayKind.AFTER: 1.0, DayKind.SPECIAL: 1.0}


class DayProfileModel(GridModel):
    """Calendar-aware day level × weekday × bill-day × special-day factors × profile."""

    name = "day_profile"

    def __init__(
        self,
        *,
        window_weeks: int | None = 26,
        half_life_days: float = 7.0,
        profile_weeks: int = 26,
        profile_shrink: float = 2.0,
        month_effects: bool = True,
        shrink: float = 1.0,
        outlier: tuple[float, float] = (0.6, 1.6),
        weekday_weeks: int | None = None,
        special_history_weeks: int | None = 104,
        eve_weekday: int | str | None = "auto",
        mid_month: bool = True,
        profile_half_life_weeks: float | None = 8.0,
        rest_profile_half_life_weeks: float | None = 2.0,
        rest_shape_tolerance: float = 0.5,
        month_kernel_days: float | None = 1.5,
    ) -> None:
        super().__init__(window_weeks)
        self.half_life_days = half_life_days
        self.profile_weeks = profile_weeks
        self.profile_shrink = profile_shrink
        self.month_effects = month_effects
        self.shrink = shrink
        self.outlier = outlier
        self.weekday_weeks = weekday_weeks
        self.special_history_weeks = special_history_weeks
        self.eve_weekday = eve_weekday
        self.mid_month = mid_month
        self.profile_half_life_weeks = profile_half_life_weeks
        self.rest_profile_half_life_weeks = rest_profile_half_life_weeks
        self.rest_shape_tolerance = rest_shape_tolerance
        self.month_kernel_days = month_kernel_days

    # ------------------------------------------------------------------ helpers
    def _infos(self, days: Sequence[date]) -> list[DayInfo]:
        if self.calendar is None:
            return [DayInfo(d, DayKind.NORMAL) for d in days]
        return self.calendar.infos(days)

    def _mpos(self, d: date) -> str | None:
        """Bill-day bin of a working day: ``s1``–``s3`` (1st–3rd working day of the month),
        ``e1``/``e2`` (last, second-to-last), and ``mid`` (the rest); without the
        calendar-day kernel (``month_kernel_days=None``) also ``s4`` (4th–5th), ``s6``
        (6th–10th), ``e3`` (3rd–5th from the end) and ``m1``/``m2`` (``mid_month``).
        None for rest days / no calendar."""
        if self.calendar is None or not self.month_effects:
            return None
        ks, ke = self.calendar.month_position(d)
        if ks == 0:
            return None
        if ks <= 3:
            return f"s{ks}"
        if ke <= 2:
            return f"e{ke}"
        if self.month_kernel_days:
            return "mid"  # the calendar-day factor g(d) models the rest of the month
        if ks <= 5:
            return "s4"
        if ks <= 10:
            return "s6"
        if ke <= 5:
            return "e3"
        if self.mid_month and d.day >= 15:  # mid-month pay day: 1st/2nd working day from the 15th
            k = sum(1 for i in range(15, d.day + 1) if not self.calendar.is_rest_day(d.replace(day=i)))
            if k <= 2:
                return f"m{k}"
        return "mid"

    # ------------------------------------------------------------------ fit
    def _fit(self) -> None:
        full = self.full_history
        if self.special_history_weeks:
            start = full.end_day - timedelta(days=7 * self.special_history_weeks)
            full = full.window(start, full.end_day)
        self._spec_hist = full
        h = self.history
        assert h is not None
        n = h.n_days
        vals = np.nan_to_num(h.values)
        tot = h.daily_totals()
        obs = h.observed_days() & (np.nan_to_num(tot) > 0)
        wd = h.weekdays
        infos = self._infos(h.dates)
        normal = np.array([i.kind is DayKind.NORMAL for i in infos]) & obs
        # robust filter: ratio to the weekday median
        med = np.full(7, np.nan)
        for w in range(7):
            m = normal & (wd == w)
            if m.any():
                med[w] = np.median(tot[m])
        with np.errstate(invalid="ignore", divide="ignore"):
            r = tot / med[wd]
        regular = normal & (r >= self.outlier[0]) & (r <= self.outlier[1])
        if not regular.any():
            regular = normal if normal.any() else obs
        self.open_weekdays_regular = sorted(set(wd[regular].tolist()))
        # weekday factors from complete weeks
        week = (np.arange(n) - (n % 7)) // 7  # weeks aligned to the end of history
        present = set(wd[regular].tolist())
        ratios: dict[int, list[float]] = {w: [] for w in range(7)}
        for k in np.unique(week):
            m = (week == k) & regular
            if set(wd[m].tolist()) != present:
                continue
            mean = tot[m].mean()
            for i in np.nonzero(m)[0]:
                ratios[int(wd[i])].append(tot[i] / mean)
        f = np.full(7, np.nan)
        for w in present:
            if ratios[w]:
                f[w] = float(np.median(ratios[w][-self.weekday_weeks :] if self.weekday_weeks else ratios[w]))
            else:  # no complete week: weekday mean over overall mean
                f[w] = tot[regular & (wd == w)].mean() / tot[regular].mean()
        fmean = np.nanmean(f[list(present)])
        f = f / fmean
        self.f = f
        # level (exponentially weighted de-seasonalised totals) and bill-day factors,
        # alternated: bill days must not inflate the level and vice versa
        gi = np.nonzero(regular)[0]
        self._des_days = gi
        age = (n - 1 - gi).astype(float)
        wts = 0.5 ** (age / self.half_life_days)
        keys = [self._mpos(d) if normal[i] else None for i, d in enumerate(h.dates)]
        mult = np.ones(n)
        self.mfac: dict[str, float] = {}
        self._kpos = np.zeros((0, 2))
        self._klog = np.zeros(0)
        self._kmean = 0.0
        dom = self._day_of_month(h.dates)
        for _ in range(3):
            self._des = tot[gi] / (f[wd[gi]] * mult[gi])
            self.level = float(np.sum(wts * self._des) / np.sum(wts))
            if not any(keys):
                break
            local = self._local_level(np.arange(n))
            groups: dict[str, list[float]] = {}
            for i in np.nonzero(normal)[0]:
                key = keys[i]
                if key is not None and not np.isnan(f[wd[i]]):
                    groups.setdefault(key, []).append(tot[i] / (local[i] * f[wd[i]]))
            self.mfac = {
                key: float(np.exp(len(rs) * np.log(np.median(rs)) / (len(rs) + self.shrink)))
                for key, rs in groups.items()
            }
            mult = np.array([self.mfac.get(k, 1.0) if k else 1.0 for k in keys])
            if self.month_kernel_days:
                # calendar-day factor from the regular days' residual ratios after the bins
                sel = gi[~np.isnan(f[wd[gi]])]
                rho = tot[sel] / (local[sel] * f[wd[sel]] * mult[sel])
                self._kpos = dom[sel]
                self._klog = np.log(rho)
                self._kmean = 0.0
                self._kmean = float(self._kernel_log(_YEAR_DOM).mean())
                mult = mult * np.where(normal, np.exp(self._kernel_log(dom)), 1.0)
        self._des = tot[gi] / (f[wd[gi]] * mult[gi])
        self.level = float(np.sum(wts * self._des) / np.sum(wts))
        # workday / rest-day groups
        rest_wd = set(self.calendar.weekend) if self.calendar else set()
        work = [w for w in present if w not in rest_wd]
        rest = [w for w in present if w in rest_wd]
        self.f_work = float(np.mean(f[work])) if work else 1.0
        self.rest_weekday = min(present, key=lambda w: f[w])
        # the first working weekday after the weekend (Monday; Sunday in Israel)
        self.first_workday = (max(rest_wd) + 1) % 7 if rest_wd else 0
        # the weekday a holiday eve resembles: in Israel every eve (ערב חג) keeps
        # Friday hours, so eves are measured against Friday; elsewhere their own weekday
        ev = self.eve_weekday
        if ev == "auto":
            ev = _EVE_WEEKDAY.get(self.calendar.country or "") if self.calendar else None
        self.eve_base = int(ev) if ev is not None and not np.isnan(f[int(ev)]) else None
        # profiles

        def pooled(ws: list[int]) -> np.ndarray:
            m = regular & np.isin(wd, ws)
            if not m.any():
                m = regular
            return np.asarray(vals[m].sum(axis=0) / max(tot[m].sum(), 1e-12), dtype=float)

        pool_work = pooled(work or list(present))
        pool_rest = pooled(rest) if rest else pool_work
        self.pool_work = pool_work
        # rest weekdays that share a shape (a Chinese weekend) are pooled; those that do
        # not (Israel's Friday, bank hours in the morning, and Saturday, open after
        # nightfall: hours that move with sunset and DST) keep their own recent shape
        own = {w: pooled([w]) for w in rest}
        self.rest_distinct = any(
            float(np.abs(own[a] - own[b]).sum()) > self.rest_shape_tolerance for a in rest for b in rest if a < b
        )
        self.profile = np.zeros((7, h.slots))
        for w in range(7):
            idx = np.nonzero(regular & (wd == w))[0][-self.profile_weeks :]
            apart = w in rest_wd and self.rest_distinct
            base = own[w] if apart else pool_rest if w in rest_wd else pool_work
            hl = self.rest_profile_half_life_weeks if apart else self.profile_half_life_weeks
            if len(idx) == 0:
                self.profile[w] = base
                continue
            if hl:
                rw = 0.5 ** ((n - 1 - idx) / (7.0 * hl))
                pw = (vals[idx] * rw[:, None]).sum(axis=0) / (tot[idx] * rw).sum()
                k = float(rw.sum())
            else:
                pw = vals[idx].sum(axis=0) / tot[idx].sum()
                k = len(idx)
            lam = 0.0 if apart else self.profile_shrink
            self.profile[w] = (k * pw + lam * base) / (k + lam)
        # special-day factors and profiles from the longer history
        self._fit_special()

    @staticmethod
    def _day_of_month(days: Sequence[date]) -> np.ndarray:
        """(days since the 1st, days until the next month's 1st) of each day, shape (n, 2)."""
        out = np.empty((len(days), 2))
        for j, d in enumerate(days):
            nxt = (d.replace(day=1) + timedelta(days=32)).replace(day=1)
            out[j] = d.day - 1, (nxt - d).days
        return out

    def _kernel_log(self, pos: np.ndarray) -> np.ndarray:
        """log g at day-of-month positions ``pos`` (see ``_day_of_month``): the kernel-weighted
        mean log residual, shrunk toward 0 and centred; the distance between two days of
        the month is the shorter way round the turn of the month."""
        if not self.month_kernel_days or len(self._klog) == 0 or len(pos) == 0:
            return np.zeros(len(pos))
        s, e = pos[:, :1], pos[:, 1:]
        ks, ke = self._kpos[:, 0][None, :], self._kpos[:, 1][None, :]
        dist = np.minimum(np.abs(s - ks), np.minimum(s + ke, ks + e))
        k = np.exp(-0.5 * (dist / self.month_kernel_days) ** 2)
        return np.asarray(k @ self._klog / (k.sum(axis=1) + self.shrink) - self._kmean, dtype=float)

    def _month_factor(self, d: date) -> float:
        """m(d) = bill-day bin factor × calendar-day factor (not for holidays)."""
        m = self.mfac.get(self._mpos(d) or "", 1.0)
        if self.month_kernel_days and len(self._klog):
            m *= float(np.exp(self._kernel_log(self._day_of_month([d]))[0]))
        return m

    def _local_level(self, idx: np.ndarray) -> np.ndarray:
        """Centred level around each day: mean of de-seasonalised regular totals within ±7 days."""
        gi, des = self._des_days, self._des
        out = np.empty(len(idx))
        for j, i in enumerate(idx):
            m = np.abs(gi - i) <= 7
            out[j] = des[m].mean() if m.any() else self.level
        return out

    def _fit_special(self) -> None:
        self.cfac: dict[DayKind, float] = {}
        self.cprof: dict[DayKind, np.ndarray] = {}
        self._cnt: dict[DayKind, int] = {}
        self._holiday_seen = [0, 0]
        if self.calendar is None:
            return
        sh = self._spec_hist
        assert self.history is not None
        offset = (sh.first_day - self.history.first_day).days
        vals = np.nan_to_num(sh.values)
        tot = sh.daily_totals()
        obs = sh.observed_days()
        infos = self._infos(sh.dates)
        gi_all = self._des_days
        ratios: dict[DayKind, list[float]] = {}
        shares: dict[DayKind, list[np.ndarray]] = {}
        weights: dict[DayKind, list[float]] = {}
        self._holiday_seen = [0, 0]  # holidays observed, holidays missing from the data
        for i, info in enumerate(infos):
            if info.kind is DayKind.HOLIDAY and not info.factor:
                self._holiday_seen[0 if obs[i] else 1] += 1
            if info.kind in (DayKind.NORMAL, DayKind.MAKEUP) or not obs[i] or info.factor:
                continue
            w = sh.dates[i].weekday()
            j = i + offset  # index in the training window coordinates
            m = np.abs(gi_all - j) <= 10
            loc = self._des[m].mean() if m.any() else self.level
            fw = self._base_f(info.kind, w)
            if info.kind is not DayKind.HOLIDAY:
                fw *= self._month_factor(sh.dates[i])
            if loc > 0 and fw > 0:
                ratios.setdefault(info.kind, []).append(tot[i] / (loc * fw))
            if tot[i] > 0:
                shares.setdefault(info.kind, []).append(vals[i] / tot[i])
                weights.setdefault(info.kind, []).append(tot[i])
        for kind in (DayKind.HOLIDAY, DayKind.EVE, DayKind.BRIDGE, DayKind.AFTER, DayKind.SPECIAL):
            rs = ratios.get(kind, [])
            if rs:
                self.cfac[kind] = float(np.median(rs))
            if kind in shares:
                sw = np.array(weights[kind])
                self.cprof[kind] = (np.array(shares[kind]) * sw[:, None]).sum(axis=0) / sw.sum()
        self._cnt = {k: len(v) for k, v in ratios.items()}

    # ------------------------------------------------------------------ predict
    def _base_f(self, kind: DayKind, w: int) -> float:
        """Weekday factor a special day is measured against: holidays against the
        lightest (rest) weekday, everything else against its own weekday."""
        if kind is DayKind.HOLIDAY:
            return float(self.f[self.rest_weekday])
        if kind is DayKind.AFTER and not np.isnan(self.f[self.first_workday]):
            return float(self.f[self.first_workday])
        if kind is DayKind.EVE and self.eve_base is not None:
            return float(self.f[self.eve_base])
        return float(self.f[w]) if not np.isnan(self.f[w]) else self.f_work

    def _special_factor(self, kind: DayKind, w: int) -> float:
        prior = _PRIORS.get(kind, 1.0)
        n = self._cnt.get(kind, 0)
        if n == 0:
            return float(prior)
        learned = self.cfac[kind]
        return float(np.exp((n * np.log(max(learned, 1e-6)) + self.shrink * np.log(prior)) / (n + self.shrink)))

    def _special_profile(self, kind: DayKind, w: int) -> np.ndarray:
        if kind is DayKind.HOLIDAY:
            base = self.profile[self.rest_weekday]
        elif kind is DayKind.AFTER and not np.isnan(self.f[self.first_workday]):
            base = self.profile[self.first_workday]
        elif kind is DayKind.EVE and self.eve_base is not None:
            base = self.profile[self.eve_base]
        else:
            base = self.profile[w]
        n = self._cnt.get(kind, 0)
        if kind not in self.cprof or n == 0:
            return np.asarray(base, dtype=float)
        p = (n * self.cprof[kind] + self.profile_shrink * base) / (n + self.profile_shrink)
        return np.asarray(p / max(p.sum(), 1e-12) * base.sum(), dtype=float)

    def predict(self, days: Sequence[date]) -> np.ndarray:
        h = self._check(days)
        out = np.zeros((len(days), h.slots))
        closed = np.zeros(len(days), dtype=bool)
        for i, info in enumerate(self._infos(days)):
            w = info.day.weekday()
            fw = self.f[w]
            prof = self.profile[w]
            if info.kind is DayKind.MAKEUP:
                fw, prof = self.f_work, self.pool_work
            if (
                info.kind is DayKind.HOLIDAY
                and info.factor is None
                and self._holiday_seen[0] == 0
                and self._holiday_seen[1] > 0
            ):
                closed[i] = True  # holidays are absent from the history: the centre closes
                continue
            if np.isnan(fw) and info.kind is not DayKind.MAKEUP:
                if info.kind is DayKind.NORMAL or info.kind is DayKind.HOLIDAY:
                    closed[i] = True  # a weekday the centre never opens
                    continue
                fw = self.f_work
            if info.kind in (DayKind.HOLIDAY, DayKind.AFTER, DayKind.EVE):
                fw = self._base_f(info.kind, w)
            y = self.level * fw
            if info.kind is not DayKind.HOLIDAY:
                y *= self._month_factor(info.day)
            if info.kind not in (DayKind.NORMAL, DayKind.MAKEUP) and info.factor is None:
                y *= self._special_factor(info.kind, w)
                prof = self._special_profile(info.kind, w)
            if info.factor is not None:
                y *= info.factor
            out[i] = y * prof
        out[closed] = np.nan
        out[:, ~self.active] = np.nan
        return out


# (day of month, days to the next 1st) of every day of a common year, for centring g(d)
_YEAR_DOM = DayProfileModel._day_of_month(
    [date(2001, 1, 1) + timedelta(days=i) for i in range(365)]
)
