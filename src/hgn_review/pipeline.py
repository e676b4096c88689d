"""The chain as library calls: validate → classify (→ merge → report in `run_round`)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hgn_review import __version__
from hgn_review.errors import FindingsStop, HgnError, InputError, Note, UsageError, say
from hgn_review.findings import MISSING_RUN, OUTSIDE_UNIT, OUTSIDE_YEAR, Report
from hgn_review.io.read import EMPTY_SHA256, is_shortcut
from hgn_review.io.results import SHEET_PENDING, Results, findings_frame, read_results, results_source
from hgn_review.io.safety import Limits
from hgn_review.scoring.af import AFResult
from hgn_review.scoring.classify import AF_OVERALL, Classification, classify
from hgn_review.scoring.movements import median_day
from hgn_review.scoring.standard import (
    Standard,
    load_local_standard,
    load_standard,
    nationally_covered,
    report_params,
    standard_for_date,
)
from hgn_review.text import count_text, counted, fold, header_key, slug
from hgn_review.validate import ANSWER_CODES, ValidationResult, validate_one, validate_paths


@dataclass
class ClassifyRun:
    validation: ValidationResult
    classification: Classification
    results: Results
    standard: Standard
    report: Report

    def summary_json(self) -> dict[str, Any]:
        from hgn_review.merge.tables import departed

        hh = self.results.households
        # by class as form 01 counts them (`hgn run` too): the households present at the end of the period; one
        # that moved away or dissolved is a decrease, counted apart
        gone = departed(hh).to_numpy(dtype=bool) if len(hh) else np.zeros(0, dtype=bool)
        by_class = hh.loc[~gone, "phan_loai"].value_counts().to_dict() if len(hh) else {}
        return {"households": int(len(hh)), "members": int(len(self.results.members)),
                "by_class": {str(k): int(v) for k, v in sorted(by_class.items())}, "departed": int(gone.sum()),
                "by_movement": {str(k): int(v) for k, v in sorted(hh["dien_bien"].value_counts().to_dict().items())}
                if "dien_bien" in hh else {},
                "standard": self.standard.id, "local_standard": self.classification.local.id
                if self.classification.local else None,
                "findings": self.report.counts(), "findings_by_code": self.report.by_code(),
                "unread": unread_files(self.report)}


def unread_files(report: Report) -> list[dict[str, str]]:
    """The returns that could not be read, each with why (Vietnamese and English), for the terminal: their
    households are absent from every figure, which the counts of findings alone do not say."""
    unread = [fs.file for fs in report.files if not fs.readable]
    first = _file_errors(report, set(unread))
    return [{"file": d, "why": first[d].message() if d in first else "",
             "why_en": first[d].message("en") if d in first else ""} for d in unread]


def _file_errors(report: Report, files: set[str]) -> dict[str, Any]:
    """The first error about the file as a whole (no row) of each of ``files``: why nothing of it was read."""
    first: dict[str, Any] = {}
    for f in report.findings if files else ():
        if f.file in files and f.severity == "error" and not f.row:
            first.setdefault(f.file, f)
    return first


def pick_standard(households: pd.DataFrame, standard: str | None) -> Standard:
    """The standard named, else the national standard most of the batch's review dates fall under."""
    if standard:
        std = load_standard(standard)
        if std.scope != "national":  # a province's local lines would take the national class's place
            raise UsageError(f"Chuẩn {std.id} là chuẩn địa phương, không phải chuẩn quốc gia.",
                             hint="Chuẩn địa phương dùng với --local (phân loại thêm theo chuẩn của tỉnh); --standard "
                                  "chỉ nhận chuẩn quốc gia.",
                             message_en=f"{std.id} is a local standard, not a national one.",
                             hint_en="Use a local standard with --local; --standard takes a national standard only.")
        return std
    dates = households["ngay_ra_soat"].dropna() if "ngay_ra_soat" in households else pd.Series(dtype="datetime64[ns]")
    if dates.empty:
        raise UsageError("Không xác định được chuẩn nghèo: không có ngày rà soát hợp lệ nào.",
                         hint="Ghi \"Ngày rà soát\" cho các hộ, hoặc chọn chuẩn bằng --standard vn-2022-2025.",
                         message_en="Cannot choose a standard: no valid review date.",
                         hint_en="Fill in the review dates or pass --standard.")
    covered = dates[nationally_covered(dates)]  # a date no standard covers is reported on its household
    if covered.empty:
        return standard_for_date(dates.max())  # raises: no standard for any of them
    # the standard most households were reviewed under (a tie: the later one); a household dated under another
    # one is reported and not classified (classify's check_review_dates), so one mistyped year cannot move a
    # whole commune to the next period's thresholds
    days, counts = np.unique(covered.to_numpy(dtype="datetime64[D]"), return_counts=True)
    tally: dict[str, tuple[int, Any, Standard]] = {}
    for day, n in zip(days, counts, strict=True):
        std = standard_for_date(pd.Timestamp(day))
        before = tally.get(std.id, (0, day, std))
        tally[std.id] = (before[0] + int(n), max(before[1], day), std)
    return max(tally.values(), key=lambda t: (t[0], t[1]))[2]


def check_standards(standard: str | None, local: str | None) -> None:
    """The standards the user named (``--standard``, ``--local``), said now if one cannot be used — unknown,
    invalid, or of the wrong scope — before any return is read or anything written."""
    if standard is not None:
        pick_standard(pd.DataFrame(), standard)
    if local is not None:
        load_local_standard(local)


def _af_rows(af: dict[str, AFResult], std: Standard) -> pd.DataFrame:
    rows = []
    keys = list(std.indicators)
    for unit, r in af.items():
        row: dict[str, Any] = {"unit": unit, "H": r.H, "A": r.A, "M0": r.M0}
        for i, k in enumerate(keys):
            row[f"dong_gop_{k}"] = float(r.contrib_pct[i]) if len(r.contrib_pct) > i else None
        rows.append(row)
    return pd.DataFrame(rows)


def load_status_list(path: Path) -> pd.DataFrame:
    """A start-of-period list: an hgn results file, or any table (.xlsx, .xls, .csv) with Mã xã / Mã hộ /
    Phân loại [/ Số định danh chủ hộ] columns, its header under any title rows. Last round's whole `hgn run`
    output folder is taken for the results in its ket_qua/.

    Last round's households that moved away or dissolved are not on this period's start list (they were a decrease
    of the last period); a head's ID stored as a number (its leading zero lost) is read back with it."""
    try:
        res = read_results(path)
    except (InputError, UsageError):  # not hgn results (a folder without them is a usage error for merge/report)
        pass
    else:  # last round's results: the head's ID of each household, to match one that moved or changed code
        hh = res.households
        if "so_dinh_danh_chu_ho" not in hh.columns and "uid" in hh.columns and len(res.members):
            from hgn_review.scoring.movements import head_ids

            heads = head_ids(res.members)
            uid = pd.to_numeric(hh["uid"], errors="coerce").astype("Int64")
            hh = hh.assign(so_dinh_danh_chu_ho=uid.map(heads).astype("string"))
        waiting = (res.extra_sheets or {}).get(SHEET_PENDING)
        if waiting is not None and len(waiting) and {"ma_xa_cu", "ma_ho", "phan_loai"} <= set(waiting.columns):
            # last round re-expressed in the 2025 units: the households of a split commune that waited for their
            # new commune are on the start list too, under their old commune (matched by code as a split one is)
            # (with its head's ID, found by it wherever it went and however renumbered)
            rows = {"ma_xa": waiting["ma_xa_cu"].astype("string"), "ma_ho": waiting["ma_ho"].astype("string"),
                    "phan_loai": waiting["phan_loai"].astype("string")}
            if "so_dinh_danh_chu_ho" in waiting.columns:
                rows["so_dinh_danh_chu_ho"] = waiting["so_dinh_danh_chu_ho"].astype("string")
            hh = pd.concat([hh, pd.DataFrame(rows)], ignore_index=True)
        from hgn_review.merge.tables import departed

        return _clean_heads(hh[~departed(hh).to_numpy()].reset_index(drop=True))
    df = _status_table(path)
    missing = {"ma_xa", "ma_ho", "phan_loai"} - set(df.columns)
    if missing:
        from hgn_review.io.read import is_hgn_output

        if is_hgn_output(path):  # the findings workbook, a form … of last round's folder
            raise InputError(f"{path} là một tệp hgn ghi ra (sổ phát hiện, biểu mẫu, danh sách …), không phải kết quả "
                             "phân loại của kỳ trước.", hint=_PREVIOUS_HINT[0],
                             message_en=f"{path} is a file hgn wrote (findings, a form, a list …), not last round's "
                                        "classification results.", hint_en=_PREVIOUS_HINT[1])
        names = {"ma_xa": "Mã xã", "ma_ho": "Mã hộ", "phan_loai": "Phân loại"}
        said = ", ".join(names[k] for k in sorted(missing))
        raise InputError(f"Danh sách đầu kỳ {path} thiếu cột: {said}.",
                         hint="Cần các cột Mã xã, Mã hộ, Phân loại (và nên có Số định danh chủ hộ) ở dòng tiêu đề.",
                         message_en=f"The start-of-period list {path} lacks the columns: {said}.",
                         hint_en="It needs Mã xã, Mã hộ and Phân loại header columns (and preferably Số định danh chủ hộ).")
    return _clean_heads(df)


_PREVIOUS_HINT = ("Dùng kết quả của kỳ trước: thư mục kết quả của hgn run (hoặc thư mục ket_qua/ trong đó), hay tệp kết "
                  "quả của hgn classify / hgn merge.",
                  "Use last round's results: the output folder of hgn run (or its ket_qua/), or the results file of "
                  "hgn classify / hgn merge.")
# columns only a commune's return has (its review date, B1 score, income): a start list has none of them
_RETURN_ONLY = ("ngay_ra_soat", "diem_b1", "thu_nhap_bq")


def _return_keys() -> tuple[set[str], set[str]]:
    """(the header keys of the columns only a return has, those of a return's start class column)."""
    from hgn_review.schemas.layout import load_layout

    spec = load_layout("hgn").sheets["households"]
    return ({k for c in spec.columns if c.key in _RETURN_ONLY for k in c.match_keys()},
            {k for c in spec.columns if c.key == "phan_loai_dau_ky" for k in c.match_keys()})


def _list_role(key: str) -> str | None:
    """The column of a start list a header names (its header_key): Mã xã, Mã hộ, Phân loại, the head's ID — as lists
    exported from other systems write them ("Mã xã/phường", "Số định danh chủ hộ / CCCD", "Phân loại hộ")."""
    if key in ("ma xa", "ma xa phuong", "ma xa phuong thi tran", "ma don vi xa"):
        return "ma_xa"
    if key in ("ma ho", "ma ho gia dinh"):
        return "ma_ho"
    if key in ("phan loai", "phan loai ho", "ket qua phan loai", "phan loai ho dau ky", "phan loai dau ky"):
        return "phan_loai"
    if (key.startswith("so dinh danh") and "chu ho" in key) or key in ("cccd chu ho", "so cccd chu ho",
                                                                        "can cuoc cong dan chu ho"):
        return "so_dinh_danh_chu_ho"
    return None


def _national_class(header: str) -> bool:
    """A class column said to be by the national standard ("Phân loại (chuẩn quốc gia)", "… Trung ương")."""
    return re.search(r"\b(quoc gia|trung uong|ca nuoc)\b", fold(header)) is not None


def _local_class(header: str) -> bool:
    """A class column of a province's own standard ("Phân loại (chuẩn tỉnh)", "… chuẩn thành phố", "… địa
    phương"), beside the national one — "tính theo …" (calculated by) is not "tỉnh"."""
    return re.search(r"\b(chuan (cua )?(tinh|thanh pho)|dia phuong)\b", fold(header)) is not None


def _status_table(path: Path) -> pd.DataFrame:
    """A start list read as text: on every sheet whose top rows name Mã hộ and Phân loại (a list kept one sheet per
    commune; a cover sheet is passed over), the rows under that header; a row pasted twice is read once."""
    from hgn_review.io.read import _as_shown, _Book, reader_fault
    from hgn_review.io.xlsxscan import scan_sheet

    try:
        book = _Book(path)
        grids = [book.grid(name) for name in book.names]
        for name, grid in zip(book.names, grids, strict=True) if book.suffix in (".xlsx", ".xlsm") else ():
            scan = scan_sheet(path, name)  # a code typed "0012" in a column formatted "0000" (stored as 12): as shown,
            if scan is not None and scan.shown:  # as a return's is (its households' codes are read so)
                _as_shown(grid, {c: c for c in grid.columns}, scan.shown)
    except BaseException as exc:
        if not reader_fault(exc):
            raise
        raise InputError(f"Không đọc được danh sách đầu kỳ {path}.",
                         hint="Dùng kết quả hgn của kỳ trước (thư mục kết quả của hgn run, thư mục ket_qua/ trong "
                              "đó, hay tệp kết quả), hoặc bảng (.xlsx, .xls, .csv) có các cột Mã xã, Mã hộ, Phân loại.",
                         message_en=f"Cannot read the start-of-period list {path}.",
                         hint_en="Use last round's hgn results, or a table (.xlsx, .xls, .csv) with Mã xã, Mã hộ and "
                                 "Phân loại columns.") from exc
    best: list[str] = []
    parts: list[tuple[bool, pd.DataFrame]] = []
    for name, grid in zip(book.names, grids, strict=True):
        part, found = _status_sheet(path, grid)
        if part is not None:
            parts.append((book.hidden(name), part))
        elif len(found) > len(best):
            best = found
    if any(not hidden for hidden, _p in parts):  # a hidden sheet beside visible ones is last year's, kept aside
        parts = [(h, p) for h, p in parts if not h]
    if not parts:
        return pd.DataFrame(columns=best)  # no header with Mã hộ and Phân loại: what the best row had
    frames = [p for _h, p in parts]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return df.drop_duplicates().reset_index(drop=True)


