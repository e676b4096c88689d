"""The `hgn` command: parse options, call one library function, render, exit. No data logic here."""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import re
import sys
from collections.abc import Iterator
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from hgn_review import __version__, exitcodes
from hgn_review.errors import FindingsStop, HgnError, UsageError

_HELP_LANG = ["vi"]  # the language of help screens: set by main() from --lang before the command line is parsed
# the frame of a help screen, which typer writes in English only: (English, Vietnamese)
_HELP_WORDS = (("[OPTIONS]", "[TUỲ_CHỌN]"), ("COMMAND [ARGS]...", "LỆNH [ĐỐI_SỐ]..."), ("[required]", "[bắt buộc]"),
               ("Show this message and exit.", "Hiện trợ giúp này rồi thoát."))
_HELP_HEADINGS = {"Usage:": "Cách dùng:", "Arguments:": "Đối số:", "Options:": "Tuỳ chọn:", "Commands:": "Lệnh:"}


def _help_text(text: str) -> str:
    """A help screen with its frame in the user's language. Typer shows an argument's name in braces and a list
    of paths as ``<list[Path]>``: written as the name and ``<path>``. Words typer may change are simply left."""
    # the same width, so that the columns typer laid out stay aligned
    text = re.sub(r"\{([^{}\s]+)\}", r"\1", text.replace("<list[Path]>", "<path>".ljust(len("<list[Path]>"))))
    if _HELP_LANG[0] != "vi":
        return text
    for en, vi in _HELP_WORDS:
        text = text.replace(en, vi)
    text = re.sub(r"\[default:(\s+)", r"[mặc định:\1", text)  # a line may wrap after the colon
    lines = text.split("\n")
    for i, line in enumerate(lines):
        head, sep, rest = line.partition(" ")
        if head in _HELP_HEADINGS and (not rest or head == "Usage:"):
            lines[i] = _HELP_HEADINGS[head] + sep + rest
    return "\n".join(lines)


@contextlib.contextmanager
def _english(command: Any) -> Iterator[None]:
    """The command's help texts (its own, its parameters', its subcommands') in English while a help screen is
    laid out with --lang en (help_en.HELP_EN), then put back."""
    if _HELP_LANG[0] != "en":
        yield
        return
    from hgn_review.help_en import HELP_EN

    objects = [command, *getattr(command, "params", []), *getattr(command, "commands", {}).values()]
    saved = [(o, a, getattr(o, a, None)) for o in objects for a in ("help", "short_help")]
    try:
        for o, a, text in saved:
            if isinstance(text, str):
                setattr(o, a, HELP_EN.get(inspect.cleandoc(text), HELP_EN.get(text, text)))
        yield
    finally:
        for o, a, text in saved:
            setattr(o, a, text)


class _Command(typer.core.TyperCommand):
    def get_help(self, ctx: Any) -> str:
        with _english(self):
            return _help_text(super().get_help(ctx))


class _Group(typer.core.TyperGroup):
    def get_help(self, ctx: Any) -> str:
        with _english(self):
            return _help_text(super().get_help(ctx))


app = typer.Typer(name="hgn", no_args_is_help=True, add_completion=False, rich_markup_mode=None, cls=_Group,
                  help="hgn — rà soát hộ nghèo, hộ cận nghèo (Vietnam poverty review toolkit).")
standard_app = typer.Typer(no_args_is_help=True, cls=_Group, help="Chuẩn nghèo: liệt kê, xem, kiểm tra tệp chuẩn.")
app.add_typer(standard_app, name="standard")


class Lang(StrEnum):
    vi = "vi"
    en = "en"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"


class LayoutOpt(StrEnum):
    hgn = "hgn"
    app = "app"


