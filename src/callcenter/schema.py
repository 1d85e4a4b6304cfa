"""The canonical tables: every reader produces them, every indicator reads them.

Each table is declared once, column by column, with its Arrow type, whether it may be
null, its unit and its meaning. ``docs/schema.md`` is generated from these declarations
(``python -m callcenter.schema``), so the documentation cannot drift from the code.

Conventions that hold for every table
-------------------------------------
* **Instants** are ``timestamp[us, tz=UTC]``: unambiguous, DST-proof. Readers convert from
  the centre's local time (``Settings.timezone``) on the way in. For fast, portable interval
  bucketing, ``calls.offered_local`` and ``agent_states.start_local`` additionally hold the
  same instant as naive wall-clock time in the centre's zone.
* **Durations** are float64 seconds. A duration that did not happen is **null, not 0**, so
  averages do not drown in zeros (a call that never queued has ``wait_seconds`` null).
* **Contacts and legs.** ``calls`` holds one row per queue leg. ``contact_id`` groups the
  legs of one caller's contact (overflow, transfer, a call logged in two queues); ``leg``
  numbers them from 1. Queue-level indicators count legs; centre-level indicators count
  distinct contacts. ``call_id`` is the primary key of the leg row.
* **Outcome** is one closed taxonomy (:class:`Outcome`); the source's own code is kept in
  ``source_outcome`` for traceability.
* **Provenance.** Every row keeps ``source_file`` and ``source_line`` (the first raw line /
  event id that made it), so a figure can be traced back to the raw lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import pyarrow as pa

UTC_TS: Final = pa.timestamp("us", tz="UTC")
LOCAL_TS: Final = pa.timestamp("us")


class Outcome(StrEnum):
    """What happened to a call leg. Every reader maps to these; every indicator counts by them."""

    ANSWERED = "answered"  # connected to an agent (接通)
    ABANDONED = "abandoned"  # caller hung up while waiting in the ACD queue (排队放弃)
    IVR_ABANDONED = "ivr_abandoned"  # caller hung up in the IVR before asking for an agent
    IVR_SELF_SERVED = "ivr_self_served"  # completed in the IVR (自助服务完成)
    BLOCKED = "blocked"  # busy signal / trunk or queue full: never reached the ACD (忙音)
    TIMEOUT = "timeout"  # left the queue because the queue's maximum wait expired
    EXIT_EMPTY = "exit_empty"  # left the queue because no agent was logged in / available
    EXIT_KEY = "exit_key"  # caller pressed a key to leave the queue (e.g. for voicemail)
    OVERFLOWED = "overflowed"  # moved on to another queue/site (the next leg continues it)
    CALLBACK = "callback"  # caller chose a callback instead of waiting (预约回呼)
    TRANSFERRED = "transferred"  # answered and then transferred away (see transfer_kind)
    INCOMPLETE = "incomplete"  # still in progress where the source ends (log cut off)


#: outcomes in which the leg reached an agent
ANSWERED_OUTCOMES: Final = frozenset({Outcome.ANSWERED, Outcome.TRANSFERRED})
#: outcomes in which the caller reached the ACD queue and left it without an agent
QUEUE_LOSS_OUTCOMES: Final = frozenset(
    {Outcome.ABANDONED, Outcome.TIMEOUT, Outcome.EXIT_EMPTY, Outcome.EXIT_KEY, Outcome.CALLBACK}
)
#: outcomes that end inside the IVR
IVR_OUTCOMES: Final = frozenset({Outcome.IVR_ABANDONED, Outcome.IVR_SELF_SERVED})


class AgentState(StrEnum):
    """Agent states (坐席状态). ``logged_in`` rows are sessions; the others partition them."""

    LOGGED_IN = "logged_in"  # 签入: whole session from login to logout
    READY = "ready"  # 示闲: available for calls
    NOT_READY = "not_ready"  # 示忙: paused, with ``reason``
    RINGING = "ringing"  # a call is being offered to the agent
    TALKING = "talking"  # 通话
    HOLD = "hold"  # 保持 (inside a call)
    ACW = "acw"  # 事后处理: after-call work
    OUTBOUND = "outbound"  # 外呼


class TransferKind(StrEnum):
    BLIND = "blind"  # 盲转: transferred without speaking to the target first
    ANNOUNCED = "announced"  # 咨询转: attended / consultative transfer


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool
    unit: str
    doc: str


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema. Every field is nullable at the Arrow level so that a reader can
        hand over a bad row instead of crashing; ``required`` columns are enforced when the
        rows are stored (missing -> quarantine) and by NOT NULL in the warehouse."""
        return pa.schema([pa.field(c.name, c.type) for c in self.columns])

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if not c.nullable]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name: str, type_: pa.DataType, unit: str, doc: str, *, null: bool = True) -> Column:
    return Column(name, type_, null, unit, doc)


