"""Articles from a file instead of a crawl: backfills, and migrating from another tool.

`veille import FILE.jsonl` reads one article per line (format in docs/stories-and-search.md) in
two passes over the file, one line in memory at a time:

1. The check: every line is turned into the very article that would be stored (`check_line`:
   JSON, keys, canonical URL and its key, text capped like a crawl's, fields SQLite can hold,
   body hash and fingerprint). A file with a bad line stores nothing unless told to skip it.
   Only each good line's place in the file, its publication time and the hash of its bytes
   are kept.
2. Storing: the lines are read again in publication order, as a crawl would have met them (so
   stories form as they would have live), each turned into its article again (its checks not
   made again; a line whose bytes are no longer those checked stops the import) and stored
   through the same path as a crawl: dedupe against what is stored, one story per event, new revisions for
   changed texts, in batches of one transaction each.

Should storing stop (the database full, locked or damaged), `ImportStopped` says exactly what
was stored and the import can be run again: what is stored is recognised and not stored twice.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import numpy

from crawler.core.canonical import canonicalize_url, url_key
from crawler.core.errors import VeilleError
from crawler.core.limits import MAX_TEXT_CHARACTERS, cap_text
from crawler.core.normalize import content_hash
from crawler.core.times import utcnow
from crawler.extraction.dates import parse_date
from crawler.storage import store
from crawler.storage.engine import Database, database_errors
from crawler.stories.fingerprint import fingerprint
from crawler.stories.grouping import story_hour
from crawler.stories.store import story_count
from crawler.stories.window_setting import DEFAULT_WINDOW_HOURS

REQUIRED = ("url", "text", "source")
OPTIONAL = ("title", "published", "language", "author")
KNOWN_KEYS = REQUIRED + OPTIONAL
# What the stored article says about where its date came from (crawler.extraction.dates origins).
IMPORT_ORIGIN = "import"
BATCH_SIZE = 200
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_URL_FIX = (
    "write a full http(s) address: a port up to 65535, an IPv6 address in brackets "
    "(http://[2001:db8::1]/)"
)
MAX_REPORTED_PROBLEMS = 20  # lines named in the error
MAX_LISTED_PROBLEMS = 1_000  # lines kept in a report of skipped lines (the rest are counted)
# One record: a text at the cap written with JSON's \uXXXX escapes (6 bytes a character) fits
# several times over. A longer line is refused before it is parsed, so memory stays bounded.
MAX_LINE_BYTES = 8 * 1024 * 1024


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


class LineError(VeilleError):
    """One line that cannot be stored, and why (the message starts with its line number)."""


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
    skipped: list[str] = field(default_factory=list)  # the first MAX_LISTED_PROBLEMS
    skipped_total: int = 0
    sources_created: list[str] = field(default_factory=list)
    stories_joined: int = 0
    texts_cut: list[str] = field(default_factory=list)  # lines whose text was over the cap
    stored_lines: int = 0  # lines done (stored, found stored, or stored as a revision)
    last_line: int | None = None  # the line done last (publication order)

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "new": self.new,
            "duplicates": self.duplicates,
            "updated": self.updated,
            "undated": self.undated,
            "skipped": self.skipped,
            "skipped_total": self.skipped_total,
            "sources_created": self.sources_created,
            "stories_joined": self.stories_joined,
            "texts_cut": self.texts_cut,
        }


class ImportStopped(VeilleError):
    """Storing stopped part-way (the database failed): what was stored is said exactly."""

    def __init__(self, path: Path | str, line: int, cause: str, report: ImportReport) -> None:
        self.report = report
        if report.stored_lines:
            done = (
                f"{report.stored_lines} of the {report.read} valid line(s) were done before it "
                f"({report.new} stored, {report.updated} stored as a new revision, "
                f"{report.duplicates} already stored), in publication order up to line "
                f"{report.last_line}"
            )
        else:
            done = f"nothing of the {report.read} valid line(s) was stored"
        created = (
            f"; sources created: {', '.join(report.sources_created)}"
            if report.sources_created
            else ""
        )
        super().__init__(
            f"{path}: import stopped at line {line}: {cause}\n{done}{created}; the rest was not "
            "stored. Fix the cause and run the same import again: what is stored is recognised "
            "and not stored twice"
        )


# -- the check: one line to the article that would be stored ------------------------------------


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
            f"line {line}: unknown key {unknown[0][:40]!r} (known keys: {', '.join(KNOWN_KEYS)})"
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
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port out of range
    except ValueError as exc:
        return None, f"line {line}: url {url[:80]!r} cannot be read ({exc}); {_URL_FIX}"
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
        return None, (
            f"line {line}: language {language[:20]!r} is not a language code (e.g. fr, ar, en)"
        )
    return _record(line, data), None


def _record(line: int, data: dict) -> ImportRecord:
    """The record of a line's JSON object whose keys and values `_check` found good."""
    return ImportRecord(
        line=line,
        url=data["url"].strip(),
        text=data["text"].strip(),
        source=data["source"].strip(),
        title=(data.get("title") or "").strip() or None,
        published=data.get("published") or None,
        language=data.get("language") or None,
        author=(data.get("author") or "").strip() or None,
    )


