"""Stories and arrival order: the second labelled set (or the third, `--set 3`) stored in
publication order and in shuffled orders, one article at a time as a crawl meets them.

    .venv/bin/python bench/story_order.py [--set 2] [--orders 5] [--articles 0]

Each order goes to a fresh SQLite file through the path a crawl takes (crawler.storage.store,
one article per batch). For each it prints the pairwise precision and recall against the
labels, overall and on pairs of articles in two languages, and the CPU time of storing; then
the spread over the shuffled orders. A grouping that does not depend on arrival order gives the
same figures in every order; tests/test_story_set2.py asserts the publication-order figures,
tests/test_story_order.py one event's grouping in every order (tests/test_story_set3.py the
third set's, the held-out week). `--articles N` keeps the first N
articles by publication time (a quick run).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.core.canonical import url_key  # noqa: E402
from crawler.storage import store  # noqa: E402
from crawler.storage.importer import ImportRecord, import_records  # noqa: E402
from tests.story_corpus2 import LABELS, STORIES2_ROOT, labelled_articles  # noqa: E402

SETS = {2: STORIES2_ROOT, 3: ROOT / "tests" / "fixtures" / "stories3"}


def _scores(records: list[dict], story_of: dict[str, int], cross: bool) -> tuple[float, float]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(records, 2):
        if cross and a["language"] == b["language"]:
            continue
        truth = a["story"] == b["story"]
        grouped = story_of[a["url"]] == story_of[b["url"]]
        tp += truth and grouped
        fp += grouped and not truth
        fn += truth and not grouped
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def _store(records: list[dict], folder: Path) -> tuple[dict[str, int], float]:
    """The records stored one by one in this order into a new database: each one's story, and
    the CPU seconds the storing took."""
    db = store.open_database(folder / "stories.db")
    started = time.process_time()
    for line, record in enumerate(records, 1):
        fields = {k: v for k, v in record.items() if k not in LABELS}
        import_records(db, [ImportRecord(line=line, **fields)], alerts=False)
    cpu = time.process_time() - started
    rows = db.execute(
        "SELECT u.url_key, a.story_id FROM article_urls u JOIN articles a ON a.id = u.article_id"
    ).fetchall()
    db.close()
    stories = dict(rows)
    return {r["url"]: stories[url_key(r["url"])] for r in records}, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=int, choices=sorted(SETS), default=2, help="labelled set")
    parser.add_argument("--orders", type=int, default=5, help="shuffled orders (seeds 1..N)")
    parser.add_argument("--articles", type=int, default=0, help="the first N articles only")
    args = parser.parse_args()
    records = sorted(labelled_articles(SETS[args.set]), key=lambda r: r["published"])
    if args.articles:
        records = records[: args.articles]
    orders = [("publication order", records)]
    for seed in range(1, args.orders + 1):
        shuffled = list(records)
        random.Random(seed).shuffle(shuffled)
        orders.append((f"shuffled, seed {seed}", shuffled))
    print(f"set {args.set}: {len(records)} articles, {len({r['story'] for r in records})} events")
    found: list[tuple[float, float, float, float]] = []
    for name, order in orders:
        with tempfile.TemporaryDirectory(prefix="story-order-") as folder:
            stored, cpu = _store(order, Path(folder))
        story_of = stored
        overall = _scores(records, story_of, cross=False)
        cross = _scores(records, story_of, cross=True)
        stories = len(set(story_of.values()))
        print(
            f"{name:<20} precision {overall[0]:.3f}, recall {overall[1]:.3f}; two languages "
            f"precision {cross[0]:.3f}, recall {cross[1]:.3f}; {stories} stories; "
            f"storing {cpu:.2f} CPU-s"
        )
        if name != "publication order":
            found.append((*overall, *cross))
    if found:
        low = [min(f[i] for f in found) for i in range(4)]
        high = [max(f[i] for f in found) for i in range(4)]
        print(
            f"over {len(found)} shuffled orders: precision {low[0]:.3f}-{high[0]:.3f}, recall "
            f"{low[1]:.3f}-{high[1]:.3f}; two languages precision {low[2]:.3f}-{high[2]:.3f}, "
            f"recall {low[3]:.3f}-{high[3]:.3f}"
        )


if __name__ == "__main__":
    main()
