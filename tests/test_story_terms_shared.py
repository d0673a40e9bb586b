"""An article's story terms fold, tokenise and stem its title and lead once and share the tokens
between its words, places, figures in words, names, phase and language
(crawler.stories.terms._story_terms), and the markers, places and phase take shortcuts (a
number found from its first digit, only the tokens that begin a name tried, a cue of several
words searched for only where its first word is). The terms must be exactly those of each part
computed on its own, the way they were before, for every article of both labelled sets, their
titles alone, their leads alone and cut short."""

from __future__ import annotations

import math
import random
import re

import pytest

from crawler.core.normalize import fold_text, normalize
from crawler.stories import events, markers, terms
from tests import story_corpus, story_corpus2

# The number pattern as it was: the look-behind first.
_OLD_NUMBER = re.compile(
    r"(?<![\w.,])\d{1,3}(?:[  .]\d{3})+(?:,\d+)?(?![\w])|(?<![\w.,])\d+(?:[.,]\d+)?(?!\w)"
)


def _heads() -> list[tuple[str | None, str]]:
    found: dict[tuple[str | None, str], None] = {}
    for record in story_corpus.labelled_articles() + story_corpus2.labelled_articles():
        title, text = record.get("title"), record["text"]
        for head in (
            (title, text[: terms.LEAD_CHARACTERS]),
            (title, text[:90]),
            (None, text[: terms.LEAD_CHARACTERS]),
            (title, ""),
        ):
            found[head] = None
    # What folds otherwise together than apart, numbers and times of day, weekdays with
    # their Arabic prefixes, names of places over several words.
    found[("L'œuvre de Sœur Emmanuelle", "ﬁn à 13h30, le 1er mars : 13 245 visiteurs")] = None
    found[("Rabat", "والاثنين، الاثنين والخميس 12.500 درهم ١٢٣ و6:22")] = None
    found[("Tanger Med : la conférence de presse", "Le point de presse à Casablanca")] = None
    return list(found)


HEADS = _heads()


def _markers_as_they_were(title: str, lead: str) -> frozenset[str]:
    """markers._markers as it was: the number pattern with its look-behind first, a thousands
    separator looked for in every number, each word looked up as a weekday."""
    head = f"{title} \n {lead}"
    if markers._EASTERN_DIGIT.search(head):
        head = head.translate(markers._ARABIC_DIGITS)
    head = markers._without_non_figures(head)  # a name's number, a bulletin's period
    found: set[str] = set()

    def clock(match: re.Match[str]) -> str:
        found.add(f"{int(match.group(1))}:{match.group(2)}")
        return " "

    head = markers._CLOCK.sub(clock, head)
    for number in _OLD_NUMBER.findall(head):
        value = re.sub(r"[  .](?=\d{3}\b)", "", number).replace(",", ".")
        if not markers._YEAR.match(value):
            found.add(value.rstrip("0").rstrip(".") if "." in value else value.lstrip("0") or "0")
    lowered = head.lower()
    for word in set(re.findall(r"[^\W\d_]+", lowered)):
        day = markers._WEEKDAYS.get(word) or markers._WEEKDAYS.get(
            word.removeprefix("و").removeprefix("ال")
        )
        if day:
            found.add(f"day:{day}")
    return frozenset(found)


def _words_as_they_were(text: str) -> set[str]:
    words = set()
    for token in normalize(text).split():
        if len(token) < 3 or token in terms.STOPWORDS or token.isdigit():
            continue
        stemmed = events.stem(token)
        if stemmed not in terms.STOPWORDS:
            words.add(stemmed)
    return words


def _name_sounds_as_they_were(title: str, lead: str) -> frozenset[str]:
    """events.name_sounds as it was: a Latin-script name folded word by word."""
    if events.arabic(f"{title} {lead}"):
        candidates = normalize(f"{title} {lead}").split()
    else:
        inside = events._OPENING.sub(" ", f"{title} \n {lead}")
        candidates = [fold_text(w) for w in events._CAPITALISED.findall(inside)]
    found: set[str] = set()
    for word in candidates:
        for part in word.split():
            stem = events.stem(part)
            if stem in terms.STOPWORDS or stem in events._gazetteer() or len(stem) < 4:
                continue
            sound = events.sounds(stem)
            if len(sound) >= events.MIN_SOUNDS:
                found.add(sound)
            else:  # too few consonants: the skeleton, when it holds a w (events._name_sound)
                skeleton = events._skeleton(stem)
                if len(skeleton) >= events.MIN_SKELETON and "w" in skeleton:
                    found.add(f"~{skeleton}")
    return frozenset(found)


