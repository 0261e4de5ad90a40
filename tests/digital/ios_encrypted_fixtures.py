"""FIXTURE WRITER, test code only: turns a synthetic plain iPhone backup into an encrypted one.

There is no public encrypted backup to test with, so this does the inverse of what `iphone_backup_decrypt`
does when it reads one, composed from standard primitives (pycryptodome's AES and PBKDF2):

- a key bag (Manifest.plist "BackupKeyBag", tag-length-value records) holding one random key per protection
  class, each wrapped (AES key wrap, RFC 3394) with a key derived from the password by PBKDF2-SHA256 then
  PBKDF2-SHA1, with the salts and iteration counts stored in the key bag;
- Manifest.db encrypted with AES-CBC (zero IV, PKCS#7 padding) under a random key, stored wrapped by a
  class key in Manifest.plist "ManifestKey" (4-byte little-endian class, then the wrapped key);
- every file encrypted the same way under its own random key, stored wrapped by its class key in its
  Manifest.db record ("EncryptionKey": 4-byte class, then the wrapped key).

Iteration counts are tiny so the tests stay quick; the library reads them from the key bag. Nothing here is
used by stalkproof itself, which only ever decrypts through the library.
"""

from __future__ import annotations

import plistlib
import random
import shutil
import sqlite3
import struct
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES
from Crypto.Hash import SHA1, SHA256
from Crypto.Protocol.KDF import PBKDF2
from Crypto.Util.Padding import pad

from digital import ios_fixtures as fx

PASSWORD = "correct horse battery staple"
FILE_CLASS = 3  # the class the plain fixture's records name ("ProtectionClass": 3)
MANIFEST_CLASS = 4
CLASSES = (1, 2, 3, 4, 5, 6, 7, 11)
KEY_BAG_ITERATIONS = {"DPIC": 3, "ITER": 2}
_WRAP_INITIAL_VALUE = bytes.fromhex("A6A6A6A6A6A6A6A6")
_WRAPPED_BY_PASSWORD = 2
_ZERO_IV = bytes(16)


def aes_key_wrap(kek: bytes, key: bytes) -> bytes:
    """RFC 3394 section 2.2.1, with AES as the block cipher (checked against the RFC's vector in a test)."""
    blocks = [key[index : index + 8] for index in range(0, len(key), 8)]
    check = _WRAP_INITIAL_VALUE
    cipher = AES.new(kek, AES.MODE_ECB)
    for round_ in range(6):
        for index, block in enumerate(blocks):
            mixed = cipher.encrypt(check + block)
            step = len(blocks) * round_ + index + 1
            check = (int.from_bytes(mixed[:8], "big") ^ step).to_bytes(8, "big")
            blocks[index] = mixed[8:]
    return check + b"".join(blocks)


def aes_cbc_encrypt(key: bytes, data: bytes) -> bytes:
    return AES.new(key, AES.MODE_CBC, iv=_ZERO_IV).encrypt(pad(data, AES.block_size))


def password_key(password: str, dpsl: bytes, salt: bytes, iterations: dict[str, int]) -> bytes:
    first = PBKDF2(password.encode(), dpsl, 32, count=iterations["DPIC"], hmac_hash_module=SHA256)
    return PBKDF2(first, salt, 32, count=iterations["ITER"], hmac_hash_module=SHA1)


def _record(tag: bytes, value: bytes | int) -> bytes:
    data = struct.pack(">L", value) if isinstance(value, int) else value
    return tag + struct.pack(">L", len(data)) + data


@dataclass
class Keys:
    """The secrets of one encrypted backup: class keys, and the random source for the per-file keys."""

    rng: random.Random
    class_keys: dict[int, bytes]
    manifest_key: bytes

    @classmethod
    def generate(cls, seed: int) -> Keys:
        rng = random.Random(seed)
        return cls(rng, {number: rng.randbytes(32) for number in CLASSES}, rng.randbytes(32))

    def key_bag(self, password: str, iterations: dict[str, int]) -> bytes:
        dpsl, salt = self.rng.randbytes(20), self.rng.randbytes(20)
        unlock = password_key(password, dpsl, salt, iterations)
        parts = [
            _record(b"VERS", 3),
            _record(b"TYPE", 1),  # a backup key bag
            _record(b"UUID", self.rng.randbytes(16)),
            _record(b"HMCK", self.rng.randbytes(40)),
            _record(b"WRAP", 0),
            _record(b"SALT", salt),
            _record(b"ITER", iterations["ITER"]),
            _record(b"DPWT", 1),
            _record(b"DPIC", iterations["DPIC"]),
            _record(b"DPSL", dpsl),
        ]
        for number, key in self.class_keys.items():
            parts += [
                _record(b"UUID", self.rng.randbytes(16)),
                _record(b"CLAS", number),
                _record(b"WRAP", _WRAPPED_BY_PASSWORD),
                _record(b"KTYP", 0),
                _record(b"WPKY", aes_key_wrap(unlock, key)),
            ]
        return b"".join(parts)

    def wrapped(self, protection_class: int, key: bytes) -> bytes:
        return struct.pack("<l", protection_class) + aes_key_wrap(self.class_keys[protection_class], key)


