"""Storing on PostgreSQL with several writers at once: a store batch holds a transaction-level
advisory lock (crawler.storage.store.STORE_LOCK), so that two writers never both decide that an
article is new, and story assignment sees every article stored before it. Four processes storing
the same syndicated copies and rewrites at once give every article once and the same stories
as one process storing them in order. Plus the storing path on both engines."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.storage import articles
from crawler.storage import store

from .conftest import TESTS

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

ROOT = TESTS.parent
COUNT = 600  # the labelled week (copies, rewrites, rubrics, look-alikes) and its repetitions

WRITER = """
import sys
sys.path.insert(0, sys.argv[3])
from bench.storage import articles
from crawler.storage import store
db = store.open_database(sys.argv[1])
prepared = articles(int(sys.argv[2]))
sys.stdin.readline()  # all four start together
for start in range(0, len(prepared), 50):
    store.store_articles(db, prepared[start : start + 50])
print("done")
"""


def stories(db) -> list[list[str]]:
    """The story partition: each story as the sorted URL keys of its articles."""
    groups: dict[int, set[str]] = {}
    for key, story in db.execute("SELECT url_key, story_id FROM articles").fetchall():
        groups.setdefault(story, set()).add(key)
    return sorted(sorted(group) for group in groups.values())


def store_in_order(db, prepared) -> None:
    store.add_sources(db, sorted({a.source for a in prepared}))
    for start in range(0, len(prepared), 50):
        store.store_articles(db, prepared[start : start + 50])


def test_four_writers_store_every_article_once_with_the_stories_of_one(postgres_cluster):
    prepared = articles(COUNT)
    one = store.open_database(postgres_cluster.new_database())
    store_in_order(one, prepared)
    shared_url = postgres_cluster.new_database()
    shared = store.open_database(shared_url)
    store.add_sources(shared, sorted({a.source for a in prepared}))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, shared_url, str(COUNT), str(ROOT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    outputs = [writer.communicate(timeout=900) for writer in writers]
    assert [out.strip() for out, _ in outputs] == ["done"] * 4, [e[-1500:] for _, e in outputs]
    keys = "SELECT url_key FROM articles ORDER BY url_key"
    assert shared.execute(keys).fetchall() == one.execute(keys).fetchall()
    assert shared.execute("SELECT count(*) FROM articles").fetchone()[0] == COUNT
    partition = stories(one)
    assert len(partition) < COUNT  # copies and rewrites did group
    assert stories(shared) == partition


@pytest.fixture
def database(engine, tmp_path, request):
    """A fresh, migrated database on each engine."""
    if engine == "sqlite":
        return store.open_database(tmp_path / "veille.db")
    return store.open_database(request.getfixturevalue("postgres_url"))


def test_storing_gives_the_same_articles_and_stories_on_both_engines(database, tmp_path):
    prepared = articles(200)
    store_in_order(database, prepared)
    again = store.store_articles(database, prepared[:50])  # a re-crawl finds every one stored
    assert not any(is_new for _, is_new in again)
    reference = store.open_database(tmp_path / "reference.db")
    store_in_order(reference, prepared)
    assert stories(database) == stories(reference)
    count = "SELECT count(*) FROM story_index WHERE keys IS NOT NULL"
    assert database.execute(count).fetchone()[0] == reference.execute(count).fetchone()[0]
