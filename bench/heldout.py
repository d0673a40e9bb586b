"""veille's extraction against bare trafilatura on a held-out folder of pages with their true text.

veille's extraction was tuned on trafilatura's evaluation pages (bench/extraction.py); this
measures it on pages nobody here tuned for. The folder has the layout of the ScrapingHub article
extraction benchmark (github.com/scrapinghub/article-extraction-benchmark, MIT): a
`ground-truth.json` of `{ID: {"articleBody": TEXT, "url": URL}}` (and `"title"` where the true
headline is known) and the pages as `html/ID.html` or `html/ID.html.gz`. Keep such a folder outside the repository (the pages are third parties').

Scored as that benchmark scores itself (its `evaluate.py`): the words (`\\w+`) of the true and the
extracted text cut into shingles of four, true positives, false positives and false negatives
counted per page and divided by their sum (so a long page weighs as much as a short one),
precision and recall the means over the pages, F1 from the two means. A page with no output
counts as precision 0 where it has a true text.

Prints, for both extractors: precision, recall, F1, pages with no text, and titles right (the
squashed title equal to the true one) where the folder gives titles; then the pages where
veille's F1 is furthest under trafilatura's, with both extractors' precision and recall and
veille's path, so the classes of failure can be read.

    .venv/bin/python bench/heldout.py FOLDER [--limit N] [--worst N]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import re
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from trafilatura.utils import decode_file  # noqa: E402

from crawler.extraction.extract import NotAnArticle, extract_article  # noqa: E402

_WORD = re.compile(r"\w+")
SHINGLE = 4


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The benchmark's shingles: runs of four words (a shorter text is one shingle)."""
    words = _WORD.findall(text or "")
    return Counter(
        tuple(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1)) if words
    )


def page_counts(true: str, predicted: str) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) of one page, as the benchmark counts them."""
    expected, got = shingles(true), shingles(predicted)
    tp = fp = fn = 0
    for key in expected.keys() | got.keys():
        tp += min(expected[key], got[key])
        fp += max(0, got[key] - expected[key])
        fn += max(0, expected[key] - got[key])
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


@dataclass
class Score:
    name: str
    counts: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    empty: int = 0

    def add(self, key: str, true: str, predicted: str | None) -> None:
        if not (predicted or "").strip():
            self.empty += 1
        self.counts[key] = page_counts(true, predicted or "")

    def figures(self) -> tuple[float, float, float]:
        counts = list(self.counts.values())
        precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
        recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
        precision = statistics.mean(precisions) if precisions else 0.0
        recall = statistics.mean(recalls) if recalls else 0.0
        return precision, recall, 2 * precision * recall / max(1e-9, precision + recall)

    def page(self, key: str) -> tuple[float, float, float]:
        tp, fp, fn = self.counts[key]
        precision, recall = _precision(tp, fp, fn), _recall(tp, fp, fn)
        return precision, recall, 2 * precision * recall / max(1e-9, precision + recall)


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def load_folder(
    folder: Path, limit: int | None = None
) -> list[tuple[str, str, str, str, str | None]]:
    """(id, url, decoded page, true text, true title or None) for every page of the folder
    found on disk."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, entry in sorted(truth.items()):
        for name in (f"{key}.html", f"{key}.html.gz"):
            path = folder / "html" / name
            if path.exists():
                raw = path.read_bytes()
                if name.endswith(".gz"):
                    raw = gzip.decompress(raw)
                url = entry.get("url") or f"https://example.org/{key}.html"
                true = entry.get("articleBody") or ""
                pages.append((key, url, decode_file(raw), true, entry.get("title")))
                break
        if limit and len(pages) >= limit:
            break
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="ground-truth.json and html/ID.html[.gz]")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--worst", type=int, default=15, help="pages listed where veille trails")
    args = parser.parse_args()
    if not (args.folder / "ground-truth.json").exists():
        sys.exit(f"{args.folder}: no ground-truth.json here; give the held-out folder as argument")
    pages = load_folder(args.folder, args.limit)
    if not pages:
        sys.exit(f"{args.folder}: ground-truth.json names no page found under html/")

    bare, veille = Score("trafilatura.extract"), Score("veille extract_article")
    paths: dict[str, str] = {}
    titled = 0
    titles_right: Counter[str] = Counter()
    wrong_titles: list[tuple[str, str, str, str]] = []
    for key, url, page, true, true_title in pages:
        bare.add(key, true, trafilatura.extract(page, url=url, include_comments=False))
        text = title = None
        with contextlib.suppress(NotAnArticle):
            extracted = extract_article(page, url)
            text, title, paths[key] = extracted.text, extracted.title, extracted.path
        paths.setdefault(key, "declined")
        veille.add(key, true, text)
        if true_title:
            # trafilatura's title comes with its metadata, which extract() leaves out
            document = trafilatura.bare_extraction(
                page, url=url, include_comments=False, with_metadata=True
            )
            bare_title = _squash(getattr(document, "title", None))
            titled += 1
            titles_right[bare.name] += bare_title == _squash(true_title)
            titles_right[veille.name] += _squash(title) == _squash(true_title)
            if _squash(title) != _squash(true_title):
                wrong_titles.append((key, _squash(true_title), _squash(title), bare_title))

    print(f"{len(pages)} held-out pages from {args.folder}")
    print(f"{'extractor':26} {'precision':>9} {'recall':>7} {'F1':>6} {'no text':>7}")
    for score in (bare, veille):
        precision, recall, f1 = score.figures()
        print(f"{score.name:26} {precision:9.4f} {recall:7.4f} {f1:6.4f} {score.empty:7d}")
    if titled:
        print(
            f"titles right of {titled}: trafilatura {titles_right[bare.name]}, "
            f"veille {titles_right[veille.name]}"
        )
        for key, true_title, title, bare_title in wrong_titles[: args.worst]:
            print(f"  {key[:12]}: {title!r} for {true_title!r} (trafilatura {bare_title!r})")
    behind = sorted(
        ((veille.page(key)[2] - bare.page(key)[2], key, url) for key, url, *_ in pages),
        key=lambda row: row[0],
    )
    trailing = [row for row in behind if row[0] < -0.01]
    ahead = sum(1 for row in behind if row[0] > 0.01)
    print(
        f"pages where veille's F1 is under trafilatura's by more than 0.01: {len(trailing)}, "
        f"over it: {ahead}"
    )
    for gap, key, url in trailing[: args.worst]:
        (vp, vr, _), (tp, tr, _) = veille.page(key), bare.page(key)
        print(
            f"  {gap:+.3f}  veille P {vp:.2f} R {vr:.2f}, trafilatura P {tp:.2f} R {tr:.2f}  "
            f"{key[:12]}  {url}  (path: {paths[key]})"
        )


if __name__ == "__main__":
    main()
