"""Writing: atomic replacement, formula-safe text, and the findings workbook with highlighted copies."""

from __future__ import annotations

import contextlib
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


def refuse_locked(paths: Iterable[Path]) -> None:
    """Stop before anything is written if an existing output among ``paths`` cannot be replaced — on Windows, a
    workbook open in Excel — so that a long run never stops halfway with some outputs new and some old. POSIX
    systems replace a file whatever has it open: nothing to check there."""
    if not _WINDOWS:
        return
    locked = []
    for p in paths:
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
        raise OutputError(f"Không ghi đè được {names} trong {locked[0].parent}: tệp đang mở trong Excel hoặc "
                          "chương trình khác. Chưa ghi kết quả nào.",
                          hint="Đóng các tệp này rồi chạy lại.",
                          message_en=f"Cannot replace {names_en} in {locked[0].parent}: open in Excel or another "
                                     "program. Nothing was written.",
                          hint_en="Close these files and run again.")


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
    of returns holding it does not take it for a return (io/read.py ``discover``)."""
    book.set_custom_property(HGN_OUTPUT, kind)  # type: ignore[attr-defined]


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
    from hgn_review.io.read import READABLE_SUFFIXES, is_hgn_output

    if (folder / OUTPUT_MARK).exists() or not folder.is_dir():
        return
    if (folder / ".hgn-cache").is_dir() and (folder / "bao_cao").is_dir():
        return  # the output folder of an `hgn run` of a version that did not mark it yet: hgn's, not returns

    def a_return(p: Path) -> bool:
        inside = p.relative_to(folder).parts
        return (p.is_file() and p.suffix.lower() in READABLE_SUFFIXES and not p.name.startswith(("~$", "."))
                and not any(part.startswith(".") or part.endswith(COPIES_SUFFIX) for part in inside)
                and not any((folder.joinpath(*inside[:i]) / OUTPUT_MARK).exists() for i in range(1, len(inside)))
                and not is_hgn_output(p))

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


def write_findings_xlsx(report: Report, target: Path, lang: str = "vi",
                        copies: dict[str, Path] | None = None) -> list[Path]:
    """The findings workbook (one filterable sheet), and a highlighted copy of each failing return.

    ``copies`` maps a finding's ``file`` to the input path. Copies go to ``<target stem>_ban_sao/``; inputs are
    only read. Returns the paths written.
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
            if f.row and f.sheet and f.severity in (ERROR, WARNING):
                by_file.setdefault(f.file, []).append(f)
        names = _copy_names(sorted(f for f in by_file if f in copies))
        keep = set()
        for file, items in sorted(by_file.items()):
            src = copies.get(file)
            if src is None:
                continue
            dest = folder / fit_name(names[file], "_loi" + (src.suffix.lower() if src.suffix.lower() == ".xlsm"
                                                             else ".xlsx"))
            if _highlighted_copy(src, dest, items, lang):
                written.append(dest)
                keep.add(dest.name)
        # a copy of a return that has no finding left (fixed since) is not left beside the new findings
        for old in folder.glob("*_loi.xls*") if folder.is_dir() else []:
            if old.name not in keep:
                old.unlink(missing_ok=True)
    with atomic_path(target) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        mark_output(wb, "findings")
        ws = wb.add_worksheet(lab["title"])
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        err = wb.add_format({"font_color": "#9C0006"})
        warn = wb.add_format({"font_color": "#9C5700"})
        ws.write_row(0, 0, [lab[c] for c in cols], head)
        for i, rec in enumerate(frame[cols].itertuples(index=False), start=1):
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
        ws.autofilter(0, 0, max(len(frame), 1), len(cols) - 1)
        ws.freeze_panes(1, 0)
        for j, w in enumerate([28, 14, 7, 24, 7, 24, 10, 60, 40, 20]):
            ws.set_column(j, j, w)
        wb.close()
    written.insert(0, target)
    return written


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
    out = {f: p[-1] for f, p in parts.items()}
    for depth in range(2, max((len(p) for p in parts.values()), default=1) + 1):  # folders added until unique
        names = list(out.values())
        clash = {f for f, n in out.items() if names.count(n) > 1}
        if not clash:
            break
        for f in clash:
            out[f] = "__".join(parts[f][-depth:])
    return out


