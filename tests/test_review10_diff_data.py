"""Review 10, data handling changed today (a669524..HEAD: validate.py, io/read.py, scoring, merge, reports/view.py,
pipeline.py; commit 5ca8779): a person's ID in two households / two returns, member rows pasted twice, a household
code on two rows, a total row or signature block with households under it, the merge's recomputed findings, and
the README/console counts taken from form 01.

Each input is a tiny handmade return (tests/conftest.py ``make_return``) run through the command line as an
officer would. Tests marked ``# guard (passes)`` hold on the code as reviewed; every other test fails on it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import HH_SHEET, INDICATORS, household, make_id, make_return, member, ok, read_csv, run_hgn

UNDECIDED = "Chưa đủ thông tin"
POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
RICH = {"thu_nhap_bq": 9000000}
LIST_CSV = "danh_sach_csdl_dan_cu.csv"
# Nguyễn Thị Lan, born 2000 in Hải Dương: the bride of the marriage cases
LAN = dict(ho_ten="Nguyễn Thị Lan", ngay_sinh="01/02/2000", gioi_tinh="Nữ", trinh_do="THPT",
           so_dinh_danh=make_id(birth_year=2000, female=True, serial="000777"))


# ------------------------------------------------------------------------------------------ helpers
def run_round(folder: Path, out: Path, *extra: object) -> str:
    return ok(run_hgn("run", folder, "--out", out, *extra, cwd=out.parent, timeout=300)).stdout


def households(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "ket_qua" / "households.parquet")


def members(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "ket_qua" / "members.parquet")


def form_total(out: Path, form: str = "01") -> list[Any]:
    """The "Tổng cộng" row of a form: [STT, 'Tổng cộng', col 1, col 2, …]."""
    ws = openpyxl.load_workbook(out / "bao_cao" / f"bieu_{form}.xlsx", data_only=True).worksheets[0]
    return next(list(r) for r in ws.iter_rows(values_only=True) if len(r) > 1 and r[1] == "Tổng cộng")


def findings(out: Path) -> pd.DataFrame:
    f = pd.read_excel(out / "phat_hien.xlsx", sheet_name=0)
    return f[f["Sheet"].notna()]


def merge_findings(workbook: Path) -> pd.DataFrame:
    """The "Phát hiện" sheet of a classify/merge results workbook (Vietnamese headers, then the keys row)."""
    return pd.read_excel(workbook, sheet_name="Phát hiện", header=1)


def three_households_with_late_one(folder: Path) -> tuple[Path, list[Any]]:
    """Commune 11284: households 11284-0001 and -0002 (rows 2–3, rich), each with its head; a member row for
    11284-0003 (Hoàng Văn Ba), whose household row the caller writes late. Returns the path and a copy of row 2's
    cells to make that late row from."""
    ind = {k: 0 for k in INDICATORS}
    path = make_return(folder, [household(ma_ho="11284-0001", **RICH, **ind),
                                household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", **RICH, **ind)],
                       [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                        member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002")),
                        member(ma_ho="11284-0003", ho_ten="Hoàng Văn Ba", so_dinh_danh=make_id(serial="000003"))])
    ws = openpyxl.load_workbook(path)[HH_SHEET]
    late = [c.value for c in ws[2]]
    late[0], late[1] = "11284-0003", "Hoàng Văn Ba"
    return path, late


# ------------------------------------------------------------------------------------------ totals inside the list
def test_total_row_labelled_in_the_name_column_above_a_late_household_is_not_a_household(tmp_path: Path) -> None:
    """Input: commune 11284, households 11284-0001 and -0002 (rows 2–3), then the form's total row as Vietnamese
    forms write it — "Tổng cộng" in the name column B (the narrow code column A left blank, or merged A:B), and
    the column sums under it: "Số thành viên" 2, "Diện tích nhà ở" 90, each "Thiếu hụt" column 0 — and under it,
    row 5, household 11284-0003 added late. Three households, three persons.
    Now: the total row is read as a household "without a code" (household-code-missing, "Chưa đủ thông tin"):
    form 01 says 4 households and 5 persons ("Tổng số nhân khẩu" takes the total's 2 as that household's size),
    with a dozen value-required errors on the total row. The same row with no household under it is left out as
    the footer (io/read `_is_footer`: "its first filled cell a total"), and 5ca8779 says a total row with a
    household added under it is now left out (footer-rows-inside) — but `_footer_inside` looks for a total only
    in the code column, and otherwise only at short rows (≤ 4 cells), which a total row with its sums is not.
    Must: the total row is no household: 3 households, 3 persons in form 01."""
    folder = tmp_path / "in"
    path, late = three_households_with_late_one(folder)
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    ws.cell(4, 2).value, ws.cell(4, 6).value, ws.cell(4, 11).value = "Tổng cộng", 2, 90
    for j in range(24, 36):  # the twelve "Thiếu hụt" columns, summed
        ws.cell(4, j).value = 0
    for j, v in enumerate(late, start=1):
        ws.cell(5, j).value = v
    wb.save(path)
    out = tmp_path / "out"
    run_round(folder, out)
    rows = sorted(households(out)["row"].astype(int))
    assert rows == [2, 3, 5], f"households read from rows {rows} (row 4 is the 'Tổng cộng' row)"
    total = form_total(out)
    assert (total[2], total[3]) == (3, 3), f"form 01: {total[2]} households, {total[3]} persons"


def test_village_subtotal_rows_are_not_households(tmp_path: Path) -> None:
    """Input: commune 11284 listed village by village with a subtotal under each, as commune lists often are:
    11284-0001, 11284-0002 (Thôn Đông), "Cộng thôn Đông" (row 4, in the code column, "Số thành viên" 2),
    11284-0003 (Thôn Tây), "Cộng thôn Tây" (row 6, 1), then "Tổng cộng" (row 7, 3). Three households, each with
    its head: three persons.
    Now: "Tổng cộng" is left out, but both subtotals are read as households with codes "Cộng thôn Đông" and
    "Cộng thôn Tây" (household-no-members, "Chưa đủ thông tin"): form 01 says 5 households and 6 persons, every
    rate of the commune computed on them. io/read `_TOTAL` takes "Cộng"/"Tổng" only when followed by ":", ".", a
    number or nothing — not by the village it totals.
    Must: a subtotal row ("Cộng thôn …", "Cộng xóm …", "Tổng thôn …") is no household: 3 households, 3 persons."""
    folder = tmp_path / "in"
    path = make_return(folder, [household(ma_ho="11284-0001", thon="Thôn Đông", **RICH),
                                household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", thon="Thôn Đông", **RICH),
                                household(ma_ho="11284-0003", ho_ten_chu_ho="Lê Văn Ba", thon="Thôn Tây", **RICH)],
                       [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                        member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002")),
                        member(ma_ho="11284-0003", ho_ten="Lê Văn Ba", so_dinh_danh=make_id(serial="000003"))])
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    ws.insert_rows(4)
    ws.cell(4, 1).value, ws.cell(4, 6).value = "Cộng thôn Đông", 2
    ws.cell(6, 1).value, ws.cell(6, 6).value = "Cộng thôn Tây", 1
    ws.cell(7, 1).value, ws.cell(7, 6).value = "Tổng cộng", 3
    wb.save(path)
    out = tmp_path / "out"
    run_round(folder, out)
    codes = sorted(households(out)["ma_ho"].astype(str))
    assert codes == ["11284-0001", "11284-0002", "11284-0003"], f"households read: {codes}"
    total = form_total(out)
    assert (total[2], total[3]) == (3, 3), f"form 01: {total[2]} households, {total[3]} persons"


# ------------------------------------------------------------------------------------------ one person, two households
def _marriage(folder: Path, old_status: str) -> None:
    """Commune 11284: Lan is listed in her parents' household 11284-0001 (status ``old_status``) and in her
    husband's 11284-0002; both poor at the start of the period; 11284-0003 (Lê Văn Ba) near-poor at start."""
    make_return(folder, [household(ma_ho="11284-0001", phan_loai_dau_ky="Nghèo", tinh_trang_ho=old_status, **POOR),
                         household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", phan_loai_dau_ky="Nghèo", **POOR),
                         household(ma_ho="11284-0003", ho_ten_chu_ho="Lê Văn Ba", phan_loai_dau_ky="Cận nghèo",
                                   **RICH)],
                [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                 member(ma_ho="11284-0001", stt=2, quan_he="Con", **LAN),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002")),
                 member(ma_ho="11284-0002", stt=2, quan_he="Vợ, chồng", **LAN),
                 member(ma_ho="11284-0003", ho_ten="Lê Văn Ba", so_dinh_danh=make_id(serial="000003"))])


