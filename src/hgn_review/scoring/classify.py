"""Classification of households under a standard (domain.md §2), with movements and Alkire–Foster figures.

A household is decided only when no completion of what is unknown (NA indicators, income or B1, area, NLNDN) could
change its class; otherwise it is ``Chưa đủ thông tin`` with a ``household-undecided`` finding saying what is
missing. A household with blocking data errors (``loi_chan``) is not classified. Nothing is imputed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from hgn_review.errors import UsageError
from hgn_review.findings import Finding, blocking_text
from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring._frames import Coded, Locator, Tri, column, group_sums, household_persons
from hgn_review.scoring._text import (
    Piece,
    Rows,
    cat,
    fmt_number,
    fmt_scalar,
    join_pieces,
    labels,
    lookup_text,
    repeat,
    to_arrow,
    to_series,
)
from hgn_review.scoring.af import AFResult, alkire_foster, alkire_foster_by
from hgn_review.scoring.indicators import Derivation, Prepared, age_scenarios, derive, prepare
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
from hgn_review.scoring.standard import Standard, load_local_standard, load_standard

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


BASES = ("thu_nhap", "diem_b1")  # co_so_thu_nhap


@dataclass(frozen=True)
class Decision:
    classes: np.ndarray  # per household: the class, as its position in CLASSES
    below: Tri  # income test (NA undecided)
    basis: np.ndarray  # position in BASES (-1: neither)
    count: np.ndarray  # deprivations
    unknown: np.ndarray  # NA indicators
    missing: pd.Series  # str: what is missing when undecided ("" otherwise)
    missing_en: pd.Series  # the same in English (indicators keep their legal Vietnamese names)
    needs_income: np.ndarray  # bool: NLNDN above the line by B1 only
    # the income test, the band (average-living; above it; not a farming household) and the count, for ly_do
    # ("; "-joined, in this order); CLASS_PIECES of them say a class
    explanation: list[Piece]


def _values(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(float values, known) of a numeric Series; NA as NaN."""
    return series.to_numpy(dtype=float, na_value=np.nan), series.notna().to_numpy()


def _at_or_below(value: tuple[np.ndarray, np.ndarray], area: Coded, thresholds: Mapping[str, float | None]) -> Tri:
    """value ≤ the threshold of the area (Kleene). Unknown area: decided only where every area's threshold agrees."""
    x, known = value
    limit = area.lookup(thresholds, np.nan, float)
    result = Tri.test(known & ~np.isnan(limit), x <= limit)
    given = [v for v in thresholds.values() if v is not None]
    if given and len(given) == len(thresholds):
        no_area = (area.codes < 0) & known
        result = Tri(result.yes | (no_area & (x <= min(given))), result.no | (no_area & (x > max(given))))
    return result


_EVERY_AREA = "của mọi khu vực"  # a limit named for a household whose area is unknown (or a line left open)


def _limit_texts(area: Coded, thresholds: Mapping[str, float | None]) -> list[str]:
    """Per distinct area, then for NA: ``1.500.000 (Nông thôn)``; ``của mọi khu vực`` when unknown or open."""
    texts = {a: f"{fmt_scalar(v)} ({a})" for a, v in thresholds.items() if v is not None}
    return [texts.get(a, _EVERY_AREA) for a in area.values] + [_EVERY_AREA]


def _constant(rows: np.ndarray, text: str) -> Rows:
    return rows, repeat(text, len(rows))


