"""Edge cases of `hgn run`'s batched classification (pipeline.process_files → _batchable → _classify_together →
_package): for each input below, every bundle written when several returns are classified in one call must be
exactly what `process_files([that return alone])` writes — households, members, summary (rates compared exactly),
findings in their order, movement tables, metadata except the run's timing, and the dtype of every column.

Each test also checks that the return it is about really went through the batched path (a spy on
`_classify_together`) and that the edge it names really occurred, so that a pass is not vacuous.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from hgn_review import pipeline
from hgn_review.io.results import read_bundle
from hgn_review.sample import MANIFEST, generate_sample
from test_pipeline_batch import assert_same, bundle_parts, process_files

HH, MM = "Hộ gia đình", "Thành viên"
OPTS = {"version": "t", "standard": None, "layout": None, "as_of": None}


# ---------------------------------------------------------------------------------------------- helpers
def _sample(root: Path, **kw) -> list[Path]:
    generate_sample(root, **kw)
    (root / MANIFEST).unlink()
    return sorted(root.glob("*.xlsx"))


@pytest.fixture(scope="module")
def hgn_returns(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """4 clean layout-1 returns (communes 10507, 10510, 10513, 10514 of province 30), 16 households each."""
    return _sample(tmp_path_factory.mktemp("hgn") / "in", communes=4, households=16, seed=11)


@pytest.fixture(scope="module")
def app_returns(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """2 returns in the national application's flat export (layout 'app': one sheet, no member rows) for the
    5th and 6th communes of province 30, so their communes do not overlap the layout-1 returns'."""
    return _sample(tmp_path_factory.mktemp("app") / "in", communes=6, households=12, seed=4, layout="app")[4:]


def _column(ws, header: str) -> int:
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


def edited(src: Path, dst: Path, edit: Callable[[openpyxl.Workbook], None]) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)
    wb = openpyxl.load_workbook(dst)
    edit(wb)
    wb.save(dst)
    return dst


def run_both(items: list, opts: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
             ) -> tuple[list[Path], list[Path], list[list[str]]]:
    """(bundles of one call over ``items``, bundles of each item alone, the returns of each batched call)."""
    batched: list[list[str]] = []
    real = pipeline._classify_together

    def spy(fvs, *a, **k):
        batched.append([fv.summary.file for fv in fvs])
        return real(fvs, *a, **k)

    monkeypatch.setattr(pipeline, "_classify_together", spy)
    together = process_files(items, tmp_path / "together", opts)
    monkeypatch.setattr(pipeline, "_classify_together", real)
    alone = [process_files([item], tmp_path / "alone", opts)[0] for item in items]
    assert [b.name for b in together] == [b.name for b in alone]
    return together, alone, batched


def was_batched(batched: list[list[str]], display: str) -> bool:
    return any(display in call for call in batched)


def assert_all_same(together: list[Path], alone: list[Path]) -> None:
    for a, b in zip(together, alone, strict=True):
        assert_same(a, b)


def items_of(paths: list[Path], prefix: str = "in") -> list[tuple[Path, str, None]]:
    return [(p, f"{prefix}/{p.name}", None) for p in paths]


# ------------------------------------------------------------------ returns whose households are all out of AF
def test_return_with_members_sheet_but_no_member_rows(hgn_returns, tmp_path, monkeypatch):
    """A return whose members sheet has its header and no rows: every household is blocked
    (household-no-members), so none is in the Alkire–Foster population. Alone, its summary still carries the
    H / A / M0 / dong_gop_* columns (NaN); batched it must carry the same columns with the same values."""
    def no_member_rows(wb):
        wb[MM].delete_rows(2, wb[MM].max_row)

    empty = edited(hgn_returns[0], tmp_path / "in" / "no_members.xlsx", no_member_rows)
    items = [(empty, "in/no_members.xlsx", None), *items_of(hgn_returns[1:])]
    together, alone, batched = run_both(items, OPTS, tmp_path, monkeypatch)
    assert was_batched(batched, "in/no_members.xlsx")
    hh = read_bundle(alone[0]).households
    assert len(hh) == 16 and hh["loi_chan"].str.contains("household-no-members").all()
    assert {"H", "A", "M0"} <= set(read_bundle(alone[0]).summary.columns)
    assert list(read_bundle(together[0]).summary.columns) == list(read_bundle(alone[0]).summary.columns)
    assert_all_same(together, alone)


