"""Shift design (班次设计): shift templates, their concrete variants and their coverage.

A **template** says which shifts a centre may run: start times (every 15/30/60 min between an
earliest and a latest start), span lengths, breaks and meals with a placement window, and the
contract class (full-time / part-time) it is for. :func:`expand` turns templates into concrete
:class:`Shift` variants (one per start × length × break placement); stage 1 chooses how many
of each variant to run each day.

Conventions
-----------
* A shift belongs to the roster day it **starts** on; ``start_min`` is minutes after that
  day's local midnight and ``start_min + span_min`` may exceed 1440 (crossing midnight).
* ``meal`` is **unpaid**, ``break`` is **paid** (the ``schedule`` table uses the same words,
  so paid hours can be recomputed from the table alone).
* Coverage is counted in **phone-minutes** per interval: an agent on a 15-minute break inside
  a 30-minute interval counts 0.5 there. With grid-aligned breaks this is a plain head count.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from callcenter.errors import ConfigError

MINUTES_PER_DAY = 1440
ContractClass = Literal["full_time", "part_time"]
MAX_SPAN_MIN = 13 * 60  # a longer span could not leave 11 h rest before the next day's shift


def _hhmm(minutes: int) -> str:
    m = minutes % MINUTES_PER_DAY
    return f"{m // 60:02d}{m % 60:02d}"


def parse_clock(value: str | int) -> int:
    """'07:30' -> 450 minutes after midnight; ints are taken as minutes. '24:00' allowed."""
    if isinstance(value, int):
        return value
    try:
        h, m = str(value).strip().split(":")
        out = int(h) * 60 + int(m)
    except ValueError:
        raise ValueError(f"bad clock time {value!r}: use HH:MM") from None
    if not 0 <= out <= MINUTES_PER_DAY or not 0 <= int(m) < 60:
        raise ValueError(f"bad clock time {value!r}: use HH:MM between 00:00 and 24:00")
    return out


@dataclass(frozen=True)
class Break:
    """A break inside a shift, ``offset_min`` minutes after the shift start."""

    offset_min: int
    minutes: int
    kind: Literal["break", "meal"]

    @property
    def paid(self) -> bool:
        return self.kind == "break"


@dataclass(frozen=True)
class Shift:
    """One concrete shift variant: fixed start, span and break placement."""

    name: str
    start_min: int
    span_min: int
    breaks: tuple[Break, ...] = ()
    contract: ContractClass = "full_time"
    template: str = ""

    @property
    def end_min(self) -> int:
        """End in minutes after the start day's midnight (> 1440 when crossing midnight)."""
        return self.start_min + self.span_min

    @property
    def paid_min(self) -> int:
        """Paid minutes: the span minus unpaid meals."""
        return self.span_min - sum(b.minutes for b in self.breaks if not b.paid)

    @property
    def crosses_midnight(self) -> bool:
        return self.end_min > MINUTES_PER_DAY

    def activities(self) -> list[tuple[str, int, int]]:
        """(activity, start, end) in minutes after the start day's midnight, in order."""
        out: list[tuple[str, int, int]] = []
        t = self.start_min
        for b in sorted(self.breaks, key=lambda b: b.offset_min):
            bs = self.start_min + b.offset_min
            if bs > t:
                out.append(("phone", t, bs))
            out.append((b.kind, bs, bs + b.minutes))
            t = bs + b.minutes
        if t < self.end_min:
            out.append(("phone", t, self.end_min))
        return out

    def minute_mask(self, days: int = 2, *, count: Literal["phone", "present"] = "phone") -> np.ndarray:
        """0/1 per minute over ``days`` days from the start day's midnight."""
        mask = np.zeros(days * MINUTES_PER_DAY, dtype=np.int32)
        mask[self.start_min : self.end_min] = 1
        if count == "phone":
            for b in self.breaks:
                s = self.start_min + b.offset_min
                mask[s : s + b.minutes] = 0
        return mask

    def interval_profile(
        self, interval_min: int, *, count: Literal["phone", "present"] = "phone"
    ) -> np.ndarray:
        """Minutes counted in each interval of the start day and the next (2 × 1440/width)."""
        out: np.ndarray = self.minute_mask(2, count=count).reshape(-1, interval_min).sum(axis=1)
        return out

    def is_night(self, night_start: int = 0, night_end: int = 6 * 60, min_overlap: int = 120) -> bool:
        """A night shift works at least ``min_overlap`` minutes between 00:00 and 06:00."""
        mask = self.minute_mask(2, count="present")
        night = 0
        for day in (0, 1):
            night += int(mask[day * MINUTES_PER_DAY + night_start : day * MINUTES_PER_DAY + night_end].sum())
        return night >= min_overlap


