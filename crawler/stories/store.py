"""The storage of crawler.stories' tables: stories, their LSH keys and title-and-lead terms,
article revisions, meta (the articles' story columns are written through crawler.storage).

crawler.stories.grouping decides which story an article joins; every statement it needs is a
typed function here (records in, records out), so that the decision stays readable apart from
the SQL and the SQL sits in one place per owner (docs/storage.md).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

from crawler.storage import articles
from crawler.storage.engine import Cursor, Database, SQLiteDatabase
from crawler.stories import window

T = TypeVar("T")


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _returned_id(cursor: Cursor) -> int:
    rows = cursor.fetchall()  # every row read, so the statement is done
    return int(rows[0][0])


# -- meta: the fingerprint scheme, back-fill marks ------------------------------------------------


def meta_value(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta_once(db: Database, key: str, value: str) -> None:
    """Record `value` under `key` unless the key is already set."""
    with db.transaction():
        db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, value)
        )


# -- candidates of a new article's story ---------------------------------------------------------


class CopyCandidate(NamedTuple):
    """A stored article sharing LSH bands with a new one, with its story's first article."""

    story_id: int
    article_id: int
    signature: bytes
    shingles: int
    source: str
    title: str | None
    lead: str
    first_id: int | None
    first_signature: bytes | None
    first_shingles: int | None
    started: int | None  # the story hour of the story's first article (else of the candidate)
    first_title: str | None
    first_lead: str | None


def copy_candidates(
    db: Database,
    keys: list[int],
    exclude: int | None,
    limit: int,
    lead_characters: int,
    hours: tuple[int, int] | None = None,
) -> list[CopyCandidate]:
    """The stored articles (with a story and a signature) sharing the most of these LSH keys,
    at most `limit`, `exclude` left out; with `hours` (first, last), only articles whose story
    hour lies between them.

    The keys are stored in each article's story_index row, at its story hour, and looked up in
    the story window (crawler.stories.window) that rewrite matching reads anyway: a bounded
    lookup reads the articles of those hours alone, however many earlier near-copies (last
    week's rubric, a text republished every week) the store holds. Without `hours` (an article
    with no time at all, which storing never has: it takes the time it is stored) every hour is
    read, the whole store."""
    if hours is None:
        low, high = db.execute("SELECT min(hour), max(hour) FROM story_index").fetchone()
        if low is None:
            return []
    else:
        low, high = hours
    ranked = _window(db, low, high).key_hits(keys, low, high, exclude, limit)
    if not ranked:
        return []
    held = window.active(db)
    # The batch's story window keeps the rows read: a candidate comes up for several articles.
    known: dict[int, CopyCandidate] = (
        {} if held is None else held.candidate_rows(lead_characters, ranked)
    )
    missing = [article_id for article_id in ranked if article_id not in known]
    if missing:
        for row in db.execute(
            "SELECT a.story_id, a.id, a.signature, a.shingles, a.source, a.title, "
            f"substr(a.text, 1, {lead_characters}), ca.id, ca.signature, ca.shingles, "
            f"coalesce(ca.story_hour, a.story_hour), ca.title, "
            f"substr(ca.text, 1, {lead_characters}) "
            "FROM articles a JOIN stories st ON st.id = a.story_id "
            "LEFT JOIN articles ca ON ca.id = st.canonical_article_id "
            f"WHERE a.id IN ({_marks(len(missing))}) "
            "AND a.story_id IS NOT NULL AND a.signature IS NOT NULL",
            missing,
        ).fetchall():
            known[row[1]] = CopyCandidate(*row)
    # Most keys shared first, then the latest: `ranked`'s order (an article without a story or
    # a fingerprint is no candidate).
    return [known[article_id] for article_id in ranked if article_id in known]


_KEYS: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()


def window_key(db: Database) -> str:
    """Which database a kept story window belongs to: its location (its file on SQLite) and the
    identity its story_hours table was made with (a file made again at the same path is
    another database, whose hours' versions start again). Asked once per connection."""
    try:
        return _KEYS[db]
    except (KeyError, TypeError):
        pass
    key = _window_key(db)
    with contextlib.suppress(TypeError):  # a handle that takes no weak reference: asked again
        _KEYS[db] = key
    return key


