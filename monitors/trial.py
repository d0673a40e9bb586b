"""Turn what a user hands `veille rules test` or `veille extract` (a URL, an HTML file, stdin)
into a page, and a page into article text."""

from __future__ import annotations

import sys
from pathlib import Path

import urllib3
from w3lib.encoding import html_to_unicode

from crawler.errors import VeilleError
from crawler.extract import Extracted, NotAnArticle, extract_article
from crawler.settings import USER_AGENT
from monitors.matcher import ArticleText

MAX_PAGE_BYTES = 10 * 1024 * 1024  # the crawler's own cap (DOWNLOAD_MAXSIZE)


def load_page(target: str) -> tuple[str | bytes, str]:
    """(page, URL) for a URL, an HTML file or '-' (stdin). A fetched page is decoded the way the
    crawler decodes it (HTTP charset, then <meta>, then detection), so what `veille extract`
    shows is what a crawl would store."""
    if target.startswith(("http://", "https://")):
        try:
            response = urllib3.PoolManager(headers={"User-Agent": USER_AGENT}).request(
                "GET", target, timeout=20, preload_content=False
            )
            body = response.read(MAX_PAGE_BYTES + 1)
            response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise VeilleError(f"could not fetch {target}: {exc}") from None
        if response.status >= 400:
            raise VeilleError(f"could not fetch {target}: HTTP {response.status}")
        if len(body) > MAX_PAGE_BYTES:
            raise VeilleError(f"{target}: page larger than {MAX_PAGE_BYTES} bytes, not read")
        _, text = html_to_unicode(response.headers.get("Content-Type"), body)
        return text, response.geturl() or target
    if target == "-":
        return sys.stdin.buffer.read(MAX_PAGE_BYTES), ""
    path = Path(target)
    if not path.is_file():
        raise VeilleError(f"{target}: no such file (give a URL, an HTML file or '-')")
    return path.read_bytes()[:MAX_PAGE_BYTES], path.resolve().as_uri()


def extract_target(target: str) -> Extracted:
    """What veille would store for the page at `target`; VeilleError says why it declines it."""
    page, url = load_page(target)
    try:
        return extract_article(page, url)
    except NotAnArticle as exc:
        raise VeilleError(f"{target}: not stored, {exc}") from None


def article_from_target(target: str) -> ArticleText:
    extracted = extract_target(target)
    return ArticleText(extracted.title or "", extracted.text, extracted.language)
