"""WhatsApp "Export chat": every header variant, notices, media, markers, the day/month rules, the
forged-header checks, the export cap, exact raw bytes, round trips through our own renderer, constant
memory, and inputs that are not a chat."""

from __future__ import annotations

import shutil
import tracemalloc
import zipfile
from dataclasses import fields
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalkproof.demo.exports import whatsapp as render
from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, ParseWarning, Record, Survey, When
from stalkproof.ingest.inputs import Input, open_input
from stalkproof.ingest.whatsapp import SOURCE
from stalkproof.ingest.whatsapp_grammar import match_header
from stalkproof.ingest.whatsapp_markers import MARKERS_FILE, NOTHING, load_markers

DATA = Path(__file__).parents[1] / "data" / "ingest" / "whatsapp"
LRM, NNBSP, NBSP = "\u200e", "\u202f", "\u00a0"


def _run(path: Path, **options: object) -> tuple[list[Record], list[ParseWarning], Survey]:
    """Survey then parse, as the import does; the warnings are the parse pass's. Checks every record's raw
    bytes against the file, and that records and warned lines tile each chat file exactly."""
    warnings: list[ParseWarning] = []
    ctx = Context(on_warning=warnings.append, **options)  # type: ignore[arg-type]
    with open_input(path) as inp:
        survey = SOURCE.survey(inp, ctx)
        surveyed = list(warnings)
        warnings.clear()
        records = list(SOURCE.parse(inp, ctx))
        assert [(w.code, w.line) for w in surveyed] == [(w.code, w.line) for w in warnings]
        _check_spans(inp, records, warnings)
    return records, warnings, survey


def _check_spans(inp: Input, records: list[Record], warnings: list[ParseWarning]) -> None:
    """Each record's raw bytes are the file's bytes at its origin, and records plus the lines reported as
    unparsed cover every chat file exactly, from its first byte to its last."""
    spans: dict[str, list[tuple[int, int]]] = {}
    contents: dict[str, bytes] = {}
    labels: dict[str, str] = {}
    for record in records:
        name = record.origin.member
        if name not in contents:
            member = inp.members[0] if inp.kind == "file" else inp.member(name)
            assert member is not None
            with member.open() as stream:
                contents[name] = stream.read()
            labels[inp.where(member)] = name
        start = record.origin.offset or 0
        assert contents[name][start : start + record.origin.length] == record.raw
        spans.setdefault(name, []).append((start, record.origin.length))
    for warning in warnings:
        if warning.code == "unparsed_line" and warning.offset is not None:
            spans[labels[warning.member]].append((warning.offset, len(warning.raw.encode())))
    for name, found in spans.items():
        found.sort()
        assert found[0][0] == 0 and sum(found[-1]) == len(contents[name])
        assert all(a + n == b for (a, n), (b, _) in pairwise(found))


def _texts(records: list[Record]) -> list[tuple[str | None, str | None]]:
    return [(r.sender.identifier if r.sender else None, r.text) for r in records]


# --- every header variant -------------------------------------------------------------------------------

VARIANT_FILES = {
    # file: (date order, first time, its text as found, precision, last time)
    "en_us.txt": (
        "mdy",
        datetime(2023, 1, 22, 18, 30),
        "1/22/23, 6:30 PM",
        "minute",
        datetime(2023, 1, 23, 13, 15),
    ),
    "en_us_nnbsp.txt": (
        "mdy",
        datetime(2023, 1, 22, 18, 30),
        f"1/22/23, 6:30{NNBSP}PM",
        "minute",
        datetime(2023, 1, 23, 9, 5),
    ),
    "en_gb.txt": (
        "dmy",
        datetime(2023, 1, 22, 18, 30),
        "22/01/2023, 18:30",
        "minute",
        datetime(2023, 3, 26, 9),
    ),
    "de.txt": ("dmy", datetime(2021, 8, 3, 12, 30), "03.08.21, 12:30", "minute", datetime(2021, 8, 15, 9, 6)),
    "fr.txt": (
        "dmy",
        datetime(2019, 9, 26, 22, 39),
        "26/09/2019 à 22:39",
        "minute",
        datetime(2019, 9, 27, 7, 20),
    ),
    "fr_ch.txt": (
        "dmy",
        datetime(2018, 5, 2, 18),
        "02.05.18 à 18:00",
        "minute",
        datetime(2018, 5, 14, 9, 31),
    ),
    "es.txt": (
        "dmy",
        datetime(2017, 6, 20, 20, 28),
        f"20/6/2017 8:28 p.{NBSP}m.",
        "minute",
        datetime(2017, 6, 21, 12, 10),
    ),
    "pt_br.txt": (
        "dmy",
        datetime(2023, 1, 12, 8),
        "12/01/2023 08:00",
        "minute",
        datetime(2023, 1, 13, 21, 50),
    ),
    "en_ca.txt": (
        "ymd",
        datetime(2023, 12, 20, 17, 46),
        "2023-12-20, 5:46 p.m.",
        "minute",
        datetime(2023, 12, 21, 12, 10),
    ),
    "en_za.txt": (
        "ymd",
        datetime(2023, 12, 20, 17, 46),
        "2023/12/20, 5:46 pm",
        "minute",
        datetime(2023, 12, 21, 12, 10),
    ),
    "id.txt": ("dmy", datetime(2025, 8, 30, 18), "30/08/25 18.00", "minute", datetime(2025, 8, 31, 7, 45)),
    "ios_24h.txt": (
        "dmy",
        datetime(2017, 4, 19, 20, 43, 9),
        "19.04.17, 20:43:09",
        "second",
        datetime(2017, 4, 20, 7, 1),
    ),
    "ios_12h.txt": (
        "mdy",
        datetime(2023, 1, 22, 18, 30, 12),
        "1/22/23, 6:30:12 PM",
        "second",
        datetime(2023, 1, 23, 0, 0, 30),
    ),
    "legacy.txt": (
        "dmy",
        datetime(2017, 7, 12, 22, 35, 22),
        "12.07.2017, 22:35:22",
        "second",
        datetime(2017, 7, 13, 6, 12),
    ),
    "crlf.txt": (
        "dmy",
        datetime(2023, 1, 22, 18, 30),
        "22/01/2023, 18:30",
        "minute",
        datetime(2023, 1, 22, 18, 33),
    ),
    "bom_lrm.txt": (
        "dmy",
        datetime(2017, 4, 19, 20, 43, 9),
        "19.04.17, 20:43:09",
        "second",
        datetime(2017, 4, 19, 20, 44, 10),
    ),
}


