"""`veille extract`: what veille would store for a page, or why it declines it."""

from __future__ import annotations

import sys

import click

from crawler.core.times import STORED_MOMENT, stored_date
from crawler.extraction.dates import FoundDate, gives_zone
from monitors.cli.options import (
    allowed_networks,
    fetch_timeout_option,
    site_profile_option,
    source_profile,
)
from monitors.terminal import echo, echo_json


@click.command("extract")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--full", is_flag=True, help="Print the whole text (default: its first 1,500 characters)."
)
@fetch_timeout_option
@site_profile_option
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

    profile = source_profile(ctx, source_name)
    page, url = load_page(target, allowed_networks(ctx), timeout)
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
        "published_stored": stored_date(date.value) if date else None,
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
    relative = extracted.shown_relative
    if date is None and relative:  # only a crawl, which knows its fetch's moment, dates it
        echo(f"published: - (the page shows « {relative} »: a crawl counts it back from its fetch)")
    else:
        echo(f"published: {_published(date) if date else '-'}")
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


def _published(date: FoundDate) -> str:
    """The date as veille stores it (a moment in UTC, or a day) and as the page gives it (its
    own offset, or none): « 2026-11-19T14:10:00Z as stored (UTC); 2026-11-19T15:10:00+01:00 on
    the page (time, from the page markup) ». The page's offset alone read like what is stored,
    and the stored UTC alone hid the page's local time."""
    stored = stored_date(date.value) or date.value
    kind = "UTC" if STORED_MOMENT.fullmatch(stored) else "a day"
    on_page = f"{date.value} on the page"
    if date.clock:
        written, offset = date.value[:-6], date.value[-6:]
        on_page = (
            f"{written} on the page, which gives no zone: read on the site's clock, "
            f"{date.clock} ({offset})"
        )
    elif kind == "UTC" and not gives_zone(date.value):
        on_page += ", which gives no zone: read as UTC"
    return f"{stored} as stored ({kind}); {on_page} ({date.precision}, from the {date.origin})"
