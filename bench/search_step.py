"""PostgreSQL's step 0011_search_primary_language: the step as it is against the step as first
written (every article's search vector computed again), on copies of one database of
`bench/reader.py`'s articles that the step before it left.

    .venv/bin/python bench/search_step.py [--articles 100000] [--regions 20] [--pairs 3] [--sqlite FILE]

The articles are bench/reader.py's (`--sqlite` takes a database it built, of any size), copied
into PostgreSQL (`veille db copy`'s function, the storage owner's steps stopped before 0011), one
article in `--regions` then given its language's region (« fr-MA », « ar-MA », « en-MA »), as
`veille import` stores them. Each pair clones that database twice and runs the step as first
written on one and as it is on the other, one after the other (their order alternates), each in
its transaction, and compares every article's vector (an md5 of its text) between the two. Then,
on each, the cost of what the step changed for later work: storing 2,000 articles again (their
vectors computed by the generated column or by the trigger) and a change of 5,000 articles'
story hour (a generated column is computed again at every change of its row). The cluster is
started for the run (tests/postgres.py, durability off as in the tests).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.step_copies import digests, step_base, timed  # noqa: E402
from crawler.storage import tables  # noqa: E402
from tests.search_step import FIRST_WRITTEN, STEP  # noqa: E402

STORE_AGAIN = """
    INSERT INTO articles (source, url, url_key, title, text, language, content_hash, fetched_at)
    SELECT source, url || '#again', url_key || '#again', title, text, language,
           content_hash || '#again', fetched_at
    FROM articles ORDER BY id LIMIT 2000
"""
CHANGE_HOURS = "UPDATE articles SET story_hour = story_hour WHERE id <= 5000"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--regions", type=int, default=20, help="one article in N has a region")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--sqlite", type=Path, help="a database bench/reader.py built")
    args = parser.parse_args()
    import psycopg

    with step_base(STEP, "step", args.articles, args.sqlite) as base:
        with psycopg.connect(base.cluster.url(base.name), autocommit=True) as conn:
            conn.execute(
                "UPDATE articles SET language = language || '-MA' "
                "WHERE id %% %s = 0 AND language IS NOT NULL",
                (args.regions,),
            )
            conn.execute("VACUUM ANALYZE articles")
            total, regions = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE strpos(language, '-') > 0) FROM articles"
            ).fetchone()
        print(
            f"{total:,} articles, {regions:,} with a region, copied at 0010 in "
            f"{base.copy_seconds:.0f} s",
            flush=True,
        )
        for pair in range(args.pairs):
            runs = {"first written": FIRST_WRITTEN, "as it is": tables.search_kept_by_trigger}
            order = list(runs) if pair % 2 == 0 else list(reversed(runs))
            seconds, seen, later = {}, {}, {}
            for label in order:
                name = f"step_{pair}_{'first' if label == 'first written' else 'now'}"
                with base.clone(name) as conn:
                    load = os.getloadavg()[0]
                    seconds[label] = timed(conn, runs[label])
                    seen[label] = digests(conn)
                    later[label] = (timed(conn, STORE_AGAIN), timed(conn, CHANGE_HOURS))
                print(
                    f"pair {pair + 1}, {label}: {seconds[label]:.1f} s (load {load:.1f}); "
                    f"then 2,000 stored {later[label][0]:.2f} s, 5,000 changed "
                    f"{later[label][1]:.2f} s",
                    flush=True,
                )
            same = seen["first written"] == seen["as it is"]
            print(
                f"pair {pair + 1}: {seconds['first written'] / seconds['as it is']:.0f}x "
                f"less time; every vector the same: {same} ({len(seen['as it is']):,})",
                flush=True,
            )
            if not same:
                sys.exit("the vectors differ")


if __name__ == "__main__":
    main()
