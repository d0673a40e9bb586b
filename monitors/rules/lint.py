"""Warnings for watch rules that parse but probably do not mean what their author meant.

A query is valid when it parses; it is right when it finds what its author had in mind. These
slips parse and then silently find something else: `cloud or data` looks for the word "or"
(operators are upper case), `NEAR5` is a word, `titre:cloud` a word with a colon, an entity
defined and never used a forgotten rule. `veille rules check` prints them with their line and
column; `--strict` makes them errors. Pure functions over the parsed rules and the raw file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.core.normalize import normalize
from monitors.rules.query import FIELDS, _tokenize
from monitors.rules.watchlists import RuleSet

_LOWER_OPERATORS = {
    "or": "OR",
    "and": "AND",
    "not": "NOT",
    "near": "NEAR/n",
    "et": "AND",
    "ou": "OR",
}
_NEAR_MISS = re.compile(r"^(?:near|NEAR|Near)(?:/?(\d+)|/)$|^(?:NEAR|near)(\d+)$")
_FIELDISH = re.compile(r"^([A-Za-zÀ-ÿ_]+):(\S*)$")
_FIELD_GUESSES = {
    "titre": "title",
    "titles": "title",
    "texte": "text",
    "corps": "body",
    "contenu": "text",
    "content": "text",
    "headline": "title",
}


@dataclass(frozen=True)
class RuleWarning:
    path: str
    line: int | None
    column: int | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.line and self.column:
            where += f":{self.column}"
        return f"{where}: warning: {self.message} (fix: {self.fix})"


def lint_query(query: str) -> list[tuple[int, str, str]]:
    """(offset, problem, fix) for each slip in one query string."""
    found: list[tuple[int, str, str]] = []
    for token in _tokenize(query):
        if token.kind != "word":
            continue
        value = token.value
        if value in _LOWER_OPERATORS and value != value.upper():
            operator = _LOWER_OPERATORS[value]
            found.append(
                (
                    token.position,
                    f"'{value}' is a word to find, not the operator {operator}",
                    f'write {operator} in capitals, or quote "{value}" if you mean the word',
                )
            )
            continue
        near = _NEAR_MISS.match(value)
        if near:
            distance = near.group(1) or near.group(2) or "5"
            found.append(
                (
                    token.position,
                    f"'{value}' is a word to find, not a proximity operator",
                    f"write NEAR/{distance}",
                )
            )
            continue
        field = _FIELDISH.match(value)
        if field and field.group(1).lower() not in FIELDS and not value.startswith("http"):
            guess = _FIELD_GUESSES.get(field.group(1).lower())
            known = ", ".join(f"{f}:" for f in FIELDS)
            found.append(
                (
                    token.position,
                    f"'{field.group(1)}:' is not a field, so '{value}' is searched as words",
                    f"use {guess}:" if guess else f"fields are {known}",
                )
            )
            continue
        problem = _never_matches(value)
        if problem:
            found.append((token.position, problem, "remove it, or write the whole word"))
    return found


def _never_matches(term: str) -> str | None:
    """Why a term can never match once folded like article text, or None."""
    folded = normalize(term.rstrip("*")).strip()
    if not folded:
        return f"'{term}' has no letters or digits: it can never match"
    if len(folded) == 1 and term.strip() != folded:
        return (
            f"'{term}' folds to '{folded}': elided articles and lone letters are not words in "
            "the texts, so it can never match"
        )
    return None


def lint_rules(rules: RuleSet, raw_watchlists: list | None = None) -> list[RuleWarning]:
    """Warnings for a loaded RuleSet: query slips (with line and column when the query is on
    one line) and entities never used by any watchlist."""
    warnings: list[RuleWarning] = []
    used: set[str] = set()
    raw_by_name = {}
    for raw in raw_watchlists or []:
        if isinstance(raw, dict) and "name" in raw:
            raw_by_name[str(raw["name"])] = raw
    for watchlist in rules.watchlists:
        used.update(watchlist.entities)
        for term in watchlist.terms:
            problem = _never_matches(term)
            if problem:
                warnings.append(
                    RuleWarning(
                        rules.path,
                        watchlist.line,
                        None,
                        f"watchlist {watchlist.name!r}: {problem}",
                        "remove it, or write the whole word",
                    )
                )
        if "ary" in watchlist.languages and "ar" not in watchlist.languages:
            warnings.append(
                RuleWarning(
                    rules.path,
                    watchlist.line,
                    None,
                    f"watchlist {watchlist.name!r}: languages: 'ary' alone leaves out Darija "
                    "written in Arabic script, which articles carry as 'ar' (veille reads a "
                    "text mostly in Arabic script as Arabic)",
                    "write [ar, ary], or [ar]",
                )
            )
        if not watchlist.query_text:
            continue
        used.update(re.findall(r"@([\w.-]+)", watchlist.query_text))
        raw = raw_by_name.get(watchlist.name)
        for offset, problem, fix in lint_query(watchlist.query_text):
            line, column = watchlist.line, None
            if raw is not None and hasattr(raw, "position_in_value"):
                line, column = raw.position_in_value("query", offset)
            warnings.append(
                RuleWarning(
                    rules.path, line, column, f"watchlist {watchlist.name!r}: {problem}", fix
                )
            )
    for name, entity in sorted(rules.entities.items()):
        if name not in used:
            warnings.append(
                RuleWarning(
                    rules.path,
                    getattr(entity, "line", None),
                    None,
                    f"entity {name!r} is defined but no watchlist uses it",
                    f"use @{name} in a query or entities: list, or remove it",
                )
            )
    return warnings
