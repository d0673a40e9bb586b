"""Commands that read the stored articles: `veille stories`, `veille search`, `veille export`."""

from __future__ import annotations

import errno
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Literal

import click

from crawler.core.errors import VeilleError
from monitors.cli.options import (
    LIMIT,
    day_option,
    existing_db,
    known_names,
    rules_of,
    settings_of,
    stored_language_codes,
)
from monitors.terminal import echo, echo_json
from monitors.web.search_limits import SEARCH_SECONDS

# `veille search`'s exit status when the search stopped at its time limit: as `run --once`'s
# crawl stopped at its own (docs/scripting.md), the work was not done and may be done later or
# smaller; 2 says the command itself is wrong, and a script would not run it again.
STOPPED = 3


@click.command()
@click.option(
    "--limit", type=LIMIT, default=20, show_default=True, help="Print at most this many stories."
)
@click.option(
    "--min-sources",
    type=click.IntRange(1, 1_000),
    default=1,
    show_default=True,
    help="Only stories run by at least this many outlets.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the groups with every article, as JSON."
)
@click.pass_context
def stories(ctx: click.Context, limit: int, min_sources: int, as_json: bool) -> None:
    """Recent stories (one event, every outlet's article grouped) and the outlets that ran them."""
    from tabulate import tabulate

    from crawler.stories.store import recent_stories, story_groups

    db = existing_db(ctx)
    if as_json:
        echo_json(story_groups(db, limit, min_sources), ensure_ascii=False, indent=2)
        return
    rows = [
        [
            s["id"],
            s["first_seen"].replace("T", " "),
            s["articles"],
            s["sources"],
            (s["title"] or "")[:60],
            ", ".join(s["outlets"]),
        ]
        for s in recent_stories(db, limit, min_sources)
    ]
    echo(tabulate(rows, headers=["story", "first seen", "articles", "outlets", "title", "run by"]))


# the time limit said as the search keeps it (monitors.web.search_limits, which loads nothing)
SEARCH_HELP = f"""Search stored articles (same syntax as watch rules: AND OR NOT "phrase" prefix*
NEAR/n).

A search stopped at its time limit ({SEARCH_SECONDS:g} s) prints no result and exits 3, where a
wrong query exits 2: search fewer words joined by OR, or narrow it (--source, --language, --since
and --until), or run it again when the machine is less busy."""


@click.command(help=SEARCH_HELP)
@click.argument("query")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--language",
    "languages",
    multiple=True,
    help="Only this language (repeatable).",
)
@click.option("--since", help="Published on or after (YYYY-MM-DD).")
@click.option("--until", help="Published before (YYYY-MM-DD).")
@click.option("--watchlist", help="Only articles this watchlist matched.")
@click.option(
    "--limit", type=LIMIT, default=20, show_default=True, help="Print at most this many articles."
)
@click.option(
    "--order",
    type=click.Choice(["rank", "newest"]),
    default="rank",
    show_default=True,
    help="Best first (rank) or newest stored first.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    sources: tuple[str, ...],
    languages: tuple[str, ...],
    since: str | None,
    until: str | None,
    watchlist: str | None,
    limit: int,
    order: str,
    as_json: bool,
) -> None:
    """Search stored articles; the help text is SEARCH_HELP."""
    from monitors.service.lookback import local_day, search_articles
    from monitors.web.search import SearchStopped

    try:
        rule_set = rules_of(ctx)
    except VeilleError:
        rule_set = None  # entities are unavailable, plain searches still work
    db = existing_db(ctx)
    since_day, until_day = day_option(ctx, since, "--since"), day_option(ctx, until, "--until")
    known_names(db, sources, watchlist, rule_set)
    stored_language_codes(db, languages)
    try:
        hits = search_articles(
            db,
            query,
            rule_set,
            sources=sources,
            languages=languages,
            since=since_day,
            until=until_day,
            watchlist=watchlist,
            limit=limit,
            order=order,
            check=False,  # checked above, as click's usage errors
        )
    except SearchStopped as exc:  # no answer, and not the query's fault: not a usage error (2)
        echo(f"error: {exc}", err=True)
        ctx.exit(STOPPED)
    if as_json:
        echo_json([asdict(h) for h in hits], ensure_ascii=False, indent=2)
        return
    timezone = settings_of(ctx).web_timezone
    for hit in hits:
        date = local_day(hit.published, timezone)  # the day the reader shows it on
        echo(f"\n{date}  {hit.source}  {hit.title}\n  {hit.url}\n  {hit.snippet}")
    echo(f"\n{len(hits)} result(s)")


