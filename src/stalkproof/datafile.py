"""Reading the YAML data shipped with stalkproof (law, guide, referrals) and checking it against its schema.

A data file that does not fit its schema is reported as one sentence naming the file, the line and the
field, so whoever edits the data can go straight to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, SequenceNode

from stalkproof.errors import InputError

Model = TypeVar("Model", bound=BaseModel)


class Source(BaseModel):
    """Where a fact comes from: every data file and entry names at least one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://\S+$")


def read_yaml(path: Path, text: str | None = None, first_line: int = 1) -> tuple[Any, Node | None]:
    """The parsed data and its node tree (for line numbers); `text` starts at line `first_line` of `path`."""
    text = path.read_text(encoding="utf-8") if text is None else text
    try:
        return yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + first_line if mark is not None else None
        raise InputError("this is not valid YAML, so it could not be read.", path, line) from error


def validate(model: type[Model], data: Any, path: Path, tree: Node | None, first_line: int = 1) -> Model:
    """`data` as `model`, or an InputError naming the first problem, its line, and how many more there are."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = error.errors()
        first = problems[0]
        line = line_of(tree, first["loc"])
        more = len(problems) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''} in this file)" if more else ""
        raise InputError(
            describe(first) + extra + ".", path, line + first_line - 1 if line else None
        ) from error


def line_of(tree: Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the deepest node on `loc` that exists (the parent's line for a missing field)."""
    if tree is None:
        return None
    node, line = tree, tree.start_mark.line + 1
    for key in loc:
        child = _child(node, key)
        # Steps that are not in the file (a union member's tag, a missing field) are skipped.
        if child is not None:
            node, line = child, child.start_mark.line + 1
    return line


def _child(node: Node, key: int | str) -> Node | None:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node  # type: ignore[no-any-return]
    if isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]  # type: ignore[no-any-return]
    return None


def describe(problem: ErrorDetails) -> str:
    """Our own wording for the problems data files usually have; pydantic's for anything else."""
    field = ".".join(str(part) for part in problem["loc"]) or "the file"
    kind, message = problem["type"], problem["msg"]
    if kind == "missing":
        return f"'{field}' is missing, and every entry needs it"
    if kind == "extra_forbidden":
        return f"'{field}' is not a field stalkproof knows here (check the spelling)"
    if kind == "value_error":
        return f"'{field}': {message.removeprefix('Value error, ')}"
    shown = str(problem.get("input"))[:60]
    return f"'{field}' has a value that does not fit ({shown!r}): {message[0].lower() + message[1:]}"