def decide(households: pd.DataFrame, flags: pd.DataFrame, std: Standard) -> Decision:
    """The class of each household (index ``flags.index`` = uid) under ``std`` from its flags and income answers."""
    n, k = len(flags), std.k
    na = [flags[key].isna().to_numpy() for key in std.keys]
    count, unknown = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for key, unknown_here in zip(std.keys, na, strict=True):
        count += (flags[key].to_numpy(dtype="int8", na_value=0) == 1) & ~unknown_here
        unknown += unknown_here
    income = _values(column(households, "thu_nhap_bq", "Float64"))
    b1 = _values(column(households, "diem_b1", "Float64"))
    area = Coded.of(column(households, "khu_vuc", "str"))
    nlndn = Tri.of(column(households, "ho_nlndn", "boolean"))
    measured = income[1]
    # an income written but unreadable or out of any possible range (validation blocks the household; "1500" in
    # thousands): the B1 score does not stand in for it, a measured income given comes first (domain.md §2.4)
    unread = column(households, "loi_chan", "str").str.contains("income-unreadable|income-implausible|income-not-whole",
                                                                regex=True)
    unread = unread.fillna(False).to_numpy(dtype=bool)
    by_b1 = ~measured & ~unread & b1[1]

    lines, cutoffs, bands = (std.thresholds("income_line"), std.thresholds("b1_cutoff"),
                             std.thresholds("average_living_upper"))
    by_income, by_score = _at_or_below(income, area, lines), _at_or_below(b1, area, cutoffs)
    below = Tri(np.where(measured, by_income.yes, by_score.yes & ~unread),
                np.where(measured, by_income.no, by_score.no & ~unread))
    band = _at_or_below(income, area, bands)

    may_below, may_above = ~below.no, ~below.yes
    lo, hi = count, count + unknown
    can = {
        NGHEO: may_below & (hi >= k),
        CAN_NGHEO: may_below & (lo < k),
        MSTB: may_above & measured & ~nlndn.no & ~band.no,
        KHONG_NGHEO: may_above & (~measured | ~nlndn.yes | ~band.yes),
    }
    decided = sum(c.astype(int) for c in can.values()) == 1
    cls = np.full(n, CLASSES.index(CHUA_DU))
    for name, possible in can.items():
        cls[decided & possible] = CLASSES.index(name)

    # what is missing, for the undecided
    undecided = ~decided
    count_open = may_below & (lo < k) & (hi >= k)
    below_na, band_na, area_na = below.unknown, band.unknown, area.codes < 0
    # thresholds the standard leaves open (null) for the household's area, or for some area when it is unknown
    b1_open = np.zeros(n, dtype=bool)
    band_open = np.zeros(n, dtype=bool)
    for a in cutoffs:
        here = area.matches((a,)) | area_na
        if cutoffs[a] is None:
            b1_open |= here & by_b1
        if bands[a] is None:
            band_open |= here
    mstb_open = may_above & measured & can[MSTB] & can[KHONG_NGHEO]
    undated = column(households, "ngay_ra_soat", "datetime").isna().to_numpy(dtype=bool)

    def rows(mask: np.ndarray) -> np.ndarray:
        """The undecided households where ``mask`` holds."""
        return np.flatnonzero(undecided & mask)

    def count_missing(at: np.ndarray, en: bool) -> Rows:
        na_names = join_pieces(len(at), (_constant(np.flatnonzero(na[j][at]), std.indicators[key].name)
                                         for j, key in enumerate(std.keys)), ", ")
        if en:
            return at, cat(to_arrow(pd.Series(unknown[at]).astype("str")), " indicators unknown (", na_names,
                           "), ", to_arrow(pd.Series(count[at]).astype("str")),
                           f" deprived: whether {k} are reached is needed")
        return at, cat("chưa rõ ", to_arrow(pd.Series(unknown[at]).astype("str")), " chỉ số (", na_names,
                       "), đã thiếu hụt ", to_arrow(pd.Series(count[at]).astype("str")),
                       f", cần biết có đạt {k} chỉ số không")

    def what_is_missing(en: bool) -> pd.Series:
        def say(vi: str, english: str) -> str:
            return english if en else vi

        return to_series(join_pieces(n, [
            _constant(rows(below_na & ~measured & ~by_b1), say("thiếu thu nhập bình quân và điểm B1",
                                                               "no income per head and no B1 score")),
            _constant(rows((below_na | (mstb_open & band_na)) & area_na & (measured | by_b1)),
                      say("thiếu khu vực (thành thị/nông thôn)", "no area (urban/rural)")),
            _constant(rows(below_na & b1_open), say(f"chuẩn {std.id} chưa có ngưỡng điểm B1 cho khu vực này",
                                                    f"the standard {std.id} has no B1 cut-off for this area")),
            count_missing(rows(count_open), en),
            # why ages are not known: the review date they are counted on is missing (said at its cell)
            _constant(rows(count_open & undated), say("chưa có ngày rà soát nên chưa tính được tuổi các thành viên",
                                                      "no review date, so the members' ages cannot be worked out")),
            _constant(rows(mstb_open & nlndn.unknown),
                      say("chưa rõ hộ có làm nông, lâm, ngư, diêm nghiệp không",
                          "not known whether the household works in farming, forestry, fishery or salt")),
            _constant(rows(mstb_open & band_na & band_open),
                      say(f"chuẩn {std.id} chưa có mức thu nhập tối đa của hộ có mức sống trung bình",
                          f"the standard {std.id} has no income ceiling for average-living-standard households")),
        ]), flags.index)

    missing, missing_en = what_is_missing(False), what_is_missing(True)

    needs_income = (cls == CLASSES.index(KHONG_NGHEO)) & by_b1 & nlndn.yes & below.no

    # explanation: the income test (texts per distinct test, area and comparison), the band and the count
    said = np.flatnonzero(~below_na & (measured | by_b1))
    kind = np.where(measured[said], 0, 1)  # by income, by B1 score
    op = below.yes[said].astype(int)
    places = len(area.values) + 1
    heads = pa.array(["Thu nhập bình quân ", "Điểm B1 "], pa.large_string())
    tails = pa.array([f"{middle}{sign}{word}{limit}"
                      for middle, word, thresholds in ((" đồng/người/tháng ", " chuẩn ", lines),
                                                       (" ", " ngưỡng ", cutoffs))
                      for sign in (">", "≤") for limit in _limit_texts(area, thresholds)], pa.large_string())
    value = np.where(measured, income[0], b1[0])[said]
    # (to six places: a B1 score of 140,004 is never said "140 > ngưỡng 140"; a whole number shows none)
    test_text = cat(lookup_text(heads, kind), to_arrow(fmt_number(pd.Series(value), 6)),
                    lookup_text(tails, (kind * 2 + op) * places + area.codes[said] % places))
    mstb = np.flatnonzero(cls == CLASSES.index(MSTB))
    # the area unknown: the ceiling of every area ("mức tối đa của mọi khu vực"), never "không quá của …"
    ceilings = [f"mức tối đa {limit}" if limit == _EVERY_AREA else limit for limit in _limit_texts(area, bands)]
    band_texts = pa.array([f"thu nhập không quá {limit}: mức sống trung bình" for limit in ceilings],
                          pa.large_string())
    band_text = lookup_text(band_texts, area.codes[mstb] % places)
    # not poor, and not average-living either: why (above the band, or not a farming household)
    not_poor = cls == CLASSES.index(KHONG_NGHEO)
    over = np.flatnonzero(not_poor & measured & below.no & nlndn.yes & band.no)
    over_texts = pa.array([f"thu nhập trên {limit}: không thuộc mức sống trung bình" for limit in ceilings],
                          pa.large_string())
    over_text = lookup_text(over_texts, area.codes[over] % places)
    other = np.flatnonzero(not_poor & measured & below.no & nlndn.no & ~band.no)
    other_text = pa.array(["không phải hộ làm nông, lâm, ngư, diêm nghiệp: không xét mức sống trung bình"] * len(other),
                          pa.large_string())
    # one text per possible (count, unknown) pair
    d = len(std.keys)
    count_texts = pa.array([f"{c}/{d} chỉ số thiếu hụt" + (f", {u} chưa rõ" if u > 0 else "")
                            for c in range(d + 1) for u in range(d + 1)], pa.large_string())
    count_text = lookup_text(count_texts, count * (d + 1) + unknown)

    basis = np.where(measured, BASES.index("thu_nhap"), np.where(by_b1, BASES.index("diem_b1"), -1))
    return Decision(cls, below, basis, count, unknown, missing, missing_en, needs_income,
                    [(said, test_text), (mstb, band_text), (over, over_text), (other, other_text),
                     (None, count_text)])


