"""Forecast accuracy and speed on the two real data sets.

    python -m benchmarks.bench_forecast            # full run (statsforecast peers: ~20 min)
    python -m benchmarks.bench_forecast --fast     # fast models only

Writes docs/benchmarks/forecast.md. Data: Anonymous Bank 1999 arrivals (Technion SEE
Laboratory, Guedj & Mandelbaum; Brown et al. 2005, JASA 100(469):36–50) and the US bank
2003 calls (fpp3 textbook data, GPL-3), read from ../shared/data (never copied).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from callcenter.calendars import Calendar
from callcenter.forecast.backtest import BacktestConfig, BacktestResult, backtest
from callcenter.forecast.models import (
    BASELINES,
    DEFAULT_MODEL,
    SLOW_PEERS,
    dispersion,
    factories,
    make_model,
    next_month_peak_coefficient,
    quantiles,
)
from callcenter.forecast.series import SlotGrid, grid_from_long, load_history

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "docs" / "benchmarks" / "forecast.md"

SETS = {
    "Anonymous Bank 1999 (IL)": (DATA / "anonymous_bank_1999_arrivals" / "callcenter_30min_1999.csv", "IL", 26),
    "US bank 2003 (weekdays)": (DATA / "us_bank_2003" / "bank_calls.csv", "NYSE", 8),
}
FAST = [*BASELINES, DEFAULT_MODEL]


def load(name: str) -> tuple[SlotGrid, Calendar]:
    path, country, _ = SETS[name]
    return grid_from_long(load_history(path), minutes=30), Calendar(country)


def run(name: str, models: list[str], min_train: int) -> BacktestResult:
    grid, cal = load(name)
    return backtest(grid, factories(models), calendar=cal, config=BacktestConfig(min_train_weeks=min_train))


def coverage(name: str, min_train: int, level: float = 0.8) -> float:
    """Share of scored intervals inside the default model's central ``level`` interval."""
    grid, cal = load(name)
    cfg = BacktestConfig(min_train_weeks=min_train)
    from callcenter.forecast.backtest import rolling_origins

    inside = total = 0
    for o in rolling_origins(grid, cfg):
        hist = grid.window(grid.first_day, o)
        days = [o + timedelta(days=i) for i in range(7)]
        m = make_model(DEFAULT_MODEL).fit(hist, cal)
        f = m.predict(days)
        phi = dispersion(lambda: make_model(DEFAULT_MODEL), hist, cal, weeks=6)
        lo, hi = quantiles(f, phi, [(1 - level) / 2, (1 + level) / 2])
        a = grid.window(o, o + timedelta(days=7)).values
        ok = ~np.isnan(a) & ~np.isnan(f)
        inside += int(((a >= lo) & (a <= hi) & ok).sum())
        total += int(ok.sum())
    return inside / total


def fit_times(name: str, models: list[str], repeats: int) -> dict[str, float]:
    """Median seconds to fit on the last 26 weeks and predict 7 days."""
    grid, cal = load(name)
    hist = grid.window(grid.end_day - timedelta(days=7 * 27), grid.end_day - timedelta(days=7))
    days = [hist.end_day + timedelta(days=i) for i in range(7)]
    out = {}
    for m in models:
        ts = []
        for _ in range(repeats if m not in SLOW_PEERS else 3):
            t0 = time.perf_counter()
            make_model(m).fit(hist, cal).predict(days)
            ts.append(time.perf_counter() - t0)
        out[m] = statistics.median(ts)
    return out


