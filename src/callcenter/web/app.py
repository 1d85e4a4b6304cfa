"""The FastAPI app factory: server-rendered pages (Jinja2 + htmx + ECharts) and a JSON API.

Front-end libraries come from npm at build time (``make`` copies them into
``static/vendor``); nothing is fetched from a CDN at run time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from callcenter import __version__
from callcenter.app import CallCenter
from callcenter.errors import CallCenterError
from callcenter.settings import Settings
from callcenter.web.i18n import DEFAULT_LANG, LANGS, labels

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))


class WebState:
    """One facade shared by the requests, guarded by a lock (DuckDB: one writer)."""

    def __init__(self, db: Path, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.lock = threading.RLock()
        self.cc = CallCenter(db, settings=settings)
        self.upload_dir = db.parent / "uploads"

    @contextmanager
    def facade(self) -> Iterator[CallCenter]:
        with self.lock:
            yield self.cc


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or DEFAULT_LANG
    return lang if lang in LANGS else DEFAULT_LANG


def create_app(db: str | Path, settings: Settings | None = None) -> FastAPI:
    """The web app over the warehouse at ``db``."""
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
        if request.url.path.startswith("/api/"):
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
            return cc.quarantine(limit=limit, source=source).to_pylist()

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
            report = cc.load(target, format=format, mapping=mapping_path)
            rejected = cc.quarantine(limit=500, source=str(target)).to_pylist()
        return {"report": report.to_dict(), "rejected": rejected}

    @app.get("/data", response_class=HTMLResponse, tags=["pages"])
    def data_page(request: Request) -> HTMLResponse:
        with state.facade() as cc:
            info = cc.info()
            quarantine = cc.quarantine(limit=200).to_pylist()
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
            url="/data" + (f"?{request.url.query}" if request.url.query else "")
        )

    return app


def _safe_name(name: str) -> str:
    base = Path(name).name
    return re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", base)[:120] or "upload"
