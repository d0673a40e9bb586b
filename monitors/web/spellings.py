"""The written forms a search phrase may take in an article: the Arabic definite article with the
proclitics before it, the El/Al name particles, and Arabic words without their harakat and
tatweel, as rules fold them (docs/watch-rules.md).

Rules fold both sides, the rule and the article (crawler.core.normalize.stem_token). The search
indexes (SQLite FTS5, PostgreSQL tsvectors) hold the articles' words as written (without accents,
harakat and tatweel), so search does the rest of the folding on the query's side: a phrase is searched in each of its forms. « الذكاء الاصطناعي »
is searched as « ذكاء اصطناعي », « الذكاء الاصطناعي », « بالذكاء الاصطناعي », « للذكاء
الاصطناعي »…; « El Fallah » as « El Fallah » and « Al Fallah ». Pure functions, no I/O.
"""

from __future__ import annotations

import itertools
import unicodedata

from crawler.core.normalize import ARABIC_LETTER, MIN_ARABIC_STEM, NAME_PARTICLES

# The definite article as written at the head of a word, with the proclitics before it (as
# crawler.core.normalize folds them), longest first.
_ARTICLES = ("وبال", "فبال", "وكال", "فكال", "ولل", "فلل", "وال", "فال", "بال", "كال", "لل", "ال")
# A phrase's first word takes any of them, or a proclitic alone (« وذكاء »); the words after it
# agree with it as an adjective or complement does: with ال or without.
_LEADING = ("", "و", "ب", "ل", *_ARTICLES)
_FOLLOWING = ("", "ال")
# Phrases of more Arabic words than this vary their first word only (the rest as written).
MAX_VARIED_WORDS = 3
# The particles of transliterated names, one spelling each in rules: El, Al, Ell.
_PARTICLES = tuple(sorted({*NAME_PARTICLES, *NAME_PARTICLES.values()}))


def unmarked(word: str) -> str:
    """An Arabic word without its harakat (and other combining marks) and tatweel, as the press
    mostly writes it and as the indexes hold it (crawler.storage.tables.UNINDEXED_MARKS, on both
    engines): a headline pasted with its vowels, « الذَّكَاءُ », is
    searched as « الذكاء » too. Other words as they are."""
    if not ARABIC_LETTER.match(word):
        return word
    return "".join(c for c in word if c != "ـ" and unicodedata.category(c) != "Mn")


def bare(word: str) -> str:
    """An Arabic word without its article and the proclitics before it, when at least
    MIN_ARABIC_STEM letters remain (« الله » and « الذي » stay whole); other words as they are."""
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= MIN_ARABIC_STEM:
            return word[len(article) :]
    return word


def _forms(word: str, first: bool) -> list[str]:
    if word.lower() in _PARTICLES:
        return list(_PARTICLES) if word.islower() else [p.capitalize() for p in _PARTICLES]
    if not ARABIC_LETTER.match(word):
        return [word]
    stem = bare(word)
    if stem == word and word.startswith(("ال", "لل")):
        return [word]  # a word whose own letters begin like an article (« الله »)
    return [prefix + stem for prefix in (_LEADING if first else _FOLLOWING)]


def phrase_forms(words: list[str]) -> list[list[str]]:
    """Every written form of a phrase (a list of words), the phrase as written first; the
    forms of its Arabic words are those of the words without harakat and tatweel."""
    plain = [unmarked(word) for word in words]
    if not all(plain):  # a word of marks alone: the phrase as written
        plain = words
    arabic = [i for i, w in enumerate(plain) if ARABIC_LETTER.match(w)]
    varied = set(arabic[:1]) if len(arabic) > MAX_VARIED_WORDS else set(range(len(words)))
    choices = [
        _forms(word, first=(i == 0)) if i in varied else [word] for i, word in enumerate(plain)
    ]
    forms = [words] + [list(c) for c in itertools.product(*choices) if list(c) != words]
    return [form for i, form in enumerate(forms) if form not in forms[:i]]
