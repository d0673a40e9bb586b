"""A search in Arabic saved as a watchlist opens the form with no name (a name is ASCII: the
form asks for one); its preview said so in English on French and Arabic pages (« watchlist name
'' is missing or invalid (fix: use lowercase letters… »). It is said in the page's language,
the file and line kept as they are; so is a watchlist saved with nothing to look for (no query,
terms nor entities), one filtering on a source the sources file does not have, using an
entity the file does not define, or limited to a language that is no code, said in English too. Through `veille serve`, as a user starts it (the
watchlists file is checked, nothing stored is read)."""

from __future__ import annotations

import contextlib
import html
import os
import re
import urllib.parse

import pytest

from crawler.storage import store

from .conftest import suite_environment
from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # a real veille serve

RULES = """\
watchlists:
  - name: um6p
    title: UM6P
    terms: [UM6P]
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The watchlists file of RULES and one `veille serve` on an empty database, for every
    test of the module (a start costs about 1.3 CPU-s): each test's forms are refused, nothing
    is written."""
    folder = tmp_path_factory.mktemp("names")
    watchlists = folder / "watchlists.yaml"
    watchlists.write_text(RULES, encoding="utf-8")
    store.open_database(folder / "v.db").close()
    env = os.environ | suite_environment(tmp_path_factory)
    with serving(folder / "v.db", watchlists=watchlists, env=env) as base:
        yield watchlists, contextlib.nullcontext(base)


SAID = {
    "fr": "nom de veille '' absent ou invalide (à corriger : des lettres minuscules, des "
    "chiffres, - ou _, par exemple 'souverainete-numerique')",
    "ar": "اسم الرصد '' غير موجود أو غير صالح (للتصحيح: حروف لاتينية صغيرة أو أرقام أو - أو _، "
    "مثلا 'souverainete-numerique')",
    "en": "watchlist name '' is missing or invalid (fix: use lowercase letters, digits, '-' or "
    "'_', e.g. 'souverainete-numerique')",
}


def test_a_search_in_arabic_saved_as_a_watchlist_asks_for_a_name_in_the_pages_language(
    served,
):
    watchlists, server = served
    query = urllib.parse.urlencode({"q": '"السيادة الرقمية"'})
    with server as base:
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


def test_a_watchlist_with_nothing_to_look_for_is_refused_in_the_pages_language(served):
    watchlists, server = served
    with server as base:
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


# (the form's fields, French, Arabic): what the file check says of each, after its file and line
REFUSED = [
    (
        {"query": "cloud", "sources": "nope-source"},
        "la veille 'autre' filtre sur une source inconnue 'nope-source' (à corriger : prenez un "
        "nom de source du fichier des sources : ",
        "الرصد 'autre' يقتصر على مصدر غير معروف 'nope-source' (للتصحيح: استعمل اسم مصدر من ملف "
        "المصادر: ",
    ),
    (
        {"query": "@nope"},
        "la veille 'autre' utilise une entité inconnue 'nope' (à corriger : définissez-la sous "
        "« entities: » (connues : aucune))",
        "الرصد 'autre' يستعمل كيانا غير معروف 'nope' (للتصحيح: عرّفه تحت « entities: » "
        "(المعروفة: لا شيء))",
    ),
    (
        {"query": "cloud", "languages": "xx"},
        "la langue 'xx' n'est pas un code de langue (ISO 639-1) (à corriger : écrivez une liste "
        "comme [fr, ar, en, es])",
        "اللغة 'xx' ليست رمز لغة (ISO 639-1) (للتصحيح: اكتب قائمة مثل [fr, ar, en, es])",
    ),
    (
        {"query": "cloud", "languages": "français"},
        "la langue 'français' n'est pas un code que portent les articles (à corriger : écrivez "
        "des codes de deux lettres (ISO 639-1) comme [fr, ar, en, es])",
        "اللغة 'français' ليست رمزا تحمله المقالات (للتصحيح: اكتب رموزا من حرفين (ISO 639-1) "
        "مثل [fr, ar, en, es])",
    ),
    (
        {"query": "cloud", "languages": "zgh"},
        "la langue 'zgh' est une langue amazighe que l'identification de la langue ne nomme "
        "pas : aucun article ne la porte (à corriger : retirez-la des langues (le kabyle est "
        "'kab'))",
        "اللغة 'zgh' لغة أمازيغية لا يسمّيها مُعرّف اللغة: لا يحملها أي مقال (للتصحيح: احذفها "
        "من اللغات (القبائلية هي 'kab'))",
    ),
    (
        {"query": "cloud", "languages": "fr-MA"},
        "la langue 'fr-MA' n'est pas un code que portent les articles (à corriger : écrivez "
        "'fr', sans la région : les articles n'en portent pas)",
        "اللغة 'fr-MA' ليست رمزا تحمله المقالات (للتصحيح: اكتب 'fr' بلا المنطقة: لا تحملها "
        "المقالات)",
    ),
    (
        {"query": "cloud", "languages": "FR"},
        "la langue 'FR' n'est pas un code que portent les articles (à corriger : écrivez 'fr', "
        "en minuscules)",
        "اللغة 'FR' ليست رمزا تحمله المقالات (للتصحيح: اكتب 'fr' بحروف صغيرة)",
    ),
    (
        {"query": "cloud", "languages": "ara"},
        "la langue 'ara' n'est pas un code que portent les articles (à corriger : écrivez 'ar', "
        "le code de deux lettres (ISO 639-1))",
        "اللغة 'ara' ليست رمزا تحمله المقالات (للتصحيح: اكتب 'ar'، الرمز ذا الحرفين (ISO 639-1))",
    ),
]


@pytest.mark.parametrize("fields, french, arabic", REFUSED)
def test_a_watchlists_other_refusals_are_in_the_pages_language(served, fields, french, arabic):
    watchlists, server = served
    with server as base:
        for lang, said in (("fr", french), ("ar", arabic)):
            client = FormClient({"Accept-Language": lang})
            status, page = client.get(f"{base}/new-watchlist")
            form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
            token = form.pop("form_token")
            form |= {"name": "autre", "title": "Autre", "days": "30", "action": "preview"}
            status, page = client.post(base + "/new-watchlist", form | fields, token)
            error = re.search(r'<p class="bad error-text" id="error">(.*?)</p>', page, re.S)
            assert status == 422 and error, page[-2000:]
            assert said in html.unescape(error[1]), (lang, html.unescape(error[1]))
