"""PostgreSQL's step 0011_search_primary_language as it was first written (the search column
dropped and generated again for every article) and a database migrated up to the step before
it, or before a later search step: what tests/test_search_step.py,
tests/test_search_stop_words.py and bench/search_step.py compare the steps with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crawler.storage import tables

STEP = "0011_search_primary_language"

# The step as 710b048 wrote it: every article's vector computed again.
FIRST_WRITTEN = r"""
        ALTER TABLE articles DROP COLUMN search;
        ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector(
                CASE split_part(language, '-', 1) WHEN 'fr' THEN 'french_unaccent'::regconfig
                    WHEN 'ar' THEN 'arabic_unaccent'::regconfig
                    WHEN 'en' THEN 'english_unaccent'::regconfig
                    ELSE 'simple_unaccent'::regconfig END,
                regexp_replace(coalesce(title, ''),
                    U&'[\064B\064C\064D\064E\064F\0650\0651\0652\0653\0654\0655\0670\0640]', '', 'g')),
                'A')
            || setweight(to_tsvector(
                CASE split_part(language, '-', 1) WHEN 'fr' THEN 'french_unaccent'::regconfig
                    WHEN 'ar' THEN 'arabic_unaccent'::regconfig
                    WHEN 'en' THEN 'english_unaccent'::regconfig
                    ELSE 'simple_unaccent'::regconfig END,
                regexp_replace(left(text, 200000),
                    U&'[\064B\064C\064D\064E\064F\0650\0651\0652\0653\0654\0655\0670\0640]', '', 'g')),
                'B')
        ) STORED;
        CREATE INDEX articles_search ON articles USING GIN (search);
        ANALYZE articles;
"""


@contextmanager
def before_the_step(step: str = STEP) -> Iterator[None]:
    """Within it, the storage owner's PostgreSQL steps stop before `step` (the other owners'
    all run): a database opened or copied into meanwhile is one the previous version left."""
    steps = tables.POSTGRES_STEPS
    tables.POSTGRES_STEPS = steps[: [name for name, _ in steps].index(step)]
    try:
        yield
    finally:
        tables.POSTGRES_STEPS = steps


def vectors(conn: Any) -> dict[int, str]:
    """Every article's search vector as text, by id."""
    return dict(conn.execute("SELECT id, search::text FROM articles").fetchall())


def clone(admin: Any, template: str, name: str) -> None:
    """A copy `name` of the database `template` (no session may be open on it)."""
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
