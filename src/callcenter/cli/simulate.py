"""``callcenter simulate``: run the simulation and write the canonical tables as Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from callcenter.cli.common import DbOpt


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_cmd(
        config: Annotated[
            str,
            typer.Argument(
                help="simulation config (YAML/TOML), or 'demo' for the 10086-style demo"
            ),
        ],
        days: Annotated[int, typer.Option("--days", min=1, help="local days to simulate")] = 1,
        seed: Annotated[int, typer.Option("--seed", min=0, help="random seed")] = 1,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output", help="folder for <table>.parquet (default ./simulated/<name>-seed<S>)"
            ),
        ] = None,
        engine: Annotated[str, typer.Option("--engine", help="auto | events | fcfs")] = "auto",
        load: Annotated[
            bool, typer.Option("--load/--no-load", help="load the result into the warehouse")
        ] = True,
        db: DbOpt = None,
    ) -> None:
        """Simulate a call centre (simulated data, marked as such) and write its tables."""
        import pyarrow.parquet as pq

        from callcenter.errors import ConfigError
        from callcenter.simulate import demo_config, load_config, simulate, to_tables
        from callcenter.simulate.summary import summarize

        cfg = demo_config() if config == "demo" else load_config(config)
        if engine not in ("auto", "events", "fcfs"):
            raise ConfigError(f"unknown engine {engine!r}", hint="use auto, events or fcfs")
        console = Console(stderr=True)
        with console.status(f"simulating {days} day(s) of {cfg.name} (seed {seed})"):
            sim = simulate(cfg, days, seed, engine)  # type: ignore[arg-type]
            tables = to_tables(sim)
        out = output or Path("simulated") / f"{cfg.name}-seed{seed}"
        out.mkdir(parents=True, exist_ok=True)
        for name, t in tables.items():
            pq.write_table(t, out / f"{name}.parquet")
        s = summarize(tables)
        t = Table(
            title=f"Simulated {cfg.name}: {days} day(s), seed {seed}, engine {sim.engine} (模拟数据)"
        )
        t.add_column("quantity")
        t.add_column("value", justify="right")
        for k, v in s.items():
            t.add_row(k, f"{v:,.0f}" if v >= 1000 else f"{v:.4g}")
        Console().print(t)
        typer.echo(f"wrote {len(tables)} tables to {out}")
        if load:
            from callcenter.app import CallCenter
            from callcenter.settings import Settings

            source = f"simulated:{cfg.name}:seed={seed}:days={days}"
            with CallCenter(db, settings=Settings(timezone=cfg.timezone)) as cc:
                rep = cc.store_tables(source, tables, "simulation")
                typer.echo(
                    f"loaded into {cc.warehouse.path}: {rep.inserted:,} inserted, "
                    f"{rep.updated:,} updated, {rep.unchanged:,} unchanged, "
                    f"{rep.quarantined:,} quarantined"
                )
