"""Time as veille stores it: UTC ISO 8601 text (which sorts and compares correctly), and back."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(when: datetime) -> str:
    """Timestamps are stored as UTC ISO 8601 text, which sorts and compares correctly."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> str:
    return iso(datetime.now(UTC))


def parse_timestamp(value: str) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC-comparable datetime (naive ones are taken as UTC)."""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
