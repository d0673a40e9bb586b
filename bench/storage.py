"""Storage on both engines: the cost of storing an article as the store grows, and search latency.

    .venv/bin/python bench/storage.py [--sizes 1000,10000,100000] [--postgres postgresql://…]

The articles are the labelled week of tests/fixtures/stories repeated week after week (as
bench/import_articles.py: every article new, stories forming within each week, rubrics
recurring), prepared once (canonical URL, hash, fingerprint: the same work on both engines, not
timed) and stored in batches of 50, as a crawl stores them, through `store_articles`: duplicate
checks, story assignment (LSH keys and title-and-lead terms) and the full-text index.

At each size S, the storing cost per article is the time of the last tenth of the articles
before S, divided by their number: what one more article costs in a store of S articles. Then
the search latency at S: the median of 7 searches of a common word, a rare word and a phrase
(`veille search`'s function, 20 results with snippets), and of 7 `SELECT 1` (what any
statement costs: a round trip to the server on PostgreSQL, a function call on SQLite). Both engines run in one process, one
after the other; PostgreSQL is a cluster started for the run (tests/postgres.py, durability off
as in the tests) unless --postgres names one. Ratios are PostgreSQL / SQLite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_articles import records  # noqa: E402
from crawler.storage import store  # noqa: E402
from crawler.storage.importer import ImportRecord, prepare  # noqa: E402
from monitors.web.search import search  # noqa: E402

BATCH = 50
QUERIES = {  # what a reader types: a word in most articles, one in few, a phrase
    "common": "Maroc",
    "rare": "supercalculateur",
    "phrase": '"intelligence artificielle"',
}


def articles(total: int) -> list[store.StoredArticle]:
    return [
        prepare(ImportRecord(line=i + 1, **record)).article
        for i, record in enumerate(records(total))
    ]


def _median_ms(run: Callable[[], object], times: int = 7) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(db, prepared: list[store.StoredArticle], sizes: list[int]) -> dict[int, dict]:
    """Per size: storing cost per article (ms) and search latencies (ms)."""
    store.add_sources(db, sorted({a.source for a in prepared}))
    results: dict[int, dict] = {}
    done = 0
    for size in sizes:
        window_start = size - max(1, size // 10)
        while done < window_start:
            step = min(BATCH, window_start - done)
            store.store_articles(db, prepared[done : done + step])
            done += step
        started = time.perf_counter()
        while done < size:
            step = min(BATCH, size - done)
            store.store_articles(db, prepared[done : done + step])
            done += step
        per_article = (time.perf_counter() - started) * 1000 / (size - window_start)
        latency = {
            name: _median_ms(lambda q=query: search(db, q, limit=20))
            for name, query in QUERIES.items()
        }
        # What any statement costs before its work: a round trip to the server (a function call
        # on SQLite). On a loaded machine this is mostly the wait for the server's turn on a CPU.
        latency["round_trip"] = _median_ms(lambda: db.execute("SELECT 1").fetchone())
        results[size] = {"store_ms": per_article, **{f"{k}_ms": v for k, v in latency.items()}}
    return results


def run(sizes: list[int], postgres: str | None = None) -> dict[str, dict[int, dict]]:
    """Both engines' figures: {"sqlite": {size: {...}}, "postgresql": {size: {...}}}."""
    prepared = articles(max(sizes))
    figures: dict[str, dict[int, dict]] = {}
    with tempfile.TemporaryDirectory() as folder:
        lite = store.open_database(Path(folder) / "bench.db")
        figures["sqlite"] = measure(lite, prepared, sizes)
        lite.close()
    cluster = None
    if postgres is None:
        from tests.postgres import start_cluster

        cluster = start_cluster()
        postgres = cluster.new_database()
    try:
        pg = store.open_database(postgres)
        figures["postgresql"] = measure(pg, prepared, sizes)
        pg.close()
    finally:
        if cluster is not None:
            cluster.stop()
    return figures


def table(figures: dict[str, dict[int, dict]]) -> str:
    lines = [
        "| articles | measure | SQLite | PostgreSQL | PostgreSQL / SQLite |",
        "|---:|---|---:|---:|---:|",
    ]
    labels = {
        "store_ms": "storing, ms per article",
        "common_ms": "search, common word, ms",
        "rare_ms": "search, rare word, ms",
        "phrase_ms": "search, phrase, ms",
        "round_trip_ms": "one statement (SELECT 1), ms",
    }
    for size, lite in figures["sqlite"].items():
        pg = figures["postgresql"][size]
        for key, label in labels.items():
            ratio = pg[key] / lite[key] if lite[key] else float("nan")
            lines.append(f"| {size:,} | {label} | {lite[key]:.2f} | {pg[key]:.2f} | {ratio:.1f}× |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument(
        "--postgres",
        help="a postgresql:// database to use (an empty one: veille creates its tables)",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(table(run(sizes, args.postgres)))


if __name__ == "__main__":
    main()
