"""Review 14: the findings workbook and the highlighted copies, as a commune officer uses them to fix a return.

A messy return — two title rows, a two-row merged header, a numbered key row, the table from column B, a blank
row and a hidden row among the households, a total row under the table, IDs stored as numbers, three errors in
one household row, errors on the members sheet — goes through `hgn validate --json --report-xlsx` and `hgn run`.
Each finding must point at the cell the officer has to change (the highlighted copy holds the bad value there),
say in Vietnamese what is wrong and how to fix it, be counted alike on the terminal, in the JSON and in the
workbook; the terminal and the JSON never show a whole ID; the input is never touched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import BLANK, HEAD_ID, col_of, household, make_id, make_return, member, ok, run_hgn

HH = "Hộ gia đình"
MM = "Thành viên"

# the messy return: 2 title rows, header on rows 3–4 (merged band), key row 5, data from row 6, table from column B
START = 2
DATA = 6
ID_B = make_id(serial="000555")  # 11284-0002's head
ID_C = make_id(serial="000777")  # written for a woman born in 1975: a man's ID of 1980
ALL_IDS = (HEAD_ID, ID_B, ID_C)


def hcol(key: str) -> str:
    return col_of("households", key, start_col=START)


def mcol(key: str) -> str:
    return col_of("members", key, start_col=START)


def digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def messy_return(folder: Path) -> Path:
    households = [
        household(ma_ho="11284-0001", so_thanh_vien=1),
        # three errors in one row: housing type, floor area, water source
        household(ma_ho="11284-0002", so_thanh_vien=1, loai_nha="Nhà tầng", dien_tich_nha="abc",
                  nguon_nuoc="Nước máyy"),
        BLANK,
        household(ma_ho="11284-0003", so_thanh_vien=1),  # hidden
        {"ma_ho": "Tổng cộng", "so_thanh_vien": 3},  # the total row under the table
    ]
    members = [
        member(),
        member(ma_ho="11284-0002", so_dinh_danh=ID_B, ho_ten="Lê Văn Bảy", dan_toc="Kinhh"),
        member(ma_ho="11284-0003", so_dinh_danh=ID_C, ho_ten="Lê Thị Cúc", gioi_tinh="Nữ", ngay_sinh="01/01/1975"),
    ]
    return make_return(folder, households, members, title_rows=["UBND XÃ CHI LĂNG NAM", "BIỂU RÀ SOÁT HỘ NGHÈO"],
                       group_band=True, key_row=True, start_col=START, numbers=["so_dinh_danh"],
                       hidden={"households": [3]})


# what the officer must fix: (sheet, cell, code)
EXPECTED_ERRORS = sorted([
    (HH, f"{hcol('loai_nha')}{DATA + 1}", "value-not-in-list"),
    (HH, f"{hcol('dien_tich_nha')}{DATA + 1}", "value-not-number"),
    (HH, f"{hcol('nguon_nuoc')}{DATA + 1}", "value-not-in-list"),
    (MM, f"{mcol('dan_toc')}{DATA + 1}", "value-not-in-list"),
    (MM, f"{mcol('so_dinh_danh')}{DATA + 2}", "id-sex-mismatch"),
    (MM, f"{mcol('so_dinh_danh')}{DATA + 2}", "id-birth-year-mismatch"),
])


def workbook_rows(path: Path) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    return [dict(zip(head, r, strict=True)) for r in rows[1:]]


def console_totals(stdout: str) -> tuple[int, int]:
    """(errors, warnings) of the "Tổng" row of `hgn validate`'s file table."""
    for line in stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│|]", line) if c.strip()]
        if cells and cells[0] == "Tổng":
            return int(cells[-2]), int(cells[-1])
    raise AssertionError(stdout)


def comments(path: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.comment.text for ws in wb for row in ws.iter_rows() for c in row
            if c.comment is not None}


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("messy")
    src = messy_return(root / "in")
    before = digest(src)
    js = run_hgn("validate", "in", "--json", "--report-xlsx", "out/phat_hien.xlsx", cwd=root)
    assert "Traceback" not in js.stderr and js.returncode == 1, js.stderr
    con = run_hgn("validate", "in", cwd=root)
    assert "Traceback" not in con.stderr and con.returncode == 1, con.stderr
    return {"root": root, "src": src, "before": before, "json": json.loads(js.stdout), "stdout": js.stdout,
            "stderr": js.stderr, "console": con.stdout + con.stderr,
            "book": root / "out" / "phat_hien.xlsx", "copy": root / "out" / "phat_hien_ban_sao" / "11284_2024_loi.xlsx"}


