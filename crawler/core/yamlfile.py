"""Load YAML configuration keeping line numbers, so validation errors can say where."""

from __future__ import annotations

import difflib
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from crawler.core.errors import ConfigError


class LineDict(dict):
    """A mapping from YAML that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]
    value_marks: dict[str, tuple[int, int, str | None]]  # line, column (1-based), scalar style

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def position_in_value(self, key: str, offset: int) -> tuple[int, int | None]:
        """Line and column of the character at `offset` in a one-line scalar value."""
        line, column, style = self.value_marks.get(key, (self.line_of(key), 0, None))
        if style in (None, "", "'", '"'):
            return line, column + offset + (1 if style in ("'", '"') else 0)
        return line, None  # block scalars: the caller reports the offset instead


class LineList(list):
    """A sequence from YAML that remembers the line of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def line_in(container: object, key: str | int, default: int | None = None) -> int | None:
    """The YAML line of `key` in a mapping, or of item `key` in a sequence, read by load_yaml;
    `default` for anything else (a value built in code)."""
    if isinstance(container, LineDict) and isinstance(key, str):
        return container.line_of(key)
    if isinstance(container, LineList) and isinstance(key, int):
        return container.line_of(key)
    return default


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry 1-based line numbers."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        result.value_marks = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise ConfigError(
                    self.name,
                    key_node.start_mark.line + 1,
                    "a mapping key must be a plain scalar",
                )
            if key in result:
                raise ConfigError(
                    self.name,
                    key_node.start_mark.line + 1,
                    f"duplicate key {key!r}",
                    "remove or rename one of the two entries",
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[str(key)] = key_node.start_mark.line + 1
            mark = value_node.start_mark
            style = getattr(value_node, "style", None)
            result.value_marks[str(key)] = (mark.line + 1, mark.column + 1, style)
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence
)


# What aliases (*name) may add to a file, in values: reusing a list in every source adds a few
# thousand; nested aliases that each repeat the one before (a "billion laughs") add billions,
# which every later walk or message about the value pays for (2 GB for one `rules check`).
MAX_ALIAS_VALUES = 100_000


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_alias_expansion(root: yaml.Node, path: str) -> None:
    """Refuse a document whose aliases add more than MAX_ALIAS_VALUES values, or that holds
    itself, before anything is built from it. Counts each node once (memoised): linear in the
    file, whatever the aliases would expand to."""
    sizes: dict[int, int] = {}  # a node's values, aliases expanded
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done:
            open_nodes.add(id(node))
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    raise ConfigError(
                        path,
                        child.start_mark.line + 1,
                        "an alias refers to the value that holds it",
                        "write the value out instead of the alias",
                    )
                if id(child) not in sizes:
                    stack.append((child, False))
            continue
        open_nodes.discard(id(node))
        size = 1 + sum(sizes[id(child)] for child in children)
        sizes[id(node)] = size
        if size - len(sizes) > MAX_ALIAS_VALUES:
            raise ConfigError(
                path,
                node.start_mark.line + 1,
                f"aliases (*name) expand this value to more than {MAX_ALIAS_VALUES:,} values",
                "write the values out, or nest fewer aliases in one another",
            )


# The largest sources or watchlists file read: 60,000 watchlists take 3 MB. A log or a data file
# given for one (74 MB of log lines) was parsed whole before being said not to be one: two
# minutes and 1.2 GB, and a device (/dev/zero) was read until memory ran out.
MAX_FILE_BYTES = 16_000_000


def _check_size(path: Path) -> None:
    """Refuse a file too large to be a configuration file, or a device, before reading it."""
    try:
        info = path.stat()
    except OSError:
        return  # said by the read, as it was
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        raise ConfigError(
            str(path), None, "is a device, not a file", "give the path of a YAML file"
        )
    if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
        raise ConfigError(
            str(path),
            None,
            f"is {info.st_size / 1e6:,.0f} MB, too large to be a sources or watchlists file "
            f"(veille reads up to {MAX_FILE_BYTES // 1_000_000} MB; 60,000 watchlists take 3)",
            "check that it is the right file, not a log or a data file",
        )


