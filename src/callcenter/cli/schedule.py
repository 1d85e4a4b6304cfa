"""``callcenter schedule``: requirements + agents -> monthly roster (XLSX, Parquet)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.table import Table

from callcenter.cli.common import ConfigOpt, DbOpt
from callcenter.settings import load_settings


def register(app: typer.Typer) -> None:
    """Add the ``schedule`` command to ``app``."""

    @app.command("schedule")
    def schedule_cmd(
        requirements: Annotated[Path, typer.Option("--requirements", help="CSV/Parquet: interval_start, required")],
        agents: Annotated[Path, typer.Option("--agents", help="CSV/YAML of named agents and team leaders")],
        month: Annotated[str, typer.Option("--month", help="month to roster, YYYY-MM")],
        shifts: Annotated[Path | None, typer.Option("--shifts", help="shift templates YAML; default: "
                                                    "generated full-time (+ part-time if any part-timers)")] = None,
        output: Annotated[Path, typer.Option("--output", help="roster workbook")] = Path("roster.xlsx"),
        parquet: Annotated[Path | None, typer.Option("--parquet", help="also write the canonical schedule table")] = None,
        attendance: Annotated[float, typer.Option(help="expected attendance share (出勤率)")] = 1.0,
        shrinkage: Annotated[float, typer.Option(help="share of paid time off the phone")] = 0.0,
        time_limit: Annotated[float, typer.Option(help="solver time budget, seconds")] = 60.0,
        start_every: Annotated[int, typer.Option(help="start-time step of generated shifts, minutes")] = 60,
        publish: Annotated[bool, typer.Option("--publish", help="mark the roster published (frozen)")] = False,
        previous: Annotated[Path | None, typer.Option("--previous", help="published schedule Parquet to "
                                                      "re-solve after a change (same --shifts)")] = None,
        freeze_until: Annotated[str | None, typer.Option("--freeze-until", help="with --previous: keep "
                                                         "every published shift before this date (YYYY-MM-DD)")] = None,
        config: ConfigOpt = None,
        db: DbOpt = None,
        load: Annotated[bool, typer.Option("--load/--no-load",
                                           help="store the roster in the warehouse (for adherence)")] = False,
    ) -> None:
        """Build the month roster (月度排班) and its coverage; explain what cannot be met."""
        from callcenter.errors import InputError
        from callcenter.schedule.agents import read_agents
        from callcenter.schedule.checker import check_schedule
        from callcenter.schedule.output import schedule_table, write_xlsx
        from callcenter.schedule.requirements import month_days, read_requirements
        from callcenter.schedule.roster import (
            build_roster,
            publication_deadline,
            roster_from_schedule,
        )
        from callcenter.schedule.shifts import load_shift_set, standard_shift_set

        settings = load_settings(config)
        first, days = month_days(month)
        req = read_requirements(requirements).day_slice(first, days)
        people = read_agents(agents)
        if shifts is not None:
            shift_set = load_shift_set(shifts)
        else:
            kind = "mixed" if any(a.contract == "part_time" for a in people) else "full_time"
            shift_set = standard_shift_set(kind, start_every=start_every)
        console = Console(stderr=True)
        prev = None
        freeze = None
        if previous is not None:
            prev = roster_from_schedule(pq.read_table(previous), req, people, shift_set,
                                        attendance=attendance, shrinkage=shrinkage)
            try:
                freeze = date.fromisoformat(freeze_until) if freeze_until else first
            except ValueError:
                raise InputError(f"bad --freeze-until {freeze_until!r}", hint="use YYYY-MM-DD") from None
        roster = build_roster(req, people, shift_set, attendance=attendance, shrinkage=shrinkage,
                              time_limit=time_limit, previous=prev, freeze_until=freeze)
        table = schedule_table(roster, settings.timezone, month_label=month, published=publish)
        report = check_schedule(table, people, first_day=first, days=days, zone=settings.timezone,
                                required=roster.plan.target, interval_min=req.interval_min,
                                max_regular_hours=roster.rules.max_regular_hours,
                                max_overtime_hours=roster.rules.max_overtime_hours,
                                min_rest_hours=roster.rules.min_rest_hours,
                                max_consecutive_days=roster.rules.max_consecutive_days,
                                rest_window_days=roster.rules.rest_window_days,
                                leader_span_max=roster.rules.leader_span_max)
        problems = roster.problems + [f"checker: {v}" for v in report.violations]
        write_xlsx(roster, output, problems)
        if parquet is not None:
            parquet.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, parquet)
        t = Table(title=f"Roster {month} 月度排班")
        t.add_column("measure")
        t.add_column("value", justify="right")
        t.add_row("agents / team leaders", f"{sum(a.role == 'agent' for a in people)} / "
                  f"{sum(a.role == 'team_leader' for a in people)}")
        t.add_row("shifts assigned", f"{len(roster.assignments):,}")
        t.add_row("paid hours", f"{roster.paid_hours:,.1f}")
        t.add_row("efficiency (required ÷ paid h)", f"{roster.efficiency():.1%}")
        t.add_row("understaffed intervals", str(report.stats.get("understaffed_intervals", "?")))
        t.add_row("day-off requests honoured", f"{roster.requests_honoured} / {roster.requests_total}")
        t.add_row("hard-rule violations (checker)", str(len(report.violations)))
        t.add_row("publish by", f"{publication_deadline(first)}")
        t.add_row("seconds", f"{roster.seconds['total']:.1f}")
        console.print(t)
        for line in problems[:20]:
            console.print(f"[yellow]problem:[/yellow] {line}")
        if date.today() > publication_deadline(first):
            console.print(f"[yellow]note:[/yellow] the {month} roster was due by {publication_deadline(first)}")
        if load:
            from callcenter.app import CallCenter

            with CallCenter(db, settings=settings) as cc:
                rep = cc.store_tables(f"roster:{month}", {"schedule": table}, "roster")
                console.print(
                    f"stored in {cc.warehouse.path}: {rep.inserted:,} inserted, "
                    f"{rep.updated:,} updated, {rep.unchanged:,} unchanged"
                )
        typer.echo(str(output))
