"""Commands for RFC 3161 timestamps on checkpoints: the one optional, explicit use of the network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from stalkproof.cli.common import JsonOption, VaultOption, console, emit, opened, out
from stalkproof.errors import InputError
from stalkproof.vault.timestamps import (
    DEFAULT_TSA_URL,
    Outcome,
    Receipt,
    queued_checkpoints,
    request_timestamps,
    timestamp_receipts,
)

timestamp_app = typer.Typer(
    help="Independent proof of when: RFC 3161 timestamps on the vault's signed checkpoints (optional; "
    "sends only a hash over the network, and only when you ask).",
    no_args_is_help=True,
)

TsaOption = Annotated[
    str, typer.Option("--tsa", metavar="URL", help="The time-stamping authority's address.")
]
CaOption = Annotated[
    Path | None,
    typer.Option(
        "--ca",
        metavar="FILE.pem",
        help="The authority's CA certificate: replies are checked against it, and it is kept with them.",
    ),
]


@timestamp_app.command("request")
def request(
    tsa: TsaOption = DEFAULT_TSA_URL,
    ca: CaOption = None,
    vault: VaultOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask a time-stamping authority to timestamp the latest checkpoint (and any still queued)."""
    ca_pem = _read_ca(ca)
    with opened(vault) as opened_vault:
        outcome = request_timestamps(opened_vault, tsa, ca_pem)
    emit(as_json, _outcome_json(outcome), lambda: _show_outcome(outcome))
    if outcome.failure:
        raise typer.Exit(1)


@timestamp_app.command("queue")
def queue(vault: VaultOption = None, as_json: JsonOption = False) -> None:
    """List checkpoints waiting for a timestamp (a request that could not be completed)."""
    with opened(vault) as opened_vault:
        waiting = queued_checkpoints(opened_vault)

    def show() -> None:
        if not waiting:
            out.print("No checkpoint is waiting for a timestamp.")
            return
        out.print(f"Waiting for a timestamp: checkpoint {_numbers(waiting)}.")
        out.print("Run 'stalkproof timestamp request' when you are online to try again.")

    emit(as_json, {"queued": waiting}, show)


@timestamp_app.command("list")
def list_receipts(vault: VaultOption = None, as_json: JsonOption = False) -> None:
    """Show the timestamps kept in the vault."""
    with opened(vault) as opened_vault:
        receipts = timestamp_receipts(opened_vault)

    def show() -> None:
        if not receipts:
            out.print("No timestamps yet. 'stalkproof timestamp request' asks for one.")
        for receipt in receipts:
            out.print(_line(receipt))

    emit(as_json, {"receipts": [_receipt_json(receipt) for receipt in receipts]}, show)


def _read_ca(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read the CA certificate ({error.strerror})", path) from None


def _show_outcome(outcome: Outcome) -> None:
    for receipt in outcome.stored:
        out.print(_line(receipt))
    if outcome.failure:
        waiting = (
            f"checkpoint {_numbers(outcome.queued)} stays queued" if outcome.queued else "nothing is queued"
        )
        console.print(
            f"{outcome.failure.rstrip('.')}, so {waiting}: run 'stalkproof timestamp request' again to retry."
        )


def _line(receipt: Receipt) -> str:
    return (
        f"Checkpoint {receipt.seq}: timestamped {receipt.gen_time} by {receipt.tsa_url} "
        f"(serial {receipt.serial})"
    )


def _numbers(seqs: list[int]) -> str:
    return ", ".join(str(seq) for seq in seqs)


def _receipt_json(receipt: Receipt) -> dict[str, Any]:
    return {
        "seq": receipt.seq,
        "tsa": receipt.tsa_url,
        "gen_time": receipt.gen_time,
        "serial": receipt.serial,
        "message_sha256": receipt.message_sha256,
        "has_ca": receipt.ca_pem is not None,
    }


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "ok": outcome.failure is None,
        "stored": [_receipt_json(receipt) for receipt in outcome.stored],
        "queued": outcome.queued,
        "problem": outcome.failure,
    }