class BreakRule(BaseModel):
    """A break or meal with a placement window measured from the shift start."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["break", "meal"] = Field(description="meal = unpaid, break = paid")
    minutes: int = Field(gt=0, le=180)
    earliest_offset: int = Field(ge=0, description="earliest start, minutes after shift start")
    latest_offset: int | None = Field(None, description="latest start; default = earliest")
    step: int = Field(30, gt=0, description="placement step within the window, minutes")

    @model_validator(mode="after")
    def _window(self) -> BreakRule:
        if self.latest_offset is not None and self.latest_offset < self.earliest_offset:
            raise ValueError("latest_offset must be ≥ earliest_offset")
        return self

    def offsets(self) -> list[int]:
        last = self.earliest_offset if self.latest_offset is None else self.latest_offset
        return list(range(self.earliest_offset, last + 1, self.step))


class ShiftTemplate(BaseModel):
    """A family of shifts (班次模板). Clock times are local wall clock."""

    model_config = ConfigDict(extra="forbid")
    name: str
    contract: ContractClass = "full_time"
    earliest_start: int = Field(0, description="minutes after midnight (YAML: 'HH:MM')")
    latest_start: int = Field(MINUTES_PER_DAY - 30, description="minutes after midnight")
    start_every: int = Field(30, description="start-time step, minutes (15, 30, 60 …)")
    spans: list[int] = Field(description="shift spans (start to end) in minutes, breaks included")
    breaks: list[BreakRule] = Field(default_factory=list)

    @field_validator("earliest_start", "latest_start", mode="before")
    @classmethod
    def _clock(cls, v: Any) -> int:
        return parse_clock(v)

    @field_validator("spans", mode="before")
    @classmethod
    def _spans(cls, v: Any) -> list[int]:
        return [parse_clock(x) if isinstance(x, str) else int(x) for x in v]

    @model_validator(mode="after")
    def _check(self) -> ShiftTemplate:
        if self.start_every <= 0 or MINUTES_PER_DAY % self.start_every:
            raise ValueError("start_every must divide a day (15, 30, 60 …)")
        if not 0 <= self.earliest_start <= self.latest_start < MINUTES_PER_DAY:
            raise ValueError("need 00:00 ≤ earliest_start ≤ latest_start < 24:00")
        for s in self.spans:
            if not 0 < s <= MAX_SPAN_MIN:
                raise ValueError(f"span {s} min out of range (1 … {MAX_SPAN_MIN})")
            for b in self.breaks:
                last = b.offsets()[-1]
                if last + b.minutes > s:
                    raise ValueError(f"{b.kind} at offset {last} does not fit in a {s}-min span")
        return self

    def expand(self) -> list[Shift]:
        """All concrete variants (start × span × break placement)."""
        placements: list[tuple[Break, ...]] = [()]
        for rule in self.breaks:
            placements = [
                (*p, Break(off, rule.minutes, rule.kind)) for p in placements for off in rule.offsets()
            ]
        out = []
        for span in self.spans:
            fits = [p for p in placements if all(b.offset_min + b.minutes <= span for b in p)]
            for start in range(self.earliest_start, self.latest_start + 1, self.start_every):
                for p in fits:
                    if _overlapping(p):
                        continue
                    tag = "".join(f"{b.kind[0]}{b.offset_min // 15}" for b in p)
                    name = f"{self.name}-{_hhmm(start)}-{span // 60}h{span % 60:02d}" + (
                        f"-{tag}" if len(fits) > 1 and tag else ""
                    )
                    out.append(Shift(name, start, span, p, self.contract, self.name))
        return out


def _overlapping(breaks: tuple[Break, ...]) -> bool:
    bs = sorted(breaks, key=lambda b: b.offset_min)
    return any(a.offset_min + a.minutes > b.offset_min for a, b in itertools.pairwise(bs))


@dataclass
class ShiftSet:
    """The templates a centre may use, and their concrete variants."""

    templates: list[ShiftTemplate]
    shifts: list[Shift] = field(init=False)

    def __post_init__(self) -> None:
        seen: dict[str, Shift] = {}
        for t in self.templates:
            for s in t.expand():
                seen.setdefault(s.name, s)
        self.shifts = list(seen.values())
        if not self.shifts:
            raise ConfigError("the shift set has no shifts", hint="add at least one template")

    def by_contract(self, contract: ContractClass) -> list[Shift]:
        return [s for s in self.shifts if s.contract == contract]

    def by_name(self) -> dict[str, Shift]:
        return {s.name: s for s in self.shifts}


def load_shift_set(path: str | Path) -> ShiftSet:
    """Read templates from YAML: ``templates: [{name, contract, earliest_start, …}]``."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"cannot read shift templates: {e}", where=str(p)) from None
    items = raw.get("templates") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ConfigError("expected a list under 'templates:'", where=str(p))
    templates = []
    for i, item in enumerate(items):
        try:
            templates.append(ShiftTemplate.model_validate(item))
        except ValidationError as e:
            err = e.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise ConfigError(
                f"template #{i + 1} field {loc!r}: {err['msg']}", where=str(p)
            ) from None
    return ShiftSet(templates)


