"""trafilatura's reading of a page: the text `trafilatura.bare_extraction` gives with veille's
options (no metadata, no comments, tables kept), character for character, with the steps whose
answer is known beforehand left out.

trafilatura runs its cascade (`trafilatura.core.trafilatura_sequence`) the same way on every
page. Some of its steps cost more than the main extractor on a light page and often change
nothing; here they run only where they can:

- **The raw-tree prunes** (infinite-scroll containers, comment sections) and **the cleaning of
  the page's text** that decides the recall escalation (`html2txt`) are XPath expressions whose
  `re:test(@class, ...)` and `re:test(@id, ...)` call back into Python for every element of the
  page: some 1.5 ms on a 27 KB page. Here each call is answered beforehand: the page's class
  and id names are read once (one XPath each, in C) and searched with the call's pattern, and
  the expression is evaluated with `re:test(@class, P)` replaced by `@class = $name` for each
  name P matches (`false()` for none), the same selection, in C. The prunes were also why the
  cascade copied its tree (each later step that changes a tree works on a copy): here they cut
  the page's tree itself and the cuts are undone once the cascade has read it (`Cuts`).
- **The page's text for the recall escalation** is measured only where a bound on its length
  (the one below, plus two spaces per block element) leaves a doubt.
- **Readability's comparison** (`trafilatura.external.compare_extraction`): readability's text is
  made of the page's own text (scripts and styles left out, "VIDEO" put in for an iframe, and no
  escape grown by its XML round trip where no raw-text element holds &, < or >), so where the
  whole page's text is at most twice as long as the main extractor's, readability's text cannot
  be the one preferred (`trafilatura.external._prefer_readability`: only twice as long, or a main
  text without paragraphs, wins), and readability is not run. Where the page's text is longer
  than that, the text of readability's unlikely candidates (a site header, a sidebar, a footer:
  elements it drops, text and all, before it looks for the article) is taken from it, and the
  same holds for what is left.

`tests/test_extraction_reading.py` holds this module to `trafilatura.bare_extraction` on pages
made to reach every branch (each prune, the cookie cleaning, readability preferred, justext,
the recall escalation), checks both bounds on every test page, and fails if trafilatura's
cascade or expressions change under it.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import lxml.etree
import lxml.html
from trafilatura.baseline import _BLOCK_ELEMS, _spaced_text, baseline
from trafilatura.core import (
    ESCALATION_ACCEPT_RATIO,
    ESCALATION_JUSTEXT_RATIO,
    ESCALATION_MAX_LENGTH,
    ESCALATION_PAGE_SHARE,
    _forum_thread_page,
)
from trafilatura.external import (
    JUSTEXT_OVERRIDE_RATIO,
    SANITIZED_XPATH,
    compare_extraction,
    justext_rescue,
)
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.readability_lxml import FRAME_TAGS as READABILITY_FRAME_TAGS
from trafilatura.readability_lxml import REGEXES as READABILITY_REGEXES
from trafilatura.settings import BASIC_CLEAN_XPATH, MANUALLY_CLEANED, Extractor
from trafilatura.xml import delete_element, xmltotxt
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

from crawler.extraction.expressions import comment_sections
from crawler.extraction.main_text import DeferredTree, extract_content, read, rebound

logger = logging.getLogger(__name__)

# Built once: trafilatura's Extractor reads its configuration file on every construction, which
# costs more than filtering a page. Copied per page, since extraction may adjust its options.
OPTIONS = Extractor(output_format="python", with_metadata=False, comments=False, tables=True)

_CLASSES = lxml.etree.XPath(".//@class", smart_strings=False)
_IDS = lxml.etree.XPath(".//@id", smart_strings=False)


class PageNames:
    """A page's class and id names (of its root and every element under it), searched with the
    patterns of an expression's name tests.

    `values`, where the caller read them already: the XPath `//@class | //@id` of the same
    tree (boilerplate.class_and_id_values), split here by attribute; used only where the tree
    is its document's root, where they are the names under it in document order."""

    def __init__(
        self,
        tree: lxml.html.HtmlElement,
        values: list[lxml.etree._ElementUnicodeResult] | None = None,
    ) -> None:
        if values is not None and tree.getparent() is None:
            self._names = {
                "class": [value for value in values if value.attrname == "class"],
                "id": [value for value in values if value.attrname == "id"],
            }
        else:
            self._names = {"class": _CLASSES(tree), "id": _IDS(tree)}
        self._joined: dict[str, str] = {}
        self._found: dict[NameTest, list[str]] = {}

    def matching(self, test: NameTest) -> list[str]:
        """The distinct names of the test's attribute its pattern finds something in
        (re.search, as `re:test` does), in document order of their first use."""
        found = self._found.get(test)
        if found is None:
            names = self._names[test.attribute]
            joined = self._joined.get(test.attribute)
            if joined is None:
                joined = self._joined[test.attribute] = "\n".join(names)
            found = self._found[test] = (
                [name for name in dict.fromkeys(names) if test.each.search(name)]
                if test.anywhere.search(joined) is not None  # on most pages, it is not
                else []
            )
        return found


