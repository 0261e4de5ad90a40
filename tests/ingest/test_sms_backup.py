"""SMS Backup & Restore XML: exact texts, senders, times and spans; surrogate pairs wherever the 1 MiB
chunks fall; MMS parts; calls; and the files that must be refused."""

from __future__ import annotations

import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalkproof.demo.exports import sms_backup as render
from stalkproof.errors import InputError
from stalkproof.ingest import sms_backup
from stalkproof.ingest.base import Context, ParseWarning, Record
from stalkproof.ingest.inputs import open_input
from stalkproof.ingest.sms_backup import SOURCE

DATA = Path(__file__).parents[1] / "data" / "ingest" / "sms_backup"


def _parse(path: Path) -> tuple[list[Record], list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    with open_input(path) as inp:
        records = list(SOURCE.parse(inp, Context(on_warning=warnings.append)))
    data = path.read_bytes()
    for record in records:
        start = record.origin.offset or 0
        assert data[start : start + record.origin.length] == record.raw
    return records, warnings


def _who(record: Record) -> str | None:
    return record.sender.identifier if record.sender else None


def test_text_messages_keep_their_exact_text_sender_and_millisecond_time() -> None:
    records, _ = _parse(DATA / "sms_basic.xml")
    assert len(records) == 9
    first = records[0]
    assert first.text == "Where are you? \U0001f600\nAnswer me."
    assert first.sender is not None and first.sender.identifier == "+447700900123"
    assert first.sender.display == "Sam Taylor"
    assert [handle.identifier for handle in first.recipients] == ["self"]
    assert first.when.at == datetime(2023, 1, 22, 18, 30, 0, 123000, tzinfo=UTC)
    assert (first.when.precision, first.when.found, first.when.zone) == ("second", "1674412200123", "UTC")
    assert first.origin.line == first.origin.end_line == 5
    assert first.raw.startswith(b'<sms protocol="0" address="+44 7700 900123"') and first.raw.endswith(b"/>")
    assert first.details is not None and first.details["service_center"] == "+447700900000"
    assert first.identity == ("+447700900123", 1674412200123, "1", first.text, 0)
    assert first.channel == "sms" and first.kind == "message" and first.thread == "+447700900123"


def test_each_sms_box_becomes_its_marker_and_the_owner_sends() -> None:
    records, _ = _parse(DATA / "sms_basic.xml")
    assert [sorted(record.markers) for record in records[1:6]] == [
        ["from_me"],
        ["draft", "from_me"],
        ["from_me", "outbox"],
        ["failed", "from_me"],
        ["from_me", "queued"],
    ]
    assert all(_who(record) == "self" for record in records[1:6])
    assert records[5].text == "Queued & waiting"
    assert records[4].text == "This did not go"


def test_null_body_and_unknown_contact_mean_absent() -> None:
    records, _ = _parse(DATA / "sms_basic.xml")
    unnamed = records[6]
    assert unnamed.text is None
    assert unnamed.sender is not None and unnamed.sender.display is None
    assert unnamed.details is not None and unnamed.details["null_body"] is True


def test_group_addresses_are_split_and_an_unsaid_group_sender_is_not_guessed() -> None:
    records, warnings = _parse(DATA / "sms_basic.xml")
    sent, received = records[7], records[8]
    assert [handle.identifier for handle in sent.recipients] == ["+447700900123", "+447700900456"]
    assert all(handle.display is None for handle in sent.recipients)
    assert sent.thread == received.thread == "+447700900123~+447700900456"
    assert received.sender is None
    assert [(warning.code, warning.line) for warning in warnings] == [("sender_unknown", 13)]


def test_mms_text_parts_attachments_and_a_damaged_picture() -> None:
    records, warnings = _parse(DATA / "mms_parts.xml")
    received, sent = records
    assert received.channel == "mms" and received.text == "Nice car \U0001f637"
    assert _who(received) == "+447700900123" and received.sender and received.sender.display == "Sam Taylor"
    assert [handle.identifier for handle in received.recipients] == ["+447700900999"]
    assert [(item.name, item.status, item.mime) for item in received.attachments] == [
        ("outside.jpg", "inline", "image/jpeg"),
        ("broken.png", "missing", "image/png"),
        ("voice.amr", "omitted", "audio/amr"),
    ]
    assert received.attachments[0].data == b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01"
    assert received.identity == ("mid-0001@mms.example.com",)
    assert (received.origin.line, received.origin.end_line) == (4, 16)
    assert received.raw.endswith(b"</mms>")
    assert [(warning.code, warning.line) for warning in warnings] == [("bad_attachment", 4)]
    assert "broken.png" in warnings[0].reason
    assert _who(sent) == "self" and "from_me" in sent.markers
    assert [handle.identifier for handle in sent.recipients] == ["+447700900123"]
    assert sent.details is not None and sent.details["subject"] == "Re: photos"
    assert sent.identity[-1] == 0 and sent.identity[3] == "Delete them."  # no m_id: the content tuple


def test_group_mms_sender_is_the_from_address_and_cc_are_recipients() -> None:
    records, warnings = _parse(DATA / "group_mms.xml")
    received, sent = records
    assert _who(received) == "+447700900456"
    assert [handle.identifier for handle in received.recipients] == [
        "+447700900123",
        "+447700900999",
        "+15550142",
    ]
    assert received.thread == sent.thread == "+15550142~+447700900123~+447700900456"
    assert _who(sent) == "self"
    assert [handle.identifier for handle in sent.recipients] == [
        "+447700900123",
        "+447700900456",
        "+15550142",
    ]
    assert warnings == []


def test_calls_of_every_type() -> None:
    records, warnings = _parse(DATA / "calls.xml")
    assert [record.kind for record in records] == ["call"] * 7
    assert [sorted(record.markers) for record in records] == [
        [],
        ["from_me"],
        ["missed"],
        ["voicemail"],
        ["rejected"],
        ["blocked"],
        ["missed", "number_withheld"],
    ]
    assert [_who(record) for record in records] == [
        "+447700900123",
        "self",
        "+447700900123",
        "07700900456",
        "+447700900123",
        "+447700900123",
        "withheld",
    ]
    assert records[0].details is not None and records[0].details["duration_s"] == 65
    assert records[1].recipients[0].identifier == "+447700900123"
    assert records[0].channel == "phone" and records[0].text is None
    assert warnings == []


def test_surrogate_pairs_in_decimal_hex_and_padded_form_and_lone_halves() -> None:
    records, warnings = _parse(DATA / "surrogates.xml")
    assert [record.text for record in records] == [
        "decimal \U0001f600 pair",
        "hex \U0001f621 pair and padded \U0001f600",
        "lone high \ufffd then text",
        "reversed \ufffd\ufffd pair",
        "flag \U0001f1ec\U0001f1e7 and \u00e9 and \u2764",
    ]
    assert [(warning.code, warning.line) for warning in warnings] == [
        ("lone_surrogate", 5),
        ("lone_surrogate", 6),
        ("lone_surrogate", 6),
    ]
    assert warnings[0].raw == records[2].raw.decode()


@pytest.mark.parametrize("chunk", [*range(1, 40), 97, 256, 1000])
def test_chunk_boundaries_never_change_what_is_read(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    expected, expected_warnings = _parse(DATA / "surrogates.xml")
    monkeypatch.setattr(sms_backup, "CHUNK", chunk)
    records, warnings = _parse(DATA / "surrogates.xml")
    assert records == expected
    assert warnings == expected_warnings


def test_a_pair_split_at_the_real_1_mib_boundary(tmp_path: Path) -> None:
    head = b"<?xml version='1.0' encoding='UTF-8'?>\n<smses count=\"2\">\n"
    filler = b'  <sms address="+447700900123" date="1674412200000" type="1" body="' + b"x" * 2000 + b'" />\n'
    prefix = head + filler * ((sms_backup.CHUNK - len(head)) // len(filler))
    lead = b'  <sms address="+447700900123" date="1674412201000" type="1" body="'
    pad = sms_backup.CHUNK - len(prefix) - len(lead) - 12  # the pair starts 12 bytes before the boundary
    body = b"y" * pad + b"&#55357;&#56832;end"
    path = tmp_path / "boundary.xml"
    path.write_bytes(prefix + lead + body + b'" />\n</smses>\n')
    records, warnings = _parse(path)
    assert records[-1].text == "y" * pad + "\U0001f600end"
    assert warnings[-1].code == "count_mismatch"  # the filler does not match count="2"
    assert [warning.code for warning in warnings] == ["count_mismatch"]


def test_a_literal_line_break_in_an_attribute_is_read_as_xml_says_and_warned() -> None:
    records, warnings = _parse(DATA / "raw_newline_attr.xml")
    assert [record.text for record in records] == ["first line second line", "escaped\nbreak"]
    assert (records[0].origin.line, records[0].origin.end_line) == (3, 4)
    assert [(warning.code, warning.line) for warning in warnings] == [("raw_newline", 3)]
    assert "body" in warnings[0].reason


def test_a_dtd_is_refused_naming_the_file_and_line() -> None:
    with pytest.raises(InputError) as caught, open_input(DATA / "doctype.xml") as inp:
        list(SOURCE.parse(inp, Context()))
    assert str(caught.value).startswith("doctype.xml, line 2: this XML file has a document type declaration")


def test_a_truncated_backup_is_an_error_naming_the_record_it_stops_in() -> None:
    with pytest.raises(InputError) as caught, open_input(DATA / "truncated.xml") as inp:
        SOURCE.survey(inp, Context())
    assert str(caught.value).startswith(
        "truncated.xml, line 4: the file ends in the middle of a <mms> record"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty.xml: this file holds no backup"),
        (b"<?xml version='1.0'?>\n<html><body/></html>\n", "empty.xml, line 2: this is not an SMS Backup"),
        (b"<smses>\n  <sms date='1' body='a & b' />\n</smses>\n", "empty.xml, line 2: this is not valid XML"),
        (b"<smses>\n  <sms date='1' body='&bad;' />\n</smses>\n", "empty.xml, line 2: this is not valid XML"),
    ],
)
def test_files_that_are_not_backups(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "empty.xml"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught, open_input(path) as inp:
        list(SOURCE.parse(inp, Context()))
    assert str(caught.value).startswith(expected)


def test_what_cannot_be_read_is_warned_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "odd.xml"
    path.write_bytes(
        b'<smses count="5">\n'
        b'  <sms address="+447700900123" date="1674412200000" type="1" body="ok" />\n'
        b'  <sms address="+447700900123" date="yesterday" type="1" body="no time" />\n'
        b"  stray words\n"
        b'  <rcs address="+447700900123" date="1674412200000" />\n'
        b'  <sms address="+447700900123" date="1674412260000" type="9" body="odd box" />\n'
        b"</smses>\n"
    )
    records, warnings = _parse(path)
    assert [record.text for record in records] == ["ok", "odd box"]
    assert records[1].sender is None
    assert [(warning.code, warning.line) for warning in warnings] == [
        ("unparsed_line", 3),
        ("unparsed_line", 4),
        ("unparsed_line", 5),
        ("unknown_type", 6),
        ("count_mismatch", 1),
    ]


def test_a_zip_of_backups_is_read_member_by_member(tmp_path: Path) -> None:
    archive = tmp_path / "SMSBackup.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(DATA / "calls.xml", "backups/calls-20240530.xml")
        out.write(DATA / "mms_parts.xml", "backups/sms-20240530.xml")
        out.writestr("backups/readme.txt", "not a backup")
    records, warnings = _parse_zip(archive)
    assert [record.origin.member for record in records] == ["backups/calls-20240530.xml"] * 7 + [
        "backups/sms-20240530.xml"
    ] * 2
    assert [warning.member for warning in warnings] == ["SMSBackup.zip!/backups/sms-20240530.xml"]
    with open_input(archive) as inp:
        assert SOURCE.detect(inp) == 0.95


def _parse_zip(archive: Path) -> tuple[list[Record], list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    with open_input(archive) as inp, zipfile.ZipFile(archive) as raw_zip:
        records = list(SOURCE.parse(inp, Context(on_warning=warnings.append)))
        for record in records:
            data = raw_zip.read(record.origin.member)
            start = record.origin.offset or 0
            assert data[start : start + record.origin.length] == record.raw
    return records, warnings


def test_detection_scores() -> None:
    for name in ("sms_basic.xml", "calls.xml", "surrogates.xml"):
        with open_input(DATA / name) as inp:
            assert SOURCE.detect(inp) == 0.95
    with open_input(Path(__file__)) as inp:
        assert SOURCE.detect(inp) == 0.0


def test_survey_counts_records_and_accounts() -> None:
    with open_input(DATA / "sms_basic.xml") as inp:
        survey = SOURCE.survey(inp, Context())
    assert survey.records == 9
    assert survey.accounts[("sms", "+447700900123")].records == 1
    assert survey.accounts[("sms", "self")].records == 6
    assert survey.first == datetime(2023, 1, 22, 18, 30, 0, 123000, tzinfo=UTC)


# --- round trip and memory --------------------------------------------------------------------------------

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn"), include_characters="\n\t\r"),
    max_size=40,
).filter(lambda text: text != "null")  # the app's word for "no value"
_NUMBERS = st.sampled_from(["+447700900123", "+447700900456", "+15550142", "+15550199"])
_START = datetime(2023, 1, 1, tzinfo=UTC)


@st.composite
def _items(draw: st.DrawFn) -> list[render.Sms | render.Mms | render.Call]:
    items: list[render.Sms | render.Mms | render.Call] = []
    at = _START
    for index in range(draw(st.integers(1, 12))):
        at += timedelta(milliseconds=draw(st.integers(0, 10**8)))
        number = draw(_NUMBERS)
        choice = draw(st.integers(0, 2))
        if choice == 0:
            items.append(
                render.Sms(number, at, draw(_TEXT), draw(st.integers(1, 6)), draw(st.none() | _TEXT))
            )
        elif choice == 1:
            text = draw(_TEXT)
            image = draw(st.binary(max_size=30))
            parts = (
                render.MmsPart("text/plain", "t.txt", text),
                render.MmsPart("image/png", "p.png", data=image),
            )
            box = draw(st.sampled_from([1, 2]))
            addrs = (
                ((number, 137), ("+447700900999", 151))
                if box == 1
                else (("+447700900999", 137), (number, 151))
            )
            items.append(render.Mms(number, at, box, addrs, parts, f"m{index}"))
        else:
            items.append(render.Call(number, at, draw(st.integers(1, 6)), draw(st.integers(0, 5000))))
    return items


def _split(items: list[render.Sms | render.Mms | render.Call]) -> tuple[bytes, bytes]:
    messages = [item for item in items if not isinstance(item, render.Call)]
    calls = [item for item in items if isinstance(item, render.Call)]
    return render.render_messages(messages), render.render_calls(calls)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=_items())
def test_round_trip(tmp_path: Path, items: list[render.Sms | render.Mms | render.Call]) -> None:
    messages_xml, calls_xml = _split(items)
    folder = tmp_path / "backup"
    folder.mkdir(exist_ok=True)
    (folder / "sms-20240530.xml").write_bytes(messages_xml)
    (folder / "calls-20240530.xml").write_bytes(calls_xml)
    warnings: list[ParseWarning] = []
    with open_input(folder) as inp:
        records = list(SOURCE.parse(inp, Context(on_warning=warnings.append)))
    assert warnings == []
    calls: list[render.Sms | render.Mms | render.Call] = [
        item for item in items if isinstance(item, render.Call)
    ]
    expected = calls + [item for item in items if not isinstance(item, render.Call)]
    assert len(records) == len(expected)
    for record, item in zip(records, expected, strict=True):
        assert record.when.at == item.at and record.when.precision == "second"
        if isinstance(item, render.Sms):
            assert record.text == item.body
            assert _who(record) == (item.address if item.type == 1 else "self")
        elif isinstance(item, render.Mms):
            assert record.text == item.parts[0].text
            assert record.attachments[0].data == item.parts[1].data
            assert _who(record) == (item.address if item.msg_box == 1 else "self")
        else:
            assert record.details is not None and record.details["duration_s"] == item.duration
            assert _who(record) == ("self" if item.type == 2 else item.number)
    for record in records:
        member = (folder / record.origin.member).read_bytes()
        assert member[record.origin.offset or 0 :][: record.origin.length] == record.raw


def _long_messages(count: int) -> Iterator[render.Sms]:
    at = _START
    for index in range(count):
        at += timedelta(seconds=30)
        text = f"{index} I am outside \U0001f600 " + "and I will wait until you come out. " * 280
        yield render.Sms("+447700900123", at, text, 1 + index % 2)


def _peak(path: Path) -> int:
    with open_input(path) as inp:
        tracemalloc.start()
        try:
            for _ in SOURCE.parse(inp, Context()):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_memory_stays_flat_from_2_to_20_mb(tmp_path: Path) -> None:
    sizes = {}
    for label, count in (("small", 210), ("large", 2100)):
        path = tmp_path / f"{label}.xml"
        with path.open("wb") as out:
            render.write_messages(out, _long_messages(count), count)
        sizes[label] = (path.stat().st_size, _peak(path))
    assert sizes["small"][0] > 2_000_000 and sizes["large"][0] > 20_000_000
    assert sizes["large"][1] < 2 * sizes["small"][1]


def test_demo_generator_writes_a_backup_the_parser_reads_without_warnings(tmp_path: Path) -> None:
    path = render.write_generated_backup(tmp_path / "sms-demo.xml", 200)
    records, warnings = _parse(path)
    assert len(records) == 200 and warnings == []
    assert sum(1 for record in records if record.channel == "mms") == 10
