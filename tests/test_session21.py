"""Session 21: fixes found by review 45 and its follow-ups, each with a test that failed first."""

from __future__ import annotations

from pathlib import Path

from conftest import household, make_return, member
from hgn_review.findings import CATALOGUE
from hgn_review.merge.codes import MERGE_CODES
from hgn_review.pipeline import classify_paths
from hgn_review.validate import validate_paths

WIFE = {"stt": 2, "ho_ten": "Trần Thị Bình", "gioi_tinh": "Nữ", "quan_he": "Vợ, chồng", "so_dinh_danh": None}
CHILD = {"stt": 3, "ho_ten": "Nguyễn Thị Mai", "gioi_tinh": "Nữ", "quan_he": "Con", "so_dinh_danh": None,
         "viec_lam": None, "dang_di_hoc": "Có", "cap_hoc": "THCS"}


def test_a_date_read_only_month_first_keeps_its_year(tmp_path: Path) -> None:
    """In a members sheet typed month first, "03/25/1980" can be read only month first: it is reported (never
    taken as a day) — but its year is sure, and was lost (the two-way "04/05/1982" kept its year): the head had
    no age at all. Now each date of the column keeps its year, and the ages its year allows are used."""
    path = make_return(tmp_path, [household(so_thanh_vien=3)],
                       [member(ngay_sinh="03/25/1980", so_dinh_danh=None), member(**WIFE, ngay_sinh="04/05/1982"),
                        member(**CHILD, ngay_sinh="06/14/2010")])
    result = validate_paths([path])
    people = result.members.set_index("stt")
    assert [int(people.loc[i, "nam_sinh"]) for i in (1, 2, 3)] == [1980, 1982, 2010]
    assert people["ngay_sinh"].isna().all()  # no day is taken
    codes = {(f.row, f.code) for f in result.report.findings if f.key == "ngay_sinh"}
    assert {(2, "value-not-date"), (3, "value-date-ambiguous"), (4, "value-not-date")} <= codes, codes


def test_a_date_read_only_month_first_in_a_day_first_column_keeps_its_year_too(tmp_path: Path) -> None:
    """A single slip ("09/13/2010" among day-first dates of days 1–12) is reported with a warning on the column;
    the child's year 2010 is sure and kept."""
    path = make_return(tmp_path, [household(so_thanh_vien=3)],
                       [member(ngay_sinh="01/02/1980"), member(**WIFE, ngay_sinh="03/04/1982"),
                        member(**CHILD, ngay_sinh="09/13/2010")])
    people = validate_paths([path]).members.set_index("stt")
    assert int(people.loc[3, "nam_sinh"]) == 2010 and people.loc[3, "ngay_sinh"] is not None
    assert str(people.loc[1, "ngay_sinh"].date()) == "1980-02-01"  # the column is still read day first


def test_a_bad_day_of_a_day_first_date_is_not_given_a_year(tmp_path: Path) -> None:
    """Guard: "31/02/2010" (no such day, a column typed day first) is value-not-date and no year is taken from it —
    only a date hgn itself says is typed month first keeps its year."""
    path = make_return(tmp_path, [household(so_thanh_vien=2)],
                       [member(ngay_sinh="25/03/1980"), member(**{**CHILD, "stt": 2}, ngay_sinh="31/02/2010")])
    result = validate_paths([path])
    people = result.members.set_index("stt")
    assert people["nam_sinh"].isna().loc[2] and people["ngay_sinh"].isna().loc[2]
    assert any(f.code == "value-not-date" and f.row == 3 for f in result.report.findings)


def test_every_merge_code_is_in_the_catalogue_hgn_codes_prints() -> None:
    """merge-persons-unknown was made from merge/codes.py's own list only: `hgn codes` did not list it."""
    assert [row[0] for row in MERGE_CODES if row[0] not in CATALOGUE] == []


def test_a_month_first_household_is_classified_on_the_years_it_allows(tmp_path: Path) -> None:
    """The household of a month-first members sheet is decided by the years of its members (not left without an
    age for the head) when every age the years allow gives one class."""
    path = make_return(tmp_path, [household(so_thanh_vien=2, thu_nhap_bq=1_000_000)],
                       [member(ngay_sinh="03/25/1980", so_dinh_danh=None), member(**WIFE, ngay_sinh="05/26/1982")])
    hh = classify_paths([path]).results.households.iloc[0]
    assert hh["phan_loai"] != "Chưa đủ thông tin", hh["ly_do"]


