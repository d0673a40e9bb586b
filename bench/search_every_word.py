"""PostgreSQL's step 0013_search_every_word (French and English indexed without a stop list) on
copies of one database of `bench/reader.py`'s articles that the step before it left: its time,
the same step keeping the GIN index while the vectors are written (what it avoids), the size of
the index and the table before and after, and searches before and after.

    .venv/bin/python bench/search_every_word.py [--articles 100000] [--pairs 2] [--sqlite FILE]

The articles are bench/reader.py's (`--sqlite` takes a database it built, of any size: two
French articles for an Arabic one), copied into PostgreSQL (`veille db copy`'s function, the
storage owner's steps stopped before 0013). Each pair clones that database twice and runs the
step on one and the variant on the other (their order alternates), each in its transaction,
and compares every article's vector (an md5 of its text) between the two. The searches are
monitors.web.search.search's, 20 hits with snippets, best first, median of 5, on the database
before the step and after it. The cluster is started for the run (tests/postgres.py,
durability off as in the tests).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.step_copies import digests, step_base, timed  # noqa: E402
from crawler.storage import tables  # noqa: E402
from crawler.storage.store import open_database  # noqa: E402
from monitors.web.search import search  # noqa: E402
from tests.search_step import before_the_step  # noqa: E402

STEP = "0013_search_every_word"
# The step with the index kept: every new vector an entry per word in the GIN index.
INDEX_KEPT = tables.search_every_word.replace("DROP INDEX articles_search;", "").replace(
    "CREATE INDEX articles_search ON articles USING GIN (search);", ""
)
QUERIES = ("de", "les", "Maroc", '"conseil de gouvernement"', "supercalculateur")


def sizes(conn) -> str:
    table, index = conn.execute(
        "SELECT pg_total_relation_size('articles'), pg_relation_size('articles_search')"
    ).fetchone()
    mb = 2**20
    return f"articles with TOAST and indexes {table / mb:.0f} MB, GIN index {index / mb:.0f} MB"


def searches(location: str) -> str:
    db = open_database(location)
    try:
        said = []
        for query in QUERIES:
            times, hits = [], 0
            for _ in range(5):
                started = time.perf_counter()
                hits = len(search(db, query, limit=20))
                times.append(time.perf_counter() - started)
            said.append(f"{query} {statistics.median(times) * 1000:.0f} ms ({hits} hits)")
        return "; ".join(said)
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--sqlite", type=Path, help="a database bench/reader.py built")
    args = parser.parse_args()
    import psycopg

    with step_base(STEP, "every_word", args.articles, args.sqlite) as base:
        location = base.cluster.url(base.name)
        with psycopg.connect(location, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE articles")
            total, rewritten = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE split_part(language, '-', 1) "
                "IN ('fr', 'en')) FROM articles"
            ).fetchone()
            print(
                f"{total:,} articles, {rewritten:,} French or English, copied at 0012 in "
                f"{base.copy_seconds:.0f} s; {sizes(conn)}",
                flush=True,
            )
        with before_the_step(STEP):
            print(f"searches before: {searches(location)}", flush=True)
        for pair in range(args.pairs):
            runs = {"as it is": tables.search_every_word, "index kept": INDEX_KEPT}
            order = list(runs) if pair % 2 == 0 else list(reversed(runs))
            seconds, seen = {}, {}
            for label in order:
                name = f"every_word_{pair}_{label.split()[1]}"
                with base.clone(name) as conn:
                    load = os.getloadavg()[0]
                    seconds[label] = timed(conn, runs[label])
                    seen[label] = digests(conn)
                    print(
                        f"pair {pair + 1}, {label}: {seconds[label]:.1f} s (load {load:.1f}); "
                        f"{sizes(conn)}",
                        flush=True,
                    )
                    if pair == args.pairs - 1 and label == "as it is":
                        conn.execute("VACUUM ANALYZE articles")
                        conn.execute(
                            "INSERT INTO veille_migrations (owner, name, applied_at) "
                            "VALUES ('crawler.storage', %s, '2026-12-06T00:00:00Z')",
                            (STEP,),
                        )
                        print(f"after VACUUM: {sizes(conn)}", flush=True)
                        print(f"searches after: {searches(base.cluster.url(name))}", flush=True)
            same = seen["as it is"] == seen["index kept"]
            print(
                f"pair {pair + 1}: the index kept took "
                f"{seconds['index kept'] / seconds['as it is']:.1f}x as long; every vector "
                f"the same: {same} ({len(seen['as it is']):,})",
                flush=True,
            )
            if not same:
                sys.exit("the vectors differ")


if __name__ == "__main__":
    main()
