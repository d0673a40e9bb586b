"""Names and Arabic forms matched as people write them: the Arabic definite article (with its
proclitics) and the El/Al name particles folded alike in rules, search and stories."""

from __future__ import annotations

import pytest

from crawler.core.normalize import fold_arabic_article, normalize, stem_token
from monitors.rules.matcher import ArticleText, Matcher
from monitors.rules.query import parse_query
from monitors.rules.watchlists import Alias, Entity, Watchlist


def matched(terms: tuple[str, ...], text: str, query: str | None = None) -> bool:
    rule = Watchlist("w", "W", terms, query=parse_query(query) if query else None)
    return bool(Matcher([rule]).match(ArticleText("", text)))


@pytest.mark.parametrize(
    "written",
    ["ذكاء اصطناعي", "الذكاء الاصطناعي", "والذكاء الاصطناعي", "بالذكاء الاصطناعي",
     "للذكاء الاصطناعي", "وبالذكاء الاصطناعي", "فللذكاء الاصطناعي", "الذَّكاء الاصطناعيّ"],
)  # fmt: skip
def test_definite_rule_finds_every_form_and_indefinite_rule_too(written: str) -> None:
    text = f"أعلنت الوزارة عن برنامج {written} في الجامعات"
    assert matched(("الذكاء الاصطناعي",), text)
    assert matched(("ذكاء اصطناعي",), text)


def test_words_whose_own_letters_begin_with_al_are_not_cut() -> None:
    # The rest after ال must have three letters: these are whole words, not article + stem.
    for word in ("الله", "ألم", "الذي", "التي", "والي", "إلى"):
        assert stem_token(normalize(word)) == normalize(word)
    assert not matched(("له",), "قال إن الله كريم")
    assert not matched(("م",), "شعر بألم شديد")
    assert not matched(("ي",), "استقبل والي الجهة")
    # Nor does a rule on an indefinite word find another word that merely ends with it.
    assert not matched(("ذكاء",), "الاذكاء في المدرسة")
    assert not matched(("مغرب",), "صلاة المغربية")


def test_article_folding_is_exact_for_any_stem_of_three_letters() -> None:
    for stem in ("ذكاء", "بنك", "التزام", "مغرب", "رباط"):
        folded = fold_arabic_article(normalize(stem))
        for article in ("ال", "وال", "بال", "فبال", "كال", "لل", "ولل"):
            assert fold_arabic_article(normalize(article + stem)) == folded


@pytest.mark.parametrize(
    "text",
    ["Amal Al Fallah Seghrouchni", "Amal El Fallah Seghrouchni", "Amal El-Fallah Seghrouchni",
     "Amal Al-Fallah Seghrouchni", "Amal Ell Fallah Seghrouchni"],
)  # fmt: skip
def test_name_particles_are_one(text: str) -> None:
    minister = Entity("ministre", "Ministre", (Alias("El Fallah"),))
    assert Matcher([Watchlist("w", "W", (), entities=("ministre",))], {"ministre": minister}).match(
        ArticleText("", f"selon {text}, ministre")
    )
    assert matched(("Al Fallah",), f"selon {text}, ministre")


def test_name_particle_is_not_a_wildcard() -> None:
    assert not matched(("El Fallah",), "selon Amal Fallah, ministre")
    assert not matched(("El Fallah",), "selon Amal Ben Fallah, ministre")


def test_arabic_prefix_term_keeps_finding_definite_words() -> None:
    assert matched((), "برامج بالذكاء الاصطناعي", query="الذكا*")
    assert matched((), "برامج للذكاء الاصطناعي", query="ذكا*")
    assert matched((), "برامج بالذكاء الاصطناعي", query="الذك*")


def _store(db, source: str, title: str, text: str) -> int:
    from crawler.core.normalize import content_hash
    from crawler.storage import store

    db.conn.execute("INSERT OR IGNORE INTO sources(name) VALUES (?)", (source,))
    db.conn.commit()
    article = store.StoredArticle(
        source, f"https://{source}.ma/1", title, None, "2026-03-02T09:00:00+00:00", "ar", None,
        None, text, content_hash(text),
    )  # fmt: skip
    return store.store_articles(db, [article])[0][0]


def _terms(db, article_id: int) -> set[str]:
    from crawler.stories.window import split_terms

    (joined,) = db.execute(
        "SELECT terms FROM story_index WHERE article_id = ?", (article_id,)
    ).fetchone()
    return set(split_terms(joined))


def test_stored_story_terms_are_folded_again_by_a_migration(tmp_path) -> None:
    import monitors  # noqa: F401 (the full schema)
    from crawler.storage import schema, store
    from crawler.stories.window import join_terms

    path = tmp_path / "v.db"
    db = store.open_database(path)
    article_id = _store(
        db, "hespress", "إطلاق برنامج وطني للذكاء الاصطناعي", "أعلنت الوزارة وبالذكاء الاصطناعي"
    )
    terms = _terms(db, article_id)
    assert {"ذكاء", "اصطناعي"} <= terms and not any(t.startswith("ال") for t in terms)
    # The database as the previous version left it: terms folded otherwise, the step not run.
    db.conn.execute(
        "UPDATE story_index SET terms = ? WHERE article_id = ?",
        (join_terms(f"ال{t}" for t in terms), article_id),
    )
    db.conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0016_story_terms_folding'")
    db.conn.execute(f"PRAGMA user_version = {schema.schema_version() - 1}")
    db.conn.commit()
    db.conn.close()
    db = store.open_database(path)
    again = _terms(db, article_id)
    assert again == terms
    assert ("crawler.stories", "0016_story_terms_folding") in schema.applied(db)


def test_story_terms_fold_the_article_as_rules_do() -> None:
    from crawler.stories.terms import story_terms

    definite = story_terms("وزارة الانتقال الرقمي تطلق برنامجا للذكاء الاصطناعي", "")
    indefinite = story_terms("وزارة انتقال رقمي تطلق برنامج ذكاء اصطناعي", "")
    assert {"ذكاء", "اصطناعي", "انتقال", "رقمي"} <= definite.words & indefinite.words
    words = story_terms("قال الوزير إن الله كريم", "").words
    assert "الله" in words and "له" not in words
