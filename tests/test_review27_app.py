"""Review 27 (helper): layout 2, the national review application's flat export, rule by rule.

Each test builds a small export cell by cell with ``make_app_return`` (dotted headers, one row per household, no
member rows) and runs it as an officer would — the library calls behind `hgn validate` / `hgn classify`, or the
whole round (`hgn run`) into a temporary OUT_DIR — then states what return-format.md (Layout 2), domain.md and
forms.md require. Tests whose docstring starts with "DEFECT." fail on the code as reviewed; the others are guards.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import HEADER, app_row, form_rows, make_app_return, make_id, member, ok, run_hgn
from hgn_review.pipeline import classify_paths, run_round
from hgn_review.schemas.layout import load_layout
from hgn_review.validate import validate_paths

UNIT = "Xã Chi Lăng Nam"
POOR = dict(diem_b1=100, th_viec_lam=1, th_nha_tieu=1, so_thieu_hut_ghi=3, diem_b2=30, phan_loai_ghi="Nghèo")
RICH = dict(diem_b1=300, ho_nlndn=0, phan_loai_ghi="Không nghèo")


def findings_rows(path: Path) -> list[dict[str, Any]]:
    """phat_hien.xlsx as dictionaries by its header row."""
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def run_export(tmp_path: Path, rows: list[Any], **kw: Any) -> Path:
    """The export in ``tmp_path/in``, run as `hgn run in --out out`; the OUT_DIR."""
    folder = tmp_path / "in"
    folder.mkdir(parents=True, exist_ok=True)
    make_app_return(folder, rows)
    run_round(folder, tmp_path / "out", jobs=1, **kw)
    return tmp_path / "out"


# ------------------------------------------------------------------------------------------ every key read
def test_every_mapped_key_is_read_into_its_column(tmp_path: Path) -> None:
    # guard (passes)
    """The keys return-format.md names are read into their columns: family.code, family.hostName,
    family.hostGender, family.numberOfMembers, family.coDanTocTaiCho, quickReview.result, b1Point, b2Point,
    classify, the twelve deprivation.* flags, deprivation.totalCount, date and reviewer."""
    row = app_row(ma_ho="11284-0007", ho_ten_chu_ho="Lò Thị Hoa", gioi_tinh_chu_ho="Nữ", so_thanh_vien=5,
                  dan_toc_tai_cho=1, ket_qua_phieu_a="Rà soát phiếu B", ra_soat_vien="Hà Văn Tú", **POOR)
    hh = validate_paths([make_app_return(tmp_path, [row])]).households
    got = hh.iloc[0]
    assert (got["ma_ho"], got["ho_ten_chu_ho"], got["gioi_tinh_chu_ho"], int(got["so_thanh_vien"])) == (
        "11284-0007", "Lò Thị Hoa", "Nữ", 5)
    assert bool(got["dan_toc_tai_cho"]) is True
    assert (got["ket_qua_phieu_a"], got["ra_soat_vien"]) == ("Rà soát phiếu B", "Hà Văn Tú")
    assert (float(got["diem_b1"]), float(got["diem_b2"]), got["phan_loai_ghi"], int(got["so_thieu_hut_ghi"])) == (
        100.0, 30.0, "Nghèo", 3)
    flags = {k: int(got[k]) for k in ("th_viec_lam", "th_bhyt", "th_nha_tieu", "th_dinh_duong")}
    assert flags == {"th_viec_lam": 1, "th_bhyt": 1, "th_nha_tieu": 1, "th_dinh_duong": 0}
    assert got["ngay_ra_soat"] == dt.datetime(2024, 9, 15)


@pytest.mark.parametrize("form", [
    dict(diem_b1="120", diem_b2="10", so_thanh_vien="3", so_thieu_hut_ghi="1"),  # numbers as text
    dict(diem_b1=" 120 ", th_bhyt=" 1"),
    dict(diem_b1="120.0", th_bhyt="1.0", so_thieu_hut_ghi="1.0", diem_b2="10.0"),
    dict(th_bhyt="x"), dict(th_bhyt=True), dict(th_bhyt="Có"), dict(th_bhyt="TRUE"),
    dict(ngay_ra_soat=45550), dict(ngay_ra_soat=dt.datetime(2024, 9, 15)), dict(ngay_ra_soat="2024-09-15"),
    dict(phan_loai_ghi="Hộ cận nghèo"), dict(phan_loai_ghi="HCN"), dict(phan_loai_ghi="nearPoor"),
    dict(ho_nlndn="Có", dan_toc_tai_cho="Không"),
])
def test_values_in_the_forms_an_export_writes_are_read_alike(tmp_path: Path, form: dict[str, Any]) -> None:
    # guard (passes)
    """The near-poor default row with its values in another form an export writes (numbers as text, flags as
    x / TRUE / Có, the date as a serial, a datetime or ISO text, the class by its code or long name) is read the
    same: near-poor, one deprivation, no finding."""
    run = classify_paths([make_app_return(tmp_path, [app_row(**form)])])
    assert [(f.code, f.cell) for f in run.report.findings] == []
    got = run.results.households.iloc[0]
    assert (got["phan_loai"], int(got["so_thieu_hut"]), float(got["diem_b1"])) == ("Cận nghèo", 1, 120.0)


# ------------------------------------------------------------------------------------------ class, area
def test_area_written_by_the_export_sets_the_b1_cut_off_inclusively(tmp_path: Path) -> None:
    # guard (passes)
    """family.area "Thành thị" in a rural commune: the urban B1 cut-off 175 applies (said as area-mismatch at
    the area cell); 160 and exactly 175 are under it (near-poor), 175.5 is above (not poor); "Nông thôn" with
    B1 160 is above the rural 140 — each recorded class agrees, so no class-mismatch."""
    run = classify_paths([make_app_return(tmp_path, [
        app_row(khu_vuc="Thành thị", diem_b1=160),
        app_row(ma_ho="11284-0002", khu_vuc="Nông thôn", diem_b1=160, ho_nlndn=0, phan_loai_ghi="Không nghèo"),
        app_row(ma_ho="11284-0003", khu_vuc="Thành thị", diem_b1=175),
        app_row(ma_ho="11284-0004", khu_vuc="Thành thị", diem_b1=175.5, ho_nlndn=0, phan_loai_ghi="Không nghèo"),
    ])])
    assert list(run.results.households["phan_loai"]) == ["Cận nghèo", "Không nghèo", "Cận nghèo", "Không nghèo"]
    assert sorted((f.code, f.cell) for f in run.report.findings) == [
        ("area-mismatch", "H2"), ("area-mismatch", "H4"), ("area-mismatch", "H5")]


def test_movements_of_export_households_follow_the_previous_list(tmp_path: Path) -> None:
    # guard (passes)
    """Last round's export classified (`hgn classify`) and given as --previous to this round's: poor → near-poor
    is escaped to near-poor, near-poor → poor, not poor → poor is new poor, poor → not poor escaped above
    near-poor; the reasons name the B1 basis and the recorded flags; both movement tables balance."""
    last = "15/09/2023"
    (tmp_path / "y2023").mkdir()
    (tmp_path / "y2024").mkdir()
    make_app_return(tmp_path / "y2023", [
        app_row(ma_ho="11284-0001", ngay_ra_soat=last, **POOR),
        app_row(ma_ho="11284-0002", ngay_ra_soat=last),
        app_row(ma_ho="11284-0003", ngay_ra_soat=last, **RICH),
        app_row(ma_ho="11284-0004", ngay_ra_soat=last, **POOR)], name="11284_2023.xlsx")
    make_app_return(tmp_path / "y2024", [
        app_row(ma_ho="11284-0001"), app_row(ma_ho="11284-0002", **POOR),
        app_row(ma_ho="11284-0003", **POOR), app_row(ma_ho="11284-0004", **RICH)], name="11284_2024.xlsx")
    ok(run_hgn("classify", "y2023", "--out", "prev.xlsx", cwd=tmp_path))
    run = classify_paths([tmp_path / "y2024"], previous=tmp_path / "prev.xlsx")
    hh = run.results.households.set_index("ma_ho")
    assert list(hh["dien_bien"]) == ["Thoát nghèo sang cận nghèo", "Cận nghèo thành nghèo", "Nghèo mới",
                                     "Thoát nghèo (trên cận nghèo)"]
    assert "Điểm B1 100 ≤ ngưỡng 140" in hh.loc["11284-0002", "ly_do"]
    assert "theo số liệu ghi" in hh.loc["11284-0002", "ly_do"]
    assert set(run.results.extra_sheets["Diễn biến"]["can_doi"]) == {True}


# ------------------------------------------------------------------------------------------ locations
def test_findings_of_an_export_below_title_rows_point_at_the_excel_rows(tmp_path: Path) -> None:
    # guard (passes)
    """Two title rows and a blank above the header (row 4), the header repeated at row 7, a copy at row 9: a
    value error at K6, the repeated header at row 7, the copy at row 9 naming row 8, the class-mismatch at M8;
    an unknown column is information at its header cell, in Vietnamese, naming the header."""
    path = make_app_return(tmp_path, [
        app_row(**{"family.address": "Số 1"}),
        app_row(ma_ho="11284-0002", diem_b1="abc"),
        HEADER,
        app_row(ma_ho="11284-0003", phan_loai_ghi="Nghèo"),
        app_row(ma_ho="11284-0003", phan_loai_ghi="Nghèo"),
    ], title_rows=["DANH SÁCH HỘ GIA ĐÌNH RÀ SOÁT NĂM 2024", "Xã Chi Lăng Nam", ""])
    run = classify_paths([path])
    got = sorted((f.code, f.row, f.cell) for f in run.report.findings if f.code != "household-undecided")
    # (the household whose B1 is unreadable waits with that reason: session 20's b1-unreadable)
    assert got == [("class-mismatch", 8, "M8"), ("column-unknown", 4, "AC4"), ("header-row-repeated", 7, ""),
                   ("household-not-classified", 6, ""), ("row-duplicate", 9, ""), ("value-not-number", 6, "K6")]
    by = {f.code: f for f in run.report.findings}
    assert "dòng 8" in by["row-duplicate"].message()
    assert by["column-unknown"].message().startswith('Cột "family.address" không có trong mẫu')


# ------------------------------------------------------------------------------------------ hints
def test_a_mistyped_export_header_is_not_sent_to_hgn_template(tmp_path: Path) -> None:
    """DEFECT. An export whose b2Point header came out as "b2Pointt" (beyond the lenient match): hgn rightly warns
    column-header-near at L1, but its hint reads "Nếu đây là cột "b2Point", sửa tiêu đề cho đúng như mẫu
    `hgn template`" — the hgn template has no column "b2Point" (its headers are "Điểm B2" …), so the officer is
    sent to a workbook that cannot help. The project already words column-missing of an export as "xuất lại tệp
    từ phần mềm rà soát" (tests/test_session16.py); the near-header hint of the same export must fit it too.
    Likely cause: findings.py:CATALOGUE "column-header-near" hard-codes `hgn template` in its hint (no {how}),
    and io/read.py:_read_sheet does not pass the export's wording to it."""
    path = make_app_return(tmp_path, [app_row()], headers={"diem_b2": "b2Pointt"})
    near = [f for f in validate_paths([path]).findings if f.code == "column-header-near"]
    assert [(f.cell, f.param("other")) for f in near] == [("L1", "b2Point")]
    assert "hgn template" not in near[0].hint(), near[0].hint()
    assert "hgn template" not in near[0].hint("en"), near[0].hint("en")


