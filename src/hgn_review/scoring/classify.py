"""Classification of households under a standard (domain.md §2), with movements and Alkire–Foster figures.

A household is decided only when no completion of what is unknown (NA indicators, income or B1, area, NLNDN) could
change its class; otherwise it is ``Chưa đủ thông tin`` with a ``household-undecided`` finding saying what is
missing. A household with blocking data errors (``loi_chan``) is not classified. Nothing is imputed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hgn_review.errors import UsageError
from hgn_review.findings import Finding
from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring._frames import Locator, column, household_positions, household_values, map_values
from hgn_review.scoring._text import fmt_number, fmt_scalar, join_parts
from hgn_review.scoring.af import AFResult, alkire_foster
from hgn_review.scoring.indicators import Derivation, derive, exact_age
from hgn_review.scoring.movements import (
    CAN_NGHEO,
    CHUA_DU,
    KHONG_NGHEO,
    MSTB,
    NGHEO,
    STATUS_OUT,
    assign_movements,
    movement_tables,
    unbalanced_findings,
)
from hgn_review.scoring.standard import Standard, load_standard

CLASSES = (NGHEO, CAN_NGHEO, MSTB, KHONG_NGHEO, CHUA_DU)
AF_OVERALL = "overall"  # key of the whole batch in Classification.af
PREFER = ("recorded", "derived")


@dataclass
class Classification:
    households: pd.DataFrame
    members: pd.DataFrame
    findings: list[Finding]
    summary: pd.DataFrame  # one row per ma_xa
    af: dict[str, AFResult]  # per ma_xa, and AF_OVERALL
    movements: pd.DataFrame = field(default_factory=pd.DataFrame)  # movement_tables(households, 'ma_xa')
    standard: Standard | None = None
    local: Standard | None = None


# ------------------------------------------------------------------ the decision under one standard


@dataclass(frozen=True)
class Decision:
    phan_loai: pd.Series
    below: pd.Series  # boolean: income test (NA undecided)
    basis: pd.Series  # thu_nhap / diem_b1 / NA
    count: pd.Series  # Int64 deprivations
    unknown: pd.Series  # Int64 NA indicators
    missing: pd.Series  # str: what is missing when undecided ("" otherwise)
    needs_income: pd.Series  # bool: NLNDN above the line by B1 only
    explanation: pd.Series  # str: income test and count, for ly_do


def _at_or_below(value: pd.Series, area: pd.Series, thresholds: Mapping[str, float | None]) -> pd.Series:
    """value ≤ the threshold of the area (Kleene). Unknown area: decided only where every area's threshold agrees."""
    limit = map_values(area, dict(thresholds), "Float64")
    result = (value <= limit).astype("boolean")
    known = [v for v in thresholds.values() if v is not None]
    if known and len(known) == len(thresholds):
        no_area = area.isna()
        result = result.mask(no_area & (value <= min(known)).fillna(False), True)
        result = result.mask(no_area & (value > max(known)).fillna(False), False)
    return result


def _limit_text(area: pd.Series, thresholds: Mapping[str, float | None]) -> pd.Series:
    """``1.500.000 (Nông thôn)`` per household; ``của mọi khu vực`` when the area is unknown."""
    texts = {a: f"{fmt_scalar(v)} ({a})" for a, v in thresholds.items() if v is not None}
    return map_values(area, texts, "str").fillna("của mọi khu vực")


