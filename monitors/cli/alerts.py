"""`veille notify test` and `veille alerts list | show | retry`."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import click

from crawler.core.errors import VeilleError
from monitors.cli.options import (
    LIMIT,
    ROW_ID,
    existing_db,
    known_names,
    rules_of,
    settings_of,
    watchlists_of,
)
from monitors.terminal import echo, echo_json


@click.group()
def notify() -> None:
    """Notification channels."""


@notify.command("test")
@click.argument("channel")
@click.pass_context
def notify_test(ctx: click.Context, channel: str) -> None:
    """Send a test message through CHANNEL: a channel of the watchlists file, or `console`
    (built in: the message is printed here, as alerts are when no channel is set)."""
    import apprise

    from crawler.storage import store
    from monitors.alerts.channels import CONSOLE, describe_unusable_channels
    from monitors.alerts.delivery import Sender
    from monitors.alerts.messages import Message

    settings = settings_of(ctx)
    delivery = watchlists_of(ctx).delivery
    if channel != CONSOLE and channel not in delivery.channels:
        known = ", ".join([CONSOLE, *sorted(delivery.channels)])
        raise click.UsageError(f"no channel named {channel!r} (known: {known})")
    if channel != CONSOLE and not delivery.channels[channel].usable:
        raise click.ClickException(
            next(m for m in describe_unusable_channels(delivery.channels) if f"'{channel}'" in m)
        )
    message = Message(
        "[veille] Message de test / test message",
        "Ce canal fonctionne : les alertes de veille arriveront ici.\n"
        "This channel works: veille alerts will arrive here.",
        apprise.NotifyFormat.TEXT,
    )
    # A channel is tried before the first crawl too: no database is made for it (an empty one
    # in the working folder, found by no later command run elsewhere), one in memory stands in.
    no_file = isinstance(settings.db, Path) and not settings.db.is_file()
    sender = Sender(
        store.open_database(":memory:" if no_file else settings.db), delivery, min_interval=0
    )
    error = sender.send(channel, message)
    if error:
        echo(f"✘ {channel}: {error}", err=True)
        sys.exit(1)
    echo(f"✔ {channel}: test message sent")


@click.group()
def alerts() -> None:
    """Inspect and re-send alerts."""


@alerts.command("list")
@click.option(
    "--state",
    type=click.Choice(["pending", "sending", "sent", "failed", "unconfirmed"]),
    help="Only alerts with a delivery in this state.",
)
@click.option("--watchlist", help="Only this watchlist's alerts.")
@click.option(
    "--limit",
    type=LIMIT,
    default=50,
    show_default=True,
    help="Print at most this many (the latest).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON.")
@click.pass_context
def alerts_list(
    ctx: click.Context, state: str | None, watchlist: str | None, limit: int, as_json: bool
) -> None:
    """The latest alerts and the state of each delivery."""
    from tabulate import tabulate

    from monitors.alerts.inspect import list_alerts

    db = existing_db(ctx)
    try:
        rule_set = rules_of(ctx) if watchlist else None
    except VeilleError:
        rule_set = None  # the watchlists that alerted are still known from the database
    known_names(db, watchlist=watchlist, rules=rule_set)  # one defined, with no alert yet: none
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
    from tabulate import tabulate

    from monitors.alerts.inspect import show_alert
    from monitors.alerts.messages import render_alert

    db = existing_db(ctx)
    deliveries, rows = show_alert(db, alert_id)
    if not rows:
        raise click.ClickException(f"no alert {alert_id}")
    watchlist = watchlists_of(ctx).delivery.route(rows[0]["watchlist"])
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
    count = retry(existing_db(ctx, to_write=True), list(alert_ids) or None, states, channel)
    from monitors.alerts.plurals import counted  # babel: not on every command's start

    queued = counted(count, "delivery", "en")
    echo(f"{queued} queued again; the daemon (or `veille run --once`) sends them")
