"""Fixtures shared by the RTL tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def rtl_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the compiled Verilator models of a test session: tests that run programs
    on the same chip (`systolic run --fidelity rtl` on `tiny`) build its model once, not once
    each. Point ``XDG_CACHE_HOME`` at it; the user's own cache is never touched."""
    return tmp_path_factory.mktemp("xdg-cache")
