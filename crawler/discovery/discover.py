"""URL discovery: article links from RSS/Atom feeds, sitemaps (indexes and Google News) and
section listing pages. Pure parsing functions over bytes, no network."""

from __future__ import annotations

import gzip
import io
import logging
import re
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_offset
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser
import lxml.etree
import lxml.html
from feedparser.datetimes import _parse_date
from protego import Protego
from w3lib.encoding import html_to_unicode

from crawler.core.canonical import url_key
from crawler.core.times import parse_timestamp
from crawler.discovery.feed_xml import FeedEntry, NotPlain, read_entries
from crawler.discovery.sites import SiteHosts
from crawler.extraction.profiles import SITE_TIMEZONE

logger = logging.getLogger(__name__)

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
    # A child's <lastmod> as its index gives it, to fetch the newest first when a crawl does
    # not fetch them all (newest_first).
    sitemap_modified: dict[str, str] = field(default_factory=dict, compare=False)
    problem: str | None = None  # set when the document is malformed (links may still be usable)
    skipped: dict[str, int] = field(default_factory=dict)  # links left out, by reason
    # Addresses no URL parser accepts (a broken IPv6 literal, a bad port), each with its error:
    # counted in `skipped` as "bad address" and named in the source's error, the rest kept.
    unusable: list[str] = field(default_factory=list)
    # Entry dates as written that could not be read (« 12/11/2026 10:30 PM »), their entries
    # kept without a date: logged once for the feed (`_note_unread_dates`).
    unread_dates: list[str] = field(default_factory=list, compare=False)


def _resolved(result: Discovery, base_url: str, href: str) -> str | None:
    """`href` made absolute against `base_url`, or None, noted in `result`, when it is not an
    address at all: one broken link in a feed, sitemap or listing must not cost the others."""
    try:
        return urljoin(base_url, href)
    except ValueError as exc:
        result.skipped["bad address"] = result.skipped.get("bad address", 0) + 1
        result.unusable.append(f"{href[:80]!r} ({exc})")
        return None


def parse_feed(
    body: bytes,
    base_url: str,
    content_type: str = "application/xml",
    timezone: str = SITE_TIMEZONE,
) -> Discovery:
    """Links of an RSS or Atom feed. A broken feed still yields the entries before the break.
    A well-formed feed of the common shape is read with lxml (crawler.discovery.feed_xml, the
    same result for a fraction of the CPU); any other goes through feedparser. A date the feed
    writes without its zone is read on the site's clock (`timezone`, `feed_moment`)."""
    content_type = content_type or "application/xml"
    try:
        entries = read_entries(body, base_url, content_type)
    except NotPlain as reason:
        logger.debug("feed %s read by feedparser: %s", base_url, reason)
        return _parse_feed_with_feedparser(body, base_url, content_type, timezone)
    except Exception:  # a fault of the lxml reading must not cost the feed's links
        logger.exception("feed %s: reading it with lxml failed, read by feedparser", base_url)
        return _parse_feed_with_feedparser(body, base_url, content_type, timezone)
    result = Discovery()
    for entry in entries:
        _add_entry(result, base_url, entry, timezone)
    _note_unread_dates(result, base_url)
    return result


def _add_entry(result: Discovery, base_url: str, entry: FeedEntry, timezone: str) -> None:
    """An entry's link, or the reason it has none usable."""
    href = entry.href
    if not href or not href.startswith(("http://", "https://", "/")):
        reason = "item without a usable link"  # counted with the source's link counts
        result.skipped[reason] = result.skipped.get(reason, 0) + 1
        return
    published = modified = None
    written, parsed = _read(entry.published_written, entry.published, result)
    if parsed:
        published = feed_moment(parsed, written, timezone)
    written, parsed = _read(entry.updated_written, entry.updated, result)
    if parsed:
        modified = feed_utc(parsed, written, timezone)
    url = _resolved(result, base_url, href)
    if url is not None:
        result.links.append(Link(url, entry.title, published, modified))


