"""The numbers are frozen: every golden frame recomputed on the sample equals its CSV.

The goldens were written by ``tests/golden/frames.py`` before the house was redesigned. What the
redesign renamed is recorded per frame in ``tests/golden/renames/<frame>.json``:
``{"columns": {old: new}, "values": {column: {old value: new value}}}`` (``values`` maps the old
free-text statuses to the status codes of :data:`analysis.vocabulary.STATUSES`; for the
``headline`` strings, the method codes to their words, ``method.code.*``). The golden is renamed
with it before the comparison, so the only difference the move may make is a recorded rename.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from tests.golden.frames import FRAMES, HERE, RTOL, compute, read_golden


def renamed(name: str, golden: pd.DataFrame) -> pd.DataFrame:
    """The golden frame with the recorded renames of ``name`` applied."""
    path = HERE / "renames" / f"{name}.json"
    if not path.exists():
        return golden
    spec = json.loads(path.read_text(encoding="utf-8"))
    out = golden.rename(columns=spec.get("columns", {}))
    for column, mapping in spec.get("values", {}).items():
        old = out[column].astype("string")
        unknown = set(old.dropna()) - set(mapping)
        assert not unknown, f"{name}.{column}: values with no recorded rename: {unknown}"
        out[column] = old.map(mapping).astype(object)
    return out


def _round_trip(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as its CSV reads back, so both sides went through the same text form."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format="%.17g")
    return pd.read_csv(io.StringIO(buf.getvalue()))


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_golden_frame_is_unchanged(name, sample_cells):
    golden = renamed(name, read_golden(name))
    now = _round_trip(compute(name, sample_cells))
    now = now[[c for c in golden.columns if c in now.columns]]
    assert list(now.columns) == list(golden.columns), "a golden column is gone"
    pd.testing.assert_frame_equal(now, golden, check_dtype=False, rtol=RTOL, atol=0)
