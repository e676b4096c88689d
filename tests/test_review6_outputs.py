"""Review 6 (merge and reports): defects found in `hgn merge`, `hgn report` and the outputs of `hgn run`.

Each test builds a small concrete input (commune returns written cell by cell with the fixtures of conftest.py,
or `hgn sample`), runs the public command or library call, and states what the output must say. Every test
here fails on the code as reviewed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl

from conftest import household, make_id, make_return, member, ok, read_csv

MISSING_CSV = "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv"
LIST_CSV = "danh_sach_csdl_dan_cu.csv"


def hgn(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def form_rows(path: Path) -> tuple[list[Any], list[list[Any]], list[Any]]:
    """(column-key row, data rows, total row) of a summary form bieu_01..13."""
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    k = next(i for i, r in enumerate(rows) if r[0] == "A" and r[1] == "B")
    data, total = [], None
    for r in rows[k + 1:]:
        if r[1] == "Tổng cộng":
            total = r
            break
        if isinstance(r[0], int):
            data.append(r)
    assert total is not None
    return rows[k], data, total


def sheet_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, data_only=True)
    return "\n".join(str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r if c is not None)


# ------------------------------------------------------------------------------------------ population list
def _near_poor_family(folder: Path, extra: list[dict[str, Any]]) -> Path:
    """One near-poor household (income under the rural line, head alone deprived of nothing) with its head and
    the given extra members."""
    folder.mkdir(parents=True, exist_ok=True)
    return make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1000000)],
                       [member(ma_ho="11284-0001", stt=1), *extra], name="11284_2024.xlsx")


def test_person_whose_id_fails_the_birth_year_check_is_listed_without_a_valid_id(tmp_path: Path) -> None:
    """A member of a near-poor household whose 12-digit ID does not match her birth year (digits 5-6 say 1975,
    she was born in 1982: `id-birth-year-mismatch`, dinh_danh_loi = "sai_nam_sinh") goes into the population list
    *with that ID* as her key for the national population database, and is missing from the
    "chưa có định danh" list. The population list (reports/population.py ``prepare``) treats only a blank ID
    as not usable; validate keeps the 12 digits of an ID that fails the sex / birth-year / province / duplicate
    checks and only sets ``dinh_danh_loi``. The column map even carries reasons for those codes, which can then
    never be printed. A wrong key sent to the population database links the person to somebody else's record."""
    bad = make_id(birth_year=1975, female=True, serial="000777")
    _near_poor_family(tmp_path / "in", [member(ma_ho="11284-0001", stt=2, ho_ten="Lê Thị Hoa", so_dinh_danh=bad,
                                               ngay_sinh="01/01/1982", gioi_tinh="Nữ", quan_he="Vợ, chồng")])
    ok(hgn("classify", "in/11284_2024.xlsx", "--out", "r.xlsx", cwd=tmp_path))
    ok(hgn("report", "r.xlsx", "--out-dir", "rep", cwd=tmp_path))
    listed = read_csv(tmp_path / "rep" / LIST_CSV)
    missing = read_csv(tmp_path / "rep" / MISSING_CSV)
    assert [r["Họ và tên"] for r in listed] == ["Nguyễn Văn An", "Lê Thị Hoa"]  # both persons listed
    assert [r["Họ và tên"] for r in missing] == ["Lê Thị Hoa"], "the person with an unusable ID is not on the missing list"
    assert "năm sinh" in missing[0]["Lý do chưa có số định danh hợp lệ"]
    assert bad not in {r["Số định danh cá nhân"] for r in listed}


