"""Review 31: personal identification numbers in every output and message of every command.

domain.md §4: the 12-digit số định danh cá nhân is personal data (Nghị định 13/2023/NĐ-CP) — "treat it as such in
logs, messages and shared reports". README: "Terminal output and --json show at most the last four digits of an ID —
also an ID mistyped in its own column or typed into another one"; "--mask-pii masks IDs (all but the last four
digits) and names (initials) in everything under bao_cao/"; the findings workbook and ket_qua/ are for the officers
who need them and are not masked (so they are not checked here).

Each failing test's docstring starts "DEFECT."; tests marked `# guard (passes)` hold behaviour that is right today.
"""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import HEAD_ID, MM_SHEET, household, make_id, make_return, member, ok, run_hgn, sheet_grid

POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
# a second person's ID (born 1975 in Hải Dương, male)
OTHER_ID = make_id(birth_year=1975, serial="007777")


def hgn(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_hgn(*args, cwd=cwd, timeout=300)


def texts(folder: Path) -> dict[str, str]:
    """Every text part of every file under ``folder`` (each XML part of a workbook; CSV, HTML, text as they are)."""
    out: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                for n in z.namelist():
                    out[f"{p.name}::{n}"] = z.read(n).decode("utf-8", "replace")
        else:
            out[p.name] = p.read_bytes().decode("utf-8", "replace")
    return out


def whole(text: str, ident: str) -> bool:
    """Whether ``text`` shows more than the last four digits of ``ident`` (its first eight digits in a row)."""
    return ident[:8] in text


def ids_in_returns(folder: Path) -> set[str]:
    """Every 12-digit number written in any cell of the returns in ``folder``."""
    found: set[str] = set()
    for p in folder.glob("*.xlsx"):
        wb = openpyxl.load_workbook(p, read_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    if v is not None:
                        found.update(re.findall(r"(?<!\d)\d{12}(?!\d)", str(v)))
    return found


# ------------------------------------------------------------------------------------------ a header that is an ID
def _id_pasted_over_its_header(folder: Path) -> Path:
    """A return whose members' ID column was pasted one row too high: the column's header cell now holds the
    first person's ID (the others sit one row up, under it). What an officer sends more often than one thinks."""
    path = make_return(folder, members=[member(), member(stt=2, ho_ten="Nguyễn Thị Hoa", gioi_tinh="Nữ", quan_he="Vợ",
                                                         so_dinh_danh=make_id(female=True, serial="005678"))])
    wb = openpyxl.load_workbook(path)
    for cell in wb[MM_SHEET][1]:
        if cell.value == "Số định danh cá nhân":
            cell.value = OTHER_ID
    wb.save(path)
    return path


def test_validate_json_does_not_show_an_id_read_as_a_column_header(tmp_path: Path) -> None:
    """DEFECT. A members' ID column pasted one row too high leaves a person's ID in the header cell. `hgn validate
    --json` reports it as column-unknown: the message masks it ('Cột "********7777" không có trong mẫu …'), but the
    same finding's "column" field prints all twelve digits ("column": "030075007777"). README: --json shows at most
    the last four digits of an ID; stdout may end in a log (findings.py's own to_json docstring). An officer
    expects the column field masked as the message is. Cause: findings.py `masked` (used by `_masked` /
    `Report.to_json`) masks `value` and `params` only; `Finding.column` — the header as read, which `to_dict`
    emits as "column" — is passed through untouched (`shared_message` masks it only inside the message)."""
    _id_pasted_over_its_header(tmp_path / "in")
    proc = hgn("validate", tmp_path / "in", "--json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    found = json.loads(proc.stdout)["findings"]
    unknown = [f for f in found if f["code"] == "column-unknown"]
    assert len(unknown) == 1
    assert "7777" in unknown[0]["message"] and not whole(unknown[0]["message"], OTHER_ID)  # the message is masked
    assert not whole(proc.stdout + proc.stderr, OTHER_ID), unknown[0]


def test_validate_terminal_does_not_show_an_id_read_as_a_column_header(tmp_path: Path) -> None:
    # guard (passes): the terminal shows the warning about the missing ID column, never the pasted ID
    _id_pasted_over_its_header(tmp_path / "in")
    proc = hgn("validate", tmp_path / "in", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert "column-missing-soft" in proc.stdout
    assert not whole(proc.stdout + proc.stderr, OTHER_ID)


# ------------------------------------------------------------------------------------------ a sheet named by an ID
@pytest.mark.parametrize("as_json", [False, True], ids=["terminal", "json"])
def test_validate_does_not_show_an_id_that_names_a_sheet(tmp_path: Path, as_json: bool) -> None:
    """DEFECT. A commune keeps, beside its two sheets, a household's own member list on a sheet named by the
    head's ID ("030075007777"). `hgn validate` rightly says the sheet holds a members table it does not read
    (sheet-table-not-read, an error), but the location printed on the terminal is "11284_2024.xlsx › 030075007777"
    and --json prints "sheet": "030075007777" (and the summary's per-file row counts are keyed by it): all twelve
    digits. README: terminal output and --json show at most the last four digits of an ID. An officer expects the
    sheet named "********7777" there, as hgn masks the same number in a header or a cell. Cause: console.py
    `render_validation` builds `where` from `f.sheet` as read, and findings.py `masked` / `Report.summary` pass
    `Finding.sheet` and the per-file `rows` keys through unmasked."""
    inp = tmp_path / "in"
    grid = sheet_grid("members", [member(ma_ho="11284-0002", so_dinh_danh=OTHER_ID, ngay_sinh="01/01/1975",
                                         ho_ten="Trần Văn Bảy")])
    make_return(inp, raw_sheets={OTHER_ID: grid})
    proc = hgn("validate", inp, *(["--json"] if as_json else []), cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert "sheet-table-not-read" in proc.stdout  # the sheet is reported …
    assert not whole(proc.stdout + proc.stderr, OTHER_ID)  # … without its name showing the whole ID


# ------------------------------------------------------------------------------------------ household code = ID
def test_a_household_code_that_is_an_id_is_masked_in_orphan_and_duplicate_messages(tmp_path: Path) -> None:
    # guard (passes): household-duplicate and member-orphan quote the household code; when the code is a person's
    # ID (a commune keying households by the head's ID) the terminal and --json show its last four digits only
    inp = tmp_path / "in"
    make_return(inp, households=[household(ma_ho=HEAD_ID), household(ma_ho=HEAD_ID, ho_ten_chu_ho="Lê Văn Bình")],
                members=[member(ma_ho=HEAD_ID),
                         member(ma_ho=OTHER_ID, so_dinh_danh=make_id(serial="000777"), ho_ten="Lê Văn Cường")])
    for extra in ([], ["--json"]):
        proc = hgn("validate", inp, *extra, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        out = proc.stdout + proc.stderr
        assert "household-duplicate" in out and "member-orphan" in out
        assert not whole(out, HEAD_ID) and not whole(out, OTHER_ID)


def test_an_id_with_its_leading_zero_lost_in_the_member_code_is_masked_in_the_suggestion(tmp_path: Path) -> None:
    # guard (passes): the members sheet stores the household code (the head's ID) as a number, so it lost its
    # leading zero; member-orphan's "did you mean" names the households sheet's code — both masked on the terminal
    inp = tmp_path / "in"
    make_return(inp, households=[household(ma_ho=HEAD_ID)], members=[member(ma_ho=int(HEAD_ID))])
    for extra in ([], ["--json"]):
        proc = hgn("validate", inp, *extra, cwd=tmp_path)
        out = proc.stdout + proc.stderr
        assert "member-orphan" in out
        assert not whole(out, HEAD_ID) and HEAD_ID[1:9] not in out


# ------------------------------------------------------------------------------------------ a whole small round
def test_sample_round_with_errors_shows_no_id_on_the_terminal_or_in_shared_outputs(tmp_path: Path) -> None:
    # guard (passes): `hgn sample --communes 2 --households 20 --error-rate 0.1`; validate and run (terminal and
    # --json) never print a whole ID of the returns; with --mask-pii nothing under bao_cao/ nor README.txt does
    from hgn_review.sample import generate_sample

    inp = tmp_path / "in"
    inp.mkdir()
    generate_sample(inp, communes=2, households=20, seed=7, error_rate=0.1)
    (inp / "manifest.json").unlink()
    ids = ids_in_returns(inp)
    assert len(ids) > 100
    outs = []
    for args in (["validate", inp], ["validate", inp, "--json"],
                 ["run", inp, "--out", tmp_path / "o1", "--json"],
                 ["run", inp, "--out", tmp_path / "o2", "--mask-pii"]):
        proc = hgn(*args, cwd=tmp_path)
        assert "Traceback" not in proc.stderr
        outs.append(proc.stdout + proc.stderr)
    ok(proc)
    printed = [i for i in ids if any(i in o for o in outs)]
    assert printed == []
    shared = {**texts(tmp_path / "o2" / "bao_cao"), "README.txt": (tmp_path / "o2" / "README.txt").read_text("utf-8")}
    leaked = sorted(name for name, t in shared.items() if any(i in t for i in ids))
    assert leaked == []
    assert "********" in (tmp_path / "o2" / "bao_cao" / "danh_sach_csdl_dan_cu.csv").read_text("utf-8-sig")


def test_persons_without_a_valid_id_are_listed_without_quoting_what_was_typed(tmp_path: Path) -> None:
    # guard (passes): a poor household's members with a mistyped ID ("0300800O5555") or one failing the sex check
    # are listed in "chưa có số định danh" with the reason only, never the digits typed, masked or not
    inp = tmp_path / "in"
    typo, wrong_sex = "0300800O5555", "030082006666"
    make_return(inp, households=[household(**POOR)], members=[
        member(),
        member(stt=2, ho_ten="Nguyễn Văn Bình", quan_he="Con", so_dinh_danh=typo, ngay_sinh="01/01/2010",
               trinh_do=None, dang_di_hoc="Có", cap_hoc="THCS", viec_lam=None),
        member(stt=3, ho_ten="Nguyễn Thị Cúc", quan_he="Vợ", gioi_tinh="Nữ", ngay_sinh="01/01/1982",
               so_dinh_danh=wrong_sex)])
    for mask in ([], ["--mask-pii"]):
        out = tmp_path / f"out{len(mask)}"
        proc = ok(hgn("run", inp, "--out", out, *mask, cwd=tmp_path))
        assert typo[:8] not in proc.stdout and wrong_sex[:8] not in proc.stdout
        missing = (out / "bao_cao" / "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv").read_text("utf-8-sig")
        assert missing.count("\n") == 3  # header and the two persons
        assert typo[:8] not in missing and wrong_sex[:8] not in missing
