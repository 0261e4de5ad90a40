"""Static charts of a case's pattern, for printed reports (PNG) and the web app (SVG).

Each chart takes plain data (dates and counts), so it does not depend on how the numbers were worked out,
and returns a `matplotlib.figure.Figure` built directly, never through pyplot: pyplot keeps figures in
process-wide state, which a web server answering several requests at once must not share.

Matplotlib's style settings (`rcParams`) are still process-wide. The charts need a few of them (the font,
and a fixed salt so SVG ids, and so the bytes, are the same on every run), and some are read only when a
figure is drawn, so building and rendering both hold one lock and apply those settings just for that
time. Charts are sized for an A4 page, use a palette that colour-blind readers can tell apart (Okabe and
Ito), and never let colour alone carry meaning: hatching, markers and line styles say it too, so a
black-and-white print still reads.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import numpy.typing as npt
from matplotlib import dates as mdates
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, MaxNLocator

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

FORMATS = ("png", "svg")
DPI = 150
WIDTH_INCHES = 7.0
HEIGHT_INCHES = 3.2
NOTHING_TO_SHOW = "Nothing to show yet"
WEEKLY_AFTER_DAYS = 180  # longer spans are drawn as weekly bars, or daily bars would be hairlines
MAX_ACCOUNT_ROWS = 25
MAX_CHANNELS = 7  # beyond this the smallest channels share one "Other channels" band

# Okabe and Ito's palette: distinguishable with the common forms of colour blindness.
BLUE = "#0072B2"
SKY_BLUE = "#56B4E9"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
GREY = "#999999"
INK = "#222222"
SHADE = "#E3E3E3"
CHANNEL_COLOURS = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY_BLUE, YELLOW, GREY)
CHANNEL_HATCHES = ("", "///", "...", "xxx", "\\\\\\", "ooo", "+++", "---")
CHANNEL_NAMES = {
    "sms": "Text (SMS)",
    "mms": "Picture message (MMS)",
    "email": "Email",
    "whatsapp": "WhatsApp",
    "imessage": "iMessage",
    "diary": "Diary (your notes)",
    "phone": "Phone calls",
    "call": "Phone calls",
    "voicemail": "Voicemail",
    "tiktok": "TikTok",
    "linkedin": "LinkedIn",
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_STYLE: dict[RcKeyType, Any] = {
    "font.family": ["DejaVu Sans"],
    "font.size": 8.0,
    "axes.labelsize": 8.0,
    "axes.titlesize": 9.0,
    "figure.titlesize": 10.0,
    "figure.titleweight": "bold",
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "path",  # the same glyphs in every viewer; the text is kept in a comment
    "svg.hashsalt": "stalkproof-charts",  # fixed, so element ids and the file bytes repeat
    "svg.id": None,
    "svg.image_inline": True,
}
_LOCK = threading.RLock()
LegendKey = Artist | tuple[Artist, ...]  # a bar chart's legend key is its container of bars


@dataclass(frozen=True)
class AccountSpan:
    """One of the suspect's accounts: when it was in contact, how often, and whether it was blocked."""

    label: str
    channel: str
    first: datetime
    last: datetime
    count: int
    blocked_at: datetime | None = None
    is_new_after_block: bool = False


@contextmanager
def _style() -> Iterator[None]:
    with _LOCK, mpl.rc_context(_STYLE):
        yield


# Building blocks


def _new_figure(title: str, height: float = HEIGHT_INCHES) -> Figure:
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained", facecolor="white")
    FigureCanvasAgg(figure)  # the raster canvas; SVG output swaps in its own canvas just while saving
    figure.suptitle(title)
    return figure


def _nothing_to_show(title: str) -> Figure:
    """A calm placeholder instead of an error, so a report or page can always show the chart's place."""
    figure = _new_figure(title)
    figure.text(0.5, 0.5, NOTHING_TO_SHOW, ha="center", va="center", fontsize=12, color="#555555")
    return figure


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _day_number(value: date) -> float:
    """Matplotlib's position for a date or instant on a time axis (days since its epoch)."""
    return float(mdates.date2num(value))  # type: ignore[no-untyped-call]


def _day_numbers(values: Sequence[date]) -> npt.NDArray[np.float64]:
    return np.array([_day_number(value) for value in values], dtype=np.float64)


