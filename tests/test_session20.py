"""Session 20: a person written twice in one household under another number is never counted twice in silence."""

from __future__ import annotations

from pathlib import Path

from conftest import household, make_id, make_return, member
from hgn_review.pipeline import classify_paths
from hgn_review.validate import validate_paths

CHILD = {"stt": 2, "ho_ten": "Nguyễn Thị Mai", "ngay_sinh": "05/06/2010", "gioi_tinh": "Nữ", "quan_he": "Con",
         "so_dinh_danh": None, "viec_lam": None, "dang_di_hoc": "Có", "cap_hoc": "THCS"}


def _codes(result, code: str) -> list:
    return [f for f in result.report.findings if f.code == code]


def test_a_member_copied_under_a_new_number_without_an_id_holds_the_household(tmp_path: Path) -> None:
    """The child's row pasted again and renumbered 3 (no ID on either copy; the declared size left blank, so no
    size check can see it): the household was classified with three members, its income per head and its
    dependants' share taken from a person counted twice. Now `member-possible-duplicate` at the copy's name cell,
    naming the first row, and the household waits."""
    path = make_return(tmp_path, [household(so_thanh_vien=None)],
                       [member(), member(**CHILD), member(**{**CHILD, "stt": 3, "ho_ten": "Nguyễn  thị Mai"})])
    result = validate_paths([path])
    found = _codes(result, "member-possible-duplicate")
    assert [(f.row, f.sheet) for f in found] == [(4, "Thành viên")], found
    assert dict(found[0].params)["other"] == "3"
    assert "member-possible-duplicate" in str(result.households["loi_chan"].iloc[0])
    hh = classify_paths([path]).results.households.iloc[0]
    assert hh["phan_loai"] == "Chưa đủ thông tin", hh["phan_loai"]
    assert "có thể một người được ghi hai lần" in hh["ly_do"], hh["ly_do"]


def test_two_members_of_one_name_and_birth_with_two_ids_are_two_persons(tmp_path: Path) -> None:
    """Guard: the same name and birth date on two rows that hold two different IDs are two persons — no finding.
    Nor is a name shared by two members born on other days (a father and son both "Nguyễn Văn An")."""
    twin_a = {**CHILD, "so_dinh_danh": make_id(birth_year=2010, female=True, serial="000101")}
    twin_b = {**CHILD, "stt": 3, "so_dinh_danh": make_id(birth_year=2010, female=True, serial="000102")}
    son = {"stt": 4, "ho_ten": "Nguyễn Văn An", "ngay_sinh": "01/01/2005", "quan_he": "Con",
           "so_dinh_danh": make_id(birth_year=2005, serial="000103")}
    path = make_return(tmp_path, [household(so_thanh_vien=4)], [member(), member(**twin_a), member(**twin_b),
                                                                 member(**son)])
    result = validate_paths([path])
    assert not _codes(result, "member-possible-duplicate")
    assert result.households["loi_chan"].isna().all(), result.households["loi_chan"].tolist()


def test_a_member_copied_with_the_id_on_one_copy_only_is_said_too(tmp_path: Path) -> None:
    """One copy with the ID, the other without: still one person (said once, at the later row)."""
    with_id = {**CHILD, "so_dinh_danh": make_id(birth_year=2010, female=True, serial="000201")}
    path = make_return(tmp_path, [household(so_thanh_vien=None)],
                       [member(), member(**with_id), member(**{**CHILD, "stt": 3})])
    found = _codes(validate_paths([path]), "member-possible-duplicate")
    assert [f.row for f in found] == [4], found


def test_english_messages_say_one_household_and_one_row_in_the_singular() -> None:
    """"1 households", "(rows 40: …)" in English messages: a count of one is now singular, others unchanged."""
    from hgn_review.findings import finding

    one = finding("footer-rows-skipped", file="a.xlsx", sheet="Hộ gia đình", value="1", detail="40")
    assert one.message("en").startswith("Skipped 1 row under the table (row 40: "), one.message("en")
    many = finding("footer-rows-skipped", file="a.xlsx", sheet="Hộ gia đình", value="2", detail="40-41")
    assert many.message("en").startswith("Skipped 2 rows under the table (rows 40-41: "), many.message("en")
    assert one.message("vi") == finding("footer-rows-skipped", file="a.xlsx", sheet="Hộ gia đình", value="1",
                                        detail="40").message("vi")
    assert "Bỏ qua 1 dòng" in one.message("vi")