# A value that needs quoting, as each file writes one: the fix of invalid YAML shows it.
QUOTING_EXAMPLE = "query: '\"cloud souverain\" OR datacenter'"


def load_yaml(path: str | Path, example: str = QUOTING_EXAMPLE) -> Any:
    """Parse a YAML file into LineDict/LineList values, or raise ConfigError with the line.
    `example` is a value of this file's kind that needs quoting, for the fix of invalid YAML:
    a watchlists file's query by default, which means nothing in a sources file."""
    path = Path(path)
    _check_size(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), None, "file not found", "check the path") from None
    except UnicodeDecodeError as exc:
        bad_line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            str(path), bad_line, f"not UTF-8 text ({exc.reason})", "save as UTF-8"
        ) from None
    except OSError as exc:  # a directory, a file the user may not read
        raise ConfigError(
            str(path),
            None,
            f"cannot be read ({exc.strerror or exc})",
            "give the path of a readable file",
        ) from None
    try:
        loader = _LineLoader(text)
    except yaml.reader.ReaderError as exc:  # a NUL or another control character
        raise ConfigError(
            str(path),
            text[: exc.position].count("\n") + 1,
            f"invalid YAML: the character #x{exc.character:04x} is not allowed in YAML (a "
            "control character, or none at all)",
            "remove it: a value pasted from a binary file or a terminal may hold one",
            column=exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1,
        ) from None
    loader.name = str(path)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_alias_expansion(node, str(path))
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            problem += f", {exc.context} that starts on line {exc.context_mark.line + 1}"
        raise ConfigError(
            str(path),
            line,
            f"invalid YAML: {problem}",
            # a tab pasted or typed by an editor: the general fix below did not say which
            "replace the tab with spaces: YAML indents with spaces only"
            if "'\\t'" in problem
            else f"check indentation, and quote values holding ':', '#', '@' or quotes ({example})",
            column=mark.column + 1 if mark else None,
        ) from None
    except RecursionError:  # [[[[…]]]] thousands deep: the parser recurses per level
        raise ConfigError(
            str(path),
            None,
            "invalid YAML: lists or mappings nested too deep to read",
            "nest fewer levels: watchlists and sources need no more than a few",
        ) from None
    finally:
        loader.dispose()


# The fix of a value YAML read as another type than the text written (name: on, name: 2026).
UNQUOTED = (
    "quote it ('on', '2026'): YAML reads yes, no, on, off, true, false, null and ~, dates and "
    "numbers written unquoted as such values, not as words"
)


def name_fix(value: object, fix: str) -> str:
    """`fix`, or UNQUOTED when YAML read the name as something else than text (name: on gave
    « source name True is missing or invalid », and the fix to use lowercase letters)."""
    return fix if value is None or isinstance(value, str) else UNQUOTED


def require_mapping(value: Any, path: str, line: int | None, what: str) -> LineDict:
    if not isinstance(value, dict):
        raise ConfigError(path, line, f"{what} must be a mapping (key: value)")
    return value  # type: ignore[return-value]


