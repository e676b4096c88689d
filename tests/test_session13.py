"""Session 13: behaviour added while fixing what review found (each test fails on the code before its change)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import openpyxl
import pandas as pd
from typer.testing import CliRunner

from conftest import to_cp1258
from hgn_review.cli import app
from hgn_review.pipeline import load_status_list, run_round


def test_a_start_list_with_a_two_row_header_keeps_the_heads_id(tmp_path: Path) -> None:
    """"Chủ hộ" merged over "Họ và tên | Số định danh": the ID column is the head's ID (it matches a household
    whose code changed); the second header row is no household."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH HỘ NGHÈO, CẬN NGHÈO ĐẦU KỲ"])
    ws.append(["Mã xã", "Mã hộ", "Phân loại", "Chủ hộ", None])
    ws.append([None, None, None, "Họ và tên", "Số định danh"])
    ws.append(["11284", "0001", "Hộ nghèo", "Nguyễn Văn An", "030080001234"])
    ws.append(["11284", "0002", "Hộ cận nghèo", "Lê Thị Bình", "030180004321"])
    ws.merge_cells("D2:E2")
    for col in "ABC":
        ws.merge_cells(f"{col}2:{col}3")
    path = tmp_path / "dau_ky.xlsx"
    wb.save(path)
    got = load_status_list(path)
    assert got[["ma_xa", "ma_ho", "phan_loai", "so_dinh_danh_chu_ho"]].values.tolist() == [
        ["11284", "0001", "Hộ nghèo", "030080001234"], ["11284", "0002", "Hộ cận nghèo", "030180004321"]]


