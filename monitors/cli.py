"""The `veille` command: a thin layer over the library (crawler.*, monitors.*)."""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from tabulate import tabulate

from crawler.core.errors import VeilleError
from crawler.storage import store
from crawler.storage.engine import Database, database_errors
from monitors.alerts.secrets import RedactingFilter
from monitors.service.config import Settings, load_settings
from monitors.terminal import echo, echo_json

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: for log shippers (journald, Loki, ELK)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:  # already formatted (and redacted) by RedactingFilter
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "urllib3"):
        logging.getLogger(noisy).setLevel(
            max(logging.ERROR if noisy == "urllib3" else logging.WARNING, root.level)
        )


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _existing_db(ctx: click.Context):
    """The database, for commands that only read it: a missing file is a mistyped --db or
    VEILLE_DB (or nothing crawled yet), said as such rather than answered from a new empty one."""
    path = _settings(ctx).db
    if isinstance(path, Path) and not path.is_file():
        raise VeilleError(
            f"no database at {path}: check --db / VEILLE_DB, or run `veille run` (or "
            "`veille demo`) first to create it"
        )
    return store.open_database(path)


def _date_option(value: str | None, option: str) -> str | None:
    """A --since/--until value must be a date (YYYY-MM-DD), not silently nothing."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; give YYYY-MM-DD, e.g. 2026-11-17", param_hint=option
        ) from None


def _known_names(
    db: Database, sources: tuple[str, ...] = (), watchlist: str | None = None, rules=None
):
    """Unknown --source or --watchlist names are errors (a typo would answer '0 results')."""
    from monitors.alerts import store as alerts_store
    from monitors.web import store as web_store

    if sources:
        known = set(web_store.source_titles(db))
        for name in sources:
            if name not in known:
                raise click.BadParameter(
                    f"unknown source {name!r} (known: {', '.join(sorted(known)) or 'none'})",
                    param_hint="--source",
                )
    if watchlist:
        known = alerts_store.matched_watchlists(db)
        if rules is not None:
            known |= {w.name for w in rules.watchlists}
        if watchlist not in known:
            raise click.BadParameter(
                f"unknown watchlist {watchlist!r} (known: {', '.join(sorted(known)) or 'none'})",
                param_hint="--watchlist",
            )


def _allowed_networks(ctx: click.Context) -> list[str]:
    """Internal networks every fetch may reach anyway: the crawl's VEILLE_ALLOWED_NETWORKS
    (VEILLE_CRAWL_SETTINGS), so `sources check` and `rules test URL` fetch as a crawl does."""
    allowed = _settings(ctx).crawl_settings.get("VEILLE_ALLOWED_NETWORKS", [])
    return [str(a) for a in allowed] if isinstance(allowed, list) else [str(allowed)]


class _Seconds(click.FloatRange):
    """A number of seconds within bounds; NaN is refused too (FloatRange lets it through)."""

    def convert(self, value, param, ctx):
        seconds = super().convert(value, param, ctx)
        if math.isnan(seconds):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return seconds


# Every number the command line takes is bounded: a value past what SQLite or a socket holds
# (--limit 99999999999999999999) is refused with the option's range, not met by a traceback.
LIMIT_MAX = 100_000
LIMIT = click.IntRange(1, LIMIT_MAX)
PORT = click.IntRange(1, 65_535)
ROW_ID = click.IntRange(1, 2**63 - 1)  # SQLite's largest row id
SECONDS = _Seconds(0.1, 3_600)


def _hoist_global_options(group: click.Group, args: list[str]) -> list[str]:
    """Moves the global options written after the command (`veille status --db x.db`, the most
    common slip) to before it, where click looks for them. No subcommand reuses a global option's
    name (tests/test_cli_usage.py holds it), so a moved token is never a subcommand's own; --help
    and --version stay where they are (after a command, --help is that command's help)."""
    takes_value: set[str] = set()
    flags: set[str] = set()
    for param in group.params:
        if isinstance(param, click.Option) and param.name != "version":
            (flags if param.is_flag else takes_value).update(param.opts)
    i = 0
    while i < len(args):  # the global options already in front, up to the command's name
        token = args[i]
        if token == "--" or not token.startswith("-"):
            break
        i += 2 if token in takes_value else 1
    front, rest = list(args[:i]), list(args[i:])
    moved: list[str] = []
    kept: list[str] = []
    j = 0
    while j < len(rest):
        token = rest[j]
        if token == "--":
            kept.extend(rest[j:])
            break
        name = token.split("=", 1)[0]
        if token in takes_value:
            moved.extend(rest[j : j + 2])
            j += 2
        elif name in takes_value or token in flags:
            moved.append(token)
            j += 1
        else:
            kept.append(token)
            j += 1
    return front + moved + kept


class _Veille(click.Group):
    """Turns every VeilleError into a one-line message and exit status 2, no traceback; takes the
    global options after the command as well as before it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _hoist_global_options(self, args))

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except VeilleError as exc:
            echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except database_errors() as exc:  # disk full, a damaged page, a server gone mid-command
            settings = (ctx.obj or {}).get("settings")
            where = settings.db if settings else "the database"
            echo(f"error: {store.explain_error(where, exc)}", err=True)
            ctx.exit(2)


@click.group(cls=_Veille, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="veille", message="%(prog)s %(version)s")
@click.option(
    "--db",
    help="SQLite file, or postgresql://… [env VEILLE_DB; data/veille.db]",
)
@click.option(
    "--sources", type=click.Path(path_type=Path), help="sources YAML [env VEILLE_SOURCES]"
)
@click.option(
    "--watchlists", type=click.Path(path_type=Path), help="watchlists YAML [env VEILLE_WATCHLISTS]"
)
@click.option(
    "--secrets", type=click.Path(path_type=Path), help="KEY=VALUE secrets file [env VEILLE_SECRETS]"
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=lambda: os.environ.get("VEILLE_LOG_FORMAT", "text"),
    help="text, or one JSON object per line [env VEILLE_LOG_FORMAT]",
)
@click.pass_context
def cli(
    ctx: click.Context, db, sources, watchlists, secrets, log_level: str, log_format: str
) -> None:
    """veille — veille de la presse tech marocaine / Moroccan tech press monitoring."""
    setup_logging(log_level, log_format)
    ctx.obj = {
        "settings": load_settings(db=db, sources=sources, watchlists=watchlists, secrets=secrets)
    }


# -- run, demo, status -----------------------------------------------------------------------------


@cli.command()
@click.option("--once", is_flag=True, help="Run one full cycle (crawl, match, deliver) and exit.")
@click.option("--health-port", type=PORT, help="Serve GET /health (JSON) on 127.0.0.1:PORT.")
@click.pass_context
def run(ctx: click.Context, once: bool, health_port: int | None) -> None:
    """Run the daemon (or one cycle with --once).

    With --once the exit status is 0 when every source was crawled, 3 when the crawl stopped
    (its time limit, a kill) before some sources were done (what was stored was matched and
    delivered; the sources are named), and 1 when every source failed."""
    from monitors.service.config import load_config
    from monitors.service.cycle import failed_sources, recover, run_cycle
    from monitors.service.daemon import Daemon, hold_daemon_lock, pidfile_for

    config = load_config(_settings(ctx))
    db = store.open_database(config.settings.db)
    store.check_database(db, config.settings.db)
    db.close()
    if once:
        # One runner per database, as for the daemon: then a delivery left 'sending' can only
        # be one a killed run left behind, and is marked 'unconfirmed' (never sent twice).
        lock = hold_daemon_lock(pidfile_for(config.settings.db))
        try:
            db = store.open_database(config.settings.db)
            recover(db, config)
            db.close()
            report = run_cycle(config)
        finally:
            pidfile_for(config.settings.db).unlink(missing_ok=True)
            lock.close()
        echo(
            f"cycle done: {report.crawl.new_articles} new articles, {report.matches.matches} matches, "
            f"{report.matches.alerts} alerts, {report.deliveries.sent} sent, {report.crawl.errors} errors"
        )
        why = report.matches.not_alerted()
        if why:
            echo(f"matches not alerted: {why}")
        if report.unfinished:
            echo(
                f"the crawl ({report.crawl.status}) stopped before these sources were done: "
                f"{', '.join(report.unfinished)}; what was stored was matched and delivered, "
                "the rest is fetched by their next crawl (VEILLE_CRAWL_TIME_LIMIT sets the limit)",
                err=True,
            )
            sys.exit(3)
        failed = failed_sources(report.crawl, [s.name for s in config.sources.enabled()])
        if failed and len(failed) == len(config.sources.enabled()):
            echo(
                f"every source failed ({', '.join(failed)}): see `veille status` for the errors",
                err=True,
            )
            sys.exit(1)
        return
    daemon = Daemon(config)
    if health_port:
        from monitors.service.health import serve_health

        serve_health(config.settings.db, health_port, daemon_state=daemon.state)
    daemon.run_forever()


@cli.command()
@click.pass_context
def reload(ctx: click.Context) -> None:
    """Ask the running daemon to re-read sources and watchlists (it keeps the old ones if invalid)."""
    from monitors.service.daemon import request_reload

    try:
        pid = request_reload(_settings(ctx).db)
    except VeilleError as exc:
        raise click.ClickException(str(exc)) from None
    echo(
        f"reload requested from daemon {pid}; its log says whether the new configuration was accepted"
    )


@cli.command()
@click.option(
    "--dir",
    "workdir",
    type=click.Path(path_type=Path),
    default=Path("data/demo"),
    show_default=True,
)
def demo(workdir: Path) -> None:
    """Serve bundled fixture sites on 127.0.0.1 and run one full cycle against them."""
    from monitors.demo.run import run_demo

    echo("Serving the demo sites on 127.0.0.1 and running one cycle…")
    result = run_demo(workdir=workdir)
    db = store.open_database(result.config.settings.db)
    _print_status(db)
    echo(
        f"\nDemo done: {result.report.crawl.new_articles} articles stored, "
        f"{result.report.matches.alerts} alerts (printed above). Database: {result.config.settings.db}"
    )
    echo(f"Explore it:  veille --db {result.config.settings.db} status")


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_status(db) -> None:
    from monitors.service.status import extraction_line, gather_status

    status = gather_status(db)
    table = [
        [
            s.name,
            (s.last_success_at or "never").replace("T", " "),
            s.articles,
            s.error_count,
            s.pace or "",
            f"{s.retries_waiting}/{s.retries_given_up}",
            _shorten(s.last_error or "", 60),
        ]
        for s in status.sources
    ]
    headers = [
        "source",
        "last success",
        "articles",
        "errors",
        "pace",
        "retry/gave up",
        "last error",
    ]
    echo(tabulate(table, headers=headers))
    for s in status.sources:
        if s.warning:
            echo(f"\nwarning: {s.name}: {s.warning}")
    extraction = [(s.name, line) for s in status.sources if (line := extraction_line(s))]
    if extraction:
        echo("\nnot stored as articles (pages: last 7 days; links: last crawl):")
        for name, line in extraction:
            echo(f"  {name}: {line}")
    cut = [s for s in status.sources if s.last_error and len(s.last_error) > 60]
    if cut:  # the end of an error is often what to do about it
        echo("\nlast errors in full:")
        for s in cut:
            echo(f"  {s.name}: {s.last_error}")
    if status.matches_not_alerted:
        reasons = ", ".join(f"{n} ({why})" for why, n in sorted(status.matches_not_alerted.items()))
        echo(f"\nmatches not alerted in the last 7 days: {reasons}")
    states = ", ".join(f"{k}: {v}" for k, v in sorted(status.deliveries_by_state.items())) or "none"
    echo(
        f"\narticles: {status.articles}   stories: {status.stories} "
        f"({status.stories_in_several_outlets} carried by several outlets)   "
        f"alerts: {status.alerts}   deliveries: {states}"
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Per source: last crawl, articles stored, last error; alert deliveries by state."""
    from monitors.service.status import gather_status

    db = _existing_db(ctx)
    if as_json:
        echo_json(asdict(gather_status(db)), ensure_ascii=False, indent=2)
    else:
        _print_status(db)


@cli.command()
@click.option("--limit", type=LIMIT, default=20, show_default=True)
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
    from crawler.stories.store import recent_stories, story_groups

    db = _existing_db(ctx)
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
            s["outlets"],
        ]
        for s in recent_stories(db, limit, min_sources)
    ]
    echo(tabulate(rows, headers=["story", "first seen", "articles", "outlets", "title", "run by"]))


