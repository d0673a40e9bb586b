"""The emails veille sends, read as the recipient's mail program reads them: the Subject header
and the parts a real SMTP server (aiosmtpd, one for the module) received, decoded.

Each language's punctuation: French puts a space before the colon (« UM6P : … »), English and
Arabic none; Arabic lists with its own comma (،) and its subject starts with a right-to-left
mark, where the Latin « [veille] » would have laid the whole line out left to right. A subject
keeps the article's title in sight, and the plain-text part keeps an outlet's name apart from
its date as the HTML part does."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from crawler.core.normalize import content_hash
from crawler.storage import store
from monitors.alerts.delivery import Sender
from monitors.alerts.display import FSI, PDI
from monitors.alerts.messages import (
    SAMPLE_ALERT,
    render_alert,
    render_combined_digest,
    render_digest,
)
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

from .servers import SmtpServer

RLM = "\u200f"
TITLE = "L'UM6P met en service un nouveau supercalculateur à Benguérir"
ALERT = SAMPLE_ALERT | {"title": TITLE, "snippet": "l'**UM6P** met en service", "also_in": []}

WATCHLISTS = """
channels:
  email:
    url: "mailto://alertes:${{VEILLE_SMTP_PASSWORD}}@localhost:{port}?to=analystes@example.ma"
  equipe:
    url: "https://hooks.slack.com/services/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"
watchlists:
  - {{name: um6p, title: UM6P, terms: [UM6P], language: fr, notify: [email]}}
  - {{name: um6p-en, title: UM6P, terms: [UM6P], language: en, notify: [email]}}
  - {{name: um6p-ar, title: UM6P, terms: [UM6P], language: ar, notify: [email]}}
  - {{name: toubkal, title: Toubkal II, terms: [Toubkal], language: ar, notify: [email]}}
  - {{name: cloud, title: Cloud souverain, terms: [cloud], notify: [email]}}
  - {{name: hpc, title: Calcul intensif, terms: [HPC], notify: [email]}}
  - {{name: benguerir, title: Benguérir, terms: [Benguérir], notify: [email]}}
  - {{name: siyada, title: السيادة الرقمية, terms: [UM6P], notify: [email]}}
"""


# The module's one SMTP server asks for a login, as a real one does: a URL with a user and no
# `from=` sends as that user, under the name apprise gives the sender
SECRETS = {"VEILLE_SMTP_PASSWORD": "mot-de-passe"}


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer(password=SECRETS["VEILLE_SMTP_PASSWORD"]).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail(smtp_server, tmp_path_factory):
    """Send a message through the email channel; the Subject header it arrived with, decoded."""
    folder = tmp_path_factory.mktemp("mail")
    path = folder / "watchlists.yaml"
    path.write_text(WATCHLISTS.format(port=smtp_server.port), encoding="utf-8")
    path.chmod(0o600)  # it writes the Slack channel's token
    delivery = load_watchlists(path, SECRETS).delivery
    sender = Sender(store.open_database(str(folder / "v.db")), delivery, io.StringIO(), 0)

    def send(message):
        before = len(smtp_server.messages)
        assert sender.send("email", message) is None
        (received,) = smtp_server.messages[before:]
        return str(received["Subject"]), received

    send.route = delivery.route  # type: ignore[attr-defined]
    send.sender = sender  # type: ignore[attr-defined]
    return send


@pytest.mark.parametrize(
    ("watchlist", "subject"),
    [
        ("um6p", f"[veille] UM6P : {TITLE}"),
        ("um6p-en", f"[veille] UM6P: {TITLE}"),
        ("um6p-ar", f"{RLM}[veille] {FSI}UM6P{PDI}: {TITLE}"),
    ],
)
def test_an_alerts_subject_is_punctuated_as_its_language_writes(mail, watchlist, subject):
    route = mail.route(watchlist)
    received, message = mail(render_alert(ALERT, route, "email"))
    assert received == subject
    assert message["From"] == "veille <alertes@localhost>"  # not « Apprise <…> »


def test_an_arabic_subject_lists_watchlists_with_the_arabic_comma(mail):
    routes = [mail.route("um6p-ar"), mail.route("toubkal")]
    received, _ = mail(render_alert(ALERT, routes[0], "email", routes))
    assert received == f"{RLM}[veille] {FSI}UM6P{PDI}، {FSI}Toubkal II{PDI}: {TITLE}"


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


def test_a_subject_keeps_the_articles_title_in_sight(mail):
    """Five watchlists and a 300-character title (an extraction that took a paragraph for
    it) made a subject of 400 characters whose title no mail program showed: the subject names
    three watchlists and counts the others, and cuts the title at a word, with « … »; the body
    keeps them all."""
    names = ["um6p", "cloud", "hpc", "benguerir", "toubkal"]
    routes = [mail.route(name) for name in names]
    title = "L'UM6P met en service un nouveau supercalculateur " + "et un cloud souverain " * 12
    received, message = mail(render_alert(ALERT | {"title": title}, routes[0], "email", routes))
    head = "[veille] UM6P, Cloud souverain, Calcul intensif +2 : L'UM6P met en service un "
    assert received.startswith(head), received
    assert received.endswith("…") and " …" not in received, received
    assert len(received) < len(head) + 120, received
    html = message.get_body(("html",)).get_content()
    assert (
        "Benguérir" in html and "Toubkal II" in html and title.strip().replace("'", "&#39;") in html
    )


def test_the_plain_text_part_keeps_an_arabic_outlet_apart_from_its_date(mail):
    """apprise writes the email's plain-text part from its HTML, where <bdi> kept an Arabic
    outlet's name from pulling the date's digits to its side: the isolates are in the text
    itself, so the plain part keeps them (« 17 هسبريس — nov. 2026 » otherwise)."""
    arabic = ALERT | {"source_title": "هسبريس", "language": "ar"}
    _, message = mail(render_alert(arabic, mail.route("um6p"), "email"))
    plain = message.get_body(("plain",)).get_content()
    assert f"{FSI}هسبريس{PDI} — {FSI}17 nov. 2026, 11:05{PDI}" in plain, plain


@pytest.mark.parametrize(("watchlist", "said"), [("um6p", "Aussi dans :"), ("um6p-en", "Also in:")])
def test_text_messages_punctuate_a_label_ending_its_line_too(mail, watchlist, said):
    """The text messages of webhooks, other channels and the console: « Also in : » ended its
    line with French typography in English and Arabic."""
    route = mail.route(watchlist)
    also = ALERT | {"also_in": [{"outlet": "Médias24", "url": "https://medias24.com/x"}]}
    for body in (render_alert(also, route, "other").body, render_digest([also], route, "").body):
        assert f"{said}\n" in body.replace("   ", ""), body
        assert watchlist == "um6p" or " :" not in body, body


REVIEW = """
channels:
  revue:
    url: "mailto://alertes:${{VEILLE_SMTP_PASSWORD}}@localhost:{port}?to=tokyo@example.ma"
    digest: '0 8 * * *'
    timezone: Asia/Tokyo
    language: en
