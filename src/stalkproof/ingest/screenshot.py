"""Chat screenshots (`--source screenshot`): PNG or JPEG images of a conversation, one image, a folder or a
zip of them, read with OCR.

A screenshot is the weakest kind of chat record: it has no ids and no dates of its own, OCR misreads text,
and it can be edited. So the image itself is the evidence. Every record made from it carries the image as
an attached exhibit, the marker `ocr`, how sure the OCR was, and where on the image the text is, so a
person can always go back to the picture. What is read:

- **Images** in name order (numbers in names sorted as numbers), each read by tesseract in its own
  process (screenshot_ocr.py). Files that are not PNG or JPEG are named in a warning and left out.
- **Bubbles** from the OCR words by position (screenshot_layout.py explains the rules and their limits).
  Left-hand bubbles are the other person's, right-hand ones the phone owner's ("self"). The left-hand
  sender is `--sender-left` when given, otherwise the placeholder account "left-hand sender", with one
  warning saying how to name them. Text in the middle is a day label or, if it is not one, a notice from
  the app (kind "system", no sender, with a warning in case a person wrote it).
- **Times** from the time at the bottom of each bubble ("18:42", "6:42 PM"), and **dates** from the day
  labels between messages ("12 March 2024", "Today", "Yesterday", "Tuesday"), carried on to the next
  image until a new label. Only a full date with its year and a bubble's own time give `minute`
  precision; a date with no time gives `day`; everything worked out is `approximate`: a bubble without a
  time takes the last time above it (or the next one below), and a relative label or a missing label
  takes its day from the anchor: the `screenshot_date` value in `Context.learned` (a `date` or
  "YYYY-MM-DD": the day the screenshots were taken, from `--screenshot-date`), else the capture date
  the image states in its metadata (EXIF, PNG, XMP), else a date in the file name
  ("Screenshot_20240312-184201.png"). A file's modification time is never used: copying changes it. A
  missing date is never guessed: with no anchor the import stops and says what to do.
  A bubble whose time is earlier than the one above it on the same day gets `time_out_of_order` and a
  warning: chats run oldest first, so OCR has probably misread a digit.
- **Confidence**: the mean (and lowest) tesseract word confidence of the bubble, in `details`. Below 60
  the record also gets `low_confidence` and a warning asking the person to check it against the image.

Scrolled screenshots overlap: when the first bubbles of an image (after one cut off by the title bar)
repeat the last ones of the image before (side, time and letters alike), they are not stored again, and
an `overlap` warning names them.

Each record's `raw` is the canonical JSON of what OCR read in the bubble, line by line as on screen, and
its box (`details["raw_form"] = "ocr-json"`); `origin.path` is "image 3 bubble 5", counting every text
group on the image from the top, day labels included. Identity is (image SHA-256, bubble number): the same
screenshot imported twice gives the same records, a different screenshot of the same messages does not.

OCR text is a reading, not a copy: expect small errors (`|` for `I`, `0` for `O`), and check anything
that matters against the image. All images are assumed to come from one conversation, in order.

Worker processes are started with `spawn`, so a script that imports stalkproof and parses screenshots
must keep its top-level code under `if __name__ == "__main__":` (the `stalkproof` command does).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from stalkproof.errors import InputError
from stalkproof.ingest.base import (
    Attachment,
    Context,
    Handle,
    Origin,
    Record,
    Survey,
    When,
    survey_by_parsing,
)
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.screenshot_dates import DayLabel, date_in_file_name, read_day_label, stated_date
from stalkproof.ingest.screenshot_layout import Bubble, Layout
from stalkproof.ingest.screenshot_ocr import (
    Job,
    Reading,
    check_engine,
    image_kind,
    ordered_map,
    read_screenshot,
)

PLATFORM = "screenshot"
LEFT_PLACEHOLDER = "left-hand sender"
DATE_OPTION = "screenshot_date"
DEFAULT_THREAD = "screenshots"
LOW_CONFIDENCE = 60.0
MAX_IMAGE_BYTES = 64 * 1024**2
DETECT_MEMBERS = 50
IN_FLIGHT_PER_WORKER = 2

Reader = Callable[[Job], Reading]


@dataclass(frozen=True, slots=True)
class _Image:
    number: int
    member: Member
    kind: str
    sha256: str = ""


class ScreenshotSource:
    """The screenshot source. `workers` defaults to one per core; `reader` is the per-image OCR function
    (it must be importable by name, as worker processes look it up so)."""

    name = "screenshot"
    label = "chat screenshots (OCR)"
    version = "1"

    def __init__(self, workers: int | None = None, reader: Reader = read_screenshot) -> None:
        self.workers = workers
        self.reader = reader

    def detect(self, inp: Input) -> float:
        # An image could be a screenshot of anything: never sure enough to be chosen without --source.
        members = inp.members[:DETECT_MEMBERS]
        return 0.3 if any(image_kind(member.head(16)) for member in members) else 0.0

    def survey(self, inp: Input, ctx: Context) -> Survey:
        survey = survey_by_parsing(self, inp, ctx)
        survey.facts["images"] = sum(1 for member in inp.members if image_kind(member.head(16)))
        survey.facts["ocr_engine"] = check_engine(ctx.ocr_lang)
        return survey

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        images = _images(inp, ctx)
        engine = check_engine(ctx.ocr_lang)
        conversation = _Conversation(inp, ctx, engine)
        workers = max(1, min(self.workers or os.cpu_count() or 1, len(images)))
        jobs = ((image, Job(data, ctx.ocr_lang)) for image, data in _loaded(images))
        for image, reading in ordered_map(self.reader, jobs, workers, IN_FLIGHT_PER_WORKER * workers):
            yield from conversation.records(image, reading)


SOURCE = ScreenshotSource()


def _images(inp: Input, ctx: Context) -> list[_Image]:
    """The PNG and JPEG members in name order. Anything else is named in a warning (or refused, when it
    is the only file)."""
    images: list[_Image] = []
    for member in sorted(inp.members, key=lambda member: _natural(member.name)):
        kind = image_kind(member.head(16))
        if inp.kind == "file" and kind is None:
            message = (
                "this is not a PNG or JPEG image; stalkproof reads chat screenshots saved as PNG or JPEG."
            )
            raise InputError(message, inp.where(member))
        if kind is None:
            reason = "This file is not a PNG or JPEG image, so it was not read as a screenshot."
            ctx.warn("not_an_image", member.name, None, member.name, reason)
        elif member.size > MAX_IMAGE_BYTES:
            size = f"{member.size / 1024**2:,.0f} MiB"
            reason = f"This image is {size}, far larger than a screenshot, so it was not read."
            ctx.warn("image_too_large", member.name, None, member.name, reason)
        else:
            images.append(_Image(len(images) + 1, member, kind))
    if not images:
        raise InputError("there are no PNG or JPEG screenshots in this.", inp.name)
    return images


def _natural(name: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name.lower())]


def _loaded(images: list[_Image]) -> Iterator[tuple[_Image, bytes]]:
    for image in images:
        with image.member.open() as stream:
            data = stream.read(MAX_IMAGE_BYTES)
        yield _Image(image.number, image.member, image.kind, hashlib.sha256(data).hexdigest()), data


@dataclass
class _Page:
    """The image being read and the day it was taken, when known (see `_Conversation._anchor`)."""

    image: _Image
    anchor: date | None
    anchor_from: str
    told_date: bool = False


@dataclass
class _Day:
    """The day the bubbles being read are on, and where that came from."""

    day: date | None = None
    exact: bool = False
    found: str = ""
    source: str = ""


class _Conversation:
    """Reads the images' layouts in order into records, carrying the day and the last time from one
    image to the next."""

    def __init__(self, inp: Input, ctx: Context, engine: str) -> None:
        self.inp, self.ctx, self.engine = inp, ctx, engine
        self.option = _date_option(ctx)
        self.me = Handle(PLATFORM, "self", ctx.me)
        named = ctx.sender_left
        self.left = Handle(PLATFORM, normalise(PLATFORM, named) if named else LEFT_PLACEHOLDER, named)
        self.thread = ctx.chat or named or DEFAULT_THREAD
        self.day = _Day()
        self.clock: tuple[int, int] | None = None  # the last time read, for bubbles without one
        self.last_own: tuple[int, int] | None = None  # the last time a bubble showed, on this day
        self.told_unnamed = named is not None
        self.previous: list[tuple[str, str, str]] = []  # the previous image's bubbles, to find overlaps

    def records(self, image: _Image, reading: Reading) -> Iterator[Record]:
        if reading.layout is None:
            self.previous = []
            self._unreadable(image, reading.error or "it could not be read")
            return
        layout = reading.layout
        if not layout.bubbles:
            self.previous = []
            reason = (
                f"Image {image.number}: no chat messages were found in this image; if it shows any, check "
                "that the text is not too small or faint to read."
            )
            self.ctx.warn("no_messages", image.member.name, None, layout.header, reason)
            return
        page = _Page(image, *self._anchor(image, reading))
        labels = [self._label(bubble, page.anchor) for bubble in layout.bubbles]
        ahead = _times_ahead(layout.bubbles, labels)
        below = _days_below(labels)
        repeated = self._repeated(image, layout.bubbles)
        for index, (bubble, label) in enumerate(zip(layout.bubbles, labels, strict=True)):
            if label is not None:
                self._new_day(label, image, index + 1)
                continue
            if index in repeated:
                self.clock = self.last_own = bubble.clock or self.clock
                continue
            backwards = self._backwards(bubble, image, index + 1)
            when, details = self._when(bubble, page, ahead[index], below[index])
            record = self._record(image, index + 1, bubble, when, details, layout)
            yield replace(record, markers=record.markers | {"time_out_of_order"}) if backwards else record

    def _backwards(self, bubble: Bubble, image: _Image, index: int) -> bool:
        """Whether the bubble's time is earlier than the one above it on the same day. Chats run oldest
        first, so OCR has probably misread one of the two (0 and 9, 1 and 7 look alike in small print)."""
        own, above = bubble.clock, self.last_own
        if own is not None:
            self.last_own = own
        if own is None or above is None or own >= above:
            return False
        reason = (
            f"Image {image.number}, bubble {index}: its time ({bubble.time}) is earlier than that of the "
            f"message above it ({above[0]:02d}:{above[1]:02d}), so OCR may have misread one of them; check "
            "both against the screenshot."
        )
        self.ctx.warn("time_out_of_order", image.member.name, None, bubble.reading, reason)
        return True

    def _repeated(self, image: _Image, bubbles: tuple[Bubble, ...]) -> range:
        """The bubbles at the top of this image that repeat the bottom of the previous one: people scroll
        a little less than a screen between screenshots. They are left out, with a warning naming them."""
        keys = [_key(bubble) for bubble in bubbles]
        previous, self.previous = self.previous, keys
        start, count = _overlap(previous, keys)
        if count == 0:
            return range(0)
        shown = " / ".join(
            f"'{bubbles[index].text}'" for index in range(start, start + count) if keys[index][2]
        )
        reason = (
            f"Image {image.number}: the first {count} bubble(s) repeat the end of image {image.number - 1} "
            f"(the screenshots overlap), so they were not stored twice: {shown}. If these really were sent "
            "twice, check the screenshots."
        )
        raw = "\n".join(bubbles[index].reading for index in range(start, start + count))
        self.ctx.warn("overlap", image.member.name, None, raw, reason)
        return range(start, start + count)

    def _unreadable(self, image: _Image, error: str) -> None:
        if self.inp.kind == "file":
            raise InputError(f"this image cannot be read: {error}.", self.inp.where(image.member))
        reason = f"Image {image.number} could not be read: {error}. It was left out; check the file."
        self.ctx.warn("unreadable_image", image.member.name, None, image.member.name, reason)

    def _anchor(self, image: _Image, reading: Reading) -> tuple[date | None, str]:
        if self.option is not None:
            return self.option, f"the {DATE_OPTION} option"
        stated = stated_date(reading.captured) if reading.captured else None
        if stated is not None:
            return stated, f"the image's {reading.captured_from}"
        named = date_in_file_name(image.member.basename)
        if named is not None:
            return named, "the file name"
        return None, ""

    def _label(self, bubble: Bubble, anchor: date | None) -> DayLabel | None:
        if bubble.side != "middle":
            return None
        return read_day_label(bubble.reading.replace("\n", " "), anchor, self.ctx.date_order)

    def _new_day(self, label: DayLabel, image: _Image, index: int) -> None:
        where = f"image {image.number}"
        self.day = _Day(label.day, label.exact, label.found, f"the day label '{label.found}' in {where}")
        self.clock = self.last_own = label.clock
        if label.problem is not None:
            reason = (
                f"Image {image.number}, bubble {index}: the day label '{label.found}' could not be turned "
                f"into a date because {label.problem}; the messages under it take their date from elsewhere "
                "and are marked approximate."
            )
            self.ctx.warn("day_label_unclear", image.member.name, None, label.found, reason)

    def _when(
        self, bubble: Bubble, page: _Page, later: tuple[int, int] | None, below: DayLabel | None
    ) -> tuple[When, dict[str, object]]:
        """The bubble's time: its own, else the last one above it, else the next one below it; on the day
        of the last day label, else (approximate) the day of the next label below, else the anchor."""
        own = bubble.clock
        clock, time_from = _clock(own, self.clock, later)
        if own is not None:
            self.clock = own
        day, exact, date_from = self.day.day, self.day.exact, self.day.source
        if day is None:
            day, exact, date_from = self._fallback_day(page, below, bubble)
        at = datetime.combine(day, time(*clock) if clock else time())
        exact_time = own is not None
        precision = "minute" if exact and exact_time else "day" if exact and clock is None else "approximate"
        found = " ".join(part for part in (self.day.found if self.day.day else "", bubble.time or "") if part)
        return When(at, precision, found), {"time_from": time_from, "date_from": date_from}

    def _fallback_day(self, page: _Page, below: DayLabel | None, bubble: Bubble) -> tuple[date, bool, str]:
        image, anchor, anchor_from = page.image, page.anchor, page.anchor_from
        if below is not None and below.day is not None:
            # Chats run oldest first, so this bubble is from that day or earlier.
            anchor, anchor_from = below.day, f"the day label '{below.found}' below it (or earlier)"
        if anchor is None:
            label = f" (its day label '{self.day.found}' is not enough)" if self.day.found else ""
            raise InputError(
                f"image {image.number} shows messages but not which day they were sent{label}, and neither "
                "the image nor its file name says when it was taken; import again saying which day the "
                "screenshots were taken (--screenshot-date YYYY-MM-DD).",
                self.inp.where(image.member),
            )
        if not page.told_date:
            page.told_date = True
            reason = (
                f"Image {image.number}: some messages are not under a day label, so their date "
                f"{anchor.isoformat()} was taken from {anchor_from} and is marked approximate; check the "
                "dates on the phone."
            )
            self.ctx.warn("date_unknown", image.member.name, None, bubble.reading, reason)
        return anchor, False, anchor_from

    def _record(
        self,
        image: _Image,
        index: int,
        bubble: Bubble,
        when: When,
        details: dict[str, object],
        layout: Layout,
    ) -> Record:
        place = f"image {image.number} bubble {index}"
        raw = _canonical({"box": list(bubble.box), "text": bubble.reading})
        mean, lowest = bubble.confidence
        markers = {"ocr"}
        if mean < LOW_CONFIDENCE:
            markers.add("low_confidence")
            reason = (
                f"Image {image.number}, bubble {index}: this text was read with low confidence ({mean:.0f} "
                "out of 100) and may be wrong; check it against the screenshot, which is kept with it."
            )
            self.ctx.warn("low_confidence", image.member.name, None, bubble.reading, reason)
        details |= {
            "raw_form": "ocr-json",
            "ocr_confidence": round(mean, 1),
            "ocr_confidence_min": round(lowest, 1),
            "box": list(bubble.box),
            "side": bubble.side,
            "image": image.number,
            "bubble": index,
            "image_sha256": image.sha256,
            "ocr_engine": self.engine,
            "ocr_lang": self.ctx.ocr_lang,
        }
        if bubble.time_reread:
            details["time_read_again"] = True  # the first reading was impossible; see screenshot_ocr.py
        if layout.header:
            details["title_bar_text"] = layout.header
        sender, recipients, kind = self._parties(bubble, image, index, layout)
        text = bubble.text or None
        if text is None:
            self._no_text(bubble, image, index)
        return Record(
            kind=kind,
            channel=PLATFORM,
            when=when,
            thread=self.thread,
            sender=sender,
            recipients=recipients,
            text=text,
            origin=Origin(
                "" if self.inp.kind == "file" else image.member.name, None, len(raw), None, None, place
            ),
            raw=raw,
            identity=(image.sha256, index),
            attachments=(
                Attachment(image.member.basename, "attached", image.member.name, mime=f"image/{image.kind}"),
            ),
            markers=frozenset(markers),
            details=details,
        )

    def _parties(
        self, bubble: Bubble, image: _Image, index: int, layout: Layout
    ) -> tuple[Handle | None, tuple[Handle, ...], str]:
        if bubble.side == "right":
            return self.me, (self.left,), "message"
        if bubble.side == "left":
            self._tell_unnamed(image, layout)
            return self.left, (self.me,), "message"
        reason = (
            f"Image {image.number}, bubble {index}: this text is in the middle of the screen, where apps put "
            "their own notices, so it was kept as a notice with no sender; if a person wrote it, check it "
            "against the screenshot."
        )
        self.ctx.warn("side_unknown", image.member.name, None, bubble.reading, reason)
        return None, (), "system"

    def _tell_unnamed(self, image: _Image, layout: Layout) -> None:
        if self.told_unnamed:
            return
        self.told_unnamed = True
        title = f" (the top of image {image.number} reads '{layout.header}')" if layout.header else ""
        reason = (
            f"The screenshots do not say who wrote the messages on the left{title}, so they were stored as "
            f"'{LEFT_PLACEHOLDER}'; import again with --sender-left NAME, or link that account to a person "
            "with 'stalkproof party link'."
        )
        self.ctx.warn("sender_unnamed", image.member.name, None, layout.header, reason)

    def _no_text(self, bubble: Bubble, image: _Image, index: int) -> None:
        reason = (
            f"Image {image.number}, bubble {index}: only a time ({bubble.time}) could be read here, so "
            "who sent it was judged from where the time is; it may be a photo, a sticker or text too faint "
            "to read. Check it against the screenshot."
        )
        self.ctx.warn("no_text", image.member.name, None, bubble.reading, reason)


def _clock(
    own: tuple[int, int] | None, earlier: tuple[int, int] | None, later: tuple[int, int] | None
) -> tuple[tuple[int, int] | None, str | None]:
    if own is not None:
        return own, "bubble"
    if earlier is not None:
        return earlier, "an earlier bubble"
    if later is not None:
        return later, "a later bubble"
    return None, None


def _times_ahead(bubbles: tuple[Bubble, ...], labels: list[DayLabel | None]) -> list[tuple[int, int] | None]:
    """For each bubble, the first time shown at or below it before the next day label."""
    ahead: list[tuple[int, int] | None] = [None] * len(bubbles)
    following: tuple[int, int] | None = None
    for index in range(len(bubbles) - 1, -1, -1):
        if labels[index] is not None:
            following = None
            continue
        own = bubbles[index].clock
        following = own or following
        ahead[index] = following
    return ahead


def _days_below(labels: list[DayLabel | None]) -> list[DayLabel | None]:
    """For each bubble, the first day label under it that names a date."""
    below: list[DayLabel | None] = [None] * len(labels)
    following: DayLabel | None = None
    for index in range(len(labels) - 1, -1, -1):
        below[index] = following
        label = labels[index]
        if label is not None and label.day is not None:
            following = label
    return below


def _key(bubble: Bubble) -> tuple[str, str, str]:
    # OCR of the same bubble at another height on the screen can differ in case and punctuation.
    return bubble.side, bubble.time or "", "".join(char for char in bubble.text.lower() if char.isalnum())


def _overlap(previous: list[tuple[str, str, str]], current: list[tuple[str, str, str]]) -> tuple[int, int]:
    """(start, count) of the longest run of `current`, from its first or second bubble (the first may be
    cut off by the title bar), equal to the end of `previous` or the end less its last (cut off by the
    typing box) bubble, holding at least one bubble with a time."""
    best = (0, 0)
    for start in (0, 1):
        for cut in (0, 1):
            end = len(previous) - cut
            for count in range(min(end, len(current) - start), best[1], -1):
                run = current[start : start + count]
                if run == previous[end - count : end] and any(key[1] for key in run):
                    best = (start, count)
                    break
    return best


def _date_option(ctx: Context) -> date | None:
    value = ctx.learned.get(DATE_OPTION)
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"the screenshot date '{value}' is not a date like 2024-03-12.") from None


def _canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
