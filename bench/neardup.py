"""Story lookup cost as the store grows: lookup time per article at 1k, 10k and 100k stored
articles, in one run, on a real SQLite file.

    .venv/bin/python bench/neardup.py [--total 100000] [--batch 200]   # 1k, 10k and 100k

Articles are synthetic 120-word texts over a 5,000-word vocabulary, with a title, published at
1,000 a day (so the 72-hour story window holds some 6,000 of them, as on a server following a
thousand sources); every tenth is an edited copy of a recent one (so lookups find real
candidates). A lookup runs both paths of crawler.stories.grouping.find_story: shingles (copies)
and title and lead terms (rewrites), on the database's connection as a crawl opens it.
Target: lookup at 100k no more than 3x lookup at 1k.

The store is filled as `veille import` fills it: crawler.storage.store.store_articles in
batches of --batch articles (crawler.storage.importer.BATCH_SIZE), one transaction each, the
WAL checkpointed every BULK_CHECKPOINT_PAGES pages. The rows are those a crawl storing the
articles one by one would write (stories, LSH keys, story terms, FTS): the batch's story window
gives the database's answers. One transaction per article took 54 minutes for 54,000
articles on the loaded development machine, so 100k was never reached. Before each size's
lookups the WAL is copied into the file, so every size is read from the database file alone.
Lookups are timed in CPU time (time.process_time: the machine is shared) and wall time.
The first pass at each size runs right after the fill, on the connection that filled the store,
as before. The machine is shared, so a burst of load during one size's pass skews its ratio:
each size's file is then kept, and lookups of new texts are timed again in --rounds rounds
interleaved over the sizes (median per size), on two fresh connections to each file: one opened
as open_database opens it (the file read through a 2 GB memory map) and one as a crawl opens it
(crawler.storage.store.read_through_small_cache: no map, a 2 MB page cache), the connection a
crawl worker stores its new articles and looks up their stories on.
With --profile DIR, the same lookups run once more under cProfile, timed in CPU time, after
being timed alone, and each size's profile is written to DIR/lookup-SIZE.prof (to compare
where the time goes at 10k and 100k without a second fill).
"""

from __future__ import annotations

import argparse
import cProfile
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

# This checkout's code, whichever checkout's venv runs the script (`python -P` with another
# checkout's interpreter imported that checkout's editable install instead).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.core.normalize import content_hash  # noqa: E402
from crawler.storage import store  # noqa: E402
from crawler.storage.engine import Database  # noqa: E402
from crawler.storage.importer import BATCH_SIZE  # noqa: E402
from crawler.stories.fingerprint import Fingerprint, fingerprint  # noqa: E402
from crawler.stories.grouping import find_story  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
PER_DAY = 1_000
RECENT = 3_000  # copies are made of the articles of the last three days


def published(index: int) -> str:
    return (START + timedelta(days=index / PER_DAY)).strftime("%Y-%m-%dT%H:%M:%SZ")


def title_of(text: str) -> str:
    return " ".join(text.split()[:8]).capitalize()


def make_text(rng: random.Random, vocabulary: list[str]) -> str:
    return " ".join(rng.choice(vocabulary) for _ in range(120)) + "."


def edit(text: str, rng: random.Random) -> str:
    words = text.split()
    for _ in range(6):
        words[rng.randrange(len(words))] = "modifié"
    return "Rabat – " + " ".join(words[: int(len(words) * rng.uniform(0.6, 1.0))])


class Articles:
    """The bench's articles in order: fresh texts, and every tenth an edited copy of one of the
    last RECENT (the same sequence whatever the batch size)."""

    def __init__(self, rng: random.Random, vocabulary: list[str]) -> None:
        self.rng = rng
        self.vocabulary = vocabulary
        self.texts: list[str] = []

    def take(self, count: int) -> Iterator[store.StoredArticle]:
        for _ in range(count):
            inserted = len(self.texts)
            text = (
                edit(self.rng.choice(self.texts[-RECENT:]), self.rng)
                if self.texts and inserted % 10 == 9
                else make_text(self.rng, self.vocabulary)
            )
            self.texts.append(text)
            yield store.StoredArticle(
                "bench",
                f"https://bench.ma/{inserted}",
                title_of(text),
                None,
                published(inserted),
                "fr",
                None,
                None,
                text,
                content_hash(text),
            )


def fill(db: Database, articles: Articles, count: int, batch: int) -> None:
    """Store the next `count` articles in batches of `batch`, as `veille import` does."""
    pending: list[store.StoredArticle] = []
    for article in articles.take(count):
        pending.append(article)
        if len(pending) >= batch:
            store.store_articles(db, pending)
            pending = []
    if pending:
        store.store_articles(db, pending)


def open_bench_database(path: Path) -> Database:
    db = store.open_database(path)
    store.add_sources(db, ["bench"])
    store.checkpoint_less_often(db)
    return db


def lookups(db: Database, probes: list[tuple[Fingerprint, str]], when: str) -> int:
    """Look up the story of each probe, as a crawl does for a new article: how many found one."""
    return sum(
        find_story(db, fp, source="probe", title=title_of(text), text=text, when=when) is not None
        for fp, text in probes
    )


CONNECTIONS = {
    "memory map": lambda db: None,
    "crawl (2 MB cache)": store.read_through_small_cache,
}


