"""The readable text of an email and the files attached to it.

The text is the first `text/plain` part, decoded by its own transfer encoding and charset. An email with
only HTML keeps the decoded HTML as its text (that is what was sent) and a plain-text copy beside it.
Every other leaf part becomes an inline attachment, so pictures and documents can become exhibits.
"""

from __future__ import annotations

import mimetypes
import quopri
import re
from dataclasses import dataclass, field
from email import errors
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from stalkproof.ingest.base import Attachment
from stalkproof.ingest.email_headers import readable
from stalkproof.ingest.email_html import html_to_text

MAX_ATTACHMENT = 256 * 1024 * 1024
_FULL_PARSER = BytesParser(policy=compat32)
_CUT_SHORT = (errors.CloseBoundaryNotFoundDefect, errors.StartBoundaryNotFoundDefect)
_BAD_BASE64 = (errors.InvalidBase64PaddingDefect, errors.InvalidBase64CharactersDefect)
_BAD_BASE64_LENGTH = getattr(errors, "InvalidBase64LengthDefect", errors.InvalidBase64PaddingDefect)
_DIRECT_ENCODINGS = ("7bit", "8bit", "binary", "quoted-printable")
_PLAIN_TYPE = re.compile(
    r'\s*text/(?P<subtype>plain|html)\s*(?:;\s*charset\s*=\s*(?P<charset>"[\w.:-]+"|[\w.:-]+)\s*;?\s*)?\Z',
    re.IGNORECASE,
)


@dataclass
class Body:
    text: str | None = None
    text_from_html: str | None = None  # plain-text copy when the text is HTML
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (warning code, sentence)
    cut_short: bool = False


def read_body(message: bytes, content_type: str | None = None, encoding: str | None = None) -> Body:
    """Text and attachments of one message (its bytes without the mbox envelope line). With the
    message's Content-Type and Content-Transfer-Encoding, a plain one-part text is read directly."""
    quick = _one_text_part(message, content_type, encoding)
    return quick if quick is not None else _parsed_body(message)


def _one_text_part(message: bytes, content_type: str | None, encoding: str | None) -> Body | None:
    """The common case without the MIME parser: one text/plain or text/html part in 7bit, 8bit or
    quoted-printable with a plain charset parameter. None for anything else (the parser reads it)."""
    kind = _PLAIN_TYPE.match(content_type or "text/plain")
    transfer = (encoding or "7bit").strip().lower()
    if kind is None or transfer not in _DIRECT_ENCODINGS:
        return None
    end = message.find(b"\n\n")
    crlf = message.find(b"\n\r\n", 0, end + 2 if end != -1 else len(message))
    if crlf != -1 and (end == -1 or crlf < end):
        payload = message[crlf + 3 :]
    else:
        payload = message[end + 2 :] if end != -1 else b""
    if transfer == "quoted-printable":
        payload = quopri.decodestring(payload)
    body = Body()
    charset = (kind.group("charset") or "us-ascii").strip('"').lower()
    text = _decode_text(payload, charset, body)
    if kind.group("subtype").lower() == "html":
        body.text, body.text_from_html = text, html_to_text(text)
    else:
        body.text = text
    return body


def _parsed_body(message: bytes) -> Body:
    parsed = _FULL_PARSER.parsebytes(message)
    body = Body()
    html: str | None = None
    for number, part in enumerate(_leaves(parsed), start=1):
        kind = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        is_body = disposition != "attachment" and filename is None
        if kind == "text/plain" and is_body and body.text is None:
            body.text = _text(part, body)
        elif kind == "text/html" and is_body and html is None:
            html = _text(part, body)
        elif kind == "text/html" and is_body:
            continue  # another rendering of the same words; the raw bytes keep it
        else:
            _attach(part, number, filename, body)
    if body.text is None and html is not None:
        body.text, body.text_from_html = html, html_to_text(html)
    body.cut_short = any(isinstance(defect, _CUT_SHORT) for part in parsed.walk() for defect in part.defects)
    return body


def _leaves(message: Message) -> list[Message]:
    if message.get_content_type() == "message/rfc822":
        return [message]
    if not message.is_multipart():
        return [message]
    found: list[Message] = []
    payload = message.get_payload()
    for part in payload if isinstance(payload, list) else []:
        if isinstance(part, Message):
            found.extend(_leaves(part))
    return found


def _text(part: Message, body: Body) -> str:
    return _decode_text(_decoded(part, body, "the text"), part.get_content_charset() or "us-ascii", body)


def _decode_text(payload: bytes, charset: str, body: Body) -> str:
    try:
        return payload.decode(charset)
    except LookupError:
        pass
    except UnicodeDecodeError:
        if charset == "us-ascii":
            try:
                return payload.decode("utf-8")  # 8-bit text with no charset given is nearly always UTF-8
            except UnicodeDecodeError:
                pass
    fallback = charset if _known(charset) else "utf-8"
    body.problems.append(
        (
            "text_decoding",
            f"part of this email's text is not valid {charset} as its header says, so the unreadable bytes "
            "are shown as \ufffd; the original bytes are kept in the report.",
        )
    )
    return payload.decode(fallback, errors="replace")


def _known(charset: str) -> bool:
    try:
        b"".decode(charset)
    except LookupError:
        return False
    return True


def _decoded(part: Message, body: Body, what: str) -> bytes:
    before = len(part.defects)
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    new = part.defects[before:]
    if any(isinstance(defect, (*_BAD_BASE64, _BAD_BASE64_LENGTH)) for defect in new):
        body.problems.append(
            (
                "bad_attachment",
                f"{what} is damaged in the file (its base64 encoding is broken), so some of it may be "
                "missing; what could be read was kept.",
            )
        )
    return data


def _attach(part: Message, number: int, filename: str | None, body: Body) -> None:
    kind = part.get_content_type()
    name = readable(filename) if filename else _invented_name(kind, number)
    if kind == "message/rfc822":
        inner = part.get_payload(0) if part.is_multipart() else None
        data = inner.as_bytes() if isinstance(inner, Message) else b""
    else:
        data = _decoded(part, body, f"the attachment '{name}'")
    if len(data) > MAX_ATTACHMENT:
        body.problems.append(
            ("attachment_too_large", f"the attachment '{name}' is over 256 MiB, more than stalkproof keeps.")
        )
        body.attachments.append(Attachment(name, "omitted", mime=kind))
        return
    body.attachments.append(Attachment(name, "inline", data=data, mime=kind))


def _invented_name(kind: str, number: int) -> str:
    if kind == "message/rfc822":
        return f"attached-message-{number}.eml"
    return f"part-{number}{mimetypes.guess_extension(kind) or '.bin'}"
