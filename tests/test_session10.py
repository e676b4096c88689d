"""Session 10: checks added with this session's changes."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from conftest import run_hgn
from hgn_review.schemas.coerce import _INVISIBLE_CHARS, _has_invisible, strip_text

_FRAME_EN = ("Usage:", "Options:", "Arguments:", "Commands:", "Show this message and exit.", "[required]",
             "[default:", "[OPTIONS]", "<list[Path]>")


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("validate", "--help"), ("standard", "--help"),
                                  ("standard", "show", "--help")])
def test_help_screens_are_framed_in_vietnamese(tmp_path: Path, args: tuple[str, ...]) -> None:
    """An officer's `hgn … --help` said "Usage:", "Options:", "[required]", "Show this message and exit." in
    English around the Vietnamese help; the frame is Vietnamese now, and English under --lang en."""
    vi = run_hgn(*args, cwd=tmp_path)
    assert vi.returncode == 0, vi.stderr
    assert vi.stdout.startswith("Cách dùng: ")
    assert "Hiện trợ giúp này rồi thoát." in vi.stdout
    assert "Tuỳ chọn:" in vi.stdout.splitlines()
    for word in _FRAME_EN:
        assert word not in vi.stdout, (word, vi.stdout)
    assert "{" not in vi.stdout.splitlines()[0]  # typer's braces around an argument's name
    en = run_hgn(*args, "--lang", "en", cwd=tmp_path) if args[-2:-1] not in ((), ("standard",)) else None
    if en is not None:
        assert en.returncode == 0, en.stderr
        assert en.stdout.startswith("Usage: ") and "Options:" in en.stdout
        assert "Show this message and exit." in en.stdout and "<list[Path]>" not in en.stdout


def test_required_and_default_are_said_in_vietnamese(tmp_path: Path) -> None:
    out = run_hgn("run", "--help", cwd=tmp_path).stdout
    assert "[bắt buộc]" in out and "[mặc định: vi]" in out
    assert out.count("Đối số:") == 1 and out.count("Tuỳ chọn:") == 1


@pytest.mark.parametrize("ch", list(_INVISIBLE_CHARS))
def test_each_invisible_character_is_found_and_taken_off(ch: str) -> None:
    """The lead-byte shortcut of the invisible-character test must not miss any of them, wherever it stands."""
    arr = pa.array(["Nguyễn Văn A", None, f"Nam{ch}", f"{ch}01", "Hộ – nghèo"])
    assert _has_invisible(arr)
    assert strip_text(arr).to_pylist() == ["Nguyễn Văn A", None, "Nam", "01", "Hộ – nghèo"]


def test_vietnamese_text_and_lookalike_bytes_are_not_taken_for_invisible() -> None:
    """No Vietnamese letter, dash, no-break space or symbol starting with the same bytes counts (each of these
    shares a lead byte with an invisible character: \u2013 and \u2060 both start e2 80/e2 81, \u00a0 and \u00ad c2)."""
    arr = pa.array(["Đặng Thị Ưng", "1 – 2", "a\u00a0b", "\u20ac", "\ufb01", "\u2026"])
    assert not _has_invisible(arr)
    assert not _has_invisible(pa.array([], pa.string()))
    assert not _has_invisible(pa.array([None, None], pa.string()))
