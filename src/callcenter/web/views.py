"""What each dashboard page shows, as data: tables, ECharts options, notes.

Every page function takes the warehouse's Ibis tables (through the facade), the parsed
:class:`Filters` and the language, and returns a :class:`View`. Routes render a View as
HTML, as JSON (``/api/...``) or export its first table (CSV/XLSX). All numbers come from
``metrics.compute`` (or the QC, forecast and queueing packages); nothing here is SQL.

"Today" is anchored at the last date with an offered call, because the data may be
historical; every page says so.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.errors import ConfigError, DataNotAvailable
from callcenter.metrics import scope
from callcenter.metrics.engine import column_availability, evaluate, missing_after_rollup, rollup
from callcenter.metrics.qc import pareto, pareto_counts, peak_day_coefficients
from callcenter.metrics.registry import BY_ID, INDICATORS
from callcenter.metrics.rollup_store import RollupStore
from callcenter.metrics.targets import Status, status, target_for
from callcenter.settings import Settings
from callcenter.web.i18n import labels

PAGES = ("overview", "intervals", "queues", "agents", "workforce", "qc")
GRAINS = ("15m", "30m", "60m", "day", "week", "month")
QC_COLUMNS = ("call_type", "queue", "wrapup_code", "source_outcome", "outcome", "customer_tier",
              "team", "agent", "transfer_kind", "channel", "centre")
QUEUE_INDICATORS = ("offered", "answered", "abandoned", "answered_rate", "service_level",
                    "abandon_rate", "asa", "avg_abandon_time", "aht", "avg_talk_time",
                    "transfer_rate", "fcr")
AGENT_INDICATORS = ("answered", "calls_per_hour", "aht", "acw_time", "avg_hold_time", "adherence",
                    "occupancy", "fcr", "qa_score", "transfer_rate")
STATUS_CLASS = {Status.ON: "status-on", Status.WARNING: "status-warn", Status.OFF: "status-off"}
Tables = Mapping[str, Any]


# ---------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """Parsed, validated page filters (``end`` is inclusive, as users read it)."""

    start: date | None = None
    end: date | None = None
    day: date | None = None
    grain: str | None = None
    queue: str | None = None
    team: str | None = None
    agent: str | None = None
    column: str | None = None
    rank: str | None = None

    def query(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "")}


def _date(name: str, text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{name} {text!r} is not a date", where=name,
                          hint="use YYYY-MM-DD, e.g. 2026-09-01") from None


def parse_filters(raw: Mapping[str, str | None]) -> Filters:
    """Validate query parameters; a bad one raises ConfigError (HTTP 400 with where = the field)."""
    start, end, day = _date("start", raw.get("start")), _date("end", raw.get("end")), _date("day", raw.get("day"))
    if start and end and end < start:
        raise ConfigError(f"end {end} is before start {start}", where="end",
                          hint="give an end date on or after the start date")
    grain = (raw.get("grain") or "").strip() or None
    if grain is not None and grain not in GRAINS:
        raise ConfigError(f"unknown grain {grain!r}", where="grain", hint="use " + ", ".join(GRAINS))
    column = (raw.get("column") or "").strip() or None
    if column is not None and column not in QC_COLUMNS:
        raise ConfigError(f"cannot run a Pareto on {column!r}", where="column",
                          hint="use " + ", ".join(QC_COLUMNS))
    rank = (raw.get("rank") or "").strip() or None
    if rank is not None and rank not in AGENT_INDICATORS:
        raise ConfigError(f"cannot rank by {rank!r}", where="rank", hint="use " + ", ".join(AGENT_INDICATORS))

    def s(k: str) -> str | None:
        v = raw.get(k)
        return v.strip() if v and v.strip() else None

    return Filters(start, end, day, grain, s("queue"), s("team"), s("agent"), column, rank)


# ---------------------------------------------------------------------------- views


@dataclass
class Column:
    key: str
    label: str
    unit: str = ""
    link: str | None = None  # format string over the row, e.g. "/agents/{agent}"

    @property
    def num(self) -> bool:
        return self.unit != ""


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    styles: dict[str, str] = field(default_factory=dict)  # "row:key" -> CSS class
    sparks: dict[int, dict[str, Any]] = field(default_factory=dict)  # row -> ECharts option

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title,
                "columns": [{"key": c.key, "label": c.label, "unit": c.unit} for c in self.columns
                            if not c.key.startswith("_")],
                "rows": [{k: _jsonable(v) for k, v in r.items() if not k.startswith("_")} for r in self.rows]}


@dataclass
class Chart:
    id: str
    title: str
    option: dict[str, Any]
    css: str = "chart"


@dataclass
class View:
    page: str
    title: str
    filters: Filters
    fields: tuple[str, ...]  # filter inputs shown
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # label -> reason
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)  # filter -> options

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "title": self.title, "filters": self.filters.query(),
                "notes": self.notes, "tables": [t.to_dict() for t in self.tables],
                "charts": [{"id": c.id, "title": c.title, "option": c.option} for c in self.charts],
                "unavailable": self.unavailable, "diagnostics": self.diagnostics}


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def display(v: Any) -> str:
    """A table cell as shown: — for no value, thousands separators, 2 decimals at most."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "✔" if v else ""
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "—"
        return f"{v:,.0f}" if v.is_integer() and abs(v) >= 1000 else f"{v:,.2f}".rstrip("0").rstrip(".")
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    return str(v)