LangOpt = Annotated[Lang, typer.Option("--lang", help="Ngôn ngữ thông báo: vi (mặc định) hoặc en.")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Ngày áp dụng danh mục hành chính (dd/mm/yyyy).")]


def parse_date_opt(value: str | None, name: str = "--as-of") -> date | None:
    if value is None:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if name == "--as-of":
            _within_standards(day, value)
        return day
    raise UsageError(f"{name}: ngày \"{value}\" không hợp lệ.", hint="Ghi dạng dd/mm/yyyy, ví dụ 01/10/2024.",
                     message_en=f"{name}: invalid date \"{value}\".", hint_en="Use dd/mm/yyyy, e.g. 01/10/2024.")


def _within_standards(day: date, value: str) -> None:
    """An --as-of date no bundled national standard covers (01/01/1900, a year mistyped): refused — the unit list
    and the ages it would give are of no review hgn knows."""
    from hgn_review.scoring.standard import list_standards, national_spans

    national = [s for s in list_standards() if s.scope == "national"]
    if any(s.covers(day) for s in national):
        return
    spans = national_spans()
    raise UsageError(f"--as-of: ngày \"{value}\" không thuộc giai đoạn của chuẩn nghèo nào có sẵn ({spans}).",
                     hint="Kiểm tra năm của ngày (dd/mm/yyyy), ví dụ 01/10/2024.",
                     message_en=f"--as-of: the date \"{value}\" is in the period of no bundled poverty standard ({spans}).",
                     hint_en="Check the date's year (dd/mm/yyyy), e.g. 01/10/2024.")


@app.command(cls=_Command)
def version(lang: LangOpt = Lang.vi) -> None:  # noqa: ARG001 - taken as by every command; the number is the same
    """In phiên bản hgn."""
    typer.echo(__version__)


@app.command(cls=_Command)
def codes(lang: LangOpt = Lang.vi) -> None:
    """Danh mục mã phát hiện (finding codes) và ý nghĩa."""
    from hgn_review.console import table
    from hgn_review.findings import codes_table

    heads = ["Mã", "Mức độ", "Nhóm", "Nội dung"] if lang == Lang.vi else ["Code", "Severity", "Group", "Message"]
    table("hgn codes", heads, codes_table(lang.value))


@app.command(cls=_Command)
def template(
    commune: Annotated[str, typer.Option("--commune", help="Mã xã 5 chữ số.")],
    year: Annotated[int, typer.Option("--year", help="Năm rà soát.")],
    out: Annotated[Path, typer.Option("--out", help="Tệp .xlsx sẽ ghi.")],
    as_of: AsOfOpt = None,
    lang: LangOpt = Lang.vi,
) -> None:
    """Ghi biểu rà soát trống của một xã (mẫu hgn)."""
    from hgn_review.template import write_template

    if out.is_dir():  # a folder: the blank return is written into it under its own name (never over a file)
        out = out / f"hgn-{commune.strip()}-{year}.xlsx"
    if out.exists():  # a blank form never replaces a file: it may be a commune's filled return
        raise UsageError(f"Tệp {out} đã có; biểu trống không ghi đè lên tệp nào (có thể là biểu đã điền).",
                         hint="Chọn tên tệp khác cho --out, hoặc tự xoá tệp cũ nếu chắc chắn không cần.",
                         message_en=f"{out} exists; a blank return never replaces a file (it may be a filled one).",
                         hint_en="Choose another --out name, or delete the old file yourself if it is not needed.")
    _xlsx_name(out)
    day = parse_date_opt(as_of)
    if day is not None:
        from hgn_review.registry import REFORM_DATE
        from hgn_review.template import REVIEW_MONTH_DAY

        if (day < REFORM_DATE) != (date(year, *REVIEW_MONTH_DAY) < REFORM_DATE):  # a year and a list of two eras
            said = day.strftime("%d/%m/%Y")
            before = day < REFORM_DATE
            sys.stderr.write(
                (f"Lưu ý: --as-of {said} dùng danh mục đơn vị hành chính {'trước' if before else 'từ'} 1/7/2025, "
                 f"còn đợt rà soát năm {year} dùng danh mục {'từ' if before else 'trước'} 1/7/2025; kiểm tra lại "
                 "--year và --as-of.\n") if lang == Lang.vi else
                (f"Note: --as-of {said} takes the list of administrative units {'before' if before else 'from'} "
                 f"1/7/2025, while the {year} round uses the list {'from' if before else 'before'} 1/7/2025; check "
                 "--year and --as-of.\n"))
    path = write_template(out, commune, year, as_of=day, lang=lang.value)
    typer.echo(f"Đã ghi {path}" if lang == Lang.vi else f"Written: {path}")


@app.command(cls=_Command)
def sample(
    out: Annotated[Path, typer.Option("--out", help="Thư mục ghi các tệp mẫu.")],
    province: Annotated[str, typer.Option("--province", help="Mã tỉnh.")] = "30",
    communes: Annotated[int, typer.Option("--communes", help="Số xã (0 = tất cả).")] = 5,
    households: Annotated[int, typer.Option("--households", help="Số hộ mỗi xã.")] = 300,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống ngẫu nhiên: cùng số, cùng dữ liệu mẫu.")] = 7,
    error_rate: Annotated[float, typer.Option("--error-rate", help="Tỉ lệ lỗi cài vào (0–1).")] = 0.0,
    layout: Annotated[LayoutOpt, typer.Option("--layout", help="Mẫu biểu: hgn (biểu của hgn) hoặc app (tệp xuất của "
                                                             "phần mềm rà soát).")] = LayoutOpt.hgn,
    year: Annotated[int, typer.Option("--year", help="Năm rà soát của dữ liệu mẫu.")] = 2024,
    district: Annotated[str | None, typer.Option("--district", help="Chỉ các xã của huyện này.")] = None,
    lang: LangOpt = Lang.vi,
) -> None:
    """Sinh dữ liệu mẫu thực tế (có thể kèm lỗi) để thử nghiệm."""
    from hgn_review.sample import generate_sample

    if not 0 <= error_rate < 1:  # (a return every cell of which is wrong is no sample)
        raise UsageError(f"--error-rate {error_rate:g} không hợp lệ: tỉ lệ lỗi từ 0 đến dưới 1.",
                         hint="Ví dụ --error-rate 0.05 (5 % số hộ có lỗi); 0 là không cài lỗi.",
                         message_en=f"--error-rate {error_rate:g} is invalid: the error rate is from 0 to under 1.",
                         hint_en="For example --error-rate 0.05 (5 % of households with an error); 0 for none.")
    for name, value, least in (("--seed", seed, 0), ("--communes", communes, 0), ("--households", households, 1)):
        if value < least:
            raise UsageError(f"{name} phải ≥ {least}.", hint=f"Ghi một số nguyên từ {least} trở lên.",
                             message_en=f"{name} must be ≥ {least}.", hint_en=f"Give a whole number, {least} or more.")
    from hgn_review.template import check_review_year

    check_review_year(year)  # as hgn template
    _not_over_returns(out)
    m = generate_sample(out, province=province, communes=communes, households=households, seed=seed,
                        error_rate=error_rate, layout=layout.value, year=year, district=district)
    n_files = len(m["files"]) if isinstance(m, dict) else len(getattr(m, "files", []))
    typer.echo(f"Đã ghi {n_files} tệp vào {out} (kèm manifest.json)" if lang == Lang.vi
               else f"Wrote {n_files} files into {out} (with manifest.json)")


@app.command(cls=_Command)
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Tệp hoặc thư mục biểu rà soát.")],
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả JSON ra stdout.")] = False,
    report_xlsx: Annotated[Path | None, typer.Option("--report-xlsx", help="Ghi sổ phát hiện .xlsx.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Mức gây mã thoát 1.")] = FailOn.error,
    layout: Annotated[LayoutOpt | None, typer.Option("--layout", help="Ép mẫu biểu: hgn hoặc app.")] = None,
    as_of: AsOfOpt = None,
    max_cells: Annotated[int | None, typer.Option("--max-cells", help="Giới hạn số ô mỗi sheet.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", help="Số tiến trình song song (mặc định: số lõi CPU).")] = None,
    standard: Annotated[str | None, typer.Option("--standard", help="Mã chuẩn hoặc tệp YAML (mặc định theo ngày rà "
                                                                     "soát), như khi phân loại.")] = None,
    local: Annotated[str | None, typer.Option("--local", help="Chuẩn địa phương (mã hoặc tệp YAML).")] = None,
    lang: LangOpt = Lang.vi,
) -> None:
    """Kiểm tra biểu rà soát của các xã: mọi lỗi trong một lần, có vị trí và cách sửa."""
    from hgn_review.console import render_validation
    from hgn_review.io.write import write_findings_xlsx
    from hgn_review.validate import validate_paths

    _check_paths(paths)
    if report_xlsx is not None:
        _xlsx_name(report_xlsx, "--report-xlsx")
        _not_an_input(report_xlsx, paths)
    limits = _limits(max_cells)
    # a standard that cannot be used is said now, as classify and run say it — not left to each return, where it
    # would only silence the answers wanted
    from hgn_review.pipeline import check_standards

    check_standards(standard, local)
    result = validate_paths(paths, layout=layout.value if layout else None, as_of=parse_date_opt(as_of),
                            limits=limits, progress=_progress(as_json), jobs=_jobs(jobs), frames=False, answers=True,
                            standard=standard, local=local)
    if report_xlsx is not None:
        # each return by the name the findings give it (a name that is not UTF-8 is shown with escapes) → its file
        copies = {r.path: result.sources.get(r.path, Path(r.path)) for r in result.returns}
        written = write_findings_xlsx(result.report, report_xlsx, lang.value, copies=copies, jobs=_jobs(jobs))
        said = "Written" if lang.value == "en" else "Đã ghi"
        _note(f"{said} {', '.join(str(w) for w in written[:3])}{' …' if len(written) > 3 else ''}", as_json)
    if as_json:
        sys.stdout.write(result.report.to_json(lang.value) + "\n")
    else:
        render_validation(result.report, lang.value)
    raise typer.Exit(exitcodes.FINDINGS if result.report.at_or_above(fail_on.value) else exitcodes.OK)


