"""Reading screenshots with tesseract: one image in, its layout out, run across a pool of processes.

Tesseract is run as a program, with the image on its standard input and its TSV output on its standard
output. (pytesseract would write both the screenshot and the text read from it to files in the temporary
folder; evidence must never land there in plain form.) `OMP_THREAD_LIMIT=1` stops each tesseract from
starting a thread per core: a process per core, one image each, is several times faster than one
image spread over all cores, and a pool of worker processes (started fresh with `spawn`, so they inherit
none of the parent's memory, such as vault keys) keeps every core busy. At most `2 x workers` images are
in flight, and results come back in input order, so memory stays the same however many images there are.

Before OCR each image is reduced to its text, dark on white (`_prepared` says how), and tesseract reads it
as sparse text (`--psm 11`). Times that come out impossible ("93:01") are read a second time, enlarged and
as digits only (`_reread_times`).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from typing import TypeVar

from PIL import Image, ImageChops, ImageFilter, ImageOps

from stalkproof.errors import StalkproofError
from stalkproof.ingest.screenshot_layout import Box, Layout, Word, lay_out, lines_from_tsv, parse_time

PSM = "11"  # sparse text: finds the small time beside a message, which "4" (one column) often misreads
TIMEOUT_S = 120
MAX_PIXELS = 50_000_000  # a 4K screen is 8 million; anything far larger is not a screenshot
# Found on rendered light, dark and white-on-blue chats (216 bubbles; text within 0.9 and time both right
# for 213 of them) against 1.5 and 2.5, BILINEAR and BOX shrinking, and 5- and 9-pixel medians.
_SHRINK = 3  # the background is estimated at a third of the size: a 7-pixel median there spans 21 on screen
_MEDIAN = 7
_GAIN = 2.0  # contrast stretch of the ink map
_TIME_ZOOM = 3  # times are printed small: enlarged, a "0" is no longer read as "9"
_TIME_PAD = 6
_SHEET_GAP = 30
_TIME_CONFIG = ("--psm", "6", "-c", "tessedit_char_whitelist=0123456789:.APMapm")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
INSTALL_HINT = "sudo apt install tesseract-ocr tesseract-ocr-eng"

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class Job:
    data: bytes
    lang: str


@dataclass(frozen=True, slots=True)
class Reading:
    """What one image gave: its layout, the capture time its own metadata states (text as found, and the
    field it came from), or why it could not be read."""

    layout: Layout | None
    captured: str | None = None
    captured_from: str | None = None
    error: str | None = None


def image_kind(head: bytes) -> str | None:
    """ "png" or "jpeg" from the first bytes of a file, else None."""
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(JPEG_MAGIC):
        return "jpeg"
    return None


def check_engine(lang: str) -> str:
    """Tesseract's version ("tesseract 5.3.0"), after checking it and the languages asked for are there."""
    if shutil.which("tesseract") is None:
        raise StalkproofError(f"Reading screenshots needs the tesseract program: {INSTALL_HINT}")
    version, installed = _engine()
    for wanted in lang.split("+"):
        if wanted not in installed:
            raise StalkproofError(
                f"Reading screenshots in '{wanted}' needs tesseract's language data for it: "
                f"sudo apt install tesseract-ocr-{wanted}"
            )
    return version


@cache
def _engine() -> tuple[str, frozenset[str]]:
    version = _tesseract(["--version"]).splitlines()[0].strip()
    langs = _tesseract(["--list-langs"]).splitlines()[1:]
    return version, frozenset(lang.strip() for lang in langs)


def _tesseract(args: list[str]) -> str:
    done = subprocess.run(["tesseract", *args], capture_output=True, timeout=30, check=False, env=_env())
    return (done.stdout or done.stderr).decode("utf-8", errors="replace")


