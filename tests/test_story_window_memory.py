"""A crawl worker loads the story window without holding all its rows at once: the rows of
story_index are many (one per article of three days either side, each with all its terms), the
window built from them is small (the terms repeat), and the memory a worker reached while
loading it stays in its resident set."""

from __future__ import annotations

import tracemalloc

from crawler.storage import store
from crawler.stories import store as stories_store
from crawler.stories import window

HOUR = 500_000
ARTICLES = 1000
# Every article uses the same 100 long terms: each row holds 4 kB of them.
TERMS = [f"terme{i:03d}".ljust(40, "x") for i in range(100)]


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
            "INSERT INTO story_index (article_id, hour, terms) VALUES (?, ?, ?)",
            ((i, HOUR, window.join_terms(TERMS)) for i in range(1, ARTICLES + 1)),
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
        # 1,000 rows as a list: some 4 MB of tuples and strings; streamed: the window alone.
        assert peak < 2 * 1024 * 1024, f"{peak / 2**20:.1f} MB while loading the window"
    finally:
        window.forget_kept()
        db.close()
