"""Roll-up of classified results along the administrative hierarchy (`hgn merge`).

Inputs are results of communes (`hgn classify`) or of districts (`hgn merge --level district`); the output is the
results of their parent unit, a district or a province, for the unit list of the review date (three levels before
1/7/2025, two from then on). Every household keeps its provenance (``source_file``, ``source_sha256``, ``unit``)
and gets ``ma_huyen`` / ``ma_tinh`` from the registry.

Nothing is dropped or assigned silently: a check that fails either refuses the merge (an ``InputError`` /
``UsageError`` naming the file) or becomes a finding, and the workbook carries a coverage sheet ("Phạm vi") and
a reconciliation sheet ("Đối chiếu") proving households and persons in = out per unit and class.

The result does not depend on the order of the inputs, and merging district results into a province gives the
same rows and totals as merging the communes directly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hgn_review import __version__
from hgn_review.errors import InputError, UsageError
from hgn_review.findings import MISSING_MERGE, Finding, Report
from hgn_review.io.results import (
    SHEET_COVERAGE,
    SHEET_HOUSEHOLDS,
    SHEET_MEMBERS,
    SHEET_PENDING,
    SHEET_RECON,
    Results,
    findings_frame,
    table_frame,
    write_results,
)
from hgn_review.merge.codes import MERGE_CODES, PendingFinding, note
from hgn_review.merge.crosswalk import (
    BASIS_POPULATION,
    OldUnitRule,
    map_households,
    read_mapping,
    rule_for,
    unused_lines,
)
from hgn_review.merge.inputs import (
    COMMUNE_KIND,
    DISTRICT_KIND,
    Input,
    declared_counts,
    file_sha256,
    parse_datetime,
    read_input,
    text_or_empty,
)
from hgn_review.merge.stack import (
    INTERNAL,
    PROVENANCE,
    Stacked,
    arrow_ready,
    distinct,
    forms,
    link,
    sort_key,
    stack_arrow,
    system_memory,
    text,
    text_keys,
)
from hgn_review.merge.tables import (
    CLASS_ORDER,
    CLASS_SLUG,
    FULL,
    MERGE_LABELS,
    NONE,
    PART,
    TOTAL,
    class_counts,
    class_of,
    movement_counts,
    reconciliation_table,
    summary_counts,
    summary_table,
)
from hgn_review.registry import AFTER, BEFORE, DISTRICT, PROVINCE, REFORM_DATE, Registry, Unit, get_registry
from hgn_review.scoring._frames import Coded, household_persons
from hgn_review.scoring.movements import WORDS_EN, moved_within_pairs, unbalanced_findings

__all__ = ["MERGE_CODES", "MERGE_LABELS", "SHEET_PENDING", "MergeResult", "PendingFinding", "merge_results",
           "summary_json", "write_merge"]

LEVELS = (DISTRICT, PROVINCE)
PREFER_NEWEST = "newest"
CROSSWALK_COLUMNS = ("ma_xa_cu", "co_so_quy_doi")
_NO_DISTRICT_VI = "Từ 1/7/2025 không còn cấp huyện: gộp kết quả các xã thẳng lên tỉnh (--level province)."
_NO_DISTRICT_EN = "Since 1/7/2025 there is no district level: merge the communes straight into the province (--level province)."


@dataclass
class MergeResult:
    """A merge: the stacked results with their coverage and reconciliation, and what was found."""

    results: Results
    unit: str
    level: str
    missing_units: list[str]
    reconciled: bool
    findings: list[Finding]
    unit_name: str = ""
    balanced: bool = True
    pending: pd.DataFrame = field(default_factory=pd.DataFrame)  # crosswalk: households awaiting a decision


# ---------------------------------------------------------------------------------------------------- helpers
def _usage(vi: str, en: str, hint_vi: str = "", hint_en: str = "") -> UsageError:
    return UsageError(vi, hint=hint_vi, message_en=en, hint_en=hint_en or hint_vi)


def _refuse(vi: str, en: str, hint_vi: str = "", hint_en: str = "") -> InputError:
    return InputError(vi, hint=hint_vi, message_en=en, hint_en=hint_en or hint_vi)


def _label(reg: Registry, code: str, when: date) -> str:
    u = reg.unit(code, when)
    return u.label() if u is not None else code


def _name(reg: Registry, code: str, when: date) -> str:
    u = reg.unit(code, when)
    return u.name if u is not None else ""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------------- checks
def _check_options(level: str | None, unit: str | None, prefer: str | None, mapping: Path | None,
                   to_2025_units: bool) -> None:
    if level is not None and level not in LEVELS:
        raise _usage(f"--level \"{level}\" không hợp lệ: chỉ nhận district (huyện) hoặc province (tỉnh).",
                     f"--level \"{level}\" is invalid: use district or province.")
    if unit is not None and not (unit.isdigit() and len(unit) in (2, 3)):
        raise _usage(f"--unit \"{unit}\" không phải mã huyện (3 chữ số) hay mã tỉnh (2 chữ số).",
                     f"--unit \"{unit}\" is neither a district (3 digits) nor a province code (2 digits).")
    if mapping is not None and not to_2025_units:
        raise _usage("--mapping chỉ dùng cùng --to-2025-units.", "--mapping only works with --to-2025-units.",
                     "Thêm --to-2025-units để quy đổi sang đơn vị hành chính mới.",
                     "Add --to-2025-units to re-express the communes in the new units.")
    if to_2025_units and level == DISTRICT:
        raise _usage("Không gộp cấp huyện khi quy đổi sang đơn vị hành chính từ 1/7/2025.",
                     "No district merge when re-expressing in the units from 1/7/2025.", _NO_DISTRICT_VI, _NO_DISTRICT_EN)
    if prefer is not None and prefer != PREFER_NEWEST and not Path(prefer).exists():
        raise _usage(f"--prefer: không tìm thấy tệp {prefer}.", f"--prefer: file {prefer} not found.",
                     "Dùng --prefer newest hoặc đường dẫn của một tệp đầu vào.",
                     "Use --prefer newest or the path of one of the inputs.")


def _dedupe_files(read: list[Input], notes: list[Finding]) -> tuple[list[Input], list[dict[str, str]]]:
    kept: dict[str, Input] = {}
    dups: list[dict[str, str]] = []
    for inp in read:  # already in label order
        first = kept.get(inp.sha256)
        if first is None:
            kept[inp.sha256] = inp
            continue
        notes.append(note("file-duplicate", file=inp.label, other=first.label))
        dups.append({"file": inp.label, "same_as": first.label, "sha256": inp.sha256})
    return list(kept.values()), dups


def _check_eras(inps: list[Input], reg: Registry, to_2025_units: bool) -> None:
    eras: dict[str, list[str]] = defaultdict(list)
    for inp in inps:
        if inp.review_date is not None and reg.era(inp.review_date) != reg.era(inp.as_of):
            # --as-of on the other side of 1/7/2025 from the review: read against its unit list, the result's codes
            # would be taken for the units that reuse them (old 11284 Chi Lăng Nam as new 11284, formed of four old
            # communes; new 10606 Xã Nam Sách, rural, as old Thị trấn Nam Sách, urban)
            codes = ", ".join(_label(reg, c, inp.review_date) for c in inp.units[:3]) + (" …" if len(inp.units) > 3 else "")
            if reg.era(inp.review_date) == BEFORE:
                raise _refuse(
                    f"{inp.label}: rà soát ngày {inp.review_date:%d/%m/%Y}, trước 1/7/2025, nên mã xã của nó là mã cũ "
                    f"({codes}); --as-of {inp.as_of:%d/%m/%Y} sẽ coi chúng là mã của các xã mới (nhiều xã mới dùng lại "
                    "mã cũ).",
                    f"{inp.label}: reviewed on {inp.review_date:%Y-%m-%d}, before 1/7/2025, so its commune codes are the "
                    f"old ones ({codes}); --as-of {inp.as_of:%Y-%m-%d} would read them as the new communes' (many reuse "
                    "old codes).",
                    "Bỏ --as-of; để quy đổi kết quả cũ sang đơn vị mới, dùng hgn merge --to-2025-units (không kèm "
                    "--as-of).",
                    "Leave out --as-of; to re-express old results in the new units, use hgn merge --to-2025-units "
                    "(without --as-of).")
            raise _refuse(
                f"{inp.label}: rà soát ngày {inp.review_date:%d/%m/%Y}, từ 1/7/2025, nên mã xã của nó là mã của các xã "
                f"mới ({codes}); --as-of {inp.as_of:%d/%m/%Y} sẽ coi chúng là mã của các xã cũ (nhiều xã mới dùng lại "
                "mã cũ).",
                f"{inp.label}: reviewed on {inp.review_date:%Y-%m-%d}, from 1/7/2025, so its commune codes are the new "
                f"communes' ({codes}); --as-of {inp.as_of:%Y-%m-%d} would read them as the old communes' (many new "
                "communes reuse old codes).",
                "Bỏ --as-of: mỗi kết quả được đối chiếu với danh mục đơn vị của ngày rà soát của nó.",
                "Leave out --as-of: each result is checked against the unit list of its review date.")
        eras[reg.era(inp.as_of)].append(inp.label)
        if inp.kind == DISTRICT_KIND and reg.era(inp.as_of) == AFTER:
            raise _refuse(f"{inp.label}: kết quả cấp huyện nhưng ngày rà soát từ 1/7/2025, khi không còn cấp huyện.",
                          f"{inp.label}: a district result dated from 1/7/2025, when there are no districts.",
                          _NO_DISTRICT_VI, _NO_DISTRICT_EN)
    if len(eras) > 1 and not to_2025_units:
        raise _refuse(
            "Các tệp thuộc hai danh mục đơn vị hành chính khác nhau: trước 1/7/2025 ("
            + ", ".join(eras[BEFORE]) + ") và từ 1/7/2025 (" + ", ".join(eras[AFTER]) + ").",
            "The files belong to two different unit lists: before 1/7/2025 and from 1/7/2025.",
            "Gộp riêng từng đợt, hoặc dùng --to-2025-units để quy đổi kết quả cũ sang đơn vị mới.",
            "Merge each round separately, or use --to-2025-units to re-express the old results in the new units.")


def _check_known_units(inps: list[Input], reg: Registry) -> None:
    for inp in inps:
        for code in inp.units:
            if reg.commune(code, inp.as_of) is None:
                other = reg.other_era(code, inp.as_of)  # a code of the other unit list: said, with where it went
                if other is not None:
                    raise _refuse(
                        f"{inp.label}: mã xã {code} không có trong danh mục đơn vị hành chính ngày "
                        f"{inp.as_of:%d/%m/%Y}: đó là {other[0]}.",
                        f"{inp.label}: commune code {code} is not in the unit list of {inp.as_of:%d/%m/%Y}: it is "
                        f"{other[1]}.",
                        "Sửa mã xã trong biểu rà soát theo danh mục đơn vị hành chính của ngày rà soát, rồi chạy lại.",
                        "Correct the commune code in the return to the unit list of its review date, and run again.")
                raise _refuse(
                    f"{inp.label}: mã xã {code} không có trong danh mục đơn vị hành chính ngày {inp.as_of:%d/%m/%Y}.",
                    f"{inp.label}: commune code {code} is not in the unit list of {inp.as_of:%d/%m/%Y}.",
                    "Kiểm tra mã xã, hoặc ngày rà soát (--as-of).", "Check the commune code or the review date (--as-of).")
        if inp.kind == DISTRICT_KIND:
            u = reg.unit(inp.declared_unit or "", inp.as_of)
            if u is None or u.level != DISTRICT:
                raise _refuse(f"{inp.label}: mã huyện {inp.declared_unit} không có trong danh mục ngày {inp.as_of:%d/%m/%Y}.",
                              f"{inp.label}: district code {inp.declared_unit} is not in the unit list of {inp.as_of:%d/%m/%Y}.")


def _ancestors(inp: Input, code: str, reg: Registry, rules: dict[str, OldUnitRule], crosswalk: bool) -> dict[str, set[str]]:
    """level -> codes of the target-era parents of one input unit (several when a split old commune spans them)."""
    if crosswalk and reg.era(inp.as_of) == BEFORE:
        return {PROVINCE: set(rules[code].provinces), DISTRICT: set()}
    chain = reg.parents(code, inp.as_of)
    return {PROVINCE: {u.code for u in chain if u.level == PROVINCE},
            DISTRICT: {u.code for u in chain if u.level == DISTRICT}}


def _province_now(reg: Registry, code: str) -> tuple[str, list[str]] | None:
    """(an old province's name, the new provinces its communes went into) by the crosswalk; None for a code that
    was no province before 1/7/2025."""
    import datetime as _dt

    before = REFORM_DATE - _dt.timedelta(days=1)
    old = reg.unit(code, before)
    if old is None or old.level != PROVINCE:
        return None
    new = {e.new_province_code: e for c in reg.communes_of(code, before) for e in reg.crosswalk(c.code)}
    names = [f"{p} {u.name}" for p in sorted(new) if (u := reg.unit(p, REFORM_DATE)) is not None]
    return (old.name, names) if names else None


def _target(inps: list[Input], level: str | None, unit: str | None, tgt: date, reg: Registry,
            rules: dict[str, OldUnitRule], crosswalk: bool) -> tuple[str, Unit]:
    after = reg.era(tgt) == AFTER
    if after and (level == DISTRICT or (unit is not None and len(unit) == 3)):
        raise _usage("Không có cấp huyện trong danh mục đơn vị hành chính từ 1/7/2025.",
                     "There is no district level in the unit list from 1/7/2025.", _NO_DISTRICT_VI, _NO_DISTRICT_EN)
    if unit is not None:
        u = reg.unit(unit, tgt)
        went = _province_now(reg, unit) if after and (u is None or u.level != PROVINCE) and len(unit) == 2 else None
        if went is not None:  # an old province's code (30 Hải Dương, now part of 31 Hải Phòng): said where it went
            old_name, now = went
            raise _usage(f"--unit {unit}: {old_name} không còn từ 1/7/2025; các xã của tỉnh này nay thuộc "
                         f"{' và '.join(now)}.",
                         f"--unit {unit}: {old_name} no longer exists from 1/7/2025; its communes are now in "
                         f"{' and '.join(now)}.",
                         "Dùng mã tỉnh mới (2 chữ số) trong --unit, hoặc bỏ --unit.",
                         "Use the new province's 2-digit code in --unit, or leave --unit out.")
        if u is None or u.level not in LEVELS:
            raise _usage(f"--unit {unit}: không có huyện hay tỉnh nào mang mã này trong danh mục ngày {tgt:%d/%m/%Y}.",
                         f"--unit {unit}: no district or province has this code in the list of {tgt:%d/%m/%Y}.",
                         "Dùng mã huyện 3 chữ số (trước 1/7/2025) hoặc mã tỉnh 2 chữ số.",
                         "Use a 3-digit district code (before 1/7/2025) or a 2-digit province code.")
        if level is not None and level != u.level:
            raise _usage(f"--unit {unit} là {u.name}, không khớp --level {level}.",
                         f"--unit {unit} is {u.name}, which does not match --level {level}.")
        level = u.level
    anc = {(i, code): _ancestors(inp, code, reg, rules, crosswalk) for i, inp in enumerate(inps) for code in inp.units}
    if level is None:
        districts = {d for a in anc.values() for d in a[DISTRICT]}
        if after or any(inp.kind == DISTRICT_KIND for inp in inps) or len(districts) != 1:
            level = PROVINCE
        else:
            level = DISTRICT
    for inp in inps:
        if inp.kind == DISTRICT_KIND and level == DISTRICT:
            raise _refuse(f"{inp.label}: đã là kết quả gộp cấp huyện; chỉ gộp tiếp lên tỉnh.",
                          f"{inp.label}: already a district merge; it can only be merged into a province.",
                          "Dùng --level province.", "Use --level province.")
    if unit is None:
        votes: Counter[str] = Counter()
        for i, inp in enumerate(inps):
            for p in set().union(*(anc[(i, c)][level] for c in inp.units)) if inp.units else set():
                votes[p] += 1
        if not votes:
            raise _usage("Không xác định được đơn vị cấp trên của các tệp.", "Cannot work out the parent unit.",
                         "Ghi rõ đơn vị bằng --unit.", "Name the unit with --unit.")
        top = max(votes.values())
        best = sorted(p for p, n in votes.items() if n == top)
        if len(best) > 1:
            names = ", ".join(_label(reg, p, tgt) for p in best)
            raise _usage(f"Các tệp thuộc nhiều đơn vị cấp trên ngang nhau ({names}): không biết gộp vào đơn vị nào.",
                         f"The files belong to several parent units equally ({names}).",
                         "Ghi rõ đơn vị bằng --unit.", "Name the unit with --unit.")
        unit = best[0]
    parent = reg.unit(unit, tgt)
    assert parent is not None
    for i, inp in enumerate(inps):
        for code in inp.units:
            if parent.code not in anc[(i, code)][level]:
                here = _label(reg, code, inp.as_of)
                raise _refuse(f"{inp.label}: {here} không thuộc {parent.label()}.",
                              f"{inp.label}: {here} is not part of {parent.label()}.",
                              "Bỏ tệp này khỏi danh sách gộp, hoặc chọn đúng đơn vị bằng --unit.",
                              "Leave this file out of the merge, or pick the right unit with --unit.")
    return level, parent


def _unit_source(inp: Input, code: str) -> str:
    if inp.kind == DISTRICT_KIND:
        entry = inp.unit_sources.get(code) or {}
        return str(entry.get("result_sha256") or entry.get("sha256") or f"{inp.sha256}:{code}")
    return inp.result_sha256 or inp.sha256


def _unit_time(inp: Input, code: str) -> datetime | None:
    if inp.kind == DISTRICT_KIND:
        entry = inp.unit_sources.get(code) or {}
        t = parse_datetime(entry.get("run_time"))
        if t is not None:
            return t
    return inp.run_time


def _resolve_units(inps: list[Input], prefer: str | None, reg: Registry, notes: list[Finding]) -> list[set[str]]:
    keep = [set(inp.units) for inp in inps]
    owners: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, inp in enumerate(inps):
        for code in inp.units:
            owners[(reg.era(inp.as_of), code)].append(i)
    prefer_idx: set[int] = set()
    if prefer is not None and prefer != PREFER_NEWEST:
        p = Path(prefer)
        sha = file_sha256(p) if p.exists() else ""
        prefer_idx = {i for i, inp in enumerate(inps) if _same_file(inp.path, p) or inp.sha256 == sha}
        if not prefer_idx:
            raise _usage(f"--prefer {prefer}: tệp này không nằm trong danh sách gộp.",
                         f"--prefer {prefer}: this file is not one of the inputs.")
    for (_era, code), idxs in sorted(owners.items()):
        if len(idxs) < 2:
            continue
        here = _label(reg, code, inps[idxs[0]].as_of)
        files = ", ".join(inps[i].label for i in idxs)
        sources = {_unit_source(inps[i], code) for i in idxs}
        if len(sources) == 1:
            winner, why_vi, why_en = idxs[0], "cùng nội dung (cùng SHA-256)", "the same content (the same SHA-256)"
        elif prefer == PREFER_NEWEST:
            times = {i: _unit_time(inps[i], code) for i in idxs}
            if any(t is None for t in times.values()):
                raise _usage(f"{here} có trong nhiều tệp ({files}) nhưng không phải tệp nào cũng ghi thời điểm chạy.",
                             f"{here} is in several files ({files}) but not all record their run time.",
                             "Chọn tệp bằng --prefer <tệp>.", "Pick the file with --prefer <file>.")
            latest = max(t for t in times.values() if t is not None)
            tops = [i for i, t in times.items() if t == latest]
            if len(tops) > 1:
                raise _usage(f"{here} có trong nhiều tệp cùng thời điểm chạy ({files}).",
                             f"{here} is in several files with the same run time ({files}).",
                             "Chọn tệp bằng --prefer <tệp>.", "Pick the file with --prefer <file>.")
            winner, why_vi, why_en = tops[0], "--prefer newest: bản chạy mới nhất", "--prefer newest: the latest run"
        elif prefer is not None and len(prefer_idx & set(idxs)) == 1:
            winner, why_vi = next(iter(prefer_idx & set(idxs))), f"--prefer {prefer}"
            why_en = why_vi
        else:
            raise _refuse(f"{here} có trong nhiều tệp: {files}.", f"{here} is in several files: {files}.",
                          "Bỏ bớt một tệp, hoặc chọn bằng --prefer newest (bản mới nhất) hay --prefer <tệp>.",
                          "Leave one out, or choose with --prefer newest or --prefer <file>.")
        for i in idxs:
            if i != winner:
                keep[i].discard(code)
                notes.append(note("merge-unit-duplicate-resolved", file=inps[i].label, key="unit", value=here,
                                  other=inps[winner].label, detail=why_vi, detail_en=why_en))
    return keep


def _check_mixed(inps: list[Input], keep: list[set[str]], allow_mixed: bool, notes: list[Finding]) -> None:
    used = [inp for inp, k in zip(inps, keep, strict=True) if k]
    groups: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    # a local standard is told by its id and SHA-256; results written before the SHA-256 was recorded, by its id
    hashed = all(" " in inp.local_standard for inp in used if inp.local_standard)
    # the review is yearly: results of two years' rounds added together make no district's figures — re-expressed
    # in the 2025 units too (a 2023 round of one old commune and a 2024 round of another are no new commune's round)
    years = {inp.review_year for inp in used if inp.review_year}
    for inp in used:  # the national standard, the local one (a province's own lines: its class column), version
        std = inp.standard + (f" ({inp.standard_sha256[:12]})" if inp.standard_sha256 else "")
        local = inp.local_standard if hashed else inp.local_standard.split(" ")[0]
        year = str(inp.review_year) if inp.review_year and len(years) > 1 else ""
        groups[(std, local, inp.tool_version, year)].append(inp.label)
    if len(groups) < 2:
        return

    def said(en: bool) -> str:
        none = "(not recorded)" if en else "(không ghi)"
        words = (("standard", "local standard", "version", "review of") if en
                 else ("chuẩn", "chuẩn địa phương", "phiên bản", "rà soát năm"))
        return "; ".join(f"{words[0]} {std or none}" + (f", {words[1]} {local}" if local else "")
                         + f", {words[2]} {version or none}" + (f", {words[3]} {year}" if year else "")
                         + f": {', '.join(v)}"
                         for (std, local, version, year), v in sorted(groups.items()))

    detail, detail_en = said(False), said(True)
    if not allow_mixed:
        raise _refuse(f"Các tệp dùng chuẩn nghèo (quốc gia hoặc địa phương) hoặc phiên bản công cụ khác nhau, hoặc "
                      f"thuộc các đợt rà soát của những năm khác nhau — {detail}.",
                      f"The files use different standards (national or local) or tool versions, or belong to "
                      f"different years' reviews — {said(True)}.",
                      "Phân loại lại các xã bằng cùng một chuẩn và phiên bản, chỉ gộp kết quả của cùng một đợt rà "
                      "soát, hoặc gộp có chủ ý bằng --allow-mixed.",
                      "Reclassify with one standard and version, merge one round's results only, or merge on "
                      "purpose with --allow-mixed.")
    notes.append(note("merge-mixed-inputs", detail=detail, detail_en=detail_en))


# ---------------------------------------------------------------------------------------------------- stacking
def _frames(i: int, inp: Input, kept: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The input's households and members of its kept units, with provenance and internal link columns."""
    hh = inp.households().reset_index(drop=True).copy()
    mm = inp.members().reset_index(drop=True).copy()
    pos = link(hh, mm)
    if inp.kind == COMMUNE_KIND:
        hh["unit"] = pd.array([inp.declared_unit] * len(hh), dtype="string") if inp.declared_unit \
            else text(hh["ma_xa"])
        hh["source_file"] = pd.array([inp.label] * len(hh), dtype="string")
        hh["source_sha256"] = pd.array([inp.sha256] * len(hh), dtype="string")
    else:
        if "unit" not in hh.columns:
            hh["unit"] = text(hh["ma_xa"]) if "ma_xa" in hh.columns else pd.NA
        for c, v in (("source_file", inp.label), ("source_sha256", inp.sha256)):
            hh[c] = (hh[c].astype("string") if c in hh.columns else pd.Series(pd.NA, index=hh.index, dtype="string")).fillna(v)
        hh["unit"] = text(hh["unit"])
    n_members = np.bincount(pos[pos >= 0], minlength=len(hh)) if len(hh) else np.zeros(0, dtype="int64")
    hh["_persons"] = household_persons(hh, n_members)
    hh["_in"] = i
    hh["_pos"] = np.arange(len(hh), dtype="int64")
    # members: unit and provenance of their household; orphans keep what the file says
    linked = pos >= 0
    m_unit = pd.Series(pd.NA, index=mm.index, dtype="string")
    m_unit[linked] = hh["unit"].to_numpy()[pos[linked]]
    if (~linked).any():
        if inp.kind == COMMUNE_KIND and inp.declared_unit:
            own = pd.Series(inp.declared_unit, index=mm.index, dtype="string")
        elif "unit" in mm.columns:
            own = text(mm["unit"])
        elif "ma_xa" in mm.columns:
            own = text(mm["ma_xa"])
        else:
            own = pd.Series(pd.NA, index=mm.index, dtype="string")
        m_unit = m_unit.mask(~linked, own)
    mm["unit"] = m_unit
    for c in ("source_file", "source_sha256"):
        vals = pd.Series(pd.NA, index=mm.index, dtype="string")
        vals[linked] = hh[c].to_numpy()[pos[linked]]
        fallback = mm[c].astype("string") if c in mm.columns else pd.Series(pd.NA, index=mm.index, dtype="string")
        mm[c] = vals.fillna(fallback).fillna(inp.label if c == "source_file" else inp.sha256)
    mm["_in"] = i
    mm["_pos"] = pos
    keep_h = hh["unit"].isin(kept).fillna(False).to_numpy(dtype=bool)
    keep_m = (mm["unit"].isin(kept).fillna(False) | (mm["unit"].isna() & bool(kept))).to_numpy(dtype=bool)
    return hh[keep_h], mm[keep_m]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return pd.DataFrame()
    nonempty = [f for f in frames if len(f)] or frames[:1]
    out = pd.concat(nonempty, ignore_index=True, sort=False)
    cols = list(dict.fromkeys(c for f in frames for c in f.columns))
    return out.reindex(columns=cols)


_SUMMARY_READ = frozenset(["ma_xa", "don_vi", *(f"{w}_{slug}" for slug in CLASS_SLUG.values() for w in ("ho", "nhan_khau"))])


def _in_counts(plan: _Plan, counted: pd.DataFrame) -> pd.DataFrame | None:
    """Each input's own counts per unit and class: its reconciliation sheet (a district result) or its summary
    sheet (a classify result) where it has them; what they do not say is counted from its rows.

    One table for all inputs (the reconciliation only sums it per unit and class): ``counted`` is ``distinct``
    over (_in, unit) of the stacked households, and the summaries of one form are read as one table."""
    used = [i for i, k in enumerate(plan.keep) if k]
    if not used:
        return None
    df = pd.DataFrame({"_in": counted["_in"].to_numpy(dtype="int64"), "unit": counted["unit"].astype("string").to_numpy(),
                       "phan_loai": class_of(counted).to_numpy(), "households": counted["_n"].to_numpy(),
                       "persons": counted["_persons"].to_numpy()})
    rows = df.groupby(["_in", "unit", "phan_loai"], dropna=False, sort=True)[["households", "persons"]].sum().reset_index()
    own_parts: list[pd.DataFrame] = []
    plain: list[int] = []  # inputs counted from their rows alone
    by_form: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    tables: dict[int, Any] = {}  # Parquet folders: the summary as Arrow, stacked per form and converted once
    for i in used:
        inp = plan.inputs[i]
        if inp.kind == DISTRICT_KIND:
            own = declared_counts(inp)
            if own is not None:
                own_parts.append(own.assign(_in=i))
                continue
        if inp.bundle is not None:
            t = inp.bundle.summary_table(_SUMMARY_READ.__contains__)  # only what summary_counts reads
            if t is None or not t.num_rows or not inp.bundle.columns(t):  # an empty summary says nothing
                plain.append(i)
                continue
            form = forms([t])[0]
            if form is not None:
                tables[i] = t
                by_form[("arrow", form)].append(i)
                continue
        summ = inp.summary()
        if summ.empty:
            plain.append(i)
        else:
            by_form[("pandas", tuple(summ.columns), tuple(str(t) for t in summ.dtypes))].append(i)
    for form_key, idxs in by_form.items():
        if form_key[0] == "arrow":
            import pyarrow as pa

            meta = tables[idxs[0]].schema.metadata
            stacked = table_frame(pa.concat_tables([
                tables[i].replace_schema_metadata(meta).append_column("_in", pa.array(np.full(tables[i].num_rows, i)))
                for i in idxs]))
        else:
            stacked = pd.concat([plan.inputs[i].summary().assign(_in=i) for i in idxs], ignore_index=True)
        own = summary_counts(stacked, carry=("_in",))  # None: a form summary_counts does not read
        if own is None:
            plain.extend(idxs)
        else:
            own_parts.append(own)
    parts = [rows[rows["_in"].isin(plain)]]
    if own_parts:
        own = pd.concat(own_parts, ignore_index=True)
        kept = pd.MultiIndex.from_tuples([(i, u) for i in used for u in plan.keep[i]])
        own = own[pd.MultiIndex.from_arrays([own["_in"].astype("int64"), own["unit"].astype("string")]).isin(kept)]
        both = own.merge(rows, on=["_in", "unit", "phan_loai"], how="left", suffixes=("", "_rows"))
        both["households"] = both["households"].fillna(both["households_rows"]).fillna(0)
        both["persons"] = both["persons"].fillna(both["persons_rows"]).fillna(0)
        parts.append(both)
    cols = ["unit", "phan_loai", "households", "persons"]
    return pd.concat([p[cols] for p in parts], ignore_index=True).astype({"households": "int64", "persons": "int64"})


# ---------------------------------------------------------------------------------------------------- findings
def _place(df: pd.DataFrame, en: bool = False) -> pd.Series:
    """'<file>, đơn vị <unit>, dòng <row>' (English: 'unit', 'row') for each row: where an officer finds it."""
    file = df["file"].astype("string") if "file" in df.columns else df["source_file"].astype("string")
    file = file.fillna(df["source_file"].astype("string"))
    row = df["row"].astype("string").fillna("?") if "row" in df.columns else pd.Series("?", index=df.index)
    unit, line = (", unit ", ", row ") if en else (", đơn vị ", ", dòng ")
    return file + unit + df["unit"].astype("string").fillna("?") + line + row


def _row_int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _repeated(keys: np.ndarray) -> np.ndarray:
    """Mask of rows whose key (int64; -1: none) occurs more than once, found by sorting the keys."""
    valid = keys >= 0
    k = np.sort(keys[valid])
    dup = np.unique(k[1:][k[1:] == k[:-1]])
    if not len(dup):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(dup, keys), len(dup) - 1)
    return valid & (dup[at] == keys)


