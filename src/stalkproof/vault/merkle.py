"""RFC 6962 / RFC 9162 Merkle tree hashing (SHA-256) for vault checkpoints.

The vault keeps a hash-chained ledger of evidence events.  A hash chain alone
proves order and integrity, but to show that one exhibit's ledger entry is part
of a signed state you would have to hand over every other entry as well.  The
vault therefore also signs Merkle *checkpoints* (tree size + root) over the
ledger: an inclusion proof then shows that a single entry is in the signed tree
while revealing only ``O(log n)`` opaque hashes of the others, and a consistency
proof shows that a later checkpoint only ever appended to an earlier one.

We follow RFC 6962 (Certificate Transparency) rather than an ad hoc tree
because its hashing is domain separated: leaves are hashed as
``SHA256(0x00 || data)`` and interior nodes as ``SHA256(0x01 || left || right)``.
Without the prefixes an interior node (the concatenation of two child hashes)
could be presented as a 64-byte "leaf", giving a second preimage of the root
for a different tree.  The tree shape (split at the largest power of two below
``n``) is also fixed by the RFC, so proofs can be checked by any independent
RFC 6962 / RFC 9162 verifier, not just by this code.

Proof *generators* raise ``ValueError`` on bad arguments because that is a bug
in the caller; *verifiers* return ``False`` and never raise, because their
inputs come from exhibits and files that may have been tampered with.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Return ``SHA256(0x00 || data)``, the RFC 6962 hash of a leaf."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return ``SHA256(0x01 || left || right)``, the RFC 6962 interior node hash."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (``n >= 2``): RFC 6962's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """Incremental Merkle tree root builder with ``O(log n)`` memory.

    Any RFC 6962 tree of size ``n`` is a right-leaning chain of perfect
    subtrees, one per set bit of ``n`` (largest first).  Keeping only those
    subtree roots lets us walk a long ledger once and read off the root at every
    checkpoint size without holding the ledger in memory.
    """

    __slots__ = ("_size", "_stack")

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[bytes] = []

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @classmethod
    def from_state(cls, size: int, stack: Sequence[bytes]) -> Frontier:
        """Resume from a saved `state()`. One subtree root per set bit of `size`, largest first."""
        if size < 0 or len(stack) != size.bit_count() or any(len(h) != HASH_SIZE for h in stack):
            raise ValueError("a Merkle frontier needs one 32-byte hash per set bit of its size")
        frontier = cls()
        frontier._size = size
        frontier._stack = list(stack)
        return frontier

    def state(self) -> list[bytes]:
        """The perfect-subtree roots, largest first: enough to carry on appending later."""
        return list(self._stack)

    def append(self, data: bytes) -> None:
        """Append one leaf (raw data; it is hashed as a leaf here)."""
        h = leaf_hash(data)
        n = self._size
        # Each trailing 1 bit of the old size is a perfect subtree of the same
        # height as the one we are carrying, so they merge like binary carries.
        while n & 1:
            h = node_hash(self._stack.pop(), h)
            n >>= 1
        self._stack.append(h)
        self._size += 1

    def root(self) -> bytes:
        """Return the Merkle tree hash of all leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        # Fold right to left: the smaller subtrees form the right-hand side of
        # every RFC 6962 split.
        acc = self._stack[-1]
        for h in reversed(self._stack[:-1]):
            acc = node_hash(h, acc)
        return acc


def root(leaves: Sequence[bytes]) -> bytes:
    """Return the RFC 6962 Merkle tree hash ``MTH`` of the leaf *data*."""
    frontier = Frontier()
    for data in leaves:
        frontier.append(data)
    return frontier.root()


