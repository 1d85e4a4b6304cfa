"""Reader for the "Anonymous Bank" call-centre records (Technion SEE Laboratory, 1999).

One TAB-separated text file per month, a header line, then one record per call through the
VRU (IVR), the queue and the agent::

    vru+line call_id customer_id priority type date vru_entry vru_exit vru_time
    q_start q_exit q_time outcome ser_start ser_exit ser_time server

Data: Technion SEE Laboratory (I. Guedj and A. Mandelbaum), "Anonymous Bank" call-centre
data; analysed in Brown et al. (2005), JASA 100(469):36–50. The bank is in Israel: set
``timezone = "Asia/Jerusalem"`` for this data (the reader notes it when another zone is set).

Mapping (``docs/ingest-anonymous-bank.md`` has the full table and the counts):

* ``date`` (YYMMDD) + ``vru_entry`` (H:MM:SS wall clock) is ``offered_at``; later clock
  times that jump back by more than 12 h belong to the next day (waits and service crossing
  midnight).
* ``0:00:00`` with a zero duration means "did not happen" → null. A ``0:00:00`` that the
  stage's own duration proves real (``q_start`` 0:00:00, ``q_exit`` 0:00:27, ``q_time`` 27)
  is real midnight and kept.
* outcome AGENT → answered; HANG with a queue stage → abandoned; HANG without one →
  ivr_abandoned; PHANTOM ("a virtual call to be ignored", says the documentation) → Reject.
* ``call_id`` is ``ab1999:<YYMMDD>:<vru+line>:<call_id>``: the source's call ids repeat
  across VRU lines (51,006 distinct ids in 318,286 records), ``vru+line`` + ``call_id`` does not,
  and the date guards against the 5-digit counters wrapping.

Every record is accepted or rejected (with line, field and reason); repaired warts are
counted in ``warts`` (see :data:`WARTS`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from callcenter import schema
from callcenter.errors import FormatError
from callcenter.ingest.base import ReadResult, Reject, require_file
from callcenter.schema import Outcome
from callcenter.settings import Settings
from callcenter.timegrid import local_to_utc, utc_to_local

FORMAT: Final = "anonymous_bank"
ID_PREFIX: Final = "ab1999"
DEFAULT_CENTRE: Final = "anonymous_bank"
ISRAEL_ZONE: Final = "Asia/Jerusalem"

HEADER: Final = (
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)
N_FIELDS: Final = len(HEADER)

#: service types from the documentation (PS regular, PE regular in English, IN internet,
#: NE stock exchange, NW prospective customers, TT callback requests put on hold)
CALL_TYPES: Final = frozenset({"PS", "PE", "IN", "NE", "NW", "TT"})
#: priority code -> customer tier. 0 and 1 are unidentified or regular customers (the bank
#: treats 0 as 1); 2 is a priority customer.
TIERS: Final = {"0": "regular", "1": "regular", "2": "priority"}
OUTCOMES: Final = ("AGENT", "HANG", "PHANTOM")
NO_SERVER: Final = "NO_SERVER"

#: a later clock time more than this far *before* the previous one is on the next day
_NEXT_DAY_JUMP_S: Final = 12 * 3600
_DAY_S: Final = 86_400
#: recorded duration vs. the difference of the clock times: tolerated disagreement
DURATION_TOLERANCE_S: Final = 2

_NOT_TEXT: Final = "line is not valid UTF-8/ASCII text; re-export the file as plain text"
PHANTOM_REASON: Final = (
    "PHANTOM: a record of no real call (the data's documentation: 'a virtual call to be "
    "ignored'); not loaded"
)

#: wart name -> what it is and how it is handled (the counts go in ``ReadResult.warts``)
WARTS: Final = {
    "space_separated": "fields separated by spaces instead of a TAB; split on whitespace",
    "type_leading_space": "type code with a leading/trailing space (' TT'); stripped",
    "type_unknown": "type code not in the documentation (e.g. 'AA'); kept verbatim",
    "customer_id_scientific": "customer_id mangled by a spreadsheet into scientific notation "
    "(6.02701E+11): the digits are lost, customer_id set to null",
    "agent_no_server": "AGENT record whose server is NO_SERVER: kept as answered, agent null",
    "agent_no_service_start": "AGENT record with ser_start 0:00:00: kept as answered, "
    "answered_at and talk_seconds null (ended_at kept when ser_exit is recorded)",
    "hang_with_service_record": "HANG record with service times or an agent name: kept as "
    "abandoned / ivr_abandoned; the service stage only sets ended_at",
    "hang_queued_zero_wait": "HANG record that reached the queue (q_start recorded) and left "
    "it within the same second: abandoned with wait_seconds 0",
    "vru_exit_before_entry": "vru_exit earlier than vru_entry (negative vru_time): ivr_exit_at "
    "and ivr_seconds set to null, offered_at kept",
    "queue_crosses_midnight": "q_exit on the day after q_start; moved to the next day",
    "service_crosses_midnight": "ser_exit on the day after ser_start; moved to the next day",
    "stage_starts_next_day": "q_start or ser_start after midnight of a call offered the day "
    "before; moved to the next day",
    "real_midnight": "a 0:00:00 that the stage's duration proves is real midnight; kept",
    "duration_mismatch": f"recorded duration differs from the clock times by more than "
    f"{DURATION_TOLERANCE_S} s; the recorded duration is kept",
    "local_time_in_dst_gap": "vru_entry falls in the spring-forward gap of the centre's zone: "
    "the instant is shifted forward (offered_local keeps the recorded wall clock)",
    "local_time_ambiguous": "vru_entry falls in the repeated hour when summer time ends: "
    "the earlier instant is taken (the source does not say which)",
    "days_missing": "calendar days of a month with no record at all (a note, not an error)",
}

_TIME_RE: Final = r"^([01]?\d|2[0-3]):[0-5]\d:[0-5]\d$"
_INT_RE: Final = r"^-?\d+$"

# field -> (valid-value regex, reason) checked in this order; the first failure is reported
_CHECKS: Final = (
    ("vru+line", r"^\w+$", "VRU and line code must be letters/digits (e.g. AA0101)"),
    ("call_id", r"^\d+$", "call_id must be digits"),
    (
        "customer_id",
        r"^(\d+|\d(\.\d+)?[eE]\+?\d+)$",
        "customer_id must be digits (0 when unidentified)",
    ),
    ("priority", r"^[012]$", "priority must be 0, 1 or 2"),
    ("type", r"^[A-Za-z]{2}$", "type must be a two-letter service code (PS, PE, IN, NE, NW, TT)"),
    ("date", r"^\d{6}$", "date must be YYMMDD"),
    ("vru_entry", _TIME_RE, "time must be H:MM:SS"),
    ("vru_exit", _TIME_RE, "time must be H:MM:SS"),
    ("vru_time", _INT_RE, "duration must be whole seconds"),
    ("q_start", _TIME_RE, "time must be H:MM:SS"),
    ("q_exit", _TIME_RE, "time must be H:MM:SS"),
    ("q_time", r"^\d+$", "duration must be whole non-negative seconds"),
    ("outcome", r"^(AGENT|HANG|PHANTOM)$", "outcome must be AGENT, HANG or PHANTOM"),
    ("ser_start", _TIME_RE, "time must be H:MM:SS"),
    ("ser_exit", _TIME_RE, "time must be H:MM:SS"),
    ("ser_time", r"^\d+$", "duration must be whole non-negative seconds"),
    ("server", r"^\S+$", "server must be an agent name or NO_SERVER"),
)


@dataclass
class AnonymousBankResult(ReadResult):
    """A :class:`ReadResult` that also counts the source's outcome codes before filtering.

    ``outcomes`` counts the ``outcome`` field of every record that had one (AGENT, HANG,
    PHANTOM, or the unknown code as written); records whose fields could not be split get
    ``"(unreadable)"``.
    """

    outcomes: Counter[str] = field(default_factory=Counter)
    missing_days: list[date] = field(default_factory=list)


def outcome_counts(results: ReadResult | Iterable[ReadResult]) -> Counter[str]:
    """Source outcome codes (AGENT/HANG/PHANTOM) before filtering, summed over results."""
    items = [results] if isinstance(results, ReadResult) else list(results)
    total: Counter[str] = Counter()
    for r in items:
        if not isinstance(r, AnonymousBankResult):
            raise TypeError(f"{r.source_file} was not read by read_anonymous_bank")
        total.update(r.outcomes)
    return total


def read_anonymous_bank(path: Path, settings: Settings) -> AnonymousBankResult:
    """Read one month file of the Anonymous Bank data into canonical ``calls``.

    Raises :class:`FormatError` when the file does not start with the documented header.
    Every data line ends as an accepted ``calls`` row or a :class:`Reject`.
    """
    p = require_file(path)
    source = str(p)
    result = AnonymousBankResult(source_file=source, format=FORMAT)
    raw = p.read_bytes()
    lines = _split_lines(raw)
    first = lines[0] if lines.len() else None
    header_fields = tuple(first.strip().lstrip("\ufeff").split()) if first else ()
    if header_fields != HEADER:
        raise FormatError(
            "not an Anonymous Bank file: the first line is not the documented header",
            where=f"{source}:1",
            hint="expected the fields " + " ".join(HEADER) + " separated by TABs",
        )
    records = _split_records(lines.slice(1), raw, source, result)
    frame = _validate(records, source, result)
    frame = _drop_phantoms_and_duplicates(frame, source, result)
    calls = _to_calls(frame, source, settings, result)
    result.tables["calls"] = calls
    _note_missing_days(frame, result)
    if settings.timezone != ISRAEL_ZONE:
        result.notes.append(
            f"timezone is {settings.timezone}, but the Anonymous Bank is in Israel: set "
            f'timezone = "{ISRAEL_ZONE}" so that offered_at is the right instant'
        )
    result.rejects.sort(key=lambda r: r.line or 0)
    counts = " / ".join(f"{k} {result.outcomes.get(k, 0):,}" for k in OUTCOMES)
    result.notes.append(f"records by outcome before filtering: {counts}")
    result.check_accounting()
    return result


# --- reading lines -----------------------------------------------------------------------


def _split_lines(raw: bytes) -> pl.Series:
    """The file's lines (final newline and CRs dropped); null where a line is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        decoded: list[str | None] = []
        for b in raw.split(b"\n"):
            try:
                decoded.append(b.decode("utf-8"))
            except UnicodeDecodeError:
                decoded.append(None)
        if decoded and decoded[-1] == "":
            decoded.pop()
        return pl.Series("text", decoded, dtype=pl.String).str.strip_suffix("\r")
    lines = pl.Series("text", [text]).str.split("\n").explode()
    if text.endswith("\n"):
        lines = lines.head(-1)
    return lines.str.strip_suffix("\r")


