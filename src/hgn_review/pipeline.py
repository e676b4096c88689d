"""The chain as library calls: validate → classify (→ merge → report in `run_round`)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hgn_review import __version__
from hgn_review.errors import InputError, UsageError
from hgn_review.findings import Report
from hgn_review.io.results import Results, findings_frame, read_results
from hgn_review.io.safety import Limits
from hgn_review.scoring.af import AFResult
from hgn_review.scoring.classify import Classification, classify
from hgn_review.scoring.standard import Standard, load_standard, standard_for_date
from hgn_review.text import header_key
from hgn_review.validate import ValidationResult, validate_paths

AF_COLUMNS = ("H", "A", "M0")


@dataclass
class ClassifyRun:
    validation: ValidationResult
    classification: Classification
    results: Results
    standard: Standard
    report: Report

    def summary_json(self) -> dict[str, Any]:
        hh = self.results.households
        by_class = hh["phan_loai"].value_counts().to_dict() if len(hh) else {}
        return {"households": int(len(hh)), "members": int(len(self.results.members)),
                "by_class": {str(k): int(v) for k, v in sorted(by_class.items())},
                "by_movement": {str(k): int(v) for k, v in sorted(hh["dien_bien"].value_counts().to_dict().items())}
                if "dien_bien" in hh else {},
                "standard": self.standard.id, "local_standard": self.classification.local.id
                if self.classification.local else None,
                "findings": self.report.counts(), "findings_by_code": self.report.by_code()}


def pick_standard(households: pd.DataFrame, standard: str | None) -> Standard:
    """The standard named, else the national standard in force on the latest review date of the batch."""
    if standard:
        return load_standard(standard)
    dates = households["ngay_ra_soat"].dropna() if "ngay_ra_soat" in households else pd.Series(dtype="datetime64[ns]")
    if dates.empty:
        raise UsageError("Không xác định được chuẩn nghèo: không có ngày rà soát hợp lệ nào.",
                         hint="Ghi \"Ngày rà soát\" cho các hộ, hoặc chọn chuẩn bằng --standard vn-2022-2025.",
                         message_en="Cannot choose a standard: no valid review date.",
                         hint_en="Fill in the review dates or pass --standard.")
    return standard_for_date(dates.max())


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
    """A start-of-period list: an hgn results file, or any table with Mã xã / Mã hộ / Phân loại columns."""
    try:
        res = read_results(path)
        return res.households
    except InputError:
        pass
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        df = reader.load_sheet(0, dtypes="string").to_pandas()
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"Không đọc được danh sách đầu kỳ {path}: {str(exc)[:150]}",
                         hint="Dùng tệp kết quả hgn của kỳ trước, hoặc bảng có các cột Mã xã, Mã hộ, Phân loại.",
                         message_en=f"Cannot read the start-of-period list {path}") from exc
    wanted = {"ma xa": "ma_xa", "ma ho": "ma_ho", "phan loai": "phan_loai", "so dinh danh chu ho": "so_dinh_danh_chu_ho"}
    df = df.rename(columns={c: wanted.get(header_key(c), c) for c in df.columns})
    missing = {"ma_ho", "phan_loai"} - set(df.columns)
    if missing:
        raise InputError(f"Danh sách đầu kỳ {path} thiếu cột: {', '.join(sorted(missing))}.",
                         hint="Cần các cột Mã xã, Mã hộ, Phân loại.", message_en=f"{path} lacks columns {missing}")
    return df


def classify_validated(val: ValidationResult, *, standard: str | None = None, local: str | None = None,
                       previous: pd.DataFrame | None = None, history: Sequence[pd.DataFrame] = (),
                       prefer: str = "recorded", started: float | None = None) -> ClassifyRun:
    """Classify what validation produced and package it as a results bundle."""
    started = started if started is not None else time.time()
    std = pick_standard(val.households, standard)
    cls = classify(val.households, val.members, std, local=local, prefer=prefer, previous=previous,
                   history=list(history))
    report = Report(findings=list(val.report.findings) + list(cls.findings), files=val.report.files)
    summary = cls.summary
    af = _af_rows(cls.af, std)
    if len(af) and "ma_xa" in summary:
        summary = summary.merge(af.rename(columns={"unit": "ma_xa"}), on="ma_xa", how="left")
    meta: dict[str, Any] = {
        "tool": "hgn", "tool_version": __version__, "stage": "classify", "level": "commune",
        "standard": std.id, "standard_sha256": std.sha256,
        "local_standard": cls.local.id if cls.local else None,
        "review_date": _review_date(val.households),
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
    val = validate_paths(list(paths), layout=layout, as_of=as_of, limits=limits, progress=progress)
    prev = load_status_list(previous) if previous else None
    hist = [load_status_list(p) for p in history]
    return classify_validated(val, standard=standard, local=local, previous=prev, history=hist, prefer=prefer,
                              started=started)


def _review_date(households: pd.DataFrame) -> str | None:
    d = households["ngay_ra_soat"].dropna() if "ngay_ra_soat" in households else pd.Series(dtype="datetime64[ns]")
    return None if d.empty else d.max().date().isoformat()