def _window_key(db: Database) -> str:
    location = getattr(db, "location", None)
    if location is None:
        rows = db.execute("PRAGMA database_list").fetchall()
        location = next((row[2] for row in rows if row[1] == "main"), "") or f"memory:{id(db)}"
    identity = meta_value(db, STORY_HOURS_ID)
    return f"{location}#{identity}"


# The meta key of the identity story_hours was made with (steps 0028_story_hours, 0006).
STORY_HOURS_ID = "story_hours_id"


@contextmanager
def batch_window(db: Database, articles: int) -> Iterator[window.StoryWindow | None]:
    """The story window of a store batch of `articles` articles, kept by this process between
    batches on this database (crawler.stories.window.batch_window)."""
    with window.batch_window(db, articles, window_key(db)) as held:
        yield held


def database_mark(db: Database) -> tuple[int, int] | None:
    """What the connection says of the database as it sees it now, equal to an earlier mark of
    the same connection only when nothing was written since: SQLite's data_version (changed by
    every commit of another connection, of this process or another) and the connection's own
    count of rows written. PostgreSQL has no such mark: None."""
    if not isinstance(db, SQLiteDatabase):
        return None
    conn = db.conn
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes


def resume_window(db: Database, held: window.StoryWindow | None) -> None:
    """Inside a store batch's transaction, before its first question: the stories the batch
    kept from the last one on this connection are known again when nothing was written to the
    database since it committed (its mark, `leave_window`), instead of read again story by
    story (`veille import` and a long crawl store batch after batch on one connection)."""
    if held is not None:
        held.resume(database_mark(db))


def leave_window(db: Database, held: window.StoryWindow | None) -> None:
    """At the end of a store batch's transaction, under its lock: the database's mark, for the
    next batch's `resume_window` (the commit changes neither part of it on this connection;
    taken after the commit, it could hold a write another process made in between). A batch
    whose commit fails is not kept at all."""
    if held is not None:
        held.leave(database_mark(db))


def _window(db: Database, low: int, high: int) -> window.StoryWindow:
    """The batch's story window with the hours `low` to `high` read; outside a batch, a window
    of those hours read for this one question (crawler.stories.grouping.find_story holds one
    for a whole lookup)."""
    active = window.active(db)
    if active is not None and active.ready(low, high):
        return active  # checked, read and up to date for an earlier question of this batch
    held = active or window.StoryWindow(db)
    for first, last in held.unchecked(low, high):
        held.check(
            first,
            last,
            db.execute(
                "SELECT hour, articles, version FROM story_hours WHERE hour BETWEEN ? AND ?",
                (first, last),
            ).fetchall(),
        )
    for hour, after in held.stale():
        # Another writer's new articles at an hour this window holds: their rows alone (the
        # index on (hour, article id) finds them), not the whole hour again.
        held.extend(
            hour,
            db.execute(
                "SELECT article_id, terms, keys FROM story_index WHERE hour = ? AND article_id > ?",
                (hour, after),
            ).fetchall(),
        )
    for first, last in held.missing(low, high):
        held.load(
            first,
            last,
            # One row an article (its terms and band keys), found by the index on the hour.
            # The rows are streamed into the window: as a list they took some three times
            # the window they make, memory a crawl worker's first crawl then kept in its
            # resident set.
            db.execute(
                "SELECT article_id, hour, terms, keys FROM story_index WHERE hour BETWEEN ? AND ?",
                (first, last),
            ),
            (),  # the hours' article counts came with the check
        )
    if active is not None:
        active.mark_ready(low, high)
    return held


def articles_in_window(db: Database, low: int, high: int) -> int:
    """How many articles have a story hour between `low` and `high`."""
    return _window(db, low, high).article_count(low, high)


def window_term_counts(db: Database, terms: Set[str], low: int, high: int) -> dict[str, int]:
    """How many articles of the window use each term."""
    if not terms:
        return {}
    return _window(db, low, high).term_counts(terms, low, high)