def string_list(value: Any, path: str, line: int | None, what: str) -> list[str]:
    """Accept a string or a list of non-empty strings; anything else is an error."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(path, line, f"{what} must be a list of strings")
    out: list[str] = []
    for i, item in enumerate(value):
        item_line = value.line_of(i) if isinstance(value, LineList) else line
        if not isinstance(item, str | int | float) or isinstance(item, bool):
            raise ConfigError(
                path,
                item_line,
                f"{what} item must be a string, got {item!r}",
                UNQUOTED,
            )
        text = str(item).strip()
        if not text:
            raise ConfigError(path, item_line, f"{what} contains an empty string")
        out.append(text)
    return out


def language_list(value: Any, path: str, line: int | None) -> list[str]:
    """Language codes as articles carry them: ISO 639-1 (fr, ar, en, es), or one of the few
    other codes the language identifier names (kab, ary, zxx)."""
    codes = string_list(value, path, line, "languages")
    for code in codes:
        if wrong := language_problem(code):
            problem, fix = wrong
            raise ConfigError(path, line, f"language {code!r} {problem}", fix)
    return codes


def primary_language(code: str | None) -> str:
    """A stored language's primary subtag (« fr-MA » is fr): `veille import` stores a code as
    given, and watchlists, search and alerts per language take a region as its language."""
    return (code or "").split("-")[0]


def language_problem(code: str) -> tuple[str, str] | None:
    """What is wrong with `code` as a language articles carry, and its fix; None when it is
    one (the files' `languages`, the command line's --language)."""
    if code in LANGUAGE_CODES or code in IDENTIFIER_CODES:
        return None
    if len(code) == 2 and code.isascii() and code.isalpha() and code.islower():
        # 'fe' for 'fr': a filter that never agreed
        return "is no language code (ISO 639-1)", "write a list such as [fr, ar, en, es]"
    return _other_code(code)


# The codes other than ISO 639-1 the language identifier names (crawler.extraction.extract), so
# an article may carry them: kab Kabyle, zxx a text with no language, ary Darija, though a text
# mostly in Arabic script is read as Arabic (ar), Darija too (monitors.rules.lint says so of a
# watchlist limited to ary). A test holds this list to the identifier's.
IDENTIFIER_CODES = frozenset(
    [
        "ace",
        "ary",
        "arz",
        "bcl",
        "crh",
        "ext",
        "fuv",
        "gcf",
        "gcr",
        "gom",
        "grc",
        "gug",
        "guw",
        "hbo",
        "kab",
        "kik",
        "lij",
        "ltg",
        "nso",
        "pcm",
        "sdh",
        "uzs",
        "vec",
        "wuu",
        "yue",
        "zxx",
    ]
)
# Codes of another standard (ISO 639-2 and 639-3, a region's tag) a Moroccan team may write,
# and the code the articles carry instead; no Amazigh language but Kabyle has one.
_TWO_LETTER = {"ara": "ar", "fra": "fr", "fre": "fr", "eng": "en", "spa": "es", "deu": "de"}
_AMAZIGH = frozenset({"ber", "rif", "shi", "tzm", "zgh", "tmh", "tzg", "amz"})


def _other_code(code: str) -> tuple[str, str]:
    """What is wrong with a language code articles never carry, and its fix."""
    lowered = code.strip().lower()
    base = re.split(r"[-_]", lowered)[0]
    if base in LANGUAGE_CODES or base in IDENTIFIER_CODES:  # fr-MA, ar_MA, FR
        why = "in lower case" if base == lowered else "without the region: articles carry none"
        return "is not a code articles carry", f"write {base!r}, {why}"
    if base in _TWO_LETTER:
        return (
            "is not a code articles carry",
            f"write {_TWO_LETTER[base]!r}, the two-letter code (ISO 639-1)",
        )
    if base in _AMAZIGH:
        return (
            "is an Amazigh language the language identifier does not name: no article is "
            "labelled with it",
            "leave it out of languages (Kabyle is 'kab')",
        )
    return (
        "is not a code articles carry",
        "write two-letter codes (ISO 639-1) such as [fr, ar, en, es]",
    )


# ISO 639-1: every two-letter code a language has (the articles' languages are among them).
_ISO_639_1 = """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho
    hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv
    kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr
    nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq
    sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh
    yi yo za zh zu"""
LANGUAGE_CODES = frozenset(_ISO_639_1.split())


def reject_unknown_keys(raw: LineDict, allowed: set[str], path: str, what: str) -> None:
    """A misspelt key ('term:' for 'terms:') must not be silently ignored."""
    unknown = set(raw) - allowed
    if unknown:
        key = sorted(unknown, key=str)[0]
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
        guess = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            path,
            raw.line_of(key),
            f"unknown key {key!r} in {what}",
            f"{guess}known keys: {', '.join(sorted(allowed))}",
        )
