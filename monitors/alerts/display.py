"""How values from pages are shown in messages: isolated from the text around them, so an
Arabic outlet name never reorders the date beside it, and long percent-encoded URLs decoded and
shortened for the eye (the link itself keeps the full address).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote, urlsplit

from monitors.alerts.direction import text_direction

FSI = "\u2068"  # FIRST STRONG ISOLATE: the text inside takes its own direction, alone
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE: ends it
SHORT_URL_LENGTH = 80
# A subject's article title: mail programs show the first 70 to 100 characters of a subject,
# and a title of 300 (an extraction that took a paragraph for it) pushed nothing useful there
SUBJECT_TITLE_LENGTH = 120
# The watchlists a subject names before « +2 »: eight names put the title out of sight
SUBJECT_WATCHLISTS = 3


def isolate(text: str | None) -> str:
    """`text` between FSI and PDI (Unicode bidi isolates) for plain-text and Slack messages: its
    direction is its own, and it cannot move the words or numbers around it. Empty stays empty."""
    return f"{FSI}{text}{PDI}" if text else ""


def apart(text: str | None, direction: str) -> str:
    """`text` isolated (FSI … PDI) when its letters run the other way than the message
    (`direction`): an Arabic watchlist title in a French subject otherwise took the count after
    it to its side (« [veille] 3 : السيادة الرقمية articles »). A title that runs the message's
    way is left as it is."""
    if text and text_direction(None, text) != direction:
        return isolate(text)
    return text or ""


def _visible(char: str) -> str:
    """A decoded character as shown: control and format characters (line breaks, bidi
    overrides that could disguise an address) stay percent-encoded."""
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
        return quote(char, safe="")
    return char


def short_url(url: str, limit: int = SHORT_URL_LENGTH) -> str:
    """The address as a reader reads it: percent-encoding decoded (an Arabic slug shows as
    Arabic), whole when it fits in `limit` characters, else host and path cut in the middle
    with …, keeping the host and the end of the path."""
    whole = "".join(_visible(c) for c in unquote(url))
    if len(whole) <= limit:
        return whole
    parts = urlsplit(url)
    shown = parts.netloc.removeprefix("www.") + parts.path
    if parts.query:
        shown += "?" + parts.query
    shown = "".join(_visible(c) for c in unquote(shown)).rstrip("/")
    if len(shown) <= limit:
        return shown
    tail = limit // 3
    return shown[: limit - tail - 1] + "…" + shown[-tail:]


def hits_in_words(hits: list[dict], in_title: str = "titre/title", comma: str = ", ") -> str:
    """'cloud national (titre), souveraineté numérique ×2': what matched, where, how often;
    `in_title` names the title in the message's language (a message built in one language),
    `comma` is its comma (Arabic's is ،)."""
    counts: dict[tuple[str, str], int] = {}
    for h in hits:
        counts[(h["term"], h["field"])] = counts.get((h["term"], h["field"]), 0) + 1
    parts = []
    for (term, field_name), count in counts.items():
        where = f" ({in_title})" if field_name == "title" else ""
        parts.append(f"{term}{where}" + (f" ×{count}" if count > 1 else ""))
    return comma.join(parts)


def shortened(text: str | None, limit: int = SUBJECT_TITLE_LENGTH) -> str:
    """`text` whole when it fits in `limit` characters, else cut at the last space before it,
    with « … » (a subject; the message's body keeps the whole title)."""
    if not text or len(text) <= limit:
        return text or ""
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—،") + "…"
