"""Feeds for bench/feeds.py and tests/test_feed_xml.py: realistic ones as Moroccan news sites
serve them (WordPress RSS 2.0 in French and Arabic, an Arc XP RSS with media, WordPress Atom, an
RSS 1.0 feed; 20-50 items of teasers and full texts) and odd ones (every way a feed departs from
the common shape that discovery must still read as feedparser does)."""

from __future__ import annotations

import codecs
import gzip
import random
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree

from crawler.discovery.discover import (
    _NEWS_NS,
    _SITEMAP_NS,
    MAX_XML_BYTES,
    Discovery,
    Link,
    _gunzip,
    _xml_parser,
)

BASE = "https://www.site.ma"
FEED_URL = BASE + "/feed/"

_FRENCH = (
    "Le ministère de la Transition numérique a présenté à Rabat un programme de numérisation "
    "des services publics destiné aux collectivités territoriales et aux entreprises de la région "
    "l’Université Mohammed VI Polytechnique inaugure un supercalculateur « Toubkal » à Benguérir "
    "selon la MAP les opérateurs télécoms investissent dans la 5G et la fibre optique"
)
_ARABIC = (
    "أعلنت وزارة الانتقال الرقمي وإصلاح الإدارة بالرباط عن برنامج لرقمنة الخدمات العمومية "
    "لفائدة الجماعات الترابية والمقاولات في جهة الدار البيضاء سطات حسب وكالة المغرب العربي "
    "للأنباء وتستثمر شركات الاتصالات في شبكات الجيل الخامس والألياف البصرية"
)
FR_WORDS = _FRENCH.split()
AR_WORDS = _ARABIC.split()
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Feed:
    name: str
    body: bytes
    content_type: str = "application/rss+xml; charset=UTF-8"
    url: str = FEED_URL


def _words(rng: random.Random, words: list[str], count: int) -> str:
    return " ".join(rng.choice(words) for _ in range(count))


def _slug(rng: random.Random, arabic: bool, number: int) -> str:
    if arabic:  # percent-encoded Arabic slugs, as Barlamane and Hespress serve them
        return "%D8%A7%D9%84%D8%B1%D9%82%D9%85%D9%86%D8%A9-" + str(number)
    return f"{rng.choice(FR_WORDS).lower().strip('«»’')}-numerique-{number}"


def wordpress_rss(items: int, arabic: bool = False, seed: int = 1) -> bytes:
    """A WordPress feed: teaser in <description>, the whole article in content:encoded."""
    rng = random.Random(seed)
    words = AR_WORDS if arabic else FR_WORDS
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n'
        f"\t>\n<channel>\n\t<title>{'هسبريس' if arabic else 'La Vigie Éco'}</title>\n"
        f'\t<atom:link href="{FEED_URL}" rel="self" type="application/rss+xml" />\n'
        f"\t<link>{BASE}</link>\n\t<description>{_words(rng, words, 6)}</description>\n"
        "\t<lastBuildDate>Thu, 19 Nov 2026 18:02:40 +0000</lastBuildDate>\n"
        f"\t<language>{'ar' if arabic else 'fr-FR'}</language>\n"
        "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n"
        "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n"
        "\t<generator>https://wordpress.org/?v=6.5.5</generator>\n"
        f"<image>\n\t<url>{BASE}/wp-content/uploads/logo.png</url>\n\t<title>Site</title>\n"
        f"\t<link>{BASE}</link>\n\t<width>32</width>\n\t<height>32</height>\n</image> \n"
    ]
    for n in range(items):
        number = 20417 - n
        slug = _slug(rng, arabic, number)
        title = _words(rng, words, rng.randint(6, 14))
        paragraphs = "".join(f"<p>{_words(rng, words, 40)}</p>\n" for _ in range(rng.randint(4, 9)))
        parts.append(
            f"\t<item>\n\t\t<title>{title} &#8211; {n}</title>\n"
            f"\t\t<link>{BASE}/2026/11/{19 - n % 9:02d}/{slug}/</link>\n"
            f"\t\t<comments>{BASE}/2026/11/19/{slug}/#respond</comments>\n"
            f"\t\t<dc:creator><![CDATA[{_words(rng, words, 2)}]]></dc:creator>\n"
            f"\t\t<pubDate>{DAYS[n % 7]}, {19 - n % 9:02d} Nov 2026 {n % 24:02d}:00:00 +0000</pubDate>\n"
            f"\t\t<category><![CDATA[{rng.choice(words)}]]></category>\n"
            f"\t\t<category><![CDATA[{rng.choice(words)}]]></category>\n"
            f'\t\t<guid isPermaLink="false">{BASE}/?p={number}</guid>\n'
            f"\t\t<description><![CDATA[<p>{_words(rng, words, 30)} [&#8230;]</p>\n"
            f'<p>The post <a href="{BASE}/{slug}/">{title}</a> appeared first on Site.</p>\n]]>'
            "</description>\n"
            f"\t\t<content:encoded><![CDATA[{paragraphs}"
            f'<figure><img src="/wp-content/uploads/{number}.jpg" alt="{title}"/></figure>]]>'
            "</content:encoded>\n"
            f"\t\t<wfw:commentRss>{BASE}/{slug}/feed/</wfw:commentRss>\n"
            f"\t\t<slash:comments>{n % 4}</slash:comments>\n\t</item>\n"
        )
    parts.append("\t</channel>\n</rss>\n")
    return "".join(parts).encode("utf-8")


