"""Snapchat chat_history.json: hand-written fixtures, round trips through the renderer, bad inputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.support import assert_memory_stays_flat, check_spans, parse_all
from stalkproof.demo.exports import snapchat as render
from stalkproof.errors import InputError
from stalkproof.ingest.base import Attachment, Context, Handle, ParseWarning, Record
from stalkproof.ingest.inputs import open_input
from stalkproof.ingest.snapchat import SOURCE

DATA = Path(__file__).parent.parent / "data" / "ingest" / "snapchat"
SAM = Handle("snapchat", "sam_example")


def parse(path: Path, me: str | None = None) -> tuple[list[Record], list[ParseWarning]]:
    return parse_all(SOURCE, path, me=me)


def test_old_format() -> None:
    path = DATA / "old_format.json"
    records, warnings = parse(path)
    check_spans(path, records)
    assert [(w.code, w.line) for w in warnings] == [("only_saved_chats", None)]
    seen, media, sent = records
    assert seen.text == 'I saw you at the station. "Nice" coat\\ 👀 café'
    assert seen.sender == SAM and seen.thread == "sam_example" and seen.markers == frozenset()
    assert seen.when.at == datetime(2020, 5, 1, 18, 30, 5, tzinfo=UTC)
    assert (seen.when.found, seen.when.precision) == ("2020-05-01 18:30:05 UTC", "second")
    assert media.text is None and media.details is not None and media.details["Media Type"] == "MEDIA"
    assert sent.sender == Handle("snapchat", "self") and sent.recipients == (SAM,)
    assert sent.markers == frozenset({"from_me"}) and sent.thread == "sam_example"
    assert sent.identity == ("sam_example", "2020-05-01 18:35:40 UTC", "self", "Leave me alone.", 0)
    assert (sent.origin.line, sent.origin.end_line) == (17, 22)
    me, _ = parse(path, me="alex_example")
    assert me[2].sender == Handle("snapchat", "alex_example")


def test_new_format_with_media_folder() -> None:
    records, warnings = parse(DATA / "media")
    check_spans(DATA / "media" / "json" / "chat_history.json", records)
    assert [r.text for r in records] == ["ok", "ok", "Stop sending me these.", None]
    first, again, mine, group = records
    assert first.when.at == datetime(2023, 6, 1, 18, 30, 5, 123000, tzinfo=UTC)
    assert first.when.found == "1685644205123"
    assert [first.identity[-1], again.identity[-1]] == [0, 1]  # two identical "ok"s stay two
    assert mine.markers == frozenset({"from_me"}) and mine.when.found == "2023-06-01 18:32:00 UTC"
    assert group.thread == "a1b2c3d4-0000-4000-8000-00000000abcd"
    assert group.when.at == datetime(2023, 6, 2, 9, tzinfo=UTC)  # a count of microseconds
    assert group.details is not None and group.details["Conversation Title"] == "Night out"
    assert group.attachments == (
        Attachment("b~EiQSFWZ1", "attached", member="chat_media/2023-06-02_b~EiQSFWZ1.jpeg"),
        Attachment("b~EiQSFWZ2", "missing"),
    )
    assert group.markers == frozenset({"media_missing"})
    assert [(w.code, w.member, w.line) for w in warnings] == [
        ("only_saved_chats", "media/json/chat_history.json", None),
        ("media_missing", "media/json/chat_history.json", 37),
    ]


def test_chat_history_alone_gives_one_warning_for_its_media() -> None:
    _, warnings = parse(DATA / "new_format.json")
    assert [(w.code, w.line) for w in warnings] == [("only_saved_chats", None), ("media_missing", None)]
    assert "2 photos or videos" in warnings[1].reason


def test_survey_and_detect(tmp_path: Path) -> None:
    with open_input(DATA / "media") as inp:
        assert SOURCE.detect(inp) == 0.95
        survey = SOURCE.survey(inp, Context())
    assert survey.records == 4 and survey.accounts[("snapchat", "sam_example")].records == 2
    with open_input(DATA / "old_format.json") as inp:
        assert SOURCE.detect(inp) == 0.8
    other = tmp_path / "x.json"
    other.write_text('{"messages": []}')
    with open_input(other) as inp:
        assert SOURCE.detect(inp) == 0.0


def test_bad_time_is_warned_and_truncation_is_fatal(tmp_path: Path) -> None:
    data = (DATA / "old_format.json").read_bytes()
    path = tmp_path / "chat_history.json"
    path.write_bytes(data.replace(b"2020-05-01 18:31:00 UTC", b"last Tuesday"))
    records, warnings = parse(path)
    assert len(records) == 2 and [(w.code, w.line) for w in warnings][1] == ("unparsed_record", 9)
    path.write_bytes(data[: data.index(b"Leave me")])
    with pytest.raises(InputError) as caught:
        parse(path)
    assert str(caught.value) == (
        "chat_history.json, line 21: the file ends in the middle of message 1; the export is incomplete "
        "(download it again)."
    )


_TEXT = st.one_of(st.none(), st.text(st.characters(codec="utf-8"), max_size=40))


@st.composite
def conversations(draw: st.DrawFn) -> list[tuple[str, list[render.Message]]]:
    moment = datetime(2023, 3, 26, 0, 30, tzinfo=UTC)
    chats = []
    for name in draw(st.lists(st.text(min_size=1, max_size=12), max_size=3, unique=True)):
        messages = []
        for _ in range(draw(st.integers(0, 6))):
            moment += timedelta(milliseconds=draw(st.integers(0, 4_000_000)))
            sender = draw(st.sampled_from([render.OWNER, "sam_example"]))
            messages.append(render.Message(sender, moment, draw(_TEXT)))
        chats.append((name, messages))
    return chats


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chats=conversations(), minified=st.booleans())
def test_round_trip(tmp_path: Path, chats: list[tuple[str, list[render.Message]]], minified: bool) -> None:
    data = render.chats_bytes(chats)
    if minified:
        data = orjson.dumps(json.loads(data))
    path = tmp_path / "chat_history.json"
    path.write_bytes(data)
    records, _ = parse(path)
    expected = [(name, m) for name, messages in chats for m in messages]
    assert [r.thread for r in records] == [name for name, _ in expected]
    assert [r.text for r in records] == [m.content or None for _, m in expected]
    assert [r.when.at for r in records] == [m.at for _, m in expected]
    assert [("from_me" in r.markers) for r in records] == [m.sender == render.OWNER for _, m in expected]
    if not minified:
        check_spans(path, records)


def _long_messages(count: int) -> Iterator[render.Message]:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for number in range(count):
        text = f"{number} " + "I am outside again, look out of the window. " * 90
        yield render.Message("sam_example", start + timedelta(seconds=number), text)


def _write(folder: Path, count: int) -> Path:
    path = folder / f"chat_history_{count}.json"
    with path.open("wb") as out:
        render.write_chats(out, [("sam_example", _long_messages(count))])
    return path


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    assert_memory_stays_flat(SOURCE, _write, tmp_path)