def test_a_blank_sheet_read_as_an_export_is_not_sent_to_hgn_template(tmp_path: Path) -> None:
    """DEFECT. `hgn validate --layout app` on a workbook whose only sheet is blank (the officer forced the export
    layout): sheet-blank's hint says "Dán lại bảng theo mẫu `hgn template`" — paste the table back as in hgn's
    template, whose columns are not the export's. For an export the table comes back by exporting it again from
    the review application (the wording column-missing already uses for exports). Likely cause:
    findings.py:CATALOGUE "sheet-blank" hard-codes `hgn template`; io/read.py:_read_sheet emits it the same for
    layout 'app'."""
    path = tmp_path / "11284_app.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Export"
    wb.save(path)
    blank = [f for f in validate_paths([path], layout="app").findings if f.code == "sheet-blank"]
    assert [f.sheet for f in blank] == ["Export"]
    assert "hgn template" not in blank[0].hint(), blank[0].hint()


# ------------------------------------------------------------------------------------------ members or not
def test_a_member_sheet_beside_an_export_is_not_passed_over_in_silence(tmp_path: Path) -> None:
    """DEFECT. An export (sheet "Export", dotted headers) to which the commune added a sheet "Thành viên" with the
    hgn member headers and the two members of 11284-0001 (names, 12-digit IDs). The export layout reads no member
    rows, so those two persons never reach the lists — which may be right — but hgn says nothing at all: no
    finding names the sheet, `hgn validate` reports 0 errors, 0 warnings. return-format.md: nothing is "dropped
    silently"; a layout-1 return with a table hgn does not read gets sheet-table-not-read, and an export's second
    export sheet gets sheet-not-read. Expected: a finding on sheet "Thành viên" saying its rows are not read.
    Likely cause: io/read.py:read_return — for layout 'app' only other sheets with family.code are said
    (_app_sheets); _more_tables, which says any other table, runs for layout 'hgn' only (_read_layout)."""
    path = make_app_return(tmp_path, [app_row()])
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Thành viên")
    spec = load_layout("hgn").sheets["members"]
    ws.append([c.header for c in spec.columns])
    for m in (member(so_dinh_danh=make_id()),
              member(stt=2, ho_ten="Nguyễn Thị Lan", gioi_tinh="Nữ", quan_he="Vợ, chồng", ngay_sinh="01/01/1982",
                     so_dinh_danh=make_id(birth_year=1982, female=True, serial="000012"))):
        ws.append([m.get(c.key) for c in spec.columns])
    wb.save(path)
    res = validate_paths([path])
    assert [r.layout for r in res.returns] == ["app"]
    named = [(f.code, f.severity) for f in res.findings if f.sheet == "Thành viên"]
    assert named, "the member sheet of the export is read by nothing and named by no finding"