@cli.command(name="import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--skip-invalid", is_flag=True, help="Import the valid lines and list the invalid ones."
)
@click.option(
    "--no-alerts",
    is_flag=True,
    help="Store the articles as already matched: searchable and grouped, never alerted on.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def import_command(
    ctx: click.Context, path: Path, skip_invalid: bool, no_alerts: bool, as_json: bool
) -> None:
    """Store the articles of a JSON-lines file (one article per line: url, text, source, and
    title, published, language, author) as a crawl would: deduplicated, grouped into stories.
    Format: docs/stories-and-search.md."""
    from crawler.storage.importer import import_file

    db = store.open_database(_settings(ctx).db)
    report = import_file(db, path, skip_invalid=skip_invalid, alerts=not no_alerts)
    if as_json:
        echo_json(report.as_dict(), ensure_ascii=False, indent=2)
        return
    echo(
        f"{path}: {report.read} read, {report.new} new, {report.duplicates} already stored, "
        f"{report.updated} updated; {report.stories_joined} joined another outlet's story"
    )
    if report.sources_created:
        echo(
            f"new sources (not in the sources file, not crawled): {', '.join(report.sources_created)}"
        )
    if report.undated:
        echo(f"{report.undated} without a published date: grouped and alerted as if published now")
    for cut in report.texts_cut:
        echo(f"cut {cut}", err=True)
    for problem in report.skipped:
        echo(f"skipped {problem}", err=True)
    if report.skipped_total > len(report.skipped):
        echo(f"skipped … and {report.skipped_total - len(report.skipped)} more", err=True)


