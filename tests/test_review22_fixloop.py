"""Review 22: the commune's fix loop.

A district officer runs `hgn validate --report-xlsx` (or `hgn run --marked-copies`) on a messy commune return,
sends back the findings workbook and the marked copy, the commune fixes exactly the cells named, and the officer
validates again. The messy return is an `hgn sample` return edited with openpyxl: two title rows above the header,
a two-row merged header, columns reordered, an extra unknown column, a hidden column, a blank row inside the
table, a member row whose household is missing, IDs stored as numbers.

Tests marked "# guard (passes)" hold behaviour that works; the others start with "DEFECT." and fail on the code
as reviewed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from conftest import run_hgn

HH = "Hộ gia đình"
MM = "Thành viên"
_VI_LETTERS = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)
_HGN_MARK = re.compile(r"\[([a-z0-9-]+)\]")


# ------------------------------------------------------------------------------------------ building returns
@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One clean `hgn sample` return (province 30, 8 households), the same bytes every run."""
    from hgn_review.sample import generate_sample

    root = tmp_path_factory.mktemp("sample22")
    generate_sample(root, communes=1, households=8, seed=3, error_rate=0.0)
    (root / "manifest.json").unlink()
    (path,) = sorted(root.glob("*.xlsx"))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _grid(ws: Any) -> tuple[list[str], list[list[Any]]]:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [str(h) for h in rows[0]], rows[1:]


def _rewrite(wb: Any, title: str, header: list[str], rows: list[list[Any]], *, order: list[str], titles: list[str],
             group: tuple[str, list[str]] | None, extra: str | None, hidden: list[str], blank_after: int,
             numeric_ids: bool) -> tuple[dict[str, str], dict[int, int]]:
    """Rewrite a sheet as a commune would have laid it out; (header → column letter, data index → Excel row)."""
    at = wb.sheetnames.index(title)
    wb.remove(wb[title])
    ws = wb.create_sheet(title, at)
    for i, text in enumerate(titles, start=1):
        ws.cell(i, 1, text)
    top, sub = len(titles) + 1, len(titles) + 2
    cols = [*order, *([extra] if extra else [])]
    in_group = set(group[1]) if group else set()
    index: dict[str, int] = {}
    for j, name in enumerate(cols, start=1):
        if name in in_group:
            ws.cell(sub, j, name)
        else:  # one header over the two header rows
            ws.cell(top, j, name)
            ws.merge_cells(start_row=top, start_column=j, end_row=sub, end_column=j)
        index[name] = j
    if group:
        js = [index[c] for c in group[1]]
        ws.cell(top, min(js), group[0])
        ws.merge_cells(start_row=top, start_column=min(js), end_row=top, end_column=max(js))
    r, where = sub + 1, {}
    for k, row in enumerate(rows):
        values = dict(zip(header, row, strict=False))
        for name in order:
            v = values.get(name)
            if numeric_ids and name == "Số định danh cá nhân" and isinstance(v, str) and v.isdigit():
                v = int(v)  # what Excel does to a number typed into a General cell
            ws.cell(r, index[name], v)
        if extra:
            ws.cell(r, index[extra], f"ghi chú {k + 1}")
        where[k] = r
        r += 2 if k == blank_after else 1  # a blank row inside the table
    for name in hidden:
        ws.column_dimensions[get_column_letter(index[name])].hidden = True
    return {n: get_column_letter(j) for n, j in index.items()}, where


@dataclass
class Messy:
    path: Path
    hcol: dict[str, str]
    hrow: dict[int, int]
    mcol: dict[str, str]
    mrow: dict[int, int]
    code: str = ""  # the commune code
    # (sheet, cell) → (code expected there, value planted, value that fixes it)
    planted: dict[tuple[str, str], tuple[str, Any, Any]] = field(default_factory=dict)


ORPHAN_ID = "030210009999"  # born 2010 in province 030, male, 21st century


