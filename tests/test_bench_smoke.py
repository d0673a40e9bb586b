"""Every script under bench/ runs on the code as it is: each is run as a user runs it (a child
process, from the project's root) at a tiny size, and must exit 0 having printed its figures.

The scripts are found by globbing, so a new one is covered at once: a script missing from TINY
fails here until its tiny-size arguments and the figures it prints are written down. A module of
bench/ without a `__main__` block is a helper and must be imported by a script (so it runs with
it). The figures at these sizes mean nothing; the full runs are for the README's table.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?"

# Script: (arguments for a tiny run, patterns its output must hold: its figures).
TINY: dict[str, tuple[list[str], list[str]]] = {
    "cli_start.py": (
        ["--runs", "1"],
        [
            rf"veille --help +wall median {NUMBER} s .*CPU median {NUMBER} s",
            rf"veille --help +loads {NUMBER} modules; heavy: none",
        ],
    ),
    "daemon_memory.py": (
        ["--sources", "3", "--cycles", "2", "--every", "1"],
        [
            rf"cycle +2: total RSS +{NUMBER} MB .*workers +{NUMBER}, extraction +{NUMBER}"
            rf".*CPU {NUMBER} s a cycle",
            rf"total RSS growth .*{NUMBER}%.*peak {NUMBER} MB",
        ],
    ),
    "extraction.py": (
        ["--limit", "3"],
        [
            rf"trafilatura\.extract +{NUMBER} +{NUMBER} +{NUMBER}",
            rf"veille extract_article +{NUMBER} +{NUMBER} +{NUMBER}",
            rf"speed ratio veille / trafilatura: {NUMBER}x in CPU time .* {NUMBER}x in wall-clock",
            rf"keeps >= 500 chars and veille declines or keeps under half: {NUMBER}",
            rf"shares under half of its words with trafilatura's: {NUMBER}",
        ],
    ),
    "search_step.py": (
        ["--articles", "200", "--pairs", "1"],
        [
            rf"pair 1, first written: {NUMBER} s .*then 2,000 stored {NUMBER} s",
            rf"pair 1: {NUMBER}x less time; every vector the same: True \(200\)",
        ],
    ),
    "search_every_word.py": (
        ["--articles", "200", "--pairs", "1"],
        [
            rf"pair 1, as it is: {NUMBER} s .*GIN index {NUMBER} MB",
            rf"searches after: de {NUMBER} ms \({NUMBER} hits\)",
            rf"pair 1: the index kept took {NUMBER}x as long; every vector the same: True \(200\)",
        ],
    ),
    "heldout.py": (
        ["tests/fixtures/extraction/heldout", "--worst", "2"],
        [
            r"^2 held-out pages from ",
            rf"trafilatura\.extract +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER}",
            rf"veille extract_article +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER}",
            rf"titles right of 2: trafilatura {NUMBER}, veille {NUMBER}",
            rf"veille's F1 is under trafilatura's by more than 0.01: {NUMBER}, over it: {NUMBER}",
        ],
    ),
    "feeds.py": (
        ["--items", "3", "--rounds", "1", "--sitemap-urls", "3"],
        [
            rf"WordPress RSS, Arabic .*feedparser +{NUMBER} ms +lxml +{NUMBER} ms",
            rf"all 7 feeds: feedparser {NUMBER} ms, lxml {NUMBER} ms: {NUMBER}x less CPU",
            rf"news sitemap, Arabic .*before +{NUMBER} ms +now +{NUMBER} ms",
        ],
    ),
    "freshness.py": (
        ["--days", "1"],
        [rf"busy portal +{NUMBER} \|", rf"all three .*\({NUMBER}x the polls"],
    ),
    "handler_cost.py": (
        ["--sources", "2", "--rounds", "1", "--handler", "default", "--handler", "aiohttp"],
        [
            rf"round 1 default +304 +{NUMBER} 1kb +{NUMBER} new-article +{NUMBER} ",
            rf"^  aiohttp +304 +{NUMBER} \({NUMBER}x\) .*new-article +{NUMBER} \({NUMBER}x\) "
            rf".*1kb-one-crawl +{NUMBER} \({NUMBER}x\)",
        ],
    ),
    "idle_cost.py": (
        ["--sources", "2", "--old-sample", "2", "--workers", "1", "--per-worker", "2"]
        + ["--pages", "1kb", "--pages", "fixture"],
        [
            rf"2 sources, 1 KB pages \| idle: veille +{NUMBER} ms",
            rf"2 sources, fixture pages \({NUMBER} KB\) \| idle: .*the pipeline's own work "
            rf"+{NUMBER} ms: +{NUMBER}x",
            rf"{NUMBER} ms CPU per entry point, idle cycle",
            rf"{NUMBER}x less CPU",
            rf"Scrapy alone +{NUMBER} ms per request: +{NUMBER}x",
            rf"the pipeline's own work +{NUMBER} ms: +{NUMBER}x",
            rf"in the crawl workers {NUMBER} ms, their extraction processes {NUMBER} ms, "
            rf"the daemon {NUMBER} ms",
        ],
    ),
    "import_articles.py": (
        ["--articles", "60"],
        [
            rf"veille import of 60 articles .*: {NUMBER} s, {NUMBER} articles/s",
            rf"peak memory {NUMBER} MB resident, {NUMBER} MB of it the process's own",
        ],
    ),
    "matching.py": (
        ["--mb", "0.02"],
        [rf"^ +10000 +{NUMBER} +{NUMBER}"],
    ),
    "neardup.py": (
        ["--total", "200", "--batch", "64", "--probes", "40", "--rounds", "1"],
        [
            rf"200 stored: insert {NUMBER} ms/article CPU \(batches of 64, .*\), "
            rf"lookup {NUMBER} ms/article CPU, {NUMBER} ms wall",
            rf"{NUMBER}x lookup at 2 in CPU time \({NUMBER}x wall\), first pass",
            rf"memory map, median of 1 interleaved rounds: 2 {NUMBER} ms .* 200 {NUMBER} ms",
            rf"crawl \(2 MB cache\), median of 1 .* 200 {NUMBER} ms \({NUMBER}x\)",
        ],
    ),
    "pipeline.py": (
        ["--pages", "6", "--repeat", "1"],
        [
            rf"ratio pipeline / bare +: +{NUMBER} wall-clock, {NUMBER} CPU",
            rf"CPU by stage +: extract {NUMBER}, canonical {NUMBER}, dedupe {NUMBER}, "
            rf"store {NUMBER}, match {NUMBER}",
            rf"garbage collections +: {NUMBER} CPU-s of it \({NUMBER}/{NUMBER}/{NUMBER} of "
            rf"generations 0/1/2; [1-9]\d* start-up objects frozen",
        ],
    ),
    "reader.py": (
        ["--articles", "300", "--repeat", "1"],
        [
            rf"{line}.*{NUMBER}"
            for line in (
                "home",
                "watchlist page",
                "newest articles' watchlist, last page",
                "a watchlist's Atom feed",
                "stories list",
                "sources page",
                "veille status",
                "/health",
                "bare FTS5",
                "mixed browsing",
            )
        ]
        + ["best first", "newest first"],
    ),
    "same_matches.py": (
        ["--mb", "0.01"],
        [rf"{NUMBER} records, {NUMBER} matches written to .*matches\.jsonl"],
    ),
    "same_results.py": (
        ["--limit", "2", "--pages", "2"],
        [rf"{NUMBER} pages written to .*same\.jsonl"],
    ),
    "status_large.py": (
        ["--articles", "200"],
        [rf"gather_status {NUMBER} ms", rf"`veille status`: {NUMBER} s"],
    ),
    "story_order.py": (
        ["--orders", "1", "--articles", "30"],
        [
            rf"publication order +precision {NUMBER}, recall {NUMBER}; two languages",
            rf"over 1 shuffled orders: precision {NUMBER}-{NUMBER}",
        ],
    ),
    "storage.py": (
        ["--sizes", "30"],
        [rf"\| 30 \| storing, ms per article \| {NUMBER} \| {NUMBER} \| {NUMBER}×"],
    ),
}


def _repository_real_pages(folder: Path) -> Path:
    """The real pages kept in tests/fixtures/realpages, laid out as bench/extraction.py reads a
    corpus (evaldata.json and pages/), so its tiny run needs nothing outside the repository."""
    source = ROOT / "tests" / "fixtures" / "realpages"
    corpus = folder / "realpages"
    (corpus / "pages").mkdir(parents=True)
    entries = {}
    for entry in json.loads((source / "expected.json").read_text(encoding="utf-8")):
        shutil.copy(source / entry["file"], corpus / "pages" / entry["file"])
        entries[entry["url"]] = {
            "file": entry["file"],
            "with": entry.get("with", []),
            "without": entry.get("without", []),
        }
    (corpus / "evaldata.json").write_text(json.dumps(entries, ensure_ascii=False), "utf-8")
    return corpus


def _is_script(path: Path) -> bool:
    return re.search(r"^if __name__ == .__main__.:", path.read_text(), re.MULTILINE) is not None


SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if _is_script(p))
HELPERS = sorted(
    p.name for p in BENCH.glob("*.py") if not _is_script(p) and p.name != "__init__.py"
)


def test_every_script_has_a_tiny_size():
    missing = sorted(set(SCRIPTS) - set(TINY))
    assert not missing, f"give {missing} their tiny-size arguments and figures in TINY"
    gone = sorted(set(TINY) - set(SCRIPTS))
    assert not gone, f"{gone} are no longer scripts under bench/: remove them from TINY"


@pytest.mark.parametrize("helper", HELPERS)
def test_every_helper_module_runs_with_a_script(helper):
    """A helper has no tiny run of its own: a script that imports it runs it."""
    name = helper.removesuffix(".py")
    importers = [
        script
        for script in SCRIPTS
        if re.search(rf"^(from|import) (bench\.)?{name}\b", (BENCH / script).read_text(), re.M)
    ]
    assert importers, f"bench/{helper} has no __main__ block and no script imports it"


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_runs_at_a_tiny_size(script, request):
    arguments, figures = TINY[script]
    if script == "storage.py":  # the tests' PostgreSQL (skipped, or failed under CI, if none)
        arguments = [*arguments, "--postgres", request.getfixturevalue("postgres_url")]
    if script == "extraction.py":  # a clean clone has no ../shared: the repository's real pages
        arguments = [str(_repository_real_pages(request.getfixturevalue("tmp_path"))), *arguments]
    if script == "same_results.py":  # the repository's real pages, the records in a tmp file
        folder = request.getfixturevalue("tmp_path")
        corpus = _repository_real_pages(folder)
        arguments = [*arguments, "--corpus", str(corpus), "--dump", str(folder / "same.jsonl")]
    if script == "same_matches.py":  # the records in a tmp file
        arguments = [
            *arguments,
            "--dump",
            str(request.getfixturevalue("tmp_path") / "matches.jsonl"),
        ]
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"bench/{script} failed:\n{result.stderr[-3000:]}"
    for figure in figures:
        assert re.search(figure, result.stdout, re.MULTILINE), (
            f"bench/{script} did not print {figure!r}:\n{result.stdout[-3000:]}"
        )


class _NotFound(http.server.BaseHTTPRequestHandler):
    """A site that has none of the bench's feeds and pages."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


def test_handler_cost_refuses_a_round_whose_requests_got_no_answer():
    """bench/handler_cost.py checks each round's answers before it prints figures: a handler
    whose requests all failed (here every page a 404, which Scrapy drops before the spider) must
    not print the CPU of failed requests as its cost per request."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        child = json.dumps({"handler": "default", "ports": [server.server_address[1]]})
        answer = subprocess.run(
            [sys.executable, "-P", str(BENCH / "handler_cost.py"), "--child", child],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert answer.returncode != 0, answer.stdout
    assert "default: round warm answered []" in answer.stderr
