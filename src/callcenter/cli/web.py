"""``callcenter serve``: the web dashboard over the warehouse."""

from __future__ import annotations

from typing import Annotated

import typer

from callcenter.cli.common import ConfigOpt, DbOpt


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        db: DbOpt = None,
        config: ConfigOpt = None,
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port")] = 8000,
    ) -> None:
        """Serve the dashboard (default http://127.0.0.1:8000) over the embedded warehouse."""
        import uvicorn

        from callcenter.settings import load_settings
        from callcenter.warehouse import default_path
        from callcenter.web.app import create_app

        app_ = create_app(db or default_path(), load_settings(config), warm=True)
        uvicorn.run(app_, host=host, port=port, log_level="info")
