"""A page's View as a PDF: title, filters, charts, tables with the numbers, definitions.

Built with ReportLab (pinned in pyproject), nothing fetched at run time. All text uses
ReportLab's built-in CID font ``STSong-Light`` (Adobe-GB1, which PDF readers supply), so no
font file is shipped or downloaded, and Chinese labels or data values (queue and agent names)
print in either language.

Charts are drawn from the same ECharts options the page sends to the browser (category axis
with bar / line series, or the hour × weekday heatmap), with ReportLab's vector graphics: the
PDF shows the numbers the page shows. A chart of another kind (the agent's states timeline,
a time axis) is named in the PDF with a pointer to its table instead of being drawn.
Very long tables (the roster of a day, 1,000 agents' scorecards) are cut at
``MAX_ROWS`` rows in the PDF (the first page of the HTML table: the top of a ranking), with a
line saying so; the CSV/XLSX exports hold every row.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from callcenter.web.views import display

FONT = "STSong-Light"
MAX_ROWS = 100  # a page of the HTML table: ReportLab draws a row in ~1 ms
PAGE = landscape(A4)
MARGIN = 12 * mm
WIDTH = PAGE[0] - 2 * MARGIN
PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4"]
STATUS_FILL = {"status-on": "#dff0d8", "status-warn": "#fcf0d2", "status-off": "#f8d7da"}

PDF_LABELS = {
    "zh": {"filters": "筛选条件", "none": "（无，默认）", "generated": "生成时间", "charts": "图表",
           "tables": "数据表", "cut": "PDF 中仅列出前 {n} 行（共 {total} 行）；完整数据见 CSV / XLSX 导出。",
           "not_drawn": "此图（{kind}）未在 PDF 中绘制，数据见下方表格。", "empty": "（无数据）",
           "page": "第 {n} 页"},
    "en": {"filters": "Filters", "none": "(none, defaults)", "generated": "Generated", "charts": "Charts",
           "tables": "Tables", "cut": "The PDF lists the first {n} of {total} rows; the CSV / XLSX exports hold every row.",
           "not_drawn": "This chart ({kind}) is not drawn in the PDF; its data is in the table below.",
           "empty": "(no data)", "page": "page {n}"},
}

_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    f = _font()
    return {
        "title": ParagraphStyle("title", fontName=f, fontSize=16, leading=20, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=f, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3),
        "body": ParagraphStyle("body", fontName=f, fontSize=8.5, leading=11),
        "small": ParagraphStyle("small", fontName=f, fontSize=7, leading=9),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=7, leading=8.5),
    }


def _printable(text: str) -> str:
    """Characters some readers' stand-ins for the CID font lack, as close ones they have."""
    return text.replace("✔", "√").replace("·", "|")


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(_printable(str(text))), style)


def fmt(v: Any) -> str:
    """A cell as the page shows it (✔ printed as √, which the GB font has)."""
    return _printable(display(v))


# ------------------------------------------------------------------------------- charts


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float) and math.isfinite(float(v)):
        return float(v)
    return None


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= v:
            return float(m * e)
    return float(10 * e)


def _axes(option: Mapping[str, Any]) -> list[dict[str, Any]]:
    y = option.get("yAxis") or {}
    return list(y) if isinstance(y, list) else [y]


class _Chart(Flowable):  # type: ignore[misc]
    """A chart drawn into a ReportLab Drawing (wrapped so it can sit in the story)."""

    def __init__(self, drawing: Drawing) -> None:
        super().__init__()
        self.drawing = drawing
        self.width, self.height = drawing.width, drawing.height

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.drawing.drawOn(self.canv, 0, 0)