def test_a_first_household_under_a_one_row_header_is_not_taken_for_a_second_header_row(tmp_path: Path) -> None:
    """A header without an ID column and a first row of text: the row is a household, not a header row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã xã", "Mã hộ", "Phân loại", "Chủ hộ"])
    ws.append(["11284", "0001", "Hộ nghèo", "Số định danh chưa có"])
    path = tmp_path / "dau_ky.xlsx"
    wb.save(path)
    got = load_status_list(path)
    assert got["ma_ho"].tolist() == ["0001"]
    assert "so_dinh_danh_chu_ho" not in got.columns


def test_a_windows_1258_start_list_is_read(tmp_path: Path) -> None:
    """A list saved as CSV by Excel on a Vietnamese Windows (code page 1258, tones as combining marks)."""
    for sep in (",", ";"):
        text = sep.join(["Mã xã", "Mã hộ", "Phân loại", "Số định danh chủ hộ"]) + "\r\n" + \
            sep.join(["11284", "0001", "Hộ nghèo", "030080001234"]) + "\r\n"
        path = tmp_path / f"dau_ky{len(sep)}{ord(sep)}.csv"
        path.write_bytes(to_cp1258(text))
        got = load_status_list(path)
        assert got[["ma_xa", "ma_ho", "so_dinh_danh_chu_ho"]].values.tolist() == [["11284", "0001", "030080001234"]]
        assert unicodedata.normalize("NFC", str(got.at[0, "phan_loai"])) == "Hộ nghèo"


def _round_with_an_error(tmp_path: Path, make_return, household) -> Path:  # noqa: ANN001 - fixtures
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(), household(ma_ho="0002", dien_tich_nha="abc")], name="11284_2024.xlsx")
    return folder


def test_run_writes_marked_copies_when_asked_and_removes_them_when_not(tmp_path: Path, make_return,  # noqa: ANN001
                                                                       household) -> None:  # noqa: ANN001
    """--marked-copies: a copy of each return with findings, cells marked, beside phat_hien.xlsx, said in
    README.txt; a later run without it leaves no stale copy beside its new findings."""
    folder = _round_with_an_error(tmp_path, make_return, household)
    out = tmp_path / "out"
    o = run_round(folder, out, jobs=1, marked_copies=True)
    copies = sorted((out / "phat_hien_ban_sao").glob("*.xlsx"))
    assert [p.name for p in copies] == ["11284_2024_loi.xlsx"]
    assert o.outputs["ban_sao"] == copies
    readme = (out / "README.txt").read_text("utf-8")
    assert "phat_hien_ban_sao/" in readme
    wb = openpyxl.load_workbook(copies[0])
    marked = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment is not None]
    findings = pd.read_excel(out / "phat_hien.xlsx")
    assert marked and len(findings) >= 1
    run_round(folder, out, jobs=1)
    assert not (out / "phat_hien_ban_sao").exists()
    assert "phat_hien_ban_sao/" not in (out / "README.txt").read_text("utf-8")


def test_cli_run_marked_copies_option(tmp_path: Path, make_return, household) -> None:  # noqa: ANN001 - fixtures
    folder = _round_with_an_error(tmp_path, make_return, household)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(folder), "--out", str(out), "--jobs", "1", "--marked-copies"])
    assert res.exit_code == 0, res.output
    assert (out / "phat_hien_ban_sao" / "11284_2024_loi.xlsx").is_file()
    assert "phat_hien_ban_sao" in res.output


def test_a_hidden_copy_of_a_sheet_is_said_to_be_hidden(tmp_path: Path, make_return) -> None:  # noqa: ANN001
    """The officer cannot see a hidden sheet in Excel: the warning about an unread copy says it is hidden."""
    from hgn_review.validate import validate_paths

    path = make_return(tmp_path)
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb["Hộ gia đình"])
    copy.title = "Hộ gia đình (2)"
    copy.sheet_state = "hidden"
    wb.save(path)
    res = validate_paths([path], jobs=1)
    said = [f for f in res.report.findings if f.code == "sheet-copy-ignored"]
    assert [(f.sheet, f.message()) for f in said] == [
        ("Hộ gia đình (2)", 'Sheet này (đang ẩn) trùng tên với sheet "Hộ gia đình" (bản sao?) nên không được đọc; '
                            'chỉ đọc sheet "Hộ gia đình".')]
    assert said[0].message("en").startswith("This sheet (hidden) has the name")


def test_template_says_when_the_year_and_the_unit_list_date_are_of_two_eras(tmp_path: Path) -> None:
    """A 2024 return on the list of units of 2026 (or the reverse) is a mistyped option: said, still written."""
    res = CliRunner().invoke(app, ["template", "--commune", "11284", "--year", "2024", "--as-of", "01/01/2026",
                                   "--out", str(tmp_path / "a.xlsx")])
    assert res.exit_code == 0, res.output
    assert "kiểm tra lại --year và --as-of" in res.output
    assert (tmp_path / "a.xlsx").is_file()
    res = CliRunner().invoke(app, ["template", "--commune", "11284", "--year", "2024", "--as-of", "01/10/2024",
                                   "--out", str(tmp_path / "b.xlsx")])
    assert res.exit_code == 0 and "--as-of" not in res.output


def test_the_movements_take_the_review_day_validation_takes() -> None:
    """Two review dates either side of the reform: validation, the merge and the start list's placing of a split
    commune's rows all take the lower middle one (the list of units before 1/7/2025 here)."""
    from hgn_review.scoring.movements import _review_day
    from hgn_review.validate import median_day

    hh = pd.DataFrame({"ngay_ra_soat": pd.to_datetime(["2025-07-02", "2025-06-30"])})
    assert _review_day(hh) == median_day(hh["ngay_ra_soat"]) == pd.Timestamp("2025-06-30").date()
    hh = pd.DataFrame({"ngay_ra_soat": pd.to_datetime(["2025-07-02", "2025-06-30", "2025-07-05"])})
    assert _review_day(hh) == median_day(hh["ngay_ra_soat"]) == pd.Timestamp("2025-07-02").date()


def _with_formula(path: Path, keep_full_calc: bool) -> str:
    """The first household's floor area as the formula =40+5, saved by openpyxl (no result stored, every formula
    to be computed on open); without ``keep_full_calc`` the file is made as Excel leaves it after a save (the
    result 45 stored, no request to compute again). Returns the cell."""
    import re
    import zipfile

    from conftest import col_of

    cell = f"{col_of('households', 'dien_tich_nha')}2"
    wb = openpyxl.load_workbook(path)
    wb["Hộ gia đình"][cell] = "=40+5"
    wb.save(path)
    if not keep_full_calc:
        with zipfile.ZipFile(path) as zf:
            parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
        parts["xl/workbook.xml"] = re.sub(rb'\s*fullCalcOnLoad="1"', b"", parts["xl/workbook.xml"])
        for name, data in parts.items():
            if name.startswith("xl/worksheets/"):
                parts[name] = data.replace(b"<f>40+5</f><v />", b"<f>40+5</f><v>45</v>")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
    return cell