# ------------------------------------------------------------------------------------------ guards
def test_messy_return_findings_point_at_the_bad_cells(validated) -> None:
    # guard (passes)
    found = validated["json"]["findings"]
    errors = sorted((f["sheet"], f["cell"], f["code"]) for f in found if f["severity"] == "error")
    assert errors == EXPECTED_ERRORS, json.dumps(found, ensure_ascii=False, indent=1)
    where = {(f["sheet"], f["row"], f["code"]) for f in found}
    assert (HH, DATA + 3, "hidden-row-with-data") in where  # the hidden household, below the blank row
    assert (HH, DATA + 4, "footer-rows-skipped") in where  # the total row, not read as a household
    for r in (DATA, DATA + 1, DATA + 2):  # IDs stored as numbers: said at each ID cell
        assert (MM, r, "id-leading-zero-restored") in where
    assert validated["json"]["summary"]["per_file"][0]["rows"] == {HH: 3, MM: 3}
    for f in found:
        if f["cell"]:
            assert f["cell"] == f"{re.sub(r'[0-9]', '', f['cell'])}{f['row']}"


def test_highlighted_copy_marks_the_cell_holding_the_bad_value(validated) -> None:
    # guard (passes)
    src = openpyxl.load_workbook(validated["src"])
    cp = openpyxl.load_workbook(validated["copy"])
    for f in validated["json"]["findings"]:
        if not f["cell"] or f["severity"] == "info":
            continue
        cell = cp[f["sheet"]][f["cell"]]
        assert cell.value == src[f["sheet"]][f["cell"]].value  # the copy is the return, cell for cell
        assert cell.comment is not None and f"[{f['code']}]" in cell.comment.text, (f["cell"], f["code"])
        assert cell.fill.fill_type == "solid"
        if f["severity"] == "error":
            assert cell.fill.fgColor.rgb.endswith("FFC7CE"), f["cell"]
    row = DATA + 1
    assert cp[HH][f"{hcol('loai_nha')}{row}"].value == "Nhà tầng"
    assert cp[HH][f"{hcol('dien_tich_nha')}{row}"].value == "abc"
    assert cp[HH][f"{hcol('nguon_nuoc')}{row}"].value == "Nước máyy"
    assert cp[MM][f"{mcol('dan_toc')}{row}"].value == "Kinhh"
    # the cells between the three bad ones of the row are not marked
    assert cp[HH][f"{hcol('thu_nhap_bq')}{row}"].comment is None
    assert cp[HH][f"{hcol('ma_ho')}{row}"].comment is None


def test_messages_and_hints_are_vietnamese_and_say_what_to_do(validated) -> None:
    # guard (passes)
    by = {(f["cell"], f["code"]): f for f in validated["json"]["findings"]}
    house = by[(f"{hcol('loai_nha')}{DATA + 1}", "value-not-in-list")]
    assert house["message"] == '"Nhà tầng" không có trong danh mục của "Loại nhà ở".'
    assert house["hint"] == ("Ghi đúng một giá trị của danh mục: Kiên cố / Bán kiên cố / Thiếu kiên cố / Đơn sơ (mẫu của "
                             "hgn có danh sách thả xuống).")  # what may be written: an export has no drop-down
    water = by[(f"{hcol('nguon_nuoc')}{DATA + 1}", "value-not-in-list")]
    assert '(có phải "Nước máy"?)' in water["message"]
    sex = by[(f"{mcol('so_dinh_danh')}{DATA + 2}", "id-sex-mismatch")]
    assert "Nữ, sinh năm 1975" in sex["message"] and "thẻ căn cước" in sex["hint"]
    for f in validated["json"]["findings"]:
        assert f["message"] and re.search(r"[ăâđêôơưạảấầẩậắằặẻẽếềểễệịọỏốồổộớờởợụủứừửữựỳỷỹ]", f["message"].lower())


def test_counts_agree_between_console_json_and_workbook(validated) -> None:
    # guard (passes)
    summary = validated["json"]["summary"]
    rows = workbook_rows(validated["book"])
    sev = Counter(r["Mức độ"] for r in rows)
    assert (sev["Lỗi"], sev["Cảnh báo"], sev["Thông tin"]) == (summary["errors"], summary["warnings"], summary["info"])
    assert console_totals(validated["console"]) == (summary["errors"], summary["warnings"])
    assert summary["errors"] == len(EXPECTED_ERRORS)
    # the workbook lists every JSON finding at the same place
    book = sorted((r["Sheet"], r["Dòng"], r["Ô"], r["Mã lỗi"]) for r in rows)
    js = sorted((f["sheet"], f["row"], f["cell"], f["code"]) for f in validated["json"]["findings"])
    assert book == js


