"""The two database engines behind one small interface: SQLite (embedded, the default) and
PostgreSQL (for teams that outgrow one file).

Only the table owners (the packages that declare tables, see crawler.storage.schema) talk to a
`Database`; everything else calls their typed functions. Owners write one SQL for both engines
wherever SQL allows it (`INSERT … ON CONFLICT`, `RETURNING`, `?` or `:name` parameters) and branch
on `db.engine` only for what differs: full-text search, PRAGMAs and integrity checks, date
arithmetic, migrations.

Transactions: `with db.transaction():` is one write transaction on both engines. On SQLite it is
`BEGIN IMMEDIATE` (one writer at a time, so a read-then-write inside it cannot race); on
PostgreSQL a plain transaction, plus a transaction-level advisory lock when `lock=` names what
must be serialised across processes (for example one store batch at a time, so that two writers
cannot both decide that an article is new). A statement outside a transaction commits on its own.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Literal, Protocol, cast

import sqlite_utils

from crawler.core.errors import DatabaseError

Engine = Literal["sqlite", "postgresql"]
Params = Sequence[Any] | Mapping[str, Any]


class Cursor(Protocol):
    """What a statement returns on both engines: rows as tuples."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Database(Protocol):
    """One connection to veille's database, whichever the engine."""

    engine: Engine

    def execute(self, sql: str, params: Params = (), /) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Params], /) -> None: ...

    def transaction(self, lock: str | None = None) -> Any: ...

    def close(self) -> None: ...


def is_postgres_location(location: object) -> bool:
    """True when a --db / VEILLE_DB value names a PostgreSQL database rather than a file."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


# The password runs to the location's last '@': a generated password holds '/', '?', '#' or
# '@' as often as not, and one that stopped at the first of them was shown whole (or all but
# its first characters) in every message and on a crawl process's command line.
_URL_PASSWORD = re.compile(r"^(?P<head>postgres(?:ql)?://[^:/@?#]*:)(?P<password>.*)(?=@)")
# ... but an '@' before the first '/' ends the host part libpq reads: the password then runs to
# the last '@' before that '/', and a database name holding '@' (« /my@db ») is no password's.
_HOST_PASSWORD = re.compile(r"^(?P<head>postgres(?:ql)?://[^:/@?#]*:)(?P<password>[^/]*)(?=@)")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<password>[^&#]*)")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# ... and no password at all when, before the first '/', the host is followed by its port (or a
# list of hosts and ports) and the '@' stands in a parameter of the query, its value going on to
# the next parameter: « host:5432/db?user=veille@corp&password=… », where the password is the
# query's alone and the port and database name were masked as a password, and remembered as a
# secret. A host and a path after the '@' (« team:12/pa?x=y@db/veille ») make it a password.
_PORT_THEN_QUERY_AT = re.compile(
    r"\d{1,5}(?:,[\w.\-]+(?::\d{1,5})?)*/[^?#@]*\?(?:[^&#@]*&)*[A-Za-z_]\w*=[^&#@]*"
)
_QUERY_VALUE_GOES_ON = re.compile(r"[^/?#&]*(?:[&#]|$)")


def _url_password(location: str) -> re.Match[str] | None:
    """Where the password of the URL's user part is (its `password` group), if it has one."""
    found = _HOST_PASSWORD.search(location)
    if found:
        return found
    found = _URL_PASSWORD.search(location)
    if (
        found
        and _PORT_THEN_QUERY_AT.fullmatch(found.group("password"))
        and _QUERY_VALUE_GOES_ON.match(location, found.end("password") + 1)
    ):
        return None  # the host's port, its path and a query value holding '@'
    return found


def location_passwords(location: str) -> list[str]:
    """Every password written in a postgresql:// location (to mask each wherever it could
    appear: messages, logs): the user part's and the query's `password=`, when it gives both
    (libpq uses the query's; the other is a secret all the same)."""
    url, query = _url_password(location), _QUERY_PASSWORD.search(location)
    queried = query.group("password") if query else ""
    found = []
    # the URL's password runs to the last '@': one running into a query that holds a password
    # (a '?' then a parameter's '=') is that query's '@' (?user=veille@corp&password=…), the
    # password the query's; a '?' alone is the user part's password's own (« pa?ss »)
    own = url.group("password") if url else ""
    if own and not ("=" in own.partition("?")[2] and queried):
        found.append(own)
    if queried and queried not in found:
        found.append(queried)
    return found


def location_password(location: str) -> str | None:
    """The first password written in a postgresql:// location, if any: whether it holds one
    (location_passwords gives them all)."""
    passwords = location_passwords(location)
    return passwords[0] if passwords else None


