"""Discord data package: hand-written fixtures, round trips through the renderer, bad inputs."""

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

from ingest.support import assert_memory_stays_flat, check_spans, parse_all
from stalkproof.demo.exports import discord as render
from stalkproof.errors import InputError
from stalkproof.ingest.base import Attachment, Context, Handle, ParseWarning, Record
from stalkproof.ingest.discord import SOURCE
from stalkproof.ingest.inputs import open_input

DATA = Path(__file__).parent.parent / "data" / "ingest" / "discord"
ALEX = Handle("discord", "900000000000000001", "Alex Morgan")
SELF = Handle("discord", "self")


def parse(path: Path, me: str | None = None) -> tuple[list[Record], list[ParseWarning]]:
    return parse_all(SOURCE, path, me=me)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_package() -> None:
    records, warnings = parse(DATA / "package")
    first_dm = DATA / "package" / "messages" / "c1113800000000000001" / "messages.json"
    check_spans(first_dm, records[:3])
    assert [(w.code, w.member, w.line) for w in warnings] == [
        ("only_own_messages", "package/messages/c1113800000000000001/messages.json", None)
    ]
    assert [r.thread for r in records] == [
        *["1113800000000000001"] * 3,
        *["1113800000000000002"] * 2,
        "1113800000000000003",
    ]
    assert all(r.sender == ALEX and r.markers == frozenset({"from_me"}) for r in records)
    assert [r.text for r in records] == [
        "I have blocked you. Do not contact me again.",
        'Please stop messaging me. "Now" back\\slash 👩‍👩‍👧 café\nsecond line',
        None,
        "Who gave you this account name?",
        "Jordan, is this you?",
        "Has anyone else had messages from sam_example?",
    ]
    blocked, stop, photo, who, jordan, guild = records
    assert blocked.identity == ("1113901068451840007",)
    assert blocked.when.at == at("2023-06-01T18:45:10") and blocked.when.precision == "second"
    assert (blocked.when.found, blocked.when.zone) == ("2023-06-01 18:45:10", "UTC")
    assert blocked.recipients == (Handle("discord", "900000000000000002"),)
    assert blocked.details == {"channel": "Direct Message with sam_example", "channel_type": "DM"}
    assert (blocked.origin.line, blocked.origin.end_line) == (2, 7)
    cdn = "https://cdn.discordapp.com/attachments/1113800000000000001"
    assert stop.attachments == (
        Attachment(f"{cdn}/1113897503293440001/screenshot.png", "url"),
        Attachment(f"{cdn}/1113897503293440002/note.txt", "url"),
    )
    assert photo.attachments == (Attachment(f"{cdn}/1113897273655296001/IMG_0042.jpg", "url"),)
    # a minified file is read through ijson: no byte span, canonical raw, and the big ids still exact
    assert who.origin.offset is None and who.origin.path == "[0]"
    assert who.details is not None and who.details["raw"] == "canonical-json"
    assert who.identity == ("1114117578424320007",)
    assert jordan.when.at == at("2023-06-02T09:00:00")  # "10:00:00+01:00"
    assert guild.recipients == ()
    assert guild.details == {
        "channel": "general in Neighbourhood Watch",
        "channel_type": "GUILD_TEXT",
        "guild": "Neighbourhood Watch",
        "guild_id": "1113700000000000000",
    }


def test_old_layout_csv_keeps_row_bytes_and_quoted_line_breaks() -> None:
    records, warnings = parse(DATA / "old_layout")
    path = DATA / "old_layout" / "messages" / "705800000000000001" / "messages.csv"
    check_spans(path, records)
    assert [w.code for w in warnings] == ["only_own_messages"]
    stop, where = records
    assert stop.text == 'Stop, please.\r\nI mean it: "stop".'
    assert (stop.origin.line, stop.origin.end_line) == (2, 3)
    assert stop.sender == SELF and stop.identity == ("705849018286080007",)
    assert where.when.at == at("2020-05-01T18:30:05.123")
    assert where.attachments[0].status == "url" and where.attachments[0].name.endswith("/map.png")
    assert stop.details == {"channel_type": 1}


def test_me_names_the_holder_without_user_json() -> None:
    records, _ = parse(DATA / "big_ids.json", me="900000000000000001")
    assert {r.sender for r in records} == {Handle("discord", "900000000000000001")}


def test_id_and_timestamp_that_disagree_are_marked_and_warned() -> None:
    records, warnings = parse(DATA / "id_mismatch.json")
    assert [r.markers for r in records] == [
        frozenset({"from_me"}),
        frozenset({"from_me", "timestamp_mismatch"}),
    ]
    assert records[1].details is not None
    assert records[1].details["id_time"] == "2023-07-01T10:00:00.000+00:00"
    assert [(w.code, w.line) for w in warnings] == [("only_own_messages", None), ("timestamp_mismatch", 8)]
    assert "2023-06-30 22:00:00" in warnings[1].reason


