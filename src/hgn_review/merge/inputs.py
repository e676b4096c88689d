"""Reading the inputs of a merge: results workbooks (or Parquet folders) of communes and districts."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hgn_review.errors import InputError, UsageError
from hgn_review.io.results import (
    SHEET_RECON,
    Results,
    read_parquet_frame,
    read_parquet_table,
    read_results,
    results_source,
    table_column,
    table_frame,
    whole_problem,
)
from hgn_review.merge.tables import TOTAL

if TYPE_CHECKING:
    import pyarrow as pa

COMMUNE_KIND, DISTRICT_KIND = "commune", "district"
_COMMUNE_LEVELS = {"", "commune", "xa", "xã"}
_RUN_TIME_KEYS = ("run_time", "run_started", "created_at", "generated_at")
_HINT_RESULTS_VI = ("Gộp các tệp do `hgn classify` (kết quả của xã) hoặc `hgn merge --level district` "
                    "(kết quả của huyện) ghi ra; biểu rà soát của xã cần chạy `hgn classify` trước.")
_HINT_RESULTS_EN = ("Merge files written by `hgn classify` (commune results) or `hgn merge --level district` "
                    "(district results); run `hgn classify` on a commune return first.")
_HINT_COPY_VI = "Chép lại tệp/thư mục kết quả từ nơi gửi, hoặc chạy lại hgn classify cho xã đó."
_HINT_COPY_EN = "Copy the results again, or run hgn classify for that commune again."
_HASHED = ("households.parquet", "members.parquet", "meta.json")  # what file_sha256 covers in a folder


class Bundle:
    """A Parquet results folder (``write_bundle``) read for a merge: households and members as Arrow tables, so
    many inputs stack without a pandas copy each; the small tables are read when first asked for. Every frame it
    gives is exactly what ``read_bundle`` holds for that table."""

    def __init__(self, folder: Path, households: pa.Table, members: pa.Table | None, extra_names: list[str]) -> None:
        self.folder = folder
        self.households = households
        self.members = members  # None: the folder has no members.parquet
        self.extra_names = extra_names
        self._small: dict[str, pd.DataFrame] = {}
        self.commune_codes: tuple[np.ndarray, list[str | None]] | None = None  # distinct_text(ma_xa, strip=True)

    def _opt(self, name: str) -> pd.DataFrame:
        if name not in self._small:
            f = self.folder / f"{name}.parquet"
            self._small[name] = read_parquet_frame(f) if f.exists() else pd.DataFrame()
        return self._small[name]

    def households_frame(self) -> pd.DataFrame:
        return table_frame(self.households)

    def members_frame(self) -> pd.DataFrame:
        return table_frame(self.members) if self.members is not None else pd.DataFrame()

    def summary(self) -> pd.DataFrame:
        return self._opt("summary")

    def summary_table(self, wanted: Callable[[str], bool] | None = None) -> pa.Table | None:
        """The summary as an Arrow table (None without one), to stack with other inputs' of the same form;
        ``wanted``: which columns to read (all when None)."""
        f = self.folder / "summary.parquet"
        if not f.exists():
            return None
        if wanted is None:
            return read_parquet_table(f)
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(f)
        names = [n for n in pf.schema_arrow.names if wanted(n)]
        return pf.read(columns=names, use_threads=False, use_pandas_metadata=True)

    def findings(self) -> pd.DataFrame:
        return self._opt("findings")

    def has_findings(self) -> bool:
        """Whether ``findings()`` has rows, from the file's footer (the usual empty table is not read)."""
        f = self.folder / "findings.parquet"
        if "findings" in self._small or not f.exists():
            return not self._opt("findings").empty
        import pyarrow.parquet as pq

        return bool(pq.read_metadata(f).num_rows) and not self._opt("findings").empty

    def extra(self, sheet: str) -> pd.DataFrame | None:
        if sheet not in self.extra_names:
            return None
        return self._opt(f"extra_{self.extra_names.index(sheet)}")

    def column(self, table: pa.Table, name: str) -> pd.Series:
        """One column of ``table`` as ``frame`` would have it."""
        return table_column(table, name)

    def columns(self, table: pa.Table) -> list[str]:
        """The columns of ``table`` as ``frame`` would have them (index columns are not columns)."""
        index = set(_index_columns(table))
        return [c for c in table.column_names if c not in index]


def arrow_strings() -> bool:
    """Whether pandas keeps "string" in Arrow, so that its ``str.strip()`` is Arrow's ``utf8_trim_whitespace``."""
    return bool(getattr(pd.StringDtype(), "storage", "") == "pyarrow")


