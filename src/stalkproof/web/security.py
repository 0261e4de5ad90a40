"""Who may talk to the app and what the browser may do with its pages.

Only this machine's browser, holding this run's cookie, gets past the door (the one-time secret in the
first URL sets it). A page from any other site cannot post forms here: the browser's Sec-Fetch-Site and
Origin headers must say same-origin, and every form carries the session's CSRF token. The Host header is
checked against an allow-list so that a hostile site cannot reach the app through DNS rebinding.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import PlainTextResponse, Response

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Pages that must work before the cookie exists: the door itself, and the way out.
OPEN_PATHS = ("/enter", "/static/", "/quick-exit")
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on our own forms.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
# Evidence must not linger in the browser's cache or be shown again by the back button.
NO_STORE = {"Cache-Control": "no-store, max-age=0", "Pragma": "no-cache", "Expires": "0"}

Next = Callable[[Request], Awaitable[Response]]


def host_allowed(host_header: str | None, extra_hosts: Collection[str] = ()) -> bool:
    if not host_header:
        return False
    hostname = urlsplit(f"//{host_header}").hostname or ""
    return hostname in LOCAL_HOSTS or hostname in extra_hosts


def cross_site(request: Request) -> bool:
    """True when the browser says this request came from another site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host")


def is_open_path(path: str) -> bool:
    return any(path == prefix or (prefix.endswith("/") and path.startswith(prefix)) for prefix in OPEN_PATHS)


def refuse(status: int, sentence: str) -> Response:
    response = PlainTextResponse(sentence, status_code=status)
    response.headers.update(SECURITY_HEADERS | NO_STORE)
    return response


def add_headers(request: Request, response: Response) -> None:
    response.headers.update(SECURITY_HEADERS)
    if not request.url.path.startswith("/static/"):
        response.headers.update(NO_STORE)