class Prefer(StrEnum):
    recorded = "recorded"
    derived = "derived"


@app.command(cls=_Command)
def classify(
    paths: Annotated[list[Path], typer.Argument(help="Tệp hoặc thư mục biểu rà soát.")],
    out: Annotated[Path, typer.Option("--out", help="Tệp kết quả .xlsx.")],
    standard: Annotated[str | None, typer.Option("--standard", help="Mã chuẩn hoặc tệp YAML (mặc định theo ngày rà soát).")] = None,
    local: Annotated[str | None, typer.Option("--local", help="Chuẩn địa phương (mã hoặc tệp YAML).")] = None,
    previous: Annotated[Path | None, typer.Option("--previous", help="Danh sách đầu kỳ (kết quả kỳ trước).")] = None,
    history: Annotated[list[Path] | None, typer.Option("--history", help="Danh sách các kỳ trước nữa (xét tái nghèo); mọi tệp ghi sau --history (đến tuỳ chọn kế tiếp) đều là danh sách các kỳ, nên ghi các tệp biểu rà soát trước --history.")] = None,
    prefer: Annotated[Prefer, typer.Option("--prefer", help="Khi chỉ số ghi nhận khác chỉ số tính lại: dùng bên nào.")] = Prefer.recorded,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Thư mục ghi households.parquet, members.parquet.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In tóm tắt JSON ra stdout.")] = False,
    layout: Annotated[LayoutOpt | None, typer.Option("--layout", help="Ép mẫu biểu: hgn hoặc app.")] = None,
    as_of: AsOfOpt = None,
    max_cells: Annotated[int | None, typer.Option("--max-cells", help="Giới hạn số ô mỗi sheet.")] = None,
    lang: LangOpt = Lang.vi,
) -> None:
    """Phân loại hộ theo chuẩn nghèo đa chiều, kèm lý do, diễn biến và chỉ số AF."""
    from hgn_review.console import render_classification
    from hgn_review.io.results import write_results
    from hgn_review.pipeline import classify_paths

    _check_paths(paths + ([previous] if previous else []) + list(history or []))
    _not_an_input(out, paths + ([previous] if previous else []) + list(history or []))
    _xlsx_name(out)
    run = classify_paths(paths, standard=standard, local=local, previous=previous, history=history or [],
                         prefer=prefer.value, layout=layout.value if layout else None,
                         as_of=parse_date_opt(as_of), progress=_progress(as_json), limits=_limits(max_cells))
    written = write_results(run.results, out, parquet, lang.value)
    _note(("Chỉ số ghi nhận được ưu tiên" if prefer == Prefer.recorded else "Chỉ số tính lại được ưu tiên")
          if lang == Lang.vi else f"Preferring {prefer.value} indicators", as_json)
    if as_json:
        sys.stdout.write(json.dumps(run.summary_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        render_classification(run.summary_json(), [str(w) for w in written], lang.value)
    raise typer.Exit(exitcodes.OK)


@app.command(cls=_Command)
def merge(
    inputs: Annotated[list[Path], typer.Argument(help="Kết quả phân loại của các xã, hoặc kết quả tổng hợp của các huyện.")],
    out: Annotated[Path, typer.Option("--out", help="Tệp kết quả tổng hợp .xlsx.")],
    level: Annotated[str | None, typer.Option("--level", help="district hoặc province (mặc định: suy ra).")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Mã đơn vị tổng hợp (huyện/tỉnh).")] = None,
    as_of: AsOfOpt = None,
    prefer: Annotated[str | None, typer.Option("--prefer", help="Một đơn vị có ở hai tệp: newest hoặc đường dẫn tệp được chọn.")] = None,
    allow_mixed: Annotated[bool, typer.Option("--allow-mixed", help="Cho phép gộp kết quả khác chuẩn/phiên bản.")] = False,
    to_2025_units: Annotated[bool, typer.Option("--to-2025-units", help="Quy đổi xã cũ sang đơn vị hành chính từ 1/7/2025.")] = False,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="CSV ma_xa_cu, thon, ma_xa_moi cho xã nhập một phần.")] = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Thư mục ghi Parquet (để gộp tiếp lên tỉnh).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In tóm tắt JSON ra stdout.")] = False,
    lang: LangOpt = Lang.vi,
) -> None:
    """Tổng hợp xã lên huyện, huyện lên tỉnh; chứng minh không mất, không trùng hộ nào."""
    from hgn_review.merge import merge_results, summary_json, write_merge

    if level is not None and level not in ("district", "province"):
        raise UsageError(f"--level {level} không hợp lệ: phải là district hoặc province.",
                         hint="--level district (gộp xã lên huyện) hoặc --level province (gộp lên tỉnh); bỏ trống để hgn "
                              "tự xác định.",
                         message_en=f"--level {level} is invalid: it must be district or province.",
                         hint_en="--level district (communes into a district) or --level province; leave it out for hgn "
                                 "to work it out.")
    _check_paths(inputs + ([mapping] if mapping else []))
    _not_an_input(out, inputs + ([mapping] if mapping else []))
    _xlsx_name(out)
    m = merge_results(inputs, level=level, unit=unit, as_of=parse_date_opt(as_of), prefer=prefer,
                      allow_mixed=allow_mixed, to_2025_units=to_2025_units, mapping=mapping)
    written = write_merge(m, out, parquet, lang.value)
    s = summary_json(m)
    if as_json:
        sys.stdout.write(json.dumps(s, ensure_ascii=False, indent=1, default=str) + "\n")
    else:
        from hgn_review.console import render_merge

        render_merge(s, [str(w) for w in written], lang.value)
    raise typer.Exit(exitcodes.OK if m.reconciled else exitcodes.FINDINGS)


@app.command(cls=_Command)
def report(
    input: Annotated[Path, typer.Argument(help="Tệp kết quả của hgn classify hoặc hgn merge.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Thư mục ghi biểu mẫu, danh sách, report.html.")],
    forms: Annotated[str, typer.Option("--forms", help="Biểu cần lập: 1,2,4 hoặc 1-5 hoặc all.")] = "all",
    unit: Annotated[str | None, typer.Option("--unit", help="Chỉ lập cho đơn vị này (mã).")] = None,
    signer: Annotated[str, typer.Option("--signer", help="Tên thủ trưởng đơn vị ký.")] = "",
    place: Annotated[str, typer.Option("--place", help="Địa danh ở dòng ngày tháng.")] = "",
    report_date: Annotated[str | None, typer.Option("--date", help="Ngày lập biểu (dd/mm/yyyy).")] = None,
    forms_dir: Annotated[Path | None, typer.Option("--forms-dir", help="Thư mục định nghĩa biểu riêng của tỉnh.")] = None,
    mask_pii: Annotated[bool, typer.Option("--mask-pii", help="Che số định danh và tên (báo cáo gửi ra ngoài).")] = False,
    as_of: AsOfOpt = None,
    lang: LangOpt = Lang.vi,
) -> None:
    """Lập 15 biểu mẫu, danh sách kết nối CSDL dân cư và trang tóm tắt report.html."""
    from hgn_review.reports import make_report, parse_forms_option

    _check_paths([input] + ([forms_dir] if forms_dir else []))
    outs = make_report(input, out_dir, forms=parse_forms_option(forms), unit=unit, signer=signer, place=place,
                       report_date=parse_date_opt(report_date, "--date"), forms_dir=forms_dir, mask_pii=mask_pii,
                       as_of=parse_date_opt(as_of))
    label = "Đã ghi" if lang == Lang.vi else "Written"
    for p in [*outs.forms, *outs.population, outs.html]:
        typer.echo(f"{label}: {p}")
    for p in outs.removed:  # (a folder holds one report: fewer --forms than last time leave no old form beside)
        typer.echo(f"Đã xoá: {p} (của lần lập biểu trước, lần này không lập)" if lang == Lang.vi else
                   f"Removed: {p} (of the last report, not made this time)")
    from hgn_review.errors import say

    for n in outs.notes:
        typer.echo(f"• {say(n, lang.value)}")


@app.command(cls=_Command)
def run(
    input_dir: Annotated[Path, typer.Argument(help="Thư mục chứa biểu rà soát của các xã (có thể chia thư mục con theo huyện).")],
    out: Annotated[Path, typer.Option("--out", help="Thư mục kết quả.")],
    as_of: AsOfOpt = None,
    standard: Annotated[str | None, typer.Option("--standard", help="Mã chuẩn hoặc tệp YAML (mặc định theo ngày rà soát).")] = None,
    local: Annotated[str | None, typer.Option("--local", help="Chuẩn địa phương (mã hoặc tệp YAML).")] = None,
    previous: Annotated[Path | None, typer.Option("--previous", help="Danh sách đầu kỳ (kết quả kỳ trước).")] = None,
    mask_pii: Annotated[bool, typer.Option("--mask-pii", help="Che số định danh và tên trong biểu mẫu, danh sách và report.html (bao_cao/) để gửi ra ngoài; phat_hien.xlsx và ket_qua/ là dữ liệu nội bộ, không che.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", help="Số tiến trình song song (mặc định: số lõi CPU).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Dừng trước khi tổng hợp nếu còn lỗi.")] = False,
    commune_workbooks: Annotated[bool, typer.Option("--commune-workbooks", help="Ghi thêm sổ kết quả .xlsx của từng xã.")] = False,
    marked_copies: Annotated[bool, typer.Option("--marked-copies", help="Ghi thêm vào phat_hien_ban_sao/ bản sao của từng biểu có lỗi, cảnh báo, các ô cần sửa được tô màu và ghi chú, để gửi lại xã (mỗi biểu được mở và ghi lại: chậm với biểu lớn).")] = False,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Sau khi ghi mọi kết quả, thoát mã 1 nếu có phát hiện từ mức này (mặc định: mã 0 khi chạy xong).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In tóm tắt JSON ra stdout.")] = False,
    max_cells: Annotated[int | None, typer.Option("--max-cells", help="Giới hạn số ô mỗi sheet.")] = None,
    lang: LangOpt = Lang.vi,
) -> None:
    """Cả đợt rà soát trong một lệnh: kiểm tra, phân loại, tổng hợp, lập biểu; chạy lại chỉ đọc tệp đã đổi."""
    from hgn_review.console import render_run
    from hgn_review.pipeline import run_round

    _check_paths([input_dir] + ([previous] if previous else []))
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs phải ≥ 1.", hint="Bỏ --jobs để chạy một tiến trình mỗi lõi CPU, hoặc ghi một số như 2.",
                         message_en="--jobs must be ≥ 1.",
                         hint_en="Leave --jobs out for one process per CPU core, or give a number such as 2.")
    _limits(max_cells)  # a value below 1 is a usage error; the round keys its cache by the number itself
    try:
        outcome = run_round(input_dir, out, as_of=parse_date_opt(as_of), standard=standard, local=local,
                            previous=previous, mask_pii=mask_pii, jobs=jobs, strict=strict,
                            commune_workbooks=commune_workbooks, progress=_progress(as_json), max_cells=max_cells,
                            lang=lang.value, marked_copies=marked_copies)
    except HgnError as stop:  # stopped after reading (--strict, nothing to merge): a script given --json still gets
        if as_json and stop.summary is not None:  # its JSON; the message goes to stderr
            sys.stdout.write(json.dumps(stop.summary, ensure_ascii=False, indent=1) + "\n")
        raise
    if as_json:
        sys.stdout.write(json.dumps(outcome.summary_json(lang.value), ensure_ascii=False, indent=1) + "\n")
    else:
        render_run(outcome.summary_json(), lang.value)
    failed = fail_on is not None and outcome.report.at_or_above(fail_on.value)  # for scripts; outputs are written
    raise typer.Exit(exitcodes.FINDINGS if failed else exitcodes.OK)


