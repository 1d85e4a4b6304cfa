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
        """Simulate a call centre (simulated data, marked as such) and write its tables.

        The run is generated, written and loaded one local day at a time, so memory does not
        grow with the number of days; the result is identical to a one-shot run.
        """
        from callcenter.app import simulate
        from callcenter.errors import ConfigError
        from callcenter.simulate import demo_config, load_config

        cfg = demo_config() if config == "demo" else load_config(config)
        if engine not in ("auto", "events", "fcfs"):
            raise ConfigError(f"unknown engine {engine!r}", hint="use auto, events or fcfs")
        out = output or Path("simulated") / f"{cfg.name}-seed{seed}"
        with Console(stderr=True).status(
            f"simulating {days} day(s) of {cfg.name} (seed {seed})"
        ) as status:
            res = simulate(
                cfg,
                days,
                seed,
                engine=engine,
                output=out,
                db=db,
                load=load,
                on_day=lambda d: status.update(
                    f"simulating {cfg.name} (seed {seed}): day {d} of {days}"
                ),
            )
        s = res.summary
        eng = res.engine
        t = Table(
            title=f"Simulated {cfg.name}: {days} day(s), seed {seed}, engine {eng} (模拟数据)"
        )
        t.add_column("quantity")
        t.add_column("value", justify="right")
        for k, v in s.items():
            t.add_row(k, f"{v:,.0f}" if v >= 1000 else f"{v:.4g}")
        Console().print(t)
        typer.echo(f"wrote {res.tables_written} tables to {out}")
        if res.warehouse is not None:
            c = res.counts
            typer.echo(
                f"loaded into {res.warehouse} in {res.loads} parts: {c['inserted']:,} inserted, "
                f"{c['updated']:,} updated, {c['unchanged']:,} unchanged, "
                f"{c['quarantined']:,} quarantined"
            )
