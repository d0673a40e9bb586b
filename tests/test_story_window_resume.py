"""A store batch on the connection of the batch before it knows again what that batch knew of
stories (members, groups, articles' stories) when nothing was written to the database since it
committed (crawler.stories.store.resume_window), and reads them again otherwise: a write by
another connection (SQLite's data_version) or by this one (its count of rows written)."""

from __future__ import annotations

import contextlib

import pytest

from crawler.storage import store
from crawler.stories import store as story_store
from crawler.stories.fingerprint import fingerprint
from tests.stored_articles import stored_article
from tests.story_corpus import prepared_week, stored_in_batches, story_partition, story_tables

MEMBERS = "FROM articles WHERE story_id = "
CANDIDATES = "FROM articles a JOIN stories st"


def _stored(db, count: int) -> list[int]:
    store.add_sources(db, ["a"])
    return [
        article_id
        for article_id, _ in store.store_articles(
            db,
            [
                stored_article(
                    "a", f"https://a.ma/{i}", f"Titre {i}", f"texte {i}", body_hash=f"h{i}"
                )
                for i in range(count)
            ],
        )
    ]


@contextlib.contextmanager
def _batch(db):
    """What store_articles does around its articles: the window, the transaction, resumed
    inside it, left at its end."""
    with story_store.batch_window(db, 1) as held, db.transaction(lock=store.STORE_LOCK):
        story_store.resume_window(db, held)
        # A range of hours counted, as every stored article's lookup does (a window that
        # counted none is not kept).
        story_store.range_counts(db, 0, 1)
        yield held
        story_store.leave_window(db, held)


def _members(db, story_id: int, canonical: int) -> list:
    return story_store.story_members(db, story_id, canonical, 10, 400)