def distinct_text(values: pa.ChunkedArray | pd.Series, strip: bool) -> tuple[np.ndarray, list[str | None]]:
    """(number of each row's value, -1 for NA; the distinct values as "string" gives them, None for NA), with
    ``strip`` as ``text`` gives them. An Arrow text column is numbered and stripped by Arrow itself (the same
    functions pandas calls for Arrow-backed text), anything else by pandas."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray) and arrow_strings():
        enc = pc.dictionary_encode(values.combine_chunks())
        inverse = pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy()
        d = enc.dictionary.cast(pa.large_string())
        if strip:
            d = pc.utf8_trim_whitespace(d)
            d = pc.if_else(pc.equal(d, ""), pa.scalar(None, pa.large_string()), d)
        return inverse, d.to_pylist()
    series = values if isinstance(values, pd.Series) else pd.Series(pd.StringDtype().__from_arrow__(values))
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniq = pd.Series(uniques).astype("string")
    if strip:
        uniq = uniq.str.strip()
        uniq = uniq.mask(uniq == "")
    return np.asarray(codes, dtype="int64"), [None if v is pd.NA else str(v) for v in uniq]


def _index_columns(table: pa.Table) -> list[str]:
    """The columns the file's pandas metadata makes the index (each distinct metadata parsed once)."""
    return list(_index_columns_of((table.schema.metadata or {}).get(b"pandas", b"")))


@lru_cache(maxsize=64)
def _index_columns_of(raw: bytes) -> tuple[str, ...]:
    meta = json.loads(raw) if raw else {}
    return tuple(c for c in meta.get("index_columns", []) if isinstance(c, str))


@dataclass
class Input:
    """One input of a merge, read and described. Its rows: ``households()`` / ``members()`` (pandas), or for a
    Parquet folder ``bundle`` (Arrow tables)."""

    path: Path
    label: str
    sha256: str
    meta: dict[str, Any]
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
    local_standard: str = ""  # the local standard's id and SHA-256 (a province's own lines), "" when none
    review_year: int | None = None  # the round's year: most of its households' (the latest date's year if unknown)
    result_sha256: str = ""  # the classified result's own content when ``sha256`` names the return it came from
    workbook: Results | None = None  # a results workbook, read whole
    bundle: Bundle | None = None  # a Parquet folder

    def households(self) -> pd.DataFrame:
        return self.bundle.households_frame() if self.bundle is not None else self._res().households

    def members(self) -> pd.DataFrame:
        return self.bundle.members_frame() if self.bundle is not None else self._res().members

    def summary(self) -> pd.DataFrame:
        return self.bundle.summary() if self.bundle is not None else self._res().summary

    def findings(self) -> pd.DataFrame:
        return self.bundle.findings() if self.bundle is not None else self._res().findings

    def has_findings(self) -> bool:
        return self.bundle.has_findings() if self.bundle is not None else not self._res().findings.empty

    def extra(self, sheet: str) -> pd.DataFrame | None:
        return self.bundle.extra(sheet) if self.bundle is not None else self._res().extra_sheets.get(sheet)

    def release(self) -> None:
        """Drop the rows once they are stacked (the merge holds them from then on): nothing reads them after."""
        if self.bundle is not None:
            import pyarrow as pa

            self.bundle.households = self.bundle.members = pa.table({})

    def _res(self) -> Results:
        assert self.workbook is not None
        return self.workbook


def file_sha256(path: Path) -> str:
    """SHA-256 of a file; for a Parquet folder, of its data files and meta.json in name order."""
    h = hashlib.sha256()
    if path.is_dir():
        for name in _HASHED:
            p = path / name
            if p.exists():
                h.update(name.encode())
                h.update(p.read_bytes())
        return h.hexdigest()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_bundle(path: Path) -> tuple[str, dict[str, Any], Bundle]:
    """A Parquet folder read once: its SHA-256 (as file_sha256), meta (as read_bundle) and the bundle, each file's
    bytes hashed and parsed from the same read."""
    h = hashlib.sha256()
    data: dict[str, bytes] = {}
    for name in _HASHED:
        p = path / name
        if p.exists():
            data[name] = p.read_bytes()
            h.update(name.encode())
            h.update(data[name])
    meta = json.loads(data["meta.json"].decode("utf-8")) if "meta.json" in data else {}
    extra_names = meta.pop("extra_sheets", [])
    members = read_parquet_table(data["members.parquet"]) if "members.parquet" in data else None
    bundle = Bundle(path, read_parquet_table(data["households.parquet"]), members, list(extra_names))
    return h.hexdigest(), meta, bundle


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


