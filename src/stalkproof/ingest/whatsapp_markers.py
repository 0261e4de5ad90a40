"""The localised words WhatsApp puts into exports (whatsapp.yaml), checked against a schema, and what a
message text says about media, deletion, editing or a security code change.

Nothing here changes a text. A match only adds a marker, an attachment note or a detail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stalkproof.datafile import read_yaml, validate

MARKERS_FILE = Path(__file__).with_name("whatsapp.yaml")
LRM = "\u200e"
# WhatsApp's own media file names ("IMG-20240101-WA0001.jpg"): after one of these, a bracketed note we do
# not know is probably a language we have not listed yet, so it is worth a warning.
_WHATSAPP_FILE = re.compile(r"(?:IMG|VID|AUD|PTT|STK|DOC|GIF)-\d{8}-WA\d{3,}(?:\.\w{1,10})?", re.IGNORECASE)
# "NAME.ext (note)" on the first line of an Android message.
_FILE_NOTE = re.compile(r"(?P<file>[^\n]+?\.\w{1,10}) \((?P<note>[^()\n]{1,60})\)")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    locale: str = Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    source: str
    reviewed: bool


class _SourceNote(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    where: str = Field(min_length=1)


class _MarkerFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    reviewed: date
    licence: str = Field(min_length=1)
    sources: dict[str, _SourceNote] = Field(min_length=1)
    chat_titles: list[_Entry] = Field(min_length=1)
    media_omitted: list[_Entry] = Field(min_length=1)
    ios_media_omitted: list[_Entry] = Field(min_length=1)
    file_attached: list[_Entry] = Field(min_length=1)
    ios_attached: list[_Entry] = Field(min_length=1)
    deleted: list[_Entry] = Field(min_length=1)
    edited: list[_Entry] = Field(min_length=1)
    security_code: list[_Entry] = Field(min_length=1)
    chat_start_notices: list[_Entry] = Field(min_length=1)
    group_created: list[_Entry] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> _MarkerFile:
        for group, entries in self.groups().items():
            for entry in entries:
                if entry.source not in self.sources:
                    raise ValueError(
                        f"'{group}' entry '{entry.text}' names an unknown source '{entry.source}'"
                    )
                if LRM in entry.text:
                    raise ValueError(f"'{group}' entry '{entry.text}' contains U+200E; matching ignores it")
        for placeholder, group in (("{file}", "ios_attached"), ("{name}", "security_code")):
            for entry in self.groups()[group]:
                if entry.text.count(placeholder) != 1:
                    raise ValueError(f"'{group}' entry '{entry.text}' must contain {placeholder} once")
        return self

    def groups(self) -> dict[str, list[_Entry]]:
        return {name: value for name, value in self if isinstance(value, list)}


@dataclass(frozen=True, slots=True)
class Finding:
    """What the words in a message text mean. `omitted` is the media phrase when the export left the
    media out; `files` are file names the text says were sent with it."""

    omitted: str | None = None
    files: tuple[str, ...] = ()
    caption: str | None = None
    deleted: bool = False
    edited: bool = False
    security_code_with: str | None = None
    unknown_note: tuple[str, str] | None = None  # (file name, bracketed note) we do not recognise

    @property
    def media_or_deleted(self) -> bool:
        return self.omitted is not None or bool(self.files) or self.deleted


NOTHING = Finding()


@dataclass(frozen=True, slots=True)
class Template:
    """A marker phrase with a placeholder ("<attached: {file}>"), compiled. `needle`, its longest fixed
    part, is in every text the phrase matches: most texts are ruled out without running the pattern."""

    needle: str
    pattern: re.Pattern[str]

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.needle in text else None

    def match(self, text: str) -> re.Match[str] | None:
        return self.pattern.match(text) if self.needle in text else None


@dataclass(frozen=True)
class Markers:
    """whatsapp.yaml compiled for matching."""

    whole: dict[str, Finding]  # a whole text (U+200E removed) and what it means
    edited_suffixes: tuple[str, ...]
    file_notes: frozenset[str]
    ios_attached: tuple[Template, ...]
    security_code: tuple[Template, ...]
    chat_start_notices: tuple[str, ...]
    group_created: tuple[str, ...]
    chat_titles: tuple[str, ...]
    reviewed: date

    def classify(self, text: str) -> Finding:
        """What the export's own words in `text` mean; NOTHING for an ordinary message."""
        plain = text.replace(LRM, "") if LRM in text else text
        known = self.whole.get(plain)
        if known is not None:
            return known
        edited = plain.endswith(self.edited_suffixes)
        files, caption, unknown = self._attached(plain)
        code_with = None
        for pattern in self.security_code:
            found = pattern.match(plain)
            if found:
                code_with = found["name"]
                break
        if not (edited or files or unknown or code_with):
            return NOTHING
        return Finding(None, files, caption, False, edited, code_with, unknown)

    def starts_chat(self, text: str) -> bool:
        """True for the first notice of a whole chat (encryption notice or group creation)."""
        plain = text.replace(LRM, "")
        return plain.startswith(self.chat_start_notices) or any(
            words in plain for words in self.group_created
        )

    def _attached(self, plain: str) -> tuple[tuple[str, ...], str | None, tuple[str, str] | None]:
        first, _, rest = plain.partition("\n")
        first = first.rstrip("\r")
        found = _FILE_NOTE.fullmatch(first) if first.endswith(")") else None  # the pattern ends so
        if found is not None:
            if found["note"] in self.file_notes:
                return (found["file"],), rest or None, None
            if _WHATSAPP_FILE.fullmatch(found["file"]):
                return (), None, (found["file"], found["note"])
        for pattern in self.ios_attached:
            hit = pattern.search(plain)
            if hit is not None:
                caption = (plain[: hit.start()] + plain[hit.end() :]).strip()
                return (hit["file"],), caption or None, None
        return (), None, None


def _whole_texts(data: _MarkerFile) -> dict[str, Finding]:
    whole: dict[str, Finding] = {}
    for entry in data.media_omitted + data.ios_media_omitted:
        whole[entry.text] = Finding(omitted=entry.text)
    for entry in data.deleted:
        whole[entry.text] = Finding(deleted=True)
    # iOS ends these with a full stop; Android does not.
    for text, finding in list(whole.items()):
        whole.setdefault(text + ".", finding)
    return whole


def _template(text: str, placeholder: str, group: str) -> Template:
    before, _, after = text.partition(placeholder)
    # A template that starts with its placeholder is anchored at a line start: unanchored, a search would
    # try every position of a long text.
    anchor = "" if before else "(?m)^"
    pattern = re.compile(anchor + re.escape(before) + rf"(?P<{group}>[^\n<>‹]+?)" + re.escape(after))
    return Template(max(before, after, key=len), pattern)


@cache
def load_markers(path: Path = MARKERS_FILE) -> Markers:
    """The compiled marker data; an InputError naming the line if the file does not fit its schema."""
    raw, tree = read_yaml(path)
    data = validate(_MarkerFile, raw, path, tree)
    return Markers(
        whole=_whole_texts(data),
        edited_suffixes=tuple(entry.text for entry in data.edited),
        file_notes=frozenset(entry.text for entry in data.file_attached),
        ios_attached=tuple(_template(entry.text, "{file}", "file") for entry in data.ios_attached),
        security_code=tuple(_template(entry.text, "{name}", "name") for entry in data.security_code),
        chat_start_notices=tuple(entry.text for entry in data.chat_start_notices),
        group_created=tuple(entry.text for entry in data.group_created),
        chat_titles=tuple(entry.text for entry in data.chat_titles),
        reviewed=data.reviewed,
    )
