"""Review 11: where findings point.

`hgn validate FILE --json --report-xlsx phat_hien.xlsx` promises (README) every problem located by file, sheet,
Excel row and column, and a copy of each failing return "with the offending cells highlighted and commented",
inputs never touched. Each test here starts from a valid return made by `hgn sample`, rewrites it with openpyxl
in a messy but realistic layout, plants ONE known bad value at a known cell and checks that the JSON finding,
the findings workbook and the highlighted copy all point at exactly that cell, and that the input is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from conftest import write_xls

HH = "Hộ gia đình"
MM = "Thành viên"
INFO = "Thông tin"


def hgn(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("HGN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300, check=False)


# ------------------------------------------------------------------------------------------ the valid start
@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[Any]]]:
    """The grids (list of rows of values) of a clean 5-household return from `hgn sample`."""
    d = tmp_path_factory.mktemp("sample")
    proc = hgn("sample", "--communes", "1", "--households", "5", "--out", d / "s", cwd=d)
    assert proc.returncode == 0, proc.stderr
    path = next((d / "s").glob("*.xlsx"))
    wb = openpyxl.load_workbook(path)
    grids = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    # the start is clean
    proc = hgn("validate", path, "--json", cwd=d)
    assert json.loads(proc.stdout)["findings"] == [], proc.stdout
    return grids


def cols(grid: list[list[Any]]) -> list[str]:
    return list(grid[0])


def hh_grid(sample: dict[str, list[list[Any]]]) -> list[list[Any]]:
    return [list(r) for r in sample[HH]]


def mm_grid(sample: dict[str, list[list[Any]]]) -> list[list[Any]]:
    return [list(r) for r in sample[MM]]


def reorder(grid: list[list[Any]], order: list[str]) -> list[list[Any]]:
    idx = [grid[0].index(h) for h in order]
    return [[r[i] for i in idx] for r in grid]


def insert_col(grid: list[list[Any]], at: int, header: str, values: list[Any]) -> list[list[Any]]:
    out = [list(grid[0][:at]) + [header] + list(grid[0][at:])]
    for r, v in zip(grid[1:], values, strict=True):
        out.append(list(r[:at]) + [v] + list(r[at:]))
    return out


def write(path: Path, sheets: list[tuple[str, list[list[Any]]]], *, start_row: int = 1, start_col: int = 1,
          titles: dict[str, list[str]] | None = None, hidden_cols: dict[str, list[str]] | None = None,
          merges: dict[str, list[str]] | None = None) -> Path:
    """Write grids with openpyxl; `titles` are text rows above each grid; a None row is a blank row."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, grid in sheets:
        ws = wb.create_sheet(name)
        r0 = start_row
        for t in (titles or {}).get(name, []):
            ws.cell(row=r0, column=start_col, value=t)
            r0 += 1
        for i, row in enumerate(grid):
            if row is None:
                continue
            for j, v in enumerate(row):
                if v is not None:
                    ws.cell(row=r0 + i, column=start_col + j, value=v)
        for letter in (hidden_cols or {}).get(name, []):
            ws.column_dimensions[letter].hidden = True
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------ the check
def run_validate(path: Path) -> tuple[list[dict[str, Any]], Path, Path]:
    """Run validate --json --report-xlsx; return JSON findings, the findings workbook and the copies folder."""
    before = digest(path)
    mtime = path.stat().st_mtime_ns
    out = path.parent / "out"
    proc = hgn("validate", path.name, "--json", "--report-xlsx", out / "phat_hien.xlsx", cwd=path.parent)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr)
    assert digest(path) == before and path.stat().st_mtime_ns == mtime, "input modified"
    return json.loads(proc.stdout)["findings"], out / "phat_hien.xlsx", out / "phat_hien_ban_sao"


def marked_cells(copy_path: Path) -> dict[str, set[str]]:
    """{sheet: cells carrying a comment or a solid fill} of the highlighted copy."""
    wb = openpyxl.load_workbook(copy_path)
    out: dict[str, set[str]] = {}
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.comment is not None or (c.fill is not None and c.fill.fill_type == "solid"):
                    out.setdefault(ws.title, set()).add(c.coordinate)
    return out