@standard_app.callback()
def standard_group(lang: LangOpt = Lang.vi) -> None:  # noqa: ARG001 - its help screen's language (read before parsing)
    """Chuẩn nghèo: liệt kê, xem, kiểm tra tệp chuẩn."""


@standard_app.command("list", cls=_Command)
def standard_list(lang: LangOpt = Lang.vi) -> None:
    """Liệt kê các chuẩn có sẵn."""
    from hgn_review.console import table
    from hgn_review.scoring.standard import list_standards

    rows = [(s.id, s.title, f"{s.valid_from.value:%d/%m/%Y}", f"{s.valid_to.value:%d/%m/%Y}", s.source)
            for s in list_standards()]
    if lang == Lang.vi:
        table("Chuẩn nghèo", ["Mã", "Tên", "Từ ngày", "Đến ngày", "Căn cứ"], rows)
    else:
        table("Poverty standards", ["ID", "Title", "From", "To", "Source"], rows)


@standard_app.command("show", cls=_Command)
def standard_show(ident: Annotated[str, typer.Argument(help="Mã chuẩn hoặc tệp YAML.")],
                  lang: LangOpt = Lang.vi) -> None:
    """Xem mọi tham số của một chuẩn, kèm căn cứ và mức độ xác lập (law/practice/open)."""
    from hgn_review.console import table
    from hgn_review.scoring.standard import load_standard

    std = load_standard(ident)
    heads = ["Tham số", "Giá trị", "Mức độ", "Căn cứ"] if lang == Lang.vi else ["Parameter", "Value", "Status",
                                                                               "Source"]
    rows = [(p[0], _shown_value(p[1], lang), p[2], p[3]) for p in std.parameters()]
    # each indicator as a whole (its definition's own status: "open (wording)" for two of 2022–2025), then the
    # changes the standard records as not yet established (2027–2030: the indicator list itself)
    rows += [(f"indicators.{ind.key}", ind.name, ind.status, ind.source) for ind in std.indicators.values()]
    rows += [(f"indicators.{key}", "không có trong chuẩn này" if lang == Lang.vi else "not in this standard", "",
              "cột của biểu vẫn được đọc nhưng không tính" if lang == Lang.vi else "its column is read, not counted")
             for key in std.dropped]
    rows += [(f"open_changes[{i}]", ch.change, ch.status, ch.source) for i, ch in enumerate(std.open_changes, 1)]
    table(f"{std.id} — {std.title}", heads, rows)


