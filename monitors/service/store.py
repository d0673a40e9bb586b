"""What the running service reads from the database: each source's pace and publication history
(monitors.service.pacing) and the figures of `veille status` (monitors.service.status).

Read-only: a source's pace is written through crawler.storage (save_source_pace), the owner of
the sources table. Times are computed in Python and compared as ISO-8601 text on both engines.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from crawler.storage.engine import Database
from crawler.stories import store as stories_store
from monitors.alerts import store as alerts_store


def database_name(db: Database) -> str:
    """What tells one database from another in this process (its file on SQLite)."""
    if db.engine == "sqlite":
        return str(db.execute("PRAGMA database_list").fetchone()[2])
    return str(db.execute("SELECT current_database()").fetchone()[0])


# -- Pacing ----------------------------------------------------------------------------------------


def publication_dates(db: Database, source: str, since: str) -> list[tuple[str | None, str]]:
    """(published, fetched_at) of a source's articles published (else fetched) since `since`
    (ISO-8601 text, compared as text: give a margin for offsets)."""
    return [
        (published, fetched_at)
        for published, fetched_at in db.execute(
            "SELECT published, fetched_at FROM articles "
            "WHERE source = :source AND coalesce(published, fetched_at) >= :since",
            {"source": source, "since": since},
        ).fetchall()
    ]


def next_due_at(db: Database, source: str) -> str | None:
    """When the source's next crawl is due (None: now, or a source never paced)."""
    row = db.execute(
        "SELECT next_due_at FROM sources WHERE name = :source", {"source": source}
    ).fetchone()
    return row[0] if row else None


def pace_counters(db: Database, source: str) -> tuple[int, int]:
    """(consecutive failures, quiet cycles) of a source; zeros for an unknown one."""
    row = db.execute(
        "SELECT consecutive_failures, quiet_cycles FROM sources WHERE name = :source",
        {"source": source},
    ).fetchone()
    return (row[0], row[1]) if row else (0, 0)


# -- `veille status` -------------------------------------------------------------------------------


class SourceRow(NamedTuple):
    name: str
    last_crawl_at: str | None
    last_success_at: str | None
    articles: int
    error_count: int
    last_error: str | None
    last_error_at: str | None
    pace: str | None
    next_due_at: str | None
    warning: str | None


class RunRow(NamedTuple):
    id: int
    started_at: str
    finished_at: str | None
    status: str
    new_articles: int
    errors: int


def source_rows(db: Database) -> list[SourceRow]:
    """Every source with its crawl dates, article count (kept by triggers on articles), last
    error, pace and warning."""
    rows = db.execute(
        "SELECT s.name, s.last_crawl_at, s.last_success_at, "
        "coalesce((SELECT c.articles FROM source_counts c WHERE c.source = s.name), 0), "
        "s.error_count, s.last_error, s.last_error_at, s.pace, s.next_due_at, s.warning "
        "FROM sources s ORDER BY s.name"
    ).fetchall()
    return [SourceRow(*row) for row in rows]


def fault_kinds_of_run(db: Database, run_id: int) -> dict[str, set[str]]:
    """Per source, the kinds of fault a crawl run recorded (dns, timeout, http-404…)."""
    kinds: dict[str, set[str]] = {}
    for source, kind in db.execute(
        "SELECT DISTINCT source, kind FROM crawl_errors WHERE run_id = ?", (run_id,)
    ).fetchall():
        kinds.setdefault(source, set()).add(kind)
    return kinds


def extraction_drops(db: Database, kinds: Sequence[str], since: str) -> dict[str, dict[str, int]]:
    """Per source, how many faults of each of `kinds` were recorded since `since` (pages
    declined, texts that read like navigation), read per source from crawl_errors' (source, at)
    index."""
    marks = ", ".join("?" for _ in kinds)
    counts: dict[str, dict[str, int]] = {}
    for source, kind, count in db.execute(
        "SELECT s.name, e.kind, count(*) FROM sources s "
        "JOIN crawl_errors e ON e.source = s.name AND e.at >= ? "
        f"WHERE e.kind IN ({marks}) GROUP BY s.name, e.kind",
        [since, *kinds],
    ).fetchall():
        counts.setdefault(source, {})[kind] = count
    return counts


