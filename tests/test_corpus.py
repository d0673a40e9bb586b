"""Every watchlist of the corpus against every article of the corpus: 66 short articles in
French, Arabic, English and Spanish, each with the exact set of watchlists it must match."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitors.rules.matcher import ArticleText, Matcher
from monitors.service.watchlists import load_watchlists

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
ARTICLES = yaml.safe_load((CORPUS / "articles.yaml").read_text(encoding="utf-8"))
RULES = load_watchlists(CORPUS / "watchlists.yaml").rules
MATCHER = Matcher.for_rules(RULES)


def test_corpus_is_large_and_multilingual():
    assert len(ARTICLES) >= 60
    assert {a["lang"] for a in ARTICLES} == {"fr", "ar", "en", "es"}
    names = {w.name for w in RULES.watchlists}
    for article in ARTICLES:
        assert set(article["expect"]) <= names, article["id"]
    assert all(any(w in a["expect"] for a in ARTICLES) for w in names)  # each rule has positives


@pytest.mark.parametrize("article", ARTICLES, ids=[a["id"] for a in ARTICLES])
def test_article_matches_exactly_its_expected_watchlists(article):
    text = ArticleText(article["title"], article["text"], article["lang"], "corpus")
    matched = sorted(r.watchlist for r in MATCHER.match(text))
    assert matched == sorted(article["expect"])


def test_each_match_explains_terms_and_highlights_them():
    by_id = {a["id"]: a for a in ARTICLES}
    (result,) = MATCHER.match(ArticleText(by_id["fr8"]["title"], by_id["fr8"]["text"], "fr"))
    assert result.terms == ["Amal El Fallah Seghrouchni"]
    (hit,) = result.hits
    assert by_id["fr8"]["text"][hit.start : hit.end] == "Amal El Fallah Seghrouchny"  # fuzzy
    assert "**Amal El Fallah Seghrouchny**" in result.snippet

    (near,) = MATCHER.match(ArticleText(by_id["fr15"]["title"], by_id["fr15"]["text"], "fr"))
    assert {h.term for h in near.hits} == {"IA", "souveraineté"}
    assert "**IA** renforce la **souveraineté**" in near.snippet
