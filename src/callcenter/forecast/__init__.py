"""Forecasting (话务预测): models behind one fit/predict protocol, backtests, accuracy.

Typical use::

    from callcenter.forecast import load_history, grid_from_long, forecast
    from callcenter.calendars import Calendar

    grid = grid_from_long(load_history("calls.csv"))
    fc = forecast(grid, days=14, calendar=Calendar("CN"))
    fc.to_table()          # series_id, interval_start, forecast, lower, upper
"""

from callcenter.forecast.accuracy import bias, peak_day_coefficient, poisson_floor, wape
from callcenter.forecast.backtest import BacktestConfig, BacktestResult, backtest, rolling_origins
from callcenter.forecast.baselines import (
    DailyTimesProfile,
    Forecaster,
    HistoricalAverage,
    SeasonalNaive,
)
from callcenter.forecast.models import (
    BASELINES,
    DEFAULT_MODEL,
    SLOW_PEERS,
    AutoModel,
    Forecast,
    factories,
    forecast,
    make_model,
    model_names,
    next_month_peak_coefficient,
)
from callcenter.forecast.profile import DayProfileModel
from callcenter.forecast.series import (
    SlotGrid,
    grid_from_long,
    handle_time_series,
    load_history,
    offered_series,
)

__all__ = [
    "BASELINES",
    "DEFAULT_MODEL",
    "SLOW_PEERS",
    "AutoModel",
    "BacktestConfig",
    "BacktestResult",
    "DailyTimesProfile",
    "DayProfileModel",
    "Forecast",
    "Forecaster",
    "HistoricalAverage",
    "SeasonalNaive",
    "SlotGrid",
    "backtest",
    "bias",
    "factories",
    "forecast",
    "grid_from_long",
    "handle_time_series",
    "load_history",
    "make_model",
    "model_names",
    "next_month_peak_coefficient",
    "offered_series",
    "peak_day_coefficient",
    "poisson_floor",
    "rolling_origins",
    "wape",
]
