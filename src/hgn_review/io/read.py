"""Reading commune returns: the only place that opens input workbooks.

Every sheet is read once as a grid of text (fastexcel/calamine, Arrow-backed), with the Excel row number as the
index and the column letter as the column name, so every later finding points at the cell the officer sees.
Header rows are found below title rows, matched leniently against the layout, and the data band is cut out.
Nothing here judges values: that is validation. Nothing here writes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hgn_review.errors import InputError, UsageError
from hgn_review.findings import Finding, finding
from hgn_review.io.safety import Limits, check_file
from hgn_review.io.xlsxscan import SheetScan, scan_sheet
from hgn_review.schemas.layout import Layout, SheetSpec, load_layout
from hgn_review.text import arrow_mask, arrow_text, fold, header_key

HEADER_SEARCH_ROWS = 30
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
READABLE_SUFFIXES = EXCEL_SUFFIXES | {".csv"}
# a column-number cell under the header: "1", "(2)", "A", "Cột 3" (the word "Cột", column, written before it)
_SEQ_TOKEN = re.compile(r"^\(?(?:[Cc](?:[ộỘ]|[ôÔ]\u0323|[oO]\u0323\u0302|[oO])[Tt]\s*)?[A-Z0-9]{1,3}\)?$")  # (NFD too)


def col_letter(index0: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    s = ""
    n = index0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def col_index(letter: str) -> int:
    """A → 0, Z → 25, AA → 26."""
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class SheetData:
    """The data band of one sheet: values as text (NA for blank), index = Excel row number."""

    file: str
    sheet: str
    role: str
    frame: pd.DataFrame
    headers: dict[str, str]  # key -> header as written
    letters: dict[str, str]  # key -> column letter
    header_row: int
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)  # unknown columns, named by their header
    scan: SheetScan | None = None
    repeated_header_rows: list[int] = field(default_factory=list)

    xls_path: str | None = None  # an Excel 97–2003 or an ODS workbook: its cell types are read from it when asked
    # and what its own scan found (error cells, hidden rows, merges; ``scan`` is the .xlsx one)
    xls_scan: SheetScan | None = None

    @property
    def cell_errors(self) -> dict[tuple[str, int], str]:
        """Formula-error cells (col, row) → "#DIV/0!", whatever the workbook's format."""
        found = self.scan or self.xls_scan
        return found.errors if found is not None else {}

    def numeric_rows(self, key: str) -> set[int]:
        """Rows whose cell in column ``key`` is stored as a number (empty when cell types are unknown)."""
        if key not in self.letters:
            return set()
        if self.scan is None:
            if not self.xls_path:
                return set()
            ods = _content_suffix(Path(self.xls_path)) == ".ods"  # by content: an .ods renamed .xls is an .ods
            typed = _ods_numeric_rows if ods else _xls_numeric_rows
            return typed(self.xls_path, self.sheet, self.letters[key])
        return self.scan.numeric_rows(self.letters[key])


def _xls_numeric_rows(path: str, sheet: str, letter: str) -> set[int]:
    """Rows of an .xls sheet whose cell in column ``letter`` is a number (xlrd knows the cell types calamine
    gives as text); empty when xlrd cannot read the file."""
    import xlrd

    try:
        book = xlrd.open_workbook(path, on_demand=True)
        try:
            types = book.sheet_by_name(sheet).col_types(col_index(letter))
        finally:
            book.release_resources()
    except Exception:  # noqa: BLE001 - without the types, an 11-digit ID is reported, not restored
        return set()
    return {i + 1 for i, t in enumerate(types) if t == xlrd.XL_CELL_NUMBER}


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


_ODS_CELLS = frozenset({f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell", f"{_ODS_TABLE}table-row",
                        "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p",
                        "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}span"})