@dataclass(frozen=True)
class NameTest:
    """One `re:test(@class|@id, 'pattern'[, 'i'])` or `contains(@class|@id, 'text')` call."""

    call: str
    attribute: str
    each: re.Pattern[str]
    # The pattern over the names joined by newlines: it finds something wherever `each` finds
    # something in one of them (^ also after a newline). Only for the patterns checked by
    # tests/test_extraction_reading.py, where no match can start in one name and end in the next.
    anywhere: re.Pattern[str]


_NAME_TEST = re.compile(r"(re:test|contains)\(@(class|id), '([^']*)'(?:, '(i?)')?\)")


def _top_level(path: str, opening: str) -> list[tuple[int, int]]:
    """Where the parts of an XPath expression outside brackets, parentheses and string literals
    are: for "|", the (start, end) of each branch of a union; for "[", of each predicate."""
    parts, depth, quote, start = [], 0, "", 0
    for index, character in enumerate(path):
        if quote:
            quote = "" if character == quote else quote
        elif character in "'\"":
            quote = character
        elif opening == "|" and character == "|" and depth == 0:
            parts.append((start, index))
            start = index + 1
        elif character in "[(":
            if opening == "[" and character == "[" and depth == 0:
                start = index + 1
            depth += 1
        elif character in "])":
            depth -= 1
            if opening == "[" and character == "]" and depth == 0:
                parts.append((start, index))
    if opening == "|":
        parts.append((start, len(path)))
    return parts


@dataclass(frozen=True)
class _Branch:
    """One branch of a union: its text, its name tests, and the groups of them of which one at
    least must find a name for the branch to select anything (its predicates made of name tests
    alone, joined by "or")."""

    path: str
    tests: tuple[NameTest, ...]
    required: tuple[tuple[NameTest, ...], ...]


def _branch(path: str) -> _Branch:
    tests = []
    for call in _NAME_TEST.finditer(path):
        function, attribute, literal, case = call.groups()
        pattern = literal if function == "re:test" else re.escape(literal)
        flags = re.IGNORECASE if case else 0
        test = NameTest(
            call.group(0),
            attribute,
            re.compile(pattern, flags),
            re.compile(pattern, flags | re.MULTILINE),
        )
        if test.each.search(""):  # true for an element without the attribute too
            raise ValueError(f"a name test true of no name: {call.group(0)!r}")
        tests.append(test)
    required = []
    for start, end in _top_level(path, "["):
        predicate = path[start:end]
        inside = [test for test in tests if test.call in predicate]
        rest = predicate
        for test in inside:
            rest = rest.replace(test.call, "")
        if inside and not re.sub(r"\bor\b|[\s()]", "", rest):
            required.append(tuple(inside))
    return _Branch(path, tuple(tests), tuple(required))


