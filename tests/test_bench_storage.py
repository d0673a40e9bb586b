"""bench/storage.py at a tiny size: both engines measured, every figure present, reported as
each size is done (the figures themselves are for docs/scaling.md, from a full run)."""

from __future__ import annotations

import pytest

from bench.storage import QUERIES, growth, run, table

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def test_the_storage_bench_measures_both_engines(postgres_url):
    reported: list[int] = []
    figures = run([40, 80], postgres=postgres_url, report=lambda size, _: reported.append(size))
    assert reported == [40, 80]
    assert set(figures) == {"sqlite", "postgresql"}
    for engine in figures.values():
        assert set(engine) == {40, 80}
        for measured in engine.values():
            assert set(measured) == {
                "store_ms",
                "round_trip_ms",
                *(f"{name}_ms" for name in QUERIES),
            }
            assert all(value > 0 for value in measured.values())
    rendered = table(figures)
    assert rendered.count("\n") == 1 + 2 * 5 and "PostgreSQL / SQLite" in rendered
    ratios = growth(figures)
    assert "SQLite 80 / 40" in ratios and ratios.count("\n") == 1 + 5
