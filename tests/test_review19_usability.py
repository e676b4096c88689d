"""Review 19 (usab): a district officer's first autumn with hgn, reading only README.md and `--help`.

Walked through: `hgn template` for a commune, filled by hand with the mistakes communes make, `hgn validate
--report-xlsx` (findings workbook and highlighted copy), fixed, `hgn run --previous` from last year's output,
`hgn report --mask-pii`, `hgn merge` of two districts; plus common slips (a misspelt option, options out of order,
paths with spaces and Vietnamese letters, `--previous` pointed at the wrong thing, running twice into one folder,
a workbook open in Excel — its "~$name.xlsx" owner file).

Each failing test names, in its docstring, what the officer reads or gets that is wrong. Tests marked
`# guard (passes)` hold behaviour that works today.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import household, make_id, make_return, member
from hgn_review.errors import HgnError

ROOT = Path(__file__).resolve().parents[1]
ABOVE: dict[str, Any] = {"thu_nhap_bq": 5_000_000}  # well above the line: Không nghèo
NEAR: dict[str, Any] = {"thu_nhap_bq": 1_000_000}  # under the line, deprived in nothing: Cận nghèo


def _hgn_here(capfd: pytest.CaptureFixture[str], *args: object) -> subprocess.CompletedProcess[str]:
    """`hgn …` in this process (cli.main, as the entry point calls it): the exit code and what the officer reads."""
    from hgn_review import cli

    capfd.readouterr()
    argv = sys.argv
    sys.argv = ["hgn", *map(str, args)]
    code: object = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess(list(args), code if isinstance(code, int) else 1, out, err)


def _findings(book: Path) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(book, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


# ------------------------------------------------------------------------------------------------ README vs --help
def _readme_rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `hgn ([a-z]+)", line)
        if m:
            rows[m.group(1)] = rows.get(m.group(1), "") + line
    return rows


def _commands() -> dict[str, Any]:
    import typer

    from hgn_review.cli import app

    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_option_a_command_takes_is_in_the_readme(command: str) -> None:
    """The officer reads only README.md: a command or option `hgn <cmd> --help` offers that the README's command
    table never names is a defect (the brief). Found: `hgn version` is not in the table; `sample --year`,
    `validate --layout`, `classify --layout`, `report --unit`, `run --standard` and `run --json` are not in their
    rows (`--as-of` and `--lang` are said once for all commands). Cause: README.md, the Commands table. Fix: add
    them to the synopses (or the rows)."""
    rows = _readme_rows()
    assert command in rows, f"`hgn {command}` has no row in README.md's command table"
    params = _commands()[command].params
    offered = {o for p in params for o in p.opts if o.startswith("--")}
    documented = set(re.findall(r"--[a-z0-9-]+[a-z0-9]", rows[command]))
    undocumented = offered - documented - {"--help", "--lang", "--as-of"}
    assert not undocumented, f"hgn {command}: {sorted(undocumented)} in --help but not in README.md"


# ------------------------------------------------------------------------------------------------ hints
def test_a_review_date_written_as_a_year_is_not_told_a_year_alone_will_do(tmp_path: Path) -> None:
    """A commune types "2024" in "Ngày rà soát". hgn says it is not a valid date — and its "Cách sửa" says
    "Ghi ngày dạng dd/mm/yyyy (hoặc chỉ năm sinh)": the officer is told a year alone is fine, the very thing just
    refused (a year alone is allowed for Ngày sinh only, template guide: "Ngày sinh không rõ thì được ghi riêng
    năm sinh"). Cause: findings.py catalogue entry "value-not-date" (one hint for every date column). Fix: a hint
    per column — the "(hoặc chỉ năm sinh)" only on Ngày sinh."""
    from hgn_review.validate import validate_paths

    ret = make_return(tmp_path, [household(ngay_ra_soat="2024")])
    rep = validate_paths([ret])
    hits = [f for f in rep.findings if f.code == "value-not-date"]
    assert hits, [f.code for f in rep.findings]
    hint = hits[0].hint()
    assert "năm sinh" not in hint, hint


@pytest.mark.parametrize(("written", "column", "wrong"), [
    ("Nhà kiên cố", "loai_nha", "Bán kiên cố"),  # kiên cố (solid) told to write semi-solid
    ("Làm công có HĐLĐ", "viec_lam", "Làm công không HĐLĐ"),  # WITH a contract told to write WITHOUT one
])
def test_the_did_you_mean_never_offers_the_opposite_value(tmp_path: Path, written: str, column: str,
                                                          wrong: str) -> None:
    """"Nhà kiên cố" is told (có phải "Bán kiên cố"?) and "Làm công có HĐLĐ" (wage work with a labour contract) is
    told (có phải "Làm công không HĐLĐ"?) — the other meaning; an officer following the hint writes it in and
    changes the household's housing and employment indicators. validate._suggest's own comment says a hint of
    another meaning must not be offered. Cause: validate.py:_suggest (difflib ratio ≥ 0.8 on the folded text: a
    one-word difference "ban"/"nha", "co"/"khong" passes). Fix: prefer a choice contained in what was written
    ("kien co" in "nha kien co", "hdld" with "co") and never suggest a choice differing by a whole word such as
    "không"/"có", "bán"/"thiếu"."""
    from hgn_review.validate import validate_paths

    if column == "loai_nha":
        ret = make_return(tmp_path, [household(loai_nha=written)])
    else:
        ret = make_return(tmp_path, members=[member(viec_lam=written)])
    rep = validate_paths([ret])
    said = [f.message() for f in rep.findings if f.code == "value-not-in-list"]
    assert said, [f.code for f in rep.findings]
    assert not any(wrong in s for s in said), said


# ------------------------------------------------------------------------------------------------ --previous
def test_last_years_commune_return_given_as_previous_is_not_taken_as_last_years_results(tmp_path: Path) -> None:
    """The officer points `--previous` at last year's commune return (the file the commune sent in 2023) instead of
    last year's results. hgn reads its "Phân loại đầu kỳ" column — the class at the START of 2023 — as the class at
    the start of 2024: a household poor at the start of 2023 but not poor at its end is counted as escaping poverty
    in 2024 (Thoát nghèo sang cận nghèo) instead of newly near-poor, and nothing is said. Cause:
    pipeline.py:load_status_list / _status_table with _list_role accepting "phan loai dau ky": a commune return
    (sheets Hộ gia đình + Thành viên, "Mẫu biểu hgn v1") is read as a start list. Fix: refuse a return as the
    start list, as the population-database list is refused ("… là biểu rà soát của xã, không phải kết quả kỳ
    trước"; hint: the output folder of last year's hgn run)."""
    from hgn_review.pipeline import classify_paths

    last = make_return(tmp_path / "nam_truoc", [household(ma_ho="H1", phan_loai_dau_ky="Nghèo",
                                                          ngay_ra_soat="15/09/2023", **ABOVE)],
                       [member(ma_ho="H1")], name="11284_2023.xlsx")
    last_result = classify_paths([last]).results.households
    assert last_result.iloc[0]["phan_loai"] == "Không nghèo"  # what 2023 ended with
    ret = make_return(tmp_path / "in", [household(ma_ho="H1", phan_loai_dau_ky=None, **NEAR)], [member(ma_ho="H1")])
    try:
        run = classify_paths([ret], previous=last)
    except HgnError:
        return  # refused: the officer is told to give last year's results
    hh = run.results.households
    assert hh.iloc[0]["dau_ky"] != "Nghèo", hh[["ma_ho", "phan_loai", "dau_ky", "dien_bien"]].to_dict("records")


def test_a_return_of_this_round_given_as_previous_is_not_silently_left_out(tmp_path: Path) -> None:
    """`hgn run in --out kq --previous in/11287.xlsx` (the officer picked a file of this year's folder by mistake):
    the return is silently dropped from the round — the terminal and README.txt say "1 tệp biểu rà soát", and the
    commune only appears among the "thiếu … đơn vị" as if it had never sent its return. README: "each return not
    read is named on the terminal and in README.txt". Cause: pipeline.py:_returns_in (is_start_list drops
    whatever --previous names, even a commune's return). Fix: refuse a commune return as --previous (see the test
    above), or at least name the file left out, with why, on the terminal and in README.txt."""
    from hgn_review.pipeline import run_round

    inp = tmp_path / "in"
    make_return(inp, [household(ma_ho="A1")], [member(ma_ho="A1")], name="11284.xlsx")
    other = make_return(inp, [household(ma_ho="B1", ma_xa="11287")],
                        [member(ma_ho="B1", so_dinh_danh=make_id(serial="000777"))], name="11287.xlsx")
    try:
        run_round(inp, tmp_path / "kq", previous=other, jobs=1)
    except HgnError:
        return  # refused: fine
    readme = (tmp_path / "kq" / "README.txt").read_text(encoding="utf-8")
    assert "11287.xlsx" in readme, readme


def test_last_years_findings_workbook_given_as_previous_is_named_for_what_it_is(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """`--previous kq_2023/phat_hien.xlsx` (the officer picked the first workbook of last year's folder): hgn says
    the "start list" lacks the columns Mã hộ, Mã xã, Phân loại and hints "Cần các cột Mã xã, Mã hộ, Phân loại …"
    — as if the officer should add columns to it. The population-database list in the same folder is recognised
    and the hint points at last year's output folder; hgn's own findings workbook (marked as hgn's) is not.
    Cause: pipeline.py:load_status_list (only the population list is recognised in _status_sheet). Fix: recognise
    hgn's marked outputs (io/write.py HGN_OUTPUT) and give the same hint: use the output folder of last year's
    hgn run or its ket_qua/."""
    from hgn_review.pipeline import run_round

    last_in = tmp_path / "nam_truoc"
    make_return(last_in, [household(ma_ho="H1", ngay_ra_soat="15/09/2023")], [member(ma_ho="H1")])
    run_round(last_in, tmp_path / "kq_2023", jobs=1)
    ret = make_return(tmp_path / "in", [household(ma_ho="H1")], [member(ma_ho="H1")])
    r = _hgn_here(capfd, "classify", ret, "--out", tmp_path / "kq.xlsx", "--previous",
                  tmp_path / "kq_2023" / "phat_hien.xlsx")
    said = r.stdout + r.stderr
    assert r.returncode in (2, 3), said
    assert "thiếu cột" not in said, said
    assert "ket_qua" in said or "hgn run" in said, said


def test_previous_pointing_into_this_runs_output_folder_is_refused_with_what_to_do(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # guard (passes)
    """`--previous` naming the run's own output folder would take this year's results as the start: refused, exit 2,
    with a hint saying what to do."""
    from hgn_review.pipeline import run_round

    inp = tmp_path / "Biểu các xã"
    make_return(inp, [household(ma_ho="H1")], [member(ma_ho="H1")])
    run_round(inp, tmp_path / "Kết quả 2024", jobs=1)
    r = _hgn_here(capfd, "run", inp, "--out", tmp_path / "Kết quả 2024", "--previous", tmp_path / "Kết quả 2024")
    said = r.stdout + r.stderr
    assert r.returncode == 2, said
    assert "Gợi ý:" in said and "Traceback" not in said


# ------------------------------------------------------------------------------------------------ outputs
def test_a_workbook_open_in_excel_stops_the_run_before_anything_is_replaced(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """phat_hien.xlsx of the last run is open in Excel — Excel has put its owner file "~$phat_hien.xlsx" beside it
    (on a district's shared folder, as on any disk). README: "hgn run and hgn report check first that none of last
    run's outputs is held open … exit 3 naming the file". hgn replaces phat_hien.xlsx under Excel and exits 0; when
    the officer then saves in Excel, last run's findings overwrite the new ones. Cause: io/write.py:refuse_locked
    (returns at once when not on Windows; never looks for Excel's "~$" owner file). Fix: treat an output with a
    "~$<name>" (or LibreOffice ".~lock.<name>#") beside it as open, on every system."""
    from hgn_review.pipeline import run_round

    inp = tmp_path / "Biểu các xã"
    make_return(inp, [household(ma_ho="H1")], [member(ma_ho="H1")])
    out = tmp_path / "Kết quả 2024"
    run_round(inp, out, jobs=1)
    before = (out / "phat_hien.xlsx").read_bytes()
    (out / "~$phat_hien.xlsx").write_bytes(b"\x0bofficer" + b"\x00" * 40)
    make_return(inp, [household(ma_ho="H1", thu_nhap_bq=900_000)], [member(ma_ho="H1")])  # a fix arrives
    r = _hgn_here(capfd, "run", inp, "--out", out)
    said = r.stdout + r.stderr
    assert r.returncode == 3, said
    assert "phat_hien.xlsx" in said, said
    assert (out / "phat_hien.xlsx").read_bytes() == before


def test_report_of_fewer_forms_says_which_forms_of_the_last_report_it_removed(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """The officer re-makes form 01 only (`hgn report kq.xlsx --out-dir bao_cao --forms 1 --signer …`) into the
    folder of last week's full report. Forms 02–15 and the population lists of last week disappear, and the
    terminal only lists "Đã ghi: …" for what it wrote — nothing says 14 forms were removed (README does not say it
    either: "--forms 1,2,4|all"). Cause: reports/__init__.py:make_report (the loop unlinking the last report's
    outputs not written again) and cli.py report's rendering. Fix: say "Đã xoá bieu_02.xlsx … (của lần lập biểu
    trước)" on the terminal and document it with --forms (or keep them)."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1")], [member(ma_ho="H1")])
    res = tmp_path / "kq.xlsx"
    assert _hgn_here(capfd, "classify", ret, "--out", res).returncode in (0, 1)
    folder = tmp_path / "báo cáo xã"
    assert _hgn_here(capfd, "report", res, "--out-dir", folder).returncode == 0
    assert (folder / "bieu_03.xlsx").exists()
    r = _hgn_here(capfd, "report", res, "--out-dir", folder, "--forms", "1", "--signer", "Nguyễn Văn A")
    said = r.stdout + r.stderr
    assert r.returncode == 0, said
    assert (folder / "bieu_03.xlsx").exists() or "bieu_03" in said, said


def test_template_never_overwrites_and_paths_with_spaces_and_vietnamese_letters_work(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # guard (passes)
    """`hgn template` into "Xã Cẩm Thượng/biểu 2024.xlsx" writes it; a second call does not overwrite the (maybe
    filled) workbook: exit 2 with a Vietnamese hint."""
    out = tmp_path / "Xã Cẩm Thượng" / "biểu 2024.xlsx"
    r = _hgn_here(capfd, "template", "--commune", "10507", "--year", "2024", "--out", out)
    assert r.returncode == 0 and out.exists(), r.stdout + r.stderr
    first = out.read_bytes()
    r = _hgn_here(capfd, "template", "--out", out, "--year", "2024", "--commune", "10507")  # options reordered
    said = r.stdout + r.stderr
    assert r.returncode == 2 and "Gợi ý:" in said, said
    assert out.read_bytes() == first
