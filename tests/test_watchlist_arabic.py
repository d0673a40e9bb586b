"""The watchlist-editing pages (monitors.web.editing) speak the page's language, Arabic included
and laid out right to left: every word has its Arabic, and the refusals (a stale file's 409, an
invalid rule's 422) are said in the page's language around the loader's own text. Over HTTP on
127.0.0.1 (no browser)."""

from __future__ import annotations

import string

import pytest

from monitors.web.editing import LABELS
from monitors.web.i18n_editing import EDITING_ARABIC

from .reader_client import FormClient
from .test_watchlist_pages import db, form_values, watchlists, web  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_word_of_the_editing_pages_has_its_arabic():
    """A word added in French and English without its Arabic would show in English on the
    Arabic pages (add_editing_arabic falls back to it): none today, and each translation keeps
    the placeholders its message is formatted with."""
    assert set(LABELS["fr"]) == set(LABELS["en"]) == set(LABELS["ar"])
    assert set(LABELS["fr"]) - set(EDITING_ARABIC) == set()
    for key, english in LABELS["en"].items():
        assert placeholders(LABELS["fr"][key]) == placeholders(english), key
        assert placeholders(EDITING_ARABIC[key]) == placeholders(english), key


def test_the_watchlists_page_in_arabic_is_right_to_left_with_arabic_words(web):  # noqa: F811
    status, page = FormClient({"Accept-Language": "ar"}).get(f"{web}/watchlists/")
    assert status == 200
    assert '<html lang="ar" dir="rtl">' in page
    for word in ("عمليات الرصد", "رصد جديد", "تعديل", "إيقاف مؤقت", "حذف"):
        assert word in page, word
    for english in (">Watchlists<", ">New watchlist<", ">Pause<", ">Delete<"):
        assert english not in page, english


SAID = {
    "ar": ("لم يُحفظ: تغيّر الملف watchlists.yaml", "رُفض التعديل", "إعادة فتح النموذج"),
    "fr": ("non enregistré : watchlists.yaml a changé sur le disque", "Modification refusée"),
    "en": ("not saved: watchlists.yaml changed on disk", "Change refused"),
}


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_a_stale_edit_is_refused_in_the_pages_language(web, watchlists, lang):  # noqa: F811
    client = FormClient({"Accept-Language": lang})
    _, form = client.get(f"{web}/watchlists/dell-maroc/edit")
    fields = {"title": "Dell au Maroc", "query": "", "notify": "email-equipe"}
    status, preview = client.post(
        f"{web}/watchlists/dell-maroc/edit", {**fields, **form_values(form)}
    )
    assert status == 200, preview[-1500:]
    by_hand = watchlists.read_text(encoding="utf-8") + "# ajouté à la main\n"
    watchlists.write_text(by_hand, encoding="utf-8")
    status, refused = client.post(
        f"{web}/watchlists/dell-maroc/edit", {**fields, **form_values(preview), "action": "save"}
    )
    assert status == 409
    for words in SAID[lang]:
        assert words in refused, words
    others = [SAID[other][0] for other in SAID if other != lang]
    assert not any(words in refused for words in others)
    assert watchlists.read_text(encoding="utf-8") == by_hand


def test_an_invalid_rule_is_refused_in_arabic_around_the_loaders_text(web, watchlists):  # noqa: F811
    client = FormClient({"Accept-Language": "ar"})
    _, form = client.get(f"{web}/new-watchlist")
    status, page = client.post(
        f"{web}/new-watchlist",
        {"name": "cassee", "query": '"cloud OR (', **form_values(form), "action": "preview"},
    )
    assert status == 422
    assert "لم يُحفظ، لأن الملف سيصبح غير صالح: " in page
    assert f"{watchlists}:" in page  # the loader's file and line, as they are
    # the query's problem and its place in the query in Arabic (they were in English)
    assert ": الاستعلام: علامة تنصيص غير مغلقة (انظر docs/watch-rules.md" in page
    assert "not saved, the file would be invalid" not in page and "unclosed quote" not in page