# ------------------------------------------------------------------ flags used


def _recorded(households: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({key: column(households, key, "Int8").array for key in INDICATORS}, index=index, copy=False)


def _flag(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(int8 values, NA) of an Int8 flag column."""
    return values.to_numpy(dtype="int8", na_value=0), values.isna().to_numpy()


def _same_rule(local: Standard, national: Standard, key: str) -> bool:
    """Whether the local standard counts indicator ``key`` as the national one does (its rule and parameters)."""
    a, b = local.indicators.get(key), national.indicators.get(key)
    return a is not None and b is not None and a.rule == b.rule and \
        {k: p.value for k, p in a.params.items()} == {k: p.value for k, p in b.params.items()}


def _combine(recorded: pd.DataFrame, derived: pd.DataFrame, prefer: str) -> pd.DataFrame:
    """The flag of the preferred side where it is known, else the other side's."""
    first, second = (recorded, derived) if prefer == "recorded" else (derived, recorded)
    out = {}
    for key in derived.columns:  # the standard's indicators (a flag it does not hold is not used)
        (a, a_na), (b, b_na) = _flag(first[key]), _flag(second[key])
        out[key] = pd.arrays.IntegerArray(np.where(a_na, b, a), a_na & b_na)
    return pd.DataFrame(out, index=recorded.index, copy=False)


def _used_reasons(used: pd.DataFrame, d: Derivation, std: Standard) -> list[Rows]:
    """Per indicator, the reason of each household where the flag used is 1: the derived one where it was derived
    1, else that the recorded flag was used (two pieces per indicator, in indicator order)."""
    out: list[Rows] = []
    for key in std.keys:
        one = used[key].to_numpy(dtype="int8", na_value=0) == 1
        rows, texts = d.said[key]  # the households derived 1
        keep = one[rows] & texts.is_valid().to_numpy(zero_copy_only=False)
        recorded = one.copy()
        recorded[rows[keep]] = False
        out += [(rows[keep], texts.filter(pa.array(keep))),
                _constant(np.flatnonzero(recorded), std.indicators[key].short_name + ": theo số liệu ghi")]
    return out


# ------------------------------------------------------------------ the public entry point


def _fmt_value(value: object) -> str:
    f = float(value)  # type: ignore[arg-type]
    return str(int(f)) if f.is_integer() else str(f)


def _other_standard(hh: pd.DataFrame, std: Standard, loc: Locator) -> list[Finding]:
    """Households whose review date lies under another national standard than ``std``: blocked (``loi_chan``)
    and reported. A date no standard covers was reported and blocked by validation already."""
    from hgn_review.scoring.standard import nationally_covered

    if "ngay_ra_soat" not in hh.columns:
        return []
    dates = hh["ngay_ra_soat"]
    other = dates.notna().to_numpy(dtype=bool) & ~std.covers_dates(dates) & nationally_covered(dates)
    if not other.any():
        return []
    at = np.flatnonzero(other)
    codes = column(hh, "loi_chan", "str")
    mark = pd.Series(other, index=codes.index)
    hh["loi_chan"] = codes.mask(mark & codes.isna(), "review-date-other-standard").mask(
        mark & codes.notna(), codes + ";review-date-other-standard")
    return loc.findings("review-date-other-standard", at, column_key="ngay_ra_soat", key="ngay_ra_soat",
                        value=[f"{d:%d/%m/%Y}" for d in dates.iloc[at]], detail=std.id)


def _outside_chosen(hh: pd.DataFrame, std: Standard, loc: Locator) -> list[Finding]:
    """Households whose review date lies outside the period of the standard the user chose (--standard), under
    another national standard: classified under the chosen one as asked, and said at the date's cell. (A date no
    standard covers, a mistyped year, was reported and blocked by validation.)"""
    from hgn_review.scoring.standard import nationally_covered

    if "ngay_ra_soat" not in hh.columns:
        return []
    dates = hh["ngay_ra_soat"]
    at = np.flatnonzero(dates.notna().to_numpy(dtype=bool) & ~std.covers_dates(dates) & nationally_covered(dates))
    if not len(at):
        return []
    span = f"{std.id} ({std.valid_from.value:%d/%m/%Y}–{std.valid_to.value:%d/%m/%Y})"
    return loc.findings("review-date-outside-standard", at, column_key="ngay_ra_soat", key="ngay_ra_soat",
                        value=[f"{d:%d/%m/%Y}" for d in dates.iloc[at]], detail=span)


def classify(households: pd.DataFrame, members: pd.DataFrame, std: Standard | str, *,
             local: Standard | str | None = None, prefer: str = "recorded", previous: pd.DataFrame | None = None,
             history: Sequence[pd.DataFrame] | None = None,
             registry_areas: Mapping[str, str] | pd.Series | None = None,
             check_review_dates: bool = False, whole: bool = True) -> Classification:
    """Classify validated households (docs/contracts.md §1) under ``std`` and, if given, a ``local`` standard.

    Flags: derived from the members and household answers; where the input also records ``th_*`` flags, each
    disagreement is an ``indicator-mismatch`` finding and the recorded value wins (``prefer='derived'`` reverses
    that; a flag known on one side only is taken from that side). ``previous`` (ma_xa, ma_ho, phan_loai[,
    so_dinh_danh_chu_ho]) gives the start-of-period list; ``history`` earlier lists for relapses.
    ``registry_areas`` (ma_xa → Thành thị / Nông thôn) fills a missing ``khu_vuc``. ``check_review_dates`` (the
    standard was chosen from the review dates, not by the user): a household whose review date another national
    standard covers is not classified under ``std`` (review-date-other-standard). ``whole``: see
    ``assign_movements``.
    """
    if prefer not in PREFER:
        raise UsageError(f"prefer phải là 'recorded' hoặc 'derived', không phải '{prefer}'",
                         message_en=f"prefer must be 'recorded' or 'derived', not '{prefer}'")
    std = load_standard(std)
    local_std = load_local_standard(local) if local is not None else None
    hh = households.copy(deep=False)  # copy-on-write: the columns added below leave the input as it is
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
    if check_review_dates:
        found += _other_standard(hh, std, loc)
    else:
        found += _outside_chosen(hh, std, loc)
    recorded = _recorded(hh, index)
    prepared = prepare(hh, mem)  # the same under both standards
    d = derive(hh, mem, std, prepared)
    d_local = derive(hh, mem, local_std, prepared) if local_std is not None else None
    used = _combine(recorded, d.flags, prefer)

    for key in std.keys:  # a flag the standard does not hold is not compared (nor used)
        (rec, rec_na), (der, der_na) = _flag(recorded[key]), _flag(d.flags[key])
        at = np.flatnonzero(~rec_na & ~der_na & (rec != der))
        found += loc.findings("indicator-mismatch", at, column_key=key, key=key, value=rec[at].tolist(),
                              detail=der[at].tolist())

    dec = _by_scenarios(decide(hh, used, std), hh, recorded, d, prepared, std, prefer)
    dec_local = None
    if local_std is not None and d_local is not None:
        # the flags the return records were worked out under the national rules: under the local standard they
        # stand only for an indicator it counts by the same rule (a floor area under 10 m² is not the law's 8)
        own_rule = [k for k in local_std.keys if not _same_rule(local_std, std, k)]
        recorded_local = recorded.assign(**{k: pd.array([pd.NA] * len(recorded), dtype="Int64") for k in own_rule})
        dec_local = _by_scenarios(decide(hh, _combine(recorded_local, d_local.flags, prefer), local_std), hh,
                                  recorded_local, d_local, prepared, local_std, prefer)
    del prepared  # the coded members are not needed any more
    undecided_class = CLASSES.index(CHUA_DU)
    blocked_codes = column(hh, "loi_chan", "str")
    blocked = blocked_codes.notna().to_numpy()
    classes = np.where(blocked, undecided_class, dec.classes)
    phan_loai = labels(classes, CLASSES, index)

    # a household that moved away or dissolved is not surveyed: its class is not counted (its end is "left"), so
    # nothing is asked of it
    gone = column(hh, "tinh_trang_ho", "str").isin(STATUS_OUT).to_numpy(dtype=bool)
    undecided = ~blocked & (classes == undecided_class) & ~gone
    at_undecided = np.flatnonzero(undecided)
    found += loc.findings("household-undecided", at_undecided, key="phan_loai",
                          detail=dec.missing.iloc[at_undecided].tolist(),
                          detail_en=dec.missing_en.iloc[at_undecided].tolist())
    # the blank answers a decided household's unknown indicators wait for (Suy dinh dưỡng of a child, Việc làm at
    # working age: required by age, return-format.md) are said too, though the class does not turn on them
    decided = ~blocked & ~undecided & ~gone
    found += _answers_needed(d, used, undecided, mem, std)
    found += _answers_needed(d, used, decided, mem, std, code="member-answer-missing")
    at_blocked = np.flatnonzero(blocked & ~gone)
    codes = blocked_codes.iloc[at_blocked].tolist()
    said = {c: (blocking_text(c), blocking_text(c, "en")) for c in set(codes)}
    # the reasons in words only: the codes ("income-unreadable") mean nothing in the "Giá trị" column an officer reads
    found += loc.findings("household-not-classified", at_blocked, key="loi_chan",
                          detail=[said[c][0] for c in codes], detail_en=[said[c][1] for c in codes])
    info = np.flatnonzero(dec.needs_income & ~blocked)
    found += loc.findings("average-living-needs-income", info, column_key="diem_b1", key="diem_b1")

    # recorded B2 score and recorded class, checked against the recomputation
    b2 = column(hh, "diem_b2", "Float64")
    b2_value = b2.to_numpy(dtype=float, na_value=np.nan)
    expected_b2 = dec.count * std.b2_points.value
    most_b2 = (dec.count + dec.unknown) * std.b2_points.value  # every flag left blank deprived
    # with flags left blank the recorded score must still lie between what the known flags give and that plus
    # the blank ones (3 flags set and B2 = 10 is wrong whatever the blank flag is)
    bad_b2 = np.flatnonzero(b2.notna().to_numpy() & ((b2_value < expected_b2) | (b2_value > most_b2)))
    b2_counts = list(zip(dec.count[bad_b2].tolist(), dec.unknown[bad_b2].tolist(), expected_b2[bad_b2].tolist(),
                         most_b2[bad_b2].tolist(), strict=True))
    found += loc.findings("b2-count-mismatch", bad_b2, column_key="diem_b2", key="diem_b2",
                          value=[_fmt_value(v) for v in b2_value[bad_b2].tolist()], other=str(std.b2_points.value),
                          detail=[f"{c} chỉ số → {e} điểm" if u == 0 else f"{c}–{c + u} chỉ số → {e}–{m} điểm"
                                  for c, u, e, m in b2_counts],
                          detail_en=[f"{c} indicators → {e} points" if u == 0
                                     else f"{c}–{c + u} indicators → {e}–{m} points" for c, u, e, m in b2_counts])
    written = Coded.of(column(hh, "phan_loai_ghi", "str"))
    written_class = written.lookup({name: i for i, name in enumerate(CLASSES)}, -1, np.int64)  # -1: none or other
    # a recorded MSTB where the B1 score gives Không nghèo is compatible (the score cannot tell the band) — unless
    # the household is known not to farm, fish or make salt: MSTB is a class of NLNDN households alone; NA (no
    # basis) leaves it unreported too
    not_nlndn = Tri.of(column(hh, "ho_nlndn", "boolean")).no
    maybe_compatible = ((written_class == CLASSES.index(MSTB)) & (classes == CLASSES.index(KHONG_NGHEO))
                        & (dec.basis != BASES.index("thu_nhap")) & ~not_nlndn)
    bad_class = np.flatnonzero((written.codes >= 0) & (classes != undecided_class)
                               & (written_class != classes) & ~maybe_compatible)
    found += loc.findings("class-mismatch", bad_class, column_key="phan_loai_ghi", key="phan_loai_ghi",
                          value=[written.values[c] for c in written.codes[bad_class]],
                          detail=[CLASSES[c] for c in classes[bad_class]])

    # the local standard
    local_class = pd.Series(pd.NA, index=index, dtype="str")
    local_pieces: list[Piece] = []  # why the local class, where it is not the national one
    if local_std is not None and dec_local is not None:
        local_classes = np.where(blocked, undecided_class, dec_local.classes)
        # a household reviewed outside the local standard's period is not classified under it
        review = pd.to_datetime(hh["ngay_ra_soat"], errors="coerce") if "ngay_ra_soat" in hh.columns \
            else pd.Series(pd.NaT, index=hh.index)
        outside = ~local_std.covers_dates(review) & review.notna().to_numpy()
        local_class = labels(local_classes, CLASSES, index)
        if outside.any():
            local_class = local_class.mask(outside)
            at_out = np.flatnonzero(outside)
            found += loc.findings("review-date-outside-local-standard", at_out, column_key="ngay_ra_soat",
                                  key="ngay_ra_soat", value=[f"{d:%d/%m/%Y}" for d in review.iloc[at_out]],
                                  detail=local_std.id)
        # report what the local standard misses only where it differs from what the national one already asks
        asked = dec.missing.where(classes == undecided_class, "").to_numpy()
        extra = np.flatnonzero(~blocked & (local_classes == undecided_class) & (dec_local.missing.to_numpy() != asked))
        found += loc.findings("household-undecided", extra, key="phan_loai_dia_phuong",
                              detail=[f"theo chuẩn {local_std.id}: {text}" for text in dec_local.missing.iloc[extra].tolist()],
                              detail_en=[f"under the standard {local_std.id}: {text}"
                                         for text in dec_local.missing_en.iloc[extra].tolist()])
        # the reason of a local class that is not the national one: its class and the local income test, or what
        # the local standard lacks to decide
        inside = ~blocked & ~outside
        differs = inside & (local_classes != classes) & (local_classes != undecided_class)
        rows = np.flatnonzero(differs)
        label = pa.array([f"theo chuẩn {local_std.id}: {c}" for c in CLASSES], pa.large_string())
        local_pieces.append((rows, lookup_text(label, local_classes[rows])))
        test_rows, test_texts = dec_local.explanation[0]  # the income test: (rows, texts), never every row
        assert test_rows is not None
        keep = differs[test_rows]
        local_pieces.append((test_rows[keep], test_texts.filter(pa.array(keep))))
        if local_std.keys != std.keys or not all(_same_rule(local_std, std, k) for k in local_std.keys):
            # counted on other indicators, or by other rules: the local count says why the class differs
            count_rows, count_texts = dec_local.explanation[-1]
            assert count_rows is None  # the count is said of every household
            local_pieces.append((rows, count_texts.take(pa.array(rows))))
        waits = np.flatnonzero(inside & (local_classes == undecided_class) & (classes != undecided_class))
        local_pieces.append((waits, cat(f"theo chuẩn {local_std.id}: chưa đủ thông tin: ",
                                        to_arrow(dec_local.missing.iloc[waits]))))

    # reasons
    blocked_text = cat("Không phân loại do lỗi dữ liệu: ", pa.array([said[c][0] for c in codes], pa.large_string()))
    undecided_text = cat("Chưa đủ thông tin: ", to_arrow(dec.missing.iloc[at_undecided]))
    # a household not classified for a data error: no piece may state a class it was not given (the band), and
    # one whose review date is under another standard (or none) is not tested against this standard at all
    wrong_standard = blocked_codes.str.contains("review-date", regex=False).fillna(False).to_numpy(dtype=bool)
    pieces = [_without(rows, texts, blocked if j in CLASS_PIECES else wrong_standard, len(index))
              for j, (rows, texts) in enumerate(dec.explanation)]
    pieces += [_without(rows, texts, wrong_standard, len(index)) for rows, texts in _used_reasons(used, d, std)]
    ly_do = join_pieces(len(index), [(at_blocked, blocked_text), *pieces, (at_undecided, undecided_text),
                                     *local_pieces])

    out = hh
    for key in INDICATORS:  # an indicator the standard does not hold: blank (not "not deprived")
        out[key] = used[key].array if key in used else pd.arrays.IntegerArray(
            np.zeros(len(index), dtype=np.int8), np.ones(len(index), dtype=bool))
    out["so_thieu_hut"] = pd.arrays.IntegerArray(dec.count.astype(np.int64), np.zeros(len(index), dtype=bool))
    out["so_chua_ro"] = pd.arrays.IntegerArray(dec.unknown.astype(np.int64), np.zeros(len(index), dtype=bool))
    out["co_so_thu_nhap"] = labels(dec.basis, BASES, index).array
    out["duoi_chuan_thu_nhap"] = dec.below.series(index).array
    out["phan_loai"] = phan_loai.array
    out["phan_loai_dia_phuong"] = local_class.array
    out["ly_do"] = pd.array(ly_do, dtype="str")
    out["chuan"] = pd.Series(std.id, index=out.index, dtype="str")

    moves = assign_movements(out, mem, previous=previous, history=history, whole=whole)
    found.extend(moves.findings)
    out["dau_ky"] = moves.dau_ky.array
    out["dau_ky_theo"] = moves.dau_ky_theo.array if moves.dau_ky_theo is not None else pd.array(
        [None] * len(out), dtype="string")
    out["dien_bien"] = moves.dien_bien.array
    tables = movement_tables(out, by="ma_xa")
    found.extend(unbalanced_findings(tables, by="ma_xa"))

    members_out = _members_out(mem, out, d)
    present = ~column(out, "tinh_trang_ho", "str").isin(STATUS_OUT).to_numpy()
    summary = _summary(out, members_out, d.positions, present, local_std is not None)
    af = _af(out, used, std, present & ~blocked)
    return Classification(out, members_out, found, summary, af, tables, std, local_std)


# households by how many of their members known only by a birth year change something: each group's scenarios
# (2 ** members) are made for it alone, so that the rare large household does not multiply every other's
_SCENARIO_GROUPS = ((1, 3), (4, 6), (7, 10))
_UNKNOWN_AGES = 2  # members of no known age a household is tried at every age for (the ages' spans, squared)


def _by_scenarios(dec: Decision, hh: pd.DataFrame, recorded: pd.DataFrame, d: Derivation, prepared: Prepared,
                  std: Standard, prefer: str) -> Decision:
    """``dec`` with the undecided households settled where every age their members can have gives one class.

    A member known only by a birth year is one of two ages; each indicator that turns on the age is then unknown
    on its own, although together they may settle the class (one of two education indicators either way). The
    class stands only when it is the same in every scenario; the deprivation count is then the fewest of them
    and the unknown count what the most adds to it. A household with more than ten such members stays undecided:
    their birth dates are asked for."""
    for least, limit in _SCENARIO_GROUPS:
        dec = _by_scenario_group(dec, hh, recorded, d, prepared, std, prefer, least, limit)
    # a member of no known age at all (the birth date blank or unreadable — reported at its cell): every age the
    # rules tell apart, with up to three members known by a year; decided only when each gives one class
    return _by_scenario_group(dec, hh, recorded, d, prepared, std, prefer, 1, 3, ageless=_UNKNOWN_AGES)


def _by_scenario_group(dec: Decision, hh: pd.DataFrame, recorded: pd.DataFrame, d: Derivation, prepared: Prepared,
                       std: Standard, prefer: str, least: int, limit: int, ageless: int = 0) -> Decision:
    """:func:`_by_scenarios` for the households with ``least`` to ``limit`` members whose age decides (with
    ``ageless``: those with 1 to ``ageless`` members of no known age, see :func:`age_scenarios`)."""
    undecided = np.flatnonzero(dec.classes == CLASSES.index(CHUA_DU))
    pick, frames, deciding, step, ages_n = age_scenarios(prepared, std, undecided, d.age_matters, limit=limit,
                                                         least=least, unknown=ageless)
    if not frames:
        return dec
    sub_hh, sub_recorded, sub_flags = hh.iloc[pick], recorded.iloc[pick], d.flags.iloc[pick]
    outcomes = []
    for frame in frames:  # the member-rule flags of the scenario over the household-rule flags
        derived = sub_flags.assign(**{key: frame[key].array for key in frame.columns})
        outcomes.append(decide(sub_hh, _combine(sub_recorded, derived, prefer), std))
    first = outcomes[0].classes
    same = np.logical_and.reduce([o.classes == first for o in outcomes]) & (first != CLASSES.index(CHUA_DU))
    if not same.any():
        return dec
    at, settled = pick[same], first[same]
    low = np.minimum.reduce([o.count for o in outcomes])[same]
    high = np.maximum.reduce([o.count + o.unknown for o in outcomes])[same]
    classes, count, unknown = dec.classes.copy(), dec.count.copy(), dec.unknown.copy()
    classes[at], count[at], unknown[at] = settled, low, high - low
    missing, missing_en = dec.missing.copy(), dec.missing_en.copy()
    missing.iloc[at] = ""
    missing_en.iloc[at] = ""
    d12 = len(std.keys)
    # the indicators a year-only member is deprived in at some of the ages he can have, not all: named, so that
    # the reason accounts for the count (the flags of those stay unknown)
    keys = [k for k in frames[0].columns if k in INDICATORS]
    bits = np.zeros(len(pick), dtype=np.int64)
    for bit, key in enumerate(keys):
        hit = np.array([f[key].to_numpy(dtype="float64", na_value=np.nan) == 1 for f in frames])
        bits |= (hit.any(axis=0) & ~hit.all(axis=0)).astype(np.int64) << bit
    names = [std.indicators[k].name if k in std.indicators else k for k in keys]
    some = [" hoặc ".join(n for b, n in enumerate(names) if (m >> b) & 1) for m in bits[same].tolist()]
    # who: the members of those households known only by a birth year whose own age changes one of the indicators
    # named (a member whose age decides only what is deprived anyway — a child of 5 or 6 without a card, beside a
    # head without one — is not asked for) (a few rows: one name list per household)
    src = prepared.members.source
    varies = _age_varies(frames, keys, bits, pick, prepared.positions[deciding], step, ages_n)
    unsure = np.sort(deciding[np.isin(prepared.positions[deciding], at) & varies])
    who: dict[int, list[str]] = {}
    if len(unsure) and "ho_ten" in src.columns:
        person = src["ho_ten"].to_numpy(dtype=object, na_value=None)
        born = src["nam_sinh"].to_numpy(dtype=object, na_value=None) if "nam_sinh" in src.columns \
            else np.full(len(src), None, dtype=object)
        for r in unsure.tolist():
            if person[r]:
                year = f", sinh năm {int(born[r])}" if born[r] is not None else ", không rõ ngày sinh"
                who.setdefault(int(prepared.positions[r]), []).append(f"{person[r]}{year}")
    some = [w + (f" ({'; '.join(who[h])})" if w and h in who else "") for w, h in zip(some, at.tolist(), strict=True)]
    who_is = "có thành viên không rõ tuổi" if ageless else "có thành viên chỉ biết năm sinh"
    said = pa.array([f"{c}/{d12} chỉ số thiếu hụt" + (f" đến {c + u}" if u else "")
                     + f" ({who_is}: như nhau với mọi tuổi có thể"
                     + (f"; tuỳ tuổi thiếu hụt {w}" if w else "") + ")"
                     for c, u, w in zip(low.tolist(), (high - low).tolist(), some, strict=True)], pa.large_string())
    # the count piece for all households (rows None) must not speak for these: it is replaced at their rows
    explanation: list[Piece] = [(rows, texts if rows is not None else _replaced(texts, at, said))
                                for rows, texts in dec.explanation]
    return replace(dec, classes=classes, count=count, unknown=unknown, missing=missing, missing_en=missing_en,
                   explanation=explanation)


def _age_varies(frames: list[pd.DataFrame], keys: list[str], bits: np.ndarray, pick: np.ndarray,
                homes: np.ndarray, step: np.ndarray, ages_n: np.ndarray) -> np.ndarray:
    """Per member whose age decides (``homes``: its household's position; ``step``, ``ages_n``: its digit of the
    scenario number, see :func:`age_scenarios`), whether its own age changes one of the indicators its household's
    reason names (``bits``, per household of ``pick``): among scenarios differing in that member's age alone, a flag
    of one of those indicators different. Per kind of digit (a few), not per member."""
    out = np.zeros(len(homes), dtype=bool)
    if not len(homes) or not keys:
        return out
    at = np.searchsorted(pick, homes)
    n = len(frames)
    # flags as -1 (unknown), 0, 1: an unknown flag in one scenario and a known one in another is a change too
    hits = {key: np.nan_to_num(np.array([f[key].to_numpy(dtype="float64", na_value=np.nan) for f in frames]), nan=-1)
            for key in keys}
    scenario = np.arange(n, dtype=np.int64)
    for st, k in {(int(a), int(b)) for a, b in zip(step.tolist(), ages_n.tolist(), strict=True)}:
        mine = (step == st) & (ages_n == k)
        rest = scenario - ((scenario // st) % k) * st  # the scenario with that member's digit taken out
        order = np.argsort(rest, kind="stable")
        starts = np.flatnonzero(np.r_[True, rest[order][1:] != rest[order][:-1]])
        for bit, key in enumerate(keys):
            v = hits[key][order][:, at[mine]]
            changes = (np.maximum.reduceat(v, starts, axis=0) != np.minimum.reduceat(v, starts, axis=0)).any(axis=0)
            out[mine] |= changes & ((bits[at[mine]] >> bit) & 1).astype(bool)
    return out


CLASS_PIECES = (1, 2, 3)  # of Decision.explanation: the pieces that state a class (average-living or not)


def _without(rows: np.ndarray | None, texts: pa.Array, drop: np.ndarray, n: int) -> Piece:
    """A reason piece without the households ``drop`` says (``rows`` None: every household)."""
    if not drop.any():
        return rows, texts
    at = np.arange(n) if rows is None else rows
    keep = ~drop[at]
    return at[keep], texts.filter(pa.array(keep))


def _replaced(texts: pa.Array, at: np.ndarray, new: pa.Array) -> pa.Array:
    """``texts`` with the entries at positions ``at`` replaced by ``new``."""
    which = np.arange(len(texts), dtype=np.int64)
    which[at] = len(texts) + np.arange(len(at))
    return pa.concat_arrays([texts.cast(pa.large_string()), new]).take(pa.array(which))


def _answers_needed(d: Derivation, used: pd.DataFrame, households: np.ndarray, members: pd.DataFrame,
                    std: Standard, code: str = "member-answer-needed") -> list[Finding]:
    """A finding at each blank member answer that leaves the indicator of one of ``households`` (a mask: the
    undecided ones, or with ``member-answer-missing`` the decided ones) unknown: the cell to fill (the household's
    own finding names the indicators only). A decided household is never asked for a birth date (a blank one is
    value-required already, a year alone is allowed), nor for an answer no member of its return has (a return
    without the column, or whose commune did not collect that answer, is not one warning per member of that age).
    A member written by the birth year alone whose day of birth decides (``ngay_sinh#day``) is said to have the
    year only, not a blank cell."""
    from hgn_review.findings import finding
    from hgn_review.schemas.layout import load_layout

    needed: dict[tuple[int, str], list[str]] = {}
    file_of = column(members, "file", "str").fillna("").to_numpy(dtype=object)
    for key, answer, rows, homes in d.blanks:
        if code == "member-answer-missing" and answer.startswith("ngay_sinh"):
            continue
        unknown_flag = used[key].isna().to_numpy(dtype=bool)
        sel = households[homes] & unknown_flag[homes]
        if code == "member-answer-missing" and answer in members.columns:
            answered = pd.unique(file_of[members[answer].notna().to_numpy(dtype=bool)])  # per return: batch = alone
            sel &= np.isin(file_of[rows], answered)
        for r in rows[sel].tolist():  # the blank cells of those households only
            needed.setdefault((r, answer), []).append(std.indicators[key].short_name)
    if not needed:
        return []
    cells = sorted(needed)
    src = members.reset_index(drop=True).iloc[[r for r, _a in cells]]  # the rows of those cells, taken once
    files = column(src, "file", "str").fillna("").tolist()
    sheets = column(src, "sheet", "str").fillna("").tolist()
    rows = column(src, "row", "Int64").to_numpy(dtype=object, na_value=None).tolist()
    heads = load_layout("hgn").sheets["members"].by_key  # member answers are read from layout 1's members sheet
    year_only = {"state": "chỉ ghi năm sinh, chưa đủ ngày, tháng", "state_en": "holds the year of birth only"}
    # a blank cell and one whose answer cannot be read (reported by validation at the same cell) are both NA here:
    # said as such, never "blank" of a cell the officer sees written
    blank = {"state": "chưa có giá trị dùng được (trống hoặc ghi không hợp lệ)",
             "state_en": "has no usable value (blank, or not a valid answer)"}
    out = []
    for i, (r, answer) in enumerate(cells):
        cell = answer.split("#")[0]  # ngay_sinh#day: the birth date's cell, which holds a year
        out.append(finding(code, file=files[i], sheet=sheets[i], row=None if rows[i] is None else int(rows[i]),
                           column=heads[cell].header if cell in heads else cell, key=cell,
                           detail=", ".join(dict.fromkeys(needed[r, answer])),
                           **(year_only if answer.endswith("#day") else blank)))
    return out


def _members_out(members: pd.DataFrame, households: pd.DataFrame, d: Derivation) -> pd.DataFrame:
    m = members.copy(deep=False)
    m["tuoi"] = d.exact_age()
    found = d.positions >= 0
    for key in ("ma_xa", "thon", "phan_loai", "dien_bien"):
        value = Coded.of(column(households, key, "str"))  # each distinct text once, then spread to the members
        codes = np.where(found, value.codes[np.where(found, d.positions, 0)] if len(value.codes) else -1, -1)
        m[key] = pd.array(lookup_text(pa.array(value.values, pa.large_string()), codes), dtype="str")
    return m


def _summary(households: pd.DataFrame, members: pd.DataFrame, positions: np.ndarray, present: np.ndarray,
             with_local: bool) -> pd.DataFrame:
    """Per commune: households and persons by class (households that moved away or dissolved are left out and
    counted in ``ho_roi_di``); rates are percentages of the commune's households. ``positions``: the household of
    each member row."""
    counted = column(members, "uid", "Int64").notna().to_numpy() & (positions >= 0)
    size = np.bincount(positions[counted], minlength=len(households))
    persons = household_persons(households, size)  # the member rows, else the recorded size
    cls = Coded.of(column(households, "phan_loai", "str"))
    names = {NGHEO: "ngheo", CAN_NGHEO: "can_ngheo", MSTB: "mstb", KHONG_NGHEO: "khong_ngheo", CHUA_DU: "chua_du"}
    rows = slice(None) if present.all() else present

    def columns() -> Iterator[tuple[str, np.ndarray]]:  # one at a time, for the present households
        yield "so_ho", np.ones(len(households), dtype=np.int64)[rows]
        yield "so_nhan_khau", persons[rows]
        for label, short in names.items():
            mask = cls.matches((label,))[rows]
            yield f"ho_{short}", mask
            yield f"nhan_khau_{short}", np.where(mask, persons[rows], 0)
        if with_local:
            local = Coded.of(column(households, "phan_loai_dia_phuong", "str"))
            for label in (NGHEO, CAN_NGHEO):
                yield f"ho_{names[label]}_dia_phuong", local.matches((label,))[rows]

    commune = column(households, "ma_xa", "str")
    summary = group_sums([commune[rows]], columns())
    gone = group_sums([commune], [("gone", ~present)])["gone"]
    summary = summary.reindex(summary.index.union(gone.index), fill_value=0)
    summary["ho_roi_di"] = gone.reindex(summary.index, fill_value=0)
    for short in ("ngheo", "can_ngheo", "mstb"):
        summary[f"ty_le_ho_{short}"] = (summary[f"ho_{short}"] / summary["so_ho"].where(summary["so_ho"] > 0) * 100)
        summary[f"ty_le_nhan_khau_{short}"] = (summary[f"nhan_khau_{short}"]
                                               / summary["so_nhan_khau"].where(summary["so_nhan_khau"] > 0) * 100)
    return summary.reset_index()


def _af(households: pd.DataFrame, used: pd.DataFrame, std: Standard, population: np.ndarray) -> dict[str, AFResult]:
    weights = np.asarray(std.weights.value)
    matrix = np.empty((int(population.sum()), len(std.keys)))
    for j, key in enumerate(std.keys):
        matrix[:, j] = used[key].to_numpy(dtype=float, na_value=np.nan)[population]
    out = {AF_OVERALL: alkire_foster(matrix, weights, std.af_cutoff)}
    # per commune (in sorted order), each on its rows in their order
    codes, names = pd.factorize(column(households, "ma_xa", "str")[population], sort=True, use_na_sentinel=True)
    by_unit = alkire_foster_by(matrix, weights, std.af_cutoff, codes, len(names))
    out.update((str(unit), result) for unit, result in zip(names, by_unit, strict=True))
    return out