def _split_records(
    lines: pl.Series, raw: bytes, source: str, result: AnonymousBankResult
) -> pl.DataFrame:
    """One string column per field: split on TABs, else on whitespace; reject the rest.

    ``lines`` are the data lines (header excluded); line numbers start at 2.
    """
    result.rows_read += lines.len()
    frame = pl.DataFrame({"_text": lines}).with_columns(
        pl.int_range(2, lines.len() + 2, dtype=pl.Int64).alias("_line"),
        pl.col("_text").str.split("\t").alias("_parts"),
    )
    tabbed = pl.col("_parts").list.len() == N_FIELDS
    good = frame.filter(tabbed).select(
        *[pl.col("_parts").list.get(i).alias(h) for i, h in enumerate(HEADER)], "_line", "_text"
    )
    repaired: list[list[str]] = []
    repaired_lines: list[int] = []
    repaired_text: list[str] = []
    raw_lines: list[bytes] | None = None
    for text, i, parts in frame.filter(~tabbed.fill_null(False)).iter_rows():
        if text is None:
            raw_lines = raw_lines or raw.split(b"\n")
            shown = raw_lines[i - 1].decode("utf-8", errors="replace").rstrip("\r")
            result.outcomes["(unreadable)"] += 1
            result.rejects.append(Reject("calls", source, i, None, _NOT_TEXT, shown))
            continue
        loose = text.split()
        if len(loose) == N_FIELDS:
            repaired.append(loose)
            repaired_lines.append(i)
            repaired_text.append(text)
            result.warts["space_separated"] += 1
            continue
        result.outcomes["(unreadable)"] += 1
        reason = (
            "empty line"
            if not text.strip()
            else f"{len(parts)} TAB-separated fields ({len(loose)} by whitespace), "
            f"expected {N_FIELDS}: the line is cut or merged; fix or drop it"
        )
        result.rejects.append(Reject("calls", source, i, None, reason, text))
    if repaired:
        cols = list(zip(*repaired, strict=True))
        extra = pl.DataFrame(
            {h: pl.Series(h, list(c), dtype=pl.String) for h, c in zip(HEADER, cols, strict=True)}
        ).with_columns(
            pl.Series("_line", repaired_lines, dtype=pl.Int64),
            pl.Series("_text", repaired_text, dtype=pl.String),
        )
        good = pl.concat([good, extra]).sort("_line")
    for code, n in good["outcome"].str.strip_chars().value_counts().iter_rows():
        result.outcomes[code] += n
    return good


