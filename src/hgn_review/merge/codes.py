"""Finding codes of the merge stage.

``MERGE_CODES`` lists the codes merge needs beyond the shared catalogue (``hgn_review.findings.CATALOGUE``), as
(code, severity, Vietnamese template, English template, Vietnamese hint, English hint). Until they are added to
the catalogue, :func:`note` makes a :class:`PendingFinding` for them: a ``Finding`` that takes its severity and
messages from this list, so reports, counts and frames work unchanged. Once a code is in the catalogue, ``note``
returns a plain ``Finding``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hgn_review.findings import CATALOGUE, ERROR, INFO, WARNING, Finding, finding

MERGE_CODES: list[tuple[str, str, str, str, str, str]] = [
    ("merge-unit-missing", WARNING,
     "Thiếu kết quả của {value} ({detail}): gộp chưa đủ đơn vị.",
     "No results for {value} ({detail}): the merge is partial.",
     "Bổ sung tệp kết quả của đơn vị này rồi gộp lại.", "Add this unit's results file and merge again."),
    ("merge-unit-duplicate-resolved", WARNING,
     "Đơn vị {value} có trong nhiều tệp; dùng {other}, bỏ dữ liệu của đơn vị này trong tệp hiện tại ({detail}).",
     "Unit {value} is in several files; {other} is used and this file's data for the unit is dropped ({detail}).",
     "Kiểm tra đúng bản kết quả cuối cùng đã được chọn.", "Check that the final version was chosen."),
    ("merge-mixed-inputs", WARNING,
     "Các tệp dùng chuẩn hoặc phiên bản công cụ khác nhau ({detail}); đã gộp do có --allow-mixed.",
     "The files use different standards or tool versions ({detail}); merged because of --allow-mixed.",
     "Phân loại lại các xã bằng cùng một chuẩn và phiên bản nếu cần số liệu so sánh được.",
     "Reclassify the communes with one standard and version for comparable figures."),
    ("merge-household-outside-parent", ERROR,
     "Hộ ghi mã xã \"{value}\" không thuộc {detail}; vẫn được tính vào đơn vị của tệp ({other}).",
     "The household's commune code \"{value}\" is not in {detail}; still counted under the file's unit ({other}).",
     "Kiểm tra mã xã của hộ.", "Check the household's commune code."),
    ("merge-household-duplicate-units", ERROR,
     "Hộ mã \"{value}\" (xã {detail}) có ở nhiều đơn vị: {other}.",
     "Household \"{value}\" (commune {detail}) is in several units: {other}.",
     "Xác minh hộ thuộc đơn vị nào và xóa bản ghi thừa.", "Find out which unit the household belongs to; delete the other record."),
    ("merge-reconciliation-mismatch", ERROR,
     "Đối chiếu không khớp tại {value}: {detail}.",
     "Reconciliation does not match for {value}: {detail}.",
     "Xem sheet \"Đối chiếu\"; kiểm tra tệp nguồn có bị sửa tay không.",
     "See the \"Đối chiếu\" sheet; check whether the source file was edited by hand."),
    ("crosswalk-pending", WARNING,
     "{value} hộ ({other} nhân khẩu) của xã cũ {detail} chưa quy đổi được sang xã mới (danh mục sắp xếp 1/7/2025 không cho biết hộ thuộc xã mới nào); không tính vào tổng của xã mới.",
     "{value} households ({other} persons) of old commune {detail} could not be mapped to a new commune (the 1/7/2025 crosswalk does not say which); left out of the new units' totals.",
     "Xem sheet \"Chờ quy đổi\"; quyết định xã mới theo thôn rồi gộp lại với --mapping.",
     "See the \"Chờ quy đổi\" sheet; decide the new commune by village and merge again with --mapping."),
    ("crosswalk-by-population", INFO,
     "Xã cũ {value} nhập một phần diện tích nhưng toàn bộ dân số vào {detail}: các hộ được quy đổi sang xã này.",
     "Old commune {value} went partly by area but wholly by population into {detail}: its households are mapped there.",
     "", ""),
]

_BY_CODE = {row[0]: row for row in MERGE_CODES}


@dataclass(frozen=True)
class PendingFinding(Finding):
    """A merge finding whose code is not yet in the shared catalogue: severity and text come from MERGE_CODES."""

    @property
    def severity(self) -> str:
        return _BY_CODE[self.code][1]

    def message(self, lang: str = "vi") -> str:
        entry = _BY_CODE[self.code]
        template = entry[3] if lang == "en" else entry[2]
        values = {"value": self.value if self.value is not None else "", "header": self.column or "",
                  "detail": "", "other": "", "suggestion": "", "proposal": ""}
        values.update(dict(self.params))
        return template.format(**values)

    def hint(self, lang: str = "vi") -> str:
        entry = _BY_CODE[self.code]
        return entry[5] if lang == "en" else entry[4]


def note(code: str, *, file: str = "", sheet: str = "", row: int | None = None, column: str | None = None,
         key: str | None = None, value: Any = None, **params: Any) -> Finding:
    """A finding of `code`: from the shared catalogue when it is there, else from MERGE_CODES."""
    if code in CATALOGUE:
        return finding(code, file=file, sheet=sheet, row=row, column=column, key=key, value=value, **params)
    if code not in _BY_CODE:
        raise KeyError(f"unknown finding code {code!r}")
    return PendingFinding(code=code, file=file, sheet=sheet, row=row, column=column, key=key,
                          value=None if value is None else str(value),
                          params=tuple(sorted((k, str(v)) for k, v in params.items())))


def catalogue_entries() -> str:
    """The MERGE_CODES as `_c(...)` lines ready to paste into findings.CATALOGUE (group "merge")."""
    lines = []
    for code, sev, vi, en, hvi, hen in MERGE_CODES:
        sev_name = {ERROR: "ERROR", WARNING: "WARNING", INFO: "INFO"}[sev]
        lines.append(f"    _c({code!r}, {sev_name}, \"merge\",\n       {vi!r},\n       {en!r},\n       {hvi!r}, {hen!r}),")
    return "\n".join(lines)
