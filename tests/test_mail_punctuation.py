"""Each language's punctuation in the emails veille sends, read as the recipient's mail program
reads them: the Subject header a real SMTP server (aiosmtpd, one for the module) received,
decoded. French puts a space before the colon (« UM6P : … »), English and Arabic none; Arabic
lists with its own comma (،) and its subject starts with a right-to-left mark, where the Latin
« [veille] » would have laid the whole line out left to right."""

from __future__ import annotations

import io

import pytest

from crawler.storage import store
from monitors.alerts.delivery import Sender
from monitors.alerts.messages import SAMPLE_ALERT, render_alert, render_combined_digest
from monitors.service.watchlists import load_watchlists

from .servers import SmtpServer

RLM = "\u200f"
TITLE = "L'UM6P met en service un nouveau supercalculateur à Benguérir"
ALERT = SAMPLE_ALERT | {"title": TITLE, "snippet": "l'**UM6P** met en service", "also_in": []}

WATCHLISTS = """
channels:
  email:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=analystes@example.ma"
watchlists:
  - {{name: um6p, title: UM6P, terms: [UM6P], language: fr, notify: [email]}}
  - {{name: um6p-en, title: UM6P, terms: [UM6P], language: en, notify: [email]}}
  - {{name: um6p-ar, title: UM6P, terms: [UM6P], language: ar, notify: [email]}}
  - {{name: toubkal, title: Toubkal II, terms: [Toubkal], language: ar, notify: [email]}}
"""


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail(smtp_server, tmp_path_factory):
    """Send a message through the email channel; the Subject header it arrived with, decoded."""
    folder = tmp_path_factory.mktemp("mail")
    path = folder / "watchlists.yaml"
    path.write_text(WATCHLISTS.format(port=smtp_server.port), encoding="utf-8")
    delivery = load_watchlists(path).delivery
    sender = Sender(store.open_database(str(folder / "v.db")), delivery, io.StringIO(), 0)

    def send(message):
        before = len(smtp_server.messages)
        assert sender.send("email", message) is None
        (received,) = smtp_server.messages[before:]
        return str(received["Subject"]), received

    send.route = delivery.route  # type: ignore[attr-defined]
    return send


@pytest.mark.parametrize(
    ("watchlist", "subject"),
    [
        ("um6p", f"[veille] UM6P : {TITLE}"),
        ("um6p-en", f"[veille] UM6P: {TITLE}"),
        ("um6p-ar", f"{RLM}[veille] UM6P: {TITLE}"),
    ],
)
def test_an_alerts_subject_is_punctuated_as_its_language_writes(mail, watchlist, subject):
    route = mail.route(watchlist)
    received, _ = mail(render_alert(ALERT, route, "email"))
    assert received == subject


def test_an_arabic_subject_lists_watchlists_with_the_arabic_comma(mail):
    routes = [mail.route("um6p-ar"), mail.route("toubkal")]
    received, _ = mail(render_alert(ALERT, routes[0], "email", routes))
    assert received == f"{RLM}[veille] UM6P، Toubkal II: {TITLE}"


@pytest.mark.parametrize(
    ("lang", "subject"),
    [
        ("fr", "[veille] Votre revue de presse : 2 articles, 2 veilles"),
        ("en", "[veille] Your press review: 2 articles, 2 watchlists"),
        ("ar", f"{RLM}[veille] مراجعتك الصحفية: مقالان، عمليتا رصد"),
    ],
)
def test_a_reviews_subject_is_punctuated_as_its_language_writes(mail, lang, subject):
    sections = [(mail.route("um6p"), [ALERT]), (mail.route("toubkal"), [ALERT])]
    received, message = mail(render_combined_digest(sections, lang, "email"))
    assert received == subject
    if lang != "fr":  # the body's labels too (« Also in: », not « Also in : »)
        for part in ("plain", "html"):
            assert " :" not in message.get_body((part,)).get_content()