def links_not_taken(db: Database) -> dict[str, dict[str, int]]:
    """Per source, the links its last crawl found and did not take as articles, by reason."""
    return {
        name: json.loads(value)
        for name, value in db.execute(
            "SELECT name, links_not_taken FROM sources WHERE links_not_taken IS NOT NULL"
        ).fetchall()
    }


# The state every delivery ends in once sent: it grows with every alert, the others hold only the
# outbox's backlog (pending, being sent, failed, unconfirmed).
SENT = "sent"


def delivery_states(db: Database) -> list[str]:
    """The states deliveries are in, each found by one seek on the index of deliveries by state
    (a loose index scan): as many reads as states, however many deliveries."""
    return [
        state
        for (state,) in db.execute(
            "WITH RECURSIVE states(state) AS ("
            "  SELECT min(state) FROM deliveries"
            "  UNION ALL"
            "  SELECT (SELECT min(d.state) FROM deliveries d WHERE d.state > states.state)"
            "  FROM states WHERE states.state IS NOT NULL"
            ") SELECT state FROM states WHERE state IS NOT NULL"
        ).fetchall()
    ]


def deliveries_by_state(db: Database) -> dict[str, int]:
    """How many deliveries are in each state (those that have any), in the order of the states'
    names. The sent ones are not read one by one: every state but `sent` is counted on the
    index of deliveries by state (the outbox's backlog), and `sent` is what is left of the whole
    table's count, which SQLite takes from the table's b-tree without reading its rows."""
    states = delivery_states(db)
    counts = deliveries_in_states(db, tuple(state for state in states if state != SENT))
    if SENT in states:
        total = db.execute("SELECT count(*) FROM deliveries").fetchone()[0]
        counts[SENT] = total - sum(counts.values())
    return {state: counts[state] for state in sorted(counts) if counts[state]}


def deliveries_in_states(db: Database, states: tuple[str, ...]) -> dict[str, int]:
    """How many deliveries are in each of `states` (those that have any), each counted on the
    index of deliveries by state: the sent ones, which grow with every alert, are not read."""
    counts = {
        state: db.execute(
            "SELECT count(*) FROM deliveries WHERE state = :state", {"state": state}
        ).fetchone()[0]
        for state in states
    }
    return {state: count for state, count in counts.items() if count}


def last_run(db: Database) -> RunRow | None:
    row = db.execute(
        "SELECT id, started_at, finished_at, status, new_articles, errors FROM crawl_runs "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return RunRow(*row) if row else None


def matches_not_alerted(db: Database, since: str) -> dict[str, int]:
    """Matches since `since` that raised no alert, counted by why in words.

    The reason is stored with each match when the match step decides it (matches.not_alerted),
    so this reads the week's matches that raised none from one index, and neither their
    articles nor the alerts (24 to 2 ms at 100,000 articles, bench/reader.py)."""
    rows = db.execute(
        "SELECT not_alerted, count(*) FROM matches "
        "WHERE matched_at >= :since AND not_alerted IS NOT NULL GROUP BY not_alerted",
        {"since": since},
    ).fetchall()
    return {alerts_store.NOT_ALERTED.get(why, why): count for why, count in rows}


class Totals(NamedTuple):
    alerts: int
    articles: int
    stories: int
    stories_in_several_outlets: int


def totals(db: Database) -> Totals:
    """How many alerts, articles and stories, and stories run by more than one outlet."""
    return Totals(
        db.execute("SELECT count(*) FROM alerts").fetchone()[0],
        int(db.execute("SELECT coalesce(sum(articles), 0) FROM source_counts").fetchone()[0]),
        stories_store.story_count(db),
        stories_store.stories_in_several_outlets(db),
    )
