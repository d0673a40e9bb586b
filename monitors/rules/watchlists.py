"""Watch rules: what makes an article match a watchlist, and the entities rules name.

The watchlists file holds both these rules and their delivery configuration (channels, digests,
quiet hours: monitors.alerts.routing); monitors.service.watchlists reads the file once and
composes the two, so matching never depends on how alerts are delivered. A bad entry raises
ConfigError naming the file, the line and the fix.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from crawler.core.errors import ConfigError, raise_all
from crawler.core.normalize import normalize
from crawler.core.yamlfile import (
    LineDict,
    language_list,
    line_in,
    name_fix,
    reject_unknown_keys,
    require_mapping,
    string_list,
)
from monitors.rules.query import And as QAnd
from monitors.rules.query import EntityRef, Node, QuerySyntaxError, atoms, parse_query
from monitors.rules.query import Not as QNot
from monitors.rules.query import Or as QOr
from monitors.rules.query import Term as QTerm

logger = logging.getLogger(__name__)

# A watchlist's, an entity's or a channel's name.
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# The keys of a watchlist entry the rules read; the rest of the entry is its delivery.
RULE_KEYS = frozenset(
    {
        "name",
        "title",
        "query",
        "terms",
        "entities",
        "require",
        "exclude",
        "languages",
        "sources",
        "fields",
        "min_mentions",
        "description",
        "paused",
        "alert_per_language",
    }
)
_ENTITY_KEYS = {"id", "name", "aliases", "fuzzy", "description"}
DEFAULT_CONTEXT_WINDOW = 10


@dataclass(frozen=True)
class Alias:
    """One way of writing an entity; `context` words must then appear within `window` words."""

    text: str
    context: tuple[str, ...] = ()
    window: int = DEFAULT_CONTEXT_WINDOW


@dataclass(frozen=True)
class Entity:
    """A person or organisation with its spellings; `fuzzy` tolerates a one-letter difference
    in one word (of five letters or more) of a multi-word alias."""

    id: str
    name: str
    aliases: tuple[Alias, ...]
    fuzzy: bool = False
    line: int = 0


@dataclass(frozen=True)
class Watchlist:
    """One watch rule: an article matches when it contains any of `terms`, at least one term of
    each `require` group, and none of `exclude`, in title or body, after case/accent/Arabic
    folding. ("UM6P AND supercalculateur": terms [UM6P], require [[supercalculateur, …]].)"""

    name: str
    title: str
    terms: tuple[str, ...] = ()
    require: tuple[tuple[str, ...], ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    line: int = 0
    query: Node | None = None
    query_text: str | None = None
    entities: tuple[str, ...] = ()
    fields: tuple[str, ...] = ("title", "text")
    min_mentions: int = 1
    paused: bool = False  # kept in the file and shown in the reader, matched by nothing
    # A story reported in several languages alerts once per language instead of once.
    alert_per_language: bool = False


def watchlist_expression(w: Watchlist) -> Node:
    """One expression for the whole watchlist:
    (query OR any term OR any entity) AND each require group AND NOT any exclude."""
    positive: list[Node] = []
    if w.query is not None:
        positive.append(w.query)
    positive += [QTerm(t) for t in w.terms]
    positive += [EntityRef(e) for e in w.entities]
    parts: list[Node] = [positive[0] if len(positive) == 1 else QOr(tuple(positive))]
    for group in w.require:
        terms = tuple(QTerm(t) for t in group)
        parts.append(terms[0] if len(terms) == 1 else QOr(terms))
    if w.exclude:
        parts.append(QNot(QOr(tuple(QTerm(t) for t in w.exclude))))
    return parts[0] if len(parts) == 1 else QAnd(tuple(parts))


@dataclass
class RuleSet:
    """The watchlists and entities of one watchlists file, in file order."""

    path: str
    watchlists: list[Watchlist] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    raw_watchlists: list = field(default_factory=list, repr=False)  # for lint positions

    def by_name(self, name: str) -> Watchlist:
        for watchlist in self.watchlists:
            if watchlist.name == name:
                return watchlist
        known = ", ".join(w.name for w in self.watchlists)
        raise ConfigError(self.path, None, f"no watchlist named {name!r}", f"use one of: {known}")


def _require_groups(raw: LineDict, path: str) -> tuple[tuple[str, ...], ...]:
    """`require` is one group (a list of strings) or several (a list of lists); an empty group
    can never be met, so it is refused (the watchlist never matched again)."""
    value = raw.get("require")
    if value is None:
        return ()
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        lines = [line_in(value, i) for i in range(len(value))]
        groups = [
            _terms({"require": group}, "require", path, lines[i]) for i, group in enumerate(value)
        ]
    else:
        lines, groups = [raw.line_of("require")], [_terms(raw, "require", path)]
    for group, line in zip(groups, lines, strict=True):
        if not group:
            raise ConfigError(
                path,
                line or raw.line_of("require"),
                f"watchlist {raw.get('name')!r} has an empty group in 'require': no article "
                "can meet it",
                "list at least one term in each group, or remove 'require'",
            )
    return tuple(groups)


def _terms(raw: dict, key: str, path: str, line: int | None = None) -> tuple[str, ...]:
    line = line or line_in(raw, key)
    terms = string_list(raw.get(key), path, line, key)
    for term in terms:
        if not normalize(term):
            raise ConfigError(
                path,
                line,
                f"term {term!r} in '{key}' has no letters or digits to match",
                "remove it or write a word",
            )
    return tuple(terms)


def _parse_query(raw: LineDict, path: str) -> tuple[Node | None, str | None]:
    text = raw.get("query")
    if text is None:
        return None, None
    if not isinstance(text, str):
        raise ConfigError(
            path, raw.line_of("query"), "query must be a string", "quote it: query: '…'"
        )
    try:
        return parse_query(text), text
    except QuerySyntaxError as exc:
        line, column = raw.position_in_value("query", exc.position)
        where = "" if column else f" at character {exc.position + 1} of the query"
        raise ConfigError(
            path,
            line,
            f"query: {exc.problem}{where}",
            "see docs/watch-rules.md for the query syntax",
            column=column,
        ) from None


def entity_placeholders(raw: object) -> dict[str, Entity]:
    """The ids the file's `entities:` declare, once they could not all be read: the watchlists
    that name them are checked for everything else and not reported a second time, as an
    invalid channel stays a placeholder (the file is refused all the same)."""
    if not isinstance(raw, list):
        return {}
    return {
        item["id"]: Entity(item["id"], item["id"], (Alias(item["id"]),), False, 0)
        for item in raw
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def parse_entities(raw: object, path: str, line: int) -> dict[str, Entity]:
    """The file's `entities:`, by id."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ConfigError(path, line, "'entities' must be a list")
    entities: dict[str, Entity] = {}
    for i, item in enumerate(raw):
        item = require_mapping(item, path, line_in(raw, i), "each entity")
        reject_unknown_keys(item, _ENTITY_KEYS, path, "entity")
        entity_id = item.get("id")
        if not isinstance(entity_id, str) or not NAME.match(entity_id):
            raise ConfigError(
                path,
                item.line_of("id"),
                f"entity id {entity_id!r} is missing or invalid",
                name_fix(
                    entity_id, "use lowercase letters, digits, '-' or '_', e.g. 'seghrouchni'"
                ),
            )
        if entity_id in entities:
            raise ConfigError(
                path,
                item.line,
                f"entity id {entity_id!r} is already used on line {entities[entity_id].line}",
            )
        name = str(item.get("name") or entity_id)
        aliases: list[Alias] = [Alias(name)]
        raw_aliases = item.get("aliases") or []
        if not isinstance(raw_aliases, list):
            raise ConfigError(path, item.line_of("aliases"), "aliases must be a list")
        for j, alias in enumerate(raw_aliases):
            alias_line = line_in(raw_aliases, j)
            if isinstance(alias, dict):
                text = alias.get("alias")
                context = tuple(string_list(alias.get("context"), path, alias_line, "context"))
                window = alias.get("window", DEFAULT_CONTEXT_WINDOW)
                if not isinstance(window, int) or not 1 <= window <= 100:
                    raise ConfigError(
                        path, alias_line, "window must be a number of words from 1 to 100"
                    )
                if not context:
                    raise ConfigError(
                        path,
                        alias_line,
                        f"alias {text!r} has an empty 'context'",
                        "list words that must appear near it, or write the alias as a plain string",
                    )
            else:
                text, context, window = alias, (), DEFAULT_CONTEXT_WINDOW
            if not isinstance(text, str) or not normalize(text):
                raise ConfigError(
                    path, alias_line, f"alias {text!r} has no letters or digits to match"
                )
            aliases.append(Alias(text, context, window))
        fuzzy = item.get("fuzzy", False)
        if not isinstance(fuzzy, bool):
            raise ConfigError(path, item.line_of("fuzzy"), "fuzzy must be true or false")
        unique = {(a.text, a.context, a.window): a for a in aliases}
        entities[entity_id] = Entity(entity_id, name, tuple(unique.values()), fuzzy, item.line)
    return entities


