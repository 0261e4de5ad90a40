"""Read a case out of the vault once, into the columns the analysis works on.

Everything downstream is pure and works on `CaseEvents`: who is who (the person affected, suspects,
others, and their accounts), every event's time, kind, channel and author, the flags its text raises and
the behaviours recorded for it. Text is flagged while it streams past and is not kept, so a case of a
million messages fits in a few hundred megabytes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import Connection, func, select

from stalkproof.analysis.blocks import BlockFinder
from stalkproof.analysis.flagging import Flagging
from stalkproof.analysis.flags import Flag, Flagger
from stalkproof.analysis.series import Series, local_calendar
from stalkproof.vault.schema import accounts, attributions, events, parties

PAGE = 20_000
DEFAULT_LANGUAGES = ("en",)

# Which suspect an event is by or about, where it is none of them.
NOBODY, UNNAMED = -1, -2
# Who wrote an event, as the flag rules and the measures need it.
SUSPECT, VICTIM, DIARY, OTHER = "suspect", "victim", "diary", "other"
AUTHORS = (SUSPECT, VICTIM, DIARY, OTHER)
CONTACT_KINDS = ("message", "call")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str


@dataclass(frozen=True)
class AccountInfo:
    id: str
    platform: str
    identifier: str
    display_name: str | None
    party_id: str | None  # who the user says it belongs to, if anyone

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.identifier}"


@dataclass(frozen=True)
class EventFlags:
    index: int  # position in CaseEvents
    flags: tuple[Flag, ...]


@dataclass
class CaseEvents:
    """Every current event of a case, in time order, as parallel columns (index i is one event)."""

    people: list[Person]
    accounts: list[AccountInfo]
    ids: list[str]
    labels: list[str | None]  # "D3" for diary entries, else None
    at: npt.NDArray[np.float64]  # UTC seconds
    local_weekday: npt.NDArray[np.int16]
    local_minute: npt.NDArray[np.int16]
    timed: npt.NDArray[np.bool_]  # False when only the day is known: no time-of-day
    kind: npt.NDArray[np.int16]  # index into kinds
    kinds: list[str]
    channel: npt.NDArray[np.int16]  # index into channels
    channels: list[str]
    account: npt.NDArray[np.int32]  # index into accounts, -1 for none
    author: npt.NDArray[np.int8]  # index into AUTHORS
    suspect: npt.NDArray[np.int16]  # index into people of the suspect it is by or about; NOBODY; UNNAMED
    flagged: list[EventFlags]
    blocks: list[int]  # indexes of events that record the person blocking someone
    blocked_platforms: dict[int, frozenset[str]]  # block event -> the account platforms its words name
    behaviours: dict[int, tuple[str, ...]] = field(default_factory=dict)  # as recorded in the diary
    flag_rules_version: str = ""

    def __len__(self) -> int:
        return len(self.ids)

    def author_is(self, name: str) -> npt.NDArray[np.bool_]:
        chosen: npt.NDArray[np.bool_] = self.author == AUTHORS.index(name)
        return chosen

    def is_kind(self, *names: str) -> npt.NDArray[np.bool_]:
        codes = [self.kinds.index(name) for name in names if name in self.kinds]
        chosen: npt.NDArray[np.bool_] = np.isin(self.kind, codes)
        return chosen

    def on_channel(self, name: str) -> npt.NDArray[np.bool_]:
        chosen: npt.NDArray[np.bool_] = self.channel == (
            self.channels.index(name) if name in self.channels else -1
        )
        return chosen

    def is_contact(self) -> npt.NDArray[np.bool_]:
        """Messages and calls: what counts as contact, as against posts, logins or diary notes."""
        return self.is_kind(*CONTACT_KINDS)

    def block_before(self, at: float) -> int | None:
        """The latest block recorded before `at` (an event index), if any."""
        position = int(np.searchsorted(self.at[self.blocks], at, side="left")) if self.blocks else 0
        return self.blocks[position - 1] if position else None

    def by_suspects(self) -> npt.NDArray[np.bool_]:
        """What the suspects did: their accounts' events and diary entries about them (including
        incidents that name nobody when there are several suspects: UNNAMED)."""
        chosen: npt.NDArray[np.bool_] = self.suspect != NOBODY
        return chosen

    def series(self, mask: npt.NDArray[np.bool_] | None = None, *, timed_only: bool = False) -> Series:
        chosen = np.ones(len(self.ids), np.bool_) if mask is None else mask
        if timed_only:
            chosen = chosen & self.timed
        ids = [self.ids[i] for i in np.flatnonzero(chosen)]
        return Series(self.at[chosen], self.local_weekday[chosen], self.local_minute[chosen], ids)

    def suspects(self) -> list[Person]:
        return [person for person in self.people if person.role == "suspect"]

    def subject(self) -> Person | None:
        return next((person for person in self.people if person.role == "subject"), None)

    def name_of(self, index: int) -> str:
        """How to show an event: its diary number, or its id's first eight characters."""
        return self.labels[index] or self.ids[index][:8]


