"""Same results from two checkouts: every field of every extraction, the canonical URL, body hash
and near-duplicate fingerprint, the folded fields matching scans and the matches themselves, page
by page, written by one checkout and compared with another's.

    .venv/bin/python bench/same_results.py --dump new.jsonl [--limit N] [--pages N]
    (the same script, copied into the other checkout, run from there:)
    cd ../old && ../new/.venv/bin/python bench/same_results.py --dump old.jsonl
    .venv/bin/python bench/same_results.py --compare old.jsonl new.jsonl

The pages: the real pages of bench/extraction.py's corpus (`../shared/realpages`, skipped where
absent) and the pages of bench/pipeline.py at both weights. Each page goes through the crawl's
stages as the pipeline runs them (ExtractPipeline's extraction and fill, CanonicalPipeline),
then through the matcher of the bundled watchlists; for the title and the text, the folded field
the matcher scans (its tokens, their places in the original, their sentences) is kept too, so
that two checkouts agree on what any rule would find, not only the bundled ones. A speed change
must leave every record identical: `--compare` prints the records that differ and exits 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from extraction import DEFAULT_CORPUS, load_corpus  # noqa: E402
from pages import bench_pages  # noqa: E402

from crawler.core.canonical import canonicalize_url  # noqa: E402
from crawler.extraction.extract import NotAnArticle, extract_article  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from crawler.pipelines import CanonicalPipeline, ExtractPipeline  # noqa: E402
from monitors.rules import matcher as matching  # noqa: E402
from monitors.service.watchlists import load_watchlists  # noqa: E402
from seeds import BUNDLED_WATCHLISTS  # noqa: E402


def _digest(value: object) -> str:
    return hashlib.sha1(repr(value).encode("utf-8")).hexdigest()


def _folded(text: str) -> str:
    """A digest of the field the matcher scans for this text (every attribute of it)."""
    field = matching._fold_field("text", text)
    return _digest(
        (field.name, field.original, field.padded, field.token_starts, field.spans, field.sentence)
    )


def record(url: str, html: str, matcher: matching.Matcher) -> dict:
    """Everything the pipeline's extraction, canonical and matching steps give for one page."""
    try:
        extracted = extract_article(html, url)
    except NotAnArticle as exc:
        return {"url": url, "declined": f"{type(exc).__name__}: {exc}"}
    item = ArticleItem("bench", url, html, seen_urls=[url])
    item = ExtractPipeline(None).fill(item, extracted)
    item = CanonicalPipeline(None).process_item(item)
    signature = item.fingerprint
    article = matching.ArticleText(item.title or "", item.text or "", item.language, "bench")
    return {
        "url": url,
        "extracted": repr(extracted),
        "item": repr(
            (
                item.title,
                item.author,
                item.published,
                item.published_origin,
                item.language,
                item.notes,
            )
        ),
        "canonical": item.url,
        "canonical_hint_alone": canonicalize_url(item.canonical_hint or url),
        "content_hash": item.content_hash,
        "fingerprint": signature.to_bytes().hex() if signature else None,
        "shingles": signature.shingles if signature else None,
        "band_keys": signature.band_keys() if signature else None,
        "folded_title": _folded(item.title or ""),
        "folded_text": _folded(item.text or ""),
        "matches": repr(matcher.match(article)),
    }


def dump(path: Path, corpus: Path, limit: int | None, count: int) -> None:
    pages: list[tuple[str, str]] = []
    if (corpus / "evaldata.json").exists():
        pages += [(url, html) for url, html, _ in load_corpus(corpus, limit)]
    else:
        print(f"{corpus}: no real pages there, the bench pages only")
    for weight in ("fixture", "full"):
        pages += [(page.url + f"#{weight}", page.html) for page in bench_pages(count, weight)]
    matcher = matching.Matcher.for_rules(load_watchlists(BUNDLED_WATCHLISTS).rules)
    with path.open("w", encoding="utf-8") as out:
        for url, html in pages:
            out.write(json.dumps(record(url, html, matcher), ensure_ascii=False) + "\n")
    print(f"{len(pages)} pages written to {path}")


def compare(old: Path, new: Path) -> int:
    def read(path: Path) -> dict[str, dict]:
        lines = path.read_text(encoding="utf-8").splitlines()
        return {r["url"]: r for r in map(json.loads, lines)}

    before, after = read(old), read(new)
    differing = 0
    for url in sorted(set(before) | set(after)):
        a, b = before.get(url), after.get(url)
        if a == b:
            continue
        differing += 1
        if differing <= 20:
            keys = sorted({*(a or {}), *(b or {})})
            fields = [k for k in keys if (a or {}).get(k) != (b or {}).get(k)]
            print(f"differs: {url}: {', '.join(fields)}")
    fields = sum(len(r) for r in after.values())
    print(
        f"{len(before)} pages before, {len(after)} after; {differing} differ "
        f"({fields} fields compared)"
    )
    return 1 if differing or len(before) != len(after) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="write this checkout's records here")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("OLD", "NEW"))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="real pages read, at most")
    parser.add_argument("--pages", type=int, default=400, help="bench pages of each weight")
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if not args.dump:
        parser.error("give --dump FILE or --compare OLD NEW")
    dump(args.dump, args.corpus, args.limit, args.pages)


if __name__ == "__main__":
    main()