def _spread_keys(k_codes: np.ndarray, unit: pd.Series) -> np.ndarray:
    """Mask of rows whose (non-blank) key, as ``k_codes`` (-1: blank), occurs under more than one unit.
    Only keys found more than once can: the units are looked at for those rows alone."""
    maybe = _repeated(k_codes)
    out = np.zeros(len(k_codes), dtype=bool)
    if not maybe.any():
        return out
    at = np.flatnonzero(maybe)
    u_codes, _ = pd.factorize(unit.iloc[at].astype("string"), use_na_sentinel=True)
    pairs = pd.DataFrame({"k": k_codes[at], "u": u_codes})
    pairs = pairs[pairs["u"] >= 0].drop_duplicates()
    per_key = pairs["k"].value_counts()
    spread = per_key.index[per_key.to_numpy() > 1]
    out[at] = np.isin(k_codes[at], spread.to_numpy())
    return out


def _key_codes(*parts: pd.Series) -> np.ndarray:
    """Int64 keys of ``parts[0] + "\\x1f" + parts[1] …`` (texts already stripped, NA when blank; -1 when any
    part is NA): equal texts, equal keys, without building the joined text (unless a part holds the separator)."""
    codes = np.zeros(len(parts[0]), dtype="int64")
    ok = np.ones(len(parts[0]), dtype=bool)
    span = 1
    for part in parts:
        c, uniq = pd.factorize(part, use_na_sentinel=True)
        if pd.Series(uniq, dtype="string").str.contains("\x1f", regex=False).any():  # joined text is ambiguous
            joined = parts[0]
            for q in parts[1:]:
                joined = joined + "\x1f" + q
            return np.asarray(pd.factorize(joined, use_na_sentinel=True)[0], dtype="int64")
        ok &= c >= 0
        if span * (len(uniq) + 1) >= 2**62:  # renumber the pairs so far densely first
            codes = pd.factorize(codes)[0].astype("int64")
            span = int(codes.max()) + 1 if len(codes) else 1
        codes = codes * (len(uniq) + 1) + c + 1
        span *= len(uniq) + 1
    return np.where(ok, codes, -1)


