"""Reading the inputs of a merge: results workbooks (or Parquet folders) of communes and districts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from hgn_review.errors import InputError, UsageError
from hgn_review.io.results import SHEET_RECON, Results, read_results
from hgn_review.merge.tables import TOTAL

COMMUNE_KIND, DISTRICT_KIND = "commune", "district"
_COMMUNE_LEVELS = {"", "commune", "xa", "xã"}
_RUN_TIME_KEYS = ("run_time", "run_started", "created_at", "generated_at")
_HINT_RESULTS_VI = ("Gộp các tệp do `hgn classify` (kết quả của xã) hoặc `hgn merge --level district` "
                    "(kết quả của huyện) ghi ra; biểu rà soát của xã cần chạy `hgn classify` trước.")
_HINT_RESULTS_EN = ("Merge files written by `hgn classify` (commune results) or `hgn merge --level district` "
                    "(district results); run `hgn classify` on a commune return first.")


@dataclass
class Input:
    """One input of a merge, read and described."""

    path: Path
    label: str
    sha256: str
    res: Results
    kind: str  # 'commune' | 'district'
    review_date: date | None
    as_of: date  # the date whose unit list applies to this input
    units: list[str]  # commune codes this input covers
    declared_unit: str | None  # commune inputs: the commune the file declares; district inputs: the district
    standard: str
    standard_sha256: str
    tool_version: str
    run_time: datetime | None
    unit_sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # district inputs: unit -> input entry


def file_sha256(path: Path) -> str:
    """SHA-256 of a file; for a Parquet folder, of its data files and meta.json in name order."""
    h = hashlib.sha256()
    if path.is_dir():
        for name in ("households.parquet", "members.parquet", "meta.json"):
            p = path / name
            if p.exists():
                h.update(name.encode())
                h.update(p.read_bytes())
        return h.hexdigest()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def parse_date(value: Any) -> date | None:
    """A date from meta: ISO text (with or without a time), dd/mm/yyyy, a date or datetime; None if absent."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    return None


def parse_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    try:
        ts = pd.Timestamp(str(value).strip())
    except (ValueError, TypeError):
        return None
    if pd.isna(ts):
        return None
    out: datetime = ts.to_pydatetime()
    return out.replace(tzinfo=None) if out.tzinfo is None else out


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def _refuse(label: str, vi: str, en: str, hint_vi: str = _HINT_RESULTS_VI, hint_en: str = _HINT_RESULTS_EN) -> InputError:
    return InputError(f"{label}: {vi}", hint=hint_vi, message_en=f"{label}: {en}", hint_en=hint_en)


