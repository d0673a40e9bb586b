"""Changes to the watchlists file made by a program (the reader's forms), with the file kept as
its authors wrote it.

The YAML file stays the source of truth that people also edit by hand, so a change:

- is applied with ruamel.yaml's round trip, which keeps comments, quoting, block scalars and
  key order (PyYAML would drop them); only the watchlist changed differs in the file;
- is refused when the file changed since the form was opened (`file_token`, a digest of its
  bytes, travels in the form), never written over what someone else saved;
- is validated by the same loader as the daemon (`load_watchlists`, and the sources it names) on the
  very bytes that will be written, and linted (`lint_rules`) for the preview;
- is written atomically (a temporary file beside it, fsync, `os.replace`), the previous version
  kept as `<file>.bak`, and logged: who, when, what, and the unified diff, one JSON line in
  `<file>.changes.jsonl` and one line in the log.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import hashlib
import io
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString
from ruamel.yaml.tokens import CommentToken

from crawler.core.errors import ConfigError, VeilleError
from monitors.rules.lint import RuleWarning, lint_rules
from monitors.rules.watchlists import RuleSet, validate_sources_referenced
from monitors.service.watchlists import load_watchlists

log = logging.getLogger("veille.rules.editing")

# The layouts tried for a file's lists, most common first: (mapping, sequence, offset) as
# ruamel.yaml's `indent()` takes them. The one that reproduces the file unchanged is used.
_LAYOUTS = [(2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 3, 1), (4, 2, 0)]
_LIST_FIELDS = ("terms", "exclude", "languages", "sources", "notify")
QUERY_WIDTH = 88  # a longer query is written folded (`>-`) over lines of about this length


class StaleFile(VeilleError):
    """The file changed on disk since the form was opened."""


class EditRefused(VeilleError):
    """The change would leave the file invalid, or names a watchlist that is not (or already)
    there; the message says what and how to fix it. `reason` and `details` let the reader say
    the same in the page's language (the loader's own text, in `details`, stays as it is)."""

    def __init__(self, message: str, reason: str = "", **details: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class WatchlistFields:
    """What the reader's form edits of one watchlist. Every other key of the watchlist in the
    file (description, require, digest, quiet hours, templates…) is kept as it is."""

    name: str
    title: str = ""
    query: str = ""
    terms: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    paused: bool = False


@dataclass(frozen=True)
class Change:
    """One change: `create` (fields), `update` (of `name`, with fields, possibly renaming it),
    `pause`, `resume` or `delete` (of `name`)."""

    action: str
    name: str
    fields: WatchlistFields | None = None

    def describe(self) -> str:
        if self.action == "update" and self.fields and self.fields.name != self.name:
            return f"update {self.name} (renamed {self.fields.name})"
        return f"{self.action} {self.fields.name if self.fields else self.name}"


@dataclass
class Checked:
    """A change applied in memory and validated: the new text, its diff against the current
    one, the rules it loads to and the lint's warnings."""

    text: str
    diff: str
    rules: RuleSet
    warnings: list[RuleWarning] = field(default_factory=list)


@dataclass
class Saved:
    diff: str
    backup: Path
    token: str  # the file's new token
    warnings: list[RuleWarning] = field(default_factory=list)


def file_token(path: Path) -> str:
    """A digest of the file's bytes, written into the form when it is shown and compared
    before writing: any change on disk since (a hand edit, another person's save) differs."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def fields_of(raw: dict) -> WatchlistFields:
    """The form's fields of one watchlist as written in the file."""

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    query = raw.get("query")
    return WatchlistFields(
        name=str(raw.get("name") or ""),
        title=str(raw.get("title") or ""),
        query=" ".join(str(query).split()) if isinstance(query, str) else "",
        terms=strings("terms"),
        exclude=strings("exclude"),
        languages=strings("languages"),
        sources=strings("sources"),
        notify=strings("notify"),
        paused=raw.get("paused") is True,
    )


def watchlist_fields(text: str, name: str) -> WatchlistFields | None:
    """The fields of the watchlist `name` in the file's text, or None."""
    data = _yaml().load(text)
    for raw in _watchlists(data):
        if isinstance(raw, dict) and raw.get("name") == name:
            return fields_of(raw)
    return None


