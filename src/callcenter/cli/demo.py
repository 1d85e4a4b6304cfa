"""``callcenter demo``: the main job on real shared data (and simulated data when available).

It builds ``demo/bank.duckdb`` from the Anonymous Bank 1999 call records (real data, from
``../shared/data``) and prints what was loaded; see README.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from callcenter.cli.render import console
from callcenter.errors import InputError

ROOT = Path(__file__).resolve().parents[3]


def shared_data_dir() -> Path | None:
    """``$CALLCENTER_SHARED_DATA``, else ``../shared/data`` next to the checkout or cwd."""
    env = os.environ.get("CALLCENTER_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    return next((c for c in candidates if c.is_dir()), None)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        out: Annotated[Path, typer.Option("--out", help="folder for the demo warehouses")] = Path(
            "demo"
        ),
        months: Annotated[
            int, typer.Option(help="how many Anonymous Bank months to load (1-9)")
        ] = 9,
    ) -> None:
        """Load real call-centre data into demo/ and show what it holds."""
        from callcenter.app import CallCenter
        from callcenter.settings import load_settings

        data = shared_data_dir()
        if data is None:
            raise InputError(
                "the shared real data (../shared/data) is not here",
                hint="set CALLCENTER_SHARED_DATA to its folder",
            )
        out.mkdir(parents=True, exist_ok=True)
        bank_files = sorted((data / "anonymous_bank_1999" / "raw").glob("*.txt"))[:months]
        settings = load_settings(ROOT / "examples" / "config" / "anonymous_bank.toml")
        db = out / "bank.duckdb"
        console.rule("Anonymous Bank 1999 (real data: Technion SEE Lab; Brown et al. 2005)")
        with CallCenter(db, settings=settings) as cc:
            for f in bank_files:
                rep = cc.load(f)
                console.print(
                    f"{f.name:>14}: read {rep.rows_read:>7,}  inserted {rep.inserted:>7,}  "
                    f"unchanged {rep.unchanged:>7,}  quarantined {rep.quarantined:>5,}"
                )
            info = cc.info()
        console.print(
            f"warehouse {db}: {info['tables']['calls']:,} calls, "
            f"{info['calls']['first_offered_local']} → {info['calls']['last_offered_local']}"
        )
        console.print(f"outcomes: {info['outcomes']}")
        console.print(f"next: callcenter info --db {db}; callcenter quarantine --db {db}")