def parse_watchlist(
    raw: LineDict, path: str, entities: dict[str, Entity], other_keys: frozenset[str] = frozenset()
) -> Watchlist:
    """One entry of `watchlists:`, its rule part; `other_keys` are the keys another part of the
    entry reads (its delivery), accepted here without being read."""
    reject_unknown_keys(raw, set(RULE_KEYS | other_keys), path, "watchlist")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError(
            path,
            raw.line_of("name"),
            f"watchlist name {name!r} is missing or invalid",
            name_fix(
                name, "use lowercase letters, digits, '-' or '_', e.g. 'souverainete-numerique'"
            ),
        )
    terms = _terms(raw, "terms", path)
    if "terms" in raw and not terms:
        raise ConfigError(
            path,
            raw.line_of("terms"),
            f"watchlist {name!r} has empty 'terms'",
            "list at least one term",
        )
    query, query_text = _parse_query(raw, path)
    entity_ids = tuple(string_list(raw.get("entities"), path, raw.line_of("entities"), "entities"))
    if not terms and query is None and not entity_ids:
        raise ConfigError(
            path,
            raw.line,
            f"watchlist {name!r} has no 'query', 'terms' or 'entities'",
            "give at least one of them",
        )
    in_query = [a.name for a in atoms(query) if isinstance(a, EntityRef)] if query else []
    for entity_id in [*entity_ids, *in_query]:
        if entity_id not in entities:
            raise ConfigError(
                path,
                raw.line_of("entities" if entity_id in entity_ids else "query"),
                f"watchlist {name!r} uses unknown entity {entity_id!r}",
                f"define it under 'entities:' (known: {', '.join(sorted(entities)) or 'none'})",
            )
    fields = tuple(string_list(raw.get("fields"), path, raw.line_of("fields"), "fields"))
    for f in fields:
        if f not in ("title", "text"):
            raise ConfigError(
                path, raw.line_of("fields"), f"field {f!r} is unknown", "use title, text or both"
            )
    min_mentions = raw.get("min_mentions", 1)
    if not isinstance(min_mentions, int) or isinstance(min_mentions, bool) or min_mentions < 1:
        raise ConfigError(
            path, raw.line_of("min_mentions"), "min_mentions must be a whole number of at least 1"
        )
    paused = raw.get("paused", False)
    if not isinstance(paused, bool):
        raise ConfigError(path, raw.line_of("paused"), "paused must be true or false")
    per_language = raw.get("alert_per_language", False)
    if not isinstance(per_language, bool):
        raise ConfigError(
            path,
            raw.line_of("alert_per_language"),
            "alert_per_language must be true or false",
            "true: one alert per story and language; false (default): one per story",
        )
    return Watchlist(
        name=name,
        title=str(raw.get("title") or name),
        terms=terms,
        require=_require_groups(raw, path),
        exclude=_terms(raw, "exclude", path),
        languages=tuple(language_list(raw.get("languages"), path, raw.line_of("languages"))),
        sources=tuple(string_list(raw.get("sources"), path, raw.line_of("sources"), "sources")),
        line=raw.line,
        query=query,
        query_text=query_text,
        entities=entity_ids,
        fields=fields or ("title", "text"),
        min_mentions=min_mentions,
        paused=paused,
        alert_per_language=per_language,
    )


def validate_sources_referenced(rules: RuleSet, source_names: set[str]) -> None:
    """A watchlist filtering on a source that does not exist would silently never match."""
    errors = [
        ConfigError(
            rules.path,
            watchlist.line,
            f"watchlist {watchlist.name!r} filters on unknown source {name!r}",
            f"use a source name from the sources file: {', '.join(sorted(source_names))}",
        )
        for watchlist in rules.watchlists
        for name in watchlist.sources
        if name not in source_names
    ]
    raise_all(errors)
