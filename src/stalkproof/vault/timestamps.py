"""RFC 3161 timestamps on signed checkpoints: an outside authority's signed word on *when*.

A checkpoint proves what the ledger held; its `created_at` is only this computer's clock. A receipt from a
time-stamping authority (TSA) shows the checkpoint's signed message existed by the TSA's `genTime`, so
nothing it covers can have been made up later. It is optional and the only network use in stalkproof: the
user asks for it, and only the SHA-256 of the checkpoint's signed message leaves the machine.

A checkpoint the user asked to timestamp is queued (in `settings`, which is not evidence) until a receipt
is stored, so a request made offline is retried by the next one. Receipts live in the vault's ledgered
`timestamps` table, which links a checkpoint to the TSA's response (a blob) in one transaction.
"""

from __future__ import annotations

import hashlib
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)
from sqlalchemy import Connection, delete, insert, select

from stalkproof.clock import utc_iso
from stalkproof.errors import StalkproofError
from stalkproof.evidence.ids import new_id
from stalkproof.vault.checkpoint import Checkpoint
from stalkproof.vault.ledger import complete_row
from stalkproof.vault.schema import blobs, checkpoints, settings, timestamps
from stalkproof.vault.vault import Vault

DEFAULT_TSA_URL = "https://freetsa.org/tsr"
QUEUE_KEY = "timestamp_queue"
TIMEOUT_SECONDS = 30.0
# A TSA's reply is a few kilobytes; anything far larger is not one.
MAX_REPLY_BYTES = 1 << 20
SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")

# Sends a request body to a URL and returns the reply body. Tests pass their own; only `_post` touches
# the network.
Transport = Callable[[str, bytes], bytes]


class TimestampError(StalkproofError):
    """The TSA could not be reached, or its reply cannot be used. Nothing was stored."""


@dataclass(frozen=True)
class Receipt:
    seq: int
    der: bytes  # the TSA's whole reply (TimeStampResp), as `openssl ts -verify -in` reads it
    tsa_url: str
    gen_time: str
    serial: str
    message_sha256: str
    ca_pem: bytes | None = None


@dataclass(frozen=True)
class ReceiptCheck:
    """`ok`: every check that could be made passed. `trusted`: the signature was checked up to the CA
    certificate given; without one only the reply's content is checked, not who signed it."""

    ok: bool
    trusted: bool
    gen_time: str | None
    serial: str | None
    problem: str | None = None


@dataclass
class Outcome:
    stored: list[Receipt] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)
    failure: str | None = None


# -- asking for timestamps ----------------------------------------------------------------------------


def request_timestamps(
    vault: Vault, tsa_url: str = DEFAULT_TSA_URL, ca_pem: bytes | None = None, send: Transport | None = None
) -> Outcome:
    """Queue the latest checkpoint, then ask the TSA for a receipt for each queued one, oldest first.
    Stops at the first failure: what is stored stays stored, the rest stays queued."""
    _check_url(tsa_url)
    roots = _load_ca(ca_pem) if ca_pem is not None else None
    vault.checkpoint()  # whatever an interrupted command left unsigned is covered first
    _enqueue(vault, _latest_seq(vault))
    outcome = Outcome()
    for seq in queued_checkpoints(vault):
        try:
            receipt = _obtain(vault, seq, tsa_url, ca_pem, roots, send or _post)
        except TimestampError as error:
            outcome.failure = error.message
            break
        _store(vault, receipt)
        outcome.stored.append(receipt)
    outcome.queued = queued_checkpoints(vault)
    return outcome


def queued_checkpoints(vault: Vault) -> list[int]:
    """Checkpoints the user asked to timestamp that have no receipt yet, oldest first."""
    with vault.read() as connection:
        wanted = _read_queue(connection)
        done = set(connection.execute(select(timestamps.c.checkpoint_seq)).scalars())
    return sorted(seq for seq in wanted if seq not in done)


def checkpoint_hash(vault: Vault, seq: int) -> bytes:
    """SHA-256 of the checkpoint's signed message: the only thing sent to a TSA."""
    return hashlib.sha256(_message(vault, seq)).digest()


