"""The source list: typed, validated news sources loaded from a sources.yaml (the
bundled one: seeds/sources.yaml)."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import lxml.etree
import lxml.html

from crawler.core.errors import ConfigError
from crawler.core.yamlfile import (
    LineDict,
    LineList,
    language_list,
    line_in,
    load_yaml,
    name_fix,
    reject_unknown_keys,
    require_mapping,
    string_list,
)
from crawler.discovery.sites import SiteHosts
from crawler.extraction.profiles import SITE_TIMEZONE, SavedPage, SiteProfile

DEFAULT_INTERVAL_MINUTES = 30
ENTRY_STATUSES = ("working", "listed", "guess", "blocked")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A sources file's value that needs quoting (a title with ':'), for the fix of invalid YAML.
_QUOTING = "title: 'Médias24 : économie'"
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$"
)
_SOURCE_KEYS = {
    "name",
    "title",
    "homepage",
    "languages",
    "feeds",
    "sitemaps",
    "listings",
    "article_pattern",
    "interval_minutes",
    "enabled",
    "prune_xpath",
    "content_xpath",
    "date_xpath",
    "saved_pages",
    "aliases",
    "sitemaps_from_robots",
    "timezone",
    "notes",
}


@dataclass(frozen=True)
class EntryPoint:
    """One place where a source announces articles: a feed, a sitemap or a listing page."""

    kind: str  # "feed" | "sitemap" | "listing"
    url: str
    status: str = "working"  # how sure we are that the URL exists (see ENTRY_STATUSES)


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    homepage: str
    languages: tuple[str, ...]
    entry_points: tuple[EntryPoint, ...]
    article_pattern: str | None = None
    interval_minutes: float = DEFAULT_INTERVAL_MINUTES
    enabled: bool = True
    prune_xpath: tuple[str, ...] = ()
    content_xpath: tuple[str, ...] = ()
    date_xpath: str | None = None
    saved_pages: tuple[SavedPage, ...] = ()
    aliases: tuple[str, ...] = ()  # other host names of the site (its links there are its own)
    sitemaps_from_robots: bool = False  # also read the sitemaps robots.txt lists
    timezone: str = SITE_TIMEZONE  # the clock of a time of day its pages show without a zone
    line: int = 0

    def active_entry_points(self) -> list[EntryPoint]:
        """Entry points worth fetching: those not known to be blocked."""
        return [e for e in self.entry_points if e.status != "blocked"]

    @property
    def site(self) -> SiteHosts:
        """The hosts whose links are this source's own (crawler.discovery.sites)."""
        return SiteHosts([self.homepage, *(e.url for e in self.entry_points)], self.aliases)

    def looks_like_article(self, url: str) -> bool:
        if self.article_pattern:
            return re.search(self.article_pattern, url) is not None
        return True

    @property
    def profile(self) -> SiteProfile:
        """What veille knows of this source's pages (crawler.extraction.profiles), used by the
        crawl, `veille extract --source`, `veille rules test --source` and the reader."""
        return SiteProfile(
            prune_xpath=self.prune_xpath,
            content_xpath=self.content_xpath,
            article_pattern=self.article_pattern,
            date_xpath=self.date_xpath,
            saved_pages=self.saved_pages,
            timezone=self.timezone,
        )


@dataclass
class SourceList:
    path: str
    sources: list[Source] = field(default_factory=list)

    def by_name(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources)
        raise ConfigError(self.path, None, f"no source named {name!r}", f"use one of: {known}")

    def enabled(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]


