"""Writes SMS Backup & Restore XML the way the Android app does, for the demo, round-trip tests and the
benchmark: UTF-8, attributes in the app's order, `"null"` for empty fields, line breaks as `&#10;`, and
emoji as two UTF-16 surrogate references (`&#55357;&#56832;`), which is what makes these files awkward."""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

HEADER = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
    "<!--File Created By SMS Backup & Restore v10.20.002 on 30/05/2024 22:01:00-->\n"
    '<?xml-stylesheet type="text/xsl" href="sms.xsl"?>\n'
)
_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("'", "&apos;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
    ("\t", "&#9;"),
)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Sms:
    """type: 1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued."""

    address: str
    at: datetime
    body: str | None
    type: int = 1
    contact_name: str | None = None
    service_center: str | None = None


@dataclass(frozen=True)
class MmsPart:
    ct: str
    name: str | None = None
    text: str | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Mms:
    """msg_box: 1 received, 2 sent. addrs: (address, 137 from | 151 to | 130 cc)."""

    address: str
    at: datetime
    msg_box: int
    addrs: tuple[tuple[str, int], ...]
    parts: tuple[MmsPart, ...] = ()
    m_id: str | None = None
    contact_name: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class Call:
    """type: 1 incoming, 2 outgoing, 3 missed, 4 voicemail, 5 rejected, 6 blocked."""

    number: str
    at: datetime
    type: int
    duration: int = 0
    contact_name: str | None = None
    presentation: int = 1


def escape(text: str) -> str:
    """An attribute value as the app writes it: XML escapes, line breaks as references, and characters
    outside the BMP as a pair of UTF-16 surrogate references."""
    for plain, escaped in _ESCAPES:
        if plain in text:
            text = text.replace(plain, escaped)
    return _ASTRAL.sub(_surrogate_pair, text) if not text.isascii() else text


def _surrogate_pair(match: re.Match[str]) -> str:
    value = ord(match.group()) - 0x10000
    return f"&#{0xD800 + (value >> 10)};&#{0xDC00 + (value & 0x3FF)};"


def _attr(value: str | None) -> str:
    return "null" if value is None else escape(value)


def _ms(at: datetime) -> int:
    delta = at.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return delta // timedelta(milliseconds=1)


