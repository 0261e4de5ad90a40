"""`media strip`: cleaned copies without location and identity, checked before they are kept.

For each file: hash it, tell its format from its first bytes, let the format module write a copy into a
temporary file in the output folder, flush it to disk, and then check the copy four ways:

1. the format module's own scanner, run again on the copy, finds no place or person;
2. readers that share no code with the format modules (`verify.py`: Pillow, a byte search, pypdf,
   zipfile) find none either;
3. ExifTool, when installed, finds none (it reads copy *n* while copy *n+1* is being made; for a JPEG
   copy shown to hold no second picture it is spared `-ee`, which would only re-read the picture data);
4. nothing else changed: the pixels (or, for movies, the media data) and the orientation are the same.

Only then is the copy moved to its name (atomically, and without replacing an existing file unless asked)
and the folder flushed. Any failure deletes the temporary file and says why in one sentence: there is
never a half-written or unchecked copy, and the original is never opened for writing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stalkproof.digital.media import formats, verify
from stalkproof.digital.media.exiftool import ExifTool, ExifToolError
from stalkproof.digital.media.model import MediaFormat, MediaFormatError
from stalkproof.digital.media.scan import hash_file, walk_folder
from stalkproof.digital.media.verify import Problem
from stalkproof.digital.media.wording import load_wording
from stalkproof.errors import InputError

Progress = Callable[[int, int, Path], None]
TEMPORARY_PREFIX = ".stalkproof-"
TEMPORARY_SUFFIX = ".part"
NO_EXIFTOOL = "ExifTool is not installed, so the extra check with it was skipped."


@dataclass
class StripResult:
    """One file: where its cleaned copy went and what was taken out, or why there is no copy."""

    path: Path
    out: Path | None = None
    format: str | None = None
    removed: list[str] = field(default_factory=list)
    verified: bool = False
    sha256: str | None = None
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    exiftool: str | None = None
    failure: BaseException | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "out": str(self.out) if self.out else None,
            "removed": self.removed,
            "verified": self.verified,
            "format": self.format,
            "sha256": self.sha256,
            "checks": self.checks,
            "notes": self.notes,
            "error": self.error,
            "exiftool": self.exiftool,
        }


class StripFailed(InputError):
    """No copy was kept for this file; the message is the sentence to show."""


@dataclass(frozen=True)
class Plan:
    source: Path
    target: Path


@dataclass
class Pending:
    """A copy that passed the checks made here and waits for ExifTool's answer before it is kept."""

    plan: Plan
    result: StripResult
    temporary: Path
    before: os.stat_result
    flushed: Future[None]


def plan_outputs(paths: Sequence[Path], out_dir: Path) -> list[Plan]:
    """Where each file's copy goes: a file named directly keeps its name in `out_dir`; a folder is
    mirrored under `out_dir/<folder name>/`. Refuses before anything is written when two files would
    get the same name."""
    plans: list[Plan] = []
    seen_folders: set[tuple[int, int]] = set()
    for path in paths:
        if not path.exists():
            raise InputError("there is no file or folder here.", path)
        if path.is_dir():
            top = out_dir / (path.resolve().name or "root")
            plans += [Plan(file, top / file.relative_to(path)) for file in walk_folder(path, seen_folders)]
        elif path.is_file():
            plans.append(Plan(path, out_dir / path.name))
        else:
            raise InputError("this is neither a file nor a folder, so it cannot be cleaned.", path)
    targets: dict[Path, Path] = {}
    for plan in plans:
        other = targets.setdefault(plan.target, plan.source)
        if other != plan.source:
            raise InputError(
                f"{other} and {plan.source} would both be written to {plan.target}; "
                "clean them into different --out folders.",
            )
    return list(dict.fromkeys(plans))  # a file named twice is cleaned once


def strip_paths(
    paths: Sequence[Path],
    out_dir: Path,
    progress: Progress | None = None,
    *,
    overwrite: bool = False,
    use_exiftool: bool = True,
    decode_pixels: bool = False,
) -> list[StripResult]:
    """Cleaned, checked copies of every file in `paths` under `out_dir`. A single file named on its own
    that cannot be cleaned raises InputError; otherwise each failure is a result with `error`."""
    plans = plan_outputs(paths, out_dir)
    alone = len(paths) == 1 and len(plans) == 1 and plans[0].source == paths[0]
    _make_folder(out_dir)
    exiftool = ExifTool.start() if use_exiftool else None
    # Flushing a copy to disk is waiting, not work: it runs beside the checks and the next copy.
    flusher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="stalkproof-fsync")
    stripper = Stripper(overwrite=overwrite, exiftool=exiftool, decode_pixels=decode_pixels, flusher=flusher)
    try:
        results = list(stripper.run(plans, progress))
    finally:
        stripper.discard_pending()
        flusher.shutdown(wait=True)
        # Once per folder, not per file: the renames are atomic already, this makes them last.
        for folder in stripper.folders_to_flush:
            _flush_folder(folder)
        if exiftool is not None:
            exiftool.close()
    if alone and results[0].failure is not None:
        raise results[0].failure
    return results