def _yaml(layout: tuple[int, int, int] = _LAYOUTS[0]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line someone wrote
    mapping, sequence, offset = layout
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _layout(text: str) -> tuple[int, int, int]:
    """The list layout that writes the file back byte for byte (the first tried when none
    does: the diff then shows what moved)."""
    for layout in _LAYOUTS:
        yaml = _yaml(layout)
        try:
            if _dump(yaml, yaml.load(text)) == text:
                return layout
        except YAMLError:
            break
    return _LAYOUTS[0]


def _watchlists(data: Any) -> list:
    if isinstance(data, dict) and isinstance(data.get("watchlists"), list):
        return data["watchlists"]
    return []


def _index(seq: list, name: str) -> int | None:
    return next(
        (i for i, raw in enumerate(seq) if isinstance(raw, dict) and raw.get("name") == name),
        None,
    )


def _set(item: CommentedMap, key: str, value: Any, before: tuple[str, ...] = ()) -> None:
    """Set or remove (empty value) `key`, keeping an existing key where it is; a new key goes
    before the first of `before` present, else at the end."""
    if value in (None, "", (), []) or value is False:
        if key in item:
            keys = list(item.keys())
            comment = item.ca.items.pop(key, None)  # e.g. the blank line after the watchlist
            del item[key]
            place = keys.index(key)
            if comment is not None and place > 0 and keys[place - 1] not in item.ca.items:
                item.ca.items[keys[place - 1]] = comment
        return
    if key in item:
        item[key] = value
        return
    keys = list(item.keys())
    spot = next((keys.index(k) for k in before if k in keys), len(keys))
    item.insert(spot, key, value)


def _flow(values: tuple[str, ...]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()  # [a, b]: how the file's short lists are written
    return seq


def _query_scalar(query: str) -> str:
    """A long query folded over several lines (`>-`), as people write them in the file; the
    folds fall on single spaces, which YAML reads back as those spaces."""
    if len(query) <= QUERY_WIDTH:
        return query
    folded = FoldedScalarString(query)
    spaces, quoted = [], False  # folds go between words, outside "phrases"
    for place, char in enumerate(query):
        quoted = quoted != (char == '"')
        if char == " " and not quoted:
            spaces.append(place)
    folds, line_start, last = [], 0, None
    for place in spaces:
        if place - line_start > QUERY_WIDTH and last is not None and last > line_start:
            folds.append(last)
            line_start = last + 1
        last = place
    folded.fold_pos = folds
    return folded


def _apply_fields(item: CommentedMap, new: WatchlistFields) -> None:
    """Write the form's fields into the watchlist's mapping, touching only what changed (an
    unchanged query keeps its block style and line breaks)."""
    old = fields_of(item)
    if new.name != old.name:
        item["name"] = new.name
    if new.title != old.title:
        _set(item, "title", new.title, before=("query", "terms", "entities"))
    query = " ".join(new.query.split())
    if query != old.query:
        _set(item, "query", _query_scalar(query), before=("terms", "entities", "notify"))
    for key in _LIST_FIELDS:
        value = getattr(new, key)
        if value != getattr(old, key):
            _set(item, key, _flow(value) if value else (), before=("notify",))
    if new.paused != old.paused:
        _set(item, "paused", True if new.paused else None)


def edited_text(text: str, change: Change) -> str:
    """The file's text with the change applied, every other byte kept (pure); a file with
    Windows line ends keeps them."""
    if "\r\n" in text:
        return _edited(text.replace("\r\n", "\n"), change).replace("\n", "\r\n")
    return _edited(text, change)


# The lines before a file's first key: blank lines, comments, a `---` document start or a `%`
# directive. The YAML round trip drops the first blank line and a `---` (a file beginning
# « \n# veille\n » came back as « # veille\n »); no change touches them, so they are put back.
# A byte order mark (a file saved by Windows' Notepad) begins them, when there is one.
_PREAMBLE = re.compile(r"\A\ufeff?(?:[ \t]*(?:#[^\n]*|---[ \t]*|%[^\n]*)?\n)*")


def _preamble_end(text: str) -> int:
    found = _PREAMBLE.match(text)
    return found.end() if found else 0


def _with_preamble(original: str, edited: str) -> str:
    """`edited` beginning with the lines `original` began with before its first key."""
    return original[: _preamble_end(original)] + edited[_preamble_end(edited) :]


def _edited(text: str, change: Change) -> str:
    return _with_preamble(text, _edited_document(text, change))


def _edited_document(text: str, change: Change) -> str:
    layout = _layout(text)
    yaml = _yaml(layout)
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        detail = str(exc).splitlines()[0]
        raise EditRefused(
            f"the watchlists file is not valid YAML ({detail}); fix it by "
            "hand (`veille rules check` says where) before editing it here",
            "not_yaml",
            detail=detail,
        ) from None
    seq = _watchlists(data)
    if not isinstance(data, dict) or not isinstance(seq, CommentedSeq):
        raise EditRefused(
            "the watchlists file has no 'watchlists:' list; add one by hand (docs/watch-rules.md)",
            "no_list",
        )
    target = change.fields.name if change.fields else change.name
    if change.action == "create":
        if _index(seq, target) is not None:
            raise EditRefused(
                f"a watchlist named {target!r} already exists; choose another name",
                "exists",
                name=target,
            )
        item = CommentedMap()
        item["name"] = target
        assert change.fields is not None
        _apply_fields(item, change.fields)
        seq.append(item)
        if len(seq) > 1 and seq.ca.items.get(len(seq) - 2):  # the items are spaced: space it too
            blank = CommentToken("\n", CommentMark(0), None)
            seq.ca.items[len(seq) - 1] = [None, [blank], None, None]
        return _dump(yaml, data)
    index = _index(seq, change.name)
    if index is None:
        raise EditRefused(
            f"there is no watchlist named {change.name!r} in the file (any more); reload the "
            "watchlists page",
            "missing",
            name=change.name,
        )
    if change.action == "delete":
        del seq[index]
    elif change.action in ("pause", "resume"):
        _set(seq[index], "paused", True if change.action == "pause" else None)
    elif change.action == "update":
        assert change.fields is not None
        if target != change.name and _index(seq, target) is not None:
            raise EditRefused(
                f"a watchlist named {target!r} already exists; choose another name",
                "exists",
                name=target,
            )
        _apply_fields(seq[index], change.fields)
    else:
        raise ValueError(f"unknown change {change.action!r}")
    return _dump(yaml, data)


def unified_diff(before: str, after: str, path: Path) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{path.name} (before)",
            tofile=f"{path.name} (after)",
        )
    )


