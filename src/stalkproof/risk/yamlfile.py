"""Reading a person's own YAML file (answers, a safety plan) value by value, with line numbers.

Values are read from the parsed nodes rather than from `yaml.safe_load`, because only the nodes still know
which line they came from, and because YAML 1.1 quietly turns `yes`/`no`/`on`/`off` into booleans: the
raw text is what the person typed. Data files shipped with stalkproof go through `stalkproof.datafile`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from stalkproof.errors import InputError

NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class Field:
    """One `key: value` pair of a mapping, with the line (from 1) the key is on."""

    key: str
    line: int
    node: yaml.Node


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("this file could not be found.", path) from None
    except IsADirectoryError:
        raise InputError("this is a folder; give the path of a YAML file.", path) from None
    except UnicodeDecodeError:
        raise InputError(
            "this file is not plain text (UTF-8); save it as text and try again.", path
        ) from None
    except OSError as error:
        raise InputError(f"this file could not be read ({error.strerror}).", path) from None


def compose(path: Path) -> yaml.Node | None:
    """The file's node tree, or None when the file is empty."""
    text = read_text(path)
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "the layout is not valid YAML"
        raise InputError(
            f"this is not valid YAML ({problem}).", path, mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError:
        raise InputError("this is not valid YAML.", path) from None


def line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def mapping_fields(node: yaml.Node | None, path: Path, expected: str) -> list[Field]:
    """The pairs of a top-level mapping; anything else, a non-text key or a repeated key is the person's
    mistake and is reported at its line."""
    if node is None:
        return []
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"expected {expected}, one 'name: value' per line.", path, line(node))
    seen: dict[str, int] = {}
    fields: list[Field] = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise InputError("each name must be a plain word before the colon.", path, line(key_node))
        key = str(key_node.value)
        if key in seen:
            raise InputError(f"'{key}' is given twice (also on line {seen[key]}).", path, line(key_node))
        seen[key] = line(key_node)
        fields.append(Field(key, line(key_node), value_node))
    return fields


def scalar_text(node: yaml.Node) -> str | None:
    """The text as typed, or None for an empty value or `~`; None as well for lists and mappings."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == NULL_TAG:
        return None
    return str(node.value)