S, I16, I64, F64, B = pa.string(), pa.int16(), pa.int64(), pa.float64(), pa.bool_()

_PROVENANCE = (
    _c("source_file", S, "", "file or feed the row came from", null=False),
    _c("source_line", I64, "line", "first raw line (1-based) or event id that made the row"),
)

CALLS = Table(
    "calls",
    "One row per queue leg of a contact (联络). Voice now; chat, e-mail and WeChat share it.",
    (
        _c("call_id", S, "", "primary key of the leg (unique across sources)", null=False),
        _c("contact_id", S, "", "the contact this leg belongs to", null=False),
        _c("leg", I16, "", "leg number within the contact, from 1", null=False),
        _c("channel", S, "", "voice | chat | email | wechat | video", null=False),
        _c("direction", S, "", "inbound | outbound", null=False),
        _c("centre", S, "", "call centre / site"),
        _c("queue", S, "", "ACD queue or skill group (技能组)"),
        _c("call_type", S, "", "call type / business line (业务类型)"),
        _c("customer_id", S, "", "customer identifier, null when anonymous"),
        _c("customer_tier", S, "", "customer tier (客户级别), e.g. vip, normal"),
        _c("caller_number", S, "", "calling number (主叫号码); may be masked"),
        _c("offered_at", UTC_TS, "instant", "when the leg reached the centre", null=False),
        _c(
            "offered_local",
            LOCAL_TS,
            "wall clock",
            "offered_at in the centre's time zone",
            null=False,
        ),
        _c("ivr_entry_at", UTC_TS, "instant", "entered the IVR (进入IVR)"),
        _c("ivr_exit_at", UTC_TS, "instant", "left the IVR"),
        _c("ivr_seconds", F64, "s", "time in the IVR"),
        _c("queue_entry_at", UTC_TS, "instant", "entered the ACD queue (进入排队)"),
        _c("queue_exit_at", UTC_TS, "instant", "left the queue (answered or lost)"),
        _c("wait_seconds", F64, "s", "time in queue until answer or loss; 0 when answered without queueing, null if the leg never reached the ACD queue"),
        _c("answered_at", UTC_TS, "instant", "agent answered (应答)"),
        _c("agent", S, "", "agent who answered (坐席工号)"),
        _c("team", S, "", "agent's team (班组) at the time of the call"),
        _c("ring_count", I16, "rings", "rings before answer (振铃次数)"),
        _c("ring_seconds", F64, "s", "ringing time before answer"),
        _c("talk_seconds", F64, "s", "conversation time, hold included (通话时长)"),
        _c("hold_seconds", F64, "s", "time the caller was on hold (持线时长)"),
        _c("acw_seconds", F64, "s", "after-call work (事后处理时长)"),
        _c("ended_at", UTC_TS, "instant", "the leg ended (caller or agent released)"),
        _c("outcome", S, "", "closed taxonomy, see Outcome", null=False),
        _c("source_outcome", S, "", "the source's own outcome code / event"),
        _c("transfer_kind", S, "", "blind | announced when the agent transferred the call"),
        _c("transfer_target", S, "", "queue / extension / agent the call was transferred to"),
        _c("wrapup_code", S, "", "wrap-up / disposition code (小结代码)"),
        _c("resolved", B, "", "resolved at first contact as coded at wrap-up (一次解决)"),
        _c("survey_score", F64, "points", "post-call survey score, if surveyed"),
        *_PROVENANCE,
    ),
    key=("call_id",),
)

AGENT_STATES = Table(
    "agent_states",
    "One row per agent state interval (坐席状态明细).",
    (
        _c("agent", S, "", "agent id", null=False),
        _c("team", S, "", "team"),
        _c("state", S, "", "see AgentState", null=False),
        _c("reason", S, "", "not-ready / pause reason (示忙原因)"),
        _c("queue", S, "", "queue the state applies to, null for all queues"),
        _c("start_at", UTC_TS, "instant", "interval start", null=False),
        _c("start_local", LOCAL_TS, "wall clock", "start_at in the centre's zone", null=False),
        _c("end_at", UTC_TS, "instant", "interval end; null if open at the end of the source"),
        _c("seconds", F64, "s", "end_at - start_at; null while open"),
        _c("call_id", S, "", "the call leg a talking/hold/acw state belongs to"),
        *_PROVENANCE,
    ),
    key=("agent", "state", "start_at"),
)

