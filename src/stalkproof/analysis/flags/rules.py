"""The rule files behind the explained flags: their schema, the pattern language, and the loader.

Rules are reviewed data, kept as YAML under `flags/<language>/`. In each language folder, `language.yaml`
holds what every rule of that language shares (word lists, the signs of a joke or a denial, the score a
flag needs to be shown); every other `.yaml` file is one label family (threat, surveillance, ...) and is
named in `language.yaml` under `families`, in the order labels are shown.

The pattern language is regular expressions made readable for reviewers: case is ignored, a space stands
for any run of spaces or commas, `'` for any apostrophe or none ("i'll" also reads "ill" and "I’ll"),
`{name}` for a word list from `macros`, and a pattern only matches whole words.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from stalkproof.datafile import Source, validate
from stalkproof.errors import InputError
from stalkproof.evidence.vocabulary import behaviours

RULES_DIR = Path(__file__).parent
LANGUAGE_FILE = "language.yaml"
AUTHORS = ("suspect", "victim", "diary", "other")
Author = Literal["suspect", "victim", "diary", "other"]

_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_APOSTROPHE = "['’‘`´]?"
_SEPARATOR_CHAR = r"[\s,]"
_SEPARATOR = _SEPARATOR_CHAR + "+"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_MAX_MACRO_DEPTH = 8

Model = TypeVar("Model", bound=BaseModel)


def _known_behaviour(code: str | None) -> str | None:
    if code is not None and code not in behaviours():
        raise ValueError(f"'{code}' is not a behaviour code; the codes are in evidence/behaviours.yaml")
    return code


Behaviour = Annotated[str | None, AfterValidator(_known_behaviour)]
Trigger = Annotated[str, Field(pattern=r"^[a-z]+\*?$")]
TriggerGroup = Annotated[list[Trigger], Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LanguageSettings(_Strict):
    """language.yaml: what all rules of one language share."""

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    version: int = Field(ge=1)
    reviewed: date
    licence: str = Field(min_length=1)
    source: list[Source] = Field(min_length=1)
    families: list[str] = Field(min_length=1)
    report_at: float = Field(gt=0, le=1)
    context_chars: int = Field(ge=10)
    negation_chars: int = Field(ge=1)
    negation_factor: float = Field(ge=0, le=1)
    softener_factor: dict[Author, float]
    softened_note: str = Field(min_length=1)
    softeners: list[str] = Field(min_length=1)
    negations: list[str] = Field(min_length=1)
    negation_followers: list[str]
    trigger_suffixes: list[str] = Field(min_length=1)
    macros: dict[str, list[str]]

    @model_validator(mode="after")
    def _complete(self) -> LanguageSettings:
        missing = [author for author in AUTHORS if author not in self.softener_factor]
        if missing:
            raise ValueError(
                f"softener_factor needs a value for every author (missing: {', '.join(missing)})"
            )
        if any(not 0 <= factor <= 1 for factor in self.softener_factor.values()):
            raise ValueError("softener_factor values must be between 0 and 1")
        return self


class Rule(_Strict):
    """One rule: if any of `patterns` matches (and the context allows it), the text gets a flag."""

    id: str = Field(pattern=r"^[a-z]{2,3}(\.[a-z0-9_]+){2,}$")
    kind: str = Field(min_length=1)
    score: float = Field(gt=0, le=1)
    reason: str = Field(min_length=1)
    triggers: list[Trigger] = Field(min_length=1)
    triggers_also: list[TriggerGroup] = Field(default_factory=list)
    patterns: list[str] = Field(min_length=1)
    requires: list[str] = Field(default_factory=list)
    unless: list[str] = Field(default_factory=list)
    authors: list[Author] | None = None
    negatable: bool = True
    softenable: bool = True
    examples: list[str] = Field(min_length=1)
    counter_examples: list[str] = Field(default_factory=list)

    @field_validator("triggers_also", mode="before")
    @classmethod
    def _groups(cls, value: object) -> object:
        """`triggers_also` is one list of words, or a list of such lists (one word of each must occur)."""
        if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            return [value]
        return value

    @model_validator(mode="after")
    def _reason_placeholders(self) -> Rule:
        unknown = [name for name in _PLACEHOLDER.findall(self.reason) if name != "match"]
        if unknown:
            raise ValueError(f"rule {self.id}: the reason may only use {{match}}, not {{{unknown[0]}}}")
        return self


class Family(_Strict):
    """One label family file, e.g. threat.yaml."""

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    label: str = Field(pattern=r"^[a-z][a-z_]*$")
    version: int = Field(ge=1)
    reviewed: date
    licence: str = Field(min_length=1)
    source: list[Source] = Field(min_length=1)
    about: str = Field(min_length=1)
    authors: list[Author] = Field(min_length=1)
    kinds: dict[str, Behaviour]
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Family:
        prefix = f"{self.language}.{self.label}."
        seen: set[str] = set()
        for rule in self.rules:
            if not rule.id.startswith(prefix):
                raise ValueError(f"rule id '{rule.id}' must start with '{prefix}'")
            if rule.id in seen:
                raise ValueError(f"rule id '{rule.id}' is used twice")
            seen.add(rule.id)
            if rule.kind not in self.kinds:
                raise ValueError(f"rule {rule.id}: kind '{rule.kind}' is not listed under 'kinds'")
        return self

    def authors_of(self, rule: Rule) -> tuple[str, ...]:
        return tuple(rule.authors or self.authors)


@dataclass(frozen=True)
class RuleSet:
    """Everything loaded for one language, with a digest of the files it came from."""

    settings: LanguageSettings
    families: tuple[Family, ...]
    digest: str

    @property
    def version(self) -> str:
        return f"{self.settings.language}-{self.digest[:12]}"


def language_dir(language: str) -> Path:
    return RULES_DIR / language


@cache
def load_language(language: str) -> RuleSet:
    """The shipped rules of `language` (compiled once per process)."""
    if not re.fullmatch(r"[a-z]{2,3}", language) or not (language_dir(language) / LANGUAGE_FILE).is_file():
        raise InputError(f"there are no flag rules for the language '{language}'.")
    return load_rule_set(language_dir(language))


def load_rule_set(folder: Path) -> RuleSet:
    """The settings and families in `folder`, validated; every pattern is checked to compile."""
    language = folder.name
    settings_path = folder / LANGUAGE_FILE
    if not settings_path.is_file():
        raise InputError(f"there is no {LANGUAGE_FILE} in this folder.", folder)
    digest = hashlib.sha256()
    settings = _read(LanguageSettings, settings_path, digest.update)
    if settings.language != language:
        raise InputError(f"'language' must be '{language}', the folder's name.", settings_path)
    family_files = sorted(path.stem for path in folder.glob("*.yaml") if path.name != LANGUAGE_FILE)
    if sorted(settings.families) != family_files:
        raise InputError(
            f"'families' must list every family file in {folder.name}/ once "
            f"(files: {', '.join(family_files)}).",
            settings_path,
        )
    families = tuple(
        _read_family(folder / f"{name}.yaml", settings, digest.update) for name in settings.families
    )
    _check_unique_ids(families, folder)
    for sources in (settings.softeners, settings.negations, settings.negation_followers):
        if sources:
            compile_pattern(sources, settings.macros, settings_path)
    return RuleSet(settings, families, digest.hexdigest())


class _Loader(yaml.SafeLoader):
    """YAML as reviewers expect it: only true/false are booleans, so the words on, off, yes and no stay
    words (YAML 1.1 would turn a trigger word "on" into True)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _read(model: type[Model], path: Path, record: Callable[[bytes], None]) -> Model:
    text = path.read_text(encoding="utf-8")
    record(path.name.encode() + b"\0" + text.encode() + b"\0")
    try:
        # _Loader is a SafeLoader with fewer booleans: it builds plain data only.
        data, tree = yaml.load(text, Loader=_Loader), yaml.compose(text, Loader=_Loader)  # noqa: S506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputError("this is not valid YAML.", path, mark.line + 1 if mark else None) from error
    return validate(model, data, path, tree)


