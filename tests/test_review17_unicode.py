"""Review 17 (uni): messy TEXT as real Vietnamese commune files carry it.

Decomposed Unicode (NFD, as macOS and some web forms write it), no-break / narrow no-break / zero-width spaces,
byte-order marks, full-width digits, upper/lower case answers and legacy TCVN3/VNI text — in a commune return
(shared/spec/return-format.md) and in a start-of-period list (`--previous`, pipeline.load_status_list).

What an officer expects of each: the right value is read, or a clear Vietnamese finding at the right cell — never
a wrong value, a lost row or a traceback; and what hgn writes is NFC.

A failing test states the defect in its docstring. Tests marked ``# guard (passes)`` hold today.
"""

from __future__ import annotations

import unicodedata as ud
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import household, make_id, make_return, member
from hgn_review.errors import HgnError
from hgn_review.legacy import from_unicode
from hgn_review.pipeline import classify_paths
from hgn_review.schemas.layout import load_layout
from hgn_review.validate import validate_paths

# income under the rural line and deprived in housing quality, water and latrine (3 indicators): Nghèo
POOR: dict[str, Any] = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def nfd(text: str) -> str:
    return ud.normalize("NFD", text)


def _list(path: Path, rows: list[list[Any]]) -> Path:
    """A start-of-period list as an officer types it: one sheet, the cells as given."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _poor_return(folder: Path, codes: list[str]) -> tuple[Path, list[str]]:
    """A return of poor households with these codes, each with a head of its own ID; (path, heads' IDs)."""
    ids = [make_id(serial=f"0000{i:02d}") for i in range(1, len(codes) + 1)]
    hh = [household(ma_ho=c, phan_loai_dau_ky=None, **POOR) for c in codes]
    mm = [member(ma_ho=c, so_dinh_danh=i, ho_ten=f"Người {c}") for c, i in zip(codes, ids, strict=True)]
    return make_return(folder, hh, mm), ids


def _start(run: Any) -> dict[str, Any]:
    hh = run.results.households
    return {str(r["ma_ho"]): r["dau_ky"] for _, r in hh.iterrows()}


# ------------------------------------------------------------------------------------------ the start list
@pytest.mark.parametrize("case", ["code-nfd", "code-zero-width", "commune-zero-width", "commune-bom",
                                  "commune-full-width"])
def test_start_list_row_written_with_invisible_or_decomposed_characters_is_matched(tmp_path: Path, case: str) -> None:
    """DEFECT. Input: a return with one poor household "ẤP1-0001" of commune 11284; the start list (--previous, no
    ID column) has the same household as "Hộ nghèo", but its cell was typed as real files carry it: the code in NFD
    (a list kept on a Mac), a zero-width space after the code or the commune (pasted from a web page), a BOM before
    the commune code (the first cell of an exported table), the commune in full-width digits.
    Now: the household is "Chưa rõ phân loại đầu kỳ" (previous-unmatched) and, for the code cases, the list row is
    said "not in the commune's return" (previous-not-reviewed) although it is; for the commune cases the list row
    drops out of the start figures with no finding at all. The return's side of the same text is cleaned
    (schemas/coerce.strip_text: invisible characters, NFC; IDs NFKC) — the list's is only `.str.strip()`ed
    (pipeline._clean_heads, movements._commune / _list_keys).
    Must: matched by commune + code (movements.py: "matched by commune + household code"), start Nghèo."""
    code, commune = "ẤP1-0001", "11284"
    written = {"code-nfd": (commune, nfd(code)), "code-zero-width": (commune, code + "\u200b"),
               "commune-zero-width": (commune + "\u200b", code), "commune-bom": ("\ufeff" + commune, code),
               "commune-full-width": (commune.translate(FULL_WIDTH), code)}[case]
    ret, _ids = _poor_return(tmp_path / "in", [code])
    prev = _list(tmp_path / "ds.xlsx", [["Mã xã", "Mã hộ", "Phân loại"], [*written, "Hộ nghèo"]])
    run = classify_paths([ret], previous=prev)
    assert _start(run) == {code: "Nghèo"}
    assert not [f.code for f in run.report.findings if f.code.startswith("previous")]


@pytest.mark.parametrize("case", ["zero-width", "full-width", "apostrophe"])
def test_start_list_head_id_written_messily_still_matches_by_the_head(tmp_path: Path, case: str) -> None:
    """DEFECT. Input: the household was renumbered (list code OLD1, return code NEW1), so it is matched by its head's
    ID (movements.match_status). The list's ID cell carries a zero-width space, full-width digits, or the leading
    apostrophe typed to keep the zero in a CSV — all three of which the return's own ID column accepts
    (validate._id_checks: NFKC, zero-width characters, quotes removed).
    Now: not matched: the household is "Chưa rõ phân loại đầu kỳ" and OLD1 is reported not reviewed
    (pipeline._clean_heads only strips and drops ".0").
    Must: matched by the head's ID, start Nghèo — the same ID the return is read with."""
    ret, ids = _poor_return(tmp_path / "in", ["NEW1"])
    written = {"zero-width": ids[0] + "\u200b", "full-width": ids[0].translate(FULL_WIDTH),
               "apostrophe": "'" + ids[0]}[case]
    prev = _list(tmp_path / "ds.xlsx", [["Mã xã", "Mã hộ", "Phân loại", "Số định danh chủ hộ"],
                                        ["11284", "OLD1", "Hộ nghèo", written]])
    run = classify_paths([ret], previous=prev)
    assert _start(run) == {"NEW1": "Nghèo"}
    assert "previous-not-reviewed" not in [f.code for f in run.report.findings]


@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
def test_start_list_class_typed_in_a_legacy_font_is_read_or_reported(tmp_path: Path, encoding: str) -> None:
    """DEFECT. Input: a start list (.xlsx, Unicode header) whose class cell was pasted from an old list typed with the
    ".VnTime" (TCVN3: "Hé nghÌo") or "VNI-Times" (VNI: "Hoä ngheøo") font — "Hộ nghèo".
    Now: the class is not understood and nothing says so: the household gets no start (dau_ky NA, "Chưa rõ phân
    loại đầu kỳ") with no finding about the list's cell — a silent loss of a poor household from the start figures.
    movements._status_word folds the text but never converts legacy text (hgn does so for a return's headers,
    read._header_keys, and proposes it for its text cells, text-legacy-encoding).
    Must: read as Nghèo (legacy.detect / to_unicode), or a finding naming the list's unreadable class."""
    ret, _ids = _poor_return(tmp_path / "in", ["H1"])
    legacy_class = from_unicode("Hộ nghèo", encoding)
    prev = _list(tmp_path / "ds.xlsx", [["Mã xã", "Mã hộ", "Phân loại"], ["11284", "H1", legacy_class]])
    run = classify_paths([ret], previous=prev)
    said = [f for f in run.report.findings if legacy_class in f"{f.value} {f.message()}"]
    assert _start(run) == {"H1": "Nghèo"} or said


def test_start_list_csv_typed_in_tcvn3_is_read_or_refused_saying_so(tmp_path: Path) -> None:
    """DEFECT. Input: a start list saved as CSV from a sheet typed with the ".VnTime" font (TCVN3 bytes: "M· x·;M·
    hé;Ph©n lo¹i" …) — the commune's old list, as many still are.
    Now: refused with "Danh sách đầu kỳ … thiếu cột: Mã hộ, Mã xã, Phân loại." — the three columns are there;
    the officer is sent looking for columns that exist. A return's headers typed so are recognised
    (read._header_keys); the start list's are not (pipeline._status_sheet uses header_key only).
    Must: read (the headers and the classes converted: start Nghèo), or refused saying it is typed in TCVN3."""
    ret, _ids = _poor_return(tmp_path / "in", ["H1"])
    text = "Mã xã;Mã hộ;Phân loại\r\n11284;H1;Hộ nghèo\r\n"
    prev = tmp_path / "ds.csv"
    prev.write_bytes(from_unicode(text, "TCVN3").encode("latin-1"))
    try:
        run = classify_paths([ret], previous=prev)
    except HgnError as exc:
        assert "TCVN3" in str(exc) or "bảng mã" in str(exc), str(exc)
    else:
        assert _start(run) == {"H1": "Nghèo"}


# ------------------------------------------------------------------------------------------ the return
def test_household_code_with_a_no_break_space_finds_its_members(tmp_path: Path) -> None:
    """DEFECT. Input: the household code "11284 0001" is written with a no-break space (U+00A0, pasted from a web
    form or Word) on "Hộ gia đình" and with an ordinary space on "Thành viên" — the two look the same.
    Now: the member is an orphan ("mã hộ "11284 0001" không có trong sheet Hộ gia đình" — the officer sees that very
    code there) and the household is not classified (household-no-members). schemas/coerce.strip_text removes
    zero-width characters and trims, but keeps a no-break space inside the text; the key is compared as written.
    Must: one household with its member, classified (the code is the same code; a zero-width space inside it is
    already forgiven, test_review8_messy)."""
    hh = [household(ma_ho="11284\u00a00001")]
    mm = [member(ma_ho="11284 0001")]
    ret = make_return(tmp_path, hh, mm)
    run = classify_paths([ret])
    codes = [f.code for f in run.report.findings]
    assert "member-orphan" not in codes and "household-no-members" not in codes
    assert run.results.households["loi_chan"].isna().all()


@pytest.mark.parametrize("written", ["1\u202f500\u202f000", "1\u2009500\u2009000", "１５０００００", "１.５００.０００"],
                         ids=["narrow-no-break-space", "thin-space", "full-width", "full-width-dots"])
def test_income_grouped_with_any_space_or_in_full_width_digits_is_read(tmp_path: Path, written: str) -> None:
    """DEFECT. Input: the income per head 1 500 000 written "1 500 000" with a narrow no-break space or a thin space
    as the group separator (macOS, Word, web forms), or in full-width digits (a Vietnamese IME in full-width mode).
    Now: "phải là số, nhận được "1 500 000"" — an error the officer cannot see the cause of — and the household is
    not classified, while "1 500 000" with an ordinary or a no-break space is read (schemas/coerce.parse_number
    removes only U+00A0 and " ", and never applies NFKC; the ID column does, validate._id_checks).
    Must: 1 500 000 read."""
    ret = make_return(tmp_path, [household(thu_nhap_bq=written)], [member()])
    val = validate_paths([ret])
    assert [f.code for f in val.report.findings if f.key == "thu_nhap_bq"] == []
    assert val.households["thu_nhap_bq"].tolist() == [1_500_000]


def test_commune_code_in_full_width_digits_is_read(tmp_path: Path) -> None:
    """DEFECT. Input: Mã xã typed "１１２８４" (full-width digits, a Vietnamese IME left in full-width mode).
    Now: error commune-unknown "Mã xã "１１２８４" không có trong danh mục …; mã gần giống: 11284 Xã Chi Lăng Nam"
    — the code the officer reads is that very code — and the household is blocked (loi_chan commune-unknown).
    The ID column of the same return takes full-width digits (validate._id_checks, NFKC); the commune code column
    does not (schemas/coerce.coerce, type "code", keeps the text as written).
    Must: read as 11284, the household not blocked."""
    ret = make_return(tmp_path, [household(ma_xa="１１２８４")], [member()])
    val = validate_paths([ret])
    assert "commune-unknown" not in [f.code for f in val.report.findings]
    assert val.households["ma_xa"].tolist() == ["11284"]
    assert val.households["loi_chan"].isna().all()


# ------------------------------------------------------------------------------------------ what hgn writes
def test_findings_and_results_written_from_a_decomposed_return_are_nfc(tmp_path: Path) -> None:
    """DEFECT. Input: a return saved on a Mac: sheet names and headers in NFD; one answer outside the list ("Nhà tạm"),
    so a finding is located on it.
    Now: the findings workbook (phat_hien.xlsx / --report-xlsx) and the results workbook write the sheet name and
    the header of that finding in NFD, and the results' `sheet` column too: in a province's findings workbook the
    filter on "Sheet" lists "Hộ gia đình" twice (NFC and NFD look the same), and a search for the NFC text misses
    the commune's rows. read._read_sheet keeps the sheet name and header as written; findings/results write them so.
    Must: what hgn writes is NFC (the sheet and header read the same; the value as written may stay for
    text-not-nfc, which is about it)."""
    from hgn_review.io.results import write_results
    from hgn_review.io.write import write_findings_xlsx

    lay = load_layout("hgn")
    headers = {role: {c.key: nfd(c.header) for c in lay.sheets[role].columns} for role in ("households", "members")}
    ret = make_return(tmp_path / "in", [household(loai_nha="Nhà tạm")], [member()], headers=headers,
                      sheet_names={"households": nfd("Hộ gia đình"), "members": nfd("Thành viên")})
    run = classify_paths([ret])
    assert "value-not-in-list" in [f.code for f in run.report.findings]  # the finding to locate
    write_findings_xlsx(run.report, tmp_path / "phat_hien.xlsx")
    write_results(run.results, tmp_path / "ket_qua.xlsx")
    odd = []
    wb = openpyxl.load_workbook(tmp_path / "phat_hien.xlsx", read_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    for r in rows[1:]:
        for name in ("Sheet", "Cột"):
            v = r[head.index(name)]
            if isinstance(v, str) and not ud.is_normalized("NFC", v):
                odd.append(("phat_hien", name, v))
    res = openpyxl.load_workbook(tmp_path / "ket_qua.xlsx", read_only=True)
    for ws in res.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, str) and not ud.is_normalized("NFC", v):
                    odd.append((ws.title, v))
    assert odd == []


# ------------------------------------------------------------------------------------------ guards
def test_decomposed_and_messy_headers_sheet_names_and_answers_read_as_nfc(tmp_path: Path) -> None:
    # guard (passes)
    """A return with headers in NFD, with a no-break space, a zero-width space, a BOM, a tab, double and trailing
    spaces, upper case; sheet names with a trailing space and a no-break space; answers "KHÔNG", "x", "có" in NFD,
    choices in NFD; the members' household code in NFD: every value is read as its NFC form, nothing lost."""
    headers = {"households": {"ma_ho": "Mã\u00a0hộ ", "ho_ten_chu_ho": "\u200bHọ và tên chủ hộ", "ma_xa": "Mã  xã",
                              "thon": "Thôn,\ttổ dân phố", "ngay_ra_soat": "NGÀY RÀ SOÁT",
                              "thu_nhap_bq": "\ufeffThu nhập bình quân\n(đồng/người/tháng)",
                              "su_dung_internet": nfd("Có thành viên sử dụng Internet")},
               "members": {"ma_ho": "MÃ HỘ", "so_dinh_danh": "Số định danh\u00a0cá nhân\u200d",
                           "the_bhyt": "Có thẻ  BHYT "}}
    hh = household(ma_ho="ẤP1-0001", thon=nfd("Thôn Đông"), su_dung_internet="KHÔNG", phuong_tien_thong_tin="x",
                   ho_nlndn=nfd("có"), loai_nha=nfd("Bán kiên cố"), phan_loai_dau_ky=nfd("Cận nghèo"),
                   thu_nhap_bq="1.500.000")
    mm = member(ma_ho=nfd("ẤP1-0001"), ho_ten=nfd("Nguyễn Văn An"), the_bhyt="X", dan_toc=nfd("Mường"),
                quan_he=nfd("Chủ hộ"))
    ret = make_return(tmp_path, [hh], [mm], headers=headers,
                      sheet_names={"households": "Hộ gia đình ", "members": "THÀNH\u00a0VIÊN"})
    val = validate_paths([ret])
    assert {f.code for f in val.report.findings} <= {"text-not-nfc"}
    h = val.households.iloc[0]
    assert (h["ma_ho"], h["thon"], h["loai_nha"], h["phan_loai_dau_ky"]) == ("ẤP1-0001", "Thôn Đông", "Bán kiên cố",
                                                                             "Cận nghèo")
    assert (h["su_dung_internet"], h["phuong_tien_thong_tin"], h["ho_nlndn"], h["thu_nhap_bq"]) == (False, True, True,
                                                                                                    1_500_000)
    m = val.members.iloc[0]
    assert (m["ma_ho"], m["ho_ten"], m["dan_toc"], m["quan_he"], m["the_bhyt"]) == ("ẤP1-0001", "Nguyễn Văn An",
                                                                                    "Mường", "Chủ hộ", True)
    assert pd_isna(h["loi_chan"])


def pd_isna(v: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(v))


def test_start_list_classes_in_nfd_upper_case_and_with_no_break_spaces_are_read(tmp_path: Path) -> None:
    # guard (passes)
    """The start list's header and classes in NFD, "HỘ NGHÈO" in capitals, "Hộ\u00a0nghèo" with a no-break space,
    "Nghèo" with a zero-width space after it: each household's start is Nghèo."""
    ret, _ids = _poor_return(tmp_path / "in", ["H1", "H2", "H3"])
    prev = _list(tmp_path / "ds.xlsx", [[nfd("Mã xã"), nfd("Mã hộ"), nfd("Phân loại")],
                                        ["11284", "H1", nfd("HỘ NGHÈO")], ["11284", "H2", "Hộ\u00a0nghèo"],
                                        [11284, "H3", "Nghèo\u200b"]])
    run = classify_paths([ret], previous=prev)
    assert _start(run) == {"H1": "Nghèo", "H2": "Nghèo", "H3": "Nghèo"}
