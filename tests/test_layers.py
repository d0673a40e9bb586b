"""One-way layers: a module imports its own layer and the layers below it, never one above.

The order is docs/architecture.md's: each layer holds what the ones above it build on, so a change
in a higher layer (the reader, the command line, alert delivery) never reaches down into crawling
or storing, and a lower layer can be read, reused and tested without the ones above it. Imports
are read with ast from the source, at module level and inside functions alike (a lazy import is
still a dependency); imports under `if TYPE_CHECKING:` are left out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "monitors")

# Lowest first. A module belongs to the layer of its longest matching prefix.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("crawler.core",)),
    ("bundled files", ("seeds",)),  # the package data's paths
    ("extraction", ("crawler.extraction",)),
    ("storage", ("crawler.storage",)),
    ("stories", ("crawler.stories",)),
    # The store of the crawl's writes and the schema of every owner's tables: over the stories,
    # whose columns and tables they write and create.
    (
        "store",
        (
            "crawler.storage.store",
            "crawler.storage.importer",
            "crawler.storage.copy",
            "crawler.storage.schema",
            "crawler.storage.postgres_schema",
        ),
    ),
    ("discovery and fetching", ("crawler.discovery", "crawler.fetching")),
    (
        "crawl",
        (
            "crawler",
            "crawler.items",
            "crawler.journal",
            "crawler.pipelines",
            "crawler.middlewares",
            "crawler.settings",
            "crawler.spiders",
        ),
    ),
    # The processes that run crawls (one per crawl, or a pool of long-lived workers).
    (
        "crawl runners",
        ("crawler.fetching.crawl", "crawler.fetching.workers", "crawler.fetching.worker"),
    ),
    ("people", ("monitors.people",)),
    ("rules", ("monitors.rules",)),
    ("alerts", ("monitors.alerts",)),
    # What the reader reads (and the command line exports), and which host names it answers to:
    # library code the service's functions call as well as the views.
    (
        "reader library",
        (
            "monitors.web.store",
            "monitors.web.search",
            "monitors.web.search_postgres",
            "monitors.web.search_limits",
            "monitors.web.spellings",
            "monitors.web.export",
            "monitors.web.tables",
            "monitors.web.hosts",
            "monitors.web.days",
        ),
    ),
    ("service", ("monitors.service",)),
    ("web", ("monitors.web",)),
    (
        "command line",
        (
            "monitors",
            "monitors.cli",
            "monitors.terminal",
            "monitors.demo",
            "monitors.people.commands",  # the `veille people` command group
        ),
    ),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    """The index in LAYERS of the module's layer (its longest matching prefix)."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")
    return best[0]


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the nodes under `if TYPE_CHECKING:` (imports for annotations only)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _is_module(name: str) -> bool:
    path = ROOT / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports_of(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import of veille's own modules in the file; `from a
    import b` counts as importing a.b when b is a module."""
    module = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.append((full if _is_module(full) else target, node.lineno))
    return [(name, line) for name, line in found if name.split(".")[0] in PACKAGES]


def source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def upward_imports() -> list[str]:
    found: list[str] = []
    for path in source_files():
        module = module_name(path)
        own = layer_of(module)
        for target, line in imports_of(path):
            if layer_of(target) > own:
                found.append(
                    f"{path.relative_to(ROOT)}:{line}: {module} ({LAYERS[own][0]}) imports "
                    f"{target} ({LAYERS[layer_of(target)][0]}), a higher layer"
                )
    return list(dict.fromkeys(found))  # one line per import, however many names it takes


def test_no_module_imports_a_higher_layer():
    found = upward_imports()
    assert not found, (
        "lower layers must not import higher ones (docs/architecture.md): move what both need "
        "down, or pass it in from above\n" + "\n".join(found)
    )


def test_every_module_is_in_a_layer():
    for path in source_files():
        layer_of(module_name(path))


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from crawler.journal import CrawlJournal\n", ["crawler.journal"]),
        ("def f():\n    from monitors.web import store\n", ["monitors.web.store"]),
        ("import crawler.core.times\n", ["crawler.core.times"]),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import monitors.cli\n", []),
        ("from . import store\n", ["crawler.storage.store"]),
        ("from ..core import errors\n", ["crawler.core.errors"]),
    ],
)
def test_imports_are_read_at_every_level(tmp_path, monkeypatch, source, expected):
    """The reader of imports sees function-level and relative imports, and skips the ones
    that only serve annotations: a check that misses them would pass on a loop."""
    path = ROOT / "crawler" / "storage" / "_layers_probe.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert [name for name, _ in imports_of(path)] == expected


def test_an_upward_import_is_reported(monkeypatch):
    """A storage module importing the crawl's journal is what this test exists to refuse."""
    probe = ROOT / "crawler" / "storage" / "engine.py"
    real = Path.read_text

    def read(self, encoding=None):
        text = real(self, encoding="utf-8")
        return text + "\nfrom crawler.journal import CrawlJournal\n" if self == probe else text

    monkeypatch.setattr(Path, "read_text", read)
    assert any(
        "crawler.storage.engine (storage) imports crawler.journal (crawl)" in line
        for line in upward_imports()
    )