def _in_stacked_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order the inputs were stacked (findings list other places in that order)."""
    return rows.sort_values("_seq", kind="stable") if "_seq" in rows.columns else rows


def _duplicate_notes(rows: pd.DataFrame, key: pd.Series, make: Any) -> list[Finding]:
    """One finding per occurrence of a key found in several units, naming every other place."""
    d = rows.assign(_key=key.to_numpy())
    d = _in_stacked_order(d)
    d = d.assign(_place=_place(d).to_numpy(), _place_en=_place(d, en=True).to_numpy())
    out: list[Finding] = []
    for k, grp in d.groupby("_key", sort=True):
        places, places_en = grp["_place"].tolist(), grp["_place_en"].tolist()
        for j, r in enumerate(grp.itertuples(index=False)):
            out.append(make(str(k), r, "; ".join(p for n, p in enumerate(places) if n != j),
                            "; ".join(p for n, p in enumerate(places_en) if n != j)))
    return out


def _cross_unit_duplicates(hh: pd.DataFrame, mm: pd.DataFrame) -> list[Finding]:
    """The same household (commune + household code) or the same person (personal ID) in two units."""
    out: list[Finding] = []
    if len(hh) and {"ma_xa", "ma_ho"} <= set(hh.columns):
        xa, ho = text(hh["ma_xa"]), text(hh["ma_ho"])
        codes = _key_codes(xa, ho)
        dup = _spread_keys(codes, hh["unit"])
        if dup.any():
            key = xa[dup] + "\x1f" + ho[dup]
            out += _duplicate_notes(hh[dup], key, lambda k, r, others, others_en: note(
                "merge-household-duplicate-units", file=str(getattr(r, "file", "") or r.source_file),
                sheet=str(getattr(r, "sheet", "") or SHEET_HOUSEHOLDS), row=_row_int(getattr(r, "row", None)),
                key="ma_ho", value=k.split("\x1f")[1], detail=k.split("\x1f")[0], other=others, other_en=others_en))
    if len(mm) and "so_dinh_danh" in mm.columns:
        from hgn_review.validate import departed

        codes = text_keys(mm["so_dinh_danh"], strip=True)
        # a person listed in the household she left (moved away, dissolved) and in the one she joined is one
        # person: the departed household's rows are no second holder
        # (linked by input and position before the rows are put in output order, by the renumbered uid after)
        keys = ("_in", "_pos") if {"_in", "_pos"} <= set(mm.columns) & set(hh.columns) else ("uid",)
        codes = np.where(departed(hh, mm, keys), -1, codes)
        dup = _spread_keys(codes, mm["unit"])
        if dup.any():
            out += _duplicate_notes(mm[dup], text(mm["so_dinh_danh"][dup]), lambda k, r, others, others_en: note(
                "id-duplicate-batch", file=str(getattr(r, "file", "") or r.source_file),
                sheet=str(getattr(r, "sheet", "") or SHEET_MEMBERS), row=_row_int(getattr(r, "row", None)),
                column="Số định danh cá nhân", key="so_dinh_danh", other=others, other_en=others_en))
    return out


def _moved_in_unrecorded(hh: pd.DataFrame, mm: pd.DataFrame) -> list[Finding]:
    """Households whose start two units counted: one recorded as moved away or dissolved, with its start, in one
    unit; in another, a household living there, not recorded as moved in, whose start last year's list gave it by
    its head's ID (``dau_ky_theo``) — the same head's (classified apart, each unit counted that row). As `hgn run`
    counts it over the whole round: the row's start is the unit's it left; here the household moved in, unrecorded
    ("Tăng khác", no start), said on it for its commune to record the move. A household whose start is its own row's,
    by its code (a widow whose household dissolved now heading her son's), keeps it. Results of an hgn that did not
    record where a start was found are left as they are. Changes ``hh`` in place."""
    from hgn_review.scoring.movements import BY_HEAD, STATUS_IN, STATUS_OUT, as_moved_in

    if "dau_ky_theo" not in hh.columns:
        return []

    # (linked by input and position before the rows are put in output order, by the renumbered uid after)
    keys = ["_in", "_pos"] if {"_in", "_pos"} <= set(mm.columns) & set(hh.columns) else ["uid"]
    if hh.empty or mm.empty or not {"dau_ky", "tinh_trang_ho", "unit", *keys} <= set(hh.columns) \
            or not {"quan_he", "so_dinh_danh", *keys} <= set(mm.columns):
        return []
    # the households that can be either side, found on the households first (a start found by the head's ID is rare:
    # most merges stop here, before any member row is looked at)
    by_head = (hh["dau_ky_theo"].astype("string") == BY_HEAD).fillna(False).to_numpy(dtype=bool)
    if not by_head.any():
        return []
    status = hh["tinh_trang_ho"].astype("string").str.strip()
    left = status.isin(STATUS_OUT).fillna(False).to_numpy(dtype=bool)
    came = status.isin(STATUS_IN).fillna(False).to_numpy(dtype=bool)
    dated = hh["dau_ky"].notna().to_numpy(dtype=bool) & hh[keys].notna().all(axis=1).to_numpy(dtype=bool)
    wanted = dated & (left | (~left & ~came & by_head))
    if not (wanted & left).any() or not (wanted & by_head & ~left).any():
        return []
    # the heads of those households only
    want_keys = pd.MultiIndex.from_frame(hh.loc[wanted, keys].astype("int64"))
    linked = mm[keys].notna().all(axis=1).to_numpy(dtype=bool)
    sub = mm[linked]
    sub = sub[pd.MultiIndex.from_frame(sub[keys].astype("int64")).isin(want_keys)]
    ids = text(sub["so_dinh_danh"]).str.strip()
    is_head = ((sub["quan_he"].astype("string") == "Chủ hộ").fillna(False)
               & ids.str.fullmatch(r"\d{12}").fillna(False)).to_numpy(dtype=bool)
    if not is_head.any():
        return []
    by_household = pd.Series(ids[is_head].to_numpy(dtype=object),
                             index=pd.MultiIndex.from_frame(sub.loc[is_head, keys].astype("int64")))
    by_household = by_household[~by_household.index.duplicated(keep=False)]  # one head per household
    head = pd.Series(None, index=hh.index, dtype=object)
    head[wanted] = by_household.reindex(want_keys).to_numpy(dtype=object)
    started = wanted & head.notna().to_numpy(dtype=bool)
    unit = hh["unit"].astype("string").to_numpy(dtype=object)
    gone = pd.DataFrame({"h": head.to_numpy(dtype=object)[left & started], "u": unit[left & started]})
    if gone.empty:
        return []
    living = np.flatnonzero(~left & ~came & started & by_head)
    here = pd.DataFrame({"i": living, "h": head.to_numpy(dtype=object)[living], "u": unit[living]})
    pairs = here.merge(gone, on="h", suffixes=("", "_gone"))
    at = np.unique(pairs.loc[(pairs["u"] != pairs["u_gone"]).to_numpy(dtype=bool), "i"].to_numpy(dtype=np.int64))
    # a head on the gone rows of two units, or living in two: no one move to tell — left as the returns say
    at = at[~here.set_index("i").loc[at, "h"].isin(here["h"][here["h"].duplicated(keep=False)]).to_numpy(dtype=bool)] \
        if len(at) else at
    if not len(at):
        return []
    rows = hh.index[at]
    as_moved_in(hh, rows)
    return [note("previous-moved-in-unrecorded", file=str(getattr(r, "file", "") or r.source_file),
                 sheet=str(getattr(r, "sheet", "") or SHEET_HOUSEHOLDS), row=_row_int(getattr(r, "row", None)),
                 key="tinh_trang_ho", value=str(r.ma_ho)) for r in hh.loc[rows].itertuples(index=False)]


def _outside_parent(hh: pd.DataFrame, inps: list[Input], parent: Unit, level: str, reg: Registry) -> list[Finding]:
    """Households whose own commune code is not the file's unit and not a commune of the parent."""
    if hh.empty or "ma_xa" not in hh.columns:
        return []
    code = text(hh["ma_xa"])
    odd = code.notna() & (code != hh["unit"].astype("string")).fillna(False)
    if not odd.any():
        return []
    out: list[Finding] = []
    sub = _in_stacked_order(hh[odd.to_numpy()])
    for (i, c), grp in sub.groupby(["_in", sub["ma_xa"].astype("string").str.strip()], sort=True):
        when = inps[int(i)].as_of
        chain = reg.parents(str(c), when)
        inside = any(u.code == parent.code and u.level == level for u in chain)
        if inside:
            continue  # another commune of the same parent: the classify stage already reported the mismatch
        for r in grp.itertuples(index=False):
            out.append(note("merge-household-outside-parent", file=str(getattr(r, "file", "") or r.source_file),
                            sheet=str(getattr(r, "sheet", "") or SHEET_HOUSEHOLDS), row=_row_int(getattr(r, "row", None)),
                            key="ma_xa", value=str(c), detail=parent.label(), other=str(r.unit)))
    return out


# ---------------------------------------------------------------------------------------------------- main
@dataclass
class _Plan:
    """What to merge, decided from the inputs' metadata before any row is touched."""

    inputs: list[Input]
    keep: list[set[str]]  # per input: the units taken from it
    duplicate_files: list[dict[str, str]]
    level: str
    parent: Unit
    as_of: date  # the unit list of the output
    rules: dict[str, OldUnitRule]  # crosswalk: old commune -> what the crosswalk decides
    mapping: pd.DataFrame | None


def _read_inputs(inputs: list[Path], as_of: date | None,
                 sources: Mapping[str, tuple[str, ...]] | None = None) -> list[Input]:
    """Every input read (hashed and parsed), on a few threads: hashing and Parquet decoding release the GIL.
    The first input, in the order given, that cannot be read raises, as when reading one by one. ``sources``
    (path → name and SHA-256 to show) names inputs that stand for another file, e.g. `hgn run`'s cached bundle
    of a return: the return's name and hash are what the rows, notes and tables then say."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    def one(p: Path) -> Input:
        inp = read_input(Path(p), as_of)
        if sources and str(p) in sources:
            # the result's identity: given (hgn run: the cache key of the return's content and the options that
            # classified it — a re-run gives the same), else its own content; two classifications of one return differ
            given = sources[str(p)]
            inp.result_sha256 = given[2] if len(given) > 2 else inp.sha256
            inp.label, inp.sha256 = given[0], given[1]
        return inp

    workers = min(len(inputs), os.cpu_count() or 1, 4)
    if workers <= 1:
        return [one(p) for p in inputs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, inputs))


def _plan(inputs: list[Path], level: str | None, unit: str | None, as_of: date | None, prefer: str | None,
          allow_mixed: bool, to_2025_units: bool, mapping: Path | None, reg: Registry, notes: list[Finding],
          sources: Mapping[str, tuple[str, ...]] | None = None) -> _Plan:
    _check_options(level, unit, prefer, mapping, to_2025_units)
    if not inputs:
        raise _usage("Chưa có tệp nào để gộp.", "No input files.", "Liệt kê các tệp kết quả cần gộp.",
                     "List the results files to merge.")
    read = sorted(_read_inputs(inputs, as_of, sources), key=lambda x: (x.label, x.sha256))
    inps, dup_files = _dedupe_files(read, notes)
    _check_eras(inps, reg, to_2025_units)
    _check_known_units(inps, reg)
    tgt = max(inp.as_of for inp in inps)
    if to_2025_units and tgt < REFORM_DATE:
        tgt = REFORM_DATE
    old = {c: i.as_of for i in inps if to_2025_units and reg.era(i.as_of) == BEFORE for c in i.units}
    rules = {c: rule_for(reg, c, _name(reg, c, day)) for c, day in sorted(old.items())}
    for inp in inps:
        for code in inp.units:
            if code in rules and not rules[code].candidates:
                raise _refuse(f"{inp.label}: xã cũ {_label(reg, code, inp.as_of)} không có trong danh mục sắp xếp "
                              "đơn vị hành chính 1/7/2025, nên không quy đổi được.",
                              f"{inp.label}: old commune {code} is not in the 1/7/2025 crosswalk, so it cannot be "
                              "re-expressed in the new units.", "Gộp tệp này theo đơn vị cũ (bỏ --to-2025-units).",
                              "Merge this file in the old units (without --to-2025-units).")
    level, parent = _target(inps, level, unit, tgt, reg, rules, to_2025_units)
    if to_2025_units:
        _check_crosswalk_overlap(inps, rules, reg)
    keep = _resolve_units(inps, prefer, reg, notes)
    _check_mixed(inps, keep, allow_mixed, notes)
    user_map = read_mapping(mapping, rules, reg) if mapping is not None else None
    return _Plan(inps, keep, dup_files, level, parent, tgt, rules, user_map)


def _stack(plan: _Plan, reg: Registry, ordered: bool, crosswalk: bool) -> Stacked:
    """All kept households and members (see ``merge.stack``); with ``ordered`` in output order already."""
    eras = [reg.era(inp.as_of) for inp in plan.inputs]
    if arrow_ready(plan.inputs, plan.keep):
        st = stack_arrow(plan.inputs, plan.keep, eras, ordered, with_era=crosswalk)
    else:
        st = Stacked(*_stack_frames(plan, eras), ordered=False)
        if ordered:
            st.hh, st.mm = _order(st.hh, st.mm)
            st.ordered = True
    if crosswalk:
        st.hh["_old_unit"] = st.hh["unit"].astype("string")
    return st


def _stack_frames(plan: _Plan, eras: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stacked rows, input by input in pandas (inputs of different forms, workbooks)."""
    hh_parts, mm_parts = [], []
    for i, inp in enumerate(plan.inputs):
        if not plan.keep[i]:
            continue
        h, m = _frames(i, inp, plan.keep[i])
        h["_era"] = eras[i]
        m["_era"] = eras[i]
        hh_parts.append(h)
        mm_parts.append(m)
    hh, mm = _concat(hh_parts), _concat(mm_parts)
    if not len(hh.columns):  # nothing kept at all
        hh = pd.DataFrame({c: pd.Series(dtype="string") for c in ("ma_ho", "ma_xa", "phan_loai", "unit", "_era")})
        for c in ("_persons", "_in", "_pos"):
            hh[c] = pd.Series(dtype="int64")
    if not len(mm.columns):
        mm = pd.DataFrame({"unit": pd.Series(dtype="string"), "_era": pd.Series(dtype="string"),
                           "_in": pd.Series(dtype="int64"), "_pos": pd.Series(dtype="int64")})
    hh["_seq"] = np.arange(len(hh), dtype="int64")
    mm["_seq"] = np.arange(len(mm), dtype="int64")
    return hh, mm


def _unit_areas(reg: Registry, when: date, codes: np.ndarray, values: list[str],
                index: pd.Index) -> dict[str, pd.Series]:
    """``district_code`` / ``province_code`` ("string") of rows whose unit is ``values[code]`` (-1: NA), each
    distinct unit looked up in the registry once."""
    frame = reg.area_frame(pd.Series(pd.array(values, dtype="string")), when)
    at = np.where(codes < 0, len(values), codes)
    out = {}
    for col in ("district_code", "province_code"):
        per_value = pd.concat([frame[col].astype("string"), pd.Series([pd.NA], dtype="string")], ignore_index=True)
        out[col] = pd.Series(per_value.array.take(at), index=index)
    return out


def _areas(st: Stacked, df: pd.DataFrame, which: int, reg: Registry, when: date) -> None:
    """``ma_huyen`` / ``ma_tinh`` of each row's unit, from the registry."""
    if st.unit_codes is not None:  # numbered while stacking
        h_codes, m_codes, values = st.unit_codes
        codes = m_codes if which else h_codes
    else:
        codes, uniq = pd.factorize(df["unit"].astype("string"), use_na_sentinel=True)
        values = [str(v) for v in uniq]
    areas = _unit_areas(reg, when, codes, values, df.index)
    df["ma_huyen"] = areas["district_code"]
    df["ma_tinh"] = areas["province_code"]


def _counting(hh: pd.DataFrame, counted: pd.DataFrame | None) -> pd.DataFrame | None:
    """What the summary, reconciliation and movement tables count: the distinct households (``distinct``, the
    weight of each row in ``_n``); None when there are no households (the tables count the empty frame)."""
    if hh.empty:
        return None
    c = counted if counted is not None else distinct(hh, [k for k in ("unit", "_old_unit") if k in hh.columns])
    c = c.copy()
    if "_old_unit" not in c.columns:
        c["_old_unit"] = c["unit"].astype("string")
    return c


def _group_below(c: pd.DataFrame, below: str, reg: Registry, when: date) -> pd.Series:
    """``_grp`` of ``_slim``: each row's unit of the level below (``ma_huyen`` is the registry's, of its unit)."""
    if below == "unit":
        return c["unit"].astype("string")
    if below == "ma_huyen":
        codes, uniq = pd.factorize(c["unit"].astype("string"), use_na_sentinel=True)
        return _unit_areas(reg, when, codes, [str(v) for v in uniq], c.index)["district_code"]
    return c[below].astype("string") if below in c.columns else pd.Series(pd.NA, index=c.index, dtype="string")


def merge_results(inputs: list[Path], *, level: str | None = None, unit: str | None = None, as_of: date | None = None,
                  prefer: str | None = None, allow_mixed: bool = False, to_2025_units: bool = False,
                  mapping: Path | None = None, sources: Mapping[str, tuple[str, ...]] | None = None) -> MergeResult:
    """Merge classified results of communes (or districts) into their district or province.

    ``level``/``unit`` name the output (inferred from the inputs when omitted); ``as_of`` replaces the inputs'
    review dates for choosing the unit list; ``prefer`` ('newest' or a file) settles a unit found in two inputs;
    ``allow_mixed`` accepts inputs of different standards or tool versions; ``to_2025_units`` re-expresses
    communes of the old list in the units from 1/7/2025, with ``mapping`` (a CSV ma_xa_cu, thon, ma_xa_moi)
    deciding the communes that were split. ``sources`` (input path → name and SHA-256) makes the provenance
    name the files the inputs stand for (`hgn run` merges its cached bundles of the returns).

    Raises ``UsageError`` for arguments that do not make sense and ``InputError`` for inputs that cannot be
    merged (a raw return, a unit of another parent, a unit in two files without --prefer, mixed standards
    without --allow-mixed); everything else is a finding.
    """
    given: dict[Path, Path] = {}  # a path given twice (a glob and the path typed again) is one input, not a copy
    for p in inputs:
        given.setdefault(Path(p).resolve(), p)
    with system_memory():
        return _merge(list(given.values()), level, unit, as_of, prefer, allow_mixed, to_2025_units, mapping, sources)


def _merge(inputs: list[Path], level: str | None, unit: str | None, as_of: date | None, prefer: str | None,
           allow_mixed: bool, to_2025_units: bool, mapping: Path | None,
           sources: Mapping[str, tuple[str, ...]] | None = None) -> MergeResult:
    reg = get_registry()
    notes: list[Finding] = []
    plan = _plan(inputs, level, str(unit).strip() if unit is not None else None, as_of, prefer, allow_mixed,
                 to_2025_units, mapping, reg, notes, sources)
    inps, keep, parent, tgt = plan.inputs, plan.keep, plan.parent, plan.as_of
    st = _stack(plan, reg, ordered=not to_2025_units, crosswalk=to_2025_units)
    hh, mm = st.hh, st.mm
    unsized = _size_unknown(hh)
    if unsized.any():  # counted as 0 persons (the sums need a number): said, and blank on the waiting list
        hh["_size_unknown"] = unsized
        notes.append(note("merge-persons-unknown", value=int(unsized.sum())))
    # a start two units counted (classified apart: a move one unit recorded and the other did not): once, where it
    # left — before anything is counted (the inputs' own class counts, which the reconciliation reads, do not change)
    notes.extend(_moved_in_unrecorded(hh, mm))
    counted: pd.DataFrame | None = distinct(hh, ["_in", "unit"])  # each input's households, counted once
    in_counts = _in_counts(plan, counted)
    if not to_2025_units:
        notes.extend(_outside_parent(hh, inps, parent, plan.level, reg))
    notes.extend(_cross_unit_duplicates(hh, mm))
    pending = pd.DataFrame()
    if to_2025_units:
        hh, mm, pending = _apply_crosswalk(hh, mm, plan.rules, plan.mapping, notes)
        counted = None  # units moved: count again
    for which, df in enumerate((hh, mm)):  # the registry's parents of each row's unit
        _areas(st, df, which, reg, tgt)
    if not st.ordered:
        hh, mm = _order(hh, mm)

    # coverage and the summary per unit of the level below
    present = sorted({c for k in keep for c in k})
    files_of = {c: inps[i].label for i, k in enumerate(keep) for c in k}
    distinct_hh = _counting(hh, counted)
    n_hh = distinct_hh.groupby(distinct_hh["unit"].astype("string"))["_n"].sum() if distinct_hh is not None \
        else pd.Series(dtype="int64")
    placed: set[tuple[str, str]] = set()  # (old commune, new commune) pairs that hold households of the old one
    if to_2025_units and "ma_xa_cu" in hh.columns and len(hh):
        pairs = pd.DataFrame({"o": hh["ma_xa_cu"].astype("string"), "n": hh["unit"].astype("string")}).dropna()
        placed = set(pairs.drop_duplicates().itertuples(index=False, name=None))
    coverage, missing, partial = _coverage(reg, parent, tgt, inps, keep, present, files_of, n_hh, pending,
                                           plan.rules, to_2025_units, placed)
    for code, name in missing:
        notes.append(note("merge-unit-missing", key="unit", value=code, detail=name, remedy=MISSING_MERGE[0],
                          remedy_en=MISSING_MERGE[1]))
    for code, name, lacking in partial:  # a 2025 commune some of whose old communes sent no results
        notes.append(note("merge-unit-partial", key="unit", value=code, detail=name, other=", ".join(lacking)))
    below, rows = _rows_below(reg, parent, plan.level, tgt, coverage, to_2025_units)
    if distinct_hh is None:
        counting, weight = _slim(hh, below), None  # no households: the tables of the empty frame
    else:  # only the columns the tables read, each distinct row once with its weight
        counting, weight = distinct_hh.assign(_grp=_group_below(distinct_hh, below, reg, tgt)), distinct_hh["_n"]
    summary = summary_table(counting, counting["_persons"], "_grp", rows, parent.code, parent.name,
                            PART if missing or partial else FULL, weight=weight)

    # reconciliation: in (each input's own counts) = out (+ households waiting for a crosswalk decision)
    out_counts = class_counts(counting, counting["_persons"], "_old_unit", weight).rename(columns={"_old_unit": "unit"})
    pend_counts = None
    if to_2025_units:
        slim_pending = _slim(pending, "_old_unit")
        pend_counts = class_counts(slim_pending, slim_pending["_persons"], "_old_unit").rename(
            columns={"_old_unit": "unit"})
    old_names = {c: _name(reg, c, inps[i].as_of) for i, k in enumerate(keep) for c in k}
    recon = reconciliation_table(in_counts, out_counts, pend_counts, old_names, files_of, parent.code, parent.name)
    diff = recon[(recon["chenh_lech_ho"] != 0) | (recon["chenh_lech_nhan_khau"] != 0)]
    for code, grp in diff[diff["phan_loai"] != TOTAL].groupby("don_vi", sort=True):
        detail = "; ".join(f"{r.phan_loai}: hộ vào {r.ho_vao} / ra {r.ho_ra}, nhân khẩu vào {r.nhan_khau_vao} / ra "
                           f"{r.nhan_khau_ra}" for r in grp.itertuples())
        detail_en = "; ".join(f"{WORDS_EN.get(str(r.phan_loai), r.phan_loai)}: households in {r.ho_vao} / out "
                              f"{r.ho_ra}, persons in {r.nhan_khau_vao} / out {r.nhan_khau_ra}" for r in grp.itertuples())
        notes.append(note("merge-reconciliation-mismatch", file=files_of.get(str(code), ""), key="unit",
                          value=f"{code} {old_names.get(str(code), '')}".strip(), detail=detail, detail_en=detail_en))

    # movements balance per unit and in total
    moves_bad = (unbalanced_findings(movement_counts(counting, "unit", weight), by="unit", files=files_of)
                 + unbalanced_findings(movement_counts(counting, None, weight), by=None))
    notes.extend(moves_bad)

    findings = sorted(notes, key=lambda f: (f.file, f.sheet, f.row or 0, f.code, f.key or "", f.value or "",
                                            f.params))
    meta = _meta(plan, missing, diff.empty, not moves_bad, to_2025_units, pending, prefer, allow_mixed,
                 partial=bool(partial))
    # the inputs' findings go on, but for what this merge works out again over every input (RECOMPUTED): coverage
    # (a commune then missing may be given now; a district's missing communes are listed once, by this merge) and
    # the persons and households found in two units
    again = {(Path(f.file).name, f.sheet, f.row, f.code) for f in findings if f.code in FOUND_AGAIN}
    in_findings = [_without_dropped(_without_missing_units(inps[i].findings(), again), inps[i], k)
                   for i, k in enumerate(keep) if k and inps[i].has_findings()]
    findings_df = pd.concat([*in_findings, findings_frame(findings)], ignore_index=True, sort=False) \
        if in_findings else findings_frame(findings)
    extra = {SHEET_COVERAGE: coverage, SHEET_RECON: recon}
    pending_sheet = _pending_sheet(pending, plan.rules) if to_2025_units else pd.DataFrame()
    if to_2025_units:
        extra[SHEET_PENDING] = pending_sheet
    public_hh, public_mm = _public(hh, to_2025_units), _public(mm, to_2025_units)
    # what the result holds, for a later merge to check it came whole (members deleted by hand, a file not copied)
    meta["households"], meta["members"] = int(len(public_hh)), int(len(public_mm))
    results = Results(households=public_hh, members=public_mm, summary=summary, findings=findings_df, meta=meta,
                      extra_sheets=extra)
    return MergeResult(results=results, unit=parent.code, level=plan.level, missing_units=[c for c, _ in missing],
                       reconciled=diff.empty, findings=findings, unit_name=parent.name, balanced=not moves_bad,
                       pending=pending_sheet)


_SLIM = ("unit", "_old_unit", "phan_loai", "phan_loai_dau_ky", "dau_ky", "dien_bien", "tinh_trang_ho", "_persons")


def _slim(hh: pd.DataFrame, group: str) -> pd.DataFrame:
    """The columns that counting and the movement tables read, plus ``_grp`` (the unit of the level below)."""
    out = hh[[c for c in _SLIM if c in hh.columns]].copy()
    out["_grp"] = hh[group].astype("string") if group in hh.columns else pd.Series(pd.NA, index=hh.index, dtype="string")
    if "_old_unit" not in out.columns:
        out["_old_unit"] = pd.Series(pd.NA, index=hh.index, dtype="string")
    if "_persons" not in out.columns:
        out["_persons"] = pd.Series(0, index=hh.index, dtype="int64")
    return out


def _check_crosswalk_overlap(inps: list[Input], rules: dict[str, OldUnitRule], reg: Registry) -> None:
    new_present = {c: inp.label for inp in inps if reg.era(inp.as_of) == AFTER for c in inp.units}
    for inp in inps:
        if reg.era(inp.as_of) != BEFORE:
            continue
        for code in inp.units:
            rule = rules[code]
            # where its households can go: not a new commune that took only an area of it empty of people (the
            # crosswalk sends the whole population elsewhere)
            reach = [rule.target] if rule.target is not None else list(rule.candidates)
            clash = [c for c in reach if c in new_present]
            if clash:
                raise _refuse(f"{inp.label}: xã cũ {code} đã nhập (một phần) vào xã mới {clash[0]}, mà xã mới này đã có "
                              f"kết quả riêng trong {new_present[clash[0]]}; gộp cả hai sẽ tính trùng hộ.",
                              f"{inp.label}: old commune {code} went (partly) into new commune {clash[0]}, which has "
                              f"its own results in {new_present[clash[0]]}; merging both would count households twice.",
                              "Chỉ giữ một trong hai tệp.", "Keep only one of the two files.")


def _apply_crosswalk(hh: pd.DataFrame, mm: pd.DataFrame, rules: dict[str, OldUnitRule], user_map: pd.DataFrame | None,
                     notes: list[Finding]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    old = (hh["_era"] == BEFORE).to_numpy(dtype=bool)
    village = hh["thon"] if "thon" in hh.columns else pd.Series(pd.NA, index=hh.index, dtype="string")
    target, basis = map_households(hh["unit"].astype("string"), village, rules, user_map)
    if user_map is not None:
        elsewhere: dict[str, int] = {}
        present = set(hh["unit"][old].astype("string").dropna().tolist())
        for line, code, written, villages in unused_lines(user_map, hh["unit"][old], village[old]):
            if code not in present:  # an old commune none of the results holds (a province-wide file, a district merge)
                elsewhere[code] = elsewhere.get(code, 0) + 1
                continue
            shown = " / ".join(villages[:10]) + (" …" if len(villages) > 10 else "")
            notes.append(note("crosswalk-mapping-unused", key="unit", value=line, detail=code, other=written,
                              choices=f" ({shown})" if villages else " (các hộ của xã cũ này không ghi thôn)",
                              choices_en=f" ({shown})" if villages else " (this old commune's households record no "
                              "village)"))
        if elsewhere:  # said once, not a warning per line
            codes = sorted(elsewhere)
            notes.append(note("crosswalk-mapping-elsewhere", value=str(sum(elsewhere.values())), detail=str(len(codes)),
                              other=", ".join(codes[:10]) + (" …" if len(codes) > 10 else "")))
    target = target.where(old, hh["unit"].astype("string"))
    basis = basis.where(old, pd.NA)
    own = text(hh["ma_xa"]) if "ma_xa" in hh.columns else hh["unit"].astype("string")
    hh["ma_xa_cu"] = own.where(old, pd.NA)
    hh["co_so_quy_doi"] = basis.astype("string")
    wait = (old & target.isna().to_numpy())
    mapped = old & ~wait
    hh.loc[mapped, "ma_xa"] = target[mapped]
    hh.loc[mapped, "unit"] = target[mapped]
    used_rules = set(hh.loc[mapped, "_old_unit"].astype(str))
    for code, rule in sorted(rules.items()):
        if rule.basis == BASIS_POPULATION and code in used_rules:
            notes.append(note("crosswalk-by-population", key="unit", value=f"{code} {rule.old_name}",
                              detail=rule.target_label))
    pending = hh[wait].copy()
    hh = hh[~wait].copy()
    notes.extend(_shared_codes(hh))
    notes.extend(_moved_between_old(hh, mm))
    for code, grp in pending.groupby("_old_unit", sort=True):
        rule = rules[str(code)]
        notes.append(note("crosswalk-pending", key="unit", value=len(grp), other=int(grp["_persons"].sum()),
                          detail=f"{code} {rule.old_name}", file=str(grp["source_file"].iloc[0])))
    # members follow their household: to its new commune, or to the pending list with it
    key_h = pd.MultiIndex.from_arrays([hh["_in"].to_numpy(), hh["_pos"].to_numpy()])
    key_p = pd.MultiIndex.from_arrays([pending["_in"].to_numpy(), pending["_pos"].to_numpy()])
    key_m = pd.MultiIndex.from_arrays([mm["_in"].to_numpy(), mm["_pos"].to_numpy()])
    m_old = (mm["_era"] == BEFORE).to_numpy(dtype=bool)
    orphan = (mm["_pos"] < 0).to_numpy(dtype=bool)
    in_pending = key_m.isin(key_p) & ~orphan
    new_unit = pd.Series(pd.Series(hh["unit"].to_numpy(), index=key_h).reindex(key_m).to_numpy(),
                         index=mm.index, dtype="string")
    new_basis = pd.Series(pd.Series(hh["co_so_quy_doi"].to_numpy(), index=key_h).reindex(key_m).to_numpy(),
                          index=mm.index, dtype="string")
    # a member of no household moves only when its whole old commune does; otherwise its unit is left blank
    o_unit = mm["unit"].astype("string")
    new_unit = new_unit.mask(orphan, o_unit.map({k: r.target for k, r in rules.items()}).astype("string"))
    new_basis = new_basis.mask(orphan, o_unit.map({k: r.basis for k, r in rules.items()}).astype("string"))
    own = text(mm["ma_xa"]) if "ma_xa" in mm.columns else o_unit
    mm["ma_xa_cu"] = own.where(m_old, pd.NA).astype("string")
    mm["co_so_quy_doi"] = new_basis.where(m_old, pd.NA).astype("string")
    mm["unit"] = o_unit.mask(m_old, new_unit)
    if "ma_xa" in mm.columns:
        mm["ma_xa"] = text(mm["ma_xa"]).mask(m_old, new_unit)
    if in_pending.any() and {"quan_he", "so_dinh_danh"} <= set(mm.columns):
        # each waiting household's head's ID (its members are not in the result): a later round's start list finds
        # it by that ID wherever it went and however it was renumbered
        heads = mm[in_pending & (mm["quan_he"].astype("string") == "Chủ hộ").fillna(False).to_numpy(dtype=bool)]
        heads = heads[~pd.MultiIndex.from_arrays([heads["_in"], heads["_pos"]]).duplicated(keep=False)]
        ids = pd.Series(heads["so_dinh_danh"].astype("string").to_numpy(),
                        index=pd.MultiIndex.from_arrays([heads["_in"].to_numpy(), heads["_pos"].to_numpy()]))
        pending["so_dinh_danh_chu_ho"] = pd.array(ids.reindex(key_p).to_numpy(), dtype="string")
    mm = mm[~in_pending].copy()
    return hh, mm, pending


def _size_unknown(hh: pd.DataFrame) -> np.ndarray:
    """The households counted 0 persons whose persons are in truth not known: no member rows (0 counted) and no
    size written — not the later row of a code written twice whose persons its other row counts."""
    if "_persons" not in hh.columns or "so_thanh_vien" not in hh.columns or not len(hh):
        return np.zeros(len(hh), dtype=bool)
    maybe = np.array(((hh["_persons"] == 0) & pd.to_numeric(hh["so_thanh_vien"], errors="coerce").isna())
                     .to_numpy(dtype=bool))  # (a copy: Arrow's may be read-only)
    if maybe.any() and "ma_ho" in hh.columns:
        keys = [k for k in ("source_file", "ma_xa", "ma_ho") if k in hh.columns]
        twice = hh[keys].astype("string").duplicated(keep=False).to_numpy(dtype=bool) \
            & hh["ma_ho"].notna().to_numpy(dtype=bool)
        maybe &= ~twice
    return maybe


def _moved_between_old(hh: pd.DataFrame, mm: pd.DataFrame) -> list[Finding]:
    """The pairs of movements.moved_within_pairs in a new commune whose two households were in two old communes now
    one new commune: a move inside it, counted as its decrease and its increase — said on the arrival
    (moved-within-commune; within one old commune's return, classify said it already)."""
    need = {"tinh_trang_ho", "ma_xa_cu", "ma_ho", "unit", "_in", "_pos"}
    if not len(hh) or not need <= set(hh.columns) or not {"quan_he", "so_dinh_danh", "_in", "_pos"} <= set(mm.columns):
        return []
    is_head = text(mm["quan_he"]).str.strip().str.lower().eq("chủ hộ").fillna(False).to_numpy(dtype=bool)
    heads = mm[is_head]
    by_household = pd.Series(text(heads["so_dinh_danh"]).str.strip().to_numpy(),
                             index=pd.MultiIndex.from_arrays([heads["_in"].to_numpy(), heads["_pos"].to_numpy()]))
    by_household = by_household[~by_household.index.duplicated(keep=False)]
    head = pd.Series(by_household.reindex(pd.MultiIndex.from_arrays([hh["_in"].to_numpy(), hh["_pos"].to_numpy()]))
                     .to_numpy(), index=hh.index, dtype="string")
    at, partner = moved_within_pairs(hh["unit"], head, Coded.of(text(hh["tinh_trang_ho"])))
    origin = hh["ma_xa_cu"].astype("string").fillna(hh["unit"].astype("string")).to_numpy(dtype=object)
    codes = text(hh["ma_ho"]).to_numpy(dtype=object)
    out: list[Finding] = []
    for i, j in zip(at.tolist(), partner.tolist(), strict=True):
        if origin[i] == origin[j]:
            continue  # one old commune's own pair: said when its return was classified
        r = hh.iloc[i]
        out.append(note("moved-within-commune", file=text_or_empty(r.get("file")) or text_or_empty(r.get("source_file")),
                        sheet=text_or_empty(r.get("sheet")), row=_row_int(r.get("row")), key="tinh_trang_ho",
                        value=text_or_empty(codes[i]), other=f"{codes[j]} ({origin[j]})"))
    return out


def _shared_codes(hh: pd.DataFrame) -> list[Finding]:
    """Households of two old communes with one household code, now in one new commune: a finding at each."""
    if "ma_ho" not in hh.columns or not len(hh):
        return []
    origin = hh["ma_xa_cu"].astype("string").fillna(hh["unit"].astype("string"))
    d = pd.DataFrame({"unit": hh["unit"].astype("string").to_numpy(), "ho": text(hh["ma_ho"]).to_numpy(),
                      "origin": origin.to_numpy()}, index=hh.index).dropna(subset=["unit", "ho"])
    spread = d.groupby(["unit", "ho"], sort=False)["origin"].transform("nunique")
    d = d[(spread > 1).to_numpy(dtype=bool)]
    out: list[Finding] = []
    for (unit, ho), grp in d.groupby(["unit", "ho"], sort=True):
        origins = grp["origin"].tolist()
        for i, at in enumerate(grp.index):
            r = hh.loc[at]
            others = sorted({o for j, o in enumerate(origins) if origins[j] != origins[i]})
            out.append(note("crosswalk-household-code-shared", file=text_or_empty(r.get("file")) or text_or_empty(r.get("source_file")),
                            sheet=text_or_empty(r.get("sheet")), row=_row_int(r.get("row")), key="ma_ho", value=ho,
                            detail=origins[i], other=", ".join(others), unit=unit))
    return out


def _order(hh: pd.DataFrame, mm: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sort rows by content (unit, household code, source location) and number households 0..n-1 in that order,
    so the output does not depend on the order of the inputs or on the route through the hierarchy."""
    keys = [c for c in ("unit", "ma_ho", "file", "sheet", "row", "source_file", "ma_xa_cu") if c in hh.columns]
    hh = hh.sort_values(keys, kind="stable", na_position="last", key=sort_key).reset_index(drop=True)
    new_uid = pd.Series(np.arange(len(hh), dtype="int64"),
                        index=pd.MultiIndex.from_arrays([hh["_in"].to_numpy(), hh["_pos"].to_numpy()]))
    hh["uid"] = new_uid.to_numpy()
    key_m = pd.MultiIndex.from_arrays([mm["_in"].to_numpy(), mm["_pos"].to_numpy()])
    mm["uid"] = pd.array(new_uid.reindex(key_m).to_numpy(), dtype="Int64")
    mkeys = [c for c in ("uid", "unit", "stt", "file", "sheet", "row", "source_file") if c in mm.columns]
    mm = mm.sort_values(mkeys, kind="stable", na_position="last", key=sort_key).reset_index(drop=True)
    return hh, mm


def _public(df: pd.DataFrame, crosswalk: bool) -> pd.DataFrame:
    """Columns as written: the input columns, then provenance (and crosswalk columns); internal ones dropped."""
    tail = [*PROVENANCE, *(CROSSWALK_COLUMNS if crosswalk else ())]
    for c in tail:
        if c not in df.columns:
            df[c] = pd.Series(pd.NA, index=df.index, dtype="string")
    head = [c for c in df.columns if c not in tail and c not in INTERNAL]
    out = df[[*head, *tail]].copy(deep=False)  # the rows are not copied again: df is dropped after
    for c in tail:
        out[c] = out[c].astype("string")
    return out


def _coverage(reg: Registry, parent: Unit, tgt: date, inps: list[Input], keep: list[set[str]], present: list[str],
              files_of: dict[str, str], n_hh: pd.Series, pending: pd.DataFrame, rules: dict[str, OldUnitRule],
              crosswalk: bool, placed: set[tuple[str, str]] | None = None,
              ) -> tuple[pd.DataFrame, list[tuple[str, str]], list[tuple[str, str, list[str]]]]:
    """The coverage table (one row per expected commune), the missing units (code, name) and, in the 2025
    units, the communes with figures from only some of their old communes (code, name, the old communes
    missing); ``n_hh``: households per unit; ``placed``: (old, new) commune pairs holding households — an old
    commune split among new ones counts for a new one only when some of its households are placed there (not
    all waiting for a decision)."""
    split = {k for k, r in rules.items() if len(r.candidates) > 1}
    expected = reg.communes_of(parent.code, tgt)
    if not crosswalk:
        got = set(present)
        cov = pd.DataFrame({
            "ma_tinh": pd.array([u.province_code for u in expected], dtype="string"),
            "ma_huyen": pd.array([u.district_code for u in expected], dtype="string"),
            "ten_huyen": [u.district_name for u in expected],
            "ma_xa": pd.array([u.code for u in expected], dtype="string"),
            "ten_xa": [u.name for u in expected],
            "co_du_lieu": pd.array([u.code in got for u in expected], dtype="boolean"),
            "tep": pd.array([files_of.get(u.code) for u in expected], dtype="string"),
            "so_ho_da_doc": pd.array([int(n_hh.get(u.code, 0)) if u.code in got else None for u in expected],
                                     dtype="Int64"),
        })
        if reg.era(tgt) == AFTER:
            cov = cov.drop(columns=["ma_huyen", "ten_huyen"])
        missing = [(u.code, u.name) for u in expected if u.code not in got]
        return cov, missing, []
    old_present = {c for inp, k in zip(inps, keep, strict=True) if reg.era(inp.as_of) == BEFORE for c in k}
    new_present = {c for inp, k in zip(inps, keep, strict=True) if reg.era(inp.as_of) == AFTER for c in k}
    pend_by_new: Counter[str] = Counter()
    if len(pending):
        per_old = pending.groupby("_old_unit").size()
        for old_code, n in per_old.items():
            for c in rules[str(old_code)].candidates:
                pend_by_new[c] += int(n)
    rows, missing, partial = [], [], []
    def peopled(old: str, new: str) -> bool:
        """Whether some of the old commune's population can be in the new one: not when the crosswalk sends its
        whole population to another (only an empty area of it came)."""
        rule = rules.get(old) or rule_for(reg, old)
        return rule.target is None or rule.target == new

    for u in expected:
        preds = sorted({e.old_code for e in reg.predecessors(u.code) if peopled(e.old_code, u.code)})
        have = [p for p in preds if p in old_present and (p not in split or (p, u.code) in (placed or set()))]
        lacking = [p for p in preds if p not in have]
        if u.code in new_present or (preds and not lacking and not pend_by_new.get(u.code)):
            state = FULL
        elif have or pend_by_new.get(u.code):
            state = PART
        else:
            state = NONE
        if state == NONE or state == PART and not int(n_hh.get(u.code, 0)):  # no household counted in it
            missing.append((u.code, u.name))
        elif state == PART and lacking:  # it has figures: not missing, but not whole (households waiting for a
            partial.append((u.code, u.name, lacking))  # crosswalk decision are said by crosswalk-pending)
        srcs = sorted({files_of[p] for p in have if p in files_of} | ({files_of[u.code]} if u.code in new_present else set()))
        rows.append({"ma_tinh": u.province_code, "ma_xa": u.code, "ten_xa": u.name, "du_lieu": state,
                     "xa_cu": "; ".join(preds), "xa_cu_thieu": "; ".join(lacking),
                     "tep": "; ".join(srcs) or None,
                     "so_ho_da_doc": int(n_hh.get(u.code, 0)) if state != NONE else None,
                     "ho_cho_co_the_vao": int(pend_by_new.get(u.code, 0))})
    cov = pd.DataFrame(rows, columns=["ma_tinh", "ma_xa", "ten_xa", "du_lieu", "xa_cu", "xa_cu_thieu", "tep",
                                      "so_ho_da_doc", "ho_cho_co_the_vao"])
    cov = cov.astype({"ma_tinh": "string", "ma_xa": "string", "so_ho_da_doc": "Int64", "ho_cho_co_the_vao": "Int64"})
    return cov, missing, partial


def _rows_below(reg: Registry, parent: Unit, level: str, tgt: date, coverage: pd.DataFrame,
                crosswalk: bool) -> tuple[str, list[tuple[str, str, str]]]:
    """(household column of the level below, [(code, name, data status)] of the expected units of that level)."""
    if level == PROVINCE and reg.era(tgt) == BEFORE:
        rows = []
        for d in reg.districts_of(parent.code, tgt):
            sub = coverage[coverage["ma_huyen"] == d.code]
            n_have = int(sub["co_du_lieu"].fillna(False).sum())
            state = NONE if n_have == 0 else FULL if n_have == len(sub) else PART
            rows.append((d.code, d.name, state))
        return "ma_huyen", rows
    if crosswalk:
        return "unit", [(r.ma_xa, r.ten_xa, r.du_lieu) for r in coverage.itertuples()]
    return "unit", [(r.ma_xa, r.ten_xa, FULL if r.co_du_lieu else NONE) for r in coverage.itertuples()]


def _pending_sheet(pending: pd.DataFrame, rules: dict[str, OldUnitRule]) -> pd.DataFrame:
    cols = ["ma_xa_cu", "ten_xa_cu", "thon", "ma_ho", "ho_ten_chu_ho", "so_dinh_danh_chu_ho", "phan_loai", "so_nhan_khau",
            "xa_moi_co_the", "source_file", "file", "sheet", "row"]
    if pending.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    old = pending["_old_unit"].astype("string")

    def col(c: str) -> pd.Series:
        return pending[c].astype("string") if c in pending.columns else pd.Series(pd.NA, index=pending.index, dtype="string")

    out = pd.DataFrame({
        "ma_xa_cu": old,
        "ten_xa_cu": old.map({k: r.old_name for k, r in rules.items()}).astype("string"),
        "thon": col("thon"), "ma_ho": col("ma_ho"), "ho_ten_chu_ho": col("ho_ten_chu_ho"),
        "so_dinh_danh_chu_ho": col("so_dinh_danh_chu_ho"), "phan_loai": class_of(pending), "so_nhan_khau": pending["_persons"].astype("Int64").mask(
            pending["_size_unknown"].fillna(False).to_numpy(dtype=bool) if "_size_unknown" in pending.columns
            else np.zeros(len(pending), dtype=bool)),
        "xa_moi_co_the": old.map({k: r.candidate_labels for k, r in rules.items()}).astype("string"),
        "source_file": col("source_file"), "file": col("file"), "sheet": col("sheet"),
        "row": pending["row"].astype("Int64") if "row" in pending.columns else pd.array([None] * len(pending), dtype="Int64"),
    })
    return out.sort_values(["ma_xa_cu", "thon", "ma_ho"], kind="stable", na_position="last").reset_index(drop=True)


def _round_year(used: list[Input]) -> int | None:
    """The round's year of a merge: the year most of its inputs are of."""
    from collections import Counter

    years = Counter(inp.review_year for inp in used if inp.review_year)
    return max(years, key=lambda y: (years[y], y)) if years else None


# what a merge works out again over every input, so an input's own copy is not carried: the units missing; and
# the same person or household in two units where this merge finds it again (a district's pairs are found again by
# the province's merge) — one found inside a unit (two files of one commune) is the input's alone, and kept
RECOMPUTED = ("merge-unit-missing", "merge-unit-partial")
FOUND_AGAIN = ("id-duplicate-batch", "merge-household-duplicate-units")


def _returns_of(inp: Input) -> list[str]:
    """The commune returns an input's households came from (their findings name them), as its metadata records:
    a commune result's inputs, a merge's entries' returns."""
    entries = inp.meta.get("inputs")
    out: set[str] = set()
    for e in entries if isinstance(entries, list) else []:
        if not isinstance(e, dict):
            continue
        if isinstance(e.get("returns"), list):
            out.update(str(f) for f in e["returns"])
        elif inp.kind != DISTRICT_KIND and e.get("file"):
            out.add(str(e["file"]))
    return sorted(out)


def _without_dropped(found: pd.DataFrame, inp: Input, kept: set[str]) -> pd.DataFrame:
    """An input's findings without those of the returns of units this merge took from another input (a newer
    result of a commune, the other of two overlapping district merges): a commune is told its findings once, and
    never those of a version it has replaced."""
    dropped = set(inp.units) - kept
    if not dropped or found.empty or "file" not in found.columns:
        return found
    if inp.unit_sources:  # a district merge's entries name each unit's returns
        def files(units: set[str]) -> set[str]:
            return {str(f) for u in units if (e := inp.unit_sources.get(u)) for f in e.get("returns") or []}
    else:  # a result of several communes' returns classified together: each unit's returns, from its households
        hh = inp.households()
        if "file" not in hh.columns or "ma_xa" not in hh.columns:
            return found
        pairs = pd.DataFrame({"u": text(hh["ma_xa"]), "f": hh["file"].astype("string")}).dropna().drop_duplicates()
        by_unit = pairs.groupby("u")["f"].agg(set).to_dict()

        def files(units: set[str]) -> set[str]:
            return {str(f) for u in units for f in by_unit.get(u, ())}

    gone = files(dropped) - files(kept)
    if not gone:
        return found
    return found[~found["file"].astype("string").isin(gone).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def _without_missing_units(found: pd.DataFrame, again: AbstractSet[tuple[str, str, int | None, str]] = frozenset()
                           ) -> pd.DataFrame:
    """An input's findings but for what this merge works out again (``again``: (file name, sheet, row, code) of
    the duplicates it found)."""
    if "code" not in found.columns:
        return found
    code = found["code"].astype("string")
    drop = code.isin(RECOMPUTED).fillna(False).to_numpy(dtype=bool, copy=True)
    maybe = np.flatnonzero(code.isin(FOUND_AGAIN).fillna(False).to_numpy(dtype=bool))
    if len(maybe) and again:
        sub = found.iloc[maybe]
        rows = pd.to_numeric(sub["row"], errors="coerce") if "row" in sub else pd.Series(np.nan, index=sub.index)
        for j, (file, sheet, row, c) in enumerate(zip(sub.get("file", ""), sub.get("sheet", ""), rows, sub["code"],
                                                      strict=True)):
            key = (Path(str(file)).name, str(sheet), None if pd.isna(row) else int(row), str(c))
            drop[maybe[j]] = key in again
    return found[~drop]


def _meta(plan: _Plan, missing: list[tuple[str, str]], reconciled: bool, balanced: bool, crosswalk: bool,
          pending: pd.DataFrame, prefer: str | None, allow_mixed: bool, partial: bool = False) -> dict[str, Any]:
    used = [(inp, k) for inp, k in zip(plan.inputs, plan.keep, strict=True) if k]
    reviews = [inp.review_date for inp, _k in used if inp.review_date]
    entries = [{"file": inp.label, "sha256": inp.sha256, "level": inp.kind, "units": sorted(k),
                "dropped_units": sorted(set(inp.units) - k), "returns": _returns_of(inp),
                "result_sha256": inp.result_sha256 or inp.sha256, "standard": inp.standard,
                "tool_version": inp.tool_version, "run_time": inp.run_time.isoformat() if inp.run_time else None,
                "review_date": inp.review_date.isoformat() if inp.review_date else None}
               for inp, k in zip(plan.inputs, plan.keep, strict=True)]
    meta: dict[str, Any] = {
        "tool_version": __version__,
        "standard": ";".join(sorted({inp.standard for inp, _k in used if inp.standard})),
        "standard_sha256": ";".join(sorted({inp.standard_sha256 for inp, _k in used if inp.standard_sha256})),
        "local_standard": ";".join(sorted({inp.local_standard for inp, _k in used if inp.local_standard})) or None,
        "source_tool_version": ";".join(sorted({inp.tool_version for inp, _k in used if inp.tool_version})),
        "level": plan.level,
        "unit": plan.parent.code,
        "unit_name": plan.parent.name,
        "review_date": max(reviews).isoformat() if reviews else plan.as_of.isoformat(),
        "review_year": _round_year([inp for inp, _k in used]),
        "units_as_of": plan.as_of.isoformat(),  # the unit list the output's codes belong to
        "run_time": datetime.now().replace(microsecond=0).isoformat(),
        "inputs": entries,
        "duplicate_files": plan.duplicate_files,
        "partial": bool(missing) or partial,
        "missing_units": [{"code": c, "name": n} for c, n in missing],
        "reconciled": reconciled,
        "movements_balanced": balanced,
        "to_2025_units": crosswalk,
        "prefer": prefer or "",
        "allow_mixed": allow_mixed,
    }
    # the standard's parameters the forms count with (a province's own file is not at hand where the merge is
    # reported): kept when every input was classified under the one standard
    # which indicators each standard holds, for the forms of a merge across standards (a unit's households not
    # classified on an indicator leave its count blank): from each input, or from the parameters it kept
    held: dict[str, list[str]] = {}
    for inp, _k in used:
        said = inp.meta.get("standard_indicators")
        if isinstance(said, dict):
            held.update({str(k): [str(x) for x in v] for k, v in said.items() if isinstance(v, list)})
        kept = inp.meta.get("standard_params")
        if isinstance(kept, dict) and isinstance(kept.get("indicators"), dict) and kept.get("id"):
            held.setdefault(str(kept["id"]), [str(k) for k in kept["indicators"]])
    if held:
        meta["standard_indicators"] = held
    params = [inp.meta.get("standard_params") for inp, _k in used]
    first = params[0] if params and isinstance(params[0], dict) else None
    if first is not None and first.get("sha256") and all(isinstance(p, dict) and p.get("sha256") == first["sha256"]
                                                         for p in params):
        meta["standard_params"] = first
    if crosswalk:
        meta["crosswalk_pending"] = _pending_summary(pending)
    return meta


def _pending_summary(pending: pd.DataFrame) -> dict[str, Any]:
    if pending.empty:
        return {"households": 0, "persons": 0, "by_old_commune": []}
    g = pending.groupby("_old_unit", sort=True)
    by = [{"ma_xa_cu": str(k), "households": int(len(v)), "persons": int(v["_persons"].sum())} for k, v in g]
    return {"households": int(len(pending)), "persons": int(pending["_persons"].sum()), "by_old_commune": by}


# ---------------------------------------------------------------------------------------------------- outputs
def summary_json(m: MergeResult) -> dict[str, Any]:
    """The merge in a few numbers, for `hgn merge --json`: households and persons present at the end of the
    period, by class; those that left; coverage, reconciliation and movement balance."""
    summary = m.results.summary
    total = summary.iloc[-1] if len(summary) else pd.Series(dtype="object")

    def num(key: str) -> int:
        v = total.get(key) if len(total) else None
        return 0 if v is None or pd.isna(v) else int(v)

    by_class = {cls: {"households": num(f"ho_{CLASS_SLUG[cls]}"), "persons": num(f"nhan_khau_{CLASS_SLUG[cls]}")}
                for cls in CLASS_ORDER}
    meta = m.results.meta
    out: dict[str, Any] = {
        "unit": m.unit, "unit_name": m.unit_name, "level": m.level,
        "households": num("so_ho"), "persons": num("so_nhan_khau"), "by_class": by_class,
        # households whose persons are not known (no member rows, size blank): the persons above leave them out
        "persons_unknown_households": sum(int(f.value or 0) for f in m.findings if f.code == "merge-persons-unknown"),
        "departed": {"households": num("ho_roi_di"), "persons": num("nhan_khau_roi_di")},
        "missing_units": list(m.missing_units),
        "missing_units_named": meta.get("missing_units", [{"code": c, "name": ""} for c in m.missing_units]),
        "reconciled": m.reconciled, "partial": bool(meta.get("partial", m.missing_units)),
        # the results whose figures the merge does not find again (merge-reconciliation-mismatch), for the terminal
        "unreconciled": sorted({Path(f.file).name for f in m.findings
                                if f.code == "merge-reconciliation-mismatch" and f.file}),
        "movements_balanced": m.balanced,
        "inputs": len(meta.get("inputs", [])), "findings": _written_counts(m),
    }
    if "crosswalk_pending" in meta:
        out["crosswalk_pending"] = meta["crosswalk_pending"]
    return out


def _written_counts(m: MergeResult) -> dict[str, int]:
    """Findings by severity as the result's findings sheet holds them: the merge's own and the inputs' it carries
    (the count said points to that sheet)."""
    counts = Report(findings=list(m.findings)).counts()
    found = m.results.findings
    if found is None or found.empty or "severity" not in found.columns:
        return counts
    by = found["severity"].astype("string").value_counts()
    return {k: int(by.get(k, 0)) for k in counts}


def write_merge(m: MergeResult, out: Path, parquet_dir: Path | None = None, lang: str = "vi") -> list[Path]:
    """Write the merged results workbook (and a Parquet bundle with meta.json, so the folder can be merged again);
    its findings sheet in ``lang``."""
    return write_results(m.results, Path(out), parquet_dir, lang)

