"""Canonical URLs: one identity per article whatever tracking, AMP or mobile variant pointed to it."""

from __future__ import annotations

import contextlib
import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

# Parameters that never change which article a URL designates. courlan already drops utm_* and
# a few more; these are the ones seen on Moroccan sites and share buttons.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_ga|ref|ref_src|from|"
    r"share|amp|output|outputtype|s_cid|xtor|at_medium|at_campaign|wt_mc)$",
    re.IGNORECASE,
)
_AMP_DIR = re.compile(r"/amp/?$")
_AMP_SUFFIX = re.compile(r"\.amp(\.html?)?$")
_MOBILE_HOST = re.compile(r"^(m|mobile|amp)\.")


@functools.lru_cache(maxsize=4096)
def canonicalize_url(url: str) -> str:
    """Return the canonical form of an article URL (scheme kept, so it can still be fetched).

    Drops fragments and tracking parameters, AMP suffixes and m./amp. host prefixes,
    lowercases the host and sorts the query. Remembered for recent URLs: deduplication and
    storage ask for the same few URLs of an article several times.
    """
    url = url.strip()
    with contextlib.suppress(ValueError):
        url = normalize_url(url, strict=False)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = _MOBILE_HOST.sub("", host)
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    path = _AMP_DIR.sub("/", parts.path)
    path = _AMP_SUFFIX.sub(lambda m: m.group(1) or "", path) or "/"
    path = re.sub(r"/{2,}", "/", path)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    query.sort()
    return urlunsplit((parts.scheme.lower() or "https", netloc, path, urlencode(query), ""))


_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# An escape `normalize_escapes` changes: a hex digit in lower case, or an unreserved character
# (digits 30-39, letters 41-5A and 61-7A, `-` 2D, `.` 2E, `_` 5F, `~` 7E). An Arabic address is
# some thirty escapes, all already as they should be: found so by one search, not one call each.
_CHANGED_ESCAPE = re.compile(
    r"%(?:[a-f][0-9A-Fa-f]|[0-9A-F][a-f]|3[0-9]|4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]|2[DE]|5F|7E)"
)


def normalize_escapes(path: str) -> str:
    """One spelling for equivalent percent-escapes (RFC 3986, 6.2.2): hex digits in upper case,
    unreserved characters unescaped. `%d8%a7` and `%D8%A7` are the same Arabic letter; `%2F`
    stays escaped, since it is not the same path as `/`."""

    def one(match: re.Match[str]) -> str:
        character = chr(int(match.group(0)[1:], 16))
        return character if character in _UNRESERVED else match.group(0).upper()

    if _CHANGED_ESCAPE.search(path) is None:
        return path
    return _ESCAPE.sub(one, path)


@functools.lru_cache(maxsize=4096)
def url_key(url: str) -> str:
    """The identity of a URL for deduplication: canonical form without scheme, 'www.' or end slash.

    http://www.site.ma/a/ and https://site.ma/a are the same article, and so are /%d8%a7 and
    /%D8%A7. The stored URL stays as the site wrote it; only the key is normalised.
    """
    parts = urlsplit(canonicalize_url(url))
    host = parts.netloc
    if host.startswith("www."):
        host = host[4:]
    path = normalize_escapes(parts.path).rstrip("/") or "/"
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


# Print and AMP variants of an article page: never the address to store or send.
_VARIANT_SEGMENT = re.compile(r"/(print|imprimer|impression|printable|amp)(/|$)", re.IGNORECASE)
_VARIANT_QUERY = re.compile(r"(^|&)(print|imprimer|amp|output=amp|format=print)(=|&|$)", re.I)


def is_variant_url(url: str) -> bool:
    """True for a print or AMP version of a page (/print/88412/, ?print=1, /amp/)."""
    parts = urlsplit(url)
    return bool(_VARIANT_SEGMENT.search(parts.path) or _VARIANT_QUERY.search(parts.query))
