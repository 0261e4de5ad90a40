"""Chooses the compiled hot paths of the JSON sources (_json_fast.pyx, built by setup.py when Cython and a C
compiler are at hand) or their pure-Python references: jsonsplit's `_PrettySplitter._collect`, and the
usual cases of Telegram's `_Chats._when` and Meta's `_Reader._when`. Each pair gives the same results;
the compiled ones are several times faster (bench/README.md).

STALKPROOF_PURE_PYTHON=1 forces the Python code, as for WhatsApp (whatsapp_compiled.py). The compiled
module is imported on first use, not with this one, as it imports jsonsplit.py itself.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from stalkproof.ingest.whatsapp_compiled import PURE_PYTHON_VARIABLE

if TYPE_CHECKING:
    from stalkproof.ingest import _json_fast


def compiled_collect() -> _json_fast.Collect | None:
    """The compiled split loop, or None when it is not built or STALKPROOF_PURE_PYTHON=1 asks for Python."""
    module = _chosen()
    return module.collect if module is not None else None


def compiled_telegram_when() -> _json_fast.TelegramWhen | None:
    """The compiled usual case of Telegram's time, or None as for `compiled_collect`."""
    module = _chosen()
    return module.telegram_when if module is not None else None


def compiled_millisecond_when() -> _json_fast.MillisecondWhen | None:
    """The compiled twin of Meta's time, or None as for `compiled_collect`."""
    module = _chosen()
    return module.millisecond_when if module is not None else None


def split_path() -> str:
    """Which code the JSON sources use now, in words: "compiled" or "pure Python"."""
    return "compiled" if _chosen() is not None else "pure Python"


def _chosen() -> Any:
    if os.environ.get(PURE_PYTHON_VARIABLE, "") not in ("", "0"):
        return None
    return compiled_module()


@cache
def compiled_module() -> Any:
    """The compiled module if it is built (the import is tried once), else None."""
    try:
        from stalkproof.ingest import _json_fast
    except ImportError:
        return None
    return _json_fast
