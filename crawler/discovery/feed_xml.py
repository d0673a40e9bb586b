"""A feed's entries read with lxml, as feedparser would give them, for the well-formed RSS 2.0,
RSS 1.0 (RDF) and Atom 1.0 feeds news sites serve.

feedparser walks every element through Python handlers and sanitises every description and
content:encoded it meets; discovery only reads each entry's link (or id), title and two dates.
This module reads those from an lxml tree and applies feedparser's own steps to them (its
encoding detection, base URI resolution, text fixes and date parser, imported from the pinned
feedparser), so the result is the same. It reads a narrow, common shape only: anything outside
it (a DOCTYPE, malformed XML, an element or namespace not listed here, HTML in a title, nested
markup where text is expected, an unusual base) returns a reason instead, and the caller reads
the feed with feedparser. tests/test_feed_xml.py holds the two paths equal on every feed fixture,
a corpus of odd feeds (bench/feed_corpus.py) and feeds assembled at random.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import lxml.etree
from feedparser.datetimes import _parse_date
from feedparser.encodings import convert_to_utf8
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.sanitizer import replace_doctype
from feedparser.urls import _urljoin, make_safe_absolute_uri


@dataclass(frozen=True)
class FeedEntry:
    """What discovery reads of one entry: feedparser's `link or id`, `title`, and the parsed
    publication and modification dates (None when absent, or when feedparser gives none), with
    the publication and modification dates as the feed wrote them (their time of day and zone,
    which the parsed UTC dates no longer tell)."""

    href: str | None
    title: str | None
    published: time.struct_time | None
    updated: time.struct_time | None
    published_written: str | None = None
    updated_written: str | None = None


class NotPlain(Exception):
    """The feed is outside the shape read here; the message says how."""


# feedparser's namespace URI -> prefix table (lowercased URIs, as it matches them).
_PREFIXES: dict[str, str] = {uri.lower(): p for uri, p in _FeedParserMixin.namespaces.items()}
_STANDARD_PREFIXES = {p for p in _PREFIXES.values() if p}
_ATOM = "http://www.w3.org/2005/atom"
_RSS10 = "http://purl.org/rss/1.0/"
_NETSCAPE = "http://my.netscape.com/rdf/simple/0.9/"
_DECLARATION = re.compile(rb"""xmlns(?::([^\s=/>]+))?\s*=\s*(["'])(.*?)\2""", re.S)
_FIRST_ELEMENT = re.compile(rb"<\w")
_DOCTYPE = re.compile(rb"<!doctype", re.I)
_RDF_ROOT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
_ENTITY_LIKE = re.compile(r"&([A-Za-z0-9_]+);")
_HTML_TYPES = _FeedParserMixin.html_types
_looks_like_html = _FeedParserMixin.looks_like_html
_map_content_type = _FeedParserMixin.map_content_type
_enforce_href = _FeedParserMixin._enforce_href

# Element names as feedparser names them (standard prefix, lowercased local name).
_TITLES = {"title", "dc:title"}
_IDS = {"guid", "id"}
_PUBLISHED = {"pubdate", "published", "issued", "dcterms:issued"}
_UPDATED = {"updated", "modified", "lastbuilddate", "dc:date", "dcterms:modified"}
# Entry elements whose feedparser handlers touch none of the fields read here (checked one by
# one in feedparser 6.0.14's handlers); each must hold text only.
_ENTRY_IGNORED = {
    "description",
    "content:encoded",
    "summary",
    "content",
    "category",
    "dc:subject",
    "comments",
    "dc:creator",
    "wfw:commentrss",
    "slash:comments",
    "enclosure",
    "media:content",
    "media:thumbnail",
    "created",
    "dcterms:created",
    "rights",
    "dc:rights",
    "dc:language",
}
# Atom's <author> holds these, text only.
_AUTHOR_PARTS = {"name", "email", "uri"}
# Feed-level elements (outside entries), text only unless a container below.
_FEED_IGNORED = {
    "title",
    "subtitle",
    "link",
    "description",
    "language",
    "copyright",
    "rights",
    "managingeditor",
    "webmaster",
    "pubdate",
    "lastbuilddate",
    "updated",
    "id",
    "category",
    "generator",
    "docs",
    "ttl",
    "icon",
    "logo",
    "sy:updateperiod",
    "sy:updatefrequency",
    "sy:updatebase",
    "dc:language",
    "dc:creator",
    "dc:rights",
    "dc:date",
    "dc:publisher",
    "dc:title",
    "dc:description",
}
# Feed-level containers and the text-only elements each may hold.
_FEED_CONTAINERS = {
    "image": {"title", "url", "link", "width", "height", "description"},
    "textinput": {"title", "description", "name", "link"},
    "author": _AUTHOR_PARTS,
}


def _name(tag: object, unknown: dict[str, str]) -> str:
    """An element's name as feedparser's handlers see it. feedparser names an element of a
    namespace it does not know by the prefix declared for it (`unknown`: the namespaces
    declared once, under a prefix of their own); NotPlain for any other such namespace, and
    for comments and processing instructions."""
    name = _NAMES.get(tag)
    if name is not None:
        return name
    if not isinstance(tag, str):
        raise NotPlain("a comment or processing instruction where an element was expected")
    if tag[0] != "{":
        name = tag.lower()
        if len(_NAMES) < 10_000:
            _NAMES[tag] = name
        return name
    uri, local = tag[1:].split("}", 1)
    lower = uri.lower()
    if "backend.userland.com/rss" in lower:
        lower = "http://backend.userland.com/rss"
    prefix = _PREFIXES.get(lower)
    if prefix is None:
        given = unknown.get(uri)
        if given is None:
            raise NotPlain(f"an element in an unknown namespace ({uri[:80]})")
        return f"{given}:{local}".lower()
    name = f"{prefix}:{local.lower()}" if prefix else local.lower()
    if len(_NAMES) < 10_000:
        _NAMES[tag] = name
    return name


# Names of the tags in no namespace or a known one (the same in every document), bounded.
_NAMES: dict[object, str] = {}


def _is_inert(name: str) -> bool:
    """Whether feedparser stores an element of an unknown namespace under a key of its own
    and does nothing else with it (no handler of that name, no key read here)."""
    method = name.replace(":", "_")
    return (
        not hasattr(_FeedParserMixin, "_start_" + method)
        and not hasattr(_FeedParserMixin, "_end_" + method)
        and method not in _READ_KEYS
    )


_READ_KEYS = {"link", "id", "title", "published_parsed", "updated_parsed", "guidislink"}


def _unknown_namespaces(declarations: list[tuple[str | None, str]]) -> dict[str, str]:
    """The namespaces feedparser does not know that are declared under one prefix, bound to
    nothing else: feedparser names their elements by that prefix."""
    prefixes: dict[str, set[str | None]] = {}
    uris: dict[str | None, set[str]] = {}
    for prefix, uri in declarations:
        prefixes.setdefault(uri, set()).add(prefix)
        uris.setdefault(prefix, set()).add(uri)
    found = {}
    for uri, given in prefixes.items():
        lower = uri.lower()
        if lower in _PREFIXES or "backend.userland.com/rss" in lower or len(given) != 1:
            continue
        (prefix,) = given
        if prefix and len(uris[prefix]) == 1:
            found[uri] = prefix
    return found


def _attributes(element: lxml.etree._Element) -> dict[str, str]:
    """An element's attributes as feedparser's handlers receive them."""
    attributes: dict[str, str] = {}
    for key, value in element.attrib.items():
        key = str(key)
        if key[0] == "{":
            uri, local = key[1:].split("}", 1)
            prefix = _PREFIXES.get(uri.lower(), "")
            key = f"{prefix}:{local}" if prefix else local
        key = key.lower()
        value = str(value)
        attributes[key] = value.lower() or value if key in ("rel", "type") else value
    return attributes


class _Bases:
    """feedparser's base URI as each element's start tag sets it (xml:base, or an attribute
    named base), with the joins remembered: every element of a feed repeats its parent's."""

    def __init__(self) -> None:
        self._joined: dict[tuple[str, str], str] = {}

    def enter(self, base: str, attributes: dict[str, str]) -> str:
        given = attributes["xml:base"] if "xml:base" in attributes else attributes.get("base")
        given = given or base
        key = (base, given)
        joined = self._joined.get(key)
        if joined is None:
            joined = make_safe_absolute_uri(base, given) or base
            self._joined[key] = joined
        return joined


def _text(element: lxml.etree._Element) -> str:
    """The text of an element that must hold text only (feedparser would join the text around
    a comment or child, and feed the child to its own handler)."""
    if len(element):
        raise NotPlain(f"markup inside <{element.tag}>")
    return element.text or ""


def _fix(output: str) -> str:
    """feedparser's last two steps on every value: undo UTF-8 read as Latin-1, and map the
    Windows-1252 code points to the characters they stand for."""
    try:
        return output.encode("iso-8859-1").decode("utf-8").translate(_cp1252)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return output.translate(_cp1252)


def _declarations(data: bytes) -> list[tuple[str | None, str]]:
    """The namespace declarations of the document, in document order (a declaration-like text
    inside an element's text is listed too: it can only send the feed to feedparser)."""
    if b"xmlns" not in data:
        return []
    return [
        (prefix.decode("utf-8", "replace") if prefix else None, uri.decode("utf-8", "replace"))
        for prefix, _, uri in _DECLARATION.findall(data)
    ]


def _version(declarations: list[tuple[str | None, str]]) -> str:
    """The version feedparser's namespace tracking sets from the first declaration it knows."""
    for prefix, uri in declarations:
        lower = uri.lower()
        if prefix is None and lower == _NETSCAPE:
            return "rss090"
        if lower == _RSS10:
            return "rss10"
        if lower == _ATOM:
            return "atom10"
    return ""


def _check_prefixes(declarations: list[tuple[str | None, str]]) -> None:
    """feedparser maps a declared prefix of a known namespace to that namespace's own prefix,
    whatever element later uses it: a prefix that is another namespace's standard one would
    rename that namespace's elements."""
    for prefix, uri in declarations:
        lower = uri.lower()
        if "backend.userland.com/rss" in lower:
            lower = "http://backend.userland.com/rss"
        standard = _PREFIXES.get(lower)
        if prefix in _STANDARD_PREFIXES and standard is not None and standard != prefix:
            raise NotPlain(f"prefix {prefix!r} declared for another namespace")


class _Reader:
    def __init__(self, bases: _Bases, rss: bool, unknown: dict[str, str]) -> None:
        self.bases = bases
        self.unknown = unknown
        self.rss = rss  # feedparser guesses HTML in the titles of RSS, not Atom
        self.entries: list[FeedEntry] = []

    def is_unknown(self, element: lxml.etree._Element) -> bool:
        tag = element.tag
        return (
            isinstance(tag, str) and tag.startswith("{") and tag[1:].split("}")[0] in self.unknown
        )

    def container(self, element: lxml.etree._Element, allowed: set[str]) -> None:
        for child in element:
            if _name(child.tag, self.unknown) not in allowed:
                raise NotPlain(f"<{child.tag}> in <{element.tag}>")
            _text(child)

    def feed_child(self, element: lxml.etree._Element, name: str) -> None:
        if name in _FEED_CONTAINERS:
            self.container(element, _FEED_CONTAINERS[name])
        elif name in _FEED_IGNORED or (
            ":" in name and _is_inert(name) and self.is_unknown(element)
        ):
            _text(element)
        else:
            raise NotPlain(f"feed element <{element.tag}>")

    def entry(self, element: lxml.etree._Element, parent_base: str) -> None:
        """One item or entry, through the steps feedparser's handlers take for its fields."""
        attributes = _attributes(element) if element.attrib else {}
        if "lastmod" in attributes or "href" in attributes:
            raise NotPlain("an item with CDF attributes")
        base = self.bases.enter(parent_base, attributes)
        fields: dict[str, object] = {}
        about = attributes.get("rdf:about")
        if about:
            fields["id"] = about
        title_set = False  # feedparser's title_depth: the first non-empty title stays
        for child in element:
            name = _name(child.tag, self.unknown)
            child_attributes = _attributes(child) if child.attrib else {}
            if name in _TITLES:
                if "mode" in child_attributes or (
                    _map_content_type(child_attributes.get("type", "text/plain")) != "text/plain"
                ):
                    raise NotPlain("a title that is not plain text")
                output = _text(child).strip()
                if self.rss and _looks_like_html(output):
                    raise NotPlain("HTML in a title")
                output = _fix(output)
                if not title_set:
                    fields["title"] = output
                if output:
                    title_set = True
            elif name == "link":
                link = dict(child_attributes)
                link.setdefault("rel", "alternate")
                link.setdefault(
                    "type", "application/atom+xml" if link["rel"] == "self" else "text/html"
                )
                link = _enforce_href(link)
                child_base = self.bases.enter(base, child_attributes)
                if "href" in link:
                    _text(child)
                    href = _urljoin(child_base or "", link["href"])
                    if (
                        link.get("rel") == "alternate"
                        and _map_content_type(link.get("type")) in _HTML_TYPES
                    ):
                        fields["link"] = href
                else:
                    output = _text(child).strip()
                    if output:
                        output = _urljoin(child_base or "", output)
                    output = _fix(output).replace("&amp;", "&")
                    fields["link"] = _ENTITY_LIKE.sub(r"&\g<1>", output)
            elif name in _IDS:
                is_link = child_attributes.get("ispermalink", "true") == "true"
                output = _text(child).strip()
                if output and is_link:
                    output = _urljoin(self.bases.enter(base, child_attributes) or "", output)
                output = _fix(output)
                fields["id"] = output
                if is_link:
                    fields.setdefault("link", output)
            elif name in _PUBLISHED:
                fields["published_written"] = _fix(_text(child).strip())
                fields["published"] = _parse_date(fields["published_written"])
            elif name in _UPDATED:
                fields["updated_written"] = _fix(_text(child).strip())
                fields["updated"] = _parse_date(fields["updated_written"])
            elif name == "author":
                self.container(child, _AUTHOR_PARTS)
            elif name in _ENTRY_IGNORED or (_is_inert(name) and self.is_unknown(child)):
                _text(child)
            else:
                raise NotPlain(f"entry element <{child.tag}>")
        href = fields.get("link") or fields.get("id")
        title = fields.get("title")
        self.entries.append(
            FeedEntry(
                str(href) if href else None,
                str(title) if title is not None else None,
                fields.get("published") or None,  # type: ignore[arg-type]
                fields.get("updated") or None,  # type: ignore[arg-type]
                fields.get("published_written") or None,  # type: ignore[arg-type]
                fields.get("updated_written") or None,  # type: ignore[arg-type]
            )
        )

    def channel(self, element: lxml.etree._Element, base: str, rdf: bool) -> None:
        for child in element:
            name = _name(child.tag, self.unknown)
            if name == "item" and not rdf:
                self.entry(child, base)
            elif rdf and name == "items":
                for sequence in child:
                    if _name(sequence.tag, self.unknown) not in ("rdf:seq", "rdf:bag"):
                        raise NotPlain(f"<{sequence.tag}> in an RSS 1.0 <items>")
                    self.container(sequence, {"rdf:li"})
            else:
                self.feed_child(child, name)


def _parser() -> lxml.etree.XMLParser:
    # Strict: a document libxml2 must repair is one feedparser would read its own way.
    return lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=False, load_dtd=False
    )


