"""Article extraction: body text without boilerplate, plus metadata, from a fetched HTML page.

The order is the design: trafilatura reads the whole page first, as it is built to; veille's
boilerplate knowledge (crawler.extraction.boilerplate) then takes paragraphs away from its text,
never the other way round, so it can drop a teaser but cannot replace the article with the menu
or decline a page trafilatura read. Where the text looks thin or like navigation, a second,
recall-oriented pass is tried, and the lead trafilatura leaves out is put back
(crawler.extraction.recall). A source's site profile (crawler.extraction.profiles) adds where its
text and date are and which blocks are its boilerplate. `Extracted.path` says which path produced
the text; `Extracted.notes` what a crawl records about the page.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Callable, Iterator

import lxml.etree
import lxml.html
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.baseline import baseline
from trafilatura.meta import reset_caches

from crawler.core.limits import MAX_TEXT_CHARACTERS, cap_text
from crawler.extraction.article import (
    LEAD,
    PATH_BASELINE,
    PATH_PROFILE,
    PATH_RECALL,
    PATH_TRAFILATURA,
    Extracted,
    NotAnArticle,
    PageTooComplex,
)
from crawler.extraction.boilerplate import (
    Block,
    Filtered,
    boilerplate_blocks,
    class_and_id_values,
    clean_text,
    compiled_xpath,
    filter_paragraphs,
    is_boilerplate,
    page_text,
)
from crawler.extraction.byline_dates import ShownDates, byline_date
from crawler.extraction.bylines import (
    Republication,
    clean_author,
    find_republication,
    may_be_republished,
)
from crawler.extraction.dates import (
    PAGE_BYLINE,
    PAGE_MARKUP,
    PAGE_METADATA,
    PAGE_PROFILE,
    FoundDate,
    found,
    is_relative,
    on_site_clock,
    parse_shown_date,
    with_declared_zone,
)
from crawler.extraction.declared_zones import declared_on_elements, declared_zoned_times
from crawler.extraction.metadata import page_metadata
from crawler.extraction.parsing import document_iter, parse_page
from crawler.extraction.profiles import NO_PROFILE, SiteProfile
from crawler.extraction.reading import trafilatura_text
from crawler.extraction.recall import THIN_SHARE, better_text, find_lead, looks_like_navigation

logger = logging.getLogger(__name__)

MIN_ARTICLE_CHARS = 100

_PARAGRAPH_TEXT = lxml.etree.XPath("//p//text()", smart_strings=False)


def _paragraph_length(tree: lxml.html.HtmlElement) -> int:
    """Characters in the page's paragraphs: prose, where menus and teaser lists are links."""
    return sum(map(len, _PARAGRAPH_TEXT(tree)))


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


def _declared_languages(tree: lxml.html.HtmlElement) -> Iterator[str]:
    """What the page says its language is, in document order: `<html lang>`, then each
    `og:locale` (the XPath `/html/@lang | //meta[@property='og:locale']/@content`, read by lxml's
    tag iterator: a third of the XPath's time), over the whole document as the XPath reads it
    (crawler.extraction.parsing.document_iter: each top-level element in turn)."""
    root = tree.getroottree().getroot()
    for top in (root, *root.itersiblings()):
        if top.tag == "html" and (lang := top.get("lang")) is not None:
            yield lang
        for meta in top.iter("meta"):
            if meta.get("property") == "og:locale" and (content := meta.get("content")) is not None:
                yield content


def _page_language(tree: lxml.html.HtmlElement) -> str | None:
    for value in _declared_languages(tree):
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
# Runs of letters (_LETTER) and of Arabic script (_ARABIC_LETTER): their lengths add up to the
# characters each class finds, counted run by run instead of one string per character.
_WORD = re.compile(r"[^\W\d_]+")
_ARABIC_RUN = re.compile(r"[\u0600-\u06ff\u0750-\u077f]+")
_IS_COMMON = tuple((language, common.__contains__) for language, common in _STOPWORDS.items())
_COMMON_IN_ANY = frozenset().union(*_STOPWORDS.values())


