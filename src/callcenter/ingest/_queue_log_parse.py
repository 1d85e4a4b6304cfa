"""Raw queue_log lines -> one typed, validated event frame (vectorised with polars).

Both layouts end in the same frame, one row per raw record:

``line`` (1-based source line), ``raw`` (the record as read), ``t_us`` (UTC epoch
microseconds), ``callid``, ``queue``, ``agent``, ``event``, ``d1`` … ``d5`` and the
durations parsed from the verb's own fields (``hold_s``, ``talk_s``, ``wait_s``,
``ring_s``, ``ring_ms``, ``login_s``), plus ``reject_field`` / ``reject_reason`` (null
when the record is usable).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from callcenter.errors import FormatError
from callcenter.ingest import _queue_log_verbs as V

DATA_COLS = ("d1", "d2", "d3", "d4", "d5")
#: sentinel values Asterisk writes for "no callid / queue / agent"
NONE_VALUES = ("NONE", "")
#: plausible epoch range: 1990-01-01 .. 2100-01-01 (seconds)
EPOCH_MIN, EPOCH_MAX = 631_152_000, 4_102_444_800
UTF8_REASON = "bytes are not valid UTF-8; re-export the log as UTF-8"


# --------------------------------------------------------------------------- file layout
def split_file_lines(raw: bytes) -> tuple[pl.Series, set[int]]:
    """The file's lines (without line ends) as a string Series, and the 1-based numbers of
    lines that are not valid UTF-8 (their text holds U+FFFD replacements).

    Valid UTF-8 (the normal case) is split without a Python loop: newline offsets are
    found with numpy and handed to Arrow as the offsets of a string array over the
    file's own bytes (zero copy until the trailing ``\\r\\n`` is trimmed).
    """
    buf = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10) + 1
    offsets = np.concatenate((np.zeros(1, dtype=np.int64), ends.astype(np.int64)))
    if offsets[-1] != len(raw):
        offsets = np.append(offsets, np.int64(len(raw)))
    n = len(offsets) - 1
    arr = pa.Array.from_buffers(
        pa.large_binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(raw)]
    )
    try:
        text = arr.cast(pa.large_string())
        return pl.Series("raw", pc.utf8_rtrim(text, characters="\r\n")), set()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    lines: list[str] = []
    bad: set[int] = set()
    for i, b in enumerate(raw.split(b"\n")[:n], start=1):
        try:
            s = b.decode("utf-8")
        except UnicodeDecodeError:
            s = b.decode("utf-8", errors="replace")
            bad.add(i)
        lines.append(s.rstrip("\r\n"))
    return pl.Series("raw", lines, dtype=pl.String), bad


def file_chunks(path: Path, chunk_bytes: int = 32 << 20) -> Iterator[tuple[bytes, int]]:
    """The file in blocks of whole lines (about ``chunk_bytes`` each), with the 1-based
    number of each block's first line. Bounded memory for logs of any size."""
    first = 1
    carry = b""
    with open(path, "rb") as f:
        while True:
            block = f.read(chunk_bytes)
            if not block:
                break
            block = carry + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                carry = block
                continue
            carry = block[cut:]
            yield block[:cut], first
            first += block.count(b"\n", 0, cut)
    if carry:
        yield carry, first


FILE_FIELDS = ("time", "callid", "queue", "agent", "event", *DATA_COLS)


def file_frame(raw: bytes, first_line: int = 1) -> tuple[pl.DataFrame, set[int]]:
    """``epoch|callid|queue|agent|event|data1|data2|...`` lines -> raw field frame.

    Fields after data5 (only ATTENDEDTRANSFER LINK's origposition) are not used.
    """
    lines, bad = split_file_lines(raw)
    bad = {b + first_line - 1 for b in bad}
    parts = lines.str.splitn("|", len(FILE_FIELDS) + 1).struct.unnest()
    cols = [parts.to_series(i).alias(n) for i, n in enumerate(FILE_FIELDS)]
    df = pl.DataFrame(
        [pl.int_range(first_line, first_line + len(lines), dtype=pl.Int64, eager=True)
         .alias("line"), lines, *cols]
    )
    t = pl.col("time").cast(pl.Float64, strict=False)
    df = df.with_columns(
        t_us=pl.when(t.is_between(EPOCH_MIN, EPOCH_MAX)).then((t * 1e6).round().cast(pl.Int64)),
        row_reason=pl.lit(None, pl.String),
        blank=pl.col("raw") == "",
    )
    return df, bad


