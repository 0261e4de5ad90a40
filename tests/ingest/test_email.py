"""Email: mbox splitting, .eml, Maildir, attribution and trust signals, bodies and attachments, round
trips through our own mbox writer, constant memory, and inputs that are not mail."""

from __future__ import annotations

import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import getaddresses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalkproof.demo.exports import mailbox
from stalkproof.errors import InputError
from stalkproof.ingest import email_body, email_headers
from stalkproof.ingest.base import Context, ParseWarning, Record
from stalkproof.ingest.email_source import SOURCE
from stalkproof.ingest.inputs import open_input

DATA = Path(__file__).parents[1] / "data" / "ingest" / "email"


def _parse(path: Path, ctx: Context | None = None) -> tuple[list[Record], list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    ctx = ctx or Context()
    ctx.on_warning = warnings.append
    with open_input(path) as inp:
        records = list(SOURCE.parse(inp, ctx))
        for record in records:
            member = inp.member(record.origin.member)
            assert member is not None
            with member.open() as stream:
                data = stream.read()
            start = record.origin.offset or 0
            assert data[start : start + record.origin.length] == record.raw
    return records, warnings


def _one(name: str) -> Record:
    records, warnings = _parse(DATA / name)
    assert len(records) == 1 and warnings == []
    return records[0]


def _ids(handles: tuple[object, ...]) -> list[str]:
    return [getattr(handle, "identifier", "") for handle in handles]


def test_an_mbox_is_cut_into_its_messages_with_exact_spans() -> None:
    records, warnings = _parse(DATA / "mbox_basic.mbox")
    assert warnings == []
    assert [(record.origin.line, record.origin.end_line) for record in records] == [
        (1, 20),
        (21, 35),
        (36, 51),
    ]
    first, reply, third = records
    assert first.text == "I saw you at the station today.\nWhy won't you answer?\n"
    assert first.sender is not None and (first.sender.identifier, first.sender.display) == (
        "sam.taylor@example.com",
        "Sam Taylor",
    )
    assert first.when.at == datetime(2023, 1, 22, 18, 30, tzinfo=UTC)
    assert (first.when.precision, first.when.zone, first.when.found) == (
        "second",
        "+00:00",
        "Sun, 22 Jan 2023 18:30:00 +0000",
    )
    assert first.raw.startswith(b"From sam.taylor@example.com Sun Jan 22 18:30:05 2023\n")
    assert first.raw.endswith(b"Why won't you answer?\n\n")
    assert reply.text == "Please stop contacting me. I have kept a copy of every message \u2014 Alex.\n"
    assert _ids(reply.recipients) == ["sam.taylor@example.com", "jordan@example.net"]
    assert reply.thread == first.thread == third.thread == "20230122183000.1234@mail.example.com"
    assert third.when.at == datetime(2023, 1, 23, 8, 14, 58, tzinfo=timezone(timedelta(hours=1)))
    assert third.when.zone == "+01:00" and third.text == "You can't ignore me forever. \U0001f642\n"
    assert first.identity[:3] == (
        "20230122183000.1234@mail.example.com",
        "2023-01-22T18:30:00+00:00",
        "sam.taylor@example.com",
    )
    assert first.channel == "email" and first.kind == "message"


def test_trusted_received_hop_and_provider_results_become_details() -> None:
    first = _parse(DATA / "mbox_basic.mbox")[0][0]
    assert first.details is not None
    assert first.details["received_from"] == {"host": "mail.example.com", "ip": "203.0.113.5"}
    assert first.details["auth"] == {
        "authserv_id": "mx.example.org",
        "spf": "pass",
        "dkim": ["pass"],
        "dmarc": "pass",
    }
    assert first.markers == frozenset()


def test_from_lines_in_a_body_do_not_start_messages() -> None:
    records, warnings = _parse(DATA / "from_in_body.mbox")
    assert warnings == [] and len(records) == 2
    assert records[0].text == (
        "Here is what happened.\n\nFrom what I saw, you left at six.\n"
        "From sam.taylor@example.com Sun Jan 22 18:31:00 2023\n"
        "That line above is not a new message: no blank line before it.\n\n"
        "From the window I could see your car.\n"
    )
    assert records[1].text == "Only this is the second message.\n"


def test_quoted_from_lines_stay_as_found() -> None:
    record = _parse(DATA / "mboxrd_quoted.mbox")[0][0]
    assert record.text is not None
    assert ">From Monday on, I will wait outside.\n>>From the look of it you were scared.\n" in record.text


def test_a_reply_to_elsewhere_is_marked() -> None:
    record = _one("reply_to.eml")
    assert record.markers == frozenset({"reply_to_differs"})
    assert record.details is not None
    assert record.details["reply_to"] == ["helpdesk@example.net"]
    assert (record.details["sender"], record.details["return_path"]) == (
        "mailer@example.net",
        "bounces@example.net",
    )
    assert record.sender is not None and record.sender.display == "Your Bank"


def test_a_message_id_from_an_unrelated_domain_is_marked() -> None:
    record = _one("msgid_domain.eml")
    assert record.markers == frozenset({"message_id_domain_differs"})
    assert record.details is not None and record.details["message_id_domain"] == "sendmail.example.com"
    assert record.when.zone == "-05:00"


def test_only_the_providers_own_received_lines_are_trusted() -> None:
    record = _one("received_chain.eml")
    assert record.details is not None
    assert (record.details["received_trusted"], record.details["received_untrusted"]) == (2, 2)
    assert record.details["received_from"] == {"host": "smtp.example.net", "ip": "198.51.100.20"}
    assert record.markers == frozenset({"spf_fail", "dmarc_fail"})


def test_authentication_results_from_anyone_else_are_ignored() -> None:
    record = _one("auth_results_foreign.eml")
    assert record.markers == frozenset({"spf_fail", "dkim_fail", "dmarc_fail"})
    assert record.details is not None and record.details["auth_results_ignored"] == 1


def test_without_a_date_the_providers_received_time_is_used_not_a_forged_one() -> None:
    record = _one("no_date.eml")
    assert record.when.at == datetime(2023, 1, 28, 23, 59, 30, tzinfo=UTC)
    assert record.markers == frozenset({"time_from_received"})
    assert record.identity[1] is None


def test_encoded_names_subjects_and_a_latin1_body() -> None:
    record = _one("rfc2047_names.eml")
    assert record.sender is not None and record.sender.display == "Zo\u00eb Bronn\u00e9"
    assert [handle.display for handle in record.recipients] == ["J\u00f6rg M\u00fcller", "Taylor, Sam"]
    assert record.details is not None and record.details["subject"] == "Caf\u00e9 tomorrow \u2615"
    assert record.text == "See you at the caf\u00e9.\n"
    assert record.when.precision == "minute"


def test_html_only_mail_keeps_the_html_and_a_readable_copy() -> None:
    record = _one("html_only.eml")
    assert record.text is not None and record.text.startswith("<html><head><style>")
    assert record.details is not None
    assert record.details["text_normalised"] == (
        "I found your new address & your car.\n\nSee my photos <https://photos.example.net/album/42>"
    )


def test_attachments_are_kept_inline_and_a_damaged_one_is_warned() -> None:
    records, warnings = _parse(DATA / "attachment.eml")
    record = records[0]
    assert record.text == "I took these outside your house."
    assert [(item.name, item.status, item.mime) for item in record.attachments] == [
        ("house.png", "inline", "image/png"),
        ("r\u00e9sum\u00e9.pdf", "inline", "application/pdf"),
        ("part-5.jpg", "inline", "image/jpeg"),
    ]
    assert record.attachments[0].data == b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert record.attachments[1].data == b"%PDF-1.4\n"
    assert [(warning.code, warning.line) for warning in warnings] == [("bad_attachment", 1)]
    assert "part-5.jpg" in warnings[0].reason


def test_a_maildir_reads_cur_then_new_and_leaves_tmp_out() -> None:
    records, warnings = _parse(DATA / "maildir")
    assert [record.text for record in records] == [
        "first, already read\n",
        "second, not yet read, and without a Date header\n",
    ]
    assert records[0].origin.member == "cur/1675245600.M1P100.host.example:2,S"
    assert records[1].when.at == datetime(2023, 2, 1, 11, 0, tzinfo=UTC)
    assert records[1].markers == frozenset({"time_from_envelope"})
    assert [warning.code for warning in warnings] == ["maildir_tmp"]
    assert "tmp/" in warnings[0].reason


def test_gmail_threads_labels_and_sent_mail() -> None:
    records, _ = _parse(DATA / "gmail_labels.mbox")
    sent, received = records
    assert sent.thread == received.thread == "gmail:1755934417212313141"
    assert sent.markers == frozenset({"from_me"})
    assert received.details is not None and received.details["labels"] == [
        "Inbox",
        "Important",
        "Category Personal",
    ]
    assert "from_me" not in received.markers


def test_a_last_message_cut_short_is_kept_with_a_warning() -> None:
    records, warnings = _parse(DATA / "truncated.mbox")
    assert [record.text for record in records] == ["This one is complete.\n", "Here is the video of"]
    assert records[1].markers == frozenset({"incomplete"})
    assert [(warning.code, warning.line) for warning in warnings] == [("cut_short", 10)]
    assert records[1].attachments[0].name == "clip.mp4"


def test_the_envelope_time_is_used_when_nothing_else_says_when(tmp_path: Path) -> None:
    path = tmp_path / "old.mbox"
    path.write_bytes(
        b"From sam.taylor@example.com Sun Jan  8 07:05:09 2023\nFrom: sam.taylor@example.com\n\nhi\n\n"
    )
    record = _parse(path)[0][0]
    assert record.when.at == datetime(2023, 1, 8, 7, 5, 9)  # asctime states no zone
    assert (record.when.zone, record.markers) == (None, frozenset({"time_from_envelope"}))


def test_the_owner_named_with_me_is_from_me() -> None:
    records, _ = _parse(DATA / "mbox_basic.mbox", Context(me="Alex@Example.org"))
    assert ["from_me" in record.markers for record in records] == [False, True, False]


def test_text_before_the_first_message_is_warned(tmp_path: Path) -> None:
    path = tmp_path / "junk.mbox"
    path.write_bytes(
        b"some notes\n\nFrom sam.taylor@example.com Sun Jan 22 18:30:05 2023\nFrom: a@example.com\n\nx\n"
    )
    records, warnings = _parse(path)
    assert len(records) == 1 and records[0].origin.line == 3
    assert [(warning.code, warning.line) for warning in warnings] == [("unparsed_line", 1)]


def test_an_email_with_no_time_at_all_is_warned_not_imported(tmp_path: Path) -> None:
    path = tmp_path / "timeless.eml"
    path.write_bytes(b"From: sam.taylor@example.com\nTo: alex@example.org\nSubject: x\n\nbody\n")
    records, warnings = _parse(path)
    assert records == [] and [warning.code for warning in warnings] == ["no_time"]


def test_a_folder_without_mail_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(InputError) as caught, open_input(tmp_path) as inp:
        list(SOURCE.parse(inp, Context()))
    assert "holds no email" in str(caught.value) and str(tmp_path) in str(caught.value)


def test_a_takeout_zip_is_read_member_by_member(tmp_path: Path) -> None:
    archive = tmp_path / "takeout.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(DATA / "truncated.mbox", "Takeout/Mail/All mail Including Spam and Trash.mbox")
        out.writestr("Takeout/archive_browser.html", "<html></html>")
    records, warnings = _parse(archive)
    assert [record.origin.member for record in records] == [
        "Takeout/Mail/All mail Including Spam and Trash.mbox"
    ] * 2
    assert warnings[0].member == "takeout.zip!/Takeout/Mail/All mail Including Spam and Trash.mbox"
    with open_input(archive) as inp:
        assert SOURCE.detect(inp) == 0.95


def test_detection_scores() -> None:
    for name in ("mbox_basic.mbox", "reply_to.eml", "maildir", "gmail_labels.mbox"):
        with open_input(DATA / name) as inp:
            assert SOURCE.detect(inp) == 0.95, name
    for other in (Path(__file__), DATA.parent / "sms_backup" / "sms_basic.xml"):
        with open_input(other) as inp:
            assert SOURCE.detect(inp) == 0.0


def test_the_survey_reads_headers_only_and_agrees_with_the_parse() -> None:
    for name in ("mbox_basic.mbox", "gmail_labels.mbox", "maildir", "no_date.eml", "truncated.mbox"):
        with open_input(DATA / name) as inp:
            survey = SOURCE.survey(inp, Context())
        records, _ = _parse(DATA / name)
        assert survey.records == len(records)
        assert survey.first == min(record.when.at for record in records)
        senders = {(r.sender.platform, r.sender.identifier) for r in records if r.sender}
        assert senders <= set(survey.accounts)


# --- fast paths agree with the standard library -----------------------------------------------------------

_NAME = st.text(st.sampled_from("abcXYZ \u00e9\u00fc-'."), min_size=0, max_size=12)
_LOCAL = st.text(st.sampled_from("abcxyz0123._+-"), min_size=1, max_size=10).filter(
    lambda text: not text.startswith(".") and not text.endswith(".") and ".." not in text
)
_FIELD_NAMES = st.sampled_from(
    [
        "From",
        "TO",
        "cc",
        "Date",
        "Received",
        "X-Mailer",
        "DKIM-Signature",
        "Subject",
        "Authentication-Results",
    ]
)


@st.composite
def _address_field(draw: st.DrawFn) -> str:
    address = f"{draw(_LOCAL)}@{draw(st.sampled_from(['example.com', 'mail.example.org']))}"
    name = draw(_NAME)
    return draw(st.sampled_from([f"{name} <{address}>", f'"{name}" <{address}>', f"<{address}>", address]))


@given(_address_field())
def test_the_simple_address_reader_matches_getaddresses(value: str) -> None:
    quick = email_headers.simple_address(value)
    assert quick is not None
    name, address = getaddresses([value])[0]
    assert quick == (email_headers.readable(name) if name else "", address)


@st.composite
def _header_block(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        value = draw(st.text(st.sampled_from("ab <>@;:=\u00e9"), max_size=20))
        lines.append(f"{draw(_FIELD_NAMES)}:{draw(st.sampled_from(['', ' ', chr(9)]))}{value}")
        for _ in range(draw(st.integers(0, 2))):
            lines.append(draw(st.sampled_from(["\t", " ", "    "])) + draw(st.text("xyz ;", max_size=10)))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["no colon here", "Name : spaced", " leading", ":"])))
    return "".join(line + draw(st.sampled_from(["\n", "\r\n"])) for line in lines).encode()