@cli.command()
@click.argument("query")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--language", "languages", multiple=True, help="Only this language (repeatable).")
@click.option("--since", help="Published on or after (YYYY-MM-DD).")
@click.option("--until", help="Published before (YYYY-MM-DD).")
@click.option("--watchlist", help="Only articles this watchlist matched.")
@click.option("--limit", type=LIMIT, default=20, show_default=True)
@click.option(
    "--order",
    type=click.Choice(["rank", "newest"]),
    default="rank",
    show_default=True,
    help="Best first (rank) or newest stored first.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_context
def search(ctx, query, sources, languages, since, until, watchlist, limit, order, as_json) -> None:
    """Search stored articles (same syntax as watch rules: AND OR NOT "phrase" prefix* NEAR/n)."""
    from monitors.alerts.secrets import load_secrets_file
    from monitors.rules.watchlists import load_rules
    from monitors.web.search import search as run_search

    settings = _settings(ctx)
    try:
        rule_set = load_rules(settings.watchlists, load_secrets_file(settings.secrets))
    except VeilleError:
        rule_set = None  # entities are unavailable, plain searches still work
    db = _existing_db(ctx)
    since, until = _date_option(since, "--since"), _date_option(until, "--until")
    _known_names(db, sources, watchlist, rule_set)
    hits = run_search(
        db,
        query,
        rule_set,
        list(sources),
        list(languages),
        since,
        until,
        watchlist,
        limit,
        order=order,
    )
    if as_json:
        echo_json([asdict(h) for h in hits], ensure_ascii=False, indent=2)
        return
    for hit in hits:
        date = (hit.published or "")[:10]
        echo(f"\n{date}  {hit.source}  {hit.title}\n  {hit.url}\n  {hit.snippet}")
    echo(f"\n{len(hits)} result(s)")


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl", "atom"]), default="csv", show_default=True
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
@click.pass_context
def export(ctx, fmt, watchlist, since, until, output) -> None:
    """Export matches as CSV, JSON Lines or an Atom feed (a watchlist defined in the watchlists
    file but with no match yet exports nothing: an empty, valid file)."""
    from monitors.alerts.secrets import load_secrets_file
    from monitors.rules.watchlists import load_rules
    from monitors.web.export import atom_feed, matched_articles, write_csv, write_jsonl

    settings = _settings(ctx)
    try:
        rule_set = load_rules(settings.watchlists, load_secrets_file(settings.secrets))
    except VeilleError as exc:
        rule_set = None  # the watchlists that matched are still known from the database
        if watchlist:
            echo(f"warning: watchlists file not read, only matched names known: {exc}", err=True)
    db = _existing_db(ctx)
    since, until = _date_option(since, "--since"), _date_option(until, "--until")
    _known_names(db, watchlist=watchlist, rules=rule_set)
    records = matched_articles(db, watchlist, since, until)
    if fmt == "atom":
        if not watchlist:
            raise click.UsageError("--format atom needs --watchlist")
        try:
            title = rule_set.by_name(watchlist).title if rule_set else watchlist
        except VeilleError:
            title = watchlist
        data = atom_feed(list(records), watchlist, title)
        if output:
            output.write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
        return
    writer = write_csv if fmt == "csv" else write_jsonl
    if output:
        with output.open("w", encoding="utf-8", newline="") as out:
            count = writer(records, out)
        echo(f"{count} rows written to {output}", err=True)
    else:
        writer(records, sys.stdout)


@cli.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Listen address (loopback by default)."
)
@click.option("--port", type=PORT, default=8001, show_default=True)
@click.option(
    "--allow-sql",
    is_flag=True,
    help="Let visitors run their own read-only SQL on the raw tables (/data/).",
)
@click.option(
    "--behind-auth-proxy",
    is_flag=True,
    help="A reverse proxy in front authenticates visitors and passes the user in --auth-header; "
    "requests without that header are refused.",
)
@click.option(
    "--auth-header",
    default="X-Forwarded-User",
    show_default=True,
    help="The header in which the proxy passes the authenticated user.",
)
@click.option("--no-raw-data", is_flag=True, help="Do not serve the raw tables (Datasette).")
@click.option(
    "--public-name",
    "public_names",
    multiple=True,
    help="A name (or address) browsers reach the web view by, besides localhost and 127.0.0.1 "
    "(repeatable; adds to VEILLE_WEB_PUBLIC_NAMES). Requests for any other Host get 400.",
)
@click.option(
    "--editor",
    "editors",
    multiple=True,
    help="A user allowed to edit the watchlists in the reader, by the name the login gives "
    "(repeatable; replaces VEILLE_WEB_EDITORS). Without either, everyone who reaches the "
    "reader may edit.",
)
@click.option(
    "--hash-password",
    is_flag=True,
    help="Ask for a team password and print the line to put in the secrets file "
    "(VEILLE_WEB_PASSWORD_HASH=…), then exit.",
)
@click.pass_context
def serve(
    ctx,
    host: str,
    port: int,
    allow_sql: bool,
    behind_auth_proxy: bool,
    auth_header: str,
    no_raw_data: bool,
    public_names: tuple[str, ...],
    editors: tuple[str, ...],
    hash_password: bool,
) -> None:
    """The web view: the reader (latest matches, articles, stories, search, sources, feeds) and
    the raw tables under /data/. Loopback only unless a login guards it."""
    import ipaddress

    import uvicorn

    from monitors.alerts.secrets import load_secrets_file
    from monitors.web.app import ReaderConfig, create_app
    from monitors.web.auth import PASSWORD_HASH_KEY, check_password_hash
    from monitors.web.auth import hash_password as make_hash
    from monitors.web.hosts import public_name

    if hash_password:
        password = click.prompt("team password", hide_input=True, confirmation_prompt=True)
        if len(password) < 10:
            raise VeilleError("the password is too short: give at least 10 characters")
        echo(f"{PASSWORD_HASH_KEY}={make_hash(password)}")
        return
    settings = _settings(ctx)
    password_hash = load_secrets_file(settings.secrets).get(PASSWORD_HASH_KEY) or os.environ.get(
        PASSWORD_HASH_KEY
    )
    if password_hash:
        check_password_hash(password_hash)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    loopback = host == "localhost" or (address is not None and address.is_loopback)
    wildcard = address is not None and address.is_unspecified
    from monitors.people.store import password_hashes

    def count_accounts() -> int:
        db = _existing_db(ctx)
        try:
            return len(password_hashes(db))
        finally:
            db.close()

    missing = isinstance(settings.db, Path) and not settings.db.is_file()
    accounts = 0 if missing else count_accounts()
    if not loopback and not (password_hash or behind_auth_proxy or accounts):
        raise VeilleError(
            f"--host {host}: the web view listens on loopback only unless a login guards it: "
            "add people with a password (`veille users add NAME`), or "
            f"put a team password hash in the secrets file ({PASSWORD_HASH_KEY}, made by "
            "`veille serve --hash-password`), or keep 127.0.0.1 behind a reverse proxy with "
            "authentication, or add --behind-auth-proxy if such a proxy passes the user in "
            f"{auth_header} (docs/web-view.md)"
        )
    # the listen address itself is a name of the server when it names one host (not 0.0.0.0)
    names = [*settings.web_public_names] + ([] if loopback or wildcard else [host])
    for name in public_names:
        try:
            names.append(public_name(name))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--public-name") from None
    if missing:
        count_accounts()  # says there is no database, and where it was looked for
    app = create_app(
        ReaderConfig(
            db=settings.db,
            watchlists=Path(settings.watchlists),
            secrets=Path(settings.secrets) if settings.secrets else None,
            allowed_networks=_allowed_networks(ctx),
            raw_data=not no_raw_data,
            allow_sql=allow_sql,
            public_names=names,
            password_hash=password_hash,
            proxy_header=auth_header if behind_auth_proxy else None,
            editors=editors or settings.web_editors,
            timezone=settings.web_timezone,
            sources=Path(settings.sources),
        )
    )
    guard = []
    if password_hash or behind_auth_proxy or accounts:
        guard.append(f"{accounts} people's passwords" if accounts else "")
        guard.append("team password" if password_hash else "")
        guard.append(f"proxy header {auth_header}" if behind_auth_proxy else "")
    login = " and ".join(g for g in guard if g) or "no login (loopback)"
    echo(f"veille web view on http://{host}:{port}/ ({login})", err=True)
    if names:
        echo(f"answering to loopback and to: {', '.join(names)}", err=True)
    elif not loopback:
        echo(
            "answering to loopback names only (localhost, 127.0.0.1): give the names browsers "
            "use with --public-name (or VEILLE_WEB_PUBLIC_NAMES)",
            err=True,
        )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