def test_ids_beyond_two_to_the_53_stay_exact() -> None:
    records, _ = parse(DATA / "big_ids.json")
    assert [r.identity for r in records] == [("1124641800192000007",), ("1124640541900800007",)]
    assert all("timestamp_mismatch" not in r.markers for r in records)


def test_survey_and_detect(tmp_path: Path) -> None:
    with open_input(DATA / "package") as inp:
        survey = SOURCE.survey(inp, Context())
        assert SOURCE.detect(inp) == 0.95
    assert survey.records == 6
    assert survey.accounts[("discord", "900000000000000001")].records == 6
    for name, score in (("id_mismatch.json", 0.8), ("big_ids.json", 0.8)):
        with open_input(DATA / name) as inp:
            assert SOURCE.detect(inp) == score
    other = tmp_path / "result.json"
    other.write_text('{"messages": [{"id": 1, "date": "2023-01-01"}]}')
    with open_input(other) as inp:
        assert SOURCE.detect(inp) == 0.0


def test_truncated_json_names_the_message_and_its_line(tmp_path: Path) -> None:
    data = (DATA / "id_mismatch.json").read_bytes()
    path = tmp_path / "messages.json"
    path.write_bytes(data[: data.index(b"This one's")])
    with pytest.raises(InputError) as caught:
        parse(path)
    assert str(caught.value) == (
        "messages.json, line 8: the file ends in the middle of message 2; the export is incomplete "
        "(download it again)."
    )


def test_csv_cut_inside_a_quote_and_wrong_header_are_refused(tmp_path: Path) -> None:
    data = (DATA / "old_layout" / "messages" / "705800000000000001" / "messages.csv").read_bytes()
    path = tmp_path / "messages.csv"
    path.write_bytes(data[: data.index(b"I mean")])
    with pytest.raises(InputError, match=r"messages\.csv, line 2: the file ends inside a quoted message"):
        parse(path)
    path.write_bytes(b"id,when,text\r\n1,2,3\r\n")
    with pytest.raises(InputError, match=r"messages\.csv, line 1: the first line should be ID,Timestamp"):
        parse(path)


def test_row_without_a_time_is_warned_not_dropped(tmp_path: Path) -> None:
    data = (DATA / "id_mismatch.json").read_bytes().replace(b'"2023-06-30 22:00:00"', b'"soon"')
    path = tmp_path / "messages.json"
    path.write_bytes(data)
    records, warnings = parse(path)
    assert len(records) == 1
    assert [(w.code, w.line) for w in warnings] == [("only_own_messages", None), ("unparsed_record", 8)]


# --- round trips through the renderer ---------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\r"), max_size=40)
_URL = st.from_regex(r"https://cdn\.discordapp\.com/attachments/1/[0-9]{1,6}/[a-z]{1,8}\.png", fullmatch=True)


@st.composite
def conversations(draw: st.DrawFn) -> list[render.Message]:
    moment = datetime(2023, 3, 26, 0, 30, tzinfo=UTC)
    messages = []
    for number in range(draw(st.integers(0, 12))):
        moment += timedelta(seconds=draw(st.integers(0, 4000)))
        files = tuple(draw(st.lists(_URL, max_size=2)))
        messages.append(render.Message(moment, draw(_TEXT), files, number))
    return messages


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=conversations(), layout=st.sampled_from(["pretty", "minified", "csv"]))
def test_round_trip(tmp_path: Path, messages: list[render.Message], layout: str) -> None:
    data = render.csv_bytes(messages) if layout == "csv" else render.json_bytes(messages)
    if layout == "minified":
        data = orjson.dumps(json.loads(data))
    path = tmp_path / ("messages.csv" if layout == "csv" else "messages.json")
    path.write_bytes(data)
    records, warnings = parse(path)
    assert [w.code for w in warnings] == ["only_own_messages"]
    assert [r.text for r in records] == [m.contents or None for m in messages]
    assert [r.when.at for r in records] == [m.at for m in messages]
    assert [r.identity for r in records] == [(str(m.id),) for m in messages]
    assert [tuple(a.name for a in r.attachments) for r in records] == [m.attachments for m in messages]
    assert all(r.markers == frozenset({"from_me"}) for r in records)
    if layout != "minified":
        check_spans(path, records)


def _long_messages(count: int) -> Iterator[render.Message]:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for number in range(count):
        text = f"{number} " + "I am outside again, look out of the window. " * 90
        yield render.Message(start + timedelta(seconds=number), text, (), number)


def _write(folder: Path, count: int) -> Path:
    path = folder / f"messages_{count}.json"
    with path.open("wb") as out:
        render.write_json(out, _long_messages(count))
    return path


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    assert_memory_stays_flat(SOURCE, _write, tmp_path)


def test_renderer_writes_what_json_reads() -> None:
    out = io.BytesIO()
    render.write_synthetic(out, 50)
    document = json.loads(out.getvalue())
    assert len(document) == 50 and document[0]["ID"] > document[-1]["ID"]
