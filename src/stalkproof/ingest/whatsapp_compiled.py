"""Chooses the WhatsApp parse loop: the compiled one (_whatsapp_fast.pyx, built by setup.py when Cython and
a C compiler are at hand) or the pure-Python reference, `ChatParser.parse_python`. Both give the same
records, warnings and errors; the compiled one is several times faster (bench/README.md).

STALKPROOF_PURE_PYTHON=1 forces the Python loop (tests and the benchmark compare the two). The compiled
module is imported on first use, not with this one, as it imports whatsapp_parse.py itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import cache
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from stalkproof.ingest.base import Record
    from stalkproof.ingest.whatsapp_parse import ChatParser

PURE_PYTHON_VARIABLE = "STALKPROOF_PURE_PYTHON"
CompiledParse = Callable[["ChatParser", IO[bytes]], Iterator["Record"]]


def compiled_parse() -> CompiledParse | None:
    """The compiled loop, or None when it is not built or STALKPROOF_PURE_PYTHON=1 asks for Python."""
    if os.environ.get(PURE_PYTHON_VARIABLE, "") not in ("", "0"):
        return None
    return compiled_module()


@cache
def compiled_module() -> CompiledParse | None:
    """The compiled loop if it is built (the import is tried once)."""
    try:
        from stalkproof.ingest import _whatsapp_fast
    except ImportError:
        return None
    return _whatsapp_fast.parse


def parse_path() -> str:
    """Which loop `ChatParser.parse` uses now, in words: "compiled" or "pure Python"."""
    return "compiled" if compiled_parse() is not None else "pure Python"
