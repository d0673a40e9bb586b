"""No SQL outside a table owner (docs/storage.md).

Every package that declares tables (a `tables.py` with OWNER and STEPS) owns every statement on
them: SQL may be written only in its `tables.py` and in the modules it lists in SQL_MODULES. Each
.py file under crawler/ and monitors/ is read as Python (AST): a string that is an SQL statement,
or a call of `.execute(`, `.executemany(` or `.executescript(`, anywhere else fails this test. An
owner's statements may read any table, but INSERT, UPDATE, DELETE, ALTER, CREATE INDEX and
CREATE TRIGGER may target only the tables it declares in its STEPS.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import monitors  # noqa: F401 (registers its tables' owners)
from crawler.storage import schema

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("crawler", "monitors")

# Steps applied to databases in the field before owners were drawn, which add columns and indexes
# to a table another owner declares. They cannot move (a database that ran them would run them
# again); their columns belong to the table's owner, which alone writes them. PostgreSQL's first
# steps reproduce that final shape owner by owner (articles.story_id refers to stories, which
# crawler.stories creates).
HISTORIC_STEPS = {
    ("sqlite", "crawler.stories", "0004_stories"): {"articles"},
    ("sqlite", "crawler.stories", "0012_story_terms"): {"articles"},
    ("sqlite", "monitors.service", "0009_pacing"): {"sources"},
    ("postgresql", "crawler.stories", "0001_final_shape"): {"articles"},
    ("postgresql", "monitors.service", "0001_final_shape"): {"sources"},
}

# The migration runners (SQLite: sqlite-utils' Migrations; PostgreSQL) record steps in tables of
# their own, named by a constant.
RUNNERS = {"crawler.storage.schema", "crawler.storage.postgres_schema"}
RUNNER_TABLES = {"_sqlite_migrations", "veille_migrations"}
DYNAMIC = "__dynamic__"  # what an f-string's {expression} reads as

_SQL_START = re.compile(
    r"^\s*(SELECT\s.+\sFROM\s|SELECT\s+(count|sum|min|max|coalesce|1|\w+\()|INSERT\s+(OR\s+\w+\s+)?INTO\s"
    r"|UPDATE\s+(OR\s+\w+\s+)?[\"\w]+\s+SET\s|DELETE\s+FROM\s|CREATE\s+(UNIQUE\s+|VIRTUAL\s+)?"
    r"(TABLE|INDEX|VIEW|TRIGGER)\s|ALTER\s+TABLE\s|DROP\s+(TABLE|INDEX|VIEW|TRIGGER)\s|PRAGMA\s"
    r"|WITH\s+\w+\s+AS\s*\(|BEGIN(\s+IMMEDIATE)?\s*$)",
    re.DOTALL,
)
# A fragment of a statement (a FROM … JOIN or WHERE clause kept in a constant of its own).
_SQL_FRAGMENT = re.compile(
    r"\bFROM\s+\w+(\s+\w+)?\s+(WHERE|JOIN|LEFT\s+JOIN|GROUP\s+BY|ORDER\s+BY)\b"
    r"|\bJOIN\s+\w+\s+\w+\s+ON\s+\w+\.\w+\s*="
)
_NAME = r"[\"\[`]?(\w+)[\"\]`]?"
_WRITES = [
    re.compile(r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+" + _NAME),
    re.compile(r"\bUPDATE\s+(?:OR\s+\w+\s+)?" + _NAME + r"\s+SET\b"),
    re.compile(r"\bDELETE\s+FROM\s+" + _NAME),
    re.compile(r"\bALTER\s+TABLE\s+" + _NAME),
    re.compile(r"\bDROP\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?" + _NAME),
    re.compile(r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+ON\s+" + _NAME),
    re.compile(
        r"\bCREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+.*?\bON\s+" + _NAME, re.DOTALL
    ),
]
_DECLARES = re.compile(
    r"\bCREATE\s+(?:VIRTUAL\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _NAME
)
_EXECUTE_CALLS = {"execute", "executemany", "executescript"}


@dataclass
class Owner:
    name: str
    package: str
    tables: set[str]
    sql_modules: set[str]
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (engine, name, SQL)

    def owns(self, table: str) -> bool:
        """Its tables, their full-text index (`<table>_fts` and FTS5's shadow tables)."""
        base = re.sub(r"_fts(_\w+)?$", "", table)
        return table in self.tables or (base != table and base in self.tables)


@dataclass(frozen=True)
class Finding:
    module: str
    line: int
    what: str  # the statement's start, or the call

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.what}"


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def find_owners() -> list[Owner]:
    """Every package with a tables.py declaring OWNER and STEPS, found on disk."""
    owners = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("tables.py")):
            module = importlib.import_module(module_name(path))
            if not hasattr(module, "OWNER"):
                continue
            package = module.__name__.rpartition(".")[0]
            steps = [
                ("sqlite", name, sql) for name, sql in module.STEPS if isinstance(sql, str)
            ] + [
                ("postgresql", name, sql)
                for name, sql in getattr(module, "POSTGRES_STEPS", [])
                if isinstance(sql, str)
            ]
            owners.append(
                Owner(
                    name=module.OWNER,
                    package=package,
                    tables={t for _, _, sql in steps for t in _DECLARES.findall(sql)},
                    sql_modules={module.__name__}
                    | {f"{package}.{m}" for m in getattr(module, "SQL_MODULES", ())},
                    steps=steps,
                )
            )
    return owners


