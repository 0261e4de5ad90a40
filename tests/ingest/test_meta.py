"""Facebook Messenger and Instagram message files: mojibake kept and repaired, file order, media, calls,
the E2EE download, detection between the two apps, round trips and bad inputs."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.support import assert_memory_stays_flat, check_spans, details, parse_all
from ingest.test_telegram import assert_built_the_usual_way
from stalkproof.demo.exports import meta as render
from stalkproof.errors import InputError
from stalkproof.ingest.base import Attachment, Context, Handle, ParseWarning, Record, When
from stalkproof.ingest.inputs import Input, open_input
from stalkproof.ingest.meta import INSTAGRAM, MESSENGER, SOURCES, MetaSource, _Reader, repair

DATA = Path(__file__).parent.parent / "data" / "ingest" / "meta"
ZOE = Handle("messenger", "Zoë Brown", "Zo\u00c3\u00ab Brown")
ALEX = Handle("messenger", "Alex Morgan", "Alex Morgan")


def parse(path: Path, source: MetaSource = MESSENGER) -> tuple[list[Record], list[ParseWarning]]:
    return parse_all(source, path)


def ms(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)


def test_mojibake_is_kept_as_found_and_repaired_beside_it() -> None:
    folder = DATA / "inbox_mojibake"
    records, warnings = parse(folder)
    check_spans(folder, records)
    photo, latin1, french, multiline = records
    assert french.text == "Je t'ai vu au caf\u00c3\u00a9 \u00f0\u009f\u0098\u0080"
    assert details(french)["text_normalised"] == "Je t'ai vu au café 😀"
    assert latin1.text == "A café written as real Latin-1"
    assert "text_normalised" not in details(latin1)
    assert multiline.text == "Where are you?\nAnswer me." and "text_normalised" not in details(multiline)
    assert french.sender == ZOE and latin1.sender == ALEX
    assert french.recipients == (ALEX,) and latin1.recipients == (ZOE,)
    assert french.when.at == ms(1685644300500) and french.when.precision == "second"
    assert (french.when.found, french.when.zone) == ("1685644300500", "UTC")
    assert french.thread == "zoebrown_10158123456789" and details(french)["folder"] == "inbox"
    assert french.channel == "messenger" and french.kind == "message"
    assert french.identity == ("zoebrown_10158123456789", 1685644300500, "Zoë Brown", french.text, (), 0)
    assert photo.text is None
    assert photo.attachments == (
        Attachment(
            "messages/inbox/zoebrown_10158123456789/photos/348112233_1.jpg",
            "attached",
            member="messages/inbox/zoebrown_10158123456789/photos/348112233_1.jpg",
        ),
        Attachment("messages/inbox/zoebrown_10158123456789/videos/348112233_2.mp4", "missing"),
    )
    assert photo.markers == frozenset({"media_missing"})
    assert [(w.code, w.line) for w in warnings] == [("media_missing", 11)]
    assert "348112233_2.mp4" in warnings[0].reason


def test_files_of_a_conversation_are_read_message_1_first() -> None:
    folder = DATA / "two_files_newest_first"
    records, warnings = parse(folder)
    assert warnings == []
    check_spans(folder, records)
    assert [r.text for r in records] == ["Newest of all", "Second newest", "ok", "ok", "Oldest of all"]
    assert [r.origin.member.rsplit("/", 1)[1] for r in records] == ["message_1.json"] * 2 + [
        "message_2.json"
    ] * 3
    first_ok, second_ok = records[2], records[3]
    assert first_ok.identity[:-1] == second_ok.identity[:-1]
    assert (first_ok.identity[-1], second_ok.identity[-1]) == (0, 1)  # two identical messages stay two


def test_ten_or_more_files_are_taken_in_number_order(tmp_path: Path) -> None:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    messages = tuple(
        render.Message("Sam Taylor", start + timedelta(minutes=n), f"number {n}") for n in range(12)
    )
    thread = render.Thread("samtaylor_1", "Sam Taylor", ("Sam Taylor", "Alex Morgan"), messages)
    written = render.write_export(tmp_path, [thread], "facebook_2023", per_file=1)
    assert len(written) == 12
    records, _ = parse(tmp_path)
    assert [r.text for r in records] == [f"number {n}" for n in range(11, -1, -1)]


def test_unsent_messages_reactions_and_shares() -> None:
    path = DATA / "unsent_reactions.json"
    records, warnings = parse(path)
    assert warnings == []
    check_spans(path, records)
    shared, unsent, reacted = records
    assert unsent.markers == frozenset({"deleted"}) and unsent.text is None
    assert details(shared)["share"] == {
        "link": "https://example.com/p/alex-at-work",
        "share_text": "Alex at work",
    }
    assert details(reacted)["reactions"] == [
        {"reaction": "\u00f0\u009f\u0091\u008d", "actor": "Zo\u00c3\u00ab Brown", "timestamp": 1685830210}
    ]
    assert details(reacted)["reactions_normalised"] == [
        {"reaction": "👍", "actor": "Zoë Brown", "timestamp": 1685830210}
    ]
    assert shared.thread == "unsent_reactions"  # a loose file: its name stands for the conversation folder


def test_calls_and_people_joining() -> None:
    records, warnings = parse(DATA / "calls.json")
    assert warnings == []
    joined, missed, answered = records
    assert joined.kind == "system" and joined.sender is None
    assert details(joined)["actor"] == "Sam Taylor" and details(joined)["users"] == [{"name": "Jordan Lee"}]
    assert missed.kind == "call" and missed.markers == frozenset({"missed"})
    assert details(missed)["duration_s"] == 0
    assert answered.kind == "call" and details(answered)["duration_s"] == 125
    assert answered.text == "Sam Taylor called you."
    assert answered.sender == Handle("messenger", "Sam Taylor", "Sam Taylor")
    assert [h.identifier for h in answered.recipients] == ["Alex Morgan", "Jordan Lee"]


def test_big_groups_are_listed_once_not_on_every_message(tmp_path: Path) -> None:
    people = tuple(f"Person {n}" for n in range(10))
    messages = (render.Message("Person 1", datetime(2023, 1, 1, tzinfo=UTC), "hello all"),)
    render.write_export(tmp_path, [render.Thread("club_1", "Club", people, messages)])
    records, _ = parse(tmp_path)
    assert records[0].recipients == ()
    with open_input(tmp_path) as inp:
        survey = MESSENGER.survey(inp, Context())
    assert survey.facts["groups"] == {"club_1": list(people)}
    assert survey.records == 1 and survey.facts["files"] == 1


def test_e2ee_download_is_real_utf8() -> None:
    records, warnings = parse(DATA / "e2ee.json")
    assert [(w.code, w.line) for w in warnings] == [("media_missing", None)]  # a loose file holds no media
    media, unsent, text = records
    assert text.text == "Ça va? Real UTF-8 here: café 😀" and "text_normalised" not in details(text)
    assert text.sender == Handle("messenger", "Zoë Brown", "Zoë Brown")
    assert text.recipients == (Handle("messenger", "Alex Morgan", "Alex Morgan"),)
    assert text.when.at == ms(1700000000000)
    assert unsent.markers == frozenset({"deleted"})
    assert media.attachments == (Attachment("media/1234567890.jpg", "missing"),)
    assert details(media)["reactions"] == [{"actor": "Alex Morgan", "reaction": "😢"}]
    assert media.thread == "e2ee"


def test_instagram_layout() -> None:
    folder = DATA / "instagram"
    records, warnings = parse(folder, INSTAGRAM)
    assert warnings == []
    check_spans(folder, records)
    assert [r.channel for r in records] == ["instagram"] * 3
    assert records[0].sender == Handle("instagram", "Sam Taylor", "Sam Taylor")
    assert (
        records[1].text is None and details(records[1])["share"]["original_content_owner"] == "alex_example"
    )
    assert details(records[2])["text_normalised"] == "Nice photo ❤️"


def test_detection_tells_the_apps_apart(tmp_path: Path) -> None:
    def scores(path: Path) -> tuple[float, float]:
        with open_input(path) as inp:
            return MESSENGER.detect(inp), INSTAGRAM.detect(inp)

    assert scores(DATA / "instagram") == (0.0, 0.95)
    assert scores(DATA / "two_files_newest_first") == (0.95, 0.0)
    assert scores(DATA / "inbox_mojibake") == (0.9, 0.4)  # the older layout, with nothing saying Instagram
    assert scores(DATA / "e2ee.json") == (0.9, 0.0)
    assert scores(DATA / "calls.json") == (0.9, 0.4)
    old_instagram = tmp_path / "instagram-alex_example-2023-06-05"
    thread = render.synthetic_thread("samtaylor_1", 3)
    render.write_export(old_instagram, [thread], "instagram_old")
    assert scores(old_instagram) == (0.4, 0.9)
    other = tmp_path / "result.json"
    other.write_text('{"name": "x", "messages": [{"id": 1, "date_unixtime": "1"}]}')
    assert scores(other) == (0.0, 0.0)
    assert [source.name for source in SOURCES] == ["messenger", "instagram"]


def test_a_zip_with_an_extra_top_folder(tmp_path: Path) -> None:
    archive = tmp_path / "facebook-alex-2023.zip"
    source = DATA / "inbox_mojibake"
    with zipfile.ZipFile(archive, "w") as out:
        for file in sorted(source.rglob("*")):
            if file.is_file():
                out.write(file, "facebook-alex-2023/" + file.relative_to(source).as_posix())
    records, warnings = parse(archive)
    assert records[0].attachments[0].member == (
        "facebook-alex-2023/messages/inbox/zoebrown_10158123456789/photos/348112233_1.jpg"
    )
    assert [w.member for w in warnings] == [
        "facebook-alex-2023.zip!/facebook-alex-2023/messages/inbox/zoebrown_10158123456789/message_1.json"
    ]


def test_repair() -> None:
    assert repair("caf\u00c3\u00a9") == "café"
    assert repair("café") == "café"  # a real Latin-1 é alone is not UTF-8
    assert repair("ok") == "ok"
    assert repair("emoji 😀") == "emoji 😀"  # beyond Latin-1: already right


# --- bad inputs -----------------------------------------------------------------------------------


def test_truncated_file_names_the_message_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(DATA / "two_files_newest_first", folder)
    path = next(folder.rglob("message_2.json"))
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(InputError) as caught:
        parse(folder)
    assert str(caught.value) == (
        "export/your_activity_across_facebook/messages/inbox/jordanlee_10158000000042/message_2.json, "
        "line 23: the file ends in the middle of message 3; the export is incomplete (download it again)."
    )


def test_a_message_without_a_time_is_warned(tmp_path: Path) -> None:
    path = tmp_path / "message_1.json"
    path.write_bytes(
        (DATA / "calls.json").read_bytes().replace(b'"timestamp_ms": 1685830800000', b'"timestamp_ms": "x"')
    )
    records, warnings = parse(path)
    assert len(records) == 2
    assert [(w.code, w.line) for w in warnings] == [("unparsed_record", 26)]


def test_nothing_to_read(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match=r"there are no message_1\.json files"):
        parse(tmp_path)


# --- round trips ----------------------------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=30)
_NAMES = st.sampled_from(["Sam Taylor", "Zoë Brown", "Jérôme Dubois", "Åsa 😀 Berg"])


@st.composite
def threads(draw: st.DrawFn) -> render.Thread:
    count = draw(st.integers(1, 10))
    moment = datetime(2023, 5, 1, tzinfo=UTC)
    messages = []
    for _ in range(count):
        moment += timedelta(milliseconds=draw(st.integers(0, 90_000_000)))
        messages.append(render.Message(draw(_NAMES), moment, draw(st.one_of(st.none(), _TEXT))))
    people = ("Sam Taylor", "Zoë Brown", "Jérôme Dubois", "Åsa 😀 Berg")
    return render.Thread("thread_1", "Group", people, tuple(messages))


@given(milliseconds=st.integers(-(10**17), 10**17) | st.sampled_from([0, -1, 999, 1000, -1000, -1001]))
def test_time_is_exactly_the_milliseconds_since_1970(milliseconds: int) -> None:
    reader = _Reader("messenger", Input(Path("x.json"), "file", []), Context())
    try:
        expected: datetime | None = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)
    except OverflowError:
        expected = None
    for _ in range(2):  # the second time from the cached start of the hour
        if expected is None:
            with pytest.raises(OverflowError):
                reader._when(milliseconds)
        else:
            assert reader._when(milliseconds) == When(expected, "second", str(milliseconds), "UTC")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(thread=threads(), layout=st.sampled_from(sorted(render.ROOTS)), per_file=st.integers(1, 4))
def test_round_trip(tmp_path: Path, thread: render.Thread, layout: str, per_file: int) -> None:
    folder = tmp_path / f"{layout}-{per_file}"
    shutil.rmtree(folder, ignore_errors=True)
    render.write_export(folder, [thread], layout, per_file=per_file)
    source = INSTAGRAM if layout.startswith("instagram") else MESSENGER
    records, warnings = parse(folder, source)
    assert warnings == []
    expected = sorted(thread.messages, key=lambda m: m.at, reverse=True)
    assert [r.text for r in records] == [
        None if m.text is None else render.mojibake(m.text) for m in expected
    ]
    assert [details(r).get("text_normalised", r.text) for r in records] == [m.text for m in expected]
    assert [(r.sender.identifier if r.sender else None) for r in records] == [m.sender for m in expected]
    assert [r.when.at for r in records] == [
        m.at.replace(microsecond=m.at.microsecond // 1000 * 1000) for m in expected
    ]
    assert {h.identifier for r in records for h in r.recipients} <= set(thread.participants)
    check_spans(folder, records)


def test_e2ee_round_trip(tmp_path: Path) -> None:
    thread = render.synthetic_thread("x", 40, seed=3)
    path = tmp_path / "Zoe_1.json"
    path.write_bytes(render.e2ee_file("Zoë Brown", thread.participants, thread.messages))
    records, _ = parse(path)
    expected = sorted(thread.messages, key=lambda m: m.at, reverse=True)
    assert [r.text for r in records] == [m.text or None for m in expected]
    assert [("deleted" in r.markers) for r in records] == [m.unsent for m in expected]


def _write(folder: Path, count: int) -> Path:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    text = "Je t'ai vu au café 😀, réponds-moi. " * 40
    messages = tuple(
        render.Message("Zoë Brown", start + timedelta(seconds=n), f"{n} {text}") for n in range(count)
    )
    render.write_export(folder, [render.Thread("zoe_1", "Zoë Brown", ("Zoë Brown", "Alex Morgan"), messages)])
    return folder


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    assert_memory_stays_flat(MESSENGER, _write, tmp_path, (600, 6_000))


def test_renderer_output_is_meta_shaped(tmp_path: Path) -> None:
    thread = render.synthetic_thread("samtaylor_1", 5)
    data = json.loads(render.thread_file(thread, thread.messages))
    assert list(data) == [
        "participants",
        "messages",
        "title",
        "is_still_participant",
        "thread_path",
        "magic_words",
        "joinable_mode",
    ]
    assert b"\\u00c3\\u00ab" in render.thread_file(thread, thread.messages)  # Zoë, as Meta escapes it


def test_me_marks_the_owners_messages() -> None:
    with open_input(DATA / "inbox_mojibake") as inp:
        records = list(MESSENGER.parse(inp, Context(me="Alex Morgan")))
    assert [("from_me" in r.markers) for r in records] == [False, True, False, False]
    with open_input(DATA / "inbox_mojibake") as inp:
        records = list(MESSENGER.parse(inp, Context(me="Zoë Brown")))
    assert [("from_me" in r.markers) for r in records] == [True, False, True, True]


def test_fast_records_equal_records_built_the_usual_way(tmp_path: Path) -> None:
    root = tmp_path / "export"
    render.write_export(root, list(render.synthetic_threads(2, 300)), "facebook", per_file=100)
    for path in [root, *DATA.iterdir()]:
        source = INSTAGRAM if path.name == "instagram" else MESSENGER
        records, _ = parse(path, source)
        assert records
        assert_built_the_usual_way(records)
