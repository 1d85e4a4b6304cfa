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
        import pyarrow as pa
        import pyarrow.parquet as pq

        from callcenter.errors import ConfigError
        from callcenter.simulate import demo_config, iter_run, load_config
        from callcenter.simulate.run import _PER_WINDOW, _engine
        from callcenter.simulate.summary import RunningSummary

        cfg = demo_config() if config == "demo" else load_config(config)
        if engine not in ("auto", "events", "fcfs"):
            raise ConfigError(f"unknown engine {engine!r}", hint="use auto, events or fcfs")
        try:
            eng = _engine(cfg, engine)  # type: ignore[arg-type]
        except ValueError as e:
            raise ConfigError(str(e), hint="use --engine auto or events") from e
        out = output or Path("simulated") / f"{cfg.name}-seed{seed}"
        out.mkdir(parents=True, exist_ok=True)
        console = Console(stderr=True)
        writers: dict[str, pq.ParquetWriter] = {}
        summary = RunningSummary()
        counts = {"inserted": 0, "updated": 0, "unchanged": 0, "quarantined": 0}
        cc = None
        if load:
            from callcenter.app import CallCenter
            from callcenter.settings import Settings

            cc = CallCenter(db, settings=Settings(timezone=cfg.timezone))
        batch: dict[str, list[pa.Table]] = {}
        parts = 0
        where = ""

        def store(tag: str) -> None:
            nonlocal parts
            if cc is not None and batch:
                tables = {k: pa.concat_tables(v) for k, v in batch.items()}
                rep = cc.store_tables(f"simulated:{cfg.name}:seed={seed}:days={days}:{tag}", tables,
                                      "simulation")
                parts += 1
                for k in counts:
                    counts[k] += getattr(rep, k)
            batch.clear()

        try:
            day = 0
            with console.status(f"simulating {days} day(s) of {cfg.name} (seed {seed})") as status:
                for name, t in iter_run(cfg, days, seed, engine=engine):  # type: ignore[arg-type]
                    per_day = name in _PER_WINDOW
                    if (name == "calls" and batch) or (not per_day and day and "calls" in batch):
                        store(f"day={day}")  # the previous day is complete: load it
                    if name == "calls":
                        day += 1
                        status.update(f"simulating {cfg.name} (seed {seed}): day {day} of {days}")
                    summary.add(name, t)
                    w = writers.get(name)
                    if w is None:
                        w = writers[name] = pq.ParquetWriter(out / f"{name}.parquet", t.schema)
                    w.write_table(t)
                    batch.setdefault(name, []).append(t)
                store("roster")
            if cc is not None:
                where = str(cc.warehouse.path)
        finally:
            for w in writers.values():
                w.close()
            if cc is not None:
                cc.close()
        s = summary.result()
        t = Table(
            title=f"Simulated {cfg.name}: {days} day(s), seed {seed}, engine {eng} (模拟数据)"
        )
        t.add_column("quantity")
        t.add_column("value", justify="right")
        for k, v in s.items():
            t.add_row(k, f"{v:,.0f}" if v >= 1000 else f"{v:.4g}")
        Console().print(t)
        typer.echo(f"wrote {len(writers)} tables to {out}")
        if cc is not None:
            typer.echo(
                f"loaded into {where} in {parts} parts: {counts['inserted']:,} inserted, "
                f"{counts['updated']:,} updated, {counts['unchanged']:,} unchanged, "
                f"{counts['quarantined']:,} quarantined"
            )
