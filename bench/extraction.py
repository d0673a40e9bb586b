"""veille's extraction against bare trafilatura on real web pages, in one run.

Corpus: trafilatura's own evaluation set (1,033 real pages with snippets a correct extraction
must contain and boilerplate it must not), kept beside the project in
`../shared/realpages/trafilatura-eval/` or given as the first argument. Scored the way trafilatura
scores itself (`tests/eval_common.py` upstream): whitespace-normalised snippets, true/false
positives summed over all pages.

Prints, for both extractors: snippet precision, recall, F1, pages declined, pages per second
(wall-clock); the speed ratio in CPU time (this process's, which other work on a shared machine
does not inflate) and in wall-clock time;
for veille, which path produced each text (trafilatura, its recall pass, its baseline, with the
lead put back), how often a second pass was tried, why, and how often its text was kept; the
pages it declines or cuts to under half of trafilatura's text where trafilatura keeps 500
characters or more, each with veille's reason, and the pages where veille's text shares under
half of its words with trafilatura's (a wrong body), each with the path that produced it.

`--save FILE` writes veille's result for every page (title, date, text, paragraphs taken out,
or why it was declined) as JSON; `--diff OLD NEW` compares two such files, one from each
checkout, and prints the pages that changed with a line diff of each, to be read one by one.

    .venv/bin/python bench/extraction.py [CORPUS_DIR] [--limit N] [--verbose] [--save FILE]
    .venv/bin/python bench/extraction.py --diff OLD.json NEW.json
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from trafilatura.utils import decode_file  # noqa: E402

from crawler.extraction.article import Extracted  # noqa: E402
from crawler.extraction.extract import NotAnArticle, extract_article  # noqa: E402
from crawler.extraction.recall import shared_words  # noqa: E402

# Beside the checkout, or beside the folder of worktrees.
DEFAULT_CORPUS = next(
    (
        folder / "shared" / "realpages" / "trafilatura-eval"
        for folder in (ROOT.parent, ROOT.parent.parent)
        if (folder / "shared" / "realpages" / "trafilatura-eval").exists()
    ),
    ROOT.parent / "shared" / "realpages" / "trafilatura-eval",
)
SUBSTANTIAL = 500  # characters trafilatura keeps for a page to count as an article it found


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Score:
    name: str
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    declined: int = 0
    seconds: float = 0.0  # wall-clock
    cpu_seconds: float = 0.0  # this process's CPU time: what other work on the machine leaves
    pages: int = 0
    lengths: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, text: str | None, entry: dict) -> None:
        squashed = _squash(text or "")
        self.lengths[key] = len(squashed)
        if not squashed:
            self.declined += 1
        for snippet in entry.get("with", []):
            if _squash(snippet) in squashed:
                self.tp += 1
            else:
                self.fn += 1
        for snippet in entry.get("without", []):
            if _squash(snippet) in squashed:
                self.fp += 1
            else:
                self.tn += 1

    def figures(self) -> tuple[float, float, float]:
        precision = self.tp / max(1, self.tp + self.fp)
        recall = self.tp / max(1, self.tp + self.fn)
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        return precision, recall, f1


def load_corpus(corpus: Path, limit: int | None = None) -> list[tuple[str, str, dict]]:
    """(url, decoded page, expectations) for every page of the corpus that exists on disk."""
    entries = json.loads((corpus / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for key, entry in entries.items():
        path = corpus / "pages" / entry["file"]
        if not path.exists():
            continue
        url = key if key.startswith("http") else f"https://example.org/{entry['file']}"
        pages.append((url, decode_file(path.read_bytes()), entry))
        if limit and len(pages) >= limit:
            break
    return pages


def _result(extracted: Extracted) -> dict:
    """What a page's extraction gives, as --save writes it."""
    date = extracted.date
    return {
        "title": extracted.title,
        "author": extracted.author,
        "published": f"{date.value} ({date.precision}, {date.origin})" if date else None,
        "paragraphs_filtered": extracted.paragraphs_filtered,
        "path": extracted.path,
        "text": extracted.text,
    }