# -- sources ---------------------------------------------------------------------------------------


@cli.group()
def sources() -> None:
    """Inspect the source list."""


@sources.command("check")
@click.option("--offline", is_flag=True, help="Only validate the file; do not fetch anything.")
@click.option("--source", "names", multiple=True, help="Check only this source (repeatable).")
@click.option(
    "--timeout",
    type=SECONDS,
    default=15.0,
    show_default=True,
    help="Seconds per request, the whole exchange (a server that drips is cut).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one result per entry point as JSON.")
@click.pass_context
def sources_check(
    ctx: click.Context, offline: bool, names: tuple[str, ...], timeout: float, as_json: bool
) -> None:
    """Validate the sources file and try each entry point."""
    from crawler.discovery.probe import probe_sources
    from crawler.discovery.sources import load_sources

    source_list = load_sources(_settings(ctx).sources)
    entries = sum(len(s.entry_points) for s in source_list.sources)
    summary = (
        f"{source_list.path}: {len(source_list.sources)} sources, {entries} entry points — valid"
    )
    if offline:
        if as_json:
            echo_json({"path": str(source_list.path), "valid": True, "entries": []})
        else:
            echo(summary)
        return
    chosen = [source_list.by_name(n) for n in names] if names else source_list.sources
    total = sum(len(s.entry_points) for s in chosen)
    if sys.stderr.isatty() and not as_json:  # progress on a terminal, quiet in pipes and logs
        with click.progressbar(length=total, label="checking entry points", file=sys.stderr) as bar:
            results = probe_sources(
                chosen,
                timeout=timeout,
                allowed=_allowed_networks(ctx),
                progress=lambda _result: bar.update(1),
            )
    else:
        results = probe_sources(chosen, timeout=timeout, allowed=_allowed_networks(ctx))
    working = {r.source for r in results if r.reachable and not r.error}
    if as_json:
        echo_json(
            {
                "path": str(source_list.path),
                "valid": True,
                "entries": [asdict(r) for r in results],
            },
            ensure_ascii=False,
            indent=2,
        )
        sys.exit(0 if working or not results else 1)
    echo(summary)
    table = [
        [
            r.source,
            r.kind,
            r.declared_status,
            "yes" if r.reachable else "no",
            r.http_status or "",
            r.items,
            (r.error or "")[:60],
            r.url,
        ]
        for r in results
    ]
    echo(
        tabulate(
            table,
            headers=["source", "kind", "declared", "reachable", "HTTP", "items", "error", "url"],
        )
    )
    ok = sum(1 for r in results if r.reachable and not r.error)
    echo(f"\n{ok}/{len(results)} entry points answered with usable content")
    if results and not working:
        echo("no source answered with usable content", err=True)
        sys.exit(1)


