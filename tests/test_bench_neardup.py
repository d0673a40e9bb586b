"""bench/neardup.py fills its store in batches, as `veille import` does, so that 100,000 articles
fit in a run: the rows must be those a crawl storing the same articles one by one writes, or the
lookup it times would run on another database."""

from __future__ import annotations

import random
from pathlib import Path

from bench.neardup import Articles, fill, open_bench_database
from crawler.storage import store
from crawler.storage.engine import Database

# Every row a new article writes, less the clock's (fetched_at, first_seen, updated_at) and
# story_hours' version stamp (a count of writes, which batching makes fewer by design).
ROWS = {
    "articles": "SELECT id, source, url, url_key, title, published, language, text, content_hash,"
    " matched_at, story_id, signature, shingles, revision, story_hour FROM articles ORDER BY id",
    "stories": "SELECT id, canonical_article_id, title FROM stories ORDER BY id",
    "story_index": "SELECT article_id, hour, terms, keys FROM story_index ORDER BY article_id",
    "story_outlets": "SELECT story_id, source FROM story_outlets ORDER BY story_id, source",
    "story_counts": "SELECT name, stories FROM story_counts ORDER BY name",
    "story_hours": "SELECT hour, articles FROM story_hours ORDER BY hour",
    "article_urls": "SELECT url_key, article_id FROM article_urls ORDER BY url_key",
    "source_counts": "SELECT source, articles FROM source_counts ORDER BY source",
    "fts": "SELECT rowid, title, text FROM articles_fts ORDER BY rowid",
    "fts_match": "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'modifié' ORDER BY rowid",
}


def _rows(db: Database) -> dict[str, list]:
    return {name: db.execute(sql).fetchall() for name, sql in ROWS.items()}


def _articles() -> Articles:
    return Articles(random.Random(7), [f"mot{i}" for i in range(300)])


def test_the_batched_fill_writes_the_rows_of_articles_stored_one_by_one(tmp_path: Path) -> None:
    batched = open_bench_database(tmp_path / "batched.db")
    fill(batched, _articles(), 300, 64)  # batches of 64, the last one short

    single = open_bench_database(tmp_path / "single.db")
    for article in _articles().take(300):
        store.store_article(single, article)

    got, expected = _rows(batched), _rows(single)
    # Some copies of recent articles join their stories, and every index is filled.
    assert len(expected["articles"]) == 300
    assert len(expected["stories"]) <= 300 - 10
    assert all(expected[name] for name in ROWS if name != "story_counts")
    for name in ROWS:
        assert got[name] == expected[name], name