def ind_name(ind_id: str, lang: str) -> str:
    ind = BY_ID[ind_id]
    return ind.name_zh if lang == "zh" else ind.name_en


def _ind_columns(ids: Sequence[str], lang: str) -> list[Column]:
    return [Column(i, ind_name(i, lang), BY_ID[i].unit) for i in ids]


def _unavailable(reasons: Mapping[str, str], lang: str) -> dict[str, str]:
    return {ind_name(k, lang) if k in BY_ID else k: v for k, v in reasons.items()}


# ---------------------------------------------------------------------------- data helpers


def _filters(f: Filters) -> dict[str, str | None]:
    return {"queue": f.queue, "team": f.team, "agent": f.agent}


def filtered(tabs: Tables, f: Filters) -> dict[str, Any]:
    """The tables restricted to the queue / team / agent filters (see ``metrics.scope``)."""
    return scope.filtered(tabs, _filters(f))


def available(tabs: Tables) -> dict[str, bool]:
    """Which needed columns hold any value in the warehouse (once per data version)."""
    return _fact(tabs, "available", lambda: column_availability(tabs))  # type: ignore[no-any-return]


def _scope(tabs: Tables, f: Filters) -> dict[str, Any]:
    return {"filters": _filters(f), "available": available(tabs), "store": getattr(tabs, "store", None)}


def kpi(tabs: Tables, settings: Settings, f: Filters, *, grain: str, start: datetime | None,
        end: datetime | None, **kw: Any) -> Any:
    """Indicators over the warehouse's tables with the page's filters, in [start, end): from
    the stored roll-ups where they answer exactly (``tabs.store``), directly otherwise."""
    return scope.scoped_kpi(tabs, settings, grain=grain, start=start, end=end, **_scope(tabs, f), **kw)


class FactTables(dict[str, Any]):
    """The warehouse's tables with ``facts``: values that hold for the whole data version
    (anchor day, first day, the filter drop-downs, the columns holding values), shared by
    every view and filter until the next load, so a new filter does not pay for them again;
    and the roll-up store the indicators are summed from when it is fresh."""

    def __init__(self, tabs: Tables, facts: dict[str, Any], store: RollupStore | None = None) -> None:
        super().__init__(tabs)
        self.facts = facts
        self.store = store  # the roll-up store, only when fresh for this data version


def _fact(tabs: Tables, name: str, make: Any) -> Any:
    facts = getattr(tabs, "facts", None)
    if facts is None:
        return make()
    if name not in facts:
        facts[name] = make()
    return facts[name]


def anchor_day(tabs: Tables) -> date:
    """The last local date with an offered call ("today" for historical data)."""
    return _fact(tabs, "anchor", lambda: _anchor_day(tabs))  # type: ignore[no-any-return]


def _anchor_day(tabs: Tables) -> date:
    if "calls" not in tabs:
        raise DataNotAvailable("no calls are loaded", needs=["calls"], hint="load an export on the Data page")
    last = tabs["calls"].offered_local.max().to_pyarrow().as_py()
    if last is None:
        raise DataNotAvailable("no calls are loaded", needs=["calls"], hint="load an export on the Data page")
    return last.date() if isinstance(last, datetime) else last


def first_day(tabs: Tables) -> date:
    """The first local date with an offered call."""
    return _fact(tabs, "first", lambda: _first_day(tabs))  # type: ignore[no-any-return]


def _first_day(tabs: Tables) -> date:
    first = tabs["calls"].offered_local.min().to_pyarrow().as_py()
    return first.date() if isinstance(first, datetime) else first


def choices(tabs: Tables) -> dict[str, list[str]]:
    """Values offered in the queue / team / agent drop-downs."""
    return dict(_fact(tabs, "choices", lambda: _choices(tabs)))


def _choices(tabs: Tables) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if "calls" in tabs:
        c = tabs["calls"]
        for dim in ("queue", "team", "agent", "call_type"):
            vals = c.select(dim).distinct().to_pyarrow().column(0).to_pylist()
            out[dim] = sorted(v for v in vals if v is not None)
    return out


def _us(d: timedelta) -> int:
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def _dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def _range(f: Filters, anchor: date, default_days: int) -> tuple[date, date]:
    """Inclusive [start, end]: the filters' range, else ``default_days`` ending at the anchor."""
    end = f.end or anchor
    start = f.start or end - timedelta(days=default_days - 1)
    return start, end


def _anchor_note(L: Mapping[str, str], anchor: date) -> str:
    return L["anchor_note"].format(day=anchor.isoformat())


def _range_note(L: Mapping[str, str], start: date, end: date) -> str:
    return f"{L['period']}: {start.isoformat()} → {end.isoformat()}"


def _line(name: str, data: list[Any], **kw: Any) -> dict[str, Any]:
    return {"name": name, "type": "line", "data": data, "showSymbol": False, **kw}


def _target_line(ind_id: str, settings: Settings, L: Mapping[str, str]) -> dict[str, Any] | None:
    t = target_for(BY_ID[ind_id], settings)
    if ind_id == "service_level":
        v: float | None = settings.sl_target
    elif t is None:
        return None
    else:
        v = t.min if t.min is not None else t.max
    if v is None:
        return None
    return {"silent": True, "symbol": "none", "lineStyle": {"type": "dashed", "color": "#c62828"},
            "data": [{"yAxis": v, "name": L["target"]}], "label": {"formatter": f"{L['target']} {v:g}"}}


