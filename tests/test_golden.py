"""The numbers are frozen: every golden frame recomputed on the sample equals its CSV.

The goldens were written by ``tests/golden/frames.py`` before the house was redesigned; a column
renamed since is mapped by ``tests/golden/renames.json`` (old name -> new name), so the only
difference the move may make is a documented rename.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from tests.golden.frames import FRAMES, HERE, RTOL, compute, read_golden

RENAMES: dict[str, dict[str, str]] = json.loads((HERE / "renames.json").read_text())


def _round_trip(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as its CSV reads back, so both sides went through the same text form."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format="%.17g")
    return pd.read_csv(io.StringIO(buf.getvalue()))


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_golden_frame_is_unchanged(name, sample_cells):
    golden = read_golden(name).rename(columns=RENAMES.get(name, {}))
    now = _round_trip(compute(name, sample_cells))
    now = now[[c for c in golden.columns if c in now.columns]]
    assert list(now.columns) == list(golden.columns), "a golden column is gone"
    pd.testing.assert_frame_equal(now, golden, check_dtype=False, rtol=RTOL, atol=0)
