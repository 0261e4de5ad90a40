"""People in a case (the person affected, suspects, witnesses) and the accounts they use."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from stalkproof.errors import InputError
from stalkproof.evidence.ids import find_by_prefix, new_id
from stalkproof.evidence.vocabulary import check_role
from stalkproof.ingest.identifiers import normalise
from stalkproof.vault.ledger import Recorder, complete_row
from stalkproof.vault.schema import accounts, attributions, events, parties
from stalkproof.vault.vault import Vault


@dataclass(frozen=True)
class Account:
    platform: str
    identifier: str


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    role: str
    accounts: list[Account] = field(default_factory=list)


def parse_account(text: str) -> Account:
    """'PLATFORM:ID', e.g. 'whatsapp:+447700900123' or 'email:someone@example.org'."""
    platform, sep, identifier = text.partition(":")
    if not sep or not platform.strip() or not identifier.strip():
        raise InputError(f"'{text}' is not an account: write it as PLATFORM:ID, e.g. whatsapp:+447700900123.")
    platform = platform.strip().lower()
    # The same spelling an import gives the account, so the two are recognised as one.
    return Account(platform, normalise(platform, identifier))


def add_party(vault: Vault, case_id: str, name: str, role: str, account_texts: list[str]) -> Party:
    check_role(role)
    if not name.strip():
        raise InputError(
            "A person needs a name (a nickname or description is fine, e.g. 'Man in the grey van')."
        )
    wanted = [parse_account(text) for text in account_texts]
    with vault.write() as writer:
        party = complete_row(
            parties,
            {
                "id": new_id(),
                "case_id": case_id,
                "name": name,
                "role": role,
                "created_at": writer.recorder.now,
            },
        )
        writer.recorder.insert(parties, party)
        _attribute(writer.connection, writer.recorder, case_id, party["id"], wanted)
    ordered = sorted(dict.fromkeys(wanted), key=lambda a: (a.platform, a.identifier))
    return Party(party["id"], name, role, ordered)


def _attribute(
    connection: Connection, recorder: Recorder, case_id: str, party_id: str, wanted: list[Account]
) -> None:
    """Record that these accounts are the party's (an account already theirs is left as it is)."""
    for account in wanted:
        account_id = ensure_account(connection, recorder, case_id, account)
        already = connection.execute(
            select(attributions.c.id).where(
                attributions.c.account_id == account_id, attributions.c.party_id == party_id
            )
        ).first()
        if already is None:
            row = {"id": new_id(), "account_id": account_id, "party_id": party_id, "created_at": recorder.now}
            recorder.insert(attributions, complete_row(attributions, row))


def link_accounts(vault: Vault, case_id: str, party_text: str, account_texts: list[str]) -> Party:
    """Say that accounts (for instance ones an import found) belong to a person already in the case."""
    wanted = [parse_account(text) for text in account_texts]
    if not wanted:
        raise InputError("Name at least one account with --account PLATFORM:ID.")
    with vault.write() as writer:
        party_id = find_by_prefix(
            writer.connection, parties.c.id, party_text, "person", (parties.c.case_id == case_id,)
        )
        _attribute(writer.connection, writer.recorder, case_id, party_id, wanted)
    return next(party for party in list_parties(vault, case_id) if party.id == party_id)


@dataclass(frozen=True)
class AccountUse:
    platform: str
    identifier: str
    display_name: str | None
    events: int
    first_seen: str | None
    last_seen: str | None
    party: str | None


def list_accounts(vault: Vault, case_id: str) -> list[AccountUse]:
    """Every account in the case with how often it sent something and who it is attributed to."""
    with vault.read() as connection:
        usage = (
            select(
                events.c.sender_account_id.label("account_id"),
                func.count().label("events"),
                func.min(events.c.occurred_at).label("first_seen"),
                func.max(events.c.occurred_at).label("last_seen"),
            )
            .where(events.c.case_id == case_id)
            .group_by(events.c.sender_account_id)
            .subquery()
        )
        names = (
            select(attributions.c.account_id, func.min(parties.c.name).label("party"))
            .join(parties, parties.c.id == attributions.c.party_id)
            .group_by(attributions.c.account_id)
            .subquery()
        )
        rows = connection.execute(
            select(accounts, usage.c.events, usage.c.first_seen, usage.c.last_seen, names.c.party)
            .outerjoin(usage, usage.c.account_id == accounts.c.id)
            .outerjoin(names, names.c.account_id == accounts.c.id)
            .where(accounts.c.case_id == case_id)
            .order_by(accounts.c.platform, accounts.c.identifier)
        ).all()
    return [
        AccountUse(
            row.platform,
            row.identifier,
            row.display_name,
            int(row.events or 0),
            row.first_seen,
            row.last_seen,
            row.party,
        )
        for row in rows
    ]


def ensure_account(connection: Connection, recorder: Recorder, case_id: str, account: Account) -> str:
    """The id of this account in the case, recording it first if it is new."""
    found = connection.execute(
        select(accounts.c.id).where(
            accounts.c.case_id == case_id,
            accounts.c.platform == account.platform,
            accounts.c.identifier == account.identifier,
        )
    ).scalar()
    if found:
        return str(found)
    row = complete_row(
        accounts,
        {
            "id": new_id(),
            "case_id": case_id,
            "platform": account.platform,
            "identifier": account.identifier,
            "created_at": recorder.now,
        },
    )
    recorder.insert(accounts, row)
    return str(row["id"])


def list_parties(vault: Vault, case_id: str) -> list[Party]:
    with vault.read() as connection:
        people = connection.execute(
            select(parties).where(parties.c.case_id == case_id).order_by(parties.c.created_at, parties.c.id)
        ).all()
        linked = connection.execute(
            select(attributions.c.party_id, accounts.c.platform, accounts.c.identifier)
            .join(accounts, accounts.c.id == attributions.c.account_id)
            .where(accounts.c.case_id == case_id)
            .order_by(accounts.c.platform, accounts.c.identifier)
        ).all()
    by_party: dict[str, list[Account]] = {}
    for party_id, platform, identifier in linked:
        by_party.setdefault(party_id, []).append(Account(platform, identifier))
    return [Party(row.id, row.name, row.role, by_party.get(row.id, [])) for row in people]
