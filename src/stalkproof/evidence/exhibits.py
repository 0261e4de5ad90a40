"""Exhibits: originals kept byte for byte, labelled as the police and courts expect."""

from __future__ import annotations

import io
import mimetypes
from dataclasses import dataclass, fields
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, func, or_, select

from stalkproof.errors import InputError, NotFoundError
from stalkproof.evidence.ids import MIN_PREFIX, new_id
from stalkproof.vault.blobs import StagedBlob
from stalkproof.vault.ledger import complete_row
from stalkproof.vault.schema import blobs, exhibits
from stalkproof.vault.vault import Vault, Writer

REF_PREFIX = "EX-"


@dataclass(frozen=True)
class ExhibitDetails:
    """What the person can tell us about how the material was captured."""

    description: str | None = None
    ref: str | None = None
    captured_by: str | None = None
    captured_at: str | None = None
    capture_method: str | None = None
    source_app: str | None = None
    url: str | None = None
    username: str | None = None
    profile_id: str | None = None
    post_id: str | None = None
    content_time: str | None = None


@dataclass(frozen=True)
class Exhibit:
    id: str
    ref: str
    description: str | None
    sha256: str
    size: int
    original_name: str | None
    media_type: str | None
    created_at: str
    derived_from: str | None = None


def add_exhibit(vault: Vault, case_id: str, path: Path, details: ExhibitDetails | None = None) -> Exhibit:
    if not path.is_file():
        raise InputError("no such file (or it is a folder).", path)
    with vault.write() as writer:
        return store_exhibit(writer, case_id, path, details or ExhibitDetails())


def store_exhibit(writer: Writer, case_id: str, path: Path, details: ExhibitDetails) -> Exhibit:
    try:
        blob = writer.add_blob_file(path)
    except OSError as error:
        raise InputError(f"cannot be read ({error.strerror}).", path) from None
    return _record(writer, case_id, blob, path.name, details, None)


def store_exhibit_bytes(
    writer: Writer,
    case_id: str,
    content: bytes,
    name: str,
    details: ExhibitDetails,
    derived_from: str | None = None,
) -> Exhibit:
    """Keep bytes made by stalkproof itself (a redacted copy), linked to the exhibit they come from."""
    blob = writer.add_blob(io.BytesIO(content))
    return _record(writer, case_id, blob, name, details, derived_from)


def _record(
    writer: Writer,
    case_id: str,
    blob: StagedBlob,
    name: str,
    details: ExhibitDetails,
    derived_from: str | None,
) -> Exhibit:
    ref = details.ref or next_ref(writer.connection, case_id)
    _check_ref_free(writer.connection, case_id, ref)
    fields = {key: value for key, value in vars(details).items() if key != "ref"}
    row = complete_row(
        exhibits,
        {
            **fields,
            "id": new_id(),
            "case_id": case_id,
            "ref": ref,
            "blob_id": blob.sha256,
            "original_name": name,
            "media_type": mimetypes.guess_type(name)[0],
            "size": blob.size,
            "derived_from": derived_from,
            "created_at": writer.recorder.now,
        },
    )
    writer.recorder.insert(exhibits, row)
    return _exhibit(row)


def list_exhibits(vault: Vault, case_id: str) -> list[Exhibit]:
    with vault.read() as connection:
        rows = connection.execute(
            select(exhibits)
            .where(exhibits.c.case_id == case_id)
            .order_by(exhibits.c.created_at, exhibits.c.ref)
        ).all()
    return [_exhibit(dict(row._mapping)) for row in rows]


def capture_details(vault: Vault, case_id: str) -> dict[str, ExhibitDetails]:
    """What the person said about how each exhibit was captured, by exhibit id."""
    names = [item.name for item in fields(ExhibitDetails)]
    with vault.read() as connection:
        rows = connection.execute(select(exhibits).where(exhibits.c.case_id == case_id)).all()
    return {
        str(row.id): ExhibitDetails(**{name: _text(row._mapping[name]) for name in names}) for row in rows
    }


def find_exhibit(connection: Connection, case_id: str, text: str) -> Exhibit:
    """By its reference (EX-003) or the start of its id."""
    matches = [exhibits.c.ref == text]
    if len(text) >= MIN_PREFIX:
        matches.append(exhibits.c.id.startswith(text.lower(), autoescape=True))
    rows = connection.execute(
        select(exhibits).where(exhibits.c.case_id == case_id, or_(*matches)).limit(2)
    ).all()
    if len(rows) != 1:
        raise NotFoundError(f"No single exhibit in this case is called '{text}'.")
    return _exhibit(dict(rows[0]._mapping))


def export_exhibit(vault: Vault, case_id: str, text: str, target: BinaryIO) -> Exhibit:
    """Write the original bytes of an exhibit to `target` (decrypted, exactly as stored)."""
    with vault.read() as connection:
        exhibit = find_exhibit(connection, case_id, text)
        name = connection.execute(
            select(blobs.c.storage_name).where(blobs.c.id == exhibit.sha256)
        ).scalar_one()
    vault.store.copy_out(name, target)
    return exhibit


def next_ref(connection: Connection, case_id: str) -> str:
    count = connection.execute(select(func.count()).where(exhibits.c.case_id == case_id)).scalar_one()
    number = count + 1
    while _ref_taken(connection, case_id, f"{REF_PREFIX}{number:03d}"):
        number += 1
    return f"{REF_PREFIX}{number:03d}"


def _ref_taken(connection: Connection, case_id: str, ref: str) -> bool:
    query = select(exhibits.c.id).where(exhibits.c.case_id == case_id, exhibits.c.ref == ref)
    return connection.execute(query).first() is not None


def _check_ref_free(connection: Connection, case_id: str, ref: str) -> None:
    if _ref_taken(connection, case_id, ref):
        raise InputError(f"This case already has an exhibit labelled '{ref}': choose another label.")


def _exhibit(row: dict[str, object]) -> Exhibit:
    return Exhibit(
        id=str(row["id"]),
        ref=str(row["ref"]),
        description=_text(row["description"]),
        sha256=str(row["blob_id"]),
        size=int(str(row["size"])),
        original_name=_text(row["original_name"]),
        media_type=_text(row["media_type"]),
        created_at=str(row["created_at"]),
        derived_from=_text(row.get("derived_from")),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
