"""Probe a source's entry points once, outside Scrapy, for `veille sources check`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import urllib3

from crawler.core.identity import USER_AGENT
from crawler.discovery.discover import parse_entry_point
from crawler.discovery.sources import EntryPoint, Source
from crawler.fetching.fetch_policy import FetchRefused, guarded_get

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


def probe_entry(
    source: Source, entry: EntryPoint, timeout: float = 15.0, allowed: Sequence[str] = ()
) -> ProbeResult:
    """Fetch one entry point under the crawl's fetch policy (crawler.fetching.fetch_policy)."""
    try:
        response = guarded_get(
            entry.url,
            allowed=allowed,
            timeout=timeout,
            max_bytes=MAX_PROBE_BYTES,
            headers={"User-Agent": USER_AGENT},
        )
        body = response.body
    except FetchRefused as exc:
        return ProbeResult(
            source.name, entry.kind, entry.url, entry.status, False, None, 0, str(exc)
        )
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
    found = parse_entry_point(entry.kind, body, entry.url, response.headers.get("content-type", ""))
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
    sources: list[Source],
    timeout: float = 15.0,
    workers: int = 8,
    allowed: Sequence[str] = (),
    progress: Callable[[ProbeResult], None] | None = None,
) -> list[ProbeResult]:
    """Probe every entry point of the given sources in parallel; results in source order.
    `allowed`: internal networks to fetch anyway (the crawl's VEILLE_ALLOWED_NETWORKS);
    `progress` is called as each probe ends."""
    jobs = [(s, e) for s in sources for e in s.entry_points]
    results: list[ProbeResult | None] = [None] * len(jobs)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(probe_entry, source, entry, timeout, allowed): index
            for index, (source, entry) in enumerate(jobs)
        }
        for future in as_completed(futures):
            result = results[futures[future]] = future.result()
            if progress is not None:
                progress(result)
    return [r for r in results if r is not None]