def load_case(
    connection: Connection,
    case_id: str,
    flagger: Flagger | None = None,
    entries: Collection[str] | None = None,
) -> CaseEvents:
    """The case's current events (only the entries named in `entries`, when given: a pack's selection).
    With the default rules, a large case is flagged in worker processes while it is read (see
    flagging.py); a flagger passed in is always used here."""
    languages = None if flagger is not None else DEFAULT_LANGUAGES
    chosen = flagger or Flagger.load(DEFAULT_LANGUAGES)
    flagging = Flagging(chosen, languages, _count(connection, case_id))
    builder = _Builder(WhoIsWho.of_case(connection, case_id), flagging, BlockFinder.load())
    for page in _pages(connection, case_id):
        builder.add(page if entries is None else [row for row in page if row[0] in entries])
    return builder.finish()


def _count(connection: Connection, case_id: str) -> int:
    return int(connection.execute(select(func.count()).where(events.c.case_id == case_id)).scalar_one())


def _people(connection: Connection, case_id: str) -> list[Person]:
    query = select(parties.c.id, parties.c.name, parties.c.role).where(parties.c.case_id == case_id)
    return [Person(*row) for row in connection.execute(query.order_by(parties.c.created_at, parties.c.id))]


def _accounts(connection: Connection, case_id: str) -> list[AccountInfo]:
    """Accounts with the party each is attributed to (the latest claim wins where there are several)."""
    owners: dict[str, str] = {}
    claims = (
        select(attributions.c.account_id, attributions.c.party_id)
        .join(accounts, accounts.c.id == attributions.c.account_id)
        .where(accounts.c.case_id == case_id)
        .order_by(attributions.c.created_at, attributions.c.id)
    )
    for account_id, party_id in connection.execute(claims):
        owners[account_id] = party_id
    query = select(accounts.c.id, accounts.c.platform, accounts.c.identifier, accounts.c.display_name).where(
        accounts.c.case_id == case_id
    )
    return [
        AccountInfo(*row, owners.get(row[0])) for row in connection.execute(query.order_by(accounts.c.id))
    ]


_COLUMNS = (
    events.c.entry_id,
    events.c.number,
    events.c.kind,
    events.c.channel,
    events.c.occurred_at,
    events.c.occurred_local,
    events.c.precision,
    events.c.sender_account_id,
    events.c.parties,
    events.c.behaviours,
    events.c.actions,
    events.c.text,
    events.c.text_normalised,
    events.c.id,
)