def fmt_summary(res: BacktestResult) -> list[str]:
    lines = [
        "| model | WAPE | bias | rel. MAE vs s-naive | MASE | within ±10 % | P90 daily error | fit+predict s (median) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(res.summary(), key=lambda r: r["wape"]):
        bold = "**" if r["model"] == DEFAULT_MODEL else ""
        lines.append(
            f"| {bold}{r['model']}{bold} | {bold}{r['wape']:.4f}{bold} | {r['bias']:+.4f} | {r['rel_mae']:.3f} | "
            f"{r['mase']:.3f} | {r['within_10pct']:.3f} | {r['p90_daily_error']:.3f} | {r['fit_predict_s']:.3f} |"
        )
    lines.append(f"\nPoisson noise floor (λ = actual counts): WAPE ≈ {res.noise_floor():.4f}; "
                 f"{len(res.origins)} origins {res.origins[0]} … {res.origins[-1]}.")
    return lines


def breakdowns(res: BacktestResult) -> list[str]:
    wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    h = res.by_horizon(DEFAULT_MODEL)
    w = res.by_weekday(DEFAULT_MODEL)
    lines = ["By horizon day (default model): " + ", ".join(f"d{r['horizon_day']} {r['wape']:.3f}" for r in h if r["wape"] == r["wape"]) + "  ",
             "By weekday: " + ", ".join(f"{wd[r['weekday']]} {r['wape']:.3f}/{r['bias']:+.3f}" for r in w) + "  "]
    slots = res.by_slot(DEFAULT_MODEL)
    busy = sorted(slots, key=lambda r: -r["mean_actual"])[:6]
    lines.append("Busiest intervals: " + ", ".join(f"{r['interval']} {r['wape']:.3f}" for r in sorted(busy, key=lambda r: r["interval"])))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fast", action="store_true", help="skip the statsforecast peers")
    args = ap.parse_args()
    missing = [p for p, _, _ in SETS.values() if not p.exists()]
    if missing:
        sys.exit(f"REAL DATA MISSING: {missing}")
    started = time.perf_counter()
    md = ["# Forecasting benchmarks", ""]
    md.append(
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; other helpers' work ran concurrently on the same 2 cores, "
        "so seconds are noisy — compare ratios within this run."
    )
    md.append("")
    md.append(
        "Protocol: rolling origins every 7 days, horizon 7 days, every model trains on at most the last "
        "26 weeks before the origin; WAPE = Σ|ŷ−y|/Σy over all scored half-hours (all 48 for Anonymous Bank, "
        "07:00–21:00 for the US bank), holidays included. Calendars: `holidays.Israel` (Fri/Sat weekend) for "
        "Anonymous Bank, `holidays.financial_holidays('NYSE')` for the US bank."
    )
    jobs = {}
    with ProcessPoolExecutor(max_workers=2) as ex:
        for name, (_, _, mt) in SETS.items():
            jobs[(name, "main")] = ex.submit(run, name, FAST if args.fast else [*FAST, *SLOW_PEERS], mt)
            alt = 8 if mt == 26 else 26
            jobs[(name, "alt")] = ex.submit(run, name, FAST, alt)
            jobs[(name, "cov")] = ex.submit(coverage, name, mt)
        results = {k: v.result() for k, v in jobs.items()}
    timing = {name: fit_times(name, FAST if args.fast else [*FAST, *SLOW_PEERS], 15) for name in SETS}
    for name, (_, _, mt) in SETS.items():
        res = results[(name, "main")]
        md += ["", f"## {name} — {len(res.origins)} origins, first origin after {mt} weeks", ""]
        md += fmt_summary(res)
        md += ["", *breakdowns(res)]
        md.append(f"\n80 % prediction-interval coverage of the default model (per half-hour): {results[(name, 'cov')]:.3f}.")
        alt = results[(name, "alt")]
        md += ["", f"Same models, first origin after {8 if mt == 26 else 26} weeks ({len(alt.origins)} origins):", ""]
        md += fmt_summary(alt)
        t = timing[name]
        base = t[DEFAULT_MODEL]
        md += ["", "Fit + predict time on a 26-week half-hourly history (median of repeats):", "",
               "| model | seconds | × default |", "|---|---:|---:|"]
        for m, s in sorted(t.items(), key=lambda kv: kv[1]):
            md.append(f"| {m} | {s:.4f} | {s / base:.1f} |")
        grid, cal = load(name)
        first, peak = next_month_peak_coefficient(grid, calendar=cal)
        md.append(f"\nNext month's peak-day coefficient 忙日话务波动系数 (forecast {first:%Y-%m}, max ÷ mean daily): {peak:.2f}.")
    md += ["", f"Benchmark wall time {time.perf_counter() - started:.0f} s.", "",
           "Data: Anonymous Bank — Technion SEE Laboratory, Guedj & Mandelbaum; Brown et al. (2005), "
           "JASA 100(469):36–50. US bank 2003 — fpp3 textbook data (GPL-3)."]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
