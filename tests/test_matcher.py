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
    and tabs, marks outside the window, overlapping and repeated marks, no marks at all; and
    the same told that a text with no whitespace but single spaces is one (plain=True)."""
    import random

    rng = random.Random(5)
    words = ["mot", "CIBLE", "x", "numérique", "رقمي", " ", "\n\n", "\t", "  ", "\xa0", "a" * 130]
    told = 0
    for n in range(4_500):
        if n < 3_000:
            pool = words if rng.random() < 0.5 else words[:6]  # half with single spaces only
            text = "".join(rng.choice(pool) + rng.choice(["", " ", " "]) for _ in range(80))
        else:  # no two spaces together, a space or none at either end
            text = " ".join(rng.choice(words[:5] + words[-1:]) for _ in range(rng.randint(1, 80)))
            text = rng.choice(["", " "]) + text + rng.choice(["", " "])
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
        plain = "  " not in text and text.isprintable()  # as _Field.known_plain finds it
        for given in (marks, marks or None):
            reference = _reference_snippet(text, start, end, radius, given)
            assert make_snippet(text, start, end, radius, given) == reference
            if plain:
                assert make_snippet(text, start, end, radius, given, plain=True) == reference
                told += 1
    assert told > 1_000


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
    assert sorted(matcher._singles) == sorted({c.single[0] for c in matcher._compiled if c.single})
    for compiled in matcher._compiled:
        compiled.terms = compiled.single = None
    matcher._index()
    assert not matcher._singles
    walked = [matcher.match(a) for a in articles]
    assert fast == walked
    assert {r.watchlist for results in fast for r in results} == {w.name for w in watchlists}
    # One place is not two mentions; one place's match is cut around it and marks it.
    assert [r.watchlist for r in fast[1]] == ["any", "titled", "query", "numeric"]
    assert fast[1][0].snippet == "**Données** publiques"
    assert [(h.field, h.start, h.end) for h in fast[1][0].hits] == [("title", 0, 7)]


def _random_articles(rng, count):
    """Texts of words the matcher folds in every way: plurals, Arabic proclitics and articles,
    sentence ends, a sentence that ends a field; single-spaced, or with whitespace runs,
    newlines, elisions or harakat (texts whose words are not one space apart)."""
    words = [
        "cloud", "national", "nationaux", "entreprises", "entreprise", "companies", "État",
        "souveraineté", "numérique", "El", "Fallah", "المغرب", "والمغرب", "بالمغرب", "للمغرب",
        "الرقمية", "السيادة", "Yahoo!", "Maroc.", "fin.", "UM6P", "État souveraineté numérique",
    ]  # fmt: skip
    spaced = ["l'État", "d'abord", "بالسِّيادة", "  ", "\n\n", "\t", " \xa0"]

    def text(size):
        if rng.random() < 0.5:
            return " ".join(rng.choice(words) for _ in range(size))
        return " ".join(rng.choice(words + spaced) for _ in range(size)).strip()

    return [ArticleText(text(rng.randint(0, 6)), text(rng.randint(0, 60))) for _ in range(count)]


def test_counted_offsets_are_the_regular_expressions_spans(monkeypatch):
    """The scan counts a place's offsets in the original from those of the place found before
    it (ahead or back, one token or a phrase across a sentence break); a field not single-spaced
    reads them from its spans. Every match, hit and snippet is the same as with every field's
    offsets read from the regular expression's spans, with terms, phrases, prefixes, Arabic
    terms behind proclitics, NEAR, AND and entities."""
    import random

    from crawler.core import normalize
    from monitors.rules.query import parse_query
    from monitors.rules.watchlists import Alias, Entity

    rng = random.Random(11)
    articles = _random_articles(rng, 400)
    entities = {"fallah": Entity("fallah", "Fallah", (Alias("El Fallah"),), fuzzy=False)}
    watchlists = [
        Watchlist("cloud", "Cloud", ("cloud",)),
        Watchlist("phrase", "Phrase", ("cloud national", "entreprises nationales")),
        Watchlist("across", "Across", ("Yahoo! Maroc", "fin. cloud")),
        Watchlist("prefix", "Prefix", query=parse_query("numéri* OR entrepr*")),
        Watchlist("arabic", "Arabic", ("المغرب", "السيادة الرقمية")),
        Watchlist("near", "Near", query=parse_query("cloud NEAR/3 souveraineté")),
        Watchlist("and", "And", query=parse_query("title:cloud AND (UM6P OR numérique)")),
        Watchlist("entity", "Entity", query=parse_query("@fallah")),
        Watchlist("twice", "Twice", ("national",), min_mentions=2),
        Watchlist("long", "Long", ("l'État souveraineté numérique El Fallah",)),
        Watchlist("short", "Short", query=parse_query("numérique OR État OR fin.")),
    ]
    matcher = Matcher(watchlists, entities)
    counted = [matcher.match(a) for a in articles]
    spaced = [
        normalize.FoldedWords(f, sentences=True).single_spaced()
        for a in articles
        for f in (a.title, a.text)
        if f
    ]
    assert 0 < sum(spaced) < len(spaced)  # both ways of reading offsets were taken
    monkeypatch.setattr(normalize.FoldedWords, "single_spaced", lambda self: False)
    spans = [matcher.match(a) for a in articles]
    assert counted == spans
    found = {r.watchlist for results in counted for r in results}
    assert found == {w.name for w in watchlists}
    for article, results in zip(articles, counted, strict=True):
        for result in results:
            for hit in result.hits:
                field = article.title if hit.field == "title" else article.text
                assert field[hit.start : hit.end].strip() == field[hit.start : hit.end]


def test_watchlists_on_one_place_share_its_snippet_within_an_article_alone():
    """Watchlists found in the same place (one term, terms folded alike) get its offsets and
    snippet made once for the article; the next article, with its places at the same tokens
    and offsets, gets its own."""
    watchlists = [
        Watchlist("a", "A", ("cloud national",)),
        Watchlist("b", "B", ("Cloud nationaux",)),
        Watchlist("c", "C", ("cloud national",), fields=("text",)),
        Watchlist("d", "D", ("souveraineté",)),
    ]
    matcher = Matcher(watchlists)
    first = ArticleText("", "Le cloud national de la souveraineté à Rabat.")
    second = ArticleText("", "Le cloud national de la souveraineté à Fès..")
    for article in (first, second, first):
        results = matcher.match(article)
        assert [r.watchlist for r in results] == ["a", "b", "c", "d"]
        start = article.text.index("cloud")
        end = start + len("cloud national")
        for result in results[:3]:
            assert [(h.field, h.start, h.end) for h in result.hits] == [("text", start, end)]
            assert result.snippet == make_snippet(article.text, start, end)
        assert [h.term for r in results for h in r.hits][:3] == [
            "cloud national",
            "Cloud nationaux",
            "cloud national",
        ]
        where = article.text.index("souveraineté")
        assert results[3].snippet == make_snippet(article.text, where, where + 12)
        assert ("Rabat" in results[0].snippet) == (article is first)


def test_a_field_with_several_snippets_is_checked_for_whitespace_once():
    """A field's second snippet takes the field's own check for whitespace runs (its first
    checks its window): a field with a newline, a tab or two spaces anywhere has every snippet
    made one-spaced as make_snippet makes it, a field with none the same snippets."""
    terms = ("alpha", "beta", "gamma", "delta")
    matcher = Matcher([Watchlist(t, t, (t,)) for t in terms])
    filler = " ".join(f"mot{n}" for n in range(40))
    for gap in (" ", "\n\n", "\t", "  ", " \xa0"):
        text = f"alpha {filler} beta {filler}{gap}gamma {filler} delta"
        results = matcher.match(ArticleText("", text))
        assert [r.watchlist for r in results] == list(terms)
        for result, term in zip(results, terms, strict=True):
            start = text.index(term)
            assert result.snippet == _reference_snippet(text, start, start + len(term))
