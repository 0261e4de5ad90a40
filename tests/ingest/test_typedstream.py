"""The attributedBody decoder: the text of every layout Messages writes, and no crash on anything else."""

from __future__ import annotations

import contextlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stalkproof.demo.exports.imessage import TypedStreamWriter, attributed_body
from stalkproof.ingest import typedstream
from stalkproof.ingest.typedstream import TypedStreamError, check, first_string

NSOBJECT = (b"NSObject", 0)
NSSTRING = ((b"NSString", 1), NSOBJECT)


def _length_bytes(blob: bytes) -> bytes:
    """The bytes right after the "+" type of the string: its encoded length."""
    start = blob.index(b"\x84\x01+") + 3
    return blob[start : start + 5]


@pytest.mark.parametrize(
    "text",
    [
        "Hello",
        "",
        "ça va? Grüße",
        "I'm outside 🙂👍🏽",
        "line one\nline two\r\n",
        "\u202e reversed",
        "a\x00b",
    ],
)
@pytest.mark.parametrize("mutable", [False, True])
def test_reads_the_text_messages_writes(text: str, mutable: bool) -> None:
    blob = attributed_body(text, mutable=mutable)
    assert first_string(blob) == text
    assert check(blob) > 10  # the encoder's output follows the grammar to the very last byte


@pytest.mark.parametrize(
    ("size", "marker"),
    [
        (0x7F, bytes([0x7F])),
        (0x80, b"\x81\x80\x00"),
        (0xFFFF, b"\x81\xff\xff"),
        (0x10000, b"\x82\x00\x00\x01\x00"),
    ],
)
def test_string_lengths_of_one_two_and_four_bytes(size: int, marker: bytes) -> None:
    text = "x" * size
    blob = attributed_body(text)
    assert _length_bytes(blob).startswith(marker)
    assert first_string(blob) == text


def test_multibyte_text_is_measured_in_bytes() -> None:
    text = "🙂" * 40  # 160 UTF-8 bytes: a two-byte length although only 40 characters
    blob = attributed_body(text)
    assert _length_bytes(blob).startswith(b"\x81\xa0\x00")
    assert first_string(blob) == text


def test_known_layout_and_full_walk_agree() -> None:
    for mutable in (False, True):
        blob = attributed_body("same either way", mutable=mutable)
        assert typedstream._known_layout(blob) == b"same either way"
        # A class version Messages does not write misses the shortcut; the walk must find the same text.
        changed = blob.replace(b"NSString\x01", b"NSString\x02", 1)
        assert typedstream._known_layout(changed) is None
        assert first_string(changed) == "same either way"


def _wrapped(text: bytes) -> bytes:
    """An unfamiliar root object holding many kinds of values before the string, so the walk has to
    step over each of them correctly to reach it."""
    writer = TypedStreamWriter()
    writer.group(b"@")
    writer.begin_object(((b"SPTestWrapper", 3), NSOBJECT))
    writer.group(b"iIsq")
    for value in (-5, 300, -20000, 2**31 - 1):
        writer.integer(value)
    writer.group(b"fd")
    writer.out += b"\x83" + struct.pack("<f", 1.5) + b"\x83" + struct.pack("<d", -2.25)
    writer.group(b"f")
    writer.integer(7)  # a whole float may be written as an integer
    writer.group(b"[4c]")
    writer.out += b"\x01\x02\x03\x04"
    writer.group(b"[2s]")
    writer.integer(1)
    writer.integer(-2)
    writer.group(b"{_NSRange=QQ}")
    writer.integer(0)
    writer.integer(5)
    writer.group(b"cCB")
    writer.out += b"\xff\x80\x01"
    writer.group(b"*")
    writer.c_string(b"q")
    writer.group(b":")
    writer.shared(b"initWithString:")
    writer.group(b"!")
    writer.group(b"@")
    writer.out.append(0x85)  # nil object
    writer.group(b"@")
    writer.begin_object(((b"NSDictionary", 0), NSOBJECT))
    writer.group(b"i")
    writer.integer(0)
    writer.end_object()
    writer.group(b"@")
    writer.begin_object(((b"NSMutableString", 1), *NSSTRING))
    writer.group(b"+")
    writer.unshared(text)
    writer.end_object()
    writer.end_object()
    return writer.getvalue()


def test_walks_past_other_values_to_the_first_string() -> None:
    blob = _wrapped("found it ✓".encode())
    assert typedstream._known_layout(blob) is None
    assert first_string(blob) == "found it ✓"
    assert check(blob) > 20