def make_probes(
    rng: random.Random, recent: list[str], vocabulary: list[str], count: int
) -> list[tuple[Fingerprint, str]]:
    """`count` new texts, half of them edited copies of recently stored ones, with their
    fingerprints."""
    texts = [
        edit(rng.choice(recent), rng) if i % 2 else make_text(rng, vocabulary) for i in range(count)
    ]
    return [(fingerprint(text), text) for text in texts]


def interleaved(
    files: dict[int, tuple[Path, list[str], str]],
    vocabulary: list[str],
    rounds: int,
    count: int,
) -> dict[tuple[int, str], float]:
    """Median CPU seconds per lookup at each size on each kind of connection, the sizes and
    connections taking turns in every round (so each sees the same load). Every round looks up
    new texts (a text looked up again would find its own terms cached), and a first round,
    not counted, warms the connections."""
    connections = {}
    for size, (path, _, _) in files.items():
        for kind, prepare in CONNECTIONS.items():
            db = store.open_database(path)
            prepare(db)
            connections[size, kind] = db
    times: dict[tuple[int, str], list[float]] = {key: [] for key in connections}
    for number in range(rounds + 1):
        for (size, kind), db in connections.items():
            _, recent, when = files[size]
            rng = random.Random(f"{size} {kind} {number}")
            probes = make_probes(rng, recent, vocabulary, count)
            cpu = time.process_time()
            lookups(db, probes, when)
            if number:
                times[size, kind].append((time.process_time() - cpu) / len(probes))
    for db in connections.values():
        db.close()
    return {key: statistics.median(values) for key, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument(
        "--batch", type=int, default=BATCH_SIZE, help="articles per store transaction"
    )
    parser.add_argument(
        "--probes", type=int, default=500, help="lookups per size in each pass or round"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds of lookups over the sizes"
    )
    parser.add_argument(
        "--profile", type=Path, help="write each size's lookup profile to DIR/lookup-SIZE.prof"
    )
    args = parser.parse_args()
    rng = random.Random(7)
    vocabulary = [f"mot{i}" for i in range(5_000)]
    # A hundredth, a tenth and the whole: 1k, 10k and 100k by default.
    checkpoints = sorted({max(1, args.total // 100), max(1, args.total // 10), args.total})
    with tempfile.TemporaryDirectory() as folder:
        db = open_bench_database(Path(folder) / "bench.db")
        articles = Articles(rng, vocabulary)
        results = []
        files = {}
        for checkpoint in checkpoints:
            batch_start = len(articles.texts)
            started = time.perf_counter()
            cpu = time.process_time()
            fill(db, articles, checkpoint - batch_start, args.batch)
            per_insert = (time.process_time() - cpu) / (checkpoint - batch_start)
            fill_wall = time.perf_counter() - started
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            # Lookups: new texts, half of them edited copies of stored ones.
            recent = articles.texts[-RECENT:]
            probes = make_probes(rng, recent, vocabulary, args.probes)
            when = published(checkpoint)
            started = time.perf_counter()
            cpu = time.process_time()
            found = lookups(db, probes, when)
            per_lookup = (time.process_time() - cpu) / len(probes)
            per_lookup_wall = (time.perf_counter() - started) / len(probes)
            if args.profile is not None:
                args.profile.mkdir(parents=True, exist_ok=True)
                profiler = cProfile.Profile(time.process_time)
                profiler.runcall(lookups, db, probes, when)
                profiler.dump_stats(args.profile / f"lookup-{checkpoint}.prof")
            results.append((checkpoint, per_lookup, per_lookup_wall))
            # The WAL was copied into the file and nothing is being written: a copy of the file
            # is the store at this size, page for page.
            kept = Path(folder) / f"at-{checkpoint}.db"
            if checkpoint != checkpoints[-1]:
                shutil.copyfile(Path(folder) / "bench.db", kept)
            files[checkpoint] = (kept, recent, when)
            print(
                f"{checkpoint:>7} stored: insert {per_insert * 1e3:.2f} ms/article CPU "
                f"(batches of {args.batch}, {fill_wall:.0f} s wall), "
                f"lookup {per_lookup * 1e3:.2f} ms/article CPU, {per_lookup_wall * 1e3:.2f} ms "
                f"wall ({found}/{args.probes} probes found a story)",
                flush=True,
            )
        size = (Path(folder) / "bench.db").stat().st_size / 1e6
        db.close()
        (Path(folder) / "bench.db").rename(files[checkpoints[-1]][0])
        base, base_wall = results[0][1], results[0][2]
        print(f"database size at {checkpoints[-1]} articles: {size:.0f} MB")
        for checkpoint, per_lookup, per_lookup_wall in results:
            print(
                f"lookup at {checkpoint:>7}: {per_lookup / base:.2f}x lookup at {results[0][0]} "
                f"in CPU time ({per_lookup_wall / base_wall:.2f}x wall), first pass",
                flush=True,
            )
        medians = interleaved(files, vocabulary, args.rounds, args.probes)
    for kind in CONNECTIONS:
        first = medians[checkpoints[0], kind]
        print(
            f"{kind}, median of {args.rounds} interleaved rounds: "
            + ", ".join(
                f"{size} {medians[size, kind] * 1e3:.2f} ms ({medians[size, kind] / first:.2f}x)"
                for size in checkpoints
            )
        )


if __name__ == "__main__":
    main()