def _check_url(url: str, path: str, line: int, what: str) -> str:
    variable = re.search(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", url)
    if variable:  # the watchlists file's channels take them: said, not fetched as written
        raise ConfigError(
            path,
            line,
            f"{what} holds {variable.group()}: the sources file takes no ${{VAR}} (only the "
            "watchlists file's channels and the people's mail server do), and the address "
            "would be fetched as written, $ and braces included",
            "write the address itself; a token it holds (?token=…) then shows, as the address "
            "does, in the crawl log and `veille status`",
        )
    shown = re.sub(r"//[^/?#]*@", "//***@", url)  # a login is never shown (see below)
    try:  # an unclosed '[' (IPv6) or a port past 65535 is a ValueError, not a traceback
        parts = urlsplit(url)
        parts.port  # noqa: B018 - read for its check
    except ValueError as exc:
        raise ConfigError(
            path, line, f"{what} {shown!r} is not a valid URL ({exc})", "write a full URL"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(path, line, f"{what} {shown!r} is not an http(s) URL", "write a full URL")
    if "@" in parts.netloc:  # shown without it: the crawl log, its warnings, `veille status`
        raise ConfigError(
            path,
            line,
            f"{what} {parts.scheme}://***@{parts.netloc.rpartition('@')[2]}… holds a user or "
            "password: veille sends no login to a site (no crawl could fetch it), and it would "
            "show in the crawl log and `veille status`",
            "write the address without 'user:password@'",
        )
    if any(c.isspace() for c in parts.netloc):  # no crawl can fetch it (Scrapy: invalid host)
        raise ConfigError(
            path,
            line,
            f"{what} {url!r} has a space in its host name",
            "write the host name without spaces",
        )
    return url


def _entry_points(raw: object, kind: str, path: str, line: int) -> list[EntryPoint]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(path, line, f"'{kind}s' must be a list of URLs or {{url, status}}")
    points = []
    for i, item in enumerate(raw):
        item_line = raw.line_of(i) if isinstance(raw, LineList) else line
        status = "working"
        if isinstance(item, dict):
            unknown = set(item) - {"url", "status", "evidence", "note"}
            if unknown:
                raise ConfigError(path, item_line, f"unknown key(s) {sorted(unknown)} in {kind}")
            url = item.get("url")
            status = str(item.get("status", "working"))
            if status not in ENTRY_STATUSES:
                raise ConfigError(
                    path,
                    item_line,
                    f"{kind} status {status!r} is unknown",
                    f"use one of {', '.join(ENTRY_STATUSES)}",
                )
        else:
            url = item
        if not isinstance(url, str):
            raise ConfigError(path, item_line, f"{kind} needs a 'url' string")
        points.append(EntryPoint(kind, _check_url(url, path, item_line, kind), status))
    return points


MAX_INTERVAL_MINUTES = 7 * 24 * 60
# The keys `defaults:` may set for every source (the others are each source's own).
DEFAULT_KEYS = {"interval_minutes", "timezone"}
# The elements and attributes prune expressions are tried on when the file is loaded: an
# expression must select elements there without error (an element or nothing), not compute a
# number, a string or a truth value.
_PRUNE_PROBE = lxml.html.fromstring(
    '<html lang="fr"><head><title>t</title></head><body class="b" id="i">'
    '<div class="c" id="d"><p class="e">texte <a href="/x">lien</a></p></div></body></html>'
)


def _check_xpath(
    key: str, expression: str, path: str, line: int | None, elements_only: bool = True
) -> None:
    """Refuse an expression that does not parse or run, and one that selects no elements when
    elements are needed (prune_xpath, content_xpath: a date_xpath may select text)."""
    example = {"prune_xpath": "//div[@class='promo']", "content_xpath": "//div[@class='body']"}
    fix = (
        f"write an expression that selects elements, such as {example.get(key, '')}"
        if elements_only
        else "write an expression such as //time/@datetime or //span[@class='date']"
    )
    try:
        found = lxml.etree.XPath(expression)(_PRUNE_PROBE)
    except lxml.etree.XPathSyntaxError as exc:
        raise ConfigError(
            path, line, f"{key} {expression!r} is not a valid XPath expression: {exc}", fix
        ) from None
    except lxml.etree.XPathError as exc:  # an unknown function, an undefined $variable
        raise ConfigError(path, line, f"{key} {expression!r} cannot run: {exc}", fix) from None
    if not isinstance(found, list):
        kind = {bool: "a truth value", float: "a number"}.get(type(found), "a string")
        raise ConfigError(
            path, line, f"{key} {expression!r} computes {kind}, it selects no element", fix
        )
    if elements_only and any(not isinstance(item, lxml.etree.ElementBase) for item in found):
        raise ConfigError(
            path,
            line,
            f"{key} {expression!r} selects text or attributes, not elements",
            "drop the trailing /text() or /@attribute: //div[@class='promo'], not "
            "//div[@class='promo']/text()",
        )


def _xpath_list(raw: LineDict, key: str, path: str, elements_only: bool = True) -> tuple[str, ...]:
    """A key holding one XPath expression or a list of them, each checked."""
    value = raw.get(key)
    if isinstance(value, str):
        value = [value]
    expressions = tuple(string_list(value, path, raw.line_of(key), key))
    for index, expression in enumerate(expressions):
        _check_xpath(
            key, expression, path, line_in(raw.get(key), index, raw.line_of(key)), elements_only
        )
    return expressions


def parse_source(raw: LineDict, path: str, defaults: dict) -> Source:
    line = raw.line
    reject_unknown_keys(raw, _SOURCE_KEYS, path, "source")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            path,
            raw.line_of("name"),
            f"source name {name!r} is missing or invalid",
            name_fix(name, "use lowercase letters, digits and dashes, e.g. 'hespress-fr'"),
        )
    homepage = raw.get("homepage")
    if not isinstance(homepage, str):
        raise ConfigError(path, line, f"source {name!r} has no 'homepage'")
    _check_url(homepage, path, raw.line_of("homepage"), "homepage")
    languages = tuple(language_list(raw.get("languages"), path, raw.line_of("languages")))
    points = (
        _entry_points(raw.get("feeds"), "feed", path, raw.line_of("feeds"))
        + _entry_points(raw.get("sitemaps"), "sitemap", path, raw.line_of("sitemaps"))
        + _entry_points(raw.get("listings"), "listing", path, raw.line_of("listings"))
    )
    if not points:
        raise ConfigError(
            path,
            line,
            f"source {name!r} has no feeds, sitemaps or listings",
            "add at least one entry point, or set 'enabled: false'",
        )
    pattern = raw.get("article_pattern")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise ConfigError(
                path, raw.line_of("article_pattern"), f"article_pattern is not a valid regex: {exc}"
            ) from None
    interval = raw.get(
        "interval_minutes", defaults.get("interval_minutes", DEFAULT_INTERVAL_MINUTES)
    )
    if (
        not isinstance(interval, int | float)
        or isinstance(interval, bool)
        or not math.isfinite(interval)
        or not 0.1 <= interval <= MAX_INTERVAL_MINUTES
    ):
        raise ConfigError(
            path,
            raw.line_of("interval_minutes") or line,
            f"interval_minutes must be a number of minutes from 0.1 to {MAX_INTERVAL_MINUTES} "
            f"(a week), got {interval!r}",
        )
    prune_xpath = _xpath_list(raw, "prune_xpath", path)
    content_xpath = _xpath_list(raw, "content_xpath", path)
    date_xpaths = _xpath_list(raw, "date_xpath", path, elements_only=False)
    if len(date_xpaths) > 1:
        raise ConfigError(
            path,
            raw.line_of("date_xpath"),
            "date_xpath takes one expression",
            "join alternatives with |, e.g. //time/@datetime | //span[@class='date']",
        )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(path, raw.line_of("enabled"), "enabled must be true or false")
    aliases = tuple(string_list(raw.get("aliases"), path, raw.line_of("aliases"), "aliases"))
    for alias in aliases:
        if not _HOST.match(alias):
            raise ConfigError(
                path,
                raw.line_of("aliases"),
                f"alias {alias!r} is not a host name",
                "write host names only, e.g. aliases: [www.example.ma, example-news.ma]",
            )
    from_robots = raw.get("sitemaps_from_robots", False)
    if not isinstance(from_robots, bool):
        raise ConfigError(
            path, raw.line_of("sitemaps_from_robots"), "sitemaps_from_robots must be true or false"
        )
    timezone = _timezone(raw, path, defaults)
    return Source(
        name=name,
        title=str(raw.get("title") or name),
        homepage=homepage,
        languages=languages,
        entry_points=tuple(points),
        article_pattern=str(pattern) if pattern is not None else None,
        interval_minutes=interval,
        enabled=enabled,
        prune_xpath=prune_xpath,
        content_xpath=content_xpath,
        date_xpath=date_xpaths[0] if date_xpaths else None,
        saved_pages=_saved_pages(raw, path),
        aliases=tuple(a.lower() for a in aliases),
        sitemaps_from_robots=from_robots,
        timezone=timezone,
        line=line,
    )


def _timezone(raw: LineDict, path: str, defaults: dict) -> str:
    """The source's `timezone` (or the file's `defaults:` one): an IANA name, checked here so
    that a typo stops the load with its line instead of failing every page's date."""
    own = "timezone" in raw
    value = raw.get("timezone") if own else defaults.get("timezone", SITE_TIMEZONE)
    line = raw.line_of("timezone") if own else _line_of(defaults, "timezone")
    hint = "write an IANA time zone name, e.g. timezone: Africa/Casablanca (or Europe/Paris, UTC)"
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, line, f"timezone must be a time zone name, got {value!r}", hint)
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            path, line, f"timezone {value!r} is not a known time zone", hint
        ) from None
    return value.strip()


