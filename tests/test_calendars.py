"""Calendars: Chinese holidays with 调休 make-up days, gaps, other countries, user files."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

import pytest

from callcenter.calendars import (
    Calendar,
    CalendarGapError,
    DayKind,
    china_from_holidays,
    china_year,
    load_special_days,
)
from callcenter.errors import ConfigError


def test_2026_makeup_saturday_and_sunday_are_working_days() -> None:
    cal = Calendar("CN")
    # State Council notice for 2026: Sat 14 Feb and Sun 4 Jan are 调休 working days
    for d in (date(2026, 2, 14), date(2026, 1, 4), date(2026, 2, 28), date(2026, 9, 20)):
        info = cal.info(d)
        assert d.weekday() >= 5
        assert info.kind is DayKind.MAKEUP
        assert not info.rest_day
        assert not cal.is_rest_day(d)


def test_2026_spring_festival_and_national_day() -> None:
    cal = Calendar("CN")
    assert cal.info(date(2026, 2, 17)).kind is DayKind.HOLIDAY
    assert cal.info(date(2026, 10, 1)).kind is DayKind.HOLIDAY
    assert cal.info(date(2026, 10, 7)).kind is DayKind.HOLIDAY  # day off in lieu
    assert cal.info(date(2026, 9, 30)).kind is DayKind.EVE
    assert cal.info(date(2026, 10, 8)).kind is DayKind.AFTER  # Thursday after the golden week
    assert cal.info(date(2026, 3, 11)).kind is DayKind.NORMAL


def test_chinesecalendar_and_holidays_china_agree_on_2026() -> None:
    hol_cc, work_cc, src = china_year(2026)
    assert src == "chinesecalendar"
    hol_h, work_h = china_from_holidays(2026)
    assert work_h == work_cc
    assert date(2026, 2, 14) in work_h
    # every day of 2026: rest day (weekend or holiday, unless 调休) is the same in both
    for i in range(365):
        d = date(2026, 1, 1) + timedelta(days=i)
        rest_cc = d not in work_cc and (d in hol_cc or d.weekday() >= 5)
        rest_h = d not in work_h and (d in hol_h or d.weekday() >= 5)
        assert rest_cc == rest_h, d


def test_year_without_official_schedule_is_an_explicit_gap() -> None:
    cal = Calendar("CN")
    with pytest.raises(CalendarGapError) as e:
        cal.check_years([2026, 2027])
    assert "2027" in e.value.message and "declared_years" in e.value.message


def test_gap_estimate_policy_warns_and_has_no_makeup_days() -> None:
    cal = Calendar("CN", gap_policy="estimate")
    with pytest.warns(UserWarning, match="estimated"):
        info = cal.info(date(2027, 10, 1))
    assert info.kind is DayKind.HOLIDAY
    assert cal.warnings and "2027" in cal.warnings[0]


def test_declared_year_closes_the_gap(tmp_path: Path) -> None:
    f = tmp_path / "special.yaml"
    f.write_text(
        "declared_years: [2027]\n"
        "special_days:\n"
        "  - {start: 2027-10-01, end: 2027-10-07, kind: holiday, label: 国庆节}\n"
        "  - {date: 2027-09-26, kind: makeup, label: 调休}\n",
        encoding="utf-8",
    )
    cal = Calendar("CN", special=load_special_days(f))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cal.info(date(2027, 10, 3)).kind is DayKind.HOLIDAY
        assert cal.info(date(2027, 9, 26)).kind is DayKind.MAKEUP  # a Sunday
        assert not cal.is_rest_day(date(2027, 9, 26))
        assert cal.info(date(2027, 9, 30)).kind is DayKind.EVE
        assert cal.info(date(2027, 3, 3)).kind is DayKind.NORMAL


def test_israel_weekend_is_friday_saturday_and_holidays() -> None:
    cal = Calendar("IL")
    assert cal.weekend == (4, 5)
    assert cal.is_rest_day(date(1999, 1, 1))  # Friday
    assert not cal.is_rest_day(date(1999, 1, 3))  # Sunday is a working day
    assert cal.info(date(1999, 9, 20)).kind is DayKind.HOLIDAY  # Yom Kippur
    assert cal.info(date(1999, 3, 31)).kind is DayKind.EVE  # Erev Pesach
    assert cal.info(date(1999, 4, 4)).kind is DayKind.BRIDGE  # chol hamoed
    # the last day of chol hamoed is also the eve of the Seventh day of Pesach: an eve
    assert cal.info(date(1999, 4, 6)).kind is DayKind.EVE
    assert cal.info(date(1999, 4, 6)).label == "eve of Seventh day of Pesach"


def test_eve_of_a_holiday_on_a_weekend_day_is_still_an_eve() -> None:
    cal = Calendar("IL")
    # Shavuot 1999 fell on Friday 21 May: Thursday 20 May was Erev Shavuot
    assert cal.info(date(1999, 5, 21)).kind is DayKind.HOLIDAY
    assert cal.info(date(1999, 5, 20)).kind is DayKind.EVE
    # Rosh Hashanah on Saturday 11 September: its eve is a Friday, already a rest day
    assert cal.info(date(1999, 9, 10)).kind is DayKind.NORMAL
    assert cal.is_rest_day(date(1999, 9, 10))


def test_nyse_calendar_keeps_columbus_day_open() -> None:
    assert Calendar("US").info(date(2003, 10, 13)).kind is DayKind.HOLIDAY
    assert Calendar("NYSE").info(date(2003, 10, 13)).kind is not DayKind.HOLIDAY
    assert Calendar("NYSE").info(date(2003, 9, 2)).kind is DayKind.AFTER  # after Labor Day


def test_month_position_counts_working_days() -> None:
    cal = Calendar("CN")
    # March 2026: 1st is a Sunday, so Monday 2nd is working day 1; Tue 31st is the last
    assert cal.month_position(date(2026, 3, 2)) == (1, 22)
    assert cal.month_position(date(2026, 3, 31)) == (22, 1)
    assert cal.month_position(date(2026, 3, 1)) == (0, 0)
    # October 2026: the golden week pushes working day 1 to Thursday 8th; Sat 10th is 调休
    assert cal.month_position(date(2026, 10, 8))[0] == 1
    assert cal.month_position(date(2026, 10, 10))[0] == 3


def test_special_days_csv_with_campaign_factor(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("start,end,kind,label,factor\n2026-03-10,2026-03-12,campaign,促销,1.3\n", encoding="utf-8")
    cal = Calendar("CN", special=load_special_days(f))
    info = cal.info(date(2026, 3, 11))
    assert info.kind is DayKind.SPECIAL and info.factor == 1.3 and info.label == "促销"
    assert cal.info(date(2026, 3, 13)).kind is DayKind.NORMAL


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("date,kind\n2026-13-01,special\n", ":2"),
        ("date,kind\n2026-03-01,party\n", "unknown kind"),
        ("date,kind,factor\n2026-03-01,special,-1\n", "positive"),
        ("start,end\n2026-03-05,2026-03-01\n", "before start"),
        ("kind\nspecial\n", "missing 'date'"),
    ],
)
def test_bad_special_days_say_where(tmp_path: Path, content: str, needle: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_special_days(f)
    assert needle in e.value.message


def test_unknown_country_and_policy() -> None:
    with pytest.raises(ConfigError):
        Calendar("XX")
    with pytest.raises(ConfigError):
        Calendar("CN", gap_policy="ignore")


def test_no_country_has_only_weekends() -> None:
    cal = Calendar(None)
    d = date(2026, 10, 1)
    assert cal.info(d).kind is DayKind.NORMAL
    assert cal.is_rest_day(d + timedelta(days=2))  # Saturday


def test_years_before_chinesecalendar_come_from_holidays_china() -> None:
    cal = Calendar("CN")
    assert cal.info(date(2002, 9, 28)).kind is DayKind.MAKEUP  # Saturday before the 2002 golden week
    assert cal.info(date(2002, 10, 1)).kind is DayKind.HOLIDAY
