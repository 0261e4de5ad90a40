"""Cases: one vault may hold several, e.g. a caseworker's clients or separate matters for one person."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from stalkproof.errors import InputError, NotFoundError
from stalkproof.evidence.ids import find_by_prefix, new_id
from stalkproof.vault.ledger import complete_row
from stalkproof.vault.schema import cases, settings
from stalkproof.vault.vault import Vault

ACTIVE_CASE = "active_case"


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    reference: str | None
    created_at: str


def create_case(vault: Vault, name: str, reference: str | None = None) -> Case:
    if not name.strip():
        raise InputError("A case needs a name, e.g. 'Messages from J' or a crime reference.")
    with vault.write() as writer:
        row = complete_row(
            cases, {"id": new_id(), "name": name, "reference": reference, "created_at": writer.recorder.now}
        )
        writer.recorder.insert(cases, row)
    return Case(**row)


def list_cases(vault: Vault) -> list[Case]:
    with vault.read() as connection:
        rows = connection.execute(select(cases).order_by(cases.c.created_at)).all()
    return [Case(**row._mapping) for row in rows]


def find_case(connection: Connection, text: str) -> Case:
    named = connection.execute(select(cases).where(cases.c.name == text)).all()
    if len(named) == 1:
        return Case(**named[0]._mapping)
    case_id = find_by_prefix(connection, cases.c.id, text, "case")
    return Case(**connection.execute(select(cases).where(cases.c.id == case_id)).one()._mapping)


def use_case(vault: Vault, text: str) -> Case:
    """Remember the case later commands work on. A preference, not evidence: not ledgered."""
    with vault.read() as connection:
        case = find_case(connection, text)
    with vault.lock, vault.engine.begin() as connection:
        connection.execute(delete(settings).where(settings.c.key == ACTIVE_CASE))
        connection.execute(insert(settings), [{"key": ACTIVE_CASE, "value": case.id}])
    return case


def current_case(vault: Vault, chosen: str | None = None) -> Case:
    """The case named with --case, else the one chosen with `case use`, else the only case there is."""
    with vault.read() as connection:
        if chosen:
            return find_case(connection, chosen)
        active = connection.execute(select(settings.c.value).where(settings.c.key == ACTIVE_CASE)).scalar()
        if active:
            return find_case(connection, active)
        every = connection.execute(select(cases).limit(2)).all()
    if len(every) == 1:
        return Case(**every[0]._mapping)
    if not every:
        raise NotFoundError('There is no case yet. Start one with: stalkproof case new "NAME"')
    raise InputError("There is more than one case. Choose one with 'stalkproof case use ID' or --case ID.")