# --------------------------------------------------------------------------- table layout
def table_frame(raw: bytes, source: str, zone: str) -> tuple[pl.DataFrame, set[int], list[str]]:
    """A queue_log database table exported as CSV -> raw field frame.

    Header names (case-insensitive): ``time, callid, queuename (or queue), agent, event``
    and either ``data1..data5`` or a single ``data`` column holding ``a|b|c``. Other
    columns (``id``, ``partition``, …) are ignored and named in the notes. ``time`` is a
    Unix epoch, a centre-local date-time (``settings.timezone``) or a date-time with a UTC
    offset.
    """
    bad: set[int] = set()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("utf-8-sig", errors="replace")
        bad = {-1}  # resolved per row below
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as e:
        raise FormatError("no header row", where=f"{source}:1",
                          hint="a queue_log table export starts with time,callid,queuename,agent,event,data1..") from e
    cols = [h.strip().lower() for h in header]
    pos = {c: i for i, c in enumerate(cols)}
    if "queuename" not in pos and "queue" in pos:
        pos["queuename"] = pos["queue"]
    missing = [c for c in ("time", "callid", "queuename", "agent", "event") if c not in pos]
    if missing:
        raise FormatError(
            f"queue_log table lacks column(s) {', '.join(missing)} (found: {', '.join(cols)})",
            where=f"{source}:1",
            hint="export the queue_log table with its header, or read it with layout='file'",
        )
    if all(f"data{i}" in pos for i in range(1, 6)):
        data_idx: list[int] | None = [pos[f"data{i}"] for i in range(1, 6)]
    elif "data" in pos:
        data_idx = None
    else:
        present = [f"data{i}" for i in range(1, 6) if f"data{i}" in pos]
        data_idx = [pos.get(f"data{i}", -1) for i in range(1, 6)] if present else None
        if not present:
            raise FormatError("queue_log table has neither data1..data5 nor a data column",
                              where=f"{source}:1", hint="include the data columns in the export")
    used = {pos[c] for c in ("time", "callid", "queuename", "agent", "event")}
    used |= set(data_idx) if data_idx is not None else {pos["data"]}
    notes = []
    extra = [header[i] for i in range(len(header)) if i not in used]
    if extra:
        notes.append(f"columns ignored (not part of queue_log): {', '.join(extra)}")
    width = len(header)
    out: dict[str, list[str | None]] = {k: [] for k in
                                         ("raw", "time", "callid", "queue", "agent", "event", *DATA_COLS)}
    lines: list[int] = []
    reasons: list[str | None] = []
    blank: list[bool] = []
    last = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            lines.append(last + 1)
            reasons.append(f"unreadable CSV row ({e})")
            blank.append(False)
            for k in out:
                out[k].append(None)
            last = reader.line_num
            continue
        start, last = last + 1, reader.line_num
        lines.append(start)
        rawtxt = ",".join(row)
        out["raw"].append(rawtxt)
        if bad and "\ufffd" in rawtxt:
            bad.add(start)
        if not row or (len(row) == 1 and not row[0].strip()):
            reasons.append(None)
            blank.append(True)
            for k in out:
                if k != "raw":
                    out[k].append(None)
            continue
        blank.append(False)
        if len(row) != width:
            reasons.append(f"{len(row)} fields where the header has {width}")
            for k in out:
                if k != "raw":
                    out[k].append(None)
            continue
        reasons.append(None)
        out["time"].append(row[pos["time"]].strip())
        out["callid"].append(row[pos["callid"]].strip())
        out["queue"].append(row[pos["queuename"]].strip())
        out["agent"].append(row[pos["agent"]].strip())
        out["event"].append(row[pos["event"]].strip())
        if data_idx is not None:
            data = [row[i].strip() if i >= 0 else "" for i in data_idx]
            # ATTENDEDTRANSFER LINK writes "calltime|origposition" into data5
            data[4] = data[4].split("|", 1)[0]
        else:
            data = row[pos["data"]].split("|", 5)[:5]
            data += [""] * (5 - len(data))
        for k, v in zip(DATA_COLS, data, strict=True):
            out[k].append(v)
    bad.discard(-1)
    df = pl.DataFrame({"line": pl.Series(lines, dtype=pl.Int64),
                       **{k: pl.Series(v, dtype=pl.String) for k, v in out.items()},
                       "row_reason": pl.Series(reasons, dtype=pl.String),
                       "blank": pl.Series(blank, dtype=pl.Boolean)})
    df = _table_times(df, zone)
    return df, bad, notes


