"""Paths and command lines as the checked computer writes them, whatever computer stalkproof runs on.

Two views of one indicator path such as `%ProgramFiles%\\AnyDesk` or `~/Library/LaunchAgents`:
`expand_text` gives the text the checked computer would show (to compare with a program's path), and
`locate` gives where that file is on the file system being read (under a test's fake root). Windows
paths compare ignoring case; macOS paths too (its usual file system ignores case); Linux paths exactly.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Literal

from stalkproof.digital.computer.model import Environment, Platform

OddFolder = Literal["temporary", "hidden"]

# Where a Windows folder variable points when the environment does not say: (base, path under it).
_WINDOWS_FOLDERS: dict[str, tuple[Literal["root", "home"], str]] = {
    "PROGRAMFILES": ("root", "Program Files"),
    "PROGRAMFILES(X86)": ("root", "Program Files (x86)"),
    "PROGRAMW6432": ("root", "Program Files"),
    "PROGRAMDATA": ("root", "ProgramData"),
    "ALLUSERSPROFILE": ("root", "ProgramData"),
    "SYSTEMROOT": ("root", "Windows"),
    "WINDIR": ("root", "Windows"),
    "USERPROFILE": ("home", ""),
    "APPDATA": ("home", "AppData\\Roaming"),
    "LOCALAPPDATA": ("home", "AppData\\Local"),
    "TEMP": ("home", "AppData\\Local\\Temp"),
    "TMP": ("home", "AppData\\Local\\Temp"),
}
_VARIABLE = re.compile(r"%([^%\\/]+)%")
_SHELL_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def basename(text: str, platform: Platform) -> str:
    """The last part of a path, with the checked computer's separators."""
    if platform == "windows":
        return PureWindowsPath(text).name
    return PurePosixPath(text).name


def normalise(text: str, platform: Platform) -> str:
    if platform == "windows":
        return text.replace("/", "\\").rstrip("\\").casefold()
    if platform == "macos":
        return text.rstrip("/").casefold()
    return text.rstrip("/")


def inside(path_text: str, folder_text: str, platform: Platform) -> bool:
    """True when `path_text` is `folder_text` or lies under it (a folder boundary, never a name prefix)."""
    path, folder = normalise(path_text, platform), normalise(folder_text, platform)
    separator = "\\" if platform == "windows" else "/"
    return bool(folder) and (path == folder or path.startswith(folder + separator))


def program_of(command: str, platform: Platform) -> str | None:
    """The program a command line starts: its first word, skipping `env` and `NAME=value` settings."""
    text = command.strip()
    if not text:
        return None
    if platform == "windows":
        return _windows_program(text)
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if words and words[0] in ("env", "/usr/bin/env"):
        words = [word for word in words[1:] if not word.startswith("-")]
    while words and _SHELL_ASSIGNMENT.match(words[0]):
        words = words[1:]
    return words[0] if words else None


def _windows_program(text: str) -> str:
    if text.startswith('"'):
        end = text.find('"', 1)
        return text[1:end] if end > 0 else text[1:]
    # Unquoted paths may hold spaces ("C:\Program Files\x\a.exe -arg"): cut after the program's suffix.
    match = re.search(r"\.(exe|com|bat|cmd|lnk)\b", text, flags=re.IGNORECASE)
    return text[: match.end()] if match else text.split(maxsplit=1)[0]


def _windows_variable(name: str, env: Environment) -> tuple[Literal["root", "home"], str] | str | None:
    """The environment's value for `name`, or the default (base, subfolder); None if unknown."""
    for key, value in env.environ.items():
        if key.upper() == name.upper():
            return value
    return _WINDOWS_FOLDERS.get(name.upper())


def expand_text(pattern: str, env: Environment) -> str | None:
    """`pattern` as the checked computer would write it; None when it needs a home folder we lack."""
    if env.platform == "windows":
        return _expand_windows_text(pattern, env)
    if pattern.startswith("~"):
        return None if env.home is None else str(env.home) + pattern[1:]
    return pattern


def _expand_windows_text(pattern: str, env: Environment) -> str | None:
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        found = _windows_variable(match.group(1), env)
        if isinstance(found, str):
            return found
        if found is None or (found[0] == "home" and env.home is None):
            unknown = True
            return match.group(0)
        base, sub = found
        start = "C:" if base == "root" else str(env.home)
        return "\\".join(part for part in (start, sub) if part)

    text = _VARIABLE.sub(replace, pattern)
    return None if unknown else text


def locate(pattern: str, env: Environment) -> Path | None:
    """Where `pattern` is on the file system being read; None when it needs a home folder we lack."""
    if env.platform == "windows":
        return _locate_windows(pattern, env)
    if pattern.startswith("~"):
        return None if env.home is None else env.home / pattern[1:].lstrip("/")
    return env.root / pattern.lstrip("/")


def _locate_windows(pattern: str, env: Environment) -> Path | None:
    match = _VARIABLE.match(pattern)
    if match is None:
        parts = PureWindowsPath(pattern).parts
        return env.root.joinpath(*parts[1:]) if parts else None
    found = _windows_variable(match.group(1), env)
    rest = PureWindowsPath(pattern[match.end() :].lstrip("\\/")).parts
    if isinstance(found, str):
        return Path(found).joinpath(*rest)
    if found is None:
        return None
    base_name, sub = found
    base = env.root if base_name == "root" else env.home
    if base is None:
        return None
    return base.joinpath(*PureWindowsPath(sub).parts, *rest)


def odd_folder(
    program: str, env: Environment, temporary: Iterable[str], ordinary_hidden: Iterable[str]
) -> OddFolder | None:
    """`temporary` when `program` sits in a temporary folder, `hidden` when in a hidden (dot) folder that
    is not an ordinary one (such as `.local`); None otherwise, or when it is a bare command name."""
    for folder in temporary:
        expanded = expand_text(folder, env)
        if expanded is not None and inside(program, expanded, env.platform):
            return "temporary"
    if env.platform == "windows" or "/" not in program:
        return None
    allowed = {name.casefold() for name in ordinary_hidden}
    folders = PurePosixPath(program).parts[:-1]
    if any(
        part.startswith(".") and part not in (".", "..") and part.casefold() not in allowed
        for part in folders
    ):
        return "hidden"
    return None
