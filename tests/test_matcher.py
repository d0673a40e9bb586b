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
