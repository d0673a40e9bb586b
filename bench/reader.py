"""The reader's list pages and search at 10,000 and 100,000 articles, in one run: server CPU per
request of the real app (home and a watchlist page, each its first page and one half way down
its list, and the first and last page of a watchlist of the newest articles; a watchlist's Atom
feed, the stories list, the sources page, search), search against the bare FTS5 query with
snippet and join, `veille status` and /health, and mixed browsing (requests per second of one
core).

    .venv/bin/python bench/reader.py [--articles 100000] [--small 10000] [--repeat 15]

Each database is built by the bench: articles of about 2.3 kB made of the French and Arabic
texts of tests/fixtures/stories (several texts of one language each), published at 1,000 a day
across 40 sources, stories of one to four outlets, six watchlists whose terms the texts hold
and one whose term only the newest 2,500 articles hold (more than 2,000 matches, all among the
newest articles), their matches and an alert for some (delivered by email), written as the rows
veille's storing functions write (the full-text index and the summary tables kept by their
triggers, each story's outlets as crawler.stories keeps them). Requests go through the app as `veille serve`
runs it (Starlette's TestClient, in this process); a page's CPU is the process CPU time of one
request, the median of `--repeat` requests after one warm-up.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import monitors  # noqa: E402,F401  (registers the monitors owners: matches, alerts)
from crawler.core.times import iso  # noqa: E402
from crawler.storage import store  # noqa: E402
from tests.story_corpus import labelled_articles  # noqa: E402

SOURCES = 40
PER_DAY = 1_000
# (name, terms): the texts hold each term, some often, some rarely.
WATCHLISTS = [
    ("banque", ["Bank Al-Maghrib"]),
    ("meteo", ["températures", "للأرصاد"]),
    ("casablanca", ["Casablanca"]),
    ("gouvernement", ["الحكومة"]),
    ("marrakech", ["Marrakech"]),
    ("tanger", ["Tanger"]),
    ("speciale", ["Édition spéciale"]),
]
# The newest articles alone hold the last watchlist's term.
NEWEST = 2_500
NEWEST_TERM = "Édition spéciale."
ORDERS = ("rank", "newest")
SEARCHES = [("frequent", "dirhams"), ("mid-frequency", "Marrakech"), ("rare", "Tarfaya")]


def watchlists_file(path: Path, deleted: tuple[str, ...] = ()) -> Path:
    """The bench's watchlists, but those `deleted` (their matches stay in the database)."""
    lines = ["watchlists:"]
    for name, terms in WATCHLISTS:
        if name in deleted:
            continue
        lines += [f"  - name: {name}", f"    title: {name.title()}", "    terms:"]
        lines += [f"      - {json.dumps(term, ensure_ascii=False)}" for term in terms]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build(path: Path, count: int, now: datetime) -> None:
    """A database of `count` articles, the newest published `now`."""
    rng = random.Random(28)
    corpus = labelled_articles()
    by_language: dict[str, list[dict]] = {}
    for record in corpus:
        by_language.setdefault(record["language"], []).append(record)
    db = store.open_database(path)
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    sources = [f"outlet{i:02d}" for i in range(SOURCES)]
    start = now - timedelta(days=count / PER_DAY)
    with conn:
        conn.executemany(
            "INSERT INTO sources(name, title, homepage, last_crawl_at, last_success_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(s, s.title(), f"https://{s}.example.ma/", iso(now), iso(now)) for s in sources],
        )
    article_id = 0
    story_id = 0
    match_id = 0
    alerted: set[tuple[int, str]] = set()  # (story, watchlist) alerted
    not_alerted: dict[int, str] = {}  # match id -> why it raised no alert
    batch = 2_000
    while article_id < count:
        articles, stories, matches, alerts = [], [], [], []
        while len(articles) < batch and article_id < count:
            story_id += 1
            outlets = rng.sample(sources, min(len(sources), rng.choice([1, 1, 2, 3, 4])))
            language = rng.choice(["fr", "fr", "ar"])
            texts = rng.sample(by_language[language], 8)
            title = texts[0]["title"]
            body = "\n".join(t["text"] for t in texts)
            first = article_id + 1
            for n, source in enumerate(outlets):
                if article_id >= count:
                    break
                article_id += 1
                published = start + timedelta(days=article_id / PER_DAY)
                fetched = published + timedelta(minutes=rng.randint(2, 90))
                text = f"{body}\n{source} — édition {article_id}." if n else body
                if article_id > count - NEWEST:
                    text += f"\n{NEWEST_TERM}"
                url = f"https://{source}.example.ma/{published:%Y/%m/%d}/{article_id}"
                articles.append(
                    (
                        article_id,
                        source,
                        url,
                        url.removeprefix("https://"),
                        title if n == 0 else f"{title} ({source})",
                        f"Auteur {article_id % 97}",
                        iso(published),
                        language,
                        text,
                        hashlib.sha256(f"{article_id}{text}".encode()).hexdigest(),
                        iso(fetched),
                        iso(fetched),
                        story_id,
                    )
                )
                lowered = f"{title}\n{text}".lower()
                for watchlist, terms in WATCHLISTS:
                    found = [t for t in terms if t.lower() in lowered]
                    if not found:
                        continue
                    match_id += 1
                    at = lowered.index(found[0].lower())
                    matches.append(
                        (
                            match_id,
                            article_id,
                            watchlist,
                            json.dumps(found, ensure_ascii=False),
                            text[max(0, at - 80) : at + 120],
                            iso(fetched),
                            "[]",
                        )
                    )
                    if n == 0 and rng.random() < 0.3:
                        alerts.append((match_id, article_id, watchlist, iso(fetched), story_id))
                        alerted.add((story_id, watchlist))
                    else:  # why no alert, as the match step records it
                        story_alerted = (story_id, watchlist) in alerted
                        not_alerted[match_id] = "story-alerted" if story_alerted else "too-old"
            stories.append(
                (story_id, iso(start + timedelta(days=first / PER_DAY)), first, title, iso(fetched))
            )
        with conn:
            conn.executemany(
                "INSERT INTO stories(id, first_seen, canonical_article_id, title, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                stories,
            )
            conn.executemany(
                "INSERT INTO articles(id, source, url, url_key, title, author, published, "
                "language, text, content_hash, fetched_at, matched_at, story_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                articles,
            )
            conn.executemany(
                "INSERT INTO article_urls(url_key, article_id) VALUES (?, ?)",
                [(row[3], row[0]) for row in articles],
            )
            conn.executemany(
                "INSERT INTO matches(id, article_id, watchlist, terms, snippet, matched_at, hits, "
                "not_alerted) VALUES (?,?,?,?,?,?,?,?)",
                [(*match, not_alerted.get(match[0])) for match in matches],
            )
            conn.executemany(
                "INSERT INTO alerts(match_id, article_id, watchlist, created_at, story_id) "
                "VALUES (?,?,?,?,?)",
                alerts,
            )
    with conn:  # each story's outlets and the count of those in several, as note_outlet keeps them
        conn.execute(
            "INSERT INTO story_outlets(story_id, source) "
            "SELECT DISTINCT story_id, source FROM articles WHERE story_id IS NOT NULL"
        )
        conn.execute(
            "INSERT INTO story_counts(name, stories) SELECT 'several_outlets', count(*) FROM "
            "(SELECT story_id FROM story_outlets GROUP BY story_id HAVING count(*) > 1)"
        )
        # Each alert's delivery by email: sent, but those of the last two hours still pending.
        conn.execute(
            "INSERT INTO deliveries(alert_id, channel, state, next_attempt_at, sent_at) "
            "SELECT id, 'email', CASE WHEN created_at >= :recent THEN 'pending' ELSE 'sent' END, "
            "created_at, CASE WHEN created_at >= :recent THEN NULL ELSE created_at END "
            "FROM alerts",
            {"recent": iso(now - timedelta(hours=2))},
        )
        conn.execute(
            "INSERT INTO crawl_runs(started_at, finished_at, sources, status, new_articles) "
            "VALUES (?, ?, ?, 'finished', 12)",
            (iso(now), iso(now), json.dumps(sources)),
        )
    conn.execute("ANALYZE")
    db.close()