def decide(households: pd.DataFrame, flags: pd.DataFrame, std: Standard) -> Decision:
    """The class of each household (index ``flags.index`` = uid) under ``std`` from its flags and income answers."""
    hh = households.set_index(flags.index)
    k = std.k
    count = (flags == 1).sum(axis=1).astype("Int64")
    unknown = flags.isna().sum(axis=1).astype("Int64")
    income = column(hh, "thu_nhap_bq", "Float64")
    b1 = column(hh, "diem_b1", "Float64")
    area = column(hh, "khu_vuc", "str")
    nlndn = column(hh, "ho_nlndn", "boolean")
    measured = income.notna().to_numpy()
    by_b1 = ~measured & b1.notna().to_numpy()
    basis = (pd.Series(pd.NA, index=flags.index, dtype="str").mask(by_b1, "diem_b1")
             .mask(measured, "thu_nhap"))

    lines, cutoffs, bands = (std.thresholds("income_line"), std.thresholds("b1_cutoff"),
                             std.thresholds("average_living_upper"))
    below = _at_or_below(income, area, lines).where(measured, _at_or_below(b1, area, cutoffs))
    below = below.astype("boolean").mask(~measured & ~by_b1)
    band = _at_or_below(income, area, bands)

    may_below = below.fillna(True).astype(bool)
    may_above = (~below).fillna(True).astype(bool)
    may_nlndn = nlndn.fillna(True).astype(bool)
    may_not_nlndn = (~nlndn).fillna(True).astype(bool)
    may_band = band.fillna(True).astype(bool)
    may_over_band = (~band).fillna(True).astype(bool)
    lo, hi = count, count + unknown
    can = {
        NGHEO: may_below & (hi >= k).astype(bool),
        CAN_NGHEO: may_below & (lo < k).astype(bool),
        MSTB: may_above & measured & may_nlndn & may_band,
        KHONG_NGHEO: may_above & (~measured | may_not_nlndn | may_over_band),
    }
    options = sum(c.astype(int) for c in can.values())
    decided = options == 1
    cls = pd.Series(CHUA_DU, index=flags.index, dtype="str")
    for name, possible in can.items():
        cls = cls.mask(decided & possible, name)

    # what is missing, for the undecided
    undecided = ~decided
    count_open = may_below & (lo < k).astype(bool) & (hi >= k).astype(bool)
    below_na = below.isna()
    area_na = area.isna()
    # thresholds the standard leaves open (null) for the household's area, or for some area when it is unknown
    b1_open = pd.Series(False, index=flags.index)
    band_open = pd.Series(False, index=flags.index)
    for a in cutoffs:
        here = (area == a).fillna(False).astype(bool) | area_na
        if cutoffs[a] is None:
            b1_open |= here & by_b1
        if bands[a] is None:
            band_open |= here
    mstb_open = may_above & measured & can[MSTB] & can[KHONG_NGHEO]

    undecided_np = undecided.to_numpy(dtype=bool)

    def say(mask: pd.Series, text: Callable[[np.ndarray], pd.Series] | str) -> pd.Series:
        """The text on the undecided households where ``mask`` holds (only those rows: join_parts aligns)."""
        rows = undecided_np & np.asarray(mask.astype(bool), dtype=bool)
        if isinstance(text, str):
            return pd.Series(text, index=flags.index[rows], dtype="str")
        return text(rows)

    def count_missing(rows: np.ndarray) -> pd.Series:
        idx = flags.index[rows]
        na_names = join_parts((pd.Series(std.indicators[key].name, index=idx, dtype="str")
                               .where(flags[key][rows].isna()) for key in INDICATORS), idx, ", ")
        return ("chưa rõ " + unknown[rows].astype("str") + " chỉ số (" + na_names + "), đã thiếu hụt "
                + count[rows].astype("str") + ", cần biết có đạt " + str(k) + " chỉ số không")

    missing = join_parts([
        say(below_na & ~measured & ~by_b1, "thiếu thu nhập bình quân và điểm B1"),
        say((below_na | (mstb_open & band.isna())) & area_na & (measured | by_b1), "thiếu khu vực (thành thị/nông thôn)"),
        say(below_na & b1_open, f"chuẩn {std.id} chưa có ngưỡng điểm B1 cho khu vực này"),
        say(count_open, count_missing),
        say(mstb_open & nlndn.isna(), "chưa rõ hộ có làm nông, lâm, ngư, diêm nghiệp không"),
        say(mstb_open & band.isna() & band_open,
            f"chuẩn {std.id} chưa có mức thu nhập tối đa của hộ có mức sống trung bình"),
    ], flags.index)

    needs_income = ((cls == KHONG_NGHEO) & by_b1 & nlndn.fillna(False).astype(bool)
                    & (~below).fillna(False).astype(bool))

    # explanation: the income test and the count
    op = pd.Series(np.where(below.fillna(False).astype(bool), "≤", ">"), index=flags.index, dtype="str")
    said = below.notna().to_numpy()
    by_income, by_score = said & measured, said & by_b1

    def tail(rows: np.ndarray, middle: str, word: str, thresholds: Mapping[str, float | None]) -> pd.Series:
        """``middle + op + word + limit`` of the rows, built once per distinct (op, area) and spread."""
        o, a = op[rows], area[rows]
        area_codes, areas = pd.factorize(a, use_na_sentinel=True)
        key = (o == "≤").to_numpy(dtype=bool).astype(np.int64) * (len(areas) + 1) + area_codes + 1
        _, first, codes = np.unique(key, return_index=True, return_inverse=True)
        texts = middle + o.iloc[first] + word + _limit_text(a.iloc[first], thresholds)
        return pd.Series(texts.array.take(codes.reshape(-1)), index=o.index)

    income_text = ("Thu nhập bình quân " + fmt_number(income[by_income])
                   + tail(by_income, " đồng/người/tháng ", " chuẩn ", lines))
    b1_text = "Điểm B1 " + fmt_number(b1[by_score]) + tail(by_score, " ", " ngưỡng ", cutoffs)
    test_text = pd.concat([income_text, b1_text])
    band_text = ("thu nhập không quá " + _limit_text(area, bands) + ": mức sống trung bình").where(cls == MSTB)
    # one text per distinct (count, unknown) pair, then spread to the households
    c_np, u_np = count.to_numpy(dtype="int64"), unknown.to_numpy(dtype="int64")
    _, first, codes = np.unique(c_np * (len(INDICATORS) + 1) + u_np, return_index=True, return_inverse=True)
    codes = codes.reshape(-1)
    c_u = pd.Series(c_np[first], dtype="Int64")
    u_u = pd.Series(u_np[first], dtype="Int64")
    texts = (c_u.astype("str") + "/" + str(len(INDICATORS)) + " chỉ số thiếu hụt"
             + (", " + u_u.astype("str") + " chưa rõ").where(u_u > 0, ""))
    count_text = pd.Series(texts.array.take(codes), index=flags.index)
    explanation = join_parts([test_text, band_text, count_text], flags.index)
    return Decision(cls, below, basis, count, unknown, missing, needs_income, explanation)


