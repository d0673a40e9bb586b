"""Alert and digest messages, rendered with Jinja2 for each kind of channel.

Email gets HTML (apprise adds the plain-text part), Slack gets Markdown that apprise turns into
Slack's mrkdwn (bold title, link, highlighted snippet), other channels and the console get text.
Bundled templates speak French or English; a watchlist can override any of them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from importlib import resources
from urllib.parse import unquote

import apprise
import jinja2
import markupsafe

LABELS = {
    "fr": {
        "source": "Source",
        "unknown_date": "date inconnue",
        "terms": "Termes trouvés",
        "watchlist": "Veille",
        "read": "Lire l'article",
        "footer": "alerte envoyée par votre veille de presse",
        "digest_intro": "Résumé de la veille",
        "also_in": "Aussi dans",
        "original": "Publié d'abord par",
        "update_label": "mise à jour",
        "article": "article",
        "articles": "articles",
    },
    "en": {
        "source": "Source",
        "unknown_date": "unknown date",
        "terms": "Matched terms",
        "watchlist": "Watchlist",
        "read": "Read the article",
        "footer": "alert sent by your press monitoring",
        "digest_intro": "Digest for",
        "also_in": "Also in",
        "original": "First published by",
        "update_label": "update",
        "article": "article",
        "articles": "articles",
    },
}
LANGUAGES = tuple(LABELS)
TEMPLATE_NAMES = ("subject", "text", "html", "slack")

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(resources.files("monitors") / "templates")),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_HIGHLIGHT = re.compile(r"\*\*(.+?)\*\*")


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


def check_template(source: str) -> str | None:
    """None if a user template compiles, else the reason (shown by `veille rules check`)."""
    try:
        _environment.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


def _render(name: str, overrides: dict[str, str], key: str, context: dict) -> str:
    template = (
        _environment.from_string(overrides[key])
        if key in overrides
        else _environment.get_template(name)
    )
    return template.render(**context).strip()


def _base_context(watchlist, lang: str) -> dict:
    return {
        "watchlist": {"name": watchlist.name, "title": watchlist.title},
        "lang": lang,
        "t": LABELS.get(lang, LABELS["fr"]),
    }


def alert_context(alert: dict) -> dict:
    """One alert as templates see it; `alert` holds the joined database row."""
    published = (alert.get("published") or "")[:16].replace("T", " ") or None
    return {
        "article": {
            "title": alert["title"] or alert["url"],
            "url": alert["url"],
            "display_url": unquote(alert["url"]),
            "source": alert.get("source_title") or alert["source"],
            "published": published,
            "language": alert.get("language"),
            "original_source": alert.get("original_source"),
            "original_url": alert.get("original_url"),
        },
        "snippet": alert["snippet"],
        "also_in": alert.get("also_in") or [],
        "is_update": bool(alert.get("is_update")),
        "snippet_html": snippet_html(alert["snippet"]),
        "terms": alert["terms"],
    }


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


def render_alert(alert: dict, watchlist, kind: str) -> Message:
    lang = getattr(watchlist, "language", "fr")
    overrides = {
        k: v
        for k, v in dict(getattr(watchlist, "templates", ()) or ()).items()
        if not k.startswith("digest_")
    }
    context = _base_context(watchlist, lang) | alert_context(alert)
    return _message("alert", overrides, context, kind)


def render_digest(alerts: list[dict], watchlist, kind: str) -> Message:
    lang = getattr(watchlist, "language", "fr")
    overrides = {
        k.removeprefix("digest_"): v
        for k, v in dict(getattr(watchlist, "templates", ()) or ()).items()
        if k.startswith("digest_")
    }
    context = _base_context(watchlist, lang) | {"alerts": [alert_context(a) for a in alerts]}
    return _message("digest", overrides, context, kind)
