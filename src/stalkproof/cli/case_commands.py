"""Commands for cases and the people in them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened, opened_case, out
from stalkproof.evidence.cases import Case, create_case, list_cases, use_case
from stalkproof.evidence.parties import Party, add_party, link_accounts, list_accounts, list_parties

case_app = typer.Typer(help="Start, list and choose cases.", no_args_is_help=True)
party_app = typer.Typer(help="People in the case and their accounts.", no_args_is_help=True)


def _case_json(case: Case) -> dict[str, object]:
    return asdict(case)


@case_app.command("new")
def case_new(
    name: str,
    reference: Annotated[
        str | None, typer.Option(help="A police or crime reference, if you have one.")
    ] = None,
    vault: VaultOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a case. It becomes the case later commands work on."""
    with opened(vault) as opened_vault:
        case = create_case(opened_vault, name, reference)
        use_case(opened_vault, case.id)
    emit(as_json, _case_json(case), lambda: out.print(f"Case '{case.name}' started (id {case.id})."))


@case_app.command("list")
def case_list(vault: VaultOption = None, as_json: JsonOption = False) -> None:
    """List the cases in this vault."""
    with opened(vault) as opened_vault:
        found = list_cases(opened_vault)

    def show() -> None:
        table = Table("id", "name", "reference", "started")
        for case in found:
            table.add_row(case.id, case.name, case.reference or "", case.created_at[:10])
        out.print(table if found else 'No cases yet. Start one with: stalkproof case new "NAME"')

    emit(as_json, [_case_json(case) for case in found], show)


@case_app.command("use")
def case_use(
    case_ref: Annotated[str, typer.Argument(metavar="ID")],
    vault: VaultOption = None,
    as_json: JsonOption = False,
) -> None:
    """Choose the case later commands work on."""
    with opened(vault) as opened_vault:
        case = use_case(opened_vault, case_ref)
    emit(as_json, _case_json(case), lambda: out.print(f"Now working on '{case.name}' ({case.id})."))


def _party_json(party: Party) -> dict[str, object]:
    return {
        "id": party.id,
        "name": party.name,
        "role": party.role,
        "accounts": [{"platform": a.platform, "identifier": a.identifier} for a in party.accounts],
    }


@party_app.command("add")
def party_add(
    name: str,
    role: Annotated[str, typer.Option(help="suspect, subject (the person affected), witness or other.")],
    account: Annotated[
        list[str] | None,
        typer.Option(
            help="An account they use, as PLATFORM:ID (e.g. whatsapp:+447700900123). Repeat for more."
        ),
    ] = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a person to the case, with the accounts they use."""
    with opened_case(vault, case) as (opened_vault, chosen):
        party = add_party(opened_vault, chosen.id, name, role, account or [])
    emit(
        as_json, _party_json(party), lambda: out.print(f"Added {party.role} '{party.name}' (id {party.id}).")
    )


@party_app.command("list")
def party_list(vault: VaultOption = None, case: CaseOption = None, as_json: JsonOption = False) -> None:
    """List the people in the case and their accounts."""
    with opened_case(vault, case) as (opened_vault, chosen):
        people = list_parties(opened_vault, chosen.id)

    def show() -> None:
        table = Table("id", "name", "role", "accounts")
        for party in people:
            table.add_row(
                party.id,
                party.name,
                party.role,
                ", ".join(f"{a.platform}:{a.identifier}" for a in party.accounts),
            )
        out.print(table if people else "Nobody added yet: stalkproof party add NAME --role suspect")

    emit(as_json, [_party_json(party) for party in people], show)


@party_app.command("link")
def party_link(
    party: Annotated[str, typer.Argument(help="The person's id (from 'party list').")],
    account: Annotated[
        list[str], typer.Option(help="An account that is theirs, as PLATFORM:ID. Repeat for more.")
    ],
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Say that accounts (for instance ones an import found) belong to someone already in the case."""
    with opened_case(vault, case) as (opened_vault, chosen):
        linked = link_accounts(opened_vault, chosen.id, party, account)
    emit(
        as_json,
        _party_json(linked),
        lambda: out.print(f"'{linked.name}' now has {len(linked.accounts)} account(s)."),
    )


@party_app.command("accounts")
def party_accounts(vault: VaultOption = None, case: CaseOption = None, as_json: JsonOption = False) -> None:
    """Every account seen in the case (in imports or named by you) and who it belongs to."""
    with opened_case(vault, case) as (opened_vault, chosen):
        found = list_accounts(opened_vault, chosen.id)
    items: list[dict[str, Any]] = [
        {
            "platform": use.platform,
            "identifier": use.identifier,
            "display_name": use.display_name,
            "events": use.events,
            "first_seen": use.first_seen,
            "last_seen": use.last_seen,
            "party": use.party,
        }
        for use in found
    ]

    def show() -> None:
        table = Table("account", "shown as", "events", "first", "last", "person")
        for item in items:
            table.add_row(
                f"{item['platform']}:{item['identifier']}",
                item["display_name"] or "",
                f"{item['events']:,}",
                (item["first_seen"] or "")[:10],
                (item["last_seen"] or "")[:10],
                item["party"] or "not said yet",
            )
        out.print(table if items else "No accounts yet: import an export or add a person with --account.")

    emit(as_json, items, show)
