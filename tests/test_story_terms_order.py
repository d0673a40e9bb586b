"""A story's rewrite search adds term weights in the order of (term, hour, article): Python's
code-point order, the story window's (each article's terms are read from its story_index row),
whatever the database's collation. A PostgreSQL database made with a French ICU
collation sorts "élection" before "fez"; code points put it after: the sums would then be
added in another order, and differ in their last bit near a threshold."""

from __future__ import annotations

import os

from crawler.storage.store import open_database
from crawler.stories import store as story_store

TERMS = ["fez", "élection", "ecole", "zèbre", "Évasion", "rabat", "الرباط", "œuvre", "eau"]


def test_term_hits_come_in_code_point_order_whatever_the_databases_collation(
    postgres_cluster,
):
    name = f"veille_icu_{os.getpid()}"
    with postgres_cluster.admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
            "LOCALE_PROVIDER icu ICU_LOCALE 'fr' LOCALE 'C.UTF-8'"
        )
    db = open_database(postgres_cluster.url(name))
    try:
        with db.transaction():
            for article_id, term in enumerate(TERMS, start=1):
                db.execute(
                    "INSERT INTO story_index (article_id, hour, terms) VALUES (?, ?, ?)",
                    [article_id, 1 + 2 * (article_id % 2), term],
                )
        collated = [term for (term,) in db.execute("SELECT terms FROM story_index ORDER BY terms")]
        assert collated.index("élection") < collated.index("fez")  # the collation is French
        hits = story_store.term_hits(db, TERMS, 0, 5, None)
        assert [term for term, _ in hits] == sorted(TERMS)
    finally:
        db.close()
        with postgres_cluster.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