def test_return_whose_households_all_moved_away(hgn_returns, tmp_path, monkeypatch):
    """A return where every household is 'Chuyển đi' (moved away): none is present, so none is in the
    Alkire–Foster population and the commune's summary row counts them in ho_roi_di only. The batched bundle
    (summary columns included) must equal the alone one."""
    def all_gone(wb):
        ws = wb[HH]
        c = _column(ws, "Tình trạng hộ")
        for r in range(2, ws.max_row + 1):
            ws.cell(r, c).value = "Chuyển đi"

    gone = edited(hgn_returns[0], tmp_path / "in" / "gone.xlsx", all_gone)
    items = [(gone, "in/gone.xlsx", None), *items_of(hgn_returns[1:])]
    together, alone, batched = run_both(items, OPTS, tmp_path, monkeypatch)
    assert was_batched(batched, "in/gone.xlsx")
    summary = read_bundle(alone[0]).summary
    assert summary["ho_roi_di"].tolist() == [16] and summary["so_ho"].tolist() == [0]
    assert list(read_bundle(together[0]).summary.columns) == list(summary.columns)
    assert_all_same(together, alone)


# ------------------------------------------------------------------ returns without a members sheet
def test_flat_app_export_in_the_same_call_leaves_the_other_returns_bundles_alone(hgn_returns, app_returns,
                                                                                 tmp_path, monkeypatch):
    """A province's folder mixing layout-1 returns with the application's flat export (layout 'app', no
    members sheet, so validation gives it an empty members frame): all are classified in one call, and the
    layout-1 returns' bundles — their members' dtypes included — must be what each gives alone."""
    items = [*items_of(hgn_returns[:3]), *items_of(app_returns)]
    together, alone, batched = run_both(items, OPTS, tmp_path, monkeypatch)
    assert all(was_batched(batched, d) for _p, d, _k in items)
    assert read_bundle(alone[-1]).meta["file_summary"]["layout"] == "app"
    assert len(read_bundle(alone[-1]).members) == 0 and len(read_bundle(alone[0]).members) > 0
    for a, b in zip(together[:3], alone[:3], strict=True):  # the layout-1 returns' members, column by column
        assert read_bundle(a).members.dtypes.astype(str).to_dict() == read_bundle(b).members.dtypes.astype(str).to_dict()
    assert_all_same(together, alone)


def test_layout1_return_whose_members_sheet_is_missing(hgn_returns, tmp_path, monkeypatch):
    """A layout-1 return whose members sheet was deleted (sheet-missing; households undecided for want of
    members) in one call with three complete returns: its empty members frame has other text dtypes, so it is
    classified alone while the three go together, and every bundle, the complete returns' members included,
    equals its alone bundle."""
    def drop_members(wb):
        del wb[MM]

    lone = edited(hgn_returns[0], tmp_path / "in" / "no_sheet.xlsx", drop_members)
    items = [(lone, "in/no_sheet.xlsx", None), *items_of(hgn_returns[1:])]
    together, alone, batched = run_both(items, OPTS, tmp_path, monkeypatch)
    assert not was_batched(batched, "in/no_sheet.xlsx") and batched == [[d for _p, d, _k in items[1:]]]
    assert "sheet-missing" in set(read_bundle(alone[0]).findings["code"])
    for a, b in zip(together[1:], alone[1:], strict=True):  # the complete returns' members, column by column
        assert read_bundle(a).members.dtypes.astype(str).to_dict() == read_bundle(b).members.dtypes.astype(str).to_dict()
    assert_all_same(together, alone)


