"""One spelling for each account, so that an account named by the user (`party add --account`) and the
same account found in an export are recognised as one. The display name is kept separately, as found."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Bidi controls and isolates, zero-width marks and the BOM that apps wrap around names.
_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _MARKS))
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PHONE = re.compile(r"^\+?[\d\s().\-\u00a0\u202f]{6,}$")
PHONE_PLATFORMS = frozenset({"sms", "mms", "phone", "call", "whatsapp", "signal", "imessage", "telegram"})


@lru_cache(maxsize=65_536)
def normalise(platform: str, raw: str) -> str:
    """The identifier to store and compare: trimmed, invisible marks removed, NFC; email addresses in lower
    case; phone numbers reduced to an optional leading + and digits."""
    platform = platform.strip().lower()
    text = unicodedata.normalize("NFC", raw.translate(_INVISIBLE))
    text = _SPACES.sub(" ", text).strip()
    if text.startswith("~ "):  # WhatsApp marks a name that is not in the phone's contacts so
        text = text[2:]
    if platform == "email" or (("@" in text) and platform not in ("x", "instagram", "telegram", "discord")):
        return text.lower()
    if platform in PHONE_PLATFORMS and _PHONE.match(text):
        digits = re.sub(r"\D", "", text)
        return ("+" if text.startswith("+") or text.startswith("00") else "") + digits.removeprefix(
            "00" if text.startswith("00") else ""
        )
    if platform in ("x", "instagram") and text.startswith("@"):
        return text[1:].lower()
    return text


def platform_of(account: str) -> tuple[str, str]:
    """Split `PLATFORM:IDENTIFIER` as typed on the command line."""
    platform, _, identifier = account.partition(":")
    return platform.strip().lower(), identifier
