"""The compiled WhatsApp loop (_whatsapp_fast.pyx) against the pure-Python reference (`parse_python`): the
same records (every field), the same warnings and the same errors, on every fixture, on round trips, and
on generated chats that mix the rare cases and cross block boundaries.

Without the compiled module these tests are skipped, except under CI=true, where it must be built."""

from __future__ import annotations

import io
import os
import random
from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ingest.test_whatsapp import _chats
from stalkproof.demo.exports import whatsapp as render
from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, ParseWarning, Record
from stalkproof.ingest.inputs import open_input
from stalkproof.ingest.lines import BLOCK, MAX_LINE
from stalkproof.ingest.whatsapp import SOURCE, _setup
from stalkproof.ingest.whatsapp_compiled import PURE_PYTHON_VARIABLE, compiled_module, parse_path
from stalkproof.ingest.whatsapp_markers import load_markers
from stalkproof.ingest.whatsapp_parse import ChatParser

DATA = Path(__file__).parents[1] / "data" / "ingest" / "whatsapp"
IN_CI = os.environ.get("CI", "").lower() == "true"
BUILT = compiled_module() is not None
needs_compiled = pytest.mark.skipif(not BUILT and not IN_CI, reason="the compiled loop is not built")

Outcome = tuple[list[tuple[object, ...]], list[ParseWarning], str | None]


def _fields(record: Record) -> tuple[object, ...]:
    """Every field of a record, its time and its origin spelled out (so a difference names the field)."""
    when = tuple(getattr(record.when, field.name) for field in fields(record.when))
    origin = tuple(getattr(record.origin, field.name) for field in fields(record.origin))
    return (*((field.name, getattr(record, field.name)) for field in fields(record)), when, origin)


def _outcome(path: Path, pure: bool, monkeypatch: pytest.MonkeyPatch, **options: object) -> Outcome:
    """Survey then parse (as an import does) with one loop: the records, the warnings, and the error that
    stopped it, if any (the records before it are kept)."""
    monkeypatch.setenv(PURE_PYTHON_VARIABLE, "1" if pure else "0")
    assert parse_path() == ("pure Python" if pure else "compiled")
    records: list[tuple[object, ...]] = []
    warnings: list[ParseWarning] = []
    ctx = Context(on_warning=warnings.append, **options)  # type: ignore[arg-type]
    try:
        with open_input(path) as inp:
            SOURCE.survey(inp, ctx)
            warnings.append(ParseWarning("-- parse --", "", None, "", ""))
            records.extend(_fields(record) for record in SOURCE.parse(inp, ctx))
    except InputError as error:
        return records, warnings, f"{error.path}: {error.line}: {error}"
    return records, warnings, None


def _parsed(chat: Path, data: bytes, pure: bool) -> Outcome:
    """The records of `data` read with `chat`'s facts (its scan, participants and date order) by one loop
    directly, up to the error that stops it, if any: for errors the survey would find first."""
    warnings: list[ParseWarning] = []
    records: list[tuple[object, ...]] = []
    ctx = Context(on_warning=warnings.append)
    with open_input(chat) as inp:
        member = inp.members[0]
        facts = SOURCE._learn(inp, ctx)[member.name]
        parser = ChatParser(_setup(inp, member, facts, ctx, load_markers()), ctx)
    compiled = compiled_module()
    assert compiled is not None or pure
    stream = io.BytesIO(data)
    try:
        for record in parser.parse_python(stream) if pure or compiled is None else compiled(parser, stream):
            records.append(_fields(record))
    except InputError as error:
        return records, warnings, f"{error.path}: {error.line}: {error}"
    return records, warnings, None


def _same_parsed(chat: Path, data: bytes) -> Outcome:
    python, compiled = _parsed(chat, data, True), _parsed(chat, data, False)
    assert compiled == python
    return compiled


