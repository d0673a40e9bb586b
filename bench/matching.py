"""Matching throughput with 10, 1,000 and 10,000 phrase rules, in one run.

    .venv/bin/python bench/matching.py [--mb 2]

Prints MB/s of article text (title + body, UTF-8) for each rule count and the ratio to the
10-rule run, in wall-clock time and in CPU time (this process's, which other work on a shared
machine inflates less). Target: the 10,000-rule run at least half as fast as the 10-rule run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

# This checkout's code, whichever checkout's venv runs the script (`python -P` with another
# checkout's interpreter imported that checkout's editable install instead).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitors.rules.matcher import ArticleText, Matcher  # noqa: E402
from monitors.rules.watchlists import Watchlist  # noqa: E402

FRENCH_TEXT = """
le gouvernement a présenté mercredi à rabat la feuille de route du numérique devant les
opérateurs les start-up et les collectivités territoriales souveraineté numérique cloud national
données publiques hébergées au maroc selon la ministre de la transition numérique les centres de
données privés seront labellisés référentiel de sécurité enveloppe milliard dirhams université
mohammed vi polytechnique supercalculateur intelligence artificielle
"""
ARABIC_TEXT = """
كشفت الوزيرة المنتدبة المكلفة بالانتقال الرقمي عن خارطة طريق الحكومة في مجال السيادة الرقمية
أمام الفاعلين في القطاع والشركات الناشئة مراكز البيانات الحوسبة السحابية الوطنية
"""
FRENCH = FRENCH_TEXT.split()
ARABIC = ARABIC_TEXT.split()


def make_articles(total_bytes: int, rng: random.Random) -> list[ArticleText]:
    articles, size = [], 0
    while size < total_bytes:
        words = ARABIC if rng.random() < 0.3 else FRENCH
        sentences = []
        for _ in range(rng.randint(8, 20)):
            sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 25)))
            sentences.append(sentence.capitalize() + ".")
        article = ArticleText(" ".join(rng.choice(words) for _ in range(8)), " ".join(sentences))
        articles.append(article)
        size += len(article.title.encode()) + len(article.text.encode())
    return articles


def make_rules(count: int, rng: random.Random) -> list[Watchlist]:
    vocabulary = FRENCH + ARABIC
    rules = []
    for i in range(count):
        if i % 50 == 0:  # a few rules that do match, so verification work is part of the cost
            phrase = " ".join(rng.sample(FRENCH, 2))
        else:  # most rules look for names and phrases that rarely occur
            phrase = f"{rng.choice(vocabulary)} entreprise{i} groupe{i % 997}"
        rules.append(Watchlist(f"rule-{i}", f"rule {i}", terms=(phrase,)))
    return rules


def measure(rule_count: int, articles: list[ArticleText], total_mb: float, rng: random.Random):
    started = time.perf_counter()
    matcher = Matcher(make_rules(rule_count, rng))
    compile_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    matches = sum(len(matcher.match(a)) for a in articles)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return total_mb / elapsed, total_mb / cpu, compile_s, matches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2.0, help="MB of article text to match")
    args = parser.parse_args()
    rng = random.Random(42)
    articles = make_articles(int(args.mb * 1_000_000), rng)
    total_mb = sum(len(a.title.encode()) + len(a.text.encode()) for a in articles) / 1_000_000
    print(f"{len(articles)} articles, {total_mb:.2f} MB of text")
    print(
        f"{'rules':>7} {'MB/s':>7} {'ratio to 10':>12} {'compile s':>10} {'matches':>8} "
        f"{'MB/CPU-s':>9} {'CPU ratio':>10}"
    )
    baseline = cpu_baseline = None
    for count in (10, 1_000, 10_000):
        speed, cpu_speed, compile_s, matches = measure(
            count, articles, total_mb, random.Random(count)
        )
        baseline, cpu_baseline = baseline or speed, cpu_baseline or cpu_speed
        print(
            f"{count:>7} {speed:>7.2f} {speed / baseline:>12.2f} {compile_s:>10.2f} {matches:>8} "
            f"{cpu_speed:>9.2f} {cpu_speed / cpu_baseline:>10.2f}"
        )


if __name__ == "__main__":
    main()