class NameTestedXPath:
    """One of trafilatura's XPath expressions whose `re:test` and `contains` calls read only a
    class or an id, evaluated with those calls answered from the page's names (see the module's
    docstring): the same elements, in the same order. A branch whose name tests can find no
    name on the page is left out, and the expression is not evaluated at all when none is left.
    With `walked` (its equivalent in crawler.extraction.expressions), that is called instead of
    the XPath wherever a branch is left."""

    def __init__(
        self,
        expression: lxml.etree.XPath,
        walked: Callable[[lxml.etree._Element], list] | None = None,
    ) -> None:
        self.path = expression.path
        self.walked = walked
        self.branches = [_branch(self.path[a:b]) for a, b in _top_level(self.path, "|")]
        rest = _NAME_TEST.sub("", self.path)
        if "re:" in rest:
            raise ValueError(f"an expression this cannot answer beforehand: {self.path!r}")

    def __call__(self, tree: lxml.html.HtmlElement, names: PageNames) -> list:
        kept, variables = [], dict[str, str]()
        for branch in self.branches:
            if any(not any(names.matching(test) for test in group) for group in branch.required):
                continue
            if self.walked is not None:
                return self.walked(tree)
            path = branch.path
            for test in branch.tests:
                tests = []
                for value in names.matching(test):
                    variable = f"name{len(variables)}"
                    variables[variable] = value
                    tests.append(f"@{test.attribute}=${variable}")
                answer = f"({' or '.join(tests)})" if tests else "false()"
                path = path.replace(test.call, answer, 1)
            kept.append(path)
        return _compiled("|".join(kept))(tree, **variables) if kept else []


@functools.lru_cache(maxsize=256)
def _compiled(path: str) -> lxml.etree.XPath:
    return lxml.etree.XPath(path)


_RAW_TREE_PRUNES = [NameTestedXPath(expression) for expression in RAW_TREE_PRUNE_XPATH]
_COMMENT_PRUNES = [NameTestedXPath(REMOVE_COMMENTS_AND_LISTS_XPATH[0], comment_sections)]
if len(REMOVE_COMMENTS_AND_LISTS_XPATH) != 1:
    raise ValueError("trafilatura's REMOVE_COMMENTS_AND_LISTS_XPATH changed: read it again")
_BASIC_CLEAN = NameTestedXPath(BASIC_CLEAN_XPATH)


# A cut: the parent, the element's index and the element, the element its tail was appended to
# (None for no tail), whether to its text, and that text or tail before.
_Cut = tuple[
    lxml.etree._Element, int, lxml.etree._Element, lxml.etree._Element | None, bool, str | None
]


class Cuts:
    """`trafilatura.xml.delete_element` done on the tree itself, each cut undone by `undo()`.

    The raw-tree prunes cut the page's own tree instead of a copy of it (a copy per page where a
    prune selects something: 260 of the 400 fixture pages of bench/pipeline.py hold a comment
    section), and the tree is put back as it was once the cascade has read it. A cut is undone
    exactly: the element goes back to its index under its parent with its tail (lxml moves an
    element's tail with it), and the text or tail the cut's tail was appended to is set back to
    what it was."""

    def __init__(self) -> None:
        self._done: list[_Cut] = []

    def delete(self, element: lxml.etree._Element) -> None:
        """`delete_element(element)`: the element cut, its tail kept where it stood."""
        parent = element.getparent()
        if parent is None:
            return
        index = parent.index(element)
        holder, as_text, before = None, False, None
        if element.tail:
            previous = element.getprevious()
            if previous is None:
                holder, as_text, before = parent, True, parent.text
                parent.text = (before or "") + element.tail
            else:
                holder, before = previous, previous.tail
                previous.tail = (before or "") + element.tail
        parent.remove(element)
        self._done.append((parent, index, element, holder, as_text, before))

    def undo(self) -> None:
        """Every cut undone, the last first: the tree as it was before the first."""
        while self._done:
            parent, index, element, holder, as_text, before = self._done.pop()
            parent.insert(index, element)
            if holder is not None:
                if as_text:
                    holder.text = before
                else:
                    holder.tail = before


def _pruned(
    tree: lxml.html.HtmlElement,
    expressions: list[NameTestedXPath],
    names: PageNames,
    cuts: Cuts,
) -> lxml.html.HtmlElement:
    """`trafilatura.htmlprocessing.prune_unwanted_nodes` with these expressions, on the tree
    itself (`cuts` undoes it) where trafilatura prunes a copy of it. The same tree: every
    expression here and every step of the cascade after it reads the tree under its element
    (relative paths, its own iterators), and the steps that change a tree change a copy."""
    for expression in expressions:
        for element in expression(tree, names):
            cuts.delete(element)
    return tree


