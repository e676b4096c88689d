"""Review 45: the README's promises taken literally, each done as an officer would from its words.

Clauses chosen where the suite had no test of their exact words: `hgn merge --mapping` CSV edge cases (its line
numbers, the rows Excel writes, Vietnamese headers, a village typed another way), the same file given twice to
`hgn merge`, `hgn codes` as "the catalogue of finding codes", `hgn version` as "the one each output records",
`hgn report`'s usage refusals (exit 2), `hgn run --lang en` (README.txt English, forms Vietnamese, a return left
out named in README.txt and on the terminal) and `--mask-pii` over an application export's head names.

Tests whose docstring starts "DEFECT." fail on the code as reviewed; those marked "# guard (passes)" hold behaviour
that is right and must stay right.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import app_row, household, make_app_return, make_id, make_return, member, run_hgn

VI_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def no_traceback(proc: Any) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


def _sheet(path: Path, name: str) -> list[dict[str, Any]]:
    """A results workbook's sheet as dicts keyed by its second (key) header row."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[name].iter_rows(values_only=True))
    wb.close()
    keys = rows[1]
    return [dict(zip(keys, r, strict=False)) for r in rows[2:]]


def _text_of(path: Path) -> str:
    """Every XML part of a workbook (cells, shared strings, properties) or the text of another file."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return path.read_text("utf-8", "replace")


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def split_commune(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Results of old commune 10762 Xã Vũ Dũng (split on 1/7/2025 between 10705 Xã Nam An Phụ and 10756 Xã Lai
    Khê): 2 households in "Thôn Đông", 3 in "Thôn Tây", one person each, reviewed 15/09/2024."""
    from hgn_review.io.results import write_results
    from hgn_review.pipeline import classify_paths

    root = tmp_path_factory.mktemp("r45_split")
    hhs, mms = [], []
    k = 0
    for village, n in (("Thôn Đông", 2), ("Thôn Tây", 3)):
        for _ in range(n):
            k += 1
            ma = f"10762-{k:04d}"
            hhs.append(household(ma_ho=ma, ma_xa="10762", thon=village, ho_ten_chu_ho=f"Chủ hộ {k}",
                                 thu_nhap_bq=1_000_000 if k % 2 else 4_000_000))
            mms.append(member(ma_ho=ma, stt=1, ho_ten=f"Người {k}", so_dinh_danh=make_id(serial=f"45{k:04d}")))
    ret = make_return(root / "in", hhs, mms, name="10762.xlsx")
    results = root / "ket_qua_10762.xlsx"
    write_results(classify_paths([ret]).results, results)
    return {"root": root, "results": results}


def _merge_with_mapping(split: dict[str, Path], csv_text: str, name: str) -> tuple[Any, Path]:
    root = split["root"]
    mapping = root / f"{name}.csv"
    mapping.write_bytes(csv_text.encode("utf-8-sig"))
    out = root / f"tinh_{name}.xlsx"
    proc = run_hgn("merge", split["results"], "--to-2025-units", "--mapping", mapping, "--out", out, "--json",
                   cwd=root)
    no_traceback(proc)
    return proc, out


# ============================================================================================ defects
def test_mapping_refusal_names_the_line_of_the_file_not_of_its_non_blank_lines(split_commune: dict[str, Path]) -> None:
    """DEFECT. README (merge): a --mapping line that "names an old commune code the crosswalk does not know
    (mistyped), is refused with its line number". A mapping typed in Notepad with a blank line after the header
    and between two lines, the mistyped code 10799 on line 5 of the file, is refused as "dòng 3": the officer opens
    the file at line 3, finds the correct "10762,Thôn Đông,10705" and cannot see what is wrong. The same offset
    misnames every line a refusal or the crosswalk-mapping-unused warning names.
    Cause: merge/crosswalk.py:read_mapping numbers rows `range(2, len(df) + 2)` after pandas.read_csv has skipped
    the blank lines (skip_blank_lines=True): the numbers are of the rows kept, not of the file's lines."""
    text = "ma_xa_cu,thon,ma_xa_moi\r\n\r\n10762,Thôn Đông,10705\r\n\r\n10799,Thôn Tây,10756\r\n"
    proc, _out = _merge_with_mapping(split_commune, text, "dong_trong")
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "10799" in proc.stderr, proc.stderr  # guard (passes): the mistyped code is refused and named
    assert re.search(r"dòng 5\b", proc.stderr), proc.stderr


