"""Writing: atomic replacement, formula-safe text, and the findings workbook with highlighted copies."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from hgn_review.errors import OutputError, os_reason
from hgn_review.findings import ERROR, SEVERITY_VI, WARNING, Finding, Report
from hgn_review.text import nfc_columns


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one rename.

    A file that cannot be written — open in Excel (Windows refuses to replace it), a read-only folder, a full
    disk — is an :class:`OutputError` naming the file and what to do, never an internal error; ``target`` is then
    left as it was."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # the temporary name is the target's, shortened: a long (or decomposed-Unicode) name plus the temporary
        # decoration would pass the file system's 255 bytes where the target itself fits
        fd, tmp = tempfile.mkstemp(prefix=f".{fit_name(target.stem, '', 64)}.", suffix=target.suffix + ".part",
                                   dir=target.parent)
    except OSError as exc:
        raise output_error(target, exc) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # the disk filled while the file was written
                raise output_error(target, exc) from None
            raise
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes owner-only files; outputs are ordinary files
            os.replace(tmp_path, target)
        except OSError as exc:
            raise output_error(target, exc) from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def output_error(target: Path, exc: OSError) -> OutputError:
    """What to tell an officer when ``target`` cannot be written."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why, why_en = "ổ đĩa đã đầy", "the disk is full"
        hint, hint_en = "Giải phóng chỗ trống trên ổ đĩa hoặc chọn thư mục khác, rồi chạy lại.", \
            "Free some disk space or choose another folder, then run again."
    elif isinstance(exc, PermissionError):
        why, why_en = ("tệp đang mở trong một chương trình khác (Excel…) hoặc không có quyền ghi vào thư mục",
                       "the file is open in another program (Excel…) or the folder is not writable")
        hint, hint_en = ("Đóng tệp trong Excel (hoặc chương trình đang mở nó) hoặc chọn thư mục khác, rồi chạy lại.",
                         "Close the file in Excel (or whatever has it open) or choose another folder, then run again.")
    else:
        why, why_en = os_reason(exc)
        hint, hint_en = "Kiểm tra đường dẫn và quyền ghi, rồi chạy lại.", "Check the path and permissions, then run again."
    return OutputError(f"Không ghi được {target}: {why}.", hint=hint, message_en=f"Cannot write {target}: {why_en}.",
                       hint_en=hint_en)


_WINDOWS = os.name == "nt"


def _owner_file(p: Path) -> Path | None:
    """The lock file Excel ("~$name.xlsx") or LibreOffice (".~lock.name.xlsx#") keeps beside a workbook it has
    open, if there is one."""
    for name in (f"~${p.name}", f"~${p.name[2:]}", f".~lock.{p.name}#"):
        if (p.parent / name).is_file():
            return p.parent / name
    return None


def refuse_locked(paths: Iterable[Path]) -> None:
    """Stop before anything is written if an existing output among ``paths`` is open — on Windows a workbook open
    in Excel cannot be replaced; anywhere, one Excel or LibreOffice has open (its lock file beside it) would be
    saved back over the new one by the officer — so that a long run never stops halfway with some outputs new and
    some old, and no new output is lost to an old window."""
    locked, owners = [], []
    for p in paths:
        if p.name.startswith(("~$", ".~lock.")):
            continue
        owner = _owner_file(p) if p.is_file() else None
        if owner is not None:
            locked.append(p)
            owners.append(owner)
            continue
        if not _WINDOWS:
            continue
        try:
            with open(p, "r+b"):
                pass
        except FileNotFoundError:
            continue
        except OSError:
            locked.append(p)
    if locked:
        names = ", ".join(p.name for p in locked[:5]) + (f" (và {len(locked) - 5} tệp khác)" if len(locked) > 5 else "")
        names_en = ", ".join(p.name for p in locked[:5]) + (f" (and {len(locked) - 5} more)" if len(locked) > 5 else "")
        stale = (f" Nếu không có tệp nào đang mở (Excel đã tắt đột ngột), xoá tệp khoá còn sót: "
                 f"{', '.join(o.name for o in owners[:3])}.") if owners else ""
        stale_en = (f" If none is open (Excel closed unexpectedly), delete the lock file left behind: "
                    f"{', '.join(o.name for o in owners[:3])}.") if owners else ""
        raise OutputError(f"Không ghi đè được {names} trong {locked[0].parent}: tệp đang mở trong Excel hoặc "
                          "chương trình khác. Chưa ghi kết quả nào.",
                          hint="Đóng các tệp này rồi chạy lại." + stale,
                          message_en=f"Cannot replace {names_en} in {locked[0].parent}: open in Excel or another "
                                     "program. Nothing was written.",
                          hint_en="Close these files and run again." + stale_en)


def write_text_atomic(target: Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)


def _labels(lang: str) -> dict[str, str]:
    if lang == "en":
        return {"file": "File", "sheet": "Sheet", "row": "Row", "column": "Column", "cell": "Cell", "code": "Code",
                "severity": "Severity", "message": "Message", "hint": "What to do", "value": "Value",
                "title": "Findings"}
    return {"file": "Tệp", "sheet": "Sheet", "row": "Dòng", "column": "Cột", "cell": "Ô", "code": "Mã lỗi",
            "severity": "Mức độ", "message": "Nội dung", "hint": "Cách sửa", "value": "Giá trị",
            "title": "Phát hiện"}