def test_a_value_at_the_sheet_corner_is_still_refused_and_a_border_alone_is_not(tmp_path: Path) -> None:
    """The cells limit counts up to the farthest cell holding a value: a border alone at XFD1048576 no longer
    refuses a small return (tests/test_review41_messy.py), while a value typed there still does — a reader would
    lay out 17 billion cells."""
    import openpyxl
    from openpyxl.styles import Border, Side

    from hgn_review.io.safety import Limits, check_file

    path = make_return(tmp_path, engine="openpyxl")
    wb = openpyxl.load_workbook(path)
    wb["Hộ gia đình"]["XFD1048576"].border = Border(left=Side(style="thin"))
    wb.save(path)
    assert check_file(path, Limits()) is None
    wb["Hộ gia đình"]["XFD1048576"] = "x"
    wb.save(path)
    reason = check_file(path, Limits())
    assert reason is not None and "17.179.869.184 ô" in reason[0], reason
    wb["Hộ gia đình"]["XFD1048576"] = None
    wb["Hộ gia đình"]["C70000"] = 5  # within the limit: columns to the list's last × 70,000 rows
    wb.save(path)
    assert check_file(path, Limits()) is None


def test_an_income_with_a_fraction_of_a_dong_says_so_in_the_reason(tmp_path: Path) -> None:
    """1500000.0000001 (a float's noise under "#,##0", shown 1.500.000): reported value-not-integer at its cell and
    the household waits — its reason said "thu nhập bình quân ghi nhưng không đọc được", which the officer looking
    at 1.500.000 cannot make sense of. Now it says the income has a fraction; the B1 score still never stands in."""
    path = make_return(tmp_path, [household(thu_nhap_bq=1500000.0000001, diem_b1=120)], [member()],
                       engine="openpyxl")
    hh = classify_paths([path]).results.households.iloc[0]
    assert hh["loi_chan"] == "income-not-whole", hh["loi_chan"]
    assert hh["phan_loai"] == "Chưa đủ thông tin"
    assert "không phải số nguyên đồng" in hh["ly_do"] and "không đọc được" not in hh["ly_do"], hh["ly_do"]
    unreadable = make_return(tmp_path / "b", [household(thu_nhap_bq="2.000.000đ", diem_b1=120)], [member()])
    assert classify_paths([unreadable]).results.households.iloc[0]["loi_chan"] == "income-unreadable"


def test_twins_without_ids_are_two_persons(tmp_path: Path) -> None:
    """Guard: twins born on one day, no ID on either, two names — no finding; nor a child born the year a sibling
    of the same name is recorded by year alone (a day and a year are never the same birth)."""
    twin = {**CHILD, "stt": 3, "ho_ten": "Nguyễn Thị Lan"}
    by_year = {**CHILD, "stt": 4, "ngay_sinh": "2010"}
    path = make_return(tmp_path, [household(so_thanh_vien=4)], [member(), member(**CHILD), member(**twin),
                                                                 member(**by_year)])
    assert not _codes(validate_paths([path]), "member-possible-duplicate")


def test_a_person_copied_in_a_household_that_moved_away_holds_nothing(tmp_path: Path) -> None:
    """Guard: a household recorded as moved away is not surveyed (its members not counted): a member row copied in
    it is not asked about, and the household is counted as a decrease, not left waiting."""
    gone = household(tinh_trang_ho="Chuyển đi", so_thanh_vien=None)
    path = make_return(tmp_path, [gone], [member(), member(**CHILD), member(**{**CHILD, "stt": 3})])
    result = validate_paths([path])
    assert not _codes(result, "member-possible-duplicate")
    assert result.households["loi_chan"].isna().all(), result.households["loi_chan"].tolist()


