"""Synthetic chat screenshots: phone-shaped PNG images of a fictional conversation, drawn with Pillow.

They look like a generic messaging app: a status bar and a title bar at the top, a typing box at the
bottom, the other person's bubbles on the left, the phone owner's on the right, a time at the bottom right
of each bubble and centred day labels and notices. A conversation longer than one screen continues on the
next image, as a person scrolling and taking screenshot after screenshot would make; `overlap` repeats the
last bubbles of one screen at the top of the next, as real scrolled screenshots do.

Three looks: `LIGHT` and `DARK` (green-grey bubbles) and `BLUE` (white text on blue for the owner).
`degraded` turns a screenshot into the blurry JPEG that forwarding through apps makes of it.

The text is drawn with DejaVu Sans (Debian's `fonts-dejavu-core`), or Pillow's built-in font where that is
missing. `RenderedScreen.items` records what each image shows and where, so tests can compare what OCR
reads with what was drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

Side = Literal["left", "right"]
Colour = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
STATUS_BAR = 0.04  # shares of the screen height, about what Android and iOS use
TITLE_BAR = 0.07
TYPING_BAR = 0.07
MAX_BUBBLE_WIDTH = 0.72  # share of the screen width
_FAINT = 0.12  # how far a faint bubble's text is from its fill towards the ink


@dataclass(frozen=True, slots=True)
class Bubble:
    """A message. `time` is drawn as given ("18:42", "6:42 PM"); `faint` draws the text in a colour barely
    different from the bubble's, so that OCR finds only the time."""

    side: Side
    text: str
    time: str | None = None
    faint: bool = False


@dataclass(frozen=True, slots=True)
class DayLabel:
    """The centred date between days: "Today", "Yesterday", "12 March 2024"."""

    text: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A centred notice from the app itself ("Messages are end-to-end encrypted")."""

    text: str


Item = Bubble | DayLabel | Notice


@dataclass(frozen=True, slots=True)
class Theme:
    background: Colour
    left_fill: Colour
    right_fill: Colour
    text: Colour
    time: Colour
    label_fill: Colour
    bars: Colour
    bar_text: Colour
    right_text: Colour | None = None  # when the owner's bubbles use other colours (white on blue)
    right_time: Colour | None = None


LIGHT = Theme(
    background=(236, 229, 221),
    left_fill=(255, 255, 255),
    right_fill=(220, 248, 198),
    text=(17, 27, 33),
    time=(102, 119, 129),
    label_fill=(225, 242, 251),
    bars=(0, 128, 105),
    bar_text=(255, 255, 255),
)
DARK = Theme(
    background=(11, 20, 26),
    left_fill=(32, 44, 51),
    right_fill=(0, 92, 75),
    text=(233, 237, 239),
    time=(170, 185, 193),
    label_fill=(24, 34, 41),
    bars=(32, 44, 51),
    bar_text=(233, 237, 239),
)


BLUE = Theme(
    background=(255, 255, 255),
    left_fill=(233, 233, 235),
    right_fill=(0, 122, 255),
    text=(0, 0, 0),
    time=(110, 110, 115),
    label_fill=(255, 255, 255),
    bars=(246, 246, 246),
    bar_text=(0, 0, 0),
    right_text=(255, 255, 255),
    right_time=(214, 232, 255),
)


@dataclass(frozen=True, slots=True)
class Screen:
    """The phone: size in pixels, the chat title in the title bar, the clock in the status bar."""

    width: int = 720
    height: int = 1560
    title: str = "Sam Carter"
    clock: str = "18:45"
    theme: Theme = LIGHT

    @property
    def font_size(self) -> int:
        return max(12, self.width // 26)


@dataclass(frozen=True, slots=True)
class Placed:
    """An item as drawn on one image, with its box (left, top, right, bottom) in pixels."""

    item: Item
    box: tuple[int, int, int, int]


@dataclass
class RenderedScreen:
    png: bytes
    items: list[Placed] = field(default_factory=list)


def render_screens(
    items: Sequence[Item], screen: Screen = Screen(), overlap: int = 0
) -> list[RenderedScreen]:
    """Draw the conversation on as many screens as it needs, in order. `overlap` is how many items from
    the bottom of one screen are drawn again at the top of the next."""
    fonts = _Fonts.for_size(screen.font_size)
    heights = [_item_height(item, screen, fonts) for item in items]
    screens: list[RenderedScreen] = []
    start = 0
    while start < len(items):
        end = _fill(heights, start, screen)
        screens.append(_draw(items[start:end], screen, fonts))
        if end >= len(items):
            break
        start = max(end - overlap, start + 1)
    return screens


def write_screens(
    folder: Path, items: Sequence[Item], screen: Screen = Screen(), overlap: int = 0, stem: str = "Screenshot"
) -> list[Path]:
    """Render and write the screens as `<stem>_01.png`, `<stem>_02.png`... in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, rendered in enumerate(render_screens(items, screen, overlap), start=1):
        path = folder / f"{stem}_{number:02d}.png"
        path.write_bytes(rendered.png)
        paths.append(path)
    return paths