@dataclass(frozen=True)
class Prepared:
    """A line as it will be stored: the record, the stored article and its place in time."""

    record: ImportRecord
    article: store.StoredArticle
    text_cut_from: int | None

    @property
    def order(self) -> float:
        """Seconds since the epoch of its publication; undated articles last."""
        moment = parse_date(self.record.published) if self.record.published else None
        return moment.timestamp() if moment else math.inf


def _storable(line: int, name: str, value: str | None) -> None:
    """SQLite holds UTF-8 text: a lone UTF-16 surrogate (JSON's "\\ud800") is not text."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise LineError(
            f"line {line}: {name!r} holds an unpaired UTF-16 surrogate "
            f"({value[exc.start]!r} at character {exc.start + 1}), which is not text; "
            "re-export the file from its source, or remove the character"
        ) from None


def prepare(record: ImportRecord, complete: bool = True, checked: bool = False) -> Prepared:
    """The article storing writes for this record, computed exactly as storing computes it, or
    LineError saying why it cannot be stored. Both the check and storing call this; the check
    leaves out (`complete` false) the body hash and the MinHash fingerprint, which any storable
    text has and which storing computes again anyway: both fold the whole text, half of the
    check's time. `checked`: the record was prepared before from the same line, which passed
    (its text, address and date are not checked again)."""
    url = canonicalize_url(record.url) if checked else _checked_url(record)
    text, cut_from = cap_text(record.text, MAX_TEXT_CHARACTERS)
    article = store.StoredArticle(
        source=record.source,
        url=url,
        title=record.title,
        author=record.author,
        published=record.published,
        language=record.language,
        sitename=None,
        description=None,
        text=text,
        content_hash=content_hash(text) if complete else "",
        seen_urls=(record.url,),
        fingerprint=fingerprint(text) if complete else None,
        published_origin=IMPORT_ORIGIN if record.published else None,
        # what `veille export` wrote comes back as it was stored (docs/stories-and-search.md)
        published_in_own_spelling=True,
    )
    return Prepared(record, article, cut_from)


def _checked_url(record: ImportRecord) -> str:
    """The record's canonical address, once its fields are found storable, its addresses
    usable and its date a date; else LineError."""
    line = record.line
    for name in ("url", "text", "source", "title", "published", "language", "author"):
        _storable(line, name, getattr(record, name))
    try:
        url = canonicalize_url(record.url)
        url_key(url)
        url_key(record.url)
    except ValueError as exc:
        raise LineError(
            f"line {line}: url {record.url[:80]!r} cannot be used ({exc}); {_URL_FIX}"
        ) from None
    if record.published:
        moment = parse_date(record.published)
        if moment is None or story_hour(record.published) is None:
            raise LineError(f"line {line}: published {record.published[:40]!r} is not a date")
    return url


def check_line(number: int, raw: bytes, complete: bool = True) -> Prepared:
    """One line of the file to the article it stores, or LineError naming the line and the fix
    (the body hash and fingerprint left out unless `complete`: see `prepare`)."""
    try:
        text = raw.decode("utf-8")
        if number == 1:  # a byte order mark, as some editors and exports write: not the record's
            text = text.removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise LineError(
            f"line {number}: not UTF-8 text (byte {exc.start + 1} of the line); save the file "
            "as UTF-8 JSON lines"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LineError(
            f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, arrays nested too deep
        raise LineError(
            f"line {number}: not a record ({str(exc)[:80] or 'nested too deep'})"
        ) from None
    record, problem = _check(number, data)
    if record is None:
        raise LineError(problem or f"line {number}: invalid")
    return prepare(record, complete)


def checked_line(number: int, raw: bytes) -> Prepared:
    """A line `check_line` already found good, the very same bytes (storing reads it again):
    the article it stores, its checks not made again."""
    text = raw.decode("utf-8")
    data = json.loads(text.removeprefix("\ufeff") if number == 1 else text)
    return prepare(_record(number, data), checked=True)


# -- reading the file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    number: int
    offset: int
    length: int
    raw: bytes | None  # None: longer than MAX_LINE_BYTES, not read into memory


def _lines(handle: BinaryIO) -> Iterator[_Line]:
    """Every non-blank line with its place in the file; a line over MAX_LINE_BYTES is skipped
    through in chunks, never held whole."""
    number = offset = 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        length = len(raw)
        if len(raw.rstrip(b"\r\n")) > MAX_LINE_BYTES:
            while not raw.endswith(b"\n"):
                raw = handle.readline(1 << 20)
                if not raw:
                    break
                length += len(raw)
            yield _Line(number, offset, length, None)
        elif raw.strip():
            yield _Line(number, offset, length, raw)
        offset += length


@dataclass
class _Scan:
    """What the check keeps of a file: each good line's place and time, never its text."""

    # Each good line's publication time, number, offset, length and the hash of its bytes, in
    # flat arrays: 40 bytes a line (4 MB for 100,000 lines), where a list of tuples took some
    # 170. The hash tells storing that the line it reads again is the one checked.
    orders: array = field(default_factory=lambda: array("d"))
    lines: array = field(default_factory=lambda: array("q"))
    offsets: array = field(default_factory=lambda: array("q"))
    lengths: array = field(default_factory=lambda: array("q"))
    digests: array = field(default_factory=lambda: array("q"))

    def keep(self, order: float, line: _Line) -> None:
        self.orders.append(order)
        self.lines.append(line.number)
        self.offsets.append(line.offset)
        self.lengths.append(line.length)
        self.digests.append(hash(line.raw))

    def in_publication_order(self) -> Iterator[tuple[int, int, int, int]]:
        """(line number, offset, length, hash) of the good lines, by publication time then
        line."""
        for at in numpy.lexsort((numpy.asarray(self.lines), numpy.asarray(self.orders))):
            yield self.lines[at], self.offsets[at], self.lengths[at], self.digests[at]

    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    sources: set[str] = field(default_factory=set)

    def refuse(self, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)