def test_mapping_saved_by_excel_with_its_empty_rows_is_read(split_commune: dict[str, Path]) -> None:
    """DEFECT. README (merge): the --mapping CSV "`;`-separated as Excel writes it on a Vietnamese computer is
    read too". Excel writes one line of bare separators (";;") for each empty row inside the sheet's used range —
    rows whose contents were cleared, or that were only formatted — so a mapping sheet the officer tidied saves as
    "…\\r\\n;;\\r\\n;;\\r\\n". hgn refuses the whole file: "Tệp quy đổi …, dòng 4: mã xã phải có 5 chữ số" — line 4
    holds no code at all, and the officer, who sees no line 4 in Excel, is stuck. An empty line maps nothing and
    should be passed over like a blank one.
    Cause: merge/crosswalk.py:read_mapping reads ";;" as a row of empty strings (keep_default_na=False) and checks
    its codes against `\\d{5}` without first dropping rows whose three cells are all blank."""
    text = "ma_xa_cu;thon;ma_xa_moi\r\n10762;Thôn Đông;10705\r\n10762;Thôn Tây;10756\r\n;;\r\n;;\r\n"
    proc, out = _merge_with_mapping(split_commune, text, "excel_dong_rong")
    assert proc.returncode == 0, proc.stderr
    assert sorted(r["ma_xa"] for r in _sheet(out, "Hộ gia đình")) == ["10705", "10705", "10756", "10756", "10756"]