def _places_one_by_one(words: list[str]) -> frozenset[str]:
    """events.places as it was: every position tried."""
    index = events._gazetteer()
    found: set[str] = set()
    i = 0
    while i < len(words):
        for name, key in index.get(words[i], ()):
            if tuple(words[i : i + len(name)]) == name:
                found.add(key)
                i += len(name) - 1
                break
        i += 1
    return frozenset(found)


def _phase_every_cue(words: list[str]) -> str | None:
    """events.phase as it was: every cue of several tokens searched for."""
    single, several = events._phase_lookup()
    found: set[str] = set()
    for word in single.keys() & set(words):
        found |= single[word]
    joined = " " + " ".join(words) + " "
    for name, cue in several:
        if name not in found and cue in joined:
            found.add(name)
    return next((name for name, _ in events._PHASES if name in found), None)


def _terms_part_by_part(title: str | None, lead: str) -> terms.StoryTerms:
    """_story_terms as it was: the title, the lead and the two together each folded, tokenised
    and stemmed by the part that reads them."""
    head_markers = _markers_as_they_were(title or "", lead)
    calendar = {m for m in head_markers if m.startswith("day:")}
    dates: set[str] = set()
    for day, month in terms._DATE.findall(normalize(f"{title or ''} {lead}")):
        if month in terms._MONTHS and 1 <= int(day) <= 31:
            calendar.add(f"date:{int(day)}-{terms._MONTHS[month]}")
            dates.add(str(int(day)))
    title_words = _words_as_they_were(title or "")
    head = events.tokens(f"{title or ''} {lead}")
    return terms.StoryTerms(
        title=frozenset(title_words),
        names=frozenset(_words_as_they_were(" ".join(terms._names(title or ""))) & title_words),
        words=frozenset(title_words | _words_as_they_were(lead)),
        figures=frozenset({m for m in head_markers if not m.startswith("day:")} - dates),
        calendar=frozenset(calendar),
        places=_places_one_by_one(head),
        counts=frozenset(events._number_words()[w] for w in head if w in events._number_words()),
        sounds=_name_sounds_as_they_were(title or "", lead),
        # A results round-up is read from the title and lead as written (scores), not tokens.
        phase=events.ROUNDUP if events.roundup(title or "", lead) else _phase_every_cue(head),
        language=events.language(f"{title or ''} {lead}"),
        scores=events.scores(title or "", lead),
        rising=events.toll_rises(
            normalize(f"{title or ''} {lead}").split(), events.says_updated(title or "", lead)
        ),
        updated=events.says_updated(title or "", lead),
    )


def test_the_labelled_sets_give_enough_heads_to_compare():
    assert len(HEADS) > 1_500
    assert sum(1 for _, lead in HEADS if events.arabic(lead)) > 300


def test_story_terms_are_those_of_each_part_computed_apart():
    different = [
        (title, lead)
        for title, lead in HEADS
        if terms._story_terms(title, lead) != _terms_part_by_part(title, lead)
    ]
    assert not different, different[:3]


@pytest.mark.parametrize("limit", [None, 3])
def test_numbers_are_found_from_their_first_digit_as_with_the_look_behind_first(limit):
    for title, lead in HEADS:
        head = f"{title or ''} \n {lead}"[: limit and len(title or "") + limit]
        assert markers._NUMBER.findall(head) == _OLD_NUMBER.findall(head)


def test_weekdays_with_their_arabic_prefixes_are_found_as_word_by_word():
    for name, day in markers._WEEKDAYS.items():
        for word in (name, f"و{name}", f"ال{name}", f"وال{name}"):
            expected = markers._weekday(word)
            found = markers._markers.__wrapped__("", f"le {word} 3")
            assert (f"day:{expected}" in found) == bool(expected), word
            if word == name:
                assert f"day:{day}" in found


