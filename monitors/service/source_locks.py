"""One runner per source on a PostgreSQL database, wherever the runners start.

On SQLite the daemon's pidfile lies beside the database file, so every runner of that file finds
it. On PostgreSQL a pidfile is the working folder's: a daemon started from another folder or
another machine found none, and crawled every source beside the first without a word. Yet
PostgreSQL is also where several machines may share the crawl (docs/scaling.md: stores,
matching and deliveries are safe with several runners), so the database is not locked whole:
each runner holds, in a session of its own for its life, one advisory lock per source it
crawls. A second runner whose sources overlap stops at once naming the sources and who holds
them; runners of different sources share the database, from one folder too (each has a pidfile
of its own there: monitors.service.runners.pidfile_for).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Iterable
from pathlib import Path

from crawler.core.errors import VeilleError
from crawler.storage import store
from crawler.storage.engine import (
    PostgresDatabase,
    is_postgres_location,
    mask_location,
    mask_password,
)

logger = logging.getLogger(__name__)

# How often a runner checks that its session still holds its sources' locks, between the checks
# before each crawl: a session ended while no crawl starts is found within this time.
CHECK_SECONDS = 30.0

# The locks' session over TCP: a connection dropped on the way (a NAT's or a firewall's idle
# timeout) fails a check within about a minute, where a statement on it waited for the system's
# retransmissions (some 15 minutes), every crawl waiting behind it. Unix sockets ignore them.
# Opening it again waits at most connect_timeout for a server that does not answer (libpq
# waits with no end), the crawls again behind it.
KEEPALIVES: dict[str, str | int | None] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
}


class SourcesHeldElsewhere(VeilleError):
    """Sources this runner would crawl are another runner's on the same database."""

    def __init__(self, held: dict[str, str], location: str) -> None:
        holders = sorted(set(held.values()))
        named = "; ".join(
            holder.removeprefix("veille daemon ") if holder else "a session of another user"
            for holder in holders
        )
        listed = ", ".join(f"'{name}'" for name in sorted(held))
        super().__init__(
            f"{'source' if len(held) == 1 else 'sources'} {listed} already crawled by another "
            f"veille daemon or `run --once` ({named}) on this database ({location}); stop it "
            "first, or give each runner sources of its own (runners of different sources may "
            "share a PostgreSQL database)"
        )
        self.held = held


