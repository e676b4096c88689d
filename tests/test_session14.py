"""Session 14: checks of what an officer meets (see the commit messages for each defect)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hgn_review.sample import generate_sample


def hgn(*args: object) -> subprocess.CompletedProcess[str]:
    """`hgn …` as an officer runs it (its own error handling, exit codes), output to pipes."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "HGN_DEBUG")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, check=False)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("s14") / "returns"
    generate_sample(str(out), province="30", communes=1, households=12, seed=3, error_rate=0.0, year=2024)
    return out


@pytest.mark.parametrize("day", ["01/01/1900", "31/12/2021", "01/01/2031"])
def test_as_of_outside_every_standard_is_refused(sample: Path, day: str) -> None:
    """--as-of 1900 (a year mistyped) took the old unit list without a word: refused, with the periods known."""
    proc = hgn("validate", sample, "--as-of", day)
    assert proc.returncode == 2
    assert proc.stderr.startswith("Lỗi: --as-of") and "không thuộc giai đoạn của chuẩn nghèo nào" in proc.stderr
    assert "01/01/2022–31/12/2026" in proc.stderr and "Gợi ý:" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("day", ["01/01/2022", "31/12/2026", "01/10/2024"])
def test_as_of_inside_a_standard_is_taken(sample: Path, day: str) -> None:
    """The first and the last day a standard covers are taken (the boundary days)."""
    proc = hgn("validate", sample, "--as-of", day)
    assert proc.returncode == 0, proc.stderr
