"""Which sources exist, and which one an input looks like."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stalkproof.errors import InputError
from stalkproof.ingest.base import Source
from stalkproof.ingest.inputs import Input

SURE = 0.5
AMBIGUOUS = 0.9
# Exports that one download bundles together: a Google Takeout can hold Mail and Chat, a Meta download
# Messenger and Instagram. A folder or zip holding several of one bundle is imported as each of them.
BUNDLES = (frozenset({"email", "google_chat"}), frozenset({"messenger", "instagram"}))


@cache
def sources() -> dict[str, Source]:
    """Every source by name, in the order they are offered to the user."""
    from stalkproof.ingest import (
        csv_mapped,
        discord,
        email_source,
        google_chat,
        imessage,
        meta,
        screenshot,
        sms_backup,
        snapchat,
        telegram,
        whatsapp,
        x_archive,
    )

    found: list[Source] = [
        whatsapp.SOURCE,
        sms_backup.SOURCE,
        email_source.SOURCE,
        telegram.SOURCE,
        *meta.SOURCES,
        x_archive.SOURCE,
        discord.SOURCE,
        snapchat.SOURCE,
        google_chat.SOURCE,
        imessage.SOURCE,
        screenshot.SOURCE,
        csv_mapped.SOURCE,
    ]
    return {source.name: source for source in found}


def source_named(name: str) -> Source:
    try:
        return sources()[name]
    except KeyError:
        known = ", ".join(sources())
        raise InputError(f"'{name}' is not a source stalkproof knows. Use one of: {known}.") from None


@dataclass(frozen=True)
class Detection:
    source: Source
    confidence: float
    others: tuple[str, ...]  # other sources that also look likely (a Takeout holding mail and chat)


def detect_all(inp: Input) -> list[Source]:
    """The sources to import this input as: one, or each export of a bundle a folder or zip holds."""
    found = detect(inp)
    if inp.kind == "file" or not found.others:
        return [found.source]
    names = {found.source.name, *found.others}
    if any(names <= bundle for bundle in BUNDLES):
        return [found.source, *(sources()[name] for name in found.others)]
    return [found.source]


def detect(inp: Input) -> Detection:
    scores = sorted(
        ((source.detect(inp), source) for source in sources().values()),
        key=lambda pair: pair[0],
        reverse=True,
    )
    best_score, best = scores[0]
    if best_score < SURE:
        labels = ", ".join(source.label for source in sources().values())
        raise InputError(
            f"stalkproof does not recognise this as an export it can read ({labels}); if you know what "
            "it is, use --source NAME.",
            inp.path,
        )
    rivals = [source.name for score, source in scores[1:] if score >= AMBIGUOUS]
    bundled = inp.kind != "file" and any({best.name, *rivals} <= bundle for bundle in BUNDLES)
    if best_score >= AMBIGUOUS and rivals and not bundled:
        names = ", ".join([best.name, *rivals])
        message = f"this could be read as more than one kind of export ({names}); choose with --source."
        raise InputError(message, inp.path)
    others = tuple(source.name for score, source in scores[1:] if score >= SURE)
    return Detection(best, best_score, others)
