"""Stories: clusters of near-duplicate articles (wire copy republished by several outlets).

Each stored article gets a MinHash fingerprint; its LSH band keys go, with its title-and-lead
terms, to its one story_index row at its story hour, and candidates are the articles of the story
window (the hours either side, held in memory by crawler.stories.window) sharing the most keys:
the cost follows the window, not the size of the store. Candidates are verified on their signatures and on the rules of `find_story`
(precision first: a wrong merge swallows alerts, since they go once per story and watchlist), and
the article joins the story of the best one, or opens a new story.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

from crawler.core.errors import DatabaseError
from crawler.extraction.dates import parse_date
from crawler.storage import articles as article_columns
from crawler.storage.engine import Database
from crawler.stories import events, store
from crawler.stories.fingerprint import SCHEME, Fingerprint, containment, jaccard, same_story
from crawler.stories.markers import LEAD_CHARACTERS, conflicting, markers
from crawler.stories.templates import names_substituted
from crawler.stories.terms import LEAD_CHARACTERS as TERMS_LEAD
from crawler.stories.terms import (
    MIN_SHARED_WORDS,
    LazyRarities,
    StoryTerms,
    Vectors,
    calendar_conflict,
    figures_agree,
    names_conflict,
    phase_conflict,
    rarities,
    rarity,
    shared_figures,
    shares_terms,
    shares_words,
    similarity,
    story_similarity,
    story_terms,
    toll_rose,
)
from crawler.stories.window_setting import DEFAULT_WINDOW_HOURS

logger = logging.getLogger(__name__)

SCHEME_KEY = "fingerprint_scheme"


def check_scheme(db: Database) -> None:
    """Record the fingerprint scheme; a database built with another one cannot be compared."""
    scheme = store.meta_value(db, SCHEME_KEY)
    if scheme is None:
        store.set_meta_once(db, SCHEME_KEY, SCHEME)
    elif scheme != SCHEME:
        raise DatabaseError(
            f"this database's near-duplicate fingerprints use {scheme!r} and this version of "
            f"veille uses {SCHEME!r}, which cannot be compared: run the version of veille (and "
            "of datasketch) that built it, or give this version a new database (--db)"
        )


# Candidates verified per new article, those sharing the most LSH bands first: a wire story
# republished by thirty outlets then costs eight signature comparisons, not thirty.
MAX_CANDIDATES = 8
# Two articles of one outlet are one story only as versions of one text (an update, a repost).
SAME_OUTLET_JACCARD = 0.8

# A story spans `window_hours` from its first article (VEILLE_STORY_WINDOW_HOURS, read where the
# configuration is read and passed in: crawler.stories.window_setting).

# Rewritten coverage (crawler.stories.terms): an article joins another outlet's story when its
# title-and-lead words and figures, weighted by rarity among the articles of the same days, reach
# this cosine with the story (the centroid of its members), figures, days and names agreeing.
REWRITE_SIMILARITY = 0.2
# Articles sharing the rarest terms, verified per new article; members compared per story.
REWRITE_CANDIDATES = 12
STORY_MEMBERS_COMPARED = 10
# The rarest terms of an article are looked up (names, figures, the event's own words).
LOOKUP_TERMS = 16
# A candidate shares at least this part of the article's term weight (rarer terms weigh more).
CANDIDATE_SHARE = 0.08
# Terms found in more than this share of the window's articles are not looked up (too common to
# point at one event; they still count in the similarity).
COMMON_TERM_SHARE = 0.05


@functools.lru_cache(maxsize=1024)
def story_hour(when: str | None) -> int | None:
    """Hours since the epoch of an article's time: what the time window compares (the last
    thousand kept: storing one article asks for its hour some five times)."""
    moment = parse_date(when) if when else None
    return int(moment.timestamp() // 3600) if moment else None


def article_hour(published: str | None, fetched: str) -> int | None:
    """The story hour of an article: its publication time, or when it was fetched if the
    publication date is missing or unreadable (every stored article gets one, so none is
    left out of rewrite matching or looked at again by every backfill)."""
    hour = story_hour(published)
    return hour if hour is not None else story_hour(fetched)


def find_story(
    db: Database,
    fp: Fingerprint,
    exclude: int | None = None,
    keys: list[int] | None = None,
    *,
    source: str | None = None,
    title: str | None = None,
    text: str | None = None,
    when: str | None = None,
    window_hours: int = DEFAULT_WINDOW_HOURS,
) -> tuple[int, int] | None:
    """(story id, article id) of the story this article belongs to, if any: a story it copies
    (shingles), else one whose other outlets rewrote the same event (title, lead, figures),
    begun within `window_hours` of the article."""
    # Outside a store batch the lookup holds a story window of its own (kept by the process
    # between lookups, checked against story_hours each time): its questions read the window's
    # rows once, not once each.
    with store.batch_window(db, 1):
        hour = story_hour(when)
        copied = _copied_story(db, fp, exclude, keys, source, title, text, hour, window_hours)
        if copied is not None or hour is None or not (title or text):
            return copied
        own = story_terms(title, text)
        lead = (text or "")[:TERMS_LEAD]
        rewritten = _rewritten_story(db, own, hour, source, exclude, window_hours, lead)
        if rewritten is not None:
            return rewritten
        return _translated_story(db, own, hour, source, exclude, window_hours)


def _copied_story(
    db: Database,
    fp: Fingerprint,
    exclude: int | None,
    keys: list[int] | None,
    source: str | None,
    title: str | None,
    text: str | None,
    hour: int | None,
    window: int,
) -> tuple[int, int] | None:
    """Candidates are stored near-duplicates (MinHash, LSH). One is kept only if the article is
    also close to the story's first article (not just to one member: no chains), the story began
    within the window of the article, an article of the same outlet is a near-identical version,
    neither it nor the story's first article states figures or days the article contradicts
    (crawler.stories.markers): rubrics of different days stay apart, and neither is the
    article's text with other names in it (crawler.stories.templates): templated dispatches to
    two countries stay apart."""
    keys = keys if keys is not None else fp.band_keys()
    # Candidates published within the window: a story joined must have begun within it, and
    # its members lie within the window of its beginning, so older near-copies (last week's
    # rubric, a text republished every week) are not read at all.
    hours = (hour - window, hour + window) if hour is not None else None
    rows = store.copy_candidates(db, keys, exclude, MAX_CANDIDATES, LEAD_CHARACTERS, hours)
    own_markers = markers(title, text) if (title or text) else None
    own_lead = text[:LEAD_CHARACTERS] if text else None
    best: tuple[float, int, int] | None = None
    for row in rows:
        story_id, article_id, signature, shingle_count, other_source = row[:5]
        other = Fingerprint.from_bytes(signature, shingle_count)
        if not same_story(fp, other):
            continue
        resemblance = jaccard(fp, other)
        if source is not None and other_source == source and resemblance < SAME_OUTLET_JACCARD:
            continue
        first_id, first_signature, first_shingles, started = row[7:11]
        if (
            first_id is not None
            and first_id != article_id
            and first_signature is not None
            and first_shingles is not None
            and not same_story(fp, Fingerprint.from_bytes(first_signature, first_shingles))
        ):
            continue
        if hour is not None and started is not None and abs(hour - started) > window:
            continue
        if own_markers is not None and (
            conflicting(own_markers, markers(row[5], row[6]))
            or (first_id is not None and conflicting(own_markers, markers(row[11], row[12])))
        ):
            continue
        # A templated dispatch (a message to another country, another person's appointment)
        # is the same text with other names in it: another event (crawler.stories.templates).
        if own_lead is not None and (
            names_substituted(own_lead, row[6], LEAD_CHARACTERS)
            or (
                first_id is not None
                and first_id != article_id
                and names_substituted(own_lead, row[12], LEAD_CHARACTERS)
            )
        ):
            continue
        score = max(resemblance, containment(fp, other))
        if best is None or score > best[0]:
            best = (score, story_id, article_id)
    return (best[1], best[2]) if best else None


@dataclass
class _Member:
    article_id: int
    story_id: int
    source: str
    hour: int
    terms: StoryTerms
    # Its lead as read (TERMS_LEAD characters), for templated dispatches (`names_substituted`).
    lead: str = ""


class _Group(list[_Member]):
    """A story's members as compared (`_members`), with their outlets and languages gathered
    once (a busy story is looked at by every newcomer, some ten times each)."""

    def __init__(self, members: list[_Member]) -> None:
        super().__init__(members)
        self.sources = frozenset(m.source for m in members)
        self.languages = frozenset(m.terms.language for m in members)


def _rewritten_story(
    db: Database,
    own: StoryTerms,
    hour: int,
    source: str | None,
    exclude: int | None,
    window: int,
    lead: str = "",
) -> tuple[int, int] | None:
    """The story of another outlet's write-up of the same event, if one holds up.

    Candidates are the articles of the window sharing the article's rarest words and figures
    (an index probe per term: the cost follows the window, not the store). A story is joined
    only if no article of it comes from the same outlet (an outlet does not cover one event
    twice but in versions, which shingles find), it began within the window, and the article
    is close to its first article or to most of its members: similar by `similarity`, with no
    day or date in conflict and a shared figure when both state figures."""
    low, high = hour - window, hour + window
    articles = store.articles_in_window(db, low, high)
    if not articles:
        return None
    own_terms = own.index_terms()
    counts = store.window_term_counts(db, own_terms, low, high)
    common = max(5.0, COMMON_TERM_SHARE * articles)
    # The rarest first, then in code-point order ((count, term) pairs sorted in C).
    looked_up = [
        t
        for _, t in sorted(
            (counts[t], t) for t in own_terms if t in counts and 0 < counts[t] <= common
        )[:LOOKUP_TERMS]
    ]
    if not looked_up:
        return None
    by_count: dict[int, float] = {}  # each distinct count's rarity worked out once
    weight: dict[str, float] = {}
    for t in own_terms:
        count = counts.get(t, 0)
        found = by_count.get(count)
        if found is None:
            found = by_count[count] = rarity(count, articles)
        weight[t] = found
    # Articles sharing fewer than MIN_SHARED_WORDS of those terms are left out below: their
    # weights are not added up at all.
    shared, shared_terms = store.shared_terms(
        db, looked_up, weight, low, high, exclude, MIN_SHARED_WORDS
    )
    # Worth verifying: articles sharing a few words and a fair share of the article's weight
    # (most articles of a window share a word or two with any other, and are cheaply left out).
    # (`weight` follows own_terms' frozenset order, which the hash seed decides: added exactly.)
    enough = CANDIDATE_SHARE * math.fsum(weight.values())
    # The largest share first, then the latest ((share, id) pairs sorted in C, highest first).
    ranked = [
        a
        for _, a in sorted(
            (
                (weight_shared, a)
                for a, weight_shared in shared.items()
                if weight_shared >= enough and shared_terms[a] >= MIN_SHARED_WORDS
            ),
            reverse=True,
        )[:REWRITE_CANDIDATES]
    ]
    if not ranked:
        return None
    stories = store.stories_of(db, ranked)
    members: dict[int, _Group] = {}
    first_of: dict[int, int | None] = {}
    for story_id in stories:
        first_of[story_id], members[story_id] = _story(db, story_id, hour)
    # Each term weighed when a comparison first asks for it, from the window's counts (the
    # article's own counted above among them): most stories are left out before their words
    # are weighed. Nothing below asks the window about other hours while it is used. Every
    # term a comparison asks for is one of the article's or its candidate stories' members'
    # index terms (words and figures): none is left out.
    idf = LazyRarities(store.range_counts(db, low, high), None, articles)
    memo: Vectors = {}
    closeness: dict[int, float] = {}

    def close(member: _Member) -> float:
        """similarity(own, member's terms), worked out once per member: an own-outlet member is
        weighed as an update, then again when the closest member is picked."""
        found = closeness.get(member.article_id)
        if found is None:
            found = closeness[member.article_id] = similarity(own, member.terms, idf, memo)
        return found

    best: tuple[float, int, int] | None = None
    for story_id, group in members.items():
        own_outlet = [m for m in group if m.source == source] if source in group.sources else []
        # Each own-outlet member must be the article's update: its cheap tests first for every
        # one of them (`_may_update`: a member sharing no term is not close at all), then its
        # similarity, the costly part (the same decision, fewer vectors weighed).
        if own_outlet and not (
            all(_may_update(own, hour, m) for m in own_outlet)
            and all(close(m) >= UPDATE_SIMILARITY for m in own_outlet)
        ):
            continue
        first = next((m for m in group if m.article_id == first_of[story_id]), None)
        if first is not None and abs(hour - first.hour) > window:
            continue
        # Each outlet states some of the event's figures: an article agrees with a member that
        # states others when it states one the story states (the event's figures).
        story_figures = frozenset().union(*(m.terms.figures for m in group))
        restates = bool(shared_figures(own.figures, story_figures))
        agreeing = [
            m
            for m in group
            if m in own_outlet
            or (
                not phase_conflict(own, m.terms)
                and (
                    (
                        not calendar_conflict(own, m.terms)
                        and (
                            figures_agree(own, m.terms)
                            or (restates and m is not first)
                            or (m.hour <= hour and toll_rose(own, m.terms))
                        )
                    )
                    or (m is first and _counted_later(own, hour, group, first))
                )
            )
        ]
        if (first is not None and first not in agreeing) or 2 * len(agreeing) <= len(group):
            continue
        # Words are compared with the members in the article's own language (a report in another
        # language shares none, and would only dilute the story's vocabulary).
        same_language = [m.terms for m in group if m.terms.language == own.language] or [
            m.terms for m in group
        ]
        if (
            not shares_words(own, same_language)
            or names_conflict(own, same_language, first.terms if first else None)
            or _cities_apart(own, group, first)
        ):
            continue
        score = story_similarity(own, [m.terms for m in group], idf, memo)
        if score < REWRITE_SIMILARITY or (best is not None and score <= best[0]):
            continue
        # A templated dispatch shares a story's every word but its names (another country's
        # message, another province's governor): no member may be the article's text with
        # other names in it (crawler.stories.templates). Asked of a story about to be joined.
        if lead and any(names_substituted(lead, m.lead, TERMS_LEAD) for m in group):
            continue
        closest = max(agreeing, key=close)
        best = (score, story_id, closest.article_id)
    return (best[1], best[2]) if best else None


def _first_updated(member: _Member, first: _Member) -> bool:
    """The member is a later version of the story's first article by its own outlet: an outlet
    covers one event once but in versions, so its article in the story after the first joined
    as the first's update (`_may_update`) or as a copy of it, and its figures are the event's
    figures of its hour (« 400 hectares ravagés » after « 120 hectares », a turnout of 81 %
    in the afternoon after 62 % in the morning), whether or not its words say they rose."""
    return member is not first and member.source == first.source and member.hour >= first.hour


def _counted_later(own: StoryTerms, hour: int, group: list[_Member], first: _Member) -> bool:
    """The article restates the figures of a member that said its count rose from the story's
    first article (`toll_rose`), or of the first article's own later version
    (`_first_updated`), on that member's day: it agrees with the first as that member does.
    The storm's first report counted 40.000 homes without power, its update « a atteint
    95.000 »; « Storm leaves 95,000 households without power », written after the update,
    states neither a rise nor the first figure. The next morning's report of a fire states
    its own day (« vendredi ») beside the first report's (« jeudi »), as its update did."""
    return bool(own.figures) and any(
        m is not first
        and m.hour <= hour
        and ((m.terms.rising and toll_rose(m.terms, first.terms)) or _first_updated(m, first))
        and not calendar_conflict(own, m.terms)
        and bool(shared_figures(own.figures | own.counts, m.terms.figures | m.terms.counts))
        and figures_agree(own, m.terms)
        for m in group
    )


def _cities_apart(own: StoryTerms, group: list[_Member], first: _Member | None) -> bool:
    """The article names a Moroccan city no article of the story names, and the story's first
    article names one too: the same kind of news in another city (floods in Safi beside floods
    in Tétouan, a fire at Larache beside one at Chefchaouen), however alike their words. A
    city opening a title is no name to `names_conflict`, and outlets locate an event by its
    city in every language."""
    own_cities = events.cities(own.places)
    if not own_cities or first is None or not events.cities(first.terms.places):
        return False
    return all(own_cities.isdisjoint(m.terms.places) for m in group) and not _dateline_only(first)


# A dispatch's dateline: where it is written from, before a dash (« Rabat – », « Rabat (MAP) – »,
# « الرباط – »), at most a few words.
_DATELINE = re.compile(r"\s*([^\W\d_][^–—:\n.!?]{0,40}?)\s*(?:\([^)]*\)\s*)?[–—-]\s")


def _dateline_only(first: _Member) -> bool:
    """The story's first article names no city but its dateline's, and its title and the rest of
    its lead do not name that one: the city the wire or a ministry writes from (« Rabat – Le
    ministère … a annoncé la mise en service du nouveau CHU de la métropole économique »), not
    where the event is, which a rewrite names (« Casablanca : le nouveau CHU … »). A dispatch
    datelined where it happened names the city again (« Safi – Des pluies … sur Safi ») or in
    its title. Asked only of a story about to be left apart."""
    found = _DATELINE.match(first.lead)
    if found is None:
        return False
    dateline = story_terms(None, found.group(1))
    cities = events.cities(dateline.places)
    if not cities or not events.cities(first.terms.places) <= cities:
        return False
    rest = story_terms(None, first.lead[found.end() :])
    return cities.isdisjoint(rest.places) and not dateline.words <= first.terms.title


# An outlet's own update of its report (a toll raised, the other side's denial added) joins the
# report's story when it comes within UPDATE_HOURS, reports the same phase on the same day, and
# is as close to it by `similarity` as a rewrite must be to its story; its figures may have
# changed. Further apart, or less alike, two articles of one outlet are two events (a rubric's
# days, a topic's phases).
UPDATE_HOURS = 12
UPDATE_SIMILARITY = REWRITE_SIMILARITY
# An update that says it is one (« Mis à jour », a live page: StoryTerms.updated) and whose count
# rose from its outlet's report (`toll_rose`: a fire's hectares, people evacuated) is its later
# version up to a day and a night after it, the next day named: a fire burns into the next
# morning. The next session's live page of the Bourse says no count rose, and a daily
# rubric's page says no update.
LATER_UPDATE_HOURS = 36


def _may_update(own: StoryTerms, hour: int, member: _Member) -> bool:
    """Whether the article may be its outlet's update of this member, as far as tells without
    weighing their terms: within UPDATE_HOURS, no day or phase in conflict, and a term in common
    (without one their similarity is 0.0, under UPDATE_SIMILARITY); or, whatever day it names,
    an update that says so and whose count rose, within LATER_UPDATE_HOURS after the member."""
    near = abs(hour - member.hour) <= UPDATE_HOURS
    later = own.updated and member.hour <= hour <= member.hour + LATER_UPDATE_HOURS
    if not (near or later):
        return False
    if phase_conflict(own, member.terms) or not shares_terms(own, member.terms):
        return False
    if near and not calendar_conflict(own, member.terms):
        return True
    return later and toll_rose(own, member.terms)


# Reports in two languages (crawler.stories.events): an article joins a story in another language
# when it shares with the story's members at least this many bridges (places and institutions,
# figures, names by their consonants), weighing at least BRIDGE_WEIGHT by rarity.
MIN_BRIDGES = 2
BRIDGE_WEIGHT = 6.0
# Reports of one event in two languages come out within a day of each other: further apart,
# the same places and names are another event (the minister's next visit).
TRANSLATION_HOURS = 24
# A name's consonants are not counted in the window; they weigh as a fairly rare term.
SOUND_RARITY = 3.0


def _may_bridge(own: StoryTerms, other: StoryTerms) -> bool:
    """Two articles share a place or a name: without one, `_bridges` finds none."""
    return not (own.places.isdisjoint(other.places) and own.sounds.isdisjoint(other.sounds))


def _bridges(own: StoryTerms, other: StoryTerms, idf: dict[str, float]) -> tuple[int, float]:
    """How many bridges two articles in different languages share, and their weight."""
    places = own.places & other.places
    sounds = own.sounds & other.sounds
    if not sounds and not places:
        return 0, 0.0  # figures alone coincide (a rate, a price, a percentage)
    shared = [f"@{p}" for p in places]
    # A figure in digits on one side at least: two small numbers in words ("cinq ans", "خمس
    # سنوات") coincide too often to link two reports.
    figures = shared_figures(own.figures, other.figures | other.counts)
    figures |= shared_figures(own.counts, other.figures)
    shared += [f"#{f}" for f in figures]
    weight = math.fsum(idf.get(term, 0.0) for term in shared)  # sets' order: added exactly
    return len(shared) + len(sounds), weight + SOUND_RARITY * len(sounds)


def _translated_story(
    db: Database,
    own: StoryTerms,
    hour: int,
    source: str | None,
    exclude: int | None,
    window: int,
) -> tuple[int, int] | None:
    """The story of a report of the same event in another language (ar, en, es, fr), if one holds
    up (`_translations`): the one sharing the heaviest bridges."""
    best: _Translation | None = None
    for found in _translations(db, own, hour, source, exclude, window):
        if best is None or found.weight > best.weight:
            best = found
    return (best.story_id, best.article_id) if best else None


@dataclass
class _Translation:
    """A story in other languages an article would join: the weight of the bridges it shares
    with the closest member, the story, that member, and the story's members compared."""

    weight: float
    story_id: int
    article_id: int
    group: _Group


def _translations(
    db: Database,
    own: StoryTerms,
    hour: int,
    source: str | None,
    exclude: int | None,
    window: int,
    besides: int | None = None,
    skip: Callable[[_Group], bool] | None = None,
) -> Iterator[_Translation]:
    """The stories of reports of the same event in another language (ar, en, es, fr) that hold up
    (`besides` left out): candidates share the article's places, institutions or figures; a
    story is joined when the article shares MIN_BRIDGES bridges of BRIDGE_WEIGHT with its first
    article or with most of its members in other languages (published within TRANSLATION_HOURS
    of it), no figure, day or phase in conflict with its first article. Stories whose members
    `skip` says the caller would leave out are not weighed."""
    bridge_terms = _bridge_terms(own)
    if not bridge_terms:
        return
    low, high = hour - window, hour + window
    # Weighed when a story is first worth weighing (most are left out before: an outlet of
    # theirs, a language the caller's story has); the window does not change meanwhile.
    idf: dict[str, float] | None = None
    hits = store.term_hit_counts(db, sorted(bridge_terms), low, high, exclude)
    # The most bridge terms first, then the latest ((count, id) pairs sorted in C; every
    # article counted uses one at least).
    ranked = [
        a
        for _, a in sorted(zip(hits.values(), hits.keys(), strict=True), reverse=True)[
            : REWRITE_CANDIDATES * 2
        ]
    ]
    if not ranked:
        return
    for story_id in sorted(store.stories_of(db, ranked) - {besides}):
        canonical, group = _story(db, story_id, hour)
        if source in group.sources:
            continue
        if skip is not None and skip(group):
            continue
        # A story with no member in another language published near the article, or none
        # sharing a place or a name with it, has nothing to bridge (`_bridges` counts figures
        # only beside one of those, and `_bridged` needs two bridges): neither weighed nor its
        # bridges' rarity.
        foreign = _foreign(own, hour, group)
        if not any(_may_bridge(own, m.terms) for m in foreign):
            continue
        first = next((m for m in group if m.article_id == canonical), None)
        if idf is None:
            idf = _bridge_rarities(db, bridge_terms, low, high)
        bridged = _bridged(own, hour, group, first, idf, window, foreign)
        if bridged is not None:
            weight, closest = bridged
            yield _Translation(weight, story_id, closest.article_id, group)


def _bridge_terms(terms: StoryTerms) -> set[str]:
    """An article's terms that survive translation and are counted in the window: its places
    and institutions ('@') and its figures ('#')."""
    return {f"@{p}" for p in terms.places} | {f"#{f}" for f in terms.figures | terms.counts}


def _bridge_rarities(db: Database, terms: set[str], low: int, high: int) -> dict[str, float]:
    """The rarity of each bridge term among the articles of the hours `low` to `high`."""
    articles = store.articles_in_window(db, low, high)
    return rarities(store.window_term_counts(db, terms, low, high), terms, articles)


def _foreign(own: StoryTerms, hour: int, group: list[_Member]) -> list[_Member]:
    """The members of a story in another language than the article's, published within
    TRANSLATION_HOURS of it: those it may share bridges with."""
    return [
        m
        for m in group
        if m.terms.language != own.language and abs(hour - m.hour) <= TRANSLATION_HOURS
    ]


def _bridged(
    own: StoryTerms,
    hour: int,
    group: list[_Member],
    first: _Member | None,
    idf: dict[str, float],
    window: int,
    foreign: list[_Member] | None = None,
) -> tuple[float, _Member] | None:
    """(weight, closest member) when an article would join this story in other languages: the
    story began within the window, no figure, day or phase in conflict with its first article,
    and MIN_BRIDGES bridges of BRIDGE_WEIGHT shared with that first article or with most of its
    members in other languages published within TRANSLATION_HOURS of the article (`foreign`,
    when the caller has them)."""
    if foreign is None:
        foreign = _foreign(own, hour, group)
    if not foreign:
        return None  # nothing to bridge
    if first is not None and abs(hour - first.hour) > window:
        return None
    if any(
        phase_conflict(own, m.terms)
        or (
            (
                calendar_conflict(own, m.terms)
                or not (figures_agree(own, m.terms) or (m.hour <= hour and toll_rose(own, m.terms)))
            )
            and not (m is first and _counted_later(own, hour, group, m))
        )
        for m in group
        if first is None or m is first
    ):
        return None
    scored = []
    for member in foreign:
        count, weight = _bridges(own, member.terms, idf)
        if count >= MIN_BRIDGES and weight >= BRIDGE_WEIGHT:
            scored.append((weight, member))
    if not scored:
        return None
    # The first article's own later version stands for it (`_first_updated`) when the article
    # states its figures: the Arabic report of the afternoon's turnout shares its bridges, the
    # turnout among them, with the French update stating it. Sharing only places and names
    # with the version is no more than sharing them with any member.
    if not (
        (
            first is not None
            and any(
                m is first
                or (_first_updated(m, first) and shared_figures(own.figures, m.terms.figures))
                for _, m in scored
            )
        )
        or 2 * len(scored) > len(foreign)
    ):
        return None
    return max(scored, key=lambda pair: pair[0])


def _story(db: Database, story_id: int, hour: int) -> tuple[int | None, _Group]:
    """(first article, members as compared: `_members`) of a story, found at once while the
    batch's story window keeps them."""
    kept = store.kept_story_group(db, story_id, STORY_MEMBERS_COMPARED, TERMS_LEAD)
    if kept is not None:
        return kept[0], cast(_Group, kept[1])
    canonical = store.canonical_article(db, story_id)
    return canonical, _members(db, story_id, canonical, hour)


def _members(db: Database, story_id: int, canonical: int | None, hour: int) -> _Group:
    """A story's first article and oldest members, as they are compared (an article without a
    story hour taken at `hour`). Made once while the batch's story window keeps the story's
    rows (a busy story is compared with every newcomer, some ten times each); never changed by
    a caller."""
    kept = store.kept_member_group(db, story_id, canonical, STORY_MEMBERS_COMPARED, TERMS_LEAD)
    if kept is not None:
        return cast(_Group, kept)  # made below

    def make(rows: list[store.MemberRow]) -> tuple[_Group, bool]:
        group = _Group(
            [
                _Member(a, story_id, s, h if h is not None else hour, story_terms(t, x), x)
                for a, s, h, t, x in rows
            ]
        )
        return group, all(row.hour is not None for row in rows)  # else it depends on `hour`

    return store.story_member_group(
        db, story_id, canonical, STORY_MEMBERS_COMPARED, TERMS_LEAD, make
    )


def _grown(story_id: int, group: _Group, row: store.MemberRow) -> _Group:
    """A story's members as compared (`_members`), with a row added after the others: what
    `_members` makes of the rows with it. Its hour is known (a group is kept only when every
    member's is)."""
    hour = cast(int, row.hour)
    added = _Member(row.id, story_id, row.source, hour, story_terms(row.title, row.lead), row.lead)
    return _Group([*group, added])


def _link_languages(
    db: Database,
    story_id: int,
    article_id: int,
    own: StoryTerms,
    hour: int,
    source: str | None,
    window: int,
    now: str,
) -> int:
    """An article that joined a story may also be the report a story in another language was
    waiting for: the French outlet that came out within a day of an Arabic report the story's
    first French article was too early for. Grouping must not depend on which page was stored
    first, so the article looks for stories in other languages it would have joined
    (`_translations`, the same rules as a newcomer), and such a story is folded into the
    article's own when they tell the event in no common language, through no common outlet,
    their first articles agree (no figure, day or phase in conflict, within the window) and the
    link holds both ways (the other story's first article would join this story). The older
    story is kept (its first article stays the story's first); returns it."""
    canonical, group = _story(db, story_id, hour)
    first = next((m for m in group if m.article_id == canonical), None)
    languages = set(group.languages)
    sources = set(group.sources)

    def shares(other: _Group) -> bool:
        # Left out below whatever else holds (the sets only grow as stories are folded in):
        # not weighed at all.
        return not (other.languages.isdisjoint(languages) and other.sources.isdisjoint(sources))

    found = list(
        _translations(db, own, hour, source, article_id, window, besides=story_id, skip=shares)
    )
    if not found:
        return story_id
    for other in sorted(found, key=lambda t: (-t.weight, t.story_id)):
        if not languages.isdisjoint(other.group.languages):
            continue
        if not sources.isdisjoint(other.group.sources):
            continue
        other_canonical = store.canonical_article(db, other.story_id)
        other_first = next((m for m in other.group if m.article_id == other_canonical), None)
        if other_first is None or (first is not None and _disagree(first, other_first, window)):
            continue
        # Both ways: the other story's first article would join this story too, had it come
        # now (the link is not the joining article's alone).
        terms = _bridge_terms(other_first.terms)
        low, high = other_first.hour - window, other_first.hour + window
        idf = _bridge_rarities(db, terms, low, high)
        if _bridged(other_first.terms, other_first.hour, group, first, idf, window) is None:
            continue
        kept, folded = sorted((story_id, other.story_id))
        store.fold_story(db, folded, kept)
        logger.info(
            "story %d folded into story %d: article %d links its reports in other languages",
            folded,
            kept,
            article_id,
        )
        store.touch_story(db, kept, now)
        story_id = kept
        languages |= other.group.languages
        sources |= other.group.sources
    return story_id


def _disagree(a: _Member, b: _Member, window: int) -> bool:
    """Two stories' first articles cannot be one event: further apart than the story window,
    or a figure, a day or a phase in conflict."""
    return (
        abs(a.hour - b.hour) > window
        or calendar_conflict(a.terms, b.terms)
        or not figures_agree(a.terms, b.terms)
        or phase_conflict(a.terms, b.terms)
    )


def index_terms(db: Database, article_id: int, terms: StoryTerms, hour: int) -> None:
    """Record the article's time and its title-and-lead terms (replacing older ones)."""
    store.save_terms(db, article_id, terms.index_terms(), hour)


def index_article(
    db: Database,
    article_id: int,
    fp: Fingerprint,
    hour: int | None,
    replace: bool = True,
    keys: list[int] | None = None,
) -> None:
    """Record the article's LSH band keys at its story hour (an updated article's old ones
    dropped first)."""
    store.save_band_keys(
        db, article_id, keys if keys is not None else fp.band_keys(), replace, hour
    )


def refingerprint(db: Database, article_id: int, fp: Fingerprint, hour: int | None) -> None:
    """An article with a new text: its new fingerprint and band keys (at its story hour)."""
    with db.transaction():
        article_columns.set_fingerprint(db, article_id, fp.to_bytes(), fp.shingles)
        index_article(db, article_id, fp, hour)


def assign_story(
    db: Database,
    article_id: int,
    fp: Fingerprint,
    title: str | None,
    now: str,
    *,
    source: str | None = None,
    text: str | None = None,
    when: str | None = None,
    window_hours: int = DEFAULT_WINDOW_HOURS,
    just_stored: bool = False,
) -> int:
    """Put a newly stored article in its story (inside the caller's transaction). `when` is
    the article's publication time (default: now), for the story's time window of
    `window_hours`. `just_stored`: the caller inserted the article in this transaction (it has
    no story hour yet: given with its story in one write), and `source` is its stored
    outlet."""
    keys = fp.band_keys()
    when = when if story_hour(when) is not None else now
    found = find_story(
        db,
        fp,
        exclude=article_id,
        keys=keys,
        source=source,
        title=title,
        text=text,
        when=when,
        window_hours=window_hours,
    )
    hour = story_hour(when)
    hour_set = just_stored and hour is not None
    if found:
        story_id = found[0]
        if hour_set and source is not None and text is not None:
            # Just stored: the story's newest article, its row known (its hour is set below);
            # the story's members the batch keeps are kept with it (`_link_languages` and the
            # next articles compare them) instead of read again.
            joining = store.JoiningArticle(article_id, source, cast(int, hour), title, text)
            store.touch_story(db, story_id, now, joining, functools.partial(_grown, story_id))
        else:
            store.touch_story(db, story_id, now)
    else:
        story_id = store.create_story(db, article_id, title, now)
    article_columns.set_story(
        db, article_id, story_id, fp.to_bytes(), fp.shingles, hour if hour_set else None
    )
    store.remember_story(db, article_id, story_id)
    store.note_outlet(db, story_id, article_id, source if just_stored else None)
    if hour is None:
        index_article(db, article_id, fp, hour, replace=False, keys=keys)
    else:
        own = story_terms(title, text)
        # Its hour, terms and band keys in one row (crawler.stories.store.save_terms).
        store.save_terms(db, article_id, own.index_terms(), hour, keys=keys, hour_set=hour_set)
        if found:
            story_id = _link_languages(
                db, story_id, article_id, own, hour, source, window_hours, now
            )
    return story_id