# ------------------------------------------------------------------------------------------ persons, forms
def test_persons_come_from_the_size_written_and_the_list_holds_the_heads(tmp_path: Path) -> None:
    # guard (passes)
    """`hgn run` on an export of a near-poor household of 3 (Nam), a poor one of 5 (Nữ, local minority) and a
    non-poor one of 2: form 01 counts 3 households and 10 persons (3 + 5 + 2, from family.numberOfMembers), 5
    poor persons at 50 %; form 15 lists the poor head with "5 nhân khẩu" and the minority mark; the population
    list holds the two heads, sex from family.hostGender, no ID, both on the missing-ID sheet."""
    out = run_export(tmp_path, [
        app_row(),
        app_row(ma_ho="11284-0002", ho_ten_chu_ho="Lò Thị Hoa", gioi_tinh_chu_ho="Nữ", so_thanh_vien=5,
                dan_toc_tai_cho=1, **POOR),
        app_row(ma_ho="11284-0003", ho_ten_chu_ho="Trần Văn Ba", so_thanh_vien=2, **RICH)])
    f01 = form_rows(out / "bao_cao" / "bieu_01.xlsx")[UNIT]
    assert f01[2:8] == [3, 10, 1, 33.33, 5, 50]
    ws = openpyxl.load_workbook(out / "bao_cao" / "bieu_15.xlsx").worksheets[0]
    cells = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    heads = [r for r in cells if isinstance(r[2], int)]
    assert [(r[1], r[3], r[8], r[13]) for r in heads] == [("11284-0002", "Lò Thị Hoa", "Chủ hộ", "x")]
    assert any(isinstance(r[0], str) and r[0].startswith("Tổng cộng: 1 hộ, 5 nhân khẩu") for r in cells)
    wb = openpyxl.load_workbook(out / "bao_cao" / "danh_sach_csdl_dan_cu.xlsx")
    listed = [r[:6] for r in list(wb["Danh sách"].iter_rows(values_only=True))[1:]]
    assert listed == [(None, "11284-0001", "Nguyễn Văn An", None, "Nam", "Chủ hộ"),
                      (None, "11284-0002", "Lò Thị Hoa", None, "Nữ", "Chủ hộ")]
    assert len(list(wb["Chưa có số định danh"].iter_rows())) == 3


