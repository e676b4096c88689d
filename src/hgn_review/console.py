"""Rendering for the terminal (rich), with plain text when output is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hgn_review.errors import say
from hgn_review.findings import ERROR, SEVERITY_VI, WARNING, Report, hide_ids, shared_message
from hgn_review.text import count_text, counted, short_names


def _width(stream: Any) -> int | None:
    """A terminal's own width; a file or pipe gets wide lines (rich's 80 columns cut IDs and file names short)
    unless COLUMNS says otherwise."""
    import os

    try:
        if stream.isatty():
            return None
    except (AttributeError, ValueError):
        pass
    return None if os.environ.get("COLUMNS") else 200


out = Console(highlight=False, soft_wrap=False, width=_width(sys.stdout))
err = Console(stderr=True, highlight=False, width=_width(sys.stderr))

T = {
    "vi": {"file": "Tệp", "rows": "Số dòng", "errors": "Lỗi", "warnings": "Cảnh báo", "info": "Thông tin",
           "where": "Vị trí", "code": "Mã", "message": "Nội dung", "unreadable": "không đọc được",
           "top": "Các phát hiện đầu tiên", "more": "… và {n} phát hiện khác (xem --report-xlsx hoặc --json)",
           "clean": "Không có lỗi.", "total": "Tổng", "hint": "Gợi ý", "written": "Đã ghi", "layout": "Mẫu biểu"},
    "en": {"file": "File", "rows": "Rows", "errors": "Errors", "warnings": "Warnings", "info": "Info",
           "where": "Where", "code": "Code", "message": "Message", "unreadable": "unreadable",
           "top": "First findings", "more": "… and {n} more (see --report-xlsx or --json)",
           "clean": "No errors.", "total": "Total", "hint": "Hint", "written": "Written", "layout": "Layout"},
}


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], console: Console | None = None) -> None:
    t = Table(title=Text(title), show_lines=False, header_style="bold")  # (a standard's title "… [dự thảo]")
    for i, c in enumerate(columns):  # the first column names the row (a file, a code, an ID): never cut
        t.add_column(c, no_wrap=i == 0, overflow="fold" if i else "ellipsis", min_width=None)
    for r in rows:  # as plain text: a file named "11284 [bản cũ].xlsx", a cell "45 [/m2]" is not rich markup
        t.add_row(*[Text("" if v is None else str(v)) for v in r])
    (console or out).print(t)


def render_validation(report: Report, lang: str = "vi", top: int = 30, console: Console | None = None) -> None:
    c = console or out
    tr = T[lang]
    rows = []
    s = report.summary()
    shown_as = short_names([pf["file"] for pf in s["per_file"]] + [f.file for f in report.findings if f.file])
    for pf in s["per_file"]:
        n = sum(pf["rows"].values()) if pf["readable"] else tr["unreadable"]
        rows.append([shown_as.get(pf["file"], Path(pf["file"]).name), pf["layout"], n, pf["errors"], pf["warnings"]])
    rows.append([tr["total"], "", s["rows"], s["errors"], s["warnings"]])
    files = tr["file"].lower() + ("s" if lang == "en" and s["files"] != 1 else "")
    table(f"hgn validate — {s['files']} {files}", [tr["file"], tr["layout"], tr["rows"], tr["errors"],
                                                                 tr["warnings"]], rows, c)
    shown = [f for f in report.sorted() if f.severity in (ERROR, WARNING)]
    if not shown:
        c.print(tr["clean"])
        return
    lines = []
    for f in sorted(shown, key=lambda f: (f.severity != ERROR, f.file, f.row or 0))[:top]:
        where = shown_as.get(f.file, Path(f.file).name) + (f" › {hide_ids(f.sheet)}" if f.sheet else "") + \
            (f" › {f.cell or f.row}" if f.row else "")
        sev = SEVERITY_VI[f.severity] if lang == "vi" else f.severity
        lines.append([where, f"{sev}: {f.code}", shared_message(f, lang)])
    table(tr["top"], [tr["where"], tr["code"], tr["message"]], lines, c)
    if len(shown) > top:
        c.print(tr["more"].format(n=len(shown) - top))


def render_error(message: str, hint: str, lang: str = "vi") -> None:
    """An error on stderr. An ID-like number the message quotes (a cell typed over with an ID — "30.074.957.355" as
    Excel shows it too —, a commune code that is one) shows its last four digits only, as every terminal output
    does (a count, "17.179.869.184 ô", is not quoted: shown as it is)."""
    from hgn_review.findings import hide_quoted

    message, hint = hide_quoted(message), hide_quoted(hint)
    label = "Lỗi" if lang == "vi" else "Error"
    err.print(Text.assemble((f"{label}:", "bold red"), " ", message))  # a path or value quoted in it is not markup
    if hint:
        err.print(Text.assemble((f"{T[lang]['hint']}:", "bold"), " ", hint))


def class_name(name: str, lang: str) -> str:
    """A class or movement as said in ``lang`` (the data and the forms keep the Vietnamese names)."""
    if lang != "en":
        return name
    from hgn_review.merge.tables import DEPARTED, NO_CLASS
    from hgn_review.scoring.movements import WORDS_EN

    return {NO_CLASS: "No class", DEPARTED: "Left (moved away, dissolved)"}.get(name) or WORDS_EN.get(name, name)


def render_classification(summary: dict[str, Any], written: list[str], lang: str = "vi",
                          console: Console | None = None) -> None:
    c = console or out
    vi = lang == "vi"
    rows = [(class_name(k, lang), v) for k, v in summary["by_class"].items()]
    if summary.get("departed"):  # moved away or dissolved: a decrease of the period, in no class at its end
        from hgn_review.merge.tables import DEPARTED

        rows.append((class_name(DEPARTED, lang), summary["departed"]))
    rows.append(("Tổng số hộ" if vi else "Households", summary["households"]))
    table(f"hgn classify — {summary['standard']}", ["Phân loại" if vi else "Class", "Số hộ" if vi else "Households"],
          rows, c)
    if summary.get("by_movement"):
        table("Diễn biến" if vi else "Movements", ["Diễn biến" if vi else "Movement", "Số hộ" if vi else "Households"],
              [(class_name(k, lang), v) for k, v in summary["by_movement"].items()], c)
    f = summary["findings"]
    c.print(f"Phát hiện: {f.get('error', 0)} lỗi, {f.get('warning', 0)} cảnh báo" if vi else
            f"Findings: {counted(f.get('error', 0), 'error')}, {counted(f.get('warning', 0), 'warning')}")
    for u in summary.get("unread") or []:  # a whole return absent from the figures above
        c.print(f"• {u['file']}: {u['why'] if vi else u['why_en']}", markup=False)
    for w in written:
        c.print(f"{T[lang]['written']}: {w}", markup=False)


def render_run(summary: dict[str, Any], lang: str = "vi", console: Console | None = None) -> None:
    from hgn_review.registry import scope

    c = console or out
    vi = lang == "vi"

    def _n(value: float) -> str:
        return count_text(value, lang)

    f = summary["findings"]
    head = [("Tệp biểu rà soát" if vi else "Returns", f"{summary['files']} ({summary['processed']} "
             + ("đọc mới" if vi else "read") + f", {summary['cached']} " + ("lấy từ lần trước" if vi else "cached")
             + (f", {summary['copies']} " + ("bản sao" if vi else "copy" if summary["copies"] == 1 else "copies")
                if summary.get("copies") else "") + ")"),
            ("Số hộ / số người" if vi else "Households / persons",
             f"{_n(summary['counted']['households'])} / {_n(summary['counted']['persons'])}"),
            ("Lỗi / cảnh báo" if vi else "Errors / warnings", f"{_n(f.get('error', 0))} / {_n(f.get('warning', 0))}"),
            ("Cấp tổng hợp" if vi else "Level", scope(summary["level"], summary["unit"], summary.get("unit_name"), lang))]
    table("hgn run", ["", ""], head, c)
    from hgn_review.merge.tables import DEPARTED

    classes = [(class_name(k, lang), f"{_n(v)}") for k, v in summary["by_class"].items()]
    if summary.get("departed"):  # moved away or dissolved: a decrease of the period, in no class at its end
        classes.append((class_name(DEPARTED, lang), f"{_n(summary['departed'])}"))
    table("Phân loại" if vi else "Classes", ["Phân loại" if vi else "Class", "Số hộ" if vi else "Households"],
          classes, c)
    table("Thời gian" if vi else "Time", ["Bước" if vi else "Stage", "Giây" if vi else "Seconds"],
          [(say(k, lang), f"{v:.1f}" if not vi else f"{v:.1f}".replace(".", ",")) for k, v in summary["stages"].items()],
          c)
    outs = summary["outputs"]
    where = [("Phát hiện" if vi else "Findings", outs.get("phat_hien", [""])[0]),
             ("Biểu mẫu" if vi else "Forms", str(Path(outs["bieu_mau"][0]).parent) if outs.get("bieu_mau") else ""),
             ("Danh sách CSDL dân cư" if vi else "Population list", outs.get("danh_sach", [""])[0]),
             ("Trang tóm tắt" if vi else "Summary page", outs.get("html", [""])[0])]
    if outs.get("ban_sao"):  # --marked-copies
        where.insert(1, ("Bản sao tô lỗi" if vi else "Marked copies", str(Path(outs["ban_sao"][0]).parent)))
    if outs.get("so_xa"):  # --commune-workbooks
        where.append(("Sổ kết quả từng xã" if vi else "Commune workbooks", str(Path(outs["so_xa"][0]).parent)))
    table("Kết quả ở đâu" if vi else "Where the outputs are", ["", ""], where, c)
    for n in summary.get("notes", []):
        c.print(f"• {say(n, lang)}", markup=False)


def _unreconciled(files: list[str], vi: bool) -> str:
    """": kq_10510.xlsx (xem merge-reconciliation-mismatch trong sheet Phát hiện)": which results do not reconcile."""
    shown = ", ".join(files[:5]) + (" …" if len(files) > 5 else "")
    if vi:
        return f": {shown} (xem merge-reconciliation-mismatch trong sheet Phát hiện)" if files else \
            " (xem merge-reconciliation-mismatch trong sheet Phát hiện)"
    return f": {shown} (see merge-reconciliation-mismatch in the findings sheet)" if files else \
        " (see merge-reconciliation-mismatch in the findings sheet)"


def render_merge(summary: dict[str, Any], written: list[str], lang: str = "vi", console: Console | None = None) -> None:
    c = console or out
    vi = lang == "vi"

    def _n(value: float) -> str:
        return count_text(value, lang)

    level = {"commune": "xã", "district": "huyện", "province": "tỉnh"}.get(summary["level"], summary["level"]) \
        if vi else summary["level"]
    name = summary.get("unit_name", "") or ""
    rows = [("Đơn vị" if vi else "Unit", f"{summary['unit']} {name}" if name else f"{summary['unit']} ({level})"),
            ("Số hộ / số người" if vi else "Households / persons", f"{_n(summary['households'])} / {_n(summary['persons'])}"),
            ("Đối chiếu" if vi else "Reconciled", ("khớp" if vi else "yes") if summary["reconciled"] else
             ("KHÔNG KHỚP" if vi else "NO") + _unreconciled(summary.get("unreconciled") or [], vi)),
            ("Diễn biến cân đối" if vi else "Movements balance",
             (("có" if vi else "yes") if summary.get("movements_balanced", True) else
              ("KHÔNG: cuối kỳ ≠ đầu kỳ − giảm + tăng ở một số đơn vị (xem movement-unbalanced trong sheet Phát hiện)"
               if vi else "NO: end ≠ start − decreases + increases in some units (see movement-unbalanced in the "
               "findings sheet)"))),
            ("Đơn vị còn thiếu" if vi else "Missing units",
             f"{len(summary['missing_units'])}: " + ", ".join(summary["missing_units"][:12])
             + (" …" if len(summary["missing_units"]) > 12 else "") if summary["missing_units"] else "—")]
    rows += [(class_name(k, lang), f"{_n(v['households'])} hộ, {_n(v['persons'])} người" if vi else
              f"{counted(v['households'], 'household')}, {counted(v['persons'], 'person')}") for k, v in summary["by_class"].items()]
    counts = summary.get("findings", {})
    rows.append(("Phát hiện" if vi else "Findings",
                 f"{_n(counts.get('error', 0))} lỗi, {_n(counts.get('warning', 0))} cảnh báo (xem sheet Phát hiện)" if vi
                 else f"{counted(counts.get('error', 0), 'error')}, {counted(counts.get('warning', 0), 'warning')} "
                      "(see the findings sheet)"))
    pending = summary.get("crosswalk_pending")
    if pending and pending.get("households"):
        rows.append(("Chờ quy đổi 1/7/2025" if vi else "Awaiting the 1/7/2025 decision",
                     f"{_n(pending['households'])} hộ, {_n(pending['persons'])} người của xã nhập một phần: chưa tính vào "
                     "đơn vị mới nào — quyết định bằng --mapping" if vi else
                     f"{counted(pending['households'], 'household')}, {counted(pending['persons'], 'person')} of partly "
                     "merged communes: "
                     "in no new unit yet — decide with --mapping"))
    table("hgn merge", ["", ""], rows, c)
    for w in written:
        c.print(f"{T[lang]['written']}: {w}", markup=False)
