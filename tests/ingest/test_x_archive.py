"""X (Twitter) archive direct messages: hand-written fixtures, round trips through the renderer, bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.support import assert_memory_stays_flat, check_spans, details, parse_all
from stalkproof.demo.exports import x_archive as render
from stalkproof.errors import InputError
from stalkproof.ingest.base import Attachment, Context, Handle, ParseWarning, Record
from stalkproof.ingest.inputs import open_input
from stalkproof.ingest.x_archive import SOURCE

DATA = Path(__file__).parent.parent / "data" / "ingest" / "x"
ALEX = Handle("x", "1111111111")
SAM = Handle("x", "2222222222")
PREFIX = b"window.YTD.direct_messages.part0 = "


def parse(path: Path, me: str | None = None) -> tuple[list[Record], list[ParseWarning]]:
    return parse_all(SOURCE, path, me=me)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_whole_archive() -> None:
    records, warnings = parse(DATA / "archive")
    data = DATA / "archive" / "data"
    check_spans(data / "direct-messages.js", [r for r in records if r.origin.member.endswith("s.js")])
    check_spans(data / "direct-messages-group.js", [r for r in records if "group" in r.origin.member])
    assert [r.origin.member for r in records] == [
        *["data/direct-messages.js"] * 3,
        "data/direct-messages-part1.js",
        *["data/direct-messages-group.js"] * 3,
    ]
    assert [r.kind for r in records] == ["message"] * 5 + ["system"] * 2
    assert [r.identity for r in records[:5]] == [
        ("1660000000000000003",),
        ("1660000000000000002",),
        ("1660000000000000001",),
        ("1660000000000000050",),
        ("1660000000000000071",),
    ]
    photo, stop, where = records[:3]
    assert (
        where.text
        == 'Where are you right now? &lt;3 "quoted" back\\slash 👩‍👩‍👧 café\nsecond line https://t.co/Zz9'
    )
    assert where.sender == SAM and where.recipients == (ALEX,) and where.thread == "1111111111-2222222222"
    assert where.when.at == at("2023-06-01T18:30:05.123") and where.when.precision == "second"
    assert (where.when.found, where.when.zone) == ("2023-06-01T18:30:05.123Z", "UTC")
    assert where.details is not None and details(where)["urls"][0]["expanded"] == "https://example.com/you"
    assert details(where)["reactions"][0]["reactionKey"] == "sad"
    assert (where.origin.line, where.origin.end_line) == (34, 59)
    assert stop.sender == ALEX and stop.markers == frozenset({"from_me"})  # the owner from account.js
    url = "https://ton.twitter.com/dm/1660000000000000003/1660000000000000099/kT3xQ.jpg"
    assert photo.attachments == (
        Attachment(url, "attached", member="data/direct_messages_media/1660000000000000003-kT3xQ.jpg"),
    )
    group = records[4]
    assert group.thread == "1700000000000000000" and group.recipients == ()
    assert group.attachments[0].status == "missing" and group.markers == frozenset({"media_missing"})
    assert [(w.code, w.member, w.line) for w in warnings] == [
        ("media_missing", "archive/data/direct-messages-group.js", 6)
    ]
    assert "1660000000000000071-vid.mp4" in warnings[0].reason
    rename, join = records[5:]
    assert rename.sender is None and rename.text is None
    assert rename.details == {
        "initiatingUserId": "2222222222",
        "name": "Alex's secrets",
        "event": "conversationNameUpdate",
    }
    assert join.identity == (
        "1700000000000000000",
        "joinConversation",
        "2023-06-02T09:00:00.000Z",
        "2222222222",
        None,
        0,
    )


def test_edit_history_marks_edited_and_a_bad_time_is_warned() -> None:
    records, warnings = parse(DATA / "edited.js")
    assert [r.text for r in records] == ["I never said that."]
    assert records[0].markers == frozenset({"edited"})
    assert records[0].details is not None
    assert details(records[0])["editHistory"][0]["previousText"] == "I will be there tonight."
    assert [(w.code, w.member, w.line) for w in warnings] == [("unparsed_record", "edited.js", 24)]
    assert '"createdAt" : "yesterday"' in warnings[0].raw


def test_me_marks_the_owner_without_account_js() -> None:
    records, _ = parse(DATA / "archive" / "data" / "direct-messages.js", me="2222222222")
    assert [("from_me" in r.markers) for r in records] == [True, False, True]


def test_a_message_file_alone_gives_one_warning_for_its_media() -> None:
    records, warnings = parse(DATA / "archive" / "data" / "direct-messages.js")
    assert records[0].attachments[0].status == "missing"
    assert [(w.code, w.line) for w in warnings] == [("media_missing", None)]
    assert "1 photos or videos" in warnings[0].reason


def test_survey_and_detect(tmp_path: Path) -> None:
    with open_input(DATA / "archive") as inp:
        survey = SOURCE.survey(inp, Context())
        assert SOURCE.detect(inp) == 0.95
    assert survey.records == 7
    assert survey.accounts[("x", "2222222222")].records == 3
    assert survey.first == at("2023-06-01T18:30:05.123") and survey.last == at("2023-06-03T07:00:00")
    with open_input(DATA / "no_prefix.js") as inp:
        assert SOURCE.detect(inp) == 0.5
    other = tmp_path / "tweets.json"
    other.write_text('{"messages": []}')
    with open_input(other) as inp:
        assert SOURCE.detect(inp) == 0.0


def test_file_without_the_prefix_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse(DATA / "no_prefix.js")
    assert str(caught.value).startswith(
        "no_prefix.js, line 1: this does not start with 'window.YTD.direct_messages.part0 = '"
    )


def test_truncated_file_names_the_message_and_its_line(tmp_path: Path) -> None:
    data = (DATA / "archive" / "data" / "direct-messages.js").read_bytes()
    path = tmp_path / "direct-messages.js"
    path.write_bytes(data[: data.index(b"Please stop")])
    with pytest.raises(InputError) as caught:
        parse(path)
    assert str(caught.value) == (
        "direct-messages.js, line 21: the file ends in the middle of message 2; the export is incomplete "
        "(download it again)."
    )


# --- round trips through the renderer ---------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)


@st.composite
def conversations(draw: st.DrawFn) -> list[render.Message]:
    people = [render.OWNER_ID, render.OTHER_ID]
    moment = datetime(2023, 3, 26, 0, 30, tzinfo=UTC)
    messages = []
    for number in range(draw(st.integers(0, 12))):
        moment += timedelta(milliseconds=draw(st.integers(0, 4_000_000)))
        sender = draw(st.sampled_from(people))
        recipient = people[sender == people[0]]
        text = draw(_TEXT)
        messages.append(
            render.Message(str(10**18 + number), moment, sender, recipient, text, edited=draw(st.booleans()))
        )
    return messages


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=conversations(), minified=st.booleans())
def test_round_trip(tmp_path: Path, messages: list[render.Message], minified: bool) -> None:
    data = render.file_bytes([("c1", [render.event_object(m) for m in messages])])
    if minified:
        data = PREFIX + orjson.dumps(json.loads(data[len(PREFIX) :]))
    path = tmp_path / "direct-messages.js"
    path.write_bytes(data)
    records, warnings = parse(path, me=render.OWNER_ID)
    assert warnings == []
    assert [r.text for r in records] == [m.text or None for m in messages]
    assert [r.when.at for r in records] == [
        m.at.replace(microsecond=m.at.microsecond // 1000 * 1000) for m in messages
    ]
    assert [r.identity for r in records] == [(m.id,) for m in messages]
    assert [r.sender for r in records] == [Handle("x", m.sender_id) for m in messages]
    assert [("edited" in r.markers) for r in records] == [m.edited for m in messages]
    assert [("from_me" in r.markers) for r in records] == [m.sender_id == render.OWNER_ID for m in messages]
    if minified:
        assert all(r.origin.path is not None and r.origin.offset is None for r in records)
    else:
        check_spans(path, records)


def _long_events(count: int) -> Iterator[dict[str, object]]:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for number in range(count):
        text = f"{number} " + "I am outside again, look out of the window. " * 80
        message = render.Message(str(number), start + timedelta(seconds=number), "2", "1", text)
        yield render.event_object(message)


def _write(folder: Path, count: int) -> Path:
    path = folder / f"direct-messages-{count}.js"
    with path.open("wb") as out:
        render.write_conversations(out, [("c1", _long_events(count))])
    return path


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    assert_memory_stays_flat(SOURCE, _write, tmp_path)


def test_renderer_writes_what_json_reads() -> None:
    out = io.BytesIO()
    render.write_synthetic(out, 50)
    data = out.getvalue()
    assert data.startswith(PREFIX)
    document = json.loads(data[len(PREFIX) :])
    assert len(document[0]["dmConversation"]["messages"]) == 50
