"""Review 40: results workbooks an officer opened in Excel or LibreOffice, edited and saved, then gave to
`hgn merge` or `hgn report`.

Inputs: clean `hgn sample` returns of Thành phố Hải Dương (district 288, review of 2024; seed 5, 30 households
per commune) for 10507 Phường Cẩm Thượng (two near-poor households, 89 members) and 10510 Phường Bình Hàn,
classified as `hgn classify --out` does (``classify_paths`` + ``write_results``). Each edit is made with openpyxl
(load, change, save — the save re-types and re-styles the workbook as Excel's would).

What hgn promises about a results file (README, `hgn merge`: "the same unit or file twice, mixed standards or
years' rounds, a result that lost part of itself (members not copied, a damaged file) … a reconciliation table";
docs/contracts.md §3: the results workbook is the input of merge *and* report; merge/__init__.py writes the
``households`` and ``members`` counts into "Thông tin" "for a later merge to check it came whole (members deleted
by hand, a file not copied)"). There is no hash of the content: a results file is recognised by its sheets and
its metadata, and checked by the counts it records and its own summary ("Tổng hợp") against its rows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import form_rows, read_csv, run_hgn
from hgn_review.io.results import write_results
from hgn_review.pipeline import classify_paths
from hgn_review.sample import generate_sample

ROOT = Path(__file__).resolve().parents[1]
HH, MM, SUMMARY, META = "Hộ gia đình", "Thành viên", "Tổng hợp", "Thông tin"


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("r40")
    src = root / "src"
    generate_sample(src, communes=2, households=30, seed=5, district="288", error_rate=0.0)
    (src / "manifest.json").unlink()
    out: dict[str, Path] = {"root": root}
    for p in sorted(src.glob("*.xlsx")):
        code = p.name[:5]
        out[code] = root / f"kq_{code}.xlsx"
        write_results(classify_paths([p]).results, out[code])
    return out


def _keys(ws: Any) -> list[Any]:
    return [c.value for c in ws[2]]  # row 2 holds the stable keys


def _near_poor(ws: Any) -> tuple[int, dict[str, Any]]:
    """(Excel row, row by key) of the first near-poor household of a results workbook's households sheet."""
    keys = _keys(ws)
    for i, row in enumerate(ws.iter_rows(min_row=3, values_only=True), start=3):
        rec = dict(zip(keys, row, strict=False))
        if rec["phan_loai"] == "Cận nghèo":
            return i, rec
    raise AssertionError("no near-poor household in the sample")


def _edited(src: Path, dst: Path, edit: Any) -> Path:
    wb = openpyxl.load_workbook(src)
    edit(wb)
    wb.save(dst)
    return dst


def _merge(tmp: Path, *inputs: Path) -> tuple[Any, dict[str, Any] | None]:
    proc = run_hgn("merge", *inputs, "--out", tmp / "m.xlsx", "--json", cwd=ROOT)
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout) if proc.returncode in (0, 1) and proc.stdout.strip() else None
    return proc, data


def _report(tmp: Path, inp: Path, name: str = "rep") -> Any:
    proc = run_hgn("report", inp, "--out-dir", tmp / name, cwd=ROOT)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


# ------------------------------------------------------------------------------------------------ defects
def _drop_household(wb: Any) -> None:
    wb[HH].delete_rows(5)  # one household's row (its members stay in "Thành viên")
    del wb[SUMMARY]


def _paste_household_twice(wb: Any) -> None:
    ws = wb[HH]
    ws.append([c.value for c in ws[5]])  # a household's row copied under the list
    del wb[SUMMARY]


