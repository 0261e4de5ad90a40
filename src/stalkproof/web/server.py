"""Running the app: a free port on 127.0.0.1 only, the one-time link, the browser, and a clean stop."""

from __future__ import annotations

import socket
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn

from stalkproof.vault.vault import Vault
from stalkproof.web.app import create_app
from stalkproof.web.config import WebConfig
from stalkproof.web.session import LocalSession

HOST = "127.0.0.1"
IDLE_CHECK_SECONDS = 15.0


@dataclass
class RunningApp:
    """The pieces of one run, for the command and for tests that serve the app on a thread."""

    url: str
    session: LocalSession
    server: uvicorn.Server
    listener: socket.socket

    def serve(self) -> None:
        watcher = threading.Thread(target=self._lock_when_idle, name="idle-lock", daemon=True)
        watcher.start()
        try:
            self.server.run(sockets=[self.listener])
        finally:
            self.session.close_vault()
            self.listener.close()

    def stop(self) -> None:
        self.server.should_exit = True

    def _lock_when_idle(self) -> None:
        stopped = threading.Event()
        while not self.server.should_exit and not stopped.wait(IDLE_CHECK_SECONDS):
            self.session.lock_if_idle()


def prepare(config: WebConfig, port: int = 0) -> RunningApp:
    """Bind the port first, so the printed URL is one that already answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, port))
    listener.listen(64)
    chosen_port = listener.getsockname()[1]
    session = LocalSession(idle_seconds=config.idle_seconds, neutral_title=config.neutral_title)
    if config.passphrase is not None:
        session.open(
            Vault.unlock(config.vault, passphrase=config.passphrase, database_url=config.database_url)
        )
    app = create_app(config, session)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, date_header=False)
    )
    running = RunningApp(
        f"http://{HOST}:{chosen_port}/enter?key={session.entry_secret}", session, server, listener
    )
    app.state.stop = running.stop
    return running


def run(
    config: WebConfig, port: int = 0, open_browser: bool = True, say: Callable[[str], None] = print
) -> None:
    running = prepare(config, port)
    say(running.url)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(running.url,)).start()
    running.serve()