# The time of day a feed writes after its date: « 01:00:00 +0100 », « T01:00:00+01:00 ».
_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?!\d)")
# « 12:00 AM »: a twelve-hour clock, whose midnight reads 12:00.
_HALF_DAY = re.compile(r"\d\s*[AaPp]\.?[Mm]\b")


# A time of day with no zone after it: « Tue, 01 Dec 2026 10:30:00 », « 2026-12-01T10:30:00 ».
_ZONELESS = re.compile(r"(?<=[T\s])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?\s*$")


def _on_site_clock(parsed: time.struct_time, written: str | None, timezone: str) -> datetime | None:
    """The moment a feed's date written without its zone gives on the site's clock: feedparser
    reads « Tue, 01 Dec 2026 10:30:00 » as 10:30 UTC, an hour late in Casablanca, where a page's
    zoneless time is read on the site's clock (crawler.extraction.dates.on_site_clock). None for a
    date that gives its zone, a day alone, or a midnight (how a day is written)."""
    if not written or not _ZONELESS.search(written.strip()):
        return None
    if (parsed.tm_hour, parsed.tm_min, parsed.tm_sec) == (0, 0, 0):
        return None
    try:
        return datetime(*parsed[:6], tzinfo=ZoneInfo(timezone))
    except (ValueError, OverflowError):  # a leap second
        return None


# A time of day on a twelve-hour clock: « 10:30 PM », « 10:30:00 pm », « 10:30 p.m. ».
_TWELVE_HOUR = re.compile(
    r"(?<![\d:])(0?[1-9]|1[0-2]):([0-5]\d)(:[0-5]\d)?\s*(?:([AaPp])\.?[Mm]\.?)(?![A-Za-z])"
)


def _twenty_four_hour(written: str) -> str:
    """A feed's date with its twelve-hour time of day written on twenty-four hours (« Thu, 12
    Nov 2026 10:30 PM » is « Thu, 12 Nov 2026 22:30 »). feedparser takes « PM » for an unknown
    zone and drops it: it read 10:30 PM as 10:30 UTC, twelve hours early (and dropped the
    « +0100 » after it too); written without its mark, the date is read as the others are, on
    the site's clock where it gives no zone."""
    hit = _TWELVE_HOUR.search(written)
    if hit is None:
        return written
    hour = int(hit[1]) % 12 + (12 if hit[4] in "Pp" else 0)
    clock = f"{hour:02d}:{hit[2]}{hit[3] or ''}"
    return f"{written[: hit.start()]}{clock}{written[hit.end() :]}"


def _read(
    written: str | None, parsed: time.struct_time | None, result: Discovery
) -> tuple[str | None, time.struct_time | None]:
    """A feed date as written (a twelve-hour clock put on twenty-four hours) and as read: by
    feedparser, or, where it reads none, as `_zoneless_rfc822` reads it. A twelve-hour date
    neither reads (« 12/11/2026 10:30 PM »: which is the day, which the month?) is left out and
    named in `result.unread_dates`, where feedparser had read it twelve hours off or not at
    all."""
    if written is None:
        return written, parsed
    twenty_four = _twenty_four_hour(written)
    if twenty_four == written:
        return written, parsed or _zoneless_rfc822(written)
    parsed = _parse_date(twenty_four) or _zoneless_rfc822(twenty_four)
    if parsed is None:
        result.unread_dates.append(written)
    return twenty_four, parsed


def _note_unread_dates(result: Discovery, base_url: str) -> None:
    """One line for a feed's dates that could not be read (their entries are kept, undated)."""
    if result.unread_dates:
        logger.warning(
            "feed %s: %d entries kept without their date, a twelve-hour time after a date whose "
            "day and month cannot be told apart (« %s »); RFC 822's « Thu, 12 Nov 2026 10:30 PM "
            "» and ISO 8601's « 2026-11-12 10:30 PM » are read",
            base_url,
            len(result.unread_dates),
            result.unread_dates[0][:80],
        )