def category_chart(option: Mapping[str, Any], width: float, height: float) -> Drawing | None:
    """Bars and lines over a category x axis (one or two y axes), with a legend."""
    x_axis = option.get("xAxis") or {}
    if not isinstance(x_axis, Mapping) or x_axis.get("type") != "category":
        return None
    cats = [str(c) for c in x_axis.get("data") or []]
    series = [s for s in option.get("series") or [] if s.get("type") in ("bar", "line")]
    if not cats or not series:
        return None
    f = _font()
    d = Drawing(width, height)
    left, right, bottom, top = 42.0, 42.0 if len(_axes(option)) > 1 else 12.0, 30.0, 22.0
    pw, ph = width - left - right, height - bottom - top
    # y ranges per axis (the axis' max when the page fixes one, e.g. 100 for percentages)
    axes = _axes(option)
    ranges: list[tuple[float, float]] = []
    for k, ax in enumerate(axes):
        vals = [_num(v) for s in series if s.get("yAxisIndex", 0) == k for v in s.get("data") or []]
        got = [v for v in vals if v is not None]
        lo = float(ax.get("min", 0)) if isinstance(ax.get("min", 0), int | float) else 0.0
        hi = float(ax["max"]) if isinstance(ax.get("max"), int | float) else _nice_max(max(got, default=1.0))
        lo = min(lo, min(got, default=lo))
        ranges.append((lo, hi if hi > lo else lo + 1.0))

    def y_of(v: float, k: int) -> float:
        lo, hi = ranges[min(k, len(ranges) - 1)]
        return bottom + ph * (min(max(v, lo), hi) - lo) / (hi - lo)

    d.add(Rect(left, bottom, pw, ph, strokeColor=colors.HexColor("#cccccc"), fillColor=None, strokeWidth=0.5))
    for k, (lo, hi) in enumerate(ranges[:2]):
        x = left - 3 if k == 0 else left + pw + 3
        anchor = "end" if k == 0 else "start"
        for j in range(5):
            v = lo + (hi - lo) * j / 4
            y = bottom + ph * j / 4
            d.add(String(x, y - 2.5, fmt(round(v, 1) if abs(v) < 1000 else round(v)), fontName=f, fontSize=6,
                         textAnchor=anchor))
            if k == 0 and 0 < j < 4:
                d.add(Line(left, y, left + pw, y, strokeColor=colors.HexColor("#eeeeee"), strokeWidth=0.4))
        name = axes[k].get("name") if k < len(axes) else None
        if name:
            d.add(String(x, bottom + ph + 6, str(name), fontName=f, fontSize=6, textAnchor=anchor))
    n = len(cats)
    step = pw / n
    bars = [s for s in series if s.get("type") == "bar"]
    bw = step * 0.8 / max(1, len(bars))
    for si, s in enumerate(series):
        colour = colors.HexColor(PALETTE[si % len(PALETTE)])
        k = int(s.get("yAxisIndex", 0))
        data = list(s.get("data") or [])[:n]
        if s.get("type") == "bar":
            b = bars.index(s)
            for i, v in enumerate(data):
                fv = _num(v)
                if fv is None:
                    continue
                x0 = left + i * step + step * 0.1 + b * bw
                y0 = y_of(max(ranges[min(k, len(ranges) - 1)][0], 0.0), k)
                d.add(Rect(x0, min(y0, y_of(fv, k)), bw, abs(y_of(fv, k) - y0), fillColor=colour,
                           strokeColor=None))
        else:
            run: list[float] = []
            for i, v in enumerate(data):
                fv = _num(v)
                if fv is None:  # a gap: no value, no line through it
                    if len(run) >= 4:
                        d.add(PolyLine(run, strokeColor=colour, strokeWidth=1.2))
                    run = []
                    continue
                run += [left + (i + 0.5) * step, y_of(fv, k)]
            if len(run) >= 4:
                d.add(PolyLine(run, strokeColor=colour, strokeWidth=1.2))
            elif len(run) == 2:
                d.add(Rect(run[0] - 1, run[1] - 1, 2, 2, fillColor=colour, strokeColor=None))
        mark = s.get("markLine") or {}
        for m in mark.get("data") or []:
            fv = _num(m.get("yAxis")) if isinstance(m, Mapping) else None
            if fv is not None:
                y = y_of(fv, k)
                d.add(Line(left, y, left + pw, y, strokeColor=colors.HexColor("#c62828"), strokeWidth=0.8,
                           strokeDashArray=[3, 2]))
                label = (mark.get("label") or {}).get("formatter") or f"{fv:g}"
                d.add(String(left + pw - 2, y + 2, str(label), fontName=f, fontSize=6, textAnchor="end",
                             fillColor=colors.HexColor("#c62828")))
    # x labels: at most ~24, evenly thinned
    every = max(1, math.ceil(n / 24))
    for i in range(0, n, every):
        d.add(String(left + (i + 0.5) * step, bottom - 9, cats[i][:12], fontName=f, fontSize=5.5,
                     textAnchor="middle"))
    # legend
    x = left
    for si, s in enumerate(series):
        colour = colors.HexColor(PALETTE[si % len(PALETTE)])
        d.add(Rect(x, height - 10, 8, 6, fillColor=colour, strokeColor=None))
        name = str(s.get("name") or "")
        d.add(String(x + 10, height - 9.5, name, fontName=f, fontSize=6.5))
        x += 18 + pdfmetrics.stringWidth(name, f, 6.5)
    return d


