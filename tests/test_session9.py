"""Session 9: checks added with this session's changes."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import household, make_return, member, ok, run_hgn

VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def _two_households(folder: Path) -> None:
    folder.mkdir()
    make_return(folder, [household(), household(ma_ho="002")], [member(), member(ma_ho="002")])


def test_readme_of_a_run_in_english_is_english(tmp_path: Path) -> None:
    """`hgn run --lang en`: README.txt in OUT_DIR says what is where in English (it was Vietnamese whatever the
    language asked); the Vietnamese run keeps its Vietnamese README, and both list so_xa/ when it is written."""
    folder = tmp_path / "in"
    _two_households(folder)
    ok(run_hgn("run", folder, "--out", tmp_path / "en", "--lang", "en", "--commune-workbooks", cwd=tmp_path))
    text = (tmp_path / "en" / "README.txt").read_text("utf-8")
    assert text.startswith("RESULTS OF THE REVIEW") and "What is where:" in text
    assert "Households: 2;" in text and "so_xa/" in text
    # unit names and the sheet names of the Vietnamese workbooks a note points to stay as they are named
    body = re.sub(r'"[^"]*"', "", "\n".join(x for x in text.splitlines() if not x.startswith("Merged level:")))
    assert not VIETNAMESE.search(body), text
    ok(run_hgn("run", folder, "--out", tmp_path / "vi", cwd=tmp_path))
    text = (tmp_path / "vi" / "README.txt").read_text("utf-8")
    assert text.startswith("KẾT QUẢ RÀ SOÁT") and "Số hộ: 2;" in text and "so_xa/" not in text


def test_readme_of_a_strict_stop_in_english_says_why_in_english(tmp_path: Path) -> None:
    """`hgn run --strict --lang en` on a return with an error: it stops before merging, and README.txt says so in
    English, with the number of errors."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(thon=None)], [member()])
    proc = run_hgn("run", folder, "--out", tmp_path / "out", "--strict", "--lang", "en", cwd=tmp_path)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    text = (tmp_path / "out" / "README.txt").read_text("utf-8")
    # (one error: "1 error", singular since session 22's review 54)
    assert "This run stopped before merging: --strict stops before merging: 1 error in the returns" in text, text
    assert not VIETNAMESE.search(text), text


