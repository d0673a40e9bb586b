"""Boilerplate knowledge, applied to trafilatura's output: which blocks of a page are related
links, share bars, paywall notices, tickers, banners, menus and footers, and which paragraphs of
an extracted text lie inside them.

trafilatura reads the whole page first; this module only takes paragraphs away from what it
found (a post-filter). It never decides where the article is: a block named like boilerplate
that holds half of the extracted text is the article's own wrapper (real sites name article
blocks `article-inner-content-breaking-news`, `zone--article-premium`, `post-paywall`), and a
filter that would take away half of the text, or leave too little to be an article, is withheld.
So the filter can drop a teaser or a "Lire aussi" line, never replace the article with the menu
or decline a page trafilatura read.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ahocorasick
import lxml.etree
import lxml.html

from crawler.extraction.parsing import document_iter

# Words of class or id names used by WordPress themes and Moroccan sites for related links,
# share bars, paywalls, tickers and cookie banners. Matched as whole words of a class token or
# id ("share-bar", "lire_aussi"), never as substrings ("cookies-not-set" is a page state).
# The English ones first, then those Spanish, French and Arabic (transliterated) themes name the
# same blocks with, which trafilatura's own English-named rules do not know: kept inside the
# article's container, their headings and teasers stayed in its text
# (tests/test_extraction_named_blocks.py).
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
    "you-may-also-like",
    "more-stories",
    "read-next",
    "most-popular",
    # Spanish
    "relacionadas",
    "relacionados",
    "te-puede-interesar",
    "mas-leido",
    "mas-leidos",
    "mas-leidas",
    "lomas-leido",
    "mas-visto",
    "mas-vistos",
    "comparte",
    "compartir",
    "suscribete",
    "suscripcion",
    "publicidad",
    "lee-tambien",
    # French
    "articles-similaires",
    "plus-lus",
    "plus-lues",
    "meme-sujet",
    "meme-rubrique",
    "voir-aussi",
    "partage",
    "partager",
    "publicite",
    # Arabic, transliterated (اقرأ أيضا, ذات صلة, الأكثر قراءة, مشاركة, إعلان)
    "iqra-aydan",
    "iqraa-aydan",
    "aqra-aydan",
    "dhat-sila",
    "zat-sila",
    "akthar-qiraa",
    "aktar-qiraa",
    "musharaka",
    "ilan",
    "i3lan",
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
# The page itself and its main landmark are never boilerplate, whatever their classes say.
_NEVER_BOILERPLATE = frozenset({"html", "body", "main", "article"})
# Class and id names are trusted on block containers only: a paragraph, heading or link classed
# "js_readmore" or "share-quote" is part of the text.
_NAMED_BLOCKS = frozenset(
    {"div", "section", "aside", "nav", "footer", "header", "form", "ul", "ol", "figure", "iframe"}
)
# The elements `//nav | //aside | //footer | //form | //header` selects, in document order, read by
# lxml's tag iterator over the whole document (three quarters of the XPath's time).
_TAG_CANDIDATES = ("nav", "aside", "footer", "form", "header")
# Class and id values, searched for boilerplate words in one pass over all of them joined: a
# search per value (or a Python element per classed element) cost more than the whole filter
# on pages of thousands of classed elements. Elements are built only for the values that match.
_NAMES = lxml.etree.XPath("//@class | //@id")
_WORD_IN_NAMES = re.compile(
    r"(?<![^-_\s])(?:" + "|".join(re.escape(word) for word in _BOILERPLATE_WORDS) + r")(?![^-_\s])",
    re.IGNORECASE,
)


def _words_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for word in _BOILERPLATE_WORDS:
        automaton.add_word(word, len(word))
    automaton.make_automaton()
    return automaton


# The same search in one pass of an automaton over the lowercased names: a seventh of the
# regular expression's time, which tries its alternatives at every word start of some 12,000
# characters of names per real page. Only for names in ASCII, where lowercasing is exactly what
# IGNORECASE compares (the expression above takes the others).
_WORDS_AUTOMATON = _words_automaton()
_NAME_SEPARATORS = frozenset("-_")


def _word_starts(joined: str) -> list[int]:
    """Where a boilerplate word starts in `joined` (class and id values, one a line), as a
    whole word of a name: at its start or after '-', '_' or a space, and ending likewise."""
    if not joined.isascii():
        return [found.start() for found in _WORD_IN_NAMES.finditer(joined)]
    lowered = joined.lower()
    starts = []
    end_of_text = len(lowered) - 1
    for end, length in _WORDS_AUTOMATON.iter(lowered):
        start = end - length + 1
        before = lowered[start - 1] if start else " "
        after = lowered[end + 1] if end < end_of_text else " "
        if (before in _NAME_SEPARATORS or before.isspace()) and (
            after in _NAME_SEPARATORS or after.isspace()
        ):
            starts.append(start)
    return starts


_STRING = lxml.etree.XPath("string(.)", smart_strings=False)
_LENGTH = lxml.etree.XPath("string-length(normalize-space(.))")
# The text of nested boilerplate blocks read, as a multiple of the page's text.
_NESTED_TEXT_BUDGET = 3

# A block whose paragraphs make up this share of the extracted text holds the article.
WRAPPER_SHARE = 0.5
# The filter is withheld when it would take away more than this share of the text.
MAX_FILTERED_SHARE = 0.5


def squash(text: str) -> str:
    """Whitespace collapsed to single spaces, ends trimmed: how texts are compared here."""
    return " ".join(text.split())


def _has_boilerplate_name(element: lxml.html.HtmlElement) -> bool:
    classes = element.get("class")
    if classes and _BOILERPLATE_TOKEN.search(classes):  # most classes fail here, unsplit
        for token in classes.split():
            if not _DESCRIPTIVE_TOKEN.match(token) and _BOILERPLATE_TOKEN.search(token):
                return True
    identifier = element.get("id")
    return bool(identifier and _BOILERPLATE_TOKEN.search(identifier))


def is_boilerplate(element: lxml.html.HtmlElement) -> bool:
    """Whether the element's markup says it is boilerplate: a menu, aside, footer or form, a
    site header (outside `<article>` and `<main>`), or a block container named like one."""
    tag = element.tag
    if tag in _NEVER_BOILERPLATE:
        return False
    if tag in _BOILERPLATE_TAGS:
        return True
    if tag == "header" and next(element.iterancestors("article", "main"), None) is None:
        return True
    return tag in _NAMED_BLOCKS and _has_boilerplate_name(element)


@functools.lru_cache(maxsize=256)
def compiled_xpath(expression: str) -> lxml.etree.XPath:
    return lxml.etree.XPath(expression)


@dataclass(frozen=True)
class Block:
    """A boilerplate block of the page and its text (whitespace squashed)."""

    element: lxml.html.HtmlElement
    text: str
    from_profile: bool  # named by the source's prune_xpath: never taken for a wrapper


def class_and_id_values(tree: lxml.html.HtmlElement) -> list[lxml.etree._ElementUnicodeResult]:
    """Every class and id value of the tree's document, in document order, each knowing its
    element (`getparent()`) and its attribute (`attrname`)."""
    return _NAMES(tree)


def boilerplate_blocks(
    tree: lxml.html.HtmlElement,
    prune_xpath: Sequence[str] = (),
    values: list[lxml.etree._ElementUnicodeResult] | None = None,
) -> list[Block]:
    """Every block of the page that is boilerplate by its markup or by the source's
    `prune_xpath`, nested ones included, in document order, with its text. `values`: the
    tree's `class_and_id_values`, where the caller read them already."""
    found: dict[lxml.html.HtmlElement, bool] = {}
    names = _NAMES(tree) if values is None else values
    named = []
    if names:
        starts, offset = [], 0
        for name in names:
            starts.append(offset)
            offset += len(name) + 1
        matched = {
            bisect.bisect_right(starts, start) - 1 for start in _word_starts("\n".join(names))
        }
        named = [names[i].getparent() for i in sorted(matched)]
    for element in dict.fromkeys([*named, *document_iter(tree, *_TAG_CANDIDATES)]):
        if is_boilerplate(element):
            found[element] = False
    for expression in prune_xpath:
        for element in compiled_xpath(expression)(tree):
            if isinstance(element, lxml.etree.ElementBase):
                found[element] = True
    blocks: list[Block] = []
    texts: dict[lxml.html.HtmlElement, str] = {}
    budget = _NESTED_TEXT_BUDGET * _LENGTH(tree)
    for element, from_profile in found.items():
        # A block nested in a block with the same text adds nothing; past a budget of text
        # (boilerplate nested hundreds deep around a whole page), nested blocks are left out,
        # so the filter stays linear in the page.
        outer = next((texts[a] for a in element.iterancestors() if a in texts), None)
        if outer is not None and (budget <= 0 or len(outer) <= _LENGTH(element) + 1):
            continue
        text = squash(_STRING(element))
        if text:
            texts[element] = text
            budget -= len(text)
            blocks.append(Block(element, text, from_profile))
    return blocks