SCHEDULE = Table(
    "schedule",
    "Planned activities per agent (排班计划): phone time, breaks, meals, training.",
    (
        _c("agent", S, "", "agent id", null=False),
        _c("team", S, "", "team"),
        _c(
            "date",
            pa.date32(),
            "date",
            "roster day (a shift crossing midnight belongs to the day it starts)",
            null=False,
        ),
        _c("activity", S, "", "phone | break | meal | training | meeting | offline", null=False),
        _c("start_at", UTC_TS, "instant", "activity start", null=False),
        _c("end_at", UTC_TS, "instant", "activity end", null=False),
        _c("shift", S, "", "shift template name"),
        _c("published", B, "", "part of a published (frozen) roster"),
        *_PROVENANCE,
    ),
    key=("agent", "start_at", "activity"),
)

TIMECLOCK = Table(
    "timeclock",
    "Attendance from time clock / access control (考勤).",
    (
        _c("agent", S, "", "agent id", null=False),
        _c("date", pa.date32(), "date", "working day", null=False),
        _c("scheduled", B, "", "agent was scheduled to work that day", null=False),
        _c("present", B, "", "agent actually worked", null=False),
        _c("clock_in_at", UTC_TS, "instant", "clock-in"),
        _c("clock_out_at", UTC_TS, "instant", "clock-out"),
        _c("absence_reason", S, "", "sick | leave | absent | ..."),
        *_PROVENANCE,
    ),
    key=("agent", "date"),
)

QA_SCORES = Table(
    "qa_scores",
    "Quality-assurance evaluations of monitored calls (质检评分).",
    (
        _c("evaluation_id", S, "", "evaluation id", null=False),
        _c("agent", S, "", "evaluated agent", null=False),
        _c("call_id", S, "", "evaluated call leg"),
        _c("evaluated_at", UTC_TS, "instant", "when it was evaluated", null=False),
        _c("evaluator", S, "", "QA staff"),
        _c("form", S, "", "evaluation form"),
        _c("score", F64, "points", "score given", null=False),
        _c("max_score", F64, "points", "maximum of the form (default 100)"),
        *_PROVENANCE,
    ),
    key=("evaluation_id",),
)

SURVEYS = Table(
    "surveys",
    "Post-call satisfaction surveys (满意度调查).",
    (
        _c("survey_id", S, "", "survey id", null=False),
        _c("call_id", S, "", "surveyed call leg"),
        _c("answered_at", UTC_TS, "instant", "when the caller answered", null=False),
        _c("score", F64, "points", "score given", null=False),
        _c("scale_max", F64, "points", "best possible score (e.g. 5)", null=False),
        _c("satisfied", B, "", "counted as satisfied (满意/非常满意)"),
        *_PROVENANCE,
    ),
    key=("survey_id",),
)

COSTS = Table(
    "costs",
    "Centre costs per period (成本), for cost per call.",
    (
        _c("period_start", pa.date32(), "date", "first day of the period", null=False),
        _c("period_end", pa.date32(), "date", "last day of the period (inclusive)", null=False),
        _c("centre", S, "", "centre (the settings' centre when the source has none)", null=False),
        _c("category", S, "", "staff | telecom | facilities | it | other", null=False),
        _c("amount", F64, "currency", "amount", null=False),
        _c("currency", S, "", "ISO currency code, e.g. CNY", null=False),
        *_PROVENANCE,
    ),
    key=("period_start", "centre", "category"),
)

AGENTS = Table(
    "agents",
    "Agent master data (坐席档案).",
    (
        _c("agent", S, "", "agent id", null=False),
        _c("name", S, "", "display name"),
        _c("team", S, "", "team"),
        _c("centre", S, "", "centre"),
        _c("role", S, "", "agent | team_leader | qa | supervisor", null=False),
        _c("employment", S, "", "full_time | part_time"),
        _c("skills", S, "", "comma-separated queues/skills"),
        _c("contract_hours", F64, "h/month", "contracted hours per month"),
        _c("hired_on", pa.date32(), "date", "first working day"),
        _c("left_on", pa.date32(), "date", "last working day, null while employed"),
        *_PROVENANCE,
    ),
    key=("agent",),
)

HEADCOUNT_EVENTS = Table(
    "headcount_events",
    "Joiners and leavers (人员变动), for turnover.",
    (
        _c("agent", S, "", "agent id", null=False),
        _c("event", S, "", "join | leave", null=False),
        _c("date", pa.date32(), "date", "effective date", null=False),
        _c("employment", S, "", "full_time | part_time"),
        _c("reason", S, "", "reason for leaving"),
        *_PROVENANCE,
    ),
    key=("agent", "event", "date"),
)

