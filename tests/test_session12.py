"""Session 12: behaviour added while fixing what review found (each test fails on the code before its change)."""

from __future__ import annotations

import re

import pandas as pd
import typer

from hgn_review import cli
from hgn_review.help_en import HELP_EN
from hgn_review.schemas.coerce import parse_date
from hgn_review.text import short_names

_VI = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.I)


def test_a_date_with_a_time_after_it_is_that_day() -> None:
    """A date-time typed or pasted as text is its day, in the forms Excel shows on a Vietnamese or an English
    computer (SA/CH, AM/PM); anything else after the date is still not a date."""
    dates, _years = parse_date(pd.Series(["15/09/2024 08:30:00", "1/2/2020 8:30 SA", "5/5/2020 3:00 CH",
                                          "5/5/2020 3:00 PM", "15/09/2024 sáng", "15/09/2024x"]), False)
    got = [None if pd.isna(d) else d.date().isoformat() for d in dates]
    assert got == ["2024-09-15", "2020-02-01", "2020-05-05", "2020-05-05", None, None]


def test_returns_of_the_same_name_are_told_apart_by_their_folders() -> None:
    """Communes often send the same file name: each is shown with as many folders as tell it apart, the others
    by their name alone."""
    shown = short_names(["in/xa_a/bieu.xlsx", "in/xa_b/bieu.xlsx", "in/xa_c/10507.xlsx", "in/a/x/bieu2.xlsx",
                         "in/b/x/bieu2.xlsx"])
    assert shown == {"in/xa_a/bieu.xlsx": "xa_a/bieu.xlsx", "in/xa_b/bieu.xlsx": "xa_b/bieu.xlsx",
                     "in/xa_c/10507.xlsx": "10507.xlsx", "in/a/x/bieu2.xlsx": "a/x/bieu2.xlsx",
                     "in/b/x/bieu2.xlsx": "b/x/bieu2.xlsx"}
    assert short_names(["bieu.xlsx"]) == {"bieu.xlsx": "bieu.xlsx"}


def _help_texts(command: object) -> list[str]:
    out = [t for t in (getattr(command, "help", None), getattr(command, "short_help", None)) if t]
    out += [p.help for p in getattr(command, "params", []) if getattr(p, "help", None)]
    for sub in getattr(command, "commands", {}).values():
        out += _help_texts(sub)
    return out


def test_every_help_text_has_its_english() -> None:
    """--lang en shows every help screen in English: each Vietnamese help text of the command line (a new option
    included) has its English in help_en.HELP_EN, and no English text holds Vietnamese."""
    import inspect

    texts = {inspect.cleandoc(t) for t in _help_texts(typer.main.get_command(cli.app)) if _VI.search(t)}
    assert texts, "the walk found no help text"
    missing = sorted(t for t in texts if t not in HELP_EN)
    assert not missing, missing
    assert not [v for v in HELP_EN.values() if _VI.search(v)]


def test_the_language_given_before_the_command_is_the_commands() -> None:
    """`hgn --lang en validate in/` is `hgn validate in/ --lang en` (every command has --lang; the group has none),
    and `hgn --lang en` alone is the list of commands, in English."""
    assert cli._lang_after_command(["--lang", "en", "validate", "in/"]) == ["validate", "in/", "--lang", "en"]
    assert cli._lang_after_command(["--lang=en", "standard", "list"]) == ["standard", "list", "--lang=en"]
    assert cli._lang_after_command(["--lang", "en", "--help"]) == ["--help"]
    assert cli._lang_after_command(["--lang", "en"]) == ["--help"]
    assert cli._lang_after_command(["validate", "in/", "--lang", "en"]) == ["validate", "in/", "--lang", "en"]
    assert cli._lang_of(["--lang", "en", "--help"]) == "en"


def test_an_apostrophe_inside_a_name_does_not_show_through_its_initials() -> None:
    """Ê Đê and Gia Rai names ("H'Hen Niê") are masked as any other: one initial a word, nothing of the word
    after its first letter (before: "H. 'H. N.")."""
    from hgn_review.reports.pii import initials

    got = initials(pd.Series(["H'Hen Niê", "H’Lan", "Nguyễn Văn An", "N. V. A.", None], dtype="string")).tolist()
    assert got[:4] == ["H. N.", "H.", "N. V. A.", "N. V. A."] and pd.isna(got[4])
