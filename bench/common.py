"""What the benchmark scripts share: the throwaway vault settings and the peak-memory reading."""

from __future__ import annotations

import cProfile
import io
import pstats
import resource
from collections.abc import Callable
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


PROFILE_LINES = 15


def profile_call(title: str, action: Callable[[], object]) -> str:
    """The top functions of one call by cumulative and by own time, for a benchmark's --profile."""
    profiler = cProfile.Profile()
    profiler.runcall(action)
    text = io.StringIO()
    text.write(f"== cProfile: {title} ==\n")
    for order in ("cumulative", "tottime"):
        stats = pstats.Stats(profiler, stream=text)
        stats.strip_dirs().sort_stats(order).print_stats(PROFILE_LINES)
    return text.getvalue()