def test_duplicate_id_is_not_printed_twice_as_the_population_key(tmp_path: Path) -> None:
    """The same (well-formed) ID on a member of a near-poor household in each of two communes' returns: the round
    reports `id-duplicate-batch` and marks the second "trung", yet the population list printed the same 12-digit
    key on two rows and the "chưa có định danh" list was empty. A list keyed by personal ID for the national
    population database must not carry one key twice; both persons belong on the missing list with "Trùng
    số định danh với người khác" until one return is corrected (reports/population.py ``prepare`` only looked at
    a blank ID; session 7: the first file's person kept the ID, a guess from file order). (The review's
    first version put both rows in one household; a person listed twice in a household now blocks that household,
    tests/test_review6c.py.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1000000)],
                [member(ma_ho="11284-0001", stt=1)], name="11284_2024.xlsx")
    make_return(folder, [household(ma_ho="11287-0001", ma_xa="11287", ho_ten_chu_ho="Nguyễn Văn Bình",
                                   thu_nhap_bq=1000000)],
                [member(ma_ho="11287-0001", stt=1, ho_ten="Nguyễn Văn Bình")],  # the same ID as the other head
                name="11287_2024.xlsx")
    ok(hgn("run", "in", "--out", "out", cwd=tmp_path))
    rep = tmp_path / "out" / "bao_cao"
    listed = read_csv(rep / LIST_CSV)
    missing = read_csv(rep / MISSING_CSV)
    keys = [r["Số định danh cá nhân"] for r in listed if r["Số định danh cá nhân"]]
    assert keys == [], f"the same ID is printed as a key: {keys}"
    # which of the two holds it only a correction can say (the first file read is no evidence): neither is keyed
    assert sorted(r["Họ và tên"] for r in missing) == ["Nguyễn Văn An", "Nguyễn Văn Bình"]
    assert all("Trùng" in r["Lý do chưa có số định danh hợp lệ"] for r in missing)


# ------------------------------------------------------------------------------------------ crosswalk → report
def test_report_of_a_merge_into_2025_units_uses_the_2025_unit_list(tmp_path: Path) -> None:
    """Two communes of the old list (11284 Xã Chi Lăng Nam and 11287 Xã Thanh Giang, Huyện Thanh Miện, Hải Dương,
    review of 2024) merged with `hgn merge --to-2025-units` become Xã Nam Thanh Miện (11284) of Thành phố Hải
    Phòng (31); the merge records ``units_as_of`` = 2025-07-01. `hgn report` on that result then reads the codes
    in the *old* list (it takes the review date, reports/view.py ``_as_of``): the forms of Thành phố Hải Phòng
    get a row "Huyện Thanh Miện" (a district of another province, abolished), say the old districts of Hải Phòng
    (Quận Hồng Bàng …) have no data, and the population list names the commune "Xã Chi Lăng Nam". The forms
    should list the 2025 commune (Xã Nam Thanh Miện) under the 2025 row label."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1000000)], [member(ma_ho="11284-0001")],
                name="11284.xlsx")
    make_return(folder, [household(ma_ho="11287-0001", ma_xa="11287", thu_nhap_bq=1000000)],
                [member(ma_ho="11287-0001", so_dinh_danh=make_id(serial="000555"))], name="11287.xlsx")
    ok(hgn("classify", "in/11284.xlsx", "--out", "a.xlsx", cwd=tmp_path))
    ok(hgn("classify", "in/11287.xlsx", "--out", "b.xlsx", cwd=tmp_path))
    ok(hgn("merge", "a.xlsx", "b.xlsx", "--to-2025-units", "--out", "m.xlsx", cwd=tmp_path))
    ok(hgn("report", "m.xlsx", "--out-dir", "rep", cwd=tmp_path))
    _key, data, total = form_rows(tmp_path / "rep" / "bieu_01.xlsx")
    assert total[2] == 2
    with_figures = [r[1] for r in data if any(isinstance(v, int | float) for v in r[2:])]
    assert with_figures == ["Xã Nam Thanh Miện"], f"rows of the 2025 province: {with_figures}"
    assert "Xã Nam Thanh Miện" in [r[1] for r in data]  # among the province's communes (each has its row)
    assert "Quận Hồng Bàng" not in sheet_text(tmp_path / "rep" / "bieu_01.xlsx")
    assert {r["Tên xã"] for r in read_csv(tmp_path / "rep" / LIST_CSV)} == {"Xã Nam Thanh Miện"}