def _fmt_num(v: Any, unit: str) -> Any:
    if v is None or isinstance(v, str):
        return v
    return round(float(v), 2) if unit not in ("calls",) else v


# ---------------------------------------------------------------------------- overview


def overview(tabs: Tables, settings: Settings, f: Filters, lang: str) -> View:
    L = labels(lang)
    anchor = f.day or anchor_day(tabs)
    v = View("overview", L["overview"], f, ("day", "queue", "team", "agent"), choices=choices(tabs))
    v.notes.append(_anchor_note(L, anchor))
    week0 = anchor - timedelta(days=anchor.weekday())
    month0 = anchor.replace(day=1)
    prev_months = month0
    for _ in range(5):
        prev_months = (prev_months - timedelta(days=1)).replace(day=1)
    first = first_day(tabs)
    stop = _dt(anchor + timedelta(days=1))
    day0 = max(anchor - timedelta(days=13), first)
    # one pass over the days of [earliest of the 14 days, the week, the month; anchor]: the
    # latest week and month are those days' measures added up (exact for counts and sums)
    u0 = _dt(max(min(day0, week0, month0), first))
    daily = scope.scoped_measures(tabs, settings, grain="day", start=u0, end=stop, **_scope(tabs, f))
    day_res = evaluate(rollup(daily, "day", _dt(day0), stop))
    # indicators with no daily value (monthly cost, turnover, peak-day): trend over 6 months
    coarse = [i.id for i in INDICATORS if "day" not in i.grains]
    hist_res = kpi(tabs, settings, f, grain="month", start=_dt(max(prev_months, first.replace(day=1))), end=stop,
                   indicators=coarse)

    def series(res: Any) -> dict[str, list[Any]]:
        rows = res.rows()
        return {i: [r.get(i) for r in rows] for i in res.indicators} | {"_period": [r["period"] for r in rows]}

    def latest(grain: str, begin: date) -> tuple[dict[str, list[Any]], dict[str, str]]:
        """The latest week / month: the days rolled up, plus what cannot be added up (distinct
        counts) computed directly; the coarse indicators come from the 6-month history."""
        rolled = rollup(daily, grain, _dt(max(begin, first)), stop)
        out = series(evaluate(rolled))
        rest = [i for i in missing_after_rollup(daily, rolled) if grain != "month" or i not in coarse]
        reasons: dict[str, str] = {}
        if rest:
            extra = kpi(tabs, settings, f, grain=grain, start=_dt(max(begin, first)), end=stop, indicators=rest)
            out |= {k: v for k, v in series(extra).items() if k != "_period"}
            reasons = dict(extra.unavailable)
        if grain == "month":
            out |= {k: v for k, v in series(hist_res).items() if k != "_period"}
            reasons |= hist_res.unavailable
        return out, reasons

    days, hist = series(day_res), series(hist_res)
    weeks, _ = latest("week", week0)
    months, month_unavailable = latest("month", month0)
    cols = [Column("indicator", L["indicator"]), Column("unit", L["unit"]),
            Column("latest_day", f"{L['latest_day']} {anchor:%m-%d}", "v"),
            Column("previous_day", f"{L['previous_day']} {anchor - timedelta(days=1):%m-%d}", "v"),
            Column("latest_week", f"{L['latest_week']} {week0:%m-%d}", "v"),
            Column("latest_month", f"{L['latest_month']} {month0:%Y-%m}", "v"),
            Column("target", L["target"]), Column("status", L["status"]), Column("_spark", L["trend"])]
    table = Table("indicators", L["indicators_vs_target"], cols, [])
    unavailable: dict[str, str] = {}
    status_names = {Status.ON: L["on_target"], Status.WARNING: L["warning"], Status.OFF: L["off_target"]}

    def last(s: dict[str, list[Any]], i: str, k: int = 1) -> Any:
        vals = s.get(i)
        return vals[-k] if vals and len(vals) >= k else None

    for ind in INDICATORS:
        avail = [s for s in (days, weeks, months) if ind.id in s]
        if not avail:
            reason = month_unavailable.get(ind.id) or day_res.unavailable.get(ind.id, "")
            unavailable[ind_name(ind.id, lang)] = reason
            continue
        row = {"id": ind.id, "indicator": ind_name(ind.id, lang), "unit": ind.unit,
               "latest_day": last(days, ind.id), "previous_day": last(days, ind.id, 2),
               "latest_week": last(weeks, ind.id), "latest_month": last(months, ind.id)}
        t = target_for(ind, settings)
        row["target"] = t.describe() if t else "—"
        i = len(table.rows)
        grains = {"latest_day": "day", "previous_day": "day", "latest_week": "week", "latest_month": "month"}
        headline: Status | None = None
        for key, g in grains.items():
            st = status(ind, row[key], settings, g)
            if st is not None:
                table.styles[f"{i}:{key}"] = STATUS_CLASS[st]
            if headline is None and st is not None:
                headline = st
        row["status"] = status_names[headline] if headline else ""
        if headline:
            table.styles[f"{i}:status"] = STATUS_CLASS[headline]
        for key in grains:
            row[key] = _fmt_num(row[key], ind.unit)
        trend_src = days if ind.id in days else hist if ind.id in hist else months
        spark_vals = [_fmt_num(x, ind.unit) for x in trend_src[ind.id]]
        table.sparks[i] = {
            "animation": False, "grid": {"left": 1, "right": 1, "top": 2, "bottom": 2},
            "xAxis": {"type": "category", "show": False, "data": [p.strftime("%m-%d") for p in trend_src["_period"]]},
            "yAxis": {"type": "value", "show": False, "scale": True},
            "tooltip": {"trigger": "axis"},
            "series": [_line(ind_name(ind.id, lang), spark_vals, lineStyle={"width": 1.5})],
        }
        table.rows.append(row)
        if headline in (Status.WARNING, Status.OFF):
            v.diagnostics.append({"indicator": row["indicator"], "value": row["latest_day"] if row["latest_day"] is not None else row["latest_month"],
                                  "target": row["target"], "status": row["status"],
                                  "class": STATUS_CLASS[headline],
                                  "checks": [zh if lang == "zh" else en for en, zh in ind.diagnostics]})
    v.tables.append(table)
    v.unavailable = unavailable
    if "offered" in days:
        x = [p.strftime("%m-%d") for p in days["_period"]]
        daily_series: list[dict[str, Any]] = [{"name": ind_name(i, lang), "type": "bar", "data": days[i]}
                                              for i in ("offered", "answered") if i in days]
        if "service_level" in days:
            daily_series.append(_line(ind_name("service_level", lang), [_fmt_num(x, "%") for x in days["service_level"]],
                                yAxisIndex=1, markLine=_target_line("service_level", settings, L)))
        v.charts.append(Chart("daily", L["daily_trend"], {
            "tooltip": {"trigger": "axis"}, "legend": {}, "grid": {"left": 50, "right": 50},
            "xAxis": {"type": "category", "data": x},
            "yAxis": [{"type": "value", "name": L["calls"]}, {"type": "value", "name": "%", "max": 100}],
            "series": daily_series}))
    return v


