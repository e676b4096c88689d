"""`generate_sample`: synthetic commune returns of a real province, with a manifest of the ground truth."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hgn_review.errors import UsageError
from hgn_review.registry import Unit, get_registry
from hgn_review.sample.inject import (
    KINDS_APP,
    KINDS_HGN,
    NEEDS_PREVIOUS_FILE,
    ONCE_PER_FILE,
    Context,
    Injector,
)
from hgn_review.sample.names import ascii_name
from hgn_review.sample.population import (
    BOUNDARY_MIN_HOUSEHOLDS,
    Commune,
    id_numbers,
    id_prefixes,
    make_commune,
    review_date_default,
)
from hgn_review.sample.rules import Rules
from hgn_review.sample.sheets import Sheet, cells, write_workbook
from hgn_review.schemas.layout import INDICATORS, load_layout

LAYOUTS = ("hgn", "app")
MANIFEST = "manifest.json"
TEMPLATE_TAG = "hgn v1"
APP_SHEET = "Data"
APP_QUICK_REVIEW = "Rà soát phiếu B"


@dataclass
class Manifest:
    """What was generated and what it means: per file counts, per household truth, every injected problem."""

    province: str
    year: int
    layout: str
    seed: int
    files: list[dict[str, Any]] = field(default_factory=list)
    households: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    boundary: dict[str, str] = field(default_factory=dict)
    standard: str = ""
    as_of: str = ""
    error_rate: float = 0.0
    path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"province": self.province, "year": self.year, "layout": self.layout, "seed": self.seed,
                "standard": self.standard, "as_of": self.as_of, "error_rate": self.error_rate,
                "files": self.files, "households": self.households, "errors": self.errors,
                "boundary": self.boundary}

    def write(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
        self.path = path

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        p = Path(path)
        if p.is_dir():
            p = p / MANIFEST
        d = json.loads(p.read_text(encoding="utf-8"))
        return cls(province=d["province"], year=int(d["year"]), layout=d["layout"], seed=int(d["seed"]),
                   files=d.get("files", []), households=d.get("households", {}), errors=d.get("errors", []),
                   boundary=d.get("boundary", {}), standard=d.get("standard", ""), as_of=d.get("as_of", ""),
                   error_rate=float(d.get("error_rate", 0.0)), path=p)


def _count(communes: int | str | None) -> int | None:
    if communes is None:
        return None
    if isinstance(communes, str):
        if communes.strip().lower() in ("all", "tat ca", "tất cả", "0", ""):
            return None
        communes = int(communes)
    if communes < 0:
        raise UsageError("Số xã phải ≥ 0 (0 = tất cả).", message_en="The number of communes must be ≥ 0 (0 = all).")
    return None if communes == 0 else int(communes)


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def plan_sample(province: str = "30", communes: int | str | None = 5, *, year: int = 2024,
                as_of: date | str | None = None, district: str | None = None) -> list[Unit]:
    """The communes a sample will cover: the first ``communes`` in code order of the province (or of
    ``district``) in the registry for ``as_of`` (default 1 October of ``year``); 0 or 'all' = every one."""
    when = _as_date(as_of) if as_of is not None else review_date_default(year)
    reg = get_registry()
    parent = str(district).strip() if district else str(province).strip()
    units = sorted(reg.communes_of(parent, when), key=lambda u: u.code)
    if not units:
        what = f"huyện {district}" if district else f"tỉnh {province}"
        raise UsageError(f"Không có xã nào của {what} trong danh mục ngày {when:%d/%m/%Y}.",
                         hint="Kiểm tra mã tỉnh/huyện và năm rà soát (từ 01/7/2025 không còn cấp huyện, tỉnh đã sáp nhập).",
                         message_en=f"No communes of {'district ' + str(district) if district else 'province ' + str(province)} "
                                    f"in the unit list of {when:%Y-%m-%d}.",
                         hint_en="Check the province/district code and the review year (no districts from 1/7/2025).")
    if district and province and units[0].province_code != str(province).strip():
        raise UsageError(f"Huyện {district} không thuộc tỉnh {province}.",
                         hint=f"Ghi mã huyện 3 chữ số của tỉnh {province}, hoặc --province của huyện đó.",
                         message_en=f"District {district} is not in province {province}.",
                         hint_en=f"Give a 3-digit district code of province {province}, or that district's --province.")
    n = _count(communes)
    return units if n is None else units[:n]


def file_name(unit: Unit) -> str:
    return f"{unit.code}_{ascii_name(unit.name)}.xlsx"


# ------------------------------------------------------------------------------------------ sheets
def _hgn_sheets(c: Commune, ids: np.ndarray, recorded_flags: bool) -> dict[str, Sheet]:
    lay = load_layout("hgn")
    hspec, mspec = lay.sheets["households"], lay.sheets["members"]
    hh, mm = c.households, c.members
    hcols = [col for col in hspec.columns if recorded_flags or col.key not in INDICATORS]
    households = Sheet(
        name=str(hspec.name), keys=[col.key for col in hcols], headers=[col.header for col in hcols],
        columns=[cells(hh[col.key]) for col in hcols], widths=[col.width for col in hcols],
        text_keys=frozenset({"ma_ho", "ma_xa"}))
    mvals = {k: mm[k] for k in mm.columns}
    mvals["so_dinh_danh"] = pd.Series(ids, dtype=object)
    members = Sheet(
        name=str(mspec.name), keys=[col.key for col in mspec.columns], headers=[col.header for col in mspec.columns],
        columns=[cells(mvals[col.key]) for col in mspec.columns], widths=[col.width for col in mspec.columns],
        text_keys=frozenset({"ma_ho", "so_dinh_danh"}))
    return {"households": households, "members": members}


def _app_sheets(c: Commune, rules: Rules) -> dict[str, Sheet]:
    spec = load_layout("app").sheets["households"]
    hh = c.households
    n = len(hh)
    vals: dict[str, Any] = {k: hh[k] for k in hh.columns if k in spec.by_key}
    vals["gioi_tinh_chu_ho"] = np.where(hh["head_male"].to_numpy(), "Nam", "Nữ").astype(object)
    vals["dan_toc_tai_cho"] = np.where(hh["ethnic"].to_numpy() != "Kinh", "Có", "Không").astype(object)
    vals["ket_qua_phieu_a"] = np.full(n, APP_QUICK_REVIEW, dtype=object)
    vals["diem_b2"] = hh["deprivation_count"].to_numpy() * rules.b2_points
    vals["phan_loai_ghi"] = hh["class"]
    vals["so_thieu_hut_ghi"] = hh["deprivation_count"]
    vals["ngay_ra_soat"] = pd.to_datetime(hh["ngay_ra_soat"]).dt.strftime("%d/%m/%Y").astype(object)
    sheet = Sheet(name=APP_SHEET, keys=[col.key for col in spec.columns], headers=[col.header for col in spec.columns],
                  columns=[cells(vals[col.key]) for col in spec.columns], widths=[14] * len(spec.columns),
                  text_keys=frozenset({"ma_ho", "ma_xa"}))
    return {"households": sheet}


# ------------------------------------------------------------------------------------------ errors plan
def _mandatory(n_files: int, sizes: list[int], kinds: tuple[str, ...]) -> dict[int, list[str]]:
    """Every kind once, spread over the files that can hold boundary cases and errors."""
    eligible = [i for i in range(n_files) if sizes[i] >= BOUNDARY_MIN_HOUSEHOLDS]
    plan: dict[int, list[str]] = {i: [] for i in range(n_files)}
    if not eligible:
        return plan
    for j, kind in enumerate(kinds):
        target = eligible[j % len(eligible)]
        if kind in NEEDS_PREVIOUS_FILE and target == 0:
            later = [i for i in eligible if i > 0]
            if not later:
                continue
            target = later[j % len(later)]
        plan[target].append(kind)
    return plan


def _extra_kinds(rng: np.random.Generator, kinds: tuple[str, ...], have: list[str], budget: int,
                 first_file: bool) -> list[str]:
    pool = [k for k in kinds if k not in ONCE_PER_FILE and not (first_file and k in NEEDS_PREVIOUS_FILE)]
    extra = max(0, budget - len(have))
    return have + [str(k) for k in rng.choice(pool, size=extra)] if extra else list(have)


# ------------------------------------------------------------------------------------------ main
@dataclass(frozen=True)
class _Job:
    """Everything one file needs: a file is a pure function of its job, so workers may run in any order."""

    index: int
    unit: Unit
    previous_unit: Unit | None
    n_files: int
    households: int
    seed: int
    standard: str
    year: int
    layout: str
    home_prefix: str
    known_prefixes: frozenset[str]
    same_area_codes: tuple[str, ...]
    kinds: tuple[str, ...]
    error_rate: float
    recorded_flags: bool
    out_dir: str
    # the province's communes in code order: a commune's place among them gives its identity numbers their own
    # range, so samples made separately (one district, then another) never share a number
    id_slots: tuple[str, ...] = ()

    def id_slot(self, unit: Unit) -> tuple[int, int]:
        """(slot, slots) of ``unit``'s identity numbers."""
        if unit.code in self.id_slots:
            return self.id_slots.index(unit.code), len(self.id_slots)
        return self.index, self.n_files  # pragma: no cover - every sampled commune is one of its province's