@settings(max_examples=300)
@given(_header_block())
def test_the_fast_header_split_matches_compat32(block: bytes) -> None:
    assert email_headers.Headers(block).fields == email_headers.parsed_by_compat32(block)


@pytest.mark.parametrize("name", ["mbox_basic.mbox", "rfc2047_names.eml", "html_only.eml", "reply_to.eml"])
def test_the_one_part_text_shortcut_matches_the_mime_parser(name: str) -> None:
    from stalkproof.ingest.email_mbox import MboxSplitter

    with (DATA / name).open("rb") as stream:
        for span in MboxSplitter(stream, name):
            content = span.raw.split(b"\n", 1)[1] if span.envelope else span.raw
            headers = email_headers.Headers(email_headers.header_block(content))
            ctype, cte = headers.first("content-type"), headers.first("content-transfer-encoding")
            quick = email_body._one_text_part(content, ctype, cte)
            assert quick is not None
            assert quick == email_body._parsed_body(content)


# --- round trip and memory --------------------------------------------------------------------------------

_BODY_LINE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\x85"),
    max_size=30,
)
_BODY = st.lists(
    st.one_of(
        _BODY_LINE,
        st.sampled_from(["From here on", ">From there", "From x@example.com Sun Jan 22 18:30:05 2023"]),
    ),
    min_size=1,
    max_size=6,
).map(lambda lines: "\n".join(lines) + "\n")
_PEOPLE = st.sampled_from(
    [
        ("Sam Taylor", "sam.taylor@example.com"),
        ("Zo\u00eb Bronn\u00e9", "zoe@example.com"),
        ("", "jordan@example.net"),
    ]
)