def _validate(frame: pl.DataFrame, source: str, result: AnonymousBankResult) -> pl.DataFrame:
    """Typed frame of the valid records; the others become rejects naming the first bad field."""
    frame = frame.with_columns(pl.col("type").alias("_type_raw"))
    frame = frame.with_columns(pl.col("type").str.strip_chars())
    bad = pl.lit(None, dtype=pl.String)
    for name, regex, _ in reversed(_CHECKS):
        bad = pl.when(~pl.col(name).str.contains(regex)).then(pl.lit(name)).otherwise(bad)
    date_ok = pl.col("date").str.to_date("%y%m%d", strict=False).is_not_null()
    bad = pl.when(bad.is_null() & ~date_ok).then(pl.lit("date!")).otherwise(bad)
    frame = frame.with_columns(bad.alias("_bad"))
    reasons = {name: reason for name, _, reason in _CHECKS}
    reasons["date!"] = "not a calendar date (YYMMDD)"
    for row in frame.filter(pl.col("_bad").is_not_null()).iter_rows(named=True):
        fname = str(row["_bad"])
        value = row["_type_raw"] if fname == "type" else row[fname.rstrip("!")]
        result.rejects.append(
            Reject(
                "calls",
                source,
                row["_line"],
                fname.rstrip("!"),
                f"{reasons[fname]}; got {value!r}",
                _raw(row),
            )
        )
    frame = frame.filter(pl.col("_bad").is_null())
    spaced = int((frame["_type_raw"] != frame["type"]).sum())
    if spaced:
        result.warts["type_leading_space"] += spaced
    return frame


