"""`veille users …`: the people of a team, a thin layer over monitors.people.accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from crawler.core.errors import VeilleError
from monitors.cli.options import existing_db, rules_of
from monitors.people import accounts
from monitors.people import store as people_store
from monitors.terminal import echo, echo_json

if TYPE_CHECKING:  # the storage layer loads when a command runs, not for `veille --help`
    from crawler.storage.engine import Database


def _database(ctx: click.Context) -> Database:
    """The database `veille users add` adds to: it may be the first command run (a team set up
    before the first crawl) and makes it then, saying where; the other commands need it."""
    from pathlib import Path

    from crawler.storage import store

    path = ctx.obj["settings"].db
    if isinstance(path, Path) and not path.is_file():
        db = store.open_database(path)
        echo(f"new database {path.absolute()}", err=True)
        return db
    return store.open_database(path)


def _watchlist_names(ctx: click.Context, names: tuple[str, ...]) -> tuple[str, ...]:
    """The names, each checked against the watchlists file (a typo would follow nothing)."""
    if not names:
        return names
    settings = ctx.obj["settings"]
    known = {w.name for w in rules_of(ctx).watchlists}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise VeilleError(
            f"no watchlist named {', '.join(map(repr, unknown))} in {settings.watchlists} "
            f"(known: {', '.join(sorted(known)) or 'none'})"
        )
    return names


def _new_password() -> str:
    return accounts.check_password(
        click.prompt("password", hide_input=True, confirmation_prompt=True)
    )


@click.group()
def users() -> None:
    """The people of the team: their login, address for alerts and the watchlists they follow."""


@users.command("add")
@click.argument("name")
@click.option(
    "--email",
    help="Where their alerts go (the watchlists they follow); default: NAME if an address.",
)
@click.option("--follow", "follows", multiple=True, help="A watchlist they follow (repeatable).")
@click.option(
    "--no-password",
    is_flag=True,
    help="No password: they reach the reader through the login proxy, which names them.",
)
@click.pass_context
def add(
    ctx: click.Context, name: str, email: str | None, follows: tuple[str, ...], no_password: bool
) -> None:
    """Add the person NAME (asks for their password, at least 10 characters)."""
    accounts.check_name(name)
    accounts.check_email(email)
    follows = _watchlist_names(ctx, follows)
    password = None if no_password else _new_password()
    db = _database(ctx)
    try:
        accounts.add_user(db, name, password, email, follows)
    finally:
        db.close()
    echo(f"added {name}" + (f", following {', '.join(follows)}" if follows else ""))


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def list_users(ctx: click.Context, as_json: bool) -> None:
    """The people, their address, how they log in, what they follow and the language of their
    emails (blank: each watchlist's)."""
    db = existing_db(ctx)
    try:
        rows: list[dict[str, Any]] = [
            {
                "name": p.name,
                "email": p.email,
                "login": "password" if p.password_hash else "proxy",
                "follows": people_store.followed(db, p.name),
                # their emails' language (None: each watchlist's)
                "language": people_store.language_of(db, p.name),
                "last_visit": p.last_visit_at,
            }
            for p in people_store.people(db)
            if p.name != accounts.TEAM
        ]
    finally:
        db.close()
    if as_json:
        echo_json(rows, ensure_ascii=False, indent=2)
        return
    if not rows:
        echo("no users yet: `veille users add NAME --email ADDRESS --follow WATCHLIST`")
        return
    from tabulate import tabulate

    try:  # a follow of a watchlist deleted since is said so (it alerts nobody any more)
        defined: set[str] | None = {w.name for w in rules_of(ctx).watchlists}
    except VeilleError:
        defined = None  # the file unread: the follows as stored

    def follows(names: list[str]) -> str:
        return ", ".join(
            f"{name} (not in the watchlists file)" if defined is not None and name not in defined
            else name
            for name in names
        )  # fmt: skip

    echo(
        tabulate(
            [
                (
                    r["name"],
                    r["email"] or "",
                    r["login"],
                    follows(r["follows"]),
                    r["language"] or "",
                    r["last_visit"] or "",
                )
                for r in rows
            ],
            headers=["name", "email", "login", "follows", "emails in", "last visit"],
        )
    )


@users.command("remove")
@click.argument("name")
@click.pass_context
def remove(ctx: click.Context, name: str) -> None:
    """Remove NAME: their login, subscriptions and triage (their "not relevant" marks stay, as
    the watchlists' counter-examples); alerts still waiting to be emailed to them are withdrawn,
    each recorded as failed with the reason."""
    from monitors.alerts import store as alerts_store
    from monitors.people.mail import channel_of

    db = existing_db(ctx, to_write=True)
    try:
        accounts.remove_user(db, name)
        withdrawn = alerts_store.withdraw(
            db, channel_of(name), f"not sent: {name!r} was removed from the users"
        )
    finally:
        db.close()
    echo(f"removed {name}" + (f" ({withdrawn} pending alert(s) withdrawn)" if withdrawn else ""))


@users.command("passwd")
@click.argument("name")
@click.pass_context
def passwd(ctx: click.Context, name: str) -> None:
    """Set NAME's password (asked twice, at least 10 characters)."""
    db = existing_db(ctx, to_write=True)
    try:
        if people_store.person(db, name) is None:
            raise VeilleError(f"no user named {name!r} (`veille users list` lists them)")
        accounts.change_password(db, name, _new_password())
    finally:
        db.close()
    echo(f"password of {name} changed")


@users.command("set")
@click.argument("name")
@click.option("--email", help="Their new address for alerts ('' for none).")
@click.option("--follow", "follows", multiple=True, help="Follow this watchlist too (repeatable).")
@click.option("--unfollow", "unfollows", multiple=True, help="Stop following it (repeatable).")
@click.option(
    "--language",
    help="The language of their emails: fr, en or ar ('' for each watchlist's own).",
)
@click.pass_context
def set_user(
    ctx: click.Context,
    name: str,
    email: str | None,
    follows: tuple[str, ...],
    unfollows: tuple[str, ...],
    language: str | None,
) -> None:
    """Change NAME's address, the language of their emails or the watchlists they follow."""
    follows = _watchlist_names(ctx, follows)
    if language is not None:
        accounts.check_language(language)  # refused before anything changes
    db = existing_db(ctx, to_write=True)
    try:
        if people_store.person(db, name) is None:
            raise VeilleError(f"no user named {name!r} (`veille users list` lists them)")
        current = set(people_store.followed(db, name))
        not_followed = [w for w in dict.fromkeys(unfollows) if w not in current | set(follows)]
        if not_followed:  # a typo stopped nothing, and said nothing of it
            raise VeilleError(
                f"{name} follows no watchlist named {', '.join(map(repr, not_followed))} (they "
                f"follow: {', '.join(sorted(current)) or 'nothing'}); nothing was changed"
            )
        if email is not None:
            accounts.set_email(db, name, email)
        if language is not None:
            accounts.set_language(db, name, language)
        current = set(people_store.followed(db, name))
        wanted = (current | set(follows)) - set(unfollows)
        accounts.set_follows(db, name, wanted, wanted | current)
        now_following = people_store.followed(db, name)
    finally:
        db.close()
    echo(f"{name} follows: {', '.join(now_following) or 'nothing'}")
