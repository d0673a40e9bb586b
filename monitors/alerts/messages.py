"""Alert and digest messages, rendered with Jinja2 for each kind of channel.

Email gets HTML (apprise adds the plain-text part), Slack gets Markdown that apprise turns into
Slack's mrkdwn (bold title, link, highlighted snippet), other channels and the console get text.
Bundled templates speak French, English or Arabic (right to left), and every quote of an
article carries its own `lang` and `dir`; a watchlist can override any of them.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

import apprise
import jinja2
import jinja2.sandbox
import markupsafe

from monitors.alerts.direction import content_language, text_direction
from monitors.alerts.display import (
    SUBJECT_WATCHLISTS,
    apart,
    hits_in_words,
    isolate,
    short_url,
    shortened,
)
from monitors.alerts.localized import format_number, format_when
from monitors.alerts.plurals import counted
from monitors.alerts.policy import DEFAULT_TIMEZONE

if TYPE_CHECKING:
    from monitors.alerts.routing import Route

LABELS = {
    "fr": {
        "source": "Source",
        "unknown_date": "date inconnue",
        "terms": "Termes trouvés",
        "in_title": "titre",
        "watchlist": "Veille",
        "watchlists_label": "Veilles",
        "read": "Lire l'article",
        "footer": "alerte envoyée par votre veille de presse",
        "digest_footer": "résumé envoyé par votre veille de presse",
        "digest_intro": "Résumé de la veille",
        "also_in": "Aussi dans",
        "review": "Votre revue de presse",
        "watchlists": "veilles",
        "original": "Publié d'abord par",
        "update_label": "mise à jour",
        "article": "article",
        "articles": "articles",
        "in_reader": "Lire dans veille",
        "not_relevant": "pas pertinent",
        "mute": "masquer ce média pour cette veille",
        "unsubscribe": "se désabonner",
        # punctuation: French puts a space before the colon, English and Arabic none, and
        # Arabic separates with its own comma (U+060C)
        "colon": " : ",
        "comma": ", ",
        "subject_mark": "",
    },
    "en": {
        "source": "Source",
        "unknown_date": "unknown date",
        "terms": "Matched terms",
        "in_title": "title",
        "watchlist": "Watchlist",
        "watchlists_label": "Watchlists",
        "read": "Read the article",
        "footer": "alert sent by your press monitoring",
        "digest_footer": "digest sent by your press monitoring",
        "digest_intro": "Digest for",
        "also_in": "Also in",
        "review": "Your press review",
        "watchlists": "watchlists",
        "original": "First published by",
        "update_label": "update",
        "article": "article",
        "articles": "articles",
        "in_reader": "Read in veille",
        "not_relevant": "not relevant",
        "mute": "mute this outlet for this watchlist",
        "unsubscribe": "unsubscribe",
        "colon": ": ",
        "comma": ", ",
        "subject_mark": "",
    },
    "ar": {
        "source": "المصدر",
        "unknown_date": "تاريخ غير معروف",
        "terms": "الكلمات المرصودة",
        "in_title": "العنوان",
        "watchlist": "الرصد",
        "watchlists_label": "عمليات الرصد",
        "read": "اقرأ المقال",
        "footer": "تنبيه أرسلته خدمة رصد الصحافة",
        "digest_footer": "ملخص أرسلته خدمة رصد الصحافة",
        "digest_intro": "ملخص الرصد",
        "also_in": "أيضا في",
        "review": "مراجعتك الصحفية",
        "watchlists": "عمليات رصد",
        "original": "نُشر أولا في",
        "update_label": "تحديث",
        "article": "مقال",
        "articles": "مقالات",
        "in_reader": "اقرأ في veille",
        "not_relevant": "غير مهم",
        "mute": "إخفاء هذا المصدر في هذا الرصد",
        "unsubscribe": "إلغاء الاشتراك",
        "colon": ": ",
        "comma": "، ",
        # a subject has no dir attribute: a RIGHT-TO-LEFT MARK first lays it out right to
        # left, where « [veille] » (Latin) would have made it a left-to-right line
        "subject_mark": "\u200f",
    },
}
LANGUAGES = tuple(LABELS)

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(resources.files("monitors.alerts") / "templates")),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


# Watchlist templates are written by users (and may come from a shared file): they run in
# Jinja's sandbox, which refuses attribute tricks that reach Python internals (and the host).
# HTML overrides escape what they insert, as the bundled HTML templates do.
def _user_environment(autoescape: bool) -> jinja2.sandbox.SandboxedEnvironment:
    return jinja2.sandbox.SandboxedEnvironment(
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


_USER_TEXT = _user_environment(autoescape=False)
_USER_HTML = _user_environment(autoescape=True)
_HIGHLIGHT = re.compile(r"\*\*(.+?)\*\*")


class TemplateRenderError(Exception):
    """A watchlist template that compiles but fails when rendered (unknown variable, refused
    operation): the delivery fails with this message instead of hanging."""


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    format: apprise.NotifyFormat


def channel_kind(url: str | None) -> str:
    """'email', 'slack', 'console' or 'other', which decides the message format."""
    if url is None:
        return "console"
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("mailto", "mailtos"):
        return "email"
    if scheme == "slack" or url.startswith("https://hooks.slack.com/"):
        return "slack"
    return "other"


def snippet_html(snippet: str) -> markupsafe.Markup:
    """The snippet with its **highlights** as <strong>, everything else escaped."""
    escaped = html.escape(snippet, quote=False)
    return markupsafe.Markup(_HIGHLIGHT.sub(r"<strong>\1</strong>", escaped))


def _user_template(key: str, source: str) -> jinja2.Template:
    environment = _USER_HTML if key.removeprefix("digest_") == "html" else _USER_TEXT
    return environment.from_string(source)


SAMPLE_ALERT = {
    "title": "Souveraineté numérique : le Maroc lance son cloud national",
    "url": "https://fr.le360.ma/economie/souverainete-numerique-cloud-national_104000/",
    "source": "le360",
    "source_title": "Le360",
    "published": "2026-11-17T10:05:00Z",
    "language": "fr",
    "original_source": None,
    "original_url": None,
    "snippet": "le Maroc lance son cloud national au nom de la **souveraineté numérique**",
    "also_in": [{"outlet": "Médias24", "url": "https://medias24.com/2026/11/17/cloud-national/"}],
    "is_update": False,
    "terms": "souveraineté numérique",
}


def check_template(source: str, key: str = "text", watchlist: Route | None = None) -> str | None:
    """None if a user template compiles and renders a sample alert (or digest), else the reason
    (shown by `veille rules check`, so a template never fails first at send time)."""
    try:
        template = _user_template(key, source)
    except jinja2.TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    context = _base_context(watchlist or _SampleWatchlist(), "fr")
    sample = alert_context(SAMPLE_ALERT)
    context |= {"alerts": [sample]} if key.startswith("digest_") else sample
    try:
        template.render(**context)
    except jinja2.TemplateError as exc:  # SecurityError, UndefinedError, …
        return f"fails on a sample alert: {exc}"
    except Exception as exc:  # noqa: BLE001 (a template can raise anything Python can)
        return f"fails on a sample alert: {exc.__class__.__name__}: {exc}"
    return None


@dataclass(frozen=True)
class _SampleWatchlist:
    name: str = "exemple"
    title: str = "Exemple"


def _render(name: str, overrides: dict[str, str], key: str, context: dict) -> str:
    if key not in overrides:
        return _environment.get_template(name).render(**context).strip()
    try:
        return _user_template(key, overrides[key]).render(**context).strip()
    except Exception as exc:  # noqa: BLE001 (a user template can raise anything)
        raise TemplateRenderError(
            f"the watchlist's {key!r} template failed: {exc.__class__.__name__}: {exc} "
            "(fix the template; `veille rules check` renders it against a sample alert)"
        ) from None


def _language_context(lang: str) -> dict:
    """What every template gets for its language: labels, direction, `count(n, word)` for
    counted words with their plural, `isolate(text)` for bidi isolation in text messages (and
    inside HTML's <bdi>, for the plain-text part apprise derives from it), `shortened(text)`
    for a subject's title and `subject_watchlists`, how many watchlists a subject names;
    `apart(text)` isolates a watchlist's title that runs the other way than the message."""
    return {
        "lang": lang,
        "dir": text_direction(lang),
        "t": LABELS.get(lang, LABELS["fr"]),
        "count": lambda n, word: counted(n, word, lang),
        "number": lambda n: format_number(n, lang),
        "isolate": isolate,
        "apart": lambda text: apart(text, text_direction(lang)),
        "shortened": shortened,
        "subject_watchlists": SUBJECT_WATCHLISTS,
    }


class _Named(Protocol):
    """What a message says of a watchlist: a delivery Route, or the sample template checks use."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...


def _named(watchlist: _Named) -> dict[str, str]:
    return {"name": watchlist.name, "title": watchlist.title}


def _base_context(watchlist: _Named, lang: str, watchlists: Sequence[_Named] | None = None) -> dict:
    """`watchlist` is the message's first watchlist; `watchlists` every one it matched (one
    message per article and channel lists them all)."""
    return {
        "watchlist": _named(watchlist),
        "watchlists": [_named(w) for w in watchlists or (watchlist,)],
    } | _language_context(lang)


RLM = "\u200f"  # RIGHT-TO-LEFT MARK: a Slack line quoting Arabic starts right to left


def _rtl_line(text: str | None) -> str | None:
    return RLM + text if text else text


def slack_text(text: str | None) -> str | None:
    """Page text made inert in a Slack message: `<!channel>`, `<url|label>` and Markdown links
    from a hostile page stay literal (apprise turns the escaped < > into entities)."""
    if text is None:
        return None
    return (
        text.replace("\\", "\u29f5")
        .replace("<", "\\<")
        .replace(">", "\\>")
        .replace("[", "\\[")
        .replace("]", "\\]")
    )


_URL_UNSAFE = {"|": "%7C", "<": "%3C", ">": "%3E", "(": "%28", ")": "%29", " ": "%20", "\\": "%5C"}


def slack_url(url: str | None) -> str | None:
    """A URL that cannot close a Markdown link or a Slack anchor early."""
    if url is None:
        return None
    return "".join(_URL_UNSAFE.get(c, c) for c in url)


def alert_context(
    alert: Mapping[str, Any], kind: str = "", lang: str = "fr", timezone: str = DEFAULT_TIMEZONE
) -> dict:
    """One alert as templates see it; `alert` holds the joined database row, its date written
    as `lang` writes dates, in `timezone`. For Slack, everything that comes from a page is
    escaped (`slack_text`, `slack_url`)."""
    published = format_when(alert.get("published"), lang, timezone)
    labels = LABELS.get(lang, LABELS["fr"])
    text, link = (slack_text, slack_url) if kind == "slack" else (_same, _same)
    sample = f"{alert['title'] or ''} {alert['snippet'] or ''}"
    direction = text_direction(alert.get("language"), sample)
    quoted = _rtl_line if kind == "slack" and direction == "rtl" else _same
    return {
        "article": {
            "title": quoted(text(alert["title"] or alert["url"])),
            "dir": direction,
            "lang": content_language(alert.get("language"), sample) or "",
            "url": link(alert["url"]),
            "display_url": text(unquote(alert["url"])),
            "short_url": text(short_url(alert["url"])),
            "source": text(alert.get("source_title") or alert["source"]),
            "published": published,
            "language": alert.get("language"),
            "original_source": text(alert.get("original_source")),
            "original_url": link(alert.get("original_url")),
        },
        "snippet": quoted(text(alert["snippet"])),
        "also_in": [
            {"outlet": text(o["outlet"]), "url": link(o["url"])} for o in alert.get("also_in") or []
        ],
        "is_update": bool(alert.get("is_update")),
        "watchlists": [
            {"name": w["name"], "title": text(w["title"])} for w in alert.get("watchlists") or ()
        ],
        "snippet_html": snippet_html(alert["snippet"]),
        # Said in the message's language where the hits are at hand (a delivery's rows), where
        # the stored words named the title in French and English (« titre/title ») in any message.
        "terms": (
            hits_in_words(json.loads(alert["hits"]), labels["in_title"], labels["comma"])
            if alert.get("hits")
            else alert["terms"]
        ),
        "links": alert.get("links"),
    }


def _same(value: str | None) -> str | None:
    return value


_BODIES = {
    "email": ("html.j2", "html", apprise.NotifyFormat.HTML),
    "slack": ("slack.j2", "slack", apprise.NotifyFormat.MARKDOWN),
}
_TEXT_BODY = ("txt.j2", "text", apprise.NotifyFormat.TEXT)


def _message(name: str, overrides: dict, context: dict, kind: str) -> Message:
    """Subject and body of message `name` (alert or digest) for one kind of channel."""
    suffix, override_key, body_format = _BODIES.get(kind, _TEXT_BODY)
    return Message(
        _render(f"{name}_subject.j2", overrides, "subject", context),
        _render(f"{name}.{suffix}", overrides, override_key, context),
        body_format,
    )


def render_alert(
    alert: Mapping[str, Any], watchlist: Route, kind: str, watchlists: Sequence | None = None
) -> Message:
    """One article's message; `watchlists` (default: `watchlist` alone) are all those it
    matched for this channel, named in the message. The first watchlist's language and
    templates are used."""
    lang = getattr(watchlist, "language", "fr")
    overrides = {  # not another language's ("ar:subject"): monitors.alerts.routing
        k: v
        for k, v in dict(getattr(watchlist, "templates", ()) or ()).items()
        if not k.startswith("digest_") and ":" not in k
    }
    timezone = getattr(watchlist, "timezone", DEFAULT_TIMEZONE)
    context = alert_context(alert, kind, lang, timezone) | _base_context(
        watchlist, lang, watchlists
    )
    return _message("alert", overrides, context, kind)


def render_digest(alerts: Sequence[Mapping[str, Any]], watchlist: Route, kind: str) -> Message:
    lang = getattr(watchlist, "language", "fr")
    overrides = {
        k.removeprefix("digest_"): v
        for k, v in dict(getattr(watchlist, "templates", ()) or ()).items()
        if k.startswith("digest_")
    }
    timezone = getattr(watchlist, "timezone", DEFAULT_TIMEZONE)
    context = _base_context(watchlist, lang) | {
        "alerts": [alert_context(a, kind, lang, timezone) for a in alerts]
    }
    return _message("digest", overrides, context, kind)


def render_combined_digest(
    sections: list, lang: str, kind: str, timezone: str | None = None
) -> Message:
    """One message gathering several watchlists' pending alerts (a channel's morning review):
    `sections` is a list of (watchlist, alert rows); a row may name in `watchlists` every
    watchlist its article matched (it is then listed once, in its first watchlist's section).
    Dates are in `timezone`, a channel's review's own (its readers' clock, as its schedule
    is), else in the first watchlist's."""
    if timezone is None:
        timezone = getattr(sections[0][0], "timezone", DEFAULT_TIMEZONE) if sections else ""
    context = _language_context(lang) | {
        "sections": [
            {
                "watchlist": {"name": w.name, "title": w.title},
                "alerts": [
                    alert_context(a, kind, lang, timezone or DEFAULT_TIMEZONE) for a in rows
                ],
            }
            for w, rows in sections
        ],
        "total": sum(len(rows) for _, rows in sections),
    }
    return _message("combined", {}, context, kind)
