"""People in a case (the person affected, suspects, witnesses) and the accounts they use."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from stalkproof.errors import InputError
from stalkproof.evidence.ids import new_id
from stalkproof.evidence.vocabulary import check_role
from stalkproof.vault.ledger import Recorder, complete_row
from stalkproof.vault.schema import accounts, attributions, parties
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
    return Account(platform.strip().lower(), identifier.strip())


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
        for account in wanted:
            account_id = ensure_account(writer.connection, writer.recorder, case_id, account)
            writer.recorder.insert(
                attributions,
                complete_row(
                    attributions,
                    {
                        "id": new_id(),
                        "account_id": account_id,
                        "party_id": party["id"],
                        "created_at": writer.recorder.now,
                    },
                ),
            )
    ordered = sorted(dict.fromkeys(wanted), key=lambda a: (a.platform, a.identifier))
    return Party(party["id"], name, role, ordered)


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
