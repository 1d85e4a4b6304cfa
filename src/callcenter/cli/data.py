"""Data commands: load, info, quarantine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from callcenter.app import CallCenter
from callcenter.cli.common import ConfigOpt, DbOpt
from callcenter.cli.render import console, emit, err_console
from callcenter.ingest import FORMATS

FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="input format: " + "|".join(FORMATS))
]
OutFmt = Annotated[str, typer.Option("--output-format", "-o", help="table|json|csv")]


def register(app: typer.Typer) -> None:
    @app.command("load")
    def load_cmd(
        files: Annotated[list[Path], typer.Argument(help="export file(s) to load")],
        format: FormatOpt = "auto",
        mapping: Annotated[
            Path | None, typer.Option("--mapping", "-m", help="column mapping (YAML/TOML)")
        ] = None,
        db: DbOpt = None,
        config: ConfigOpt = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="print the load reports as JSON")
        ] = False,
        no_rollups: Annotated[
            bool,
            typer.Option(
                "--no-rollups",
                help="do not refresh the dashboard's stored roll-ups after the load (faster "
                "bulk loads; pages compute directly until `callcenter serve` rebuilds them)",
            ),
        ] = False,
    ) -> None:
        """Load ACD / IVR / time-clock exports into the warehouse (atomic, idempotent)."""
        reports = []
        with CallCenter(db, config=config, rollups=not no_rollups) as cc:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
                disable=as_json,
            ) as progress:
                task = progress.add_task("loading", total=None)
                with cc.deferred_rollups():  # one roll-up refresh for all the files
                    for f in files:
                        rep = cc.load(
                            f,
                            format=format,
                            mapping=mapping,
                            on_phase=lambda s: progress.update(task, description=s),
                        )
                        reports.append(rep)
                    progress.update(task, description="refreshing the dashboard roll-ups")
            if as_json:
                typer.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
                return
            t = Table(title=f"Loaded into {cc.warehouse.path} 已导入")
            for col in (
                "file",
                "format",
                "read",
                "inserted",
                "updated",
                "unchanged",
                "quarantined",
            ):
                t.add_column(col, justify="left" if col in ("file", "format") else "right")
            for r in reports:
                t.add_row(
                    Path(r.source_file).name,
                    r.format,
                    f"{r.rows_read:,}",
                    f"{r.inserted:,}",
                    f"{r.updated:,}",
                    f"{r.unchanged:,}",
                    f"{r.quarantined:,}",
                )
            console.print(t)
            for r in reports:
                if r.warts:
                    console.print(
                        f"[yellow]{Path(r.source_file).name}: repaired warts:[/yellow] "
                        + ", ".join(f"{k} ×{v:,}" for k, v in sorted(r.warts.items()))
                    )
                for n in r.notes:
                    console.print(f"[dim]{Path(r.source_file).name}: {n}[/dim]")
                if r.quarantined:
                    console.print(
                        f"[yellow]{r.quarantined:,} row(s) quarantined — see `callcenter quarantine`"
                        "[/yellow]"
                    )

    @app.command("info")
    def info_cmd(
        db: DbOpt = None,
        config: ConfigOpt = None,
        output_format: OutFmt = "table",
    ) -> None:
        """What is loaded: tables, date range, rows, queues, agents, quarantine (数据概况)."""
        with CallCenter(db, config=config, read_only=True) as cc:
            info = cc.info()
        if output_format == "json":
            typer.echo(json.dumps(info, ensure_ascii=False, indent=2, default=str))
            return
        tables = pa.table({"table": list(info["tables"]), "rows": list(info["tables"].values())})
        if output_format == "csv":
            emit(tables, "csv")
            return
        emit(tables, "table", title=f"Warehouse {info['path']} 数据仓库")
        if "calls" in info:
            c = info["calls"]
            console.print(
                f"calls offered {c['first_offered_local']} → {c['last_offered_local']} (local); "
                f"{c['contacts']:,} contacts, {c['queues']} queues, {c['agents']} agents"
            )
            emit(
                pa.table(
                    {"outcome": list(info["outcomes"]), "legs": list(info["outcomes"].values())}
                ),
                title="Outcomes 结果",
            )
        if info["quarantine"]:
            emit(pa.Table.from_pylist(info["quarantine"]), title="Quarantine 隔离区 (by reason)")
        else:
            console.print("quarantine: empty")

    @app.command("quarantine")
    def quarantine_cmd(
        db: DbOpt = None,
        config: ConfigOpt = None,
        limit: Annotated[int, typer.Option(help="rows to show")] = 100,
        source: Annotated[
            str | None, typer.Option(help="only files whose name contains this")
        ] = None,
        output_format: OutFmt = "table",
    ) -> None:
        """List rejected rows with file, line, field and reason (隔离区)."""
        with CallCenter(db, config=config, read_only=True) as cc:
            q = cc.quarantine(limit=limit, source=source)
        emit(q, output_format, title="Quarantine 隔离区")
