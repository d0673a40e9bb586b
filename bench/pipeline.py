"""Pipeline throughput: articles per second from fetched HTML to stored and matched, against bare
`trafilatura.extract` on the same pages, in one run.

    .venv/bin/python bench/pipeline.py [--pages 400] [--repeat 3]

The pipeline side runs the crawler's own item pipelines (extraction with metadata and boilerplate
pruning, canonical URL and body hash, duplicate checks, storage in batches with FTS5,
near-duplicate fingerprint and story) into a fresh SQLite file, then the match step against the
bundled watchlists (matches, alerts and deliveries written). The pages are distinct articles and
syndicated copies in the fixture sites' templates (bench/pages.py), at two weights: the fixture
templates as they are, and "full" pages carrying the menus, teasers and scripts of real sites.
Each side runs --repeat times, interleaved; the best run of each is compared, in wall-clock time
and in CPU time (this process's, which other work on a shared machine inflates less), both from
the first page in to the last match out: creating the database and opening the stages (once per
crawl worker or per crawl in production, not per page) is printed apart, with the ratio it would
give if counted. Target: at least 0.8x. The pipeline's CPU time of its best run is also split by stage: extraction, the
canonical URL, body hash and MinHash fingerprint, the duplicate checks, storing (with FTS5 and
the story step, batches written at the end included), matching; and the garbage collections
during the pipeline's best run, by generation, with their CPU time.

Like a crawl worker and its extraction process, which run every stage in production, the bench
keeps its start-up objects (modules, the watchlists) out of the collector's reach
(`gc.freeze()`) before measuring: without it, a full collection walking the 90,000 objects of
start-up lands in some runs (0.05-0.09 CPU-s for the 400 fixture pages, none in the others),
which the workers never pay.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import Page, bench_pages  # noqa: E402
from scrapy.exceptions import DropItem  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from crawler.bookkeeping import CrawlBookkeeping  # noqa: E402
from crawler.core.children import freeze_startup_objects  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from crawler.journal import CrawlJournal  # noqa: E402
from crawler.pipelines import (  # noqa: E402
    CanonicalPipeline,
    DedupePipeline,
    ExtractPipeline,
    StorePipeline,
)
from crawler.storage import store  # noqa: E402
from monitors.alerts.outbox import match_pending  # noqa: E402
from monitors.service.watchlists import load_watchlists  # noqa: E402
from seeds import BUNDLED_WATCHLISTS  # noqa: E402


def run_bare(pages: list[Page]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of bare trafilatura.extract on the pages."""
    started, cpu = time.perf_counter(), time.process_time()
    for page in pages:
        trafilatura.extract(page.html, url=page.url)
    return time.perf_counter() - started, time.process_time() - cpu


# The stages' names in the CPU split (StorePipeline's includes the batches it writes at the end).
STAGES = ("extract", "canonical", "dedupe", "store", "match")


async def _through(stages: list, pages: list[Page], spent: dict[str, float] | None = None) -> None:
    """Each page through the stages in order, as Scrapy passes an item (awaiting the async
    ones); a dropped page goes no further. With `spent`, each stage's CPU seconds are added to
    it under its name in STAGES."""
    clock = time.process_time
    for page in pages:
        item = ArticleItem("bench", page.url, page.html, seen_urls=[page.url])
        try:
            for name, stage in zip(STAGES, stages, strict=False):
                started = clock()
                try:
                    item = stage.process_item(item)
                    if inspect.isawaitable(item):
                        item = await item
                finally:
                    if spent is not None:
                        spent[name] = spent.get(name, 0.0) + clock() - started
        except DropItem:
            continue


