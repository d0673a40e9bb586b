"""Turn what a user hands `veille rules test` or `veille extract` (a URL, an HTML file, stdin)
into a page, and a page into article text. The web view's rule test takes only absolute http(s)
URLs (`article_from_url`): a path or '-' would read the server's own files or standard input."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import urllib3
from w3lib.encoding import html_to_unicode

from crawler.core.errors import VeilleError
from crawler.core.identity import USER_AGENT
from crawler.extraction.extract import Extracted, NotAnArticle, extract_article
from crawler.extraction.profiles import SiteProfile
from crawler.fetching.fetch_policy import FetchRefused, guarded_get
from monitors.rules.matcher import ArticleText

MAX_PAGE_BYTES = 10 * 1024 * 1024  # the crawler's own cap (DOWNLOAD_MAXSIZE)
FETCH_SECONDS = 20.0  # for the whole exchange, not only the connection


def is_web_address(target: str) -> bool:
    """An absolute http(s) URL with a host: nothing else names a page on the web."""
    try:
        parts = urlsplit(target.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def fetch_page(
    url: str, allowed: Sequence[str] = (), timeout: float = FETCH_SECONDS
) -> tuple[str, str]:
    """(page, final URL) of an http(s) URL, fetched under the crawl's fetch policy (http(s), no
    internal address, at most MAX_PAGE_BYTES, `timeout` seconds for the whole exchange) and
    decoded the way the crawler decodes it (HTTP charset, then <meta>, then detection), so what
    `veille extract` shows is what a crawl would store."""
    try:
        response = guarded_get(
            url,
            allowed=allowed,
            timeout=timeout,
            max_bytes=MAX_PAGE_BYTES,
            headers={"User-Agent": USER_AGENT},
        )
    except FetchRefused as exc:
        raise VeilleError(f"could not fetch {url}: {exc}") from None
    except urllib3.exceptions.HTTPError as exc:
        raise VeilleError(f"could not fetch {url}: {exc}") from None
    if response.status >= 400:
        raise VeilleError(f"could not fetch {url}: HTTP {response.status}")
    _, text = html_to_unicode(response.headers.get("content-type"), response.body)
    return text, response.url


def load_page(
    target: str, allowed: Sequence[str] = (), timeout: float = FETCH_SECONDS
) -> tuple[str | bytes, str]:
    """(page, URL) for a URL, an HTML file or '-' (stdin): the command line's inputs."""
    if target.startswith(("http://", "https://")):
        return fetch_page(target, allowed, timeout)
    if target == "-":
        return sys.stdin.buffer.read(MAX_PAGE_BYTES), ""
    path = Path(target)
    if path.is_dir():
        raise VeilleError(f"{target}: a folder, not a page (give a URL, an HTML file or '-')")
    if not path.is_file():
        raise VeilleError(f"{target}: no such file (give a URL, an HTML file or '-')")
    try:
        with path.open("rb") as page:  # only what a crawl would take: a file may be gigabytes
            return page.read(MAX_PAGE_BYTES), path.resolve().as_uri()
    except OSError as exc:
        raise VeilleError(f"{target}: cannot be read ({exc.strerror or exc})") from None


def extract_target(
    target: str,
    allowed: Sequence[str] = (),
    timeout: float = FETCH_SECONDS,
    profile: SiteProfile | None = None,
) -> Extracted:
    """What veille would store for the page at `target` (with the source's site profile, as a
    crawl of that source would); VeilleError says why it declines it."""
    page, url = load_page(target, allowed, timeout)
    return _extracted(page, url, target, profile)


def _extracted(
    page: str | bytes, url: str, target: str, profile: SiteProfile | None = None
) -> Extracted:
    try:
        return extract_article(page, url, profile)
    except NotAnArticle as exc:
        raise VeilleError(f"{target}: not stored, {exc}") from None


def article_from_target(
    target: str,
    allowed: Sequence[str] = (),
    timeout: float = FETCH_SECONDS,
    profile: SiteProfile | None = None,
) -> ArticleText:
    extracted = extract_target(target, allowed, timeout, profile)
    return ArticleText(extracted.title or "", extracted.text, extracted.language)


def article_from_url(
    url: str,
    allowed: Sequence[str] = (),
    timeout: float = FETCH_SECONDS,
    profile: SiteProfile | None = None,
) -> ArticleText:
    """The article at an absolute http(s) URL, and nothing else: what a web form may ask for.
    A path, '-', `file:` or `data:` is refused before anything is read."""
    if not is_web_address(url):
        raise VeilleError(
            f"{url[:80]!r} is not a web address: give an absolute http:// or https:// URL "
            "(files and standard input are read by `veille rules test` on the command line only)"
        )
    page, final_url = fetch_page(url.strip(), allowed, timeout)
    extracted = _extracted(page, final_url, url, profile)
    return ArticleText(extracted.title or "", extracted.text, extracted.language)