def test_causes_of_poverty_of_an_export_are_not_printed_as_zero(tmp_path: Path) -> None:
    """DEFECT. An export has no cause-of-poverty column (return-format.md's layout 2 maps none), so the causes of
    its poor and near-poor households are not known. `hgn run` still prints form 10 for the commune with 0 under
    every cause — "0 poor households lack production land, capital, labour … other" — beside a total of 1 poor
    and 1 near-poor: figures invented from nothing (design.md: impute nothing). hgn itself leaves blank, "không
    ghi 0", the merit and "other" columns of form 08 for the same reason (an export has no merit column), and the
    children of form 11. Expected: the cause columns of that unit (and the total) blank, or a note that the
    causes are not known. Likely cause: reports/view.py:_household_attributes sets every cause_* flag to 0 when
    the column is absent, and reports/formdef.py has no unknown-flag for causes in UNKNOWN_OF."""
    out = run_export(tmp_path, [app_row(), app_row(ma_ho="11284-0002", **POOR)])
    f10 = form_rows(out / "bao_cao" / "bieu_10.xlsx")[UNIT]
    assert f10[2] == 1 and f10[11] == 1  # one poor, one near-poor household
    assert f10[3:11] == [None] * 8 and f10[12:20] == [None] * 8, f10
    f08 = form_rows(out / "bao_cao" / "bieu_08.xlsx")[UNIT]
    assert f08[5] is None  # (merit unknown: blank — the precedent)


