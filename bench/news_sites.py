"""News sites on loopback for the daemon benches: N sources, each its own port (its own "domain"
for politeness), each with an RSS feed of its latest articles, in a process of its own so that
its CPU and memory are not counted as veille's.

The sites publish on a clock the bench moves (`SiteClock.advance`): source i publishes a new
article every `4 + i % 12` ticks, so about 14 of 100 sources have news at each tick and the
others answer their feed with 304 (ETags on everything, as news sites' CDNs do).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import resource
from pathlib import Path

import loopback  # beside this file: the benches put their folder on sys.path

BACKLOG = 3  # articles each source has before the first tick
FEED_ITEMS = 10

_VOCABULARY = (
    "le ministère a présenté à Rabat un programme de numérisation des services publics destiné "
    "aux collectivités territoriales et aux entreprises de la région selon un communiqué publié "
    "mardi par l'agence nationale qui prévoit des investissements dans les infrastructures la "
    "formation des jeunes et l'accompagnement des startups marocaines dans le secteur du "
    "numérique la banque centrale le conseil de gouvernement les opérateurs télécoms la 5G "
    "Casablanca Tanger Marrakech Agadir le cloud souverain l'intelligence artificielle les "
    "données personnelles la cybersécurité le commerce électronique l'emploi l'énergie solaire"
)
WORDS = _VOCABULARY.split()
ARTICLE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="{date}"></head><body>
<nav><a href="/">Accueil</a> <a href="/eco">Économie</a> <a href="/tech">Tech</a></nav>
<article><h1>{title}</h1>{paragraphs}</article><footer>© 2026 {source}</footer></body></html>"""
FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{source}</title>
<link>{base}/</link><description>Actualité</description>{items}</channel></rss>"""
ITEM = "<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>"


def period(source: int) -> int:
    """Ticks between two articles of source `source`."""
    return 4 + source % 12


def published(source: int, tick: int) -> int:
    """How many articles source `source` has published by `tick`."""
    return BACKLOG + max(0, tick) // period(source)


def article_count(sources: int, tick: int) -> int:
    return sum(published(i, tick) for i in range(sources))


def _title(source: int, number: int) -> str:
    rng = random.Random(source * 100_003 + number)
    return f"s{source} n°{number}: " + " ".join(rng.choice(WORDS) for _ in range(8))


def _date(number: int, rfc822: bool) -> str:
    day, hour = 1 + number // 24 % 28, number % 24
    if rfc822:
        return f"Tue, {day:02d} Dec 2026 {hour:02d}:00:00 +0000"
    return f"2026-12-{day:02d}T{hour:02d}:00:00+00:00"


def article_page(source: int, number: int) -> bytes:
    rng = random.Random(source * 7_919 + number * 31)
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 70))) + ".</p>"
        for _ in range(5)
    )
    return ARTICLE.format(
        title=_title(source, number),
        date=_date(number, rfc822=False),
        paragraphs=paragraphs,
        source=f"s{source}",
    ).encode()


def feed(source: int, tick: int, base: str) -> bytes:
    last = published(source, tick)
    items = "".join(
        ITEM.format(title=_title(source, n), link=f"{base}/a{n}", date=_date(n, rfc822=True))
        for n in range(last, max(0, last - FEED_ITEMS), -1)
    )
    return FEED.format(source=f"s{source}", base=base, items=items).encode()


def _page(source: int, path: str, host: str, tick: int) -> tuple[bytes, str] | None:
    base = f"http://{host}"
    if path == "/feed.xml":
        return feed(source, tick, base), "application/rss+xml"
    if path.startswith("/a") and path[2:].isdigit():
        number = int(path[2:])
        if 0 < number <= published(source, tick):
            return article_page(source, number), "text/html; charset=utf-8"
    return None


def _handler(source: int, clock):
    async def answer(reader, writer) -> None:
        """One request per connection; 304 when the client has the page's ETag."""
        await loopback.answer(
            reader,
            writer,
            lambda path, headers: _page(source, path, headers.get("host", ""), clock.value),
        )

    return answer


def _serve(count: int, clock, ports: multiprocessing.Queue) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    async def main() -> None:
        servers = [
            await asyncio.start_server(_handler(i, clock), "127.0.0.1", 0) for i in range(count)
        ]
        ports.put([server.sockets[0].getsockname()[1] for server in servers])
        await asyncio.Event().wait()

    asyncio.run(main())


class NewsSites:
    """`count` sites served by a child process; `advance()` moves their clock one tick."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.clock = multiprocessing.Value("i", 0)
        queue: multiprocessing.Queue = multiprocessing.Queue()
        self.process = multiprocessing.Process(
            target=_serve, args=(count, self.clock, queue), daemon=True
        )
        self.process.start()
        self.ports: list[int] = queue.get(timeout=120)

    @property
    def tick(self) -> int:
        return self.clock.value

    def advance(self) -> None:
        with self.clock.get_lock():
            self.clock.value += 1

    def write_sources(self, path: Path) -> Path:
        lines = ["sources:"]
        for i, port in enumerate(self.ports):
            base = f"http://127.0.0.1:{port}"
            lines.append(f"  - name: s{i}\n    homepage: {base}/\n    feeds: [{base}/feed.xml]")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def stop(self) -> None:
        self.process.terminate()
        self.process.join()
