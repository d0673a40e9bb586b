"""Arabic in alerts: the email's quote of an Arabic article runs right to left with lang="ar",
an Arabic watchlist gets an Arabic message, Slack lines quoting Arabic start right to left."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from monitors.alerts.messages import RLM, SAMPLE_ALERT, render_alert, render_combined_digest

ARABIC_ALERT = SAMPLE_ALERT | {
    "title": "السيادة الرقمية: المغرب يسرّع مشروع الحوسبة السحابية الوطنية",
    "url": "https://alkhabar.example.ma/2026/11/21/siyada-raqmiya/",
    "source": "alkhabar",
    "source_title": "الخبر التقني",
    "language": "ar",
    "snippet": "كشفت الوزيرة عن خارطة طريق **السيادة الرقمية** للمملكة",
    "also_in": [],
    "terms": "السيادة الرقمية",
}


@dataclass
class _Watchlist:
    name: str = "souverainete"
    title: str = "Souveraineté numérique"
    language: str = "fr"
    templates: tuple = ()


class _Attributes(HTMLParser):
    """Every element's tag and attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _elements(body: str) -> list[tuple[str, dict]]:
    parser = _Attributes()
    parser.feed(body)
    return parser.elements


def test_a_french_email_quotes_an_arabic_article_right_to_left():
    body = render_alert(ARABIC_ALERT, _Watchlist(), "email").body
    elements = _elements(body)
    assert elements[0] == ("html", {"lang": "fr", "dir": "ltr"})
    quoted = [(tag, a) for tag, a in elements if tag in ("h2", "blockquote")]
    assert [tag for tag, _ in quoted] == ["h2", "blockquote"]
    assert all(a["lang"] == "ar" and a["dir"] == "rtl" for _, a in quoted)
    assert "border-right" in quoted[1][1]["style"]


def test_a_french_article_keeps_left_to_right():
    body = render_alert(SAMPLE_ALERT, _Watchlist(), "email").body
    quote = next(a for tag, a in _elements(body) if tag == "blockquote")
    assert quote["dir"] == "ltr" and quote["lang"] == "fr" and "border-left" in quote["style"]


def test_an_unlabelled_arabic_article_is_recognised_by_its_letters():
    body = render_alert(ARABIC_ALERT | {"language": None}, _Watchlist(), "email").body
    quote = next(a for tag, a in _elements(body) if tag == "blockquote")
    assert quote == quote | {"lang": "ar", "dir": "rtl"}


def test_an_arabic_watchlist_gets_an_arabic_message():
    message = render_alert(ARABIC_ALERT, _Watchlist(language="ar"), "email")
    assert _elements(message.body)[0] == ("html", {"lang": "ar", "dir": "rtl"})
    assert "الكلمات المرصودة" in message.body and "Termes" not in message.body
    text = render_alert(ARABIC_ALERT, _Watchlist(language="ar"), "text").body
    assert "المصدر: \u2068الخبر التقني\u2069" in text  # isolated: it cannot move the date


def test_slack_lines_quoting_arabic_start_right_to_left():
    body = render_alert(ARABIC_ALERT, _Watchlist(), "slack").body
    title_line, *_rest = body.splitlines()
    assert title_line.startswith("**[" + RLM + "السيادة")
    assert "> " + RLM + "كشفت" in body
    french = render_alert(SAMPLE_ALERT, _Watchlist(), "slack").body
    assert RLM not in french


def test_the_combined_review_marks_each_arabic_item():
    message = render_combined_digest([(_Watchlist(), [ARABIC_ALERT, SAMPLE_ALERT])], "fr", "email")
    titles = [a for tag, a in _elements(message.body) if tag == "h4"]
    assert [t["dir"] for t in titles] == ["rtl", "ltr"]