# ---------------------------------------------------------------------------- intervals


def intervals(tabs: Tables, settings: Settings, f: Filters, lang: str) -> View:
    L = labels(lang)
    anchor = anchor_day(tabs)
    start, end = _range(f, anchor, 1)
    grain = f.grain or "30m"
    if grain not in ("15m", "30m", "60m"):
        raise ConfigError(f"the interval page shows intraday grains, not {grain!r}", where="grain",
                          hint="use 15m, 30m or 60m")
    v = View("intervals", L["intervals"], f, ("start", "end", "grain", "queue", "team", "agent"),
             choices=choices(tabs))
    v.notes += [_anchor_note(L, anchor), _range_note(L, start, end)]
    ids = ["offered", "answered", "abandoned", "service_level", "asa"]
    res = kpi(tabs, settings, f, grain=grain, start=_dt(start), end=_dt(end + timedelta(days=1)), indicators=ids)
    rows = res.rows()
    got = [i for i in ids if i in res.indicators]
    multi_day = start != end
    x = [r["period"].strftime("%m-%d %H:%M" if multi_day else "%H:%M") for r in rows]
    v.tables.append(Table("intervals", L["by_interval"],
                          [Column("period", L["interval"]), *_ind_columns(got, lang)],
                          [{"period": r["period"], **{i: _fmt_num(r[i], BY_ID[i].unit) for i in got}} for r in rows]))
    vol = [i for i in ("offered", "answered", "abandoned") if i in got]
    v.charts.append(Chart("volume", L["volume"], {
        "tooltip": {"trigger": "axis"}, "legend": {}, "grid": {"left": 50, "right": 20},
        "xAxis": {"type": "category", "data": x}, "yAxis": {"type": "value"},
        "series": [{"name": ind_name(i, lang), "type": "bar" if i == "offered" else "line",
                    "data": [r[i] for r in rows]} for i in vol]}))
    for i in ("service_level", "asa"):
        if i not in got:
            continue
        s = _line(ind_name(i, lang), [_fmt_num(r[i], "%") for r in rows], connectNulls=False)
        tl = _target_line(i, settings, L)
        if tl:
            s["markLine"] = tl
        v.charts.append(Chart(i, ind_name(i, lang), {
            "tooltip": {"trigger": "axis"}, "grid": {"left": 50, "right": 60},
            "xAxis": {"type": "category", "data": x},
            "yAxis": {"type": "value", "name": BY_ID[i].unit, **({"max": 100} if i == "service_level" else {})},
            "series": [s]}))
    v.unavailable = _unavailable(res.unavailable, lang)
    # hour × weekday heatmap of offered over the 4 weeks ending at the range's end
    h0 = f.start if f.start and f.start < end - timedelta(days=27) else end - timedelta(days=27)
    hm = kpi(tabs, settings, f, grain="60m", start=_dt(h0), end=_dt(end + timedelta(days=1)),
                 indicators=["offered"], fill=False)
    if "offered" in hm.indicators:
        cells: dict[tuple[int, int], int] = {}
        for r in hm.rows():
            k = (r["period"].hour, r["period"].weekday())
            cells[k] = cells.get(k, 0) + int(r["offered"] or 0)
        data = [[h, d, cells.get((h, d), 0)] for h in range(24) for d in range(7)]
        wd = L["weekdays"].split(",")
        v.charts.append(Chart("heatmap", f"{L['heatmap']} ({h0} → {end})", {
            "tooltip": {"position": "top"}, "grid": {"left": 60, "right": 20, "bottom": 95},
            "xAxis": {"type": "category", "data": [f"{h:02d}" for h in range(24)], "splitArea": {"show": True}},
            "yAxis": {"type": "category", "data": wd, "splitArea": {"show": True}},
            "visualMap": {"min": 0, "max": max([c[2] for c in data] + [1]), "calculable": True,
                          "orient": "horizontal", "left": "center", "bottom": 0, "itemHeight": 160},
            "series": [{"name": ind_name("offered", lang), "type": "heatmap", "data": data}]}))
    return v


