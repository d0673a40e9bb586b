"""A crawl worker loads the story window without holding all its rows at once: the rows of
story_terms are many (one per term of each article of three days either side), the window
built from them is small (the terms repeat), and the memory a worker reached while loading it
stays in its resident set."""

from __future__ import annotations

import tracemalloc

from crawler.storage import store
from crawler.stories import store as stories_store
from crawler.stories import window

HOUR = 500_000
ARTICLES = 400
TERMS = [f"terme{i:03d}" for i in range(100)]  # every article uses the same 100 terms


def test_the_story_window_is_loaded_without_a_list_of_its_rows(tmp_path):
    db = store.open_database(tmp_path / "veille.db")
    with db.conn:
        db.conn.execute("INSERT INTO sources (name) VALUES ('x')")
        db.conn.executemany(
            "INSERT INTO articles (id, source, url, url_key, text, content_hash, fetched_at, "
            "story_hour) VALUES (?, 'x', ?, ?, 'texte', ?, '2026-12-01T00:00:00', ?)",
            ((i, f"https://x/{i}", f"x/{i}", f"h{i}", HOUR) for i in range(1, ARTICLES + 1)),
        )
        db.conn.executemany(
            "INSERT INTO story_terms (term, hour, article_id) VALUES (?, ?, ?)",
            ((term, HOUR, i) for i in range(1, ARTICLES + 1) for term in TERMS),
        )
        db.conn.execute(
            "INSERT INTO story_hours (hour, articles, version) VALUES (?, ?, 1)", (HOUR, ARTICLES)
        )
    window.forget_kept()
    try:
        with stories_store.batch_window(db, 1) as held:
            assert held is not None
            tracemalloc.start()
            try:
                counts = stories_store.window_term_counts(db, set(TERMS[:3]), HOUR - 72, HOUR + 72)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        assert counts == dict.fromkeys(TERMS[:3], ARTICLES)  # the window's answer, whole
        # 40,000 rows as a list: some 5 MB of tuples and strings; streamed: the window alone.
        assert peak < 2 * 1024 * 1024, f"{peak / 2**20:.1f} MB while loading the window"
    finally:
        window.forget_kept()
        db.close()