def _drop_phantoms_and_duplicates(
    frame: pl.DataFrame, source: str, result: AnonymousBankResult
) -> pl.DataFrame:
    """Reject PHANTOM records and repeated call keys (the first occurrence is kept)."""
    frame = frame.with_columns(
        pl.concat_str([pl.lit(ID_PREFIX), "date", "vru+line", "call_id"], separator=":").alias(
            "call_id_key"
        )
    )
    phantom = pl.col("outcome") == "PHANTOM"
    for row in frame.filter(phantom).iter_rows(named=True):
        result.rejects.append(
            Reject("calls", source, row["_line"], "outcome", PHANTOM_REASON, _raw(row))
        )
    frame = frame.filter(~phantom)
    first = frame.group_by("call_id_key").agg(pl.col("_line").min().alias("_first"))
    frame = frame.join(first, on="call_id_key", how="left", maintain_order="left")
    repeated = pl.col("_line") != pl.col("_first")
    for row in frame.filter(repeated).iter_rows(named=True):
        result.rejects.append(
            Reject(
                "calls",
                source,
                row["_line"],
                "call_id",
                f"duplicate record of call {row['call_id_key']} (first seen at line "
                f"{row['_first']}, which is kept); remove the repeated line",
                _raw(row),
            )
        )
    return frame.filter(~repeated)


