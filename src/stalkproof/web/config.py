"""What one run of the web app is told at start: where the vault is and how careful to be."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# A site that looks ordinary in a browser history. People can choose another with --exit-url.
DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"
DEFAULT_IDLE_MINUTES = 10
DEFAULT_UPLOAD_LIMIT = 2 * 1024**3  # exports with media can be large; beyond this, the command line
NEUTRAL_TITLE = "Notes"


@dataclass(frozen=True)
class WebConfig:
    vault: Path
    database_url: str | None = None
    exit_url: str = DEFAULT_EXIT_URL
    idle_minutes: float = DEFAULT_IDLE_MINUTES
    neutral_title: bool = False
    upload_limit: int = DEFAULT_UPLOAD_LIMIT
    # Unlocks without asking: only for tests and benchmarks (from STALKPROOF_PASSPHRASE).
    passphrase: str | None = None

    @property
    def idle_seconds(self) -> float:
        return self.idle_minutes * 60
