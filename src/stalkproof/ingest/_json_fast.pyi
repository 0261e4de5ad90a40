"""The typed face of the compiled JSON hot paths (_json_fast.pyx), for mypy: it may not be built."""

from collections.abc import Callable
from typing import Any

from stalkproof.ingest.base import When
from stalkproof.ingest.jsonsplit import Element, _PrettySplitter, _Shape

Collect = Callable[[_PrettySplitter, list[Element], _Shape], int]
TelegramWhen = Callable[[dict[str, Any], object, object, dict[int, str]], When | None]
MillisecondWhen = Callable[[int], When | None]

def collect(splitter: _PrettySplitter, run: list[Element], shape: _Shape) -> int: ...
def telegram_when(
    message: dict[str, Any], unix: object, date: object, offsets: dict[int, str]
) -> When | None: ...
def millisecond_when(milliseconds: int) -> When | None: ...
