"""Same matches from two checkouts on bench/matching.py's corpus and rules: every match (its
watchlist, hits with their offsets, snippet) of every article with 10, 1,000 and 10,000 rules,
written by one checkout and compared with another's.

    .venv/bin/python bench/same_matches.py --dump new.jsonl [--mb 2]
    (the same script, copied into the other checkout, run from there:)
    cd ../old && ../new/.venv/bin/python -P bench/same_matches.py --dump old.jsonl
    .venv/bin/python bench/same_matches.py --compare old.jsonl new.jsonl

bench/same_results.py checks the real pages against the bundled watchlists; this checks the
many matches a page of the matching bench gets (some twenty an article with 10,000 rules,
several on one place), which a change to how matches and snippets are made must leave as they
were. `--compare` prints the records that differ and exits 1.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from matching import make_articles, make_rules  # noqa: E402

from monitors.rules.matcher import Matcher  # noqa: E402


def dump(path: Path, mb: float) -> None:
    articles = make_articles(int(mb * 1_000_000), random.Random(42))
    records = matches = 0
    with path.open("w", encoding="utf-8") as out:
        for count in (10, 1_000, 10_000):
            matcher = Matcher(make_rules(count, random.Random(count)))
            for i, article in enumerate(articles):
                # Twice in a row: what one article leaves behind must not change the next's.
                for _ in range(2):
                    found = repr(matcher.match(article))
                    out.write(json.dumps({"rules": count, "article": i, "matches": found}) + "\n")
                    records += 1
                    matches += found.count("MatchResult(")
    print(f"{records} records, {matches} matches written to {path}")


def compare(old: Path, new: Path) -> int:
    with old.open(encoding="utf-8") as a, new.open(encoding="utf-8") as b:
        before, after = a.readlines(), b.readlines()
    differing = [(x, y) for x, y in zip(before, after, strict=False) if x != y]
    for x, _ in differing[:10]:
        record = json.loads(x)
        print(f"differs: {record['rules']} rules, article {record['article']}")
    if len(before) != len(after):
        print(f"{len(before)} records against {len(after)}")
        return 1
    matches = sum(json.loads(line)["matches"].count("MatchResult(") for line in after)
    print(f"{len(after)} records, {matches} matches, {len(differing)} differing")
    return 1 if differing else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="write this checkout's records here")
    parser.add_argument("--mb", type=float, default=2.0, help="MB of article text, as the bench")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if not args.dump:
        parser.error("give --dump FILE or --compare OLD NEW")
    dump(args.dump, args.mb)


if __name__ == "__main__":
    main()
