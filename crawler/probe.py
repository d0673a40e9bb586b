"""Probe a source's entry points once, outside Scrapy, for `veille sources check`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import urllib3

from crawler.discover import parse_entry_point
from crawler.settings import USER_AGENT
from crawler.sources import EntryPoint, Source

MAX_PROBE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ProbeResult:
    source: str
    kind: str
    url: str
    declared_status: str
    reachable: bool
    http_status: int | None
    items: int
    error: str | None


def _explain(exc: urllib3.exceptions.HTTPError) -> str:
    """A short reason a user understands, from urllib3's nested exceptions."""
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return "host name does not resolve"
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return "connection refused or failed"
    if isinstance(reason, urllib3.exceptions.TimeoutError):
        return "timed out"
    if isinstance(reason, urllib3.exceptions.SSLError):
        return "TLS error"
    return f"{reason.__class__.__name__}: {reason}"[:200]


def probe_entry(source: Source, entry: EntryPoint, timeout: float = 15.0) -> ProbeResult:
    http = urllib3.PoolManager(
        headers={"User-Agent": USER_AGENT}, retries=urllib3.Retry(total=1, redirect=5)
    )
    try:
        response = http.request(
            "GET", entry.url, timeout=urllib3.Timeout(total=timeout), preload_content=False
        )
        body = response.read(MAX_PROBE_BYTES + 1)
        response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        return ProbeResult(
            source.name, entry.kind, entry.url, entry.status, False, None, 0, _explain(exc)
        )
    if response.status >= 400:
        return ProbeResult(
            source.name,
            entry.kind,
            entry.url,
            entry.status,
            True,
            response.status,
            0,
            f"HTTP {response.status}",
        )
    if len(body) > MAX_PROBE_BYTES:
        return ProbeResult(
            source.name, entry.kind, entry.url, entry.status, True, response.status, 0, "too large"
        )
    found = parse_entry_point(entry.kind, body, entry.url, response.headers.get("Content-Type", ""))
    items = len(found.links) + len(found.sitemaps)
    return ProbeResult(
        source.name,
        entry.kind,
        entry.url,
        entry.status,
        True,
        response.status,
        items,
        found.problem,
    )


def probe_sources(
    sources: list[Source], timeout: float = 15.0, workers: int = 8
) -> list[ProbeResult]:
    """Probe every entry point of the given sources in parallel, in source order."""
    jobs = [(s, e) for s in sources for e in s.entry_points]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: probe_entry(job[0], job[1], timeout), jobs))