# -- rules -----------------------------------------------------------------------------------------


@cli.group()
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
    from monitors.service.config import load_config

    settings = _settings(ctx)
    try:
        config = load_config(settings)
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
                        "channels": config.rules.channels_for(w),
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
        channels = ", ".join(config.rules.channels_for(w))
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


# Shared by `rules test` and `extract`, which fetch a page the way a crawl of a source would.
_fetch_timeout_option = click.option(
    "--timeout",
    type=SECONDS,
    default=20.0,
    show_default=True,
    help="Seconds for fetching a URL, the whole exchange (a server that drips is cut).",
)
_site_profile_option = click.option(
    "--source",
    "source_name",
    help="Extract with this source's site profile (prune_xpath, content_xpath, date_xpath), "
    "as a crawl of that source would.",
)


@rules.command("test")
@click.argument("target", required=False)
@click.option("--text", help="Test this text instead of a URL or file.")
@click.option("--title", default="", help="Title to test with --text.")
@click.option(
    "--language",
    help="Language of --text (fr, ar, en…), for watchlists limited to some languages.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_fetch_timeout_option
@_site_profile_option
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
    from monitors.alerts.secrets import load_secrets_file
    from monitors.rules.matcher import ArticleText, Matcher
    from monitors.rules.trial import article_from_target
    from monitors.rules.watchlists import load_rules

    settings = _settings(ctx)
    rule_set = load_rules(settings.watchlists, load_secrets_file(settings.secrets))
    if text is not None:
        article = ArticleText(title, text, language)
    elif target:
        profile = _source_profile(ctx, source_name)
        article = article_from_target(target, _allowed_networks(ctx), timeout, profile)
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


def _source_profile(ctx: click.Context, source_name: str | None):
    """The site profile of --source NAME from the sources file, or None without --source."""
    if source_name is None:
        return None
    from crawler.discovery.sources import load_sources

    return load_sources(_settings(ctx).sources).by_name(source_name).profile


@cli.command("extract")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--full", is_flag=True, help="Print the whole text (default: its first 1,500 characters)."
)
@_fetch_timeout_option
@_site_profile_option
@click.pass_context
def extract_command(
    ctx: click.Context,
    target: str,
    as_json: bool,
    full: bool,
    timeout: float,
    source_name: str | None,
) -> None:
    """Show what veille would store for TARGET (a URL, an HTML file, or '-' for stdin): title,
    author, date and where it came from, language, original outlet, text; or why it declines
    the page. Exit status 1 when the page is declined."""
    from crawler.extraction.extract import NotAnArticle, extract_article
    from monitors.rules.trial import load_page

    profile = _source_profile(ctx, source_name)
    page, url = load_page(target, _allowed_networks(ctx), timeout)
    try:
        extracted = extract_article(page, url, profile)
    except NotAnArticle as exc:
        if as_json:
            echo_json({"target": target, "stored": False, "reason": str(exc)})
        else:
            echo(f"declined: {exc}")
        sys.exit(1)
    date = extracted.date
    record = {
        "target": target,
        "stored": True,
        "title": extracted.title,
        "author": extracted.author,
        "published": date.value if date else None,
        "published_precision": date.precision if date else None,
        "published_origin": date.origin if date else None,
        "language": extracted.language,
        "language_declared": extracted.language_declared,
        "original_source": extracted.original_source,
        "original_url": extracted.original_url,
        "sitename": extracted.sitename,
        "canonical_url": extracted.canonical_url,
        "source": source_name,
        "path": extracted.path,
        "path_reason": extracted.path_reason,
        "paragraphs_filtered": extracted.paragraphs_filtered,
        "looks_like_navigation": extracted.looks_like_navigation,
        "notes": list(extracted.notes),
        "characters": len(extracted.text),
        "text": extracted.text,
    }
    if as_json:
        echo_json(record, ensure_ascii=False)
        return
    for key in ("title", "author", "sitename", "canonical_url", "original_source", "original_url"):
        echo(f"{key}: {record[key] or '-'}")
    published = f"{date.value} ({date.precision}, from the {date.origin})" if date else "-"
    echo(f"published: {published}")
    language = extracted.language or "-"
    if extracted.language_declared:
        language += f" (the page declares {extracted.language_declared}; its text says otherwise)"
    echo(f"language: {language}")
    filtered = f", {extracted.paragraphs_filtered} boilerplate paragraph(s) taken out"
    echo(f"text from: {extracted.path}{filtered if extracted.paragraphs_filtered else ''}")
    if extracted.path_reason:
        echo(f"why: {extracted.path_reason}")
    for note in extracted.notes:
        echo(f"note: {note}")
    text = extracted.text if full or len(extracted.text) <= 1500 else extracted.text[:1500] + " …"
    echo(f"text: {len(extracted.text)} characters\n\n{text}")


