"""Watchlist editing in a real browser (headless chromium over DevTools): a search saved as a
watchlist lands in the YAML file with its comments intact, an edit of a file changed on disk
is refused, a form posted by another site's page is refused; a screenshot of each new page
goes to test-artifacts/."""

from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

import pytest

from monitors.service.watchlists import load_watchlists
from monitors.web.app import ReaderConfig, create_app

from .cdp import Browser
from .reader_client import WATCHLISTS, running
from .test_reader_guard import make_db

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser-editing")


@pytest.fixture(scope="module")
def watchlists(folder) -> Path:
    path = folder / "watchlists.yaml"
    shutil.copy(WATCHLISTS, path)
    return path


@pytest.fixture(scope="module")
def web(folder, watchlists):
    config = ReaderConfig(db=make_db(folder), watchlists=watchlists, raw_data=False)
    with running(create_app(config)) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    opened = Browser()
    yield opened
    opened.close()


def test_a_search_saved_as_a_watchlist_lands_in_the_file_with_its_comments(
    browser, web, watchlists
):
    before = watchlists.read_text(encoding="utf-8")
    browser.open(f"{web}/search?q=supercalculateur")
    browser.click_and_wait("#save-search")
    assert browser.url.startswith(f"{web}/new-watchlist?")
    assert browser.evaluate("document.querySelector('[name=query]').value") == "supercalculateur"
    browser.fill({"title": "Supercalculateurs", "text": "L'UM6P et son supercalculateur."})
    browser.click_and_wait("button[value=preview]")
    assert "+  - name: supercalculateur" in browser.text  # the diff, before anything is saved
    assert "5 / 5" in browser.evaluate("document.querySelector('#backtest-count').innerText")
    assert watchlists.read_text(encoding="utf-8") == before
    browser.screenshot("watchlist-new-preview")
    browser.click_and_wait("#save")
    assert browser.evaluate("document.querySelector('#saved') !== null"), browser.text[:1000]
    browser.screenshot("watchlist-saved")
    after = watchlists.read_text(encoding="utf-8")
    assert after.startswith(before) and comments(after) == comments(before)
    assert (
        load_watchlists(watchlists).rules.by_name("supercalculateur").title == "Supercalculateurs"
    )
    browser.open(f"{web}/watchlists/")
    assert "Supercalculateurs" in browser.text
    browser.screenshot("watchlists")
    browser.open(f"{web}/watchlists/dell-maroc/delete")
    assert "-  - name: dell-maroc" in browser.text
    browser.screenshot("watchlist-delete")


def test_an_edit_of_a_file_changed_on_disk_is_refused(browser, web, watchlists):
    browser.open(f"{web}/watchlists/um6p-supercalculateur/edit")
    browser.screenshot("watchlist-edit")
    by_hand = watchlists.read_text(encoding="utf-8") + "# note ajoutée à la main\n"
    watchlists.write_text(by_hand, encoding="utf-8")
    browser.fill({"title": "UM6P (modifiée)"})
    browser.click_and_wait("button[value=preview]")
    assert "a changé sur le disque depuis l'ouverture de ce formulaire" in browser.text
    assert "UM6P (modifiée)" in browser.text  # what was typed, to copy into the new form
    browser.screenshot("watchlist-stale-refused")
    assert watchlists.read_text(encoding="utf-8") == by_hand


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    """Another site's page that posts a watchlist to the reader as soon as it loads."""

    target = ""

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = (
            "<!DOCTYPE html><html><body><form id=f method=post "
            f'action="{self.target}/new-watchlist">'
            '<input name="name" value="pirate"><input name="query" value="x">'
            '<input name="action" value="save"><input name="file_token" value="x"></form>'
            "<script>document.getElementById('f').submit()</script></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_form_posted_by_another_sites_page_is_refused(browser, web, watchlists):
    before = watchlists.read_text(encoding="utf-8")
    handler = type("Attacker", (_AttackerPage,), {"target": web})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # "localhost" is another site than "127.0.0.1" to the browser
        browser.open(f"http://localhost:{server.server_address[1]}/")
        browser.wait_for_url(f"{web}/new-watchlist")  # where its form went by itself
        # the page's language (French by default), the reason named
        assert "refusé : ce formulaire a été envoyé par la page d'un autre site" in browser.text, (
            browser.text[:1000]
        )
        browser.screenshot("watchlist-cross-site-refused")
    finally:
        server.shutdown()
        server.server_close()
    assert watchlists.read_text(encoding="utf-8") == before
    assert "pirate" not in before
