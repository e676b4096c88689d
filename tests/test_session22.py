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