def test_a_round_whose_every_return_fails_exits_3_with_its_findings(tmp_path: Path) -> None:
    """Every return of the round is unreadable: the call was right, the returns made the round impossible — exit 3
    (not 2, a usage error), with phat_hien.xlsx naming each file and README.txt saying why."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "11284_2024.xlsx").write_bytes(b"")
    (folder / "11287_2024.xlsx").write_bytes(b"PK\x03\x04 cut short")
    proc = run_hgn("run", folder, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 3, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "out" / "phat_hien.xlsx", read_only=True).worksheets[0]
    files = {str(r[0]) for r in list(ws.iter_rows(values_only=True))[1:]}
    assert {"in/11284_2024.xlsx", "in/11287_2024.xlsx"} <= files, files
    assert "dừng trước khi tổng hợp" in (tmp_path / "out" / "README.txt").read_text("utf-8")


def test_a_zipped_return_in_the_round_is_named_not_passed_over(tmp_path: Path) -> None:
    """`hgn run` on a folder where one commune's return came zipped: the zip is not read (hgn does not open
    archives), and the officer is told so — a finding file-archive, and a note on the terminal and in README.txt."""
    import zipfile

    folder = tmp_path / "in"
    _two_households(folder)
    with zipfile.ZipFile(folder / "11287_2024.zip", "w") as zf:
        zf.writestr("11287_2024.xlsx", b"not read")
    proc = ok(run_hgn("run", folder, "--out", tmp_path / "out", cwd=tmp_path))
    assert "11287_2024.zip" in proc.stdout and "giải nén" in proc.stdout
    assert "11287_2024.zip: tệp nén" in (tmp_path / "out" / "README.txt").read_text("utf-8")
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "out" / "phat_hien.xlsx", read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    at = rows[0].index("Mã lỗi")
    assert [r[0] for r in rows[1:] if r[at] == "file-archive"] == ["in/11287_2024.zip"]


def test_long_names_cut_to_fit_stay_distinct() -> None:
    """Two returns whose long names differ only at the end: cut to fit the file system, their highlighted copies
    keep two names (a digest of the whole name marks a cut one); a name that fits is left as it is."""
    from hgn_review.io.write import fit_name

    a, b = "x" * 300 + "a", "x" * 300 + "b"
    fa, fb = fit_name(a, "_loi.xlsx"), fit_name(b, "_loi.xlsx")
    assert fa != fb and fa.endswith("_loi.xlsx") and len(fa.encode()) <= 240 and len(fb.encode()) <= 240
    assert fit_name("xã Chi Lăng Nam", "_loi.xlsx") == "xã Chi Lăng Nam_loi.xlsx"
    nfd = "ế" * 200  # three bytes a character: cut at a character, never inside one
    assert len(fit_name(nfd, ".xlsx").encode()) <= 240 and fit_name(nfd, ".xlsx").encode().decode()


def test_a_damaged_package_is_unreadable_not_over_a_safety_limit(tmp_path: Path) -> None:
    """A return whose zip directory is damaged (its end record intact, so it still looks like a zip): it is
    reported unreadable, damaged — not "exceeds a safety limit … raise the limit with --max-cells", which sends the
    officer after the wrong thing."""
    import json

    folder = tmp_path / "in"
    folder.mkdir()
    path = make_return(folder, [household()], [member()])
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")  # the first entry of the central directory
    data[at:at + 4] = b"XX\x01\x02"
    path.write_bytes(bytes(data))
    proc = run_hgn("validate", path, "--json", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    found = json.loads(proc.stdout)["findings"]
    codes = {f["code"] for f in found}
    assert "file-unreadable" in codes and "file-too-large" not in codes, found
    said = " ".join(f["message"] + " " + (f.get("hint") or "") for f in found)
    assert "hỏng" in said and "--max-cells" not in said


def test_the_rounds_findings_are_one_list_in_phat_hien_ket_qua_and_report_html(tmp_path: Path) -> None:
    """`hgn run` on a district's returns with communes missing and one unreadable return: phat_hien.xlsx,
    ket_qua/findings.parquet and report.html's total count the same findings — the merge's (communes missing)
    were only in ket_qua/, the round's own (the unreadable return) only in phat_hien.xlsx."""
    import openpyxl
    import pandas as pd

    folder = tmp_path / "in"
    _two_households(folder)
    (folder / "11287_2024.xlsx").write_bytes(b"")
    ok(run_hgn("run", folder, "--out", tmp_path / "out", cwd=tmp_path))
    out = tmp_path / "out"
    ws = openpyxl.load_workbook(out / "phat_hien.xlsx", read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    at = rows[0].index("Mã lỗi")
    sheet_codes = sorted(str(r[at]) for r in rows[1:])
    stored = sorted(pd.read_parquet(out / "ket_qua" / "findings.parquet")["code"].astype(str))
    assert sheet_codes == stored
    assert "merge-unit-missing" in stored and "file-unreadable" in stored
    html = (out / "bao_cao" / "report.html").read_text("utf-8")
    assert re.search(rf"Tổng số phát hiện: <strong>{len(stored)}<", html), len(stored)


def test_merge_in_english_places_the_same_person_in_english(tmp_path: Path) -> None:
    """`hgn merge --lang en` of two communes' results where one person is listed in both: the findings sheet
    says where the other listing is in English ("…, unit 11287, row 2"), not "đơn vị … dòng"."""
    import openpyxl

    from conftest import make_id

    same = make_id(serial="777001")
    for code in ("11284", "11287"):
        folder = tmp_path / code
        folder.mkdir()
        make_return(folder, [household(ma_ho=f"{code}-1", ma_xa=code)],
                    [member(ma_ho=f"{code}-1", so_dinh_danh=same)], name=f"{code}.xlsx")
        ok(run_hgn("classify", folder, "--out", tmp_path / f"{code}_kq.xlsx", cwd=tmp_path))
    proc = run_hgn("merge", tmp_path / "11284_kq.xlsx", tmp_path / "11287_kq.xlsx", "--out", tmp_path / "m.xlsx",
                   "--lang", "en", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    wb = openpyxl.load_workbook(tmp_path / "m.xlsx", read_only=True)
    ws = next(s for s in wb.worksheets if s.title == "Phát hiện")
    rows = list(ws.iter_rows(values_only=True))
    code_at, message_at = rows[1].index("code"), rows[1].index("message")
    said = [str(r[message_at]) for r in rows[2:] if r[code_at] == "id-duplicate-batch"]
    assert said and all(", unit 1128" in m and "đơn vị" not in m and "dòng" not in m for m in said), said


def test_an_output_folder_of_a_version_that_did_not_mark_it_is_written_again(tmp_path: Path) -> None:
    """`hgn run --out` an output folder written by an hgn that did not mark its folders yet (its .hgn-cache/ and
    bao_cao/ with the population list's .csv): it is hgn's own folder, not a folder of returns — the run goes on
    (it was refused: "đang chứa biểu rà soát (danh_sach_csdl_dan_cu.csv)"); a folder of returns is still refused."""
    folder = tmp_path / "in"
    _two_households(folder)
    old = tmp_path / "out"
    (old / ".hgn-cache" / "files").mkdir(parents=True)
    (old / "bao_cao").mkdir()
    (old / "bao_cao" / "danh_sach_csdl_dan_cu.csv").write_text("Số định danh cá nhân,Mã hộ\n", "utf-8")
    ok(run_hgn("run", folder, "--out", old, cwd=tmp_path))
    assert (old / "README.txt").exists()
    returns = tmp_path / "returns_as_out"
    _two_households(returns)
    proc = run_hgn("run", folder, "--out", returns, cwd=tmp_path)
    assert proc.returncode == 2 and "đang chứa biểu rà soát" in proc.stderr


def test_a_zip_already_extracted_beside_the_returns_is_not_warned_about(tmp_path: Path) -> None:
    """The officer extracted a commune's zipped return into the folder and left the zip there: its return is read
    from the extracted file, so the zip holds nothing unread — no file-archive warning (which made --fail-on
    warning exit 1); a zip whose return is not beside it is still named."""
    import json
    import zipfile

    folder = tmp_path / "in"
    _two_households(folder)
    inner = next(folder.glob("*.xlsx"))
    with zipfile.ZipFile(folder / "gui_lai.zip", "w") as zf:
        zf.write(inner, inner.name)
    with zipfile.ZipFile(folder / "chua_giai_nen.zip", "w") as zf:
        zf.writestr("11287_2024.xlsx", b"not extracted")
    proc = run_hgn("validate", folder, "--json", cwd=tmp_path)
    found = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "file-archive"]
    assert [Path(f["file"]).name for f in found] == ["chua_giai_nen.zip"], found


def test_a_household_of_an_old_commune_whose_whole_population_went_to_one_new_commune_is_missed_there(
        tmp_path: Path) -> None:
    """Old commune 11008 (Xã Thống Nhất) was split in area between 11002 and 11020, its whole population going
    to 11020 ("Nhập một phần diện tích, toàn bộ dân số"). A near-poor household of it on the start list that the
    round's 11020 return lacks is reported there — it was silent until 11002 was reviewed too, though none of
    its people could be in 11002."""
    import csv

    start = tmp_path / "dau_ky.csv"
    with start.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["Mã xã", "Mã hộ", "Phân loại"], ["11008", "C3", "Cận nghèo"]])
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="Y1", ma_xa="11020", ngay_ra_soat="15/09/2025")],
                [member(ma_ho="Y1")], name="11020.xlsx")
    proc = ok(run_hgn("classify", folder, "--out", tmp_path / "kq.xlsx", "--previous", start, "--json",
                      cwd=tmp_path))
    import json

    codes = json.loads(proc.stdout)["findings_by_code"]
    assert codes.get("previous-not-reviewed") == 1, codes