def assert_located(path: Path, planted: list[tuple[str, str, str]], *, copy_sheet: dict[str, str] | None = None
                   ) -> list[dict[str, Any]]:
    """Every planted (sheet, cell, code) is reported at exactly that sheet / row / column, in the JSON, the
    findings workbook and the highlighted copy; the error findings are exactly the planted ones."""
    findings, report, copies = run_validate(path)
    errors = [f for f in findings if f["severity"] == "error"]
    got = sorted((f["sheet"], f["cell"], f["code"]) for f in errors)
    assert got == sorted(planted), json.dumps(findings, ensure_ascii=False, indent=1)
    for f in errors:
        letters = "".join(ch for ch in f["cell"] if ch.isalpha())
        assert f["cell"] == f"{letters}{f['row']}"
    # the findings workbook: Sheet, Dòng, Ô
    ws = openpyxl.load_workbook(report).worksheets[0]
    head = [c.value for c in ws[1]]
    i_sheet, i_row, i_cell, i_code = head.index("Sheet"), head.index("Dòng"), head.index("Ô"), head.index("Mã lỗi")
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    in_book = sorted((r[i_sheet], r[i_cell], r[i_code]) for r in rows
                     if (r[i_sheet], r[i_cell], r[i_code]) in set(planted))
    assert in_book == sorted(planted), rows
    for r in rows:
        if (r[i_sheet], r[i_cell], r[i_code]) in set(planted):
            assert f"{r[i_row]}" == "".join(ch for ch in r[i_cell] if ch.isdigit())
    # the highlighted copy: the planted cells are marked, their neighbours are not
    copy = next(copies.iterdir())
    marks = marked_cells(copy)
    if path.suffix == ".xlsx":  # the commune's own fills and notes (a template's header notes) are not hgn's marks
        for sh, cells in marked_cells(path).items():
            marks[sh] = marks.get(sh, set()) - cells
    wb = openpyxl.load_workbook(copy)
    for sheet, cell, code in planted:
        csheet = (copy_sheet or {}).get(sheet, sheet)
        c = wb[csheet][cell]
        assert c.comment is not None and f"[{code}]" in c.comment.text, (csheet, cell, marks)
        assert c.fill.fill_type == "solid", (csheet, cell)
        col, row = column_index_from_string("".join(ch for ch in cell if ch.isalpha())), \
            int("".join(ch for ch in cell if ch.isdigit()))
        for dr, dc in ((0, -1), (0, 1), (-1, 0), (1, 0)):
            if col + dc < 1 or row + dr < 1:
                continue
            n = f"{get_column_letter(col + dc)}{row + dr}"
            if (sheet, n) not in {(s, x) for s, x, _ in planted}:
                assert n not in marks.get(csheet, set()), f"neighbour {n} of {cell} marked: {marks}"
    # the copy carries the data of the input in the same places
    if path.suffix != ".xlsx":
        return findings
    src = openpyxl.load_workbook(path)
    for sheet, cell, _ in planted:
        assert wb[(copy_sheet or {}).get(sheet, sheet)][cell].value == src[sheet][cell].value
    return findings


def plant(grid: list[list[Any]], data_row: int, header: str, value: Any) -> None:
    """Put `value` in the data row `data_row` (1 = first row under the header) of column `header`."""
    grid[data_row][grid[0].index(header)] = value


BAD_HOUSE = "Nhà tầng"  # not one of the four housing types
BAD_SEX = "Nam giới"  # not Nam / Nữ
LOAI_NHA = "Loại nhà ở"
GIOI_TINH = "Giới tính"


def letter_of(grid: list[list[Any]], header: str, start_col: int = 1) -> str:
    return get_column_letter(start_col + grid[0].index(header))


# ------------------------------------------------------------------------------------------ layouts
def test_plain_sample_with_one_bad_value_per_sheet(tmp_path: Path, sample) -> None:
    # guard (passes): the unmodified layout
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 2, LOAI_NHA, BAD_HOUSE)
    plant(mm, 3, GIOI_TINH, BAD_SEX)
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)])
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA)}3", "value-not-in-list"),
                          (MM, f"{letter_of(mm, GIOI_TINH)}4", "value-not-in-list")])


