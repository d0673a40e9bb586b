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
import unicodedata

import lxml.etree
import lxml.html
import trafilatura
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.meta import reset_caches
from trafilatura.settings import Extractor
from trafilatura.utils import load_html

from crawler.core.limits import MAX_TEXT_CHARACTERS, cap_text
from crawler.extraction.article import Extracted, NotAnArticle
from crawler.extraction.bylines import (
    Republication,
    clean_author,
    find_republication,
    may_be_republished,
)
from crawler.extraction.dates import PAGE_BYLINE, PAGE_MARKUP, PAGE_METADATA, FoundDate, found
from crawler.extraction.metadata import page_metadata

logger = logging.getLogger(__name__)

MIN_ARTICLE_CHARS = 100

# Blocks to cut from the page before extraction: words of class or id names used by WordPress
# themes and Moroccan sites for related links, share bars, paywalls, tickers and cookie banners.
# Matched as whole words of a class token or id ("share-bar", "lire_aussi"), never as substrings
# ("cookies-not-set" is a page state, not a banner).
_BOILERPLATE_WORDS = (
    "related",
    "lire-aussi",
    "lireaussi",
    "read-also",
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
    r"(?:^|[-_\s])(?:"
    + "|".join(re.escape(word) for word in _BOILERPLATE_WORDS)
    + r")(?:$|[-_\s])",
    re.IGNORECASE,
)
# Class tokens that describe what a page or post is, not a block of it: WordPress body_class()
# and post_class() ("tag-social-media", "category-premium", "single-format-standard"), and state
# flags set by plugins and themes ("has-mobile-share", "is-sticky").
_DESCRIPTIVE_TOKEN = re.compile(
    r"^(?:tag|category|categories|post-format|format|type|single|postid|page-template|term"
    r"|author|has|is|no|non|not|with|without)-",
    re.IGNORECASE,
)
_BOILERPLATE_TAGS = frozenset({"nav", "aside", "footer", "form"})
# The page itself and its main landmark are never cut, whatever their classes say.
_NEVER_PRUNED = frozenset({"html", "body", "main"})
# Class and id names are trusted on block containers only: a paragraph, heading or link classed
# "js_readmore" or "share-quote" is part of the text (trafilatura drops the small ones itself).
_PRUNABLE_BY_NAME = frozenset(
    {"div", "section", "aside", "nav", "footer", "header", "form", "ul", "ol", "figure", "iframe"}
)
_PRUNE_CANDIDATES = lxml.etree.XPath(
    "//*[@class or @id] | //nav | //aside | //footer | //form | //header"
)
_PARAGRAPHS = lxml.etree.XPath("//p")
_PARAGRAPH_TEXT = lxml.etree.XPath("descendant-or-self::p//text()", smart_strings=False)
_STRING_LENGTH = lxml.etree.XPath("string-length(.)")
# A block that holds this share of the page's text is a wrapper of the article, not boilerplate
# (an ASP.NET page-wide <form>, a "zone--article-premium" section, a "post-paywall" live blog).
_WRAPPER_SHARE = 0.4
# Below this share a block cannot hold an article body worth the search for where the body sits.
_LARGE_BLOCK_SHARE = 0.1
# A large block with this share of the page's paragraph text holds the article, or its visible
# part on a paywalled page, whatever its class says.
_PARAGRAPH_SHARE = 0.3
# Extracted text under this share of the page's paragraph text makes a prune suspect.
_SUSPICIOUS_SHARE = 0.5
_SIZEABLE_CUT = 0.3


def _has_boilerplate_name(element: lxml.html.HtmlElement) -> bool:
    classes = element.get("class")
    if classes and _BOILERPLATE_TOKEN.search(classes):  # most classes fail here, unsplit
        for token in classes.split():
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
    if tag == "header" and next(element.iterancestors("article", "main"), None) is None:
        return True  # the site header; an article's own (or its main column's) holds its title and lead
    return tag in _PRUNABLE_BY_NAME and _has_boilerplate_name(element)