def text_or_empty(value: Any) -> str:
    """A cell or metadata value as stripped text; "" for None, NaN and NA."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def _refuse(label: str, vi: str, en: str, hint_vi: str = _HINT_RESULTS_VI, hint_en: str = _HINT_RESULTS_EN) -> InputError:
    return InputError(f"{label}: {vi}", hint=hint_vi, message_en=f"{label}: {en}", hint_en=hint_en)


def _cut_short(folder: Path, meta: dict[str, Any]) -> tuple[str, str] | None:
    """(Vietnamese, English) of what a results folder lacks against its meta.json — the file itself, a file it lists,
    a file of another size than written —; None when whole (a folder of an hgn that recorded no sizes: its counts
    are still checked)."""
    if not (folder / "meta.json").is_file():
        return "thiếu tệp meta.json", "meta.json is missing"
    sizes = meta.get("file_sizes")
    if not isinstance(sizes, dict):
        return None
    what = {"households.parquet": ("các dòng hộ", "the household rows"),
            "members.parquet": ("các dòng thành viên", "the member rows"),
            "findings.parquet": ("các phát hiện", "the findings"), "summary.parquet": ("bảng tổng hợp", "the summary")}
    for name, size in sorted(sizes.items()):
        try:
            now = (folder / str(name)).stat().st_size
        except OSError:
            vi, en = what.get(str(name), ("", ""))
            return (f"thiếu tệp {name}" + (f" ({vi})" if vi else ""), f"{name} is missing" + (f" ({en})" if en else ""))
        if now != size:
            return (f"tệp {name} có {now:,} byte, khác {size:,} byte khi ghi".replace(",", "."),
                    f"{name} holds {now:,} bytes, not the {size:,} written")
    return None


def read_input(path: Path, as_of: date | None) -> Input:
    """Read one input and work out what it is; an InputError naming the file when it cannot be merged."""
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise UsageError(f"Không tìm thấy tệp {label}.", hint="Kiểm tra đường dẫn.",
                         message_en=f"File not found: {label}.", hint_en="Check the path.")
    bundle: Bundle | None = None
    workbook: Results | None = None
    path = results_source(path)  # the output folder of `hgn run` stands for its ket_qua/ (read and hashed there)
    if path.is_dir() and (path / "households.parquet").exists():
        import pyarrow as pa

        try:
            sha, meta, bundle = _read_bundle(path)
        except (pa.ArrowException, OSError, ValueError) as exc:  # a file cut short or damaged in copying
            raise _refuse(label, "có tệp bị hỏng hoặc không trọn vẹn (chép dở?), không đọc được.",
                          f"holds a damaged or incomplete file (copied halfway?): {type(exc).__name__}.",
                          _HINT_COPY_VI, _HINT_COPY_EN) from exc
    else:
        try:
            workbook = read_results(path)
        except InputError as exc:
            raise InputError(exc.message, hint=_HINT_RESULTS_VI, message_en=exc.message_en,
                             hint_en=_HINT_RESULTS_EN) from exc
        sha, meta = file_sha256(path), workbook.meta
    if bundle is not None:  # a folder copied halfway: meta.json (written last) missing, or a file of it missing or of
        # another size than written (findings.parquet not copied: the commune's errors would vanish in silence)
        cut = _cut_short(path, meta)
        if cut is not None:
            raise _refuse(label, f"không trọn vẹn: {cut[0]} (chép dở?).", f"is incomplete: {cut[1]} (copied halfway?).",
                          _HINT_COPY_VI, _HINT_COPY_EN)
    # a result that lost part of itself (a members file not copied) is not merged as if whole: the households and
    # members it records (a workbook's are checked by read_results as it is read)
    problem = whole_problem(meta, bundle.households.num_rows,
                            bundle.members.num_rows if bundle.members is not None else 0) if bundle is not None else None
    if problem is not None:
        raise _refuse(label, f"không trọn vẹn: {problem[0]}.", f"is incomplete: it {problem[1]}.",
                      _HINT_COPY_VI, _HINT_COPY_EN)
    if bundle is not None:
        hh_columns = bundle.columns(bundle.households)

        def hh_column(name: str) -> pd.Series:
            return bundle.column(bundle.households, name)

        def hh_frame() -> pd.DataFrame:
            return bundle.households_frame()

        def hh_values(name: str) -> pa.ChunkedArray | pd.Series:
            import pyarrow as pa

            col = bundle.households.column(name)
            text_type = pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
            return col if text_type and not _index_columns(bundle.households) else hh_column(name)
    else:
        assert workbook is not None
        hh_columns = list(workbook.households.columns)

        def hh_column(name: str) -> pd.Series:
            return workbook.households[name]

        def hh_frame() -> pd.DataFrame:
            return workbook.households

        def hh_values(name: str) -> pa.ChunkedArray | pd.Series:
            return workbook.households[name]
    level = text_or_empty(meta.get("level")).lower()
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
    if "phan_loai" not in hh_columns or "ma_ho" not in hh_columns:
        raise _refuse(label, "không có cột Phân loại của hộ: đây không phải kết quả phân loại.",
                      "has no household class column: it is not a classification result.")
    review = parse_date(meta.get("review_date"))
    when = as_of or review
    if when is None:
        raise UsageError(f"{label}: không ghi ngày rà soát (review_date), nên không biết dùng danh mục đơn vị "
                         "hành chính nào.", hint="Ghi rõ ngày bằng --as-of, ví dụ --as-of 01/10/2024.",
                         message_en=f"{label}: no review date recorded, so the unit list to use is unknown.",
                         hint_en="Give the date with --as-of, e.g. --as-of 01/10/2024.")
    declared = text_or_empty(meta.get("unit"))
    unit_sources: dict[str, dict[str, Any]] = {}
    if kind == COMMUNE_KIND:
        if not re.fullmatch(r"\d{5}", declared):
            declared = ""  # not one commune (e.g. a batch of several): each household's own code decides
        if declared:
            units = [declared]
        else:
            # each distinct code looked at once: NA or blank has no commune
            inverse, found = distinct_text(hh_values("ma_xa"), strip=True) if "ma_xa" in hh_columns else (
                np.zeros(0, dtype="int64"), [])
            if bundle is not None and "ma_xa" in hh_columns:
                bundle.commune_codes = (inverse, found)  # stacking places the households by them again
            no_code = np.array([v is None for v in found] + [True], dtype=bool)[inverse]
            if no_code.any():
                rows = _rows(hh_frame()[no_code])
                raise _refuse(label, f"tệp không ghi đơn vị và có hộ không có mã xã ({rows}): không biết tính hộ "
                              "vào xã nào.", f"the file records no unit and has households without a commune code "
                              f"({rows}): their commune is unknown.",
                              "Sửa mã xã của các hộ này rồi chạy lại `hgn classify`.",
                              "Fix these households' commune codes and run `hgn classify` again.")
            units = sorted({v for v in found if v is not None}
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
        if "unit" in hh_columns:
            values = hh_values("unit")
            if isinstance(values, pd.Series):
                units_set.update(values.dropna().astype(str).unique().tolist())
            else:  # Arrow text: its distinct values
                units_set.update(v for v in distinct_text(values, strip=False)[1] if v is not None)
        units = sorted(units_set)
    said_year = meta.get("review_year")
    year = said_year if isinstance(said_year, int) and not isinstance(said_year, bool) else \
        (review.year if review else None)
    return Input(path=path, label=label, sha256=sha, meta=meta, kind=kind, review_date=review, review_year=year,
                 as_of=when, units=units, declared_unit=declared or None,
                 standard=text_or_empty(meta.get("standard")), standard_sha256=text_or_empty(meta.get("standard_sha256")),
                 local_standard=" ".join(x for x in (text_or_empty(meta.get("local_standard")),
                                                     text_or_empty(meta.get("local_standard_sha256"))[:12]) if x),
                 # a district merge compares by the version that classified its communes, not the merging one
                 tool_version=text_or_empty(meta.get("source_tool_version") if kind == DISTRICT_KIND
                                    and meta.get("source_tool_version") else meta.get("tool_version")),
                 run_time=next((t for t in (parse_datetime(meta.get(k)) for k in _RUN_TIME_KEYS) if t), None),
                 unit_sources=unit_sources, workbook=workbook, bundle=bundle)


def _rows(df: pd.DataFrame, limit: int = 5) -> str:
    if "row" in df.columns:
        vals = [str(v) for v in df["row"].head(limit).tolist()]
        more = f" … (+{len(df) - limit})" if len(df) > limit else ""
        return "dòng " + ", ".join(vals) + more
    return f"{len(df)} hộ"


def declared_counts(inp: Input) -> pd.DataFrame | None:
    """A district input's own out-counts from its reconciliation sheet: unit, phan_loai, households, persons."""
    recon = inp.extra(SHEET_RECON)
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