def _same(path: Path, monkeypatch: pytest.MonkeyPatch, **options: object) -> Outcome:
    """Both loops' outcomes, which must be equal; the compiled one's is returned."""
    python = _outcome(path, True, monkeypatch, **options)
    compiled = _outcome(path, False, monkeypatch, **options)
    assert compiled[2] == python[2]
    assert compiled[1] == python[1]
    assert len(compiled[0]) == len(python[0])
    for index, (mine, theirs) in enumerate(zip(compiled[0], python[0], strict=True)):
        assert mine == theirs, f"record {index}"
    return compiled


# --- which loop runs -------------------------------------------------------------------------------------


def test_the_compiled_loop_is_built_and_used_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    if not IN_CI and not BUILT:
        pytest.skip("the compiled loop is not built (pip install -e . builds it)")
    monkeypatch.delenv(PURE_PYTHON_VARIABLE, raising=False)
    assert compiled_module() is not None, "CI must build _whatsapp_fast (see setup.py)"
    assert parse_path() == "compiled"
    monkeypatch.setenv(PURE_PYTHON_VARIABLE, "1")
    assert parse_path() == "pure Python"


# --- fixtures and round trips ----------------------------------------------------------------------------

FIXTURES = sorted(path.name for path in DATA.iterdir() if path.suffix == ".txt" or path.is_dir())