def _status_sheet(path: Path, grid: pd.DataFrame) -> tuple[pd.DataFrame | None, list[str]]:
    """(the list's rows on this sheet, or None when no header row names Mã hộ and Phân loại; the columns the best
    row named)."""
    best: list[str] = []
    from hgn_review import legacy

    return_keys, start_keys = _return_keys()
    for r in range(min(len(grid), 30)):
        raw = [v if isinstance(v, str) else "" for v in grid.iloc[r].tolist()]
        # headers typed in a TCVN3 / VNI font ("M· hé" is "Mã hộ"), as in the returns
        raw = [legacy.as_unicode(v) if v else v for v in raw]
        cells = [header_key(v) if v else "" for v in raw]
        if {"so dinh danh ca nhan", "phan loai ho", "ma ho"} <= set(cells):  # hgn's population-database list
            raise InputError(f"{path} là danh sách kết nối CSDL dân cư (mỗi người một dòng, chỉ người thuộc hộ nghèo, "
                             "cận nghèo), không phải danh sách hộ đầu kỳ.",
                             hint=_PREVIOUS_HINT[0],
                             message_en=f"{path} is the population-database list (one row per person, only persons "
                                        "of poor and near-poor households), not a start-of-period list of households.",
                             hint_en=_PREVIOUS_HINT[1])
        keys = [_list_role(c) for c in cells]
        if len(set(cells) & return_keys) >= 2 and start_keys & {c for c, k in zip(cells, keys, strict=True)
                                                                if k == "phan_loai"}:
            # a commune's return (review date, B1, income …) whose only class is its "Phân loại đầu kỳ": the class at
            # the start of last round, not at its end
            raise InputError(f"{path} là biểu rà soát của xã (có cột Ngày rà soát, Điểm B1, Thu nhập …), không phải kết "
                             "quả phân loại của kỳ trước: cột \"Phân loại đầu kỳ\" của biểu là phân loại đầu kỳ trước, "
                             "không phải cuối kỳ.", hint=_PREVIOUS_HINT[0],
                             message_en=f"{path} is a commune's return (it has the review date, B1 score, income … "
                                        "columns), not last round's classification results: its \"Phân loại đầu kỳ\" "
                                        "is the class at the start of last round, not at its end.",
                             hint_en=_PREVIOUS_HINT[1])
        classes = [j for j, k in enumerate(keys) if k == "phan_loai"]
        if len(classes) > 1:  # the national class and a province's own: the national one is the start list's
            national = [j for j in classes if _national_class(raw[j])] or \
                [j for j in classes if not _local_class(raw[j])]
            if len(national) != 1:
                said = ", ".join(f'"{raw[j]}"' for j in classes)
                raise InputError(f"Danh sách đầu kỳ {path} có nhiều cột phân loại ({said}): không biết cột nào là "
                                 "phân loại theo chuẩn quốc gia.",
                                 hint="Để lại một cột Phân loại (theo chuẩn quốc gia), hoặc ghi rõ \"(chuẩn quốc gia)\" "
                                      "trong tiêu đề của cột đó.",
                                 message_en=f"The start-of-period list {path} has several class columns ({said}): "
                                            "which is the national class is not known.",
                                 hint_en="Keep one Phân loại column (the national class), or write \"(chuẩn quốc gia)\" "
                                         "in its header.")
            keys = [None if j in classes and j != national[0] else k for j, k in enumerate(keys)]
        if "ma_ho" in keys and "phan_loai" in keys:
            below = r + 1
            if below < len(grid):
                sub = [v if isinstance(v, str) else "" for v in grid.iloc[below].tolist()]
                under = _sub_header_roles(raw, keys, sub)
                if under is not None:  # a two-row header ("Chủ hộ" over "Họ và tên | Số định danh")
                    keys, below = under, below + 1
            body = grid.iloc[below:]
            cols = {k: body.iloc[:, j] for j, k in enumerate(keys) if k is not None}
            df = pd.DataFrame(cols).dropna(how="all").reset_index(drop=True)
            return df.astype("string"), []
        found = [k for k in keys if k]
        if len(found) > len(best):
            best = found
    return None, best


def _sub_header_roles(top: list[str], keys: list[str | None], sub: list[str]) -> list[str | None] | None:
    """The columns of a two-row header, or None when the row under the header is not a second header row: under a
    group cell ("Chủ hộ", merged over its columns) the row names what each column holds ("Số định danh"), so the
    column is known by both ("Số định danh" of "Chủ hộ"). Only a column the first row does not already name is
    read so, and only a text cell; a row with a household code is the first household, not a header row."""
    if any(k == "ma_ho" and j < len(sub) and sub[j].strip() for j, k in enumerate(keys)):
        return None
    out = list(keys)
    parent = ""
    gained = False
    for j, key in enumerate(keys):
        above = top[j].strip() if j < len(top) else ""
        if above:
            parent = above
        below = sub[j].strip() if j < len(sub) else ""
        if key is not None or not below or not re.search(r"[^\W\d_]", below):
            continue
        for text in (below, f"{below} {parent}", f"{parent} {below}"):
            role = _list_role(header_key(text)) if text.strip() else None
            if role is not None and role not in out:
                out[j] = role
                gained = True
                break
    return out if gained else None


def _clean_heads(df: pd.DataFrame) -> pd.DataFrame:
    """The list's keys as the returns' are read: codes without the invisible characters and odd spaces pasted with
    them, in NFC (a commune code's full-width digits as digits); a household code written as a number ("1001.0" in
    a CSV) without its ".0"; a class typed in a TCVN3 / VNI font in Unicode; the head's ID cleaned as a return's
    (:func:`hgn_review.schemas.coerce.clean_id`) — stored as a number it lost its leading zero (every ID starts
    with 0, domain.md §4)."""
    import pyarrow.compute as pc

    from hgn_review import legacy
    from hgn_review.schemas.coerce import clean_id, strip_text
    from hgn_review.text import arrow_text, text_series

    def cleaned(name: str, form: str) -> pd.Series:
        return text_series(pc.utf8_normalize(strip_text(arrow_text(df[name])), form), df.index)

    if "ma_xa" in df.columns:
        df = df.assign(ma_xa=cleaned("ma_xa", "NFKC"))
    if "ma_ho" in df.columns:
        code = cleaned("ma_ho", "NFC")
        df = df.assign(ma_ho=code.str.replace(r"^(\d+)\.0+$", r"\1", regex=True))
    if "phan_loai" in df.columns:
        classes = cleaned("phan_loai", "NFC")
        typed = {v: u for v in classes.dropna().unique().tolist() if (u := legacy.as_unicode(v)) != v}
        df = df.assign(phan_loai=classes.replace(typed) if typed else classes)
    if "so_dinh_danh_chu_ho" not in df.columns:
        return df
    ids = text_series(clean_id(arrow_text(df["so_dinh_danh_chu_ho"])), df.index)
    lost = ids.str.fullmatch(r"\d{11}").fillna(False).to_numpy(dtype=bool)
    return df.assign(so_dinh_danh_chu_ho=ids.where(~lost, "0" + ids))


def classify_validated(val: ValidationResult, *, standard: str | None = None, local: str | None = None,
                       previous: pd.DataFrame | None = None, history: Sequence[pd.DataFrame] = (),
                       prefer: str = "recorded", started: float | None = None, whole: bool = True) -> ClassifyRun:
    """Classify what validation produced and package it as a results bundle (``whole``: see classify)."""
    started = started if started is not None else time.time()
    std = pick_standard(val.households, standard)
    cls = classify(val.households, val.members, std, local=local, prefer=prefer, previous=previous,
                   history=list(history), check_review_dates=not standard, whole=whole)
    return _package(val, cls, std, prefer, started)


def _at_cells(found: Sequence[Any], returns: Sequence[Any]) -> list[Any]:
    """Classification findings located at their cell: the column letter and the header as written in the file
    (classification sees typed columns, not where each stood in the sheet)."""
    import dataclasses

    where = {(sd.file, sd.sheet): sd for r in returns for sd in r.sheets.values()}
    hgn_sheets = {(sd.file, sd.sheet) for r in returns if r.layout == "hgn" for sd in r.sheets.values()}
    out = []
    for f in found:
        sd = where.get((f.file, f.sheet))
        if f.code in ANSWER_CODES and sd is not None and f.key \
                and f.key not in sd.letters and (f.file, f.sheet) in hgn_sheets:
            continue  # a column the sheet does not have: said once, at its header (column-missing-soft), no cell
        if f.col is None and f.key and sd is not None and f.key in sd.letters:
            f = dataclasses.replace(f, col=sd.letters[f.key], column=sd.headers.get(f.key, f.column))
        out.append(f)
    return out


def _package(val: ValidationResult, cls: Classification, std: Standard, prefer: str, started: float) -> ClassifyRun:
    """A classification as a results bundle: findings after validation's, Alkire–Foster figures per commune."""
    # an answer validation reported at its cell (not in the list, not a date) is not said again there as wanted:
    # one finding per cell, as `hgn validate` gives (the household's own finding names what it waits for)
    said = {(f.file, f.sheet, f.row, f.key) for f in val.report.findings if f.row is not None}
    found = [f for f in _at_cells(cls.findings, val.returns)
             if not (f.code in ANSWER_CODES and (f.file, f.sheet, f.row, f.key) in said)]
    report = Report(findings=list(val.report.findings) + found, files=val.report.files)
    summary = cls.summary
    af = _af_rows(cls.af, std)
    if len(af) and "ma_xa" in summary:
        summary = summary.merge(af.rename(columns={"unit": "ma_xa"}), on="ma_xa", how="left")
    meta: dict[str, Any] = {
        "tool": "hgn", "tool_version": __version__, "stage": "classify", "level": "commune",
        "standard": std.id, "standard_sha256": std.sha256, "standard_params": report_params(std),
        "standard_indicators": {std.id: list(std.keys)},
        "local_standard": cls.local.id if cls.local else None,
        "local_standard_sha256": cls.local.sha256 if cls.local else None,
        "review_date": _review_date(val.households, std),
        "review_year": _review_year(val.households),
        "units": sorted(str(u) for u in val.households["ma_xa"].dropna().unique().tolist()),
        "inputs": [{"file": r.path, "sha256": r.sha256, "layout": r.layout} for r in val.returns],
        "run_started": dt.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "run_seconds": round(time.time() - started, 2),
        "prefer": prefer, "households": int(len(cls.households)), "members": int(len(cls.members)),
    }
    extra = {"Diễn biến": cls.movements} if not cls.movements.empty else {}
    results = Results(households=cls.households, members=cls.members, summary=summary,
                      findings=findings_frame(report.findings), meta=meta, extra_sheets=extra)
    return ClassifyRun(val, cls, results, std, report)


def classify_paths(paths: Sequence[Path], *, standard: str | None = None, local: str | None = None,
                   previous: Path | None = None, history: Sequence[Path] = (), prefer: str = "recorded",
                   layout: str | None = None, as_of: dt.date | None = None, limits: Limits | None = None,
                   progress: Callable[[str, int, int], None] | None = None) -> ClassifyRun:
    """Validate, then classify every household. Households blocked by errors are listed, never dropped."""
    started = time.time()
    val = validate_paths(list(paths), layout=layout, as_of=as_of, limits=limits, progress=progress,
                         standard=standard, local=local)
    if val.households.empty:  # nothing to classify: why is in the findings of the files, not in a review date
        from hgn_review.findings import shared_message

        said = "; ".join(f"{Path(f.file).name}: {shared_message(f)}" for f in val.report.sorted()
                         if f.severity == "error")[:300]
        said_en = "; ".join(f"{Path(f.file).name}: {shared_message(f, 'en')}" for f in val.report.sorted()
                            if f.severity == "error")[:300]
        names = ", ".join(str(p) for p in paths)
        raise InputError(f"Không đọc được hộ nào từ {names}." + (f" {said}" if said else ""),
                         hint="Kiểm tra bằng hgn validate, sửa rồi chạy lại.",
                         message_en=f"No household could be read from {names}." + (f" {said_en}" if said_en else ""),
                         hint_en="Check with hgn validate, fix and run again.")
    prev = load_status_list(previous) if previous else None
    hist = [_history_list(p) for p in history]
    return classify_validated(val, standard=standard, local=local, previous=prev, history=hist, prefer=prefer,
                              started=started)


def _history_list(path: Path) -> pd.DataFrame:
    """An earlier period's list (``--history``), read as a start list is; its refusals name it as what it is."""
    from hgn_review.errors import HgnError

    try:
        return load_status_list(path)
    except HgnError as exc:
        for attr, start, earlier in (("message", "danh sách đầu kỳ", "danh sách kỳ trước (--history)"),
                                     ("message_en", "start-of-period list", "earlier period's list (--history)")):
            text = getattr(exc, attr)
            setattr(exc, attr, text.replace(start.capitalize(), earlier[0].upper() + earlier[1:]).replace(start, earlier))
        raise


