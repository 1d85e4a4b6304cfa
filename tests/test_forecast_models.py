"""Baselines and the default model on small hand-made series with hand-worked answers."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from callcenter.calendars import Calendar, DayKind, SpecialDay, SpecialDays
from callcenter.errors import ModelError
from callcenter.forecast import (
    DailyTimesProfile,
    DayProfileModel,
    HistoricalAverage,
    SeasonalNaive,
    SlotGrid,
    forecast,
    make_model,
    model_names,
)
from callcenter.forecast.models import AutoModel, quantiles

MONDAY = date(2026, 3, 2)  # a Monday with no Chinese holiday nearby
F = np.array([1.2, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3])  # weekday factors, Monday first
P = np.array([0.0, 0.1, 0.4, 0.3, 0.2, 0.0])  # six 4-hour slots


def exact(weeks: int, level: float = 100.0, first: date = MONDAY) -> SlotGrid:
    n = 7 * weeks
    wd = np.array([(first + timedelta(days=i)).weekday() for i in range(n)])
    vals = level * F[wd][:, None] * P[None, :]
    vals[:, P == 0] = np.nan  # the centre is closed in those slots
    return SlotGrid(first, 240, vals)


def days_after(g: SlotGrid, n: int) -> list[date]:
    return [g.end_day + timedelta(days=i) for i in range(n)]


def test_seasonal_naive_copies_last_week_and_skips_missing_days() -> None:
    vals = np.arange(14 * 2, dtype=float).reshape(14, 2)
    vals[8] = np.nan  # the Tuesday of week 2 is missing
    g = SlotGrid(MONDAY, 720, vals)
    out = SeasonalNaive().fit(g).predict(days_after(g, 2))
    np.testing.assert_array_equal(out[0], vals[7])  # Monday <- last Monday
    np.testing.assert_array_equal(out[1], vals[1])  # Tuesday <- two weeks back


def test_historical_average_of_last_k_weeks() -> None:
    vals = np.zeros((21, 1))
    vals[[0, 7, 14], 0] = [10.0, 20.0, 60.0]  # three Mondays
    g = SlotGrid(MONDAY, 1440, vals)
    assert HistoricalAverage(2).fit(g).predict([g.end_day])[0, 0] == pytest.approx(40.0)
    assert HistoricalAverage(None).fit(g).predict([g.end_day])[0, 0] == pytest.approx(30.0)


def test_daily_times_profile_keeps_totals_and_shares() -> None:
    vals = np.zeros((14, 2))
    vals[0] = [30.0, 10.0]  # Monday week 1: total 40
    vals[7] = [10.0, 50.0]  # Monday week 2: total 60
    g = SlotGrid(MONDAY, 720, vals)
    out = DailyTimesProfile(2).fit(g).predict([g.end_day])[0]
    # total = mean(40, 60) = 50; profile = (40, 60)/100
    np.testing.assert_allclose(out, [20.0, 30.0])


def test_day_profile_reproduces_an_exact_multiplicative_series() -> None:
    g = exact(10)
    out = DayProfileModel().fit(g).predict(days_after(g, 7))
    expected = exact(11).values[-7:]
    np.testing.assert_allclose(out[:, P > 0], expected[:, P > 0], rtol=1e-9)
    assert np.all(np.isnan(out[:, P == 0]))  # slots never open stay closed


def test_weekday_never_open_is_forecast_closed() -> None:
    g = exact(8)
    g.values[g.weekdays == 6] = np.nan  # closed on Sundays
    for name in ("day_profile", "hist_avg_all", "seasonal_naive", "daily_x_profile_8w"):
        out = make_model(name).fit(g).predict(days_after(g, 7))
        assert np.all(np.isnan(out[6])), name
        assert np.all(np.nan_to_num(out[0]) >= 0), name


def test_declared_holiday_is_learned_and_makeup_day_is_a_workday() -> None:
    g = exact(12)
    hol = MONDAY + timedelta(days=7 * 5 + 2)  # a Wednesday in week 6
    g.values[g.day_index(hol)] = 100.0 * F[6] * P  # it behaved like a Sunday
    future_hol = g.end_day + timedelta(days=2)  # next Wednesday
    makeup = g.end_day + timedelta(days=5)  # next Saturday is a working day
    special = SpecialDays(
        [SpecialDay(hol, hol, DayKind.HOLIDAY), SpecialDay(future_hol, future_hol, DayKind.HOLIDAY),
         SpecialDay(makeup, makeup, DayKind.MAKEUP)]
    )
    cal = Calendar(None, special=special)
    out = DayProfileModel().fit(g, cal).predict(days_after(g, 7))
    # one learned holiday (ratio 1 to the rest weekday) shrunk toward prior 1: Sunday level
    assert np.nansum(out[2]) == pytest.approx(100.0 * F[6], rel=1e-6)
    # make-up Saturday = mean working-day factor (Mon–Fri, normalised by the mean of all)
    f_norm = F / F.mean()
    assert np.nansum(out[5]) == pytest.approx(100.0 * F.mean() * f_norm[:5].mean(), rel=1e-6)


def test_bill_day_factor_is_learned_with_shrinkage() -> None:
    g = exact(26)
    cal = Calendar(None)
    firsts = [d for d in g.dates if d.day <= 3 and cal.month_position(d)[0] == 1]
    for d in firsts:
        g.values[g.day_index(d)] *= 1.5
    m = DayProfileModel().fit(g, cal)
    n = len(firsts)
    # median ratio 1.5, shrunk in log space: 1.5^(n/(n+shrink))
    assert m.mfac["s1"] == pytest.approx(1.5 ** (n / (n + m.shrink)), rel=0.03)
    assert m.mfac["mid"] == pytest.approx(1.0, abs=0.02)
    assert m.level == pytest.approx(100.0 * F.mean(), rel=0.01)


def test_mid_month_pay_day_bin() -> None:
    g = exact(26)
    cal = Calendar(None)
    m = DayProfileModel(month_kernel_days=None).fit(g, cal)
    # March 2026: Sunday 15th is a rest day, Monday 16th the 1st working day from the 15th
    assert m._mpos(date(2026, 3, 16)) == "m1"
    assert m._mpos(date(2026, 3, 17)) == "m2"
    assert m._mpos(date(2026, 3, 18)) == "mid"
    no_mid = DayProfileModel(mid_month=False, month_kernel_days=None).fit(g, cal)
    assert no_mid._mpos(date(2026, 3, 16)) == "mid"
    # with the calendar-day kernel (default) only the month's edges keep their bins
    k = DayProfileModel().fit(g, cal)
    bins = [k._mpos(date(2026, 3, d)) for d in (2, 3, 4, 5, 16, 30, 31)]
    assert bins == ["s1", "s2", "s3", "mid", "mid", "e2", "e1"]


def test_calendar_day_cycle_is_learned_on_working_and_rest_days() -> None:
    """A smooth cycle over the calendar day of the month (peak on the 10th, ±15 %), on
    every day: the kernel factor g(d) follows it on working *and* rest days; the
    working-day-position bins alone cannot (rest days get no bin at all)."""
    g = exact(26)
    cal = Calendar(None)

    def cycle(d: date) -> float:
        return float(np.exp(0.15 * np.cos(2 * np.pi * (d.day - 10) / 30)))

    for d in g.dates:
        g.values[g.day_index(d)] *= cycle(d)
    days = [g.end_day + timedelta(days=i) for i in range(1, 31)]
    truth = np.array([100.0 * F[d.weekday()] * cycle(d) for d in days])
    rest = np.array([d.weekday() >= 5 for d in days])

    def errors(model: DayProfileModel) -> tuple[float, float]:
        e = np.abs(np.log(np.nansum(model.fit(g, cal).predict(days), axis=1) / truth))
        return float(e[~rest].mean()), float(e[rest].mean())

    work_k, rest_k = errors(DayProfileModel())
    work_b, rest_b = errors(DayProfileModel(month_kernel_days=None))
    assert work_k < 0.05 and rest_k < 0.06  # the cycle itself is ±0.15 in log
    assert work_k < work_b - 0.01
    assert rest_b > 0.09 and rest_k < rest_b / 2


def test_israeli_eve_is_measured_against_friday() -> None:
    """Erev chag keeps Friday hours: an eve with no history is forecast as a Friday."""
    first = date(1998, 11, 1)  # a Sunday; 26 weeks of Israeli-week data up to 2 May 1999
    n = 7 * 26
    wd = np.array([(first + timedelta(days=i)).weekday() for i in range(n)])
    fil = np.array([1.1, 1.0, 1.0, 0.9, 0.4, 0.2, 1.2])  # Mon … Sun; Fri/Sat light
    g = SlotGrid(first, 240, 100.0 * fil[wd][:, None] * P[None, :])
    cal = Calendar("IL", bridges=False)
    eves = [i for i, d in enumerate(g.dates) if cal.info(d).kind is DayKind.EVE]
    # Erev Pesach, eve of its seventh day, Remembrance Day (eve of Independence Day): Tue/Wed
    assert [g.dates[i] for i in eves] == [date(1999, 3, 31), date(1999, 4, 6), date(1999, 4, 20)]
    g.values[eves] = 100.0 * fil[4] * P  # they behaved exactly like a Friday
    eve = date(1999, 5, 20)  # Thursday, Erev Shavuot
    assert cal.info(eve).kind is DayKind.EVE
    fri, thu = date(1999, 5, 14), date(1999, 5, 13)
    out = DayProfileModel(month_effects=False).fit(g, cal).predict([eve, fri, thu])
    # measured against Friday the learned eve factor is 1: the eve is forecast as a Friday
    np.testing.assert_allclose(out[0], out[1], rtol=1e-9)
    # measured against its own weekday (Tue/Wed = 1.0): ratio 0.4, shrunk toward 1
    plain = DayProfileModel(month_effects=False, eve_weekday=None).fit(g, cal).predict([eve, thu])
    expect = 0.4 ** (3 / (3 + 1.0))  # n = 3 eves, shrink = 1, in log space
    assert np.nansum(plain[0]) == pytest.approx(np.nansum(plain[1]) * expect, rel=1e-6)


def test_rest_weekdays_keep_their_own_recent_shape() -> None:
    """Israel's Friday (morning hours) and Saturday (after nightfall) are not pooled, and
    their shape follows the recent weeks (opening hours move with sunset and DST)."""
    first = date(1998, 11, 1)  # a Sunday; 26 weeks up to 1 May 1999
    n = 7 * 26
    wd = np.array([(first + timedelta(days=i)).weekday() for i in range(n)])
    work = np.array([0.0, 0.2, 0.4, 0.3, 0.1, 0.0])
    fri = np.array([0.0, 0.5, 0.5, 0.0, 0.0, 0.0])
    sat_old = np.array([0.0, 0.0, 0.0, 0.0, 0.2, 0.8])
    sat_new = np.array([0.0, 0.0, 0.0, 0.0, 0.6, 0.4])  # the last 3 Saturdays open earlier
    vals = np.tile(100.0 * work, (n, 1))
    vals[wd == 4] = 40.0 * fri
    sats = np.nonzero(wd == 5)[0]
    vals[sats] = 20.0 * sat_old
    vals[sats[-3:]] = 20.0 * sat_new
    g = SlotGrid(first, 240, vals)
    cal = Calendar("IL", bridges=False)
    m = DayProfileModel(month_effects=False).fit(g, cal)
    regular = [i for i in sats if cal.info(g.dates[i]).kind is DayKind.NORMAL]
    age = (n - 1 - np.array(regular)) / 7.0
    w = 0.5 ** (age / m.rest_profile_half_life_weeks)
    shares = vals[regular] / vals[regular].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(m.profile[5], (w[:, None] * shares).sum(axis=0) / w.sum(), rtol=1e-9)
    assert m.profile[5][:4].sum() == 0.0  # no Friday-morning share leaks into Saturday
    np.testing.assert_allclose(m.profile[4], fri, atol=1e-12)
    slow = DayProfileModel(month_effects=False, rest_profile_half_life_weeks=8.0).fit(g, cal)
    assert abs(m.profile[5][4] - 0.6) < abs(slow.profile[5][4] - 0.6)
    assert m.rest_distinct
    # a weekend whose days share one shape (Chinese calendar: Saturday and Sunday) is pooled
    same = DayProfileModel(month_effects=False).fit(exact(26), Calendar("CN"))
    assert not same.rest_distinct
    np.testing.assert_allclose(same.profile[5], same.profile[6], atol=1e-12)


def test_user_factor_multiplies_the_forecast() -> None:
    g = exact(8)
    d = g.end_day + timedelta(days=1)
    cal = Calendar(None, special=SpecialDays([SpecialDay(d, d, DayKind.SPECIAL, "campaign", 1.3)]))
    base = DayProfileModel().fit(g, Calendar(None)).predict([d])
    up = DayProfileModel().fit(g, cal).predict([d])
    np.testing.assert_allclose(np.nansum(up), 1.3 * np.nansum(base))


def test_unfitted_model_and_unknown_name() -> None:
    with pytest.raises(ModelError):
        DayProfileModel().predict([MONDAY])
    with pytest.raises(ModelError):
        make_model("prophet")
    assert "day_profile" in model_names() and "auto" in model_names()


def test_auto_model_picks_the_lowest_backtest_wape_and_refits_it() -> None:
    rng = np.random.default_rng(3)
    g = exact(12, level=300.0)
    g.values = rng.poisson(np.nan_to_num(g.values)).astype(float)
    m = AutoModel(origins=3).fit(g)
    assert m.chosen == min(m.scores, key=lambda n: m.scores[n])
    days = days_after(g, 7)
    np.testing.assert_allclose(m.predict(days), make_model(m.chosen).fit(g).predict(days))


def test_forecast_has_intervals_that_contain_the_mean() -> None:
    rng = np.random.default_rng(7)
    g = exact(12, level=400.0)
    g.values = np.where(np.isnan(g.values), np.nan, rng.poisson(np.nan_to_num(g.values)))
    fc = forecast(g, days=7)
    ok = ~np.isnan(fc.mean)
    assert np.all(fc.lower[ok] <= fc.mean[ok] + 1) and np.all(fc.upper[ok] >= fc.mean[ok] - 1)
    t = fc.to_table()
    assert t.num_rows == 7 * int((P > 0).sum())
    assert set(t.column_names) == {"series_id", "interval_start", "forecast", "lower", "upper"}


def test_poisson_quantiles_match_scipy() -> None:
    lo, hi = quantiles(np.array([[4.0, np.nan]]), 0.0, [0.1, 0.9])
    assert lo[0, 0] == 2.0 and hi[0, 0] == 7.0  # Poisson(4): P(N ≤ 1) = 0.09, P(N ≤ 6) = 0.889
    assert np.isnan(lo[0, 1])


def test_forecast_into_an_uncovered_year_stops_before_work() -> None:
    from callcenter.calendars import CalendarGapError

    g = exact(8, first=date(2026, 11, 2))  # history ends 27 December 2026
    with pytest.raises(CalendarGapError, match="2027"):
        forecast(g, days=14, calendar=Calendar("CN"))
    with pytest.warns(UserWarning, match="estimated"):
        fc = forecast(g, days=14, calendar=Calendar("CN", gap_policy="estimate"))
    assert fc.days[-1].year == 2027
