"""The report's data, built once from a classified results bundle and rendered to Excel forms and to HTML.

Every figure is a *count* per row unit (commune, district or village), computed with one groupby over the
household table. Rates are never stored: the renderers compute them from the counts of each row, and the
total row's counts are the sums of the rows' counts.

Count names (the vocabulary of the form definitions, see reports/forms/*.yaml):

- `hh`, `pp`: households present at the end of the period, and their persons;
- `{cls}_{attr}` for cls in `all` (every household present), `poor`, `near`, `avg` (NLNDN average living
  standard), `nonpoor`, `unknown` (not classifiable) and attr in: `hh`, `pp`, `kinh`, `minority`, `eth_unknown`,
  `eth_{slug}` (one per ethnic group present), `merit`, `no_labour`, `female_head`, `other_group`,
  `dep_total` (sum of deprivation counts), `dep_unknown` (households with an undetermined indicator), one per
  indicator key (`th_viec_lam` …), `cause_{slug}` (one per cause of poverty), `child`, `child_no_bhyt`,
  `child_malnourished`, `child_out_of_school`, `minority_pp`;
- `poor_start`, `near_start`: households on the managed list at the start of the period;
- `mv_{key}` for each movement key of reports/_movements.py, and `poor_dec`, `poor_inc`, `near_dec`,
  `near_inc` (their sums).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from hgn_review.errors import InputError, Note, UsageError
from hgn_review.io.results import SHEET_COVERAGE, SHEET_PENDING, Results, labels
from hgn_review.registry import AFTER, COMMUNE, DISTRICT, PROVINCE, REFORM_DATE, Unit, get_registry
from hgn_review.reports import _movements as mv
from hgn_review.reports._lookup import map_str, positions
from hgn_review.reports.formdef import (
    AVG_UNKNOWN,
    CAUSES_UNKNOWN,
    CHILD_AGE_UNKNOWN,
    CHILD_BHYT_UNKNOWN,
    CHILD_NUTRITION_UNKNOWN,
    CHILD_SCHOOL_UNKNOWN,
    DEP_UNKNOWN,
    HEAD_SEX_UNKNOWN,
    MEMBERS_UNKNOWN,
    MERIT_UNKNOWN,
    NOT_COUNTED,
    OTHER_UNKNOWN,
    SIZE_UNKNOWN,
    UNKNOWN_OF,
    UNKNOWN_OF_CLASS,
    among,
)
from hgn_review.schemas.layout import INDICATORS, load_layout
from hgn_review.scoring._frames import persons_and_unknown
from hgn_review.scoring.movements import departed
from hgn_review.text import fold, same_tone_place, slug

VILLAGE = "village"
VILLAGE_LABEL = "village_label"  # in the unit keys: each village key's name as most of its households spell it
CLASSES = {"poor": mv.POOR, "near": mv.NEAR, "avg": mv.AVG, "nonpoor": mv.NONPOOR, "unknown": mv.UNKNOWN}
CLASS_KEYS = ("all", *CLASSES)
MAJORITY_GROUP = "Kinh"
HEAD = "Chủ hộ"
MALE, FEMALE = "Nam", "Nữ"
UNNAMED_MINORITY = ("dtts_chua_ro", "DTTS chưa rõ dân tộc")
ROW_LABELS = {
    PROVINCE: "Tỉnh, thành phố",
    DISTRICT: "Huyện, thị xã, thành phố",
    COMMUNE: "Xã, phường, thị trấn",
    VILLAGE: "Thôn, tổ dân phố",
}
ROW_LABEL_COMMUNE_AFTER = "Xã, phường, đặc khu"
NO_NAME = {COMMUNE: "Chưa rõ xã", DISTRICT: "Chưa rõ huyện", VILLAGE: "Chưa rõ thôn", PROVINCE: "Chưa rõ tỉnh"}
_MEMBER_FIELDS = {"uid", "stt", "ho_ten", "so_dinh_danh", "dinh_danh_loi", "ngay_sinh", "nam_sinh", "gioi_tinh",
                  "quan_he", "dan_toc", "tuoi", "khuyet_tat", "the_bhyt", "suy_dinh_duong", "dang_di_hoc"}
_ATTRS_BASE = ("hh", "pp", "kinh", "minority", "eth_unknown", "merit", "no_labour", "female_head", "other_group",
               "dep_total", "dep_unknown", "child", "child_no_bhyt", "child_malnourished", "child_out_of_school",
               "minority_pp", MEMBERS_UNKNOWN, SIZE_UNKNOWN, MERIT_UNKNOWN, CAUSES_UNKNOWN, CHILD_BHYT_UNKNOWN,
               CHILD_NUTRITION_UNKNOWN, CHILD_SCHOOL_UNKNOWN, CHILD_AGE_UNKNOWN, "pp_no_members", AVG_UNKNOWN,
               HEAD_SEX_UNKNOWN, OTHER_UNKNOWN)


@dataclass(frozen=True)
class Scope:
    """The unit the report is about."""

    level: str  # province | district | commune | multi
    code: str
    name: str  # "Huyện Thanh Miện"
    province_name: str
    district_name: str
    issuer: str  # "UBND HUYỆN THANH MIỆN"

    @property
    def label(self) -> str:
        parts = [self.name]
        if self.district_name and self.district_name != self.name:
            parts.append(self.district_name)
        if self.province_name and self.province_name != self.name:
            parts.append(self.province_name)
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Item:
    """One member of a series the forms expand into columns: an indicator, an ethnic group, a cause."""

    key: str
    name: str
    short_name: str = ""
    group: str = ""  # an indicator's dimension


@dataclass(frozen=True)
class Contribution:
    key: str
    name: str
    count: int | None  # None: not known (a poor household's flag not determined)
    share: float  # % of the weighted deprivations of the poor


@dataclass
class Coverage:
    expected: int  # units of the level below in the registry (0 when unknown)
    present: list[str]  # codes with data
    missing: list[tuple[str, str]]  # (code, name) expected but without data
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)  # (title, header, rows)
    status: list[str] = field(default_factory=list)  # one line per fact, Vietnamese
    order: list[tuple[str, str]] = field(default_factory=list)  # every expected unit (code, name), the list's order
    partial: list[tuple[str, str, int, int]] = field(default_factory=list)  # districts: (code, name, with data, all)
    partial_word: str = "xã"  # what the counts of ``partial`` count: a district's communes, a 2025 commune's old ones


@dataclass
class ReportView:
    scope: Scope
    year: int
    as_of: date
    row_level: str
    row_label: str
    tables: dict[str, pd.DataFrame]  # level -> one row per unit: column `name` and the counts, in print order
    series: dict[str, list[Item]]  # indicators, ethnic_groups, causes
    persons: pd.DataFrame  # one row per member of an end-of-period poor / near-poor household, unmasked
    balance: pd.DataFrame  # per row unit and class: start, dec, inc, end, diff
    contributions: list[Contribution]
    coverage: Coverage
    findings: dict[str, int]
    standard_id: str
    standard_title: str
    signer: str = ""
    place: str = ""
    report_date: date | None = None
    review_day: date | None = None  # the review's date when the results hold one (as_of may be a stand-in)
    has_members: bool = True
    # the year printed on the signature line when no date is given: the review's, but left to be written by hand
    # on forms of the 2025 units over a review of an earlier year (they are signed after 1/7/2025)
    sign_year: int | None = None
    notes: list[str] = field(default_factory=list)
    # what the round that made these results said of the returns it left out (hgn run): report.html says it too
    round_notes: list[str] = field(default_factory=list)
    # personal IDs written for two persons or more in the results (households that moved away or dissolved set
    # aside: their members are listed again where they live now): the list keys neither
    shared_ids: frozenset[str] = frozenset()
    # poor and near-poor households of an old commune the merge into the 2025 units could not place yet (the
    # merged result's "Chờ quy đổi" sheet): on no form's rows, but listed with the population list
    pending: pd.DataFrame = field(default_factory=pd.DataFrame)
    # every household waiting for its new commune (any class): (households, persons, the old communes' names) —
    # counted in no row of the forms, which say so
    waiting: tuple[int, int, list[str]] = (0, 0, [])
    # households of the start-of-period list no return has (previous-not-reviewed), by their class on the list:
    # not in the forms' start figures, which say so
    not_reviewed: dict[str, int] = field(default_factory=dict)

    def rows(self, level: str | None = None) -> pd.DataFrame:
        level = level or self.row_level
        if level not in self.tables:
            level = self.row_level
        return self.tables[level]

    def total(self, level: str | None = None) -> pd.Series:
        """The total row: every count summed over the rows (rates are recomputed from these, never summed)."""
        return self.rows(level).drop(columns=["name"]).sum(axis=0)

    def headline(self) -> dict[str, Any]:
        """The whole unit's key figures; None for one the forms leave blank (not known: never 0)."""
        from hgn_review.reports.formdef import known_count

        t = self.total()
        frame = pd.DataFrame([t])
        out: dict[str, Any] = {}
        for k in ("hh", "pp", "poor_hh", "poor_pp", "near_hh", "near_pp", "avg_hh", "avg_pp", "unknown_hh",
                  "poor_start", "near_start"):
            v = known_count(frame, k).iloc[0] if k in frame.columns else 0
            out[k] = None if pd.isna(v) else int(v)
        return out


