"""Fast writing of long worksheet bodies: xlsxwriter lays out the workbook, the data rows are built column-wise.

xlsxwriter spends about ten microseconds of Python per cell, and a province's lists have millions of cells. Here
xlsxwriter still writes everything small and styled (titles, headers, merged bands, section and total rows, footers,
styles, print setup), while each long block of data rows is handed to `Workbook.add_rows` as arrow columns. At
`Workbook.close` the workbook xlsxwriter wrote (in memory) is copied part by part into the target file and the blocks'
rows are spliced, by row number, into their worksheets' ``<sheetData>``: their XML is built with arrow's vectorised
string kernels, some thousands of rows at a time, and streamed into the zip entry while a second thread deflates it.

The result is the file xlsxwriter writes when every cell is written one by one (every XML part byte for byte, but
the creation time of docProps/core.xml; tests/test_fastxlsx.py): text as an inline string in constant_memory mode
(xlsxwriter's escaping of control characters as ``_xHHHH_``, ``xml:space="preserve"`` for white space at either end,
truncation at 32,767 UTF-16 units, and its "<r>…</r>" rich-text reading), else as a shared string entered in the
table in xlsxwriter's order; numbers with xlsxwriter's ``%.16G``; a missing value as no cell or, with ``blank``, as a
styled blank; xlsxwriter's ``<dimension>`` and ``<row spans>``. A block's first row is written through xlsxwriter
itself, so each format gets the style index it would get from one-by-one writing. Only the zip container differs:
the spliced worksheets are deflated at level 1.

Relies on a few xlsxwriter internals (Worksheet._check_dimensions, SharedStringTable fields, Format._get_xf_index);
the byte-for-byte tests fail if an xlsxwriter release changes them.
"""

from __future__ import annotations

import csv
import io
import math
import queue
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hgn_review.io.read import col_letter

XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLS = 16_384
STR_MAX = 32_767  # UTF-16 units in one cell (xlsxwriter truncates beyond)
CHUNK_ROWS = 20_000
SHEET_LEVEL = 1  # deflate level of the spliced worksheets (xlsxwriter's own parts keep theirs)

# xlsxwriter: re_control_chars_1 / _2 and "\ufffe" "\uffff" (xmlwriter._escape_control_characters); RE_LEADING /
# RE_TRAILING_WHITESPACE use Python's \s, i.e. every character for which str.isspace() holds.
_WHITESPACE = (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
               0x2028, 0x2029, 0x202F, 0x205F, 0x3000)  # = [c for c in all characters if re.match(r"\s", c)]
_SPACE = "".join(f"\\x{{{i:x}}}" for i in _WHITESPACE)
_SPECIAL = (f"^[{_SPACE}]|[{_SPACE}]$|[\\x00-\\x08\\x0b-\\x1f\\x{{fffe}}\\x{{ffff}}]|_x[0-9a-fA-F]{{4}}_|^<r>")
_CONTROL_1 = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL_2 = re.compile(r"([\x00-\x08\x0b-\x1f])")
_SPACE_END = re.compile(r"^\s|\s$")


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _join(*parts: Any) -> pa.Array:
    """Element-wise concatenation of arrays and strings (a null part makes a null result)."""
    return pc.binary_join_element_wise(*[_s(p) if isinstance(p, str) else p for p in parts], _s(""))


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _truncate(s: str) -> str:
    """xlsxwriter's _utf16_truncate: at most STR_MAX UTF-16 units, never half a surrogate pair."""
    if len(s) <= STR_MAX // 2 or _utf16_len(s) <= STR_MAX:
        return s
    units = 0
    for i, ch in enumerate(s):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > STR_MAX:
            return s[:i]
    return s


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slow_text(s: str) -> str:
    """One cell's ``<t>…</t>`` exactly as xlsxwriter writes an inline string (constant_memory mode)."""
    s = _truncate(s)
    s = _CONTROL_1.sub(r"_x005F\1", s)
    s = _CONTROL_2.sub(lambda m: f"_x{ord(m.group(1)):04X}_", s)
    s = s.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    if s.startswith("<r>") and s.endswith("</r>"):  # xlsxwriter takes it for rich text runs: written as it is
        return s
    open_tag = '<t xml:space="preserve">' if _SPACE_END.search(s) else "<t>"
    return f"{open_tag}{_xml_escape(s)}</t>"