def _quick_language(sample: str) -> str | None:
    """'ar' for text mostly in Arabic script; otherwise the language whose common words clearly
    dominate the sample; None when it is not clear."""
    words = _WORD.findall(sample)
    # Arabic script is counted only in a sample holding some: most samples hold none.
    if _ARABIC_LETTER.search(sample) is not None:
        letters = sum(map(len, words))
        if sum(map(len, _ARABIC_RUN.findall(sample))) > letters / 2:
            return "ar"
    # Each language counts only its common words: the words common in none are left out first.
    common = [word for word in map(str.lower, words) if word in _COMMON_IN_ANY]
    counts = sorted(
        ((sum(map(is_common, common)), language) for language, is_common in _IS_COMMON),
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


def undeclared_text_language(text: str) -> str | None:
    """The language a crawl gives an article whose page declares none (the reader's rule test
    reads a pasted text so)."""
    return _choose_language(None, text)


def _declared_times(tree: lxml.html.HtmlElement) -> Iterator[str]:
    """The publication times the markup declares, in document order: the XPath
    `//meta[@property='article:published_time']/@content | //meta[@itemprop='datePublished']/@content
    | //article//time/@datetime`, read in one walk of lxml's tag iterator (a quarter of the
    three XPath walks' time), over the whole document as the XPath reads it; then what other
    elements declare in microdata or RDFa (`declared_on_elements`, never a comment's)."""
    for element in document_iter(tree, "meta", "time"):
        if element.tag == "meta":
            if (
                element.get("property") == "article:published_time"
                or element.get("itemprop") == "datePublished"
            ) and (content := element.get("content")) is not None:
                yield content
        elif (value := element.get("datetime")) is not None and next(
            element.iterancestors("article"), None
        ) is not None:
            yield value
    for value, _ in declared_on_elements(tree):  # microdata, RDFa: after the meta tags
        yield value


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _page_published(tree: lxml.html.HtmlElement) -> str | None:
    """The publication time the page declares, with its time of day (htmldate may drop it)."""
    for value in _declared_times(tree):
        value = value.strip()
        if _ISO_TIME.match(value):
            return value
    return None


def _content_text(tree: lxml.html.HtmlElement, profile: SiteProfile, url: str) -> str:
    """trafilatura's text of the blocks the profile's content_xpath names ('' when none match):
    the page's head and those blocks only, read for recall since the site says they are the
    article."""
    matched = [
        element
        for expression in profile.content_xpath
        for element in compiled_xpath(expression)(tree)
        if isinstance(element, lxml.etree.ElementBase)
    ]
    if not matched:
        return ""
    page = lxml.html.fromstring("<html><head></head><body></body></html>")
    head = tree.find("head")
    if head is not None:
        page.replace(page[0], copy.deepcopy(head))
    body = page.find("body")
    for element in matched:
        kept = copy.deepcopy(element)
        kept.tail = None
        body.append(kept)
    return trafilatura_text(page, url, focus="recall")


def _filtered(
    raw: str, blocks: list[Block], whole_page: Callable[[], str], url: str, path: str
) -> Filtered:
    """trafilatura's text `raw` without boilerplate lines and paragraphs; each paragraph taken
    away is logged (debug) with the block it lay in, so that `veille --log-level debug extract`
    shows what was dropped and why."""
    filtered = filter_paragraphs(clean_text(raw), blocks, whole_page)
    for line, block in filtered.taken:
        shown = line if len(line) <= 120 else line[:117] + "..."
        logger.debug("%s: %s: paragraph taken out, inside %s: %s", url, path, block, shown)
    return filtered


def _profile_date(
    tree: lxml.html.HtmlElement, profile: SiteProfile
) -> tuple[FoundDate | None, str | None]:
    """The date where the source's profile says its pages show it (read before boilerplate
    blocks are cut: a date line can sit in a block named like one), or else the first date
    shown there relative to when the page is read (« il y a 3 heures »), as shown: only the
    crawl, which knows when it fetched the page, can count it back (dates.counted_from_fetch)."""
    if not profile.date_xpath:
        return None, None
    found_values = compiled_xpath(profile.date_xpath)(tree)
    relative = None
    for value in found_values if isinstance(found_values, list) else [found_values]:
        shown = value if isinstance(value, str) else " ".join(value.itertext())
        from_profile = found(parse_shown_date(shown), PAGE_PROFILE)
        if from_profile is not None:
            return from_profile, None
        if relative is None and is_relative(shown):
            relative = " ".join(shown.split())
    return None, relative


def _page_date(
    from_profile: FoundDate | None,
    declared: FoundDate | None,
    metadata_date: str | None,
    republished: Republication,
    shown: Callable[[], ShownDates],
) -> FoundDate | None:
    """The page's own date, most trusted origin first (see crawler.extraction.dates): where the
    profile says it is shown, the time the markup declares, htmldate's, an aggregator's notice,
    the date shown beside the headline (`shown`, read only where needed; it gives htmldate's day
    its time of day where it shows one on that day, and replaces htmldate's day where that is the
    day of the update it shows beside the publication's)."""
    if from_profile is not None:
        return from_profile
    if declared is not None:
        return declared
    from_metadata = found(metadata_date, PAGE_METADATA)
    if from_metadata is not None and from_metadata.precision == "time":
        return from_metadata
    byline = shown()
    from_byline = found(byline.published, PAGE_BYLINE)
    if from_metadata is not None and from_metadata.precision == "day":
        if (
            from_byline is not None
            and (
                from_byline.precision == "time"
                and from_byline.value[:10] == from_metadata.value[:10]
                # htmldate read the day of the update the byline shows beside the publication
                or (byline.updated or "")[:10] == from_metadata.value[:10] != from_byline.value[:10]
            )
        ):
            return from_byline
        return from_metadata
    if republished.day:
        return found(republished.day, PAGE_BYLINE)
    return from_byline or from_metadata


# A heading holding at least this share of the page's declared title (its <title>, og:title or
# twitter:title, the site's name beside it) is the article's headline; a site's name is less.
_HEADLINE_SHARE = 0.5
_TITLE_META = frozenset({"og:title", "twitter:title"})


def _declared_titles(tree: lxml.html.HtmlElement) -> list[str]:
    """The titles the page declares for itself, squashed and casefolded: its <title> and its
    og:title and twitter:title, wherever the parse put them (a page without <head> has them in
    its body)."""
    titles = [element.text_content() for element in document_iter(tree, "title")]
    titles += [
        meta.get("content") or ""
        for meta in document_iter(tree, "meta")
        if (meta.get("property") or meta.get("name")) in _TITLE_META
    ]
    return [squashed for title in titles if (squashed := " ".join(title.split()).casefold())]


def _headlines(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The page's <h1> headings its declared title names: the article's headline, wherever the
    theme put it (a <header> outside <article>, a block named `breaking-news` or `premium`).
    A teaser's heading or a rubric's label is not in the page's title, or is a small part of it."""
    declared = _declared_titles(tree)
    if not declared:
        return []
    headlines = []
    for heading in document_iter(tree, "h1"):
        text = " ".join(heading.text_content().split()).casefold()
        if text and any(
            text in title and len(text) >= _HEADLINE_SHARE * len(title) for title in declared
        ):
            headlines.append(heading)
    return headlines


def _teaser_blocks(
    blocks: list[Block], kept: set[lxml.html.HtmlElement]
) -> list[lxml.html.HtmlElement]:
    """The boilerplate blocks that hold neither the article, its lead nor its headline (nor are
    their ancestors): teasers, tickers, menus, whose title, byline or date is not the article's.
    Kept with the block around it, the headline does not leave the title to another heading (a
    rubric's label, a teaser's title, the site's name)."""
    kept = kept | set(_headlines(blocks[0].element))
    protected = set(kept)
    for element in kept:
        protected.update(element.iterancestors())
    return [block.element for block in blocks if block.element not in protected]


def _strip_boilerplate(elements: list[lxml.html.HtmlElement]) -> None:
    """Cut boilerplate blocks (`_teaser_blocks`) from the tree, tails kept, before metadata is
    read, so that the title, byline or date of a "Lire aussi" teaser is not taken for the
    article's."""
    for element in elements:
        if element.getparent() is not None:
            element.drop_tree()


# A rich news page has a few thousand elements. A page of tens of thousands (9.5 MB of small
# elements, under the download cap) cost two minutes and 1.8 GB to extract and froze the crawl
# of every source: such a page is declined, with its reason, before it is parsed.
MAX_PAGE_TAGS = 60_000


def extract_article(html: str | bytes, url: str, profile: SiteProfile | None = None) -> Extracted:
    """Extract text and metadata from one page, or raise NotAnArticle saying why."""
    global _pages_since_reset
    _pages_since_reset += 1
    profile = profile or NO_PROFILE
    tags = html.count(b"<") if isinstance(html, bytes) else html.count("<")
    if tags > MAX_PAGE_TAGS:
        raise PageTooComplex(
            f"page too complex to extract: about {tags} tags (limit {MAX_PAGE_TAGS}; a news "
            "article has a few thousand)"
        )
    # trafilatura's loader (crawler.extraction.parsing): decodes bytes by their declared or
    # detected charset, drops comments and processing instructions (comment nodes defeat its
    # body detection), copes with XML declarations and repairs common breakage.
    tree = parse_page(html)
    if tree is None:
        raise NotAnArticle("unparsable HTML: no document tree could be built from the page")
    page_language = _page_language(tree)
    republished = find_republication(tree) if may_be_republished(html) else Republication()
    # The page's class and id values, read once for the boilerplate blocks and trafilatura's
    # reading.
    values = class_and_id_values(tree)
    blocks = boilerplate_blocks(tree, profile.prune_xpath, values)
    whole_page = functools.cache(lambda: page_text(tree))  # read only if a paragraph needs it
    notes: list[str] = []

    path, raw = PATH_TRAFILATURA, ""
    path_reason: str | None = None
    if profile.content_xpath:
        raw = _content_text(tree, profile, url)
        if len(raw) >= MIN_ARTICLE_CHARS:
            path = PATH_PROFILE
        else:
            notes.append(
                f"content_xpath gave {len(raw)} characters; the whole page was read instead"
            )
            raw = ""
    if not raw:
        raw = trafilatura_text(tree, url, values=values)
    first = _filtered(raw, blocks, whole_page, url, path)
    text, dropped = first.text, first.dropped
    if first.withheld:
        notes.append(first.withheld + "; the text was kept whole")
    # The filter's squashed lines of the text, for the steps that read them again (until a
    # second pass replaces the text).
    lines = first.lines
    navigation = looks_like_navigation(text, tree, lines)
    declined = len(text) < MIN_ARTICLE_CHARS
    # The page's size bounds its paragraphs' text: most texts are not thin by that alone.
    thin = len(text) < THIN_SHARE * len(html) and len(text) < THIN_SHARE * _paragraph_length(tree)
    second_pass: str | None = None
    if declined or navigation or thin:
        second_pass = (
            "too short to be an article"
            if declined
            else "like navigation"
            if navigation
            else "under a tenth of the page's paragraph text"
        )
        # trafilatura's recall settings where the text looks thin; its baseline (paragraphs,
        # JSON-LD articleBody, at worst the whole body's text) only where there is no article
        # text otherwise: as a second choice it dumps whole pages.
        passes = [(PATH_RECALL, lambda: trafilatura_text(tree, url, focus="recall"))]
        if declined or navigation:
            passes.append((PATH_BASELINE, lambda: baseline(tree)[1]))
        candidates = []
        for second_path, second_raw in passes:
            second = _filtered(second_raw(), blocks, whole_page, url, second_path)
            if not looks_like_navigation(second.text, tree):
                candidates.append((second_path, second.text, second.dropped))
        chosen = better_text(
            text, navigation, [(p, t) for p, t, _ in candidates], MIN_ARTICLE_CHARS
        )
        if chosen is not None:
            why = (
                "was too short to be an article"
                if declined
                else "read like navigation"
                if navigation
                else "held under a tenth of the page's paragraph text"
            )
            path_reason = f"the first text ({len(text)} characters) {why}; {chosen[0]} gave "
            path, text = chosen
            lines = None
            path_reason += f"{len(text)}"
            dropped = next(d for p, t, d in candidates if p == path)
            navigation = False
    if navigation:
        notes.append("the text looks like navigation (short lines, most of them links)")
    lead = find_lead(tree, text, is_boilerplate, lines)
    if lead:
        text, path = f"{lead}\n{text}" if text else lead, path + LEAD
    if not text:
        raise NotAnArticle("no article body found")
    if len(text) < MIN_ARTICLE_CHARS:
        raise NotAnArticle(f"body too short ({len(text)} characters) to be an article")
    text, cut_from = cap_text(text, MAX_TEXT_CHARACTERS)
    shown_date, shown_relative = _profile_date(tree, profile)
    if profile.date_xpath and shown_date is None and shown_relative is None:
        notes.append(f"date_xpath {profile.date_xpath!r} found no readable date on the page")
    teasers = _teaser_blocks(blocks, set(first.wrappers)) if blocks else []
    if not first.withheld:
        _strip_boilerplate(teasers)
    declared = found(_page_published(tree), PAGE_MARKUP)
    # htmldate only where its date can be the one kept (skipped on 445 of 990 real pages)
    document = page_metadata(
        tree, url, DATE_PARAMS, with_date=shown_date is None and declared is None
    )
    language = _choose_language(page_language or document.language, text)
    author, byline_outlet = clean_author(document.author)
    return Extracted(
        title=(document.title or "").strip() or None,
        author=author,
        date=on_site_clock(
            with_declared_zone(
                _page_date(
                    shown_date,
                    declared,
                    document.date,
                    republished,
                    lambda: byline_date(tree, next(iter(_headlines(tree)), None), set(teasers)),
                ),
                lambda: declared_zoned_times(tree),
            ),
            profile.timezone,
        ),
        language=language,
        sitename=document.sitename or None,
        description=document.description or None,
        canonical_url=document.url or None,
        text=text,
        original_source=republished.outlet or byline_outlet,
        original_url=republished.url,
        language_declared=page_language if page_language and page_language != language else None,
        text_cut_from=cut_from,
        path=path,
        paragraphs_filtered=dropped,
        looks_like_navigation=navigation,
        notes=tuple(notes),
        path_reason=path_reason,
        second_pass=second_pass,
        shown_relative=shown_relative,
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
