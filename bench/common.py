"""What the benchmark scripts share: the throwaway vault settings and the peak-memory reading."""

from __future__ import annotations

import resource
from pathlib import Path

from stalkproof.vault.keys import KdfParams

MB = 1024 * 1024
PASSPHRASE = "bench passphrase"
FAST_KDF = KdfParams(1, 1024, 1)  # key stretching is not what is measured here


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MB.

    VmHWM from /proc where there is one: a child started with vfork (as `subprocess` does on Linux)
    inherits the parent's high-water mark in ru_maxrss across exec, so ru_maxrss would report the
    parent's peak, not the child's.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