def range_counts(db: Database, low: int, high: int) -> Mapping[str, int]:
    """How many articles of the window use each term, every term at once: valid until the next
    question about another range of hours (a view of the window's counts, not a copy)."""
    return _window(db, low, high).range_counts(low, high)


def term_hits(
    db: Database, terms: list[str], low: int, high: int, exclude: int | None
) -> list[tuple[str, int]]:
    """(term, article id) of every article of the window using one of `terms`, by term (in
    code-point order, whatever the database's collation), hour and article."""
    return list(_window(db, low, high).term_hits(terms, low, high, exclude))


def shared_terms(
    db: Database,
    terms: list[str],
    weight: dict[str, float],
    low: int,
    high: int,
    exclude: int | None,
    at_least: int = 1,
) -> tuple[dict[int, float], dict[int, int]]:
    """For each article of the window using at least `at_least` of `terms` (`exclude` left
    out): the sum of their `weight`s, added in term_hits' order, and how many they are."""
    return _window(db, low, high).shared(terms, weight, low, high, exclude, at_least)


def term_hit_counts(
    db: Database, terms: list[str], low: int, high: int, exclude: int | None
) -> dict[int, int]:
    """How many of `terms` each article of the window uses (`exclude` left out)."""
    return _window(db, low, high).hits(terms, low, high, exclude)


def stories_of(db: Database, article_ids: list[int]) -> set[int]:
    """The stories these articles belong to (a batch's story window remembers those read: the
    same candidates come up for article after article)."""
    held = window.active(db)
    if held is not None:
        held.recall_stories(article_ids)
    known: dict[int, int | None] = {} if held is None else held.stories
    missing = [a for a in article_ids if a not in known]
    if missing:
        for article_id, story_id in db.execute(
            f"SELECT id, story_id FROM articles WHERE id IN ({_marks(len(missing))})", missing
        ).fetchall():
            known[article_id] = story_id
    return {story for story in (known.get(a) for a in article_ids) if story is not None}


def remember_story(db: Database, article_id: int, story_id: int) -> None:
    """The article was just put in the story: what stories_of answers for it from now on."""
    held = window.active(db)
    if held is not None:
        held.stories[article_id] = story_id


def canonical_article(db: Database, story_id: int) -> int | None:
    """The id of a story's first article."""
    held = window.active(db)
    if held is not None:
        known, article_id = held.canonical(story_id)
        if known:
            return article_id
    article_id = db.execute(
        "SELECT canonical_article_id FROM stories WHERE id = ?", (story_id,)
    ).fetchone()[0]
    if held is not None:
        held.remember_canonical(story_id, article_id)
    return article_id


class MemberRow(NamedTuple):
    """An article of a story, as rewrite matching compares it."""

    id: int
    source: str
    hour: int | None
    title: str | None
    lead: str


def story_members(
    db: Database, story_id: int, canonical: int | None, limit: int, lead_characters: int
) -> list[MemberRow]:
    """The story's first article and its `limit` oldest articles, in id order."""
    held = window.active(db)
    key = (story_id, canonical, limit, lead_characters)
    if held is not None:
        known = held.members(key)
        if known is not None:
            return known
    rows = db.execute(
        f"SELECT id, source, story_hour, title, substr(text, 1, {lead_characters}) FROM articles "
        "WHERE story_id = ? AND (id = ? OR id IN (SELECT id FROM articles WHERE story_id = ? "
        "ORDER BY id LIMIT ?)) ORDER BY id",
        (story_id, canonical, story_id, limit),
    ).fetchall()
    members = [MemberRow(*row) for row in rows]
    if held is not None:
        held.remember_members(key, members)
    return members


def kept_member_group(
    db: Database, story_id: int, canonical: int | None, limit: int, lead_characters: int
) -> object | None:
    """What story_member_group made of these members, while the batch's window keeps it."""
    held = window.active(db)
    return None if held is None else held.group((story_id, canonical, limit, lead_characters))


def kept_story_group(
    db: Database, story_id: int, limit: int, lead_characters: int
) -> tuple[int | None, object] | None:
    """(first article, what story_member_group made of its members) of a story, while the
    batch's window keeps it: a busy story is looked at by every newcomer."""
    held = window.active(db)
    return None if held is None else held.story_group(story_id, limit, lead_characters)


