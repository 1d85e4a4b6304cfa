"""The indicator registry: every operating indicator defined once, as data.

DOMAIN.md §1 is the specification. Each :class:`Indicator` carries its id, Chinese and
English names, unit, good direction, formula text (both languages), the ``table.column``
it needs, the level it counts at (queue legs, distinct contacts, agent time, ...), its
default target or benchmark, its report cadence and its diagnostics checklist. The
computation is the indicator's *measures* (named Ibis aggregates, see
:mod:`callcenter.metrics.measures`) and a *value* expression combining them.

Conventions used by every call indicator (stated in the formula texts and docs/indicators.md):

* only ``direction = 'inbound'`` legs count;
* a call belongs to the interval in which it was **offered** (``calls.offered_local``);
* *offered* (legs offered to a queue) = legs whose outcome is answered, transferred,
  abandoned, timeout, exit_empty, exit_key, callback or overflowed (they reached the ACD
  queue); blocked and IVR outcomes never reached it, incomplete legs are not counted yet;
* "within T" means ``wait_seconds <= T`` (Asterisk's convention); an answered leg with no
  recorded wait waited 0 s;
* a short abandon is an abandoned leg with ``wait_seconds <= short_abandon_s``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["up", "down", "range", "none"]
Level = Literal["legs", "contacts", "agent time", "agent days", "agents", "evaluations",
                "surveys", "cost", "days"]

#: value(cols, settings) -> Ibis numeric expression over the joined measure columns
ValueFn = Callable[[Mapping[str, Any], Any], Any]

CALL_DIMS = frozenset({"centre", "queue", "call_type", "customer_tier", "team", "agent"})
STATE_DIMS = frozenset({"agent", "team", "queue"})
AGENT_DIMS = frozenset({"agent", "team"})
AGENT_ORG_DIMS = frozenset({"agent", "team", "centre"})  # team/centre via the agents table
INTRADAY_AND_UP = frozenset({"15m", "30m", "60m", "day", "week", "month", "total"})
DAY_AND_UP = frozenset({"day", "week", "month", "total"})


@dataclass(frozen=True)
class Target:
    """A default target or benchmark range.

    ``min``/``max`` bound the on-target zone; ``warn_min``/``warn_max`` bound the warning
    zone around it (outside it: off-target). ``text`` says where the figure comes from.
    """

    min: float | None = None
    max: float | None = None
    warn_min: float | None = None
    warn_max: float | None = None
    text: str = ""

    def with_overrides(self, over: Mapping[str, float]) -> Target:
        allowed = {"min", "max", "warn_min", "warn_max"}
        unknown = set(over) - allowed
        if unknown:
            from callcenter.errors import ConfigError

            raise ConfigError(
                f"unknown target keys {sorted(unknown)}",
                hint="use min, max, warn_min, warn_max",
            )
        vals = {k: getattr(self, k) for k in allowed}
        vals.update({k: float(v) for k, v in over.items()})
        # a new on-target bound without a new warning bound: warning zone collapses onto it
        if "min" in over and "warn_min" not in over and vals["warn_min"] is not None and vals["min"] is not None:
            vals["warn_min"] = min(vals["warn_min"], vals["min"])
        if "max" in over and "warn_max" not in over and vals["warn_max"] is not None and vals["max"] is not None:
            vals["warn_max"] = max(vals["warn_max"], vals["max"])
        return Target(text="settings.targets override", **vals)

    def describe(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min:g}–{self.max:g}"
        if self.min is not None:
            return f"≥ {self.min:g}"
        if self.max is not None:
            return f"≤ {self.max:g}"
        return "—"


@dataclass(frozen=True)
class Indicator:
    id: str
    number: int | None  # position in DOMAIN.md §1's table of 23, None for the others
    name_zh: str
    name_en: str
    unit: str  # %, s, calls, rings, calls/h, points, ¥, h, ratio
    direction: Direction
    formula_en: str
    formula_zh: str
    level: Level
    source: str  # the measure group computing it (calls, agent_states, ...)
    measures: tuple[str, ...]
    value: ValueFn
    needs: tuple[str, ...]  # table.column; "a.x|a.y" means either will do
    grains: frozenset[str] = INTRADAY_AND_UP
    dims: frozenset[str] = CALL_DIMS
    target: Target | None = None
    benchmark: str = ""
    cadence: str = ""
    diagnostics: tuple[tuple[str, str], ...] = ()  # (English, 中文)
    is_count: bool = False  # quiet intervals show 0, not "—"
    target_grains: frozenset[str] | None = None  # grains at which the target applies (None: all)
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name_zh} {self.name_en}"


# ---------------------------------------------------------------- value helpers


def ratio(num: Any, den: Any, scale: float = 1.0) -> Any:
    """num ÷ den × scale, null (not 0, not an error) when the denominator is 0.

    On Ibis expressions (the engine's SQL) or numpy arrays (the engine's in-process
    evaluation: NaN stands for null); the same IEEE double arithmetic, in the same order."""
    import numpy as np

    if isinstance(num, np.ndarray) or isinstance(den, np.ndarray):
        n = np.asarray(num, dtype=np.float64)
        d = np.broadcast_to(np.asarray(den, dtype=np.float64), n.shape if n.ndim else np.shape(den))
        with np.errstate(divide="ignore", invalid="ignore"):
            out = n * scale / d
        return np.where(d == 0, np.nan, out)
    import ibis

    return ibis.ifelse(den == 0, ibis.null("float64"), num.cast("float64") * scale / den.cast("float64"))


def pct(num: str, den: str) -> ValueFn:
    return lambda c, s: ratio(c[num], c[den], 100.0)


def mean(total: str, n: str) -> ValueFn:
    return lambda c, s: ratio(c[total], c[n])


def count(name: str) -> ValueFn:
    return lambda c, s: c[name]


def _service_level(c: Mapping[str, Any], s: Any) -> Any:
    from callcenter.settings import SLPolicy

    p = s.sl_policy
    if p is SLPolicy.OFFERED:
        return ratio(c["answered_in_t"], c["offered"], 100.0)
    if p is SLPolicy.OFFERED_EXCL_SHORT:
        return ratio(c["answered_in_t"], c["offered"] - c["abandoned_short"], 100.0)
    if p in (SLPolicy.ANSWERED, SLPolicy.ASTERISK_SL):
        return ratio(c["answered_in_t"], c["answered"], 100.0)
    if p is SLPolicy.ASTERISK_SL2:
        return ratio(c["answered_in_t"] + c["abandoned_in_t"], c["answered"] + c["abandoned"], 100.0)
    return ratio(c["answered_in_t"] + c["abandoned_in_t"], c["offered"], 100.0)


# ---------------------------------------------------------------- diagnostics (DOMAIN.md §1)

D_ADHERENCE = (
    ("Floor supervisors / team leaders not enforcing adherence", "现场主管/班组长未严格执行"),
    ("Too few monitors or QA staff; new agents left uncoached", "监控/质检人员不足，新员工缺乏辅导"),
    ("Agents misunderstand the rules", "坐席对规则理解有误"),
    ("Absenteeism too high", "缺勤率过高"),
    ("Too much non-phone work for the call volume", "非话务工作相对话务量过多"),
)
D_ASA = (
    ("ACW above target", "事后处理时间超标"),
    ("Hold time above expectation", "持线时间超出预期"),
    ("Volume forecast inaccurate", "话务量预测不准确"),
    ("Schedule adherence insufficient", "排班执行（实际工作率）不足"),
)
D_ABANDON_TIME = (
    ("Callers have little patience (alternatives exist, or repeated failures to get through)",
     "来电者耐心不足（有替代渠道，或多次未能接通）"),
    ("Check abandons, blocked attempts and queue times together", "结合放弃量、忙音量和排队时间一并分析"),
)
D_TRANSFER = (
    ("Callers confused or agents lack information", "来电者不清楚或坐席信息不足"),
    ("Consider skill-based knowledge tools", "考虑按技能提供知识库工具"),
    ("Prefer announced transfers over blind ones", "以咨询转代替盲转"),
)
D_ANSWER = (
    ("Agents' knowledge, scripts, typing or system skills weak", "坐席业务知识、话术、打字或系统操作技能薄弱"),
    ("Many new hires", "新员工比例高"),
    ("Shifts not matching the volume curve", "班次与话务曲线不匹配"),
    ("Attendance below 90 %", "出勤率低于 90 %"),
    ("IVR not diverting enough", "IVR 分流不足"),
    ("Month-start / month-end peaks", "月初/月末话务高峰"),
)

# ---------------------------------------------------------------- the registry

_C = "calls"
_OFFERED_EN = "legs offered to the queue (answered, transferred, abandoned, timeout, exit, callback, overflowed)"

INDICATORS: tuple[Indicator, ...] = (
    # ---- the 23 of DOMAIN.md §1
    Indicator(
        "adherence", 1, "实际工作率", "Schedule adherence", "%", "up",
        "time signed in and ready or on calls (ready, ringing, talking, hold, ACW) ÷ scheduled phone time × 100 (ratio of totals)",
        "签入并处于可接听或通话状态（示闲、振铃、通话、保持、事后处理）时长 ÷ 排班计划的接听时长 × 100",
        "agent time", "adherence", ("ready_s", "scheduled_phone_s"), pct("ready_s", "scheduled_phone_s"),
        ("agent_states.seconds", "schedule.activity"), dims=AGENT_DIMS, grains=DAY_AND_UP,
        target=Target(min=92, warn_min=88, text="DOMAIN.md §1: ≥ 92 %"),
        cadence="daily report, weekly/monthly tracking", diagnostics=D_ADHERENCE,
    ),
    Indicator(
        "acw_time", 2, "事后处理时间", "After-call work time", "s", "range",
        "mean acw_seconds over answered legs with ACW recorded",
        "有事后处理记录的已接通呼叫的平均事后处理时长",
        "legs", _C, ("acw_sum", "acw_n"), mean("acw_sum", "acw_n"), ("calls.acw_seconds",),
        target=Target(min=30, max=60, warn_min=20, warn_max=75, text="industry mean 60 s; target 30–60 s"),
        benchmark="industry mean 60 s", cadence="daily/weekly/monthly by team and agent, against history",
    ),
    Indicator(
        "avg_abandon_time", 3, "平均放弃时间", "Average time to abandon", "s", "range",
        "mean wait_seconds of abandoned legs", "排队放弃呼叫的平均等待时长",
        "legs", _C, ("abandon_wait_sum", "abandon_wait_n"), mean("abandon_wait_sum", "abandon_wait_n"),
        ("calls.wait_seconds",),
        target=Target(min=20, max=60, warn_min=10, warn_max=90, text="industry mean 60 s; range 20–60 s"),
        benchmark="industry mean 60 s", cadence="daily, weekly", diagnostics=D_ABANDON_TIME,
    ),
    Indicator(
        "cost_per_call", 4, "平均单呼成本", "Cost per call", "¥", "down",
        "total centre cost of the month ÷ contacts handled in it (answered by an agent or self-served in the IVR)",
        "当月中心总成本 ÷ 当月处理的联络数（人工接通或 IVR 自助完成）",
        "cost", "cost", ("cost", "handled_contacts"), lambda c, s: ratio(c["cost"], c["handled_contacts"]),
        ("costs.amount",), grains=frozenset({"month"}), dims=frozenset({"centre"}),
        target=Target(min=2, max=5, warn_min=0, warn_max=6, text="industry mean ¥4; range ¥2–5"),
        benchmark="industry mean ¥4", cadence="weekly",
    ),
    Indicator(
        "aht", 5, "平均通话时间（含事后处理）", "Average handling time", "s", "none",
        "(talk, hold included, + ACW) ÷ answered legs with talk recorded; ACW missing on a leg counts 0",
        "（通话时长（含保持）+ 事后处理时长）÷ 有通话记录的已接通呼叫数",
        "legs", _C, ("handle_sum", "talk_n"), mean("handle_sum", "talk_n"),
        ("calls.talk_seconds", "calls.acw_seconds"),
        cadence="daily, weekly, monthly; by agent/team/centre, trend chart",
    ),
    Indicator(
        "avg_hold_time", 6, "平均持线时间", "Average hold time", "s", "down",
        "mean hold_seconds over answered legs with hold recorded (null = no hold)",
        "有持线记录的已接通呼叫的平均持线时长",
        "legs", _C, ("hold_sum", "hold_n"), mean("hold_sum", "hold_n"), ("calls.hold_seconds",),
        cadence="daily/weekly/monthly",
    ),
    Indicator(
        "avg_rings", 7, "平均振铃次数", "Average rings to answer", "rings", "down",
        "mean ring_count over answered legs (ring_seconds ÷ seconds_per_ring, rounded up, where no count)",
        "已接通呼叫的平均振铃次数（无次数时按振铃时长 ÷ 每次振铃秒数向上取整）",
        "legs", _C, ("rings_sum", "rings_n"), mean("rings_sum", "rings_n"),
        ("calls.ring_count|calls.ring_seconds",),
        target=Target(max=3, warn_max=4, text="answer within 3 rings (≈ 3 s a ring)"),
        cadence="daily",
    ),
    Indicator(
        "avg_queue_time", 8, "平均排队时间", "Average queue time", "s", "down",
        "total wait_seconds of legs that waited in queue (wait > 0, any outcome) ÷ those legs",
        "在队列中等待过（等待 > 0，不论结果）的呼叫的总排队时长 ÷ 该类呼叫数",
        "legs", _C, ("queued_wait_sum", "queued"), mean("queued_wait_sum", "queued"),
        ("calls.wait_seconds",), cadence="daily/weekly/monthly, by call type, posted to staff",
        diagnostics=D_ASA,
    ),
    Indicator(
        "asa", 9, "平均应答速度", "Average speed of answer", "s", "down",
        "total wait_seconds of answered legs ÷ answered legs (no recorded wait = 0 s)",
        "已接通呼叫的总排队时长 ÷ 已接通呼叫数",
        "legs", _C, ("answered_wait_sum", "answered"), mean("answered_wait_sum", "answered"),
        ("calls.wait_seconds",), cadence="per half-hour, with trend chart", diagnostics=D_ASA,
    ),
    Indicator(
        "avg_talk_time", 10, "平均交谈时间", "Average talk time", "s", "none",
        "mean talk_seconds (hold included) over answered legs with talk recorded",
        "有通话记录的已接通呼叫的平均通话时长（含保持）",
        "legs", _C, ("talk_sum", "talk_n"), mean("talk_sum", "talk_n"), ("calls.talk_seconds",),
        benchmark="balance against satisfaction", cadence="weekly/monthly, by call type",
    ),
    Indicator(
        "calls_per_hour", 11, "每小时呼叫次数", "Calls per logged-in hour", "calls/h", "up",
        "answered legs handled by the agent ÷ hours signed in (agent_states logged_in)",
        "坐席接听的呼叫数 ÷ 签入小时数",
        "agent time", "calls+agent_states", ("answered", "logged_in_s"),
        lambda c, s: ratio(c["answered"], c["logged_in_s"], 3600.0),
        ("calls.agent", "agent_states.seconds"), dims=AGENT_DIMS,
        benchmark="10086 observed 32–34", cadence="daily per agent",
    ),
    Indicator(
        "qa_score", 12, "监听分值", "Quality score", "points", "up",
        "mean of score ÷ max_score × 100 (max_score 100 when not given) over evaluations",
        "质检评分（按满分折算为百分制）的平均值",
        "evaluations", "qa_scores", ("qa_sum", "qa_n"), mean("qa_sum", "qa_n"), ("qa_scores.score",),
        dims=AGENT_ORG_DIMS, grains=DAY_AND_UP, cadence="monthly",
    ),
    Indicator(
        "occupancy", 13, "占线率", "Occupancy", "%", "none",
        "(talk + hold [+ ACW]) ÷ (talk + hold [+ ACW] + ready) × 100, agent_states seconds; ACW per settings.acw_in_occupancy",
        "（通话 + 保持 [+ 事后处理]）÷（通话 + 保持 [+ 事后处理] + 示闲）× 100",
        "agent time", "agent_states", ("talk_state_s", "hold_state_s", "acw_state_s", "ready_state_s"),
        lambda c, s: ratio(
            c["talk_state_s"] + c["hold_state_s"] + (c["acw_state_s"] if s.acw_in_occupancy else 0),
            c["talk_state_s"] + c["hold_state_s"] + (c["acw_state_s"] if s.acw_in_occupancy else 0) + c["ready_state_s"],
            100.0,
        ),
        ("agent_states.seconds",), dims=STATE_DIMS, cadence="by team and agent",
    ),
    Indicator(
        "abandon_rate", 14, "呼叫放弃率", "Abandon rate (short abandons excluded)", "%", "down",
        "(abandoned − short abandons) ÷ (offered − short abandons) × 100",
        "（放弃数 − 短时放弃数）÷（进队列呼叫数 − 短时放弃数）× 100",
        "legs", _C, ("abandoned", "abandoned_short", "offered"),
        lambda c, s: ratio(c["abandoned"] - c["abandoned_short"], c["offered"] - c["abandoned_short"], 100.0),
        ("calls.outcome", "calls.wait_seconds"), cadence="daily/weekly/monthly",
    ),
    Indicator(
        "attendance", 15, "出勤率", "Attendance", "%", "up",
        "agent-days scheduled and present ÷ agent-days scheduled × 100 (timeclock)",
        "实际出勤人次 ÷ 排班应出勤人次 × 100",
        "agent days", "timeclock", ("present_days", "scheduled_days"), pct("present_days", "scheduled_days"),
        ("timeclock.scheduled",), grains=DAY_AND_UP, dims=AGENT_ORG_DIMS,
        target=Target(min=90, warn_min=85, text="DOMAIN.md §1: ≥ 90 %"), cadence="daily",
        diagnostics=D_ANSWER[3:4],
    ),
    Indicator(
        "blocked_rate", 16, "忙音率", "Blocked rate", "%", "down",
        "blocked legs ÷ all inbound legs (attempts) × 100",
        "遇忙音未进入 ACD 的呼叫尝试 ÷ 全部呼入尝试 × 100",
        "legs", _C, ("blocked", "legs"), pct("blocked", "legs"), ("calls.outcome",),
        cadence="hourly, to locate blocking peaks",
    ),
    Indicator(
        "fcr", 17, "一次性解决率", "First-contact resolution (coded)", "%", "up",
        "answered legs coded resolved at wrap-up ÷ answered legs with a resolution code × 100",
        "小结时标记为一次解决的接通呼叫 ÷ 有解决标记的接通呼叫 × 100",
        "legs", _C, ("resolved_yes", "resolved_n"), pct("resolved_yes", "resolved_n"), ("calls.resolved",),
        target=Target(min=95, warn_min=90, text="12345 plan: ≥ 95 %"), cadence="daily, by agent and centre",
    ),
    Indicator(
        "queued_rate", 18, "队列放置率", "Queued rate", "%", "none",
        "offered legs that waited in queue (wait > 0) ÷ offered legs × 100",
        "需要排队等待的呼叫 ÷ 进队列呼叫 × 100",
        "legs", _C, ("queued", "offered"), pct("queued", "offered"), ("calls.wait_seconds",),
        cadence="weekly",
    ),
    Indicator(
        "transfer_rate", 19, "转接呼叫率", "Transfer rate", "%", "down",
        "answered legs the agent transferred ÷ answered legs × 100 (blind and announced shown separately)",
        "坐席转出的呼叫 ÷ 接通呼叫 × 100（盲转与咨询转分列）",
        "legs", _C, ("transferred", "answered"), pct("transferred", "answered"), ("calls.outcome",),
        target=Target(max=2, warn_max=3, text="≤ 1–2 per 100 calls"),
        cadence="daily/weekly/monthly, with agents' reasons", diagnostics=D_TRANSFER,
    ),
    Indicator(
        "answered_rate", 20, "接通率", "Answered rate", "%", "up",
        "answered legs ÷ offered legs × 100",
        "接通呼叫 ÷ 进队列呼叫 × 100",
        "legs", _C, ("answered", "offered"), pct("answered", "offered"), ("calls.outcome",),
        target=Target(min=90, warn_min=80, text="12345 plan: ≥ 90 %; 10086 busy hour ≥ 80 %"),
        cadence="daily", diagnostics=D_ANSWER,
    ),
    Indicator(
        "service_level", 21, "服务水平", "Service level", "%", "up",
        "per settings.sl_policy with T = settings.sl_threshold_s (default: answered within T ÷ offered × 100)",
        "按服务水平口径（默认：T 秒内接通 ÷ 进队列呼叫 × 100）",
        "legs", _C, ("answered_in_t", "abandoned_in_t", "answered", "abandoned", "offered", "abandoned_short"),
        _service_level, ("calls.wait_seconds",),
        target=Target(min=80, warn_min=70, text="80 % in 20 s"), cadence="continuous", diagnostics=D_ASA,
    ),
    Indicator(
        "total_calls", 22, "总呼叫数", "Total calls (contacts)", "calls", "none",
        "distinct contacts with an inbound leg: blocked + IVR + abandoned + answered",
        "呼入联络总数（去重）：忙音 + IVR + 放弃 + 接通",
        "contacts", _C, ("contacts",), count("contacts"), ("calls.contact_id",),
        cadence="hourly, daily, weekly, monthly", is_count=True,
    ),
    Indicator(
        "turnover", 23, "客服代表流动率", "Agent turnover", "%", "range",
        "leavers in the month (headcount_events) ÷ full-time agents employed on the month's first day (agents) × 100",
        "当月离职人数 ÷ 月初全职坐席人数 × 100",
        "agents", "turnover", ("leavers", "headcount"), pct("leavers", "headcount"),
        ("headcount_events.event", "agents.hired_on"), grains=frozenset({"month"}), dims=frozenset(),
        target=Target(min=1.25, max=2.5, warn_min=0, warn_max=3.0,
                      text="industry 25 % a year, keep within 15–30 % a year → 1.25–2.5 % a month (÷ 12)"),
        target_grains=frozenset({"month"}),
        benchmark="industry 25 %", cadence="monthly, quarterly",
    ),
    # ---- the other indicators the documents use
    Indicator(
        "offered", None, "进队列呼叫数", "Offered (legs)", "calls", "none",
        _OFFERED_EN, "进入 ACD 队列的呼叫段数", "legs", _C, ("offered",), count("offered"),
        ("calls.outcome",), is_count=True, cadence="per interval",
    ),
    Indicator(
        "answered", None, "接通数", "Answered (legs)", "calls", "none",
        "legs answered by an agent (answered or transferred)", "坐席接通的呼叫段数",
        "legs", _C, ("answered",), count("answered"), ("calls.outcome",), is_count=True,
    ),
    Indicator(
        "abandoned", None, "放弃数", "Abandoned (legs)", "calls", "none",
        "legs whose caller hung up while waiting in queue", "排队中放弃的呼叫段数",
        "legs", _C, ("abandoned",), count("abandoned"), ("calls.outcome",), is_count=True,
    ),
    Indicator(
        "abandoned_short", None, "短时放弃数", "Short abandons (legs)", "calls", "none",
        "abandoned legs with wait_seconds ≤ short_abandon_s", "等待不超过短时放弃阈值的放弃数",
        "legs", _C, ("abandoned_short",), count("abandoned_short"), ("calls.wait_seconds",), is_count=True,
    ),
    Indicator(
        "abandon_rate_all", None, "呼叫放弃率（含短时放弃）", "Abandon rate (all abandons)", "%", "down",
        "abandoned ÷ offered × 100", "放弃数 ÷ 进队列呼叫数 × 100",
        "legs", _C, ("abandoned", "offered"), pct("abandoned", "offered"), ("calls.outcome",),
    ),
    Indicator(
        "blind_transfer_rate", None, "盲转率", "Blind transfer rate", "%", "down",
        "answered legs transferred blind ÷ answered legs × 100", "盲转呼叫 ÷ 接通呼叫 × 100",
        "legs", _C, ("transferred_blind", "answered"), pct("transferred_blind", "answered"),
        ("calls.transfer_kind",), diagnostics=D_TRANSFER,
    ),
    Indicator(
        "announced_transfer_rate", None, "咨询转接率", "Announced transfer rate", "%", "none",
        "answered legs transferred after announcing ÷ answered legs × 100", "咨询转呼叫 ÷ 接通呼叫 × 100",
        "legs", _C, ("transferred_announced", "answered"), pct("transferred_announced", "answered"),
        ("calls.transfer_kind",),
    ),
    Indicator(
        "satisfaction_rate", None, "满意率", "Satisfaction rate", "%", "up",
        "surveys counted satisfied (surveys.satisfied, else score ≥ satisfied_min_share × scale_max) ÷ surveys × 100; dimensions from the surveyed call",
        "满意（含非常满意）的调查数 ÷ 调查总数 × 100",
        "surveys", "surveys", ("satisfied", "surveys"), pct("satisfied", "surveys"), ("surveys.score",),
        grains=DAY_AND_UP,
        target=Target(min=90, warn_min=85, text="12345 plan ≥ 90 % (a centre's KPI list: ≥ 97 %)"),
        cadence="monthly",
    ),
    Indicator(
        "busy_hour_answer_rate", None, "忙时人工接通率", "Busy-hour answered rate", "%", "up",
        "answered ÷ offered in each day's busiest hour (most offered legs; earliest on a tie), summed over the period's days",
        "每日话务最忙小时的接通数 ÷ 进队列呼叫数（按周期内各日汇总）",
        "legs", "busy_hour", ("bh_answered", "bh_offered"), pct("bh_answered", "bh_offered"),
        ("calls.outcome",), grains=DAY_AND_UP,
        target=Target(min=80, warn_min=70, text="10086 busy hour: ≥ 80 %"), diagnostics=D_ANSWER,
    ),
    Indicator(
        "peak_day_coefficient", None, "忙日话务波动系数", "Peak-day fluctuation coefficient", "ratio", "down",
        "the period's highest daily count of offered legs (attempts to reach an agent) ÷ mean over its days with traffic",
        "周期内最高日进队列呼叫量 ÷ 有话务日的日均量",
        "legs", "peak_day", ("pd_max", "pd_sum", "pd_days"),
        lambda c, s: ratio(c["pd_max"] * c["pd_days"], c["pd_sum"]),
        ("calls.outcome",), grains=frozenset({"week", "month", "total"}),
        target=Target(max=1.5, warn_max=1.8, text="≤ 1.5"), cadence="monthly",
    ),
    Indicator(
        "repeat_call_rate", None, "重复来电率", "Repeat-call rate", "%", "down",
        "contacts (first legs) followed by another contact from the same caller (customer_id, else caller_number) within fcr_window_hours ÷ contacts with a known caller × 100",
        "同一来电者在 FCR 窗口内再次来电的联络 ÷ 可识别来电者的联络 × 100",
        "contacts", "contacts", ("repeated", "known_contacts"), pct("repeated", "known_contacts"),
        ("calls.customer_id|calls.caller_number",),
    ),
    Indicator(
        "attempts_per_caller", None, "人均呼叫次数", "Attempts per caller", "ratio", "down",
        "contacts with a known caller ÷ distinct callers", "可识别来电者的联络数 ÷ 去重来电者数",
        "contacts", "contacts", ("known_contacts", "callers"), lambda c, s: ratio(c["known_contacts"], c["callers"]),
        ("calls.customer_id|calls.caller_number",),
    ),
    Indicator(
        "fcr_inferred", None, "一次性解决率（按重复来电推断）", "First-contact resolution (inferred)", "%", "up",
        "answered contacts with no further contact from the caller within fcr_window_hours ÷ answered contacts with a known caller × 100",
        "FCR 窗口内来电者未再次来电的接通联络 ÷ 可识别来电者的接通联络 × 100",
        "contacts", "contacts", ("answered_not_repeated", "answered_known"),
        pct("answered_not_repeated", "answered_known"), ("calls.customer_id|calls.caller_number",),
        target=Target(min=95, warn_min=90, text="12345 plan: ≥ 95 %"),
    ),
    Indicator(
        "ivr_containment", None, "IVR 自助完成率", "IVR containment", "%", "none",
        "first legs completed in the IVR (ivr_self_served) ÷ first legs that used the IVR × 100",
        "IVR 自助完成的联络 ÷ 进入 IVR 的联络 × 100",
        "contacts", _C, ("ivr_self_served", "ivr_used"), pct("ivr_self_served", "ivr_used"),
        ("calls.ivr_seconds|calls.ivr_entry_at",), benchmark="10086 observed 79 %, mean 35.5 s",
    ),
    Indicator(
        "utilisation", None, "工时利用率", "Utilisation of paid time", "%", "up",
        "(talk + hold + ACW) agent_states seconds ÷ paid time (timeclock clock-in to clock-out) × 100",
        "（通话 + 保持 + 事后处理）时长 ÷ 考勤工时 × 100",
        "agent time", "agent_states+timeclock", ("talk_state_s", "hold_state_s", "acw_state_s", "paid_s"),
        lambda c, s: ratio(c["talk_state_s"] + c["hold_state_s"] + c["acw_state_s"], c["paid_s"], 100.0),
        ("agent_states.seconds", "timeclock.clock_in_at"), grains=DAY_AND_UP, dims=AGENT_DIMS,
        benchmark="10086 observed 70.7–75.8 %",
    ),
    Indicator(
        "hours_per_agent", None, "人均工时", "Hours worked per agent", "h", "range",
        "paid hours (timeclock clock-in to clock-out) ÷ distinct agents present in the period",
        "考勤工时 ÷ 出勤坐席人数（按周期）",
        "agent days", "timeclock", ("paid_s", "agents_present"), lambda c, s: ratio(c["paid_s"], c["agents_present"], 1 / 3600),
        ("timeclock.clock_in_at",), grains=DAY_AND_UP, dims=AGENT_ORG_DIMS,
        target=Target(max=167, warn_max=203, text="law: ≤ 167 h a month (+ ≤ 36 h overtime)"),
        target_grains=frozenset({"month"}),
        benchmark="10086 observed 189–206 paid hours a month",
    ),
)

BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}

#: the 23 of DOMAIN.md §1, in its order
NUMBERED: tuple[Indicator, ...] = tuple(sorted((i for i in INDICATORS if i.number), key=lambda i: i.number or 0))


def get(indicator_id: str) -> Indicator:
    try:
        return BY_ID[indicator_id]
    except KeyError:
        from callcenter.errors import ConfigError

        raise ConfigError(
            f"unknown indicator {indicator_id!r}",
            hint="known: " + ", ".join(BY_ID),
        ) from None
