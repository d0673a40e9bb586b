"""What a change of a watchlist made in the reader did is said in the page's language, on the
page that says it was saved and in the list of the latest changes: « Enregistré : create
cloud », « تم الحفظ : pause cloud » gave the file's English word on French and Arabic pages.
Through `veille serve`, as a user starts it (the changes live in the watchlists file)."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request

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


def _fields(page: str) -> tuple[dict, str]:
    """A form's fields as the page filled them, and its token."""
    fields = {
        k: html.unescape(v) for k, v in re.findall(r'<input[^>]*name="(\w+)" value="([^"]*)"', page)
    }
    textareas = re.findall(r'(?s)<textarea[^>]*name="(\w+)"[^>]*>(.*?)</textarea>', page)
    fields |= {k: html.unescape(v) for k, v in textareas}
    fields.pop("paused", None)
    return fields, fields.pop("form_token")


def _heading(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found, page[-1500:]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found[1])).strip()


def _file_token(client: FormClient, base: str) -> tuple[str, str]:
    status, page = client.get(base + "/watchlists/")
    assert status == 200
    return (
        re.search(r'name="file_token" value="([^"]+)"', page)[1],
        re.search(r'name="form_token" value="([^"]+)"', page)[1],
    )


def test_what_a_change_did_is_said_in_the_pages_language(tmp_path):
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(RULES, encoding="utf-8")
    store.open_database(tmp_path / "v.db").close()
    french, english, arabic = (
        FormClient({"Accept-Language": language}) for language in ("fr", "en", "ar")
    )
    with serving(tmp_path / "v.db", watchlists=watchlists) as base:
        status, page = french.get(base + "/new-watchlist?q=cloud")
        fields, token = _fields(page)
        status, page = french.post(base + "/new-watchlist", fields | {"action": "preview"}, token)
        fields, token = _fields(page)
        status, page = french.post(base + "/new-watchlist", fields | {"action": "save"}, token)
        assert status == 200 and _heading(page) == "Enregistré : création cloud"
        # no daemon runs here: said in the page's language, not in the daemon module's English
        said = html.unescape(page)
        assert "Aucun démon ne tourne sur cette base" in said and "veille.pid absent" in said
        assert "missing or stale" not in said

        file_token, token = _file_token(english, base)
        status, page = english.post(
            base + "/watchlists/cloud/pause", {"file_token": file_token}, token
        )
        assert status == 200 and _heading(page) == "Saved: paused cloud"
        assert "missing, or left by a daemon that stopped" in html.unescape(page)

        file_token, token = _file_token(arabic, base)
        status, page = arabic.post(
            base + "/watchlists/cloud/resume", {"file_token": file_token}, token
        )
        assert status == 200 and _heading(page) == "تم الحفظ: استئناف cloud"
        said = html.unescape(page)
        assert "غير موجود أو تركه برنامج خادم متوقف" in said and "missing or stale" not in said

        for client, words in (
            (french, ["reprise cloud", "mise en pause cloud", "création cloud"]),
            (english, ["resumed cloud", "paused cloud", "created cloud"]),
            (arabic, ["استئناف cloud", "إيقاف مؤقت cloud", "إنشاء cloud"]),
        ):
            status, page = client.get(base + "/watchlists/")
            summaries = re.findall(r"<summary>(.*?)</summary>", page, re.S)
            said = [
                re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", s)).split(" · ")[-1].strip()
                for s in summaries
            ]
            assert said == words, said


def test_a_pause_opened_in_the_browser_is_said_refused_not_missing(tmp_path):
    """The address of a watchlist's pause or resume button opened as a page (GET) answers 405
    under the « refused » heading, as the triage's address does: it said « Introuvable » (not
    found) of a watchlist that is there."""
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(RULES, encoding="utf-8")
    store.open_database(tmp_path / "v.db").close()
    with serving(tmp_path / "v.db", watchlists=watchlists) as base:
        for lang, heading in (("fr", "Refusé"), ("en", "Refused"), ("ar", "مرفوض")):
            client = FormClient({"Accept-Language": lang})
            for path in ("/triage", "/watchlists/um6p/pause", "/watchlists/um6p/resume"):
                status, page = client.get(base + path)
                assert status == 405 and _heading(page) == heading, (lang, path, _heading(page))
        # A 405 says which methods the address takes (RFC 9110, 15.5.6), as /triage's does.
        for path in ("/triage", "/watchlists/um6p/pause", "/watchlists/um6p/resume"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + path, timeout=30)  # noqa: S310 (loopback)
            assert refused.value.code == 405
            assert refused.value.headers.get("Allow") == "POST", path
