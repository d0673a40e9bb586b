"""The story window held in memory for a store batch (crawler.stories.window) answers what the
database answers: the same counts, postings and members, kept in step with the batch's writes,
so storing in batches groups exactly as asking the database each time did."""

from __future__ import annotations

import contextlib
import random
from dataclasses import replace

from crawler.storage import store
from crawler.stories import store as story_store
from crawler.stories.window import StoryWindow, active, join_terms, pack_keys, split_terms
from tests.stored_articles import stored_article
from tests.story_corpus import prepared_week, story_partition


def _compact(rows, keys=None):
    """story_index rows (article id, hour, terms, band keys) of (term, hour, article id) rows,
    with each article's keys from `keys` (article id: keys), if given."""
    terms: dict[int, tuple[int, list[str]]] = {}
    for term, hour, article_id in rows:
        terms.setdefault(article_id, (hour, []))[1].append(term)
    return [
        (a, hour, join_terms(ts), pack_keys(keys[a]) if keys and a in keys else None)
        for a, (hour, ts) in terms.items()
    ]


def _brute_key_hits(key_rows, keys, low, high, exclude, limit):
    shared: dict[int, int] = {}
    for a, (hour, own) in key_rows.items():
        if a != exclude and low <= hour <= high:
            n = len(set(own) & set(keys))
            if n:
                shared[a] = n
    return sorted(shared, key=lambda a: (-shared[a], -a))[:limit]


def _brute_counts(rows, terms, low, high):
    counts: dict[str, int] = {}
    for term, hour, _ in rows:
        if term in terms and low <= hour <= high:
            counts[term] = counts.get(term, 0) + 1
    return counts


def test_counts_and_postings_follow_the_window_as_it_moves_and_grows():
    rng = random.Random(7)
    vocabulary = [f"t{i}" for i in range(30)]
    rows: list[tuple[str, int, int]] = []
    keys: dict[int, list[int]] = {}  # article: its LSH band keys (some shared, some repeated)
    key_rows: dict[int, tuple[int, list[int]]] = {}
    article = 0
    for hour in range(0, 400):
        for _ in range(rng.randrange(3)):
            article += 1
            rows += [(t, hour, article) for t in rng.sample(vocabulary, 5)]
            keys[article] = [rng.randrange(-40, 40) for _ in range(6)]
            key_rows[article] = (hour, keys[article])
    window = StoryWindow(db=None)
    articles: dict[int, set[int]] = {}
    for _, hour, article_id in rows:
        articles.setdefault(hour, set()).add(article_id)
    window.check(0, 399, [(hour, len(ids), 1) for hour, ids in articles.items()])
    # The database gives the rows in no particular order: the window answers in its order.
    compact = _compact(rows, keys)
    window.load(0, 399, rng.sample(compact, len(compact)), [])
    versions = {hour: int(hour in articles) for hour in range(400)}  # no row: version 0
    for _ in range(300):
        low = rng.randrange(0, 300)
        high = low + rng.randrange(0, 100)
        terms = set(rng.sample(vocabulary, 8))
        assert window.term_counts(terms, low, high) == _brute_counts(rows, terms, low, high)
        looked_up = sorted(terms)[:3]
        exclude = rng.randrange(article) if rng.random() < 0.5 else None
        expected = sorted(
            (t, h, a) for t, h, a in rows if t in looked_up and low <= h <= high and a != exclude
        )
        assert list(window.term_hits(looked_up, low, high, exclude)) == [
            (t, a) for t, _, a in expected
        ]
        # The sums of the terms' weights per article, added in term_hits' order: the same
        # floating-point sums (rewrite matching ranks candidates by them).
        weight = {t: rng.random() * 10 for t in looked_up}
        sums: dict[int, float] = {}
        for t, _, a in expected:
            sums[a] = sums.get(a, 0.0) + weight[t]
        used = {a: sum(1 for _, _, b in expected if b == a) for a in sums}
        assert window.shared(looked_up, weight, low, high, exclude) == (sums, used)
        # Only the articles using at least so many of the terms: the same sums for them.
        for at_least in (2, 3):
            kept = {a for a, n in used.items() if n >= at_least}
            assert window.shared(looked_up, weight, low, high, exclude, at_least) == (
                {a: sums[a] for a in kept},
                {a: used[a] for a in kept},
            )
        assert window.hits(looked_up, low, high, exclude) == {
            a: sum(1 for _, _, b in expected if b == a) for a in sums
        }
        # Copy candidates: the articles sharing the most band keys, then the latest.
        probe = [rng.randrange(-40, 40) for _ in range(8)]
        assert window.key_hits(probe, low, high, exclude, 8) == _brute_key_hits(
            key_rows, probe, low, high, exclude, 8
        )
        if rng.random() < 0.3:  # a new article of the batch, inside or outside the range
            article += 1
            hour = rng.randrange(400)
            new = rng.sample(vocabulary, 4)
            versions[hour] += 1
            keys[article] = [rng.randrange(-40, 40) for _ in range(6)]
            key_rows[article] = (hour, keys[article])
            window.saved(article, new, hour, versions[hour], keys[article])
            rows += [(t, hour, article) for t in new]
            articles.setdefault(hour, set()).add(article)
        if rng.random() < 0.1:  # an hour forgotten (another writer's), checked and read again
            hour = rng.randrange(400)
            window.replaced({hour})
            assert window.article_count(low, high) == sum(
                len(articles.get(h, ())) for h in range(low, high + 1) if h != hour
            )
            window.check(hour, hour, [(hour, len(articles.get(hour, ())), versions[hour])])
            at_hour = [row for row in _compact(rows, keys) if row[1] == hour]
            window.load(hour, hour, rng.sample(at_hour, len(at_hour)), [])
        assert window.article_count(low, high) == sum(
            len(articles.get(hour, ())) for hour in range(low, high + 1)
        )