class Stripper:
    """Makes and checks copies one after another. Each copy waits for its flush to disk and its ExifTool
    check while the next one is made, and is kept (or deleted) only then."""

    def __init__(
        self, *, overwrite: bool, exiftool: ExifTool | None, decode_pixels: bool, flusher: ThreadPoolExecutor
    ) -> None:
        self.overwrite = overwrite
        self.exiftool = exiftool
        self.decode_pixels = decode_pixels
        self.flusher = flusher
        self.wording = load_wording().strip
        self.folders_to_flush: set[Path] = set()
        self._queue: deque[Pending | StripResult] = deque()

    def run(self, plans: list[Plan], progress: Progress | None) -> Iterator[StripResult]:
        """Results in the order of `plans`."""
        done = 0
        for plan in plans:
            made = self._attempt(plan)
            if isinstance(made, Pending) and self.exiftool is not None:
                made = self._submit(made)
            self._queue.append(made)
            for result in self._drain(keep_one=True):
                done += 1
                if progress is not None:
                    progress(done, len(plans), result.path)
                yield result
        for result in self._drain(keep_one=False):
            done += 1
            if progress is not None:
                progress(done, len(plans), result.path)
            yield result

    def _drain(self, keep_one: bool) -> Iterator[StripResult]:
        while self._queue:
            head = self._queue[0]
            if isinstance(head, StripResult):
                self._queue.popleft()
                yield head
                continue
            waiting = sum(isinstance(entry, Pending) for entry in self._queue)
            if keep_one and waiting <= 1:
                return  # flushed and read by ExifTool while the next copy is made
            self._finish(head)
            self._queue.popleft()
            yield head.result

    def _submit(self, pending: Pending) -> Pending | StripResult:
        assert self.exiftool is not None
        try:
            self.exiftool.submit(pending.temporary, embedded=verify.may_embed_documents(pending.temporary))
        except ExifToolError as error:
            _remove_quietly(pending.temporary)
            return self._failed(pending.result, error)
        return pending

    def discard_pending(self) -> None:
        """Delete copies that were never kept (after an interruption)."""
        for entry in self._queue:
            if isinstance(entry, Pending):
                entry.flushed.cancel()
                _remove_quietly(entry.temporary)
        self._queue.clear()

    def _attempt(self, plan: Plan) -> Pending | StripResult:
        result = StripResult(path=plan.source)
        try:
            return self._prepare(plan, result)
        except (StripFailed, MediaFormatError, ExifToolError, OSError) as error:
            return self._failed(result, error)

    def _failed(self, result: StripResult, error: BaseException) -> StripResult:
        sentence = self.wording.failed.format(reason=_sentence_end(_reason(error)))
        result.out, result.verified, result.error = None, False, sentence
        result.failure = StripFailed(sentence, result.path)
        return result

    # --- making the copy -----------------------------------------------------------------------------

    def _prepare(self, plan: Plan, result: StripResult) -> Pending:
        self._refuse_unsafe_target(plan)
        before = os.stat(plan.source)
        result.sha256, _, head = hash_file(plan.source)
        media_format = formats.detect_head(head)
        if media_format is None:
            raise StripFailed(self.wording.unsupported, plan.source)
        _make_folder(plan.target.parent)
        handle, name = tempfile.mkstemp(
            prefix=TEMPORARY_PREFIX, suffix=TEMPORARY_SUFFIX, dir=plan.target.parent
        )
        os.close(handle)
        temporary = Path(name)
        flushed: Future[None] | None = None
        try:
            result.removed = list(media_format.strip(plan.source, temporary))
            flushed = self.flusher.submit(_flush, temporary)
            self._check_here(plan.source, temporary, media_format, result)
        except BaseException:
            if flushed is not None:
                _wait_quietly(flushed)
            _remove_quietly(temporary)
            raise
        return Pending(plan, result, temporary, before, flushed)

    def _check_here(self, source: Path, copy: Path, media_format: MediaFormat, result: StripResult) -> None:
        """Checks 1, 2 and 4: everything but ExifTool."""
        if formats.detect(copy) is not media_format:
            raise StripFailed(f"the cleaned copy is no longer a {media_format.name} file.", source)
        try:
            again = media_format.scan(copy)
        except MediaFormatError as error:
            raise StripFailed(
                "the cleaned copy could not be read back, so it was not kept.", source
            ) from error
        result.format = (again.format or media_format.name).lower()
        result.checks.append(verify.OWN_SCANNER)
        self._fail_on(verify.own_scan_problems(again), source)
        self._fail_on(verify.independent_problems(copy), source)
        result.checks.append("independent readers (Pillow, pypdf or zipfile, and a byte search)")
        problems, notes = verify.lossless_problems(source, copy, decode=self.decode_pixels)
        self._fail_on(problems, source)
        result.checks.append("content and orientation unchanged")
        result.notes += notes

    def _fail_on(self, problems: list[Problem], source: Path) -> None:
        if problems:
            more = len(problems) - 1
            extra = f" {more} more problem{'s were' if more > 1 else ' was'} found." if more else ""
            raise StripFailed(problems[0].sentence() + extra, source)

    # --- keeping the copy ----------------------------------------------------------------------------

    def _finish(self, pending: Pending) -> None:
        try:
            self._keep(pending)
        except (StripFailed, ExifToolError, OSError) as error:
            _wait_quietly(pending.flushed)
            _remove_quietly(pending.temporary)
            self._failed(pending.result, error)
        except BaseException:
            _wait_quietly(pending.flushed)
            _remove_quietly(pending.temporary)
            raise

    def _keep(self, pending: Pending) -> None:
        source, result = pending.plan.source, pending.result
        if self.exiftool is not None:
            tags = self.exiftool.receive()
            self._fail_on(verify.exiftool_problems(tags), source)
            result.exiftool = self.exiftool.version()
            result.checks.append(f"ExifTool {result.exiftool}")
        else:
            result.notes.append(NO_EXIFTOOL)
        if not _same_state(pending.before, os.stat(source)):
            raise StripFailed(self.wording.source_changed, source)
        pending.flushed.result()  # on disk before it gets its name
        self._publish(pending.temporary, pending.plan.target)
        result.out, result.verified = pending.plan.target, True

    def _publish(self, temporary: Path, target: Path) -> None:
        if self.overwrite:
            os.replace(temporary, target)
        else:
            _link_without_replacing(temporary, target, self.wording.exists.format(out=target))
        self.folders_to_flush.add(target.parent)

    def _refuse_unsafe_target(self, plan: Plan) -> None:
        if _same_file(plan.source, plan.target):
            raise StripFailed(self.wording.would_overwrite_original, plan.source)
        if not self.overwrite and (plan.target.exists() or plan.target.is_symlink()):
            raise StripFailed(self.wording.exists.format(out=plan.target), plan.source)