@rules.command("backtest")
@click.argument("watchlist")
@click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")
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
    from monitors.alerts.secrets import load_secrets_file
    from monitors.rules.backtest import backtest, counter_examples
    from monitors.rules.watchlists import load_rules

    settings = _settings(ctx)
    rule_set = load_rules(settings.watchlists, load_secrets_file(settings.secrets))
    db = _existing_db(ctx)
    since = _date_option(since, "--since")
    from monitors.alerts.outbox import is_recent

    max_age_days = settings.alert_max_age_days
    max_age = timedelta(days=max_age_days) if max_age_days is not None else None
    now = datetime.now(UTC)
    total = matched = too_old = 0
    shown: list[dict] = []
    for scanned, hit in backtest(db, rule_set, watchlist, since):
        total = scanned
        if hit is None:
            continue
        matched += 1
        old = not is_recent(hit.published, max_age, now)
        too_old += old
        if as_json:
            if matched <= show:
                shown.append(
                    {
                        "url": hit.url,
                        "title": hit.title,
                        "source": hit.source,
                        "published": hit.published,
                        "too_old_to_alert": old,
                        "hits": [{"term": h.term, "field": h.field} for h in hit.result.hits],
                        "snippet": hit.result.snippet,
                    }
                )
            continue
        if matched <= show:
            hits = [{"term": h.term, "field": h.field} for h in hit.result.hits]
            date = (hit.published or "")[:10]
            note = "  (too old to alert today)" if old else ""
            echo(
                f"\n{date}  {hit.source}  {hit.title}{note}\n  {hit.url}\n  {describe_hits(hits)}\n  {hit.result.snippet}"
            )
    counter = counter_examples(db, rule_set, watchlist)
    if as_json:
        echo_json(
            {
                "watchlist": watchlist,
                "scanned": total,
                "matched": matched,
                "too_old_to_alert": too_old,
                "not_relevant": {
                    "marked": counter.marked,
                    "still_matched": counter.still_matched,
                    "dropped": counter.dropped,
                },
                "matches": shown,
            },
            ensure_ascii=False,
            indent=2,
        )
        return
    echo(f"\n{watchlist}: {matched} of {total} stored articles match (no alert sent)")
    if too_old:
        echo(
            f"{too_old} of them are older than {max_age_days:g} days: matched today they would "
            "be stored but not alerted (VEILLE_ALERT_MAX_AGE_DAYS, 'off' for no limit)"
        )
    if counter.marked:
        echo(
            f"{counter.marked} articles were marked not relevant for {watchlist}: the rule "
            f"drops {counter.dropped} of them and still matches {len(counter.still_matched)}"
        )


