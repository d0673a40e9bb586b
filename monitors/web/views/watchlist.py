"""The watchlist page: its rule as written, matches per day, the latest matches, its feed; the
rule test on a URL or a text and the backtest over the stored articles (both on the costly
work's threads, within their budgets: monitors.web.costly)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from crawler.core.errors import VeilleError
from crawler.extraction.profiles import SiteProfile
from crawler.storage.engine import Database
from monitors.alerts.localized import format_day
from monitors.rules.backtest import ScanBudget
from monitors.rules.matcher import ArticleText, Matcher
from monitors.rules.watchlists import RuleSet, Watchlist
from monitors.service.backtest import backtest_watchlist
from monitors.service.lookback import reader_day
from monitors.web import paging, reading
from monitors.web.chart import bar_chart
from monitors.web.i18n import LABELS
from monitors.web.i18n_errors import error_text
from monitors.web.marking import term_places, why_sentence
from monitors.web.reader import BACKTEST_MAX_ARTICLES, language, read_form
from monitors.web.store import ListedAt, MatchRow
from monitors.web.views.search import PAGE_SIZE, bounded

if TYPE_CHECKING:
    from monitors.web.reader import Reader

log = logging.getLogger("veille.web")


async def watchlist(reader: Reader, request: Request) -> Response:
    name = request.path_params["name"]
    rule_set = reader.rules.get()
    chosen = find(rule_set, name)
    labels = LABELS[language(request)]
    try:
        before = paging.listed_at(request.query_params.get("before"))
        after = paging.listed_at(request.query_params.get("after"))
    except paging.BadCursor as exc:
        log.warning("page link refused on %s: %r", request.url.path, str(exc))
        return reader.refused(request, labels["bad_page"])
    if rule_set is None or chosen is None:  # deleted or renamed in the file, or mistyped
        if rule_set is not None and request.method == "GET":
            kept = await run_in_threadpool(deleted_page, reader, request, name, before, after)
            if kept is not None:
                return kept
        return reader.not_found(request, labels["watchlist_gone"].format(name=name))
    trial, backtested, status = None, None, 200
    form: dict[str, str] = {}
    days = 30
    if request.method == "POST":
        sent = await read_form(request)
        if sent is None:
            return reader.refused(request, labels["form_too_large"], status=413)
        form = sent
        refused = reader.form_guard.refusal(request, form)
        if refused:
            log.warning("form refused on %s: %s", request.url.path, refused)
            return reader.refused(request, refused.text(language(request)), status=403)
        if "backtest" in form:
            days = bounded(form.get("backtest"), 30, 1, 3650)
            backtested, status = await reader.run_backtest(rule_set, name, days, labels)
        else:
            trial, status = await reader.run_trial(rule_set, name, form, labels)
            if "error" in trial:  # a fetch's or an extraction's, in English
                trial["error"] = error_text(trial["error"], language(request))

    def render() -> HTMLResponse:
        with reader.reading_db() as db:
            per_day = reading.matches_per_day(db, name, timezone=reader.config.timezone)
            latest, older, newer = latest_page(db, name, before, after)
            total = reading.match_counts(db).get(name, 0)
        return reader.page(
            request,
            "watchlist.html",
            status=status,
            watchlist=chosen,
            rule=rule_text(rule_set, name),
            entities=[rule_set.entities[e] for e in entities_of(chosen, rule_set)],
            chart=bar_chart(
                per_day,
                f"{chosen.title} — {labels['per_day']}",
                lambda day: format_day(day, language(request)) or day,
                labels["colon"],
            ),
            per_day_total=sum(v for _, v in per_day),
            latest=latest,
            older=older and paging.link(request.url.path, request.query_params, before=older),
            newer=newer and paging.link(request.url.path, request.query_params, after=newer),
            total=total,
            feed_url=str(request.url_for("watchlist_feed", name=name)),
            trial=trial,
            form=form,
            profile_sources=profile_sources(reader.config.sources),
            backtested=backtested,
            backtest_days=days,
            not_relevant=reader.people.not_relevant(name),
        )

    return await run_in_threadpool(render)


def deleted_page(
    reader: Reader, request: Request, name: str, before: ListedAt | None, after: ListedAt | None
) -> HTMLResponse | None:
    """The page of a watchlist deleted from the file whose matches are kept: its old name,
    marked deleted, and its matches, newest first, a page at a time (the live watchlists'
    query, on the index by watchlist). None when it has no match (mistyped, or never
    matched): the page that says no such watchlist is the answer."""
    from monitors.web.triage import person_of

    with reader.reading_db() as db:
        total = reading.match_counts(db).get(name, 0)
        if not total:
            return None
        latest, older, newer = latest_page(db, name, before, after)
    return reader.page(
        request,
        "watchlist_deleted.html",
        deleted_name=name,
        total=total,
        latest=latest,
        older=older and paging.link(request.url.path, request.query_params, before=older),
        newer=newer and paging.link(request.url.path, request.query_params, after=newer),
        dismissed=reader.people.is_dismissed(person_of(request), name),
    )


def latest_page(
    db: Database, name: str, before: ListedAt | None, after: ListedAt | None
) -> tuple[list[MatchRow], str | None, str | None]:
    """A page of the watchlist's matches, newest first, and the keys of the older and newer
    pages (None: no such page). A newer page that reaches the newest match is the first page:
    it shows the newest PAGE_SIZE, as the page without a key does."""
    rows = reading.latest_matches(db, name, PAGE_SIZE + 1, before=before, after=after)
    if after is not None:
        if len(rows) <= PAGE_SIZE:
            return latest_page(db, name, None, None)
        rows = rows[1:]  # the one above: there is a newer page
        return (
            rows,
            paging.listed_at_text(rows[-1].listed_at),
            paging.listed_at_text(rows[0].listed_at),
        )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    older = paging.listed_at_text(rows[-1].listed_at) if more else None
    if before is None:
        return rows, older, None
    # an older page: the newer one starts above its first row (above its key when it is empty)
    return rows, older, paging.listed_at_text(rows[0].listed_at if rows else before)


def find(rule_set: RuleSet | None, name: str) -> Watchlist | None:
    if rule_set is None:
        return None
    return next((w for w in rule_set.watchlists if w.name == name), None)


def entities_of(watchlist: Watchlist, rule_set: RuleSet) -> list[str]:
    """Entities the watchlist names, in its `entities` list or as @name in its query."""
    named = list(watchlist.entities)
    for entity in rule_set.entities:
        if f"@{entity}" in (watchlist.query_text or "") and entity not in named:
            named.append(entity)
    return [e for e in named if e in rule_set.entities]


def rule_text(rule_set: RuleSet | None, name: str) -> dict | None:
    """A watchlist's rule as its author wrote it: the query, or its terms, requirements and
    exclusions."""
    chosen = find(rule_set, name)
    if chosen is None:
        return None
    return {
        "query": chosen.query_text,
        "terms": list(chosen.terms),
        "require": [list(group) for group in chosen.require],
        "exclude": list(chosen.exclude),
        "entities": list(chosen.entities),
        "languages": list(chosen.languages),
        "sources": list(chosen.sources),
        "fields": list(chosen.fields),
        "min_mentions": chosen.min_mentions,
    }


def site_profile(path: Path | None, name: str) -> SiteProfile:
    """The site profile of the source `name` in the reader's sources file; VeilleError says
    which sources exist, or that the reader was not told where the file is."""
    from crawler.discovery.sources import load_sources

    if path is None:
        raise VeilleError(
            f"no sources file to find {name!r} in: start `veille serve` with --sources "
            "(or VEILLE_SOURCES), or leave the source empty"
        )
    return load_sources(path).by_name(name).profile


def profile_sources(path: Path | None) -> list[str]:
    """The names a rule test may extract with (none when the sources file is missing or
    invalid: the test then runs without a profile, and `veille sources check` says why)."""
    if path is None:
        return []
    from crawler.discovery.sources import load_sources

    try:
        return sorted(source.name for source in load_sources(path).sources)
    except VeilleError:
        return []


def try_rule(
    rule_set: RuleSet,
    watchlist: Watchlist,
    form: dict,
    allowed: list[str],
    labels: dict,
    fetch_seconds: float,
    sources: Path | None = None,
) -> dict:
    """`veille rules test` for one watchlist, from the form: an absolute http(s) URL (fetched
    under the crawl's policy, within `fetch_seconds`, and extracted with the site profile of the
    form's `source` from the `sources` file, as `rules test URL --source NAME` does) or a pasted
    text. Never a path or '-': those are the command line's inputs and would read the server's
    files."""
    from crawler.extraction.extract import undeclared_text_language
    from monitors.rules.trial import article_from_url

    url = str(form.get("url") or "").strip()
    text = str(form.get("text") or "").strip()
    title = str(form.get("title") or "").strip()
    source = str(form.get("source") or "").strip()
    try:
        if url:
            profile = site_profile(sources, source) if source else None
            candidate = article_from_url(url, allowed, fetch_seconds, profile)
        elif text or title:  # in the language a crawl would give it, as a URL's text is
            candidate = ArticleText(title, text, undeclared_text_language(f"{title}\n{text}"))
        else:
            return {"error": labels["test_nothing"]}
    except VeilleError as exc:
        return {"error": str(exc)}
    results = Matcher([watchlist], rule_set.entities).match(candidate)
    if not results:
        why = ""  # a text in a language the watchlist does not take is said to be one
        if watchlist.languages and candidate.language not in watchlist.languages:
            languages = labels["list_comma"].join(watchlist.languages)
            why = labels["test_other_language"].format(
                languages=languages, language=candidate.language or "?"
            )
        return {"matched": False, "title": candidate.title, "why": why}
    result = results[0]
    places = term_places([reading.Hit(h.term, h.field, h.start, h.end) for h in result.hits])
    return {
        "matched": True,
        "title": candidate.title,
        "sentence": why_sentence(places, labels),
        "snippet": result.snippet,
    }


def backtest_days(
    reading_db: Callable[[], AbstractContextManager[Database]],
    rule_set: RuleSet,
    name: str,
    days: int,
    budget: ScanBudget,
    timezone: str,
    now: datetime | None = None,
) -> dict:
    """The watchlist over the articles of the last `days` days, newest first, at most
    BACKTEST_MAX_ARTICLES and within `budget` (`monitors.service.backtest`, as `veille rules
    backtest`); `partial` says why it stopped early. The days are the reader's, in `timezone`,
    as `veille rules backtest --since` and the search count them."""
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()
    first = reader_day(today - timedelta(days=max(1, min(days, 3650))), timezone)
    with reading_db() as db:
        summary = backtest_watchlist(
            db,
            rule_set,
            name,
            first.begins,
            budget=budget,
            max_articles=BACKTEST_MAX_ARTICLES,
            since_day=first.day,
        )
    since = first.day
    return {
        "counter_examples": summary.counter_examples,
        "hits": summary.hits,
        "scanned": summary.scanned,
        "since": since,
        "partial": summary.partial,
    }