def _subtree_root(hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """``MTH`` of the already leaf-hashed range ``hashes[lo:hi]`` (non-empty)."""
    if hi - lo == 1:
        return hashes[lo]
    mid = lo + _split(hi - lo)
    return node_hash(_subtree_root(hashes, lo, mid), _subtree_root(hashes, mid, hi))


def _resolve_size(leaves: Sequence[bytes], size: int | None) -> int:
    n = len(leaves) if size is None else size
    if not 0 <= n <= len(leaves):
        raise ValueError(f"tree size {n} out of range 0..{len(leaves)}")
    return n


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """Return the RFC 6962 audit path ``PATH(index, D[size])``, leaf upwards.

    ``size`` defaults to ``len(leaves)``; only the first ``size`` leaves count.
    """
    n = _resolve_size(leaves, size)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} out of range for tree size {n}")
    hashes = [leaf_hash(d) for d in leaves[:n]]
    path: list[bytes] = []
    lo, hi = 0, n
    # Descend from the root; each level contributes the root of the half that
    # does not contain the leaf.  Collected top-down, so reversed at the end.
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            path.append(_subtree_root(hashes, mid, hi))
            hi = mid
        else:
            path.append(_subtree_root(hashes, lo, mid))
            lo = mid
    path.reverse()
    return path


def _well_formed(hashes: Sequence[bytes]) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def _same(a: bytes, b: bytes) -> bool:
    return isinstance(a, bytes) and isinstance(b, bytes) and hmac.compare_digest(a, b)


def verify_inclusion(data: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Check that ``data`` is leaf ``index`` of the size-``size`` tree with ``root``.

    Implements the verifier of RFC 9162 section 2.1.3.2.  Never raises.
    """
    if not (isinstance(data, bytes) and 0 <= index < size and _well_formed(proof)):
        return False
    fn, sn = index, size - 1
    r = leaf_hash(data)
    for p in proof:
        if sn == 0:
            return False  # proof longer than the tree is tall
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # On the right edge of an unbalanced tree a node has no sibling at
            # some levels; skip those levels, they add no hash.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and _same(r, root)


def _subproof(hashes: Sequence[bytes], m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
    """RFC 6962 ``SUBPROOF(m, hashes[lo:hi], whole)``, in RFC output order."""
    n = hi - lo
    if m == n:
        # The old tree's root is known to the verifier only when it is this
        # whole subtree from the start (``whole``); otherwise it must be sent.
        return [] if whole else [_subtree_root(hashes, lo, hi)]
    k = _split(n)
    if m <= k:
        return [*_subproof(hashes, m, lo, lo + k, whole), _subtree_root(hashes, lo + k, hi)]
    return [*_subproof(hashes, m - k, lo + k, hi, False), _subtree_root(hashes, lo, lo + k)]


def consistency_proof(leaves: Sequence[bytes], old_size: int, new_size: int | None = None) -> list[bytes]:
    """Return the RFC 6962 consistency proof ``PROOF(old_size, D[new_size])``.

    ``new_size`` defaults to ``len(leaves)``.  The proof is empty when
    ``old_size`` is 0 or equal to ``new_size``: there is nothing to prove.
    """
    n = _resolve_size(leaves, new_size)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} out of range 0..{n}")
    if old_size in (0, n):
        return []
    hashes = [leaf_hash(d) for d in leaves[:n]]
    return _subproof(hashes, old_size, 0, n, True)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check that the ``old_size`` tree with ``old_root`` is a prefix of the new one.

    Implements the verifier of RFC 9162 section 2.1.4.2 for
    ``0 < old_size < new_size``.  RFC 9162 only defines proofs for that range,
    so the trivial cases are handled explicitly and fail closed: equal sizes
    need an empty proof and identical roots; ``old_size == 0`` needs an empty
    proof and ``old_root`` equal to the empty-tree hash (the empty tree is a
    prefix of every tree, so ``new_root`` is not constrained).  Never raises.
    """
    if not (0 <= old_size <= new_size and _well_formed(proof)):
        return False
    if old_size == 0:
        return not proof and _same(old_root, EMPTY_ROOT)
    if old_size == new_size:
        return not proof and _same(old_root, new_root)
    if not proof:
        return False
    path = list(proof)
    # When the old tree is a perfect subtree of the new one, the generator
    # leaves its root out because the verifier already has it.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    return _check_consistency_path(old_size - 1, new_size - 1, path, old_root, new_root)


def _check_consistency_path(fn: int, sn: int, path: list[bytes], old_root: bytes, new_root: bytes) -> bool:
    # Levels where the old tree's last leaf is a right child are shared
    # wholesale with the new tree, so they are skipped before hashing starts.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            # A left sibling belongs to both trees: it feeds both roots.
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            # A right sibling exists only in the new tree.
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and _same(fr, old_root) and _same(sr, new_root)