def test_several_title_rows_above_the_header(tmp_path: Path, sample) -> None:
    # guard (passes)
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 4, LOAI_NHA, BAD_HOUSE)
    plant(mm, 1, GIOI_TINH, BAD_SEX)
    titles = ["CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "",
              "DANH SÁCH RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024", "Xã: Phường Cẩm Thượng"]
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)],
                 titles={HH: titles, MM: titles[:2]})
    # header on row 6 (HH) / row 3 (MM): data row n is Excel row header+n
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA)}10", "value-not-in-list"),
                          (MM, f"{letter_of(mm, GIOI_TINH)}4", "value-not-in-list")])


def test_two_row_header_with_a_group_merged_over_sub_headers(tmp_path: Path, sample) -> None:
    """Row 1: "Nhà ở" merged over the housing columns, every other header merged down over rows 1–2;
    row 2: the housing sub-headers. Data start on row 3."""
    hh = hh_grid(sample)
    mm = mm_grid(sample)
    plant(hh, 3, LOAI_NHA, BAD_HOUSE)
    heads = hh[0]
    a, b = heads.index(LOAI_NHA), heads.index("Diện tích nhà ở (m²)")
    assert b == a + 1
    top = [h if i not in (a, b) else ("Nhà ở" if i == a else None) for i, h in enumerate(heads)]
    bottom = [h if i in (a, b) else None for i, h in enumerate(heads)]
    grid = [top, bottom] + hh[1:]
    merges = [f"{get_column_letter(a + 1)}1:{get_column_letter(b + 1)}1"]
    merges += [f"{get_column_letter(i + 1)}1:{get_column_letter(i + 1)}2" for i in range(len(heads)) if i not in (a, b)]
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, grid), (MM, mm)], merges={HH: merges})
    assert_located(path, [(HH, f"{get_column_letter(a + 1)}5", "value-not-in-list")])


def test_column_order_different_from_the_template(tmp_path: Path, sample) -> None:
    # guard (passes)
    hh, mm = hh_grid(sample), mm_grid(sample)
    hh = reorder(hh, list(reversed(hh[0])))
    order = mm[0][:]
    order.remove(GIOI_TINH)
    order.insert(0, GIOI_TINH)
    mm = reorder(mm, order)
    plant(hh, 1, LOAI_NHA, BAD_HOUSE)
    plant(mm, 5, GIOI_TINH, BAD_SEX)
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)])
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA)}2", "value-not-in-list"),
                          (MM, "A6", "value-not-in-list")])


def test_officer_column_inserted_in_the_middle(tmp_path: Path, sample) -> None:
    """An officer's note column between "Thôn" and "Khu vực" (households) and between "Họ và tên" and the ID
    (members) shifts every later column by one: the finding must follow."""
    hh, mm = hh_grid(sample), mm_grid(sample)
    hh = insert_col(hh, hh[0].index("Khu vực"), "Ghi chú của cán bộ", ["đã xác minh"] * (len(hh) - 1))
    mm = insert_col(mm, mm[0].index("Số định danh cá nhân"), "Ghi chú", [None, "kiểm tra lại"] + [None] * (len(mm) - 3))
    plant(hh, 5, LOAI_NHA, BAD_HOUSE)
    plant(mm, 2, GIOI_TINH, BAD_SEX)
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)])
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA)}6", "value-not-in-list"),
                          (MM, f"{letter_of(mm, GIOI_TINH)}3", "value-not-in-list")])


def test_hidden_column_before_the_bad_cell(tmp_path: Path, sample) -> None:
    """A hidden helper column (e.g. a formula column the commune hid) before the planted cell."""
    hh, mm = hh_grid(sample), mm_grid(sample)
    at = hh[0].index("Khu vực")
    hh = insert_col(hh, at, "Cột phụ", [i for i in range(1, len(hh))])
    plant(hh, 2, LOAI_NHA, BAD_HOUSE)
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)],
                 hidden_cols={HH: [get_column_letter(at + 1), "C"]})
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA)}3", "value-not-in-list")])