@pytest.mark.parametrize("name", sorted(VARIANT_FILES))
def test_every_header_variant_reads_its_times_and_senders(name: str) -> None:
    order, first_at, found, precision, last_at = VARIANT_FILES[name]
    records, warnings, survey = _run(DATA / name)
    assert warnings == []
    assert survey.facts["date_order"] == order
    assert records[0].when == When(first_at, precision, found)
    assert records[-1].when.at == last_at
    assert {r.when.precision for r in records} == {precision}
    assert all(r.when.zone is None and r.when.at.tzinfo is None for r in records)
    assert {r.channel for r in records} == {"whatsapp"}
    messages = [r for r in records if r.kind == "message"]
    assert messages and all(r.sender is not None for r in messages)
    known = {"Sam Taylor", "Alex Morgan", "Ana Souza", "Jo Bright", "Dr: Who"}
    assert {r.sender.identifier for r in messages if r.sender} <= known
    assert [r.origin.line for r in records] == sorted(r.origin.line or 0 for r in records)


def test_locale_words_for_media_and_deletion() -> None:
    expected = {
        "de.txt": ("<Medien ausgeschlossen>", "Diese Nachricht wurde gelöscht"),
        "fr.txt": ("‹Médias omis>", None),
        "es.txt": ("<Multimedia omitido>", None),
        "pt_br.txt": ("‹Mídia oculta>", None),
        "en_us.txt": ("<Media omitted>", "This message was deleted"),
    }
    for name, (omitted, deleted) in expected.items():
        records, _, _ = _run(DATA / name)
        media = [r for r in records if r.attachments]
        assert [(r.text, r.attachments[0].status, r.attachments[0].name) for r in media] == [
            (omitted, "omitted", omitted)
        ]
        assert [r.text for r in records if "deleted" in r.markers] == ([deleted] if deleted else [])


def test_en_gb_multiline_names_and_identity() -> None:
    records, warnings, survey = _run(DATA / "en_gb.txt")
    assert warnings == []
    assert _texts(records) == [
        (None, records[0].text),
        ("Sam Taylor", "You can't ignore me forever"),
        ("Sam Taylor", "You can't ignore me forever"),
        ("Alex Morgan", "Please stop"),
        ("Alex Morgan", "I mean it"),
        ("Sam Taylor", "I waited outside your work\n\nfor two hours 👨\u200d👩\u200d👧"),
        (None, "Your security code with Sam Taylor changed. Tap to learn more."),
        ("Jo Bright", "Is this Alex? Sam gave me your number"),
        ("Jo Bright", "Hello?"),
        ("Dr: Who", "Appointment reminder: Tuesday"),
        ("Dr: Who", "Reply YES to confirm"),
        ("Sam Taylor", "The clocks go forward tonight"),
        ("Sam Taylor", "Note: I will be there"),
    ]
    notice, first, second = records[0], records[1], records[2]
    assert notice.kind == "system" and notice.sender is None and notice.markers == {"system"}
    # Two identical messages in the same minute are two records: n tells them apart.
    assert first.identity == ("Sam Taylor", "2023-01-22T18:30", "You can't ignore me forever", (), 0)
    assert second.identity == ("Sam Taylor", "2023-01-22T18:30", "You can't ignore me forever", (), 1)
    multi = records[5]
    assert (multi.origin.line, multi.origin.end_line) == (6, 8)
    code = records[6]
    assert code.kind == "system" and code.markers == {"system", "security_code_changed"}
    assert code.details == {"security_code_with": "Sam Taylor"}
    jo = records[7].sender
    assert jo is not None and jo.display == "\u2068~\u202fJo Bright\u2069"
    assert records[11].when.at == datetime(2023, 3, 26, 1, 30)  # does not exist in London: kept as written
    assert survey.facts["participants"] == [
        "Sam Taylor",
        "Alex Morgan",
        "\u2068~\u202fJo Bright\u2069",
        "Dr: Who",
    ]
    assert records[1].recipients and {h.identifier for h in records[1].recipients} == {
        "Alex Morgan",
        "Jo Bright",
        "Dr: Who",
    }