@dataclass
class _FileResult:
    index: int
    entry: dict[str, Any]
    households: dict[str, dict[str, Any]]
    boundary: dict[str, str]
    errors: list[dict[str, Any]]


def _same_standard(standard: str, year: int) -> None:
    """A UsageError unless the reviews of September–November ``year`` fall under ``standard``, the one the
    households are designed under: a manifest whose classes another standard (2027: vn-2027-2030) or none (2019)
    would contradict is never written."""
    from hgn_review.errors import HgnError
    from hgn_review.scoring.standard import load_standard, standard_for_date

    std = load_standard(standard)
    span = f"{std.valid_from.value:%d/%m/%Y}–{std.valid_to.value:%d/%m/%Y}"
    years = f"{std.valid_from.value.year}–{std.valid_to.value.year}"
    for day in (date(year, 9, 1), date(year, 11, 30)):
        try:
            other = standard_for_date(day).id
        except HgnError:
            other = None
        if other != std.id:
            vi = f"thuộc chuẩn {other}" if other else "không thuộc chuẩn nghèo quốc gia nào"
            en = f"fall under {other}" if other else "fall under no national poverty standard"
            raise UsageError(f"hgn sample tạo các hộ theo chuẩn {std.id} ({span}); kỳ rà soát tháng 9–11/{year} {vi}.",
                             hint=f"Chọn --year trong khoảng {years}.",
                             message_en=f"hgn sample designs its households under {std.id} ({span}); the September–"
                                        f"November {year} reviews {en}.",
                             hint_en=f"Pick --year within {years}.")