# ---- generated standard sets -------------------------------------------------------------

def _meal(earliest: int, latest: int) -> BreakRule:
    return BreakRule(kind="meal", minutes=60, earliest_offset=earliest, latest_offset=latest, step=30)


def full_time_templates(start_every: int = 30, day_only: bool = False) -> list[ShiftTemplate]:
    """8 paid hours in a 9-hour span, one unpaid 60-min meal 3.5–5 h after the start.

    ``day_only`` keeps every shift inside its day (latest start 15:00), for peers that cannot
    model shifts crossing midnight.
    """
    return [
        ShiftTemplate(
            name="FT",
            contract="full_time",
            earliest_start=0,
            latest_start=15 * 60 if day_only else MINUTES_PER_DAY - start_every,
            start_every=start_every,
            spans=[9 * 60],
            breaks=[_meal(210, 300)],
        )
    ]


def part_time_templates(start_every: int = 30, day_only: bool = False) -> list[ShiftTemplate]:
    """Part-time: 4 h without a meal, and 6.5 h span with a 30-min unpaid meal (6 h paid)."""
    last4 = 20 * 60 if day_only else MINUTES_PER_DAY - start_every
    last6 = (24 * 60 - 390) if day_only else MINUTES_PER_DAY - start_every
    return [
        ShiftTemplate(name="PT4", contract="part_time", earliest_start=0, latest_start=last4,
                      start_every=start_every, spans=[240]),
        ShiftTemplate(
            name="PT6", contract="part_time", earliest_start=0,
            latest_start=last6 - (last6 % start_every), start_every=start_every, spans=[390],
            breaks=[BreakRule(kind="meal", minutes=30, earliest_offset=150, latest_offset=210, step=30)],
        ),
    ]


def fixed_menu_templates() -> list[ShiftTemplate]:
    """A classic fixed menu of six 9-hour shifts (早/白/中/晚/夜/大夜), meal in the middle."""
    starts = {"A": "00:00", "B": "07:00", "C": "09:00", "D": "12:00", "E": "15:00", "N": "23:00"}
    return [
        ShiftTemplate(name=f"M{k}", contract="full_time", earliest_start=v, latest_start=v,
                      start_every=30, spans=[9 * 60], breaks=[_meal(240, 240)])
        for k, v in starts.items()
    ]


def standard_shift_set(kind: str = "mixed", start_every: int = 30, day_only: bool = False) -> ShiftSet:
    """'full_time', 'mixed' (full + part time) or 'fixed_menu'."""
    if kind == "full_time":
        return ShiftSet(full_time_templates(start_every, day_only))
    if kind == "mixed":
        return ShiftSet(full_time_templates(start_every, day_only) + part_time_templates(start_every, day_only))
    if kind == "fixed_menu":
        return ShiftSet(fixed_menu_templates())
    raise ConfigError(f"unknown shift set {kind!r}", hint="use full_time, mixed or fixed_menu")
