"""`veille sources check`: validate the sources file and try each entry point."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from monitors.cli.options import (
    SECONDS,
    allowed_networks,
    settings_of,
)
from monitors.terminal import echo, echo_json


@click.group()
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
    from tabulate import tabulate

    from crawler.discovery.probe import probe_sources
    from crawler.discovery.sources import load_sources
    from monitors.alerts.plurals import counted  # babel: not on every command's start

    source_list = load_sources(settings_of(ctx).sources)
    entries = sum(len(s.entry_points) for s in source_list.sources)
    summary = (
        f"{source_list.path}: {counted(len(source_list.sources), 'source', 'en')}, "
        f"{counted(entries, 'entry_point', 'en')} — valid"
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
                allowed=allowed_networks(ctx),
                progress=lambda _result: bar.update(1),
            )
    else:
        results = probe_sources(chosen, timeout=timeout, allowed=allowed_networks(ctx))
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