def messy_return(pristine: Path, dest: Path, *, plant: bool = True) -> Messy:
    """The sample return laid out as a commune sends it, with a few planted problems (and their fixes)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.load_workbook(pristine)
    hh_head, hh_rows = _grid(wb[HH])
    mm_head, mm_rows = _grid(wb[MM])
    code = str(hh_rows[0][hh_head.index("Mã xã")])
    last = str(hh_rows[-1][0])  # the last household's code
    size_col = hh_head.index("Số thành viên")
    n_last = sum(1 for r in mm_rows if r[0] == last)
    hh_rows[-1][size_col] = n_last + 1  # the household counts the member whose code was mistyped
    orphan = dict.fromkeys(mm_head)
    orphan.update({"Mã hộ": f"{code}-0099", "STT": n_last + 1, "Họ và tên": "Trần Văn Lạc",
                   "Số định danh cá nhân": ORPHAN_ID, "Ngày sinh": dt.datetime(2010, 5, 5), "Giới tính": "Nam",
                   "Quan hệ với chủ hộ": "Con", "Dân tộc": "Kinh", "Có thẻ BHYT": "Có", "Suy dinh dưỡng": "Không",
                   "Trình độ giáo dục cao nhất": "Tiểu học", "Đang đi học, đào tạo": "Có", "Cấp học đang học": "THCS",
                   "Mức độ khuyết tật": "Không"})
    mm_rows.append([orphan[h] for h in mm_head])
    hcol, hrow = _rewrite(wb, HH, hh_head, hh_rows, order=list(reversed(hh_head)),
                          titles=["DANH SÁCH HỘ GIA ĐÌNH RÀ SOÁT NĂM 2024", "UBND xã"],
                          group=("Nhà ở", ["Loại nhà ở", "Diện tích nhà ở (m²)"]), extra="Ghi chú của thôn",
                          hidden=["Loại nhà ở"], blank_after=2, numeric_ids=False)
    mcol, mrow = _rewrite(wb, MM, mm_head, mm_rows, order=mm_head[3:] + mm_head[:3],
                          titles=["DANH SÁCH THÀNH VIÊN", "UBND xã"], group=None, extra=None, hidden=[],
                          blank_after=4, numeric_ids=True)
    m = Messy(dest, hcol, hrow, mcol, mrow, code=code)
    ws_h, ws_m = wb[HH], wb[MM]
    # every ID that lost its leading zero: a warning at its cell, fixed by writing the 12 digits as text
    for r in mrow.values():
        cell = f"{mcol['Số định danh cá nhân']}{r}"
        v = ws_m[cell].value
        if isinstance(v, int) and len(str(v)) < 12:
            m.planted[(MM, cell)] = ("id-leading-zero-restored", v, str(v).zfill(12))
    # the member whose household code was mistyped, and the household that counts them
    orphan_cell = f"{mcol['Mã hộ']}{mrow[len(mm_rows) - 1]}"
    m.planted[(MM, orphan_cell)] = ("member-orphan", f"{code}-0099", last)
    size_cell = f"{hcol['Số thành viên']}{hrow[len(hh_rows) - 1]}"
    m.planted[(HH, size_cell)] = ("household-size-mismatch", n_last + 1, None)  # fixed by the orphan's fix
    if plant:
        for sheet, ws, cols, rows, header, k, value, code_ in (
                (HH, ws_h, hcol, hrow, "Loại nhà ở", 1, "Nhà tạm bợ", "value-not-in-list"),  # in the hidden column
                (HH, ws_h, hcol, hrow, "Diện tích nhà ở (m²)", 3, -5, "value-out-of-range"),  # under the blank row
                (HH, ws_h, hcol, hrow, "Có thành viên sử dụng Internet", 4, "Co roi", "value-not-yes-no"),
                (MM, ws_m, mcol, mrow, "Giới tính", 6, "Trai", "value-not-in-list"),  # under the blank row
                (MM, ws_m, mcol, mrow, "Quan hệ với chủ hộ", 2, "Em họ", "value-not-in-list")):
            cell = f"{cols[header]}{rows[k]}"
            m.planted[(sheet, cell)] = (code_, value, ws[cell].value)
            ws[cell].value = value
    wb.save(dest)
    return m


def fix_cells(src: Path, dest: Path, fixes: dict[tuple[str, str], Any]) -> None:
    """What the commune does: change exactly the named cells, nothing else."""
    wb = openpyxl.load_workbook(src)
    for (sheet, cell), value in fixes.items():
        if value is None:
            continue
        wb[sheet][cell].value = value
        if isinstance(value, str) and value.isdigit():
            wb[sheet][cell].number_format = "@"
    wb.save(dest)


def validate(*args: object, cwd: Path) -> tuple[int, dict[str, Any]]:
    proc = run_hgn("validate", *args, "--json", cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def cell_findings(data: dict[str, Any], *severities: str) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for f in data["findings"]:
        if f["cell"] and f["severity"] in severities:
            out.setdefault((f["sheet"], f["cell"]), set()).add(f["code"])
    return out


def hgn_marks(path: Path) -> dict[tuple[str, str], set[str]]:
    """(sheet, cell) → finding codes said in hgn's comment there."""
    wb = openpyxl.load_workbook(path)
    out: dict[tuple[str, str], set[str]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.comment is not None and _HGN_MARK.search(c.comment.text or ""):
                    out[(ws.title, c.coordinate)] = set(_HGN_MARK.findall(c.comment.text))
    return out


def values(path: Path) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None}


