"""The demo centre: a *simulated* 10086-style mobile-operator hotline, September 2026.

Every number here is a default chosen to resemble what the source documents report for
China Mobile's 10086 (DOMAIN.md §1–§2); none of it is real data:

* Asia/Shanghai, open 24 h; Chinese public holidays and make-up working days from
  ``chinesecalendar`` (Mid-Autumn 25–27 Sep 2026; Sunday 20 Sep is a make-up working day);
* a month-end bill-day peak (last two days ×1.8, i.e. ≈ 80 % above mid-month) and a
  smaller month-start peak (days 1–2 ×1.3);
* an IVR with mean menu time 35.5 s completing ≈ 79 % of calls (self-service);
* three queues (billing 话费账单, business 业务办理, complaint 投诉), VIP customers (全球通)
  served first, two teams with several skills, 8-hour shifts with a meal and a break,
  rotating days off, absences and late log-ins;
* short calls (AHT ≈ 75 s) so that agents handle ≈ 32–34 calls per signed-in hour;
* redials after abandonment, repeat calls when not resolved, transfers to complaints,
  post-call survey, QA sampling and a small blacklist;
* simulated monthly costs (staff ¥45 per logged-in hour, telecom ¥0.03 per line minute,
  facilities and IT) and 2 % monthly attrition (leavers on the last day), so cost per call
  and turnover have data.

The shifts are sized from the mid-month load (⌈0.85 × offered load⌉ per half-hour, a greedy
cover with 8-hour shifts from the quietest half-hour), then scaled for days off and
absence; on day 1 and the last two days nobody has a day off (all hands), and the bill-day
peak is still visibly under-staffed, as at a real hotline.
"""

from __future__ import annotations

import math
from datetime import date, time

import numpy as np

from callcenter.simulate.config import (
    AgentGroupConfig,
    ArrivalConfig,
    BlacklistConfig,
    BreakConfig,
    CostConfig,
    IvrConfig,
    QaConfig,
    QueueConfig,
    RedialConfig,
    RepeatConfig,
    ShiftConfig,
    SimConfig,
    SurveyConfig,
    TierConfig,
)
from callcenter.simulate.distributions import Dist

# intraday shape per half-hour (00:00 .. 23:30), relative weights: a quiet night, a
# morning peak 09–11, an afternoon plateau and an evening peak 19–21.
PROFILE_10086 = [
    0.9, 0.7, 0.5, 0.4, 0.3, 0.3, 0.25, 0.25, 0.3, 0.3, 0.4, 0.5,  # 00:00-05:30
    0.7, 1.0, 1.5, 2.1, 2.8, 3.3, 3.6, 3.7, 3.6, 3.5, 3.3, 3.0,  # 06:00-11:30
    2.8, 2.8, 3.1, 3.3, 3.4, 3.4, 3.3, 3.2, 3.1, 3.0, 2.9, 2.9,  # 12:00-17:30
    3.0, 3.1, 3.3, 3.4, 3.3, 3.1, 2.8, 2.5, 2.1, 1.8, 1.4, 1.1,  # 18:00-23:30
]

SHIFT_HOURS = 8.0


def _staffing(load: np.ndarray, factor: float = 0.85) -> np.ndarray:
    """Agents planned per half-hour: ⌈factor × offered load⌉, at least 1.

    Below the load on purpose: 8-hour shifts over-cover a peaked day, so the planned
    minimum per half-hour can sit under the load while the day as a whole runs at the high
    occupancy a 10086 floor reports (32–34 calls per agent-hour).
    """
    return np.maximum(np.ceil(factor * load), 1).astype(int)


def _cover(need: np.ndarray, shift_slots: int, on_phone: float) -> list[int]:
    """Greedy cover of a cyclic day of half-hours with shifts of ``shift_slots`` slots.

    Returns the number of shifts starting at each half-hour. ``on_phone`` is the share of a
    shift an agent is available (breaks and meals removed).
    """
    n = len(need)
    starts = [0] * n
    cover = np.zeros(n)
    first = int(np.argmin(need))  # start at the quietest slot and go once round the day
    for j in range(n):
        s = (first + j) % n
        while cover[s] + 1e-9 < need[s]:
            starts[s] += 1
            for k in range(shift_slots):
                cover[(s + k) % n] += on_phone
    return starts


