"""The text inside an iMessage `attributedBody`: an NSAttributedString archived by NSArchiver as a
"typedstream". On newer macOS the `text` column is often empty and this blob is the only copy of what was
written, so it has to be read.

Only what is needed is read: the header, then values in order until the first NSString (or
NSMutableString) object, whose UTF-8 bytes are the message text. The walk follows the typedstream grammar
rather than searching for byte patterns, so a message that happens to contain "NSString" cannot fool it.
Every read is bounds-checked and the walk is limited in depth and steps: a damaged or hostile blob raises
`TypedStreamError`, never anything else, and never loops. Blobs that begin exactly as Messages writes them
skip straight to the string's length (the same bytes the walk would read, a few dozen times faster).

The format, in short. Integers are one signed byte unless that byte is a tag: 0x81 is followed by 2 bytes,
0x82 by 4 (little-endian for a "streamtyped" stream). 0x83 starts a float, 0x84 marks something new (a
string, class or object), 0x85 is nil and 0x86 ends an object. Anything else is a back-reference: its
signed value plus 110 (so 0x92 is 0) numbers an earlier shared string, or an earlier object, class or
C string.
Values come in groups, each led by its type encoding ("@" object, "+" bytes, "i" int, "iI" two ints...).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

__all__ = ["TypedStreamError", "check", "first_string"]

_TAG_INT2 = 0x81
_TAG_INT4 = 0x82
_TAG_FLOAT = 0x83
_TAG_NEW = 0x84
_TAG_NIL = 0x85
_TAG_END = 0x86
_FIRST_TAG = 0x80
_LAST_TAG = 0x91
_FIRST_REFERENCE = -110  # 0x92 read as a signed byte: the encoded number of reference 0
_STREAMER_VERSION = 4
_SIGNATURES: dict[bytes, Literal["little", "big"]] = {b"streamtyped": "little", b"typedstream": "big"}
_STRING_CLASSES = frozenset({b"NSString", b"NSMutableString"})
_MAX_DEPTH = 64
_INTEGER_TYPES = b"silqSILQ"
_WIDTHS = {ord("f"): 4, ord("d"): 8}
_CLOSERS = {ord("["): ord("]"), ord("{"): ord("}"), ord("("): ord(")")}
_OPENERS_OF = {closer: opener for opener, closer in _CLOSERS.items()}


class TypedStreamError(ValueError):
    """The blob is not a typedstream this module can read; the message says where and why."""


class _Found(Exception):
    """Raised inside the walk to stop it as soon as the text is found."""

    def __init__(self, text: bytes) -> None:
        super().__init__()
        self.text = text


class _Reader:
    """A cursor over the blob with the two tables back-references point into."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.order: Literal["little", "big"] = "little"
        self.strings: list[bytes] = []
        # Objects, classes and C strings share one numbering; a class entry keeps its name so a later
        # object whose class is a back-reference can still be recognised as a string.
        self.objects: list[bytes | None] = []
        self.steps = 0
        # Every value read either consumes a byte or is bounded by one that did, except "!" (no data);
        # this budget stops an array of a million "!" from spinning.
        self.budget = 4 * len(data) + 64

    def fail(self, why: str) -> TypedStreamError:
        return TypedStreamError(f"{why} (at byte {self.pos} of {len(self.data)})")

    def take(self, count: int) -> bytes:
        if count < 0 or self.pos + count > len(self.data):
            raise self.fail(f"the blob ends early: {count} more bytes were expected")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise self.fail("the blob ends early")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.budget:
            raise self.fail("the blob describes far more values than it holds")

    def integer(self, head: int, *, signed: bool) -> int:
        if head == _TAG_INT2:
            return int.from_bytes(self.take(2), self.order, signed=signed)
        if head == _TAG_INT4:
            return int.from_bytes(self.take(4), self.order, signed=signed)
        if _FIRST_TAG <= head <= _LAST_TAG:
            raise self.fail(f"tag 0x{head:02x} where a number was expected")
        return head - 256 if signed and head > 0x7F else head

    def reference(self, head: int) -> int:
        return self.integer(head, signed=True) - _FIRST_REFERENCE

    def unshared(self, head: int) -> bytes | None:
        if head == _TAG_NIL:
            return None
        return self.take(self.integer(head, signed=False))

    def shared(self, head: int) -> bytes | None:
        if head == _TAG_NIL:
            return None
        if head == _TAG_NEW:
            text = self.unshared(self.byte())
            if text is None:
                raise self.fail("a new shared string is nil")
            self.strings.append(text)
            return text
        index = self.reference(head)
        if not 0 <= index < len(self.strings):
            raise self.fail(f"a reference to shared string {index}, which does not exist")
        return self.strings[index]