def column_hidden(ws: Any, letter: str) -> bool:
    idx = column_index_from_string(letter)
    return any(d.hidden and d.min is not None and d.min <= idx <= (d.max or d.min)
               for d in ws.column_dimensions.values())


# ------------------------------------------------------------------------------------------ guards
def test_messy_return_findings_name_the_cells_that_hold_the_problems(pristine: Path, tmp_path: Path) -> None:
    """Every error and warning of the messy return sits at the cell planted (and only there), the cell holds the
    value the finding quotes, the message is Vietnamese with a hint, exit 1 and the return untouched."""
    # guard (passes)
    m = messy_return(pristine, tmp_path / "in" / "return.xlsx")
    before = sha(m.path)
    rc, data = validate(m.path, cwd=tmp_path)
    assert rc == 1
    assert sha(m.path) == before
    got = cell_findings(data, "error", "warning")
    want = {k: {v[0]} for k, v in m.planted.items()}
    assert got == want
    wb = openpyxl.load_workbook(m.path)
    for f in data["findings"]:
        if f["severity"] == "info":
            continue
        planted = m.planted[(f["sheet"], f["cell"])][1]
        assert wb[f["sheet"]][f["cell"]].value == planted, f
        header = f["column"]
        top = wb[f["sheet"]][f"{re.sub(r'[0-9]', '', f['cell'])}3"].value
        sub = wb[f["sheet"]][f"{re.sub(r'[0-9]', '', f['cell'])}4"].value
        assert header in (top, sub), (f, top, sub)  # the column letter is that header's
        assert _VI_LETTERS.search(f["message"]) and _VI_LETTERS.search(f["hint"]), f
    extra = [f for f in data["findings"] if f["code"] == "column-unknown"]
    assert [f["column"] for f in extra] == ["Ghi chú của thôn"]