def test_blank_rows_inside_the_table(tmp_path: Path, sample) -> None:
    # guard (passes)
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 4, LOAI_NHA, BAD_HOUSE)
    plant(mm, 10, GIOI_TINH, BAD_SEX)
    hh = hh[:2] + [None, None] + hh[2:4] + [None] + hh[4:]  # data row 4 now at grid index 7 → Excel row 8
    mm = mm[:5] + [None] + mm[5:9] + [None, None] + mm[9:]  # data row 10 at grid index 13 → Excel row 14
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)])
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA)}8", "value-not-in-list"),
                          (MM, f"{letter_of(mm, GIOI_TINH)}14", "value-not-in-list")])


def test_sheets_in_swapped_order(tmp_path: Path, sample) -> None:
    # guard (passes)
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 1, LOAI_NHA, BAD_HOUSE)
    plant(mm, 1, GIOI_TINH, BAD_SEX)
    path = write(tmp_path / "r.xlsx", [(MM, mm), (HH, hh), (INFO, sample[INFO])])
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA)}2", "value-not-in-list"),
                          (MM, f"{letter_of(mm, GIOI_TINH)}2", "value-not-in-list")])


def test_sheets_renamed_and_swapped(tmp_path: Path, sample) -> None:
    """Sheets "Sheet1" (members) and "Sheet2" (households): found by their headers; the finding names the
    sheet as it is in the file."""
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 3, LOAI_NHA, BAD_HOUSE)
    plant(mm, 4, GIOI_TINH, BAD_SEX)
    path = write(tmp_path / "r.xlsx", [("Sheet1", mm), ("Sheet2", hh), (INFO, sample[INFO])])
    assert_located(path, [("Sheet2", f"{letter_of(hh, LOAI_NHA)}4", "value-not-in-list"),
                          ("Sheet1", f"{letter_of(mm, GIOI_TINH)}5", "value-not-in-list")])


def test_data_starting_in_column_b(tmp_path: Path, sample) -> None:
    # guard (passes)
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 2, LOAI_NHA, BAD_HOUSE)
    plant(mm, 2, GIOI_TINH, BAD_SEX)
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)], start_col=2, start_row=2)
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA, 2)}4", "value-not-in-list"),
                          (MM, f"{letter_of(mm, GIOI_TINH, 2)}4", "value-not-in-list")])


@pytest.mark.parametrize("style", ["upper", "ascii", "linebreaks"])
def test_headers_in_another_case_without_diacritics_or_with_line_breaks(tmp_path: Path, sample, style: str) -> None:
    import unicodedata

    def fold(h: str) -> str:
        if style == "upper":
            return h.upper()
        if style == "ascii":
            s = unicodedata.normalize("NFD", h.replace("đ", "d").replace("Đ", "D"))
            return "".join(ch for ch in s if not unicodedata.combining(ch))
        words = h.split(" ")
        return "\n".join(" ".join(words[i:i + 2]) for i in range(0, len(words), 2))

    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 1, LOAI_NHA, BAD_HOUSE)
    plant(mm, 6, GIOI_TINH, BAD_SEX)
    hh[0] = [fold(h) for h in hh[0]]
    mm[0] = [fold(h) for h in mm[0]]
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)])
    assert_located(path, [(HH, f"{get_column_letter(sample[HH][0].index(LOAI_NHA) + 1)}2", "value-not-in-list"),
                          (MM, f"{get_column_letter(sample[MM][0].index(GIOI_TINH) + 1)}7", "value-not-in-list")])


def test_legacy_xls_return(tmp_path: Path, sample) -> None:
    """An Excel 97–2003 .xls (written byte by byte, no xlwt) with two title rows: the finding and the .xlsx
    copy of its values point at the cell as the commune sees it in Excel."""
    def plain(v: Any) -> Any:
        if hasattr(v, "strftime"):
            return v.strftime("%d/%m/%Y")
        return v

    hh = [[plain(v) for v in r] for r in hh_grid(sample)]
    mm = [[plain(v) for v in r] for r in mm_grid(sample)]
    plant(hh, 2, LOAI_NHA, BAD_HOUSE)
    plant(mm, 2, GIOI_TINH, BAD_SEX)
    titles = [["DANH SÁCH HỘ"], []]
    info = [[plain(v) for v in r] for r in sample[INFO]]
    path = write_xls(tmp_path / "r.xls", {INFO: info, HH: titles + hh, MM: titles + mm})
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA)}5", "value-not-in-list"),
                          (MM, f"{letter_of(mm, GIOI_TINH)}5", "value-not-in-list")])


