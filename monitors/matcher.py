"""Matching articles against watchlists: pure functions over text, no I/O.

Terms and text go through the same normalisation (crawler.normalize), so matching is
case-, accent- and harakat-insensitive and whole-word; Arabic terms also match behind the
proclitics و ف ب ل ك and the article ال ("بالسيادة الرقمية" contains "السيادة الرقمية").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.normalize import ARABIC_LETTER, normalize, normalize_with_offsets
from monitors.rules import Watchlist

SNIPPET_RADIUS = 110
_ARABIC_PROCLITICS = r"(?:[وف]?(?:[بلك]|ال|بال|لل|كال)?|[وف])"


def compile_term(term: str) -> re.Pattern[str]:
    """A regex finding the normalised term as whole words in normalised text."""
    folded = normalize(term)
    body = re.escape(folded).replace(r"\ ", " ")
    if ARABIC_LETTER.match(folded):
        if folded.startswith("ال"):
            # "السيادة" may appear as "للسيادة" (li + al contracted).
            body = f"(?:{body}|لل{re.escape(folded[2:])})"
        body = _ARABIC_PROCLITICS + body
    return re.compile(rf"(?:^|(?<= )){body}(?= |$)")


@dataclass(frozen=True)
class ArticleText:
    """What the matcher needs of an article."""

    title: str
    text: str
    language: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Hit:
    term: str
    field: str  # "title" or "text"
    start: int  # offsets in the original (not normalised) field
    end: int


@dataclass(frozen=True)
class MatchResult:
    watchlist: str
    hits: tuple[Hit, ...]
    snippet: str

    @property
    def terms(self) -> list[str]:
        return sorted({h.term for h in self.hits})


@dataclass
class _Field:
    name: str
    original: str
    folded: str
    offsets: list[int]


@dataclass
class _CompiledWatchlist:
    watchlist: Watchlist
    terms: list[tuple[str, re.Pattern[str]]]
    require: list[list[tuple[str, re.Pattern[str]]]]
    exclude: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)


def _find(fields: list[_Field], term: str, pattern: re.Pattern[str]) -> list[Hit]:
    hits = []
    for f in fields:
        for m in pattern.finditer(f.folded):
            start = f.offsets[m.start()]
            end = f.offsets[m.end() - 1] + 1
            hits.append(Hit(term, f.name, start, end))
    return hits


def make_snippet(text: str, start: int, end: int, radius: int = SNIPPET_RADIUS) -> str:
    """The sentence-ish window around a match, the match itself between ** markers."""
    left = max(0, start - radius)
    right = min(len(text), end + radius)
    if left > 0:
        space = text.find(" ", left)
        left = space + 1 if 0 <= space < start else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space > end else right
    before = re.sub(r"\s+", " ", text[left:start]).lstrip()
    after = re.sub(r"\s+", " ", text[end:right]).rstrip()
    snippet = f"{before}**{text[start:end]}**{after}"
    return ("… " if left > 0 else "") + snippet + (" …" if right < len(text) else "")


class Matcher:
    """All watchlists compiled once; `match` returns the watchlists an article satisfies."""

    def __init__(self, watchlists: list[Watchlist]) -> None:
        self._compiled = [
            _CompiledWatchlist(
                w,
                [(t, compile_term(t)) for t in w.terms],
                [[(t, compile_term(t)) for t in group] for group in w.require],
                [(t, compile_term(t)) for t in w.exclude],
            )
            for w in watchlists
        ]

    def match(self, article: ArticleText) -> list[MatchResult]:
        fields = []
        for name, original in (("title", article.title or ""), ("text", article.text or "")):
            folded, offsets = normalize_with_offsets(original)
            fields.append(_Field(name, original, folded, offsets))
        results = []
        for c in self._compiled:
            w = c.watchlist
            if w.languages and (article.language or "") not in w.languages:
                continue
            if w.sources and (article.source or "") not in w.sources:
                continue
            hits = [h for term, p in c.terms for h in _find(fields, term, p)]
            if not hits:
                continue
            required = [
                [h for term, p in group for h in _find(fields, term, p)] for group in c.require
            ]
            if not all(required):
                continue
            if any(_find(fields, term, p) for term, p in c.exclude):
                continue
            hits += [h for group in required for h in group]
            results.append(MatchResult(w.name, tuple(hits), self._snippet(fields, hits)))
        return results

    @staticmethod
    def _snippet(fields: list[_Field], hits: list[Hit]) -> str:
        by_name = {f.name: f for f in fields}
        body_hits = [h for h in hits if h.field == "text"]
        first = min(body_hits or hits, key=lambda h: h.start)
        return make_snippet(by_name[first.field].original, first.start, first.end)
