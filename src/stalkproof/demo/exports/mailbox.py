"""Writes fictional email as mbox (mboxrd quoting, as Gmail's Takeout and most programs do), as .eml files
and as a Maildir, for the demo, the round-trip tests and the mbox header-scan benchmark.

The generated mailbox imitates a provider's real headers (a Received chain, Authentication-Results,
DKIM and ARC signatures), because the benchmark measures how fast those headers are scanned.
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import IO

_QUOTE_FROM = re.compile(rb"^(>*From )", re.MULTILINE)


@dataclass(frozen=True)
class Email:
    """One message. `body` is the text as the reader should see it; it ends with a newline."""

    sender: tuple[str, str]  # (display name, address)
    to: tuple[tuple[str, str], ...]
    at: datetime
    subject: str
    body: str
    message_id: str
    reply_to: str | None = None
    labels: tuple[str, ...] = ()
    thread_id: str | None = None
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (file name, MIME type, bytes)
    provider_headers: tuple[str, ...] = field(default=(), compare=False)


def _address(name: str, address: str) -> str:
    return formataddr((name, address), charset="utf-8") if name else address


def _subject(text: str) -> str:
    return text if text.isascii() else Header(text, "utf-8").encode()


def headers_of(email: Email) -> list[str]:
    lines = list(email.provider_headers)
    if email.thread_id is not None:
        lines.append(f"X-GM-THRID: {email.thread_id}")
    if email.labels:
        lines.append(f"X-Gmail-Labels: {','.join(email.labels)}")
    lines += [
        f"From: {_address(*email.sender)}",
        f"To: {', '.join(_address(*person) for person in email.to)}",
        f"Subject: {_subject(email.subject)}",
        f"Date: {format_datetime(email.at)}",
        f"Message-ID: <{email.message_id}>",
        "MIME-Version: 1.0",
    ]
    if email.reply_to is not None:
        lines.append(f"Reply-To: {email.reply_to}")
    return lines


def message_bytes(email: Email) -> bytes:
    """The message as an .eml file holds it (LF line ends, UTF-8 text sent as 8bit)."""
    head = "\n".join(headers_of(email))
    text_part = 'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
    if not email.attachments:
        return f"{head}\n{text_part}".encode() + email.body.encode()
    boundary = f"==stalkproof-{email.message_id.split('@')[0]}=="
    parts = [f"--{boundary}\n{text_part}".encode() + email.body.encode()]
    for name, mime, data in email.attachments:
        encoded = base64.encodebytes(data).decode()
        parts.append(
            f'--{boundary}\nContent-Type: {mime}\nContent-Disposition: attachment; filename="{name}"\n'
            f"Content-Transfer-Encoding: base64\n\n{encoded}".encode()
        )
    closing = f"--{boundary}--\n".encode()
    multipart = f'{head}\nContent-Type: multipart/mixed; boundary="{boundary}"\n\n'.encode()
    return multipart + b"\n".join(parts) + b"\n" + closing


def envelope_line(email: Email) -> bytes:
    stamp = email.at.astimezone(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
    return f"From {email.sender[1]} {stamp}\n".encode()


def mbox_entry(email: Email) -> bytes:
    """The envelope line, the message with body lines like `From ` and `>From ` quoted by one more `>`
    (mboxrd), and the blank line that ends every message in an mbox."""
    message = message_bytes(email)
    cut = message.find(b"\n\n") + 2
    body = _QUOTE_FROM.sub(rb">\1", message[cut:])
    if not body.endswith(b"\n"):
        body += b"\n"
    return envelope_line(email) + message[:cut] + body + b"\n"


def write_mbox(out: IO[bytes], emails: Iterable[Email]) -> None:
    for email in emails:
        out.write(mbox_entry(email))


def render_mbox(emails: Iterable[Email]) -> bytes:
    return b"".join(mbox_entry(email) for email in emails)


def write_maildir(root: Path, emails: Iterable[Email], unread_from: int | None = None) -> Path:
    """A Maildir: messages before `unread_from` in cur/ (read), the rest in new/, and an empty tmp/."""
    for folder in ("cur", "new", "tmp"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for index, email in enumerate(emails):
        stamp = int(email.at.timestamp())
        unread = unread_from is not None and index >= unread_from
        name = f"{stamp}.M{index}P1.mail.example" + ("" if unread else ":2,S")
        (root / ("new" if unread else "cur") / name).write_bytes(message_bytes(email))
    return root


# --- generated mailboxes for the benchmark and the memory tests ------------------------------------------

_SENDERS = (
    ("Sam Taylor", "sam.taylor@example.com"),
    ("Jordan Lee", "jordan@example.net"),
    ("Zo\u00eb Bronn\u00e9", "zoe@example.com"),
)
_OWNER = ("Alex Morgan", "alex@example.org")
_LINES = (
    "I saw you at the station today.",
    "Why won't you answer me?",
    "From now on I will wait outside your work.",
    "You can't hide from me \U0001f642",
    "I know what you did. Reply or I'll tell everyone.",
    "Caf\u00e9 tomorrow at six, don't be late.",
)


def provider_headers(rng: random.Random, sender: str, at: datetime) -> tuple[str, ...]:
    """A receiving provider's headers, about 2 KB, shaped like a large webmail provider's."""
    domain = sender.split("@")[1]
    stamp = format_datetime(at + timedelta(seconds=2))
    token = base64.b64encode(rng.randbytes(96)).decode()
    return (
        f"Delivered-To: {_OWNER[1]}",
        f"Received: by 2001:db8:7000:{rng.randrange(65536):x}::1 with SMTP id {rng.randrange(10**9)}csp;\n"
        f"        {stamp}",
        f"X-Received: by 2001:db8:a05::{rng.randrange(65536):x} with SMTP id {rng.randrange(10**12)};\n"
        f"        {stamp}",
        f"ARC-Seal: i=1; a=rsa-sha256; t={int(at.timestamp())}; cv=none; d=example.org; s=arc-2023;\n"
        f"        b={token}",
        f"ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=arc-2023;\n"
        f"        h=to:subject:message-id:date:from:mime-version; bh={token[:44]};\n        b={token}",
        f"ARC-Authentication-Results: i=1; mx.example.org; dkim=pass header.i=@{domain}; spf=pass "
        f"smtp.mailfrom={sender}",
        f"Return-Path: <{sender}>",
        f"Received: from mail.{domain} (mail.{domain}. [203.0.113.{rng.randrange(1, 255)}])\n"
        f"        by mx.example.org with ESMTPS id {rng.randrange(10**12)}\n"
        f"        for <{_OWNER[1]}>\n        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\n"
        f"        {stamp}",
        f"Received-SPF: pass (mx.example.org: domain of {sender} designates 203.0.113.5 as permitted sender)",
        f"Authentication-Results: mx.example.org;\n       dkim=pass header.i=@{domain} header.s=s1;\n"
        f"       spf=pass smtp.mailfrom={sender};\n       dmarc=pass (p=NONE) header.from={domain}",
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=s1;\n"
        f"        h=mime-version:from:date:message-id:subject:to; bh={token[:44]};\n        b={token}",
        f"X-Google-Smtp-Source: {token[:60]}",
    )


def generated_emails(count: int, seed: int = 5, start: datetime | None = None) -> Iterator[Email]:
    """`count` fictional messages to and from the owner, with provider headers on the received ones."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible fictional mailbox, not security
    at = start or datetime(2023, 1, 2, 8, 14, tzinfo=UTC)
    for index in range(count):
        at += timedelta(seconds=rng.randrange(60, 7200))
        other = rng.choice(_SENDERS)
        sent = index % 5 == 4
        sender, to = (_OWNER, (other,)) if sent else (other, (_OWNER,))
        body = "\n".join(rng.choice(_LINES) for _ in range(rng.randrange(2, 12))) + "\n"
        yield Email(
            sender=sender,
            to=to,
            at=at,
            subject=rng.choice(("We need to talk", "Re: We need to talk", "Caf\u00e9?", "photos")),
            body=body,
            message_id=f"{index}.{rng.randrange(10**9)}@mail.{sender[1].split('@')[1]}",
            labels=("Sent",) if sent else ("Inbox", "Opened"),
            thread_id=str(1755934417212313141 + index // 4),
            provider_headers=() if sent else provider_headers(rng, sender[1], at),
        )


def write_generated_mbox(path: Path, count: int, seed: int = 5) -> Path:
    with path.open("wb") as out:
        write_mbox(out, generated_emails(count, seed))
    return path