def _zoneless_rfc822(written: str | None) -> time.struct_time | None:
    """An RSS date written with its weekday and without its zone (« Tue, 01 Dec 2026 10:30:00
    »), which feedparser does not read at all (it reads « 01 Dec 2026 10:30 » as UTC): read as
    UTC here too, then on the site's clock by `feed_moment`. The article lost its feed's date."""
    if not written or not _ZONELESS.search(written.strip()):
        return None
    return _parse_date(f"{written.strip()} GMT")


def feed_utc(parsed: time.struct_time, written: str | None, timezone: str = SITE_TIMEZONE) -> str:
    """A feed's modification date in UTC (« 2026-12-01T09:30:00Z »), a zoneless one read on the
    site's clock."""
    local = _on_site_clock(parsed, written, timezone)
    if local is None:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_moment(
    parsed: time.struct_time, written: str | None, timezone: str = SITE_TIMEZONE
) -> str:
    """A feed's date as discovery hands it on: the moment in UTC as feedparser reads it
    (« 2026-11-01T09:30:00Z »), or, when that falls at 00:00 UTC while the feed wrote another
    time of day, the same moment at the clock the feed wrote. « Sun, 01 Nov 2026 01:00:00
    +0100 » (01:00 in Casablanca in winter) is « 2026-11-01T01:00:00+01:00 »: in UTC it read as
    midnight, which is how a day alone is written (crawler.extraction.dates.precision_of), and
    the article was stored with its day only (and on 1 January not at all, read as a year). A
    feed's own midnight (« 00:00:00 GMT ») stays a day. A time written without its zone
    (« Tue, 01 Dec 2026 10:30:00 ») is on the site's clock (`timezone`): « 2026-12-01T10:30:00+01:00
    » in Casablanca, where feedparser read 10:30 UTC."""
    local = _on_site_clock(parsed, written, timezone)
    if local is not None:
        return local.isoformat()
    utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    clock = _CLOCK.search(written or "")
    if (
        (parsed.tm_hour, parsed.tm_min) != (0, 0)
        or clock is None
        or _HALF_DAY.search(written or "")
    ):
        return utc
    minutes = int(clock[1]) * 60 + int(clock[2])
    if minutes == 0:
        return utc
    # The feed's clock is ahead of UTC (east) or behind it (west, the day before).
    offset = timedelta(minutes=minutes if minutes <= 12 * 60 else minutes - 24 * 60)
    try:
        moment = datetime(*parsed[:6], tzinfo=UTC)
        return moment.astimezone(fixed_offset(offset)).isoformat()
    except (ValueError, OverflowError):  # a leap second, the calendar's last day
        return utc


def _parse_feed_with_feedparser(
    body: bytes, base_url: str, content_type: str, timezone: str = SITE_TIMEZONE
) -> Discovery:
    """Any feed, however odd or broken, read by feedparser."""
    headers = {"content-location": base_url, "content-type": content_type}
    parsed = feedparser.parse(body, response_headers=headers)
    result = Discovery()
    for entry in parsed.entries:
        # dict.__contains__: feedparser's own lookup falls back to the publication date, warning.
        updated = entry["updated_parsed"] if dict.__contains__(entry, "updated_parsed") else None
        found = FeedEntry(
            entry.get("link") or entry.get("id"),
            entry.get("title"),
            entry.get("published_parsed") or None,
            updated or None,
            entry.get("published") or None,
            (entry["updated"] if dict.__contains__(entry, "updated") else None) or None,
        )
        _add_entry(result, base_url, found, timezone)
    _note_unread_dates(result, base_url)
    if parsed.bozo and _is_soft(parsed.get("bozo_exception")) and parsed.get("version"):
        # A well-formed feed served as text/xml without a charset, or as text/html: feedparser
        # notes the content type or the encoding it assumed, and reads every entry.
        return result
    if parsed.bozo:
        reason = parsed.get("bozo_exception")
        if not parsed.entries and not parsed.get("version"):
            result.problem = f"not a feed ({reason})"
        else:
            result.problem = f"malformed feed ({reason}); {len(result.links)} entries recovered"
    elif not parsed.get("version"):
        result.problem = "not an RSS or Atom feed"
    return result