def print_diff(old_file: Path, new_file: Path) -> int:
    """Print each page whose result differs between two --save files; the number of them."""
    old = json.loads(old_file.read_text(encoding="utf-8"))
    new = json.loads(new_file.read_text(encoding="utf-8"))
    changed = 0
    for url in sorted(old.keys() | new.keys()):
        before, after = (
            value if isinstance(value, dict) else {"declined": value}
            for value in (old.get(url) or {}, new.get(url) or {})
        )
        if before == after:
            continue
        changed += 1
        print(f"== {url}")
        for key in sorted((before.keys() | after.keys()) - {"text"}):
            if before.get(key) != after.get(key):
                print(f"  {key}: {before.get(key)!r} -> {after.get(key)!r}")
        lines = difflib.unified_diff(
            (before.get("text") or "").splitlines(),
            (after.get("text") or "").splitlines(),
            lineterm="",
            n=0,
        )
        for line in list(lines)[2:]:
            print(f"  {line}")
    print(f"{changed} of {len(old.keys() | new.keys())} pages changed")
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--verbose", action="store_true", help="list every lost page")
    parser.add_argument("--save", type=Path, help="write veille's result for every page here")
    parser.add_argument(
        "--diff", type=Path, nargs=2, metavar=("OLD", "NEW"), help="compare two --save files"
    )
    args = parser.parse_args()
    if args.diff:
        print_diff(*args.diff)
        return
    if not (args.corpus / "evaldata.json").exists():
        sys.exit(f"{args.corpus}: no evaldata.json here; give the corpus folder as argument")
    pages = load_corpus(args.corpus, args.limit)

    bare, veille = Score("trafilatura.extract"), Score("veille extract_article")
    # Both load lazily on first use (trafilatura its settings, htmldate and dateparser their
    # locale tables, about 3 s): warm both up so that the speed figures are steady-state ones.
    for url, page, _entry in pages[:5]:
        trafilatura.extract(page, url=url, include_comments=False)
        with contextlib.suppress(NotAnArticle):
            extract_article(page, url)
    reasons: dict[str, str] = {}
    paths: dict[str, str] = {}
    second_passes: Counter[str] = Counter()  # why a second pass was tried
    second_kept: Counter[str] = Counter()  # ... and its text kept
    texts: dict[str, tuple[str, str]] = {}
    results: dict[str, dict | str] = {}
    for url, page, entry in pages:
        started, cpu = time.perf_counter(), time.process_time()
        reference = trafilatura.extract(page, url=url, include_comments=False)
        bare.seconds += time.perf_counter() - started
        bare.cpu_seconds += time.process_time() - cpu
        bare.add(url, reference, entry)

        started, cpu = time.perf_counter(), time.process_time()
        try:
            extracted = extract_article(page, url)
            text, paths[url] = extracted.text, extracted.path
            results[url] = _result(extracted)
            if extracted.second_pass:
                second_passes[extracted.second_pass] += 1
                second_kept[extracted.second_pass] += extracted.path_reason is not None
            said = ([extracted.path_reason] if extracted.path_reason else []) + [*extracted.notes]
            if said:
                reasons[url] = "; ".join(said)
        except NotAnArticle as exc:
            text, reasons[url], paths[url] = None, str(exc), "declined"
            results[url] = f"declined: {exc}"
        veille.seconds += time.perf_counter() - started
        veille.cpu_seconds += time.process_time() - cpu
        veille.add(url, text, entry)
        texts[url] = (reference or "", text or "")

    if args.save:
        args.save.write_text(json.dumps(results, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"{len(pages)} real pages from {args.corpus}")
    print(
        f"{'extractor':26} {'precision':>9} {'recall':>7} {'F1':>6} {'declined':>8} {'pages/s':>8}"
    )
    for score in (bare, veille):
        precision, recall, f1 = score.figures()
        speed = len(pages) / max(score.seconds, 1e-9)
        print(
            f"{score.name:26} {precision:9.4f} {recall:7.4f} {f1:6.4f} "
            f"{score.declined:8d} {speed:8.1f}"
        )
    print(
        f"speed ratio veille / trafilatura: {bare.cpu_seconds / max(veille.cpu_seconds, 1e-9):.2f}x"
        f" in CPU time ({bare.cpu_seconds:.1f} s vs {veille.cpu_seconds:.1f} s), "
        f"{bare.seconds / max(veille.seconds, 1e-9):.2f}x in wall-clock time"
    )
    print("paths: " + ", ".join(f"{n} {p}" for p, n in Counter(paths.values()).most_common()))
    print(
        f"second pass tried on {sum(second_passes.values())} pages ("
        + ", ".join(
            f"{n} with a first text {why} (its text kept on {second_kept[why]})"
            for why, n in second_passes.most_common()
        )
        + ")"
    )

    lost = []
    for url, _page, _entry in pages:
        reference, kept = bare.lengths[url], veille.lengths[url]
        if reference >= SUBSTANTIAL and kept < reference / 2:
            lost.append((url, reference, kept, reasons.get(url, "text cut")))
    print(
        f"pages where trafilatura keeps >= {SUBSTANTIAL} chars and veille declines or keeps "
        f"under half: {len(lost)}"
    )
    for url, reference, kept, reason in lost if args.verbose or len(lost) <= 40 else lost[:40]:
        print(f"  {kept:6d} / {reference:6d}  {url}  ({reason})")

    wrong = []
    for url, (reference_text, text) in texts.items():
        if reference_text and text and shared_words(text, reference_text) < 0.5:
            wrong.append((url, len(reference_text), len(text), paths[url], reasons.get(url, "")))
    print(
        f"pages where veille's text shares under half of its words with trafilatura's: {len(wrong)}"
    )
    for url, reference, kept, path, reason in wrong:
        print(
            f"  {kept:6d} / {reference:6d}  {url}  (path: {path}{'; ' + reason if reason else ''})"
        )


if __name__ == "__main__":
    main()
