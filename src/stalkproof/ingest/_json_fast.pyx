# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Compiled twins of the hot paths of the JSON sources, whose Python code stays the reference: built when
Cython and a C compiler are at hand (setup.py), and used unless STALKPROOF_PURE_PYTHON=1 (see
json_compiled.py). tests/ingest/test_json_compiled.py checks both give the same records, warnings and
errors.

`collect` is `_PrettySplitter._collect` (jsonsplit.py): it takes the same elements and stops at the same
places, leaving the same position, line and index. The window is read as a C buffer, and one pass over an
element's line breaks both finds its end (the first "\\nI}" from its "{") and counts its lines, where the
Python loop needs two `find`s and a `count`. Each element is still decoded by `orjson.loads` on exactly
its bytes, and everything unusual is still left to `_step`.

`telegram_when` is the usual case of `_Chats._when` (telegram.py): "date_unixtime" as decimal digits and
"date" as "YYYY-MM-DDTHH:MM:SS", read as numbers rather than through int(), string slices and caches.
`millisecond_when` is Meta's `_Reader._when` (meta.py) for a time from 1970 to 9999. Both build the
datetime from its civil date rather than adding timedeltas. Anything else gives None, and the Python code
reads it.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.datetime cimport datetime_new, import_datetime
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject, PyTypeObject
from libc.string cimport memchr, memcmp

import dataclasses
import types

import orjson

from stalkproof.ingest.base import When
from stalkproof.ingest.epoch import EPOCH
from stalkproof.ingest.jsonsplit import RUN_LENGTH as _RUN_LENGTH, Element
from stalkproof.ingest.jsonsplit import _LAST as _LAST_, _MORE as _MORE_, _SLOW as _SLOW_

# The Python constants, read once as C numbers (jsonsplit.py stays where they are set).
cdef Py_ssize_t RUN_LENGTH = _RUN_LENGTH
cdef int MORE = _MORE_, LAST = _LAST_, SLOW = _SLOW_
cdef object loads = orjson.loads
cdef object DecodeError = orjson.JSONDecodeError
cdef tuple EMPTY = ()
# The fields `collect` fills, in this order; the import fails (and the Python loop is used) if Element's
# fields are ever not exactly these.
FIELDS = ("value", "raw", "offset", "line", "end_line", "array", "index", "target", "container", "canonical")


cdef extern from "structmember.h":
    ctypedef struct PyMemberDef:
        pass
    int PyMember_SetOne(char* address, PyMemberDef* member, object value) except -1

cdef extern from "Python.h":
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member


cdef class _ElementSlots:
    """Fills an Element without `setattr`, which finds the slot's descriptor by name every time: the
    same as `_Slots` in _whatsapp_fast.pyx, for the one class. `make()` gives a bare instance (as
    `object.__new__`); `put(instance, n, value)` stores FIELDS[n] with PyMember_SetOne, what `setattr`
    ends with."""

    cdef PyMemberDef* members[10]

    def __init__(self):
        names = tuple(field.name for field in dataclasses.fields(Element))
        if names != FIELDS or set(names) != set(getattr(Element, "__slots__", ())):
            raise ImportError("Element's fields are not the ones _json_fast fills")
        for index, name in enumerate(names):
            descriptor = Element.__dict__[name]
            if type(descriptor) is not types.MemberDescriptorType:
                raise ImportError(f"Element.{name} is not a slot")
            self.members[index] = (<PyMemberDescrObject*>descriptor).d_member

    cdef inline object make(self):
        return (<PyTypeObject*>Element).tp_new(Element, <PyObject*>EMPTY, NULL)

    cdef inline int put(self, object made, int field, object value) except -1:
        return PyMember_SetOne(<char*><PyObject*>made, self.members[field], value)


cdef _ElementSlots SLOTS = _ElementSlots()