def _main_text_holder(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element whose own paragraphs carry the most text: where the article body sits."""
    weight: dict[lxml.html.HtmlElement, int] = {}
    for paragraph in _PARAGRAPHS(tree):
        parent = paragraph.getparent()
        if parent is not None:
            weight[parent] = weight.get(parent, 0) + len(paragraph.text_content().strip())
    return max(weight, key=weight.__getitem__) if weight else None


def _paragraph_length(element: lxml.html.HtmlElement) -> int:
    """Characters in the element's paragraphs: prose, where menus and teaser lists are links."""
    return sum(map(len, _PARAGRAPH_TEXT(element)))


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


def prune_boilerplate(
    tree: lxml.html.HtmlElement, extra_xpath: tuple[str, ...] = (), page_length: int | None = None
) -> int:
    """Cut related links, share bars, paywalls, tickers, banners, menus and footers in place.

    Done before trafilatura sees the page, so that its metadata and date search do not pick up
    the title, byline or date of a "Lire aussi" teaser either. Tail text is kept (`drop_tree`).
    What holds the article is never cut: the page, `<main>`, the element holding the main text
    and its ancestors, and any block carrying a large share of the page's text; real pages put
    words like "premium", "paywall" or "share" on exactly those. Site-specific `extra_xpath`
    rules from the source list are the user's own and are applied as written.
    `page_length` is the page's visible text length when the caller has it already.
    Returns the number of blocks cut.
    """
    doomed = [element for element in _PRUNE_CANDIDATES(tree) if _is_boilerplate(element)]
    if doomed:
        total = _page_text_length(tree) if page_length is None else page_length
        protected: set[lxml.html.HtmlElement] | None = None  # found only when a block is large
        paragraphs = 0
        kept = []
        for element in doomed:
            length = _text_length(element)
            if length >= _WRAPPER_SHARE * total:
                continue
            if length >= _LARGE_BLOCK_SHARE * total:
                if protected is None:
                    holder = _main_text_holder(tree)
                    protected = set() if holder is None else {holder, *holder.iterancestors()}
                    paragraphs = _paragraph_length(tree)
                if element in protected or _paragraph_length(element) >= (
                    _PARAGRAPH_SHARE * paragraphs
                ):
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


# Built once: trafilatura's Extractor reads its configuration file on every construction, which
# costs more than pruning a page. Copied per page, since extraction may adjust its options.
_OPTIONS = Extractor(output_format="python", with_metadata=False, comments=False, tables=True)
# htmldate on the markup and the URL only: its search of the whole text reads "lancé en 2013" or
# a namespace URL's "2008" as a publication date, and costs more than the rest of the metadata.
# A page without a date in its markup takes its feed's date, or the time it was first seen.
DATE_PARAMS = {
    "extensive_search": False,
    "original_date": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S",
}

_LANGUAGE_IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
# How sure the text's language must be to overrule what the page declares (real sites declare
# lang="en" on French pages and lang="en-US" on Arabic ones).
_LANGUAGE_CONFIDENCE = 0.9


def _page_language(tree: lxml.html.HtmlElement) -> str | None:
    for value in tree.xpath("/html/@lang | //meta[@property='og:locale']/@content"):
        code = re.split(r"[-_]", value.strip())[0].lower()
        if re.fullmatch(r"[a-z]{2}", code):
            return code
    return None


def text_language(text: str) -> tuple[str, float]:
    """The language of a text and the identifier's confidence in it (0 to 1)."""
    language, confidence = _LANGUAGE_IDENTIFIER.classify(text[:500])
    return language, float(confidence)


_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_LETTER = re.compile(r"[^\W\d_]")
# Languages written in Arabic script (a page declaring one of them is not contradicted by it).
_ARABIC_SCRIPT = frozenset({"ar", "fa", "ur", "ps", "ku", "ug", "sd"})


# Words frequent in any text of these languages and rare in the others: enough to confirm a
# declaration cheaply, so the statistical identifier runs only when the two disagree.
_STOPWORDS = {
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "du",
            "une",
            "est",
            "dans",
            "pour",
            "qui",
            "sur",
            "avec",
            "pas",
            "par",
            "au",
            "aux",
            "ses",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "of",
            "and",
            "to",
            "is",
            "in",
            "that",
            "for",
            "with",
            "was",
            "on",
            "are",
            "by",
            "this",
            "from",
            "has",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "los",
            "las",
            "del",
            "una",
            "es",
            "en",
            "por",
            "con",
            "para",
            "que",
            "se",
            "su",
            "al",
            "lo",
            "como",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "und",
            "das",
            "ist",
            "nicht",
            "mit",
            "von",
            "den",
            "dem",
            "des",
            "ein",
            "eine",
            "auch",
            "sich",
        ]
    ),
}
_WORD = re.compile(r"[^\W\d_]+")