def _is_soft(reason: object) -> bool:
    """feedparser's notes that are not faults of the feed: an unexpected content type, a
    charset assumed or overridden."""
    return isinstance(
        reason,
        feedparser.NonXMLContentType
        | feedparser.CharacterEncodingOverride
        | feedparser.CharacterEncodingUnknown,
    )


def _xml_parser() -> lxml.etree.XMLParser:
    # No entity expansion, no network, no huge trees: a sitemap can come from anyone.
    return lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=True, load_dtd=False
    )


def _gunzip(body: bytes) -> bytes:
    """The decompressed sitemap, or ValueError past MAX_XML_BYTES (a gzip bomb stops there)."""
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
        data = stream.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise ValueError(f"sitemap larger than {MAX_XML_BYTES} bytes once decompressed, ignored")
    return data


def parse_sitemap(body: bytes, base_url: str) -> Discovery:
    """Links of a sitemap or Google News sitemap, or the child sitemaps of a sitemap index.
    Gzipped sitemaps (`.xml.gz`, served as application/x-gzip) are recognised by their magic
    bytes and decompressed here; a Content-Encoding gzip is undone by Scrapy before. Dates are
    as written (`on_site_clock` reads those without a zone)."""
    result = Discovery()
    if body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip(body)
        except ValueError as exc:
            result.problem = str(exc)
            return result
        except (OSError, EOFError) as exc:
            result.problem = f"corrupt gzipped sitemap ({exc})"
            return result
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
                child = _resolved(result, base_url, loc.text.strip())
                if child is not None:
                    result.sitemaps.append(child)
                    modified = _child_lastmod(loc)
                    if modified:
                        result.sitemap_modified.setdefault(child, modified)
        return result
    if tag != "urlset":
        result.problem = f"not a sitemap (root element <{tag}>)"
        return result
    for url in root:
        tag = url.tag
        if not isinstance(tag, str) or (tag.rpartition("}")[2] if tag[0] == "{" else tag) != "url":
            continue
        loc, title, published, modified = _url_fields(url)
        if not loc or not loc.strip():
            continue
        address = _resolved(result, base_url, loc.strip())
        if address is not None:
            result.links.append(
                Link(address, title, published, modified.strip() if modified else None)
            )
    return result


def on_site_clock(found: Discovery, timezone: str) -> Discovery:
    """A sitemap's links with their dates written with a time of day and no zone put on the
    site's clock (`_sitemap_moment`)."""
    found.links = [
        replace(
            link,
            published=_sitemap_moment(link.published, timezone),
            modified=_sitemap_moment(link.modified, timezone),
        )
        for link in found.links
    ]
    return found


def _sitemap_moment(written: str | None, timezone: str) -> str | None:
    """A sitemap's date as written, or, written with a time of day and no zone (a news
    sitemap's « 2026-11-12T10:30:00 », which the W3C format forbids and sites write anyway), at
    the site's clock (« 2026-11-12T10:30:00+01:00 »): read as UTC, it was an hour late in
    Casablanca. A midnight stays as written: it is how a day alone is written."""
    if not written or not _ZONELESS.search(written.strip()):
        return written
    try:
        when = datetime.fromisoformat(written.strip())
    except ValueError:
        return written
    if when.tzinfo is not None or (when.hour, when.minute, when.second) == (0, 0, 0):
        return written
    return when.replace(tzinfo=ZoneInfo(timezone)).isoformat()


_LOC, _LASTMOD = f"{_SITEMAP_NS}loc", f"{_SITEMAP_NS}lastmod"
_NEWS, _NEWS_TITLE, _NEWS_DATE = (
    f"{_NEWS_NS}news",
    f"{_NEWS_NS}title",
    f"{_NEWS_NS}publication_date",
)