def test_person_moved_out_of_a_departed_household_is_no_duplicate(tmp_path: Path) -> None:  # guard (passes)
    """Input: the same marriage, but the parents' household 11284-0001 is marked "Chuyển đi" (the household moved
    away, still listed). Lan is no second holder of her ID: 11284-0002 is classified (poor), 11284-0001 leaves
    (other decrease), no ID finding; form 01 counts the 2 present households and their 3 persons; form 02 balances
    (2 poor at start − 1 moved away = 1 poor at end)."""
    folder = tmp_path / "in"
    _marriage(folder, "Chuyển đi")
    out = tmp_path / "out"
    run_round(folder, out)
    cls = dict(zip(households(out)["ma_ho"], households(out)["phan_loai"], strict=True))
    assert cls["11284-0002"] == "Nghèo"
    assert not findings(out)["Mã lỗi"].astype(str).str.startswith("id-").any()
    total = form_total(out)
    assert (total[2], total[3]) == (2, 3)
    f2 = form_total(out, "02")
    start, down, up, end = f2[2], f2[3], f2[8], f2[14]
    assert (start, end) == (2, 1) and end == start - down + up


def test_blocked_households_keep_forms_02_and_03_balanced_with_previous(tmp_path: Path) -> None:  # guard (passes)
    """Input: last round (2023) 11284-0001 and -0002 poor, 11284-0003 near-poor (run folder given as --previous);
    this round the bride Lan is listed in both 0001 and 0002 (both now undecided). Forms 02 and 03 balance: end =
    start − decreases + increases, the two poor households in "Chưa rõ phân loại cuối kỳ"."""
    y1 = tmp_path / "y2023"
    make_return(y1, [household(ma_ho="11284-0001", ngay_ra_soat="15/09/2023", **POOR),
                     household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", ngay_ra_soat="15/09/2023", **POOR),
                     household(ma_ho="11284-0003", ho_ten_chu_ho="Lê Văn Ba", ngay_ra_soat="15/09/2023",
                               thu_nhap_bq=1200000)],
                [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                 member(ma_ho="11284-0001", stt=2, quan_he="Con", **LAN),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002")),
                 member(ma_ho="11284-0003", ho_ten="Lê Văn Ba", so_dinh_danh=make_id(serial="000003"))],
                name="11284_2023.xlsx")
    run_round(y1, tmp_path / "out2023")
    y2 = tmp_path / "y2024"
    make_return(y2, [household(ma_ho="11284-0001", phan_loai_dau_ky=None, **POOR),
                     household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", phan_loai_dau_ky=None, **POOR),
                     household(ma_ho="11284-0003", ho_ten_chu_ho="Lê Văn Ba", phan_loai_dau_ky=None,
                               thu_nhap_bq=1200000)],
                [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                 member(ma_ho="11284-0001", stt=2, quan_he="Con", **LAN),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002")),
                 member(ma_ho="11284-0002", stt=2, quan_he="Vợ, chồng", **LAN),
                 member(ma_ho="11284-0003", ho_ten="Lê Văn Ba", so_dinh_danh=make_id(serial="000003"))])
    out = tmp_path / "out2024"
    run_round(y2, out, "--previous", tmp_path / "out2023")
    f2, f3 = form_total(out, "02"), form_total(out, "03")
    assert f2[2] == 2 and f2[7] == 2  # 2 poor at start, both "Chưa rõ phân loại cuối kỳ"
    for f in (f2, f3):
        start, down, up, end = f[2], f[3], f[8], f[14]
        assert end == start - down + up, f
    assert f3[2] == f3[14] == 1