def _review_date(households: pd.DataFrame, std: Standard) -> str | None:
    """The return's review date, which decides the unit list the merge uses: the median of its households' dates
    under ``std`` (the lower of the two middle ones), as validation judged the commune codes on — a date no
    national standard covers, one under another standard (a mistyped 2042 or 2027, reported on its household), or
    one household's mistyped 2025 in a 2024 return does not move the file to another unit list."""
    d = households["ngay_ra_soat"].dropna() if "ngay_ra_soat" in households else pd.Series(dtype="datetime64[ns]")
    under = d[std.covers_dates(d)]
    day = median_day(under if len(under) else d)
    return None if day is None else day.isoformat()


def _review_year(households: pd.DataFrame) -> int | None:
    """The year of the round a return belongs to: the median year of its households' review dates (the lower of
    the two middle ones), so that a mistyped date — reported on its household — does not move the commune to
    another round."""
    d = households["ngay_ra_soat"].dropna() if "ngay_ra_soat" in households else pd.Series(dtype="datetime64[ns]")
    if d.empty:
        return None
    years = np.sort(pd.DatetimeIndex(d).year.to_numpy())
    return int(years[(len(years) - 1) // 2])


# ============================================================================================== hgn run
CACHE_DIR = ".hgn-cache"
MAX_BATCH = 6  # returns per worker call in `hgn run`


@dataclass
class StageTime:
    name: str
    seconds: float


@dataclass
class RunOutcome:
    out_dir: Path
    files: int
    processed: int  # files read and classified in this run (the rest came from the cache)
    report: Report
    results: Results
    outputs: dict[str, list[Path]]
    stages: list[StageTime]
    level: str
    unit: str
    notes: list[str]
    copies: int = 0  # files skipped as byte-identical copies of another file of the round (file-duplicate)

    @property
    def cached(self) -> int:
        """Returns whose results came from the last run's cache."""
        return self.files - self.processed - self.copies

    def counted(self) -> tuple[int, int]:
        """(households, persons) of the round as form 01 counts them: the households present at the end of the
        period and their persons (member rows, else the size written). Without a summary: the rows read."""
        s = self.results.summary
        if len(s) and {"so_ho", "so_nhan_khau"} <= set(s.columns):
            total = s.iloc[-1]  # the level's own row comes last
            return tuple(0 if pd.isna(total[k]) else int(total[k]) for k in ("so_ho", "so_nhan_khau"))  # type: ignore[return-value]
        return len(self.results.households), len(self.results.members)

    def _total(self, column: str) -> int | None:
        """The level's own figure of the summary (its last row), None without it."""
        s = self.results.summary
        if not len(s) or column not in s.columns:
            return None
        v = s.iloc[-1][column]
        return 0 if pd.isna(v) else int(v)

    def by_class(self) -> dict[str, int]:
        """Households by class as form 01 counts them: those present at the end of the period (one that moved away
        or dissolved is a decrease, :meth:`departed`), so that the classes add up to :meth:`counted`."""
        from hgn_review.merge.tables import CLASS_ORDER, CLASS_SLUG, departed

        totals = {c: self._total(f"ho_{CLASS_SLUG[c]}") for c in CLASS_ORDER}
        if all(v is not None for v in totals.values()):
            return {c: int(v) for c, v in totals.items() if v}
        hh = self.results.households
        if not len(hh):
            return {}
        present = hh[~departed(hh).to_numpy()]
        return {str(k): int(v) for k, v in sorted(present["phan_loai"].value_counts().items())}

    def departed(self) -> int:
        """Households that moved away or dissolved during the period (in no class of :meth:`by_class`)."""
        return self._total("ho_roi_di") or 0

    def summary_json(self, lang: str = "vi") -> dict[str, Any]:
        """The run in numbers; its stages and notes in ``lang`` (``--json --lang en``)."""
        hh = self.results.households
        households, persons = self.counted()
        return {"files": self.files, "processed": self.processed, "cached": self.cached,
                "copies": self.copies, "counted": {"households": households, "persons": persons},
                "households": int(len(hh)), "members": int(len(self.results.members)),
                "by_class": self.by_class(), "departed": self.departed(),
                "findings": self.report.counts(), "level": self.level, "unit": self.unit,
                "unit_name": self.results.meta.get("unit_name"),
                # (in Vietnamese, the notes themselves: each carries its English for the terminal's --lang en)
                "stages": {(say(s.name, lang) if lang == "en" else s.name): round(s.seconds, 2) for s in self.stages},
                "outputs": {k: [str(p) for p in v] for k, v in self.outputs.items()},
                "notes": [say(n, lang) for n in self.notes] if lang == "en" else self.notes}


RETRY = "retry"  # in a cached bundle: made after a fault of hgn (file-check-failed), so not reused


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """The installed hgn itself, by content: every file of the package (code, standards, unit lists). A return's
    cached results are hgn's of that code — an update installed between two runs (a fix, under the same version
    number while in development) classifies every return again, never leaving last run's answers beside new ones."""
    import hashlib

    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"):
            h.update(p.relative_to(root).as_posix().encode() + b"\x00" + p.read_bytes() + b"\x00")
    return h.hexdigest()[:16]


def _cache_key(sha: str, opts: dict[str, Any], name: str = "") -> str:
    """A return's bundle key: its content, the options, and its file name — which a return's results depend on
    (a commune code taken from it, a CSV's sheet, an extension that does not fit the content); a file moved to
    another folder under the same name keeps its bundle."""
    import hashlib

    h = hashlib.sha256(sha.encode())
    # the start list by its content (previous_sha256), not by where its copy lies: a run given the same folders
    # as absolute paths, or an OUT_DIR moved, reuses its bundles
    keyed = {k: v for k, v in opts.items() if k != "previous"}
    h.update(json.dumps(keyed, sort_keys=True, default=str).encode())
    if name:
        h.update(b"\x00" + Path(name).name.encode("utf-8", "backslashreplace"))
    return h.hexdigest()[:40]


def process_files(items: Sequence[tuple[Path, str, tuple[str, tuple[int, ...]] | None]], cache: Path,
                  opts: dict[str, Any]) -> list[Path]:
    """:func:`_process_files` in a worker: Ctrl-C (which the terminal sends the workers too) ends the worker at
    once — left to the pool, it would go on with every batch already queued to it. What it finished is cached."""
    import multiprocessing

    try:
        return _process_files(items, cache, opts)
    except KeyboardInterrupt:
        if multiprocessing.parent_process() is None:  # in hgn's own process (--jobs 1): the interrupt goes on up
            raise
        import os

        os._exit(130)


def _process_files(items: Sequence[tuple[Path, str, tuple[str, tuple[int, ...]] | None]], cache: Path,
                  opts: dict[str, Any]) -> list[Path]:
    """Read, validate and classify returns (path, display name, known hash); one Parquet bundle per return.

    Runs in a worker process. Returns classified under one standard whose communes do not overlap are classified
    in one call and the result split per return: a call costs ~0.04 s whatever its size, and every household's
    result depends on that household alone, while the per-commune tables (summary, movements, Alkire–Foster) are
    per commune — so each bundle is exactly what classifying its return alone gives (tested). Each bundle is
    written to a temporary folder and renamed when complete, so an interrupted run leaves whole bundles or none.
    """
    from hgn_review.findings import finding
    from hgn_review.validate import contained, failure_detail

    started = time.time()
    limits = Limits(max_cells=opts["max_cells"]) if opts.get("max_cells") else None
    fvs = [validate_one(path, display, layout=opts.get("layout"), as_of=_date(opts.get("as_of")), known=known,
                        standard=opts.get("standard"), limits=limits, local=opts.get("local"))
           for path, display, known in items]
    prev = pd.read_parquet(opts["previous"]) if opts.get("previous") else None
    results: list[Results | None] = [None] * len(fvs)
    # classified together: returns under one standard whose frames have the same columns and dtypes (stacking
    # must not change a column's type — a return without a members sheet has an empty frame of other text dtypes)
    by_standard: dict[tuple[str, Any], list[int]] = {}
    standards: dict[str, Standard] = {}
    for i, fv in enumerate(fvs):
        hh = fv.households
        if hh.empty or hh["ngay_ra_soat"].dropna().empty and not opts.get("standard"):
            results[i] = _unclassified(fv, opts)
            continue
        try:
            std = pick_standard(hh, opts.get("standard"))
        except InputError:  # no review date of it is under any standard (each reported at its cell): it waits
            results[i] = _unclassified(fv, opts)
            continue
        standards.setdefault(std.id, std)
        shape = (tuple(hh.dtypes.astype(str).items()), tuple(fv.members.dtypes.astype(str).items()))
        by_standard.setdefault((std.id, shape), []).append(i)
    for (std_id, _shape), members in by_standard.items():
        together, alone = _batchable(fvs, members)
        if together:
            try:
                parts = _classify_together([fvs[i] for i in together], standards[std_id], opts, prev, started)
            except Exception as exc:  # a fault of hgn: each return on its own, so that it is found and the rest done
                if not contained(exc):
                    raise
                alone += together
            else:
                for i, res in zip(together, parts, strict=True):
                    results[i] = res
        for i in alone:
            val = _one(fvs[i])
            try:
                results[i] = classify_validated(val, standard=opts.get("standard"), local=opts.get("local"),
                                                previous=prev, prefer=opts.get("prefer", "recorded"),
                                                started=started, whole=False).results
            except Exception as exc:  # noqa: BLE001 - reported on the file; the other returns go on
                if not contained(exc):
                    raise
                results[i] = _unclassified(fvs[i], opts, [finding("file-check-failed", file=fvs[i].summary.file,
                                                                  detail=failure_detail(exc))])
    assert all(res is not None for res in results)  # every return is classified, alone or together, or not at all
    return [_store(res, fv, cache, opts) for res, fv in zip(results, fvs, strict=True)]  # type: ignore[arg-type]


def _unclassified(fv: Any, opts: dict[str, Any], extra: Sequence[Any] = ()) -> Results:
    """A return whose households are not classified (none, no review date, or hgn failed on it): its rows and
    findings are kept; it names no commune, so the merge lists its commune as missing."""
    from hgn_review.validate import link

    households, members = link([fv.households], [fv.members])
    # the commune codes it names, though none of its households is merged: the round still reaches their unit
    named = sorted(set(households["ma_xa"].dropna().astype("string").str.strip().unique().tolist()) - {""}) \
        if "ma_xa" in households else []
    return Results(households, members, findings=findings_frame([*fv.findings, *extra]),
                   meta={"tool": "hgn", "tool_version": __version__, "stage": "classify", "level": "commune",
                         "standard": opts.get("standard"), "units": [], "named_units": named,
                         "review_year": _review_year(households), "households": len(households)})


def _one(fv: Any) -> ValidationResult:
    from hgn_review.validate import link

    households, members = link([fv.households], [fv.members])
    return ValidationResult(Report(findings=list(fv.findings), files=[fv.summary]), households, members, [fv.ret])


def _batchable(fvs: Sequence[Any], indices: list[int]) -> tuple[list[int], list[int]]:
    """(classified together, alone): returns whose communes are all named and met in no other return of the
    call go together (a per-commune table must not mix two returns); the rest alone. One return: alone."""
    seen: set[str] = set()
    together: list[int] = []
    alone: list[int] = []
    for i in indices:
        codes = fvs[i].households["ma_xa"]
        units = set(codes.dropna().tolist())
        if codes.isna().any() or units & seen:
            alone.append(i)
        else:
            seen |= units
            together.append(i)
    if len(together) == 1:
        return [], alone + together
    return together, alone


def _classify_together(fvs: Sequence[Any], std: Standard, opts: dict[str, Any], previous: pd.DataFrame | None,
                       started: float) -> list[Results]:
    """One classification for several returns, split back into what each return alone gives."""
    from hgn_review.scoring.movements import unbalanced_findings
    from hgn_review.validate import link

    households, members = link([fv.households for fv in fvs], [fv.members for fv in fvs])
    cls = classify(households, members, std, local=opts.get("local"), prefer=opts.get("prefer", "recorded"),
                   previous=previous, history=[], check_review_dates=not opts.get("standard"), whole=False)
    hh_file = cls.households["file"].to_numpy(dtype=object)
    mm_file = cls.members["file"].to_numpy(dtype=object)
    summary_unit = cls.summary["ma_xa"].to_numpy(dtype=object)
    moves_unit = cls.movements["ma_xa"].to_numpy(dtype=object) if len(cls.movements) else np.array([], dtype=object)
    out = []
    offset = 0
    for fv in fvs:
        name = fv.summary.file
        units = set(fv.households["ma_xa"].tolist())
        hh = _rows_of(cls.households, hh_file == name)
        hh["uid"] = hh["uid"] - offset
        mm = _rows_of(cls.members, mm_file == name)
        mm["uid"] = mm["uid"] - offset
        offset += len(fv.households)
        moves = cls.movements[np.isin(moves_unit, list(units))].reset_index(drop=True)
        found = [f for f in cls.findings if f.file == name and f.code != "movement-unbalanced"]
        part = Classification(
            households=hh, members=mm, findings=found + unbalanced_findings(moves, by="ma_xa"),
            summary=cls.summary[np.isin(summary_unit, list(units))].reset_index(drop=True),
            # the batch's overall figure stays only as alone (its row matches no commune and is dropped when the
            # summary takes the per-commune figures, but its presence gives the summary its columns)
            af={u: r for u, r in cls.af.items() if u in units or u == AF_OVERALL}, movements=moves,
            standard=cls.standard,
            local=cls.local)
        val = ValidationResult(Report(findings=list(fv.findings), files=[fv.summary]), fv.households, fv.members,
                               [fv.ret])
        out.append(_package(val, part, std, opts.get("prefer", "recorded"), started).results)
    return out


def _rows_of(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` where ``mask`` holds, as a new frame numbered from 0. Each return's rows stand
    together in a stacked classification, so they are taken as one slice (a boolean take copies every Arrow
    column of the wide frame); any other pattern is taken row by row."""
    at = np.flatnonzero(mask)
    if len(at) and at[-1] - at[0] + 1 == len(at):
        return frame.iloc[int(at[0]):int(at[-1]) + 1].reset_index(drop=True)
    return frame[mask].reset_index(drop=True)


def _store(res: Results, fv: Any, cache: Path, opts: dict[str, Any]) -> Path:
    """One return's results as a bundle under ``cache``, keyed by the return's hash and the options."""
    import shutil
    import tempfile

    from hgn_review.io.results import write_bundle

    res.meta["file_summary"] = {"file": fv.summary.file, "layout": fv.summary.layout, "rows": fv.summary.rows,
                                "readable": fv.summary.readable}
    res.meta["id_header"] = list(fv.id_header) if fv.id_header else None
    res.meta["source_sha256"] = fv.ret.sha256
    key = _cache_key(fv.ret.sha256 or fv.summary.file, opts, fv.summary.file)
    final = cache / key
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=cache))
    try:
        write_bundle(res, tmp)
        if "code" in res.findings.columns and res.findings["code"].eq("file-check-failed").any():
            (tmp / RETRY).touch()  # a fault of hgn may not recur (memory, a temporary file): checked again next run
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def run_round(input_dir: Path, out_dir: Path, *, as_of: dt.date | None = None, standard: str | None = None,
              local: str | None = None, previous: Path | None = None, mask_pii: bool = False, jobs: int | None = None, strict: bool = False,
              commune_workbooks: bool = False, layout: str | None = None,
              progress: Callable[[str, int, int], None] | None = None,
              stage_note: Callable[[str], None] | None = None, max_cells: int | None = None,
              lang: str = "vi", marked_copies: bool = False) -> RunOutcome:
    """The whole round over a folder: validate, classify, merge up to the highest level, report.

    Per-file results are cached under OUT_DIR/.hgn-cache keyed by the file's SHA-256, its name, the options and
    the tool version, so a re-run re-reads only files that changed. One run at a time writes into OUT_DIR (a
    second one is refused while the first holds OUT_DIR/.hgn-cache/lock).
    """
    import os

    if os.path.abspath(out_dir) == os.path.abspath(input_dir) or \
            Path(os.path.abspath(out_dir)) in Path(os.path.abspath(input_dir)).parents:
        raise UsageError(f"Thư mục kết quả {out_dir} chứa thư mục biểu rà soát {input_dir}.",
                         hint="Chọn cho --out một thư mục riêng, ví dụ bên cạnh thư mục biểu rà soát.",
                         message_en=f"The output folder {out_dir} holds the returns folder {input_dir}.",
                         hint_en="Give --out a folder of its own, e.g. beside the returns folder.")
    from hgn_review.io.write import refuse_returns_folder

    refuse_returns_folder(Path(out_dir))  # before anything is written there
    _refuse_foreign(Path(out_dir))
    check_standards(standard, local)  # an unknown standard is said before anything is written
    found = _returns_in(input_dir, out_dir, previous)  # a folder without returns is said before anything is written
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with _out_lock(Path(out_dir)):
        return _run_round(input_dir, out_dir, found, as_of=as_of, standard=standard, local=local, previous=previous,
                          mask_pii=mask_pii, jobs=jobs, strict=strict, commune_workbooks=commune_workbooks,
                          layout=layout, progress=progress, stage_note=stage_note, max_cells=max_cells, lang=lang,
                          marked_copies=marked_copies)


_Found = tuple[list[tuple[Path, str]], list[tuple[Path, str]], list[tuple[Path, str]]]


def _returns_in(input_dir: Path, out_dir: Path, previous: Path | None = None) -> _Found:
    """(returns, hgn's own outputs, compressed files) in the input folder, each (path, shown name), leaving out
    what is inside the output folder and the start-of-period list (``previous``, kept beside the returns); a usage
    error when it holds no return.

    A return is shown (and its cached bundle named) by its path from the input folder's parent, "in/xa.xlsx":
    the same whether the folder was given as a relative or an absolute path, or from another working folder."""
    import os

    from hgn_review.io.read import discover, no_returns

    base = Path(os.path.abspath(input_dir)).parent
    skipped: list[tuple[Path, str]] = []
    archives: list[tuple[Path, str]] = []
    out = Path(out_dir).resolve()
    start = Path(previous).resolve() if previous is not None else None

    def real(p: Path) -> Path:  # (a loop of links is no error here: discover lists it, reading it says why)
        return Path(os.path.realpath(p))

    def is_start_list(p: Path) -> bool:
        return start is not None and (real(p) == start or start in real(p).parents)

    files = [(p, _shown(p, base)) for p, _d in discover([input_dir], skipped, archives)
             if out not in real(p).parents and not is_start_list(p)]
    skipped = [(p, _shown(p, base)) for p, _d in skipped if out not in real(p).parents]
    archives = [(p, _shown(p, base)) for p, _d in archives if out not in real(p).parents]
    if not files:
        also = (f" ({len(skipped)} tệp là kết quả của hgn, không phải biểu rà soát)",
                f" ({len(skipped)} files are hgn's own outputs, not returns)") if skipped else ("", "")
        raise no_returns(str(input_dir), archives, ("Thư mục cần chứa các tệp .xlsx/.xls/.ods/.csv của các xã",
                                                    "Put the communes' workbooks there"), also)
    return files, skipped, archives


def _refuse_foreign(out_dir: Path) -> None:
    """A folder hgn has not written (no mark, no cache of an older version's run) that already holds one of the
    names a run puts in place is refused: the officer's own bao_cao/ or README.txt would be replaced."""
    from hgn_review.io.write import refuse_foreign

    if out_dir.is_dir() and not (out_dir / CACHE_DIR).is_dir():
        refuse_foreign(out_dir, [name + ("/" if (out_dir / name).is_dir() else "") for name in PUBLISHED
                                 if (out_dir / name).exists()], "--out")


@contextlib.contextmanager
def _out_lock(out_dir: Path) -> Iterator[None]:
    """Hold OUT_DIR/.hgn-cache/lock for the run: a second run into the same folder would delete the first one's work in
    progress (its temporary bundles and staged outputs) and mix two rounds' outputs. The operating system releases
    the lock when the process ends, however it ends."""
    import os

    (out_dir / CACHE_DIR).mkdir(parents=True, exist_ok=True)
    fh = open(out_dir / CACHE_DIR / "lock", "a+b")  # noqa: SIM115 - held open for the whole run
    try:
        try:
            if os.name == "nt":
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError(f"Một lần chạy hgn khác đang ghi vào {out_dir}.",
                             hint="Chờ lần chạy kia xong rồi chạy lại, hoặc chọn thư mục khác cho --out.",
                             message_en=f"Another hgn run is writing into {out_dir}.",
                             hint_en="Wait until it ends and run again, or choose another --out folder.") from None
        yield
    finally:
        fh.close()


def _run_round(input_dir: Path, out_dir: Path, found: _Found, *, as_of: dt.date | None = None, standard: str | None = None,
              local: str | None = None, previous: Path | None = None, mask_pii: bool = False, jobs: int | None = None, strict: bool = False,
              commune_workbooks: bool = False, layout: str | None = None,
              progress: Callable[[str, int, int], None] | None = None,
              stage_note: Callable[[str], None] | None = None, max_cells: int | None = None,
              lang: str = "vi", marked_copies: bool = False) -> RunOutcome:
    """The whole round over a folder: validate, classify, merge up to the highest level, report.

    Per-file results are cached under OUT_DIR/.hgn-cache keyed by the file's SHA-256, the options and the tool
    version, so a re-run re-reads only files that changed.
    """
    import os
    from concurrent.futures import ProcessPoolExecutor

    from hgn_review.io.fingerprint import HashMemo
    from hgn_review.io.results import read_bundle, write_bundle
    from hgn_review.io.write import atomic_path, mark_folder, refuse_locked
    from hgn_review.validate import batch_id_duplicates, workers

    stages: list[StageTime] = []
    notes: list[str] = []
    t0 = time.perf_counter()
    # a workbook of the last run open in Excel stops the run now, not after the returns are read
    refuse_locked(p for d in (out_dir, *(out_dir / n for n in PUBLISHED if "." not in n))
                  for p in (d.glob("*") if d == out_dir else d.rglob("*")) if p.is_file())
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = out_dir / CACHE_DIR
    (cache / "files").mkdir(parents=True, exist_ok=True)
    mark_folder(out_dir)
    _remove_leftovers(out_dir)
    files, skipped, archives = found
    opts: dict[str, Any] = {"version": __version__, "code": code_digest(), "standard": standard, "layout": layout,
                            "as_of": as_of.isoformat() if as_of else None}
    if max_cells:  # only when given: the cache keys of a run without it stay as they were
        opts["max_cells"] = max_cells
    if standard is not None:  # a standard file edited at the same path is another standard
        opts["standard_sha256"] = pick_standard(pd.DataFrame(), standard).sha256  # (a local one is refused here)
    if local is not None:  # likewise (only when given: the cache keys of a run without it stay as they were)
        opts["local"] = local
        opts["local_sha256"] = load_local_standard(local).sha256
    if previous is not None:
        source = results_source(previous).resolve()
        if source == out_dir.resolve() or out_dir.resolve() in source.parents:
            raise UsageError(f"--previous {previous} nằm trong thư mục kết quả {out_dir} của chính lần chạy này: lần "
                             "chạy ghi kết quả mới vào đó, nên lần chạy lại sẽ lấy kết quả năm nay làm đầu kỳ.",
                             hint="Chép kết quả kỳ trước (thư mục ket_qua/) ra chỗ khác và chỉ --previous vào đó, hoặc "
                                  "ghi kết quả năm nay vào một thư mục --out mới.",
                             message_en=f"--previous {previous} is inside this run's own output folder {out_dir}: the "
                                        "run writes its results there, so a re-run would take this year's results "
                                        "for the start of the period.",
                             hint_en="Copy last round's results (its ket_qua/) elsewhere and point --previous there, or "
                                     "write this year's outputs to a new --out folder.")
        prev_df = load_status_list(previous)
        digest = _digest(results_source(previous))
        # one per list and per hgn (an update may read a list otherwise: read again, as every return is)
        prev_path = cache / f"previous-{digest[:16]}-{code_digest()[:8]}.parquet"
        if not prev_path.exists():
            with atomic_path(prev_path) as tmp:
                prev_df.to_parquet(tmp, index=False)
        opts["previous"] = str(prev_path)
        opts["previous_sha256"] = digest
    # the start lists of earlier runs (household codes, classes, heads' IDs) are not kept: only this run's, if any
    for old_list in cache.glob("previous-*.parquet"):
        if old_list.name != (Path(opts["previous"]).name if opts.get("previous") else None):
            old_list.unlink(missing_ok=True)
    # ---- stage 1: read + validate + classify per file (cached, parallel)
    n_jobs = max(1, jobs or os.cpu_count() or 1)
    todo: list[tuple[Path, str, Any]] = []
    bundles: dict[str, Path] = {}
    metas: dict[str, dict[str, Any]] = {}  # each cached bundle's meta.json, read once
    shas: dict[str, str] = {}
    first_by_sha: dict[str, str] = {}
    duplicate_files: list[tuple[str, str]] = []
    memo = HashMemo(cache / "hashes.json")  # files unchanged since the last run are not hashed again
    for (path, display), known in zip(files, memo.hash_all([p for p, _d in files], threads=n_jobs), strict=True):
        if known is None:  # cannot be read: the reader says why
            todo.append((path, display, None))
            continue
        sha = known[0]
        if sha in first_by_sha and sha != EMPTY_SHA256:  # two empty files are two failed returns, not copies
            duplicate_files.append((display, first_by_sha[sha]))
            continue
        first_by_sha[sha] = display
        shas[display] = sha
        key = _cache_key(sha, opts, display)
        cached_meta = _whole(cache / "files" / key)
        if cached_meta is not None:
            bundles[display] = cache / "files" / key
            metas[display] = cached_meta
        else:
            todo.append((path, display, known))
    memo.save()
    done = 0
    # returns go to the workers a few at a time (classified in one call: see process_files), in batches small
    # enough to keep every worker busy to the end and the progress bar moving
    size = max(1, min(MAX_BATCH, len(todo) // (4 * n_jobs)))
    batches = [todo[i:i + size] for i in range(0, len(todo), size)]
    if batches:
        if n_jobs == 1 or len(batches) == 1:
            for batch in batches:
                for (_p, display, _k), bundle in zip(batch, process_files(batch, cache / "files", opts), strict=True):
                    bundles[display] = bundle
                    done += 1
                    if progress:
                        progress(display, done, len(todo))
        else:
            with ProcessPoolExecutor(max_workers=workers(n_jobs, len(batches))) as pool:
                futs = {pool.submit(process_files, batch, cache / "files", opts): batch for batch in batches}
                from concurrent.futures import as_completed

                try:
                    for fut in as_completed(futs):
                        for (_p, display, _k), bundle in zip(futs[fut], fut.result(), strict=True):
                            bundles[display] = bundle
                            done += 1
                            if progress:
                                progress(display, done, len(todo))
                except KeyboardInterrupt:  # Ctrl-C: the returns not yet started are not read (what is done is cached)
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
    stages.append(StageTime(Note("đọc, kiểm tra, phân loại", "read, check, classify"), time.perf_counter() - t0))
    # ---- stage 2: combine, batch-level checks (reading only what they need: memory stays per file)
    from concurrent.futures import ThreadPoolExecutor

    from hgn_review.findings import FileSummary, finding

    t1 = time.perf_counter()
    ordered = [d for _p, d in files if d in bundles]
    report = Report()
    id_files: list[str] = []
    id_codes: list[Any] = []
    id_hits: dict[str, set[int]] = {}  # return → Excel rows of its members whose ID is also in another return
    for d in ordered:
        b = bundles[d]
        meta = metas.get(d) or json.loads((b / "meta.json").read_text("utf-8"))  # read when it was checked
        if (meta.get("file_summary") or {}).get("file") not in (None, d):  # renamed since it was cached
            res = read_bundle(b)
            _renamed(res, d)
            # rewritten in place, its meta.json (written last) gone first: a run stopped half-way leaves a bundle
            # that is not whole, read again from its return — never one naming two places
            (b / "meta.json").unlink()
            write_bundle(res, b)
            meta = json.loads((b / "meta.json").read_text("utf-8"))
        metas[d] = meta
    with ThreadPoolExecutor(max_workers=n_jobs) as readers:  # Parquet decoding releases the GIL
        gathered = readers.map(_findings_and_ids, [bundles[d] for d in ordered])
        for d, (in_bundle, ids_column) in zip(ordered, gathered, strict=True):
            fs = metas[d].get("file_summary") or {}
            report.files.append(FileSummary(d, fs.get("layout", ""), fs.get("rows", {}), fs.get("readable", True)))
            report.findings.extend(in_bundle)
            if ids_column is not None:
                id_files.append(d)
                id_codes.append(ids_column)
    from_bundles = len(report.findings)  # the findings after these are the round's own (no bundle holds them)
    for dup, first in duplicate_files:
        report.findings.append(finding("file-duplicate", file=dup, other=first))
        # named, not only counted: a return saved again under another commune's name leaves that commune without one
        notes.append(Note(f"{dup}: giống hệt {_told_apart(first, dup, 'vi')} từng byte, không đọc lần nữa (nếu đây phải "
                          "là biểu của một xã khác, xã đó chưa có biểu).",
                          f"{dup}: byte for byte the same as {_told_apart(first, dup, 'en')}, not read again (if it "
                          "should be another commune's return, that commune has none yet)."))
    report.findings.extend(finding("file-hgn-output", file=d) for _p, d in skipped)
    for _p, d in archives:  # a return sent zipped is not read: said on the terminal and in README.txt too
        if is_shortcut(d):  # (a Windows shortcut likewise: hgn does not follow it)
            report.findings.append(finding("file-shortcut", file=d))
            notes.append(Note(f"{d}: lối tắt (shortcut) của Windows, không đọc; chép chính biểu rà soát vào thư mục "
                              "rồi chạy lại.",
                              f"{d}: a Windows shortcut, not read; copy the return itself into the folder and run "
                              "again."))
            continue
        report.findings.append(finding("file-archive", file=d))
        notes.append(Note(f"{d}: tệp nén, không đọc; giải nén vào thư mục biểu rà soát rồi chạy lại.",
                          f"{d}: a compressed file, not read; extract it into the returns folder and run again."))
    if id_files:
        ids = _batch_id_rows(id_files, id_codes, bundles)  # only the rows whose ID is also in another file
        del id_codes
        id_headers = {d: tuple(m["id_header"]) for d, m in metas.items() if m.get("id_header")}
        extra: list[Any] = []
        batch_id_duplicates(ids, extra, id_headers)  # type: ignore[arg-type]
        report.findings.extend(extra)
        # the population list must say why these IDs are not usable: marked on this round's results, never in a
        # cached bundle (the other return may be corrected while this one stays cached)
        for f in extra:
            id_hits.setdefault(f.file, set()).add(int(f.row or 0))
        del ids
    stages.append(StageTime(Note("kiểm tra toàn bộ", "checks across returns"), time.perf_counter() - t1))
    def stop_if_strict() -> None:
        """--strict: no merge while any error stands — in a return, or of the round (a commune in two returns, a
        return of another province or year, a commune code in no unit list)."""
        errors = report.at_or_above("error")
        if strict and errors:
            _publish_stopped(out_dir, report, {d: p for p, d in files} if marked_copies else None,
                             Note(f"--strict dừng trước khi tổng hợp vì có {errors} lỗi trong các biểu rà soát",
                                  f"--strict stops before merging: {counted(errors, 'error')} in the returns"), lang,
                             n_jobs)
            stop = FindingsStop(f"Có {errors} lỗi trong các biểu rà soát; --strict dừng trước khi tổng hợp.",
                                hint=f"Xem {out_dir / 'phat_hien.xlsx'}, sửa lỗi rồi chạy lại (các tệp không đổi không "
                                     "phải đọc lại).",
                                message_en=f"{counted(errors, 'error')} in the returns; --strict stops before merging.",
                                hint_en=f"See {out_dir / 'phat_hien.xlsx'}, fix and run again.")
            stop.summary = stopped_summary("strict")
            raise stop

    def stopped_summary(why: str) -> dict[str, Any]:
        """For --json when the round stops after reading: what was read and found, and where the findings are (a
        script reads this, not stderr)."""
        return {"stopped": why, "files": len(files), "processed": len(todo),
                "cached": len(files) - len(todo) - len(duplicate_files), "copies": len(duplicate_files),
                "findings": report.counts(), "findings_by_code": report.by_code(),
                "stages": {say(s.name, lang): round(s.seconds, 2) for s in stages},
                "outputs": {"phat_hien": [str(out_dir / "phat_hien.xlsx")],
                            **({"ban_sao": [str(p) for p in sorted((out_dir / "phat_hien_ban_sao").glob("*"))]}
                               if marked_copies else {})}}

    # the bundles of returns no longer in the folder (or since changed) go before any stop: a round --strict keeps
    # stopping holds this round's bundles only, never every corrected version (nor a deleted return's)
    _prune_cache(cache / "files", set(bundles.values()))
    stop_if_strict()
    if (cache / "merge").is_dir():  # district merges left by earlier versions: the province now merges directly
        import shutil

        shutil.rmtree(cache / "merge", ignore_errors=True)
    # ---- stage 3: merge up to the highest level present
    t2 = time.perf_counter()
    classified = [d for d in ordered if metas[d].get("units") and metas[d].get("households", 0)]
    # a return of which no household was read (unreadable, no known list in it): named on the terminal and in
    # README.txt, with why — its commune is otherwise only one of the "missing" units
    none_read = [d for d in ordered if not int(metas[d].get("households", 0) or 0)]
    first_error = _file_errors(report, set(none_read))
    for d in none_read:
        if d in first_error:
            why = first_error[d]
            notes.append(Note(f"{d}: không đọc được hộ nào — {why.message()}",
                              f"{d}: no household read — {why.message('en')}"))
    # a return with households the merge cannot take (no commune code anywhere in it, no review date under any
    # standard, a fault of hgn): its households are accounted for here, never silently absent
    for d in ordered:
        n = int(metas[d].get("households", 0) or 0)
        if n and not metas[d].get("units"):
            classified_once = bool(metas[d].get("standard_sha256"))  # classified, but in no commune
            why = "không có mã xã hợp lệ nào" if classified_once else "các hộ chưa phân loại được"
            why_en = "no valid commune code" if classified_once else "its households could not be classified"
            _left_out(d, n, Note(why, why_en), report, notes)
    classified = _known_units(classified, metas, as_of, report, notes)
    # the communes the round's returns name, merged or not: a district whose every return is left out keeps its
    # place in the province's forms (blank), and the round does not shrink to the other district
    reach = {d: set(metas[d].get("units") or metas[d].get("named_units") or []) for d in ordered}
    # provenance names the returns, not the cache folders that stand for them
    sources = {str(bundles[d]): (d, shas.get(d, ""), bundles[d].name) for d in classified}
    try:
        classified, apart = _admissible(classified, metas, as_of)
        for f in apart:
            report.findings.append(f)
            notes.append(Note(f"{f.file}: {f.message()}", f"{f.file}: {f.message('en')}"))
        elsewhere = {f.file for f in apart if f.code == "file-outside-round"}  # another province's or year's
        # a return left out unclassified counts only if it is of the round's year (an old file left in the folder
        # does not make a district's round a province's)
        years = {str(metas[d].get("review_year") or "") for d in classified} - {""}
        elsewhere |= {d for d in reach if years and metas[d].get("review_year")
                      and str(metas[d]["review_year"]) not in years}
        named = sorted({u for d, units in reach.items() if d not in elsewhere for u in units})
        if not classified and any(f.code == "commune-in-two-returns" for f in apart):
            # read, but each commune is in several files (a merged ward sent by village): said as such
            raise InputError("Không có hộ nào được đưa vào tổng hợp: xã có ở nhiều tệp biểu rà soát (mỗi xã một tệp), "
                             "nên các tệp đó đều được để ra ngoài.",
                             hint="Gộp các tệp của cùng một xã (ví dụ các tệp theo thôn) thành một tệp, hoặc bỏ tệp thừa, "
                                  "rồi chạy lại; xem phat_hien.xlsx (mã commune-in-two-returns).",
                             message_en="No household was merged: a commune is in several returns (one return a "
                                        "commune), so each of them was left out.",
                             hint_en="Join the files of one commune (e.g. its villages' files) into one, or remove the "
                                     "extra file, and run again; see phat_hien.xlsx (code commune-in-two-returns).")
        stop_if_strict()  # the round's own errors, found since
        merged, level, unit, merge_notes, merge_found = _merge_up([bundles[d] for d in classified],
                                                                  [metas[d] for d in classified], as_of, sources, named)
    except HgnError as exc:
        if isinstance(exc, FindingsStop):  # --strict: its outputs are in place already
            raise
        _publish_stopped(out_dir, report, None, Note(exc.message, exc.message_en), lang)  # what the message points to is there
        exc.summary = stopped_summary(exc.slug)
        if "--to-2025-units" in exc.hint and "hgn merge" not in exc.hint:  # an option of hgn merge, not of hgn run
            exc.hint = ("Một đợt rà soát dùng một danh mục đơn vị: để các biểu trước 1/7/2025 và từ 1/7/2025 ở hai "
                        "thư mục, chạy hgn run cho từng thư mục; muốn quy đổi kết quả cũ sang đơn vị mới thì dùng "
                        "lệnh hgn merge (xem hgn merge --help).")
            exc.hint_en = ("A round uses one unit list: put the returns before and from 1/7/2025 in two folders and "
                           "run hgn run on each; to re-express old results in the new units use hgn merge "
                           "(see hgn merge --help).")
        raise
    notes.extend(merge_notes)
    _mark_shared_ids(merged.members, id_hits)
    # (return, Excel row) of households counted as moved in after the merge — by the merge itself too, from the
    # returns alone (a head heading a household recorded gone in another commune: merge._moved_in_unrecorded)
    arrivals: set[tuple[str, int]] = {(f.file, int(f.row)) for f in merge_found
                                      if f.code == "previous-moved-in-unrecorded" and f.row is not None}
    if previous is not None:  # the start list's households no return of the round matches (each return was
        # classified alone, so a household that moved to another commune is matched only here)
        from hgn_review.scoring.movements import arrived_all, head_ids, not_reviewed, outside_review

        heads = head_ids(merged.members)
        report.findings.extend(not_reviewed(merged.households, heads, prev_df))
        rows_out, communes_out, no_code = outside_review(merged.households, heads, prev_df)
        if rows_out:  # a province's list given to a district's round: its other rows are not matched, and said so
            notes.append(Note(f"Danh sách đầu kỳ: {count_text(rows_out)} dòng thuộc {count_text(communes_out)} xã "
                              "ngoài đợt rà soát này không được đối chiếu.",
                              f"Start-of-period list: {counted(rows_out, 'row')} of {counted(communes_out, 'commune')}"
                              " outside this round not matched."))
        if no_code:
            notes.append(Note(f"Danh sách đầu kỳ: {count_text(no_code)} dòng không ghi mã xã và không khớp chủ hộ nào "
                              "của đợt này theo số định danh: không được đối chiếu.",
                              f"Start-of-period list: {counted(no_code, 'row')} without a commune code matching no head "
                              "of this round by ID: not matched."))
        gone, home, absent = arrived_all(merged.households, heads, prev_df)  # (the list's keys made once)
        arrivals |= _count_arrivals(merged, gone, report)
        arrivals |= _count_arrivals(merged, home, report, code="previous-head-elsewhere")
        arrivals |= _count_arrivals(merged, absent, report, code="previous-head-elsewhere-absent")
    _one_list_of_findings(merged, report, from_bundles, merge_found, set(classified))
    stages.append(StageTime(Note("tổng hợp", "merge"), time.perf_counter() - t2))
    # ---- stage 4: outputs people open — written beside the last run's, then put in their place together: an
    # interrupted run leaves the last run's outputs whole, never new forms beside an old summary
    t3 = time.perf_counter()
    stage = _staging(out_dir)
    outputs: dict[str, list[Path]] = {}
    # with --marked-copies, a copy of each return with findings, its cells to fix marked (as hgn validate writes)
    findings_written = _write_findings(report, stage, {d: p for p, d in files} if marked_copies else None, lang,
                                       n_jobs)
    outputs["phat_hien"] = findings_written[:1]
    if len(findings_written) > 1:
        outputs["ban_sao"] = findings_written[1:]
    from hgn_review.reports import make_report

    # the results are written (Arrow and Parquet work, mostly outside the GIL) while the report renders (Python):
    # neither changes the merged frames, and the writer holds one row group in Arrow at a time
    with ThreadPoolExecutor(max_workers=1) as side:
        written = side.submit(write_bundle, merged, stage / "ket_qua")
        merge_said = {id(n) for n in merge_notes}  # (the merge's own, the coverage, the report says itself)
        rep = make_report(merged, stage / "bao_cao", mask_pii=mask_pii, as_of=as_of,
                          round_notes=[n for n in notes if id(n) not in merge_said])
        outputs["ket_qua"] = written.result()
    outputs["bieu_mau"] = list(rep.forms)
    outputs["danh_sach"] = list(rep.population)
    outputs["html"] = [rep.html] if rep.html else []
    notes.extend(rep.notes)
    if commune_workbooks:
        from hgn_review.io.results import write_results

        outputs["so_xa"] = []
        named_as = _commune_file_names([metas[d] for d in classified], as_of)
        for d in classified:
            code = (metas[d].get("units") or ["xa"])[0]
            res = read_bundle(bundles[d])
            _arrivals_in(res, arrivals)
            _mark_shared_ids(res.members, {d: id_hits[d]} if d in id_hits else {})
            # the return's findings as the round found them: also those of checks across returns (the same ID
            # in another commune's return, the start list's households not reviewed)
            res.findings = findings_frame([f for f in report.findings if f.file == d])
            outputs["so_xa"].extend(write_results(res, stage / "so_xa" / f"{named_as.get(code, code)}_ket_qua.xlsx",
                                                  lang=lang))
    stages.append(StageTime(Note("biểu mẫu, danh sách", "forms, lists"), time.perf_counter() - t3))
    outputs = {k: [out_dir / p.relative_to(stage) for p in v] for k, v in outputs.items()}
    outcome = RunOutcome(out_dir, len(files), len(todo), report, merged, outputs, stages, level, unit, notes,
                         copies=len(duplicate_files))
    _write_readme(outcome, stage, lang)
    _publish(stage, out_dir)
    return outcome


def _one_list_of_findings(merged: Results, report: Report, from_bundles: int, merge_found: Sequence[Any],
                          merged_files: set[str]) -> None:
    """One list of the round's findings in phat_hien.xlsx, ket_qua/ and report.html: the merge's own (a household
    in two communes' returns, coverage, balance) are added to the round's report — they were only in ket_qua/ —
    and the round's own (files not read or set apart, IDs in two returns, the start list's households not
    reviewed, and the findings of the returns not merged) to the merged results — they were only in
    phat_hien.xlsx. The same ID in two returns is the round's check (one finding a row after the first file's),
    not the merge's second wording of it."""
    own = [f for f in report.findings[:from_bundles] if f.file not in merged_files] + report.findings[from_bundles:]
    report.findings.extend(f for f in merge_found if f.code != "id-duplicate-batch")
    found = merged.findings
    if len(found) and "code" in found.columns:
        found = found[(found["code"] != "id-duplicate-batch").to_numpy(dtype=bool)]
    merged.findings = pd.concat([found, findings_frame(own)], ignore_index=True, sort=False) if own else \
        found.reset_index(drop=True)


def _count_arrivals(merged: Results, arrived: np.ndarray, report: Report,
                    code: str = "previous-moved-in-unrecorded") -> set[tuple[str, int]]:
    """Households that moved in unrecorded, from a commune that recorded them as gone (movements.arrived_unrecorded):
    counted as an increase here (no start, "Tăng khác"), so the list row's start is counted once, in the commune
    it left — and said on the household, for the commune to record the move. The merge's summary is corrected
    with them (its start, decrease and increase figures)."""
    from hgn_review.findings import finding
    from hgn_review.scoring.movements import CAN_NGHEO, NGHEO, as_moved_in, normalise_status

    hh = merged.households
    at = np.flatnonzero(arrived)
    if not len(at):
        return set()
    _correct_summary(merged.summary, hh.iloc[at], normalise_status(hh["dau_ky"].iloc[at]),
                     normalise_status(hh["phan_loai"].iloc[at]), {NGHEO: "ngheo", CAN_NGHEO: "can_ngheo"})
    as_moved_in(hh, hh.index[at])
    for _i, r in hh.iloc[at].iterrows():  # few: moves between communes
        report.findings.append(finding(code, file=str(r.get("file") or ""),
                                       sheet=str(r.get("sheet") or ""), row=int(r["row"]) if pd.notna(r.get("row"))
                                       else None, key="tinh_trang_ho", value=str(r.get("ma_ho") or "")))
    return {(str(f), int(r)) for f, r in zip(hh["file"].iloc[at], hh["row"].iloc[at], strict=True) if pd.notna(r)} \
        if {"file", "row"} <= set(hh.columns) else set()


def _arrivals_in(res: Results, arrivals: set[tuple[str, int]]) -> None:
    """A commune's own results (its workbook in so_xa/) with the households counted as moved in after the merge as
    the round counts them: no start, "Tăng khác", and its movement table made again."""
    from hgn_review.scoring.movements import as_moved_in, movement_tables

    hh = res.households
    if not arrivals or hh.empty or not {"file", "row"} <= set(hh.columns):
        return
    keys = pd.MultiIndex.from_arrays([hh["file"].astype("string").fillna(""), pd.to_numeric(hh["row"],
                                      errors="coerce").fillna(-1).astype("int64")])
    hit = np.asarray(keys.isin(list(arrivals)), dtype=bool)
    if not hit.any():
        return
    as_moved_in(hh, hh.index[hit])
    if "Diễn biến" in (res.extra_sheets or {}):
        res.extra_sheets["Diễn biến"] = movement_tables(hh, by="ma_xa")


def _correct_summary(summary: pd.DataFrame, moved: pd.DataFrame, start: pd.Series, end: pd.Series,
                     slug: dict[str, str]) -> None:
    """A merge summary's movement figures, for households whose start goes (counted instead as an increase): the
    start class's start figure falls by one; a transition it counted as a decrease of that class is no longer one;
    a household that kept its class is now an increase of it. On the row of the unit each is in, and the total."""
    if summary is None or summary.empty or "don_vi" not in summary.columns:
        return
    units = summary["don_vi"].astype("string")
    key = next((c for c in ("ma_xa", "ma_huyen", "unit") if c in moved.columns
                and moved[c].astype("string").isin(units).all()), None)
    total = len(summary) - 1  # the last row: the whole unit
    for i in range(len(moved)):  # few: households that moved between communes
        x, y = start.iloc[i], end.iloc[i]
        rows = [total] + ([int(np.flatnonzero((units == str(moved[key].iloc[i])).fillna(False).to_numpy())[0])]
                          if key is not None else [])
        for r in dict.fromkeys(rows):
            if pd.notna(x) and x in slug:
                summary.iloc[r, summary.columns.get_loc(f"{slug[x]}_dau_ky")] -= 1
                if str(x) != str(y):
                    summary.iloc[r, summary.columns.get_loc(f"{slug[x]}_giam")] -= 1
                elif y in slug:
                    summary.iloc[r, summary.columns.get_loc(f"{slug[y]}_tang")] += 1


def _mark_shared_ids(members: pd.DataFrame, hits: dict[str, set[int]]) -> None:
    """``dinh_danh_loi`` "trung" (unless another reason is there) for members whose ID is also in another return,
    by (return, Excel row)."""
    if not hits or members.empty:
        return
    wanted = [(f, r) for f, rows in hits.items() for r in rows]
    hit = pd.MultiIndex.from_arrays([members["file"].astype(object), members["row"]]).isin(wanted)
    members.loc[hit, "dinh_danh_loi"] = members.loc[hit, "dinh_danh_loi"].fillna("trung")


def _findings_and_ids(bundle: Path) -> tuple[list[Any], Any]:
    """A cached return's findings, and its members' ID column (Arrow) if it has one."""
    import pyarrow.parquet as pq

    from hgn_review.io.results import read_parquet_table, table_frame

    found = []
    if (bundle / "findings.parquet").exists():
        found = _findings_from_frame(table_frame(read_parquet_table(bundle / "findings.parquet")))
    ids = None
    if (bundle / "members.parquet").exists():
        pf = pq.ParquetFile(bundle / "members.parquet")
        if "so_dinh_danh" in pf.schema_arrow.names:
            ids = pf.read(columns=["so_dinh_danh"], use_threads=False).column(0)
    return found, ids


def _batch_id_rows(files: list[str], columns: list[Any], bundles: dict[str, Path]) -> pd.DataFrame:
    """The members whose ID also occurs in another file, with the columns the batch ID check reports — not the
    members of households that moved away or dissolved (the same persons are listed again where they went).

    The test runs on integer keys of the ID column alone (2 M IDs of a province: a fraction of a second);
    the other columns are read only for the files that share an ID, usually none.
    """
    import pyarrow as pa

    from hgn_review.validate import _ID_COLUMNS, departed, id_codes, shared_ids

    whole = pa.chunked_array([c for col in columns for c in col.cast(pa.string()).chunks], type=pa.string())
    sizes = [len(c) for c in columns]
    file_codes = np.repeat(np.arange(len(files), dtype=np.int64), sizes)
    shared = shared_ids(id_codes(whole), file_codes, np.asarray(whole.is_valid()))
    parts = []
    start = 0
    for d, n in zip(files, sizes, strict=True):
        hit = shared[start:start + n]
        start += n
        if hit.any():
            df = pd.read_parquet(bundles[d] / "members.parquet", columns=[*_ID_COLUMNS, "uid"])
            hh = pd.read_parquet(bundles[d] / "households.parquet", columns=["uid", "tinh_trang_ho"])
            parts.append(df[hit & ~departed(hh, df)][_ID_COLUMNS])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_ID_COLUMNS)


def _shown(path: Path, base: Path) -> str:
    import os

    from hgn_review.io.read import display_name

    try:
        return display_name(Path(os.path.abspath(path)).relative_to(base))
    except ValueError:  # pragma: no cover - discover() only yields paths under the input folder
        return display_name(path)


def _prune_cache(files: Path, keep: set[Path]) -> None:
    """Bundles of returns no longer in the folder (or since changed) are dropped, so the cache holds this round."""
    import shutil

    keep_names = {p.name for p in keep}
    for entry in files.iterdir():
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in keep_names:
            shutil.rmtree(entry, ignore_errors=True)


STAGING = ".hgn-next"  # the round's outputs while they are written; READY in it once all are
READY = ".ready"
PUBLISHED = ("phat_hien.xlsx", "phat_hien_ban_sao", "bao_cao", "ket_qua", "so_xa", "README.txt")


def _staging(out_dir: Path) -> Path:
    import shutil

    stage = out_dir / STAGING
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True, exist_ok=True)
    return stage


OLD = ".hgn-old"  # the last run's outputs while the new ones are put in place
MANIFEST = "published.json"  # in CACHE_DIR: the files the last publishing put in each output folder
CARRIED = ".carried"  # in OLD: the officer's files have been carried out of it; what is left is hgn's


def _publish(stage: Path, out_dir: Path) -> None:
    """Put the outputs written in ``stage`` in place of the last run's, in a few renames; an output the new run
    does not write (so_xa/ without --commune-workbooks) is removed, never left stale beside the new ones. Files
    the officer put in an output folder (a signed scan beside the forms) are not hgn's: they are carried into
    the new folder. A run stopped anywhere in here is completed by the next call (``_remove_leftovers``): what the
    new outputs are is saved in READY, what the last ones were travels with them in OLD."""
    import shutil

    written = _listing(stage)
    (stage / READY).write_text(json.dumps(written, ensure_ascii=False), "utf-8")
    old = out_dir / OLD
    shutil.rmtree(old, ignore_errors=True)
    old.mkdir(exist_ok=True)
    _keep_manifest(out_dir, old)
    try:
        for name in PUBLISHED:
            if (out_dir / name).exists():
                (out_dir / name).rename(old / name)
        _put_in_place(stage, out_dir, written)
    except OSError:  # the system refused a rename (a folder read-only, a file held open on Windows): the last
        _restore_last(stage, out_dir)  # run's outputs go back in place, whole — never some new beside some old
        raise
    shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)


def _restore_last(stage: Path, out_dir: Path) -> None:
    """After a refused rename while publishing: each new output already in place goes back to ``stage``, each of
    the last run's set aside in OLD back in place; the stage is no longer a complete set to finish (READY goes),
    so the next run writes its outputs again rather than completing this one. Best effort, each step on its own."""
    import shutil

    old = out_dir / OLD
    (stage / READY).unlink(missing_ok=True)
    for name in PUBLISHED:
        if not (old / name).exists():
            continue
        target = out_dir / name
        try:
            if target.exists():
                target.rename(stage / name) if not (stage / name).exists() else (
                    shutil.rmtree(target) if target.is_dir() else target.unlink())
            (old / name).rename(target)
        except OSError:
            continue
    shutil.rmtree(stage, ignore_errors=True)
    if old.is_dir() and not any(p.name in PUBLISHED for p in old.iterdir()):
        shutil.rmtree(old, ignore_errors=True)


def _put_in_place(stage: Path, out_dir: Path, written: dict[str, list[str]]) -> None:
    """The new outputs of ``stage`` moved into ``out_dir`` (an output still there — a publishing stopped before
    it was set aside — goes to OLD first, or is removed if OLD already holds the last one), the officer's files
    carried over from OLD, the manifest written."""
    import shutil

    old = out_dir / OLD
    for name in PUBLISHED:
        if (stage / name).exists():
            target = out_dir / name
            if target.exists():
                if (old / name).exists():
                    shutil.rmtree(target) if target.is_dir() else target.unlink()
                else:
                    target.rename(old / name)
            (stage / name).rename(target)
    _carry_over(old, out_dir, written)
    _write_manifest(out_dir, written)


def _listing(folder: Path) -> dict[str, list[str]]:
    """The files of each output folder under ``folder`` (paths inside it), as hgn wrote them."""
    return {name: sorted(p.relative_to(folder / name).as_posix() for p in (folder / name).rglob("*") if p.is_file())
            for name in PUBLISHED if (folder / name).is_dir()}


def _keep_manifest(out_dir: Path, old: Path) -> None:
    """The last publishing's manifest, beside the outputs it describes while they are set aside."""
    src = out_dir / CACHE_DIR / MANIFEST
    if src.is_file():
        (old / MANIFEST).write_bytes(src.read_bytes())


def _write_manifest(out_dir: Path, written: dict[str, list[str]]) -> None:
    from hgn_review.io.write import write_text_atomic

    write_text_atomic(out_dir / CACHE_DIR / MANIFEST, json.dumps(written, ensure_ascii=False, indent=0))


def _carry_over(old: Path, out_dir: Path, written: dict[str, list[str]]) -> None:
    """Files and folders in the last run's output folders (set aside in ``old``) that hgn did not write there are
    moved into the new folders, never deleted. hgn's are those the last publishing's manifest lists; without one
    (a folder of an older hgn, a manifest lost), only what the new run writes again (``written``) and workbooks
    hgn marked as its own — when in doubt a file is kept. One whose name the new run also writes is kept beside
    it as "<name> (bản của người dùng)" (numbered if that is taken too)."""
    from hgn_review.io.read import is_hgn_output

    if (old / CARRIED).exists():
        return
    try:
        manifest = json.loads((old / MANIFEST).read_text("utf-8"))
        manifest = manifest if isinstance(manifest, dict) else None
    except (OSError, ValueError):
        manifest = None
    for name in PUBLISHED:
        folder = old / name
        if not folder.is_dir():
            continue
        known = set(manifest.get(name, [])) if manifest is not None else None
        again = set(written.get(name, []))
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder).as_posix()
            if any(part.startswith(".hgn-") for part in p.relative_to(folder).parts):
                continue  # hgn's own hidden things (a report's staging folder left by a stopped report, marks)
            if p.is_dir():
                if not any(p.iterdir()):  # an empty folder the officer made
                    (out_dir / name / rel).mkdir(parents=True, exist_ok=True)
                continue
            ours = rel in known if known is not None else (rel in again or is_hgn_output(p))
            if ours:
                continue
            target = out_dir / name / rel
            n = 1
            while target.exists():
                mark = " (bản của người dùng)" if n == 1 else f" (bản của người dùng {n})"
                target = (out_dir / name / rel).with_name(f"{Path(rel).stem}{mark}{Path(rel).suffix}")
                n += 1
            target.parent.mkdir(parents=True, exist_ok=True)
            p.rename(target)
    (old / CARRIED).touch()


def _publish_stopped(out_dir: Path, report: Report, copies: dict[str, Path] | None, why: Note,
                     lang: str = "vi", jobs: int = 1) -> None:
    """A round that stopped before its outputs: its findings, and a README.txt saying why, in place of the last
    run's outputs — forms and lists of other returns than today's are not left beside today's findings."""
    from hgn_review.io.write import write_text_atomic

    stage = _staging(out_dir)
    _write_findings(report, stage, copies, lang, jobs)
    marked = any((stage / "phat_hien_ban_sao").glob("*"))  # a copy of each return with errors, cells marked
    if lang == "en":
        lines = [
            README_TITLE[1],
            f"Run on: {dt.datetime.now():%d/%m/%Y %H:%M}; hgn version {__version__}",
            "",
            f"This run stopped before merging: {why.en}",
            "There is only phat_hien.xlsx (every error and warning in the returns)"
            + (" and phat_hien_ban_sao/ (a copy of each return with errors, the cells to fix marked and commented:"
               " send each commune its own)" if marked else "") + ". The forms, lists and results of",
            "the last run were removed, as they no longer match the returns there are; fix and run again to make them.",
        ]
        cache = next(said for path, *said in _README_WHERE if path == CACHE_DIR + "/")[1]
    else:
        lines = [
            README_TITLE[0],
            f"Ngày chạy: {dt.datetime.now():%d/%m/%Y %H:%M}; phiên bản hgn {__version__}",
            "",
            f"Lần chạy này dừng trước khi tổng hợp: {why}",
            "Chỉ có phat_hien.xlsx (mọi lỗi, cảnh báo của các biểu rà soát)"
            + (" và thư mục phat_hien_ban_sao/ (bản sao của từng biểu có lỗi, các ô cần sửa được tô màu và ghi chú:"
               " gửi lại cho từng xã)" if marked else "") + ". Biểu mẫu, danh sách và kết quả của lần",
            "chạy trước đã được gỡ vì không còn ứng với các biểu hiện có; sửa rồi chạy lại để lập lại.",
        ]
        cache = next(said for path, *said in _README_WHERE if path == CACHE_DIR + "/")[0]
    # what this run read is kept for the next one: personal data, said here as in a finished run's README.txt
    lines += ["", f"  {CACHE_DIR + '/':<26}{cache}"]
    write_text_atomic(stage / "README.txt", "\n".join(lines) + "\n")
    _publish(stage, out_dir)


def _remove_leftovers(out_dir: Path) -> None:
    """What an interrupted run left half-written: temporary bundle folders, .part files, unfinished outputs (a
    complete set whose publishing was cut short is put in place)."""
    import shutil

    stage = out_dir / STAGING
    old = out_dir / OLD
    if (stage / READY).exists():  # stopped while putting a complete set of outputs in place: finished now
        try:
            written = json.loads((stage / READY).read_text("utf-8"))
            written = written if isinstance(written, dict) else _listing(stage)
        except (OSError, ValueError):
            written = _listing(stage)
        if not old.is_dir():
            old.mkdir()
            _keep_manifest(out_dir, old)
        _put_in_place(stage, out_dir, written)
    elif old.is_dir():  # stopped after the new outputs were put in place: the officer's files carried, if not yet
        try:
            written = json.loads((out_dir / CACHE_DIR / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError):
            written = {}
        _carry_over(old, out_dir, written if isinstance(written, dict) else {})
    shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    files = out_dir / CACHE_DIR / "files"
    for entry in files.iterdir() if files.is_dir() else []:
        if entry.name.startswith("."):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
    # hgn's temporary files (".name.xxxx.xlsx.part", io/write.atomic_path) in its own places: never an officer's
    inside = [p for name in (CACHE_DIR, *PUBLISHED) if (out_dir / name).is_dir() for p in (out_dir / name).rglob(".*.part")]
    for part in [*out_dir.glob(".*.part"), *inside]:
        part.unlink(missing_ok=True)


def _whole(bundle: Path) -> dict[str, Any] | None:
    """The meta.json of a cached bundle that can be used — readable, every file it lists of the size written —,
    else None (a bundle damaged by hand — a file deleted or cut short, meta.json garbled — is made again, not
    trusted)."""
    try:
        meta = json.loads((bundle / "meta.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if (bundle / RETRY).exists() or not isinstance(meta, dict):
        return None
    sizes = meta.get("file_sizes")
    if not isinstance(sizes, dict) or not sizes:
        return None
    try:
        whole = all((bundle / name).stat().st_size == size for name, size in sizes.items())
    except OSError:
        return None
    return meta if whole else None


def _renamed(res: Results, display: str) -> bool:
    """A cached bundle is keyed by content: give its rows the name the file has now. True if it changed."""
    old = (res.meta.get("file_summary") or {}).get("file")
    if not old or old == display:
        return False
    for df in (res.households, res.members, res.findings):
        if len(df) and "file" in df:
            col = df["file"]  # same dtype as a freshly read file's: bundles of one form merge as Arrow, fast
            df["file"] = col.where(col != old, display).astype(col.dtype)
    res.meta["file_summary"]["file"] = display
    for entry in res.meta.get("inputs") or []:  # the provenance names the file as it is called now
        if isinstance(entry, dict) and entry.get("file") == old:
            entry["file"] = display
    return True


def _findings_from_frame(df: pd.DataFrame) -> list[Any]:
    """Findings stored in a bundle, back as Finding values (message params are kept in the stored text)."""
    from hgn_review.findings import Finding

    if df is None or df.empty or "code" not in df:
        return []
    return [Finding.from_record(rec) for rec in df.to_dict("records")]


def _write_findings(report: Report, out_dir: Path, copies: dict[str, Path] | None, lang: str = "vi",
                    jobs: int = 1) -> list[Path]:
    from hgn_review.io.write import write_findings_xlsx

    return write_findings_xlsx(report, out_dir / "phat_hien.xlsx", lang=lang, copies=copies, jobs=jobs)


def _digest(path: Path) -> str:
    """SHA-256 of a file, or of a results folder (last round's ket_qua/): its files' names and hashes."""
    import hashlib

    from hgn_review.io.read import sha256_file

    if not path.is_dir():
        return sha256_file(path)
    h = hashlib.sha256()
    for f in sorted(x for x in path.iterdir() if x.is_file()):
        h.update(f"{f.name}\0{sha256_file(f)}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _admissible(returns: list[str], metas: dict[str, dict[str, Any]],
                as_of: dt.date | None) -> tuple[list[str], list[Any]]:
    """The classified returns one merge can take, and a finding for each other one: a return of another province
    than most of the round's (misfiled), and the returns of a commune found in two of them (a re-sent copy: which
    one is right is not guessed). One such file leaves the rest of the round going, its commune stated missing."""
    from collections import Counter

    from hgn_review.findings import finding
    from hgn_review.registry import get_registry

    if not returns:
        return returns, []
    reg = get_registry()
    when = _round_date([metas[d] for d in returns], as_of)
    out: list[Any] = []

    def households(d: str) -> str:
        return str(int(metas[d].get("households", 0) or 0))

    def province(d: str) -> str | None:
        found = {c[-1].code for u in metas[d].get("units") or [] if (c := reg.parents(u, when))}
        return found.pop() if len(found) == 1 else None

    where = {d: province(d) for d in returns}
    counts = Counter(p for p in where.values() if p)
    ranked = counts.most_common(2)
    def label(code: str | None) -> str:
        unit = reg.unit(code, when) if code else None
        return unit.label() if unit else (code or "đơn vị không xác định")

    if len(ranked) == 2 and ranked[0][1] == ranked[1][1]:  # which province the round is of is not guessed
        listing = "; ".join(f"{label(code)}: {n} tệp" for code, n in counts.most_common())
        listing_en = "; ".join(f"{label(code) if code else 'unknown unit'}: {counted(n, 'file')}"
                               for code, n in counts.most_common())
        raise InputError(f"Thư mục có biểu rà soát của nhiều tỉnh với số tệp ngang nhau ({listing}).",
                         hint="Mỗi đợt chạy cho một tỉnh (hoặc một huyện): để biểu của mỗi tỉnh ở thư mục riêng rồi "
                              "chạy từng thư mục.",
                         message_en=f"The folder holds returns of several provinces in equal numbers ({listing_en}).",
                         hint_en="Run one province (or district) at a time, each in its own folder.")
    if len(ranked) == 2:  # a clear majority: the others are misfiled
        main = ranked[0][0]
        for d in returns:
            if where[d] != main:
                out.append(finding("file-outside-round", file=d, value=households(d), detail=label(where[d]),
                                   detail_en=label(where[d]) if where[d] else "an unknown unit", other=label(main),
                                   remedy=OUTSIDE_UNIT[0], remedy_en=OUTSIDE_UNIT[1]))
        returns = [d for d in returns if where[d] == main]
    # a return of another year's round (an old file left in the folder): its households are not this round's
    year = {d: str(metas[d].get("review_year") or str(metas[d].get("review_date") or "")[:4]) for d in returns}
    years = Counter(y for y in year.values() if y).most_common(2)
    if len(years) == 2 and years[0][1] == years[1][1]:
        listing = "; ".join(f"năm {y}: {n} tệp" for y, n in years)
        listing_en = "; ".join(f"{y}: {counted(n, 'file')}" for y, n in years)
        raise InputError(f"Thư mục có biểu rà soát của nhiều năm với số tệp ngang nhau ({listing}).",
                         hint="Mỗi lần chạy cho một đợt rà soát: để biểu của mỗi năm ở thư mục riêng.",
                         message_en=f"The folder holds returns of several years' rounds in equal numbers ({listing_en}).",
                         hint_en="Run one round at a time, each year's returns in their own folder.")
    if len(years) == 2:
        main_year = years[0][0]
        for d in returns:
            if year[d] and year[d] != main_year:
                out.append(finding("file-outside-round", file=d, value=households(d),
                                   detail=f"đợt rà soát năm {year[d]}", other=f"năm {main_year}",
                                   detail_en=f"the {year[d]} review", other_en=main_year,
                                   remedy=OUTSIDE_YEAR[0], remedy_en=OUTSIDE_YEAR[1]))
        returns = [d for d in returns if not year[d] or year[d] == main_year]
    owners: dict[str, list[str]] = {}
    for d in returns:
        for u in metas[d].get("units") or []:
            owners.setdefault(u, []).append(d)
    shared = {u: ds for u, ds in owners.items() if len(ds) > 1}
    dropped: set[str] = set()
    for u, ds in sorted(shared.items()):
        unit = reg.commune(u, when)
        name = f"{u} {unit.name}" if unit else u
        for d in ds:
            if d not in dropped:
                others = [x for x in ds if x != d]
                out.append(finding("commune-in-two-returns", file=d, value=households(d), detail=name,
                                   other=", ".join(_told_apart(x, d, "vi") for x in others),
                                   other_en=", ".join(_told_apart(x, d, "en") for x in others)))
                dropped.add(d)
    return [d for d in returns if d not in dropped], out


def _told_apart(name: str, beside: str, lang: str) -> str:
    """``name`` as said beside ``beside``: two names that read the same but differ in their Unicode form (one
    saved on a Mac, NFD; the other re-sent from Windows, NFC — both kept on disk) say which is which."""
    import unicodedata

    if name == beside or unicodedata.normalize("NFC", name) != unicodedata.normalize("NFC", beside):
        return name
    composed = unicodedata.is_normalized("NFC", name)
    if lang == "en":
        return f"{name} (the same name in {'composed Unicode, NFC' if composed else 'decomposed Unicode, NFD, as a Mac writes it'})"
    return f"{name} (cùng tên, ghi dạng Unicode {'dựng sẵn NFC' if composed else 'tổ hợp NFD, thường do máy Mac lưu'})"


def _known_units(returns: list[str], metas: dict[str, dict[str, Any]], as_of: dt.date | None, report: Report,
                 notes: list[str]) -> list[str]:
    """The classified returns whose every commune code is a commune in some unit list; each other one (a code
    such as 99999, mistyped) is left out of the merge with a finding and a note (its code is reported at its cells
    by validation), so that one mistyped code does not stop the round. A real commune of the other unit list
    (before or from 1/7/2025) is no typo: the round's unit list does not fit its returns, which the merge says."""
    from hgn_review.registry import REFORM_DATE, get_registry

    reg = get_registry()
    before, after = REFORM_DATE - dt.timedelta(days=1), REFORM_DATE
    days = {d: as_of or _round_date([metas[d]], None) for d in returns}
    own = {d: _round_date([metas[d]], None) for d in returns}  # each return's own review date
    # a return whose codes are communes on its own review date
    fits = {d for d in returns if all(reg.commune(u, own[d]) is not None for u in metas[d].get("units") or [])}
    keep = []
    for d in returns:
        meta, day = metas[d], days[d]
        units = meta.get("units") or []
        unknown = [u for u in units if all(reg.commune(u, era) is None for era in (before, after))]
        # a code of the other unit list on the return's own review date (an old commune's code in a return of
        # a 2025 round) is left out like a typo when other returns fit — one commune's old code does not stop
        # the round; returns whose codes fit their own date but not --as-of are the merge's to say (the date
        # asked is what is wrong)
        stale = [u for u in units if u not in unknown and reg.commune(u, own[d]) is None] if fits - {d} else []
        if stale:
            day = own[d]
        if not unknown and not stale:
            keep.append(d)
            continue
        said = [f"{u} ({other[0]})" if (other := reg.other_era(u, day)) else u for u in [*unknown, *stale]]
        said_en = [f"{u} ({other[1]})" if (other := reg.other_era(u, day)) else u for u in [*unknown, *stale]]
        _left_out(d, int(meta.get("households", 0) or 0),
                  Note(f"mã xã {', '.join(said)} không có trong danh mục đơn vị hành chính ngày {day:%d/%m/%Y}",
                       f"commune code {', '.join(said_en)} is not in the unit list of {day:%d/%m/%Y}"), report, notes)
    return keep


def _left_out(d: str, n: int, why: Note, report: Report, notes: list[str]) -> None:
    """A return whose ``n`` households the merge does not take: a finding on it, and a note on the terminal and in
    README.txt — never silently absent."""
    from hgn_review.findings import finding, hide_ids

    report.findings.append(finding("file-not-merged", file=d, value=str(n), detail=str(why), detail_en=why.en))
    # (the note goes to the terminal, --json, README.txt and report.html: an ID typed as a commune code shows its
    # last four digits, as in every shared output; phat_hien.xlsx, for the officers, has the cell as written)
    notes.append(Note(hide_ids(f"{d}: {n} hộ không được đưa vào tổng hợp ({why}); xem phat_hien.xlsx."),
                      hide_ids(f"{d}: {n} households left out of the merge ({why.en}); see phat_hien.xlsx.")))


def _commune_file_names(metas: Sequence[dict[str, Any]], as_of: dt.date | None) -> dict[str, str]:
    """Each commune code of the round with its name for a file: "11284_xa_chi_lang_nam" (a workbook sent back to
    a commune is found by its name, not by a five-digit code); the code alone for a code of no unit."""
    from hgn_review.registry import get_registry

    when = _round_date(metas, as_of)
    reg = get_registry()
    out: dict[str, str] = {}
    for code in {u for m in metas for u in (m.get("units") or [])}:
        unit = reg.commune(code, when)
        out[code] = f"{code}_{slug(unit.name)}" if unit is not None and slug(unit.name) else code
    return out


def _round_date(metas: Sequence[dict[str, Any]], as_of: dt.date | None) -> dt.date:
    """The date whose unit list the round's returns are placed in: --as-of, else their latest review date."""
    review = max((m.get("review_date") or "" for m in metas), default="")
    return as_of or (dt.date.fromisoformat(review) if review else dt.date.today())


def _merge_up(commune_dirs: list[Path], metas: list[dict[str, Any]], as_of: dt.date | None,
              sources: Mapping[str, tuple[str, ...]],
              named: Sequence[str] = ()) -> tuple[Results, str, str, list[str], list[Any]]:
    """Merge commune bundles (their metadata in ``metas``, in the same order) to the highest level present: the
    district, or the province. ``named``: communes the round's returns name though they are not merged (left
    out for their errors); those of the merged communes' province count for the level."""
    from hgn_review.merge import merge_results
    from hgn_review.registry import get_registry

    notes: list[str] = []
    if not commune_dirs:
        # the call was right; the returns made the round impossible (exit 3, not 2: a usage error)
        raise InputError("Không có hộ nào được phân loại: không thể tổng hợp.",
                         hint="Xem phat_hien.xlsx: không tệp nào được đưa vào tổng hợp — không đọc được, không có "
                              "dữ liệu, hay được để ra ngoài vì lý do ghi ở đó.",
                         message_en="No household was classified: nothing to merge.",
                         hint_en="See phat_hien.xlsx: no return was merged — none could be read, none holds data, or "
                                 "each was left out for the reason given there.")
    when = _round_date(metas, as_of)
    reg = get_registry()
    units = sorted({u for m in metas for u in (m.get("units") or [])})
    chains = {u: reg.parents(u, when) for u in units}
    merged_provinces = {c[-1].code for c in chains.values() if c}
    for u in sorted(set(named) - set(units)):
        chain = reg.parents(u, when)
        if chain and chain[-1].code in merged_provinces:
            chains[u] = chain
    district_of = {u: c[1].code for u, c in chains.items() if len(c) == 3}
    districts = sorted(set(district_of.values()))
    provinces = sorted({c[-1].code for c in chains.values() if c})
    # several districts: communes straight into the province, one read of every bundle (merging is associative,
    # tests/test_merge: district-then-province equals direct; the reconciliation is kept per commune)
    target: str | None
    if len(districts) == 1:
        level, target = "district", districts[0]
    else:
        level, target = "province", provinces[0] if districts and len(provinces) == 1 else None
    final = merge_results(commune_dirs, level=level, unit=target, as_of=as_of, sources=sources)
    unit = final.unit
    if final.missing_units:
        listed = f"{', '.join(final.missing_units[:10])}{' …' if len(final.missing_units) > 10 else ''}"
        notes.append(Note(f"Tổng hợp chưa đủ: thiếu {len(final.missing_units)} đơn vị ({listed}).",
                          f"The merge is partial: {len(final.missing_units)} units missing ({listed})."))
    if not final.reconciled:
        notes.append(Note("Đối chiếu số hộ, số người vào/ra KHÔNG khớp: xem sheet Đối chiếu.",
                          "Households and persons in and out do NOT reconcile: see the reconciliation sheet."))
    # a unit without results is, in a round, a unit without a return: what to add is its return, not a results file
    found = [dataclasses.replace(f, params=tuple(sorted({**dict(f.params), "remedy": MISSING_RUN[0],
                                                          "remedy_en": MISSING_RUN[1]}.items())))
             if f.code == "merge-unit-missing" else f for f in final.findings]
    return final.results, level, unit, notes, found


README_TITLE = ("KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO — do hgn lập",
                "RESULTS OF THE REVIEW OF POOR AND NEAR-POOR HOUSEHOLDS — made by hgn")
_README_WHERE = (  # (path, Vietnamese, English): what README.txt says is where
    ("phat_hien.xlsx", "mọi lỗi, cảnh báo của các biểu rà soát (lọc theo tệp, mã lỗi)",
     "every error and warning in the returns (filter by file, code)"),
    ("phat_hien_ban_sao/", "bản sao của từng biểu có lỗi, cảnh báo, các ô cần sửa được tô màu và ghi chú: gửi lại "
     "cho từng xã (--marked-copies)", "a copy of each return with errors or warnings, the cells to fix marked and "
     "commented: send each commune its own (--marked-copies)"),
    ("bao_cao/bieu_NN.xlsx", "15 biểu mẫu tổng hợp", "the 15 report forms"),
    ("bao_cao/danh_sach_*.xlsx", "danh sách hộ nghèo, cận nghèo kết nối CSDL quốc gia về dân cư (mở bằng Excel); "
     "bản .csv (UTF-8, phân cách bằng dấu phẩy) để nhập vào phần mềm — mở .csv bằng Excel có thể mất số 0 đầu của "
     "số định danh",
     "poor and near-poor persons for the national population database (open it in Excel); the .csv copy (UTF-8, "
     "comma-separated) is for importing into software — opened in Excel, a .csv may lose the IDs' leading zero"),
    ("bao_cao/report.html", "trang tóm tắt, mở bằng trình duyệt, in được", "summary page: open it in a browser, printable"),
    ("ket_qua/", "kết quả từng hộ, từng người (Parquet) cho các chương trình khác",
     "each household's and person's results (Parquet) for other programs"),
    ("so_xa/", "sổ kết quả phân loại của từng xã, để gửi lại cho xã",
     "each commune's classified workbook, to send back to it"),
    (".hgn-cache/", "bộ nhớ đệm để chạy lại nhanh; có thể xóa. Chứa dữ liệu cá nhân của các biểu (họ tên, số định "
     "danh): giữ và xóa như chính các biểu rà soát, không gửi đi",
     "cache that makes the next run fast; may be deleted. It holds the returns' personal data (names, IDs): keep and "
     "delete it as the returns themselves, never send it on"),
)


_README_OPTIONAL = {"so_xa/": "so_xa", "phat_hien_ban_sao/": "ban_sao"}  # said only when the run wrote them


def _write_readme(o: RunOutcome, folder: Path | None = None, lang: str = "vi") -> None:
    """README.txt in OUT_DIR: what the round was and what is where, in the language of the run (``--lang``)."""
    from hgn_review.io.write import write_text_atomic
    from hgn_review.registry import scope
    from hgn_review.text import count_text, counted

    where = scope(o.level, o.unit, o.results.meta.get("unit_name"), lang)
    households, persons = o.counted()
    rows_hh, rows_mm = len(o.results.households), len(o.results.members)
    en = lang == "en"
    read = "" if (rows_hh, rows_mm) == (households, persons) else (
        f" (as form 01 counts them; rows read: {rows_hh:,} households, {rows_mm:,} members)" if en else
        f" (như biểu 01; số dòng đã đọc: {count_text(rows_hh)} dòng hộ, {count_text(rows_mm)} dòng thành viên)")
    copies = (f", {o.copies} {'copy' if o.copies == 1 else 'copies'} of another return" if en
              else f", {o.copies} tệp là bản sao của tệp khác") \
        if o.copies else ""
    if en:
        lines = [README_TITLE[1], f"Run on: {dt.datetime.now():%d/%m/%Y %H:%M}; hgn version {__version__}",
                 f"Merged level: {where}; {counted(o.files, 'return')} ({o.processed} read now, {o.cached} taken from "
                 f"the last run{copies}).", f"Households: {households:,}; persons: {persons:,}{read}.", "",
                 "What is where:"]
    else:
        lines = [README_TITLE[0], f"Ngày chạy: {dt.datetime.now():%d/%m/%Y %H:%M}; phiên bản hgn {__version__}",
                 f"Cấp tổng hợp: {where}; {o.files} tệp biểu rà soát ({o.processed} tệp đọc mới, {o.cached} tệp lấy "
                 f"lại từ lần chạy trước{copies}).", f"Số hộ: {count_text(households)}; số người: {count_text(persons)}{read}.", "",
                 "Có gì ở đâu:"]
    lines += [f"  {path:<26}{said[1] if en else said[0]}" for path, *said in _README_WHERE
              if path not in _README_OPTIONAL or _README_OPTIONAL[path] in o.outputs]
    heading = "Notes:" if en else "Lưu ý:"
    if o.notes:
        lines += ["", heading] + [f"  - {say(n, lang)}" for n in o.notes]
    write_text_atomic((folder or o.out_dir) / "README.txt", "\n".join(lines) + "\n")
