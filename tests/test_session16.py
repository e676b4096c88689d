"""Session 16: number cells formatted to pad with zeros are read as Excel shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from conftest import HEAD_ID, HH_SHEET, MM_SHEET, col_of, household, make_return, member
from hgn_review.pipeline import classify_paths
from hgn_review.validate import validate_paths


def _padded(path: Path, sheet: str, letter: str, fmt: str) -> None:
    """Every data cell of a column rewritten as the number its text holds, in a zero-padding format."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for row in range(2, ws.max_row + 1):
        cell = ws[f"{letter}{row}"]
        if isinstance(cell.value, str) and cell.value.isdigit():
            cell.value = int(cell.value)
            cell.number_format = fmt
    wb.save(path)


def test_a_household_code_formatted_0000_is_read_as_shown(tmp_path: Path) -> None:
    """An officer types the household code 0001 in a column formatted "0000": Excel stores 1 and shows 0001; the
    members' sheet holds "0001" as text. The two are one household, and the code is "0001" (as last year's list
    has it), never "1" with a member whose household is not found."""
    path = make_return(tmp_path, [household(ma_ho="0001")], [member(ma_ho="0001")])
    _padded(path, HH_SHEET, col_of("households", "ma_ho"), "0000")
    assert isinstance(openpyxl.load_workbook(path)[HH_SHEET][f"{col_of('households', 'ma_ho')}2"].value, int)
    res = validate_paths([path])
    assert not [f for f in res.findings if f.severity == "error"], [(f.code, f.cell) for f in res.findings]
    assert res.households["ma_ho"].tolist() == ["0001"]
    run = classify_paths([path])
    assert run.results.households["ma_ho"].tolist() == ["0001"]
    assert run.results.members["ma_ho"].tolist() == ["0001"]


def test_a_personal_id_formatted_with_twelve_zeros_keeps_its_leading_zero_without_a_finding(tmp_path: Path) -> None:
    """A personal ID kept in a number cell formatted "000000000000" shows its 12 digits: it is read whole, and no
    "leading zero restored" is said of it (the officer sees nothing to fix)."""
    path = make_return(tmp_path)
    _padded(path, MM_SHEET, col_of("members", "so_dinh_danh"), "000000000000")
    res = validate_paths([path])
    assert res.members["so_dinh_danh"].tolist() == [HEAD_ID]
    assert not [f for f in res.findings if f.code.startswith("id-")], [f.code for f in res.findings]


def test_a_number_without_padding_format_is_still_said_to_have_lost_its_zero(tmp_path: Path) -> None:
    """# guard (passes): an ID in a plain number cell lost its leading zero — restored and said, as before."""
    path = make_return(tmp_path)
    _padded(path, MM_SHEET, col_of("members", "so_dinh_danh"), "General")
    res = validate_paths([path])
    assert [f.code for f in res.findings if f.code.startswith("id-")] == ["id-leading-zero-restored"]


def test_an_updated_hgn_classifies_every_return_again(tmp_path: Path, monkeypatch: Any) -> None:
    """Cached results are those of the hgn that made them: after an update (a fix, maybe under the same version
    number), a run classifies every return again instead of keeping last run's answers for unchanged files."""
    from hgn_review import pipeline

    folder = tmp_path / "in"
    make_return(folder)
    out = tmp_path / "out"
    assert pipeline.run_round(folder, out, jobs=1).processed == 1
    assert pipeline.run_round(folder, out, jobs=1).processed == 0  # same hgn: from the cache
    monkeypatch.setattr(pipeline, "code_digest", lambda: "0123456789abcdef")
    assert pipeline.run_round(folder, out, jobs=1).processed == 1


def test_the_code_digest_is_of_the_installed_files() -> None:
    """# guard (passes): a digest of the package's files, the same each time it is worked out."""
    from hgn_review import pipeline

    first = pipeline.code_digest()
    pipeline.code_digest.cache_clear()
    assert pipeline.code_digest() == first and len(first) == 16 and int(first, 16) >= 0


def test_a_household_last_round_left_undecided_keeps_the_start_its_return_records(tmp_path: Path) -> None:
    """Last round could not classify the household ("Chưa đủ thông tin"); this return records it poor at the start:
    that start is used (a continuing poor household, not "start unknown"), and said."""
    import csv

    from hgn_review.pipeline import classify_paths as classify_with

    listed = tmp_path / "dau_ky.csv"
    with listed.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["Mã xã", "Mã hộ", "Phân loại"], ["11284", "11284-0001", "Chưa đủ thông tin"]])
    path = make_return(tmp_path, [household(phan_loai_dau_ky="Nghèo", thu_nhap_bq=900000)])
    run = classify_with([path], previous=listed)
    hh = run.results.households
    assert hh["dau_ky"].tolist() == ["Nghèo"], hh[["dau_ky", "bien_dong"]]
    said = [f for f in run.results.findings.itertuples() if f.code == "previous-start-unknown"]
    assert len(said) == 1 and said[0].row == 2