def test_a_word_document_named_xls_is_said_to_be_one(tmp_path: Path) -> None:
    """A commune sends its cover letter (a Word 97-2003 document) under the return's .xls name: the finding says
    it is a Word document, not "a damaged Excel 97-2003 file" (which would have the commune send it again)."""
    import json

    from conftest import _write_cfb

    path = _write_cfb(tmp_path / "11284_2024.xls", "WordDocument", b"\x00" * 6000)
    proc = run_hgn("validate", path, "--json", cwd=tmp_path)
    found = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "file-unreadable"]
    assert found and "Word" in found[0]["message"] and "hỏng" not in found[0]["message"], found


def test_terminal_numbers_and_plurals_in_each_language(tmp_path: Path) -> None:
    """The run's time table writes seconds with a decimal comma in Vietnamese ("0,4"), a point in English; English
    says "1 person has" and "2 files", not "1 persons have" and "2 file"."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household()], [member(so_dinh_danh=None)])
    vi = ok(run_hgn("run", folder, "--out", tmp_path / "vi", cwd=tmp_path)).stdout
    assert re.search(r"│ \d+,\d\s+│", vi) and not re.search(r"│ \d+\.\d\s+│", vi), vi
    en = ok(run_hgn("run", folder, "--out", tmp_path / "en", "--lang", "en", cwd=tmp_path)).stdout
    assert re.search(r"│ \d+\.\d\s+│", en) and "1 person has no valid ID" in en, en
    make_return(folder, [household(ma_ho="002")], [member(ma_ho="002")], name="b.xlsx")
    assert "hgn validate — 2 files" in run_hgn("validate", folder, "--lang", "en", cwd=tmp_path).stdout


def test_samples_of_two_districts_made_apart_share_no_identity_number(tmp_path: Path) -> None:
    """`hgn sample --district 288` and, separately, `--district 300`: put in one folder (a province's training
    round), no person's ID is in both (each commune's IDs have their own range among the province's communes;
    they were numbered by the file's place in its own run, so both runs gave the same numbers)."""
    import pandas as pd

    for district in ("288", "300"):
        ok(run_hgn("sample", "--out", tmp_path / district, "--district", district, "--communes", "2",
                   "--households", "30", cwd=tmp_path))

    def ids(folder: Path) -> set[str]:
        got: set[str] = set()
        for f in folder.glob("*.xlsx"):
            mm = pd.read_excel(f, sheet_name="Thành viên", dtype=str)
            got |= set(mm["Số định danh cá nhân"].dropna())
        return got

    a, b = ids(tmp_path / "288"), ids(tmp_path / "300")
    assert a and b and not a & b