def _pages(connection: Connection, case_id: str) -> Iterator[Sequence[Any]]:
    """Current versions only. Older versions are found first (few: only diary entries are amended) and
    left out here, which is cheaper than asking the database to check every row for a newer version."""
    older = set(
        connection.execute(
            select(events.c.supersedes).where(events.c.case_id == case_id, events.c.supersedes.is_not(None))
        ).scalars()
    )
    query = (
        select(*_COLUMNS)
        .where(events.c.case_id == case_id, ~events.c.redacted)
        .order_by(events.c.occurred_at, events.c.number, events.c.id)
    )
    result = connection.execution_options(yield_per=PAGE).execute(query)
    for page in result.partitions(PAGE):
        yield [row for row in page if row[-1] not in older] if older else page


class WhoIsWho:
    """Who wrote an event (the suspects, the person, their diary, someone else) and which suspect it is
    by or about, from the accounts the person has attributed."""

    def __init__(self, people: list[Person], known: list[AccountInfo]) -> None:
        self.people, self.accounts = people, known
        self.account_index = {account.id: i for i, account in enumerate(known)}
        roles = {person.id: person.role for person in people}
        self.person_index = {person.id: i for i, person in enumerate(people)}
        self.suspect_ids = {person.id for person in people if person.role == "suspect"}
        self.account_author = [_author_of(account, roles.get(account.party_id or "")) for account in known]
        self.account_suspect = [
            self.person_index[account.party_id] if account.party_id in self.suspect_ids else -1
            for account in known
        ]
        only = [self.person_index[pid] for pid in self.suspect_ids]
        # A diary entry that names nobody is about the suspect when there is only one.
        self.sole_suspect = only[0] if len(only) == 1 else (UNNAMED if only else NOBODY)

    @classmethod
    def of_case(cls, connection: Connection, case_id: str) -> WhoIsWho:
        return cls(_people(connection, case_id), _accounts(connection, case_id))

    def account(self, account_id: str | None) -> int:
        return self.account_index.get(account_id, -1) if account_id else -1

    def author_and_suspect(
        self, kind: str, account: int, named: str | None, behaviours: str | None = None
    ) -> tuple[str, int]:
        """Who wrote an event, and which suspect it is by or about (NOBODY, or UNNAMED for an incident
        in the diary that names no one while there are several suspects)."""
        if kind == "diary":
            about = [self.person_index[pid] for pid in _decode(named) if pid in self.suspect_ids]
            if about:
                return DIARY, about[0]
            # A diary note naming no one is about the suspect only when it records something they did
            # (a behaviour code): "Reported it to the police" is the person's own step, not an incident.
            incident = bool(set(_decode(behaviours)) - {"other"})
            return DIARY, self.sole_suspect if incident and not named else NOBODY
        if account < 0:
            return OTHER, NOBODY
        return self.account_author[account], self.account_suspect[account]


