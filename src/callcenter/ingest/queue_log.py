"""Asterisk ``queue_log`` reader: the flat file and the database-table export.

``read_queue_log(path, settings)`` -> :class:`~callcenter.ingest.base.ReadResult` with two
canonical tables:

* ``calls`` — one row per **queue leg**. ``contact_id`` is the Asterisk callid (the
  caller channel's uniqueid); legs are numbered from 1 in the order the call entered
  queues (ENTERQUEUE, or a FULL/JOINEMPTY/… that kept it out); ``call_id`` is
  ``"{callid}:{leg}"``.
* ``agent_states`` — ``logged_in`` sessions (ADDMEMBER→REMOVEMEMBER per queue,
  AGENTLOGIN/AGENTCALLBACKLOGIN→…LOGOFF for all queues), ``not_ready`` pauses with their
  reason (PAUSE/PAUSEALL→UNPAUSE/UNPAUSEALL), ``ringing`` (RINGNOANSWER/RINGCANCELED, and
  the answered ring from CONNECT) and ``talking`` (CONNECT→COMPLETE*/TRANSFER).
  ``ready`` is **not** derived: see ``docs/ingest-queue-log.md``.

Parsing and validation are vectorised (numpy line split, polars field split and typing,
numpy lookup tables over the verb's code); legs are found with numpy over integer
columns only (a stable sort of the call events by (callid hash, time), leg boundaries
from neighbouring rows, per-leg first/last rows with ``reduceat``), and the string
columns are gathered for the legs alone; only agent session/pause events (few) go
through a Python state machine. Every raw line is either accepted (used, or a known
harmless verb counted in ``warts``) or a :class:`~callcenter.ingest.base.Reject`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from callcenter import schema
from callcenter.errors import FormatError, InputError
from callcenter.ingest import _queue_log_verbs as V
from callcenter.ingest._queue_log_agents import agent_state_frame
from callcenter.ingest._queue_log_parse import (
    EVENT_ENUM,
    NO_EVENT,
    file_chunks,
    file_frame,
    iter_rejects,
    slim,
    table_frame,
    validate,
)
from callcenter.ingest.base import ReadResult, Reject, require_file
from callcenter.schema import Outcome, TransferKind
from callcenter.settings import Settings

LAYOUTS = ("auto", "file", "table")
US = 1_000_000


def _lut(verbs: Iterable[str]) -> np.ndarray:
    """Boolean lookup table over the event Enum's physical codes (plus NO_EVENT)."""
    cats = EVENT_ENUM.categories.to_list()
    out = np.zeros(NO_EVENT + 1, dtype=bool)
    for v in verbs:
        out[cats.index(v)] = True
    return out


_LUT: dict[str, np.ndarray] = {
    "call": _lut(V.CALL_VERBS),
    "term": _lut(V.TERMINAL_VERBS),
    "ring": _lut(V.RING_VERBS),
    "start": _lut([V.ENTER, *V.BLOCKED_VERBS]),
    "enter": _lut([V.ENTER]),
    "connect": _lut([V.CONNECT]),
}


def _callid_key(callids: pl.Series) -> np.ndarray:
    """64-bit hashes of the callids (equal callids, equal keys; the caller checks that
    distinct callids did not collide)."""
    return callids.hash(seed=0).to_numpy()


def _changes(s: pl.Series) -> np.ndarray:
    """True where a value differs from the one before it (and for the first)."""
    return (s != s.shift(1)).fill_null(True).to_numpy()


def detect_layout(head: bytes) -> str:
    """'table' when the first line is a CSV header naming time/callid/event, else 'file'."""
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].lower()
    if b"," in first and b"event" in first and b"time" in first and b"callid" in first:
        return "table"
    return "file"


