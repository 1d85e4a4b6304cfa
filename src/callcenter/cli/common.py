"""Commands and options shared by every group: settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from callcenter.settings import Settings, load_settings

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="settings file (TOML/YAML); default ./callcenter.toml"),
]
DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="warehouse file; default $CALLCENTER_DB or ./callcenter.duckdb"),
]

console = Console()


def register(app: typer.Typer) -> None:
    @app.command("settings")
    def settings_cmd(
        config: ConfigOpt = None,
        as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False,
    ) -> None:
        """Show the definitions in force (口径) and every setting with its help."""
        s = load_settings(config)
        if as_json:
            typer.echo(json.dumps(s.model_dump(mode="json"), ensure_ascii=False, indent=2))
            return
        t = Table(title="Settings 设置")
        t.add_column("setting")
        t.add_column("value")
        t.add_column("help")
        for name, f in Settings.model_fields.items():
            t.add_row(name, str(getattr(s, name)), f.description or "")
        console.print(t)
        d = Table(title="Definitions in force 口径")
        d.add_column("definition")
        d.add_column("value")
        for k, v in s.definitions().items():
            d.add_row(k, v)
        console.print(d)
