"""`veille status` on a large database: 100,000 articles from 50 sources (rows written directly,
with stories, matches and alerts), then the time to open the database and gather the status,
in-process and as the command a user runs.

    .venv/bin/python bench/status_large.py [--articles 100000]

Opening an up-to-date database reads its recorded steps and one meta row: no migration, no scan.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.storage import store  # noqa: E402
from monitors.service.status import gather_status  # noqa: E402


def fill(path: Path, count: int) -> None:
    db = store.open_database(path)
    sources = [f"source{i}" for i in range(50)]
    with db.conn:
        db.conn.executemany(
            "INSERT INTO sources(name, title, last_success_at) VALUES (?, ?, ?)",
            [(s, s.title(), "2026-11-30T06:00:00Z") for s in sources],
        )
        db.conn.executemany(
            "INSERT INTO stories(id, first_seen, title, updated_at) VALUES (?, ?, ?, ?)",
            [
                (i, "2026-11-01T00:00:00Z", f"story {i}", "2026-11-01T00:00:00Z")
                for i in range(1, count // 2 + 1)
            ],
        )
        db.conn.executemany(
            "INSERT INTO articles(id, source, url, url_key, title, text, content_hash, "
            "fetched_at, published, story_id, matched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    i,
                    sources[i % 50],
                    f"https://s{i % 50}.example.ma/{i}",
                    f"s{i % 50}.example.ma/{i}",
                    f"Article {i}",
                    "Le texte de l'article, assez long pour ressembler à un vrai. " * 20,
                    f"hash{i}",
                    f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}T10:00:00Z",
                    f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}T09:00:00Z",
                    1 + i % (count // 2),
                    "2026-11-30T06:00:00Z",
                )
                for i in range(1, count + 1)
            ],
        )
        db.conn.executemany(
            # articles of months ago: matched, not alerted (too old), as the match step records
            "INSERT INTO matches(id, article_id, watchlist, terms, snippet, matched_at, "
            "not_alerted) VALUES (?, ?, 'w', '[]', '', '2026-11-30T06:00:00Z', 'too-old')",
            [(i, i) for i in range(1, count + 1, 20)],
        )
    db.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "veille.db"
        started = time.perf_counter()
        fill(path, args.articles)
        print(f"{args.articles} articles written in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        db = store.open_database(path)
        opened = time.perf_counter() - started
        started = time.perf_counter()
        status = gather_status(db)
        gathered = time.perf_counter() - started
        print(
            f"open_database {opened * 1000:.1f} ms, gather_status {gathered * 1000:.0f} ms "
            f"({status.articles} articles, {len(status.sources)} sources)"
        )
        command = [str(ROOT / ".venv/bin/veille"), "--db", str(path)]

        def best_of_three(*words: str) -> float:
            times = []
            for _ in range(3):
                started = time.perf_counter()
                subprocess.run([*command, *words], check=True, capture_output=True)
                times.append(time.perf_counter() - started)
            return min(times)

        whole, bare = best_of_three("status"), best_of_three("--help")
        print(
            f"`veille status`: {whole:.2f} s in all, of which {bare:.2f} s start Python and load "
            f"the command (`veille --help`): {whole - bare:.2f} s for the status itself"
        )


if __name__ == "__main__":
    main()