def _readable(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%d %b %Y %H:%M:%S")


def sms_element(sms: Sms) -> str:
    return (
        f'<sms protocol="0" address="{escape(sms.address)}" date="{_ms(sms.at)}" type="{sms.type}" '
        f'subject="null" body="{_attr(sms.body)}" toa="null" sc_toa="null" '
        f'service_center="{_attr(sms.service_center)}" read="1" status="-1" locked="0" '
        f'date_sent="{_ms(sms.at) - 1000 if sms.type == 1 else 0}" sub_id="1" '
        f'readable_date="{_readable(sms.at)}" contact_name="{_attr(sms.contact_name or "(Unknown)")}" />'
    )


def mms_element(mms: Mms, indent: str = "  ") -> str:
    lines = [
        f'<mms date="{_ms(mms.at)}" rr="null" sub="{_attr(mms.subject)}" '
        f'ct_t="application/vnd.wap.multipart.related" read_status="null" seen="1" msg_box="{mms.msg_box}" '
        f'address="{escape(mms.address)}" m_id="{_attr(mms.m_id)}" read="1" '
        f'readable_date="{_readable(mms.at)}" contact_name="{_attr(mms.contact_name or "(Unknown)")}">',
        f"{indent}  <parts>",
    ]
    for seq, part in enumerate(mms.parts):
        data = f' data="{base64.b64encode(part.data).decode()}"' if part.data is not None else ""
        charset = 106 if part.text is not None else "null"
        lines.append(
            f'{indent}    <part seq="{seq if part.ct != "application/smil" else -1}" ct="{escape(part.ct)}" '
            f'name="{_attr(part.name)}" chset="{charset}" cd="null" fn="null" '
            f'cid="&lt;{seq}&gt;" cl="{_attr(part.name)}" ctt_s="null" ctt_t="null" '
            f'text="{_attr(part.text)}"{data} />'
        )
    lines.append(f"{indent}  </parts>")
    lines.append(f"{indent}  <addrs>")
    for address, kind in mms.addrs:
        lines.append(f'{indent}    <addr address="{escape(address)}" type="{kind}" charset="106" />')
    lines.append(f"{indent}  </addrs>")
    lines.append(f"{indent}</mms>")
    return "\n".join(lines)


def call_element(call: Call) -> str:
    return (
        f'<call number="{escape(call.number)}" duration="{call.duration}" date="{_ms(call.at)}" '
        f'type="{call.type}" presentation="{call.presentation}" subscription_id="1" post_dial_digits="" '
        f'readable_date="{_readable(call.at)}" contact_name="{_attr(call.contact_name or "(Unknown)")}" />'
    )


def write_messages(out: IO[bytes], items: Iterable[Sms | Mms], count: int) -> None:
    """A whole `sms-*.xml` written as it goes; `count` is what the root element claims."""
    out.write(f'{HEADER}<smses count="{count}" backup_set="demo" backup_date="0" type="full">\n'.encode())
    for item in items:
        element = sms_element(item) if isinstance(item, Sms) else mms_element(item)
        out.write(f"  {element}\n".encode())
    out.write(b"</smses>\n")


def write_calls(out: IO[bytes], calls: Iterable[Call], count: int) -> None:
    out.write(f'{HEADER}<calls count="{count}" backup_set="demo" backup_date="0">\n'.encode())
    for call in calls:
        out.write(f"  {call_element(call)}\n".encode())
    out.write(b"</calls>\n")


def render_messages(items: list[Sms | Mms]) -> bytes:
    import io

    out = io.BytesIO()
    write_messages(out, items, len(items))
    return out.getvalue()


def render_calls(calls: list[Call]) -> bytes:
    import io

    out = io.BytesIO()
    write_calls(out, calls, len(calls))
    return out.getvalue()


# --- generated conversations for the benchmark and the memory tests --------------------------------------

_PEOPLE = (
    ("+447700900123", "Sam Taylor"),
    ("+447700900456", "Alex Morgan"),
    ("+447700900789", None),
    ("+15550142", "Jordan Lee"),
)
_PHRASES = (
    "Where are you?",
    "I saw you at the station today \U0001f600",
    "Answer your phone.",
    "ok",
    "I know where you live.\nDon't ignore me.",
    "Why did you block me? \U0001f621\U0001f621",
    "Caf\u00e9 at 6? Let me know & I'll be there",
    "<3 miss you",
    "You can't hide from me forever",
)


def generated_messages(count: int, seed: int = 5, start: datetime | None = None) -> Iterator[Sms | Mms]:
    """`count` messages between the owner and a few fictional numbers, about 5% of them MMS."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible fictional backup, not security
    at = start or datetime(2023, 1, 2, 8, 14, tzinfo=UTC)
    for index in range(count):
        at += timedelta(milliseconds=rng.randrange(1_000, 600_000))
        number, name = rng.choice(_PEOPLE)
        body = rng.choice(_PHRASES)
        if index % 20 == 19:
            parts = (
                MmsPart("application/smil", "smil.xml", "<smil/>"),
                MmsPart("text/plain", "text.txt", body),
            )
            image = MmsPart("image/jpeg", f"IMG_{index:05d}.jpg", data=rng.randbytes(48))
            yield Mms(
                number, at, 1, ((number, 137), ("+447700900999", 151)), (*parts, image), f"m{index}", name
            )
        else:
            yield Sms(number, at, body, rng.choice((1, 1, 2)), name)


def write_generated_backup(path: Path, count: int, seed: int = 5) -> Path:
    with path.open("wb") as out:
        write_messages(out, generated_messages(count, seed), count)
    return path