def test_markers_deleted_edited_and_media_omitted() -> None:
    records, _, _ = _run(DATA / "en_us.txt")
    by_text = {r.text: r for r in records}
    assert by_text["This message was deleted"].markers == {"deleted"}
    assert by_text["Why won't you answer? <This message was edited>"].markers == {"edited"}
    omitted = by_text["<Media omitted>"]
    assert omitted.kind == "message" and omitted.attachments[0].status == "omitted"
    assert omitted.identity[3] == ("<Media omitted>",)


def test_ios_notices_are_never_blamed_on_the_person_the_export_names() -> None:
    records, warnings, _ = _run(DATA / "ios_24h.txt")
    assert warnings == []
    notice, code = records[0], records[4]
    assert notice.kind == "system" and notice.sender is None
    assert notice.details == {"export_attributed_to": "Sam Taylor"}
    assert notice.text is not None and notice.text.startswith(LRM + "Messages and calls")
    assert code.kind == "system" and code.sender is None and "security_code_changed" in code.markers
    assert code.details == {"export_attributed_to": "Sam Taylor", "security_code_with": "Alex Morgan"}
    image, deleted, edited = records[3], records[5], records[6]
    assert image.sender is not None and image.sender.identifier == "Sam Taylor"
    assert image.attachments[0].name == "image omitted" and image.attachments[0].status == "omitted"
    assert deleted.markers == {"deleted"} and deleted.text == LRM + "This message was deleted."
    assert edited.markers == {"edited"}
    assert records[1].identity == ("Sam Taylor", "2017-04-19T20:43:09", "Are you home?", (), 0)


def test_crlf_is_kept_inside_texts_and_raw() -> None:
    records, _, _ = _run(DATA / "crlf.txt")
    assert records[0].text == "First line\r\nsecond line\r\n\r\nfourth line"
    assert records[0].raw.endswith(b"fourth line\r\n")
    assert (records[0].origin.line, records[0].origin.end_line) == (1, 4)
    assert [r.text for r in records[1:]] == ["Single", "Two", "Sam Taylor left"]
    assert records[-1].kind == "system"


def test_bom_is_counted_in_offsets_but_not_in_the_time() -> None:
    records, _, _ = _run(DATA / "bom_lrm.txt")
    assert records[0].raw.startswith(b"\xef\xbb\xbf[19.04.17")
    assert records[0].origin.offset == 0 and records[0].when.found == "19.04.17, 20:43:09"
    assert records[1].raw.startswith(LRM.encode()) and records[1].attachments[0].name == "video omitted"


def test_a_file_without_a_final_newline_keeps_its_last_bytes(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(b"22/01/2023, 18:30 - Sam: a\n22/01/2023, 18:31 - Alex: b\n22/01/2023, 18:32 - Sam: c")
    records, _, _ = _run(path)
    assert records[-1].raw == b"22/01/2023, 18:32 - Sam: c" and records[-1].text == "c"


def test_lines_before_the_first_message_are_reported_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(b"\n  \n22/01/2023, 18:30 - Sam: a\n22/01/2023, 18:31 - Sam: b\n")
    records, warnings, _ = _run(path)
    assert [(w.code, w.line, w.offset) for w in warnings] == [
        ("unparsed_line", 1, 0),
        ("unparsed_line", 2, 1),
    ]
    assert records[0].origin.offset == 4 and records[0].origin.line == 3


def test_a_header_with_a_date_that_does_not_exist_stays_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(
        b"22/01/2023, 18:30 - Sam: look\n31/02/2023, 10:00 - Alex: fake\n22/01/2023, 18:31 - Alex: no\n"
        b"22/01/2023, 18:32 - Sam: ok\n22/01/2023, 18:33 - Alex: bye\n"
    )
    records, warnings, _ = _run(path)
    assert records[0].text == "look\n31/02/2023, 10:00 - Alex: fake"
    assert [(w.code, w.line) for w in warnings] == [("unparsed_line", 2)]
    assert "31/02/2023, 10:00" in warnings[0].reason


def test_identities_stay_unique_when_the_clock_goes_back(tmp_path: Path) -> None:
    # The hour repeated when summer time ends, and a clock set back by days: the same message at the same
    # written time must never get the same identity as the earlier one (that would lose it as a duplicate).
    start = datetime(2023, 10, 29, 1, 0)
    messages = [render.ChatLine(start + timedelta(minutes=i), "Sam Taylor", "ok") for i in range(60)]
    messages += [render.ChatLine(start + timedelta(minutes=i), "Sam Taylor", "ok") for i in range(60)]
    messages += [render.ChatLine(start + timedelta(minutes=60 + i), "Alex Morgan", "x") for i in range(600)]
    messages.append(render.ChatLine(start, "Sam Taylor", "ok"))  # back again, long after
    path = tmp_path / "chat.txt"
    path.write_bytes(render.render(messages, render.VARIANTS["en_gb"]))
    with open_input(path) as inp:
        records = list(SOURCE.parse(inp, Context()))
    assert records[0].identity == ("Sam Taylor", "2023-10-29T01:00", "ok", (), 0)
    assert records[60].identity == ("Sam Taylor", "2023-10-29T01:00", "ok", (), 1)  # the repeated hour
    assert records[-1].identity[:4] == records[0].identity[:4]
    assert len({r.identity for r in records}) == len(records)


# --- forged headers (a)-(c) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "sender", "why"),
    [
        ("forged_backwards.txt", 2, "Alex Morgan", "its time is earlier"),
        ("forged_format.txt", 2, "Alex Morgan", "written differently from the rest of this file"),
        ("forged_stranger.txt", 2, "Police Officer", "the name Police Officer appears nowhere else"),
    ],
)
def test_forged_headers_are_kept_marked_and_reported(name: str, line: int, sender: str, why: str) -> None:
    records, warnings, _ = _run(DATA / name)
    flagged = [r for r in records if "ambiguous_header" in r.markers]
    assert [(r.origin.line, r.sender.identifier if r.sender else None) for r in flagged] == [(line, sender)]
    assert flagged[0].details == {"may_belong_to_line": line - 1}
    assert [(w.code, w.line) for w in warnings] == [("ambiguous_header", line)]
    lines = (DATA / name).read_text().splitlines()
    assert warnings[0].raw == f"{lines[line - 2]}\n{lines[line - 1]}\n"  # quotes both lines
    assert why in warnings[0].reason and "check it on the phone" in warnings[0].reason
    assert len(records) == len(lines)  # kept as its own record, nothing merged or dropped


