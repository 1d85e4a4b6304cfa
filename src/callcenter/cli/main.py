"""Entry point of the ``callcenter`` command.

Each command group lives in its own module exposing ``register(app)``; this module only
wires them together and turns library errors into a one-line message and exit code 2.
"""

from __future__ import annotations

import os
import sys

import typer

from callcenter.errors import CallCenterError

app = typer.Typer(
    name="callcenter",
    help="Data-driven call-centre management (呼叫中心数字化管理).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_all() -> None:
    from callcenter.cli import common, data, demo, web
    from callcenter.cli import forecast as forecast_cli
    from callcenter.cli import metrics as metrics_cli
    from callcenter.cli import queueing as queueing_cli
    from callcenter.cli import schedule as schedule_cli
    from callcenter.cli import simulate as simulate_cli

    common.register(app)
    data.register(app)
    demo.register(app)
    forecast_cli.register(app)
    metrics_cli.register(app)
    queueing_cli.register(app)
    schedule_cli.register(app)
    simulate_cli.register(app)
    web.register(app)


@app.callback()
def _root() -> None:
    """Data-driven call-centre management (呼叫中心数字化管理)."""


def run() -> None:
    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        os.environ["COLUMNS"] = "200"  # piped output: do not fold tables to 80 columns
    _register_all()
    try:
        app()
    except CallCenterError as e:
        typer.secho(f"error: {e.message}", err=True, fg="red")
        sys.exit(2)
