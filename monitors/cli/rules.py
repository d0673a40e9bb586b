"""`veille rules check | test | backtest`: validate, try and backtest the watch rules."""

from __future__ import annotations

import sys

import click

from crawler.core.errors import VeilleError
from monitors.cli.options import (
    LIMIT_MAX,
    allowed_networks,
    config_of,
    date_option,
    day_option,
    existing_db,
    fetch_timeout_option,
    language_codes,
    rules_of,
    settings_of,
    site_profile_option,
    source_profile,
)
from monitors.terminal import echo, echo_json


@click.group()
def rules() -> None:
    """Check and try watch rules."""


def _config_errors_json(exc: VeilleError) -> list[dict]:
    """Each problem of a configuration error with its file and line (null when not known)."""
    from crawler.core.errors import ConfigError, ConfigErrors

    if isinstance(exc, ConfigErrors):
        problems: list[VeilleError] = list(exc.errors)
    else:
        problems = [exc]
    return [
        {
            "file": p.path,
            "line": p.line,
            "column": p.column,
            "message": p.problem,
            "fix": p.fix or None,
        }
        if isinstance(p, ConfigError)
        else {"file": None, "line": None, "column": None, "message": str(p), "fix": None}
        for p in problems
    ]


@rules.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the watchlists as JSON.")
@click.option("--strict", is_flag=True, help="Treat warnings (likely slips) as errors.")
@click.pass_context
def rules_check(ctx: click.Context, as_json: bool, strict: bool) -> None:
    """Validate the watchlists file (and that the sources it names exist); report every
    problem of the file in one run, and warn about rules that parse but likely mean something
    else (lower-case or, NEAR5, titre:…, unused entities)."""
    from monitors.rules.lint import lint_rules

    settings = settings_of(ctx)
    try:
        config = config_of(ctx)
    except VeilleError as exc:
        if not as_json:
            raise
        # A script reading stdout gets an answer on an invalid file too, with each problem's
        # place; the exit status is the same as without --json.
        echo_json(
            {"path": str(settings.watchlists), "ok": False, "valid": False}
            | {"errors": _config_errors_json(exc), "warnings": []},
            ensure_ascii=False,
            indent=2,
        )
        echo(f"error: {exc}", err=True)
        ctx.exit(2)
    warnings = lint_rules(config.rules, config.rules.raw_watchlists)
    warnings_json = [
        {"line": w.line, "column": w.column, "message": w.message, "fix": w.fix} for w in warnings
    ]
    for warning in warnings:
        echo(str(warning), err=True)
    if strict and warnings:
        if as_json:
            echo_json(
                {"path": str(config.rules.path), "ok": False, "valid": True}
                | {"errors": [], "warnings": warnings_json},
                ensure_ascii=False,
                indent=2,
            )
        echo(f"error: {len(warnings)} warning(s) and --strict", err=True)
        sys.exit(2)
    if as_json:
        echo_json(
            {
                "path": str(config.rules.path),
                "ok": True,
                "valid": True,
                "errors": [],
                "warnings": warnings_json,
                "watchlists": [
                    {
                        "name": w.name,
                        "title": w.title,
                        "query": w.query_text,
                        "terms": list(w.terms),
                        "entities": list(w.entities),
                        "languages": list(w.languages),
                        "channels": config.delivery.channels_for(w.name),
                        "paused": w.paused,
                    }
                    for w in config.rules.watchlists
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
        return
    echo(f"{config.rules.path}: {len(config.rules.watchlists)} watchlists — valid")
    for w in config.rules.watchlists:
        channels = ", ".join(config.delivery.channels_for(w.name))
        parts = []
        if w.query_text:
            query = " ".join(w.query_text.split())
            parts.append(f"query {query[:60] + '…' if len(query) > 60 else query}")
        if w.entities:
            parts.append("entities " + ", ".join(w.entities))
        if w.terms:
            parts.append(f"{len(w.terms)} terms")
        if w.require:
            parts.append(f"{len(w.require)} required groups")
        if w.exclude:
            parts.append(f"{len(w.exclude)} excluded")
        paused = " (paused: matches nothing new)" if w.paused else ""
        echo(f"  {w.name}: {'; '.join(parts)} → {channels}{paused}")


@rules.command("test")
@click.argument("target", required=False)
@click.option("--text", help="Test this text instead of a URL or file.")
@click.option("--title", default="", help="Title to test with --text.")
@click.option(
    "--language",
    callback=language_codes,
    help="Language of --text (fr, ar, en…), for watchlists limited to some languages.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@fetch_timeout_option
@site_profile_option
@click.pass_context
def rules_test(
    ctx: click.Context,
    target: str | None,
    text: str | None,
    title: str,
    language: str | None,
    as_json: bool,
    timeout: float,
    source_name: str | None,
) -> None:
    """Show which watchlists match TARGET (a URL, an HTML file, or '-' for stdin) or --text."""
    from monitors.rules.matcher import ArticleText, Matcher
    from monitors.rules.trial import article_from_target

    rule_set = rules_of(ctx)
    if text is not None:
        article = ArticleText(title, text, language)
    elif target:
        profile = source_profile(ctx, source_name)
        article = article_from_target(target, allowed_networks(ctx), timeout, profile)
    else:
        raise click.UsageError("give a URL, a file, '-' or --text")
    results = Matcher.for_rules(rule_set).match(article)
    if as_json:
        echo_json(
            {
                "title": article.title,
                "language": article.language,
                "matches": [
                    {
                        "watchlist": r.watchlist,
                        "hits": [
                            {"term": h.term, "field": h.field, "start": h.start} for h in r.hits
                        ],
                        "snippet": r.snippet,
                    }
                    for r in results
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
        sys.exit(0 if results else 1)
    echo(f"title: {article.title or '(none)'}   language: {article.language or '?'}")
    if not results:
        echo("no watchlist matched")
        limited = [w.name for w in rule_set.watchlists if w.languages]
        if limited and article.language is None:
            echo(
                f"note: {', '.join(limited)} only match articles in "
                "some languages; give --language with --text to test them"
            )
        sys.exit(1)
    for result in results:
        places = ", ".join(f"{h.term!r} in {h.field} at {h.start}" for h in result.hits)
        echo(f"\n✔ {result.watchlist}: {places}\n  {result.snippet}")


@rules.command("backtest")
@click.argument("watchlist")
@click.option(
    "--since",
    help="Only articles published on or after this day (YYYY-MM-DD), in the team's time zone "
    "(VEILLE_WEB_TIMEZONE), as veille search's.",
)
@click.option(
    "--show",
    type=click.IntRange(0, LIMIT_MAX),
    default=50,
    show_default=True,
    help="Print at most this many matches.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the matches and totals as JSON.")
@click.pass_context
def rules_backtest(
    ctx: click.Context, watchlist: str, since: str | None, show: int, as_json: bool
) -> None:
    """Run WATCHLIST over the stored articles and list what it would have alerted on (sends nothing)."""
    from monitors.alerts.outbox import describe_hits
    from monitors.service.backtest import backtest_watchlist
    from monitors.service.lookback import local_day

    settings = settings_of(ctx)
    rule_set = rules_of(ctx)
    db = existing_db(ctx)
    # the reader's day, as veille search's: from midnight in the team's time zone
    day = date_option(since, "--since")
    bound = day_option(ctx, since, "--since")
    begins = bound.begins if bound else None
    max_age_days = settings.alert_max_age_days
    summary = backtest_watchlist(
        db, rule_set, watchlist, begins, keep=show, max_age_days=max_age_days, since_day=day
    )
    counter = summary.counter_examples
    if as_json:
        echo_json(
            {
                "watchlist": watchlist,
                "scanned": summary.scanned,
                "matched": summary.matched,
                "too_old_to_alert": summary.too_old_to_alert,
                "not_relevant": {
                    "marked": counter.marked,
                    "still_matched": counter.still_matched,
                    "dropped": counter.dropped,
                },
                "matches": [
                    {
                        "url": m.hit.url,
                        "title": m.hit.title,
                        "source": m.hit.source,
                        "published": m.hit.published,
                        "too_old_to_alert": m.too_old_to_alert,
                        "hits": [{"term": h.term, "field": h.field} for h in m.hit.result.hits],
                        "snippet": m.hit.result.snippet,
                    }
                    for m in summary.matches
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
        return
    for m in summary.matches:
        hit = m.hit
        hits = [{"term": h.term, "field": h.field} for h in hit.result.hits]
        date = local_day(hit.published, settings.web_timezone)  # the day the reader shows
        note = "  (too old to alert today)" if m.too_old_to_alert else ""
        echo(
            f"\n{date}  {hit.source}  {hit.title}{note}\n  {hit.url}\n  {describe_hits(hits)}\n  {hit.result.snippet}"
        )
    echo(
        f"\n{watchlist}: {summary.matched} of {summary.scanned} stored articles match "
        "(no alert sent)"
    )
    if summary.too_old_to_alert:
        echo(
            f"{summary.too_old_to_alert} of them are older than {max_age_days:g} days: matched "
            "today they would be stored but not alerted (VEILLE_ALERT_MAX_AGE_DAYS, 'off' for "
            "no limit)"
        )
    if counter.marked:
        echo(
            f"{counter.marked} articles were marked not relevant for {watchlist}: the rule "
            f"drops {counter.dropped} of them and still matches {len(counter.still_matched)}"
        )
