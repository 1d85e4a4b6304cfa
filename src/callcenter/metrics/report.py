"""The monthly management report (月度运营分析报告): every indicator against its target,
the trend against the previous months, the diagnostics where off target, by queue.

``monthly_report(tables, settings, month)`` computes it; ``write_xlsx`` and ``write_html``
render it (the HTML uses ``web/templates/report_monthly.html``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from callcenter.metrics.engine import compute
from callcenter.metrics.registry import BY_ID, INDICATORS, Indicator
from callcenter.metrics.targets import STATUS_ZH, Status, assess
from callcenter.settings import Settings


@dataclass(frozen=True)
class ReportLine:
    indicator: Indicator
    value: float | None
    history: tuple[float | None, ...]  # previous months, oldest first
    target: str
    status: Status | None
    diagnostics: tuple[tuple[str, str], ...]
    unavailable: str | None  # reason, when the indicator cannot be computed

    @property
    def trend(self) -> float | None:
        """Change against the previous month, in the indicator's unit."""
        prev = self.history[-1] if self.history else None
        return None if prev is None or self.value is None else self.value - prev


@dataclass
class MonthlyReport:
    month: date
    months: list[date]  # history months then the report month
    lines: list[ReportLine]
    by_queue: list[dict[str, Any]]
    definitions: dict[str, str] = field(default_factory=dict)
    queue_indicators: tuple[str, ...] = ()

    @property
    def off_target(self) -> list[ReportLine]:
        return [ln for ln in self.lines if ln.status in (Status.OFF, Status.WARNING)]


QUEUE_INDICATORS = ("offered", "answered_rate", "service_level", "abandon_rate", "asa", "aht")


def _add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


def monthly_report(tables: Mapping[str, Any], settings: Settings | None, month: date, *,
                   history: int = 3, indicators: Sequence[str] | None = None) -> MonthlyReport:
    s = settings or Settings()
    first = date(month.year, month.month, 1)
    months = [_add_months(first, -k) for k in range(history, -1, -1)]
    start = datetime.combine(months[0], datetime.min.time())
    end = datetime.combine(_add_months(first, 1), datetime.min.time())
    res = compute(tables, s, grain="month", start=start, end=end, indicators=indicators)
    by_month = {r["period"].date(): r for r in res.rows()}
    lines: list[ReportLine] = []
    for ind in (BY_ID[i] for i in indicators) if indicators else INDICATORS:
        if ind.id in res.unavailable:
            lines.append(ReportLine(ind, None, (), "—", None, (), res.unavailable[ind.id]))
            continue
        vals = [by_month.get(m, {}).get(ind.id) for m in months]
        a = assess(ind, vals[-1], s, "month")
        lines.append(ReportLine(ind, vals[-1], tuple(vals[:-1]), a.target, a.status, a.diagnostics, None))
    q = compute(tables, s, grain="month", by=["queue"], start=datetime.combine(first, datetime.min.time()),
                end=end, indicators=list(QUEUE_INDICATORS), fill=False)
    qi = tuple(i for i in QUEUE_INDICATORS if i in q.indicators)
    return MonthlyReport(first, months, lines, q.rows(), res.definitions, qi)


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "calls":
        return f"{v:,.0f}"
    if unit == "%":
        return f"{v:.1f} %"
    return f"{v:,.2f}"


def write_xlsx(report: MonthlyReport, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    fills = {Status.ON: "C6EFCE", Status.WARNING: "FFEB9C", Status.OFF: "FFC7CE"}
    wb = Workbook()
    ws = wb.active
    ws.title = f"{report.month:%Y-%m}"
    hist = [f"{m:%Y-%m}" for m in report.months]
    ws.append(["id", "指标", "indicator", "unit", *hist, "change 环比", "target 目标", "status 状态", "note 说明"])
    for c in ws[1]:
        c.font = Font(bold=True)
    for ln in report.lines:
        row = [ln.indicator.id, ln.indicator.name_zh, ln.indicator.name_en, ln.indicator.unit,
               *([*list(ln.history), ln.value] if not ln.unavailable else [None] * len(hist)),
               ln.trend, ln.target,
               f"{ln.status} {STATUS_ZH[ln.status]}" if ln.status else "",
               ln.unavailable or ""]
        ws.append(row)
        if ln.status:
            ws.cell(ws.max_row, 6 + len(hist)).fill = PatternFill("solid", fgColor=fills[ln.status])
    dg = wb.create_sheet("diagnostics 诊断")
    dg.append(["indicator", "status", "check (English)", "检查项"])
    for ln in report.off_target:
        for en, zh in ln.diagnostics or (("(no checklist in DOMAIN.md)", "（无诊断清单）"),):
            dg.append([ln.indicator.label, str(ln.status), en, zh])
    qs = wb.create_sheet("by queue 分队列")
    qs.append(["queue", *report.queue_indicators])
    for r in report.by_queue:
        qs.append([r["queue"], *[r[i] for i in report.queue_indicators]])
    df = wb.create_sheet("definitions 口径")
    for k, v in report.definitions.items():
        df.append([k, v])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def render_html(report: MonthlyReport) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("callcenter.web", "templates"), autoescape=select_autoescape())
    env.filters["fmt"] = _fmt
    tpl = env.get_template("report_monthly.html")
    return tpl.render(report=report, status_zh=STATUS_ZH, generated=datetime.now().strftime("%Y-%m-%d %H:%M"))


def write_html(report: MonthlyReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