def test_marked_copy_marks_the_named_cells_shows_the_hidden_one_and_changes_no_value(pristine: Path,
                                                                                     tmp_path: Path) -> None:
    """`--report-xlsx` writes a findings workbook listing sheet, row and cell, and a copy whose hgn comments are on
    exactly the cells of the findings; the hidden column holding an error is shown; every value is the return's."""
    # guard (passes)
    m = messy_return(pristine, tmp_path / "in" / "return.xlsx")
    before = sha(m.path)
    rc, data = validate(m.path, "--report-xlsx", tmp_path / "out" / "phat_hien.xlsx", cwd=tmp_path)
    assert rc == 1 and sha(m.path) == before
    (copy,) = (tmp_path / "out" / "phat_hien_ban_sao").glob("*.xlsx")
    assert values(copy) == values(m.path)
    marks = hgn_marks(copy)
    assert marks == cell_findings(data, "error", "warning")
    ws = openpyxl.load_workbook(copy)[HH]
    assert not column_hidden(ws, m.hcol["Loại nhà ở"])
    book = openpyxl.load_workbook(tmp_path / "out" / "phat_hien.xlsx").active
    rows = list(book.iter_rows(values_only=True))
    assert rows[0][:5] == ("Tệp", "Sheet", "Dòng", "Cột", "Ô")
    listed = {(r[1], r[4]) for r in rows[1:] if r[6] in ("Lỗi", "Cảnh báo")}
    assert listed == set(marks)


def test_lang_en_says_the_findings_in_english(pristine: Path, tmp_path: Path) -> None:
    """With --lang en the messages and hints are English (only the return's own words stay Vietnamese)."""
    # guard (passes)
    m = messy_return(pristine, tmp_path / "in" / "return.xlsx")
    rc, data = validate(m.path, "--lang", "en", cwd=tmp_path)
    assert rc == 1
    for f in data["findings"]:
        said = re.sub(r'"[^"]*"', '""', f"{f['message']} {f['hint']}")
        said = re.sub(r"(Kiên cố|Bán kiên cố|Thiếu kiên cố|Đơn sơ|Có|Không|Nam|Nữ|Chủ hộ|Vợ, chồng|Bố, mẹ|Ông, bà|"
                      r"Cháu|Anh, chị, em|Khác|Con)", "", said)
        assert not _VI_LETTERS.search(said), f
        assert re.search(r"\b(the|is|not|of|a|an|must)\b", f["message"]), f


def test_fixing_exactly_the_named_cells_leaves_no_error_and_exit_0(pristine: Path, tmp_path: Path) -> None:
    """The commune changes only the cells the findings name (the right value, the ID as 12-digit text, the household
    code it mistyped): the second validate has no error or warning, exits 0 even with --fail-on warning, and
    neither command touches its input."""
    # guard (passes)
    m = messy_return(pristine, tmp_path / "in" / "return.xlsx")
    rc, first = validate(m.path, cwd=tmp_path)
    assert rc == 1
    named = set(cell_findings(first, "error", "warning"))
    fixed = tmp_path / "in2" / "return.xlsx"
    fixed.parent.mkdir()
    fix_cells(m.path, fixed, {k: m.planted[k][2] for k in named})
    before = sha(fixed)
    rc, second = validate(fixed, "--fail-on", "warning", cwd=tmp_path)
    assert sha(fixed) == before
    assert cell_findings(second, "error", "warning") == {}
    assert rc == 0
    assert second["summary"]["errors"] == 0 and second["summary"]["warnings"] == 0


