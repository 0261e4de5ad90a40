"""Redacted copies: a new exhibit made from an original with parts hidden, linked to it; the original is
never changed.

Text spans are replaced character for character by "█" (line breaks inside a span are kept). That keeps
every character that is not hidden at the offset and on the line it has in the original, so the source
line numbers quoted in the chronology still point at the right place and anyone later given both files
can check that nothing but the spans changed. The cost is that the length of each hidden part shows;
"[redacted]" would hide the length but shift everything after it.

Images are decoded, blacked out, and re-encoded as a fresh PNG built from the pixels alone: no EXIF, GPS,
XMP, ICC profile, text chunk, thumbnail or later animation frame of the original can survive in the copy.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import select

from stalkproof.errors import InputError, IntegrityError
from stalkproof.evidence.exhibits import Exhibit, ExhibitDetails, find_exhibit, store_exhibit_bytes
from stalkproof.vault.schema import blobs, exhibits
from stalkproof.vault.vault import Vault, Writer

BLOCK = "█"
_KEPT = frozenset("\r\n")
# How a redacted copy names its original in its own ledger record; the pack relies on this form.
_METHOD = "redacted copy of {ref} (sha256 {sha256})"
_METHOD_PATTERN = re.compile(r"^redacted copy of (.+) \(sha256 ([0-9a-f]{64})\)$")

Span = tuple[int, int]
Rectangle = tuple[int, int, int, int]


@dataclass(frozen=True)
class RedactionSource:
    """What a redacted copy's record says about its original."""

    ref: str
    sha256: str


def redaction_source(capture_method: str | None) -> RedactionSource | None:
    """The original named by a redacted copy's capture method, or None for any other exhibit."""
    match = _METHOD_PATTERN.match(capture_method or "")
    return RedactionSource(match.group(1), match.group(2)) if match else None


def redact_text_exhibit(vault: Vault, case_id: str, ref: str, spans: list[Span], reason: str) -> Exhibit:
    """A copy of a UTF-8 text exhibit with each [start, end) character span blocked out."""
    reason = _reason(reason)
    with vault.write() as writer:
        original, content = _original(writer, case_id, ref)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            message = f"Exhibit {original.ref} is not UTF-8 text, so it cannot be redacted as text."
            raise InputError(message) from None
        _check_spans(spans, len(text))
        redacted = _blocked(text, spans).encode("utf-8")
        what = "text " + ", ".join(f"characters {start}-{end}" for start, end in sorted(spans))
        return _store(writer, case_id, original, redacted, _suffix(original, ".txt"), what, reason)


def redact_image_exhibit(
    vault: Vault, case_id: str, ref: str, rectangles: list[Rectangle], reason: str
) -> Exhibit:
    """A PNG copy of an image exhibit with each (x, y, width, height) rectangle filled solid black."""
    reason = _reason(reason)
    with vault.write() as writer:
        original, content = _original(writer, case_id, ref)
        redacted = _blacked_out(original.ref, content, rectangles)
        what = "areas " + "; ".join(f"x {x}, y {y}, {w}x{h} pixels" for x, y, w, h in rectangles)
        return _store(writer, case_id, original, redacted, ".png", what, reason)


# -- reading the original and keeping the copy --------------------------------------------------------


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InputError("Give a reason for the redaction, such as 'hides the address of a witness'.")
    return reason.strip()


def _original(writer: Writer, case_id: str, ref: str) -> tuple[Exhibit, bytes]:
    original = find_exhibit(writer.connection, case_id, ref)
    name = writer.connection.execute(
        select(blobs.c.storage_name).where(blobs.c.id == original.sha256)
    ).scalar_one()
    buffer = io.BytesIO()
    writer.store.copy_out(name, buffer)
    content = buffer.getvalue()
    # Redacting from damaged bytes would give a copy that claims an original it does not come from.
    if hashlib.sha256(content).hexdigest() != original.sha256:
        raise IntegrityError(
            f"Exhibit {original.ref} no longer matches its SHA-256. Run 'stalkproof verify'."
        )
    return original, content