def trafilatura_text(
    tree: lxml.html.HtmlElement,
    url: str,
    focus: str = "balanced",
    values: list[lxml.etree._ElementUnicodeResult] | None = None,
) -> str:
    """trafilatura's text for the page ('' when it finds none), as
    `trafilatura.bare_extraction(tree, options=...)` gives it with OPTIONS and this focus; the
    tree is left as it was. `values`: the tree's class and id values, where the caller read
    them (see PageNames)."""
    if focus not in ("balanced", "recall"):
        raise ValueError(f"focus {focus!r}: veille reads pages with 'balanced' or 'recall' only")
    options = copy.copy(OPTIONS)
    options.url = options.source = url
    options.focus = focus
    try:
        body, text = _sequence(tree, options, values)
    except (TypeError, ValueError) as exc:  # where bare_extraction gives up on the page
        logger.debug("trafilatura found no text in %s: %s", url, exc)
        return ""
    if len(text) < options.min_output_size:
        return ""
    return xmltotxt(body, options.formatting) or ""


def _sequence(
    tree: lxml.html.HtmlElement,
    options: Extractor,
    values: list[lxml.etree._ElementUnicodeResult] | None = None,
) -> tuple[lxml.etree._Element, str]:
    """`trafilatura.core.trafilatura_sequence` with comments off and the balanced or recall
    focus: the body and its text."""
    # A thread forum's comments are its posts: their sections are kept.
    prune_comments = not _forum_thread_page(tree)
    names = PageNames(tree, values)
    # bare_extraction copies the tree it is given for these prunes, the only steps that change
    # it; here they cut the tree itself, put back as it was before returning. The names read
    # before stay valid (the pruned tree holds fewer of them).
    cuts = Cuts()
    try:
        prunes = _RAW_TREE_PRUNES + (_COMMENT_PRUNES if prune_comments else [])
        return _read(_pruned(tree, prunes, names, cuts), names, options, values)
    finally:
        cuts.undo()


def _read(
    tree: lxml.html.HtmlElement,
    names: PageNames,
    options: Extractor,
    values: list[lxml.etree._ElementUnicodeResult] | None = None,
) -> tuple[lxml.etree._Element, str]:
    """The cascade after the raw-tree prunes, on the pruned tree (left as it is)."""
    url = options.url
    page = _Page(tree, names, values)
    cleaned_tree, cleaned_tree_backup = _prepare_tree(tree, options, url)

    postbody, temp_text = _extract_and_compare(cleaned_tree, cleaned_tree_backup, page, options)

    # 3. rescue: baseline on the original tree, accepted only if it adds text
    if len(temp_text) < options.min_extracted_size:
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(temp_text):
            postbody, temp_text = b_body, b_text

    # 4. recall escalation: a short text covering little of the page
    if (
        options.focus == "balanced"
        and 0 < len(temp_text) < ESCALATION_MAX_LENGTH
        and _covers_little(len(temp_text), page)
    ):
        r_options = copy.copy(options)
        r_options.focus = "recall"
        r_text = j_text = ""
        try:
            r_body, r_text = _extract_and_compare(
                *_prepare_tree(tree, r_options, url), page, r_options
            )
        except Exception as err:  # as trafilatura does: a failed retry keeps the first text
            logger.debug("recall retry failed on %s: %s", url, err)
        if not options.fast:
            try:
                j_body, j_text = justext_rescue(copy.copy(tree), options)
            except Exception as err:
                logger.debug("justext candidate failed on %s: %s", url, err)
        len_text, r_len, j_len = len(temp_text), len(r_text), len(j_text)
        if j_len > r_len and j_len > ESCALATION_JUSTEXT_RATIO * len_text:
            postbody, temp_text = j_body, j_text
        elif r_len >= options.min_extracted_size and r_len > ESCALATION_ACCEPT_RATIO * len_text:
            postbody, temp_text = r_body, r_text
    return postbody, temp_text


