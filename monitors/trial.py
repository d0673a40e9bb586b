"""Turn what a user hands `veille rules test` (a URL, an HTML file, stdin) into article text."""

from __future__ import annotations

import sys
from pathlib import Path

import urllib3

from crawler.errors import VeilleError
from crawler.extract import NotAnArticle, extract_article
from crawler.settings import USER_AGENT
from monitors.matcher import ArticleText


def article_from_target(target: str) -> ArticleText:
    if target.startswith(("http://", "https://")):
        try:
            response = urllib3.PoolManager(headers={"User-Agent": USER_AGENT}).request(
                "GET", target, timeout=20
            )
        except urllib3.exceptions.HTTPError as exc:
            raise VeilleError(f"could not fetch {target}: {exc}") from None
        if response.status >= 400:
            raise VeilleError(f"could not fetch {target}: HTTP {response.status}")
        html, url = response.data, target
    elif target == "-":
        html, url = sys.stdin.buffer.read(), None
    else:
        path = Path(target)
        if not path.is_file():
            raise VeilleError(f"{target}: no such file (give a URL, an HTML file or '-')")
        html, url = path.read_bytes(), path.resolve().as_uri()
    try:
        extracted = extract_article(html, url or "")
    except NotAnArticle as exc:
        raise VeilleError(f"{target}: {exc}") from None
    return ArticleText(extracted.title or "", extracted.text, extracted.language)
