"""Review 22 (helper): layout 2, the national review application's flat export, through validate, classify and run.

Each test builds a small export cell by cell (dotted headers, one row per household, no member rows) with
``make_app_return`` and runs it as an officer would (`hgn validate`, `hgn classify`, `hgn run` into a temporary
OUT_DIR), then states what return-format.md (Layout 2), domain.md §2.2 and forms.md require. Tests whose docstring
starts with "DEFECT." fail on the code as reviewed; the others are guards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl

from conftest import (
    HEADER,
    app_row,
    form_rows,
    household,
    make_app_return,
    make_id,
    make_return,
    member,
    ok,
    read_csv,
    run_hgn,
)
from hgn_review.pipeline import classify_paths

LIST_CSV = "danh_sach_csdl_dan_cu.csv"
MISSING_CSV = "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv"
POOR_APP = dict(diem_b1=100, th_viec_lam=1, th_nha_tieu=1, so_thieu_hut_ghi=3, diem_b2=30, phan_loai_ghi="Nghèo")
RICH_APP = dict(diem_b1=300, phan_loai_ghi="Không nghèo")


def app_export(folder: Path, rows: list[Any]) -> Path:
    """``make_app_return`` into ``folder``, created if needed."""
    folder.mkdir(parents=True, exist_ok=True)
    return make_app_return(folder, rows)


def export_with_copies(folder: Path) -> Path:
    """Commune 11284's export as the application sends it: 4 households on 6 rows — 11284-0001 (near-poor) and
    11284-0002 (poor) each pasted twice — with the header row repeated at a page break (Excel row 5).
    Excel rows: 2 = 0001, 3 = 0002, 4 = copy of 2, 5 = header, 6 = 0003 (not poor), 7 = copy of 3, 8 = 0004."""
    return app_export(folder, [
        app_row(ma_ho="11284-0001"),
        app_row(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Hoa", gioi_tinh_chu_ho="Nữ", **POOR_APP),
        app_row(ma_ho="11284-0001"),
        HEADER,
        app_row(ma_ho="11284-0003", ho_ten_chu_ho="Trần Văn Ba", **RICH_APP),
        app_row(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Hoa", gioi_tinh_chu_ho="Nữ", **POOR_APP),
        app_row(ma_ho="11284-0004", ho_ten_chu_ho="Phạm Văn Tư"),
    ])


def findings_rows(path: Path) -> list[dict[str, Any]]:
    """phat_hien.xlsx as dictionaries by its header row."""
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


# ------------------------------------------------------------------------------------------ duplicates, header
def test_copies_and_repeated_header_are_each_said_once_and_every_row_is_accounted_for(tmp_path: Path) -> None:
    # guard (passes)
    """`hgn validate --json` on the export above: 6 data rows read (the repeated header is not one of them), the
    two copies reported at rows 4 and 7 naming rows 2 and 3, the repeated header at row 5; 4 households + 2
    copies = 6 rows, nothing dropped without a word and no error."""
    export_with_copies(tmp_path / "in")
    proc = run_hgn("validate", "in/11284_app.xlsx", "--json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    per_file = data["summary"]["per_file"][0]
    assert per_file["layout"] == "app" and per_file["rows"] == {"Export": 6}
    assert data["summary"]["errors"] == 0
    found = sorted((f["code"], f["row"]) for f in data["findings"])
    assert found == [("header-row-repeated", 5), ("row-duplicate", 4), ("row-duplicate", 7)]
    said = {f["row"]: f["message"] for f in data["findings"] if f["code"] == "row-duplicate"}
    assert "dòng 2" in said[4] and "dòng 3" in said[7], said


def test_copies_count_once_in_forms_list_and_report(tmp_path: Path) -> None:
    # guard (passes)
    """`hgn run` on the export above: form 01 counts 4 households and 12 persons (3 declared each) — one poor, two
    near-poor, one not poor —, the population list holds the 3 heads of poor and near-poor households once each,
    and phat_hien.xlsx holds each copy and the repeated header once, at its row."""
    export_with_copies(tmp_path / "in")
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    rows = form_rows(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")
    assert rows["Xã Chi Lăng Nam"][2:5] == [4, 12, 1]
    assert rows["Xã Chi Lăng Nam"][8] == 2
    assert rows["Tổng cộng"][2:4] == [4, 12]
    listed = read_csv(tmp_path / "out" / "bao_cao" / LIST_CSV)
    assert sorted(r["Mã hộ"] for r in listed) == ["11284-0001", "11284-0002", "11284-0004"]
    found = [(f["Mã lỗi"], f["Dòng"]) for f in findings_rows(tmp_path / "out" / "phat_hien.xlsx")
             if f["Mã lỗi"] in ("row-duplicate", "header-row-repeated")]
    assert sorted(found) == [("header-row-repeated", 5), ("row-duplicate", 4), ("row-duplicate", 7)]
    html = (tmp_path / "out" / "bao_cao" / "report.html").read_text(encoding="utf-8")
    assert "Chi Lăng Nam" in html


# ------------------------------------------------------------------------------------------ recomputations
def test_recorded_b2_and_class_that_contradict_the_flags_are_reported_at_their_cells(tmp_path: Path) -> None:
    # guard (passes)
    """A household with one deprivation and B1 130 (rural cut-off 140: near-poor) recorded as "Nghèo" with
    b2Point 20, and one with totalCount 2 for one flag set: b2-count-mismatch at the b2Point cell (L), class-mismatch
    at the classify cell (M), deprivation-count-mismatch at the totalCount cell (Z), each on its own Excel row;
    B1 exactly 140 is still under the cut-off (near-poor, no mismatch)."""
    path = make_app_return(tmp_path, [
        app_row(diem_b1=140),
        app_row(ma_ho="11284-0002", diem_b1=130, diem_b2=20, phan_loai_ghi="Nghèo"),
        app_row(ma_ho="11284-0003", so_thieu_hut_ghi=2),
    ])
    run = classify_paths([path])
    got = sorted((f.code, f.cell) for f in run.report.findings)
    assert got == [("b2-count-mismatch", "L3"), ("class-mismatch", "M3"), ("deprivation-count-mismatch", "Z4")]
    assert list(run.results.households["phan_loai"]) == ["Cận nghèo", "Cận nghèo", "Cận nghèo"]


def test_average_living_recorded_for_a_household_outside_agriculture_is_a_class_mismatch(tmp_path: Path) -> None:
    """DEFECT. A household with family.agriculture = 0 (not NLNDN), B1 200 (above the rural cut-off 140) and
    classify = "Mức sống trung bình". domain.md §2.2: the average-living class exists only for NLNDN households —
    "a household that is not NLNDN and is above the line is Không nghèo, whatever its income" — so the recorded
    class contradicts the recomputation (Không nghèo) and must be reported at the classify cell (M2), as every
    other recorded class that differs is. hgn says nothing. Likely cause: scoring/classify.py:classify —
    ``maybe_compatible`` excuses every recorded MSTB over a computed Không nghèo decided from B1, without asking
    whether the household is NLNDN (only then can B1 not tell MSTB from Không nghèo)."""
    path = make_app_return(tmp_path, [app_row(diem_b1=200, ho_nlndn=0, phan_loai_ghi="Mức sống trung bình")])
    run = classify_paths([path])
    assert list(run.results.households["phan_loai"]) == ["Không nghèo"]
    got = [(f.code, f.cell, f.value) for f in run.report.findings if f.code == "class-mismatch"]
    assert got == [("class-mismatch", "M2", "Mức sống trung bình")]


def test_average_living_recorded_for_an_agriculture_household_over_the_b1_cut_off_is_not_a_mismatch(
        tmp_path: Path) -> None:
    # guard (passes)
    """The NLNDN household (family.agriculture = 1) above the B1 cut-off recorded as "Mức sống trung bình": B1
    cannot place it in the band (domain.md §2.2), so it is Không nghèo with the information finding at its B1
    cell, and no class-mismatch."""
    path = make_app_return(tmp_path, [app_row(diem_b1=200, ho_nlndn=1, phan_loai_ghi="Mức sống trung bình")])
    run = classify_paths([path])
    assert list(run.results.households["phan_loai"]) == ["Không nghèo"]
    assert sorted((f.code, f.cell) for f in run.report.findings) == [("average-living-needs-income", "K2")]


# ------------------------------------------------------------------------------------------ persons
def test_blank_number_of_members_is_not_counted_as_zero_persons(tmp_path: Path) -> None:
    """DEFECT. A near-poor household of the export whose family.numberOfMembers is blank (the export has no member
    rows, so its size is not known at all) and a non-poor household of 4. `hgn run` counts the first as 0 persons
    without a word: form 01 prints "Số nhân khẩu" of the near-poor 0 and a persons rate of 0 % for a unit with a
    near-poor household, and no finding names the blank cell — while the run's own note says such figures are
    "lấy theo số thành viên khai báo hoặc để trống" (from the declared size or left blank). Expected: the size
    reported as missing at its cell (D2), or the unit's persons figures left blank, never an invented 0 (design.md:
    nothing is imputed). Likely cause: scoring/_frames.py:household_persons (a blank size ``fillna(0)``), used by
    reports/view.py:_household_attributes; validate.py does not report a blank size of a household without
    member rows."""
    app_export(tmp_path / "in", [
        app_row(so_thanh_vien=None),
        app_row(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Ba", so_thanh_vien=4, **RICH_APP),
    ])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    unit = form_rows(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")["Xã Chi Lăng Nam"]
    assert unit[8] == 1  # the near-poor household is counted
    said = [f for f in findings_rows(tmp_path / "out" / "phat_hien.xlsx")
            if f["Dòng"] == 2 and f["Ô"] == "D2"]
    near_poor_persons = unit[10]
    assert said or near_poor_persons is None, (
        f"near-poor persons printed {near_poor_persons!r}, nothing said at D2 (family.numberOfMembers blank)")


def test_population_list_of_an_export_lists_heads_with_the_reason_and_says_so(tmp_path: Path) -> None:
    # guard (passes)
    """An export only: the population list (xlsx and csv) holds each poor or near-poor household's head once,
    with the sex the export records and no ID, each on the "Chưa có số định danh" list with the reason (no member
    list, head only); the notes sheet says the list holds heads only."""
    export_with_copies(tmp_path / "in")
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    listed = read_csv(tmp_path / "out" / "bao_cao" / LIST_CSV)
    assert sorted((r["Mã hộ"], r["Giới tính"], r["Quan hệ với chủ hộ"], r["Số định danh cá nhân"]) for r in listed) == [
        ("11284-0001", "Nam", "Chủ hộ", ""), ("11284-0002", "Nữ", "Chủ hộ", ""), ("11284-0004", "Nam", "Chủ hộ", "")]
    missing = read_csv(tmp_path / "out" / "bao_cao" / MISSING_CSV)
    assert sorted(r["Mã hộ"] for r in missing) == ["11284-0001", "11284-0002", "11284-0004"]
    assert all("chủ hộ" in r["Lý do chưa có số định danh hợp lệ"] for r in missing)
    notes = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "danh_sach_csdl_dan_cu.xlsx")["Ghi chú"]
    text = " ".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "chỉ có chủ hộ" in text


# ------------------------------------------------------------------------------------------ a mixed folder
def test_mixed_folder_of_an_export_and_a_commune_return_runs_end_to_end(tmp_path: Path) -> None:
    # guard (passes)
    """A folder holding commune 11284's export (the copies and repeated header above: 4 households, 12 persons
    declared) and commune 11287's hgn return (a poor household of 2 members, a non-poor one of 1): `hgn run` exits
    0 and form 01 has both communes' rows and their sum; form 11 (children) leaves the export's commune blank — its
    children are not known — and counts the other; the poor list (form 15) lists the export's poor head and both
    members of 11287-0001; the population list keys the two IDs of 11287 and lists the export's heads without."""
    folder = tmp_path / "in"
    export_with_copies(folder)
    poor = dict(thu_nhap_bq=1000000, loai_nha="Đơn sơ", nguon_nuoc="Khác", nha_tieu="Không có")
    make_return(folder, [household(ma_ho="11287-0001", ma_xa="11287", **poor),
                         household(ma_ho="11287-0002", ma_xa="11287", ho_ten_chu_ho="Lê Văn Bình",
                                   thu_nhap_bq=5000000)],
                [member(ma_ho="11287-0001", so_dinh_danh=make_id(serial="000011")),
                 member(ma_ho="11287-0001", stt=2, ho_ten="Nguyễn Thị Lan", gioi_tinh="Nữ", quan_he="Vợ, chồng",
                        ngay_sinh="01/01/1982", so_dinh_danh=make_id(birth_year=1982, female=True, serial="000012")),
                 member(ma_ho="11287-0002", ho_ten="Lê Văn Bình", so_dinh_danh=make_id(serial="000013"))],
                name="11287_2024.xlsx")
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    out = tmp_path / "out" / "bao_cao"
    f01 = form_rows(out / "bieu_01.xlsx")
    assert f01["Xã Chi Lăng Nam"][2:5] == [4, 12, 1]
    assert f01["Xã Thanh Giang"][2:5] == [2, 3, 1]
    assert f01["Tổng cộng"][2:5] == [6, 15, 2]
    f11 = form_rows(out / "bieu_11.xlsx")
    assert f11["Xã Chi Lăng Nam"][2] is None and f11["Xã Thanh Giang"][2] == 0
    ws = openpyxl.load_workbook(out / "bieu_15.xlsx").worksheets[0]
    names = [(r[1], r[3]) for r in ws.iter_rows(values_only=True) if isinstance(r[2], int)]
    assert names == [("11284-0002", "Lê Thị Hoa"), ("11287-0001", "Nguyễn Văn An"), (None, "Nguyễn Thị Lan")]
    listed = read_csv(out / LIST_CSV)
    keyed = sorted(r["Số định danh cá nhân"] for r in listed if r["Số định danh cá nhân"])
    assert keyed == [make_id(serial="000011"), make_id(birth_year=1982, female=True, serial="000012")]
    assert sorted(r["Mã hộ"] for r in listed if not r["Số định danh cá nhân"]) == [
        "11284-0001", "11284-0002", "11284-0004"]
