"""bench/storage.py at a tiny size: both engines measured, every figure present (the figures
themselves are for docs/scaling.md, from a full run)."""

from __future__ import annotations

from bench.storage import QUERIES, run, table


def test_the_storage_bench_measures_both_engines(postgres_url):
    figures = run([40, 80], postgres=postgres_url)
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
