"""Google Chat from Google Takeout: hand-written fixtures, round trips through the renderer, bad inputs."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.support import assert_memory_stays_flat, check_spans, details, parse_all
from stalkproof.demo.exports import google_chat as render
from stalkproof.errors import InputError
from stalkproof.ingest.base import Attachment, Context, Handle, ParseWarning, Record
from stalkproof.ingest.google_chat import SOURCE, parse_date
from stalkproof.ingest.inputs import open_input

DATA = Path(__file__).parent.parent / "data" / "ingest" / "google_chat"
CHAT = DATA / "dm" / "Takeout" / "Google Chat"
DM = CHAT / "Groups" / "DM 2bXc8AAAAAE"
SPACE = DATA / "space" / "Space AAAAq1w2e3r"
ALEX = Handle("email", "alex.morgan@example.com", "Alex Morgan")
SAM = Handle("email", "sam.example@example.org", "Sam Example")
JORDAN = Handle("email", "jordan.lee@example.net", "Jordan Lee")


def parse(path: Path, me: str | None = None) -> tuple[list[Record], list[ParseWarning]]:
    return parse_all(SOURCE, path, me=me)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_takeout_dm() -> None:
    records, warnings = parse(DATA / "dm")
    assert warnings == []
    check_spans(DM / "messages.json", records)
    member = "Takeout/Google Chat/Groups/DM 2bXc8AAAAAE/messages.json"
    assert {r.origin.member for r in records} == {member}
    assert {r.thread for r in records} == {"DM 2bXc8AAAAAE"}
    assert {r.channel for r in records} == {"google_chat"} and {r.kind for r in records} == {"message"}
    assert [r.sender for r in records] == [SAM, ALEX, SAM, SAM, SAM, SAM]
    assert [r.recipients for r in records] == [(ALEX,), (SAM,), (ALEX,), (ALEX,), (ALEX,), (ALEX,)]
    assert [r.text for r in records] == [
        "Why did you block me? I just want to talk.",
        "Please stop contacting me.",
        'I made a list of where you go 👀 "just so you know"\nCafé on Mill Road, the gym, back\\home',
        "Sorry, that came out wrong.",
        None,
        "Look at this https://example.com/photos/alex @Alex Morgan",
    ]
    assert [r.markers for r in records] == [
        frozenset(),
        frozenset({"from_me"}),  # user_info.json names Alex, in another case of letters
        frozenset(),
        frozenset({"edited"}),
        frozenset({"deleted"}),
        frozenset(),
    ]
    block, stop, listing, sorry, deleted, link = records
    assert block.when.at == at("2023-01-21T23:58:07") and block.when.precision == "second"
    assert (block.when.found, block.when.zone) == ("Saturday, January 21, 2023 at 11:58:07 PM UTC", "UTC")
    assert stop.when.at == at("2023-01-22T08:02:41")
    assert sorry.when.at == at("2023-01-23T00:00:05")  # 12 AM is midnight
    assert block.identity == ("2bXc8AAAAAE/Qm1xZkVb3aE/Qm1xZkVb3aE",)
    assert (block.origin.line, block.origin.end_line) == (3, 13)
    assert details(block) == {"topic_id": "Qm1xZkVb3aE"}
    assert listing.attachments == (
        Attachment("list.txt", "attached", member="Takeout/Google Chat/Groups/DM 2bXc8AAAAAE/File-list.txt"),
    )
    assert details(sorry)["updated_at"] == "2023-01-23T00:04:30+00:00"
    assert details(sorry)["updated_date"] == "Monday, January 23, 2023 at 12:04:30 AM UTC"
    assert details(deleted)["deletion_metadata"] == {"deletion_type": "CREATOR"}
    assert [a["start_index"] for a in details(link)["annotations"]] == [11, 43]


def test_takeout_zip_with_mail_names_members_inside_the_zip(tmp_path: Path) -> None:
    archive = tmp_path / "takeout-20230124T101500Z-001.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted((DATA / "dm").rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(DATA / "dm").as_posix())
        out.writestr("Takeout/Mail/All mail Including Spam and Trash.mbox", b"From x@example.com Sat\n\n")
    with open_input(archive) as inp:
        assert SOURCE.detect(inp) == 0.95
    records, warnings = parse(archive)
    assert len(records) == 6 and warnings == []
    assert records[2].attachments[0].status == "attached"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("Takeout/Mail/All mail Including Spam and Trash.mbox", b"From x@example.com Sat\n\n")
        out.writestr("Takeout/Google Chat/Users/User 1/user_info.json", b"{}")
    with open_input(archive) as inp:
        assert SOURCE.detect(inp) < 0.5  # a Takeout with mail but no chat groups is the email source's


def test_space_folder_with_me_bot_and_missing_file() -> None:
    records, warnings = parse(DATA / "space", me="alex.morgan@EXAMPLE.com")
    assert [(w.code, w.member, w.line) for w in warnings] == [
        ("media_missing", "space/Space AAAAq1w2e3r/messages.json", 14)
    ]
    assert "File-IMG_0042.jpg" in warnings[0].reason
    check_spans(SPACE / "messages.json", records)
    welcome, photo, bot, reacted = records
    assert {r.thread for r in records} == {"Space AAAAq1w2e3r"}
    assert welcome.when.at == at("2023-03-06T19:05:12")  # day first, 24-hour
    assert welcome.recipients == (ALEX, SAM)
    assert photo.attachments == (Attachment("IMG_0042.jpg", "missing"),)
    assert photo.markers == frozenset({"media_missing"})
    assert details(photo)["group"] == "Riverside Book Club"
    assert details(photo)["quoted_message_metadata"]["text"] == "Welcome to the book club space!"
    assert bot.sender == Handle("google_chat", "Meeting Reminders", "Meeting Reminders")
    assert details(bot)["user_type"] == "Bot" and bot.recipients == (ALEX, SAM, JORDAN)
    assert reacted.text is None and reacted.markers == frozenset({"from_me"})
    assert details(reacted)["reactions"][0]["emoji"] == {"unicode": "👍"}


def test_one_group_folder_and_me_as_a_name() -> None:
    records, _ = parse(SPACE, me="Alex Morgan")
    assert [r.origin.member for r in records] == ["messages.json"] * 4
    assert {r.thread for r in records} == {"Space AAAAq1w2e3r"}
    assert [("from_me" in r.markers) for r in records] == [False, False, False, True]


def test_date_forms() -> None:
    records, warnings = parse(DATA / "date_forms.json")
    check_spans(DATA / "date_forms.json", records)
    offset = timezone(timedelta(hours=1))
    assert [(r.text, r.when.at, r.when.precision, r.when.zone) for r in records] == [
        ("space before AM", at("2023-03-26T01:05:09"), "second", "UTC"),
        ("narrow no-break space before PM", at("2023-03-26T13:05:09"), "second", "UTC"),
        ("no-break space, midnight", at("2023-03-26T00:00:00"), "second", "UTC"),
        ("day first, 24-hour", at("2023-03-26T12:30:00"), "second", "UTC"),
        ("day first, lower-case pm", at("2023-03-26T12:30:01"), "second", "UTC"),
        ("comma instead of at", at("2023-03-26T23:59:59"), "second", "UTC"),
        ("no weekday, no seconds", at("2023-03-26T15:04:00"), "minute", "UTC"),
        ("offset", datetime(2023, 6, 1, 18, tzinfo=offset), "second", "GMT+01:00"),
        ("weekday does not fit", at("2023-06-01T18:00:00"), "second", "UTC"),
    ]
    assert records[1].when.found == "Sunday, March 26, 2023 at 1:05:09\u202fPM UTC"  # JSON escape undone
    assert records[2].when.found == "Sunday, March 26, 2023 at 12:00:00\u00a0AM UTC"
    assert [r.markers for r in records[-2:]] == [frozenset(), frozenset({"timestamp_mismatch"})]
    assert [(w.code, w.line) for w in warnings] == [("timestamp_mismatch", 91)]
    assert "Friday, June 1, 2023" in warnings[0].reason


@pytest.mark.parametrize(
    "text",
    [
        "Sunday, January 22, 2023 at 13:30:00 PM UTC",  # no 13 PM
        "Sunday, February 30, 2023 at 6:30:00 PM UTC",
        "Sunday, Janvier 22, 2023 at 6:30:00 PM UTC",
        "Sundae, January 22, 2023 at 6:30:00 PM UTC",
        "Sunday, January 22, 2023 at 6:30:00 PM PST",  # a zone abbreviation is ambiguous
        "2023-01-22T18:30:00Z",
        "Sunday, January 22, 2023 at 6:30:00 PM UTC+25",
    ],
)
def test_dates_outside_the_pattern_set_are_not_guessed(text: str) -> None:
    assert parse_date(text) is None


def test_unknown_date_form_stops_naming_file_and_line() -> None:
    with pytest.raises(InputError) as caught:
        parse(DATA / "unknown_date.json")
    assert str(caught.value).startswith(
        "unknown_date.json, line 19: the time 'Sonntag, 26. März 2023 um 01:06:00 UTC' is not in a form"
    )
    with open_input(DATA / "unknown_date.json") as inp, pytest.raises(InputError, match="line 19"):
        SOURCE.survey(inp, Context())


def test_unknown_form_in_a_minified_file_names_the_message(tmp_path: Path) -> None:
    path = tmp_path / "messages.json"
    path.write_bytes(orjson.dumps(json.loads((DATA / "unknown_date.json").read_bytes())))
    with pytest.raises(InputError, match=r"messages\.json, messages\[1\]: the time 'Sonntag"):
        parse(path)


def test_truncated_file_names_the_message_and_its_line(tmp_path: Path) -> None:
    data = (DM / "messages.json").read_bytes()
    path = tmp_path / "messages.json"
    path.write_bytes(data[: data.index(b"Sorry, that")])
    with pytest.raises(InputError) as caught:
        parse(path)
    assert str(caught.value) == (
        "messages.json, line 42: the file ends in the middle of message 4; the export is incomplete "
        "(download it again)."
    )


def test_message_without_time_or_group_info_is_warned_not_dropped(tmp_path: Path) -> None:
    group = tmp_path / "DM 9zzzzAAAAAE"
    group.mkdir()
    data = (DM / "messages.json").read_bytes()
    no_time = data.replace(b'"created_date": "Sunday, January 22, 2023 at 8', b'"x": "')
    (group / "messages.json").write_bytes(no_time)
    records, warnings = parse(group)
    assert len(records) == 5 and all(r.recipients == () for r in records)
    assert [(w.code, w.line) for w in warnings] == [
        ("group_info_missing", None),
        ("unparsed_record", 14),
        ("media_missing", 25),
    ]
    assert records[1].attachments == (Attachment("list.txt", "missing"),)


def test_single_file_warns_once_about_its_files() -> None:
    records, warnings = parse(DM / "messages.json")
    assert {r.thread for r in records} == {"DM 2bXc8AAAAAE"}  # the folder it sits in
    assert [w.code for w in warnings] == ["media_missing"]
    assert "name 1 file(s)" in warnings[0].reason


def test_survey_and_detect(tmp_path: Path) -> None:
    with open_input(DATA / "dm") as inp:
        survey = SOURCE.survey(inp, Context())
    assert survey.records == 6
    assert survey.accounts[("email", "sam.example@example.org")].records == 5
    assert survey.first == at("2023-01-21T23:58:07") and survey.last == at("2023-01-23T12:11:19")
    for path, score in ((DATA / "space", 0.95), (SPACE, 0.95), (DATA / "date_forms.json", 0.8)):
        with open_input(path) as inp:
            assert SOURCE.detect(inp) == score
    other = tmp_path / "result.json"
    other.write_text('{"messages": [{"id": 1, "date": "2023-01-01", "from_id": "user1"}]}')
    with open_input(other) as inp:
        assert SOURCE.detect(inp) == 0.0
    shutil.copytree(DATA / "dm", tmp_path / "mail_only")
    shutil.rmtree(tmp_path / "mail_only" / "Takeout" / "Google Chat" / "Groups")
    with open_input(tmp_path / "mail_only") as inp:
        assert SOURCE.detect(inp) == 0.0


# --- round trips through the renderer ---------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_PEOPLE = st.sampled_from([render.ALEX, render.SAM, render.Person("Jordan Lee", "jordan.lee@example.net")])


@st.composite
def conversations(draw: st.DrawFn) -> list[render.Message]:
    moment = datetime(2023, 3, 26, 0, 30, tzinfo=UTC)
    messages = []
    for number in range(draw(st.integers(0, 10))):
        moment += timedelta(seconds=draw(st.integers(0, 200_000)))
        files = tuple(f"File-{n}.jpg" for n in range(draw(st.integers(0, 2))))
        updated = moment + timedelta(minutes=5) if draw(st.booleans()) else None
        messages.append(
            render.Message(
                f"2bXc8AAAAAE/t{number}/t{number}",
                moment,
                draw(_PEOPLE),
                draw(_TEXT),
                files,
                f"t{number}",
                draw(st.booleans()),
                updated,
                draw(st.sampled_from(render.DATE_FORMS)),
            )
        )
    return messages


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=conversations(), ascii_only=st.booleans())
def test_round_trip(tmp_path: Path, messages: list[render.Message], ascii_only: bool) -> None:
    folder = tmp_path / "DM 2bXc8AAAAAE"
    folder.mkdir(exist_ok=True)
    path = folder / "messages.json"
    path.write_bytes(render.messages_bytes(messages, ascii_only))
    (folder / "group_info.json").write_bytes(render.group_info([render.ALEX, render.SAM]))
    for file in folder.glob("File-*"):
        file.unlink()
    if messages:
        (folder / "File-0.jpg").write_bytes(b"\xff\xd8")
    records, _ = parse(folder, me=render.ALEX.email)
    check_spans(path, records)
    assert [r.text for r in records] == [None if m.deleted else m.text or None for m in messages]
    assert [r.when.at for r in records] == [m.at for m in messages]
    assert [r.identity for r in records] == [(m.message_id,) for m in messages]
    assert [r.sender.display if r.sender else None for r in records] == [m.creator.name for m in messages]
    assert [("from_me" in r.markers) for r in records] == [m.creator == render.ALEX for m in messages]
    assert [("deleted" in r.markers) for r in records] == [m.deleted for m in messages]
    assert [("edited" in r.markers) for r in records] == [m.updated is not None for m in messages]
    assert [[a.status for a in r.attachments] for r in records] == [
        ["attached", "missing"][: len(m.attachments)] for m in messages
    ]


def _long_messages(count: int) -> Iterator[render.Message]:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for number in range(count):
        text = f"{number} " + "I am outside again, look out of the window. " * 90
        yield render.Message(f"g/{number}/{number}", start + timedelta(seconds=number), render.SAM, text)


def _write(folder: Path, count: int) -> Path:
    group = folder / f"DM {count}"
    group.mkdir()
    path = group / "messages.json"
    with path.open("wb") as out:
        render.write_messages(out, _long_messages(count))
    return group


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    assert_memory_stays_flat(SOURCE, _write, tmp_path)


def test_synthetic_writer_and_takeout_tree(tmp_path: Path) -> None:
    chat = render.write_takeout(
        tmp_path,
        [("DM 2bXc8AAAAAE", [render.ALEX, render.SAM], None, render.synthetic_messages(300))],
        files=[("DM 2bXc8AAAAAE", "File-photo_7.jpg", b"\xff\xd8")],
    )
    records, _ = parse(tmp_path)
    assert len(records) == 300 and chat.name == "Google Chat"
    assert sum("from_me" in r.markers for r in records) == sum(r.sender == ALEX for r in records) > 0
    assert [r.when.at for r in records] == sorted(r.when.at for r in records)
