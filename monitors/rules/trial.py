"""Turn what a user hands `veille rules test` or `veille extract` (a URL, an HTML file, stdin)
into a page, and a page into article text."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import urllib3
from w3lib.encoding import html_to_unicode

from crawler.core.errors import VeilleError
from crawler.extraction.extract import Extracted, NotAnArticle, extract_article
from crawler.fetching.fetch_policy import FetchRefused, guarded_get
from crawler.settings import USER_AGENT
from monitors.rules.matcher import ArticleText

MAX_PAGE_BYTES = 10 * 1024 * 1024  # the crawler's own cap (DOWNLOAD_MAXSIZE)


def load_page(target: str, allowed: Sequence[str] = ()) -> tuple[str | bytes, str]:
    """(page, URL) for a URL, an HTML file or '-' (stdin). A fetched page is decoded the way the
    crawler decodes it (HTTP charset, then <meta>, then detection), so what `veille extract`
    shows is what a crawl would store."""
    if target.startswith(("http://", "https://")):
        try:  # the crawl's fetch policy: http(s), no internal address, size and time limits
            response = guarded_get(
                target,
                allowed=allowed,
                timeout=20,
                max_bytes=MAX_PAGE_BYTES,
                headers={"User-Agent": USER_AGENT},
            )
        except FetchRefused as exc:
            raise VeilleError(f"could not fetch {target}: {exc}") from None
        except urllib3.exceptions.HTTPError as exc:
            raise VeilleError(f"could not fetch {target}: {exc}") from None
        if response.status >= 400:
            raise VeilleError(f"could not fetch {target}: HTTP {response.status}")
        _, text = html_to_unicode(response.headers.get("content-type"), response.body)
        return text, response.url
    if target == "-":
        return sys.stdin.buffer.read(MAX_PAGE_BYTES), ""
    path = Path(target)
    if not path.is_file():
        raise VeilleError(f"{target}: no such file (give a URL, an HTML file or '-')")
    return path.read_bytes()[:MAX_PAGE_BYTES], path.resolve().as_uri()


def extract_target(target: str, allowed: Sequence[str] = ()) -> Extracted:
    """What veille would store for the page at `target`; VeilleError says why it declines it."""
    page, url = load_page(target, allowed)
    try:
        return extract_article(page, url)
    except NotAnArticle as exc:
        raise VeilleError(f"{target}: not stored, {exc}") from None


def article_from_target(target: str, allowed: Sequence[str] = ()) -> ArticleText:
    extracted = extract_target(target, allowed)
    return ArticleText(extracted.title or "", extracted.text, extracted.language)
