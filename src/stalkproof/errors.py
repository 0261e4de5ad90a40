"""One exception tree for the whole toolkit.

Every shell (CLI, web) turns a `StalkproofError` into one plain sentence and an exit code or status, so
the message must already be written for the person reading it: what happened, and what they can do.
"""

from __future__ import annotations

from pathlib import Path


class StalkproofError(Exception):
    """Base of every error a user may see. `exit_code` follows the command-line contract."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(StalkproofError):
    """The user's file, option or value is wrong. Names the file and line when there is one."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}" + (f", line {line}" if line is not None else "") + ": "
        super().__init__(where + message)
        self.path = path
        self.line = line


class NotFoundError(InputError):
    """Something the user named (a case, an entry, an exhibit) does not exist."""


class VaultError(StalkproofError):
    """The vault cannot be used as asked: missing, locked, or of an unknown format."""


class WrongPassphraseError(VaultError):
    """Neither the passphrase nor the recovery code given opens this vault."""


class VaultBusyError(VaultError):
    """Another stalkproof process is writing to this vault."""


class IntegrityError(StalkproofError):
    """Stored evidence does not match its record. `verify` reports these with exit code 3."""

    exit_code = 3


class Interrupted(StalkproofError):
    """The person stopped a long command (Ctrl-C). What was committed stands."""

    exit_code = 130
