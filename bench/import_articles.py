"""`veille import` of 10,000 articles: wall time of the real command on a fresh SQLite file.

    .venv/bin/python bench/import_articles.py [--articles 10000]

The articles are the labelled week of tests/fixtures/stories (French and Arabic events covered by
several outlets, rubrics, look-alikes) repeated week after week, each repetition with its own
addresses, dates and an edition line, so that every article is new, stories form within each
week and rubrics recur. Prints the time of the whole command (checks, dedupe, stories, FTS) and
the rate, and how many articles joined another outlet's story.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extraction.dates import parse_date  # noqa: E402
from tests.story_corpus import labelled_articles  # noqa: E402


def iter_records(total: int) -> Iterator[dict]:
    """The records one at a time (a 100,000-article run never holds them all)."""
    week = labelled_articles()
    made = 0
    repetition = 0
    while made < total:
        for record in week:
            if made == total:
                return
            when = parse_date(record["published"]) + timedelta(weeks=repetition)
            made += 1
            yield {
                "url": f"{record['url'].rstrip('/')}-e{repetition}",
                "title": record["title"],
                "text": f"{record['text']}\nÉdition {repetition + 1}.",
                "published": when.isoformat(),
                "source": record["source"],
                "language": record["language"],
            }
        repetition += 1


def records(total: int) -> list[dict]:
    return list(iter_records(total))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "articles.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for record in records(args.articles):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        size = path.stat().st_size / 1e6
        started = time.perf_counter()
        result = subprocess.run(
            [
                str(ROOT / ".venv/bin/veille"),
                "--db",
                f"{folder}/v.db",
                "import",
                "--json",
                str(path),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - started
        report = json.loads(result.stdout)
        database = sum(p.stat().st_size for p in Path(folder).glob("v.db*")) / 1e6
    print(
        f"veille import of {report['new']} articles ({size:.1f} MB of JSON lines): "
        f"{elapsed:.1f} s, {report['new'] / elapsed:.0f} articles/s; "
        f"{report['stories_joined']} joined another outlet's story; database {database:.1f} MB "
        f"({database * 1e3 / max(report['new'], 1):.1f} kB per article, text, FTS and indexes)"
    )


if __name__ == "__main__":
    main()
