"""Every statement on the people's tables: accounts, subscriptions, triage, the links' key and
spent tokens; and the reads that join them to matches and articles (the reader's home list,
the subscribers of a watchlist, a watchlist's articles marked not relevant).

Callers pass and receive records; times are computed by the callers and passed as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # `veille users` and `veille --help` load this module before any database
    from crawler.storage.engine import Database


class Person(NamedTuple):
    name: str
    email: str | None
    password_hash: str | None
    created_at: str
    last_visit_at: str | None
    previous_visit_at: str | None


class Subscriber(NamedTuple):
    """A person who follows a watchlist, with the address their alerts go to."""

    name: str
    email: str


class NotRelevant(NamedTuple):
    person: str
    article_id: int
    watchlist: str
    marked_at: str
    title: str | None
    url: str | None
    source: str | None


class MatchEvent(NamedTuple):
    """One match, newest first: what the home list is built from."""

    match_id: int
    article_id: int
    watchlist: str
    source: str
    matched_at: str
    snippet: str


class ArticleMatch(NamedTuple):
    """One match of an article (the home list's chips, and its place in the list)."""

    match_id: int
    watchlist: str
    matched_at: str
    snippet: str


class ArticleCard(NamedTuple):
    article_id: int
    title: str
    url: str
    source: str
    source_title: str
    published: str | None
    language: str | None


def _marks(prefix: str, values: Sequence[object]) -> tuple[str, dict[str, object]]:
    """Named placeholders for an IN (…) list, and their parameters."""
    names = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{name}" for name in names), names


# -- Accounts --------------------------------------------------------------------------------------

_PERSON = (
    "SELECT name, email, password_hash, created_at, last_visit_at, previous_visit_at FROM people"
)


def add_person(
    db: Database, name: str, email: str | None, password_hash: str | None, now: str
) -> bool:
    """False when the name is taken. (In a transaction: SQLite commits a statement with
    RETURNING only when its rows are read, which sqlite-utils leaves to the caller.)"""
    with db.transaction():
        row = db.execute(
            "INSERT INTO people (name, email, password_hash, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO NOTHING RETURNING name",
            (name, email, password_hash, now),
        ).fetchone()
    return row is not None


def person(db: Database, name: str) -> Person | None:
    row = db.execute(_PERSON + " WHERE name = ?", (name,)).fetchone()
    return Person(*row) if row else None


def people(db: Database) -> list[Person]:
    return [Person(*row) for row in db.execute(_PERSON + " ORDER BY name").fetchall()]


def password_hashes(db: Database) -> dict[str, str]:
    """Each person who logs in with a password: their scrypt hash."""
    rows = db.execute("SELECT name, password_hash FROM people WHERE password_hash IS NOT NULL")
    return dict(rows.fetchall())


def set_password_hash(db: Database, name: str, password_hash: str) -> bool:
    cursor = db.execute("UPDATE people SET password_hash = ? WHERE name = ?", (password_hash, name))
    return cursor.rowcount > 0


def set_email(db: Database, name: str, email: str | None) -> bool:
    cursor = db.execute("UPDATE people SET email = ? WHERE name = ?", (email, name))
    return cursor.rowcount > 0


def language_of(db: Database, name: str) -> str | None:
    """The language the person chose for their emails (None: each watchlist's)."""
    row = db.execute("SELECT language FROM people WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def set_language(db: Database, name: str, language: str | None) -> bool:
    cursor = db.execute("UPDATE people SET language = ? WHERE name = ?", (language, name))
    return cursor.rowcount > 0


def remove_person(db: Database, name: str) -> bool:
    """The person and everything that is theirs (subscriptions, triage); False when unknown.
    Their "not relevant" marks stay: they are the watchlist's counter-examples."""
    with db.transaction():
        db.execute("DELETE FROM subscriptions WHERE person = ?", (name,))
        db.execute("DELETE FROM article_reads WHERE person = ?", (name,))
        db.execute("DELETE FROM saved_articles WHERE person = ?", (name,))
        db.execute("DELETE FROM muted_outlets WHERE person = ?", (name,))
        db.execute("DELETE FROM dismissed_watchlists WHERE person = ?", (name,))
        cursor = db.execute("DELETE FROM people WHERE name = ?", (name,))
        return cursor.rowcount > 0


def record_visit(db: Database, name: str, now: str, new_visit_before: str) -> str | None:
    """Note a visit of the home page at `now`; a visit counts as a new one when the last was
    before `new_visit_before` (the previous visit then moves to the last). Returns the start
    of "new since your last visit" (None: everything is new)."""
    with db.transaction():
        row = db.execute(
            "SELECT last_visit_at, previous_visit_at FROM people WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        last, previous = row
        if last is None or last < new_visit_before:
            previous = last
        db.execute(
            "UPDATE people SET last_visit_at = ?, previous_visit_at = ? WHERE name = ?",
            (now, previous, name),
        )
        return previous


# -- Subscriptions ---------------------------------------------------------------------------------


def follow(db: Database, name: str, watchlist: str, now: str) -> None:
    db.execute(
        "INSERT INTO subscriptions (person, watchlist, since) VALUES (?, ?, ?) "
        "ON CONFLICT (person, watchlist) DO NOTHING",
        (name, watchlist, now),
    )


def unfollow(db: Database, name: str, watchlist: str) -> bool:
    cursor = db.execute(
        "DELETE FROM subscriptions WHERE person = ? AND watchlist = ?", (name, watchlist)
    )
    return cursor.rowcount > 0


def followed(db: Database, name: str) -> list[str]:
    rows = db.execute(
        "SELECT watchlist FROM subscriptions WHERE person = ? ORDER BY watchlist", (name,)
    )
    return [row[0] for row in rows.fetchall()]


def followed_watchlists(db: Database) -> dict[str, list[str]]:
    """Every watchlist someone follows, with who follows it (by name)."""
    rows = db.execute("SELECT watchlist, person FROM subscriptions ORDER BY watchlist, person")
    found: dict[str, list[str]] = {}
    for watchlist, person in rows.fetchall():
        found.setdefault(watchlist, []).append(person)
    return found


def followers(db: Database, watchlist: str) -> list[str]:
    """The people who follow `watchlist`, by name."""
    rows = db.execute(
        "SELECT person FROM subscriptions WHERE watchlist = ? ORDER BY person", (watchlist,)
    )
    return [row[0] for row in rows.fetchall()]


def subscribers(db: Database, watchlist: str, source: str) -> list[Subscriber]:
    """Who gets a match of `watchlist` from `source` at their own address: those who follow the
    watchlist, have an address, and have not muted the source for it."""
    rows = db.execute(
        "SELECT p.name, p.email FROM subscriptions s JOIN people p ON p.name = s.person "
        "WHERE s.watchlist = :w AND p.email IS NOT NULL AND p.email <> '' "
        "AND NOT EXISTS (SELECT 1 FROM muted_outlets m WHERE m.person = p.name "
        "AND m.watchlist = :w AND m.source = :s) ORDER BY p.name",
        {"w": watchlist, "s": source},
    )
    return [Subscriber(*row) for row in rows.fetchall()]


def email_of(db: Database, name: str) -> str | None:
    row = db.execute("SELECT email FROM people WHERE name = ?", (name,)).fetchone()
    return row[0] if row and row[0] else None


# -- Triage ----------------------------------------------------------------------------------------


def mark_read(db: Database, name: str, article_ids: Iterable[int], now: str) -> None:
    with db.transaction():
        db.executemany(
            "INSERT INTO article_reads (person, article_id, read_at) VALUES (?, ?, ?) "
            "ON CONFLICT (person, article_id) DO NOTHING",
            [(name, article_id, now) for article_id in article_ids],
        )


def mark_unread(db: Database, name: str, article_id: int) -> None:
    db.execute("DELETE FROM article_reads WHERE person = ? AND article_id = ?", (name, article_id))


def save(db: Database, name: str, article_id: int, now: str) -> None:
    db.execute(
        "INSERT INTO saved_articles (person, article_id, saved_at) VALUES (?, ?, ?) "
        "ON CONFLICT (person, article_id) DO NOTHING",
        (name, article_id, now),
    )


def unsave(db: Database, name: str, article_id: int) -> None:
    db.execute("DELETE FROM saved_articles WHERE person = ? AND article_id = ?", (name, article_id))


def mark_not_relevant(db: Database, name: str, article_id: int, watchlist: str, now: str) -> None:
    db.execute(
        "INSERT INTO not_relevant (person, article_id, watchlist, marked_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (person, article_id, watchlist) DO NOTHING",
        (name, article_id, watchlist, now),
    )


def unmark_not_relevant(db: Database, name: str, article_id: int, watchlist: str) -> None:
    db.execute(
        "DELETE FROM not_relevant WHERE person = ? AND article_id = ? AND watchlist = ?",
        (name, article_id, watchlist),
    )


def mute(db: Database, name: str, watchlist: str, source: str, now: str) -> None:
    db.execute(
        "INSERT INTO muted_outlets (person, watchlist, source, muted_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (person, watchlist, source) DO NOTHING",
        (name, watchlist, source, now),
    )


def unmute(db: Database, name: str, watchlist: str, source: str) -> None:
    db.execute(
        "DELETE FROM muted_outlets WHERE person = ? AND watchlist = ? AND source = ?",
        (name, watchlist, source),
    )


def dismiss_watchlist(db: Database, name: str, watchlist: str, now: str) -> None:
    db.execute(
        "INSERT INTO dismissed_watchlists (person, watchlist, dismissed_at) VALUES (?, ?, ?) "
        "ON CONFLICT (person, watchlist) DO NOTHING",
        (name, watchlist, now),
    )


def undismiss_watchlist(db: Database, name: str, watchlist: str) -> None:
    db.execute(
        "DELETE FROM dismissed_watchlists WHERE person = ? AND watchlist = ?", (name, watchlist)
    )


def dismissed_watchlists(db: Database, name: str) -> set[str]:
    """The deleted watchlists the person no longer wants listed (by name: a watchlist created
    again under that name is listed as any other)."""
    rows = db.execute("SELECT watchlist FROM dismissed_watchlists WHERE person = ?", (name,))
    return {row[0] for row in rows.fetchall()}


def muted(db: Database, name: str) -> set[tuple[str, str]]:
    """(watchlist, source) pairs the person muted."""
    rows = db.execute("SELECT watchlist, source FROM muted_outlets WHERE person = ?", (name,))
    return {(w, s) for w, s in rows.fetchall()}


def read_among(db: Database, name: str, article_ids: Sequence[int]) -> set[int]:
    if not article_ids:
        return set()
    marks, params = _marks("a", article_ids)
    rows = db.execute(
        f"SELECT article_id FROM article_reads WHERE person = :p AND article_id IN ({marks})",
        {"p": name, **params},
    )
    return {row[0] for row in rows.fetchall()}


def saved_among(db: Database, name: str, article_ids: Sequence[int]) -> set[int]:
    if not article_ids:
        return set()
    marks, params = _marks("a", article_ids)
    rows = db.execute(
        f"SELECT article_id FROM saved_articles WHERE person = :p AND article_id IN ({marks})",
        {"p": name, **params},
    )
    return {row[0] for row in rows.fetchall()}


def saved_ids(db: Database, name: str, limit: int) -> list[int]:
    rows = db.execute(
        "SELECT article_id FROM saved_articles WHERE person = ? ORDER BY saved_at DESC, "
        "article_id DESC LIMIT ?",
        (name, limit),
    )
    return [row[0] for row in rows.fetchall()]


def not_relevant_pairs(db: Database, name: str, article_ids: Sequence[int]) -> set[tuple[int, str]]:
    """(article, watchlist) pairs among `article_ids` the person marked not relevant."""
    if not article_ids:
        return set()
    marks, params = _marks("a", article_ids)
    rows = db.execute(
        "SELECT article_id, watchlist FROM not_relevant "
        f"WHERE person = :p AND article_id IN ({marks})",
        {"p": name, **params},
    )
    return {(a, w) for a, w in rows.fetchall()}


def not_relevant_of(db: Database, watchlist: str, limit: int = 200) -> list[NotRelevant]:
    """The articles marked not relevant for a watchlist, newest mark first, by whom."""
    rows = db.execute(
        "SELECT n.person, n.article_id, n.watchlist, n.marked_at, a.title, a.url, a.source "
        "FROM not_relevant n LEFT JOIN articles a ON a.id = n.article_id "
        "WHERE n.watchlist = ? ORDER BY n.marked_at DESC, n.article_id DESC LIMIT ?",
        (watchlist, limit),
    )
    return [NotRelevant(*row) for row in rows.fetchall()]


def not_relevant_article_ids(db: Database, watchlist: str) -> list[int]:
    """Every article anyone marked not relevant for the watchlist (each once)."""
    rows = db.execute(
        "SELECT DISTINCT article_id FROM not_relevant WHERE watchlist = ? ORDER BY article_id",
        (watchlist,),
    )
    return [row[0] for row in rows.fetchall()]


# -- The home list ---------------------------------------------------------------------------------


def matches_before(db: Database, before_id: int | None, limit: int) -> list[MatchEvent]:
    """Matches newest first (by id: the order they were found), `limit` of them below
    `before_id`: the home list walks them a batch at a time on the primary key."""
    where = "WHERE m.id < :before " if before_id is not None else ""
    rows = db.execute(
        "SELECT m.id, m.article_id, m.watchlist, a.source, m.matched_at, m.snippet FROM matches m "
        f"JOIN articles a ON a.id = m.article_id {where}ORDER BY m.id DESC LIMIT :limit",
        {"before": before_id, "limit": limit},
    )
    return [MatchEvent(*row) for row in rows.fetchall()]


def matches_after(db: Database, after_id: int, top_id: int, limit: int) -> list[MatchEvent]:
    """Matches oldest first, `limit` of them above `after_id` and up to `top_id`: the home
    list's newer pages walk them on the primary key."""
    rows = db.execute(
        "SELECT m.id, m.article_id, m.watchlist, a.source, m.matched_at, m.snippet FROM matches m "
        "JOIN articles a ON a.id = m.article_id WHERE m.id > :after AND m.id <= :top "
        "ORDER BY m.id LIMIT :limit",
        {"after": after_id, "top": top_id, "limit": limit},
    )
    return [MatchEvent(*row) for row in rows.fetchall()]


def matches_of_articles(db: Database, article_ids: Sequence[int]) -> dict[int, list[ArticleMatch]]:
    """Every match of each article, newest first (from the index on the article's matches)."""
    if not article_ids:
        return {}
    marks, params = _marks("a", article_ids)
    rows = db.execute(
        "SELECT article_id, id, watchlist, matched_at, snippet FROM matches "
        f"WHERE article_id IN ({marks}) ORDER BY article_id, id DESC",
        params,
    )
    found: dict[int, list[ArticleMatch]] = {}
    for article_id, *match in rows.fetchall():
        found.setdefault(article_id, []).append(ArticleMatch(*match))
    return found


def article_cards(db: Database, article_ids: Sequence[int]) -> dict[int, ArticleCard]:
    if not article_ids:
        return {}
    marks, params = _marks("a", article_ids)
    rows = db.execute(
        "SELECT a.id, coalesce(a.title, a.url), a.url, a.source, "
        "coalesce((SELECT s.title FROM sources s WHERE s.name = a.source), a.source), "
        f"a.published, a.language FROM articles a WHERE a.id IN ({marks})",
        params,
    )
    return {row[0]: ArticleCard(*row) for row in rows.fetchall()}


def watchlists_of(db: Database, article_ids: Sequence[int]) -> dict[int, list[str]]:
    """Every watchlist each article matched."""
    if not article_ids:
        return {}
    marks, params = _marks("a", article_ids)
    rows = db.execute(
        f"SELECT article_id, watchlist FROM matches WHERE article_id IN ({marks}) "
        "ORDER BY article_id, id",
        params,
    )
    found: dict[int, list[str]] = {}
    for article_id, watchlist in rows.fetchall():
        found.setdefault(article_id, []).append(watchlist)
    return found


def article_source(db: Database, article_id: int) -> str | None:
    row = db.execute("SELECT source FROM articles WHERE id = ?", (article_id,)).fetchone()
    return row[0] if row else None


# -- Signed links ----------------------------------------------------------------------------------


def link_secret(db: Database, candidate: str, now: str) -> str:
    """The links' signing secret: the stored one, or `candidate` stored as it when none is."""
    db.execute(
        "INSERT INTO link_keys (id, secret, created_at) VALUES (1, ?, ?) "
        "ON CONFLICT (id) DO NOTHING",
        (candidate, now),
    )
    return db.execute("SELECT secret FROM link_keys WHERE id = 1").fetchone()[0]


def stored_link_secret(db: Database) -> str | None:
    row = db.execute("SELECT secret FROM link_keys WHERE id = 1").fetchone()
    return row[0] if row else None


def spend_link(db: Database, nonce: str, purpose: str, now: str) -> bool:
    """Record a link's use; False when it was used before."""
    with db.transaction():
        row = db.execute(
            "INSERT INTO spent_links (nonce, purpose, spent_at) VALUES (?, ?, ?) "
            "ON CONFLICT (nonce) DO NOTHING RETURNING nonce",
            (nonce, purpose, now),
        ).fetchone()
    return row is not None


def link_spent(db: Database, nonce: str) -> bool:
    return db.execute("SELECT 1 FROM spent_links WHERE nonce = ?", (nonce,)).fetchone() is not None


class ArticleText(NamedTuple):
    id: int
    source: str
    title: str | None
    text: str | None
    language: str | None


def articles_text(db: Database, article_ids: Sequence[int]) -> list[ArticleText]:
    """The stored text of these articles (those still stored), for the backtest's
    counter-examples."""
    if not article_ids:
        return []
    marks, params = _marks("a", article_ids)
    rows = db.execute(
        f"SELECT id, source, title, text, language FROM articles WHERE id IN ({marks}) ORDER BY id",
        params,
    )
    return [ArticleText(*row) for row in rows.fetchall()]
