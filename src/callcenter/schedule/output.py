"""Roster outputs: the canonical ``schedule`` table, and the XLSX roster + coverage workbook."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from callcenter.schedule.roster import Roster
from callcenter.schema import SCHEDULE
from callcenter.timegrid import local_to_utc

OFF = "休"  # rest day in the roster grid


def schedule_table(roster: Roster, zone: str, *, month_label: str | None = None,
                   published: bool = False) -> pa.Table:
    """One row per activity (phone / break / meal) per agent shift, as ``schema.SCHEDULE``.

    Times are built in the centre's local wall clock and converted with
    :func:`callcenter.timegrid.local_to_utc`. ``date`` is the roster day the shift starts on.
    ``source_file`` is ``roster:<YYYY-MM>``; ``source_line`` numbers the rows from 1.
    """
    label = month_label or f"{roster.first_day:%Y-%m}"
    teams = {a.agent: a.team for a in roster.agents}
    rows: dict[str, list[object]] = {k: [] for k in ("agent", "team", "date", "activity", "start", "end", "shift",
                                             "published")}
    base = datetime(roster.first_day.year, roster.first_day.month, roster.first_day.day)
    for a in sorted(roster.assignments, key=lambda a: (a.agent, a.day)):
        day0 = base + timedelta(days=a.day)
        for activity, s, e in a.shift.activities():
            rows["agent"].append(a.agent)
            rows["team"].append(teams.get(a.agent))
            rows["date"].append(day0.date())
            rows["activity"].append(activity)
            rows["start"].append(day0 + timedelta(minutes=s))
            rows["end"].append(day0 + timedelta(minutes=e))
            rows["shift"].append(a.shift.name)
            rows["published"].append(published or a.published)
    n = len(rows["agent"])
    start = local_to_utc(pa.array(rows["start"], pa.timestamp("us")), zone)
    end = local_to_utc(pa.array(rows["end"], pa.timestamp("us")), zone)
    return pa.table(
        {
            "agent": pa.array(rows["agent"], pa.string()),
            "team": pa.array(rows["team"], pa.string()),
            "date": pa.array(rows["date"], pa.date32()),
            "activity": pa.array(rows["activity"], pa.string()),
            "start_at": start,
            "end_at": end,
            "shift": pa.array(rows["shift"], pa.string()),
            "published": pa.array(rows["published"], pa.bool_()),
            "source_file": pa.array([f"roster:{label}"] * n, pa.string()),
            "source_line": pa.array(np.arange(1, n + 1), pa.int64()),
        },
        schema=SCHEDULE.schema,
    )


def coverage_rows(roster: Roster) -> list[dict[str, object]]:
    """Per interval: required, scheduled on the phone, agents and leaders at work."""
    starts = [datetime(roster.first_day.year, roster.first_day.month, roster.first_day.day)
              + timedelta(minutes=roster.plan.interval_min * i) for i in range(len(roster.plan.target))]
    phone = roster.phone_coverage()
    present = roster.agents_present()
    leaders = roster.leaders_present()
    return [
        {"interval_start": t, "required": int(r), "scheduled_phone": round(float(p), 2),
         "short": round(max(0.0, float(r) - float(p)), 2), "agents_at_work": round(float(a), 2),
         "team_leaders": round(float(lead), 2)}
        for t, r, p, a, lead in zip(starts, roster.plan.target, phone, present, leaders, strict=True)
    ]


def write_xlsx(roster: Roster, path: str | Path, problems: list[str] | None = None) -> Path:
    """Workbook: 'roster' (one row per agent, one column per day, shift codes), 'coverage',
    'problems' (what could not be done and why)."""
    p = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "roster"
    header = ["agent", "team", "role", "contract", "paid h", "overtime h", *[f"{d:%m-%d %a}" for d in roster.dates]]
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    grid = roster.by_agent()
    grey = PatternFill("solid", fgColor="DDDDDD")
    for ag in roster.agents:
        days = grid.get(ag.agent, {})
        paid = sum(a.shift.paid_min for a in days.values()) / 60
        row = [ag.agent, ag.team or "", ag.role, ag.contract, round(paid, 2),
               round(max(0.0, paid - ag.contract_hours), 2)]
        row += [days[d].shift.name if d in days else OFF for d in range(roster.days)]
        ws.append(row)
        for c in ws[ws.max_row][6:]:
            if c.value == OFF:
                c.fill = grey
    ws.freeze_panes = "G2"
    cov = wb.create_sheet("coverage")
    rows = coverage_rows(roster)
    cov.append(list(rows[0].keys()) if rows else ["interval_start"])
    for r in rows:
        cov.append(list(r.values()))
    prob = wb.create_sheet("problems")
    prob.append(["problem (rule, days, agents)"])
    for line in problems if problems is not None else roster.problems:
        prob.append([line])
    if not (problems if problems is not None else roster.problems):
        prob.append(["none: every shift filled, every hard rule met by construction (see the checker)"])
    p.parent.mkdir(parents=True, exist_ok=True)
    wb.save(p)
    return p