def _table_times(df: pl.DataFrame, zone: str) -> pl.DataFrame:
    """``time`` of the table layout -> UTC epoch µs (epoch, local or offset date-times)."""
    s = pl.col("time").str.strip_chars()
    epoch = s.cast(pl.Float64, strict=False)
    naive = pl.coalesce(
        s.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us"),
        s.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us"),
        s.str.to_datetime("%Y/%m/%d %H:%M:%S%.f", strict=False, time_unit="us"),
    )
    aware = pl.coalesce(
        s.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%#z", strict=False, time_unit="us"),
        s.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_unit="us"),
    )
    df = df.with_columns(
        _epoch=epoch,
        _naive=naive,
        _aware=aware.dt.epoch("us"),
    )
    # naive local wall clock -> UTC through the shared time-zone rule (DST-safe)
    local = df["_naive"].to_arrow()
    from callcenter.timegrid import local_to_utc

    utc = pl.Series(local_to_utc(local, zone)).dt.epoch("us") if len(df) else pl.Series([], dtype=pl.Int64)
    df = df.with_columns(_local_us=utc)
    ep_ok = pl.col("_epoch").is_between(EPOCH_MIN, EPOCH_MAX)
    return df.with_columns(
        t_us=pl.when(ep_ok)
        .then((pl.col("_epoch") * 1e6).round().cast(pl.Int64))
        .otherwise(pl.coalesce(pl.col("_aware"), pl.col("_local_us"))),
    ).drop("_epoch", "_naive", "_aware", "_local_us")


# --------------------------------------------------------------------------- validation
#: verb -> class code: 1 call, 2 agent, 3 informational (ignored); unknown -> null
VERB_CLASS: dict[str, int] = {
    **dict.fromkeys(V.CALL_VERBS, 1),
    **dict.fromkeys(V.AGENT_VERBS, 2),
    **dict.fromkeys(V.IGNORED_VERBS, 3),
}
#: duration column -> (per-verb data field table, unit text)
DURATIONS: dict[str, tuple[dict[str, int], str]] = {
    "hold_s": (V.HOLD_FIELD, "holdtime (seconds)"),
    "talk_s": (V.TALK_FIELD, "calltime (seconds)"),
    "wait_s": (V.WAIT_FIELD, "waittime (seconds)"),
    "ring_s": (V.RING_S_FIELD, "ringtime (seconds)"),
    "ring_ms": (V.RING_MS_FIELD, "ringtime (milliseconds)"),
    "login_s": (V.LOGIN_S_FIELD, "logintime (seconds)"),
    "acw_s": (V.ACW_S_FIELD, "wrap-up time (seconds)"),
}
FEWER = "fewer than 5 fields: expected epoch|callid|queue|agent|event|data…"


#: the verbs as a polars Enum: one byte per row instead of a string
EVENT_ENUM = pl.Enum(sorted(V.KNOWN_VERBS))
_VERBS = EVENT_ENUM.categories.to_list()
#: physical code of "no known verb" (missing or unknown) in the lookup tables below
NO_EVENT = len(_VERBS)


def _lut(values: dict[str, int]) -> np.ndarray:
    """Lookup table over the event Enum's physical codes (0 for verbs not in ``values``)."""
    out = np.zeros(NO_EVENT + 1, dtype=np.int8)
    for verb, v in values.items():
        out[_VERBS.index(verb)] = v
    return out


