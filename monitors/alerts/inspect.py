"""Inspecting and re-sending alerts (`veille alerts list|show|retry`)."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.core.times import utcnow
from crawler.storage.engine import Database
from monitors.alerts import store as alerts_store
from monitors.alerts.delivery import PendingAlert, complete_alert_rows

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
    db: Database,
    state: str | None = None,
    watchlist: str | None = None,
    limit: int = 50,
) -> list[AlertSummary]:
    return [
        AlertSummary(*row, deliveries=alerts_store.delivery_states(db, row.id))
        for row in alerts_store.recent_alerts(db, state, watchlist, limit)
    ]


def show_alert(
    db: Database, alert_id: int
) -> tuple[list[alerts_store.DeliveryDetail], list[PendingAlert]]:
    """Every delivery of one alert, with the article, match and delivery state."""
    return alerts_store.delivery_details(db, alert_id), complete_alert_rows(
        db, alerts_store.deliveries_of_alert(db, alert_id)
    )


def retry(
    db: Database,
    alert_ids: list[int] | None = None,
    states: tuple[str, ...] = RETRYABLE,
    channel: str | None = None,
) -> int:
    """Put deliveries back in the outbox, due now, with a fresh attempt count.

    By default only failed or unconfirmed ones; pass states=('sent',) to re-send on purpose.
    """
    return alerts_store.requeue(db, states, utcnow(), alert_ids, channel)
