"""Session 15: defects found by the review helpers (tests/test_review22_*.py), fixed, with their boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from conftest import app_row, form_rows, make_app_return, ok, run_hgn
from hgn_review.pipeline import classify_paths
from hgn_review.validate import validate_paths

RICH = dict(diem_b1=300, phan_loai_ghi="Không nghèo")


def _export(folder: Path, rows: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return make_app_return(folder, rows)


# ---------------------------------------------------------------- the application's export: a blank size
def test_blank_size_of_an_export_household_is_said_at_its_cell(tmp_path: Path) -> None:
    """Layout 2 has no member rows: a blank family.numberOfMembers is a warning at that cell; a written one is not."""
    path = _export(tmp_path, [app_row(so_thanh_vien=None), app_row(ma_ho="11284-0002", so_thanh_vien=4, **RICH)])
    found = [(f.code, f.cell, f.severity) for f in validate_paths([path]).findings if f.code == "household-size-missing"]
    assert found == [("household-size-missing", "D2", "warning")]


def test_blank_size_leaves_the_units_persons_blank_not_zero(tmp_path: Path) -> None:
    """Form 01: the unit with a household of unknown size has its persons figures (and rates) blank, the total
    row too; its households are still counted. With every size written, the persons are counted."""
    _export(tmp_path / "in", [app_row(so_thanh_vien=None), app_row(ma_ho="11284-0002", so_thanh_vien=4, **RICH)])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    rows = form_rows(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")
    unit, total = rows["Xã Chi Lăng Nam"], rows["Tổng cộng"]
    assert unit[2] == 2 and total[2] == 2  # households: counted
    assert unit[3] is None and total[3] is None  # persons: not known
    ws = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx").worksheets[0]
    notes = " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str))
    html = (tmp_path / "out" / "bao_cao" / "report.html").read_text(encoding="utf-8")
    assert "không có số thành viên dùng được" in html or "không có số thành viên dùng được" in notes

    _export(tmp_path / "in2", [app_row(so_thanh_vien=3), app_row(ma_ho="11284-0002", so_thanh_vien=4, **RICH)])
    ok(run_hgn("run", "in2", "--out", "out2", cwd=tmp_path))
    rows = form_rows(tmp_path / "out2" / "bao_cao" / "bieu_01.xlsx")
    assert rows["Xã Chi Lăng Nam"][3] == 7 and rows["Tổng cộng"][3] == 7


# ---------------------------------------------------------------- average living standard outside NLNDN
def test_average_living_recorded_for_a_non_nlndn_household_is_a_mismatch(tmp_path: Path) -> None:
    """MSTB is a class of NLNDN households alone: recorded for a household known not NLNDN (B1 over the cut-off:
    Không nghèo) it is a class-mismatch at the recorded class; for an NLNDN household, or one whose NLNDN answer
    is blank, B1 cannot tell the band and no mismatch is said."""
    path = _export(tmp_path, [
        app_row(diem_b1=200, ho_nlndn=0, phan_loai_ghi="Mức sống trung bình"),
        app_row(ma_ho="11284-0002", diem_b1=200, ho_nlndn=1, phan_loai_ghi="Mức sống trung bình"),
    ])
    run = classify_paths([path])
    assert list(run.results.households["phan_loai"]) == ["Không nghèo", "Không nghèo"]
    assert [(f.code, f.cell) for f in run.report.findings if f.code == "class-mismatch"] == [("class-mismatch", "M2")]


# ---------------------------------------------------------------- numbers and dates as written
def test_grouping_with_a_decimal_part_is_read_each_one_way() -> None:
    """"1.500.000,00" (Vietnamese) and "1,500,000.00" (English) are 1 500 000; one group with a decimal part of
    the other mark too; "1.500.000" and "1,5" as before; a mix that is neither stays unread."""
    import pandas as pd

    from hgn_review.schemas.coerce import parse_number

    got = parse_number(pd.Series(["1.500.000,00", "1,500,000.00", "12.345,6", "1,234.5", "1.500.000", "1,5",
                                  "1.500,000,5", "-1.234,5"], dtype="string")).tolist()
    assert got[:6] == [1500000.0, 1500000.0, 12345.6, 1234.5, 1500000.0, 1.5]
    assert pd.isna(got[6]) and got[7] == -1234.5


def test_a_date_cell_is_quoted_as_excel_shows_it() -> None:
    """A finding quoting a date cell (read as "2026-04-13 00:00:00") says 13/04/2026; other text is as written."""
    from hgn_review.findings import finding

    f = finding("value-out-of-range", file="x.xlsx", sheet="Thành viên", row=3, col="E", column="Ngày sinh",
                key="ngay_sinh", value="2026-04-13 00:00:00", detail="0–120")
    assert f.value == "13/04/2026" and "13/04/2026" in f.message()
    assert finding("value-not-date", file="x.xlsx", row=3, value="2026-04-13").value == "2026-04-13"


# ---------------------------------------------------------------- report.html says what the round left out
def test_report_html_says_which_returns_were_left_out_and_why(tmp_path: Path) -> None:
    """Two different returns for one commune are both left out of the merge: report.html (which otherwise shows
    the commune only as "Chưa có số liệu") names both files and why, as the terminal and README.txt do."""
    import re

    src = tmp_path / "in"
    ok(run_hgn("sample", "--province", "30", "--district", "291", "--communes", "2", "--households", "4",
               "--seed", "3", "--error-rate", "0", "--out", src, cwd=tmp_path))
    first = sorted(src.glob("*.xlsx"))[0]
    wb = openpyxl.load_workbook(first)
    ws = wb["Hộ gia đình"]
    ws.cell(2, 2).value = f"{ws.cell(2, 2).value} A"
    wb.save(src / f"ban_khac_{first.name}")
    ok(run_hgn("run", src, "--out", tmp_path / "out", cwd=tmp_path))
    page = re.sub(r"<[^>]+>", " ", (tmp_path / "out" / "bao_cao" / "report.html").read_text(encoding="utf-8"))
    page = re.sub(r"\s+", " ", page)
    for name in (first.name, f"ban_khac_{first.name}"):
        assert re.search(re.escape(name) + r"[^.]*có trong nhiều tệp", page), name
    assert "chưa được đưa vào tổng hợp" in page


def test_merit_households_of_an_export_are_blank_not_zero(tmp_path: Path) -> None:
    """The application's export has no merit column: form 08's merit and "other" figures of its poor households
    are blank (not known), not 0; the poor households themselves are counted. A return of the hgn layout (blank
    is "no" there) keeps its 0."""
    poor = dict(diem_b1=100, th_viec_lam=1, th_nha_tieu=1, so_thieu_hut_ghi=3, diem_b2=30, phan_loai_ghi="Nghèo")
    _export(tmp_path / "in", [app_row(**poor), app_row(ma_ho="11284-0002", **RICH)])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    ws = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "bieu_08.xlsx", data_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    sub = next(r for r in rows if any(isinstance(h, str) and "có công" in h for h in r))  # the header's last row
    merit = next(i for i, h in enumerate(sub) if isinstance(h, str) and "có công" in h)
    unit = next(r for r in rows if r[1] == "Xã Chi Lăng Nam")
    assert unit[2] == 1 and unit[merit] is None and unit[merit + 1] is None, (sub, unit)


# ---------------------------------------------------------------- a layout header mistyped
def test_a_mistyped_header_is_said_to_be_near_the_layouts_column(tmp_path: Path) -> None:
    """A required header mistyped beyond the lenient match ("Thôn tổ dân phốo") is column-missing naming the
    column it may be; that column is a warning (its values are not read), not the information of an extra
    column; a column of the commune's own ("Ghi chú") stays information. The merit header written short ("Hộ có
    người có công") is read as the merit column."""
    from conftest import household, make_return, member

    path = make_return(tmp_path, [household(nguoi_co_cong="Có", **{"Ghi chú": "x"})], [member()],
                       headers={"households": {"thon": "Thôn tổ dân phốo", "nguoi_co_cong": "Hộ có người có công"}})
    res = validate_paths([path])
    by = {f.code: f for f in res.findings}
    assert by["column-missing"].key == "thon" and "cột D" in by["column-missing"].message()
    near = by["column-header-near"]
    assert (near.col, near.severity, near.param("other")) == ("D", "warning", "Thôn, tổ dân phố")
    assert [f.column for f in res.findings if f.code == "column-unknown"] == ["Ghi chú"]
    assert bool(res.households.loc[0, "nguoi_co_cong"]) is True


