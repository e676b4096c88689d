"""Session 22: fixes found by reviews 49–51 and the notes of session 21, each with a test that failed first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import household, make_return, member
from hgn_review.errors import UsageError
from hgn_review.io.write import mark_folder


def test_an_officers_own_ban_sao_folder_of_returns_is_not_an_output_folder(tmp_path: Path) -> None:
    """`discover` reads an officer's own folder named "…_ban_sao" (it holds returns: no hgn findings workbook
    beside it, no "…_loi" copies), but the output folder check skipped every "…_ban_sao" folder by name: hgn would
    mark a folder of returns as its own, and validate/run would then no longer read them."""
    out = tmp_path / "out"
    make_return(out / "xa_ban_sao", [household()], [member()])
    with pytest.raises(UsageError) as err:
        mark_folder(out)
    assert "biểu rà soát" in str(err.value)
    assert not (out / ".hgn-output").exists()


def test_hgns_own_highlighted_copies_do_not_make_a_folder_of_returns(tmp_path: Path) -> None:
    """Guard: the copies hgn writes ("…_loi.xlsx" in "<findings>_ban_sao/") are not returns: the folder is taken."""
    out = tmp_path / "out"
    copies = out / "phat_hien_ban_sao"
    made = make_return(copies, [household()], [member()])
    made.rename(copies / "11284_loi.xlsx")
    mark_folder(out)  # guard (passes)
    assert (out / ".hgn-output").exists()


def test_a_link_named_as_a_return_that_leads_nowhere_is_said_unreadable(tmp_path: Path) -> None:
    """A link "11287_2024.xlsx" to a return on a network drive not connected (or moved away), and two links
    pointing at each other, were left out in silence (discover took only what ``is_file()``): the round looked
    complete. Each is now a return that cannot be read, said with why; the real return is read; nothing stops."""
    from hgn_review.validate import validate_paths

    inp = tmp_path / "in"
    make_return(inp, [household()], [member()])
    os.symlink(tmp_path / "o_mang" / "11287_2024.xlsx", inp / "11287_2024.xlsx")
    os.symlink(inp / "b.xlsx", inp / "a.xlsx")
    os.symlink(inp / "a.xlsx", inp / "b.xlsx")
    result = validate_paths([inp])
    unreadable = {f.file for f in result.report.findings if f.code == "file-unreadable"}
    assert {Path(f).name for f in unreadable} == {"11287_2024.xlsx", "a.xlsx", "b.xlsx"}, unreadable
    said = [f.message() for f in result.report.findings if f.code == "file-unreadable"]
    assert all("liên kết không dẫn tới tệp nào" in m for m in said), said
    assert len(result.households) == 1


def test_hgn_run_goes_on_past_a_loop_of_links_named_as_returns(tmp_path: Path) -> None:
    """`hgn run` stopped with "Không truy cập được …a.xlsx: Too many levels of symbolic links" (Path.resolve of a
    link loop, pipeline._returns_in) once such links were listed: now they are named unreadable and the round ends."""
    from hgn_review.pipeline import run_round

    inp = tmp_path / "in"
    make_return(inp, [household()], [member()])
    os.symlink(inp / "b.xlsx", inp / "a.xlsx")
    os.symlink(inp / "a.xlsx", inp / "b.xlsx")
    outcome = run_round(inp, tmp_path / "out", jobs=1)
    readme = (tmp_path / "out" / "README.txt").read_text("utf-8")
    assert "a.xlsx" in readme and "b.xlsx" in readme
    assert outcome.summary_json()["households"] == 1


def test_mapping_line_numbers_after_a_village_typed_over_two_lines(tmp_path: Path) -> None:
    """A village name typed with Alt+Enter ("Thôn⏎Đông", in quotes over two lines of the file) made every line
    number said after it one too low (rows were counted, not lines): the officer was sent to the wrong line."""
    from hgn_review.errors import HgnError
    from hgn_review.merge.crosswalk import read_mapping
    from hgn_review.registry import get_registry

    cases = {
        'ma_xa_cu,thon,ma_xa_moi\n\n11284,"Thôn\nĐông",10606\n\n1128X,Thôn Tây,10606\n': 6,
        '\n;;\nma_xa_cu;thon;ma_xa_moi\r\n;;\r\n11284;"Tổ\r\n3";1128X\r\n': 5,
        'ma_xa_cu,thon,ma_xa_moi\n11284,Thôn Đông,10606\n1128X,Thôn Tây,10606\n': 3,  # guard (passes): no break
    }
    for text, line in cases.items():
        path = tmp_path / "quy_doi.csv"
        path.write_text(text, "utf-8")
        with pytest.raises(HgnError) as err:
            read_mapping(path, {}, get_registry())
        assert f"dòng {line}:" in str(err.value), (text, str(err.value))


def _two_units(basis_of_h: str | None) -> tuple[object, object]:
    import pandas as pd

    hh = pd.DataFrame({"uid": [0, 1], "unit": ["10927", "10540"], "ma_ho": ["A1", "T9"],
                       "tinh_trang_ho": ["Chuyển đi", "Đang cư trú"], "dau_ky": ["Nghèo", "Nghèo"],
                       "dien_bien": ["Giảm khác", "Tiếp tục nghèo"], "file": ["a.xlsx", "b.xlsx"],
                       "sheet": ["Hộ gia đình", "Hộ gia đình"], "row": [3, 3]})
    if basis_of_h != "absent":
        hh["dau_ky_theo"] = ["mã hộ", basis_of_h]
    mm = pd.DataFrame({"uid": [0, 1], "quan_he": ["Chủ hộ", "Chủ hộ"], "so_dinh_danh": ["030080005301"] * 2})
    return hh, mm


def test_merge_counts_once_a_start_two_units_counted_by_the_heads_id() -> None:
    """A head's household recorded gone from one unit with its start, and a household of another unit given last
    year's start by that head's ID (each unit classified apart): both started — the province started with 2 poor
    households for a list of 1. The second is now counted as moved in, said on it."""
    from hgn_review.merge import _moved_in_unrecorded

    hh, mm = _two_units("số định danh chủ hộ")
    found = _moved_in_unrecorded(hh, mm)
    assert [(f.code, f.value, f.file) for f in found] == [("previous-moved-in-unrecorded", "T9", "b.xlsx")]
    assert hh["dau_ky"].isna().tolist() == [False, True] and hh.loc[1, "dien_bien"] == "Tăng khác"


def test_merge_keeps_a_start_found_by_the_households_own_code() -> None:
    """Guard (passes): a widow whose household dissolved in one commune now heads her son's household in another,
    whose start is its own row's, by its code: both starts are real — nothing changes. Results of an hgn that did not
    record where a start was found are left as they are."""
    from hgn_review.merge import _moved_in_unrecorded

    for basis in ("mã hộ", "absent"):
        hh, mm = _two_units(basis)
        before = hh.copy()
        assert _moved_in_unrecorded(hh, mm) == []
        assert hh.equals(before)


def test_results_say_where_each_start_was_found(tmp_path: Path) -> None:
    """"Đầu kỳ xác định theo" (dau_ky_theo): last year's row by the household's code, by its head's ID (renumbered),
    or the start class the return records (no list row) — what hgn merge needs to count a start once."""
    import openpyxl

    from conftest import make_id
    from hgn_review.pipeline import classify_paths

    ids = {k: make_id(serial=f"0022{i:02d}") for i, k in enumerate("ABC", 1)}
    path = make_return(tmp_path, [household(ma_ho="0001", phan_loai_dau_ky=None),
                                  household(ma_ho="0009", phan_loai_dau_ky=None),
                                  household(ma_ho="0003", phan_loai_dau_ky="Cận nghèo")],
                       [member(ma_ho=c, so_dinh_danh=ids[k], ho_ten=f"Người {k}")
                        for c, k in (("0001", "A"), ("0009", "B"), ("0003", "C"))])
    listed = tmp_path / "ds.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã xã", "Mã hộ", "Phân loại", "Số định danh chủ hộ"])
    ws.append(["11284", "0001", "Nghèo", ids["A"]])
    ws.append(["11284", "0002", "Cận nghèo", ids["B"]])  # renumbered 0009 this year: found by its head
    wb.save(listed)
    hh = classify_paths([path], previous=listed).results.households.set_index("ma_ho")
    assert hh["dau_ky_theo"].to_dict() == {"0001": "mã hộ", "0009": "số định danh chủ hộ", "0003": "biểu rà soát"}
    assert hh.loc["0009", "dau_ky"] == "Cận nghèo"


def test_a_member_of_no_known_age_leaves_the_household_waiting_only_when_an_age_decides(tmp_path: Path) -> None:
    """A member whose birth date is blank is tried at every age the rules tell apart: the household is decided when
    each gives one class (review 50), and waits — the date asked for — when one does not: a member without a
    health-insurance card is deprived from 6, not under it, and the household has 2 deprivations besides."""
    from hgn_review.pipeline import classify_paths

    two = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác"}  # under the line, 2 deprivations
    path = make_return(tmp_path, [household(ma_ho="W", so_thanh_vien=2, **two)],
                       [member(ma_ho="W"), member(ma_ho="W", stt=2, ho_ten="Lê Văn Út", quan_he="Con", ngay_sinh=None,
                                                  so_dinh_danh=None, the_bhyt="Không", viec_lam="Có việc làm",
                                                  dang_di_hoc="Có", cap_hoc="Tiểu học", trinh_do="Tiểu học",
                                                  suy_dinh_duong="Không")])
    run = classify_paths([path])
    hh = run.results.households.set_index("ma_ho")
    assert hh.at["W", "phan_loai"] == "Chưa đủ thông tin", hh.at["W", "ly_do"]
    assert any(f.code == "household-undecided" for f in run.report.findings)
    assert any(f.code == "value-required" and f.key == "ngay_sinh" for f in run.report.findings)