def _url_fields(url: lxml.etree._Element) -> tuple[str | None, str | None, str | None, str | None]:
    """A sitemap <url>'s loc, news title, news publication date and lastmod, in one pass over
    its children: each the text of the first element of its name ('' when it has none), the
    sitemap namespace's loc and lastmod before un-namespaced ones, as findtext gave them
    (`url.findtext(ns + "loc") or url.findtext("loc")`, `news/title`: the first title of the
    first news element holding one)."""
    first: dict[object, str] = {}  # a child's tag: the text of the first child of that tag
    news: dict[object, str] = {}  # the same for the children of the news elements
    for child in url:
        if child.tag == _NEWS:
            for part in child:
                news.setdefault(part.tag, part.text or "")
        else:
            first.setdefault(child.tag, child.text or "")
    return (
        first.get(_LOC) or first.get("loc"),
        news.get(_NEWS_TITLE),
        news.get(_NEWS_DATE),
        first.get(_LASTMOD) or first.get("lastmod"),
    )


def _child_lastmod(loc: lxml.etree._Element) -> str | None:
    """The <lastmod> beside a sitemap index's <loc>, if any."""
    parent = loc.getparent()
    if parent is None:
        return None
    text = parent.findtext(_LASTMOD) or parent.findtext("lastmod")
    return text.strip() if text and text.strip() else None


def newest_first(sitemaps: list[str], modified: dict[str, str]) -> list[str]:
    """Child sitemaps by their <lastmod>, newest first, those without a readable one after
    them in the index's order. When an index lists more children than a crawl fetches, those
    left are then the archive's: WordPress's SEO plugins list post-sitemap.xml,
    post-sitemap2.xml … oldest first, and the index's order kept the oldest."""

    def when(url: str) -> tuple[bool, datetime]:
        text = modified.get(url, "").strip()
        if re.fullmatch(r"\d{4}(-\d{2})?", text):  # W3C Datetime to the year or the month
            text = (text + "-01-01")[:10]
        stamp = parse_timestamp(text)
        return (stamp is not None, stamp or _LONG_AGO)

    return sorted(sitemaps, key=when, reverse=True)  # stable: ties keep the index's order


_LONG_AGO = datetime.min.replace(tzinfo=UTC)


def decode_html(body: bytes | str, content_type: str = "") -> str:
    """A page's text: charset from the HTTP header, then a BOM, then <meta>, then detection
    (w3lib, as Scrapy decodes responses). Some Moroccan sites declare it in the header only."""
    if isinstance(body, str):
        return body
    _, text = html_to_unicode(content_type or None, body)
    return text


# Links that are never articles, whatever the site: files, feeds, taxonomy and author pages,
# pagination, accounts, job boards.
_FILE_EXTENSION = re.compile(
    r"\.(?:mp4|m4v|webm|mov|avi|mp3|m4a|ogg|wav|pdf|docx?|xlsx?|pptx?|zip|rar|jpe?g|png|gif|"
    r"webp|svg|ico|css|js|json|xml|rss|atom|txt|apk|exe)$",
    re.IGNORECASE,
)
_NOT_ARTICLE_PATH = re.compile(
    r"/(?:category|categorie|categories|rubrique|rubriques|section|sections|tag|tags|mot-cle|"
    r"author|auteur|auteurs|writer|page|feed|rss|search|recherche|login|wp-login\.php|"
    r"wp-admin|account|compte|newsletter|abonnement|subscribe|contact|about|a-propos|"
    r"mentions-legales|privacy|confidentialite|emploi|emplois|jobs?|careers?|offres?-d-emploi|"
    r"recrutement|annonces?|classifieds?|wp-content|cdn-cgi)(?:/|$)",
    re.IGNORECASE,
)
_PAGINATION_QUERY = re.compile(r"(?:^|&)(?:page|paged|pg|start|offset)=\d+", re.IGNORECASE)


