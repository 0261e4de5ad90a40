"""Google Chat messages from a Google Takeout ("Download your data", Google Chat selected).

Takeout writes one folder a conversation, `Takeout/Google Chat/Groups/DM <id>/` or `.../Space <id>/`,
holding `messages.json` (`{"messages": [...]}`, oldest first), `group_info.json` (the space's `name` and
its `members`) and the files sent in it; `Takeout/Google Chat/Users/User <id>/user_info.json` names the
account's owner. The input may be the Takeout zip, the `Google Chat` folder, one group folder, or one
messages.json. Messages are split by `jsonsplit`, so `raw` is each message's exact bytes in the file.

What becomes what:
- The group folder's name ("DM 2bXc8AAAAAE") is the thread; a space's name goes to `details.group`.
- `creator{name, email, user_type}` is the sender, as an `email` account with the name as its display
  (an account without an address, such as a deleted user, is a `google_chat` account named by its name).
  The other members in group_info.json are the recipients. The owner (user_info.json, or `--me` as an
  address or a name) has their messages marked `from_me`. A `user_type` other than Human goes to details.
- `created_date` is English text in UTC: "Sunday, January 22, 2023 at 6:30:00 PM UTC", also with U+202F
  or NBSP before PM, day first ("Sunday, 22 January 2023 at 18:30:00 UTC"), or ", " for " at ". Only
  the forms in DAY_PATTERNS and CLOCK are read: a time in any other form stops the survey, naming its file and
  line, rather than being guessed. A weekday that does not fit the date marks `timestamp_mismatch`.
- `updated_date` (an edit) marks `edited` and adds `details.updated_at`; `message_state: DELETED` marks
  `deleted`. `text`, when not empty, is the text; `annotations`, `topic_id`, reactions, quotes and every
  other field stay in `details` as found.
- `attached_files[].export_name` is a file in the same group folder: `attached` when it is there,
  otherwise `missing`, with the marker `media_missing` and a warning.
- Identity: `message_id`, Google's own id (it begins with the group's id). A message without one falls
  back to (thread, sender, time, text, n).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson

from stalkproof.errors import InputError
from stalkproof.ingest.base import (
    Attachment,
    Context,
    Handle,
    Origin,
    Record,
    Repeats,
    Survey,
    When,
    survey_by_parsing,
)
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.jsonsplit import CANONICAL, Element, iter_elements, warn_unreadable

CHANNEL = "google_chat"
TARGETS = (("messages",),)
MESSAGES = "messages.json"
GROUP_INFO = "group_info.json"
USER_INFO = "user_info.json"
_GROUP_NAME = re.compile(r"(?:DM|Space) \S+")
_USER_INFO = re.compile(r"(?:^|/)Users/User [^/]+/user_info\.json$")
_SIGNS = re.compile(rb'"(?:created_date|creator|message_id|topic_id)"\s*:')
_HEAD = 64 * 1024

# The forms of `created_date` that are read: a day, " at " or ", ", then a clock. Add a form here (with
# a fixture) rather than guessing. Digits are ASCII digits only.
DAY_PATTERNS = (
    # "Sunday, January 22, 2023" (en-US)
    re.compile(r"(?:([A-Z][a-z]+), )?([A-Z][a-z]+) (\d{1,2}), (\d{4})", re.ASCII),
    # "Sunday, 22 January 2023" (en-GB and others that put the day first)
    re.compile(r"(?:([A-Z][a-z]+),? )?(\d{1,2}) ([A-Z][a-z]+),? (\d{4})", re.ASCII),
)
DAY_FIELDS = ((0, 1, 2, 3), (0, 2, 1, 3))  # where weekday, month, day and year are in each pattern
# "6:30:00 PM UTC", with " ", U+202F or NBSP before AM/PM (any case), or "18:30:00 UTC"; seconds optional
CLOCK = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[ \u00a0\u202f]([AaPp])\.?[Mm]\.?)?"
    r" (UTC|GMT)([+-]\d{1,2}(?::?\d{2})?)?",
    re.ASCII,
)
JOINS = (" at ", ", ")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = {
    name: number
    for number, name in enumerate(
        (
            *("January", "February", "March", "April", "May", "June"),
            *("July", "August", "September", "October", "November", "December"),
        ),
        start=1,
    )
}
_DAYS_CACHED = 65_536
_Parsed = tuple[datetime, str, str, bool]
_Days = dict[str, tuple[int, int, int, bool] | None]
_ZONES: dict[str, timezone] = {}
_NO_MARKERS: frozenset[str] = frozenset()
_HUMAN = "Human"
_MISSED_MEDIA = (
    "These messages name {count:,} file(s) that are not in what was imported; to keep them too, import the "
    "whole Google Chat folder (or the Takeout zip) instead of a single messages.json."
)


@dataclass(frozen=True)
class _Group:
    member: Member  # its messages.json
    folder: str  # member-name prefix of the group folder, ending in "/" ("" when it is the input's root)
    thread: str  # the folder's own name, "DM 2bXc8AAAAAE"


@dataclass(frozen=True, slots=True)
class _Person:
    handle: Handle
    mine: bool  # the owner's account
    user_type: str | None  # "Bot" and the like; None for a person


@dataclass(frozen=True)
class _Owner:
    identifiers: frozenset[str]  # normalised addresses
    names: frozenset[str]  # display names, as given to --me

    def owns(self, handle: Handle) -> bool:
        return handle.identifier in self.identifiers or handle.display in self.names


class GoogleChatSource:
    name = "google_chat"
    label = "Google Chat (Google Takeout)"
    version = "1"

    def detect(self, inp: Input) -> float:
        best = 0.0
        for group in _groups(inp):
            signs = len(set(_SIGNS.findall(group.member.head(_HEAD))))
            if signs >= 2 and (inp.kind != "file" or _GROUP_NAME.fullmatch(group.thread)):
                return 0.95
            if signs >= 2:
                best = max(best, 0.8)
            elif inp.kind != "file" and group.member.basename == MESSAGES:
                best = max(best, 0.6)  # a group with no messages yet; the Takeout shape is there
        return best

    def survey(self, inp: Input, ctx: Context) -> Survey:
        return survey_by_parsing(self, inp, ctx)

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        groups = _groups(inp)
        if not groups:
            raise InputError("there is no Google Chat messages.json in this.", inp.path)
        reader = _Reader(inp, ctx, _owner(inp, ctx))
        for group in groups:
            yield from reader.records(group)
        reader.finish(groups[0])


def _groups(inp: Input) -> list[_Group]:
    """The conversations' messages.json files, sorted by member name. A messages.json counts when its
    folder is named like a group ("DM …", "Space …") or sits in `Groups/`, or when it is the input itself
    or at the root of a folder (one group folder given on its own)."""
    found = []
    for member in inp.members:
        if inp.kind == "file":
            parent = inp.path.parent.name
            thread = parent if _GROUP_NAME.fullmatch(parent) else inp.path.name
            found.append(_Group(member, "", thread))
            continue
        folder, _, base = member.name.rpartition("/")
        if base != MESSAGES:
            continue
        if not folder:
            if inp.kind == "folder":
                found.append(_Group(member, "", inp.path.name))
            continue
        above, _, own = folder.rpartition("/")
        if _GROUP_NAME.fullmatch(own) or above.rpartition("/")[2] == "Groups":
            found.append(_Group(member, folder + "/", own))
    found.sort(key=lambda group: group.member.name)
    return found


def _read_small_json(member: Member) -> Any:
    """A small side file (group_info.json, user_info.json); None when it is not JSON."""
    with member.open() as stream:
        try:
            return orjson.loads(stream.read())
        except orjson.JSONDecodeError:
            return None


def _is_user_info(member: Member) -> bool:
    """Google Chat's own user_info.json (in `Users/User <id>/`, or given on its own at the root)."""
    return member.name == USER_INFO or _USER_INFO.search(member.name) is not None