def read_entries(body: bytes, base_url: str, content_type: str) -> list[FeedEntry]:
    """The entries of a well-formed RSS 2.0, RSS 1.0 or Atom 1.0 feed of the shape above, as
    feedparser.parse(body, response_headers=...) gives them, with the feed's problem being
    none. NotPlain when the feed is anything else: read it with feedparser then."""
    if not body:
        raise NotPlain("an empty document")
    headers = {"content-location": base_url, "content-type": content_type}
    detected: dict[str, object] = {}
    data = convert_to_utf8(headers, body, detected)
    if not detected.get("encoding"):
        raise NotPlain("an unknown character encoding")
    start = _FIRST_ELEMENT.search(data)
    if start is None or _DOCTYPE.search(data, 0, start.start()):
        raise NotPlain("a DOCTYPE, or no element")
    doctype_version, replaced, entities = replace_doctype(data)
    if doctype_version or entities or replaced != data:
        raise NotPlain("a DOCTYPE")
    base = make_safe_absolute_uri("", base_url) or make_safe_absolute_uri(base_url) or ""
    if not base:
        raise NotPlain("no absolute base URL")
    parser = _parser()
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise NotPlain(f"not well-formed XML ({exc})") from None
    if root is None or len(parser.error_log):
        raise NotPlain("XML the parser had to warn about")
    declarations = _declarations(data)
    _check_prefixes(declarations)
    unknown = _unknown_namespaces(declarations)
    bases = _Bases()
    root_base = bases.enter(base, _attributes(root))
    if root.tag == "rss":
        reader = _Reader(bases, True, unknown)
        for child in root:
            if _name(child.tag, unknown) != "channel":
                raise NotPlain(f"<{child.tag}> in <rss>")
            reader.channel(child, bases.enter(root_base, _attributes(child)), rdf=False)
        return reader.entries
    if root.tag == "{http://www.w3.org/2005/Atom}feed":
        if _version(declarations) != "atom10":
            raise NotPlain("an Atom feed declaring RSS 1.0 first")
        reader = _Reader(bases, False, unknown)
        for child in root:
            name = _name(child.tag, unknown)
            if name == "entry":
                reader.entry(child, root_base)
            else:
                reader.feed_child(child, name)
        return reader.entries
    if root.tag == _RDF_ROOT and _version(declarations) in ("rss10", "rss090"):
        reader = _Reader(bases, True, unknown)
        for child in root:
            name = _name(child.tag, unknown)
            if name == "channel":
                reader.channel(child, bases.enter(root_base, _attributes(child)), rdf=True)
            elif name == "item":
                reader.entry(child, root_base)
            elif name in ("image", "textinput"):
                reader.container(child, _FEED_CONTAINERS[name])
            else:
                raise NotPlain(f"<{child.tag}> in an RSS 1.0 document")
        return reader.entries
    raise NotPlain(f"a document whose root is <{root.tag}>")
