from monitors.rules.matcher import ArticleText, Matcher, make_snippet
from monitors.rules.watchlists import Watchlist

SOUVERAINETE = Watchlist(
    "souverainete-numerique",
    "Souveraineté numérique",
    ("souveraineté numérique", "السيادة الرقمية", "digital sovereignty", "soberanía digital"),
)
MINISTRE = Watchlist(
    "ministre",
    "Ministre",
    ("Amal El Fallah Seghrouchni", "Amal El Fellah Seghrouchni", "أمل الفلاح السغروشني"),
)
UM6P = Watchlist("um6p", "UM6P", ("UM6P",), require=(("supercalculateur", "supercomputer"),))
FILTERED = Watchlist("ar-only", "AR", ("المغرب",), languages=("ar",), sources=("alkhabar",))
EXCLUDING = Watchlist("cloud", "Cloud", ("cloud",), exclude=("publireportage",))


def names(text: str, title: str = "", **kw) -> list[str]:
    matcher = Matcher([SOUVERAINETE, MINISTRE, UM6P, FILTERED, EXCLUDING])
    return [r.watchlist for r in matcher.match(ArticleText(title, text, **kw))]


def test_accent_and_case_insensitive_phrase():
    assert names("la SOUVERAINETE numerique du pays") == ["souverainete-numerique"]


def test_phrase_needs_its_words_together_and_whole():
    assert names("la souveraineté du numérique") == []
    assert names("les souverainetés numériques") == ["souverainete-numerique"]  # plurals fold
    assert names("la souveraineté numérisée") == []  # an accented near-miss does not


def test_title_alone_matches():
    assert names("rien ici", title="Souveraineté numérique : le plan") == ["souverainete-numerique"]


def test_arabic_with_diacritics_and_proclitics():
    assert names("تعزيز بالسِّيادة الرقمية في المغرب") == ["souverainete-numerique"]
    assert names("دعما للسيادة الرقمية") == ["souverainete-numerique"]
    assert names("السيادة الرقميات") == []


def test_person_spelling_variants():
    assert names("selon Amal El Fellah-Seghrouchni, ministre") == ["ministre"]
    assert names("قالت أمل الفلاح السغروشني") == ["ministre"]
    assert names("Amal El Fallah a parlé") == []


def test_require_group_is_an_and():
    assert names("L'UM6P inaugure un supercalculateur") == ["um6p"]
    assert names("L'UM6P inaugure un campus") == []
    assert names("un supercalculateur à Rabat") == []


def test_language_and_source_filters():
    assert names("المغرب", language="ar", source="alkhabar") == ["ar-only"]
    assert names("المغرب", language="ar", source="other") == []
    assert names("المغرب", language="fr", source="alkhabar") == []


def test_exclude_vetoes():
    assert names("le cloud marocain") == ["cloud"]
    assert names("le cloud marocain — publireportage") == []


def test_match_explains_terms_and_snippet():
    (result,) = Matcher([MINISTRE]).match(
        ArticleText("Titre", "Hier à Rabat, la ministre Amal El Fallah Seghrouchni a parlé.")
    )
    assert result.terms == ["Amal El Fallah Seghrouchni"]
    assert "**Amal El Fallah Seghrouchni**" in result.snippet
    assert result.hits[0].field == "text"


def test_snippet_is_bounded_and_marks_cuts():
    text = "mot " * 200 + "CIBLE" + " mot" * 200
    start = text.index("CIBLE")
    snippet = make_snippet(text, start, start + 5)
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "**CIBLE**" in snippet and len(snippet) < 300


def test_remembered_stems_stay_bounded_and_give_the_same_matches(monkeypatch):
    """The matcher remembers each token's stem; past STEMS_KEPT tokens it forgets them all, and
    matches stay what they were."""
    from monitors.rules import matcher as matching

    text = "Les souverainetés numériques " + " ".join(f"mot{n}" for n in range(50))
    before = Matcher([SOUVERAINETE]).match(ArticleText("", text))
    monkeypatch.setattr(matching, "STEMS_KEPT", 20)
    matching._STEMS.clear()
    after = Matcher([SOUVERAINETE]).match(ArticleText("", text))
    assert len(matching._STEMS) <= 20
    assert after == before and [r.watchlist for r in after] == ["souverainete-numerique"]
    assert after[0].hits[0].start == text.index("souverainetés")


