"""From OCR words to chat bubbles: the layout half of the screenshot source.

Tesseract gives words with boxes and confidences; a chat screenshot needs bubbles with a side. The rules
here are deliberately simple, so that a person can follow why a bubble was read the way it was:

1. On a portrait (phone) image, words whose centre lies in the top 10% are the status bar and the chat's
   title bar, and words in the bottom 8% are the typing box. They are not messages; their text is kept as
   the image's `header` and `footer`.
2. Tesseract's lines are sorted top to bottom, and lines that share most of their height become one row
   (a message and the small time beside it are often found as two lines).
3. Rows join the bubble above them while the gap between them is smaller than 1.2 times the typical word
   height, their horizontal spans overlap, and the bubble above has not already ended with a time
   ("18:42", "6:42 PM"), which apps draw at the bottom of each bubble.
4. A bubble's side comes from the centre of its words: left of 45% of the image width is the left-hand
   sender, right of 55% is the phone's owner, in between is the middle, where apps put day labels and
   their own notices. A bubble where only a time could be read is the owner's when the time reaches
   the right-hand 15% of the screen, else the other person's.

What it cannot do: tell a line break the sender typed from one the app made to wrap a long message (rows
are joined with spaces in the text), read bubbles whose text touches the edge of the screen, separate two
bubbles that touch, or read pictures, stickers and emoji.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Literal

Side = Literal["left", "right", "middle"]
Box = tuple[int, int, int, int]

HEADER_SHARE = 0.10
FOOTER_SHARE = 0.08
PORTRAIT = 1.5  # height / width from which an image is taken to be a whole phone screen
JOIN_GAP = 1.2  # times the typical word height
LEFT_OF = 0.45
RIGHT_OF = 0.55
TIME_ALONE_RIGHT = 0.85
SAME_ROW = 0.5  # share of the smaller height two lines must share to be one row

# A time as chat apps draw it, allowing for OCR reading the colon as "." or "-" and "1" as "i", "l", "I" or
# "|"; hours and minutes are checked when the time is resolved.
_TIME = re.compile(r"^([0-9iIl|]{1,2})[:.\-]([0-9oO]{2})(?:\s?([AaPp])\.?[Mm]\.?)?$")
_MERIDIEM = re.compile(r"^[AaPp]\.?[Mm]\.?$")


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    left: int
    top: int
    right: int
    bottom: int
    conf: float


@dataclass(frozen=True, slots=True)
class Bubble:
    """A group of rows read as one bubble. `rows` hold the words top to bottom, left to right; `time` is
    the trailing time exactly as read ("18:42", "6:42 PM"), left out of `text`."""

    rows: tuple[tuple[Word, ...], ...]
    box: Box
    side: Side
    time: str | None
    time_reread: bool = False  # the time came out impossible and was read again (screenshot_ocr.py)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(word for row in self.rows for word in row)

    @property
    def reading(self) -> str:
        """Everything read in the bubble, a line per row, exactly as OCR gave it."""
        return "\n".join(" ".join(word.text for word in row) for row in self.rows)

    @property
    def text(self) -> str:
        """The message without its time; rows joined with spaces, a lone "|" read as "I" (in sans-serif
        fonts the two look the same and "I" is far more common in chat)."""
        words = list(self.words)
        if self.time is not None:
            del words[-len(self.time.split(" ")) :]
        return " ".join("I" if word.text == "|" else word.text for word in words)

    @property
    def time_box(self) -> Box:
        """Where the time is on the screen."""
        return _box([self.rows[-1][-len((self.time or "").split(" ")) :]])

    def with_time(self, reading: Word) -> Bubble:
        """This bubble with its time words replaced by another reading of them."""
        kept = self.rows[-1][: -len((self.time or "").split(" "))]
        rows = (*self.rows[:-1], (*kept, reading))
        return Bubble(rows, self.box, self.side, reading.text, time_reread=True)

    @property
    def clock(self) -> tuple[int, int] | None:
        """The bubble's own time as (hour, minute), when it shows a possible one."""
        return parse_time(self.time) if self.time is not None else None

    @property
    def confidence(self) -> tuple[float, float]:
        """Mean and lowest word confidence, 0..100."""
        confs = [word.conf for word in self.words]
        return statistics.fmean(confs), min(confs)


@dataclass(frozen=True, slots=True)
class Layout:
    width: int
    height: int
    bubbles: tuple[Bubble, ...]
    header: str
    footer: str