@pytest.mark.parametrize("edit", [_drop_household, _paste_household_twice], ids=["row-deleted", "row-pasted-twice"])
def test_merge_checks_the_household_count_a_result_records(w: dict[str, Path], tmp_path: Path, edit: Any) -> None:
    """DEFECT. 10507's result (30 households; "Thông tin" records ``households`` 30) edited in Excel: one
    household's row deleted (its members left in "Thành viên") — or one household's row pasted again under the
    list — and the "Tổng hợp" sheet deleted as not needed. `hgn merge` of it with 10510 exits 0, "Đối chiếu:
    khớp", no error: 59 (or 61) households — the deleted near-poor household and its persons silently dropped
    from the count (or the pasted one counted twice). The file itself says it held 30 households. An officer expects what the README
    promises of "a result that lost part of itself": refused as for a member row deleted ("không trọn vẹn: ghi 30
    hộ nhưng chỉ có 29", exit 3) or at least a reconciliation error naming the file (exit 1). Likely cause:
    merge/inputs.py:read_input compares only ``meta["members"]`` with the rows, never ``meta["households"]``
    (written by merge/__init__.py and classify exactly for that check); with no summary sheet the reconciliation
    counts the input from its own rows (merge/__init__.py:_in_counts), so it always agrees."""
    edited = _edited(w["10507"], tmp_path / "kq_10507_sua.xlsx", edit)
    proc, data = _merge(tmp_path, edited, w["10510"])
    if proc.returncode == 3:
        assert "kq_10507_sua.xlsx" in proc.stderr
        return
    assert data is not None, proc.stderr
    assert proc.returncode == 1 and data["reconciled"] is False, (
        f"exit {proc.returncode}, reconciled {data['reconciled']}, {data['households']} households merged from "
        "two results that record 30 each")


@pytest.mark.parametrize("what", ["member-row", "household-row"])
def test_report_on_a_result_that_lost_a_row_is_not_written_as_whole(w: dict[str, Path], tmp_path: Path,
                                                                    what: str) -> None:
    """DEFECT. 10507's result (30 households, 89 members, as "Thông tin" records) with one row deleted in Excel:
    the last member of a near-poor household (a person of the population-database list), or a household's row.
    `hgn merge` refuses the first ("không trọn vẹn: ghi 89 thành viên nhưng chỉ có 88", exit 3) and fails the
    reconciliation on the second (exit 1), but `hgn report` on the same file exits 0 and says nothing: the
    population-database list has one near-poor person fewer (6 of 7; form 01: 88 persons), or — the row deleted
    being near-poor 10507-0003's — form 01 counts 29 households / 85 persons and the list loses its four persons
    (3 of 7) though their member rows are still in the file. An officer expects the
    report to refuse a result that lost part of itself, as merge does, or say it — never forms and a list that
    silently lack persons. Likely cause: reports/__init__.py:make_report reads with io/results.py:read_results,
    which checks neither the counts "Thông tin" records (``households``, ``members``) nor the rows against the
    "Tổng hợp" sheet; that check lives only in merge/inputs.py:read_input."""
    def edit(wb: Any) -> None:
        if what == "member-row":
            _row, rec = _near_poor(wb[HH])
            mm = wb[MM]
            uid_col = _keys(mm).index("uid")
            last = max(i for i, r in enumerate(mm.iter_rows(min_row=3, values_only=True), start=3)
                       if r[uid_col] == rec["uid"])
            mm.delete_rows(last)
        else:
            wb[HH].delete_rows(5)

    edited = _edited(w["10507"], tmp_path / "kq_10507_sua.xlsx", edit)
    whole = _report(tmp_path, w["10507"], "whole")
    assert whole.returncode == 0
    proc = _report(tmp_path, edited)
    if proc.returncode != 0:
        assert "kq_10507_sua.xlsx" in proc.stdout + proc.stderr
        return
    said = proc.stdout + proc.stderr
    assert "trọn vẹn" in said or "sửa tay" in said or "đối chiếu" in said.lower(), (
        f"exit 0, nothing said; form 01 total {form_rows(tmp_path / 'rep' / 'bieu_01.xlsx')['Tổng cộng'][2:4]} "
        f"(whole file: {form_rows(tmp_path / 'whole' / 'bieu_01.xlsx')['Tổng cộng'][2:4]}), population list "
        f"{len(read_csv(tmp_path / 'rep' / 'danh_sach_csdl_dan_cu.csv'))} persons "
        f"(whole file: {len(read_csv(tmp_path / 'whole' / 'danh_sach_csdl_dan_cu.csv'))})")