# -- notify and alerts ------------------------------------------------------------------------------


@cli.group()
def notify() -> None:
    """Notification channels."""


@notify.command("test")
@click.argument("channel")
@click.pass_context
def notify_test(ctx: click.Context, channel: str) -> None:
    """Send a test message through CHANNEL (a name from the watchlists file)."""
    import apprise

    from monitors.alerts.channels import CONSOLE, describe_unusable_channels
    from monitors.alerts.delivery import Sender
    from monitors.alerts.messages import Message
    from monitors.alerts.secrets import load_secrets_file
    from monitors.rules.watchlists import load_rules

    settings = _settings(ctx)
    rule_set = load_rules(settings.watchlists, load_secrets_file(settings.secrets))
    if channel != CONSOLE and channel not in rule_set.channels:
        known = ", ".join(sorted(rule_set.channels)) or "none"
        raise click.UsageError(f"no channel named {channel!r} (known: {known})")
    if channel != CONSOLE and not rule_set.channels[channel].usable:
        raise click.ClickException(
            next(m for m in describe_unusable_channels(rule_set.channels) if f"'{channel}'" in m)
        )
    message = Message(
        "[veille] Message de test / test message",
        "Ce canal fonctionne : les alertes de veille arriveront ici.\n"
        "This channel works: veille alerts will arrive here.",
        apprise.NotifyFormat.TEXT,
    )
    sender = Sender(store.open_database(settings.db), rule_set, min_interval=0)
    error = sender.send(channel, message)
    if error:
        echo(f"✘ {channel}: {error}", err=True)
        sys.exit(1)
    echo(f"✔ {channel}: test message sent")


@cli.group()
def alerts() -> None:
    """Inspect and re-send alerts."""


