"""Rendering the report forms to Excel: one code path for every form definition, table or list.

The official look: Times New Roman; the issuing body top left, the national motto top right; "Biểu số NN"; a
bold centred title; a merged, bordered header band with a numbered key row; `#,##0` counts and `0.00` rates;
a bold total row; the place-and-date line and the two signature blocks; A4 landscape, fit to the page width,
the header band repeated on every printed page. Files are written to a temporary path and renamed.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hgn_review.errors import ConfigError, Note
from hgn_review.io.write import atomic_path, mark_output
from hgn_review.reports import _movements as mv
from hgn_review.reports import fastxlsx as fx
from hgn_review.reports import pii
from hgn_review.reports.formdef import (
    Column,
    FormDef,
    evaluate,
    expand,
    header_band,
    load_forms,
    names_in,
    round_half_up,
)
from hgn_review.reports.view import (
    COMMUNE,
    FEMALE,
    MALE,
    ROW_LABEL_COMMUNE_AFTER,
    ROW_LABELS,
    ReportView,
    blank_notes_for,
    names_list,
    waiting_counts,
)
from hgn_review.text import count_text

FONT = "Times New Roman"
EXCEL_MAX_ROWS = 1_048_576
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PREPARER = "Người lập biểu"
PREPARER_NOTE = "(ký, ghi rõ họ tên)"
HEAD_OF_UNIT = "Thủ trưởng đơn vị"
HEAD_NOTE = "(ký, đóng dấu)"
TOTAL_LABEL = "Tổng cộng"
BLANK_FIELD = "blank"
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass
class RenderNote:
    form: int
    text: str


def vn_int(value: int) -> str:
    """12345 -> "12.345" (Vietnamese digit grouping)."""
    return count_text(value)


def publish(path: Path) -> Path:
    """Give a finished output the permissions of a normally created file (temporary files are private)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
    return path


def date_line(place: str, when: date | None, year: int | None) -> str:
    """"Thanh Miện, ngày 25 tháng 11 năm 2024"; dotted blanks for what is not given (filled in by hand)."""
    where = place.strip() or "……………"
    if when is None:
        return f"{where}, ngày …… tháng …… năm {year if year is not None else '……'}"
    return f"{where}, ngày {when.day:02d} tháng {when.month:02d} năm {when.year}"


def fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def placeholders(view: ReportView, level: str) -> dict[str, str]:
    row_label = ROW_LABELS.get(level, view.row_label)
    if level == COMMUNE and view.row_label == ROW_LABEL_COMMUNE_AFTER:
        row_label = ROW_LABEL_COMMUNE_AFTER
    return {"year": str(view.year), "unit_name": view.scope.name, "scope": view.scope.label,
            "province": view.scope.province_name, "district": view.scope.district_name,
            "issuer": view.scope.issuer, "row_label": row_label, "standard": view.standard_title}


class _Styles:
    """The workbook's formats, created once per workbook."""

    def __init__(self, wb: Any) -> None:
        def f(**kw: Any) -> Any:
            base = {"font_name": FONT, "font_size": 12, "valign": "vcenter"}
            base.update(kw)
            return wb.add_format(base)

        self.issuer = f(bold=True, align="center", text_wrap=True)
        self.nation = f(bold=True, align="center")
        self.motto = f(bold=True, align="center", underline=1, font_size=13)
        self.form_no = f(bold=True, align="center")
        self.title = f(bold=True, align="center", text_wrap=True, font_size=14)
        self.subtitle = f(italic=True, align="center", text_wrap=True)
        self.unit_note = f(italic=True, align="right")
        self.head = f(bold=True, align="center", text_wrap=True, border=1, font_size=11)
        self.key = f(italic=True, align="center", border=1, font_size=10, text_wrap=True)
        cell = {"border": 1, "font_size": 11}
        self.text = f(align="left", text_wrap=True, **cell)
        self.center = f(align="center", **cell)
        self.int = f(num_format="#,##0", **cell)
        self.rate = f(num_format="0.00", **cell)
        self.year = f(num_format="0", align="center", **cell)
        self.t_text = f(bold=True, align="left", text_wrap=True, **cell)
        self.t_label = f(bold=True, align="center", **cell)
        self.t_center = f(bold=True, align="center", **cell)
        self.t_int = f(bold=True, num_format="#,##0", **cell)
        self.t_rate = f(bold=True, num_format="0.00", **cell)
        self.t_year = f(bold=True, num_format="0", align="center", **cell)
        self.section = f(bold=True, align="left", **cell)
        self.note = f(italic=True, align="left", text_wrap=True, font_size=11)
        self.date = f(italic=True, align="center")
        self.sign = f(bold=True, align="center")
        self.sign_note = f(italic=True, align="center")
        self.signer = f(bold=True, align="center")

    def cell(self, fmt: str, total: bool = False) -> Any:
        name = {"int": "int", "rate": "rate", "year": "year", "text": "text", "center": "center"}[fmt]
        return getattr(self, ("t_" if total else "") + name)