watchlists:
  - {{name: um6p, title: UM6P, terms: [UM6P], notify: [revue]}}
  - {{name: hpc, title: HPC, terms: [supercalculateur], notify: [revue]}}
"""


def test_a_channels_review_dates_articles_on_its_readers_clock(smtp_server, tmp_path):
    """A channel's review goes out at 08:00 on its own `timezone`'s clock, to the people who
    read it there: its articles' times are on that clock too, not on the first watchlist's
    (Casablanca by default), which put a 17:05 article of their day at 09:05."""
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(REVIEW.format(port=smtp_server.port), encoding="utf-8")
    rules = load_watchlists(rules_path, SECRETS)
    db = store.open_database(str(tmp_path / "v.db"))
    db.execute("INSERT INTO sources(name) VALUES ('presse')")
    text = f"{TITLE}. " + " ".join(f"mot{i}" for i in range(80)) + "."
    article = store.StoredArticle("presse", "https://presse.example.ma/1", TITLE, None,
                                  "2026-11-17T08:05:00Z", "fr", None, None, text,
                                  content_hash(text))  # fmt: skip
    store.store_articles(db, [article])
    match_pending(db, *rules, max_age=None, now=datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    before = len(smtp_server.messages)
    sender = Sender(db, rules.delivery, io.StringIO(), 0)
    # 08:00 in Tokyo on the 18th is 23:00 UTC on the 17th
    assert sender.deliver_pending(now=datetime(2026, 11, 17, 23, 0, 30, tzinfo=UTC)).messages == 1
    (review,) = smtp_server.messages[before:]
    assert str(review["Subject"]) == "[veille] Your press review: 1 article, 1 watchlist"
    plain = review.get_body(("plain",)).get_content()
    assert f"{FSI}17 Nov 2026, 17:05{PDI}" in plain, plain


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def test_an_arabic_email_runs_right_to_left_where_webmails_keep_it(mail):
    """Gmail and other webmails drop <html>'s and <body>'s attributes: an Arabic message whose
    direction was only there was laid out left to right, labels at the wrong end. Its outer
    element inside <body> says it, in the alert, the digest and the review alike."""
    route = mail.route("um6p-ar")
    for message in (
        render_alert(ALERT, route, "email"),
        render_digest([ALERT], route, "email"),
        render_combined_digest([(route, [ALERT])], "ar", "email"),
    ):
        _, received = mail(message)
        parser = _Elements()
        parser.feed(received.get_body(("html",)).get_content())
        tags = [tag for tag, _ in parser.elements]
        outer = parser.elements[tags.index("body") + 1]
        assert outer[0] == "div" and outer[1] | {"lang": "ar", "dir": "rtl"} == outer[1], outer
        assert "font-family" in outer[1]["style"]


def test_a_digest_marks_an_update_as_the_alerts_subject_does(mail):
    """An article a watchlist matches once its text changed is alerted « (update) » in the
    subject of its own alert; in a digest, where the subject counts articles, nothing said so,
    and the reader took an older article for news."""
    updated = ALERT | {"is_update": True, "title": "Le cloud national change de nom"}
    route = mail.route("um6p-en")
    _, received = mail(render_digest([updated, ALERT], route, "email"))
    plain = received.get_body(("plain",)).get_content()
    assert "(update) Le cloud national change de nom" in plain, plain
    assert plain.count("(update)") == 1
    text = render_digest([updated, ALERT], route, "slack").body
    assert "(update) **[Le cloud national change de nom]" in text


def test_a_slack_message_comes_from_veille(mail, monkeypatch):
    """apprise's own name and icon signed every Slack message (« Apprise » in its footer):
    the team's channel read alerts from a tool it never installed. apprise's real Slack
    payload, sent to a loopback server standing for Slack."""
    from apprise.plugins.slack import NotifySlack

    from .servers import WebhookServer

    server = WebhookServer().start()
    try:
        monkeypatch.setattr(NotifySlack, "webhook_url", server.url + "/services")
        message = render_alert(ALERT, mail.route("um6p-en"), "slack")
        assert mail.sender.send("equipe", message) is None
    finally:
        server.stop()
    ((attachment,),) = [post["json"]["attachments"] for post in server.posts]
    assert attachment["title"] == f"[veille] UM6P: {TITLE}"
    assert attachment["footer"] == "veille" and "footer_icon" not in attachment, attachment
    assert "apprise" not in json.dumps(server.posts[0]["json"]).lower()


def test_an_arabic_watchlist_title_keeps_its_count_in_a_french_message(mail):
    """Digits after Arabic letters take their side: « [veille] السيادة الرقمية : 2 articles »
    showed as « [veille] 2 : السيادة الرقمية articles », the count inside the title. A title
    that runs the other way than the message is isolated in the subject and the headings (a
    Latin one in an Arabic message too); one that runs its way is left as it is."""
    route = mail.route("siyada")
    received, message = mail(render_digest([ALERT, ALERT], route, "email"))
    assert received == f"[veille] {FSI}السيادة الرقمية{PDI} : 2 articles"
    plain = message.get_body(("plain",)).get_content()
    assert plain.startswith(f"Résumé de la veille {FSI}السيادة الرقمية{PDI} (2)"), plain
    received, _ = mail(render_digest([ALERT, ALERT], mail.route("um6p-ar"), "email"))
    assert received == f"{RLM}[veille] {FSI}UM6P{PDI}: مقالان"  # Latin in Arabic: the same


@pytest.mark.parametrize(
    ("watchlist", "footer"),
    [
        ("um6p", "résumé envoyé par votre veille de presse"),
        ("um6p-en", "digest sent by your press monitoring"),
        ("um6p-ar", "ملخص أرسلته خدمة رصد الصحافة"),
    ],
)
def test_a_digest_signs_as_a_digest(mail, watchlist, footer):
    """A digest and a review ended « alerte envoyée par votre veille de presse », an alert's
    words, under a list of articles."""
    route = mail.route(watchlist)
    lang = route.language
    for message in (
        render_digest([ALERT], route, "email"),
        render_combined_digest([(route, [ALERT])], lang, "email"),
    ):
        _, received = mail(message)
        assert received.get_body(("plain",)).get_content().endswith(f"veille — {footer}")


def test_a_digests_headings_write_their_counts_as_the_subject_does():
    """A digest of a thousand articles: its subject said « 1 000 articles », its heading
    « (1000) »; the headings write numbers as the language does, as counts do."""
    from monitors.alerts.routing import Route

    many = [ALERT] * 1000
    french = render_digest(many, Route("um6p", "UM6P"), "text")
    assert french.subject == "[veille] UM6P : 1\u202f000 articles"  # a narrow no-break space
    assert french.body.startswith("Résumé de la veille UM6P (1\u202f000)"), french.body[:80]
    review = render_combined_digest([(Route("um6p", "UM6P", language="en"), many)], "en", "slack")
    assert review.body.startswith("**Your press review (1,000)**\n\n**UM6P (1,000)**"), review.body[
        :80
    ]
