"""Article extraction: body text without boilerplate, plus metadata, from a fetched HTML page.

trafilatura does the heavy lifting; this module adds what Moroccan pages need on top: pruning of
the blocks trafilatura keeps inside article bodies ("Lire aussi", share bars, paywall footers),
language from the page or the text, and a clear verdict when a page is not an article.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from dataclasses import dataclass

import lxml.etree
import lxml.html
import py3langid
import trafilatura
from trafilatura.meta import reset_caches
from trafilatura.settings import Extractor
from trafilatura.utils import load_html

from crawler.metadata import page_metadata

MIN_ARTICLE_CHARS = 250

# Blocks to cut from the page before extraction: words of class or id names used by WordPress
# themes and Moroccan sites for related links, share bars, paywalls, tickers and cookie banners.
# Matched as whole words of a class token or id ("share-bar", "lire_aussi"), never as substrings
# ("cookies-not-set" is a page state, not a banner).
_BOILERPLATE_WORDS = (
    "related",
    "lire-aussi",
    "lireaussi",
    "read-also",
    "read-more",
    "readmore",
    "also-read",
    "share",
    "sharing",
    "sharedaddy",
    "social",
    "newsletter",
    "paywall",
    "premium",
    "subscribe",
    "abonnement",
    "cookie",
    "consent",
    "ticker",
    "breaking",
    "trending",
    "most-read",
    "advert",
    "advertisement",
    "pub",
    "sponsor",
    "sponsored",
)
_BOILERPLATE_TOKEN = re.compile(
    r"(?:^|[-_])(?:" + "|".join(re.escape(word) for word in _BOILERPLATE_WORDS) + r")(?:$|[-_])",
    re.IGNORECASE,
)
# Class tokens that describe what a page or post is, not a block of it: WordPress body_class()
# and post_class() ("tag-social-media", "category-premium", "single-format-standard"), and state
# flags set by plugins and themes ("has-mobile-share", "is-sticky").
_DESCRIPTIVE_TOKEN = re.compile(
    r"^(?:tag|category|categories|post-format|format|type|single|postid|page-template|term"
    r"|author|has|is|no|with)-",
    re.IGNORECASE,
)
_BOILERPLATE_TAGS = frozenset({"nav", "aside", "footer", "form"})
# The page itself and its main landmark are never cut, whatever their classes say.
_NEVER_PRUNED = frozenset({"html", "body", "main"})
_PRUNE_CANDIDATES = lxml.etree.XPath(
    "//*[@class or @id] | //nav | //aside | //footer | //form | //header"
)
_PARAGRAPHS = lxml.etree.XPath("//p")
_STRING_LENGTH = lxml.etree.XPath("string-length(.)")
# A block that holds this share of the page's text is a wrapper of the article, not boilerplate
# (an ASP.NET page-wide <form>, a "zone--article-premium" section, a "post-paywall" live blog).
_WRAPPER_SHARE = 0.4
# Below this share a block cannot hold an article body worth the search for where the body sits.
_LARGE_BLOCK_SHARE = 0.1


def _has_boilerplate_name(element: lxml.html.HtmlElement) -> bool:
    for token in (element.get("class") or "").split():
        if not _DESCRIPTIVE_TOKEN.match(token) and _BOILERPLATE_TOKEN.search(token):
            return True
    identifier = element.get("id")
    return bool(identifier and _BOILERPLATE_TOKEN.search(identifier))


def _is_boilerplate(element: lxml.html.HtmlElement) -> bool:
    tag = element.tag
    if tag in _NEVER_PRUNED:
        return False
    if tag in _BOILERPLATE_TAGS:
        return True
    if tag == "header" and next(element.iterancestors("article"), None) is None:
        return True  # the site header; an article's own header holds its title and byline
    return _has_boilerplate_name(element)


def _main_text_holder(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element whose own paragraphs carry the most text: where the article body sits."""
    weight: dict[lxml.html.HtmlElement, int] = {}
    for paragraph in _PARAGRAPHS(tree):
        parent = paragraph.getparent()
        if parent is not None:
            weight[parent] = weight.get(parent, 0) + len(paragraph.text_content().strip())
    return max(weight, key=weight.__getitem__) if weight else None


def _text_length(element: lxml.html.HtmlElement) -> int:
    """Characters of text in the element, inline scripts included (counted in C by XPath)."""
    return int(_STRING_LENGTH(element))


def _page_text_length(tree: lxml.html.HtmlElement) -> int:
    """Characters of text a reader sees on the page: scripts and styles left out, since some
    pages carry more configuration than prose."""
    hidden = sum(len(element.text or "") for element in tree.iter("script", "style", "noscript"))
    return _text_length(tree) - hidden


@functools.lru_cache(maxsize=256)
def _compiled_xpath(expression: str) -> lxml.etree.XPath:
    return lxml.etree.XPath(expression)