_CLASS_LUT = _lut(VERB_CLASS)
_FIELD_LUT = {c: _lut(table) for c, (table, _) in DURATIONS.items()}
_ATTENDED = _VERBS.index("ATTENDEDTRANSFER")


def event_codes(event: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Event text -> (the verbs as :data:`EVENT_ENUM`, null when missing or unknown; their
    physical codes as numpy, :data:`NO_EVENT` for null)."""
    enum = event.cast(EVENT_ENUM, strict=False)
    return enum, enum.to_physical().fill_null(NO_EVENT).to_numpy()


def validate(df: pl.DataFrame, bad_utf8: set[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Type every field; split into (accepted events, rejected records with
    ``reject_field`` / ``reject_reason``).

    The checks are boolean numpy columns over all rows, driven by lookup tables over the
    verb's code (which data field holds which duration); the reason text is built only
    for the rejected rows. The accepted events' ``event`` is an :data:`EVENT_ENUM`.
    """
    n = df.height
    enum, code = event_codes(df["event"])
    cls = _CLASS_LUT[code]
    nb = ~df["blank"].to_numpy()
    num, bad_num = [], []
    for d in DATA_COLS:
        x = df[d].cast(pl.Float64, strict=False).to_numpy()
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(x) & (x >= 0)
        present = (df[d] != "").fill_null(False).to_numpy()
        num.append(np.where(ok, x, np.nan))
        bad_num.append(present & ~ok)
    idx = {c: lut[code] for c, lut in _FIELD_LUT.items()}
    attended = np.flatnonzero(code == _ATTENDED)
    if len(attended):  # LINK has one more field before holdtime and calltime
        link = (df["d1"].gather(pl.Series(attended, dtype=pl.Int64)).str.to_uppercase()
                == "LINK").fill_null(False).to_numpy()
        for c, base in (("hold_s", 3), ("talk_s", 4)):
            idx[c] = idx[c].copy()
            idx[c][attended] = base + link
    values: dict[str, pl.Series] = {}
    flags: dict[str, np.ndarray] = {}
    for c, i in idx.items():
        v = np.full(n, np.nan)
        f = np.zeros(n, dtype=bool)
        for k in range(1, 6):
            at = np.flatnonzero(i == k)
            if len(at):
                v[at] = num[k - 1][at]
                f[at] = bad_num[k - 1][at]
        values[c] = pl.Series(c, v, nan_to_null=True)
        flags[f"_f_{c}"] = f

    def none(col: str) -> np.ndarray:
        return (df[col].is_null() | df[col].is_in(NONE_VALUES)).fill_null(True).to_numpy()

    line = df["line"]
    flags = {
        "_f_utf8": (line.is_in(sorted(bad_utf8)).to_numpy() if bad_utf8
                    else np.zeros(n, dtype=bool)),
        "_f_row": df["row_reason"].is_not_null().to_numpy(),
        "_f_fewer": df["event"].is_null().to_numpy() & nb,
        "_f_time": df["t_us"].is_null().to_numpy() & nb,
        "_f_event": (cls == 0) & nb,
        "_f_callid": (cls == 1) & none("callid"),
        "_f_queue": (cls == 1) & none("queue"),
        "_f_agent": (cls == 2) & none("agent"),
        **flags,
    }
    bad = np.logical_or.reduce(list(flags.values()))
    keep = np.flatnonzero(~bad)
    if len(keep) == n:
        ok_rows = df
        ok_values = values
        ok_enum = enum
    else:
        take = pl.Series(keep, dtype=pl.Int64)
        ok_rows = df.gather(take)
        ok_values = {c: v.gather(take) for c, v in values.items()}
        ok_enum = enum.gather(take)

    def none_to_null(col: str) -> pl.Expr:
        return pl.when(pl.col(col).is_in(NONE_VALUES)).then(None).otherwise(pl.col(col)).alias(col)

    good = ok_rows.select(
        "line", "raw", "t_us",
        none_to_null("callid"), none_to_null("queue"), none_to_null("agent"),
    ).with_columns(
        ok_enum.alias("event"),
        *[ok_rows[d] for d in DATA_COLS],
        *ok_values.values(),
        ok_rows["blank"],
    )
    if len(keep) == n:
        return good, _reasons(df.clear().with_columns(
            _cls=pl.lit(0, pl.Int8), **{f"_i_{c}": pl.lit(0, pl.Int8) for c in idx},
            **{k: pl.lit(False) for k in flags}))
    at = np.flatnonzero(bad)
    rejected = df.gather(pl.Series(at, dtype=pl.Int64)).with_columns(
        _cls=pl.Series(cls[at]),
        **{f"_i_{c}": pl.Series(i[at]) for c, i in idx.items()},
        **{k: pl.Series(f[at]) for k, f in flags.items()},
    )
    return good, _reasons(rejected)


def _reasons(bad: pl.DataFrame) -> pl.DataFrame:
    """(line, reject_field, reject_reason, raw) for rejected rows: the first rule that
    holds, in priority order."""
    ev = pl.col("event")
    t = pl.col("time").cast(pl.Float64, strict=False) if "time" in bad.columns else pl.lit(None)
    rules: list[tuple[str, pl.Expr, pl.Expr]] = [
        ("_f_utf8", pl.lit(None, pl.String), pl.lit(UTF8_REASON)),
        ("_f_row", pl.lit(None, pl.String), pl.col("row_reason")),
        ("_f_fewer", pl.lit(None, pl.String), pl.lit(FEWER)),
        ("_f_time", pl.lit("time"),
         pl.when(t.is_not_null()).then(pl.lit("epoch outside 1990–2100"))
         .otherwise(pl.lit("time is neither a Unix epoch (seconds) nor a date-time like "
                           "2024-05-01 09:30:00[.ffffff]"))),
        ("_f_event", pl.lit("event"),
         pl.format("unknown queue_log event '{}': not an Asterisk/Wazo verb this reader knows; "
                   "if it is a custom QueueLog() event, remove it before loading", ev)),
        ("_f_callid", pl.lit("callid"), pl.format("{} without a call id (uniqueid)", ev)),
        ("_f_queue", pl.lit("queuename"), pl.format("{} without a queue name", ev)),
        ("_f_agent", pl.lit("agent"), pl.format("{} without an agent", ev)),
    ]
    for c, (_, unit) in DURATIONS.items():
        i = pl.col(f"_i_{c}")
        text: pl.Expr = pl.lit(None, pl.String)
        for k in range(5, 0, -1):
            text = pl.when(i == k).then(pl.col(f"d{k}")).otherwise(text)
        rules.append((f"_f_{c}", pl.format("data{}", i),
                      pl.format("{} {} must be a number ≥ 0, got '{}'", ev, pl.lit(unit), text)))
    field: pl.Expr = pl.lit(None, pl.String)
    reason: pl.Expr = pl.lit(None, pl.String)
    for flag, f, r in reversed(rules):
        field = pl.when(pl.col(flag)).then(f).otherwise(field)
        reason = pl.when(pl.col(flag)).then(r).otherwise(reason)
    table = pl.when(pl.col("_cls") == 2).then(pl.lit("agent_states")).otherwise(pl.lit("calls"))
    return bad.select("line", reject_field=field, reject_reason=reason, raw="raw",
                      table=table).sort("line")


#: verbs whose data1..data3 text is used later (PAUSE reason, caller, transfer target)
_TEXT_VERBS = sorted(V.TERMINAL_VERBS | V.AGENT_VERBS | {V.ENTER})


def slim(good: pl.DataFrame) -> pl.DataFrame:
    """Only what the leg and agent-state stages use, in compact types."""
    keep_text = pl.col("event").is_in(_TEXT_VERBS)
    return good.select(
        "line", "t_us", "callid", "queue", "agent",
        pl.col("event").cast(EVENT_ENUM),  # already an EVENT_ENUM: no-op
        *[pl.when(keep_text).then(pl.col(d)).alias(d) for d in ("d1", "d2", "d3")],
        *DURATIONS, "blank",
    )


def iter_rejects(
    rejected: pl.DataFrame,
) -> Iterable[tuple[int, str | None, str, str | None, str]]:
    """(line, field, reason, raw, target table) of every rejected record, in line order."""
    return rejected.iter_rows()
