"""Matching articles against all watchlists at once: pure functions over text, no I/O.

All terms of all watchlists (and entity aliases and context words) are compiled into one
Aho-Corasick automaton over folded text, so an article is scanned once whatever the number of
rules; boolean structure, proximity, entity context and fuzzy names are then checked only for
the watchlists whose terms were seen.

Folding (crawler.core.normalize) makes matching case-, accent- and harakat-insensitive and
whole-word; French and English plurals are folded, the name particles El/Al/Ell are one, and the
Arabic definite article is taken away with its proclitics (stem_token), so "الذكاء الاصطناعي"
finds "ذكاء اصطناعي" and back; Arabic terms also match behind the proclitics و ف ب ل ك; phrases
and NEAR stay inside a sentence.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import accumulate, count, islice, repeat
from operator import add
from typing import NamedTuple, assert_never

import ahocorasick

from crawler.core.normalize import (
    ARABIC_LETTER,
    SENTENCE_BREAK,
    FoldedWords,
    fold_arabic_article,
    normalize,
    stem_token,
    tokens_with_spans,
)
from crawler.core.yamlfile import primary_language
from monitors.rules.query import And, EntityRef, Near, Node, Not, Or, Term
from monitors.rules.watchlists import Entity, RuleSet, Watchlist, watchlist_expression

SNIPPET_RADIUS = 110
# A named tuple made by C alone, where calling the class runs its __new__, a Python function
# (some 60,000 hits, matches and places an article's 2 KB with 10,000 rules).
_new = tuple.__new__
_ARABIC_PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك")


@dataclass(frozen=True)
class ArticleText:
    """What the matcher needs of an article."""

    title: str
    text: str
    language: str | None = None
    source: str | None = None


class Hit(NamedTuple):
    """Where a match found one of its terms (a tuple, made by C: some twenty an article with
    10,000 rules, where a frozen dataclass's __init__, a Python function, took 0.4 µs each)."""

    term: str
    field: str  # "title" or "text"
    start: int  # offsets in the original (not folded) field
    end: int


class MatchResult(NamedTuple):
    """A watchlist an article satisfies: where, and the snippet shown and stored with it."""

    watchlist: str
    hits: tuple[Hit, ...]
    snippet: str

    @property
    def terms(self) -> list[str]:
        return sorted({h.term for h in self.hits})


# -- folded fields -----------------------------------------------------------------------------------


class _Field:
    """A field folded for matching: one token per word, each with its place in the original.

    The scan counts a place's token, sentence and offsets in the original from the place found
    before; the lists of every token's start in `padded`, sentence and offsets are made only
    for what needs them (fuzzy names, a field whose words are not one space apart)."""

    def __init__(
        self, name: str, original: str, padded: str, stems: list[str], folded: FoldedWords
    ) -> None:
        self.name = name
        self.original = original
        self.padded = padded  # " tok tok ¶ tok " — what the automaton scans
        self.stems = stems
        self.folded = folded  # the words, and their places in `original` when asked
        self._cut = False  # a snippet was cut from it
        self._plain: bool | None = None

    @functools.cached_property
    def token_starts(self) -> list[int]:
        """The start of each token in `padded`: one past the end of the one before (the
        first at 1), the lengths added up in C (each token's start is 1 + its index + the
        lengths of the tokens before it)."""
        stems = self.stems
        if not stems:
            return []
        return list(
            map(add, accumulate(map(len, islice(stems, len(stems) - 1)), initial=1), count())
        )

    @functools.cached_property
    def sentence(self) -> list[int]:
        """The sentence number of each token (a sentence break is a token of the next
        sentence)."""
        return list(accumulate(map(SENTENCE_BREAK.__eq__, self.folded.words), initial=0))[1:]

    @functools.cached_property
    def bounds(self) -> tuple[list[int], list[int]]:
        """Each token's start and each token's end in `original`: read only for a field a
        watchlist matched (most are not)."""
        return self.folded.bounds()

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Each token's (start, end) in `original`."""
        return list(zip(*self.bounds, strict=True))

    @property
    def known_plain(self) -> bool:
        """True when `original` is known to hold no whitespace but single spaces (every other
        whitespace character is unprintable), so that no snippet cut from it has runs to make
        one space. The field's first snippet checks its own window (most fields have one); a
        field with more (some twenty with 10,000 rules) is checked once, whole."""
        if self._plain is None:
            if not self._cut:
                self._cut = True
                return False
            self._plain = "  " not in self.original and self.original.isprintable()
        return self._plain


class _Stems(dict[str, str]):
    """stem_token of each token seen, remembered: an article repeats its words and a day's
    articles their vocabulary, so most tokens are looked up, not stemmed again (folding the
    pipeline bench's 800 texts: 0.094-0.115 CPU-s, against 0.131-0.166 stemming every token).
    Emptied when it holds STEMS_KEPT tokens, so that it stays within some 2.3 MB (20,000 tokens
    of the real pages) whatever the daemon matches."""

    def __missing__(self, token: str) -> str:
        if len(self) >= STEMS_KEPT:
            self.clear()
        stem = self[token] = stem_token(token)
        return stem


STEMS_KEPT = 20_000
_STEMS = _Stems()


def _field_name(f: _Field) -> str:
    return f.name


def _fold_field(name: str, original: str) -> _Field:
    folded = FoldedWords(original, sentences=True)
    words = folded.words
    if not words:
        return _Field(name, original, "  ", [], folded)
    stems = list(map(_STEMS.__getitem__, words))
    return _Field(name, original, " " + " ".join(stems) + " ", stems, folded)


# -- compiled patterns -------------------------------------------------------------------------------


def term_tokens(text: str) -> list[str]:
    """A term's folded, plural-folded tokens, folded exactly as a scanned field is (sentence
    breaks included, so "Yahoo! Maroc" finds itself); breaks at its edges are dropped."""
    tokens = [stem_token(t) for t, _, _ in tokens_with_spans(text, sentences=True) if t]
    while tokens and tokens[0] == SENTENCE_BREAK:
        tokens.pop(0)
    while tokens and tokens[-1] == SENTENCE_BREAK:
        tokens.pop()
    return tokens


def _patterns(tokens: list[str], prefix: bool) -> list[tuple[str, int]]:
    """Automaton keys for a term: (key, index of the term's first token within the key)."""
    body = " ".join(tokens)
    tail = "" if prefix else " "
    keys = [(" " + body + tail, 0)]
    if ARABIC_LETTER.match(body):
        for clitic in _ARABIC_PREFIXES[1:]:
            keys.append((" " + clitic + body + tail, 0))
        if body.startswith("ال") and len(body) > 3:
            for clitic in ("", "و", "ف"):
                keys.append((" " + clitic + "لل" + body[2:] + tail, 0))
    return keys


class _Position(NamedTuple):
    """A place an atom was found (a tuple: made, hashed and compared in C, some ten thousand
    times an article with 10,000 rules)."""

    field: str
    first: int  # token indexes, inclusive
    last: int
    sentence: int
    start: int  # the offsets of the first token's start and the last one's end in the original
    end: int


@dataclass
class _Atom:
    """One distinct term the automaton looks for."""

    label: str  # the term as the user wrote it
    tokens: list[str]
    prefix: bool


@dataclass
class _CompiledWatchlist:
    watchlist: Watchlist
    expression: Node
    order: int
    atom_ids: set[int] = field(default_factory=set)
    # A watchlist of terms alone (a term, or terms any of which will do: most of them), as
    # (atom, term, fields searched or None for all): its hits are read without walking the
    # expression.
    terms: tuple[tuple[int, str, tuple[str, ...] | None], ...] | None = None
    # A watchlist of one term looked for in both fields, one mention enough (most of them), as
    # (atom, term): its hits are the atom's places as they are.
    single: tuple[int, str] | None = None
    # Limited to some languages or sources (few are): checked before anything else.
    limited: bool = False


def _scope(term: Term, watchlist: Watchlist) -> tuple[str, ...] | None:
    """The fields a term of a watchlist is looked for in, None for both (nothing to filter)."""
    scope = (term.field,) if term.field else watchlist.fields
    return None if {"title", "text"} <= set(scope) else scope


def _distance(a: _Position, b: _Position) -> int:
    if a.last < b.first:
        return b.first - a.last - 1
    if b.last < a.first:
        return a.first - b.last - 1
    return 0


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def _positions(result: list[_Position] | bool) -> list[_Position]:
    """Where a sub-expression matched (a NOT or an OR with a NOT gives no position)."""
    return result if isinstance(result, list) else []


class Matcher:
    """All watchlists compiled once; `match` returns the watchlists an article satisfies."""

    def __init__(
        self, watchlists: list[Watchlist], entities: dict[str, Entity] | None = None
    ) -> None:
        self.entities = entities or {}
        self._atoms: list[_Atom] = []
        self._atom_index: dict[tuple[tuple[str, ...], bool], int] = {}
        self._keys: dict[str, list[tuple[int, int, int]]] = defaultdict(
            list
        )  # atom, tokens, key length
        self._entity_aliases: dict[str, list[tuple[int, tuple[int, ...], int]]] = {}
        self._fuzzy: dict[str, list[tuple[list[str], str]]] = {}
        self._term_atom: dict[tuple[str, bool], int] = {}
        for entity in self.entities.values():
            self._compile_entity(entity)
        self._compiled = []
        for order, w in enumerate(watchlists):
            expression = watchlist_expression(w)
            compiled = _CompiledWatchlist(
                w, expression, order, limited=bool(w.languages or w.sources)
            )
            self._collect(expression, compiled.atom_ids)
            nodes = expression.children if isinstance(expression, Or) else (expression,)
            if all(isinstance(node, Term) for node in nodes):
                compiled.terms = tuple(
                    (self._term_atom[(node.text, node.prefix)], node.text, _scope(node, w))
                    for node in nodes
                    if isinstance(node, Term)
                )
                if (
                    len(compiled.terms) == 1
                    and compiled.terms[0][2] is None
                    and w.min_mentions == 1
                ):
                    compiled.single = compiled.terms[0][:2]
            self._compiled.append(compiled)
        self._index()
        self._automaton = ahocorasick.Automaton()
        for key, values in self._keys.items():
            self._automaton.add_word(key, tuple(values))
        if self._keys:
            self._automaton.make_automaton()

    def _index(self) -> None:
        """The watchlists to check for each atom found. A watchlist of one term looked for in
        both fields, one mention enough, for every language and source (most of them), is
        kept apart as (order, name, term): found in one place, it matches there, with nothing
        more asked of it."""
        self._singles: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
        self._by_atom: dict[int, list[_CompiledWatchlist]] = defaultdict(list)
        for c in self._compiled:
            if c.single is not None and not c.limited:
                atom_id, term = c.single
                self._singles[atom_id].append((c.order, c.watchlist.name, term))
                continue
            for atom_id in c.atom_ids:
                self._by_atom[atom_id].append(c)

    @classmethod
    def for_rules(cls, rules: RuleSet) -> Matcher:
        """The watchlists that alert: a paused one stays in the file and the reader (and can
        be backtested by name) but matches nothing new."""
        return cls([w for w in rules.watchlists if not w.paused], rules.entities)

    # -- compilation -------------------------------------------------------------------------------

    def _atom(self, text: str, prefix: bool = False) -> int:
        tokens = term_tokens(text)
        if prefix:  # the prefix itself is not plural-folded: "numériques*" means what it says
            tokens[-1] = fold_arabic_article(normalize(text).split(" ")[-1], minimum=2)
        key = (tuple(tokens), prefix)
        if key in self._atom_index:
            return self._atom_index[key]
        atom_id = len(self._atoms)
        self._atoms.append(_Atom(text, tokens, prefix))
        self._atom_index[key] = atom_id
        for pattern, _ in _patterns(tokens, prefix) if tokens else []:
            self._keys[pattern].append((atom_id, len(tokens), len(pattern)))
        return atom_id

    def _compile_entity(self, entity: Entity) -> None:
        aliases = []
        fuzzy = []
        for alias in entity.aliases:
            atom_id = self._atom(alias.text)
            context = tuple(self._atom(c) for c in alias.context)
            aliases.append((atom_id, context, alias.window))
            tokens = term_tokens(alias.text)
            if (
                entity.fuzzy
                and len(tokens) >= 2
                and len("".join(tokens)) >= 10
                and not alias.context
            ):
                for token in tokens:
                    if len(token) >= 4:
                        self._atom(token)  # anchors for fuzzy candidates
                fuzzy.append((tokens, alias.text))
        self._entity_aliases[entity.id] = aliases
        self._fuzzy[entity.id] = fuzzy

    def _collect(self, node: Node, ids: set[int]) -> None:
        if isinstance(node, Term):
            atom_id = self._atom(node.text, node.prefix)
            self._term_atom[(node.text, node.prefix)] = atom_id
            ids.add(atom_id)
        elif isinstance(node, EntityRef):
            for atom_id, _context, _window in self._entity_aliases.get(node.name, []):
                ids.add(atom_id)
            for tokens, _ in self._fuzzy.get(node.name, []):
                ids.update(self._atom_index[((t,), False)] for t in tokens if len(t) >= 4)
        elif isinstance(node, Not):
            self._collect(node.child, ids)
        elif isinstance(node, Near):
            self._collect(node.left, ids)
            self._collect(node.right, ids)
        elif isinstance(node, And | Or):
            for child in node.children:
                self._collect(child, ids)
        else:
            assert_never(node)

    # -- scanning ----------------------------------------------------------------------------------

    def _scan(self, fields: list[_Field]) -> dict[int, list[_Position]]:
        """Each atom's places, in the order of (field, first token)."""
        if not self._keys:
            return {}
        found: dict[int, list[_Position]] = {}
        # The text before the title, so that each atom's places come in (field, first token)
        # order, as the automaton reports them within a field (an atom has one length, so a
        # key ending later starts at the same token or a later one): nothing to sort.
        for f in sorted(fields, key=_field_name):
            name, padded = f.name, f.padded
            tokens = len(f.stems)
            # A key starts with the space before its first token, and each token has one space
            # before it: the token a key starts at is the number of spaces before that space,
            # its sentence the number of breaks up to it. Both are counted by C from the
            # place found before (a field's token places and sentences, some 250 tokens of the
            # bench's texts, made a list each: most of the scan's cost with 10,000 rules).
            at = spaces = breaks = 0  # spaces and breaks before `at`
            words: list[str] | None = None
            for end, values in self._automaton.iter(padded):
                if words is None:  # the field's first place: how its offsets are read
                    words = f.folded.words
                    # Most texts, single-spaced: a token's offsets are counted from those of
                    # the token found before, by the lengths of the words between them (some
                    # twenty places of a 250-token text with 10,000 rules), not read from
                    # the field's list of every token's offsets, two lists made for it.
                    bounds = None if f.folded.single_spaced() else f.bounds
                    token = token_sentence = token_start = 0  # the token counted from
                for atom_id, length, key_len in values:
                    begin = end - key_len + 1  # the space before the key's first token
                    if begin >= at:
                        spaces += padded.count(" ", at, begin)
                        breaks += padded.count(SENTENCE_BREAK, at, begin)
                    else:
                        spaces -= padded.count(" ", begin, at)
                        breaks -= padded.count(SENTENCE_BREAK, begin, at)
                    at = begin
                    first = spaces
                    last = first + length - 1
                    if last >= tokens:
                        continue
                    places = found.get(atom_id)
                    if (
                        places is not None
                        and places[-1].first == first
                        and places[-1].field == name
                    ):
                        continue  # a place found again, through another key, comes next
                    # No sentence check: a phrase is matched token by token and the sentence
                    # break is a token, so only a term that itself spans two sentences can.
                    sentence = breaks  # (a key's first token is never a break: term_tokens)
                    if bounds is not None:
                        start, stop = bounds[0][first], bounds[1][last]
                    else:
                        # Each word but a break has one space before it (the first excepted).
                        if first >= token:
                            token_start += (
                                sum(map(len, words[token:first]))
                                + (first - token)
                                - (sentence - token_sentence)
                            )
                        else:
                            token_start -= (
                                sum(map(len, words[first:token]))
                                + (token - first)
                                - (token_sentence - sentence)
                            )
                        token, token_sentence, start = first, sentence, token_start
                        if last == first:
                            stop = start + len(words[first])
                        else:  # (its first token not a break, as said)
                            phrase = words[first : last + 1]
                            stop = (
                                start
                                + sum(map(len, phrase))
                                + (last - first)
                                - phrase.count(SENTENCE_BREAK)
                            )
                    place = _new(_Position, (name, first, last, sentence, start, stop))
                    if places is None:
                        found[atom_id] = [place]
                    else:
                        places.append(place)
        return found

    def _entity_positions(
        self, name: str, found: dict[int, list[_Position]], fields: dict[str, _Field]
    ) -> list[tuple[_Position, str]]:
        result: list[tuple[_Position, str]] = []
        for atom_id, context, window in self._entity_aliases.get(name, []):
            for p in found.get(atom_id, []):
                if context and not any(
                    q.field == p.field and q.sentence == p.sentence and _distance(p, q) <= window
                    for c in context
                    for q in found.get(c, [])
                ):
                    continue
                result.append((p, self._atoms[atom_id].label))
        exact = {(p.field, p.first) for p, _ in result}
        for tokens, label in self._fuzzy.get(name, []):
            for j, token in enumerate(tokens):
                anchor = self._atom_index.get(((token,), False))
                for p in found.get(anchor, []) if anchor is not None else []:
                    f = fields[p.field]
                    first = p.first - j
                    last = first + len(tokens) - 1
                    if first < 0 or last >= len(f.token_starts) or (p.field, first) in exact:
                        continue
                    seen = [
                        f.padded[f.token_starts[i] :].split(" ", 1)[0]
                        for i in range(first, last + 1)
                    ]
                    if SENTENCE_BREAK in seen:
                        continue
                    differing = [(a, b) for a, b in zip(seen, tokens, strict=True) if a != b]
                    if (
                        len(differing) == 1
                        and len(differing[0][1]) >= 5
                        and _edit_distance_at_most_one(*differing[0])
                    ):
                        starts, ends = f.bounds
                        place = _Position(
                            p.field, first, last, f.sentence[first], starts[first], ends[last]
                        )
                        result.append((place, label))
                        exact.add((p.field, first))
        return result

    def _evaluate(
        self,
        node: Node,
        found: dict[int, list[_Position]],
        fields: dict[str, _Field],
        allowed: tuple[str, ...],
        hits: list[tuple[_Position, str]],
    ) -> list[_Position] | bool:
        """Positions where a positional node matches (empty: no match); True/False otherwise."""
        if isinstance(node, Term):
            atom_id = self._term_atom[(node.text, node.prefix)]
            scope = (node.field,) if node.field else allowed
            positions = [p for p in found.get(atom_id, []) if p.field in scope]
            hits.extend((p, node.text) for p in positions)
            return positions
        if isinstance(node, EntityRef):
            scope = (node.field,) if node.field else allowed
            pairs = [
                (p, label)
                for p, label in self._entity_positions(node.name, found, fields)
                if p.field in scope
            ]
            hits.extend(pairs)
            return [p for p, _ in pairs]
        if isinstance(node, Near):
            scratch: list[tuple[_Position, str]] = []
            left = _positions(self._evaluate(node.left, found, fields, allowed, scratch))
            right = _positions(self._evaluate(node.right, found, fields, allowed, scratch))
            near = [
                (a, b)
                for a in left
                for b in right
                if a.field == b.field
                and a.sentence == b.sentence
                and _distance(a, b) <= node.distance
            ]
            kept = {p for pair in near for p in pair}
            hits.extend(h for h in scratch if h[0] in kept)
            return sorted(kept, key=lambda p: (p.field, p.first))
        if isinstance(node, Not):
            return not self._evaluate(node.child, found, fields, allowed, [])
        if isinstance(node, Or):
            results = [self._evaluate(c, found, fields, allowed, hits) for c in node.children]
            if all(isinstance(r, list) for r in results):
                return [p for r in results for p in _positions(r)]
            return any(bool(r) for r in results)
        if isinstance(node, And):
            scratch = []
            for child in node.children:
                if not self._evaluate(child, found, fields, allowed, scratch):
                    return False
            hits.extend(scratch)
            return True
        assert_never(node)

    def match(self, article: ArticleText) -> list[MatchResult]:
        fields = [
            _fold_field("title", article.title or ""),
            _fold_field("text", article.text or ""),
        ]
        by_name = {f.name: f for f in fields}
        found = self._scan(fields)
        # The snippet of a match found in one place, by place: watchlists found in the same
        # place (the same term, or terms folded alike) share it. Made for this article alone.
        snippets: dict[_Position, str] = {}
        matched: list[tuple[int, MatchResult]] = []  # with each watchlist's order
        candidates: dict[int, _CompiledWatchlist] = {}  # only watchlists whose terms were seen
        for atom_id, where in found.items():
            singles = self._singles.get(atom_id)
            if singles is not None:
                if len(where) == 1:  # most matches: one place, its hit and snippet made here
                    p = where[0]
                    snippet = snippets.get(p)
                    if snippet is None:
                        snippet = snippets[p] = _place_snippet(by_name[p.field], p)
                    for order, name, term in singles:
                        hit = _new(Hit, (term, p.field, p.start, p.end))
                        matched.append((order, _new(MatchResult, (name, (hit,), snippet))))
                else:  # what the general path gives them, made once for all of them
                    in_order, snippet = _places_snippet(where, by_name)
                    for order, name, term in singles:
                        explained = tuple(
                            [_new(Hit, (term, p.field, p.start, p.end)) for p in in_order]
                        )
                        matched.append((order, _new(MatchResult, (name, explained, snippet))))
            for c in self._by_atom.get(atom_id, ()):
                candidates[c.order] = c
        for order, c in sorted(candidates.items()):
            w = c.watchlist
            if c.limited:
                # By the primary subtag: an article imported as « fr-MA » is French to [fr].
                if w.languages and primary_language(article.language) not in w.languages:
                    continue
                if w.sources and (article.source or "") not in w.sources:
                    continue
            hits: list[tuple[_Position, str]]
            if c.single is not None:  # the general path's hits, read directly
                atom_id, term = c.single
                where = found[atom_id]  # found: the watchlist is a candidate through it
                hits = list(zip(where, repeat(term)))
            elif c.terms is not None:  # what _evaluate finds for a term or an OR of terms
                hits = []
                for atom_id, term, scope in c.terms:
                    places = found.get(atom_id)
                    if not places:
                        continue
                    if scope is None:
                        hits.extend(zip(places, repeat(term)))
                    else:
                        hits.extend([(p, term) for p in places if p.field in scope])
                if not hits:
                    continue
            else:
                hits = []
                if not self._evaluate(c.expression, found, by_name, w.fields, hits):
                    continue
            if len(hits) == 1:  # most matches: one place, nothing to tell apart or sort
                if w.min_mentions > 1:
                    continue
                p, label = hits[0]
                snippet = snippets.get(p)
                if snippet is None:
                    snippet = snippets[p] = _place_snippet(by_name[p.field], p)
                hit = _new(Hit, (label, p.field, p.start, p.end))
                matched.append((order, _new(MatchResult, (w.name, (hit,), snippet))))
                continue
            # One hit a place (field, first and last token; a place's sentence follows from its
            # first token), the last label found there.
            unique = {p: (p, label) for p, label in hits}
            if len(unique) < w.min_mentions:
                continue
            if len(unique) == 1:  # most matches: one place, nothing to sort
                ordered = list(unique.values())
            else:
                ordered = sorted(unique.values(), key=_hit_order)
            explained = tuple([_new(Hit, (label, p.field, p.start, p.end)) for p, label in ordered])
            snippet = make_snippet_for(by_name, explained)
            matched.append((order, _new(MatchResult, (w.name, explained, snippet))))
        matched.sort()  # in the watchlists' order (each order once: no result is compared)
        return [result for _, result in matched]


# -- snippets --------------------------------------------------------------------------------------


def make_snippet(
    text: str,
    start: int,
    end: int,
    radius: int = SNIPPET_RADIUS,
    marks: list[tuple[int, int]] | None = None,
    plain: bool = False,
) -> str:
    """The window around a match, every match inside it between ** markers: the words within
    `radius` characters of it, cut at a space, whitespace runs made one space. `plain` says
    that `text` holds no whitespace but single spaces and no other unprintable character
    (_Field.known_plain), so that no window of it has any to make one space."""
    length = len(text)
    left = start - radius
    if left > 0:
        space = text.find(" ", left, start)  # a space before the match: start the word after
        if space >= 0:
            left = space + 1
    else:
        left = 0
    right = end + radius
    if right < length:
        space = text.rfind(" ", end, right)
        if space > end:
            right = space
    else:
        right = length
    if not marks or len(marks) == 1:  # most snippets: one mark, nothing to sort
        s, e = marks[0] if marks else (start, end)
        if s >= left and e <= right:
            if plain and left > 0 and right < length and radius > 1:
                # Most snippets. Cut after a space and before one (or where no space was) in a
                # text with no two spaces together, the window begins and ends with a word (or
                # a mark): no ends to strip, made in one piece.
                return f"… {text[left:s]}**{text[s:e]}**{text[e:right]} …"
            window = f"{text[left:s]}**{text[s:e]}**{text[e:right]}"
        else:
            window = text[left:right]
    else:
        pieces = []
        cursor = left
        for s, e in sorted({(s, e) for s, e in marks if s >= left and e <= right}):
            if s < cursor:
                continue
            pieces.append(text[cursor:s])
            pieces.append(f"**{text[s:e]}**")
            cursor = e
        pieces.append(text[cursor:right])
        window = "".join(pieces)
    if plain or ("  " not in window and window.isprintable()):
        # No whitespace but single spaces (every other whitespace character is unprintable):
        # the runs to make one space are none, only the ends to strip.
        snippet = window.strip(" ")
    else:
        snippet = " ".join(window.split())
    if left > 0:
        return f"… {snippet} …" if right < length else f"… {snippet}"
    return f"{snippet} …" if right < length else snippet


def _place_snippet(f: _Field, p: _Position) -> str:
    """The snippet of a match found in one place: around it, marking it."""
    return make_snippet(f.original, p.start, p.end, SNIPPET_RADIUS, None, f.known_plain)


def _places_snippet(
    where: list[_Position], fields: dict[str, _Field]
) -> tuple[list[_Position], str]:
    """An atom's places (two or more) in the order of a match's hits, and the snippet of a
    match of them: what _hit_order and make_snippet_for give, read from the places, which
    come in (field, first token) order, the text's before the title's, each place once."""
    text = [p for p in where if p.field == "text"]
    title = where[len(text) :]
    chosen = text or title  # the body's places, in reading order (the first starts first)
    first = chosen[0]
    f = fields[first.field]
    marks = [(p.start, p.end) for p in chosen]
    snippet = make_snippet(f.original, first.start, first.end, SNIPPET_RADIUS, marks, f.known_plain)
    return title + text, snippet


def make_snippet_for(fields: dict[str, _Field], hits: tuple[Hit, ...]) -> str:
    """The snippet of a match: around its first place in the body (or the title when the body
    has none), marking every place of it there."""
    if len(hits) == 1:
        first = hits[0]
        marks = [(first.start, first.end)]
    else:
        body = [h for h in hits if h.field == "text"]
        chosen = body or list(hits)
        first = min(chosen, key=_start)
        marks = [(h.start, h.end) for h in chosen]
    f = fields[first.field]
    return make_snippet(f.original, first.start, first.end, marks=marks, plain=f.known_plain)


def _start(hit: Hit) -> int:
    return hit.start


def _hit_order(hit: tuple[_Position, str]) -> tuple[bool, int]:
    """Title places first, then each field's in reading order."""
    return (hit[0].field != "title", hit[0].first)
