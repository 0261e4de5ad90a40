# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The compiled twin of `ChatParser.parse_python` (whatsapp_parse.py), which stays the reference: built
when Cython and a C compiler are at hand (setup.py), and used unless STALKPROOF_PURE_PYTHON=1.

It reads the same blocks and walks the same steps in the same order, with the same dictionaries of the
same `ChatParser`, but on the bytes of the block itself: a line is two offsets, not a bytes object, and the
record being read is one contiguous span of the buffer (lines from an earlier block are carried over), so
its raw bytes are one slice. It only builds what the Python loop builds inline, an ordinary message and
a new minute's stamp written the file's way; everything else (`_stamp`, `_finish`, `_forget_prefixes`,
`Ordinals.at`, the notes and warnings) is the Python code itself, called with the lines it expects.
tests/ingest/test_whatsapp_compiled.py checks both give the same records and warnings.
"""

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.dict cimport PyDict_Size
from cpython.object cimport PyObject, PyTypeObject
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memchr, memcmp

import dataclasses
import types

from stalkproof.ingest.base import Origin, Record, When
from stalkproof.ingest.lines import BLOCK as _BLOCK, MAX_LINE as _MAX_LINE
from stalkproof.ingest.whatsapp_grammar import CACHE_LIMIT as _CACHE_LIMIT
from stalkproof.ingest.whatsapp_notes import CHANNEL
from stalkproof.ingest.whatsapp_parse import (
    FORGET_AT as _FORGET_AT,
    HOT_STAMPS as _HOT_STAMPS,
    MAX_SAME_MINUTE as _MAX_SAME_MINUTE,
)
from stalkproof.ingest.whatsapp_scan import LineBlocks

# The Python constants, read once as C numbers (whatsapp_parse.py and friends stay where they are set).
cdef Py_ssize_t BLOCK = _BLOCK, MAX_LINE = _MAX_LINE, CACHE_LIMIT = _CACHE_LIMIT
cdef Py_ssize_t FORGET_AT = _FORGET_AT, HOT_STAMPS = _HOT_STAMPS, MAX_SAME_MINUTE = _MAX_SAME_MINUTE
cdef bytes LRM_UTF8 = "\u200e".encode()  # the notices' marks `_finish` looks for (see `_plain`)
cdef bytes QUOTE_UTF8 = "‹".encode()
cdef tuple EMPTY = ()


cdef extern from "structmember.h":
    ctypedef struct PyMemberDef:
        pass
    int PyMember_SetOne(char* address, PyMemberDef* member, object value) except -1

cdef extern from "Python.h":
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member


cdef class _Slots:
    """Fills a slotted dataclass (Record, Origin, When) without `setattr`, which finds the slot's descriptor
    by name every time (a fifth of this loop's time): `start()` makes a bare instance (as `object.__new__`),
    each `add(value)` stores the next field in the dataclass's order with PyMember_SetOne (what `setattr`
    ends with), and `done()` checks every field was given. Should a class stop being a slotted dataclass,
    the import fails here and the Python loop is used."""

    cdef type cls
    cdef PyMemberDef* members[16]
    cdef Py_ssize_t count, filled
    cdef object made

    def __init__(self, type cls):
        names = [field.name for field in dataclasses.fields(cls)]
        if set(names) != set(getattr(cls, "__slots__", ())) or len(names) > 16:
            raise ImportError(f"{cls.__name__} is not a slotted dataclass any more")
        self.cls, self.count = cls, len(names)
        for index, name in enumerate(names):
            descriptor = cls.__dict__[name]
            if type(descriptor) is not types.MemberDescriptorType:
                raise ImportError(f"{cls.__name__}.{name} is not a slot")
            self.members[index] = (<PyMemberDescrObject*>descriptor).d_member

    cdef inline int start(self) except -1:
        self.made = (<PyTypeObject*>self.cls).tp_new(self.cls, <PyObject*>EMPTY, NULL)
        self.filled = 0
        return 0

    cdef inline int add(self, object value) except -1:
        PyMember_SetOne(<char*><PyObject*>self.made, self.members[self.filled], value)
        self.filled += 1
        return 0

    cdef inline object done(self):
        assert self.filled == self.count
        made, self.made = self.made, None
        return made


cdef _Slots RECORD = _Slots(Record), ORIGIN = _Slots(Origin), WHEN = _Slots(When)


cdef class _Sender:
    """What a record takes from an `Author` (whatsapp_notes.py), read once per participant."""

    cdef object handle, identifier, recipients, markers
    cdef Py_ssize_t salt

    def __init__(self, author):
        self.handle, self.identifier = author.handle, author.identifier
        self.recipients, self.markers, self.salt = author.recipients, author.markers, author.salt


cdef class _Senders:
    """`ChatParser.authors.get(name)` for a name that is a span of the buffer. The participants never
    change during a parse (one-off senders are `_finish`'s), and a chat has a handful: comparing the span
    with each name is cheaper than making a bytes object to look it up. A large group uses the dict."""

    cdef list names, senders
    cdef dict by_name
    cdef Py_ssize_t few

    def __init__(self, dict authors):
        self.names = list(authors)
        self.senders = [_Sender(author) for author in authors.values()]
        self.by_name = dict(zip(self.names, self.senders))
        self.few = len(self.names) if len(self.names) <= 16 else 0

    cdef _Sender get(self, const char* name, Py_ssize_t size):
        cdef Py_ssize_t index
        cdef bytes known
        if not self.few:
            return self.by_name.get(PyBytes_FromStringAndSize(name, size))
        for index in range(self.few):
            known = <bytes>self.names[index]
            if len(known) == size and memcmp(<const char*>known, name, size) == 0:
                return <_Sender>self.senders[index]
        return None


cdef inline Py_ssize_t _find(const char* data, Py_ssize_t start, Py_ssize_t end, const char* what,
                             Py_ssize_t size) noexcept:
    """bytes.find: the first `what` in data[start:end], or -1."""
    cdef const char* at
    cdef Py_ssize_t last = end - size
    while start <= last:
        at = <const char*>memchr(data + start, what[0], last - start + 1)
        if at == NULL:
            return -1
        start = at - data
        if memcmp(at, what, size) == 0:
            return start
        start += 1
    return -1


cdef inline bint _starts_header(unsigned char byte) noexcept:
    """STARTERS (whatsapp_grammar.py): a digit, "[", or the first byte of U+200E or of the BOM."""
    return 0x30 <= byte <= 0x39 or byte == 0x5B or byte == 0xE2 or byte == 0xEF


cdef inline bint _plain(const char* text, Py_ssize_t size, bint ios) noexcept:
    """The byte side of the inline branch's test: no "<", and no "(" (Android) or U+200E or "‹" (iOS).
    UTF-8 never uses an ASCII byte inside another character, so this is the same as asking the text."""
    if memchr(text, 0x3C, size) != NULL:  # "<"
        return False
    if not ios:
        return memchr(text, 0x28, size) == NULL  # "("
    return (_find(text, 0, size, LRM_UTF8, 3) < 0) and (_find(text, 0, size, QUOTE_UTF8, 3) < 0)


cdef class _Reader:
    """LineBlocks.__iter__ without splitting: the same blocks read, the same checks and errors, but the
    lines stay in one buffer. `start` is where the unread lines begin, `stop` is past the last whole line
    and `end` past the bytes read. `more(keep)` keeps everything from `keep` (the first line of the record
    being read) on. A bytearray drops its head in place and grows with room to spare, so a record that
    spans many blocks costs copying in proportion to its size, not to its size times its blocks."""

    cdef object read
    cdef object blocks  # a LineBlocks for its errors (too_long), and to leave `unterminated` as it would
    cdef bytearray buffer
    cdef const char* data
    cdef Py_ssize_t start, stop, end
    cdef bint done

    def __init__(self, stream, where):
        self.read = stream.read
        self.blocks = LineBlocks(stream, where)
        self.buffer = bytearray()
        self.data = PyByteArray_AS_STRING(self.buffer)
        self.start = self.stop = self.end = 0
        self.done = False

    cdef Py_ssize_t more(self, Py_ssize_t keep) except -1:
        """Reads the next block; returns how far the buffer moved (offsets before it go down by that)."""
        cdef Py_ssize_t moved = keep
        block = self.read(BLOCK)
        if not block:
            self.done = True
            self.start = self.stop
            if self.end > self.stop:  # the last line had no "\n"
                self.blocks.unterminated = True
                self.blocks.lines_read += 1
                self.stop = self.end
            return 0
        del self.buffer[:moved]
        self.buffer += block
        self.data = PyByteArray_AS_STRING(self.buffer)
        self.start = self.stop - moved  # every whole line before `stop` has been read
        self.end = PyByteArray_GET_SIZE(self.buffer)
        self._check()
        return moved

    cdef int _check(self) except -1:
        """As LineBlocks: the lines of `carry + block` over MAX_LINE, then the carry over it."""
        cdef Py_ssize_t line = self.start, lines = 0
        cdef const char* found
        cdef bint checked = self.end - self.start >= MAX_LINE
        while True:
            found = <const char*>memchr(self.data + line, 10, self.end - line)
            if found == NULL:
                break
            if checked and found - (self.data + line) >= MAX_LINE:
                raise self.blocks.too_long(self.blocks.lines_read + lines + 1)
            lines += 1
            line = found - self.data + 1
        if self.end - line > MAX_LINE:
            raise self.blocks.too_long(self.blocks.lines_read + lines + 1)
        self.blocks.lines_read += lines
        self.stop = line
        return 0


cdef class _Headers:
    """Which stamp a line starts with, if it is a header: the first half of parse_python's loop body, with
    the same dictionaries of the same ChatParser, in the same order. Only a line starting with a digit,
    "[", or the first byte of U+200E or of the BOM can be a header, and every prefix in `stamps` starts
    with one (they are all such lines' prefixes), so any other line is a continuation without a lookup.

    `hot_key` is a one-entry memory of the last prefix found in `stamps`, so a line of the same minute
    costs a comparison rather than a bytes object and a lookup. It is forgotten whenever `stamps` may have
    changed other than by this class (`_stamp` was called)."""

    cdef object parser, ordinals
    cdef dict stamps, counted, counted_bases, times, recent
    cdef bytes token, hot_key
    cdef object hot_stamp
    cdef Py_ssize_t token_length, width
    cdef bint ios_file
    # The date part of the last new stamp, as `ChatParser.day` (see parse_python).
    cdef bytes day_head
    cdef Py_ssize_t day_length
    cdef object midnight
    cdef str day_iso, day_found

    def __init__(self, parser):
        self.parser, self.ordinals = parser, parser.ordinals
        self.stamps, self.counted, self.counted_bases = parser.stamps, parser.counted, parser.counted_bases
        self.times, self.recent = parser.times, parser.ordinals.recent
        self.token, self.token_length = parser.token, len(parser.token)
        self.ios_file = parser.ios
        self.hot_key, self.hot_stamp, self.width = None, None, 0
        self._day()

    cdef _day(self):
        self.day_head, self.day_length, self.midnight, self.day_iso, self.day_found = self.parser.day

    cdef object find(self, const char* line, Py_ssize_t size, Py_ssize_t number):
        """The line's stamp, or None when it is no header (`number`: the line's, for `_stamp`)."""
        cdef Py_ssize_t width = self.width, pos
        if size == 0 or not _starts_header(line[0]):
            return None
        if self.hot_key is not None and width == len(self.hot_key) and size >= width and (
            memcmp(line, <const char*>self.hot_key, width) == 0
        ):
            return self.hot_stamp
        key = PyBytes_FromStringAndSize(line, min(width, size))
        found = self.stamps.get(key)
        if found is not None:
            self.hot_key, self.hot_stamp = key, found
            return found
        pos = _find(line, 0, min(size, 64), self.token, self.token_length)
        if pos > 0 and pos + self.token_length != width:
            key = PyBytes_FromStringAndSize(line, pos + self.token_length)
            found = self.stamps.get(key)
        if found is None and self.day_length <= pos and memcmp(line, <const char*>self.day_head,
                                                               self.day_length) == 0:
            clock = self.times.get(PyBytes_FromStringAndSize(line + self.day_length, pos - self.day_length))
            if clock is not None:
                found = self._new_stamp(key, clock)
        if found is None:
            found = self.parser._stamp(PyBytes_FromStringAndSize(line, size), key, pos, number)
            self.hot_key = self.hot_stamp = None
            self._day()
            if found is None:
                return None
        else:
            self.hot_key, self.hot_stamp = key, found
        self.width = found[3]
        return found

    cdef tuple _new_stamp(self, bytes key, tuple clock):
        """A new minute written the file's way on the last stamp's date, as parse_python builds it."""
        new_at = self.midnight + clock[0]
        WHEN.start()
        WHEN.add(new_at)
        WHEN.add(clock[2])  # precision
        WHEN.add(self.day_found + clock[3])  # found
        WHEN.add(None)  # zone
        new_when = WHEN.done()
        new_iso = self.day_iso + clock[1]
        counted, ordinals = self.counted, self.ordinals
        counts_kept = counted.get(key)
        if counts_kept is not None:
            new_base, new_counts = self.counted_bases.get(key, 0), counts_kept
        else:
            if new_iso > ordinals.newest:  # as Ordinals.at, for a time later than any before
                ordinals.newest = new_iso
                new_base, new_counts = 0, {}
                self.recent[new_iso] = new_counts
                if len(self.recent) >= FORGET_AT:
                    ordinals.forget_oldest()
            else:
                new_base, new_counts = ordinals.at(new_iso)
            if len(counted) >= CACHE_LIMIT:
                self.parser._forget_prefixes()
            counted[key] = new_counts
            if new_base:
                self.counted_bases[key] = new_base
        found = (new_when, new_at, new_iso, len(key), True, self.ios_file, new_base, new_counts)
        if PyDict_Size(self.stamps) >= HOT_STAMPS:
            self.stamps.clear()
        self.stamps[key] = found
        return found


def parse(parser, stream):
    """ChatParser.parse_python, step for step: its comments say why each step is there."""
    parser.notes.announce_date_order()
    notes, setup = parser.notes, parser.setup
    cdef _Reader reader = _Reader(stream, setup.label)
    cdef _Headers headers = _Headers(parser)
    cdef _Senders senders = _Senders(parser.authors)
    cdef _Sender author
    whole, finish = parser.whole, parser._finish
    cdef bint long_names = bool(parser.long_names)
    thread, member = setup.thread, setup.origin_member
    cdef const char* data
    cdef const char* end_at
    cdef const char* text_at
    cdef Py_ssize_t moved, line, end, colon, first_end, body_at, text_size, n
    cdef Py_ssize_t record_start = -1  # where the record being read begins (-1: before the first)
    cdef Py_ssize_t record_lines = 0  # its lines so far
    cdef Py_ssize_t number = 0, offset = 0, count = 0  # lines and bytes before that record, records
    stamp = previous = previous_stamp = previous_at = None
    # The last unpacked stamp (parse_python unpacks one when it differs from the record before's).
    when = at = iso = None
    cdef dict counts = None
    cdef Py_ssize_t body = 0, base = 0
    cdef bint plain_stamp = False, plain, ios = False, conforms
    while not reader.done:
        moved = reader.more(record_start if record_start >= 0 else reader.stop)  # keeps the record read
        if record_start >= 0:
            record_start -= moved
        line = reader.start
        while line < reader.stop:  # each line is data[line:end], its "\n" (if any) at `end`
            data = reader.data
            end_at = <const char*>memchr(data + line, 10, reader.stop - line)
            end = reader.stop if end_at == NULL else end_at - data
            found = headers.find(
                data + line, end - line, number + 1 if record_start < 0 else number + 1 + record_lines
            )
            if found is None:
                if record_start < 0:
                    number, offset = notes.before_first(
                        PyBytes_FromStringAndSize(data + line, end - line), number, offset
                    )
                else:
                    record_lines += 1
                line = end + 1
                continue
            if record_start < 0:
                record_start, record_lines, stamp = line, 1, found
                line = end + 1
                continue
            # The record from `record_start` to this line is complete.
            if stamp is not previous_stamp:
                when, at, iso, body, conforms, ios, base, counts = stamp
                plain_stamp = conforms and not long_names and not (
                    previous is not None and at < previous_at  # previous.when.at
                )
            record = None
            first_end = <const char*>memchr(data + record_start, 10, line - record_start) - data
            body_at = record_start + body
            colon = _find(data, body_at, first_end, b": ", 2) if plain_stamp else -1
            author = senders.get(data + body_at, colon - body_at) if colon >= 0 else None
            if author is not None:
                text_at = data + colon + 2
                text_size = line - 1 - (colon + 2)  # up to the record's last "\n"
                if text_size > 0 and text_at[text_size - 1] == 13:  # "\r"
                    text_size -= 1
                plain = _plain(text_at, text_size, ios)
                if plain:
                    try:
                        text = PyUnicode_DecodeUTF8(text_at, text_size, NULL)
                    except UnicodeDecodeError:
                        plain = False  # `_finish` reads it again and reports the bad line
                if plain and text not in whole:
                    identity_key = hash(text) ^ author.salt  # one int object, for the get and the set
                    n = counts.get(identity_key, 0) if counts else 0
                    if n or len(counts) < MAX_SAME_MINUTE:
                        counts[identity_key] = n + 1
                        record = _message(
                            when, thread, author, text, member, iso, n + base,
                            PyBytes_FromStringAndSize(data + record_start, line - record_start),
                            offset, number, record_lines,
                        )
            if record is None:
                first, extra = _lines(data, record_start, line - 1)
                record = finish(first, extra, stamp, number, offset, True, previous)
            if not count:
                notes.first = record
            count += 1
            yield record
            previous, previous_stamp, previous_at = record, stamp, at
            number += record_lines
            offset += line - record_start
            record_start, record_lines, stamp = line, 1, found
            line = end + 1
    if record_start >= 0 and stamp is not None:
        terminated = not reader.blocks.unterminated
        first, extra = _lines(reader.data, record_start, reader.stop - (1 if terminated else 0))
        record = finish(first, extra, stamp, number, offset, terminated, previous)
        if not count:
            notes.first = record
        notes.records = count + 1
        yield record
    notes.check_cap()


cdef tuple _lines(const char* data, Py_ssize_t start, Py_ssize_t end):
    """The first line and the further lines (None if none) of data[start:end], as `_finish` takes them."""
    lines = PyBytes_FromStringAndSize(data + start, end - start).split(b"\n")
    return lines[0], (lines[1:] if len(lines) > 1 else None)


cdef object _message(when, thread, _Sender author, str text, member, str iso, Py_ssize_t n, bytes raw,
                     Py_ssize_t offset, Py_ssize_t number, Py_ssize_t lines):
    """An ordinary message, as parse_python's inline branch builds it (fields in the dataclasses' order)."""
    ORIGIN.start()
    ORIGIN.add(member)
    ORIGIN.add(offset)
    ORIGIN.add(len(raw))  # length
    ORIGIN.add(number + 1)  # line
    ORIGIN.add(number + lines)  # end_line
    ORIGIN.add(None)  # path
    origin = ORIGIN.done()
    RECORD.start()
    RECORD.add("message")  # kind
    RECORD.add(CHANNEL)
    RECORD.add(when)
    RECORD.add(thread)
    RECORD.add(author.handle)  # sender
    RECORD.add(author.recipients)
    RECORD.add(text)
    RECORD.add(origin)
    RECORD.add(raw)
    RECORD.add((author.identifier, iso, text, EMPTY, n))  # identity
    RECORD.add(EMPTY)  # attachments
    RECORD.add(author.markers)
    RECORD.add(None)  # details
    return RECORD.done()
