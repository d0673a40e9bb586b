"""Size limits every way into the database shares: an article stored by a crawl and one stored
by `veille import` are held to the same bound."""

from __future__ import annotations

# Some 50,000 words: beyond that a page is a book, a dump or a generated page, not an article;
# the text is kept up to here and the cut is recorded.
MAX_TEXT_CHARACTERS = 300_000


def cap_text(text: str, limit: int = MAX_TEXT_CHARACTERS) -> tuple[str, int | None]:
    """The text kept up to `limit` characters (at the last line break before it, when there is
    one), and its length before the cut (None when it was not cut)."""
    if len(text) <= limit:
        return text, None
    return text[:limit].rsplit("\n", 1)[0], len(text)