@alerts.command("list")
@click.option("--state", type=click.Choice(["pending", "sending", "sent", "failed", "unconfirmed"]))
@click.option("--watchlist")
@click.option("--limit", type=LIMIT, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON.")
@click.pass_context
def alerts_list(
    ctx: click.Context, state: str | None, watchlist: str | None, limit: int, as_json: bool
) -> None:
    """The latest alerts and the state of each delivery."""
    from monitors.alerts.inspect import list_alerts

    db = _existing_db(ctx)
    _known_names(db, watchlist=watchlist)
    if as_json:
        echo_json(
            [asdict(a) for a in list_alerts(db, state, watchlist, limit)],
            ensure_ascii=False,
            indent=2,
        )
        return
    rows = [
        [
            a.id,
            a.created_at.replace("T", " "),
            a.watchlist,
            a.source,
            a.title[:60],
            ", ".join(f"{c}: {s}" for c, s in a.deliveries.items()),
        ]
        for a in list_alerts(db, state, watchlist, limit)
    ]
    echo(tabulate(rows, headers=["id", "created", "watchlist", "source", "title", "deliveries"]))


@alerts.command("show")
@click.argument("alert_id", type=ROW_ID)
@click.pass_context
def alerts_show(ctx: click.Context, alert_id: int) -> None:
    """One alert: its text and every delivery attempt."""
    from monitors.alerts.inspect import show_alert
    from monitors.alerts.messages import render_alert
    from monitors.alerts.secrets import load_secrets_file
    from monitors.rules.watchlists import Watchlist, load_rules

    settings = _settings(ctx)
    db = store.open_database(settings.db)
    deliveries, rows = show_alert(db, alert_id)
    if not rows:
        raise click.ClickException(f"no alert {alert_id}")
    rule_set = load_rules(settings.watchlists, load_secrets_file(settings.secrets))
    try:
        watchlist = rule_set.by_name(rows[0]["watchlist"])
    except VeilleError:
        watchlist = Watchlist(rows[0]["watchlist"], rows[0]["watchlist"], terms=("-",))
    message = render_alert(rows[0], watchlist, "console")
    echo(f"{message.subject}\n\n{message.body}\n")
    table = [
        [
            c,
            s,
            n,
            "digest" if d else "immediate",
            (nxt or "").replace("T", " "),
            (sent or "").replace("T", " "),
            (err or "")[:80],
        ]
        for c, s, n, d, nxt, sent, err in deliveries
    ]
    echo(
        tabulate(
            table,
            headers=["channel", "state", "attempts", "mode", "next attempt", "sent", "last error"],
        )
    )


@alerts.command("retry")
@click.argument("alert_ids", type=ROW_ID, nargs=-1)
@click.option("--failed", "which", flag_value="failed", help="Every failed delivery.")
@click.option(
    "--unconfirmed", "which", flag_value="unconfirmed", help="Every unconfirmed delivery."
)
@click.option(
    "--resend", is_flag=True, help="Also re-send deliveries already sent (for the given ids)."
)
@click.option("--channel", help="Only this channel.")
@click.pass_context
def alerts_retry(
    ctx: click.Context,
    alert_ids: tuple[int, ...],
    which: str | None,
    resend: bool,
    channel: str | None,
) -> None:
    """Put failed (or unconfirmed, or with --resend sent) deliveries back in the outbox."""
    from monitors.alerts.inspect import RETRYABLE, retry

    if not alert_ids and not which:
        raise click.UsageError("give alert ids, --failed or --unconfirmed")
    if resend and not alert_ids:
        raise click.UsageError("--resend needs explicit alert ids")
    states = (which,) if which else RETRYABLE + (("sent",) if resend else ())
    count = retry(store.open_database(_settings(ctx).db), list(alert_ids) or None, states, channel)
    echo(f"{count} deliveries queued again; the daemon (or `veille run --once`) sends them")


@cli.group()
def db() -> None:
    """The database itself: move it to PostgreSQL."""


@db.command("copy")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("target")
@click.option(
    "--replace",
    "--force",
    "replace",
    is_flag=True,
    help="empty a target that already holds veille's data, then copy",
)
def db_copy(source: Path, target: str, replace: bool) -> None:
    """Copy the SQLite database SOURCE into the PostgreSQL database TARGET (postgresql://…):
    every table, ids kept, counts verified per table, all or nothing. Then run veille with
    --db TARGET (or VEILLE_DB)."""
    from crawler.storage.copy import copy_database
    from crawler.storage.engine import is_postgres_location, location_password, mask_location
    from monitors.alerts.secrets import remember_secret

    if not is_postgres_location(target):
        raise click.UsageError("TARGET must be a postgresql://… location")
    password = location_password(target)
    if password:
        remember_secret(password)
    copied = copy_database(source, target, replace=replace)
    echo(
        tabulate(
            [(c.table, c.source_rows, c.target_rows) for c in copied],
            headers=["table", "SQLite rows", "PostgreSQL rows"],
        )
    )
    total = sum(c.target_rows for c in copied)
    echo(f"copied {total} rows in {len(copied)} tables to {mask_location(target)}")


def _add_people_commands() -> None:
    from monitors.people.commands import users

    cli.add_command(users)


_add_people_commands()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