def test_codes_lists_every_code_an_officer_finds_in_phat_hien(tmp_path: Path) -> None:
    """DEFECT. README: "`hgn codes` — the catalogue of finding codes". A round over the application's export with
    a household whose size (family.numberOfMembers) is blank puts a warning with code "merge-persons-unknown" in
    phat_hien.xlsx ("Mã lỗi"); the officer looks it up with `hgn codes` (and `hgn codes --lang en`) and it is not
    there. Cause: the code lives only in merge/codes.py MERGE_CODES (a "pending" code, made by merge/codes.py:note
    without the shared catalogue); cli.py `codes` prints findings.CATALOGUE only, which lacks it."""
    rets = tmp_path / "in"
    rets.mkdir()
    make_app_return(rets, [app_row(), app_row(ma_ho="11284-0002", so_thanh_vien=None)])
    out = tmp_path / "out"
    proc = run_hgn("run", rets, "--out", out, cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(out / "phat_hien.xlsx", read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    col = rows[0].index("Mã lỗi")
    seen = {str(r[col]) for r in rows[1:] if r and r[col]} - {"code"}
    assert "merge-persons-unknown" in seen  # guard (passes): the finding is there for the officer to look up
    for lang in ("vi", "en"):
        listed = run_hgn("codes", "--lang", lang, cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert sorted(c for c in seen if c not in listed.stdout) == [], lang


def test_each_output_of_a_run_records_the_version_of_hgn(tmp_path: Path) -> None:
    """DEFECT. README: "`hgn version` — the version of hgn (the one each output records)". After `hgn run`,
    README.txt, report.html and ket_qua/meta.json record "0.1.0", but the fifteen forms, the population list
    workbook and phat_hien.xlsx record it nowhere — not in a cell, a note or a document property (their
    docProps/custom.xml holds only hgn_output = form/list/findings). A province officer holding a district's
    bieu_01.xlsx cannot tell which hgn made it, e.g. whether it predates a fix to its counts.
    Cause: io/write.py:mark_output (called by reports/excel.py for the forms, reports/population.py for the list,
    and for the findings workbook) sets only the hgn_output property, not the version that pipeline.py writes into
    README.txt and reports/html.py into report.html."""
    rets = tmp_path / "in"
    make_return(rets, [household(thu_nhap_bq=1_000_000)])
    out = tmp_path / "out"
    proc = run_hgn("run", rets, "--out", out, cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    version = run_hgn("version", cwd=tmp_path).stdout.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", version), version
    # guard (passes): the outputs that do record it
    assert version in (out / "README.txt").read_text("utf-8")
    assert version in (out / "bao_cao" / "report.html").read_text("utf-8")
    lacking = [p.relative_to(out).as_posix()
               for p in [out / "phat_hien.xlsx", *sorted((out / "bao_cao").glob("*.xlsx"))]
               if version not in _text_of(p)]
    assert lacking == [], lacking


# ============================================================================================ guards
def test_mapping_with_vietnamese_headers_and_villages_typed_another_way_is_applied(
        split_commune: dict[str, Path]) -> None:
    # guard (passes): a mapping saved by a Vietnamese Excel — headers "Mã xã cũ;Thôn;Mã xã mới" as typed, village
    # names in other case and spacing than the return's — sends each village's households to its new commune and
    # leaves none waiting
    text = "Mã xã cũ;Thôn;Mã xã mới\r\n10762;thôn  đông;10705\r\n10762;THÔN TÂY;10756\r\n"
    proc, out = _merge_with_mapping(split_commune, text, "tieu_de_viet")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["households"] == 5 and summary["reconciled"], summary
    assert not (summary.get("crosswalk_pending") or {}).get("households"), summary.get("crosswalk_pending")
    got = {r["ma_ho"]: r["ma_xa"] for r in _sheet(out, "Hộ gia đình")}
    assert got == {"10762-0001": "10705", "10762-0002": "10705", "10762-0003": "10756", "10762-0004": "10756",
                   "10762-0005": "10756"}, got


def test_mapping_line_contradicting_the_crosswalk_is_refused_with_its_line(split_commune: dict[str, Path]) -> None:
    # guard (passes): a line sending the split 10762's village to a new commune it did not go into is refused,
    # naming the line and the communes it did go into; nothing is written
    text = "ma_xa_cu,thon,ma_xa_moi\r\n10762,Thôn Đông,10705\r\n10762,Thôn Tây,10804\r\n"
    proc, out = _merge_with_mapping(split_commune, text, "sai_xa_moi")
    assert proc.returncode == 3, proc.stderr
    assert "dòng 3" in proc.stderr and "10705" in proc.stderr and "10756" in proc.stderr, proc.stderr
    assert not out.exists()


def test_merge_of_the_same_results_file_given_twice_counts_it_once(split_commune: dict[str, Path],
                                                                    tmp_path: Path) -> None:
    # guard (passes): "the same unit or file twice" — the file named twice on the command line (a glob and its
    # name) counts its 5 households once and reconciles
    res = split_commune["results"]
    out = tmp_path / "huyen.xlsx"
    proc = run_hgn("merge", res, res, "--out", out, "--json", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["households"], summary["persons"], summary["reconciled"]) == (5, 5, True), summary


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--forms", "16", "16"), ("--forms", "0", "0"), ("--forms", "3-1", "3-1"), ("--forms", "1,,2", "--forms"),
    ("--date", "31/02/2026", "31/02/2026"), ("--unit", "99999", "99999"),
])
def test_report_refuses_an_option_it_cannot_take_as_usage(split_commune: dict[str, Path], tmp_path: Path,
                                                          option: str, value: str, said: str) -> None:
    # guard (passes): exit 2 (usage) for a form that does not exist, a reversed range, an empty item, a date that
    # does not exist, a unit in no list — each said with the value, and nothing written
    out = tmp_path / "bao_cao"
    proc = run_hgn("report", split_commune["results"], "--out-dir", out, option, value, cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 2, (option, value, proc.stderr)
    assert proc.stderr.startswith("Lỗi:") and said in proc.stderr, proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_run_in_english_writes_an_english_readme_and_vietnamese_forms_naming_the_return_left_out(
        tmp_path: Path) -> None:
    # guard (passes): `--lang en` — README.txt and the terminal in English, naming the return of another province
    # left out and its households; the forms and report.html stay in Vietnamese (filed as prescribed)
    rets = tmp_path / "in"
    make_return(rets, [household(thu_nhap_bq=1_000_000)], name="11284.xlsx")
    make_return(rets, [household(ma_ho="11287-0001", ma_xa="11287")],
                [member(ma_ho="11287-0001", so_dinh_danh=make_id(serial="450778"))], name="11287.xlsx")
    make_return(rets, [household(ma_ho="00004-0001", ma_xa="00004")],
                [member(ma_ho="00004-0001", so_dinh_danh=make_id(serial="450777"))], name="ba_dinh.xlsx")
    out = tmp_path / "out"
    proc = run_hgn("run", rets, "--out", out, "--lang", "en", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    readme = (out / "README.txt").read_text("utf-8")
    assert readme.startswith("RESULTS OF THE REVIEW"), readme[:200]
    for said in (readme, proc.stdout):
        line = next((x for x in said.splitlines() if "ba_dinh.xlsx" in x), "")
        assert "1 household" in line and "01 Thành phố Hà Nội" in line, said
    # apart from the names of units and files, README.txt has no Vietnamese sentence
    stripped = re.sub(r"(Tỉnh|Thành phố|Huyện|Thị xã|Xã|Phường|Thị trấn) [^;:,)\n]*", "", readme)
    stripped = re.sub(r"\S+\.(xlsx|html|csv)|bao_cao|phat_hien|ket_qua|danh_sach_\S*", "", stripped)
    assert not VI_LETTERS.search(stripped), [x for x in stripped.splitlines() if VI_LETTERS.search(x)]
    wb = openpyxl.load_workbook(out / "bao_cao" / "bieu_01.xlsx", read_only=True)
    cells = " ".join(str(v) for r in wb.worksheets[0].iter_rows(values_only=True) for v in r if v)
    wb.close()
    assert "Tổng" in cells or "TỔNG" in cells.upper(), cells[:300]
    assert "lang=\"vi\"" in (out / "bao_cao" / "report.html").read_text("utf-8")


def test_mask_pii_masks_the_head_names_of_an_application_export_in_every_shared_output(tmp_path: Path) -> None:
    # guard (passes): an application export knows its persons only by the head's name on the household row; with
    # --mask-pii no head's full name — nor its last word — is in any file under bao_cao/, while without it the
    # poor household's head is listed (so the check looks where the names would be)
    rets = tmp_path / "in"
    rets.mkdir()
    make_app_return(rets, [
        app_row(ma_ho="11284-0001", ho_ten_chu_ho="Lò Thị Mênh", diem_b1=100, phan_loai_ghi="Nghèo", diem_b2=30,
                so_thieu_hut_ghi=3, th_nha_o=1, th_nuoc_sinh_hoat=1),
        app_row(ma_ho="11284-0002", ho_ten_chu_ho="Hoàng Văn Pảo"),
    ])
    plain, masked = tmp_path / "plain", tmp_path / "masked"
    for out, extra in ((plain, ()), (masked, ("--mask-pii",))):
        proc = run_hgn("run", rets, "--out", out, *extra, cwd=tmp_path)
        no_traceback(proc)
        assert proc.returncode == 0, proc.stderr
    assert any("Lò Thị Mênh" in _text_of(p) for p in (plain / "bao_cao").glob("*.*"))
    leaks = [(p.name, n) for p in sorted((masked / "bao_cao").rglob("*")) if p.is_file() and not p.name.startswith(".")
             for n in ("Lò Thị Mênh", "Hoàng Văn Pảo", "Mênh", "Pảo") if n in _text_of(p)]
    assert leaks == [], leaks
