"""Synthetic WhatsApp "Export chat" files in every header variant the importer reads, for the demo case,
round-trip tests and the benchmark. The people and messages are fictional.

A conversation is a list of `ChatLine`s; `render` writes it the way the app would in one variant, and
`bench_lines` streams the benchmark's large en-GB Android file without holding it in memory.
"""

from __future__ import annotations

import random
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

LRM = "\u200e"
NNBSP = "\u202f"
NBSP = "\u00a0"


@dataclass(frozen=True, slots=True)
class Variant:
    """How one app version and phone language writes a header, and its words for media."""

    name: str
    form: str  # "android" | "ios" | "legacy"
    order: str  # "dmy" | "mdy" | "ymd"
    date_sep: str
    year_digits: int
    pad_date: bool
    joiner: str  # between the date and the time
    time_sep: str
    pad_hour: bool
    seconds: bool
    ampm: tuple[str, str, str] | None  # (space before, morning word, afternoon word)
    media_omitted: str
    file_attached: str

    @property
    def precision(self) -> str:
        return "second" if self.seconds else "minute"


def _android(name: str, order: str, sep: str, year: int, pad: bool, joiner: str, **more: object) -> Variant:
    values: dict[str, object] = {
        "time_sep": ":",
        "pad_hour": True,
        "seconds": False,
        "ampm": None,
        "media_omitted": "<Media omitted>",
        "file_attached": "file attached",
    }
    values.update(more)
    return Variant(name, "android", order, sep, year, pad, joiner, **values)  # type: ignore[arg-type]


