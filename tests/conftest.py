"""Shared fixtures: commune returns built cell by cell, so each test states exactly what the officer wrote.

``make_return(tmp_path, households=[...], members=[...], **opts)`` writes a layout-1 workbook. Rows are dicts
from column keys to cell values (``None`` = blank cell); a dict key that is not a layout key becomes an extra
column whose header is that key. ``household(**kw)`` and ``member(**kw)`` give a valid row with overrides.
The sentinels ``BLANK`` and ``HEADER`` in a row list write a blank row or a copy of the header row there.

Excel rows: the header is on row ``len(title_rows) + 1`` (``+ 1`` more with ``group_band``); data starts on
the row below it (``+ 1`` with ``key_row``); the n-th item of a row list sits n rows below the first.
"""

from __future__ import annotations

import datetime as dt
import os
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from hgn_review.schemas.layout import INDICATORS, load_layout

HH_SHEET = "Hộ gia đình"
MM_SHEET = "Thành viên"
INFO_SHEET = "Thông tin"
COMMUNE = "11284"  # Xã Chi Lăng Nam, Huyện Thanh Miện, Tỉnh Hải Dương (a rural Xã before 1/7/2025)
COMMUNE_2 = "11287"  # Xã Thanh Giang, same district
REVIEW_DATE = "15/09/2024"
HEAD_ID = "030080001234"  # born in Hải Dương (030), male, 20th century (0), 1980 (80)


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


BLANK = _Sentinel("BLANK")
HEADER = _Sentinel("HEADER")

DEFAULT_HOUSEHOLD: dict[str, Any] = {
    "ma_ho": "11284-0001",
    "ho_ten_chu_ho": "Nguyễn Văn An",
    "ma_xa": COMMUNE,
    "thon": "Thôn Đông",
    "khu_vuc": None,
    "so_thanh_vien": None,
    "thu_nhap_bq": 1500000,
    "diem_b1": None,
    "diem_b2": None,
    "loai_nha": "Bán kiên cố",
    "dien_tich_nha": 45,
    "nguon_nuoc": "Giếng khoan",
    "nha_tieu": "Tự hoại",
    "su_dung_internet": "Có",
    "phuong_tien_thong_tin": "Có",
    "ho_nlndn": "Có",
    "nguoi_co_cong": "Không",
    "bao_tro_xa_hoi": "Không",
    "nguyen_nhan_ngheo": None,
    "phan_loai_dau_ky": "Không",
    "tinh_trang_ho": "Đang cư trú",
    "ngay_ra_soat": REVIEW_DATE,
    "ra_soat_vien": "Trần Thị Bình",
    **{k: None for k in INDICATORS},
}

DEFAULT_MEMBER: dict[str, Any] = {
    "ma_ho": "11284-0001",
    "stt": 1,
    "ho_ten": "Nguyễn Văn An",
    "so_dinh_danh": HEAD_ID,
    "ngay_sinh": "12/03/1980",
    "gioi_tinh": "Nam",
    "quan_he": "Chủ hộ",
    "dan_toc": "Kinh",
    "viec_lam": "Tự làm",
    "the_bhyt": "Có",
    "suy_dinh_duong": None,
    "trinh_do": "THCS",
    "dang_di_hoc": "Không",
    "cap_hoc": None,
    "khuyet_tat": "Không",
}

DEFAULT_APP_ROW: dict[str, Any] = {
    "ma_ho": "11284-0001",
    "ho_ten_chu_ho": "Nguyễn Văn An",
    "gioi_tinh_chu_ho": "Nam",
    "so_thanh_vien": 3,
    "dan_toc_tai_cho": 0,
    "ma_xa": COMMUNE,
    "thon": "Thôn Đông",
    "khu_vuc": None,
    "ho_nlndn": 1,
    "ket_qua_phieu_a": "Đủ điều kiện rà soát",
    "diem_b1": 120,
    "diem_b2": 10,
    "phan_loai_ghi": "Cận nghèo",
    **{k: (1 if k == "th_bhyt" else 0) for k in INDICATORS},
    "so_thieu_hut_ghi": 1,
    "ngay_ra_soat": REVIEW_DATE,
    "ra_soat_vien": "Trần Thị Bình",
}


