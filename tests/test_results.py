"""Results bundles as Parquet: what is written reads back the same, in row groups of bounded length, and the
bytes depend on the content only — not on how merge happened to chunk the Arrow-backed text columns (a bundle
merged again is identified by its SHA-256)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from hgn_review.io import results


def frame(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({
        "ma_ho": pd.array([f"11284-{i:04d}" for i in range(start, start + n)], dtype="str"),
        "thon": pd.array([f"Thôn {i % 40}" for i in range(start, start + n)], dtype="str"),
        "row": np.arange(start, start + n, dtype=np.int64) + 2,
        "so_thieu_hut": pd.array([i % 4 if i % 7 else None for i in range(start, start + n)], dtype="Int64"),
        "th_bhyt": pd.array([bool(i % 2) if i % 5 else None for i in range(start, start + n)], dtype="boolean"),
    })


def test_chunked_and_whole_frames_give_the_same_bytes_in_bounded_row_groups(tmp_path, monkeypatch):
    """500 communes' members stacked (text in 500 Arrow chunks, which the Parquet writer pages differently
    from one chunk) and the same rows built whole: identical files, in row groups of at most _ROW_GROUP."""
    monkeypatch.setattr(results, "_ROW_GROUP", 100_000)
    stacked = pd.concat([frame(500, i * 500) for i in range(500)], ignore_index=True)
    assert stacked["ma_ho"].array.__arrow_array__().num_chunks == 500
    whole = frame(250_000)
    whole.attrs = stacked.attrs = {"note": "x"}
    results._to_parquet(stacked, tmp_path / "stacked.parquet")
    results._to_parquet(whole, tmp_path / "whole.parquet")
    assert (tmp_path / "stacked.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    meta = pq.ParquetFile(tmp_path / "whole.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [100_000, 100_000, 50_000]
    back = pd.read_parquet(tmp_path / "whole.parquet")
    pd.testing.assert_frame_equal(back, whole)
    assert back.attrs == {"note": "x"}


@pytest.mark.parametrize("n", [0, 1, 999, 1000, 1001])
def test_every_length_reads_back_the_same(tmp_path, monkeypatch, n):
    """Also across the length above which a file is decoded on Arrow's threads."""
    monkeypatch.setattr(results, "_ROW_GROUP", 1000)
    monkeypatch.setattr(results, "_THREADED_ROWS", 500)
    df = frame(n)
    results._to_parquet(df, tmp_path / "f.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "f.parquet"), df)
    got = results.table_frame(results.read_parquet_table(tmp_path / "f.parquet"))
    pd.testing.assert_frame_equal(got, df)
