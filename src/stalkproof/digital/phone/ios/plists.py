"""Reading property lists from a backup: plain XML or binary, or wrapped in a signature.

Signed configuration profiles and provisioning profiles are a CMS signature around an XML property list.
Checking the signature is not needed to read what the profile says, so the XML is taken from inside it
as it stands, and nothing is decrypted.
"""

from __future__ import annotations

import plistlib
from typing import Any
from xml.parsers.expat import ExpatError

_XML_START = (b"<?xml", b"<plist")
_XML_END = b"</plist>"


def load_plist(data: bytes) -> dict[str, Any] | None:
    """The dictionary in `data`, or None when it holds no readable property list."""
    parsed = _parse(data)
    if parsed is None:
        parsed = _parse(_embedded_xml(data))
    return parsed if isinstance(parsed, dict) else None


def _parse(data: bytes) -> Any:
    if not data:
        return None
    try:
        return plistlib.loads(data)
    except (
        plistlib.InvalidFileException,
        ExpatError,
        ValueError,
        OverflowError,
        TypeError,
        KeyError,
        IndexError,
    ):
        return None


def _embedded_xml(data: bytes) -> bytes:
    starts = [index for marker in _XML_START if (index := data.find(marker)) >= 0]
    end = data.rfind(_XML_END)
    if not starts or end < 0:
        return b""
    start = min(starts)
    return data[start : end + len(_XML_END)] if start < end else b""
