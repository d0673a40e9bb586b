"""Storage on both engines: the cost of storing an article as the store grows, and search latency.

    .venv/bin/python bench/storage.py [--sizes 1000,10000,100000] [--postgres postgresql://…]

The articles are the labelled week of tests/fixtures/stories repeated week after week (as
bench/import_articles.py: every article new, stories forming within each week, rubrics
recurring), prepared as they are needed (canonical URL, hash, fingerprint: the same work on both
engines, not timed) and stored in batches of 50, as a crawl stores them, through
`store_articles`: duplicate checks, story assignment (LSH keys and title-and-lead terms) and the
full-text index.

SQLite is filled up to each size S through that path. Then both engines hold the same S
articles: the SQLite file is copied into PostgreSQL by `veille db copy`'s function (COPY, the
search vectors computed as rows arrive) and PostgreSQL analyses its tables, as autovacuum would
soon after. The storing cost at S is the time of storing the next batches (a tenth of S, at most
500 articles) on top of those S articles, the same articles on each engine, divided by their
number. Then the search latency: the median of 7 searches of a common word, a rare word and a
phrase (`veille search`'s function, 20 results with snippets), and of 7 `SELECT 1` (what any
statement costs: a round trip to the server on PostgreSQL, a function call on SQLite).

Progress goes to stderr, each size's figures to stdout as soon as they are measured, then the
whole table and the growth from the smallest size to the largest. PostgreSQL is a cluster
started for the run (tests/postgres.py, durability off as in the tests) unless --postgres names
a database, whose veille tables are then emptied at each size. Ratios are PostgreSQL / SQLite.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_articles import iter_records  # noqa: E402
from crawler.storage import store  # noqa: E402
from crawler.storage.copy import copy_database  # noqa: E402
from crawler.storage.engine import Database  # noqa: E402
from crawler.storage.importer import ImportRecord, prepare  # noqa: E402
from monitors.web.search import search  # noqa: E402

BATCH = 50
MEASURED_ARTICLES = 500  # at most, per size (a tenth of the size below 5,000)
PROGRESS_EVERY = 5_000
QUERIES = {  # what a reader types: a word in most articles, one in few, a phrase
    "common": "Maroc",
    "rare": "supercalculateur",
    "phrase": '"intelligence artificielle"',
}
LABELS = {
    "store_ms": "storing, ms per article",
    "common_ms": "search, common word, ms",
    "rare_ms": "search, rare word, ms",
    "phrase_ms": "search, phrase, ms",
    "round_trip_ms": "one statement (SELECT 1), ms",
}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def each_article(total: int) -> Iterator[store.StoredArticle]:
    """The articles in the order they are stored, prepared one at a time."""
    for i, record in enumerate(iter_records(total)):
        yield prepare(ImportRecord(line=i + 1, **record)).article


def articles(total: int) -> list[store.StoredArticle]:
    return list(each_article(total))


def _median_ms(run: Callable[[], object], times: int = 7) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _store_timed(db: Database, batch: list[store.StoredArticle]) -> float:
    """Milliseconds per article to store `batch` in batches of BATCH."""
    started = time.perf_counter()
    for at in range(0, len(batch), BATCH):
        store.store_articles(db, batch[at : at + BATCH])
    return (time.perf_counter() - started) * 1000 / len(batch)


def _latencies(db: Database) -> dict[str, float]:
    latency = {
        f"{name}_ms": _median_ms(lambda q=query: search(db, q, limit=20))
        for name, query in QUERIES.items()
    }
    # What any statement costs before its work: a round trip to the server (a function call
    # on SQLite). On a loaded machine this is mostly the wait for the server's turn on a CPU.
    latency["round_trip_ms"] = _median_ms(lambda: db.execute("SELECT 1").fetchone())
    return latency


def _fill(db: Database, source: Iterator[store.StoredArticle], done: int, until: int) -> int:
    """Store articles up to `until` (untimed), saying how far it got now and then."""
    started, reported = time.perf_counter(), done
    while done < until:
        batch = [next(source) for _ in range(min(BATCH, until - done))]
        store.store_articles(db, batch)
        done += len(batch)
        if done - reported >= PROGRESS_EVERY or done == until:
            rate = (done - reported) / max(time.perf_counter() - started, 1e-9)
            say(f"  sqlite: {done:,} articles stored ({rate:,.0f} articles/s)")
            started, reported = time.perf_counter(), done
    return done


def measured_count(size: int) -> int:
    return max(1, min(MEASURED_ARTICLES, size // 10))


def run(
    sizes: list[int],
    postgres: str | None = None,
    report: Callable[[int, dict[str, dict]], None] | None = None,
) -> dict[str, dict[int, dict]]:
    """Both engines' figures: {"sqlite": {size: {...}}, "postgresql": {size: {...}}}; `report`
    gets each size's figures as soon as they are measured."""
    sizes = sorted(sizes)
    total = sizes[-1] + measured_count(sizes[-1])
    source = each_article(total)
    figures: dict[str, dict[int, dict]] = {"sqlite": {}, "postgresql": {}}
    cluster = None
    if postgres is None:
        from tests.postgres import start_cluster

        say("starting a PostgreSQL cluster for the run")
        cluster = start_cluster()
        postgres = cluster.new_database()
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.db"
            lite = store.open_database(path)
            store.add_sources(lite, sorted({r["source"] for r in iter_records(200)}))
            done = 0
            for size in sizes:
                say(f"size {size:,}: filling SQLite")
                done = _fill(lite, source, done, size)
                say(f"size {size:,}: copying the SQLite database into PostgreSQL")
                started = time.perf_counter()
                lite.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                copy_database(path, postgres, replace=True)  # analyses the tables too
                pg = store.open_database(postgres)
                say(f"  copied and analysed in {time.perf_counter() - started:.0f} s")
                batch = [next(source) for _ in range(measured_count(size))]
                say(f"size {size:,}: storing {len(batch)} more articles on each engine")
                measured = {}
                for engine, db in (("sqlite", lite), ("postgresql", pg)):
                    measured[engine] = {"store_ms": _store_timed(db, batch), **_latencies(db)}
                    figures[engine][size] = measured[engine]
                pg.close()
                done += len(batch)
                if report:
                    report(size, measured)
            lite.close()
    finally:
        if cluster is not None:
            cluster.stop()
    return figures