def test_a_june_household_in_a_july_return_keeps_the_area_of_its_own_date(tmp_path: Path) -> None:
    """10606 was Thị trấn Nam Sách (urban, line 2,000,000) until 30/06/2025 and is Xã Nam Sách (rural, 1,500,000)
    from 1/7/2025. In a return of mostly July households, the one reviewed in June is tested against the urban line
    of its date (1,800,000 ≤ 2,000,000: near-poor), the July ones against the rural line (not poor)."""
    from conftest import make_id

    days = {"JUL1": "15/07/2025", "JUL2": "20/07/2025", "JUN": "30/06/2025"}
    hh = [household(ma_ho=code, ma_xa="10606", ngay_ra_soat=day, thu_nhap_bq=1_800_000, ho_nlndn="Không",
                    phan_loai_dau_ky="Không") for code, day in days.items()]
    mm = [member(ma_ho=code, so_dinh_danh=make_id(serial=f"00010{i}")) for i, code in enumerate(days)]
    path = make_return(tmp_path, hh, mm, name="10606_2025.xlsx")
    out = classify_paths([path]).results.households.set_index("ma_ho")
    assert out.loc["JUN", "khu_vuc"] == "Thành thị" and out.loc["JUL1", "khu_vuc"] == "Nông thôn"
    assert out.loc["JUN", "phan_loai"] == "Cận nghèo", out.loc["JUN", "ly_do"]
    assert out.loc["JUL1", "phan_loai"] == out.loc["JUL2", "phan_loai"] == "Không nghèo", out.loc["JUL1", "ly_do"]


def test_a_birth_after_the_review_date_is_not_also_a_head_of_minus_one_year(tmp_path: Path) -> None:
    """A head born the day after the review date: the birth date is out of range (said), and no "head aged -1
    (under 15)" is said of it as well."""
    path = make_return(tmp_path, members=[member(ngay_sinh="16/09/2024")])
    codes = [f.code for f in validate_paths([path]).findings if f.key == "ngay_sinh"]
    assert codes == ["value-out-of-range"], codes


def test_a_members_number_headed_so_tt_is_read(tmp_path: Path) -> None:
    """"Số TT" is how many communes head the member's running number: it is the STT column, not a missing one."""
    path = make_return(tmp_path, headers={"members": {"stt": "Số TT"}})
    res = validate_paths([path])
    assert not [f.code for f in res.findings if f.code.startswith("column-")], [f.code for f in res.findings]
    assert res.members["stt"].tolist() == [1]


def test_a_column_missing_from_an_application_export_is_not_sent_to_hgn_template(tmp_path: Path) -> None:
    """The application's export is not made from hgn's template: a missing column is to be exported again."""
    from conftest import app_row, make_app_return

    path = make_app_return(tmp_path, [app_row()], drop=["diem_b1"])
    missing = [f for f in validate_paths([path]).findings if f.code == "column-missing"]
    assert missing and all("hgn template" not in f.hint() and "xuất lại" in f.hint() for f in missing), \
        [f.hint() for f in missing]
    assert all("export" in f.hint("en") for f in missing)
    layout1 = make_return(tmp_path / "l1", drop={"members": ["ho_ten"]})
    said = [f.hint() for f in validate_paths([layout1]).findings if f.code == "column-missing"]
    assert said == ["Thêm cột theo mẫu `hgn template`."], said


def test_a_province_wide_mapping_file_in_a_district_merge_is_said_once(tmp_path: Path) -> None:
    """A mapping file made for the whole province, used to merge one old commune: its lines for old communes none
    of the results holds are one info note, not a warning per line; a line of a commune merged that matches no
    village it records is still a warning."""
    from hgn_review.merge import merge_results
    from test_merge import SPLIT, classified, write_commune

    hh, mm = classified(SPLIT, 2, village="Thôn Đông")
    split = write_commune(tmp_path, SPLIT, frames=(hh, mm))
    csv = tmp_path / "quy_doi_tinh.csv"
    csv.write_text(f"ma_xa_cu,thon,ma_xa_moi\n{SPLIT},Thôn Đông,10705\n{SPLIT},Thôn Bắc,10705\n"
                   "10510,Thôn 1,10507\n10510,Thôn 2,10507\n10513,Thôn 3,10507\n", encoding="utf-8")
    m = merge_results([split], to_2025_units=True, mapping=csv)
    said = [(f.code, f.severity, f.value) for f in m.findings if f.code.startswith("crosswalk-mapping")]
    assert sorted(said) == [("crosswalk-mapping-elsewhere", "info", "3"), ("crosswalk-mapping-unused", "warning", "3")]
    note = next(f for f in m.findings if f.code == "crosswalk-mapping-elsewhere")
    assert note.param("detail") == "2" and "10510, 10513" in note.message()


