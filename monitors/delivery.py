"""Delivering the alert outbox through apprise: email, Slack and any apprise URL.

Each delivery is claimed (state 'sending') in its own committed transaction before the send and
marked 'sent' right after, so a crash can never make veille send it twice. The one unavoidable
window is between apprise returning and the 'sent' commit: a delivery caught there is marked
'unconfirmed' at the next start and is not re-sent automatically (see `recover_interrupted`).
"""

from __future__ import annotations

import json
import logging
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

import apprise
import sqlite_utils

from monitors.outbox import describe_hits
from monitors.rules import CONSOLE, RuleSet
from monitors.secrets import redact

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with 20% jitter: 1, 2, 4 … minutes, capped at 6 hours."""
    delay = min(BASE_BACKOFF * (2 ** max(0, attempts - 1)), MAX_BACKOFF)
    return delay * (1 + (rng or random).uniform(0, 0.2))


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    body: str
    url: str


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def compose(row: dict, rules: RuleSet) -> AlertMessage:
    """The alert text: watchlist, title, source, date, link, matched terms and a snippet."""
    try:
        watchlist_title = rules.by_name(row["watchlist"]).title
    except Exception:  # the watchlist was removed since the alert was queued
        watchlist_title = row["watchlist"]
    title = row["title"] or row["url"]
    terms = describe_hits(json.loads(row["hits"]))
    published = (row["published"] or "date inconnue / unknown date")[:16].replace("T", " ")
    subject = f"[veille] {watchlist_title} : {title}"
    body = "\n".join(
        [
            title,
            f"Source : {row['source_title'] or row['source']} — {published}",
            row["url"],
            "",
            row["snippet"],
            "",
            f"Termes / terms : {terms}",
            f"Veille / watchlist : {watchlist_title} ({row['watchlist']})",
        ]
    )
    return AlertMessage(subject, body, row["url"])


_DUE = """
SELECT d.id, d.channel, d.attempts, a.id AS alert_id, a.watchlist, m.hits, m.snippet,
       ar.title, ar.url, ar.published, ar.source, s.title AS source_title
FROM deliveries d
JOIN alerts a ON a.id = d.alert_id
JOIN matches m ON m.id = a.match_id
JOIN articles ar ON ar.id = a.article_id
LEFT JOIN sources s ON s.name = ar.source
WHERE d.state = 'pending' AND d.next_attempt_at <= ?
ORDER BY d.id
LIMIT ?
"""


def recover_interrupted(db: sqlite_utils.Database) -> int:
    """Deliveries left 'sending' by a crash may or may not have gone out: mark them 'unconfirmed'
    rather than risk a duplicate. `veille status` shows them."""
    with db.conn:
        cursor = db.conn.execute(
            "UPDATE deliveries SET state='unconfirmed', "
            "last_error='process stopped while sending; not re-sent to avoid a duplicate' "
            "WHERE state='sending'"
        )
    if cursor.rowcount:
        logger.warning(
            "%d deliveries were interrupted mid-send and marked unconfirmed", cursor.rowcount
        )
    return cursor.rowcount


class Sender:
    """Sends due deliveries; one apprise object per channel, throttled to `min_interval` seconds."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        rules: RuleSet,
        console: TextIO | None = None,
        min_interval: float = 1.0,
    ) -> None:
        self.db = db
        self.rules = rules
        self.console = console or sys.stdout
        self.min_interval = min_interval
        self._apprise: dict[str, apprise.Apprise] = {}

    def _target(self, channel: str) -> apprise.Apprise | None:
        if channel in self._apprise:
            return self._apprise[channel]
        spec = self.rules.channels.get(channel)
        if spec is None or not spec.usable:
            return None
        plugin = apprise.Apprise.instantiate(spec.url, suppress_exceptions=True)
        if plugin is None:
            return None
        plugin.request_rate_per_sec = self.min_interval
        target = apprise.Apprise()
        target.add(plugin)
        self._apprise[channel] = target
        return target

    def _send(self, channel: str, message: AlertMessage) -> str | None:
        """Send one message; None on success, else a reason without secrets."""
        if channel == CONSOLE:
            self.console.write(f"\n=== {message.subject}\n{message.body}\n")
            self.console.flush()
            return None
        target = self._target(channel)
        if target is None:
            return f"channel {channel!r} is not configured (or its variables are not set)"
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            ok = target.notify(
                body=message.body, title=message.subject, body_format=apprise.NotifyFormat.TEXT
            )
        if ok:
            return None
        reason = " ".join(captured.getvalue().split())[:500] or "apprise reported a failure"
        return redact(reason)

    def deliver_pending(self, now: datetime | None = None, limit: int = 200) -> DeliveryReport:
        now = now or datetime.now(UTC)
        report = DeliveryReport()
        rows = self.db.execute(_DUE, [_iso(now), limit]).fetchall()
        columns = [
            "id",
            "channel",
            "attempts",
            "alert_id",
            "watchlist",
            "hits",
            "snippet",
            "title",
            "url",
            "published",
            "source",
            "source_title",
        ]
        for values in rows:
            row = dict(zip(columns, values, strict=True))
            with self.db.conn:
                claimed = self.db.conn.execute(
                    "UPDATE deliveries SET state='sending', attempts=attempts+1 WHERE id=? AND state='pending'",
                    (row["id"],),
                ).rowcount
            if not claimed:
                continue  # another sender took it
            attempts = row["attempts"] + 1
            error = self._send(row["channel"], compose(row, self.rules))
            with self.db.conn:
                if error is None:
                    self.db.conn.execute(
                        "UPDATE deliveries SET state='sent', sent_at=?, last_error=NULL WHERE id=?",
                        (_iso(datetime.now(UTC)), row["id"]),
                    )
                    report.sent += 1
                    logger.info(
                        "alert=%d watchlist=%s channel=%s sent url=%s",
                        row["alert_id"],
                        row["watchlist"],
                        row["channel"],
                        row["url"],
                    )
                    continue
                final = attempts >= MAX_ATTEMPTS
                self.db.conn.execute(
                    "UPDATE deliveries SET state=?, next_attempt_at=?, last_error=? WHERE id=?",
                    (
                        "failed" if final else "pending",
                        _iso(now + backoff(attempts)),
                        error,
                        row["id"],
                    ),
                )
            if final:
                report.failed += 1
                logger.error(
                    "alert=%d channel=%s failed for good after %d attempts: %s",
                    row["alert_id"],
                    row["channel"],
                    attempts,
                    error,
                )
            else:
                report.retrying += 1
                logger.warning(
                    "alert=%d channel=%s attempt %d failed, will retry: %s",
                    row["alert_id"],
                    row["channel"],
                    attempts,
                    error,
                )
        return report
