"""Which hosts belong to one site: a source's own links, whatever host spelling they use.

Real Moroccan sources link between `example.ma` and `www.example.ma`, between `fr.` and `www.`
editions of one domain, and some serve articles from a second domain they own. A link is the
source's own when its host is one of the source's hosts up to a leading `www.`, shares their
registrable domain (`fr.le360.ma` and `www.le360.ma`: the public suffix list, bundled, never
fetched), or is one of the aliases declared in the source list.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from urllib.parse import urlsplit

import tldextract

# The public suffix list as shipped with tldextract: no network, no cache directory; private
# suffixes included, so two blogs on one hosting domain are two sites.
_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


def bare_host(host: str) -> str:
    """A host name lowercased, without a trailing dot and a leading 'www.'."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """'le360.ma' for 'fr.le360.ma'; the host itself for an IP address or an unknown suffix."""
    parts = _EXTRACT(host)
    if not parts.suffix or not parts.domain:
        return bare_host(host)
    return f"{parts.domain}.{parts.suffix}".lower()


class SiteHosts:
    """The hosts of one source: its homepage's and entry points', plus declared aliases."""

    def __init__(self, urls: Iterable[str], aliases: Iterable[str] = ()) -> None:
        hosts = {urlsplit(url).hostname or "" for url in urls} | set(aliases)
        self.hosts = frozenset(bare_host(h) for h in hosts if h)
        self.domains = frozenset(registrable_domain(h) for h in self.hosts)

    def owns(self, url: str) -> bool:
        """Whether `url` is on one of this site's hosts."""
        host = urlsplit(url).hostname
        if not host:
            return False
        host = bare_host(host)
        return host in self.hosts or registrable_domain(host) in self.domains
