"""Matched terms shown where they are: `<mark>` in an article's title and text (from the offsets
the matcher stored), in snippets, and "why it matched" said in words."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup, escape

from monitors.alerts.plurals import counted
from monitors.web.reading import ArticleMatch, Hit


def _merged(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans inside [0, length): nested aliases ("Amal El Fellah
    Seghrouchni" and "Seghrouchni") give one mark. Offsets past the end (a text revised after it
    was matched) are dropped rather than marking the wrong words."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if 0 <= s[0] < s[1] <= length):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def marked(text: str, spans: list[tuple[int, int]]) -> Markup:
    """`text` escaped, with each span in <mark>."""
    out: list[str] = []
    position = 0
    for start, end in _merged(spans, len(text)):
        out.append(str(escape(text[position:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(str(escape(text[position:])))
    return Markup("".join(out))


def marked_paragraphs(text: str, spans: list[tuple[int, int]]) -> list[Markup]:
    """The text as paragraphs (one per line, as extraction stores them), spans marked."""
    paragraphs: list[Markup] = []
    offset = 0
    for line in text.split("\n"):
        local = [
            (s - offset, e - offset) for s, e in spans if s >= offset and e <= offset + len(line)
        ]
        if line.strip():
            paragraphs.append(marked(line, local))
        offset += len(line) + 1
    return paragraphs


def snippet_markup(snippet: str | None) -> Markup:
    """A stored snippet (matches between **) with <mark> instead of the asterisks."""
    parts = (snippet or "").split("**")
    return Markup(
        "".join(
            f"<mark>{escape(part)}</mark>" if i % 2 else str(escape(part))
            for i, part in enumerate(parts)
        )
    )


def hit_spans(matches: list[ArticleMatch], field: str) -> list[tuple[int, int]]:
    return [(h.start, h.end) for m in matches for h in m.hits if h.field == field]


@dataclass(frozen=True)
class TermPlace:
    term: str
    in_title: int
    in_text: int


def term_places(hits: list[Hit]) -> list[TermPlace]:
    """Each matched term with how often it was found in the title and in the text."""
    counts: Counter[tuple[str, str]] = Counter((h.term, h.field) for h in hits)
    terms = sorted({h.term for h in hits}, key=str.casefold)
    return [TermPlace(t, counts[(t, "title")], counts[(t, "text")]) for t in terms]


def why_sentence(places: list[TermPlace], labels: dict[str, str]) -> str:
    """« UM6P » (1 fois dans le titre, 2 fois dans le texte) et « supercalculateur » (…), in
    the plural and with the comma of the labels' language (« مرتان في النص »)."""
    lang, comma = labels["language_code"], labels["list_comma"]
    described = []
    for place in places:
        where = []
        for count, field in ((place.in_title, "in_title"), (place.in_text, "in_text")):
            if count:
                where.append(f"{counted(count, 'time', lang)} {labels[field]}")
        described.append(
            f"« {place.term} » ({comma.join(where)})" if where else f"« {place.term} »"
        )
    if len(described) > 1:
        return comma.join(described[:-1]) + f" {labels['and']} " + described[-1]
    return described[0] if described else ""
