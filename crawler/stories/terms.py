"""What two outlets' own write-ups of one event share: names, key words and figures of the title
and lead, on the same day.

Outlets rarely copy one another; they rewrite. For pairs of articles reporting one event the
median word-3-gram Jaccard of their leads is 0.04, so shingles (crawler.stories.fingerprint) find only
the copies. What rewrites keep is the vocabulary of the event: the institution, the people, the
place, the figures ("12,8 %", "4,6 degrés"), the day. This module turns a title and a lead into
those signals; crawler.stories.grouping weighs them by rarity among the articles of the same days (a word
every article of the week uses says nothing) and decides. Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass
from itertools import repeat
from operator import mul
from typing import Any

from crawler.core.normalize import normalize
from crawler.stories import events
from crawler.stories.markers import markers

# The lead: what every rewrite of an event restates (who, what, the figure, the day).
LEAD_CHARACTERS = 400
# Title words weigh more: a title is the outlet's own summary of the event.
TITLE_WEIGHT = 1.5
# Figures weigh more than words: rewrites change every word but restate the figure ("12,8 %").
FIGURE_WEIGHT = 2.0

_STOPWORDS_RAW = """
le la les l de des du d un une et est en a à au aux pour par sur dans avec qui que qu ce cet
cette ces son sa ses leur leurs plus ne n pas se s sont ete été etre être avoir a ont il elle
ils elles on nous vous lui y selon lors apres après avant entre contre depuis sans sous vers chez
mais ou où donc dont comme aussi tout tous toute toutes tres très fait faire encore ainsi deja
déjà mois an ans annee année jour jours hier aujourd hui demain ce cette ci la là dernier derniere
premier premiere nouveau nouvelle nouvelles nouveaux autre autres meme même bien peu
lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier février mars avril mai juin
juillet aout août septembre octobre novembre decembre décembre
the a an of to in and for on with at by from is are was were be been has have had that this it
its as or but not will would said says new after before over under about into than also
monday tuesday wednesday thursday friday saturday sunday
في من على إلى الى عن مع أن ان إن التي الذي الذين اللذين هذا هذه ذلك تلك هناك كان كانت يكون
وقد قد ما لا لم لن هو هي هم بعد قبل حيث كما أو او ثم بين عند منذ خلال اليوم أمس غدا وفق حسب
عبر نحو كل بعض غير أي اي عدد اطار إطار يوم سنة شهر أكثر اكثر أقل اقل وذلك وهو وهي التى
الاثنين الإثنين الثلاثاء الأربعاء الاربعاء الخميس الجمعة السبت الأحد الاحد
يناير فبراير مارس أبريل ابريل ماي مايو يونيو يوليوز يوليو غشت أغسطس شتنبر سبتمبر أكتوبر اكتوبر
نونبر نوفمبر دجنبر ديسمبر
"""
STOPWORDS = frozenset(normalize(_STOPWORDS_RAW).split())


# The token as matched (crawler.core.normalize.stem_token: plurals, name particles, the Arabic
# article with its proclitics), and for Arabic the conjunction و that rewrites add and drop
# freely: the stem crawler.stories.events gives its tokens (one cache for both).
_stem = events.stem


def _words(text: str) -> set[str]:
    return _kept_words(normalize(text).split())


@functools.lru_cache(maxsize=65536)
def _word(token: str) -> str | None:
    """The stem of a folded token that is a word (three letters or more, not a stop word, not
    a number, its stem not a stop word either), else None. Cached: a window's articles use
    the same few tens of thousands of tokens, looked up in C (`_kept_words`)."""
    if len(token) < 3 or token in STOPWORDS or token.isdigit():
        return None
    stemmed = _stem(token)
    return None if stemmed in STOPWORDS else stemmed


def _kept_words(tokens: list[str]) -> set[str]:
    """The stems of the folded tokens that are words (`_word`)."""
    words = set(map(_word, tokens))
    words.discard(None)
    return words  # type: ignore[return-value]  # None taken out


_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "ماي": 5, "مايو": 5, "يونيو": 6,
    "يوليوز": 7, "يوليو": 7, "غشت": 8, "اغسطس": 8, "شتنبر": 9, "سبتمبر": 9, "اكتوبر": 10,
    "نونبر": 11, "نوفمبر": 11, "دجنبر": 12, "ديسمبر": 12,
}  # fmt: skip
# A name in a Latin-script title: a capitalised word or an acronym (Chari, DabaDoc, MAS, IRT).
_NAME = re.compile(r"\b[A-ZÀ-Þ][\wÀ-ÿ'-]*")
_ACRONYM = re.compile(r"^[A-Z0-9]{2,}$|^[A-Z][a-z]+[A-Z]")


# The label a live page or an updated article puts before its title (« EN DIRECT – Séisme… »,
# « LIVE: Taroudant earthquake… », « Mis à jour : … », « UPDATE - … », « مباشر | … »): written
# in capitals, it read as a name that no other outlet's title of the event names.
_TITLE_LABEL = events.LABEL


def _names(title: str) -> list[str]:
    """Capitalised words of a title but its first one, which is capitalised anyway (unless an
    acronym or a CamelCase brand: "HCP", "DabaDoc"). After a colon French titles go on in lower
    case, so a capital there is a name ("Fintech : Chari lève…"). A live page's or an update's
    label before the title (_TITLE_LABEL) is none."""
    title = _TITLE_LABEL.sub("", title, count=1)
    found = _NAME.findall(title)
    first = re.match(r"\W*([\wÀ-ÿ'-]+)", title)
    if found and first and found[0] == first.group(1) and not _ACRONYM.match(found[0]):
        found = found[1:]
    return found


_DATE = re.compile(r"\b([0-3]?\d)(?:er)? (\w+)")


@dataclass(frozen=True)
class StoryTerms:
    """An article's title words, title-and-lead words, figures and calendar (weekdays named,
    day-month dates)."""

    title: frozenset[str]
    names: frozenset[str]
    words: frozenset[str]
    figures: frozenset[str]
    calendar: frozenset[str]
    # What survives translation (crawler.stories.events): gazetteer places and institutions, the
    # consonants of names, the phase of the event, and its language (ar, en, es, fr).
    places: frozenset[str] = frozenset()
    # Figures written in words ("neuf", "تسع"): evidence that figures agree, never a conflict.
    counts: frozenset[str] = frozenset()
    sounds: frozenset[str] = frozenset()
    phase: str | None = None
    language: str = ""
    # It says a toll or a count rose (« le bilan s'alourdit à 9 morts », « la superficie brûlée
    # passe à 900 hectares »): its figures are a later count of the event (`toll_rose`).
    rising: bool = False
    # It says it is an update or a live page (« Mis à jour », « EN DIRECT », « 17h05 – … »:
    # events.says_updated): its outlet's report of the day before may be its earlier version.
    updated: bool = False
    # The scores it states (« 2-1 »): two matches' reports share figures, not their scores.
    scores: frozenset[str] = frozenset()

    def index_terms(self) -> frozenset[str]:
        """What candidate retrieval looks up: the words, the figures (prefixed '#') and the
        places and institutions (prefixed '@', the same in every language). Made once per
        terms (a story's members are compared with every newcomer)."""
        made = self.__dict__.get("_index_terms")
        if made is None:
            made = frozenset(
                self.words
                | {f"#{figure}" for figure in self.figures | self.counts}
                | {f"@{place}" for place in self.places}
            )
            object.__setattr__(self, "_index_terms", made)  # frozen: set once, as a cache
        return made


@functools.lru_cache(maxsize=4096)
def _terms_of_lead(title: str | None, lead: str) -> StoryTerms:
    return _story_terms(title, lead)


def story_terms(title: str | None, text: str | None) -> StoryTerms:
    """The signals of an article's title and lead (the last few thousand are cached: the
    articles of a busy story are compared with every newcomer)."""
    return _terms_of_lead(title, (text or "")[:LEAD_CHARACTERS])


def _story_terms(title: str | None, lead: str) -> StoryTerms:
    head_markers = markers(title, lead)
    title = title or ""
    text = f"{title} {lead}"
    folded = normalize(text)
    calendar = {m for m in head_markers if m.startswith("day:")}
    dates: set[str] = set()
    for day, month in _DATE.findall(folded):
        if month in _MONTHS and 1 <= int(day) <= 31:
            calendar.add(f"date:{int(day)}-{_MONTHS[month]}")
            dates.add(str(int(day)))
    figures = {m for m in head_markers if not m.startswith("day:")} - dates
    # The title and lead folded and stemmed once (events.tokens of the two), for the words,
    # places, figures in words, names, phase and language alike.
    tokens = folded.split()
    head = list(map(_stem, tokens))  # the stems looked up in C (the cache's own wrapper)
    title_tokens = normalize(title).split()
    cut = len(title_tokens)
    # Folding is done character by character and the tokens split at white space: folded
    # together, the title's tokens come first, then the lead's (tests/test_story_terms_shared.py
    # compares with each folded apart).
    if tokens[:cut] == title_tokens:
        title_words = _kept_words(title_tokens)
        words = title_words | _kept_words(tokens[cut:])
    else:  # folded together, they fold otherwise than apart: each folded on its own
        title_words = _words(title)
        words = title_words | _words(lead)
    is_roundup, scores = events.results(title, lead, tokens)
    updated = events.says_updated(title, lead)
    places, _ = events.places(head)
    if places:  # a region named only in a firm's name is not there (« Atlas Harness Systems »)
        places = places - events.firms_named(title, lead, places)
    return StoryTerms(
        title=frozenset(title_words),
        names=frozenset(_words(" ".join(_names(title))) & title_words),
        words=frozenset(words),
        figures=frozenset(figures),
        calendar=frozenset(calendar),
        places=places,
        counts=events.number_words(head),
        sounds=events.name_sounds(title, lead, STOPWORDS, head),
        phase=events.ROUNDUP if is_roundup else events.phase(head),
        language=events.language(text, tokens),
        rising=events.toll_rises(tokens, updated),
        updated=updated,
        scores=scores,
    )


def calendar_conflict(a: StoryTerms, b: StoryTerms) -> bool:
    """Both name a weekday, or both a date, and not the same one: another day's rubric or
    another day's event."""
    if not (a.calendar and b.calendar):
        return False
    for days_a, days_b in zip(_days(a), _days(b), strict=True):
        if days_a and days_b and not days_a & days_b:
            return True
    return False


def _days(terms: StoryTerms) -> tuple[frozenset[str], frozenset[str]]:
    """The weekdays ("day:") and the dates ("date:") of an article's calendar, sorted out once
    per terms (a story's members are compared with every newcomer)."""
    made = terms.__dict__.get("_days")
    if made is None:
        made = tuple(
            frozenset(c for c in terms.calendar if c.startswith(kind)) for kind in ("day:", "date:")
        )
        object.__setattr__(terms, "_days", made)  # frozen: set once, as a cache
    return made


# Words an article must share with a story besides figures: figures alone coincide (a weather
# bulletin's 22 degrees and a prayer time), above all between languages.
MIN_SHARED_WORDS = 3


def shares_words(a: StoryTerms, members: list[StoryTerms]) -> bool:
    """The article uses at least MIN_SHARED_WORDS of the words of the story's articles."""
    vocabulary: set[str] = set()
    for member in members:
        vocabulary |= member.words
    return len(a.words & vocabulary) >= MIN_SHARED_WORDS


def names_conflict(a: StoryTerms, story: list[StoryTerms], first: StoryTerms | None) -> bool:
    """The article's title names someone or something the story never mentions, and the story's
    first title (or, if it names no one, its other titles) names someone or something the
    article never mentions: the same kind of news about another company, club or person ("Chari
    lève 12 millions" / "DabaDoc lève 12 millions"). A rewrite names the event's actors, whom
    the other outlets name too."""
    vocabulary: set[str] = set()
    story_names: set[str] = set(first.names) if first is not None else set()
    for member in story:
        vocabulary |= member.words
    if not story_names:
        for member in story:
            story_names |= member.names
    return bool(_unknown(a.names, vocabulary)) and bool(_unknown(story_names, a.words))


# Names spelled two ways ("El Fallah" / "El Fellah", "Abdellatif" / "Abdelatif") are one name
# when they differ by one letter, as the rules' fuzzy names (words of five letters or more).
FUZZY_NAME_LETTERS = 5


def _unknown(names: frozenset[str] | set[str], words: frozenset[str] | set[str]) -> set[str]:
    """The names not found among the words, even spelled one letter apart."""
    return {
        name
        for name in names - words
        if len(name) < FUZZY_NAME_LETTERS
        or not any(
            abs(len(word) - len(name)) <= 1 and one_edit(name, word)
            for word in words
            if word[:1] == name[:1]
        )
    }


def one_edit(a: str, b: str) -> bool:
    """a and b differ by at most one substituted, added or dropped letter."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


def phase_conflict(a: StoryTerms, b: StoryTerms) -> bool:
    """Both report a phase of an event (crawler.stories.events: a line-up, a result, a press
    conference, a demand, a denial), and not the same one: two events of one topic. A results
    round-up (events.ROUNDUP) is in conflict with any other article, of a phase or of none:
    it is not the story of one of the matches it lists."""
    if a.phase == b.phase:
        return False
    if events.ROUNDUP in (a.phase, b.phase):
        return True
    return a.phase is not None and b.phase is not None


# Figures restated each outlet's way: rounded ("2,7 milliards" / "plus de 2,6 milliards", "1.187
# médicaments" / "près de 1.200") or written in thousands ("6,000" in English, "411 ألف" in
# Arabic, "411.000" in French). Two figures are one when they differ by at most this share of
# the larger and both reach ROUNDED_FROM, or, below, by at most ROUNDED_SMALL and the last digit
# of the coarser one (12 and 13 are two counts, 1,1 and 1,2 two amounts; 2,6 and 2,7 two
# roundings of 2,65). From ROUNDED_FROM up the coarser figure is a rounding of the other only
# within its own last significant digit, its zeros counted as rounded away (« près de 1.200 »
# is 1.187, not 1.312; « 13.412,35 points » is not 13.468,12): a daily bulletin states each
# day's count or index to its unit, and the next day's, some percents away, is another figure.
ROUNDING = 0.1
ROUNDED_FROM = 100
ROUNDED_SMALL = 0.05
_SCALES = (1.0, 1000.0, 1_000_000.0)


def _number(figure: str) -> float | None:
    try:
        return float(figure)
    except ValueError:  # a time of day ("6:22")
        return None


def _last_digit(x: str, y: str) -> float:
    """The last digit's unit of the coarser of two figures (2.6 and 2.75: 0.1; 14 and 13.95: 1):
    a figure rounded to it is within one such unit of the precise one."""
    decimals = min(len(f.partition(".")[2]) for f in (x, y))
    return 10.0**-decimals


def _significant_unit(figure: str) -> float:
    """The unit of a figure's last significant digit, zeros ending a whole number counted as
    rounded away: 1187 → 1, 1200 → 100, 95000 → 1000, 13412.35 → 0.01."""
    whole, _, decimals = figure.partition(".")
    if decimals:
        return 10.0 ** -len(decimals)
    kept = whole.rstrip("0")
    return 10.0 ** (len(whole) - len(kept)) if kept else 1.0


@functools.lru_cache(maxsize=16384)
def same_figure(x: str, y: str) -> bool:
    """The two figures state one quantity, rounded or scaled (see ROUNDING)."""
    if x == y:
        return True
    a, b = _number(x), _number(y)
    if a is None or b is None or a <= 0 or b <= 0:
        return False
    for scale in _SCALES:
        for low, high, low_figure, high_figure in ((a * scale, b, x, y), (b * scale, a, y, x)):
            if low == high:
                return True
            gap = abs(low - high)
            if gap > ROUNDING * max(low, high):
                continue
            if min(low, high) >= ROUNDED_FROM:
                # Within the coarser figure's last significant digit: two roundings may be a
                # unit of it apart (« plus de 1.100 » and « près de 1.200 » of 1.187), two
                # counts to the unit may not (412 and 413).
                unit = max(_significant_unit(low_figure) * scale, _significant_unit(high_figure))
                if gap < unit or (unit != 1 and gap < unit * 1.001):
                    return True
                continue
            unit = _last_digit(x, y) * scale
            close = gap <= ROUNDED_SMALL * max(low, high)
            if close and (gap < unit or (unit < 1 and gap < unit * 1.001)):
                return True
    return False


def shared_figures(a: frozenset[str], b: frozenset[str]) -> set[str]:
    """The figures of `a` that `b` states too, rounded or scaled (same_figure)."""
    return {x for x in a if x in b or any(same_figure(x, y) for y in b)}


def figures_agree(a: StoryTerms, b: StoryTerms) -> bool:
    """Rewrites of one event restate its key figure, each adding figures of its own: when both
    leads state figures, they share at least one (rounded or scaled: same_figure); when both
    state a score, they share one (« 1-1 » shares the 1 of « 2-1 », not the result)."""
    if a.scores and b.scores and a.scores.isdisjoint(b.scores):
        return False
    return not (a.figures and b.figures) or bool(
        shared_figures(a.figures | a.counts, b.figures | b.counts)
    )


def toll_rose(later: StoryTerms, earlier: StoryTerms) -> bool:
    """The later article says a toll or a count rose, and of the figures each states that the
    other does not, its least is larger than the earlier's least (« 11 morts et 23 blessés »,
    then « le bilan s'alourdit à 16 morts ») or its largest than the earlier's largest (« 420
    hectares », then « 900 hectares, 300 habitants évacués »): the same event counted later,
    not another one. A time of day (a live entry's, « 17h05 – », an update's, « mis à jour à
    21h40 ») is no count and is left out."""
    if not later.rising or not (later.figures and earlier.figures):
        return False
    new = [_number(f) for f in later.figures - shared_figures(later.figures, earlier.figures)]
    old = [_number(f) for f in earlier.figures - shared_figures(earlier.figures, later.figures)]
    new_values = [x for x in new if x is not None]
    old_values = [x for x in old if x is not None]
    if not new_values:
        return False
    return not old_values or min(new_values) > min(old_values) or max(new_values) > max(old_values)


def _vector(terms: StoryTerms, idf: dict[str, float]) -> dict[str, float]:
    if isinstance(idf, LazyRarities):
        # The words' weights as `[term]` gives them, worked out in C (`weights`), in the words'
        # order; then as below.
        words = terms.words
        vector = dict(zip(words, idf.weights(words), strict=True))
        for word in terms.title:
            vector[word] *= TITLE_WEIGHT
        keys = _figure_keys(terms)
        if keys:
            for key, weight in zip(keys, idf.weights(keys), strict=True):
                vector[key] = FIGURE_WEIGHT * weight
        return vector
    vector = {word: idf.get(word, 0.0) for word in terms.words}
    for word in terms.title:
        vector[word] *= TITLE_WEIGHT
    for key in _figure_keys(terms):
        vector[key] = FIGURE_WEIGHT * idf.get(key, 0.0)
    return vector


def shares_terms(a: StoryTerms, b: StoryTerms) -> bool:
    """The two articles' vectors have a term in common (a word, a figure): without one their
    `similarity` is 0.0, whatever the weights. (A vector's terms are its article's words and
    its figures' terms.)"""
    if not a.words.isdisjoint(b.words):
        return True
    figures = _figure_keys(b)
    return not a.words.isdisjoint(figures) or any(
        key in b.words or key in figures for key in _figure_keys(a)
    )


def _figure_keys(terms: StoryTerms) -> tuple[str, ...]:
    """The figures' terms ('#' and the figure), in the figures' order, made once per terms."""
    made = terms.__dict__.get("_figure_keys")
    if made is None:
        made = tuple(f"#{figure}" for figure in terms.figures)
        object.__setattr__(terms, "_figure_keys", made)  # frozen: set once, as a cache
    return made


def _cosine(va: dict[str, float], norm_a: float, vb: dict[str, float], norm_b: float) -> float:
    # The products of the terms both use (iterated in C: map, filter), over the product of the
    # norms (`_norm`). A vector's order is its words' frozenset order, which Python's hash seed
    # decides: fsum adds them exactly, so the cosine is the same float in every process (with
    # `sum` its last bit followed the seed, and a decision at a threshold could follow it too).
    common = list(filter(vb.__contains__, va))
    dot = math.fsum(map(mul, map(va.__getitem__, common), map(vb.__getitem__, common)))
    norm = norm_a * norm_b
    return dot / norm if norm else 0.0


def _norm(vector: dict[str, float]) -> float:
    """The vector's length: the square root of its squared weights added exactly (fsum: the
    same float whatever the vector's order, which the hash seed decides)."""
    return math.sqrt(math.fsum(map(mul, vector.values(), vector.values())))


# Vectors already weighted in one comparison (one idf), with their norms, by the id of their terms
# (kept with them, so the id stays theirs): an article is compared with several members, a member
# with the article several ways, and each comparison needs both norms.
Vectors = dict[int, tuple[StoryTerms, dict[str, float], float]]


def _weighted(
    terms: StoryTerms, idf: dict[str, float], memo: Vectors | None
) -> tuple[dict[str, float], float]:
    """The terms' weighted vector and its norm, from `memo` when it holds them."""
    if memo is None:
        vector = _vector(terms, idf)
        return vector, _norm(vector)
    found = memo.get(id(terms))
    if found is None or found[0] is not terms:
        vector = _vector(terms, idf)
        found = memo[id(terms)] = (terms, vector, _norm(vector))
    return found[1], found[2]


def similarity(
    a: StoryTerms, b: StoryTerms, idf: dict[str, float], memo: Vectors | None = None
) -> float:
    """Cosine of the two articles' words and figures, each weighted by its rarity (`idf`) among
    the articles of the same days, title words weighing TITLE_WEIGHT and figures FIGURE_WEIGHT
    times more. `memo` keeps the vectors made for one idf (one comparison's)."""
    return _cosine(*_weighted(a, idf, memo), *_weighted(b, idf, memo))


def story_similarity(
    a: StoryTerms, members: list[StoryTerms], idf: dict[str, float], memo: Vectors | None = None
) -> float:
    """Cosine of an article with a story's centroid (the mean of its members' unit vectors):
    the vocabulary the outlets that covered the event agree on weighs most, a word one of them
    alone used weighs little."""
    centroid: dict[str, float] = {}
    size = len(members)
    get = centroid.get
    for member in members:
        vector, norm = _weighted(member, idf, memo)
        # Each weight over the member's norm (its unit vector), then over the members' count,
        # added into the centroid without a unit vector made first.
        if norm:
            for term, weight in vector.items():
                centroid[term] = get(term, 0.0) + weight / norm / size
        else:
            for term, weight in vector.items():
                centroid[term] = get(term, 0.0) + weight / size
    return _cosine(*_weighted(a, idf, memo), centroid, _norm(centroid))


def rarities(counts: dict[str, int], terms: Iterable[str], articles: int) -> dict[str, float]:
    """rarity(count + 1, articles + 1) of each term (its count among the window's `articles`;
    the article itself counted in both), each distinct count's logarithm taken once."""
    by_count: dict[int, float] = {}
    weights: dict[str, float] = {}
    for term in terms:
        count = counts.get(term, 0) + 1
        weight = by_count.get(count)
        if weight is None:
            weight = by_count[count] = rarity(count, articles + 1)
        weights[term] = weight
    return weights


class LazyRarities(dict[str, float]):
    """rarities(counts, terms, articles), each term's worked out the first time it is asked
    (`get`, or `[term]`: 0.0 for a term outside `terms`): a story's members bring a few
    thousand terms, and the stories compared are mostly left out before their words are
    weighed. The same values as `rarities`; `counts` must not change while this is used.
    `terms` None: every term asked is weighed."""

    def __init__(self, counts: Mapping[str, int], terms: Set[str] | None, articles: int) -> None:
        super().__init__()
        self._counts = counts
        self._terms = terms
        self._articles = articles
        self._by_count = _ByCount(articles)

    def get(self, term: str, default: Any = None) -> Any:
        found = dict.get(self, term)
        if found is not None:
            return found
        if self._terms is not None and term not in self._terms:
            return default
        return self._weigh(term)

    def __missing__(self, term: str) -> float:
        if self._terms is not None and term not in self._terms:
            return 0.0  # as get(term, 0.0): not kept
        return self._weigh(term)

    def _weigh(self, term: str) -> float:
        found = self[term] = self._by_count[self._counts.get(term, 0)]
        return found

    def weights(self, terms: Iterable[str]) -> Iterator[float]:
        """The weight of each term in order, as `[term]` gives it. Without `terms` (every term
        weighed), worked out in C (each term's count looked up, each distinct count's rarity
        kept) and not kept by term: most terms of a comparison are asked for once."""
        if self._terms is not None:
            return map(self.__getitem__, terms)
        return map(self._by_count.__getitem__, map(self._counts.get, terms, repeat(0)))


class _ByCount(dict[int, float]):
    """rarity(count + 1, articles + 1) of each count of a term among the window's `articles`
    (the article itself counted in both), by the count, worked out once (`__missing__`)."""

    def __init__(self, articles: int) -> None:
        super().__init__()
        self._articles = articles + 1

    def __missing__(self, count: int) -> float:
        found = self[count] = rarity(count + 1, self._articles)
        return found


# A window is taken to hold at least this many articles: in a nearly empty one (a first crawl,
# a small import) a word found in three of four articles is not known to be common, and real
# rarity would make every shared word weigh less than the words of one article alone.
MIN_WINDOW_ARTICLES = 100


def rarity(count: int, articles: int) -> float:
    """Inverse document frequency of a term found in `count` of `articles` (smoothed)."""
    return math.log(1 + (max(articles, MIN_WINDOW_ARTICLES) + 1) / (count + 1))