# ------------------------------------------------------------------------------------------------ build
def build_view(results: Results, *, unit: str | None = None, as_of: date | None = None, signer: str = "",
               place: str = "", report_date: date | None = None, issuer: str | None = None) -> ReportView:
    """Everything the forms, the lists and the HTML page print, computed once."""
    hh = results.households.copy(deep=False)  # copy-on-write: the results' frames are never changed
    members = results.members if results.members is not None else pd.DataFrame()
    if "uid" in members.columns:  # only the fields the report reads: filtering copies no more than these
        members = members[[c for c in members.columns if c in _MEMBER_FIELDS]]
    shared_ids = _shared_ids(hh, members)  # over every household of the results, whatever the scope
    on = as_of  # the unit list the codes belong to: --as-of, else the one the merge re-expressed them in
    review_day = _review_day(results, hh)
    # the review's date (its year, the ages): from the data, not --as-of — that only when the data have none
    as_of = review_day or as_of or date.today()
    reg = get_registry()
    if on is not None and reg.era(on) == AFTER and reg.era(as_of) != AFTER and not (
            (units_on := _units_as_of(results)) is not None and reg.era(units_on) == AFTER):
        # results of a review before 1/7/2025, in the old units, reported in the new list: an old code would be
        # read as the new commune that reuses it (old 11284 Chi Lăng Nam as new 11284, formed of four)
        raise InputError(f"Kết quả rà soát ngày {as_of:%d/%m/%Y}, trước 1/7/2025, mang mã xã cũ; --as-of {on:%d/%m/%Y} "
                         "sẽ coi chúng là mã của các xã mới (nhiều xã mới dùng lại mã cũ).",
                         hint="Bỏ --as-of; để lập báo cáo theo đơn vị mới, quy đổi trước bằng hgn merge "
                              "--to-2025-units rồi lập báo cáo từ tệp đó.",
                         message_en=f"Results of a review on {as_of:%Y-%m-%d}, before 1/7/2025, carry old commune "
                                    f"codes; --as-of {on:%Y-%m-%d} would read them as the new communes' (many reuse "
                                    "old codes).",
                         hint_en="Leave out --as-of; to report in the new units, re-express the results first with "
                                 "hgn merge --to-2025-units and report from that file.")
    units_on = _units_as_of(results)
    if on is not None and units_on is not None and reg.era(units_on) == AFTER and reg.era(on) != AFTER:
        # results re-expressed in the 2025 units (merge --to-2025-units), reported in an old list: a new code would
        # be read as the old commune that had it, and the new communes grouped under old districts
        since = f"{units_on.day}/{units_on.month}/{units_on.year}"
        raise InputError(f"Kết quả đã được quy đổi sang đơn vị hành chính từ {since} (mã xã mới); "
                         f"--as-of {on:%d/%m/%Y} sẽ đọc chúng theo danh mục cũ (nhiều xã mới dùng lại mã cũ).",
                         hint="Bỏ --as-of để lập báo cáo theo đơn vị mới; báo cáo theo đơn vị cũ thì lập từ tệp kết "
                              "quả trước khi quy đổi.",
                         message_en=f"The results were re-expressed in the units from {units_on:%Y-%m-%d} (new "
                                    f"commune codes); --as-of {on:%Y-%m-%d} would read them in the old list (many new "
                                    "communes reuse old codes).",
                         hint_en="Leave out --as-of to report in the new units; to report in the old units, use the "
                                 "results file from before the re-expression.")
    if on is None:
        on = units_on or as_of
    hh["ma_xa"] = _str(hh, "ma_xa")
    units = {c: reg.commune(c, on) for c in hh["ma_xa"].dropna().unique()}
    scope_code = _scope_code(results, unit)
    if unit:  # an explicit --unit selects its households; the file's own unit only names the scope
        if not re.fullmatch(r"\d{2}|\d{3}|\d{5}", scope_code) or reg.unit(scope_code, on) is None:
            raise UsageError(f"Mã đơn vị \"{unit}\" không có trong danh mục hành chính ngày {on:%d/%m/%Y}.",
                             hint="Dùng mã tỉnh (2 chữ số), huyện (3, trước 1/7/2025) hoặc xã (5 chữ số).",
                             message_en=f"Unit code \"{unit}\" is not in the administrative list of {on}.",
                             hint_en="Use a province (2 digits), district (3, before 1/7/2025) or commune (5) code.")
        hh = _filter_scope(hh, scope_code, units)
        if hh.empty:
            raise UsageError(f"Tệp kết quả không có hộ nào thuộc đơn vị {scope_code}.",
                             hint="Kiểm tra mã đơn vị (--unit) và tệp kết quả.",
                             message_en=f"The results file has no household in unit {scope_code}.",
                             hint_en="Check the unit code (--unit) and the results file.")
    scope = _scope(scope_code, hh, units, on, issuer)
    row_level = _row_level(scope, hh, units, on)

    std_id, std_title, indicators, weights, params = _standard(results, hh)
    hh = hh.reset_index(drop=True)
    keys = _unit_keys(hh, units)
    if len(members) and "uid" in members.columns and "uid" in hh.columns:
        keep = members["uid"].isin(hh["uid"].dropna()).to_numpy(dtype=bool)
        members = (members if keep.all() else members[keep]).reset_index(drop=True)
        has_members = True
    else:
        members = pd.DataFrame(columns=["uid"])
        has_members = False
    if has_members and members.empty and len(hh):
        has_members = False

    hh = mv.with_movements(hh)
    attrs, eth_items, cause_items, person_attrs = _household_attributes(hh, members, indicators, params, as_of)
    cls = _class_of(hh)

    tables: dict[str, pd.DataFrame] = {}
    levels = [COMMUNE, VILLAGE]
    if reg.era(on) != AFTER:
        levels.append(DISTRICT)
    if row_level not in levels:
        levels.append(row_level)
    names = _unit_names(keys, units)
    all_attr_names = [*_ATTRS_BASE, *indicators, *(f"eth_{i.key}" for i in eth_items),
                      *(f"cause_{i.key}" for i in cause_items)]
    uncounted = _not_counted(hh, indicators)
    if uncounted:  # a flag not known with no answer missing: the household's standard does not hold the indicator
        any_na = np.any(np.vstack(list(uncounted.values())) > 0, axis=0)
        uncounted[DEP_NOT_HELD] = (any_na & ~np.asarray(attrs["dep_unknown"], dtype=bool)).astype(int)
    attrs.update(uncounted)
    all_attr_names += list(uncounted)
    sums = _FineSums(hh, keys[VILLAGE], attrs, all_attr_names, cls)
    for level in levels:
        tables[level] = _aggregate(sums, keys[level], names[level], level)

    persons = _unicode_names(_persons(hh, members, keys, names, person_attrs, std_id, as_of, cls))
    view = ReportView(
        scope=scope, year=as_of.year, as_of=as_of, review_day=review_day, row_level=row_level,
        row_label=ROW_LABEL_COMMUNE_AFTER if row_level == COMMUNE and reg.era(on) == AFTER else ROW_LABELS[row_level],
        tables=tables,
        series={"indicators": [Item(k, n, s, d) for k, (n, s, d) in indicators.items()],
                "ethnic_groups": eth_items, "causes": cause_items},
        persons=persons, balance=pd.DataFrame(), contributions=[], coverage=Coverage(0, [], []),
        findings=_findings(results), standard_id=std_id, standard_title=std_title, signer=signer, place=place,
        report_date=report_date, has_members=has_members,
        sign_year=None if reg.era(on) == AFTER and as_of < REFORM_DATE else as_of.year)
    view.balance = _balance(view.rows())
    view.contributions = _contributions(view.total(), indicators, weights)
    view.coverage = _coverage(results, scope, row_level, view.rows(), on,
                              {str(c) for c in tables[COMMUNE].index} if COMMUNE in tables else set())
    commune = scope_code if unit and len(scope_code) == 5 else None  # a report of one commune of the results
    view.pending = _pending(results, commune)
    view.waiting = _waiting(results, commune)
    view.not_reviewed = _not_reviewed(results)
    view.shared_ids = shared_ids
    view.notes = _notes(view)
    return view