class _Page:
    """The tree the cascade reads (pruned), its names, and the bound on its text readability's
    comparison and the recall escalation both use, computed once. `values`: the class and id
    values of the tree's document, where read before it was pruned (see unlikely_text)."""

    def __init__(
        self,
        tree: lxml.html.HtmlElement,
        names: PageNames,
        values: list[lxml.etree._ElementUnicodeResult] | None = None,
    ) -> None:
        self.tree, self.names, self.values = tree, names, values

    @functools.cached_property
    def text_bound(self) -> int:
        return readability_text_bound(self.tree)

    @functools.cached_property
    def readability_bound(self) -> int:
        """The text bound less the text of readability's unlikely candidates (a tighter bound
        on readability's text, not on html2txt's): read only where the first one is too loose."""
        return self.text_bound - unlikely_text(self.tree, self.values)


def _prepare_tree(
    tree: lxml.html.HtmlElement, options: Extractor, url: str | None
) -> tuple[lxml.html.HtmlElement, DeferredTree]:
    """`trafilatura.core._prepare_tree`: the tree cleaned and converted, and the cleaned tree
    before its conversion, which only justext reads (on none of the 400 fixture pages of
    bench/pipeline.py, about one real page in ten): made again by the same cleaning when it
    does, instead of copied on every page. The tree and the options must not change meanwhile
    (nothing in the cascade changes them)."""
    cleaned = convert_tags(_tree_cleaning(copy.copy(tree), options), options, url)
    return cleaned, DeferredTree(lambda: _tree_cleaning(copy.copy(tree), options))


# The tags of MANUALLY_CLEANED the tree being cleaned holds, for the call under way.
_held: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("_held")


class _CleanedTagsHeld:
    """MANUALLY_CLEANED as tree_cleaning reads it (its `copy()`, the list of tags whose
    elements it deletes, each tag by a walk of the whole tree): the tags the tree holds, in
    its order."""

    def copy(self) -> list[str]:
        held = _held.get()
        return [tag for tag in MANUALLY_CLEANED if tag in held]


_cleaning = rebound(tree_cleaning, MANUALLY_CLEANED=_CleanedTagsHeld())


def _tree_cleaning(tree: lxml.html.HtmlElement, options: Extractor) -> lxml.html.HtmlElement:
    """`trafilatura.htmlprocessing.tree_cleaning(tree, options)`, its own code, without the
    walks of the 51 tags of MANUALLY_CLEANED the tree does not hold (6 to 8 of them are on the
    fixture pages of bench/pipeline.py): one walk finds those it holds. None of its steps before
    those walks makes an element (it strips tags, renames figures and tables to div, writes
    tails), so a tag the tree did not hold finds nothing to delete ("form" too: its forms are
    then none)."""
    token = _held.set(frozenset(element.tag for element in tree.iter(*MANUALLY_CLEANED)))
    try:
        return _cleaning(tree, options)
    finally:
        _held.reset(token)


def _justext_rescue(
    tree: lxml.html.HtmlElement | DeferredTree, options: Extractor
) -> tuple[lxml.etree._Element, str]:
    return justext_rescue(read(tree), options)


# trafilatura's comparison, its own code, handed the cleaned tree as a DeferredTree.
_compare_extraction = rebound(compare_extraction, justext_rescue=_justext_rescue)


def _extract_and_compare(
    cleaned_tree: lxml.html.HtmlElement,
    cleaned_tree_backup: DeferredTree,
    page: _Page,
    options: Extractor,
) -> tuple[lxml.etree._Element, str]:
    """trafilatura's main extractor, then its comparison with readability and justext."""
    tree = page.tree
    # The converted tree, built again by the same steps only where the main extractor's
    # recovery reads a copy of it.
    body, text = extract_content(
        cleaned_tree, options, lambda: _prepare_tree(tree, options, options.url)[0]
    )
    if options.fast:
        return body, text
    len_text = len(text)
    if options.focus == "recall" and len_text > options.min_extracted_size * 10:
        return body, text  # compare_extraction's own bypass
    if not _readability_cannot_win(page, body, len_text, options):
        return _compare_extraction(cleaned_tree_backup, copy.copy(tree), body, text, options)
    # The rest of compare_extraction, as it runs when readability's text is not preferred.
    unclean = bool(_SANITIZED(body))
    if unclean or len_text < options.min_extracted_size:
        body2, text2 = justext_rescue(read(cleaned_tree_backup), options)
        len_text2 = len(text2)
        if unclean:
            accept = len_text <= JUSTEXT_OVERRIDE_RATIO * len_text2 and (
                len_text2 > len_text or not options.images or body.find(".//graphic") is None
            )
        else:
            accept = len_text < len_text2
        if text2 and accept:
            body, text = body2, text2
    return body, text


