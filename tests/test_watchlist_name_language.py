"""A search in Arabic saved as a watchlist opens the form with no name (a name is ASCII: the
form asks for one); its preview said so in English on French and Arabic pages (« watchlist name
'' is missing or invalid (fix: use lowercase letters… »). It is said in the page's language,
the file and line kept as they are; so is a watchlist saved with nothing to look for (no query,
terms nor entities), said in English too. Through `veille serve`, as a user starts it (the
watchlists file is checked, nothing stored is read)."""

from __future__ import annotations

import html
import re
import urllib.parse

import pytest

from crawler.storage import store

from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # a real veille serve

RULES = """\
watchlists:
  - name: um6p
    title: UM6P
    terms: [UM6P]
"""
SAID = {
    "fr": "nom de veille '' absent ou invalide (à corriger : des lettres minuscules, des "
    "chiffres, - ou _, par exemple 'souverainete-numerique')",
    "ar": "اسم الرصد '' غير موجود أو غير صالح (للتصحيح: حروف لاتينية صغيرة أو أرقام أو - أو _، "
    "مثلا 'souverainete-numerique')",
    "en": "watchlist name '' is missing or invalid (fix: use lowercase letters, digits, '-' or "
    "'_', e.g. 'souverainete-numerique')",
}


def test_a_search_in_arabic_saved_as_a_watchlist_asks_for_a_name_in_the_pages_language(
    tmp_path,
):
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(RULES, encoding="utf-8")
    store.open_database(tmp_path / "v.db").close()
    query = urllib.parse.urlencode({"q": '"السيادة الرقمية"'})
    with serving(tmp_path / "v.db", watchlists=watchlists) as base:
        for lang, said in SAID.items():
            client = FormClient({"Accept-Language": lang})
            status, page = client.get(f"{base}/new-watchlist?{query}")
            fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
            token = fields.pop("form_token")
            found = re.search(r'name="title" value="([^"]*)"', page)
            fields |= {"name": "", "title": html.unescape(found[1]), "action": "preview"}
            fields |= {"query": '"السيادة الرقمية"', "days": "30"}
            status, page = client.post(base + "/new-watchlist", fields, token)
            error = re.search(r'<p class="bad error-text" id="error">(.*?)</p>', page, re.S)
            assert status == 422 and error, page[-2000:]
            colon = " : " if lang == "fr" else ": "  # the file and line, then the problem
            assert html.unescape(error[1]).strip().endswith(f"{watchlists}:5{colon}{said}")


NOTHING = {
    "fr": "la veille 'vide' n'a ni requête, ni termes, ni entités (à corriger : donnez-lui au "
    "moins l'un des trois)",
    "ar": "الرصد 'vide' بلا استعلام ولا كلمات ولا كيانات (للتصحيح: أعطه واحدا منها على الأقل)",
    "en": "watchlist 'vide' has no 'query', 'terms' or 'entities' (fix: give at least one of them)",
}


def test_a_watchlist_with_nothing_to_look_for_is_refused_in_the_pages_language(tmp_path):
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(RULES, encoding="utf-8")
    store.open_database(tmp_path / "v.db").close()
    with serving(tmp_path / "v.db", watchlists=watchlists) as base:
        for lang, said in NOTHING.items():
            client = FormClient({"Accept-Language": lang})
            status, page = client.get(f"{base}/new-watchlist")
            fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
            token = fields.pop("form_token")
            fields |= {"name": "vide", "title": "Vide", "query": "", "days": "30"}
            status, page = client.post(base + "/new-watchlist", fields, token)
            error = re.search(r'<p class="bad error-text" id="error">(.*?)</p>', page, re.S)
            assert status == 422 and error, page[-2000:]
            colon = " : " if lang == "fr" else ": "
            assert html.unescape(error[1]).strip().endswith(f"{watchlists}:5{colon}{said}"), (
                html.unescape(error[1])
            )
