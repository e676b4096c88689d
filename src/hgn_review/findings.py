"""Findings are values: one problem in the data, located where the officer can act on it.

The catalogue below is the single list of codes. Codes are stable (never renamed); messages are Vietnamese
by default and English with ``lang="en"``. A message template may use ``{value}``, ``{header}`` and any
parameter passed when the finding is made.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITY_RANK = {INFO: 0, WARNING: 1, ERROR: 2}
SEVERITY_VI = {ERROR: "Lỗi", WARNING: "Cảnh báo", INFO: "Thông tin"}


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    group: str
    vi: str
    en: str
    hint_vi: str = ""
    hint_en: str = ""


def _c(code: str, severity: str, group: str, vi: str, en: str, hint_vi: str = "", hint_en: str = "") -> Code:
    return Code(code, severity, group, vi, en, hint_vi, hint_en)


CATALOGUE: dict[str, Code] = {c.code: c for c in [
    # --- files and structure ---
    _c("file-unreadable", ERROR, "structure",
       "Không đọc được tệp: {detail}", "The file cannot be read: {detail}",
       "Nếu Excel mở được tệp: lưu lại dưới dạng .xlsx (không đặt mật khẩu) rồi chạy lại; nếu không, đề nghị xã gửi "
       "lại tệp.", "If Excel opens it: save it as .xlsx (without a password) and run again; if not, ask the commune "
       "to send it again."),
    _c("file-check-failed", ERROR, "structure",
       "hgn gặp lỗi khi xử lý tệp này ({detail}); tệp chưa được kiểm tra, phân loại đầy đủ.",
       "hgn failed while processing this file ({detail}); it is not fully checked or classified.",
       "Đây là lỗi của chương trình, không phải của xã: các tệp khác vẫn được xử lý. Gửi tệp này cho người quản trị "
       "hgn (chạy lại với HGN_DEBUG=1 để xem chi tiết).",
       "This is a fault of hgn, not of the commune: the other files are processed. Send this file to whoever "
       "maintains hgn (HGN_DEBUG=1 shows the details)."),
    _c("file-too-large", ERROR, "structure",
       "Tệp vượt giới hạn an toàn ({detail}); không đọc tệp này.", "The file exceeds a safety limit ({detail}); not read.",
       "Kiểm tra tệp có đúng là biểu rà soát không; nếu đúng, tăng giới hạn bằng --max-cells.",
       "Check that this is a review return; if it is, raise the limit with --max-cells."),
    _c("file-duplicate", WARNING, "structure",
       "Tệp trùng nội dung với tệp {other}; chỉ xử lý một lần.", "Same content as {other}; processed once.",
       "Xóa bản sao khỏi thư mục.", "Remove the copy from the folder."),
    _c("file-not-merged", ERROR, "merge",
       "{value} hộ của tệp này không được đưa vào tổng hợp: {detail}.",
       "{value} households of this file are not in the consolidation: {detail}.",
       "Sửa các lỗi của tệp (xem các phát hiện khác của tệp) rồi chạy lại.",
       "Fix the file's errors (see its other findings) and run again."),
    _c("file-outside-round", ERROR, "merge",
       "Tệp thuộc {detail}, không thuộc {other} như các tệp khác của đợt này: {value} hộ của tệp không được đưa vào "
       "tổng hợp.",
       "The file belongs to {detail}, not to {other} as the round's other files: its {value} households are not in "
       "the consolidation.",
       "{remedy}", "{remedy}"),  # (OUTSIDE_UNIT or OUTSIDE_YEAR, as the call site says)
    _c("commune-in-two-returns", ERROR, "merge",
       "{detail} có trong nhiều tệp ({other}): {value} hộ của tệp này chưa được đưa vào tổng hợp.",
       "{detail} is in several files ({other}): this file's {value} households are not in the consolidation.",
       "Giữ một tệp cho mỗi xã — bỏ bản cũ ra khỏi thư mục, hoặc gộp các tệp theo thôn thành một — rồi chạy lại "
       "(các tệp khác không phải đọc lại).",
       "Keep one file per commune — take the old copy out, or join files by village into one — and run again (the "
       "others are not read again)."),
    _c("file-hgn-output", INFO, "structure",
       "Tệp do hgn ghi ra (sổ phát hiện, kết quả, biểu mẫu hoặc bản sao tô lỗi), không phải biểu rà soát: không đọc.",
       "A file hgn wrote (findings, results, a form or a highlighted copy), not a return: not read.",
       "Để các tệp kết quả ngoài thư mục biểu rà soát.", "Keep output files out of the returns folder."),
    _c("file-archive", WARNING, "structure",
       "Tệp nén: hgn không đọc các biểu rà soát ở bên trong.",
       "A compressed file: hgn does not read the returns inside it.",
       "Giải nén tệp vào thư mục biểu rà soát rồi chạy lại (các tệp đã đọc không phải đọc lại).",
       "Extract it into the returns folder and run again."),
    _c("file-shortcut", WARNING, "structure",
       "Lối tắt (shortcut) của Windows: hgn không mở biểu rà soát mà nó trỏ tới.",
       "A Windows shortcut: hgn does not open the return it points to.",
       "Chép chính biểu rà soát (không phải lối tắt) vào thư mục biểu rà soát rồi chạy lại.",
       "Copy the return itself (not a shortcut to it) into the returns folder and run again."),
    _c("file-extension-mismatch", WARNING, "structure",
       "Tệp mang đuôi {value} nhưng nội dung là {detail}; đã đọc theo nội dung.",
       "The file is named {value} but holds a {detail} workbook; read by its content.",
       "Mở tệp trong Excel và lưu lại (Save As) với đúng định dạng.", "Open it in Excel and save it as its format."),
    _c("layout-unknown", ERROR, "structure",
       "Không nhận ra mẫu biểu (không thấy sheet \"Hộ gia đình\" hay cột \"family.code\").",
       "Unknown layout (no \"Hộ gia đình\" sheet and no \"family.code\" column).",
       "Dùng mẫu do `hgn template` tạo, hoặc tệp xuất từ phần mềm rà soát.",
       "Use the workbook from `hgn template` or the review application's export."),
    _c("layout-members-only", ERROR, "structure",
       "Tệp chỉ có danh sách thành viên (không có danh sách hộ): không đọc riêng được.",
       "The file holds a members list only (no households list): it cannot be read on its own.",
       "Gửi biểu rà soát là một tệp .xlsx có cả sheet \"Hộ gia đình\" và \"Thành viên\" (mẫu `hgn template`); "
       "một tệp CSV chỉ chứa được một bảng.",
       "Send the return as one .xlsx with both the \"Hộ gia đình\" and \"Thành viên\" sheets (`hgn template`); a CSV "
       "file holds one table only."),
    _c("sheet-missing", ERROR, "structure",
       "Thiếu sheet \"{detail}\".", "Sheet \"{detail}\" is missing.",
       "Thêm sheet theo mẫu `hgn template`.", "Add the sheet as in `hgn template`."),
    _c("sheet-blank", ERROR, "structure",
       "Sheet trống hoàn toàn: không có dòng tiêu đề, không có dữ liệu.", "The sheet is blank: no header, no data.",
       "Dán lại bảng {how} (dòng tiêu đề và các dòng dữ liệu).",
       "Paste the table back {how} (the header and the data rows)."),
    _c("sheet-copy-ignored", WARNING, "structure",
       "Sheet này{detail} trùng tên với sheet \"{other}\" (bản sao?) nên không được đọc; chỉ đọc sheet \"{other}\".",
       "This sheet{detail} has the name of sheet \"{other}\" (a copy?) and is not read; only \"{other}\" is.",
       "Nếu dữ liệu đúng nằm ở sheet này, đổi tên nó thành \"{other}\" và đổi tên hoặc xoá bản kia.",
       "If the right data is in this sheet, give it the name \"{other}\" and rename or delete the other one."),
    _c("sheet-not-read", ERROR, "structure",
       "Sheet này cũng là bảng xuất từ phần mềm rà soát (có cột family.code) nhưng không được đọc; chỉ đọc sheet "
       "\"{other}\". Các hộ trong sheet này chưa được kiểm tra, phân loại, tổng hợp.",
       "This sheet is an export of the review application too (it has family.code) but is not read; only "
       "\"{other}\" is. Its households are not checked, classified or counted.",
       "Chép các dòng của sheet này vào sheet \"{other}\", hoặc lưu mỗi sheet thành một tệp riêng.",
       "Copy this sheet's rows into sheet \"{other}\", or save each sheet as a file of its own."),
    _c("sheet-members-beside-export", WARNING, "structure",
       "Sheet này có danh sách thành viên ({detail} dòng) nhưng tệp được đọc theo mẫu tệp xuất của phần mềm rà soát, "
       "không có danh sách thành viên: các dòng ở đây không được đọc — nhân khẩu tính theo số thành viên ghi ở sheet "
       "hộ, danh sách liên kết Cơ sở dữ liệu dân cư chỉ có chủ hộ.",
       "This sheet holds a member list ({detail} rows) but the file is read as the review application's export, which "
       "has none: these rows are not read — persons are counted from the size written on the households sheet, and "
       "the population-database list has the heads only.",
       "Nếu cần danh sách thành viên, chép hộ và thành viên sang mẫu `hgn template` (sheet \"Hộ gia đình\" và "
       "\"Thành viên\").",
       "If the member list is needed, copy the households and members into `hgn template`'s layout (sheets \"Hộ gia "
       "đình\" and \"Thành viên\")."),
    _c("sheet-table-not-read", ERROR, "structure",
       "Sheet này có các cột của sheet \"{other}\" nhưng không được đọc (mỗi biểu chỉ đọc một sheet hộ và một sheet "
       "thành viên): {detail} dòng ở đây chưa được kiểm tra, phân loại, tổng hợp.",
       "This sheet has the columns of sheet \"{other}\" but is not read (a return is read from one households sheet "
       "and one members sheet): its {detail} rows are not checked, classified or counted.",
       "Chép các dòng của sheet này vào cuối sheet \"{other}\" rồi xoá sheet này (cả xã trong một sheet hộ, một sheet "
       "thành viên).",
       "Copy this sheet's rows to the end of sheet \"{other}\" and delete this sheet (the whole commune in one "
       "households sheet and one members sheet)."),
    _c("sheet-found-by-headers", WARNING, "structure",
       "Không có sheet tên \"{other}\": đọc sheet này vì các cột của nó là của bảng \"{other}\".",
       "No sheet named \"{other}\": this sheet is read as it, its columns being that table's.",
       "Đổi tên sheet thành \"{other}\" như mẫu.", "Rename the sheet \"{other}\" as in the template."),
    _c("sheet-empty", WARNING, "structure",
       "Sheet không có dòng dữ liệu nào.", "The sheet has no data rows.",
       "Nhập danh sách vào sheet này (dưới dòng tiêu đề), hoặc kiểm tra có dán nhầm sang sheet khác không.",
       "Enter the list in this sheet (below the header row), or check it was not pasted into another sheet."),
    _c("header-not-found", ERROR, "structure",
       "Không tìm thấy dòng tiêu đề cột trong 30 dòng đầu.", "No header row found in the first 30 rows.",
       "Giữ nguyên dòng tiêu đề của mẫu.", "Keep the template's header row."),
    _c("column-missing", ERROR, "structure",
       "Thiếu cột bắt buộc \"{header}\"{suggestion}.", "Required column \"{header}\" is missing{suggestion}.",
       "Thêm cột {how}.", "Add the column {how}."),
    _c("column-missing-one-of", ERROR, "structure",
       "Thiếu cột bắt buộc: cần một trong các cột {detail}{suggestion}; không hộ nào xét được thu nhập.",
       "A required column is missing: one of {detail} is needed{suggestion}; no household's income can be tested.",
       "Thêm cột {how}, hoặc sửa tiêu đề cột cho đúng mẫu.",
       "Add the column {how}, or correct its header to the layout's."),
    _c("column-missing-soft", WARNING, "structure",
       "Thiếu cột \"{header}\"{suggestion}: {detail}.", "Column \"{header}\" is missing{suggestion}: {detail}.",
       "Thêm cột {how}, hoặc sửa tiêu đề cột cho đúng mẫu.",
       "Add the column {how}, or correct its header to the layout's."),
    _c("column-duplicated", ERROR, "structure",
       "Cột \"{header}\" xuất hiện nhiều lần (cột {detail}); chỉ dùng cột đầu tiên.",
       "Column \"{header}\" appears more than once (columns {detail}); the first is used.",
       "Xóa cột thừa.", "Delete the extra column."),
    _c("column-unknown", INFO, "structure",
       "Cột \"{header}\" không có trong mẫu nên không được đọc: không kiểm tra, không đưa vào kết quả (tệp của "
       "xã vẫn giữ nguyên cột này).",
       "Column \"{header}\" is not in the layout, so it is not read: not checked, not in the results (the commune's "
       "file keeps it as it is).",
       "Nếu đây là một cột của mẫu mà tiêu đề ghi khác, sửa tiêu đề cho đúng mẫu.",
       "If it is one of the layout's columns under another header, correct the header to the layout's."),
    _c("column-header-near", WARNING, "structure",
       "Cột \"{header}\" không có trong mẫu nhưng gần giống cột \"{other}\" của mẫu: số liệu của cột này chưa được đọc.",
       "Column \"{header}\" is not in the layout but close to its column \"{other}\": its values are not read.",
       "Nếu đây là cột \"{other}\", sửa tiêu đề cho đúng {how}.",
       "If this is the \"{other}\" column, correct its header {how}."),
    _c("column-unit-different", ERROR, "structure",
       "Tiêu đề cột \"{header}\" ghi đơn vị {detail}, khác đơn vị của mẫu {other}: số liệu của cột này không được "
       "đọc (hgn không tự quy đổi).",
       "The header of column \"{header}\" states the unit {detail}, not the layout's {other}: its values are not "
       "read (hgn does not convert them).",
       "Ghi lại số liệu của cột theo đơn vị {other} và sửa tiêu đề cho đúng mẫu.",
       "Write the column's values in {other} and correct its header to the layout's."),
    _c("header-row-repeated", WARNING, "structure",
       "Dòng tiêu đề lặp lại giữa dữ liệu; đã bỏ qua dòng này.", "Header row repeated inside the data; row skipped.",
       "Xóa dòng tiêu đề lặp.", "Delete the repeated header row."),
    _c("column-no-header", WARNING, "structure",
       "Cột {letter} có chữ ({value} ô, từ dòng {first}) nhưng không có tiêu đề, nên không được đọc.",
       "Column {letter} holds text ({value} cells, from row {first}) but has no header, so it is not read.",
       "Đặt tiêu đề cho cột; nếu đó là phần tiếp theo của cột bên cạnh (họ tên viết trên hai ô) thì gộp vào một ô.",
       "Give the column a header; if it continues the column beside it (a name over two cells), join them."),
    _c("section-heading-rows", WARNING, "structure",
       "Bỏ qua {value} dòng (dòng {detail}) chỉ có một ô chữ, như \"{other}\": dòng tiêu đề của một nhóm (thôn, tổ), "
       "không phải hộ hay người.",
       "Skipped {value} rows (rows {detail}) holding a single text cell, such as \"{other}\": a group's heading "
       "(a village), not a household or a person.",
       "Nếu một dòng như vậy là hộ hay người, điền đủ thông tin của họ (mã hộ, họ tên …) vào các cột của danh sách.",
       "If such a row is a household or a person, fill in their details (household code, name …) in the list's "
       "columns."),
    _c("rows-beside-list", INFO, "structure",
       "Bỏ qua {value} dòng (dòng {detail}) chỉ có chữ ở các cột ngoài danh sách (một bảng khác đặt bên cạnh?): "
       "không phải hộ hay người.",
       "Skipped {value} rows (rows {detail}) with text only in columns outside the list (another table beside "
       "it?): not households or persons.",
       "Nếu các dòng này là hộ hay người, điền thông tin của họ vào các cột của danh sách.",
       "If these rows are households or persons, fill in the list's columns for them."),
    _c("footer-rows-inside", WARNING, "structure",
       "Bỏ qua {value} dòng tổng cộng, ngày tháng, chữ ký nằm giữa bảng (dòng {detail}): không phải hộ hay người; "
       "các dòng ghi thêm bên dưới vẫn được đọc.",
       "Skipped {value} rows of a total, date line or signatures inside the table (rows {detail}): not households "
       "or persons; the rows added under them are still read.",
       "Đưa các dòng ghi thêm bên dưới lên trên dòng tổng cộng, để biểu có một dòng tổng ở cuối.",
       "Move the rows added underneath above the total row, so that the form has one total at its end."),
    _c("footer-rows-skipped", INFO, "structure",
       "Bỏ qua {value} dòng cuối bảng (dòng {detail}: tổng cộng, ngày tháng, chữ ký): không phải hộ hay người.",
       "Skipped {value} rows under the table (rows {detail}: total, date line, signatures): not households or persons.",
       "Nếu trong các dòng này có hộ hay người, đưa họ lên trên dòng tổng cộng.",
       "If any of these rows is a household or person, move it above the total row."),
    _c("formula-rows-skipped", INFO, "structure",
       "Bỏ qua {value} dòng cuối bảng chỉ có công thức, không có ô nào nhập tay (dòng {detail}): không phải hộ hay "
       "người.",
       "Skipped {value} rows at the end of the table holding formulas only, nothing typed (rows {detail}): not "
       "households or persons.",
       "Nếu đó là hộ hay người, nhập thông tin của họ; nếu không, xóa công thức kéo thừa xuống các dòng này.",
       "If these are households or persons, type their details; otherwise delete the formulas dragged into them."),
    _c("row-duplicate", WARNING, "structure",
       "Dòng trùng hoàn toàn với dòng {other}; chỉ tính một lần.", "Exact duplicate of row {other}; counted once.",
       "Xóa dòng trùng.", "Delete the duplicate row."),
    # --- types and domains ---
    _c("value-required", ERROR, "value",
       "Ô \"{header}\" bắt buộc nhưng để trống.", "\"{header}\" is required but blank.",
       "Điền thông tin vào ô này.", "Fill in this cell."),
    _c("value-not-number", ERROR, "value",
       "\"{header}\" phải là số, nhận được \"{value}\".", "\"{header}\" must be a number, got \"{value}\".",
       "Chỉ ghi số, không ghi chữ hay đơn vị{amount}.", "Enter digits only, no words or units{amount}."),
    _c("value-number-ambiguous", ERROR, "value",
       "\"{value}\" đọc được hai cách, cách nhau 1.000 lần: số thập phân hay số hàng nghìn (cách viết Việt Nam và "
       "tiếng Anh dùng dấu phẩy, dấu chấm ngược nhau); không lấy cách nào.",
       "\"{value}\" reads two ways, 1,000 times apart: a decimal or thousands (the Vietnamese and the English way use "
       "the comma and the dot the other way round); neither is taken.",
       "Ghi số không có dấu ngăn nghìn: phần thập phân sau dấu phẩy (45,5) hoặc số nguyên (7500).",
       "Write the number without a thousands separator: a decimal comma for a fraction (45,5) or a whole number "
       "(7500)."),
    _c("b1-implausible", ERROR, "plausibility",
       "Điểm B1 \"{value}\" lớn hơn {detail} điểm: không phải tổng điểm B1 của phiếu B (\"140.000\" được đọc là "
       "140 nghìn — dấu chấm là dấu ngăn nghìn theo cách viết Việt Nam); hộ không được phân loại theo điểm này.",
       "B1 score \"{value}\" is above {detail} points: no phiếu B total (\"140.000\" reads as 140 thousand — the dot "
       "is the Vietnamese thousands separator); the household is not classified on it.",
       "Ghi tổng điểm B1 bằng số điểm (ví dụ 140), phần lẻ nếu có viết sau dấu phẩy (140,5).",
       "Write the B1 total as points (e.g. 140), any fraction after a comma (140,5)."),
    _c("value-not-integer", ERROR, "value",
       "\"{header}\" phải là số nguyên, nhận được \"{value}\".", "\"{header}\" must be a whole number, got \"{value}\".",
       "Ghi số nguyên.", "Enter a whole number."),
    _c("value-date-ambiguous", ERROR, "value",
       "Ngày \"{value}\" đọc được hai cách (ngày trước tháng, hay tháng trước ngày): cột này có nhiều ngày chỉ đọc được "
       "theo kiểu tháng trước (như \"03/25/1980\"), nên không lấy ngày, tháng của ô này{detail}.",
       "\"{value}\" reads two ways (day first, or month first): this column holds more dates that read only month "
       "first (such as \"03/25/1980\"), so this cell's day and month are not taken{detail}.",
       "Ghi lại cả cột theo kiểu ngày/tháng/năm (dd/mm/yyyy), hoặc dùng ô kiểu ngày của Excel.",
       "Write the whole column day/month/year (dd/mm/yyyy), or use Excel date cells."),
    _c("date-order-doubt", WARNING, "value",
       "Cột \"{header}\" có {value} ngày chỉ đọc được theo kiểu tháng trước ngày (\"{other}\"); các ngày khác của cột "
       "được đọc theo kiểu ngày trước tháng — kiểm tra những ngày đọc được cả hai cách (như 09/10: 9 tháng 10 hay 10 "
       "tháng 9).",
       "Column \"{header}\" holds {value} date(s) that read only month first (\"{other}\"); its other dates are read "
       "day first — check those that read both ways (such as 09/10: 9 October or 10 September).",
       "Ghi cả cột theo kiểu ngày/tháng/năm (dd/mm/yyyy), hoặc dùng ô kiểu ngày của Excel.",
       "Write the whole column day/month/year (dd/mm/yyyy), or use Excel date cells."),
    _c("value-not-date", ERROR, "value",
       "\"{header}\" không phải ngày hợp lệ: \"{value}\".", "\"{header}\" is not a valid date: \"{value}\".",
       "Ghi ngày dạng dd/mm/yyyy{detail}.", "Write the date as dd/mm/yyyy{detail}."),
    _c("value-not-yes-no", ERROR, "value",
       "\"{header}\" phải là Có hoặc Không, nhận được \"{value}\"{suggestion}.",
       "\"{header}\" must be Có or Không, got \"{value}\"{suggestion}.",
       "Ghi Có hoặc Không{where}.", "Write Có or Không{where}."),
    _c("value-not-in-list", ERROR, "value",
       "\"{value}\" không có trong danh mục của \"{header}\"{suggestion}.",
       "\"{value}\" is not an allowed value of \"{header}\"{suggestion}.",
       "Ghi đúng một giá trị của danh mục{choices}{where}.",
       "Write one of the column's values{choices}{where}."),
    _c("value-not-in-list-multi", ERROR, "value",
       "\"{value}\"{detail} không có trong danh mục của \"{header}\"{suggestion}.",
       "\"{value}\"{detail} is not an allowed value of \"{header}\"{suggestion}.",
       "Ghi một hoặc nhiều giá trị của danh mục, cách nhau bằng dấu chấm phẩy (;){choices}.",
       "Write one or more of the column's values, separated by semicolons (;){choices}."),
    _c("value-out-of-range", ERROR, "value",
       "\"{header}\" = {value} nằm ngoài khoảng cho phép ({detail}).", "\"{header}\" = {value} is out of range ({detail}).",
       "Kiểm tra lại số liệu.", "Check the figure."),
    _c("b2-not-multiple-of-10", ERROR, "value",
       "Điểm B2 = {value} không phải bội số của {detail}.", "B2 score {value} is not a multiple of {detail}.",
       "Mỗi chỉ số thiếu hụt tính {detail} điểm (chuẩn {other}).", "Each deprivation counts {detail} points "
       "(standard {other})."),
    _c("income-basis-missing", ERROR, "value",
       "Hộ không có thu nhập bình quân và cũng không có điểm B1: không xác định được tiêu chí thu nhập.",
       "The household has neither an income per head nor a B1 score: the income test cannot be decided.",
       "Ghi thu nhập bình quân hoặc điểm B1 theo phiếu B.", "Enter the income per head or the B1 score."),
    _c("deprivation-count-mismatch", ERROR, "value",
       "Tổng số chỉ số thiếu hụt ghi {value} nhưng đếm được {detail}.",
       "Recorded deprivation total {value} but {detail} flags are set.",
       "Kiểm tra lại các chỉ số thiếu hụt.", "Check the deprivation flags."),
    _c("b2-count-mismatch", ERROR, "classify",
       "Điểm B2 = {value} khác {other} điểm × số chỉ số thiếu hụt ({detail}).",
       "B2 = {value} differs from {other} points × the deprivation count ({detail}).",
       "Tính lại điểm B2.", "Recompute the B2 score."),
    # --- identity ---
    _c("id-missing", WARNING, "identity",
       "Thiếu số định danh cá nhân.", "Personal identification number missing.",
       "Bổ sung số định danh từ thẻ căn cước hoặc VNeID.", "Add the number from the ID card or VNeID."),
    _c("id-invalid-format", ERROR, "identity",
       "Số định danh \"{value}\" không phải đúng 12 chữ số.", "Identification number \"{value}\" is not 12 digits.",
       "Định dạng cột là Văn bản (Text) và ghi đủ 12 chữ số.", "Format the column as Text and enter all 12 digits."),
    _c("id-leading-zero-restored", WARNING, "identity",
       "Số định danh lưu dạng số đã mất số 0 đầu; đã khôi phục đủ 12 chữ số (thêm số 0 ở đầu).",
       "The ID was stored as a number and lost its leading zeros; restored to 12 digits (leading 0s added).",
       "Định dạng cột là Văn bản (Text) để giữ số 0 đầu.", "Format the column as Text to keep leading zeros."),
    _c("id-province-unknown", ERROR, "identity",
       "Ba số đầu của số định danh ({detail}) không phải mã tỉnh nơi đăng ký khai sinh.",
       "The first three digits of the ID ({detail}) are not a province of birth registration.",
       "Đối chiếu lại với thẻ căn cước.", "Check against the ID card."),
    _c("id-sex-mismatch", ERROR, "identity",
       "Chữ số thứ 4 của số định danh không khớp giới tính/thế kỷ sinh ({detail}) — sai ở số định danh, hoặc ở giới "
       "tính, ngày sinh (năm sinh hai chữ số như \"25\" Excel lưu thành 2025?).",
       "The ID's 4th digit disagrees with the recorded sex/century of birth ({detail}) — either the ID is wrong, or the "
       "sex or date of birth (a two-digit year such as \"25\" Excel stored as 2025?).",
       "Đối chiếu giới tính, ngày sinh và số định danh với thẻ căn cước; sửa ô sai.",
       "Check sex, date of birth and the ID against the ID card; correct the wrong cell."),
    _c("id-birth-year-mismatch", ERROR, "identity",
       "Chữ số 5–6 của số định danh không khớp năm sinh ({detail}) — sai ở số định danh, hoặc ở ngày sinh.",
       "ID digits 5–6 disagree with the recorded birth year ({detail}) — either the ID or the date of birth is wrong.",
       "Đối chiếu ngày sinh và số định danh với thẻ căn cước; sửa ô sai.",
       "Check the date of birth and the ID against the ID card; correct the wrong cell."),
    _c("id-duplicate", ERROR, "identity",
       "Số định danh trùng với dòng {other} trong cùng tệp.", "Identification number also at row {other} of this file.",
       "Một người chỉ được ghi một lần.", "Each person is listed once."),
    _c("id-duplicate-batch", ERROR, "identity",
       "Số định danh trùng với {other}.", "Identification number also in {other}.",
       "Xác minh người này thuộc hộ nào, xã nào.", "Find out which household and commune the person belongs to."),
    _c("household-duplicate", ERROR, "identity",
       "Mã hộ \"{value}\" trùng với dòng {other}.", "Household code \"{value}\" also at row {other}.",
       "Mỗi hộ một mã duy nhất trong xã.", "Each household has a unique code in the commune."),
    _c("member-orphan", ERROR, "identity",
       "Thành viên thuộc mã hộ \"{value}\" không có trong sheet Hộ gia đình{suggestion}.",
       "Member of household \"{value}\" which is not in the households sheet{suggestion}.",
       "Kiểm tra mã hộ.", "Check the household code."),
    _c("household-no-members", ERROR, "identity",
       "Hộ không có thành viên nào trong sheet Thành viên.", "The household has no members in the members sheet.",
       "Bổ sung thành viên của hộ.", "Add the household's members."),
    _c("household-no-head", ERROR, "identity",
       "Hộ không có thành viên nào là Chủ hộ.", "No member of the household is the head (Chủ hộ).",
       "Ghi \"Chủ hộ\" ở cột Quan hệ với chủ hộ của một thành viên.", "Mark one member as Chủ hộ."),
    _c("household-multiple-heads", ERROR, "identity",
       "Hộ có nhiều hơn một Chủ hộ (đã có ở dòng {other}).", "More than one head in the household (also row {other}).",
       "Mỗi hộ chỉ một chủ hộ.", "One head per household."),
    _c("household-size-mismatch", ERROR, "identity",
       "Số thành viên ghi {value} nhưng sheet Thành viên có {detail} người.",
       "Declared size {value} but the members sheet lists {detail}.",
       "Kiểm tra số thành viên.", "Check the household size."),
    _c("household-size-missing", WARNING, "identity",
       "Số thành viên của hộ để trống, và biểu không có danh sách thành viên: không biết hộ có bao nhiêu người.",
       "The household's size is blank and the return has no member list: how many persons it has is not known.",
       "Ghi số thành viên của hộ (các số liệu về nhân khẩu của đơn vị có hộ này để trống cho đến khi ghi).",
       "Fill in the household's size (the persons figures of its unit are left blank until then)."),
    _c("member-stt-duplicate", ERROR, "identity",
       "STT {value} trùng với dòng {other} trong cùng hộ.", "Member number {value} also at row {other} in this household.",
       "Đánh số thứ tự lại.", "Renumber the members."),
    _c("member-possible-duplicate", ERROR, "identity",
       "Thành viên trùng họ tên và ngày sinh với dòng {other} trong cùng hộ: có thể một người được ghi hai lần.",
       "Same name and date of birth as row {other} of the same household: possibly one person listed twice.",
       "Nếu là một người, xóa dòng thừa; nếu là hai người, ghi số định danh của từng người.",
       "If it is one person, delete the extra row; if two persons, write each one's identification number."),
    # --- plausibility ---
    _c("head-too-young", WARNING, "plausibility",
       "Chủ hộ {detail} tuổi (dưới 15).", "Head of household aged {detail} (under 15).", "Kiểm tra ngày sinh.", "Check the date of birth."),
    _c("degree-too-young", WARNING, "plausibility",
       "Trẻ {detail} tuổi có trình độ \"{value}\".", "A {detail}-year-old with education \"{value}\".",
       "Kiểm tra trình độ giáo dục.", "Check the education level."),
    _c("school-level-age", WARNING, "plausibility",
       "Cấp học \"{value}\" không phù hợp với tuổi {detail}.", "School level \"{value}\" unlikely at age {detail}.",
       "Kiểm tra cấp học, ngày sinh.", "Check school level and date of birth."),
    _c("income-implausible", ERROR, "plausibility",
       "Thu nhập bình quân \"{value}\" đồng/người/tháng nằm ngoài khoảng có thể có ({detail}): ghi theo nghìn đồng, "
       "thừa hay thiếu chữ số? Hộ chưa được phân loại.",
       "Income per head \"{value}\" đồng a month is outside what is possible ({detail}): written in thousands, or a "
       "digit too many or too few? The household is not classified.",
       "Ghi thu nhập bằng đồng, đủ chữ số (ví dụ 1.500.000); thu nhập bằng 0 thì ghi 0.",
       "Write the income in đồng with every digit (e.g. 1.500.000); write 0 for no income."),
    _c("area-per-member-high", WARNING, "plausibility",
       "Diện tích bình quân {detail} m²/người (trên 200).", "Floor area {detail} m² per member (above 200).",
       "Kiểm tra diện tích nhà.", "Check the floor area."),
    # --- administrative ---
    _c("commune-unknown", ERROR, "admin",
       "Mã xã \"{value}\" không có trong danh mục đơn vị hành chính ngày {detail}{suggestion}.",
       "Commune code \"{value}\" is not in the unit list of {detail}{suggestion}.",
       "Dùng mã xã 5 chữ số của Cục Thống kê.", "Use the 5-digit statistics-office code."),
    _c("commune-mismatch", ERROR, "admin",
       "Mã xã \"{value}\" khác mã xã của tệp ({detail}).", "Commune code \"{value}\" differs from the file's commune ({detail}).",
       "Mỗi tệp chỉ chứa hộ của một xã.", "One commune per file."),
    _c("area-mismatch", WARNING, "admin",
       "Khu vực \"{value}\" khác danh mục ({detail}).", "Area \"{value}\" differs from the registry ({detail}).",
       "Kiểm tra khu vực thành thị/nông thôn.", "Check urban/rural."),
    # --- text ---
    _c("text-legacy-encoding", WARNING, "text",
       "Chữ có vẻ gõ bằng bảng mã cũ ({detail}); đề xuất: \"{proposal}\".",
       "Text looks like a legacy encoding ({detail}); proposed: \"{proposal}\".",
       "Chuyển sang Unicode (Unikey: Công cụ chuyển mã).", "Convert to Unicode (Unikey converter)."),
    _c("text-not-nfc", WARNING, "text",
       "Chữ dùng dấu tổ hợp (không chuẩn NFC).", "Text uses combining accents (not NFC).",
       "Gõ lại bằng Unicode dựng sẵn.", "Retype with precomposed Unicode."),
    # --- workbook hygiene ---
    _c("formula-error", ERROR, "hygiene",
       "Ô chứa lỗi công thức {value}.", "The cell holds a formula error {value}.",
       "Sửa công thức hoặc nhập giá trị.", "Fix the formula or enter the value."),
    _c("formula-not-computed", ERROR, "hygiene",
       "Ô có công thức nhưng tệp không lưu kết quả Excel tính ra (tệp do một chương trình ghi, chưa mở bằng Excel): "
       "hgn không biết giá trị của ô.",
       "The cell holds a formula but the file does not hold the result Excel computes (a file written by a program, "
       "never opened in Excel): hgn does not know the cell's value.",
       "Mở tệp bằng Excel (hoặc LibreOffice), lưu lại rồi kiểm tra lại; hoặc gõ giá trị thay cho công thức.",
       "Open the file in Excel (or LibreOffice), save it and check again; or type the value instead of the formula."),
    _c("merged-cells-in-data", WARNING, "hygiene",
       "Ô gộp {detail} trong vùng dữ liệu; chỉ ô đầu có giá trị.",
       "Merged cells {detail} in the data area; only the first holds a value.",
       "Bỏ gộp ô và điền đủ từng dòng.", "Unmerge and fill every row."),
    _c("hidden-row-with-data", WARNING, "hygiene",
       "Dòng bị ẩn nhưng có dữ liệu; vẫn được kiểm tra.", "Hidden row holding data; still checked.",
       "Hiện dòng (Unhide) để xem.", "Unhide the row."),
    # --- classification (used by hgn classify) ---
    _c("indicator-mismatch", WARNING, "classify",
       "Chỉ số \"{header}\": ghi {value}, tính lại được {detail}.", "Indicator \"{header}\": recorded {value}, derived {detail}.",
       "Kiểm tra lại phiếu B.", "Check survey form B."),
    _c("class-mismatch", WARNING, "classify",
       "Phân loại ghi \"{value}\" nhưng tính lại được \"{detail}\".", "Recorded class \"{value}\" but recomputed \"{detail}\".",
       "Kiểm tra lại phân loại.", "Check the classification."),
    _c("review-date-no-standard", ERROR, "classify",
       "Không có chuẩn nghèo quốc gia nào áp dụng cho ngày rà soát {value} (các chuẩn có sẵn: {detail}): hộ này chưa "
       "được phân loại.",
       "No national poverty standard applies on the review date {value} (bundled standards: {detail}): this "
       "household is not classified.",
       "Sửa ngày rà soát (năm gõ nhầm?) rồi chạy lại, hoặc chọn chuẩn bằng --standard.",
       "Correct the review date (a mistyped year?) and run again, or choose the standard with --standard."),
    _c("review-date-outside-local-standard", WARNING, "classify",
       "Ngày rà soát {value} nằm ngoài thời hạn của chuẩn địa phương {detail}: hộ không được phân loại theo chuẩn "
       "này (cột phân loại theo chuẩn địa phương để trống); phân loại theo chuẩn quốc gia không đổi.",
       "The review date {value} is outside the period of the local standard {detail}: the household is not "
       "classified under it (its local class is left blank); the national class stands.",
       "Kiểm tra ngày rà soát, hoặc dùng chuẩn địa phương của đúng thời kỳ (--local).",
       "Check the review date, or use the local standard of that period (--local)."),
    _c("review-date-outside-standard", WARNING, "classify",
       "Ngày rà soát {value} nằm ngoài thời kỳ áp dụng của chuẩn {detail} đã chọn (--standard): hộ vẫn được phân "
       "loại theo chuẩn này như đã chọn, tuổi các thành viên tính đến ngày rà soát ghi.",
       "The review date {value} is outside the period of the chosen standard {detail} (--standard): the household "
       "is classified under it as asked, its members' ages counted to the review date written.",
       "Kiểm tra ngày rà soát (năm gõ nhầm?); nếu đúng, chọn chuẩn của thời kỳ đó hoặc bỏ --standard để hgn chọn "
       "theo ngày rà soát.",
       "Check the review date (a mistyped year?); if it is right, choose the standard of that period or leave out "
       "--standard so that hgn chooses by the review date."),
    _c("moved-within-commune", WARNING, "classify",
       "Hộ {value} ghi \"Chuyển đến\", chủ hộ cũng là chủ hộ của hộ {other} ghi \"Chuyển đi\" trong cùng xã: có "
       "thể là một hộ chuyển chỗ ở trong xã (giữa các thôn, hoặc giữa hai xã cũ nay đã nhập), đang được tính một hộ "
       "giảm và một hộ tăng.",
       "Household {value} is recorded \"Chuyển đến\" (moved in) and its head also heads household {other}, recorded "
       "\"Chuyển đi\" (moved away) in the same commune: perhaps one household that moved inside the commune "
       "(between villages, or between two old communes merged in 2025), now counted as one decrease and one increase.",
       "Nếu đúng là một hộ chuyển chỗ ở trong xã: ghi một dòng hộ (giữ mã hộ cũ), tình trạng đang cư trú.",
       "If it is one household that moved inside the commune: keep one household row (its old code), status "
       "resident."),
    _c("previous-head-elsewhere", WARNING, "classify",
       "Hộ {value}: chủ hộ là chủ hộ của một hộ trong danh sách đầu kỳ ở xã khác, nơi mã hộ đó vẫn được rà soát (tách "
       "hộ, hoặc chủ hộ đã chuyển đi): số đầu kỳ của hộ trong danh sách tính ở xã đó; hộ này được tính là chuyển đến "
       "(tăng khác), không tính vào số đầu kỳ của xã này.",
       "Household {value}: its head heads a household of the start-of-period list in another commune, where that "
       "household's code is still reviewed (a split household, or its head moved away): the listed household's start "
       "is counted there; this one is counted as moved in (other increase), not in this commune's start figure.",
       "Nếu hộ từ xã khác chuyển đến, ghi \"Chuyển đến\" ở cột Tình trạng hộ; nếu không, kiểm tra số định danh chủ hộ.",
       "If the household moved in from another commune, write \"Chuyển đến\" in its status column; otherwise check "
       "the head's ID."),
    _c("previous-head-elsewhere-absent", WARNING, "classify",
       "Hộ {value}: chủ hộ là chủ hộ của một hộ trong danh sách đầu kỳ ở xã khác, nhưng biểu rà soát của xã đó không "
       "có hộ ấy (previous-not-reviewed): hộ được tính là chuyển đến (tăng khác), không tính vào số đầu kỳ của xã này.",
       "Household {value}: its head heads a household of the start-of-period list in another commune, whose return "
       "does not have that household (previous-not-reviewed): it is counted as moved in (other increase), not in this "
       "commune's start figure.",
       "Nếu hộ từ xã khác chuyển đến, ghi \"Chuyển đến\" ở cột Tình trạng hộ, và xã kia ghi hộ vào biểu là đã chuyển "
       "đi; nếu không, kiểm tra số định danh chủ hộ.",
       "If the household moved in from another commune, write \"Chuyển đến\" in its status column, and the other "
       "commune adds the household to its return as moved away; otherwise check the head's ID."),
    _c("previous-moved-in-unrecorded", WARNING, "classify",
       "Hộ {value}: chủ hộ là chủ hộ của một hộ trong danh sách đầu kỳ ở xã khác, nơi đã ghi hộ đó chuyển đi: hộ được "
       "tính là chuyển đến (tăng khác), không tính vào số đầu kỳ của xã này.",
       "Household {value}: its head heads a household of the start-of-period list in another commune, which recorded "
       "it as moved away: it is counted as moved in (other increase), not in this commune's start figure.",
       "Ghi \"Chuyển đến\" ở cột Tình trạng hộ của hộ này.",
       "Write \"Chuyển đến\" in the household's status column."),
    _c("review-date-other-standard", ERROR, "classify",
       "Ngày rà soát {value} không thuộc thời kỳ của chuẩn {detail}, chuẩn mà các hộ khác được phân loại theo: hộ "
       "này chưa được phân loại.",
       "The review date {value} is outside the period of the standard {detail}, under which the other households "
       "are classified: this household is not classified.",
       "Sửa ngày rà soát (năm gõ nhầm?) rồi chạy lại; nếu đúng là rà soát theo chuẩn khác, phân loại riêng hoặc "
       "chọn chuẩn bằng --standard.",
       "Correct the review date (a mistyped year?) and run again; if it was truly reviewed under another standard, "
       "classify it separately or choose the standard with --standard."),
    _c("household-undecided", WARNING, "classify",
       "Chưa đủ thông tin để phân loại hộ: {detail}.", "Not enough information to classify: {detail}.",
       "Bổ sung thông tin còn thiếu nêu trên; nếu là ngưỡng mà chuẩn chưa có, ghi ngưỡng đó vào tệp chuẩn (--standard, "
       "--local) rồi chạy lại.",
       "Fill in the missing answers named; where it is a threshold the standard leaves open, write it in the standard "
       "file (--standard, --local) and run again."),
    _c("member-answer-needed", WARNING, "classify",
       "Ô \"{header}\" của thành viên này {state} mà cần để phân loại hộ (chỉ số: {detail}).",
       "\"{header}\" {state} for this member and is needed to classify the household (indicator: {detail}).",
       "Điền câu trả lời: hộ chưa phân loại được khi còn thiếu.",
       "Fill in the answer: the household cannot be classified without it."),
    _c("member-answer-missing", WARNING, "classify",
       "Ô \"{header}\" của thành viên này {state} (bắt buộc với thành viên ở tuổi này): chỉ số {detail} của hộ chưa "
       "rõ. Hộ vẫn phân loại được, nhưng số hộ thiếu hụt của các biểu mẫu thiếu câu trả lời này.",
       "\"{header}\" {state} for this member (required at this age): the household's indicator {detail} is not "
       "known. The household is still classified, but the forms' deprivation counts lack this answer.",
       "Điền câu trả lời để biểu mẫu đủ số liệu.", "Fill in the answer so that the forms are complete."),
    _c("household-not-classified", ERROR, "classify",
       "Hộ không phân loại được do lỗi dữ liệu: {detail}.", "Household not classified because of data errors: {detail}.",
       "Sửa các lỗi của hộ rồi chạy lại.", "Fix the household's errors and run again."),
    _c("average-living-needs-income", INFO, "classify",
       "Hộ NLNDN trên chuẩn nghèo theo điểm B1; cần thu nhập đo được để xét mức sống trung bình.",
       "NLNDN household above the line by B1; a measured income is needed for average living standard.",
       "Khảo sát thu nhập của hộ.", "Survey the household's income."),
    _c("previous-unmatched", WARNING, "classify",
       "Không tìm thấy hộ trong danh sách đầu kỳ.", "Household not found in the start-of-period list.",
       "Kiểm tra mã hộ và số định danh của chủ hộ so với danh sách đầu kỳ; hộ mới tách hoặc mới chuyển đến thì ghi "
       "\"Tình trạng hộ\".", "Check the household code and the head's ID against the start list; for a household "
       "newly split or moved in, fill \"Tình trạng hộ\"."),
    _c("previous-listed-as-new", WARNING, "classify",
       "Hộ {value} ghi \"{detail}\" nhưng có trong danh sách đầu kỳ ({other}): hộ được tính là tăng khác, không "
       "được tính ở số đầu kỳ.",
       "Household {value} is recorded \"{detail}\" but is on the start-of-period list ({other}): it is counted as "
       "another increase, not in the start figure.",
       "Nếu hộ không mới chuyển đến hay mới tách hộ, sửa \"Tình trạng hộ\" (Đang cư trú).",
       "If the household did not just move in or split off, correct \"Tình trạng hộ\" (Đang cư trú)."),
    _c("previous-start-unknown", INFO, "classify",
       "Hộ {value}: kỳ trước chưa phân loại được hộ (chưa đủ thông tin), nên phân loại đầu kỳ lấy theo biểu rà "
       "soát: \"{detail}\".",
       "Household {value}: last round did not classify it (not enough information), so its start class is the one "
       "the return records: \"{detail}\".",
       "Nếu phân loại đầu kỳ ghi trong biểu không đúng với danh sách hộ nghèo, hộ cận nghèo xã đang quản lý, sửa "
       "\"Phân loại đầu kỳ\".",
       "If the start class in the return is not the one on the commune's managed list, correct \"Phân loại đầu "
       "kỳ\"."),
    _c("previous-not-reviewed", ERROR, "classify",
       "Hộ {value} ({detail} theo danh sách đầu kỳ, xã {other}) không có trong biểu rà soát của xã.",
       "Household {value} ({detail} on the start-of-period list, commune {other}) is not in the commune's return.",
       "Bổ sung hộ vào biểu rà soát (hộ đã chuyển đi, giải thể: vẫn ghi, với \"Tình trạng hộ\"), hoặc sửa mã hộ "
       "cho khớp danh sách đầu kỳ.",
       "Add the household to the return (one that moved away or dissolved too, with its status), or correct its "
       "code to match the start-of-period list."),
    _c("movement-unbalanced", ERROR, "classify",
       "Diễn biến không cân đối: {detail}.", "Movements do not balance: {detail}.",
       "Kiểm tra phân loại đầu kỳ và \"Tình trạng hộ\" của các hộ của đơn vị (hộ chuyển đi, giải thể vẫn phải có "
       "trong biểu).", "Check the start classes and \"Tình trạng hộ\" of the unit's households (households moved away "
       "or dissolved stay in the return)."),
    # --- merge (used by hgn merge) ---
    _c('merge-unit-missing', WARNING, "merge",
       'Thiếu kết quả của {value} ({detail}): gộp chưa đủ đơn vị.',
       'No results for {value} ({detail}): the merge is partial.',
       '{remedy}', '{remedy}'),  # (MISSING_MERGE, or MISSING_RUN under hgn run)
    _c('merge-unit-partial', WARNING, "merge",
       'Kết quả của {value} ({detail}) chưa đủ: thiếu kết quả của các xã cũ {other}; số liệu của xã chỉ gồm các xã '
       'cũ đã có.',
       'Results for {value} ({detail}) are partial: the old communes {other} sent none; its figures count only the '
       'old communes that did.',
       'Bổ sung tệp kết quả của các xã cũ còn thiếu rồi gộp lại.', "Add the missing old communes' results and merge again."),
    _c('merge-unit-duplicate-resolved', WARNING, "merge",
       'Đơn vị {value} có trong nhiều tệp; dùng {other}, bỏ dữ liệu của đơn vị này trong tệp hiện tại ({detail}).',
       "Unit {value} is in several files; {other} is used and this file's data for the unit is dropped ({detail}).",
       'Kiểm tra đúng bản kết quả cuối cùng đã được chọn.', 'Check that the final version was chosen.'),
    _c('merge-mixed-inputs', WARNING, "merge",
       'Các tệp dùng chuẩn hoặc phiên bản công cụ khác nhau, hoặc thuộc các năm rà soát khác nhau ({detail}); đã '
       'gộp do có --allow-mixed.',
       'The files use different standards or tool versions, or belong to different years\' reviews ({detail}); '
       'merged because of --allow-mixed.',
       'Phân loại lại các xã bằng cùng một chuẩn và phiên bản nếu cần số liệu so sánh được.', 'Reclassify the communes with one standard and version for comparable figures.'),
    _c('merge-household-outside-parent', ERROR, "merge",
       'Hộ ghi mã xã "{value}" không thuộc {detail}; vẫn được tính vào đơn vị của tệp ({other}).',
       'The household\'s commune code "{value}" is not in {detail}; still counted under the file\'s unit ({other}).',
       'Kiểm tra mã xã của hộ.', "Check the household's commune code."),
    _c('merge-household-duplicate-units', ERROR, "merge",
       'Hộ mã "{value}" (xã {detail}) có ở nhiều đơn vị: {other}.',
       'Household "{value}" (commune {detail}) is in several units: {other}.',
       'Xác minh hộ thuộc đơn vị nào và xóa bản ghi thừa.', 'Find out which unit the household belongs to; delete the other record.'),
    _c('merge-persons-unknown', WARNING, "merge",
       '{value} hộ không có dòng thành viên và không có số thành viên dùng được (để trống hoặc ghi không hợp lệ): số '
       'nhân khẩu của tổng hợp chưa kể các hộ này.',
       '{value} households have no member rows and no usable size (blank, or not a valid number): the merge\'s persons '
       'figures leave them out.',
       'Bổ sung hoặc sửa số thành viên của các hộ này (ô "Số thành viên" được nêu trong phát hiện của xã), rồi tổng '
       'hợp lại.',
       'Fill in or correct these households\' sizes (the "Số thành viên" cells named in the commune\'s findings), then '
       'merge again.'),
    _c('merge-reconciliation-mismatch', ERROR, "merge",
       'Đối chiếu không khớp tại {value}: {detail}.',
       'Reconciliation does not match for {value}: {detail}.',
       'Xem sheet "Đối chiếu"; kiểm tra tệp nguồn có bị sửa tay không.', 'See the "Đối chiếu" sheet; check whether the source file was edited by hand.'),
    _c('crosswalk-pending', WARNING, "merge",
       '{value} hộ ({other} nhân khẩu) của xã cũ {detail} chưa quy đổi được sang xã mới (danh mục sắp xếp 1/7/2025 không cho biết hộ thuộc xã mới nào); không tính vào tổng của xã mới.',
       "{value} households ({other} persons) of old commune {detail} could not be mapped to a new commune (the 1/7/2025 crosswalk does not say which); left out of the new units' totals.",
       'Xem sheet "Chờ quy đổi"; quyết định xã mới theo thôn rồi gộp lại với --mapping.', 'See the "Chờ quy đổi" sheet; decide the new commune by village and merge again with --mapping.'),
    _c('crosswalk-mapping-unused', WARNING, "merge",
       'Dòng {value} của tệp quy đổi (xã cũ {detail}, thôn "{other}") không khớp hộ nào: không hộ nào của xã cũ này '
       'ghi thôn đó.',
       'Line {value} of the mapping file (old commune {detail}, village "{other}") matches no household: no household '
       'of that old commune records that village.',
       'Sửa tên thôn cho đúng như các hộ ghi ở cột "Thôn, tổ dân phố"{choices}, rồi gộp lại.',
       'Write the village as the households record it in "Thôn, tổ dân phố"{choices}, then merge again.'),
    _c('crosswalk-mapping-elsewhere', INFO, "merge",
       'Tệp quy đổi có {value} dòng theo thôn của {detail} xã cũ không có hộ nào trong các kết quả đang gộp (xã cũ '
       '{other}): các dòng này không dùng lần gộp này.',
       'The mapping file has {value} village lines of {detail} old communes with no household in the results being '
       'merged (old communes {other}): those lines are not used in this merge.',
       'Không cần sửa nếu tệp quy đổi dùng chung cho cả tỉnh; nếu xã cũ đó phải có trong lần gộp này, thêm kết quả '
       'của xã.',
       'Nothing to fix if the mapping file serves the whole province; if that old commune belongs in this merge, add '
       'its results.'),
    _c('crosswalk-household-code-shared', WARNING, "merge",
       'Mã hộ "{value}" của xã cũ {detail} trùng mã một hộ của xã cũ {other}; nay cả hai ở xã mới {unit}: hai dòng hộ '
       'mang cùng một mã trong xã mới (hai hộ khác nhau, hoặc một hộ được ghi ở cả hai xã cũ).',
       'Household code "{value}" of old commune {detail} is also a household\'s in old commune {other}; both are now '
       'in new commune {unit}: two household rows share one code there (two households, or one written in both old '
       'communes).',
       'Hai hộ khác nhau: đánh lại mã cho một hộ (theo quy ước của xã mới) trước khi nhập danh sách vào cơ sở dữ liệu; '
       'một hộ ghi ở cả hai xã cũ (cùng số định danh): chỉ giữ dòng ở xã nơi hộ đang sống.',
       'Two households: give one a new code (the new commune\'s scheme) before the list goes into the database; one '
       'household written in both old communes (the same IDs): keep only its row in the commune it lives in.'),
    _c('crosswalk-by-population', INFO, "merge",
       'Xã cũ {value} nhập một phần diện tích nhưng toàn bộ dân số vào {detail}: các hộ được quy đổi sang xã này.',
       'Old commune {value} went partly by area but wholly by population into {detail}: its households are mapped there.',
       '', ''),
]}


@dataclass(frozen=True)
class Finding:
    """One problem, located. ``column`` is the header as written in the file; ``col`` its letter."""

    code: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str | None = None
    col: str | None = None
    key: str | None = None
    value: str | None = None
    params: tuple[tuple[str, str], ...] = field(default=())

    @property
    def severity(self) -> str:
        return CATALOGUE[self.code].severity

    def param(self, name: str) -> str:
        return dict(self.params).get(name, "")

    def _values(self, lang: str) -> dict[str, Any]:
        """What a message or hint template names: the value, the header and the parameters (``_en`` ones in
        English); the usual names blank when the finding has none."""
        import unicodedata

        values: dict[str, Any] = {"value": self.value if self.value is not None else "", "header": self.column or "",
                                  "detail": "", "other": "", "suggestion": "", "proposal": "", "choices": "",
                                  "amount": "",
                                  "state": "để trống" if lang != "en" else "is blank",
                                  "how": "theo mẫu `hgn template`" if lang != "en" else "as in `hgn template`",
                                  "where": " (mẫu của hgn có danh sách thả xuống)" if lang != "en"
                                  else " (hgn's template has a drop-down list)"}
        default = _REMEDY.get(self.code)  # (a finding of an earlier hgn, read back from a results file, has none)
        if default is not None:
            values["remedy"] = default[1 if lang == "en" else 0]
        params = dict(self.params)
        for k, v in params.items():
            if not k.endswith("_en"):
                values[k] = params.get(k + "_en", v) if lang == "en" else v
        if lang == "en" and "value_en" in params:  # a value that is words, not a cell's text ("(không ghi mã hộ)")
            values["value"] = params["value_en"]
        for k in ("header", "other"):  # a header or sheet name read from a return saved on a Mac (NFD) is said in
            values[k] = unicodedata.normalize("NFC", values[k])  # NFC; the value stays as written (text-not-nfc)
        return values

    def message(self, lang: str = "vi") -> str:
        entry = CATALOGUE[self.code]
        return singular_en(entry.en.format(**self._values(lang))) if lang == "en" else \
            entry.vi.format(**self._values(lang))

    def hint(self, lang: str = "vi") -> str:
        entry = CATALOGUE[self.code]
        template = entry.hint_en if lang == "en" else entry.hint_vi
        if "{" not in template:
            return template
        try:  # a hint names what the finding names ("Đổi tên sheet thành \"{other}\"")
            text = template.format_map(self._values(lang))
            return singular_en(text) if lang == "en" else text
        except (KeyError, IndexError, ValueError):
            return template

    @property
    def cell(self) -> str:
        if self.col and self.row:
            return f"{self.col}{self.row}"
        return ""

    def to_dict(self, lang: str = "vi") -> dict[str, Any]:
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column,
                "cell": self.cell or None, "key": self.key, "code": self.code, "severity": self.severity,
                "message": self.message(lang), "hint": self.hint(lang), "value": self.value}

    def to_record(self, lang: str = "vi") -> dict[str, Any]:
        """Lossless form for storage (results bundles): rebuild with ``Finding.from_record`` (from the code and the
        parameters: the message and hint, in ``lang``, are for people)."""
        return {**self.to_dict(lang), "col": self.col, "params": json.dumps(dict(self.params), ensure_ascii=False)}

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Finding:
        def text(v: Any) -> str | None:
            return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v)

        params = json.loads(rec["params"]) if text(rec.get("params")) else {}
        row = rec.get("row")
        return cls(code=str(rec["code"]), file=text(rec.get("file")) or "", sheet=text(rec.get("sheet")) or "",
                   row=None if row is None or text(row) is None else int(float(row)), column=text(rec.get("column")),
                   col=text(rec.get("col")), key=text(rec.get("key")), value=text(rec.get("value")),
                   params=tuple(sorted(params.items())))


_NOUNS_EN = ("household|member|person|row|file|return|commune|village|indicator|unit|cell|flag|date|sheet|error|"
             "warning|finding|deprivation|line|answer|ID")
_ONE_EN = re.compile(rf"(?<![\d.,])1 ({_NOUNS_EN})s\b")
_ONE_ARE_EN = re.compile(rf"((?<![\d.,])1 (?:{_NOUNS_EN})(?: of this file)?) are\b")
_ROW_EN = re.compile(r"\brows (\d+)(?=[):])")


def singular_en(text: str) -> str:
    """An English message with its counts of one in the singular: "1 household", "(row 12)" — a template says
    "{value} households", "(rows {detail})" (Vietnamese nouns do not change)."""
    return _ROW_EN.sub(r"row \1", _ONE_ARE_EN.sub(r"\1 is", _ONE_EN.sub(r"1 \1", text)))


# why a household is not classified (its ``loi_chan`` codes), as the officer reads it
BLOCKING: dict[str, tuple[str, str]] = {
    "household-duplicate": ("mã hộ ghi trùng", "household code written twice"),
    "household-no-members": ("hộ không có thành viên", "no members"),
    "household-code-missing": ("mã hộ để trống, không gắn được thành viên", "household code blank: no member can be linked"),
    "household-no-head": ("hộ không có chủ hộ", "no head of household"),
    "household-multiple-heads": ("hộ có nhiều chủ hộ", "several heads of household"),
    "household-size-mismatch": ("số nhân khẩu khác số thành viên", "household size differs from its members"),
    "member-id-duplicate": ("một người được ghi hai lần", "a person listed twice"),
    "member-possible-duplicate": ("có thể một người được ghi hai lần (trùng họ tên, ngày sinh)",
                                  "possibly one person listed twice (same name and date of birth)"),
    "member-unlinked": ("có dòng thành viên ghi mã hộ khác cách hoặc để trống trong ô gộp, chưa gắn được vào hộ",
                        "a member row whose household code is written another way, or blank in merged cells, is not "
                        "linked to the household"),
    "commune-unknown": ("mã xã không có trong danh mục", "commune code not in the unit list"),
    "commune-mismatch": ("mã xã khác mã xã của tệp", "commune code differs from the file's"),
    "review-date-no-standard": ("ngày rà soát không thuộc chuẩn nghèo nào", "review date under no standard"),
    "review-date-other-standard": ("ngày rà soát thuộc chuẩn nghèo khác", "review date under another standard"),
    "income-unreadable": ("thu nhập bình quân ghi nhưng không đọc được", "income per head written but unreadable"),
    "b1-unreadable": ("điểm B1 ghi nhưng không đọc được", "B1 score written but unreadable"),
    "b1-implausible": ("điểm B1 ngoài khoảng có thể có (dấu chấm đọc là dấu ngăn nghìn?)",
                       "B1 score outside what is possible (a dot read as a thousands separator?)"),
    "income-not-whole": ("thu nhập bình quân không phải số nguyên đồng (có phần lẻ)",
                         "income per head not a whole number of đồng (it has a fraction)"),
    "income-implausible": ("thu nhập bình quân ngoài khoảng có thể có (ghi theo nghìn đồng?)",
                           "income per head outside what is possible (written in thousands?)"),
}


def blocking_text(codes: str, lang: str = "vi") -> str:
    """``loi_chan`` codes (";"-separated) in words."""
    i = 1 if lang == "en" else 0
    return "; ".join(BLOCKING[c][i] if c in BLOCKING else c for c in codes.split(";") if c)


# the hints of file-outside-round: a return of another unit, or of another year's round of this one
# the hints of merge-unit-missing: under hgn merge (a results file to add) and under hgn run (a return)
MISSING_MERGE = ("Bổ sung tệp kết quả của đơn vị này rồi gộp lại.", "Add this unit's results file and merge again.")
MISSING_RUN = ("Bổ sung biểu rà soát của đơn vị này vào thư mục rồi chạy lại hgn run.",
               "Add this unit's return to the folder and run hgn run again.")
OUTSIDE_UNIT = ("Chuyển tệp sang thư mục của đúng đơn vị rồi chạy riêng.",
                "Move the file to its own unit's folder and run it there.")
OUTSIDE_YEAR = ("Nếu là biểu của đợt trước để lẫn vào thư mục, bỏ tệp ra khỏi thư mục; nếu là biểu của đợt này, sửa "
                "ngày rà soát trong tệp rồi chạy lại.",
                "If it is an earlier round's return left in the folder, take it out of the folder; if it is this "
                "round's, correct its review dates and run again.")


_REMEDY = {"merge-unit-missing": MISSING_MERGE, "file-outside-round": OUTSIDE_UNIT}


def finding(code: str, *, file: str = "", sheet: str = "", row: int | None = None, column: str | None = None,
            col: str | None = None, key: str | None = None, value: Any = None, **params: Any) -> Finding:
    """Make a finding; unknown codes are a programming error and fail at once."""
    if code not in CATALOGUE:
        raise KeyError(f"unknown finding code {code!r}")
    return Finding(code=code, file=file, sheet=sheet, row=row, column=column, col=col, key=key,
                   value=None if value is None else _text(value),
                   params=tuple(sorted((k, _text(v)) for k, v in params.items())))


_DATE_CELL = re.compile(r"(\d{4})-(\d{2})-(\d{2}) 00:00:00")  # a date cell as the reader gives it


def _text(value: Any) -> str:
    """A value as the officer wrote it: a whole number read as a float (7000.0) is 7000, a date cell
    ("2026-04-13 00:00:00" as read) the date Excel shows, 13/04/2026."""
    if isinstance(value, str):
        m = _DATE_CELL.fullmatch(value)
        return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if type(value).__module__ == "numpy" and hasattr(value, "is_integer"):
        f = float(value)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else str(value)
    return str(value)


@dataclass
class FileSummary:
    file: str
    layout: str = ""
    rows: dict[str, int] = field(default_factory=dict)  # sheet -> data rows read
    readable: bool = True


@dataclass
class Report:
    """All findings of a run, with per-file row counts."""

    findings: list[Finding] = field(default_factory=list)
    files: list[FileSummary] = field(default_factory=list)

    def extend(self, items: Iterable[Finding]) -> None:
        self.findings.extend(items)

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {ERROR: c.get(ERROR, 0), WARNING: c.get(WARNING, 0), INFO: c.get(INFO, 0)}

    def by_code(self) -> dict[str, int]:
        return dict(sorted(Counter(f.code for f in self.findings).items()))

    def worst(self) -> str | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=SEVERITY_RANK.__getitem__)

    def at_or_above(self, severity: str) -> int:
        rank = SEVERITY_RANK[severity]
        return sum(1 for f in self.findings if SEVERITY_RANK[f.severity] >= rank)

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (f.file, f.sheet, f.row or 0, f.col or "", f.code))

    def summary(self) -> dict[str, Any]:
        per_file = []
        for fs in self.files:
            c = Counter(f.severity for f in self.findings if f.file == fs.file)
            rows = {hide_ids(sheet): n for sheet, n in fs.rows.items()}  # (a sheet may be named by an ID)
            per_file.append({"file": fs.file, "layout": fs.layout, "readable": fs.readable, "rows": rows,
                             "errors": c.get(ERROR, 0), "warnings": c.get(WARNING, 0), "info": c.get(INFO, 0)})
        # a file said but not read with a warning or an error (a zipped return, a shortcut): a row too, so that the
        # rows add up to the totals of errors and warnings (hgn's own outputs passed over are said only, as info)
        read = {fs.file for fs in self.files}
        for name in dict.fromkeys(f.file for f in self.findings if f.file and f.file not in read
                                  and f.severity in (ERROR, WARNING)):
            c = Counter(f.severity for f in self.findings if f.file == name)
            per_file.append({"file": name, "layout": "", "readable": False, "rows": {},
                             "errors": c.get(ERROR, 0), "warnings": c.get(WARNING, 0), "info": c.get(INFO, 0)})
        return {"files": len(self.files), "rows": sum(sum(f.rows.values()) for f in self.files),
                **{k + "s" if k != INFO else k: v for k, v in self.counts().items()},
                "by_code": self.by_code(), "per_file": per_file}

    def to_frame(self, lang: str = "vi", lossless: bool = False) -> pd.DataFrame:
        cols = ["file", "sheet", "row", "column", "cell", "key", "code", "severity", "message", "hint", "value"]
        if lossless:
            return pd.DataFrame([f.to_record(lang) for f in self.sorted()], columns=cols + ["col", "params"])
        return pd.DataFrame([f.to_dict(lang) for f in self.sorted()], columns=cols)

    def to_json(self, lang: str = "vi") -> str:
        """The report as JSON for scripts: stdout may end in a log, so a personal ID in a finding (its value or
        message) shows its last four digits only; the findings workbook keeps it whole for the officers."""
        return json.dumps({"summary": self.summary(), "findings": [_masked(f, lang) for f in self.sorted()]},
                          ensure_ascii=False, indent=1)


# an ID, whole or with a digit too many or too few, in groups or not ("0301 5427 1829", "030/154/271829"): nine
# digits or more, separated at most by spaces, dots, slashes or dashes; not a row number or a commune code
_LONG_DIGITS = re.compile(r"\d(?:[\s./\-]*\d){8,}")


def _keep_last_four(text: str, hidden: Callable[[str], bool]) -> str:
    """``text`` with every character ``hidden`` says is part of the ID but the last four such replaced by "*"."""
    keep = sum(hidden(ch) for ch in text) - 4
    out = []
    for ch in text:
        if hidden(ch) and keep > 0:
            out.append("*")
            keep -= 1
        else:
            out.append(ch)
    return "".join(out)


def hide_id(m: re.Match[str]) -> str:
    """A match of ID_IN_TEXT hidden as :func:`hide_match` when it holds 11 to 13 digits (an ID, or one mistyped by a
    digit); any other number of digits is left as written."""
    text = m.group()
    digits = sum(ch.isdigit() for ch in text)
    if 11 <= digits <= 13:
        return _keep_last_four(text, str.isdigit)
    if digits > 13:  # IDs written one after another ("030185004444,030185004445"): each part that is one
        parts = re.sub(r"\d+", lambda p: _keep_last_four(p.group(), str.isdigit) if 11 <= len(p.group()) <= 13
                       else p.group(), text)
        if parts != text:
            return parts
        # an ID printed in groups after another number ("Số nhà 105 030 080 001 234"): the last groups that make
        # eleven to thirteen digits are the ID
        pieces = re.split(r"(?<=\d)(?=[\s.,/\-])", text)
        for i in range(1, len(pieces)):
            tail = "".join(pieces[i:])
            if 11 <= sum(ch.isdigit() for ch in tail) <= 13:
                return "".join(pieces[:i]) + _keep_last_four(tail, str.isdigit)
    return text


def hide_match(m: re.Match[str]) -> str:
    """A matched ID with every digit but the last four hidden (its separators kept)."""
    return _keep_last_four(m.group(), str.isdigit)


def mask_ids_in(text: str) -> str:
    """``text`` with every personal ID in it reduced to its last four digits."""
    return _LONG_DIGITS.sub(hide_match, text)


def shows_id(f: Finding) -> bool:
    """Whether a finding is about a personal ID cell (its value is the ID, as written)."""
    return (f.key or "").startswith("so_dinh_danh") or f.code.startswith("id-")


# an ID in any other finding's value or message (typed into the ethnicity or date column, a formula error
# holding one): 11 to 13 digits in a row, or 12 in groups of three or four ("030 080 001 234", "0300.8000.1234") —
# not a household code such as 10507-0001 or 11284-01-0001
# an ID in text: groups of three or more digits in a row or apart by one kind of separator — a space, dot, comma,
# slash or dash ("030185 004444", "030-185004444", "030.185.004444", "0301 8500 4444"), every grouping the ID column
# accepts — 11 to 13 digits in all (the count is checked on each match: :func:`hide_id`). A household code
# "11284-01-0001" (a group of two), an amount range "2.000.000-2.500.000" or a date range (two kinds of separator,
# short groups) is none.
ID_IN_TEXT = r"(?<![\d])\d{3,}(?:([\s.,/\-])\d{3,}(?:\1\d{3,})*)?(?![\d])"
# a text that may hold one (eleven digits or more, perhaps grouped): a quick test before ID_IN_TEXT's replacement,
# which calls Python per cell
ID_LIKE = r"\d(?:[\s.,/\-]?\d){10}"
_ID_IN_TEXT = re.compile(ID_IN_TEXT)


# a cell that is one number as Excel shows it: grouped by thousands ("30.074.957.355": an ID stored as a number,
# its leading zero lost) or in scientific form ("3.0074957355E+10")
_GROUPED = re.compile(r"\s*\d{1,3}([.,\s])\d{3}(?:\1\d{3})+\s*")
_SCIENTIFIC = re.compile(r"\s*\d(?:[.,]\d+)?[eE]\+?\d{1,2}\s*")


def _hide_cell(text: str) -> str:
    """A finding's value or parameter as shared: an ID-like number in it reduced to its last four digits — also a
    cell that is one whole number of 11 to 13 digits as Excel shows it (a text, a message, keeps its own numbers:
    "Tổ 15 030 080 001 234" masks the ID, not the 15)."""
    if _GROUPED.fullmatch(text) and 11 <= sum(ch.isdigit() for ch in text) <= 13:
        return _keep_last_four(text, str.isdigit)
    if _SCIENTIFIC.fullmatch(text):
        try:
            number = float(text.strip().replace(",", "."))
        except ValueError:
            number = 0.0
        if 1e10 <= number < 1e13:
            return _keep_last_four(text.strip(), str.isdigit)
    return _ID_IN_TEXT.sub(hide_id, text)


def _hide_all(text: str) -> str:
    """Every letter and digit but the last four hidden: an ID cell as written, whatever the typing mistake
    ("0300800O1234", "030,080,001,234")."""
    return _keep_last_four(text, str.isalnum)


def masked(f: Finding) -> Finding:
    """The finding as the terminal and ``--json`` show it: an ID cell's value reduced to its last four characters
    (and the digits a message quotes from it, such as the first three of id-province-unknown, hidden); any
    ID-like number in another finding's value or parameters reduced to its last four digits."""
    if shows_id(f):
        value = _hide_all(f.value) if f.value else f.value
        params = tuple((k, "***" if f.code == "id-province-unknown" and k.startswith("detail") else mask_ids_in(v))
                       for k, v in f.params)
    else:
        value = _hide_cell(f.value) if f.value else f.value
        params = tuple((k, _hide_cell(v)) for k, v in f.params)
    # a header or a sheet name as read can hold an ID too (a column pasted a row too high; a member list on a
    # sheet named by the head's ID)
    return dataclasses.replace(f, value=value, params=params, column=hide_ids(f.column) if f.column else f.column,
                               sheet=hide_ids(f.sheet) if f.sheet else f.sheet)


