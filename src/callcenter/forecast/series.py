"""Long-format series <-> day × slot grids, and history loading.

The exchange format of the forecast package is *long*: one row per (series id, local
interval start, value), like statsforecast's ``unique_id, ds, y``. Models work on a
:class:`SlotGrid`: one row per calendar day, one column per interval of the day, ``NaN``
where nothing was observed (the centre was closed, the data has a hole). A missing
interval is never read as zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callcenter.errors import DataNotAvailable, FormatError, InputError, ModelError

LONG_SCHEMA = pa.schema(
    [
        pa.field("series_id", pa.string(), nullable=False),
        pa.field("interval_start", pa.timestamp("us"), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
    ]
)

TIME_COLUMNS = ("interval_start", "datetime", "date_time", "timestamp", "ds", "time", "ts",
                "start", "period", "时间", "时段", "开始时间")
VALUE_COLUMNS = ("value", "calls", "offered", "count", "volume", "y", "n", "arrivals",
                 "来电量", "话务量", "呼入量")

_EPOCH = date(1970, 1, 1)


@dataclass
class SlotGrid:
    """Values of one series as days × intraday slots (local wall clock).

    ``values[i, s]`` is the value of interval ``s`` (starting ``s * minutes`` after local
    midnight) on day ``first_day + i``; NaN when not observed.
    """

    first_day: date
    minutes: int
    values: np.ndarray
    series_id: str = "default"
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def n_days(self) -> int:
        return int(self.values.shape[0])

    @property
    def slots(self) -> int:
        return int(self.values.shape[1])

    @property
    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(self.n_days)]

    @property
    def weekdays(self) -> np.ndarray:
        """Monday = 0 for each day."""
        start = (self.first_day - _EPOCH).days + 3  # 1970-01-01 was a Thursday (3)
        return (np.arange(self.n_days) + start) % 7

    @property
    def end_day(self) -> date:
        """The day after the last day."""
        return self.first_day + timedelta(days=self.n_days)

    def day_index(self, d: date) -> int:
        return (d - self.first_day).days

    def window(self, start: date, end: date) -> SlotGrid:
        """Days in [start, end) (clipped to the grid)."""
        lo = max(0, self.day_index(start))
        hi = min(self.n_days, self.day_index(end))
        return SlotGrid(self.first_day + timedelta(days=lo), self.minutes,
                        self.values[lo:hi], self.series_id, dict(self.meta))

    def observed_days(self) -> np.ndarray:
        return np.asarray(~np.all(np.isnan(self.values), axis=1))

    def active_slots(self) -> np.ndarray:
        """Slots observed on at least one day (the centre's opening pattern)."""
        return np.asarray(~np.all(np.isnan(self.values), axis=0))

    def daily_totals(self) -> np.ndarray:
        """Sum over observed slots; NaN for days with nothing observed."""
        t = np.asarray(np.nansum(self.values, axis=1), dtype=float)
        t[~self.observed_days()] = np.nan
        return t

    def to_long(self, column: str = "value") -> pa.Table:
        """Observed cells as the long format (series_id, interval_start, value)."""
        i, s = np.nonzero(~np.isnan(self.values))
        base = np.datetime64(self.first_day, "us")
        ts = base + i.astype("timedelta64[D]") + (s * self.minutes).astype("timedelta64[m]")
        return pa.table(
            {
                "series_id": pa.array([self.series_id] * len(i), pa.string()),
                "interval_start": pa.array(ts.astype("datetime64[us]"), pa.timestamp("us")),
                column: pa.array(self.values[i, s], pa.float64()),
            }
        )


def grid_from_long(
    table: pa.Table, *, minutes: int | None = None, series_id: str | None = None
) -> SlotGrid:
    """Long table (series_id, interval_start, value) of one series -> :class:`SlotGrid`.

    ``minutes`` defaults to the smallest spacing between interval starts. Values at
    finer spacing than ``minutes`` are summed into their interval.
    """
    for c in ("interval_start", "value"):
        if c not in table.column_names:
            raise FormatError(f"long series has no column {c!r}", hint="columns: series_id, interval_start, value")
    if "series_id" in table.column_names:
        ids = pc.unique(table["series_id"]).to_pylist()
        if series_id is None:
            if len(ids) > 1:
                raise InputError(f"{len(ids)} series in the table: {ids[:5]}", hint="pick one with series_id=")
            series_id = str(ids[0]) if ids else "default"
        else:
            table = table.filter(pc.equal(table["series_id"], series_id))
    series_id = series_id or "default"
    if table.num_rows == 0:
        raise DataNotAvailable(f"series {series_id!r} has no rows", needs=["history rows"])
    ts = table["interval_start"].cast(pa.timestamp("us")).to_numpy().astype("datetime64[us]")
    val = table["value"].cast(pa.float64()).to_numpy(zero_copy_only=False)
    if np.any(np.isnan(val)):
        raise ModelError(f"{int(np.isnan(val).sum())} missing values in series {series_id!r}",
                         hint="drop the rows or fill them; a missing interval is simply absent")
    if np.any(val < 0):
        raise ModelError(f"negative values in series {series_id!r}", hint="volumes and AHT are ≥ 0")
    if minutes is None:
        u = np.unique(ts)
        minutes = int(np.diff(u).min() / np.timedelta64(1, "m")) if len(u) > 1 else 30
        minutes = max(minutes, 1)
    if 24 * 60 % minutes:
        raise ModelError(f"interval of {minutes} min does not divide a day", hint="use 15, 30 or 60")
    day = ts.astype("datetime64[D]")
    slot = ((ts - day) / np.timedelta64(minutes, "m")).astype(int)
    first = day.min()
    n_days = int((day.max() - first) / np.timedelta64(1, "D")) + 1
    values = np.full((n_days, 24 * 60 // minutes), np.nan)
    di = ((day - first) / np.timedelta64(1, "D")).astype(int)
    flat = di * values.shape[1] + slot
    sums = np.bincount(flat, weights=val, minlength=values.size)
    seen = np.bincount(flat, minlength=values.size) > 0
    values.flat[np.nonzero(seen)[0]] = sums[seen]
    return SlotGrid(first.astype(object), minutes, values, series_id)


def _find(names: Sequence[str], wanted: Sequence[str]) -> str | None:
    low = {n.lower().strip(): n for n in names}
    for w in wanted:
        if w in low:
            return low[w]
    return None


def load_history(
    path: Path | str,
    *,
    time_col: str | None = None,
    value_col: str | None = None,
    minutes: int = 30,
    series_id: str | None = None,
) -> pa.Table:
    """Read a CSV / Parquet history (timestamp + count) into the long format at ``minutes``.

    The timestamp column is detected (``interval_start``, ``DateTime``, ``timestamp`` …)
    unless ``time_col`` is given; likewise the value column (``calls``, ``value`` …).
    Timestamps are local wall clock: a trailing ``Z`` or offset is *dropped*, not
    converted (exports often stamp local time as ``Z``). Finer intervals are summed into
    ``minutes`` buckets.
    """
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.is_file():
        raise InputError(f"history file not found: {p}", hint="check the path")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            t = pq.read_table(p)
        else:
            t = pcsv.read_csv(p, convert_options=pcsv.ConvertOptions(strings_can_be_null=True))
    except (pa.ArrowInvalid, OSError) as e:
        raise FormatError(f"cannot read {p.name}: {e}", where=str(p), hint="give a CSV or Parquet file") from None
    names = t.column_names
    tc = time_col or _find(names, TIME_COLUMNS)
    vc = value_col or _find(names, VALUE_COLUMNS)
    if tc is None or tc not in names:
        raise FormatError(f"no timestamp column (have {names})", where=str(p), hint="name it with --time-col")
    if vc is None or vc not in names:
        raise FormatError(f"no count column (have {names})", where=str(p), hint="name it with --value-col")
    col = t[tc]
    if pa.types.is_timestamp(col.type):
        ts = col.cast(pa.timestamp("us", tz=col.type.tz)) if col.type.tz else col
        if col.type.tz:
            ts = pc.local_timestamp(ts)
        ts = ts.cast(pa.timestamp("us"))
    else:
        s = pc.utf8_trim_whitespace(col.cast(pa.string()))
        s = pc.replace_substring_regex(s, r"(Z|[+-]\d\d:?\d\d)$", "")
        s = pc.replace_substring(s, "T", " ")
        try:
            ts = pc.strptime(s, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
            if ts.null_count:
                ts2 = pc.strptime(s, format="%Y-%m-%d %H:%M", unit="us", error_is_null=True)
                ts = pc.coalesce(ts, ts2)
        except pa.ArrowInvalid as e:
            raise FormatError(f"cannot parse {tc!r}: {e}", where=str(p), hint="use YYYY-MM-DD HH:MM[:SS]") from None
    if ts.null_count:
        first_bad = int(np.nonzero(ts.is_null().to_numpy(zero_copy_only=False))[0][0])
        raise FormatError(
            f"{ts.null_count} timestamps in {tc!r} cannot be read (first: {col[first_bad].as_py()!r})",
            where=f"{p}:{first_bad + 2}",
            hint="use YYYY-MM-DD HH:MM[:SS]",
        )
    try:
        v = t[vc].cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise FormatError(f"column {vc!r} is not numeric", where=str(p), hint="name the count column with --value-col") from None
    if v.null_count:
        bad = int(np.nonzero(v.is_null().to_numpy(zero_copy_only=False))[0][0])
        raise FormatError(f"{v.null_count} empty values in {vc!r}", where=f"{p}:{bad + 2}",
                          hint="fill or remove the rows")
    width = minutes * 60 * 1_000_000
    us = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False)
    start = (us // width) * width
    raw = pa.table({"s": start, "v": v})
    agg = raw.group_by("s").aggregate([("v", "sum")]).sort_by("s")
    sid = series_id or p.stem
    return pa.table(
        {
            "series_id": pa.array([sid] * agg.num_rows, pa.string()),
            "interval_start": agg["s"].cast(pa.timestamp("us")),
            "value": agg["v_sum"],
        },
        schema=LONG_SCHEMA,
    )


def offered_series(
    calls: pa.Table,
    *,
    minutes: int = 30,
    by: str | None = None,
    count: str = "contacts",
) -> pa.Table:
    """Canonical ``calls`` table -> long series of offered counts per interval.

    Counts inbound legs by the local interval of ``offered_local`` (a call belongs to the
    interval in which it was offered). ``count="contacts"`` counts first legs only
    (centre-level: distinct contacts); ``"legs"`` counts every queue leg (queue-level).
    ``by`` names a column (``centre``, ``queue``) giving one series per value. Every
    interval of every day from the first to the last call is present: an interval with
    no call is 0 (the log is complete), not missing.
    """
    need = ["offered_local", "direction", "leg"] + ([by] if by else [])
    missing = [c for c in need if c not in calls.column_names]
    if missing:
        raise DataNotAvailable("calls table lacks columns for offered counts", needs=[f"calls.{c}" for c in missing])
    t = calls.filter(pc.equal(calls["direction"], "inbound"))
    if count == "contacts":
        t = t.filter(pc.equal(t["leg"], 1))
    elif count != "legs":
        raise ModelError(f"unknown count {count!r}", hint="use 'contacts' or 'legs'")
    width = minutes * 60 * 1_000_000
    us = pc.cast(t["offered_local"].cast(pa.timestamp("us")), pa.int64())
    start = pc.multiply(pc.divide(us, width), width)
    sid = t[by].cast(pa.string()).fill_null("unknown") if by else pa.array(["all"] * t.num_rows, pa.string())
    g = pa.table({"series_id": sid, "s": start}).group_by(["series_id", "s"]).aggregate([([], "count_all")])
    out = []
    day_us = 86_400 * 1_000_000
    for name in sorted(pc.unique(g["series_id"]).to_pylist()):
        part = g.filter(pc.equal(g["series_id"], name))
        s_arr = part["s"].to_numpy()
        # every interval of every day between the first and the last call: no call = 0
        full = np.arange((s_arr.min() // day_us) * day_us, (s_arr.max() // day_us + 1) * day_us, width)
        vals = np.zeros(len(full))
        vals[((s_arr - full[0]) // width).astype(int)] = part["count_all"].to_numpy()
        out.append(
            pa.table(
                {
                    "series_id": pa.array([name] * len(full), pa.string()),
                    "interval_start": pa.array(full, pa.int64()).cast(pa.timestamp("us")),
                    "value": pa.array(vals, pa.float64()),
                },
                schema=LONG_SCHEMA,
            )
        )
    if not out:
        raise DataNotAvailable("no inbound calls to count", needs=["calls rows with direction = inbound"])
    return pa.concat_tables(out)


def handle_time_series(calls: pa.Table, *, minutes: int = 30, by: str | None = None) -> pa.Table:
    """Canonical ``calls`` -> long series of AHT (平均处理时长, seconds) per interval.

    AHT = mean over answered inbound legs offered in the interval of talk_seconds +
    acw_seconds (DOMAIN.md §1 #5; hold is inside talk). A leg with no ACW recorded
    (null) counts 0 s of ACW. Intervals with no answered leg are *absent* (AHT undefined),
    never 0. Forecast it with the same models (the day-profile model reads the daily
    level × intraday shape of AHT).
    """
    need = ["offered_local", "direction", "talk_seconds", "acw_seconds"] + ([by] if by else [])
    missing = [c for c in need if c not in calls.column_names]
    if missing:
        raise DataNotAvailable("calls table lacks columns for AHT", needs=[f"calls.{c}" for c in missing])
    t = calls.filter(pc.and_(pc.equal(calls["direction"], "inbound"), pc.is_valid(calls["talk_seconds"])))
    width = minutes * 60 * 1_000_000
    us = pc.cast(t["offered_local"].cast(pa.timestamp("us")), pa.int64())
    start = pc.multiply(pc.divide(us, width), width)
    handle = pc.add(t["talk_seconds"].cast(pa.float64()), t["acw_seconds"].cast(pa.float64()).fill_null(0.0))
    sid = t[by].cast(pa.string()).fill_null("unknown") if by else pa.array(["all"] * t.num_rows, pa.string())
    g = pa.table({"series_id": sid, "s": start, "h": handle}).group_by(["series_id", "s"]).aggregate([("h", "mean")])
    g = g.sort_by([("series_id", "ascending"), ("s", "ascending")])
    return pa.table(
        {
            "series_id": g["series_id"],
            "interval_start": g["s"].cast(pa.timestamp("us")),
            "value": g["h_mean"].cast(pa.float64()),
        },
        schema=LONG_SCHEMA,
    )


def as_datetime(d: date, minutes: int, slot: int) -> datetime:
    return datetime(d.year, d.month, d.day) + timedelta(minutes=minutes * slot)
