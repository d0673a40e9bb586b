"""Exports of what a watchlist found: CSV and JSON Lines (for spreadsheets and pandas) and an
Atom feed (to follow a watchlist in any feed reader)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO
from xml.etree import ElementTree as ET

from crawler.core.times import parse_timestamp
from crawler.storage.engine import Database
from monitors.web import store as web_store
from monitors.web.days import DayBound

ATOM = "http://www.w3.org/2005/Atom"
FIELDS = [
    "matched_at",
    "watchlist",
    "title",
    "url",
    "source",
    "source_title",
    "language",
    "published",
    "author",
    "terms",
    "snippet",
    "story_id",
    "story_sources",
    "original_source",
    "original_url",
]


def matched_articles(
    db: Database,
    watchlist: str | None = None,
    since: DayBound | None = None,
    until: DayBound | None = None,
    limit: int | None = None,
) -> Iterator[dict]:
    """Matches, newest first, with their article and the outlets that ran the same story."""
    for row in web_store.matched_articles(db, watchlist, since, until, limit):
        record = row._asdict()
        record["terms"] = json.loads(record["terms"])
        yield record


# Excel reads a CSV file in the machine's code page unless it begins with this mark: Arabic
# and accents came out garbled. pandas and Python's "utf-8-sig" read it as nothing.
BOM = "\ufeff"
# A cell beginning with one of these is taken for a formula by Excel, LibreOffice and Google
# Sheets (OWASP, "CSV Injection"): a page title « =HYPERLINK("http://…") » or « @SUM(…) »
# runs when the export is opened. Such a cell gets a leading ' (shown as text).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """`value`, a text a spreadsheet would take for a formula preceded by ' (OWASP's advice);
    numbers and other texts as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(records: Iterator[dict], out: TextIO, spreadsheet: bool = True) -> int:
    """The records as CSV. For a spreadsheet (the default: what CSV is asked for), the file
    begins with a UTF-8 byte order mark and no cell is taken for a formula (spreadsheet_cell);
    `spreadsheet=False` writes every value as it is, without the mark."""
    if spreadsheet:
        out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    count = 0
    for record in records:
        row = record | {
            "terms": "; ".join(record["terms"]),
            "story_sources": "; ".join(record["story_sources"]),
        }
        if spreadsheet:
            row = {key: spreadsheet_cell(value) for key, value in row.items()}
        writer.writerow(row)
        count += 1
    return count


def write_jsonl(records: Iterator[dict], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


# what XML 1.0 cannot carry, even escaped: C0 controls but tab, newline and return; lone
# surrogates; U+FFFE and U+FFFF. A page title holding one made the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str | None) -> str:
    """`value` without the characters XML cannot hold (each becomes U+FFFD, so a reader sees
    that something was there)."""
    return _NOT_XML.sub("\ufffd", value or "")


def _rfc3339(value: str | None) -> str:
    when = parse_timestamp(value) if value else None
    return (when or datetime.now(UTC)).isoformat(timespec="seconds")


def plain_snippet(snippet: str | None) -> str:
    """A snippet without its **highlight** marks, for places that show text as text."""
    return (snippet or "").replace("**", "")


@dataclass(frozen=True)
class FeedEntry:
    """One Atom entry, whatever listed it (a watchlist's matches, a search)."""

    id: str
    title: str
    url: str
    updated: str | None
    published: str | None
    author: str
    summary: str
    categories: tuple[str, ...] = ()


def atom_document(
    feed_id: str,
    title: str,
    entries: list[FeedEntry],
    self_url: str | None = None,
    alternate_url: str | None = None,
) -> bytes:
    """An Atom 1.0 document; valid with no entry at all (a watchlist that matched nothing yet)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = xml_text(feed_id)
    ET.SubElement(feed, f"{{{ATOM}}}title").text = xml_text(title)
    updated = max((_rfc3339(e.updated) for e in entries), default=_rfc3339(None))
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "veille"
    if self_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=xml_text(self_url))
    if alternate_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=xml_text(alternate_url))
    for item in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = xml_text(item.id)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = xml_text(item.title)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=xml_text(item.url))
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _rfc3339(item.updated)
        if item.published:
            ET.SubElement(entry, f"{{{ATOM}}}published").text = _rfc3339(item.published)
        entry_author = ET.SubElement(entry, f"{{{ATOM}}}author")
        ET.SubElement(entry_author, f"{{{ATOM}}}name").text = xml_text(item.author)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = xml_text(item.summary)
        for term in item.categories:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=xml_text(term))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def match_entries(records: list[dict], watchlist: str) -> list[FeedEntry]:
    """A watchlist's matches (`matched_articles` records) as feed entries: the article's author
    (its outlet when it has none), the snippet as plain text."""
    return [
        FeedEntry(
            id=f"tag:veille,2026:match/{watchlist}/{record['url']}",
            title=record["title"],
            url=record["url"],
            updated=record["matched_at"],
            published=record["published"],
            author=record["author"] or record.get("source_title") or record["source"],
            summary=f"{record.get('source_title') or record['source']} — "
            + plain_snippet(record["snippet"]),
            categories=tuple(record["terms"]),
        )
        for record in records
    ]


def atom_feed(
    records: list[dict],
    watchlist: str,
    title: str,
    self_url: str | None = None,
    alternate_url: str | None = None,
) -> bytes:
    """The Atom feed of a watchlist's matches, newest first: one implementation for
    `veille export --format atom` and the web view's feed."""
    return atom_document(
        f"tag:veille,2026:watchlist/{watchlist}",
        f"veille — {title}",
        match_entries(records, watchlist),
        self_url,
        alternate_url,
    )