def mask_location(location: str) -> str:
    """The location with its password replaced by ***: what messages and logs may show."""
    url, masked = _url_password(location), location
    if url and url.group("password"):
        masked = location[: url.start("password")] + "***" + location[url.end("password") :]
    return _QUERY_PASSWORD.sub(lambda m: m.group("head") + "***", masked)


def location_fault(location: str) -> str | None:
    """What a postgresql:// location writes that libpq would read otherwise than meant, said
    without the password, with how to write it; None when nothing is. A password's '@' or '/'
    ends it early (libpq then looked up its tail as a host, « failed to resolve host
    'ss9word@' »), and a '%' that starts no escape was « invalid percent-encoded token », said
    as a database that « cannot be used » with the server's log to check."""
    match = _url_password(location)
    rest = location.split("://", 1)[1]
    user, password = "", ""
    if match:
        user, password = match.group("head").split("://", 1)[1][:-1], match.group("password")
        rest = location[match.end() + 1 :]
    else:
        credentials, at, after = rest.partition("@")
        if at and "/" not in credentials:
            user, rest = credentials, after
    name = rest.split("?", 1)[0].partition("/")[2]
    query = _QUERY_PASSWORD.search(location)
    how = "percent-encode it ('@' as %40, '/' as %2F, '%' as %25, a space as %20)"
    # libpq ends the user part at its first '@' and the host at the first '/': the password
    # was misread only if an '@' is left in the host or the database name it then reads (an
    # '@' of the query, « ?application_name=veille@vm », is read as written).
    authority, _, path = location.split("://", 1)[1].partition("/")
    if "@" in authority.partition("@")[2] or "@" in path.split("?", 1)[0]:
        for char in "@/":
            if char in password:
                return f"its password holds '{char}', which ends a password in a URL; {how}"
    for part, text in (
        ("password", password or (query.group("password") if query else "")),
        ("user name", user),
        ("database name", name),
    ):
        if _BAD_ESCAPE.search(text):
            return f"its {part} holds a '%' not followed by two hex digits; {how}"
        if " " in text:
            return f"its {part} holds a space; {how}"
    return None


def mask_password(text: str, location: str) -> str:
    """`text` (an error message, say) with the location's password masked wherever it appears,
    as the secrets masker does (crawler.core.secrets): one of three characters where it stands
    alone, one of one or two characters only inside the location, since masked everywhere it
    turned every such letter of the message into *** (« ***ostgresql://… », a password « p »)."""
    text = text.replace(location, mask_location(location))
    for password in location_passwords(location):
        if len(password) >= 4:
            text = text.replace(password, "***")
        elif len(password) == 3:
            text = re.sub(rf"(?<!\w){re.escape(password)}(?!\w)", "***", text)
    return text


# How long an open waits for a lock another process holds before saying the database is locked:
# an SQLite connection's busy timeout and its switch to WAL mode (`locked_error`), PostgreSQL's
# wait for another process's migrations (crawler.storage.postgres_schema). Read at each open, so
# a test may shorten it.
BUSY_TIMEOUT_SECONDS = 30.0


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked": SQLITE_BUSY, whichever its extended code
    (recovery, snapshot, timeout)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # pragma: no cover - an error raised by Python code, not by SQLite
        return "database is locked" in str(exc)
    return bool(code & 0xFF == sqlite3.SQLITE_BUSY)


def locked_error(path: object, exc: BaseException, seconds: float) -> DatabaseError:
    """What a user can do when the database stayed locked for the whole busy timeout: the
    message names the file and how long the open waited."""
    return DatabaseError(
        f"database {path} is locked by another veille process for {seconds:g} s: it held a "
        f"write (a migration, a store batch) all that time ({exc}); retry once it is done, or "
        "stop the process that holds it (a long write by another tool holds it too)"
    )


def switch_to_wal(conn: sqlite3.Connection, timeout: float) -> str:
    """Put the database in WAL mode (readers beside the one writer), waiting up to `timeout`
    seconds for a write lock held by another connection; returns the journal mode.

    The busy timeout does not cover this switch. `PRAGMA journal_mode=wal` reads the file's
    header, then upgrades that read to a write, and SQLite refuses such an upgrade at once,
    without calling the busy handler, while another connection holds the write lock (two
    upgraders waiting for each other would deadlock): six processes opening a new database
    together saw "database is locked" at once whenever two switches overlapped (5 tries in
    180). So the switch
    is tried again after short pauses until `timeout`. On a database already in WAL mode it
    writes nothing and takes no write lock."""
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = wal").fetchone()[0])
        except sqlite3.OperationalError as exc:
            left = deadline - time.monotonic()
            if not is_busy(exc) or left <= 0:
                raise
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.05)