def read_input(path: Path, as_of: date | None) -> Input:
    """Read one input and work out what it is; an InputError naming the file when it cannot be merged."""
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise UsageError(f"Không tìm thấy tệp {label}.", hint="Kiểm tra đường dẫn.",
                         message_en=f"File not found: {label}.", hint_en="Check the path.")
    try:
        res = read_results(path)
    except InputError as exc:
        raise InputError(exc.message, hint=_HINT_RESULTS_VI, message_en=exc.message_en,
                         hint_en=_HINT_RESULTS_EN) from exc
    meta = res.meta
    level = _text(meta.get("level")).lower()
    hh = res.households
    if level in _COMMUNE_LEVELS:
        kind = COMMUNE_KIND
    elif level == DISTRICT_KIND:
        kind = DISTRICT_KIND
    elif level == "province":
        raise _refuse(label, "là kết quả gộp cấp tỉnh; không gộp tiếp được.",
                      "is a province merge; it cannot be merged further.")
    else:
        raise _refuse(label, f"cấp \"{level}\" trong sheet Thông tin không phải xã hay huyện.",
                      f"level \"{level}\" in the metadata is neither commune nor district.")
    if "phan_loai" not in hh.columns or "ma_ho" not in hh.columns:
        raise _refuse(label, "không có cột Phân loại của hộ: đây không phải kết quả phân loại.",
                      "has no household class column: it is not a classification result.")
    review = parse_date(meta.get("review_date"))
    when = as_of or review
    if when is None:
        raise UsageError(f"{label}: không ghi ngày rà soát (review_date), nên không biết dùng danh mục đơn vị "
                         "hành chính nào.", hint="Ghi rõ ngày bằng --as-of, ví dụ --as-of 01/10/2024.",
                         message_en=f"{label}: no review date recorded, so the unit list to use is unknown.",
                         hint_en="Give the date with --as-of, e.g. --as-of 01/10/2024.")
    declared = _text(meta.get("unit"))
    unit_sources: dict[str, dict[str, Any]] = {}
    if kind == COMMUNE_KIND:
        if not re.fullmatch(r"\d{5}", declared):
            declared = ""  # not one commune (e.g. a batch of several): each household's own code decides
        if declared:
            units = [declared]
        else:
            codes = hh["ma_xa"] if "ma_xa" in hh.columns else pd.Series([], dtype="string")
            no_code = codes.isna() | (codes.astype("string").str.strip() == "")
            if no_code.any():
                rows = _rows(hh[no_code.to_numpy()])
                raise _refuse(label, f"tệp không ghi đơn vị và có hộ không có mã xã ({rows}): không biết tính hộ "
                              "vào xã nào.", f"the file records no unit and has households without a commune code "
                              f"({rows}): their commune is unknown.",
                              "Sửa mã xã của các hộ này rồi chạy lại `hgn classify`.",
                              "Fix these households' commune codes and run `hgn classify` again.")
            units = sorted(set(codes.astype("string").str.strip().unique().tolist())
                           | {str(u) for u in (meta.get("units") or []) if isinstance(meta.get("units"), list)})
            if not units:
                raise _refuse(label, "không có hộ nào và không ghi đơn vị: không biết đây là kết quả của xã nào.",
                              "has no households and records no unit: its commune is unknown.")
            bad = [u for u in units if not re.fullmatch(r"\d{5}", u)]
            if bad:
                raise _refuse(label, f"mã xã {', '.join(bad)} không phải 5 chữ số.", f"commune codes {', '.join(bad)} are not 5 digits.")
    else:
        if not re.fullmatch(r"\d{3}", declared):
            raise _refuse(label, f"kết quả gộp cấp huyện nhưng đơn vị \"{declared}\" không phải mã huyện 3 chữ số.",
                          f"a district merge whose unit \"{declared}\" is not a 3-digit district code.")
        entries = meta.get("inputs")
        units_set: set[str] = set()
        if isinstance(entries, list):
            for e in entries:
                if isinstance(e, dict):
                    for u in e.get("units") or []:
                        units_set.add(str(u))
                        unit_sources[str(u)] = e
        if "unit" in hh.columns:
            units_set.update(hh["unit"].dropna().astype(str).unique().tolist())
        units = sorted(units_set)
    return Input(path=path, label=label, sha256=file_sha256(path), res=res, kind=kind, review_date=review,
                 as_of=when, units=units, declared_unit=declared or None,
                 standard=_text(meta.get("standard")), standard_sha256=_text(meta.get("standard_sha256")),
                 # a district merge compares by the version that classified its communes, not the merging one
                 tool_version=_text(meta.get("source_tool_version") if kind == DISTRICT_KIND
                                    and meta.get("source_tool_version") else meta.get("tool_version")),
                 run_time=next((t for t in (parse_datetime(meta.get(k)) for k in _RUN_TIME_KEYS) if t), None),
                 unit_sources=unit_sources)


def _rows(df: pd.DataFrame, limit: int = 5) -> str:
    if "row" in df.columns:
        vals = [str(v) for v in df["row"].head(limit).tolist()]
        more = f" … (+{len(df) - limit})" if len(df) > limit else ""
        return "dòng " + ", ".join(vals) + more
    return f"{len(df)} hộ"


def declared_counts(inp: Input) -> pd.DataFrame | None:
    """A district input's own out-counts from its reconciliation sheet: unit, phan_loai, households, persons."""
    recon = inp.res.extra_sheets.get(SHEET_RECON)
    need = {"don_vi", "phan_loai", "ho_ra", "nhan_khau_ra"}
    if recon is None or recon.empty or not need <= set(recon.columns):
        return None
    rows = recon[recon["don_vi"].astype("string").str.fullmatch(r"\d{5}").fillna(False).to_numpy(dtype=bool)
                 & (recon["phan_loai"].astype("string") != TOTAL).fillna(True).to_numpy(dtype=bool)]
    return pd.DataFrame({
        "unit": rows["don_vi"].astype("string").to_numpy(),
        "phan_loai": rows["phan_loai"].astype("string").to_numpy(),
        "households": pd.to_numeric(rows["ho_ra"], errors="coerce").astype("Int64").to_numpy(),
        "persons": pd.to_numeric(rows["nhan_khau_ra"], errors="coerce").astype("Int64").to_numpy(),
    })
