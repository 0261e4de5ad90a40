"""One writer at a time: an advisory lock on a file in the vault folder.

The operating system drops the lock when the holder dies, even by SIGKILL, so a crash never leaves the
vault locked. Opening a vault takes it briefly too, to settle what a crashed writer left.
Within one process (the web app serves requests on several threads) a re-entrant thread lock comes first,
so two threads never share the file lock's depth count.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from types import TracebackType

from stalkproof.errors import VaultBusyError

LOCK_NAME = ".write.lock"


class WriterLock:
    def __init__(self, folder: Path, timeout: float = 30.0) -> None:
        self.path = folder / LOCK_NAME
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0
        self._thread_lock = threading.RLock()

    def __enter__(self) -> WriterLock:
        if not self._thread_lock.acquire(timeout=self.timeout):
            raise VaultBusyError("This vault is busy saving something else. Wait a moment, then try again.")
        try:
            if self._depth == 0:
                self._fd = self._acquire()
        except BaseException:
            self._thread_lock.release()
            raise
        self._depth += 1
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        self._thread_lock.release()

    def _acquire(self) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise VaultBusyError(
                        "Another stalkproof window or command is saving to this vault. "
                        "Wait for it to finish, then try again."
                    ) from None
                time.sleep(0.05)
