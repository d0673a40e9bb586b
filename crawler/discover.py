"""URL discovery: article links from RSS/Atom feeds, sitemaps (indexes and Google News) and
section listing pages. Pure parsing functions over bytes, no network."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html

MAX_XML_BYTES = 20 * 1024 * 1024

_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True)
class Link:
    """An article URL found at an entry point, with what the entry point said about it."""

    url: str
    title: str | None = None
    published: str | None = None
    modified: str | None = None  # when the entry point says the article last changed


@dataclass
class Discovery:
    links: list[Link] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # children of a sitemap index
    problem: str | None = None  # set when the document is malformed (links may still be usable)


def parse_feed(body: bytes, base_url: str, content_type: str = "application/xml") -> Discovery:
    """Links of an RSS or Atom feed. A broken feed still yields the entries before the break."""
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(body, response_headers=headers)
    result = Discovery()
    for entry in parsed.entries:
        href = entry.get("link") or entry.get("id")
        if not href or not href.startswith(("http://", "https://", "/")):
            continue
        published = modified = None
        if entry.get("published_parsed"):
            published = time.strftime("%Y-%m-%dT%H:%M:%SZ", entry.published_parsed)
        # dict.__contains__: feedparser's own lookup falls back to the publication date, warning.
        if dict.__contains__(entry, "updated_parsed") and entry["updated_parsed"]:
            modified = time.strftime("%Y-%m-%dT%H:%M:%SZ", entry.updated_parsed)
        result.links.append(Link(urljoin(base_url, href), entry.get("title"), published, modified))
    if parsed.bozo:
        reason = parsed.get("bozo_exception")
        if not parsed.entries and not parsed.get("version"):
            result.problem = f"not a feed ({reason})"
        else:
            result.problem = f"malformed feed ({reason}); {len(result.links)} entries recovered"
    elif not parsed.get("version"):
        result.problem = "not an RSS or Atom feed"
    return result


def _xml_parser() -> lxml.etree.XMLParser:
    # No entity expansion, no network, no huge trees: a sitemap can come from anyone.
    return lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=True, load_dtd=False
    )


def parse_sitemap(body: bytes, base_url: str) -> Discovery:
    """Links of a sitemap or Google News sitemap, or the child sitemaps of a sitemap index."""
    result = Discovery()
    if len(body) > MAX_XML_BYTES:
        result.problem = f"sitemap larger than {MAX_XML_BYTES} bytes, ignored"
        return result
    parser = _xml_parser()
    try:
        root = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError as exc:
        result.problem = f"malformed sitemap ({exc})"
        return result
    if root is None:
        result.problem = "empty or unparsable sitemap"
        return result
    if parser.error_log and any(e.level >= 3 for e in parser.error_log):  # 3 = ERROR, 4 = FATAL
        result.problem = f"malformed sitemap ({parser.error_log[0].message})"
    tag = lxml.etree.QName(root).localname
    if tag == "sitemapindex":
        for loc in root.iter(f"{_SITEMAP_NS}loc", "loc"):
            if loc.text and loc.text.strip():
                result.sitemaps.append(urljoin(base_url, loc.text.strip()))
        return result
    if tag != "urlset":
        result.problem = f"not a sitemap (root element <{tag}>)"
        return result
    for url in root:
        if not isinstance(url.tag, str) or lxml.etree.QName(url).localname != "url":
            continue
        loc = url.findtext(f"{_SITEMAP_NS}loc") or url.findtext("loc")
        if not loc or not loc.strip():
            continue
        title = url.findtext(f"{_NEWS_NS}news/{_NEWS_NS}title")
        published = url.findtext(f"{_NEWS_NS}news/{_NEWS_NS}publication_date")
        modified = url.findtext(f"{_SITEMAP_NS}lastmod") or url.findtext("lastmod")
        result.links.append(
            Link(
                urljoin(base_url, loc.strip()),
                title,
                published,
                modified.strip() if modified else None,
            )
        )
    return result


def parse_listing(body: bytes, base_url: str) -> Discovery:
    """Same-site links of a section page; the spider keeps those matching the article pattern."""
    result = Discovery()
    try:
        tree = lxml.html.fromstring(body, base_url=base_url)
    except (lxml.etree.ParserError, ValueError) as exc:
        result.problem = f"unparsable listing page ({exc})"
        return result
    host = urlsplit(base_url).hostname
    seen: set[str] = set()
    # Links inside navigation, headers and footers are menus, not articles.
    for anchor in tree.xpath(
        "//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer)]"
    ):
        href = urljoin(base_url, anchor.get("href").strip())
        if (
            urlsplit(href).hostname != host
            or href in seen
            or href.rstrip("/") == base_url.rstrip("/")
        ):
            continue
        seen.add(href)
        title = " ".join(anchor.text_content().split()) or None
        result.links.append(Link(href, title))
    return result


def parse_entry_point(kind: str, body: bytes, url: str, content_type: str = "") -> Discovery:
    """Dispatch to the parser of an entry point's kind ('feed', 'sitemap' or 'listing')."""
    if kind == "feed":
        return parse_feed(body, url, content_type)
    if kind == "sitemap":
        return parse_sitemap(body, url)
    return parse_listing(body, url)