def run_pipeline(
    pages: list[Page],
    rules,
    folder: Path,
    stored_before: list[Page] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    spent: dict[str, float] | None = None,
    cpu_span: list[float] | None = None,
) -> tuple[float, int, int, int]:
    """Seconds for the whole pipeline (by `clock`: wall-clock time unless told), articles
    stored, matches and alerts written. Timed from the first page in to the last match out: the
    database's creation and the stages' opening before (once per crawl worker or per crawl, not
    per page) are not. With `stored_before`, those pages go through first, unmeasured and not
    counted: the database then holds what a crawl worker's holds when `pages` arrive (their
    stories' window). With `spent`, each stage's CPU seconds (STAGES) are added to it; with
    `cpu_span`, this process's CPU seconds over the same span as `clock`'s are appended to it."""
    db = store.open_database(folder / "bench.db")
    db.conn.execute("INSERT INTO sources(name) VALUES ('bench')")
    db.conn.commit()
    # The store stage says what it stored by signals; the crawl's bookkeeping extension counts
    # it and keeps the journal the stages take, as in a crawl.
    crawler = get_crawler(settings_dict={"EXTENSIONS": {CrawlBookkeeping: 500}})
    journal = CrawlJournal(db, store.start_run(db, ["bench"]), crawler)
    crawler.get_extension(CrawlBookkeeping).journal = journal
    stages = [
        ExtractPipeline(crawler),
        CanonicalPipeline(crawler),
        DedupePipeline(crawler),
        StorePipeline(crawler),
    ]
    for stage in stages:
        if isinstance(stage, ExtractPipeline):
            # Not its open_spider, which starts the crawl's extraction process: the page is
            # extracted in this thread, as bare trafilatura is, so both sides do the same work.
            stage.journal = journal
        else:
            stage.open_spider()
    if stored_before:
        asyncio.run(_through(stages, stored_before))
        stages[-1].finish()
        match_pending(db, *rules, max_age=None)
    before = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    started, cpu_started = clock(), time.process_time()
    asyncio.run(_through(stages, pages, spent))
    cpu = time.process_time()
    stages[-1].finish()
    flushed = time.process_time()
    report = match_pending(db, *rules, max_age=None)
    elapsed = clock() - started
    if cpu_span is not None:
        cpu_span.append(time.process_time() - cpu_started)
    if spent is not None:
        spent["store"] = spent.get("store", 0.0) + flushed - cpu
        spent["match"] = spent.get("match", 0.0) + time.process_time() - flushed
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0] - before
    failures = db.execute("SELECT kind, url, message FROM crawl_errors LIMIT 3").fetchall()
    if failures:
        raise SystemExit(f"pipeline errors: {failures}")
    db.conn.close()
    return elapsed, stored, report.matches, report.alerts


class Collections:
    """The garbage collections run while counting: how many of each generation, and their CPU
    seconds (gc.callbacks)."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.counts[info["generation"]] += 1
            self.seconds += time.process_time() - self._started

    def __enter__(self) -> Collections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def measure(weight: str, count: int, repeat: int, rules) -> None:
    pages = bench_pages(count, weight)
    size = sum(len(p.html.encode("utf-8")) for p in pages) / len(pages) / 1024
    bare_wall, bare_cpu, pipe_wall, pipe_cpu, splits, collected = [], [], [], [], [], []
    whole_cpu: list[float] = []  # with the database's creation and the stages' opening
    for _ in range(repeat):  # interleaved, so that a busy moment hits both sides
        wall, cpu = run_bare(pages)
        bare_wall.append(wall)
        bare_cpu.append(cpu)
        spent: dict[str, float] = {}
        started = time.process_time()
        with tempfile.TemporaryDirectory() as folder, Collections() as collections:
            elapsed, stored, matches, alerts = run_pipeline(
                pages, rules, Path(folder), spent=spent, cpu_span=pipe_cpu
            )
            whole_cpu.append(time.process_time() - started)
        collected.append(collections)
        pipe_wall.append(elapsed)
        splits.append(spent)
    best_bare, best_pipe = min(bare_cpu), min(pipe_cpu)
    best = pipe_cpu.index(best_pipe)
    split = splits[best]
    collections = collected[pipe_cpu.index(best_pipe)]
    print(f"\n{weight} pages: {len(pages)} pages, {size:.1f} KB each on average")
    print(f"  stored {stored} articles, {matches} matches, {alerts} alerts")
    print(
        f"  bare trafilatura.extract : {len(pages) / min(bare_wall):7.1f} articles/s, "
        f"{best_bare:6.2f} CPU-s"
    )
    print(
        f"  veille pipeline          : {len(pages) / min(pipe_wall):7.1f} articles/s, "
        f"{best_pipe:6.2f} CPU-s  (extract → store → match)"
    )
    print(
        "  CPU by stage             : "
        + ", ".join(f"{name} {split.get(name, 0.0):.2f}" for name in STAGES)
        + f" (the rest {best_pipe - sum(split.values()):.2f}: items made, stages called)"
    )
    print(
        f"  set-up, not counted      : {whole_cpu[best] - best_pipe:6.2f} CPU-s "
        "(database created, stages opened; with it the CPU ratio is "
        f"{best_bare / min(whole_cpu):.2f})"
    )
    print(
        f"  garbage collections      : {collections.seconds:.3f} CPU-s of it "
        f"({'/'.join(map(str, collections.counts))} of generations 0/1/2; "
        f"{gc.get_freeze_count()} start-up objects frozen, as in a crawl worker)"
    )
    print(
        f"  ratio pipeline / bare    : {min(bare_wall) / min(pipe_wall):7.2f} wall-clock, "
        f"{best_bare / best_pipe:.2f} CPU  (target >= 0.80)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rules = load_watchlists(BUNDLED_WATCHLISTS)
    freeze_startup_objects()  # as a crawl worker and its extraction process do after start-up
    for weight in ("fixture", "full"):
        measure(weight, args.pages, args.repeat, rules)


if __name__ == "__main__":
    main()