def cpu_per_call(call: Callable[[], object], repeat: int) -> float:
    """Median process CPU time of one call, in ms, after one warm-up."""
    call()
    times = []
    for _ in range(repeat):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1e3)
    return statistics.median(times)


def page_call(client, url: str) -> Callable[[], object]:
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
        return response

    return call


def bare_search(path: Path, word: str) -> Callable[[], object]:
    """The least a ranked search can do: FTS5's own top 20, then the snippet and the article
    row of those 20."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    expression = f'"{word}"'

    def call():
        top = conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT 20",
            (expression,),
        ).fetchall()
        marks = ",".join(str(row[0]) for row in top)
        return conn.execute(
            "SELECT a.id, a.title, a.url, snippet(articles_fts, -1, '**', '**', '…', 24) "
            "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
            f"WHERE articles_fts MATCH ? AND articles_fts.rowid IN ({marks})",
            (expression,),
        ).fetchall()

    return call


def search_call(path: Path, word: str, order: str) -> Callable[[], object]:
    """veille's search (what the reader and `veille search` run), 20 hits."""
    import sqlite3

    from crawler.storage.engine import SQLiteDatabase
    from monitors.web.search import search

    db = SQLiteDatabase(sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    return lambda: search(db, word, limit=20, order=order)


def status_call(path: Path, what: str, now: datetime) -> Callable[[], object]:
    """`veille status` (gather_status, its week of matches ending at the bench's `now`) or
    /health's report on the database."""
    from monitors.service.health import health_report
    from monitors.service.status import gather_status

    if what == "health":
        return lambda: health_report(path)

    def call():
        db = store.open_database(path)
        try:
            return gather_status(db, now)
        finally:
            db.close()

    return call


def mixed_browsing(client, count: int, requests: int = 200) -> float:
    """Requests a second of one core (process CPU) for a reader clicking around: the home page,
    watchlist pages, the stories list, the sources page, articles, stories and searches, in a
    fixed pseudo-random order."""
    rng = random.Random(50)
    urls = ["/", "/stories", "/sources"]
    urls += [f"/watchlists/{name}" for name, _ in WATCHLISTS]
    urls += [f"/search?q={word}" for _, word in SEARCHES]
    urls += [f"/search?q={word}&order=newest" for _, word in SEARCHES]
    urls += [f"/articles/{rng.randint(1, count)}" for _ in range(8)]
    urls += [f"/stories/{rng.randint(1, max(1, count // 2))}" for _ in range(4)]
    picked = [rng.choice(urls) for _ in range(requests)]
    for url in set(picked):  # warm-up, and every URL answers
        response = client.get(url)
        if response.status_code not in (200, 404):
            raise SystemExit(f"{url}: {response.status_code}")
    started = time.process_time()
    for url in picked:
        client.get(url)
    return requests / (time.process_time() - started)


def measure(path: Path, watchlists: Path, repeat: int, now: datetime) -> dict[str, float]:
    from starlette.testclient import TestClient

    from monitors.web.app import ReaderConfig, create_app

    app = create_app(ReaderConfig(db=path, watchlists=watchlists, raw_data=False))
    figures: dict[str, float] = {}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        pages = {
            "home": "/",
            "home, a deep page": deep_home(path),
            "watchlist page": "/watchlists/casablanca",
            "watchlist page, a deep page": deep_watchlist(path, "casablanca"),
            "newest articles' watchlist": "/watchlists/speciale",
            "newest articles' watchlist, last page": deep_watchlist(path, "speciale", last=True),
            "a watchlist's Atom feed": "/feeds/casablanca.atom",
            "stories list": "/stories",
            "sources page": "/sources",
        }
        for name, url in pages.items():
            figures[name] = cpu_per_call(page_call(client, url), repeat)
    # casablanca deleted from the file: the account page lists it, its page shows its matches
    deleted = watchlists_file(watchlists.with_name("deleted.yaml"), deleted=("casablanca",))
    app = create_app(ReaderConfig(db=path, watchlists=deleted, raw_data=False))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for name, url in {
            "account page, a deleted watchlist listed": "/account",
            "a deleted watchlist's page": "/watchlists/casablanca",
        }.items():
            figures[name] = cpu_per_call(page_call(client, url), repeat)
    app = create_app(ReaderConfig(db=path, watchlists=watchlists, raw_data=False))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for what in ("status", "health"):
            figures[f"veille {what}" if what == "status" else "/health"] = cpu_per_call(
                status_call(path, what, now), repeat
            )
        for label, word in SEARCHES:
            figures[f"search page, {label} word"] = cpu_per_call(
                page_call(client, f"/search?q={word}"), repeat
            )
            figures[f"search page, {label} word, newest first"] = cpu_per_call(
                page_call(client, f"/search?q={word}&order=newest"), repeat
            )
            figures[f"bare FTS5, {label} word"] = cpu_per_call(bare_search(path, word), repeat)
            for order in ORDERS:
                figures[f"search(), {label} word, {order}"] = cpu_per_call(
                    search_call(path, word, order), repeat
                )
        count = store_count(path)
        figures["mixed browsing, requests/s"] = mixed_browsing(client, count, max(20, repeat * 13))
    return figures


def deep_home(path: Path) -> str:
    """The home page half way down the list (its older link's address, as a page gives it)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        top = int(conn.execute("SELECT max(id) FROM matches").fetchone()[0])
    finally:
        conn.close()
    return f"/?before={top // 2}&top={top}"


def deep_watchlist(path: Path, watchlist: str, last: bool = False) -> str:
    """A watchlist page half way down its matches, or its last page of ten (its older link's
    address)."""
    import sqlite3
    from urllib.parse import urlencode

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        when, match_id = conn.execute(
            "SELECT coalesce(a.published, a.fetched_at) AS w, m.id FROM matches m "
            "JOIN articles a ON a.id = m.article_id WHERE m.watchlist = ? "
            "ORDER BY w DESC, m.id DESC LIMIT 1 OFFSET "
            "(SELECT count(*) / ? - ? FROM matches WHERE watchlist = ?)",
            (watchlist, 1 if last else 2, 11 if last else 0, watchlist),
        ).fetchone()
    finally:
        conn.close()
    return f"/watchlists/{watchlist}?" + urlencode({"before": f"{when}~{match_id}"})


def store_count(path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 1)
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--small", type=int, help="the smaller database (default: a tenth)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    small = args.small or max(1, args.articles // 10)
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        watchlists = watchlists_file(Path(folder) / "watchlists.yaml")
        for count in (small, args.articles):
            path = Path(folder) / f"reader-{count}.db"
            started = time.perf_counter()
            build(path, count, now)
            print(f"built {count:,} articles in {time.perf_counter() - started:.0f} s", flush=True)
            results[count] = measure(path, watchlists, args.repeat, now)
    small_figures, large_figures = results[small], results[args.articles]
    print(f"\nserver CPU per request, ms (median of {args.repeat}), {small:,} vs {args.articles:,}")
    for name in large_figures:
        if name.startswith("mixed"):
            continue
        ratio = large_figures[name] / max(small_figures[name], 1e-6)
        print(f"  {name:44s} {small_figures[name]:8.2f} {large_figures[name]:8.2f}  {ratio:5.2f}×")
    mixed = "mixed browsing, requests/s"
    print(
        f"\nmixed browsing, requests per second of one core (process CPU): "
        f"{small_figures[mixed]:.0f} at {small:,}, {large_figures[mixed]:.0f} at {args.articles:,}"
    )
    print(f"\nsearch against the bare FTS5 query with snippet and join, at {args.articles:,}")
    for label, _ in SEARCHES:
        bare = max(large_figures[f"bare FTS5, {label} word"], 1e-6)
        ranked = large_figures[f"search(), {label} word, rank"] / bare
        newest = large_figures[f"search(), {label} word, newest"] / bare
        print(f"  {label:14s} best first {ranked:5.2f}×   newest first {newest:5.2f}×")


if __name__ == "__main__":
    main()