def generate_sample(out_dir: str | Path, *, province: str = "30", communes: int | str | None = 5,
                    households: int = 300, seed: int = 7, error_rate: float = 0.0, layout: str = "hgn",
                    year: int = 2024, as_of: date | str | None = None, district: str | None = None,
                    recorded_flags: bool = False, standard: str = "vn-2022-2025", workers: int | None = None,
                    progress: Callable[[str, int, int], None] | None = None) -> Manifest:
    """Write one synthetic return per commune into ``out_dir`` and a ``manifest.json`` of the ground truth.

    ``communes``: the first N communes in code order of the province (or ``district``) in the registry for
    ``as_of`` (default 1 October of ``year``); 0 or 'all' = every commune. ``households``: per commune.
    ``error_rate`` > 0 injects about that share of rows/cells with problems (every kind at least once when at
    least three files have 50 households or more). ``workers``: processes writing files in parallel (None: as
    many as there are CPUs for large runs). The same arguments give the same files, byte for byte, whatever
    ``workers`` is.
    """
    if layout not in LAYOUTS:
        raise UsageError(f"Mẫu biểu '{layout}' không hợp lệ.", hint="Dùng 'hgn' hoặc 'app'.",
                         message_en=f"Unknown layout '{layout}'.", hint_en="Use 'hgn' or 'app'.")
    if not 0 <= error_rate < 1:
        raise UsageError("Tỉ lệ lỗi (--error-rate) phải từ 0 đến dưới 1.", hint="Ví dụ --error-rate 0.05.",
                         message_en="The error rate (--error-rate) must be from 0 to under 1.",
                         hint_en="For example --error-rate 0.05.")
    if households < 1:
        raise UsageError("Số hộ mỗi xã (--households) phải ≥ 1.", hint="Ghi một số nguyên từ 1 trở lên.",
                         message_en="The households per commune (--households) must be ≥ 1.",
                         hint_en="Give a whole number, 1 or more.")
    when = _as_date(as_of) if as_of is not None else review_date_default(year)
    reg = get_registry()
    if reg.era(when) != reg.era(date(year, 9, 1)) or reg.era(when) != reg.era(date(year, 11, 30)):
        raise UsageError(f"Ngày danh mục {when:%d/%m/%Y} và kỳ rà soát tháng 9–11/{year} thuộc hai danh mục đơn vị "
                         "hành chính khác nhau (trước/sau 01/7/2025).",
                         hint="Bỏ tham số as_of, hoặc chọn ngày cùng giai đoạn với kỳ rà soát.",
                         message_en=f"The unit-list date {when:%Y-%m-%d} and the September–November {year} review "
                                    "fall under different unit lists (before/after 1/7/2025).",
                         hint_en="Drop as_of, or pick a date in the same era as the review.")
    _same_standard(standard, year)
    units = plan_sample(province, communes, year=year, as_of=when, district=district)
    rules = Rules.from_standard(standard)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    all_units = reg.communes_of(units[0].province_code, when)
    slots = tuple(sorted(x.code for x in all_units))
    known = reg.id_province_prefixes()
    home = "0" + units[0].province_code
    home = home if home in known else sorted(known)[0]
    kinds = KINDS_HGN if layout == "hgn" else KINDS_APP
    n_files = len(units)
    plan = _mandatory(n_files, [households] * n_files, kinds) if error_rate > 0 else {i: [] for i in range(n_files)}
    jobs = [_Job(index=i, unit=u, previous_unit=units[i - 1] if i else None, n_files=n_files, households=households,
                 seed=seed, standard=standard, year=year, layout=layout, home_prefix=home, known_prefixes=known,
                 same_area_codes=tuple(x.code for x in all_units if x.area == u.area and x.code != u.code),
                 kinds=tuple(plan[i]), error_rate=error_rate, recorded_flags=recorded_flags, out_dir=str(out),
                 id_slots=slots)
            for i, u in enumerate(units)]
    if workers is None:
        from hgn_review.validate import workers as pool_size

        workers = pool_size(os.cpu_count() or 1, n_files) if n_files * households >= 20_000 else 1
    results: list[_FileResult] = []
    if workers <= 1 or n_files == 1:
        for job in jobs:
            if progress:
                progress(file_name(job.unit), job.index, n_files)
            results.append(_build_file(job))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_build_file, job) for job in jobs]
            for done, fut in enumerate(as_completed(futures)):
                res = fut.result()
                if progress:
                    progress(res.entry["file"], done, n_files)
                results.append(res)
    results.sort(key=lambda r: r.index)
    manifest = Manifest(province=str(province), year=year, layout=layout, seed=seed, standard=rules.standard_id,
                        as_of=when.isoformat(), error_rate=error_rate)
    for res in results:
        manifest.files.append(res.entry)
        manifest.households.update(res.households)
        manifest.boundary.update(res.boundary)
        manifest.errors.extend(res.errors)
    manifest.errors.sort(key=lambda e: (e["file"], e["sheet"], e["row"], e["column"] or "", e["code"]))
    manifest.write(out / MANIFEST)
    return manifest