def test_a_formula_whose_result_the_file_does_not_hold_is_said_not_blank(tmp_path: Path, make_return) -> None:  # noqa: ANN001
    """A return written by a program (a formula, no stored result): the cell is not "blank" (Excel shows 45) but
    unknown to hgn — one error at the cell saying so, the household not classified on a guessed area."""
    from hgn_review.validate import validate_paths

    path = make_return(tmp_path)
    cell = _with_formula(path, keep_full_calc=True)
    res = validate_paths([path], jobs=1)
    at = [(f.code, f.cell) for f in res.report.findings if f.cell == cell]
    assert at == [("formula-not-computed", cell)]
    assert pd.isna(res.households["dien_tich_nha"].iloc[0])


def test_a_formula_excel_computed_and_saved_is_read_as_its_result(tmp_path: Path, make_return) -> None:  # noqa: ANN001
    from hgn_review.validate import validate_paths

    path = make_return(tmp_path)
    cell = _with_formula(path, keep_full_calc=False)
    res = validate_paths([path], jobs=1)
    assert [f.code for f in res.report.findings if f.cell == cell] == []
    assert res.households["dien_tich_nha"].iloc[0] == 45


def test_english_counts_say_one_in_the_singular(tmp_path: Path, make_return) -> None:  # noqa: ANN001 - fixture
    from hgn_review.text import counted

    assert [counted(1, "household"), counted(0, "error"), counted(1234, "person"), counted(1, "hộ", "vi")] == [
        "1 household", "0 errors", "1,234 persons", "1 hộ"]
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder)
    run_round(folder, tmp_path / "out", jobs=1, lang="en")
    readme = (tmp_path / "out" / "README.txt").read_text("utf-8")
    assert "; 1 return (1 read now" in readme


def test_highlighted_copies_made_in_two_processes_are_those_made_in_one(tmp_path: Path, make_return,  # noqa: ANN001
                                                                        household) -> None:  # noqa: ANN001
    """--jobs 2 makes the copies in two processes: the same copies, byte for byte in their cells and marks."""
    from hgn_review.io.write import write_findings_xlsx
    from hgn_review.validate import validate_paths

    folder = tmp_path / "in"
    folder.mkdir()
    for code in ("0001", "0002", "0003"):
        make_return(folder, [household(ma_ho=f"11284-{code}", dien_tich_nha="abc")], name=f"11284_{code}.xlsx")
    res = validate_paths([folder], jobs=1)
    copies = {r.path: Path(r.path) for r in res.returns}
    one = write_findings_xlsx(res.report, tmp_path / "a" / "phat_hien.xlsx", copies=copies, jobs=1)
    two = write_findings_xlsx(res.report, tmp_path / "b" / "phat_hien.xlsx", copies=copies, jobs=2)
    assert [p.name for p in one] == [p.name for p in two] and len(one) == 4

    def marks(path: Path) -> list[tuple[str, str, object, str]]:
        wb = openpyxl.load_workbook(path)
        return [(ws.title, c.coordinate, c.value, c.comment.text) for ws in wb.worksheets for row in ws.iter_rows()
                for c in row if c.comment is not None]

    assert [marks(p) for p in one[1:]] == [marks(p) for p in two[1:]]
    assert all(marks(p) for p in two[1:])


def test_copy_names_never_meet_even_where_case_does_not_count() -> None:
    """Two returns whose copies would share a name on Windows or macOS (case not told apart), or anywhere
    (11284.xlsx and 11284.XLSX of one folder): each copy has its own name."""
    from hgn_review.io.write import _copy_names

    files = ["in/11284.xlsx", "in/11284.XLSX", "in/11284.xls", "a/Bieu.xlsx", "b/bieu.xlsx", "c/x.xlsx"]
    names = _copy_names(files)
    assert len({n.casefold() for n in names.values()}) == len(files)
    assert names["c/x.xlsx"] == "x" and names["in/11284.xls"] == "11284_xls"