# ---------------------------------------------------------------- a household that left is not surveyed
def test_a_household_that_left_is_asked_only_who_it_was_and_what_became_of_it(tmp_path: Path) -> None:
    """Households recorded "Chuyển đi" and "Giải thể" with no survey answers and no member rows (the hint of
    previous-not-reviewed tells communes to keep them so): no value-required, income-basis-missing,
    household-no-members or household-not-classified/undecided finding on them — only on what they are still
    asked (their commune code here); a poor one at the start is an other decrease; a present household with the
    same blanks still gets every error."""
    from conftest import household, make_return, member

    blank = {k: None for k in ("thu_nhap_bq", "loai_nha", "dien_tich_nha", "nguon_nuoc", "nha_tieu",
                               "su_dung_internet", "phuong_tien_thong_tin", "ho_nlndn")}
    path = make_return(tmp_path, [
        household(),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Bình", tinh_trang_ho="Chuyển đi",
                  phan_loai_dau_ky="Nghèo", **blank),
        household(ma_ho="11284-0003", ho_ten_chu_ho="Lê Văn Cường", tinh_trang_ho="Giải thể", ma_xa=None, **blank),
        household(ma_ho="11284-0004", ho_ten_chu_ho="Phạm Văn Dũng", **blank),
    ], [member()])
    run = classify_paths([path])
    by_row: dict[int, list[str]] = {}
    for f in run.report.findings:
        by_row.setdefault(f.row or 0, []).append(f.code)
    assert 3 not in by_row and by_row[4] == ["value-required"]  # 4: Mã xã, still asked
    assert {"value-required", "income-basis-missing", "household-no-members"} <= set(by_row[5])
    hh = run.results.households.set_index("ma_ho")
    assert hh.at["11284-0002", "dien_bien"] == "Giảm khác"


