"""Sheets as columns of Python values plus edits (changed cells, inserted rows, hidden rows), written with
XlsxWriter in constant-memory mode, one ``write_row`` per row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter


@dataclass(frozen=True)
class Formula:
    """A formula cell with its cached result (e.g. an error value)."""

    formula: str
    value: str


@dataclass(eq=False)
class Extra:
    """A row inserted after a source row: a copy, a repeated header, or new values."""

    kind: str  # 'copy' | 'header' | 'values'
    values: list[Any] | None = None
    row: int = 0  # Excel row number, set by Sheet.layout()


@dataclass(eq=False)
class Sheet:
    name: str
    keys: list[str]
    headers: list[str]
    columns: list[list[Any]]
    widths: list[int] = field(default_factory=list)
    text_keys: frozenset[str] = frozenset()
    cells: dict[int, dict[int, Any]] = field(default_factory=dict)
    inserts: dict[int, list[Extra]] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)
    rows: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def col(self, key: str) -> int:
        return self.keys.index(key)

    def header(self, key: str) -> str:
        return self.headers[self.col(key)]

    def value(self, src: int, key: str) -> Any:
        c = self.col(key)
        return self.cells.get(src, {}).get(c, self.columns[c][src])

    def set(self, src: int, key: str, value: Any) -> None:
        self.cells.setdefault(src, {})[self.col(key)] = value

    def row_values(self, src: int) -> list[Any]:
        vals = [col[src] for col in self.columns]
        for c, v in self.cells.get(src, {}).items():
            vals[c] = v
        return vals

    def insert_after(self, src: int, extra: Extra) -> Extra:
        self.inserts.setdefault(src, []).append(extra)
        return extra

    def layout(self) -> None:
        """Excel row numbers (header in row 1): of every source row, and of every inserted row."""
        n = self.n
        added = np.zeros(n, dtype=np.int64)
        for src, extras in self.inserts.items():
            added[src] = len(extras)
        before = np.concatenate([[0], np.cumsum(added)[:-1]]) if n else added
        self.rows = 2 + np.arange(n, dtype=np.int64) + before
        for src, extras in self.inserts.items():
            for k, ex in enumerate(extras):
                ex.row = int(self.rows[src]) + 1 + k

    def excel_row(self, src: int) -> int:
        if self.rows is None:
            self.layout()
        assert self.rows is not None
        return int(self.rows[src])


def cells(values: pd.Series | np.ndarray | Sequence[Any]) -> list[Any]:
    """Plain Python cell values: None for missing, int for whole floats, datetime for timestamps."""
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        py = s.dt.to_pydatetime() if hasattr(s.dt, "to_pydatetime") else list(s)
        return [None if pd.isna(v) else v for v in py]
    if pd.api.types.is_bool_dtype(s.dtype):
        return [int(v) for v in s.to_numpy()]
    if pd.api.types.is_float_dtype(s.dtype):
        arr = s.to_numpy(dtype=float)
        out: list[Any] = arr.tolist()
        whole = ~np.isnan(arr) & (arr == np.round(arr))
        for i in np.flatnonzero(np.isnan(arr)):
            out[i] = None
        for i in np.flatnonzero(whole):
            out[i] = int(arr[i])
        return out
    if pd.api.types.is_integer_dtype(s.dtype):
        return [int(v) for v in s.to_numpy()]
    return [_plain(v) for v in s.to_numpy(dtype=object)]


def _plain(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float):
        if v != v:
            return None
        return int(v) if v.is_integer() else v
    if isinstance(v, np.generic):
        return _plain(v.item())
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def write_workbook(path: Path, sheets: Iterable[Sheet], *, created: datetime,
                   info: Sequence[tuple[str, Any]] | None = None, title: str = "") -> None:
    """Write ``sheets`` (and a two-column info sheet first, when given) to ``path``."""
    wb = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "default_date_format": "dd/mm/yyyy", "strings_to_formulas": False,
        "strings_to_urls": False, "strings_to_numbers": False,
    })
    wb.set_properties({"created": created, "title": title, "author": "hgn sample",
                       "comments": "Dữ liệu giả lập để kiểm thử; không phải dữ liệu thật."})
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1})
    text = wb.add_format({"num_format": "@"})
    if info is not None:
        ws = wb.add_worksheet("Thông tin")
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 34, text)
        ws.write_row(0, 0, ["Mục", "Giá trị"], bold)
        for i, (label, value) in enumerate(info, start=1):
            ws.write_row(i, 0, [label, value])
    for sh in sheets:
        _write_sheet(wb, sh, bold, text)
    wb.close()


def _write_sheet(wb: xlsxwriter.Workbook, sh: Sheet, bold: Any, text: Any) -> None:
    ws = wb.add_worksheet(sh.name)
    for c, key in enumerate(sh.keys):
        width = sh.widths[c] if c < len(sh.widths) else 12
        ws.set_column(c, c, width, text if key in sh.text_keys else None)
    ws.freeze_panes(1, 0)
    ws.write_row(0, 0, sh.headers, bold)
    sh.layout()
    assert sh.rows is not None
    rows = sh.rows.tolist()
    changed, inserts, hidden = sh.cells, sh.inserts, sh.hidden
    for i, values in enumerate(zip(*sh.columns, strict=True)):
        r = rows[i] - 1
        if i in hidden:
            ws.set_row(r, None, None, {"hidden": True})
        edit = changed.get(i)
        if edit:
            _write_edited(ws, r, list(values), edit)
        else:
            ws.write_row(r, 0, values)
        for ex in inserts.get(i, ()):
            if ex.kind == "header":
                ws.write_row(ex.row - 1, 0, sh.headers)
            else:
                assert ex.values is not None
                _write_edited(ws, ex.row - 1, list(ex.values), {})


def _write_edited(ws: Any, r: int, values: list[Any], edit: dict[int, Any]) -> None:
    for c, v in edit.items():
        values[c] = v
    formulas = [(c, v) for c, v in enumerate(values) if isinstance(v, Formula)]
    for c, _ in formulas:
        values[c] = None
    ws.write_row(r, 0, values)
    for c, f in formulas:
        ws.write_formula(r, c, f.formula, None, f.value)