# ------------------------------------------------------------------------------------------ combinations
def test_every_messy_layout_at_once(tmp_path: Path, sample) -> None:
    # guard (passes): renamed + swapped sheets, three title rows, data from B2, columns reversed, an officer's
    # column with a line break, upper-case headers, hidden columns, blank rows inside both tables
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 4, LOAI_NHA, BAD_HOUSE)
    plant(mm, 9, GIOI_TINH, BAD_SEX)
    hh = reorder(hh, hh[0][::-1])
    hh = insert_col(hh, 5, "Ghi chú\ncán bộ", ["x"] * (len(hh) - 1))
    hh = [[h.upper() for h in hh[0]]] + hh[1:]
    mm = insert_col(mm, 2, "Ghi chú", [None] * (len(mm) - 1))
    hh = hh[:3] + [None] + hh[3:]
    mm = mm[:4] + [None, None] + mm[4:]
    titles = {"Sheet1": ["T1", "T2", "T3"], "Sheet2": ["T1", "T2", "T3"]}
    path = write(tmp_path / "r.xlsx", [("Sheet1", mm), ("Sheet2", hh), (INFO, sample[INFO])], start_row=2,
                 start_col=2, titles=titles, hidden_cols={"Sheet2": ["G", "C"]})
    # header on row 5; household data row 4 sits 5 grid rows below the header; member data row 9 sits 11 below
    assert_located(path, [("Sheet2", f"{letter_of(hh, LOAI_NHA.upper(), 2)}10", "value-not-in-list"),
                          ("Sheet1", f"{letter_of(mm, GIOI_TINH, 2)}16", "value-not-in-list")])


def test_filled_template_keeps_its_drop_downs_and_marks_the_cells(tmp_path: Path, sample) -> None:
    # guard (passes): the `hgn template` workbook filled in by the commune (header notes, drop-down lists)
    path = tmp_path / "r.xlsx"
    assert hgn("template", "--commune", "10507", "--year", "2024", "--out", path, cwd=tmp_path).returncode == 0
    wb = openpyxl.load_workbook(path)
    for name in (HH, MM):
        ws = wb[name]
        heads = [c.value for c in ws[1]]
        src = sample[name]
        for i, row in enumerate(src[1:], start=2):
            for h, v in zip(src[0], row, strict=True):
                ws.cell(row=i, column=heads.index(h) + 1, value=v)
    heads = [c.value for c in wb[HH][1]]
    wb[HH].cell(row=4, column=heads.index(LOAI_NHA) + 1, value=BAD_HOUSE)
    flag = heads.index("Thiếu hụt: Nguồn nước sinh hoạt") + 1
    wb[HH].cell(row=5, column=flag, value=2)
    wb.save(path)
    dv = {n: len(wb[n].data_validations.dataValidation) for n in (HH, MM)}
    assert_located(path, [(HH, "J4", "value-not-in-list"), (HH, f"{get_column_letter(flag)}5", "value-not-in-list")])
    copy = next((tmp_path / "out" / "phat_hien_ban_sao").iterdir())
    wc = openpyxl.load_workbook(copy)
    assert {n: len(wc[n].data_validations.dataValidation) for n in (HH, MM)} == dv


def test_sheet_read_again_by_openpyxl_keeps_rows_and_columns(tmp_path: Path, sample) -> None:
    # guard (passes): a date cell calamine gives up on makes the sheet be read by openpyxl; the table starts at C3
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 3, LOAI_NHA, BAD_HOUSE)
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)], start_row=3, start_col=3)
    wb = openpyxl.load_workbook(path)
    col = letter_of(hh, "Ngày rà soát", 3)
    wb[HH][f"{col}5"].value = -2e11
    wb[HH][f"{col}5"].number_format = "dd/mm/yyyy"
    wb.save(path)
    assert_located(path, [(HH, f"{letter_of(hh, LOAI_NHA, 3)}6", "value-not-in-list"),
                          (HH, f"{col}5", "value-not-date")])


