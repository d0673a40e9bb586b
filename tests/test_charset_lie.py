"""A server whose Content-Type names another charset than its pages are written in: Scrapy
believes the header first, and a windows-1256 page said to be utf-8 was stored as a text of
U+FFFD, alerted on, without a word."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .hostile import ARABIC_TEXT, FRENCH_TEXT, page

pytestmark = pytest.mark.slow  # end-to-end: a real crawl process (README, "Development")

FRENCH = FRENCH_TEXT.replace("€", "EUR")  # Latin-1 has no euro sign
# A page in utf-8, as its server says, but for one Latin-1 byte in an advertiser's script (as
# a real German page has, « M\xe4scot »): read as cp1252 whole, every accent became « Ã© ».
STRAY_TEXT = (
    "La région de Souss-Massa a reçu des précipitations inhabituelles cette semaine, selon la "
    "Direction générale de la météorologie. Les barrages de la région ont gagné près de dix "
    "points de remplissage, et les agriculteurs espèrent une saison céréalière meilleure que "
    "la précédente, marquée par une sécheresse sévère."
)
MENU = "".join(
    f'<li><a href="/rubrique/{n}" class="menu-item">Rubrique {n}</a></li>' for n in range(60)
)
STRAY = (
    page("Des pluies dans le Souss", STRAY_TEXT)
    .replace("<body>", f"<body><nav><ul>{MENU}</ul></nav><script>/* @@ */</script>")
    .encode("utf-8")
    .replace(b"@@", "Régie pub".encode("latin-1"))
)
PAGES = {
    # the page's own <meta> names none: the code page is guessed
    "/ar-said-utf8": page("منصة وطنية لتبادل المعطيات", ARABIC_TEXT, lang="ar").encode("cp1256"),
    # the page's <meta> names its charset, the header another
    "/fr-said-utf8": page("Un fonds d'amorçage", FRENCH, charset_meta="iso-8859-1").encode(
        "iso-8859-1"
    ),
    "/fr-utf8-one-stray-byte": STRAY,
}


class LyingSite:
    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_GET(self):  # noqa: N802
                base = f"http://127.0.0.1:{self.server.server_address[1]}"
                if self.path == "/feed":
                    items = "".join(
                        f"<item><title>x</title><link>{base}{path}</link></item>" for path in PAGES
                    )
                    body = (
                        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
                    )
                    self._send(body.encode(), "application/rss+xml")
                elif self.path in PAGES:
                    self._send(PAGES[self.path], "text/html; charset=utf-8")
                else:
                    self.send_error(404)

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_page_its_server_gives_the_wrong_charset_is_read_in_its_own(tmp_path):
    site = LyingSite()
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: menteur\n    homepage: {site.base_url}/\n"
        f"    feeds: [{site.base_url}/feed]\n",
        encoding="utf-8",
    )
    try:
        result = crawl(
            tmp_path / "v.db",
            sources,
            settings=LOCAL_CRAWL_SETTINGS,
            time_limit=120,
            log_file=tmp_path / "crawl.log",
        )
    finally:
        site.stop()
    assert result.status == "finished"
    db = store.open_database(tmp_path / "v.db")
    texts = dict(db.execute("SELECT url, text FROM articles").fetchall())
    by_path = {url.removeprefix(site.base_url): text for url, text in texts.items()}
    assert set(by_path) == set(PAGES)
    assert ARABIC_TEXT[:60] in by_path["/ar-said-utf8"]
    assert FRENCH[:60] in by_path["/fr-said-utf8"]
    assert STRAY_TEXT[:60] in by_path["/fr-utf8-one-stray-byte"]  # not « rÃ©gion »
    assert not any("\ufffd" in text for text in by_path.values())
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    said = [line for line in log.splitlines() if "as its server says" in line]
    assert len(said) == 2 and any("read as cp1256" in line for line in said), said
