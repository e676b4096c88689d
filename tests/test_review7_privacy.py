"""Review 7: privacy of personal identification numbers, end to end (terminal, --json, bao_cao/ under --mask-pii).

The rule: IDs are personal data, never in logs; README: "Terminal output and --json show at most the last four
digits of an ID" and "--mask-pii masks IDs (all but the last four digits) and names (initials) in everything under
bao_cao/". Each test fails on the code as reviewed (HEAD 46fe9c8).
"""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import HEAD_ID, run_hgn

# a second person's ID (born 1985, male, Hải Dương), typed where it does not belong
STRAY_ID = "030085004321"


def hgn(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_hgn(*args, cwd=cwd, timeout=300)


def _validate(path: Path, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    proc = hgn("validate", path, *extra, cwd=cwd)
    assert proc.returncode == 1, proc.stderr  # findings, not a crash
    assert "Traceback" not in proc.stderr
    return proc


def _texts(folder: Path) -> dict[str, str]:
    """Every text part of every file under ``folder``: each XML part of a workbook (cells, shared strings,
    comments, properties, defined names), CSV and HTML as they are."""
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


# ------------------------------------------------------------------------------------------ terminal and --json
@pytest.mark.parametrize("as_json", [False, True], ids=["terminal", "json"])
def test_an_id_typed_into_another_column_is_not_shown_whole(make_return: Any, household: Any, member: Any,
                                                            tmp_path: Path, as_json: bool) -> None:
    """A person's ID typed into the wrong cell of the member row — "Ngày sinh", "Dân tộc", "STT" (the columns
    beside "Số định danh cá nhân") — is reported as value-not-date / value-not-in-list / value-out-of-range with
    the cell's text, and `hgn validate` prints all twelve digits on the terminal and in --json ("Ngày sinh"
    không phải ngày hợp lệ: "030085004321"), the value field included. README: terminal and --json show at most
    the last four digits of an ID. (findings.py `_masked` and console.py `render_validation` mask only when
    `shows_id(f)`: key so_dinh_danh or a code starting with "id-"; every other finding is printed as is.)"""
    path = make_return(tmp_path / "in", households=[household()],
                       members=[member(), member(stt=2, ho_ten="Nguyễn Văn Bình", so_dinh_danh=None,
                                             ngay_sinh=STRAY_ID, dan_toc=STRAY_ID, quan_he="Con"),
                                member(stt=STRAY_ID, ho_ten="Nguyễn Văn Cường", so_dinh_danh=None,
                                       ngay_sinh="01/01/1990", quan_he="Con")])
    proc = _validate(path, tmp_path, *(["--json"] if as_json else []))
    out = proc.stdout + proc.stderr
    for code in ("value-not-date", "value-not-in-list", "value-out-of-range"):
        assert code in out
    assert STRAY_ID[:8] not in out


@pytest.mark.parametrize("typed", ["0300800O1234", "030,080,001,234"], ids=["letter-O-for-zero", "comma-groups"])
@pytest.mark.parametrize("as_json", [False, True], ids=["terminal", "json"])
def test_a_mistyped_id_is_not_shown_whole(make_return: Any, household: Any, member: Any, tmp_path: Path,
                                          typed: str, as_json: bool) -> None:
    """An ID with the letter O typed for a zero ("0300800O1234": eleven of its twelve digits) or grouped by
    thousands with commas ("030,080,001,234": all twelve) is id-invalid-format, and `hgn validate` prints it
    whole on the terminal and in --json (message and value). The masking finds an ID as "nine or more digits
    separated only by spaces, dots, slashes or dashes" (the band-aid for "0191/8827/1829" of review 6b): a run
    broken by a letter or a comma is never masked. (findings.py `_LONG_DIGITS` / `mask_ids_in`, used by `_masked`
    and console.py `render_validation`: the value of an ID cell should be masked as a whole, not by pattern.)"""
    path = make_return(tmp_path / "in", households=[household()], members=[member(so_dinh_danh=typed)])
    proc = _validate(path, tmp_path, *(["--json"] if as_json else []))
    out = proc.stdout + proc.stderr
    assert "id-invalid-format" in out
    assert typed not in out
    assert typed[:7] not in out  # "0300800" / "030,080": more than the last four digits


def test_json_does_not_add_the_first_three_digits_to_the_masked_id(make_return: Any, household: Any,
                                                                   member: Any, tmp_path: Path) -> None:
    """An ID whose first three digits are not a province of birth registration (099…) gives id-province-unknown:
    --json masks its value to "********1234" but the message quotes the first three digits ("Ba số đầu của số
    định danh (099) …"), so the same finding shows seven of the twelve digits (and the terminal table the
    same three beside the cell). README: "at most the last four digits". (validate.py `_id_checks`:
    `detail=str(s[i])[:3]`; findings.py `_masked` only masks runs of nine digits or more.)"""
    typed = "099080001234"
    path = make_return(tmp_path / "in", households=[household()], members=[member(so_dinh_danh=typed)])
    proc = _validate(path, tmp_path, "--json")
    hits = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "id-province-unknown"]
    assert len(hits) == 1
    assert hits[0]["value"].endswith("1234") and "0990" not in hits[0]["value"]
    assert "099" not in hits[0]["message"]


# ------------------------------------------------------------------------------------------ bao_cao/ with --mask-pii
@pytest.mark.parametrize(("ma_ho", "thon"), [
    (HEAD_ID, "Thôn Đông"),                                     # the household keyed by its head's ID
    ("11284-0001", f"Thôn Đông (CCCD chủ hộ {HEAD_ID})"),       # the ID noted in the village cell
], ids=["household-code", "village"])
def test_mask_pii_keeps_an_id_written_in_a_text_cell_out_of_bao_cao(make_return: Any, household: Any,
                                                                    member: Any, tmp_path: Path, ma_ho: str,
                                                                    thon: str) -> None:
    """With --mask-pii the head's ID column reads "********1234", but the same twelve digits, written in the
    household-code cell (a commune keying households by the head's ID) or noted in the village cell, are printed
    whole beside it in the population list (xlsx and csv) and in form 14 — outputs meant for sharing. The
    tool knows the number is a person's ID: it is the head's so_dinh_danh. README: --mask-pii masks IDs "in
    everything under bao_cao/"; test_run's own check is "no 12-digit number in any file under bao_cao/".
    (reports/pii.py `mask_persons`: masks the so_dinh_danh column and the name columns by name only; ma_ho, thon
    and the other text fields printed by reports/population.py and reports/excel.py `_list_sheets` go out as
    read.)"""
    inp = tmp_path / "in"
    make_return(inp, households=[household(ma_ho=ma_ho, thon=thon)], members=[member(ma_ho=ma_ho)])
    out = tmp_path / "out"
    proc = hgn("run", inp, "--out", out, "--mask-pii", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    texts = _texts(out / "bao_cao")
    listed = texts["danh_sach_csdl_dan_cu.csv"]
    assert "********1234" in listed  # the household is listed and its ID column is masked
    leaks = sorted(name for name, t in texts.items() if re.search(rf"(?<!\d){HEAD_ID}(?!\d)", t))
    assert leaks == []