def _vector_as_it_was(t: terms.StoryTerms, idf) -> dict[str, float]:
    vector = {word: idf.get(word, 0.0) for word in t.words}
    for word in t.title:
        vector[word] *= terms.TITLE_WEIGHT
    for figure in t.figures:
        vector[f"#{figure}"] = terms.FIGURE_WEIGHT * idf.get(f"#{figure}", 0.0)
    return vector


def _cosine_as_it_was(va: dict[str, float], vb: dict[str, float]) -> float:
    # Sums added exactly (fsum), as since they no longer follow the hash seed's order
    # (tests/test_story_hash_seed.py).
    dot = math.fsum(weight * vb[term] for term, weight in va.items() if term in vb)
    norm = math.sqrt(math.fsum(w * w for w in va.values())) * math.sqrt(
        math.fsum(w * w for w in vb.values())
    )
    return dot / norm if norm else 0.0


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(math.fsum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else vector


def test_similarities_are_those_of_the_loops_bit_for_bit():
    """Rewrite matching compares scores with thresholds and with each other: the vectors,
    cosines and centroids worked out in C (map, filter, lookups) give the very same floats as
    the loops over each term did."""
    rng = random.Random(3)
    made = [terms._story_terms(title, lead) for title, lead in HEADS[:400]]
    vocabulary = set().union(*(t.index_terms() for t in made))
    for _ in range(30):
        counts = {term: rng.randrange(1, 60) for term in vocabulary if rng.random() < 0.7}
        articles = rng.choice([40, 900, 5000])
        idf = terms.LazyRarities(counts, None, articles)
        plain = terms.rarities(counts, vocabulary, articles)
        memo: terms.Vectors = {}
        own = rng.choice(made)
        group = rng.sample(made, rng.randint(1, 10))
        expected_pairs = [
            _cosine_as_it_was(_vector_as_it_was(own, plain), _vector_as_it_was(m, plain))
            for m in group
        ]
        assert [terms.similarity(own, m, idf, memo) for m in group] == expected_pairs
        centroid: dict[str, float] = {}
        for member in group:
            for term, weight in _unit(_vector_as_it_was(member, plain)).items():
                centroid[term] = centroid.get(term, 0.0) + weight / len(group)
        expected = _cosine_as_it_was(_vector_as_it_was(own, plain), centroid)
        assert terms.story_similarity(own, group, idf, memo) == expected
        assert terms.story_similarity(own, group, plain) == expected


def test_a_title_and_lead_fold_together_as_each_apart():
    """Story terms take the lead's tokens as those after the title's in the two folded
    together: folding is character by character, even where a character folds to several
    (the reference path), and apostrophes and elisions never span the space between them."""
    rng = random.Random(9)
    complex_chars = "¼½¾ßĲĳŀŉǄǅǆﬁﬂٵ℀"
    alphabet = list("abcdeéèàçôœ' -.,;:!?ÉÀLlqu'جمالمغرب١٢3\n\t«»’") + list(complex_chars)
    for _ in range(3_000):
        title = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        lead = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        together = normalize(f"{title} {lead}").split()
        assert together == normalize(title).split() + normalize(lead).split(), (title, lead)
        assert terms._story_terms(title, lead) == _terms_part_by_part(title, lead)


def test_articles_sharing_no_term_are_not_similar_at_all():
    """The rewrite search leaves out an own-outlet member sharing no term with the article
    before weighing either (`shares_terms`): their similarity is then 0.0, and above it when
    they share one."""
    rng = random.Random(13)
    made = [terms._story_terms(title, lead) for title, lead in HEADS[:300]]
    vocabulary = set().union(*(t.index_terms() for t in made))
    counts = {term: rng.randrange(1, 60) for term in vocabulary if rng.random() < 0.7}
    idf = terms.LazyRarities(counts, None, 900)
    memo: terms.Vectors = {}
    shared = apart = 0
    for _ in range(3000):
        a, b = rng.sample(made, 2)
        found = terms.similarity(a, b, idf, memo)
        if terms.shares_terms(a, b):
            shared += 1
            assert found > 0.0
        else:
            apart += 1
            assert found == 0.0
    assert shared > 100 and apart > 100
