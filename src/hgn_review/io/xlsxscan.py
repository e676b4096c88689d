"""What calamine does not tell: hidden rows, merged ranges, formula-error cells and cell types.

A byte-level scan of the sheet XML inside an .xlsx (no DOM, no entity expansion). Only the small workbook
and relationship parts are parsed as XML, with defusedxml.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"|<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_ERROR_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(?:<f\b[^>]*>[^<]*</f>|<f\b[^>]*/>)?<v>([^<]*)</v>')
# a formula cell: its reference, and its stored result if there is one — "<v>…</v>", the empty text "<v></v>" of
# =IF(…;"Nghèo";"") included (Excel, LibreOffice); openpyxl writes "<v />" for a formula it did not compute
_FORMULA_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>(?:<f\b[^>]*>[^<]*</f>|<f\b[^>]*/>)(<v>[^<]*</v>)?')
# the workbook's request (in its calcPr) that every formula be computed again when it is opened
FULL_CALC = re.compile(rb'\s*\bfullCalcOnLoad="(?:1|true)"')
_ERROR_CELL2 = re.compile(rb'<c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]+)(\d+)"[^>]*>(?:<f\b[^>]*>[^<]*</f>|<f\b[^>]*/>)?<v>([^<]*)</v>')


@dataclass
class SheetScan:
    hidden_rows: set[int] = field(default_factory=set)
    merges: list[tuple[str, int, str, int]] = field(default_factory=list)  # (col1, row1, col2, row2)
    errors: dict[tuple[str, int], str] = field(default_factory=dict)  # (col, row) -> '#REF!'
    # formula cells whose value the file does not hold: none stored (written by a program, never opened in Excel),
    # or every formula to be computed again when opened (fullCalcOnLoad: what is stored may not be what Excel shows)
    uncomputed: set[tuple[str, int]] = field(default_factory=set)
    # number cells whose format pads them with zeros ("0000", "000000000000"): the text Excel shows ("0001", an ID's
    # leading zero), which is what the officer typed and sees — calamine gives the bare number ("1")
    shown: dict[tuple[str, int], str] = field(default_factory=dict)
    formulas: set[tuple[str, int]] = field(default_factory=set)  # every formula cell (col, row)
    # the total rows of the sheet's Excel tables (Insert > Table, "Total Row"): labelled "Total" or "Tổng", or not
    # at all (a count of the codes under "Mã hộ"), they are what the table's definition says they are
    total_rows: set[int] = field(default_factory=set)
    date1904: bool = False  # the workbook counts its dates from 1904 (old Mac Excel): see io/read._read_sheet
    xml: bytes = b""

    def numeric_rows(self, col: str) -> set[int]:
        """Rows whose cell in column ``col`` is stored as a number (no t= attribute, or t="n")."""
        pat = re.compile(rb'<c\b(?P<a>[^>]*?)\br="' + col.encode() + rb'(\d+)"(?P<b>[^>]*)>')
        out: set[int] = set()
        for m in pat.finditer(self.xml):
            attrs = m.group("a") + m.group("b")
            t = re.search(rb'\bt="([a-zA-Z]+)"', attrs)
            if t is None or t.group(1) == b"n":
                out.add(int(m.group(2)))
        return out


def sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML part."""
    return _sheet_paths(zf)[0]


def _sheet_paths(zf: zipfile.ZipFile) -> tuple[dict[str, str], bool, bool]:
    """(sheet name → path of its XML part, whether the workbook asks for every formula to be computed on open,
    whether it counts its dates from 1904)."""
    raw = zf.read("xl/workbook.xml")
    wb = SafeET.fromstring(raw)
    rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{_NS_PKG}Relationship")}
    out: dict[str, str] = {}
    for sh in wb.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sh.get(f"{_NS_REL}id") or "")
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out[str(sh.get("name"))] = path
    return out, FULL_CALC.search(raw) is not None, DATE1904.search(raw) is not None


DATE1904 = re.compile(rb'<workbookPr\b[^>]*\bdate1904="(?:1|true)"')


_ZERO_FORMAT = re.compile(rb'formatCode="0{2,}[";]')
_PADDED = re.compile(r"0{2,}")
_ATTR = re.compile(rb'\b(r|s|t)="([^"]*)"')
_INTEGER = re.compile(r"^\d+(?:\.0*)?$")


def _padding_styles(zf: zipfile.ZipFile) -> dict[str, int]:
    """Cell style index → width, for the styles whose number format only pads with zeros ("0000": a code, an ID
    kept with its leading zero); empty when the workbook has none (the usual case: a quick look only)."""
    try:
        raw = zf.read("xl/styles.xml")
    except KeyError:
        return {}
    if _ZERO_FORMAT.search(raw) is None:
        return {}
    root = SafeET.fromstring(raw)
    widths: dict[str, int] = {}
    for fmt in root.iter(f"{_NS_MAIN}numFmt"):
        code = (fmt.get("formatCode") or "").split(";")[0]
        if _PADDED.fullmatch(code):
            widths[str(fmt.get("numFmtId"))] = len(code)
    xfs = root.find(f"{_NS_MAIN}cellXfs")
    if not widths or xfs is None:
        return {}
    return {str(i): widths[str(xf.get("numFmtId"))] for i, xf in enumerate(xfs.iter(f"{_NS_MAIN}xf"))
            if str(xf.get("numFmtId")) in widths}