def degraded(png: bytes, scale: float = 0.5, quality: int = 3) -> bytes:
    """The screenshot shrunk and saved as a poor JPEG, as after being forwarded through apps that
    recompress images: hard for OCR, so it reads with low confidence."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def sample_conversation() -> list[Item]:
    """A short fictional conversation spanning two days, for the demo and the tests."""
    return [
        Notice("Messages are end-to-end encrypted"),
        DayLabel("12 March 2024"),
        Bubble("left", "Hi, it's Sam. Are you home tonight?", "18:40"),
        Bubble("right", "Please stop messaging me.", "18:42"),
        Bubble("left", "I only want to talk. I saw your car outside the library.", "18:43"),
        Bubble("left", "Answer me", "18:50"),
        DayLabel("13 March 2024"),
        Bubble("left", "Why are you ignoring me?", "07:15"),
        Bubble("right", "I have asked you not to contact me again.", "07:31"),
    ]


@dataclass(frozen=True, slots=True)
class _Fonts:
    body: Font
    small: Font
    line_height: int
    small_height: int

    @staticmethod
    @cache
    def for_size(size: int) -> _Fonts:
        body, small = _font(size), _font(size * 3 // 4)
        return _Fonts(body, small, round(size * 1.3), round(size * 1.0))


def _font(size: int) -> Font:
    for path in FONT_PATHS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _pad(screen: Screen) -> int:
    return screen.font_size // 2


def _top(screen: Screen) -> int:
    return round(screen.height * (STATUS_BAR + TITLE_BAR))


def _bottom(screen: Screen) -> int:
    return round(screen.height * (1 - TYPING_BAR))


def _gap(screen: Screen) -> int:
    return screen.font_size * 2 // 3


def _fill(heights: list[int], start: int, screen: Screen) -> int:
    """The end of the run of items from `start` that fits on one screen (always at least one)."""
    room = _bottom(screen) - _top(screen) - _gap(screen)
    end = start
    while end < len(heights) and (room >= heights[end] + _gap(screen) or end == start):
        room -= heights[end] + _gap(screen)
        end += 1
    return end


def _wrap(text: str, font: Font, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and font.getlength(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _bubble_lines(bubble: Bubble, screen: Screen, fonts: _Fonts) -> tuple[list[str], bool]:
    """The wrapped text lines, and whether the time needs a line of its own."""
    inner = int(screen.width * MAX_BUBBLE_WIDTH) - 2 * _pad(screen)
    lines = _wrap(bubble.text, fonts.body, inner)
    if bubble.time is None:
        return lines, False
    room_for_time = fonts.small.getlength(bubble.time) + screen.font_size
    return lines, fonts.body.getlength(lines[-1]) + room_for_time > inner


def _item_height(item: Item, screen: Screen, fonts: _Fonts) -> int:
    if not isinstance(item, Bubble):
        return fonts.line_height + 2 * _pad(screen) // 2
    lines, time_line = _bubble_lines(item, screen, fonts)
    return len(lines) * fonts.line_height + (fonts.small_height if time_line else 0) + 2 * _pad(screen)


def _draw(items: Sequence[Item], screen: Screen, fonts: _Fonts) -> RenderedScreen:
    theme = screen.theme
    image = Image.new("RGB", (screen.width, screen.height), theme.background)
    draw = ImageDraw.Draw(image)
    _draw_bars(draw, screen, fonts)
    rendered = RenderedScreen(b"")
    y = _top(screen) + _gap(screen)
    for item in items:
        height = _item_height(item, screen, fonts)
        if isinstance(item, Bubble):
            box = _draw_bubble(draw, item, y, screen, fonts)
        else:
            box = _draw_label(draw, item.text, y, screen, fonts, isinstance(item, DayLabel))
        rendered.items.append(Placed(item, box))
        y += height + _gap(screen)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    rendered.png = buffer.getvalue()
    return rendered


def _draw_bars(draw: ImageDraw.ImageDraw, screen: Screen, fonts: _Fonts) -> None:
    theme, width, pad = screen.theme, screen.width, _pad(screen)
    status_bottom, title_bottom = round(screen.height * STATUS_BAR), _top(screen)
    draw.rectangle((0, 0, width, title_bottom), fill=theme.bars)
    draw.text((pad, status_bottom // 2), screen.clock, font=fonts.small, fill=theme.bar_text, anchor="lm")
    draw.text((width - pad, status_bottom // 2), "85%", font=fonts.small, fill=theme.bar_text, anchor="rm")
    title_middle = (status_bottom + title_bottom) // 2
    draw.text((pad * 3, title_middle), screen.title, font=fonts.body, fill=theme.bar_text, anchor="lm")
    typing_top = _bottom(screen)
    draw.rectangle((0, typing_top, width, screen.height), fill=theme.background)
    draw.rounded_rectangle(
        (pad, typing_top + pad, width - pad, screen.height - pad), radius=pad * 2, fill=theme.left_fill
    )
    draw.text(
        (pad * 3, (typing_top + screen.height) // 2), "Message", font=fonts.body, fill=theme.time, anchor="lm"
    )


def _draw_bubble(
    draw: ImageDraw.ImageDraw, bubble: Bubble, top: int, screen: Screen, fonts: _Fonts
) -> tuple[int, int, int, int]:
    theme, pad = screen.theme, _pad(screen)
    lines, time_line = _bubble_lines(bubble, screen, fonts)
    text_width = max(fonts.body.getlength(line) for line in lines)
    if bubble.time is not None:
        time_width = fonts.small.getlength(bubble.time)
        last = fonts.body.getlength(lines[-1]) + (0 if time_line else time_width + screen.font_size)
        text_width = max(text_width, last, time_width)
    width = int(text_width) + 2 * pad
    height = _item_height(bubble, screen, fonts)
    margin = screen.width // 30
    left = margin if bubble.side == "left" else screen.width - margin - width
    fill = theme.left_fill if bubble.side == "left" else theme.right_fill
    box = (left, top, left + width, top + height)
    draw.rounded_rectangle(box, radius=pad, fill=fill)
    text, time = theme.text, theme.time
    if bubble.side == "right":
        text, time = theme.right_text or text, theme.right_time or time
    ink = _faint(text, fill) if bubble.faint else text
    for number, line in enumerate(lines):
        draw.text((left + pad, top + pad + number * fonts.line_height), line, font=fonts.body, fill=ink)
    if bubble.time is not None:
        baseline = top + height - pad
        draw.text((left + width - pad, baseline), bubble.time, font=fonts.small, fill=time, anchor="rd")
    return box


def _draw_label(
    draw: ImageDraw.ImageDraw, text: str, top: int, screen: Screen, fonts: _Fonts, day: bool
) -> tuple[int, int, int, int]:
    theme, pad = screen.theme, _pad(screen)
    font = fonts.small if not day else fonts.body
    width = int(font.getlength(text)) + 2 * pad
    height = fonts.line_height + pad
    left = (screen.width - width) // 2
    box = (left, top, left + width, top + height)
    draw.rounded_rectangle(box, radius=pad, fill=theme.label_fill)
    draw.text((screen.width // 2, top + height // 2), text, font=font, fill=theme.time, anchor="mm")
    return box


def _faint(ink: Colour, fill: Colour) -> Colour:
    # An eighth of the way from the bubble colour to the ink: a person who looks closely can read it,
    # tesseract does not.
    red, green, blue = (round(f + (i - f) * _FAINT) for i, f in zip(ink, fill, strict=True))
    return red, green, blue
