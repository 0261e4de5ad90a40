"""A user agent string turned into a plain label such as "Chrome on Windows" or "Instagram app on
Android (samsung SM-S911B)".

A small table of our own, not a full parser: enough to tell a person's usual phone and laptop from
something else. The first browser or app pattern that matches wins, so the more specific ones (apps built
on Chrome or Safari, Edge, Opera) come before Chrome and Safari, whose names every browser repeats.
"""

from __future__ import annotations

import re
from functools import lru_cache

_APPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), label)
    for pattern, label in (
        (r"\bInstagram \d", "Instagram app"),
        (r"FBAN/(?:MessengerForiOS|Orca)|\bOrca-Android", "Messenger app"),
        (r"\bFBAN/|\bFBAV/|\bFB_IAB/", "Facebook app"),
        (r"\bEdg(?:e|A|iOS)?/", "Edge"),
        (r"\bOPR/|\bOpera\b", "Opera"),
        (r"\bSamsungBrowser/", "Samsung Internet"),
        (r"\bFirefox/|\bFxiOS/", "Firefox"),
        (r"\bGSA/", "Google app"),
        (r"\bCriOS/|\bChrome/", "Chrome"),
        (r"\bSafari/", "Safari"),
        (r"^Dalvik/|\bokhttp/", "an Android app"),
        (r"\bCFNetwork/", "an Apple app"),
        (r"^(?:curl|Wget|python-requests|Go-http-client|Java)/", "a script or program"),
    )
)
_SYSTEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), label)
    for pattern, label in (
        (r"\biPhone", "iPhone"),
        (r"\biPad", "iPad"),
        (r"\bAndroid", "Android"),
        (r"\bWindows", "Windows"),
        (r"\bCrOS\b", "ChromeOS"),
        (r"\bMacintosh|\bMac OS X|\bDarwin/", "Mac"),
        (r"\bLinux", "Linux"),
    )
)
_MODELS: tuple[re.Pattern[str], ...] = (
    # Instagram for Android: "(33/13; 420dpi; 1080x2400; samsung; SM-S911B; ..." -> brand and model.
    re.compile(r"Android \(\d+/[\d.]+; [^;]+; [^;]+; (?P<brand>[^;]+); (?P<model>[^;]+);"),
    # Instagram and Facebook for iPhone name the hardware: "iPhone14,5".
    re.compile(r"\b(?P<model>(?:iPhone|iPad)\d+,\d+)"),
    # Browsers on Android: "Android 13; Pixel 7)" or "Android 9; SM-G960F Build/PPR1)".
    re.compile(r"Android [\d.]+; (?:[a-z]{2}[-_][A-Za-z]{2}; )?(?P<model>[^;)]+?)(?: Build/[^;)]*)?[;)]"),
)
# Reduced user agents and web views name no real model.
_NOT_MODELS = frozenset({"k", "wv", "mobile", "tablet"})
_UNRECOGNISED_SHOWN = 60


@lru_cache(maxsize=4096)
def device_label(user_agent: str | None) -> str:
    """The plain label for a user agent; "" when there is none."""
    agent = (user_agent or "").strip()
    if not agent:
        return ""
    app = _first(_APPS, agent)
    system = _first(_SYSTEMS, agent)
    if app is None and system is None:
        shown = agent if len(agent) <= _UNRECOGNISED_SHOWN else agent[:_UNRECOGNISED_SHOWN] + "…"
        return f"unrecognised device ({shown})"
    label = f"{app} on {system}" if app and system else f"{app}" if app else f"a browser or app on {system}"
    model = _model(agent)
    return f"{label} ({model})" if model else label


def _first(table: tuple[tuple[re.Pattern[str], str], ...], agent: str) -> str | None:
    return next((label for pattern, label in table if pattern.search(agent)), None)


def _model(agent: str) -> str | None:
    for pattern in _MODELS:
        found = pattern.search(agent)
        if found is None:
            continue
        parts = found.groupdict()
        model = parts["model"].strip()
        if model.casefold() in _NOT_MODELS:
            return None
        brand = (parts.get("brand") or "").strip()
        return f"{brand} {model}" if brand else model
    return None