def _shown_value(value: Any, lang: Lang) -> str:
    """A standard's parameter as an officer reads it: 1.500.000, 15–59, a list of words — not Python's repr."""
    from datetime import date as _date

    vi = lang == Lang.vi
    if value is None:
        return "chưa xác định" if vi else "not set"
    if isinstance(value, bool):
        return ("Có" if value else "Không") if vi else ("yes" if value else "no")
    if isinstance(value, int | float):
        if float(value).is_integer():
            from hgn_review.text import count_text

            return count_text(value, "vi" if vi else "en")
        text = f"{value:.4g}"
        return text.replace(".", ",") if vi else text
    if isinstance(value, _date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, tuple | list | frozenset | set):
        return "; ".join(_shown_value(v, lang) for v in value)
    if hasattr(value, "start") and hasattr(value, "end"):  # an age range
        start, end = value.start, value.end
        if end is None:
            return f"từ {start}" if vi else f"from {start}"
        return f"{start}–{end}"
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # a band: "16–17: THCS"
        return ": ".join(_shown_value(getattr(value, f.name), lang) for f in dataclasses.fields(value))
    return str(value)


@standard_app.command("check", cls=_Command)
def standard_check(file: Annotated[Path, typer.Argument(help="Tệp YAML chuẩn cần kiểm tra.")],
                   lang: LangOpt = Lang.vi) -> None:
    """Kiểm tra một tệp chuẩn; báo lỗi kèm đường dẫn YAML của chỗ sai."""
    from hgn_review.scoring.standard import load_standard

    _check_paths([file])
    std = load_standard(file)
    typer.echo(f"{'Hợp lệ' if lang == Lang.vi else 'Valid'}: {std.id} ({std.title}), sha256 {std.sha256[:12]}…")
    if std.dropped:  # said, so that an indicator left out by mistake is seen
        vi = lang == Lang.vi
        typer.echo((f"{len(std.keys)} chỉ số, ngưỡng nghèo {std.k}; không có chỉ số: " if vi else
                    f"{len(std.keys)} indicators, poor from {std.k}; not holding: ") + ", ".join(std.dropped))


