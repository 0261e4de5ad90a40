"""Settings from the environment, read once and then passed around frozen."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

VAULT_ENV = "STALKPROOF_VAULT"
PASSPHRASE_ENV = "STALKPROOF_PASSPHRASE"  # for automation and tests; a person is asked at a hidden prompt
NEW_PASSPHRASE_ENV = "STALKPROOF_NEW_PASSPHRASE"
RECOVERY_CODE_ENV = "STALKPROOF_RECOVERY_CODE"
DATABASE_URL_ENV = "STALKPROOF_DATABASE_URL"


@dataclass(frozen=True)
class Settings:
    vault: Path
    database_url: str | None
    passphrase: str | None
    new_passphrase: str | None
    recovery_code: str | None

    @classmethod
    def from_environment(cls, vault: Path | None = None) -> Settings:
        chosen = vault or (Path(os.environ[VAULT_ENV]) if os.environ.get(VAULT_ENV) else None)
        return cls(
            vault=(chosen or Path(user_data_dir("stalkproof", appauthor=False)) / "vault").expanduser(),
            database_url=os.environ.get(DATABASE_URL_ENV) or None,
            passphrase=os.environ.get(PASSPHRASE_ENV),
            new_passphrase=os.environ.get(NEW_PASSPHRASE_ENV),
            recovery_code=os.environ.get(RECOVERY_CODE_ENV),
        )