def test_a_missing_employment_column_is_said_once_not_at_every_member(tmp_path: Path) -> None:
    """Without the employment column, the household whose class it decides waits; the column is said missing at
    the header, and no member is asked to fill a cell that does not exist."""
    from conftest import make_id

    two = {"thu_nhap_bq": 1_000_000, "nha_tieu": "Không có", "su_dung_internet": "Không"}
    wife = member(stt=2, ho_ten="Lê Thị Hoa", quan_he="Vợ, chồng", gioi_tinh="Nữ", ngay_sinh="01/01/1982",
                  so_dinh_danh=make_id(birth_year=1982, female=True, serial="000002"))
    path = make_return(tmp_path, [household(**two)], [member(), wife], drop={"members": ["viec_lam"]})
    run = classify_paths([path])
    assert run.results.households["phan_loai"].tolist() == ["Chưa đủ thông tin"]
    said = [(f.code, f.row) for f in run.report.findings if f.key == "viec_lam"]
    assert said == [("column-missing-soft", 1)], said
    proc_found = validate_paths([path]).findings
    assert [(f.code, f.row) for f in proc_found if f.key == "viec_lam"] == [("column-missing-soft", 1)]


def test_an_export_without_its_agriculture_column_does_not_say_no_household_farms(tmp_path: Path) -> None:
    """A blank "family.agriculture" cell of an export means no; an export without the column says nothing: its
    households' NLNDN answer is unknown (never "no"), and the missing column is a warning."""
    from conftest import app_row, make_app_return

    path = make_app_return(tmp_path, [app_row(), app_row(ma_ho="11284-0002", diem_b1=200, phan_loai_ghi=None)],
                           drop=["ho_nlndn"])
    res = validate_paths([path])
    assert res.households["ho_nlndn"].isna().all()
    assert [(f.code, f.severity) for f in res.findings if f.code.startswith("column-")] == [
        ("column-missing-soft", "warning")]
    (tmp_path / "blank").mkdir()
    blank = make_app_return(tmp_path / "blank", [app_row(ho_nlndn=None)])
    assert validate_paths([blank]).households["ho_nlndn"].tolist() == [False]  # guard: a blank cell is no


def test_an_export_value_off_the_list_is_to_be_corrected_in_the_application(tmp_path: Path) -> None:
    """An export has no drop-down list: its value off the list is corrected in the application and exported
    again; a commune return's hint still points at the template's drop-down."""
    from conftest import app_row, make_app_return

    path = make_app_return(tmp_path, [app_row(gioi_tinh_chu_ho="Không rõ")])
    hints = [f.hint() for f in validate_paths([path]).findings if f.code == "value-not-in-list"]
    assert hints and all("phần mềm rà soát" in h and "hgn" not in h for h in hints), hints
    l1 = make_return(tmp_path / "l1", [household(loai_nha="Nhà lá")])
    hints = [f.hint() for f in validate_paths([l1]).findings if f.code == "value-not-in-list"]
    assert hints and all("danh sách thả xuống" in h for h in hints), hints


def test_a_household_without_a_review_date_is_said_to_wait_for_it(tmp_path: Path) -> None:
    """Ages are counted on the review date: a household whose date is blank and whose class turns on its members'
    ages is undecided, and its reason says the date is what is missing (not only "4 indicators unknown")."""
    from conftest import make_id

    hh = [household(ma_ho="A"), household(ma_ho="B", ngay_ra_soat=None, thu_nhap_bq=900000)]
    mm = [member(ma_ho="A"), member(ma_ho="B", so_dinh_danh=make_id(serial="000009"))]
    out = classify_paths([make_return(tmp_path, hh, mm)]).results.households.set_index("ma_ho")
    assert out.loc["B", "phan_loai"] == "Chưa đủ thông tin"
    assert "chưa có ngày rà soát" in out.loc["B", "ly_do"], out.loc["B", "ly_do"]
    assert "ngày rà soát" not in out.loc["A", "ly_do"]