def _open(path: Path) -> BinaryIO:
    if path.exists() and not path.is_file():
        raise VeilleError(f"{path}: is not a regular file (the import reads its file twice)")
    try:
        return path.open("rb")
    except OSError as exc:
        raise VeilleError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _scan(handle: BinaryIO) -> _Scan:
    scan = _Scan()
    for line in _lines(handle):
        if line.raw is None:
            scan.refuse(
                f"line {line.number}: {line.length / 1e6:.1f} MB, over the "
                f"{MAX_LINE_BYTES // 2**20} MB one record may take (a text is kept up to "
                f"{MAX_TEXT_CHARACTERS:,} characters anyway); shorten its text"
            )
            continue
        try:
            prepared = check_line(line.number, line.raw, complete=False)
        except LineError as exc:
            scan.refuse(str(exc))
            continue
        scan.keep(prepared.order, line)
        scan.sources.add(prepared.record.source)
    return scan


# -- storing ---------------------------------------------------------------------------------------


def _create_sources(db: Database, names: Iterable[str]) -> list[str]:
    created = sorted(set(names) - store.source_names(db))
    store.add_sources(db, created)
    return created


class _Stop(Exception):
    """Storing failed at `line`; the report holds what was stored before."""

    def __init__(self, line: int, cause: str) -> None:
        super().__init__(cause)
        self.line = line
        self.cause = cause