def first_string(blob: bytes) -> str:
    """The text of the first NSString in an archived NSAttributedString. Raises TypedStreamError when the
    blob is damaged, holds no string, or the string is not UTF-8."""
    text = _known_layout(blob)
    if text is None:
        try:
            _walk(blob, stop_at_string=True)
        except _Found as found:
            text = found.text
        else:
            raise TypedStreamError("the blob holds no string")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TypedStreamError(f"the text is not UTF-8 (byte {error.start} of the string)") from None


def _known_layout(blob: bytes) -> bytes | None:
    """The string's bytes when the blob starts exactly as Messages writes it (see _prefix), else None.
    Reading those fixed bytes is what the walk would do, only without a hundred small steps."""
    for prefix in _PREFIXES:
        if blob.startswith(prefix):
            reader = _Reader(blob)
            reader.pos = len(prefix)
            try:
                return reader.unshared(reader.byte())
            except TypedStreamError:
                return None  # let the walk say what is wrong
    return None


def check(blob: bytes) -> int:
    """Walk the whole stream without stopping at the text and return how many values it holds. Tests use
    it to prove that synthetic blobs follow the grammar end to end."""
    return _walk(blob, stop_at_string=False)


def _walk(blob: bytes, *, stop_at_string: bool) -> int:
    reader = _Reader(bytes(blob))
    walker = _Walker(reader, stop_at_string=stop_at_string)
    _header(reader)
    while reader.pos < len(reader.data):
        walker.group(reader.byte(), depth=0)
    return reader.steps


def _header(reader: _Reader) -> None:
    version = reader.byte()
    if version != _STREAMER_VERSION:
        raise reader.fail(f"this is not a typedstream (it starts with 0x{version:02x}, not 0x04)")
    signature = reader.take(reader.byte())
    order = _SIGNATURES.get(signature)
    if order is None:
        raise reader.fail(f"this is not a typedstream (signature {signature[:16]!r})")
    reader.order = order
    reader.integer(reader.byte(), signed=False)  # the system version (1000 on every Mac OS X)


class _Walker:
    """Reads values by their type encodings. With `stop_at_string`, the first NSString's bytes end the
    walk by raising _Found."""

    def __init__(self, reader: _Reader, *, stop_at_string: bool) -> None:
        self.r = reader
        self.stop = stop_at_string

    def group(self, head: int, depth: int) -> None:
        encoding = self.r.shared(head)
        if not encoding:
            raise self.r.fail("a value group has no type")
        for single in split_encodings(encoding, self.r):
            self.value(single, depth)

    def value(self, encoding: bytes, depth: int) -> None:
        r = self.r
        r.tick()
        if depth > _MAX_DEPTH:
            raise r.fail("values are nested too deeply")
        kind = encoding[0]
        if encoding in (b"c", b"C", b"B"):
            r.take(1)  # chars and bools are stored as a plain byte, never tagged
        elif len(encoding) == 1 and kind in _INTEGER_TYPES:
            r.integer(r.byte(), signed=True)
        elif kind in _WIDTHS and len(encoding) == 1:
            head = r.byte()
            if head == _TAG_FLOAT:
                r.take(_WIDTHS[kind])
            else:
                r.integer(head, signed=True)
        elif encoding == b"+":
            r.unshared(r.byte())
        elif encoding in (b"%", b":"):
            r.shared(r.byte())
        elif encoding == b"*":
            self.c_string(r.byte())
        elif encoding == b"#":
            self.klass(r.byte())
        elif encoding == b"@":
            self.object(r.byte(), depth + 1)
        elif encoding == b"!":
            pass  # an ignored int: its type is written, no data
        elif kind == ord("["):
            self.array(encoding, depth + 1)
        elif kind == ord("{"):
            for field in struct_fields(encoding, r):
                self.value(field, depth + 1)
        else:
            raise r.fail(f"unknown type {encoding[:16]!r}")

    def c_string(self, head: int) -> None:
        r = self.r
        if head == _TAG_NIL:
            return
        if head == _TAG_NEW:
            if r.shared(r.byte()) is None:
                raise r.fail("a new C string is nil")
            r.objects.append(None)
            return
        self.existing(head)

    def klass(self, head: int) -> bytes | None:
        """Reads a class and its chain of superclasses; returns the class's own name (None for nil)."""
        r = self.r
        own: bytes | None = None
        first = True
        while head == _TAG_NEW:
            name = r.shared(r.byte())
            if name is None:
                raise r.fail("a class has no name")
            r.integer(r.byte(), signed=True)  # class version
            r.objects.append(name)
            if first:
                own, first = name, False
            r.tick()
            head = r.byte()
        if head == _TAG_NIL:
            return own
        referenced = self.existing(head)
        return own if not first else referenced

    def existing(self, head: int) -> bytes | None:
        index = self.r.reference(head)
        if not 0 <= index < len(self.r.objects):
            raise self.r.fail(f"a reference to object {index}, which does not exist")
        return self.r.objects[index]

    def object(self, head: int, depth: int) -> None:
        r = self.r
        if head == _TAG_NIL:
            return
        if head != _TAG_NEW:
            self.existing(head)
            return
        r.objects.append(None)
        name = self.klass(r.byte())
        if self.stop and name in _STRING_CLASSES:
            raise _Found(self.string_contents())
        head = r.byte()
        while head != _TAG_END:
            self.group(head, depth)
            head = r.byte()

    def string_contents(self) -> bytes:
        r = self.r
        if r.shared(r.byte()) != b"+":
            raise r.fail("a string object does not start with its bytes")
        text = r.unshared(r.byte())
        if text is None:
            raise r.fail("a string object holds nil")
        return text

    def array(self, encoding: bytes, depth: int) -> None:
        r = self.r
        count, element = array_parts(encoding, r)
        if element in (b"c", b"C"):
            r.take(count)
            return
        for _ in range(count):
            self.value(element, depth)