# ------------------------------------------------------------------ flags used


def _recorded(households: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({key: column(households, key, "Int8").to_numpy() for key in INDICATORS}, index=index,
                        dtype="Int8")


def _combine(recorded: pd.DataFrame, derived: pd.DataFrame, prefer: str) -> pd.DataFrame:
    if prefer == "recorded":
        return recorded.where(recorded.notna(), derived).astype("Int8")
    return derived.where(derived.notna(), recorded).astype("Int8")


def _used_reasons(used: pd.DataFrame, d: Derivation, std: Standard) -> list[pd.Series]:
    """Per indicator, the reason of each household where the flag used is 1."""
    out = []
    for key in INDICATORS:
        # only the households where the flag used is 1 (the parts are aligned on the index by join_parts)
        rows = used[key].to_numpy(dtype="int8", na_value=0) == 1
        derived = d.flags[key].to_numpy(dtype="int8", na_value=0)[rows] == 1
        says = d.reasons[key][rows].where(derived)
        out.append(says.fillna(std.indicators[key].short_name + ": theo số liệu ghi").astype("str"))
    return out


# ------------------------------------------------------------------ the public entry point


def _fmt_value(value: object) -> str:
    f = float(value)  # type: ignore[arg-type]
    return str(int(f)) if f.is_integer() else str(f)


def classify(households: pd.DataFrame, members: pd.DataFrame, std: Standard | str, *,
             local: Standard | str | None = None, prefer: str = "recorded", previous: pd.DataFrame | None = None,
             history: Sequence[pd.DataFrame] | None = None,
             registry_areas: Mapping[str, str] | pd.Series | None = None) -> Classification:
    """Classify validated households (docs/contracts.md §1) under ``std`` and, if given, a ``local`` standard.

    Flags: derived from the members and household answers; where the input also records ``th_*`` flags, each
    disagreement is an ``indicator-mismatch`` finding and the recorded value wins (``prefer='derived'`` reverses
    that; a flag known on one side only is taken from that side). ``previous`` (ma_xa, ma_ho, phan_loai[,
    so_dinh_danh_chu_ho]) gives the start-of-period list; ``history`` earlier lists for relapses.
    ``registry_areas`` (ma_xa → Thành thị / Nông thôn) fills a missing ``khu_vuc``.
    """
    if prefer not in PREFER:
        raise UsageError(f"prefer phải là 'recorded' hoặc 'derived', không phải '{prefer}'",
                         message_en=f"prefer must be 'recorded' or 'derived', not '{prefer}'")
    std = load_standard(std)
    local_std = load_standard(local) if local is not None else None
    hh = households.copy()
    index = pd.Index(column(hh, "uid", "Int64").astype("int64"), name="uid")
    if not index.is_unique:
        raise UsageError("Cột uid của bảng hộ phải duy nhất.", message_en="households.uid must be unique")
    if registry_areas is not None:
        registry = pd.Series(registry_areas) if not isinstance(registry_areas, pd.Series) else registry_areas
        area = column(hh, "khu_vuc", "str")
        filled = area.isna() & column(hh, "ma_xa", "str").map(registry).notna()
        hh["khu_vuc"] = area.where(~filled, column(hh, "ma_xa", "str").map(registry))
        hh["khu_vuc_nguon"] = column(hh, "khu_vuc_nguon", "str").mask(filled, "danh_muc")
    mem = members if members is not None else pd.DataFrame(columns=["uid"])

    found: list[Finding] = []
    loc = Locator(hh, index)
    recorded = _recorded(hh, index)
    d = derive(hh, mem, std)
    used = _combine(recorded, d.flags, prefer)

    for key in INDICATORS:
        clash = (recorded[key].notna() & d.flags[key].notna() & (recorded[key] != d.flags[key])).fillna(False)
        found += [loc.finding("indicator-mismatch", uid, column_key=key, key=key, value=int(recorded.at[uid, key]),
                              detail=int(d.flags.at[uid, key])) for uid in clash[clash].index]

    dec = decide(hh, used, std)
    blocked_codes = column(hh, "loi_chan", "str").set_axis(index)
    blocked = blocked_codes.notna()
    phan_loai = dec.phan_loai.mask(blocked, CHUA_DU)

    undecided = ~blocked & (phan_loai == CHUA_DU)
    found += [loc.finding("household-undecided", uid, key="phan_loai", detail=dec.missing.at[uid])
              for uid in undecided[undecided].index]
    found += [loc.finding("household-not-classified", uid, key="loi_chan", value=blocked_codes.at[uid],
                          detail=blocked_codes.at[uid]) for uid in blocked[blocked].index]
    info = dec.needs_income & ~blocked
    found += [loc.finding("average-living-needs-income", uid, column_key="diem_b1", key="diem_b1")
              for uid in info[info].index]

    # recorded B2 score and recorded class, checked against the recomputation
    b2 = column(hh, "diem_b2", "Float64").set_axis(index)
    expected_b2 = dec.count * std.b2_points.value
    bad_b2 = (b2.notna() & (dec.unknown == 0) & (b2 != expected_b2)).fillna(False).astype(bool)
    found += [loc.finding("b2-count-mismatch", uid, column_key="diem_b2", key="diem_b2", value=_fmt_value(b2.at[uid]),
                          detail=f"{dec.count.at[uid]} chỉ số → {expected_b2.at[uid]} điểm")
              for uid in bad_b2[bad_b2].index]
    written = column(hh, "phan_loai_ghi", "str").set_axis(index)
    compatible = (written == MSTB) & (phan_loai == KHONG_NGHEO) & (dec.basis == "diem_b1")
    bad_class = (written.notna() & (phan_loai != CHUA_DU) & (written != phan_loai) & ~compatible).fillna(False)
    found += [loc.finding("class-mismatch", uid, column_key="phan_loai_ghi", key="phan_loai_ghi",
                          value=written.at[uid], detail=phan_loai.at[uid]) for uid in bad_class[bad_class.astype(bool)].index]

    # the local standard
    local_class = pd.Series(pd.NA, index=index, dtype="str")
    if local_std is not None:
        d_local = derive(hh, mem, local_std)
        dec_local = decide(hh, _combine(recorded, d_local.flags, prefer), local_std)
        local_class = dec_local.phan_loai.mask(blocked, CHUA_DU)
        # report what the local standard misses only where it differs from what the national one already asks
        extra = ~blocked & (local_class == CHUA_DU) & (dec_local.missing != dec.missing.where(phan_loai == CHUA_DU, ""))
        found += [loc.finding("household-undecided", uid, key="phan_loai_dia_phuong",
                              detail=f"theo chuẩn {local_std.id}: {dec_local.missing.at[uid]}") for uid in extra[extra].index]

    # reasons
    blocked_text = ("Không phân loại do lỗi dữ liệu: " + blocked_codes).where(blocked)
    undecided_text = ("Chưa đủ thông tin: " + dec.missing).where(undecided)
    ly_do = join_parts([blocked_text, dec.explanation, *_used_reasons(used, d, std), undecided_text], index)

    out = hh
    for key in INDICATORS:
        out[key] = used[key].array
    out["so_thieu_hut"] = dec.count.array
    out["so_chua_ro"] = dec.unknown.array
    out["co_so_thu_nhap"] = dec.basis.array
    out["duoi_chuan_thu_nhap"] = dec.below.astype("boolean").array
    out["phan_loai"] = phan_loai.array
    out["phan_loai_dia_phuong"] = local_class.array
    out["ly_do"] = ly_do.array
    out["chuan"] = pd.Series(std.id, index=out.index, dtype="str")

    moves = assign_movements(out, mem, previous=previous, history=history)
    found.extend(moves.findings)
    out["dau_ky"] = moves.dau_ky.array
    out["dien_bien"] = moves.dien_bien.array
    tables = movement_tables(out, by="ma_xa")
    found.extend(unbalanced_findings(tables, by="ma_xa"))

    members_out = _members_out(mem, out, d)
    present = ~column(out, "tinh_trang_ho", "str").isin(STATUS_OUT).to_numpy()
    summary = _summary(out, members_out, present, local_std is not None)
    af = _af(out, used, std, present & ~blocked.to_numpy())
    return Classification(out, members_out, found, summary, af, tables, std, local_std)


def _members_out(members: pd.DataFrame, households: pd.DataFrame, d: Derivation) -> pd.DataFrame:
    m = members.copy()
    m["tuoi"] = exact_age(d.age_lo, d.age_hi).astype("Int64").array
    pos = household_positions(households, m)
    for key in ("ma_xa", "thon", "phan_loai", "dien_bien"):
        m[key] = household_values(households, column(households, key, "str"), m, pos).astype("str").array
    return m


def _summary(households: pd.DataFrame, members: pd.DataFrame, present: np.ndarray, with_local: bool) -> pd.DataFrame:
    """Per commune: households and persons by class (households that moved away or dissolved are left out and
    counted in ``ho_roi_di``); rates are percentages of the commune's households."""
    size = column(members, "uid", "Int64").value_counts()
    uid = column(households, "uid", "Int64")
    persons = uid.map(size).astype("Int64")
    persons = persons.where(persons.notna(), column(households, "so_thanh_vien", "Int64")).fillna(0).astype("int64")
    cls = column(households, "phan_loai", "str")
    data = {"ma_xa": column(households, "ma_xa", "str"), "so_ho": pd.Series(1, index=households.index),
            "so_nhan_khau": persons}
    names = {NGHEO: "ngheo", CAN_NGHEO: "can_ngheo", MSTB: "mstb", KHONG_NGHEO: "khong_ngheo", CHUA_DU: "chua_du"}
    for label, short in names.items():
        data[f"ho_{short}"] = (cls == label).astype(int)
        data[f"nhan_khau_{short}"] = persons.where(cls == label, 0)
    if with_local:
        local = column(households, "phan_loai_dia_phuong", "str")
        for label in (NGHEO, CAN_NGHEO):
            data[f"ho_{names[label]}_dia_phuong"] = (local == label).astype(int)
    frame = pd.DataFrame(data, index=households.index)
    summary = frame[present].groupby("ma_xa", dropna=False, sort=True).sum(numeric_only=True)
    gone = pd.Series((~present).astype(int), index=households.index).groupby(frame["ma_xa"], dropna=False).sum()
    summary = summary.reindex(summary.index.union(gone.index), fill_value=0)
    summary["ho_roi_di"] = gone.reindex(summary.index, fill_value=0)
    for short in ("ngheo", "can_ngheo", "mstb"):
        summary[f"ty_le_ho_{short}"] = (summary[f"ho_{short}"] / summary["so_ho"].where(summary["so_ho"] > 0) * 100)
        summary[f"ty_le_nhan_khau_{short}"] = (summary[f"nhan_khau_{short}"]
                                               / summary["so_nhan_khau"].where(summary["so_nhan_khau"] > 0) * 100)
    return summary.reset_index()


def _af(households: pd.DataFrame, used: pd.DataFrame, std: Standard, population: np.ndarray) -> dict[str, AFResult]:
    weights = np.asarray(std.weights.value)
    matrix = np.column_stack([used[key].to_numpy(dtype=float, na_value=np.nan) for key in INDICATORS])
    matrix = matrix.reshape(len(used), len(INDICATORS))[population]
    units = column(households, "ma_xa", "str").to_numpy()[population]
    out = {AF_OVERALL: alkire_foster(matrix, weights, std.af_cutoff)}
    # each commune's rows, in their order, as one contiguous block of the matrix sorted (stably) by commune
    named = np.flatnonzero(pd.notna(units))
    codes, names = pd.factorize(pd.Series(units[named], dtype=object), sort=True)
    order = named[np.argsort(codes, kind="stable")]
    ends = np.cumsum(np.bincount(codes, minlength=len(names)))
    for i, unit in enumerate(names):
        rows = order[(ends[i - 1] if i else 0):ends[i]]
        out[str(unit)] = alkire_foster(matrix[rows], weights, std.af_cutoff)
    return out


