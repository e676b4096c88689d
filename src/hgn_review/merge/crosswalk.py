"""Re-expressing communes of the three-level list (before 1/7/2025) in the two-level units.

A household of an old commune is mapped to a new commune only when the crosswalk decides it:

- the old commune went whole into one new commune ("Nhập toàn bộ", "Giữ nguyên", "Đổi tên" …): basis ``toan_bo``;
- it was split by area but the crosswalk says its whole population went into one of them ("… toàn bộ dân số"):
  basis ``toan_bo_dan_so``;
- the user's mapping file names the new commune for the old commune and village (``ma_xa_cu, thon, ma_xa_moi``;
  a blank village covers the commune's other villages): basis ``bang_quy_doi``.

Every other household is *pending*: listed for a decision, never assigned.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hgn_review.errors import InputError, UsageError
from hgn_review.registry import Registry
from hgn_review.text import fold, same_tone_place

BASIS_WHOLE = "toan_bo"
BASIS_POPULATION = "toan_bo_dan_so"
BASIS_MAPPING = "bang_quy_doi"
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class OldUnitRule:
    """What the crosswalk says about one old commune."""

    old_code: str
    old_name: str
    target: str | None  # new commune when decided by the crosswalk alone
    basis: str | None
    candidates: tuple[str, ...]  # every new commune that took (part of) it
    candidate_labels: str  # "10705 Xã Nam An Phụ; 10756 Xã Lai Khê"
    target_label: str  # "10804 Xã Kim Thành" when decided, else ""
    provinces: tuple[str, ...]  # new provinces of the candidates


def village_key(values: pd.Series) -> pd.Series:
    """Village names compared for the mapping: NFC, spaces collapsed, case folded, the tone of "oa", "oe", "uy" in
    one place ("Hoà" is "Hòa") — diacritics kept ("Hóa" is another village)."""
    s = values.astype("string").str.normalize("NFC").str.replace(_WS, " ", regex=True).str.strip()
    return same_tone_place(s.str.casefold())


def rule_for(reg: Registry, old_code: str, old_name: str = "") -> OldUnitRule:
    entries = reg.crosswalk(old_code)
    cands = tuple(sorted({e.new_code for e in entries}))
    labels = "; ".join(f"{e.new_code} {e.new_name}" for e in sorted(entries, key=lambda e: e.new_code))
    provinces = tuple(sorted({e.new_province_code for e in entries}))
    name = old_name or (entries[0].old_name if entries else "")
    if len(entries) == 1 and entries[0].whole:
        e = entries[0]
        return OldUnitRule(old_code, name, e.new_code, BASIS_WHOLE, cands, labels, f"{e.new_code} {e.new_name}", provinces)
    to = reg.population_target(old_code)
    if to is not None:
        return OldUnitRule(old_code, name, to.new_code, BASIS_POPULATION, cands, labels, f"{to.new_code} {to.new_name}",
                           provinces)
    return OldUnitRule(old_code, name, None, None, cands, labels, "", provinces)


def _record_lines(text: str, sep: str, above: int, rows: int) -> list[int]:
    """The file's line each record after the header starts on (a village name typed with Alt+Enter spans two lines
    inside its quotes: the lines below it are numbered as Notepad shows them). Counted as pandas reads the rows;
    should the two readers ever part, each record is taken as one line, as before."""
    import csv

    reader = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)  # (as pandas reads the file)
    starts: list[int] = []
    try:
        next(reader, None)
        end = reader.line_num
        for _record in reader:
            starts.append(above + end + 1)
            end = reader.line_num
    except csv.Error:
        starts = []
    return starts if len(starts) == rows else list(range(above + 2, above + rows + 2))


def read_mapping(path: Path, rules: dict[str, OldUnitRule], reg: Registry | None = None) -> pd.DataFrame:
    """The user's mapping file: columns ma_xa_cu, thon_key, ma_xa_moi (and its line and village as written).
    Refused with the line named when a row is malformed, contradicts another row, names an old commune the
    crosswalk does not know (a code mistyped: its line would change nothing, in silence; with ``reg``) or a new
    commune the old one did not go into."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"Không tìm thấy tệp quy đổi {path}.", hint="Kiểm tra đường dẫn --mapping.",
                         message_en=f"Mapping file not found: {path}.", hint_en="Check the --mapping path.")
    hint_vi = "Tệp CSV (UTF-8) có ba cột ma_xa_cu, thon, ma_xa_moi; để trống thon nếu áp dụng cho cả xã cũ."
    hint_en = "A UTF-8 CSV with columns ma_xa_cu, thon, ma_xa_moi; leave thon blank for the whole old commune."
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"Tệp quy đổi {path} không phải văn bản UTF-8 (lưu bằng bảng mã khác).", hint=hint_vi
                         + " Trong Excel: Lưu thành → CSV UTF-8.", message_en=f"The mapping file {path} is not UTF-8 "
                         "text (saved in another encoding).", hint_en=hint_en + " In Excel: Save As → CSV UTF-8.") \
            from None
    lines = text.split("\n")
    # empty lines above the header (Excel writes ";;" for an empty row) are passed over, and counted: every line
    # number said is the file's own, as Notepad or Excel shows it
    above = next((i for i, line in enumerate(lines) if line.strip(" \t\r,;")), 0)
    text = "\n".join(lines[above:])
    first = lines[above]
    # Excel on a computer set to Vietnamese separates with ";" (the comma is the decimal mark there)
    sep = max((",", ";", "\t"), key=first.count)
    try:
        # blank lines are kept while the lines are numbered (a blank line read away would shift every number after
        # it), then dropped below with the empty rows Excel writes as ";;"
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True,
                         skip_blank_lines=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"Không đọc được tệp quy đổi {path}: {str(exc)[:120]}", hint=hint_vi,
                         message_en=f"Cannot read the mapping file {path}", hint_en=hint_en) from exc
    df.columns = [fold(c).replace(" ", "_") for c in df.columns]
    need = ["ma_xa_cu", "thon", "ma_xa_moi"]
    if not set(need) <= set(df.columns):
        raise InputError(f"Tệp quy đổi {path} thiếu cột {', '.join(c for c in need if c not in df.columns)}.",
                         hint=hint_vi, message_en=f"The mapping file {path} lacks columns.", hint_en=hint_en)
    df = df[need].fillna("").copy()
    df["line"] = _record_lines(text, sep, above, len(df))
    df = df[(df[need].apply(lambda c: c.str.strip()) != "").any(axis=1)]  # (per column: three, not per row)
    for c in ("ma_xa_cu", "ma_xa_moi"):
        s = df[c].str.strip()
        df[c] = s.where(~s.str.fullmatch(r"\d{1,4}"), s.str.zfill(5))
    bad = df[~df["ma_xa_cu"].str.fullmatch(r"\d{5}") | ~df["ma_xa_moi"].str.fullmatch(r"\d{5}")]
    if len(bad):
        line = int(bad["line"].iloc[0])
        raise InputError(f"Tệp quy đổi {path}, dòng {line}: mã xã phải có 5 chữ số.", hint=hint_vi,
                         message_en=f"Mapping file {path}, line {line}: commune codes must have 5 digits.", hint_en=hint_en)
    df["thon_key"] = village_key(df["thon"]).fillna("")
    clash = df[df.duplicated(["ma_xa_cu", "thon_key"], keep=False)]
    clash = clash[clash.groupby(["ma_xa_cu", "thon_key"])["ma_xa_moi"].transform("nunique") > 1]
    if len(clash):
        r = clash.iloc[0]
        raise InputError(f"Tệp quy đổi {path}: xã cũ {r['ma_xa_cu']}, thôn \"{r['thon']}\" được quy đổi sang nhiều "
                         "xã mới khác nhau.", hint="Mỗi thôn chỉ sang một xã mới.",
                         message_en=f"Mapping file {path}: old commune {r['ma_xa_cu']}, village \"{r['thon']}\" "
                         "maps to several new communes.", hint_en="One new commune per village.")
    for r in df.itertuples():  # one pass over the user's rows (a handful), not over households
        rule = rules.get(str(r.ma_xa_cu))
        if rule is None and reg is not None and not reg.crosswalk(str(r.ma_xa_cu)):
            raise InputError(
                f"Tệp quy đổi {path}, dòng {r.line}: mã xã cũ {r.ma_xa_cu} không có trong danh mục sắp xếp đơn vị "
                "hành chính 1/7/2025 (gõ nhầm mã?): dòng này không quy đổi được hộ nào.",
                hint="Sửa mã xã cũ cho đúng (5 chữ số, theo danh mục trước 1/7/2025) hoặc bỏ dòng này.",
                message_en=f"Mapping file {path}, line {r.line}: old commune code {r.ma_xa_cu} is not in the "
                "1/7/2025 crosswalk (mistyped?): the line re-expresses no household.",
                hint_en="Correct the old commune code (5 digits, from the list before 1/7/2025) or remove the line.")
        if rule is not None and r.ma_xa_moi not in rule.candidates:
            raise InputError(
                f"Tệp quy đổi {path}, dòng {r.line}: xã cũ {r.ma_xa_cu} không nhập vào xã mới {r.ma_xa_moi} "
                f"theo danh mục sắp xếp 1/7/2025 (chỉ vào: {rule.candidate_labels or 'không có'}).",
                hint="Chọn một trong các xã mới mà xã cũ đã nhập vào.",
                message_en=f"Mapping file {path}, line {r.line}: old commune {r.ma_xa_cu} did not go into "
                f"{r.ma_xa_moi} in the 1/7/2025 crosswalk (only: {rule.candidate_labels or 'none'}).",
                hint_en="Pick one of the new communes the old one went into.")
        if rule is not None and rule.target is not None and r.ma_xa_moi != rule.target:
            # the crosswalk has decided where the whole population went (an area split off empty of people): a row
            # naming the other commune would be overridden in silence
            raise InputError(
                f"Tệp quy đổi {path}, dòng {r.line}: theo danh mục sắp xếp 1/7/2025, toàn bộ dân số của xã cũ "
                f"{r.ma_xa_cu} ({rule.old_name}) vào {rule.target_label}, không vào {r.ma_xa_moi}.",
                hint="Bỏ dòng này khỏi tệp quy đổi: các hộ của xã cũ này được quy đổi theo danh mục.",
                message_en=f"Mapping file {path}, line {r.line}: by the 1/7/2025 crosswalk the whole population of "
                f"old commune {r.ma_xa_cu} ({rule.old_name}) went into {rule.target_label}, not {r.ma_xa_moi}.",
                hint_en="Remove the line from the mapping file: this old commune's households follow the crosswalk.")
    return df.drop_duplicates(["ma_xa_cu", "thon_key"])[["ma_xa_cu", "thon_key", "ma_xa_moi", "line", "thon"]]


