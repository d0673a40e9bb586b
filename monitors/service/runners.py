"""The runners of a database (`veille run`, `veille run --once`) found through their pidfiles:
where a runner writes its own, which of them live and which a dead runner left, and asking them
to reload (`veille reload`, the reader after a saved watchlist) or to stop (`veille stop`).

A runner holds an exclusive lock on its pidfile for its whole life, however it ends: a pidfile
whose lock is free is a dead runner's, and the pid written in it may now be anyone's, never to
be signalled. On SQLite the pidfile lies beside the database file, one runner at a time; on
PostgreSQL each runner has its own in data/ of its working folder (runners of different
sources share the database: monitors.service.source_locks), and the commands reach every
runner started from the folder they run in.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import signal
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from crawler.core.errors import VeilleError
from crawler.core.owners import process_alive
from crawler.storage.engine import PostgresDatabase, is_postgres_location, mask_location

if TYPE_CHECKING:
    from crawler.storage.engine import Database

logger = logging.getLogger(__name__)

# How long a runner starting on a SQLite file waits for its pidfile's lock before it takes the
# holder for a running daemon: `veille status`, `veille stop`, `veille reload` and the reader
# hold it an instant while they look (or, stop, while it removes a dead runner's pidfile).
PROBE_WAIT = 2.0


def _postgres_digest(db: Path | str) -> str:
    """A PostgreSQL database's name in its runners' pidfiles: a digest of its location without
    the password."""
    return hashlib.sha256(mask_location(str(db)).encode()).hexdigest()[:12]


def pidfile_for(db: Path | str) -> Path:
    """Where this process writes its pid as a runner of `db`: next to its SQLite file, where
    one runner at a time holds it; for a PostgreSQL database, in ./data under a name of its own
    (a digest of the location without its password) and this process's pid: there runners of
    different sources share the database, from one folder as from several, each source's lock
    the guard (monitors.service.source_locks), and each runner has a pidfile of its own."""
    if is_postgres_location(db):
        return Path("data") / f"veille-{_postgres_digest(db)}-{os.getpid()}.pid"
    return Path(db).parent / "veille.pid"


def pidfiles_of(db: Path | str) -> list[Path]:
    """The pidfiles of `db`'s runners that `veille reload`, `veille stop`, `veille status` and
    the reader look at: the SQLite file's one; on PostgreSQL, those of every runner started from
    this folder (an earlier veille's `data/veille-<digest>.pid` among them)."""
    if is_postgres_location(db):
        return sorted(Path("data").glob(f"veille-{_postgres_digest(db)}*.pid"))
    return [pidfile_for(db)]


def pidfiles_named(db: Path | str) -> Path:
    """How a message names the pidfiles it looked for."""
    if is_postgres_location(db):
        return Path("data") / f"veille-{_postgres_digest(db)}-*.pid"
    return pidfile_for(db)


def hold_daemon_lock(
    pidfile: Path,
    probe_wait: float = PROBE_WAIT,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> TextIO:
    """Lock the pidfile (held until the process ends, however it ends) and write our pid in
    it. A second daemon on the same SQLite file stops here with the first one's pid, instead of
    overwriting the pidfile that `veille reload` reads, once the lock stayed held `probe_wait`
    seconds: a look of `veille status`, `stop`, `reload` or the reader holds it an instant,
    and must not be taken for a daemon. On PostgreSQL the pidfile is this process's own
    (pidfile_for), and the pidfiles dead runners left beside it are removed."""
    shared = pidfile.name != "veille.pid"  # PostgreSQL's: named by its process
    while True:
        try:
            pidfile.parent.mkdir(parents=True, exist_ok=True)
            handle = open(pidfile, "a+", encoding="utf-8")  # noqa: SIM115 (held for the daemon's life)
        except OSError as exc:
            raise VeilleError(
                f"the daemon's pidfile {pidfile} cannot be written ({exc.strerror or exc}): it "
                "lies beside a SQLite file, and in data/ of the working folder for a PostgreSQL "
                "database; start veille from a folder it can write (the sample systemd units: "
                "WorkingDirectory=/var/lib/veille)"
            ) from None
        try:
            # PostgreSQL's is this process's own: only a look of reload's, stop's or status's,
            # an instant long, may hold its lock; the SQLite file's one a running daemon too
            if shared:
                fcntl.flock(handle, fcntl.LOCK_EX)
            else:
                _lock_past_looks(handle, pidfile, probe_wait, clock, sleep)
        except BlockingIOError:
            handle.seek(0)
            other = handle.read().strip() or "?"
            handle.close()
            raise VeilleError(
                f"another veille daemon (pid {other}) is already running on this database "
                f"({pidfile}); stop it first (`veille stop`, or `kill {other}`) or give this one "
                "another --db (`veille run --once` cannot run beside a daemon either: it would "
                "race its deliveries)"
            ) from None
        if _same_file(handle, pidfile):
            break
        handle.close()  # a dead runner's, removed (remove_stale) while this one opened it
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    if shared:
        _remove_dead(pidfile)
    return handle


def _lock_past_looks(
    handle: TextIO,
    pidfile: Path,
    wait: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> None:
    """Take the SQLite file's pidfile's lock, trying again for `wait` seconds while it is
    held: by a look (status, stop, reload, the reader's), which lets go at once, or by a
    running daemon, which never does (BlockingIOError then)."""
    deadline: float | None = None
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if deadline is None:
                deadline = clock() + wait
                logger.info(
                    "pidfile %s is locked: by a look of veille status, stop or reload, or by a "
                    "running daemon; trying again for %g s",
                    pidfile,
                    wait,
                )
            elif clock() >= deadline:
                raise
        sleep(0.01)


def _same_file(handle: TextIO, path: Path) -> bool:
    """Whether `path` still names the file `handle` has open."""
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _remove_dead(pidfile: Path) -> None:
    """Remove the pidfiles beside `pidfile` of this database's runners that died without
    removing theirs (SIGKILL, a crash): their lock is free and their process gone."""
    prefix = pidfile.name.rsplit("-", 1)[0]
    for other in pidfile.parent.glob(f"{prefix}-*.pid"):
        if other == pidfile:
            continue
        try:
            remove_stale(other, only_dead=True)
        except OSError:
            continue  # another's to clean, or not readable here


def _read_pid(handle: TextIO) -> int | None:
    """The pid a pidfile names; None for none, or for 0 or below, which os.kill reads as a
    process group or every process of the user, never to be signalled."""
    handle.seek(0)
    try:
        pid = int(handle.read().strip() or 0)
    except ValueError:
        return None
    return pid if pid > 0 else None


def _live_pid(pidfile: Path) -> int | None:
    """The pid in `pidfile` when a live runner holds its lock; None when none does (no such
    file, or a dead runner's, whose lock is free and whose pid may now be anyone's). A file
    this user may not read raises PermissionError."""
    try:
        handle = open(pidfile, encoding="utf-8")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(handle)
        return None


def _named_pid(pidfile: Path) -> int | None:
    """The pid a PostgreSQL runner's pidfile has in its name (pidfile_for), None for the
    SQLite file's veille.pid and an earlier veille's name without one."""
    named = re.search(r"-(\d+)\.pid$", pidfile.name)
    return int(named[1]) if named and int(named[1]) > 0 else None


def _died_starting(pidfile: Path) -> bool:
    """Whether a pidfile whose lock is free and that names no pid was left by a runner that
    died starting (killed between creating it and writing its pid), not one opening it now:
    the runner its name names (PostgreSQL's) no longer runs. A runner that opens the SQLite
    file's veille.pid takes its lock at once; were the file removed meanwhile, it makes its own
    again (hold_daemon_lock)."""
    named = _named_pid(pidfile)
    return named is None or named == os.getpid() or not process_alive(named)


def remove_stale(pidfile: Path, *, only_dead: bool = False) -> StalePidfile | None:
    """Remove `pidfile` if a dead runner left it (its lock free, and a pid written in it, or
    none by a runner that died starting: _died_starting): what it was, None when it is no dead
    runner's (a live runner's, one starting, gone). With `only_dead`, only when no process has
    the pid it names any more. Its lock is held while it is removed, so that a runner starting
    meanwhile finds its own file (hold_daemon_lock); a runner holding it is never touched."""
    try:
        handle = open(pidfile, encoding="utf-8")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # a live runner's, or one starting
        pid = _read_pid(handle)
        if pid is None and not _died_starting(pidfile):
            return None  # being opened by a runner that starts
        if (pid is not None and only_dead and process_alive(pid)) or not _same_file(
            handle, pidfile
        ):
            return None  # its pid another process's now, or already removed
        pidfile.unlink(missing_ok=True)
        return StalePidfile(pidfile, pid)


def running_daemon(db: Path | str) -> int | None:
    """The pid of a daemon (or `run --once`) running on this database (on PostgreSQL, one
    started from this folder), None when none does."""
    for pidfile in pidfiles_of(db):
        try:
            pid = _live_pid(pidfile)
        except OSError:  # not readable here: nothing to say of it
            continue
        if pid:
            return pid
    return None


@dataclass(frozen=True)
class Runner:
    """A live runner of the database, started from this folder: its pid, its pidfile, and when
    it started (when it wrote its pidfile)."""

    pid: int
    pidfile: Path
    since: datetime


@dataclass(frozen=True)
class StalePidfile:
    """A pidfile a runner left when it died (SIGKILL, a crash, the machine's stop): its lock
    is free; the pid it names runs veille no more. None when it names none: its runner died
    starting, between creating it and writing its pid."""

    pidfile: Path
    pid: int | None


@dataclass
class RunnersFound:
    """What the pidfiles of a database say: its live runners started from this folder, the
    pidfiles dead ones left, and those this user may not read (another user's runners)."""

    alive: list[Runner] = field(default_factory=list)
    stale: list[StalePidfile] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)


def find_runners(db: Path | str) -> RunnersFound:
    """The runners of `db` started from this folder (on SQLite, the one of its file), by their
    pidfiles, read without changing any."""
    found = RunnersFound()
    for pidfile in pidfiles_of(db):
        try:
            handle = open(pidfile, encoding="utf-8")  # noqa: SIM115 (closed below)
        except FileNotFoundError:
            continue
        except OSError:  # another user's, or not a file
            found.unreadable.append(pidfile)
            continue
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:  # held: a live runner's
                pid = _read_pid(handle)
                if pid is not None:
                    started = os.fstat(handle.fileno()).st_mtime
                    found.alive.append(Runner(pid, pidfile, datetime.fromtimestamp(started, UTC)))
                continue
            pid = _read_pid(handle)
            if pid is not None or _died_starting(pidfile):  # else one a runner opens now
                found.stale.append(StalePidfile(pidfile, pid))
    return found


class NoDaemon(VeilleError):
    """No daemon runs on the database: its pidfile is missing or a dead daemon's."""

    def __init__(self, pidfile: Path) -> None:
        super().__init__(f"no running daemon for this database ({pidfile} missing or stale)")
        self.pidfile = pidfile


class DaemonOfAnotherUser(VeilleError):
    """The database's daemon runs as another user, whom this one may not signal."""

    def __init__(self, pid: int, pidfile: Path, asked: str = "reload") -> None:
        super().__init__(
            f"the daemon of this database ({f'pid {pid}' if pid else f'its pidfile {pidfile}'}) "
            f"runs as another user: ask for its {asked} as that user"
        )
        self.pid = pid
        self.pidfile = pidfile


def request_reload(db: Path | str) -> list[int]:
    """Send SIGHUP to the daemon running on this database (`veille reload`, the reader after a
    watchlist is saved); on PostgreSQL to every runner started from this folder, each of its
    own sources. Their pids, or NoDaemon when none is running (DaemonOfAnotherUser when the
    one there is is another user's)."""
    signalled: list[int] = []
    refused: DaemonOfAnotherUser | None = None
    for pidfile in pidfiles_of(db):
        pid = 0  # not read yet: the pidfile may be another user's, unreadable here
        try:
            # A lock free to take is a dead daemon's pidfile (SIGKILL leaves it), whose pid may
            # now be anyone's, and SIGHUP would end that process.
            pid = _live_pid(pidfile) or 0
            if pid:
                os.kill(pid, signal.SIGHUP)
                signalled.append(pid)
        except ProcessLookupError:
            continue
        except PermissionError:
            refused = DaemonOfAnotherUser(pid, pidfile)
    if signalled:
        return signalled
    if refused is not None:
        raise refused
    raise NoDaemon(pidfiles_named(db))


@dataclass
class StopReport:
    """What `veille stop` did: the runners it asked to stop and those that did within the
    wait, those still running after it, those it could not ask (another user's), and the
    pidfiles of dead runners it removed."""

    asked: list[int] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)
    still_running: list[int] = field(default_factory=list)
    refused: list[DaemonOfAnotherUser] = field(default_factory=list)
    removed: list[StalePidfile] = field(default_factory=list)
    not_removed: list[tuple[Path, str]] = field(default_factory=list)  # and why not

    def remove(self, pidfile: Path, stopped: bool = False) -> None:
        """Remove `pidfile` if a dead runner left it (one stopped here is no news), noting
        what was removed, or why it could not be."""
        try:
            removed = remove_stale(pidfile)
        except OSError as exc:
            self.not_removed.append((pidfile, exc.strerror or str(exc)))
            return
        if removed is not None and not stopped:
            self.removed.append(removed)


def request_stop(
    db: Path | str,
    wait: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> StopReport:
    """Send SIGTERM to the runners of this database (on PostgreSQL, every runner started from
    this folder, as `request_reload`), then wait up to `wait` seconds of `clock` for each to
    let go of its pidfile, which a runner does once its crawls are stopped and its sources'
    locks let go of; the pidfiles dead runners left are removed."""
    report = StopReport()
    asked: dict[int, Path] = {}
    for pidfile in pidfiles_of(db):
        pid = 0
        try:
            pid = _live_pid(pidfile) or 0
            if pid:
                os.kill(pid, signal.SIGTERM)
                asked[pid] = pidfile
                report.asked.append(pid)
                continue
        except ProcessLookupError:  # ended between the look and the signal
            pass
        except PermissionError:
            report.refused.append(DaemonOfAnotherUser(pid, pidfile, "stop"))
            continue
        except OSError:  # not a file (a folder of that name): no runner's
            continue
        report.remove(pidfile)
    deadline = clock() + wait
    while True:
        for pid, pidfile in list(asked.items()):
            try:
                running = _live_pid(pidfile) == pid
            except OSError:  # removed and made again as another user's: not this runner's
                running = False
            if not running:
                del asked[pid]
                report.stopped.append(pid)
                report.remove(pidfile, stopped=True)  # `run --once` ends on SIGTERM, leaving it
        if not asked or clock() >= deadline:
            break
        sleep(min(0.1, max(0.0, deadline - clock())))
    report.still_running = sorted(asked)
    return report


# How a runner names the session holding its sources' locks (monitors.service.source_locks).
_LOCKS_SESSION = re.compile(r"veille daemon pid (?P<pid>\d+) on (?P<host>.*)")


@dataclass(frozen=True)
class LockHolder:
    """A runner of a PostgreSQL database seen by the sources' locks it holds, from whatever
    folder or machine: its pid and host (None and '' when PostgreSQL hides them from this
    user), since when its locks' session is open, and the sources it holds."""

    pid: int | None
    host: str
    since: str
    sources: list[str]


def lock_holders(database: Database, names: Iterable[str]) -> list[LockHolder]:
    """On PostgreSQL, every runner holding sources' locks on the database, with those of the
    sources `names` (the registered ones) it holds; [] on SQLite, whose runner is the one of
    its pidfile."""
    if not isinstance(database, PostgresDatabase):
        return []
    from crawler.storage.postgres_schema import source_lock_key, source_lock_sessions

    by_key = {source_lock_key(name): name for name in names}
    found: dict[str, LockHolder] = {}
    for session, key, since in source_lock_sessions(database.conn):
        if key not in by_key:
            continue  # a source no longer registered
        if session not in found:
            named = _LOCKS_SESSION.fullmatch(session)
            found[session] = LockHolder(
                int(named["pid"]) if named else None, named["host"] if named else "", since, []
            )
        found[session].sources.append(by_key[key])
    for holder in found.values():
        holder.sources.sort()
    return sorted(found.values(), key=lambda h: (h.host, h.pid or 0))


def runners_report(db: Path | str, database: Database, names: Iterable[str]) -> dict:
    """What `veille status` says of the runners (its JSON "runners"): those started from this
    folder that live (pid, since when, pidfile, the sources they hold: on PostgreSQL, read from
    their locks, None where not known), the pidfiles dead runners left, and on PostgreSQL the
    runners of other folders or machines, seen by their sources' locks."""
    from monitors.service.source_locks import session_name

    found = find_runners(db)
    holders = lock_holders(database, names)
    here = socket.gethostname()

    def of_this_machine(h: LockHolder) -> bool:  # its host name as its session says it (cut)
        return h.pid is not None and session_name(h.pid, h.host) == session_name(h.pid, here)

    mine = {h.pid: h for h in holders if of_this_machine(h)}
    local = {r.pid for r in found.alive}
    return {
        "pidfiles": str(pidfiles_named(db)),
        "alive": [
            {
                "pid": r.pid,
                "since": r.since.isoformat(timespec="seconds"),
                "pidfile": str(r.pidfile),
                "sources": mine[r.pid].sources if r.pid in mine else None,
            }
            for r in found.alive
        ],
        "stale": [{"pid": s.pid, "pidfile": str(s.pidfile)} for s in found.stale],
        "unreadable": [str(p) for p in found.unreadable],
        "elsewhere": [
            {"pid": h.pid, "host": h.host, "since": h.since, "sources": h.sources}
            for h in holders
            if not (of_this_machine(h) and h.pid in local)
        ],
    }
