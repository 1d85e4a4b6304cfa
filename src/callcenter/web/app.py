"""The FastAPI app factory: server-rendered pages (Jinja2 + htmx + ECharts) and a JSON API.

Front-end libraries come from npm at build time (``make`` copies them into
``static/vendor``); nothing is fetched from a CDN at run time.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from callcenter import __version__
from callcenter.app import CallCenter
from callcenter.errors import CallCenterError, ConfigError
from callcenter.settings import Settings
from callcenter.web import views
from callcenter.web.i18n import DEFAULT_LANG, LANGS, labels

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
NAV_ITEMS = [
    ("overview", "/overview"),
    ("intervals", "/intervals"),
    ("queues", "/queues"),
    ("agents", "/agents"),
    ("workforce", "/workforce"),
    ("qc", "/qc"),
    ("data", "/data"),
]
#: rows of a table drawn in a page (long tables page through ``?rows=N``; exports and the
#: JSON API carry every row): a 1,000-agent scorecard drawn whole costs ~0.3 s of Jinja
PAGE_ROWS = 100
EXPORT_FORMATS = ("csv (the first table, labelled headers, UTF-8 with BOM), xlsx (every table as a sheet "
                  "+ notes) or pdf (title, filters, charts, every table, diagnostics, definitions)")
PAGE_SUMMARIES = {
    "overview": "Every indicator vs target: latest day, previous day, latest week, latest month",
    "intervals": "Offered/answered/abandoned, SL and ASA per interval; hour × weekday heatmap",
    "queues": "Indicators by queue and by call type",
    "agents": "Agent and team scorecards with ranking",
    "workforce": "Forecast vs actual offered, required (Erlang C) vs scheduled agents, roster",
    "qc": "Pareto of a categorical column; peak-day coefficient by month",
}


TEMPLATES.env.filters["fmt"] = views.display


def filter_params(
    start: str | None = Query(None, description="first day, YYYY-MM-DD (default: from the anchor day)"),
    end: str | None = Query(None, description="last day (inclusive), YYYY-MM-DD; default: the anchor day (last offered date)"),
    day: str | None = Query(None, description="one day, YYYY-MM-DD (overview anchor, workforce, agent day)"),
    grain: str | None = Query(None, description="15m, 30m or 60m (intervals page)"),
    queue: str | None = Query(None, description="only this queue (calls)"),
    team: str | None = Query(None, description="only this team"),
    agent: str | None = Query(None, description="only this agent"),
    column: str | None = Query(None, description="QC: categorical column for the Pareto"),
    rank: str | None = Query(None, description="agents: indicator to rank by"),
) -> views.Filters:
    """Page filters; a bad value answers 400 with {error, what, where, hint}."""
    return views.parse_filters(dict(start=start, end=end, day=day, grain=grain, queue=queue,
                                    team=team, agent=agent, column=column, rank=rank))


class WebState:
    """One facade shared by the requests, guarded by a lock (DuckDB: one writer)."""

    def __init__(self, db: Path, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.lock = threading.RLock()
        self.cc = CallCenter(db, settings=settings)
        self.upload_dir = db.parent / "uploads"
        self.views: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._facts: tuple[Any, dict[str, Any]] = ((), {})

    def facts(self, version: tuple[Any, ...]) -> dict[str, Any]:
        """Filter-independent facts of this data version (see ``views.FactTables``)."""
        with self.lock:
            if self._facts[0] != version:
                self._facts = (version, {})
            return self._facts[1]

    def version(self) -> tuple[Any, ...]:
        """The warehouse's data version, read per request (one tiny query on ``loads``).

        Every load — through this server, another facade on the same file, or another
        process — adds a row to ``loads``, so a view cached under an older version is never
        served after a load.
        """
        with self.lock:
            return self.cc.data_version()

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any], size: int = 64) -> Any:
        """A page's view for these filters, computed once per data version."""
        with self.lock:
            key = (self.version(), *key)
            if key in self.views:
                self.views.move_to_end(key)
                return self.views[key]
            value = make()
            self.views[key] = value
            while len(self.views) > size:
                self.views.popitem(last=False)
            return value

    @contextmanager
    def facade(self) -> Iterator[CallCenter]:
        with self.lock:
            yield self.cc


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or DEFAULT_LANG
    return lang if lang in LANGS else DEFAULT_LANG