@needs_compiled
@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_gives_the_same_records(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(DATA / name, monkeypatch)
    _same(DATA / name, monkeypatch, me="Sam Taylor", date_order="dmy")


@needs_compiled
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(_chats())
def test_round_trips_give_the_same_records(
    tmp_path_factory: pytest.TempPathFactory, chat: tuple[render.Variant, list[render.ChatLine], str]
) -> None:
    variant, messages, newline = chat
    path = tmp_path_factory.mktemp("rt") / "chat.txt"
    path.write_bytes(render.render(messages, variant, chat="Sam Taylor", newline=newline))
    with pytest.MonkeyPatch.context() as monkeypatch:
        records, _, error = _same(path, monkeypatch)
    assert error is None and len(records) == len(messages)


# --- generated chats with every quirk --------------------------------------------------------------------

_WORDS = ("ok", "where", "now", "stop", "please", "call", "x", "(edited)", "é", "😡", "1", "[2]")


def _quirky_lines(chooser: random.Random, ios: bool, count: int) -> Iterator[str]:
    """Messages of a two-person chat with everything the compiled loop hands back to Python mixed in."""
    variant = render.VARIANTS["ios_24h" if ios else "en_gb"]
    other = render.VARIANTS["en_gb" if ios else "ios_24h"]
    at = datetime(2023, 3, 25, 23, 50)
    repeated = render.ChatLine(at, "Sam Taylor", "same")
    for _ in range(count):
        at += timedelta(minutes=chooser.choice((0, 0, 1, 1, 2, 61)), seconds=chooser.randint(0, 59) * ios)
        roll = chooser.random()
        sender = render.PEOPLE[chooser.random() < 0.5]
        words = " ".join(chooser.choices(_WORDS, k=chooser.randint(1, 12)))
        message = render.ChatLine(at, sender, words)
        if roll < 0.05:
            message = render.ChatLine(at, sender, words + "\n" + words + "\n\n2023 is not a header")
        elif roll < 0.08:
            message = render.ChatLine(at, sender, render.media_omitted(variant))
        elif roll < 0.10:
            message = render.ChatLine(at, sender, render.media_attached(variant, "IMG-1.jpg", "look"))
        elif roll < 0.12:
            message = render.ChatLine(at, sender, "This message was deleted")
        elif roll < 0.14:
            message = render.ChatLine(at, None, "Sam Taylor changed the group description")
        elif roll < 0.16:
            message = render.ChatLine(at, "Jo Bright", words)  # a one-off sender
        elif roll < 0.20:
            repeated = render.ChatLine(at, sender, "same")  # the same words again in the same minute
            yield render.line(repeated, variant, "Sam Taylor") * chooser.randint(2, 4)
            continue
        elif roll < 0.22:  # earlier than the message before
            message = render.ChatLine(at - timedelta(minutes=chooser.choice((5, 300, 5000))), sender, words)
        elif roll < 0.23:  # written the other way
            yield render.line(message, other, "Sam Taylor")
            continue
        elif roll < 0.24:  # a name with ": " in the text, and a header-like first word
            message = render.ChatLine(at, sender, "Note: 12/03/2023, 10:00 - not a header")
        yield render.line(message, variant, "Sam Taylor")


def _quirky_chat(seed: int, size: int, ios: bool, crlf: bool, terminated: bool) -> bytes:
    chooser = random.Random(seed)
    text = "".join(_quirky_lines(chooser, ios, size // 40))
    if crlf:  # some lines only: a file may mix them, and a "\r" may be first seen late
        text = "\n".join(line + "\r" if chooser.random() < 0.3 else line for line in text.split("\n"))
    data = text.encode()
    return data if terminated else data.rstrip(b"\r\n")


@needs_compiled
@pytest.mark.parametrize(
    ("seed", "size", "ios", "crlf", "terminated"),
    [
        (1, 4_000, False, False, True),
        (2, 4_000, True, False, False),
        (3, 20_000, False, True, False),
        (4, 20_000, True, True, True),
        (5, 3 * BLOCK, False, False, True),  # block boundaries fall inside lines and inside records
        (6, 3 * BLOCK, True, True, False),
    ],
)
def test_generated_chats_with_every_quirk_give_the_same_records(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    size: int,
    ios: bool,
    crlf: bool,
    terminated: bool,
) -> None:
    path = tmp_path / "WhatsApp Chat with Sam Taylor.txt"
    path.write_bytes(_quirky_chat(seed, size, ios, crlf, terminated))
    records, warnings, error = _same(path, monkeypatch)
    assert error is None and len(records) > size // 200
    assert {warning.code for warning in warnings} >= {"ambiguous_header", "-- parse --"}


@needs_compiled
def test_the_bench_file_gives_the_same_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = render.write_bench_file(tmp_path / "WhatsApp Chat with Sam Taylor.txt", 30_000)
    assert path.stat().st_size > 2 * BLOCK
    _same(path, monkeypatch)


@needs_compiled
def test_a_message_over_several_blocks_and_lines_over_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = b"22/01/2023, 18:30 - Sam: a\n22/01/2023, 18:31 - Alex: b\n"
    long_message = b"22/01/2023, 18:32 - Sam: start\n" + (b"y" * 1000 + b"\n") * (3 * BLOCK // 1000)
    tail = b"22/01/2023, 18:33 - Alex: d\n22/01/2023, 18:34 - Sam: e\n"
    chat = tmp_path / "chat.txt"
    chat.write_bytes(head + long_message + tail)
    records, _, _ = _same(chat, monkeypatch)
    assert len(records) == 5
    # The survey's scan finds an over-long line first; the parse checks again, as the file may change.
    for data in (
        head * 20_000 + b"22/01/2023, 18:35 - Sam: " + b"z" * MAX_LINE + b"\n" + tail,
        head * 20_000 + b"22/01/2023, 18:35 - Sam: " + b"z" * MAX_LINE,  # in the last, unterminated line
        head * 20_000 + b"z" * (MAX_LINE - 10) + b"\n" + tail,  # just under the limit
    ):
        records, _, error = _same_parsed(chat, data)
        assert (error is not None and "MiB long" in error) == (b"z" * MAX_LINE in data)
        assert len(records) > 0


@needs_compiled
@pytest.mark.parametrize(
    "bad",
    [
        b"22/01/2023, 18:32 - Sam: caf\xe9 ok\n",
        b"22/01/2023, 18:32 - Sam: two\nlin\xe9s\n",
        b"22/01/2023, 18:32 - S\xe9m: hi\n",
        b"22/01/2023, 18:32 - Sam: <Media omitted> \xff\n",
        b"\xff22/01/2023, 18:32 - Sam: x\n",
    ],
)
def test_invalid_utf8_stops_both_loops_at_the_same_record(tmp_path: Path, bad: bytes) -> None:
    chat = tmp_path / "chat.txt"
    head = b"22/01/2023, 18:30 - Sam: a\n22/01/2023, 18:31 - Alex: b\n"
    chat.write_bytes(head * 3)
    _, _, error = _same_parsed(chat, head * 3 + bad + b"22/01/2023, 18:33 - Alex: d\n")
    if b"S\xe9m" not in bad and not bad.startswith(b"\xff"):
        assert error is not None and "not UTF-8" in error


@needs_compiled
def test_lines_before_the_first_message_a_bom_and_a_clock_that_goes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2023, 10, 29, 1, 0)
    messages = [render.ChatLine(start + timedelta(minutes=i), "Sam Taylor", "ok") for i in range(60)] * 2
    messages += [render.ChatLine(start + timedelta(minutes=60 + i), "Alex Morgan", "x") for i in range(5_000)]
    messages.append(render.ChatLine(start, "Sam Taylor", "ok"))
    path = tmp_path / "chat.txt"
    path.write_bytes(b"\xef\xbb\xbf\n  \n" + render.render(messages, "en_gb"))
    records, warnings, error = _same(path, monkeypatch)
    assert error is None and len(records) == len(messages)
    assert [warning.code for warning in warnings].count("unparsed_line") == 4  # two lines, two passes


@needs_compiled
def test_too_many_messages_in_one_minute_stops_both_loops_alike(tmp_path: Path) -> None:
    at = datetime(2023, 1, 22, 18, 30)
    messages = [render.ChatLine(at, render.PEOPLE[i % 2], f"m{i}") for i in range(66_000)]
    chat = tmp_path / "chat.txt"
    chat.write_bytes(render.render(messages[:10], "en_gb"))
    records, _, error = _same_parsed(chat, render.render(messages, "en_gb"))
    assert error is not None and "65,536 messages" in error and len(records) == 65_536


# --- damaged chats ---------------------------------------------------------------------------------------

# Bytes that can make or break a header, a name, a line end, a notice or valid UTF-8.
_DAMAGE: tuple[bytes, ...] = (b"\n", b"\r\n", b"\r", b": ", b"[", b"0", b"1/", b", ", b" - ", b"<")
_DAMAGE += (b"\xff", b"\xe2\x80", b"\xe2\x80\x8e")


def _damaged(data: bytes, generator: random.Random) -> bytes:
    """`data` with a few bytes cut, doubled or put in where a header, a name or a line end could change."""
    damaged = bytearray(data)
    for _ in range(generator.randint(1, 6)):
        at = generator.randrange(len(damaged) + 1)
        choice = generator.random()
        if choice < 0.4:
            damaged[at:at] = generator.choice(_DAMAGE)
        elif choice < 0.7:
            del damaged[at : at + generator.randint(1, 12)]
        else:
            damaged[at:at] = damaged[max(0, at - 40) : at]
    return bytes(damaged)


def _surveyed(name: str) -> bool:
    """Whether the survey accepts the fixture as it is (some are bad input on purpose): a damaged copy is
    read with the facts the survey learns from the original."""
    try:
        with open_input(DATA / name) as inp:
            SOURCE.survey(inp, Context())
    except InputError:
        return False
    return True


@needs_compiled
@pytest.mark.parametrize("name", [name for name in FIXTURES if name.endswith(".txt") and _surveyed(name)])
def test_damaged_chats_give_the_same_records_and_errors(name: str) -> None:
    """Random cuts and insertions in every fixture (fixed seeds): the compiled loop, which reads the
    buffer with C offsets, must agree with the Python loop on whatever it is given, errors included."""
    chat = DATA / name
    generator = random.Random(name)
    for _ in range(150):
        _same_parsed(chat, _damaged(chat.read_bytes(), generator))
