"""How veille names itself to the sites it reads: one User-Agent, with the contact URL in it.

Below every stage that sends a request (the crawl's Scrapy settings, the feed probe, a rule's
trial on one page), so they all say the same thing and none imports the crawl's settings module.
"""

from __future__ import annotations

CONTACT_URL = "https://github.com/veille-ma/veille"


def user_agent(contact_url: str = CONTACT_URL) -> str:
    """The User-Agent header naming `contact_url`, where a site's operator can reach us."""
    return f"veille/0.1 (news monitoring; +{contact_url})"


USER_AGENT = user_agent()