def _split_blocks(ncols: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Column spans of the left (issuing body) and right (motto) blocks of the title and signature areas."""
    if ncols < 2:
        return (0, 0), (0, 0)
    left_last = max(0, min(ncols - 2, round(ncols * 0.4) - 1))
    return (0, left_last), (left_last + 1, ncols - 1)


def _merge(ws: Any, r1: int, c1: int, r2: int, c2: int, text: str, fmt: Any) -> None:
    if r1 == r2 and c1 == c2:
        ws.write_string(r1, c1, text, fmt)
    else:
        ws.merge_range(r1, c1, r2, c2, text, fmt)


def _lines(text: str, width_chars: float) -> int:
    return max(1, sum(math.ceil(max(1, len(part)) / max(1.0, width_chars)) for part in text.split("\n")))


def _title_block(ws: Any, st: _Styles, form: FormDef, view: ReportView, cols: list[Column],
                 values: dict[str, str]) -> int:
    """Rows 0–5: issuing body and motto, form number, title, subtitle, unit note. Returns the next free row."""
    n = len(cols)
    (l1, l2), (r1, r2) = _split_blocks(n)
    total_width = sum(c.width for c in cols)
    _merge(ws, 0, l1, 0, l2, view.scope.issuer or "", st.issuer)
    _merge(ws, 0, r1, 0, r2, NATION, st.nation)
    _merge(ws, 1, l1, 1, l2, f"Biểu số {form.code}", st.form_no)
    _merge(ws, 1, r1, 1, r2, MOTTO, st.motto)
    ws.set_row(0, 18)
    ws.set_row(1, 18)
    title = fill(form.title, values)
    _merge(ws, 3, 0, 3, n - 1, title, st.title)
    ws.set_row(3, 20 * _lines(title, total_width * 0.95))
    row = 4
    if form.subtitle:
        sub = fill(form.subtitle, values)
        _merge(ws, row, 0, row, n - 1, sub, st.subtitle)
        ws.set_row(row, 17 * _lines(sub, total_width * 1.05))
        row += 1
    if form.unit_note:
        _merge(ws, row, 0, row, n - 1, fill(form.unit_note, values), st.unit_note)
        row += 1
    return row + 1 if not form.unit_note else row


def _header(ws: Any, st: _Styles, cols: list[Column], top: int, values: dict[str, str]) -> int:
    """The merged header band and the key row from ``top``. Returns the key row's index."""
    band = header_band(cols)
    for cell in band.cells:
        _merge(ws, top + cell.row, cell.col, top + cell.last_row, cell.last_col, fill(cell.text, values), st.head)
    for r in range(band.depth):  # row heights from the wrapped texts that sit in one row only
        need = 1
        for cell in band.cells:
            if cell.row == r and cell.last_row == r:
                width = sum(cols[j].width for j in range(cell.col, cell.last_col + 1))
                need = max(need, _lines(fill(cell.text, values), width * 1.1))
            elif cell.row == r:  # spans down: share its lines among its rows
                width = cols[cell.col].width
                need = max(need, math.ceil(_lines(fill(cell.text, values), width * 1.1) / (cell.last_row - cell.row + 1)))
        ws.set_row(top + r, 15.5 * need + 2)
    key_row = top + band.depth
    for j, c in enumerate(cols):
        ws.write_string(key_row, j, c.key, st.key)
    longest = max(_lines(c.key, c.width * 1.2) for c in cols)
    ws.set_row(key_row, 14 * longest + 1)
    return key_row


def _footer(ws: Any, st: _Styles, view: ReportView, n: int, row: int) -> int:
    (l1, l2), (r1, r2) = _split_blocks(n)
    _merge(ws, row, r1, row, r2, date_line(view.place, view.report_date, view.sign_year), st.date)
    _merge(ws, row + 1, l1, row + 1, l2, PREPARER, st.sign)
    _merge(ws, row + 1, r1, row + 1, r2, HEAD_OF_UNIT, st.sign)
    _merge(ws, row + 2, l1, row + 2, l2, PREPARER_NOTE, st.sign_note)
    _merge(ws, row + 2, r1, row + 2, r2, HEAD_NOTE, st.sign_note)
    if view.signer:
        _merge(ws, row + 7, r1, row + 7, r2, view.signer, st.signer)
    return row + 8


def _print_setup(ws: Any, top: int, key_row: int, ncols: int) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top, key_row)
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer('&C&"Times New Roman"&10Trang &P/&N')