HGN_OUTPUT = "hgn_output"  # custom document property on every workbook hgn writes that is not a return
COPIES_SUFFIX = "_ban_sao"  # the folder of highlighted copies of the returns next to a findings workbook


def mark_output(book: object, kind: str) -> None:
    """Mark an xlsxwriter workbook as written by hgn (``kind``: findings, results, form, list), so that a folder
    of returns holding it does not take it for a return (io/read.py ``discover``); and with the version of hgn that
    wrote it (File › Info › Properties in Excel), as ``hgn version`` says each output records."""
    from hgn_review import __version__

    book.set_custom_property(HGN_OUTPUT, kind)  # type: ignore[attr-defined]
    book.set_custom_property("hgn_version", __version__)  # type: ignore[attr-defined]


OUTPUT_MARK = ".hgn-output"  # in a folder hgn writes into (`hgn run --out`, `hgn report --out-dir`)


def mark_folder(folder: Path) -> None:
    """Say in ``folder`` that hgn writes there: a returns folder holding it does not read its files (the CSV
    lists, which cannot carry a workbook's mark, among them) as returns. A folder holding returns is refused
    (marked, its returns would no longer be read)."""
    mark = Path(folder) / OUTPUT_MARK
    if not mark.exists():
        refuse_returns_folder(Path(folder))
        mark.write_text("Thư mục kết quả của hgn: hgn validate / hgn run không đọc các tệp trong đây như biểu "
                        "rà soát.\nhgn's output folder: its files are not read as returns.\n", "utf-8")


def refuse_returns_folder(folder: Path) -> None:
    """A UsageError if ``folder`` (not yet an hgn output folder) holds a return: hgn never writes its outputs
    among the returns."""
    from hgn_review.errors import UsageError
    from hgn_review.io.read import READABLE_SUFFIXES, hgn_copy, is_hgn_output

    if (folder / OUTPUT_MARK).exists() or not folder.is_dir():
        return
    if (folder / ".hgn-cache").is_dir() and (folder / "bao_cao").is_dir():
        return  # the output folder of an `hgn run` of a version that did not mark it yet: hgn's, not returns

    def a_return(p: Path) -> bool:
        inside = p.relative_to(folder).parts
        return (p.is_file() and p.suffix.lower() in READABLE_SUFFIXES and not p.name.startswith(("~$", "."))
                and not any(part.startswith(".") for part in inside)
                and not any((folder.joinpath(*inside[:i]) / OUTPUT_MARK).exists() for i in range(1, len(inside)))
                # hgn's highlighted copies, as discover tells them (an officer's own "…_ban_sao" folder holds returns)
                and not hgn_copy(p, folder) and not is_hgn_output(p))

    held = next((p for p in sorted(folder.rglob("*")) if a_return(p)), None)
    if held is not None:  # marked, the folder's returns would no longer be read by validate or run
        raise UsageError(f"Thư mục kết quả {folder} đang chứa biểu rà soát ({held.name}): hgn không ghi kết quả "
                         "vào thư mục biểu rà soát.",
                         hint="Chọn một thư mục khác (mới hoặc trống) cho kết quả.",
                         message_en=f"The output folder {folder} holds returns ({held.name}): hgn does not write "
                                    "its outputs into a folder of returns.",
                         hint_en="Choose another (new or empty) folder for the outputs.")


def refuse_foreign(folder: Path, taken: list[str], option: str) -> None:
    """A UsageError if ``folder``, not marked as hgn's, already holds ``taken`` — names hgn would put there in
    place of what is there (an officer's own report.html, bao_cao/ or README.txt)."""
    from hgn_review.errors import UsageError

    if not taken or (folder / OUTPUT_MARK).exists():
        return
    shown = ", ".join(taken[:5]) + (f" … ({len(taken)})" if len(taken) > 5 else "")
    raise UsageError(f"Thư mục {folder} không phải thư mục kết quả của hgn nhưng đã có {shown}: kết quả sẽ ghi đè "
                     "lên các mục đó.",
                     hint=f"Chọn cho {option} một thư mục mới hoặc trống, hoặc dời các mục đó đi rồi chạy lại.",
                     message_en=f"{folder} is not an hgn output folder but already holds {shown}: the outputs would "
                                "replace them.",
                     hint_en=f"Give {option} a new or empty folder, or move those away and run again.")


FINDINGS_MAX_ROWS = 1_048_576  # the rows of an xlsx sheet