# ------------------------------------------------------------------------------------------ movements
def test_poor_household_of_the_start_list_missing_from_the_review_is_not_silently_dropped(tmp_path: Path) -> None:
    """The start-of-period list (`--previous`) of commune 11284 holds two poor households, 11284-0001 and
    11284-0003; this year's return of the same commune has 11284-0001 and 11284-0002 but no 11284-0003 (not
    reviewed, moved away unrecorded, or its code mistyped). `hgn run --previous` counts only 1 poor household at
    the start in form 02 and says nothing about 11284-0003: no finding in phat_hien.xlsx, no note in the forms or
    report.html. The start-of-period figure of the commune is understated and a managed poor household vanishes
    from the movement tables (scoring/movements.py ``assign_movements`` only reports households of the review
    missing from the list, never the reverse). It should be counted at the start (and as a decrease), or at the
    very least reported."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1000000),
                         household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", thu_nhap_bq=5000000)],
                [member(ma_ho="11284-0001"),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000222"))],
                name="11284.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã xã", "Mã hộ", "Phân loại"])
    for code, cls in (("11284-0001", "Nghèo"), ("11284-0002", "Không"), ("11284-0003", "Nghèo")):
        ws.append(["11284", code, cls])
    wb.save(tmp_path / "prev.xlsx")
    ok(hgn("run", "in", "--out", "out", "--previous", "prev.xlsx", cwd=tmp_path))
    _key, _data, total = form_rows(tmp_path / "out" / "bao_cao" / "bieu_02.xlsx")
    start_poor = total[2]
    said = ("11284-0003" in sheet_text(tmp_path / "out" / "phat_hien.xlsx")
            or "11284-0003" in (tmp_path / "out" / "bao_cao" / "report.html").read_text("utf-8"))
    assert start_poor == 2 or said, f"poor at start {start_poor}; 11284-0003 is mentioned nowhere"


# ------------------------------------------------------------------------------------------ report.html
def test_html_coverage_table_does_not_silently_drop_communes_with_data(tmp_path: Path) -> None:
    """A province round with two communes: 10507 (Thành phố Hải Dương, first district) and 11284 (Huyện Thanh
    Miện, last district). The coverage table "Phạm vi" of the province has one row per commune of the province
    (207); report.html prints only its first 200 rows (reports/view.py ``_coverage``: ``df.head(200)``) and does
    not say so, so the row of Xã Chi Lăng Nam — a commune *with* data — is missing from the page that is meant to
    show which communes are covered. (The same cut applies to the reconciliation table "Đối chiếu", the proof
    that no household was lost: a province has far more than 200 of its rows.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1000000)], [member(ma_ho="11284-0001")],
                name="11284.xlsx")
    make_return(folder, [household(ma_ho="10507-0001", ma_xa="10507", thon="Tổ 1", thu_nhap_bq=1000000)],
                [member(ma_ho="10507-0001", so_dinh_danh=make_id(serial="000555"))], name="10507.xlsx")
    ok(hgn("run", "in", "--out", "out", cwd=tmp_path))
    page = (tmp_path / "out" / "bao_cao" / "report.html").read_text("utf-8")
    start = page.index("<h3>Phạm vi</h3>")
    end = page.index("<h3>", start + 1)
    coverage = page[start:end]
    assert "10507.xlsx" in coverage
    assert "11284.xlsx" in coverage, "a covered commune is left out of the coverage table"


# ------------------------------------------------------------------------------------------ forms 14/15
def test_form_14_total_persons_agree_with_form_01_for_an_export_without_members(tmp_path: Path) -> None:
    """A return in the application's flat export (layout 2) has no member rows: one near-poor household declaring
    3 members. Form 01 counts its 3 persons (the declared size), but the detailed list, form 14, closes with
    "Tổng cộng: 1 hộ, 1 nhân khẩu" (reports/excel.py counts the printed rows: only the head is printed). Two forms
    of the same report give two different numbers of near-poor persons for the same households."""
    from conftest import app_row, make_app_return

    folder = tmp_path / "in"
    folder.mkdir()
    make_app_return(folder, [app_row(so_thanh_vien=3)])
    ok(hgn("run", "in", "--out", "out", cwd=tmp_path))
    _key, _data, total = form_rows(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")
    assert total[8] == 1 and total[10] == 3  # near-poor: 1 household, 3 persons
    text = sheet_text(tmp_path / "out" / "bao_cao" / "bieu_14.xlsx")
    line = next(t for t in text.splitlines() if t.startswith("Tổng cộng:"))
    assert line == "Tổng cộng: 1 hộ, 3 nhân khẩu", line


# ------------------------------------------------------------------------------------------ hgn run: lost rows
def test_run_does_not_lose_the_households_of_a_return_without_any_commune_code(tmp_path: Path) -> None:
    """Two returns: x.xlsx (commune 11284, one near-poor household) and y.xlsx whose only household left "Mã xã"
    blank (`value-required`). y.xlsx is read and its household classified (near-poor, in the cache bundle), but
    the merge of the round keeps only rows whose unit is known (merge/__init__.py ``_frames``: ``keep_h =
    unit.isin(kept)``; y's unit is NA and its set of units is empty, so the reconciliation does not see it
    either): `hgn run` reports 1 household, the forms and the population list lack a near-poor household, and
    nothing says one was left out. A household row of an input must end up classified, undecided or listed as
    blocked — never silently dropped."""
    import json

    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1000000)], [member(ma_ho="11284-0001")],
                name="x.xlsx")
    make_return(folder, [household(ma_ho="C-0001", ma_xa=None, ho_ten_chu_ho="Lê Văn C", thu_nhap_bq=1000000)],
                [member(ma_ho="C-0001", ho_ten="Lê Văn C", so_dinh_danh=make_id(serial="000333"))], name="y.xlsx")
    proc = ok(hgn("run", "in", "--out", "out", "--json", cwd=tmp_path))
    summary = json.loads(proc.stdout)
    readme = (tmp_path / "out" / "README.txt").read_text("utf-8")
    assert summary["households"] == 2 or "y.xlsx" in readme, (
        f"{summary['households']} household(s) in the round; y.xlsx's household is mentioned nowhere")