def test_classify_counts_a_household_that_left_apart_from_the_classes(tmp_path: Path) -> None:
    """`hgn classify --json`: a household that moved away is counted under "departed", in no class (as `hgn run`
    and form 01 count it), so that the classes add up to the households present."""
    from conftest import household, make_return, member

    make_return(tmp_path, [household(), household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Bình",
                                                  tinh_trang_ho="Chuyển đi", phan_loai_dau_ky="Nghèo")],
                [member(), member(ma_ho="11284-0002", stt=1, ho_ten="Trần Văn Bình",
                                  so_dinh_danh="030080000777")])
    import json

    proc = run_hgn("classify", "11284_2024.xlsx", "--out", "kq.xlsx", "--json", cwd=tmp_path)
    summary = json.loads(proc.stdout)
    assert summary["departed"] == 1 and sum(summary["by_class"].values()) == summary["households"] - 1


def test_the_waiting_households_sheet_writes_counts_as_numbers(tmp_path: Path) -> None:
    """The list's "Chờ quy đổi" sheet, from results read back from a workbook (counts as text '2'): the persons
    and the row are numbers (Excel's SUM counts them), the codes stay text."""
    import pandas as pd
    import xlsxwriter

    from hgn_review.reports.population import SHEET_PENDING, _pending_sheet

    pending = pd.DataFrame({"ma_xa_cu": ["10960"], "thon": ["Thôn 1"], "ma_ho": ["0007"], "so_nhan_khau": ["2"],
                            "row": ["14"]})
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    fmt = {"head": wb.add_format(), "int": wb.add_format(), "text": wb.add_format()}
    _pending_sheet(wb, pending, fmt, mask_pii=False)
    wb.close()
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")[SHEET_PENDING]
    values = [c.value for c in ws[2]]
    assert values[2] == "0007" and values[3] == 2 and values[4] == 14
