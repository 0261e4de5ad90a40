"""Lines of a text member with their exact byte offsets, read a block at a time in constant memory.

Every line comes with its terminator, so the spans of all lines tile the member exactly: a record's raw
bytes are precisely what the file holds, and a `\\r` stays where it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from stalkproof.errors import InputError

BLOCK = 1024 * 1024
MAX_LINE = 1024 * 1024
BOM = b"\xef\xbb\xbf"


def iter_lines(stream: IO[bytes], where: str, max_line: int = MAX_LINE) -> Iterator[tuple[int, int, bytes]]:
    """(line number from 1, byte offset, raw bytes including the newline) for each line."""
    number, offset, carry = 0, 0, b""
    while True:
        block = stream.read(BLOCK)
        if not block:
            break
        block = carry + block if carry else block
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            carry = block
            if len(carry) > max_line:
                raise _too_long(where, number + 1, max_line)
            continue
        carry = block[cut:]
        pieces = block[:cut].split(b"\n")
        pieces.pop()  # the empty piece after the final newline
        for piece in pieces:
            number += 1
            if len(piece) >= max_line:
                raise _too_long(where, number, max_line)
            raw = piece + b"\n"
            yield number, offset, raw
            offset += len(raw)
        if len(carry) > max_line:
            raise _too_long(where, number + 1, max_line)
    if carry:
        yield number + 1, offset, carry


def decode(raw: bytes, where: str, number: int) -> str:
    """The line's text without its line ending, read strictly as UTF-8 (a BOM is dropped)."""
    if raw.startswith(BOM):
        raw = raw[3:]
    try:
        return raw.decode("utf-8").rstrip("\r\n") if raw[-1:] in (b"\n", b"\r") else raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"this is not UTF-8 text (byte 0x{raw[error.start]:02X} at column {error.start + 1}); "
            "an export from the app is always UTF-8, so this file may be damaged or not an export.",
            where,
            number,
        ) from None


def _too_long(where: str, number: int, limit: int) -> InputError:
    return InputError(
        f"this line is over {limit // (1024 * 1024)} MiB long, so this is not an export stalkproof "
        "can read past this point.",
        where,
        number,
    )
