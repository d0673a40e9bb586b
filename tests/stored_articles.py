"""An article as the store takes it (`store.StoredArticle`), with the fields a test does not
care about left empty: French, no author, site name or description, the body hash of its text
unless the test gives one."""

from __future__ import annotations

from crawler.core.normalize import content_hash
from crawler.storage import store


def stored_article(
    source: str,
    url: str,
    title: str,
    text: str,
    published: str = "2026-11-16T10:00:00+01:00",
    body_hash: str | None = None,
) -> store.StoredArticle:
    return store.StoredArticle(
        source=source,
        url=url,
        title=title,
        author=None,
        published=published,
        language="fr",
        sitename=None,
        description=None,
        text=text,
        content_hash=body_hash or content_hash(text),
    )