def _env() -> dict[str, str]:
    # Only what tesseract needs: no passphrases or other secrets from this process's environment.
    env = {"OMP_THREAD_LIMIT": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if "TESSDATA_PREFIX" in os.environ:
        env["TESSDATA_PREFIX"] = os.environ["TESSDATA_PREFIX"]
    return env


def read_screenshot(job: Job) -> Reading:
    """OCR one image. Never raises for a bad image: the reason comes back in `error`."""
    try:
        image = _open(job.data)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return Reading(None, error=f"the image cannot be opened ({error})")
    captured, captured_from = _capture_time(image)
    try:
        text = _prepared(image)
        layout = lay_out(lines_from_tsv(_ocr(_png(text), job.lang)), image.width, image.height)
        layout = _reread_times(text, layout, job.lang)
    except (OSError, subprocess.SubprocessError, _EngineError) as error:
        return Reading(None, captured, captured_from, f"tesseract could not read it ({error})")
    return Reading(layout, captured, captured_from)


def _reread_times(text: Image.Image, layout: Layout, lang: str) -> Layout:
    """Read again, enlarged and as digits only, the times that came out impossible ("93:01": a small
    "0" is often read as "9"). The bubbles whose second reading is a possible time get it."""
    doubtful = [
        (index, bubble) for index, bubble in enumerate(layout.bubbles) if bubble.time and not bubble.clock
    ]
    if not doubtful:
        return layout
    readings = _read_times(text, [bubble.time_box for _, bubble in doubtful], lang)
    bubbles = list(layout.bubbles)
    for (index, bubble), reading in zip(doubtful, readings, strict=True):
        if reading is not None and parse_time(reading.text) is not None:
            bubbles[index] = bubble.with_time(reading)
    return replace(layout, bubbles=tuple(bubbles))


def _read_times(text: Image.Image, boxes: list[Box], lang: str) -> list[Word | None]:
    """One tesseract run over a sheet of the enlarged time crops, one under another."""
    framed = ImageOps.expand(text, _TIME_PAD, fill=255)  # so a time at the edge gets its margin too
    crops = [
        framed.crop((left, top, right + 2 * _TIME_PAD, bottom + 2 * _TIME_PAD))
        for left, top, right, bottom in boxes
    ]
    sheet, spans = _sheet(
        [crop.resize((crop.width * _TIME_ZOOM, crop.height * _TIME_ZOOM)) for crop in crops]
    )
    words: list[list[Word]] = [[] for _ in boxes]
    for _, word in lines_from_tsv(_ocr(_png(sheet), lang, _TIME_CONFIG)):
        middle = (word.top + word.bottom) / 2
        for number, (start, end) in enumerate(spans):
            if start <= middle <= end:
                words[number].append(word)
    return [_joined(found, box) if found else None for found, box in zip(words, boxes, strict=True)]


def _sheet(crops: list[Image.Image]) -> tuple[Image.Image, list[tuple[int, int]]]:
    """The crops pasted one under another on white, with the vertical span of each."""
    width = max(crop.width for crop in crops) + 2 * _SHEET_GAP
    sheet = Image.new("L", (width, sum(crop.height + _SHEET_GAP for crop in crops) + _SHEET_GAP), 255)
    spans, top = [], _SHEET_GAP
    for crop in crops:
        sheet.paste(crop, (_SHEET_GAP, top))
        spans.append((top, top + crop.height))
        top += crop.height + _SHEET_GAP
    return sheet, spans


def _joined(words: list[Word], box: Box) -> Word:
    # Placed where the first reading was, so boxes stay in the screenshot's pixels.
    text = "".join(word.text for word in sorted(words, key=lambda word: word.left))  # "6:42PM": one word
    return Word(text, *box, min(word.conf for word in words))


class _EngineError(Exception):
    pass


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    if image.width * image.height > MAX_PIXELS:
        raise ValueError(f"{image.width} x {image.height} pixels is far larger than any phone screen")
    image.load()
    return ImageOps.exif_transpose(image)


def _prepared(image: Image.Image) -> Image.Image:
    """Only the text, dark on white, for tesseract.

    Chat apps draw text on bubbles of another colour (white on blue, grey on green, light on dark), and
    tesseract's single threshold for the whole image loses the text on one kind of bubble or the other.
    So each pixel is compared with the colours around it: the background is estimated at a third of the
    size (sampling pixels rather than averaging them, so text does not smear into it) with a median,
    which the thin strokes of letters do not survive, and a pixel is ink by how far it lies outside the
    range of background values next to it. Bubble edges lie inside that range and vanish, and light and
    dark text come out the same."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        ground = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(ground, image.convert("RGBA"))
    grey = image.convert("L")
    size = (max(1, grey.width // _SHRINK), max(1, grey.height // _SHRINK))
    small = grey.resize(size, Image.Resampling.NEAREST)
    background = small.filter(ImageFilter.MedianFilter(_MEDIAN))
    low = background.filter(ImageFilter.MinFilter(3)).resize(grey.size, Image.Resampling.BILINEAR)
    high = background.filter(ImageFilter.MaxFilter(3)).resize(grey.size, Image.Resampling.BILINEAR)
    ink = ImageChops.lighter(ImageChops.subtract(low, grey), ImageChops.subtract(grey, high))
    return ink.point([255 - min(255, round(level * _GAIN)) for level in range(256)])


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _ocr(png: bytes, lang: str, config: tuple[str, ...] = ("--psm", PSM)) -> str:
    command = ["tesseract", "stdin", "stdout", "-l", lang, *config, "tsv"]
    done = subprocess.run(command, input=png, capture_output=True, timeout=TIMEOUT_S, check=False, env=_env())
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise _EngineError(lines[-1] if lines else f"exit status {done.returncode}")
    return done.stdout.decode("utf-8", errors="replace")


_XMP_DATE = re.compile(
    r"<(exif:DateTimeOriginal|photoshop:DateCreated|xmp:CreateDate)>\s*([0-9][0-9:\-T. +Z]+?)\s*</"
)
_EXIF_IFD = 0x8769
_DATE_TIME_ORIGINAL = 0x9003
_DATE_TIME = 0x0132


def _capture_time(image: Image.Image) -> tuple[str | None, str | None]:
    """The capture time the image itself states (EXIF, a PNG text chunk or XMP), as found."""
    exif = image.getexif()
    original = exif.get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL)
    if isinstance(original, str) and original.strip():
        return original.strip(), "EXIF DateTimeOriginal"
    stamp = exif.get(_DATE_TIME)
    if isinstance(stamp, str) and stamp.strip():
        return stamp.strip(), "EXIF DateTime"
    created = image.info.get("Creation Time")
    if isinstance(created, str) and created.strip():
        return created.strip(), "PNG Creation Time"
    xmp = image.info.get("XML:com.adobe.xmp") or image.info.get("xmp")
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", errors="replace")
    if isinstance(xmp, str) and (match := _XMP_DATE.search(xmp)):
        return match[2], f"XMP {match[1]}"
    return None, None


def ordered_map(
    func: Callable[[T], R], items: Iterable[tuple[M, T]], workers: int, in_flight: int
) -> Iterator[tuple[M, R]]:
    """(tag, func(job)) for each (tag, job) in input order. Jobs go to `workers` fresh processes, at most
    `in_flight` at a time; the tags stay here. With one worker everything runs in this process."""
    if workers <= 1:
        for tag, job in items:
            yield tag, func(job)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_limit_threads)
    pending: deque[tuple[M, Future[R]]] = deque()
    try:
        for tag, job in items:
            if len(pending) >= in_flight:
                done, future = pending.popleft()
                yield done, future.result()
            pending.append((tag, pool.submit(func, job)))
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _limit_threads() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
