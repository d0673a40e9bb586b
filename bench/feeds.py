"""CPU per feed and sitemap read by discovery: feedparser (how every feed was read before) against the lxml
path (crawler.discovery.feed_xml, feedparser kept for any feed off the common shape), on feeds
as Moroccan news sites serve them (bench/feed_corpus.py: WordPress RSS in French and Arabic,
Arc XP RSS, WordPress Atom, RSS 1.0), in one process, the two interleaved round by round; and
a Google News sitemap's reading now (one pass over each <url>) against the one before
(findtext per field, kept in bench/feed_corpus.py).

    .venv/bin/python bench/feeds.py                        # 20 and 50 items, 30 rounds
    .venv/bin/python bench/feeds.py --items 30 --rounds 5 --sitemap-urls 200

CPU time (time.process_time), medians over the rounds. Both readings must give the same
Discovery (links, titles, dates, problem): the script stops otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import feed_corpus  # noqa: E402

from crawler.discovery import discover  # noqa: E402


def _cpu(read, feed: feed_corpus.Feed, times: int) -> float:
    """Milliseconds of CPU per reading of `feed`."""
    start = time.process_time()
    for _ in range(times):
        read(feed.body, feed.url, feed.content_type)
    return (time.process_time() - start) * 1000 / times


def _feedparser(body: bytes, url: str, content_type: str) -> discover.Discovery:
    return discover._parse_feed_with_feedparser(body, url, content_type or "application/xml")


def measure(items: int, rounds: int) -> tuple[float, float]:
    """Prints each feed's figures; returns the total milliseconds per reading of all feeds
    (feedparser, lxml)."""
    feeds = feed_corpus.realistic(items)
    for feed in feeds:
        new, old = (
            discover.parse_feed(feed.body, feed.url, feed.content_type),
            _feedparser(feed.body, feed.url, feed.content_type),
        )
        if new != old:
            sys.exit(f"{feed.name}: the lxml path reads {new} where feedparser reads {old}")
    old_total = new_total = 0.0
    print(f"{items} items a feed, CPU ms per reading (median of {rounds} rounds):")
    for feed in feeds:
        old_times, new_times = [], []
        for _ in range(rounds):
            old_times.append(_cpu(_feedparser, feed, 3))
            new_times.append(_cpu(discover.parse_feed, feed, 3))
        old, new = statistics.median(old_times), statistics.median(new_times)
        old_total += old
        new_total += new
        print(
            f"  {feed.name:24} {len(feed.body) / 1024:6.1f} kB  feedparser {old:6.2f} ms"
            f"  lxml {new:5.2f} ms  {old / new:5.1f}x less CPU"
        )
    print(
        f"  all {len(feeds)} feeds: feedparser {old_total:.2f} ms, lxml {new_total:.2f} ms: "
        f"{old_total / new_total:.1f}x less CPU; per entry {old_total / len(feeds) / items:.3f}"
        f" vs {new_total / len(feeds) / items:.3f} ms"
    )
    return old_total, new_total


def measure_sitemaps(urls: int, rounds: int) -> None:
    """A news sitemap's reading before its single pass over each <url> and now."""
    print(f"news sitemaps of {urls} URLs, CPU ms per reading (median of {rounds} rounds):")
    for arabic in (False, True):
        body = feed_corpus.news_sitemap(urls, arabic)
        url = feed_corpus.SITEMAP_URL
        if discover.parse_sitemap(body, url) != feed_corpus.parse_sitemap_before(body, url):
            sys.exit("the sitemap's reading differs from the one before")
        before, now = [], []
        for _ in range(rounds):
            for times, read in (
                (before, feed_corpus.parse_sitemap_before),
                (now, discover.parse_sitemap),
            ):
                start = time.process_time()
                read(body, url)
                times.append((time.process_time() - start) * 1000)
        old, new = statistics.median(before), statistics.median(now)
        name = "Arabic" if arabic else "French"
        print(
            f"  news sitemap, {name:7} {len(body) / 1024:6.1f} kB  before {old:6.2f} ms"
            f"  now {new:6.2f} ms  {old / new:5.1f}x less CPU"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, action="append", help="items a feed (repeatable)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--sitemap-urls", type=int, default=1000, help="URLs a news sitemap")
    args = parser.parse_args()
    print(f"load average at the start {_load()}")
    for items in args.items or [20, 50]:
        measure(items, args.rounds)
    measure_sitemaps(args.sitemap_urls, args.rounds)
    print(f"load average at the end {_load()}")


def _load() -> str:
    with open("/proc/loadavg") as load:
        return " ".join(load.read().split()[:3])


if __name__ == "__main__":
    main()