def test_terminal_and_json_never_show_a_whole_id_and_the_input_is_untouched(validated) -> None:
    # guard (passes)
    for text in (validated["stdout"], validated["stderr"], validated["console"]):
        for pid in ALL_IDS:
            assert pid not in text and pid.lstrip("0") not in text
    assert digest(validated["src"]) == validated["before"]


def test_run_findings_workbook_agrees_with_validate_and_the_console(validated, tmp_path: Path) -> None:
    # guard (passes)
    root = validated["root"]
    proc = ok(run_hgn("run", "in", "--out", tmp_path / "ra", "--mask-pii", cwd=root))
    assert digest(validated["src"]) == validated["before"]
    rows = workbook_rows(tmp_path / "ra" / "phat_hien.xlsx")
    errors = sorted((r["Sheet"], r["Ô"], r["Mã lỗi"]) for r in rows
                    if r["Mức độ"] == "Lỗi" and r["Tệp"] and r["Ô"] and r["Mã lỗi"] != "household-not-classified")
    assert errors == EXPECTED_ERRORS
    sev = Counter(r["Mức độ"] for r in rows)
    m = re.search(r"Lỗi / cảnh báo\s*│\s*(\d+) / (\d+)", proc.stdout)
    assert m, proc.stdout
    assert (int(m.group(1)), int(m.group(2))) == (sev["Lỗi"], sev["Cảnh báo"])
    for pid in ALL_IDS:
        assert pid not in proc.stdout + proc.stderr
    shared = [p for p in (tmp_path / "ra" / "bao_cao").rglob("*") if p.suffix in (".csv", ".html")]
    assert shared
    for p in shared:
        text = p.read_text("utf-8-sig")
        for pid in ALL_IDS:
            assert pid not in text, p.name


# ------------------------------------------------------------------------------------------ defects
def test_duplicate_id_across_two_returns_of_the_same_name_says_which_other_return(tmp_path: Path) -> None:
    """Communes often send their return under one name (bieu.xlsx), kept in a folder per commune. The same ID in
    both: each finding says "trùng với bieu.xlsx, dòng N" — the name of the officer's own file, so nothing tells
    them which return holds the other row (the copies folder itself tells these two apart: xa_a__bieu_loi.xlsx).
    Cause: validate.py batch_id_duplicates names the other file by ``Path(f).name`` only."""
    shared = make_id(serial="000555")
    make_return(tmp_path / "in" / "xa_chi_lang_nam", [household()],
                [member(), member(stt=2, quan_he="Con", ho_ten="Lê Văn Bảy", so_dinh_danh=shared)], name="bieu.xlsx")
    make_return(tmp_path / "in" / "xa_thanh_giang", [household(ma_ho="11287-0001", ma_xa="11287")],
                [member(ma_ho="11287-0001", so_dinh_danh=shared, ho_ten="Lê Văn Bảy")], name="bieu.xlsx")
    proc = run_hgn("validate", "in", "--json", cwd=tmp_path)
    found = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "id-duplicate-batch"]
    assert len(found) == 2, proc.stdout
    for f in found:
        other = "xa_thanh_giang" if "xa_chi_lang_nam" in f["file"] else "xa_chi_lang_nam"
        assert other in f["message"], f"{f['file']}: {f['message']}"