def arc_rss(items: int, arabic: bool = False, seed: int = 2) -> bytes:
    """An Arc XP outbound feed (Le360): 26-character ids, media:content, GMT dates."""
    rng = random.Random(seed)
    words = AR_WORDS if arabic else FR_WORDS
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" version="2.0"><channel>'
        f"<title><![CDATA[Le360]]></title><link>{BASE}</link>"
        f'<atom:link href="{FEED_URL}" rel="self" type="application/rss+xml"/>'
        "<description><![CDATA[Le360 News Feed]]></description>"
        "<lastBuildDate>Thu, 19 Nov 2026 17:02:58 +0000</lastBuildDate>"
        "<language>fr</language><ttl>1</ttl><sy:updatePeriod>hourly</sy:updatePeriod>"
    ]
    for n in range(items):
        ident = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(26))
        title = _words(rng, words, rng.randint(6, 14))
        parts.append(
            f"<item><title><![CDATA[{title}]]></title>"
            f"<link>{BASE}/economie/{_slug(rng, arabic, n)}_{ident}/</link>"
            f'<guid isPermaLink="true">{BASE}/economie/{_slug(rng, arabic, n)}_{ident}/</guid>'
            f"<dc:creator><![CDATA[{_words(rng, words, 2)}]]></dc:creator>"
            f"<description><![CDATA[{_words(rng, words, 35)}]]></description>"
            f"<pubDate>{DAYS[n % 7]}, {19 - n % 9:02d} Nov 2026 {n % 24:02d}:{n % 60:02d}:12 GMT</pubDate>"
            f"<content:encoded><![CDATA[<p>{_words(rng, words, 250)}</p>]]></content:encoded>"
            f'<media:content type="image/jpeg" url="{BASE}/resizer/{ident}.jpg" '
            'height="800" width="1200"/></item>'
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def wordpress_atom(items: int, arabic: bool = False, seed: int = 3) -> bytes:
    """WordPress's /feed/atom/: alternate and replies links, thr:total, html summaries."""
    rng = random.Random(seed)
    words = AR_WORDS if arabic else FR_WORDS
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><feed\n  xmlns="http://www.w3.org/2005/Atom"\n'
        '  xmlns:thr="http://purl.org/syndication/thread/1.0"\n'
        f'  xml:lang="{"ar" if arabic else "fr-FR"}"\n  >\n'
        '\t<title type="text">Site</title>\n\t<subtitle type="text">Actualité</subtitle>\n'
        "\t<updated>2026-11-19T18:02:40Z</updated>\n"
        f'\t<link rel="alternate" type="text/html" href="{BASE}" />\n'
        f"\t<id>{BASE}/feed/atom/</id>\n"
        f'\t<link rel="self" type="application/atom+xml" href="{BASE}/feed/atom/" />\n'
        '\t<generator uri="https://wordpress.org/" version="6.5.5">WordPress</generator>\n'
    ]
    for n in range(items):
        slug = _slug(rng, arabic, n)
        title = _words(rng, words, rng.randint(6, 14))
        parts.append(
            "\t<entry>\n\t\t<author>\n\t\t\t<name>"
            f"{_words(rng, words, 2)}</name>\n\t\t\t<uri>{BASE}</uri>\n\t\t</author>\n"
            f'\t\t<title type="text">{title}</title>\n'
            f'\t\t<link rel="alternate" type="text/html" href="{BASE}/2026/11/19/{slug}/" />\n'
            f"\t\t<id>{BASE}/?p={30000 + n}</id>\n"
            f"\t\t<updated>2026-11-{19 - n % 9:02d}T{n % 24:02d}:05:00Z</updated>\n"
            f"\t\t<published>2026-11-{19 - n % 9:02d}T{n % 24:02d}:00:00Z</published>\n"
            f'\t\t<category scheme="{BASE}" term="{rng.choice(words)}" />\n'
            f'\t\t<summary type="html"><![CDATA[{_words(rng, words, 30)} [&#8230;]]]></summary>\n'
            f'\t\t<content type="html" xml:base="{BASE}/2026/11/19/{slug}/">'
            f"<![CDATA[<p>{_words(rng, words, 200)}</p>]]></content>\n"
            f'\t\t<link rel="replies" type="text/html" href="{BASE}/{slug}/#comments" '
            'thr:count="0" />\n'
            f'\t\t<link rel="replies" type="application/atom+xml" href="{BASE}/{slug}/feed/atom/" '
            'thr:count="0" />\n\t\t<thr:total>0</thr:total>\n\t</entry>\n'
        )
    parts.append("</feed>\n")
    return "".join(parts).encode("utf-8")


def rss1(items: int, seed: int = 4) -> bytes:
    """An RSS 1.0 (RDF) feed with dc:date, as some Drupal sites serve."""
    rng = random.Random(seed)
    links = [f"{BASE}/node/{500 + n}" for n in range(items)]
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f'<channel rdf:about="{FEED_URL}"><title>Site</title><link>{BASE}</link>'
        "<description>Actualité</description><items><rdf:Seq>"
        + "".join(f'<rdf:li rdf:resource="{link}"/>' for link in links)
        + "</rdf:Seq></items></channel>\n"
    ]
    for n, link in enumerate(links):
        parts.append(
            f'<item rdf:about="{link}"><title>{_words(rng, FR_WORDS, 10)}</title>'
            f"<link>{link}</link><description>{_words(rng, FR_WORDS, 30)}</description>"
            f"<dc:date>2026-11-{19 - n % 9:02d}T{n % 24:02d}:00:00+01:00</dc:date>"
            f"<dc:creator>{_words(rng, FR_WORDS, 2)}</dc:creator></item>\n"
        )
    parts.append("</rdf:RDF>\n")
    return "".join(parts).encode("utf-8")


