"""Masking personal data (Nghị định 13/2023/NĐ-CP) for reports shared beyond the officers who need it."""

from __future__ import annotations

import pandas as pd

from hgn_review.findings import ID_IN_TEXT, ID_LIKE, hide_id

ID_MASK = "********"


def mask_ids(ids: pd.Series) -> pd.Series:
    """"030080001234" -> "********1234"; NA stays NA. Vectorised."""
    s = ids.astype("string")
    return (ID_MASK + s.str[-4:]).where(s.notna() & (s.str.len() > 0), s)


def initials(names: pd.Series) -> pd.Series:
    """"Nguyễn Văn An" -> "N. V. A."; NA stays NA. Vectorised."""
    s = names.astype("string").str.normalize("NFC").str.strip()  # a name typed decomposed: one letter, not its marks
    # a word's first letter; an initial already ("N.") stays one, so masking twice changes nothing
    # ("H'Hen Niê", an Ê Đê name: the apostrophe is inside the word, "H. N.")
    out = s.str.replace(r"(\w)[\w'’]*\.?[\s\-]*", lambda m: m.group(1).upper() + ". ", regex=True).str.strip()
    return out.where(s.notna(), s)


def mask_ids_in_text(values: pd.Series) -> pd.Series:
    """Every ID written inside a text cell reduced to its last four digits ("Thôn Đông (CCCD ********1234)")."""
    s = values.astype("string")
    hit = s.str.contains(ID_LIKE, regex=True).fillna(False).to_numpy(dtype=bool)  # (one kernel over all the cells)
    if not hit.any():
        return s
    out = s.copy()
    out[hit] = s[hit].str.replace(ID_IN_TEXT, hide_id, regex=True)  # (a Python call per cell: only those that hold one)
    return out


def mask_persons(persons: pd.DataFrame) -> pd.DataFrame:
    """A copy with IDs masked, every name column reduced to initials and any ID written in another text column
    (a household code that is the head's ID, a village cell with a note) masked."""
    out = persons.copy()
    ids = [c for c in out.columns if str(c).startswith("so_dinh_danh")]
    names = [c for c in ("ho_ten", "chu_ho", "ho_ten_chu_ho") if c in out.columns]
    for col in ids:
        out[col] = mask_ids(out[col])
    for col in names:
        out[col] = initials(out[col])
    for col in out.columns:
        if col in ids or col in names:
            continue
        if pd.api.types.is_string_dtype(out[col].dtype) or pd.api.types.is_object_dtype(out[col].dtype):
            text = out[col].astype("string")
            found = text.str.contains(ID_LIKE, regex=True).fillna(False).any()
            if found:
                out[col] = mask_ids_in_text(text)
    return out