def test_a_replaced_article_makes_the_window_read_again(tmp_path):
    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, ["a"])
    ids = [
        store.store_article(
            db,
            stored_article("a", f"https://a.ma/{i}", f"Titre {i}", f"texte {i}", body_hash=f"h{i}"),
        )[0]
        for i in range(3)
    ]
    with db.transaction(), story_store.batch_window(db, 1):
        assert active(db) is not None
        story_store.save_terms(db, ids[0], {"alpha", "beta"}, 100)
        story_store.save_terms(db, ids[1], {"alpha"}, 101)
        assert story_store.window_term_counts(db, {"alpha", "beta"}, 90, 110) == {
            "alpha": 2,
            "beta": 1,
        }
        assert story_store.articles_in_window(db, 90, 110) == 2
        # ids[0] again: its old terms and hour go (an update): the window reads them again.
        story_store.save_terms(db, ids[0], {"gamma"}, 130)
        assert story_store.window_term_counts(db, {"alpha", "beta", "gamma"}, 90, 110) == {
            "alpha": 1
        }
        assert story_store.articles_in_window(db, 90, 110) == 1
        assert story_store.window_term_counts(db, {"gamma"}, 120, 140) == {"gamma": 1}
        assert story_store.term_hits(db, ["alpha", "gamma"], 0, 200, None) == [
            ("alpha", ids[1]),
            ("gamma", ids[0]),
        ]
    assert active(db) is None
    assert story_store.window_term_counts(db, {"alpha", "gamma"}, 0, 200) == {
        "alpha": 1,
        "gamma": 1,
    }


def test_hours_forgotten_inside_a_range_already_asked_about_are_read_again(tmp_path):
    """A range of hours found checked and read answers later questions without checking it
    again, until one of its hours is forgotten (an article's terms replaced within it)."""
    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, ["a"])
    ids = [
        store.store_article(
            db,
            stored_article("a", f"https://a.ma/{i}", f"Titre {i}", f"texte {i}", body_hash=f"h{i}"),
        )[0]
        for i in range(2)
    ]
    with db.transaction(), story_store.batch_window(db, 1):
        story_store.save_terms(db, ids[0], {"alpha", "beta"}, 100)
        story_store.save_terms(db, ids[1], {"alpha"}, 101)
        terms = {"alpha", "beta", "gamma"}
        assert story_store.window_term_counts(db, terms, 90, 110) == {"alpha": 2, "beta": 1}
        # ids[0] moves to another hour of the same range, with other terms.
        story_store.save_terms(db, ids[0], {"gamma"}, 105)
        assert story_store.window_term_counts(db, terms, 90, 110) == {"alpha": 1, "gamma": 1}
        assert story_store.articles_in_window(db, 90, 110) == 2
        assert story_store.term_hits(db, ["gamma"], 90, 110, None) == [("gamma", ids[0])]


def test_storing_in_batches_groups_as_asking_the_database_each_time(tmp_path, monkeypatch):
    prepared = prepared_week()
    held: list[bool] = []
    real = store.batch_window

    @contextlib.contextmanager
    def spy(db, articles):
        with real(db, articles) as window:
            held.append(window is not None)
            yield window

    monkeypatch.setattr(store, "batch_window", spy)
    batched = store.open_database(tmp_path / "batched.db")
    store.add_sources(batched, sorted({a.source for a in prepared}))
    for start in range(0, len(prepared), 25):
        store.store_articles(batched, prepared[start : start + 25])
    assert held == [True] * len(held)  # every batch held the window
    monkeypatch.setattr(store, "batch_window", lambda db, articles: contextlib.nullcontext())
    each = store.open_database(tmp_path / "each.db")
    store.add_sources(each, sorted({a.source for a in prepared}))
    for start in range(0, len(prepared), 50):
        store.store_articles(each, prepared[start : start + 50])
    assert active(each) is None
    assert story_partition(batched) == story_partition(each)
    assert len(story_partition(batched)) < len(prepared)  # stories did form