def split_encodings(encoding: bytes, reader: _Reader | None = None) -> Iterator[bytes]:
    """One group's type string cut into single types: b"iI" -> b"i", b"I"; brackets and braces nest."""
    start = 0
    while start < len(encoding):
        end = _type_end(encoding, start, reader)
        yield encoding[start:end]
        start = end


def _type_end(encoding: bytes, start: int, reader: _Reader | None) -> int:
    opener = encoding[start]
    closer = _CLOSERS.get(opener)
    if closer is None:
        return start + 1
    depth = 0
    for index in range(start, len(encoding)):
        byte = encoding[index]
        if byte in _CLOSERS:
            depth += 1
        elif byte in _OPENERS_OF:
            depth -= 1
            if depth == 0:
                if byte != closer:
                    break
                return index + 1
    raise _bad_type(encoding, reader)


def array_parts(encoding: bytes, reader: _Reader | None = None) -> tuple[int, bytes]:
    """b"[12i]" -> (12, b"i")."""
    inner = encoding[1:-1]
    digits = 0
    while digits < len(inner) and 0x30 <= inner[digits] <= 0x39:
        digits += 1
    element = inner[digits:]
    if digits == 0 or not element or _type_end(element, 0, reader) != len(element):
        raise _bad_type(encoding, reader)
    return int(inner[:digits]), element


def struct_fields(encoding: bytes, reader: _Reader | None = None) -> list[bytes]:
    """b"{name=if}" -> [b"i", b"f"]."""
    inner = encoding[1:-1]
    equals = inner.find(b"=")
    fields = inner[equals + 1 :] if equals >= 0 else b""
    return list(split_encodings(fields, reader))


def _bad_type(encoding: bytes, reader: _Reader | None) -> TypedStreamError:
    why = f"a malformed type {encoding[:32]!r}"
    return reader.fail(why) if reader is not None else TypedStreamError(why)


def _prefix(root: tuple[bytes, ...], string: tuple[bytes, ...]) -> bytes:
    """The bytes before the text when every class is new: header, "@", the root object's class chain
    (own class first, NSObject last), "@" again, the string object's chain ending in a reference to
    NSObject, then the "+" type. Class versions are Apple's: 1 for the string classes, 0 otherwise."""

    def new_string(text: bytes) -> bytes:
        return bytes([_TAG_NEW, len(text)]) + text

    def version(name: bytes) -> bytes:
        return b"\x01" if name.endswith(b"String") and b"Attributed" not in name else b"\x00"

    out = b"\x04\x0bstreamtyped\x81\xe8\x03" + new_string(b"@") + bytes([_TAG_NEW])
    for name in root:
        out += bytes([_TAG_NEW]) + new_string(name) + version(name)
    out += bytes([_TAG_NIL]) + bytes([0x92]) + bytes([_TAG_NEW])  # end of chain; "@" is shared string 0
    for name in string:
        out += bytes([_TAG_NEW]) + new_string(name) + version(name)
    nsobject = len(root)  # objects so far: the root object, then its classes; NSObject is the last
    return out + bytes([(nsobject + _FIRST_REFERENCE) & 0xFF]) + new_string(b"+")


_PREFIXES = tuple(
    _prefix((*root, b"NSObject"), string)
    for root in ((b"NSAttributedString",), (b"NSMutableAttributedString", b"NSAttributedString"))
    for string in ((b"NSString",), (b"NSMutableString", b"NSString"))
)
