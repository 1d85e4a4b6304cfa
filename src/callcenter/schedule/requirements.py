"""Staffing requirements per interval: reading them, inflating them, and a seeded test curve.

A requirements table has one row per local interval: ``interval_start`` (naive local wall
clock) and ``required`` (agents needed on the phone, e.g. from the Erlang staffing plan).
Scheduling needs whole days on a regular grid; missing intervals are an error, not zeros.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from callcenter.errors import FormatError, InputError, ModelError

REQUIRED_ALIASES = ("required", "required_agents", "agents", "staff", "n_agents")


@dataclass(frozen=True)
class Requirements:
    """Agents required on the phone per interval, for ``days`` whole local days from ``first_day``."""

    first_day: date
    interval_min: int
    required: np.ndarray  # float, shape (days * per_day,)

    @property
    def per_day(self) -> int:
        return 1440 // self.interval_min

    @property
    def days(self) -> int:
        return len(self.required) // self.per_day

    def interval_starts(self) -> list[datetime]:
        t0 = datetime(self.first_day.year, self.first_day.month, self.first_day.day)
        step = timedelta(minutes=self.interval_min)
        return [t0 + i * step for i in range(len(self.required))]

    def day_slice(self, first: date, days: int) -> Requirements:
        """The requirements of ``days`` days from ``first`` (must lie inside)."""
        k = (first - self.first_day).days
        if k < 0 or k + days > self.days:
            raise InputError(
                f"requirements cover {self.first_day} … {self.first_day + timedelta(self.days - 1)}, "
                f"not {first} … {first + timedelta(days - 1)}",
                hint="give requirements for every day of the month",
            )
        n = self.per_day
        return Requirements(first, self.interval_min, self.required[k * n : (k + days) * n].copy())

    def to_table(self) -> pa.Table:
        return pa.table(
            {
                "interval_start": pa.array(self.interval_starts(), pa.timestamp("us")),
                "required": pa.array(self.required, pa.float64()),
            }
        )


def inflate(required: np.ndarray, attendance: float = 1.0, shrinkage: float = 0.0) -> np.ndarray:
    """Agents to schedule so that ``required`` are on the phone after absence and shrinkage.

    scheduled = ceil(required ÷ (attendance × (1 − shrinkage))), e.g. 100 required with 96.5 %
    attendance and 10 % shrinkage -> ceil(115.1) = 116 scheduled.
    """
    if not 0 < attendance <= 1 or not 0 <= shrinkage < 1:
        raise ModelError(
            f"attendance {attendance} must be in (0, 1] and shrinkage {shrinkage} in [0, 1)",
            hint="give shares, e.g. 0.965 and 0.1",
        )
    scaled = np.asarray(required, dtype=float) / (attendance * (1.0 - shrinkage))
    return np.ceil(scaled - 1e-9).clip(min=0).astype(np.int64)


def read_requirements(path: str | Path) -> Requirements:
    """Read a CSV or Parquet requirements table (``interval_start``, ``required``)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"requirements file not found: {p}", hint="check the path")
    try:
        if p.suffix.lower() == ".parquet":
            t = pq.read_table(p)
        else:
            t = pacsv.read_csv(p)
    except (pa.ArrowInvalid, OSError) as e:
        raise FormatError(f"cannot read requirements: {e}", where=str(p)) from None
    return requirements_from_table(t, where=str(p))