# --- day/month order ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "order", "rule", "first"),
    [
        ("en_gb.txt", "dmy", "1", datetime(2023, 1, 22, 18, 30)),
        ("en_us.txt", "mdy", "1", datetime(2023, 1, 22, 18, 30)),
        ("dates_all_le12_decrease.txt", "dmy", "2", datetime(2023, 1, 10, 9)),
        ("dates_all_le12_changes.txt", "mdy", "3", datetime(2023, 2, 1, 9)),
        ("dates_all_le12_assumed.txt", "dmy", "4", datetime(2023, 4, 3, 9)),
        ("en_ca.txt", "ymd", "year first", datetime(2023, 12, 20, 17, 46)),
    ],
)
def test_day_month_rules(name: str, order: str, rule: str, first: datetime) -> None:
    records, warnings, survey = _run(DATA / name)
    assert (survey.facts["date_order"], survey.facts["date_order_rule"]) == (order, rule)
    assert records[0].when.at == first
    assumed = [w for w in warnings if w.code == "date_order_assumed"]
    assert len(assumed) == (1 if rule == "4" else 0)


def test_rule_4_says_what_it_assumed_and_offers_the_question() -> None:
    _, warnings, survey = _run(DATA / "dates_all_le12_assumed.txt")
    assert survey.facts["date_order_question"] == "Is 03/04/2023 the 3rd of April?"
    assert warnings[0].code == "date_order_assumed" and warnings[0].raw == "03/04/2023"
    assert "24-hour clock" in warnings[0].reason and "--date-order mdy" in warnings[0].reason
    ctx = Context()
    with open_input(DATA / "dates_all_le12_assumed.txt") as inp:
        SOURCE.survey(inp, ctx)
    assert ctx.learned["whatsapp"].chats["dates_all_le12_assumed.txt"].date_order == "dmy"  # type: ignore[attr-defined]


def test_date_order_option_overrides_the_guess() -> None:
    records, warnings, survey = _run(DATA / "dates_all_le12_assumed.txt", date_order="mdy")
    assert records[0].when.at == datetime(2023, 3, 4, 9)
    assert survey.facts["date_order_rule"] == "option" and warnings == []


def test_date_order_option_that_does_not_fit_names_the_line() -> None:
    with pytest.raises(InputError) as error:
        _run(DATA / "en_gb.txt", date_order="mdy")
    assert error.value.line == 1 and "en_gb.txt, line 1" in str(error.value)
    assert "--date-order mdy" in str(error.value)


def test_both_orders_stop_the_import_at_the_first_contradicting_line() -> None:
    with pytest.raises(InputError) as error:
        _run(DATA / "both_orders.txt")
    assert error.value.line == 3
    assert str(error.value).startswith("both_orders.txt, line 3: the dates in this chat are written in two")


# --- media, threads, owner ------------------------------------------------------------------------------