def _reference_snippet(text, start, end, radius=110, marks=None):
    """make_snippet as it was written first (one general path), kept to compare with."""
    left = max(0, start - radius)
    right = min(len(text), end + radius)
    if left > 0:
        space = text.find(" ", left)
        left = space + 1 if 0 <= space < start else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space > end else right
    spans = sorted({(s, e) for s, e in (marks or [(start, end)]) if s >= left and e <= right})
    pieces, cursor = [], left
    for s, e in spans:
        if s < cursor:
            continue
        pieces += [text[cursor:s], f"**{text[s:e]}**"]
        cursor = e
    pieces.append(text[cursor:right])
    snippet = " ".join("".join(pieces).split())
    return ("… " if left > 0 else "") + snippet + (" …" if right < len(text) else "")


def test_snippets_are_the_reference_ones():
    """make_snippet's one-mark path and its general one give what the first, general code gave:
    windows at both ends and in the middle, no space near the match, whitespace runs, newlines
    and tabs, marks outside the window, overlapping and repeated marks, no marks at all."""
    import random

    rng = random.Random(5)
    words = ["mot", "CIBLE", "x", "numérique", "رقمي", " ", "\n\n", "\t", "  ", "\xa0", "a" * 130]
    for _ in range(3_000):
        pool = words if rng.random() < 0.5 else words[:6]  # half with single spaces only
        text = "".join(rng.choice(pool) + rng.choice(["", " ", " "]) for _ in range(80))
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.randint(0, 12))
        radius = rng.choice([0, 1, 7, 110])
        count = rng.choice([0, 1, 1, 2, 5])
        marks = [
            (s, min(len(text), s + rng.randint(0, 9)))
            for s in rng.choices(range(len(text)), k=count)
        ]
        if rng.random() < 0.5 and marks:
            marks[0] = (start, end)
        for given in (marks, marks or None):
            assert make_snippet(text, start, end, radius, given) == _reference_snippet(
                text, start, end, radius, given
            )


def test_term_watchlists_match_as_their_expression_does():
    """A watchlist of terms alone (one term, or terms any of which will do) has its hits read
    without walking its expression: the same matches, hits and snippets as the walk gives, with
    terms limited to a field (title:), watchlists limited to the title, phrases, prefixes and
    terms found in both fields."""
    from monitors.rules.query import parse_query

    watchlists = [
        Watchlist("one", "One", ("cloud",)),
        Watchlist("any", "Any", ("cloud", "souveraineté numérique", "données")),
        Watchlist("titled", "Titled", ("cloud", "données"), fields=("title",)),
        Watchlist("query", "Query", query=parse_query("title:cloud OR numéri* OR données")),
        Watchlist("twice", "Twice", ("cloud", "données"), min_mentions=2),
        Watchlist("numeric", "Numeric", ("numérique",)),
        Watchlist("cloud-twice", "Cloud twice", ("cloud",), min_mentions=2),
    ]
    articles = [
        ArticleText("Le cloud national", "Les données du cloud. La souveraineté numérique."),
        ArticleText("Données publiques", "Rien sur le sujet, sinon le numérique."),
        ArticleText("Sans rapport", "Un cloud, des données, un CLOUD."),
        ArticleText("", ""),
    ]
    matcher = Matcher(watchlists)
    assert all(c.terms is not None for c in matcher._compiled)
    # One term in both fields, one mention enough: its places read as they are.
    assert [c.watchlist.name for c in matcher._compiled if c.single] == ["one", "numeric"]
    fast = [matcher.match(a) for a in articles]
    for compiled in matcher._compiled:
        compiled.terms = compiled.single = None
    walked = [matcher.match(a) for a in articles]
    assert fast == walked
    assert {r.watchlist for results in fast for r in results} == {w.name for w in watchlists}
    # One place is not two mentions; one place's match is cut around it and marks it.
    assert [r.watchlist for r in fast[1]] == ["any", "titled", "query", "numeric"]
    assert fast[1][0].snippet == "**Données** publiques"
    assert [(h.field, h.start, h.end) for h in fast[1][0].hits] == [("title", 0, 7)]