def test_a_second_members_sheet_counts_its_persons_not_its_signature_rows(tmp_path: Path) -> None:
    """A village's own members sheet beside the one read: `sheet-table-not-read` says how many persons it holds —
    two here — not every written row under its header (its "Người lập biểu", date line and signer's name were
    counted too: "5 dòng")."""
    from conftest import sheet_grid

    grid = sheet_grid("members", [member(ma_ho="11284-0101", ho_ten="Lê Văn A",
                                         so_dinh_danh=make_id(serial="000101")),
                                  member(ma_ho="11284-0101", stt=2, ho_ten="Lê Thị B", quan_he="Vợ",
                                         so_dinh_danh=make_id(female=True, serial="000102"))])
    width = len(grid[0])
    grid += [[None] * width, [None] * (width - 2) + ["Ngày 15 tháng 10 năm 2024", None],
             [None] * (width - 2) + ["Người lập biểu", None], [None] * (width - 2) + ["Trần Văn Cường", None]]
    path = make_return(tmp_path, raw_sheets={"Thành viên Thôn Tây": grid})
    found = _codes(validate_paths([path]), "sheet-table-not-read")
    assert [(f.sheet, dict(f.params)["detail"]) for f in found] == [("Thành viên Thôn Tây", "2")], found


def test_the_undecided_hint_names_the_standard_file_when_a_threshold_is_open() -> None:
    """A household undecided because the standard leaves a threshold open ("chuẩn … chưa có ngưỡng …") was told
    only "Bổ sung thông tin còn thiếu": the answers are all there. The hint now names the standard file too."""
    from hgn_review.findings import finding

    f = finding("household-undecided", file="a.xlsx", sheet="Hộ gia đình", row=2,
                detail="chuẩn tinh-x chưa có ngưỡng điểm B1 cho khu vực này")
    assert "tệp chuẩn" in f.hint("vi") and "--standard" in f.hint("vi")
    assert "standard file" in f.hint("en")


def test_a_b1_total_written_with_a_dot_is_said_never_read_as_thousands(tmp_path: Path) -> None:
    """"140.000" in the B1 column was read as 140 000 points with no finding, and a household with no measured
    income came out "Không nghèo" on it (140 000 > the 140-point cut-off). Now it reads two ways (140 or 140 000:
    value-number-ambiguous at its cell) and the household waits, its reason the unreadable score; a B1 total no
    phiếu B gives (140 000 as a number) is `b1-implausible`. With a measured income the household is classified on
    the income (B1 not needed), the cell still reported; 1 000 points exactly is accepted, 140,5 is 140.5."""
    def run(b1: object, income: object) -> tuple[list, object, object, str]:
        folder = tmp_path / f"r{abs(hash((str(b1), str(income))))}"
        path = make_return(folder, [household(diem_b1=b1, thu_nhap_bq=income)], [member()])
        res = validate_paths([path])
        hh = classify_paths([path]).results.households.iloc[0]
        return [f.code for f in res.report.findings], hh["loi_chan"], hh["phan_loai"], str(hh["ly_do"])

    codes, blocked, cls, why = run("140.000", None)
    assert codes == ["value-number-ambiguous"] and blocked == "b1-unreadable", (codes, blocked)
    assert cls == "Chưa đủ thông tin" and "điểm B1 ghi nhưng không đọc được" in why, why
    codes, blocked, cls, why = run(140000, None)
    assert codes == ["b1-implausible"] and blocked == "b1-implausible" and cls == "Chưa đủ thông tin", (codes, cls)
    codes, blocked, cls, _why = run(140000, 900_000)
    assert codes == ["b1-implausible"], codes
    assert blocked is None or str(blocked) in ("<NA>", "nan"), blocked
    assert cls != "Chưa đủ thông tin"
    assert run(1000, None)[0] == [] and run("140,5", None)[0] == []


def test_start_class_written_with_ho_is_read(tmp_path: Path) -> None:
    """"Hộ nghèo", "Hộ cận nghèo", "Không nghèo" in "Phân loại đầu kỳ" (as the managed lists name the classes) were
    "not in the list" with no suggestion, and the household went to form 02's "start unknown"; now read."""
    for written, meant in (("Hộ nghèo", "Nghèo"), ("hộ cận nghèo", "Cận nghèo"), ("Không nghèo", "Không")):
        path = make_return(tmp_path / meant, [household(phan_loai_dau_ky=written)], [member()])
        result = validate_paths([path])
        assert result.households["phan_loai_dau_ky"].tolist() == [meant], written
        assert not result.report.findings, [f.code for f in result.report.findings]
