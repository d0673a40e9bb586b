"""A crawl's connection keeps little of the database in its process's memory
(store.read_through_small_cache): a crawl worker runs up to 8 crawls at once, each with its own
connection, and the pool recycles workers by their resident set."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scrapy.utils.test import get_crawler

from crawler.spiders.news import NewsSpider
from crawler.storage import store

# In a fresh interpreter: a full scan of a 24 MB table through a connection as veille opens it,
# then the memory that connection holds: the file's pages mapped in this process (from
# /proc/self/smaps) and the growth of the resident set.
_PROGRAM = """
import sys
from crawler.storage import store

def resident_kb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4

def mapped_kb(path):
    total, name = 0, ""
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split(" ", 1)[0]
            if "-" in head and not head.endswith(":"):
                parts = line.split()
                name = parts[5] if len(parts) > 5 else ""
            elif line.startswith("Rss:") and name == path:
                total += int(line.split()[1])
    return total

path, small = sys.argv[1], sys.argv[2] == "small"
db = store.open_database(path)
if small:
    store.read_through_small_cache(db)
before = resident_kb()
longest = db.execute("SELECT max(length(body)) FROM filler").fetchone()[0]
assert longest == 3000, longest
print(mapped_kb(path), resident_kb() - before)
"""


@pytest.fixture(scope="module")
def big_database(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "veille.db"
    db = store.open_database(path)
    db.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)")
    with db.conn:
        db.conn.executemany(
            "INSERT INTO filler (body) VALUES (?)",
            ((f"{i:08d}" + "x" * 2992,) for i in range(8000)),  # ~24 MB of table pages
        )
    db.close()
    return path


def _scan(path, mode: str) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM, str(path), mode],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    mapped, grown = out.split()
    return int(mapped), int(grown)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")
def test_a_crawl_connection_holds_little_of_the_file_whatever_it_reads(big_database):
    mapped, grown = _scan(big_database, "small")
    assert mapped == 0  # no memory map: nothing of the file counted in the resident set
    assert grown < 8 * 1024  # the 2 MB page cache and the query's own memory, not the 24 MB
    # What the same scan costs through the memory map veille's other connections keep.
    mapped, grown = _scan(big_database, "mapped")
    assert mapped > 16 * 1024 and grown > 16 * 1024


def test_a_crawl_in_a_worker_reads_through_the_small_cache(tmp_path):
    """The spider's connection: a worker runs up to 8 crawls at once, each with its own."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: x\n    homepage: https://x.example.ma/\n"
        "    feeds: [https://x.example.ma/feed]\n",
        encoding="utf-8",
    )
    db_path = tmp_path / "veille.db"
    spider = NewsSpider.from_crawler(
        get_crawler(NewsSpider), sources=str(sources), db=str(db_path), only="x"
    )
    try:
        assert spider.db.execute("PRAGMA mmap_size").fetchone()[0] == 0
        assert spider.db.execute("PRAGMA cache_size").fetchone()[0] == -store.CRAWL_PAGE_CACHE_KB
    finally:
        spider.db.close()


def test_the_daemons_delivery_job_reads_through_the_small_cache(tmp_path, monkeypatch):
    """The daemon's match and deliver job, every minute, on the connection it checked: it
    reads every new article's text, and through the memory map each page it read counted in
    the daemon's resident set, as a crawl job's did."""
    from monitors.service import cycle
    from monitors.service.config import load_config
    from monitors.service.daemon import Daemon

    from .conftest import make_settings

    seen: list[tuple[int, int]] = []
    matching = cycle.match_pending

    def match_pending(db, *args, **kwargs):
        pragmas = [
            db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("mmap_size", "cache_size")
        ]
        seen.append((pragmas[0], pragmas[1]))
        return matching(db, *args, **kwargs)

    monkeypatch.setattr(cycle, "match_pending", match_pending)
    sources, watchlists = tmp_path / "sources.yaml", tmp_path / "watchlists.yaml"
    sources.write_text(
        "sources:\n  - name: x\n    homepage: https://x.example.ma/\n"
        "    feeds: [https://x.example.ma/feed]\n",
        encoding="utf-8",
    )
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    config = load_config(make_settings(tmp_path, sources, watchlists))
    store.open_database(config.settings.db).close()
    Daemon(config)._deliver()
    assert seen == [(0, -store.CRAWL_PAGE_CACHE_KB)]