def test_android_media_beside_the_chat() -> None:
    records, warnings, survey = _run(DATA / "android_media")
    photo, video, voice, text = records
    assert photo.attachments == (photo.attachments[0],)
    assert (photo.attachments[0].status, photo.attachments[0].member) == (
        "attached",
        "IMG-20230122-WA0001.jpg",
    )
    assert photo.text == "IMG-20230122-WA0001.jpg (file attached)\nLook who I saw today"
    assert photo.details == {"caption": "Look who I saw today"}
    assert photo.identity[3] == ("IMG-20230122-WA0001.jpg",)
    assert video.attachments[0].status == "missing" and "media_missing" in video.markers
    assert voice.attachments[0].status == "attached"
    assert [(w.code, w.line) for w in warnings] == [("media_missing", 3), ("unknown_media_marker", 4)]
    assert "VID-20230122-WA0002.mp4" in warnings[0].reason
    # The thread comes from the file name, without " (1)"; in a chat of two the other person is the owner.
    assert {r.thread for r in records} == {"Sam Taylor"}
    assert survey.facts["owner"] == "Alex Morgan"
    assert "from_me" in text.markers and "from_me" not in photo.markers
    assert text.origin.member == "WhatsApp Chat with Sam Taylor (1).txt"


def test_ios_zip_with_media(tmp_path: Path) -> None:
    archive = tmp_path / "WhatsApp Chat - Sam Taylor.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted((DATA / "ios_media").iterdir()):
            out.write(path, path.name)
    records, warnings, survey = _run(archive)
    assert {r.thread for r in records} == {"Sam Taylor"} and survey.facts["owner"] == "Alex Morgan"
    attached = [a for r in records for a in r.attachments]
    assert [(a.name, a.status, a.member) for a in attached] == [
        ("00000003-PHOTO-2023-01-22-18-30-40.jpg", "attached", "00000003-PHOTO-2023-01-22-18-30-40.jpg"),
        ("00000004-PHOTO-2023-01-22-18-31-00.jpg", "attached", "00000004-PHOTO-2023-01-22-18-31-00.jpg"),
        ("00000005-AUDIO-2023-01-22-18-32-10.opus", "missing", None),
    ]
    assert records[3].details == {"caption": "That is your car"}
    assert [(w.code, w.line, w.member) for w in warnings] == [
        ("media_missing", 5, "WhatsApp Chat - Sam Taylor.zip!/_chat.txt")
    ]
    assert all(r.origin.member == "_chat.txt" for r in records)


