"""What Facebook's and Instagram's "Download your information" JSON files have in common.

Meta changes the shape of these files from year to year, so nothing here depends on one layout:
- the entries are the objects in any top-level array (`account_activity_v2`, `active_sessions`,
  `account_history_login_history`...) or in a root array;
- an entry's fields are plain keys (`ip_address`), `string_map_data` (`{"IP Address": {"value": ...,
  "timestamp": ...}}`) or `label_values` (`[{"label": "IP address", "value": ...}]`); all three are
  flattened into one mapping whose keys are lowercase words joined by "_" ("ip_address");
- text is written with Meta's mojibake (each UTF-8 byte as its own character); readers keep it as found
  and repair only what is displayed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from stalkproof.digital.accounts.export import header_key, json_elements
from stalkproof.errors import InputError
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.jsonsplit import Element, Target

MAX_FILE = 64 * 1024 * 1024


def entries(export: Input, member: Member) -> Iterator[Element]:
    """Every object in the file's top-level arrays, with its line and path."""
    targets = _array_targets(load(export, member))
    if targets:
        yield from json_elements(export, member, targets)


def load(export: Input, member: Member) -> Any:
    """The whole JSON document (these files are small); InputError with the line when it is damaged."""
    where = export.where(member)
    if member.size > MAX_FILE:
        raise InputError("this file is far larger than a login history; it is not one.", where)
    with member.open() as stream:
        content = stream.read()
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise InputError(
            "this is not valid JSON here; the file may be damaged, so download the export again.",
            where,
            error.lineno,
        ) from None


def _array_targets(document: Any) -> list[Target]:
    if isinstance(document, list):
        return [()]
    if not isinstance(document, dict):
        return []
    return [(key,) for key, value in document.items() if isinstance(value, list)]


def flatten(entry: Any) -> dict[str, Any]:
    """One entry's fields under normalised keys; a `string_map_data` field keeps its `value`, or its
    `timestamp` when the value is empty (Meta writes times that way)."""
    if not isinstance(entry, dict):
        return {}
    fields: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "string_map_data" and isinstance(value, dict):
            for label, cell in value.items():
                fields.setdefault(header_key(label), _cell(cell))
        elif key == "label_values" and isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "label" in item:
                    fields.setdefault(header_key(str(item["label"])), _cell(item))
        else:
            fields.setdefault(header_key(key), value)
    return fields


def _cell(cell: Any) -> Any:
    if not isinstance(cell, dict):
        return cell
    value = cell.get("value")
    if value not in (None, ""):
        return value
    return cell.get("timestamp") or cell.get("href") or None


def first(fields: dict[str, Any], *keys: str) -> Any:
    """The first of `keys` that the entry has with a value."""
    for key in keys:
        value = fields.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def in_folder(export: Input, member: Member, folder: str) -> bool:
    """Whether the member sits in `folder`, counting the folder the person pointed at (or the one holding
    the file they pointed at): `security_and_login_information/` itself is a fine thing to check."""
    if export.kind == "folder":
        name = f"{export.path.name}/{member.name}"
    elif export.kind == "file":
        name = f"{export.path.parent.name}/{member.name}"
    else:
        name = member.name
    return f"/{folder}/" in f"/{name.replace(chr(92), '/')}"


def stem(member: Member) -> str:
    """The file name without ".json", with the apostrophe variants Meta has used removed."""
    name = member.basename.casefold().removesuffix(".json")
    return name.replace("'", "").replace("\u2019", "")