def page_text(tree: lxml.html.HtmlElement) -> str:
    """The page's text, squashed, as the blocks' texts are (scripts included: a paragraph also
    quoted in a script's JSON-LD is counted twice, which errs towards keeping it)."""
    return squash(_STRING(tree))


_LIST_MARK = "- "


def _page_words(squashed: str) -> str:
    """A squashed line of trafilatura's text as the page's text holds it: a list item without
    the "- " trafilatura writes before it (the page has no such dash: the line was never found
    in a block, so neither a list of links in a related block was taken away nor the lists of
    an article's wrapper counted for it)."""
    return squashed[len(_LIST_MARK) :] if squashed.startswith(_LIST_MARK) else squashed


@dataclass(frozen=True)
class Filtered:
    text: str
    dropped: int  # paragraphs taken away
    withheld: str | None = None  # why the filter was not applied, when it was not
    wrappers: tuple[lxml.html.HtmlElement, ...] = ()  # blocks found to hold the article
    # Each line of `text` with its whitespace squashed, where the filter read them (None where
    # it did not): what the steps after it would work out again from the same text.
    lines: tuple[str, ...] | None = None
    # Each paragraph taken away, with the block it lay in (`block_name`): the trace of the drop.
    taken: tuple[tuple[str, str], ...] = ()