def _first_filled(ws: Any, row: int) -> str:
    """The letter of the first filled cell of ``row`` (a finding on a whole row: marked inside the table)."""
    from openpyxl.utils import get_column_letter

    for cell in ws[row] if row >= 1 else []:
        if cell.value is not None and str(cell.value).strip():
            return str(get_column_letter(cell.column))
    return "A"


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
        for r, row in zip(grid.index.tolist(), grid.itertuples(index=False, name=None), strict=True):
            for letter, value in zip(letters, row, strict=True):
                if isinstance(value, str):
                    ws[f"{letter}{int(r)}"] = value
    return wb, titles


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
        if cell.fill is None or cell.fill.fgColor is None or cell.fill.fill_type is None:
            cell.fill = yellow
        text = "\n".join(texts)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n---\n{text}"
        cell.comment = Comment(text[:2000], "hgn")
    for (named, row, col), fs in grouped.items():
        sheet = titles.get(named, named)
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        cell = ws[f"{col or _first_filled(ws, row)}{row}"]
        for rng in ws.merged_cells.ranges:  # a cell inside merged cells: its range's first cell carries the mark
            if cell.coordinate in rng:
                cell = ws.cell(rng.min_row, rng.min_col)
                break
        worst = ERROR if any(f.severity == ERROR for f in fs) else WARNING
        cell.fill = red if worst == ERROR else yellow
        text = "\n".join([*(f"[{f.code}] {f.message(lang)} — {f.hint(lang)}" for f in fs),
                          *partners.get((named, row, col), [])])
        if cell.comment is not None and cell.comment.text:  # the commune's own note is kept above hgn's
            text = f"{cell.comment.text}\n---\n{text}"
        cell.comment = Comment(text[:2000], "hgn")
    # a marked cell in a hidden row or column is shown: the commune looks for the coloured cells
    for named, row, col in [*grouped, *partners]:
        sheet = titles.get(named, named)
        if sheet in wb.sheetnames and row:
            ws = wb[sheet]
            if ws.row_dimensions[row].hidden:
                ws.row_dimensions[row].hidden = False
            if col and ws.column_dimensions[col].hidden:
                ws.column_dimensions[col].hidden = False
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest) as tmp:
        wb.save(tmp)
        if src.suffix.lower() in (".xlsx", ".xlsm"):
            _keep_extensions(src, tmp)
    return True


_EXT_LIST = re.compile(rb"<extLst\b.*?</extLst>", re.S)
_XMLNS = re.compile(rb'\sxmlns:([A-Za-z0-9_]+)="([^"]*)"')


def _keep_extensions(src: Path, copy: Path) -> None:
    """Put back into ``copy`` each sheet's extension list of ``src`` that openpyxl dropped: drop-down lists kept on
    another sheet (x14:dataValidation, how Excel 2010+ stores them), conditional-format extensions. Each list
    carries the namespace declarations it needs; a sheet whose result would not parse keeps openpyxl's version."""
    import zipfile

    from defusedxml import ElementTree as SafeET

    from hgn_review.io.xlsxscan import sheet_paths

    try:
        with zipfile.ZipFile(src) as zs:
            theirs = {name: zs.read(part) for name, part in sheet_paths(zs).items() if part in zs.namelist()}
        with zipfile.ZipFile(copy) as zc:
            ours_paths = sheet_paths(zc)
            parts = {n: zc.read(n) for n in zc.namelist()}
            infos = {i.filename: i for i in zc.infolist()}
    except (OSError, zipfile.BadZipFile, KeyError, SafeET.ParseError):
        return
    changed = False
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
        try:
            SafeET.fromstring(new)
        except SafeET.ParseError:
            continue
        parts[part] = new
        changed = True
    if changed:
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as zc:
            for n, data in parts.items():
                zc.writestr(infos[n], data, compress_type=zipfile.ZIP_DEFLATED)
