"""Who an email says it is from, and how far that can be trusted.

Header values are exactly what `BytesHeaderParser(policy=compat32)` gives (the modern policy is about 20
times slower). For the usual well-formed header section they are cut out directly, one field at a time as
asked for, because a Gmail message carries dozens of DKIM, ARC and X- fields that would otherwise cost
most of a mailbox scan; anything unusual goes to the parser itself, and a property test holds the two
to the same results.

What can be trusted: every header below the receiving provider's own `Received` lines was written by
whoever sent the message and can be forged, including extra `Received` and `Authentication-Results`
lines. So the provider is named by the topmost `Authentication-Results` (the last one added), only its
results count, and only its `Received` lines give the time and the connecting server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache

from stalkproof.ingest.base import Handle, When
from stalkproof.ingest.identifiers import normalise

USED = (
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "date",
    "message-id",
    "subject",
    "in-reply-to",
    "references",
    "return-path",
    "received",
    "authentication-results",
    "x-gm-thrid",
    "x-gmail-labels",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "mime-version",
)
# A field's value: the rest of its line and its continuation lines. A line that is neither a field nor
# a continuation sends the whole section to the parser.
_VALUE = re.compile(rb"[^\n]*\n?(?:[ \t][^\n]*\n?)*")
_FIRST_FIELD = re.compile(rb"[!-9;-~]+:")
_ODD_LINE = re.compile(rb"\n(?![!-9;-~]+:|[ \t]|\Z)")
_USED = frozenset(USED)
_NEEDLES = {name: b"\n" + name.encode() + b":" for name in USED}
_ADDR_SPEC = r'[^<>\s@",;:()\[\]]+@[^<>\s@",;:()\[\]]+'
_SIMPLE_ADDRESS = re.compile(
    r'[ \t]*(?:(?:"([^"\\\r\n]*)"|([^"<>,;:\\@()\[\]\r\n]*?))[ \t]*<('
    + _ADDR_SPEC
    + r")>|("
    + _ADDR_SPEC
    + r"))[ \t]*\Z"
)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ANGLE = re.compile(r"<([^<>]*)>")
_FROM_CLAUSE = re.compile(r"^\s*from\s+([^\s;()]+)", re.IGNORECASE)
_BY_CLAUSE = re.compile(r"\bby\s+([^\s;()]+)", re.IGNORECASE)
_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")
_IP_ONLY = re.compile(r"^\[?(?:IPv6:)?[0-9A-Fa-f:.]+\]?$")
_RESULT = re.compile(r"^\s*(spf|dkim|dmarc)\s*=\s*([A-Za-z]+)", re.IGNORECASE)
_SECONDS = re.compile(r"\d:\d\d:\d\d")
_UNKNOWN_OFFSET = re.compile(r"\s-0000\b")
_COMMON_DATE = re.compile(
    r"(?:[A-Z][a-z]{2}, ?)?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d)(?::(\d\d))? ([+-])(\d\d)(\d\d)"
    r"(?: \([^()]*\))?\Z"
)
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_PARSER = BytesHeaderParser(policy=compat32)
FAILING = {"spf": ("fail", "softfail"), "dkim": ("fail", "permerror"), "dmarc": ("fail",)}


@dataclass(frozen=True, slots=True)
class Hop:
    """One `Received` line: the server that handed the message over, the one that took it, and when."""

    from_host: str | None
    from_ip: str | None
    by: str | None
    date: str | None


@dataclass
class Attribution:
    sender: Handle | None
    recipients: tuple[Handle, ...]
    when: When | None
    markers: set[str] = field(default_factory=set)
    details: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # sentences for warnings: the Date was unreadable


class Headers:
    """The used header fields of one message, in order, as compat32 reads them (folding kept).

    A well-formed header section (every line a `Name:` field or a continuation) is read on demand: each
    field is found by name with `bytes.find`, so a survey that needs five fields never walks the long
    DKIM and ARC signatures. Anything else goes through BytesHeaderParser(policy=compat32), whose
    results the fast path is tested against."""

    def __init__(self, block: bytes) -> None:
        self._block = block
        self._lowered = b"\n" + block.lower()  # bytes.lower() changes ASCII only, so offsets hold
        self._found: dict[str, list[str]] = {}
        self._parsed: dict[str, list[str]] | None = None
        if block and (not _FIRST_FIELD.match(block) or _ODD_LINE.search(block)):
            self._parsed = parsed_by_compat32(block)

    @property
    def fields(self) -> dict[str, list[str]]:
        """Every used field that is present."""
        return {name: values for name in USED if (values := self.all(name))}

    def all(self, name: str) -> list[str]:
        if self._parsed is not None:
            return self._parsed.get(name, [])
        values = self._found.get(name)
        if values is None:
            values = self._found[name] = self._cut(name)
        return values

    def _cut(self, name: str) -> list[str]:
        needle = _NEEDLES.get(name) or b"\n" + name.encode() + b":"
        values: list[str] = []
        at = self._lowered.find(needle)
        while at != -1:
            value = _VALUE.match(self._block, at + len(needle) - 1)
            assert value is not None  # the pattern matches the empty string
            text = value.group().decode("ascii", "surrogateescape")
            values.append(text.lstrip(" \t").rstrip("\r\n"))
            at = self._lowered.find(needle, value.end())
        return values

    def first(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def text(self, name: str) -> str | None:
        """The first such field as a person would read it: unfolded, RFC 2047 words decoded."""
        value = self.first(name)
        return None if value is None else readable(value)


def parsed_by_compat32(block: bytes) -> dict[str, list[str]]:
    """The used fields as BytesHeaderParser(policy=compat32) reads them."""
    fields: dict[str, list[str]] = {}
    for name, value in _PARSER.parsebytes(block).raw_items():
        key = name.lower()
        if key in _USED:
            fields.setdefault(key, []).append(str(value))
    return fields


def header_block(message: bytes) -> bytes:
    """The header section of a message (without its envelope line), up to the blank line."""
    start = message.find(b"\n") + 1 if message.startswith(b"From ") else 0
    end = message.find(b"\n\n", start)
    crlf = message.find(b"\n\r\n", start, end + 2 if end != -1 else len(message))
    ends = [found for found in (end, crlf) if found != -1]
    return message[start : min(ends) + 1] if ends else message[start:]


def unfold(value: str) -> str:
    return _FOLD.sub("", value).strip() if "\n" in value else value.strip()


def readable(value: str) -> str:
    """Unfold, undo the parser's surrogate escapes (raw UTF-8 in a header) and decode RFC 2047 words."""
    text = unfold(value)
    if not text.isascii():
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return text  # a malformed encoded word: better shown as found than guessed


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name as read, address) for each address in these fields."""
    if not values:
        return []
    if len(values) == 1:
        single = simple_address(values[0])
        if single is not None:
            return [single]
    found: list[tuple[str, str]] = []
    for name, address in getaddresses([unfold(value) for value in values]):
        if address and "@" in address:
            found.append((readable(name) if name else "", address))
    return found


@lru_cache(maxsize=4096)
def simple_address(value: str) -> tuple[str, str] | None:
    """The one address of a plain field (`Name <a@b>`, `"Name" <a@b>`, `<a@b>`, `a@b`) without the
    slow general parser; None for anything else, which getaddresses then reads. Gives what getaddresses
    gives for these shapes (a property test checks)."""
    matched = _SIMPLE_ADDRESS.match(value)
    if matched is None:
        return None
    quoted, bare, inside, alone = matched.groups()
    if alone is not None:
        return "", alone
    name = quoted if quoted is not None else " ".join(bare.split())
    return (readable(name) if name else ""), inside


@lru_cache(maxsize=4096)
def handle(name: str, address: str) -> Handle:
    return Handle("email", normalise("email", address), name or None)


def domain_of(address: str | None) -> str | None:
    if not address or "@" not in address:
        return None
    return address.rsplit("@", 1)[1].strip(" .>").lower() or None


def related(one: str, other: str) -> bool:
    """The same domain, or one inside the other (mail.example.com and example.com)."""
    return one == other or one.endswith("." + other) or other.endswith("." + one)


def message_id(headers: Headers) -> str | None:
    value = headers.first("message-id")
    if value is None:
        return None
    inside = _ANGLE.search(value)
    return (inside.group(1) if inside else unfold(value)).strip() or None


def attribute(headers: Headers, signals: bool = True) -> Attribution:
    """Sender, recipients and time of one message, and (with `signals`) the trust signals: Reply-To,
    Message-ID, the Received chain and the provider's authentication results."""
    people = addresses(headers.all("from"))
    sender = handle(*people[0]) if people else None
    recipients = tuple(
        dict.fromkeys(handle(*pair) for name in ("to", "cc", "bcc") for pair in addresses(headers.all(name)))
    )
    found = Attribution(sender, recipients, None)
    if len(people) > 1:
        found.details["from_all"] = [address for _, address in people]
    if signals:
        _sender_fields(headers, found, people[0][1] if people else None)
        _received(headers, found)
    _date(headers, found)
    return found