@st.composite
def _emails(draw: st.DrawFn) -> list[mailbox.Email]:
    at = datetime(2023, 1, 1, tzinfo=UTC)
    emails = []
    for index in range(draw(st.integers(1, 5))):
        at += timedelta(seconds=draw(st.integers(1, 10**7)))
        files = draw(st.lists(st.binary(max_size=40), max_size=2))
        emails.append(
            mailbox.Email(
                sender=draw(_PEOPLE),
                to=(draw(_PEOPLE),),
                at=at.astimezone(timezone(timedelta(hours=draw(st.integers(-11, 12))))),
                subject=draw(st.sampled_from(["hi", "Caf\u00e9 \u2615", "Re: x"])),
                body=draw(_BODY),
                message_id=f"{index}.{draw(st.integers(0, 10**6))}@example.com",
                attachments=tuple(
                    (f"file{n}.bin", "application/octet-stream", data) for n, data in enumerate(files)
                ),
            )
        )
    return emails


def _quoted(body: str) -> str:
    """What an mboxrd file holds for this body: `From ` lines gain one `>` and stay so (as designed)."""
    return "\n".join(
        (">" + line if line.lstrip(">").startswith("From ") else line) for line in body.split("\n")
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(emails=_emails())
def test_round_trip_through_mbox_and_eml(tmp_path: Path, emails: list[mailbox.Email]) -> None:
    path = tmp_path / "round.mbox"
    path.write_bytes(mailbox.render_mbox(emails))
    records, warnings = _parse(path)
    assert warnings == [] and len(records) == len(emails)
    for record, email in zip(records, emails, strict=True):
        assert record.text == _quoted(email.body)
        assert record.sender is not None and record.sender.identifier == email.sender[1]
        assert record.sender.display == (email.sender[0] or None)
        assert _ids(record.recipients) == [email.to[0][1]]
        assert record.when.at == email.at and record.when.precision == "second"
        assert [item.data for item in record.attachments] == [data for _, _, data in email.attachments]
        single = tmp_path / "single.eml"
        single.write_bytes(mailbox.message_bytes(email))
        alone = _parse(single)[0][0]
        assert alone.text == email.body
        assert alone.identity == record.identity  # the same email from an .eml and an mbox is one event


def _long_emails(count: int) -> Iterator[mailbox.Email]:
    at = datetime(2023, 1, 1, tzinfo=UTC)
    line = "I know where you are and I will keep writing until you answer me. " * 3 + "\n"
    for index in range(count):
        at += timedelta(minutes=7)
        yield mailbox.Email(
            ("Sam Taylor", "sam.taylor@example.com"),
            (("", "alex@example.org"),),
            at,
            "x",
            line * 130,
            f"{index}@example.com",
        )


def _peak(path: Path, survey: bool) -> int:
    with open_input(path) as inp:
        tracemalloc.start()
        try:
            if survey:
                SOURCE.survey(inp, Context())
            else:
                for _ in SOURCE.parse(inp, Context()):
                    pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_memory_stays_flat_from_2_to_20_mb(tmp_path: Path) -> None:
    found = {}
    for label, count in (("small", 80), ("large", 800)):
        path = tmp_path / f"{label}.mbox"
        with path.open("wb") as out:
            mailbox.write_mbox(out, _long_emails(count))
        found[label] = (path.stat().st_size, _peak(path, survey=False), _peak(path, survey=True))
    assert found["small"][0] > 2_000_000 and found["large"][0] > 20_000_000
    assert found["large"][1] < 2 * found["small"][1]
    assert found["large"][2] < 2 * found["small"][2]


def test_the_generated_mailbox_reads_cleanly(tmp_path: Path) -> None:
    path = mailbox.write_generated_mbox(tmp_path / "demo.mbox", 60)
    records, warnings = _parse(path)
    assert len(records) == 60 and warnings == []
    received = [record for record in records if "from_me" not in record.markers]
    assert received and all(record.details and record.details["received_trusted"] == 2 for record in received)
    for record in received:
        auth = record.details["auth"] if record.details else None
        assert isinstance(auth, dict) and auth["dmarc"] == "pass"
    maildir = mailbox.write_maildir(tmp_path / "Maildir", mailbox.generated_emails(6), unread_from=4)
    assert [record.when.at for record in _parse(maildir)[0]] == [record.when.at for record in records[:6]]