def _ods_rows(path: str, sheet: str, other: Callable[[Any], None] | None = None) -> Iterator[tuple[int, int, Any]]:
    """The rows of an ODS sheet as (first row number, times repeated, the row element), from its content.xml,
    streamed (each element cleared once passed); ``other`` is handed every other element as it ends (the styles
    and the sheet's columns, which come before its rows). Raises what the zip or XML reader raises."""
    import zipfile

    from defusedxml.ElementTree import iterparse

    row, inside = 0, False
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        for event, el in iterparse(fh, events=("start", "end")):
            if el.tag == f"{_ODS_TABLE}table":
                if event == "start":
                    inside, row = el.get(f"{_ODS_TABLE}name") == sheet, 0
                elif inside:
                    return
                else:
                    el.clear()
                continue
            if event != "end":
                continue
            if not inside or el.tag != f"{_ODS_TABLE}table-row":
                if other is not None and el.tag not in _ODS_CELLS and (inside or el.tag != f"{_ODS_TABLE}table-column"):
                    other(el)  # (a style, this sheet's column — not every cell and paragraph of the workbook)
                continue
            repeat = int(el.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
            yield row, repeat, el
            row += repeat
            el.clear()


_ODS_CELL_TAGS = (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell")


def _ods_cells(row: Any) -> Iterator[tuple[int, int, Any]]:
    """The cells of an ODS row element as (first column, times repeated, the cell element), columns counted from 0
    as ODS repeats them."""
    col = 0
    for cell in row:
        if cell.tag not in _ODS_CELL_TAGS:
            continue
        span = int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
        yield col, span, cell
        col += span


def _ods_numeric_rows(path: str, sheet: str, letter: str) -> set[int]:
    """Rows of an ODS sheet whose cell in column ``letter`` holds a number (office:value-type float, percentage
    or currency), rows and cells repeated by count as ODS writes them; empty when the file cannot be read."""
    want = col_index(letter)
    out: set[int] = set()
    try:
        for row, repeat, el in _ods_rows(path, sheet):
            for col, span, cell in _ods_cells(el):
                if col <= want < col + span:
                    if cell.get(f"{_ODS_OFFICE}value-type") in ("float", "percentage", "currency"):
                        out.update(range(row + 1, row + 1 + repeat))
                    break
    except Exception:  # noqa: BLE001 - without the types, an 11-digit ID is reported, not restored
        return set()
    return out


_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_ODS_NUMBER = "{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"
_ODS_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_ODS_MANY = 1000  # rows repeated more often than this are the sheet's empty tail: their first row only is looked at


def _ods_padding_width(el: Any) -> int | None:
    """The width of an ODS number style that only pads whole numbers with zeros ("0000": min-integer-digits 4, no
    decimals, nothing else shown); None for any other style."""
    kids = list(el)
    if len(kids) != 1 or kids[0].tag != f"{_ODS_NUMBER}number":
        return None
    n = kids[0]
    if int(n.get(f"{_ODS_NUMBER}decimal-places", "0") or 0) or n.get(f"{_ODS_NUMBER}grouping") == "true":
        return None
    width = int(n.get(f"{_ODS_NUMBER}min-integer-digits", "1") or 1)
    return width if width >= 2 else None


def _ods_scan(path: str, sheet: str) -> SheetScan | None:
    """Formula-error cells ("#DIV/0!", "Err:502"), hidden (or filtered-out) rows, merged ranges and the number cells
    of a zero-padding format ("0000": shown "0012", stored 12) of an ODS sheet, as the .xlsx scan gives them, from
    its content.xml, streamed (rows and cells repeated by count); None when the file cannot be read that way.
    Calamine gives an error cell as blank (the officer sees the error) and a padded number bare."""
    scan = SheetScan()
    widths: dict[str, int] = {}  # number style → padding width
    data_style: dict[str, str] = {}  # cell style → its number style
    column_style: dict[int, str] = {}  # column → the cell style its cells take when they name none
    n_columns = [0]

    def styles(el: Any) -> None:
        """The number styles, cell styles and the sheet's columns (before its rows)."""
        if el.tag == f"{_ODS_NUMBER}number-style":
            width = _ods_padding_width(el)
            if width:
                widths[str(el.get(f"{_ODS_STYLE}name"))] = width
        elif el.tag == f"{_ODS_STYLE}style" and el.get(f"{_ODS_STYLE}data-style-name"):
            data_style[str(el.get(f"{_ODS_STYLE}name"))] = str(el.get(f"{_ODS_STYLE}data-style-name"))
        elif el.tag == f"{_ODS_TABLE}table-column":
            rep = int(el.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
            default = el.get(f"{_ODS_TABLE}default-cell-style-name")
            if default and widths.get(data_style.get(default, "")):
                column_style.update(dict.fromkeys(range(n_columns[0], n_columns[0] + min(rep, 16384)), default))
            n_columns[0] += rep

    try:
        for row, repeat, el in _ods_rows(path, sheet, styles):
            rows_here = range(row + 1, row + 1 + (repeat if repeat <= _ODS_MANY else 1))
            if el.get(f"{_ODS_TABLE}visibility", "visible") != "visible" and len(el) and \
                    any(len(c) or c.get(f"{_ODS_OFFICE}value-type") for c in el):  # (a hidden row with data)
                scan.hidden_rows.update(rows_here)
            for col, span, cell in _ods_cells(el):
                if cell.get(f"{_ODS_CALCEXT}value-type") == "error":
                    said = "".join(cell.itertext()).strip() or "#ERROR"
                    for c in range(col, col + span):
                        for r in rows_here:
                            scan.errors[(col_letter(c), r)] = said
                elif cell.get(f"{_ODS_OFFICE}value-type") == "float" and (widths or column_style):
                    style = cell.get(f"{_ODS_TABLE}style-name") or column_style.get(col, "")
                    width = widths.get(data_style.get(style, ""))
                    value = cell.get(f"{_ODS_OFFICE}value", "")
                    if width and re.fullmatch(r"\d+(\.0*)?", value):
                        for c in range(col, col + min(span, _ODS_MANY)):
                            for r in rows_here:
                                scan.shown[(col_letter(c), r)] = value.split(".")[0].zfill(width)
                if cell.get(f"{_ODS_TABLE}formula"):  # (a count formula dragged below the list: _formula_tail)
                    scan.formulas.update((col_letter(c), r) for c in range(col, col + min(span, _ODS_MANY))
                                         for r in rows_here)
                cols = int(cell.get(f"{_ODS_TABLE}number-columns-spanned", "1"))
                rows = int(cell.get(f"{_ODS_TABLE}number-rows-spanned", "1"))
                if cell.tag == _ODS_CELL_TAGS[0] and (cols > 1 or rows > 1):
                    scan.merges.append((col_letter(col), row + 1, col_letter(col + cols - 1), row + rows))
    except Exception:  # noqa: BLE001 - without it the cells are read as calamine gives them
        return None
    return scan


@dataclass
class ReturnFile:
    path: str
    layout: str | None
    sheets: dict[str, SheetData]
    info: dict[str, str]
    findings: list[Finding]
    sha256: str
    readable: bool = True
    # where each info value was written: folded label -> (sheet, Excel row, column letter)
    info_cells: dict[str, tuple[str, int, str]] = field(default_factory=dict)

    def rows(self) -> dict[str, int]:
        return {s.sheet: len(s.frame) for s in self.sheets.values()}


def fingerprint(path: Path) -> tuple[int, int, int, int]:
    """Size, modification and change times (ns), inode: what the file system says changes with the file."""
    import os

    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # of no bytes: an empty file


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------- grids
class _Book:
    """A workbook opened for reading: sheet names and text grids."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.suffix = path.suffix.lower()
        self.named_as = ""  # the format the name says, when the content is another one (".xls" for an .xlsx)
        self._fx = None
        self._opx = None
        self._csv: pd.DataFrame | None = None
        self._grids: dict[str, pd.DataFrame] = {}  # each sheet read once (see grid)
        self._hidden: dict[str, bool] = {}  # each sheet's visibility, learnt when it is read
        if self.suffix == ".csv":
            self._csv = _read_csv_grid(path)
            self.names = [path.stem]
            return
        import fastexcel

        head = _sniff(path)
        if self.suffix in (".xls", ".xlsx", ".xlsm") and _text_format(head) == "csv":
            # separated text under a workbook's name (a renamed .csv, a web export): read by its content
            self.named_as, self.suffix = self.suffix, ".csv"
            self._csv = _read_csv_grid(path)
            self.names = [path.stem]
            return
        source: str | bytes = str(path)
        actual = _content_suffix(path, head)
        if actual is not None and actual != self.suffix and {actual, self.suffix} <= {".xlsx", ".xls", ".xlsm", ".ods"}:
            # renamed, or saved in the old format under the new name: read by content (calamine takes the
            # format of bytes from their signature)
            self.named_as, self.suffix = self.suffix, actual
            source = path.read_bytes()
        try:
            self._fx = fastexcel.read_excel(source)
            self.names = [s for s in self._fx.sheet_names]
        except Exception:  # noqa: BLE001 - calamine refused the file: try openpyxl before giving up
            import openpyxl

            self._opx = openpyxl.load_workbook(path, read_only=True, data_only=True)
            self.names = list(self._opx.sheetnames)

    def grid(self, sheet: str, n_rows: int | None = None) -> pd.DataFrame:
        if self._csv is not None:
            return self._csv if n_rows is None else self._csv.head(n_rows)
        if self._fx is not None:
            # calamine parses the whole sheet even for its first rows (the 40 rows the header is looked for in cost
            # as much as the sheet): each sheet is read whole once, and a head is cut from it
            if sheet in self._grids:
                whole = self._grids[sheet]
                return whole if n_rows is None else whole.head(n_rows)
            try:
                sh = self._fx.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string",
                                         whitespace_as_null=True)
                df = sh.to_pandas()
            except BaseException as exc:
                if not reader_fault(exc):
                    raise
                # calamine gave up on a cell (a date-formatted number far outside the calendar makes it panic):
                # the sheet is read again with openpyxl, which keeps such a cell as an error value to report
                self._fallback(exc)
                return _openpyxl_grid(self._opx, sheet, n_rows)
            letters = [col_letter(c.absolute_index) for c in sh.selected_columns]
            df.columns = letters
            df.index = np.arange(1, len(df) + 1, dtype=np.int64)
            self._grids[sheet] = df
            self._hidden[sheet] = str(sh.visible) != "visible"
            return df if n_rows is None else df.head(n_rows)
        return _openpyxl_grid(self._opx, sheet, n_rows)

    def hidden(self, sheet: str) -> bool:
        """Whether the sheet is hidden in Excel (an officer does not see it, nor fix it)."""
        try:
            if self._fx is not None:
                # calamine parses a whole sheet even for one row: the sheet is read (and kept) as grid() reads it,
                # which the sheets a return is read from are anyway — asked of them, this costs nothing
                if sheet not in self._hidden and sheet not in self._grids:
                    self.grid(sheet)
                if sheet in self._hidden:
                    return self._hidden[sheet]
                return str(self._fx.load_sheet(sheet, header_row=None, n_rows=1).visible) != "visible"
            if self._opx is not None:
                return str(getattr(self._opx[sheet], "sheet_state", "visible")) != "visible"
        except Exception:  # noqa: BLE001 - a sheet that cannot be asked is taken as visible
            return False
        return False

    def _fallback(self, exc: BaseException) -> None:
        if self._opx is not None:
            return
        import openpyxl

        try:
            self._opx = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as second:  # noqa: BLE001 - neither reader can read it (e.g. an .xls): why calamine gave up
            raise ValueError(_short(exc)) from second


def reader_fault(exc: BaseException) -> bool:
    """An exception raised by a reader on this file's content: any ``Exception``, and the ``PanicException`` the
    Rust readers (calamine) raise, which derives from ``BaseException``. Not an interrupt, an exit or no memory."""
    if isinstance(exc, MemoryError):
        return False
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file: .xls (or a Word document, an encrypted .xlsx)


def _content_suffix(path: Path, head: bytes | None = None) -> str | None:
    """The workbook format the first bytes (``head``, when already read) say: ".ods" (a zip package whose first
    member, stored as is, names the OpenDocument spreadsheet type), ".xlsx" (any other zip package; an .xlsm is one
    too, told apart by its name) or ".xls" (an OLE2 compound file); None for anything else."""
    if head is None or len(head) < len(_ODS_MIME) + 40:
        try:
            with path.open("rb") as fh:
                head = fh.read(256)
        except OSError:
            return None
    if head.startswith(b"PK\x03\x04"):
        if _ODS_MIME in head[:256]:
            return ".ods"
        return ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    if head.startswith(_OLE2):
        return ".xls"
    return None


_ODS_MIME = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"  # an ODS package's first member, stored
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream Excel keeps a password-protected workbook in
_SNIFF = 64 * 1024


def _text_format(head: bytes) -> str | None:
    """What a file that is text says it is, from its first bytes: "html" (a web page: the "Xuất Excel" of web
    software), "xml" (Excel's XML Spreadsheet 2003), "csv" (other text whose first line is separated by commas,
    semicolons or tabs), or None for anything else."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            head = head.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return None
    elif b"\x00" in head:
        return None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"<"):  # markup, never a list of values: Excel's XML 2003, else a web page (a <style>
        # block first keeps the leading zeros of IDs in web exports)
        return "xml" if b"urn:schemas-microsoft-com:office:spreadsheet" in start else "html"
    first = next((line for line in head.splitlines() if line.strip()), b"")
    return "csv" if any(sep in first for sep in (b",", b";", b"\t")) else None  # a list has columns


def _sniff(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(_SNIFF)
    except OSError:
        return b""


_PASSWORD = ("tệp được đặt mật khẩu mở; hgn không đọc tệp có mật khẩu — đề nghị xã gỡ mật khẩu (Excel: Tệp > Thông "
             "tin > Bảo vệ sổ làm việc > Mã hóa bằng mật khẩu, xóa mật khẩu) rồi gửi lại",
             "the workbook is protected by an open password, which hgn does not read: ask the commune to remove the "
             "password (Excel: File > Info > Protect Workbook > Encrypt with Password) and send it again")


def unreadable_reason(path: Path, exc: BaseException | None = None) -> tuple[str, str]:
    """Why a return cannot be read, in words for the officer and the commune (Vietnamese, English), found from
    what the file holds — never the reader library's own message ("File is not a zip file")."""
    if isinstance(exc, PermissionError):
        return "không có quyền đọc tệp (tệp bị khóa hoặc thuộc người dùng khác)", "no permission to read the file"
    said = exc
    while said is not None:  # calamine says so of an .xls with an open password (a FILEPASS record)
        if "password" in str(said).lower().replace(str(path).lower(), ""):  # (not a file named so)
            return _PASSWORD
        said = said.__cause__ or said.__context__
    try:
        size = path.stat().st_size
    except OSError as err:
        if path.is_symlink():  # a shortcut-like link to a return moved away, or on a network drive not connected
            return ("tệp là liên kết không dẫn tới tệp nào (tệp đã chuyển đi hay đổi tên, ổ mạng chưa kết nối): chép biểu "
                    "thật vào thư mục", "the file is a link that leads to no file (moved or renamed, a network drive not "
                    "connected): copy the return itself into the folder")
        return f"không mở được tệp ({err.strerror or type(err).__name__})", f"cannot open it ({err.strerror})"
    if size == 0:
        return ("tệp rỗng (0 byte): tệp đính kèm không có nội dung, cần xã gửi lại",
                "the file is empty (0 bytes): the attachment has no content; ask the commune to send it again")
    head = _sniff(path)
    if head.startswith(_OLE2):
        encrypted = _ENCRYPTED in head
        if not encrypted and size <= 64 * 1024 * 1024:
            import contextlib

            with contextlib.suppress(OSError):
                encrypted = _ENCRYPTED in path.read_bytes()
        if encrypted:
            return _PASSWORD
        if "WordDocument".encode("utf-16-le") in head:  # a Word document under a workbook's name
            return (f"tệp là văn bản Word mang đuôi {path.suffix}, không phải sổ Excel",
                    f"the file is a Word document named {path.suffix}, not an Excel workbook")
        return ("tệp Excel 97-2003 bị hỏng hoặc không trọn vẹn (tải hoặc chép dở?)",
                "the Excel 97-2003 file is damaged or incomplete (downloaded or copied halfway?)")
    if head.startswith(b"PK"):
        return ("tệp bị hỏng hoặc không trọn vẹn (tải hoặc chép dở?): Excel cũng không mở được thì cần xã gửi lại",
                "the workbook is damaged or incomplete (downloaded or copied halfway?); if Excel cannot open it either, "
                "ask the commune to send it again")
    kind = _text_format(head)
    if kind == "html":
        return (f"tệp là một trang web (HTML, bảng xuất từ phần mềm trên mạng) mang đuôi {path.suffix}, không phải sổ "
                "Excel", f"the file is a web page (HTML, a table exported by web software) named {path.suffix}, not an "
                "Excel workbook")
    if kind == "xml":
        return (f"tệp là bảng tính XML 2003 (xuất từ phần mềm trên mạng) mang đuôi {path.suffix}",
                f"the file is an XML Spreadsheet 2003 (exported by web software) named {path.suffix}")
    return ("nội dung tệp không phải sổ Excel (.xlsx, .xls), ODS hay CSV",
            "its content is not an Excel (.xlsx, .xls), ODS or CSV workbook")


def _csv_text(raw: bytes) -> str:
    """A CSV's text: UTF-16 when its byte-order mark says so (Excel's "Unicode Text"), else UTF-8, else the
    Vietnamese Windows code page, else Latin-1 (every byte decodes: legacy text is then reported, never lost)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    latin = raw.decode("latin-1")  # every byte decodes
    try:
        windows = raw.decode("cp1258")
    except UnicodeDecodeError:
        return latin
    # an 8-bit file is the Vietnamese code page, or text typed with a TCVN3/VNI font saved byte for byte (then
    # cp1258 turns its letters into stray combining marks, "Tḥ B́nh", and the legacy text would go unreported):
    # the reading whose fields are Vietnamese wins
    if _legacy_fields(latin) > _vietnamese_fields(windows):
        return latin
    # the code page writes a toned vowel as the letter and a combining tone mark: composed, as Unicode text is
    # typed (the commune did not type the decomposed form and cannot "fix" it)
    import unicodedata

    return unicodedata.normalize("NFC", windows)


def _fields(text: str, limit: int = 2000) -> list[str]:
    """The distinct non-ASCII fields of a CSV text (at most ``limit``)."""
    out: dict[str, None] = {}
    for cell in re.split(r"[,;\t\r\n]", text):
        cell = cell.strip().strip('"')
        if cell and not cell.isascii():
            out.setdefault(cell, None)
            if len(out) >= limit:
                break
    return list(out)


def _legacy_fields(text: str) -> int:
    from hgn_review.legacy import detect

    return sum(detect(f) is not None for f in _fields(text))


def _vietnamese_fields(text: str) -> int:
    import unicodedata

    from hgn_review.legacy import is_vietnamese_syllable

    def reads(field: str) -> bool:
        words = [w for w in re.findall(r"\w+", unicodedata.normalize("NFC", field)) if not w.isascii()]
        return bool(words) and all(is_vietnamese_syllable(w.lower()) for w in words)

    return sum(reads(f) for f in _fields(text))


def _delimiter(text: str) -> str:
    """The field separator: the one of , ; and tab that splits the first lines into the most fields (Excel with
    a Vietnamese locale saves ';', "Unicode Text" tabs)."""
    import csv
    import io

    lines = [ln for ln in text.splitlines()[:30] if ln.strip()]
    best, most = ",", 0
    for sep in (",", ";", "\t"):
        try:
            fields = sum(len(r) - 1 for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
        except csv.Error:
            continue
        if fields > most:
            best, most = sep, fields
    return best


def _read_csv_grid(path: Path) -> pd.DataFrame:
    text = _csv_text(path.read_bytes())
    import csv
    import io

    # rows of any length (a title line of one field above the header, as web software writes it): each row as
    # written, padded to the widest
    # "sep=;" on the first line tells Excel the separator, and Excel does not show it: row 1 is the line after it,
    # as the officer sees it (a finding located one row too low would point at another household)
    first, _, rest = text.partition("\n")
    said = re.fullmatch(r"\ufeff?\s*sep=(.)\s*", first)
    if said is not None:
        text = rest
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=said.group(1) if said else _delimiter(text)))
    width = max((len(r) for r in rows), default=0)
    df = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    df = df.replace(r"^\s*$", np.nan, regex=True)
    df.columns = [col_letter(i) for i in range(df.shape[1])]
    df.index = np.arange(1, len(df) + 1, dtype=np.int64)
    return df


def _rows(ws: Any, n_rows: int | None) -> Iterator[list[str]]:
    for i, row in enumerate(ws.iter_rows(values_only=True)):
        if n_rows is not None and i >= n_rows:
            break
        yield ["" if v is None else str(v) for v in row]


def _openpyxl_grid(wb: object, sheet: str, n_rows: int | None) -> pd.DataFrame:
    ws = wb[sheet]  # type: ignore[index]
    with warnings.catch_warnings():  # a date outside the calendar: openpyxl warns, keeps "#VALUE!", which is reported
        warnings.simplefilter("ignore", UserWarning)
        rows = list(_rows(ws, n_rows))
    df = pd.DataFrame(rows)
    df = df.replace(r"^\s*$", np.nan, regex=True)
    df.columns = [col_letter(i) for i in range(df.shape[1])]
    df.index = np.arange(1, len(df) + 1, dtype=np.int64)
    return df


# --------------------------------------------------------------------------------------------- headers
@dataclass
class HeaderMatch:
    row: int
    found: dict[str, tuple[str, str]]  # key -> (letter, header text as written)
    duplicates: dict[str, list[tuple[str, str]]]
    unknown: list[tuple[str, str]]  # (letter, header)
    band_end: int  # last row of the header band (header row or the numbering row below it)
    written: dict[str, str] = field(default_factory=dict)  # key -> the header cell's text as typed (legacy font kept)


def _near_headers(spec: SheetSpec, hm: HeaderMatch) -> dict[str, Any]:
    """The unknown columns (by letter) whose header is close to one of the layout's columns the sheet lacks — a
    letter or a word mistyped ("Thu nhap binh quan thang"): that column of the layout, the closest one. An unknown
    column that is another table's, or the commune's own, is near none of them."""
    import difflib

    absent = [c for c in spec.columns if c.key not in hm.found]
    if not hm.unknown or not absent:
        return {}
    keys = {k: c for c in absent for k in c.match_keys()}
    out: dict[str, Any] = {}
    for letter, text in hm.unknown:
        best = difflib.get_close_matches(_header_keys(text)[-1], list(keys), n=1, cutoff=0.8)
        if best:
            out[letter] = keys[best[0]]
    return out


def _key_index(spec: SheetSpec) -> dict[str, str]:
    idx: dict[str, str] = {}
    for c in spec.columns:
        for k in c.match_keys():
            idx.setdefault(k, c.key)
    return idx


@lru_cache(maxsize=8192)
def _header_keys(text: str) -> tuple[str, ...]:
    """A header's match key, and that of its Unicode reading when it was typed in a TCVN3/VNI font ("M· hé" is
    "Mã hộ": an old template's headers)."""
    from hgn_review import legacy

    key = header_key(text)
    encoding = legacy.detect(text)
    return (key, header_key(legacy.to_unicode(text, encoding))) if encoding is not None else (key,)


@lru_cache(maxsize=8192)
def _header_text(text: str) -> str:
    """A header as it is quoted to officers: its Unicode reading when typed in a TCVN3/VNI font ("Thoân, toå daân
    phoá" is "Thôn, tổ dân phố"), spaces collapsed."""
    from hgn_review import legacy

    return " ".join(legacy.as_unicode(text).split())


def _match_row(cells: Sequence[object], above: Sequence[object] | None, letters: list[str], r: int,
               index: dict[str, str]) -> HeaderMatch:
    """Match one row of cells (and the row above, for group headers) against the layout's header keys."""
    found: dict[str, tuple[str, str]] = {}
    dups: dict[str, list[tuple[str, str]]] = {}
    unknown: list[tuple[str, str]] = []
    filled: list[object] = []
    last: object = None
    for v in above or []:  # a group header merged over several columns covers them all
        last = v if isinstance(v, str) else last
        filled.append(last)
    written: dict[str, str] = {}
    from_above: list[tuple[str, str]] = []  # headers merged down from the row above that match no key
    matched_above = 0
    for j, val in enumerate(cells):
        cands: list[str] = []
        if isinstance(val, str):
            if above is not None and isinstance(filled[j], str):
                cands.append(f"{filled[j]} {val}")  # a group header above wins: "Thiếu hụt" + "Nguồn nước"
            cands.append(val)
        elif above is not None and isinstance(above[j], str):
            cands.append(str(above[j]))  # header cell merged vertically over two rows
        if not cands:
            continue
        key = next((index[k] for c in cands for k in _header_keys(c) if k in index), None)
        typed = str(val if isinstance(val, str) else cands[0])
        text = _header_text(typed)
        letter = letters[j]
        if key is None:
            if isinstance(val, str):
                unknown.append((letter, text))
            else:
                from_above.append((letter, text))
            continue
        if not isinstance(val, str):
            matched_above += 1
        if key in found:
            dups.setdefault(key, [found[key]]).append((letter, text))
        else:
            found[key] = (letter, text)
            written[key] = " ".join(typed.split())
    if matched_above >= 3:  # the row above is the upper half of a header band (not a title): its other headers
        unknown.extend(from_above)  # ("Ghi chú" merged down like its neighbours) are extra columns too
        unknown.sort(key=lambda lt: letters.index(lt[0]))
    return HeaderMatch(row=r, found=found, duplicates=dups, unknown=unknown, band_end=r, written=written)


_UNIT_CELL = re.compile(r"^\s*\(.*\)\s*$", re.S)  # "(m²)", "(đồng/người/tháng)": the unit under a header


def find_header(grid: pd.DataFrame, spec: SheetSpec) -> HeaderMatch | None:
    index = _key_index(spec)
    head = grid.iloc[:HEADER_SEARCH_ROWS]
    rows = [[v if isinstance(v, str) else None for v in row] for row in head.to_numpy(dtype=object).tolist()]
    letters = [str(c) for c in grid.columns]
    best: HeaderMatch | None = None
    for i, cells in enumerate(rows):
        if sum(isinstance(v, str) for v in cells) < 2:
            continue
        m = _match_row(cells, rows[i - 1] if i else None, letters, int(head.index[i]), index)
        if len(m.found) >= 2 and (best is None or len(m.found) > len(best.found)):
            best = m
    if best is None:
        return None
    nxt = best.row + 1
    letters_found = [letter for letter, _ in best.found.values()]
    skipped = 0
    while nxt in grid.index and skipped < 2 and grid.loc[nxt, letters_found].isna().all():
        nxt += 1  # the blank lower half of headers merged down over two rows: the band goes on below it
        skipped += 1
    if skipped and nxt in grid.index:
        below = [str(v).strip() for v in grid.loc[nxt, letters_found].tolist() if isinstance(v, str)]
        if len(below) >= 3 and all(_SEQ_TOKEN.match(v) for v in below) and len(set(below)) == len(below):
            best.band_end = nxt  # the numbered column-key row under the merged header
            return best
    nxt = best.row + 1
    if nxt in grid.index:  # a header split over two rows: "Diện tích nhà ở" above "(m²)", units only below
        below = [v for v in grid.loc[nxt].tolist() if not pd.isna(v)]
        if below and all(isinstance(v, str) and _UNIT_CELL.match(v) for v in below):
            best.band_end = nxt
            nxt += 1
    if nxt in grid.index:
        vals = [grid.at[nxt, letter] for letter, _ in best.found.values()]
        present = [str(v).strip() for v in vals if isinstance(v, str)]
        if len(present) >= 3 and all(_SEQ_TOKEN.match(v) for v in present) and len(set(present)) == len(present):
            best.band_end = nxt  # the numbered column-key row (1, 2, 3 … or A, B …)
    return best


# --------------------------------------------------------------------------------------------- layouts
def detect_layout(book: _Book) -> tuple[str | None, dict[str, str]]:
    """Return (layout id, role -> sheet name)."""
    hgn = load_layout("hgn")
    names: dict[str, str] = {}
    same: dict[str, list[str]] = {}
    for n in book.names:  # "Hộ gia đình (2)", Excel's name for a copy, has the key of "Hộ gia đình": the sheet
        same.setdefault(header_key(n), []).append(n)  # the officer sees (a hidden one is last year's, kept out of
    for key, sheets in same.items():  # the way) wins, then the one whose name is exactly the key, else the first
        shown = [n for n in sheets if not book.hidden(n)] if len(sheets) > 1 else sheets
        names[key] = next((n for n in shown or sheets if fold(n) == key), (shown or sheets)[0])
    roles: dict[str, str] = {}
    for role, spec in hgn.sheets.items():
        for mk in spec.match_names():
            if mk in names:
                roles[role] = names[mk]
                break
    if roles:
        missing = [r for r in hgn.sheets if r not in roles]
        if missing:  # a sheet renamed ("Sheet2"): the one whose headers are that table's (and not another's)
            roles.update(_by_headers(book, hgn, missing, set(roles.values())))
        out_of_sight = [r for r, n in roles.items() if book.hidden(n)]
        if out_of_sight:  # last year's "Hộ gia đình" hidden, this year's in a sheet named "Hộ gia đình 2024":
            # the visible table is read, never one the officer cannot see (the hidden one is said, not read)
            taken = set(roles.values()) | {n for n in book.names if book.hidden(n)}
            roles.update(_by_headers(book, hgn, out_of_sight, taken))
        return "hgn", roles
    app_sheet = _app_sheet(book)
    if app_sheet is not None:
        return "app", {"households": app_sheet}
    # every sheet renamed ("Sheet1", "Sheet2"): each table found by its headers
    found = _by_headers(book, hgn, list(hgn.sheets), set()) if len(book.names) > 1 else {}
    if "households" in found:
        return "hgn", found
    # a single sheet with layout-1 household headers (e.g. a CSV)
    for name in book.names:
        m = find_header(book.grid(name, HEADER_SEARCH_ROWS), hgn.sheets["households"])
        if m and len(m.found) >= 4:
            return "hgn", {"households": name}
    return None, {}


def _is_guide(layout: Layout, name: str) -> bool:
    """Whether a sheet is the layout's instructions sheet ("Hướng dẫn", "Hướng dẫn ghi biểu")."""
    return bool(layout.instructions_sheet) and header_key(name).startswith(header_key(layout.instructions_sheet or ""))


def _by_headers(book: _Book, layout: Layout, wanted: list[str], taken: set[str]) -> dict[str, str]:
    """Role → sheet for roles no sheet name matched: an unclaimed sheet whose top rows hold at least four of the
    role's headers, more than of any other table's."""
    found: dict[str, str] = {}
    info = {header_key(n) for n in (layout.info_sheet or "", *layout.info_aliases) if n}
    for name in book.names:
        if name in taken or header_key(name) in info or _is_guide(layout, name):
            continue  # (the instructions sheet's worked example is no table)
        try:
            head = book.grid(name, HEADER_SEARCH_ROWS)
        except Exception:  # noqa: BLE001 - an unreadable sheet is simply not the table
            continue
        scores = {role: len(m.found) if (m := find_header(head, spec)) else 0 for role, spec in layout.sheets.items()}
        best = max(scores, key=lambda r: scores[r])
        runner_up = max((v for r, v in scores.items() if r != best), default=0)
        if best in wanted and best not in found and scores[best] >= 4 and scores[best] > runner_up:
            found[best] = name
    return found


def _app_sheet(book: _Book) -> str | None:
    """The first sheet whose top rows hold the application export's first header (family.code)."""
    found = _app_sheets(book, first=True)
    return found[0] if found else None


def _app_sheets(book: _Book, first: bool = False) -> list[str]:
    """The sheets whose top rows hold the application export's first header (family.code), in workbook order."""
    key = header_key(load_layout("app").sheets["households"].columns[0].header)
    out = []
    for name in book.names:
        try:
            head = book.grid(name, HEADER_SEARCH_ROWS)
        except Exception:  # noqa: BLE001 - an unreadable sheet is simply not the data sheet
            continue
        if any(isinstance(v, str) and header_key(v) == key for v in head.to_numpy().ravel()):
            out.append(name)
            if first:
                break
    return out


def _read_info(book: _Book, layout: Layout) -> tuple[dict[str, str], dict[str, tuple[str, int, str]]]:
    """The info sheet's values by folded label, and the cell each was written in."""
    if not layout.info_sheet:
        return {}, {}
    wanted = {header_key(n) for n in (layout.info_sheet, *layout.info_aliases)}
    for name in book.names:
        if header_key(name) in wanted:
            g = book.grid(name, 60)
            if g.shape[1] < 2:
                return {}, {}
            out: dict[str, str] = {}
            cells: dict[str, tuple[str, int, str]] = {}
            for row, label, value in zip(g.index, g.iloc[:, 0], g.iloc[:, 1], strict=True):
                if isinstance(label, str) and isinstance(value, str):
                    out[fold(label)] = value.strip()
                    cells[fold(label)] = (name, int(row), str(g.columns[1]))
            return out, cells
    return {}, {}


# --------------------------------------------------------------------------------------------- sheets
def _read_sheet(book: _Book, path: Path, file: str, sheet: str, spec: SheetSpec,
                findings: list[Finding], layout_id: str = "hgn") -> SheetData | None:
    # the application's export is not made from hgn's template: its columns and rows come back by exporting it again
    how: dict[str, Any] = {"how": "bằng cách xuất lại tệp từ phần mềm rà soát, đủ các cột",
           "how_en": "by exporting the file again from the review application, with every column"} \
        if layout_id == "app" else {}
    grid = book.grid(sheet)
    if grid.empty:  # not even a header: as if the sheet were missing (its rows, e.g. every member, are absent)
        findings.append(finding("sheet-blank", file=file, sheet=sheet, **how))
        return None
    hm = find_header(grid, spec)
    if hm is None:
        findings.append(finding("header-not-found", file=file, sheet=sheet))
        return None
    hr = hm.row
    for key, places in hm.duplicates.items():
        where = ", ".join(p[0] for p in places)
        findings.append(finding("column-duplicated", file=file, sheet=sheet, row=hr, column=places[0][1],
                                col=places[1][0], key=key, detail=where))
    refused: set[str] = set()  # columns found but not read (their unit is not the layout's): said once, not missing
    near = _near_headers(spec, hm)  # a header of the layout mistyped beyond the lenient match: said as such
    for letter, text in hm.unknown:
        if letter in near:
            c = near[letter]
            findings.append(finding("column-header-near", file=file, sheet=sheet, row=hr, column=text, col=letter,
                                    key=c.key, other=c.header, **how))
        else:
            findings.append(finding("column-unknown", file=file, sheet=sheet, row=hr, column=text, col=letter))
    for c in spec.columns:  # "(đồng/người/năm)" over the monthly income column: another quantity, never read
        if c.key in hm.found and (units := _unit_differs(c.header, hm.found[c.key][1])) is not None:
            letter, text = hm.found.pop(c.key)
            findings.append(finding("column-unit-different", file=file, sheet=sheet, row=hr, column=text, col=letter,
                                    key=c.key, detail=units[0], other=units[1]))
            refused.add(c.key)
    near_of = {c.key: (letter, text) for letter, text in hm.unknown if (c := near.get(letter)) is not None}
    def suggested(key: str) -> dict[str, str]:
        if key not in near_of:
            return how
        letter, text = near_of[key]
        return {"suggestion": f" (có phải cột \"{text}\", cột {letter}?)",
                "suggestion_en": f" (is it column {letter}, \"{text}\"?)", **how}

    groups: dict[str, list[Any]] = {}
    for c in spec.columns:
        if c.one_of:
            groups.setdefault(c.one_of, []).append(c)
        if c.key in hm.found or c.key in refused:
            continue
        if c.required:
            findings.append(finding("column-missing", file=file, sheet=sheet, row=hr, column=c.header, key=c.key,
                                    **suggested(c.key)))
        elif c.missing_note:  # required of some members only, or "a missing number is a finding": a warning
            findings.append(finding("column-missing-soft", file=file, sheet=sheet, row=hr, column=c.header,
                                    key=c.key, detail=c.missing_note[0], detail_en=c.missing_note[1], **suggested(c.key)))
    for cols in groups.values():
        if not any(c.key in hm.found or c.key in refused for c in cols):
            hint: dict[str, str] = next((suggested(c.key) for c in cols if c.key in near_of), how)
            findings.append(finding("column-missing-one-of", file=file, sheet=sheet, row=hr, column=cols[0].header,
                                    key=cols[0].key, detail=", ".join(f'"{c.header}"' for c in cols), **hint))

    band = grid.iloc[hm.band_end:]  # the grid's index is the Excel row number, 1, 2, 3 …
    letters = {k: v[0] for k, v in hm.found.items()}
    headers = {k: v[1] for k, v in hm.found.items()}
    data = pd.DataFrame({k: band[letter] for k, letter in letters.items()}, index=band.index)
    extra_letters = {text: letter for letter, text in hm.unknown}
    extra = pd.DataFrame({text: band[letter] for text, letter in extra_letters.items()}, index=band.index)

    scan = scan_sheet(path, sheet, keep_xml="so_dinh_danh" in letters) if book.suffix in (".xlsx", ".xlsm") else None
    # what xlrd knows of an Excel 97–2003 sheet, or content.xml of an ODS one: error cells, hidden rows, merged
    # ranges, zero-padded numbers (their cell types are read when asked: SheetData.numeric_rows)
    other = _xls_scan(str(path), sheet) if book.suffix == ".xls" else \
        _ods_scan(str(path), sheet) if book.suffix == ".ods" else None
    if (scan is not None and scan.date1904) or (other is not None and other.date1904):  # (a Mac's .xls too)
        data = _as_1900_calendar(data)
    in_list = data.notna().sum(axis=1)  # the cells written in each row, in the list's columns
    nonblank = in_list > 0
    if not extra.empty:  # a row with text only beside the list (the commune's own table by village) is no record
        beside = (~nonblank & extra.notna().any(axis=1)).to_numpy(dtype=bool)
        if beside.any():
            rows = [int(r) for r in data.index[beside]]
            findings.append(finding("rows-beside-list", file=file, sheet=sheet, row=rows[0],
                                    detail=_row_ranges(rows), value=str(len(rows))))
    # repeated header rows inside the data
    # (as typed: a header row pasted again in a TCVN3 font is in that font too)
    repeated = nonblank & _repeated_header(data, {k: hm.written.get(k, t) for k, t in headers.items()},
                                           in_list.to_numpy())
    rep_rows = [int(r) for r in data.index[repeated]]
    for r in rep_rows:
        findings.append(finding("header-row-repeated", file=file, sheet=sheet, row=r))
    numbering = _numbering_after(data, rep_rows, in_list)
    if numbering:  # the column-number row (1, 2, 3 …) pasted with the header: part of it, as under the top header
        repeated = repeated | data.index.isin(numbering)
    keep = nonblank & ~repeated
    if not keep.all():
        data = data.loc[keep]
        extra = extra.loc[keep] if not extra.empty else extra
    # the cells written in each row (the list's columns and the others), counted once for the row tests below
    written = in_list.loc[data.index] + (extra.notna().sum(axis=1) if not extra.empty else 0)
    heading = _section_headings(data, extra, written.to_numpy())
    # the list's columns and the others in the sheet's order (a footer is told by its first written cell: "Tổng
    # cộng" in an STT column left of the list, the sums after it)
    order = np.argsort([col_index(x) for x in [*letters.values(), *extra_letters.values()]], kind="stable")
    below = _footer_start(data, extra, order) if heading.any() else None
    if below is not None:  # a name under the signature block (right of the table) is the footer's, no heading
        heading[below:] = False
    if heading.any():  # "I. Tổ dân phố số 2" over the households of a village: no household, no person
        rows = [int(r) for r in data.index[heading]]
        first_text = next(v for v in (data.loc[rows[0]].tolist() + (extra.loc[rows[0]].tolist() if not extra.empty
                                                                     else [])) if isinstance(v, str) and v.strip())
        findings.append(finding("section-heading-rows", file=file, sheet=sheet, row=rows[0], detail=_row_ranges(rows),
                                value=str(len(rows)), other=first_text.strip()[:60]))
        data = data.loc[~heading]
        extra = extra.loc[~heading] if not extra.empty else extra
    totals = data.index.isin(sorted(scan.total_rows)) if scan is not None and scan.total_rows else None
    if totals is not None and totals.any():  # an Excel table's total row ("Total", "Tổng", or a count alone) —
        at = np.flatnonzero(totals)  # not one a household or person was typed over (a name, an ID): read
        totals[at[_names_someone(data.iloc[at])]] = False
    if totals is not None and totals.any():
        rows = [int(r) for r in data.index[totals]]
        last = bool(totals[-len(rows):].all())
        findings.append(finding("footer-rows-skipped" if last else "footer-rows-inside", file=file, sheet=sheet,
                                row=rows[0], detail=_row_ranges(rows), value=str(len(rows))))
        data = data.loc[~totals]
        extra = extra.loc[~totals] if not extra.empty else extra
    start = _footer_start(data, extra, order)
    if start is not None:  # "Tổng cộng" and the signature block under the table: no household, no person
        rows = data.index[start:]
        findings.append(finding("footer-rows-skipped", file=file, sheet=sheet, row=int(rows[0]),
                                detail=f"{int(rows[0])}–{int(rows[-1])}" if len(rows) > 1 else str(int(rows[0])),
                                value=str(len(rows))))
        data = data.iloc[:start]
        extra = extra.iloc[:start] if not extra.empty else extra
    inside = _footer_inside(data, extra, written.loc[data.index].to_numpy(), order)
    if inside.any():  # a total and signatures with households added under them: those rows only are left out
        rows = [int(r) for r in data.index[inside]]
        findings.append(finding("footer-rows-inside", file=file, sheet=sheet, row=rows[0], detail=_row_ranges(rows),
                                value=str(len(rows))))
        data = data.loc[~inside]
        extra = extra.loc[~inside] if not extra.empty else extra
    formulas = scan.formulas if scan is not None else other.formulas if other is not None else set()
    if formulas and len(data):
        tail = _formula_tail(data, extra, letters, extra_letters, formulas)
        if tail:  # a formula dragged below the list (=COUNTIF(…) giving 0): nothing typed, no household or person
            rows = data.index[-tail:]
            findings.append(finding("formula-rows-skipped", file=file, sheet=sheet, row=int(rows[0]),
                                    detail=_row_ranges([int(r) for r in rows]), value=str(tail)))
            data = data.iloc[:-tail]
            extra = extra.iloc[:-tail] if not extra.empty else extra
    if data.empty:
        findings.append(finding("sheet-empty", file=file, sheet=sheet))
    else:  # a column with values under no header (a name over two cells under a merged header) is not read: said
        named = set(letters.values()) | set(extra_letters.values()) | {
            p[0] for places in hm.duplicates.values() for p in places}  # a second copy of a column is reported
        above = grid.iloc[:hm.band_end]  # a header written anywhere above the data (a band of two rows) names it
        for letter in [c for c in grid.columns if c not in named and not above[c].notna().any()]:
            filled = grid.loc[data.index, letter].notna().to_numpy(dtype=bool)
            if filled.any():
                first = int(data.index[filled][0])
                findings.append(finding("column-no-header", file=file, sheet=sheet, row=first, col=letter,
                                        value=str(int(filled.sum())), letter=letter, first=first))

    shown = scan.shown if scan is not None else other.shown if other is not None else {}
    if shown:
        _as_shown(data, letters, shown)
    sd = SheetData(file=file, sheet=sheet, role=spec.role, frame=data, headers=headers, letters=letters,
                   header_row=hr, extra=extra, scan=scan, repeated_header_rows=rep_rows,
                   xls_path=str(path) if book.suffix in (".xls", ".ods") else None)
    if scan is not None:
        _hygiene(sd, scan, findings)
    elif other is not None:
        sd.xls_scan = other
        _hygiene(sd, other, findings)
    return sd


def _as_shown(data: pd.DataFrame, letters: dict[str, str], shown: dict[tuple[str, int], str]) -> None:
    """Number cells formatted to pad with zeros, read as Excel shows them: a household code "0001" typed in a
    column formatted "0000" is stored as 1, and its members' sheet may hold it as the text "0001"."""
    by_column: dict[str, dict[int, str]] = {}
    for (col, row), text in shown.items():  # (grouped once, not looked through once per column)
        by_column.setdefault(col, {})[row] = text
    for key, letter in letters.items():
        cells = by_column.get(letter, {})
        at = data.index.intersection(list(cells))
        if len(at):
            data.loc[at, key] = [cells[r] for r in at]


def _open_xls(path: str) -> Any:
    """An .xls workbook in xlrd (sheets loaded when asked), with its formatting when xlrd can read it (else
    without: the cell types and error cells still are)."""
    import xlrd

    try:
        return xlrd.open_workbook(path, on_demand=True, formatting_info=True)
    except NotImplementedError:
        return xlrd.open_workbook(path, on_demand=True)


def _xls_scan(path: str, sheet: str) -> SheetScan | None:
    """Formula-error cells ("#DIV/0!"), hidden rows and merged ranges of an .xls sheet, as the .xlsx scan gives
    them; None when xlrd cannot read the file."""
    import xlrd

    try:
        book = _open_xls(path)
        try:
            ws = book.sheet_by_name(sheet)
            scan = SheetScan()
            for r in range(ws.nrows):  # a test per row (xlrd has parsed every cell already); cells only where one is
                types = ws.row_types(r)
                if xlrd.XL_CELL_ERROR in types:
                    for c in np.flatnonzero(np.asarray(types) == xlrd.XL_CELL_ERROR).tolist():
                        code = ws.cell_value(r, c)
                        scan.errors[(col_letter(c), r + 1)] = xlrd.error_text_from_code.get(code, "#ERROR")
            scan.hidden_rows = {r + 1 for r, info in getattr(ws, "rowinfo_map", {}).items() if info.hidden}
            scan.merges = [(col_letter(c1), r1 + 1, col_letter(c2 - 1), r2) for r1, r2, c1, c2 in ws.merged_cells]
            scan.shown = _xls_shown(book, ws)
            scan.date1904 = getattr(book, "datemode", 0) == 1  # its DATEMODE record: dates counted from 1904
            scan.formulas = _xls_formulas(book, book.sheet_names().index(sheet))
            return scan
        finally:
            book.release_resources()
    except Exception:  # noqa: BLE001 - without it the cells are read as calamine gives them
        return None


def _xls_formulas(book: Any, index: int) -> set[tuple[str, int]]:
    """The formula cells (col, row) of the ``index``-th sheet of an .xls (xlrd keeps their results, not that they
    are formulas): its FORMULA records (0x0006: row, column), from the sheet's BOF to its EOF in the workbook
    stream xlrd holds. Empty when the stream is not at hand."""
    import struct

    mem, starts = getattr(book, "mem", None), getattr(book, "_sh_abs_posn", None)
    if not mem or not starts or index >= len(starts):
        return set()
    out: set[tuple[str, int]] = set()
    pos, end = starts[index], len(mem)
    while pos + 4 <= end:
        kind, size = struct.unpack_from("<HH", mem, pos)
        if kind == 0x0006 and size >= 4:
            row, col = struct.unpack_from("<HH", mem, pos + 4)
            out.add((col_letter(col), row + 1))
        elif kind == 0x000A:  # EOF of the sheet
            break
        pos += 4 + size
    return out


def _xls_shown(book: Any, ws: Any) -> dict[tuple[str, int], str]:
    """The number cells of an .xls sheet whose format only pads with zeros ("0000", "000000000000"), as Excel shows
    them ("0012"); empty when the workbook has no such format (the usual case: one look at its formats) or its
    formatting could not be read. A step per number cell of a sheet that has such a format, none otherwise."""
    import xlrd

    if not getattr(book, "formatting_info", False) or not getattr(book, "xf_list", None):
        return {}
    widths: dict[int, int] = {}
    for i, xf in enumerate(book.xf_list):
        fmt = book.format_map.get(xf.format_key)
        code = (fmt.format_str if fmt is not None else "").split(";")[0]
        if re.fullmatch(r"0{2,}", code):
            widths[i] = len(code)
    if not widths:
        return {}
    out: dict[tuple[str, int], str] = {}
    for r in range(ws.nrows):
        for c in np.flatnonzero(np.asarray(ws.row_types(r)) == xlrd.XL_CELL_NUMBER).tolist():
            width = widths.get(ws.cell_xf_index(r, c))
            value = ws.cell_value(r, c)
            if width and float(value).is_integer() and value >= 0:
                out[(col_letter(c), r + 1)] = str(int(value)).zfill(width)
    return out


def _row_ranges(rows: list[int]) -> str:
    """Excel rows as ranges: "4–6, 9"."""
    out: list[str] = []
    start = prev = rows[0]
    for r in [*rows[1:], None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if r is not None:
            start = prev = r
    return ", ".join(out)


# cells that start a form's footer. The total row keeps its diacritics ("Tổng", "Cộng" — not the ethnic group
# "Cống" or the name "Tống"); the signature block's cells start with their word and stand in a short row
# "Tổng cộng", "Tổng cộng toàn xã", "Tổng số hộ: 3", "Cộng: 30", "Cộng thôn Đông", "Cộng TDP số 1", "Cộng I"
_TOTAL = re.compile(r"^(tổng cộng|tổng số)(\W|$)|^(tổng|cộng)(\s*[:.(]|\s*$|\s+\d|\s+[ivxlc]+\b|"
                    r"\s+(thôn|xóm|tổ|ấp|bản|khu|khối|làng|buôn|sóc|phum|khóm|đội|tdp|phố|cụm|toàn|các|chung)\b)")
_SIGNATURE = re.compile(r"^(nguoi lap( bieu)?|chu tich|\(?ky[ ,]|\(ky\)|t/?m\.? ?(uy ban|ubnd)|xac nhan)\b|"
                        r"^(.*,\s*)?ngay\W*(\d+|\.+)?\W*thang\W*(\d+|\.+)?\W*nam\b")
_TOTAL_START = r"(?i)^\s*(t[ổo]ng|c[ộo]ng)"  # a cell that may start a total: only those are tested with _TOTAL
_SIGNATURE_CELLS = 4  # a signature row holds a few cells (titles, names), a household row many


def _is_total(value: object) -> bool:
    import unicodedata

    return isinstance(value, str) and _TOTAL.match(unicodedata.normalize("NFC", value).strip().lower()) is not None


def _is_footer(row: tuple[object, ...]) -> bool:
    """A row that starts the footer: its first filled cell a total ("Tổng cộng", "Cộng: 30"), or a short row with a
    cell that starts a signature block ("Người lập biểu", "Chủ tịch …", "(Ký, ghi rõ họ tên)", "…, ngày … tháng
    … năm")."""
    cells = [v for v in row if isinstance(v, str) and v.strip()]
    if not cells:
        return False
    if _is_total(cells[0]):
        return True
    return len(cells) <= _SIGNATURE_CELLS and any(_SIGNATURE.search(fold(v)) for v in cells)


_UNIT_WORDS = {"d": "đồng", "dong": "đồng", "vnd": "đồng", "nghindong": "nghìn đồng", "ngandong": "nghìn đồng",
               "1000d": "nghìn đồng", "1000dong": "nghìn đồng", "trieudong": "triệu đồng", "trd": "triệu đồng",
               "nguoi": "người", "khau": "người", "nhankhau": "người", "ho": "hộ", "thang": "tháng", "nam": "năm",
               "quy": "quý", "ngay": "ngày"}
_UNIT_KINDS = {"đồng": "money", "nghìn đồng": "money", "triệu đồng": "money", "người": "per", "hộ": "per",
               "tháng": "period", "năm": "period", "quý": "period", "ngày": "period"}
_UNIT_PAREN = re.compile(r"\(([^()]*/[^()]*)\)")  # "(đồng/người/tháng)": a unit in parentheses, parted by "/"


def _units(header: str) -> list[str] | None:
    """The parts of a header's unit "(đồng/người/tháng)" as known words; None when it states none so."""
    m = _UNIT_PAREN.search(header)
    if m is None:
        return None
    parts = [re.sub(r"[\s.]", "", fold(part)) for part in m.group(1).split("/")]
    return [_UNIT_WORDS.get(part, "?") for part in parts]


def _unit_differs(layout_header: str, written: str) -> tuple[str, str] | None:
    """(the unit written, the layout's) when a header states a unit that is another quantity than the layout's:
    a year for a month, a household for a person, thousands of đồng for đồng. A unit written otherwise
    ("(đ/người/tháng)", "(VNĐ/khẩu/tháng)") or not at all is the layout's; a part not understood decides nothing."""
    ours, theirs = _units(layout_header), _units(written)
    if ours is None or theirs is None:
        return None
    mine = {_UNIT_KINDS[u]: u for u in ours if u in _UNIT_KINDS}
    other = {_UNIT_KINDS[u]: u for u in theirs if u in _UNIT_KINDS}
    if any(kind in other and other[kind] != unit for kind, unit in mine.items()):
        shown = _UNIT_PAREN.search(written)
        return (f"({shown.group(1).strip()})" if shown else written), f"({'/'.join(ours)})"
    return None


def _in_sheet_order(data: pd.DataFrame, extra: pd.DataFrame, order: np.ndarray | None,
                    rows: np.ndarray | slice = slice(None)) -> pd.DataFrame:
    """The list's columns and the others side by side, in the sheet's column order when ``order`` gives it; of the
    rows at positions ``rows`` only (the few a footer is looked for in: the whole sheet is not copied)."""
    data = data.iloc[rows]
    both = data if extra.empty else pd.concat([data, extra.iloc[rows]], axis=1)
    return both if order is None or len(order) != both.shape[1] else both.iloc[:, order]


def _first_text(row: Iterable[object]) -> str | None:
    return next((v for v in row if isinstance(v, str) and v.strip()), None)


def _footer_start(data: pd.DataFrame, extra: pd.DataFrame, order: np.ndarray | None = None) -> int | None:
    """Position of the first row of the footer under the table, if any: the first row, after the last row whose
    household code holds a digit (any code, if none has one), with a cell that starts a footer ("Tổng cộng",
    "Người lập biểu", "Chủ tịch", "…, ngày … tháng … năm"). Rows between that last code and the footer stay data
    (a household whose code was left blank is reported, never dropped); a row is never taken for a footer above a
    household code. ``order``: the sheet's order of the columns of ``data`` then ``extra``."""
    if "ma_ho" not in data.columns or data.empty:
        return None
    import pyarrow.compute as pc

    key = data["ma_ho"]
    coded = np.flatnonzero(arrow_mask(pc.match_substring_regex(arrow_text(key), r"\d")))
    if not len(coded):  # codes without digits (a commune's own scheme): any code written counts
        coded = np.flatnonzero(key.notna().to_numpy(dtype=bool))
    j = len(coded) - 1
    # "Tổng cộng: 30 hộ" written in the code column, or "Tổng cộng" left of it with the count of households ("3")
    # under "Mã hộ": a total, no household
    while j >= 0 and (_is_total(key.iloc[coded[j]]) or _is_total(
            _first_text(_in_sheet_order(data, extra, order, coded[j:j + 1]).iloc[0]))):
        j -= 1
    first = int(coded[j]) + 1 if j >= 0 else 0
    if first >= len(data):
        return None
    tail = _in_sheet_order(data, extra, order, slice(first, None))
    for pos, row in enumerate(tail.itertuples(index=False, name=None)):  # the rows under the last code only
        if _is_footer(row):
            return first + pos
    return None


# a year typed into a date cell of a workbook counting from 1904 (1980 → 03/06/1909): the days its serials
# 1800–2199 name — a year typed, never a birth of 1908–1910 (as under the 1900 calendar, schemas/coerce.parse_date)
_SHIFT_1904 = np.timedelta64(1462, "D")  # the two calendars' distance: a serial's day under 1904 less under 1900
_TYPED_YEAR_1904 = (np.datetime64("1899-12-30") + 1800 + _SHIFT_1904, np.datetime64("1899-12-30") + 2199 + _SHIFT_1904)


def _as_1900_calendar(data: pd.DataFrame) -> pd.DataFrame:
    """The date cells (ISO text) of a 1904-calendar workbook that hold a typed year moved to the day the same
    serial names under the 1900 calendar, where the reader knows a typed year."""
    import pyarrow.compute as pc

    out = data
    for key in data.columns:
        text = arrow_text(data[key])
        iso = arrow_mask(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}( 00:00:00)?$"))
        if not iso.any():
            continue
        days = pd.to_datetime(data[key][iso].str.slice(0, 10), errors="coerce").to_numpy(dtype="datetime64[D]")
        typed = (days >= _TYPED_YEAR_1904[0]) & (days <= _TYPED_YEAR_1904[1])
        if typed.any():
            if out is data:
                out = data.copy()
            rows = data.index[iso][typed]
            out.loc[rows, key] = [str(d - _SHIFT_1904) for d in days[typed]]
    return out


def _names_someone(data: pd.DataFrame) -> np.ndarray:
    """Rows naming a household or person: a name with a letter in it — not a total's label ("Total", "Tổng cộng")
    nor a count ("4") — or an ID of nine digits or more. A total row never does. (Asked of a table's total rows
    only: a row or two.)"""
    out = np.zeros(len(data), dtype=bool)
    for key in _PERSON_KEYS:  # (a code is no proof: a count of the codes stands under "Mã hộ")
        pattern = _ID_DIGITS if key == "so_dinh_danh" else _LETTER
        if key != "ma_ho" and key in data.columns:
            out |= np.array([isinstance(v, str) and pattern.search(v) is not None and not _is_total(v)
                             and _TOTAL_EN.match(v) is None for v in data[key].tolist()], dtype=bool)
    return out


_LETTER = re.compile(r"[^\W\d_]")
_ID_DIGITS = re.compile(r"\d{9}")
_TOTAL_EN = re.compile(r"^\s*(grand\s+)?(sub)?totals?\b|^\s*sum\b", re.I)


# a group's heading inside the table: "I. Tổ dân phố số 2", "2) Thôn Đông", "Thôn Đông", "Khu phố 3"
# (a letter only with "." or ")" and a space after it: "Y-Moan Ênuôl", "H'Hen Niê" are names)
_HEADING = re.compile(r"^\s*(([ivxlc]+|\d{1,3})\s*[.):/\-]\s*\S|[a-zđ]\s*[.)]\s+\S|(thôn|xóm|tổ|ấp|bản|khu|khối|"
                      r"làng|buôn|sóc|phum|khóm|đội|cụm|phố)\b)")
_PERSON_KEYS = ("ma_ho", "ho_ten", "ho_ten_chu_ho", "so_dinh_danh")


_ENUMERATOR = re.compile(r"^\s*([ivxlc]+|\d{1,3}|[a-zđ])\s*[.)]?\s*$")  # "I", "2.", "a)" before a heading


def _section_headings(data: pd.DataFrame, extra: pd.DataFrame, cells: np.ndarray) -> np.ndarray:
    """Rows that head a group of the table (a village's households under "I. Tổ dân phố số 2", often one cell
    merged across the table; or "I" in the first column and "Thôn Đông" in the next): a single text cell — in a
    column that names no household or person, or, in the household code's or a name's column (the first
    column), worded as a heading ("I. …", "Thôn Đông") in words, not a code ("A-01") — or a numbering cell and
    a heading worded so. A lone code, name or ID stays a row (a household or person, reported). ``cells``: the
    cells written in each row (the list's columns and the others)."""
    out = np.zeros(len(data), dtype=bool)
    if data.empty:
        return out
    import unicodedata

    def worded(text: str) -> bool:
        text = unicodedata.normalize("NFC", text).strip().lower()
        return _HEADING.match(text) is not None and sum(any(ch.isalpha() for ch in w) for w in text.split()) >= 2

    both = data if extra.empty else pd.concat([data, extra], axis=1)
    for i in np.flatnonzero((cells == 1) | (cells == 2)):  # the few short rows only
        row = both.iloc[i]
        at = np.flatnonzero(row.notna().to_numpy(dtype=bool))
        values = [row.iloc[j] for j in at]
        if not all(isinstance(v, str) for v in values) or any(_is_footer((v,)) for v in values):
            continue  # a total or a signature line is the footer's (said as such)
        if len(values) == 2:  # a numbering cell and the heading: "I" | "Thôn Đông" (in either column order)
            out[i] = any(_ENUMERATOR.match(a.lower()) is not None and worded(b)
                         for a, b in (values, values[::-1]))
            continue
        value, key = values[0], str(both.columns[at[0]])
        if not any(ch.isalpha() for ch in value):
            continue
        out[i] = key not in _PERSON_KEYS or worded(value)
    return out


def _footer_inside(data: pd.DataFrame, extra: pd.DataFrame, cells: np.ndarray,
                   order: np.ndarray | None = None) -> np.ndarray:
    """Rows of a footer with rows added under it (the footer under the last row is :func:`_footer_start`'s): from
    a row whose household code is a total ("Tổng cộng") or a short row without a code that starts a signature
    block, down to the next row with a code, the rows without a code that hold a few cells (the date line, the
    titles, the signers' names). A row without a code holding more is a household whose code was left blank: it
    stays, and is reported. ``cells``: the cells written in each row (the list's columns and the others)."""
    out = np.zeros(len(data), dtype=bool)
    if "ma_ho" not in data.columns or data.empty:
        return out
    import pyarrow.compute as pc

    key = data["ma_ho"]
    no_code = key.isna().to_numpy(dtype=bool)
    short = no_code & (cells <= _SIGNATURE_CELLS)
    totals = arrow_mask(pc.match_substring_regex(arrow_text(key), _TOTAL_START))
    starts: list[int] = [int(i) for i in np.flatnonzero(totals) if _is_total(key.iloc[i])]
    if short.any():
        at = np.flatnonzero(short)
        starts += [int(i) for i, row in zip(at, _in_sheet_order(data, extra, order, at).itertuples(
            index=False, name=None), strict=True) if _is_footer(row)]
    # a total labelled in another column ("Tổng cộng" under the names, the sums beside it): a row without a code
    # whose first written cell is a total, however many sums it holds
    cand = np.flatnonzero(no_code & ~short)
    if len(cand):  # rows without a code (few; all of them in a sheet whose codes sit in merged cells)
        sub = _in_sheet_order(data, extra, order, cand)
        hit = np.zeros(len(cand), dtype=bool)
        for c in range(sub.shape[1]):  # any cell starting like a total: only those rows are looked at in Python
            hit |= sub.iloc[:, c].astype("string").str.match(_TOTAL_START).fillna(False).to_numpy(dtype=bool)
        starts += [int(cand[j]) for j in np.flatnonzero(hit) if _is_total(_first_text(sub.iloc[j]))]
    for i in sorted(starts):
        out[i] = True
        j = i + 1
        while j < len(data) and short[j]:  # the block goes on over short rows without a code
            out[j] = True
            j += 1
    return out


def _formula_tail(data: pd.DataFrame, extra: pd.DataFrame, letters: dict[str, str], extra_letters: dict[str, str],
                  formulas: set[tuple[str, int]]) -> int:
    """How many rows at the end of the list hold formulas, nothing typed, and show no one — no household code, name
    or ID (a count formula dragged past the last household). Only at the end, and never a whole list; a row pulled
    in by formulas that shows a code or a name (``='Thôn 1'!A3``) is a household or person, and is read."""
    cols = [letters[k] for k in data.columns] + ([extra_letters[str(t)] for t in extra.columns] if not extra.empty
                                                 else [])
    who = {letters[k] for k in _PERSON_KEYS if k in letters}
    both = data if extra.empty else pd.concat([data, extra], axis=1)
    n = 0
    while n < len(both):  # from the last row up, one row at a time: it stops at the first typed row (the last one,
        row = both.iloc[len(both) - 1 - n]  # in a return without such a tail)
        written = [c for c, v in zip(cols, row.tolist(), strict=True) if v is not None and not pd.isna(v)]
        if not written or any((c, int(row.name)) not in formulas or c in who for c in written):
            break
        n += 1
    return n if n < len(both) else 0


def _numbering_after(data: pd.DataFrame, rows: list[int], filled: pd.Series) -> list[int]:
    """The rows right under repeated header rows (``rows``, a few) that number the columns — 1, 2, 3 … or A, B …,
    each cell a distinct token, three or more, nothing else written in the list's columns."""
    out = []
    for r in rows:
        if r + 1 not in data.index:
            continue
        cells = [str(v).strip() for v in data.loc[r + 1].tolist() if isinstance(v, str)]
        if (len(cells) >= 3 and len(cells) == int(filled.loc[r + 1]) and len(set(cells)) == len(cells)
                and all(_SEQ_TOKEN.match(v) for v in cells)):
            out.append(r + 1)
    return out


def _repeated_header(data: pd.DataFrame, headers: dict[str, str], filled: np.ndarray | None = None) -> np.ndarray:
    """Rows that repeat the header row (case and spacing ignored): at least half the headers, or — the second row
    of a two-row header pasted again, its sub-headers only — three or more, every filled cell of the row its
    column's header (``filled``: the cells written in each row).

    Arrow kernels on the column arrays; a cell is normalised only when it is long enough to be the header
    (normalising spaces only shortens), so the usual short data cell costs one length test.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    need = max(2, len(headers) // 2)
    hits = np.zeros(len(data), dtype=np.int64)
    for k, text in headers.items():
        words = unicodedata.normalize("NFC", text).split()  # composed: a copy typed decomposed (NFD) is longer
        if not words:
            continue
        target = " ".join(words)
        arr = arrow_text(data[k])
        idx = np.flatnonzero(arrow_mask(pc.greater_equal(pc.utf8_length(arr), len(target))))
        if not len(idx):
            continue
        sub = arr.take(pa.array(idx))
        has_word = arrow_mask(pc.match_substring(sub, words[0], ignore_case=True))
        decomposed = unicodedata.normalize("NFD", words[0])
        if decomposed != words[0]:  # the word typed decomposed (NFD): found too
            has_word |= arrow_mask(pc.match_substring(sub, decomposed, ignore_case=True))
        if not has_word.any():
            continue
        idx, sub = idx[has_word], pc.utf8_normalize(sub.filter(pa.array(has_word)), form="NFC")
        norm = pc.utf8_lower(pc.utf8_trim_whitespace(pc.replace_substring_regex(sub, pattern=r"\s+", replacement=" ")))
        hits[idx[arrow_mask(pc.equal(norm, target.lower()))]] += 1
    if filled is None:
        filled = data.notna().sum(axis=1).to_numpy()
    return (hits >= need) | ((hits >= 3) & (hits == filled))


def _hygiene(sd: SheetData, scan: SheetScan, findings: list[Finding]) -> None:
    if not (scan.errors or scan.hidden_rows or scan.merges or scan.uncomputed):
        return
    rows = set(sd.frame.index.tolist())
    key_by_letter = {v: k for k, v in sd.letters.items()}
    for letter, r in sorted(scan.uncomputed, key=lambda x: (x[1], x[0])):
        if r in rows and letter in key_by_letter:
            key = key_by_letter[letter]
            findings.append(finding("formula-not-computed", file=sd.file, sheet=sd.sheet, row=r,
                                    column=sd.headers[key], col=letter, key=key))
    for (letter, r), err in sorted(scan.errors.items(), key=lambda x: (x[0][1], x[0][0])):
        if r in rows and letter in key_by_letter:
            key = key_by_letter[letter]
            findings.append(finding("formula-error", file=sd.file, sheet=sd.sheet, row=r, column=sd.headers[key],
                                    col=letter, key=key, value=err))
    for r in sorted(scan.hidden_rows & rows):
        findings.append(finding("hidden-row-with-data", file=sd.file, sheet=sd.sheet, row=r))
    for c1, r1, c2, r2 in scan.merges:
        if r2 > sd.header_row and (r1 in rows or r2 in rows or any(x in rows for x in range(r1, r2 + 1))):
            mkey = key_by_letter.get(c1)
            findings.append(finding("merged-cells-in-data", file=sd.file, sheet=sd.sheet, row=max(r1, sd.header_row + 1),
                                    column=sd.headers.get(mkey) if mkey else None, col=c1, key=mkey,
                                    detail=f"{c1}{r1}:{c2}{r2}"))


def read_return(path: Path, *, layout: str | None = None, limits: Limits | None = None,
                display: str | None = None, known: tuple[str, tuple[int, ...]] | None = None) -> ReturnFile:
    """Read one commune return. Problems become findings; the file is never modified.

    ``known``: its SHA-256 as the caller hashed it, with the file's fingerprint then (io/fingerprint.py); used
    if the file still has that fingerprint, else the file is hashed again."""
    limits = limits or Limits()
    file = display or str(path)
    findings: list[Finding] = []
    try:
        digest = known[0] if known is not None and fingerprint(path) == tuple(known[1]) else sha256_file(path)
    except OSError as exc:
        vi, en = unreadable_reason(path, exc)
        findings.append(finding("file-unreadable", file=file, detail=vi, detail_en=en))
        return ReturnFile(file, None, {}, {}, findings, "", readable=False)
    reason = check_file(path, limits)
    if reason:
        findings.append(finding("file-too-large", file=file, detail=reason[0], detail_en=reason[1]))
        return ReturnFile(file, None, {}, {}, findings, digest, readable=False)
    try:
        book = _Book(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a finding about this file
        vi, en = unreadable_reason(path, exc)
        findings.append(finding("file-unreadable", file=file, detail=vi, detail_en=en))
        return ReturnFile(file, None, {}, {}, findings, digest, readable=False)
    if book.named_as:  # read by its content (an encrypted .xlsx is an OLE2 file too: unreadable, not this)
        findings.append(finding("file-extension-mismatch", file=file, value=book.named_as, detail=book.suffix))
    try:
        if layout is None:
            layout_id, roles = detect_layout(book)
        else:
            layout_id = layout
            roles = detect_layout(book)[1] if layout == "hgn" else {}
            if layout == "app":
                roles = {"households": _app_sheet(book) or book.names[0]}
        if layout_id is None:
            # a members list alone (a commune that saved each sheet as its own CSV): said to be one, not "unknown"
            members = load_layout("hgn").sheets["members"]
            alone = any((m := find_header(book.grid(n, HEADER_SEARCH_ROWS), members)) is not None and len(m.found) >= 4
                        and "quan_he" in m.found for n in book.names)  # (a households list has no "Quan hệ với chủ hộ")
            findings.append(finding("layout-members-only" if alone else "layout-unknown", file=file))
            return ReturnFile(file, None, {}, {}, findings, digest)
        found: list[Finding] = []
        sheets = _read_layout(book, path, file, layout_id, roles, found)
        if layout is None and layout_id == "hgn" and "households" not in sheets:
            # a sheet named like the households list ("Danh sách hộ") holding the application's export: read as that
            app = _app_sheet(book)
            if app is not None:
                layout_id, roles, found = "app", {"households": app}, []
                sheets = _read_layout(book, path, file, layout_id, roles, found)
        findings.extend(found)
        if layout_id == "app":  # an export split over several sheets: only one is read, the others said so
            findings.extend(finding("sheet-not-read", file=file, sheet=other, other=roles["households"])
                            for other in _app_sheets(book) if other != roles["households"])
        lay = load_layout(layout_id)
        info, info_cells = _read_info(book, lay)
    except Exception as exc:  # noqa: BLE001
        # a reader's failure on the content is said from what the file holds; any other failure keeps its text
        # (it is hgn's, and the words point to it)
        vi, en = unreadable_reason(path, exc) if _reader_error(exc) else (_short(exc), _short(exc))
        findings.append(finding("file-unreadable", file=file, detail=vi, detail_en=en))
        return ReturnFile(file, None, {}, {}, findings, digest, readable=False)
    return ReturnFile(file, layout_id, sheets, info, findings, digest, info_cells=info_cells)


def _reader_error(exc: BaseException) -> bool:
    """An error a reader raises on damaged content (a zip, XML or workbook that does not parse)."""
    import zipfile
    import zlib
    from xml.parsers.expat import ExpatError

    import fastexcel

    return isinstance(exc, (zipfile.BadZipFile, zlib.error, ExpatError, EOFError, fastexcel.FastExcelError)) \
        or type(exc).__name__ in ("PanicException", "ParseError", "InvalidFileException", "XLRDError",
                                  "CompDocError")


def _read_layout(book: _Book, path: Path, file: str, layout_id: str, roles: dict[str, str],
                 findings: list[Finding]) -> dict[str, SheetData]:
    """The sheets of one layout (role → sheet name given), with the findings of reading them."""
    # per role, the hidden sheets of the table's own name while another sheet is read (last year's, kept out of
    # the way): not read, and said so below as copies
    named = {role: load_layout("hgn").sheets[role].match_names() for role in roles} if layout_id == "hgn" else {}
    hidden_named = {role: {o for o in book.names if o != name and header_key(o) in named.get(role, ())
                           and book.hidden(o)} for role, name in roles.items()}
    if layout_id == "hgn" and book.suffix != ".csv":  # a CSV holds one table, its name is the file's
        for role, name in roles.items():  # a renamed sheet found by its headers: said so (unless one of the
            # table's name is there, hidden: said as not read, in its place, below)
            if role in named and header_key(name) not in named[role] and not hidden_named[role]:
                findings.append(finding("sheet-found-by-headers", file=file, sheet=name,
                                        other=load_layout("hgn").sheets[role].name or role))
    copies: set[str] = set()
    for role, name in roles.items():  # copies of a sheet the return is read from are not read: said so
        for other in book.names:
            # a copy (the same name but for case, Excel's "(2)", LibreOffice's "_2"), or a hidden sheet of the
            # table's own name
            if other != name and (header_key(other) == header_key(name) or _calc_copy_name(other, name)
                                  or other in hidden_named[role]):
                if not book.hidden(other) and not _rows_within(book, other, name):
                    continue  # "Hộ gia đình (2)" holding other households (a village's pair made with "Move or
                    # Copy…"): no copy but a table not read, said below as an error with its rows
                copies.add(other)
                hidden = book.hidden(other)  # (an officer does not see it in Excel: said so)
                findings.append(finding("sheet-copy-ignored", file=file, sheet=other, other=name,
                                        detail=" (đang ẩn)" if hidden else "", detail_en=" (hidden)" if hidden else ""))
    if book.suffix != ".csv":
        _more_tables(book, file, roles, copies, findings, export=layout_id == "app")
    sheets: dict[str, SheetData] = {}
    for role, spec in load_layout(layout_id).sheets.items():
        sheet_name = roles.get(role)
        if sheet_name is None:
            findings.append(finding("sheet-missing", file=file, sheet=spec.name or "", detail=spec.name or role))
            continue
        sd = _read_sheet(book, path, file, sheet_name, spec, findings, layout_id)
        if sd is not None:
            sheets[role] = sd
    return sheets


def _rows_within(book: _Book, copy: str, read: str) -> bool:
    """Whether every row of sheet ``copy`` is a row of sheet ``read`` (its written cells, in order): a copy of the
    sheet, or of part of it — not a sheet holding rows of its own. One look per row of the two sheets, asked only
    of a sheet named as a copy."""
    try:
        def rows(sheet: str) -> set[tuple[str, ...]]:
            grid = book.grid(sheet)
            return {tuple(v.strip() for v in row if isinstance(v, str) and v.strip())
                    for row in grid.itertuples(index=False, name=None)} - {()}

        return rows(copy) <= rows(read)
    except Exception:  # noqa: BLE001 - a sheet that cannot be read holds nothing that is used: said as a copy
        return True


def _calc_copy_name(other: str, name: str) -> bool:
    """``other`` is the name LibreOffice Calc gives a copy of sheet ``name`` ("Hộ gia đình_2")."""
    return re.fullmatch(re.escape(name) + r"_\d{1,3}", other) is not None


def _more_tables(book: _Book, file: str, roles: dict[str, str], copies: set[str], findings: list[Finding],
                 export: bool = False) -> None:
    """Another sheet holding a table of households or members (a village's own pair of sheets, "Hộ gia đình Tổ
    3"): a return is read from one sheet of each; the rows of the other are not in the review, which is said
    (an error, with how many rows) — never passed over in silence. ``export``: the application's export, read
    from its one sheet — a members table beside it (hgn's layout) is not read either, and said so."""
    layout = load_layout("hgn")
    info = {header_key(n) for n in (layout.info_sheet or "", *layout.info_aliases) if n}
    read = set(roles.values())
    for name in book.names:  # (the instructions sheet's worked example is no household)
        if name in read or name in copies or header_key(name) in info or _is_guide(layout, name):
            continue
        try:
            head = book.grid(name, HEADER_SEARCH_ROWS)
        except Exception:  # noqa: BLE001 - a sheet that cannot be read is no table (nothing of it is used)
            continue
        matches = {role: find_header(head, spec) for role, spec in layout.sheets.items()}
        scores = {role: len(m.found) if m else 0 for role, m in matches.items()}
        best = max(scores, key=lambda r: scores[r])
        if scores[best] < 4 or scores[best] <= max((v for r, v in scores.items() if r != best), default=0):
            continue
        band_end = matches[best].band_end  # type: ignore[union-attr]
        found = matches[best].found  # type: ignore[union-attr]
        who = [k for k in _PERSON_KEYS if k in found]  # the columns naming whose row it is
        try:
            under = book.grid(name).loc[band_end + 1:]
            below = under[[letter for letter, _text in found.values()]]
            if not who and all(below[c].dropna().is_unique for c in below.columns):
                continue  # no household code, name or ID, and no answer twice in a column: the lists a workbook's
                # drop-downs take ("Giới tính", "Dân tộc", "Loại nhà ở" over their choices), no households or persons
            # the rows naming a household or person — not the total ("Tổng cộng" under "Mã hộ"), date line and
            # signatures under the table (a row at a time: a sheet not read is rare, and said only)
            named = below[[found[k][0] for k in who] or list(below.columns)].notna().any(axis=1).to_numpy(dtype=bool)
            footer = np.array([_is_footer(r) for r in under.itertuples(index=False, name=None)], dtype=bool)
            # (from the first footer row down, as under the sheet read: the "(Ký, ghi rõ họ tên)" line and the
            # signers' names below "Người lập biểu" are the footer's too)
            # — after the last row with a household code, when there is one: a village's subtotal between groups
            # cuts nothing off)
            tail = footer.copy()
            if "ma_ho" in found and len(footer):
                coded = np.flatnonzero(under[found["ma_ho"][0]].astype("string").str.contains(r"\d", regex=True)
                                       .fillna(False).to_numpy(dtype=bool) & ~footer)
                tail[: int(coded[-1]) + 1 if len(coded) else 0] = False
            rows = int((named & ~footer & ~np.logical_or.accumulate(tail)).sum()) if len(footer) else 0
        except Exception:  # noqa: BLE001 - the head was readable, the rest not: the table is still said
            rows = 0
        if export:
            if best == "members":
                findings.append(finding("sheet-members-beside-export", file=file, sheet=name, detail=str(rows)))
            continue
        findings.append(finding("sheet-table-not-read", file=file, sheet=name,
                                other=roles.get(best, layout.sheets[best].name or best), detail=str(rows)))


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def display_name(path: Path | str) -> str:
    """A path as text every output can hold. On Linux a file name is bytes: one unzipped from an archive made
    with a legacy code page is not UTF-8, and Python keeps its bytes as lone surrogates, which no workbook,
    Parquet file or JSON can store. Such bytes are shown as escapes (\\xf5): the file stays recognisable, nothing is
    guessed about its encoding."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a lone surrogate of another origin
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def is_hgn_output(path: Path) -> bool:
    """A workbook hgn wrote (findings, results, forms, lists: io/write.py ``mark_output``), not a return."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    import zipfile

    from hgn_review.io.write import HGN_OUTPUT

    try:
        with zipfile.ZipFile(path) as zf:
            if "docProps/custom.xml" not in zf.namelist():
                return False
            with zf.open("docProps/custom.xml") as fh:
                return HGN_OUTPUT.encode() in fh.read(1 << 16)
    except (OSError, zipfile.BadZipFile, KeyError):
        return False


ARCHIVE_SUFFIXES = frozenset({".zip", ".rar", ".7z", ".tar", ".gz", ".tgz"})
SHORTCUT_SUFFIX = ".lnk"  # a Windows shortcut ("Xã A.xlsx.lnk"): not the return, which is where it points


def is_shortcut(name: str) -> bool:
    """A Windows shortcut among the files not read with the archives (said with its own finding and note)."""
    return name.lower().endswith(SHORTCUT_SUFFIX)


def no_returns(where: str, archives: Sequence[tuple[Path, str]], hint: tuple[str, str],
               also: tuple[str, str] = ("", "")) -> UsageError:
    """The usage error of a folder with no return in it, naming the compressed files it holds (a return sent
    zipped) and saying to extract them, and its Windows shortcuts (to copy the returns themselves); ``also``: more
    to say after the folder (Vietnamese, English)."""
    zipped = ", ".join(d for _p, d in archives if not is_shortcut(d))
    links = ", ".join(d for _p, d in archives if is_shortcut(d))
    return UsageError(f"Không có biểu rà soát nào trong {where}{also[0]}." + (f" Có tệp nén: {zipped}." if zipped else "")
                      + (f" Có lối tắt (shortcut): {links}." if links else ""),
                      hint=hint[0] + (" (giải nén các tệp nén vào đó)" if zipped else "")
                      + (" (chép chính các biểu, không phải lối tắt, vào đó)" if links else "") + ".",
                      message_en=f"No returns in {where}{also[1]}." + (f" Compressed: {zipped}." if zipped else "")
                      + (f" Shortcuts: {links}." if links else ""),
                      hint_en=hint[1] + (" (extract the compressed files)" if zipped else "")
                      + (" (copy the returns themselves, not shortcuts, there)" if links else "") + ".")


def _extracted(archive: Path, files: Sequence[Path]) -> bool:
    """Whether a .zip's returns are among ``files`` (the folder's, as :func:`_walk` found them: extracted beside it,
    in a linked folder too): then it holds nothing unread.
    Each return in it must be there with the same content — its size and CRC-32, from the zip's directory (no
    member is opened), against a file of its name; a corrected return zipped under the first one's name is no
    copy. Other archives cannot be looked into."""
    import zipfile
    import zlib

    if archive.suffix.lower() != ".zip":
        return False
    try:
        with zipfile.ZipFile(archive) as zf:
            inside = [(Path(i.filename).name, i.file_size, i.CRC) for i in zf.infolist()
                      if Path(i.filename).suffix.lower() in READABLE_SUFFIXES
                      and not Path(i.filename).name.startswith(("~$", "."))]
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    if not inside:
        return False
    here: dict[str, list[Path]] = {}
    for f in files:
        if f.suffix.lower() in READABLE_SUFFIXES:  # (a link leading nowhere fails same(): no copy)
            here.setdefault(f.name, []).append(f)

    def same(f: Path, size: int, crc: int) -> bool:
        try:
            return f.stat().st_size == size and zlib.crc32(f.read_bytes()) == crc
        except OSError:
            return False

    return all(any(same(f, size, crc) for f in here.get(name, [])) for name, size, crc in inside)


def _walk(folder: Path) -> list[Path]:
    """Every file under ``folder``, sorted — in linked folders too (a shortcut to a district's folder, a link to a
    network share: Path.rglob passes them over without a word), each real folder once (a link back up, or to a
    folder already inside, is no loop and no second copy). A folder the account may not open is refused
    (:func:`_refuse_closed`)."""
    import os

    closed: list[str] = []
    seen: set[str] = set()
    files: list[Path] = []
    for here, dirs, names in os.walk(folder, onerror=lambda e: closed.append(str(e.filename or "")), followlinks=True):
        real = os.path.realpath(here)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        files.extend(Path(here) / n for n in names)
    # a link to what is no longer there (a network drive not connected, a folder moved away): its returns would be
    # passed over in silence — refused as a folder that cannot be opened is (a link named as a return, "Xã A.xlsx",
    # leading nowhere, is a return that cannot be read: discover lists it, and reading it says why)
    closed.extend(str(f) for f in files if f.is_symlink() and not f.exists()
                  and f.suffix.lower() not in READABLE_SUFFIXES)
    _refuse_closed(closed)
    return sorted(files)


def _refuse_closed(closed: list[str]) -> None:
    """An InputError naming the folders the account may not open (a district's folder copied from another user's
    profile, a network share): their returns would be passed over in silence, and the round would look complete."""
    if closed:
        shown = ", ".join(closed[:5]) + (f" và {len(closed) - 5} thư mục khác" if len(closed) > 5 else "")
        shown_en = ", ".join(closed[:5]) + (f" and {len(closed) - 5} more" if len(closed) > 5 else "")
        raise InputError(f"Không mở được {shown}: các biểu rà soát trong đó sẽ không được đọc.",
                         hint="Kiểm tra quyền đọc của thư mục, hay liên kết trỏ tới nơi không còn (ổ mạng chưa kết "
                              "nối, tệp đã chuyển đi) — hoặc chép các biểu ra một thư mục mở được —, rồi chạy lại.",
                         message_en=f"Cannot open {shown_en}: the returns in it would not be read.",
                         hint_en="Check the folder's read permission, or a link to what is no longer there (a network "
                         "drive not connected, a file moved away) — or copy the returns to a folder you can open —, "
                         "then run again.")


def hgn_copy(f: Path, root: Path) -> bool:
    """A highlighted copy hgn wrote (``hgn validate --report-xlsx``): "…_loi.xlsx" in the "<findings>_ban_sao"
    folder beside its findings workbook — never a return of an officer's own folder named "…_ban_sao"."""
    from hgn_review.io.write import COPIES_SUFFIX

    inside = f.relative_to(root).parts[:-1]
    if not any(part.endswith(COPIES_SUFFIX) for part in inside):
        return False
    folder = next(d for d in f.parents if d.name.endswith(COPIES_SUFFIX))
    beside = folder.with_name(folder.name[: -len(COPIES_SUFFIX)] + ".xlsx")
    return f.stem.endswith("_loi") or (beside.is_file() and is_hgn_output(beside))


def discover(paths: list[Path], skipped: list[tuple[Path, str]] | None = None,
             archives: list[tuple[Path, str]] | None = None) -> list[tuple[Path, str]]:
    """Files to read under the given files/folders, sorted; (path, display name). Office lock files skipped.
    Inside folders, what hgn wrote (findings workbooks, results, forms, the highlighted copies in a
    ``*_ban_sao`` folder, anything in a folder hgn writes into) is not a return: it goes to ``skipped`` (path,
    display name), for the caller to say so; so do compressed files (a return sent zipped), to ``archives``."""
    from hgn_review.io.write import OUTPUT_MARK

    out: list[tuple[Path, str]] = []
    for p in paths:
        if p.is_dir():
            every = _walk(p)
            outputs = {m.parent for m in every if m.name == OUTPUT_MARK}  # folders hgn wrote into
            for f in every:
                if (archives is not None and (f.suffix.lower() in ARCHIVE_SUFFIXES or is_shortcut(f.name))
                        and f.is_file()
                        and not f.name.startswith(("~$", ".")) and not any(d in outputs for d in f.parents)):
                    if not _extracted(f, every):
                        archives.append((f, display_name(f)))
                    continue
                if f.suffix.lower() in READABLE_SUFFIXES and not f.name.startswith(("~$", ".")) and (
                        f.is_file() or (f.is_symlink() and not f.exists())):  # (a link leading nowhere: unreadable)
                    if (hgn_copy(f, p) or is_hgn_output(f) or any(d in outputs for d in f.parents)):
                        if skipped is not None:
                            skipped.append((f, display_name(f)))
                        continue
                    out.append((f, display_name(f)))
        elif skipped is not None and p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm") and is_hgn_output(p):
            skipped.append((p, display_name(p)))  # named on the command line, hgn's results are no return either
        else:
            out.append((p, display_name(p)))
    seen: set[Path] = set()
    uniq = []
    import os

    for f, d in out:
        rp = Path(os.path.realpath(f))  # (never raises: a loop of links is read, and said unreadable, as itself)
        if rp not in seen:
            seen.add(rp)
            uniq.append((f, d))
    return uniq