def _link_without_replacing(temporary: Path, target: Path, exists_message: str) -> None:
    """Give the copy its name only if the name is free, atomically where the file system can."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise StripFailed(exists_message, target) from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # No hard links here (FAT, exFAT, some network shares): check, then rename.
        if target.exists():
            raise StripFailed(exists_message, target) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


def _same_file(source: Path, target: Path) -> bool:
    try:
        return target.exists() and os.path.samefile(source, target)
    except OSError:
        return source.resolve() == target.resolve()


def _same_state(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns, before.st_ino) == (
        after.st_size,
        after.st_mtime_ns,
        after.st_ino,
    )


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            f"the output folder could not be made ({error.strerror or type(error).__name__}).", folder
        ) from error
    if not folder.is_dir():
        raise InputError("this is not a folder, so cleaned copies cannot be written into it.", folder)


def _flush(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _flush_folder(folder: Path) -> None:
    # So the new name survives a power cut; some file systems cannot flush a folder, which is harmless.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _wait_quietly(flushed: Future[None]) -> None:
    # Never delete a file while another thread is still flushing it; its own error no longer matters.
    with contextlib.suppress(OSError):
        flushed.result()


def _remove_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)


def _reason(error: BaseException) -> str:
    if isinstance(error, InputError):
        return error.message.removeprefix(f"{error.path}: ") if error.path is not None else error.message
    if isinstance(error, OSError):
        return f"the copy could not be written ({error.strerror or type(error).__name__})."
    return str(error)


def _sentence_end(reason: str) -> str:
    reason = reason.strip()
    return reason if reason.endswith((".", "!", "?")) else reason + "."
