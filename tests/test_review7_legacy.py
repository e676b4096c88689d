"""Review 7: legacy TCVN3/VNI text end to end — 8-bit CSV returns, coded yes/no values, the shared lists.

Every test here fails on the code as reviewed.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from conftest import household, make_return, member, run_hgn, sheet_grid
from hgn_review.legacy import from_unicode
from hgn_review.text import fold


def legacy_csv(path: Path, hh: dict, legacy: str) -> Path:
    """A households CSV as an old tool writes it: one byte per character (Windows-1252), headers and other text
    typed without diacritics (matched leniently), the ``legacy`` cell in the legacy font's bytes."""
    rows = []
    for row in sheet_grid("households", [hh]):
        rows.append(["" if v is None else v if v == legacy or not isinstance(v, str) else fold(v).capitalize()
                     for v in row])
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode("cp1252"))
    return path


def findings(path: Path, cwd: Path) -> list[dict]:
    proc = run_hgn("validate", path, "--json", cwd=cwd)
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)["findings"]


@pytest.mark.parametrize(("enc", "key", "name"), [
    ("TCVN3", "ho_ten_chu_ho", "Trần Thị Bình"),
    ("TCVN3", "thon", "Xóm Hạ"),
    ("VNI", "ho_ten_chu_ho", "Trần Thị Bình"),
    ("VNI", "ra_soat_vien", "Nguyễn Văn An"),
])
def test_legacy_text_in_an_8bit_csv_is_reported(tmp_path: Path, enc: str, key: str, name: str) -> None:
    """A households CSV whose bytes are the legacy font's (TCVN3 "TrÇn ThÞ B×nh", VNI "Nguyeãn Vaên An") is
    decoded as cp1258, where 0xDE/0xF2/0xEC are combining marks and 0xE3 is "ă": the text becomes "TrÇn Th̃
    B×nh", "Nguyeăn", "Tḥ", holds a Unicode-only character, so no `text-legacy-encoding` is reported and the
    name is stored mangled (VNI "Traàn Thò Bình" is even reported as `text-not-nfc`). The read.py docstring
    promises "legacy text is then reported, never lost"; the same bytes in an .xlsx are reported with the
    proposal. (io/read.py `_csv_text`: cp1258 before latin-1, and cp1258 decodes almost every byte.)"""
    legacy = from_unicode(name, enc)
    path = legacy_csv(tmp_path / "11284.csv", household(**{key: legacy}), legacy)
    hits = [f for f in findings(path, tmp_path) if f["code"] == "text-legacy-encoding" and f["row"] == 2]
    assert [f["value"] for f in hits] == [legacy], hits
    assert f'"{name}"' in hits[0]["message"]


@pytest.mark.parametrize("enc", ["TCVN3", "VNI"])
def test_legacy_yes_no_value_gets_the_decoded_suggestion(tmp_path: Path, enc: str) -> None:
    """"Không"/"Có" typed with the legacy keyboard in a yes/no column ("Kh«ng", VNI "Khoâng") is reported as
    `value-not-yes-no` with no suggestion, while the same text in any list column (Loại nhà ở, Dân tộc …) gets
    "(có phải "…"?)" from the legacy decoding. (validate.py `_type_sheet`: the suggestion is only computed for
    `value-not-in-list`.)"""
    path = make_return(tmp_path, members=[member(the_bhyt=from_unicode("Không", enc))])
    hit = [f for f in findings(path, tmp_path) if f["code"] == "value-not-yes-no"]
    assert len(hit) == 1, hit
    assert 'có phải "Không"' in hit[0]["message"], hit[0]["message"]


def test_population_list_does_not_carry_legacy_mojibake_as_the_name(tmp_path: Path) -> None:
    """A return whose head's name and village are typed in TCVN3 ("NguyÔn V¨n An", "Th«n §«ng") gets only a
    warning, so `hgn run` completes and the list for the national population database (and forms 14/15) carry
    "NguyÔn V¨n An" / "Th«n §«ng" as the person's full name and village, although hgn knows the text is legacy
    and has the conversion ("Nguyễn Văn An"). A name that is not the person's name defeats the link the list
    exists for. (reports: the list writes `ho_ten`/`thon` as typed; validate.py `_text_checks` only warns.)"""
    t = lambda s: from_unicode(s, "TCVN3")  # noqa: E731
    inp = tmp_path / "in"
    inp.mkdir()
    make_return(inp, [household(ho_ten_chu_ho=t("Nguyễn Văn An"), thon=t("Thôn Đông"), thu_nhap_bq=1000000)],
                [member(ho_ten=t("Nguyễn Văn An"))])
    proc = run_hgn("run", inp, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    ws = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "danh_sach_csdl_dan_cu.xlsx")["Danh sách"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    person = dict(zip(head, rows[1], strict=True))
    assert person["Họ và tên"] != t("Nguyễn Văn An"), person
    assert person["Thôn, tổ dân phố"] != t("Thôn Đông"), person
