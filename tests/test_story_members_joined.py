"""An article just stored that joins a story leaves the story's members the batch's window kept
known with it added (crawler.stories.store.touch_story), instead of read again: they must be the
rows and groups the database gives at once, for stories below and above the members compared,
and the stories formed the same as when every join reads the members again."""

from __future__ import annotations

from dataclasses import replace

from crawler.storage import store
from crawler.stories import grouping
from crawler.stories import store as story_store
from tests.stored_articles import stored_article
from tests.story_corpus import (
    prepared_in_order,
    prepared_week,
    stored_in_batches,
    story_partition,
    story_tables,
)

LIMIT, LEAD = grouping.STORY_MEMBERS_COMPARED, grouping.TERMS_LEAD

WIRE = (
    "Le ministère de l'Équipement a annoncé mardi le lancement des travaux de la nouvelle "
    "rocade de Tanger, un chantier de 1,2 milliard de dirhams qui doit durer trente mois. "
    "La rocade reliera le port de Tanger Med à l'autoroute de Rabat sur 42 kilomètres."
)


def _wire_copies(count: int) -> list[store.StoredArticle]:
    """One wire story run by `count` outlets, each copy signed by its outlet: more than the
    members a story is compared by."""
    return [
        stored_article(
            f"s{i}",
            f"https://s{i}.ma/rocade",
            "Tanger : les travaux de la nouvelle rocade lancés",
            f"{WIRE} (s{i})",
        )
        for i in range(count)
    ]


def _week_and_wire() -> list[store.StoredArticle]:
    return [*prepared_week(600), *_wire_copies(LIMIT + 4)]


def _read(db, story_id: int, canonical: int | None) -> list[story_store.MemberRow]:
    """The members as the database gives them: the window's kept ones set aside meanwhile (and
    what this read keeps dropped)."""
    held = story_store.window.active(db)
    kept = held._members.pop(story_id, None)
    try:
        return story_store.story_members(db, story_id, canonical, LIMIT, LEAD)
    finally:
        held._members.pop(story_id, None)
        if kept is not None:
            held._members[story_id] = kept


def _compared(group) -> list[tuple]:
    return [(m.article_id, m.story_id, m.source, m.hour, m.terms) for m in group]


def test_members_kept_with_a_joining_article_are_those_the_database_gives(tmp_path, monkeypatch):
    prepared = _week_and_wire()
    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, sorted({a.source for a in prepared}))
    seen = {"grown": 0, "unchanged": 0, "compared": 0}
    real_joined = story_store._joined_members

    def counting(held, members, groups, joining, grow):
        for key, rows in members.items():
            grows = len(rows) < key[2]
            seen["grown" if grows else "unchanged"] += 1
        real_joined(held, members, groups, joining, grow)

    real_link = grouping._link_languages

    def checked(db_, story_id, article_id, *args, **kwargs):
        held = story_store.window.active(db_)
        canonical = story_store.canonical_article(db_, story_id)
        key = (story_id, canonical, LIMIT, LEAD)
        rows = held.members(key)
        if rows is not None:
            seen["compared"] += 1
            assert rows == _read(db_, story_id, canonical)
            group = held.group(key)
            if group is not None:
                made = grouping._Group(
                    [
                        grouping._Member(
                            r.id, story_id, r.source, r.hour, grouping.story_terms(r.title, r.lead)
                        )
                        for r in rows
                    ]
                )
                assert _compared(group) == _compared(made)
                assert group.sources == made.sources and group.languages == made.languages
        return real_link(db_, story_id, article_id, *args, **kwargs)

    monkeypatch.setattr(story_store, "_joined_members", counting)
    monkeypatch.setattr(grouping, "_link_languages", checked)
    for start in range(0, len(prepared), 25):
        store.store_articles(db, prepared[start : start + 25])
    assert seen["grown"] and seen["unchanged"]  # stories below the members compared and above
    assert seen["compared"] >= seen["grown"] + seen["unchanged"]


def test_stories_form_as_when_every_join_reads_the_members_again(tmp_path, monkeypatch):
    prepared = _week_and_wire()
    kept, fresh = _kept_and_read_again(tmp_path, monkeypatch, prepared)
    assert story_partition(kept) == story_partition(fresh)
    assert len(story_partition(kept)) < len(prepared)  # stories did form
    assert sorted(a.url for a in _wire_copies(LIMIT + 4)) in story_partition(kept)
    assert story_tables(kept) == story_tables(fresh)
    columns = "SELECT id, story_id, story_hour FROM articles ORDER BY id"
    assert kept.execute(columns).fetchall() == fresh.execute(columns).fetchall()


def _kept_and_read_again(tmp_path, monkeypatch, prepared: list) -> tuple:
    """The articles stored twice in batches of 25: with a story's members kept when an article
    joins it, then with every join reading them again (touch_story told nothing joined)."""
    kept = stored_in_batches(tmp_path / "kept.db", prepared)
    real_touch = story_store.touch_story
    monkeypatch.setattr(
        story_store, "touch_story", lambda db, story_id, now, *_: real_touch(db, story_id, now)
    )
    return kept, stored_in_batches(tmp_path / "fresh.db", prepared)


def test_a_joining_lead_holding_a_nul_is_kept_as_the_database_gives_it(tmp_path, monkeypatch):
    """SQLite's substr stops at a NUL character (a text imported from JSON may hold one, written
    "\\u0000"): the lead the members query gives ends there, and the kept one must too."""
    copies = _wire_copies(4)
    copies[2] = stored_article(
        "s2",
        "https://s2.ma/rocade",
        copies[2].title or "",
        f"{WIRE[:80]}\x00{WIRE[80:]} (s2)",
    )
    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, sorted({a.source for a in copies}))
    compared = []
    real_link = grouping._link_languages

    def checked(db_, story_id, article_id, *args, **kwargs):
        held = story_store.window.active(db_)
        canonical = story_store.canonical_article(db_, story_id)
        rows = held.members((story_id, canonical, LIMIT, LEAD))
        if rows is not None:
            compared.append(article_id)
            assert rows == _read(db_, story_id, canonical)
        return real_link(db_, story_id, article_id, *args, **kwargs)

    monkeypatch.setattr(grouping, "_link_languages", checked)
    store.store_articles(db, copies)
    assert len(story_partition(db)) == 1  # the four copies are one story
    assert compared  # the members were kept at a join


def _set_two_with_nuls() -> list[store.StoredArticle]:
    """The second labelled set in publication order as `veille import` stores it, a NUL
    character in the lead of every third text."""
    from tests.story_corpus2 import labelled_articles

    return [
        replace(a, text=f"{a.text[:60]}\x00{a.text[60:]}") if i % 3 == 0 else a
        for i, a in enumerate(prepared_in_order(labelled_articles()))
    ]


def test_stories_with_nuls_in_leads_form_as_when_every_join_reads_the_members_again(
    tmp_path, monkeypatch
):
    prepared = _set_two_with_nuls()
    kept, fresh = _kept_and_read_again(tmp_path, monkeypatch, prepared)
    assert len(story_partition(kept)) < len(prepared)  # stories did form
    assert story_partition(kept) == story_partition(fresh)
