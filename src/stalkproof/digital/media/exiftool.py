"""ExifTool as a second, independent reader of media metadata, kept running between files.

One `exiftool -stay_open True -@ -` process reads its arguments from a pipe, so asking about thousands of
files costs one Perl start-up. Requests are answered in order, which lets a caller submit one file and
carry on with other work while ExifTool reads it (`submit`, then `receive`).

Options are fixed on purpose: `-a` keeps duplicate tags, `-G1` names the group each tag sits in, `-n`
gives numbers rather than formatted text, and `-ee` reads embedded streams such as timed GPS tracks in
videos. `-fast`/`-fast2` are never used: they stop before metadata stored after the media data, which is
exactly where location hides in MOV, MP4 and HEIC files. `-ee` can be left out for one file on request: in
a JPEG it makes ExifTool read to the last byte looking for embedded pictures, which is slow and only
worth it when the file may hold one (`verify.may_embed_documents` decides).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any

READ_OPTIONS = ("-j", "-G1", "-a", "-n", "-ee")
EMBEDDED = "-ee"
READ_TIMEOUT_SECONDS = 300.0
CLOSE_TIMEOUT_SECONDS = 10.0

Tags = list[tuple[str, Any]]


class ExifToolError(Exception):
    """ExifTool stopped answering or could not read a file; the message says which, in plain words."""


class ExifTool:
    """A running `exiftool -stay_open` process. Use `ExifTool.start()`; it returns None when ExifTool is
    not installed, because ExifTool is an extra check, never a requirement."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._selector = selectors.DefaultSelector()
        assert process.stdout is not None
        self._stdout = process.stdout.fileno()
        self._selector.register(self._stdout, selectors.EVENT_READ)
        self._buffer = b""
        self._sent = 0
        self._received = 0
        self._version: str | None = None

    @classmethod
    def start(cls, executable: str = "exiftool") -> ExifTool | None:
        found = shutil.which(executable)
        if found is None:
            return None
        try:
            process = subprocess.Popen(
                [found, "-stay_open", "True", "-@", "-"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # Per-file problems also appear in the JSON as ExifTool:Error; an unread stderr pipe
                # could fill up and stall the process.
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return None
        tool = cls(process)
        try:
            tool._version = tool._ask(["-ver"]).decode("ascii", "replace").strip()
        except ExifToolError:
            tool.close()
            return None
        return tool

    def version(self) -> str:
        return self._version or "unknown"

    def read(self, path: Path, embedded: bool = True) -> Tags:
        """Every tag ExifTool finds in `path`, as (group:name, value) pairs in file order."""
        self.submit(path, embedded)
        return self.receive()

    def submit(self, path: Path, embedded: bool = True) -> None:
        """Ask about `path` without waiting; `receive` returns the answers in the order asked.
        `embedded=False` leaves out `-ee`, which makes ExifTool read a JPEG to its last byte looking for
        embedded pictures: only for a file already shown to hold none (it is several times faster)."""
        options = READ_OPTIONS if embedded else tuple(option for option in READ_OPTIONS if option != EMBEDDED)
        self._send([*options, _argument(path)])

    def receive(self) -> Tags:
        if self._received >= self._sent:
            raise ExifToolError("No ExifTool answer is outstanding.")
        raw = self._wait_for(self._received + 1)
        return _parse(raw)

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.write(b"-stay_open\nFalse\n")
                self._process.stdin.close()
                self._process.wait(timeout=CLOSE_TIMEOUT_SECONDS)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
        self._selector.close()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> ExifTool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _ask(self, arguments: list[str]) -> bytes:
        self._send(arguments)
        return self._wait_for(self._sent)

    def _send(self, arguments: list[str]) -> None:
        self._sent += 1
        lines = [*arguments, f"-execute{self._sent}"]
        try:
            assert self._process.stdin is not None
            self._process.stdin.write(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
            self._process.stdin.flush()
        except OSError as error:
            raise ExifToolError("ExifTool stopped unexpectedly.") from error

    def _wait_for(self, number: int) -> bytes:
        """The output of request `number`; earlier unread answers are an error in the caller's order."""
        marker = f"{{ready{number}}}\n".encode()
        while (end := self._buffer.find(marker)) < 0:
            if not self._selector.select(READ_TIMEOUT_SECONDS):
                self._process.kill()
                raise ExifToolError("ExifTool took too long to answer and was stopped.")
            chunk = os.read(self._stdout, 1 << 16)
            if not chunk:
                raise ExifToolError("ExifTool stopped unexpectedly.")
            self._buffer += chunk
        answer, self._buffer = self._buffer[:end], self._buffer[end + len(marker) :]
        self._received = number
        return answer


def _argument(path: Path) -> str:
    # One argument per line, so a newline in a name cannot be passed; an absolute path can never be
    # mistaken for an option.
    text = os.fsdecode(path.absolute())
    if "\n" in text or "\r" in text:
        raise ExifToolError("ExifTool cannot be given a file whose name contains a line break.")
    return text


def _parse(raw: bytes) -> Tags:
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        raise ExifToolError("ExifTool could not read the file.")
    try:
        # Pairs, not a dict: with -a the same tag can appear twice, and both count.
        files = json.loads(text, object_pairs_hook=lambda pairs: pairs)
    except json.JSONDecodeError as error:
        raise ExifToolError("ExifTool's answer could not be read.") from error
    if not isinstance(files, list) or len(files) != 1:
        raise ExifToolError("ExifTool's answer was not about exactly one file.")
    return [(str(key), value) for key, value in files[0]]


def version() -> str | None:
    """The installed ExifTool's version, or None when it is not installed."""
    tool = ExifTool.start()
    if tool is None:
        return None
    with tool:
        return tool.version()
