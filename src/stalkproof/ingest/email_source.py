"""Email: mbox files (Gmail's Takeout, Thunderbird, Apple Mail), single .eml files and Maildir folders.

Each message keeps its exact bytes. What the headers claim is recorded together with how far it can be
trusted: a Reply-To that differs from From, a Message-ID from an unrelated domain, and failed SPF, DKIM
or DMARC checks (from the receiving provider only) become markers, because they are common signs of a
forged or spoofed sender. The module is not called `email` so that it never hides Python's own package.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, Origin, Record, Survey, When
from stalkproof.ingest.email_body import Body, read_body
from stalkproof.ingest.email_headers import (
    Attribution,
    Headers,
    attribute,
    header_block,
    message_id,
    read_date,
)
from stalkproof.ingest.email_mbox import MboxSplitter, Span, envelope_of
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.inputs import Input, Member

MAIL_EXTENSIONS = (".eml", ".mbox", ".mbx")
MAILDIR_FOLDERS = ("cur", "new")
MAX_EML = 512 * 1024 * 1024
_HEADER_NAMES = re.compile(
    rb"^(?:from|date|message-id|subject|to|received|return-path|delivered-to|mime-version)[ \t]*:",
    re.MULTILINE | re.IGNORECASE,
)
_STARTS_LIKE_MAIL = re.compile(rb"\A(?:From \S|[!-9;-~]+[ \t]*:)")
_QUOTED_FROM = re.compile(rb"^>+(?=From )", re.MULTILINE)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_MAILDIR_TIME = re.compile(r"^(\d{9,11})\.")
_DETECT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class _Mail:
    """A member holding mail, and how it holds it: "mbox", "eml" (one message) or "maildir"."""

    member: Member
    kind: str


class EmailSource:
    name = "email"
    label = "email (mbox, .eml, Maildir)"
    version = "1"

    def detect(self, inp: Input) -> float:
        best = 0.0
        for mail in _mail_members(inp, limit=_DETECT_LIMIT)[0]:
            head = mail.member.head()
            if not _looks_like_headers(head):
                continue
            named = mail.kind == "maildir" or mail.member.name.lower().endswith(MAIL_EXTENSIONS)
            if mail.kind == "mbox" and envelope_of(head) is not None:
                return 0.95
            best = max(best, 0.95 if named else 0.6)
        return best

    def survey(self, inp: Input, ctx: Context) -> Survey:
        """Headers only: who, to whom and when, which is all the survey needs, at header-scan speed."""
        survey = Survey()
        for record in _records(inp, ctx, with_body=False):
            survey.count(record)
            ctx.records_so_far = survey.records
        ctx.records_so_far = 0
        survey.facts["messages"] = survey.records
        return survey

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        return _records(inp, ctx, with_body=True)


SOURCE = EmailSource()


def _mail_members(inp: Input, limit: int | None = None) -> tuple[list[_Mail], list[Member]]:
    """The members holding mail, sorted by name, and the Maildir `tmp/` files left out."""
    members = sorted(inp.members, key=lambda member: member.name)
    maildir = any(_folder_of(member) in MAILDIR_FOLDERS for member in members)
    found: list[_Mail] = []
    skipped: list[Member] = []
    for member in members:
        folder = _folder_of(member)
        if maildir and folder == "tmp":
            skipped.append(member)
            continue
        kind = "maildir" if maildir and folder in MAILDIR_FOLDERS else _kind_by_name(member, inp)
        if kind is not None:
            found.append(_Mail(member, kind))
        if limit is not None and len(found) >= limit:
            break
    return found, skipped


def _folder_of(member: Member) -> str:
    parts = member.name.rsplit("/", 2)
    return parts[-2] if len(parts) >= 2 else ""


def _kind_by_name(member: Member, inp: Input) -> str | None:
    lower = member.basename.lower()
    if lower.endswith(".eml"):
        return "eml"
    if lower.endswith((".mbox", ".mbx")):
        return "mbox"
    if "." in lower and inp.kind != "file":
        return None  # another file beside the mail (a Takeout holds many)
    head = member.head()
    if envelope_of(head) is not None:
        return "mbox"
    return "eml" if _looks_like_headers(head) else None


def _looks_like_headers(head: bytes) -> bool:
    block = header_block(head)
    names = {match.group().split(b":")[0].strip().lower() for match in _HEADER_NAMES.finditer(block)}
    return bool(_STARTS_LIKE_MAIL.match(head)) and len(names) >= 2


# --- reading messages --------------------------------------------------------------------------------------


def _records(inp: Input, ctx: Context, with_body: bool) -> Iterator[Record]:
    mails, skipped = _mail_members(inp)
    if skipped:
        _warn_tmp(inp, skipped, ctx)
    if not mails:
        raise InputError(
            "this holds no email stalkproof can read (an .mbox or .eml file, or a Maildir folder).", inp.path
        )
    for mail in mails:
        reader = _MessageReader(inp, mail, ctx, with_body)
        for span in _spans(inp, mail):
            record = reader.record(span)
            if record is not None:
                yield record


def _spans(inp: Input, mail: _Mail) -> Iterator[Span]:
    where = inp.where(mail.member)
    with mail.member.open() as stream:
        if mail.kind == "mbox":
            yield from MboxSplitter(stream, where)
            return
        data = stream.read(MAX_EML + 1)
    if len(data) > MAX_EML:
        raise InputError(f"this email is over {MAX_EML // 1024**2} MiB; stalkproof cannot read it.", where)
    yield Span(0, 1, data, envelope_of(data), last=True)


def _warn_tmp(inp: Input, skipped: list[Member], ctx: Context) -> None:
    names = ", ".join(member.name for member in skipped[:5]) + (" …" if len(skipped) > 5 else "")
    ctx.warn(
        "maildir_tmp",
        inp.where(skipped[0]),
        None,
        names,
        f"{len(skipped)} file(s) in the Maildir's tmp/ folder were left out: mail programs keep messages "
        "there only while they are still arriving, so they may be incomplete. Check them by hand if needed.",
    )


class _MessageReader:
    """Turns the messages of one member into records. Without `with_body` (the survey) it reads only
    the headers that say who, to whom and when."""

    def __init__(self, inp: Input, mail: _Mail, ctx: Context, with_body: bool) -> None:
        self.inp, self.mail, self.ctx, self.with_body = inp, mail, ctx, with_body
        self.where = inp.where(mail.member)
        self.me = normalise("email", ctx.me) if ctx.me and "@" in ctx.me else None

    def record(self, span: Span) -> Record | None:
        raw = span.raw
        end_line = span.line + raw.count(b"\n") - raw.endswith(b"\n")
        origin = Origin(self.mail.member.name, span.offset, len(raw), span.line, max(end_line, span.line))
        if span.envelope is None and self.mail.kind == "mbox" and not _looks_like_headers(raw):
            self._not_mail(origin, raw)
            return None
        block = header_block(raw)
        headers = Headers(block)
        found = attribute(headers, signals=self.with_body)
        when = self._time(span, found, origin, raw)
        if when is None:
            return None
        if not self.with_body:  # the survey: who, to whom and when is all it counts
            self._check_complete(span, raw, block, Body(), origin, found)
            sender, recipients = found.sender, found.recipients
            return Record("message", "email", when, "", sender, recipients, None, origin, raw, ())
        content = _content(raw, span)
        body = read_body(content, headers.first("content-type"), headers.first("content-transfer-encoding"))
        for code, problem in body.problems:
            self._warn(code, origin, raw, problem)
        self._check_complete(span, raw, block, body, origin, found)
        return self._build(headers, found, when, body, origin, raw, content)

    def _check_complete(
        self, span: Span, raw: bytes, block: bytes, body: Body, origin: Origin, found: Attribution
    ) -> None:
        if not self._cut_short(span, raw, block, body):
            return
        found.markers.add("incomplete")
        reason = (
            "this email is cut short (the file ends in the middle of it), so part of it may be missing; "
            "what is there was imported. Export the mailbox again if you can."
        )
        self._warn("cut_short", origin, raw, reason)

    def _build(
        self,
        headers: Headers,
        found: Attribution,
        when: When,
        body: Body,
        origin: Origin,
        raw: bytes,
        content: bytes,
    ) -> Record:
        details = _details(headers, found, body)
        labels = details.get("labels")
        if isinstance(labels, list):
            found.markers.update(_label_markers(labels))
        if self.me is not None and found.sender is not None and found.sender.identifier == self.me:
            found.markers.add("from_me")
        ident = message_id(headers)
        sender_id = found.sender.identifier if found.sender else None
        identity = (ident, _date_identity(headers, when), sender_id, _body_digest(content))
        return Record(
            kind="message",
            channel="email",
            when=when,
            thread=_thread(headers, ident, found),
            sender=found.sender,
            recipients=found.recipients,
            text=body.text,
            origin=origin,
            raw=raw,
            identity=identity,
            attachments=tuple(body.attachments),
            markers=frozenset(found.markers),
            details=details,
        )

    def _time(self, span: Span, found: Attribution, origin: Origin, raw: bytes) -> When | None:
        for problem in found.problems:
            self._warn("bad_date", origin, raw, problem)
        when = found.when or self._fallback_time(span, found)
        if when is None:
            reason = (
                "this email has no readable Date, no Received line and no envelope time, so stalkproof "
                "cannot place it in time; it was not imported (it is kept in the report)."
            )
            self._warn("no_time", origin, raw, reason)
        return when

    def _fallback_time(self, span: Span, found: Attribution) -> When | None:
        """The mbox envelope line's date, or the delivery time in a Maildir file's name."""
        when: When | None = None
        if span.envelope is not None:
            when = read_date(span.envelope.group("date").decode("ascii", "replace"))
        elif self.mail.kind == "maildir":
            stamp = _MAILDIR_TIME.match(self.mail.member.basename)
            if stamp is not None:
                at = datetime.fromtimestamp(int(stamp.group(1)), UTC)
                when = When(at, "second", stamp.group(1), "UTC")
        if when is not None:
            found.markers.add("time_from_envelope")
        return when

    def _cut_short(self, span: Span, raw: bytes, block: bytes, body: Body) -> bool:
        if body.cut_short:
            return True
        if self.mail.kind != "mbox" or not span.last:
            return False
        headers_end = len(block) + (raw.find(b"\n") + 1 if span.envelope is not None else 0)
        return not raw.endswith(b"\n") or headers_end >= len(raw)

    def _not_mail(self, origin: Origin, raw: bytes) -> None:
        if not raw.strip():
            return
        reason = (
            "this part of the mailbox is not an email (it does not start with a 'From ' line and headers); "
            "it was not imported and is kept in the report."
        )
        self._warn("unparsed_line", origin, raw, reason)

    def _warn(self, code: str, origin: Origin, raw: bytes, reason: str) -> None:
        self.ctx.warn(code, self.where, origin.line, raw, reason, origin.offset)


def _content(raw: bytes, span: Span) -> bytes:
    """The message as a mail program would see it: without the envelope line, and without the blank line
    the mbox format puts after every message."""
    start = raw.find(b"\n") + 1 if span.envelope is not None else 0
    if span.envelope is not None:
        if raw.endswith(b"\r\n\r\n"):
            return raw[start:-2]
        if raw.endswith(b"\n\n"):
            return raw[start:-1]
    return raw[start:]


def _body_digest(content: bytes) -> str:
    """The body, with line endings, trailing blank lines and mbox `>From ` quoting evened out, so the same
    email from an mbox and from an .eml has the same identity."""
    cut = min((end for end in (content.find(b"\n\n"), content.find(b"\n\r\n")) if end != -1), default=-1)
    body = content[cut:] if cut != -1 else b""
    body = _QUOTED_FROM.sub(b"", body.replace(b"\r\n", b"\n")).strip(b"\n")
    return hashlib.sha256(body).hexdigest()


def _date_identity(headers: Headers, when: When) -> str | None:
    if headers.first("date") is None:
        return None
    return when.at.isoformat()


def _thread(headers: Headers, ident: str | None, found: Attribution) -> str:
    gmail = headers.first("x-gm-thrid")
    if gmail is not None and gmail.strip():
        return f"gmail:{gmail.strip()}"
    for name in ("references", "in-reply-to"):
        first = _first_id(headers.first(name))
        if first is not None:
            return first
    if ident is not None:
        return ident
    return found.sender.identifier if found.sender else "unknown"


def _first_id(value: str | None) -> str | None:
    found = _MESSAGE_ID.search(value) if value else None
    return found.group(1) if found else None


def _details(headers: Headers, found: Attribution, body: Body) -> dict[str, object]:
    details: dict[str, object] = {}
    for name, key in (("subject", "subject"), ("x-gm-thrid", "gmail_thread")):
        text = headers.text(name)
        if text is not None:
            details[key] = text
    ident = message_id(headers)
    if ident is not None:
        details["message_id"] = ident
    replying_to = _first_id(headers.first("in-reply-to"))
    if replying_to is not None:
        details["in_reply_to"] = replying_to
    labels = headers.text("x-gmail-labels")
    if labels is not None:
        details["labels"] = [label.strip() for label in labels.split(",") if label.strip()]
    details.update(found.details)
    if body.text_from_html is not None:
        details["text_normalised"] = body.text_from_html
        details["text_format"] = "html"
    return details


def _label_markers(labels: list[object]) -> set[str]:
    markers: set[str] = set()
    if "Sent" in labels:
        markers.add("from_me")
    if "Draft" in labels or "Drafts" in labels:
        markers.add("draft")
    return markers
