"""The Windows registry, read only. On other systems there is none, and tests pass a fake reader.

`winreg` is imported only on Windows. Keys are written with their hive first (`HKLM\\SOFTWARE\\…`,
`HKCU\\Software\\…`); 64-bit programs' keys are read through the 64-bit view, 32-bit ones through
`WOW6432Node` like any other key.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from stalkproof.digital.computer.model import RegistryReader

RUN_KEYS = (
    "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
    "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
)
UNINSTALL_KEYS = (
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
)


def system_registry() -> RegistryReader | None:
    """This computer's registry on Windows; None elsewhere."""
    if sys.platform == "win32":
        return _WinregReader()
    return None


if sys.platform == "win32":
    import winreg

    _HIVES = {"HKLM": winreg.HKEY_LOCAL_MACHINE, "HKCU": winreg.HKEY_CURRENT_USER}

    class _WinregReader:
        def _open(self, key: str) -> winreg.HKEYType | None:
            hive, _, path = key.partition("\\")
            try:
                return winreg.OpenKey(_HIVES[hive], path, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)
            except FileNotFoundError:
                return None

        def values(self, key: str) -> Mapping[str, object] | None:
            handle = self._open(key)
            if handle is None:
                return None
            found: dict[str, object] = {}
            with handle:
                count = winreg.QueryInfoKey(handle)[1]
                for index in range(count):
                    name, data, _kind = winreg.EnumValue(handle, index)
                    found[name] = data
            return found

        def subkeys(self, key: str) -> Sequence[str] | None:
            handle = self._open(key)
            if handle is None:
                return None
            with handle:
                count = winreg.QueryInfoKey(handle)[0]
                return [winreg.EnumKey(handle, index) for index in range(count)]
