"""How much memory this process may use: the machine's, its cgroup's and its rlimits'.

:func:`memory_limit` is the smallest of the physical memory, a cgroup's ``memory.max``
(v2) or ``memory.limit_in_bytes`` (v1), and what ``RLIMIT_AS`` and ``RLIMIT_DATA`` leave
beside what the process already maps; each with where it comes from, for messages.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

#: cgroup files that hold a memory limit (v2, then v1); "max" or a huge number: none.
_CGROUP_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)
_NO_LIMIT = 1 << 60


@dataclass(frozen=True)
class MemoryLimit:
    """A number of bytes and what sets it (``physical memory``, ``RLIMIT_AS``, ...)."""

    bytes: int
    source: str


def _status_kib(field: str) -> int | None:
    """A ``/proc/self/status`` field in KiB (``VmSize``, ``VmData``), or ``None``."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return None


def _physical() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup() -> int | None:
    for path in _CGROUP_LIMITS:
        with contextlib.suppress(OSError, ValueError):
            text = path.read_text().strip()
            if text != "max" and int(text) < _NO_LIMIT:
                return int(text)
    return None


def _rlimit(which: str, used_field: str) -> int | None:
    if sys.platform == "win32":  # pragma: no cover - no rlimits on Windows
        return None
    import resource  # noqa: PLC0415 - POSIX only

    soft, _ = resource.getrlimit(getattr(resource, which))
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    used = _status_kib(used_field)
    return max(0, soft - (used or 0) * 1024)


def memory_limit() -> MemoryLimit:
    """The most memory this process can still ask for, and what limits it.

    Returns the physical memory when nothing else is known (``1 << 60`` bytes where even
    that cannot be read).
    """
    found = [
        (_physical(), "this machine's memory"),
        (_cgroup(), "the memory limit of its cgroup"),
        (_rlimit("RLIMIT_AS", "VmSize"), "what the address-space limit (ulimit -v) leaves"),
        (_rlimit("RLIMIT_DATA", "VmData"), "what the data-size limit (ulimit -d) leaves"),
    ]
    known = [(n, why) for n, why in found if n is not None]
    if not known:
        return MemoryLimit(_NO_LIMIT, "no known limit")
    n, why = min(known)
    return MemoryLimit(int(n), why)
