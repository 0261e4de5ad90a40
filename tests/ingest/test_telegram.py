"""Telegram Desktop result.json: fixtures written by hand, round trips through the renderer, bad inputs."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.support import assert_memory_stays_flat, details, parse_all
from ingest.support import check_spans as check_exact_spans
from stalkproof.demo.exports import telegram as render
from stalkproof.errors import InputError
from stalkproof.ingest.base import Attachment, Context, Handle, Origin, ParseWarning, Record, When
from stalkproof.ingest.inputs import open_input
from stalkproof.ingest.telegram import SOURCE

DATA = Path(__file__).parent.parent / "data" / "ingest" / "telegram"
SAM = Handle("telegram", "user222", "Sam Taylor")
ALEX = Handle("telegram", "user111", "Alex Morgan")


def parse(path: Path) -> tuple[list[Record], list[ParseWarning]]:
    return parse_all(SOURCE, path)


def check_spans(path: Path, records: list[Record]) -> None:
    """Every record's raw bytes are exactly the file's bytes at its origin: one whole JSON object."""
    check_exact_spans(path, records)
    assert all(record.raw.startswith(b"{") and record.raw.endswith(b"}") for record in records)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_single_chat() -> None:
    path = DATA / "single_chat.json"
    records, warnings = parse(path)
    assert warnings == []
    check_spans(path, records)
    assert [r.text for r in records] == [
        "Where are you right now?",
        "Please stop messaging me.",
        "I know where you live.",
        'Line one\nLine two "quoted" back\\slash 👩‍👩‍👧 café',
        "Sent from an account that was later deleted",
    ]
    assert [r.sender for r in records] == [SAM, ALEX, SAM, SAM, Handle("telegram", "user999", None)]
    first = records[0]
    assert first.kind == "message" and first.channel == "telegram" and first.thread == "4242"
    assert first.when.at == at("2023-06-01T18:30:05") and first.when.precision == "second"
    assert (first.when.found, first.when.zone) == ("1685644205", "UTC")
    assert first.details is not None
    assert first.details["date"] == "2023-06-01T19:30:05" and first.details["utc_offset"] == "+01:00"
    assert first.details["chat"] == "Sam Taylor" and first.details["chat_type"] == "personal_chat"
    assert "text_entities" not in first.details  # all plain: it only repeats the text
    assert first.identity == ("4242", 1)
    assert (first.origin.member, first.origin.line, first.origin.end_line) == ("single_chat.json", 6, 20)
    assert first.origin.path is None and first.recipients == ()
    assert records[1].markers == frozenset({"edited"})
    assert records[1].details is not None and records[1].details["reply_to"] == 1
    assert records[1].details["edited"] == "2023-06-01T19:32:10"
    assert records[2].markers == frozenset({"forwarded"})
    assert records[2].details is not None and records[2].details["forwarded_from"] == "Jordan Lee"
    assert all(not r.markers for r in records[3:])
    assert orjson.loads(records[3].raw)["id"] == 4


def test_minified_file_is_read_through_ijson_with_canonical_raw() -> None:
    pretty, _ = parse(DATA / "single_chat.json")
    records, warnings = parse(DATA / "minified.json")
    assert warnings == []
    assert [(r.text, r.sender, r.when, r.identity, r.markers) for r in records] == [
        (r.text, r.sender, r.when, r.identity, r.markers) for r in pretty
    ]
    for index, record in enumerate(records):
        assert record.origin.path == f"messages[{index}]"
        assert record.origin.offset is None and record.origin.line is None
        assert record.raw == orjson.dumps(orjson.loads(record.raw), option=orjson.OPT_SORT_KEYS)
        assert record.details is not None and record.details["raw"] == "canonical-json"
    assert json.loads(records[3].raw)["text"] == pretty[3].text


def test_text_as_a_list_of_parts_is_joined_exactly() -> None:
    records, _ = parse(DATA / "text_mixed_list.json")
    old, new = records
    assert old.text == "Look at https://example.com/photos/you — I was right outside."
    assert old.sender == SAM  # the bare number 222 of an old export is user222
    assert old.when.at == datetime(2020, 3, 14, 21, 5) and old.when.zone is None
    assert old.when.found == "2020-03-14T21:05:00"
    assert old.details is not None
    assert [e["type"] for e in details(old)["text_entities"]] == ["plain", "link", "plain", "bold", "plain"]
    assert new.text == "Alex answer me here\nnow"
    assert new.details is not None
    assert details(new)["text_entities"][2] == {
        "type": "text_link",
        "text": "here",
        "href": "https://example.org/track?id=7",
    }


def test_service_messages_and_calls() -> None:
    records, warnings = parse(DATA / "service_and_calls.json")
    assert warnings == []
    assert [r.kind for r in records] == ["call", "call", "call", "system"]
    answered, missed, busy, pinned = records
    assert answered.sender == SAM and answered.text is None
    assert answered.details is not None and answered.details["duration_s"] == 125
    assert answered.details["discard_reason"] == "hangup" and answered.markers == frozenset()
    assert missed.markers == frozenset({"missed"}) and busy.markers == frozenset({"busy"})
    assert busy.sender == ALEX
    assert pinned.sender is None
    assert pinned.details is not None
    assert (pinned.details["action"], pinned.details["actor_id"], pinned.details["message_id"]) == (
        "pin_message",
        "user222",
        3,
    )


def test_media_left_out_of_the_export_is_omitted() -> None:
    records, warnings = parse(DATA / "media_omitted.json")
    assert warnings == []
    assert [r.attachments for r in records] == [
        (Attachment("photo", "omitted"),),
        (Attachment("IMG_0042.MOV", "omitted", mime="video/quicktime"),),
        (Attachment("file", "omitted", mime="audio/ogg"),),
    ]
    assert [r.text for r in records] == ["outside your door", None, None]
    assert records[2].details is not None and records[2].details["media_type"] == "voice_message"
    assert all("media_missing" not in r.markers for r in records)


def test_media_in_the_export_folder_is_attached_and_a_missing_file_warned() -> None:
    records, warnings = parse(DATA / "with_media")
    check_spans(DATA / "with_media" / "result.json", records)
    photo, voice, pdf = (r.attachments[0] for r in records)
    assert photo == Attachment(
        "photos/photo_1@01-06-2023_19-30-05.jpg", "attached", member="photos/photo_1@01-06-2023_19-30-05.jpg"
    )
    assert voice.status == "attached" and voice.mime == "audio/ogg"
    assert pdf == Attachment("files/route_to_your_work.pdf", "missing", mime="application/pdf")
    assert records[2].markers == frozenset({"media_missing"})
    assert [(w.code, w.member, w.line) for w in warnings] == [("media_missing", "with_media/result.json", 38)]
    assert "files/route_to_your_work.pdf" in warnings[0].reason


def test_result_json_alone_gives_one_warning_for_all_its_media() -> None:
    records, warnings = parse(DATA / "with_media" / "result.json")
    assert [a.status for r in records for a in r.attachments] == ["missing", "missing", "missing"]
    assert [(w.code, w.line) for w in warnings] == [("media_missing", None)]
    assert "3 photos or files" in warnings[0].reason


def test_whole_account_export() -> None:
    path = DATA / "account_export.json"
    records, warnings = parse(path)
    assert warnings == []
    check_spans(path, records)
    assert [(r.thread, r.identity) for r in records] == [
        ("4242", ("4242", 1)),
        ("4242", ("4242", 2)),
        ("5555", ("5555", 1)),
        ("5555", ("5555", 2)),
        ("6666", ("6666", 900)),
    ]
    assert [r.markers for r in records][:2] == [frozenset(), frozenset({"from_me"})]
    invite = records[2]
    assert invite.kind == "system" and invite.sender is None
    assert invite.details is not None and invite.details["members"] == ["Alex Morgan"]
    assert invite.details["chat"] == "Neighbours" and invite.details["chat_type"] == "private_group"
    assert records[4].details is not None and records[4].details["chat"] == "Running club"
    assert records[4].when.at == at("2023-05-20T07:00:00")


def test_survey_counts_records_and_accounts() -> None:
    with open_input(DATA / "account_export.json") as inp:
        survey = SOURCE.survey(inp, Context())
    assert survey.records == 5
    assert survey.accounts[("telegram", "user222")].records == 3
    assert survey.accounts[("telegram", "user111")].handle.display == "Alex Morgan"
    assert survey.first == at("2023-05-20T07:00:00") and survey.last == at("2023-06-02T09:00:00")


def test_detect(tmp_path: Path) -> None:
    def score(path: Path) -> float:
        with open_input(path) as inp:
            return SOURCE.detect(inp)

    assert score(DATA / "with_media") == 0.95
    assert score(DATA / "with_media" / "result.json") == 0.95
    assert score(DATA / "single_chat.json") == 0.8  # renamed, but the content says Telegram
    assert score(DATA / "account_export.json") == 0.8
    other = tmp_path / "result.json"
    other.write_text('{"participants": [], "messages": [{"sender_name": "Sam", "timestamp_ms": 1}]}')
    assert score(other) == 0.3
    chat = tmp_path / "chat.txt"
    chat.write_text("01/06/2023, 19:30 - Sam: hi\n")
    assert score(chat) == 0.0


def test_truncated_file_names_the_message_and_its_line() -> None:
    with pytest.raises(InputError) as caught:
        parse(DATA / "truncated.json")
    assert str(caught.value) == (
        "truncated.json, line 39: the file ends in the middle of message 3; the export is incomplete "
        "(download it again)."
    )


def test_file_cut_after_the_messages_is_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_bytes((DATA / "single_chat.json").read_bytes().rstrip()[:-1])  # the final "}" is gone
    with pytest.raises(
        InputError, match=r"result\.json, line 8\d: the file ends before its JSON is complete"
    ):
        parse(path)


def test_invalid_utf8_inside_a_message_is_named(tmp_path: Path) -> None:
    data = (DATA / "single_chat.json").read_bytes().replace(b"I know where", b"I kn\xffow where")
    path = tmp_path / "result.json"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"result\.json, line 47: this is not UTF-8 text \(byte 0xFF\)"):
        parse(path)


def test_broken_json_inside_a_message_is_named(tmp_path: Path) -> None:
    data = (
        (DATA / "single_chat.json")
        .read_bytes()
        .replace(b'"forwarded_from": "Jordan Lee",', b'"forwarded_from" "x",')
    )
    path = tmp_path / "result.json"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"result\.json, line 46: this is not valid JSON here"):
        parse(path)


def test_message_without_a_date_is_warned_not_dropped(tmp_path: Path) -> None:
    data = (
        (DATA / "single_chat.json")
        .read_bytes()
        .replace(b'"date_unixtime": "1685645100"', b'"date_unixtime": "soon"')
    )
    path = tmp_path / "result.json"
    path.write_bytes(data)
    records, warnings = parse(path)
    assert [r.identity[1] for r in records] == [1, 2, 4, 5]
    assert [(w.code, w.line) for w in warnings] == [("unparsed_record", 39)]
    assert '"id": 3' in warnings[0].raw


@pytest.mark.parametrize(
    ("written", "offset"),
    [
        ("2023-06-01T19:30:05", "+01:00"),  # the usual "MM:SS", found in a table
        ("2023-06-01T19:30.05", "+01:00"),  # not "MM:SS": read with int() as before
        ("2023-06-01T19:30: 5", "+01:00"),
        ("2023-06-01T19:30:05.250", "+01:00"),
        ("2023-06-01T19:30", None),  # no seconds: the message cannot be dated
        ("2023-06-01T19:xx:05", None),
    ],
)
def test_utc_offset_from_the_wall_clock_date(tmp_path: Path, written: str, offset: str | None) -> None:
    data = (DATA / "single_chat.json").read_bytes().replace(b"2023-06-01T19:30:05", written.encode())
    path = tmp_path / "result.json"
    path.write_bytes(data)
    records, warnings = parse(path)
    if offset is None:
        assert [r.identity[1] for r in records] == [2, 3, 4, 5]
        assert [w.code for w in warnings] == ["unparsed_record"]
    else:
        assert records[0].details is not None and records[0].details["date"] == written
        assert records[0].details["utc_offset"] == offset and not warnings


# --- round trips through the renderer ---------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_PART = st.one_of(_TEXT.filter(bool), st.builds(lambda t: {"type": "bold", "text": t}, _TEXT.filter(bool)))


@st.composite
def conversations(draw: st.DrawFn) -> list[render.Message]:
    people = [("Sam Taylor", "user222"), ("Zoë \u2068Brown\u2069", "user333"), (None, "user999")]
    count = draw(st.integers(0, 12))
    moment = datetime(2023, 3, 26, 0, 30, tzinfo=UTC)
    messages = []
    for number in range(1, count + 1):
        moment += timedelta(seconds=draw(st.integers(0, 4000)))
        name, ident = draw(st.sampled_from(people))
        text: str | tuple[render.TextPart, ...] = draw(
            st.one_of(_TEXT, st.lists(_PART, max_size=4).map(tuple))
        )
        edited = moment + timedelta(minutes=1) if draw(st.booleans()) else None
        messages.append(render.Message(number, moment, name, ident, text, edited=edited))
    return messages


def _joined(text: str | tuple[render.TextPart, ...]) -> str | None:
    parts = (text,) if isinstance(text, str) else text
    joined = "".join(p if isinstance(p, str) else p["text"] for p in parts)
    return joined or None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=conversations(), hours=st.integers(-11, 13), minified=st.booleans())
def test_round_trip(tmp_path: Path, messages: list[render.Message], hours: int, minified: bool) -> None:
    data = render.chat_bytes(render.Chat("Sam Taylor", "personal_chat", 77), messages, timedelta(hours=hours))
    if minified:
        data = orjson.dumps(json.loads(data))
    path = tmp_path / "result.json"
    path.write_bytes(data)
    records, warnings = parse(path)
    assert warnings == []
    assert [r.text for r in records] == [_joined(m.text) for m in messages]
    assert [r.when.at for r in records] == [m.at for m in messages]
    assert [(r.sender.identifier, r.sender.display) for r in records if r.sender] == [
        (m.sender_id, m.sender) for m in messages
    ]
    assert [r.identity for r in records] == [("77", m.id) for m in messages]
    assert [("edited" in r.markers) for r in records] == [m.edited is not None for m in messages]
    sign = "-" if hours < 0 else "+"
    assert all(
        r.details is not None and r.details["utc_offset"] == f"{sign}{abs(hours):02d}:00" for r in records
    )
    if not minified:
        check_spans(path, records)


def test_account_round_trip_keeps_chats_apart(tmp_path: Path) -> None:
    chats = [
        (render.Chat("Sam Taylor", "personal_chat", 1), list(render.synthetic_messages(30, seed=1))),
        (render.Chat("Nobody", "personal_chat", 2), []),
        (render.Chat("Group", "private_group", 3), list(render.synthetic_messages(20, seed=2))),
    ]
    path = tmp_path / "result.json"
    path.write_bytes(render.account_bytes(chats, owner_id=111))
    records, _ = parse(path)
    check_spans(path, records)
    assert [r.thread for r in records] == ["1"] * 30 + ["3"] * 20
    from_alex = [("from_me" in r.markers) for r in records]
    assert from_alex == [r.sender is not None and r.sender.identifier == "user111" for r in records]


def _long_messages(count: int) -> Iterator[render.Message]:
    # Long texts keep the message count, and so the test's time, down for a file of a given size.
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for number in range(1, count + 1):
        text = f"{number} " + "I am outside again, look out of the window. " * 40
        yield render.Message(number, start + timedelta(seconds=number), "Sam Taylor", "user222", text)


def _write(folder: Path, count: int) -> Path:
    path = folder / f"result_{count}.json"
    with path.open("wb") as out:
        render.write_chat(out, render.Chat("Sam Taylor"), _long_messages(count))
    return path


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    assert_memory_stays_flat(SOURCE, _write, tmp_path)


def test_renderer_writes_what_json_reads() -> None:
    out = io.BytesIO()
    render.write_synthetic(out, 50)
    document = json.loads(out.getvalue())
    assert len(document["messages"]) == 50 and document["messages"][0]["date_unixtime"].isdigit()


def test_me_names_the_owner_of_a_single_chat_export() -> None:
    for me in ("Alex Morgan", "user111"):
        with open_input(DATA / "single_chat.json") as inp:
            records = list(SOURCE.parse(inp, Context(me=me)))
        assert [("from_me" in r.markers) for r in records] == [False, True, False, False, False]


def assert_built_the_usual_way(records: list[Record]) -> None:
    """Records, origins and times are made with object.__new__ and slot assignment (see telegram.py and
    meta.py): every field must be set, and each equal to the dataclass built with its constructor."""
    for record in records:
        values = {field.name: getattr(record, field.name) for field in fields(Record)}
        values["origin"] = Origin(**{f.name: getattr(record.origin, f.name) for f in fields(Origin)})
        values["when"] = When(**{f.name: getattr(record.when, f.name) for f in fields(When)})
        assert Record(**values) == record


def test_fast_records_equal_records_built_the_usual_way(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    with path.open("wb") as out:
        render.write_synthetic(out, 500)
    paths = [path, *(p for p in DATA.iterdir() if p.name != "truncated.json")]
    for source in paths:
        records, _ = parse(source)
        assert records
        assert_built_the_usual_way(records)