def test_every_planted_problem_reported_in_one_pass(tmp_path: Path, sample) -> None:
    # guard (passes): eleven problems of different kinds on both sheets, one of them a missing required column
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 1, LOAI_NHA, BAD_HOUSE)
    plant(hh, 2, "Diện tích nhà ở (m²)", -5)
    plant(hh, 3, "Ngày rà soát", "31/02/2024")
    plant(hh, 4, "Nguồn nước sinh hoạt", None)
    plant(hh, 5, "Có thành viên sử dụng Internet", "Có lẽ")
    plant(mm, 2, GIOI_TINH, BAD_SEX)
    plant(mm, 4, "Mã hộ", "10507-0099")  # also makes household 1 one member short
    plant(mm, 6, "Số định danh cá nhân", "03018827182")
    plant(mm, 8, "Quan hệ với chủ hộ", "Chủ hộ")  # a second head in household 2
    plant(mm, 10, "Ngày sinh", "12/13/1990")
    plant(mm, 12, "Có thẻ BHYT", "Không rõ")
    i = mm[0].index("Dân tộc")
    mm = [r[:i] + r[i + 1:] for r in mm]
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, hh), (MM, mm)])
    findings, _, _ = run_validate(path)
    got = {(f["sheet"], f["cell"], f["code"]) for f in findings if f["severity"] == "error"}
    L = lambda g, h: letter_of(g, h)  # noqa: E731
    want = {(HH, f"{L(hh, LOAI_NHA)}2", "value-not-in-list"),
            (HH, f"{L(hh, 'Diện tích nhà ở (m²)')}3", "value-out-of-range"),
            (HH, f"{L(hh, 'Ngày rà soát')}4", "value-not-date"),
            (HH, f"{L(hh, 'Nguồn nước sinh hoạt')}5", "value-required"),
            (HH, f"{L(hh, 'Có thành viên sử dụng Internet')}6", "value-not-yes-no"),
            (HH, f"{L(hh, 'Số thành viên')}2", "household-size-mismatch"),
            (MM, f"{L(mm, GIOI_TINH)}3", "value-not-in-list"),
            (MM, "A5", "member-orphan"),
            (MM, f"{L(mm, 'Số định danh cá nhân')}7", "id-invalid-format"),
            (MM, f"{L(mm, 'Quan hệ với chủ hộ')}9", "household-multiple-heads"),
            (MM, f"{L(mm, 'Ngày sinh')}11", "value-not-date"),
            (MM, f"{L(mm, 'Có thẻ BHYT')}13", "value-not-yes-no"),
            (MM, None, "column-missing")}
    assert want <= got, sorted(want - got, key=str)


# ------------------------------------------------------------------------------------------ defects
def test_households_on_a_second_village_sheet_are_not_passed_over_in_silence(tmp_path: Path, sample) -> None:
    """A commune that keeps one pair of sheets per village ("Hộ gia đình" / "Thành viên" for Tổ 2, "Hộ gia đình
    Tổ 3" / "Thành viên Tổ 3" for Tổ 3) — every sheet with the template's own headers. `hgn validate` reads the
    first pair only and says nothing else: exit 0, "Không có lỗi.", 3 households of 5 and 13 members of 20
    counted; the bad "Loại nhà ở" planted at "Hộ gia đình Tổ 3"!J3 is never reported and the two households of
    Tổ 3 (and their 7 members) vanish without a finding.
    README: validate "checks every return in one pass" and tells the commune exactly which cell to fix; nothing is
    lost silently (a sheet copy "Hộ gia đình (2)" is said as `sheet-copy-ignored`, a renamed sheet as
    `sheet-found-by-headers`). Cause: io/read.py `detect_layout` / `_read_layout` take one sheet per role and
    report only sheets whose name folds to the same key; a further sheet holding the same table is ignored."""
    hh, mm = hh_grid(sample), mm_grid(sample)
    plant(hh, 5, LOAI_NHA, BAD_HOUSE)  # household 10507-0005, on the second village's sheet, data row 2 → row 3
    mc = mm[0].index("Mã hộ")
    first = {"10507-0001", "10507-0002", "10507-0003"}
    m2 = [mm[0]] + [r for r in mm[1:] if r[mc] in first]
    m3 = [mm[0]] + [r for r in mm[1:] if r[mc] not in first]
    path = write(tmp_path / "r.xlsx", [(INFO, sample[INFO]), (HH, [hh[0]] + hh[1:4]), (MM, m2),
                                       ("Hộ gia đình Tổ 3", [hh[0]] + hh[4:]), ("Thành viên Tổ 3", m3)])
    findings, _, _ = run_validate(path)
    named = {f["sheet"] for f in findings}
    located = {(f["sheet"], f["cell"]) for f in findings}
    assert ("Hộ gia đình Tổ 3", f"{letter_of(hh, LOAI_NHA)}3") in located or \
        {"Hộ gia đình Tổ 3", "Thành viên Tổ 3"} <= named, json.dumps(findings, ensure_ascii=False, indent=1)


