"""reports/fastxlsx.py: long blocks of rows built column-wise must give the workbook xlsxwriter gives cell by cell.

Each case writes the same workbook twice, once with plain xlsxwriter calls and once with `fastxlsx.Workbook.add_rows`,
and compares every part of the two files byte for byte (but the creation time in docProps/core.xml), then reads the
fast one back with openpyxl: values and types (IDs stay text), styles, widths, frozen panes.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
import xlsxwriter

from hgn_review.reports import fastxlsx as fx

OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
TEXTS = [
    "Nguyễn Thị Ánh Tuyết", "030062271829", "001234567890", "Đặng Văn Ơn", "a & b <c> \"d\" 'e'", " leading",
    "trailing ", "tab\tinside", "line\nbreak", "carriage\r\nreturn", "bell\x07here", "\x00", "_x0041_", "x_x00e9_y",
    "nbsp\u00a0", "\u3000ideographic", "=1+2", "@SUM(A1)", "+84 912", "-Lê", "😀 emoji", "\ufffe", "", None,
    "Ngô " + "Đặng" * 12_000, "😀" * 20_000, "<r>looks rich</r>", "]]>", "x" * 16_383, "y" * 16_384,
]
NUMBERS: list[int | None] = [1, 2024, None, 0, -5, 10**15, 10**16, 123456789012345678, 7, None, *range(20)]
FLOATS: list[float | None] = [1.5, None, 0.1, 1 / 3, 2.0, 1e20, -0.0, 1e-7, 12345678.901234567, None, *map(float, range(20))]


def _columns(n: int) -> tuple[list[str | None], list[int | None], list[float | None]]:
    def take(values: list[Any]) -> list[Any]:
        return [values[i % len(values)] for i in range(n)]

    return take(TEXTS), take(NUMBERS), take(FLOATS)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _same_workbook(plain: Path, fast: Path) -> None:
    a, b = _parts(plain), _parts(fast)
    assert list(a) == list(b)
    for name in a:
        assert a[name] == b[name], name


def _formats(book: Any) -> dict[str, Any]:
    return {"head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "text": book.add_format({"num_format": "@", "font_name": "Times New Roman"}),
            "int": book.add_format({"num_format": "0"}),
            "rate": book.add_format({"num_format": "0.00", "italic": True})}


def _write_both(tmp_path: Path, n: int, *, constant_memory: bool, sheets: int = 2,
                rows: list[int] | None = None) -> tuple[Path, Path]:
    """The same sheets (a header, ``n`` data rows at ``rows`` or 1…n, a line after them) written both ways."""
    texts, numbers, floats = _columns(n)
    rows = rows or list(range(1, n + 1))
    options = {**OPTIONS, "constant_memory": constant_memory}
    plain, fast = tmp_path / "plain.xlsx", tmp_path / "fast.xlsx"

    book = xlsxwriter.Workbook(str(plain), options)
    f = _formats(book)
    for k in range(sheets):
        ws = book.add_worksheet(f"Danh sách ({k + 1})")
        ws.set_column(0, 0, 16, f["text"])
        ws.set_column(1, 2, 9, f["int"])
        ws.write_row(0, 0, ["Tên", "Năm", "Tỷ lệ", "Trống"], f["head"])
        for r, t, i, x in zip(rows, texts, numbers, floats, strict=True):
            if t is not None:
                ws.write_string(r, 0, t, f["text"])
            if i is not None:
                ws.write_number(r, 1, i, f["int"])
            if x is not None:
                ws.write_number(r, 2, x, f["rate"])
            else:
                ws.write_blank(r, 2, None, f["rate"])
            ws.write_blank(r, 3, None, f["text"])
        ws.write_string(rows[-1] + 2, 0, "Tổng cộng", f["head"])
        ws.freeze_panes(1, 0)
    book.close()

    fw = fx.Workbook(fast, options, chunk_rows=7)
    f = _formats(fw.book)
    for k in range(sheets):
        ws = fw.book.add_worksheet(f"Danh sách ({k + 1})")
        ws.set_column(0, 0, 16, f["text"])
        ws.set_column(1, 2, 9, f["int"])
        ws.write_row(0, 0, ["Tên", "Năm", "Tỷ lệ", "Trống"], f["head"])
        fw.add_rows(ws, rows, [
            fx.Cells(0, text=pa.array(texts, pa.string()), style=f["text"]),
            fx.Cells(1, number=pa.array(numbers, pa.int64()), style=f["int"]),
            fx.Cells(2, number=pa.array(floats, pa.float64()), style=f["rate"], blank=True),
            fx.Cells(3, style=f["text"], blank=True)])
        ws.write_string(rows[-1] + 2, 0, "Tổng cộng", f["head"])
        ws.freeze_panes(1, 0)
    fw.close()
    return plain, fast


@pytest.mark.parametrize("constant_memory", [True, False], ids=["inline-strings", "shared-strings"])
def test_same_workbook_as_xlsxwriter(tmp_path: Path, constant_memory: bool) -> None:
    """Text (XML-special characters, control characters, white space at the ends, Vietnamese, emoji, strings past
    the cell limit), whole and decimal numbers, missing values and styled blanks; two sheets; rows built in several
    slices: every part of the file is what xlsxwriter writes cell by cell."""
    plain, fast = _write_both(tmp_path, 80, constant_memory=constant_memory)
    _same_workbook(plain, fast)


def test_rows_around_xlsxwriter_rows(tmp_path: Path) -> None:
    """Spliced rows with gaps, between and after rows xlsxwriter wrote (sections, totals), spans and dimension."""
    rows = [3, 4, 5, 9, 10, 30, 31, 32, 33, 34, 35, 36, 37, 60]
    plain, fast = _write_both(tmp_path, len(rows), constant_memory=False, sheets=1, rows=rows)
    _same_workbook(plain, fast)


@pytest.mark.parametrize("constant_memory", [True, False], ids=["inline-strings", "shared-strings"])
def test_openpyxl_reads_the_same_cells(tmp_path: Path, constant_memory: bool) -> None:
    """openpyxl reads the same values, types, number formats, fonts, fills, widths and frozen panes from both."""
    plain, fast = _write_both(tmp_path, 40, constant_memory=constant_memory)
    a, b = openpyxl.load_workbook(plain), openpyxl.load_workbook(fast)
    assert a.sheetnames == b.sheetnames == ["Danh sách (1)", "Danh sách (2)"]
    for s1, s2 in zip(a.worksheets, b.worksheets, strict=True):
        assert s2.freeze_panes == s1.freeze_panes == "A2"
        assert s2.dimensions == s1.dimensions == "A1:D43"
        assert {k: v.width for k, v in s2.column_dimensions.items()} == {
            k: v.width for k, v in s1.column_dimensions.items()}
        for r1, r2 in zip(s1.iter_rows(), s2.iter_rows(), strict=True):
            for c1, c2 in zip(r1, r2, strict=True):
                assert (c2.value, c2.data_type, c2.number_format) == (c1.value, c1.data_type, c1.number_format)
                assert repr((c2.font, c2.fill, c2.border)) == repr((c1.font, c1.fill, c1.border))
    texts, numbers, _ = _columns(40)
    ws = b.worksheets[0]
    for i, (t, n) in enumerate(ws.iter_rows(min_row=2, max_row=41, max_col=2)):
        if texts[i] in ("030062271829", "001234567890", "Nguyễn Thị Ánh Tuyết", "a & b <c> \"d\" 'e'", "=1+2"):
            assert t.value == texts[i] and t.data_type == "s" and t.number_format == "@"  # IDs stay text
        if numbers[i] is not None and abs(numbers[i]) < 10**15:
            assert n.value == numbers[i] and n.data_type == "n"
    assert ws["A43"].value == "Tổng cộng" and ws["A1"].font.bold


def test_vietnamese_and_special_text_read_back(tmp_path: Path) -> None:
    """Plain text, diacritics, XML-special characters and leading-zero IDs come back exactly."""
    values = ["Nguyễn Thị Ánh Tuyết", "001234567890", "a & b <c> \"d\"", "Thôn Đông, Xã Phạm Kha", "=1+2"]
    fw = fx.Workbook(tmp_path / "v.xlsx", {**OPTIONS, "constant_memory": True})
    ws = fw.book.add_worksheet("A")
    ws.write_string(0, 0, "x")
    fw.add_rows(ws, range(1, len(values) + 1), [fx.Cells(0, text=pa.array(values))])
    fw.close()
    cells = [c for (c,) in openpyxl.load_workbook(tmp_path / "v.xlsx").active.iter_rows(min_row=2)]
    assert [c.value for c in cells] == values and all(c.data_type == "s" for c in cells)


def test_sheet_row_limit(tmp_path: Path) -> None:
    """The last row of a sheet can be written; one past it is refused before anything is written."""
    fw = fx.Workbook(tmp_path / "limit.xlsx", {**OPTIONS, "constant_memory": True})
    ws = fw.book.add_worksheet("A")
    ws.write_string(0, 0, "head")
    with pytest.raises(ValueError, match="beyond"):
        fw.add_rows(ws, [1, fx.XLSX_MAX_ROWS], [fx.Cells(0, text=pa.array(["a", "b"]))])
    with pytest.raises(ValueError, match="increasing"):
        fw.add_rows(ws, [2, 1], [fx.Cells(0, text=pa.array(["a", "b"]))])
    with pytest.raises(ValueError, match="one value per row"):
        fw.add_rows(ws, [1, 2], [fx.Cells(0, text=pa.array(["a"]))])
    fw.add_rows(ws, [1, 2, fx.XLSX_MAX_ROWS - 1], [fx.Cells(0, text=pa.array(["a", "b", "last"]))])
    fw.close()
    ws = openpyxl.load_workbook(tmp_path / "limit.xlsx", read_only=True).active
    assert ws.calculate_dimension() == f"A1:A{fx.XLSX_MAX_ROWS}"
    got = [(r[0].row, r[0].value) for r in ws.iter_rows() if r and r[0].value is not None]
    assert got == [(1, "head"), (2, "a"), (3, "b"), (fx.XLSX_MAX_ROWS, "last")]


def test_many_rows_round_trip(tmp_path: Path) -> None:
    """A longer block in many slices: row count and a sample of rows as written."""
    n = 25_000
    ids = [f"{i:012d}" for i in range(n)]
    years = np.arange(n) % 90 + 1930
    fw = fx.Workbook(tmp_path / "long.xlsx", {**OPTIONS, "constant_memory": True}, chunk_rows=4_000)
    ws = fw.book.add_worksheet("Danh sách")
    ws.write_row(0, 0, ["ID", "Năm"])
    fw.add_rows(ws, range(1, n + 1), [fx.Cells(0, text=pa.array(ids)), fx.Cells(1, number=pa.array(years))])
    fw.close()
    rows = list(openpyxl.load_workbook(tmp_path / "long.xlsx", read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == n + 1
    for i in (0, 1, 3_999, 4_000, 12_345, n - 1):
        assert rows[i + 1] == (ids[i], int(years[i]))


@pytest.mark.parametrize("width", [1, 3])
def test_csv_as_pandas_writes_it(tmp_path: Path, width: int) -> None:
    values = ["plain", "a,b", 'quote "x"', "line\nbreak", "cr\ronly", "", None, " spaced ", "Đặng Văn Ơn", "2024"]
    columns = {f"Cột {j}, ({j})" if j else "Số định danh": values[j:] + values[:j] for j in range(width)}
    expected = tmp_path / "pandas.csv"
    pd.DataFrame(columns).astype("object").to_csv(expected, index=False, encoding="utf-8-sig")
    fx.write_csv(tmp_path / "fast.csv", list(columns), [pa.array(v, pa.string()) for v in columns.values()],
                 chunk_rows=3)
    assert (tmp_path / "fast.csv").read_bytes() == expected.read_bytes()
    header = next(csv.reader(io.StringIO((tmp_path / "fast.csv").read_text("utf-8-sig"), newline="")))
    assert header == list(columns)  # (a lone carriage return is not quoted, by pandas either: it splits rows)


def test_text_escaping_matches_xlsxwriter_cell_by_cell() -> None:
    """The vectorised escaping equals the one-string reference for many random strings of awkward characters."""
    rng = np.random.default_rng(7)
    alphabet = list("ab &<>\"'_x0041F;\t\n\r\x01\x1f\u00a0\u3000\u2028đĐơ") + ["_x00e9_", "😀", "\ufffe"]
    strings = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 12)))) for _ in range(3_000)]
    fast = fx.text_xml(pa.array(strings)).to_pylist()
    assert fast == [fx._slow_text(s) for s in strings]


def test_libreoffice_reads_the_fast_workbook(tmp_path: Path) -> None:
    """LibreOffice opens the spliced workbook and reads the same cells as from xlsxwriter's (skipped without it)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    plain, fast = _write_both(tmp_path, 30, constant_memory=True, sheets=1)
    out = {}
    for path in (plain, fast):
        target = tmp_path / path.stem
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(target),
                        str(path)], check=True, capture_output=True, timeout=180)
        out[path.stem] = (target / f"{path.stem}.csv").read_bytes()
    assert out["plain"] == out["fast"] and b"Nguy\xe1\xbb\x85n" in out["fast"]