def story_member_group(
    db: Database,
    story_id: int,
    canonical: int | None,
    limit: int,
    lead_characters: int,
    make: Callable[[list[MemberRow]], tuple[T, bool]],
) -> T:
    """`make` of the story's members (story_members): what the caller compares them as, and
    whether it may be kept. Kept by the batch's story window as long as the rows it was made
    of (until an article joins the story, or the batch ends)."""
    held = window.active(db)
    key = (story_id, canonical, limit, lead_characters)
    if held is not None:
        known = held.group(key)
        if known is not None:
            return known
    made, keep = make(story_members(db, story_id, canonical, limit, lead_characters))
    if held is not None and keep:
        held.remember_group(key, made)
    return made


# -- writes: an article's story, fingerprint, band keys, terms and revisions ---------------------


def save_terms(
    db: Database,
    article_id: int,
    terms: Iterable[str],
    hour: int,
    keys: Iterable[int] | None = None,
    *,
    hour_set: bool = False,
) -> None:
    """Record the article's story hour and its title-and-lead terms (replacing older ones), and
    with `keys` its LSH band keys, in its one story_index row (its keys, if any, go to the
    hour with it). The batch's story window gets them too (or, if they replace older ones,
    reads again). `hour_set`: the article was just stored and given its first story hour by
    the caller (articles.set_story), so it has no terms yet."""
    terms = set(terms)
    keys = None if keys is None else list(keys)
    packed = None if keys is None else window.pack_keys(keys)
    with db.transaction():
        held = window.active(db)
        new = hour_set or articles.set_first_story_hour(db, article_id, hour)
        if new:
            # A new article: no terms yet (an article's hour and terms are written together).
            version = _count_hour(db, hour, 1)
        else:
            old = articles.story_hour_of(db, article_id)
            if old != hour:
                articles.set_story_hour(db, article_id, hour)
                if old is not None:
                    _count_hour(db, old, -1)
                _count_hour(db, hour, 1)
            else:
                _count_hour(db, hour, 0)
            if held is not None:
                held.replaced({hour} if old is None else {hour, old})
        if packed is None:
            stored = db.execute(
                "INSERT INTO story_index(article_id, hour, terms) VALUES (?, ?, ?) "
                "ON CONFLICT (article_id) DO UPDATE SET hour = excluded.hour, "
                "terms = excluded.terms RETURNING keys",
                (article_id, hour, window.join_terms(terms)),
            ).fetchall()[0][0]
        else:
            stored = packed
            db.execute(
                "INSERT INTO story_index(article_id, hour, terms, keys) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (article_id) DO UPDATE SET hour = excluded.hour, "
                "terms = excluded.terms, keys = excluded.keys",
                (article_id, hour, window.join_terms(terms), packed),
            )
        if new and held is not None:
            if keys is not None:
                keys_saved: Iterable[int] = keys  # those just packed into the row
            else:
                keys_saved = window.unpack_keys(bytes(stored)) if stored else ()
            held.saved(article_id, terms, hour, version, keys_saved)


# The hour of LSH keys whose article has no known time: outside every story window.
NO_HOUR = 0


def _count_hour(db: Database, hour: int, articles: int) -> int:
    """Add `articles` (1, -1 or 0) to the hour's article count in story_hours and stamp the hour
    with a new version (its terms changed); returns the version. Kept windows of other
    processes read the hour again when they see it (crawler.stories.window)."""
    return _returned_id(
        db.execute(
            "INSERT INTO story_hours(hour, articles, version) VALUES (?, ?, 1) "
            "ON CONFLICT (hour) DO UPDATE SET articles = story_hours.articles + ?, "
            "version = story_hours.version + 1 RETURNING version",
            (hour, max(articles, 0), articles),
        )
    )