def _form_08_total(tmp_path: Path, households: list, members: list) -> tuple[list, list]:
    from conftest import form_rows, run_hgn

    make_return(tmp_path / "in", households, members)
    proc = run_hgn("run", tmp_path / "in", "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    import openpyxl

    form = tmp_path / "out" / "bao_cao" / "bieu_08.xlsx"
    cells = openpyxl.load_workbook(form).worksheets[0].iter_rows(values_only=True)
    notes = [v for row in cells for v in row if isinstance(v, str) and v.startswith("Lưu ý")]
    return form_rows(form)["Tổng cộng"], notes


def test_form_08_knows_a_merit_household_is_no_other_household_whatever_its_ethnic_group(tmp_path: Path) -> None:
    """A household of a person of merit whose head's ethnic group is blank is surely no "Hộ khác" (a household of
    none of the three groups): form 08 left the unit's and the total's "Hộ khác" blank for it. Now it is blank only
    for a household that may be "other" — in no group known and one answer that would say so not known."""
    hh = [household(thu_nhap_bq=1_000_000, nguoi_co_cong="Có"),
          household(ma_ho="11284-0002", thu_nhap_bq=1_000_000, ho_ten_chu_ho="Lê Văn Ba")]
    mm = [member(dan_toc=None), member(ma_ho="11284-0002", ho_ten="Lê Văn Ba", so_dinh_danh=None)]
    total, notes = _form_08_total(tmp_path, hh, mm)
    assert not [n for n in notes if 'có phải "hộ khác"' in n], notes
    # columns: STT, label, poor total, minority, no labour, merit, other, near total, minority, no labour, merit, other
    poor, near = total[2:7], total[7:12]
    cls = poor if poor[0] else near
    assert cls[0] == 2 and cls[3] == 1 and cls[4] == 1, total


def test_form_08_other_households_wait_for_an_unknown_ethnic_group(tmp_path: Path) -> None:
    """Guard: a household of no known group whose head's ethnic group is blank may be "other" or a minority one:
    its unit's "Hộ khác" is blank, and a note says why."""
    hh = [household(thu_nhap_bq=1_000_000), household(ma_ho="11284-0002", thu_nhap_bq=1_000_000)]
    mm = [member(dan_toc=None), member(ma_ho="11284-0002", ho_ten="Lê Văn Ba", so_dinh_danh=None)]
    total, notes = _form_08_total(tmp_path, hh, mm)
    poor, near = total[2:7], total[7:12]
    cls = poor if poor[0] else near
    assert cls[0] == 2 and cls[4] is None, total
    assert [n for n in notes if 'có phải "hộ khác"' in n and n.startswith("Lưu ý: 1 hộ")], notes


def test_a_member_copied_with_placeholder_ids_is_a_possible_duplicate(tmp_path: Path) -> None:
    """"Chưa có" or "000000000000" in both ID cells of a child's row pasted again and renumbered is no ID: the copy
    is said (member-possible-duplicate) and the household waits — not classified with the child counted twice."""
    for placeholder in ("Chưa có", "000000000000"):
        child = {**CHILD, "stt": 2, "ngay_sinh": "05/06/2010", "so_dinh_danh": placeholder}
        path = make_return(tmp_path / placeholder[:3], [household(so_thanh_vien=None)],
                           [member(), member(**child), member(**{**child, "stt": 3})])
        found = [f for f in validate_paths([path]).report.findings if f.code == "member-possible-duplicate"]
        assert [f.row for f in found] == [4], (placeholder, found)


def test_an_as_of_before_the_reform_over_a_july_2025_return_is_refused_by_classify_and_run(tmp_path: Path) -> None:
    """A return of 10606 (Xã Nam Sách, rural, from 1/7/2025) reviewed on 15/07/2025, with --as-of 30/06/2025: the
    old list's 10606 is Thị trấn Nam Sách (urban) and every household was tested on the urban line in silence.
    Now refused (exit 3) by classify and by run, saying why, as the opposite direction is."""
    from conftest import member as _member
    from conftest import run_hgn

    ret = make_return(tmp_path / "in", [household(ma_ho="10606-0001", ma_xa="10606", ngay_ra_soat="15/07/2025",
                                                  thu_nhap_bq=1_800_000)],
                      [_member(ma_ho="10606-0001")], name="10606_2025.xlsx")
    proc = run_hgn("classify", ret, "--out", tmp_path / "kq.xlsx", "--as-of", "30/06/2025", cwd=tmp_path)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "từ 1/7/2025" in proc.stderr + proc.stdout and "Bỏ --as-of" in proc.stderr + proc.stdout
    assert not (tmp_path / "kq.xlsx").exists()
    proc = run_hgn("run", tmp_path / "in", "--out", tmp_path / "out", "--as-of", "30/06/2025", cwd=tmp_path)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "từ 1/7/2025" in proc.stderr + proc.stdout, proc.stderr + proc.stdout
    assert not (tmp_path / "out" / "bao_cao").exists()


def test_a_windows_shortcut_and_a_members_csv_are_said_by_their_own_codes(tmp_path: Path) -> None:
    """A Windows shortcut in the returns folder is file-shortcut (not passed over); a members list saved as its own
    CSV is layout-members-only (not "unknown layout"); a households list with the head's details is neither."""
    import csv

    folder = tmp_path / "in"
    make_return(folder)
    (folder / "Xã Thống Nhất.xlsx.lnk").write_bytes(b"L\x00\x00\x00" + b"\x00" * 72)
    members = folder / "11284_tv.csv"
    with members.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Mã hộ", "STT", "Họ và tên", "Ngày sinh", "Giới tính", "Quan hệ với chủ hộ", "Dân tộc"])
        w.writerow(["11284-0001", 1, "Nguyễn Văn An", "12/03/1980", "Nam", "Chủ hộ", "Kinh"])
    found = {(f.file.split("/")[-1], f.code) for f in validate_paths([folder]).report.findings}
    assert ("Xã Thống Nhất.xlsx.lnk", "file-shortcut") in found, found
    assert ("11284_tv.csv", "layout-members-only") in found, found
    heads = folder / "11284_ho_khac.csv"
    with heads.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Mã hộ", "Họ và tên chủ hộ", "Ngày sinh", "Giới tính", "Dân tộc", "Số thành viên"])
        w.writerow(["11284-0009", "Lê Văn Ba", "01/01/1970", "Nam", "Kinh", 3])
    codes = {f.code for f in validate_paths([heads]).report.findings}
    assert "layout-members-only" not in codes, codes
