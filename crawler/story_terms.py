"""What two outlets' own write-ups of one event share: names, key words and figures of the title
and lead, on the same day.

Outlets rarely copy one another; they rewrite. For pairs of articles reporting one event the
median word-3-gram Jaccard of their leads is 0.04, so shingles (crawler.fingerprint) find only
the copies. What rewrites keep is the vocabulary of the event: the institution, the people, the
place, the figures ("12,8 %", "4,6 degrés"), the day. This module turns a title and a lead into
those signals; crawler.stories weighs them by rarity among the articles of the same days (a word
every article of the week uses says nothing) and decides. Pure functions, no I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from crawler.normalize import normalize, stem_token
from crawler.story_markers import markers

# The lead: what every rewrite of an event restates (who, what, the figure, the day).
LEAD_CHARACTERS = 400
# Title words weigh more: a title is the outlet's own summary of the event.
TITLE_WEIGHT = 1.5

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

_ARABIC_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال")


def _stem(token: str) -> str:
    """Plural folding for Latin words; for Arabic, the conjunction و and the prefixed
    prepositions and article (وال، بال، لل، ال) that rewrites add and drop freely."""
    if token.isascii():
        return stem_token(token)
    if token.startswith("و") and len(token) > 4 and not token.startswith("وال"):
        token = token[1:]
    for prefix in _ARABIC_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            return token[len(prefix) :]
    return token


def _words(text: str) -> set[str]:
    words = set()
    for token in normalize(text).split():
        if len(token) < 3 or token in STOPWORDS or token.isdigit():
            continue
        stemmed = _stem(token)
        if stemmed not in STOPWORDS:
            words.add(stemmed)
    return words


_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "ماي": 5, "مايو": 5, "يونيو": 6,
    "يوليوز": 7, "يوليو": 7, "غشت": 8, "اغسطس": 8, "شتنبر": 9, "سبتمبر": 9, "اكتوبر": 10,
    "نونبر": 11, "نوفمبر": 11, "دجنبر": 12, "ديسمبر": 12,
}  # fmt: skip
_DATE = re.compile(r"\b([0-3]?\d)(?:er)? (\w+)")


@dataclass(frozen=True)
class StoryTerms:
    """An article's title words, title-and-lead words, figures and calendar (weekdays named,
    day-month dates)."""

    title: frozenset[str]
    words: frozenset[str]
    figures: frozenset[str]
    calendar: frozenset[str]

    def index_terms(self) -> set[str]:
        """What candidate retrieval looks up: the words and the figures (prefixed '#')."""
        return set(self.words) | {f"#{figure}" for figure in self.figures}


def story_terms(title: str | None, text: str | None) -> StoryTerms:
    lead = (text or "")[:LEAD_CHARACTERS]
    head_markers = markers(title, lead)
    calendar = {m for m in head_markers if m.startswith("day:")}
    dates: set[str] = set()
    for day, month in _DATE.findall(normalize(f"{title or ''} {lead}")):
        if month in _MONTHS and 1 <= int(day) <= 31:
            calendar.add(f"date:{int(day)}-{_MONTHS[month]}")
            dates.add(str(int(day)))
    figures = {m for m in head_markers if not m.startswith("day:")} - dates
    title_words = _words(title or "")
    return StoryTerms(
        title=frozenset(title_words),
        words=frozenset(title_words | _words(lead)),
        figures=frozenset(figures),
        calendar=frozenset(calendar),
    )


def calendar_conflict(a: StoryTerms, b: StoryTerms) -> bool:
    """Both name a weekday, or both a date, and not the same one: another day's rubric or
    another day's event."""
    for kind in ("day:", "date:"):
        days_a = {c for c in a.calendar if c.startswith(kind)}
        days_b = {c for c in b.calendar if c.startswith(kind)}
        if days_a and days_b and not days_a & days_b:
            return True
    return False


def figures_agree(a: StoryTerms, b: StoryTerms) -> bool:
    """Rewrites of one event restate its key figure, each adding figures of its own: when both
    leads state figures, they share at least one."""
    return not (a.figures and b.figures) or bool(a.figures & b.figures)


def _vector(terms: StoryTerms, idf: dict[str, float]) -> dict[str, float]:
    vector = {word: idf.get(word, 0.0) for word in terms.words}
    for word in terms.title:
        vector[word] *= TITLE_WEIGHT
    for figure in terms.figures:
        vector[f"#{figure}"] = idf.get(f"#{figure}", 0.0)
    return vector


def _cosine(va: dict[str, float], vb: dict[str, float]) -> float:
    dot = sum(weight * vb[term] for term, weight in va.items() if term in vb)
    norm = math.sqrt(sum(w * w for w in va.values())) * math.sqrt(sum(w * w for w in vb.values()))
    return dot / norm if norm else 0.0


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else vector


def similarity(a: StoryTerms, b: StoryTerms, idf: dict[str, float]) -> float:
    """Cosine of the two articles' words and figures, each weighted by its rarity (`idf`) among
    the articles of the same days, title words weighing TITLE_WEIGHT times more."""
    return _cosine(_vector(a, idf), _vector(b, idf))


def story_similarity(a: StoryTerms, members: list[StoryTerms], idf: dict[str, float]) -> float:
    """Cosine of an article with a story's centroid (the mean of its members' unit vectors):
    the vocabulary the outlets that covered the event agree on weighs most, a word one of them
    alone used weighs little."""
    centroid: dict[str, float] = {}
    for member in members:
        for term, weight in _unit(_vector(member, idf)).items():
            centroid[term] = centroid.get(term, 0.0) + weight / len(members)
    return _cosine(_vector(a, idf), centroid)


def rarity(count: int, articles: int) -> float:
    """Inverse document frequency of a term found in `count` of `articles`, smoothed so that in
    a nearly empty window (a first crawl) a shared word still weighs about as much as any."""
    return math.log(1 + (articles + 1) / (count + 1))
