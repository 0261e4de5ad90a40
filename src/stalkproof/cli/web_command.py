"""`stalkproof web`: the local web app for people who would rather not use a terminal."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated

import typer

from stalkproof.cli.common import VaultOption, console
from stalkproof.config import Settings
from stalkproof.web.config import DEFAULT_EXIT_URL, DEFAULT_IDLE_MINUTES, WebConfig

AUTO_UNLOCK_ENV = "STALKPROOF_WEB_UNLOCK"


def web(
    vault: VaultOption = None,
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (default: a free one).")] = 0,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the link but do not open it.")
    ] = False,
    exit_url: Annotated[
        str, typer.Option("--exit-url", help="Where 'Leave this site quickly' and Esc go.")
    ] = DEFAULT_EXIT_URL,
    idle_minutes: Annotated[
        float, typer.Option("--idle-minutes", help="Lock the vault after this many minutes without use.")
    ] = DEFAULT_IDLE_MINUTES,
    neutral_title: Annotated[
        bool,
        typer.Option("--neutral-title", help="Show 'Notes' as the window title instead of 'stalkproof'."),
    ] = False,
) -> None:
    """Open stalkproof in your web browser, on this computer only. Prints the link (it works once)."""
    from stalkproof.web.server import run  # the web stack loads only for this command

    settings = Settings.from_environment(vault)
    config = WebConfig(
        vault=settings.vault,
        database_url=settings.database_url,
        exit_url=exit_url,
        idle_minutes=idle_minutes,
        neutral_title=neutral_title,
        # Unlocking at start is for automation (benchmarks, tests); a person unlocks in the browser.
        passphrase=settings.passphrase if os.environ.get(AUTO_UNLOCK_ENV) == "1" else None,
    )
    console.print("stalkproof is running on this computer only. Press Ctrl+C here to stop it.")
    # Ctrl+C is the ordinary way to stop: by then the server has shut down and locked the vault.
    with contextlib.suppress(KeyboardInterrupt):
        run(config, port=port, open_browser=not no_browser, say=lambda url: print(url, flush=True))
    console.print("stalkproof has stopped and the vault is locked.")
