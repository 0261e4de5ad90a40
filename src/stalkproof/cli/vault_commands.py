"""Commands about the vault itself: init, passphrase change, verify, export-key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from stalkproof.cli.common import JsonOption, VaultOption, ask_secret, console, emit, opened, out, unlock
from stalkproof.config import Settings
from stalkproof.errors import InputError, IntegrityError
from stalkproof.vault.keys import normalise_recovery_code
from stalkproof.vault.vault import Vault
from stalkproof.vault.verify import Report, verify_vault

passphrase_app = typer.Typer(help="Change the vault passphrase or its recovery code.", no_args_is_help=True)


def init(vault: VaultOption = None, as_json: JsonOption = False) -> None:
    """Create a new, encrypted vault."""
    settings = Settings.from_environment(vault)
    passphrase = settings.passphrase or ask_secret("Choose a passphrase for the vault", confirm=True)
    created, recovery_code = Vault.create(settings.vault, passphrase, database_url=settings.database_url)
    created.close()

    def show() -> None:
        out.print(f"Your vault is ready at {settings.vault}")
        _show_recovery_code(recovery_code)

    emit(as_json, {"vault": str(settings.vault), "recovery_code": recovery_code}, show)


def _show_recovery_code(code: str) -> None:
    out.print(
        Panel(
            f"[bold]{code}[/bold]\n\n"
            "This recovery code opens your vault if you forget your passphrase.\n"
            "It is shown only this once.\n"
            "Write it on paper and keep it somewhere the person you are worried about cannot reach.\n"
            "Do not keep it on this computer or your phone.",
            title="Recovery code",
        )
    )


@passphrase_app.command("new-recovery-code")
def new_recovery_code(vault: VaultOption = None, as_json: JsonOption = False) -> None:
    """Replace the recovery code (if someone may have seen it). The old code stops working at once."""
    with opened(vault) as opened_vault:
        code = opened_vault.replace_recovery_code()

    def show() -> None:
        out.print("The old recovery code no longer opens this vault. Here is the new one.")
        _show_recovery_code(code)

    emit(as_json, {"ok": True, "recovery_code": code}, show)


@passphrase_app.command("change")
def change_passphrase(
    vault: VaultOption = None,
    recovery: Annotated[
        bool, typer.Option("--recovery", help="Unlock with the recovery code instead.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Set a new passphrase. Unlock with the current one, or with the recovery code from 'init'."""
    settings = Settings.from_environment(vault)
    if recovery:
        Vault.check_exists(settings.vault)
        code = settings.recovery_code or ask_secret("Recovery code")
        opened_vault = Vault.unlock(
            settings.vault, recovery_code=normalise_recovery_code(code), database_url=settings.database_url
        )
    else:
        opened_vault = unlock(vault)
    with opened_vault:
        new = settings.new_passphrase or ask_secret("New passphrase", confirm=True)
        opened_vault.change_passphrase(new)
    emit(as_json, {"ok": True}, lambda: out.print("Passphrase changed. Your evidence was not touched."))


def verify(vault: VaultOption = None, as_json: JsonOption = False) -> None:
    """Check every stored file, record and ledger entry. Exit code 3 if anything does not match."""
    try:
        with opened(vault) as opened_vault:
            report = _run_verify(opened_vault, show_progress=not as_json and console.is_terminal)
    except IntegrityError as error:  # so damaged that it would not open: still a report, still exit 3
        report = Report()
        report.add("vault_unreadable", "vault", error.message)
    data = {
        "ok": report.ok,
        "problems": [{"kind": p.kind, "object": p.object, "detail": p.detail} for p in report.problems],
        "notes": report.notes,
        "counts": report.counts,
    }
    emit(as_json, data, lambda: _show_report(report))
    if not report.ok:
        raise typer.Exit(IntegrityError.exit_code)


def _run_verify(vault: Vault, show_progress: bool) -> Report:
    if not show_progress:
        return verify_vault(vault)
    columns = (*Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("Checking stored files", total=None)
        return verify_vault(vault, lambda size: progress.advance(task, size))


def _show_report(report: Report) -> None:
    counts = report.counts
    summary = (
        f"{counts.get('blobs', 0)} files ({counts.get('blob_bytes', 0):,} bytes), "
        f"{counts.get('rows', 0)} records, {counts.get('ledger_entries', 0)} ledger entries, "
        f"{counts.get('checkpoints', 0)} signed checkpoints"
    )
    if report.ok:
        out.print(f"[green]Everything checks out.[/green] Checked {summary}.")
    else:
        out.print(f"[red]{len(report.problems)} problem(s) found[/red] while checking {summary}:")
        for problem in report.problems:
            out.print(f"  - {problem.object}: {problem.detail} [{problem.kind}]")
    for note in report.notes:
        out.print(f"Note: {note}")


def export_key(
    to: Annotated[Path, typer.Option("--out", help="Where to write the key file.")],
    vault: VaultOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the vault's age identity, so the standard 'age' tool can decrypt any stored file."""
    if to.exists():
        raise InputError("already exists; choose a new file name so nothing is overwritten.", to)
    with opened(vault) as opened_vault:
        identity, recipient = opened_vault.keys.blob_identity, opened_vault.keys.blob_recipient
    text = (
        f"# stalkproof vault key: anyone with this file can read every file in the vault.\n"
        f"# Keep it offline. public key: {recipient}\n{identity}\n"
    )
    fd = os.open(to, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    emit(
        as_json,
        {"path": str(to), "recipient": recipient},
        lambda: out.print(
            f"Key written to {to}. Decrypt a stored file with: age -d -i {to} FILE.age\n"
            "Anyone holding this key file can read your evidence: keep it safe, and delete it when done."
        ),
    )