def _date_axis(axes: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _wrap(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _shorten(text: str, width: int = 32) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# Activity over time


@dataclass(frozen=True)
class _Bins:
    starts: npt.NDArray[np.float64]  # matplotlib date numbers, one per bin
    totals: npt.NDArray[np.float64]
    width_days: int
    partial: npt.NDArray[np.bool_]  # weeks only partly covered by the data


def _bin_days(days: Sequence[date], counts: Sequence[int]) -> _Bins:
    """Totals per day, or per Monday-to-Sunday week when the span is long; missing days count as zero."""
    dated = [_as_date(day) for day in days]
    first, last = min(dated), max(dated)
    weekly = (last - first).days > WEEKLY_AFTER_DAYS
    origin = first - timedelta(days=first.weekday()) if weekly else first
    width = 7 if weekly else 1
    offsets = np.fromiter(((day - origin).days // width for day in dated), np.int64, len(dated))
    totals = np.zeros(int((last - origin).days // width) + 1)
    np.add.at(totals, offsets, np.asarray(counts, dtype=np.float64))
    starts = _day_number(origin) + width * np.arange(len(totals), dtype=np.float64)
    partial = np.zeros(len(totals), dtype=bool)
    if weekly:
        partial[0] = first.weekday() != 0
        partial[-1] = last.weekday() != 6
    return _Bins(starts, totals, width, partial)


def _centred_mean(values: npt.NDArray[np.float64], window: int) -> npt.NDArray[np.float64]:
    """Mean over a window centred on each point (shorter at the ends), so a rise shows where it happened."""
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    index = np.arange(len(values))
    starts = np.maximum(0, index - window // 2)
    ends = np.minimum(len(values), index + window - window // 2)
    means: npt.NDArray[np.float64] = (cumulative[ends] - cumulative[starts]) / (ends - starts)
    return means


def activity_chart(
    days: Sequence[date],
    counts: Sequence[int],
    *,
    change_point: date | None,
    recent_from: date | None,
    title: str,
    change_note: str | None = None,
    recent_label: str = "Recent period",
) -> Figure:
    """Contact per day as bars (per week when the span is over 180 days) with a rolling average line.

    `change_point` draws a dashed line with `change_note` beside it (the wording is the caller's, e.g.
    "Contact rose from about 2 to 8 a week"); the span from `recent_from` to the end is shaded.
    """
    if len(days) != len(counts):
        raise ValueError("activity_chart needs one count per day")
    with _style():
        if not days or not any(counts):
            return _nothing_to_show(title)
        figure = _new_figure(title)
        axes = figure.add_subplot()
        bins = _bin_days(days, counts)
        end = float(bins.starts[-1]) + bins.width_days
        keys = _draw_bins(axes, bins)
        if change_point is not None:
            keys += _mark_change(
                axes, _day_number(_as_date(change_point)), change_note, (bins.starts[0], end)
            )
        if recent_from is not None:
            keys += _shade_recent(
                axes, max(_day_number(_as_date(recent_from)), bins.starts[0]), end, recent_label
            )
        axes.set_xlim(float(bins.starts[0]), end)
        axes.set_ylim(0, max(1.0, float(bins.totals.max())) * 1.3)  # headroom for the note
        axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        axes.set_ylabel("Contacts per week" if bins.width_days == 7 else "Contacts per day")
        _date_axis(axes)
        figure.legend(handles=keys, loc="outside lower center", ncols=5)
        return figure


def _draw_bins(axes: Axes, bins: _Bins) -> list[LegendKey]:
    """Draws the bars and the average; returns what the legend should explain, in reading order."""
    weekly = bins.width_days == 7
    centres = bins.starts + bins.width_days / 2
    whole = ~bins.partial
    unit = "week" if weekly else "day"
    keys: list[LegendKey] = []
    bars = axes.bar(
        centres[whole],
        bins.totals[whole],
        width=bins.width_days * 0.85,
        color=SKY_BLUE,
        label=f"Contacts per {unit}",
        zorder=2,
    )
    keys.append(bars)
    if bins.partial.any():
        part = axes.bar(
            centres[bins.partial],
            bins.totals[bins.partial],
            width=bins.width_days * 0.85,
            color="white",
            edgecolor=SKY_BLUE,
            hatch="////",
            label="Part of a week only",
            zorder=2,
        )
        keys.append(part)
    window, span = (4, "4 weeks") if weekly else (7, "7 days")
    # Part weeks sit only at the ends; leaving them out keeps the average from dipping where data stops.
    keys += axes.plot(
        centres[whole],
        _centred_mean(bins.totals[whole], window),
        color=INK,
        linewidth=1.6,
        label=f"Average over {span}",
        zorder=3,
    )
    return keys


def _shade_recent(axes: Axes, start: float, end: float, label: str) -> list[LegendKey]:
    if start >= end:
        return []
    return [axes.axvspan(start, end, facecolor=SHADE, edgecolor="none", label=label, zorder=0)]


def _mark_change(axes: Axes, at: float, note: str | None, limits: tuple[float, float]) -> list[LegendKey]:
    low, high = limits
    if not low <= at <= high:
        return []
    line = axes.axvline(at, color=VERMILLION, linestyle="--", linewidth=1.5, label="Change", zorder=4)
    if not note:
        return [line]
    # The note goes on the side with more room, usually the quieter time before the change.
    on_left = (at - low) / (high - low) > 0.5
    axes.annotate(
        _wrap(note),
        xy=(at, 0.97),
        xycoords=("data", "axes fraction"),
        xytext=(-5 if on_left else 5, 0),
        textcoords="offset points",
        ha="right" if on_left else "left",
        va="top",
        fontsize=7.5,
        zorder=5,
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": VERMILLION, "linewidth": 0.8},
    )
    return [line]


# Time of day


def _night_hours(night: tuple[int, int]) -> list[tuple[int, int]]:
    """The night as one or two [start, end) hour ranges: 22 to 6 wraps past midnight."""
    start, end = night
    if not (0 <= start <= 23 and 0 <= end <= 24):
        raise ValueError("night hours run from 0 to 24")
    if start == end:
        return []
    return [(start, end)] if start < end else [(start, 24), (0, end)] if end else [(start, 24)]


def _cell_text(count: int) -> str:
    if count == 0:
        return ""
    if count < 1000:
        return str(count)
    return f"{count / 1000:.1f}k" if count < 10_000 else f"{count // 1000}k"


def time_of_day_heatmap(
    grid: Sequence[Sequence[int]], *, night: tuple[int, int] = (22, 6), title: str
) -> Figure:
    """Contacts by day of the week (rows, Monday first) and hour of the day (columns), night outlined."""
    values = np.asarray(grid, dtype=np.int64)
    if values.size and values.shape != (7, 24):
        raise ValueError("time_of_day_heatmap needs 7 rows (Monday first) of 24 hours")
    night_ranges = _night_hours(night)
    with _style():
        if not values.size or not values.any():
            return _nothing_to_show(title)
        figure = _new_figure(title)
        axes = figure.add_subplot()
        highest = max(1, int(values.max()))
        mesh = axes.pcolormesh(
            np.arange(25),
            np.arange(8),
            values,
            cmap="Blues",
            vmin=0,
            vmax=highest,
            edgecolors="white",
            linewidth=0.4,
        )
        _write_counts(axes, values, highest)
        for start, end in night_ranges:
            axes.add_patch(
                Rectangle(
                    (start, 0),
                    end - start,
                    7,
                    fill=False,
                    edgecolor=INK,
                    linewidth=2.2,
                    zorder=3,
                    clip_on=False,
                )
            )
        axes.set_xlim(0, 24)
        axes.set_ylim(7, 0)  # Monday at the top
        axes.xaxis.set_major_locator(FixedLocator(list(range(0, 25, 3))))
        axes.set_xticklabels([f"{hour:02d}:00" for hour in range(0, 25, 3)])
        axes.yaxis.set_major_locator(FixedLocator([row + 0.5 for row in range(7)]))
        axes.set_yticklabels(WEEKDAYS)
        axes.tick_params(length=0)
        axes.set_xlabel("Hour of the day (local time)")
        colourbar = figure.colorbar(mesh, ax=axes, pad=0.01, fraction=0.04)
        colourbar.set_label("Contacts")
        colourbar.locator = MaxNLocator(integer=True, nbins=5)
        colourbar.update_ticks()
        if night_ranges:
            outline = Patch(
                facecolor="none",
                edgecolor=INK,
                linewidth=2.2,
                label=f"Night ({night[0]:02d}:00 to {night[1]:02d}:00)",
            )
            figure.legend(handles=[outline], loc="outside lower center")
        return figure


def _write_counts(axes: Axes, values: npt.NDArray[np.int64], highest: int) -> None:
    for row, column in zip(*np.nonzero(values), strict=True):
        count = int(values[row, column])
        # White on dark cells, dark on light ones, so the number stays readable in print.
        colour = "white" if count / highest > 0.55 else INK
        axes.text(
            column + 0.5,
            row + 0.5,
            _cell_text(count),
            ha="center",
            va="center",
            fontsize=5.5,
            color=colour,
            zorder=2,
        )


# Channels over time


def _channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel.lower(), channel[:1].upper() + channel[1:])


def _period_unit(starts: npt.NDArray[np.float64]) -> tuple[str, float]:
    """What each period is (day, week, month) and how wide a bar may be, from the spacing of the dates."""
    spacing = float(np.min(np.diff(starts))) if len(starts) > 1 else 7.0
    unit = "day" if spacing <= 1.5 else "week" if spacing <= 8 else "month" if spacing <= 32 else "period"
    return unit, spacing


def _top_channels(
    series: Mapping[str, Sequence[int]], length: int
) -> list[tuple[str, npt.NDArray[np.int64]]]:
    """Channels with any contact, largest first; the smallest merged once there are too many to tell apart."""
    arrays = []
    for channel, counts in series.items():
        values = np.asarray(counts, dtype=np.int64)
        if len(values) != length:
            raise ValueError(f"channels_over_time needs one count per period for '{channel}'")
        if values.any():
            arrays.append((_channel_name(channel), values))
    arrays.sort(key=lambda item: (-int(item[1].sum()), item[0]))
    if len(arrays) > MAX_CHANNELS:
        rest = np.sum([values for _, values in arrays[MAX_CHANNELS - 1 :]], axis=0)
        arrays = [*arrays[: MAX_CHANNELS - 1], ("Other channels", rest)]
    return arrays


def channels_over_time(periods: Sequence[date], series: Mapping[str, Sequence[int]], *, title: str) -> Figure:
    """Stacked bars of contact per channel for each period; `periods` are the first day of each period."""
    channels = _top_channels(series, len(periods))
    with _style():
        if not periods or not channels:
            return _nothing_to_show(title)
        figure = _new_figure(title)
        axes = figure.add_subplot()
        starts = _day_numbers([_as_date(period) for period in periods])
        unit, spacing = _period_unit(starts)
        below = np.zeros(len(periods), dtype=np.int64)
        for index, (name, values) in enumerate(channels):
            axes.bar(
                starts,
                values,
                width=spacing * 0.85,
                bottom=below,
                align="edge",
                label=name,
                color=CHANNEL_COLOURS[index],
                hatch=CHANNEL_HATCHES[index],
                edgecolor="white",
                hatchcolor=INK,
                linewidth=0.3,
                zorder=2,
            )
            below = below + values
        axes.set_xlim(float(starts[0]) - spacing * 0.1, float(starts[-1]) + spacing)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        axes.set_ylabel(f"Contacts per {unit}")
        _date_axis(axes)
        handles, labels = axes.get_legend_handles_labels()
        # The legend lists channels top to bottom, as they are stacked.
        figure.legend(handles[::-1], labels[::-1], loc="outside right upper")
        return figure


# Accounts over time


def _accounts_to_show(accounts: Sequence[AccountSpan]) -> list[AccountSpan]:
    """At most MAX_ACCOUNT_ROWS, keeping first those the chart is about, in order of first contact."""
    ranked = sorted(
        accounts, key=lambda a: (not a.is_new_after_block, a.blocked_at is None, -a.count, a.label)
    )
    return sorted(ranked[:MAX_ACCOUNT_ROWS], key=lambda account: (account.first, account.label))


def accounts_over_time(accounts: Sequence[AccountSpan], *, title: str = "Accounts over time") -> Figure:
    """One row per account from its first to its last contact, with its number of contacts; a cross where
    it was blocked; accounts that appeared after a block are hatched and coloured."""
    shown = _accounts_to_show(accounts)
    hidden = len(accounts) - len(shown)
    with _style():
        if not shown:
            return _nothing_to_show(title)
        rows = len(shown) + (1 if hidden else 0)
        figure = _new_figure(title, height=max(HEIGHT_INCHES, 1.3 + 0.2 * rows))
        axes = figure.add_subplot()
        low, high = _account_limits(shown)
        minimum = (high - low) * 0.004  # a single contact still shows as a sliver
        for row, account in enumerate(shown):
            _draw_account(axes, row, account, minimum)
        if hidden:
            axes.text(
                low,
                len(shown),
                f"… and {hidden} more accounts, not shown here",
                va="center",
                fontsize=7,
                fontstyle="italic",
            )
        axes.set_xlim(low, high + (high - low) * 0.1)  # room for the counts at the right
        axes.set_ylim(rows - 0.4, -0.6)
        axes.yaxis.set_major_locator(FixedLocator(list(range(len(shown)))))
        axes.set_yticklabels([f"{_shorten(a.label, 26)} · {_channel_name(a.channel)}" for a in shown])
        axes.tick_params(axis="y", length=0)
        axes.spines["left"].set_visible(False)
        _date_axis(axes)
        figure.legend(handles=_account_legend(shown), loc="outside lower center", ncols=3)
        return figure


def _account_limits(shown: Sequence[AccountSpan]) -> tuple[float, float]:
    # Compared as numbers, so accounts given in different time zones still line up.
    blocks = [a.blocked_at for a in shown if a.blocked_at is not None]
    instants = _day_numbers([a.first for a in shown] + [a.last for a in shown] + blocks)
    low, high = float(instants.min()), float(instants.max())
    return (low - 1.0, high + 1.0) if high - low < 2 else (low, high)


def _draw_account(axes: Axes, row: int, account: AccountSpan, minimum: float) -> None:
    start, stop = _day_number(account.first), _day_number(account.last)
    colour, hatch = (VERMILLION, "////") if account.is_new_after_block else (BLUE, "")
    axes.barh(
        row,
        max(stop - start, minimum),
        left=start,
        height=0.6,
        color=colour,
        hatch=hatch,
        edgecolor=colour,
        hatchcolor="white",
        linewidth=0.5,
        zorder=2,
    )
    # The count goes after the bar, and after the block marker when that is at or beyond the end.
    blocked = _day_number(account.blocked_at) if account.blocked_at is not None else None
    end = max(stop, start + minimum)
    clear_of_marker = blocked is not None and blocked >= end - 2 * minimum
    axes.annotate(
        f"{account.count:,}",
        xy=(max(end, blocked) if blocked is not None and clear_of_marker else end, row),
        xytext=(7 if clear_of_marker else 3, 0),
        textcoords="offset points",
        va="center",
        fontsize=6.5,
    )
    if blocked is not None:
        axes.plot(
            blocked,
            row,
            marker="X",
            markersize=7,
            color=INK,
            markeredgecolor="white",
            markeredgewidth=0.6,
            linestyle="none",
            zorder=3,
        )


def _account_legend(shown: Sequence[AccountSpan]) -> list[Patch | Line2D]:
    handles: list[Patch | Line2D] = [Patch(facecolor=BLUE, label="First to last contact (number = contacts)")]
    if any(account.is_new_after_block for account in shown):
        handles.append(
            Patch(
                facecolor=VERMILLION,
                hatch="////",
                edgecolor=VERMILLION,
                hatchcolor="white",
                label="Appeared after a block",
            )
        )
    if any(account.blocked_at is not None for account in shown):
        handles.append(
            Line2D(
                [],
                [],
                marker="X",
                markersize=7,
                color=INK,
                markeredgecolor="white",
                linestyle="none",
                label="You blocked this account",
            )
        )
    return handles


# Output


def _metadata(figure: Figure, fmt: str) -> dict[str, str | None]:
    if fmt == "svg":
        # No date, so the same chart gives the same bytes; the title helps screen readers and file browsers.
        return {"Date": None, "Creator": "stalkproof", "Title": figure.get_suptitle() or None}
    return {"Software": "stalkproof"}  # PNG text must be Latin-1, so the title is not repeated here


def render(figure: Figure, fmt: str) -> bytes:
    """The chart as PNG or SVG bytes, e.g. for a web response. The same chart always gives the same bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"charts are written as {' or '.join(FORMATS)}, not '{fmt}'")
    buffer = BytesIO()
    with _style():
        figure.savefig(buffer, format=fmt, dpi=DPI, metadata=_metadata(figure, fmt), facecolor="white")
    return buffer.getvalue()


def save(figure: Figure, stem: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write `stem.png`, `stem.svg` (as asked), each complete or not at all; returns the paths written.

    Files are readable by their owner only, like the rest of a case: a chart shows someone's life."""
    chosen = [fmt.lower() for fmt in formats]
    for fmt in chosen:
        if fmt not in FORMATS:
            raise ValueError(f"charts are written as {' or '.join(FORMATS)}, not '{fmt}'")
    written = []
    for fmt in chosen:
        target = stem.with_name(f"{stem.name}.{fmt}")
        _write_atomically(target, render(figure, fmt))
        written.append(target)
    return written


def _write_atomically(target: Path, data: bytes) -> None:
    # A reader (or a crash) never sees half a file: write beside the target, then swap it in.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