def requirements_from_table(t: pa.Table, where: str = "requirements") -> Requirements:
    """Validate a requirements table: whole days, one regular grid, no gaps, no negatives."""
    if "interval_start" not in t.column_names:
        raise FormatError("no 'interval_start' column", where=where,
                          hint="columns: interval_start (local time), required")
    col = next((c for c in REQUIRED_ALIASES if c in t.column_names), None)
    if col is None:
        raise FormatError("no 'required' column", where=where,
                          hint=f"name the agents-needed column one of {', '.join(REQUIRED_ALIASES)}")
    starts = t.column("interval_start")
    if pa.types.is_string(starts.type) or pa.types.is_large_string(starts.type):
        starts = pc.strptime(starts, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
    if pa.types.is_timestamp(starts.type) and starts.type.tz is not None:
        raise FormatError("interval_start must be naive local wall clock", where=where)
    ts = np.array(starts.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False), dtype="datetime64[us]")
    if np.isnat(ts).any():
        raise FormatError("unreadable interval_start values", where=where, hint="use YYYY-MM-DD HH:MM:SS")
    req = np.asarray(t.column(col).to_numpy(zero_copy_only=False), dtype=float)
    if np.isnan(req).any() or (req < 0).any():
        raise FormatError("required must be a non-negative number on every row", where=where)
    order = np.argsort(ts, kind="stable")
    ts, req = ts[order], req[order]
    if len(ts) < 2:
        raise FormatError("need at least one whole day of intervals", where=where)
    step = ts[1] - ts[0]
    minutes = int(step / np.timedelta64(1, "m"))
    if minutes <= 0 or 1440 % minutes or not (np.diff(ts) == step).all():
        raise FormatError("intervals are not one regular grid without gaps or duplicates", where=where,
                          hint="one row per interval (15, 30 or 60 min), every interval present")
    first = ts[0].astype("datetime64[D]")
    if ts[0] != first.astype("datetime64[us]") or len(ts) % (1440 // minutes):
        raise FormatError("requirements must cover whole local days starting at 00:00", where=where)
    return Requirements(first.astype(date), minutes, req)


def synthetic_requirements(
    first_day: date,
    days: int,
    *,
    peak: float = 120.0,
    interval_min: int = 30,
    weekend_factor: float = 0.7,
    night_floor: int = 4,
    noise: float = 0.04,
    seed: int = 7,
) -> Requirements:
    """A made-up but realistic double-peaked requirement curve (for examples and benchmarks).

    Weekdays peak near 10:00 and 15:00 (the morning peak is the larger one), weekends are
    flatter and ``weekend_factor`` lower, nights keep ``night_floor`` agents for a 24/7
    hotline. Multiplicative noise (lognormal, sd ``noise``) from ``seed``; rounded up.
    """
    rng = np.random.default_rng(seed)
    per_day = 1440 // interval_min
    hours = (np.arange(per_day) + 0.5) * interval_min / 60
    out = []
    for k in range(days):
        d = first_day + timedelta(days=k)
        weekend = d.weekday() >= 5
        if weekend:
            shape = 0.85 * np.exp(-0.5 * ((hours - 11.0) / 2.6) ** 2) + 0.75 * np.exp(-0.5 * ((hours - 16.0) / 2.8) ** 2)
            scale = peak * weekend_factor
        else:
            shape = 1.0 * np.exp(-0.5 * ((hours - 10.0) / 1.6) ** 2) + 0.82 * np.exp(-0.5 * ((hours - 15.0) / 1.9) ** 2)
            scale = peak
        evening = 0.25 * np.exp(-0.5 * ((hours - 20.0) / 1.5) ** 2)
        curve = (shape + evening) / max(1.0, float((shape + evening).max()))
        day = scale * curve * rng.lognormal(0.0, noise, per_day)
        out.append(np.maximum(np.ceil(day), night_floor))
    req = np.concatenate(out)
    return Requirements(first_day, interval_min, req.astype(float))


def month_days(month: str) -> tuple[date, int]:
    """'2026-12' -> (date(2026, 12, 1), 31)."""
    try:
        y, m = (int(x) for x in month.split("-"))
        first = date(y, m, 1)
    except ValueError:
        raise InputError(f"bad month {month!r}", hint="use YYYY-MM, e.g. 2026-12") from None
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return first, (nxt - first).days


def ceil_int(x: float) -> int:
    return math.ceil(x - 1e-9)