# compare_extraction's and _prefer_readability's expressions, compiled once instead of on each
# call (`body.xpath(path)` compiles its path every time).
_SANITIZED = lxml.etree.XPath(SANITIZED_XPATH)
_PARAGRAPH_TEXT = lxml.etree.XPath(".//p//text()")


def _count(element: lxml.etree._Element, tag: str) -> int:
    """len(element.findall(f".//{tag}")), without ElementPath's steps in Python."""
    return sum(1 for _ in element.iterdescendants(tag))


def _readability_cannot_win(
    page: _Page, body: lxml.etree._Element, len_text: int, options: Extractor
) -> bool:
    """Whether `_prefer_readability` must answer no, whatever readability finds: the main text
    has paragraphs and is not mostly tables, and readability's text, at most the page's own
    (no raw-text element whose escapes would grow), cannot be more than twice as long (in
    recall, longer at all)."""
    if not len_text:
        return False
    if not _PARAGRAPH_TEXT(body) or _count(body, "table") > _count(body, "p"):
        return False
    if _escapes_grow(page.tree):
        return False
    limit = len_text if options.focus == "recall" else 2 * len_text
    if page.text_bound <= limit:
        return True
    # The unlikely candidates' text is read only where the page's text is at most twice the
    # limit: beyond, it closed the gap in none of 385 comparisons on the full-weight bench pages
    # and in 8 of 144 on the first 400 real pages, and reading it cost more than the readability
    # runs it spared.
    return page.text_bound <= 2 * limit and page.readability_bound <= limit


# Elements whose content the HTML parser keeps as raw text: readability's result, written as
# XML and parsed back as HTML, keeps their escapes (`&` comes back as `&amp;`), so its text can
# be longer than the page's own there.
_RAW_TEXT = ("xmp", "noembed", "noframes", "plaintext", "iframe")


def _escapes_grow(tree: lxml.html.HtmlElement) -> bool:
    """Whether a raw-text element holds a character readability's round trip escapes (then no
    bound on its text is known here: readability runs)."""
    return any(
        element.text and ("&" in element.text or "<" in element.text or ">" in element.text)
        for element in tree.iter(*_RAW_TEXT)
    )


# The page's text with its whitespace collapsed, measured in C. XPath collapses runs of XML
# whitespace (space, tab, newline, carriage return) only, where Python's split() also takes
# Unicode spaces (a no-break space) for separators: each of those is one character here and
# at most one separator there, so this length is never under Python's.
_COLLAPSED_LENGTH = lxml.etree.XPath("string-length(normalize-space(.))")


def readability_text_bound(tree: lxml.html.HtmlElement) -> int:
    """At least as many characters as readability's text of the page can have.

    Readability keeps some of the page's text nodes (whole, in document order) and drops the
    rest, scripts, styles and fenced frames first; it adds only "VIDEO" for a video iframe.
    Its text is then whitespace-collapsed, by Python's split(), which the page's collapsed
    length here never undercounts (`_COLLAPSED_LENGTH`). Dropping text never lengthens a
    collapsed text, and shortens it by at least the non-space characters dropped; writing five letters
    into an iframe lengthens it by six at most."""
    whole = int(_COLLAPSED_LENGTH(tree))
    dropped = sum(
        len("".join(element.text.split()))
        for element in tree.iter("script", "style", "fencedframe")
        if element.text
    )
    iframes = sum(1 for _ in tree.iter("iframe"))
    return whole - dropped + 6 * iframes


_UNLIKELY = READABILITY_REGEXES["unlikelyCandidatesRe"]
_MAYBE = READABILITY_REGEXES["okMaybeItsACandidateRe"]
_DROPPED_FIRST = ("script", "style", "fencedframe")
_STRING = lxml.etree.XPath("string(.)", smart_strings=False)  # an element's text, not its tail


