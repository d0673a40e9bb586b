"""Who holds a piece of shared work (a crawl run, a delivery claim), as `host:pid`, and whether
that holder is known to be gone.

On PostgreSQL several machines share one database: a process starting up may only take back
what a dead process of its own host left, never what a live process (or another machine,
which it cannot look into) still holds."""

from __future__ import annotations

import os
import socket


def this_process() -> str:
    """This host and process, as recorded beside the work it holds."""
    return f"{socket.gethostname()}:{os.getpid()}"


def alive_here(owner: str) -> bool:
    """False only for a process of this host that no longer runs; True for a live one, and for
    any other host's (not ours to judge)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    return process_alive(int(pid))


def process_alive(pid: int) -> bool:
    """Whether a process of this machine runs under `pid` (or is a zombie not yet waited
    for): the one test of the daemon's pidfiles, of the work a process holds and of the test
    suite's PostgreSQL clusters. A process of another user is alive too."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True
