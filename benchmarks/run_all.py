"""Run every benchmark (each in its own process) and assemble docs/benchmarks.md.

    python -m benchmarks.run_all            # run all, then assemble
    python -m benchmarks.run_all --assemble # only assemble the fragments already written
    python -m benchmarks.run_all queueing   # run the named ones, then assemble

Each ``benchmarks/bench_<area>.py`` writes its own fragment ``docs/benchmarks/<area>.md``;
this script puts them together, in a fixed order, under one header.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRAGMENTS = ROOT / "docs" / "benchmarks"
ORDER = [
    "ingest_csv",
    "ingest_queue_log",
    "warehouse",
    "metrics",
    "queueing",
    "simulate",
    "forecast",
    "schedule",
    "web",
]


def _benches() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))


def _as_section(text: str) -> str:
    """A fragment as one ``##`` section: its headings demoted one level below the first one."""
    lines = text.splitlines()
    top = next((len(ln) - len(ln.lstrip("#")) for ln in lines if ln.startswith("#")), 2)
    shift = 2 - top
    out = []
    fenced = False
    for ln in lines:
        if ln.startswith("```"):
            fenced = not fenced
        if not fenced and ln.startswith("#") and shift:
            level = len(ln) - len(ln.lstrip("#"))
            ln = "#" * max(2, level + shift) + ln[level:]
        out.append(ln)
    return "\n".join(out)


def assemble() -> Path:
    parts = [
        "# Benchmarks",
        "",
        "Measured on this project's development machine (2 cores, 24 GiB, Python "
        f"{platform.python_version()}). Peers run in the same run as our code and are reported "
        "as ratios; each section says how it was measured and when. Regenerate with "
        "`make bench` (all) or `python -m benchmarks.bench_<area>` then "
        "`python -m benchmarks.run_all --assemble`. Tests never assert timings.",
        "",
    ]
    names = [n for n in ORDER if (FRAGMENTS / f"{n}.md").exists()]
    names += sorted(p.stem for p in FRAGMENTS.glob("*.md") if p.stem not in ORDER)
    for n in names:
        parts += [_as_section((FRAGMENTS / f"{n}.md").read_text(encoding="utf-8").strip()), ""]
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


def main(argv: list[str]) -> int:
    if "--assemble" not in argv:
        wanted = [a for a in argv if not a.startswith("-")] or _benches()
        for name in wanted:
            print(f"== bench_{name}", flush=True)
            rc = subprocess.call([sys.executable, "-m", f"benchmarks.bench_{name}"], cwd=ROOT)
            if rc:
                print(f"bench_{name} failed with exit code {rc}", file=sys.stderr)
                return rc
    print(assemble())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
