"""`veille serve`: the web view (the reader, and the raw tables under /data/)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import click

from crawler.core.errors import VeilleError
from monitors.cli.options import (
    PORT,
    allowed_networks,
    existing_db,
    settings_of,
)
from monitors.terminal import echo


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Listen address (loopback by default)."
)
@click.option("--port", type=PORT, default=8001, show_default=True, help="Port to listen on.")
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
    ctx: click.Context,
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

    from crawler.core.secrets import load_secrets_file
    from monitors.people.passwords import PASSWORD_HASH_KEY, check_password_hash
    from monitors.people.passwords import hash_password as make_hash
    from monitors.web.app import ReaderConfig, create_app
    from monitors.web.hosts import public_name

    if hash_password:
        password = click.prompt("team password", hide_input=True, confirmation_prompt=True)
        if len(password) < 10:
            raise VeilleError("the password is too short: give at least 10 characters")
        echo(f"{PASSWORD_HASH_KEY}={make_hash(password)}")
        return
    settings = settings_of(ctx)
    # the environment wins over the secrets file, as for the channels (docs/configuration.md)
    password_hash = os.environ.get(PASSWORD_HASH_KEY) or load_secrets_file(settings.secrets).get(
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
        db = existing_db(ctx, to_write=True)  # the reader writes (marks, logins, watchlists)
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
            allowed_networks=allowed_networks(ctx),
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
    listening = _listening_socket(host, port)
    login = login_summary(accounts, bool(password_hash), auth_header if behind_auth_proxy else None)
    echo(f"veille web view on http://{host}:{port}/ ({login})", err=True)
    if names:
        echo(f"answering to loopback and to: {', '.join(names)}", err=True)
    elif not loopback:
        echo(
            "answering to loopback names only (localhost, 127.0.0.1): give the names browsers "
            "use with --public-name (or VEILLE_WEB_PUBLIC_NAMES)",
            err=True,
        )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        h11_max_incomplete_event_size=REQUEST_HEAD_BYTES,
    )
    uvicorn.Server(config).run(sockets=[listening])


# The most a request's line and headers may take while they arrive. h11 (uvicorn's HTTP
# parser) answers a bare 400 past its 16 KB default, but only when the head came in more than
# one read: a text pasted in the search box (2,000 Arabic words, 86 KB of address) got the
# search's own refusal, « la recherche est trop longue », or a 400 by how TCP cut it.
REQUEST_HEAD_BYTES = 1024 * 1024


def _listening_socket(host: str, port: int) -> socket.socket:
    """The web view's socket, bound and listening before anything is said: a port another
    program holds (a reader already running) was said by uvicorn after « veille web view on … »,
    and veille serve exited 3 (uvicorn's startup failure), not 2 as every configuration error
    does. Bound alone, the port could still be bound by another program that sets SO_REUSEADDR
    (as uvicorn and Python's http.server do) until uvicorn listened, and the one to listen
    second failed after saying its address."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Named TCP, asyncio turns Nagle's algorithm off on each connection it accepts (as on a
    # socket it makes itself): a socket naming no protocol left it on, and a page written in
    # two sends (uvicorn's head, then its body) waited for the browser's delayed acknowledgement
    # on a kept-alive connection, about 40 ms a page.
    listening = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
    try:
        listening.bind((host, port))
        listening.listen(2048)  # uvicorn's backlog; it listens on it again, unchanged
    except OSError as exc:
        listening.close()
        raise VeilleError(
            f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}): another "
            "program (another veille serve?) may hold it; give another --port"
        ) from None
    return listening


def login_summary(accounts: int, team_password: bool, proxy_header: str | None) -> str:
    """How `veille serve` says who may read its pages, on the line that gives its address."""
    guard = [
        ("1 person's password" if accounts == 1 else f"{accounts} people's passwords")
        if accounts
        else "",
        "team password" if team_password else "",
        f"proxy header {proxy_header}" if proxy_header else "",
    ]
    return " and ".join(g for g in guard if g) or "no login (loopback)"
