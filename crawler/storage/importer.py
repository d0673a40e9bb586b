"""Articles from a file instead of a crawl: backfills, and migrating from another tool.

`veille import FILE.jsonl` reads one article per line (format in docs/stories-and-search.md),
checks every line before storing anything (a file with a bad line stores nothing unless told
to skip it), then stores the articles through the same path as a crawl: canonical URL, body
hash and near-duplicate fingerprint, dedupe against what is stored, one story per event, new
revisions for changed texts. Articles are stored in publication order, as a crawl would have
met them, so stories form as they would have live.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils

from crawler.canonical import canonicalize_url, url_key
from crawler.core.errors import VeilleError
from crawler.core.normalize import content_hash
from crawler.core.times import utcnow
from crawler.extraction.dates import parse_date
from crawler.storage import store
from crawler.stories.fingerprint import fingerprint

REQUIRED = ("url", "text", "source")
OPTIONAL = ("title", "published", "language", "author")
KNOWN_KEYS = REQUIRED + OPTIONAL
# What the stored article says about where its date came from (crawler.extraction.dates origins).
IMPORT_ORIGIN = "import"
BATCH_SIZE = 200
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
MAX_REPORTED_PROBLEMS = 20


class ImportFileError(VeilleError):
    """An import file has lines that cannot be stored; nothing was stored."""

    def __init__(self, path: Path, problems: list[str], total: int) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:MAX_REPORTED_PROBLEMS])
        more = total - min(total, MAX_REPORTED_PROBLEMS)
        tail = f"\n  … and {more} more" if more else ""
        super().__init__(
            f"{path}: {total} line(s) cannot be imported, nothing was stored:\n{shown}{tail}\n"
            "fix the lines, or pass --skip-invalid to import the valid ones and list the others"
        )


@dataclass(frozen=True)
class ImportRecord:
    line: int
    url: str
    text: str
    source: str
    title: str | None = None
    published: str | None = None
    language: str | None = None
    author: str | None = None


@dataclass
class ImportReport:
    read: int = 0
    new: int = 0
    duplicates: int = 0
    updated: int = 0
    undated: int = 0
    skipped: list[str] = field(default_factory=list)
    sources_created: list[str] = field(default_factory=list)
    stories_joined: int = 0

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "new": self.new,
            "duplicates": self.duplicates,
            "updated": self.updated,
            "undated": self.undated,
            "skipped": self.skipped,
            "sources_created": self.sources_created,
            "stories_joined": self.stories_joined,
        }


def _check(line: int, data: object) -> tuple[ImportRecord | None, str | None]:
    """The record of one parsed line, or what is wrong with it."""
    if not isinstance(data, dict):
        return (
            None,
            f'line {line}: expected a JSON object {{"url": …, "text": …}}, got {type(data).__name__}',
        )
    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        return None, (
            f"line {line}: unknown key {unknown[0]!r} (known keys: {', '.join(KNOWN_KEYS)})"
        )
    for key in REQUIRED:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            return (
                None,
                f"line {line}: {key!r} is missing or empty (every record needs url, text and source)",
            )
    for key in OPTIONAL:
        if data.get(key) is not None and not isinstance(data[key], str):
            return (
                None,
                f"line {line}: {key!r} must be a string or null, not {type(data[key]).__name__}",
            )
    url = data["url"].strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None, f"line {line}: url {url[:80]!r} is not an http(s) address with a host"
    source = data["source"].strip()
    if not _SOURCE_NAME.match(source):
        return None, (
            f"line {line}: source {source[:40]!r} is not a source name "
            "(lower-case letters, digits, '.', '_' or '-', e.g. 'le360' or 'hespress-fr')"
        )
    published = data.get("published")
    if published and parse_date(published) is None:
        return None, (
            f"line {line}: published {published[:40]!r} is not a date "
            "(ISO 8601, e.g. 2026-11-17T10:05:00+01:00, or leave it out)"
        )
    language = data.get("language")
    if language and not _LANGUAGE.match(language):
        return None, f"line {line}: language {language!r} is not a language code (e.g. fr, ar, en)"
    return (
        ImportRecord(
            line=line,
            url=url,
            text=data["text"].strip(),
            source=source,
            title=(data.get("title") or "").strip() or None,
            published=published or None,
            language=language or None,
            author=(data.get("author") or "").strip() or None,
        ),
        None,
    )


def read_records(path: Path, skip_invalid: bool = False) -> tuple[list[ImportRecord], list[str]]:
    """Every record of the file, checked; (records, problems of the skipped lines). Raises
    ImportFileError naming each bad line unless `skip_invalid`."""
    records: list[ImportRecord] = []
    problems: list[str] = []
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise VeilleError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with handle:
        try:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    data = json.loads(raw)
                except json.JSONDecodeError as exc:
                    problems.append(
                        f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
                    )
                    continue
                record, problem = _check(number, data)
                if record is None:
                    problems.append(problem or f"line {number}: invalid")
                else:
                    records.append(record)
        except UnicodeDecodeError as exc:
            raise VeilleError(
                f"{path}: is not UTF-8 text (byte {exc.start}); save it as UTF-8 JSON lines"
            ) from None
    if problems and not skip_invalid:
        raise ImportFileError(path, problems, len(problems))
    return records, problems


def _publication_order(record: ImportRecord) -> tuple[int, float, int]:
    moment = parse_date(record.published) if record.published else None
    return (0, moment.timestamp(), record.line) if moment else (1, 0.0, record.line)


def _stored(record: ImportRecord) -> store.StoredArticle:
    return store.StoredArticle(
        source=record.source,
        url=canonicalize_url(record.url),
        title=record.title,
        author=record.author,
        published=record.published,
        language=record.language,
        sitename=None,
        description=None,
        text=record.text,
        content_hash=content_hash(record.text),
        seen_urls=(record.url,),
        fingerprint=fingerprint(record.text),
        published_origin=IMPORT_ORIGIN if record.published else None,
    )


def _create_sources(db: sqlite_utils.Database, names: Iterable[str]) -> list[str]:
    known = {row[0] for row in db.execute("SELECT name FROM sources")}
    created = sorted(set(names) - known)
    with db.conn:
        db.conn.executemany(
            "INSERT OR IGNORE INTO sources(name, title) VALUES (?, ?)",
            [(name, name) for name in created],
        )
    return created


def import_records(
    db: sqlite_utils.Database, records: list[ImportRecord], alerts: bool = True
) -> ImportReport:
    """Store the records as a crawl would, in publication order. With `alerts` off, the new
    articles are marked as already matched: searchable and grouped, never alerted on."""
    report = ImportReport(read=len(records))
    report.sources_created = _create_sources(db, (r.source for r in records))
    stories_before = db.execute("SELECT count(*) FROM stories").fetchone()[0]
    pending: list[store.StoredArticle] = []
    pending_keys: set[str] = set()

    def flush() -> None:
        if not pending:
            return
        results = store.store_articles(db, pending)
        new_ids = [article_id for article_id, is_new in results if is_new]
        report.new += len(new_ids)
        report.duplicates += len(results) - len(new_ids)
        if new_ids and not alerts:
            with db.conn:
                db.conn.executemany(
                    "UPDATE articles SET matched_at = ? WHERE id = ?",
                    [(utcnow(), article_id) for article_id in new_ids],
                )
        pending.clear()
        pending_keys.clear()

    for record in sorted(records, key=_publication_order):
        report.undated += record.published is None
        article = _stored(record)
        if url_key(article.url) in pending_keys:
            flush()  # a later version of a pending article: store the first, then compare
        stored = store.stored_article(db, article.url)
        if stored is not None and stored[1] != article.content_hash:
            flush()  # keep publication order
            if store.article_with_text(db, article.content_hash) is None:
                store.update_article(db, stored[0], article)
                report.updated += 1
            else:
                report.duplicates += 1
            continue
        pending.append(article)
        pending_keys.add(url_key(article.url))
        if len(pending) >= BATCH_SIZE:
            flush()
    flush()
    stories_after = db.execute("SELECT count(*) FROM stories").fetchone()[0]
    report.stories_joined = report.new - (stories_after - stories_before)
    return report


def import_file(
    db: sqlite_utils.Database, path: Path, skip_invalid: bool = False, alerts: bool = True
) -> ImportReport:
    """Check then store every article of a JSON-lines file (see the module docstring)."""
    records, problems = read_records(path, skip_invalid)
    report = import_records(db, records, alerts=alerts)
    report.skipped = problems
    return report