def test_a_deprivation_count_typed_over_as_text_is_said_not_counted_as_zero(w: dict[str, Path],
                                                                           tmp_path: Path) -> None:
    """DEFECT. In 10507's result a near-poor household of Tổ dân phố số 1 (deprived in Việc làm and Đi học trẻ em:
    "Số chỉ số thiếu hụt" 2) has that number typed over as text ("hai"). `hgn report` exits 0 and says nothing;
    form 06 (near-poor households' deprivations) gives Tổ dân phố số 1 "Tổng số lượt thiếu hụt" 0 beside its own
    columns counting the household deprived in two indicators, and the total row 2 instead of 4. An officer
    expects the typed-over cell to be said (file, sheet "Hộ gia đình", row, column) — or, as the README says of
    a deprivation that cannot be determined, the unit's total left blank with a note — never a 0. Likely cause:
    io/results.py:_restore_types reads an int column with ``pd.to_numeric(errors="coerce")`` (the text becomes
    NA without a finding) and reports/view.py:_household_attributes counts ``dep_total`` with ``fillna(0)``."""
    row_no: list[int] = []

    def edit(wb: Any) -> None:
        row, _rec = _near_poor(wb[HH])
        row_no.append(row)
        wb[HH].cell(row, _keys(wb[HH]).index("so_thieu_hut") + 1).value = "hai"

    edited = _edited(w["10507"], tmp_path / "kq_10507_sua.xlsx", edit)
    whole = _report(tmp_path, w["10507"], "whole")
    assert whole.returncode == 0
    proc = _report(tmp_path, edited)
    before = form_rows(tmp_path / "whole" / "bieu_06.xlsx")["Tổng cộng"]
    # (refused: no form is written)
    after = form_rows(tmp_path / "rep" / "bieu_06.xlsx")["Tổng cộng"] if proc.returncode == 0 else [None] * 4
    assert before[3] == 4  # precondition: the two near-poor households' deprivations, counted whole
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0 or after[3] in (None, 4) or f"dòng {row_no[0]}" in said, (
        f"exit {proc.returncode}; form 06 total deprivations {after[3]} (whole file: {before[3]}); said: {said!r}")


def test_an_indicator_typed_over_as_text_is_not_blamed_on_merged_standards(w: dict[str, Path],
                                                                          tmp_path: Path) -> None:
    """DEFECT. In 10507's result (one commune, one standard: vn-2022-2025) a near-poor household's "Thiếu hụt:
    Bảo hiểm y tế" cell (0) is typed over as text ("có"). `hgn report` exits 0; forms 04–07 leave the BHYT count
    blank with the note "1 hộ nghèo, cận nghèo được phân loại theo chuẩn không có một số chỉ số của biểu (kết quả
    gộp từ nhiều chuẩn)" — a wrong reason: nothing was merged across standards, a cell was overwritten by hand.
    An officer expects the cell said where it is (file, sheet "Hộ gia đình", row, column) as not a 0/1 value, not
    sent looking for a second standard. Likely cause: io/results.py:_restore_types turns the text into NA
    silently, and reports/view.py (``DEP_NOT_HELD`` in build / _BLANK_NOTES) takes every unknown flag without a
    missing answer for an indicator the household's standard does not hold."""
    def edit(wb: Any) -> None:
        row, _rec = _near_poor(wb[HH])
        wb[HH].cell(row, _keys(wb[HH]).index("th_bhyt") + 1).value = "có"

    edited = _edited(w["10507"], tmp_path / "kq_10507_sua.xlsx", edit)
    proc = _report(tmp_path, edited)
    said = proc.stdout + proc.stderr
    note = [ln for ln in said.splitlines() if "nhiều chuẩn" in ln]
    assert proc.returncode != 0 or not note, f"exit {proc.returncode}; said: {note}"


# ------------------------------------------------------------------------------------------------ guards
# guard (passes)
def test_a_result_saved_again_unchanged_or_sorted_by_name_merges_as_the_original(w: dict[str, Path],
                                                                                tmp_path: Path) -> None:
    _p, base = _merge(tmp_path / "a", w["10507"], w["10510"])
    resaved = _edited(w["10507"], tmp_path / "kq_10507_luu_lai.xlsx", lambda wb: None)

    def by_name(wb: Any) -> None:
        ws = wb[HH]
        name = _keys(ws).index("ho_ten_chu_ho")
        rows = sorted((list(r) for r in ws.iter_rows(min_row=3, values_only=True)), key=lambda r: r[name] or "")
        for i, r in enumerate(rows, start=3):
            for j, v in enumerate(r, start=1):
                ws.cell(i, j).value = v

    sorted_ = _edited(w["10507"], tmp_path / "kq_10507_xep.xlsx", by_name)
    assert base is not None and base["reconciled"] is True
    for f in (resaved, sorted_):
        proc, data = _merge(tmp_path / f.stem, f, w["10510"])
        assert proc.returncode == 0 and data is not None
        assert (data["households"], data["persons"], data["by_class"]) == \
            (base["households"], base["persons"], base["by_class"])