# ------------------------------------------------------------------ blocked, undecided, mismatching households
@pytest.fixture(scope="module")
def awkward_returns(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """4 layout-1 returns with recorded th_* flags, edited so that each holds: flipped recorded employment
    flags (indicator-mismatch, b2-count-mismatch), a household with neither income nor B1 score (undecided), a
    duplicated household code (household-duplicate, blocked), a member whose household code is in no household
    row (uid NA), and households that moved in and split off."""
    root = tmp_path_factory.mktemp("awkward")
    src = _sample(root / "src", communes=4, households=18, seed=5, recorded_flags=True)

    def edit(wb):
        ws = wb[HH]
        flag, income, b1 = _column(ws, "Thiếu hụt: Việc làm"), _column(ws, "Thu nhập bình quân (đồng/người/tháng)"), \
            _column(ws, "Điểm B1")
        code, status = _column(ws, "Mã hộ"), _column(ws, "Tình trạng hộ")
        for r in range(2, ws.max_row + 1, 3):
            ws.cell(r, flag).value = 0 if ws.cell(r, flag).value in (1, "1") else 1
        ws.cell(4, income).value = None
        ws.cell(4, b1).value = None
        ws.cell(6, code).value = ws.cell(7, code).value
        ws.cell(9, status).value = "Chuyển đến"
        ws.cell(10, status).value = "Tách hộ"
        wb[MM].cell(3, _column(wb[MM], "Mã hộ")).value = "KHONG-CO-HO"

    return [edited(p, root / "in" / p.name, edit) for p in src]


@pytest.mark.parametrize("prefer", ["recorded", "derived"])
def test_blocked_undecided_and_mismatching_households(awkward_returns, tmp_path, monkeypatch, prefer):
    """Blocked (loi_chan), undecided, indicator-mismatch and b2-count-mismatch households, and an orphan member,
    in every return of one call, with the recorded or the derived flags preferred: each bundle as alone."""
    opts = {**OPTS, "prefer": prefer}
    items = items_of(awkward_returns)
    together, alone, batched = run_both(items, opts, tmp_path, monkeypatch)
    assert all(was_batched(batched, d) for _p, d, _k in items)
    res = read_bundle(alone[0])
    codes = set(res.findings["code"])
    assert {"indicator-mismatch", "b2-count-mismatch", "household-undecided", "household-not-classified",
            "household-duplicate", "member-orphan"} <= codes
    assert res.members.loc[res.members["row"] == 3, "uid"].isna().all()  # the member of no household
    assert res.meta["prefer"] == prefer
    assert_all_same(together, alone)


def test_recorded_class_mismatch_in_flat_exports(app_returns, tmp_path, monkeypatch):
    """Flat exports whose recorded class (phan_loai_ghi) disagrees with the recomputed one for some households
    (class-mismatch findings): one call, each bundle — findings in their order — as alone."""
    def wrong_class(wb):
        ws = wb.worksheets[0]
        c = _column(ws, "classify")
        for r in range(2, ws.max_row + 1, 2):
            ws.cell(r, c).value = "Nghèo" if ws.cell(r, c).value != "Nghèo" else "Không nghèo"

    paths = [edited(p, tmp_path / "in" / p.name, wrong_class) for p in app_returns]
    items = items_of(paths)
    together, alone, batched = run_both(items, OPTS, tmp_path, monkeypatch)
    assert batched == [[d for _p, d, _k in items]]
    assert (read_bundle(alone[0]).findings["code"] == "class-mismatch").sum() >= 3
    assert_all_same(together, alone)


# ------------------------------------------------------------------ returns that are not classified
def test_unclassified_returns_in_the_same_call(hgn_returns, tmp_path, monkeypatch):
    """A return without review dates, a return with no household and no member rows, and an unreadable file,
    among classified returns: without --standard the first three are left unclassified (units []) and the
    others batched; with --standard the undated return is classified with the others. Each bundle as alone."""
    def no_dates(wb):
        ws = wb[HH]
        c = _column(ws, "Ngày rà soát")
        for r in range(2, ws.max_row + 1):
            ws.cell(r, c).value = None

    def no_rows(wb):
        wb[HH].delete_rows(2, wb[HH].max_row)
        wb[MM].delete_rows(2, wb[MM].max_row)

    undated = edited(hgn_returns[0], tmp_path / "in" / "undated.xlsx", no_dates)
    empty = edited(hgn_returns[1], tmp_path / "in" / "empty.xlsx", no_rows)
    broken = tmp_path / "in" / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    items = [(undated, "in/undated.xlsx", None), (empty, "in/empty.xlsx", None), (broken, "in/broken.xlsx", None),
             *items_of(hgn_returns[2:])]
    together, alone, batched = run_both(items, OPTS, tmp_path / "auto", monkeypatch)
    assert batched == [[d for _p, d, _k in items[3:]]]
    assert [read_bundle(b).meta["units"] for b in alone[:3]] == [[], [], []]
    assert_all_same(together, alone)

    named = {**OPTS, "standard": "vn-2022-2025"}
    together, alone, batched = run_both(items, named, tmp_path / "named", monkeypatch)
    assert batched == [["in/undated.xlsx", *(d for _p, d, _k in items[3:])]]
    assert read_bundle(alone[0]).meta["standard"] == "vn-2022-2025" and read_bundle(alone[0]).meta["units"]
    assert_all_same(together, alone)


# ------------------------------------------------------------------ standards chosen by the review dates
def test_returns_under_two_standards_and_two_unit_lists(tmp_path, monkeypatch):
    """Returns reviewed in 2024 and 2026 (both under vn-2022-2025, before and after the 1/7/2025 unit list) and
    in 2027 (vn-2027-2030): one batched call per standard, each bundle as alone, with its own standard."""
    y27 = _sample(tmp_path / "y27", province="01", communes=2, households=12, seed=5, year=2027,
                  standard="vn-2027-2030")
    y26 = _sample(tmp_path / "y26", province="01", communes=4, households=12, seed=6, year=2026)[2:]
    y24 = _sample(tmp_path / "y24", communes=2, households=12, seed=7, year=2024)
    items = [*items_of(y27, "y27"), *items_of(y26, "y26"), *items_of(y24, "y24")]
    together, alone, batched = run_both(items, OPTS, tmp_path / "w", monkeypatch)
    assert sorted(len(call) for call in batched) == [2, 4]
    standards = [read_bundle(b).meta["standard"] for b in alone]
    assert standards == ["vn-2027-2030"] * 2 + ["vn-2022-2025"] * 4
    assert_all_same(together, alone)


def test_explicit_standard_over_dates_of_another_period(tmp_path, monkeypatch):
    """--standard vn-2027-2030 given for returns reviewed in 2024: all batched under it, each bundle as alone."""
    paths = _sample(tmp_path / "in", communes=3, households=12, seed=8)
    items = items_of(paths)
    together, alone, batched = run_both(items, {**OPTS, "standard": "vn-2027-2030"}, tmp_path / "w", monkeypatch)
    assert batched == [[d for _p, d, _k in items]]
    assert {read_bundle(b).meta["standard"] for b in alone} == {"vn-2027-2030"}
    assert_all_same(together, alone)


# ------------------------------------------------------------------ start-of-period lists
def test_previous_list_matched_by_head_id_with_other_communes(hgn_returns, tmp_path, monkeypatch):
    """A start-of-period list with the head's ID: a quarter of its rows carry an old household code (matched by
    the head's ID only), some are listed under another commune of the call (a household that moved), some belong
    to a commune not in the call, and some households are missing (previous-unmatched). Each bundle as alone."""
    first = [read_bundle(b) for b in process_files(items_of(hgn_returns), tmp_path / "first", OPTS)]
    hh = pd.concat([r.households for r in first], ignore_index=True)
    mm = pd.concat([r.members for r in first], ignore_index=True)
    heads = mm[mm["quan_he"] == "Chủ hộ"][["file", "ma_ho", "so_dinh_danh"]]
    prev = (hh[["file", "ma_xa", "ma_ho", "phan_loai"]].merge(heads, on=["file", "ma_ho"], how="left")
            .rename(columns={"so_dinh_danh": "so_dinh_danh_chu_ho"}).drop(columns="file"))
    shift = {"Nghèo": "Hộ cận nghèo", "Cận nghèo": "Hộ nghèo", "Không nghèo": "Hộ nghèo"}
    prev["phan_loai"] = prev["phan_loai"].map(shift).fillna("Không nghèo")
    renamed = prev.index % 4 == 1
    prev.loc[renamed, "ma_ho"] = "CU-" + prev.loc[renamed, "ma_ho"].astype(str)
    prev.loc[prev.index % 7 == 3, "ma_xa"] = prev["ma_xa"].iloc[-1]
    elsewhere = prev.head(6).assign(ma_xa="99999")
    prev = pd.concat([prev[prev.index % 10 != 5], elsewhere], ignore_index=True).astype("string")
    path = tmp_path / "previous.parquet"
    prev.to_parquet(path, index=False)

    items = items_of(hgn_returns)
    together, alone, batched = run_both(items, {**OPTS, "previous": str(path)}, tmp_path / "w", monkeypatch)
    assert batched == [[d for _p, d, _k in items]]
    out = pd.concat([read_bundle(b).households for b in alone], ignore_index=True)
    by_head = out["ma_ho"].isin(hh["ma_ho"][renamed])
    assert by_head.sum() >= 10 and out.loc[by_head, "dau_ky"].notna().all()  # the renamed households were matched by the head's ID
    assert out["dien_bien"].nunique() >= 3
    codes = pd.concat([read_bundle(b).findings for b in alone])["code"]
    assert (codes == "previous-unmatched").any()
    assert_all_same(together, alone)


# ------------------------------------------------------------------ the comparison itself
def test_comparison_sees_dtype_and_last_bit_differences(hgn_returns, tmp_path):
    """The helper these tests rely on fails on a column whose dtype alone differs and on a rate one ulp off,
    so a pass above means exact equality."""
    import numpy as np

    from hgn_review.io.results import write_bundle

    bundle = process_files(items_of(hgn_returns[:1]), tmp_path / "a", OPTS)[0]
    res = read_bundle(bundle)
    res.members["file"] = res.members["file"].astype("string")
    write_bundle(res, tmp_path / "b")
    with pytest.raises(AssertionError):
        assert_same(bundle, tmp_path / "b")
    res = read_bundle(bundle)
    res.summary["ty_le_ho_ngheo"] = np.nextafter(res.summary["ty_le_ho_ngheo"], np.inf)
    write_bundle(res, tmp_path / "c")
    with pytest.raises(AssertionError):
        assert_same(bundle, tmp_path / "c")
    assert bundle_parts(bundle)["meta"]["units"] == ["10507"]