def test_csv_with_a_title_line_above_the_header_is_read_not_called_unreadable(tmp_path: Path, sample) -> None:
    """A households CSV (UTF-8) whose first line is a title ("DANH SÁCH HỘ GIA ĐÌNH", one field) and whose second
    line is blank, as web software and scripts write it (rows not padded to the table's width). `hgn validate`
    says `file-unreadable`: "nội dung tệp không phải sổ Excel (.xlsx, .xls), ODS hay CSV" — false, it is a CSV —
    and nothing of the return is checked; the same file with the title line padded with commas is read and the
    planted cell found. README: validate reads .csv returns and title rows above the header (return-format.md:
    headers found where they are); a return that cannot be read is "said why from what it holds".
    Cause: io/read.py `_read_csv_grid`: pandas.read_csv(header=None) takes the field count from the first line
    and raises "Expected 1 fields in line 3, saw 23"."""
    import csv as _csv
    import io as _io

    def plain(v: Any) -> Any:
        return v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v

    hh = [[plain(v) for v in r] for r in hh_grid(sample)]
    plant(hh, 3, LOAI_NHA, BAD_HOUSE)
    buf = _io.StringIO()
    w = _csv.writer(buf, lineterminator="\r\n")
    for r in [["DANH SÁCH HỘ GIA ĐÌNH"], []] + hh:
        w.writerow(["" if v is None else v for v in r])
    path = tmp_path / "10507_ho.csv"
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
    findings, _, _ = run_validate(path)
    assert "file-unreadable" not in {f["code"] for f in findings}, findings[0]["message"]
    sheet = next(f["sheet"] for f in findings if f["code"] == "value-not-in-list")
    assert (sheet, f"{letter_of(hh, LOAI_NHA)}6") in {(f["sheet"], f["cell"]) for f in findings}


def test_a_typo_in_the_commune_code_on_the_info_sheet_is_pointed_at_there(tmp_path: Path, sample) -> None:
    """The "Thông tin" sheet says Mã xã 10509 (a typo: no commune has that code; its own "Tên xã" says Phường
    Cẩm Thượng, 10507) while all five households say 10507, right. `hgn validate` reports `commune-mismatch` on
    every one of the five correct "Mã xã" cells of "Hộ gia đình" (C2…C6, highlighted in the copy: "Mã xã
    "10507" khác mã xã của tệp (10509)") — which also blocks all five households from classification — and no
    finding names the one wrong cell, Thông tin!B2, nor says 10509 is in no unit list.
    README: hgn "tells the commune exactly which cell to fix"; the findings' cells must be the offending ones.
    Cause: validate.py `_admin_checks`: the declared code of the info sheet is taken as the file's commune
    without checking it against the registry (or against the rows), and no finding is located on that sheet."""
    hh, mm = hh_grid(sample), mm_grid(sample)
    info = [list(r) for r in sample[INFO]]
    assert info[1][0] == "Mã xã"
    info[1][1] = "10509"
    path = write(tmp_path / "r.xlsx", [(INFO, info), (HH, hh), (MM, mm)])
    findings, _, _ = run_validate(path)
    wrongly_blamed = [f["cell"] for f in findings if f["sheet"] == HH and f["severity"] == "error"]
    assert (INFO, "B2") in {(f["sheet"], f["cell"]) for f in findings} and not wrongly_blamed, \
        json.dumps(findings, ensure_ascii=False, indent=1)
