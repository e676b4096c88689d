"""Hostile-file guards: size limits before anything is parsed, and XML without entity expansion."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree as SafeET  # noqa: F401  (re-exported: the only XML parser hgn uses)

from hgn_review.text import count_text


@dataclass(frozen=True)
class Limits:
    """Configurable safety limits. Defaults are far above any commune return and far below a zip bomb."""

    max_file_bytes: int = 512 * 1024 * 1024
    max_uncompressed_bytes: int = 2 * 1024 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_cells: int = 60_000_000


_DIM = re.compile(rb'<dimension ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


# a cell holding a value (its <v>, or an inline string's <is>), after its formula if any: its reference
_VALUE_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"[^>/]*>\s*(?:<f\b[^>]*?(?:/>|>[^<]*</f>)\s*)?<(?:v|is)\b')
_VALUE_TAG = re.compile(rb"<(?:v|is)\b")  # every cell's value, counted against the cells placed
_CHUNK = 4 * 1024 * 1024


def _value_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo, declared: int) -> int:
    """Columns × rows up to the farthest cell of the sheet holding a value — what a reader lays out. The declared
    <dimension> also counts cells holding only formatting (a border at XFD1048576: Ctrl+End, a border, the value
    deleted), which no reader lays out. ``declared`` when a cell holding a value gives no reference read here (its
    place is then not known). Read in chunks: never more of the sheet in memory than a chunk or two."""
    cols = rows = 0
    tail = b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            data = tail + chunk
            end = len(data)
            if chunk:  # a cell cut by the chunk's end is looked at with the next chunk
                cut = data.rfind(b"<c ", max(0, len(data) - 65536))
                end = cut if cut >= 0 else end
            placed = 0
            for m in _VALUE_CELL.finditer(data, 0, end):
                cols = max(cols, col_number(m.group(1).decode()))
                rows = max(rows, int(m.group(2)))
                placed += 1
            if placed != len(_VALUE_TAG.findall(data, 0, end)):
                return declared  # a value whose cell gives no reference as read here (none, single quotes): its
                # place is not known, so the declared corner stands
            tail = data[end:]
            if not chunk:
                break
    return cols * rows


def check_file(path: Path, limits: Limits) -> tuple[str, str] | None:
    """Return a reason (vi, en) when the file must not be read, else None. Reads only zip directories and XML heads."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        return f"{count_text(size)} byte > {count_text(limits.max_file_bytes)}", f"{size:,} bytes > {limits.max_file_bytes:,}"
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if total > limits.max_uncompressed_bytes:
                return (f"giải nén {count_text(total)} byte > {count_text(limits.max_uncompressed_bytes)}",
                        f"{total:,} bytes uncompressed > {limits.max_uncompressed_bytes:,}")
            if total / packed > limits.max_compression_ratio and total > 50 * 1024 * 1024:
                return f"tỉ lệ nén {total / packed:.0f}:1", f"compression ratio {total / packed:.0f}:1"
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with zf.open(info) as fh:
                        head = fh.read(4096)
                    m = _DIM.search(head)
                    if m:
                        cells = col_number(m.group(1).decode()) * int(m.group(2))
                        if cells > limits.max_cells:  # the declared corner; the cells holding a value decide
                            cells = _value_extent(zf, info, cells)
                        if cells > limits.max_cells:
                            return f"{count_text(cells)} ô > {count_text(limits.max_cells)}", f"{cells:,} cells > {limits.max_cells:,}"
    except (zipfile.BadZipFile, OSError, ValueError):
        # a damaged package is no size to refuse: the readers try it, and it is reported unreadable with why
        # (never "exceeds a safety limit … raise --max-cells")
        return None
    return None
