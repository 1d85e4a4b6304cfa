"""Time: centre-local wall clock <-> UTC instants, and interval bucketing.

Rules (ARCHITECTURE.md, data-model notes):
* instants are stored in UTC; reports bucket in the centre's local wall clock;
* a call belongs to the interval in which it was offered;
* intervals are 5/6/10/15/30/60 minutes and start at multiples of the interval after
  local midnight; an interval is identified by its local start.

Bucketing is arithmetic on epoch microseconds of the *local* wall clock
(``us // width * width``), so the same expression works on every backend.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

US_PER_S = 1_000_000

GRAINS = ("15m", "30m", "60m", "day", "week", "month")


def grain_minutes(grain: str) -> int | None:
    """Minutes of an intraday grain ('15m', '30m', '1h', '60m'); None for day/week/month."""
    g = grain.strip().lower()
    if g in ("day", "week", "month", "d", "w", "m"):
        return None
    if g.endswith("min"):
        g = g[:-3] + "m"
    if g.endswith("h"):
        return int(g[:-1]) * 60
    if g.endswith("m"):
        return int(g[:-1])
    raise ValueError(f"unknown grain {grain!r}: use 15m, 30m, 60m, day, week or month")


def local_to_utc(local: pa.Array | pa.ChunkedArray, zone: str) -> pa.Array | pa.ChunkedArray:
    """Naive local wall-clock timestamps -> UTC instants.

    Ambiguous times (DST fall-back) take the earlier instant; nonexistent times (spring
    forward gap) are shifted forward, so no row is lost.
    """
    ts = local.cast(pa.timestamp("us"))
    return pc.assume_timezone(ts, zone, ambiguous="earliest", nonexistent="latest").cast(
        pa.timestamp("us", tz="UTC")
    )


def utc_to_local(utc: pa.Array | pa.ChunkedArray, zone: str) -> pa.Array | pa.ChunkedArray:
    """UTC instants -> naive local wall clock in ``zone``."""
    ts = utc.cast(pa.timestamp("us", tz="UTC"))
    return pc.local_timestamp(ts.cast(pa.timestamp("us", tz=zone)))


def bucket_start(local: pa.Array | pa.ChunkedArray, minutes: int) -> pa.Array | pa.ChunkedArray:
    """Local interval start of each naive local timestamp."""
    width = minutes * 60 * US_PER_S
    us = pc.cast(local.cast(pa.timestamp("us")), pa.int64())
    start = pc.multiply(pc.divide(us, width), width)  # integer floor for non-negative epochs
    return start.cast(pa.timestamp("us"))


def day_intervals(day: date, minutes: int) -> list[datetime]:
    """All local interval starts of one day (quiet intervals must show in reports)."""
    n = 24 * 60 // minutes
    start = datetime(day.year, day.month, day.day)
    return [start + timedelta(minutes=minutes * i) for i in range(n)]


def interval_range(start: datetime, end: datetime, minutes: int) -> np.ndarray:
    """Local interval starts in [start, end) as numpy datetime64[us]."""
    step = np.timedelta64(minutes, "m")
    first = np.datetime64(start, "us")
    midnight = first.astype("datetime64[D]").astype("datetime64[us]")
    first = first - (first - midnight) % step
    return np.arange(first, np.datetime64(end, "us"), step)


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