def test_run_with_a_commune_in_two_returns_does_not_point_to_an_option_run_lacks(tmp_path: Path) -> None:
    """Two returns of the same commune 11284 (a corrected copy beside the first) in one round folder: `hgn run`
    stops the whole round (exit 3, nothing written) with "… có trong nhiều tệp" and the hint "chọn bằng --prefer
    newest … hay --prefer <tệp>" — the hint of `hgn merge`, passed through unchanged by pipeline.run_round. `hgn run`
    has no --prefer option (`hgn run --prefer newest` is a usage error), so the officer is told to do something
    the command refuses. The round should either settle it (e.g. newest) or give advice that works for `hgn run`
    (remove one of the files)."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1000000)], [member(ma_ho="11284-0001")],
                name="11284_a.xlsx")
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1200000)], [member(ma_ho="11284-0001")],
                name="11284_b.xlsx")
    proc = hgn("run", "in", "--out", "out", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        return  # the round settled it
    assert "--prefer" not in proc.stdout + proc.stderr


def test_run_accepts_last_rounds_results_folder_as_previous(tmp_path: Path) -> None:
    """Last year's round left its results in `ket_qua/` (a Parquet bundle: the README calls it the results of every
    household; `hgn classify --previous ket_qua` and `hgn report ket_qua` read it). Giving that folder to
    `hgn run --previous` ends in "Lỗi nội bộ của hgn (IsADirectoryError …)", exit 4: pipeline.run_round hashes
    the --previous path with ``sha256_file`` (for the cache key) after load_status_list has read the folder
    fine. The start-of-period list most offices have is exactly that folder."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1000000)], [member(ma_ho="11284-0001")],
                name="11284.xlsx")
    ok(hgn("run", "in", "--out", "last", cwd=tmp_path))
    proc = hgn("run", "in", "--out", "out", "--previous", "last/ket_qua", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _key, _data, total = form_rows(tmp_path / "out" / "bao_cao" / "bieu_03.xlsx")
    assert total[2] == 1  # near-poor at the start: last round's near-poor household


# ------------------------------------------------------------------------------------------ IDs on stdout
def test_validate_json_does_not_print_valid_personal_ids(tmp_path: Path) -> None:
    """Two members of a return share a well-formed ID (`id-duplicate`). The terminal summary of `hgn validate` keeps
    the number out (tests/test_cli_validate.py), but `hgn validate --json` writes it in full on stdout, in the
    finding's "value" — and does the same for every `id-duplicate-batch` and `id-birth-year-mismatch`.
    The README promises that personal identification numbers never appear in logs;
    stdout of a command piped into a CI log or a ticket is exactly that. (`hgn merge --json` and `hgn run --json`
    print none.) The row and column already locate the cell; the value could be masked (last four digits)."""
    make_return(tmp_path, [household()], [member(), member(stt=2, ho_ten="Nguyễn Văn Bình", quan_he="Anh, chị, em")],
                name="r.xlsx")
    proc = hgn("validate", "r.xlsx", "--json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert "id-duplicate" in proc.stdout
    from conftest import HEAD_ID

    assert HEAD_ID not in proc.stdout + proc.stderr