def _article(i: int, when: str = "2026-11-16T10:00:00+01:00") -> store.StoredArticle:
    return store.StoredArticle(
        source="a",
        url=f"https://a.ma/{i}",
        title=f"Titre {i} commun",
        author=None,
        published=when,
        language="fr",
        sitename=None,
        description=None,
        text=f"texte {i} partagé",
        content_hash=f"h{i}",
    )


def _truth(db, terms, low, high):
    rows = [
        (term, hour, article_id)
        for article_id, hour, joined in db.execute(
            "SELECT article_id, hour, terms FROM story_index"
        ).fetchall()
        for term in split_terms(joined)
    ]
    return _brute_counts(rows, terms, low, high)


def test_a_kept_window_reads_again_the_hours_written_without_it(tmp_path):
    """The window kept between batches (this process's) is checked against story_hours: an
    hour written since by another writer (here, terms saved outside any batch, as another
    process would) is read again, so its counts stay the database's."""
    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, ["a"])
    store.store_articles(db, [_article(i) for i in range(3)])  # a batch: its window is kept
    other = store.open_database(tmp_path / "v.db")  # another connection, no window
    (extra,) = [row[0] for row in other.execute("SELECT id FROM articles WHERE url LIKE '%/2'")]
    hour = other.execute("SELECT story_hour FROM articles WHERE id = ?", (extra,)).fetchone()[0]
    story_store.save_terms(other, extra, {"ajout", "commun"}, hour)  # outside any batch
    terms = {"ajout", "commun", "titre", "texte"}
    with db.transaction(), story_store.batch_window(db, 1) as held:
        assert held is not None and held.article_count(hour, hour) == 3  # the kept one
        counts = story_store.window_term_counts(db, terms, hour - 72, hour + 72)
        assert counts == _truth(db, terms, hour - 72, hour + 72)
        assert counts["ajout"] == 1
        assert story_store.articles_in_window(db, hour - 72, hour + 72) == 3


def test_a_failed_batch_leaves_no_kept_window_behind(tmp_path):
    """A batch that fails is rolled back: the window it held (with that batch's terms in it) is
    not kept, and the next batch counts what the database holds."""
    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, ["a"])
    store.store_articles(db, [_article(i) for i in range(3)])
    broken = [_article(10), replace(_article(11), source="unknown-source")]
    with contextlib.suppress(Exception):
        store.store_articles(db, broken)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    hour = db.execute("SELECT max(story_hour) FROM articles").fetchone()[0]
    # Another writer then changes that hour once: its version is again the one the failed batch
    # had reached, with other terms (a kept window could not tell).
    other = store.open_database(tmp_path / "v.db")
    first = other.execute("SELECT min(id) FROM articles").fetchone()[0]
    story_store.save_terms(other, first, {"titre"}, hour)
    terms = {"titre", "commun", "10"}
    with db.transaction(), story_store.batch_window(db, 1):
        assert story_store.window_term_counts(db, terms, hour - 72, hour + 72) == _truth(
            db, terms, hour - 72, hour + 72
        )
        assert story_store.articles_in_window(db, hour - 72, hour + 72) == 3


