"""queue_log member / pause / ring / talk events -> canonical ``agent_states`` rows.

Rules (documented in docs/ingest-queue-log.md):

* ``logged_in``: ADDMEMBER→REMOVEMEMBER is a session **per queue** (``queue`` set);
  AGENTLOGIN / AGENTCALLBACKLOGIN → AGENTLOGOFF / AGENTCALLBACKLOGOFF is a session for
  all queues (``queue`` null). A logoff with no login in the log starts its session
  ``logintime`` seconds earlier (the logoff's own field). A second login while logged
  in keeps the first; a logoff / REMOVEMEMBER with nothing open is counted as a wart.
* ``not_ready``: PAUSE (one queue, or all when the queue is NONE) / PAUSEALL (all) →
  UNPAUSE (that queue) / UNPAUSEALL (every open pause of the agent); ``reason`` is the
  pause reason. A repeated pause with the same (or no) reason extends the open one; a
  pause with a new reason closes the open one and starts another. Logging off or leaving
  a queue ends the pauses it covers.
* ``ringing``: RINGNOANSWER / RINGCANCELED (ring time in **ms**, ending at the line's
  time) and the answered ring of CONNECT (ringtime in s, ending at the answer).
* ``talking``: answer → end of every answered or transferred leg (open when cut off).
* ``acw``: Wazo's WRAPUPSTART, lasting its data1 seconds (not linked to a call: the line
  carries no callid).
* Intervals still open at the end of the log have ``end_at`` and ``seconds`` null.
"""

from __future__ import annotations

from collections import Counter

import polars as pl
import pyarrow as pa

from callcenter import schema
from callcenter.ingest import _queue_log_verbs as V
from callcenter.schema import AgentState
from callcenter.settings import Settings

US = 1_000_000
_COLS = ("agent", "state", "reason", "queue", "start_us", "end_us", "call_id", "source_line")


class _States:
    """Collects interval rows column-wise."""

    def __init__(self) -> None:
        self.cols: dict[str, list[object]] = {c: [] for c in _COLS}

    def add(self, agent: str, state: str, reason: str | None, queue: str | None,
            start: int, end: int | None, line: int) -> None:
        for c, v in zip(_COLS, (agent, state, reason, queue, start, end, None, line), strict=True):
            self.cols[c].append(v)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            self.cols,
            schema={"agent": pl.String, "state": pl.String, "reason": pl.String,
                    "queue": pl.String, "start_us": pl.Int64, "end_us": pl.Int64,
                    "call_id": pl.String, "source_line": pl.Int64},
        )


def _sessions_and_pauses(events: pl.DataFrame, warts: Counter[str]) -> pl.DataFrame:
    """The Python state machine over member, login and pause events (time order)."""
    out = _States()
    sessions: dict[tuple[str, str | None], tuple[int, int]] = {}
    pauses: dict[str, dict[str | None, tuple[int, str | None, int]]] = {}

    def close_pauses(agent: str, t: int, queue: str | None = None, every: bool = True) -> int:
        open_ = pauses.get(agent, {})
        keys = list(open_) if every else [k for k in open_ if k == queue]
        for k in keys:
            start, reason, line = open_.pop(k)
            out.add(agent, AgentState.NOT_READY, reason, k, start, t, line)
        return len(keys)

    rows = events.select("t_us", "line", "event", "agent", "queue", "d1", "login_s",
                         "acw_s").iter_rows()
    for t, line, verb, agent, queue, d1, login_s, acw_s in rows:
        if verb == V.WRAPUP_VERB:
            end = None if acw_s is None else t + round(acw_s * US)
            out.add(agent, AgentState.ACW, None, queue, t, end, line)
        elif verb in V.SESSION_START_VERBS:
            key = (agent, queue if verb == "ADDMEMBER" else None)
            if key in sessions:
                warts[f"{verb} while already logged in (first login kept)"] += 1
            else:
                sessions[key] = (t, line)
        elif verb in V.SESSION_END_VERBS:
            key = (agent, queue if verb == "REMOVEMEMBER" else None)
            if key in sessions:
                start, sline = sessions.pop(key)
                out.add(agent, AgentState.LOGGED_IN, None, key[1], start, t, sline)
            elif login_s is not None:
                out.add(agent, AgentState.LOGGED_IN, None, None,
                        t - round(login_s * US), t, line)
                warts[f"{verb} without login in the log (start = logoff − logintime)"] += 1
            else:
                warts[f"{verb} without a login in the log (session start unknown, not recorded)"] += 1
            if verb == "REMOVEMEMBER":
                close_pauses(agent, t, key[1], every=False)
            else:
                close_pauses(agent, t)
        elif verb in V.PAUSE_VERBS:
            q = queue if verb == "PAUSE" else None
            reason = d1.strip() if d1 and d1.strip() else None
            agent_pauses = pauses.setdefault(agent, {})
            if q in agent_pauses:
                start, old_reason, pline = agent_pauses[q]
                if reason is None or reason == old_reason:
                    warts[f"{verb} while already paused (pause extended)"] += 1
                    continue
                out.add(agent, AgentState.NOT_READY, old_reason, q, start, t, pline)
            agent_pauses[q] = (t, reason, line)
        elif verb in V.UNPAUSE_VERBS:
            if verb == "UNPAUSEALL":
                n = close_pauses(agent, t)
            else:
                n = close_pauses(agent, t, queue, every=False)
                if n == 0 and None in pauses.get(agent, {}):
                    n = close_pauses(agent, t, None, every=False)
            if n == 0:
                warts[f"{verb} without an open pause (agent paused before the log)"] += 1
    for (agent, q), (start, line) in sessions.items():
        out.add(agent, AgentState.LOGGED_IN, None, q, start, None, line)
    for agent, open_ in pauses.items():
        for q, (start, reason, line) in open_.items():
            out.add(agent, AgentState.NOT_READY, reason, q, start, None, line)
    return out.frame()