def unlikely_text(
    tree: lxml.html.HtmlElement, values: list[lxml.etree._ElementUnicodeResult] | None = None
) -> int:
    """Non-space characters readability drops with its unlikely candidates, beyond those
    `readability_text_bound` already counts as dropped (scripts', styles' and fenced frames'
    own text).

    Readability (`Document.remove_unlikely_candidates`) drops every element under the root,
    body and html excepted, whose class and id, joined by a space and lowercased, hold one of
    its unlikely words and none of its maybe-a-candidate words; each with its whole text and
    not its tail, before it looks for the article in what is left. Its text then holds none of
    theirs. Each outermost such element is counted once.

    `values`: the class and id values of the tree's document (boilerplate.class_and_id_values,
    in document order, each knowing its element), where read already, even before the tree was
    pruned: only an element holding one can be a candidate, so the elements holding them that
    are under the tree are read instead of every element under it (a third of the time)."""
    dropped: set[lxml.html.HtmlElement] = set()
    characters = 0
    named = (
        tree.iterdescendants()
        if values is None
        else dict.fromkeys([value.getparent() for value in values])
    )
    for element in named:
        classes, identifier = element.get("class"), element.get("id")
        names = f"{classes} {identifier}" if classes and identifier else classes or identifier
        if not names or not _unlikely(names) or element.tag in READABILITY_FRAME_TAGS:
            continue
        if values is not None and not _under(element, tree):
            continue  # in a section the prunes cut, or not in this tree
        dropped.add(element)
        if any(ancestor in dropped for ancestor in element.iterancestors()):
            continue  # inside one counted already
        characters += len("".join(_STRING(element).split()))
        # what readability_text_bound counted already, as it counted it
        characters -= sum(
            len("".join(inner.text.split()))
            for inner in element.iter(*_DROPPED_FIRST)
            if inner.text
        )
    return characters


def _under(element: lxml.etree._Element, tree: lxml.etree._Element) -> bool:
    """Whether the element is a descendant of the tree."""
    return any(ancestor is tree for ancestor in element.iterancestors())


# Readability's verdict on a class and id joined by a space, kept: pages of a site repeat them.
_unlikely_names: dict[str, bool] = {}


def _unlikely(names: str) -> bool:
    verdict = _unlikely_names.get(names)
    if verdict is None:
        if len(_unlikely_names) >= 20_000:  # ids unique to a page would grow it without end
            _unlikely_names.clear()
        lowered = names.lower()
        verdict = _unlikely_names[names] = (
            len(names) >= 2
            and _UNLIKELY.search(lowered) is not None
            and _MAYBE.search(lowered) is None
        )
    return verdict


def _covers_little(length: int, page: _Page) -> bool:
    """Whether a text of this length is under ESCALATION_PAGE_SHARE of the page's text
    (`trafilatura.baseline.html2txt`), measured only when a bound on it leaves a doubt."""
    body = page.tree.find(".//body")
    if body is not None and length >= ESCALATION_PAGE_SHARE * page_text_bound(
        body, page.text_bound
    ):
        return False
    return length < ESCALATION_PAGE_SHARE * _page_text_length(page.tree, page.names)


# The elements html2txt's text gets a space before and after (its _spaced_text).
_SPACED = tuple(sorted(_BLOCK_ELEMS))


def page_text_bound(body: lxml.html.HtmlElement, text_bound: int) -> int:
    """At least as many characters as html2txt's text of the page whose body this is, given
    `readability_text_bound` of the whole page.

    html2txt drops some elements from the body (scripts, styles and fenced frames among them),
    puts a space before the text and the tail of each block element, and collapses whitespace:
    the body's text nodes are some of the page's, whose collapsed text less its scripts, styles
    and fenced frames is under that bound, and each space put in lengthens it by one at most."""
    return text_bound + 2 * sum(1 for _ in body.iter(_SPACED))


def _page_text_length(tree: lxml.html.HtmlElement, names: PageNames) -> int:
    """len(trafilatura.baseline.html2txt(tree)), its cleaning XPath answered from the names
    (those of the tree, or more). html2txt copies the whole tree and cleans its body; the body
    alone is copied here."""
    body = tree.find(".//body")
    body = copy.copy(tree if body is None else body)
    for element in _BASIC_CLEAN(body, names):
        delete_element(element)
    return len(_spaced_text(body))