def _story(db, article_id: int) -> tuple[int, int]:
    story_id = db.execute("SELECT story_id FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
    return story_id, story_store.canonical_article(db, story_id)


def _reads(db, ask, reading: str = MEMBERS) -> tuple[object, list[str]]:
    """`ask`'s answer, and the statements it made that hold `reading`."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        answer = ask()
    finally:
        db.conn.set_trace_callback(None)
    return answer, [s for s in statements if reading in s]


def test_a_batch_after_an_unchanged_database_reads_no_member_again(tmp_path):
    db = store.open_database(tmp_path / "v.db")
    (first,) = _stored(db, 1)
    story = _story(db, first)
    with _batch(db):
        rows, reads = _reads(db, lambda: _members(db, *story))
    assert reads and [r.title for r in rows] == ["Titre 0"]
    with _batch(db):
        again, reads = _reads(db, lambda: _members(db, *story))
    assert reads == [] and again == rows


@pytest.mark.parametrize(
    "writer, title",
    [
        ("another connection", "Titre changé"),  # another process, as SQLite sees it
        ("the same connection", "Titre revu"),  # a crawl's update between two batches
    ],
)
def test_a_write_between_batches_makes_the_next_batch_read_members_again(tmp_path, writer, title):
    db = store.open_database(tmp_path / "v.db")
    (first,) = _stored(db, 1)
    story = _story(db, first)
    with _batch(db):
        _members(db, *story)
    by = store.open_database(tmp_path / "v.db") if writer == "another connection" else db
    store.update_article(by, first, stored_article("a", "https://a.ma/0", title, "texte changé"))
    with _batch(db):
        rows, reads = _reads(db, lambda: _members(db, *story))
    assert reads and [r.title for r in rows] == [title]


def test_a_batch_on_another_connection_reads_members_again(tmp_path):
    """The mark is the connection's own: another connection's batch (another crawl's, in the
    same process and window) cannot compare it, and reads again."""
    db = store.open_database(tmp_path / "v.db")
    (first,) = _stored(db, 1)
    story = _story(db, first)
    with _batch(db):
        _members(db, *story)
    other = store.open_database(tmp_path / "v.db")
    with _batch(other) as held:
        assert held is not None
        _, reads = _reads(other, lambda: _members(other, *story))
    assert reads


def test_batches_resumed_group_as_batches_that_read_everything_again(tmp_path, monkeypatch):
    """The labelled week stored in batches on one connection: the same stories, story index
    and hours whether each batch knows again what the one before knew or reads it again."""
    prepared = prepared_week(600)
    resumed: list[bool] = []
    real = story_store.window.StoryWindow.resume

    def spy(self, mark):
        resumed.append(real(self, mark))
        return resumed[-1]

    monkeypatch.setattr(story_store.window.StoryWindow, "resume", spy)
    kept = store.open_database(tmp_path / "kept.db")
    store.add_sources(kept, sorted({a.source for a in prepared}))
    for start in range(0, len(prepared), 25):
        store.store_articles(kept, prepared[start : start + 25])
    assert resumed.count(True) == len(resumed) - 1  # all but the first batch
    monkeypatch.setattr(story_store, "database_mark", lambda db: None)
    fresh = stored_in_batches(tmp_path / "fresh.db", prepared)
    assert story_partition(kept) == story_partition(fresh)
    assert len(story_partition(kept)) < len(prepared)  # stories did form
    assert story_tables(kept) == story_tables(fresh)


def test_a_write_committed_right_after_a_batch_commits_makes_the_next_batch_read_again(tmp_path):
    """Another process may take the write lock the moment a batch's commit frees it, before
    anything else runs on the batch's connection: its write must still make the next batch
    read members again (the mark is the database as the batch itself left it)."""
    prepared = prepared_week(600)
    db = store.open_database(tmp_path / "v.db")
    other = store.open_database(tmp_path / "v.db")  # another process, as SQLite sees it
    store.add_sources(db, sorted({a.source for a in prepared}))
    store.store_articles(db, prepared[:25])
    read: list[int] = []  # a story whose members the batch read, picked at its commit
    changed: list[int] = []

    def another_process_right_after_the_commit(sql: str) -> None:
        if changed:
            return
        if sql.strip().upper() == "COMMIT":
            held = story_store.window.active(db)
            read.extend(story for story, kept in held._members.items() if kept)
        elif read:
            # The first statement on this connection after the commit: the other process's
            # write is committed before it runs.
            canonical = story_store.canonical_article(other, read[0])
            changed.append(canonical)
            store.update_article(
                other, canonical, stored_article("a", "https://a.ma/x", "Titre changé", "texte")
            )

    db.conn.set_trace_callback(another_process_right_after_the_commit)
    store.store_articles(db, prepared[25:50])
    with _batch(db):
        assert changed  # before the batch's first statement, whichever ran first
        rows, reads = _reads(db, lambda: _members(db, read[0], changed[0]))
    assert [r.title for r in rows if r.id == changed[0]] == ["Titre changé"]
    assert reads


def test_copy_candidates_kept_by_a_batch_follow_a_story_folded_into_another(tmp_path):
    """A copy candidate's row names its story and the story's first article: kept by the batch's
    window, it is read again once that story is folded into another, and answers as the
    database does."""
    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, ["a", "b"])
    texts = [
        "Le conseil de gouvernement a adopté le projet de loi sur les données de santé.",
        "Casablanca accueille le salon de l'aéronautique avec deux cents exposants.",
    ]
    ids = [
        store.store_article(db, stored_article(source, f"https://{source}.ma/{i}", f"T {i}", text))[
            0
        ]
        for i, (source, text) in enumerate(zip(("a", "b"), texts, strict=True))
    ]
    first, second = (_story(db, article_id) for article_id in ids)
    assert first[0] != second[0]
    keys = fingerprint(texts[1]).band_keys()
    hour = db.execute("SELECT hour FROM story_index WHERE article_id = ?", (ids[1],))
    low = hour.fetchone()[0] - 72

    def candidates():
        return story_store.copy_candidates(db, keys, None, 8, 400, (low, low + 144))

    with _batch(db):
        (row,) = candidates()
        assert (row.article_id, row.story_id, row.first_id) == (ids[1], second[0], ids[1])
        again, reads = _reads(db, candidates, CANDIDATES)
        assert reads == [] and again == [row]  # kept: no statement
        story_store.fold_story(db, second[0], first[0])
        (row,), reads = _reads(db, candidates, CANDIDATES)
        assert reads  # its story folded: read again
        assert (row.article_id, row.story_id, row.first_id) == (ids[1], first[0], ids[0])
    with db.transaction():
        assert candidates() == [row]  # the database's answer, outside any batch


def test_copy_candidates_kept_by_a_batch_follow_an_article_moved_to_another_hour(tmp_path):
    """An article's hour written again in a batch (an update, a back-fill: its terms replaced)
    may be a kept candidate row's: the rows are read again."""
    db = store.open_database(tmp_path / "v.db")
    (article_id,) = _stored(db, 1)
    text = "texte 0"
    keys = fingerprint(text).band_keys()
    hour = db.execute("SELECT hour FROM story_index WHERE article_id = ?", (article_id,))
    at = hour.fetchone()[0]

    def candidates():
        return story_store.copy_candidates(db, keys, None, 8, 400, (at - 200, at + 200))

    with _batch(db):
        (row,) = candidates()
        assert row.started == at
        story_store.save_terms(db, article_id, {"texte"}, at + 100)  # its terms replaced
        (row,) = candidates()
        assert row.started == at + 100