def _read_family(path: Path, settings: LanguageSettings, record: Callable[[bytes], None]) -> Family:
    family = _read(Family, path, record)
    if family.language != settings.language or family.label != path.stem:
        raise InputError(
            f"'language' and 'label' must be '{settings.language}' and '{path.stem}' in this file.", path
        )
    for rule in family.rules:
        for sources in (rule.patterns, rule.requires, rule.unless):
            if sources:
                compile_pattern(sources, settings.macros, path, rule.id)
    return family


def _check_unique_ids(families: tuple[Family, ...], folder: Path) -> None:
    seen: dict[str, str] = {}
    for family in families:
        for rule in family.rules:
            if rule.id in seen:
                raise InputError(
                    f"rule id '{rule.id}' is used in {seen[rule.id]} and {family.label}.", folder
                )
            seen[rule.id] = family.label


def expand(pattern: str, macros: dict[str, list[str]], depth: int = 0) -> str:
    """`pattern` in plain regular-expression syntax (not yet wrapped to match whole words)."""
    if depth > _MAX_MACRO_DEPTH:
        raise ValueError("word lists refer to each other in a loop")

    def macro(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in macros:
            raise ValueError(f"{{{name}}} is not a word list in language.yaml")
        return "(?:" + "|".join(expand(item, macros, depth + 1) for item in macros[name]) + ")"

    return _MACRO.sub(macro, _literal_marks(pattern))


def _literal_marks(pattern: str) -> str:
    """Spaces and apostrophes outside character classes, rewritten; everything else left alone."""
    out: list[str] = []
    in_class = escaped = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif in_class:
            out.append(char)
            in_class = char != "]"
        elif char == "[":
            out.append(char)
            in_class = True
        elif char == " ":
            while index + 1 < len(pattern) and pattern[index + 1] == " ":
                index += 1
            # "a *" means any number of separators, not "one or more, repeated".
            quantified = index + 1 < len(pattern) and pattern[index + 1] in "*+?{"
            out.append(_SEPARATOR_CHAR if quantified else _SEPARATOR)
        elif char in "'’":
            out.append(_APOSTROPHE)
        else:
            out.append(char)
        index += 1
    return "".join(out)


def trigger_words(triggers: list[str], suffixes: list[str]) -> list[str]:
    """Trigger words with a trailing * stand for the word and the word plus each suffix."""
    words: list[str] = []
    for trigger in triggers:
        if trigger.endswith("*"):
            stem = trigger[:-1]
            words += [stem] + [stem + suffix for suffix in suffixes]
        else:
            words.append(trigger)
    return words


def whole_words(regex: str) -> str:
    return rf"(?<!\w)(?:{regex})(?!\w)"


def compile_pattern(
    source: str | list[str],
    macros: dict[str, list[str]],
    path: Path | None = None,
    rule_id: str | None = None,
) -> re.Pattern[str]:
    """One compiled, case-insensitive regex matching any of `source` as whole words."""
    sources = [source] if isinstance(source, str) else source
    parts: list[str] = []
    for item in sources:
        try:
            parts.append(f"(?:{expand(item.strip(), macros)})")
        except ValueError as error:
            raise _unusable(item, error, path, rule_id) from error
    try:
        # One word-boundary check around all the alternatives, not one per alternative: the same matches
        # in the same order of preference, found several times faster. The same string compiled again (by
        # the engine, after the loader) comes from re's own cache.
        return re.compile(whole_words("|".join(parts)), re.IGNORECASE)
    except re.error:
        for item, part in zip(sources, parts, strict=True):
            try:
                re.compile(whole_words(part), re.IGNORECASE)
            except re.error as error:
                raise _unusable(item, error, path, rule_id) from error
        raise


def _unusable(item: str, error: Exception, path: Path | None, rule_id: str | None) -> InputError:
    where = f"rule {rule_id}: " if rule_id else ""
    return InputError(f"{where}the pattern {item!r} cannot be used ({error}).", path)
