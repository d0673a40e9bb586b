"""Crawl runs left 'running' by a killed process are closed when a runner starts, and only
those: on PostgreSQL several crawl machines share the runs, so a machine starting up closes its
own dead processes' runs (and runs too old to be alive), never another machine's running crawl.
On both engines (the `db_location` fixture)."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from crawler.core.times import iso
from crawler.storage import store


def dead_pid() -> int:
    """The pid of a process of this host that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_starting_runner_closes_only_runs_no_process_will_finish(db_location):
    db = store.open_database(db_location)
    now = datetime.now(UTC)
    here = socket.gethostname()
    runs = {
        "this process, running": (None, now),
        "this host, process gone": (f"{here}:{dead_pid()}", now),
        "another machine, running": ("crawler-2.example:4242", now - timedelta(minutes=5)),
        "another machine, a day old": ("crawler-2.example:4243", now - timedelta(hours=25)),
        "recorded before runs had an owner": ("", now - timedelta(minutes=5)),
    }
    ids = {}
    for name, (owner, started) in runs.items():
        ids[name] = store.start_run(db, [name])
        if owner is not None:  # as the other processes recorded them
            db.execute(
                "UPDATE crawl_runs SET started_by = ?, started_at = ? WHERE id = ?",
                (owner or None, iso(started), ids[name]),
            )
    closed = store.close_interrupted_runs(db)
    status = dict(db.execute("SELECT id, status FROM crawl_runs").fetchall())
    interrupted = {name for name, run_id in ids.items() if status[run_id] == "interrupted"}
    if db.engine == "sqlite":  # one runner per database: every running run is a dead one
        assert interrupted == set(runs)
    else:
        assert interrupted == {
            "this host, process gone",
            "another machine, a day old",
            "recorded before runs had an owner",
        }
        assert status[ids["another machine, running"]] == "running"
        assert status[ids["this process, running"]] == "running"
    assert closed == len(interrupted)
    assert store.close_interrupted_runs(db) == 0  # nothing left to close