# ------------------------------------------------------------------------------------------ two returns, one person
def _two_communes(folder: Path, lan_in_second: bool = True) -> None:
    """Lan in household 11284-0001 of Xã Chi Lăng Nam and in 11287-0001 of Xã Thanh Giang, both "Đang cư trú",
    both poor."""
    make_return(folder, [household(ma_ho="11284-0001", **POOR)],
                [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                 member(ma_ho="11284-0001", stt=2, quan_he="Con", **LAN)], name="11284.xlsx")
    mm = [member(ma_ho="11287-0001", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002"))]
    if lan_in_second:
        mm.append(member(ma_ho="11287-0001", stt=2, quan_he="Vợ, chồng", **LAN))
    make_return(folder, [household(ma_ho="11287-0001", ma_xa="11287", ho_ten_chu_ho="Trần Văn Hai", **POOR)], mm,
                name="11287.xlsx")


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two communes run with --jobs 1 and --jobs 2; then 11287 corrected (Lan removed) and re-run into the
    --jobs 1 folder (11284 taken from the cache) and, for comparison, run fresh."""
    root = tmp_path_factory.mktemp("two")
    _two_communes(root / "in")
    run_round(root / "in", root / "out1", "--jobs", "1")
    run_round(root / "in", root / "out2", "--jobs", "2")
    shutil.copytree(root / "out1", root / "out1_before")
    _two_communes(root / "in", lan_in_second=False)
    run_round(root / "in", root / "out1", "--jobs", "1")
    run_round(root / "in", root / "fresh", "--jobs", "1")
    return root


def _id_findings(out: Path) -> list[tuple[str, int, str]]:
    f = findings(out)
    f = f[f["Mã lỗi"].astype(str).str.startswith("id-")]
    return sorted(zip(f["Tệp"].astype(str), f["Dòng"].astype(int), f["Mã lỗi"].astype(str), strict=True))


def test_id_in_two_returns_is_reported_in_both_and_the_same_with_jobs_1_and_2(two: Path) -> None:  # guard (passes)
    before = _id_findings(two / "out1_before")
    assert before == [("in/11284.xlsx", 3, "id-duplicate-batch"), ("in/11287.xlsx", 3, "id-duplicate-batch")]
    assert _id_findings(two / "out2") == before
    lists = [sorted(tuple(r.values()) for r in read_csv(two / o / "bao_cao" / LIST_CSV)) for o in ("out1_before", "out2")]
    assert lists[0] == lists[1]
    lan = [r for r in read_csv(two / "out1_before" / "bao_cao" / LIST_CSV) if r["Họ và tên"] == LAN["ho_ten"]]
    assert len(lan) == 2 and all(r["Số định danh cá nhân"] == "" for r in lan)  # neither row keyed by the shared ID


def test_rerun_after_one_return_is_corrected_equals_a_fresh_run(two: Path) -> None:  # guard (passes)
    """The shared-ID marks of the untouched return (11284, from the cache) go when 11287 is corrected."""
    assert _id_findings(two / "out1") == _id_findings(two / "fresh") == []
    cols = ["file", "row", "so_dinh_danh", "dinh_danh_loi"]
    a = members(two / "out1")[cols].sort_values(["file", "row"]).reset_index(drop=True)
    b = members(two / "fresh")[cols].sort_values(["file", "row"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert a["dinh_danh_loi"].isna().all()
    assert sorted(tuple(r.values()) for r in read_csv(two / "out1" / "bao_cao" / LIST_CSV)) == \
        sorted(tuple(r.values()) for r in read_csv(two / "fresh" / "bao_cao" / LIST_CSV))


# Left open (session 10, in the issue note, not fixed): a person listed in two households of one return is counted
# in both households' persons in form 01 (both households are undecided; which one loses the person is a rule to
# decide), and an ID in two communes' returns is reported in both but leaves both households classified (within one
# return both are undecided). The two tests that showed them were taken out with that note.