def _line_of(mapping: dict, key: str) -> int | None:
    return mapping.line_of(key) if isinstance(mapping, LineDict) else None


def _xpaths(raw: LineDict, key: str, path: str, line: int, example: str) -> tuple[str, ...]:
    """A key holding one XPath expression or a list of them, each checked."""
    value = raw.get(key)
    expressions = tuple([value] if isinstance(value, str) else string_list(value, path, line, key))
    for expression in expressions:
        try:
            lxml.etree.XPath(expression)
        except lxml.etree.XPathSyntaxError as exc:
            raise ConfigError(
                path,
                raw.line_of(key),
                f"{key} {expression!r} is not a valid XPath expression: {exc}",
                f"write an element selector such as {example}",
            ) from None
    return expressions


_SAVED_PAGE_KEYS = {"file", "url", "title", "published", "first_sentence"}


def _saved_pages(raw: LineDict, path: str, key: str = "saved_pages") -> tuple[SavedPage, ...]:
    """The source's saved pages ({file, url, title, published, first_sentence}) under `key`;
    files are relative to the sources file's folder and must exist."""
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(
            path,
            raw.line_of(key),
            f"{key} must be a list of {{file, url, title, published, first_sentence}}",
        )
    pages = []
    for i, item in enumerate(value):
        item_line = value.line_of(i) if isinstance(value, LineList) else raw.line_of(key)
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            raise ConfigError(path, item_line, "each saved page needs a 'file' (an HTML file)")
        unknown = set(item) - _SAVED_PAGE_KEYS
        if unknown:
            raise ConfigError(
                path,
                item_line,
                f"unknown key(s) {sorted(unknown)} in a saved page",
                f"use {', '.join(sorted(_SAVED_PAGE_KEYS))}",
            )
        file = Path(path).parent / item["file"]
        if not file.is_file():
            raise ConfigError(
                path, item_line, f"saved page {item['file']!r} not found (looked for {file})"
            )
        fields = {key: item.get(key) for key in ("title", "published", "first_sentence")}
        pages.append(
            SavedPage(
                file=file,
                url=str(item.get("url") or ""),
                **{k: None if v is None else str(v) for k, v in fields.items()},
            )
        )
    return tuple(pages)