# ---------------------------------------------------------------------------- queues


def queues(tabs: Tables, settings: Settings, f: Filters, lang: str) -> View:
    L = labels(lang)
    anchor = anchor_day(tabs)
    start, end = _range(f, anchor, 7)
    v = View("queues", L["queues"], f, ("start", "end", "queue", "team", "agent"), choices=choices(tabs))
    v.notes += [_anchor_note(L, anchor), _range_note(L, start, end)]
    for dim in ("queue", "call_type"):
        res = kpi(tabs, settings, f, grain="total", by=[dim], start=_dt(start), end=_dt(end + timedelta(days=1)),
                      indicators=list(QUEUE_INDICATORS), fill=False)
        got = [i for i in QUEUE_INDICATORS if i in res.indicators]
        rows = sorted(res.rows(), key=lambda r: -(r.get("offered") or 0))
        v.tables.append(Table(f"by_{dim}", L[f"by_{dim}"], [Column(dim, L[dim]), *_ind_columns(got, lang)],
                              [{dim: r[dim], **{i: _fmt_num(r[i], BY_ID[i].unit) for i in got}} for r in rows]))
        v.unavailable.update(_unavailable(res.unavailable, lang))
        if dim == "queue" and "offered" in got:
            v.charts.append(Chart("queue_chart", L["by_queue"], {
                "tooltip": {"trigger": "axis"}, "legend": {}, "grid": {"left": 50, "right": 50},
                "xAxis": {"type": "category", "data": [r[dim] for r in rows]},
                "yAxis": [{"type": "value", "name": L["calls"]}, {"type": "value", "name": "%", "max": 100}],
                "series": [{"name": ind_name("offered", lang), "type": "bar", "data": [r["offered"] for r in rows]},
                           *([{"name": ind_name("service_level", lang), "type": "line", "yAxisIndex": 1,
                               "data": [_fmt_num(r["service_level"], "%") for r in rows]}] if "service_level" in got else [])]}))
    return v


# ---------------------------------------------------------------------------- agents


def agents(tabs: Tables, settings: Settings, f: Filters, lang: str) -> View:
    L = labels(lang)
    anchor = anchor_day(tabs)
    start, end = _range(f, anchor, 7)
    rank = f.rank or "calls_per_hour"
    v = View("agents", L["agents"], f, ("start", "end", "team", "agent", "rank"), choices=choices(tabs))
    v.choices["rank"] = list(AGENT_INDICATORS)
    v.notes += [_anchor_note(L, anchor), _range_note(L, start, end)]
    span = (_dt(start), _dt(end + timedelta(days=1)))
    for dim in ("agent", "team"):
        res = kpi(tabs, settings, f, grain="total", by=[dim], start=span[0], end=span[1],
                      indicators=list(AGENT_INDICATORS), fill=False)
        got = [i for i in AGENT_INDICATORS if i in res.indicators]
        rows = [r for r in res.rows() if r[dim] not in (None, "(none)")]
        key = rank if rank in got else (got[0] if got else None)
        if key:
            rev = BY_ID[key].direction != "down"
            rows.sort(key=lambda r: (r[key] is None, -(r[key] or 0) if rev else (r[key] or 0)))
        out = [{"rank": n + 1, dim: r[dim], **{i: _fmt_num(r[i], BY_ID[i].unit) for i in got}}
               for n, r in enumerate(rows)]
        link = "/agents/{agent}?lang=" + lang if dim == "agent" else None
        v.tables.append(Table(f"by_{dim}", L[f"scorecard_{dim}"],
                              [Column("rank", L["rank"]), Column(dim, L[dim], link=link), *_ind_columns(got, lang)], out))
        v.unavailable.update(_unavailable(res.unavailable, lang))
        if dim == "agent" and key and out:
            top = out[:30]
            v.charts.append(Chart("ranking", f"{L['ranking']}: {ind_name(key, lang)}", {
                "tooltip": {"trigger": "axis"}, "grid": {"left": 50, "right": 20, "bottom": 60},
                "xAxis": {"type": "category", "data": [r["agent"] for r in top], "axisLabel": {"rotate": 45}},
                "yAxis": {"type": "value", "name": BY_ID[key].unit},
                "series": [{"name": ind_name(key, lang), "type": "bar", "data": [r[key] for r in top]}]}))
    return v


def _last_day_of(tabs: Tables, agent: str) -> date | None:
    """The agent's last day with states (else with calls): the default day to drill into."""
    for name, col in (("agent_states", "start_local"), ("calls", "offered_local")):
        if name in tabs:
            t = tabs[name]
            last = t.filter(t.agent == agent)[col].max().to_pyarrow().as_py()
            if last is not None:
                return last.date() if isinstance(last, datetime) else last
    return None