def _sender_fields(headers: Headers, found: Attribution, from_address: str | None) -> None:
    from_key = normalise("email", from_address) if from_address else None
    for name in ("sender", "return-path"):
        listed = addresses(headers.all(name)) if headers.first(name) else []
        if listed:
            found.details[name.replace("-", "_")] = listed[0][1]
    reply_to = [address for _, address in addresses(headers.all("reply-to"))]
    if reply_to:
        found.details["reply_to"] = reply_to
        if any(normalise("email", address) != from_key for address in reply_to):
            found.markers.add("reply_to_differs")
    ident = message_id(headers)
    ident_domain = domain_of(ident)
    from_domain = domain_of(from_address)
    if ident_domain and from_domain and not related(ident_domain, from_domain):
        found.markers.add("message_id_domain_differs")
        found.details["message_id_domain"] = ident_domain


def _received(headers: Headers, found: Attribution) -> None:
    values = headers.all("received")
    results = headers.all("authentication-results")
    provider = _authserv_id(results[0]) if results else None
    trusted = trusted_hops(values, provider)
    if values:
        found.details["received_trusted"] = len(trusted)
        found.details["received_untrusted"] = len(values) - len(trusted)
    if trusted:
        edge = trusted[-1]
        if edge.from_host or edge.from_ip:
            found.details["received_from"] = {"host": edge.from_host, "ip": edge.from_ip}
        found.details["received_at"] = trusted[0].date
    if provider is not None:
        _authentication(results, provider, found)


