"""The links of the raw tables under /data/ lead somewhere: a table's column headings (sort), its
JSON and CSV, a row, the index's JSON, a facet's values, by day too. Datasette builds some of them from the request's path,
which held /data/ already, and added its base path again (« /data/data/team/people.json »)."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request

import pytest

from crawler.storage import store
from monitors.people import accounts

from .reader_client import serving

pytestmark = pytest.mark.slow  # a real veille serve


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _links(base: str, page: str) -> set[str]:
    """The addresses under /data/ a page links to (relative or absolute on this server)."""
    found = set()
    for href in re.findall(r'href="([^"#]+)"', page):
        href = html.unescape(href).removeprefix(base)
        if href.startswith("/data/") and not href.startswith("/data/-/static/"):
            found.add(href)
    return found


def test_every_link_of_the_raw_tables_answers(tmp_path):
    path = tmp_path / "team.db"
    db = store.open_database(path)
    accounts.add_user(db, "amina", None, "amina@example.ma", ())
    accounts.add_user(db, "karim", None, "karim@example.ma", ())
    db.close()
    with serving(path) as base:
        pages = ["/data/", "/data/team", "/data/team/people", "/data/team/latest_matches"]
        pages += ["/data/team/people?_facet=email", "/data/team/people?_facet_date=created_at"]
        pages += ["/data/team/people?_size=1"]  # its next page
        links: set[str] = set()
        for page in pages:
            status, body = _get(base + page)
            assert status == 200, (page, body[:300])
            links |= _links(base, body)
        table = _links(base, _get(base + "/data/team/people")[1])
        assert "/data/team/people.json" in table and "/data/team/people?_sort=email" in table
        assert any(link.startswith("/data/team/people.csv") for link in table)
        assert any("_next=" in link for link in links), links
        by_day = _links(base, _get(base + "/data/team/people?_facet_date=created_at")[1])
        assert any("created_at__date=" in link for link in by_day), by_day
        broken = {}
        for link in sorted(links):
            status, body = _get(base + link)
            if status != 200:
                broken[link] = status
        assert not broken, broken