def _quick_language(sample: str) -> str | None:
    """'ar' for text mostly in Arabic script; otherwise the language whose common words clearly
    dominate the sample; None when it is not clear."""
    letters = len(_LETTER.findall(sample))
    if letters and len(_ARABIC_LETTER.findall(sample)) > letters / 2:
        return "ar"
    words = [word.lower() for word in _WORD.findall(sample)]
    counts = sorted(
        (
            (sum(word in common for word in words), language)
            for language, common in _STOPWORDS.items()
        ),
        reverse=True,
    )
    (best, language), (second, _) = counts[0], counts[1]
    return language if best >= 5 and best >= 2 * second else None


def _choose_language(declared: str | None, text: str) -> str | None:
    """The page's declared language unless its text clearly says otherwise: the identifier is
    confident, or the text is in Arabic script while the page declares a Latin-script language
    (real Moroccan sites declare lang="en-US" on Arabic pages)."""
    sample = text[:500]
    quick = _quick_language(sample)
    if declared and quick == declared:
        return declared
    if quick == "ar":
        return declared if declared in _ARABIC_SCRIPT else "ar"
    detected, confidence = text_language(text)
    if declared == detected:
        return declared
    if not declared or confidence >= _LANGUAGE_CONFIDENCE:
        return detected
    return declared


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
    """Drop boilerplate lines; compose characters (NFC) as trafilatura.extract does, so that the
    same words always have the same code points for hashing, matching and search."""
    text = unicodedata.normalize("NFC", text)
    kept = [
        line for line in text.splitlines() if line.strip() and not _BOILERPLATE_LINE.match(line)
    ]
    return "\n".join(kept).strip()


def _extract_body(tree: lxml.html.HtmlElement, url: str) -> str:
    """The article text of a (pruned) tree, or raise NotAnArticle saying why."""
    options = copy.copy(_OPTIONS)
    options.url = options.source = url
    body = trafilatura.bare_extraction(tree, options=options)  # works on a copy of the tree
    found = body.get("text") if isinstance(body, dict) else getattr(body, "text", None)
    if not found:
        raise NotAnArticle("no article body found")
    text = _clean_text(found)
    if len(text) < MIN_ARTICLE_CHARS:
        raise NotAnArticle(f"body too short ({len(text)} characters) to be an article")
    return text


def _page_date(
    tree: lxml.html.HtmlElement, url: str, metadata_date: str | None, republished: Republication
) -> FoundDate | None:
    """The page's own date, most trusted origin first (see crawler.extraction.dates)."""
    declared = found(_page_published(tree), PAGE_MARKUP)
    if declared is not None:
        return declared
    from_metadata = found(metadata_date, PAGE_METADATA)
    if from_metadata is not None and from_metadata.precision != "year":
        return from_metadata
    if republished.day:
        return found(republished.day, PAGE_BYLINE)
    return from_metadata


def _suspicious(extracted: int, prose_before: int, prose_after: int) -> bool:
    """Whether a prune may have cost the article: the text extracted is under half of the
    paragraph text left, or the prune itself removed most of the page's paragraph text."""
    return (
        extracted < _SUSPICIOUS_SHARE * prose_after
        or prose_after < _SUSPICIOUS_SHARE * prose_before
    )