def _owner(inp: Input, ctx: Context) -> _Owner:
    identifiers: set[str] = set()
    names: set[str] = set()
    for member in inp.find(_is_user_info):
        info = _read_small_json(member)
        user = info.get("user") if isinstance(info, dict) else None
        email = user.get("email") if isinstance(user, dict) else None
        if isinstance(email, str) and email:
            identifiers.add(normalise("email", email))
    if ctx.me:
        if "@" in ctx.me:
            identifiers.add(normalise("email", ctx.me))
        else:
            names.add(ctx.me)
    return _Owner(frozenset(identifiers), frozenset(names))


class _Reader:
    """The records of the input's groups, with the handles of the people in them cached."""

    def __init__(self, inp: Input, ctx: Context, owner: _Owner) -> None:
        self.inp, self.ctx, self.owner = inp, ctx, owner
        self.by_name = {member.name: member for member in inp.members}
        self.holds_media = inp.kind != "file"
        self.people: dict[tuple[object, object, object], _Person | None] = {}
        self.repeats = Repeats()
        self.days: _Days = {}
        self.missing = 0
        # per group
        self.members: tuple[Handle, ...] = ()
        self.recipients: dict[str, tuple[Handle, ...]] = {}
        self.group_name: str | None = None

    def records(self, group: _Group) -> Iterator[Record]:
        where = self.inp.where(group.member)
        self._read_group_info(group, where)
        for element in iter_elements(group.member, where, TARGETS, self.ctx):
            record = self._record(element, group, where)
            if record is not None:
                yield record

    def finish(self, first: _Group) -> None:
        if self.missing and not self.holds_media:
            where = self.inp.where(first.member)
            self.ctx.warn("media_missing", where, None, "", _MISSED_MEDIA.format(count=self.missing))

    def _read_group_info(self, group: _Group, where: str) -> None:
        self.members, self.recipients, self.group_name = (), {}, None
        member = self.by_name.get(group.folder + GROUP_INFO)
        info = _read_small_json(member) if member is not None else None
        if not isinstance(info, dict):
            if self.holds_media:
                self.ctx.warn(
                    "group_info_missing",
                    where,
                    None,
                    "",
                    f"The {GROUP_INFO} beside this file is missing or unreadable, so who else was in this "
                    "conversation is not known; its messages are kept. Import the Takeout as downloaded.",
                )
            return
        name = info.get("name")
        self.group_name = name if isinstance(name, str) and name else None
        people = info.get("members")
        found = (self._person(person) for person in people) if isinstance(people, list) else ()
        self.members = tuple(person.handle for person in found if person is not None)

    def _record(self, element: Element, group: _Group, where: str) -> Record | None:
        message = element.value
        if type(message) is not dict:
            self._unreadable(element, where, "This entry in the message list is not a message")
            return None
        found = message.pop("created_date", None)
        if type(found) is not str:
            self._unreadable(element, where, "This message has no time")
            return None
        when, weekday_fits = self._when(found, element, where, "created_date")
        person = self._person(message.pop("creator", None))
        sender = person.handle if person is not None else None
        text = message.pop("text", None)
        text = text if type(text) is str and text else None
        marks = []
        if person is not None:
            if person.mine:
                marks.append("from_me")
            if person.user_type is not None:
                message["user_type"] = person.user_type
        if not weekday_fits:
            marks.append("timestamp_mismatch")
            self._weekday_warning(found, element, where)
        if message.get("message_state") == "DELETED":
            marks.append("deleted")
        updated = message.get("updated_date")
        if type(updated) is str and updated != found:
            marks.append("edited")
            message["updated_at"] = self._when(updated, element, where, "updated_date")[0].at.isoformat()
        files = message.get("attached_files")
        attachments = self._attachments(files, group, element, where) if files else ()
        if any(attachment.status == "missing" for attachment in attachments):
            marks.append("media_missing")
        message_id = message.pop("message_id", None)
        if type(message_id) is str and message_id:
            identity: tuple[object, ...] = (message_id,)
        else:
            base = (group.thread, sender.identifier if sender else None, found, text)
            identity = (*base, self.repeats.number(found, base))
        if self.group_name is not None:
            message["group"] = self.group_name
        if element.canonical:
            message["raw"] = CANONICAL
        origin = Origin(
            group.member.name,
            element.offset,
            len(element.raw),
            element.line,
            element.end_line,
            element.path if element.canonical else None,
        )
        return Record(
            "message",
            CHANNEL,
            when,
            group.thread,
            sender,
            self._recipients(sender),
            text,
            origin,
            element.raw,
            identity,
            attachments,
            frozenset(marks) if marks else _NO_MARKERS,
            message,
        )

    # --- people ----------------------------------------------------------------------------------------

    def _person(self, creator: object) -> _Person | None:
        """What is known of an account from its {name, email, user_type}, worked out once per account."""
        if type(creator) is not dict:
            return None
        email, name, user_type = creator.get("email"), creator.get("name"), creator.get("user_type")
        key = (email, name, user_type)
        if key in self.people:
            return self.people[key]
        display = name if isinstance(name, str) and name else None
        handle: Handle | None = None
        if isinstance(email, str) and email:
            handle = Handle("email", normalise("email", email), display)
        elif display is not None:
            handle = Handle(CHANNEL, normalise(CHANNEL, display), display)
        kind = user_type if isinstance(user_type, str) and user_type != _HUMAN else None
        found = _Person(handle, self.owner.owns(handle), kind) if handle is not None else None
        self.people[key] = found
        return found

    def _recipients(self, sender: Handle | None) -> tuple[Handle, ...]:
        key = sender.identifier if sender is not None else ""
        found = self.recipients.get(key)
        if found is None:
            found = self.recipients[key] = tuple(
                handle for handle in self.members if sender is None or handle.identifier != sender.identifier
            )
        return found

    # --- times -----------------------------------------------------------------------------------------

    def _when(self, found: str, element: Element, where: str, key: str) -> tuple[When, bool]:
        parsed = parse_date(found, self.days)
        if parsed is None:
            raise InputError(
                f"the time '{found}' is not in a form stalkproof knows for Google Chat (such as 'Sunday, "
                "January 22, 2023 at 6:30:00 PM UTC'), so nothing was imported; please report this form "
                "so that it can be added.",
                *_place(element, where, key),
            )
        at, precision, zone, weekday_fits = parsed
        return When(at, precision, found, zone), weekday_fits

    def _weekday_warning(self, found: str, element: Element, where: str) -> None:
        self.ctx.warn(
            "timestamp_mismatch",
            where,
            element.line,
            element.raw,
            f"This message's time ({found}) names a weekday that does not fit its date, so the time was "
            "changed after Google wrote it; the message is kept and marked, so check it.",
            element.offset,
        )

    # --- files -----------------------------------------------------------------------------------------

    def _attachments(
        self, files: object, group: _Group, element: Element, where: str
    ) -> tuple[Attachment, ...]:
        if type(files) is not list or not files:
            return ()
        found = []
        for item in files:
            if type(item) is not dict:
                continue
            export_name, original = item.get("export_name"), item.get("original_name")
            name = original if isinstance(original, str) and original else export_name
            if not isinstance(name, str) or not name:
                continue
            found.append(self._attachment(name, export_name, group, element, where))
        return tuple(found)

    def _attachment(
        self, name: str, export_name: object, group: _Group, element: Element, where: str
    ) -> Attachment:
        saved = group.folder + export_name if isinstance(export_name, str) and export_name else None
        if saved is not None and saved in self.by_name:
            return Attachment(name, "attached", member=saved)
        self.missing += 1
        if self.holds_media:
            self.ctx.warn(
                "media_missing",
                where,
                element.line,
                element.raw,
                f"This message names the file '{export_name or name}', which is not in its conversation's "
                "folder; the message is kept and the file marked missing. If you still have the file, add "
                "it as an exhibit.",
                element.offset,
            )
        return Attachment(name, "missing")

    def _unreadable(self, element: Element, where: str, what: str) -> None:
        warn_unreadable(self.ctx, where, element, what)


