"""Property tests (hypothesis) on the query parser, the normaliser and the matcher."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from crawler.core.normalize import (
    FoldedWords,
    fold_text,
    fold_tokens,
    normalize,
    normalize_with_offsets,
    reference_tokens,
)
from crawler.stories.fingerprint import _encoded_shingles, _light_stem, shingles
from monitors.rules.matcher import ArticleText, Matcher
from monitors.rules.query import QuerySyntaxError, parse_query
from monitors.rules.watchlists import Watchlist

# Text mixing Latin, accented, Arabic (with harakat and tatweel), punctuation and spaces.
ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCÉÈÀÇéèàçôœ0123456789")
    + list("السيادةالرقميةأإآىةـًٌٍَُِّْ")
    + list(" \u00a0\t\n.,;:!?؟'’-–—«»()\"*/@")
    + ["NEAR/3", " AND ", " OR ", " NOT ", "title:", "text:"]
)
TEXT = st.lists(ALPHABET, max_size=60).map("".join)
QUERY_TOKENS = st.lists(
    st.sampled_from(
        [
            "cloud",
            '"IA"',
            "numéri*",
            "AND",
            "OR",
            "NOT",
            "(",
            ")",
            "NEAR/5",
            "title:",
            "@x",
            '"',
            "*",
        ]
    ),
    max_size=12,
).map(" ".join)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, QUERY_TOKENS, st.text(max_size=40)))
def test_parser_raises_only_syntax_errors(query):
    try:
        parse_query(query)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(query)


@settings(max_examples=400)
@given(st.one_of(TEXT, st.text(max_size=80)))
def test_normaliser_never_crashes_and_is_stable(text):
    folded, offsets = normalize_with_offsets(text)
    assert len(folded) == len(offsets)
    assert offsets == sorted(offsets) and all(0 <= o < len(text) for o in offsets)
    assert normalize(folded) == folded  # idempotent
    assert "  " not in folded and folded == folded.strip()
    with_breaks, break_offsets = normalize_with_offsets(text, sentences=True)
    assert len(with_breaks) == len(break_offsets)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, st.text(max_size=40)))
@example("Amal El Fallah-Seghrouchni")
@example("السِّيادة الرقمية")
@example("Yahoo! Maroc")
@example("l'État")
def test_a_rule_matches_text_made_of_its_own_phrase(phrase):
    if not normalize(phrase):
        return  # no letters or digits: rejected when rules are loaded
    matcher = Matcher([Watchlist("p", "p", terms=(phrase,))])
    assert [r.watchlist for r in matcher.match(ArticleText("", phrase))] == ["p"]
    assert [r.watchlist for r in matcher.match(ArticleText(phrase, ""))] == ["p"]


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, st.text(max_size=80)), st.booleans())
@example("Puis\\nfin. Et… l'État d'aujourd'hui ـ السِّيادة", True)
def test_fast_folding_equals_the_reference_folding(text, sentences):
    fast = fold_tokens(text, sentences)
    # None: the text takes the reference path anyway. `assume` makes Hypothesis look for texts
    # the fast path does take (and fail as unsatisfiable if it never did), not pass vacuously.
    assume(fast is not None)
    assert fast == reference_tokens(text, sentences)


# Text with no character that folds to nothing (no harakat, no tatweel), rich in what the
# substitutions of the plain path handle: sentence ends, breaks, elisions and apostrophes.
PLAIN_TEXT = st.lists(
    st.sampled_from(
        list("abclmdqustjÉéà0123السيادة")
        + list(" \n.!?…¶'’")
        + ["l'", "d'", "qu'", "jusqu'", " l'", "!l'", ". ", "fin.Puis", "''"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(PLAIN_TEXT, TEXT, st.text(max_size=80)), st.booleans())
@example("' ¶ l'État. . ! d'aujourd'hui", True)
@example("¶ . ¶x. ¶ ' . y", True)
@example("fin!l'État?d'un", True)
@example("Le roi part. Il revient à Fès! Fin", True)  # one space a word, none a break
@example("Le roi  part.Il revient", True)  # not so: the places found word by word
def test_plain_folding_paths_equal_the_reference_folding(text, sentences):
    """The tokens made by whole-text substitutions (the plain path of fold_tokens, and
    FoldedWords, the matcher's tokens with their spans found when asked) are the reference's."""
    reference = reference_tokens(text, sentences)
    folded = FoldedWords(text, sentences)
    assert folded.words == [token for token, _, _ in reference]
    assert folded.spans() == [(start, end) for _, start, end in reference]
    fast = fold_tokens(text, sentences)
    assert fast is None or fast == reference


def test_ordinary_press_text_takes_the_fast_folding_path():
    for text in ("Puis fin. Et l'État d'aujourd'hui", "السِّيادة الرقمية للمغرب", "Cloud 2026 !"):
        assert fold_tokens(text, True) is not None, text


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, st.text(max_size=80)))
@example("l'État d'aujourd'hui 'l'x d'l'y l' ـ السِّيادة fin.Puis ﬁn ½")
def test_whole_text_folding_equals_the_reference_folding(text):
    assert fold_text(text) == normalize_with_offsets(text)[0]


ARABIC_WORDS = st.lists(
    st.sampled_from(
        ["والمغرب", "المغرب", "وزارة", "آلة", "ألف", "إلى", "و", "ال", "بال", "cloud", "l'État"]
    ),
    max_size=12,
).map(" ".join)


@settings(max_examples=400)
@given(st.one_of(TEXT, ARABIC_WORDS, st.text(max_size=80)))
def test_shingles_are_the_word_trigrams_of_the_folded_text(text):
    tokens = [_light_stem(t) for t in normalize(text).split(" ") if t]
    expected = {" ".join(tokens[i : i + 3]) for i in range(len(tokens) - 2)}
    if 0 < len(tokens) < 3:
        expected = {" ".join(tokens)}
    assert shingles(text) == expected


@settings(max_examples=400)
@given(st.one_of(TEXT, ARABIC_WORDS, st.text(max_size=80)))
def test_the_fingerprint_hashes_the_shingles_encoded(text):
    """The fingerprint joins its shingles from the words' bytes: the same bytes as each
    shingle encoded (tests/test_fingerprint_scheme.py checks the signatures)."""
    assert _encoded_shingles(text) == {gram.encode("utf-8") for gram in shingles(text)}
