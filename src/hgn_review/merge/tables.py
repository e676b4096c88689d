"""Counting tables of a merge: per-unit summary, reconciliation (in = out) and their column labels.

The vocabulary follows the classify summary (``so_ho``, ``so_nhan_khau``, ``ho_ngheo``, ``nhan_khau_ngheo`` …,
``ho_roi_di``): households and classes count the households present at the end of the period; those that moved
away or dissolved are counted apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hgn_review.scoring._frames import column
from hgn_review.scoring.movements import (
    CAN_NGHEO,
    CHUA_DU,
    DECREASES,
    INCREASES,
    KHONG_NGHEO,
    MSTB,
    NGHEO,
    STATUS_OUT,
    TABLE_COLUMNS,
    TABLES,
    movement_tables,
)

NO_CLASS = "Không có phân loại"
DEPARTED = "Đã rời (chuyển đi, giải thể)"
TOTAL = "Tổng"
CLASS_ORDER = (NGHEO, CAN_NGHEO, MSTB, KHONG_NGHEO, CHUA_DU, NO_CLASS)
COUNT_ORDER = (*CLASS_ORDER, DEPARTED)  # the classes of the reconciliation
CLASS_SLUG = {NGHEO: "ngheo", CAN_NGHEO: "can_ngheo", MSTB: "mstb", KHONG_NGHEO: "khong_ngheo", CHUA_DU: "chua_du",
              NO_CLASS: "khong_phan_loai", DEPARTED: "roi_di"}
RATE_CLASSES = (NGHEO, CAN_NGHEO, MSTB)
FULL, PART, NONE = "Đủ", "Một phần", "Không"

# Vietnamese headers of the columns merge adds (row 1 of its sheets); keys are row 2.
MERGE_LABELS: dict[str, str] = {
    "ma_xa_cu": "Mã xã cũ (trước 1/7/2025)", "co_so_quy_doi": "Cơ sở quy đổi đơn vị", "ten_xa_cu": "Tên xã cũ",
    "xa_moi_co_the": "Các xã mới đã nhận (một phần) xã cũ", "so_nhan_khau": "Số nhân khẩu",
    "so_dinh_danh_chu_ho": "Số định danh cá nhân của chủ hộ",
    "don_vi": "Mã đơn vị", "ten_don_vi": "Tên đơn vị", "du_lieu": "Có số liệu", "so_ho": "Số hộ",
    # (coverage: every household row merged, those that moved away or dissolved too — the forms count those present)
    "so_ho_da_doc": "Số hộ đã đọc (kể cả hộ đã chuyển đi, giải thể)",
    "ten_huyen": "Tên huyện", "ten_xa": "Tên xã", "co_du_lieu": "Có kết quả", "tep": "Tệp kết quả",
    "xa_cu": "Xã cũ hợp thành", "xa_cu_thieu": "Xã cũ chưa có kết quả hoặc đang chờ quy đổi", "phan_loai": "Phân loại",
    "ho_vao": "Số hộ đầu vào", "ho_ra": "Số hộ đầu ra", "ho_cho_quy_doi": "Số hộ chờ quy đổi",
    # (coverage: a waiting household is counted at each new commune it may go into — not to be added up)
    "ho_cho_co_the_vao": "Số hộ chờ quy đổi có thể vào xã (một hộ tính ở mọi xã nó có thể vào)",
    "chenh_lech_ho": "Chênh lệch số hộ", "nhan_khau_vao": "Số nhân khẩu đầu vào",
    "nhan_khau_ra": "Số nhân khẩu đầu ra", "nhan_khau_cho_quy_doi": "Số nhân khẩu chờ quy đổi",
    "chenh_lech_nhan_khau": "Chênh lệch số nhân khẩu",
    **{f"ho_{slug}": f"Số hộ: {cls.lower()}" for cls, slug in CLASS_SLUG.items()},
    **{f"nhan_khau_{slug}": f"Số nhân khẩu: {cls.lower()}" for cls, slug in CLASS_SLUG.items()},
    **{f"ty_le_ho_{CLASS_SLUG[c]}": f"Tỷ lệ hộ {c.lower()} (%)" for c in RATE_CLASSES},
    **{f"ty_le_nhan_khau_{CLASS_SLUG[c]}": f"Tỷ lệ nhân khẩu {c.lower()} (%)" for c in RATE_CLASSES},
    **{f"{t}_{k}": f"{'Hộ nghèo' if t == 'ngheo' else 'Hộ cận nghèo'}: {v}" for t in ("ngheo", "can_ngheo")
       for k, v in (("dau_ky", "đầu kỳ"), ("giam", "giảm"), ("tang", "tăng"), ("cuoi_ky", "cuối kỳ"))},
}


def departed(hh: pd.DataFrame) -> pd.Series:
    """Households no longer in the unit at the end of the period (moved away, dissolved)."""
    if "tinh_trang_ho" not in hh.columns:
        return pd.Series(False, index=hh.index)
    return hh["tinh_trang_ho"].astype("string").str.strip().isin(STATUS_OUT).fillna(False).astype(bool)


def class_of(hh: pd.DataFrame) -> pd.Series:
    """The household's class as counted: ``phan_loai`` ("Không có phân loại" when blank), or "Đã rời" for a
    household that moved away or dissolved."""
    if "phan_loai" in hh.columns:
        s = hh["phan_loai"].astype("string").str.strip()
        s = s.mask(s == "").fillna(NO_CLASS)
    else:
        s = pd.Series(NO_CLASS, index=hh.index, dtype="string")
    return s.mask(departed(hh), DEPARTED)


def class_counts(hh: pd.DataFrame, persons: pd.Series, by: str, weight: pd.Series | None = None) -> pd.DataFrame:
    """Households and persons per (``by`` value, class): columns by, phan_loai, households, persons.

    With ``weight`` each row stands for that many households (rows of identical counted values taken together;
    ``persons`` is then their total): the same table as from the households one by one."""
    df = pd.DataFrame({by: hh[by].astype("string").to_numpy(), "phan_loai": class_of(hh).to_numpy(),
                       "persons": persons.astype("int64").to_numpy()})
    if df.empty:
        return pd.DataFrame({by: pd.Series(dtype="string"), "phan_loai": pd.Series(dtype="string"),
                             "households": pd.Series(dtype="int64"), "persons": pd.Series(dtype="int64")})
    if weight is not None:
        df["households"] = weight.astype("int64").to_numpy()
        out = df.groupby([by, "phan_loai"], dropna=False, sort=True)[["households", "persons"]].sum().reset_index()
        return out.astype({"households": "int64", "persons": "int64"})
    g = df.groupby([by, "phan_loai"], dropna=False, sort=True)
    out = g.size().rename("households").to_frame().join(g["persons"].sum()).reset_index()
    return out.astype({"households": "int64", "persons": "int64"})


def summary_counts(summary: pd.DataFrame, carry: Sequence[str] = ()) -> pd.DataFrame | None:
    """An input's own counts from its summary sheet (the classify summary per ``ma_xa``, or a merge summary per
    ``don_vi``) in long form: unit, phan_loai, households, persons (NA when the sheet does not say); None when
    the sheet is not in a known form. ``carry``: columns of ``summary`` kept in front (e.g. which input a row
    came from, when the summaries of several inputs of one form are stacked)."""
    key = "ma_xa" if "ma_xa" in summary.columns else "don_vi" if "don_vi" in summary.columns else None
    if key is None or summary.empty or "ho_ngheo" not in summary.columns:
        return None
    body = summary[summary[key].astype("string").str.fullmatch(r"\d{5}").fillna(False).to_numpy(dtype=bool)]
    parts = []
    for cls in COUNT_ORDER:
        slug = CLASS_SLUG[cls]
        hcol, pcol = f"ho_{slug}", f"nhan_khau_{slug}"
        if hcol not in body.columns:
            continue
        parts.append(pd.DataFrame({
            **{c: body[c].to_numpy() for c in carry},
            "unit": body[key].astype("string").to_numpy(), "phan_loai": cls,
            "households": pd.to_numeric(body[hcol], errors="coerce").astype("Int64").to_numpy(),
            "persons": (pd.to_numeric(body[pcol], errors="coerce").astype("Int64") if pcol in body.columns
                        else pd.Series(pd.NA, index=body.index, dtype="Int64")).to_numpy()}))
    if not parts:
        return None
    out = pd.concat(parts, ignore_index=True)
    return out[out["households"].fillna(0).ne(0) | out["persons"].fillna(0).ne(0)].reset_index(drop=True)


def _class_rank(values: pd.Series) -> pd.Series:
    rank = {c: i for i, c in enumerate(COUNT_ORDER)}
    rank[TOTAL] = len(COUNT_ORDER) + 1
    return values.map(rank).fillna(len(COUNT_ORDER)).astype("int64")


def reconciliation_table(in_counts: pd.DataFrame | None, out_counts: pd.DataFrame, pending: pd.DataFrame | None,
                         names: dict[str, str], files: dict[str, str], parent: str, parent_name: str) -> pd.DataFrame:
    """Per unit and class: households and persons in (each input's own counts) vs out, and the difference.

    ``in_counts``/``out_counts``/``pending``: columns unit, phan_loai, households, persons. A per-unit total row
    (phan_loai "Tổng") follows each unit, and a grand total row (the parent unit) ends the table. With
    ``pending`` (crosswalk) the difference is in − out − pending.
    """
    keys = ["unit", "phan_loai"]

    def prep(df: pd.DataFrame | None, suffix: str) -> pd.DataFrame:
        if df is None or df.empty:
            return pd.DataFrame({"unit": pd.Series(dtype="string"), "phan_loai": pd.Series(dtype="string"),
                                 f"ho_{suffix}": pd.Series(dtype="int64"),
                                 f"nhan_khau_{suffix}": pd.Series(dtype="int64")})
        g = df.astype({"unit": "string", "phan_loai": "string"}).groupby(keys, sort=True)[["households", "persons"]].sum()
        return g.rename(columns={"households": f"ho_{suffix}", "persons": f"nhan_khau_{suffix}"}).reset_index()

    t = prep(in_counts, "vao").merge(prep(out_counts, "ra"), on=keys, how="outer")
    t = t.merge(prep(pending, "cho_quy_doi"), on=keys, how="outer")
    num = [c for c in t.columns if c not in keys]
    t[num] = t[num].fillna(0).astype("int64")
    per_unit = t.groupby("unit", sort=True)[num].sum().reset_index().assign(phan_loai=TOTAL)
    grand = per_unit[num].sum().to_frame().T.astype("int64")
    grand.insert(0, "unit", parent)
    grand.insert(1, "phan_loai", TOTAL)
    t = pd.concat([t, per_unit], ignore_index=True)
    t = t.assign(_r=_class_rank(t["phan_loai"])).sort_values(["unit", "_r"], kind="stable").drop(columns="_r")
    t = pd.concat([t, grand], ignore_index=True)
    unit = t["unit"].astype("string")
    out = pd.DataFrame({
        "don_vi": unit,
        "ten_don_vi": unit.map(names).where(unit != parent, parent_name).astype("string"),
        "tep": unit.map(files).astype("string"),
        "phan_loai": t["phan_loai"].astype("string")})
    for what in ("ho", "nhan_khau"):
        out[f"{what}_vao"] = t[f"{what}_vao"]
        out[f"{what}_ra"] = t[f"{what}_ra"]
        if pending is not None:
            out[f"{what}_cho_quy_doi"] = t[f"{what}_cho_quy_doi"]
        out[f"chenh_lech_{what}"] = t[f"{what}_vao"] - t[f"{what}_ra"] - t[f"{what}_cho_quy_doi"]
    return out.reset_index(drop=True)


def movement_counts(hh: pd.DataFrame, by: str | None, weight: pd.Series | None = None) -> pd.DataFrame:
    """``movement_tables(hh, by)``; with ``weight``, each row stands for that many households.

    Each distinct row is classified once by ``movement_tables`` itself (one group per row), then its 0/1 columns
    are weighted and summed per ``by`` exactly as ``movement_tables`` sums households: the same table."""
    if weight is None or hh.empty:
        return movement_tables(hh, by=by)
    keys = [] if by is None else [by]
    width = len(str(len(hh)))
    row_id = pd.Series(np.arange(len(hh)).astype(str), index=hh.index).str.zfill(width)
    per_row = movement_tables(hh.assign(_row=row_id.to_numpy()), by="_row")
    per_row.index = per_row["_row"].astype("int64").to_numpy()
    group = pd.DataFrame({k: column(hh, k, "str") for k in keys}, index=hh.index)
    if not keys:
        group["_all"] = ""
    w = weight.astype("int64").to_numpy()
    counted = ["dau_ky", "cuoi_ky", *TABLE_COLUMNS]
    frames = []
    for table in TABLES:
        flags = per_row[per_row["bang"] == table].reindex(np.arange(len(hh)))[counted]
        counts = pd.DataFrame(flags.to_numpy(dtype="int64") * w[:, None], columns=counted, index=hh.index)
        agg = counts.groupby([group[c] for c in group.columns], dropna=False, sort=True).sum()
        agg["giam"] = agg[list(DECREASES)].sum(axis=1)
        agg["tang"] = agg[list(INCREASES)].sum(axis=1)
        agg["can_doi"] = agg["cuoi_ky"] == agg["dau_ky"] - agg["giam"] + agg["tang"]
        agg.insert(0, "bang", table)
        frames.append(agg.reset_index())
    out = pd.concat(frames, ignore_index=True)
    if not keys:
        out = out.drop(columns="_all")
    out = out[[*keys, "bang", "dau_ky", *DECREASES, "giam", *INCREASES, "tang", "cuoi_ky", "can_doi"]]
    if keys:
        out = out.sort_values(keys, kind="stable", ignore_index=True)
    shape = [*keys, *per_row.columns[1:]], [*group.dtypes.astype(str)[:len(keys)], *per_row.dtypes.astype(str)[1:]]
    if [list(out.columns), list(out.dtypes.astype(str))] != [list(c) for c in shape]:
        # movement_tables no longer has the shape summed here: count the households one by one instead
        return movement_tables(hh.loc[hh.index.repeat(w)].reset_index(drop=True), by=by)
    return out


def movement_columns(hh: pd.DataFrame, by: str, weight: pd.Series | None = None) -> pd.DataFrame:
    """Start, decreases, increases and end of the poor and near-poor tables, wide, indexed by ``by``."""
    t = movement_counts(hh, by, weight)
    parts = []
    for table, prefix in ((NGHEO, "ngheo"), (CAN_NGHEO, "can_ngheo")):
        sub = t[t["bang"] == table].set_index(by)[["dau_ky", "giam", "tang", "cuoi_ky"]]
        parts.append(sub.add_prefix(prefix + "_"))
    out = pd.concat(parts, axis=1)
    out.index = out.index.astype("string")
    return out


def _rates(df: pd.DataFrame) -> pd.DataFrame:
    """Rates (%) of poor, near-poor and average-living households and persons, as the classify summary has them."""
    for cls in RATE_CLASSES:
        slug = CLASS_SLUG[cls]
        for what, total in (("ho", "so_ho"), ("nhan_khau", "so_nhan_khau")):
            base = df[total].astype("Float64")
            df[f"ty_le_{what}_{slug}"] = df[f"{what}_{slug}"].astype("Float64") / base.where(base > 0) * 100
    return df


def summary_table(hh: pd.DataFrame, persons: pd.Series, group: str, rows: Sequence[tuple[str, str, str]],
                  parent: str, parent_label: str, parent_status: str, weight: pd.Series | None = None) -> pd.DataFrame:
    """One row per unit of the level below (``rows``: code, name, data status), then the total.

    Counts of a unit without data are blank (NA), never 0. ``weight``: as in :func:`class_counts`.
    """
    codes = [r[0] for r in rows]
    base = pd.DataFrame({"don_vi": pd.array(codes, dtype="string"), "ten_don_vi": [r[1] for r in rows],
                         "du_lieu": [r[2] for r in rows]})
    extra = sorted(set(hh[group].dropna().astype(str)) - set(codes))
    if extra:  # units with data but not in the expected list: kept visible, not dropped
        base = pd.concat([base, pd.DataFrame({"don_vi": pd.array(extra, dtype="string"), "ten_don_vi": extra,
                                              "du_lieu": FULL})], ignore_index=True)
    cc = class_counts(hh, persons, group, weight)
    present = cc[cc["phan_loai"] != DEPARTED].groupby(group)[["households", "persons"]].sum()
    wide = pd.DataFrame(index=pd.Index(base["don_vi"].astype(str), name=group))
    wide["so_ho"] = present["households"]
    wide["so_nhan_khau"] = present["persons"]
    for cls in COUNT_ORDER:
        sub = cc[cc["phan_loai"] == cls].set_index(group)
        wide[f"ho_{CLASS_SLUG[cls]}"] = sub["households"]
        wide[f"nhan_khau_{CLASS_SLUG[cls]}"] = sub["persons"]
    mv = movement_columns(hh, group, weight)
    for c in mv.columns:
        wide[c] = mv[c]
    has_data = base["du_lieu"].ne(NONE).to_numpy()
    counts = wide.reset_index(drop=True)
    for c in counts.columns:
        counts[c] = counts[c].astype("Float64").fillna(0).astype("Int64").where(has_data)
    total = pd.DataFrame([counts.sum(skipna=True).astype("int64").to_dict()]).astype("Int64")
    head = pd.concat([base, pd.DataFrame([{"don_vi": parent, "ten_don_vi": f"{TOTAL} cộng ({parent_label})",
                                           "du_lieu": parent_status}])], ignore_index=True)
    out = pd.concat([head, pd.concat([counts, total], ignore_index=True)], axis=1)
    out["don_vi"] = out["don_vi"].astype("string")
    out = _rates(out)
    order = ["don_vi", "ten_don_vi", "du_lieu", "so_ho", "so_nhan_khau",
             *(f"{w}_{CLASS_SLUG[c]}" for c in COUNT_ORDER for w in ("ho", "nhan_khau")),
             *(f"ty_le_{w}_{CLASS_SLUG[c]}" for c in RATE_CLASSES for w in ("ho", "nhan_khau")),
             *mv.columns]
    return out[order]