def test_an_android_zip_and_a_folder_of_several_chats(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted((DATA / "android_media").iterdir()):
            out.write(path, f"Sam/{path.name}")
    records, warnings, _ = _run(archive)
    assert [a.member for r in records for a in r.attachments] == [
        "Sam/IMG-20230122-WA0001.jpg",
        None,
        "Sam/PTT-20230122-WA0003.opus",
    ]
    assert {r.thread for r in records} == {"Sam Taylor"} and len(warnings) == 2
    folder = tmp_path / "chats"
    folder.mkdir()
    for name in ("de.txt", "en_gb.txt"):
        shutil.copy(DATA / name, folder / name)
    records, _, survey = _run(folder)
    assert [(r.thread, r.origin.member) for r in records][:1] == [("de", "de.txt")]
    assert {r.thread for r in records} == {"de", "en_gb"}
    assert [chat["date_order"] for chat in survey.facts["chats"]] == ["dmy", "dmy"]  # type: ignore[attr-defined]
    assert records[4].when.at == datetime(2023, 1, 22, 18, 30)  # each file keeps its own format


def test_a_single_file_names_missing_media(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Sam Taylor.txt"
    shutil.copy(DATA / "android_media" / "WhatsApp Chat with Sam Taylor (1).txt", path)
    records, warnings, _ = _run(path)
    assert [a.status for r in records for a in r.attachments] == ["missing", "missing"]
    assert [w.code for w in warnings] == ["media_missing", "media_missing", "unknown_media_marker"]
    assert records[0].origin.member == ""


def test_chat_and_me_options() -> None:
    records, _, survey = _run(DATA / "en_us.txt", chat="Sam (work phone)", me="alex morgan ")
    assert {r.thread for r in records} == {"Sam (work phone)"}
    # --me is compared as an identifier; "alex morgan " is not "Alex Morgan", so nobody is marked.
    assert not any("from_me" in r.markers for r in records)
    records, _, survey = _run(DATA / "en_us.txt", me="Alex Morgan")
    assert survey.facts["owner"] == "Alex Morgan"
    assert [r.text for r in records if "from_me" in r.markers] == [
        "Please stop messaging me",
        "This message was deleted",
    ]


# --- the export cap -------------------------------------------------------------------------------------


def _long_chat(path: Path, count: int, notice_first: bool = False, media: bool = False) -> Path:
    variant = render.VARIANTS["en_gb"]
    start = datetime(2023, 1, 3, 8)
    messages = [
        render.ChatLine(start + timedelta(minutes=i), render.PEOPLE[i % 2], f"message {i}")
        for i in range(count)
    ]
    if media:
        messages[-1] = render.ChatLine(
            messages[-1].at, "Sam Taylor", render.media_attached(variant, "IMG-1.jpg")
        )
    if notice_first:
        messages[0] = render.ChatLine(start, None, render.NOTICES[0])
    path.write_bytes(render.render(messages, variant))
    return path


def _parse_warnings(path: Path) -> tuple[int, list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    with open_input(path) as inp:
        count = sum(1 for _ in SOURCE.parse(inp, Context(on_warning=warnings.append)))
    return count, [w for w in warnings if w.code == "export_cap"]


def test_export_cap_warning(tmp_path: Path) -> None:
    count, warnings = _parse_warnings(_long_chat(tmp_path / "cap_39874.txt", 39_874))
    assert count == 39_874 and [w.line for w in warnings] == [1]
    assert warnings[0].reason == (
        "This chat has 39,874 messages. WhatsApp exports at most about 40,000 (10,000 with media) and "
        "silently leaves out the oldest, so messages before 3 January 2023 may be missing. A device database "
        "(msgstore.db / ChatStorage.sqlite) has no such limit."
    )


@pytest.mark.parametrize(
    ("count", "notice_first", "warned"), [(9_500, False, True), (9_499, False, False), (9_500, True, False)]
)
def test_export_cap_with_media_and_from_the_start(
    tmp_path: Path, count: int, notice_first: bool, warned: bool
) -> None:
    _, warnings = _parse_warnings(_long_chat(tmp_path / "chat.txt", count, notice_first, media=True))
    assert len(warnings) == warned


# --- inputs that are not a chat -------------------------------------------------------------------------


def test_unknown_header_is_refused_with_the_line() -> None:
    with pytest.raises(InputError) as error:
        _run(DATA / "unknown_header.txt")
    assert str(error.value).startswith("unknown_header.txt, line 1: this does not look like a WhatsApp chat")


def test_invalid_utf8_names_file_line_and_byte() -> None:
    with pytest.raises(InputError) as error:
        _run(DATA / "invalid_utf8.txt")
    assert str(error.value).startswith(
        "invalid_utf8.txt, line 3: this is not UTF-8 text (byte 0xE9 at column 36)"
    )


def test_an_over_long_line_stops_the_import(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(
        b"22/01/2023, 18:30 - Sam: a\n22/01/2023, 18:31 - Sam: " + b"x" * (1024 * 1024 + 10) + b"\n"
    )
    with pytest.raises(InputError) as error:
        _run(path)
    assert error.value.line == 2 and "over 1 MiB" in str(error.value)


def test_an_empty_file_and_a_folder_without_a_chat(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"\n\n")
    with pytest.raises(InputError, match="holds no WhatsApp messages"):
        _run(tmp_path / "empty.txt")
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "notes.txt").write_text("shopping list\n")
    with pytest.raises(InputError, match="there is no WhatsApp chat in this"):
        _run(folder)


def test_detect_scores() -> None:
    with open_input(DATA / "android_media") as inp:
        assert SOURCE.detect(inp) == 0.95
    with open_input(DATA / "en_gb.txt") as inp:
        assert SOURCE.detect(inp) == 0.8
    with open_input(DATA / "unknown_header.txt") as inp:
        assert SOURCE.detect(inp) == 0.0


def test_marker_data_is_checked_against_its_schema(tmp_path: Path) -> None:
    broken = tmp_path / "whatsapp.yaml"
    source = MARKERS_FILE.read_text(encoding="utf-8")
    broken.write_text(source.replace("source: app, reviewed: false}", "source: memory, reviewed: false}", 1))
    with pytest.raises(InputError) as error:
        load_markers(broken)
    assert "unknown source 'memory'" in str(error.value)
    assert load_markers().reviewed.year >= 2026


# --- round trip through our own renderer ----------------------------------------------------------------

_NAMES = ("Sam Taylor", "Alex Morgan", "\u2068~\u202fJo Bright\u2069", "+44 7700 900123")
_NOTICE_TEXTS = (
    "Sam Taylor left",
    "Alex Morgan added Jo Bright",
    "You blocked this contact. Tap to unblock.",
)
_LINE = st.text(st.characters(codec="utf-8", exclude_characters="\r\n\u200e"), max_size=25)


def _plain_line(line: str) -> bool:
    """No header-like line inside a text (the export cannot tell those apart: the known limit) and no
    ": " in a first line (a name and a text both starting "X: " twice would read as one long name)."""
    return match_header(line.encode()) is None and not line.startswith(("\ufeff",))


_TEXT = (
    st.lists(_LINE.filter(_plain_line), min_size=1, max_size=3)
    .map("\n".join)
    .filter(lambda text: ": " not in text.partition("\n")[0])
)


@st.composite
def _chats(draw: st.DrawFn) -> tuple[render.Variant, list[render.ChatLine], str]:
    variant = draw(st.sampled_from(sorted(render.VARIANTS.values(), key=lambda v: v.name)))
    step = timedelta(seconds=1) if variant.seconds else timedelta(minutes=1)
    at = draw(st.datetimes(datetime(2015, 1, 1), datetime(2030, 12, 1)))
    at = at.replace(microsecond=0) if variant.seconds else at.replace(second=0, microsecond=0)
    messages = []
    for _ in range(draw(st.integers(1, 12))):
        # Gaps of at most three days keep the day/month rules decidable from the data (see the design).
        at += step * draw(st.integers(0, 3 * 24 * 60))
        if draw(st.integers(0, 9)) == 0:
            messages.append(render.ChatLine(at, None, draw(st.sampled_from(_NOTICE_TEXTS))))
        else:
            messages.append(render.ChatLine(at, draw(st.sampled_from(_NAMES)), draw(_TEXT)))
    return variant, messages, draw(st.sampled_from(("\n", "\r\n")))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(_chats())
def test_round_trip_over_every_variant(
    tmp_path_factory: pytest.TempPathFactory, chat: tuple[render.Variant, list[render.ChatLine], str]
) -> None:
    variant, messages, newline = chat
    path = tmp_path_factory.mktemp("rt") / "chat.txt"
    path.write_bytes(render.render(messages, variant, chat="Sam Taylor", newline=newline))
    records, _, _ = _run(path)
    got = [(r.sender.display if r.sender else None, r.text, r.when.at, r.when.precision) for r in records]
    expected = []
    for message in messages:
        text = message.text.replace("\n", newline)
        if message.sender is None and variant.form == "ios":
            text = LRM + text  # iOS marks its notices so; the text is kept as exported
        expected.append((message.sender, text, message.at, variant.precision))
    assert got == expected


# --- constant memory ------------------------------------------------------------------------------------


def _peak(path: Path) -> int:
    ctx = Context()
    tracemalloc.start()
    try:
        with open_input(path) as inp:
            for _ in SOURCE.parse(inp, ctx):
                pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    # tracemalloc slows the parse about eightfold, so the sizes are 0.3 and 3 MB rather than 2 and 20: ten
    # times the records still shows any state kept per record (100 bytes each would double the peak).
    small = render.write_bench_file(tmp_path / "small.txt", 4_000)
    large = render.write_bench_file(tmp_path / "large.txt", 40_000)
    assert large.stat().st_size > 9 * small.stat().st_size
    assert _peak(large) < 2 * _peak(small)


# --- the parser's shortcuts ------------------------------------------------------------------------------
# The parse builds ordinary messages and new minutes inline, with object.__new__ and slot assignment, and
# keeps some state between lines (the last date read, whether a "\r" was seen). These check that nothing
# a shortcut skips is ever missed.


def _rebuilt(value: object) -> object:
    """The same dataclass built through its own __init__ (fails if the parse left a field unset)."""
    return type(value)(**{field.name: getattr(value, field.name) for field in fields(value)})  # type: ignore[arg-type]


def test_records_built_inline_equal_records_built_the_usual_way(tmp_path: Path) -> None:
    paths = [render.write_bench_file(tmp_path / "bench.txt", 3_000), DATA / "en_gb.txt", DATA / "ios_24h.txt"]
    for path in paths:
        records, _, _ = _run(path)
        for record in records:
            assert _rebuilt(record) == record
            assert _rebuilt(record.origin) == record.origin and _rebuilt(record.when) == record.when
            assert type(record) is Record and type(record.when) is When


def test_every_pass_gives_the_same_records() -> None:
    ctx = Context()
    with open_input(DATA / "en_gb.txt") as inp:
        SOURCE.survey(inp, ctx)
        assert list(SOURCE.parse(inp, ctx)) == list(SOURCE.parse(inp, ctx))


def test_a_carriage_return_first_seen_past_the_first_block_is_still_trimmed(tmp_path: Path) -> None:
    start = datetime(2023, 1, 2, 8)
    messages = [
        render.ChatLine(start + timedelta(minutes=i), render.PEOPLE[i % 2], "x" * 60) for i in range(16_000)
    ]
    plain = render.render(messages, "en_gb")
    assert len(plain) > 1024 * 1024 and b"\r" not in plain
    path = tmp_path / "chat.txt"
    path.write_bytes(
        plain + b"03/02/2023, 09:00 - Sam Taylor: late\r\n03/02/2023, 09:01 - Alex Morgan: two\r\nlines\r\n"
    )
    records, warnings, _ = _run(path)
    assert warnings == []
    assert [r.text for r in records[-2:]] == ["late", "two\r\nlines"]
    assert records[-2].raw.endswith(b" late\r\n") and records[-1].raw.endswith(b"two\r\nlines\r\n")


def test_an_unterminated_last_message_keeps_its_lines_and_carriage_returns(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(
        b"22/01/2023, 18:30 - Sam: a\n22/01/2023, 18:31 - Alex: b\n22/01/2023, 18:32 - Sam: c\r\nmore\r"
    )
    records, _, _ = _run(path)
    assert records[-1].raw == b"22/01/2023, 18:32 - Sam: c\r\nmore\r" and records[-1].text == "c\r\nmore"
    assert (records[-1].origin.line, records[-1].origin.end_line) == (3, 4)


def test_lines_that_start_with_digits_but_are_no_header_stay_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(
        b"22/01/2023, 18:30 - Sam: the score\n10 - 2 to them\n2023 - what a year\n[not a header] ok\n"
        b"22/01/2023, 18:31 - Alex: and\n\xe2\x82\xac5 - paid\n22/01/2023, 18:32 - Sam: fine\n"
        b"22/01/2023, 18:33 - Alex: bye\n"
    )
    records, warnings, _ = _run(path)
    assert warnings == []
    assert [r.text for r in records] == [
        "the score\n10 - 2 to them\n2023 - what a year\n[not a header] ok",
        "and\n€5 - paid",
        "fine",
        "bye",
    ]
    assert [(r.origin.line, r.origin.end_line) for r in records] == [(1, 4), (5, 6), (7, 7), (8, 8)]


def test_headers_of_every_width_across_days_read_their_own_times(tmp_path: Path) -> None:
    # en-US headers run from "1/2/23, 9:05 AM - " to "12/31/23, 11:59 PM - ": each width, and each new
    # day, must be read afresh rather than taken from the header before.
    start = datetime(2023, 1, 1, 23, 55)
    steps = (0, 1, 7, 61, 600, 1439, 1441, 2)
    at, messages = start, []
    for i in range(400):
        at += timedelta(minutes=steps[i % len(steps)])
        messages.append(render.ChatLine(at, render.PEOPLE[i % 2], f"message {i}"))
    path = tmp_path / "chat.txt"
    path.write_bytes(render.render(messages, "en_us"))
    records, warnings, _ = _run(path)
    assert warnings == []
    assert [(r.when.at, r.text) for r in records] == [(m.at, m.text) for m in messages]
    assert [r.when.found for r in records] == [render.stamp(m.at, render.VARIANTS["en_us"]) for m in messages]


def test_a_header_forged_after_a_long_message_quotes_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(
        b"16/03/2024, 10:05 - Sam Taylor: Here is what you said:\r\nline two\r\n"
        b"16/03/2024, 10:01 - Alex Morgan: I admit it\r\n"
        b"16/03/2024, 10:06 - Alex Morgan: I never said that\r\n"
        b"16/03/2024, 10:07 - Sam Taylor: ok\r\n"
    )
    records, warnings, _ = _run(path)
    assert [(w.code, w.line) for w in warnings] == [("ambiguous_header", 3)]
    assert warnings[0].raw == (
        "16/03/2024, 10:05 - Sam Taylor: Here is what you said:\r\n"
        "16/03/2024, 10:01 - Alex Morgan: I admit it\r\n"
    )
    assert records[1].details == {"may_belong_to_line": 1} and "ambiguous_header" in records[1].markers


def test_marker_phrases_are_found_wherever_they_sit() -> None:
    markers = load_markers()
    for template in (*markers.ios_attached, *markers.security_code):
        assert template.needle and template.needle in template.pattern.pattern.replace("\\", "")
    found = markers.classify(f"look at this {LRM}<attached: 00000003-PHOTO-2023-01-22.jpg>")
    assert found.files == ("00000003-PHOTO-2023-01-22.jpg",) and found.caption == "look at this"
    assert markers.classify("first\nIMG-1.jpg <attached>").files == ("IMG-1.jpg",)
    assert markers.classify("Your security code with Jo changed.").security_code_with == "Jo"
    assert markers.classify("attached: no brackets, Your security code with") is NOTHING
    assert markers.classify("IMG-20240101-WA0001.jpg (file attached)").files == ("IMG-20240101-WA0001.jpg",)
    assert markers.classify("IMG-20240101-WA0001.jpg (file attached) and more") is NOTHING


@pytest.mark.parametrize(("later", "expected"), [(600, 2), (5_000, 1_000_000)])
def test_a_time_that_comes_back_counts_on_while_its_header_is_cached(
    tmp_path: Path, later: int, expected: int
) -> None:
    # 01:00 comes back after 60 + 60 + `later` other minutes: its counts were forgotten after 256, but its
    # header stays cached (with those counts) until 4,096 other headers have been read.
    start = datetime(2023, 10, 29, 1, 0)
    messages = [render.ChatLine(start + timedelta(minutes=i), "Sam Taylor", "ok") for i in range(60)] * 2
    messages += [render.ChatLine(start + timedelta(minutes=60 + i), "Alex Morgan", "x") for i in range(later)]
    messages.append(render.ChatLine(start, "Sam Taylor", "ok"))
    path = tmp_path / "chat.txt"
    path.write_bytes(render.render(messages, render.VARIANTS["en_gb"]))
    with open_input(path) as inp:
        records = list(SOURCE.parse(inp, Context()))
    assert records[-1].identity == ("Sam Taylor", "2023-10-29T01:00", "ok", (), expected)


@pytest.mark.parametrize(
    ("bad", "line", "column"),
    [(b"22/01/2023, 18:32 - Sam: caf\xe9 ok\n", 3, 29), (b"22/01/2023, 18:32 - Sam: two\nlin\xe9s\n", 4, 4)],
)
def test_a_message_that_is_not_utf8_stops_the_import_wherever_it_is(
    tmp_path: Path, bad: bytes, line: int, column: int
) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(
        b"22/01/2023, 18:30 - Sam: a\n22/01/2023, 18:31 - Alex: b\n"
        + bad
        + b"22/01/2023, 18:33 - Alex: d\n22/01/2023, 18:34 - Sam: e\n"
    )
    with pytest.raises(InputError) as error:
        _run(path)
    assert error.value.line == line
    assert f"this is not UTF-8 text (byte 0xE9 at column {column})" in str(error.value)
