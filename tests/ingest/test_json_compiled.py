"""The compiled JSON hot paths (_json_fast.pyx) against their pure-Python references: jsonsplit's split loop
and Telegram's and Meta's times. The same elements (every field, in the same runs), the same records, the
same warnings and the same errors, on every JSON fixture, on generated documents and exports with window
edges inside elements, and on many damaged copies; and the same times on awkward values.

Without the compiled module these tests are skipped, except under CI=true, where it must be built."""

from __future__ import annotations

import json
import os
import random
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalkproof.demo.exports import meta as meta_render
from stalkproof.demo.exports import telegram as telegram_render
from stalkproof.errors import InputError
from stalkproof.ingest import jsonsplit
from stalkproof.ingest.base import Context, ParseWarning, Record, When
from stalkproof.ingest.epoch import EPOCH, EpochClock, utc_when
from stalkproof.ingest.inputs import Input, open_input
from stalkproof.ingest.json_compiled import compiled_module, split_path
from stalkproof.ingest.meta import _Reader
from stalkproof.ingest.registry import source_named
from stalkproof.ingest.telegram import _Chats
from stalkproof.ingest.whatsapp_compiled import PURE_PYTHON_VARIABLE

DATA = Path(__file__).parents[1] / "data" / "ingest"
IN_CI = os.environ.get("CI", "").lower() == "true"
BUILT = compiled_module() is not None
needs_compiled = pytest.mark.skipif(not BUILT and not IN_CI, reason="the compiled JSON paths are not built")
# Which sources read the fixtures of each folder of tests/data/ingest.
FOLDERS = {
    "telegram": ("telegram",),
    "meta": ("messenger", "instagram"),
    "discord": ("discord",),
    "x": ("x",),
    "snapchat": ("snapchat",),
    "google_chat": ("google_chat",),
}
MESSAGES = (("messages",),)

Outcome = tuple[list[tuple[object, ...]], list[ParseWarning], str | None]


def _fields(record: Record) -> tuple[object, ...]:
    """Every field of a record, its time and its origin spelled out (so a difference names the field)."""
    when = tuple((field.name, getattr(record.when, field.name)) for field in fields(record.when))
    origin = tuple(getattr(record.origin, field.name) for field in fields(record.origin))
    utc = record.when.at.tzinfo is EPOCH.tzinfo  # the very UTC object, not merely an equal tzinfo
    return (*((field.name, getattr(record, field.name)) for field in fields(record)), when, origin, utc)


def _outcome(source: str, path: Path, pure: bool, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """Survey then parse (as an import does) with one path: the records, the warnings, and the errors that
    stopped each pass, if any (the records before it are kept). The parse runs even when the survey
    failed, so that the records before a fault are compared too."""
    monkeypatch.setenv(PURE_PYTHON_VARIABLE, "1" if pure else "0")
    assert split_path() == ("pure Python" if pure else "compiled")
    records: list[tuple[object, ...]] = []
    warnings: list[ParseWarning] = []
    errors: list[str] = []
    ctx = Context(on_warning=warnings.append, me="Sam Taylor")
    reader = source_named(source)
    with open_input(path) as inp:
        for survey in (True, False):
            warnings.append(ParseWarning(f"-- survey {survey} --", "", None, "", ""))
            try:
                if survey:
                    reader.survey(inp, ctx)
                else:
                    records.extend(_fields(record) for record in reader.parse(inp, ctx))
            except InputError as error:
                errors.append(f"{error.path}: {error.line}: {error}")
    return records, warnings, " / ".join(errors) or None


def _same(source: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """Both paths' outcomes, which must be equal; the compiled one's is returned."""
    python = _outcome(source, path, True, monkeypatch)
    compiled = _outcome(source, path, False, monkeypatch)
    assert compiled[2] == python[2]
    assert compiled[1] == python[1]
    assert len(compiled[0]) == len(python[0])
    for index, (mine, theirs) in enumerate(zip(compiled[0], python[0], strict=True)):
        assert mine == theirs, f"record {index}"
    return compiled


def _runs(path: Path, pure: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any], Any]:
    """jsonsplit's runs of `path` with one path: every field of every element, run by run; the warnings;
    and the error, if any."""
    monkeypatch.setenv(PURE_PYTHON_VARIABLE, "1" if pure else "0")
    runs: list[Any] = []
    warnings: list[ParseWarning] = []
    try:
        with open_input(path) as inp:
            ctx = Context(on_warning=warnings.append)
            for run in jsonsplit.iter_element_runs(inp.members[0], path.name, MESSAGES, ctx):
                runs.append([tuple(getattr(e, f.name) for f in fields(e)) for e in run])
    except InputError as error:
        return runs, warnings, (error.path, error.line, str(error))
    return runs, warnings, None


def _same_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    python, compiled = _runs(path, True, monkeypatch), _runs(path, False, monkeypatch)
    assert compiled == python
    return compiled[0]


# --- which code runs -------------------------------------------------------------------------------------


def test_the_compiled_paths_are_built_and_used_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    if not IN_CI and not BUILT:
        pytest.skip("the compiled JSON paths are not built (pip install -e . builds them)")
    monkeypatch.delenv(PURE_PYTHON_VARIABLE, raising=False)
    assert compiled_module() is not None, "CI must build _json_fast (see setup.py)"
    assert split_path() == "compiled"
    monkeypatch.setenv(PURE_PYTHON_VARIABLE, "1")
    assert split_path() == "pure Python"


# --- fixtures and generated exports ----------------------------------------------------------------------

FIXTURES = [
    (source, f"{folder}/{path.name}")
    for folder, sources in FOLDERS.items()
    for path in sorted((DATA / folder).iterdir())
    for source in sources
]


@needs_compiled
@pytest.mark.parametrize(("source", "name"), FIXTURES)
def test_every_json_fixture_gives_the_same_records(
    source: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _same(source, DATA / name, monkeypatch)


@needs_compiled
@pytest.mark.parametrize("block", [jsonsplit.BLOCK, 4_099, 257])
def test_generated_exports_give_the_same_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """The bench's generators, read through windows of several sizes, so that they end inside elements."""
    monkeypatch.setattr(jsonsplit, "BLOCK", block)
    telegram = tmp_path / "result.json"
    with telegram.open("wb") as out:
        telegram_render.write_synthetic(out, 3_000)
    records, _, error = _same("telegram", telegram, monkeypatch)
    assert error is None and len(records) == 3_000
    messenger = tmp_path / "messenger"
    meta_render.write_export(messenger, list(meta_render.synthetic_threads(2, 1_500)), "facebook", 700)
    records, _, error = _same("messenger", messenger, monkeypatch)
    assert error is None and len(records) == 3_000


# --- the splitter on generated documents -----------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.sampled_from('a{}[]",:\\\n\t é😀'), max_size=8),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(st.sampled_from("a}{ "), max_size=3), inner)
    ),
    max_leaves=8,
)


