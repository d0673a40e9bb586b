"""Stories: clusters of near-duplicate articles (wire copy republished by several outlets).

Each stored article gets a MinHash fingerprint; its LSH band keys go to `lsh_keys`, a clustered
(key, article) table, so finding candidates costs one index probe per band whatever the size of
the store. Candidates are verified on their signatures, and the article joins the story of the best
one, or opens a new story.
"""

from __future__ import annotations

import sqlite3

from crawler.fingerprint import SCHEME, Fingerprint, containment, jaccard, same_story


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


def find_story(
    conn: sqlite3.Connection,
    fp: Fingerprint,
    exclude: int | None = None,
    keys: list[int] | None = None,
) -> tuple[int, int] | None:
    """(story id, article id) of the closest stored near-duplicate, if any."""
    keys = keys if keys is not None else fp.band_keys()
    rows = conn.execute(
        "SELECT a.story_id, a.id, a.signature, a.shingles FROM articles a JOIN ("
        "  SELECT article_id, count(*) AS shared FROM lsh_keys"
        f"  WHERE key IN ({','.join('?' * len(keys))}) AND article_id != ?"
        "  GROUP BY article_id ORDER BY shared DESC, article_id DESC LIMIT ?"
        ") c ON c.article_id = a.id "
        "WHERE a.story_id IS NOT NULL AND a.signature IS NOT NULL",
        [*keys, -1 if exclude is None else exclude, MAX_CANDIDATES],
    ).fetchall()
    best: tuple[float, int, int] | None = None
    for story_id, article_id, signature, shingle_count in rows:
        other = Fingerprint.from_bytes(signature, shingle_count)
        if same_story(fp, other):
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
    conn: sqlite3.Connection, article_id: int, fp: Fingerprint, title: str | None, now: str
) -> int:
    """Put a newly stored article in its story (inside the caller's transaction)."""
    keys = fp.band_keys()
    found = find_story(conn, fp, exclude=article_id, keys=keys)
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
