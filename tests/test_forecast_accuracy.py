"""Accuracy measures and the rolling-origin backtest on hand-worked series."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from callcenter.errors import DataNotAvailable
from callcenter.forecast import BacktestConfig, SlotGrid, backtest, factories, rolling_origins
from callcenter.forecast import accuracy as acc

MONDAY = date(2026, 3, 2)


def test_wape_bias_within_hand_worked() -> None:
    f = np.array([[10.0, 20.0], [30.0, np.nan], [8.0, 2.0]])
    a = np.array([[12.0, 18.0], [30.0, 5.0], [10.0, 0.0]])
    # scored cells: (10,12) (20,18) (30,30) (8,10) (2,0): |e| = 2+2+0+2+2 = 8, Σy = 70
    assert acc.wape(f, a) == pytest.approx(8 / 70)
    assert acc.bias(f, a) == pytest.approx((-2 + 2 + 0 - 2 + 2) / 70)
    # within ±10 %, y > 0 only: 2 ≤ 1.2 no, 2 ≤ 1.8 no, 0 yes, 2 ≤ 1.0 no -> 1/4
    assert acc.within(f, a) == pytest.approx(0.25)
    # daily |ΔY|/Y: row 1: 30 vs 30 -> 0; row 2: 30 vs 30 -> 0; row 3: 10 vs 10 -> 0
    assert acc.p90_daily_error(f, a) == 0.0
    d = acc.daily_abs_pct_errors(np.array([[11.0], [8.0], [10.0]]), np.array([[10.0], [10.0], [10.0]]))
    np.testing.assert_allclose(d, [0.1, 0.2, 0.0])


def test_peak_day_coefficient() -> None:
    # max 150, mean 100 -> 1.5 (the DOMAIN.md target limit); NaN days are closed days
    assert acc.peak_day_coefficient(np.array([100.0, 50.0, 150.0, 100.0, np.nan])) == pytest.approx(1.5)


def test_poisson_mad_closed_form_values() -> None:
    # λ = 1: 2·1·e^-1/0!... P(N=1) = e^-1 -> 2e^-1; λ = 2.5: 2·2.5·P(N=2) = 5·e^-2.5·2.5²/2
    np.testing.assert_allclose(
        acc.poisson_mad(np.array([0.0, 1.0, 2.5])),
        [0.0, 2 * math.exp(-1), 5 * math.exp(-2.5) * 3.125],
    )


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=0.01, max_value=300.0))
def test_poisson_mad_equals_brute_force_sum(lam: float) -> None:
    k = np.arange(0, int(lam + 20 * math.sqrt(lam) + 40))
    brute = float(np.sum(np.abs(k - lam) * stats.poisson.pmf(k, lam)))
    assert acc.poisson_mad(np.array([lam]))[0] == pytest.approx(brute, rel=1e-9, abs=1e-12)


def test_poisson_floor_matches_simulation() -> None:
    rng = np.random.default_rng(2024)
    lam = rng.uniform(0.5, 60.0, size=400)
    sims = [acc.wape(lam, rng.poisson(lam).astype(float)) for _ in range(400)]
    # the floor is Σ E|N−λ| / Σλ; the simulated WAPE divides by ΣN ≈ Σλ
    assert float(np.mean(sims)) == pytest.approx(acc.poisson_floor(lam), rel=0.02)


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=0.1, max_value=1000.0), st.integers(min_value=0, max_value=10_000))
def test_wape_is_scale_invariant(scale: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.uniform(1, 50, size=(3, 4))
    f = a * rng.uniform(0.5, 1.5, size=a.shape)
    assert acc.wape(f * scale, a * scale) == pytest.approx(acc.wape(f, a))


def weekly_steps(weeks: int) -> SlotGrid:
    """One interval a day; every day of week w (0-based) has value w + 1."""
    return SlotGrid(MONDAY, 1440, np.repeat(np.arange(1, weeks + 1, dtype=float), 7)[:, None])


def test_rolling_origins_count_and_thinning() -> None:
    g = SlotGrid(MONDAY, 1440, np.ones((140, 1)))
    o = rolling_origins(g, BacktestConfig(min_train_weeks=8))
    # first origin day 56, last 133 (a full week must remain): (133-56)/7 + 1 = 12
    assert len(o) == 12 and o[0] == MONDAY + timedelta(days=56) and o[-1] == MONDAY + timedelta(days=133)
    thin = rolling_origins(g, BacktestConfig(min_train_weeks=8, max_origins=4))
    assert len(thin) == 4 and thin[-1] == o[-1]


def test_backtest_hand_worked_seasonal_naive_and_average() -> None:
    g = weekly_steps(4)
    res = backtest(g, factories(["seasonal_naive", "hist_avg_all"]), config=BacktestConfig(min_train_weeks=2))
    assert res.origins == [MONDAY + timedelta(days=14), MONDAY + timedelta(days=21)]
    sn = res.metrics("seasonal_naive")
    # origin week 2: forecast 2, actual 3; week 3: forecast 3, actual 4 -> Σ|e| = 14, Σy = 49
    assert sn["wape"] == pytest.approx(14 / 49) and sn["bias"] == pytest.approx(-14 / 49)
    ha = res.metrics("hist_avg_all")
    # averages: mean(1,2) = 1.5 vs 3, mean(1,2,3) = 2 vs 4 -> Σ|e| = 7·1.5 + 7·2 = 24.5
    assert ha["wape"] == pytest.approx(24.5 / 49)
    assert ha["rel_mae"] == pytest.approx(24.5 / 14)
    # MASE scale: mean |y(t) - y(t-7)| in training = 1 for both origins -> Σ|e| / (7 + 7)
    assert sn["mase"] == pytest.approx(14 / 14)
    assert [r["horizon_day"] for r in res.by_horizon("seasonal_naive")] == list(range(1, 8))
    assert len(res.by_weekday("seasonal_naive")) == 7
    assert res.by_slot("seasonal_naive")[0]["interval"] == "00:00"


def test_backtest_too_short_history_is_a_clear_error() -> None:
    with pytest.raises(DataNotAvailable) as e:
        backtest(weekly_steps(3), factories(["seasonal_naive"]), config=BacktestConfig(min_train_weeks=26))
    assert "too short" in e.value.message