def heatmap_chart(option: Mapping[str, Any], width: float, height: float) -> Drawing | None:
    """The hour × weekday heatmap: a grid of cells shaded by value, the value written in."""
    series = option.get("series") or []
    if not series or series[0].get("type") != "heatmap":
        return None
    xs = [str(v) for v in (option.get("xAxis") or {}).get("data") or []]
    ys = [str(v) for v in (option.get("yAxis") or {}).get("data") or []]
    cells = [c for c in series[0].get("data") or [] if len(c) == 3]
    if not xs or not ys:
        return None
    f = _font()
    d = Drawing(width, height)
    left, bottom, top = 40.0, 14.0, 4.0
    cw, ch = (width - left - 4) / len(xs), (height - bottom - top) / len(ys)
    hi = max([float(c[2]) for c in cells] + [1.0])
    lo_c, hi_c = colors.HexColor("#f7fbff"), colors.HexColor("#08519c")
    for x, y, v in cells:
        t = float(v) / hi
        fill = colors.linearlyInterpolatedColor(lo_c, hi_c, 0, 1, t)
        # row 0 (Monday) at the top, as read
        yy = bottom + (len(ys) - 1 - int(y)) * ch
        d.add(Rect(left + int(x) * cw, yy, cw, ch, fillColor=fill, strokeColor=colors.white, strokeWidth=0.3))
        d.add(String(left + (int(x) + 0.5) * cw, yy + ch / 2 - 2, fmt(v), fontName=f, fontSize=4.8,
                     textAnchor="middle", fillColor=colors.white if t > 0.55 else colors.black))
    for i, name in enumerate(xs):
        d.add(String(left + (i + 0.5) * cw, bottom - 8, name, fontName=f, fontSize=6, textAnchor="middle"))
    for j, name in enumerate(ys):
        d.add(String(left - 3, bottom + (len(ys) - 1 - j) * ch + ch / 2 - 2.5, name, fontName=f, fontSize=6.5,
                     textAnchor="end"))
    return d


def chart_drawing(option: Mapping[str, Any], width: float, height: float) -> Drawing | None:
    """The drawing of one ECharts option, or None for a kind the PDF does not draw."""
    return heatmap_chart(option, width, height) or category_chart(option, width, height)


# ------------------------------------------------------------------------------- tables


def _table(t: Any, styles: Mapping[str, ParagraphStyle], lang: str) -> list[Any]:
    cols = [c for c in t.columns if not c.key.startswith("_")]
    if not cols:
        return []
    f = _font()
    head = [_p(c.label, styles["cell"]) for c in cols]
    rows = t.rows[:MAX_ROWS]
    body = [[fmt(r.get(c.key)) for c in cols] for r in rows]
    # widths: proportional to the longest text of each column, within the page
    est = []
    for j, c in enumerate(cols):
        longest = max([min(pdfmetrics.stringWidth(c.label, f, 7), 110.0)] +
                      [pdfmetrics.stringWidth(row[j], f, 7) for row in body[:200]])
        est.append(min(max(longest + 8, 28.0), 180.0))
    scale = min(1.0, WIDTH / sum(est))
    widths = [w * scale for w in est]
    data: list[list[Any]] = [head, *body] if body else [head, [PDF_LABELS[lang]["empty"]] + [""] * (len(cols) - 1)]
    tbl = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), f, 7),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f6")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#8a94a6")),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dddddd")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for j, c in enumerate(cols):
        if c.num:
            style.append(("ALIGN", (j, 1), (j, -1), "RIGHT"))
    key_index = {c.key: j for j, c in enumerate(cols)}
    for key, css in t.styles.items():
        i, _, col = key.partition(":")
        if col in key_index and i.isdigit() and int(i) < len(rows) and css in STATUS_FILL:
            cell = (key_index[col], int(i) + 1)
            style.append(("BACKGROUND", cell, cell, colors.HexColor(STATUS_FILL[css])))
    tbl.setStyle(TableStyle(style))
    out: list[Any] = [CondPageBreak(40 * mm), _p(t.title, styles["h2"]), tbl]
    if len(t.rows) > MAX_ROWS:
        out.append(_p(PDF_LABELS[lang]["cut"].format(n=MAX_ROWS, total=f"{len(t.rows):,}"), styles["small"]))
    return out


