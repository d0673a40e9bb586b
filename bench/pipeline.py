"""Pipeline throughput: articles per second from fetched HTML to stored and matched, against bare
`trafilatura.extract` on the same pages, in one run.

    .venv/bin/python bench/pipeline.py [--pages 400]

The pipeline stage is what the crawler and the matcher do per article: extraction with metadata
and boilerplate pruning, canonical URL, content hash, near-duplicate fingerprint and story,
SQLite insert (with FTS5), and matching against the bundled watchlists. Target: at least 0.8x.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import trafilatura

from crawler import store
from crawler.extract import extract_article
from crawler.fingerprint import fingerprint
from crawler.normalize import content_hash
from monitors.config import SEEDS_DIR
from monitors.demo_sites import DEMO_SITES_ROOT
from monitors.outbox import match_pending
from monitors.rules import load_rules


def load_pages(count: int) -> list[tuple[str, str]]:
    """The fixture article pages, each copy made unique (as distinct articles would be)."""
    files = [
        p for p in DEMO_SITES_ROOT.rglob("index.html") if p.parent.name not in ("technologie",)
    ]
    files = [p for p in files if "<article" in p.read_text(encoding="utf-8")]
    pages = []
    for i in range(count):
        path = files[i % len(files)]
        html = path.read_text(encoding="utf-8").replace("{{BASE}}", "https://site.ma")
        html = html.replace(
            '<div class="entry-content">',
            f'<div class="entry-content"><p>Édition {i} : dépêche mise à jour par le service.</p>',
            1,
        )
        pages.append((f"https://site.ma/{path.parent.name}-{i}/", html))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    args = parser.parse_args()
    pages = load_pages(args.pages)
    rules = load_rules(SEEDS_DIR / "watchlists.yaml")

    started = time.perf_counter()
    for url, html in pages:
        trafilatura.extract(html, url=url)
    bare = len(pages) / (time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as folder:
        db = store.open_database(Path(folder) / "bench.db")
        db.conn.execute("INSERT INTO sources(name) VALUES ('bench')")
        db.conn.commit()
        started = time.perf_counter()
        for url, html in pages:
            extracted = extract_article(html, url)
            article = store.StoredArticle(
                "bench",
                url,  # each copy is a distinct article here
                extracted.title,
                extracted.author,
                extracted.published,
                extracted.language,
                extracted.sitename,
                extracted.description,
                extracted.text,
                content_hash(extracted.text),
                fingerprint=fingerprint(extracted.text),
            )
            store.store_article(db, article)
        match_pending(db, rules, max_age=None)
        pipeline = len(pages) / (time.perf_counter() - started)
        stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"{len(pages)} pages ({stored} stored)")
    print(f"bare trafilatura.extract : {bare:7.1f} articles/s")
    print(
        f"veille pipeline          : {pipeline:7.1f} articles/s  (extract + store + stories + match)"
    )
    print(f"ratio pipeline / bare    : {pipeline / bare:7.2f}  (target >= 0.80)")


if __name__ == "__main__":
    main()
