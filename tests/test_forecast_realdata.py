"""End-to-end backtests on the real data sets (../shared/data; skipped loudly if absent).

Protocol of issue #6 (the backtest default): weekly origins over the year from the first
with 8 weeks of history, 1-week horizon, ≤ 26-week training window, every day and every
interval scored. The US bank meets the issue's target (WAPE ≤ 0.055, |bias| ≤ 2 %);
Anonymous Bank does NOT meet ≤ 0.20 — the bound below guards today's level (0.243) against
regressions; docs/forecasting.md, "Accuracy", shows why 0.20 is out of reach there.
"""

from __future__ import annotations

from pathlib import Path

from callcenter.calendars import Calendar
from callcenter.forecast import (
    BASELINES,
    DEFAULT_MODEL,
    BacktestConfig,
    backtest,
    factories,
    grid_from_long,
    load_history,
)


def run(path: Path, country: str, min_train: int) -> dict[str, dict[str, float]]:
    grid = grid_from_long(load_history(path), minutes=30)
    res = backtest(
        grid,
        factories([*BASELINES, DEFAULT_MODEL]),
        calendar=Calendar(country),
        config=BacktestConfig(min_train_weeks=min_train),
    )
    return {r["model"]: r for r in res.summary()} | {"_floor": {"wape": res.noise_floor()}}


def test_anonymous_bank_1999_default_beats_every_baseline(shared_data: Path) -> None:
    r = run(shared_data / "anonymous_bank_1999_arrivals" / "callcenter_30min_1999.csv", "IL", 8)
    d = r[DEFAULT_MODEL]
    assert d["wape"] <= 0.245  # measured 0.2430 (44 origins, Feb–Dec 1999); issue: ≤ 0.20
    assert abs(d["bias"]) <= 0.02
    for b in BASELINES:
        assert d["wape"] < r[b]["wape"] - 0.02, b
    assert 0.11 < r["_floor"]["wape"] < 0.13  # Poisson floor ≈ 0.12


def test_us_bank_2003_default_beats_every_baseline(shared_data: Path) -> None:
    r = run(shared_data / "us_bank_2003" / "bank_calls.csv", "NYSE", 8)
    d = r[DEFAULT_MODEL]
    assert d["wape"] <= 0.055  # the target; measured 0.0541 (25 origins, Apr–Oct 2003)
    assert abs(d["bias"]) <= 0.02
    for b in BASELINES:
        assert d["wape"] < r[b]["wape"], b
    assert 0.02 < r["_floor"]["wape"] < 0.026