def _message(vault: Vault, seq: int) -> bytes:
    with vault.read() as connection:
        row = connection.execute(select(checkpoints).where(checkpoints.c.seq == seq)).first()
    if row is None:
        raise TimestampError(f"There is no checkpoint {seq} in this vault.")
    fields = {k: v for k, v in row._mapping.items() if k != "frontier"}
    return Checkpoint(**fields).message(vault.header.vault_id)


def _obtain(
    vault: Vault,
    seq: int,
    tsa_url: str,
    ca_pem: bytes | None,
    roots: list[x509.Certificate] | None,
    send: Transport,
) -> Receipt:
    message = _message(vault, seq)
    digest = hashlib.sha256(message).digest()
    # The builder is given the message only to hash it here: what it encodes and sends is the digest.
    request = TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256).build()
    if request.message_imprint.message != digest:
        raise TimestampError("The timestamp request did not carry the checkpoint's hash; nothing was sent.")
    reply = send(tsa_url, request.as_bytes())
    response = _decode(reply)
    if response is None:
        raise TimestampError(f"The reply from {tsa_url} is not a timestamp response, so it was not kept.")
    problem = _reply_problem(response, digest, request.nonce)
    if problem is None and roots is not None:
        problem = _signature_problem(response, digest, roots)
    if problem:
        raise TimestampError(f"The reply from {tsa_url} was not kept: {problem}.")
    info = response.tst_info
    return Receipt(seq, reply, tsa_url, utc_iso(info.gen_time), str(info.serial_number), digest.hex(), ca_pem)


def _decode(reply: bytes) -> TimeStampResponse | None:
    try:
        return decode_timestamp_response(reply)
    except ValueError:
        return None


def _reply_problem(response: TimeStampResponse, digest: bytes, nonce: int | None) -> str | None:
    """Status granted, our hash, our nonce: otherwise the reply is not a receipt for this request."""
    if response.status != PKIStatus.GRANTED:
        said = "; ".join(response.status_string) or f"status {response.status}"
        return f"the service refused the request ({said})"
    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm != SHA256_OID or imprint.message != digest:
        return "it is for a different hash"
    if nonce is not None and response.tst_info.nonce != nonce:
        return "it does not answer this request (its nonce differs)"
    return None