cdef inline Py_ssize_t _element_end(const char* data, Py_ssize_t start, Py_ssize_t size, const char* marker,
                                    Py_ssize_t after, Py_ssize_t* breaks) noexcept:
    """`buf.find(marker, start)` where marker is "\\nI}" and `size` is the window's length, or -1; the line
    breaks from `start` up to and including the marker's own are added to `breaks`. A marker begins with
    a line break, so looking at each line break in turn finds the first one."""
    cdef const char* at
    cdef Py_ssize_t found = 0, here
    while start < size:
        at = <const char*>memchr(data + start, b"\n", size - start)
        if at == NULL:
            return -1
        here = at - data
        if here + after > size:
            return -1  # the marker would run past the window: `find` would not see it either
        found += 1
        if memcmp(at + 1, marker + 1, after - 1) == 0:
            breaks[0] += found
            return here
        start = here + 1
    return -1


def collect(splitter, list run, shape):
    """`_PrettySplitter._collect(splitter, run, shape)`: append up to RUN_LENGTH elements to `run`, move
    the splitter on past them, and say how it stopped (_MORE, _LAST or _SLOW)."""
    cdef bytes opening = shape.opening, marker = shape.marker, following
    cdef Py_ssize_t brace = shape.brace, after = shape.after
    array, target, container = shape.array, shape.target, shape.container
    following = b",\n" + opening
    cdef bytes buf = splitter.buf
    cdef Py_ssize_t pos = splitter.pos, line = splitter.line, index = splitter.index, base = splitter.base
    cdef const char* data = PyBytes_AS_STRING(buf)
    cdef Py_ssize_t size = PyBytes_GET_SIZE(buf), opening_size = PyBytes_GET_SIZE(opening)
    cdef Py_ssize_t following_size = PyBytes_GET_SIZE(following)
    cdef Py_ssize_t safe_end = size - following_size  # room to look past an element within the window
    cdef Py_ssize_t start, end, close, step, breaks, count
    cdef int status = SLOW
    if pos + opening_size > size or memcmp(data + pos, PyBytes_AS_STRING(opening), opening_size) != 0:
        return SLOW
    for count in range(RUN_LENGTH + 1):
        if count == RUN_LENGTH:
            status = MORE
            break
        start = pos + brace
        breaks = 0
        end = _element_end(data, start, size, PyBytes_AS_STRING(marker), after, &breaks)
        if end < 0:
            break
        close = end + after
        if close > safe_end:
            break
        if memcmp(data + close, PyBytes_AS_STRING(following), following_size) == 0:
            step = 2
        elif data[close] == b"\n" or data[close] == b"\r":
            step = 0
        else:
            break  # ",\r\n" and anything odd: `_step` reads it as it always did
        raw = PyBytes_FromStringAndSize(data + start, close - start)
        try:
            value = loads(raw)
        except DecodeError:
            break
        element = SLOTS.make()  # every field is filled, in FIELDS order
        SLOTS.put(element, 0, value)
        SLOTS.put(element, 1, raw)
        SLOTS.put(element, 2, base + start)  # offset
        SLOTS.put(element, 3, line)
        SLOTS.put(element, 4, line + breaks)  # end_line
        SLOTS.put(element, 5, array)
        SLOTS.put(element, 6, index)
        SLOTS.put(element, 7, target)
        SLOTS.put(element, 8, container)
        SLOTS.put(element, 9, False)  # canonical
        run.append(element)
        index += 1
        if not step:
            pos, line, status = close, line + breaks, LAST
            break
        pos, line = close + step, line + breaks + 1
    splitter.pos, splitter.line, splitter.index = pos, line, index
    return status


# --- the times: Telegram's and Meta's -------------------------------------------------------------------

import_datetime()
cdef object UTC = EPOCH.tzinfo  # the very tzinfo EPOCH + timedelta(...) carries
cdef object when_new = object.__new__
cdef object MILLISECONDS_TO_10000 = 253_402_300_800_000  # 10000-01-01 as milliseconds since EPOCH