def _place(element: Element, where: str, key: str) -> tuple[str, int | None]:
    """The file and the line of `key` inside the element; under ijson, the element's path instead."""
    if element.line is None:
        return f"{where}, {element.path}", None
    at = max(element.raw.find(b'"' + key.encode() + b'"'), 0)
    return where, element.line + element.raw.count(b"\n", 0, at)


def parse_date(found: str, days: _Days | None = None) -> _Parsed | None:
    """(time, precision, zone as found, whether the weekday fits) for a `created_date`; None when the
    patterns above do not read it or the date does not exist. `days` caches the calendar part, which many
    messages share."""
    for join in JOINS:
        day, sep, clock = found.rpartition(join)
        if sep:
            break
    else:
        return None
    if days is not None and day in days:
        calendar = days[day]
    else:
        calendar = _calendar(day)
        if days is not None:
            if len(days) >= _DAYS_CACHED:
                days.clear()
            days[day] = calendar
    match = CLOCK.fullmatch(clock)
    if calendar is None or match is None:
        return None
    hour, minute, second, meridiem, zone, offset = match.groups()
    y, m, d, fits = calendar
    h = int(hour)
    if meridiem is not None:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if meridiem in "Pp" else 0)
    try:
        zone_at = UTC if offset is None else _zone(offset)
        at = datetime(y, m, d, h, int(minute), int(second or 0), tzinfo=zone_at)
    except ValueError:
        return None
    return at, "minute" if second is None else "second", zone if offset is None else zone + offset, fits


def _calendar(text: str) -> tuple[int, int, int, bool] | None:
    """(year, month, day, whether the weekday fits) for the day part of a `created_date`."""
    for pattern, fields in zip(DAY_PATTERNS, DAY_FIELDS, strict=True):
        match = pattern.fullmatch(text)
        if match is not None:
            weekday, month, day, year = (match.group(1 + field) for field in fields)
            break
    else:
        return None
    number = MONTHS.get(month)
    if number is None or (weekday is not None and weekday not in WEEKDAYS):
        return None
    try:
        date = datetime(int(year), number, int(day))
    except ValueError:
        return None
    return date.year, date.month, date.day, weekday is None or weekday == WEEKDAYS[date.weekday()]


def _zone(offset: str | None) -> timezone:
    if offset is None:
        return UTC
    zone = _ZONES.get(offset)
    if zone is None:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
        zone = _ZONES[offset] = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    return zone


SOURCE = GoogleChatSource()