def test_hours_another_writer_added_to_are_read_from_their_new_rows():
    """A kept window whose hours another writer added articles to (one new version and one more
    article each) reads those articles' rows alone (`stale`, `extend`), and answers as if it had
    read the hours again; rows that are not exactly the new articles make it read the hour
    whole."""
    rng = random.Random(11)
    vocabulary = [f"t{i}" for i in range(20)]
    rows: list[tuple[str, int, int]] = []
    articles: dict[int, set[int]] = {}
    versions: dict[int, int] = {}
    article = 0

    def add(hour: int) -> None:
        nonlocal article
        article += 1
        rows.extend((t, hour, article) for t in rng.sample(vocabulary, 4))
        articles.setdefault(hour, set()).add(article)
        versions[hour] = versions.get(hour, 0) + 1

    for hour in range(50):
        for _ in range(1 + rng.randrange(3)):
            add(hour)
    window = StoryWindow(db=None)

    def check(low: int, high: int) -> None:
        window.check(low, high, [(h, len(articles[h]), versions[h]) for h in range(low, high + 1)])

    check(0, 49)
    window.load(0, 49, _compact(rows), [])
    window.term_counts(vocabulary, 10, 30)  # a counted range, kept in step by extend
    for round_ in range(40):
        read = {h: max(articles[h]) for h in range(50)}
        written = rng.sample(range(50), 3)
        for hour in written:  # another writer's new articles
            for _ in range(1 + rng.randrange(2)):
                add(hour)
        broken = written[0] if round_ % 4 == 0 else None
        if broken is not None:  # and an article of its replaced: versions and articles agree
            add(broken)  # no more, so this hour's check sees one article too many
            victim = max(articles[broken])
            articles[broken].discard(victim)
            rows[:] = [r for r in rows if r[2] != victim]
            versions[broken] += 1
        window.begin(None)
        check(0, 49)
        stale = dict(window.stale())
        assert set(stale) == set(written) - {broken}
        for hour, after in stale.items():
            assert after == read[hour]
            window.extend(
                hour,
                [(a, t, k) for a, h, t, k in _compact(rows) if h == hour and a > after],
            )
        for first, last in window.missing(0, 49):
            window.load(first, last, [r for r in _compact(rows) if first <= r[1] <= last], [])
        low = rng.randrange(0, 30)
        high = low + rng.randrange(0, 20)
        assert window.term_counts(vocabulary, low, high) == _brute_counts(
            rows, set(vocabulary), low, high
        )
        looked_up = rng.sample(vocabulary, 3)
        assert list(window.term_hits(looked_up, 0, 49, None)) == [
            (t, a) for t, _, a in sorted(r for r in rows if r[0] in looked_up)
        ]
        assert window.article_count(0, 49) == sum(len(ids) for ids in articles.values())


def test_a_kept_window_reads_another_writers_new_articles_alone(tmp_path):
    """Two writers on one database, each with its kept window (two crawl workers): the first,
    at its next batch, reads the rows of the articles the second added since, not their hours
    again, and counts what the database holds."""
    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, ["a"])
    store.store_articles(db, [_article(i) for i in range(3)])  # kept by this writer
    other = store.open_database(tmp_path / "v.db")
    story_store._KEYS[other] = "another process"  # a window of its own, as in another process
    store.store_articles(other, [_article(i) for i in range(3, 6)])
    hour = db.execute("SELECT max(story_hour) FROM articles").fetchone()[0]
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    terms = {"titre", "commun", "texte", "4", "partage"}
    with db.transaction(), story_store.batch_window(db, 1) as held:
        assert held is not None
        counts = story_store.window_term_counts(db, terms, hour - 72, hour + 72)
        assert counts == _truth(db, terms, hour - 72, hour + 72)
        assert counts["commun"] == 6
        assert story_store.articles_in_window(db, hour - 72, hour + 72) == 6
        assert story_store.term_hits(db, ["commun"], hour - 72, hour + 72, None) == [
            ("commun", i) for i in range(1, 7)
        ]
    db.conn.set_trace_callback(None)
    reads = [s for s in statements if "FROM story_index WHERE" in s]
    assert reads and all("article_id > " in s for s in reads), reads


def test_an_article_another_writer_moved_to_another_hour_keeps_its_band_keys():
    """Its date corrected elsewhere, an article is read again at its new hour while its old
    hour is still held (outside the range asked): its band keys move with it, and forgetting
    the old hour later leaves them at the new one, as a fresh window would find them."""
    window = StoryWindow(db=None)
    moved, other = 5, 9
    window.check(90, 210, [(100, 1, 1), (200, 1, 1)])
    window.load(
        90,
        210,
        [
            (moved, 100, join_terms(["eau"]), pack_keys([11, 12])),
            (other, 200, join_terms(["pluie"]), pack_keys([99])),
        ],
        [],
    )
    assert window.key_hits([11, 12], 90, 110, None, 10) == [moved]
    # Another process moves it from hour 100 to hour 200; the next batch asks around 200 only.
    window.begin(None)
    window.check(190, 210, [(200, 2, 2)])
    for hour, _ in window.stale():
        window.extend(hour, [])  # no row above the hour's last id: it is read whole below
    for first, last in window.missing(190, 210):
        window.load(
            first,
            last,
            [
                (moved, 200, join_terms(["eau"]), pack_keys([11, 12])),
                (other, 200, join_terms(["pluie"]), pack_keys([99])),
            ],
            [],
        )
    assert window.key_hits([11, 12], 190, 210, None, 10) == [moved]
    assert window.key_hits([11, 12], 90, 110, None, 10) == []  # not at its old hour any more
    window.begin(None)
    window.check(90, 210, [(100, 0, 2), (200, 2, 2)])  # the old hour checked: forgotten
    assert window.key_hits([11, 12], 90, 210, None, 10) == [moved]
    assert window.key_hits([99], 90, 210, None, 10) == [other]