# ------------------------------------------------------------------------------------------ scope and units
def _str(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(pd.NA, index=df.index, dtype="string")
    s = df[col].astype("string").str.strip()
    return s.mask(s == "")


def _units_as_of(results: Results) -> date | None:
    """The unit list a merge re-expressed the codes in (``hgn merge --to-2025-units``: 1/7/2025), if recorded."""
    raw = results.meta.get("units_as_of") if results.meta else None
    try:
        return pd.Timestamp(raw).date() if raw else None
    except (ValueError, TypeError):
        return None


def _review_day(results: Results, hh: pd.DataFrame) -> date | None:
    """The review's date the results hold: their own (meta), else the latest review date of a household; None."""
    raw = results.meta.get("review_date") if results.meta else None
    if raw:
        try:
            return pd.Timestamp(raw).date()
        except (ValueError, TypeError):
            pass
    if "ngay_ra_soat" in hh.columns:
        dates = pd.to_datetime(hh["ngay_ra_soat"], errors="coerce").dropna()
        if len(dates):
            return dates.max().date()
    return None


def _scope_code(results: Results, unit: str | None) -> str:
    if unit:
        return str(unit).strip()
    meta_unit = str(results.meta.get("unit", "") or "").strip() if results.meta else ""
    return meta_unit if re.fullmatch(r"\d{2}|\d{3}|\d{5}", meta_unit) else ""


def _filter_scope(hh: pd.DataFrame, code: str, units: dict[str, Unit | None]) -> pd.DataFrame:
    def inside(u: Unit | None, c: str) -> bool:
        if len(code) == 5:
            return c == code
        if u is None:
            return False
        return (u.district_code == code) if len(code) == 3 else (u.province_code == code)

    keep = {c for c, u in units.items() if inside(u, c)}
    return hh[hh["ma_xa"].isin(keep)]


def _issuer(u: Unit | None) -> str:
    return f"UBND {u.name.upper()}" if u is not None else ""


def _scope(code: str, hh: pd.DataFrame, units: dict[str, Unit | None], as_of: date, issuer: str | None) -> Scope:
    reg = get_registry()
    present = [u for c in hh["ma_xa"].dropna().unique() if (u := units.get(c)) is not None]
    if not code:
        codes = sorted({u.code for u in present})
        districts = {u.district_code for u in present}
        provinces = {u.province_code for u in present}
        if len(codes) == 1:
            code = codes[0]
        elif len(districts) == 1 and None not in districts:
            code = str(next(iter(districts)))
        elif len(provinces) == 1:
            code = next(iter(provinces))
    u = reg.unit(code, as_of) if code else None
    if u is None:  # communes of several provinces: named by their provinces, so that the page says what it covers
        name = ", ".join(sorted({p.province_name for p in present if p.province_name}))
        return Scope("multi", code, name, "", "", issuer or "")
    level = u.level
    return Scope(level, u.code, u.name, u.province_name, u.district_name or "", issuer if issuer is not None else _issuer(u))


def _row_level(scope: Scope, hh: pd.DataFrame, units: dict[str, Unit | None], as_of: date) -> str:
    if scope.level == COMMUNE:
        return VILLAGE
    if scope.level == PROVINCE and get_registry().era(as_of) != AFTER:
        return DISTRICT
    return COMMUNE


def _unit_keys(hh: pd.DataFrame, units: dict[str, Unit | None]) -> dict[str, pd.Series]:
    commune = hh["ma_xa"].fillna("")
    district = map_str(commune, {c: (u.district_code or "") if u else "" for c, u in units.items()}).fillna("")
    province = map_str(commune, {c: u.province_code if u else "" for c, u in units.items()}).fillna("")
    # one village however its name is typed in the return ("Thôn Đông", "thôn Đông", "Thôn  Đông"): its key is the
    # name in NFC, spaces collapsed, lower case (diacritics kept: "Đông" and "Đồng" are two villages); its row is
    # labelled with the spelling most of its households have. Worked on the distinct spellings (a few per village).
    village_text = _of_old_commune(hh, commune, _village_text(hh).fillna(""))
    codes, spellings = pd.factorize(commune.astype(str) + "|" + village_text.astype(str))
    written = pd.Series(spellings, dtype="string")
    written = _unicode_villages(written)  # "Th«n §«ng" typed in a TCVN3 font is "Thôn Đông"
    tidy = written.str.normalize("NFC").str.replace(r"\s+", " ", regex=True).str.strip()
    tidy = tidy.str.replace(r"\s*\|\s*", "|", n=1, regex=True)
    folded = same_tone_place(tidy.str.lower())  # ("Thôn Hoà Bình", typed the old way, is "Thôn Hòa Bình")
    spelt = pd.DataFrame({"k": folded.to_numpy(dtype=object), "v": tidy.to_numpy(dtype=object),
                          "n": np.bincount(codes, minlength=len(spellings)) if len(codes) else np.zeros(0, int)})
    first = spelt.sort_values(["k", "n", "v"], ascending=[True, False, True], kind="stable").drop_duplicates("k")
    village = pd.Series(folded.to_numpy(dtype=object)[codes] if len(codes) else np.zeros(0, dtype=object),
                        index=hh.index, dtype=object).astype(str)
    return {COMMUNE: commune.astype(str), DISTRICT: district.astype(str), PROVINCE: province.astype(str),
            VILLAGE: village, VILLAGE_LABEL: pd.Series(dict(zip(first["k"], first["v"], strict=True)), dtype=object)}


def _of_old_commune(hh: pd.DataFrame, commune: pd.Series, village: pd.Series) -> pd.Series:
    """Villages of a 2025 commune made of several old ones (results re-expressed with --to-2025-units) named with
    their old commune: "Tổ dân phố số 1 (Phường Cẩm Thượng)" and "Tổ dân phố số 1 (Phường Nguyễn Trãi)" are two
    places, two rows — never one row adding both. Worked on the distinct old communes (a few per new one)."""
    if "ma_xa_cu" not in hh.columns or not hh["ma_xa_cu"].notna().any():
        return village
    old = hh["ma_xa_cu"].astype("string")
    origin = old.fillna(commune.astype("string"))
    several = origin.groupby(commune.astype("string").to_numpy()).transform("nunique") > 1
    named = (several & old.notna()).fillna(False).to_numpy(dtype=bool)
    if not named.any():
        return village
    reg = get_registry()
    day = REFORM_DATE - timedelta(days=1)
    names = {c: (u.name if (u := reg.commune(c, day)) is not None else c) for c in old[named].unique()}
    out = village.astype("string").copy()
    place = out[named].str.strip()
    place = place.mask(place == "", NO_NAME[VILLAGE])  # (no village: "Chưa rõ thôn")
    out[named] = place + " (" + old[named].map(names).astype("string") + ")"
    return out


def _village_text(hh: pd.DataFrame) -> pd.Series:
    """Each household's village as written, in Unicode where the cell alone cannot tell its legacy font ("Xãm 2",
    TCVN3 "Xóm 2", reads as Unicode too) but its row can (the head's name beside it is surely TCVN3)."""
    from hgn_review.legacy import detect_in_rows, to_unicode

    thon = _str(hh, "thon")
    if thon.isna().all():
        return thon
    found = detect_in_rows(thon, [_str(hh, "ho_ten_chu_ho")])
    at = found.notna().to_numpy(dtype=bool)
    if not at.any():
        return thon
    out = thon.copy()
    out[at] = [to_unicode(t, e) for t, e in zip(thon[at], found[at], strict=True)]
    return out


def _unicode_villages(spellings: pd.Series) -> pd.Series:
    """"commune|village" spellings with the village typed in a TCVN3/VNI font in Unicode (as _unicode_names gives
    the lists), so that one village is one row of the forms whatever font its name was typed in."""
    from hgn_review.legacy import detect_series, to_unicode

    if spellings.empty:
        return spellings
    parts = spellings.str.split("|", n=1, expand=True)
    village = parts[1].astype("string")
    found = detect_series(village, groups=parts[0])  # (a commune's villages typed in one font, as a rule)
    at = found.notna().to_numpy(dtype=bool)
    if not at.any():
        return spellings
    out = spellings.copy()
    out[at] = [f"{c}|{to_unicode(t, e)}" for c, t, e in zip(parts[0][at], village[at], found[at], strict=True)]
    return out


def _unit_names(keys: dict[str, pd.Series], units: dict[str, Unit | None]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    out[COMMUNE] = {c: (u.name if (u := units.get(c)) else (c or NO_NAME[COMMUNE])) for c in keys[COMMUNE].unique()}
    dn = {u.district_code: u.district_name for u in units.values() if u and u.district_code}
    out[DISTRICT] = {d: (dn.get(d) or NO_NAME[DISTRICT]) for d in keys[DISTRICT].unique()}
    pn = {u.province_code: u.province_name for u in units.values() if u}
    out[PROVINCE] = {p: (pn.get(p) or NO_NAME[PROVINCE]) for p in keys[PROVINCE].unique()}
    label = keys[VILLAGE_LABEL]
    out[VILLAGE] = {v: (str(label.get(v, v)).split("|", 1)[1] or NO_NAME[VILLAGE]) for v in keys[VILLAGE].unique()}
    return out


def _natural(text: str) -> list[Any]:
    return [(0, int(t), "") if t.isdigit() else (1, 0, fold(t)) for t in re.split(r"(\d+)", text) if t]


# ------------------------------------------------------------------------------------------ the standard
def _standard(results: Results, hh: pd.DataFrame) -> tuple[str, str, dict[str, tuple[str, str, str]],
                                                             dict[str, float], dict[str, Any]]:
    """(id, title, {indicator key: (name, short name, dimension)}, weights, age parameters)."""
    std_id = str(results.meta.get("standard", "") or "") if results.meta else ""
    if not std_id and "chuan" in hh.columns:
        ids = hh["chuan"].dropna().astype(str)
        std_id = ids.mode().iloc[0] if len(ids) else ""
    saved = results.meta.get("standard_params") if results.meta else None
    if isinstance(saved, dict) and (not std_id or saved.get("id") == std_id):
        try:
            return _saved_standard(saved)
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # an edited or damaged metadata: the standard is looked up by its id as below
    try:
        from hgn_review.scoring.standard import load_standard, report_params

        # results of an earlier version (no parameters kept): the same parameters, from the standard by its id
        return _saved_standard(report_params(load_standard(std_id or "vn-2022-2025")))
    except Exception:  # noqa: BLE001 - an unreadable standard leaves the layout's indicator names
        head = {c.key: c.header for s in load_layout("hgn").sheets.values() for c in s.columns}
        held = results.meta.get("standard_indicators") if results.meta else None
        # (results merged across standards: the indicators any of them holds)
        keys = [k for k in INDICATORS if any(k in v for v in held.values() if isinstance(v, list))] \
            if isinstance(held, dict) and held else list(INDICATORS)
        indicators = {k: (head.get(k, k).replace("Thiếu hụt: ", ""),) * 2 + ("",) for k in keys}
        return std_id, std_id, indicators, dict.fromkeys(keys, 1.0), {}


DEP_NOT_HELD = "dep_not_held"  # households with a flag not known and no answer missing (reports' notes)


def _not_counted(hh: pd.DataFrame, indicators: dict[str, Any]) -> dict[str, np.ndarray]:
    """Per indicator of the forms, the households whose flag is not known — an answer it needs left blank, or their
    standard does not hold it (results merged across standards) — as ``formdef.NOT_COUNTED`` attributes: a unit's
    count of households deprived in it that counts one is blank, never 0 (only where some flag is not known)."""
    out: dict[str, np.ndarray] = {}
    for k in indicators:
        na = hh[k].isna().to_numpy(dtype=bool) if k in hh.columns else np.ones(len(hh), dtype=bool)
        if na.any():
            out[f"{NOT_COUNTED}{k}"] = na.astype(int)
    return out


def _saved_standard(saved: dict[str, Any]) -> tuple[str, str, dict[str, tuple[str, str, str]], dict[str, float],
                                                   dict[str, Any]]:
    """:func:`_standard` from the parameters classification kept in the results (scoring.standard.report_params)."""
    from hgn_review.scoring.standard import AgeRange

    def ages(v: Any) -> AgeRange:
        start, end = v
        return AgeRange(int(start), None if end is None else int(end))

    indicators = {str(k): (str(v[0]), str(v[1]), str(v[2])) for k, v in saved["indicators"].items()}
    weights = {str(k): float(v) for k, v in saved["weights"].items()}
    params: dict[str, Any] = {}
    if "working_age" in saved:
        params["working_age"] = ages(saved["working_age"])
    if "disability_levels" in saved:
        params["disability_levels"] = tuple(str(v) for v in saved["disability_levels"])
    if "child_age_below" in saved:
        params["child_age_below"] = int(saved["child_age_below"])
    if "school_ages" in saved:
        params["school_ages"] = ages(saved["school_ages"])
    return str(saved["id"]), str(saved["title"]), indicators, weights, params


# ------------------------------------------------------------------------------------------ households
def _class_of(hh: pd.DataFrame) -> pd.Series:
    """poor / near / avg / nonpoor / unknown for households present at the end; `departed` otherwise."""
    cls = map_str(_str(hh, "phan_loai"), {v: k for k, v in CLASSES.items()}).fillna("unknown")
    departed = _str(hh, "tinh_trang_ho").isin(mv.DEPARTED).to_numpy()
    return cls.mask(departed, "departed").astype(str)


def _slug(name: str) -> str:
    return slug(name) or "x"


def _ages(members: pd.DataFrame, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """(youngest, oldest) possible completed age of each member (NaN when unknown): the exact age classify found,
    else, from the birth year alone, one of two ages on ``as_of`` (the older one only on 31/12) — never the
    older one taken for certain."""
    age = pd.to_numeric(members["tuoi"], errors="coerce").to_numpy(dtype=float, na_value=np.nan) \
        if "tuoi" in members.columns else np.full(len(members), np.nan)
    lo, hi = age.copy(), age.copy()
    if "nam_sinh" in members.columns:
        by_year = as_of.year - pd.to_numeric(members["nam_sinh"], errors="coerce").to_numpy(dtype=float,
                                                                                           na_value=np.nan)
        guess = np.isnan(age)
        hi[guess] = by_year[guess]
        lo[guess] = by_year[guess] - (0 if (as_of.month, as_of.day) == (12, 31) else 1)
    return lo, hi


def _in_range(ages: tuple[np.ndarray, np.ndarray], rng: Any, default: tuple[int, int | None],
              surely: bool = True) -> np.ndarray:
    """Members whose age is in the range for certain (``surely``), or who may be in it (an unknown age too)."""
    start, end = (rng.start, rng.end) if rng is not None else default
    lo, hi = ages
    top = np.inf if end is None else end
    with np.errstate(invalid="ignore"):
        if surely:
            return (lo >= start) & (hi <= top)
        return np.isnan(lo) | ((hi >= start) & (lo <= top))


class _Compact(dict[str, np.ndarray]):
    """Integer arrays kept in the smallest integer type that holds their values (most are 0/1 flags)."""

    def __setitem__(self, key: str, value: np.ndarray) -> None:
        v = np.asarray(value)
        if v.dtype.kind in "biu" and v.size:
            lo, hi = int(v.min()), int(v.max())
            for t in (np.int8, np.int16, np.int32, np.int64):
                if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max:
                    v = v.astype(t, copy=False)
                    break
        super().__setitem__(key, v)


def _household_attributes(hh: pd.DataFrame, members: pd.DataFrame, indicators: dict[str, Any],
                          params: dict[str, Any], as_of: date) -> tuple[dict[str, np.ndarray], list[Item],
                                                                        list[Item], pd.DataFrame]:
    """Per household: the attributes counted by the forms (0/1 flags and per-household counts), by name."""
    n = len(hh)
    idx = hh.index
    uid = hh["uid"] if "uid" in hh.columns else pd.Series(np.arange(n), index=idx)
    uid_index = pd.Index(uid.to_numpy())
    first = ~uid_index.duplicated()  # a member belongs to the first household of its uid
    out: dict[str, np.ndarray] = _Compact()

    # members: count, head, ages
    if len(members):
        at = uid_index[first].get_indexer(members["uid"])
        m_ok = at >= 0
        mm = members if m_ok.all() else members[m_ok]
        mpos = np.flatnonzero(first)[at[m_ok]]
    else:
        mm, mpos = members, np.array([], dtype=int)
    n_members = np.bincount(mpos, minlength=n) if len(mpos) else np.zeros(n, dtype=int)
    out["pp"], size_unknown = persons_and_unknown(hh, n_members)
    out["hh"] = np.ones(n, dtype=int)

    head_eth = pd.Series(pd.NA, index=idx, dtype="string")
    head_sex = _str(hh, "gioi_tinh_chu_ho")
    no_labour = np.zeros(n, dtype=bool)
    labour_unknown = np.zeros(n, dtype=bool)
    child = np.zeros(n, dtype=int)
    child_no_bhyt = np.zeros(n, dtype=int)
    child_mal = np.zeros(n, dtype=int)
    child_out = np.zeros(n, dtype=int)
    child_unknown = {CHILD_BHYT_UNKNOWN: child, CHILD_NUTRITION_UNKNOWN: child, CHILD_SCHOOL_UNKNOWN: child,
                     CHILD_AGE_UNKNOWN: child}
    minority_pp = np.zeros(n, dtype=int)
    person_attrs = pd.DataFrame(index=idx)
    person_attrs["pp"] = out["pp"]  # the persons the forms count: member rows, else the declared size
    person_attrs["pp_unknown"] = size_unknown  # (no member rows, no size written: not known)
    if len(mm):
        is_head = (_str(mm, "quan_he") == HEAD).fillna(False).to_numpy()
        m_eth = _str(mm, "dan_toc")
        head_pos, first_head = np.unique(mpos[is_head], return_index=True)  # a household's first head counts
        of_household = np.full(n, -1, dtype=np.int64)
        of_household[head_pos] = first_head
        head_eth = pd.Series(m_eth[is_head].array.take(of_household, allow_fill=True), index=idx)
        hs = pd.Series(_str(mm, "gioi_tinh")[is_head].array.take(of_household, allow_fill=True), index=idx)
        head_sex = hs.fillna(head_sex)
        ages = _ages(mm, as_of)
        disabled = _str(mm, "khuyet_tat").isin(params.get("disability_levels", ("Nặng", "Đặc biệt nặng")))
        # a member who may be of working age (age unknown, or only the birth year known and one of its two ages
        # inside): the household is not counted as without labour capacity on a guess (a severely disabled
        # member is unable whatever the age)
        may_work = _in_range(ages, params.get("working_age"), (15, 59), surely=False) & ~disabled.to_numpy(dtype=bool)
        no_labour = (n_members > 0) & ~(np.bincount(mpos, weights=may_work, minlength=n) > 0)
        # nor is it counted as with labour capacity: a household where someone may be of working age but no one
        # surely is (an age not known, a year of birth alone either side of the limit) is of no group known by it
        works = _in_range(ages, params.get("working_age"), (15, 59)) & ~disabled.to_numpy(dtype=bool)
        labour_unknown = (n_members > 0) & ~no_labour & ~(np.bincount(mpos, weights=works, minlength=n) > 0)
        below = params.get("child_age_below", 16)
        with np.errstate(invalid="ignore"):
            is_child = ages[1] < below  # a child for certain (the older of its possible ages under the limit)
        child = np.bincount(mpos, weights=is_child, minlength=n).astype(int)
        no_card = (mm["the_bhyt"].astype("boolean") == False).fillna(False).to_numpy(dtype=bool) \
            if "the_bhyt" in mm.columns else np.zeros(len(mm), dtype=bool)  # noqa: E712
        mal = (mm["suy_dinh_duong"].astype("boolean") == True).fillna(False).to_numpy(dtype=bool) \
            if "suy_dinh_duong" in mm.columns else np.zeros(len(mm), dtype=bool)  # noqa: E712
        school_age = _in_range(ages, params.get("school_ages"), (3, 15))
        out_school = (mm["dang_di_hoc"].astype("boolean") == False).fillna(False).to_numpy(dtype=bool) \
            if "dang_di_hoc" in mm.columns else np.zeros(len(mm), dtype=bool)  # noqa: E712
        child_no_bhyt = np.bincount(mpos, weights=is_child & no_card, minlength=n).astype(int)
        child_mal = np.bincount(mpos, weights=is_child & mal, minlength=n).astype(int)
        child_out = np.bincount(mpos, weights=is_child & school_age & out_school, minlength=n).astype(int)
        # the children whose answer is not known (blank, or not valid): their household's counts of form 11 wait
        for unknown_key, answer, among in ((CHILD_BHYT_UNKNOWN, "the_bhyt", is_child),
                                           (CHILD_NUTRITION_UNKNOWN, "suy_dinh_duong", is_child),
                                           (CHILD_SCHOOL_UNKNOWN, "dang_di_hoc", is_child & school_age)):
            blank = mm[answer].isna().to_numpy(dtype=bool) if answer in mm.columns else np.ones(len(mm), dtype=bool)
            child_unknown[unknown_key] = np.bincount(mpos, weights=among & blank, minlength=n).astype(int)
        # no usable date or year of birth, or a year alone with one possible age under the limit and one not: a
        # child or not is not known (never counted as not a child)
        with np.errstate(invalid="ignore"):
            either = np.isnan(ages[1]) | ((ages[0] < below) & (ages[1] >= below))
        child_unknown[CHILD_AGE_UNKNOWN] = np.bincount(mpos, weights=either, minlength=n).astype(int)
        m_minor = (m_eth.fillna(MAJORITY_GROUP) != MAJORITY_GROUP).to_numpy(dtype=bool)
        minority_pp = np.bincount(mpos, weights=m_minor, minlength=n).astype(int)

    tai_cho = hh["dan_toc_tai_cho"].astype("boolean") if "dan_toc_tai_cho" in hh.columns \
        else pd.Series(pd.NA, index=idx, dtype="boolean")
    kinh = (head_eth == MAJORITY_GROUP).fillna(False).to_numpy(dtype=bool)
    named_minority = (head_eth.notna() & (head_eth != MAJORITY_GROUP)).fillna(False).to_numpy(dtype=bool)
    unnamed_minority = head_eth.isna().to_numpy() & tai_cho.fillna(False).to_numpy(dtype=bool)
    minority = named_minority | unnamed_minority
    out["kinh"] = kinh.astype(int)
    out["minority"] = minority.astype(int)
    out["eth_unknown"] = (~kinh & ~minority).astype(int)
    out["minority_pp"] = np.where(n_members > 0, minority_pp, np.where(minority, out["pp"], 0))
    merit_answer = hh["nguoi_co_cong"].astype("boolean") if "nguoi_co_cong" in hh.columns \
        else pd.Series(pd.NA, index=idx, dtype="boolean")
    merit = merit_answer.fillna(False).to_numpy(dtype=bool)
    out["merit"] = merit.astype(int)
    out[MERIT_UNKNOWN] = merit_answer.isna().to_numpy(dtype=int)  # (an export has no merit column)
    # a farming household above the line by its B1 score alone (no measured income): average living or not unknown
    farming = hh["ho_nlndn"].astype("boolean").fillna(False).to_numpy(dtype=bool) if "ho_nlndn" in hh.columns \
        else np.zeros(n, dtype=bool)
    by_b1 = (_str(hh, "co_so_thu_nhap") == "diem_b1").fillna(False).to_numpy(dtype=bool)
    out[AVG_UNKNOWN] = (farming & by_b1 & (_str(hh, "phan_loai") == mv.NONPOOR).fillna(False)
                        .to_numpy(dtype=bool)).astype(int)
    out["no_labour"] = no_labour.astype(int)
    # a household without member rows (the application's export): its children and labour capacity are not known
    # — a unit's figure of those that counts such a household is left blank (reports/formdef.evaluate), never 0
    out[MEMBERS_UNKNOWN] = (n_members == 0).astype(int)
    # their persons (the size written): the population list holds only their heads (said in its notes)
    out["pp_no_members"] = np.where(n_members == 0, out["pp"], 0)
    # nor its persons, when its size is blank too (never counted as 0 persons)
    out[SIZE_UNKNOWN] = size_unknown.astype(int)
    out["female_head"] = (head_sex == FEMALE).fillna(False).to_numpy(dtype=int)
    out[HEAD_SEX_UNKNOWN] = head_sex.isna().to_numpy(dtype=int)  # (never counted as not female)
    out["other_group"] = (~minority & ~no_labour & ~merit).astype(int)
    # "other" or not is not known of a household in no group known while one group is not known of it
    minority_unknown = head_eth.isna().to_numpy() & tai_cho.isna().to_numpy(dtype=bool)
    out[OTHER_UNKNOWN] = (out["other_group"].astype(bool)
                          & (minority_unknown | merit_answer.isna().to_numpy(dtype=bool) | (n_members == 0)
                             | labour_unknown)).astype(int)
    out["child"], out["child_no_bhyt"] = child, child_no_bhyt
    out["child_malnourished"], out["child_out_of_school"] = child_mal, child_out
    out.update(child_unknown)

    # deprivations
    for k in indicators:
        out[k] = (pd.to_numeric(hh[k], errors="coerce") == 1).fillna(False).to_numpy(dtype=int) \
            if k in hh.columns else np.zeros(n, dtype=int)
    if "so_thieu_hut" in hh.columns:
        out["dep_total"] = pd.to_numeric(hh["so_thieu_hut"], errors="coerce").fillna(0).astype(int).to_numpy()
    else:
        out["dep_total"] = np.sum([out[k] for k in indicators], axis=0) if indicators else np.zeros(n, dtype=int)
    out["dep_unknown"] = (pd.to_numeric(hh["so_chua_ro"], errors="coerce").fillna(0) > 0).to_numpy(dtype=int) \
        if "so_chua_ro" in hh.columns else np.zeros(n, dtype=int)

    # ethnic groups of the head, in order of frequency
    eth_items: list[Item] = []
    names = head_eth[named_minority]
    if len(names):
        counts = names.value_counts()
        order = sorted(counts.index, key=lambda g: (-int(counts[g]), fold(str(g))))
        for g in order:
            slug = _slug(str(g))
            eth_items.append(Item(slug, str(g)))
            out[f"eth_{slug}"] = (head_eth == g).fillna(False).to_numpy(dtype=int)
    if unnamed_minority.any():
        eth_items.append(Item(*UNNAMED_MINORITY))
        out[f"eth_{UNNAMED_MINORITY[0]}"] = unnamed_minority.astype(int)

    # causes of poverty: the layout's list, then any other value found
    cause_items: list[Item] = []
    known = _causes()
    given = np.zeros(0, dtype=np.int64)  # the households that name a cause (the others have none)
    dummies = pd.DataFrame()
    if "nguyen_nhan_ngheo" in hh.columns:
        raw = _str(hh, "nguyen_nhan_ngheo")
        given = np.flatnonzero(raw.notna().to_numpy(dtype=bool))
        dummies = raw.iloc[given].str.replace(r"\s*;\s*", ";", regex=True).str.get_dummies(sep=";")
    extra = [c for c in dummies.columns if c and c not in known]
    for name in [*known, *sorted(extra, key=fold)]:
        slug = _slug(name)
        cause_items.append(Item(slug, name))
        flag = np.zeros(n, dtype=int)
        if name in dummies.columns:
            flag[given] = dummies[name].to_numpy(dtype=int)
        out[f"cause_{slug}"] = flag

    # a return with no cause of poverty at all (the application's export has no such column; a commune return may
    # leave the optional column out): its households' causes are not known (never 0); a blank cell beside causes
    # written for other households of the return names none
    no_cause = np.ones(n, dtype=bool)
    no_cause[given] = False
    files, names = pd.factorize(_str(hh, "file").fillna(""))  # (per return: a few hundred, never per row in Python)
    answered = np.bincount(files[~no_cause], minlength=len(names)) > 0
    out[CAUSES_UNKNOWN] = (no_cause & ~answered[files]).astype(int) if len(files) else np.zeros(0, dtype=int)
    person_attrs["minority"] = minority
    person_attrs["merit"] = merit
    person_attrs["no_labour"] = no_labour
    return out, eth_items, cause_items, person_attrs


def _causes() -> list[str]:
    for sheet in load_layout("hgn").sheets.values():
        for c in sheet.columns:
            if c.key == "nguyen_nhan_ngheo":
                return list(c.choices)
    return []


_CLASS_CODES = (*CLASSES, "departed")


class _FineSums:
    """Every attribute and movement count summed once per finest unit (``fine``: a key of which each table's unit
    is a function, the village) and class; a table then only adds these sums up per unit."""

    def __init__(self, hh: pd.DataFrame, fine: pd.Series, attrs: dict[str, np.ndarray], attr_names: list[str],
                 cls: pd.Series) -> None:
        self.attr_names = attr_names
        self.hh, self.fine, self.attrs, self.cls = hh, fine, attrs, cls
        self.code, units = pd.factorize(fine)
        self.units = pd.Index(units)
        k = len(_CLASS_CODES)
        class_code = positions(cls, pd.Index(_CLASS_CODES))
        if len(class_code) and class_code.min() < 0:
            raise ValueError(f"unknown household class among {sorted(set(cls))}")
        group = self.code * k + class_code
        size = len(self.units) * k
        self.row = {a: i for i, a in enumerate(dict.fromkeys(attr_names))}
        self.sums = np.zeros((len(self.row), size))
        for a, i in self.row.items():
            values = attrs.get(a)
            if values is not None and len(values):
                self.sums[i] = np.bincount(group, weights=values, minlength=size)
        self.moves = mv.movement_counts(hh, fine, self.units)
        self.first = np.unique(self.code, return_index=True)[1]  # a household of each fine unit

    def table(self, key: pd.Series, index: pd.Index) -> tuple[np.ndarray, pd.DataFrame] | None:
        """(sums by attribute, unit of ``index`` and class; movement counts by unit), None when ``key`` is not a
        function of the fine unit."""
        unit = positions(key, index)
        of_fine = unit[self.first]
        if len(unit) and (unit.min() < 0 or not np.array_equal(of_fine[self.code], unit)):
            return None
        k = len(_CLASS_CODES)
        target = (of_fine[:, None] * k + np.arange(k)[None, :]).ravel()  # fine group -> table group
        sums = np.zeros((len(self.row), len(index) * k))
        if self.sums.shape[1]:
            order = np.argsort(target, kind="stable")
            starts = np.flatnonzero(np.r_[True, np.diff(target[order]) != 0])
            sums[:, target[order][starts]] = np.add.reduceat(self.sums[:, order], starts, axis=1)
        moves = self.moves.groupby(of_fine).sum().reindex(range(len(index)), fill_value=0)
        return sums.reshape(len(self.row), len(index), k), moves.set_axis(index)


def _aggregate(fine: _FineSums, key: pd.Series, names: dict[str, str], level: str) -> pd.DataFrame:
    """A table's rows: per unit, every attribute by class and in all, and the movement counts."""
    keys_index = pd.Index(sorted(key.unique(), key=lambda k: _natural(names.get(k) or k) if level == VILLAGE else k))
    found = fine.table(key, keys_index)
    if found is None:  # the level's units are not unions of the fine ones: sum per unit directly
        fine = _FineSums(fine.hh, key, fine.attrs, fine.attr_names, fine.cls)
        found = fine.table(key, keys_index)
        assert found is not None
    sums, moves = found
    cols: dict[str, np.ndarray] = {}
    for j, c in enumerate(CLASSES):
        for a in fine.attr_names:
            cols[f"{c}_{a}"] = sums[fine.row[a], :, j]
    for a in fine.attr_names:
        cols[f"all_{a}"] = sums[fine.row[a], :, :len(CLASSES)].sum(axis=1)
    cols["hh"], cols["pp"] = cols["all_hh"], cols["all_pp"]
    for c in moves.columns:
        cols[c] = moves[c].to_numpy()
    table = pd.DataFrame(cols, index=keys_index).fillna(0).astype("int64")
    table.insert(0, "name", [names.get(k, k) for k in keys_index])
    table.index.name = level
    return table


# ------------------------------------------------------------------------------------------ persons
_Lazy = tuple[Callable[[np.ndarray], pd.Series], np.ndarray]  # (values of some rows, where the values are missing)


def _listed_frame(listed: np.ndarray, columns: dict[str, pd.Series | np.ndarray | _Lazy]) -> pd.DataFrame:
    """``pd.DataFrame({name: values.to_numpy() …})[listed]`` without converting every household's values: only the
    listed rows are built, plus, per column, a row with a value and a row without one (when the column has them),
    so that pandas infers each column's dtype from the same kinds of values as from the whole column."""
    witnesses = []
    for values in columns.values():
        if isinstance(values, np.ndarray) and values.dtype != object:
            continue
        missing = values[1] if isinstance(values, tuple) else pd.isna(values)
        missing = np.asarray(missing, dtype=bool)
        witnesses += [int(np.argmax(missing))] if missing.any() else []
        witnesses += [int(np.argmin(missing))] if not missing.all() else []
    rows = np.union1d(np.flatnonzero(listed), np.asarray(witnesses, dtype=np.int64))
    data: dict[str, Any] = {}
    for name, values in columns.items():
        if isinstance(values, tuple):
            data[name] = values[0](rows).to_numpy()
        elif isinstance(values, np.ndarray):
            data[name] = values[rows]
        else:
            data[name] = values.iloc[rows].to_numpy()
    frame = pd.DataFrame(data, index=pd.Index(rows) if len(rows) else pd.RangeIndex(0))
    return frame[listed[rows]]


def _unicode_names(persons: pd.DataFrame) -> pd.DataFrame:
    """Names and villages typed with a TCVN3/VNI font, as the person is called: the list for the population
    database and forms 14/15 carry "Nguyễn Văn An", not "NguyÔn V¨n An". Only text the detector is sure of is
    converted (legacy.detect_series: ambiguous text stays as typed unless its return's column is typed in that
    font); the return's cell is reported by validation."""
    from hgn_review.legacy import detect_series, group_fonts, to_unicode

    out = persons
    cols = [c for c in ("ho_ten", "chu_ho", "ho_ten_chu_ho", "thon") if c in persons.columns]
    if persons.empty or not cols:
        return out
    # a return typed in one legacy font: its cells that cannot be told alone are of that font (legacy.group_fonts)
    groups = persons["file"] if "file" in persons.columns else None
    fonts = group_fonts([(persons[c].astype("string"), groups) for c in cols])
    for col in cols:
        text = persons[col].astype("string")
        found = detect_series(text, groups=groups, fonts=fonts)
        if not found.notna().any():
            continue
        if out is persons:
            out = persons.copy()
        pairs = pd.DataFrame({"t": text[found.notna()], "e": found[found.notna()]}).drop_duplicates()
        table = {(t, e): to_unicode(t, e) for t, e in zip(pairs["t"], pairs["e"], strict=True)}  # per distinct name
        at = found.notna().to_numpy(dtype=bool)
        out.loc[at, col] = [table[(t, e)] for t, e in zip(text[at], found[at], strict=True)]
    return out


def _persons(hh: pd.DataFrame, members: pd.DataFrame, keys: dict[str, pd.Series], names: dict[str, dict[str, str]],
             person_attrs: pd.DataFrame, std_id: str, as_of: date, cls: pd.Series) -> pd.DataFrame:
    """One row per member of every household poor or near-poor at the end of the period (forms 14/15 and the
    population list). A household without member rows (layout 2) gives one row for its head."""
    listed = cls.isin(["poor", "near"]).to_numpy()
    commune, district = keys[COMMUNE], keys[DISTRICT]
    dien_bien = hh[["dien_bien"]] if "dien_bien" in hh.columns else hh[[]]

    def mapped(key: pd.Series, mapping: dict[str, str]) -> _Lazy:
        return (lambda rows: key.iloc[rows].map(mapping)), ~key.isin(list(mapping)).to_numpy(dtype=bool)

    in_category = dien_bien["dien_bien"].astype("string").isin(list(mv.CATEGORY)).fillna(False).to_numpy(dtype=bool) \
        if "dien_bien" in dien_bien.columns else np.zeros(len(hh), dtype=bool)
    h = _listed_frame(listed, {
        "uid": hh["uid"] if "uid" in hh.columns else np.arange(len(hh)),
        "class": ((lambda rows: cls.iloc[rows].map({"poor": mv.POOR, "near": mv.NEAR})), ~listed),
        "ma_ho": _str(hh, "ma_ho"),
        "ma_xa": commune,
        "ten_xa": mapped(commune, names[COMMUNE]),
        "ma_huyen": district,
        "ten_huyen": mapped(district, names[DISTRICT]),
        "thon": _str(hh, "thon"),
        # the year the household was reviewed (results of two years' rounds merged with --allow-mixed: each its own)
        "_review_year": (pd.to_datetime(hh["ngay_ra_soat"], errors="coerce").dt.year.astype("Int64")
                         if "ngay_ra_soat" in hh.columns else pd.Series(pd.NA, index=hh.index, dtype="Int64")),
        "dien_bien": _str(hh, "dien_bien"),
        "category": ((lambda rows: mv.categories(dien_bien.iloc[rows])), ~in_category),
        "minority": person_attrs["minority"].to_numpy(),
        "merit": person_attrs["merit"].to_numpy(),
        "no_labour": person_attrs["no_labour"].to_numpy(),
        "chu_ho": _str(hh, "ho_ten_chu_ho"),
        "_head_sex": _str(hh, "gioi_tinh_chu_ho"),  # the head's row of a household without member rows
        "chuan": _str(hh, "chuan").fillna(std_id),
        "household_persons": np.where(person_attrs["pp_unknown"].to_numpy(dtype=bool), np.nan,
                                      person_attrs["pp"].to_numpy(dtype="float64")),
    })
    cols = ["stt", "ho_ten", "so_dinh_danh", "dinh_danh_loi", "ngay_sinh", "nam_sinh", "gioi_tinh", "quan_he",
            "dan_toc"]
    if len(members):
        m = members[members["uid"].isin(h["uid"]).to_numpy(dtype=bool)].reindex(columns=["uid", *cols])
        merged = m.merge(h, on="uid", how="inner", validate="many_to_one")
    else:
        merged = pd.DataFrame(columns=["uid", *cols, *[c for c in h.columns if c != "uid"]])
    without = h[~h["uid"].isin(merged["uid"])]
    if len(without):  # no member rows: the head alone, from the household row
        w = without.assign(stt=pd.NA, ho_ten=without["chu_ho"], so_dinh_danh=pd.NA, dinh_danh_loi="khong_co_thanh_vien",
                           ngay_sinh=pd.NaT, nam_sinh=pd.NA, gioi_tinh=without["_head_sex"], quan_he=HEAD,
                           dan_toc=pd.NA)
        merged = pd.concat([merged, w[merged.columns]], ignore_index=True) if len(merged) else w[merged.columns]
    merged = merged.drop(columns="_head_sex").reset_index(drop=True)
    merged["is_head"] = (merged["quan_he"].astype("string") == HEAD).fillna(False)
    merged["stt"] = pd.to_numeric(merged["stt"], errors="coerce").astype("Int64")
    villages = sorted(merged["thon"].dropna().astype(str).unique(), key=_natural)
    merged["_thon_rank"] = merged["thon"].map({v: i for i, v in enumerate(villages)}).fillna(len(villages))
    # the unit list's order: a district's communes together (commune codes alone interleave districts)
    merged = merged.sort_values(["class", "ma_huyen", "ma_xa", "_thon_rank", "ma_ho", "uid", "is_head", "stt"],
                                ascending=[True, True, True, True, True, True, False, True], na_position="last",
                                kind="stable").drop(columns="_thon_rank")
    merged = merged.reset_index(drop=True)
    first = ~merged.duplicated(["class", "uid"])
    merged["first_in_household"] = first
    merged["hh_no"] = first.astype(int).groupby(merged["class"]).cumsum()
    merged["member_no"] = merged.groupby(["class", "uid"]).cumcount() + 1
    merged["nam_sinh"] = pd.to_numeric(merged["nam_sinh"], errors="coerce").astype("Int64")
    sex = merged["gioi_tinh"].astype("string")
    merged["birth_year_male"] = merged["nam_sinh"].where((sex == MALE).fillna(False))
    merged["birth_year_female"] = merged["nam_sinh"].where((sex == FEMALE).fillna(False))
    merged["nam_ra_soat"] = pd.to_numeric(merged.pop("_review_year"), errors="coerce").astype("Int64").fillna(
        as_of.year)
    category = merged["category"].astype("string")
    merged["is_new"] = (category == mv.CATEGORY_NEW).fillna(False).to_numpy(dtype=bool)
    merged["is_relapse"] = (category == mv.CATEGORY_RELAPSE).fillna(False).to_numpy(dtype=bool)
    merged["is_continuing"] = (category == mv.CATEGORY_CONTINUING).fillna(False).to_numpy(dtype=bool)
    for flag in ("minority", "merit", "no_labour"):
        merged[flag] = merged[flag].astype(bool)
    merged["ngay_sinh"] = pd.to_datetime(merged["ngay_sinh"], errors="coerce")
    return merged


# ------------------------------------------------------------------------------------------ checks and extras
def _balance(rows: pd.DataFrame) -> pd.DataFrame:
    recs = []
    for cls in ("poor", "near"):
        part = pd.DataFrame({
            "unit": rows.index, "name": rows["name"].to_numpy(), "class": cls,
            "start": rows[f"{cls}_start"].to_numpy(), "dec": rows[f"{cls}_dec"].to_numpy(),
            "inc": rows[f"{cls}_inc"].to_numpy(), "end": rows[f"{cls}_hh"].to_numpy()})
        recs.append(part)
    bal = pd.concat(recs, ignore_index=True)
    bal["diff"] = bal["end"] - (bal["start"] - bal["dec"] + bal["inc"])
    return bal


def _contributions(total: pd.Series, indicators: dict[str, Any], weights: dict[str, float]) -> list[Contribution]:
    weighted = {k: weights.get(k, 1.0) * float(total.get(f"poor_{k}", 0)) for k in indicators}
    s = sum(weighted.values())
    # a poor household's flag not determined (form 04 leaves that count blank): its count is not known, nor — the
    # whole being unknown — any share; no deprivation of any poor household: no share to give. NaN, printed "–",
    # never 0 %
    unknown = {k for k in indicators if int(total.get(f"poor_{NOT_COUNTED}{k}", 0))}
    return [Contribution(k, indicators[k][0], None if k in unknown else int(total.get(f"poor_{k}", 0)),
                         (100.0 * weighted[k] / s) if s and not unknown else float("nan")) for k in indicators]


def _findings(results: Results) -> dict[str, int]:
    f = results.findings
    out = {"Lỗi": 0, "Cảnh báo": 0, "Thông tin": 0}
    if f is None or f.empty:
        return out
    col = "severity" if "severity" in f.columns else ("Mức độ" if "Mức độ" in f.columns else None)
    if col is None:
        out["Khác"] = len(f)
        return out
    sev = f[col].astype("string").map({"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}).fillna(f[col])
    for k, v in sev.value_counts().items():
        out[str(k)] = out.get(str(k), 0) + int(v)
    return out


_HTML_ROWS = 5000  # rows of a coverage or reconciliation table on the page (a province has ~200 communes)


def _coverage(results: Results, scope: Scope, row_level: str, rows: pd.DataFrame, as_of: date,
              communes: frozenset[str] | set[str] = frozenset()) -> Coverage:
    reg = get_registry()
    expected: list[Unit] = []
    if scope.level in (DISTRICT, PROVINCE) and scope.code:
        expected = reg.districts_of(scope.code, as_of) if row_level == DISTRICT else reg.communes_of(scope.code, as_of)
    present = [str(c) for c in rows.index]
    missing = [(u.code, u.name) for u in expected if u.code not in set(present)]
    cov = Coverage(expected=len(expected), present=present, missing=missing,
                   order=[(u.code, u.name) for u in expected])
    if row_level == DISTRICT:  # a district row of a province counts only the communes that sent their figures
        for code in present:
            district = reg.unit(code, as_of)
            all_communes = reg.communes_of(code, as_of)
            with_data = sum(1 for u in all_communes if u.code in communes)
            if district is not None and all_communes and with_data < len(all_communes):
                cov.partial.append((code, district.name, with_data, len(all_communes)))
    elif row_level in (COMMUNE, VILLAGE):
        # a 2025 commune whose figures come from only some of the old communes it was made of: each such row of a
        # district's or province's forms — or, in its own report (rows by village), the commune itself
        sheet = (results.extra_sheets or {}).get(SHEET_COVERAGE)
        if sheet is not None and {"ma_xa", "ten_xa", "xa_cu", "xa_cu_thieu"} <= set(sheet.columns):
            shown = set(present) if row_level == COMMUNE else {scope.code}
            for code, name, olds, lacking in sheet[["ma_xa", "ten_xa", "xa_cu", "xa_cu_thieu"]].itertuples(
                    index=False, name=None):
                olds_, lacking_ = (_codes(v) for v in (olds, lacking))
                if str(code) in shown and olds_ and lacking_:
                    cov.partial.append((str(code), str(name), len(olds_) - len(lacking_), len(olds_)))
            cov.partial_word = "xã cũ"
    unit_word = {DISTRICT: "huyện", COMMUNE: "xã", VILLAGE: "thôn"}.get(row_level, "đơn vị")
    if expected:
        cov.status.append(f"Có số liệu của {len(expected) - len(missing)}/{len(expected)} {unit_word} thuộc {scope.name}.")
        if missing:
            cov.status.append("Chưa có số liệu: " + names_list([n for _, n in missing]) + ".")
    else:
        cov.status.append(f"Số liệu của {len(present)} {unit_word}.")
    inputs = results.meta.get("inputs") if results.meta else None
    if isinstance(inputs, list):
        cov.status.append(f"Tổng hợp từ {len(inputs)} tệp đầu vào.")
    lab = labels()
    for title, df in (results.extra_sheets or {}).items():
        if df is None or df.empty:
            cov.tables.append((title, [], []))
            continue
        head = [lab.get(str(c), str(c)) for c in df.columns]
        shown = df.head(_HTML_ROWS).astype(object)
        shown = shown.map(lambda x: "Có" if x is True or x is np.True_ else "Không" if x is False or x is np.False_ else x)
        body = shown.astype("string").fillna("").astype(str).to_numpy().tolist()
        if len(df) > _HTML_ROWS:  # said, never cut silently: the whole table is in the results
            body.append([f"… và {len(df) - _HTML_ROWS} dòng nữa: xem sheet \"{title}\" của tệp kết quả."]
                        + [""] * (len(head) - 1))
        cov.tables.append((title, head, body))
    return cov


def _codes(value: Any) -> list[str]:
    """The codes of a "10513; 10514" cell (blank: none)."""
    return [] if value is None or pd.isna(value) else [c for c in str(value).replace(",", ";").split(";") if c.strip()]


def names_list(names: list[str], limit: int = 20) -> str:
    """"A, B, C" — at most ``limit`` names, then "và N đơn vị khác"."""
    head = ", ".join(names[:limit])
    return head if len(names) <= limit else f"{head} và {len(names) - limit} đơn vị khác"


_BLANK_NOTES = (
    (MEMBERS_UNKNOWN, ("poor", "near"), True,
     "{n} hộ nghèo, cận nghèo không có dòng thành viên nào (tệp xuất từ phần mềm rà soát không có danh sách thành "
     "viên, hoặc thiếu dòng thành viên của hộ): số trẻ em và hộ không có khả năng lao động của đơn vị có hộ đó (và "
     "dòng tổng) để trống, không ghi 0.",
     "{n} poor and near-poor households have no member rows (an export of the review application without its member "
     "list, or the household's member rows missing): the children and households without labour capacity of their "
     "units (and of the total row) are left blank, not 0."),
    (MERIT_UNKNOWN, ("poor", "near"), False,
     "{n} hộ nghèo, cận nghèo không có thông tin hộ có người có công (tệp xuất từ phần mềm rà soát không có cột này, "
     "hoặc ô không đọc được): số hộ có người có công của đơn vị có hộ đó (và dòng tổng) để trống, không ghi 0.",
     "{n} poor and near-poor households have no merit answer (the review application's export has no such column, "
     "or the cell was unreadable): the merit households of their units (and of the total row) are left blank, "
     "not 0."),
    (HEAD_SEX_UNKNOWN, ("poor", "near"), False,
     "{n} hộ nghèo, cận nghèo chưa rõ giới tính của chủ hộ (để trống hoặc ghi không hợp lệ): biểu 12, 13 để trống số "
     "hộ có chủ hộ là nữ của đơn vị có hộ đó (và dòng tổng), không ghi một số bỏ sót hộ đó.",
     "{n} poor and near-poor households have no known sex of their head (blank or not valid): forms 12 and 13 leave "
     "the female-headed households of their units (and of the total row) blank, not a count that leaves them out."),
    (OTHER_UNKNOWN, ("poor", "near"), False,
     "{n} hộ nghèo, cận nghèo không thuộc nhóm nào đã biết nhưng chưa rõ có phải \"hộ khác\" hay không (chưa rõ dân "
     "tộc của chủ hộ, hộ có người có công hay không, hoặc khả năng lao động: không có dòng thành viên, hay tuổi của "
     "thành viên chưa đủ rõ để biết có ai trong độ tuổi lao động): biểu 08 "
     "để trống số hộ khác của đơn vị có hộ đó (và dòng tổng), không ghi một số coi hộ đó là thuộc hay không thuộc "
     "nhóm nào.",
     "{n} poor and near-poor households are in no group known, but whether they are \"other\" households is not "
     "known (their head's ethnic group, their merit answer, or their labour capacity — no member rows, or no age sure "
     "enough to tell whether anyone is of working age — is not known): form 08 leaves the other households of their "
     "units (and of the total row) blank, not a count that takes them as in a group or in none."),
    (CAUSES_UNKNOWN, ("poor", "near"), False,
     "{n} hộ nghèo, cận nghèo không có thông tin nguyên nhân nghèo (tệp của xã không có cột này, hoặc bỏ trống cả "
     "cột): biểu 10 để trống số hộ theo nguyên nhân của đơn vị có hộ đó và của dòng tổng (không ghi 0).",
     "{n} poor and near-poor households have no cause of poverty (their file has no such column, or left all of it "
     "blank): form 10 leaves the households by cause of their units and of the total row blank (not 0)."),
    (AVG_UNKNOWN, ("nonpoor",), False,
     "{n} hộ làm nông, lâm, ngư, diêm nghiệp trên chuẩn nghèo chỉ theo điểm B1, không có thu nhập đo được (tệp xuất từ "
     "phần mềm rà soát không có cột thu nhập, hoặc ô thu nhập để trống hay ghi không đọc được): chưa xác định được có mức sống trung bình hay không — biểu 01 để trống "
     "số hộ, nhân khẩu có mức sống trung bình của đơn vị có hộ đó (và dòng tổng), không ghi 0.",
     "{n} farming households are above the poverty line by their B1 score alone, with no measured income (the review "
     "application's export has no income column, or the income cell is blank or unreadable): whether their living standard is average is not known — form 01 "
     "leaves the average-living households and persons of their units (and of the total row) blank, not 0."),
    (DEP_UNKNOWN, ("poor", "near"), False,
     "{n} hộ nghèo, cận nghèo có chỉ số thiếu hụt chưa rõ (câu trả lời cần để xác định chỉ số để trống hoặc ghi không "
     "hợp lệ): biểu 04–07 để trống số hộ thiếu hụt theo chỉ số đó và tổng số lượt thiếu hụt của đơn vị có hộ đó "
     "(và dòng tổng), không ghi 0 hay một tổng coi chỉ số chưa rõ là không thiếu hụt.",
     "{n} poor and near-poor households have an indicator not determined (an answer it needs left blank or not "
     "valid): forms 04–07 leave the households deprived in that indicator and the total of deprivations of their "
     "units (and of the total row) blank, not 0 nor a total that takes the unknown indicator as not deprived."),
    (DEP_NOT_HELD, ("poor", "near"), False,
     "{n} hộ nghèo, cận nghèo được phân loại theo chuẩn không có một số chỉ số của biểu (kết quả gộp từ nhiều chuẩn): "
     "biểu 04–07 để trống số hộ thiếu hụt theo chỉ số đó của đơn vị có hộ đó (và dòng tổng), không ghi 0.",
     "{n} poor and near-poor households were classified under a standard without some of the forms' indicators "
     "(results merged across standards): forms 04–07 leave the households deprived in such an indicator of their "
     "units (and of the total row) blank, not 0."),
    (CHILD_BHYT_UNKNOWN, ("poor", "near"), True,
     "{n} trẻ em thuộc hộ nghèo, cận nghèo chưa rõ có thẻ BHYT không (để trống hoặc ghi không hợp lệ): biểu 11 để trống "
     "số trẻ em không có thẻ BHYT của đơn vị có trẻ đó (và dòng tổng), không ghi 0.",
     "{n} children of poor and near-poor households have no known health-insurance answer (blank or not valid): form "
     "11 leaves the children without a card of their units (and of the total row) blank, not 0."),
    (CHILD_NUTRITION_UNKNOWN, ("poor", "near"), True,
     "{n} trẻ em thuộc hộ nghèo, cận nghèo chưa rõ có suy dinh dưỡng không (để trống hoặc ghi không hợp lệ): biểu 11 "
     "để trống số trẻ em suy dinh dưỡng của đơn vị có trẻ đó (và dòng tổng), không ghi 0.",
     "{n} children of poor and near-poor households have no known nutrition answer (blank or not valid): form 11 "
     "leaves the malnourished children of their units (and of the total row) blank, not 0."),
    (CHILD_SCHOOL_UNKNOWN, ("poor", "near"), True,
     "{n} trẻ em trong tuổi đi học thuộc hộ nghèo, cận nghèo chưa rõ có đang đi học không (để trống hoặc ghi không "
     "hợp lệ): biểu 11 để trống số trẻ em không đi học của đơn vị có trẻ đó (và dòng tổng), không ghi 0.",
     "{n} school-age children of poor and near-poor households have no known schooling answer (blank or not valid): "
     "form 11 leaves the children out of school of their units (and of the total row) blank, not 0."),
    (CHILD_AGE_UNKNOWN, ("poor", "near"), True,
     "{n} thành viên hộ nghèo, cận nghèo không có ngày hoặc năm sinh dùng được (để trống hoặc ghi không hợp lệ), hoặc "
     "chỉ có năm sinh mà tuổi có thể dưới hay đủ 16, nên chưa rõ có phải trẻ em không: biểu 11 để trống các số trẻ em "
     "của đơn vị có người đó (và dòng tổng), không ghi 0 — ghi ngày, tháng sinh của họ.",
     "{n} members of poor and near-poor households have no usable date or year of birth (blank or not valid), or a "
     "year alone by which they may be under 16 or not, so whether they are children is not known: form 11 leaves the "
     "children's figures of their units (and of the total row) blank, not 0 — write their day and month of birth."),
    (SIZE_UNKNOWN, ("all",), False,
     "{n} hộ không có dòng thành viên và không có số thành viên dùng được (để trống hoặc ghi không hợp lệ): số nhân "
     "khẩu của đơn vị có hộ đó (và dòng tổng) để trống, không ghi 0.",
     "{n} households have no member rows and no usable size (blank, or not a valid number): the persons figures of "
     "their units (and of the total row) are left blank, not 0."),
)


# the English subject of a _BLANK_NOTES entry, and its words for one ("1 child of a poor or near-poor household has")
_SINGULAR = (("school-age children of poor and near-poor households have", "school-age child of a poor or near-poor "
              "household has"),
             ("children of poor and near-poor households have", "child of a poor or near-poor household has"),
             ("members of poor and near-poor households have", "member of a poor or near-poor household has"),
             ("poor and near-poor households have", "poor or near-poor household has"),
             ("poor and near-poor households are", "poor or near-poor household is"),
             ("poor and near-poor households were", "poor or near-poor household was"),
             ("farming households are", "farming household is"), ("households have", "household has"))


def _one(text: str) -> str:
    """A _BLANK_NOTES English text said of one ("1 poor or near-poor household has …", not "1 … households have")."""
    for many, one in _SINGULAR:
        if text.startswith(f"1 {many}"):
            return f"1 {one}" + text[len(many) + 2:]
    return text


def _blank_notes(view: ReportView) -> list[tuple[str, Note]]:
    """(flag, note) of each _BLANK_NOTES entry that counts a household (or child) of the view."""
    t = view.total()
    out: list[tuple[str, Note]] = []
    for flag, groups, with_members, vi, en in _BLANK_NOTES:
        n = sum(int(t.get(f"{g}_{flag}", 0)) for g in groups)
        if n and (view.has_members or not with_members):
            out.append((flag, Note(vi.format(n=n), _one(en.format(n=n)) if n == 1 else en.format(n=n))))
    return out


def blank_notes_for(view: ReportView, names: set[str]) -> list[str]:
    """The notes of _BLANK_NOTES (Vietnamese: a form is filed in Vietnamese) on the figures a form that reads the
    counts ``names`` ("poor_child_no_bhyt", "hh" …) leaves blank: said on the form itself, which travels alone."""
    attrs = {n if n in ("hh", "pp") else n.partition("_")[2] for n in names}
    groups = {n.partition("_")[0] for n in names if n not in ("hh", "pp")}
    indicators = frozenset(i.key for i in view.series.get("indicators", []))
    affected = {**dict(UNKNOWN_OF), DEP_NOT_HELD: indicators}
    affected[DEP_UNKNOWN] = affected[DEP_UNKNOWN] | indicators  # (the total of deprivations, and each indicator)
    of_class = dict(UNKNOWN_OF_CLASS)  # (a flag that blanks every figure of a class: avg_hh, avg_pp …)
    out = [str(said) for flag, said in _blank_notes(view)
           if any(among(a, affected.get(flag, frozenset())) for a in attrs) or groups & of_class.get(flag, set())]
    waiting = int(view.total().get("unknown_hh", 0) or 0)
    if waiting and groups & {"poor", "near", "avg", "nonpoor"}:
        # households not classified (Chưa đủ thông tin) are in no class's figure: a form of the classes says so, as
        # it travels alone (the page and the findings name them)
        out.append(f"{waiting} hộ chưa đủ thông tin để phân loại (xem danh sách phát hiện): chưa tính vào số hộ nghèo, "
                   "cận nghèo hay không nghèo của biểu này" + ("; tổng số hộ có tính các hộ đó." if "hh" in names
                                                                  else "."))
    return out


def _notes(view: ReportView) -> list[str]:
    notes: list[str] = []
    off = view.balance[view.balance["diff"] != 0]
    word = {"poor": "hộ nghèo", "near": "hộ cận nghèo"}
    word_en = {"poor": "poor households", "near": "near-poor households"}
    for rec in off.to_dict("records"):
        notes.append(Note(f"Diễn biến {word[rec['class']]} không cân đối tại {rec['name']}: cuối kỳ {rec['end']} ≠ "
                          f"đầu kỳ {rec['start']} − giảm {rec['dec']} + tăng {rec['inc']}.",
                          f"Movements of {word_en[rec['class']]} do not balance in {rec['name']}: end {rec['end']} ≠ "
                          f"start {rec['start']} − decreases {rec['dec']} + increases {rec['inc']}."))
    t = view.total()
    for cls in ("poor", "near"):
        undetermined = int(t.get(f"mv_{cls}_unknown_end", 0))
        if undetermined:
            notes.append(Note(f"{undetermined} {word[cls]} đầu kỳ chưa rõ phân loại cuối kỳ.",
                              f"{undetermined} {word_en[cls]} at the start have no class at the end yet."))
        unknown_start = int(t.get(f"mv_{cls}_unknown_start", 0))
        if unknown_start:
            notes.append(Note(f"{unknown_start} {word[cls]} cuối kỳ chưa rõ phân loại đầu kỳ.",
                              f"{unknown_start} {word_en[cls]} at the end have no known class at the start."))
    # the figures the forms leave blank (formdef.evaluate, UNKNOWN_OF) for households whose answer is not known:
    # (flag, the classes counted — poor and near-poor, or all —, whether said only with member rows, vi, en)
    notes.extend(said for _flag, said in _blank_notes(view))
    if not view.has_members:
        notes.append(Note("Tệp kết quả không có dữ liệu thành viên: các số liệu về nhân khẩu, trẻ em, khả năng lao "
                          "động lấy theo số thành viên khai báo hoặc để trống.",
                          "The results have no member rows: persons, children and labour capacity figures come from "
                          "the declared household sizes or are left blank."))
    return notes


def _shared_ids(hh: pd.DataFrame, members: pd.DataFrame) -> frozenset[str]:
    """The IDs two member rows or more carry, leaving out the members of households that moved away or dissolved
    (listed again in the household they joined: one person, not two). Whichever file came first, neither holds it:
    `hgn run` and classify → merge → report give one list.

    Found on integer keys of the stripped IDs (a 12-digit ID is its own number), sorted: the text of only the
    shared ones (usually none) is ever built — a province has 2 million members."""
    from hgn_review.merge.stack import text, text_keys

    if "so_dinh_danh" not in members.columns or members.empty:
        return frozenset()
    keys = np.where(departed(hh, members), -1, text_keys(members["so_dinh_danh"], strip=True))
    held = np.sort(keys[keys >= 0])
    twice = held[1:][held[1:] == held[:-1]]
    if not len(twice):
        return frozenset()
    hit = np.isin(keys, twice)
    return frozenset(text(members["so_dinh_danh"][hit]).dropna().tolist())


def _not_reviewed(results: Results) -> dict[str, int]:
    """Start-of-period list households no return has (previous-not-reviewed findings), by their class on the list."""
    import json

    f = results.findings
    if f is None or f.empty or "code" not in f.columns:
        return {}
    rows = f[(f["code"].astype("string") == "previous-not-reviewed").fillna(False).to_numpy(dtype=bool)]
    if rows.empty:
        return {}
    out: dict[str, int] = {}
    for params in rows["params"].tolist() if "params" in rows.columns else [None] * len(rows):
        try:
            cls = str(json.loads(params).get("detail", "")) if isinstance(params, str) else ""
        except (ValueError, AttributeError):
            cls = ""
        out[cls] = out.get(cls, 0) + 1
    return out


def _pending_sheet(results: Results, commune: str | None) -> pd.DataFrame | None:
    """The merge's sheet of households waiting for their new commune; for a report of one commune (--unit), only
    those that may go to it (the commune among their candidates): another commune's households are not its own."""
    sheet = results.extra_sheets.get(SHEET_PENDING)
    if sheet is None or sheet.empty or commune is None or "xa_moi_co_the" not in sheet.columns:
        return sheet
    candidates = sheet["xa_moi_co_the"].astype("string").fillna("")
    mine = candidates.str.contains(rf"(?:^|;\s*){re.escape(commune)}\b", regex=True).fillna(False)
    return sheet[mine.to_numpy(dtype=bool)].reset_index(drop=True)


def _waiting(results: Results, commune: str | None = None) -> tuple[int, int, list[str]]:
    """(households, persons, old communes' names) of every household the merge left waiting for its new commune."""
    return waiting_counts(_pending_sheet(results, commune))


def waiting_counts(sheet: pd.DataFrame | None) -> tuple[int, int, list[str]]:
    """(households, persons, old communes' names) of rows of the merge's "Chờ quy đổi" sheet."""
    if sheet is None or sheet.empty:
        return 0, 0, []
    persons = int(pd.to_numeric(sheet["so_nhan_khau"], errors="coerce").fillna(0).sum()) \
        if "so_nhan_khau" in sheet.columns else 0
    name = sheet["ten_xa_cu"].astype("string") if "ten_xa_cu" in sheet.columns else \
        pd.Series(pd.NA, index=sheet.index, dtype="string")
    code = sheet["ma_xa_cu"].astype("string") if "ma_xa_cu" in sheet.columns else name
    names = sorted({str(n) for n in name.fillna(code).dropna().unique().tolist()})
    return len(sheet), persons, names


def _pending(results: Results, commune: str | None = None) -> pd.DataFrame:
    """The poor and near-poor households waiting for their new commune, as the merge listed them."""
    sheet = _pending_sheet(results, commune)
    if sheet is None or sheet.empty or "phan_loai" not in sheet.columns:
        return pd.DataFrame()
    listed = sheet["phan_loai"].astype("string").isin([mv.POOR, mv.NEAR]).fillna(False).to_numpy(dtype=bool)
    return sheet[listed].reset_index(drop=True)


def to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
