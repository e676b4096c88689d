"""Which returns changed since the last run, without reading them all again.

A return is known by its SHA-256. Hashing the ~280 MB of a province's returns takes over a second, so `hgn run`
remembers each file's hash beside what the file system says about it — size, modification and change times,
inode — as git's index does: a file whose fingerprint is unchanged is not hashed again. The change time (ctime)
cannot be set back by copying tools, so a file replaced by another of the same size and modification time is
still seen. (On Windows ctime is the creation time: a copy laid over a return must then also keep its size and
its modification time to the 100 ns to go unseen — Excel itself saves to a new file, which changes the inode.)
A file modified within two seconds of being hashed is not remembered (it may change again within the file
system's time resolution and look the same): it is hashed again on the next run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hgn_review.io.read import fingerprint, sha256_file

Fingerprint = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
RACY_NS = 2_000_000_000


class HashMemo:
    """SHA-256 of files remembered by fingerprint, in one JSON file (a damaged or foreign one is ignored)."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.entries: dict[str, list] = {}
        try:
            raw = json.loads(store.read_text("utf-8"))
            if isinstance(raw, dict):
                self.entries = {k: v for k, v in raw.items()
                                if isinstance(v, list) and len(v) == 5 and isinstance(v[4], str)}
        except (OSError, ValueError):
            pass
        self.hashed = 0  # files actually read this time

    def hash_all(self, paths: Sequence[Path], threads: int = 1) -> list[tuple[str, Fingerprint] | None]:
        """(sha256, fingerprint) per path, in order; None for a file that cannot be read (the reader reports it).

        Files not remembered are hashed on ``threads`` threads (hashlib and file reads release the GIL)."""
        out: list[tuple[str, Fingerprint] | None] = [None] * len(paths)
        todo: list[tuple[int, Path, Fingerprint]] = []
        for i, p in enumerate(paths):
            try:
                fp = fingerprint(p)
            except OSError:
                continue
            known = self.entries.get(str(p.resolve()))
            if known is not None and tuple(known[:4]) == fp:
                out[i] = (known[4], fp)
            else:
                todo.append((i, p, fp))

        def one(item: tuple[int, Path, Fingerprint]) -> tuple[int, str | None, Fingerprint, int]:
            i, p, fp = item
            started = time.time_ns()
            try:
                return i, sha256_file(p), fp, started
            except OSError:
                return i, None, fp, started

        keep = {str(paths[i].resolve()): [*got[1], got[0]] for i, got in enumerate(out) if got is not None}
        with ThreadPoolExecutor(max_workers=max(1, min(threads, len(todo) or 1))) as pool:
            for i, sha, fp, started in pool.map(one, todo):
                if sha is None:
                    continue
                self.hashed += 1
                out[i] = (sha, fp)  # changed while hashed: the reader sees another fingerprint and hashes again
                try:
                    settled = fingerprint(paths[i]) == fp and max(fp[1], fp[2]) < started - RACY_NS
                except OSError:
                    settled = False
                if settled:
                    keep[str(paths[i].resolve())] = [*fp, sha]
        self.entries = keep  # this folder's files only
        return out

    def save(self) -> None:
        from hgn_review.io.write import write_text_atomic

        # ASCII escapes: a name that is not UTF-8 (Linux: bytes held as surrogates) is stored and read back as is
        write_text_atomic(self.store, json.dumps(self.entries, ensure_ascii=True, sort_keys=True))
