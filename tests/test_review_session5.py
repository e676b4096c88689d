"""Review of the run's hash memo and batch ID check (session 5): defects found with small inputs.

Each test fails on the code it was written against; its docstring says what it proves.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import openpyxl
import pytest

from hgn_review.io import fingerprint as fpmod
from hgn_review.io.fingerprint import HashMemo
from hgn_review.sample import MANIFEST, generate_sample

MM_SHEET = "Thành viên"
ID_HEADER, BIRTH_HEADER, SEX_HEADER = "Số định danh cá nhân", "Ngày sinh", "Giới tính"


def _columns(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, int]:
    return {ws.cell(row=1, column=c).value: c for c in range(1, ws.max_column + 1)}


@pytest.mark.slow
def test_duplicate_mark_does_not_outlive_the_duplicate(tmp_path: Path) -> None:
    """A person's ID (with birth date and sex, so the ID is valid) is copied from return A onto a person of
    return B: `hgn run` reports id-duplicate-batch on both and marks B's member "trung". The copy in A is then
    blanked, B is left untouched, and the round is run again. No id-duplicate-batch is found any more, yet B's
    member still carries dinh_danh_loi = "trung" in the round's results (the population list prints this column
    as the reason an ID is not usable, for the persons it lists): the
    batch check wrote the mark into B's *cached* bundle (pipeline.run_round, the ``hits_by_file`` loop calls
    write_bundle on .hgn-cache/files/<key>), and a cached bundle is reused as long as B's content is unchanged.
    The result says an ID is duplicated when no finding says so and it no longer is. (This predates 4e7fc33.)"""
    from hgn_review.pipeline import run_round

    folder = tmp_path / "in"
    generate_sample(folder, communes=2, households=20, seed=1)
    (folder / MANIFEST).rename(tmp_path / MANIFEST)
    first, second = sorted(folder.glob("*.xlsx"))

    wa = openpyxl.load_workbook(first)
    wb = openpyxl.load_workbook(second)
    ca, cb = _columns(wa[MM_SHEET]), _columns(wb[MM_SHEET])
    for header in (ID_HEADER, BIRTH_HEADER, SEX_HEADER):
        wb[MM_SHEET].cell(row=2, column=cb[header]).value = wa[MM_SHEET].cell(row=2, column=ca[header]).value
    wb.save(second)
    wa.close()

    out = tmp_path / "out"
    before = run_round(folder, out, jobs=1)
    assert [(Path(f.file).name, f.row) for f in before.report.findings if f.code == "id-duplicate-batch"] == [
        (first.name, 2), (second.name, 2)]  # both returns told (session 10: which is right is not known)
    mm = before.results.members
    assert mm.loc[(mm["file"].map(lambda f: Path(f).name) == second.name) & (mm["row"] == 2),
                  "dinh_danh_loi"].tolist() == ["trung"]

    wa = openpyxl.load_workbook(first)
    wa[MM_SHEET].cell(row=2, column=ca[ID_HEADER]).value = None  # the copy in A is removed; B is not touched
    wa.save(first)

    after = run_round(folder, out, jobs=1)
    assert after.processed == 1  # only A was read again; B came from the cache
    assert not [f for f in after.report.findings if f.code in ("id-duplicate-batch", "id-duplicate")]
    mm = after.results.members
    still = mm.loc[(mm["file"].map(lambda f: Path(f).name) == second.name) & (mm["row"] == 2), "dinh_danh_loi"]
    assert still.isna().all(), f"B's member is still marked {still.tolist()} though no ID is shared any more"


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux file systems take file names that are not UTF-8")
def test_memo_saves_a_file_name_that_is_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Linux a file name is bytes: a return unzipped from an archive made with a legacy Vietnamese code page
    has a name that is not UTF-8 (Python holds it with surrogate escapes). HashMemo keys its entries by that
    name and save() writes them with json.dumps(ensure_ascii=False) as UTF-8, which raises UnicodeEncodeError
    — in `hgn run` (stage 1, memo.save) the round stops. The memo must store such a name and, on the next
    run, recognise the unchanged file without hashing it again."""
    monkeypatch.setattr(fpmod, "RACY_NS", 0)  # the file counts as settled at once (as tests/test_fingerprint.py)
    path = tmp_path / os.fsdecode(b"10510_ph\xf5\xf4ng.xlsx")
    try:
        path.write_bytes(b"not a workbook, only bytes to hash")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    memo = HashMemo(tmp_path / "hashes.json")
    assert memo.hash_all([path])[0] is not None
    memo.save()
    again = HashMemo(tmp_path / "hashes.json")
    assert again.hash_all([path])[0] is not None
    assert again.hashed == 0
