"""Browser tests: the app served on a thread, driven by Debian's Chromium through Playwright.

Every page a test opens is watched: a request to any host but the app's own fails the test (the
neutral quick-exit site is answered locally so leaving can be tested without a network). `check_page`
runs axe-core (installed from npm into tests/web/node_modules) and saves a screenshot.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from conftest import FAST_KDF, IN_CI, PASSPHRASE
from stalkproof.evidence.cases import create_case
from stalkproof.vault.vault import Vault
from stalkproof.web.app import create_app
from stalkproof.web.config import DEFAULT_UPLOAD_LIMIT, WebConfig
from stalkproof.web.server import RunningApp, prepare
from stalkproof.web.session import LocalSession

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(
    os.environ.get("STALKPROOF_SCREENSHOTS", Path(__file__).parents[2] / "build" / "web-screenshots")
)
EXIT_URL = "https://neutral.example/weather"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(reason + " (CI=true: the browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed")
    if not CHROMIUM.exists():
        _missing("Debian's chromium is not installed at /usr/bin/chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class WebApp:
    running: RunningApp
    vault_path: Path
    base: str
    passphrase: str = PASSPHRASE
    thread: threading.Thread | None = None

    @property
    def entry_url(self) -> str:
        return self.running.url

    def url(self, path: str) -> str:
        return self.base + path

    def vault(self) -> Vault:
        """The vault the app has open (for checking what a journey stored)."""
        return self.running.session.vault()


def start_app(
    vault_path: Path, *, idle_minutes: float = 10, upload_limit: int = DEFAULT_UPLOAD_LIMIT
) -> WebApp:
    config = WebConfig(
        vault=vault_path, exit_url=EXIT_URL, idle_minutes=idle_minutes, upload_limit=upload_limit
    )
    running = prepare(config)
    thread = threading.Thread(target=running.serve, name="web-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    base = running.url.split("/enter")[0]
    return WebApp(running, vault_path, base, thread=thread)


def stop_app(app: WebApp) -> None:
    app.running.stop()
    if app.thread is not None:
        app.thread.join(timeout=10)


@pytest.fixture
def new_vault_path(tmp_path: Path) -> Path:
    """Where a vault made with fast key stretching, holding one case, lives."""
    path = tmp_path / "vault"
    vault, _code = Vault.create(path, PASSPHRASE, kdf=FAST_KDF)
    create_case(vault, "Fictional case")
    vault.close()
    return path


@pytest.fixture
def web_app(new_vault_path: Path) -> Iterator[WebApp]:
    app = start_app(new_vault_path)
    yield app
    stop_app(app)


@pytest.fixture
def session() -> LocalSession:
    return LocalSession(idle_seconds=600)


@contextmanager
def in_process(session: LocalSession, config: WebConfig, *, unlock: bool = False) -> Iterator[TestClient]:
    """The app in this process, entered with the one-time link, and unlocked when asked."""
    app = create_app(config, session, extra_hosts={"testserver"})
    with TestClient(app) as client:
        assert session.entry_secret is not None
        client.get(f"/enter?key={session.entry_secret}", follow_redirects=False)
        if unlock:
            client.post("/unlock", data={"passphrase": PASSPHRASE, "csrf_token": session.csrf_token})
            assert session.unlocked
        yield client
    session.close_vault()


@dataclass
class Watched:
    """A browser page and everything it asked for from other hosts."""

    page: Any
    app: WebApp
    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def watched(browser: Any, web_app: WebApp) -> Iterator[Watched]:
    yield from watched_page(browser, web_app)


def watched_page(browser: Any, app: WebApp) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    seen = Watched(page, app)
    own = urlsplit(app.base).netloc

    def route(handled: Any) -> None:
        url = handled.request.url
        where = urlsplit(url)
        if where.scheme in ("data", "blob") or where.netloc == own:
            handled.continue_()
        elif url == EXIT_URL:
            handled.fulfill(
                status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>"
            )
        else:
            seen.foreign.append(url)
            handled.abort()

    context.route("**/*", route)

    def console(message: Any) -> None:
        if message.type == "error":
            seen.console_errors.append(message.text)

    page.on("console", console)
    yield seen
    context.close()
    assert seen.foreign == [], f"the page asked other hosts for {seen.foreign}"


def enter(seen: Watched) -> None:
    """Open the one-time link, as the person would from the terminal."""
    seen.page.goto(seen.app.entry_url)


def unlock(seen: Watched) -> None:
    enter(seen)
    page = seen.page
    page.goto(seen.app.url("/unlock"))
    page.get_by_label("Passphrase").fill(seen.app.passphrase)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(seen.app.url("/"))


@pytest.fixture
def unlocked(watched: Watched) -> Watched:
    """A page that has entered with the link and unlocked the vault."""
    unlock(watched)
    return watched


@contextmanager
def page_without_javascript(browser: Any, app: WebApp) -> Iterator[Any]:
    """An unlocked page with JavaScript off: entered with the link and unlocked by a plain form post."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(app.entry_url)
        page.goto(app.url("/unlock"))
        page.get_by_label("Passphrase").fill(app.passphrase)
        page.get_by_role("button", name="Unlock").click()
        page.wait_for_url(app.url("/"))
        yield page
    finally:
        context.close()


def check_page(seen: Watched, name: str) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now, save a screenshot, and fail on a serious or critical
    violation. Returns every violation (for tests that want to look at minor ones)."""
    page = seen.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.evaluate(_axe_source())
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    violations: list[dict[str, Any]] = result["violations"]
    bad = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        f"{[node['target'] for node in violation['nodes']][:3]}"
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"axe-core on {name}: " + "; ".join(bad)
    return violations


_axe_cache: dict[str, str] = {}


def _axe_source() -> str:
    if "source" not in _axe_cache:
        if not AXE.exists():
            _missing("axe-core is not installed: run 'npm ci' in tests/web (scripts/setup.sh does)")
        _axe_cache["source"] = AXE.read_text(encoding="utf-8")
    return _axe_cache["source"]


def fixture_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path