def load_saved_pages(path: str | Path) -> dict[str, tuple[SavedPage, ...]]:
    """Saved pages kept beside a sources file rather than in it, by source name: a mapping of
    names to lists of {file, url, title, published, first_sentence}, files relative to this
    file's folder. The bundled sources keep theirs so (seeds/pages/), so that the
    sources file `veille init` copies elsewhere names no file that stays behind."""
    path = str(path)
    data = require_mapping(load_yaml(path, _QUOTING), path, 1, "the saved pages file")
    return {str(name): _saved_pages(data, path, str(name)) for name in data}


_LOADED: dict[str, tuple[tuple[int, int, int], SourceList]] = {}


def load_sources_cached(path: str | Path) -> SourceList:
    """`load_sources`, parsed again only when the file changed: a long-lived crawl worker starts
    thousands of crawls a day from one file of a thousand sources (SourceList is not modified
    by its users)."""
    stat = os.stat(path)
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    cached = _LOADED.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    source_list = load_sources(path)
    _LOADED[str(path)] = (stamp, source_list)
    return source_list


def load_sources(path: str | Path) -> SourceList:
    """Read and validate the whole source list; any problem raises ConfigError with its line."""
    path = str(path)
    data = require_mapping(load_yaml(path, _QUOTING), path, 1, "the sources file")
    reject_unknown_keys(data, {"defaults", "sources"}, path, "the sources file")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError(
            path,
            data.line_of("defaults"),
            f"'defaults' must be a mapping of source keys, got {type(defaults).__name__}",
            "e.g. defaults:\n  interval_minutes: 30",
        )
    if isinstance(defaults, LineDict):
        reject_unknown_keys(defaults, DEFAULT_KEYS, path, "defaults")
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ConfigError(path, data.line_of("sources"), "'sources' must be a non-empty list")
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_sources):
        raw = require_mapping(raw, path, line_in(raw_sources, i), "each source")
        source = parse_source(raw, path, defaults)
        if source.name in seen:
            raise ConfigError(
                path,
                source.line,
                f"source name {source.name!r} is already used on line {seen[source.name]}",
                "give each source a unique name",
            )
        seen[source.name] = source.line
        sources.append(source)
    return SourceList(path=path, sources=sources)
