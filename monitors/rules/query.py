"""The watch-rule query language: a parser from query strings to an expression tree.

Grammar (operators are UPPERCASE; lowercase and, or, not are ordinary words):

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary (["AND"] unary)*          adjacent expressions are AND-ed
    unary    := "NOT" unary | near
    near     := primary ("NEAR/" N primary)*      within N words, in the same sentence
    primary  := "(" or_expr ")" | [field ":"] atom | field ":" "(" or_expr ")"
    atom     := '"quoted phrase"' | word | prefix* | @entity
    field    := title | text | body

Precedence, tightest first: NEAR, NOT, AND, OR. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import assert_never

from crawler.core.errors import VeilleError
from crawler.core.normalize import normalize

MAX_NEAR = 100
FIELDS = {"title": "title", "text": "text", "body": "text"}


class QuerySyntaxError(VeilleError):
    """A query that does not parse; `position` is the 0-based offset in the query string."""

    def __init__(self, message: str, position: int) -> None:
        self.position = position
        self.problem = message
        super().__init__(f"{message} (at character {position + 1})")


# -- the expression tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or phrase (`prefix`: its last word is a prefix, as in numéri*)."""

    text: str
    prefix: bool = False
    field: str | None = None  # None: title and body


@dataclass(frozen=True)
class EntityRef:
    name: str
    field: str | None = None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int


Node = Term | EntityRef | And | Or | Not | Near


# Every function that walks an expression names each kind of node and ends in assert_never: a
# new kind of node is then an error in mypy at each of them, not a node quietly read as And.


def atoms(node: Node) -> list[Term | EntityRef]:
    """Every term and entity reference in an expression."""
    if isinstance(node, Term | EntityRef):
        return [node]
    if isinstance(node, Not):
        return atoms(node.child)
    if isinstance(node, Near):
        return atoms(node.left) + atoms(node.right)
    if isinstance(node, And | Or):
        return [a for child in node.children for a in atoms(child)]
    assert_never(node)


def has_positive(node: Node) -> bool:
    """True if the expression can match on its own (not only through NOT)."""
    if isinstance(node, Term | EntityRef | Near):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, Or):
        return all(has_positive(c) for c in node.children)
    if isinstance(node, And):
        return any(has_positive(c) for c in node.children)
    assert_never(node)


# -- tokenizer -------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<phrase>"[^"]*"?)
  | (?P<near>NEAR/(?P<distance>\d*))
  | (?P<field>(?:title|text|body):)
  | (?P<entity>@[\w.-]*)
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    value: str
    position: int