# ------------------------------------------------------------------------------- document


def to_pdf(view: Any, lang: str, labels: Mapping[str, str], definitions: Mapping[str, str],
           filter_labels: Mapping[str, str] | None = None, version: str = "") -> bytes:
    """The view as a landscape A4 PDF in ``lang``."""
    P = PDF_LABELS.get(lang, PDF_LABELS["en"])
    styles = _styles()
    story: list[Any] = [_p(f"{labels.get('app_title', '')} · {view.title}", styles["title"])]
    query = view.filters.query()
    shown = "; ".join(f"{(filter_labels or {}).get(k, k)}: {v}" for k, v in query.items()) or P["none"]
    story.append(_p(f"{P['filters']}: {shown}", styles["body"]))
    for n in view.notes:
        story.append(_p(n, styles["body"]))
    story.append(_p(f"{P['generated']}: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · callcenter {version}",
                    styles["small"]))
    story.append(Spacer(1, 4))
    # charts, two per row
    cells: list[Any] = []
    half = (WIDTH - 8) / 2
    for c in view.charts:
        d = chart_drawing(c.option, half, 64 * mm)
        if d is None:
            kind = (c.option.get("xAxis") or {}).get("type", "?") if isinstance(c.option.get("xAxis"), Mapping) else "?"
            cells.append([_p(c.title, styles["h2"]), _p(P["not_drawn"].format(kind=kind), styles["small"])])
        else:
            cells.append([_p(c.title, styles["h2"]), _Chart(d)])
    for i in range(0, len(cells), 2):
        pair = cells[i:i + 2]
        grid = Table([[p[0] for p in pair], [p[1] for p in pair]], colWidths=[half + 4] * len(pair))
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 4)]))
        story.append(KeepTogether(grid))
    for t in view.tables:
        story += _table(t, styles, lang)
    if view.diagnostics:
        story.append(_p(labels.get("diagnostics", "Diagnostics"), styles["h2"]))
        for d in view.diagnostics:
            story.append(_p(f"{d['indicator']}: {fmt(d['value'])} ({labels.get('target', 'target')} "
                            f"{d['target']}, {d['status']})", styles["body"]))
            for check in d.get("checks") or []:
                story.append(_p(f"• {check}", styles["small"]))
    if view.unavailable:
        story.append(_p(labels.get("unavailable", "Not available"), styles["h2"]))
        for k, reason in view.unavailable.items():
            story.append(_p(f"{k}: {reason}", styles["small"]))
    story.append(_p(labels.get("definitions", "Definitions used"), styles["h2"]))
    for k, v in definitions.items():
        story.append(_p(f"{k}: {v}", styles["small"]))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 7)
        canvas.drawRightString(PAGE[0] - MARGIN, 6 * mm, _printable(f"{view.title} · {P['page'].format(n=doc.page)}"))
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=view.title, author="callcenter")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def filter_names(labels: Mapping[str, str]) -> dict[str, str]:
    """Display names of the filter fields in the page's language."""
    keys: Sequence[tuple[str, str]] = (("start", "from"), ("end", "to"), ("day", "day"), ("grain", "grain"),
                                       ("queue", "queue"), ("team", "team"), ("agent", "agent"),
                                       ("column", "column"), ("rank", "rank_by"))
    return {k: labels.get(lab, k) for k, lab in keys}


__all__ = ["MAX_ROWS", "chart_drawing", "filter_names", "fmt", "to_pdf"]
