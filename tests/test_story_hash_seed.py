"""A story decision must not depend on the process it runs in. An article's terms are frozensets,
whose order Python's hash seed decides (PYTHONHASHSEED, random per process): a similarity whose
products were added in that order came out a bit different from one crawl worker to the next,
and an article at a threshold could join a story in one process and start its own in another.
Each figure here is computed under several seeds, in processes of their own, and must be the
same float in all of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIGURES = r"""
from crawler.stories import grouping
from crawler.stories.terms import rarities, similarity, story_similarity, story_terms

a = story_terms(
    "Souveraineté numérique : Rabat lance un programme de 240 millions de dirhams",
    "Le ministère de la Transition numérique a présenté mardi à Rabat un programme national de "
    "souveraineté numérique doté de 240 millions de dirhams, destiné aux collectivités "
    "territoriales, aux universités et aux entreprises publiques. Le supercalculateur de "
    "l'UM6P à Benguerir accueillera les données sensibles des administrations marocaines.",
)
b = story_terms(
    "Rabat : un plan national pour la souveraineté numérique",
    "Un programme national de souveraineté numérique de 240 millions de dirhams a été dévoilé "
    "à Rabat par le ministère de la Transition numérique. Les universités, les collectivités et "
    "les entreprises publiques en bénéficieront ; les données seront hébergées à Benguerir.",
)
c = story_terms(
    "Le Maroc mise sur un cloud souverain",
    "La ministre de la Transition numérique a détaillé à Rabat le financement de 240 MDH du "
    "programme de souveraineté numérique, qui s'appuie sur le supercalculateur de l'UM6P.",
)
d = story_terms(
    "الرباط تطلق برنامجا للسيادة الرقمية",
    "قدمت وزارة الانتقال الرقمي بالرباط برنامجا وطنيا للسيادة الرقمية بقيمة 240 مليون درهم "
    "لفائدة الجماعات الترابية والجامعات والمقاولات العمومية، مع إيواء المعطيات الحساسة "
    "بالحاسوب الفائق لجامعة محمد السادس متعددة التخصصات التقنية ببنجرير.",
)
terms = [a, b, c, d]
everything = set().union(*(t.index_terms() | t.words for t in terms))
counts = {t: 1 + sum(t in x.index_terms() or t in x.words for x in terms) for t in everything}
idf = rarities(counts, sorted(everything), 40)
print(repr(similarity(a, b, idf)))
print(repr(similarity(a, c, idf)))
print(repr(story_similarity(c, [a, b], idf)))
print(repr(story_similarity(a, [b, c], idf)))
print(repr(grouping._bridges(a, d, idf)))
"""

SEEDS = ["0", "1", "2", "3", "5", "8", "13", "21"]


def _figures(seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run(
        [sys.executable, "-c", FIGURES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_similarities_are_the_same_float_under_every_hash_seed():
    by_seed = {seed: _figures(seed) for seed in SEEDS}
    first = by_seed[SEEDS[0]]
    assert len(first.splitlines()) == 5
    assert float(first.splitlines()[0]) > 0.3  # the two rewrites are close: real sums compared
    differing = {seed: figures for seed, figures in by_seed.items() if figures != first}
    assert not differing, f"seed {SEEDS[0]}:\n{first}\n" + "\n".join(
        f"seed {seed}:\n{figures}" for seed, figures in differing.items()
    )