# A transaction joined: nothing to begin or end (it yields None, lets every exception through).
_JOINED = nullcontext()

# Parameters sqlite3 takes as they are (the usual ones: no Mapping check for them).
_PLAIN_PARAMETERS = (tuple, list, dict, type(None))


class SQLiteDatabase(sqlite_utils.Database):
    """sqlite-utils' Database, with the interface the owners share with PostgreSQL."""

    engine: Engine = "sqlite"

    def execute(self, sql: str, parameters: Params | None = None) -> sqlite3.Cursor:
        """sqlite-utils' execute (a write outside a transaction commits at once), taking any
        mapping of named parameters as the protocol does.

        Inside a transaction, with no tracer, sqlite-utils' execute is the connection's (it
        commits nothing and rolls nothing back there): called directly, as a store batch's
        thousands of statements are, one Python call each instead of three."""
        plain: Sequence[Any] | dict[str, Any] | None
        if type(parameters) in _PLAIN_PARAMETERS:
            plain = cast("Sequence[Any] | dict[str, Any] | None", parameters)
        elif isinstance(parameters, Mapping):
            plain = dict(parameters)
        else:
            plain = parameters
        conn = self.conn
        if conn.in_transaction and self._tracer is None:
            return conn.execute(sql) if plain is None else conn.execute(sql, plain)
        return super().execute(sql, plain)

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self.conn.executemany(sql, rows)

    def transaction(self, lock: str | None = None) -> AbstractContextManager[None]:
        """One write transaction (BEGIN IMMEDIATE: SQLite's single writer serialises every
        writer, so `lock` needs nothing more). Inside an open transaction, joins it: a context
        that does nothing (each write function of a store batch opens one, some 3,000 a batch
        of 400 articles, made without a generator each)."""
        if self.conn.in_transaction:
            return _JOINED
        return self._begin()

    @contextmanager
    def _begin(self) -> Iterator[None]:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            yield


# A `?` or `:name` parameter outside quotes, comments and `::` casts; `%` must be doubled for
# psycopg. Quoted text and comments are matched first so that nothing inside them is touched.
_PARAMETER = re.compile(
    r"""(?P<skip>'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|::)"""
    r"""|(?P<named>(?<![:\w]):[A-Za-z_]\w*)|(?P<positional>\?)|(?P<percent>%)""",
    re.DOTALL,
)


def postgres_sql(sql: str) -> str:
    """The statement in psycopg's parameter style: `?` → `%s`, `:name` → `%(name)s`, `%` → `%%`."""

    def replace(match: re.Match[str]) -> str:
        if match.group("skip") is not None:
            return match.group("skip").replace("%", "%%")
        if match.group("named") is not None:
            return f"%({match.group('named')[1:]})s"
        if match.group("positional") is not None:
            return "%s"
        return "%%"

    return _PARAMETER.sub(replace, sql)


class PostgresDatabase:
    """A psycopg 3 connection with the owners' interface (install `veille[postgres]`)."""

    engine: Engine = "postgresql"

    def __init__(self, dsn: str, connection: Any = None) -> None:
        """Connect to `dsn`, or use `connection` (an autocommit psycopg connection, say one
        borrowed from a pool) for it."""
        try:
            import psycopg
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise DatabaseError(
                "PostgreSQL support is not installed; install it with: pip install 'veille[postgres]'"
            ) from None
        self.location = mask_location(dsn)  # what messages may show: never the password
        self.conn = psycopg.connect(dsn, autocommit=True) if connection is None else connection
        self._lock = threading.RLock()  # one statement at a time when threads share the handle
        self._depth = 0

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        with self._lock:
            # Parameters always go with the statement (even none), so psycopg reads `%%` as
            # the `%` that postgres_sql doubled.
            return self.conn.execute(postgres_sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        with self._lock, self.conn.cursor() as cursor:
            cursor.executemany(postgres_sql(sql), list(rows))

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[None]:
        """One transaction; `lock` names a transaction-level advisory lock taken first, so that
        every writer holding the same name runs one after the other. Nested calls join."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with self.conn.transaction():
                self._depth = 1
                try:
                    if lock is not None:
                        self.conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
                    yield
                finally:
                    self._depth = 0

    def close(self) -> None:
        self.conn.close()


def database_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a database failure raises on SQLite (PostgreSQL's are added where psycopg
    is installed): what the owners catch to map a failure to a message a user can act on."""
    errors: list[type[BaseException]] = [sqlite3.Error]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the installed extras
        return tuple(errors)
    errors.append(psycopg.Error)
    return tuple(errors)