def parse_hop(value: str) -> Hop:
    text = unfold(value)
    clauses, _, date = text.rpartition(";")
    if not clauses:
        clauses, date = text, ""
    by = _BY_CLAUSE.search(clauses)
    head = clauses[: by.start()] if by else clauses
    sender = _FROM_CLAUSE.search(head)
    ip = _IP.search(head)
    return Hop(
        sender.group(1).rstrip(".").lower() if sender else None,
        ip.group(1) if ip else None,
        by.group(1).rstrip(".").lower() if by else None,
        date.strip() or None,
    )


def trusted_hops(values: list[str], provider: str | None) -> list[Hop]:
    """The `Received` lines, from the top, that the receiving provider wrote. Its internal hops often
    name a bare IP address; they count only when a hop under the provider's own name follows."""
    if not values:
        return []
    if provider is None:
        return [parse_hop(values[0])]  # no authentication results: only the hop the mailbox's server added
    domain = provider_domain(provider)
    walked: list[Hop] = []
    named = 0
    for value in values:
        hop = parse_hop(value)
        if hop.by is None or _IP_ONLY.match(hop.by):
            walked.append(hop)
            continue
        if hop.by != domain and not hop.by.endswith("." + domain):
            break
        walked.append(hop)
        named = len(walked)
    return walked[:named]