def household(**kw: Any) -> dict[str, Any]:
    """A valid household row of the default commune, with overrides."""
    return {**DEFAULT_HOUSEHOLD, **kw}


def member(**kw: Any) -> dict[str, Any]:
    """A valid member row (by default the 1980-born male head of household 11284-0001), with overrides."""
    return {**DEFAULT_MEMBER, **kw}


def app_row(**kw: Any) -> dict[str, Any]:
    """A valid row of the review application's export (layout 2), with overrides."""
    return {**DEFAULT_APP_ROW, **kw}


def make_id(prefix: str = "030", birth_year: int = 1980, female: bool = False, serial: str = "001234") -> str:
    """A 12-digit personal ID consistent with sex and birth year (the checks of validate._id_checks)."""
    d4 = (birth_year // 100 - 19) * 2 + int(female)
    return f"{prefix}{d4}{birth_year % 100:02d}{serial}"


# ------------------------------------------------------------------------------------------ grid model
class _Sheet:
    """A sheet as a list of rows of cell values, plus hidden rows, merges and formula-error cells (1-based)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[list[Any]] = []
        self.start_col = 1
        self.hidden: set[int] = set()
        self.merges: list[tuple[int, int, int, int]] = []  # r1, c1, r2, c2
        self.errors: dict[tuple[int, int], str] = {}  # (row, col) -> '#DIV/0!'


def _columns(role: str, layout_id: str, rows: Sequence[Any], drop: Iterable[str]) -> list[str]:
    spec = load_layout(layout_id).sheets[role]
    dropped = set(drop)
    keys = [c.key for c in spec.columns if c.key not in dropped]
    for r in rows:
        if isinstance(r, Mapping):
            for k in r:
                if k not in keys and k not in dropped and k not in spec.by_key:
                    keys.append(k)
    return keys


def _numeric(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _build_sheet(name: str, role: str, layout_id: str, rows: Sequence[Any], *, title_rows: Sequence[str] = (),
                 key_row: bool = False, group_band: bool = False, headers: Mapping[str, str] | None = None,
                 drop: Iterable[str] = (), start_col: int = 1, hidden: Iterable[int] = (),
                 merges: Iterable[tuple[str, int, int]] = (), errors: Mapping[tuple[int, str], str] | None = None,
                 numbers: Iterable[str] = ()) -> _Sheet:
    spec = load_layout(layout_id).sheets[role]
    keys = _columns(role, layout_id, rows, drop)
    heads = [(headers or {}).get(k, spec.by_key[k].header if k in spec.by_key else k) for k in keys]
    as_number = set(numbers)
    sh = _Sheet(name)
    sh.start_col = start_col
    for t in title_rows:
        sh.rows.append([t])
    header_row = len(sh.rows) + 1
    if group_band:
        # a two-row header band: "Thiếu hụt" spans the indicator columns, whose sub-headers are on row 2;
        # every other header is merged down over both rows
        top, bottom = [], []
        first_th = None
        for i, (k, h) in enumerate(zip(keys, heads, strict=True)):
            col = start_col + i
            if k in INDICATORS:
                if first_th is None:
                    first_th = col
                    top.append("Thiếu hụt")
                else:
                    top.append(None)
                bottom.append(h.split(":", 1)[1].strip() if ":" in h else h)
            else:
                top.append(h)
                bottom.append(None)
                sh.merges.append((header_row, col, header_row + 1, col))
        if first_th is not None:
            last_th = start_col + max(i for i, k in enumerate(keys) if k in INDICATORS)
            sh.merges.append((header_row, first_th, header_row, last_th))
        sh.rows.append(top)
        sh.rows.append(bottom)
        header_row += 1
    else:
        sh.rows.append(list(heads))
    if key_row:
        sh.rows.append([str(i + 1) for i in range(len(keys))])
    data_start = len(sh.rows) + 1
    for item in rows:
        if item is BLANK:
            sh.rows.append([])
        elif item is HEADER:
            sh.rows.append(list(heads))
        else:
            sh.rows.append([_numeric(item.get(k)) if k in as_number else item.get(k) for k in keys])
    for i in hidden:
        sh.hidden.add(data_start + i)
    for key, i1, i2 in merges:
        col = start_col + keys.index(key)
        sh.merges.append((data_start + i1, col, data_start + i2, col))
    for (i, key), err in (errors or {}).items():
        sh.errors[(data_start + i, start_col + keys.index(key))] = err
    return sh


def _write_openpyxl(path: Path, sheets: list[_Sheet]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.rows, start=1):
            for c, v in enumerate(row, start=sh.start_col):
                if v is not None:
                    ws.cell(row=r, column=c, value=v)
        for r in sh.hidden:
            ws.row_dimensions[r].hidden = True
        for r1, c1, r2, c2 in sh.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    wb.save(path)


def _write_xlsxwriter(path: Path, sheets: list[_Sheet]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for sh in sheets:
        ws = wb.add_worksheet(sh.name)
        for r, row in enumerate(sh.rows):
            for c, v in enumerate(row, start=sh.start_col - 1):
                if (r + 1, c + 1) in sh.errors:
                    continue
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, v, date_fmt)
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, int | float):
                    ws.write_number(r, c, v)
                elif v is not None:
                    ws.write_string(r, c, str(v))
        for (r, c), err in sh.errors.items():
            ws.write_formula(r - 1, c - 1, "=1/0", None, err)
        for r in sh.hidden:
            ws.set_row(r - 1, None, None, {"hidden": True})
        for r1, c1, r2, c2 in sh.merges:
            first = sh.rows[r1 - 1][c1 - sh.start_col] if c1 - sh.start_col < len(sh.rows[r1 - 1]) else None
            ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, "" if first is None else first)
    wb.close()


def _per_role(opt: Any, role: str) -> Any:
    """Options may be given for both sheets at once or as {'households': …, 'members': …}."""
    if isinstance(opt, Mapping) and set(opt) <= {"households", "members"} and opt:
        return opt.get(role)
    return opt


def make_return(tmp_path: Path, households: Sequence[Any] | None = None, members: Sequence[Any] | None = None, *,
                name: str = "11284_2024.xlsx", title_rows: Sequence[str] = (), key_row: bool = False,
                group_band: bool = False, headers: Mapping[str, Any] | None = None,
                drop: Mapping[str, Iterable[str]] | None = None, start_col: int = 1,
                hidden: Mapping[str, Iterable[int]] | None = None,
                merges: Mapping[str, Iterable[tuple[str, int, int]]] | None = None,
                errors: Mapping[str, Mapping[tuple[int, str], str]] | None = None,
                numbers: Mapping[str, Iterable[str]] | Iterable[str] = (),
                info: Mapping[str, Any] | None = None, sheet_names: Mapping[str, str] | None = None,
                omit: Iterable[str] = (), empty: Iterable[str] = (),
                raw_sheets: Mapping[str, Sequence[Sequence[Any]]] | None = None,
                engine: str | None = None) -> Path:
    """Write a layout-1 commune return and return its path.

    households / members: row dicts (default: one valid household and its head). Options:
    title_rows (text rows above the header), key_row (a 1, 2, 3 … row under the header), group_band
    (two-row header with "Thiếu hụt" over the indicator sub-headers), headers (key -> header text override),
    drop ({role: keys} columns left out), start_col (1 = A), hidden ({role: [item index]}), merges
    ({role: [(key, first item, last item)]}), errors ({role: {(item, key): '#DIV/0!'}}, written with
    xlsxwriter as cached formula errors), numbers (keys whose digit strings are written as numbers, for
    both sheets or per role), info (the "Thông tin" sheet as label -> value), sheet_names ({role: name}),
    omit (roles whose sheet is not written), empty (roles whose sheet has no cells), raw_sheets (extra
    sheets given cell by cell), engine ('openpyxl' or 'xlsxwriter').
    """
    if households is None:
        households = [household()]
    if members is None:
        members = [member()]
    names = {"households": HH_SHEET, "members": MM_SHEET, **(sheet_names or {})}
    sheets: list[_Sheet] = []
    for role, rows in (("households", households), ("members", members)):
        if role in set(omit):
            continue
        if role in set(empty):
            sheets.append(_Sheet(names[role]))
            continue
        sheets.append(_build_sheet(
            names[role], role, "hgn", rows, title_rows=title_rows, key_row=key_row, group_band=group_band,
            headers=_per_role(headers, role), drop=(drop or {}).get(role, ()), start_col=start_col,
            hidden=(hidden or {}).get(role, ()), merges=(merges or {}).get(role, ()),
            errors=(errors or {}).get(role), numbers=_per_role(numbers, role) or ()))
    if info:
        sh = _Sheet(INFO_SHEET)
        sh.rows = [[k, v] for k, v in info.items()]
        sheets.append(sh)
    for sname, grid in (raw_sheets or {}).items():
        sh = _Sheet(sname)
        sh.rows = [list(r) for r in grid]
        sheets.append(sh)
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    use = engine or ("xlsxwriter" if errors else "openpyxl")
    (_write_xlsxwriter if use == "xlsxwriter" else _write_openpyxl)(path, sheets)
    return path


def make_app_return(tmp_path: Path, rows: Sequence[Any] | None = None, *, name: str = "11284_app.xlsx",
                    sheet: str = "Export", title_rows: Sequence[str] = (), drop: Iterable[str] = (),
                    headers: Mapping[str, str] | None = None) -> Path:
    """Write a layout-2 export (one flat sheet, dotted headers) and return its path."""
    sh = _build_sheet(sheet, "households", "app", rows if rows is not None else [app_row()],
                      title_rows=title_rows, drop=drop, headers=headers)
    path = tmp_path / name
    _write_openpyxl(path, [sh])
    return path


# ------------------------------------------------------------------------------------------ other formats
def _biff_record(rtype: int, data: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def _biff_string(text: str) -> bytes:
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def _xls_formats(formats: Mapping[tuple[str, int, int], str]) -> tuple[bytes, dict[str, int]]:
    """The FONT, FORMAT and XF records of a workbook whose cells (sheet, row, column) in ``formats`` take a number
    format ("0000"): one font, one FORMAT per format (ids from 164), XF 0–14 styles, XF 15 the default cell format,
    then one cell XF per format; and each format's XF index."""
    font = struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + struct.pack("<BB", 5, 0) + b"Arial"
    codes = sorted(set(formats.values()))
    records = _biff_record(0x0031, font)
    for k, code in enumerate(codes):
        records += _biff_record(0x041E, struct.pack("<HHB", 164 + k, len(code), 0) + code.encode("latin-1"))
    style = struct.pack("<HHHBBBBIiH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0)
    records += b"".join(_biff_record(0x00E0, style) for _ in range(15))
    records += _biff_record(0x00E0, struct.pack("<HHHBBBBIiH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    for k, _code in enumerate(codes):
        records += _biff_record(0x00E0, struct.pack("<HHHBBBBIiH", 0, 164 + k, 0x0001, 0x20, 0, 0, 0x04, 0, 0,
                                                     0x20C0))
    return records, {code: 16 + k for k, code in enumerate(codes)}


def write_xls(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]],
              formats: Mapping[tuple[str, int, int], str] | None = None) -> Path:
    """A minimal BIFF8 workbook (Excel 97–2003 .xls) in an OLE2 compound file, written byte by byte.

    Text goes to the shared string table (LABELSST), numbers to NUMBER records. Enough for calamine, xlrd
    and Excel; no styles — unless ``formats`` gives number cells (sheet, row index, column index) a number
    format such as "0000" (then fonts, formats and cell formats are written too).
    """
    strings: list[str] = []
    index: dict[str, int] = {}
    total = 0
    for grid in sheets.values():
        for row in grid:
            for v in row:
                if isinstance(v, str):
                    total += 1
                    if v not in index:
                        index[v] = len(strings)
                        strings.append(v)
    bof_globals = _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    bof_sheet = _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
    eof = _biff_record(0x000A, b"")
    codepage = _biff_record(0x0042, struct.pack("<H", 1200))
    styles, xf_of = _xls_formats(formats) if formats else (b"", {})
    codepage += styles  # (after the code page, before the sheets, as Excel orders them)
    plain_xf = 15 if formats else 0
    sst_body = struct.pack("<II", total, len(strings)) + b"".join(_biff_string(s) for s in strings)
    assert len(sst_body) <= 8224, "test workbook too large for one SST record"
    sst = _biff_record(0x00FC, sst_body)
    bodies: list[bytes] = []
    for name, grid in sheets.items():
        cells = b""
        ncols = max((len(r) for r in grid), default=0)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if isinstance(v, str):
                    cells += _biff_record(0x00FD, struct.pack("<HHHI", r, c, plain_xf, index[v]))
                elif isinstance(v, int | float) and not isinstance(v, bool):
                    xf = xf_of[formats[(name, r, c)]] if formats and (name, r, c) in formats else plain_xf
                    cells += _biff_record(0x0203, struct.pack("<HHHd", r, c, xf, float(v)))
        dims = _biff_record(0x0200, struct.pack("<IIHHH", 0, len(grid), 0, ncols, 0))
        bodies.append(bof_sheet + dims + cells + eof)

    def boundsheets(offsets: list[int]) -> bytes:
        out = b""
        for name, off in zip(sheets, offsets, strict=True):
            out += _biff_record(0x0085, struct.pack("<IBB", off, 0, 0) + struct.pack("<BB", len(name), 1)
                                + name.encode("utf-16-le"))
        return out

    head_len = len(bof_globals) + len(codepage) + len(boundsheets([0] * len(sheets))) + len(sst) + len(eof)
    offsets, pos = [], head_len
    for b in bodies:
        offsets.append(pos)
        pos += len(b)
    stream = bof_globals + codepage + boundsheets(offsets) + sst + eof + b"".join(bodies)
    if len(stream) < 4096:  # keep the stream out of the mini stream: pad with an ignored record at the end
        stream += _biff_record(0x005C, b"\x00" * (4096 - len(stream)))
    return _write_cfb(path, "Workbook", stream)


def _write_cfb(path: Path, stream_name: str, stream: bytes) -> Path:
    """An OLE2 compound file (version 3, 512-byte sectors) holding one stream."""
    sec = 512
    end, free, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    data = stream + b"\x00" * (-len(stream) % sec)
    n_data = len(data) // sec
    n_fat = 1
    while n_fat * 128 < n_data + 1 + n_fat:
        n_fat += 1
    assert n_fat <= 109
    dir_sector = n_data
    fat = [i + 1 for i in range(n_data - 1)] + [end] + [end] + [fatsect] * n_fat
    fat += [free] * (n_fat * 128 - len(fat))

    def entry(name: str, etype: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\x00").encode("utf-16-le") if name else b""
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), etype, 1)
                + struct.pack("<III", nostream, nostream, child) + b"\x00" * 16 + struct.pack("<I", 0)
                + b"\x00" * 16 + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, end, 0) + entry(stream_name, 2, nostream, 0, len(stream))
                 + entry("", 0, nostream, 0, 0) + entry("", 0, nostream, 0, 0))
    difat = [n_data + 1 + i for i in range(n_fat)] + [free] * (109 - n_fat)
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_sector, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == sec
    path.write_bytes(header + data + directory + struct.pack(f"<{len(fat)}I", *fat))
    return path


