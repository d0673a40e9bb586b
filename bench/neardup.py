"""Near-duplicate index cost as the store grows: insert and lookup time per article at 1k, 10k
and 100k stored articles, in one run, on a real SQLite file.

    .venv/bin/python bench/neardup.py [--total 100000]   # measured at 1k, 10k and 100k

Articles are synthetic 120-word texts over a 5,000-word vocabulary, with a title, published at
1,000 a day (so the 72-hour story window holds some 6,000 of them, as on a server following a
thousand sources); every tenth is an edited copy of a recent one (so lookups find real
candidates). A lookup runs both paths of crawler.stories.grouping.find_story: shingles (copies) and title
and lead terms (rewrites). Target: lookup at 100k no more than 3x lookup at 1k.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.core.normalize import content_hash
from crawler.storage import store
from crawler.stories.fingerprint import fingerprint
from crawler.stories.grouping import find_story

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(7)
    vocabulary = [f"mot{i}" for i in range(5_000)]
    # A hundredth, a tenth and the whole: 1k, 10k and 100k by default.
    checkpoints = sorted({max(1, args.total // 100), max(1, args.total // 10), args.total})
    with tempfile.TemporaryDirectory() as folder:
        db = store.open_database(Path(folder) / "bench.db")
        db.conn.execute("INSERT INTO sources(name) VALUES ('bench')")
        db.conn.commit()
        texts: list[str] = []
        insert_time = 0.0
        inserted = 0
        results = []
        for checkpoint in checkpoints:
            batch_start = inserted
            started = time.perf_counter()
            while inserted < checkpoint:
                text = (
                    edit(rng.choice(texts[-RECENT:]), rng)
                    if texts and inserted % 10 == 9
                    else make_text(rng, vocabulary)
                )
                texts.append(text)
                article = store.StoredArticle(
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
                store.store_article(db, article)
                inserted += 1
            insert_time = time.perf_counter() - started
            per_insert = insert_time / (inserted - batch_start)
            # Lookups: fresh texts, half of them edited copies of stored ones.
            probe_texts = [
                edit(rng.choice(texts[-RECENT:]), rng) if i % 2 else make_text(rng, vocabulary)
                for i in range(500)
            ]
            probes = [(fingerprint(text), text) for text in probe_texts]
            when = published(inserted)
            started = time.perf_counter()
            found = sum(
                find_story(db, fp, source="probe", title=title_of(text), text=text, when=when)
                is not None
                for fp, text in probes
            )
            per_lookup = (time.perf_counter() - started) / len(probes)
            results.append((checkpoint, per_insert, per_lookup, found))
            print(
                f"{checkpoint:>7} stored: insert {per_insert * 1e3:.2f} ms/article, "
                f"lookup {per_lookup * 1e3:.2f} ms/article ({found}/500 probes found a story)",
                flush=True,
            )
        size = (Path(folder) / "bench.db").stat().st_size / 1e6
    base = results[0][2]
    print(f"database size at {inserted} articles: {size:.0f} MB")
    for checkpoint, _, per_lookup, _ in results:
        print(f"lookup at {checkpoint:>7}: {per_lookup / base:.2f}x lookup at {results[0][0]}")


if __name__ == "__main__":
    main()
