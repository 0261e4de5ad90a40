"""The screenshot source: chat screenshots rendered with Pillow, read back with tesseract.

OCR is a reading, not a copy, so texts are compared by character-level similarity
(difflib.SequenceMatcher ratio, case-insensitive, at least 0.9 a bubble) rather than for equality;
sides, times, dates, markers, warnings and origins are checked exactly. The images are rendered here
rather than committed, so what each one shows is in the test.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import os
import re
import shutil
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from stalkproof.demo.exports.screenshot import (
    BLUE,
    DARK,
    Bubble,
    DayLabel,
    Item,
    Notice,
    Screen,
    degraded,
    render_screens,
    sample_conversation,
    write_screens,
)
from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, ParseWarning, Record
from stalkproof.ingest.inputs import open_input
from stalkproof.ingest.screenshot import LEFT_PLACEHOLDER, SOURCE, ScreenshotSource, _overlap
from stalkproof.ingest.screenshot_dates import read_day_label
from stalkproof.ingest.screenshot_layout import Layout, Word, lay_out, parse_time
from stalkproof.ingest.screenshot_ocr import (
    Job,
    Reading,
    _prepared,
    _reread_times,
    ordered_map,
    read_screenshot,
)

# Without tesseract the OCR tests are skipped here, but fail under CI, which must have it.
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None and os.environ.get("CI", "").lower() != "true",
    reason="tesseract is not installed: sudo apt install tesseract-ocr tesseract-ocr-eng",
)

SIMILAR = 0.9


def parse(
    path: Path,
    source: ScreenshotSource = SOURCE,
    learned: dict[str, object] | None = None,
    sender_left: str | None = None,
    me: str | None = None,
) -> tuple[list[Record], list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    ctx = Context(me=me, sender_left=sender_left, learned=learned or {}, on_warning=warnings.append)
    with open_input(path) as inp:
        return list(source.parse(inp, ctx)), warnings


def similar(expected: str, found: str | None) -> float:
    return difflib.SequenceMatcher(None, expected.casefold(), (found or "").casefold()).ratio()


def codes(warnings: list[ParseWarning]) -> list[str]:
    return [warning.code for warning in warnings]


def messages(items: Sequence[Item]) -> list[Bubble | Notice]:
    return [item for item in items if not isinstance(item, DayLabel)]


def assert_reads(records: list[Record], items: Sequence[Item]) -> None:
    """Records match the drawn bubbles and notices one for one: side, text, kind."""
    expected = messages(items)
    assert [record.origin.path for record in records] and len(records) == len(expected)
    for record, item in zip(records, expected, strict=True):
        assert similar(item.text, record.text) >= SIMILAR, (item.text, record.text)
        if isinstance(item, Notice):
            assert (record.kind, record.sender) == ("system", None)
        else:
            assert record.kind == "message" and record.sender is not None
            assert record.sender.identifier == ("self" if item.side == "right" else LEFT_PLACEHOLDER)


# A conversation over two screens: notices, full dates, 24-hour and 12-hour times, a long wrapped message.
CONVERSATION: list[Item] = [
    *sample_conversation(),
    Bubble("left", "You can't ignore me forever. I know where you work and when you finish.", "12:02"),
    Bubble("right", "I am keeping a record of every message you send.", "12:10"),
    DayLabel("Thursday, 14 March 2024"),
    Bubble("left", "Call me back", "6:42 PM"),
    Bubble("left", "Why did you block my number?", "9:05 PM"),
    Bubble("right", "Stop contacting me.", "9:30 PM"),
]
EXPECTED_TIMES = [
    datetime(2024, 3, 12, 18, 40),
    datetime(2024, 3, 12, 18, 42),
    datetime(2024, 3, 12, 18, 43),
    datetime(2024, 3, 12, 18, 50),
    datetime(2024, 3, 13, 7, 15),
    datetime(2024, 3, 13, 7, 31),
    datetime(2024, 3, 13, 12, 2),
    datetime(2024, 3, 13, 12, 10),
    datetime(2024, 3, 14, 18, 42),
    datetime(2024, 3, 14, 21, 5),
    datetime(2024, 3, 14, 21, 30),
]


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chat")
    paths = write_screens(folder, CONVERSATION)
    assert len(paths) == 2
    return folder


@pytest.fixture(scope="module")
def chat_read(chat: Path) -> tuple[list[Record], list[ParseWarning]]:
    return parse(chat)


@needs_tesseract
def test_reads_sides_texts_and_kinds(chat_read: tuple[list[Record], list[ParseWarning]]) -> None:
    records, _ = chat_read
    assert_reads(records, CONVERSATION)


@needs_tesseract
def test_times_from_bubbles_and_day_labels(chat_read: tuple[list[Record], list[ParseWarning]]) -> None:
    records, _ = chat_read
    notice, *rest = records
    assert [record.when.at for record in rest] == EXPECTED_TIMES
    assert {record.when.precision for record in rest} == {"minute"}
    assert all(record.when.at.tzinfo is None for record in records)
    assert rest[8].when.found == "Thursday, 14 March 2024 6:42 PM"
    assert (
        rest[0].details is not None
        and rest[0].details["date_from"] == "the day label '12 March 2024' in image 1"
    )
    # The notice above the first day label is from that day or before: approximate.
    assert (notice.when.at, notice.when.precision) == (datetime(2024, 3, 12), "approximate")


@needs_tesseract
def test_markers_confidence_box_and_origin(
    chat: Path, chat_read: tuple[list[Record], list[ParseWarning]]
) -> None:
    records, _ = chat_read
    shots = sorted(chat.iterdir())
    digests = [hashlib.sha256(path.read_bytes()).hexdigest() for path in shots]
    for record in records:
        details = record.details
        assert details is not None
        assert "ocr" in record.markers and "low_confidence" not in record.markers
        assert isinstance(details["ocr_confidence"], float) and 60 <= details["ocr_confidence"] <= 100
        image, bubble = details["image"], details["bubble"]
        assert isinstance(image, int) and isinstance(bubble, int)
        assert record.origin.path == f"image {image} bubble {bubble}"
        assert record.origin.member == shots[image - 1].name
        assert record.identity == (digests[image - 1], bubble)
        assert details["raw_form"] == "ocr-json"
        raw = json.loads(record.raw)
        assert raw["box"] == details["box"] and record.origin.length == len(record.raw)
        # raw is everything read in the bubble, line by line; text leaves out the time and reads "|" as "I".
        assert " ".join("I" if w == "|" else w for w in raw["text"].split()).startswith(record.text or "")
        if details["time_from"] == "bubble":
            assert raw["text"].endswith(
                record.when.found.rsplit(" ", 2 if "M" in record.when.found else 1)[-1]
            )
        left, top, right, bottom = raw["box"]
        assert 0 <= left < right <= 720 and 0 <= top < bottom <= 1560
        (attachment,) = record.attachments
        assert (attachment.status, attachment.member, attachment.mime) == (
            "attached",
            shots[image - 1].name,
            "image/png",
        )


@needs_tesseract
def test_boxes_lie_in_the_drawn_bubbles(
    chat: Path, chat_read: tuple[list[Record], list[ParseWarning]]
) -> None:
    records, _ = chat_read
    drawn = [placed for screen in render_screens(CONVERSATION) for placed in screen.items]
    boxes = [placed.box for placed in drawn if not isinstance(placed.item, DayLabel)]
    for record, (left, top, right, bottom) in zip(records, boxes, strict=False):
        assert record.details is not None
        found = record.details["box"]
        assert isinstance(found, list)
        assert (
            left - 2 <= found[0] and found[2] <= right + 2 and top - 2 <= found[1] and found[3] <= bottom + 2
        )


@needs_tesseract
def test_warnings_name_the_left_sender_and_notices(
    chat_read: tuple[list[Record], list[ParseWarning]],
) -> None:
    _, warnings = chat_read
    assert codes(warnings) == ["date_unknown", "side_unknown", "sender_unnamed"]
    unnamed = warnings[2]
    assert "'left-hand sender'" in unnamed.reason and "--sender-left" in unnamed.reason
    assert "Sam Carter" in unnamed.reason  # what the title bar reads, to help the person name them


@needs_tesseract
def test_sender_left_names_the_other_person(tmp_path: Path) -> None:
    items: list[Item] = [DayLabel("2 April 2024"), Bubble("left", "Open the door", "22:14")]
    (path,) = write_screens(tmp_path, items)
    records, warnings = parse(path, sender_left="Sam Carter", me="Alex")
    (record,) = records
    assert record.sender is not None and record.recipients[0].display == "Alex"
    assert (record.sender.identifier, record.sender.display, record.thread) == (
        "Sam Carter",
        "Sam Carter",
        "Sam Carter",
    )
    assert record.origin.member == ""  # a plain file
    assert "sender_unnamed" not in codes(warnings)


@needs_tesseract
@pytest.mark.parametrize("theme", [DARK, BLUE], ids=["dark", "white-on-blue"])
def test_other_themes(tmp_path: Path, theme: object) -> None:
    items: list[Item] = [
        DayLabel("5 May 2024"),
        Bubble("left", "Are you going to answer me or not?", "20:01"),
        Bubble("right", "Please leave me alone now", "20:03"),
        Bubble("left", "I will wait outside then", "20:09"),
    ]
    write_screens(tmp_path, items, Screen(theme=theme))  # type: ignore[arg-type]
    records, _ = parse(tmp_path)
    assert_reads(records, items)
    assert [record.when.at.minute for record in records] == [1, 3, 9]


@needs_tesseract
def test_overlapping_screenshots_are_not_stored_twice(tmp_path: Path) -> None:
    places = ["car", "house", "street", "shop", "gym", "bus", "park", "school"] * 2
    items: list[Item] = [
        DayLabel("20 June 2024"),
        *(
            Bubble("left" if n % 3 else "right", f"Message number {n} about the {place} again", f"10:{n:02d}")
            for n, place in enumerate(places)
        ),
    ]
    paths = write_screens(tmp_path, items, overlap=2)
    assert len(paths) == 2
    records, warnings = parse(tmp_path)
    assert_reads(records, items)
    assert codes(warnings).count("overlap") == 1
    assert "image 1" in warnings[codes(warnings).index("overlap")].reason


@needs_tesseract
def test_relative_day_labels_need_the_screenshot_date(tmp_path: Path) -> None:
    items: list[Item] = [
        DayLabel("Yesterday"),
        Bubble("left", "Where were you last night?", "23:10"),
        DayLabel("Today"),
        Bubble("right", "Leave me alone", "08:05"),
        Bubble("left", "Answer the phone", None),
    ]
    (path,) = write_screens(tmp_path, items)
    records, warnings = parse(path, learned={"screenshot_date": "2024-03-12"})
    assert [(record.when.at, record.when.precision) for record in records] == [
        (datetime(2024, 3, 11, 23, 10), "approximate"),
        (datetime(2024, 3, 12, 8, 5), "approximate"),
        (datetime(2024, 3, 12, 8, 5), "approximate"),
    ]
    assert records[2].details is not None and records[2].details["time_from"] == "an earlier bubble"
    assert re.fullmatch(r"Yesterday 23[:.\-]10", records[0].when.found)  # OCR may read ":" as "-"
    assert "date_unknown" not in codes(warnings)
    with pytest.raises(InputError, match=r"Screenshot_01\.png: image 1 .*--screenshot-date") as caught:
        parse(path)
    assert "'Yesterday'" in str(caught.value)


@needs_tesseract
def test_date_from_file_name_or_metadata_when_no_day_label(tmp_path: Path) -> None:
    (screen,) = render_screens([Bubble("left", "Hello again", "09:00")])
    named = tmp_path / "Screenshot_20240312-090102.png"
    named.write_bytes(screen.png)
    records, warnings = parse(named)
    assert [(r.when.at, r.when.precision) for r in records] == [(datetime(2024, 3, 12, 9, 0), "approximate")]
    assert codes(warnings) == ["date_unknown", "sender_unnamed"]
    assert "2024-03-12" in warnings[0].reason and "file name" in warnings[0].reason

    stamped = tmp_path / "stamped.png"
    info = PngInfo()
    info.add_text("Creation Time", "2024:07:01 21:00:00")
    Image.open(io.BytesIO(screen.png)).save(stamped, pnginfo=info)
    records, warnings = parse(stamped)
    assert records[0].when.at == datetime(2024, 7, 1, 9, 0)
    assert "PNG Creation Time" in warnings[0].reason


@needs_tesseract
def test_low_confidence_is_marked_and_warned(tmp_path: Path) -> None:
    # A screenshot shrunk and recompressed, as happens when it is forwarded through apps.
    (screen,) = render_screens(
        [Bubble("left", "I saw you at the station", "17:20"), Bubble("right", "Stop it", "17:21")]
    )
    path = tmp_path / "forwarded.jpg"
    path.write_bytes(degraded(screen.png))
    records, warnings = parse(path, learned={"screenshot_date": date(2024, 1, 5)})
    assert records and all({"ocr", "low_confidence"} <= record.markers for record in records)
    low = [warning for warning in warnings if warning.code == "low_confidence"]
    assert len(low) == len(records)
    assert all("check it against the screenshot" in warning.reason for warning in low)
    assert records[0].attachments[0].mime == "image/jpeg"


@needs_tesseract
def test_a_time_earlier_than_the_one_above_is_flagged(tmp_path: Path) -> None:
    items: list[Item] = [
        DayLabel("3 May 2024"),
        Bubble("left", "Are you awake?", "23:40"),
        Bubble("left", "I know you are", "21:15"),
        Bubble("right", "Go away", "23:55"),
    ]
    (path,) = write_screens(tmp_path, items)
    records, warnings = parse(path)
    assert ["time_out_of_order" in record.markers for record in records] == [False, True, False]
    (late,) = [warning for warning in warnings if warning.code == "time_out_of_order"]
    assert "bubble 3" in late.reason and "23:40" in late.reason


@needs_tesseract
def test_an_impossible_time_is_read_again() -> None:
    (screen,) = render_screens([DayLabel("1 May 2024"), Bubble("left", "Hello there", "03:01")])
    layout = read_screenshot(Job(screen.png, "eng")).layout
    assert layout is not None
    label, bubble = layout.bubbles
    # Small print: tesseract sometimes reads "03:01" as "93:01", which is no time at all.
    misread = replace(bubble.with_time(Word("93:01", *bubble.time_box, 50.0)), time_reread=False)
    assert misread.clock is None
    image = Image.open(io.BytesIO(screen.png))
    fixed = _reread_times(_prepared(image), replace(layout, bubbles=(label, misread)), "eng").bubbles[1]
    assert (fixed.clock, fixed.text, fixed.time_reread, fixed.box) == (
        (3, 1),
        "Hello there",
        True,
        bubble.box,
    )


@needs_tesseract
def test_a_bubble_with_only_a_time_keeps_its_side(tmp_path: Path) -> None:
    items: list[Item] = [
        DayLabel("1 May 2024"),
        Bubble("left", "too faint to read at all", "19:01", faint=True),
    ]
    (path,) = write_screens(tmp_path, items)
    records, warnings = parse(path)
    (record,) = records
    assert record.text is None and record.sender is not None and record.sender.identifier == LEFT_PLACEHOLDER
    assert record.when.at == datetime(2024, 5, 1, 19, 1)
    assert "no_text" in codes(warnings)


@needs_tesseract
def test_non_images(tmp_path: Path, chat: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("not an image at all\n")
    with pytest.raises(InputError, match=r"notes\.png: this is not a PNG or JPEG image"):
        parse(text)
    broken = tmp_path / "broken.png"
    broken.write_bytes((chat / "Screenshot_01.png").read_bytes()[:300])
    with pytest.raises(InputError, match=r"broken\.png: this image cannot be read"):
        parse(broken)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("hello\n")
    with pytest.raises(InputError, match="there are no PNG or JPEG screenshots"):
        parse(empty)
    with open_input(text) as inp:
        assert SOURCE.detect(inp) == 0.0
    with open_input(chat) as inp:
        assert SOURCE.detect(inp) == 0.3


@needs_tesseract
def test_zip_with_other_files_warns_and_reads_the_images(tmp_path: Path, chat: Path) -> None:
    archive = tmp_path / "shots.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("notes.txt", "not a screenshot\n")
        out.writestr("broken.png", (chat / "Screenshot_01.png").read_bytes()[:300])
        out.write(chat / "Screenshot_02.png", "Screenshot_02.png")
    records, warnings = parse(archive, learned={"screenshot_date": "2024-03-13"})
    assert codes(warnings)[:2] == ["not_an_image", "unreadable_image"]
    assert records and {record.origin.member for record in records} == {"Screenshot_02.png"}
    assert records[0].attachments[0].member == "Screenshot_02.png"


@needs_tesseract
def test_survey_counts_what_parse_yields(
    chat: Path, chat_read: tuple[list[Record], list[ParseWarning]]
) -> None:
    with open_input(chat) as inp:
        survey = SOURCE.survey(inp, Context())
    assert survey.records == len(chat_read[0])
    assert survey.facts["images"] == 2 and str(survey.facts["ocr_engine"]).startswith("tesseract")


VOCABULARY = (
    "where",
    "are",
    "you",
    "going",
    "tonight",
    "stop",
    "calling",
    "please",
    "answer",
    "phone",
    "house",
)


@needs_tesseract
# OCR is slow, so a few examples, the same on every run (a misreading found is then found every time),
# and no shrinking, which would OCR hundreds of images.
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["left", "right"]),
            st.lists(st.sampled_from(VOCABULARY), min_size=2, max_size=9),
            st.integers(0, 23),
            st.integers(0, 59),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_round_trip(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, list[str], int, int]]
) -> None:
    items: list[Item] = [DayLabel("9 September 2024")]
    items += [
        Bubble("left" if side == "left" else "right", " ".join(words), f"{h:02d}:{m:02d}")
        for side, words, h, m in rows
    ]
    folder = tmp_path_factory.mktemp("round")
    write_screens(folder, items)
    records, _ = parse(folder, ScreenshotSource(workers=1))
    assert_reads(records, items)
    assert [(r.when.at.hour, r.when.at.minute) for r in records] == [(h, m) for _, _, h, m in rows]


# Layout, times and labels without OCR: exact.


def word(text: str, left: int, top: int, width: int = 60, height: int = 20, conf: float = 95.0) -> Word:
    return Word(text, left, top, left + width, top + height, conf)


def test_layout_groups_rows_into_bubbles_by_gap_side_and_time() -> None:
    found = [
        ((1, 1, 1), word("Title", 40, 100)),
        ((2, 1, 1), word("Hi", 40, 300)),
        ((2, 1, 1), word("there", 110, 300)),
        ((3, 1, 1), word("again", 40, 330)),
        ((4, 1, 1), word("18:40", 250, 335, 50, 15)),
        ((5, 1, 1), word("Stop", 500, 400, conf=40.0)),
        ((6, 1, 1), word("6:42", 600, 405)),
        ((6, 1, 1), word("PM", 665, 405, 30)),
        ((7, 1, 1), word("Today", 330, 470)),
        ((8, 1, 1), word("Message", 40, 1500)),
    ]
    layout = lay_out(found, 720, 1560)
    assert (layout.header, layout.footer) == ("Title", "Message")
    first, second, third = layout.bubbles
    assert (first.side, first.text, first.time, first.reading) == (
        "left",
        "Hi there again",
        "18:40",
        "Hi there\nagain 18:40",
    )
    assert (second.side, second.text, second.time, second.clock) == ("right", "Stop", "6:42 PM", (18, 42))
    mean, lowest = second.confidence
    assert mean == pytest.approx((40 + 95 + 95) / 3) and lowest == 40.0
    assert (third.side, third.text, third.time) == ("middle", "Today", None)
    assert first.box == (40, 300, 300, 350)


def test_time_alone_takes_its_side_from_the_right_margin() -> None:
    left = lay_out([((1, 1, 1), word("19:01", 420, 500, 55, 15))], 720, 1560).bubbles[0]
    right = lay_out([((1, 1, 1), word("19:01", 630, 500, 55, 15))], 720, 1560).bubbles[0]
    assert (left.side, left.text, right.side) == ("left", "", "right")


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ("18:42", (18, 42)),
        ("07-15", (7, 15)),
        ("i8:50", (18, 50)),
        ("6:42 PM", (18, 42)),
        ("12:05 am", (0, 5)),
        ("6.42p.m.", (18, 42)),
        ("25:00", None),
        ("13:00 PM", None),
        ("18:42?", None),
    ],
)
def test_parse_time(found: str, expected: tuple[int, int] | None) -> None:
    assert parse_time(found) == expected


@pytest.mark.parametrize(
    ("text", "anchor", "day", "exact", "clock"),
    [
        ("12 March 2024", None, date(2024, 3, 12), True, None),
        ("Tuesday, 12 March 2024", None, date(2024, 3, 12), True, None),
        ("Mar 12, 2024 at 6:42 PM", None, date(2024, 3, 12), True, (18, 42)),
        ("2024-03-12", None, date(2024, 3, 12), True, None),
        ("25/12/2023", None, date(2023, 12, 25), True, None),
        ("Today", date(2024, 3, 12), date(2024, 3, 12), False, None),
        ("Yesterday 21:05", date(2024, 3, 12), date(2024, 3, 11), False, (21, 5)),
        ("Sunday", date(2024, 3, 12), date(2024, 3, 10), False, None),
        ("12 March", date(2024, 1, 2), date(2023, 3, 12), False, None),
        ("Today", None, None, False, None),
        ("05/06/2024", None, None, False, None),
        ("31 February 2024", None, None, False, None),
    ],
)
def test_day_labels(
    text: str, anchor: date | None, day: date | None, exact: bool, clock: tuple[int, int] | None
) -> None:
    label = read_day_label(text, anchor, None)
    assert label is not None
    assert (label.day, label.exact, label.clock) == (day, exact, clock)
    assert (label.problem is None) == (day is not None)


def test_not_day_labels() -> None:
    assert read_day_label("Messages are end-to-end encrypted", None, None) is None
    assert read_day_label("Today I saw you", date(2024, 1, 1), None) is None
    label = read_day_label("05/06/2024", None, "dmy")
    assert label is not None and label.day == date(2024, 6, 5)


def test_overlap_runs() -> None:
    a, b, c, d = (("left", "1", "a"), ("right", "2", "b"), ("left", "3", "c"), ("left", "4", "d"))
    assert _overlap([a, b, c], [b, c, d]) == (0, 2)
    assert _overlap([a, b, c], [("left", "", "cut"), b, c, d]) == (1, 2)
    assert _overlap([a, b, c, ("left", "", "cut")], [b, c, d]) == (0, 2)
    assert _overlap([a, b], [c, d]) == (0, 0)
    assert _overlap([("middle", "", "today")], [("middle", "", "today")]) == (
        0,
        0,
    )  # a label alone is no proof


# Constant memory and the pool.


def fake_reader(job: Job) -> Reading:
    words = [((n, 1, 1), word(f"message {n}", 40, 300 + 80 * n)) for n in range(5)]
    words += [((9, 1, 1), word("1 May 2024", 320, 200))]
    layout: Layout = lay_out(words, 720, 1560)
    return Reading(layout)


def peak_of_parse(folder: Path) -> tuple[int, int]:
    source = ScreenshotSource(workers=1, reader=fake_reader)
    tracemalloc.start()
    count = 0
    with open_input(folder) as inp:
        for _ in source.parse(inp, Context()):
            count += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return count, peak


@needs_tesseract
def test_parse_memory_does_not_grow_with_the_number_of_images(tmp_path: Path) -> None:
    png = render_screens([Bubble("left", "x", "10:00")])[0].png
    png += b"\0" * (100_000 - len(png))  # ~100 KB an image: ~2 MB and ~20 MB of screenshots
    for count in (20, 200):
        folder = tmp_path / str(count)
        folder.mkdir()
        for n in range(count):
            (folder / f"shot_{n}.png").write_bytes(png[:-8] + n.to_bytes(8, "big"))
    small_count, small = peak_of_parse(tmp_path / "20")
    large_count, large = peak_of_parse(tmp_path / "200")
    assert (small_count, large_count) == (20 * 5, 200 * 5)
    assert large < 2 * small, (small, large)


def blocks(count: int) -> Iterator[tuple[int, bytes]]:
    for n in range(count):
        yield n, os.urandom(1024 * 1024)


def test_pool_keeps_order_and_bounds_work_in_flight() -> None:
    results = list(ordered_map(zlib.crc32, ((n, bytes([n])) for n in range(50)), workers=2, in_flight=4))
    assert results == [(n, zlib.crc32(bytes([n]))) for n in range(50)]
    tracemalloc.start()
    assert sum(1 for _ in ordered_map(zlib.crc32, blocks(60), workers=2, in_flight=4)) == 60
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # 60 MiB went through; at most a few blocks were held at once