def write_ods(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> Path:
    """An OpenDocument spreadsheet: through pandas + odfpy when installed, else the minimal package by hand."""
    try:
        import odf  # noqa: F401
    except ImportError:
        return _write_ods_by_hand(path, sheets)
    import pandas as pd

    with pd.ExcelWriter(path, engine="odf") as xw:
        for name, grid in sheets.items():
            pd.DataFrame([list(r) for r in grid]).to_excel(xw, sheet_name=name, header=False, index=False)
    return path


def _write_ods_by_hand(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> Path:
    from xml.sax.saxutils import escape, quoteattr

    body = []
    for name, grid in sheets.items():
        rows = []
        for row in grid:
            cells = []
            for v in row:
                if v is None:
                    cells.append("<table:table-cell/>")
                elif isinstance(v, bool):  # as LibreOffice types them (and pandas with odfpy)
                    cells.append(f'<table:table-cell office:value-type="boolean" office:boolean-value='
                                 f'"{str(v).lower()}"><text:p>{str(v).upper()}</text:p></table:table-cell>')
                elif isinstance(v, dt.date):
                    cells.append(f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}">'
                                 f"<text:p>{v.isoformat()}</text:p></table:table-cell>")
                elif isinstance(v, int | float):
                    cells.append(f'<table:table-cell office:value-type="float" office:value="{v}">'
                                 f"<text:p>{v}</text:p></table:table-cell>")
                else:
                    cells.append(f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p>'
                                 "</table:table-cell>")
            rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        body.append(f"<table:table table:name={quoteattr(name)}>" + "".join(rows) + "</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + "".join(body) + "</office:spreadsheet></office:body>"
        "</office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def sheet_grid(role: str, rows: Sequence[Any], **opts: Any) -> list[list[Any]]:
    """The cells of one layout-1 sheet as a list of rows (for .csv, .xls and .ods writers)."""
    sh = _build_sheet("x", role, "hgn", rows, **opts)
    return [[None] * (sh.start_col - 1) + list(r) for r in sh.rows]


def col_of(role: str, key: str, drop: Iterable[str] = (), start_col: int = 1) -> str:
    """The column letter the builder gives ``key`` on a sheet with the default columns."""
    keys = [c.key for c in load_layout("hgn").sheets[role].columns if c.key not in set(drop)]
    return get_column_letter(start_col + keys.index(key))


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(name="make_return")
def make_return_fixture():
    """The layout-1 workbook builder (see ``make_return``)."""
    return make_return


@pytest.fixture(name="make_app_return")
def make_app_return_fixture():
    """The layout-2 (application export) workbook builder."""
    return make_app_return


@pytest.fixture(name="household")
def household_fixture():
    """Factory of valid household rows with overrides."""
    return household


@pytest.fixture(name="member")
def member_fixture():
    """Factory of valid member rows with overrides."""
    return member


@pytest.fixture(name="app_row")
def app_row_fixture():
    """Factory of valid application-export rows with overrides."""
    return app_row


def run_hgn(*args: object, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run `python -m hgn_review …` as an officer would, outside a terminal, and capture its output."""
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("HGN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout, check=False)


def sample_returns(factory: pytest.TempPathFactory, name: str, *, communes: int, households: int,
                   seed: int) -> Path:
    """Clean `hgn sample` returns (no injected error, no manifest) in a fresh temporary folder."""
    from hgn_review.sample import generate_sample

    root = factory.mktemp(name)
    generate_sample(root, communes=communes, households=households, seed=seed, error_rate=0.0)
    (root / "manifest.json").unlink()
    return root


def fresh_copy(pristine: Path, tmp_path: Path) -> Path:
    """A copy of the returns in ``pristine`` at ``tmp_path/in``, for a test to damage."""
    import shutil

    dst = tmp_path / "in"
    shutil.copytree(pristine, dst)
    return dst


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """A command that ran through: exit 0, no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def read_csv(path: Path) -> list[dict[str, str]]:
    """A CSV list hgn wrote (UTF-8 with BOM) as dictionaries by header."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


_CP1258_MODIFIERS = "\u0302\u0306\u031b"  # circumflex, breve, horn: composed with the letter in Windows-1258


def to_cp1258(text: str) -> bytes:
    """Text as Excel's CSV or Notepad's "ANSI" saves it on a Vietnamese Windows (code page 1258): a letter with its
    vowel modifier (â, ă, ơ …) as one byte, the tone as a combining mark after it."""
    import unicodedata

    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        mods = "".join(m for m in d[1:] if m in _CP1258_MODIFIERS)
        tones = "".join(m for m in d[1:] if m not in _CP1258_MODIFIERS)
        out += unicodedata.normalize("NFC", d[0] + mods).encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def form_rows(path: Path) -> dict[str, list[Any]]:
    """The rows of a form (bieu_NN.xlsx) by their label in column B (a commune's name, "Tổng cộng"), first wins."""
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    out: dict[str, list[Any]] = {}
    for row in ws.iter_rows(values_only=True):
        if len(row) > 1 and isinstance(row[1], str):
            out.setdefault(row[1], list(row))
    return out