def hide_quoted(text: str) -> str:
    """``text`` with each quoted cell value ("30.074.957.355", as a message quotes what a cell holds) masked as a
    finding's value is (:func:`_hide_cell`), then every ID-like number in it (:func:`hide_ids`)."""
    return hide_ids(re.sub(r'"([^"\n]{1,40})"', lambda m: f'"{_hide_cell(m.group(1))}"', text))


def hide_ids(text: str) -> str:
    """``text`` with every ID-like number (11 to 13 digits, perhaps grouped) reduced to its last four digits."""
    return _ID_IN_TEXT.sub(hide_id, text)


def shared_message(f: Finding, lang: str = "vi") -> str:
    """The message of :func:`masked`, with any ID-like number left in it (a header, say) hidden too."""
    return hide_ids(masked(f).message(lang))


def _masked(f: Finding, lang: str) -> dict[str, Any]:
    d = masked(f).to_dict(lang)
    d["message"] = shared_message(f, lang)
    return d


def codes_table(lang: str = "vi") -> Sequence[tuple[str, str, str, str]]:
    """(code, severity, group, message template) for `hgn codes`."""
    if lang == "en":
        return [(c.code, c.severity, c.group, c.en) for c in CATALOGUE.values()]
    return [(c.code, SEVERITY_VI.get(c.severity, c.severity), GROUP_VI.get(c.group, c.group), c.vi)
            for c in CATALOGUE.values()]


GROUP_VI = {"structure": "cấu trúc", "value": "giá trị", "text": "chữ viết", "identity": "định danh",
            "admin": "đơn vị hành chính", "hygiene": "trình bày", "plausibility": "hợp lý", "classify": "phân loại",
            "merge": "tổng hợp"}