def _raw(row: dict[str, object]) -> str:
    """The record exactly as read."""
    return str(row["_text"])


# --- times --------------------------------------------------------------------------------


def _clock(name: str) -> pl.Expr:
    parts = pl.col(name).str.split(":")
    return (
        parts.list.get(0).cast(pl.Int64) * 3600
        + parts.list.get(1).cast(pl.Int64) * 60
        + parts.list.get(2).cast(pl.Int64)
    )


def _after(t: pl.Expr, prev: pl.Expr) -> pl.Expr:
    """Seconds since the call's date midnight: ``t`` on the day that does not jump back >12 h."""
    day = (prev - t + _NEXT_DAY_JUMP_S).floordiv(_DAY_S).clip(lower_bound=0)
    return t + day * _DAY_S


def _stage(frame: pl.DataFrame, start: str, end: str, dur: str, tag: str) -> pl.DataFrame:
    """Which of a stage's start/end are recorded: 0:00:00 is absent unless the duration proves it."""
    s, e, d = pl.col(f"{start}_c"), pl.col(f"{end}_c"), pl.col(f"{dur}_n")
    s_rec = (s != 0) | ((d > 0) & (e == d))
    e_rec = (e != 0) | ((d > 0) & s_rec & ((s + d) % _DAY_S == 0))
    real = ((s == 0) & s_rec) | ((e == 0) & e_rec)
    return frame.with_columns(
        s_rec.alias(f"{tag}_s_rec"), e_rec.alias(f"{tag}_e_rec"), real.alias(f"{tag}_midnight")
    )


