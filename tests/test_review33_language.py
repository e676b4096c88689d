"""Review 33: the language of what hgn says — above all what was added lately (a standard file dropping an indicator
with `indicators: {th_…: null}`, `hgn validate/run --local`, the finding `formula-rows-skipped`, the report notes on
figures left blank because an indicator is not determined, `hgn standard check/show`) — in Vietnamese and with
`--lang en`, run as an officer would on small inputs.

Scratch files of the probes that led here: /tmp/test_review33_language/.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl

from conftest import COMMUNE_2, household, make_return, member, ok, run_hgn
from hgn_review.pipeline import classify_paths

DEVICES = "th_phuong_tien_thong_tin"

ELEVEN = """\
id: tinh-11
title: Chuẩn tỉnh thử, 11 chỉ số
scope: national
source: thử nghiệm
status: practice
extends: vn-2022-2025
indicators:
  th_phuong_tien_thong_tin: null
"""

LOCAL_ELEVEN = """\
id: tinh-dp-11
title: Chuẩn địa phương thử, 11 chỉ số
scope: local
source: thử nghiệm
status: practice
extends: example-bac-ninh
indicators:
  th_dinh_duong: null
"""

TWENTY_POINTS = """\
id: tinh-b2-20
title: Chuẩn tỉnh thử, 20 điểm B2 mỗi chỉ số
scope: national
source: thử nghiệm
status: practice
extends: vn-2022-2025
deprivation:
  b2_points: {value: 20, status: practice, source: "thử: 20 điểm cho mỗi chỉ số thiếu hụt"}
