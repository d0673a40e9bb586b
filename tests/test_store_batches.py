"""StorePipeline writes new articles in batches: by count, by age (driven by a fake clock), and
the rest when the crawl ends; the crawls of one process share their batches, a crawl that ends
waiting for the next gathering tick; a batch the database refuses is reported, not lost
silently. On both engines (the `engine` fixture), with the same assertions."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from crawler.bookkeeping import CrawlBookkeeping, Duplicate
from crawler.core.canonical import url_key
from crawler.core.normalize import content_hash
from crawler.discovery import retries
from crawler.items import ArticleItem
from crawler.journal import CrawlJournal
from crawler.pipelines import StorePipeline
from crawler.storage import store

from .stored_articles import stored_article

TEXT = (
    "Le ministère de la Transition numérique a présenté à Rabat la feuille de route des centres "
    "de données souverains, article numéro {n}, avec un calendrier de déploiement sur trois ans."
)


def crawl_of(db, **settings: Any) -> tuple[Any, CrawlJournal]:
    """What a pipeline stage is built from: a Scrapy crawler (its signals and stats collector)
    whose spider holds the journal, with the bookkeeping extension counting what is stored."""
    crawler = get_crawler(settings_dict={"EXTENSIONS": {CrawlBookkeeping: 500}, **settings})
    journal = CrawlJournal(db, store.start_run(db, ["site"]), crawler)
    keeper = crawler.get_extension(CrawlBookkeeping)  # held by the crawler, as in a crawl
    keeper.journal = journal  # as the news spider hands it over (crawler.bookkeeping)
    return crawler, journal


def errors(db) -> list[str]:
    return [row[0] for row in db.execute("SELECT message FROM crawl_errors")]


def item(n: int) -> ArticleItem:
    text = TEXT.format(n=n) + f" Paragraphe propre à l'article {n} : " + "détail " * n
    url = f"https://site.ma/article-{n}/"
    return ArticleItem(
        "site", url, "", url=url, title=f"Article {n}", text=text, content_hash=content_hash(text)
    )


def stored(db) -> int:
    return db.execute("SELECT count(*) FROM articles").fetchone()[0]


def test_articles_are_written_by_batch_by_age_and_at_the_end(db_location):
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    crawler, journal = crawl_of(db)
    pipeline = StorePipeline(crawler)
    clock = Clock()
    pipeline.timer.clock = clock
    pipeline.open_spider()

    for n in range(StorePipeline.BATCH_SIZE - 1):
        pipeline.process_item(item(n))
    assert stored(db) == 0  # still pending
    pipeline.process_item(item(99))
    assert stored(db) == StorePipeline.BATCH_SIZE  # a full batch is written at once

    pipeline.process_item(item(100))
    clock.advance(StorePipeline.BATCH_SECONDS / 2)
    assert stored(db) == StorePipeline.BATCH_SIZE
    clock.advance(StorePipeline.BATCH_SECONDS)
    assert stored(db) == StorePipeline.BATCH_SIZE + 1  # an old pending batch is written

    pipeline.process_item(item(101))
    pipeline.process_item(item(101))  # the same page twice in one batch: stored once
    pipeline.finish()
    assert stored(db) == StorePipeline.BATCH_SIZE + 2
    assert journal.counts("site")["new"] == StorePipeline.BATCH_SIZE + 2
    assert journal.counts("site")["duplicates"] == 1
    assert not errors(db) and not pipeline.timer.running


@contextlib.contextmanager
def another_writer_holds_the_articles(db, location: str):
    """Another connection holds a write lock the store batch needs, and `db` waits for it only
    0.1 s: SQLite's whole-file lock (BEGIN EXCLUSIVE), PostgreSQL's lock on the articles table."""
    if db.engine == "sqlite":
        db.conn.execute("PRAGMA busy_timeout = 100")
        other = sqlite3.connect(location)
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.rollback()
            other.close()
        return
    import psycopg

    db.execute("SET lock_timeout = '100ms'")
    with psycopg.connect(location) as other:  # a transaction, rolled back on the way out
        other.execute("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")
        yield
        other.rollback()


def test_a_batch_that_cannot_be_written_is_reported_and_keeps_listings_unsaved(db_location, caplog):
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    crawler, journal = crawl_of(db)
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()
    pipeline.timer.stop()  # batches by count and at the end only
    with another_writer_holds_the_articles(db, db_location):
        pipeline.process_item(item(1))
        pipeline.finish()
    assert stored(db) == 0
    assert journal.articles_lost  # the crawl will not save its validators: listings come again
    # The fault is counted and logged (on SQLite the locked file cannot take its record either).
    assert journal.counts("site")["errors"] == 1
    (line,) = [r.getMessage() for r in caplog.records if "not stored: " in r.getMessage()]
    assert "lock" in line.split("not stored: ", 1)[1]  # "database is locked", "lock timeout"


def _stored(n: int, url: str | None = None) -> store.StoredArticle:
    return stored_article("site", url or f"https://site.ma/{n}", f"Article {n}", TEXT.format(n=n))


def test_a_batch_stored_as_matched_has_its_new_articles_off_the_match_queue(db_location):
    """`veille import --no-alerts` stores its batches as already matched: each new article is
    written matched (the copy of one in the same batch found stored, not new), and a later
    batch stored without it waits for the matcher."""
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    at = "2026-12-01T00:00:00+00:00"
    results = store.store_articles(
        db, [_stored(1), _stored(2), _stored(1, "https://site.ma/1?utm_source=x")], matched_at=at
    )
    assert [is_new for _, is_new in results] == [True, True, False]
    matched = db.execute("SELECT matched_at FROM articles ORDER BY id").fetchall()
    assert [row[0] for row in matched] == [at, at]
    assert store.unmatched_articles(db, 0, 10) == []
    store.store_articles(db, [_stored(3)])
    assert [a.url for a in store.unmatched_articles(db, 0, 10)] == ["https://site.ma/3"]


def _crawls_sharing_a_tick(location: str, clock: Clock, count: int = 2):
    """`count` crawls of one process (a crawler, a connection and a store stage each) on the
    database at `location`, gathering their articles on one-second ticks of `clock`."""
    crawls = []
    for _ in range(count):
        db = store.open_database(location)
        crawler, journal = crawl_of(db, VEILLE_STORE_GATHER_SECONDS=1.0)
        pipeline = StorePipeline(crawler)
        pipeline.timer.clock = clock
        pipeline.open_spider()
        crawls.append((db, journal, pipeline))
    return crawls


def _answered(answer: Deferred | None) -> list[object]:
    fired: list[object] = []
    assert isinstance(answer, Deferred)  # the crawl ends once its articles are written
    answer.addBoth(fired.append)
    return fired


def test_the_crawls_of_a_process_write_their_articles_in_one_batch(db_location, monkeypatch):
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    batches: list[int] = []
    real = store.store_articles

    def counted(db, articles, *args, **kwargs):
        batches.append(len(articles))
        return real(db, articles, *args, **kwargs)

    monkeypatch.setattr(store, "store_articles", counted)
    clock = Clock()
    clock.advance(100.25)
    (db_a, journal_a, a), (db_b, journal_b, b), (_, journal_c, c) = _crawls_sharing_a_tick(
        db_location, clock, 3
    )
    a.process_item(item(1))
    b.process_item(item(2))
    b.process_item(item(3))
    ended = _answered(a.finish())
    assert c.finish() is None  # a crawl with nothing waiting ends at once
    clock.advance(0.5)
    assert not ended and stored(db) == 0 and not batches  # waiting for the tick at 101
    assert _answered(b.finish()) == [] and not ended
    clock.advance(0.25)
    assert batches == [3] and stored(db) == 3  # both crawls' articles in one batch
    assert ended == [None]
    assert journal_a.counts("site")["new"] == 1  # each crawl counts its own
    assert journal_b.counts("site")["new"] == 2
    assert journal_c.counts("site") == {}
    assert not errors(db)
    assert not a.pending and not b.pending


def test_a_crawl_stopped_early_writes_what_the_others_wait_for(db_location):
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    clock = Clock()
    (_, journal_a, a), (_, journal_b, b) = _crawls_sharing_a_tick(db_location, clock)
    a.process_item(item(1))
    ended = _answered(a.finish())
    b.process_item(item(2))
    journal_b.flush()  # stopped from outside: what it counts as stored is stored now
    assert stored(db) == 2 and ended == [None]
    assert journal_a.counts("site")["new"] == journal_b.counts("site")["new"] == 1
    clock.advance(1.0)  # the tick was called off: nothing written twice
    assert stored(db) == 2 and journal_a.counts("site")["new"] == 1


def test_a_shared_batch_the_database_refuses_is_reported_to_each_crawl(db_location, caplog):
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    clock = Clock()
    (db_a, journal_a, a), (_, journal_b, b) = _crawls_sharing_a_tick(db_location, clock)
    a.process_item(item(1))
    b.process_item(item(2))
    ended = _answered(a.finish())  # the write is a's, on its connection
    with another_writer_holds_the_articles(db_a, db_location):
        clock.advance(1.0)
    assert ended == [None] and stored(db) == 0
    # Neither crawl saves its validators: both sources' listings come again.
    assert journal_a.articles_lost and journal_b.articles_lost
    assert journal_a.counts("site")["errors"] == journal_b.counts("site")["errors"] == 1


def test_one_article_a_shared_batch_cannot_take_costs_only_its_own_crawl(
    db_location, monkeypatch, caplog
):
    """A constraint one article breaks (or a fault its data causes in the story code) fails the
    shared batch; the crawls beside it then have their own articles written apart, and only the
    crawl of that article is reported and keeps its listings unsaved."""
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    real = store._store_one

    def refusing(db, article, *args, **kwargs):
        if article.url.endswith("/article-1/"):
            raise sqlite3.IntegrityError("CHECK constraint failed (article 1 only)")
        return real(db, article, *args, **kwargs)

    monkeypatch.setattr(store, "_store_one", refusing)
    clock = Clock()
    (_, journal_a, a), (_, journal_b, b), (_, journal_c, c) = _crawls_sharing_a_tick(
        db_location, clock, 3
    )
    a.process_item(item(1))
    b.process_item(item(2))
    c.process_item(item(3))
    c.process_item(item(4))
    ended = [_answered(stage.finish()) for stage in (a, b, c)]
    clock.advance(1.0)
    assert ended == [[None], [None], [None]]
    assert stored(db) == 3  # b's and c's articles, in transactions of their own
    assert journal_a.articles_lost and journal_a.counts("site")["errors"] == 1
    assert not journal_b.articles_lost and journal_b.counts("site") == {"new": 1}
    assert not journal_c.articles_lost and journal_c.counts("site") == {"new": 2}
    (message,) = errors(db)
    assert "article 1 only" in message
    assert any("written apart" in r.getMessage() for r in caplog.records)


def test_an_article_from_the_retry_book_stays_booked_until_it_is_stored(db_location):
    """An article fetched again from the retry book leaves the book once it is stored (or found
    a copy of one stored), not when its page arrives: a batch the database refuses (or a kill
    before the batch is written) leaves it booked, due for the next crawl."""
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    crawler, journal = crawl_of(db)
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()
    pipeline.timer.stop()
    booked = {}
    for n in (1, 2):
        article = item(n)
        article.retry_key = url_key(article.fetched_url)
        retries.book_failure(db, "site", article.retry_key, article.fetched_url, "http-500", "500")
        booked[n] = article
    with another_writer_holds_the_articles(db, db_location):
        pipeline.process_item(booked[1])
        pipeline.flush()
    assert stored(db) == 0
    assert retries.state_of(db, url_key(booked[1].fetched_url)) == "due"  # still booked
    again = item(1)
    again.retry_key = url_key(again.fetched_url)
    pipeline.process_item(again)
    pipeline.flush()
    assert stored(db) == 1
    assert retries.state_of(db, again.retry_key) is None  # stored: nothing left to retry
    # A copy of an article stored settles its entry too (the duplicate stage's drop).
    copy = booked[2]
    copy.text, copy.content_hash = again.text, again.content_hash
    keeper = crawler.get_extension(CrawlBookkeeping)
    keeper.item_dropped(copy, None, Duplicate("a copy"), None)
    assert retries.state_of(db, url_key(copy.fetched_url)) is None


def test_a_fault_written_apart_is_logged_and_a_locked_database_is_waited_for_once(
    db_location, monkeypatch, caplog
):
    """Writing a shared batch apart: a fault of one crawl's article is logged, never raised
    into the item another crawl is handling (its articles are stored); and once the database
    refuses (locked, after its busy timeout), the crawls left are reported without each
    waiting that timeout again."""
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    real = store._store_one
    calls: list[str] = []

    def faulty(db, article, *args, **kwargs):
        calls.append(article.url)
        if article.url.endswith("/article-1/"):
            raise ValueError("a fault in article 1's stories")
        return real(db, article, *args, **kwargs)

    monkeypatch.setattr(store, "_store_one", faulty)
    clock = Clock()
    (_, journal_a, a), (_, journal_b, b) = _crawls_sharing_a_tick(db_location, clock)
    a.process_item(item(1))
    b.process_item(item(2))
    b.flush()  # as when b's next article fills the batch: nothing raised into b's item
    assert stored(db) == 1 and journal_b.counts("site") == {"new": 1}
    assert journal_a.articles_lost and not journal_b.articles_lost
    assert any("written apart failed" in r.getMessage() for r in caplog.records)

    def refusing(db, article, *args, **kwargs):
        calls.append(article.url)
        if article.url.endswith("/article-3/"):
            raise ValueError("a fault in article 3's stories")
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "_store_one", refusing)
    (_, journal_c, c), (_, journal_d, d), (_, journal_e, e) = _crawls_sharing_a_tick(
        db_location, clock, 3
    )
    c.process_item(item(3))
    d.process_item(item(4))
    e.process_item(item(5))
    calls.clear()
    c.flush()
    # The shared batch stops at article 3; written apart, c's fails on its own, d's meets the
    # locked database, and e's is reported without being tried.
    assert calls == [
        "https://site.ma/article-3/",
        "https://site.ma/article-3/",
        "https://site.ma/article-4/",
    ]
    assert journal_c.articles_lost and journal_d.articles_lost and journal_e.articles_lost
    assert journal_e.counts("site")["errors"] == 1


def test_a_crawl_stopped_from_outside_after_it_closed_records_nothing_more(db_location):
    """A time limit or a shutdown that lands after the crawl closed by itself (its run recorded
    `finished`, its connection closed) leaves the record as it is, instead of writing
    `stopped: …` over it through a closed connection."""
    from types import SimpleNamespace

    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    crawler, journal = crawl_of(db)
    spider = SimpleNamespace(
        sources={"site": None}, discovered={}, stop_reason=None, unfinished_sources=set
    )
    crawler.spider = spider
    keeper = crawler.get_extension(CrawlBookkeeping)
    keeper.spider_closed(spider, "finished")
    keeper.stop_early("time limit")  # nothing raised on the closed connection
    status = store.open_database(db_location).execute(
        "SELECT status FROM crawl_runs WHERE id = ?", [journal.run_id]
    )
    assert status.fetchone()[0] == "finished" and spider.stop_reason is None
