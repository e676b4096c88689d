"""One exception root for "could not run". Bad data never raises: it becomes a Finding.

This module imports nothing else from the package.
"""

from __future__ import annotations


class HgnError(Exception):
    """The command could not run. Carries a slug, a Vietnamese message, an English one and a hint."""

    slug = "hgn-error"

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