def agent_day(tabs: Tables, settings: Settings, agent: str, f: Filters, lang: str) -> View:
    L = labels(lang)
    anchor = anchor_day(tabs)
    day = f.day or _last_day_of(tabs, agent) or anchor
    f2 = Filters(day=day, agent=agent)
    v = View("agent_day", f"{L['agent']} {agent} · {day.isoformat()}", f2, ("day",))
    v.notes.append(_anchor_note(L, anchor))
    ids = ["answered", "aht", "avg_hold_time", "acw_time", "transfer_rate", "occupancy"]
    res = kpi(tabs, settings, f2, grain="60m", start=_dt(day), end=_dt(day + timedelta(days=1)), indicators=ids, fill=False)
    got = [i for i in ids if i in res.indicators]
    rows = res.rows()
    v.tables.append(Table("hours", L["by_hour"], [Column("period", L["interval"]), *_ind_columns(got, lang)],
                          [{"period": r["period"], **{i: _fmt_num(r[i], BY_ID[i].unit) for i in got}} for r in rows]))
    v.unavailable = _unavailable(res.unavailable, lang)
    if "agent_states" not in tabs:
        v.notes.append(L["no_states"])
        return v
    zone = ZoneInfo(settings.timezone)
    st = tabs["agent_states"]
    st = st.filter((st.agent == agent) & (st.start_local >= _dt(day)) & (st.start_local < _dt(day + timedelta(days=1))))
    states = st.select("state", "reason", "start_local", "end_at", "seconds").order_by("start_local").to_pyarrow().to_pylist()
    srows = []
    per_hour: dict[str, list[float]] = {}
    for s in states:
        end_local = s["end_at"].astimezone(zone).replace(tzinfo=None) if s["end_at"] else None
        srows.append({"state": s["state"], "reason": s["reason"], "start": s["start_local"],
                      "end": end_local, "seconds": _fmt_num(s["seconds"], "s")})
        # minutes per state per hour of the day (split across hour boundaries); logged_in is
        # the session around the other states, so it is left out of the charts
        if end_local is None or s["state"] == "logged_in":
            continue
        t0, t1 = s["start_local"], end_local
        while t0 < t1:
            h_end = t0.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            seg = min(t1, h_end)
            if t0.date() == day:
                per_hour.setdefault(s["state"], [0.0] * 24)[t0.hour] += (seg - t0).total_seconds() / 60
            t0 = seg
    v.tables.append(Table("states", L["states_timeline"],
                          [Column("state", L["state"]), Column("reason", L["reason"]), Column("start", L["start"]),
                           Column("end", L["end"]), Column("seconds", L["seconds"], "s")], srows))
    if any(r["state"] != "logged_in" for r in srows):
        timeline = [r for r in srows if r["state"] != "logged_in"]
        names = sorted({r["state"] for r in timeline})
        points: list[list[Any]] = []
        for r in timeline:
            points.append([r["start"].isoformat(), r["state"]])
            if r["end"] is not None:
                points.append([r["end"].isoformat(), r["state"]])
        v.charts.append(Chart("timeline", L["states_timeline"], {
            "tooltip": {"trigger": "axis"}, "grid": {"left": 80, "right": 20},
            "xAxis": {"type": "time"}, "yAxis": {"type": "category", "data": names},
            "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 16, "bottom": 0}],
            "series": [_line(L["state"], points, step="end", lineStyle={"width": 1})]}))
    if per_hour:
        v.charts.append(Chart("states", L["states_by_hour"], {
            "tooltip": {"trigger": "axis"}, "legend": {}, "grid": {"left": 50, "right": 20},
            "xAxis": {"type": "category", "data": [f"{h:02d}:00" for h in range(24)]},
            "yAxis": {"type": "value", "name": "min", "max": 60},
            "series": [{"name": k, "type": "bar", "stack": "s", "data": [round(m, 1) for m in vals]}
                       for k, vals in sorted(per_hour.items())]}))
    else:
        v.notes.append(L["no_states"])
    return v


# ---------------------------------------------------------------------------- QC


