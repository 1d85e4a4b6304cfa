"""Shift templates: expansion, paid time, breaks, midnight crossing, YAML."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callcenter.errors import ConfigError
from callcenter.schedule.shifts import (
    Break,
    Shift,
    ShiftTemplate,
    load_shift_set,
    parse_clock,
    standard_shift_set,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "schedule"


def test_parse_clock() -> None:
    assert parse_clock("07:30") == 450
    assert parse_clock("24:00") == 1440
    with pytest.raises(ValueError):
        parse_clock("7h")
    with pytest.raises(ValueError):
        parse_clock("25:00")


def test_night_shift_crossing_midnight_counts_in_next_day() -> None:
    # 22:00 + 9 h, unpaid meal 03:00-04:00 (offset 300)
    s = Shift("N", 22 * 60, 540, (Break(300, 60, "meal"),))
    assert s.crosses_midnight and s.end_min == 31 * 60
    assert s.paid_min == 480
    prof = s.interval_profile(30)  # 96 half hours over two days
    assert prof.shape == (96,)
    on = np.flatnonzero(prof)
    # 22:00..03:00 on the phone (10 half hours), meal 03:00-04:00, 04:00..07:00 (6 half hours)
    assert on.tolist() == [*range(44, 54), *range(54 + 2, 62)]
    assert prof.sum() == 480
    acts = s.activities()
    assert acts == [("phone", 1320, 1620), ("meal", 1620, 1680), ("phone", 1680, 1860)]
    assert s.interval_profile(30, count="present").sum() == 540


def test_quarter_hour_break_counts_half_an_interval() -> None:
    s = Shift("B", 8 * 60, 240, (Break(60, 15, "break"),))
    prof = s.interval_profile(30)
    assert prof[18] == 15 and prof[19] == 30  # 09:00-09:30 half on break
    assert s.paid_min == 240  # a break is paid


def test_template_expansion_counts_and_names() -> None:
    t = ShiftTemplate(name="FT", earliest_start="06:00", latest_start="10:00", start_every=60,
                      spans=[540, 480], breaks=[{"kind": "meal", "minutes": 60, "earliest_offset": 180,
                                                 "latest_offset": 240, "step": 30}])
    shifts = t.expand()
    assert len(shifts) == 5 * 2 * 3  # starts × spans × meal placements
    assert len({s.name for s in shifts}) == len(shifts)
    assert {s.paid_min for s in shifts} == {480, 420}


def test_template_rejects_break_outside_span() -> None:
    with pytest.raises(ValueError):
        ShiftTemplate(name="X", spans=[120], breaks=[{"kind": "meal", "minutes": 60, "earliest_offset": 90}])


def test_standard_sets() -> None:
    ft = standard_shift_set("full_time")
    assert len(ft.shifts) == 48 * 4
    assert all(s.paid_min == 480 for s in ft.shifts)
    day = standard_shift_set("full_time", day_only=True)
    assert not any(s.crosses_midnight for s in day.shifts)
    mixed = standard_shift_set("mixed")
    assert {s.contract for s in mixed.shifts} == {"full_time", "part_time"}
    assert len(standard_shift_set("fixed_menu").shifts) == 6
    with pytest.raises(ConfigError):
        standard_shift_set("nope")


def test_load_example_yaml() -> None:
    ss = load_shift_set(EXAMPLES / "shifts.yaml")
    names = ss.by_name()
    night = next(s for s in ss.shifts if s.template == "NIGHT")
    assert night.crosses_midnight and night.paid_min == 480
    assert any(s.contract == "part_time" for s in names.values())


def test_load_bad_yaml_says_where(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("templates:\n  - name: X\n    spans: [900]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_shift_set(p)
    assert "s.yaml" in e.value.message and "template #1" in e.value.message
