"""Named agents and the labour rules a roster must obey (劳动规则).

Agents come from CSV or YAML. CSV columns (only ``agent`` is required)::

    agent, team, role (agent|team_leader), contract (full_time|part_time), contract_hours,
    max_overtime_hours, skills (a;b), unavailable (2026-12-03;2026-12-04),
    day_off_requests (dates), preferred (early|day|late|night), no_nights (true/false)

Hours: the statutory month is at most 167 regular hours (月计薪天数 21.75 × 8 ≈ 167, the
Chinese standard) and at most 36 overtime hours. An agent's overtime is what they work above
their ``contract_hours`` (≤ 167), so an agent may work at most ``contract_hours +
min(max_overtime_hours, 36)`` paid hours in the month. Paid hours exclude unpaid meals.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from callcenter.errors import ConfigError, InputError

Role = Literal["agent", "team_leader"]
Preference = Literal["early", "day", "late", "night"]


class RosterRules(BaseModel):
    """Hard rules (checked by :mod:`callcenter.schedule.checker`) and their defaults."""

    model_config = ConfigDict(extra="forbid")
    max_regular_hours: float = Field(167.0, description="regular working hours per month (≤ 167)")
    max_overtime_hours: float = Field(36.0, description="overtime hours per month (≤ 36 by law)")
    min_rest_hours: float = Field(11.0, description="minimum rest between two shifts, hours")
    max_consecutive_days: int = Field(6, description="maximum consecutive working days")
    rest_window_days: int = Field(7, description="at least one rest day in every this many days")
    leader_span_max: int = Field(15, description="at most this many agents per team leader on duty")
    leader_span_min: int = Field(10, description="target lower end of the span (reported, not hard)")


def _dates(v: Any) -> list[date]:
    if v is None or v == "":
        return []
    if isinstance(v, str):
        v = [x for x in v.replace(",", ";").split(";") if x.strip()]
    return [x if isinstance(x, date) else date.fromisoformat(str(x).strip()) for x in v]


class Agent(BaseModel):
    """One named person on the roster."""

    model_config = ConfigDict(extra="forbid")
    agent: str
    team: str | None = None
    role: Role = "agent"
    contract: Literal["full_time", "part_time"] = "full_time"
    contract_hours: float = Field(167.0, ge=0, le=167.0)
    max_overtime_hours: float = Field(36.0, ge=0, le=36.0)
    skills: list[str] = Field(default_factory=list)
    unavailable: list[date] = Field(default_factory=list, description="hard: no shift these days")
    day_off_requests: list[date] = Field(default_factory=list, description="soft: honoured where possible")
    preferred: Preference | None = Field(None, description="soft: preferred shift time")
    no_nights: bool = Field(False, description="hard: never a night shift")

    @field_validator("unavailable", "day_off_requests", mode="before")
    @classmethod
    def _parse_dates(cls, v: Any) -> list[date]:
        return _dates(v)

    @field_validator("skills", mode="before")
    @classmethod
    def _skills(cls, v: Any) -> list[str]:
        if v is None or v == "":
            return []
        if isinstance(v, str):
            return [s.strip() for s in v.split(";") if s.strip()]
        return list(v)

    @field_validator("preferred", "team", mode="before")
    @classmethod
    def _blank(cls, v: Any) -> Any:
        return None if v == "" else v

    @model_validator(mode="after")
    def _pt(self) -> Agent:
        if self.contract == "part_time" and self.role == "team_leader":
            raise ValueError("team leaders must be full_time")
        return self

    @property
    def max_paid_minutes(self) -> int:
        return round((self.contract_hours + self.max_overtime_hours) * 60)


def read_agents(path: str | Path) -> list[Agent]:
    """Agents from CSV (one row each) or YAML (``agents: [...]``)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"agents file not found: {p}", hint="check the path")
    try:
        if p.suffix.lower() in (".yaml", ".yml"):
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
            rows = raw.get("agents") if isinstance(raw, dict) else raw
            start = 1
        else:
            with p.open(encoding="utf-8-sig", newline="") as f:
                rows = [{k: v for k, v in r.items() if v not in (None, "")} for r in csv.DictReader(f)]
            start = 2
    except (OSError, UnicodeDecodeError, yaml.YAMLError, csv.Error) as e:
        raise InputError(f"cannot read agents: {e}", where=str(p)) from None
    if not isinstance(rows, list) or not rows:
        raise InputError("no agents in the file", where=str(p))
    agents = []
    for i, row in enumerate(rows):
        try:
            if "no_nights" in row and isinstance(row["no_nights"], str):
                row["no_nights"] = row["no_nights"].strip().lower() in ("1", "true", "yes", "y")
            agents.append(Agent.model_validate(row))
        except ValidationError as e:
            err = e.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise ConfigError(f"agent field {loc!r}: {err['msg']}", where=f"{p}:{start + i}") from None
    names = [a.agent for a in agents]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ConfigError(f"duplicate agent ids: {', '.join(sorted(dup))}", where=str(p))
    return agents


def agents_table(agents: list[Agent]) -> list[dict[str, Any]]:
    """Plain rows (for the checker and the XLSX)."""
    return [a.model_dump() for a in agents]


def synthetic_agents(
    n_agents: int,
    n_leaders: int,
    *,
    month_first_day: date,
    days: int,
    part_time_share: float = 0.0,
    request_share: float = 0.3,
    seed: int = 7,
) -> list[Agent]:
    """Made-up agents for examples, tests and benchmarks (seeded).

    Teams of about 12; part-timers contract 100 h with no overtime; ~``request_share`` of
    agents ask for one day off; ~5 % are unavailable for 2–4 days; ~5 % work no nights.
    """
    from datetime import timedelta

    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    n_pt = round(n_agents * part_time_share)
    teams = max(1, n_leaders)
    for i in range(n_agents):
        pt = i >= n_agents - n_pt
        unavailable = []
        if rng.random() < 0.05:
            k = int(rng.integers(0, days - 4))
            unavailable = [month_first_day + timedelta(days=k + j) for j in range(int(rng.integers(2, 5)))]
        requests = []
        if rng.random() < request_share:
            requests = [month_first_day + timedelta(days=int(rng.integers(0, days)))]
        pref = rng.choice(["early", "day", "late", ""], p=[0.1, 0.1, 0.1, 0.7])
        out.append(Agent(
            agent=f"A{i + 1:04d}", team=f"T{i % teams + 1:02d}", role="agent",
            contract="part_time" if pt else "full_time",
            contract_hours=100.0 if pt else 167.0, max_overtime_hours=0.0 if pt else 36.0,
            unavailable=unavailable, day_off_requests=requests, preferred=pref or None,
            no_nights=bool(rng.random() < 0.05)))
    for j in range(n_leaders):
        out.append(Agent(agent=f"L{j + 1:03d}", team=f"T{j + 1:02d}", role="team_leader",
                         contract="full_time", contract_hours=167.0, max_overtime_hours=36.0))
    return out