def test_console_tells_apart_two_returns_of_the_same_name(tmp_path: Path) -> None:
    """The terminal's file table and its "Vị trí" column show only the file name: two communes' bieu.xlsx are two
    rows "bieu.xlsx" and findings "bieu.xlsx › Hộ gia đình › J3" — the officer cannot tell which commune has the
    error. Cause: console.py render_validation uses ``Path(f.file).name``."""
    make_return(tmp_path / "in" / "xa_chi_lang_nam", [household(loai_nha="Nhà tầng")], name="bieu.xlsx")
    make_return(tmp_path / "in" / "xa_thanh_giang", [household(ma_ho="11287-0001", ma_xa="11287")],
                [member(ma_ho="11287-0001")], name="bieu.xlsx")
    proc = run_hgn("validate", "in", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    where = [line for line in proc.stdout.splitlines() if "value-not-in-list" in line]
    assert where, proc.stdout
    assert "xa_chi_lang_nam" in where[0], proc.stdout


@pytest.mark.parametrize(("key", "written", "wrong"), [
    ("trinh_do", "Đại học", "Tiểu học"),  # a graduate told to write primary school
    ("trinh_do", "Thạc sĩ", "THCS"),  # a master's degree told to write lower secondary
    ("quan_he", "Cháu nội", "Chủ hộ"),  # a grandchild told to write head of household (a second head)
])
def test_suggestion_does_not_turn_a_value_into_another_meaning(tmp_path: Path, key: str, written: str,
                                                               wrong: str) -> None:
    """The "(có phải …?)" of value-not-in-list is what the officer types in. For "Đại học" it proposes "Tiểu
    học", for "Thạc sĩ" "THCS", for "Cháu nội" "Chủ hộ": following it lowers an adult's schooling (the adult
    education deprivation) or makes a grandchild the household's second head. Cause: validate.py _suggest takes
    difflib's nearest spelling over the folded text, with no regard for the words ("hoc" in common)."""
    extra: dict[str, Any] = {key: written}
    if key == "quan_he":
        extra.update(ho_ten="Nguyễn Thị Cúc", gioi_tinh="Nữ", ngay_sinh="01/01/2010", trinh_do="THCS",
                     dang_di_hoc="Có", cap_hoc="THCS", so_dinh_danh=make_id(birth_year=2010, female=True,
                                                                            serial="000004"))
    else:
        extra.update(ho_ten="Trần Thị Bình", gioi_tinh="Nữ", ngay_sinh="01/01/1982",
                     so_dinh_danh=make_id(birth_year=1982, female=True, serial="000002"))
        extra.setdefault("quan_he", "Vợ")
    make_return(tmp_path / "in", [household(so_thanh_vien=2)], [member(), member(stt=2, **extra)])
    proc = run_hgn("validate", "in", "--json", cwd=tmp_path)
    found = [f for f in json.loads(proc.stdout)["findings"] if f["key"] == key]
    for f in found:
        assert f'"{wrong}"' not in f["message"], f["message"]


def test_copy_of_a_duplicated_id_tells_the_first_row_too_when_ids_are_numbers(tmp_path: Path) -> None:
    """An ID written twice: the copy is to mark "the other row of a pair … so that the commune sees both and
    decides which is right" (write.py). When IDs are stored as numbers — most returns — the first row's ID cell
    has its own finding (id-leading-zero-restored), and the pair's note is then dropped: the officer at row 3
    reads only "mất số 0 đầu", nothing about the same person at row 4. Cause: io/write.py _highlighted_copy
    skips a partner cell that already has findings (``if (named, row, col) in grouped: continue``)."""
    dup = make_id(serial="000222")
    make_return(tmp_path / "in", [household(so_thanh_vien=3)],
                [member(), member(stt=2, ho_ten="Lê Văn Bảy", quan_he="Con", so_dinh_danh=dup),
                 member(stt=3, ho_ten="Lê Văn Bảy", quan_he="Con", so_dinh_danh=dup)],
                numbers=["so_dinh_danh"])
    proc = run_hgn("validate", "in", "--json", "--report-xlsx", "out/ph.xlsx", cwd=tmp_path)
    found = json.loads(proc.stdout)["findings"]
    dup_f = [f for f in found if f["code"] == "id-duplicate"]
    assert [(f["cell"], f["message"]) for f in dup_f] == [("D4", "Số định danh trùng với dòng 3 trong cùng tệp.")]
    notes = comments(tmp_path / "out" / "ph_ban_sao" / "11284_2024_loi.xlsx")
    assert "[id-leading-zero-restored]" in notes[(MM, "D3")]
    assert "[id-duplicate]" in notes[(MM, "D3")], notes[(MM, "D3")]


def test_copy_shows_a_marked_cell_in_a_hidden_row(tmp_path: Path) -> None:
    """An error in a hidden member row: the copy marks the cell red, but leaves the row hidden, so the officer
    scrolling the copy for red cells never sees it (the note of hidden-row-with-data is in the hidden row too).
    Cause: io/write.py _highlighted_copy does not unhide the rows (or columns) of the cells it marks."""
    make_return(tmp_path / "in", [household(so_thanh_vien=2)],
                [member(), member(stt=2, ho_ten="Lê Thị Bình", gioi_tinh="Nữ", quan_he="Vợ", ngay_sinh="01/01/1982",
                                  so_dinh_danh=make_id(birth_year=1982, female=True, serial="000002"),
                                  dan_toc="Kinhh")],
                hidden={"members": [1]})
    proc = run_hgn("validate", "in", "--json", "--report-xlsx", "out/ph.xlsx", cwd=tmp_path)
    found = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "value-not-in-list"]
    assert [(f["sheet"], f["cell"]) for f in found] == [(MM, f"{col_of('members', 'dan_toc')}3")]
    wb = openpyxl.load_workbook(tmp_path / "out" / "ph_ban_sao" / "11284_2024_loi.xlsx")
    ws = wb[MM]
    assert ws[found[0]["cell"]].fill.fill_type == "solid"
    assert not ws.row_dimensions[3].hidden, "the marked cell's row is still hidden in the copy"
