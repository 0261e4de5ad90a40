"""Signed Merkle checkpoints over the ledger.

A checkpoint states "the first N ledger entries have this RFC 6962 root", signed with the vault's Ed25519
key. Anyone with the public key can check it; an inclusion proof then shows one entry belongs to it
without revealing the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    tree_size: int
    root_hash: str
    created_at: str
    public_key: str
    signature: str

    def message(self, vault_id: str) -> bytes:
        return checkpoint_message(vault_id, self.seq, self.tree_size, self.root_hash, self.created_at)

    def signature_valid(self, vault_id: str, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(bytes.fromhex(self.signature), self.message(vault_id))
        except (InvalidSignature, ValueError):
            return False
        return True


def checkpoint_message(vault_id: str, seq: int, tree_size: int, root_hash: str, created_at: str) -> bytes:
    """Plain text, so a person can read what was signed and re-create it with standard tools."""
    return (
        "stalkproof checkpoint v1\n"
        f"vault: {vault_id}\n"
        f"checkpoint: {seq}\n"
        f"tree_size: {tree_size}\n"
        f"root_sha256: {root_hash}\n"
        f"created_at: {created_at}\n"
    ).encode()


def sign(
    key: Ed25519PrivateKey, vault_id: str, seq: int, tree_size: int, root_hash: str, created_at: str
) -> Checkpoint:
    public = key.public_key().public_bytes_raw().hex()
    signature = key.sign(checkpoint_message(vault_id, seq, tree_size, root_hash, created_at)).hex()
    return Checkpoint(seq, tree_size, root_hash, created_at, public, signature)