def read_queue_log(path: Path, settings: Settings, *, layout: str = "auto") -> ReadResult:
    """Read an Asterisk queue_log (file or table layout) into canonical tables.

    Instants: file epochs are UTC; date-times in the table layout are centre-local wall
    clock (``settings.timezone``) unless they carry a UTC offset. Durations come from the
    verbs' own fields (seconds; ring times in ms are converted), with timestamps as the
    fallback when a version does not log them.

    Raises :class:`~callcenter.errors.InputError` only when the file cannot be read at
    all (missing, empty, no line looks like queue_log); bad lines become rejects.
    """
    if layout not in LAYOUTS:
        raise InputError(f"unknown queue_log layout {layout!r}", hint="use auto, file or table")
    p = require_file(Path(path))
    src = str(p)
    try:
        with open(p, "rb") as f:
            head = f.read(4096)
        kind = detect_layout(head) if layout == "auto" else layout
        goods: list[pl.DataFrame] = []
        rejected: list[pl.DataFrame] = []
        notes: list[str] = []
        rows_read = 0
        if kind == "table":
            frame, bad, notes = table_frame(p.read_bytes(), src, settings.timezone)
            chunks: Iterable[tuple[pl.DataFrame, set[int]]] = [(frame, bad)]
        else:
            chunks = (file_frame(block, first) for block, first in file_chunks(p))
        for frame, bad in chunks:
            accepted, rej = validate(frame, bad)
            rows_read += frame.height
            del frame
            goods.append(slim(accepted))
            del accepted
            rejected.append(rej)
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror}", hint="check permissions") from None
    # one chunk: the gathers below are several times faster on contiguous columns
    good = pl.concat(goods).rechunk() if len(goods) > 1 else goods[0].rechunk()
    del goods
    result = ReadResult(source_file=src, format=f"queue_log:{kind}", rows_read=rows_read)
    result.notes.extend(notes)
    for rej in rejected:
        result.rejects.extend(
            Reject(table, src, line, field, reason, rawtxt)
            for line, field, reason, rawtxt, table in iter_rejects(rej)
        )
    if good.height == 0 or good.filter(~pl.col("blank")).height == 0:
        first_reject = result.rejects[0] if result.rejects else None
        raise FormatError(
            f"no line of {p.name} is a queue_log event"
            + (f" (line {first_reject.line}: {first_reject.reason})" if first_reject else ""),
            where=src,
            hint="is this an Asterisk queue_log? use layout='file' or 'table' to force one",
        )
    _count_warts(good, result)
    agent_events = good.filter(pl.col("event").is_in(list(V.AGENT_VERBS)))
    legs, ring_events = _leg_rows(good)
    del good  # the whole log: free it before the output tables are built
    calls, call_events = _leg_table(legs, ring_events, settings, src, result)
    del legs, ring_events
    result.tables["calls"] = calls
    result.tables["agent_states"] = agent_state_frame(agent_events, calls, call_events,
                                                      settings, src, result.warts)
    result.notes.append(
        "instants: file epochs are UTC; table date-times are centre-local "
        f"({settings.timezone}) unless they carry an offset"
    )
    result.check_accounting()
    return result


def _count_warts(good: pl.DataFrame, result: ReadResult) -> None:
    """Warts of accepted lines: blank lines, ignored verbs, lines out of time order."""
    blank = int(good["blank"].sum())
    if blank:
        result.warts["blank line ignored"] += blank
    ignored = good.filter(pl.col("event").is_in(list(V.IGNORED_VERBS)))
    for verb, n in ignored.group_by("event").len().iter_rows():
        result.warts[f"{verb} event (informational, ignored)"] += n
    t = good.filter(~pl.col("blank"))["t_us"]
    prev_max = t.cum_max().shift(1)
    ooo = int((t < prev_max).sum() or 0)
    if ooo:
        result.warts["line earlier than a line before it (re-sorted by time)"] += ooo