def write_findings_xlsx(report: Report, target: Path, lang: str = "vi",
                        copies: dict[str, Path] | None = None, jobs: int = 1) -> list[Path]:
    """The findings workbook (one filterable sheet), and a highlighted copy of each failing return.

    ``copies`` maps a finding's ``file`` to the input path. Copies go to ``<target stem>_ban_sao/``, made in
    ``jobs`` processes (a return of 3,000 households takes openpyxl ~5 s to open and save); inputs are only read.
    Returns the paths written.
    """
    import xlsxwriter

    written: list[Path] = []
    lab = _labels(lang)
    frame = nfc_columns(report.to_frame(lang), ["sheet", "column"])
    cols = ["file", "sheet", "row", "column", "cell", "code", "severity", "message", "hint", "value"]
    # the highlighted copies first, the workbook last: a copy that cannot be written (a read-only folder, a copy open
    # in Excel) stops the call with the last findings workbook and copies as they were, never new findings beside
    # old copies
    if copies:
        folder = target.parent / f"{target.stem}{COPIES_SUFFIX}"
        by_file: dict[str, list[Finding]] = {}
        for f in report.findings:
            # a finding on a cell, and one on a whole sheet or the whole return (a sheet missing, a header not
            # found): said at the top of its sheet, or of the first sheet
            if f.severity in (ERROR, WARNING) and (f.sheet or not f.row):
                by_file.setdefault(f.file, []).append(f)
        names = _copy_names(sorted(f for f in by_file if f in copies))
        keep = set()
        tasks = []
        for file, items in sorted(by_file.items()):
            src = copies.get(file)
            if src is None:
                continue
            dest = folder / fit_name(names[file], "_loi" + (src.suffix.lower() if src.suffix.lower() == ".xlsm"
                                                             else ".xlsx"))
            tasks.append((src, dest, items, lang))
        for (_src, dest, _items, _lang), made in zip(tasks, _copies_made(tasks, jobs), strict=True):
            if made:
                written.append(dest)
                keep.add(dest.name)
        # a copy of a return that has no finding left (fixed since) is not left beside the new findings
        for old in folder.glob("*_loi.xls*") if folder.is_dir() else []:
            if old.name not in keep:
                old.unlink(missing_ok=True)
    with atomic_path(target) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        mark_output(wb, "findings")
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        err = wb.add_format({"font_color": "#9C0006"})
        warn = wb.add_format({"font_color": "#9C5700"})
        # past a sheet's rows (a province whose returns keep IDs as numbers: a warning per member, ~2 million), the
        # findings go on to "Phát hiện (2)" …, never dropped at the limit
        room = FINDINGS_MAX_ROWS - 1

        def sheet(k: int) -> Any:
            ws = wb.add_worksheet(lab["title"] if k == 0 else f"{lab['title']} ({k + 1})")
            ws.write_row(0, 0, [lab[c] for c in cols], head)
            rows = min(room, len(frame) - k * room)
            ws.autofilter(0, 0, max(rows, 1), len(cols) - 1)
            ws.freeze_panes(1, 0)
            for j, w in enumerate([28, 14, 7, 24, 7, 24, 10, 60, 40, 20]):
                ws.set_column(j, j, w)
            return ws

        ws = sheet(0)
        for n, rec in enumerate(frame[cols].itertuples(index=False)):
            if n and n % room == 0:
                ws = sheet(n // room)
            i = n % room + 1
            values = list(rec)
            sev = values[6]
            values[6] = SEVERITY_VI.get(sev, sev) if lang == "vi" else sev
            fmt = err if sev == ERROR else warn if sev == WARNING else None
            for j, v in enumerate(values):
                if v is None or (isinstance(v, float) and pd.isna(v)):
                    continue
                if isinstance(v, int | float) and not isinstance(v, bool):
                    ws.write_number(i, j, v, fmt)
                else:
                    ws.write_string(i, j, str(v), fmt)
        wb.close()
    written.insert(0, target)
    return written


def _copy_task(task: tuple[Path, Path, list[Finding], str]) -> tuple[bool, tuple[str, str, str, str] | None]:
    """One highlighted copy in a worker: (made, why it could not be written — said again by the caller)."""
    try:
        return _highlighted_copy(*task), None
    except OutputError as exc:
        return False, (exc.message, exc.hint, exc.message_en, exc.hint_en)


def _copies_made(tasks: list[tuple[Path, Path, list[Finding], str]], jobs: int) -> list[bool]:
    """Whether each highlighted copy was made: in ``jobs`` processes when there are several; a copy that cannot be
    written stops the call (OutputError), as it does made here."""
    if jobs <= 1 or len(tasks) <= 1:
        return [_highlighted_copy(*t) for t in tasks]
    from concurrent.futures import ProcessPoolExecutor

    from hgn_review.validate import workers

    with ProcessPoolExecutor(max_workers=workers(jobs, len(tasks))) as pool:
        done = list(pool.map(_copy_task, tasks))
    for _made, why in done:
        if why is not None:
            message, hint, message_en, hint_en = why
            raise OutputError(message, hint=hint, message_en=message_en, hint_en=hint_en)
    return [made for made, _why in done]


def fit_name(stem: str, tail: str, limit: int = 240) -> str:
    """``stem + tail`` as a file name of at most ``limit`` bytes (file systems hold 255): a longer stem is cut at
    a character, never inside one, and marked with a short digest of the whole, so two long names that begin
    alike stay two names."""
    if len((stem + tail).encode("utf-8", "surrogateescape")) <= limit:
        return stem + tail
    import hashlib

    mark = "~" + hashlib.sha1(stem.encode("utf-8", "surrogateescape")).hexdigest()[:6]
    room = limit - len((mark + tail).encode("utf-8", "surrogateescape"))
    while len(stem.encode("utf-8", "surrogateescape")) > room:
        stem = stem[:-1]
    return stem + mark + tail


def _copy_names(files: list[str]) -> dict[str, str]:
    """The name of each return's copy: its file name, or — when two returns of the folder share one (xa_a/bieu.xlsx,
    xa_b/bieu.xlsx) — its path with the folders joined by "__", so that no copy replaces another."""
    parts = {f: [p for p in Path(f).with_suffix("").parts if p not in ("/", "\\") and not p.endswith((":", ":\\"))]
             for f in files}
    # 11284.xlsx and 11284.xls of one folder: each copy's name keeps the format it was made from
    stems = [str(Path(f).with_suffix("")) for f in files]
    for f, stem in zip(files, stems, strict=True):
        if stems.count(stem) > 1 and Path(f).suffix and parts[f]:
            parts[f][-1] = f"{parts[f][-1]}_{Path(f).suffix.lstrip('.').lower()}"
    out = {f: p[-1] for f, p in parts.items()}
    # names told apart as Windows and macOS tell them (bieu.xlsx and Bieu.xlsx are one file there)
    for depth in range(2, max((len(p) for p in parts.values()), default=1) + 1):  # folders added until unique
        names = [n.casefold() for n in out.values()]
        clash = {f for f, n in out.items() if names.count(n.casefold()) > 1}
        if not clash:
            break
        for f in clash:
            out[f] = "__".join(parts[f][-depth:])
    seen: set[str] = set()
    for f in sorted(out):  # still one name (11284.xlsx and 11284.XLSX of one folder): numbered
        name, n = out[f], 1
        while name.casefold() in seen:
            n += 1
            name = f"{out[f]}_{n}"
        seen.add(name.casefold())
        out[f] = name
    return out


class _FirstFilled:
    """The letter of the first filled cell of a row (a finding on a whole row: marked inside the table), each
    sheet's cells gone through once: asking openpyxl for a row (``ws[row]``) goes through every cell of the sheet
    for its width, which made marking a return with a whole-row finding on each of its 30,000 rows take hours."""

    def __init__(self) -> None:
        self._firsts: dict[int, dict[int, int]] = {}

    def __call__(self, ws: Any, row: int) -> str:
        from openpyxl.utils import get_column_letter

        firsts = self._firsts.get(id(ws))
        if firsts is None:
            firsts = {}
            for (r, c), cell in list(ws._cells.items()):
                if cell.value is not None and str(cell.value).strip() and c < firsts.get(r, c + 1):
                    firsts[r] = c
            for rng in ws.merged_cells.ranges:  # a header merged over two rows fills the lower row too (its text is
                anchor = ws.cell(rng.min_row, rng.min_col).value  # in the upper one): not the first cell after it
                if anchor is not None and str(anchor).strip():
                    for r in range(rng.min_row, rng.max_row + 1):
                        if rng.min_col < firsts.get(r, rng.min_col + 1):
                            firsts[r] = rng.min_col
            self._firsts[id(ws)] = firsts
        return str(get_column_letter(firsts[row])) if row in firsts else "A"


def _values_copy(src: Path) -> tuple[Any, dict[str, str]]:
    """A return in another format than .xlsx (.xls, .ods, .csv) as an openpyxl workbook of its cell values, every
    cell at its place, so that the marks of its findings fall on the cells they name; with the title each sheet
    got (a CSV's sheet is its file name, which may be longer than Excel's 31 characters or hold a character a
    sheet title cannot)."""
    import openpyxl

    from hgn_review.io.read import _Book

    book = _Book(src)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    titles: dict[str, str] = {}
    for name in book.names:
        grid = book.grid(name)
        title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"
        while title in wb.sheetnames:
            title = f"{title[:28]}_{len(titles)}"
        ws = wb.create_sheet(title)
        titles[name] = title
        letters = [str(c) for c in grid.columns]  # the Excel letters of the grid's columns (not always from A)
        types = _cell_types(src, name)  # None for a CSV, which keeps no types: a cell's text says what it is
        for r, row in zip(grid.index.tolist(), grid.itertuples(index=False, name=None), strict=True):
            for letter, value in zip(letters, row, strict=True):
                if not isinstance(value, str):
                    continue
                cell = ws[f"{letter}{int(r)}"]
                if types is None:
                    cell.value = _typed(value)
                    if isinstance(cell.value, dt.datetime):
                        cell.number_format = "dd/mm/yyyy"
                elif (at := (letter, int(r))) in types:
                    cell.value, fmt = types[at]
                    if fmt:
                        cell.number_format = fmt
                else:  # a text cell stays text: a code typed as text ("12345") is no number in the copy either
                    cell.value = value
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula is the text the return holds
    return wb, titles


def _cell_types(src: Path, sheet: str) -> dict[tuple[str, int], tuple[object, str | None]] | None:
    """The number, date and true/false cells of an .xls or .ods sheet as their values (with the number format a
    copy shows them in: a date as a date, a zero-padded code as "0012"), by (column letter, row); every other cell
    there holds text. None when the format keeps no cell types (CSV) or they cannot be read: the reader gives every
    cell as text, and the copy then types a cell by its text."""
    from hgn_review.io.read import _content_suffix

    try:
        kind = _content_suffix(src)
        if kind == ".xls":
            return _xls_cell_types(src, sheet)
        if kind == ".ods":
            return _ods_cell_types(src, sheet)
    except Exception:  # noqa: BLE001 - without the types, the copy types a cell by its text
        return None
    return None


def _whole(value: float) -> object:
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else float(value)


def _xls_cell_types(src: Path, sheet: str) -> dict[tuple[str, int], tuple[object, str | None]]:
    import numpy as np
    import xlrd

    from hgn_review.io.read import _open_xls, _xls_shown, col_letter

    book = _open_xls(str(src))  # (xlrd reads an .xls under another name by its content)
    try:
        ws = book.sheet_by_name(sheet)
        shown = _xls_shown(book, ws)
        out: dict[tuple[str, int], tuple[object, str | None]] = {}
        wanted = (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_DATE, xlrd.XL_CELL_BOOLEAN)
        for r in range(ws.nrows):
            types = ws.row_types(r)
            for c in np.flatnonzero(np.isin(np.asarray(types), wanted)).tolist():
                value, at = ws.cell_value(r, c), (col_letter(c), r + 1)
                if types[c] == xlrd.XL_CELL_NUMBER:
                    out[at] = (_whole(value), "0" * len(shown[at]) if at in shown else None)
                elif types[c] == xlrd.XL_CELL_BOOLEAN:
                    out[at] = (bool(value), None)
                else:
                    try:
                        day = xlrd.xldate_as_datetime(value, book.datemode)
                    except Exception:  # noqa: BLE001 - a date serial outside the calendar: its number
                        out[at] = (_whole(value), None)
                        continue
                    out[at] = (day, "dd/mm/yyyy" if day.time() == dt.time() else "dd/mm/yyyy hh:mm")
        return out
    finally:
        book.release_resources()


def _ods_cell_types(src: Path, sheet: str) -> dict[tuple[str, int], tuple[object, str | None]]:
    from hgn_review.io.read import _ODS_MANY, _ODS_OFFICE, _ods_cells, _ods_rows, _ods_scan, col_letter

    scan = _ods_scan(str(src), sheet)
    shown = scan.shown if scan is not None else {}
    out: dict[tuple[str, int], tuple[object, str | None]] = {}
    for row, repeat, el in _ods_rows(str(src), sheet):
        for col, span, cell in _ods_cells(el):
            kind = cell.get(f"{_ODS_OFFICE}value-type")
            typed: tuple[object, str | None] | None = None
            if kind in ("float", "percentage", "currency"):
                typed = (_whole(float(cell.get(f"{_ODS_OFFICE}value", "nan"))), None)
            elif kind == "date":
                day = dt.datetime.fromisoformat(str(cell.get(f"{_ODS_OFFICE}date-value")))
                typed = (day, "dd/mm/yyyy" if day.time() == dt.time() else "dd/mm/yyyy hh:mm")
            elif kind == "boolean":
                typed = (cell.get(f"{_ODS_OFFICE}boolean-value") == "true", None)
            if typed is not None:
                for c in range(col, col + min(span, _ODS_MANY)):
                    for r in range(row + 1, row + 1 + min(repeat, _ODS_MANY)):
                        at = (col_letter(c), r)
                        out[at] = (typed[0], "0" * len(shown[at])) if at in shown else typed
    return out


_INT_TEXT = re.compile(r"-?(?:0|[1-9]\d{0,14})")  # (a code or ID with its leading zero stays text)
_FLOAT_TEXT = re.compile(r"-?(?:0|[1-9]\d{0,14})\.\d+")
_DATE_TEXT = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?")
# "900.000", "7.500": typed (a number's text never ends in 0 after its point), read as thousands or two ways — kept
# as the text written, never the 900 or 7.5 of an English decimal point
_GROUPED_TEXT = re.compile(r"-?[1-9]\d{0,2}\.\d\d0")


def _typed(text: str) -> object:
    """A cell of a values copy as the return held it: the reader gives every cell as text (a number 1500000 as
    "1500000", a date as "1980-03-12 00:00:00"); written back as text, Excel would call the number "stored as
    text" and a sum of the column 0."""
    if _INT_TEXT.fullmatch(text):
        return int(text)
    if _FLOAT_TEXT.fullmatch(text) and not _GROUPED_TEXT.fullmatch(text):
        return float(text)
    m = _DATE_TEXT.fullmatch(text)
    if m:
        try:
            return dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return text
    return text


def _highlighted_copy(src: Path, dest: Path, items: list[Finding], lang: str) -> bool:
    """Copy ``src`` with each offending cell filled and commented. An .xlsx/.xlsm is copied whole; another format
    (.xls, .ods, .csv) as an .xlsx of its cell values, at the same places."""
    import warnings

    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from hgn_review.io.read import _content_suffix

    titles: dict[str, str] = {}  # a finding's sheet → the copy's sheet, where they differ
    try:
        # copied whole only when it is the workbook its name says: text saved under an .xlsx name, an .xls named
        # .xlsx, are read by content (as the reader did) and copied as their values
        if src.suffix.lower() not in (".xlsx", ".xlsm") or _content_suffix(src) != src.suffix.lower():
            wb, titles = _values_copy(src)
        else:
            with warnings.catch_warnings():  # openpyxl's notes on what it cannot keep: not for the officer's terminal
                warnings.simplefilter("ignore", UserWarning)
                wb = openpyxl.load_workbook(src, keep_vba=src.suffix.lower() == ".xlsm")
    except Exception:  # noqa: BLE001 - the findings sheet still lists everything
        return False
    red = PatternFill("solid", fgColor="FFC7CE")
    yellow = PatternFill("solid", fgColor="FFEB9C")
    _drop_earlier_marks(wb, (red, yellow))  # a marked copy sent back fixed: only this round's findings are marked
    _first_filled = _FirstFilled()  # (before any mark: the cells as the return has them)
    marked: list[tuple[Any, str]] = []  # (sheet, column letter) of each cell marked
    grouped: dict[tuple[str, int, str | None], list[Finding]] = {}
    for f in items:
        grouped.setdefault((f.sheet, f.row or 0, f.col), []).append(f)
    # the other row of a pair written twice (a code, an ID, a row): marked too, so that the commune sees both and
    # decides which is right — said at the row the finding is on
    partners: dict[tuple[str, int, str | None], list[str]] = {}
    for f in items:
        other = str(f.param("other") or "")
        if f.code.endswith("-duplicate") and other.isdigit() and f.row:
            said = (f"[{f.code}] Trùng với dòng {f.row} (xem lỗi ở dòng đó)." if lang != "en"
                    else f"[{f.code}] Written again at row {f.row} (see the finding there).")
            partners.setdefault((f.sheet, int(other), f.col), []).append(said)
    for (named, row, col), texts in partners.items():
        if (named, row, col) in grouped:  # a cell with its own finding (a zero restored): said with it below
            continue
        sheet = titles.get(named, named)
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        cell = ws[f"{col or _first_filled(ws, row)}{row}"]
        marked.append((ws, cell.column_letter))
        if cell.fill is None or cell.fill.fgColor is None or cell.fill.fill_type is None:
            cell.fill = yellow
        text = "\n".join(texts)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n---\n{text}"
        cell.comment = Comment(text[:2000], "hgn")
    shown = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or wb.worksheets
    for (named, row, col), fs in grouped.items():
        sheet = titles.get(named, named)
        if not row:  # a whole sheet's finding on its first cell; one of a sheet not there, on the first sheet's
            ws = wb[sheet] if sheet in wb.sheetnames else shown[0]
            ws.sheet_state = "visible"
            row, col = 1, "A"
        elif sheet not in wb.sheetnames:
            continue
        else:
            ws = wb[sheet]
        cell = ws[f"{col or _first_filled(ws, row)}{row}"]
        for rng in ws.merged_cells.ranges:  # a cell inside merged cells: its range's first cell carries the mark
            if cell.coordinate in rng:
                cell = ws.cell(rng.min_row, rng.min_col)
                break
        marked.append((ws, cell.column_letter))
        worst = ERROR if any(f.severity == ERROR for f in fs) else WARNING
        cell.fill = red if worst == ERROR else yellow
        text = "\n".join([*(f"[{f.code}] {f.message(lang)} — {f.hint(lang)}" for f in fs),
                          *partners.get((named, row, col), [])])
        if cell.comment is not None and cell.comment.text:  # the commune's own note is kept above hgn's
            text = f"{cell.comment.text}\n---\n{text}"
        cell.comment = Comment(text[:2000], "hgn")
    # a marked cell in a hidden row, column or sheet is shown: the commune looks for the coloured cells
    for named, row, _col in [*grouped, *partners]:
        sheet = titles.get(named, named)
        if sheet in wb.sheetnames and row:
            ws = wb[sheet]
            if ws.sheet_state != "visible":
                ws.sheet_state = "visible"
            if row in ws.row_dimensions and ws.row_dimensions[row].hidden:
                ws.row_dimensions[row].hidden = False
    for ws, letter in marked:  # the column of each marked cell (a whole row's mark too, on its first filled cell)
        _show_column(ws, letter)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest) as tmp:
        wb.save(tmp)
        if src.suffix.lower() in (".xlsx", ".xlsm"):
            _keep_extensions(src, tmp)
    return True