def _shown_cells(xml: bytes, styles: dict[str, int]) -> dict[tuple[str, int], str]:
    """The number cells of a zero-padding style, as Excel shows them: a whole number ≥ 0 padded to the width."""
    out: dict[tuple[str, int], str] = {}
    ids = b"|".join(re.escape(str(i).encode()) for i in styles)
    cells = re.compile(rb'<c\b([^>]*?\bs="(?:' + ids + rb')"[^>]*)>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>([^<]*)</v>')
    for m in cells.finditer(xml):  # only the cells of those styles: a Python step per padded cell, none per other
        a = {k.decode(): v.decode() for k, v in _ATTR.findall(m.group(1))}
        width = styles.get(a.get("s", ""))
        value = m.group(2).decode()
        if width is None or a.get("t", "n") != "n" or not _INTEGER.match(value) or "r" not in a:
            continue
        ref = re.fullmatch(r"([A-Z]+)(\d+)", a["r"])
        if ref is not None:
            out[(ref.group(1), int(ref.group(2)))] = value.split(".")[0].zfill(width)
    return out


def _member_bytes(path: Path, zf: zipfile.ZipFile, name: str) -> bytes:
    """One member of the package, decompressed in a single call (``ZipFile.read`` goes in small chunks and
    checks the CRC, which calamine has just done on the same bytes). Never more than the declared size is
    inflated: a member whose data is longer than it declares (a zip bomb) is a ``BadZipFile``."""
    info = zf.getinfo(name)
    if info.flag_bits & 0x1:
        raise zipfile.BadZipFile("encrypted member")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with zf.open(name) as fh:  # other methods: read through zipfile, still no more than declared
            data = fh.read(info.file_size + 1)
    else:
        with path.open("rb") as fh:
            fh.seek(info.header_offset)
            head = fh.read(30)
            if len(head) < 30 or head[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile("bad local header")
            fh.seek(info.header_offset + 30 + int.from_bytes(head[26:28], "little")
                    + int.from_bytes(head[28:30], "little"))
            data = fh.read(info.compress_size)
        if info.compress_type == zipfile.ZIP_DEFLATED:
            data = zlib.decompressobj(-15).decompress(data, info.file_size + 1)
    if len(data) != info.file_size:
        raise zipfile.BadZipFile("member size differs from its declared size")
    return data


_TABLE_REF = re.compile(r"^\$?[A-Z]+\$?(\d+):\$?[A-Z]+\$?(\d+)$")


def _table_totals(zf: zipfile.ZipFile, part: str) -> set[int]:
    """The rows a sheet's Excel tables hold their totals in: the last ``totalsRowCount`` rows of each table's range
    (xl/tables/tableN.xml, named by the sheet's relationships). None without tables (the usual case: one look)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in zf.NameToInfo:
        return set()
    out: set[int] = set()
    for rel in SafeET.fromstring(zf.read(rels)).iter(f"{_NS_PKG}Relationship"):
        target = rel.get("Target") or ""
        if not (rel.get("Type") or "").endswith("/table") or rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        if path not in zf.NameToInfo:
            continue
        table = SafeET.fromstring(zf.read(path))
        count = table.get("totalsRowCount") or "0"
        ref = _TABLE_REF.match(table.get("ref") or "")
        if ref is None or not count.isdigit() or int(count) == 0:
            continue
        last = int(ref.group(2))
        out.update(range(max(int(ref.group(1)) + 1, last - int(count) + 1), last + 1))
    return out


def scan_sheet(path: Path, sheet: str, keep_xml: bool = False) -> SheetScan | None:
    """Scan one sheet of an .xlsx; None when the file is not an OOXML package or the sheet is not found."""
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            paths, full_calc, date1904 = _sheet_paths(zf)
            part = paths.get(sheet)
            if part is None:
                return None
            xml = _member_bytes(path, zf, part)
            padding = _padding_styles(zf)
            totals = _table_totals(zf, part)
    except (KeyError, zipfile.BadZipFile, SafeET.ParseError, OSError, zlib.error):
        return None
    scan = SheetScan(xml=xml if keep_xml else b"", total_rows=totals, date1904=date1904)
    if padding:
        scan.shown = _shown_cells(xml, padding)
    if b"hidden=" in xml:
        for m in _HIDDEN_ROW.finditer(xml):
            scan.hidden_rows.add(int(m.group(1) or m.group(3)))
    end = xml.rfind(b"</sheetData>")  # merged ranges are listed after the cells
    if b"<mergeCell " in (xml[end:] if end >= 0 else xml):
        for m in _MERGE.finditer(xml, max(end, 0)):
            scan.merges.append((m.group(1).decode(), int(m.group(2)), m.group(3).decode(), int(m.group(4))))
    if b't="e"' in xml:
        for pat in (_ERROR_CELL, _ERROR_CELL2):
            for m in pat.finditer(xml):
                scan.errors[(m.group(1).decode(), int(m.group(2)))] = m.group(3).decode()
    if b"</f>" in xml:  # (every formula on a sheet has a closing tag there: a shared one's first cell holds it)
        for m in _FORMULA_CELL.finditer(xml):
            where = (m.group(1).decode(), int(m.group(2)))
            scan.formulas.add(where)
            if (full_calc or m.group(3) is None) and where not in scan.errors:
                scan.uncomputed.add(where)
    return scan