def agent_state_frame(
    good: pl.DataFrame,
    calls: pa.Table,
    call_events: pl.DataFrame,
    settings: Settings,
    src: str,
    warts: Counter[str],
) -> pa.Table:
    """All agent state intervals of one log as the canonical ``agent_states`` table.

    ``good`` holds the accepted events (all of them, or only the agent verbs)."""
    agent_events = good.filter(pl.col("event").is_in(list(V.AGENT_VERBS))).sort(["t_us", "line"])
    parts = [_sessions_and_pauses(agent_events, warts)]
    ev = pl.col("event")
    rings = call_events.filter(
        pl.col("agent").is_not_null()
        & ((ev.is_in(list(V.RING_VERBS)) & pl.col("ring_ms").is_not_null())
           | ((ev == V.CONNECT) & pl.col("ring_s").is_not_null()))
    ).select(
        "agent",
        state=pl.lit(AgentState.RINGING.value),
        reason=pl.lit(None, pl.String),
        queue="queue",
        start_us=pl.col("t_us") - pl.when(ev == V.CONNECT)
        .then(pl.col("ring_s") * US).otherwise(pl.col("ring_ms") * 1000).round().cast(pl.Int64),
        end_us="t_us",
        call_id=pl.format("{}:{}", "callid", "leg"),
        source_line="line",
    )
    parts.append(rings)
    c = pl.from_arrow(calls.select(["agent", "queue", "answered_at", "ended_at", "call_id",
                                    "source_line"]))
    assert isinstance(c, pl.DataFrame)
    talk = c.filter(pl.col("answered_at").is_not_null() & pl.col("agent").is_not_null()).select(
        "agent",
        state=pl.lit(AgentState.TALKING.value),
        reason=pl.lit(None, pl.String),
        queue="queue",
        start_us=pl.col("answered_at").dt.epoch("us"),
        end_us=pl.col("ended_at").dt.epoch("us"),
        call_id="call_id",
        source_line="source_line",
    )
    parts.append(talk)
    df = pl.concat([p.cast({"source_line": pl.Int64}) for p in parts], how="vertical")
    # no sort: row order carries no meaning (the key is agent, state, start_at)
    df = df.select(
        "agent",
        "state",
        "reason",
        "queue",
        start_at=pl.col("start_us").cast(pl.Datetime("us", "UTC")),
        end_at=pl.col("end_us").cast(pl.Datetime("us", "UTC")),
        seconds=(pl.col("end_us") - pl.col("start_us")).cast(pl.Float64) / US,
        call_id="call_id",
        source_file=pl.lit(src),
        source_line="source_line",
    )
    table = df.to_arrow()
    from callcenter.timegrid import utc_to_local

    local = utc_to_local(table.column("start_at"), settings.timezone)
    table = table.append_column("start_local", local)
    return schema.conform("agent_states", table)