class _Builder:
    """Collects columns page by page; flags text as it passes and does not keep it."""

    def __init__(self, who: WhoIsWho, flagging: Flagging, blocks: BlockFinder) -> None:
        self.who, self.flagging, self.block_finder = who, flagging, blocks
        self.ids: list[str] = []
        self.labels: list[str | None] = []
        self.utc: list[npt.NDArray[np.float64]] = []
        self.local: list[npt.NDArray[np.float64]] = []
        self.timed: list[bool] = []
        self.kinds: dict[str, int] = {}
        self.channels: dict[str, int] = {}
        self.kind: list[int] = []
        self.channel: list[int] = []
        self.account: list[int] = []
        self.author: list[int] = []
        self.suspect: list[int] = []
        self.blocks: list[int] = []
        self.blocked_platforms: dict[int, frozenset[str]] = {}
        self.behaviours: dict[int, tuple[str, ...]] = {}

    def add(self, page: Sequence[Any]) -> None:
        """One page of rows, column by column: a million events go through here, so per-row Python is
        kept to what cannot be done on whole columns (flagging text)."""
        if not page:
            return
        (entry_ids, numbers, kinds, channels, utc, local, precisions, senders, named, behaviours, actions,
         texts, searches, _) = zip(*page, strict=True)  # fmt: skip
        first = len(self.ids)
        self.ids.extend(entry_ids)
        self.labels.extend(f"D{number}" if number else None for number in numbers)
        self.utc.append(_seconds([at[:-1] if at.endswith("Z") else at for at in utc]))
        self.local.append(_seconds([own or at[:19] for own, at in zip(local, utc, strict=True)]))
        self.timed.extend(precision != "day" for precision in precisions)
        kind_codes = [self.kinds.setdefault(kind, len(self.kinds)) for kind in kinds]
        self.kind.extend(kind_codes)
        self.channel.extend(
            self.channels.setdefault(channel or kind, len(self.channels))
            for channel, kind in zip(channels, kinds, strict=True)
        )
        accounts = [self.who.account(sender) for sender in senders]
        self.account.extend(accounts)
        authors = [self.who.author_and_suspect(kind, account, people, codes) for kind, account, people, codes
                   in zip(kinds, accounts, named, behaviours, strict=True)]  # fmt: skip
        self.author.extend(AUTHORS.index(author) for author, _ in authors)
        self.suspect.extend(suspect for _, suspect in authors)
        for offset, recorded in enumerate(behaviours):
            if recorded:
                self.behaviours[first + offset] = tuple(orjson.loads(recorded))
        self.flagging.add(
            [
                (first + offset, search or text, author)
                for offset, (search, text, (author, _)) in enumerate(
                    zip(searches, texts, authors, strict=True)
                )
                if search or text
            ]
        )
        for offset, (kind, (author, _)) in enumerate(zip(kinds, authors, strict=True)):
            # A block is something the person did: their own messages, their diary, or the app's own
            # note in their export ("You blocked this contact").
            if author in (VICTIM, DIARY) or kind == "system":
                # Diary actions are a list ("Blocked number"): each is its own line, so "^blocked" sees it.
                steps = "\n".join(_decode(actions[offset]))
                said = "\n".join(filter(None, (searches[offset] or texts[offset], steps)))
                clauses = self.block_finder.block_clauses(said)
                if clauses:
                    self.blocks.append(first + offset)
                    platforms = self.block_finder.platforms_named(" ".join(clauses))
                    self.blocked_platforms[first + offset] = platforms

    def finish(self) -> CaseEvents:
        utc = np.concatenate(self.utc) if self.utc else np.empty(0, np.float64)
        local = np.concatenate(self.local) if self.local else np.empty(0, np.float64)
        weekday, minute = local_calendar(local)
        return CaseEvents(
            people=self.who.people,
            accounts=self.who.accounts,
            ids=self.ids,
            labels=self.labels,
            at=utc,
            local_weekday=weekday,
            local_minute=minute,
            timed=np.array(self.timed, np.bool_),
            kind=np.array(self.kind, np.int16),
            kinds=list(self.kinds),
            channel=np.array(self.channel, np.int16),
            channels=list(self.channels),
            account=np.array(self.account, np.int32),
            author=np.array(self.author, np.int8),
            suspect=np.array(self.suspect, np.int16),
            flagged=[EventFlags(index, flags) for index, flags in self.flagging.results()],
            blocks=self.blocks,
            blocked_platforms=self.blocked_platforms,
            behaviours=self.behaviours,
            flag_rules_version=self.flagging.flagger.rules_version,
        )


def _author_of(account: AccountInfo, role: str | None) -> str:
    if role == "suspect":
        return SUSPECT
    # An import names the exporter's own account "self" (sms:self): it is the person's, unless they said
    # otherwise.
    if role == "subject" or (role is None and account.identifier == "self"):
        return VICTIM
    return OTHER


def _decode(value: str | None) -> Iterable[str]:
    return orjson.loads(value) if value else ()


def _seconds(texts: list[str]) -> npt.NDArray[np.float64]:
    """ISO 8601 texts (without a zone letter) to seconds since 1970, parsed by numpy in one call."""
    return np.array(texts, dtype="datetime64[s]").astype(np.int64).astype(np.float64)