def lines_from_tsv(tsv: str) -> list[tuple[tuple[int, int, int], Word]]:
    """(tesseract line key, word) for every recognised word in TSV output."""
    found: list[tuple[tuple[int, int, int], Word]] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t", 11)
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        left, top, width, height = (int(cell) for cell in cells[6:10])
        key = (int(cells[2]), int(cells[3]), int(cells[4]))
        found.append((key, Word(cells[11].strip(), left, top, left + width, top + height, float(cells[10]))))
    return found


def lay_out(words_by_line: list[tuple[tuple[int, int, int], Word]], width: int, height: int) -> Layout:
    """Bubbles, header and footer from the words of one image."""
    header: list[Word] = []
    footer: list[Word] = []
    lines: dict[tuple[int, int, int], list[Word]] = {}
    portrait = height >= PORTRAIT * width
    for key, word in words_by_line:
        middle = (word.top + word.bottom) / 2
        if portrait and middle < HEADER_SHARE * height:
            header.append(word)
        elif portrait and middle > (1 - FOOTER_SHARE) * height:
            footer.append(word)
        else:
            lines.setdefault(key, []).append(word)
    rows = _rows(list(lines.values()))
    bubbles = _bubbles(rows, width)
    return Layout(width, height, tuple(bubbles), _plain(header), _plain(footer))


def trailing_time(row: tuple[Word, ...]) -> str | None:
    """The time at the end of a row, as read ("18:42", "6:42 PM"), or None."""
    if len(row) >= 2 and _MERIDIEM.match(row[-1].text) and _TIME.match(row[-2].text):
        return f"{row[-2].text} {row[-1].text}"
    if row and _TIME.match(row[-1].text):
        return row[-1].text
    return None


def parse_time(found: str) -> tuple[int, int] | None:
    """(hour, minute) from a time as read, or None when it is not a possible time."""
    match = _TIME.match(found)
    if match is None:
        return None
    ones = str.maketrans("iIl|oO", "111100")
    hour, minute = int(match[1].translate(ones)), int(match[2].translate(ones))
    if match[3] is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[3] in "Pp" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def _plain(words: list[Word]) -> str:
    return " ".join(word.text for word in sorted(words, key=lambda word: (word.top, word.left)))


def _rows(lines: list[list[Word]]) -> list[tuple[Word, ...]]:
    spans = sorted(
        ((min(w.top for w in line), max(w.bottom for w in line), line) for line in lines),
        key=lambda span: span[:2],
    )
    rows: list[tuple[int, int, list[Word]]] = []
    for top, bottom, line in spans:
        if rows:
            row_top, row_bottom, words = rows[-1]
            shared = min(bottom, row_bottom) - max(top, row_top)
            if shared >= SAME_ROW * min(bottom - top, row_bottom - row_top):
                rows[-1] = (row_top, max(bottom, row_bottom), words + line)
                continue
        rows.append((top, bottom, list(line)))
    return [tuple(sorted(words, key=lambda word: word.left)) for _, _, words in rows]


def _bubbles(rows: list[tuple[Word, ...]], width: int) -> list[Bubble]:
    if not rows:
        return []
    unit = statistics.median(word.bottom - word.top for row in rows for word in row)
    groups: list[list[tuple[Word, ...]]] = []
    for row in rows:
        if groups and _joins(groups[-1], row, unit):
            groups[-1].append(row)
        else:
            groups.append([row])
    return [_bubble(group, width) for group in groups]


def _joins(group: list[tuple[Word, ...]], row: tuple[Word, ...], unit: float) -> bool:
    if trailing_time(group[-1]) is not None:
        return False
    left, _, right, bottom = _box(group)
    gap = min(word.top for word in row) - bottom
    overlaps = min(word.left for word in row) < right and max(word.right for word in row) > left
    return gap < JOIN_GAP * unit and overlaps


def _box(rows: list[tuple[Word, ...]]) -> Box:
    words = [word for row in rows for word in row]
    return (
        min(word.left for word in words),
        min(word.top for word in words),
        max(word.right for word in words),
        max(word.bottom for word in words),
    )


def _bubble(rows: list[tuple[Word, ...]], width: int) -> Bubble:
    box = _box(rows)
    time = trailing_time(rows[-1])
    only_time = time is not None and len(rows) == 1 and len(rows[0]) == len(time.split(" "))
    return Bubble(tuple(rows), box, _side(box, width, only_time), time)


def _side(box: Box, width: int, only_time: bool) -> Side:
    if only_time:
        # A time alone (on a photo, a sticker, or text too faint to read) sits at the bottom right of
        # its bubble whichever side the bubble is on, wherever that is: only the owner's reach the
        # right-hand margin.
        return "right" if box[2] / width > TIME_ALONE_RIGHT else "left"
    centre = (box[0] + box[2]) / 2 / width
    return "left" if centre < LEFT_OF else "right" if centre > RIGHT_OF else "middle"
