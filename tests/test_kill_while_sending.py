"""A daemon killed (SIGKILL, with its crawl workers) while an SMTP server takes its time to answer
a message's DATA, then started again: the message caught in the send is `unconfirmed` and never
sent again, every other alert goes out once, and no stored article is lost. The named kill
points of tests/test_crash.py kill `run --once` from inside; here the daemon is killed from
outside in the one window where the server has the message and veille cannot know it."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field

import pytest

from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .servers import SmtpServer
from .test_cli import wait_for
from .test_crash import WATCHLISTS, messages_of
from .waiting import wait_until

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


@dataclass
class SlowSmtpServer(SmtpServer):
    """An SMTP server that has each message (counted as received: a real server may deliver
    it) and then waits `delay` seconds before it answers DATA, while `slow` is set."""

    delay: float = 600.0
    slow: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        answer = await super().handle_DATA(server, session, envelope)
        if self.slow.is_set():
            self.holding.set()
            waited = 0.0
            while self.slow.is_set() and waited < self.delay:
                await asyncio.sleep(0.1)
                waited += 0.1
        return answer


def _settled(db_path) -> bool:
    """Every article stored (the fixture sites hold 9) and matched, no delivery waiting."""
    db = store.open_database(db_path)
    try:
        articles, unmatched = db.execute(
            "SELECT count(*), count(*) FILTER (WHERE matched_at IS NULL) FROM articles"
        ).fetchone()
        waiting = db.execute(
            "SELECT count(*) FROM deliveries WHERE state IN ('pending', 'sending')"
        ).fetchone()[0]
    finally:
        db.conn.close()
    return articles == 9 and unmatched == 0 and waiting == 0


def test_a_daemon_killed_while_the_smtp_server_holds_data_sends_nothing_twice(
    sources_file, tmp_path
):
    smtp = SlowSmtpServer().start()
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(WATCHLISTS.format(port=smtp.port), encoding="utf-8")
    db_path = tmp_path / "veille.db"
    env = dict(
        os.environ,
        VEILLE_DB=str(db_path),
        VEILLE_SOURCES=str(sources_file),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_CRAWL_SETTINGS=json.dumps(LOCAL_CRAWL_SETTINGS),
        VEILLE_CRAWL_WORKERS="1",
        VEILLE_DELIVER_EVERY_SECONDS="1",
    )
    command = [sys.executable, "-m", "monitors.cli", "run"]
    log = tmp_path / "daemon.log"
    smtp.slow.set()
    try:
        with open(log, "wb") as out:
            daemon = subprocess.Popen(
                command, stdout=out, stderr=out, env=env, start_new_session=True
            )
            try:
                wait_until(smtp.holding.is_set, "a message's DATA held by the SMTP server")
                db = store.open_database(db_path)
                stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
                sending = db.execute(
                    "SELECT count(*) FROM deliveries WHERE state = 'sending'"
                ).fetchone()[0]
                db.conn.close()
                assert sending >= 1  # the message the server holds: claimed, not marked
                os.killpg(daemon.pid, signal.SIGKILL)  # the workers die with the daemon
                daemon.wait(timeout=60)
            finally:
                if daemon.poll() is None:
                    os.killpg(daemon.pid, signal.SIGKILL)
                    daemon.wait(timeout=60)
        smtp.slow.clear()
        held = len(smtp.messages)
        assert (tmp_path / "veille.pid").is_file()  # the dead daemon's, which starts no refusal
        with open(log, "ab") as out:
            again = subprocess.Popen(command, stdout=out, stderr=out, env=env)
            try:
                wait_for(log, "veille running")
                wait_until(lambda: _settled(db_path), "every article matched and delivered")
                again.send_signal(signal.SIGTERM)
                assert again.wait(timeout=60) == 0
            finally:
                if again.poll() is None:
                    again.kill()
                    again.wait(timeout=30)
    finally:
        smtp.stop()

    db = store.open_database(db_path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] >= stored  # none lost
    received = collections.Counter(m["Subject"] for m in smtp.messages)
    assert max(received.values()) == 1, received  # nothing sent twice
    rows = messages_of(db, received)
    states = collections.Counter(state for _, state, _ in rows)
    # the deliveries of the message the server held when the daemon died, and only those
    assert states["unconfirmed"] == sending, (states, sending)
    assert set(states) == {"sent", "unconfirmed"}, states
    for watchlist, state, found in rows:
        assert len(found) == 1, (watchlist, state, found)  # each alert received, once
    assert len(smtp.messages) > held  # the others went out after the restart
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "interrupted mid-send and marked unconfirmed" in text, text[-3000:]  # said at start