def _tokenize(query: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup or "word"
        if kind == "distance":
            kind = "near"
        if m.group("near") is not None:
            kind = "near"
        if kind == "space":
            continue
        value = m.group(0)
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value.lower()
        tokens.append(_Tok(kind, value, m.start()))
    tokens.append(_Tok("end", "", len(query)))
    return tokens


# -- parser ----------------------------------------------------------------------------------------


# Parentheses and NOTs nested deeper than this are refused: a real query nests a few levels,
# and every step of parsing, matching and search follows the nesting.
MAX_NESTING = 50


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenize(query)
        self.index = 0
        self.depth = 0

    def _deeper(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise QuerySyntaxError(
                f"parentheses or NOT nested more than {MAX_NESTING} deep; simplify the query",
                position,
            )

    @property
    def current(self) -> _Tok:
        return self.tokens[self.index]

    def advance(self) -> _Tok:
        token = self.current
        self.index += 1
        return token

    def fail(self, expected: str) -> QuerySyntaxError:
        token = self.current
        found = "the end of the query" if token.kind == "end" else repr(token.value)
        return QuerySyntaxError(f"expected {expected}, found {found}", token.position)

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise QuerySyntaxError("the query is empty", 0)
        node = self.or_expr(None)
        if self.current.kind != "end":
            raise self.fail("AND, OR, NOT, NEAR/n or the end of the query")
        if not has_positive(node):
            raise QuerySyntaxError("the query only excludes (NOT …): add a term to look for", 0)
        return node

    def or_expr(self, field: str | None) -> Node:
        children = [self.and_expr(field)]
        while self.current.kind == "or":
            self.advance()
            children.append(self.and_expr(field))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self, field: str | None) -> Node:
        children = [self.unary(field)]
        while True:
            if self.current.kind == "and":
                self.advance()
                children.append(self.unary(field))
            elif self.current.kind in ("lparen", "phrase", "word", "field", "entity", "not"):
                children.append(self.unary(field))  # implicit AND
            else:
                break
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self, field: str | None) -> Node:
        if self.current.kind == "not":
            self._deeper(self.advance().position)
            node = Not(self.unary(field))
            self.depth -= 1
            return node
        return self.near(field)

    def near(self, field: str | None) -> Node:
        node = self.primary(field)
        while self.current.kind == "near":
            token = self.advance()
            digits = token.value.split("/", 1)[1]
            if not digits:
                raise QuerySyntaxError("NEAR needs a distance, as in NEAR/5", token.position)
            distance = int(digits)
            if not 0 < distance <= MAX_NEAR:
                raise QuerySyntaxError(f"NEAR distance must be 1 to {MAX_NEAR}", token.position)
            right = self.primary(field)
            for side in (node, right):
                if not _positional(side):
                    raise QuerySyntaxError(
                        "NEAR joins terms, phrases, entities or OR-groups of them", token.position
                    )
            node = Near(node, right, distance)
        return node

    def primary(self, field: str | None) -> Node:
        token = self.current
        if token.kind == "lparen":
            self.advance()
            self._deeper(token.position)
            node = self.or_expr(field)
            if self.current.kind != "rparen":
                raise self.fail(f"')' to close the '(' at character {token.position + 1}")
            self.advance()
            self.depth -= 1
            return node
        if token.kind == "field":
            self.advance()
            scoped = FIELDS[token.value[:-1]]
            if self.current.kind == "lparen":
                return self.primary(scoped)
            if self.current.kind not in ("phrase", "word", "entity"):
                raise self.fail(f"a term after '{token.value}'")
            return self.primary(scoped)
        if token.kind == "phrase":
            self.advance()
            if len(token.value) < 2 or not token.value.endswith('"'):
                raise QuerySyntaxError("unclosed quote", token.position)
            return self._term(token.value[1:-1], token.position, field, quoted=True)
        if token.kind == "word":
            self.advance()
            return self._term(token.value, token.position, field, quoted=False)
        if token.kind == "entity":
            self.advance()
            if len(token.value) < 2:
                raise QuerySyntaxError("'@' must be followed by an entity id", token.position)
            return EntityRef(token.value[1:], field)
        if token.kind == "rparen":
            raise self.fail("a term or '('")
        raise self.fail("a term, a quoted phrase, '(' or @entity")

    def _term(self, text: str, position: int, field: str | None, quoted: bool) -> Term:
        prefix = text.endswith("*")
        core = text.rstrip("*") if prefix else text
        if "*" in core:
            raise QuerySyntaxError("'*' is only allowed at the end of a word (numéri*)", position)
        folded = normalize(core)
        if not folded:
            raise QuerySyntaxError(f"{text!r} has no letters or digits to match", position)
        if prefix and len(folded.split(" ")[-1]) < 3:
            raise QuerySyntaxError("a prefix needs at least 3 letters before '*'", position)
        return Term(core, prefix, field)


def _positional(node: Node) -> bool:
    if isinstance(node, Term | EntityRef | Near):
        return True
    return isinstance(node, Or) and all(_positional(c) for c in node.children)


def parse_query(query: str) -> Node:
    """Parse a query string into an expression tree, or raise QuerySyntaxError."""
    return _Parser(query).parse()


def searched_words(query: str) -> int:
    """How many words a query searches: each word of its terms and phrases, an entity one; its
    operators (AND, OR, NOT, NEAR/n), parentheses, quotes and field names none, as they look
    nothing up (60 terms joined by OR are 60 words, not 119). Counted on the tokens, so a query
    that does not parse is counted too."""
    count = 0
    for token in _tokenize(query):
        if token.kind in ("word", "entity"):
            count += 1
        elif token.kind == "phrase":
            count += len(token.value.strip('"').split())
    return count