def _drop_earlier_marks(wb: Any, fills: tuple[Any, ...]) -> None:
    """hgn's marks of an earlier round taken off a return that is a marked copy sent back: each comment loses the
    parts hgn wrote ("[code] …", a code of hgn's catalogue — told by their text, as Excel or LibreOffice may have
    signed the comment again) and keeps the commune's own note, if any; the cell's fill, if it is one of hgn's,
    goes with them (the fixed cell no longer looks like one to fix)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from hgn_review.findings import CATALOGUE

    colours = {str(f.fgColor.rgb)[-6:].upper() for f in fills}  # (Excel and LibreOffice write "FF…", openpyxl "00…")

    def hgns(part: str) -> bool:  # "[value-required] Ô …": a part hgn wrote, whoever saved the file since
        return part.startswith("[") and part[1:].split("]", 1)[0] in CATALOGUE

    for ws in wb.worksheets:
        for cell in list(ws._cells.values()):
            note = cell.comment
            if note is None or not note.text:
                continue
            parts = str(note.text).split("\n---\n")
            own = [part for part in parts if not hgns(part)]
            if len(own) == len(parts):  # the commune's own note, untouched
                continue
            cell.comment = Comment("\n---\n".join(own), note.author or "hgn") if own else None
            fill = cell.fill
            if fill is not None and fill.fill_type == "solid" and fill.fgColor is not None \
                    and isinstance(fill.fgColor.rgb, str) and fill.fgColor.rgb[-6:].upper() in colours:
                cell.fill = PatternFill()


def _show_column(ws: Any, letter: str) -> None:
    """Unhide the column ``letter`` if a column entry of the sheet hides it (a range "I:K" hidden together is shown
    together). Entries are looked up, never made: openpyxl makes one, 13 wide, for any letter it is asked about,
    which would change the column's width and overlap a range the return declares."""
    from openpyxl.utils import column_index_from_string

    at = column_index_from_string(letter)
    for dim in list(ws.column_dimensions.values()):
        if dim.min is not None and dim.max is not None and dim.min <= at <= dim.max and dim.hidden:
            dim.hidden = False