def block_name(block: Block) -> str:
    """How a trace names a block: its tag with its id and classes (« div#lo-mas-leido »,
    « div.noticias-relacionadas »), and « prune_xpath » for a block the source's profile names."""
    element = block.element
    name = str(element.tag)
    if element.get("id"):
        name += "#" + element.get("id", "").strip()
    name += "".join("." + token for token in (element.get("class") or "").split())
    return f"{name} (prune_xpath)" if block.from_profile else name


def filter_paragraphs(
    text: str, blocks: Sequence[Block], whole_page: str | Callable[[], str]
) -> Filtered:
    """`text` without its paragraphs that lie inside boilerplate blocks.

    A paragraph lies inside boilerplate when every occurrence of it on the page is inside a
    block (one found also outside, in the article, is kept). A block whose paragraphs make up
    half of the text holds the article and takes nothing away (profile blocks excepted: the
    user named them). The filter is withheld when it would take away more than half of the
    text; the caller decides about a text too short to be an article.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    page = (lambda: whole_page) if isinstance(whole_page, str) else whole_page  # read if needed
    if not blocks or not lines:
        return Filtered("\n".join(lines), 0)
    joined = "\x00".join(block.text for block in blocks)
    containing: list[list[int]] = []
    weight = [0] * len(blocks)
    total = 0
    squashed_lines = list(map(squash, lines))
    # What each line is on the page: a list item without the "- " trafilatura writes before it.
    found_lines = [_page_words(squashed) for squashed in squashed_lines]
    for squashed, found in zip(squashed_lines, found_lines, strict=True):
        total += len(squashed)
        inside: list[int] = []
        if found and found in joined:
            inside = [i for i, block in enumerate(blocks) if found in block.text]
            for i in inside:
                weight[i] += len(squashed)
        containing.append(inside)
    wrappers = {
        i
        for i, block in enumerate(blocks)
        if not block.from_profile and weight[i] >= WRAPPER_SHARE * total
    }
    position = {block.element: i for i, block in enumerate(blocks)}
    # The outermost blocks that take text away: occurrences are counted in these only, so a
    # share bar inside a related-links block is not counted twice.
    outermost = {
        i
        for i, block in enumerate(blocks)
        if i not in wrappers
        and not any(
            position.get(ancestor, -1) not in (-1, *wrappers)
            for ancestor in block.element.iterancestors()
        )
    }
    kept: list[str] = []
    kept_squashed: list[str] = []
    taken: list[tuple[str, str]] = []
    dropped = dropped_chars = 0
    for line, squashed, found, inside in zip(
        lines, squashed_lines, found_lines, containing, strict=True
    ):
        takers = [i for i in inside if i not in wrappers]
        if takers:
            in_blocks = sum(blocks[i].text.count(found) for i in takers if i in outermost)
            # an inner block of a wrapper can take a line away too
            if not in_blocks:
                in_blocks = max(blocks[i].text.count(found) for i in takers)
            if in_blocks >= page().count(found):
                dropped += 1
                dropped_chars += len(squashed)
                taker = next((i for i in takers if i in outermost), takers[0])
                taken.append((squashed, block_name(blocks[taker])))
                continue
        kept.append(line)
        kept_squashed.append(squashed)
    found_wrappers = tuple(blocks[i].element for i in sorted(wrappers))
    if dropped_chars > MAX_FILTERED_SHARE * total:
        return Filtered(
            "\n".join(lines),
            0,
            f"the boilerplate filter would have taken {dropped_chars} of {total} characters",
            found_wrappers,
            tuple(squashed_lines),
        )
    return Filtered(
        "\n".join(kept), dropped, None, found_wrappers, tuple(kept_squashed), tuple(taken)
    )


# Paragraphs that are boilerplate whatever markup carries them.
BOILERPLATE_LINE = re.compile(
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


def clean_text(text: str) -> str:
    """Drop boilerplate lines; compose characters (NFC) as trafilatura.extract does, so that the
    same words always have the same code points for hashing, matching and search."""
    text = unicodedata.normalize("NFC", text)
    kept = [line for line in text.splitlines() if line.strip() and not BOILERPLATE_LINE.match(line)]
    return "\n".join(kept).strip()
