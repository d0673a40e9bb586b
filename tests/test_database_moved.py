"""A database moved away or deleted under a running daemon (a restore, a clean-up, a copy to
PostgreSQL) is said to be gone, by its jobs' log and by /health, and never made again empty
where it was: a new empty database would have been crawled from scratch, and every recent
article alerted a second time."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import urllib.request

import pytest

from .listening import HEALTH, listening
from .waiting import wait_until

pytestmark = pytest.mark.slow  # end-to-end: a daemon in its own process (README, "Development")


def _health(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
            return json.loads(answer.read())
    except OSError:
        return {}


def test_a_database_moved_away_under_the_daemon_is_said_gone_and_not_made_again(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: a\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    db, log = tmp_path / "veille.db", tmp_path / "daemon.log"
    env = dict(
        os.environ,
        VEILLE_DB=str(db),
        VEILLE_SOURCES=str(sources),
        VEILLE_DELIVER_EVERY_SECONDS="1",
        VEILLE_CRAWL_WORKERS="0",
    )
    command = [sys.executable, "-m", "monitors.cli", "run", "--health-port"]
    with listening(lambda port: [*command, str(port)], lambda _: log, HEALTH, env=env) as started:
        daemon, port = started.process, started.port
        # /health listens before the daemon makes its database: moved before it was made, the
        # database was made again after the move, and /health never said it gone (timed out
        # under load). Its start is said once the database is made and the jobs scheduled.
        wait_until(lambda: "veille running" in started.log_text(), "the daemon's start")
        wait_until(lambda: _health(port).get("status"), "the daemon's /health")
        moved = tmp_path / "moved"
        moved.mkdir()
        for part in tmp_path.glob("veille.db*"):
            # the -wal and -shm files go when the daemon's last connection to the file closes
            # (its deliver job's, every second), maybe between the listing and the rename
            with contextlib.suppress(FileNotFoundError):
                part.rename(moved / part.name)
        assert not db.exists()
        report: dict = {}

        def said_gone() -> bool:
            report.update(_health(port))
            return any("is gone" in p for p in report.get("problems", []))

        wait_until(said_gone, "/health to say the database is gone")
        assert report["status"] == "degraded"
        wait_until(lambda: "is gone" in log.read_text(errors="replace"), "the delivery job's log")
        assert not db.exists()  # no new, empty database where the team's was
        assert daemon.poll() is None