def create_app(db: str | Path, settings: Settings | None = None, *, warm: bool = False) -> FastAPI:
    """The web app over the warehouse at ``db``.

    ``warm``: compute every page's default view (both languages) in a background thread at
    start and after each upload, so that the first visitor does not wait for the indicator
    queries (an overview over a large warehouse takes seconds cold, milliseconds cached).
    """
    state = WebState(Path(db), settings or Settings())
    app = FastAPI(
        title="callcenter",
        version=__version__,
        description="Call-centre indicators, workforce and data management (呼叫中心数字化管理).",
    )
    app.state.web = state
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(CallCenterError)
    async def _cc_error(request: Request, exc: CallCenterError) -> Response:
        if request.url.path.startswith(("/api/", "/export/")):
            return JSONResponse(exc.to_dict(), status_code=400)
        return page(request, "error.html", {"error": exc}, status_code=400)

    def page(
        request: Request, template: str, ctx: dict[str, Any], *, status_code: int = 200
    ) -> HTMLResponse:
        lang = lang_of(request)
        resp = TEMPLATES.TemplateResponse(
            request,
            template,
            {
                "L": labels(lang),
                "lang": lang,
                "other_lang": "en" if lang == "zh" else "zh",
                "path": request.url.path,
                "definitions": state.settings.definitions(),
                "version": __version__,
                "nav_items": NAV_ITEMS,
                **ctx,
            },
            status_code=status_code,
        )
        resp.set_cookie("lang", lang, samesite="lax")
        return resp

    # -- data ----------------------------------------------------------------------------
    @app.get("/api/info", tags=["data"], summary="What is loaded")
    def api_info() -> dict[str, Any]:
        with state.facade() as cc:
            return cc.info()

    @app.get("/api/quarantine", tags=["data"], summary="Rejected rows with reasons")
    def api_quarantine(limit: int = 200, source: str | None = None) -> list[dict[str, Any]]:
        with state.facade() as cc:
            rows: list[dict[str, Any]] = cc.quarantine(limit=limit, source=source).to_pylist()
            return rows

    @app.post("/api/upload", tags=["data"], summary="Load an export through the readers")
    async def api_upload(
        file: UploadFile = File(...),  # noqa: B008
        format: str = Form("auto"),
        mapping: UploadFile | None = File(None),  # noqa: B008
    ) -> dict[str, Any]:
        return await _upload(file, format, mapping)

    async def _upload(file: UploadFile, format: str, mapping: UploadFile | None) -> dict[str, Any]:
        name = _safe_name(file.filename or "upload")
        state.upload_dir.mkdir(parents=True, exist_ok=True)
        target = state.upload_dir / name
        target.write_bytes(await file.read())
        mapping_path = None
        if mapping is not None and mapping.filename:
            mapping_path = state.upload_dir / _safe_name(mapping.filename)
            mapping_path.write_bytes(await mapping.read())
        with state.facade() as cc:
            state.views.clear()  # the version changes with the load; free the memory now
            report = cc.load(target, format=format, mapping=mapping_path)
            rejected = cc.quarantine(limit=500, source=str(target)).to_pylist()
        start_warm_up()
        return {"report": report.to_dict(), "rejected": rejected}

    @app.get("/data", response_class=HTMLResponse, tags=["pages"])
    def data_page(request: Request) -> HTMLResponse:
        def make() -> tuple[dict[str, Any], list[dict[str, Any]]]:
            with state.facade() as cc:
                facts = state.facts(state.version())
                if "info" not in facts:  # the whole-warehouse summary: once per data version
                    facts["info"] = cc.info()
                return facts["info"], cc.quarantine(limit=200).to_pylist()

        info, quarantine = state.cached(("data",), make)
        return page(request, "data.html", {"info": info, "quarantine": quarantine})

    @app.post("/data/upload", response_class=HTMLResponse, tags=["pages"])
    async def data_upload(
        request: Request,
        file: UploadFile = File(...),  # noqa: B008
        format: str = Form("auto"),
        mapping: UploadFile | None = File(None),  # noqa: B008
    ) -> HTMLResponse:
        try:
            out = await _upload(file, format, mapping)
            ctx: dict[str, Any] = {"result": out, "error": None}
        except CallCenterError as e:
            ctx = {"result": None, "error": e}
        return page(request, "upload_result.html", ctx)

    @app.get("/", include_in_schema=False)
    def root(request: Request) -> Response:
        return RedirectResponse(
            url="/overview" + (f"?{request.url.query}" if request.url.query else "")
        )

    # -- analysis pages: each one a View, rendered as HTML, JSON or an export -------------
    builders = {
        "overview": views.overview,
        "intervals": views.intervals,
        "queues": views.queues,
        "agents": views.agents,
        "workforce": views.workforce,
        "qc": views.qc,
    }

    def build(name: str, f: views.Filters, lang: str, agent: str | None = None) -> views.View:
        def make() -> views.View:
            with state.facade() as cc:
                tabs = views.FactTables(cc.tables(), state.facts(state.version()), cc.rollups())
                if agent is not None:
                    return views.agent_day(tabs, state.settings, agent, f, lang)
                return builders[name](tabs, state.settings, f, lang)

        view: views.View = state.cached((name, agent, f, lang), make)
        return view

    def render(request: Request, v: views.View, api_url: str, export_url: str) -> HTMLResponse:
        lang = lang_of(request)
        q = "&".join(f"{k}={quote(val)}" for k, val in v.filters.query().items())
        return page(request, "view.html", {
            "view": v,
            "row_page": _row_page(request.query_params.get("rows")),
            "page_rows": PAGE_ROWS,
            "rows_url": lambda n: str(request.url.include_query_params(rows=n)),
            "api_url": api_url + (f"?{q}" if q else ""),
            "export_base": export_url + "?" + (f"{q}&" if q else "") + f"lang={lang}&",
            "ind_name": lambda i: views.ind_name(i, lang),
        })

    def export(v: views.View, fmt: str, name: str, lang: str) -> Response:
        if fmt == "pdf":
            from callcenter.web import pdf

            L = labels(lang)
            # drawn once per cached view (same key as the view, plus the format)
            body = state.cached(("pdf", v.page, v.title, v.filters, lang), lambda: pdf.to_pdf(
                v, lang, L, state.settings.definitions(), pdf.filter_names(L), __version__))
            return Response(body, media_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
        if fmt == "csv":
            return Response(views.to_csv(v.tables[0]), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        if fmt == "xlsx":
            return Response(
                views.to_xlsx(v),
                media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
        raise ConfigError(f"unknown export format {fmt!r}", where="format", hint="use csv, xlsx or pdf")

    def add_page(name: str) -> None:
        summary = PAGE_SUMMARIES[name]

        def html(request: Request, f: views.Filters = Depends(filter_params)) -> HTMLResponse:  # noqa: B008
            return render(request, build(name, f, lang_of(request)), f"/api/{name}", f"/export/{name}")

        def api(request: Request, f: views.Filters = Depends(filter_params)) -> dict[str, Any]:  # noqa: B008
            return build(name, f, lang_of(request)).to_dict()

        def exp(request: Request, f: views.Filters = Depends(filter_params),  # noqa: B008
                format: str = Query("csv", description=EXPORT_FORMATS)) -> Response:
            lang = lang_of(request)
            return export(build(name, f, lang), format, name, lang)

        app.add_api_route(f"/{name}", html, methods=["GET"], response_class=HTMLResponse,
                          tags=["pages"], summary=summary, name=f"page_{name}")
        app.add_api_route(f"/api/{name}", api, methods=["GET"], tags=["api"], summary=summary,
                          name=f"api_{name}")
        app.add_api_route(f"/export/{name}", exp, methods=["GET"], tags=["export"],
                          summary=f"{summary} — first table as CSV, all tables as XLSX, the page as PDF",
                          name=f"export_{name}")

    for name in builders:
        add_page(name)

    def warm_up() -> None:
        with state.facade() as cc:  # roll-ups missing or stale (a load by another process)
            if cc.rollups() is None and cc.data_version()[0]:
                cc.refresh_rollups()
        for lang in LANGS:
            for name in builders:
                try:
                    build(name, views.Filters(), lang)
                except CallCenterError:  # no data yet: the page will say so when asked
                    return

    def start_warm_up() -> None:
        if warm:
            threading.Thread(target=warm_up, name="callcenter-warm-up", daemon=True).start()

    app.state.warm_up = warm_up
    start_warm_up()

    @app.get("/agents/{agent_id}", response_class=HTMLResponse, tags=["pages"],
             summary="One agent's day: hourly indicators and states timeline")
    def agent_page(request: Request, agent_id: str, f: views.Filters = Depends(filter_params)) -> HTMLResponse:  # noqa: B008
        v = build("agent_day", f, lang_of(request), agent=agent_id)
        return render(request, v, f"/api/agents/{quote(agent_id)}", f"/export/agents/{quote(agent_id)}")

    @app.get("/api/agents/{agent_id}", tags=["api"], summary="One agent's day (JSON)")
    def agent_api(request: Request, agent_id: str, f: views.Filters = Depends(filter_params)) -> dict[str, Any]:  # noqa: B008
        return build("agent_day", f, lang_of(request), agent=agent_id).to_dict()

    @app.get("/export/agents/{agent_id}", tags=["export"], summary="One agent's day as CSV/XLSX/PDF")
    def agent_export(request: Request, agent_id: str, f: views.Filters = Depends(filter_params),  # noqa: B008
                     format: str = Query("csv", description=EXPORT_FORMATS)) -> Response:
        lang = lang_of(request)
        return export(build("agent_day", f, lang, agent=agent_id), format, f"agent-{_safe_name(agent_id)}", lang)

    return app


def _row_page(text: str | None) -> int:
    """Which page of a long table's rows the HTML shows (``?rows=2``: rows 101–200)."""
    if text is None or not text.strip():
        return 1
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise ConfigError(f"rows {text!r} is not a page number", where="rows", hint="use 1, 2, 3 …")
    return n


def _safe_name(name: str) -> str:
    base = Path(name).name
    return re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", base)[:120] or "upload"