def _store(
    writer: Writer, case_id: str, original: Exhibit, content: bytes, suffix: str, what: str, reason: str
) -> Exhibit:
    details = ExhibitDetails(
        description=f"Redacted copy of {original.ref}: {what} hidden. Reason: {reason}",
        ref=_copy_ref(writer, case_id, original.ref),
        capture_method=_METHOD.format(ref=original.ref, sha256=original.sha256),
    )
    stem = PurePath(original.original_name or original.ref).stem
    return store_exhibit_bytes(writer, case_id, content, f"{stem}-redacted{suffix}", details, original.id)


def _copy_ref(writer: Writer, case_id: str, ref: str) -> str:
    taken = set(
        writer.connection.execute(
            select(exhibits.c.ref).where(exhibits.c.case_id == case_id, exhibits.c.ref.startswith(f"{ref}-R"))
        ).scalars()
    )
    number = 1
    while f"{ref}-R{number}" in taken:
        number += 1
    return f"{ref}-R{number}"


def _suffix(original: Exhibit, default: str) -> str:
    return PurePath(original.original_name or "").suffix or default


# -- text -------------------------------------------------------------------------------------------


def _check_spans(spans: Sequence[Span], length: int) -> None:
    if not spans:
        raise InputError("Name at least one span to redact, as START:END.")
    previous_end = 0
    for start, end in sorted(spans):
        if not 0 <= start < end <= length:
            raise InputError(
                f"The span {start}:{end} is not inside the text, which has {length} characters "
                "(START must be smaller than END)."
            )
        if start < previous_end:
            raise InputError(f"The span {start}:{end} overlaps another span: give each part once.")
        previous_end = end


def _blocked(text: str, spans: Sequence[Span]) -> str:
    characters = list(text)
    for start, end in spans:
        for index in range(start, end):
            if characters[index] not in _KEPT:
                characters[index] = BLOCK
    return "".join(characters)


# -- images -----------------------------------------------------------------------------------------


def _blacked_out(ref: str, content: bytes, rectangles: Sequence[Rectangle]) -> bytes:
    from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as opened:
            if getattr(opened, "n_frames", 1) > 1:
                raise InputError(f"Exhibit {ref} is an animation; only still images can be redacted.")
            # As a viewer shows it: the orientation tag is metadata the copy will not keep.
            shown = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        message = f"Exhibit {ref} is not an image stalkproof can read, so it cannot be blacked out."
        raise InputError(message) from None
    _check_rectangles(rectangles, shown.size)
    mode = "RGBA" if shown.has_transparency_data else "RGB"
    converted = shown.convert(mode)
    # A new image from the raw pixels alone carries none of the original's metadata.
    clean = Image.frombytes(mode, converted.size, converted.tobytes())
    draw = ImageDraw.Draw(clean)
    black = (0, 0, 0, 255) if mode == "RGBA" else (0, 0, 0)
    for x, y, width, height in rectangles:
        draw.rectangle((x, y, x + width - 1, y + height - 1), fill=black)
    buffer = io.BytesIO()
    clean.save(buffer, format="PNG")
    return buffer.getvalue()


def _check_rectangles(rectangles: Sequence[Rectangle], size: tuple[int, int]) -> None:
    if not rectangles:
        raise InputError("Name at least one area to black out, as X,Y,WIDTH,HEIGHT.")
    image_width, image_height = size
    for x, y, width, height in rectangles:
        if (
            width <= 0
            or height <= 0
            or x < 0
            or y < 0
            or x + width > image_width
            or y + height > image_height
        ):
            raise InputError(
                f"The area {x},{y},{width},{height} is not inside the image, which is "
                f"{image_width}x{image_height} pixels."
            )
