"""The vault: one folder holding the encrypted database, the encrypted originals and the ledger.

Every change goes through `Vault.write()`, which takes the writer lock, opens one transaction, ledgers
each row inside it, and publishes new blobs only after the commit. At the end of a command `close()`
signs a Merkle checkpoint over everything the ledger gained.
"""

from __future__ import annotations

import getpass
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import DatabaseError

from stalkproof import __version__
from stalkproof.clock import now_iso
from stalkproof.errors import IntegrityError, VaultError, WrongPassphraseError
from stalkproof.vault import migrate
from stalkproof.vault.blobs import BlobStore, Readable, StagedBlob
from stalkproof.vault.checkpoint import Checkpoint, sign
from stalkproof.vault.database import DATABASE_NAME, NEW_VAULT_CIPHER, server_engine, sqlcipher_engine
from stalkproof.vault.header import PASSPHRASE_SLOT, RECOVERY_SLOT, Header, read_header, write_header
from stalkproof.vault.keys import KdfParams, KeySet, new_recovery_code, normalise_recovery_code
from stalkproof.vault.ledger import Recorder
from stalkproof.vault.lock import WriterLock
from stalkproof.vault.merkle import Frontier
from stalkproof.vault.schema import blobs, checkpoints, ledger, settings

VAULT_OBJECT = "vault"


def vault_payload(header: Header) -> dict[str, Any]:
    """What the first ledger entry commits to: the vault's identity and public keys."""
    return {
        "vault_id": header.vault_id,
        "created_at": header.created_at,
        "age_recipient": header.blob_recipient,
        "ed25519": header.signing_public_key,
    }


@dataclass
class Writer:
    """What a write transaction offers: the connection, the ledger recorder and blob staging."""

    connection: Connection
    recorder: Recorder
    store: BlobStore
    staged: list[StagedBlob] = field(default_factory=list)

    def add_blob(self, source: Readable) -> StagedBlob:
        """Encrypt and record an original. The same bytes added twice are stored once."""
        blob = self.store.stage(source)
        self.staged.append(blob)
        exists = self.connection.execute(select(blobs.c.id).where(blobs.c.id == blob.sha256)).first()
        if exists is None:
            row = {
                "id": blob.sha256,
                "size": blob.size,
                "storage_name": blob.storage_name,
                "stored_at": self.recorder.now,
            }
            self.recorder.insert(blobs, row)
        return blob

    def add_blob_file(self, path: Path) -> StagedBlob:
        with path.open("rb") as handle:
            return self.add_blob(handle)