def qc(tabs: Tables, settings: Settings, f: Filters, lang: str) -> View:
    L = labels(lang)
    base = filtered(tabs, f)
    column = f.column or "call_type"
    v = View("qc", L["qc"], f, ("start", "end", "column", "queue", "team", "agent"), choices=choices(tabs))
    v.choices["column"] = list(QC_COLUMNS)
    if "calls" not in base:
        raise DataNotAvailable("no calls are loaded", needs=["calls"])
    calls = base["calls"]
    where = calls.direction == "inbound"
    if f.start:
        where &= calls.offered_local >= _dt(f.start)
    if f.end:
        where &= calls.offered_local < _dt(f.end + timedelta(days=1))
    v.notes.append(_range_note(L, f.start or date.min, f.end or date.max).replace("0001-01-01", "…").replace("9999-12-31", "…"))
    store: RollupStore | None = getattr(tabs, "store", None)
    counts = store.category_counts(column, _dt(f.start) if f.start else None,
                                   _dt(f.end + timedelta(days=1)) if f.end else None, _filters(f)) \
        if store is not None else None
    rows = pareto_counts(counts) if counts is not None else pareto(calls, column, where=where)
    v.tables.append(Table("pareto", f"{L['pareto']}: {L.get(column, column)}",
                          [Column("category", L.get(column, column)), Column("count", L["count"], "calls"),
                           Column("share", L["share"], "%"), Column("cumulative", L["cumulative"], "%"),
                           Column("vital", L["vital"])],
                          [{"category": r.category, "count": r.count, "share": round(r.share, 1),
                            "cumulative": round(r.cumulative, 1), "vital": "✔" if r.vital else ""} for r in rows]))
    v.charts.append(Chart("pareto", f"{L['pareto']}: {L.get(column, column)}", {
        "tooltip": {"trigger": "axis"}, "legend": {}, "grid": {"left": 50, "right": 50, "bottom": 70},
        "xAxis": {"type": "category", "data": [r.category for r in rows], "axisLabel": {"rotate": 30}},
        "yAxis": [{"type": "value", "name": L["count"]}, {"type": "value", "name": "%", "max": 100}],
        "series": [{"name": L["count"], "type": "bar", "data": [r.count for r in rows]},
                   {"name": L["cumulative"], "type": "line", "yAxisIndex": 1,
                    "data": [round(r.cumulative, 1) for r in rows],
                    "markLine": {"silent": True, "symbol": "none", "data": [{"yAxis": 80}],
                                 "lineStyle": {"type": "dashed"}}}]}))
    pd_span = (_dt(f.start) if f.start else None, _dt(f.end + timedelta(days=1)) if f.end else None)
    pd = peak_day_coefficients(scope.pruned(base, settings, *pd_span), settings, start=pd_span[0], end=pd_span[1],
                               available=available(tabs),
                               aggregate=store.aggregator(_filters(f)) if store is not None else None)
    pd = [r for r in pd if r.get("offered")]
    v.tables.append(Table("peak_day", L["peak_day"],
                          [Column("month", L["month"]), Column("peak_day_coefficient", ind_name("peak_day_coefficient", lang), "ratio"),
                           Column("offered", ind_name("offered", lang), "calls")],
                          [{"month": r["period"].strftime("%Y-%m"), "peak_day_coefficient": _fmt_num(r["peak_day_coefficient"], "ratio"),
                            "offered": r["offered"]} for r in pd]))
    tl = _target_line("peak_day_coefficient", settings, L)
    v.charts.append(Chart("peak_day", L["peak_day"], {
        "tooltip": {"trigger": "axis"}, "grid": {"left": 50, "right": 60},
        "xAxis": {"type": "category", "data": [r["period"].strftime("%Y-%m") for r in pd]},
        "yAxis": {"type": "value", "min": 1, "max": round(max([1.6] + [1.1 * (r["peak_day_coefficient"] or 0) for r in pd]), 1)},
        "series": [{"name": ind_name("peak_day_coefficient", lang), "type": "bar",
                    "data": [_fmt_num(r["peak_day_coefficient"], "ratio") for r in pd],
                    **({"markLine": tl} if tl else {})}]}))
    return v


# ---------------------------------------------------------------------------- workforce