def _to_calls(
    frame: pl.DataFrame, source: str, settings: Settings, result: AnonymousBankResult
) -> pa.Table:
    """Canonical ``calls`` from the valid, non-PHANTOM records."""
    clocks = ["vru_entry", "vru_exit", "q_start", "q_exit", "ser_start", "ser_exit"]
    f = frame.with_columns(
        *[_clock(c).alias(f"{c}_c") for c in clocks],
        *[pl.col(c).cast(pl.Int64).alias(f"{c}_n") for c in ("vru_time", "q_time", "ser_time")],
        pl.col("date").str.to_date("%y%m%d").alias("_date"),
    )
    f = _stage(f, "q_start", "q_exit", "q_time", "q")
    f = _stage(f, "ser_start", "ser_exit", "ser_time", "ser")
    # anchor every clock time on the call's date, moving it to the next day when it jumps
    # back by more than 12 h from the previous recorded stage time
    f = f.with_columns(pl.col("vru_entry_c").alias("ve"))
    f = f.with_columns(_after(pl.col("vru_exit_c"), pl.col("ve")).alias("vx"))
    f = f.with_columns(
        pl.when("q_s_rec").then(_after(pl.col("q_start_c"), pl.col("vx"))).alias("qs")
    )
    f = f.with_columns(
        pl.when("q_e_rec").then(_after(pl.col("q_exit_c"), pl.coalesce("qs", "vx"))).alias("qx")
    )
    f = f.with_columns(
        pl.when("ser_s_rec")
        .then(_after(pl.col("ser_start_c"), pl.coalesce("qx", "qs", "vx")))
        .alias("ss")
    )
    f = f.with_columns(
        pl.when("ser_e_rec")
        .then(_after(pl.col("ser_exit_c"), pl.coalesce("ss", "qx", "qs", "vx")))
        .alias("sx")
    )

    queued = pl.col("q_s_rec") | pl.col("q_e_rec")
    agent_row = pl.col("outcome") == "AGENT"
    outcome = (
        pl.when(agent_row)
        .then(pl.lit(Outcome.ANSWERED.value))
        .when(queued)
        .then(pl.lit(Outcome.ABANDONED.value))
        .otherwise(pl.lit(Outcome.IVR_ABANDONED.value))
    )
    vru_ok = pl.col("vru_time_n") >= 0
    ser_any = pl.col("ser_s_rec") | pl.col("ser_e_rec")
    f = f.with_columns(
        outcome.alias("outcome_c"),
        pl.when(vru_ok).then(pl.col("vx")).alias("ivr_exit_c"),
        pl.when(vru_ok).then(pl.col("vru_time_n").cast(pl.Float64)).alias("ivr_seconds"),
        pl.when(pl.col("q_s_rec") & pl.col("q_e_rec"))
        .then(pl.col("q_time_n").cast(pl.Float64))
        # served straight from the VRU: the ACD answered at once, a real zero wait
        .when(agent_row & ~pl.col("q_s_rec"))
        .then(pl.lit(0.0))
        .alias("wait_seconds"),
        pl.when(agent_row & pl.col("ser_s_rec")).then(pl.col("ss")).alias("answered_c"),
        pl.when(agent_row & pl.col("ser_s_rec") & pl.col("ser_e_rec"))
        .then(pl.col("ser_time_n").cast(pl.Float64))
        .alias("talk_seconds"),
        pl.when(agent_row & (pl.col("server") != NO_SERVER)).then(pl.col("server")).alias("agent"),
        pl.when(agent_row)
        .then(pl.col("sx"))
        .otherwise(pl.coalesce("sx", "qx", pl.when(vru_ok).then(pl.col("vx"))))
        .alias("ended_c"),
    )
    _count_warts(f, agent_row, queued, ser_any, vru_ok, result)

    base = pl.col("_date").cast(pl.Datetime("us"))

    def local(sec: str) -> pl.Expr:
        return base + pl.duration(seconds=pl.col(sec))

    centre = settings.centre if settings.centre != "default" else DEFAULT_CENTRE
    out = f.select(
        pl.col("call_id_key").alias("call_id"),
        pl.col("call_id_key").alias("contact_id"),
        pl.lit(1, dtype=pl.Int16).alias("leg"),
        pl.lit("voice").alias("channel"),
        pl.lit("inbound").alias("direction"),
        pl.lit(centre).alias("centre"),
        pl.col("type").alias("queue"),
        pl.col("type").alias("call_type"),
        pl.when(
            pl.col("customer_id").str.contains(r"^\d+$")
            & (pl.col("customer_id").str.strip_chars_start("0") != "")
        )
        .then(pl.col("customer_id"))
        .alias("customer_id"),
        pl.col("priority")
        .replace_strict(TIERS, default=None, return_dtype=pl.String)
        .alias("customer_tier"),
        local("ve").alias("offered_local"),
        local("ve").alias("ivr_entry_at"),
        local("ivr_exit_c").alias("ivr_exit_at"),
        "ivr_seconds",
        local("qs").alias("queue_entry_at"),
        local("qx").alias("queue_exit_at"),
        "wait_seconds",
        local("answered_c").alias("answered_at"),
        "agent",
        "talk_seconds",
        local("ended_c").alias("ended_at"),
        pl.col("outcome_c").alias("outcome"),
        pl.col("outcome").alias("source_outcome"),
        pl.lit(source).alias("source_file"),
        pl.col("_line").alias("source_line"),
    )
    table = out.to_arrow()
    zone = settings.timezone
    for name in (
        "ivr_entry_at",
        "ivr_exit_at",
        "queue_entry_at",
        "queue_exit_at",
        "answered_at",
        "ended_at",
    ):
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, local_to_utc(table.column(name), zone))
    table = table.append_column("offered_at", table.column("ivr_entry_at"))
    shifted = pc.sum(
        pc.not_equal(utc_to_local(table.column("offered_at"), zone), table.column("offered_local"))
    ).as_py()
    if shifted:
        result.warts["local_time_in_dst_gap"] += int(shifted)
    latest = pc.assume_timezone(
        table.column("offered_local"), zone, ambiguous="latest", nonexistent="latest"
    ).cast(schema.UTC_TS)
    ambiguous = pc.sum(pc.not_equal(latest, table.column("offered_at"))).as_py()
    if ambiguous:
        result.warts["local_time_ambiguous"] += int(ambiguous)
    odd = f.filter(
        pl.col("server").str.contains(NO_SERVER, literal=True) & (pl.col("server") != NO_SERVER)
    )["server"].value_counts(sort=True)
    if odd.height:
        names = ", ".join(f"{n} ({c:,})" for n, c in odd.iter_rows())
        result.notes.append(f"agent names that contain NO_SERVER, kept verbatim as agents: {names}")
    return schema.conform(schema.CALLS, table)


