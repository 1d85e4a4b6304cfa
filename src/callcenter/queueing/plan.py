"""Interval staffing plan: forecast volume and AHT → agents per interval → headcount.

Steps (DOMAIN.md §2):

1. traffic per interval ``a_i = calls_i × AHT_i / interval`` (Erlangs);
2. **required agents** ``N_i`` on the phones: the exact minimum meeting the targets
   (Erlang C, or Erlang A when a patience is given; :func:`~.solve.required_agents`);
3. **scheduled agents** ``ceil(N_i / (1 − shrinkage))`` — people to roster in the interval
   so that ``N_i`` are on the phones after breaks, training, meetings and other
   off-phone time (shrinkage, a share of paid time);
4. **headcount (interval method)** ``= Σ_i N_i·Δ / ((1 − shrinkage) × attendance × H)``,
   where ``Δ`` is the interval length in hours and ``H`` the paid hours per agent in the
   plan's span (``hours_per_agent_month`` × span days ÷ 30.4375);
5. **headcount (Unicom formula)**, side by side:
   ``CSR = (monthly calls × AHT × answer rate) ÷ (working hours per agent per month ×
   attendance × utilisation)`` with the plan's calls scaled to a month;
6. **team leaders** ``= ceil(headcount / agents_per_leader)`` (10–15 : 1, default 12).

Defaults follow the 10086 observations in DOMAIN.md §2 (attendance 97.5 %, utilisation
73 %) and the legal 167 working hours per month; every one is a parameter.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from callcenter.errors import ModelError
from callcenter.queueing.erlang import as_float
from callcenter.queueing.solve import evaluate, required_agents
from callcenter.queueing.targets import Targets

__all__ = ["PlanParameters", "StaffingPlan", "staffing_plan", "staffing_plan_from_table"]

DAYS_PER_MONTH = 365.25 / 12.0


@dataclass(frozen=True)
class PlanParameters:
    """Everything a staffing plan depends on besides the forecast (all user-settable)."""

    targets: Targets = field(default_factory=lambda: Targets(service_level=0.8, threshold_s=20.0))
    interval_minutes: int = 30
    patience_s: float | None = None
    """mean caller patience (s); given → Erlang A, else Erlang C"""
    shrinkage: float = 0.3
    """share of paid time not on the phones (breaks, training, meetings, coaching)"""
    attendance: float = 0.975
    """people actually working ÷ people scheduled (出勤率)"""
    utilisation: float = 0.73
    """Unicom formula only: share of working time spent handling calls (工时利用率)"""
    answer_rate: float = 0.9
    """Unicom formula only: answered ÷ offered (接通率)"""
    hours_per_agent_month: float = 167.0
    """paid working hours per agent per month (legal maximum 167)"""
    agents_per_leader: float = 12.0
    """agents per team leader (10–15 : 1)"""
    min_agents: int = 0
    """floor on required agents in every interval (e.g. 1 while the line is open)"""
    fractional: bool = True
    """also compute fractional requirements (continuous extension)"""

    def __post_init__(self) -> None:
        if self.interval_minutes <= 0 or 1440 % self.interval_minutes:
            raise ModelError(f"interval_minutes must divide a day, got {self.interval_minutes}",
                             where="interval_minutes", hint="use 15, 30 or 60")
        for name, lo, hi in (("shrinkage", 0.0, 0.95), ("attendance", 0.05, 1.0),
                             ("utilisation", 0.05, 1.0), ("answer_rate", 0.0, 1.0)):
            v = getattr(self, name)
            if not (math.isfinite(v) and lo <= v <= hi):
                raise ModelError(f"{name} must be a fraction in [{lo:g}, {hi:g}], got {v!r}",
                                 where=name, hint="give a share, e.g. 0.3 for 30 %")
        if not (math.isfinite(self.hours_per_agent_month) and self.hours_per_agent_month > 0):
            raise ModelError("hours_per_agent_month must be > 0", where="hours_per_agent_month")
        if not (math.isfinite(self.agents_per_leader) and self.agents_per_leader >= 1):
            raise ModelError("agents_per_leader must be >= 1", where="agents_per_leader",
                             hint="DOMAIN.md §2: 10–15 agents per team leader")
        if self.min_agents < 0:
            raise ModelError("min_agents must be >= 0", where="min_agents")
        if self.patience_s is not None and not (
            math.isfinite(self.patience_s) and self.patience_s > 0
        ):
            raise ModelError(f"patience_s must be > 0 seconds, got {self.patience_s!r}",
                             where="patience_s")


@dataclass(frozen=True)
class StaffingPlan:
    """Per-interval plan (Arrow table) and the headcount summary."""

    intervals: pa.Table
    summary: dict[str, Any]


def staffing_plan(
    calls: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    params: PlanParameters | None = None,
    *,
    interval_start: npt.ArrayLike | None = None,
) -> StaffingPlan:
    """Staff every interval of a forecast; see the module docstring for the formulas.

    ``calls`` (offered per interval) and ``aht_s`` (seconds, scalar or per interval)
    are numpy-like; ``interval_start`` (datetime64 or None) labels the rows and fixes the
    plan's span in days (else ``len(calls)`` intervals).
    """
    p = params or PlanParameters()
    c = as_float(calls, "calls")
    if c.ndim != 1 or c.size == 0:
        raise ModelError("calls must be a non-empty 1-D array, one value per interval",
                         where="calls")
    h = np.broadcast_to(as_float(aht_s, "aht_s", positive=True), c.shape).astype(np.float64)
    interval_s = p.interval_minutes * 60.0
    traffic = c * h / interval_s
    req = required_agents(traffic, h, p.targets, patience_s=p.patience_s,
                          fractional=p.fractional)
    agents = np.maximum(req.agents, p.min_agents)
    perf = req.performance
    if p.min_agents > 0 and (agents != req.agents).any():
        perf = evaluate(agents, traffic, h, threshold_s=p.targets.threshold_s,
                        patience_s=p.patience_s, sl_variant=p.targets.sl_variant)
    scheduled = np.ceil(agents / (1.0 - p.shrinkage) - 1e-9).astype(np.int64)

    starts: pa.Array
    if interval_start is None:
        starts = pa.array(np.arange(c.size, dtype=np.int64), type=pa.int64())
        span_days = c.size * p.interval_minutes / 1440.0
    else:
        ts = np.asarray(interval_start, dtype="datetime64[us]")
        if ts.shape != c.shape:
            raise ModelError(f"interval_start has {ts.size} rows, calls {c.size}",
                             where="interval_start")
        if np.isnat(ts).any():
            i = int(np.flatnonzero(np.isnat(ts))[0])
            raise ModelError("interval_start is missing", where=f"row {i + 1}",
                             hint="every forecast row needs its interval start")
        uniq, counts = np.unique(ts, return_counts=True)
        if (counts > 1).any():
            dup = uniq[counts > 1][0]
            raise ModelError(f"interval {dup} appears {int(counts[counts > 1][0])} times",
                             where="interval_start", hint="one row per interval")
        starts = pa.array(ts, type=pa.timestamp("us"))
        span_us = (ts.max() - ts.min()).astype(np.int64) + int(interval_s * 1e6)
        span_days = math.ceil(span_us / 86_400e6 - 1e-12)

    dt_h = p.interval_minutes / 60.0
    agent_hours = float(agents.sum() * dt_h)
    scheduled_hours = agent_hours / (1.0 - p.shrinkage)
    hours_in_span = p.hours_per_agent_month * span_days / DAYS_PER_MONTH
    headcount_interval = scheduled_hours / (p.attendance * hours_in_span)
    calls_total = float(c.sum())
    aht_mean = float((c * h).sum() / calls_total) if calls_total > 0 else float(h.mean())
    monthly_calls = calls_total * DAYS_PER_MONTH / span_days
    headcount_unicom = (monthly_calls * aht_mean / 3600.0 * p.answer_rate) / (
        p.hours_per_agent_month * p.attendance * p.utilisation
    )
    cols: dict[str, pa.Array] = {
        "interval_start": starts,
        "calls": pa.array(c),
        "aht_s": pa.array(h),
        "traffic_erlangs": pa.array(traffic),
        "agents_required": pa.array(agents),
    }
    if req.fractional is not None:
        cols["agents_fractional"] = pa.array(req.fractional)
    cols.update({
        "agents_scheduled": pa.array(scheduled),
        "service_level": pa.array(perf.service_level),
        "asa_s": pa.array(perf.asa_s),
        "p_wait": pa.array(perf.p_wait),
        "abandon_rate": pa.array(perf.p_abandon),
        "occupancy": pa.array(perf.occupancy),
    })
    t = p.targets
    summary: dict[str, Any] = {
        "model": perf.model,
        "intervals": int(c.size),
        "span_days": span_days,
        "calls_total": calls_total,
        "aht_mean_s": aht_mean,
        "agent_hours_required": agent_hours,
        "agent_hours_scheduled": scheduled_hours,
        "peak_agents_required": int(agents.max()),
        "peak_agents_scheduled": int(scheduled.max()),
        "headcount_interval_method": headcount_interval,
        "headcount_unicom_formula": headcount_unicom,
        "team_leaders": math.ceil(headcount_interval / p.agents_per_leader - 1e-9),
        "team_leaders_range_15_to_10": [math.ceil(headcount_interval / 15 - 1e-9),
                                        math.ceil(headcount_interval / 10 - 1e-9)],
        "targets": {k: (str(v) if k == "sl_variant" else v) for k, v in asdict(t).items()},
        "parameters": {k: v for k, v in asdict(p).items() if k != "targets"},
    }
    return StaffingPlan(intervals=pa.table(cols), summary=summary)


def staffing_plan_from_table(
    table: pa.Table, params: PlanParameters | None = None, *, aht_s: float | None = None
) -> StaffingPlan:
    """Plan from an Arrow table with ``interval_start``, ``calls`` (or ``forecast``) and
    optionally ``aht_s`` (else the ``aht_s`` argument, seconds)."""
    names = set(table.column_names)
    missing = [n for n in ("interval_start",) if n not in names]
    vol = "calls" if "calls" in names else "forecast" if "forecast" in names else None
    if vol is None:
        missing.append("calls (or forecast)")
    if missing:
        raise ModelError(f"forecast lacks column(s) {', '.join(missing)}",
                         where=f"columns {sorted(names)}",
                         hint="give interval_start, calls (or forecast) and optionally aht_s")
    assert vol is not None
    vol_col = table.column(vol)
    if vol_col.null_count:
        i = int(np.flatnonzero(np.asarray(vol_col.is_null()))[0])
        raise ModelError(f"{vol} is empty", where=f"row {i + 1}",
                         hint="every interval needs a volume (0 if closed)")
    try:
        calls = np.asarray(vol_col.cast(pa.float64()).to_numpy(zero_copy_only=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise ModelError(f"{vol} is not numeric: {e}", where=vol) from None
    if "aht_s" in names:
        col = table.column("aht_s")
        if col.null_count:
            i = int(np.flatnonzero(np.asarray(col.is_null()))[0])
            if aht_s is None:
                raise ModelError("aht_s is empty", where=f"row {i + 1}",
                                 hint="fill it or give a default AHT (--aht)")
            col = col.fill_null(aht_s)
        aht = np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False))
    elif aht_s is not None:
        aht = np.full(calls.shape, float(aht_s))
    else:
        raise ModelError("no AHT: the forecast has no aht_s column", where="aht_s",
                         hint="add an aht_s column (seconds) or give --aht")
    ts_col = table.column("interval_start")
    try:
        ts = ts_col.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise ModelError(f"interval_start is not a timestamp: {e}", where="interval_start",
                         hint="use ISO timestamps like 2026-03-02 08:30:00") from None
    return staffing_plan(calls, aht, params, interval_start=ts)
