"""The signed bundle: originals, chronology, ledger extract, signed checkpoint, inclusion proofs, and a
manifest signed with the vault's key, all checkable with sha256sum and OpenSSL alone."""

from stalkproof.report.bundle.build import PackResult, build_pack

__all__ = ["PackResult", "build_pack"]