def with_encryption_key(blob: bytes, wrapped_key: bytes, *, size: int | None = None) -> bytes:
    """A Manifest.db record (keyed archive) with an "EncryptionKey" object added, as iOS writes it."""
    archive = plistlib.loads(blob)
    objects: list[Any] = archive["$objects"]
    record = objects[archive["$top"]["root"].data]
    objects.append({"$classname": "NSMutableData", "$classes": ["NSMutableData", "NSData", "NSObject"]})
    objects.append({"NS.data": wrapped_key, "$class": plistlib.UID(len(objects) - 1)})
    record["EncryptionKey"] = plistlib.UID(len(objects) - 1)
    if size is not None:
        record["Size"] = size
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


def encrypt_backup(
    plain: Path,
    out: Path,
    *,
    password: str = PASSWORD,
    seed: int = 7,
) -> Path:
    """Write at `out` the encrypted form of the plain backup at `plain` (which is left as it was)."""
    keys = Keys.generate(seed)
    out.mkdir(parents=True)
    for name in ("Info.plist", "Status.plist"):
        shutil.copyfile(plain / name, out / name)
    memory = sqlite3.connect(":memory:")
    with closing(sqlite3.connect(plain / "Manifest.db")) as source:
        source.backup(memory)
    rows = memory.execute("SELECT fileID, file FROM Files WHERE flags = 1").fetchall()
    for file_id, blob in rows:
        content = (plain / file_id[:2] / file_id).read_bytes()
        file_key = keys.rng.randbytes(32)
        stored = out / file_id[:2] / file_id
        stored.parent.mkdir(exist_ok=True)
        stored.write_bytes(aes_cbc_encrypt(file_key, content))
        # iOS often records a database's size before its last write: the library notes the difference.
        size = len(content) + 4096 if b".db" in blob else None
        new_blob = with_encryption_key(blob, keys.wrapped(FILE_CLASS, file_key), size=size)
        memory.execute("UPDATE Files SET file = ? WHERE fileID = ?", (new_blob, file_id))
    memory.commit()
    (out / "Manifest.db").write_bytes(aes_cbc_encrypt(keys.manifest_key, memory.serialize()))
    memory.close()
    manifest = plistlib.loads((plain / "Manifest.plist").read_bytes())
    manifest["IsEncrypted"] = True
    manifest["BackupKeyBag"] = keys.key_bag(password, KEY_BAG_ITERATIONS)
    manifest["ManifestKey"] = keys.wrapped(MANIFEST_CLASS, keys.manifest_key)
    (out / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
    return out


def restate_iterations(backup: Path, tag: bytes, count: int) -> None:
    """Change an iteration count the key bag states (deriving nothing again), as a hostile file might."""
    manifest = plistlib.loads((backup / "Manifest.plist").read_bytes())
    old = _record(tag, KEY_BAG_ITERATIONS[tag.decode()])
    assert manifest["BackupKeyBag"].count(old) == 1
    manifest["BackupKeyBag"] = manifest["BackupKeyBag"].replace(old, _record(tag, count))
    (backup / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))


def encrypted_twin(build: Callable[[Path], Path], folder: Path, **options: Any) -> tuple[Path, Path]:
    """A plain synthetic backup made by `build` and its encrypted twin: (plain, encrypted)."""
    plain = build(folder / "plain" / "00008110-000A1B2C3D4E5F60")
    return plain, encrypt_backup(plain, folder / "encrypted" / "00008110-000A1B2C3D4E5F60", **options)


def history_with_unsaved_visit(folder: Path, visit: str) -> tuple[bytes, bytes]:
    """A Safari History.db in log mode whose last visit (`visit`) is only in its `-wal` file: (db, log)."""
    path = folder / "History.db"
    path.write_bytes(fx.safari_history([("https://www.example.org/", fx.BACKUP_DATE)]))
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO history_items (url, visit_count) VALUES (?, 1)", (visit,))
    writer.execute(
        "INSERT INTO history_visits (history_item, visit_time) VALUES (last_insert_rowid(), 7.7e8)"
    )
    writer.commit()
    # Read while the writer is open: closing it would fold the log into the database.
    database, log = path.read_bytes(), path.with_name("History.db-wal").read_bytes()
    writer.close()
    return database, log
