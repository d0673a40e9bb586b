"""Generated pages of some 300 KB in the shapes that made extraction slow, and a loopback site
that serves them beside a feed listing them.

Each shape is far under the page's tag and size limits (MAX_PAGE_TAGS, DOWNLOAD_MAXSIZE). The
first three cost minutes in veille's own extraction code before it was bounded (over 40 s each at
300 KB, the first 459 s); the next three walk the same helpers and were measured linear already
(under 4 s), kept so that they stay so. The last one is slow inside trafilatura itself, where only
the per-page time budget holds (see docs/extraction.md).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .hostile import FRENCH_TEXT

SIZE = 300_000


def _article(extra: str, head: str = "", title: str = "Fonds d'amorçage") -> str:
    """A real article (title, two paragraphs) with `extra` markup after its text."""
    return (
        f"<html lang='fr'><head><title>{title}</title>{head}</head><body><article>"
        f"<h1>{title}</h1><p>{FRENCH_TEXT}</p><p>{FRENCH_TEXT}</p>{extra}</article></body></html>"
    )


def _repeat(piece: Callable[[int], str], size: int) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        parts.append(piece(i))
        total += len(parts[-1])
        i += 1
    return "".join(parts)


def republication_lines(size: int = SIZE) -> str:
    """One <div> of `<br>publié dans …` lines with no date: the republication finder read the
    whole <div> for each line (459 s at 300 KB)."""
    lines = _repeat(lambda i: f"<br>publié dans la rubrique économie numéro {i} ", size)
    return _article(f"<div>{lines}</div>")


def republication_tails(size: int = SIZE) -> str:
    """The same notices as text after inline elements (`<b>…</b>publié dans …`), whose block is
    their element's parent."""
    lines = _repeat(lambda i: f"<b>{i}</b> publié dans la rubrique numéro {i} ", size)
    return _article(f"<div>{lines}</div>")


def notice_of_separators(size: int = SIZE) -> str:
    """A republication notice element holding a byline and a long run of separators: the
    trailing-date pattern was tried from every position of the run (quadratic)."""
    return _article(f"<span class='articlenewspaper'>Par Salma{' -' * (size // 2)} x</span>")


def nested_boilerplate(size: int = SIZE) -> str:
    """Share bars nested as deep as the parser goes (255 levels), each with text: every block
    cut measures its subtree, bounded by the parser's depth limit."""
    depth = 250
    text = "partager " * (size // depth // 9)
    return _article(
        "".join(f"<div class='share-{i}'>{text}" for i in range(depth)) + "</div>" * depth
    )


def source_links(size: int = SIZE) -> str:
    """Thousands of "read it at the source" links without a usable address."""
    links = _repeat(lambda i: f"<a href='#{i}'>lire l'article depuis sa source {i}</a> ", size)
    return _article(f"<div>{links}</div>")


def long_boilerplate_lines(size: int = SIZE) -> str:
    """Lines that start like boilerplate ("The post …") and run on."""
    return _article(f"<p>The post {'mot ' * (size // 4)}</p>")


# Shapes that walk veille's own extraction helpers: each extracts in about a second or less.
LINEAR_SHAPES: dict[str, Callable[[int], str]] = {
    "republication lines": republication_lines,
    "republication tails": republication_tails,
    "notice of separators": notice_of_separators,
    "nested boilerplate": nested_boilerplate,
    "source links": source_links,
    "long boilerplate lines": long_boilerplate_lines,
}


def json_ld_author_of_separators(size: int = 150_000) -> str:
    """A JSON-LD author name of 150 KB of separators: trafilatura's author cleaning
    (`normalize_authors`, a pattern anchored at the end) is quadratic in it, minutes for this
    page. veille cannot make a library linear; its time budget declines such a page."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Fonds d'amorçage",
        "author": {"@type": "Person", "name": "Salma" + " -" * (size // 2) + " x"},
    }
    script = f"<script type='application/ld+json'>{json.dumps(data)}</script>"
    return _article("", head=script)


class PageSite:
    """Serves `pages` ({path: html}) on 127.0.0.1, with `/feed` listing them in order."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = {path: html.encode("utf-8") for path, html in pages.items()}
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_GET(self):  # noqa: N802
                outer.hits.append(self.path)
                if self.path == "/robots.txt":
                    body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
                elif self.path == "/feed":
                    items = "".join(
                        f"<item><title>{path}</title><link>{outer.base_url}{path}</link></item>"
                        for path in outer.pages
                    )
                    body = (
                        '<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>'
                        f"{items}</channel></rss>"
                    ).encode()
                    ctype = "application/rss+xml"
                elif self.path in outer.pages:
                    body, ctype = outer.pages[self.path], "text/html; charset=utf-8"
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