def _as_string(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    return arr


def _utf8(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets into the bytes, the bytes) of the strings of a large_string array (a slice's own), without copying
    the bytes."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    buffer = arr.buffers()[2]
    if buffer is None or len(offsets) < 2:
        return offsets - offsets[0], np.zeros(0, dtype=np.uint8)
    return offsets - offsets[0], np.frombuffer(buffer, dtype=np.uint8)[offsets[0]:offsets[-1]]


def _holding(offsets: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """Per string: whether any of its bytes is flagged in ``hit`` (one flag per byte of the whole buffer)."""
    seen = np.concatenate([[0], np.cumsum(hit, dtype=np.int64)])
    return seen[offsets[1:]] > seen[offsets[:-1]]


def _maybe_special(arr: pa.Array) -> np.ndarray:
    """A superset, from their UTF-8 bytes, of the strings that `_slow_text` must write: longer than half the cell
    limit, with a character below U+0020 (control characters, and ASCII white space, which matters at the ends),
    ``_x``, a character of U+F000–U+FFFF (U+FFFE, U+FFFF), ``<`` first, or non-ASCII white space first or last."""
    offsets, data = _utf8(arr)
    start, end = offsets[:-1], offsets[1:]
    out = end - start > STR_MAX // 2  # no fewer bytes than characters
    hit = (data < 0x20) | (data == 0xEF)
    hit[:-1] |= (data[:-1] == 0x5F) & (data[1:] == 0x78)  # "_x"
    out |= _holding(offsets, hit)
    full = np.flatnonzero(end > start)
    if len(full):
        last = len(data) - 1
        b0, b1 = data[start[full]], data[np.minimum(start[full] + 1, last)]
        z1, z2 = data[end[full] - 1], data[np.maximum(end[full] - 2, 0)]
        lead = (b0 == 0x3C) | (b0 == 0xC2) | (b0 == 0xE2) | (b0 == 0xE3) | ((b0 == 0xE1) & (b1 == 0x9A))
        trail = (z1 <= 0x20) | (np.isin(z1, (0x85, 0xA0, 0x80, 0x81, 0x82, 0x83, 0x84, 0x86, 0x87, 0x88, 0x89, 0x8A,
                                              0xA8, 0xA9, 0xAF, 0x9F))
                                 & np.isin(z2, (0xC2, 0x80, 0x81, 0x9A)))
        out[full] |= lead | trail | (b0 <= 0x20)
    return out


def _text_parts(values: pa.Array | pa.ChunkedArray) -> list[Any]:
    """Parts that join to ``<t>escaped</t>`` per string (null stays null): XML-escaped, control characters as
    ``_xHHHH_``, white space kept, truncated to the cell limit, as xlsxwriter writes a string."""
    arr = _as_string(values)
    if len(arr) == 0:
        return ["<t>", arr, "</t>"]
    special = _maybe_special(arr)
    maybe = np.flatnonzero(special)
    if len(maybe):  # the exact test on the few candidates
        some = arr.take(pa.array(maybe))
        exact = pc.or_(pc.match_substring_regex(some, _SPECIAL), pc.greater(pc.utf8_length(some), STR_MAX // 2))
        special[maybe] = np.asarray(pc.fill_null(exact, False).to_numpy(zero_copy_only=False), dtype=bool)
    _, data = _utf8(arr)
    esc = arr
    if ((data == 0x26) | (data == 0x3C) | (data == 0x3E)).any():  # & < >
        for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            esc = pc.replace_substring(esc, a, b)
    if not special.any():
        return ["<t>", esc, "</t>"]
    out = _join("<t>", esc, "</t>")
    idx = np.flatnonzero(special)
    fixed = pa.array([_slow_text(s) for s in arr.take(pa.array(idx)).to_pylist()], pa.large_string())
    return [pc.replace_with_mask(out, pa.array(special), fixed)]


def text_xml(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``<t>escaped</t>`` for every string (null stays null), as xlsxwriter writes an inline or shared string."""
    parts = _text_parts(values)
    return parts[0] if len(parts) == 1 else _join(*parts)


def number_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Numbers as xlsxwriter writes them (``f"{v:.16G}"``); null stays null."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_integer(arr.type):
        arr = arr.cast(pa.int64())
        out = arr.cast(pa.large_string())
        big = pc.fill_null(pc.or_(pc.greater_equal(arr, 10**16), pc.less_equal(arr, -(10**16))), False)
        if pc.any(big).as_py():
            idx = np.flatnonzero(big.to_numpy(zero_copy_only=False))
            fixed = pa.array([f"{v:.16G}" for v in arr.take(pa.array(idx)).to_pylist()], pa.large_string())
            out = pc.replace_with_mask(out, big, fixed)
        return out
    if pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        values = [None if v is None else float(v) for v in arr.to_pylist()]
        if any(v is not None and not math.isfinite(v) for v in values):
            raise TypeError("NAN/INF not supported in write_number() without 'nan_inf_to_errors' Workbook() option")
        return pa.array([None if v is None else f"{v:.16G}" for v in values], pa.large_string())
    raise TypeError(f"not a numeric array: {arr.type}")


@dataclass
class Cells:
    """One column of a block of rows: text where ``text`` is not null, else a number where ``number`` is not null,
    else nothing (or a styled blank cell with ``blank``). ``style`` is an xlsxwriter Format (or None)."""

    col: int
    text: pa.Array | pa.ChunkedArray | None = None
    number: pa.Array | pa.ChunkedArray | None = None
    style: Any = None
    blank: bool = False
    shared: pa.Array | None = None  # internal: shared-string indices replacing ``text`` (not constant_memory)

    def slice(self, start: int, stop: int) -> Cells:
        """The same column for rows ``start:stop`` of the block (before `Workbook.add_rows` takes it)."""
        return Cells(self.col, None if self.text is None else self.text[start:stop],
                     None if self.number is None else self.number[start:stop], self.style, self.blank)

    def value(self, i: int) -> tuple[str, Any]:
        """("s" | "n" | "", python value) of row ``i``."""
        if self.text is not None and self.text[i].is_valid:
            return "s", self.text[i].as_py()
        if self.number is not None and self.number[i].is_valid:
            return "n", self.number[i].as_py()
        return "", None


@dataclass
class _Block:
    rows: np.ndarray  # zero-based row numbers, increasing
    cells: list[Cells]
    first_col: np.ndarray  # per row: the first and last column with a cell (-1: none)
    last_col: np.ndarray
    spans: bool  # <row spans="…">, as xlsxwriter writes them outside constant_memory mode


class Workbook:
    """An xlsxwriter workbook (``.book``, written in memory) plus long blocks of rows spliced in at ``close``.

    ``path`` gets the finished file. The workbook's options are xlsxwriter's; with ``constant_memory`` the spliced
    text cells are inline strings, as xlsxwriter writes them in that mode, else shared strings.
    """

    def __init__(self, path: Path, options: dict[str, Any] | None = None, *, level: int = SHEET_LEVEL,
                 chunk_rows: int = CHUNK_ROWS) -> None:
        import xlsxwriter

        self.path = Path(path)
        self._buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self._buffer, options or {})
        self._blocks: dict[int, list[_Block]] = {}
        self._written: set[int] = set()  # formats of cells written through xlsxwriter
        self._pending: list[Any] = []  # formats of the spliced cells
        self._level = level
        self._chunk_rows = chunk_rows

    def add_rows(self, ws: Any, rows: np.ndarray | range, cells: list[Cells]) -> None:
        """Write ``cells`` (in the order xlsxwriter would be called within a row) into rows ``rows`` of ``ws``
        (zero-based, increasing; in constant_memory mode after every row written so far). No row may be written
        otherwise too."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        if len(rows) > 1 and np.any(np.diff(rows) <= 0):
            raise ValueError("rows must be increasing")
        if rows[0] < 0 or rows[-1] >= XLSX_MAX_ROWS:
            raise ValueError(f"row {int(rows[-1]) + 1} is beyond the sheet's {XLSX_MAX_ROWS:,} rows")
        if ws.constant_memory and rows[0] < ws.previous_row:
            raise ValueError("in constant_memory mode rows must come after the rows already written")
        for c in cells:
            if not 0 <= c.col < XLSX_MAX_COLS:
                raise ValueError(f"column {c.col} is outside the sheet")
            for a in (c.text, c.number):
                if a is not None and len(a) != len(rows):
                    raise ValueError("every column needs one value per row")
        # the first row through xlsxwriter: formats get their indices in the order one-by-one writing gives them
        self._write_row(ws, int(rows[0]), cells, 0)
        if len(rows) == 1:
            return
        rest = [c.slice(1, len(rows)) for c in cells]
        self._pending.extend(c.style for c in rest if c.style is not None)
        if not ws.constant_memory:
            _share(ws.str_table, rest)
        first, last = _columns_present(rest, len(rows) - 1)
        block = _Block(rows[1:], rest, first, last, spans=not ws.constant_memory)
        hit = np.flatnonzero(first >= 0)
        if len(hit):  # what xlsxwriter's <dimension> would have recorded
            ws._check_dimensions(int(block.rows[hit[0]]), int(first[hit].min()))
            ws._check_dimensions(int(block.rows[hit[-1]]), int(last[hit].max()))
        self._blocks.setdefault(id(ws), []).append(block)

    def _write_row(self, ws: Any, row: int, cells: list[Cells], i: int) -> None:
        for c in cells:
            kind, v = c.value(i)
            if kind or c.blank:
                self._written.add(id(c.style))
            if kind == "s":
                ws.write_string(row, c.col, v, c.style)
            elif kind == "n":
                ws.write_number(row, c.col, v, c.style)
            elif c.blank:
                ws.write_blank(row, c.col, None, c.style)

    def close(self) -> None:
        """Write the workbook to ``path``."""
        sheets = {f"xl/worksheets/sheet{k}.xml": self._blocks.get(id(ws), [])
                  for k, ws in enumerate((w for w in self.book.worksheets() if not w.is_chartsheet), start=1)}
        for style in self._pending:  # a format no cell written through xlsxwriter uses still needs its index
            if id(style) not in self._written:
                style._get_xf_index()
                self._written.add(id(style))
        self.book.close()
        self._buffer.seek(0)
        with zipfile.ZipFile(self._buffer) as src, \
                zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
            for info in src.infolist():
                data = src.read(info)
                out = zipfile.ZipInfo(info.filename, info.date_time)
                out.compress_type = info.compress_type
                out.external_attr = info.external_attr
                out.create_system = info.create_system
                blocks = sheets.get(info.filename)
                if not blocks:
                    dst.writestr(out, data)
                    continue
                out._compresslevel = self._level  # type: ignore[attr-defined]
                big = _upper_size(blocks) + len(data) > zipfile.ZIP64_LIMIT // 2
                with dst.open(out, "w", force_zip64=big) as f:
                    _write_behind(f, _splice(data, _merged(blocks), self._chunk_rows))
        self._blocks.clear()


def _write_behind(f: Any, pieces: Iterator[bytes | memoryview], depth: int = 8) -> None:
    """Write ``pieces`` to ``f`` from a second thread, so that compressing one (zlib lets go of the GIL) overlaps with
    building the next (so do arrow's kernels)."""
    todo: queue.Queue[bytes | memoryview | None] = queue.Queue(maxsize=depth)
    failed: list[BaseException] = []

    def work() -> None:
        while (piece := todo.get()) is not None:
            if not failed:
                try:
                    f.write(piece)
                except BaseException as exc:  # noqa: BLE001 - raised again in the calling thread
                    failed.append(exc)

    worker = threading.Thread(target=work, name="xlsx-deflate", daemon=True)
    worker.start()
    try:
        for piece in pieces:
            if failed:
                break
            todo.put(piece)
    finally:
        todo.put(None)
        worker.join()
    if failed:
        raise failed[0]


def _signature(block: _Block) -> tuple[Any, ...]:
    def kind(a: pa.Array | pa.ChunkedArray | None) -> str:
        return "" if a is None else str(a.type)

    return (block.spans, *((c.col, id(c.style), c.blank, kind(c.text), kind(c.number), kind(c.shared))
                           for c in block.cells))


def _merged(blocks: list[_Block]) -> list[_Block]:
    """Blocks of one sheet in row order, consecutive blocks of the same columns joined (fewer, longer slices)."""
    out: list[_Block] = []
    run: list[_Block] = []

    def flush() -> None:
        if len(run) == 1:
            out.append(run[0])
        elif run:
            def cat(arrays: list[pa.Array | pa.ChunkedArray | None]) -> pa.Array | None:
                if arrays[0] is None:
                    return None
                return pa.chunked_array(arrays).combine_chunks()  # type: ignore[arg-type]

            cells = [Cells(c.col, cat([b.cells[j].text for b in run]), cat([b.cells[j].number for b in run]),
                           c.style, c.blank, cat([b.cells[j].shared for b in run]))
                     for j, c in enumerate(run[0].cells)]
            out.append(_Block(np.concatenate([b.rows for b in run]), cells,
                              np.concatenate([b.first_col for b in run]), np.concatenate([b.last_col for b in run]),
                              run[0].spans))
        run.clear()

    for block in sorted(blocks, key=lambda b: int(b.rows[0])):
        if run and _signature(run[-1]) != _signature(block):
            flush()
        run.append(block)
    flush()
    return out


def _truncated(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = _as_string(values)
    offsets = arr.buffers()[1]
    if len(arr) == 0 or offsets is None:
        return arr
    ends = np.frombuffer(offsets, dtype=np.int64)[[arr.offset, arr.offset + len(arr)]]
    if ends[1] - ends[0] <= STR_MAX // 2:  # too few characters in all for any to be too long
        return arr
    long = pc.fill_null(pc.greater(pc.utf8_length(arr), STR_MAX // 2), False)
    if not pc.any(long).as_py():
        return arr
    idx = np.flatnonzero(long.to_numpy(zero_copy_only=False))
    fixed = pa.array([_truncate(v) for v in arr.take(pa.array(idx)).to_pylist()], pa.large_string())
    return pc.replace_with_mask(arr, long, fixed)


def _share(table: Any, cells: list[Cells]) -> None:
    """Put the block's strings in the workbook's shared-string table in the order xlsxwriter would (row by row,
    each row left to right, first occurrence) and replace each text column by its shared-string indices."""
    texts = [(c, _truncated(c.text)) for c in cells if c.text is not None]
    if not texts:
        return
    n = len(texts[0][1])
    flat = pa.concat_arrays([t for _, t in texts])
    order = (np.arange(len(texts), dtype=np.int64)[None, :] * n + np.arange(n, dtype=np.int64)[:, None]).ravel()
    in_order = flat.take(pa.array(order)).drop_null()
    unique = pc.unique(in_order)
    strings = unique.to_pylist()
    known = table.string_table  # xlsxwriter's SharedStringTable: string -> index, in order of first use
    for u in [u for u in strings if u not in known]:
        known[u] = table.unique_count
        table.unique_count += 1
    index = np.fromiter((known[u] for u in strings), dtype=np.int64, count=len(strings))
    table.count += len(in_order)  # xlsxwriter counts every string cell
    shared = pc.take(pa.array(index), pc.index_in(flat, value_set=unique))
    for j, (c, _) in enumerate(texts):
        c.shared = shared.slice(j * n, n)
        c.text = None


def _valid(a: pa.Array | pa.ChunkedArray | None, n: int) -> np.ndarray:
    if a is None:
        return np.zeros(n, dtype=bool)
    return np.asarray(pc.is_valid(a).to_numpy(zero_copy_only=False), dtype=bool)


def _columns_present(cells: list[Cells], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its first and last column with a cell (-1 when it has none)."""
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    for c in cells:
        if c.blank and c.style is not None:
            has = np.ones(n, dtype=bool)
        else:
            has = _valid(c.text, n) | _valid(c.number, n) | _valid(c.shared, n)
        first = np.where(has & ((first < 0) | (c.col < first)), c.col, first)
        last = np.where(has & (c.col > last), c.col, last)
    return first, last


def _upper_size(blocks: list[_Block]) -> int:
    """A generous bound on the bytes of the rows' XML (escaping can grow a text at most fivefold)."""
    total = 0
    for b in blocks:
        total += 64 * len(b.rows)
        for c in b.cells:
            total += 80 * len(b.rows)
            if c.text is not None:
                total += 6 * int(pc.sum(pc.binary_length(c.text)).as_py() or 0)
    return total


_ROW_START = re.compile(rb"<row r=\"(\d+)\"")
_ROW_SPANS = re.compile(rb"^<row r=\"(\d+)\"(?: spans=\"(\d+):(\d+)\")?")


def _group_spans(own: list[tuple[int, bytes]], blocks: list[_Block]) -> dict[int, tuple[int, int]]:
    """xlsxwriter's spans: per group of 16 rows, the first and last column (1-based) with a cell in any of them."""
    spans: dict[int, tuple[int, int]] = {}
    for r, xml in own:
        m = _ROW_SPANS.match(xml)
        if m and m.group(2):
            spans[r // 16] = (int(m.group(2)), int(m.group(3)))
    for b in blocks:
        if not b.spans:
            continue
        keep = b.first_col >= 0
        if not keep.any():
            continue
        groups = b.rows[keep] // 16
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        lo = np.minimum.reduceat(b.first_col[keep], starts) + 1
        hi = np.maximum.reduceat(b.last_col[keep], starts) + 1
        for g, a, z in zip(groups[starts].tolist(), lo.tolist(), hi.tolist(), strict=True):
            old = spans.get(g)
            spans[g] = (a, z) if old is None else (min(a, old[0]), max(z, old[1]))
    return spans


def _splice(sheet: bytes, blocks: list[_Block], chunk_rows: int) -> Iterator[bytes | memoryview]:
    """The worksheet XML with the blocks' rows merged, by row number, among the rows xlsxwriter wrote."""
    start = sheet.find(b"<sheetData")
    close = sheet.find(b"</sheetData>")
    if start < 0:
        raise ValueError("worksheet without sheetData")
    if close < 0:  # <sheetData/>
        end_tag = sheet.index(b"/>", start)
        head, body, tail = sheet[:end_tag] + b">", b"", b"</sheetData>" + sheet[end_tag + 2:]
    else:
        open_end = sheet.index(b">", start) + 1
        head, body, tail = sheet[:open_end], sheet[open_end:close], sheet[close:]
    marks = [(int(m.group(1)) - 1, m.start()) for m in _ROW_START.finditer(body)]
    own = [(r, body[s:(marks[k + 1][1] if k + 1 < len(marks) else len(body))]) for k, (r, s) in enumerate(marks)]
    spans = _group_spans(own, blocks) if any(b.spans for b in blocks) else {}
    if spans:
        own = [(r, _with_spans(xml, spans.get(r // 16))) for r, xml in own]
    yield head
    k = 0
    for block in sorted(blocks, key=lambda b: int(b.rows[0])):
        for rows, xml in _block_xml(block, chunk_rows, spans):
            offsets = np.frombuffer(xml.buffers()[1], dtype=np.int64)[xml.offset:xml.offset + len(xml) + 1]
            data = memoryview(xml.buffers()[2])  # type: ignore[arg-type]
            at = 0
            while k < len(own) and own[k][0] < rows[-1]:
                pos = int(np.searchsorted(rows, own[k][0]))
                if rows[pos] == own[k][0]:
                    raise ValueError(f"row {own[k][0] + 1} written twice")
                if pos > at:
                    yield data[offsets[at]:offsets[pos]]
                yield own[k][1]
                at = pos
                k += 1
            if k < len(own) and own[k][0] == rows[-1]:
                raise ValueError(f"row {own[k][0] + 1} written twice")
            if len(rows) > at:
                yield data[offsets[at]:offsets[len(rows)]]
    for _, xml_row in own[k:]:
        yield xml_row
    yield tail


def _with_spans(xml: bytes, span: tuple[int, int] | None) -> bytes:
    if span is None:
        return xml
    return _ROW_SPANS.sub(lambda m: b'<row r="%s" spans="%d:%d"' % (m.group(1), span[0], span[1]), xml, count=1)


def _block_xml(block: _Block, chunk_rows: int,
               spans: dict[int, tuple[int, int]]) -> Iterator[tuple[np.ndarray, pa.Array]]:
    """(row numbers, one XML string per row) for consecutive slices of the block."""
    for lo in range(0, len(block.rows), chunk_rows):
        hi = min(lo + chunk_rows, len(block.rows))
        rows = block.rows[lo:hi]
        rnum = pa.array(rows + 1, pa.int64()).cast(pa.large_string())
        parts: list[Any] = ['<row r="', rnum]
        if block.spans:
            groups = rows // 16
            keys = np.unique(groups)
            a = np.array([spans.get(int(g), (1, 1))[0] for g in keys], dtype=np.int64)
            z = np.array([spans.get(int(g), (1, 1))[1] for g in keys], dtype=np.int64)
            at = np.searchsorted(keys, groups)
            parts += ['" spans="', pa.array(a[at]).cast(pa.large_string()), ":", pa.array(z[at]).cast(pa.large_string())]
        parts.append('">')
        for c in block.cells:
            parts += _cell_parts(c, lo, hi, rnum)
        parts.append("</row>")
        row = _join(*_merge_literals(parts))
        has = block.first_col[lo:hi] >= 0
        if not has.all():  # xlsxwriter writes no <row> for a row without cells
            row = pc.if_else(pa.array(has), row, _s(""))
        yield rows, row


def _merge_literals(parts: list[Any]) -> list[Any]:
    out: list[Any] = []
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] += p
        else:
            out.append(p)
    return out


def _cell_parts(c: Cells, lo: int, hi: int, rnum: pa.Array) -> list[Any]:
    """Parts that join to each row's cell of column ``c`` (``""`` where it has none)."""
    ref = f'<c r="{col_letter(c.col)}'
    style = "" if c.style is None else f' s="{c.style._get_xf_index()}"'
    kinds = []  # (values, parts around them) of each kind of cell this column has, in order of precedence
    if c.text is not None:
        text = c.text[lo:hi]
        kinds.append((text, [f'"{style} t="inlineStr"><is>', *_text_parts(text), "</is></c>"]))
    if c.shared is not None:
        shared = c.shared[lo:hi]
        kinds.append((shared, [f'"{style} t="s"><v>', shared.cast(pa.large_string()), "</v></c>"]))
    if c.number is not None:
        number = c.number[lo:hi]
        kinds.append((number, [f'"{style}><v>', number_text(number), "</v></c>"]))
    blank = c.blank and c.style is not None
    if len(kinds) == 1 and kinds[0][0].null_count == 0:  # every row has this kind: no cell string of its own
        return [ref, rnum, *kinds[0][1]]
    if not kinds:
        return [ref, rnum, f'"{style}/>'] if blank else []
    out = None
    for _, around in kinds:
        cell = _join(ref, rnum, *around)
        out = cell if out is None else pc.coalesce(out, cell)
    if blank:
        out = pc.coalesce(out, _join(ref, rnum, f'"{style}/>'))
    return [pc.fill_null(out, _s(""))]


# ------------------------------------------------------------------------------------------------ CSV
def _quote_chars() -> str:
    """The characters that make Python's csv module (QUOTE_MINIMAL, as pandas' to_csv uses it) quote a field."""
    chars = ',"\n'
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["a\rb"])
    return chars + ("\r" if buf.getvalue().startswith('"') else "")


_QUOTE = _quote_chars()


def csv_field(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Strings as Python's csv writer writes them: quoted (quotes doubled) when they hold , " or a line break."""
    arr = _as_string(values)
    if len(arr) == 0:
        return arr
    offsets, data = _utf8(arr)
    need = _holding(offsets, np.isin(data, np.frombuffer(_QUOTE.encode(), dtype=np.uint8)))
    if not need.any():
        return arr
    quoted = _join('"', pc.replace_substring(arr, '"', '""'), '"')
    return pc.if_else(pa.array(need), quoted, arr)


def write_csv(path: Path, header: list[str], columns: list[pa.Array | pa.ChunkedArray], *,
              chunk_rows: int = 100_000) -> None:
    """A UTF-8 CSV with BOM, byte for byte what ``DataFrame.to_csv(index=False, encoding="utf-8-sig")`` writes for an
    object frame of these strings (null = empty field). Numbers must come as their text."""
    n = len(columns[0]) if columns else 0
    with open(path, "wb") as f:
        f.write("\ufeff".encode())
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(header)
        f.write(buf.getvalue().encode("utf-8"))
        for lo in range(0, n, chunk_rows):
            hi = min(n, lo + chunk_rows)
            fields = [pc.fill_null(csv_field(c[lo:hi]), _s("")) for c in columns]
            if len(fields) == 1:  # csv writes a lone empty field as ""
                fields = [pc.if_else(pc.equal(fields[0], _s("")), _s('""'), fields[0])]
            line = pc.binary_join_element_wise(*fields, _s(",")) if len(fields) > 1 else fields[0]
            line = _join(line, "\n")
            offsets = np.frombuffer(line.buffers()[1], dtype=np.int64)[line.offset:line.offset + len(line) + 1]
            f.write(memoryview(line.buffers()[2])[offsets[0]:offsets[-1]])  # type: ignore[arg-type]