VARIANTS: dict[str, Variant] = {
    variant.name: variant
    for variant in (
        _android("en_us", "mdy", "/", 2, False, ", ", pad_hour=False, ampm=(" ", "AM", "PM")),
        _android("en_us_nnbsp", "mdy", "/", 2, False, ", ", pad_hour=False, ampm=(NNBSP, "AM", "PM")),
        _android("en_gb", "dmy", "/", 4, True, ", "),
        _android(
            "de",
            "dmy",
            ".",
            2,
            True,
            ", ",
            media_omitted="<Medien ausgeschlossen>",
            file_attached="Datei angehängt",
        ),
        _android(
            "fr", "dmy", "/", 4, True, " à ", media_omitted="‹Médias omis>", file_attached="fichier joint"
        ),
        _android(
            "fr_ch", "dmy", ".", 2, True, " à ", media_omitted="‹Médias omis>", file_attached="fichier joint"
        ),
        _android(
            "es",
            "dmy",
            "/",
            4,
            False,
            " ",
            pad_hour=False,
            ampm=(" ", f"a.{NBSP}m.", f"p.{NBSP}m."),
            media_omitted="<Multimedia omitido>",
            file_attached="archivo adjunto",
        ),
        _android(
            "pt_br", "dmy", "/", 4, True, " ", media_omitted="‹Mídia oculta>", file_attached="arquivo anexado"
        ),
        _android("en_ca", "ymd", "-", 4, True, ", ", pad_hour=False, ampm=(" ", "a.m.", "p.m.")),
        _android("en_za", "ymd", "/", 4, True, ", ", pad_hour=False, ampm=(" ", "am", "pm")),
        _android(
            "id",
            "dmy",
            "/",
            2,
            True,
            " ",
            time_sep=".",
            media_omitted="<Media tidak disertakan>",
            file_attached="file terlampir",
        ),
        Variant("ios_24h", "ios", "dmy", ".", 2, True, ", ", ":", True, True, None, "image omitted", ""),
        Variant(
            "ios_12h",
            "ios",
            "mdy",
            "/",
            2,
            False,
            ", ",
            ":",
            False,
            True,
            (" ", "AM", "PM"),
            "image omitted",
            "",
        ),
        Variant(
            "legacy",
            "legacy",
            "dmy",
            ".",
            4,
            True,
            ", ",
            ":",
            True,
            True,
            None,
            "<Media omitted>",
            "file attached",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One message (or, with no sender, a notice) as the person wrote it. `text` may hold newlines."""

    at: datetime
    sender: str | None
    text: str


def stamp(at: datetime, variant: Variant) -> str:
    """The date and time the way `variant` writes them (without brackets or separators)."""
    day, month = (f"{at.day:02d}", f"{at.month:02d}") if variant.pad_date else (str(at.day), str(at.month))
    year = f"{at.year:04d}" if variant.year_digits == 4 else f"{at.year % 100:02d}"
    sep = variant.date_sep
    date = {
        "dmy": f"{day}{sep}{month}{sep}{year}",
        "mdy": f"{month}{sep}{day}{sep}{year}",
        "ymd": f"{at.year:04d}{sep}{at.month:02d}{sep}{at.day:02d}",
    }[variant.order]
    hour = at.hour
    if variant.ampm is not None:
        hour = hour % 12 or 12
    clock = (f"{hour:02d}" if variant.pad_hour else str(hour)) + f"{variant.time_sep}{at.minute:02d}"
    if variant.seconds:
        clock += f"{variant.time_sep}{at.second:02d}"
    if variant.ampm is not None:
        space, morning, afternoon = variant.ampm
        clock += space + (afternoon if at.hour >= 12 else morning)
    return f"{date}{variant.joiner}{clock}"


def header(at: datetime, variant: Variant, lrm: bool = False) -> str:
    """Everything before the name: "22/01/2023, 18:30 - ", "[19.04.17, 20:43:09] "."""
    written = stamp(at, variant)
    if variant.form == "ios":
        return (LRM if lrm else "") + f"[{written}] "
    return written + (" - " if variant.form == "android" else ": ")


def line(message: ChatLine, variant: Variant, chat: str, newline: str = "\n") -> str:
    """One message as the export writes it, with its final line ending."""
    text = message.text.replace("\n", newline)
    if message.sender is None:
        if variant.form == "ios":  # iOS names the chat on a notice and marks the text with U+200E
            return f"{header(message.at, variant, lrm=True)}{chat}: {LRM}{text}{newline}"
        return f"{header(message.at, variant)}{text}{newline}"
    lrm = variant.form == "ios" and text.startswith(LRM)
    return f"{header(message.at, variant, lrm)}{message.sender}: {text}{newline}"


def render(
    messages: Iterable[ChatLine],
    variant: Variant | str,
    chat: str = "Sam",
    newline: str = "\n",
    bom: bool = False,
) -> bytes:
    """A whole chat file."""
    chosen = VARIANTS[variant] if isinstance(variant, str) else variant
    body = "".join(line(message, chosen, chat, newline) for message in messages)
    return ("\ufeff" if bom else "").encode() + body.encode()


def media_omitted(variant: Variant) -> str:
    return (LRM if variant.form == "ios" else "") + variant.media_omitted


def media_attached(variant: Variant, file: str, caption: str | None = None) -> str:
    if variant.form == "ios":
        return (f"{caption} " if caption else "") + f"{LRM}<attached: {file}>"
    return f"{file} ({variant.file_attached})" + (f"\n{caption}" if caption else "")


def write_ios_zip(path: Path, chat: bytes, media: Mapping[str, bytes]) -> Path:
    """An iOS-style export: `_chat.txt` and the media files side by side in one zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_chat.txt", chat)
        for name, data in media.items():
            archive.writestr(name, data)
    return path


# --- the benchmark's large file -------------------------------------------------------------------------

PEOPLE = ("Sam Taylor", "Alex Morgan")
_WORDS = (
    "ok",
    "where",
    "are",
    "you",
    "now",
    "I",
    "saw",
    "outside",
    "again",
    "please",
    "stop",
    "messaging",
    "me",
    "this",
    "is",
    "the",
    "last",
    "time",
    "why",
    "won't",
    "answer",
    "only",
    "want",
    "to",
    "talk",
    "we",
    "need",
    "tonight",
    "call",
    "back",
)
_EMOJI = ("😀", "👍", "❤️", "🙏", "😡", "👨‍👩‍👧", "🎉")
NOTICES = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read "
    "or listen to them. Tap to learn more.",
    "Your security code with Sam Taylor changed. Tap to learn more.",
    "Sam Taylor changed their phone number to a new number. Tap to message or add the new number.",
)


def bench_lines(
    lines: int, seed: int = 5, start: datetime = datetime(2023, 1, 2, 8, 14), variant: str = "en_gb"
) -> Iterator[bytes]:
    """About `lines` lines of export (~95 bytes each in en-GB): 5% two-line messages, notices, media left
    out, deleted and edited messages, emoji. Deterministic for a seed. The benchmark uses en-GB."""
    chooser = random.Random(seed)  # noqa: S311 -- a reproducible fictional chat, not security
    chosen = VARIANTS[variant]
    step = timedelta(seconds=1) if chosen.seconds else timedelta(minutes=1)
    at = start
    written = 0
    while written < lines:
        # Bursts: a third of messages share the minute of the one before.
        at += step * chooser.choice((0, 0, 0, 1, 1, 2, 5)) * (chooser.randint(1, 59) if chosen.seconds else 1)
        text = line(_bench_message(chooser, at, chosen), chosen, "Sam Taylor")
        written += text.count("\n")
        yield text.encode()


def _bench_message(chooser: random.Random, at: datetime, variant: Variant) -> ChatLine:
    roll = chooser.random()
    sender = PEOPLE[chooser.random() < 0.5]
    if roll < 0.01:
        return ChatLine(at, None, chooser.choice(NOTICES))
    if roll < 0.03:
        return ChatLine(at, sender, media_omitted(variant))
    if roll < 0.035:
        return ChatLine(at, sender, "This message was deleted")
    words = " ".join(chooser.choices(_WORDS, k=chooser.randint(8, 18)))
    if chooser.random() < 0.3:
        words += " " + chooser.choice(_EMOJI)
    if roll < 0.04:
        words += " <This message was edited>"
    elif roll < 0.09:  # 5% of messages run over two lines
        words += "\n" + " ".join(chooser.choices(_WORDS, k=chooser.randint(3, 9)))
    return ChatLine(at, sender, words)


def write_bench_file(path: Path, lines: int, seed: int = 5, variant: str = "en_gb") -> Path:
    """Write `bench_lines` to `path` (the benchmark's 1,000,000-line file is about 95 MB)."""
    with path.open("wb") as out:
        for chunk in bench_lines(lines, seed, variant=variant):
            out.write(chunk)
    return path