def save_band_keys(
    db: Database, article_id: int, keys: Iterable[int], replace: bool, hour: int | None
) -> None:
    """Record the article's LSH keys in its story_index row at its story hour (copy_candidates
    looks them up within a window of hours), replacing any it had. With `replace` (an update,
    a back-fill) the hours it leaves and enters are stamped with a new version in story_hours,
    so that kept story windows read them again."""
    at = NO_HOUR if hour is None else hour
    with db.transaction():
        old = None
        if replace:
            row = db.execute(
                "SELECT hour FROM story_index WHERE article_id = ?", (article_id,)
            ).fetchone()
            old = None if row is None else row[0]
        db.execute(
            "INSERT INTO story_index(article_id, hour, terms, keys) VALUES (?, ?, '', ?) "
            "ON CONFLICT (article_id) DO UPDATE SET hour = excluded.hour, keys = excluded.keys",
            (article_id, at, window.pack_keys(keys)),
        )
        hours = {at} if old is None else {at, old}
        if replace:
            db.execute(
                f"UPDATE story_hours SET version = version + 1 WHERE hour IN ({_marks(len(hours))})",
                sorted(hours),
            )
        held = window.active(db)
        if held is not None:
            held.replaced(hours)


def create_story(db: Database, article_id: int, title: str | None, now: str) -> int:
    """A new story whose first article is `article_id`; returns its id."""
    with db.transaction():
        return _returned_id(
            db.execute(
                "INSERT INTO stories(first_seen, canonical_article_id, title, updated_at) "
                "VALUES (?,?,?,?) RETURNING id",
                (now, article_id, title, now),
            )
        )


class JoiningArticle(NamedTuple):
    """An article just stored and put in a story, as `story_members` would read it (its lead
    cut to each length asked)."""

    id: int
    source: str
    hour: int
    title: str | None
    text: str


def touch_story(
    db: Database,
    story_id: int,
    now: str,
    joining: JoiningArticle | None = None,
    grow: Callable[[Any, MemberRow], Any] | None = None,
) -> None:
    """Stamp the story updated: an article joined it. The batch reads its members again, or,
    with `joining` (the article, the story's newest: its id the highest) and `grow` (what a
    caller made of the members, given one more row: story_member_group's `make`), knows them
    with the article added (`_joined_members`)."""
    held = window.active(db)
    if held is not None:
        members, groups = held.joined(story_id)
        if joining is not None and grow is not None:
            _joined_members(held, members, groups, joining, grow)
    with db.transaction():
        db.execute("UPDATE stories SET updated_at = ? WHERE id = ?", (now, story_id))


def _joined_members(
    held: window.StoryWindow,
    members: dict[tuple[int, int | None, int, int], list[MemberRow]],
    groups: dict[tuple[int, int | None, int, int], Any],
    joining: JoiningArticle,
    grow: Callable[[Any, MemberRow], Any],
) -> None:
    """The story members the window kept (`story_members`: the first article and the `limit`
    oldest, in id order), kept again with an article that just joined the story: the rows
    `story_members` would read now. Its id is above every kept row's, else they are read again.
    With `limit` rows or more, the `limit` oldest were all there (the first article adds one
    at most), and the newest is not among them: the same rows. With fewer, they were the whole
    story: the article comes last."""
    for key, rows in members.items():
        if any(row.id >= joining.id for row in rows):
            continue  # not the story's newest article: read again
        made = groups.get(key)
        limit, lead = key[2], key[3]
        if len(rows) < limit:
            lead_text = joining.text[:lead]
            if "\x00" in lead_text:
                continue  # SQLite's substr stops at a NUL (an imported text may hold one)
            row = MemberRow(joining.id, joining.source, joining.hour, joining.title, lead_text)
            rows = [*rows, row]
            made = None if made is None else grow(made, row)
        held.remember_members(key, rows)
        if made is not None:
            held.remember_group(key, made)


