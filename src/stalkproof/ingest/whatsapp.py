"""WhatsApp "Export chat": a `.txt` file, a folder holding it and its media, or the iOS zip (`_chat.txt`).

The grammar is in whatsapp_grammar.py, the survey's scan (fingerprint, day/month order, participants)
in whatsapp_scan.py, the record loop in whatsapp_parse.py, and the app's localised words in whatsapp.yaml.
This module finds the chats in an input, names their threads and owner, and ties the passes together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, Record, Survey
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.whatsapp_grammar import BOM, match_header
from stalkproof.ingest.whatsapp_markers import Markers, load_markers
from stalkproof.ingest.whatsapp_notes import CHANNEL, ChatSetup
from stalkproof.ingest.whatsapp_parse import ChatParser
from stalkproof.ingest.whatsapp_scan import ChatFacts, scan_chat

LEARNED_KEY = "whatsapp"
MAX_CANDIDATES = 50  # .txt members looked at by detect
_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")  # "WhatsApp Chat with Sam (1)"


@dataclass
class _Learned:
    """What the survey's scan decided, kept in ctx.learned for the store pass."""

    input: str
    option: str | None
    chats: dict[str, ChatFacts]


class WhatsAppSource:
    name = "whatsapp"
    label = "WhatsApp"
    version = "1"

    def detect(self, inp: Input) -> float:
        titles = load_markers().chat_titles
        best = 0.0
        for member in _candidates(inp)[:MAX_CANDIDATES]:
            headers = _headers_in_head(member.head())
            named = member.basename == "_chat.txt" or _title_of(_stem(member.basename), titles) is not None
            if headers and named:
                return 0.95
            score = 0.8 if headers >= 3 else 0.6 if headers else 0.3 if named else 0.0
            best = max(best, score)
        return best

    def survey(self, inp: Input, ctx: Context) -> Survey:
        chats = self._learn(inp, ctx)
        survey = Survey()
        for record in self.parse(inp, ctx):
            survey.count(record)
            ctx.records_so_far = survey.records
        ctx.records_so_far = 0
        summaries = []
        for member in _chat_members(inp):
            summary = chats[member.name].summary()
            setup = _setup(inp, member, chats[member.name], ctx, load_markers())
            summary.update(thread=setup.thread, owner=setup.owner, file=setup.label)
            summaries.append(summary)
        survey.facts.update(summaries[0])
        survey.facts["chats"] = summaries
        return survey

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        chats = self._learn(inp, ctx)
        markers = load_markers()
        for member in _chat_members(inp):
            setup = _setup(inp, member, chats[member.name], ctx, markers)
            with member.open() as stream:
                yield from ChatParser(setup, ctx).parse(stream)

    def _learn(self, inp: Input, ctx: Context) -> dict[str, ChatFacts]:
        """The scan's decisions for every chat in the input, made once and kept in ctx.learned."""
        learned = ctx.learned.get(LEARNED_KEY)
        if (
            isinstance(learned, _Learned)
            and learned.input == str(inp.path)
            and learned.option == ctx.date_order
        ):
            return learned.chats
        markers = load_markers()
        chats = {}
        for member in _chat_members(inp):
            with member.open() as stream:
                chats[member.name] = scan_chat(
                    stream, inp.where(member), member.name, markers, ctx.date_order
                )
        ctx.learned[LEARNED_KEY] = _Learned(str(inp.path), ctx.date_order, chats)
        return chats


SOURCE = WhatsAppSource()


def _candidates(inp: Input) -> list[Member]:
    if inp.kind == "file":
        return list(inp.members)
    named = [member for member in inp.members if member.basename.lower().endswith(".txt")]
    # The usual names first, so detect looks at them even in a folder full of other text files.
    return sorted(named, key=lambda member: member.basename != "_chat.txt" and "WhatsApp" not in member.name)


def _chat_members(inp: Input) -> list[Member]:
    """The members that are chats: a plain file always (the scan says if it is not), otherwise every .txt
    whose first line is a WhatsApp header."""
    if inp.kind == "file":
        return list(inp.members)
    chats = [member for member in _candidates(inp) if _headers_in_head(member.head(), first_only=True)]
    if not chats:
        raise InputError(
            "there is no WhatsApp chat in this (a .txt file whose lines start with a date and time, such as "
            "'_chat.txt' or 'WhatsApp Chat with Sam.txt').",
            inp.name,
        )
    order = {member.name: index for index, member in enumerate(inp.members)}
    return sorted(chats, key=lambda member: order[member.name])


def _headers_in_head(head: bytes, first_only: bool = False) -> int:
    """How many lines in the first 64 KiB are WhatsApp headers; 0 unless the first non-blank one is."""
    lines = head.removeprefix(BOM).split(b"\n")
    if len(head) >= 64 * 1024:
        lines.pop()  # probably cut in the middle
    count = 0
    for line in lines:
        if not count and not line.strip():
            continue
        if match_header(line) is not None:
            count += 1
            if first_only:
                return 1
        elif not count:
            return 0
    return count


def _setup(inp: Input, member: Member, facts: ChatFacts, ctx: Context, markers: Markers) -> ChatSetup:
    thread = ctx.chat or _thread(inp, member, markers)
    return ChatSetup(
        label=inp.where(member),
        origin_member="" if inp.kind == "file" else member.name,
        thread=thread,
        facts=facts,
        markers=markers,
        media=_media_beside(inp, member),
        owner=_owner(facts, thread, ctx.me),
    )


def _thread(inp: Input, member: Member, markers: Markers) -> str:
    """The chat's title from the export's own name ("WhatsApp Chat with Sam.txt", "WhatsApp Chat - Sam.zip",
    or the folder holding `_chat.txt`), else the file's name."""
    names = [_stem(part) for part in re.split(r"/|!/", member.name)][::-1]
    names.append(_stem(inp.name))
    for name in names:
        title = _title_of(name, markers.chat_titles)
        if title:
            return title
    for name in names:
        if name and name != "_chat":
            return _COPY_SUFFIX.sub("", name)
    return _stem(inp.name)


def _title_of(name: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if name.startswith(prefix):
            return _COPY_SUFFIX.sub("", name[len(prefix) :]).strip() or None
    return None


def _stem(name: str) -> str:
    for suffix in (".txt", ".zip"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _media_beside(inp: Input, chat: Member) -> dict[str, str]:
    """Files in the same folder (or zip folder) as the chat, by name: where the export puts its media."""
    if inp.kind == "file":
        return {}
    folder = _folder(chat.name)
    return {
        member.basename: member.name
        for member in inp.members
        if member is not chat and _folder(member.name) == folder
    }


def _folder(name: str) -> str:
    return name[: max(name.rfind("/"), 0)]  # "a.zip!/b/_chat.txt" -> "a.zip!/b"; archive marks end in "/"


def _owner(facts: ChatFacts, thread: str, me: str | None) -> str | None:
    """--me, else in a chat of two the participant who is not its title."""
    if me:
        return normalise(CHANNEL, me)
    people = {normalise(CHANNEL, name.decode("utf-8", errors="replace")) for name in facts.participants}
    title = normalise(CHANNEL, thread)
    if len(people) == 2 and title in people:
        return next(person for person in people if person != title)
    return None
