"""Text normalisation shared by storage (content hashes) and watch-rule matching.

Both sides must fold text the same way, or "souverainete numerique" would not find
"souveraineté numérique". Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from itertools import accumulate, chain, islice
from operator import add

_APOSTROPHES = "'’‘`´ʼʹ′"
_ARABIC_MAP = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    "ـ": "",  # tatweel
}
SENTENCE_BREAK = "¶"  # token marking a sentence end, in text folded with sentences=True
_SENTENCE_END = set("!?؟…\n")
_ARABIC_INITIALS = frozenset("الوفبك")
_ELISION = re.compile(r"^(?:l|d|qu|j|n|s|c|m|t|jusqu|lorsqu|puisqu)'(?=\w)")
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """Fold one character: compatibility form, no accents or harakat, Arabic letter variants."""
    if ch in _APOSTROPHES:
        return "'"
    if ch in _ARABIC_MAP:
        return _ARABIC_MAP[ch]
    if ch.isascii():
        return ch.lower() if ch.isalnum() else " "
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        if unicodedata.category(c) == "Mn":
            continue
        c = _ARABIC_MAP.get(c, c)
        out.append(c if c.isalnum() or c == "'" else " ")
    return "".join(out).casefold()


def _ends_sentence(text: str, index: int) -> bool:
    ch = text[index]
    if ch in _SENTENCE_END:
        return True
    # A full stop ends a sentence when followed by a space ("M. X" is rare enough in the press).
    return ch == "." and (index + 1 == len(text) or text[index + 1].isspace())


def normalize_with_offsets(text: str, sentences: bool = False) -> tuple[str, list[int]]:
    """Normalise text and return, for each output character, the index of its source character.

    Output is lowercase, accent- and harakat-free, Arabic-letter-folded tokens separated by single
    spaces, with French elisions (l', d', qu'...) removed. The offsets let a match found in the
    normalised text be shown as a snippet of the original. With `sentences`, sentence ends become
    a SENTENCE_BREAK token so that phrases and proximity never straddle two sentences.
    """
    chars: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        if sentences and _ends_sentence(text, index):
            if (
                chars
                and chars[-1] != SENTENCE_BREAK
                and not (len(chars) > 1 and chars[-2] == SENTENCE_BREAK)
            ):
                if chars[-1] != " ":
                    chars.append(" ")
                    offsets.append(index)
                chars.append(SENTENCE_BREAK)
                offsets.append(index)
                chars.append(" ")  # the break is a token of its own, even in "fin.Puis"
                offsets.append(index)
            continue
        folded = _fold_char(ch)
        for c in folded:
            if c == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(c)
            offsets.append(index)
    if chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    folded = "".join(chars)
    if "'" not in folded:
        return folded, offsets
    # Drop elided articles and turn remaining apostrophes into token breaks.
    out_chars: list[str] = []
    out_offsets: list[int] = []
    position = 0
    for token in folded.split(" "):
        start = position
        position += len(token) + 1
        elided = _ELISION.match(token)
        skip = elided.end() if elided else 0
        piece = token[skip:].replace("'", " ").strip()
        if not piece:
            continue
        if out_chars:
            out_chars.append(" ")
            out_offsets.append(offsets[start + skip])
        lead = len(token[skip:]) - len(token[skip:].lstrip("'"))
        for i, c in enumerate(piece):
            if c == " " and out_chars[-1] == " ":
                continue
            out_chars.append(c)
            out_offsets.append(offsets[start + skip + lead + i])
    return "".join(out_chars), out_offsets


_PLURAL_EXCEPTIONS = ("ss", "us", "is")

# The Arabic definite article as written at the head of a word, with the proclitics that come
# before it: the conjunctions و ف, the prepositions ب ك, and ل, before which ال contracts to لل.
# Longest first, so that "وبال" is tried before "بال".
_ARABIC_ARTICLES = tuple(
    sorted(
        {c + p + "ال" for c in ("", "و", "ف") for p in ("", "ب", "ك")}
        | {c + "لل" for c in ("", "و", "ف")},
        key=len,
        reverse=True,
    )
)
# What must remain once the article is taken away: Arabic roots have three letters, so a shorter
# rest means the letters were the word's own ("الله", "ألم", "الذي", "والي" stay whole).
MIN_ARABIC_STEM = 3
# Transliterated name particles, one of the commonest spelling variants of Moroccan names in the
# French and English press ("El Fallah", "Al Fallah", "El-Fallah"): folded to one token.
NAME_PARTICLES = {"al": "el", "ell": "el"}


def fold_arabic_article(token: str, minimum: int = MIN_ARABIC_STEM) -> str:
    """A folded Arabic token without its definite article and the proclitics before it
    ("الذكاء", "والذكاء", "بالذكاء", "للذكاء" → "ذكاء"), so a definite phrase finds the
    indefinite one and back. An article is taken away only when at least MIN_ARABIC_STEM letters
    remain; after a proclitic, only a bare ال more ("الالتزام" → "التزام" → "تزام", as
    "التزام" itself), so that fold("ال" + word) is fold(word) for any word of three letters or
    more. A prefix term ("الذك*") passes a smaller `minimum`: what it lacks is its end."""
    for article in _ARABIC_ARTICLES:
        if token.startswith(article) and len(token) - len(article) >= minimum:
            token = token[len(article) :]
            break
    else:
        return token
    while token.startswith("ال") and len(token) - 2 >= minimum:
        token = token[2:]
    return token


def stem_token(token: str) -> str:
    """The form a folded token is matched in: light plural folding for French and English
    (numériques → numerique, nationaux → national, companies → company), one spelling of the
    name particles El/Al/Ell (NAME_PARTICLES), the Arabic definite article and its proclitics
    taken away (fold_arabic_article). Tokens with digits stay as they are."""
    if token in NAME_PARTICLES:
        return NAME_PARTICLES[token]
    if token[:1] in _ARABIC_INITIALS:
        return fold_arabic_article(token)
    if len(token) <= 4 or not token.isascii() or not token.isalpha():
        return token
    if token.endswith("aux") and len(token) > 5:
        return token[:-3] + "al"
    if token.endswith("ies") and len(token) > 5:
        return token[:-3] + "y"
    if token.endswith(("s", "x")) and not token.endswith(_PLURAL_EXCEPTIONS):
        return token[:-1]
    return token


@functools.lru_cache(maxsize=16)
def normalize(text: str) -> str:
    """The normalised form of a text, as used for matching and hashing (the last few results
    are cached: storing an article hashes and fingerprints the same text)."""
    return fold_text(text)


def content_hash(text: str) -> str:
    """A hash of an article's normalised body: equal for the same text under two URLs."""
    return hashlib.sha1(normalize(text).encode("utf-8")).hexdigest()


# -- fast path ---------------------------------------------------------------------------------------
# The same folding as normalize_with_offsets, token by token: str.translate does the per-character
# work in C and regexes find the tokens, whose spans in the original text are all the matcher and
# the fingerprints need. Characters whose folding is not one character (or nothing, or spaces) are
# rare (ligatures, fractions); a text containing one takes the reference path above.

_DELETED = "\x00"
_COMPLEX = object()


class _FoldTable(dict):
    """ord(char) -> folded char, filled on first sight of each character."""

    def __missing__(self, code: int) -> object:
        ch = chr(code)
        value: object
        if ch == _END_DOT or ch in _SENTENCE_END:
            value = SENTENCE_BREAK
        else:
            folded = _fold_char(ch)
            if folded == "":
                value = _DELETED
            elif len(folded) == 1:
                value = " " if folded == SENTENCE_BREAK else folded
            elif folded.strip() == "":
                value = " "
            else:
                value = _COMPLEX
        self[code] = value
        return value


_TABLE = _FoldTable()
_TOKEN = re.compile(r"¶|[^\s¶]+")
_SENTENCE_DOT = re.compile(r"\.(?=\s|$)")
_END_DOT = "\ue000"  # a private-use character marking the full stops that end a sentence
_PIECE = re.compile(r"[^']+")


def _translated(text: str, sentences: bool) -> str | None:
    """The text folded character by character (str.translate), same length, sentence ends
    marked; None when a character folds to several characters."""
    if _END_DOT in text:
        return None
    if sentences:
        text = _SENTENCE_DOT.sub(_END_DOT, text)  # same length: spans are unchanged
    try:
        translated = text.translate(_TABLE)
    except TypeError:  # a character folding to several characters
        return None
    return translated if sentences else translated.replace(SENTENCE_BREAK, " ")


def fold_tokens(text: str, sentences: bool = False) -> list[tuple[str, int, int]] | None:
    """(token, start, end) of each folded token, with its span in `text`, exactly as
    normalize_with_offsets would fold it; None when the text needs that reference path (a
    character that folds to several characters)."""
    translated = _translated(text, sentences)
    if translated is None:
        return None
    if _DELETED not in translated:
        return [(found.group(), *found.span()) for found in _plain_tokens(translated)]
    tokens: list[tuple[str, int, int]] = []
    # Like the reference, a break is kept only after some folded character (an elided "l'"
    # counts) and never right after another break.
    seen_text = after_break = False
    for match in _TOKEN.finditer(translated):
        raw, start = match.group(), match.start()
        if raw == SENTENCE_BREAK:
            if seen_text and not after_break:
                tokens.append((raw, start, start + 1))
                after_break = True
            continue
        if _DELETED in raw:
            kept = [i for i, c in enumerate(raw) if c != _DELETED]
            token = raw.replace(_DELETED, "")
        else:
            kept, token = None, raw
        if not token:
            continue
        seen_text, after_break = True, False
        if "'" not in token:
            first, last = (kept[0], kept[-1]) if kept else (0, len(raw) - 1)
            tokens.append((token, start + first, start + last + 1))
            continue
        elided = _ELISION.match(token)
        skip = elided.end() if elided else 0
        for piece in _PIECE.finditer(token, skip):
            a, b = piece.start(), piece.end() - 1
            if kept:
                a, b = kept[a], kept[b]
            tokens.append((piece.group(), start + a, start + b + 1))
    return tokens


# For a translated text with no deleted character (most texts: harakat and the tatweel are the
# characters folding to nothing), every run between spaces and breaks is a token of text, so the
# rules above are whole-string substitutions of the same length (spans unchanged) before one
# search for the tokens: breaks before any text, and each break after the first of a run with
# only spaces between, become spaces; an elided article becomes spaces; an apostrophe ends a
# token. Each token is then made by the regular expression engine, not by a loop of Python.
_LEADING_BREAKS = re.compile(r"^[\s¶]+")
_BREAK_RUN = re.compile(r"¶[\s¶]+")
_ELIDED = re.compile(r"(?<![^\s¶])" + _ELISION.pattern.removeprefix("^"))
_PLAIN_TOKEN = re.compile(r"¶|[^\s¶']+")


def _spaces(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _first_break(match: re.Match[str]) -> str:
    found = match.group()
    return SENTENCE_BREAK + " " * (len(found) - 1) if found.count(SENTENCE_BREAK) > 1 else found


def _plain_text(translated: str) -> str:
    """A translated text holding no deleted character, with its breaks and elisions made
    spaces as fold_tokens drops them: its tokens are then _PLAIN_TOKEN's matches."""
    if SENTENCE_BREAK in translated:
        translated = _LEADING_BREAKS.sub(_spaces, translated, count=1)
        translated = _BREAK_RUN.sub(_first_break, translated)
    if "'" in translated:
        translated = _ELIDED.sub(_spaces, translated)
    return translated


def _plain_tokens(translated: str) -> Iterator[re.Match[str]]:
    return _PLAIN_TOKEN.finditer(_plain_text(translated))


class FoldedWords:
    """The tokens of tokens_with_spans, without their spans until asked: on most texts the
    regular expression engine makes the list at once, and the spans are found again only when
    wanted (the matcher needs a token's place in the text only for the few fields a watchlist
    matched), from the text the words were read in, not folded a second time."""

    __slots__ = ("words", "_plain", "_text", "_sentences")

    def __init__(self, text: str, sentences: bool = False) -> None:
        translated = _translated(text, sentences)
        self._text, self._sentences = text, sentences
        if translated is None or _DELETED in translated:
            self._plain = None
            self.words = [token for token, _, _ in tokens_with_spans(text, sentences)]
        else:
            self._plain = _plain_text(translated)
            self.words = _PLAIN_TOKEN.findall(self._plain)

    def spans(self) -> list[tuple[int, int]]:
        """Each word's (start, end) in the text, as tokens_with_spans gives them."""
        return list(zip(*self.bounds(), strict=True))

    def single_spaced(self) -> bool:
        """Whether the text has one space before each word but the first, none before a
        sentence break, and nothing else between words (most texts): a word's start is then
        the lengths of the words before it and of the spaces between them."""
        return self._plain is not None and self._plain == " ".join(self.words).replace(
            " " + SENTENCE_BREAK, SENTENCE_BREAK
        )

    def bounds(self) -> tuple[list[int], list[int]]:
        """Each word's start and each word's end in the text (spans() in two lists)."""
        if self._plain is not None:
            words = self.words
            if self.single_spaced():
                # Most texts: one space before each word, none before a sentence break. The
                # starts are then word and gap lengths added up in C, with no regular
                # expression match object a word (some half the cost: a matcher of 10,000
                # rules reads the places of most fields).
                lengths = list(map(len, words))
                gaps = chain(map(SENTENCE_BREAK.__ne__, islice(words, 1, None)), (0,))
                starts = list(accumulate(map(add, lengths, gaps), initial=0))
                starts.pop()
                return starts, list(map(add, starts, lengths))
            spans = [found.span() for found in _PLAIN_TOKEN.finditer(self._plain)]
        else:
            spans = [
                (start, end) for _, start, end in tokens_with_spans(self._text, self._sentences)
            ]
        return [start for start, _ in spans], [end for _, end in spans]


def reference_tokens(text: str, sentences: bool = False) -> list[tuple[str, int, int]]:
    """fold_tokens computed from normalize_with_offsets: slower, defined for every text."""
    folded, offsets = normalize_with_offsets(text, sentences)
    tokens, position = [], 0
    for token in folded.split(" ") if folded else []:
        start, end = position, position + len(token)
        position = end + 1
        tokens.append((token, offsets[start], offsets[end - 1] + 1))
    return tokens


def tokens_with_spans(text: str, sentences: bool = False) -> list[tuple[str, int, int]]:
    """(token, start, end) of each folded token: the fast path, or the reference one for the
    rare text with a character that folds to several characters (same result)."""
    tokens = fold_tokens(text, sentences)
    return tokens if tokens is not None else reference_tokens(text, sentences)


# An elided article at the start of a token, in a whole folded text.
_ELISION_IN_TEXT = re.compile(r"(?<!\S)" + _ELISION.pattern.removeprefix("^"))


def fold_text(text: str) -> str:
    """normalize() without offsets: the same folding done on the whole string at C speed (hashes
    and fingerprints need the folded words, not where each came from)."""
    try:
        folded = text.translate(_TABLE)
    except TypeError:  # a character folding to several characters
        return normalize_with_offsets(text)[0]
    folded = folded.replace(SENTENCE_BREAK, " ").replace(_DELETED, "")
    if "'" in folded:
        folded = _ELISION_IN_TEXT.sub("", folded).replace("'", " ")
    return " ".join(folded.split())
