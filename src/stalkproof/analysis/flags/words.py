"""How the flag engine reads the words of a text: the one definition trigger words are looked up in, and
the one the proof in `required` reasons about.

A word is a run of the letters a-z in the lower-cased text. `re` ignores case more widely than
`str.lower` does: it also matches the Turkish dotless and dotted i and the long s to i and s, so those are
folded to ASCII first; otherwise "kıll you" would match a rule's pattern but not its trigger "kill".
"""

from __future__ import annotations

import re

ASCII_FOLD = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})
_FOLDED = re.compile("[İıſ]").search
_WORD_RUNS = re.compile(r"[a-z]+").findall


def text_words(text: str) -> list[str]:
    """The words of `text` as trigger words are looked up: lower-case runs of a-z, in order."""
    if not text.isascii() and _FOLDED(text):
        text = text.translate(ASCII_FOLD)
    return _WORD_RUNS(text.lower())
