"""Files people upload: written into a private temporary folder under a safe name, capped in size, and
deleted when the request is done. The name the browser sends is kept only as a label.

Services read the saved copy exactly as they would read a file named on the command line, so an upload
and `stalkproof import PATH` take the same path through the code.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath

from starlette.datastructures import UploadFile

from stalkproof.errors import InputError
from stalkproof.web.config import DEFAULT_UPLOAD_LIMIT

CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\- ()+]", re.UNICODE)


def safe_name(offered: str | None, fallback: str = "upload") -> str:
    """The last part of whatever path the browser sent, with anything odd replaced: never a path."""
    raw = offered or ""
    last = PureWindowsPath(PurePosixPath(raw).name).name
    cleaned = _UNSAFE.sub("_", last).strip(" .")
    return cleaned[:120] or fallback


@contextmanager
def received(files: Sequence[UploadFile], limit: int = DEFAULT_UPLOAD_LIMIT) -> Iterator[list[Path]]:
    """The uploaded files saved to disk (in the order given), removed afterwards whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix="stalkproof-upload-"))
    os.chmod(folder, 0o700)
    try:
        yield [_save(upload, folder, index, limit) for index, upload in enumerate(files) if upload.filename]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _save(upload: UploadFile, folder: Path, index: int, limit: int) -> Path:
    name = safe_name(upload.filename)
    # Each file gets its own sub-folder so two uploads with the same name never overwrite each other.
    target = folder / str(index) / name
    target.parent.mkdir()
    written = 0
    with target.open("xb") as sink:
        while chunk := upload.file.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise InputError(
                    f"{name} is larger than {_size(limit)}, which is too big to upload here. "
                    "Use the command line (stalkproof import) for very large files."
                )
            sink.write(chunk)
    return target


def _size(limit: int) -> str:
    if limit >= 1024**2:
        return f"{-(-limit // 1024**2)} MB"
    return f"{-(-limit // 1024)} KB"