IVR_EVENTS = Table(
    "ivr_events",
    "IVR trail per contact (IVR 轨迹): nodes visited and keys pressed.",
    (
        _c("contact_id", S, "", "contact", null=False),
        _c("seq", I16, "", "order within the contact, from 1", null=False),
        _c("at", UTC_TS, "instant", "event time", null=False),
        _c("node", S, "", "menu node id", null=False),
        _c(
            "event",
            S,
            "",
            "enter | key | invalid | timeout | exit | transfer_agent | hangup",
            null=False,
        ),
        _c("key", S, "", "key pressed"),
        *_PROVENANCE,
    ),
    key=("contact_id", "seq"),
)

QUARANTINE = Table(
    "quarantine",
    "Rejected input rows, kept for inspection (隔离区).",
    (
        _c("load_id", S, "", "the load that rejected it", null=False),
        _c("target_table", S, "", "table the row was meant for", null=False),
        _c("source_file", S, "", "file", null=False),
        _c("source_line", I64, "line", "1-based line (or row) number"),
        _c("field", S, "", "offending field, null when the whole row is bad"),
        _c("reason", S, "", "what is wrong and what to do", null=False),
        _c("raw", S, "", "the raw line or row as read"),
    ),
    key=(),
)

TABLES: Final[dict[str, Table]] = {
    t.name: t
    for t in (
        CALLS,
        AGENT_STATES,
        SCHEDULE,
        TIMECLOCK,
        QA_SCORES,
        SURVEYS,
        COSTS,
        AGENTS,
        HEADCOUNT_EVENTS,
        IVR_EVENTS,
    )
}


def empty(table: str | Table) -> pa.Table:
    """An empty Arrow table with the canonical schema."""
    t = TABLES[table] if isinstance(table, str) else table
    return t.schema.empty_table()


def conform(table: str | Table, data: pa.Table) -> pa.Table:
    """Order, add (as nulls) and cast columns to the canonical schema.

    Raises ``KeyError`` for unknown columns, so readers cannot silently drop data.
    """
    t = TABLES[table] if isinstance(table, str) else table
    unknown = set(data.column_names) - set(t.names)
    if unknown:
        raise KeyError(f"{t.name}: unknown columns {sorted(unknown)}")
    n = data.num_rows
    arrays = []
    for col in t.columns:
        if col.name in data.column_names:
            arr = data.column(col.name)
            if arr.type != col.type:
                arr = arr.cast(col.type)
        else:
            arr = pa.nulls(n, col.type)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=t.schema)


def markdown() -> str:
    """The schema documentation (docs/schema.md)."""
    out = [
        "# Canonical tables",
        "",
        "Generated from `src/callcenter/schema.py` by `python -m callcenter.schema`; "
        "do not edit by hand.",
        "",
        (__doc__ or "").split("Conventions that hold for every table")[1].strip("-\n "),
        "",
        "## Outcomes",
        "",
        "| outcome | meaning |",
        "|---|---|",
    ]
    meanings = {
        Outcome.ANSWERED: "connected to an agent (接通)",
        Outcome.ABANDONED: "hung up while waiting in the ACD queue (排队放弃)",
        Outcome.IVR_ABANDONED: "hung up in the IVR before asking for an agent",
        Outcome.IVR_SELF_SERVED: "completed in the IVR (自助服务)",
        Outcome.BLOCKED: "busy signal: never reached the ACD (忙音)",
        Outcome.TIMEOUT: "left the queue when its maximum wait expired",
        Outcome.EXIT_EMPTY: "left the queue: no agent logged in / available",
        Outcome.EXIT_KEY: "left the queue by pressing a key",
        Outcome.OVERFLOWED: "moved on to another queue or site (next leg)",
        Outcome.CALLBACK: "chose a callback instead of waiting (预约回呼)",
        Outcome.TRANSFERRED: "answered, then transferred away by the agent",
        Outcome.INCOMPLETE: "still in progress where the source ends",
    }
    out += [f"| `{o.value}` | {meanings[o]} |" for o in Outcome]
    for t in TABLES.values():
        out += ["", f"## `{t.name}`", "", t.doc, ""]
        if t.key:
            out += [f"Key: ({', '.join(t.key)}) — a row seen again updates the stored one.", ""]
        out += ["| column | type | null | unit | meaning |", "|---|---|---|---|---|"]
        out += [
            f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {c.unit} | {c.doc} |"
            for c in t.columns
        ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