def test_a_size_written_but_unreadable_is_not_called_blank(tmp_path: Path) -> None:
    """DEFECT. Export households whose family.numberOfMembers is written but unreadable — "ba" (value-not-number
    at D2), 0 and 60 (value-out-of-range at D3, D4) — are rightly left out of the persons figures. But the round's
    note (merge-persons-unknown) says "3 hộ không có dòng thành viên và để trống số thành viên" and tells the
    officer to look for code household-size-missing, and form 14 closes with "chưa kể 3 hộ để trống số thành
    viên": no size was left blank, and no household-size-missing finding exists — the officer is sent looking for
    blank cells that are not there. Expected: the words match the cells (sizes "không đọc được" / the codes
    actually given), or a household-size-missing at each such cell. Likely cause: scoring/_frames.py:
    persons_and_unknown counts an unreadable size as blank; merge/codes.py "merge-persons-unknown" and
    reports/excel.py (the list's total line) word every such household as "để trống"."""
    out = run_export(tmp_path, [app_row(so_thanh_vien="ba"), app_row(ma_ho="11284-0002", so_thanh_vien=0),
                                app_row(ma_ho="11284-0003", so_thanh_vien=60)])
    found = findings_rows(out / "phat_hien.xlsx")
    at_size = sorted((f["Mã lỗi"], f["Ô"]) for f in found if f["Cột"] == "family.numberOfMembers")
    assert at_size == [("value-not-number", "D2"), ("value-out-of-range", "D3"), ("value-out-of-range", "D4")]
    note = next(f for f in found if f["Mã lỗi"] == "merge-persons-unknown")
    said_missing = any(f["Mã lỗi"] == "household-size-missing" for f in found)
    # (fixed by saying "no usable size (blank, or not valid)": not blank alone of a written cell)
    assert said_missing or "để trống" not in note["Nội dung"] or "không hợp lệ" in note["Nội dung"], (
        note["Nội dung"], note["Cách sửa"])
    assert "household-size-missing" not in note["Cách sửa"]
    ws = openpyxl.load_workbook(out / "bao_cao" / "bieu_14.xlsx").worksheets[0]
    total = next(r[0] for r in ws.iter_rows(values_only=True) if isinstance(r[0], str) and r[0].startswith("Tổng"))
    assert said_missing or "để trống" not in total, total
