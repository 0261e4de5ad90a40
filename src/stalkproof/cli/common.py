"""What every command shares: the common options, unlocking the vault, and printing results."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from stalkproof.config import Settings
from stalkproof.errors import VaultError
from stalkproof.evidence.cases import Case, current_case
from stalkproof.vault.vault import Vault

VaultOption = Annotated[
    Path | None,
    typer.Option(
        "--vault",
        help="Vault folder (default: $STALKPROOF_VAULT, else your user data folder).",
        show_default=False,
    ),
]
CaseOption = Annotated[
    str | None, typer.Option("--case", help="Case id or name (default: the one chosen with 'case use').")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout, and nothing else there.")]

console = Console(stderr=True, highlight=False)
out = Console(highlight=False)


def ask_secret(prompt: str, confirm: bool = False) -> str:
    if not sys.stdin.isatty():
        raise VaultError(
            "No passphrase given: run this in a terminal, or set STALKPROOF_PASSPHRASE for automation."
        )
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    return value


def unlock(vault_path: Path | None) -> Vault:
    settings = Settings.from_environment(vault_path)
    if settings.recovery_code and not settings.passphrase:
        return Vault.unlock(
            settings.vault, recovery_code=settings.recovery_code, database_url=settings.database_url
        )
    passphrase = settings.passphrase
    if passphrase is None:
        # Check the folder first, so nobody types a passphrase for a vault that is not there.
        Vault.check_exists(settings.vault)
        passphrase = ask_secret("Vault passphrase")
    return Vault.unlock(settings.vault, passphrase=passphrase, database_url=settings.database_url)


@contextmanager
def opened(vault_path: Path | None) -> Iterator[Vault]:
    """The unlocked vault for one command; closing it signs a checkpoint if anything changed."""
    vault = unlock(vault_path)
    try:
        yield vault
    finally:
        vault.close()


@contextmanager
def opened_case(vault_path: Path | None, case: str | None) -> Iterator[tuple[Vault, Case]]:
    with opened(vault_path) as vault:
        yield vault, current_case(vault, case)


def emit(as_json: bool, data: Any, show: Callable[[], None]) -> None:
    """JSON on stdout for scripts, or the human view."""
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        show()