def _not_over_returns(out: Path) -> None:
    """`hgn sample` writes its returns into a folder of its own, or over its own last sample (manifest.json), never
    among returns it did not write (io/write.refuse_returns_folder): a commune's filled return could be replaced."""
    from hgn_review.io.write import refuse_returns_folder

    if not (out / "manifest.json").exists():
        refuse_returns_folder(out)


def _jobs(jobs: int | None) -> int:
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs phải ≥ 1.", hint="Bỏ --jobs để chạy một tiến trình mỗi lõi CPU, hoặc ghi một số như 2.",
                         message_en="--jobs must be ≥ 1.",
                         hint_en="Leave --jobs out for one process per CPU core, or give a number such as 2.")
    return jobs or os.cpu_count() or 1


def _xlsx_name(out: Path, option: str = "--out") -> None:
    """An output workbook is named .xlsx: under another name (".csv") Excel would refuse to open it. ``option``:
    the command's option that names it, for the example."""
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"Tệp kết quả {out} phải có đuôi .xlsx (hgn ghi sổ Excel).",
                         hint=f"Ví dụ: {option} {out.with_suffix('.xlsx').name}",
                         message_en=f"The output {out} must be named .xlsx (hgn writes an Excel workbook).",
                         hint_en=f"For example: {option} {out.with_suffix('.xlsx').name}")


def _check_paths(paths: list[Path]) -> None:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"Không tìm thấy: {', '.join(missing)}", hint="Kiểm tra đường dẫn tệp hoặc thư mục.",
                         message_en=f"Not found: {', '.join(missing)}", hint_en="Check the path.")


def _limits(max_cells: int | None) -> Any:
    """The reading limits of --max-cells (None: the defaults); a value below 1 is a usage error."""
    if max_cells is None:
        return None
    if max_cells < 1:
        raise UsageError("--max-cells phải ≥ 1.", hint="Bỏ --max-cells để dùng giới hạn mặc định, hoặc ghi một số "
                         "ô lớn hơn số ô của sheet lớn nhất.", message_en="--max-cells must be ≥ 1.",
                         hint_en="Leave --max-cells out for the default limit, or give more cells than the largest "
                                 "sheet holds.")
    from hgn_review.io.safety import Limits

    return Limits(max_cells=max_cells)


def _not_an_input(target: Path, paths: list[Path]) -> None:
    """Refuse to write an output over one of the inputs (inputs are never modified)."""
    if target.is_dir():
        return
    import os

    from hgn_review.io.read import discover

    aim = os.path.realpath(target)  # (never raises: a loop of links among the inputs is a return said unreadable)
    if any(os.path.realpath(f) == aim for f, _d in discover(paths)):
        raise UsageError(f"{target} là một tệp đầu vào: không ghi đè lên tệp đầu vào.",
                         hint="Chọn tên khác cho tệp ghi ra.",
                         message_en=f"{target} is one of the inputs: an input is never overwritten.",
                         hint_en="Give the output another name.")