class SourceLocks:
    """The sources' locks this process holds, in one session kept open until `close`.

    The session may end under it (a server's restart, a dropped connection, a session ended by
    an administrator's pg_terminate_backend), and every lock with it, without a word. `check`
    (before each of the daemon's crawls, and every CHECK_SECONDS from `keep_checking`, which
    also keeps the session from being idle) finds it gone, says so, connects again and takes the
    locks again where they are free; a source another runner took meanwhile is `lost`: not
    crawled here (`holds` is False) until a later check finds it free again."""

    def __init__(self, database: PostgresDatabase, location: str, dsn: str | None = None) -> None:
        self._database = database
        self._location = location
        self._dsn = dsn  # the location to connect again with (its password: never said)
        self._names: set[str] = set()  # held by this session
        # wanted, not held: who holds each ('' hidden from this user, None not known yet)
        self._lost: dict[str, str | None] = {}
        self._session_error: str | None = None  # why the session could not be opened again
        self._guard = threading.Lock()  # the start, a reload's thread, checks and the stop
        self._closed = threading.Event()
        self._who = session_name(os.getpid(), socket.gethostname())

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._names)

    @property
    def lost(self) -> dict[str, str]:
        """Sources this runner should crawl whose lock another runner took while its session
        was gone, each with that runner's name ('' when hidden from this user)."""
        with self._guard:
            return {name: holder for name, holder in self._lost.items() if holder is not None}

    @property
    def session_error(self) -> str | None:
        """Why the session that holds the locks could not be opened again, while it cannot."""
        return self._session_error

    def holds(self, name: str) -> bool:
        """Whether this runner holds `name`'s lock, and so may crawl it."""
        return name in self._names

    def take(self, names: Iterable[str]) -> None:
        """Hold these sources too, all or none; SourcesHeldElsewhere names those another
        runner holds."""
        from crawler.storage.postgres_schema import take_source_locks

        with self._guard:
            wanted = set(names) - self._names
            if not wanted:
                return
            try:
                held = take_source_locks(self._database.conn, self._application_name(), wanted)
            except _session_errors() as exc:  # ended since the last check: open it again
                self._session_ended(exc)
                if self._session_error is not None:
                    raise VeilleError(
                        f"the database session holding the sources' locks on {self._location} "
                        f"cannot be opened again ({self._session_error}): {_listed(wanted)} not "
                        "taken; reload again once the database answers"
                    ) from None
                held = take_source_locks(self._database.conn, self._application_name(), wanted)
            if held:
                raise SourcesHeldElsewhere(held, self._location)
            self._names |= wanted
            for name in wanted:
                self._lost.pop(name, None)

    def release(self, names: Iterable[str]) -> None:
        """Let go of these sources (left out of a reloaded sources file)."""
        from crawler.storage.postgres_schema import release_source_locks

        with self._guard:
            names = set(names)
            for name in names:
                self._lost.pop(name, None)
            gone = names & self._names
            self._names -= gone
            try:
                release_source_locks(self._database.conn, sorted(gone))
            except _session_errors():
                pass  # a session that ended holds nothing: the next check says so

    def check(self) -> None:
        """Whether the session still holds every lock; if it ended, say so, connect again and
        take the locks again where free, naming each source another runner took meanwhile.
        A source lost so is tried again at each check."""
        from crawler.storage.postgres_schema import held_source_locks, source_lock_key

        with self._guard:
            if self._closed.is_set():
                return
            try:
                if self._session_error is None:
                    keys = held_source_locks(self._database.conn)
                    gone = {n for n in self._names if source_lock_key(n) not in keys}
                    if gone:  # pg_advisory_unlock_all, say: the session lives, the locks not
                        logger.error(
                            "the locks of %s are no longer held by this runner's session on %s: "
                            "taking them again where free",
                            _listed(gone),
                            self._location,
                        )
                        self._names -= gone
                        self._retake(gone)
                    if self._lost:
                        self._retake(set(self._lost))
                    return
            except _session_errors() as exc:
                self._session_ended(exc)
                return
            self._reconnect()

    def keep_checking(self, every: float = CHECK_SECONDS) -> None:
        """`check` every `every` seconds until `close`, in a thread of its own: a session that
        ends is found even while no crawl starts, and the session never waits idle long."""

        def run() -> None:
            while not self._closed.wait(every):
                try:
                    self.check()
                except Exception:  # a check must never end the checks
                    logger.exception("checking the sources' locks failed; checking again")

        threading.Thread(target=run, name="source-locks", daemon=True).start()

    def close(self) -> None:
        """End the session: PostgreSQL lets go of every lock it held (as it does when the
        process dies, however it dies)."""
        self._closed.set()
        with self._guard:
            self._database.close()
            self._names.clear()
            self._lost.clear()

    # -- a session that ended -------------------------------------------------------------------

    def _application_name(self) -> str:
        return self._who

    def _session_ended(self, exc: BaseException) -> None:
        wanted = self._names | set(self._lost)
        logger.error(
            "the PostgreSQL session holding the locks of %s on %s ended (%s): a server's "
            "idle_session_timeout, a restart, a dropped connection or pg_terminate_backend; "
            "connecting again to take them again where free (another runner may have taken "
            "some meanwhile)",
            _listed(wanted),
            self._location,
            self._said(exc),
        )
        self._lost.update(dict.fromkeys(self._names))
        self._names.clear()
        with contextlib.suppress(Exception):
            self._database.close()
        self._reconnect()

    def _reconnect(self) -> None:
        from crawler.storage.postgres_schema import keep_session_open

        if self._dsn is None:
            self._session_error = "no location to connect again with"
            return
        try:
            database = _connect(self._dsn)
        except _session_errors() as exc:
            if self._session_error is None:
                logger.error(
                    "the session holding the sources' locks cannot be opened again on %s (%s): "
                    "no source is crawled here until it is; trying again every %d s",
                    self._location,
                    self._said(exc),
                    int(CHECK_SECONDS),
                )
            self._session_error = self._said(exc)
            return
        self._database = database
        if self._session_error is not None:
            logger.warning(
                "the session holding the sources' locks is open again on %s", self._location
            )
        self._session_error = None
        try:
            keep_session_open(database.conn)
            self._retake(set(self._lost))
        except _session_errors() as exc:  # ended again at once: the next check tries again
            self._session_error = self._said(exc)

    def _retake(self, names: set[str]) -> None:
        """Take each of `names` again where free, one by one (not all or none: a source another
        runner holds now is lost, the others are crawled on)."""
        from crawler.storage.postgres_schema import take_source_locks

        again = []
        for name in sorted(names):
            held = take_source_locks(self._database.conn, self._application_name(), [name])
            if not held:
                self._names.add(name)
                if self._lost.pop(name, None) is not None:
                    again.append(name)
                continue
            holder = held[name].removeprefix("veille daemon ") or "a session of another user"
            if held[name] == self._application_name():
                holder = "this runner's former session, not yet ended on the server's side"
            if name not in self._lost or self._lost[name] != held[name]:
                logger.error(
                    "source=%s no longer crawled by this runner: another runner (%s) took its "
                    "lock on %s while this runner's session was gone; a crawl of it under way "
                    "here ends by itself, and this runner takes it again once it is free (or "
                    "take it out of this runner's sources file and reload)",
                    name,
                    holder,
                    self._location,
                )
            self._lost[name] = held[name]
        if again:
            logger.warning("locks of %s taken again: crawled by this runner again", _listed(again))

    def _said(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split())[:300] or type(exc).__name__
        return mask_password(text, self._dsn) if self._dsn else text


