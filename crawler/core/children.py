"""Long-lived child processes: they end with the process that started them, keep what their
start-up built out of garbage collections, and give freed memory back to the system."""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> Callable[[], None]:
    """A `preexec_fn` for a child process, run before it starts: ask Linux to SIGKILL it when
    the process that started it dies (a SIGKILLed daemon leaves no crawl or extraction behind,
    running with no time limit)."""
    libc = None
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            libc = None

    def prepare() -> None:
        if libc is not None:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return prepare


def freeze_startup_objects() -> int:
    """Move every object alive now (modules, classes, settings, models: what start-up built and
    the process keeps to its end) out of the collector's reach, and return their number. Full
    collections then walk only what came after: in a crawl worker's idle polls, 0.15 ms of
    collection a crawl instead of 1.2 ms (bench figures in docs/benchmarks.md). Call it once, at
    the end of start-up; the objects frozen are never freed, which is what start-up objects are."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


_libc: ctypes.CDLL | None = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(None)
        _libc.malloc_trim  # noqa: B018 (glibc only: musl has no malloc_trim)
    except (OSError, AttributeError):
        _libc = None


def release_free_memory() -> bool:
    """Hand the memory malloc holds free back to the system (glibc's malloc_trim): what a
    large page or a burst of crawls allocated and freed otherwise stays in this process's
    resident set, ready for reuse but counted against it. A few milliseconds; False where
    there is no glibc."""
    if _libc is None:
        return False
    _libc.malloc_trim(0)
    return True
