"""The outbox shared by several delivery processes on PostgreSQL: each delivery is claimed with
FOR UPDATE SKIP LOCKED and a lease (who, when), so four senders on one outbox send every alert
exactly once; recovery after a crash touches only dead processes' claims and expired leases."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from crawler.core.times import iso
from crawler.storage import store
from monitors.alerts import store as alerts_store
from monitors.alerts.delivery import recover_interrupted

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

WATCHLISTS = ("cloud", "ia", "telecom", "startups")
ARTICLES = 500  # × 4 watchlists: 2,000 alerts, one email delivery each

RULES = """
channels:
  email:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=analystes@example.ma"
watchlists:
"""


def fill_outbox(db, articles: int) -> None:
    """`articles` articles, each matched and alerted by every watchlist, one pending email each."""
    now = "2026-11-23T06:00:00Z"
    db.execute("INSERT INTO sources(name, title) VALUES ('src', 'Source')")
    db.execute(
        "INSERT INTO articles(source, url, url_key, title, text, content_hash, fetched_at, "
        "matched_at, language) "
        "SELECT 'src', 'https://example.ma/' || i, 'example.ma/' || i, 'Article ' || i, "
        "'Texte ' || i, 'hash' || i, ?, ?, 'fr' FROM generate_series(1, ?) AS i",
        (now, now, articles),
    )
    for name in WATCHLISTS:
        db.execute(
            "INSERT INTO matches(article_id, watchlist, terms, snippet, matched_at, hits) "
            "SELECT id, ?, '[]', 'extrait', ?, '[]' FROM articles",
            (name, now),
        )
    db.execute(
        "INSERT INTO alerts(match_id, article_id, watchlist, created_at) "
        "SELECT id, article_id, watchlist, matched_at FROM matches"
    )
    db.execute(
        "INSERT INTO deliveries(alert_id, channel, next_attempt_at) "
        "SELECT id, 'email', ? FROM alerts",
        (now,),
    )


SENDER = """
import sys
from crawler.storage import store
from monitors.alerts import store as alerts_store
from monitors.alerts.delivery import Sender
from monitors.service.watchlists import load_watchlists
import io
db = store.open_database(sys.argv[1])
sender = Sender(db, load_watchlists(sys.argv[2]).delivery, io.StringIO(), min_interval=0)
sys.stdin.readline()  # all four start together
sent = 0
while alerts_store.due_deliveries(db, "2999-01-01T00:00:00Z", 1):
    sent += sender.deliver_pending(limit=50).sent
print(sent)
"""


def test_four_senders_send_two_thousand_alerts_exactly_once(postgres_url, smtp, tmp_path):
    """Forty batches of 50 claimed one message at a time by four processes at once. Where the
    time goes, per delivery: the SMTP conversation with the sink (about 2 ms of CPU, client and
    server), the claim and its settling (one statement each on PostgreSQL), and the senders'
    start (0.5 s of imports each). Apprise loading the system's CA store for each message's
    connection once made 2,000 alerts take 5 to 9 minutes on a loaded machine; this plain-SMTP
    test does not use it: the senders get an empty one."""
    db = store.open_database(postgres_url)
    fill_outbox(db, ARTICLES)
    rules = tmp_path / "watchlists.yaml"
    rules.write_text(
        RULES.format(port=smtp.port)
        + "".join(
            f"  - name: {w}\n    title: {w}\n    terms: [x]\n    notify: [email]\n"
            for w in WATCHLISTS
        ),
        encoding="utf-8",
    )
    no_ca = tmp_path / "no-ca"
    no_ca.mkdir()
    (no_ca / "empty.pem").touch()
    env = dict(os.environ, SSL_CERT_FILE=str(no_ca / "empty.pem"), SSL_CERT_DIR=str(no_ca))
    senders = [
        subprocess.Popen(
            [sys.executable, "-c", SENDER, postgres_url, str(rules)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for sender in senders:
        assert sender.stdin is not None
        sender.stdin.write("go\n")
        sender.stdin.flush()
    outputs = [sender.communicate(timeout=600) for sender in senders]
    assert all(s.returncode == 0 for s in senders), [err[-2000:] for _, err in outputs]
    counts = [int(out.strip()) for out, _ in outputs]
    total = len(WATCHLISTS) * ARTICLES
    assert sum(counts) == total
    assert sum(1 for c in counts if c > 0) >= 2, counts  # the work was shared
    # The SMTP sink received each alert once: one message per (watchlist, article).
    subjects = Counter(str(m["Subject"]) for m in smtp.messages)
    assert len(smtp.messages) == total and len(subjects) == total, subjects.most_common(3)
    states = dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())
    assert states == {"sent": total}
    assert db.execute("SELECT max(attempts) FROM deliveries").fetchone()[0] == 1
    claimants = db.execute("SELECT count(DISTINCT claimed_by) FROM deliveries").fetchone()[0]
    assert claimants == sum(1 for c in counts if c > 0)


def test_a_claim_records_its_lease_and_cannot_be_taken_twice(postgres_url):
    db = store.open_database(postgres_url)
    fill_outbox(db, 2)
    ids = [row[0] for row in db.execute("SELECT id FROM deliveries ORDER BY id").fetchall()]
    assert alerts_store.claim(db, ids[:2])
    assert not alerts_store.claim(db, ids[1:3])  # all or none: ids[2] stays pending
    rows = db.execute(
        "SELECT id, state, attempts, claimed_by, claimed_at FROM deliveries ORDER BY id"
    ).fetchall()
    assert [r[1] for r in rows[:3]] == ["sending", "sending", "pending"]
    assert rows[0][3] == alerts_store.claimant() and rows[0][4] is not None
    assert rows[2][3] is None and rows[2][2] == 0


def test_recovery_touches_only_dead_claims_and_expired_leases(postgres_url):
    db = store.open_database(postgres_url)
    fill_outbox(db, 1)
    ids = [row[0] for row in db.execute("SELECT id FROM deliveries ORDER BY id").fetchall()]
    now = datetime.now(UTC)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    host = socket.gethostname()
    leases = [
        (f"{host}:{dead}", iso(now)),  # a process of this host that is gone: recovered
        ("other-host:1234", iso(now - timedelta(minutes=1))),  # another host, recent: left alone
        ("other-host:1234", iso(now - timedelta(hours=1))),  # expired lease: recovered
        (alerts_store.claimant(), iso(now)),  # this very process, alive: left alone
    ]
    for delivery_id, (who, when) in zip(ids, leases, strict=True):
        db.execute(
            "UPDATE deliveries SET state = 'sending', claimed_by = ?, claimed_at = ? WHERE id = ?",
            (who, when, delivery_id),
        )
    assert recover_interrupted(db) == 2
    states = [r[0] for r in db.execute("SELECT state FROM deliveries ORDER BY id").fetchall()]
    assert states == ["unconfirmed", "sending", "unconfirmed", "sending"]