cdef inline long long _days_from_civil(long long year, long long month, long long day) noexcept:
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil)."""
    year -= month <= 2
    cdef long long era = (year if year >= 0 else year - 399) // 400
    cdef long long of_era = year - era * 400
    cdef long long of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    cdef long long of_cycle = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    return era * 146097 + of_cycle - 719468


cdef inline bint _leap(long long year) noexcept:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


cdef inline int _days_in_month(long long year, long long month) noexcept:
    if month == 2:
        return 29 if _leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


cdef inline long long _digits(str text, Py_ssize_t start, Py_ssize_t size) noexcept:
    """The number text[start:start + size] spells in ASCII digits, or -1 if anything else is there."""
    cdef long long value = 0
    cdef Py_UCS4 code
    cdef Py_ssize_t at
    for at in range(start, start + size):
        code = text[at]
        if code < 48 or code > 57:
            return -1
        value = value * 10 + (<long long>code - 48)
    return value


cdef inline bint _wall_clock(str date, long long* seconds) noexcept:
    """A valid time written "YYYY-MM-DDTHH:MM:SS", read as if UTC into `seconds`; False for anything else,
    which `_offset` reads (or refuses) as it always did."""
    cdef long long year, month, day, hour, minute, second
    if len(date) != 19 or date[4] != "-" or date[7] != "-" or date[10] != "T":
        return False
    if date[13] != ":" or date[16] != ":":
        return False
    year, month, day = _digits(date, 0, 4), _digits(date, 5, 2), _digits(date, 8, 2)
    hour, minute, second = _digits(date, 11, 2), _digits(date, 14, 2), _digits(date, 17, 2)
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
        return False  # also when _digits found something other than digits (-1)
    if not 0 <= hour <= 23 or not 0 <= minute <= 59 or not 0 <= second <= 59:
        return False
    seconds[0] = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return True


cdef object _utc_datetime(long long seconds, int microsecond):
    """EPOCH + timedelta(seconds=seconds, microseconds=microsecond) for seconds >= 0, built from its civil
    date (H. Hinnant's civil_from_days); None past the year 9999, where the Python code raises."""
    cdef long long days = seconds // 86400, rest = seconds % 86400
    cdef long long shifted = days + 719468
    cdef long long era = shifted // 146097
    cdef long long of_cycle = shifted - era * 146097
    cdef long long of_era = (of_cycle - of_cycle // 1460 + of_cycle // 36524 - of_cycle // 146096) // 365
    cdef long long of_year = of_cycle - (365 * of_era + of_era // 4 - of_era // 100)
    cdef long long month = (5 * of_year + 2) // 153
    cdef long long day = of_year - (153 * month + 2) // 5 + 1
    month = month + 3 if month < 10 else month - 9
    cdef long long year = of_era + era * 400 + (month <= 2)
    if year > 9999:
        return None
    return datetime_new(year, month, day, rest // 3600, rest % 3600 // 60, rest % 60, microsecond, UTC)


cdef object _utc_when(object at, str found):
    """`utc_when(at, found)` (epoch.py)."""
    when = when_new(When)
    when.at = at
    when.precision = "second"
    when.found = found
    when.zone = "UTC"
    return when


def telegram_when(dict message, unix, date, dict offsets):
    """`_Chats._when` after its first line, for "date_unixtime" digits (a time from 1970 to 9999) and a
    wall-clock `date` whose offset is already in `offsets` (the texts `_offset` wrote): the When, with
    message["utc_offset"] set. Otherwise None, with the message untouched."""
    cdef long long seconds, local = 0
    cdef PyObject* text
    if type(unix) is not str or type(date) is not str or not 1 <= len(<str>unix) <= 12:
        return None
    seconds = _digits(<str>unix, 0, len(<str>unix))
    if seconds < 0 or not _wall_clock(<str>date, &local):
        return None
    text = PyDict_GetItem(offsets, local - seconds)
    if text is NULL:
        return None  # a new offset: `_offset` writes its text
    at = _utc_datetime(seconds, 0)
    if at is None:
        return None
    message["utc_offset"] = <object>text
    return _utc_when(at, <str>unix)


def millisecond_when(milliseconds):
    """`_Reader._when(milliseconds)` (meta.py) for an int from 0 to the end of 9999; otherwise None."""
    if type(milliseconds) is not int or not 0 <= milliseconds < MILLISECONDS_TO_10000:
        return None
    cdef long long count = milliseconds
    at = _utc_datetime(count // 1000, (count % 1000) * 1000)
    return None if at is None else _utc_when(at, str(milliseconds))
