import pytest

from crawler.core.canonical import canonicalize_url, url_key


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        (
            "https://fr.hespress.com/123-x.html?utm_source=rss&utm_medium=rss",
            "https://fr.hespress.com/123-x.html",
        ),
        ("https://FR.Hespress.com/123-x.html#comments", "https://fr.hespress.com/123-x.html"),
        (
            "https://telquel.ma/2026/11/20/x_1/?fbclid=abc&gclid=1",
            "https://telquel.ma/2026/11/20/x_1/",
        ),
        ("https://m.telquel.ma/2026/11/20/x_1/", "https://telquel.ma/2026/11/20/x_1/"),
        ("https://telquel.ma/2026/11/20/x_1/amp/", "https://telquel.ma/2026/11/20/x_1/"),
        ("https://site.ma/2026/a.amp.html", "https://site.ma/2026/a.html"),
        ("https://site.ma/a/?amp=1", "https://site.ma/a/"),
        ("https://site.ma/a?b=2&a=1", "https://site.ma/a?a=1&b=2"),
    ],
)
def test_canonicalize_drops_tracking_fragments_and_variants(variant, expected):
    assert canonicalize_url(variant) == expected


def test_url_key_ignores_scheme_www_and_trailing_slash():
    assert url_key("http://www.leseco.ma/maroc/a.html") == url_key(
        "https://leseco.ma/maroc/a.html/"
    )


def test_url_key_keeps_meaningful_query():
    # A WordPress shortlink designates one article: ?p=1 and ?p=2 are different URLs.
    assert url_key("https://leseco.ma/?p=1") != url_key("https://leseco.ma/?p=2")


def test_url_key_keeps_port():
    assert url_key("http://127.0.0.1:8000/a") != url_key("http://127.0.0.1:8001/a")


def test_every_escape_the_quick_check_passes_is_one_normalize_escapes_keeps():
    """`normalize_escapes` returns a path untouched when no escape in it needs a change: for
    every escape of every byte, in every case of its hex digits, alone and between others,
    that check agrees with the rewrite of each escape."""
    from crawler.core import canonical

    def rewritten(escape: str) -> str:
        character = chr(int(escape[1:], 16))
        return character if character in canonical._UNRESERVED else escape.upper()

    hexes = "0123456789abcdefABCDEF"
    escapes = [f"%{a}{b}" for a in hexes for b in hexes]
    assert len(escapes) == 484
    for escape in escapes:
        changes = rewritten(escape) != escape
        assert (canonical._CHANGED_ESCAPE.search(escape) is not None) == changes, escape
        path = f"/ar/%D8%A7{escape}%D9%84-x/"
        expected = f"/ar/%D8%A7{rewritten(escape)}%D9%84-x/"
        assert canonical.normalize_escapes(path) == expected, escape