def demo_config(calls_per_day: float = 60_000.0, start: date = date(2026, 9, 1)) -> SimConfig:
    """The simulated 10086-style hotline (see the module docstring). Data is simulated."""
    talk = {"billing": 45.0, "business": 70.0, "complaint": 130.0}
    share = {"billing": 0.55, "business": 0.33, "complaint": 0.12}
    acw = 10.0
    ring = Dist.lognormal(3.0, 0.4)  # agents answer within one or two rings (3 s a ring)
    queues = [
        QueueConfig(
            name="billing", share=share["billing"], talk=Dist.lognormal(talk["billing"], 0.7),
            acw=Dist.lognormal(acw, 0.6), ring=ring, hold_prob=0.08, hold=Dist.exponential(20.0),
            patience=Dist.exponential(100.0), resolve_prob=0.93,
            transfer_prob=0.005, transfer_to="business", announced_share=0.6,
        ),
        QueueConfig(
            name="business", share=share["business"], talk=Dist.lognormal(talk["business"], 0.8),
            acw=Dist.lognormal(acw, 0.6), ring=ring, hold_prob=0.15, hold=Dist.exponential(30.0),
            patience=Dist.exponential(100.0), resolve_prob=0.88,
            transfer_prob=0.015, transfer_to="complaint", announced_share=0.6,
        ),
        QueueConfig(
            name="complaint", share=share["complaint"], talk=Dist.lognormal(talk["complaint"], 0.8),
            acw=Dist.lognormal(20.0, 0.6), ring=ring, hold_prob=0.25, hold=Dist.exponential(40.0),
            patience=Dist.exponential(140.0), resolve_prob=0.75, max_queue=60,
        ),
    ]
    ivr = IvrConfig(enabled=True, menu=Dist.lognormal(35.5, 0.6),
                    self_service_prob=0.79, abandon_prob=0.02)
    to_agent = 1 - ivr.self_service_prob - ivr.abandon_prob
    aht = sum(share[q] * talk[q] for q in talk) + acw + 2.0
    prof = np.asarray(PROFILE_10086, float)
    prof = prof / prof.sum()
    # mid-month weekday offered load (Erlang) per half-hour, +5 % for redials and repeats
    load = calls_per_day * to_agent * 1.05 * prof * aht / 1800.0
    need = _staffing(load)
    shift_slots = int(SHIFT_HOURS * 2)
    on_phone = (SHIFT_HOURS * 60 - 45) / (SHIFT_HOURS * 60)
    starts = _cover(need, shift_slots, on_phone)
    roster_factor = 7 / 5 / 0.97  # two rotating days off, ≈ 3 % absence
    complaint_share = 0.2
    groups: dict[str, list[ShiftConfig]] = {"general": [], "complaint": []}
    for s, k in enumerate(starts):
        if k == 0:
            continue
        heads = math.ceil(k * roster_factor)
        spec = max(1, round(heads * complaint_share)) if heads >= 4 else 0
        for team, count in (("general", heads - spec), ("complaint", spec)):
            if count:
                groups[team].append(
                    ShiftConfig(
                        name=f"S{s // 2:02d}{'30' if s % 2 else '00'}",
                        start=time(s // 2, 30 * (s % 2)),
                        hours=SHIFT_HOURS,
                        agents=count,
                        breaks=[
                            BreakConfig(after_minutes=120, minutes=15, reason="break"),
                            BreakConfig(after_minutes=240, minutes=30, reason="meal"),
                        ],
                    )
                )
    agents = [
        AgentGroupConfig(
            team="综合组", skills={"billing": 1, "business": 1, "complaint": 2},
            shifts=groups["general"], days_off_per_week=2, all_hands_days=[1, -2, -1], absence_prob=0.025,
            late_prob=0.05, late=Dist.exponential(300.0),
        ),
        AgentGroupConfig(
            team="投诉组", skills={"complaint": 1, "business": 2, "billing": 3},
            shifts=groups["complaint"], days_off_per_week=2, all_hands_days=[1, -2, -1], absence_prob=0.025,
            late_prob=0.05, late=Dist.exponential(300.0),
        ),
    ]
    return SimConfig(
        name="demo-10086",
        centre="demo-10086 (simulated)",
        timezone="Asia/Shanghai",
        start=start,
        interval_minutes=30,
        customers=400_000,
        arrivals=ArrivalConfig(
            calls_per_day=calls_per_day,
            profile=PROFILE_10086,
            weekday_factors=[1.08, 1.0, 1.0, 1.0, 1.02, 0.88, 0.85],
            holidays="CN",
            holiday_factor=0.75,
            month_end_factor=1.8,
            month_end_days=2,
            month_start_factor=1.3,
            month_start_days=2,
            dispersion=60.0,
        ),
        blacklist=BlacklistConfig(numbers=40, call_weight=40.0, action="busy"),
        trunks=int(calls_per_day / 400),
        ivr=ivr,
        queues=queues,
        tiers=[TierConfig(name="normal", share=0.92, priority=1),
               TierConfig(name="vip", share=0.08, priority=0)],
        agents=agents,
        redial=RedialConfig(prob=0.45, delay=Dist.lognormal(180.0, 1.0)),
        repeat=RepeatConfig(prob=0.5, delay=Dist.lognormal(20 * 3600.0, 1.0)),
        survey=SurveyConfig(prob=0.25),
        qa=QaConfig(sample_rate=0.02),
        costs=CostConfig(),
        attrition_monthly=0.02,
    )
