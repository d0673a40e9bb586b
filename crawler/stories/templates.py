"""Templated dispatches: two texts word for word alike but for the names in them.

The national wire runs templated dispatches every day: the King's messages of congratulations
on a country's national day, of condolences, appointments, a ministry's weekly bulletin.
Congratulations to Uzbekistan on the 1st and to Vietnam on the 2nd share every word but the
country and its leader, so their shingles make them copies of each other, and their rewrites
share every word a rarity weighs. They are two events: alerts go once per story, so a
watchlist on one country's relations would never hear of the second message. What tells them
apart is where they differ: a copy cuts, adds or rewords a passage, a templated dispatch puts
another name (a country, a person, a city) where the other has one. Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from crawler.core.normalize import ARABIC_LETTER, normalize
from crawler.stories import events
from crawler.stories.terms import one_edit

# The leads are mostly one text: at least this share of the shorter one's words are in blocks
# the two have in common, in the same order (0.79 to 0.91 between this test's templated
# dispatches, tests/fixtures/story_lookalikes). Below it, they are two write-ups, whose names
# differ as their words do: « L'ONSSA a ordonné … le retrait d'un lot de lait » and « L'Office
# a ordonné le retrait … d'un lot de lait », one event, share 0.55.
TEMPLATE_SHARE = 0.7
# A word (letters and digits) of the original text, where it begins.
_WORD = re.compile(r"\w+")
# What ends a sentence: the capital after it says nothing of a name.
_SENTENCE_END = frozenset(".!?؟\n")
# Where a sentence's first word begins: after its end, quotes, brackets and dashes, and an
# elided article or preposition (« L'Office a ordonné… », « D'après… »).
_OPENING = re.compile(r"(?:^|[.!?؟\n])[\s\"'«»“”‘’(–—-]*(?:[LlDd]['’])?(?=\w)")
# What a name holds in its every spelling: a capital, or Arabic letters (`_may_name`).
_NAME_HINT = re.compile(r"[A-ZÀ-Þ\u0600-\u06ff]")
# What ends the words of a name after an Arabic honorific.
_PAUSE = re.compile("[،,.:؛]")
# Arabic has no capitals: a name there is a gazetteer name, or one of the words after an
# honorific (« السيد شوكت ميرضيائيف », « المرحوم محمد … »), up to NAME_WORDS of them before
# a comma or a full stop. As folded and stemmed (the article taken off).
_HONORIFICS = frozenset(
    events.stem(word)
    for word in normalize("السيد السيدة المرحوم المرحومة الراحل الراحلة الفقيد الفقيدة").split()
)
NAME_WORDS = 3
# The King's titles, each outlet writing them its own way in one dispatch (« Sa Majesté le Roi »,
# « SM le Roi », « le Souverain »; « His Majesty King », « HM the King », « the Sovereign »):
# one person, never another name in a template's place. As folded and stemmed.
_ROYAL_TITLES = frozenset(
    events.stem(word)
    for word in normalize(
        "SM Sa Majesté Souverain Roi SAR Son Altesse Royale His Her Majesty HM HRH Royal "
        "Highness King Sovereign"
    ).split()
)


# The offices a dispatch names where a rewrite names who holds them (« le Chef du gouvernement »,
# « le ministre de l'Industrie », « le wali de la région », « رئيس الحكومة », « الوزير »). As
# folded and stemmed.
_OFFICES = frozenset(
    events.stem(word)
    for word in normalize(
        "chef ministre ministres ministère wali walis gouverneur gouverneurs président "
        "présidente directeur directrice secrétaire maire minister ministers governor head "
        "director mayor رئيس رئيسة الوزير وزير وزيرة والي عامل مدير مديرة كاتب"
    ).split()
)
# The words an acronym leaves out of its initials (« Agence de développement du digital »: ADD).
_LINKS = frozenset(
    events.stem(word)
    for word in normalize("de du des la le les l d et en à au aux pour of the and for").split()
)


@functools.lru_cache(maxsize=65536)
def _folded(token: str) -> str | None:
    """A word of the original text folded and stemmed as story terms are (cached: a window's
    articles use the same few tens of thousands of words)."""
    folded = normalize(token).split()
    return events.stem(folded[0]) if folded else None


@functools.lru_cache(maxsize=4096)
def _read(lead: str) -> tuple[tuple[str, ...], frozenset[int]]:
    """The folded, stemmed words of a lead and the positions of those that are names: a
    capitalised word not opening a sentence, a gazetteer place or institution written with a
    capital or in Arabic (« le gouvernement » is no name), in Arabic the words after an
    honorific (the last few thousand kept: a story's first article is compared with every
    newcomer that resembles it)."""
    openings = {found.end() for found in _OPENING.finditer(lead)}
    words: list[str] = []
    names: set[int] = set()
    hinted: set[int] = set()  # the words with a capital or in Arabic
    after_honorific = 0  # the words after an Arabic honorific still taken as a name
    end = 0
    for match in _WORD.finditer(lead):
        token = match.group()
        stem = _folded(token)
        if stem is None:
            continue
        start = match.start()
        if _NAME_HINT.search(token):
            hinted.add(len(words))
        if ARABIC_LETTER.match(token):
            if after_honorific and not _PAUSE.search(lead, end, start):
                names.add(len(words))
                after_honorific -= 1
            else:
                after_honorific = 0
            if stem in _HONORIFICS:
                after_honorific = NAME_WORDS
        else:
            after_honorific = 0
            if (
                token[0].isupper()
                and start not in openings
                and len(token) > 1
                and stem not in _ROYAL_TITLES
            ):
                names.add(len(words))
        end = match.end()
        words.append(stem)
    _, places = events.places(words)
    return tuple(words), frozenset(names | (places & hinted))


def _may_name(a: str, b: str) -> bool:
    """`a` holds a word `b` does not that may be a name (a capital or an Arabic letter in it):
    without one, no name of `a` is missing from `b` (most copies: the same text, cut, or with
    other lower-case words), and the leads are not read at all."""
    return any(map(_NAME_HINT.search, set(a.split()).difference(b.split())))


def _lead(text: str, cut: bool) -> str:
    """A lead as compared: a lead cut at a length ends with a word perhaps cut in two, which is
    left out."""
    if cut:
        text = text.rsplit(None, 1)[0] if " " in text.strip() else ""
    return text


def names_substituted(a: str | None, b: str | None, cut_at: int | None = None) -> bool:
    """Two leads are one text with another name in its place: mostly the same words in the same
    order (TEMPLATE_SHARE), and where they differ, each puts a name the other never uses (a
    country, a person, a city) where the other has its own. A copy that cuts, adds or rewords
    a passage keeps its names or drops some, never puts others in their place. `cut_at`: the
    length the leads were cut at, if they were (a lead that long may end inside a word)."""
    if not a or not b or not (_may_name(a, b) and _may_name(b, a)):
        return False
    a_words, a_names = _read(_lead(a, cut_at is not None and len(a) >= cut_at))
    b_words, b_names = _read(_lead(b, cut_at is not None and len(b) >= cut_at))
    if not a_names or not b_names:
        return False
    # The words in common in order are at most the shorter's words the other has at all
    # (counted in C): most leads compared are two outlets' own words, left out here.
    shorter, longer = (a_words, b_words) if len(a_words) <= len(b_words) else (b_words, a_words)
    if sum(map(set(longer).__contains__, shorter)) < TEMPLATE_SHARE * len(shorter):
        return False
    matcher = SequenceMatcher(None, a_words, b_words, autojunk=False)
    blocks = matcher.get_matching_blocks()
    common = sum(block.size for block in blocks)
    if common < TEMPLATE_SHARE * min(len(a_words), len(b_words)):
        return False
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        # Where one lead ends, the other goes on with what it cut; where one begins, each
        # outlet puts its own dateline (« Casablanca – », « Rabat (MAP) – »): not substitutions.
        if op != "replace" or i2 == len(a_words) or j2 == len(b_words) or not (i1 and j1):
            continue
        ours = _unknown((a_words[i] for i in range(i1, i2) if i in a_names), b_words)
        theirs = _unknown((b_words[j] for j in range(j1, j2) if j in b_names), a_words)
        if ours and theirs and not _one_holder(a_words, a_names, i1, i2, b_words, b_names, j1, j2):
            return True
    return False


def _one_holder(
    a_words: tuple[str, ...],
    a_names: frozenset[int],
    i1: int,
    i2: int,
    b_words: tuple[str, ...],
    b_names: frozenset[int],
    j1: int,
    j2: int,
) -> bool:
    """Two passages (a_words[i1:i2], b_words[j1:j2]) that may name one body or one person each
    their own way: an office against whoever holds it (« Le Chef du gouvernement a présidé… »,
    « Aziz Akhannouch a présidé… »; « رئيس الحكومة » / « السيد عزيز أخنوش »), one gazetteer
    institution in two spellings (« l'ONEE », « المكتب الوطني للكهرباء والماء الصالح للشرب »),
    or an acronym against its expansion (« l'OMS » / « l'Organisation mondiale de la santé »).
    A template puts a country, a person or a city in the place of another of its kind, never
    an office in a person's place."""
    ours, theirs = a_words[i1:i2], b_words[j1:j2]
    our_office = _office_only(ours, {i - i1 for i in a_names if i1 <= i < i2})
    their_office = _office_only(theirs, {j - j1 for j in b_names if j1 <= j < j2})
    # One passage names an office and no one, the other no office: the other names its
    # holder, unless it names a place (a template's province or country where the office was).
    if our_office != their_office and not events.places(list(ours if their_office else theirs))[0]:
        return True
    if not events.places(list(ours))[0].isdisjoint(events.places(list(theirs))[0]):
        return True
    return _expands(ours, theirs) or _expands(theirs, ours)


def _office_only(words: tuple[str, ...], names: set[int]) -> bool:
    """The passage names an office and no person: each of its names is an office (« Chef »), a
    gazetteer place or institution, or its portfolio, after the office and a linking word
    (« ministre de l'Industrie et du Commerce », « Head of Government »); a name before any
    office, or right after one (« le ministre Ryad Mezzour »), is a person."""
    if _OFFICES.isdisjoint(words):
        return False
    _, places = events.places(list(words))
    office = portfolio = False
    for position, word in enumerate(words):
        if word in _OFFICES:
            office, portfolio = True, False
        elif word in _LINKS:
            portfolio = office
        elif position in names and position not in places and not portfolio:
            return False
    return True


def _expands(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """`long` holds the words whose initials `short`'s acronym is made of, in order, from its
    first word on (« oms » / « organisation mondiale de la sante »; « add » / « agence de
    developpement du digital »; a digit for a numeral word: « um6p » / « universite mohammed vi
    polytechnique »). Latin letters only; the words that are never in an acronym are skipped."""
    acronyms = [w for w in short if 2 <= len(w) <= 6 and w.isascii() and w.isalnum()]
    words = [w for w in long if w not in _LINKS and w.isascii()]
    for acronym in acronyms:
        for start, word in enumerate(words):
            if word[0] == acronym[0] and _initials_of(acronym[1:], words[start + 1 :]):
                return True
    return False


def _initials_of(letters: str, words: list[str]) -> bool:
    """Each of `letters` is the initial of one of `words` (a digit: any word), in order, and
    the last one is among the next few words (an expansion does not run on for a sentence)."""
    position = 0
    for letter in letters:
        for skip in range(position, min(position + 4, len(words))):
            if letter.isdigit() or words[skip][0] == letter:
                position = skip + 1
                break
        else:
            return False
    return True


def _unknown(names: Iterable[str], words: tuple[str, ...]) -> set[str]:
    """The names the other lead never uses, in any spelling: a name another outlet spells its
    own way (« El Fellah » / « El Fallah », « Abdelhak » / « Abdelhaq ») sounds the same
    (crawler.stories.events.sounds), or one consonant apart when it has MIN_SOUNDS or more
    (« Khatchatourian » / « Khachaturian »)."""
    found = set(names).difference(words)
    if found:
        heard = set(map(events.sounds, words))
        found = {name for name in found if not _heard(events.sounds(name), heard)}
    return found


def _heard(sound: str, heard: set[str]) -> bool:
    if sound in heard:
        return True
    return len(sound) >= events.MIN_SOUNDS and any(
        abs(len(other) - len(sound)) <= 1 and one_edit(sound, other)
        for other in heard
        if other[:1] == sound[:1]
    )