def _leg_rows(good: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Call events -> per leg, the fields of its first, last, ENTERQUEUE, CONNECT and end
    events; and the ring events with their leg. Everything later needs only these, so
    the caller can free ``good`` (the whole log) before the output tables are built."""
    # Work on integer codes only: the stable sort by (callid, time) and the leg boundaries
    # are numpy over small integer arrays; string columns are gathered for the legs alone.
    codes = good["event"].to_physical().fill_null(NO_EVENT).to_numpy()
    call_rows = np.flatnonzero(_LUT["call"][codes])
    take = pl.Series(call_rows, dtype=pl.Int64)
    t_us = good["t_us"].to_numpy()[call_rows]
    # group the events of a call by a 64-bit hash of its callid, then check with the
    # strings that no two callids share a hash (else group by exact rank: same result)
    key = _callid_key(good["callid"].gather(take))
    # ``good`` is in line order and lexsort is stable: ties on (callid, time) keep file order
    order = np.lexsort((t_us, key))
    ri = call_rows[order]  # row of ``good`` for each event, in (callid, time) order
    n = len(ri)
    by_row = pl.Series(ri, dtype=pl.Int64)
    callids = good["callid"].gather(by_row)
    new_call = _changes(callids)
    if not np.array_equal(new_call, _changes(pl.Series(key[order]))):
        key = good["callid"].gather(take).rank("dense").to_numpy()
        order = np.lexsort((t_us, key))
        ri = call_rows[order]
        by_row = pl.Series(ri, dtype=pl.Int64)
        new_call = _changes(good["callid"].gather(by_row))
    queue_change = _changes(good["queue"].gather(by_row))
    del take, t_us, key, order, by_row, callids
    ec = codes[ri]
    is_term = _LUT["term"][ec]
    after_end = np.zeros(n, dtype=bool)
    after_end[1:] = is_term[:-1] & ~_LUT["ring"][ec[1:]]
    # a leg starts at ENTERQUEUE (or FULL/JOINEMPTY/...), at a new call or queue, and at
    # any non-ring event after an end event: so a leg holds at most one end event
    new_leg = new_call | _LUT["start"][ec] | queue_change | after_end
    leg_seq = np.cumsum(new_leg, dtype=np.int64)
    call_first_seq = leg_seq[np.flatnonzero(new_call)]
    leg_of_row = leg_seq - np.repeat(call_first_seq, np.diff(
        np.append(np.flatnonzero(new_call), n))) + 1
    starts = np.flatnonzero(new_leg)
    ends = np.append(starts[1:], n)[: len(starts)] - 1
    pos = np.arange(n, dtype=np.int64)
    lines = good["line"].to_numpy()

    # per leg: the row of its first ENTERQUEUE, first CONNECT and (only) end event;
    # their fields are then gathered for the legs alone
    def first_where(cond: np.ndarray) -> np.ndarray:
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        return np.minimum.reduceat(np.where(cond, pos, n), starts)

    def last_where(cond: np.ndarray) -> np.ndarray:
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        return np.maximum.reduceat(np.where(cond, pos, -1), starts)

    def rows(at: np.ndarray, missing: np.ndarray | None = None) -> pl.Series:
        out = ri[np.clip(at, 0, max(n - 1, 0))] if n else at
        s = pl.Series(out, dtype=pl.Int64)
        return s if missing is None else s.set(pl.Series(missing), None)

    enter_at = first_where(_LUT["enter"][ec])
    connect_at = first_where(_LUT["connect"][ec])
    term_at = last_where(is_term)
    source_line = (np.minimum.reduceat(lines[ri], starts) if n
                   else np.zeros(0, dtype=np.int64))
    first = good.select("callid", "queue", first_t="t_us").gather(rows(starts))
    last = good.select(last_ev="event").gather(rows(ends))
    enter = good.select(enter_t="t_us", caller="d2").gather(rows(enter_at, enter_at == n))
    connect = good.select(connect_t="t_us", connect_agent="agent", connect_hold="hold_s",
                          connect_ring="ring_s").gather(rows(connect_at, connect_at == n))
    term = good.select(term_ev="event", term_t="t_us", term_agent="agent", term_hold="hold_s",
                       term_talk="talk_s", term_wait="wait_s", term_d1="d1", term_d2="d2",
                       term_d3="d3").gather(rows(term_at, term_at == -1))
    legs = pl.concat(
        [pl.DataFrame({"leg_seq": leg_seq[starts], "n": ends - starts + 1,
                       "source_line": source_line, "leg": leg_of_row[starts]},
                      schema={"leg_seq": pl.Int64, "n": pl.Int64, "source_line": pl.Int64,
                              "leg": pl.Int64}),
         first, last, enter, connect, term],
        how="horizontal")
    assert isinstance(legs, pl.DataFrame)
    # events that become ``ringing`` states: unanswered rings and the answered ring
    ring = np.flatnonzero(_LUT["ring"][ec] | _LUT["connect"][ec])
    calls_df = good.select("callid", "queue", "agent", "event", "t_us", "ring_ms", "ring_s",
                           "line").gather(pl.Series(ri[ring], dtype=pl.Int64)).with_columns(
        leg_seq=pl.Series(leg_seq[ring], dtype=pl.Int64),
        leg=pl.Series(leg_of_row[ring], dtype=pl.Int64))
    return legs, calls_df


def _leg_table(
    legs: pl.DataFrame, calls_df: pl.DataFrame, settings: Settings, src: str,
    result: ReadResult,
) -> tuple[pa.Table, pl.DataFrame]:
    """Per-leg rows (from :func:`_leg_rows`) -> canonical ``calls``, and the ring events
    with their final leg numbers."""
    # Clock skew: a leg logged without ENTERQUEUE, directly followed (same call, same
    # queue) by a leg holding nothing but an ENTERQUEUE that was *written earlier* in the
    # source, is one leg whose ENTERQUEUE carries a later timestamp than its other
    # events. Merge them. (An ENTERQUEUE written later is a genuine new leg.)
    def nxt(c: str) -> pl.Expr:
        return pl.col(c).shift(-1)

    merge = (
        (pl.col("callid") == nxt("callid"))
        & (pl.col("queue") == nxt("queue"))
        & pl.col("enter_t").is_null()
        & nxt("enter_t").is_not_null()
        & (nxt("n") == 1)
        & (nxt("source_line") < pl.col("source_line"))  # written before, stamped after
    ).fill_null(False)
    legs = legs.with_columns(
        merge=merge,
        merged_into_prev=merge.shift(1).fill_null(False),
    ).with_columns(
        enter_t=pl.when("merge").then(nxt("enter_t")).otherwise("enter_t"),
        caller=pl.when("merge").then(nxt("caller")).otherwise("caller"),
        source_line=pl.when("merge")
        .then(pl.min_horizontal("source_line", nxt("source_line")))
        .otherwise("source_line"),
    )
    n_merge = int(legs["merge"].sum())
    if n_merge:
        result.warts["ENTERQUEUE logged after the leg's other events (clock skew, merged)"] += n_merge
    legs = legs.with_columns(
        is_last_leg=(pl.col("callid") != pl.col("callid").shift(-1)).fill_null(True))
    if n_merge:  # renumber legs and move the merged ENTERQUEUE events (rare: slow path)
        seq_map = legs.select(
            "leg_seq",
            target=pl.when("merged_into_prev").then(pl.col("leg_seq").shift(1))
            .otherwise("leg_seq"),
        )
        legs = legs.filter(~pl.col("merged_into_prev")).with_columns(
            leg=pl.col("leg_seq").rank("ordinal").over("callid").cast(pl.Int64),
            is_last_leg=(pl.col("callid") != pl.col("callid").shift(-1)).fill_null(True),
        )
        calls_df = (calls_df.drop("leg").join(seq_map, on="leg_seq", how="left")
                    .drop("leg_seq").rename({"target": "leg_seq"})
                    .join(legs.select("leg_seq", "leg"), on="leg_seq", how="left"))
    too_many = legs.filter(pl.col("leg") > 32767)
    if too_many.height:
        raise FormatError(
            f"call {too_many['callid'][0]} has more than 32767 queue legs",
            where=src, hint="the callid column is probably not a uniqueid; check the layout")
    _leg_warts(legs, result)
    out = _leg_columns(legs, settings, src)
    return out, calls_df


def _leg_warts(legs: pl.DataFrame, result: ReadResult) -> None:
    counts = legs.select(
        no_enter=(pl.col("enter_t").is_null() & ~pl.col("term_ev").is_in(list(V.BLOCKED_VERBS))
                  .fill_null(False)).sum(),
        no_connect=(pl.col("term_ev").is_in(list(V.COMPLETE_VERBS | V.TRANSFER_VERBS))
                    & pl.col("connect_t").is_null()).sum(),
        cut_mid=(pl.col("term_ev").is_null() & ~pl.col("is_last_leg")).sum(),
        cut_end=(pl.col("term_ev").is_null() & pl.col("is_last_leg")).sum(),
    ).row(0, named=True)
    labels = {
        "no_enter": "leg without ENTERQUEUE (log starts mid-call or lines missing)",
        "no_connect": "answered leg without CONNECT (answer time derived from calltime)",
        "cut_mid": "leg without an end event, followed by another leg of the call",
        "cut_end": "call cut off at the end of the log (outcome incomplete)",
    }
    for k, label in labels.items():
        if counts[k]:
            result.warts[label] += int(counts[k])


def _leg_columns(legs: pl.DataFrame, settings: Settings, src: str) -> pa.Table:
    """Per-leg aggregates -> the canonical ``calls`` columns."""
    term = pl.col("term_ev")
    answered = term.is_in(list(V.COMPLETE_VERBS))
    transferred = term.is_in(list(V.TRANSFER_VERBS))
    reached = answered | transferred
    blocked = term.is_in(list(V.BLOCKED_VERBS))
    loss = term.is_in(list(V.LOSS_OUTCOME))
    open_ = term.is_null()
    talking = open_ & pl.col("connect_t").is_not_null()
    outcome: pl.Expr = pl.lit(Outcome.INCOMPLETE.value)
    for verb, oc in reversed(V.LOSS_OUTCOME.items()):
        outcome = pl.when(term == verb).then(pl.lit(oc.value)).otherwise(outcome)
    outcome = pl.when(answered).then(pl.lit(Outcome.ANSWERED.value)).otherwise(outcome)
    outcome = pl.when(transferred).then(pl.lit(Outcome.TRANSFERRED.value)).otherwise(outcome)
    outcome = pl.when(blocked).then(pl.lit(Outcome.BLOCKED.value)).otherwise(outcome)

    def secs(a: str, b: str) -> pl.Expr:
        return (pl.col(a) - pl.col(b)).cast(pl.Float64) / US

    answered_at = pl.when(reached).then(
        pl.coalesce(pl.col("connect_t"),
                    pl.col("term_t") - (pl.col("term_talk") * US).round().cast(pl.Int64))
    ).when(talking).then(pl.col("connect_t"))
    legs = legs.with_columns(answered_at=answered_at)
    wait = (
        pl.when(reached | talking)
        .then(pl.coalesce("connect_hold", "term_hold", secs("answered_at", "enter_t")))
        .when(loss)
        .then(pl.coalesce("term_wait", secs("term_t", "enter_t")))
    )
    legs = legs.with_columns(wait_seconds=wait.clip(lower_bound=0.0))
    offered = pl.coalesce(
        "enter_t",
        pl.when(pl.col("answered_at").is_not_null()).then(
            pl.col("answered_at") - (pl.col("wait_seconds").fill_null(0) * US).round().cast(pl.Int64)),
        "first_t",
    )
    ring_s = pl.when(reached | talking).then(pl.col("connect_ring"))
    spr = settings.seconds_per_ring
    kind = (pl.when(term.is_in(["TRANSFER", "BLINDTRANSFER"])).then(pl.lit(TransferKind.BLIND.value))
            .when(term == "ATTENDEDTRANSFER").then(pl.lit(TransferKind.ANNOUNCED.value)))
    target = (
        pl.when(term.is_in(["TRANSFER", "BLINDTRANSFER"]))
        .then(pl.when(pl.col("term_d2").fill_null("") != "")
              .then(pl.format("{}@{}", "term_d1", "term_d2")).otherwise("term_d1"))
        .when((term == "ATTENDEDTRANSFER") & (pl.col("term_d1").str.to_uppercase() == "LINK"))
        .then(pl.format("LINK:{},{}", "term_d2", "term_d3"))
        .when(term == "ATTENDEDTRANSFER")
        .then(pl.format("{}:{}", "term_d1", "term_d2"))
    )

    def ts(e: pl.Expr) -> pl.Expr:
        return e.cast(pl.Datetime("us", "UTC"))

    df = legs.select(
        call_id=pl.format("{}:{}", "callid", "leg"),
        contact_id=pl.col("callid"),
        leg=pl.col("leg").cast(pl.Int16),
        channel=pl.lit("voice"),
        direction=pl.lit("inbound"),
        centre=pl.lit(settings.centre),
        queue=pl.col("queue"),
        caller_number=pl.when(pl.col("caller").fill_null("") != "").then("caller"),
        offered_at=ts(offered),
        queue_entry_at=ts(pl.col("enter_t")),
        queue_exit_at=ts(pl.when(reached | talking).then("answered_at")
                         .when(loss).then("term_t")),
        wait_seconds=pl.col("wait_seconds"),
        answered_at=ts(pl.col("answered_at")),
        agent=pl.when(reached | talking).then(pl.coalesce("connect_agent", "term_agent")),
        ring_count=pl.when(ring_s.is_not_null())
        .then(pl.max_horizontal(pl.lit(1.0), (ring_s / spr).ceil()).cast(pl.Int16)),
        ring_seconds=ring_s,
        talk_seconds=pl.when(reached).then(
            pl.coalesce("term_talk", secs("term_t", "answered_at"))),
        ended_at=ts(pl.when(~open_).then("term_t")),
        outcome=outcome,
        source_outcome=pl.col("last_ev").cast(pl.String),
        transfer_kind=kind,
        transfer_target=target,
        source_file=pl.lit(src),
        source_line=pl.col("source_line"),
    )
    table = df.to_arrow()
    local = schema_local(table.column("offered_at"), settings.timezone)
    table = table.append_column("offered_local", local)
    return schema.conform("calls", table)


def schema_local(utc: pa.ChunkedArray, zone: str) -> pa.ChunkedArray:
    """UTC instants -> naive centre-local wall clock (via the shared time rule)."""
    from callcenter.timegrid import utc_to_local

    out = utc_to_local(utc, zone)
    return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out])
