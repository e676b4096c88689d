"""The hash memo of `hgn run`: a return whose file-system fingerprint is unchanged is not hashed again; any
change of content — even one that keeps the size and the modification time — is seen."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from hgn_review.io import fingerprint as fpmod
from hgn_review.io.fingerprint import HashMemo
from hgn_review.io.read import fingerprint, read_return


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as settled at once (the two-second rule has its own test)."""
    monkeypatch.setattr(fpmod, "RACY_NS", 0)


def files(tmp_path: Path, *contents: bytes) -> list[Path]:
    out = []
    for i, data in enumerate(contents):
        p = tmp_path / f"xa_{i}.xlsx"
        p.write_bytes(data)
        out.append(p)
    return out


def test_unchanged_files_are_not_hashed_again(tmp_path: Path, settled: None) -> None:
    paths = files(tmp_path, b"a" * 5000, b"b" * 7000)
    first = HashMemo(tmp_path / "memo.json")
    got = first.hash_all(paths, threads=2)
    assert [g[0] for g in got if g] == [sha(b"a" * 5000), sha(b"b" * 7000)] and first.hashed == 2
    first.save()
    again = HashMemo(tmp_path / "memo.json")
    assert [g[0] for g in again.hash_all(paths) if g] == [sha(b"a" * 5000), sha(b"b" * 7000)]
    assert again.hashed == 0


def test_same_size_and_mtime_but_new_content_is_hashed_again(tmp_path: Path, settled: None) -> None:
    """Content replaced in place with the modification time set back (as `cp -p` or `touch -r` do): the
    change time still moves, so the file is hashed again."""
    (path,) = files(tmp_path, b"old content!")
    memo = HashMemo(tmp_path / "memo.json")
    memo.hash_all([path])
    memo.save()
    st = os.stat(path)
    path.write_bytes(b"new content!")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_mtime_ns == st.st_mtime_ns and os.stat(path).st_size == st.st_size
    again = HashMemo(tmp_path / "memo.json")
    assert again.hash_all([path])[0][0] == sha(b"new content!")  # type: ignore[index]
    assert again.hashed == 1


def test_a_file_just_written_is_not_remembered(tmp_path: Path) -> None:
    """Within two seconds of its last change a file may change again unseen: it is hashed next time too."""
    (path,) = files(tmp_path, b"fresh")
    memo = HashMemo(tmp_path / "memo.json")
    assert memo.hash_all([path])[0][0] == sha(b"fresh")  # type: ignore[index]
    memo.save()
    assert json.loads((tmp_path / "memo.json").read_text("utf-8")) == {}
    again = HashMemo(tmp_path / "memo.json")
    again.hash_all([path])
    assert again.hashed == 1


def test_memo_holds_only_the_files_asked_for(tmp_path: Path, settled: None) -> None:
    paths = files(tmp_path, b"one", b"two")
    memo = HashMemo(tmp_path / "memo.json")
    memo.hash_all(paths)
    memo.save()
    later = HashMemo(tmp_path / "memo.json")
    later.hash_all(paths[1:])
    later.save()
    assert list(json.loads((tmp_path / "memo.json").read_text("utf-8"))) == [str(paths[1].resolve())]


def test_damaged_memo_is_ignored_and_missing_file_gives_none(tmp_path: Path, settled: None) -> None:
    (tmp_path / "memo.json").write_text("{not json", "utf-8")
    (path,) = files(tmp_path, b"x")
    memo = HashMemo(tmp_path / "memo.json")
    got = memo.hash_all([path, tmp_path / "gone.xlsx"])
    assert got[0] is not None and got[0][0] == sha(b"x") and got[1] is None


def test_reader_trusts_a_known_hash_only_for_the_same_fingerprint(tmp_path: Path) -> None:
    (path,) = files(tmp_path, b"not a workbook")
    fp = fingerprint(path)
    assert read_return(path, known=("f" * 64, fp)).sha256 == "f" * 64
    moved = (fp[0], fp[1] - 1, fp[2], fp[3])
    assert read_return(path, known=("f" * 64, moved)).sha256 == sha(b"not a workbook")
