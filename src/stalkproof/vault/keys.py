"""The vault's secrets, and how they are sealed under a passphrase or the recovery code.

A random key set is made once at `init`. It is sealed (ChaCha20-Poly1305) under a key stretched from the
passphrase with Argon2id, and separately under one stretched from the recovery code, so either unlocks the
vault and changing the passphrase re-seals four small keys instead of re-encrypting the evidence.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass

import pyrage
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from stalkproof.errors import InputError, WrongPassphraseError

# Crockford's base32 avoids letters that are easy to misread when copied by hand (I, L, O, U).
_RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECOVERY_LENGTH = 32  # 32 symbols x 5 bits = 160 bits: far beyond guessing, and still writable on paper


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Stored in the plaintext header so any copy of the vault can be opened later."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 4

    def to_json(self) -> dict[str, int | str]:
        return {
            "algorithm": "argon2id",
            "time_cost": self.time_cost,
            "memory_cost_kib": self.memory_cost_kib,
            "parallelism": self.parallelism,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> KdfParams:
        if data.get("algorithm") != "argon2id":
            raise InputError(f"unknown key derivation {data.get('algorithm')!r} in the vault header")
        return cls(
            int(str(data["time_cost"])), int(str(data["memory_cost_kib"])), int(str(data["parallelism"]))
        )


@dataclass(frozen=True)
class Sealed:
    """One sealed copy of the key set: what unlocking with one secret needs, minus the secret."""

    salt: bytes
    nonce: bytes
    ciphertext: bytes

    def to_json(self) -> dict[str, str]:
        return {name: base64.b64encode(value).decode() for name, value in vars(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Sealed:
        return cls(*(base64.b64decode(data[name]) for name in ("salt", "nonce", "ciphertext")))


@dataclass(frozen=True)
class KeySet:
    """Every secret of one vault. Lives only in memory once unsealed."""

    database_key: bytes
    blob_identity: str
    signing_key: bytes
    blob_name_key: bytes

    @classmethod
    def generate(cls) -> KeySet:
        signing = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(
            database_key=secrets.token_bytes(32),
            blob_identity=str(pyrage.x25519.Identity.generate()),
            signing_key=signing,
            blob_name_key=secrets.token_bytes(32),
        )

    @property
    def blob_recipient(self) -> str:
        return str(pyrage.x25519.Identity.from_str(self.blob_identity).to_public())

    @property
    def signer(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.signing_key)

    @property
    def verifier(self) -> Ed25519PublicKey:
        return self.signer.public_key()

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "database_key": self.database_key.hex(),
                "blob_identity": self.blob_identity,
                "signing_key": self.signing_key.hex(),
                "blob_name_key": self.blob_name_key.hex(),
            }
        ).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> KeySet:
        data = json.loads(raw)
        return cls(
            database_key=bytes.fromhex(data["database_key"]),
            blob_identity=data["blob_identity"],
            signing_key=bytes.fromhex(data["signing_key"]),
            blob_name_key=bytes.fromhex(data["blob_name_key"]),
        )


def stretch(secret: str, salt: bytes, params: KdfParams) -> bytes:
    return bytes(
        hash_secret_raw(
            secret=secret.encode("utf-8"),
            salt=salt,
            time_cost=params.time_cost,
            memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism,
            hash_len=32,
            type=Type.ID,
        )
    )


def seal(keys: KeySet, secret: str, params: KdfParams, context: bytes) -> Sealed:
    """Seal the key set under `secret`. `context` binds the result to one vault and one slot."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    wrapping_key = stretch(secret, salt, params)
    return Sealed(salt, nonce, ChaCha20Poly1305(wrapping_key).encrypt(nonce, keys.to_bytes(), context))


def unseal(sealed: Sealed, secret: str, params: KdfParams, context: bytes) -> KeySet:
    wrapping_key = stretch(secret, sealed.salt, params)
    try:
        raw = ChaCha20Poly1305(wrapping_key).decrypt(sealed.nonce, sealed.ciphertext, context)
    except InvalidTag:
        raise WrongPassphraseError("That passphrase does not open this vault. Nothing was changed.") from None
    return KeySet.from_bytes(raw)


def new_recovery_code() -> str:
    symbols = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(symbols[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def normalise_recovery_code(code: str) -> str:
    """Accept the code as people copy it back: any case, spaces or dashes, O for 0, I or L for 1."""
    cleaned = code.upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != _RECOVERY_LENGTH or any(c not in _RECOVERY_ALPHABET for c in cleaned):
        raise WrongPassphraseError(
            "That recovery code is not in the right form: it has 32 letters and digits, in groups of four."
        )
    return "-".join(cleaned[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))
