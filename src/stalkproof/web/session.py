"""The one person using this run: the secret that lets their browser in, the unlocked vault, and the lock
that closes it again after a quiet spell.

The secret is printed once in the first URL. Its first use swaps it for a session cookie and the secret
stops working, so a URL left in a terminal's scrollback or a browser history opens nothing later.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from stalkproof.errors import VaultError
from stalkproof.evidence.cases import Case, current_case
from stalkproof.vault.vault import Vault
from stalkproof.web.downloads import Downloads

COOKIE_NAME = "stalkproof_session"


class Locked(VaultError):
    """Raised by a page that needs the vault while it is locked; the app sends the person to unlock."""

    def __init__(self) -> None:
        super().__init__("The vault is locked. Unlock it to go on.")


@dataclass
class LocalSession:
    idle_seconds: float
    clock: Callable[[], float] = time.monotonic
    entry_secret: str | None = field(default_factory=lambda: secrets.token_urlsafe(32))
    cookie_value: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    neutral_title: bool = False
    downloads: Downloads = field(default_factory=Downloads)
    _vault: Vault | None = None
    _last_seen: float = 0.0
    _guard: threading.RLock = field(default_factory=threading.RLock)

    # -- getting in ----------------------------------------------------------------------------------

    def redeem(self, offered: str) -> bool:
        """True (once) if `offered` is the secret from the first URL."""
        with self._guard:
            if self.entry_secret is None or not secrets.compare_digest(offered, self.entry_secret):
                return False
            self.entry_secret = None
            return True

    def knows(self, cookie: str | None) -> bool:
        return cookie is not None and secrets.compare_digest(cookie, self.cookie_value)

    def csrf_ok(self, offered: str | None) -> bool:
        return offered is not None and secrets.compare_digest(offered, self.csrf_token)

    # -- the vault -----------------------------------------------------------------------------------

    @property
    def unlocked(self) -> bool:
        self.lock_if_idle()
        return self._vault is not None

    def open(self, vault: Vault) -> None:
        with self._guard:
            self.close_vault()
            self._vault = vault
            self.touch()

    def vault(self) -> Vault:
        self.lock_if_idle()
        vault = self._vault
        if vault is None:
            raise Locked()
        self.touch()
        return vault

    def case(self) -> Case:
        return current_case(self.vault())

    def touch(self) -> None:
        self._last_seen = self.clock()

    def lock_if_idle(self) -> bool:
        with self._guard:
            if self._vault is not None and self.clock() - self._last_seen > self.idle_seconds:
                self.close_vault()
                return True
        return False

    def close_vault(self) -> None:
        """Lock: closing signs a checkpoint if anything changed, then the keys are dropped, and files made
        for downloading are deleted."""
        with self._guard:
            vault, self._vault = self._vault, None
            self.downloads.clear()
            if vault is not None:
                vault.close()
