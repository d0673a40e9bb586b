"""The reader's rule test (a watchlist's page, the editor's preview) on a pasted text, for a
watchlist limited to some languages: the text is read in the language a crawl would give it, so
a French text matches a watchlist of French articles; a text in another language is said to be
one, with the languages the watchlist takes. A pasted text had no language: it never matched
such a watchlist, and the page said « Cette veille ne retient pas ce texte. » and nothing else.
Through `veille serve`, as a user starts it (the rule test reads nothing stored)."""

from __future__ import annotations

import re

import pytest

from crawler.storage import store

from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # a real veille serve

RULES = """\
watchlists:
  - name: ia-souverainete
    title: IA et souveraineté
    query: '"intelligence artificielle" NEAR/8 souverain*'
    languages: [fr, en]
"""

FRENCH = (
    "Le gouvernement veut une intelligence artificielle souveraine : les données des "
    "administrations seront traitées au Maroc, a déclaré la ministre devant les opérateurs."
)
ARABIC = "أعلنت الوزارة أن الذكاء الاصطناعي السيادي أولوية وطنية، وأن المعطيات ستعالج في المغرب."


def _trial(page: str) -> str:
    found = re.search(r'<div class="card" id="trial">(.*?)</div>', page, re.S)
    assert found, page[-1500:]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[1])).strip()


def test_a_pasted_text_is_tested_in_its_language(tmp_path):
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(RULES, encoding="utf-8")
    store.open_database(tmp_path / "v.db").close()
    client = FormClient()
    with serving(tmp_path / "v.db", watchlists=watchlists) as base:
        page_url = base + "/watchlists/ia-souverainete"
        status, page = client.post(page_url, {"text": FRENCH})
        assert status == 200 and _trial(page).startswith("Retenu par cette veille"), _trial(page)

        edit_url = base + "/watchlists/ia-souverainete/edit"
        status, form = client.get(edit_url)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
        fields.pop("form_token")
        fields |= {"name": "ia-souverainete", "title": "IA et souveraineté", "days": "30"}
        fields |= {"query": '"intelligence artificielle" NEAR/8 souverain*'}
        fields |= {"languages": "fr, en", "text": FRENCH, "action": "preview"}
        status, page = client.post(edit_url, fields)
        assert status == 200 and _trial(page).startswith("Retenu par cette veille"), _trial(page)

        status, page = client.post(page_url, {"text": ARABIC})
        assert _trial(page) == (
            "Cette veille ne retient pas ce texte. Elle ne retient que les articles en fr, en ; "
            "ce texte est lu en ar."
        )
        status, page = client.post(page_url + "?lang=en", {"text": ARABIC})
        assert _trial(page) == (
            "This watchlist does not match this text. It matches only articles in fr, en; "
            "this text reads as ar."
        )
        status, page = client.post(page_url + "?lang=ar", {"text": ARABIC})
        assert _trial(page) == (
            "هذا الرصد لا يرصد هذا النص. لا يرصد إلا المقالات باللغات: fr، en؛ لغة هذا النص: ar."
        )
