"""Grains and periods, in portable integer arithmetic.

A period is identified by an integer key computed from *local* epoch seconds (the
wall-clock time read as if it were UTC, so the arithmetic is the wall clock's):

* ``15m``/``30m``/``60m``: local epoch seconds of the interval start (``s // w * w``);
* ``day``: local epoch seconds of local midnight;
* ``week``: local epoch seconds of the ISO week's Monday 00:00;
* ``month``: ``year * 100 + month`` (days → civil date by integer arithmetic);
* ``total``: 0 — the whole range [start, end) pooled into one period.

Only ``//``, ``%``, ``*`` and ``+`` on integers are used, so the same Ibis expression runs
on every backend (STACK-NOTES: ``bucket`` is not portable). A call belongs to the
interval in which it was offered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import ibis

from callcenter.settings import Settings
from callcenter.timegrid import grain_minutes

NONE = "(none)"  # a null dimension value in output (joins cannot match nulls)
GRAIN_NAMES = ("15m", "30m", "60m", "day", "week", "month", "total")
DIMENSIONS = ("centre", "queue", "call_type", "customer_tier", "team", "agent")
_EPOCH = datetime(1970, 1, 1)


def normalise_grain(grain: str) -> str:
    g = grain.strip().lower()
    aliases = {"d": "day", "w": "week", "m": "month", "1h": "60m", "hour": "60m", "h": "60m",
               "15min": "15m", "30min": "30m", "60min": "60m", "half-hour": "30m", "iso-week": "week"}
    g = aliases.get(g, g)
    if g not in GRAIN_NAMES:
        from callcenter.errors import ConfigError

        raise ConfigError(f"unknown grain {grain!r}", hint="use 15m, 30m, 60m, day, week, month or total")
    return g


def epoch_s(local_ts: Any) -> Any:
    """Epoch seconds of a naive local timestamp column (the wall clock read as UTC)."""
    return local_ts.epoch_seconds()


def with_period(t: Any, es_column: str, grain: str) -> Any:
    """``t`` with an integer ``period`` column from its local epoch-seconds column ``es_column``.

    Months use H. Hinnant's civil_from_days in integer arithmetic, one step per column
    (inlined, the expression would grow exponentially in the generated SQL).
    """
    es = t[es_column]
    if grain == "total":  # the whole range pooled into one period
        return t.mutate(period=ibis.literal(0, "int64"))
    if grain == "week":
        d = es // 86400
        return t.mutate(period=((d - (d + 3) % 7) * 86400).cast("int64"))  # 1970-01-01: a Thursday
    if grain == "day":
        return t.mutate(period=((es // 86400) * 86400).cast("int64"))
    if grain != "month":
        w = (grain_minutes(grain) or 0) * 60
        return t.mutate(period=((es // w) * w).cast("int64"))
    t = t.mutate(_z=es // 86400 + 719468)
    t = t.mutate(_era=t._z // 146097)
    t = t.mutate(_doe=t._z - t._era * 146097)
    t = t.mutate(_yoe=(t._doe - t._doe // 1460 + t._doe // 36524 - t._doe // 146096) // 365)
    t = t.mutate(_doy=t._doe - (365 * t._yoe + t._yoe // 4 - t._yoe // 100))
    t = t.mutate(_mp=(5 * t._doy + 2) // 153)
    t = t.mutate(_m=ibis.ifelse(t._mp < 10, t._mp + 3, t._mp - 9))
    t = t.mutate(period=((t._yoe + t._era * 400 + ibis.ifelse(t._m <= 2, 1, 0)) * 100 + t._m).cast("int64"))
    return t.drop("_z", "_era", "_doe", "_yoe", "_doy", "_mp", "_m")


def key_to_datetime(key: int, grain: str) -> datetime:
    if grain == "total":
        return _EPOCH  # the engine shows the range's start instead
    if grain == "month":
        return datetime(key // 100, key % 100, 1)
    return _EPOCH + timedelta(seconds=key)


def datetime_to_key(ts: datetime, grain: str) -> int:
    if grain == "total":
        return 0
    if grain == "month":
        return ts.year * 100 + ts.month
    es = int((ts.replace(tzinfo=None) - _EPOCH).total_seconds())
    if grain == "week":
        d = es // 86400
        return (d - (d + 3) % 7) * 86400
    if grain == "day":
        return es // 86400 * 86400
    w = (grain_minutes(grain) or 0) * 60
    return es // w * w


def period_keys(start: datetime, end: datetime, grain: str) -> list[int]:
    """Every period key from the one holding ``start`` to the last one starting before ``end``."""
    if grain == "total":
        return [0]
    out: list[int] = []
    k = datetime_to_key(start, grain)
    end_naive = end.replace(tzinfo=None)
    while key_to_datetime(k, grain) < end_naive:
        out.append(k)
        dt = key_to_datetime(k, grain)
        if grain == "month":
            nxt = datetime(dt.year + (dt.month == 12), dt.month % 12 + 1, 1)
            k = datetime_to_key(nxt, grain)
        elif grain == "week":
            k += 7 * 86400
        elif grain == "day":
            k += 86400
        else:
            k += (grain_minutes(grain) or 0) * 60
    return out


@dataclass(frozen=True)
class Query:
    """What to compute: grain, dimensions, local range [start, end), settings."""

    settings: Settings
    grain: str = "day"
    by: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None

    @property
    def start_s(self) -> int | None:
        return None if self.start is None else int((self.start.replace(tzinfo=None) - _EPOCH).total_seconds())

    @property
    def end_s(self) -> int | None:
        return None if self.end is None else int((self.end.replace(tzinfo=None) - _EPOCH).total_seconds())

    @property
    def offset_s(self) -> int:
        """The zone's UTC offset, for instants with no local column (see docs/indicators.md)."""
        ref = self.start or datetime(2000, 1, 15)
        off = self.settings.zone.utcoffset(ref.replace(tzinfo=None))
        return int(off.total_seconds()) if off is not None else 0

    def month_keys(self) -> Iterator[int]:
        if self.start is None or self.end is None:
            from callcenter.errors import ConfigError

            raise ConfigError("turnover needs a date range", hint="give --from and --to")
        yield from period_keys(self.start, self.end, "month")

    def month_first_days(self) -> Sequence[int]:
        return [(date(k // 100, k % 100, 1) - date(1970, 1, 1)).days for k in self.month_keys()]
