"""One exception root for "could not run". Bad data never raises: it becomes a Finding.

This module imports nothing else from the package.
"""

from __future__ import annotations

import re
from typing import Any


class HgnError(Exception):
    """The command could not run. Carries a slug, a Vietnamese message, an English one and a hint."""

    slug = "hgn-error"
    summary: dict[str, Any] | None = None  # what a run did before it stopped, for --json (hgn run)

    def __init__(self, message: str, *, hint: str = "", message_en: str = "", hint_en: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.message_en = message_en or message
        self.hint_en = hint_en or hint

    def render(self, lang: str = "vi") -> tuple[str, str]:
        if lang == "en":
            return self.message_en, self.hint_en
        return self.message, self.hint


class UsageError(HgnError):
    """The call's arguments do not make sense (exit 2)."""

    slug = "usage"


class InputError(HgnError):
    """An input cannot be used at all (exit 3)."""

    slug = "input"


class FindingsStop(HgnError):
    """The run stopped on purpose because of findings (``--strict``): exit 1, as for findings at --fail-on."""

    slug = "findings"


class ConfigError(HgnError):
    """A standard, layout or form definition file is wrong (exit 3)."""

    slug = "config"


class OutputError(HgnError):
    """An output cannot be written: the file is open in another program, the folder is read-only, the disk is
    full (exit 3)."""

    slug = "output"


_REASONS = {  # errno name -> (Vietnamese, English): the system's own text is English and terse
    "EEXIST": ("một phần của đường dẫn là một tệp, không phải thư mục", "part of the path is a file, not a folder"),
    "ENOTDIR": ("một phần của đường dẫn là một tệp, không phải thư mục", "part of the path is a file, not a folder"),
    "ENOENT": ("không có tệp hoặc thư mục này", "no such file or folder"),
    "EACCES": ("không có quyền truy cập", "permission denied"),
    "EPERM": ("không có quyền truy cập", "permission denied"),
    "EROFS": ("ổ đĩa chỉ cho đọc", "the disk is read-only"),
    "ENOSPC": ("ổ đĩa đã đầy", "the disk is full"),
    "EDQUOT": ("đã hết hạn mức dung lượng", "the disk quota is used up"),
    "EISDIR": ("đường dẫn là một thư mục, không phải tệp", "the path is a folder, not a file"),
    "ENAMETOOLONG": ("đường dẫn quá dài", "the path is too long"),
    "EBUSY": ("tệp đang được dùng", "the file is in use"),
    "EFBIG": ("tệp quá lớn cho ổ đĩa này (ổ USB định dạng FAT32 nhận tệp đến 4 GB)",
              "the file is too large for this disk (a FAT32 USB stick takes files up to 4 GB)"),
}


def os_reason(exc: OSError) -> tuple[str, str]:
    """(Vietnamese, English) of why the system refused a file."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    if name in _REASONS:
        return _REASONS[name]
    if isinstance(exc, PermissionError):
        return _REASONS["EACCES"]
    text = exc.strerror or type(exc).__name__
    return text, text


class Note(str):
    """A note for the officer: the Vietnamese text (it is a ``str``, written as is into README.txt and the like)
    with its English wording in ``en``, for ``--lang en``."""

    en: str

    def __new__(cls, vi: str, en: str) -> Note:
        obj = super().__new__(cls, vi)
        obj.en = en
        return obj

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # copied and pickled with both wordings
        return (Note, (str(self), self.en))


def say(note: str, lang: str) -> str:
    """A note in ``lang``: a :class:`Note`'s English when asked, else the text itself."""
    return getattr(note, "en", note) if lang == "en" else str(note)


# PyYAML's words for the usual slips in a hand-edited file, in Vietnamese
_YAML_PROBLEMS = (
    ("cannot start any token", "có ký tự Tab hoặc ký tự không được phép ở đầu: YAML chỉ thụt lề bằng dấu cách"),
    ("mapping values are not allowed here", "dấu ':' không đúng chỗ (thường do thụt lề sai, hoặc thiếu dấu cách "
                                            "sau ':', hoặc giá trị có ':' mà không đặt trong nháy)"),
    ("could not find expected ':'", "thiếu dấu ':' sau khoá"),
    ("found unexpected end of stream", "dấu nháy hoặc ngoặc mở mà chưa đóng"),
    ("expected ',' or ']'", "danh sách mở bằng '[' chưa đóng bằng ']' (hoặc thiếu dấu ',')"),
    ("expected ',' or '}'", "bảng mở bằng '{' chưa đóng bằng '}' (hoặc thiếu dấu ',')"),
    ("expected <block end>", "thụt lề không khớp với các dòng trên"),
    ("found undefined alias", "dùng bí danh '*' chưa được khai báo"),
)


def yaml_problem(exc: BaseException) -> tuple[str, str]:
    """(Vietnamese, English) of why a YAML text could not be read, with the line and column of the problem."""
    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if getattr(exc, "context_mark", None) is not None and ("end of stream" in problem or "expected ','" in problem):
        mark = exc.context_mark  # type: ignore[attr-defined]  # a quote or bracket never closed: where it opens
    where_vi = f"dòng {mark.line + 1}, cột {mark.column + 1}: " if mark is not None else ""
    where_en = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    text = f"{context} {problem}"
    twice = re.match(r"khóa '(.*)' ghi hai lần", problem)  # hgn's own check (standard.py): already in Vietnamese
    if twice:
        return where_vi + problem, where_en + f"key '{twice.group(1)}' written twice"
    vi = next((v for en, v in _YAML_PROBLEMS if en in text), "sai cú pháp YAML")
    return where_vi + vi, where_en + (problem or "invalid YAML")
