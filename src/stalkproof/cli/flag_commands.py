"""`stalkproof flags`: the flagged events, and `flags review` to confirm or dismiss one.

With no subcommand the group runs the listing, so `stalkproof flags [--label L] [--json]` is unchanged.
"""

from __future__ import annotations

from typing import Annotated

import typer

from stalkproof.analysis.flag_review import review_flag
from stalkproof.cli import analysis_commands
from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened_case, out
from stalkproof.evidence.flag_reviews import CONFIRMED, DISMISSED

flags_app = typer.Typer(
    help="Events that matter and why, and your review of each flag.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@flags_app.callback()
def flags(
    context: typer.Context,
    label: Annotated[str | None, typer.Option(help="Only this flag, e.g. threat.")] = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Events that matter and why: threats, 'I saw you at…', tracking, sexual content, abuse and more.

    Each flag shows the words that raised it and the rule. Flags can be wrong both ways: check them.
    """
    if context.invoked_subcommand is None:
        analysis_commands.flags(label=label, vault=vault, case=case, as_json=as_json)


@flags_app.command("review")
def review(
    event: Annotated[str, typer.Argument(help="The event's id (or its first characters).")],
    label: Annotated[str, typer.Option(help="The flag to review, e.g. threat.")],
    confirm: Annotated[
        bool, typer.Option("--confirm/--dismiss", help="Whether the flag is right (--confirm) or wrong.")
    ],
    note: Annotated[str | None, typer.Option(help="Why, in your own words (optional).")] = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Say whether a flag is right. Kept as your review; the event itself is never changed."""
    with opened_case(vault, case) as (opened_vault, chosen):
        saved = review_flag(opened_vault, chosen.id, event, label, CONFIRMED if confirm else DISMISSED, note)
    emit(
        as_json,
        saved.to_json(),
        lambda: out.print(
            f"Saved: the '{label}' flag on event {saved.event_id[:8]} is {saved.decision}. "
            "The event is unchanged."
        ),
    )