def _ms(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.4f}"  # SELECT 1 on SQLite: microseconds


def _row(size: int, label: str, lite: float, pg: float) -> str:
    ratio = pg / lite if lite else float("nan")
    return f"| {size:,} | {label} | {_ms(lite)} | {_ms(pg)} | {ratio:.1f}× |"


def size_rows(size: int, measured: dict[str, dict]) -> list[str]:
    return [
        _row(size, label, measured["sqlite"][key], measured["postgresql"][key])
        for key, label in LABELS.items()
    ]


def table(figures: dict[str, dict[int, dict]]) -> str:
    lines = [
        "| articles | measure | SQLite | PostgreSQL | PostgreSQL / SQLite |",
        "|---:|---|---:|---:|---:|",
    ]
    for size in figures["sqlite"]:
        lines += size_rows(size, {e: figures[e][size] for e in figures})
    return "\n".join(lines)


def growth(figures: dict[str, dict[int, dict]]) -> str:
    """Each measure at the largest size against the smallest, per engine."""
    sizes = sorted(figures["sqlite"])
    small, large = sizes[0], sizes[-1]
    lines = [
        f"| measure | SQLite {large:,} / {small:,} | PostgreSQL {large:,} / {small:,} |",
        "|---|---:|---:|",
    ]
    for key, label in LABELS.items():
        ratios = [
            figures[e][large][key] / figures[e][small][key] if figures[e][small][key] else 0.0
            for e in ("sqlite", "postgresql")
        ]
        lines.append(f"| {label} | {ratios[0]:.2f}× | {ratios[1]:.2f}× |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument(
        "--postgres",
        help="a postgresql:// database to use (its veille tables are emptied at each size)",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    # Stopped (kill), the run still stops the cluster it started and removes its files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))

    def report(size: int, measured: dict[str, dict]) -> None:
        print("\n".join(size_rows(size, measured)), flush=True)

    figures = run(sizes, args.postgres, report)
    print()
    print(table(figures))
    print()
    print(growth(figures))


if __name__ == "__main__":
    main()