def _check_names(form: FormDef, cols: list[Column], available: pd.Index) -> None:
    known = set(available)
    for c in cols:
        for name in names_in(c):
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=3)
                raise ConfigError(
                    f"Biểu {form.code} ({form.source}), cột \"{' / '.join(c.header)}\": không có số liệu tên \"{name}\".",
                    hint=("Có thể là: " + ", ".join(close)) if close else "Xem danh sách tên số liệu ở reports/view.py.",
                    message_en=f"Form {form.code} ({form.source}), column \"{' / '.join(c.header)}\": no count named \"{name}\".",
                    hint_en=("Did you mean: " + ", ".join(close)) if close else "See reports/view.py for the count names.")


def _write_number(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        ws.write_blank(r, c, None, fmt)
    else:
        ws.write_number(r, c, value, fmt)


def _table_sheet(wb: Any, st: _Styles, form: FormDef, view: ReportView) -> None:
    level = view.row_level if form.group_by == "auto" else form.group_by
    if level not in view.tables:
        level = view.row_level
    values = placeholders(view, level)
    cols = expand(form, view.series)
    rows = _every_unit(view.rows(level), view) if level == view.row_level else view.rows(level)
    counts = rows.drop(columns=["name"])
    total = counts.sum(axis=0)
    counts = pd.concat([counts, total.to_frame("__total__").T], axis=0)
    _check_names(form, cols, counts.columns)
    ws = wb.add_worksheet(f"Biểu {form.code}")
    for j, c in enumerate(cols):
        ws.set_column(j, j, c.width)
    top = _title_block(ws, st, form, view, cols, values)
    key_row = _header(ws, st, cols, top, values)
    computed: list[list[Any]] = []
    for c in cols:
        if c.kind == "value":
            if c.arg == "index":
                computed.append([*range(1, len(rows) + 1), None])
            else:
                computed.append([*rows["name"].tolist(), TOTAL_LABEL])
        else:
            v = evaluate(c, counts)
            v = round_half_up(v, 2) if c.format == "rate" else v
            computed.append([None if pd.isna(x) else (int(x) if c.format == "int" and float(x).is_integer() else float(x))
                             for x in v.tolist()])
    first = key_row + 1
    n_rows = len(rows) + 1
    for i in range(n_rows):
        is_total = i == n_rows - 1
        r = first + i
        for j, c in enumerate(cols):
            value = computed[j][i]
            if c.kind == "value":
                if c.arg == "index":
                    fmt = st.t_center if is_total else st.center
                    if value is None:
                        ws.write_blank(r, j, None, fmt)
                    else:
                        ws.write_number(r, j, value, fmt)
                else:
                    ws.write_string(r, j, str(value), st.t_label if is_total else st.text)
            elif c.format == "text":
                ws.write_string(r, j, "" if value is None else str(value), st.cell("text", is_total))
            else:
                _write_number(ws, r, j, value, st.cell(c.format, is_total))
    row = first + n_rows
    # the figures this form leaves blank for answers not known: said on the form, which is filed on its own
    blanks = blank_notes_for(view, {name for c in cols for name in names_in(c)})
    row = _notes(ws, st, form, view, values, len(cols), row, sum(c.width for c in cols), blanks)
    _footer(ws, st, view, len(cols), row + 1)
    _print_setup(ws, top, key_row, len(cols))
    ws.freeze_panes(key_row + 1, 0)


def _every_unit(rows: pd.DataFrame, view: ReportView) -> pd.DataFrame:
    """One row per unit of the level below, in the unit list's order (forms.md): a unit without figures keeps its
    row, blank (not zeros: nothing was reported); a unit outside the list (a code the list does not have) after."""
    order = [code for code, _name in view.coverage.order]
    if not order:
        return rows
    codes = [*order, *[str(c) for c in rows.index if str(c) not in set(order)]]
    out = rows.set_axis([str(c) for c in rows.index]).reindex(codes)
    # (as objects: a column of units all without figures is all NaN, float, which takes no text in pandas 3)
    out["name"] = out["name"].astype(object).fillna(pd.Series(dict(view.coverage.order), dtype=object))
    return out


def _notes(ws: Any, st: _Styles, form: FormDef, view: ReportView, values: dict[str, str], n: int, row: int,
           width: float, blanks: tuple[str, ...] | list[str] = ()) -> int:
    lines = [fill(t, values) for t in form.notes] + [f"Lưu ý: {b}" for b in blanks]
    if form.number in (2, 3) or any("{balance}" in t for t in form.notes):
        cls = "poor" if form.number == 2 else "near"
        off = view.balance[(view.balance["class"] == cls) & (view.balance["diff"] != 0)]
        for rec in off.to_dict("records"):
            lines.append(f"Lưu ý: tại {rec['name']}, cuối kỳ {rec['end']} ≠ đầu kỳ {rec['start']} − giảm {rec['dec']} "
                         f"+ tăng {rec['inc']}: kiểm tra lại diễn biến.")
    listed = form.kind != "table"  # a list of households: no row of a unit to leave blank — said all the same
    if view.coverage.missing:
        lines.append(("Danh sách chưa có hộ của các đơn vị chưa có số liệu: " if listed else
                      "Chưa có số liệu (dòng để trống): ") + names_list([name for _, name in view.coverage.missing])
                     + ".")
    if view.coverage.partial:
        word = view.coverage.partial_word
        lines.append("Chưa đủ số liệu các xã: " + names_list([f"{name} ({k}/{n} {word})"
                                                            for _c, name, k, n in view.coverage.partial]) + ".")
    if form.number in (2, 3):
        word = mv.POOR if form.number == 2 else mv.NEAR
        missed = view.not_reviewed.get(word, 0)
        if missed:
            lines.append(f"Lưu ý: {missed} hộ {word.lower()} của danh sách đầu kỳ không có trong biểu rà soát của xã "
                         "(mã previous-not-reviewed trong phat_hien.xlsx): chưa tính vào số đầu kỳ; bổ sung các hộ "
                         "này (kể cả hộ đã chuyển đi, giải thể) rồi chạy lại.")
    if listed and form.list_class and len(view.persons) and {"class", "gioi_tinh", "nam_sinh"} <= set(view.persons):
        # a year of birth the return holds, of a member whose sex is not known: in neither column "Nam" nor "Nữ"
        p = view.persons
        sexless = (p["class"].astype("string").eq(form.list_class).fillna(False)
                   & ~p["gioi_tinh"].astype("string").isin([MALE, FEMALE]).fillna(False)
                   & pd.to_numeric(p["nam_sinh"], errors="coerce").notna())
        if int(sexless.sum()):
            lines.append(f"Lưu ý: {int(sexless.sum())} thành viên chưa rõ giới tính (để trống hoặc ghi không hợp lệ, "
                         "xem phat_hien.xlsx): năm sinh của họ chưa ghi vào cột \"Nam\" hay \"Nữ\".")
    households, persons, olds = view.waiting
    if households and form.kind == "table":
        lines.append(f"Chưa tính trong biểu: {households} hộ ({persons} người) của {names_list(olds)} đang chờ quy đổi "
                     "sang xã mới (xem sheet \"Chờ quy đổi\" của danh sách và kết quả tổng hợp).")
    elif listed and form.list_class and len(view.pending) and "phan_loai" in view.pending.columns:
        # the households of this list's class waiting for their 2025 commune: on no unit's list yet
        n_hh, n_pp, old_names = waiting_counts(
            view.pending[view.pending["phan_loai"].astype("string").eq(form.list_class).fillna(False)
                         .to_numpy(dtype=bool)])
        if n_hh:
            lines.append(f"Chưa có trong danh sách: {n_hh} hộ {form.list_class.lower()} ({n_pp} người) của "
                         f"{names_list(old_names)} đang chờ quy đổi sang xã mới (xem sheet \"Chờ quy đổi\" của danh "
                         "sách kết nối CSDL dân cư và kết quả tổng hợp).")
    for text in lines:
        _merge(ws, row, 0, row, n - 1, text, st.note)
        ws.set_row(row, 16 * _lines(text, width * 1.15))
        row += 1
    return row


def _list_sheets(fw: fx.Workbook, st: _Styles, form: FormDef, view: ReportView, mask: bool,
                 max_rows: int) -> list[str]:
    persons = view.persons
    persons = persons[persons["class"] == form.list_class]
    if mask:
        persons = pii.mask_persons(persons)
    values = placeholders(view, view.row_level)
    cols = expand(form, view.series)
    for c in cols:
        if c.arg != BLANK_FIELD and c.arg not in persons.columns:
            close = difflib.get_close_matches(c.arg, list(persons.columns), n=3)
            raise ConfigError(f"Biểu {form.code} ({form.source}): không có trường \"{c.arg}\" trong danh sách.",
                              hint=("Có thể là: " + ", ".join(close)) if close else "",
                              message_en=f"Form {form.code} ({form.source}): no list field \"{c.arg}\".",
                              hint_en=("Did you mean: " + ", ".join(close)) if close else "")
    communes = persons["ma_xa"].astype(str)
    sections = form.sections != "none" and communes.nunique() > 1
    # sizing: rows of each commune (its members plus a section row), packed into sheets in order
    overhead = 30  # title block, header band, totals, footer
    capacity = max(1, max_rows - overhead)
    sizes = communes.value_counts(sort=False).reindex(pd.unique(communes)).fillna(0).astype(int) + int(sections)
    chunks = pack(sizes, capacity)
    notes: list[str] = []
    if len(chunks) > 1:
        notes.append(Note(f"Biểu {form.code}: danh sách dài quá một sheet, đã chia theo xã thành {len(chunks)} sheet.",
                          f"Form {form.code}: the list is longer than a sheet; split by commune into {len(chunks)} "
                          "sheets."))
    for k, chunk in enumerate(chunks, start=1):
        part = persons[communes.isin(chunk)]
        name = f"Biểu {form.code}" if len(chunks) == 1 else f"Biểu {form.code} ({k})"
        _one_list_sheet(fw, st, form, view, cols, values, part, sections, name)
    return notes


def pack(sizes: pd.Series, capacity: int) -> list[list[str]]:
    """Units (in order) packed into consecutive groups whose total size fits ``capacity``; a unit larger than the
    capacity gets a group of its own (the caller splits it further if it must)."""
    chunks: list[list[str]] = [[]]
    used = 0
    for unit, size in sizes.items():
        if chunks[-1] and used + int(size) > capacity:
            chunks.append([])
            used = 0
        chunks[-1].append(str(unit))
        used += int(size)
    return chunks if chunks[0] else [[]]


def _list_values(s: pd.Series, fmt: str) -> tuple[pa.Array | None, pa.Array | None]:
    """(text, number) of a persons column as the list writes it: booleans as "x", dates as dd/mm/yyyy, text-format
    columns and strings as text, other values as numbers; missing values (None, NA, NaN) as neither."""
    n = len(s)
    if s.dtype == bool or str(s.dtype) == "boolean":
        ticked = pa.array(s.astype("boolean").fillna(False).to_numpy(dtype=bool))
        return pc.if_else(ticked, pa.scalar("x", pa.large_string()), pa.scalar(None, pa.large_string())), None
    if pd.api.types.is_datetime64_any_dtype(s):
        return pa.array(s.dt.strftime("%d/%m/%Y"), type=pa.large_string(), from_pandas=True), None
    if isinstance(s.dtype, pd.StringDtype) or str(s.dtype) == "str":
        return pa.array(s, type=pa.large_string(), from_pandas=True), None
    if pd.api.types.is_integer_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        ints = pa.array(s, type=pa.int64(), from_pandas=True)
        return (ints.cast(pa.large_string()), None) if fmt == "text" else (None, ints)
    texts: list[str | None] = [None] * n
    numbers: list[int | float | None] = [None] * n
    for i, v in enumerate(s.astype(object).tolist()):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            continue
        if fmt == "text" or isinstance(v, str):
            texts[i] = str(v)
        else:
            numbers[i] = float(v) if not isinstance(v, int) else int(v)  # (True is written as 1)
    kinds = {type(v) for v in numbers if v is not None}
    number_type = pa.int64() if kinds <= {int} else pa.float64()
    return (pa.array(texts, pa.large_string()) if any(v is not None for v in texts) else None,
            pa.array([None if v is None else float(v) if number_type == pa.float64() else v for v in numbers],
                     number_type) if kinds else None)


def _one_list_sheet(fw: fx.Workbook, st: _Styles, form: FormDef, view: ReportView, cols: list[Column],
                    values: dict[str, str], persons: pd.DataFrame, sections: bool, name: str) -> None:
    ws = fw.book.add_worksheet(name)
    for j, c in enumerate(cols):
        ws.set_column(j, j, c.width)
    top = _title_block(ws, st, form, view, cols, values)
    key_row = _header(ws, st, cols, top, values)
    n = len(cols)
    centred = {c.arg for c in cols if c.arg in persons.columns and (persons[c.arg].dtype == bool
                                                                    or str(persons[c.arg].dtype) == "boolean")}
    centred |= {"hh_no", "member_no", "stt"}
    fmts = [st.cell("center" if c.arg in centred else c.format) for c in cols]
    first_rows = pa.array(persons["first_in_household"].to_numpy(dtype=bool))
    cells: list[fx.Cells] = []
    for j, c in enumerate(cols):
        if c.arg == BLANK_FIELD:
            cells.append(fx.Cells(j, style=fmts[j], blank=True))
            continue
        text, number = _list_values(persons[c.arg], c.format)
        if c.per == "household":  # the household's fields on its first row only
            text = None if text is None else pc.if_else(first_rows, text, pa.scalar(None, text.type))
            number = None if number is None else pc.if_else(first_rows, number, pa.scalar(None, number.type))
        cells.append(fx.Cells(j, text=text, number=number, style=fmts[j], blank=True))
    r = key_row + 1
    communes = persons["ma_xa"].astype(str).to_numpy()
    commune_names = persons["ten_xa"].astype(str).tolist()
    starts = [0] if len(persons) else []
    if sections and len(persons):
        starts = np.flatnonzero(np.r_[True, communes[1:] != communes[:-1]]).tolist()
    ends = [*starts[1:], len(persons)] if starts else []  # no person listed: only the total row below
    # a commune's name is not its identity (a province has several Xã Hồng Phong): its code, and its district when
    # the list spans several
    districts = persons["ten_huyen"].astype(str).to_numpy() if "ten_huyen" in persons.columns else None
    several = districts is not None and len(set(districts.tolist())) > 1
    for a, b in zip(starts, ends, strict=True):
        if sections:
            heading = commune_names[a] + (f" ({communes[a]})" if communes[a] else "")
            if several and districts is not None:
                heading += f" — {districts[a]}"
            _merge(ws, r, 0, r, n - 1, heading, st.section)
            r += 1
        fw.add_rows(ws, range(r, r + b - a), [c.slice(a, b) for c in cells])
        r += b - a
    first = persons["first_in_household"].to_numpy(dtype=bool)
    households = int(first.sum())
    # the persons form 01 counts: a household without member rows (the application's flat export) prints its
    # head alone but counts its declared size
    sizes = (pd.to_numeric(persons["household_persons"], errors="coerce").to_numpy(dtype="float64")[first]
             if "household_persons" in persons.columns else None)
    counted = int(np.nansum(sizes)) if sizes is not None else len(persons)
    unknown = int(np.isnan(sizes).sum()) if sizes is not None else 0  # no member rows, no size: never counted 0
    total = f"{TOTAL_LABEL}: {vn_int(households)} hộ, {vn_int(counted)} nhân khẩu"
    if unknown:
        total += f" (chưa kể {vn_int(unknown)} hộ không có số thành viên dùng được)"
    _merge(ws, r, 0, r, n - 1, total, st.t_text)
    row = _notes(ws, st, form, view, values, n, r + 1, sum(c.width for c in cols))
    _footer(ws, st, view, n, row + 1)
    _print_setup(ws, top, key_row, n)
    ws.freeze_panes(key_row + 1, 0)


def form_path(out_dir: Path, form: FormDef) -> Path:
    return Path(out_dir) / f"bieu_{form.code}.xlsx"


def render_form(view: ReportView, form: FormDef, target: Path, *, mask_pii: bool = False,
                max_rows: int = EXCEL_MAX_ROWS) -> list[str]:
    """Write one form to ``target`` (atomically). Returns notes (e.g. a list split over several sheets)."""
    import xlsxwriter

    notes: list[str] = []
    with atomic_path(target) as tmp:
        if form.kind == "list":  # long: the person rows are built column-wise (reports/fastxlsx.py)
            fw = fx.Workbook(tmp, WORKBOOK_OPTIONS)
            wb = fw.book
        else:
            wb = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
        wb.set_properties({"title": f"Biểu số {form.code}", "author": "hgn", "comments": ""})
        mark_output(wb, "form")
        st = _Styles(wb)
        if form.kind == "list":
            notes = _list_sheets(fw, st, form, view, mask_pii, max_rows)
            fw.close()
        else:
            _table_sheet(wb, st, form, view)
            wb.close()
    return notes


def wanted_forms(forms: list[int] | None, forms_dir: Path | None) -> tuple[dict[int, FormDef], list[int]]:
    """The form definitions (the province's own from ``forms_dir``) and the numbers asked for; a number there is
    no form of is a UsageError. Checked before anything is written."""
    defs = load_forms(forms_dir)
    wanted = sorted(defs) if forms is None else list(forms)
    unknown = [n for n in wanted if n not in defs]
    if unknown:
        from hgn_review.errors import UsageError

        raise UsageError(f"Không có biểu số {', '.join(map(str, unknown))}.",
                         hint=f"Các biểu có: {', '.join(map(str, sorted(defs)))}.",
                         message_en=f"No form number {', '.join(map(str, unknown))}.",
                         hint_en=f"Forms available: {', '.join(map(str, sorted(defs)))}.")
    return defs, wanted


def render_forms_with_notes(view: ReportView, out_dir: Path, forms: list[int] | None = None,
                            forms_dir: Path | None = None, mask_pii: bool = False,
                            max_rows: int = EXCEL_MAX_ROWS) -> tuple[list[Path], list[str]]:
    defs, wanted = wanted_forms(forms, forms_dir)
    paths: list[Path] = []
    notes: list[str] = []
    for number in wanted:
        form = defs[number]
        target = form_path(Path(out_dir), form)
        notes.extend(render_form(view, form, target, mask_pii=mask_pii, max_rows=max_rows))
        paths.append(publish(target))
    return paths, notes
