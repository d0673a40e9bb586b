"""One runner per source on a PostgreSQL database, wherever the runners start.

On SQLite the daemon's pidfile lies beside the database file, so every runner of that file finds
it. On PostgreSQL the pidfile is the working folder's: a daemon started from another folder or
another machine found none, and crawled every source beside the first without a word. Yet
PostgreSQL is also where several machines may share the crawl (docs/scaling.md: stores,
matching and deliveries are safe with several runners), so the database is not locked whole:
each runner holds, in a session of its own for its life, one advisory lock per source it
crawls. A second runner whose sources overlap stops at once naming the sources and who holds
them; runners of different sources share the database.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterable
from pathlib import Path

from crawler.core.errors import VeilleError
from crawler.storage import store
from crawler.storage.engine import PostgresDatabase, is_postgres_location, mask_location


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
    """The sources' locks this process holds, in one session kept open until `close`."""

    def __init__(self, database: PostgresDatabase, location: str) -> None:
        self._database = database
        self._location = location
        self._names: set[str] = set()
        self._guard = threading.Lock()  # the start, a reload's thread and the stop
        self._who = f"veille daemon pid {os.getpid()} on {socket.gethostname()}"

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._names)

    def take(self, names: Iterable[str]) -> None:
        """Hold these sources too, all or none; SourcesHeldElsewhere names those another
        runner holds."""
        from crawler.storage.postgres_schema import take_source_locks

        with self._guard:
            wanted = set(names) - self._names
            if not wanted:
                return
            who = self._who.encode()[:63].decode(errors="ignore")  # application_name's bound
            held = take_source_locks(self._database.conn, who, wanted)
            if held:
                raise SourcesHeldElsewhere(held, self._location)
            self._names |= wanted

    def release(self, names: Iterable[str]) -> None:
        """Let go of these sources (left out of a reloaded sources file)."""
        from crawler.storage.postgres_schema import release_source_locks

        with self._guard:
            gone = set(names) & self._names
            release_source_locks(self._database.conn, sorted(gone))
            self._names -= gone

    def close(self) -> None:
        """End the session: PostgreSQL lets go of every lock it held (as it does when the
        process dies, however it dies)."""
        with self._guard:
            self._database.close()
            self._names.clear()


def hold_source_locks(db: Path | str, names: Iterable[str]) -> SourceLocks | None:
    """On PostgreSQL, the locks of the sources this runner crawls (SourcesHeldElsewhere when
    another runner holds any of them); None on SQLite, whose pidfile lies beside the file."""
    if not is_postgres_location(db):
        return None
    database = store.open_database(db)
    assert isinstance(database, PostgresDatabase)
    locks = SourceLocks(database, mask_location(str(db)))
    try:
        locks.take(names)
    except BaseException:
        locks.close()
        raise
    return locks