"""

# a letter only Vietnamese writes (a word holding one is a Vietnamese word)
_VI_LETTER = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _vietnamese_words(text: str) -> list[str]:
    """The Vietnamese words of ``text`` outside quotes (a quoted header or value is the return's own data)."""
    bare = re.sub(r"\"[^\"]*\"|“[^”]*”", "", text)
    return [w for w in re.findall(r"\w+", bare) if _VI_LETTER.search(w)]


def _three_deprived(**kw: object) -> dict[str, object]:
    """Income on the rural line; deprived in housing area (7 m² for one person), latrine and information devices."""
    return household(**{"ma_ho": "11284-0001", "thu_nhap_bq": 1500000, "dien_tich_nha": 7, "nha_tieu": "Khác",
                        "phuong_tien_thong_tin": "Không", **kw})


def _formula_tail(path: Path, sheet: str, column: str, rows: range) -> None:
    """Formulas dragged below the list into ``column`` of ``rows``, their cached result 0 (as Excel saves them)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for r in rows:
        ws[f"{column}{r}"] = f"=COUNTIF('Thành viên'!A:A,A{r})"
    wb.save(path)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<c [^>]*><f>[^<]*</f>)(<v ?/>|<v></v>)?(?=</c>)", rb"\1<v>0</v>", data)
            dst.writestr(item, data.replace(b' fullCalcOnLoad="1"', b""))
    tmp.replace(path)


# ---------------------------------------------------------------------------------------------------- defects


def test_b2_count_mismatch_names_the_points_of_the_standard_not_ten(tmp_path: Path) -> None:
    """DEFECT. Under a province's standard of 20 B2 points per deprivation (`deprivation.b2_points: 20`, which
    README and domain.md allow), a household deprived in 3 indicators whose B2 reads 40 gets
    "Điểm B2 = 40 khác 10 × số chỉ số thiếu hụt (3 chỉ số → 60 điểm)" / "B2 = 40 differs from 10 × the deprivation
    count (3 indicators → 60 points)": 10 × 3 is not 60 — the message contradicts itself and sends the officer to
    recompute at 10 points. An officer expects the standard's own points (20 ×), as b2-not-multiple-of-10 already
    says ("Mỗi chỉ số thiếu hụt tính 20 điểm"). Likely cause: findings.py CATALOGUE["b2-count-mismatch"] hard-codes
    "10 ×" in both templates, and scoring/classify.py:classify (the B2 check) passes only the counts as `detail`,
    never std.b2_points."""
    std = _write(tmp_path / "b20.yaml", TWENTY_POINTS)
    path = make_return(tmp_path, [_three_deprived(diem_b2=40)], [member()])
    run = classify_paths([path], standard=str(std))
    said = [f for f in run.report.findings if f.code == "b2-count-mismatch"]
    assert said, [(f.code, f.message()) for f in run.report.findings]
    vi, en = said[0].message("vi"), said[0].message("en")
    assert "60 điểm" in vi and "60 points" in en  # the right expected score (right)
    assert "10 ×" not in vi and "20" in vi.split("(")[0], vi
    assert "10 ×" not in en and "20" in en.split("(")[0], en


def test_run_refusing_two_years_in_equal_numbers_says_it_in_english_with_lang_en(tmp_path: Path) -> None:
    """DEFECT. `hgn run FOLDER --lang en` on a folder holding one return of the 2024 round and one of the 2023 round
    stops (exit 3, right) with "The folder holds returns of several years' rounds in equal numbers (năm 2024: 1 tệp;
    năm 2023: 1 tệp)." — the counts, the one thing the officer must read to sort the folder, are in Vietnamese in an
    English message. An officer who asked for English expects "(2024: 1 file; 2023: 1 file)". Likely cause:
    pipeline.py:_admissible builds one `listing` ("năm {y}: {n} tệp") and puts it in both the Vietnamese message and
    message_en of the InputError."""
    (tmp_path / "in").mkdir()
    make_return(tmp_path / "in", [household()], [member()])
    make_return(tmp_path / "in", [household(ma_ho="11287-0001", ma_xa=COMMUNE_2, ho_ten_chu_ho="Lê Văn Bình",
                                            ngay_ra_soat="15/09/2023")],
                [member(ma_ho="11287-0001", ho_ten="Lê Văn Bình", so_dinh_danh="030080005678")],
                name="11287_2023.xlsx")
    proc = run_hgn("run", "in", "--out", "out", "--lang", "en", "--jobs", "1", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "several years" in proc.stderr  # refused for the right reason (right)
    assert not _vietnamese_words(proc.stderr), proc.stderr


def test_standard_show_of_eleven_does_not_source_its_weights_to_twelve_indicators(tmp_path: Path) -> None:
    """DEFECT. `hgn standard show tinh11.yaml` (a province file that `extends` vn-2022-2025 and drops information
    devices) lists eleven equal weights (0,09091 × 11) with, as their source, "Trọng số bằng nhau cho 12 chỉ số
    (phương pháp Alkire–Foster)": the officer checking the standard before the round reads that it weighs twelve
    indicators. An officer expects the source of `equal` weights to fit the standard it is shown for (the indicators
    it holds). Likely cause: scoring/standards/vn-2022-2025.yaml `deprivation.weights.source` says "12 chỉ số" (the
    fix of round 29 was reverted with the bundled files' bytes, 7235066) and scoring/standard.py (parse_standard →
    weights(): `equal` re-read over the standard's own keys) keeps the parent's source text unchanged; the text
    would have to be said by the code for a standard that drops an indicator."""
    _write(tmp_path / "tinh11.yaml", ELEVEN)
    show = ok(run_hgn("standard", "show", "tinh11.yaml", cwd=tmp_path)).stdout
    block = show[show.index("deprivation.weights"):show.index("indicators.th_viec_lam")]
    assert block.count("0,09091") == 11  # eleven equal weights (right)
    assert "12 chỉ số" not in block, block


def test_report_notes_say_why_a_count_is_blank_for_a_commune_whose_standard_drops_the_indicator(
        tmp_path: Path) -> None:
    """DEFECT. `hgn merge --allow-mixed` of a commune classified under an 11-indicator province standard (no
    information devices) and one under the national twelve, then `hgn report`: form 04 rightly leaves the commune's
    "Phương tiện tiếp cận thông tin" count blank (and the total's), and report.html shows "– (chưa rõ)" for it — but
    no note anywhere (terminal, report.html, the form) says why: the notes say only "Chưa có số liệu" for the
    communes without results. README promises a count left blank for an indicator a household's standard does not
    hold (results merged across standards) is "said in the notes", as it is for an answer left blank. An officer
    expects a note naming forms 04–07 and the reason (its standard does not hold the indicator), not a blank to
    explain to the province alone. Likely cause: reports/view.py:_notes → _BLANK_NOTES' "dep_unknown" entry counts
    households with `so_chua_ro` > 0 only (view.py, `out["dep_unknown"]`), never the NOT_COUNTED flags of an
    indicator the household's standard does not hold (view.py:_not_counted), so no note is made."""
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = make_return(tmp_path / "a", [_three_deprived(nguon_nuoc="Khác")], [member()])  # 3/11: poor
    b = make_return(tmp_path / "b", [_three_deprived(ma_ho="11287-0001", ma_xa=COMMUNE_2, ho_ten_chu_ho="Lê Văn Bình")],
                    [member(ma_ho="11287-0001", ho_ten="Lê Văn Bình", so_dinh_danh="030080005678")],
                    name="11287_2024.xlsx")
    ok(run_hgn("classify", a, "--out", "a.xlsx", "--standard", std, cwd=tmp_path))
    ok(run_hgn("classify", b, "--out", "b.xlsx", cwd=tmp_path))
    ok(run_hgn("merge", "a.xlsx", "b.xlsx", "--out", "m.xlsx", "--allow-mixed", cwd=tmp_path))
    proc = ok(run_hgn("report", "m.xlsx", "--out-dir", "rep", "--forms", "4", cwd=tmp_path))
    rows = list(openpyxl.load_workbook(tmp_path / "rep" / "bieu_04.xlsx").worksheets[0].iter_rows(values_only=True))
    total = next(r for r in rows if len(r) > 1 and r[1] == "Tổng cộng")
    header = next(r for r in rows if any(isinstance(v, str) and "Phương tiện" in v for v in r))
    col = next(i for i, v in enumerate(header) if isinstance(v, str) and "Phương tiện" in v)
    assert total[2] == 2 and total[col] is None  # the count is blank, not 0 (right)
    notes = [line for line in proc.stdout.splitlines() if line.lstrip().startswith("•")]
    assert any("04" in line for line in notes), proc.stdout


# ---------------------------------------------------------------------------------------------------- guards


def test_formula_rows_skipped_is_said_in_each_language_at_its_rows(tmp_path: Path) -> None:
    # guard (passes): the new formula-rows-skipped finding names its sheet, first row and row range, with full
    # diacritics in Vietnamese and no Vietnamese in English
    from conftest import HH_SHEET, col_of

    path = make_return(tmp_path, [household()], [member()])
    _formula_tail(path, HH_SHEET, col_of("households", "so_thanh_vien"), range(3, 6))
    for lang in ("vi", "en"):
        proc = run_hgn("validate", path, "--json", "--lang", lang, cwd=tmp_path)
        assert "Traceback" not in proc.stderr and proc.returncode == 0, proc.stdout + proc.stderr
        import json

        said = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "formula-rows-skipped"]
        assert [(f["sheet"], f["row"]) for f in said] == [(HH_SHEET, 3)]
        if lang == "vi":
            assert "Bỏ qua 3 dòng cuối bảng" in said[0]["message"] and "(dòng 3–5)" in said[0]["message"]
            assert "xóa công thức" in said[0]["hint"]
        else:
            assert "Skipped 3 rows" in said[0]["message"] and "(rows 3–5)" in said[0]["message"]
            assert not _vietnamese_words(said[0]["message"] + " " + said[0]["hint"]), said[0]


def test_standard_check_counts_the_indicators_the_file_holds_in_both_languages(tmp_path: Path) -> None:
    # guard (passes): "11 chỉ số" / "11 indicators" and the dropped key named, for a local file too
    _write(tmp_path / "dp11.yaml", LOCAL_ELEVEN)
    vi = ok(run_hgn("standard", "check", "dp11.yaml", cwd=tmp_path)).stdout
    assert "Hợp lệ: tinh-dp-11" in vi and "11 chỉ số, ngưỡng nghèo 3" in vi and "th_dinh_duong" in vi
    en = ok(run_hgn("standard", "check", "dp11.yaml", "--lang", "en", cwd=tmp_path)).stdout
    assert "Valid: tinh-dp-11" in en and "11 indicators, poor from 3" in en and "th_dinh_duong" in en


def test_a_national_file_given_as_local_is_refused_in_the_officers_language(tmp_path: Path) -> None:
    # guard (passes): `--local` with a national standard, for validate and run alike: exit 2, message and hint
    # in the language asked, no traceback
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    path = make_return(tmp_path, [household()], [member()])
    for cmd in (["validate", path], ["run", path.parent, "--out", tmp_path / "out"]):
        vi = run_hgn(*cmd, "--local", std, cwd=tmp_path)
        assert vi.returncode == 2 and "Traceback" not in vi.stderr, vi.stderr
        assert "là chuẩn quốc gia, không phải chuẩn địa phương" in vi.stderr and "Gợi ý:" in vi.stderr
        en = run_hgn(*cmd, "--local", std, "--lang", "en", cwd=tmp_path)
        assert en.returncode == 2 and "is a national standard, not a local one" in en.stderr, en.stderr
        assert not _vietnamese_words(en.stderr), en.stderr


def test_undecided_reason_counts_on_the_standards_eleven(tmp_path: Path) -> None:
    # guard (passes): the reason of a household waiting for an answer under an 11-indicator standard says x/11
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    path = make_return(tmp_path, [_three_deprived(phuong_tien_thong_tin="Có", nguon_nuoc=None)], [member()])
    run = classify_paths([path], standard=str(std))
    one = run.results.households.iloc[0]
    assert "/11 chỉ số thiếu hụt" in one["ly_do"] and "/12" not in one["ly_do"], one["ly_do"]
