"""`hgn run` classifies several returns in one call and splits the result per return. Each cached bundle must be
exactly what classifying that return alone gives — households, members, per-commune summary, movement tables,
findings in their order, metadata — with and without a start-of-period list; returns that share a commune (or
have households without one) are classified alone."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hgn_review import pipeline
from hgn_review.io.results import read_bundle
from hgn_review.pipeline import process_files as _process_files
from hgn_review.sample import MANIFEST, generate_sample

TIMING = ("run_started", "run_seconds")


def process_files(items: list, cache: Path, opts: dict) -> list[Path]:
    cache.mkdir(parents=True, exist_ok=True)
    return _process_files(items, cache, opts)


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """5 communes × 70 households of province 30 with errors at 3 %, and a copy of the first commune's return
    under another name with one household fewer (the same commune in two returns)."""
    root = tmp_path_factory.mktemp("batch")
    generate_sample(root / "in", communes=5, households=70, seed=23, error_rate=0.03)
    (root / "in" / MANIFEST).unlink()
    return sorted((root / "in").glob("*.xlsx"))


def bundle_parts(folder: Path) -> dict[str, object]:
    res = read_bundle(folder)
    meta = {k: v for k, v in res.meta.items() if k not in TIMING}
    return {"households": res.households, "members": res.members, "summary": res.summary,
            "findings": res.findings, "meta": meta, **{f"extra:{k}": v for k, v in res.extra_sheets.items()}}


def assert_same(a: Path, b: Path) -> None:
    left, right = bundle_parts(a), bundle_parts(b)
    assert left.keys() == right.keys()
    for key, value in left.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, right[key], check_exact=True, obj=f"{a.name}:{key}")
        else:
            assert value == right[key], key


def previous_list(returns: list[Path], tmp_path: Path, opts: dict) -> Path:
    """A start-of-period list from the returns' own results with classes shifted and some households missing,
    so that movements of every kind and unmatched households occur."""
    first = [read_bundle(b).households for b in process_files([(p, p.name, None) for p in returns],
                                                               tmp_path / "prev", opts)]
    hh = pd.concat(first, ignore_index=True)
    hh = hh[hh.index % 9 != 0].reset_index(drop=True)
    shift = {"Hộ nghèo": "Hộ cận nghèo", "Hộ cận nghèo": "Không nghèo", "Không nghèo": "Hộ nghèo"}
    hh["phan_loai"] = hh["phan_loai"].map(lambda v: shift.get(v, v) if isinstance(v, str) else v).astype("str")
    hh.loc[hh.index % 5 == 0, "phan_loai"] = "Hộ nghèo"
    path = tmp_path / "previous.parquet"
    hh.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("with_previous", [False, True])
def test_bundles_classified_together_equal_bundles_classified_alone(returns, tmp_path, monkeypatch, with_previous):
    opts: dict = {"version": "t", "standard": None, "layout": None, "as_of": None}
    if with_previous:
        opts["previous"] = str(previous_list(returns, tmp_path, opts))
    calls: list[int] = []
    real = pipeline._classify_together

    def spy(fvs, *a, **k):
        calls.append(len(fvs))
        return real(fvs, *a, **k)

    monkeypatch.setattr(pipeline, "_classify_together", spy)
    items = [(p, f"in/{p.name}", None) for p in returns]
    together = process_files(items, tmp_path / "together", opts)
    assert calls and sum(calls) >= 4  # most returns really were classified in one call
    monkeypatch.setattr(pipeline, "_classify_together", real)
    alone = [process_files([item], tmp_path / "alone", opts)[0] for item in items]
    assert [b.name for b in together] == [b.name for b in alone]
    for a, b in zip(together, alone, strict=True):
        assert_same(a, b)
    moved = pd.concat([read_bundle(b).households for b in together])["dien_bien"].value_counts()
    if with_previous:  # the comparison covered real movements
        assert len(moved) >= 3


def test_returns_sharing_a_commune_or_without_one_are_classified_alone():
    def fv(*codes):
        return SimpleNamespace(households=pd.DataFrame({"ma_xa": pd.array(codes, dtype="str")}))

    fvs = [fv("10507", "10507"), fv("10510"), fv("10507"), fv("10513", None), fv("10516")]
    together, alone = pipeline._batchable(fvs, [0, 1, 2, 3, 4])
    assert together == [0, 1, 4] and alone == [2, 3]
    assert pipeline._batchable(fvs, [0, 2]) == ([], [2, 0])


def test_a_second_return_of_the_same_commune_gives_the_same_bundles(returns, tmp_path):
    """Two returns of one commune in one call (the copy differs by a household): each bundle as alone."""
    copy = tmp_path / "in" / "copy.xlsx"
    copy.parent.mkdir()
    shutil.copy(returns[0], copy)
    import openpyxl

    wb = openpyxl.load_workbook(copy)
    wb["Hộ gia đình"].delete_rows(3)
    wb.save(copy)
    opts: dict = {"version": "t", "standard": None, "layout": None, "as_of": None}
    items = [(returns[0], "in/a.xlsx", None), (copy, "in/copy.xlsx", None), (returns[1], "in/b.xlsx", None)]
    together = process_files(items, tmp_path / "together", opts)
    alone = [process_files([item], tmp_path / "alone", opts)[0] for item in items]
    for a, b in zip(together, alone, strict=True):
        assert_same(a, b)
    assert np.unique([read_bundle(b).households["ma_xa"].iloc[0] for b in together[:2]]).size == 1


def test_a_fault_of_hgn_in_classifying_one_return_spares_the_others(returns, tmp_path, monkeypatch):
    """If classification raises for one return (a bug in hgn), the call falls back to one return at a time:
    that return keeps its rows and findings plus one file-check-failed error, names no commune (so the merge
    lists it as missing), and every other bundle is what it gets alone; `hgn run` completes and says so."""
    from hgn_review.pipeline import run_round

    monkeypatch.delenv("HGN_DEBUG", raising=False)
    target = f"in/{returns[2].name}"
    real = pipeline.classify

    def flaky(households, *a, **k):
        if (households["file"] == target).any():
            raise KeyError("phan_loai")
        return real(households, *a, **k)

    opts: dict = {"version": "t", "standard": None, "layout": None, "as_of": None}
    items = [(p, f"in/{p.name}", None) for p in returns]
    monkeypatch.setattr(pipeline, "classify", flaky)
    got = process_files(items, tmp_path / "flaky", opts)
    monkeypatch.setattr(pipeline, "classify", real)
    alone = [process_files([item], tmp_path / "alone", opts)[0] for item in items]
    for i, (a, b) in enumerate(zip(got, alone, strict=True)):
        if i != 2:
            assert_same(a, b)
    failed = read_bundle(got[2])
    assert failed.meta["units"] == [] and len(failed.households) == len(read_bundle(alone[2]).households)
    codes = failed.findings["code"].tolist()
    assert codes.count("file-check-failed") == 1 and failed.findings["file"].eq(target).all()

    monkeypatch.setattr(pipeline, "classify", flaky)
    outcome = run_round(returns[0].parent, tmp_path / "out", jobs=1)
    assert [f.file for f in outcome.report.findings if f.code == "file-check-failed"] == [target]
    assert outcome.results.households["file"].nunique() == len(returns) - 1
    (commune,) = read_bundle(alone[2]).meta["units"]
    assert any(n.startswith("Tổng hợp chưa đủ") and commune in n for n in outcome.notes), outcome.notes
    assert commune not in set(outcome.results.households["ma_xa"])
    monkeypatch.setenv("HGN_DEBUG", "1")
    with pytest.raises(KeyError):
        process_files(items[2:3], tmp_path / "debug", opts)


def test_a_review_date_no_standard_covers_blocks_that_household_not_its_commune(returns, tmp_path):
    """One household's review date typed as 2042 (no national standard covers it) used to stop the whole round
    with a message naming neither file nor row, then (session 5) to leave its whole commune unclassified. Now
    that household gets one error at the cell and is not classified; the rest of its return and the other
    returns are classified, and no commune is missing from the merge."""
    import openpyxl

    from hgn_review.pipeline import run_round

    folder = tmp_path / "in"
    folder.mkdir()
    for p in returns[:3]:
        shutil.copy(p, folder / p.name)
    target = folder / returns[1].name
    wb = openpyxl.load_workbook(target)
    ws = wb["Hộ gia đình"]
    col = next(c.column for c in ws[1] if c.value == "Ngày rà soát")
    ws.cell(row=3, column=col).value = "15/10/2042"
    wb.save(target)

    outcome = run_round(folder, tmp_path / "out", jobs=1)
    found = [(Path(f.file).name, f.sheet, f.row, f.column, f"{f.col}{f.row}", f.value, f.severity)
             for f in outcome.report.findings if f.code == "review-date-no-standard"]
    letter = openpyxl.utils.get_column_letter(col)
    assert found == [(target.name, "Hộ gia đình", 3, "Ngày rà soát", f"{letter}3", "15/10/2042", "error")]
    merged = outcome.results.households
    names = merged["file"].map(lambda f: Path(f).name)
    assert sorted(set(names)) == sorted(p.name for p in returns[:3])
    mine = merged[names == target.name]
    blocked = mine[mine["row"] == 3]
    assert blocked["loi_chan"].tolist() == ["review-date-no-standard"]
    assert blocked["phan_loai"].tolist() == ["Chưa đủ thông tin"]
    assert (mine.loc[mine["row"] != 3, "phan_loai"] != "Chưa đủ thông tin").any()
    commune = target.name.split("_")[0]  # the sample names a return after its commune's code
    assert set(mine["ma_xa"]) == {commune}
    assert not any(n.startswith("Tổng hợp chưa đủ") and commune in n for n in outcome.notes), outcome.notes