def test_run_marked_copy_marks_what_validate_marks_and_leaves_the_return_alone(pristine: Path,
                                                                                tmp_path: Path) -> None:
    """`hgn run --marked-copies` completes with exit 0 despite errors, and its copy carries the same cell marks as
    the copy of `hgn validate --report-xlsx`, with every value the return's."""
    # guard (passes)
    m = messy_return(pristine, tmp_path / "returns" / "return.xlsx")
    before = sha(m.path)
    proc = run_hgn("run", tmp_path / "returns", "--out", tmp_path / "round", "--marked-copies", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sha(m.path) == before
    (copy,) = (tmp_path / "round" / "phat_hien_ban_sao").glob("*.xlsx")
    _, data = validate(m.path, cwd=tmp_path)
    assert values(copy) == values(m.path)
    marks = hgn_marks(copy)
    for where, codes in cell_findings(data, "error", "warning").items():
        assert codes <= marks.get(where, set()), (where, codes, marks.get(where))


# ------------------------------------------------------------------------------------------ defects
def test_every_value_the_hint_lists_is_accepted_when_the_commune_writes_it(pristine: Path, tmp_path: Path) -> None:
    """DEFECT. The hint of a value outside its list names the allowed values joined by ", ", but some values hold a
    comma themselves ("Khe, mó được bảo vệ" for the water source): the hint for "Suối" reads "Nước máy, Giếng khoan,
    Giếng đào được bảo vệ, Khe, mó được bảo vệ, Nước mưa, …", so a commune that fixes the cell with "Khe" — a value
    the hint seems to list — gets the same error again on the next validate. An officer expects every item the
    hint lists to be a value that will be accepted (values separated unambiguously, as the template's note does
    with " / "). Cause: src/hgn_review/validate.py:_choices_said (", ".join of values that contain commas)."""
    src = tmp_path / "in" / "return.xlsx"
    src.parent.mkdir()
    wb = openpyxl.load_workbook(pristine)
    ws = wb[HH]
    head = [c.value for c in ws[1]]
    col = get_column_letter(head.index("Nguồn nước sinh hoạt") + 1)
    ws[f"{col}2"] = "Suối"
    wb.save(src)
    _, data = validate(src, cwd=tmp_path)
    (f,) = [f for f in data["findings"] if f["cell"] == f"{col}2"]
    listed = re.search(r"danh mục: (.*) \(mẫu", f["hint"])
    assert listed, f["hint"]
    items = listed.group(1).split(" / ")  # (the values parted as the template's notes part them)
    assert len(items) <= ws.max_row - 1
    wb = openpyxl.load_workbook(pristine)
    for r, item in enumerate(items, start=2):  # each item the hint lists, written where the commune would
        wb[HH][f"{col}{r}"] = item
    fixed = tmp_path / "in" / "fixed.xlsx"
    wb.save(fixed)
    _, again = validate(fixed, cwd=tmp_path)
    refused = [(x["cell"], x["value"]) for x in again["findings"] if x["code"] == "value-not-in-list"]
    assert refused == [], f"the hint listed these as values, yet they are refused: {refused}; hint: {f['hint']}"


def test_a_row_mark_in_a_hidden_first_column_is_shown(pristine: Path, tmp_path: Path) -> None:
    """DEFECT. A finding on a whole row (a household row pasted twice, `row-duplicate`) is marked in the copy on the
    row's first filled cell; when the return's first column is hidden (a helper column the commune hid) that cell is
    in the hidden column and stays hidden, so the commune sees no mark at all, although the README says "a marked
    cell in a hidden row, column or sheet shown". Expected: the marked cell's column shown (or a visible cell
    marked). Cause: src/hgn_review/io/write.py:_highlighted_copy — the cell is chosen by _FirstFilled, but the
    "shown" loop calls _show_column only when the finding has a column letter (col is None for a row finding)."""
    src = tmp_path / "in" / "return.xlsx"
    src.parent.mkdir()
    wb = openpyxl.load_workbook(pristine)
    ws = wb[HH]
    ws.column_dimensions["A"].hidden = True
    last = ws.max_row
    for c in range(1, ws.max_column + 1):  # the second household's row pasted again under the table
        ws.cell(last + 1, c).value = ws.cell(3, c).value
    wb.save(src)
    rc, data = validate(src, "--report-xlsx", tmp_path / "out" / "phat_hien.xlsx", cwd=tmp_path)
    assert rc in (0, 1)
    assert any(f["code"] == "row-duplicate" and f["row"] == last + 1 for f in data["findings"]), data["findings"]
    (copy,) = (tmp_path / "out" / "phat_hien_ban_sao").glob("*.xlsx")
    marked = [cell for (sheet, cell), codes in hgn_marks(copy).items() if sheet == HH and "row-duplicate" in codes]
    assert marked, "no mark for the duplicate row"
    ws = openpyxl.load_workbook(copy)[HH]
    hidden = [cell for cell in marked if column_hidden(ws, re.sub(r"[0-9]", "", cell))]
    assert hidden == [], f"marked cells left in a hidden column: {hidden}"


def test_second_round_copy_does_not_keep_marks_on_cells_fixed_since(pristine: Path, tmp_path: Path) -> None:
    """DEFECT. The commune fixes the cells in the marked copy it was sent (the natural way: the cells are coloured
    there) and sends that file back; one error is left. The officer validates it with --report-xlsx: the new copy
    still carries the first round's red fills and "[value-not-in-list] …" comments on every cell fixed since —
    among them the household-code cell now holding the right code, commented "[member-orphan] … 10507-0099" — so
    the commune is told to fix cells that have no finding. Expected: hgn's own marks of an earlier round dropped;
    only the cells of this round's findings marked. Cause: src/hgn_review/io/write.py:_highlighted_copy keeps any
    existing comment as "the commune's own note" (and the fill) without telling hgn's earlier marks (author
    "hgn") from the commune's."""
    m = messy_return(pristine, tmp_path / "in" / "return.xlsx")
    rc, first = validate(m.path, "--report-xlsx", tmp_path / "r1" / "phat_hien.xlsx", cwd=tmp_path)
    assert rc == 1
    (copy1,) = (tmp_path / "r1" / "phat_hien_ban_sao").glob("*.xlsx")
    left = next(k for k, v in m.planted.items() if v[1] == "Trai")  # the one error the commune misses
    back = tmp_path / "back" / "return.xlsx"
    back.parent.mkdir()
    fix_cells(copy1, back, {k: m.planted[k][2] for k in cell_findings(first, "error", "warning") if k != left})
    rc, second = validate(back, "--report-xlsx", tmp_path / "r2" / "phat_hien.xlsx", cwd=tmp_path)
    assert rc == 1
    now = cell_findings(second, "error", "warning")
    assert set(now) == {left}, now
    (copy2,) = (tmp_path / "r2" / "phat_hien_ban_sao").glob("*.xlsx")
    stale = sorted(set(hgn_marks(copy2)) - set(now))
    assert stale == [], f"{len(stale)} cells marked with no finding this round, e.g. {stale[:5]}"


def test_a_date_cell_is_quoted_as_the_officer_sees_it(pristine: Path, tmp_path: Path) -> None:
    """DEFECT. A birth date typed as an Excel date after the review (13/04/2026) is reported as
    '"Ngày sinh" = 2026-04-13 00:00:00 nằm ngoài khoảng cho phép (tuổi 0–120).' — the value quoted as Python prints
    a timestamp, a form the commune never sees in its cell (and the same text fills "Giá trị" of the findings
    workbook). Expected: the date as written in Vietnam, 13/04/2026, without a time. Cause:
    src/hgn_review/validate.py (the age check passes mt.raw's "2026-04-13 00:00:00" text) and
    src/hgn_review/findings.py:_text, which quote a date cell's raw text unformatted."""
    src = tmp_path / "in" / "return.xlsx"
    src.parent.mkdir()
    wb = openpyxl.load_workbook(pristine)
    ws = wb[MM]
    head = [c.value for c in ws[1]]
    col = get_column_letter(head.index("Ngày sinh") + 1)
    ws[f"{col}3"] = dt.datetime(2026, 4, 13)
    ws[f"{col}3"].number_format = "dd/mm/yyyy"
    wb.save(src)
    _, data = validate(src, cwd=tmp_path)
    (f,) = [f for f in data["findings"] if f["cell"] == f"{col}3"]
    assert "00:00:00" not in f["message"] and "13/04/2026" in f["message"], f["message"]

