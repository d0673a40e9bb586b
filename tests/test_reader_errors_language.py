"""The errors the reader's pages show of a query, a search day, an account form or an alert's
signed link are in the page's language, French or Arabic, with what the user needs to fix them
(the character, the word, the day, the address as typed); they came in English from the parser
and the checks.
Through `veille serve` on SQLite and PostgreSQL, as a user starts it."""

from __future__ import annotations

import base64
import contextlib
import html
import os
import re
import urllib.parse

import pytest

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.people import accounts

from .conftest import database_from, suite_environment
from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

PASSWORD = "mot de passe de salma"

# (query, since, French, Arabic): each error as the page must say it
SEARCHES = [
    ('"souveraineté', "", "requête : guillemet non fermé (au caractère 1)",
     "الاستعلام: علامة تنصيص غير مغلقة (عند الحرف 1)"),
    ("cloud AND", "",
     "requête : attendu : un terme, une expression entre guillemets, « ( » ou @entité ; "
     "trouvé : la fin de la requête (au caractère 10)",
     "الاستعلام: المتوقع: كلمة أو عبارة بين علامتي تنصيص أو « ( » أو ‎@كيان؛ "
     "الموجود: نهاية الاستعلام (عند الحرف 10)"),
    ("(cloud", "",
     "requête : attendu : « ) » pour fermer la « ( » du caractère 1 ; trouvé : la fin de la "
     "requête (au caractère 7)",
     "الاستعلام: المتوقع: « ) » لإغلاق « ( » عند الحرف 1؛ الموجود: نهاية الاستعلام (عند الحرف 7)"),
    ("nu*", "", "requête : un préfixe demande au moins 3 lettres avant « * » (au caractère 1)",
     "الاستعلام: تحتاج البادئة إلى 3 حروف على الأقل قبل « * » (عند الحرف 1)"),
    ("cloud NEAR/500 maroc", "", "requête : la distance de NEAR va de 1 à 100 (au caractère 7)",
     "الاستعلام: يجب أن تكون مسافة NEAR من 1 إلى 100 (عند الحرف 7)"),
    ("@inconnue", "",
     "entité inconnue @inconnue ; les entités viennent du fichier des veilles",
     "كيان غير معروف ‎@inconnue؛ الكيانات تأتي من ملف عمليات الرصد"),
    ("cloud", "hier", "depuis : 'hier' n'est pas une date (AAAA-MM-JJ)",
     "منذ: 'hier' ليس تاريخا (YYYY-MM-DD)"),
]  # fmt: skip


@pytest.fixture(scope="module")
def location(engine, tmp_path_factory, request):
    """The module's database on each engine: its tests only read it."""
    path = tmp_path_factory.mktemp("errors") / "v.db"
    db = store.open_database(path)
    text = "Le cloud souverain du Maroc avance, selon le ministère de la transition numérique. "
    import_records(
        db,
        [ImportRecord(line=1, url="https://example.ma/cloud", title="Le cloud au Maroc",
                      text=text * 3, published="2026-12-05T10:00:00Z", source="exemple",
                      language="fr")],
        alerts=False,
    )  # fmt: skip
    accounts.add_user(db, "salma", PASSWORD, "salma@lab.example.ma")
    db.close()
    return database_from(request, engine, path)


@pytest.fixture(scope="module")
def served(location, tmp_path_factory):
    """One `veille serve` on the module's database for its tests on that engine, which only
    read it and post what it refuses: a start costs about 1.3 CPU-s."""
    with serving(location, env=os.environ | suite_environment(tmp_path_factory)) as base:
        yield contextlib.nullcontext(base)


def shown_error(page: str) -> str:
    found = re.search(r'<p class="bad" role="alert">(.*?)</p>', page, re.S)
    assert found, page[-2000:]
    return html.unescape(found[1]).strip()


def test_search_and_account_errors_are_in_the_pages_language(served):
    value = base64.b64encode(f"salma:{PASSWORD}".encode()).decode()
    salma = FormClient({"Authorization": f"Basic {value}"})
    with served as base:
        for query, since, french, arabic in SEARCHES:
            for lang, expected in (("fr", french), ("ar", arabic)):
                address = f"{base}/search?" + urllib.parse.urlencode(
                    {"q": query, "since": since, "lang": lang}
                )
                status, page = salma.get(address)
                assert status == 200 and shown_error(page) == expected, (query, lang)
        english = f"{base}/search?" + urllib.parse.urlencode({"q": "cloud AND", "lang": "en"})
        assert shown_error(salma.get(english)[1]) == (
            "query: expected a term, a quoted phrase, '(' or @entity, found the end of the query "
            "(at character 10)"
        )
        for lang, expected in (
            ("fr", "'salma@example' n'est pas une adresse email (par exemple amina@example.ma)"),
            ("ar", "'salma@example' ليس عنوان بريد إلكتروني (مثلا amina@example.ma)"),
        ):
            account = f"{base}/account?lang={lang}"
            status, page = salma.post(account, {"email": "salma@example"}, salma.token(account))
            assert status == 400 and shown_error(page) == expected
            assert 'value="salma@example"' in page  # kept, to be corrected
        for lang, expected in (
            ("fr", "Ce lien n'a pas été fait par veille, ou il a été modifié."),
            ("ar", "هذا الرابط لم تصنعه veille، أو تم تغييره."),
        ):  # an alert's signed link, changed on its way
            status, page = FormClient().get(f"{base}/links/mute/abc?lang={lang}")
            found = re.search(r"<h1>.*?</h1>\s*<p>(.*?)</p>", page, re.S)
            assert status == 403 and found and found[1].strip() == expected, page[-1500:]


