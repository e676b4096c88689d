"""Session 7: checks added with this session's changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hgn_review.pipeline import _rows_of


def test_rows_of_takes_a_contiguous_block_and_any_other_pattern_alike() -> None:
    """A return's rows are taken from a stacked frame whether they stand together or not, renumbered from 0."""
    frame = pd.DataFrame({"file": pd.array(["a", "a", "b", "b", "a"], dtype="string[pyarrow]"),
                          "uid": np.arange(5)})
    block = _rows_of(frame, np.array([False, False, True, True, False]))
    assert block["uid"].tolist() == [2, 3] and block.index.tolist() == [0, 1]
    scattered = _rows_of(frame, frame["file"].eq("a").to_numpy())
    assert scattered["uid"].tolist() == [0, 1, 4] and scattered.index.tolist() == [0, 1, 2]
    assert _rows_of(frame, np.zeros(5, dtype=bool)).empty
