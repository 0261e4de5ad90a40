"""The vault's plaintext header: what is needed to unlock it, and nothing that would unlock it.

It holds the vault id, the Argon2id salt and cost, the two sealed copies of the key set and the public keys
(so anyone holding a pack can check signatures). It never holds a key in the clear.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from stalkproof.errors import VaultError
from stalkproof.vault.database import DatabaseCipher
from stalkproof.vault.files import atomic_write
from stalkproof.vault.keys import KdfParams, KeySet, Sealed, seal, unseal

HEADER_NAME = "stalkproof-vault.json"
FORMAT = "stalkproof-vault/1"
PASSPHRASE_SLOT = "passphrase"
RECOVERY_SLOT = "recovery"


@dataclass(frozen=True)
class Header:
    vault_id: str
    created_at: str
    kdf: KdfParams
    blob_recipient: str
    signing_public_key: str
    slots: dict[str, Sealed]
    external_database: bool = False
    database_cipher: DatabaseCipher = field(default_factory=DatabaseCipher)

    def context(self, slot: str) -> bytes:
        return f"{FORMAT}|{self.vault_id}|{slot}".encode()

    def unlock(self, slot: str, secret: str) -> KeySet:
        return unseal(self.slots[slot], secret, self.kdf, self.context(slot))

    def with_slot(self, slot: str, keys: KeySet, secret: str) -> Header:
        slots = dict(self.slots)
        slots[slot] = seal(keys, secret, self.kdf, self.context(slot))
        return replace(self, slots=slots)

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "vault_id": self.vault_id,
            "created_at": self.created_at,
            "kdf": self.kdf.to_json(),
            "external_database": self.external_database,
            "database_cipher": {
                "page_size": self.database_cipher.page_size,
                "hmac": self.database_cipher.hmac,
            },
            "public": {"age_recipient": self.blob_recipient, "ed25519": self.signing_public_key},
            "slots": {name: sealed.to_json() for name, sealed in self.slots.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, object], path: Path) -> Header:
        if data.get("format") != FORMAT:
            raise VaultError(f"{path} is not a vault this version of stalkproof understands.")
        public = data["public"]
        slots = data["slots"]
        kdf = data["kdf"]
        assert isinstance(public, dict) and isinstance(slots, dict) and isinstance(kdf, dict)
        return cls(
            vault_id=str(data["vault_id"]),
            created_at=str(data["created_at"]),
            kdf=KdfParams.from_json(kdf),
            blob_recipient=str(public["age_recipient"]),
            signing_public_key=str(public["ed25519"]),
            slots={str(name): Sealed.from_json(value) for name, value in slots.items()},
            external_database=bool(data.get("external_database", False)),
            database_cipher=_cipher(data.get("database_cipher")),
        )


def _cipher(data: object) -> DatabaseCipher:
    """Vaults made before the setting existed use SQLCipher's defaults."""
    if data is None:
        return DatabaseCipher()
    assert isinstance(data, dict)
    return DatabaseCipher(page_size=int(data["page_size"]), hmac=str(data["hmac"]))


def read_header(folder: Path) -> Header:
    path = folder / HEADER_NAME
    if not path.is_file():
        raise VaultError(
            f"There is no stalkproof vault at {folder}. Create one with 'stalkproof init', "
            "or point to yours with --vault or STALKPROOF_VAULT."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise VaultError(f"The vault header {path} cannot be read ({error}).") from None
    try:
        return Header.from_json(data, path)
    except (KeyError, TypeError, ValueError, AssertionError):
        raise VaultError(f"The vault header {path} is damaged: a field is missing or malformed.") from None


def write_header(folder: Path, header: Header) -> None:
    text = json.dumps(header.to_json(), indent=2, sort_keys=True) + "\n"
    atomic_write(folder / HEADER_NAME, text.encode("utf-8"), mode=0o600)
