"""Shared by the tests of analysis.present: the Agg backend, and no figure left open."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    """Every test starts and ends with no open figure."""
    plt.close("all")
    yield
    plt.close("all")