# A rich news page has a few thousand elements. A page of tens of thousands (9.5 MB of small
# elements, under the download cap) cost two minutes and 1.8 GB to extract and froze the crawl
# of every source: such a page is declined, with its reason, before it is parsed.
MAX_PAGE_TAGS = 60_000


def extract_article(
    html: str | bytes, url: str, extra_prune_xpath: tuple[str, ...] = ()
) -> Extracted:
    """Extract text and metadata from one page, or raise NotAnArticle saying why."""
    global _pages_since_reset
    _pages_since_reset += 1
    tags = html.count(b"<") if isinstance(html, bytes) else html.count("<")
    if tags > MAX_PAGE_TAGS:
        raise NotAnArticle(
            f"page too complex to extract: about {tags} tags (limit {MAX_PAGE_TAGS}; a news "
            "article has a few thousand)"
        )
    # trafilatura's own loader: decodes bytes by their declared or detected charset, drops
    # comments and processing instructions (comment nodes defeat its body detection), copes
    # with XML declarations and repairs common breakage.
    tree = load_html(html)
    if tree is None:
        raise NotAnArticle("unparsable HTML: no document tree could be built from the page")
    page_language = _page_language(tree)
    # Read before pruning: the notice or its link may sit in a block that is cut.
    republished = find_republication(tree) if may_be_republished(html) else Republication()
    visible, prose = _page_text_length(tree), _paragraph_length(tree)
    cut = prune_boilerplate(tree, extra_prune_xpath, visible)
    reverted = False
    declined: NotAnArticle | None = None
    try:
        text = _extract_body(tree, url)
    except NotAnArticle as exc:
        if not cut:
            raise
        text, declined = "", exc
    if (
        cut
        and _page_text_length(tree) < (1 - _SIZEABLE_CUT) * visible
        and _suspicious(len(text), prose, _paragraph_length(tree))
    ):
        # trafilatura's own safeguard (its `with_backup` step): when the prune looks like it
        # cost the article text, extract the unpruned page too and keep it if it gives far
        # more. Only when the prune cut a sizeable part of the page: one that cut little cannot
        # be why the text is short. A second extraction on about one real page in 35.
        whole = load_html(html)
        try:
            whole_text = _extract_body(whole, url)
        except NotAnArticle:
            whole_text = ""
        if len(whole_text) > 2 * len(text):
            tree, text, reverted = whole, whole_text, True
            logger.info("url=%s pruning cut most of the text; kept the unpruned page's", url)
    if not text:
        raise declined or NotAnArticle("no article body found")  # the pruned page's own reason
    text, cut_from = cap_text(text, MAX_TEXT_CHARACTERS)
    document = page_metadata(tree, url, DATE_PARAMS)
    language = _choose_language(page_language or document.language, text)
    author, byline_outlet = clean_author(document.author)
    return Extracted(
        title=(document.title or "").strip() or None,
        author=author,
        date=_page_date(tree, url, document.date, republished),
        language=language,
        sitename=document.sitename or None,
        description=document.description or None,
        canonical_url=document.url or None,
        text=text,
        original_source=republished.outlet or byline_outlet,
        original_url=republished.url,
        language_declared=page_language if page_language and page_language != language else None,
        pruning_reverted=reverted,
        text_cut_from=cut_from,
    )


_pages_since_reset = 0


def reset_extraction_caches() -> None:
    """trafilatura keeps process-wide caches; clear them between crawls of a long-lived process.
    Only after pages were extracted: the reset ends in a full garbage collection (some 90 ms),
    which an idle poll (every feed answering 304) has no reason to pay."""
    global _pages_since_reset
    if not _pages_since_reset:
        return
    _pages_since_reset = 0
    # htmldate logs an ERROR for caches it cannot clear; that is noise, not a fault.
    noisy = logging.getLogger("htmldate.meta")
    level = noisy.level
    noisy.setLevel(logging.CRITICAL)
    try:
        reset_caches()
    finally:
        noisy.setLevel(level)