# ------------------------------------------------------------------------------------------ the report's lists
def _old_list_cell(s: pd.Series, fmt: str) -> list[tuple[str, Any]]:
    """What the forms' list sheets wrote cell by cell before the column-wise writer: ("s"|"n"|"", value)."""
    if s.dtype == bool or str(s.dtype) == "boolean":
        return [("s", "x") if v is True else ("", None) for v in s.astype("boolean").fillna(False).tolist()]
    if pd.api.types.is_datetime64_any_dtype(s):
        return [("", None) if pd.isna(v) else ("s", v.strftime("%d/%m/%Y")) for v in s.tolist()]
    out: list[tuple[str, Any]] = []
    for v in s.astype(object).tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out.append(("", None))
        elif fmt == "text" or isinstance(v, str):
            out.append(("s", str(v)))
        else:
            out.append(("n", float(v) if not isinstance(v, int) else v))
    return out


@pytest.mark.parametrize("fmt", ["text", "int"])
def test_form_list_values_as_written_cell_by_cell(fmt: str) -> None:
    from hgn_review.reports.excel import _list_values

    frame = pd.DataFrame({
        "flag": [True, False, True, False],
        "maybe": pd.array([True, None, False, True], dtype="boolean"),
        "born": pd.to_datetime(["1970-03-15", None, "2001-12-31", "1999-01-02"]),
        "name": pd.array(["Lê Văn An", None, "", "001234"], dtype="string"),
        "inferred": pd.Series(["Kinh", None, "Tày", "Mường"]).astype("str"),
        "year": pd.array([1970, None, 2001, 1999], dtype="Int64"),
        "count": np.array([1, 2, 3, 4]),
        "ratio": [1.5, np.nan, 2.0, 1e20],
        "mixed": pd.Series(["a", 3, None, 2.5], dtype=object),
        "masked_float": pd.array([1.25, None, 3.0, -0.5], dtype="Float64"),
    })
    for name in frame.columns:
        text, number = _list_values(frame[name], fmt)
        got = []
        for i in range(len(frame)):
            if text is not None and text[i].is_valid:
                got.append(("s", text[i].as_py()))
            elif number is not None and number[i].is_valid:
                v = number[i].as_py()
                got.append(("n", v))
            else:
                got.append(("", None))
        expected = _old_list_cell(frame[name], fmt)
        assert [(k, f"{v:.16G}" if k == "n" else v) for k, v in got] == \
            [(k, f"{v:.16G}" if k == "n" else v) for k, v in expected], name


