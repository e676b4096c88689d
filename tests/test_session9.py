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
    assert "This run stopped before merging: --strict stops before merging: 1 errors" in text, text
    assert not VIETNAMESE.search(text), text
