"""Inspecting and re-sending alerts (`veille alerts list|show|retry`)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from crawler.core.times import utcnow
from monitors.alerts.delivery import PendingAlert, load_alert_rows

RETRYABLE = ("failed", "unconfirmed")


@dataclass(frozen=True)
class AlertSummary:
    id: int
    created_at: str
    watchlist: str
    title: str
    source: str
    deliveries: dict[str, str]  # channel -> state


def list_alerts(
    db: sqlite_utils.Database,
    state: str | None = None,
    watchlist: str | None = None,
    limit: int = 50,
) -> list[AlertSummary]:
    where, params = ["1=1"], []
    if state:
        where.append("a.id IN (SELECT alert_id FROM deliveries WHERE state = ?)")
        params.append(state)
    if watchlist:
        where.append("a.watchlist = ?")
        params.append(watchlist)
    rows = db.execute(
        "SELECT a.id, a.created_at, a.watchlist, coalesce(ar.title, ar.url), ar.source FROM alerts a "
        f"JOIN articles ar ON ar.id = a.article_id WHERE {' AND '.join(where)} "
        "ORDER BY a.id DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    summaries = []
    for alert_id, created, name, title, source in rows:
        states = dict(
            db.execute(
                "SELECT channel, state FROM deliveries WHERE alert_id=? ORDER BY channel",
                [alert_id],
            )
        )
        summaries.append(AlertSummary(alert_id, created, name, title, source, states))
    return summaries


def show_alert(db: sqlite_utils.Database, alert_id: int) -> tuple[list[tuple], list[PendingAlert]]:
    """Every delivery of one alert, with the article, match and delivery state."""
    return db.execute(
        "SELECT d.channel, d.state, d.attempts, d.digest, d.next_attempt_at, d.sent_at, d.last_error "
        "FROM deliveries d WHERE d.alert_id=? ORDER BY d.channel",
        [alert_id],
    ).fetchall(), load_alert_rows(db, "a.id = ?", [alert_id])


def retry(
    db: sqlite_utils.Database,
    alert_ids: list[int] | None = None,
    states: tuple[str, ...] = RETRYABLE,
    channel: str | None = None,
) -> int:
    """Put deliveries back in the outbox, due now, with a fresh attempt count.

    By default only failed or unconfirmed ones; pass states=('sent',) to re-send on purpose.
    """
    where = [f"state IN ({','.join('?' * len(states))})"]
    params: list = list(states)
    if alert_ids:
        where.append(f"alert_id IN ({','.join('?' * len(alert_ids))})")
        params += alert_ids
    if channel:
        where.append("channel = ?")
        params.append(channel)
    with db.conn:
        cursor = db.conn.execute(
            "UPDATE deliveries SET state='pending', attempts=0, digest=0, next_attempt_at=?, "
            f"last_error=NULL WHERE {' AND '.join(where)}",
            [utcnow(), *params],
        )
    return cursor.rowcount
