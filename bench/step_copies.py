"""What the PostgreSQL step benches share: one database of `bench/reader.py`'s articles copied
in as the step before the measured one left it, then a fresh clone of it for each run of a
step, so that every run starts from the same rows.

Used by bench/search_step.py and bench/search_every_word.py.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.reader import build
from crawler.storage.copy import copy_database
from tests.postgres import Cluster, start_cluster
from tests.search_step import before_the_step, clone


@dataclass
class StepBase:
    """The cluster started for the run and the database the clones are made from."""

    cluster: Cluster
    name: str
    copy_seconds: float

    @contextmanager
    def clone(self, name: str) -> Iterator[Any]:
        """An autocommit connection to a fresh copy `name` of the base, dropped afterwards."""
        import psycopg

        with self.cluster.admin() as admin:
            clone(admin, self.name, name)
        try:
            with psycopg.connect(self.cluster.url(name), autocommit=True) as conn:
                yield conn
        finally:
            with self.cluster.admin() as admin:
                admin.execute(f"DROP DATABASE {name}")


@contextmanager
def step_base(step: str, prefix: str, articles: int, sqlite: Path | None) -> Iterator[StepBase]:
    """`articles` of bench/reader.py's (or the database `sqlite` it built) copied into a new
    cluster's database with the storage owner's steps stopped before `step`; the cluster is
    stopped on the way out."""
    with tempfile.TemporaryDirectory() as folder:
        if sqlite is None:
            sqlite = Path(folder) / "reader.db"
            build(sqlite, articles, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
        cluster = start_cluster()
        try:
            name = f"{prefix}_base_{os.getpid()}"
            with cluster.admin() as admin:
                admin.execute(f"CREATE DATABASE {name}")
            started = time.perf_counter()
            with before_the_step(step):
                copy_database(sqlite, cluster.url(name))
            yield StepBase(cluster, name, time.perf_counter() - started)
        finally:
            cluster.stop()


def timed(conn: Any, sql: str) -> float:
    """Seconds `sql` took, run in a transaction of its own."""
    started = time.perf_counter()
    with conn.transaction():
        conn.execute(sql)
    return time.perf_counter() - started


def digests(conn: Any) -> dict[int, str]:
    """Every article's search vector as an md5 of its text, by id: two runs of a step are
    compared by these."""
    return dict(conn.execute("SELECT id, md5(search::text) FROM articles").fetchall())
