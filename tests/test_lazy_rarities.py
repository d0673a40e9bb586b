"""Rewrite matching weighs a story's terms when a comparison first asks for them
(crawler.stories.terms.LazyRarities): the same weights as working them all out first."""

from __future__ import annotations

import random

from crawler.stories.terms import LazyRarities, rarities


def test_each_term_weighs_what_rarities_gives_it_and_others_nothing():
    rng = random.Random(5)
    for _ in range(50):
        terms = {f"t{i}" for i in rng.sample(range(200), 60)}
        counts = {f"t{i}": rng.randrange(1, 40) for i in rng.sample(range(200), 120)}
        articles = rng.choice([3, 80, 2500])
        expected = rarities(counts, terms, articles)
        lazy = LazyRarities(counts, terms, articles)
        asked = rng.sample(sorted(terms) + ["zzz", "t999"], 40)
        for term in asked + asked:  # asked twice: the kept weight the second time
            assert lazy.get(term, 0.0) == expected.get(term, 0.0)
            assert lazy.get(term) == expected.get(term)


def test_indexing_weighs_as_get_and_without_terms_every_term_is_weighed():
    rng = random.Random(7)
    for _ in range(50):
        terms = {f"t{i}" for i in rng.sample(range(200), 60)}
        counts = {f"t{i}": rng.randrange(1, 40) for i in rng.sample(range(200), 120)}
        articles = rng.choice([3, 80, 2500])
        expected = rarities(counts, terms, articles)
        everything = rarities(counts, {f"t{i}" for i in range(1000)}, articles)
        lazy = LazyRarities(counts, terms, articles)
        every = LazyRarities(counts, None, articles)
        asked = rng.sample(sorted(terms) + ["t998", "t999"], 40)
        for term in asked + asked:
            assert lazy[term] == expected.get(term, 0.0)
            assert every[term] == everything[term]
            assert every.get(term) == everything[term]
        assert "t999" not in lazy  # a term outside `terms` weighs nothing and is not kept


def test_weights_in_order_are_those_indexing_gives():
    """`weights` (worked out in C when every term is weighed) gives each term what `[term]`
    gives it, in the order asked, asked twice or not, with or without `terms`."""
    rng = random.Random(11)
    for _ in range(50):
        terms = {f"t{i}" for i in rng.sample(range(200), 60)}
        counts = {f"t{i}": rng.randrange(1, 40) for i in rng.sample(range(200), 120)}
        articles = rng.choice([3, 80, 2500])
        asked = rng.choices([f"t{i}" for i in range(220)], k=80)
        for only in (terms, None):
            expected = [LazyRarities(counts, only, articles)[term] for term in asked]
            lazy = LazyRarities(counts, only, articles)
            assert list(lazy.weights(asked)) == expected
            assert list(lazy.weights(asked)) == expected  # the counts' rarities kept
            assert [lazy[term] for term in asked] == expected