def note_outlet(db: Database, story_id: int, article_id: int, source: str | None = None) -> None:
    """Record that the article's outlet runs the story (it was just put in it), and count the
    story among those in several outlets when this outlet is its second: `veille status` reads
    that count instead of grouping every article. `source`: the article's outlet as stored,
    when the caller has it (else it is read)."""
    with db.transaction():
        if source is None:
            row = db.execute("SELECT source FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                return
            source = row[0]
        added = db.execute(
            "INSERT INTO story_outlets(story_id, source) VALUES (?, ?) "
            "ON CONFLICT (story_id, source) DO NOTHING RETURNING story_id",
            (story_id, source),
        ).fetchone()
        if added is None:
            return
        outlets = db.execute(
            "SELECT count(*) FROM story_outlets WHERE story_id = ?", (story_id,)
        ).fetchone()[0]
        if outlets == 2:
            db.execute(
                "INSERT INTO story_counts(name, stories) VALUES ('several_outlets', 1) "
                "ON CONFLICT (name) DO UPDATE SET stories = story_counts.stories + 1"
            )


def fold_story(db: Database, story_id: int, into: int) -> None:
    """Two stories are one event (reports in two languages linked by a later article): the
    articles and outlets of `story_id` go to `into`. The emptied story's row stays (alerts
    already raised name it) and is counted as folded, so that it is not counted as a story."""
    held = window.active(db)
    if held is not None:
        held.joined(story_id)
        held.joined(into)
    with db.transaction():
        several = "SELECT count(*) FROM story_outlets WHERE story_id = ?"
        before = sum(db.execute(several, (s,)).fetchone()[0] >= 2 for s in (story_id, into))
        articles.move_story(db, story_id, into)
        if held is not None:
            held.moved(story_id, into)
        db.execute(
            "INSERT INTO story_outlets(story_id, source) SELECT ?, source FROM story_outlets "
            "WHERE story_id = ? ON CONFLICT (story_id, source) DO NOTHING",
            (into, story_id),
        )
        db.execute("DELETE FROM story_outlets WHERE story_id = ?", (story_id,))
        after = int(db.execute(several, (into,)).fetchone()[0] >= 2)
        if after != before:
            _add_count(db, "several_outlets", after - before)
        _add_count(db, FOLDED, 1)


# The story_counts row of stories emptied into another (fold_story).
FOLDED = "folded"


def _add_count(db: Database, name: str, stories: int) -> None:
    db.execute(
        "INSERT INTO story_counts(name, stories) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET stories = story_counts.stories + ?",
        (name, stories, stories),
    )


def stories_in_several_outlets(db: Database) -> int:
    """How many stories more than one outlet ran (kept by note_outlet: one row read)."""
    row = db.execute("SELECT stories FROM story_counts WHERE name = 'several_outlets'").fetchone()
    return int(row[0]) if row else 0


def keep_revision(db: Database, article_id: int) -> int:
    """Before an article gets a new text: keep its current one as a revision and count it.
    Returns the article's new revision number."""
    with db.transaction():
        revision, title, text, digest, fetched = db.execute(
            "SELECT revision, title, text, content_hash, fetched_at FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        db.execute(
            "INSERT INTO article_revisions(article_id, revision, title, text, content_hash, "
            "fetched_at) VALUES (?,?,?,?,?,?) ON CONFLICT (article_id, revision) DO NOTHING",
            (article_id, revision, title, text, digest, fetched),
        )
        articles.set_revision(db, article_id, revision + 1)
    return int(revision) + 1


# -- back-fills of articles stored before stories (migration steps, crawler.stories.backfill) ----


def has_articles_without_band_keys(db: Database) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM articles WHERE signature IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM story_index k WHERE k.article_id = articles.id AND k.keys IS NOT NULL) "
            "LIMIT 1"
        ).fetchone()
        is not None
    )


def rebuild_band_keys_by_hour(
    db: SQLiteDatabase, hour_of: Callable[[str | None, str], int | None]
) -> None:
    """Step 0027_lsh_keys_by_hour: lsh_keys again, each key with its article's story hour (an
    article without one yet, stored before story hours, gets the hour `hour_of` gives its
    publication and fetch times, as the story-terms back-fill will give it; NO_HOUR if none)."""
    conn = db.conn
    conn.execute(
        "CREATE TABLE lsh_keys_by_hour (key INTEGER NOT NULL, hour INTEGER NOT NULL, "
        "article_id INTEGER NOT NULL, PRIMARY KEY (key, hour, article_id)) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT INTO lsh_keys_by_hour(key, hour, article_id) "
        "SELECT k.key, coalesce(a.story_hour, ?), k.article_id "
        "FROM lsh_keys k JOIN articles a ON a.id = k.article_id",
        (NO_HOUR,),
    )
    undated = conn.execute(
        "SELECT id, published, fetched_at FROM articles WHERE story_hour IS NULL "
        "AND id IN (SELECT article_id FROM lsh_keys)"
    ).fetchall()
    for article_id, published, fetched in undated:
        hour = hour_of(published, fetched)
        if hour is not None:
            conn.execute(
                "UPDATE lsh_keys_by_hour SET hour = ? WHERE article_id = ?", (hour, article_id)
            )
    conn.execute("DROP TABLE lsh_keys")
    conn.execute("ALTER TABLE lsh_keys_by_hour RENAME TO lsh_keys")
    conn.execute("CREATE INDEX IF NOT EXISTS lsh_keys_article ON lsh_keys(article_id)")