def workforce(tabs: Tables, settings: Settings, f: Filters, lang: str) -> View:
    import numpy as np
    import pyarrow as pa

    from callcenter.forecast import forecast, grid_from_long
    from callcenter.queueing.plan import PlanParameters, staffing_plan
    from callcenter.queueing.solve import Targets

    L = labels(lang)
    anchor = anchor_day(tabs)
    day = f.day or anchor
    v = View("workforce", L["workforce"], f, ("day", "queue"), choices=choices(tabs))
    v.notes.append(_anchor_note(L, anchor))
    minutes = settings.interval_minutes if settings.interval_minutes in (15, 30, 60) else 30
    grain = f"{minutes}m"
    hist_start = day - timedelta(weeks=26)
    hist = kpi(tabs, settings, f, grain=grain, start=_dt(hist_start), end=_dt(day), indicators=["offered", "aht"], fill=False)
    act = kpi(tabs, settings, f, grain=grain, start=_dt(day), end=_dt(day + timedelta(days=1)), indicators=["offered", "aht"])
    slots = [_dt(day) + timedelta(minutes=minutes * k) for k in range(1440 // minutes)]
    actual = {r["period"]: r["offered"] for r in act.rows()}
    fc_vals: list[float | None] = [None] * len(slots)
    hist_rows = [r for r in hist.rows() if r.get("offered") is not None]
    if hist_rows and len({r["period"].date() for r in hist_rows}) >= 1:
        first = min(r["period"] for r in hist_rows).date()
        lookup = {r["period"]: float(r["offered"] or 0) for r in hist_rows}
        # every interval of every day of the history: no call = 0 (the log is complete)
        n_days = (day - first).days
        starts = [_dt(first) + timedelta(minutes=minutes * k) for k in range(n_days * 1440 // minutes)]
        long = pa.table({"series_id": pa.array(["all"] * len(starts)),
                         "interval_start": pa.array(starts, pa.timestamp("us")),
                         "value": pa.array([lookup.get(s, 0.0) for s in starts], pa.float64())})
        try:
            grid = grid_from_long(long, minutes=minutes)
            fc = forecast(grid, days=1)
            mean = np.asarray(fc.mean[0], dtype=float)
            model = fc.model
            if np.isnan(mean).all():  # the weekly models need a week of history
                mean = np.nanmean(grid.values, axis=0)
                model = L["mean_of_previous_days"]
            fc_vals = [None if math.isnan(x) else round(float(x), 2) for x in mean]
            v.notes.append(f"{L['forecast_model']}: {model} · {L['history']}: {first} → {day - timedelta(days=1)}")
        except Exception as e:  # a model that cannot fit short history: say so, keep the page
            v.notes.append(f"{L['no_forecast']}: {e}")
    else:
        v.notes.append(L["no_forecast"])
    # required agents (Erlang C) for the forecast, AHT = history mean
    aht_hist = [r["aht"] for r in hist_rows if r.get("aht")]
    aht = float(np.mean(aht_hist)) if aht_hist else None
    required: list[int | None] = [None] * len(slots)
    if aht and any(x is not None for x in fc_vals):
        calls = np.array([x or 0.0 for x in fc_vals])
        plan = staffing_plan(calls, aht, PlanParameters(
            targets=Targets(service_level=settings.sl_target / 100.0, threshold_s=settings.sl_threshold_s),
            interval_minutes=minutes))
        required = [int(x) for x in plan.intervals.column("agents_required").to_pylist()]
        v.notes.append(f"Erlang C · AHT {aht:.0f} s · {L['service_level_target']} {settings.sl_target:g} % / {settings.sl_threshold_s:g} s")
    # scheduled agents (phone activity) per interval, from the roster
    scheduled: list[int | None] = [None] * len(slots)
    roster: list[dict[str, Any]] = []
    if "schedule" in tabs:
        zone = ZoneInfo(settings.timezone)
        sc = tabs["schedule"]
        if f.team:
            sc = sc.filter(sc.team == f.team)
        sc = sc.filter(sc.date.between(day - timedelta(days=1), day))
        items = sc.select("agent", "team", "date", "shift", "activity", "start_at", "end_at").order_by(["agent", "start_at"]).to_pyarrow().to_pylist()
        on_phone: list[set[str]] = [set() for _ in slots]
        off_phone: list[set[str]] = [set() for _ in slots]
        for it in items:
            s0 = it["start_at"].astimezone(zone).replace(tzinfo=None)
            s1 = it["end_at"].astimezone(zone).replace(tzinfo=None)
            if it["date"] == day:
                roster.append({"agent": it["agent"], "team": it["team"], "shift": it["shift"],
                               "activity": it["activity"], "start": s0, "end": s1})
            # an agent counts in an interval when a phone activity covers its midpoint and no
            # break / meal / training inside that shift does
            # the slots k whose midpoint day0 + (k + ½) · width is in [s0, s1), in integer µs
            w = minutes * 60_000_000
            a, b = _us(s0 - slots[0]), _us(s1 - slots[0])
            k_lo, k_hi = max(0, -((w - 2 * a) // (2 * w))), min(len(slots), -((w - 2 * b) // (2 * w)))
            target = on_phone if it["activity"] == "phone" else off_phone
            for k in range(k_lo, k_hi):
                target[k].add(it["agent"])
        scheduled = [len(on_phone[k] - off_phone[k]) for k in range(len(slots))]
    else:
        v.notes.append(L["no_roster"])
    x = [t.strftime("%H:%M") for t in slots]
    rows = [{"interval": t, "forecast": fc_vals[k], "actual": actual.get(t), "required": required[k],
             "scheduled": scheduled[k]} for k, t in enumerate(slots)]
    v.tables.append(Table("intervals", L["forecast_vs_actual"],
                          [Column("interval", L["interval"]), Column("forecast", L["forecast"], "calls"),
                           Column("actual", L["actual"], "calls"), Column("required", L["required"], "calls"),
                           Column("scheduled", L["scheduled"], "calls")], rows))
    v.charts.append(Chart("forecast", L["forecast_vs_actual"], {
        "tooltip": {"trigger": "axis"}, "legend": {}, "grid": {"left": 50, "right": 20},
        "xAxis": {"type": "category", "data": x}, "yAxis": {"type": "value"},
        "series": [{"name": L["actual"], "type": "bar", "data": [r["actual"] for r in rows]},
                   _line(L["forecast"], fc_vals)]}))
    v.charts.append(Chart("staffing", L["required_vs_scheduled"], {
        "tooltip": {"trigger": "axis"}, "legend": {}, "grid": {"left": 50, "right": 20},
        "xAxis": {"type": "category", "data": x}, "yAxis": {"type": "value", "name": L["n_agents"]},
        "series": [_line(L["required"], required, step="start"),
                   _line(L["scheduled"], scheduled, step="start")]}))
    v.tables.append(Table("roster", L["roster"],
                          [Column("agent", L["agent"]), Column("team", L["team"]), Column("shift", L["shift"]),
                           Column("activity", L["activity"]), Column("start", L["start"]), Column("end", L["end"])],
                          roster))
    v.unavailable = _unavailable(act.unavailable, lang)
    return v


# ---------------------------------------------------------------------------- exports


def _cell(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    return v


def to_csv(table: Table) -> bytes:
    """CSV with a header row of labels (UTF-8 with BOM so that Excel reads Chinese)."""
    cols = [c for c in table.columns if not c.key.startswith("_")]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([c.label for c in cols])
    for r in table.rows:
        w.writerow(["" if r.get(c.key) is None else _cell(r.get(c.key)) for c in cols])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(view: View) -> bytes:
    """Every table of the view as a sheet, plus the notes and unavailable reasons."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for t in view.tables:
        ws = wb.create_sheet(t.id[:31])
        cols = [c for c in t.columns if not c.key.startswith("_")]
        ws.append([c.label for c in cols])
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in t.rows:
            ws.append([_cell(r.get(c.key)) for c in cols])
    info = wb.create_sheet("notes")
    for n in view.notes:
        info.append([n])
    for k, reason in view.unavailable.items():
        info.append([k, reason])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = [
    "PAGES",
    "Filters",
    "View",
    "agent_day",
    "agents",
    "anchor_day",
    "intervals",
    "overview",
    "parse_filters",
    "qc",
    "queues",
    "to_csv",
    "to_xlsx",
    "workforce",
]
