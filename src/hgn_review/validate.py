"""`hgn validate` as a library call: read every return, type it, check it, and hand back typed frames.

Checks within a column are pandera schemas generated from the layout (see schemas/); checks across rows,
sheets and files are vectorised pandas here. Every problem is a Finding; nothing raises for bad data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hgn_review import legacy
from hgn_review.errors import InputError
from hgn_review.findings import FileSummary, Finding, Report, finding
from hgn_review.io.read import (
    EMPTY_SHA256,
    ReturnFile,
    SheetData,
    discover,
    is_shortcut,
    no_returns,
    read_return,
)
from hgn_review.io.safety import Limits
from hgn_review.registry import BEFORE, REFORM_DATE, get_registry
from hgn_review.schemas.bridge import plain_number, run_schema
from hgn_review.schemas.coerce import clean_id, coerce, split_choices, strip_text
from hgn_review.schemas.layout import INDICATORS, Layout, as_written, load_layout
from hgn_review.schemas.pandera_schema import YEAR, schema_for
from hgn_review.scoring.movements import STATUS_OUT, departed, median_day
from hgn_review.text import arrow_mask, arrow_text, count_text, fold, short_names, text_series

HOUSEHOLD_BASE = [
    "uid", "file", "sheet", "row", "layout", "ma_ho", "ho_ten_chu_ho", "ma_xa", "ma_xa_ghi", "thon", "khu_vuc", "khu_vuc_nguon",
    "so_thanh_vien", "thu_nhap_bq", "diem_b1", "diem_b2", "loai_nha", "dien_tich_nha", "nguon_nuoc", "nha_tieu",
    "su_dung_internet", "phuong_tien_thong_tin", "ho_nlndn", "nguoi_co_cong", "bao_tro_xa_hoi", "nguyen_nhan_ngheo",
    "phan_loai_dau_ky", "tinh_trang_ho", "ngay_ra_soat", "ra_soat_vien", *INDICATORS, "phan_loai_ghi",
    "so_thieu_hut_ghi", "ket_qua_phieu_a", "dan_toc_tai_cho", "gioi_tinh_chu_ho", "loi_chan",
]
MEMBER_BASE = [
    "uid", "file", "sheet", "row", "ma_ho", "stt", "ho_ten", "so_dinh_danh", "dinh_danh_loi", "ngay_sinh", "nam_sinh",
    "gioi_tinh", "quan_he", "dan_toc", "viec_lam", "the_bhyt", "suy_dinh_duong", "trinh_do", "dang_di_hoc", "cap_hoc",
    "khuyet_tat",
]
_DTYPES = {
    "uid": "Int64", "row": "int64", "so_thanh_vien": "Int64", "thu_nhap_bq": "Float64", "diem_b1": "Float64",
    "diem_b2": "Float64", "dien_tich_nha": "Float64", "ngay_ra_soat": "datetime64[ns]", "so_thieu_hut_ghi": "Int64",
    "su_dung_internet": "boolean", "phuong_tien_thong_tin": "boolean", "ho_nlndn": "boolean",
    "nguoi_co_cong": "boolean", "bao_tro_xa_hoi": "boolean", "dan_toc_tai_cho": "boolean",
    "stt": "Int64", "ngay_sinh": "datetime64[ns]", "nam_sinh": "Int64", "the_bhyt": "boolean",
    "suy_dinh_duong": "boolean", "dang_di_hoc": "boolean", **{k: "Int8" for k in INDICATORS},
}
HEAD = "Chủ hộ"


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_DTYPES.get(c, "string")) for c in columns})


@dataclass
class ValidationResult:
    report: Report
    households: pd.DataFrame
    members: pd.DataFrame
    returns: list[ReturnFile] = field(default_factory=list)
    # each return's file by the name the findings give it (a file name that is not UTF-8 is shown with escapes)
    sources: dict[str, Path] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings


@dataclass
class _Typed:
    typed: pd.DataFrame
    raw: pd.DataFrame
    unreadable: pd.DataFrame
    # the cells of a whole-number column read with a fraction ("1500000.0000001": value-not-integer), by key
    fraction: dict[str, pd.Series] = field(default_factory=dict)


INCOME = "thu_nhap_bq"  # measured monthly income per head
B1 = "diem_b1"  # the B1 total of phiếu B, standing for the income where none was measured


def _written(raw: pd.Series) -> np.ndarray:
    """Cells with something in them once spaces and invisible characters are taken off, as a cell is read."""
    return np.asarray(strip_text(arrow_text(raw)).is_valid().to_numpy(zero_copy_only=False), dtype=bool)

# ------------------------------------------------------------------------------------------ per sheet
def _type_sheet(sd: SheetData, layout: Layout, out: list[Finding]) -> _Typed:
    spec = layout.sheets[sd.role]
    raw = sd.frame
    typed: dict[str, pd.Series] = {}
    unreadable: dict[str, pd.Series] = {}
    not_nfc: dict[str, np.ndarray] = {}
    fraction: dict[str, pd.Series] = {}
    for c in spec.columns:
        if c.key not in raw.columns:
            continue
        co = coerce(raw[c.key], c)
        typed[c.key] = co.values
        if co.not_nfc is not None:
            not_nfc[c.key] = co.not_nfc
        bad = co.bad
        if co.fraction is not None:
            bad = bad | co.fraction
            fraction[c.key] = co.fraction
        if co.ambiguous is not None and not (c.type == "date" and c.year_only):  # (a birth's year is still known)
            bad = bad | co.ambiguous
        unreadable[c.key] = bad
        if c.year_only and co.years is not None:
            typed[YEAR] = co.years  # the schema checks a required year-only date here
        header, letter = sd.headers[c.key], sd.letters[c.key]
        if co.month_first_doubt is not None:  # one date of the column reads only month first: the others looked at
            out.append(finding("date-order-doubt", file=sd.file, sheet=sd.sheet, column=header, col=letter, key=c.key,
                               value=str(co.month_first_doubt[0]), other=co.month_first_doubt[1]))
        twice = "value-date-ambiguous" if c.type == "date" else "value-number-ambiguous"
        for code, mask in ((co.code, co.bad), ("value-not-integer", co.fraction), (twice, co.ambiguous)):
            if mask is None or not mask.any():
                continue
            for r, v in raw[c.key][mask].items():
                extra = {}
                if code == "value-not-in-list" and c.type == "multichoice":  # several values: which part is wrong
                    parts = split_choices(str(v))
                    wrong = [p for p in parts if c.canonical(p) is None] or parts
                    near = _suggest(wrong[0], c.choices, c.choice_map) if len(wrong) == 1 else ""
                    # the parts not in the list, when the cell holds others too ("Thiếu vốn; Lười": "Lười")
                    extra = {"detail": ": " + ", ".join(f'"{p}"' for p in wrong) if wrong != [str(v).strip()] else "",
                             "choices": _choices_said(c.choices), "choices_en": _choices_said(c.choices, "en")}
                    if near:
                        extra |= {"suggestion": f" (có phải \"{near}\"?)", "suggestion_en": f" (did you mean \"{near}\"?)"}
                    out.append(finding("value-not-in-list-multi", file=sd.file, sheet=sd.sheet, row=int(r),
                                       column=header, col=letter, key=c.key, value=v, **extra))
                    continue
                if code == "value-not-number" and c.key == INCOME:  # "1,5 triệu": the amount in đồng, every digit
                    extra = {"amount": ": thu nhập ghi bằng đồng, đủ chữ số (1,5 triệu đồng ghi 1.500.000)",
                             "amount_en": ": the income in đồng with every digit (1.5 million đồng is 1.500.000)"}
                if code == "value-date-ambiguous" and c.year_only:  # the year is the same either way: taken
                    extra = {"detail": " (chỉ lấy năm sinh)", "detail_en": " (the year of birth alone is taken)"}
                if code == "value-not-date" and c.year_only:  # a year alone will do for a birth date only
                    extra = {"detail": " (hoặc chỉ năm sinh)", "detail_en": " (or the year of birth alone)"}
                if code in ("value-not-in-list", "value-not-yes-no"):
                    either = c.ambiguous.get(as_written(str(v))) if c.ambiguous else None
                    near = "" if either else _suggest(str(v), c.choices or ("Có", "Không"), c.choice_map)
                    if either:  # "Ba": "Bố, mẹ" or "Ông, bà" — both named, neither taken
                        extra = {"suggestion": " (" + " hay ".join(f'"{a}"' for a in either) + "?)",
                                 "suggestion_en": " (" + " or ".join(f'"{a}"' for a in either) + "?)"}
                    elif near:
                        extra = {"suggestion": f" (có phải \"{near}\"?)", "suggestion_en": f" (did you mean \"{near}\"?)"}
                if code == "value-not-in-list" and c.choices:  # what may be written (an export has no drop-down)
                    extra["choices"], extra["choices_en"] = _choices_said(c.choices), _choices_said(c.choices, "en")
                if layout.id == "app":  # an export has no drop-down: corrected in the application, exported again
                    extra |= {"where": " (sửa trong phần mềm rà soát rồi xuất lại tệp)",
                              "where_en": " (correct it in the review application and export the file again)"}
                out.append(finding(code, file=sd.file, sheet=sd.sheet, row=int(r), column=header, col=letter,
                                   key=c.key, value=v, **extra))
    t = pd.DataFrame(typed, index=raw.index)
    u = pd.DataFrame(unreadable, index=raw.index)
    uncomputed = sd.scan.uncomputed if sd.scan is not None else set()
    if sd.cell_errors or uncomputed:
        # a formula error, or a formula whose result the file does not hold, is a value, just not a readable one
        key_by_letter = {v: k for k, v in sd.letters.items()}
        for letter, r in [*sd.cell_errors, *uncomputed]:
            key = key_by_letter.get(letter)
            if key in u.columns and r in u.index:
                u.at[r, key] = True
                t.at[r, key] = pd.NA  # what the file stores for it (0, written by a program) is not its value
    present = frozenset(t.columns)
    found = run_schema(schema_for(layout.id, sd.role, present), t, raw, u, spec, file=sd.file, sheet=sd.sheet,
                       headers=sd.headers, letters=sd.letters)
    out.extend(found)
    for f in found:  # a value outside its domain is not used downstream (contract: invalid → NA)
        if f.code != "value-required" and f.key in t.columns and f.row in t.index:
            t.at[f.row, f.key] = pd.NA
    for c in spec.columns:  # absent optional columns: the layout's default, or "no" where blank means no — unless
        # the column's absence is said (missing_note): a blank cell of the export means no, a column it lacks says
        # nothing (family.agriculture: not known, never "not a farming household")
        if c.key not in t.columns and (c.default is not None or c.blank_is_no) and not c.missing_note:
            t[c.key] = c.default if c.default is not None else False
    _text_checks(sd, layout, raw, not_nfc, out)
    return _Typed(t, raw, u, fraction)


def _choices_said(choices: tuple[str, ...], lang: str = "vi", most: int = 10) -> str:
    """': Kiên cố / Bán kiên cố / …' — a long list (54 ethnic groups) cut after ``most``. Values are parted by
    " / " (as the template's notes part them), not by commas: "Khe, mó được bảo vệ" is one value."""
    more = f" … ({len(choices)} {'giá trị' if lang == 'vi' else 'values'})" if len(choices) > most else ""
    return f": {' / '.join(choices[:most])}{more}"


def _doubled(written: str, meant: str) -> bool:
    """``written`` is ``meant`` with one letter struck twice ("kinhh" for "kinh")."""
    return len(written) == len(meant) + 1 and any(
        written[i] == written[i + 1] and written[:i] + written[i + 1:] == meant for i in range(len(written) - 1))


# a Vietnamese syllable as fold() writes it (no tone marks, "đ" as "d"): onset, vowels, final consonant
_SYLLABLE = re.compile(r"(?:ngh|ng|gh|gi|kh|ch|nh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")


def _suggest(value: str, choices: tuple[str, ...], aliases: dict[str, str] | None = None) -> str:
    """The answer of the list a cell not in it was most likely meant as, or "": its reading in a legacy font (a
    value or an alias of one: TCVN3 "Vî" is "Vợ", an alias of "Vợ, chồng"), or a slip of a letter in a word."""
    import difflib

    folded = {fold(c): c for c in choices}
    known = {**(aliases or {}), **folded}  # (folded alias → its answer)
    encoding = legacy.detect(value)
    if encoding is not None:  # typed with a legacy keyboard (TCVN3, VNI): "Mêng" is "Mường", never "Mông"
        decoded = fold(legacy.to_unicode(value, encoding))
        if decoded in known:
            return known[decoded]
        value = decoded
    else:  # a short answer detect cannot be sure of ("Cã" reads as Unicode too): its legacy reading when that is
        # exactly one of the column's values, under one encoding
        exact = {known[d] for enc in legacy.ENCODINGS if (d := fold(legacy.to_unicode(value, enc))) in known}
        if len(exact) == 1 and fold(value) not in known:
            return exact.pop()
    # only a near spelling (a slip of a letter or two): at 0.6 "Đại học" found "Tiểu học", "Cháu nội" "Chủ hộ" —
    # another meaning, which an officer following the hint would write in
    best = difflib.get_close_matches(fold(value), list(folded), n=1, cutoff=0.8)
    if not best:
        return ""
    if (len(best[0]) <= 5 and len(fold(value)) != len(best[0]) and not _doubled(fold(value), best[0])
            and all(_SYLLABLE.fullmatch(w) for w in fold(value).split())):
        # a short word a letter longer or shorter is another word ("Chủ" is not "Cháu", "Mán" not "Mảng") — unless
        # a key was struck twice ("Kinhh") or what was typed is no Vietnamese word at all ("Khôg": a letter left out)
        return ""
    # and a slip inside words, never a word for another: "Nhà kiên cố" is not "Bán kiên cố", "Làm công có HĐLĐ" is
    # the opposite of "Làm công không HĐLĐ" — alike as strings, of other meanings
    written, offered = fold(value).split(), best[0].split()
    slips = len(written) == len(offered) and all(
        w == o or difflib.SequenceMatcher(None, w, o).ratio() >= 0.75 for w, o in zip(written, offered, strict=True))
    return folded[best[0]] if slips else ""


def _text_checks(sd: SheetData, layout: Layout, raw: pd.DataFrame, not_nfc: dict[str, np.ndarray],
                 out: list[Finding]) -> None:
    """Legacy encodings and text not in NFC (``not_nfc``: per text column, as found while typing it)."""
    spec = layout.sheets[sd.role]
    for c in spec.columns:
        if c.type != "text" or c.key not in raw.columns:
            continue
        present = raw[c.key].notna().to_numpy()
        if not present.any():
            continue
        s = raw[c.key][present].astype("string")
        enc = legacy.detect_series(s)
        hit = enc.notna()
        for r, v in s[hit].items():
            e = str(enc[r])
            out.append(finding("text-legacy-encoding", file=sd.file, sheet=sd.sheet, row=int(r),
                               column=sd.headers[c.key], col=sd.letters[c.key], key=c.key, value=v, detail=e,
                               proposal=legacy.to_unicode(str(v), e)))
        odd = not_nfc[c.key][present] & ~hit.to_numpy()
        for r, v in s[odd].items():
            out.append(finding("text-not-nfc", file=sd.file, sheet=sd.sheet, row=int(r), column=sd.headers[c.key],
                               col=sd.letters[c.key], key=c.key, value=v))


def _loc(sd: SheetData, key: str) -> dict[str, Any]:
    return {"file": sd.file, "sheet": sd.sheet, "column": sd.headers.get(key), "col": sd.letters.get(key), "key": key}


# ------------------------------------------------------------------------------------------ per file
def _file_as_of(ret: ReturnFile, hh: pd.DataFrame, as_of: date | None) -> date:
    if as_of is not None:
        return as_of
    day = median_day(hh["ngay_ra_soat"]) if "ngay_ra_soat" in hh else None
    if day is not None:
        return day
    year = ret.info.get(fold("Năm rà soát"))
    if year and year.strip().isdigit():
        return date(int(year), 9, 1)
    return date.today()


def _code_hint(reg: Any, code: str, as_of: date) -> tuple[str, str]:
    """What to say after an unknown commune code: a code of the other unit list (before or from 1/7/2025) is said
    to be one, with where it went — never offered a look-alike code of another commune; else the nearest codes."""
    other = reg.other_era(code, as_of)
    if other is not None:
        return f" ({other[0]})", f" ({other[1]})"
    near = reg.nearest_codes(code, as_of)
    names = ", ".join(u.code + " " + u.name for u in near)
    return (f"; mã gần giống: {names}", f"; nearest codes: {names}") if near else ("", "")


def _admin_checks(ret: ReturnFile, sd: SheetData, hh: pd.DataFrame, as_of: date, out: list[Finding],
                  own_dates: bool = False) -> pd.Series:
    """Commune codes and areas. A household whose code is unknown or not the file's commune stays in the file's
    commune (the return it came in), keeps the code as written in ``ma_xa_ghi``, and is blocked from
    classification until the code is fixed. Returns the blocking code per row ("" when none). ``own_dates``: the
    unit list is the return's (its review dates), not one the user chose (--as-of): a household reviewed on the
    other side of 1/7/2025 takes its area from its own date's list."""
    reg = get_registry()
    codes = hh["ma_xa"] if "ma_xa" in hh else pd.Series(pd.NA, index=hh.index, dtype="string")
    if codes.isna().all():
        m = re.match(r"^(\d{5})\D", Path(ret.path).name)
        if m:  # no commune column (some exports): the file name carries the code
            hh["ma_xa"] = codes = pd.Series(m.group(1), index=hh.index, dtype="string")
    af = reg.area_frame(codes.fillna(""), as_of)
    known = af["known"].astype(bool) & codes.notna()
    unknown = codes.notna() & ~known
    if "ma_xa" in sd.frame.columns:
        _say_unknown_codes(reg, sd, codes, hh.index[unknown], as_of, out)
    declared = ret.info.get(fold("Mã xã"))
    file_code: str | None = None
    if declared and declared.strip().isdigit():
        file_code = declared.strip().zfill(5)
        if reg.commune(file_code, as_of) is None:  # a typo on the info sheet: said there, and the rows' code taken
            sheet, row, letter = ret.info_cells.get(fold("Mã xã"), ("", None, None))
            vi, en = _code_hint(reg, file_code, as_of)
            out.append(finding("commune-unknown", file=sd.file, sheet=sheet, row=row, column="Mã xã", col=letter,
                               value=declared, detail=as_of.strftime("%d/%m/%Y"), suggestion=vi, suggestion_en=en))
            file_code = None
    if file_code is None:
        mode = codes[known].mode()
        file_code = str(mode.iloc[0]) if len(mode) else None
    if file_code and "ma_xa" in sd.frame.columns:
        mism = known & (codes != file_code)
        name = reg.commune(file_code, as_of)
        label = f"{file_code} {name.name}" if name else file_code
        for r in hh.index[mism]:
            out.append(finding("commune-mismatch", row=int(r), value=codes[r], detail=label, **_loc(sd, "ma_xa")))
    reg_area = af["area"].where(known)
    gone = _area_of_own_date(reg, codes, hh, as_of, reg_area) if own_dates else np.zeros(len(hh), dtype=bool)
    if gone.any() and "ma_xa" in sd.frame.columns:  # a code its household's own review date no longer has
        _say_unknown_codes(reg, sd, codes, hh.index[gone], _other_list_day(as_of), out,
                           dates=pd.to_datetime(hh["ngay_ra_soat"]))
    row_area = hh["khu_vuc"] if "khu_vuc" in hh else pd.Series(pd.NA, index=hh.index, dtype="string")
    if "khu_vuc" in sd.frame.columns:
        mism = row_area.notna() & reg_area.notna() & (row_area.astype("string") != reg_area.astype("string"))
        for r in hh.index[mism.fillna(False).astype(bool)]:
            out.append(finding("area-mismatch", row=int(r), value=row_area[r], detail=f"{reg_area[r]} theo danh mục", detail_en=f"{reg_area[r]} per the registry",
                               **_loc(sd, "khu_vuc")))
    # the registry's area stands in only for a cell left blank: an answer written that cannot be read ("NT") is
    # the household's own, unknown — reported, and the household undecided where the area decides its class
    if "khu_vuc" in sd.frame.columns:
        written = pd.Series(_written(sd.frame["khu_vuc"]), index=sd.frame.index).reindex(hh.index, fill_value=False)
        unread = (written & row_area.isna()).to_numpy(dtype=bool)
    else:
        unread = np.zeros(len(hh), dtype=bool)
    from_registry = reg_area.notna().to_numpy(dtype=bool) & ~unread
    source = pd.Series(pd.NA, index=hh.index, dtype="string")
    source[from_registry] = "danh_muc"
    source[row_area.notna().to_numpy()] = "ho"
    hh["khu_vuc_nguon"] = source
    hh["khu_vuc"] = row_area.astype("string").mask(from_registry & row_area.isna().to_numpy(dtype=bool),
                                                   reg_area.astype("string"))
    block = pd.Series("", index=hh.index, dtype="string")
    hh["ma_xa_ghi"] = codes.astype("string")
    if file_code and "ma_xa" in sd.frame.columns:
        wrong_code = unknown | (known & (codes != file_code))
        block[unknown] = "commune-unknown"
        block[known & (codes != file_code)] = "commune-mismatch"
        block[gone & known.to_numpy(dtype=bool) & (codes == file_code).fillna(False).to_numpy(dtype=bool)] = \
            "commune-unknown"
        hh["ma_xa"] = codes.astype("string").mask(wrong_code | codes.isna(), file_code)
    return block


def _say_unknown_codes(reg: Any, sd: SheetData, codes: pd.Series, rows: pd.Index, day: date, out: list[Finding],
                       dates: pd.Series | None = None) -> None:
    """commune-unknown at each of ``rows``: its code is not in the unit list of ``day``, said as of the household's
    own review date when ``dates`` gives it, with the nearest codes of that list."""
    for r in rows:
        vi, en = _code_hint(reg, str(codes[r]), day)
        said = dates[r] if dates is not None else day
        out.append(finding("commune-unknown", row=int(r), value=codes[r], detail=said.strftime("%d/%m/%Y"),
                           suggestion=vi, suggestion_en=en, **_loc(sd, "ma_xa")))


def _other_list_day(as_of: date) -> date:
    """A day of the unit list on the other side of 1/7/2025 from ``as_of``."""
    return REFORM_DATE if as_of < REFORM_DATE else REFORM_DATE - timedelta(days=1)


def _area_of_own_date(reg: Any, codes: pd.Series, hh: pd.DataFrame, as_of: date, reg_area: pd.Series) -> np.ndarray:
    """A household reviewed on the other side of 1/7/2025 than the return's date (a return of summer 2025) takes its
    area from the unit list of its own review date: a commune's area can change with the reform (Thị trấn Nam Sách,
    urban, is Xã Nam Sách, rural, from 1/7/2025), and the line follows where the household lives on its review
    date. Returns the households whose code that list does not have (a commune gone into another on 1/7/2025):
    their area is not known (never the other list's), and the caller says why."""
    gone = np.zeros(len(hh), dtype=bool)
    if "ngay_ra_soat" not in hh or not len(hh):
        return gone
    days = pd.to_datetime(hh["ngay_ra_soat"], errors="coerce")
    after = (days >= pd.Timestamp(REFORM_DATE)).to_numpy(dtype=bool)
    # of the return's own year only (2025, reviewed on both sides of the reform): a date of another year in it is
    # taken for a slip of the year, the household judged with its return (as its round is)
    other = days.notna().to_numpy(dtype=bool) & (after != (as_of >= REFORM_DATE)) & \
        codes.notna().to_numpy(dtype=bool) & (days.dt.year == as_of.year).to_numpy(dtype=bool)
    if not other.any():
        return gone
    theirs = reg.area_frame(codes[other].fillna(""), _other_list_day(as_of))
    known = theirs["known"].to_numpy(dtype=bool)
    reg_area[other] = theirs["area"].where(known).to_numpy()
    gone[np.flatnonzero(other)[~known]] = True
    return gone


def _content(t: _Typed) -> pd.DataFrame:
    """What a households row says, as the layout reads it: the typed values (a date as an Excel date or as
    dd/mm/yyyy text, a name with a trailing space are the same), and the text as written where a cell could not
    be read (two unreadable cells are not the same value). Columns the layout does not read (a running number)
    are not part of it."""
    key = {}
    for c in t.typed.columns:
        typed = t.typed[c]
        if c in t.raw.columns:
            written = t.raw[c].astype("string").str.strip()
            unread = typed.isna().to_numpy(dtype=bool) & written.notna().to_numpy(dtype=bool)
            if unread.any():
                typed = typed.astype(object).where(~unread, "\x00" + written.astype(object))
        key[c] = typed
    return pd.DataFrame(key, index=t.typed.index)


def _read_once(sd: SheetData, t: _Typed, out: list[Finding], who: tuple[str, ...] = ()) -> None:
    """Rows pasted twice, every cell the layout reads the same, are read once: each later copy is dropped and
    reported (row-duplicate, naming the first). ``who``: columns of which one must be written for a row to be
    taken for a copy (a person's name or ID: two member rows with nothing but a household code are two unknown
    persons, reported on their blank cells, not one)."""
    full = _content(t)
    dup = full.duplicated(keep="first").to_numpy(dtype=bool, copy=True)
    if who:
        dup &= t.typed[[k for k in who if k in t.typed.columns]].notna().any(axis=1).to_numpy(dtype=bool)
    if not dup.any():
        return
    first_rows = full.reset_index().groupby(list(full.columns), dropna=False)["index"].transform("min")
    first_rows.index = full.index
    for r in full.index[dup]:
        out.append(finding("row-duplicate", file=sd.file, sheet=sd.sheet, row=int(r), other=int(first_rows[r])))
    t.typed = t.typed.drop(index=full.index[dup])
    t.raw = t.raw.drop(index=full.index[dup])
    t.unreadable = t.unreadable.drop(index=full.index[dup])


def _household_checks(sd: SheetData, t: _Typed, layout: Layout,
                      out: list[Finding]) -> tuple[pd.Series, pd.Series]:
    """Checks within the households sheet. Returns (the later rows of a household code written twice — kept,
    but blocked —, the first rows of a code whose rows say different things — blocked too: which row is right
    is not known)."""
    hh = t.typed
    spec = layout.sheets["households"]
    keyed = "ma_ho" not in hh or hh["ma_ho"].duplicated().any()  # rows all alike share their code first
    if spec.dedupe and keyed:  # a household row repeated (exports held up to half of them): read once
        _read_once(sd, t, out)
        hh = t.typed
    ma_ho = hh["ma_ho"] if "ma_ho" in hh else pd.Series(pd.NA, index=hh.index, dtype="string")
    dup = ma_ho.notna() & ma_ho.duplicated(keep="first")
    conflict = pd.Series(False, index=hh.index)
    if dup.any():
        first = ma_ho[~dup & ma_ho.notna()]
        first_row = pd.Series(first.index, index=first.values)
        for r in hh.index[dup]:
            out.append(finding("household-duplicate", row=int(r), value=ma_ho[r], other=int(first_row[ma_ho[r]]),
                               **_loc(sd, "ma_ho")))
        twice = (ma_ho.notna() & ma_ho.duplicated(keep=False)).to_numpy(dtype=bool)
        rows = _content(t)[twice]
        variants = rows.assign(_code=ma_ho[twice].to_numpy()).drop_duplicates().groupby("_code").size()
        differing = variants.index[variants.to_numpy() > 1]
        conflict = pd.Series(twice & ~dup.to_numpy(dtype=bool) & ma_ho.isin(differing).fillna(False).to_numpy(bool),
                             index=hh.index)
    # income basis: neither a measured income nor a B1 score was written
    if "thu_nhap_bq" in t.raw or "diem_b1" in t.raw:
        def unwritten(key: str) -> Any:  # nothing left once spaces and invisible characters are taken off (a
            # formula whose result the file does not hold is written: said at its cell as such)
            if key not in t.raw:
                return True
            return ~_written(t.raw[key]) & ~t.unreadable[key].to_numpy(dtype=bool)

        blank_inc, blank_b1 = unwritten("thu_nhap_bq"), unwritten("diem_b1")
        missing = pd.Series(blank_inc & blank_b1, index=hh.index)
        key = "thu_nhap_bq" if "thu_nhap_bq" in t.raw else "diem_b1"
        if layout.sheets["households"].by_key.get(key) is not None and not layout.sheets["households"].by_key[key].required:
            for r in hh.index[missing]:
                out.append(finding("income-basis-missing", row=int(r), **_loc(sd, key)))
    flags = [k for k in INDICATORS if k in hh]
    if "so_thieu_hut_ghi" in hh and len(flags) == len(INDICATORS):
        total = hh[flags].sum(axis=1, min_count=len(flags))
        rec = hh["so_thieu_hut_ghi"]
        mism = rec.notna() & total.notna() & (rec != total)
        for r in hh.index[mism.fillna(False).astype(bool)]:
            out.append(finding("deprivation-count-mismatch", row=int(r), value=rec[r], detail=int(total[r]),
                               **_loc(sd, "so_thieu_hut_ghi")))
        # flags left blank: the recorded total must still lie between the flags known and known + blank
        known = hh[flags].sum(axis=1, min_count=1).fillna(0)
        blank = hh[flags].isna().sum(axis=1)
        partial = total.isna() & (blank < len(flags)) & rec.notna()
        out_of = partial & ((rec < known) | (rec > known + blank))
        for r in hh.index[out_of.fillna(False).astype(bool)]:
            out.append(finding("deprivation-count-mismatch", row=int(r), value=rec[r],
                               detail=f"{int(known[r])}–{int(known[r] + blank[r])}", **_loc(sd, "so_thieu_hut_ghi")))
    return dup, conflict


def _ages(birth: pd.Series, years: pd.Series, review: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(youngest possible, oldest possible) completed age at the review date (float, NaN when unknown); equal
    when the birth date is known, one year apart when only the birth year is."""
    from hgn_review.scoring.indicators import _dates

    ry, rmd, review_known = _dates(pd.Series(review))
    by, bmd, born_known = _dates(birth)
    year = years.to_numpy(dtype="float64", na_value=np.nan)
    exact = (ry - by - (rmd < bmd)).astype(np.float64)
    lo = np.where(born_known, exact, ry - year - 1)
    hi = np.where(born_known, exact, ry - year)
    lo[~review_known], hi[~review_known] = np.nan, np.nan
    return lo, hi


def _member_checks(ret: ReturnFile, hsd: SheetData, ht: _Typed, hdup: pd.Series, msd: SheetData, mt: _Typed,
                   layout: Layout, out: list[Finding]) -> pd.Series:
    """Checks across the two sheets. Returns the blocking codes per household row."""
    hh, mm = ht.typed, mt.typed
    blocking = pd.Series("", index=hh.index, dtype="string")
    blocking[hdup] = "household-duplicate"
    # (no code column — its header missing or mistyped, said as such: no household a member's code can name)
    ok_hh = hh.loc[~hdup & hh["ma_ho"].notna(), ["ma_ho"]] if "ma_ho" in hh else \
        pd.DataFrame({"ma_ho": pd.Series(dtype="string")})
    row_of = pd.Series(ok_hh.index, index=ok_hh["ma_ho"].values) if len(ok_hh) else pd.Series(dtype="int64")
    m_ma_ho = mm["ma_ho"] if "ma_ho" in mm else pd.Series(pd.NA, index=mm.index, dtype="string")
    pos = pd.Index(row_of.index).get_indexer(m_ma_ho) if len(row_of) and row_of.index.is_unique else None
    hh_row = (pd.Series(np.where(pos >= 0, row_of.to_numpy()[pos], np.nan), index=mm.index) if pos is not None
              else m_ma_ho.map(row_of))
    orphan = m_ma_ho.notna() & hh_row.isna()
    # households a member row may be of, its code written otherwise or left blank in merged cells: never linked
    # (nothing is imputed), but the household waits — its class would be made without that member
    unlinked: list[int] = []
    if orphan.any():
        # the same code written another way: leading zeros lost (a code of digits stored as a number: "0012"
        # became 12), full-width digits, case, spaces, a trailing ".0". Named in the hint, and the household waits,
        # where the code names one household alone (leading zeros lost: the first of them is named)
        codes = ok_hh["ma_ho"].astype("string")
        loose = _loose_codes(codes)
        first_row = pd.Series(ok_hh.index[~loose.duplicated().to_numpy()], index=loose[~loose.duplicated()].to_numpy())
        alone = set(ok_hh.index[~loose.duplicated(keep=False).to_numpy()].tolist())
        for r, key in zip(mm.index[orphan], _loose_codes(m_ma_ho[orphan].astype("string")).tolist(), strict=True):
            at = first_row.get(key) if key is not None else None
            near = str(codes[at]) if at is not None else None
            lost_zeros = near is not None and str(m_ma_ho[r]).isdigit() and near.startswith("0")
            if at is not None and int(at) in alone:
                unlinked.append(int(at))
            elif not lost_zeros:  # written another way, and several households so: none is named
                near = None
            said = ({"suggestion": f" (có phải \"{near}\"? số 0 ở đầu bị mất khi ô lưu dạng số)",
                     "suggestion_en": f" (did you mean \"{near}\"? the leading zero is lost when a cell holds a number)"}
                    if lost_zeros else
                    {"suggestion": f" (có phải \"{near}\", viết khác?)", "suggestion_en": f" (is it \"{near}\", written "
                     "another way?)"} if near else {})
            out.append(finding("member-orphan", row=int(r), value=m_ma_ho[r], **said, **_loc(msd, "ma_ho")))
    unlinked += _merged_down(msd, m_ma_ho, hh_row)
    mm["_hh_row"] = hh_row.astype("Int64")
    counts = mm["_hh_row"].value_counts()
    n_members = pd.Series(counts.reindex(ok_hh.index).fillna(0).astype(int).values, index=ok_hh.index)
    none = n_members == 0
    for r in ok_hh.index[none.values]:
        out.append(finding("household-no-members", row=int(r), **_loc(hsd, "ma_ho")))
    blocking[ok_hh.index[none.values]] = "household-no-members"
    _add_code(blocking, sorted(set(unlinked)), "member-unlinked")
    if "ma_ho" in hh:  # no code (reported at its cell): no member row can be its, so its members are not known
        blocking[(hh["ma_ho"].isna() & ~hdup).to_numpy(dtype=bool)] = "household-code-missing"
    if "quan_he" in mm:
        is_head = (mm["quan_he"] == HEAD).fillna(False).astype(bool)
        heads = mm.loc[is_head & mm["_hh_row"].notna(), ["_hh_row"]]
        n_heads = heads["_hh_row"].value_counts().reindex(ok_hh.index).fillna(0).astype(int)
        no_head = (n_heads == 0) & ~none.values
        for r in ok_hh.index[no_head.values]:
            out.append(finding("household-no-head", row=int(r), **_loc(hsd, "ma_ho")))
        _add_code(blocking, ok_hh.index[no_head.values], "household-no-head")
        extra = heads["_hh_row"].duplicated(keep="first")
        first_head = heads.loc[~extra].reset_index().set_index("_hh_row")["index"]
        for r in heads.index[extra]:
            out.append(finding("household-multiple-heads", row=int(r), value=HEAD,
                               other=int(first_head[heads.at[r, "_hh_row"]]), **_loc(msd, "quan_he")))
        multi = heads.loc[extra, "_hh_row"].unique()
        _add_code(blocking, multi, "household-multiple-heads")
    if "so_thanh_vien" in hh:
        declared = hh.loc[ok_hh.index, "so_thanh_vien"]
        mism = declared.notna() & (declared != n_members) & ~none
        at = ok_hh.index[mism.fillna(False).astype(bool).values]
        for r in at:
            out.append(finding("household-size-mismatch", row=int(r), value=declared[r], detail=int(n_members[r]),
                               **_loc(hsd, "so_thanh_vien")))
        # which count is right is not known, nor the answers of members not listed: the household waits
        _add_code(blocking, at, "household-size-mismatch")
    if "stt" in mm:
        keyed = mm.loc[mm["_hh_row"].notna() & mm["stt"].notna(), ["_hh_row", "stt"]]
        d = keyed.duplicated(["_hh_row", "stt"], keep="first")
        if d.any():
            firsts = keyed[~d].reset_index().set_index(["_hh_row", "stt"])["index"]
            for r in keyed.index[d]:
                out.append(finding("member-stt-duplicate", row=int(r), value=keyed.at[r, "stt"],
                                   other=int(firsts[(keyed.at[r, "_hh_row"], keyed.at[r, "stt"])]), **_loc(msd, "stt")))
    gone = hh.index[hh["tinh_trang_ho"].astype("string").isin(STATUS_OUT).fillna(False).to_numpy(dtype=bool)] \
        if "tinh_trang_ho" in hh else hh.index[:0]
    _add_code(blocking, _same_person(mm, msd, out, gone), "member-possible-duplicate")
    _plausibility(hsd, ht, msd, mt, n_members, layout, out)
    return blocking


def _same_person(mm: pd.DataFrame, msd: SheetData, out: list[Finding], gone: pd.Index | None = None) -> list[int]:
    """A person written twice in one household under another number (a row copied and renumbered): the same full
    name (case and spaces aside) and the same date of birth — or year, where only the year is written —, unless
    both rows hold IDs (two IDs: two persons; one ID twice: id-duplicate says it; "Chưa có" is no ID). Counted twice, the household's
    size, income per head and dependants' share would be wrong: each later row is said, naming the first, and the
    household waits. Returns those households' rows. (Names are compared only among the members of a household
    born on one day: twins, or such a copy — a few rows of a return.) ``gone``: the rows of households recorded as
    moved away or dissolved — not surveyed, their members not counted: not asked."""
    if "ho_ten" not in mm or not ({"ngay_sinh", "nam_sinh"} & set(mm.columns)) or "_hh_row" not in mm:
        return []
    born = np.full(len(mm), np.nan)
    if "ngay_sinh" in mm:
        day = mm["ngay_sinh"].to_numpy(dtype="datetime64[ns]")
        known = ~np.isnat(day)
        born[known] = day[known].astype("datetime64[D]").astype("int64")
    if "nam_sinh" in mm:
        year = mm["nam_sinh"].to_numpy(dtype="float64", na_value=np.nan)
        alone = np.isnan(born) & ~np.isnan(year)
        born[alone] = -1e6 - year[alone]  # a year alone: never equal to a day
    house = mm["_hh_row"].to_numpy(dtype="float64", na_value=np.nan)
    usable = ~np.isnan(born) & ~np.isnan(house) & mm["ho_ten"].notna().to_numpy(dtype=bool)
    if gone is not None and len(gone):
        usable &= ~np.isin(house, gone.to_numpy(dtype="float64"))
    if not usable.any():
        return []
    pairs = pd.DataFrame({"h": house[usable], "b": born[usable]})
    twins = pairs.duplicated(keep=False).to_numpy()
    if not twins.any():
        return []
    rows = mm.index[usable][twins]
    name = arrow_text(mm.loc[rows, "ho_ten"])
    name = pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.utf8_lower(pc.utf8_normalize(name, "NFC")),
                                                              r"\s+", " "))
    key = pd.DataFrame({"h": house[usable][twins], "b": born[usable][twins], "n": name.to_pylist()}, index=rows)
    again = key.duplicated(keep="first")
    if not again.any():
        return []
    first = pd.Series(key.index[~again.to_numpy()], index=pd.MultiIndex.from_frame(key[~again]))
    ids = mm["so_dinh_danh"] if "so_dinh_danh" in mm else pd.Series(pd.NA, index=mm.index, dtype="string")
    households: list[int] = []
    for r in key.index[again.to_numpy()]:
        f = int(first[tuple(key.loc[r])])
        if _an_id(ids[r]) and _an_id(ids[f]):  # two IDs: two persons, or one ID twice (id-duplicate)
            continue
        out.append(finding("member-possible-duplicate", row=int(r), value=mm.at[r, "ho_ten"], other=f,
                           **_loc(msd, "ho_ten")))
        households.append(int(house[mm.index.get_loc(r)]))
    return sorted(set(households))


def _an_id(written: object) -> bool:
    """An ID cell holding an ID, even a mistyped one (nine digits or more: the old nine-digit card too) — not a
    placeholder for none ("Chưa có", "0", "x", "-", "000000000000"), which two rows of one person may both hold."""
    digits = "" if pd.isna(written) else re.sub(r"\D", "", str(written))
    return len(digits) >= 9 and digits.strip("0") != ""


def _loose_codes(codes: pd.Series) -> pd.Series:
    """Household codes compared loosely: full-width characters as ASCII, case, spaces and a trailing ".0" ignored,
    and the leading zeros of a code of digits."""
    s = codes.astype("string").str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.casefold()
    s = s.str.replace(r"\.0+$", "", regex=True)
    digits = s.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
    s = s.mask(digits, s.str.lstrip("0").replace("", "0"))
    return s.mask(s == "")


def _merged_down(msd: SheetData, m_ma_ho: pd.Series, hh_row: pd.Series) -> list[int]:
    """The households whose code is merged down over member rows below it (a merge from its first member's row):
    those rows' codes are blank to a reader, so they are no member of it — said at their cells as blank — and the
    household waits."""
    scan = msd.scan or msd.xls_scan
    letter = msd.letters.get("ma_ho")
    if scan is None or not scan.merges or letter is None:
        return []
    from hgn_review.io.read import col_index

    col = col_index(letter)
    out: list[int] = []
    for c1, r1, c2, r2 in scan.merges:
        if not col_index(c1) <= col <= col_index(c2) or r2 <= r1 or r1 not in hh_row.index or pd.isna(hh_row[r1]):
            continue
        below = [r for r in range(r1 + 1, r2 + 1) if r in m_ma_ho.index and pd.isna(m_ma_ho[r])]
        if below:
            out.append(int(hh_row[r1]))
    return out


def _add_code(blocking: pd.Series, rows: Any, code: str) -> None:
    """Append ``code`` to the blocking codes of ``rows`` (';'-separated); nothing to do for no rows."""
    if len(rows):
        current = blocking[rows]
        blocking[rows] = current.where(current == "", current + ";").fillna("") + code


def _plausibility(hsd: SheetData, ht: _Typed, msd: SheetData, mt: _Typed, n_members: pd.Series, layout: Layout,
                  out: list[Finding]) -> None:
    p = layout.plausibility
    hh, mm = ht.typed, mt.typed
    if "dien_tich_nha" in hh and len(n_members):
        per = hh.loc[n_members.index, "dien_tich_nha"] / n_members.replace(0, np.nan)
        high = (per > p.get("max_area_per_member", np.inf)).fillna(False).astype(bool)
        for r in n_members.index[high.values]:
            out.append(finding("area-per-member-high", row=int(r), value=hh.at[r, "dien_tich_nha"],
                               detail=f"{float(per[r]):.0f}", **_loc(hsd, "dien_tich_nha")))
    if "ngay_ra_soat" not in hh or mm.empty:
        return
    pos = hh.index.get_indexer(mm["_hh_row"].to_numpy(dtype="float64", na_value=np.nan))  # -1: no household
    from hgn_review.scoring.standard import nationally_covered

    # a review date no standard covers (15/09/1924 for 2024) is reported on its own cell: no member's age is
    # measured from it (its birth date is not blamed for the review date's typo)
    review_dates = hh["ngay_ra_soat"].where(nationally_covered(hh["ngay_ra_soat"]))
    dates = np.append(review_dates.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    review = dates[pos]  # position -1 (no household, or no household rows at all) takes the NaT appended
    birth = mm["ngay_sinh"] if "ngay_sinh" in mm else pd.Series(pd.NaT, index=mm.index, dtype="datetime64[ns]")
    years = mm["nam_sinh"] if "nam_sinh" in mm else pd.Series(pd.NA, index=mm.index, dtype="Int64")
    lo, hi = _ages(birth, years, review)
    rows = mm.index.to_numpy()

    def report(code: str, mask: np.ndarray, key: str, value: pd.Series) -> None:
        for i in np.flatnonzero(mask):
            r = int(rows[i])
            out.append(finding(code, row=r, value=value.at[r], detail=int(hi[i]), **_loc(msd, key)))

    with np.errstate(invalid="ignore"):
        if "ngay_sinh" in mm:
            bad = (hi < 0) | (lo > p.get("max_age", 200))
            # a cell reported unreadable already (value-not-date) is not said out of range too — but the year it
            # still gives (a date read only month first, "03/25/1066") is not used either
            said = bad.copy()
            if "ngay_sinh" in mt.unreadable:
                said &= ~mt.unreadable["ngay_sinh"].to_numpy(dtype=bool, na_value=False)
            for i in np.flatnonzero(said):
                out.append(finding("value-out-of-range", row=int(rows[i]), value=mt.raw.at[int(rows[i]), "ngay_sinh"],
                                   detail=f"tuổi 0–{p.get('max_age')}", detail_en=f"age 0–{p.get('max_age')}",
                                   **_loc(msd, "ngay_sinh")))
            if bad.any():  # a birth no one alive has (a year typed 1796): not used — the age is unknown, not 228
                for key in ("ngay_sinh", YEAR):
                    if key in mt.typed.columns:
                        mt.typed.loc[rows[bad], key] = pd.NA
                # nor judged by the checks below (a head "-1 years old" of a birth after the review date)
                lo, hi = np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
        if "quan_he" in mm:
            head = (mm["quan_he"] == HEAD).to_numpy(dtype=bool, na_value=False)
            written = mt.raw["ngay_sinh"] if "ngay_sinh" in mt.raw else pd.Series(pd.NA, index=mm.index)
            report("head-too-young", head & (hi < p.get("head_min_age", 0)), "ngay_sinh", written)
        if "trinh_do" in mm:
            deg = mm["trinh_do"].isin(p.get("degree_levels", [])).to_numpy(dtype=bool, na_value=False)
            report("degree-too-young", deg & (hi < p.get("degree_min_age", 0)), "trinh_do", mm["trinh_do"])
        if "cap_hoc" in mm:
            table = p.get("school_level_ages", {})
            level = mm["cap_hoc"]
            codes, uniques = pd.factorize(level)  # bounds looked up once per distinct level
            bounds = np.array([table.get(u, (np.nan, np.nan)) for u in uniques] + [(np.nan, np.nan)], dtype=float)
            lo_b, hi_b = bounds[codes, 0], bounds[codes, 1]  # code -1 (blank) takes the last, unknown row
            report("school-level-age", (hi < lo_b) | (lo > hi_b), "cap_hoc", level)


def _id_checks(msd: SheetData, mt: _Typed, out: list[Finding], away: np.ndarray | None = None) -> pd.Index:
    """Personal identification numbers: format, province, sex/century and birth-year digits, duplicates.
    Returns the rows of an ID written more than once (each later one is reported, naming the first).

    ``away``: members of households that moved away or dissolved — still listed, and the same persons may be
    listed again in the household they joined: their IDs are checked but never count as a second holder.
    Tests on Arrow kernels and numpy masks over the column; Python runs only for the findings themselves.
    """
    mm = mt.typed
    if "so_dinh_danh" not in mm:
        return mm.index[:0]
    n = len(mm)
    rows = mm.index.to_numpy()
    reg = get_registry()
    trimmed = pc.utf8_trim_whitespace(arrow_text(mt.raw["so_dinh_danh"]))
    raw = text_series(trimmed, mm.index)  # as written, for the findings
    arr = clean_id(trimmed)
    loc = _loc(msd, "so_dinh_danh")
    reason = np.full(n, None, dtype=object)

    def rx(pattern: str) -> np.ndarray:
        return arrow_mask(pc.match_substring_regex(arr, pattern))

    missing = ~arrow_mask(pc.greater(pc.utf8_length(arr), 0))
    reason[missing] = "thieu"
    for i in np.flatnonzero(missing):
        out.append(finding("id-missing", row=int(rows[i]), **loc))
    prefixes = sorted(reg.id_province_prefixes())
    digits12 = rx(r"^\d{12}$")
    # an ID stored as a number lost its leading zeros: one ("030…", 11 digits left), or two for the provinces
    # numbered 001–009 ("001…" of Hà Nội, 10 digits left); typed text that short is just wrong
    short = rx(r"^\d{10,11}$")
    if short.any():
        short &= np.isin(rows, list(msd.numeric_rows("so_dinh_danh")))
    padded = pc.utf8_lpad(arr, 12, "0")
    restored = short & arrow_mask(pc.is_in(pc.utf8_slice_codeunits(padded, 0, 3), value_set=pa.array(prefixes)))
    arr = pc.if_else(pa.array(restored), padded, arr)
    s = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
    for i in np.flatnonzero(restored):
        out.append(finding("id-leading-zero-restored", row=int(rows[i]), value=raw.iat[i], detail=str(s[i]), **loc))
    valid = digits12 | restored
    bad_fmt = ~missing & ~valid
    reason[bad_fmt] = "sai_dinh_dang"
    for i in np.flatnonzero(bad_fmt):
        out.append(finding("id-invalid-format", row=int(rows[i]), value=raw.iat[i], **loc))
    prov = pc.utf8_slice_codeunits(arr, 0, 3)
    bad_prov = valid & ~arrow_mask(pc.is_in(prov, value_set=pa.array(prefixes)))
    reason[bad_prov] = "sai_tinh"
    for i in np.flatnonzero(bad_prov):
        out.append(finding("id-province-unknown", row=int(rows[i]), value=s[i], detail=str(s[i])[:3], **loc))
    year = (mm["nam_sinh"].to_numpy(dtype="float64", na_value=np.nan) if "nam_sinh" in mm
            else np.full(n, np.nan))
    sex = (mm["gioi_tinh"].to_numpy(dtype=object, na_value=None) if "gioi_tinh" in mm
           else np.full(n, None, dtype=object))
    # the century digit covers births 1900-2399; a year outside cannot be checked (its age is reported instead)
    checked = valid & ~bad_prov & ~np.isnan(year) & (year >= 1900) & (year < 2400)
    ok = np.flatnonzero(checked)
    d4 = np.full(n, -1, dtype=np.int64)
    yy = np.full(n, -1, dtype=np.int64)
    if len(ok):
        digits = pc.take(arr, pa.array(ok))
        d4[ok] = pc.cast(pc.utf8_slice_codeunits(digits, 3, 4), pa.int64()).to_numpy()
        yy[ok] = pc.cast(pc.utf8_slice_codeunits(digits, 4, 6), pa.int64()).to_numpy()
    whole = np.where(np.isnan(year), 0, year).astype(np.int64)
    known_sex = sex != None  # noqa: E711 - elementwise over an object array
    expected = (whole // 100 - 19) * 2 + (sex == "Nữ")
    sex_bad = checked & known_sex & (d4 != expected)
    reason[sex_bad] = "sai_gioi_tinh"
    for i in np.flatnonzero(sex_bad):
        out.append(finding("id-sex-mismatch", row=int(rows[i]), value=s[i],
                           detail=f"{sex[i]}, sinh năm {whole[i]} → chữ số 4 phải là {expected[i]}",
                           detail_en=f"{'male' if sex[i] == 'Nam' else 'female'}, born {whole[i]} → digit 4 must be {expected[i]}",
                           **loc))
    yr_bad = checked & (yy != whole % 100)
    reason[yr_bad & (reason == None)] = "sai_nam_sinh"  # noqa: E711
    for i in np.flatnonzero(yr_bad):
        out.append(finding("id-birth-year-mismatch", row=int(rows[i]), value=s[i],
                           detail=f"năm sinh {whole[i]} → chữ số 5–6 phải là {whole[i] % 100:02d}",
                           detail_en=f"born {whole[i]} → digits 5–6 must be {whole[i] % 100:02d}", **loc))
    ids = pd.Series(np.where(valid, s, np.array(None, dtype=object)), index=mm.index, dtype="string")
    present = ids.notna().to_numpy() & (~away if away is not None else True)
    dup = present & ids.where(present).duplicated(keep="first").to_numpy()
    if dup.any():
        firsts = pd.Series(ids[~dup & present].index, index=ids[~dup & present].values)
        for i in np.flatnonzero(dup):
            out.append(finding("id-duplicate", row=int(rows[i]), value=s[i], other=int(firsts[s[i]]), **loc))
        reason[dup & (reason == None)] = "trung"  # noqa: E711
    mm["so_dinh_danh"] = ids
    mm["dinh_danh_loi"] = pd.Series(reason, index=mm.index, dtype="string")
    # every row of an ID written twice: which household the person lives in is not known, so none of them is
    return mm.index[present & ids.where(present).duplicated(keep=False).to_numpy()] if dup.any() else mm.index[:0]


def _away(households: pd.DataFrame, members: pd.DataFrame) -> np.ndarray | None:
    """:func:`departed` within one return, households by their Excel row (the frame's index); None if none."""
    if "_hh_row" not in members:
        return None
    away = departed(households.assign(_hh_row=households.index), members, ("_hh_row",))
    return away if away.any() else None


def id_keys(ids: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """Valid IDs are 12 ASCII digits: their number is a cheaper key than hashing the text, and a one-to-one one.
    None when some ID is not 12 digits (the caller factorises the text instead); a missing ID gets key 0."""
    if pc.all(pc.fill_null(pc.match_substring_regex(ids, r"^[0-9]{12}$"), True)).as_py():
        return np.asarray(pc.fill_null(pc.cast(ids, pa.int64()), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return None


def id_codes(ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An integer per ID, equal for equal IDs: the number of a 12-digit ID, else a code of the text."""
    keys = id_keys(ids)
    if keys is not None:
        return keys
    codes, _ = pd.factorize(pd.Series(ids, dtype="string"))
    return np.asarray(codes, dtype=np.int64)


def shared_ids(id_codes: np.ndarray, file_codes: np.ndarray, has: np.ndarray) -> np.ndarray:
    """Which rows carry an ID that also occurs in another file. The test is on distinct (ID, file) integer
    pairs, so only the shared IDs (usually none) are ever sorted."""
    width = np.int64(int(file_codes.max(initial=0)) + 2)
    in_files = np.sort(pd.unique(id_codes[has] * width + file_codes[has]) // width)  # one per (ID, file)
    twice = in_files[1:][in_files[1:] == in_files[:-1]]  # IDs met in a second file (usually none)
    return has & np.isin(id_codes, twice)


def batch_id_duplicates(members: pd.DataFrame, out: list[Finding], headers: dict[str, tuple[str, str]],
                        away: np.ndarray | None = None) -> None:
    """The same ID in two or more files of the batch: a finding on every row that holds it, naming the places in
    the other files — which file is right is not known (the order of the files is no evidence), so each commune
    is told; as `hgn merge` reports it. ``away``: members of households that moved away or dissolved, who are not
    counted (see :func:`departed`).

    IDs and files are factorised once; the test for "in more than one file" is on distinct (ID, file) integer
    pairs, so only the shared IDs (usually none) are sorted and reported.
    """
    has = members["so_dinh_danh"].notna().to_numpy()
    if away is not None:
        has = has & ~away
    if not has.any():
        return
    file_codes, _files = pd.factorize(members["file"])
    shared = shared_ids(id_codes(arrow_text(members["so_dinh_danh"])), file_codes, has)
    if not shared.any():
        return
    sub = members.loc[shared, ["file", "sheet", "row", "so_dinh_danh"]].sort_values(["so_dinh_danh", "file", "row"])
    shown = short_names(str(f) for f in _files)  # two communes' "bieu.xlsx" told apart by their folders
    for _id, grp in sub.groupby("so_dinh_danh", sort=False):  # the shared IDs only (usually none)
        places = [(str(f), int(r)) for f, r in zip(grp["file"], grp["row"], strict=True)]
        for i, (file, row) in zip(grp.index, places, strict=True):
            others = [(shown.get(f, Path(f).name), r) for f, r in places if f != file]
            column, col = headers.get(file, (None, None))
            out.append(finding("id-duplicate-batch", file=file, sheet=str(grp.at[i, "sheet"]), row=row,
                               column=column, col=col, key="so_dinh_danh", value=grp.at[i, "so_dinh_danh"],
                               other="; ".join(f"{n}, dòng {r}" for n, r in others),
                               other_en="; ".join(f"{n}, row {r}" for n, r in others)))
            if pd.isna(members.at[i, "dinh_danh_loi"]):
                members.at[i, "dinh_danh_loi"] = "trung"


# ------------------------------------------------------------------------------------------ batch
def _frame(sd: SheetData, t: _Typed, ret: ReturnFile, columns: list[str]) -> pd.DataFrame:
    """The typed sheet as the contract's columns, built in one go (inserting columns one by one into a frame
    with a text column index copies that index each time)."""
    src = t.typed
    idx = src.index
    given: dict[str, object] = {"file": ret.path, "sheet": sd.sheet, "row": idx.astype("int64"), "layout": ret.layout}
    out: dict[str, pd.Series] = {}
    for c in columns:
        if c in given:
            col = pd.Series(given[c], index=idx)
        elif c in src.columns:
            col = src[c]
        else:
            out[c] = pd.Series(pd.NA, index=idx, dtype=_DTYPES.get(c, "string"))
            continue
        if c in _DTYPES and str(col.dtype) != _DTYPES[c]:
            col = col.astype(_DTYPES[c])
        elif c not in _DTYPES and col.dtype == object:
            col = col.astype("string")
        out[c] = col
    df = pd.DataFrame(out, index=idx, copy=False)
    df.index = pd.RangeIndex(len(df))
    return df


def _b2_checks(sd: SheetData, hh: pd.DataFrame, standard: str | None, out: list[Finding]) -> None:
    """The B2 score against the points per deprivation of the standard the return is classified under (practice
    10 for 2022–2025; a province's file may set its own, open for 2027–2030): a multiple of them, at most one per
    indicator. A score that is not is reported and not used (classification counts from the flags)."""
    from hgn_review.errors import HgnError
    from hgn_review.pipeline import pick_standard

    if "diem_b2" not in hh or not hh["diem_b2"].notna().any():
        return
    try:
        stds = [pick_standard(hh, standard)]
    except HgnError:  # no review date under any standard (said at its cells): judged by what every national
        # standard agrees on, so that the score's own error is still found in the same pass
        from hgn_review.scoring.standard import list_standards

        stds = [s for s in list_standards() if s.scope == "national"]
    points_of = {s.b2_points.value for s in stds}
    most_of = {(s.b2_points.value or 0) * len(s.indicators) for s in stds}
    if len(points_of) != 1 or len(most_of) != 1 or not next(iter(points_of)):
        return
    points, most = next(iter(points_of)), next(iter(most_of))
    b2 = hh["diem_b2"].astype("Float64")
    uneven = (b2 % points != 0).fillna(False).to_numpy(dtype=bool)
    over = (~uneven) & (b2 > most).fillna(False).to_numpy(dtype=bool)
    loc = _loc(sd, "diem_b2")
    for r in hh.index[uneven]:
        out.append(finding("b2-not-multiple-of-10", row=int(r), value=plain_number(b2[r]),
                           detail=plain_number(points), other=", ".join(s.id for s in stds), **loc))
    for r in hh.index[over]:
        out.append(finding("value-out-of-range", row=int(r), value=plain_number(b2[r]),
                           detail=f"0–{plain_number(most)}", detail_en=f"0–{plain_number(most)}", **loc))
    bad = uneven | over
    if bad.any():
        hh.loc[hh.index[bad], "diem_b2"] = pd.NA


def _review_dates(sd: SheetData, hh: pd.DataFrame, out: list[Finding], standard: str | None = None) -> np.ndarray:
    """Households whose review date no bundled national standard covers (a mistyped year: 2042, 2019), nor the
    standard the user chose (``standard``, --standard): an error at the cell, and the household is not classified —
    under which standard is unknown, and its members' ages are counted from that date. Returns the rows
    (boolean)."""
    from hgn_review.scoring.standard import load_standard, national_spans, nationally_covered

    if "ngay_ra_soat" not in hh:
        return np.zeros(len(hh), dtype=bool)
    dates = hh["ngay_ra_soat"]
    outside = ~nationally_covered(dates)
    if standard is not None and outside.any():
        outside &= ~load_standard(standard).covers_dates(dates)
    if outside.any():
        spans = national_spans()
        for r, v in dates[outside].items():
            out.append(finding("review-date-no-standard", row=int(r), value=f"{v:%d/%m/%Y}", detail=spans,
                               **_loc(sd, "ngay_ra_soat")))
    return outside


def validate_file(ret: ReturnFile, as_of: date | None = None,
                  standard: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[Finding]]:
    """Type and check one read return. Returns (households, members, findings); uid is filled by the caller.
    ``standard``: the standard the user chose (--standard), which then applies whatever the review dates."""
    out: list[Finding] = []
    if not ret.readable or ret.layout is None or "households" not in ret.sheets:
        return empty_frame(HOUSEHOLD_BASE), empty_frame(MEMBER_BASE), out
    layout = load_layout(ret.layout)
    hsd = ret.sheets["households"]
    ht = _type_sheet(hsd, layout, out)
    hdup, hconflict = _household_checks(hsd, ht, layout, out)
    _b2_checks(hsd, ht.typed, standard, out)
    hsd_frame = ht.typed
    when = _file_as_of(ret, hsd_frame, as_of)
    admin_block = _admin_checks(ret, hsd, hsd_frame, when, out, own_dates=as_of is None)
    blocking = pd.Series("", index=hsd_frame.index, dtype="string")
    blocking[hdup[hdup].index] = "household-duplicate"
    if "members" in ret.sheets:
        msd = ret.sheets["members"]
        mt = _type_sheet(msd, layout, out)
        mspec = layout.sheets["members"]
        same = [k for k in (*mspec.key_columns, "ho_ten", "so_dinh_danh") if k in mt.typed.columns]
        if mspec.dedupe and same and mt.typed[same].duplicated().any():  # a person's row pasted twice: read once
            _read_once(msd, mt, out, who=("ho_ten", "so_dinh_danh"))
        blocking = _member_checks(ret, hsd, ht, hdup, msd, mt, layout, out)
        twice = _id_checks(msd, mt, out, _away(ht.typed, mt.typed))
        if len(twice) and "_hh_row" in mt.typed:  # a person listed twice: the household's members are not known
            rows = mt.typed.loc[twice, "_hh_row"].dropna().astype("int64").unique()
            _add_code(blocking, blocking.index.intersection(rows), "member-id-duplicate")
        members = _frame(msd, mt, ret, MEMBER_BASE + ["_hh_row"])
    else:
        members = empty_frame(MEMBER_BASE)
        if "members" not in layout.sheets and "so_thanh_vien" in hsd.headers:  # (the application's export) the
            # declared size is all there is of the household's persons
            blank = ~_written(ht.raw["so_thanh_vien"]) if "so_thanh_vien" in ht.raw else np.ones(len(ht.raw), bool)
            for r in hsd_frame.index[blank & ~hdup.to_numpy(dtype=bool)]:
                out.append(finding("household-size-missing", row=int(r), **_loc(hsd, "so_thanh_vien")))
    _add_code(blocking, hconflict.index[hconflict.to_numpy(dtype=bool)], "household-duplicate")
    for code in ("commune-unknown", "commune-mismatch"):
        rows = admin_block.index[(admin_block == code).to_numpy()]
        _add_code(blocking, rows, code)
    _add_code(blocking, hsd_frame.index[_review_dates(hsd, hsd_frame, out, standard)], "review-date-no-standard")
    # an income written but unreadable ("2.000.000đ", -5, a formula error; reported at its cell) is not replaced by
    # the B1 score, which stands for the income only when none was measured: not classified
    income_unread = _written_unread(ht, INCOME)
    fraction = ht.fraction.get(INCOME)  # read, but with a fraction of a đồng (1500000.0000001): said so
    part = fraction.reindex(hsd_frame.index).fillna(False).to_numpy(dtype=bool) if fraction is not None \
        else np.zeros(len(hsd_frame), dtype=bool)
    _add_code(blocking, hsd_frame.index[income_unread & ~part], "income-unreadable")
    _add_code(blocking, hsd_frame.index[income_unread & part], "income-not-whole")
    # likewise a B1 score written but unreadable ("140 điểm", "140.000" read two ways), where no measured income
    # decides (nor an unreadable one, said already): its reason is that, never "no income or B1 score"
    measured = hsd_frame[INCOME].notna().to_numpy(dtype=bool) if INCOME in hsd_frame.columns \
        else np.zeros(len(hsd_frame), dtype=bool)
    _add_code(blocking, hsd_frame.index[_written_unread(ht, B1) & ~measured & ~income_unread], "b1-unreadable")
    if INCOME in hsd_frame.columns:
        _income_plausible(hsd, ht, layout, blocking, out)
    if B1 in hsd_frame.columns:
        _b1_plausible(hsd, ht, layout, blocking, out)
    out = _departed_unasked(hsd, hsd_frame, blocking, out)
    hsd_frame["loi_chan"] = blocking.replace("", pd.NA)
    households = _frame(hsd, ht, ret, HOUSEHOLD_BASE)
    households["_row"] = households["row"]
    return households, members, out


# what a household that moved away or dissolved is still asked for: who it was and what became of it
_DEPARTED_ASKED = frozenset({"ma_ho", "ho_ten_chu_ho", "ma_xa", "thon", "tinh_trang_ho", "ngay_ra_soat"})
# findings on what it is no longer asked for: its survey answers, its members (they left with it), its size
_DEPARTED_UNASKED = frozenset({"value-required", "income-basis-missing", "household-no-members",
                               "household-size-mismatch"})


def _departed_unasked(hsd: SheetData, hh: pd.DataFrame, blocking: pd.Series, out: list[Finding]) -> list[Finding]:
    """A household recorded as moved away or dissolved stays in the return (so that it is counted as a decrease)
    but is not surveyed: its blank survey answers, its missing members and size are not errors, and they do not
    block it (its class is not counted: its end is "left")."""
    from hgn_review.scoring.movements import STATUS_OUT

    if "tinh_trang_ho" not in hh.columns:
        return out
    gone = hh["tinh_trang_ho"].astype("string").isin(STATUS_OUT).fillna(False)
    if not gone.any():
        return out
    at = hh.index[gone.to_numpy(dtype=bool)]
    rows = set(at.tolist())
    for code in ("household-no-members", "household-size-mismatch"):
        blocking[at] = blocking[at].str.replace(rf"(^|;){code}(?=;|$)", "", regex=True).str.strip(";")
    return [f for f in out if not (f.code in _DEPARTED_UNASKED and f.sheet == hsd.sheet and f.row in rows
                                   and (f.code != "value-required" or f.key not in _DEPARTED_ASKED))]


def _income_plausible(hsd: SheetData, ht: _Typed, layout: Layout, blocking: pd.Series, out: list[Finding]) -> None:
    """An income per head no household lives on (above nothing but under the layout's floor: written in thousands,
    "1.500" for 1 500 000) or none a review meets (above its ceiling: an ID pasted): reported at its cell, and
    the household not classified on it — read either way it would be a guess."""
    p = layout.plausibility
    floor, ceiling = p.get("min_income_per_member"), p.get("max_income_per_member")
    if floor is None and ceiling is None:
        return
    income = ht.typed[INCOME].astype("Float64")
    odd = pd.Series(False, index=income.index)
    if floor is not None:
        odd |= ((income > 0) & (income < floor)).fillna(False)
    if ceiling is not None:
        odd |= (income > ceiling).fillna(False)
    rows = income.index[odd.to_numpy(dtype=bool)]
    if not len(rows):
        return
    bounds = f"{count_text(floor or 0)}–{count_text(ceiling)}" if ceiling is not None else f"≥ {count_text(floor)}"
    bounds_en = f"{count_text(floor or 0, 'en')}–{count_text(ceiling, 'en')}" if ceiling is not None \
        else f"≥ {count_text(floor, 'en')}"
    for r in rows:
        out.append(finding("income-implausible", row=int(r), value=ht.raw.at[r, INCOME], detail=bounds,
                           detail_en=bounds_en, **_loc(hsd, INCOME)))
    ht.typed.loc[rows, INCOME] = pd.NA
    _add_code(blocking, rows, "income-implausible")


def _written_unread(ht: _Typed, key: str) -> np.ndarray:
    """Per row of the typed sheet: the cell of column ``key`` was written (or held a formula error) but gave no
    value — all False where the sheet has no such column."""
    frame = ht.typed
    if key not in ht.raw.columns or key not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    written = _written(ht.raw[key].reindex(frame.index)) \
        | ht.unreadable[key].reindex(frame.index).fillna(False).to_numpy(dtype=bool)
    return written & frame[key].isna().to_numpy(dtype=bool)


def _b1_plausible(hsd: SheetData, ht: _Typed, layout: Layout, blocking: pd.Series, out: list[Finding]) -> None:
    """A B1 total no phiếu B gives (above the layout's ceiling: "140.000" read as 140 thousand, the dot the
    Vietnamese thousands separator): reported at its cell and not used; a household with no measured income to
    go by waits (its B1 read either way would be a guess)."""
    ceiling = layout.plausibility.get("max_b1_score")
    if ceiling is None:
        return
    b1 = ht.typed[B1].astype("Float64")
    rows = b1.index[(b1 > ceiling).fillna(False).to_numpy(dtype=bool)]
    if not len(rows):
        return
    for r in rows:
        out.append(finding("b1-implausible", row=int(r), value=ht.raw.at[r, B1], detail=count_text(ceiling),
                           detail_en=count_text(ceiling, "en"), **_loc(hsd, B1)))
    ht.typed.loc[rows, B1] = pd.NA
    measured = ht.typed[INCOME].loc[rows].notna().to_numpy(dtype=bool) if INCOME in ht.typed else \
        np.zeros(len(rows), dtype=bool)
    _add_code(blocking, rows[~measured], "b1-implausible")


@dataclass
class FileValidation:
    """One file's share of a validation run (what `hgn run` caches per file)."""

    households: pd.DataFrame
    members: pd.DataFrame
    findings: list[Finding]
    summary: FileSummary
    ret: ReturnFile
    id_header: tuple[str, str] | None = None  # (header, column letter) of the ID column
    review_day: date | None = None  # the median review date of its households (None when none is readable)


_ID_COLUMNS = ["file", "sheet", "row", "so_dinh_danh", "dinh_danh_loi"]  # what the batch ID check reads


def validate_one(path: Path, display: str, *, layout: str | None = None, as_of: date | None = None,
                 limits: Limits | None = None, frames: bool = True,
                 known: tuple[str, tuple[int, ...]] | None = None, standard: str | None = None,
                 answers: bool = False, local: str | None = None) -> FileValidation:
    """Read and check one return. ``frames=False``: the typed frames are not handed back (only the members' ID
    columns, for the batch ID check), for callers that want the findings alone. ``known``: see read_return.
    ``standard``: the standard chosen by the user, if any (see validate_file). ``answers`` (`hgn validate`): the
    member answers a household's class waits for, or the forms lack, said too (see :func:`_answers_wanted`).
    ``local``: the local standard classification will use too (what it counts is asked, see _unused_not_asked)."""
    ret = read_return(path, layout=layout, limits=limits, display=display, known=known)
    try:
        h, m, f = validate_file(ret, as_of, standard)
        if answers:
            f += _answers_wanted(ret, h, m, f, standard, local)
    except Exception as exc:  # noqa: BLE001 - a fault of hgn on one file must not stop the others
        if not contained(exc):
            raise
        return failed_file(ret, display, exc)
    review_day = median_day(h["ngay_ra_soat"]) if "ngay_ra_soat" in h.columns else None
    if not frames:  # the batch ID check alone reads m: members of departed households are not holders
        away = _away(h.set_index("_row"), m) if "_row" in h.columns else None
        h, m = h.iloc[0:0], (m[_ID_COLUMNS] if away is None else m.loc[~away, _ID_COLUMNS])
    rows = {sd.sheet: len(sd.frame) for sd in ret.sheets.values()}
    id_header = None
    if "members" in ret.sheets and "so_dinh_danh" in ret.sheets["members"].headers:
        msd = ret.sheets["members"]
        id_header = (msd.headers["so_dinh_danh"], msd.letters["so_dinh_danh"])
    for sd in ret.sheets.values():
        sd.frame = sd.frame.iloc[0:0]  # the grid is no longer needed; keep headers and letters
        sd.extra = sd.extra.iloc[0:0]
        if sd.scan is not None:
            sd.scan.xml = b""
    return FileValidation(h, m, _unused_not_asked(list(ret.findings) + f, standard, local),
                          FileSummary(display, ret.layout or "", rows, ret.readable), ret, id_header, review_day)


def _unused_not_asked(found: list[Finding], standard: str | None, local: str | None = None) -> list[Finding]:
    """Under a standard that drops an indicator (a province's file, chosen with --standard), what only that
    indicator reads is not asked — the household answer (layout 1) or the recorded flag (the application's export,
    whose flags are its answers): neither its column missing nor its cells blank is an error. Not when the local
    standard classification also uses (``local``) counts that indicator."""
    if standard is None:
        return found
    from hgn_review.errors import HgnError
    from hgn_review.scoring.indicators import unused_answers
    from hgn_review.scoring.standard import load_standard

    try:
        unused: frozenset[str] = frozenset()
        for i, ref in enumerate(r for r in (standard, local) if r is not None):
            std = load_standard(ref)
            either = unused_answers(std) | set(std.dropped)
            unused = either if i == 0 else unused & either
    except HgnError:  # an unreadable standard stops the command elsewhere, with its own message
        return found
    if not unused:
        return found
    return [f for f in found if not (f.code in ("column-missing", "value-required") and f.key in unused)]


ANSWER_CODES = ("member-answer-needed", "member-answer-missing")


def _answers_wanted(ret: ReturnFile, h: pd.DataFrame, m: pd.DataFrame, found: list[Finding],
                    standard: str | None, local: str | None = None) -> list[Finding]:
    """The blank member answers the contract asks for at a member's age (working age: employment; a child:
    nutrition; at school: the level) where they matter — the household's class waits for them, or the forms'
    counts lack them — as `hgn classify` says them, so that the commune's own check shows every cell to fill.
    Nothing when the return cannot be classified at all (no review date under a standard: said already)."""
    from hgn_review.errors import HgnError
    from hgn_review.pipeline import classify_validated

    if h.empty:
        return []
    households, members = link([h], [m])
    val = ValidationResult(Report(findings=list(found), files=[]), households, members, [ret])
    try:
        run = classify_validated(val, standard=standard, local=local, whole=False)
    except HgnError:
        return []
    said = {(f.sheet, f.row, f.key) for f in found}  # a cell validation reported (blank, not in the list) once
    return [f for f in run.report.findings[len(found):]
            if f.code in ANSWER_CODES and (f.sheet, f.row, f.key) not in said]


def contained(exc: BaseException) -> bool:
    """Whether a fault of hgn on one file becomes a file-check-failed finding (the other files going on), rather
    than stopping: not when memory ran out (not a fault of the file, and `hgn run` must not cache it as one),
    nor when HGN_DEBUG asks to see it."""
    return not isinstance(exc, MemoryError) and not os.environ.get("HGN_DEBUG")


def failure_detail(exc: BaseException) -> str:
    """What a ``file-check-failed`` finding says of the fault: its kind and where in hgn, not its message (which
    may quote a cell — a personal ID — and goes into workbooks shared with communes)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "hgn_review" in f.filename]
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}{where}"


def failed_file(ret: ReturnFile, display: str, exc: BaseException) -> FileValidation:
    """A return hgn failed on: one finding, no rows (the file is listed as not readable, its commune as missing)."""
    found = [*ret.findings, finding("file-check-failed", file=display, detail=failure_detail(exc))]
    return FileValidation(empty_frame(HOUSEHOLD_BASE), empty_frame(MEMBER_BASE), found,
                          FileSummary(display, ret.layout or "", {}, False), ret)


def link(hh_parts: list[pd.DataFrame], mm_parts: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stack per-file frames and number households; members find their household by (file, Excel row)."""
    households = pd.concat(hh_parts, ignore_index=True) if hh_parts else empty_frame(HOUSEHOLD_BASE)
    members = pd.concat(mm_parts, ignore_index=True) if mm_parts else empty_frame(MEMBER_BASE + ["_hh_row"])
    if "_row" not in households:
        households["_row"] = households["row"]
    households["uid"] = np.arange(len(households), dtype=np.int64)
    key = households.set_index(["file", "_row"])["uid"]
    if len(members):
        idx = pd.MultiIndex.from_arrays([members["file"], members["_hh_row"]])
        members["uid"] = pd.array(key.reindex(idx).to_numpy(), dtype="Int64")
    return households.drop(columns=["_row"]), members.drop(columns=["_hh_row"], errors="ignore")


def workers(jobs: int, tasks: int) -> int:
    """Worker processes for ``tasks`` pieces of work at ``--jobs``: never more than the tasks, and on Windows never
    more than the 61 its process pool can wait on (a machine with 64 cores would otherwise stop with ValueError)."""
    import os

    limit = 61 if os.name == "nt" else jobs
    return max(1, min(jobs, tasks, limit))


def _validate_many(files: list[tuple[Path, str]], jobs: int, layout: str | None, as_of: date | None,
                   limits: Limits | None, progress: Callable[[str, int, int], None] | None,
                   frames: bool = True, standard: str | None = None,
                   answers: bool = False, local: str | None = None) -> Iterator[FileValidation]:
    """Per-file validation, in file order; in ``jobs`` worker processes when there is more than one file."""
    if jobs <= 1 or len(files) <= 1:
        for i, (path, display) in enumerate(files):
            if progress:
                progress(display, i, len(files))
            yield validate_one(path, display, layout=layout, as_of=as_of, limits=limits, frames=frames,
                               standard=standard, answers=answers, local=local)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers(jobs, len(files))) as pool:
        futures = [pool.submit(validate_one, p, d, layout=layout, as_of=as_of, limits=limits, frames=frames,
                               standard=standard, answers=answers, local=local) for p, d in files]
        for i, fut in enumerate(futures):
            if progress:
                progress(files[i][1], i, len(files))
            yield fut.result()


def validate_paths(paths: list[Path], *, layout: str | None = None, as_of: date | None = None,
                   limits: Limits | None = None, progress: Callable[[str, int, int], None] | None = None,
                   jobs: int = 1, frames: bool = True, standard: str | None = None,
                   answers: bool = False, local: str | None = None) -> ValidationResult:
    """Validate every return under ``paths`` in one pass (``jobs`` > 1: files in parallel processes).

    ``frames=False`` (`hgn validate`, which reports findings only): the result's households and members are
    empty, so the workers do not ship and the main process does not stack 40 typed columns per row.
    ``answers`` (`hgn validate`): the member answers wanted for classification said too (:func:`validate_one`)."""
    skipped: list[tuple[Path, str]] = []
    archives: list[tuple[Path, str]] = []
    files = discover(paths, skipped, archives)
    if not files:  # "no errors" about nothing would mislead: said so, as hgn run says it
        also = (f" ({len(skipped)} tệp là kết quả của hgn, không phải biểu rà soát)",
                f" ({len(skipped)} files are hgn's own outputs, not returns)") if skipped else ("", "")
        raise no_returns(", ".join(str(p) for p in paths), archives,
                         ("Cần các tệp .xlsx/.xls/.ods/.csv của các xã", "Give the communes' workbooks"), also)
    report = Report()
    report.extend([finding("file-hgn-output", file=d) for _p, d in skipped])
    report.extend([finding("file-shortcut" if is_shortcut(d) else "file-archive", file=d) for _p, d in archives])
    hh_parts: list[pd.DataFrame] = []
    mm_parts: list[pd.DataFrame] = []
    returns: list[ReturnFile] = []
    by_hash: dict[str, str] = {}
    id_headers: dict[str, tuple[str, str]] = {}
    other_era: tuple[str, date] | None = None  # a return reviewed before 1/7/2025 under an --as-of from it
    reg = get_registry()
    for fv in _validate_many(files, jobs, layout, as_of, limits, progress, frames, standard, answers, local):
        display = fv.summary.file
        if as_of is not None and fv.review_day is not None and other_era is None \
                and reg.era(fv.review_day) != reg.era(as_of):
            other_era = (display, fv.review_day)
        sha = fv.ret.sha256 if fv.ret.sha256 != EMPTY_SHA256 else ""  # two empty files are two failed returns
        if sha and sha in by_hash:
            report.extend([finding("file-duplicate", file=display, other=by_hash[sha])])
            report.files.append(FileSummary(display, fv.ret.layout or "", {}, fv.ret.readable))
            continue
        if sha:
            by_hash[sha] = display
        report.extend(fv.findings)
        report.files.append(fv.summary)
        if fv.id_header:
            id_headers[display] = fv.id_header
        returns.append(fv.ret)
        hh_parts.append(fv.households)
        mm_parts.append(fv.members)
    if other_era is not None and as_of is not None:
        # its commune codes are the old ones: read against the list of --as-of, those a new commune reuses would
        # be taken for it (old 11284 Chi Lăng Nam as new 11284) — refused, as hgn merge, report and run refuse it;
        # and the other way round: a return reviewed from 1/7/2025 holds the new communes' codes, which an --as-of
        # before it would read as the old communes' (new 10606 Xã Nam Sách, rural, as old Thị trấn Nam Sách, urban:
        # every household tested on the wrong poverty line)
        name, day = other_era
        before = reg.era(day) == BEFORE
        vi_era, en_era = ("trước", "before") if before else ("từ", "from")
        vi_codes, en_codes = ("mã cũ", "old ones") if before else ("mã của các xã mới", "new communes' codes")
        vi_read, en_read = ("mã của các xã mới", "the new communes'") if before else ("mã của các xã cũ", "the old communes'")
        raise InputError(f"{name}: rà soát ngày {day:%d/%m/%Y}, {vi_era} 1/7/2025, nên mã xã trong biểu là {vi_codes}; "
                         f"--as-of {as_of:%d/%m/%Y} sẽ coi chúng là {vi_read} (nhiều xã mới dùng lại mã cũ), cả khu "
                         "vực thành thị/nông thôn của hộ cũng theo đó.",
                         hint="Bỏ --as-of: mỗi biểu được đối chiếu với danh mục đơn vị của ngày rà soát của nó.",
                         message_en=f"{name}: reviewed on {day:%Y-%m-%d}, {en_era} 1/7/2025, so its commune codes are "
                                    f"the {en_codes}; --as-of {as_of:%Y-%m-%d} would read them as {en_read} (many new "
                                    "communes reuse old codes), and the households' urban/rural area with them.",
                         hint_en="Leave out --as-of: each return is checked against the unit list of its review date.")
    if not frames:
        ids = pd.concat(mm_parts, ignore_index=True) if mm_parts else empty_frame(_ID_COLUMNS)
        batch_id_duplicates(ids, report.findings, id_headers)
        return ValidationResult(report, empty_frame(HOUSEHOLD_BASE), empty_frame(MEMBER_BASE), returns,
                                {d: p for p, d in files})
    households, members = link(hh_parts, mm_parts)
    batch_id_duplicates(members, report.findings, id_headers, departed(households, members))
    return ValidationResult(report, households, members, returns, {d: p for p, d in files})