def unused_lines(mapping: pd.DataFrame, old_unit: pd.Series, village: pd.Series) -> list[tuple[int, str, str, list[str]]]:
    """The mapping's lines for one village that no household of its old commune records (a name spelled another
    way): (line, old commune, village as written, the villages its households do record). Such a line would
    change nothing, and its households would stay pending with no word of why."""
    lines = mapping[mapping["thon_key"] != ""]
    if not len(lines):
        return []
    met = pd.MultiIndex.from_arrays([old_unit.astype("string").to_numpy(), village_key(village).fillna("").to_numpy()])
    asked = pd.MultiIndex.from_arrays([lines["ma_xa_cu"].astype("string").to_numpy(),
                                       lines["thon_key"].astype("string").to_numpy()])
    unused = lines[~asked.isin(met)]
    if not len(unused):
        return []
    # the villages each of those old communes' households record, gathered once (not one scan per line)
    units = old_unit.astype("string")
    pick = units.isin(unused["ma_xa_cu"].astype("string")).to_numpy(dtype=bool) & village.notna().to_numpy(dtype=bool)
    written = pd.DataFrame({"unit": units[pick].to_numpy(), "thon": village[pick].astype(str).str.strip().to_numpy()})
    written = written[written["thon"] != ""].drop_duplicates()
    recorded = {str(u): sorted(g.tolist()) for u, g in written.groupby("unit", sort=False)["thon"]}
    return [(int(line), str(unit), str(thon), recorded.get(str(unit), []))
            for line, unit, thon in zip(unused["line"].tolist(), unused["ma_xa_cu"].tolist(), unused["thon"].tolist(),
                                        strict=True)]


def map_households(old_unit: pd.Series, village: pd.Series, rules: dict[str, OldUnitRule],
                   mapping: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    """(new commune, basis) for each household of an old commune; NA for both when it stays pending."""
    target = old_unit.map({k: r.target for k, r in rules.items()}).astype("string")
    basis = old_unit.map({k: r.basis for k, r in rules.items()}).astype("string")
    if mapping is not None and len(mapping):
        key = village_key(village).fillna("")
        left = pd.DataFrame({"ma_xa_cu": old_unit.astype("string").to_numpy(), "thon_key": key.to_numpy()})
        exact = left.merge(mapping.astype({"ma_xa_cu": "string", "thon_key": "string"}), how="left",
                           on=["ma_xa_cu", "thon_key"])["ma_xa_moi"]
        whole = mapping[mapping["thon_key"] == ""].set_index("ma_xa_cu")["ma_xa_moi"]
        fallback = old_unit.astype("string").map(whole).reset_index(drop=True)
        chosen = pd.Series(exact.to_numpy(), dtype="string").fillna(fallback.astype("string"))
        chosen.index = old_unit.index
        use = target.isna() & chosen.notna()
        target = target.mask(use, chosen)
        basis = basis.mask(use, BASIS_MAPPING)
    return target, basis