def _store_in_order(
    db: Database,
    prepared: Iterable[Prepared],
    report: ImportReport,
    alerts: bool,
    window_hours: int,
) -> None:
    """Store articles as a crawl would, in the order given. Raises _Stop when the database
    fails; every count in `report` is then of what was committed."""
    stories_before = story_count(db)
    pending: list[Prepared] = []
    pending_keys: set[str] = set()

    def done(item: Prepared) -> None:
        report.stored_lines += 1
        report.last_line = item.record.line
        report.undated += item.record.published is None
        if item.text_cut_from:
            report.texts_cut.append(
                f"line {item.record.line}: text of {item.text_cut_from:,} characters kept up to "
                f"{len(item.article.text):,} (MAX_TEXT_CHARACTERS)"
            )

    def flush() -> None:
        if not pending:
            return
        try:
            results = store.store_articles(
                db,
                [p.article for p in pending],
                matched_at=None if alerts else utcnow(),
                window_hours=window_hours,
            )
        except database_errors() as exc:
            raise _Stop(pending[0].record.line, _database_cause(db, exc)) from None
        new = sum(1 for _, is_new in results if is_new)
        report.new += new
        report.duplicates += len(results) - new
        for item in pending:
            done(item)
        pending.clear()
        pending_keys.clear()

    for item in prepared:
        article = item.article
        if url_key(article.url) in pending_keys:
            flush()  # a later version of a pending article: store the first, then compare
        stored = store.stored_article(db, article.url)
        if stored is not None and stored[1] != article.content_hash:
            flush()  # keep publication order
            try:
                if store.article_with_text(db, article.content_hash) is None:
                    store.update_article(db, stored[0], article)
                    report.updated += 1
                else:
                    report.duplicates += 1
            except database_errors() as exc:
                raise _Stop(item.record.line, _database_cause(db, exc)) from None
            done(item)
            continue
        pending.append(item)
        pending_keys.add(url_key(article.url))
        if len(pending) >= BATCH_SIZE:
            flush()
    flush()
    stories_after = story_count(db)
    report.stories_joined = report.new - (stories_after - stories_before)


def _database_cause(db: Database, exc: BaseException) -> str:
    return str(store.explain_error(store.database_location(db), exc))


def import_records(
    db: Database,
    records: list[ImportRecord],
    alerts: bool = True,
    *,
    window_hours: int = DEFAULT_WINDOW_HOURS,
) -> ImportReport:
    """Store the records as a crawl would, in publication order, into stories of
    `window_hours`. With `alerts` off, the new articles are stored as already matched:
    searchable and grouped, never alerted on. A record that cannot be stored raises LineError
    before anything is stored."""
    prepared = sorted((prepare(r) for r in records), key=lambda p: (p.order, p.record.line))
    report = ImportReport(read=len(records))
    report.sources_created = _create_sources(db, (r.source for r in records))
    try:
        _store_in_order(db, prepared, report, alerts, window_hours)
    except _Stop as stop:
        raise ImportStopped("the records", stop.line, stop.cause, report) from None
    return report


def import_file(
    db: Database,
    path: Path,
    skip_invalid: bool = False,
    alerts: bool = True,
    *,
    window_hours: int = DEFAULT_WINDOW_HOURS,
) -> ImportReport:
    """Check every line, then store the articles in publication order (see the module
    docstring), into stories of `window_hours` (VEILLE_STORY_WINDOW_HOURS, read by the caller). Raises ImportFileError (nothing stored) when a line cannot be stored, unless
    `skip_invalid`; ImportStopped, saying what was stored, when the database fails."""
    # The daemon reads its file through a memory map (crawler.storage.store), and every page
    # of the map an import touches stays in its resident set: at 30,000 articles the import
    # held 299 MB resident for 107 MB of its own. An import reads the whole growing file once,
    # so it goes through SQLite's page cache alone (bounded by cache_size), which keeps its
    # memory independent of the file's size, for about 0.1 ms more per story lookup (0.23
    # against 0.13 ms at 100,000 articles).
    store.read_through_page_cache(db)
    store.checkpoint_less_often(db)
    with _open(path) as handle:
        scan = _scan(handle)
        if scan.problem_count and not skip_invalid:
            raise ImportFileError(path, scan.problems, scan.problem_count)
        report = ImportReport(
            read=len(scan.lines), skipped=scan.problems, skipped_total=scan.problem_count
        )
        report.sources_created = _create_sources(db, scan.sources)

        def again() -> Iterator[Prepared]:
            for number, offset, length, digest in scan.in_publication_order():
                handle.seek(offset)
                raw = handle.read(length)
                # The bytes checked (their hash the same): not checked again. A line that
                # changed since stops the import: another record (another source, a line of a
                # bigger file now at this place) was never part of the check of the whole file.
                if hash(raw) != digest:
                    raise _Stop(
                        number,
                        f"the file changed since it was checked (line {number} is no longer "
                        "the line checked); import it again once nothing writes to it",
                    )
                try:
                    yield checked_line(number, raw)
                except LineError as exc:
                    raise _Stop(number, f"the file changed since it was checked ({exc})") from None

        try:
            _store_in_order(db, again(), report, alerts, window_hours)
        except _Stop as stop:
            raise ImportStopped(path, stop.line, stop.cause, report) from None
    return report