def _cannot_write(output: Path, exc: OSError) -> VeilleError:
    """A folder that does not exist, a path under a file or a full disk: an error naming the
    export's file (it was a traceback). A disk that filled as the file was written left part of
    an export, rows cut off with no word in the file of it: said, so that it is not taken for
    the whole."""
    # Only a write that ran out of room cut an export off: a file that could not be opened
    # (another user's, read-only) was left as it was, a previous whole export maybe.
    cut_off = exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    partial = cut_off and output.is_file() and output.stat().st_size > 0
    return VeilleError(
        f"--output {output}: the file cannot be written ({exc.strerror or exc})"
        + (": what it holds is an incomplete export, delete it" if partial else "")
        + ": give a file in a folder that exists and you may write to, on a disk with room"
    )


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "atom"]),
    default="csv",
    show_default=True,
    help="CSV for spreadsheets, JSON Lines (one match a line) or an Atom feed.",
)
@click.option("--watchlist", help="Only this watchlist's matches (required for atom).")
@click.option("--since", help="Published on or after (YYYY-MM-DD).")
@click.option("--until", help="Published before (YYYY-MM-DD).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (default: stdout).",
)
@click.option(
    "--plain-csv",
    is_flag=True,
    help="CSV for programs: every value as it is and no byte order mark (by default the CSV is "
    "for spreadsheets: it begins with a UTF-8 byte order mark, so that Excel reads Arabic and "
    "accents, and a cell beginning with = + - @ gets a leading ' so that it is not run as a "
    "formula).",
)
@click.pass_context
def export(
    ctx: click.Context,
    fmt: Literal["csv", "jsonl", "atom"],
    watchlist: str | None,
    since: str | None,
    until: str | None,
    output: Path | None,
    plain_csv: bool,
) -> None:
    """Export matches as CSV, JSON Lines or an Atom feed (a watchlist defined in the watchlists
    file but with no match yet exports nothing: an empty, valid file)."""
    from monitors.service.lookback import export_matches, watchlist_atom

    try:
        rule_set = rules_of(ctx)
    except VeilleError as exc:
        rule_set = None  # the watchlists that matched are still known from the database
        if watchlist:
            echo(f"warning: watchlists file not read, only matched names known: {exc}", err=True)
    db = existing_db(ctx)
    since_day, until_day = day_option(ctx, since, "--since"), day_option(ctx, until, "--until")
    known_names(db, watchlist=watchlist, rules=rule_set)
    if fmt == "atom":
        if not watchlist:
            raise click.UsageError("--format atom needs --watchlist")
        data = watchlist_atom(db, rule_set, watchlist, since=since_day, until=until_day)
        if output:
            try:
                output.write_bytes(data)
            except OSError as exc:
                raise _cannot_write(output, exc) from None
        else:
            sys.stdout.buffer.write(data)
        return
    if output:
        try:
            with output.open("w", encoding="utf-8", newline="") as out:
                count = export_matches(db, out, fmt, watchlist, since_day, until_day, not plain_csv)
        except OSError as exc:  # its folder missing, or the disk full as it is written
            raise _cannot_write(output, exc) from None
        echo(f"{count} rows written to {output}", err=True)
    else:
        export_matches(db, sys.stdout, fmt, watchlist, since_day, until_day, not plain_csv)