def _post(url: str, body: bytes) -> bytes:
    """The one network call. Follows the system's proxy settings, like any other program."""
    _check_url(url)  # http(s) only: urllib would also open file: and ftp: addresses
    request = urllib.request.Request(  # noqa: S310 (scheme checked just above)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:  # noqa: S310
            data: bytes = reply.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise TimestampError(
            f"The timestamp service at {url} answered with an error ({error.code})."
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, OSError) and reason.strerror:
            reason = reason.strerror  # "Connection refused", not "[Errno 111] Connection refused"
        raise TimestampError(f"Could not reach the timestamp service at {url} ({reason}).") from None
    if len(data) > MAX_REPLY_BYTES:
        raise TimestampError(f"The reply from {url} is far too large to be a timestamp.")
    return data


def _check_url(url: str) -> None:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise TimestampError(f"'{url}' is not a web address (http:// or https://) of a timestamp service.")


# -- storing -------------------------------------------------------------------------------------------


def _store(vault: Vault, receipt: Receipt) -> None:
    """The reply, the CA certificate if given, and the row linking them: all in one transaction."""
    with vault.write() as writer:
        blob = writer.add_blob(io.BytesIO(receipt.der))
        ca_blob = writer.add_blob(io.BytesIO(receipt.ca_pem)) if receipt.ca_pem else None
        row = complete_row(
            timestamps,
            {
                "id": new_id(),
                "checkpoint_seq": receipt.seq,
                "message_sha256": receipt.message_sha256,
                "blob_id": blob.sha256,
                "ca_blob_id": ca_blob.sha256 if ca_blob else None,
                "tsa_url": receipt.tsa_url,
                "gen_time": receipt.gen_time,
                "serial_number": receipt.serial,
                "created_at": writer.recorder.now,
            },
        )
        writer.recorder.insert(timestamps, row)
        _write_queue(writer.connection, [s for s in _read_queue(writer.connection) if s != receipt.seq])


def timestamp_receipts(vault: Vault) -> list[Receipt]:
    """Every stored receipt, by checkpoint then time: for `timestamps/<seq>.tsr` in a pack."""
    with vault.read() as connection:
        rows = connection.execute(
            select(timestamps).order_by(timestamps.c.checkpoint_seq, timestamps.c.created_at)
        ).all()
        wanted = {row.blob_id for row in rows} | {row.ca_blob_id for row in rows if row.ca_blob_id}
        found = connection.execute(select(blobs.c.id, blobs.c.storage_name).where(blobs.c.id.in_(wanted)))
        names = {row.id: row.storage_name for row in found}
    return [
        Receipt(
            row.checkpoint_seq,
            _blob_bytes(vault, names[row.blob_id]),
            row.tsa_url,
            row.gen_time,
            row.serial_number,
            row.message_sha256,
            _blob_bytes(vault, names[row.ca_blob_id]) if row.ca_blob_id else None,
        )
        for row in rows
    ]


def _blob_bytes(vault: Vault, storage_name: str) -> bytes:
    buffer = io.BytesIO()
    vault.store.copy_out(storage_name, buffer)
    return buffer.getvalue()


# -- the queue: an intention, not evidence, so it is kept in `settings` and not ledgered -------------------


def _latest_seq(vault: Vault) -> int:
    with vault.read() as connection:
        seq = connection.execute(
            select(checkpoints.c.seq).order_by(checkpoints.c.seq.desc()).limit(1)
        ).scalar()
    if seq is None:
        raise TimestampError("This vault has no signed checkpoint yet. Run 'stalkproof verify' to check it.")
    return int(seq)


def _enqueue(vault: Vault, seq: int) -> None:
    with vault.lock, vault.engine.begin() as connection:
        done = connection.execute(select(timestamps.c.id).where(timestamps.c.checkpoint_seq == seq)).first()
        wanted = _read_queue(connection)
        if done is None and seq not in wanted:
            _write_queue(connection, [*wanted, seq])


def _read_queue(connection: Connection) -> list[int]:
    text = connection.execute(select(settings.c.value).where(settings.c.key == QUEUE_KEY)).scalar()
    return [int(seq) for seq in json.loads(text)] if text else []


def _write_queue(connection: Connection, seqs: list[int]) -> None:
    connection.execute(delete(settings).where(settings.c.key == QUEUE_KEY))
    if seqs:
        connection.execute(insert(settings), [{"key": QUEUE_KEY, "value": json.dumps(sorted(set(seqs)))}])


# -- checking a receipt ------------------------------------------------------------------------------------


def verify_receipt(der: bytes, message_hash: bytes, ca_pem: bytes | None = None) -> ReceiptCheck:
    """Check a stored reply against the SHA-256 of a checkpoint's signed message. With the TSA's CA
    certificate(s) the signature is checked too, as `openssl ts -verify -digest HEX -in SEQ.tsr -CAfile
    tsa-ca.pem` does."""
    response = _decode(der)
    if response is None:
        return ReceiptCheck(False, False, None, None, "it is not a timestamp response")
    info = response.tst_info
    when, serial = utc_iso(info.gen_time), str(info.serial_number)
    problem = _reply_problem(response, message_hash, None)
    if problem or ca_pem is None:
        return ReceiptCheck(problem is None, False, when, serial, problem)
    try:
        roots = _load_ca(ca_pem)
    except TimestampError as error:
        return ReceiptCheck(False, False, when, serial, error.message)
    problem = _signature_problem(response, message_hash, roots)
    return ReceiptCheck(problem is None, problem is None, when, serial, problem)


def _signature_problem(
    response: TimeStampResponse, digest: bytes, roots: list[x509.Certificate]
) -> str | None:
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify(response, digest)
    except VerificationError as error:
        return f"its signature does not check out against the CA certificate ({error})"
    return None


def _load_ca(ca_pem: bytes) -> list[x509.Certificate]:
    try:
        roots = x509.load_pem_x509_certificates(ca_pem)
    except ValueError:
        raise TimestampError("The CA certificate file is not a PEM certificate.") from None
    return roots