_EXT_LIST = re.compile(rb"<extLst\b.*?</extLst>", re.S)
_XMLNS = re.compile(rb'\sxmlns:([A-Za-z0-9_]+)="([^"]*)"')


_FORMULA_RESULT = re.compile(rb'<c\b([^>]*)>(<f\b[^>]*>[^<]*</f>|<f\b[^>]*/>)<v>([^<]*)</v>')
_FORMULA_NO_RESULT = re.compile(rb'<c\b([^>]*)>(<f\b[^>]*>[^<]*</f>|<f\b[^>]*/>)(?:<v\s*/>|<v></v>)?</c>')
_REF = re.compile(rb'\br="([A-Z]+\d+)"')
_TYPE = re.compile(rb'\s*\bt="[^"]*"')


def _formula_results(ours: bytes, theirs: bytes) -> bytes:
    """``ours`` (a sheet openpyxl wrote: formulas without their results) with each formula's result stored in
    ``theirs`` (the same sheet of the original) put back, its type with it: the copy shows what the return showed,
    and hgn reads the copy as it read the return."""
    results = {}
    for m in _FORMULA_RESULT.finditer(theirs):
        ref = _REF.search(m.group(1))
        if ref is not None:
            kind = re.search(rb'\bt="([^"]*)"', m.group(1))
            results[ref.group(1)] = (kind.group(1) if kind else None, m.group(3))

    def put(m: re.Match[bytes]) -> bytes:
        ref = _REF.search(m.group(1))
        if ref is None or ref.group(1) not in results:
            return m.group()
        kind, value = results[ref.group(1)]
        attrs = _TYPE.sub(b"", m.group(1)) + (b' t="' + kind + b'"' if kind else b"")
        return b"<c" + attrs + b">" + m.group(2) + b"<v>" + value + b"</v></c>"

    return _FORMULA_NO_RESULT.sub(put, ours) if results else ours