@needs_compiled
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    elements=st.lists(st.dictionaries(st.text(max_size=4), _VALUES, min_size=1, max_size=4), max_size=80),
    indent=st.sampled_from([1, 2, 4, "\t"]),
    crlf=st.booleans(),
    block=st.sampled_from([jsonsplit.BLOCK, 61, 509]),
)
def test_generated_documents_split_into_the_same_runs(
    tmp_path: Path, elements: list[Any], indent: int | str, crlf: bool, block: int
) -> None:
    text = json.dumps({"head": 1, "messages": elements, "tail": [2]}, indent=indent, ensure_ascii=False)
    path = tmp_path / "doc.json"
    path.write_bytes((text.replace("\n", "\r\n") if crlf else text).encode())
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(jsonsplit, "BLOCK", block)
        runs = _same_runs(path, monkeypatch)
    assert sum(len(run) for run in runs) == len(elements)


# --- damaged copies --------------------------------------------------------------------------------------

# Bytes that can end an element early, break its layout or its JSON, or make a time unreadable.
_DAMAGE: tuple[bytes, ...] = (
    b"\n",
    b"\r\n",
    b"\r",
    b"}",
    b"\n  }",
    b"\n   },",
    b",",
    b"]",
    b"{",
    b'"',
    b"\\",
)
_DAMAGE += (b"\xff", b"\xe2\x80", b"\\ud83d", b" ", b"\t", b"0", b"x", b"T", b":", b"-", b"\n  {\n")


def _damaged(data: bytes, generator: random.Random) -> bytes:
    """`data` with a few bytes cut, doubled or put in, anywhere."""
    damaged = bytearray(data)
    for _ in range(generator.randint(1, 4)):
        at = generator.randrange(len(damaged) + 1)
        choice = generator.random()
        if choice < 0.5:
            damaged[at:at] = generator.choice(_DAMAGE)
        elif choice < 0.8:
            del damaged[at : at + generator.randint(1, 12)]
        else:
            damaged[at:at] = damaged[max(0, at - 60) : at]
    if generator.random() < 0.15:
        del damaged[generator.randrange(len(damaged) + 1) :]  # cut short
    return bytes(damaged)


def _telegram_original() -> bytes:
    """A chat with what the compiled paths leave to Python mixed in: service notices, old-style dates, odd
    times and offsets, a date beyond 9999."""
    messages = list(telegram_render.synthetic_messages(60, 11))
    text = telegram_render.chat_bytes(
        telegram_render.Chat("Sam Taylor", "personal_chat", 77), messages, timedelta(hours=2)
    ).decode()
    text = text.replace('"date_unixtime": "1672', '"date_unixtime": " 1672', 1)
    text = text.replace('"date_unixtime": "1672', '"date_unixtime": "01672', 1)
    text = text.replace('"date_unixtime": "16726', '"date_unixtime": "253402300800', 1)
    text = text.replace('"date": "2023-01-0', '"date": "2023-01-0\\u0031', 1)
    text = text.replace('"date": "2023-01-0', '"date": "2023-02-30T', 1)
    return text.encode()


