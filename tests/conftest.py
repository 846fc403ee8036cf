"""Fixtures shared by every test package: the embedded sample, loaded once per session."""

from __future__ import annotations

import pandas as pd
import pytest

import analysis as cl
from analysis.paths import SAMPLE_DIR, SAMPLE_TZ


@pytest.fixture(scope="session")
def sample_cells() -> pd.DataFrame:
    """The embedded sample's cells (``data/sample``), read once; tests must not mutate it."""
    return cl.load(SAMPLE_DIR, tz=SAMPLE_TZ)
