"""Which reader a file needs, told from its first bytes, and a plain sentence when none fits."""

from __future__ import annotations

from pathlib import Path

from stalkproof.digital.network import pcap, pcapdroid, zeek_dns
from stalkproof.digital.network.contact import Reader
from stalkproof.errors import InputError

READERS: tuple[Reader, ...] = (pcap, zeek_dns, pcapdroid)

_COMPRESSED = {
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"\xfd7zXZ": "xz",
    b"BZh": "bzip2",
    b"\x28\xb5\x2f\xfd": "zstd",
}


def reader_for(path: Path) -> Reader:
    """The reader for `path`; an InputError naming what was expected when none recognises it."""
    if not path.is_file():
        raise InputError("this is not a file stalkproof can open.", path)
    if path.stat().st_size == 0:
        raise InputError("this file is empty (0 bytes), so there is nothing in it to check.", path)
    for reader in READERS:
        if reader.detect(path):
            return reader
    zeek_log = zeek_dns.log_name(path)
    if zeek_log is not None:
        kind = f"a Zeek {zeek_log}.log" if zeek_log else "a Zeek log without DNS queries"
        raise InputError(f"this is {kind}; stalkproof reads Zeek's dns.log.", path)
    with path.open("rb") as stream:
        start = stream.read(8)
    for magic, kind in _COMPRESSED.items():
        if start.startswith(magic):
            raise InputError(
                f"this file is compressed ({kind}); unpack it first, then check what was inside.", path
            )
    kinds = [reader.expects for reader in READERS]
    expected = "; ".join(kinds[:-1]) + "; or " + kinds[-1]
    raise InputError(f"this is not a network recording stalkproof can read: expected {expected}.", path)


def recognised(path: Path) -> bool:
    """Whether some reader can read `path` (for choosing the files in a folder)."""
    return path.is_file() and path.stat().st_size > 0 and any(reader.detect(path) for reader in READERS)
