"""The rare cases of a WhatsApp chat: notices, media, deleted and edited messages, one-off senders, the
forged-header checks, and every warning. Kept apart from the hot loop in whatsapp_parse.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stalkproof.ingest.base import Attachment, Context, Handle, Record
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.lines import decode
from stalkproof.ingest.whatsapp_grammar import MONTHS
from stalkproof.ingest.whatsapp_markers import NOTHING, Finding, Markers
from stalkproof.ingest.whatsapp_scan import ChatFacts

CHANNEL = "whatsapp"
LRM = "\u200e"
NL = b"\n"
MAX_RECIPIENTS = 8  # a bigger group is listed once in the survey, not on every message
MAX_STRANGER_NAME = 64
AMBIGUOUS = "ambiguous_header"
NO_MARKERS: frozenset[str] = frozenset()
FROM_ME = frozenset({"from_me"})
_QUOTES = frozenset('"“”„«»')


@dataclass(frozen=True, slots=True)
class Author:
    handle: Handle
    identifier: str  # handle.identifier, one attribute lookup nearer
    recipients: tuple[Handle, ...]
    markers: frozenset[str]
    confirmed: bool  # seen in at least two header lines
    salt: int  # mixed into the identity counter's key; any fixed number per sender will do


@dataclass(frozen=True)
class ChatSetup:
    """Everything about one chat file the parse needs besides its bytes."""

    label: str  # how to name the file to the user
    origin_member: str  # Origin.member: "" for a plain file
    thread: str
    facts: ChatFacts
    markers: Markers
    media: dict[str, str]  # file name -> member name, for files next to the chat
    owner: str | None  # the owner's identifier, when known


Special = tuple[str, frozenset[str], tuple[Attachment, ...], dict[str, object] | None, Author | None]


class ChatNotes:
    """What the parse of one chat needs beyond the common case, and its warnings."""

    def __init__(self, setup: ChatSetup, ctx: Context) -> None:
        self.setup = setup
        self.ctx = ctx
        self.authors = _authors(setup.facts.participants, setup.owner)
        self.files_seen = False
        self.whole_texts: dict[tuple[str, frozenset[str]], Special] = {}
        self.records = 0
        self.first: Record | None = None

    def warn(
        self, code: str, line: int | None, raw: str | bytes, reason: str, offset: int | None = None
    ) -> None:
        self.ctx.warn(code, self.setup.label, line, raw, reason, offset)

    def stranger(self, name_bytes: bytes, number: int) -> Author | None:
        """A header whose name is no participant: a one-off sender if it looks like a name (check (c)
        flags it), otherwise a notice that happens to contain ": "."""
        if len(name_bytes) > 4 * MAX_STRANGER_NAME:
            return None
        name = decode(name_bytes, self.setup.label, number)
        if not name or len(name) > MAX_STRANGER_NAME or name != name.strip() or _QUOTES.intersection(name):
            return None
        handle = Handle(CHANNEL, normalise(CHANNEL, name), name)
        mine = self.setup.owner is not None and handle.identifier == self.setup.owner
        return Author(
            handle, handle.identifier, (), FROM_ME if mine else NO_MARKERS, False, hash(handle.identifier)
        )

    def special(self, text: str, author: Author | None, ios: bool, number: int) -> Special:
        """Kind, markers, attachments, details and sender for a notice, or for a message that may hold the
        export's own words (media, deleted, edited)."""
        whole = self.setup.markers.whole.get(text)
        if whole is not None and author is not None:  # "<Media omitted>" and the like, over and over
            # Media left out or deleted: the same result for every sender with the same markers.
            cached = self.whole_texts.get((text, author.markers))
            if cached is None:
                cached = self.whole_texts[(text, author.markers)] = self._special(
                    text, whole, author, ios, number
                )
            return (*cached[:4], author)
        return self._special(text, self.setup.markers.classify(text), author, ios, number)

    def _special(self, text: str, finding: Finding, author: Author | None, ios: bool, number: int) -> Special:
        ios_notice = author is not None and ios and text.startswith(LRM) and not finding.media_or_deleted
        if finding is NOTHING and author is not None and not ios_notice:
            return "message", author.markers, (), None, author
        details: dict[str, object] = {}
        markers = set(author.markers) if author is not None else set()
        kind = "message"
        if author is None or ios_notice:
            kind, markers = "system", {"system"}
            if author is not None:  # iOS names the chat here, not whoever caused the notice
                details["export_attributed_to"] = author.handle.display
                author = None
        if finding.security_code_with is not None and kind == "system":  # typed by a person, it is a message
            markers.add("security_code_changed")
            details["security_code_with"] = finding.security_code_with
        if finding.deleted:
            markers.add("deleted")
        if finding.edited:
            markers.add("edited")
        if finding.caption is not None:
            details["caption"] = finding.caption
        attachments = self._attachments(finding, number, markers)
        return kind, frozenset(markers), attachments, details or None, author

    def _attachments(self, finding: Finding, number: int, markers: set[str]) -> tuple[Attachment, ...]:
        if finding.omitted is not None:
            return (Attachment(finding.omitted, "omitted"),)
        if finding.unknown_note is not None:
            name, note = finding.unknown_note
            self.warn(
                "unknown_media_marker",
                number,
                f"{name} ({note})",
                f"This message names the file {name} followed by '({note})', which stalkproof does not know "
                "as an attachment note; the text is kept as written, so check on the phone whether a file "
                "was sent with it.",
            )
            member = self.setup.media.get(name)
            return (Attachment(name, "attached", member),) if member is not None else ()
        found: list[Attachment] = []
        for name in finding.files:
            self.files_seen = True
            member = self.setup.media.get(name)
            if member is not None:
                found.append(Attachment(name, "attached", member))
                continue
            markers.add("media_missing")
            found.append(Attachment(name, "missing"))
            self.warn(
                "media_missing",
                number,
                name,
                f"This message says the file {name} was sent with it, but that file is not in what was "
                "imported; if you have the export's media, import the folder or zip that holds the chat and "
                "its files together.",
            )
        return tuple(found)

    def ambiguous(
        self,
        previous: tuple[datetime, int, bytes],
        first: bytes,
        at: datetime,
        conforms: bool,
        author: Author | None,
        number: int,
        offset: int,
        markers: frozenset[str],
        details: dict[str, object] | None,
    ) -> tuple[frozenset[str], dict[str, object]]:
        """Checks (a)-(c): a header line that may have been typed inside the message before it."""
        previous_at, previous_line, previous_first = previous
        reasons = []
        if at < previous_at:
            reasons.append("its time is earlier")
        if not conforms:
            reasons.append("its date and time are written differently from the rest of this file")
        if author is not None and not author.confirmed:
            reasons.append(f"the name {author.handle.display} appears nowhere else in this chat")
        who = f"a new message from {author.handle.display}" if author is not None else "a new notice"
        kept = f"{author.handle.display}'s message" if author is not None else "a separate notice"
        self.warn(
            AMBIGUOUS,
            number,
            previous_first + NL + first + NL,
            f"This line looks like {who}, but it could have been typed inside the message that starts on "
            f"line {previous_line} ({'; '.join(reasons)}). It was kept as {kept} and marked 'ambiguous'; "
            "check it on the phone.",
            offset,
        )
        details = dict(details or {})
        details["may_belong_to_line"] = previous_line
        return markers | {AMBIGUOUS}, details

    def impossible_date(self, line: bytes, found: str, number: int) -> None:
        self.warn(
            "unparsed_line",
            number,
            line,
            f"This line starts like a message, but its date and time ({found}) do not exist, so it was kept "
            "as part of the message before it; check it on the phone.",
        )

    def before_first(self, line: bytes, number: int, offset: int) -> tuple[int, int]:
        """A line before the first message (a blank line, say): reported, as it belongs to no record."""
        raw = line + NL
        decode(raw, self.setup.label, number + 1)
        self.warn(
            "unparsed_line",
            number + 1,
            raw,
            "This line comes before the first message, so it belongs to no message; it is kept in the "
            "report.",
            offset,
        )
        return number + 1, offset + len(raw)

    def announce_date_order(self) -> None:
        """Rule 4: the order was a guess from the locale, so say so (before any record)."""
        facts = self.setup.facts
        if facts.date_rule != "4" or facts.example is None:
            return
        spelled = "day/month/year" if facts.date_order == "dmy" else "month/day/year"
        other = "mdy" if facts.date_order == "dmy" else "dmy"
        self.warn(
            "date_order_assumed",
            None,
            facts.example,
            f"The dates in this chat could be read day-first or month-first (for example {facts.example}); "
            f"stalkproof read them as {spelled} because {facts.date_reason}. If that is wrong, import again "
            f"with --date-order {other}.",
        )

    def check_cap(self) -> None:
        """WhatsApp leaves out the oldest messages of a long chat without saying so."""
        limit = 9_500 if self.files_seen else 39_000
        first = self.first
        if self.records < limit or first is None or first.text is None:
            return
        if self.setup.markers.starts_chat(first.text):
            return
        at = first.when.at
        self.warn(
            "export_cap",
            first.origin.line,
            first.raw,
            f"This chat has {self.records:,} messages. WhatsApp exports at most about 40,000 (10,000 with "
            f"media) and silently leaves out the oldest, so messages before {at.day} {MONTHS[at.month - 1]} "
            f"{at.year} may be missing. A device database (msgstore.db / ChatStorage.sqlite) has no such "
            "limit.",
        )


def _authors(participants: tuple[bytes, ...], owner: str | None) -> dict[bytes, Author]:
    handles: dict[bytes, Handle] = {}
    for name in participants:
        try:
            display = name.decode()
        except UnicodeDecodeError:
            continue  # the line itself is reported when the parse reaches it
        handles[name] = Handle(CHANNEL, normalise(CHANNEL, display), display)
    everyone: dict[str, Handle] = {}
    for handle in handles.values():
        everyone.setdefault(handle.identifier, handle)
    authors = {}
    for name, handle in handles.items():
        others = tuple(other for key, other in everyone.items() if key != handle.identifier)
        recipients = others if len(everyone) <= MAX_RECIPIENTS else ()
        markers = FROM_ME if owner is not None and handle.identifier == owner else NO_MARKERS
        authors[name] = Author(handle, handle.identifier, recipients, markers, True, hash(handle.identifier))
    return authors