def fingerprinted_articles(db: Database) -> list[tuple[int, bytes, int, int | None]]:
    """(id, signature, shingle count, story hour) of every article with a fingerprint."""
    return [
        (row[0], row[1], row[2], row[3])
        for row in db.execute(
            "SELECT id, signature, shingles, story_hour FROM articles WHERE signature IS NOT NULL"
        ).fetchall()
    ]


class ArticleWithoutStory(NamedTuple):
    id: int
    title: str | None
    text: str
    source: str
    when: str  # published, else fetched_at


def articles_without_story(db: Database) -> list[ArticleWithoutStory]:
    return [
        ArticleWithoutStory(*row)
        for row in db.execute(
            "SELECT id, title, text, source, coalesce(published, fetched_at) FROM articles "
            "WHERE story_id IS NULL ORDER BY id"
        ).fetchall()
    ]


class ArticleWithoutHour(NamedTuple):
    id: int
    title: str | None
    lead: str
    published: str | None
    fetched_at: str


def articles_without_hour(db: Database, lead_characters: int) -> list[ArticleWithoutHour]:
    """Articles in a story but without story hour and terms (stored before they existed)."""
    return [
        ArticleWithoutHour(*row)
        for row in db.execute(
            f"SELECT id, title, substr(text, 1, {lead_characters}), published, fetched_at "
            "FROM articles WHERE story_hour IS NULL AND story_id IS NOT NULL"
        ).fetchall()
    ]


class ArticleWithTerms(NamedTuple):
    id: int
    title: str | None
    lead: str
    hour: int


def articles_with_terms(db: Database, lead_characters: int) -> list[ArticleWithTerms]:
    """Articles that have a story hour and terms: what a change of the terms' folding re-indexes."""
    return [
        ArticleWithTerms(*row)
        for row in db.execute(
            f"SELECT id, title, substr(text, 1, {lead_characters}), story_hour "
            "FROM articles WHERE story_hour IS NOT NULL ORDER BY id"
        ).fetchall()
    ]


# -- reads for people: `veille stories`, the reader, alerts ---------------------------------------


def story_sources(db: Database, story_id: int) -> list[tuple[str, str, str]]:
    """(source name, source title, article URL) of every article of a story, first seen first."""
    return [
        (row[0], row[1], row[2])
        for row in db.execute(
            "SELECT a.source, coalesce(s.title, a.source), a.url FROM articles a "
            "LEFT JOIN sources s ON s.name = a.source WHERE a.story_id = ? ORDER BY a.id",
            (story_id,),
        ).fetchall()
    ]