def _session_errors() -> tuple[type[BaseException], ...]:
    """What a session that ended raises (psycopg's errors: a closed connection, the server's
    termination)."""
    import psycopg

    return (psycopg.Error,)


def _connect(dsn: str) -> PostgresDatabase:
    """A session of its own for the locks, with TCP keepalives (KEEPALIVES)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    conninfo = make_conninfo(dsn, **KEEPALIVES)
    return PostgresDatabase(dsn, connection=psycopg.connect(conninfo, autocommit=True))


def _listed(names: Iterable[str]) -> str:
    named = sorted(names)
    return f"{'source' if len(named) == 1 else 'sources'} " + ", ".join(f"'{n}'" for n in named)


def session_name(pid: int, host: str) -> str:
    """How the runner `pid` of `host` names the session holding its sources' locks (its
    application_name, which PostgreSQL cuts at 63 bytes: a long host name is cut too)."""
    return f"veille daemon pid {pid} on {host}".encode()[:63].decode(errors="ignore")


def hold_source_locks(db: Path | str, names: Iterable[str]) -> SourceLocks | None:
    """On PostgreSQL, the locks of the sources this runner crawls (SourcesHeldElsewhere when
    another runner holds any of them); None on SQLite, whose pidfile lies beside the file."""
    if not is_postgres_location(db):
        return None
    import psycopg

    from crawler.storage.postgres_schema import explain_postgres_error, keep_session_open

    store.open_database(db).close()  # the schema brought up to date, its errors explained
    try:
        database = _connect(str(db))
    except psycopg.Error as exc:
        raise explain_postgres_error(str(db), exc) from None
    locks = SourceLocks(database, mask_location(str(db)), str(db))
    try:
        keep_session_open(database.conn)
        locks.take(names)
    except BaseException:
        locks.close()
        raise
    return locks
