"""bench/reader.py runs at a tiny size: it builds both databases, serves every list page and the
search through the real app, and prints a ratio for each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_reader_bench_runs_at_a_tiny_size():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "reader.py"), "--articles", "300", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for line in ("home", "watchlist page", "stories list", "sources page", "bare FTS5"):
        assert line in result.stdout
    assert "best first" in result.stdout and "newest first" in result.stdout