_REL = re.compile(rb'<Relationship\b[^>]*?>')
_ATTR = {k: re.compile(rb'\b' + k.encode() + rb'="([^"]*)"') for k in ("Id", "Type", "Target", "TargetMode")}
_DRAWING_REF = re.compile(rb'<drawing\b[^>]*?\br:id="([^"]*)"[^>]*/>')
_AFTER_DRAWING = (b"<legacyDrawing ", b"<legacyDrawing>", b"<legacyDrawingHF", b"<picture", b"<oleObjects",
                  b"<controls", b"<webPublishItems", b"<tableParts", b"<extLst", b"</worksheet>")
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
_RELS_EMPTY = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
               b'openxmlformats.org/package/2006/relationships"></Relationships>')


def _rels_path(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels"


def _rels(xml: bytes) -> list[dict[str, str]]:
    out = []
    for m in _REL.finditer(xml):
        out.append({k: (a.group(1).decode() if (a := pat.search(m.group())) else "") for k, pat in _ATTR.items()})
    return out


def _keep_pictures(their_sheet: str, theirs: dict[str, bytes], our_sheet: str, parts: dict[str, bytes]) -> bool:
    """Put the pictures of a sheet of the return (a scanned stamp and signature, a logo) back into the copy, which
    openpyxl wrote without them: the sheet's drawing part, its pictures and their relationships are copied under
    new names and the sheet points at them again. A drawing that holds anything else than pictures (a chart, a
    shape openpyxl would have to know) is left out, as openpyxl left it."""
    import posixpath

    sheet = parts.get(our_sheet, b"")
    drawing = _DRAWING_REF.search(theirs.get(their_sheet, b""))
    if drawing is None or b"<drawing" in sheet or not sheet:
        return False
    rel = next((r for r in _rels(theirs.get(_rels_path(their_sheet), b"")) if r["Id"] == drawing.group(1).decode()),
               None)
    if rel is None or not rel["Type"].endswith("/drawing"):
        return False
    d_part = posixpath.normpath(posixpath.join(posixpath.dirname(their_sheet), rel["Target"]))
    d_rels = _rels(theirs.get(_rels_path(d_part), b""))
    if d_part not in theirs or any(not r["Type"].endswith("/image") for r in d_rels if r["TargetMode"] != "External"):
        return False
    n = 1
    while f"xl/drawings/hgn_drawing{n}.xml" in parts:
        n += 1
    new_d = f"xl/drawings/hgn_drawing{n}.xml"
    inside = {r["Id"]: posixpath.normpath(posixpath.join(posixpath.dirname(d_part), r["Target"]))
              for r in d_rels if r["TargetMode"] != "External"}
    if any(media not in theirs for media in inside.values()):  # (checked before the copy is touched)
        return False
    rels_out = []
    types = theirs.get("[Content_Types].xml", b"")
    ours_types = parts.get("[Content_Types].xml", b"")
    for r in d_rels:
        target = r["Target"]
        if r["Id"] in inside:
            media = inside[r["Id"]]
            new_media = f"xl/media/hgn{n}_{posixpath.basename(media)}"
            parts[new_media] = theirs[media]
            target = f"../media/{posixpath.basename(new_media)}"
            ext = posixpath.splitext(media)[1].lstrip(".").lower().encode()
            if b'extension="' + ext + b'"' not in ours_types.lower():
                m = re.search(rb'<Default\b[^>]*Extension="' + re.escape(ext) + rb'"[^>]*/>', types, re.I)
                kind = m.group() if m else b'<Default Extension="' + ext + b'" ContentType="image/' + ext + b'"/>'
                ours_types = ours_types.replace(b"<Default ", kind + b"<Default ", 1) if b"<Default " in ours_types \
                    else ours_types.replace(b"</Types>", kind + b"</Types>")
        mode = f' TargetMode="{r["TargetMode"]}"' if r["TargetMode"] else ""
        rels_out.append(f'<Relationship Id="{r["Id"]}" Type="{r["Type"]}" Target="{target}"{mode}/>')
    parts[new_d] = theirs[d_part]
    parts[_rels_path(new_d)] = _RELS_EMPTY.replace(b"</Relationships>", "".join(rels_out).encode() + b"</Relationships>")
    ours_types = ours_types.replace(b"</Types>", b'<Override PartName="/' + new_d.encode() + b'" ContentType="'
                                    + _DRAWING_TYPE.encode() + b'"/></Types>')
    parts["[Content_Types].xml"] = ours_types
    sheet_rels_path = _rels_path(our_sheet)
    sheet_rels = parts.get(sheet_rels_path) or _RELS_EMPTY
    rid = "rIdHgnPictures"
    parts[sheet_rels_path] = sheet_rels.replace(
        b"</Relationships>", f'<Relationship Id="{rid}" Type="{_REL_TYPE}drawing" '
                             f'Target="../drawings/{posixpath.basename(new_d)}"/></Relationships>'.encode())
    at = min((i for i in (sheet.find(t) for t in _AFTER_DRAWING) if i >= 0), default=len(sheet))
    tag = f'<drawing r:id="{rid}"/>'.encode()
    if b'xmlns:r="' not in sheet[:sheet.find(b">", sheet.find(b"<worksheet")) + 1]:
        tag = (f'<drawing xmlns:r="{_REL_TYPE[:-1]}" r:id="{rid}"/>').encode()
    parts[our_sheet] = sheet[:at] + tag + sheet[at:]
    return True


def _well_formed(xml: bytes) -> bool:
    """Whether a sheet part hgn put together still parses (else the part openpyxl wrote is kept)."""
    from defusedxml import ElementTree as SafeET

    try:
        SafeET.fromstring(xml)
    except SafeET.ParseError:
        return False
    return True


def _keep_extensions(src: Path, copy: Path) -> None:
    """Put back into ``copy`` what openpyxl dropped of ``src``: each sheet's extension list — drop-down lists kept
    on another sheet (x14:dataValidation, how Excel 2010+ stores them), conditional-format extensions, each list
    with the namespace declarations it needs — and the results Excel stored for the formulas (openpyxl writes a
    formula without it, and asks for every formula to be computed on open: a copy read before Excel saves it would
    hold no value). A sheet whose result would not parse keeps openpyxl's version."""
    import zipfile

    from defusedxml import ElementTree as SafeET

    from hgn_review.io.xlsxscan import FULL_CALC, sheet_paths

    try:
        with zipfile.ZipFile(src) as zs:
            their_paths = sheet_paths(zs)
            theirs = {name: zs.read(part) for name, part in their_paths.items() if part in zs.namelist()}
            their_book = zs.read("xl/workbook.xml")
            their_parts = {n: zs.read(n) for n in zs.namelist()
                           if n.startswith(("xl/drawings/", "xl/media/", "xl/worksheets/"))
                           or n == "[Content_Types].xml"}
        with zipfile.ZipFile(copy) as zc:
            ours_paths = sheet_paths(zc)
            parts = {n: zc.read(n) for n in zc.namelist()}
            infos = {i.filename: i for i in zc.infolist()}
    except (OSError, zipfile.BadZipFile, KeyError, SafeET.ParseError):
        return
    changed = False
    for name, xml in theirs.items():
        part = ours_paths.get(name)
        if part is not None and part in parts and b"<f" in xml and b"<f" in parts[part]:
            new = _formula_results(parts[part], xml)
            if new != parts[part] and _well_formed(new):
                parts[part] = new
                changed = True
    for name, part in their_paths.items():
        if name in ours_paths and _keep_pictures(part, their_parts, ours_paths[name], parts):
            changed = True
    book = parts.get("xl/workbook.xml", b"")
    if FULL_CALC.search(book) and not FULL_CALC.search(their_book):
        parts["xl/workbook.xml"] = FULL_CALC.sub(b"", book)  # the return's own request, not openpyxl's
        changed = True
    for name, xml in theirs.items():
        ext = _EXT_LIST.search(xml)
        part = ours_paths.get(name)
        if ext is None or part is None or part not in parts or b"<extLst" in parts[part]:
            continue
        block = ext.group()
        root = xml[:xml.find(b">", xml.find(b"<worksheet")) + 1]
        declared = dict(_XMLNS.findall(block))
        used = set(re.findall(rb"<([A-Za-z0-9_]+):", block))
        extra = b"".join(b' xmlns:' + p + b'="' + uri + b'"' for p, uri in _XMLNS.findall(root)
                         if p in used and p not in declared)
        block = block.replace(b"<extLst", b"<extLst" + extra, 1)
        new = parts[part].replace(b"</worksheet>", block + b"</worksheet>")
        if _well_formed(new):
            parts[part] = new
            changed = True
    if changed:
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as zc:
            for n, data in parts.items():
                zc.writestr(infos.get(n, n), data, compress_type=zipfile.ZIP_DEFLATED)
