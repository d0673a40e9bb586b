"""OPML 2.0 (http://opml.org/spec2.opml) listing the watchlists' Atom feeds, so a feed reader
subscribes to all of them in one import."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree import ElementTree

from monitors.web.export import xml_text


def opml_document(
    title: str, outlines: list[tuple[str, str, str]], now: datetime | None = None
) -> bytes:
    """One `<outline type="rss">` per (title, feed URL, page URL). The spec names the type
    "rss" for any feed format; readers read the Atom behind xmlUrl. A title's characters XML
    cannot hold become U+FFFD, as in the feeds (one made the whole file unreadable)."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(
        now or datetime.now(UTC), usegmt=True
    )
    ElementTree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ElementTree.SubElement(root, "body")
    for text, feed_url, page_url in outlines:
        ElementTree.SubElement(
            body,
            "outline",
            text=xml_text(text),
            title=xml_text(text),
            type="rss",
            xmlUrl=feed_url,
            htmlUrl=page_url,
        )
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