def test_population_list_with_a_custom_column_map(tmp_path: Path) -> None:
    """Numbers, dates, flags and repeated headers in a province's own column map: the workbook holds what cell-by-cell
    writing held and the CSV holds the same values, whole numbers as digits even in a column with a blank ("1970",
    not the "1970.0" an earlier version printed)."""
    from hgn_review.reports import build_view, write_population_list
    from hgn_review.reports.population import load_column_map, prepare
    from test_reports import build_results

    columns = tmp_path / "columns.yaml"
    columns.write_text("""file: ds
sheet: DS
missing_sheet: Thiếu
note_sheet: Ghi chú
columns:
  - {header: Số định danh, field: so_dinh_danh, type: id}
  - {header: Năm sinh, field: nam_sinh, type: int}
  - {header: Năm sinh chữ, field: nam_sinh}
  - {header: Ngày sinh, field: ngay_sinh}
  - {header: DTTS, field: minority}
  - {header: STT, field: stt, type: int}
  - {header: STT, field: hh_no}
  - {header: NS nam, field: birth_year_male, type: int}
missing_columns:
  - {header: Họ và tên, field: ho_ten, type: name}
  - {header: Lý do, field: reason}
""", "utf-8")
    view = build_view(build_results())
    paths = write_population_list(build_results(), tmp_path, columns_file=columns, view=view, max_rows=20)
    cmap = load_column_map(columns)
    p = prepare(view, cmap, False)

    def old(values: pd.Series, ctype: str) -> list[Any]:
        if ctype == "int":
            return [None if pd.isna(v) else int(v) for v in pd.to_numeric(values, errors="coerce").tolist()]
        return [None if v is pd.NA else str(v) for v in values.astype("string").tolist()]

    expected = tmp_path / "expected.csv"
    pd.DataFrame({c.header: pd.Series(old(p[c.field], c.type), dtype=object) for c in cmap.columns}).to_csv(
        expected, index=False, encoding="utf-8-sig")
    ints_with_blank = [c for c in cmap.columns if c.type == "int" and pd.to_numeric(p[c.field], errors="coerce").isna().any()
                       and pd.to_numeric(p[c.field], errors="coerce").notna().any()]
    assert ints_with_blank, "the case needs an int column with both numbers and blanks"
    assert not re.search(rb"(^|,)\d+\.0(,|\r?$)", paths[1].read_bytes(), re.M)
    assert paths[1].read_bytes() == expected.read_bytes()
    wb = openpyxl.load_workbook(paths[0])
    parts = [ws for ws in wb.worksheets if ws.title.startswith("DS (")]
    assert len(parts) >= 2
    written = [row for ws in parts for row in ws.iter_rows(min_row=2, values_only=True)]
    rows = list(zip(*[old(p[c.field], c.type) for c in cmap.columns], strict=True))
    assert written == rows