def prune_boilerplate(tree: lxml.html.HtmlElement, extra_xpath: tuple[str, ...] = ()) -> int:
    """Cut related links, share bars, paywalls, tickers, banners, menus and footers in place.

    Done before trafilatura sees the page, so that its metadata and date search do not pick up
    the title, byline or date of a "Lire aussi" teaser either. Tail text is kept (`drop_tree`).
    What holds the article is never cut: the page, `<main>`, the element holding the main text
    and its ancestors, and any block carrying a large share of the page's text; real pages put
    words like "premium", "paywall" or "share" on exactly those. Site-specific `extra_xpath`
    rules from the source list are the user's own and are applied as written.
    Returns the number of blocks cut.
    """
    doomed = [element for element in _PRUNE_CANDIDATES(tree) if _is_boilerplate(element)]
    if doomed:
        total = _page_text_length(tree)
        protected: set[lxml.html.HtmlElement] | None = None  # found only when a block is large
        kept = []
        for element in doomed:
            length = _text_length(element)
            if length >= _WRAPPER_SHARE * total:
                continue
            if length >= _LARGE_BLOCK_SHARE * total:
                if protected is None:
                    holder = _main_text_holder(tree)
                    protected = set() if holder is None else {holder, *holder.iterancestors()}
                if element in protected:
                    continue
            kept.append(element)
        doomed = kept
    for expression in extra_xpath:
        doomed.extend(
            e for e in _compiled_xpath(expression)(tree) if isinstance(e, lxml.etree.ElementBase)
        )
    cut = 0
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
            cut += 1
    return cut


# Paragraphs that are boilerplate whatever markup carries them.
_BOILERPLATE_LINE = re.compile(
    r"^\s*(?:"
    r"(?:à |a )?lire (?:aussi|également)\b|voir aussi\b|sur le même sujet\b|"
    r"اقرأ أيضا|اقرأ ايضا|إقرأ أيضا|"
    r"read (?:also|more)\b|see also\b|related:|"
    r"lee (?:también|tambien)\b|leer (?:también|tambien)\b|"
    r"the post .* appeared first on\b|"
    r"cet article est réservé aux abonnés|inscrivez-vous gratuitement pour lire|"
    r"un proche vous offre cet article|les articles premium|abonnez-vous\b|"
    r"cliquez ici pour lire l'article depuis sa source|"
    r"partager\s*:|share\s*:|شارك\s*:"
    r")",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^\s*(?:par|by|por|بقلم)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Extracted:
    title: str | None
    author: str | None
    published: str | None
    language: str | None
    sitename: str | None
    description: str | None
    canonical_url: str | None
    text: str


class NotAnArticle(Exception):
    """The page has no article body worth storing (a section page, an error page, a stub)."""


# Built once: trafilatura's Extractor reads its configuration file on every construction, which
# costs more than pruning a page. Copied per page, since extraction may adjust its options.
_OPTIONS = Extractor(output_format="python", with_metadata=False, comments=False, tables=True)
DATE_PARAMS = {
    "extensive_search": True,
    "original_date": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S",
}


def _page_language(tree: lxml.html.HtmlElement) -> str | None:
    for value in tree.xpath("/html/@lang | //meta[@property='og:locale']/@content"):
        code = re.split(r"[-_]", value.strip())[0].lower()
        if re.fullmatch(r"[a-z]{2}", code):
            return code
    return None


def _page_published(tree: lxml.html.HtmlElement) -> str | None:
    """The publication time the page declares, with its time of day (htmldate may drop it)."""
    values = tree.xpath(
        "//meta[@property='article:published_time']/@content"
        " | //meta[@itemprop='datePublished']/@content"
        " | //article//time/@datetime"
    )
    for value in values:
        value = value.strip()
        if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
            return value
    return None


def _clean_text(text: str) -> str:
    kept = [
        line for line in text.splitlines() if line.strip() and not _BOILERPLATE_LINE.match(line)
    ]
    return "\n".join(kept).strip()


def _clean_author(author: str | None) -> str | None:
    if not author:
        return None
    author = _BYLINE.sub("", author).strip(" ,;|-")
    return author or None


def extract_article(
    html: str | bytes, url: str, extra_prune_xpath: tuple[str, ...] = ()
) -> Extracted:
    """Extract text and metadata from one page, or raise NotAnArticle saying why."""
    # trafilatura's own loader: decodes bytes by their declared or detected charset, drops
    # comments and processing instructions (comment nodes defeat its body detection), copes
    # with XML declarations and repairs common breakage.
    tree = load_html(html)
    if tree is None:
        raise NotAnArticle("unparsable HTML: no document tree could be built from the page")
    page_language = _page_language(tree)
    page_published = _page_published(tree)  # read before pruning: teasers carry dates too
    prune_boilerplate(tree, extra_prune_xpath)
    options = copy.copy(_OPTIONS)
    options.url = options.source = url
    body = trafilatura.bare_extraction(tree, options=options)  # works on a copy of the tree
    if body is None or not body.text:
        raise NotAnArticle("no article body found")
    text = _clean_text(body.text)
    if len(text) < MIN_ARTICLE_CHARS:
        raise NotAnArticle(f"body too short ({len(text)} characters) to be an article")
    document = page_metadata(tree, url, DATE_PARAMS)
    language = page_language or document.language
    if not language:
        language = py3langid.classify(text[:2000])[0]
    return Extracted(
        title=(document.title or "").strip() or None,
        author=_clean_author(document.author),
        published=page_published or document.date or None,
        language=language,
        sitename=document.sitename or None,
        description=document.description or None,
        canonical_url=document.url or None,
        text=text,
    )


def reset_extraction_caches() -> None:
    """trafilatura keeps process-wide caches; clear them between crawls of a long-lived process."""
    # htmldate logs an ERROR for caches it cannot clear; that is noise, not a fault.
    noisy = logging.getLogger("htmldate.meta")
    level = noisy.level
    noisy.setLevel(logging.CRITICAL)
    try:
        reset_caches()
    finally:
        noisy.setLevel(level)