def non_article_reason(url: str, listing_url: str) -> str | None:
    """Why a link of a listing page cannot be an article (a file, a category, tag or author
    page, pagination, the section itself), or None. Used when a source gives no article_pattern."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if url_key(url) == url_key(listing_url):
        return "the listing itself"
    if _FILE_EXTENSION.search(path):
        return "a file, not a page"
    if _NOT_ARTICLE_PATH.search(path):
        return "a section, tag, author, pagination or service page"
    if _PAGINATION_QUERY.search(parts.query):
        return "a page of a listing"
    if path.strip("/") == "" and not parts.query:  # WordPress shortlinks (/?p=1042) are articles
        return "the home page"
    return None


def parse_listing(
    body: bytes | str,
    base_url: str,
    content_type: str = "",
    site: SiteHosts | None = None,
) -> Discovery:
    """Links of a section page on the source's own hosts (`site`; by default the listing's own
    host, `www.` or not). Relative links resolve against `<base href>` when the page has one.
    Off-site links are counted in `skipped`, not returned."""
    result = Discovery()
    text = decode_html(body, content_type)
    if not text.strip():
        result.problem = "empty listing page"
        return result
    try:
        tree = lxml.html.fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        result.problem = f"unparsable listing page ({exc})"
        return result
    base = base_url
    for href in tree.xpath("//base/@href")[:1]:
        if href.strip():
            base = _resolved(result, base_url, href.strip()) or base_url
    site = site or SiteHosts([base_url])
    # Each URL once, in page order, with the fullest text any of its links holds: a teaser's
    # image link and its "Lire la suite" point where its headline does.
    titles: dict[str, str | None] = {}
    # Links inside navigation, headers and footers are menus, not articles.
    for anchor in tree.xpath(
        "//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer)]"
    ):
        raw = anchor.get("href").strip()
        if not raw or raw.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        resolved = _resolved(result, base, raw)
        if resolved is None:
            continue
        href = resolved
        title = _anchor_text(anchor)
        if href in titles:
            if title and len(title) > len(titles[href] or ""):
                titles[href] = title
            continue
        titles[href] = title
        if not site.owns(href):
            result.skipped["off-site"] = result.skipped.get("off-site", 0) + 1
    result.links = [Link(href, title) for href, title in titles.items() if site.owns(href)]
    return result


def _anchor_text(anchor: lxml.html.HtmlElement) -> str | None:
    """What a link holds: its text, else its title, else its image's alt text."""
    text = " ".join(anchor.text_content().split())
    if not text:
        text = " ".join((anchor.get("title") or "").split())
    if not text:
        alts = anchor.xpath(".//img/@alt")
        text = " ".join(str(alts[0]).split()) if alts else ""
    return text or None


def robots_sitemaps(body: bytes, site: SiteHosts) -> list[str]:
    """The `Sitemap:` URLs of a robots.txt that are on the source's own hosts (http or https)."""
    parser = Protego.parse(body.decode("utf-8", errors="replace"))
    found = []
    for url in parser.sitemaps:
        try:
            wanted = urlsplit(url).scheme in ("http", "https") and site.owns(url)
        except ValueError as exc:  # a broken IPv6 literal, say: this line only, not the others
            logger.warning("robots.txt Sitemap %r skipped: not an address (%s)", url[:80], exc)
            continue
        if wanted:
            found.append(url)
    return found[:20]


def parse_entry_point(
    kind: str,
    body: bytes,
    url: str,
    content_type: str = "",
    site: SiteHosts | None = None,
    timezone: str = SITE_TIMEZONE,
) -> Discovery:
    """Dispatch to the parser of an entry point's kind ('feed', 'sitemap' or 'listing'); a
    feed's or a sitemap's dates written without their zone are on the site's clock
    (`timezone`)."""
    if kind == "feed":
        return parse_feed(body, url, content_type, timezone)
    if kind == "sitemap":
        return on_site_clock(parse_sitemap(body, url), timezone)
    return parse_listing(body, url, content_type, site)