def _build_file(job: _Job) -> _FileResult:
    """Design, damage and write one commune's return; return its part of the manifest."""
    rules = _rules(job.standard)
    unit, name = job.unit, file_name(job.unit)
    commune, ids = _commune(job.unit, job)
    hh, mm = commune.households, commune.members
    sheets = _hgn_sheets(commune, ids, job.recorded_flags) if job.layout == "hgn" else _app_sheets(commune, rules)
    todo: list[str] = []
    if job.error_rate > 0:
        kinds = KINDS_HGN if job.layout == "hgn" else KINDS_APP
        rows = len(hh) + (len(mm) if job.layout == "hgn" else 0)
        budget = min(round(job.error_rate * rows), len(hh) // 3)
        todo = _extra_kinds(np.random.default_rng([job.seed, int(unit.code), 3]), kinds, list(job.kinds), budget,
                            job.index == 0)
    previous = None
    if job.previous_unit is not None and NEEDS_PREVIOUS_FILE & set(todo):
        previous = _commune(job.previous_unit, job)
    slot, n_slots = job.id_slot(unit)
    ctx = Context(slot=slot, n_slots=n_slots, year=job.year, home_prefix=job.home_prefix,
                  same_area_codes=list(job.same_area_codes), previous=previous[0] if previous else None,
                  previous_ids=previous[1] if previous else None)
    inj = Injector(commune, sheets, np.random.default_rng([job.seed, int(unit.code), 1]), ctx, layout=job.layout)
    if job.layout == "app":
        inj.app_duplicates()
    inj.run(todo)
    info = [("Mã xã", unit.code), ("Tên xã", unit.name), ("Huyện", unit.district_name),
            ("Tỉnh", unit.province_name), ("Khu vực", commune.area), ("Năm rà soát", job.year),
            ("Mẫu biểu", TEMPLATE_TAG)] if job.layout == "hgn" else None
    write_workbook(Path(job.out_dir) / name, sheets.values(), created=datetime(job.year, 11, 30, 8, 0, 0), info=info,
                   title=f"Rà soát hộ nghèo, hộ cận nghèo năm {job.year} — {unit.name}")
    keys = np.array(INDICATORS)
    flags = hh[list(INDICATORS)].to_numpy(dtype=bool)
    truth = {f"{unit.code}|{ma_ho}": {"class": cls, "deprivations": keys[row].tolist(), "income_basis": basis}
             for ma_ho, cls, basis, row in zip(hh["ma_ho"], hh["class"], hh["income_basis"], flags, strict=True)}
    boundary = {f"{unit.code}|{hh['ma_ho'].iat[h]}": kind for h, kind in sorted(commune.boundary.items())}
    errors = []
    for ref in inj.refs:
        sheet, row, column = ref.location()
        errors.append({"file": name, "sheet": sheet, "row": row, "column": column, "code": ref.code})
    entry = {"file": name, "ma_xa": unit.code, "households": len(hh), "members": len(mm) if job.layout == "hgn" else 0}
    return _FileResult(job.index, entry, truth, boundary, errors)


@cache
def _rules(standard: str) -> Rules:
    return Rules.from_standard(standard)


def _commune(unit: Unit, job: _Job) -> tuple[Commune, np.ndarray]:
    """The clean commune of one file and its members' identity numbers (a pure function of its arguments)."""
    rules = _rules(job.standard)
    rng = np.random.default_rng([job.seed, int(unit.code)])
    commune = make_commune(rng, unit, job.households, rules, job.year, b1_only=job.layout == "app")
    id_rng = np.random.default_rng([job.seed, int(unit.code), 2])
    prefixes = id_prefixes(id_rng, len(commune.members), job.home_prefix, job.known_prefixes)
    ids = id_numbers(commune.members, prefixes, *job.id_slot(unit))
    return commune, ids
