"""Stories: clusters of near-duplicate articles (wire copy republished by several outlets).

Each stored article gets a MinHash fingerprint; its LSH band keys go to `lsh_keys`, a clustered
(key, article) table, so finding candidates costs one index probe per band whatever the size of
the store. Candidates are verified on their signatures and on the rules of `find_story`
(precision first: a wrong merge swallows alerts, since they go once per story and watchlist), and
the article joins the story of the best one, or opens a new story.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass

from crawler.core.errors import DatabaseError
from crawler.extraction.dates import parse_date
from crawler.storage.engine import Database
from crawler.stories.fingerprint import SCHEME, Fingerprint, containment, jaccard, same_story
from crawler.stories.markers import LEAD_CHARACTERS, conflicting, markers
from crawler.stories.terms import LEAD_CHARACTERS as TERMS_LEAD
from crawler.stories.terms import (
    MIN_SHARED_WORDS,
    StoryTerms,
    calendar_conflict,
    figures_agree,
    names_conflict,
    rarity,
    shares_words,
    similarity,
    story_similarity,
    story_terms,
)


def check_scheme(conn: sqlite3.Connection | Database) -> None:
    """Record the fingerprint scheme; a database built with another one cannot be compared."""
    row = conn.execute("SELECT value FROM meta WHERE key='fingerprint_scheme'").fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('fingerprint_scheme', ?) "
            "ON CONFLICT (key) DO NOTHING",
            (SCHEME,),
        )
    elif row[0] != SCHEME:
        raise DatabaseError(
            f"this database's near-duplicate fingerprints use {row[0]!r} and this version of "
            f"veille uses {SCHEME!r}, which cannot be compared: run the version of veille (and "
            "of datasketch) that built it, or give this version a new database (--db)"
        )


# Candidates verified per new article, those sharing the most LSH bands first: a wire story
# republished by thirty outlets then costs eight signature comparisons, not thirty.
MAX_CANDIDATES = 8
# Two articles of one outlet are one story only as versions of one text (an update, a repost).
SAME_OUTLET_JACCARD = 0.8

# A story spans this long from its first article (VEILLE_STORY_WINDOW_HOURS): the same words a
# week later are another day's rubric or another event, and must be able to alert again.
DEFAULT_WINDOW_HOURS = 72
WINDOW_VARIABLE = "VEILLE_STORY_WINDOW_HOURS"

# Rewritten coverage (crawler.stories.terms): an article joins another outlet's story when its
# title-and-lead words and figures, weighted by rarity among the articles of the same days, reach
# this cosine with the story (the centroid of its members), figures, days and names agreeing.
REWRITE_SIMILARITY = 0.22
# Articles sharing the rarest terms, verified per new article; members compared per story.
REWRITE_CANDIDATES = 12
STORY_MEMBERS_COMPARED = 10
# The rarest terms of an article are looked up (names, figures, the event's own words).
LOOKUP_TERMS = 16
# A candidate shares at least this part of the article's term weight (rarer terms weigh more).
CANDIDATE_SHARE = 0.08
# Terms found in more than this share of the window's articles are not looked up (too common to
# point at one event; they still count in the similarity).
COMMON_TERM_SHARE = 0.05


def story_window_hours() -> int:
    """The story window in hours, from VEILLE_STORY_WINDOW_HOURS (default 72)."""
    value = os.environ.get(WINDOW_VARIABLE, "").strip()
    if not value:
        return DEFAULT_WINDOW_HOURS
    if not value.isdigit() or not 1 <= int(value) <= 24 * 30:
        raise ValueError(
            f"{WINDOW_VARIABLE}={value!r}: give a whole number of hours between 1 and 720 "
            f"(default {DEFAULT_WINDOW_HOURS}: a story spans three days from its first article)"
        )
    return int(value)


def story_hour(when: str | None) -> int | None:
    """Hours since the epoch of an article's time: what the time window compares."""
    moment = parse_date(when) if when else None
    return int(moment.timestamp() // 3600) if moment else None


def article_hour(published: str | None, fetched: str) -> int | None:
    """The story hour of an article: its publication time, or when it was fetched if the
    publication date is missing or unreadable (every stored article gets one, so none is
    left out of rewrite matching or looked at again by every backfill)."""
    hour = story_hour(published)
    return hour if hour is not None else story_hour(fetched)


def find_story(
    conn: sqlite3.Connection,
    fp: Fingerprint,
    exclude: int | None = None,
    keys: list[int] | None = None,
    *,
    source: str | None = None,
    title: str | None = None,
    text: str | None = None,
    when: str | None = None,
) -> tuple[int, int] | None:
    """(story id, article id) of the story this article belongs to, if any: a story it copies
    (shingles), else one whose other outlets rewrote the same event (title, lead, figures)."""
    hour = story_hour(when)
    copied = _copied_story(conn, fp, exclude, keys, source, title, text, hour)
    if copied is not None or hour is None or not (title or text):
        return copied
    return _rewritten_story(conn, story_terms(title, text), hour, source, exclude)


def _copied_story(
    conn: sqlite3.Connection,
    fp: Fingerprint,
    exclude: int | None,
    keys: list[int] | None,
    source: str | None,
    title: str | None,
    text: str | None,
    hour: int | None,
) -> tuple[int, int] | None:
    """Candidates are stored near-duplicates (MinHash, LSH). One is kept only if the article is
    also close to the story's first article (not just to one member: no chains), the story began
    within the window of the article, an article of the same outlet is a near-identical version,
    and neither it nor the story's first article states figures or days the article contradicts
    (crawler.stories.markers): rubrics of different days stay apart."""
    keys = keys if keys is not None else fp.band_keys()
    rows = conn.execute(
        "SELECT a.story_id, a.id, a.signature, a.shingles, a.source, a.title, "
        f"substr(a.text, 1, {LEAD_CHARACTERS}), ca.id, ca.signature, ca.shingles, "
        f"coalesce(ca.story_hour, a.story_hour), ca.title, substr(ca.text, 1, {LEAD_CHARACTERS}) "
        "FROM articles a JOIN ("
        "  SELECT article_id, count(*) AS shared FROM lsh_keys"
        f"  WHERE key IN ({','.join('?' * len(keys))}) AND article_id != ?"
        "  GROUP BY article_id ORDER BY shared DESC, article_id DESC LIMIT ?"
        ") c ON c.article_id = a.id "
        "JOIN stories st ON st.id = a.story_id "
        "LEFT JOIN articles ca ON ca.id = st.canonical_article_id "
        "WHERE a.story_id IS NOT NULL AND a.signature IS NOT NULL",
        [*keys, -1 if exclude is None else exclude, MAX_CANDIDATES],
    ).fetchall()
    own_markers = markers(title, text) if (title or text) else None
    window = story_window_hours()
    best: tuple[float, int, int] | None = None
    for row in rows:
        story_id, article_id, signature, shingle_count, other_source = row[:5]
        other = Fingerprint.from_bytes(signature, shingle_count)
        if not same_story(fp, other):
            continue
        if (
            source is not None
            and other_source == source
            and jaccard(fp, other) < SAME_OUTLET_JACCARD
        ):
            continue
        first_id, first_signature, first_shingles, started = row[7:11]
        if (
            first_id is not None
            and first_id != article_id
            and first_signature is not None
            and not same_story(fp, Fingerprint.from_bytes(first_signature, first_shingles))
        ):
            continue
        if hour is not None and started is not None and abs(hour - started) > window:
            continue
        if own_markers is not None and (
            conflicting(own_markers, markers(row[5], row[6]))
            or (first_id is not None and conflicting(own_markers, markers(row[11], row[12])))
        ):
            continue
        score = max(jaccard(fp, other), containment(fp, other))
        if best is None or score > best[0]:
            best = (score, story_id, article_id)
    return (best[1], best[2]) if best else None


@dataclass
class _Member:
    article_id: int
    story_id: int
    source: str
    hour: int
    terms: StoryTerms


def _window_counts(
    conn: sqlite3.Connection, terms: set[str], low: int, high: int
) -> dict[str, int]:
    """How many articles of the window use each term."""
    if not terms:
        return {}
    return dict(
        conn.execute(
            f"SELECT term, count(*) FROM story_terms WHERE term IN ({','.join('?' * len(terms))}) "
            "AND hour BETWEEN ? AND ? GROUP BY term",
            [*terms, low, high],
        ).fetchall()
    )


def _rewritten_story(
    conn: sqlite3.Connection,
    own: StoryTerms,
    hour: int,
    source: str | None,
    exclude: int | None,
) -> tuple[int, int] | None:
    """The story of another outlet's write-up of the same event, if one holds up.

    Candidates are the articles of the window sharing the article's rarest words and figures
    (an index probe per term: the cost follows the window, not the store). A story is joined
    only if no article of it comes from the same outlet (an outlet does not cover one event
    twice but in versions, which shingles find), it began within the window, and the article
    is close to its first article or to most of its members: similar by `similarity`, with no
    day or date in conflict and a shared figure when both state figures."""
    window = story_window_hours()
    low, high = hour - window, hour + window
    articles = conn.execute(
        "SELECT count(*) FROM articles WHERE story_hour BETWEEN ? AND ?", (low, high)
    ).fetchone()[0]
    if not articles:
        return None
    own_terms = own.index_terms()
    counts = _window_counts(conn, own_terms, low, high)
    common = max(5.0, COMMON_TERM_SHARE * articles)
    looked_up = sorted(
        (t for t in own_terms if 0 < counts.get(t, 0) <= common), key=lambda t: (counts[t], t)
    )[:LOOKUP_TERMS]
    if not looked_up:
        return None
    weight = {t: rarity(counts.get(t, 0), articles) for t in own_terms}
    shared: dict[int, float] = {}
    shared_terms: dict[int, int] = {}
    for term, article_id in conn.execute(
        f"SELECT term, article_id FROM story_terms WHERE term IN ({','.join('?' * len(looked_up))}) "
        "AND hour BETWEEN ? AND ? AND article_id != ?",
        [*looked_up, low, high, -1 if exclude is None else exclude],
    ):
        shared[article_id] = shared.get(article_id, 0.0) + weight[term]
        shared_terms[article_id] = shared_terms.get(article_id, 0) + 1
    # Worth verifying: articles sharing a few words and a fair share of the article's weight
    # (most articles of a window share a word or two with any other, and are cheaply left out).
    enough = CANDIDATE_SHARE * sum(weight.values())
    ranked = sorted(
        (a for a in shared if shared[a] >= enough and shared_terms[a] >= MIN_SHARED_WORDS),
        key=lambda a: (-shared[a], -a),
    )[:REWRITE_CANDIDATES]
    if not ranked:
        return None
    stories = {
        row[0]
        for row in conn.execute(
            f"SELECT story_id FROM articles WHERE id IN ({','.join('?' * len(ranked))}) "
            "AND story_id IS NOT NULL",
            ranked,
        )
    }
    members: dict[int, list[_Member]] = {}
    first_of: dict[int, int] = {}
    for story_id in stories:
        canonical = conn.execute(
            "SELECT canonical_article_id FROM stories WHERE id = ?", (story_id,)
        ).fetchone()[0]
        first_of[story_id] = canonical
        rows = conn.execute(
            f"SELECT id, source, story_hour, title, substr(text, 1, {TERMS_LEAD}) FROM articles "
            "WHERE story_id = ? AND (id = ? OR id IN (SELECT id FROM articles WHERE story_id = ? "
            "ORDER BY id LIMIT ?))",
            (story_id, canonical, story_id, STORY_MEMBERS_COMPARED),
        ).fetchall()
        members[story_id] = [
            _Member(a, story_id, s, h if h is not None else hour, story_terms(t, x))
            for a, s, h, t, x in rows
        ]
    vocabulary = set(own_terms)
    for group in members.values():
        for member in group:
            vocabulary |= member.terms.index_terms()
    counts = _window_counts(conn, vocabulary, low, high)
    idf = {term: rarity(counts.get(term, 0) + 1, articles + 1) for term in vocabulary}
    best: tuple[float, int, int] | None = None
    for story_id, group in members.items():
        if source is not None and any(m.source == source for m in group):
            continue
        first = next((m for m in group if m.article_id == first_of[story_id]), None)
        if first is not None and abs(hour - first.hour) > window:
            continue
        agreeing = [
            m for m in group if not calendar_conflict(own, m.terms) and figures_agree(own, m.terms)
        ]
        if (first is not None and first not in agreeing) or 2 * len(agreeing) <= len(group):
            continue
        if not shares_words(own, [m.terms for m in group]) or names_conflict(
            own, [m.terms for m in group], first.terms if first else None
        ):
            continue
        score = story_similarity(own, [m.terms for m in group], idf)
        if score >= REWRITE_SIMILARITY and (best is None or score > best[0]):
            closest = max(agreeing, key=lambda m: similarity(own, m.terms, idf))
            best = (score, story_id, closest.article_id)
    return (best[1], best[2]) if best else None


def index_terms(conn: sqlite3.Connection, article_id: int, terms: StoryTerms, hour: int) -> None:
    """Record the article's time and its title-and-lead terms (replacing older ones)."""
    conn.execute("UPDATE articles SET story_hour = ? WHERE id = ?", (hour, article_id))
    conn.execute("DELETE FROM story_terms WHERE article_id = ?", (article_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO story_terms(term, hour, article_id) VALUES (?, ?, ?)",
        [(term, hour, article_id) for term in terms.index_terms()],
    )


def index_article(
    conn: sqlite3.Connection,
    article_id: int,
    fp: Fingerprint,
    replace: bool = True,
    keys: list[int] | None = None,
) -> None:
    if replace:  # an updated article: drop its old band keys first
        conn.execute("DELETE FROM lsh_keys WHERE article_id = ?", (article_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO lsh_keys(key, article_id) VALUES (?, ?)",
        [(key, article_id) for key in (keys if keys is not None else fp.band_keys())],
    )


def assign_story(
    conn: sqlite3.Connection,
    article_id: int,
    fp: Fingerprint,
    title: str | None,
    now: str,
    *,
    source: str | None = None,
    text: str | None = None,
    when: str | None = None,
) -> int:
    """Put a newly stored article in its story (inside the caller's transaction). `when` is
    the article's publication time (default: now), for the story's time window."""
    keys = fp.band_keys()
    when = when if story_hour(when) is not None else now
    found = find_story(
        conn,
        fp,
        exclude=article_id,
        keys=keys,
        source=source,
        title=title,
        text=text,
        when=when,
    )
    if found:
        story_id = found[0]
        conn.execute("UPDATE stories SET updated_at = ? WHERE id = ?", (now, story_id))
    else:
        created = conn.execute(
            "INSERT INTO stories(first_seen, canonical_article_id, title, updated_at) VALUES (?,?,?,?)",
            (now, article_id, title, now),
        ).lastrowid
        assert created is not None  # an INSERT always has a rowid
        story_id = created
    conn.execute(
        "UPDATE articles SET story_id = ?, signature = ?, shingles = ? WHERE id = ?",
        (story_id, fp.to_bytes(), fp.shingles, article_id),
    )
    index_article(conn, article_id, fp, replace=False, keys=keys)
    hour = story_hour(when)
    if hour is not None:
        index_terms(conn, article_id, story_terms(title, text), hour)
    return story_id


def story_sources(conn: sqlite3.Connection, story_id: int) -> list[tuple[str, str, str]]:
    """(source name, source title, article URL) of every article of a story, first seen first."""
    return conn.execute(
        "SELECT a.source, coalesce(s.title, a.source), a.url FROM articles a "
        "LEFT JOIN sources s ON s.name = a.source WHERE a.story_id = ? ORDER BY a.id",
        (story_id,),
    ).fetchall()


def recent_stories(conn: sqlite3.Connection, limit: int = 20, min_sources: int = 1) -> list[dict]:
    """Latest stories first: when first seen, how many articles and outlets, which ones."""
    rows = conn.execute(
        "SELECT st.id, st.first_seen, st.updated_at, coalesce(ca.title, st.title), "
        "count(a.id), count(DISTINCT a.source), group_concat(DISTINCT coalesce(s.title, a.source)) "
        "FROM stories st JOIN articles a ON a.story_id = st.id "
        "LEFT JOIN articles ca ON ca.id = st.canonical_article_id "
        "LEFT JOIN sources s ON s.name = a.source "
        "GROUP BY st.id HAVING count(DISTINCT a.source) >= ? ORDER BY st.updated_at DESC, st.id DESC LIMIT ?",
        (min_sources, limit),
    ).fetchall()
    keys = ["id", "first_seen", "updated_at", "title", "articles", "sources", "outlets"]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def story_groups(conn: sqlite3.Connection, limit: int = 20, min_sources: int = 1) -> list[dict]:
    """Latest stories first, each with every article (outlet, URL, title, date, language): what
    `veille stories --json` prints."""
    groups = recent_stories(conn, limit, min_sources)
    for group in groups:
        rows = conn.execute(
            "SELECT a.id, a.source, coalesce(s.title, a.source), a.url, a.title, a.published, "
            "a.language FROM articles a LEFT JOIN sources s ON s.name = a.source "
            "WHERE a.story_id = ? ORDER BY a.id",
            (group["id"],),
        ).fetchall()
        keys = ["id", "source", "outlet", "url", "title", "published", "language"]
        group["members"] = [dict(zip(keys, row, strict=True)) for row in rows]
        group["outlets"] = sorted({m["outlet"] for m in group["members"]})
        group["languages"] = sorted({m["language"] for m in group["members"] if m["language"]})
    return groups