def realistic(items: int = 30) -> list[Feed]:
    """The feeds bench/feeds.py times: French and Arabic, in the shapes real sites serve."""
    return [
        Feed("WordPress RSS, French", wordpress_rss(items)),
        Feed("WordPress RSS, Arabic", wordpress_rss(items, arabic=True)),
        Feed("Arc XP RSS, French", arc_rss(items)),
        Feed("Arc XP RSS, Arabic", arc_rss(items, arabic=True)),
        Feed("WordPress Atom, French", wordpress_atom(items), "application/atom+xml"),
        Feed("WordPress Atom, Arabic", wordpress_atom(items, arabic=True), "application/atom+xml"),
        Feed("RSS 1.0, French", rss1(items), "application/rdf+xml"),
    ]


def _rss(items: str, head: str = "", channel: str = "", declaration: str = "") -> bytes:
    declaration = declaration or '<?xml version="1.0" encoding="UTF-8"?>'
    return (
        f'{declaration}<rss version="2.0" {head}><channel><title>Site</title><link>{BASE}</link>'
        f"{channel}{items}</channel></rss>"
    ).encode()


def _item(body: str) -> str:
    return f"<item>{body}</item>"


def _atom(entries: str, head: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" {head}>'
        f"<title>Site</title><id>{BASE}/</id><updated>2026-11-19T10:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


# Dates as feeds write them: RFC 822 in its variants (zones by name and offset, no weekday, no
# seconds, two-digit years, a French weekday), ISO 8601 / W3C-DTF in its variants, what
# WordPress and Drupal plugins print, and dates feedparser cannot read.
DATES = [
    "Thu, 19 Nov 2026 18:00:00 +0100",
    "Thu, 19 Nov 2026 18:00:00 +0000",
    "Thu, 19 Nov 2026 18:00:00 GMT",
    "Thu, 19 Nov 2026 18:00:00 UT",
    "Thu, 19 Nov 2026 18:00:00 Z",
    "Thu, 19 Nov 2026 18:00:00 EST",
    "Thu, 19 Nov 2026 18:00:00 CET",
    "Thu, 19 Nov 2026 18:00:00",
    "19 Nov 2026 18:00:00 +0100",
    "Thu, 19 Nov 2026 18:00 +0100",
    "Thu, 19 Nov 26 18:00:00 +0100",
    "Thu, 9 Nov 2026 08:00:00 +0100",
    "Thursday, 19 November 2026 18:00:00 +0100",
    "Jeu, 19 Nov 2026 18:00:00 +0100",
    "jeu., 19 nov. 2026 18:00:00 +0100",
    "Thu, 19 Nov 2026 18:00:00 +01:00",
    "2026-11-19T18:00:00+01:00",
    "2026-11-19T18:00:00Z",
    "2026-11-19T18:00:00.123456Z",
    "2026-11-19T18:00Z",
    "2026-11-19 18:00:00",
    "2026-11-19",
    "2026-11",
    "20261119T180000Z",
    "19/11/2026 18:00",
    "Thu Nov 19 18:00:00 2026",
    "Thu, 31 Feb 2026 18:00:00 +0100",
    "n'importe quand",
    "",
    "  Thu, 19 Nov 2026 18:00:00 +0100  ",
]

# Titles whose text is not plain: entities, HTML that feedparser guesses and cleans, text that
# is UTF-8 read as Latin-1, Windows-1252 control characters.
TITLES = [
    "Toubkal II : l&#8217;UM6P inaugure",
    "<![CDATA[Tech & Innovation : l’UM6P]]>",
    "<![CDATA[<b>Gras</b> et <i>italique</i>]]>",
    "Q&amp;A : &lt;b&gt;la 5G&lt;/b&gt;",
    "AT&amp;T et Inwi",
    "&amp;eacute;change",
    "&amp;#233;t&amp;#233;",
    "Caf&#233; &#x2014; le march&#xE9;",
    "March&#195;&#169; du travail",
    "&#150; un tiret Windows-1252 &#147;cité&#148;",
    "&#128;100 millions",
    "   espaces autour   ",
    "",
    "<![CDATA[]]>",
    "ligne\nsuivante\r\nfin",
    "<![CDATA[Un <script>alert(1)</script> titre]]>",
    "Deux &lt; trois &gt; un",
    "<![CDATA[x</p>]]>",
    "الرقمنة &amp; الإدارة",
]

LINKS = [
    f"{BASE}/a/",
    f"  {BASE}/espaces/  ",
    "/relatif/absolu/",
    "relatif/chemin.html",
    "../remonte/",
    "//cdn.site.ma/protocole/",
    "?p=1042",
    f"{BASE}/q?a=1&amp;b=2",
    f"{BASE}/q?a=1&amp;amp;b=2",
    f"{BASE}/q?x=&amp;eacute;",
    f"{BASE}/%D8%A7%D9%84%D8%B1%D9%82%D9%85%D9%86%D8%A9/",
    f"{BASE}/الرقمنة/",
    f"{BASE}/a b/",
    "javascript:alert(1)",
    "mailto:redaction@site.ma",
    "ftp://site.ma/x",
    "HTTP://WWW.SITE.MA/Majuscules/",
    f"{BASE}/a#fragment",
    f"{BASE}/./a/../b/",
    "",
    "http://[::1/broken",
]


def odd() -> Iterator[Feed]:
    """Feeds off the common shape, each named for what is odd about it."""
    for n, date in enumerate(DATES):
        yield Feed(
            f"pubDate {date!r}",
            _rss(_item(f"<title>t</title><link>{BASE}/d{n}</link><pubDate>{date}</pubDate>")),
        )
        yield Feed(
            f"dc:date {date!r}",
            _rss(
                _item(f"<title>t</title><link>{BASE}/d{n}</link><dc:date>{date}</dc:date>"),
                head='xmlns:dc="http://purl.org/dc/elements/1.1/"',
            ),
        )
        yield Feed(
            f"Atom dates {date!r}",
            _atom(
                f'<entry><title>t</title><link href="{BASE}/d{n}"/><id>{BASE}/d{n}</id>'
                f"<updated>{date}</updated><published>{date}</published></entry>"
            ),
            "application/atom+xml",
        )
    for n, title in enumerate(TITLES):
        yield Feed(
            f"title {title!r}", _rss(_item(f"<title>{title}</title><link>{BASE}/t{n}</link>"))
        )
        yield Feed(
            f"Atom title {title!r}",
            _atom(f'<entry><title>{title}</title><link href="{BASE}/t{n}"/></entry>'),
            "application/atom+xml",
        )
        for kind in ("html", "xhtml", "text"):
            yield Feed(
                f"Atom title type={kind} {title!r}",
                _atom(
                    f'<entry><title type="{kind}">{title}</title><link href="{BASE}/t{n}"/></entry>'
                ),
                "application/atom+xml",
            )
    for link in LINKS:
        yield Feed(f"link {link!r}", _rss(_item(f"<title>t</title><link>{link}</link>")))
        yield Feed(
            f"guid permalink {link!r}",
            _rss(_item(f"<title>t</title><guid>{link}</guid>")),
        )
        yield Feed(
            f"guid not permalink {link!r}",
            _rss(_item(f'<title>t</title><guid isPermaLink="false">{link}</guid>')),
        )
        yield Feed(
            f"Atom link {link!r}",
            _atom(f'<entry><title>t</title><link href="{link}"/></entry>'),
            "application/atom+xml",
        )
        yield Feed(
            f"Atom id {link!r}",
            _atom(f"<entry><title>t</title><id>{link}</id></entry>"),
            "application/atom+xml",
        )
    yield from _odd_structures()
    yield from _odd_encodings()


def _odd_structures() -> Iterator[Feed]:
    yield Feed("no items", _rss(""))
    yield Feed(
        "enclosure-only items",
        _rss(
            _item(
                f'<title>Podcast</title><enclosure url="{BASE}/a.mp3" length="1" type="audio/mpeg"/>'
            )
            + _item('<enclosure url="/b.mp3" type="audio/mpeg"/><guid isPermaLink="false">x</guid>')
        ),
    )
    yield Feed(
        "duplicate links",
        _rss(
            _item(f"<title>a</title><link>{BASE}/x/</link>") * 3
            + _item(f"<title>b</title><link>{BASE}/x/</link><link>{BASE}/y/</link>")
        ),
    )
    yield Feed(
        "two titles, the first empty",
        _rss(_item(f"<title></title><title>deux</title><title>trois</title><link>{BASE}/x</link>")),
    )
    yield Feed(
        "dc:title and title",
        _rss(
            _item(f"<dc:title>dc</dc:title><title>rss</title><link>{BASE}/x</link>"),
            head='xmlns:dc="http://purl.org/dc/elements/1.1/"',
        ),
    )
    yield Feed(
        "guid before link, guid after link",
        _rss(
            _item(f"<title>a</title><guid>{BASE}/g1</guid><link>{BASE}/l1</link>")
            + _item(f"<title>b</title><link>{BASE}/l2</link><guid>{BASE}/g2</guid>")
            + _item(f"<title>c</title><guid>{BASE}/g3</guid><link></link>")
            + _item(f'<title>d</title><guid isPermaLink="False">{BASE}/g4</guid>')
            + _item('<title>e</title><guid isPermaLink="true">/relative/g5</guid>')
        ),
    )
    yield Feed(
        "pubDate twice, the second unreadable; dates by other names",
        _rss(
            _item(
                f"<title>a</title><link>{BASE}/a</link><pubDate>Thu, 19 Nov 2026 18:00:00 +0100"
                "</pubDate><pubDate>hier</pubDate>"
            )
            + _item(
                f"<title>b</title><link>{BASE}/b</link><lastBuildDate>Thu, 19 Nov 2026 18:00:00"
                " +0100</lastBuildDate><PUBDATE>Wed, 18 Nov 2026 18:00:00 +0100</PUBDATE>"
            )
            + _item(
                f"<title>c</title><link>{BASE}/c</link><dcterms:issued>2026-11-18</dcterms:issued>"
                "<dcterms:modified>2026-11-19T10:00:00Z</dcterms:modified>"
            ),
            head='xmlns:dcterms="http://purl.org/dc/terms/"',
        ),
    )
    yield Feed(
        "upper-case element names",
        _rss(
            _item(
                f"<Title>T</Title><LINK>{BASE}/up</LINK><PubDate>Thu, 19 Nov 2026 18:00:00 GMT</PubDate>"
            )
        ),
    )
    yield Feed(
        "xml:base on channel, item and link",
        _rss(
            _item("<title>a</title><link>a/</link>")
            + '<item xml:base="https://autre.ma/rubrique/"><title>b</title><link>b/</link>'
            "<guid>g/</guid></item>"
            + _item('<title>c</title><link xml:base="/section/">c/</link>')
            + '<item xml:base="javascript:alert(1)"><title>d</title><link>d/</link></item>'
            + '<item base="https://base.ma/x/"><title>e</title><link>e/</link></item>',
            channel="",
        ).replace(b"<channel>", b'<channel xml:base="https://www.site.ma/fr/">'),
    )
    yield Feed(
        "Atom links: rel, type, order",
        _atom(
            f'<entry><title>a</title><link rel="self" href="{BASE}/self"/>'
            f'<link href="{BASE}/first"/><link rel="alternate" href="{BASE}/second"/></entry>'
            f'<entry><title>b</title><link rel="alternate" type="application/pdf" href="{BASE}/p.pdf"/>'
            f"<id>{BASE}/by-id</id></entry>"
            f'<entry><title>c</title><id>tag:site.ma,2026:1</id><link rel="enclosure" href="{BASE}/e.mp3"/></entry>'
            f'<entry><title>d</title><id>{BASE}/id-first</id><link rel="ALTERNATE" type="TEXT/HTML" href="{BASE}/later"/></entry>'
            f'<entry><title>e</title><link rel="alternate" type="application/xhtml+xml" href="{BASE}/xhtml"/></entry>'
            f'<entry><title>f</title><link href=""/></entry>'
            f'<entry><title>g</title><link uri="{BASE}/uri-attribute"/></entry>'
            f"<entry><title>h</title><link>{BASE}/text-link</link></entry>"
            '<entry xml:base="https://autre.ma/"><title>i</title><link href="relatif"/></entry>'
        ),
        "application/atom+xml",
    )
    yield Feed(
        "Atom content and author",
        _atom(
            f'<entry><title>a</title><link href="{BASE}/a"/><content type="xhtml"><div '
            'xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div></content></entry>'
            f'<entry><title>b</title><link href="{BASE}/b"/><author><name>N</name>'
            "<email>n@site.ma</email></author><content>texte</content><summary>s</summary></entry>"
            f'<entry><title>c</title><link href="{BASE}/c"/><source><title>Autre</title></source></entry>'
        ),
        "application/atom+xml",
    )
    yield Feed(
        "rss 0.91 and rss without version",
        _rss(_item(f"<title>a</title><link>{BASE}/a</link>")).replace(b'"2.0"', b'"0.91"'),
    )
    yield Feed(
        "rss without version",
        _rss(_item(f"<title>a</title><link>{BASE}/a</link>")).replace(b' version="2.0"', b""),
    )
    yield Feed(
        "RSS 1.0 items without links",
        (
            '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>S</title></channel>'
            f'<item rdf:about="{BASE}/about"><title>a</title></item>'
            f'<item rdf:about="{BASE}/about2"><title>b</title><link>{BASE}/link2</link></item>'
            "<item><title>c</title></item></rdf:RDF>"
        ).encode(),
        "application/rdf+xml",
    )
    yield Feed(
        "RSS 0.90",
        (
            '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>S</title></channel>'
            f"<item><title>a</title><link>{BASE}/a</link></item></rdf:RDF>"
        ).encode(),
        "application/rdf+xml",
    )
    yield Feed(
        "RDF without an RSS namespace",
        (
            '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f"<item><title>a</title><link>{BASE}/a</link></item></rdf:RDF>"
        ).encode(),
    )
    yield Feed(
        "Atom 0.3",
        (
            '<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">'
            f'<entry><title>a</title><link rel="alternate" type="text/html" href="{BASE}/a"/>'
            "<issued>2026-11-19T10:00:00Z</issued><modified>2026-11-19T11:00:00Z</modified>"
            "</entry></feed>"
        ).encode(),
        "application/atom+xml",
    )
    yield Feed(
        "Atom feed declaring RSS 1.0 first",
        _atom(f'<entry><title>a&amp;b&lt;/i&gt;</title><link href="{BASE}/a"/></entry>').replace(
            b"<feed ", b'<feed xmlns:r="http://purl.org/rss/1.0/" ', 1
        ),
        "application/atom+xml",
    )
    media = 'xmlns:media="http://search.yahoo.com/mrss/"'
    yield Feed(
        "media:title, media:group, media:content holding markup",
        _rss(
            _item(f"<media:title>m</media:title><link>{BASE}/a</link>")
            + _item(f"<title>t</title><media:title>m</media:title><link>{BASE}/b</link>")
            + _item(
                f'<title>t</title><link>{BASE}/c</link><media:content url="{BASE}/c.jpg">'
                "<media:title>photo</media:title></media:content>"
            )
            + _item(f'<title>t</title><link>{BASE}/d</link><media:thumbnail url="{BASE}/d.jpg"/>'),
            head=media,
        ),
    )
    yield Feed(
        "unknown namespaces",
        _rss(
            _item(
                f"<title>a</title><link>{BASE}/a</link><x:extra>1</x:extra>"
                "<itunes:duration>10</itunes:duration>"
            ),
            head='xmlns:x="http://example.org/x" '
            'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"',
        ),
    )
    yield Feed(
        "a known prefix bound to an unknown namespace",
        _rss(
            _item(f"<title>a</title><link>{BASE}/a</link><dc:date>2026-11-19</dc:date>"),
            head='xmlns:dc="http://example.org/not-dublin-core"',
        ),
    )
    yield Feed(
        "a known prefix bound to another known namespace",
        _rss(
            _item(f"<title>a</title><link>{BASE}/a</link><dc:encoded>x</dc:encoded>"),
            head='xmlns:dc="http://purl.org/rss/1.0/modules/content/"',
        ),
    )
    yield Feed(
        "feedburner origLink, source, comments in text",
        _rss(
            _item(
                f"<title>a</title><link>{BASE}/a</link><feedburner:origLink>{BASE}/orig"
                "</feedburner:origLink>"
            )
            + _item(f'<title>b</title><link>{BASE}/b</link><source url="{BASE}/s">S</source>')
            + _item(f"<title>c<!-- note -->d</title><link>{BASE}/c</link>")
            + _item(f"<title>e</title><link>{BASE}/<?pi x?>e</link>"),
            head='xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"',
        ),
    )
    yield Feed(
        "HTML entities in XML",
        _rss(_item(f"<title>Caf&eacute;&nbsp;du&nbsp;march&eacute;</title><link>{BASE}/a</link>")),
    )
    yield Feed(
        "a DOCTYPE with entities",
        _rss(
            _item(f"<title>Caf&eacute;</title><link>{BASE}/a</link>"),
            declaration='<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY eacute "&#233;">]>',
        ),
    )
    yield Feed(
        "Netscape RSS 0.91 DOCTYPE",
        _rss(
            _item(f"<title>a</title><link>{BASE}/a</link>"),
            declaration='<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications'
            '//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">',
        ),
    )
    whole = _rss("".join(_item(f"<title>t{n}</title><link>{BASE}/{n}</link>") for n in range(5)))
    yield Feed("truncated", whole[:-60])
    yield Feed("truncated in an item", whole[: whole.index(b"/3<") + 2])
    yield Feed("garbage after the root", whole + b"<rss/>")
    yield Feed("an unclosed tag", whole.replace(b"<title>t2</title>", b"<title>t2"))
    yield Feed(
        "an HTML page",
        b"<!DOCTYPE html><html><head><title>x</title></head><body>y</body></html>",
        "text/html",
    )
    yield Feed("empty", b"")
    yield Feed("whitespace", b"  \n ")
    yield Feed("JSON", b'{"items": []}', "application/json")
    yield Feed(
        "a sitemap given as a feed", f"<urlset><url><loc>{BASE}/a</loc></url></urlset>".encode()
    )
    yield Feed(
        "an unknown root in a known namespace",
        b'<feed xmlns="http://purl.org/rss/1.0/"><item/></feed>',
    )
    yield Feed(
        "item attributes lastmod and href",
        _rss(f'<item href="{BASE}/cdf" lastmod="2026-11-19"><title>a</title></item>'),
    )
    yield Feed("an NUL byte", whole.replace(b"t1", b"t\x001"))
    yield Feed(
        "image inside an item",
        _rss(_item(f"<title>a</title><link>{BASE}/a</link><image><url>{BASE}/i.png</url></image>")),
    )
    yield Feed(
        "channel-level odd elements",
        _rss(
            _item(f"<title>a</title><link>{BASE}/a</link>"),
            channel="<skipHours><hour>1</hour></skipHours><cloud domain='x' port='80'/>",
        ),
    )
    plain = _rss(_item(f"<title>a</title><link>{BASE}/a</link>"))
    yield Feed("blank lines before the XML declaration", b"\n\n  " + plain)
    yield Feed("a BOM, then blank lines", codecs.BOM_UTF8 + b"\n" + plain)
    yield Feed(
        "a comment and a PI before the root",
        plain.replace(b"<rss", b"<!-- wp --><?xml-stylesheet href='s.xsl'?>\n<rss", 1),
    )
    yield Feed("a control character", plain.replace(b"<title>a", b"<title>a&#x1;"))
    yield Feed("a raw U+FFFE", plain.replace(b"<title>a", "<title>a\ufffe".encode()))
    yield Feed(
        "an undeclared prefix", plain.replace(b"<title>a</title>", b"<dc:title>a</dc:title>")
    )
    yield Feed("an empty namespace declaration", plain.replace(b"<item>", b'<item xmlns:dc="">'))
    yield Feed("an XML 1.1 declaration", plain.replace(b'version="1.0"', b'version="1.1"', 1))
    yield Feed(
        "deep markup in a description",
        _rss(
            _item(
                f"<title>a</title><link>{BASE}/a</link><description>"
                + "<div>" * 300
                + "x"
                + "</div>" * 300
                + "</description>"
            )
        ),
    )
    yield Feed(
        "items inside an RSS 1.0 channel",
        rss1(2).replace(
            b"</items></channel>",
            f"</items><item><title>i</title><link>{BASE}/i</link></item></channel>".encode(),
        ),
        "application/rdf+xml",
    )
    yield Feed(
        "an item inside an item",
        _rss(
            _item(
                f"<title>a</title><link>{BASE}/a</link>"
                + _item(f"<title>b</title><link>{BASE}/b</link>")
            )
        ),
    )
    yield Feed(
        "two channels",
        plain.replace(
            b"</channel></rss>",
            f"</channel><channel><title>2</title>{_item(f'<title>c</title><link>{BASE}/c</link>')}</channel></rss>".encode(),
        ),
    )
    yield Feed(
        "an unknown default namespace on an item",
        _rss(f'<item xmlns="http://example.org/x"><title>a</title><link>{BASE}/a</link></item>'),
    )
    yield Feed(
        "an attribute base in another namespace",
        _rss(
            '<item xmlns:y="http://example.org/y" y:base="https://y.ma/"><title>a</title><link>rel/</link></item>'
        ),
    )
    yield Feed("a relative base URL", wordpress_rss(2), url="/feed/")
    yield Feed("an empty base URL", _rss(_item("<title>a</title><link>a/</link>")), url="")
    yield Feed(
        "a base URL with dot segments",
        _rss(_item("<title>a</title><link>a/</link>")),
        url=f"{BASE}/x/../feed/",
    )


def _odd_encodings() -> Iterator[Feed]:
    arabic = "الرقمنة في المغرب"
    items = _item(f"<title>{arabic} — été</title><link>{BASE}/ar/{arabic}/</link>")
    text = f'<rss version="2.0"><channel><title>{arabic}</title>{items}</channel></rss>'
    yield Feed("UTF-8 with a BOM", codecs.BOM_UTF8 + _rss(items))
    yield Feed("UTF-8 BOM, no declaration", codecs.BOM_UTF8 + text.encode())
    yield Feed("no declaration, no charset", text.encode(), "application/xml")
    yield Feed("text/xml without a charset", _rss(items), "text/xml")
    yield Feed("text/html", _rss(items), "text/html; charset=utf-8")
    yield Feed("no content type", _rss(items), "")
    yield Feed("application/octet-stream", _rss(items), "application/octet-stream")
    for codec in ("utf-16", "utf-16-le", "utf-16-be"):
        declared = f'<?xml version="1.0" encoding="UTF-16"?>{text}'
        yield Feed(f"{codec} declared UTF-16", declared.encode(codec), "application/xml")
    yield Feed(
        "UTF-16 with a BOM, charset in the header",
        text.encode("utf-16"),
        "application/rss+xml; charset=utf-16",
    )
    yield Feed(
        "UTF-32",
        ('<?xml version="1.0" encoding="UTF-32"?>' + text).encode("utf-32"),
        "application/xml",
    )
    cp1256 = f'<?xml version="1.0" encoding="windows-1256"?>{text.replace("été", "")}'
    yield Feed("Windows-1256 declared", cp1256.encode("cp1256"), "application/rss+xml")
    yield Feed(
        "Windows-1256 in the header only",
        cp1256.replace('encoding="windows-1256"', "").encode("cp1256"),
        "application/rss+xml; charset=windows-1256",
    )
    yield Feed("Windows-1256 served as text/xml", cp1256.encode("cp1256"), "text/xml")
    yield Feed(
        "Windows-1256 declared UTF-8",
        cp1256.replace("windows-1256", "UTF-8").encode("cp1256"),
        "application/rss+xml",
    )
    yield Feed(
        "Windows-1256 header, UTF-8 body", _rss(items), "application/rss+xml; charset=windows-1256"
    )
    latin = f'<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>x</title><item><title>Marché été</title><link>{BASE}/é/</link></item></channel></rss>'
    yield Feed("ISO-8859-1 declared", latin.encode("latin-1"))
    yield Feed(
        "Latin-1 bytes declared UTF-8", latin.replace("ISO-8859-1", "UTF-8").encode("latin-1")
    )
    yield Feed(
        "Windows-1252 bytes declared UTF-8",
        latin.replace("ISO-8859-1", "UTF-8").replace("Marché", "Marché – “x”").encode("cp1252"),
    )
    yield Feed("UTF-8 declared ISO-8859-1", latin.encode("utf-8"))
    yield Feed("an unknown charset", _rss(items), "application/rss+xml; charset=x-unknown-42")
    yield Feed(
        "GB2312 declared",
        latin.replace("ISO-8859-1", "gb2312").replace("Marché été", "数字").encode("gb18030"),
    )
    yield Feed("mojibake title", _rss(_item(f"<title>MarchÃ© Ã©tÃ©</title><link>{BASE}/m</link>")))


# Sitemaps: the reading before its single pass over each <url> (kept as the reference the
# current one must equal), a news sitemap as news sites serve them, and odd ones.


def parse_sitemap_before(body: bytes, base_url: str) -> Discovery:
    """crawler.discovery.discover.parse_sitemap as it was before (findtext per field)."""
    result = Discovery()
    if body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip(body)
        except ValueError as exc:
            result.problem = str(exc)
            return result
        except (OSError, EOFError) as exc:
            result.problem = f"corrupt gzipped sitemap ({exc})"
            return result
    if len(body) > MAX_XML_BYTES:
        result.problem = f"sitemap larger than {MAX_XML_BYTES} bytes, ignored"
        return result
    parser = _xml_parser()
    try:
        root = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError as exc:
        result.problem = f"malformed sitemap ({exc})"
        return result
    if root is None:
        result.problem = "empty or unparsable sitemap"
        return result
    if parser.error_log and any(e.level >= 3 for e in parser.error_log):
        result.problem = f"malformed sitemap ({parser.error_log[0].message})"
    tag = lxml.etree.QName(root).localname
    if tag == "sitemapindex":
        for loc in root.iter(f"{_SITEMAP_NS}loc", "loc"):
            if loc.text and loc.text.strip():
                result.sitemaps.append(urljoin(base_url, loc.text.strip()))
        return result
    if tag != "urlset":
        result.problem = f"not a sitemap (root element <{tag}>)"
        return result
    for url in root:
        if not isinstance(url.tag, str) or lxml.etree.QName(url).localname != "url":
            continue
        loc = url.findtext(f"{_SITEMAP_NS}loc") or url.findtext("loc")
        if not loc or not loc.strip():
            continue
        title = url.findtext(f"{_NEWS_NS}news/{_NEWS_NS}title")
        published = url.findtext(f"{_NEWS_NS}news/{_NEWS_NS}publication_date")
        modified = url.findtext(f"{_SITEMAP_NS}lastmod") or url.findtext("lastmod")
        result.links.append(
            Link(
                urljoin(base_url, loc.strip()),
                title,
                published,
                modified.strip() if modified else None,
            )
        )
    return result


SITEMAP_URL = BASE + "/sitemap-news.xml"
_URLSET = (
    '<?xml version="1.0" encoding="UTF-8"?><urlset '
    'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
    'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" '
    'xmlns:xhtml="http://www.w3.org/1999/xhtml">{}</urlset>'
)


def news_sitemap(urls: int, arabic: bool = False, seed: int = 5) -> bytes:
    """A Google News sitemap as WordPress plugins and Arc XP write it: news:news with its
    publication, an image, the other language's address."""
    rng = random.Random(seed)
    words = AR_WORDS if arabic else FR_WORDS
    entries = "".join(
        f"<url>\n<loc>{BASE}/2026/11/{19 - n % 9:02d}/{_slug(rng, arabic, n)}/</loc>\n"
        f"<news:news><news:publication><news:name>Site</news:name><news:language>"
        f"{'ar' if arabic else 'fr'}</news:language></news:publication>"
        f"<news:publication_date>2026-11-{19 - n % 9:02d}T{n % 24:02d}:00:00+01:00"
        f"</news:publication_date><news:title><![CDATA[{_words(rng, words, 10)}]]></news:title>"
        f"</news:news>\n<image:image><image:loc>{BASE}/wp-content/{n}.jpg</image:loc></image:image>"
        f'<xhtml:link rel="alternate" hreflang="en" href="{BASE}/en/{n}/"/>'
        f"<lastmod>2026-11-{19 - n % 9:02d}T{n % 24:02d}:05:00+01:00</lastmod></url>\n"
        for n in range(urls)
    )
    return _URLSET.format(entries).encode()


def odd_sitemaps() -> Iterator[tuple[str, bytes]]:
    """Sitemaps off the common shape: where each field is found, or not."""
    sm = "http://www.sitemaps.org/schemas/sitemap/0.9"
    news = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    cases = {
        "no namespace": f"<url><loc>{BASE}/a</loc><lastmod>2026-11-19</lastmod></url>",
        "an empty loc, then a bare one": "<url><loc></loc><lastmod> 1 </lastmod></url>",
        "two locs": f"<url><loc>{BASE}/1</loc><loc>{BASE}/2</loc></url>",
        "a loc of spaces": "<url><loc>   </loc></url>",
        "a relative loc": "<url><loc> /relatif/a </loc></url>",
        "a comment in a loc": f"<url><loc><!-- c -->{BASE}/c</loc></url>",
        "text split by a comment": f"<url><loc>{BASE}/d<!-- c -->e</loc></url>",
        "no loc": "<url><lastmod>2026-11-19</lastmod></url>",
        "two news, the first without a title": (
            "<url><loc>/n</loc><news:news><news:publication_date>d1</news:publication_date>"
            "</news:news><news:news><news:title>t2</news:title><news:title>t3</news:title>"
            "<news:publication_date>d2</news:publication_date></news:news></url>"
        ),
        "an empty news title": "<url><loc>/e</loc><news:news><news:title/></news:news></url>",
        "a title outside news": "<url><loc>/o</loc><news:title>out</news:title></url>",
        "an empty lastmod, then a bare one": "<url><loc>/l</loc><lastmod></lastmod></url>",
        "url in another namespace": '<x:url xmlns:x="http://x"><x:loc>/x</x:loc></x:url>',
        "a comment between urls": "<!-- c --><url><loc>/after</loc></url>",
        "nested elements in a loc": "<url><loc><b>/b</b></loc></url>",
    }
    for name, entries in cases.items():
        yield name, f'<urlset xmlns="{sm}" {news}>{entries}</urlset>'.encode()
        yield f"{name}, no default namespace", f"<urlset {news}>{entries}</urlset>".encode()
    yield (
        "mixed namespaces",
        (
            f'<urlset xmlns:s="{sm}"><url><s:loc>/s</s:loc><loc>/bare</loc>'
            "<lastmod> bare </lastmod><s:lastmod/></url></urlset>"
        ).encode(),
    )
    yield (
        "a sitemap index",
        (
            f'<sitemapindex xmlns="{sm}"><sitemap><loc>/a.xml</loc></sitemap>'
            "<sitemap><loc> </loc></sitemap><sitemap><loc>https://x.ma/b.xml</loc></sitemap>"
            "</sitemapindex>"
        ).encode(),
    )
    whole = news_sitemap(5)
    yield "truncated", whole[: len(whole) * 2 // 3]
    yield "gzipped", gzip.compress(whole)
    yield "an RSS feed", b'<rss version="2.0"><channel></channel></rss>'
    yield "empty", b""
