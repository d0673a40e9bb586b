"""Stories: clusters of near-duplicate articles (wire copy republished by several outlets).

Each stored article gets a MinHash fingerprint; its LSH band keys go to `lsh_keys`, a clustered
(key, article) table, so finding candidates costs one index probe per band whatever the size of
the store. Candidates are verified on their signatures and on the rules of `find_story`
(precision first: a wrong merge swallows alerts, since they go once per story and watchlist), and
the article joins the story of the best one, or opens a new story.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from crawler.dates import parse_date
from crawler.fingerprint import SCHEME, Fingerprint, containment, jaccard, same_story
from crawler.story_markers import LEAD_CHARACTERS, conflicting, markers


def check_scheme(conn: sqlite3.Connection) -> None:
    """Record the fingerprint scheme; a database built with another one cannot be compared."""
    row = conn.execute("SELECT value FROM meta WHERE key='fingerprint_scheme'").fetchone()
    if row is None:
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('fingerprint_scheme', ?)", (SCHEME,)
        )
    elif row[0] != SCHEME:
        raise RuntimeError(
            f"this database's fingerprints use {row[0]!r}, this version uses {SCHEME!r}; "
            "run `veille stories reindex` before crawling"
        )


# Candidates verified per new article, those sharing the most LSH bands first: a wire story
# republished by thirty outlets then costs eight signature comparisons, not thirty.
MAX_CANDIDATES = 8


# A story spans this long from its first article: the same words a week later are another day's
# rubric or another event, and must be able to alert again.
STORY_WINDOW = timedelta(hours=72)
# Two articles of one outlet are one story only as versions of one text (an update, a repost).
SAME_OUTLET_JACCARD = 0.8


def _time(value: str | None) -> datetime | None:
    return parse_date(value) if value else None


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
    """(story id, article id) of the story this article belongs to, if any.

    Candidates are stored near-duplicates (MinHash, LSH). One is kept only if the article is
    also close to the story's first article (not just to one member: no chains), the story began
    within STORY_WINDOW of the article, an article of the same outlet is a near-identical version,
    and neither it nor the story's first article states figures or days the article contradicts
    (crawler.story_markers): rubrics of different days stay apart."""
    keys = keys if keys is not None else fp.band_keys()
    rows = conn.execute(
        "SELECT a.story_id, a.id, a.signature, a.shingles, a.source, a.title, "
        f"substr(a.text, 1, {LEAD_CHARACTERS}), ca.id, ca.signature, ca.shingles, "
        f"coalesce(ca.published, ca.fetched_at), ca.title, substr(ca.text, 1, {LEAD_CHARACTERS}) "
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
    own_time = _time(when)
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
        first_id, first_signature, first_shingles, first_time = row[7:11]
        if (
            first_id is not None
            and first_id != article_id
            and first_signature is not None
            and not same_story(fp, Fingerprint.from_bytes(first_signature, first_shingles))
        ):
            continue
        started = _time(first_time)
        if own_time is not None and started is not None and abs(own_time - started) > STORY_WINDOW:
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
    found = find_story(
        conn,
        fp,
        exclude=article_id,
        keys=keys,
        source=source,
        title=title,
        text=text,
        when=when or now,
    )
    if found:
        story_id = found[0]
        conn.execute("UPDATE stories SET updated_at = ? WHERE id = ?", (now, story_id))
    else:
        story_id = conn.execute(
            "INSERT INTO stories(first_seen, canonical_article_id, title, updated_at) VALUES (?,?,?,?)",
            (now, article_id, title, now),
        ).lastrowid
    conn.execute(
        "UPDATE articles SET story_id = ?, signature = ?, shingles = ? WHERE id = ?",
        (story_id, fp.to_bytes(), fp.shingles, article_id),
    )
    index_article(conn, article_id, fp, replace=False, keys=keys)
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
