"""Shared fixtures. Real data lives in ../shared/data (see its README for the terms)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real data sets; skipped loudly (never silently) when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"REAL DATA MISSING: {SHARED_DATA} not found; these checks did not run")
    return SHARED_DATA
