"""Movements between the start and the end of the period (domain.md §3), as the report forms count them.

The categories, the start/end states and the per-unit tables are scoring/movements.py's: this module only renames
its table columns into the report's count names (`mv_{key}`) and maps each household's `dien_bien` to its category
in the end-of-period lists (new / relapse / continuing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hgn_review.reports._lookup import positions
from hgn_review.scoring import movements as sm

POOR, NEAR, AVG, NONPOOR, UNKNOWN = sm.NGHEO, sm.CAN_NGHEO, sm.MSTB, sm.KHONG_NGHEO, sm.CHUA_DU
DEPARTED = sm.STATUS_OUT  # tinh_trang_ho: no longer in the unit at the end of the period

# report key -> (table, scoring column); the order is the forms' order
_COLUMNS: dict[str, tuple[str, str]] = {
    "poor_to_near": (POOR, "giam_sang_bang_kia"),
    "poor_out": (POOR, "giam_thoat"),
    "poor_other_dec": (POOR, "giam_khac"),
    "poor_unknown_end": (POOR, "giam_chua_ro"),
    "near_to_poor": (POOR, "tang_tu_bang_kia"),
    "poor_new": (POOR, "tang_moi"),
    "poor_relapse": (POOR, "tang_tai"),
    "poor_other_inc": (POOR, "tang_khac"),
    "poor_unknown_start": (POOR, "tang_chua_ro"),
    "near_out": (NEAR, "giam_thoat"),
    "near_other_dec": (NEAR, "giam_khac"),
    "near_unknown_end": (NEAR, "giam_chua_ro"),
    "near_new": (NEAR, "tang_moi"),
    "near_relapse": (NEAR, "tang_tai"),
    "near_other_inc": (NEAR, "tang_khac"),
    "near_unknown_start": (NEAR, "tang_chua_ro"),
}
# labels for the HTML page (the scoring module's column titles)
MOVEMENTS: dict[str, str] = {key: sm.COLUMN_TITLES[table][col] for key, (table, col) in _COLUMNS.items()}
MOVEMENTS["near_to_poor"] = sm.COLUMN_TITLES[POOR]["tang_tu_bang_kia"]

# The movement balance of each class: end = start − decreases + increases.
DECREASES = {"poor": ("poor_to_near", "poor_out", "poor_other_dec", "poor_unknown_end"),
             "near": ("near_to_poor", "near_out", "near_other_dec", "near_unknown_end")}
INCREASES = {"poor": ("near_to_poor", "poor_new", "poor_relapse", "poor_other_inc", "poor_unknown_start"),
             "near": ("poor_to_near", "near_new", "near_relapse", "near_other_inc", "near_unknown_start")}

# Category of a household in the end-of-period lists (forms 14/15, the population list)
CATEGORY_NEW, CATEGORY_RELAPSE, CATEGORY_CONTINUING = "Mới", "Tái", "Cũ"
CATEGORY: dict[str, str] = {
    sm.TIEP_TUC_NGHEO: CATEGORY_CONTINUING, sm.TIEP_TUC_CAN_NGHEO: CATEGORY_CONTINUING,
    sm.TAI_NGHEO: CATEGORY_RELAPSE, sm.TAI_CAN_NGHEO: CATEGORY_RELAPSE,
    sm.NGHEO_MOI: CATEGORY_NEW, sm.CAN_NGHEO_MOI: CATEGORY_NEW, sm.TANG_KHAC: CATEGORY_NEW,
    sm.CAN_NGHEO_THANH_NGHEO: CATEGORY_NEW, sm.THOAT_NGHEO_CAN_NGHEO: CATEGORY_NEW,
}


def with_movements(households: pd.DataFrame) -> pd.DataFrame:
    """The households with `dien_bien` (and `dau_ky`) assigned when the results file carries none."""
    if "dien_bien" in households.columns:
        return households
    moves = sm.assign_movements(households)
    out = households.copy()
    out["dau_ky"] = moves.dau_ky.array
    out["dien_bien"] = moves.dien_bien.array
    return out


def movement_counts(households: pd.DataFrame, key: pd.Series, index: pd.Index) -> pd.DataFrame:
    """Per unit (``key`` of each household): start counts and every movement, as report count names."""
    used = [c for c in ("phan_loai", "dien_bien", "tinh_trang_ho", "dau_ky", "phan_loai_dau_ky") if c in households]
    frame = households[used].assign(_unit=key.array)  # movement_tables reads only these
    tables = sm.movement_tables(frame, by="_unit")
    out = pd.DataFrame(index=index)
    for table, prefix in ((POOR, "poor"), (NEAR, "near")):
        part = tables[tables["bang"] == table].set_index("_unit").reindex(index).fillna(0)
        out[f"{prefix}_start"] = part["dau_ky"].astype("int64")
        for k, (t, col) in _COLUMNS.items():
            if t == table:
                out[f"mv_{k}"] = part[col].astype("int64")
    for cls in ("poor", "near"):
        out[f"{cls}_dec"] = out[[f"mv_{k}" for k in DECREASES[cls]]].sum(axis=1)
        out[f"{cls}_inc"] = out[[f"mv_{k}" for k in INCREASES[cls]]].sum(axis=1)
    dien_bien = households["dien_bien"].astype("string") if "dien_bien" in households.columns else None
    unit = positions(key, index)
    for label, name in ((sm.TIEP_TUC_NGHEO, "poor_stay"), (sm.TIEP_TUC_CAN_NGHEO, "near_stay")):
        hit = (dien_bien == label).fillna(False).to_numpy(dtype=bool) if dien_bien is not None \
            else np.zeros(len(key), dtype=bool)
        hit &= unit >= 0
        out[f"mv_{name}"] = np.bincount(unit[hit], minlength=len(index)).astype("int64")
    return out


def categories(households: pd.DataFrame) -> pd.Series:
    """new / relapse / continuing (Mới / Tái / Cũ) of each household; NA when the category does not say."""
    if "dien_bien" not in households.columns:
        return pd.Series(pd.NA, index=households.index, dtype="string")
    return households["dien_bien"].astype("string").map(CATEGORY).astype("string")
