"""`veille import` of 10,000 articles: wall time of the real command on a fresh SQLite file.

    .venv/bin/python bench/import_articles.py [--articles 10000]

The articles are the labelled week of tests/fixtures/stories (French and Arabic events covered by
several outlets, rubrics, look-alikes) repeated week after week, each repetition with its own
addresses, dates and an edition line, so that every article is new, stories form within each
week and rubrics recur. Prints the time of the whole command (checks, dedupe,
stories, FTS), its CPU time (user and system: what a loaded machine changes least), the rate,
how many articles joined another outlet's story, and the command's peak memory: its whole
resident set, and the part that is its own (anonymous memory, sampled every 50 ms) apart from
the file pages it maps (its libraries; the database's pages too, with an older veille that read
it through a memory map), which the kernel can drop at any time. `--curve SECONDS` prints, every
so many seconds while the import runs, the articles stored so far and the memory at that moment
(to follow a long run, and to compare sizes within one run). `--veille` times another veille
command (an older checkout's) in the same conditions.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
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


def _memory(pid: int) -> tuple[int, int]:
    """(anonymous, file-backed) resident kB of a process: its own memory, and the pages of the
    files it has mapped (its libraries, and the database where SQLite maps it)."""
    found = {"RssAnon": 0, "RssFile": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in found:
                found[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return found["RssAnon"], found["RssFile"]


def _stored(database: Path) -> int | None:
    """How many articles the import has stored so far (the largest article id: one index
    probe, read-only, between the import's write transactions)."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    except sqlite3.Error:
        return None  # not created yet, or busy: this point of the curve goes without a count


def timed_import(veille: str, path: Path, folder: str, curve: float = 0) -> dict:
    """Run `veille import` on the file: wall time, its JSON report, peak memory (resident
    set from the kernel, and its anonymous part sampled every 50 ms); every `curve` seconds
    (0: never) a line with the articles stored so far and the memory then."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [veille, "--db", f"{folder}/v.db", "import", "--json", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak_anon = peak_total = 0
    next_point = started + curve
    while process.poll() is None:
        anon, mapped = _memory(process.pid)
        peak_anon, peak_total = max(peak_anon, anon), max(peak_total, anon + mapped)
        if curve and time.perf_counter() >= next_point:
            next_point += curve
            stored = _stored(Path(folder) / "v.db")
            print(
                f"  {time.perf_counter() - started:7.0f} s  "
                f"{'?' if stored is None else stored:>7} stored  "
                f"resident {(anon + mapped) / 1024:6.1f} MB "
                f"(own {anon / 1024:6.1f}, files {mapped / 1024:6.1f}); "
                f"peak so far {peak_total / 1024:6.1f} (own {peak_anon / 1024:6.1f})",
                flush=True,
            )
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    out, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"veille import failed ({process.returncode}): {err[-2000:]}")
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": elapsed,
        "cpu_seconds": used.ru_utime + used.ru_stime,
        "report": json.loads(out),
        "peak_rss_mb": used.ru_maxrss / 1024,
        "peak_anon_mb": peak_anon / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument(
        "--veille",
        default=str(ROOT / ".venv/bin/veille"),
        help="the veille command to time (another checkout's, to compare versions)",
    )
    parser.add_argument(
        "--curve",
        type=float,
        default=0,
        metavar="SECONDS",
        help="print the articles stored and the memory every SECONDS while the import runs",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "articles.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for record in iter_records(args.articles):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        size = path.stat().st_size / 1e6
        run = timed_import(args.veille, path, folder, args.curve)
        database = sum(p.stat().st_size for p in Path(folder).glob("v.db*")) / 1e6
    report, elapsed = run["report"], run["seconds"]
    print(
        f"veille import of {report['new']} articles ({size:.1f} MB of JSON lines): "
        f"{elapsed:.1f} s, {report['new'] / elapsed:.0f} articles/s "
        f"({run['cpu_seconds']:.1f} CPU-seconds); "
        f"{report['stories_joined']} joined another outlet's story; database {database:.1f} MB "
        f"({database * 1e3 / max(report['new'], 1):.1f} kB per article, text, FTS and indexes); "
        f"peak memory {run['peak_rss_mb']:.0f} MB resident, {run['peak_anon_mb']:.0f} MB of it "
        "the process's own (the rest: pages of files it maps, its libraries)"
    )


if __name__ == "__main__":
    main()
