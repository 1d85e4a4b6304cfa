"""Every definition a centre may change, with its default and its help text.

Centres define the same indicator differently (DOMAIN.md §1): the service-level
threshold and formula, the short-abandon threshold, whether after-call work counts as
busy in occupancy, the repeat-call window for first-contact resolution, business hours.
These are settings, never literals scattered in code. Every output states the settings
it used (:meth:`Settings.definitions`).

Settings are read from a TOML or YAML file (``callcenter.toml`` in the working directory
by default, or ``--config FILE`` / ``$CALLCENTER_CONFIG``); anything not given keeps its
default.
"""

from __future__ import annotations

import os
import tomllib
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from callcenter.errors import ConfigError


class SLPolicy(StrEnum):
    """Named service-level formulas (服务水平口径). T is ``sl_threshold_s``."""

    OFFERED = "offered"
    """answered within T ÷ offered (the usual planning definition)"""
    OFFERED_EXCL_SHORT = "offered_excl_short"
    """answered within T ÷ (offered − abandoned within the short-abandon threshold)"""
    ANSWERED = "answered"
    """answered within T ÷ answered"""
    ASTERISK_SL = "asterisk_sl"
    """Asterisk ``SL``: answered within T ÷ answered (completed) calls"""
    ASTERISK_SL2 = "asterisk_sl2"
    """Asterisk ``SL2``: (answered within T + abandoned within T) ÷ (answered + abandoned)"""
    ABANDONS_WITHIN_T_MET = "abandons_within_t_met"
    """(answered within T + abandoned within T) ÷ offered: short abandons count as met"""


SL_POLICY_TEXT: dict[SLPolicy, str] = {
    SLPolicy.OFFERED: "answered within T ÷ offered",
    SLPolicy.OFFERED_EXCL_SHORT: "answered within T ÷ (offered − short abandons)",
    SLPolicy.ANSWERED: "answered within T ÷ answered",
    SLPolicy.ASTERISK_SL: "Asterisk SL: answered within T ÷ answered",
    SLPolicy.ASTERISK_SL2: "Asterisk SL2: (answered + abandoned within T) ÷ (answered + abandoned)",
    SLPolicy.ABANDONS_WITHIN_T_MET: "(answered within T + abandoned within T) ÷ offered",
}


class BusinessHours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    open: time = time(8, 0)
    close: time = time(20, 0)
    days: list[int] = Field(default=[0, 1, 2, 3, 4, 5, 6], description="weekdays open, Monday = 0")


class Settings(BaseModel):
    """Definitions and defaults. Field descriptions are the help text."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    centre: str = Field("default", description="centre name used when a source does not say")
    timezone: str = Field(
        "Asia/Shanghai", description="IANA zone of the centre; intervals are local wall clock"
    )
    interval_minutes: int = Field(30, description="default reporting interval (15, 30 or 60)")
    sl_threshold_s: float = Field(20.0, description="service-level threshold T, seconds")
    sl_policy: SLPolicy = Field(SLPolicy.OFFERED, description="service-level formula")
    sl_target: float = Field(80.0, description="service-level target, % (80/20)")
    short_abandon_s: float = Field(
        20.0, description="abandons within this many seconds are 'short' (excluded from reports)"
    )
    acw_in_occupancy: bool = Field(
        True, description="count after-call work as busy time in occupancy"
    )
    fcr_window_hours: float = Field(
        72.0, description="a repeat call from the same caller within this window breaks FCR"
    )
    seconds_per_ring: float = Field(3.0, description="ring cadence used to count rings")
    satisfied_min_share: float = Field(
        0.8, description="survey score ≥ this share of the scale counts as satisfied"
    )
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    targets: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="per-indicator target overrides, e.g. {abandon_rate: {max: 5}}",
    )

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(
                f"unknown time zone {v!r} (use an IANA name like Asia/Shanghai)"
            ) from e
        return v

    @field_validator("interval_minutes")
    @classmethod
    def _interval(cls, v: int) -> int:
        if v not in (5, 6, 10, 15, 30, 60):
            raise ValueError("interval_minutes must be one of 5, 6, 10, 15, 30, 60")
        return v

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def definitions(self) -> dict[str, str]:
        """The definitions in force, to print beside every output."""
        return {
            "timezone": self.timezone,
            "service level": f"{SL_POLICY_TEXT[self.sl_policy]}, T = {self.sl_threshold_s:g} s",
            "short abandon": f"abandoned within {self.short_abandon_s:g} s",
            "occupancy": "ACW counts as busy" if self.acw_in_occupancy else "ACW not counted",
            "FCR window": f"{self.fcr_window_hours:g} h",
            "interval": "a call belongs to the interval in which it was offered",
            "offered": "legs that reached the ACD queue (blocked and IVR-only legs excluded)",
            "within T": "wait ≤ T; a call answered without queueing waited 0 s",
        }


def load_settings(path: str | Path | None = None) -> Settings:
    """Read settings from TOML/YAML; defaults when no file is given or found.

    Looks at ``path``, then ``$CALLCENTER_CONFIG``, then ``./callcenter.toml``.
    """
    candidates: list[Path] = []
    explicit = path is not None or "CALLCENTER_CONFIG" in os.environ
    if path is not None:
        candidates.append(Path(path))
    elif "CALLCENTER_CONFIG" in os.environ:
        candidates.append(Path(os.environ["CALLCENTER_CONFIG"]))
    else:
        candidates.append(Path("callcenter.toml"))
    p = candidates[0]
    if not p.exists():
        if explicit:
            raise ConfigError(f"settings file not found: {p}", hint="check the path")
        return Settings()
    return validate_config(
        Settings,
        read_config_file(p),
        where=str(p),
        what="setting",
        hint="see `callcenter settings` for the allowed values",
    )


M = TypeVar("M", bound=BaseModel)


def validate_config(
    model: type[M], raw: dict[str, Any], *, where: str, what: str, hint: str
) -> M:
    """Validate ``raw`` into ``model``; the first problem becomes a ConfigError naming the key."""
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(x) for x in err["loc"])
        raise ConfigError(
            f"invalid {what} {field!r}: {err['msg']}",
            where=where,
            hint=f"{len(e.errors())} problem(s); {hint}",
        ) from None


def read_config_file(p: Path) -> dict[str, Any]:
    """A YAML (.yaml/.yml) or TOML file holding a table, or a ConfigError saying what is wrong."""
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read settings: {e}", where=str(p)) from None
    try:
        if p.suffix in (".yaml", ".yml"):
            raw = yaml.safe_load(text) or {}
        else:
            raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as e:
        raise ConfigError(f"not valid {p.suffix.lstrip('.').upper()}: {e}", where=str(p)) from None
    if not isinstance(raw, dict):
        raise ConfigError("settings file must hold a table of settings", where=str(p))
    return raw