def _text(node: ast.AST) -> str | None:
    """A string constant's text, or an f-string's with each {expression} as DYNAMIC."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else DYNAMIC for part in node.values
        )
    return None


def is_sql(text: str) -> bool:
    return bool(_SQL_START.match(text) or _SQL_FRAGMENT.search(text))


def scan_source(source: str, module: str) -> tuple[list[Finding], list[tuple[Finding, str]]]:
    """(statements and execute calls, (statement, its SQL)) of one module's source."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    inside_fstrings = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    findings: list[Finding] = []
    statements: list[tuple[Finding, str]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _EXECUTE_CALLS
        ):
            findings.append(Finding(module, node.lineno, f".{node.func.attr}( call"))
        if id(node) in docstrings or id(node) in inside_fstrings:
            continue
        text = _text(node)
        if text is not None and is_sql(text):
            finding = Finding(module, getattr(node, "lineno", 0), " ".join(text.split())[:70])
            findings.append(finding)
            statements.append((finding, text))
    return findings, statements


def write_targets(sql: str) -> set[str]:
    return {match.group(1) for pattern in _WRITES for match in pattern.finditer(sql)}


def foreign_writes(owner: Owner, module: str, sql: str) -> set[str]:
    """The tables a statement of `owner` (in `module`) writes and does not own."""
    targets = write_targets(sql)
    if module in RUNNERS:  # a runner records steps in its own table
        targets -= RUNNER_TABLES | {DYNAMIC}
    return {t for t in targets if not owner.owns(t)}


def scan() -> tuple[list[Finding], list[str]]:
    """(SQL outside an owner's modules, writes on another owner's tables) under crawler/ and
    monitors/."""
    owners = find_owners()
    owner_of = {module: owner for owner in owners for module in owner.sql_modules}
    step_scripts = {sql for owner in owners for _, _, sql in owner.steps}
    outside: list[Finding] = []
    foreign: list[str] = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            module = module_name(path)
            findings, statements = scan_source(path.read_text(encoding="utf-8"), module)
            owner = owner_of.get(module)
            if owner is None:
                outside += findings
                continue
            for finding, sql in statements:
                if sql in step_scripts:
                    continue  # checked with its step below
                tables = foreign_writes(owner, module, sql)
                if tables:
                    foreign.append(f"{finding} writes {sorted(tables)}, owned by another")
    for owner in owners:
        for engine, name, sql in owner.steps:
            allowed = HISTORIC_STEPS.get((engine, owner.name, name), set())
            tables = write_targets(sql) - allowed
            tables = {t for t in tables if not owner.owns(t)}
            if tables:
                foreign.append(f"{owner.name} {engine} step {name} alters {sorted(tables)}")
    return outside, foreign