class Vault:
    def __init__(self, folder: Path, header: Header, keys: KeySet, engine: Engine) -> None:
        self.folder = folder
        self.header = header
        self.keys = keys
        self.engine = engine
        self.store = BlobStore(folder, keys.blob_recipient, keys.blob_identity, keys.blob_name_key)
        self.lock = WriterLock(folder)
        self.actor = _actor()
        self.changed = False

    # -- creating and opening -------------------------------------------------------------------------

    @classmethod
    def create(
        cls, folder: Path, passphrase: str, *, kdf: KdfParams | None = None, database_url: str | None = None
    ) -> tuple[Vault, str]:
        """Make a new vault. Returns it and the recovery code, which is shown once and never stored."""
        _check_new_passphrase(passphrase)
        _prepare_empty_folder(folder)
        keys, recovery_code = KeySet.generate(), new_recovery_code()
        header = Header(
            vault_id=uuid.uuid4().hex,
            created_at=now_iso(),
            kdf=kdf or KdfParams(),
            blob_recipient=keys.blob_recipient,
            signing_public_key=keys.verifier.public_bytes_raw().hex(),
            slots={},
            external_database=database_url is not None,
            database_cipher=NEW_VAULT_CIPHER,
        )
        header = header.with_slot(PASSPHRASE_SLOT, keys, passphrase)
        header = header.with_slot(RECOVERY_SLOT, keys, recovery_code)
        vault = cls(folder, header, keys, _engine(folder, header, keys, database_url))
        vault.store.create_folders()
        with vault.lock:
            vault._initialise_database()
            write_header(folder, header)
        _restrict(folder)
        vault.checkpoint()
        return vault, recovery_code

    @staticmethod
    def check_exists(folder: Path) -> None:
        """Raise a plain error if `folder` holds no vault."""
        read_header(folder)

    @classmethod
    def unlock(
        cls,
        folder: Path,
        *,
        passphrase: str | None = None,
        recovery_code: str | None = None,
        database_url: str | None = None,
    ) -> Vault:
        header = read_header(folder)
        if recovery_code is not None:
            keys = header.unlock(RECOVERY_SLOT, normalise_recovery_code(recovery_code))
        elif passphrase is not None:
            keys = header.unlock(PASSPHRASE_SLOT, passphrase)
        else:
            raise WrongPassphraseError("A passphrase is needed to open this vault.")
        if keys.verifier.public_bytes_raw().hex() != header.signing_public_key:
            raise IntegrityError(f"The vault header in {folder} does not match the vault's own keys.")
        _check_database_choice(header, database_url)
        vault = cls(folder, header, keys, _engine(folder, header, keys, database_url))
        vault._settle()
        return vault

    def _initialise_database(self) -> None:
        with self.engine.begin() as connection:
            if migrate.current_revision(connection) is not None:
                raise VaultError("That database already holds a stalkproof vault; use an empty one.")
            migrate.upgrade(connection)
            connection.execute(insert(settings), [{"key": "vault_id", "value": self.header.vault_id}])
            recorder = Recorder(connection, self.actor, self.header.created_at)
            recorder.record("create", VAULT_OBJECT, self.header.vault_id, vault_payload(self.header))
        self.changed = True

    def _settle(self) -> None:
        """Bring the vault to a consistent state after whatever happened last: migrate, finish or undo
        what a crashed command left staged, and check the database belongs to this vault."""
        with self.lock:
            try:
                self._prepare_database()
                self.store.recover(self._blob_recorded)
            except DatabaseError as error:
                raise IntegrityError(
                    f"The vault database is damaged and cannot be read ({error.orig}). "
                    "Your stored files are separate; restore vault.db from a backup if you have one."
                ) from None

    def _blob_recorded(self, storage_name: str) -> bool:
        """Asked only for files a crash left in staging, so opening a vault never lists every blob."""
        with self.engine.connect() as connection:
            query = select(blobs.c.id).where(blobs.c.storage_name == storage_name)
            return connection.execute(query).first() is not None

    def _prepare_database(self) -> None:
        """Migrate if needed, and check the database is this vault's."""
        with self.engine.begin() as connection:
            if migrate.pending(connection):
                migrate.upgrade(connection)
            stored_id = connection.execute(
                select(settings.c.value).where(settings.c.key == "vault_id")
            ).scalar()
            if stored_id != self.header.vault_id:
                raise VaultError("The database does not belong to this vault folder.")

    # -- reading and writing --------------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Writer]:
        with self.lock:
            writer: Writer | None = None
            try:
                with self.engine.begin() as connection:
                    writer = Writer(connection, Recorder(connection, self.actor, now_iso()), self.store)
                    yield writer
            except BaseException:
                for blob in writer.staged if writer else []:
                    self.store.discard(blob)
                raise
            for blob in writer.staged:
                self.store.publish(blob)
            self.changed = self.changed or writer.recorder.appended > 0

    # -- checkpoints ------------------------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint | None:
        """Sign the ledger's current Merkle root, if it grew since the last checkpoint."""
        with self.lock, self.engine.begin() as connection:
            size = connection.execute(select(func.count()).select_from(ledger)).scalar_one()
            last = connection.execute(select(checkpoints).order_by(checkpoints.c.seq.desc()).limit(1)).first()
            if last is not None and last.tree_size == size:
                return None
            frontier = self._resume_frontier(last)
            for (digest,) in connection.execute(
                select(ledger.c.entry_hash).where(ledger.c.seq > frontier.size).order_by(ledger.c.seq)
            ):
                frontier.append(bytes.fromhex(digest))
            created = now_iso()
            seq = (last.seq + 1) if last is not None else 1
            signed = sign(
                self.keys.signer, self.header.vault_id, seq, frontier.size, frontier.root().hex(), created
            )
            row = dict(vars(signed))
            row["frontier"] = json.dumps([node.hex() for node in frontier.state()])
            connection.execute(insert(checkpoints), [row])
        return signed

    def _resume_frontier(self, last: Any) -> Frontier:
        if last is None:
            return Frontier()
        frontier = Frontier.from_state(
            last.tree_size, [bytes.fromhex(node) for node in json.loads(last.frontier)]
        )
        stored = Checkpoint(
            last.seq, last.tree_size, last.root_hash, last.created_at, last.public_key, last.signature
        )
        if frontier.root().hex() != last.root_hash or not stored.signature_valid(
            self.header.vault_id, self.keys.verifier
        ):
            raise IntegrityError(
                "The last checkpoint does not check out, so no new one was signed. Run 'stalkproof verify'."
            )
        return frontier

    # -- keys ------------------------------------------------------------------------------------------

    def change_passphrase(self, new_passphrase: str) -> None:
        """Re-seal the key set under a new passphrase. The evidence is not touched."""
        _check_new_passphrase(new_passphrase)
        with self.lock:
            self.header = self.header.with_slot(PASSPHRASE_SLOT, self.keys, new_passphrase)
            write_header(self.folder, self.header)

    def replace_recovery_code(self) -> str:
        """A new recovery code for someone who fears the old one was seen: the old one stops working
        the moment the header is rewritten. Returns the new code, which is shown once and never stored."""
        code = new_recovery_code()
        with self.lock:
            self.header = self.header.with_slot(RECOVERY_SLOT, self.keys, code)
            write_header(self.folder, self.header)
        return code

    # -- lifetime --------------------------------------------------------------------------------------

    def close(self) -> None:
        if self.changed:
            self.checkpoint()
            self.changed = False
        self.engine.dispose()

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return f"{user} (stalkproof {__version__})"


def _engine(folder: Path, header: Header, keys: KeySet, database_url: str | None) -> Engine:
    if database_url:
        return server_engine(database_url)
    return sqlcipher_engine(folder / DATABASE_NAME, keys.database_key, header.database_cipher)


def _check_database_choice(header: Header, database_url: str | None) -> None:
    if header.external_database and not database_url:
        raise VaultError("This vault keeps its records on a database server: set STALKPROOF_DATABASE_URL.")
    if not header.external_database and database_url:
        raise VaultError("This vault keeps its records in its own folder: unset STALKPROOF_DATABASE_URL.")


def _check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < 8:
        raise VaultError(
            "Please choose a passphrase of at least 8 characters; a few unrelated words work well."
        )


def _restrict(folder: Path) -> None:
    """Owner-only access whatever the caller's umask; SQLite gives its journal files the database's mode."""
    folder.chmod(0o700)
    for path in folder.iterdir():
        path.chmod(0o700 if path.is_dir() else 0o600)


def _prepare_empty_folder(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise VaultError(f"{folder} already has files in it. Choose a new or empty folder for the vault.")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