def _count_warts(
    f: pl.DataFrame,
    agent_row: pl.Expr,
    queued: pl.Expr,
    ser_any: pl.Expr,
    vru_ok: pl.Expr,
    result: AnonymousBankResult,
) -> None:
    """Count the repaired warts of the accepted records into ``result.warts``."""

    def n(expr: pl.Expr) -> int:
        return int(f.select(expr.fill_null(False).sum()).item())

    q_both = pl.col("qs").is_not_null() & pl.col("qx").is_not_null()
    s_both = pl.col("ss").is_not_null() & pl.col("sx").is_not_null()
    counts = {
        "type_unknown": n(~pl.col("type").is_in(sorted(CALL_TYPES))),
        "customer_id_scientific": n(~pl.col("customer_id").str.contains(r"^\d+$")),
        "agent_no_server": n(agent_row & (pl.col("server") == NO_SERVER)),
        "agent_no_service_start": n(agent_row & ~pl.col("ser_s_rec")),
        "hang_with_service_record": n(~agent_row & (ser_any | (pl.col("server") != NO_SERVER))),
        "hang_queued_zero_wait": n(~agent_row & queued & (pl.col("q_time_n") == 0)),
        "vru_exit_before_entry": n(~vru_ok),
        "queue_crosses_midnight": n(q_both & (pl.col("qs") < _DAY_S) & (pl.col("qx") >= _DAY_S)),
        "service_crosses_midnight": n(s_both & (pl.col("ss") < _DAY_S) & (pl.col("sx") >= _DAY_S)),
        "stage_starts_next_day": n((pl.col("qs") >= _DAY_S) | (pl.col("ss") >= _DAY_S)),
        "real_midnight": n(pl.col("q_midnight") | pl.col("ser_midnight")),
        "duration_mismatch": n(
            (
                q_both
                & ((pl.col("qx") - pl.col("qs") - pl.col("q_time_n")).abs() > DURATION_TOLERANCE_S)
            )
            | (
                s_both
                & (
                    (pl.col("sx") - pl.col("ss") - pl.col("ser_time_n")).abs()
                    > DURATION_TOLERANCE_S
                )
            )
            | (
                vru_ok
                & (
                    (pl.col("vx") - pl.col("ve") - pl.col("vru_time_n")).abs()
                    > DURATION_TOLERANCE_S
                )
            )
        ),
    }
    for k, v in counts.items():
        if v:
            result.warts[k] += v


def _note_missing_days(frame: pl.DataFrame, result: AnonymousBankResult) -> None:
    """Note the calendar days, within the months present, that have no record at all."""
    if frame.height == 0:
        return
    days = set(frame.select(pl.col("date").str.to_date("%y%m%d").unique()).to_series().to_list())
    months = sorted({(d.year, d.month) for d in days})
    missing: list[date] = []
    for y, m in months:
        d = date(y, m, 1)
        while d.month == m:
            if d not in days:
                missing.append(d)
            d += timedelta(days=1)
    if missing:
        result.missing_days = missing
        result.warts["days_missing"] += len(missing)
        result.notes.append(
            "no record at all on "
            + ", ".join(d.isoformat() for d in missing)
            + " (days missing from the source: treat them as unknown, not as days without calls)"
        )