def _note(text: str, quiet_stdout: bool) -> None:
    print(text, file=sys.stderr if quiet_stdout else sys.stdout)


def _progress(quiet: bool):  # type: ignore[no-untyped-def]
    if quiet or not sys.stderr.isatty():
        return None

    def show(name: str, i: int, n: int) -> None:
        print(f"\r[{i + 1}/{n}] {Path(name).name[:60]:<60}", end="", file=sys.stderr, flush=True)
        if i + 1 == n:
            print(file=sys.stderr)

    return show


def _utf8_streams() -> None:
    """Vietnamese text on any console or redirection: a Windows command whose output goes to a file or a pipe
    writes in the ANSI code page (cp1252, cp1258), which has no "ệ" — the first message would fail. The output is
    written as UTF-8 instead (an interactive Windows console is UTF-8 already)."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # a stream that cannot change is left as it is
                stream.reconfigure(encoding="utf-8", errors="replace")


def _usage_vi(exc: Exception) -> str:
    """click's usage errors, which it words in English only, in Vietnamese (told by their class names: typer
    carries its own copy of click, so the classes are not importable in one place)."""
    kinds = {t.__name__ for t in type(exc).__mro__}
    param = getattr(exc, "param", None)
    name = "/".join(getattr(param, "opts", None) or []) or (getattr(param, "name", "") or "").upper()
    message = str(getattr(exc, "message", "") or exc)
    if "MissingParameter" in kinds:
        kind = "đối số" if type(param).__name__.endswith("Argument") else "tuỳ chọn"
        return f"Thiếu {kind} {name}." if name else "Thiếu một đối số."
    if "NoSuchOption" in kinds:
        near = sorted(getattr(exc, "possibilities", None) or [])
        return f"Không có tuỳ chọn {getattr(exc, 'option_name', '')}." + (f" Có phải là: {', '.join(near)}?" if near
                                                                           else "")
    if "BadParameter" in kinds:
        return f"Giá trị không hợp lệ cho {name or 'một tham số'}: {_bad_value_vi(message)}"
    m = re.match(r"Option '(.*?)' requires an argument", message)
    if m:
        return f"Tuỳ chọn {m.group(1)} cần một giá trị ghi ngay sau nó."
    m = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message)
    if m:
        return (f"Thừa đối số: {m.group(1)}. Một đường dẫn có dấu cách cần đặt trong ngoặc kép "
                "(\"Biểu các xã\"); xem --help.")
    m = re.match(r"No such command '(.*?)'\.(?: Did you mean '(.*?)'\?)?", message)
    if m:
        return f"Không có lệnh “{m.group(1)}”." + (f" Có phải là “{m.group(2)}”?" if m.group(2) else
                                                  " Xem các lệnh bằng hgn --help.")
    return f"Lệnh chưa đúng: {message}"


# what click and typer say of a bad value, in English only: (pattern, Vietnamese with the pattern's groups)
_BAD_VALUES = (
    (r"(?:Value error, )?'(.*)' is not one of (.*?)\.?$", "“{0}” không phải một trong các giá trị {1}."),
    (r"Input should be (.*)$", "cần {0}."),
    (r"'(.*)' is not a valid (?:integer|int)(?: range)?\.?$", "“{0}” không phải số nguyên."),
    (r"'(.*)' is not a valid float\.?$", "“{0}” không phải số."),
    (r"(.*) is not in the range (.*?)\.?$", "{0} nằm ngoài khoảng {1}."),
    # click.Path: "path 'in' is not readable." (a folder the account may not open) …
    (r"(?i:path|file|directory) '(.*)' is not readable\.?$",
     "không đọc được “{0}”: tài khoản này không có quyền đọc — kiểm tra quyền của thư mục hoặc tệp."),
    (r"(?i:path|file|directory) '(.*)' is not writable\.?$",
     "không ghi được vào “{0}”: tài khoản này không có quyền ghi — kiểm tra quyền của thư mục."),
    (r"(?i:path|file|directory) '(.*)' does not exist\.?$", "không có “{0}” — kiểm tra đường dẫn."),
)
_BAD_WORDS = (("a valid integer", "một số nguyên"), ("a valid number", "một số"), ("a valid boolean", "Có hoặc Không"),
              ("unable to parse string as an integer", "không đọc được thành số nguyên"),
              ("unable to parse string as a number", "không đọc được thành số"), (" or ", " hoặc "))


def _bad_value_vi(message: str) -> str:
    """click's and typer's words for a bad option value in Vietnamese; the value as typed is kept."""
    for pattern, vi in _BAD_VALUES:
        m = re.match(pattern, message.strip())
        if m:
            groups = list(m.groups())
            if pattern.startswith("Input"):
                for en, v in _BAD_WORDS:
                    groups[0] = groups[0].replace(en, v)
            return vi.format(*groups)
    return message


def _os_cause(exc: BaseException) -> OSError | None:
    """The operating system's refusal behind a library's error, if that is what it is."""
    seen: set[int] = set()
    at: BaseException | None = exc
    while at is not None and id(at) not in seen:
        seen.add(id(at))
        if isinstance(at, OSError):
            return at
        inner = next((a for a in getattr(at, "args", ()) if isinstance(a, OSError)), None)
        at = inner or at.__cause__ or at.__context__
    return None


def _os_refused(exc: OSError, lang: str) -> None:
    """Say which file or folder the system refused and why, and exit 3."""
    from hgn_review.console import render_error
    from hgn_review.errors import os_reason

    where = f" {exc.filename}" if exc.filename else ""
    why, why_en = os_reason(exc)
    render_error(f"Không truy cập được{where}: {why}." if lang == "vi" else f"Cannot access{where}: {why_en}.",
                 "Kiểm tra đường dẫn, quyền đọc/ghi và chỗ trống trên ổ đĩa, rồi chạy lại." if lang == "vi"
                 else "Check the path, the permissions and the free disk space, then run again.", lang)
    sys.exit(exitcodes.COULD_NOT_RUN)


def _lang_of(argv: list[str]) -> str:
    """The language asked for on the command line, before it is parsed: ``--lang en`` or ``--lang=en``."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and argv[i + 1:i + 2] == ["en"] or arg == "--lang=en":
            return "en"
    return "vi"


