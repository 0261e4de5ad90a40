"""Charts: each renders as PNG and SVG at A4 size, from real-looking and from empty data, byte for byte the
same every time, and stays readable for two years of daily data and for fifty accounts."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from stalkproof.analysis import charts
from stalkproof.analysis.charts import AccountSpan

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
A4_PIXELS = (1050, 480)  # 7 x 3.2 inches at 150 dpi
START = date(2026, 1, 5)
NOTE = "Contact rose from about 2 to 8 a week"


def _daily(days: int, change_at: int, seed: int = 11) -> tuple[list[date], list[int]]:
    rng = np.random.default_rng(seed)
    counts = np.concatenate([rng.poisson(0.3, change_at), rng.poisson(1.2, days - change_at)])
    return [START + timedelta(days=day) for day in range(days)], [int(count) for count in counts]


def _accounts(number: int, seed: int = 5) -> list[AccountSpan]:
    rng = np.random.default_rng(seed)
    base = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    accounts = []
    for index in range(number):
        first = base + timedelta(days=int(rng.integers(0, 600)))
        last = first + timedelta(days=int(rng.integers(0, 90)), hours=3)
        blocked = last if index % 3 == 0 else None
        accounts.append(
            AccountSpan(
                f"caller{index}@example.com",
                ("email", "sms", "instagram")[index % 3],
                first,
                last,
                int(rng.integers(1, 300)),
                blocked,
                index % 4 == 1,
            )
        )
    return accounts


def _activity() -> Figure:
    days, counts = _daily(120, 80)
    return charts.activity_chart(
        days,
        counts,
        change_point=days[80],
        recent_from=days[92],
        title="Contact from the suspect's accounts",
        change_note=NOTE,
    )


def _heatmap() -> Figure:
    grid = np.random.default_rng(3).poisson(2, (7, 24))
    grid[:, 0:5] += 15
    return charts.time_of_day_heatmap(grid.tolist(), title="When contact happens")


def _channels() -> Figure:
    rng = np.random.default_rng(4)
    periods = [START + timedelta(weeks=week) for week in range(26)]
    series = {
        "whatsapp": [int(n) for n in rng.poisson(5, 10)] + [0] * 16,
        "sms": [0] * 10 + [int(n) for n in rng.poisson(6, 16)],
        "email": [int(n) for n in rng.poisson(1, 26)],
        "diary": [int(n) for n in rng.poisson(0.5, 26)],
    }
    return charts.channels_over_time(periods, series, title="Channels over time")


def _account_chart() -> Figure:
    return charts.accounts_over_time(_accounts(8), title="Accounts over time")


CHARTS: dict[str, tuple[Callable[[], Figure], str]] = {
    "activity": (_activity, NOTE),
    "heatmap": (_heatmap, "Night (22:00 to 06:00)"),
    "channels": (_channels, "WhatsApp"),
    "accounts": (_account_chart, "Appeared after a block"),
}
EMPTY: dict[str, Callable[[], Figure]] = {
    "activity": lambda: charts.activity_chart([], [], change_point=None, recent_from=None, title="Activity"),
    "activity-all-zero": lambda: charts.activity_chart(
        [START, START + timedelta(days=1)], [0, 0], change_point=START, recent_from=None, title="Activity"
    ),
    "heatmap": lambda: charts.time_of_day_heatmap([], title="When contact happens"),
    "heatmap-all-zero": lambda: charts.time_of_day_heatmap([[0] * 24] * 7, title="When contact happens"),
    "channels": lambda: charts.channels_over_time([], {}, title="Channels over time"),
    "accounts": lambda: charts.accounts_over_time([], title="Accounts over time"),
}


def _bars(figure: Figure) -> list[Rectangle]:
    """The bars drawn, without the shaded recent period (also a rectangle)."""
    return [bar for container in figure.axes[0].containers for bar in container if isinstance(bar, Rectangle)]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(BytesIO(data)) as image:
        return image.size


def _svg_text(data: bytes) -> str:
    ElementTree.fromstring(data)  # raises if the SVG is not well-formed XML
    return data.decode("utf-8")


@pytest.mark.parametrize("name", CHARTS)
def test_chart_renders_png_at_a4_size_and_svg_with_its_words(name: str) -> None:
    build, words = CHARTS[name]
    figure = build()
    width, height = (figure.get_size_inches() * charts.DPI).round().astype(int)
    assert _png_size(charts.render(figure, "png")) == (width, height)
    if name != "accounts":  # the accounts chart grows with its rows
        assert (width, height) == A4_PIXELS
    svg = _svg_text(charts.render(figure, "svg"))
    assert figure.get_suptitle() in svg
    assert words in svg
    assert charts.NOTHING_TO_SHOW not in svg


@pytest.mark.parametrize("name", EMPTY)
def test_empty_input_draws_nothing_to_show_yet(name: str) -> None:
    figure = EMPTY[name]()
    assert _png_size(charts.render(figure, "png")) == A4_PIXELS
    svg = _svg_text(charts.render(figure, "svg"))
    assert charts.NOTHING_TO_SHOW in svg
    assert figure.get_suptitle() in svg


@pytest.mark.parametrize("name", CHARTS)
def test_same_input_gives_identical_bytes(name: str) -> None:
    build, _ = CHARTS[name]
    for fmt in charts.FORMATS:
        assert charts.render(build(), fmt) == charts.render(build(), fmt)


def test_svg_has_no_date_and_png_names_no_matplotlib_version() -> None:
    figure = _activity()
    svg = charts.render(figure, "svg").decode()
    assert "<dc:date>" not in svg
    with Image.open(BytesIO(charts.render(figure, "png"))) as image:
        assert image.info.get("Software") == "stalkproof"


def test_another_process_renders_the_same_svg_without_pyplot() -> None:
    # The id salt is fixed, so bytes match across runs, and pyplot's global figure list is never touched.
    script = (
        "import sys, hashlib\n"
        "from datetime import date\n"
        "from stalkproof.analysis import charts\n"
        "figure = charts.time_of_day_heatmap([[hour % 5 for hour in range(24)]] * 7, title='Night')\n"
        "print(hashlib.sha256(charts.render(figure, 'svg')).hexdigest())\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    digest, pyplot_loaded = result.stdout.split()
    here = charts.time_of_day_heatmap([[hour % 5 for hour in range(24)]] * 7, title="Night")
    assert digest == hashlib.sha256(charts.render(here, "svg")).hexdigest()
    assert pyplot_loaded == "False"


def test_charts_built_in_parallel_threads_match_one_at_a_time() -> None:
    expected = charts.render(_heatmap(), "png")
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: charts.render(_heatmap(), "png"), range(3)))
    assert results == [expected] * 3


def test_two_years_of_daily_data_are_drawn_as_weeks_with_readable_ticks() -> None:
    days, counts = _daily(730, 500)
    figure = charts.activity_chart(
        days,
        counts,
        change_point=days[500],
        recent_from=days[702],
        title="Two years",
        change_note="Contact rose",
    )
    axes = figure.axes[0]
    assert axes.get_ylabel() == "Contacts per week"
    bars = _bars(figure)
    assert 104 <= len(bars) <= 106
    assert sum(bar.get_height() for bar in bars) == sum(counts), "weekly bars hold every contact"
    charts.render(figure, "png")  # draws the ticks
    assert len(axes.get_xticks()) <= 9
    assert "Contact rose" in charts.render(figure, "svg").decode()


def test_a_short_span_is_drawn_per_day_and_keeps_every_contact() -> None:
    days, counts = _daily(60, 30)
    figure = charts.activity_chart(days, counts, change_point=None, recent_from=None, title="Two months")
    axes = figure.axes[0]
    assert axes.get_ylabel() == "Contacts per day"
    assert sum(bar.get_height() for bar in _bars(figure)) == sum(counts)


def test_fifty_accounts_are_capped_with_a_note_of_the_rest() -> None:
    accounts = _accounts(50)
    figure = charts.accounts_over_time(accounts)
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert len(labels) == charts.MAX_ACCOUNT_ROWS
    svg = charts.render(figure, "svg").decode()
    assert f"and {50 - charts.MAX_ACCOUNT_ROWS} more accounts" in svg
    new_after_block = [a for a in accounts if a.is_new_after_block]
    assert all(any(label.startswith(a.label) for label in labels) for a in new_after_block), (
        "accounts that appeared after a block are kept"
    )
    assert _png_size(charts.render(figure, "png"))[1] <= 11.7 * charts.DPI, "fits an A4 page"


def test_heatmap_outlines_the_night_and_checks_its_shape() -> None:
    grid = [[1] * 24 for _ in range(7)]
    wrapping = charts.time_of_day_heatmap(grid, night=(22, 6), title="t")
    outlines = [p for p in wrapping.axes[0].patches if isinstance(p, Rectangle) and not p.get_fill()]
    assert sorted((p.get_x(), p.get_width()) for p in outlines) == [(0, 6), (22, 2)]
    plain = charts.time_of_day_heatmap(grid, night=(0, 6), title="t")
    assert len([p for p in plain.axes[0].patches if not p.get_fill()]) == 1
    with pytest.raises(ValueError, match="7 rows"):
        charts.time_of_day_heatmap([[1] * 24] * 6, title="t")


def test_many_channels_share_an_other_band() -> None:
    periods = [START + timedelta(weeks=week) for week in range(4)]
    series = {f"app{index}": [index + 1] * 4 for index in range(10)}
    figure = charts.channels_over_time(periods, series, title="Channels")
    svg = charts.render(figure, "svg").decode()
    assert "Other channels" in svg and "App9" in svg and "App0" not in svg
    with pytest.raises(ValueError, match="one count per period"):
        charts.channels_over_time(periods, {"sms": [1, 2]}, title="Channels")


def test_save_writes_each_format_whole_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    figure = _channels()
    written = charts.save(figure, tmp_path / "case.channels")
    assert written == [tmp_path / "case.channels.png", tmp_path / "case.channels.svg"]
    assert written[0].read_bytes() == charts.render(figure, "png")
    assert written[1].read_bytes() == charts.render(figure, "svg")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["case.channels.png", "case.channels.svg"]
    assert charts.save(figure, tmp_path / "only", ["svg"]) == [tmp_path / "only.svg"]


def test_save_refuses_an_unknown_format_before_writing_anything(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="png or svg"):
        charts.save(_heatmap(), tmp_path / "chart", ["png", "gif"])
    assert list(tmp_path.iterdir()) == []
