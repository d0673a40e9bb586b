"""Every statement on the alerts' tables (matches, alerts, deliveries): the outbox written by the
match step, claimed and settled by the sender, listed and re-queued by `veille alerts`.

Callers pass and receive records; the transactions that must hold several statements together
(a batch of matches, a claim) are the callers' `db.transaction()` or are opened here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import NamedTuple, TypedDict, cast

from crawler.core.owners import alive_here, this_process
from crawler.core.times import iso, parse_timestamp, utcnow
from crawler.storage.engine import Database


class NewMatch(NamedTuple):
    article_id: int
    watchlist: str
    terms: str  # JSON list
    snippet: str
    matched_at: str
    hits: str  # JSON list of {term, field, start, end}
    # Why the match raised no alert, decided in the match's transaction (NOT_ALERTED), or None.
    not_alerted: str | None = None


# Why a match raised no alert, as stored with it (matches.not_alerted) and as `veille status`
# says it. Recorded when the match step decides, so the week's count reads the matches alone.
TOO_OLD = "too-old"
STORY_ALERTED = "story-alerted"
NOT_ALERTED = {
    TOO_OLD: "article older than the alert age limit",
    STORY_ALERTED: "story already alerted on",
}


class NewAlert(NamedTuple):
    match_id: int
    article_id: int
    watchlist: str
    created_at: str
    story_id: int | None
    is_update: bool
    # The article's language for a watchlist alerting once per story and language, else ''.
    story_language: str = ""


class NewDelivery(NamedTuple):
    alert_id: int
    channel: str
    next_attempt_at: str
    digest: bool


class AlsoIn(TypedDict):
    outlet: str
    url: str


class PendingAlert(TypedDict):
    """A delivery with what its message needs: the delivery, its alert and match, the article,
    and (filled in by delivery.complete_alert_rows) the terms in words and the story's other
    outlets."""

    id: int  # the delivery
    channel: str
    attempts: int
    digest: int
    alert_id: int
    watchlist: str
    created_at: str
    hits: str  # JSON
    story_id: int | None
    is_update: int
    story_language: str
    article_id: int
    snippet: str
    title: str | None
    url: str
    published: str | None
    language: str | None
    source: str
    source_title: str | None
    original_source: str | None
    original_url: str | None
    terms: str
    also_in: list[AlsoIn]
    links: dict | None  # the reader's links (monitors.people.mail), None when not configured


class Settled(NamedTuple):
    """How one claimed delivery ended: sent (`sent_at`), or back to `state` ('pending',
    'failed', or 'unconfirmed' when the send's answer never came) with its next attempt and
    the error."""

    id: int
    sent_at: str | None
    state: str
    next_attempt_at: str | None
    error: str | None


class AlertRow(NamedTuple):
    id: int
    created_at: str
    watchlist: str
    title: str
    source: str


class DeliveryDetail(NamedTuple):
    channel: str
    state: str
    attempts: int
    digest: int
    next_attempt_at: str
    sent_at: str | None
    last_error: str | None


def _marks(prefix: str, values: Sequence[object]) -> tuple[str, dict[str, object]]:
    """Named placeholders for an IN (…) list, and their parameters."""
    names = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{name}" for name in names), names


# -- The match step (inside its transaction) -------------------------------------------------------


def article_story(db: Database, article_id: int) -> tuple[int | None, int, str]:
    """(story, revision, language or '') of an article, read inside the match transaction."""
    story_id, revision, language = db.execute(
        "SELECT story_id, revision, language FROM articles WHERE id = :id", {"id": article_id}
    ).fetchone()
    return story_id, revision, language or ""


def date_matches(db: Database, article_id: int) -> None:
    """Give an article's matches its date as it is now (published, else fetched_at: the date
    the reader's watchlist pages sort them by, `matches.listed_when`), where it changed: an
    article re-stored with a new date is matched again. A new match is dated as it is written
    (a trigger: monitors.alerts step 0033)."""
    db.execute(
        "UPDATE matches SET listed_when = d.listed_when FROM ("
        "  SELECT coalesce(published, fetched_at) AS listed_when FROM articles WHERE id = :id"
        ") AS d WHERE matches.article_id = :id "
        "AND (matches.listed_when IS NULL OR matches.listed_when <> d.listed_when)",
        {"id": article_id},
    )


def add_match(db: Database, match: NewMatch) -> int | None:
    """Record a match; its id, or None when the article already matched this watchlist."""
    rows = db.execute(
        "INSERT INTO matches(article_id, watchlist, terms, snippet, matched_at, hits, "
        "not_alerted) "
        "VALUES (:article_id, :watchlist, :terms, :snippet, :matched_at, :hits, :not_alerted) "
        "ON CONFLICT (article_id, watchlist) DO NOTHING RETURNING id",
        match._asdict(),
    ).fetchall()
    return rows[0][0] if rows else None


def note_story_alerted(db: Database, match_id: int) -> None:
    """Record that a match raised no alert because its story already alerted the watchlist."""
    db.execute(
        "UPDATE matches SET not_alerted = :why WHERE id = :id",
        {"why": STORY_ALERTED, "id": match_id},
    )


def add_alert(db: Database, alert: NewAlert) -> int | None:
    """Record an alert; its id, or None when the article or its story already alerted this
    watchlist (UNIQUE(article_id, watchlist), UNIQUE(story_id, watchlist, story_language)).

    A story's alerts are also those of the articles it holds now: two stories found later to be
    one event (reports in two languages, crawler.stories.grouping) become one, and an alert
    raised for the story folded into the other still counts for the story it joined.

    An alert stored before a language was taken by its primary subtag holds the language as
    imported (« fr-MA »): it still counts for its language (« fr »), or the story's next
    article in that language alerted again."""
    regions = f"{alert.story_language}-%" if alert.story_language else ""
    rows = db.execute(
        "INSERT INTO alerts(match_id, article_id, watchlist, created_at, story_id, is_update, "
        "story_language) SELECT :match_id, :article_id, :watchlist, :created_at, :story_id, "
        ":is_update, :story_language WHERE NOT EXISTS ("
        "  SELECT 1 FROM articles sa JOIN alerts sx ON sx.article_id = sa.id "
        "  WHERE sa.story_id = :story_id AND sx.watchlist = :watchlist "
        "  AND (sx.story_language = :story_language OR sx.story_language LIKE :regions)) "
        "ON CONFLICT DO NOTHING RETURNING id",
        alert._asdict() | {"is_update": int(alert.is_update), "regions": regions},
    ).fetchall()
    return rows[0][0] if rows else None


def add_deliveries(db: Database, deliveries: Iterable[NewDelivery]) -> None:
    """One delivery per channel of an alert (a channel already queued is left alone)."""
    db.executemany(
        "INSERT INTO deliveries(alert_id, channel, next_attempt_at, digest) "
        "VALUES (:alert_id, :channel, :next_attempt_at, :digest) "
        "ON CONFLICT (alert_id, channel) DO NOTHING",
        [d._asdict() | {"digest": int(d.digest)} for d in deliveries],
    )


# -- The sender ------------------------------------------------------------------------------------

_COLUMNS = (
    "id",
    "channel",
    "attempts",
    "digest",
    "alert_id",
    "watchlist",
    "created_at",
    "hits",
    "story_id",
    "is_update",
    "story_language",
    "article_id",
    "snippet",
    "title",
    "url",
    "published",
    "language",
    "source",
    "source_title",
    "original_source",
    "original_url",
)
_SELECT = """
SELECT d.id, d.channel, d.attempts, d.digest, a.id AS alert_id, a.watchlist, a.created_at, m.hits,
       a.story_id, a.is_update, a.story_language, a.article_id,
       m.snippet, ar.title, ar.url, ar.published, ar.language, ar.source, s.title AS source_title,
       ar.original_source, ar.original_url
FROM deliveries d
JOIN alerts a ON a.id = d.alert_id
JOIN matches m ON m.id = a.match_id
JOIN articles ar ON ar.id = a.article_id
LEFT JOIN sources s ON s.name = ar.source
"""


def _pending_alerts(
    db: Database, where: str, params: dict[str, object], limit: int | None
) -> list[PendingAlert]:
    sql = f"{_SELECT} WHERE {where} ORDER BY d.id"
    if limit is not None:
        sql += " LIMIT :limit"
        params = params | {"limit": limit}
    return [
        cast(PendingAlert, dict(zip(_COLUMNS, values, strict=True)) | {"terms": "", "also_in": []})
        for values in db.execute(sql, params).fetchall()
    ]


def due_deliveries(db: Database, now: str, limit: int | None = None) -> list[PendingAlert]:
    """Pending deliveries due at `now`, oldest first (terms and also_in left to the caller)."""
    return _pending_alerts(
        db, "d.state = 'pending' AND d.next_attempt_at <= :now", {"now": now}, limit
    )


def deliveries_of_alert(db: Database, alert_id: int) -> list[PendingAlert]:
    """Every delivery of one alert, with its alert, match and article."""
    return _pending_alerts(db, "a.id = :alert_id", {"alert_id": alert_id}, None)


def story_outlets(db: Database, article_id: int) -> list[tuple[str, str, str]]:
    """(source name, source title, article URL) of every article of the story an article is in
    now, first seen first: the other outlets an alert on it names (a story folded into another
    since the alert was raised names the other's outlets too)."""
    return [
        (name, title, url)
        for name, title, url in db.execute(
            "SELECT a.source, coalesce(s.title, a.source), a.url FROM articles a "
            "LEFT JOIN sources s ON s.name = a.source "
            "WHERE a.story_id = (SELECT story_id FROM articles WHERE id = :article) "
            "ORDER BY a.id",
            {"article": article_id},
        ).fetchall()
    ]


# On PostgreSQL several delivery processes share the outbox: each claim carries a lease, who
# took it (host:pid) and when. A claim older than this is taken for abandoned (a send gives up
# long before: channel timeouts are seconds).
LEASE_SECONDS = 15 * 60


def claimant() -> str:
    """Who claims, as recorded in a lease: this host and process."""
    return this_process()


def mark_interrupted_unconfirmed(db: Database, reason: str, now: str | None = None) -> int:
    """Deliveries left 'sending' become 'unconfirmed' with `reason`; how many.

    SQLite has one sender per database (the daemon's lock), so every 'sending' row is one that
    a stopped process left. On PostgreSQL other senders may be sending right now: only the
    claims of dead processes of this host, and expired leases, are recovered."""
    if db.engine != "postgresql":
        with db.transaction():
            cursor = db.execute(
                "UPDATE deliveries SET state = 'unconfirmed', last_error = :reason "
                "WHERE state = 'sending'",
                {"reason": reason},
            )
        return cursor.rowcount
    moment = parse_timestamp(now or utcnow())
    if moment is None:
        raise ValueError(f"not a timestamp: {now!r}")
    expired = iso(moment - timedelta(seconds=LEASE_SECONDS))
    count = 0
    with db.transaction():
        rows = db.execute(
            "SELECT id, coalesce(claimed_by, ''), coalesce(claimed_at, '') FROM deliveries "
            "WHERE state = 'sending' FOR UPDATE SKIP LOCKED"
        ).fetchall()
        for delivery_id, who, when in rows:
            if who and when >= expired and alive_here(who):
                continue  # a live sender's claim: not ours to touch
            db.execute(
                "UPDATE deliveries SET state = 'unconfirmed', last_error = :reason, "
                "claimed_by = NULL, claimed_at = NULL WHERE id = :id",
                {"reason": reason, "id": delivery_id},
            )
            count += 1
    return count


def claim(db: Database, ids: Sequence[int]) -> bool:
    """Mark deliveries 'sending' (one more attempt each) in a transaction of their own, all of
    them or none: False when another sender took some of them first."""
    marks, params = _marks("id", ids)
    if db.engine == "postgresql":
        return _claim_postgres(db, ids, marks, params)
    with db.transaction(lock="deliveries"):
        pending = db.execute(
            f"SELECT count(*) FROM deliveries WHERE id IN ({marks}) AND state = 'pending'",
            params,
        ).fetchone()[0]
        if pending != len(ids):
            return False
        db.execute(
            f"UPDATE deliveries SET state = 'sending', attempts = attempts + 1 WHERE id IN ({marks})",
            params,
        )
    return True


def _claim_postgres(
    db: Database, ids: Sequence[int], marks: str, params: dict[str, object]
) -> bool:
    """The claim on PostgreSQL, in one statement (one round trip, atomic on its own): the rows
    still pending are locked FOR UPDATE SKIP LOCKED (a row another sender is claiming right now
    is skipped, not waited for), and all of them get this process's lease, or none if any is
    gone."""
    claimed = db.execute(
        f"WITH taken AS (SELECT id FROM deliveries WHERE id IN ({marks}) AND state = 'pending' "
        "FOR UPDATE SKIP LOCKED) "
        "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, "
        "claimed_by = :claimant, claimed_at = :now "
        "WHERE id IN (SELECT id FROM taken) AND (SELECT count(*) FROM taken) = :wanted "
        "RETURNING id",
        params | {"claimant": claimant(), "now": utcnow(), "wanted": len(ids)},
    ).fetchall()
    return len(claimed) == len(ids)


def settle(db: Database, outcomes: Iterable[Settled]) -> None:
    """Record how claimed deliveries ended, in one transaction (one statement for one
    delivery, the usual case: atomic on its own, one round trip on PostgreSQL)."""
    outcomes = list(outcomes)
    if len(outcomes) == 1:
        _settle_one(db, outcomes[0])
        return
    with db.transaction():
        for outcome in outcomes:
            _settle_one(db, outcome)


def _settle_one(db: Database, outcome: Settled) -> None:
    if outcome.sent_at is not None:
        db.execute(
            "UPDATE deliveries SET state = 'sent', sent_at = :sent_at, last_error = NULL "
            "WHERE id = :id",
            {"sent_at": outcome.sent_at, "id": outcome.id},
        )
    else:
        db.execute(
            "UPDATE deliveries SET state = :state, next_attempt_at = :next_attempt_at, "
            "last_error = :error WHERE id = :id",
            outcome._asdict(),
        )


def withdraw(db: Database, channel: str, reason: str) -> int:
    """End a channel's pending deliveries as failed, with `reason` as their error: for a
    person removed from the team, whose address is gone, so that they are neither retried
    until they give up nor left pending forever, and `veille alerts` says why. Returns how
    many were withdrawn. A delivery being sent at that moment finishes as it would."""
    cursor = db.execute(
        "UPDATE deliveries SET state = 'failed', last_error = ? "
        "WHERE channel = ? AND state = 'pending'",
        (reason, channel),
    )
    return cursor.rowcount


def defer(db: Database, ids: Iterable[int], until: str) -> None:
    """Hold pending deliveries for a grouped message at `until`."""
    with db.transaction():
        for delivery_id in ids:
            db.execute(
                "UPDATE deliveries SET digest = 1, next_attempt_at = :until "
                "WHERE id = :id AND state = 'pending'",
                {"until": until, "id": delivery_id},
            )


def sent_since(db: Database, watchlist: str, channel: str, since: str) -> int:
    """Immediate (not digest) deliveries of a watchlist sent on a channel after `since`."""
    return db.execute(
        "SELECT count(*) FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
        "WHERE a.watchlist = :watchlist AND d.channel = :channel AND d.state = 'sent' "
        "AND d.digest = 0 AND d.sent_at > :since",
        {"watchlist": watchlist, "channel": channel, "since": since},
    ).fetchone()[0]


# -- `veille alerts list|show|retry` -----------------------------------------------------------


def recent_alerts(
    db: Database, state: str | None = None, watchlist: str | None = None, limit: int = 50
) -> list[AlertRow]:
    """Latest alerts first, optionally only those with a delivery in `state`, of `watchlist`."""
    where = ["1 = 1"]
    params: dict[str, object] = {"limit": limit}
    if state:
        where.append("a.id IN (SELECT alert_id FROM deliveries WHERE state = :state)")
        params["state"] = state
    if watchlist:
        where.append("a.watchlist = :watchlist")
        params["watchlist"] = watchlist
    rows = db.execute(
        "SELECT a.id, a.created_at, a.watchlist, coalesce(ar.title, ar.url), ar.source "
        f"FROM alerts a JOIN articles ar ON ar.id = a.article_id WHERE {' AND '.join(where)} "
        "ORDER BY a.id DESC LIMIT :limit",
        params,
    ).fetchall()
    return [AlertRow(*row) for row in rows]


def delivery_states(db: Database, alert_id: int) -> dict[str, str]:
    """{channel: state} of one alert's deliveries."""
    return dict(
        db.execute(
            "SELECT channel, state FROM deliveries WHERE alert_id = :id ORDER BY channel",
            {"id": alert_id},
        ).fetchall()
    )


def delivery_details(db: Database, alert_id: int) -> list[DeliveryDetail]:
    """One alert's deliveries with their attempts, schedule and last error, by channel."""
    rows = db.execute(
        "SELECT channel, state, attempts, digest, next_attempt_at, sent_at, last_error "
        "FROM deliveries WHERE alert_id = :id ORDER BY channel",
        {"id": alert_id},
    ).fetchall()
    return [DeliveryDetail(*row) for row in rows]


def requeue(
    db: Database,
    states: Sequence[str],
    due: str,
    alert_ids: Sequence[int] | None = None,
    channel: str | None = None,
) -> int:
    """Put deliveries in `states` back in the outbox, due at `due`, with a fresh attempt count
    and not in a digest; how many."""
    marks, params = _marks("state", states)
    where = [f"state IN ({marks})"]
    if alert_ids:
        alert_marks, alert_params = _marks("alert", alert_ids)
        where.append(f"alert_id IN ({alert_marks})")
        params |= alert_params
    if channel:
        where.append("channel = :channel")
        params["channel"] = channel
    with db.transaction():
        cursor = db.execute(
            "UPDATE deliveries SET state = 'pending', attempts = 0, digest = 0, "
            f"next_attempt_at = :due, last_error = NULL WHERE {' AND '.join(where)}",
            params | {"due": due},
        )
    return cursor.rowcount


def matched_watchlists(db: Database) -> set[str]:
    """The watchlists that have matched at least one article."""
    return {row[0] for row in db.execute("SELECT DISTINCT watchlist FROM matches")}