def recent_stories(db: Database, limit: int = 20, min_sources: int = 1) -> list[dict]:
    """Latest stories first: when first seen, how many articles and outlets, which ones (their
    titles, a list, first seen first).

    Stories are read newest first from an index, a batch at a time, each counted from the
    index of its articles' outlets, until `limit` have `min_sources` outlets: the list reads
    the stories it shows (and the single-outlet ones between them), not every story."""
    stories: list[dict] = []
    keys = ["id", "first_seen", "updated_at", "title", "articles", "sources"]
    after: tuple[str, int] | None = None
    batch = max(limit * 4, 50)
    while len(stories) < limit:
        where = "WHERE (st.updated_at < ? OR (st.updated_at = ? AND st.id < ?)) " if after else ""
        rows = db.execute(
            "SELECT st.id, st.first_seen, st.updated_at, coalesce(ca.title, st.title), "
            "(SELECT count(*) FROM articles a WHERE a.story_id = st.id), "
            "(SELECT count(DISTINCT a.source) FROM articles a WHERE a.story_id = st.id) "
            "FROM stories st LEFT JOIN articles ca ON ca.id = st.canonical_article_id "
            f"{where}ORDER BY st.updated_at DESC, st.id DESC LIMIT ?",
            (*((after[0], after[0], after[1]) if after else ()), batch),
        ).fetchall()
        for row in rows:
            if row[4] and row[5] >= min_sources and len(stories) < limit:
                stories.append(dict(zip(keys, row, strict=True)))
        if len(rows) < batch:
            break
        after = (rows[-1][2], rows[-1][0])
    for story in stories:
        outlets = dict.fromkeys(title for _, title, _ in story_sources(db, story["id"]))
        story["outlets"] = list(outlets)
    return stories


def story_groups(db: Database, limit: int = 20, min_sources: int = 1) -> list[dict]:
    """Latest stories first, each with every article (outlet, URL, title, date, language): what
    `veille stories --json` prints."""
    groups = recent_stories(db, limit, min_sources)
    for group in groups:
        rows = db.execute(
            "SELECT a.id, a.source, coalesce(s.title, a.source), a.url, a.title, a.published, "
            "a.language FROM articles a LEFT JOIN sources s ON s.name = a.source "
            "WHERE a.story_id = ? ORDER BY a.id",
            (group["id"],),
        ).fetchall()
        keys = ["id", "source", "outlet", "url", "title", "published", "language"]
        group["members"] = [dict(zip(keys, row, strict=True)) for row in rows]
        group["outlets"] = sorted({m["outlet"] for m in group["members"]})
        group["languages"] = story_languages(m["language"] for m in group["members"])
    return groups


def story_languages(languages: Iterable[str | None]) -> list[str]:
    """The languages a story is told in, from its members' languages (unknown ones left out),
    sorted: one rule for `veille stories --json` and the reader's stories list and story page."""
    return sorted({language for language in languages if language})


def story_count(db: Database) -> int:
    """How many stories the database holds (those emptied into another one left out)."""
    stories = int(db.execute("SELECT count(*) FROM stories").fetchone()[0])
    folded = db.execute("SELECT stories FROM story_counts WHERE name = ?", (FOLDED,)).fetchone()
    return stories - (int(folded[0]) if folded else 0)


def compact_story_index(db: SQLiteDatabase) -> None:
    """Step 0029_story_index: each article's story terms (story_terms, a row a term) and LSH
    keys (lsh_keys, a row a key) become one story_index row (crawler.stories.window.join_terms,
    pack_keys), read by the story window a few hours at a time; the two tables are dropped."""
    conn = db.conn
    conn.execute(
        "CREATE TABLE story_index (article_id INTEGER PRIMARY KEY, hour INTEGER NOT NULL, "
        "terms TEXT NOT NULL DEFAULT '', keys BLOB)"
    )
    conn.execute("CREATE INDEX story_index_hour ON story_index(hour, article_id)")
    for article_id, hour, terms in conn.execute(
        "SELECT article_id, min(hour), group_concat(term, char(10)) FROM story_terms "
        "GROUP BY article_id"
    ):
        conn.execute(
            "INSERT INTO story_index(article_id, hour, terms) VALUES (?, ?, ?)",
            (article_id, hour, window.join_terms(terms.split(window.TERM_SEPARATOR))),
        )
    for article_id, hour, keys in conn.execute(
        "SELECT article_id, min(hour), group_concat(key, ' ') FROM lsh_keys GROUP BY article_id"
    ):
        conn.execute(
            "INSERT INTO story_index(article_id, hour, terms, keys) VALUES (?, ?, '', ?) "
            "ON CONFLICT (article_id) DO UPDATE SET keys = excluded.keys",
            (article_id, hour, window.pack_keys(int(key) for key in keys.split())),
        )
    conn.execute("DROP TABLE story_terms")
    conn.execute("DROP TABLE lsh_keys")