def test_every_owner_is_registered_and_lists_modules_that_exist():
    owners = find_owners()
    assert {o.name for o in owners} == {m.OWNER for m in schema.owners()}
    for owner in owners:
        for module in owner.sql_modules:
            path = ROOT / (module.replace(".", "/") + ".py")
            assert path.exists(), f"{owner.name} lists {module} in SQL_MODULES: no such file"
        assert owner.tables or owner.name == "monitors.service", f"{owner.name} declares nothing"
    tables = [t for o in owners for t in o.tables]
    assert len(tables) == len(set(tables)), "a table declared by two owners"


def test_no_sql_outside_an_owner():
    outside, _ = scan()
    assert not outside, (
        "SQL outside an owner's storage modules (move it behind a function of the table's "
        "owner, see docs/storage.md):\n" + "\n".join(map(str, outside))
    )


def test_owners_write_only_their_own_tables():
    _, foreign = scan()
    assert not foreign, (
        "writes on a table another owner declares (call that owner's function instead):\n"
        + "\n".join(foreign)
    )


# -- the checker itself finds what it must ------------------------------------------------------

CAUGHT = '''
"""A module that should not hold SQL."""
def mark(db, article_id, at):
    """UPDATE articles SET matched_at: prose in a docstring is not SQL."""
    db.execute("UPDATE articles SET matched_at = ? WHERE id = ?", (at, article_id))
    rows = db.conn.executemany(sql, rows)
    query = f"SELECT id FROM {table} WHERE story_id = ?"
    joins = """
    FROM deliveries d
    JOIN alerts a ON a.id = d.alert_id
    """
    message = "Select a source; FROM now on it is crawled"
'''


def test_the_scan_finds_statements_calls_and_fragments_but_not_prose():
    findings, statements = scan_source(CAUGHT, "monitors.example")
    lines = sorted(f.line for f in findings)
    assert lines == [5, 5, 6, 7, 8], (
        findings
    )  # the call and its string, executemany, f-string, joins
    assert set().union(*(write_targets(sql) for _, sql in statements)) == {"articles"}


@pytest.mark.parametrize(
    "sql, targets",
    [
        ("INSERT INTO matches(article_id) VALUES (?) ON CONFLICT DO NOTHING", {"matches"}),
        ("INSERT OR IGNORE INTO article_urls(url_key) VALUES (?)", {"article_urls"}),
        ("UPDATE articles SET matched_at = ?", {"articles"}),
        ("INSERT INTO t(a) VALUES (?) ON CONFLICT(a) DO UPDATE SET a=excluded.a", {"t"}),
        ("DELETE FROM lsh_keys WHERE article_id = ?", {"lsh_keys"}),
        ("ALTER TABLE sources ADD COLUMN pace TEXT", {"sources"}),
        ('CREATE TRIGGER "x_au" AFTER UPDATE OF "title" ON "articles" BEGIN END', {"articles"}),
        ("CREATE INDEX IF NOT EXISTS a_story ON articles(story_id)", {"articles"}),
        ("SELECT id FROM articles WHERE matched_at IS NULL", set()),
    ],
)
def test_write_targets(sql, targets):
    assert write_targets(sql) == targets


def test_a_write_on_another_owners_table_is_caught():
    owner = next(o for o in find_owners() if o.name == "crawler.stories")
    assert foreign_writes(owner, "crawler.stories.store", "UPDATE articles SET story_id = ?") == {
        "articles"
    }
    assert not foreign_writes(owner, "crawler.stories.store", "DELETE FROM lsh_keys WHERE 1")
    storage = next(o for o in find_owners() if o.name == "crawler.storage")
    assert not foreign_writes(
        storage, "crawler.storage.tables", "INSERT INTO articles_fts VALUES (1)"
    )