def test_a_string_class_named_by_back_reference_is_recognised() -> None:
    # Objects are numbered as they appear: 0 the holder, 1 its class SPHolder, 2 NSObject, then the
    # NSString class written on its own ("#" value) is 3. The string object names its class by reference.
    writer = TypedStreamWriter()
    writer.group(b"@")
    writer.begin_object(((b"SPHolder", 0), NSOBJECT))
    writer.group(b"#")
    writer.out += b"\x84"
    writer.shared(b"NSString")
    writer.out += b"\x01\x85"
    writer.group(b"@")
    writer.out += bytes([0x84, 0x92 + 3])
    writer.group(b"+")
    writer.unshared(b"ping")
    writer.out += b"\x86\x86"
    assert first_string(writer.getvalue()) == "ping"


def test_big_endian_streams_are_read() -> None:
    little = attributed_body("hello")
    big = b"\x04\x0btypedstream\x81\x03\xe8" + little[16:]  # every other number here is a single byte
    assert first_string(big) == "hello"


@pytest.mark.parametrize(
    ("blob", "why"),
    [
        (b"", "ends early"),
        (b"bplist00\xd4\x01\x02", "not a typedstream"),
        (b"\x03\x0bstreamtyped\x81\xe8\x03", "not a typedstream"),
        (b"\x04\x0bstreamtypo\x81\xe8\x03", "not a typedstream"),
        (b"\x04\x0bstreamtyped\x81\xe8\x03", "holds no string"),
        (
            b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x08NSString\x01\x85\x84\x01+\x03ab",
            "ends early",
        ),
        (b"\x04\x0bstreamtyped\x81\xe8\x03\x99", "shared string 7"),
        (b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x99", "object 7"),
        (b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01Z", "unknown type"),
        (b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x04[4i\x01\x02\x03\x04", "malformed type"),
        (b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x06{a=i]}", "malformed type"),
        (b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01i\x86", "where a number was expected"),
    ],
)
def test_damaged_blobs_raise_typed_stream_error(blob: bytes, why: str) -> None:
    with pytest.raises(TypedStreamError, match=why):
        first_string(blob)


def test_text_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(TypedStreamError, match="not UTF-8"):
        first_string(attributed_body("ab", encoded=b"a\xffb"))


def test_every_truncation_fails_cleanly() -> None:
    blob = attributed_body("a message cut short 🙂")
    text_end = blob.index("🙂".encode()) + 4
    for size in range(text_end):
        with pytest.raises(TypedStreamError):
            first_string(blob[:size])
    for size in range(text_end, len(blob)):  # cut after the text: the text is all there
        assert first_string(blob[:size]) == "a message cut short 🙂"


def test_deep_nesting_is_refused_not_a_crash() -> None:
    writer = TypedStreamWriter()
    for depth in range(5000):
        writer.group(b"@")
        writer.begin_object(((f"SPNest{depth}".encode(), 0), NSOBJECT))
    with pytest.raises(TypedStreamError, match="too deeply"):
        first_string(writer.getvalue())


def test_huge_counts_do_not_spin() -> None:
    header = b"\x04\x0bstreamtyped\x81\xe8\x03"
    with pytest.raises(TypedStreamError, match="far more values"):
        first_string(header + b"\x84\x0c[999999999!]")
    with pytest.raises(TypedStreamError, match="ends early"):
        first_string(header + b"\x84\x0c[999999999c]")
    with pytest.raises(TypedStreamError, match="ends early"):
        first_string(header + b"\x84\x01+\x82\xff\xff\xff\x7f")


def test_nested_struct_types_are_split() -> None:
    parts = list(typedstream.split_encodings(b"i{a={b=ii}[2{c=d}]}@[3[2i]]"))
    assert parts == [b"i", b"{a={b=ii}[2{c=d}]}", b"@", b"[3[2i]]"]
    assert typedstream.array_parts(b"[3[2i]]") == (3, b"[2i]")
    assert typedstream.struct_fields(b"{a={b=ii}[2{c=d}]}") == [b"{b=ii}", b"[2{c=d}]"]


@settings(max_examples=300, deadline=None)
@given(st.booleans(), st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(with_header: bool, body: bytes) -> None:
    blob = (b"\x04\x0bstreamtyped\x81\xe8\x03" if with_header else b"") + body
    with contextlib.suppress(TypedStreamError):
        assert isinstance(first_string(blob), str)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=40),
    st.booleans(),
    st.lists(st.tuples(st.integers(min_value=0, max_value=400), st.integers(0, 255)), max_size=4),
)
def test_damaged_real_blobs_never_crash(text: str, mutable: bool, flips: list[tuple[int, int]]) -> None:
    blob = bytearray(attributed_body(text, mutable=mutable))
    for position, value in flips:
        blob[position % len(blob)] = value
    try:
        result = first_string(bytes(blob))
    except TypedStreamError:
        return
    assert isinstance(result, str)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.booleans())
def test_round_trip_any_text(text: str, mutable: bool) -> None:
    assert first_string(attributed_body(text, mutable=mutable)) == text
    assert first_string(_wrapped(text.encode())) == text
