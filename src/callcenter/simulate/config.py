"""The simulation configuration: a validated description of a call centre.

Write it in YAML or TOML (``load_config``) or build it in Python (``SimConfig(...)``).
Every duration is a :class:`~callcenter.simulate.distributions.Dist` in seconds; every
probability is in [0, 1]. Anything not given keeps its default.

The model (one simulated *contact* = one caller's call; a contact has one or more *legs*):

1. **Arrivals** — per interval a Poisson number of contacts with mean
   ``calls_per_day × weekday factor × special-day factor × profile share``; with
   ``dispersion`` set, the interval rate is first multiplied by a Gamma(k, 1/k) factor
   (a gamma-mixed Poisson, i.e. negative binomial counts, variance m + m²/k).
2. **Blacklist** — calls from blacklisted numbers are refused (``busy``), released, or passed
   on with a warning (``warn``).
3. **Trunks** — at most ``trunks`` contacts in the centre (IVR + queue + talk); the next one
   gets a busy signal (outcome ``blocked``).
4. **IVR** — menu time, then self-service completion, hang-up in the IVR, or a request for
   an agent.
5. **Queue** — per queue, a maximum length (``blocked`` when full), customer tiers served by
   priority (VIP first), FCFS within a tier, patience → abandonment, abandoned and blocked
   callers redial with a probability after a delay; a caller still waiting after
   ``overflow_after`` seconds overflows to ``overflow_to`` (a new leg, same contact, the
   rest of their patience).
6. **Agents** — groups with skills (queue → priority, 1 = best), shifts with breaks,
   absences and late log-ins; talk (hold included), hold and after-call work from
   distributions; transfers (blind / announced) create a new leg; unresolved calls come back
   as repeat calls; post-call survey; QA sampling.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from callcenter.errors import ConfigError
from callcenter.settings import read_config_file, validate_config
from callcenter.simulate.distributions import Dist

Prob = Field(0.0, ge=0.0, le=1.0)


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArrivalConfig(_M):
    """Offered contacts (calls reaching the centre, before blacklist/trunk/IVR)."""

    calls_per_day: float = Field(10_000.0, ge=0, description="mean contacts on a normal day")
    profile: list[float] | None = Field(
        None,
        description="intraday shares per interval (any positive weights, normalised); "
        "length 24·60/interval_minutes; None = flat over 24 h",
    )
    weekday_factors: list[float] = Field(
        default_factory=lambda: [1.0] * 7, description="Monday..Sunday multipliers"
    )
    holiday_factor: float = Field(1.0, ge=0, description="multiplier on public holidays")
    holidays: Literal["CN", "IL", "none"] = Field(
        "none", description="holiday calendar (CN: chinesecalendar, then holidays.China)"
    )
    month_end_factor: float = Field(
        1.0, ge=0, description="multiplier on the last month_end_days days of a month (bill day)"
    )
    month_end_days: int = Field(0, ge=0, le=10)
    month_start_factor: float = Field(1.0, ge=0, description="multiplier on days 1..month_start_days")
    month_start_days: int = Field(0, ge=0, le=10)
    special_days: dict[date, float] = Field(
        default_factory=dict, description="date → multiplier (campaigns, outages)"
    )
    dispersion: float | None = Field(
        None, gt=0, description="gamma shape k of the interval rate factor; None = pure Poisson"
    )
    interval_means: list[float] | None = Field(
        None,
        description="expected contacts per interval for each simulated day in turn (a forecast); "
        "overrides calls_per_day, profile and the day factors",
    )


class IvrConfig(_M):
    enabled: bool = False
    menu: Dist = Field(default_factory=lambda: Dist.lognormal(35.5, 0.6), description="time in IVR")
    self_service_prob: float = Field(0.0, ge=0, le=1, description="completed in the IVR")
    abandon_prob: float = Field(0.0, ge=0, le=1, description="hung up in the IVR")

    @model_validator(mode="after")
    def _sum(self) -> IvrConfig:
        if self.self_service_prob + self.abandon_prob > 1:
            raise ValueError("self_service_prob + abandon_prob must be ≤ 1")
        return self


class QueueConfig(_M):
    """One ACD queue / skill group (技能组); also the call type of its calls."""

    name: str
    share: float = Field(1.0, gt=0, description="share of contacts of this call type (normalised)")
    talk: Dist = Field(default_factory=lambda: Dist.exponential(180.0), description="talk, hold included")
    hold_prob: float = Field(0.0, ge=0, le=1)
    hold: Dist = Field(default_factory=lambda: Dist.exponential(30.0), description="hold (≤ talk)")
    acw: Dist | None = Field(None, description="after-call work; None = none")
    ring: Dist | None = Field(
        None, description="ringing at the agent before answer (part of the wait); None = none"
    )
    patience: Dist | None = Field(
        default_factory=lambda: Dist.exponential(120.0), description="None = infinitely patient"
    )
    max_queue: int | None = Field(None, ge=0, description="callers beyond this are blocked")
    transfer_prob: float = Field(0.0, ge=0, le=1)
    transfer_to: str | None = Field(None, description="queue transfers go to (default: itself)")
    announced_share: float = Field(0.5, ge=0, le=1, description="share of transfers announced")
    consult: Dist = Field(default_factory=lambda: Dist.exponential(30.0),
                          description="consultation added to an announced transfer's talk")
    resolve_prob: float = Field(1.0, ge=0, le=1, description="resolved at first contact (FCR)")
    overflow_to: str | None = Field(
        None, description="queue a caller still waiting after overflow_after seconds moves to"
    )
    overflow_after: float = Field(60.0, gt=0, description="wait before overflowing, seconds")


class TierConfig(_M):
    name: str
    share: float = Field(1.0, gt=0)
    priority: int = Field(1, ge=0, description="lower is served first")


class BreakConfig(_M):
    after_minutes: float = Field(ge=0, description="minutes after shift start")
    minutes: float = Field(gt=0)
    reason: str = "break"


class ShiftConfig(_M):
    name: str
    start: time
    hours: float = Field(8.0, gt=0, le=24)
    agents: int = Field(ge=0)
    breaks: list[BreakConfig] = Field(default_factory=list)


class AgentGroupConfig(_M):
    """A team of agents with the same skills. Without shifts: ``count`` agents always on."""

    team: str
    skills: dict[str, int] = Field(description="queue → skill priority (1 = primary)")
    count: int = Field(0, ge=0, description="agents always logged in (when no shifts)")
    shifts: list[ShiftConfig] | None = None
    staffing: list[int] | None = Field(
        None,
        description="agents logged in per interval, for each simulated day in turn (a staffing "
        "plan); agent k works interval i when k < staffing[i]",
    )
    days_off_per_week: int = Field(0, ge=0, le=6, description="rotating days off")
    all_hands_days: list[int] = Field(
        default_factory=list,
        description="days of the month without days off (1..31; −1 = last day, −2 = the one before)",
    )
    absence_prob: float = Field(0.0, ge=0, le=1, description="probability of missing a shift")
    late_prob: float = Field(0.0, ge=0, le=1, description="probability of a late log-in")
    late: Dist = Field(default_factory=lambda: Dist.exponential(300.0), description="lateness")


class RedialConfig(_M):
    prob: float = Field(0.0, ge=0, le=1, description="abandoned / blocked callers who redial")
    delay: Dist = Field(default_factory=lambda: Dist.exponential(300.0))


class RepeatConfig(_M):
    prob: float = Field(0.0, ge=0, le=1, description="unresolved callers who call again")
    delay: Dist = Field(default_factory=lambda: Dist.exponential(86_400.0))


class SurveyConfig(_M):
    prob: float = Field(0.0, ge=0, le=1, description="answered calls that complete the survey")
    scale_max: float = 5.0
    resolved_weights: list[float] = Field(default_factory=lambda: [0.01, 0.01, 0.03, 0.15, 0.80])
    unresolved_weights: list[float] = Field(default_factory=lambda: [0.15, 0.15, 0.25, 0.25, 0.20])


class QaConfig(_M):
    sample_rate: float = Field(0.0, ge=0, le=1, description="answered legs QA evaluates")
    mean: float = 88.0
    sd: float = 6.0
    max_score: float = 100.0


class BlacklistConfig(_M):
    numbers: int = Field(0, ge=0, description="blacklisted callers among the customers")
    call_weight: float = Field(20.0, gt=0, description="how many times more often they call")
    action: Literal["busy", "release", "warn"] = "busy"


class CostConfig(_M):
    """Simulated centre costs per calendar month (for cost per call)."""

    currency: str = "CNY"
    staff_per_logged_in_hour: float = Field(45.0, ge=0, description="wage + on-costs per agent-hour")
    telecom_per_minute: float = Field(0.03, ge=0, description="per minute a contact holds a line")
    facilities_per_month: float = Field(60_000.0, ge=0)
    it_per_month: float = Field(40_000.0, ge=0)


class SimConfig(_M):
    """A simulated centre. See the module docstring for the model."""

    name: str = "sim"
    centre: str = "simulated"
    timezone: str = "Asia/Shanghai"
    start: date = date(2026, 1, 1)
    interval_minutes: int = Field(30, description="arrival-profile interval")
    customers: int = Field(100_000, gt=0, description="size of the caller population")
    arrivals: ArrivalConfig = Field(default_factory=ArrivalConfig)
    blacklist: BlacklistConfig = Field(default_factory=BlacklistConfig)
    trunks: int | None = Field(None, gt=0, description="simultaneous contacts; None = unlimited")
    ivr: IvrConfig = Field(default_factory=IvrConfig)
    queues: list[QueueConfig] = Field(default_factory=lambda: [QueueConfig(name="general")])
    tiers: list[TierConfig] = Field(default_factory=lambda: [TierConfig(name="normal")])
    agents: list[AgentGroupConfig] = Field(
        default_factory=lambda: [AgentGroupConfig(team="team1", skills={"general": 1}, count=10)]
    )
    redial: RedialConfig = Field(default_factory=RedialConfig)
    repeat: RepeatConfig = Field(default_factory=RepeatConfig)
    survey: SurveyConfig = Field(default_factory=SurveyConfig)
    qa: QaConfig = Field(default_factory=QaConfig)
    costs: CostConfig | None = Field(None, description="None = no costs table rows")
    attrition_monthly: float = Field(
        0.0, ge=0, le=1,
        description="share of agents who leave per month; they leave on the last simulated day",
    )

    @model_validator(mode="after")
    def _consistent(self) -> SimConfig:
        names = [q.name for q in self.queues]
        if len(set(names)) != len(names):
            raise ValueError("queue names must be unique")
        if not self.queues:
            raise ValueError("at least one queue is needed")
        for q in self.queues:
            if q.transfer_to is not None and q.transfer_to not in names:
                raise ValueError(f"queue {q.name!r} transfers to unknown queue {q.transfer_to!r}")
            if q.overflow_to is not None and q.overflow_to not in names:
                raise ValueError(f"queue {q.name!r} overflows to unknown queue {q.overflow_to!r}")
            if q.overflow_to == q.name:
                raise ValueError(f"queue {q.name!r} cannot overflow to itself")
        for g in self.agents:
            if g.staffing is not None and g.shifts is not None:
                raise ValueError(f"agent group {g.team!r}: give shifts or staffing, not both")
            for s in g.skills:
                if s not in names:
                    raise ValueError(f"agent group {g.team!r} has unknown skill {s!r}")
        n = 24 * 60 // self.interval_minutes
        if 24 * 60 % self.interval_minutes:
            raise ValueError("interval_minutes must divide a day")
        p = self.arrivals.profile
        if p is not None and (len(p) != n or min(p) < 0 or sum(p) <= 0):
            raise ValueError(f"arrivals.profile needs {n} non-negative weights with a positive sum")
        if len(self.arrivals.weekday_factors) != 7:
            raise ValueError("arrivals.weekday_factors needs 7 values (Monday..Sunday)")
        if self.blacklist.numbers > self.customers:
            raise ValueError("blacklist.numbers exceeds customers")
        return self

    def queue_index(self, name: str) -> int:
        for i, q in enumerate(self.queues):
            if q.name == name:
                return i
        raise KeyError(name)

    @property
    def is_single_fcfs(self) -> bool:
        """True when the fast FCFS kernel reproduces the event engine exactly.

        One queue, one tier, no IVR / trunks / blacklist / queue limit / transfers /
        redials / repeat calls, agents always logged in with that one skill.
        """
        q = self.queues[0]
        return (
            len(self.queues) == 1
            and len({t.priority for t in self.tiers}) == 1
            and not self.ivr.enabled
            and self.trunks is None
            and self.blacklist.numbers == 0
            and q.max_queue is None
            and q.transfer_prob == 0
            and q.overflow_to is None
            and self.redial.prob == 0
            and (self.repeat.prob == 0 or q.resolve_prob == 1)
            and all(g.shifts is None and g.staffing is None for g in self.agents)
        )


def load_config(path: str | Path) -> SimConfig:
    """Read a simulation configuration from YAML (.yaml/.yml) or TOML."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"simulation config not found: {p}", hint="check the path")
    return validate_config(
        SimConfig,
        read_config_file(p),
        where=str(p),
        what="simulation setting",
        hint="see docs/simulation.md",
    )
