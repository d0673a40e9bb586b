"""A throwaway PostgreSQL cluster for the tests: Debian's binaries, a temporary folder, a Unix
socket in that folder only (no TCP port, so parallel test workers never collide), durability off
for speed, stopped and removed at the end.

PostgreSQL refuses to run as root, and CI runs as root: there the folder is handed to the
`postgres` user (created by Debian's package) and `initdb` / `pg_ctl` run through
`runuser -u postgres --`.

Each test gets a database of its own, created from a migrated template (`CREATE DATABASE …
TEMPLATE`, a file copy: milliseconds, where migrating a new database takes a second).

One cluster serves the whole run: the first test process of a parallel run (pytest-xdist) to
need it starts it under a file lock, the others find it there (`shared_cluster`); it belongs to
the run's main process, which stops it at the end (`stop_clusters_of`). Each process names its
databases with its own pid, so they never meet. A cluster per process cost each one an initdb
and a migrated template: about 1 CPU-second, and 3-7 s before its first PostgreSQL test.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from crawler.core.owners import process_alive

TEMPLATE = "veille_template"


class PostgresUnavailable(Exception):
    """No PostgreSQL to start here; the message says what is missing."""


def binaries() -> Path:
    """The folder of initdb / pg_ctl: Debian keeps them under /usr/lib/postgresql/<major>/bin,
    not on PATH (the newest major wins); elsewhere, whatever PATH has."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH); "
        "install Debian's postgresql and postgresql-contrib (make postgres)"
    )


PREFIX = "veille-pg-"
OWNER_FILE = "owner.pid"  # the test process a cluster belongs to


def reap_stale_clusters() -> list[Path]:
    """Stop and remove the clusters of test processes that died without stopping them (killed,
    timed out): each folder names its owner's pid. Returns the folders removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being created
        if process_alive(owner):
            continue
        stale = Cluster.attach(folder)
        stale.attached = False  # its owner is gone: stopped here
        stale.stop()
        removed.append(folder)
    return removed


class Cluster:
    """One PostgreSQL server, of the test process `owner` (this one by default)."""

    def __init__(self, owner: int | None = None) -> None:
        self.bin = binaries()
        self.folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        (self.folder / OWNER_FILE).write_text(str(owner or os.getpid()))
        self.data = self.folder / "data"
        self.as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        self.started = False
        self.attached = False  # another process's: this one never stops it

    @classmethod
    def attach(cls, folder: Path) -> Cluster:
        """The running cluster in `folder`, started by another test process of the run."""
        cluster = cls.__new__(cls)
        cluster.bin, cluster.folder, cluster.data = binaries(), folder, folder / "data"
        cluster.as_root = os.geteuid() == 0
        cluster._names = itertools.count(1)
        cluster.started, cluster.attached = True, True
        return cluster

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"{args[0]} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[:800]}"
            )

    def start(self) -> Cluster:
        if self.as_root:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root and there is no postgres user to run PostgreSQL as "
                    "(Debian's postgresql package creates it)"
                ) from None
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = " ".join(
            [
                "-c listen_addresses=''",
                f"-k {self.folder}",
                "-c fsync=off",
                "-c full_page_writes=off",
                "-c synchronous_commit=off",
                "-c max_connections=300",  # 60 each for a run's four test processes, and room
                "-c shared_buffers=32MB",
            ]
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")
        self.started = True
        return self

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        """A postgresql:// location for veille's --db: user postgres over the folder's socket."""
        return f"postgresql://postgres@/{database}?host={self.folder}"

    def admin(self):
        """An autocommit connection to the maintenance database (CREATE / DROP DATABASE)."""
        import psycopg

        return psycopg.connect(self.url(), autocommit=True)

    def create_template(self) -> None:
        """A database migrated once (every owner's PostgreSQL steps), the template of the
        tests' databases."""
        from crawler.storage.store import open_database

        with self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        open_database(self.url(TEMPLATE)).close()

    def new_database(self) -> str:
        """A fresh, migrated database of its own: its postgresql:// location."""
        name = f"veille_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def empty_database(self) -> str:
        """A database with no veille table at all (what `veille db copy` expects)."""
        name = f"empty_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.attached:
            return
        if self.started:
            with contextlib.suppress(PostgresUnavailable):  # already gone: the folder goes anyway
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        remove_later(self.folder)


REMOVING = "veille-removing-"  # a stopped cluster's folder while it is removed


def remove_later(folder: Path) -> None:
    """Remove a stopped cluster's folder in a process of its own, left to finish after the run:
    a run's cluster holds its tests' hundreds of databases (gigabytes of files), whose removal
    took the run's last 100 s on ext4 mounted with discard, the run doing nothing else. The
    folder is renamed first, so that no test process takes it for a cluster."""
    gone = folder.with_name(REMOVING + folder.name)
    try:
        folder.rename(gone)
        subprocess.Popen(
            ["rm", "-rf", "--", str(gone)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:  # no rm, or the folder already gone: removed here, as before
        shutil.rmtree(gone if gone.exists() else folder, ignore_errors=True)


def start_cluster(owner: int | None = None) -> Cluster:
    """A started cluster with its migrated template, or PostgresUnavailable saying why not."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise PostgresUnavailable(
            "psycopg is not installed: pip install -e '.[test,postgres]'"
        ) from None
    reap_stale_clusters()
    cluster = Cluster(owner)
    try:
        cluster.start()
        cluster.create_template()
    except BaseException:
        cluster.stop()
        raise
    return cluster


READY_FILE = "ready"  # written once the server runs and its template is migrated


def _lock_of(owner: int) -> Path:
    return Path(tempfile.gettempdir()) / f"veille-pglock-{owner}"  # not a PREFIX folder


def _folders_of(owner: int) -> list[Path]:
    found = []
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        with contextlib.suppress(OSError, ValueError):
            if int((folder / OWNER_FILE).read_text()) == owner:
                found.append(folder)
    return found


def shared_cluster(owner: int) -> Cluster:
    """The run's one cluster, belonging to the process `owner` (the run's main process): started
    by the first test process that asks, under a file lock; found ready by the others. A start
    that failed is tried again by the next process that asks (and says why again)."""
    with open(_lock_of(owner), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for folder in _folders_of(owner):
            if (folder / READY_FILE).exists():
                return Cluster.attach(folder)
        cluster = start_cluster(owner)
        (cluster.folder / READY_FILE).write_text(str(os.getpid()))
        return cluster


def stop_clusters_of(owner: int) -> None:
    """Stop and remove the clusters that belong to the process `owner` (at the end of its run)."""
    with open(_lock_of(owner), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for folder in _folders_of(owner):
            owned = Cluster.attach(folder)
            owned.attached = False  # this process's own: stopped here
            owned.stop()
    _lock_of(owner).unlink(missing_ok=True)