def test_a_page_not_found_names_what_in_the_pages_language(served):
    """A story, an article or a watchlist that is not there: the 404 page named it in English
    (« story 99999 ») on French and Arabic pages. A watchlist's says it is not in the file (a
    deleted one's page said only « Veille cloud »)."""
    expected = {
        "fr": [
            "Histoire 99999",
            "Article 99999",
            "Veille pas-une-veille : elle n'est pas (ou plus) dans le fichier des veilles, "
            "supprimée ou renommée ? Les veilles en cours sont sur la page des veilles.",
        ],
        "ar": [
            "القصة 99999",
            "المقال 99999",
            "الرصد pas-une-veille: ليس (أو لم يعد) في ملف عمليات الرصد، هل حُذف أو غُيّر اسمه؟ "
            "عمليات الرصد الحالية في صفحة عمليات الرصد.",
        ],
        "en": [
            "Story 99999",
            "Article 99999",
            "Watchlist pas-une-veille: it is not (or no longer) in the watchlists file, deleted "
            "or renamed? The current ones are on the watchlists page.",
        ],
    }
    value = base64.b64encode(f"salma:{PASSWORD}".encode()).decode()
    client = FormClient({"Authorization": f"Basic {value}"})
    with served as base:
        for lang, words in expected.items():
            for path, what in zip(
                ("/stories/99999", "/articles/99999", "/watchlists/pas-une-veille"),
                words,
                strict=True,
            ):
                status, page = client.get(f"{base}{path}?lang={lang}")
                found = re.search(r"<h1>.*?</h1>\s*<p>(.*?)</p>", page, re.S)
                assert status == 404 and found, (path, lang)
                assert html.unescape(found[1].strip()) == what, (path, lang)


def test_the_rule_tests_refusals_are_in_the_pages_language(served):
    """The rule test of a watchlist page on an address it cannot read: the fetch's and the
    address check's sentences were English on French and Arabic pages."""
    value = base64.b64encode(f"salma:{PASSWORD}".encode()).decode()
    client = FormClient({"Authorization": f"Basic {value}"})
    page_of = "/watchlists/souverainete-numerique?lang="
    expected = {
        ("fr", "ftp://exemple.ma/x"): "'ftp://exemple.ma/x' n'est pas une adresse web : donnez",
        ("ar", "ftp://exemple.ma/x"): "'ftp://exemple.ma/x' ليس عنوان ويب: أعط عنوانا مطلقا",
        ("fr", "http://127.0.0.1:9/x"): "impossible de récupérer http://127.0.0.1:9/x : ",
        ("ar", "http://127.0.0.1:9/x"): "تعذر جلب http://127.0.0.1:9/x: ",
    }
    with served as base:
        for (lang, url), words in expected.items():
            status, page = client.post(f"{base}{page_of}{lang}", {"url": url})
            found = re.search(r'<p class="bad">(.*?)</p>', page, re.S)
            assert status == 200 and found and found[1].startswith(words), (lang, url, page[-999:])


def test_a_search_page_past_the_last_leads_back_to_the_first(served):
    """A search's page past its last (an old or edited link): it said « Aucun résultat. » for a
    search that has results, with a link to the page before, as empty."""
    value = base64.b64encode(f"salma:{PASSWORD}".encode()).decode()
    client = FormClient({"Authorization": f"Basic {value}"})
    with served as base:
        status, page = client.get(f"{base}/search?q=cloud&page=7")
        assert status == 200 and "Aucun résultat." not in page
        assert (
            'Plus de résultat à cette page : la recherche en compte moins. <a href="/search?q=cloud">'
            "première page</a>" in page
        )
        status, page = client.get(f"{base}/search?q=cloud&lang=ar&page=7")
        assert 'لا مزيد من النتائج في هذه الصفحة: نتائج البحث أقل. <a href="/search?q=cloud' in page
        status, page = client.get(f"{base}/search?q=introuvable&lang=fr")
        assert status == 200 and "Aucun résultat." in page and "première page" not in page