@contextlib.contextmanager
def _written_beside(path: Path, text: str) -> Iterator[Path]:
    """A temporary file beside `path` holding `text`, flushed to disk (removed unless the
    caller moved it into place)."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".edit", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def _validate(
    temporary: Path,
    path: Path,
    secrets: dict[str, str] | None,
    source_names: set[str] | None,
) -> tuple[RuleSet, list[RuleWarning]]:
    """The daemon's loader on the new bytes (and the sources they name), then the lint; errors
    name the real file, not the temporary one."""
    try:
        rules = load_watchlists(temporary, secrets).rules
        if source_names is not None:
            validate_sources_referenced(rules, source_names)
    except ConfigError as exc:
        detail = str(exc).replace(str(temporary), str(path))
        raise EditRefused(
            "not saved, the file would be invalid: " + detail, "invalid", detail=detail
        ) from None
    rules.path = str(path)
    warnings = [
        RuleWarning(str(path), w.line, w.column, w.message, w.fix)
        for w in lint_rules(rules, rules.raw_watchlists)
    ]
    return rules, warnings


def check_change(
    path: Path,
    change: Change,
    secrets: dict[str, str] | None = None,
    source_names: set[str] | None = None,
) -> Checked:
    """The change applied to the file as it is now and validated, nothing written: what the
    preview shows (with the backtest of the rules it returns)."""
    before = path.read_text(encoding="utf-8")
    after = edited_text(before, change)
    with _written_beside(path, after) as temporary:
        rules, warnings = _validate(temporary, path, secrets, source_names)
    return Checked(after, unified_diff(before, after, path), rules, warnings)


@contextlib.contextmanager
def _editing_lock(path: Path) -> Iterator[None]:
    """One writer at a time (two reader processes, or two requests), on a lock file beside it:
    the file itself is replaced, so a lock on it would not hold."""
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def changes_path(path: Path) -> Path:
    return path.with_name(path.name + ".changes.jsonl")


def save_change(
    path: Path,
    token: str,
    change: Change,
    who: str,
    secrets: dict[str, str] | None = None,
    source_names: set[str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Saved:
    """Apply, validate and write the change, if the file is still the one whose `token` the
    form carries; keep the previous version, log who changed what."""
    with _editing_lock(path):
        before_bytes = path.read_bytes()
        if hashlib.sha256(before_bytes).hexdigest() != token:
            raise StaleFile(
                f"not saved: {path.name} changed on disk since this form was opened (edited by "
                "hand or saved by someone else); nothing was overwritten. Open the form again "
                "to start from the file as it is now"
            )
        before = before_bytes.decode("utf-8")
        after = edited_text(before, change)
        diff = unified_diff(before, after, path)
        with _written_beside(path, after) as temporary:
            _, warnings = _validate(temporary, path, secrets, source_names)
            mode = path.stat().st_mode & 0o7777
            os.chmod(temporary, mode)
            backup = backup_path(path)
            with _written_beside(path, before) as old:
                os.chmod(old, mode)
                os.replace(old, backup)
            os.replace(temporary, path)
        _fsync_directory(path.parent)
        record = {
            "at": now().isoformat(timespec="seconds"),
            "who": who,
            "change": change.action,
            "watchlist": change.fields.name if change.fields else change.name,
            "previous_name": change.name if change.action == "update" else None,
            "diff": diff,
        }
        with open(changes_path(path), "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    log.info(
        "watchlists file %s: %s by %s (%d lines changed)",
        path,
        change.describe(),
        who,
        sum(1 for line in diff.splitlines() if re.match(r"[+-](?![+-])", line)),
    )
    return Saved(diff, backup, hashlib.sha256(after.encode("utf-8")).hexdigest(), warnings)


def _fsync_directory(directory: Path) -> None:
    """The rename itself reaches the disk (a crash right after keeps the new file)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recent_changes(path: Path, limit: int = 50) -> list[dict]:
    """The last changes made through `save_change`, newest first."""
    try:
        lines = changes_path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    found = []
    for line in reversed(lines[-limit:]):
        with contextlib.suppress(json.JSONDecodeError):
            found.append(json.loads(line))
    return found
