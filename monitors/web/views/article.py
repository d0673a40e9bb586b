"""The article page: the text with the watched terms marked, and why each watchlist matched."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse

from monitors.web import reading
from monitors.web.i18n import LABELS, text_direction
from monitors.web.marking import hit_spans, marked, marked_paragraphs, term_places, why_sentence
from monitors.web.reader import language
from monitors.web.views.watchlist import rule_text

if TYPE_CHECKING:
    from monitors.web.reader import Reader

SQLITE_MAX_ID = 2**63 - 1


def article(reader: Reader, request: Request) -> HTMLResponse:
    article_id = request.path_params["article_id"]
    if article_id > SQLITE_MAX_ID:  # no row has it (and SQLite cannot take it)
        return reader.not_found(request, str(article_id), "article_numbered")
    with reader.reading_db() as db:
        found = reading.article_page(db, article_id)
    if found is None:
        return reader.not_found(request, str(article_id), "article_numbered")
    reader.people.mark_read(request, article_id)
    labels = LABELS[language(request)]
    titles = reader.watchlist_titles()
    rule_set = reader.rules.get()
    reasons = [
        {
            "name": m.watchlist,
            "title": titles.get(m.watchlist, m.watchlist),
            "sentence": why_sentence(term_places(m.hits), labels)
            or labels["list_comma"].join(f"« {t} »" for t in m.terms),
            "rule": rule_text(rule_set, m.watchlist),
            "matched_at": m.matched_at,
            "alerted": m.alerted,
        }
        for m in found.matches
    ]
    return reader.page(
        request,
        "article.html",
        article=found,
        dir=text_direction(found.language, found.text),
        title_html=marked(found.title, hit_spans(found.matches, "title")),
        paragraphs=marked_paragraphs(found.text, hit_spans(found.matches, "text")),
        reasons=reasons,
        state=reader.people.article_state(request, article_id),
    )