def provider_domain(authserv_id: str) -> str:
    """mx.google.com -> google.com: the provider's hops are named under its domain."""
    labels = authserv_id.split(".")
    return ".".join(labels[1:]) if len(labels) >= 3 else authserv_id


def _authserv_id(value: str) -> str | None:
    head = unfold(value).split(";", 1)[0].split()
    return head[0].lower() if head else None


def _authentication(results: list[str], provider: str, found: Attribution) -> None:
    verdicts: dict[str, list[str]] = {}
    ignored = 0
    for value in results:
        if _authserv_id(value) != provider:
            ignored += 1  # added by someone else on the way, or forged by the sender
            continue
        for clause in unfold(value).split(";")[1:]:
            matched = _RESULT.match(clause)
            if matched:
                verdicts.setdefault(matched.group(1).lower(), []).append(matched.group(2).lower())
    auth: dict[str, object] = {"authserv_id": provider}
    for method, outcomes in verdicts.items():
        auth[method] = outcomes if method == "dkim" else outcomes[0]
        if "pass" not in outcomes and any(outcome in FAILING[method] for outcome in outcomes):
            found.markers.add(f"{method}_fail")
    found.details["auth"] = auth
    if ignored:
        found.details["auth_results_ignored"] = ignored


def _date(headers: Headers, found: Attribution) -> None:
    value = headers.first("date")
    if value is not None:
        text = unfold(value)
        when = read_date(text)
        if when is not None:
            found.when = when
            return
        found.problems.append(
            f"the Date header ('{text[:80]}') cannot be read as a date, so the time the provider received "
            "the message is used instead."
        )
    if "received_trusted" not in found.details:
        _received(headers, Attribution(None, (), None, details=found.details))
    received = found.details.get("received_at")
    if isinstance(received, str) and found.details.get("received_trusted"):
        when = read_date(received)
        if when is not None:
            found.when = when
            found.markers.add("time_from_received")


def read_date(text: str) -> When | None:
    """An RFC 5322 date (or asctime): aware when it states an offset (-0000 is UTC with the sender's own
    offset unknown), naive when it states none."""
    common = _COMMON_DATE.match(text)
    quick = _common_date(common, text) if common is not None else None
    if quick is not None:
        return quick
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if at.tzinfo is None and _UNKNOWN_OFFSET.search(text):
        at = at.replace(tzinfo=UTC)  # -0000: the time is UTC, the sender's own offset is not said
    return when_of(at, text)


def _common_date(matched: re.Match[str], text: str) -> When | None:
    """The usual `Sun, 22 Jan 2023 18:30:00 +0000` form, read without the general parser."""
    day, month, year, hour, minute, second, sign, hours, minutes = matched.groups()
    month_number = _MONTHS.get(month)
    if month_number is None:
        return None
    offset = (int(hours) * 60 + int(minutes)) * (-1 if sign == "-" else 1)
    try:
        at = datetime(int(year), month_number, int(day), int(hour), int(minute), int(second or 0))
        zone = _zone(offset)
    except ValueError:
        return None
    return When(at.replace(tzinfo=zone), "second" if second else "minute", text, _offset_text(offset))


@lru_cache(maxsize=256)
def _zone(minutes: int) -> timezone:
    return UTC if minutes == 0 else timezone(timedelta(minutes=minutes))


@lru_cache(maxsize=256)
def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def when_of(at: datetime, found: str) -> When:
    precision = "second" if _SECONDS.search(found) else "minute"
    if at.tzinfo is None:
        return When(at, precision, found)
    return When(at, precision, found, at.isoformat()[-6:])
