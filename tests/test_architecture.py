"""The dependency direction of ARCHITECTURE.md, checked by walking the imports.

front ends (cli, web) -> app -> feature packages -> queueing, warehouse, ingest -> core.
Numerical packages never import the warehouse, DuckDB, FastAPI or the CLI; nothing but the
front ends imports the front ends. Importing ``callcenter`` touches no database or file.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "callcenter"

NUMERICAL = ("queueing", "forecast", "simulate", "schedule")
FORBIDDEN_IN_NUMERICAL = (
    "duckdb",
    "ibis",
    "fastapi",
    "typer",
    "callcenter.warehouse",
    "callcenter.cli",
    "callcenter.web",
    "callcenter.app",
)
FRONT_ENDS = ("callcenter.cli", "callcenter.web")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def _package(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_dependency_direction(path: Path) -> None:
    pkg = _package(path)
    imports = _imports(path)
    if pkg in NUMERICAL:
        bad = {i for i in imports if i.startswith(FORBIDDEN_IN_NUMERICAL)}
        assert not bad, f"{path.relative_to(SRC)} is numerical but imports {sorted(bad)}"
    if pkg not in ("cli", "web"):
        bad = {i for i in imports if i.startswith(FRONT_ENDS)}
        assert not bad, f"{path.relative_to(SRC)} imports a front end: {sorted(bad)}"
    if pkg in ("errors", "schema", "settings", "timegrid"):
        bad = {
            i
            for i in imports
            if i.startswith("callcenter.")
            and i.split(".")[1] not in ("errors", "schema", "settings", "timegrid")
        }
        assert not bad, f"core module {pkg} imports {sorted(bad)}"
    if pkg == "ingest":
        # readers may use an in-memory DuckDB as a CSV parser, but never the warehouse
        bad = {i for i in imports if i.startswith(("callcenter.warehouse", "ibis"))}
        assert not bad, f"readers never touch the warehouse: {path.name} imports {sorted(bad)}"


def test_import_is_cheap_and_side_effect_free(tmp_path: Path) -> None:
    code = (
        "import sys, callcenter, callcenter.schema, callcenter.settings;"
        "heavy = [m for m in ('duckdb', 'ibis', 'fastapi', 'statsforecast', 'ortools') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == [], "importing callcenter created files"
