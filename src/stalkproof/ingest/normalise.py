"""The copy of a text that search and analysis read. The evidence keeps the text exactly as found; this
copy folds compatibility forms (full-width letters, ligatures) and drops invisible direction marks, so a
search for "kill" also finds "ｋｉｌｌ"."""

from __future__ import annotations

import unicodedata

_MARKS = "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _MARKS))


def normalised_copy(text: str | None) -> str | None:
    """The search copy, or None when it would be the same as the text."""
    if not text or text.isascii():
        return None
    copy = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    return copy if copy != text else None