@needs_compiled
@pytest.mark.parametrize("kind", ["telegram", "messenger", "splitter"])
def test_damaged_copies_give_the_same_records_warnings_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Random cuts and insertions (fixed seeds): wherever the compiled loop stops or whatever it decodes,
    the records, warnings and errors must be the Python code's, with small windows too."""
    if kind == "messenger":
        folder = tmp_path / "export"
        meta_render.write_export(folder, list(meta_render.synthetic_threads(1, 60)), "facebook", 60)
        target = next(folder.rglob("message_1.json"))
    else:
        target = tmp_path / "result.json"
    original = target.read_bytes() if kind == "messenger" else _telegram_original()
    generator = random.Random(kind)
    for _ in range(200):
        monkeypatch.setattr(jsonsplit, "BLOCK", generator.choice([jsonsplit.BLOCK, 97, 1_031]))
        target.write_bytes(_damaged(original, generator))
        if kind == "splitter":
            _same_runs(target, monkeypatch)
        else:
            _same(kind, target if kind == "telegram" else folder, monkeypatch)


# --- the times -------------------------------------------------------------------------------------------

_DATES = st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)).map(
    lambda at: at.replace(microsecond=0).isoformat()
)


def _python_telegram_when(unix: object, date: object) -> tuple[When | None, dict[str, Any], dict[int, str]]:
    """The Python code's When and message, and the offset texts it wrote."""
    chats = _Chats.__new__(_Chats)
    chats.hours, chats.offsets, chats.clock, chats.quick_when = {}, {}, EpochClock(), None
    message = {"date": date, "date_unixtime": unix}
    return chats._when(message), message, chats.offsets


@needs_compiled
@settings(max_examples=600, deadline=None)
@given(
    seconds=st.integers(0, 10**12) | st.sampled_from([0, 253402300799, 253402300800, 951782400]),
    offset=st.integers(-(10**6), 10**6) | st.sampled_from([0, 3600, -3600, 19800, -34200, 59]),
    unix_form=st.sampled_from(["{}", "0{}", " {}", "+{}", "{}.0", "{}_0", "-{}", "１"]),
    date=st.none() | _DATES | st.text(st.sampled_from("0123456789-T: x"), max_size=20),
    matching=st.booleans(),
)
def test_telegram_time_is_the_python_time(
    seconds: int, offset: int, unix_form: str, date: str | None, matching: bool
) -> None:
    """`telegram_when` gives the Python code's When and utc_offset, or None and leaves the message alone:
    always None while the offset is new, and never None in the usual case once it is known."""
    module = compiled_module()
    assert module is not None
    unix = unix_form.format(seconds)
    if matching and seconds + offset < 253402300800:
        date = (datetime(1970, 1, 1) + timedelta(seconds=max(seconds + offset, 0))).isoformat()
    expected, python_message, offsets = _python_telegram_when(unix, date)
    for known in ({}, offsets):
        message: dict[str, Any] = {"date": date}
        found = module.telegram_when(message, unix, date, known)
        if found is None:
            assert message == {"date": date}
        else:
            assert known and found == expected and message == python_message
            assert expected is not None and found.at.tzinfo is expected.at.tzinfo
    usual = unix == str(seconds) and seconds < 253402300800 and matching and seconds + offset >= 0
    if usual and date is not None and len(date) == 19:
        assert found is not None


@needs_compiled
@settings(max_examples=400)
@given(
    milliseconds=st.integers(-(10**13), 3 * 10**14)
    | st.integers(-(10**19), 10**19)
    | st.sampled_from([0, -1, 999, 951782400000, 253402300799999, 253402300800000])
)
def test_meta_time_is_the_python_time(milliseconds: int) -> None:
    module = compiled_module()
    assert module is not None
    found = module.millisecond_when(milliseconds)
    try:
        expected = utc_when(EpochClock().milliseconds(milliseconds), str(milliseconds))
    except OverflowError:
        assert found is None
        return
    if found is not None:
        assert found == expected and found.at.tzinfo is expected.at.tzinfo
    assert (found is not None) == (0 <= milliseconds < 253402300800000)
    assert module.millisecond_when(True) is None and module.millisecond_when(1.0) is None


def test_stalkproof_pure_python_leaves_the_readers_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PURE_PYTHON_VARIABLE, "1")
    assert _Reader("messenger", Input(Path("x.json"), "file", []), Context()).quick_when is None
    assert split_path() == "pure Python"