# guard (passes)
def test_a_class_changed_by_hand_fails_the_reconciliation_naming_the_file(w: dict[str, Path],
                                                                         tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        ws = wb[HH]
        col = _keys(ws).index("phan_loai") + 1
        row = next(i for i in range(3, ws.max_row + 1) if ws.cell(i, col).value == "Không nghèo")
        ws.cell(row, col).value = "Nghèo"

    edited = _edited(w["10507"], tmp_path / "kq_10507_sua.xlsx", edit)
    proc, data = _merge(tmp_path, edited, w["10510"])
    assert proc.returncode == 1 and data is not None and data["reconciled"] is False
    found = openpyxl.load_workbook(tmp_path / "m.xlsx", read_only=True)["Phát hiện"]
    msgs = [r for r in found.iter_rows(values_only=True) if "merge-reconciliation-mismatch" in r]
    assert msgs and "kq_10507_sua.xlsx" in str(msgs[0][0]) and "Nghèo: hộ vào 0 / ra 1" in " ".join(map(str, msgs[0]))


# guard (passes)
@pytest.mark.parametrize("edit", ["member-row", "members-sheet-renamed", "members-sheet-deleted"])
def test_merge_refuses_a_result_that_lost_member_rows(w: dict[str, Path], tmp_path: Path, edit: str) -> None:
    def change(wb: Any) -> None:
        if edit == "member-row":
            wb[MM].delete_rows(5)
        elif edit == "members-sheet-renamed":
            wb[MM].title = "Thanh vien"
        else:
            del wb[MM]

    edited = _edited(w["10507"], tmp_path / "kq_10507_sua.xlsx", change)
    proc, _data = _merge(tmp_path, edited, w["10510"])
    assert proc.returncode == 3
    assert "kq_10507_sua.xlsx" in proc.stderr and "không trọn vẹn" in proc.stderr and "Gợi ý" in proc.stderr


# guard (passes)
def test_a_result_without_its_metadata_sheet_is_refused_with_a_hint(w: dict[str, Path], tmp_path: Path) -> None:
    edited = _edited(w["10507"], tmp_path / "kq_10507_sua.xlsx", lambda wb: wb.remove(wb[META]))
    proc, _data = _merge(tmp_path, edited, w["10510"])
    assert proc.returncode == 3 and "Thông tin" in proc.stderr and "hgn classify" in proc.stderr
    rep = _report(tmp_path, edited)
    assert rep.returncode == 3 and "Thông tin" in rep.stderr


# guard (passes)
def test_the_same_result_under_two_names_is_counted_once_or_refused(w: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "kq_10507_ban_sao.xlsx"
    shutil.copyfile(w["10507"], copy)
    _p, base = _merge(tmp_path / "a", w["10507"], w["10510"])
    proc, data = _merge(tmp_path / "b", w["10507"], copy, w["10510"])
    assert proc.returncode == 0 and data is not None and base is not None
    assert (data["households"], data["persons"]) == (base["households"], base["persons"])
    # saved again in Excel (other bytes): the same commune twice is refused, naming both files
    resaved = _edited(w["10507"], tmp_path / "kq_10507_luu_lai.xlsx", lambda wb: None)
    proc, _data = _merge(tmp_path / "c", w["10507"], resaved, w["10510"])
    assert proc.returncode == 3 and "kq_10507_luu_lai.xlsx" in proc.stderr and "--prefer" in proc.stderr


# guard (passes)
def test_a_result_of_another_tool_version_is_not_merged_silently(w: dict[str, Path], tmp_path: Path) -> None:
    def older(wb: Any) -> None:
        for r in wb[META].iter_rows(min_row=2):
            if r[0].value == "tool_version":
                r[1].value = '"0.0.1"'

    edited = _edited(w["10507"], tmp_path / "kq_10507_cu.xlsx", older)
    proc, _data = _merge(tmp_path, edited, w["10510"])
    assert proc.returncode == 3 and "0.0.1" in proc.stderr and "--allow-mixed" in proc.stderr
