"""Masking personal data (Nghị định 13/2023/NĐ-CP) for reports shared beyond the officers who need it."""

from __future__ import annotations

import pandas as pd

ID_MASK = "********"


def mask_ids(ids: pd.Series) -> pd.Series:
    """"030080001234" -> "********1234"; NA stays NA. Vectorised."""
    s = ids.astype("string")
    return (ID_MASK + s.str[-4:]).where(s.notna() & (s.str.len() > 0), s)


def initials(names: pd.Series) -> pd.Series:
    """"Nguyễn Văn An" -> "N. V. A."; NA stays NA. Vectorised."""
    s = names.astype("string").str.strip()
    out = s.str.replace(r"(\w)\w*[\s\-]*", lambda m: m.group(1).upper() + ". ", regex=True).str.strip()
    return out.where(s.notna(), s)


def mask_persons(persons: pd.DataFrame) -> pd.DataFrame:
    """A copy with IDs masked and every name column reduced to initials."""
    out = persons.copy()
    for col in ("so_dinh_danh",):
        if col in out.columns:
            out[col] = mask_ids(out[col])
    for col in ("ho_ten", "chu_ho", "ho_ten_chu_ho"):
        if col in out.columns:
            out[col] = initials(out[col])
    return out