def _lang_after_command(args: list[str]) -> list[str]:
    """``hgn --lang en validate …``: the language given before the command is the command's option (every command
    has --lang); bare ``hgn --lang en`` or ``hgn --lang en --help`` is the list of commands in that language."""
    if len(args) >= 2 and args[0] == "--lang" or args and args[0].startswith("--lang="):
        taken = args[:2] if args[0] == "--lang" else args[:1]
        rest = args[len(taken):]
        if rest and not rest[0].startswith("-"):  # a command (or a group and its command): the option at the end
            return [*rest, *taken]
        return rest or ["--help"]  # the list of commands: its language is read before parsing (_lang_of)
    if args and args[0] == "standard" and len(args) > 1:  # `hgn standard --lang en list`: the command's option
        return [args[0], *_lang_after_command(args[1:])]
    return args


def _every_history(args: list[str]) -> list[str]:
    """`hgn classify … --history A B` as the README writes it (``--history FILE...``): every file after --history,
    up to the next option, is a period's list — typer takes one value per option, and B would otherwise be read as
    one more commune return."""
    if not args or args[0] != "classify" or "--history" not in args:
        return args
    out: list[str] = []
    taking = False
    for a in args:
        if a == "--history":
            taking = False
            out.append(a)
            continue
        if out and out[-1] == "--history":
            out.append(a)
            taking = True
            continue
        if taking and not a.startswith("-"):
            out += ["--history", a]
            continue
        taking = False
        out.append(a)
    return out


def main() -> None:
    """Entry point: one place where "could not run" becomes a message, a hint and an exit code."""
    _utf8_streams()
    lang = _lang_of(sys.argv[1:])
    sys.argv[1:] = _every_history(_lang_after_command(sys.argv[1:]))
    _HELP_LANG[0] = lang
    try:
        from hgn_review.console import render_error
    except KeyboardInterrupt:  # pressed while the libraries load
        sys.stderr.write("Đã dừng theo yêu cầu.\n" if lang == "vi" else "Stopped.\n")
        sys.exit(130)

    try:
        rc = app(standalone_mode=False)
        if rc == 130:  # Ctrl-C: typer makes it an exit code, which click hands back without a word
            render_error("Đã dừng theo yêu cầu." if lang == "vi" else "Stopped.", "", lang)
        sys.exit(rc if isinstance(rc, int) else exitcodes.OK)
    except HgnError as exc:
        msg, hint = exc.render(lang)
        render_error(msg, hint, lang)
        if isinstance(exc, FindingsStop):
            sys.exit(exitcodes.FINDINGS)
        sys.exit(exitcodes.USAGE if isinstance(exc, UsageError) else exitcodes.COULD_NOT_RUN)
    except typer.Exit as exc:
        if exc.exit_code == 130:  # Ctrl-C, turned into an exit by typer
            render_error("Đã dừng theo yêu cầu." if lang == "vi" else "Stopped.", "", lang)
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        render_error("Đã dừng theo yêu cầu." if lang == "vi" else "Stopped.", "", lang)
        sys.exit(130)
    except OSError as exc:  # the system refused a file or folder (permissions, a full disk): not a fault of hgn
        if os.environ.get("HGN_DEBUG"):
            raise
        _os_refused(exc, lang)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for officers
        # typer's own usage errors (bad option, missing argument) carry show() and an exit code
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            if lang == "vi" and type(exc).__name__ != "NoArgsIsHelpError":  # bare `hgn`: its help, as is
                render_error(_usage_vi(exc), "Xem hgn --help, hoặc hgn <lệnh> --help.", lang)
            else:
                show()
            sys.exit(exitcodes.USAGE)
        if os.environ.get("HGN_DEBUG"):
            raise
        cause = _os_cause(exc)  # a library's own error for a file it could not write (xlsxwriter's FileCreateError)
        if cause is not None:
            _os_refused(cause, lang)
        from hgn_review.findings import hide_ids

        said = hide_ids(str(exc)[:200])  # an exception may quote a cell: no personal ID on the terminal
        render_error(f"Lỗi nội bộ của hgn ({type(exc).__name__}: {said})" if lang == "vi"
                     else f"Internal error in hgn ({type(exc).__name__}: {said})",
                     "Chạy lại với HGN_DEBUG=1 để xem chi tiết và báo cho nhóm phát triển." if lang == "vi"
                     else "Run again with HGN_DEBUG=1 for details and report it.", lang)
        sys.exit(exitcodes.INTERNAL)


