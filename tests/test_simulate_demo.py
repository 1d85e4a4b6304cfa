"""The demo month: a simulated 10086-style hotline with the documented shape."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from callcenter.simulate import demo_config, run
from callcenter.simulate.summary import summarize


@pytest.fixture(scope="module")
def month() -> dict[str, pa.Table]:
    return run(demo_config(), days=30, seed=1)


@pytest.mark.slow
def test_demo_headline_numbers(month: dict[str, pa.Table]) -> None:
    s = summarize(month)
    assert 0.78 <= s["ivr_containment"] <= 0.80  # 10086 observed 79 %
    assert 32.0 <= s["calls_per_agent_hour"] <= 34.0  # 10086 observed 32–34
    assert 0.70 <= s["service_level"] <= 0.90
    assert s["abandon_rate"] < 0.12
    assert 0 < s["blocked_share"] < 0.02


@pytest.mark.slow
def test_demo_calendar_shape(month: dict[str, pa.Table]) -> None:
    c = month["calls"].select(["offered_local", "leg"]).to_pandas()
    c = c[c["leg"] == 1]
    daily = c.groupby(c["offered_local"].dt.date).size()
    mid = daily[[date(2026, 9, d) for d in (14, 15, 16, 17)]].mean()  # mid-month Mon–Thu
    assert 1.6 <= daily[date(2026, 9, 30)] / mid <= 2.0  # bill day ≈ 80 % above mid-month
    holiday = daily[[date(2026, 9, 25)]].mean()  # Mid-Autumn Festival (Friday)
    assert holiday < 0.85 * daily[date(2026, 9, 18)]  # the Friday before
    # Sunday 20 Sep 2026 is a make-up working day: weekday volume, not Sunday volume
    assert daily[date(2026, 9, 20)] > 1.08 * daily[date(2026, 9, 13)]


@pytest.mark.slow
def test_demo_every_table_filled_and_marked(month: dict[str, pa.Table]) -> None:
    for name, t in month.items():
        assert t.num_rows > 0, name
        assert t["source_file"][0].as_py() == "simulated:demo-10086:seed=1"
    calls = month["calls"]
    assert set(calls["centre"].unique().to_pylist()) == {"demo-10086 (simulated)"}
    assert set(calls["queue"].unique().to_pylist()) == {"billing", "business", "complaint"}
