"""Two writers on one database, each keeping its story window from one store batch to the next
(two crawl workers, crawler.stories.window), alternating batches of a crawl's few articles while
one of them revises an article now and then: the stories formed are those of one writer storing
the same articles in the same order and asking the database each time."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from crawler.storage import store
from crawler.stories import store as story_store
from tests.story_corpus import prepared_week, story_partition


def _replay(db, steps) -> None:
    for kind, what in steps:
        if kind == "store":
            store.store_articles(db, what)
        else:
            (article_id,) = db.execute(
                "SELECT id FROM articles WHERE url = ?", (what.url,)
            ).fetchone()
            store.update_article(db, article_id, what)


def test_two_writers_in_small_batches_form_the_stories_of_one(tmp_path, monkeypatch):
    prepared = prepared_week()
    sources = sorted({a.source for a in prepared})
    steps: list[tuple[str, object]] = []
    for number, start in enumerate(range(0, len(prepared), 3)):
        steps.append(("store", prepared[start : start + 3]))
        if number % 7 == 6:
            earlier = prepared[start - 5]
            steps.append(("update", replace(earlier, title=f"{earlier.title} (mise à jour)")))
    one = store.open_database(tmp_path / "w.db")
    store.add_sources(one, sources)
    two = store.open_database(tmp_path / "w.db")
    story_store._KEYS[two] = "another process"  # a kept window of its own
    for number, step in enumerate(steps):
        _replay((one, two)[number % 2], [step])
    monkeypatch.setattr(store, "batch_window", lambda db, articles: contextlib.nullcontext())
    each = store.open_database(tmp_path / "each.db")
    store.add_sources(each, sources)
    _replay(each, steps)
    assert story_partition(one) == story_partition(each)
    assert len(story_partition(one)) < len(prepared)  # stories did form
