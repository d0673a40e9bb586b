"""Article pages for the benchmarks: distinct articles in the fixture sites' templates.

The bodies are the syndication stories of the test fixtures (French and Arabic, each with 2 to 6
edited copies, as wire copy is republished) plus articles assembled from their sentences, so most
pages are distinct stories and some are copies, as on a real day. Each page is written into the
template of a fixture site, with its boilerplate: cookie banner, menu, ticker, share bar, "Lire
aussi", paywall footer, related posts, most read, comments, footer.

Two weights: `fixture` keeps the templates as they are (about 7 KB, 100 elements, lighter than
any real news site), `full` adds what real pages also carry: a long menu, a longer ticker, a
sidebar of teasers, a footer of links, inline configuration and tracking scripts, JSON-LD.
"""

from __future__ import annotations

import html
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitors.demo.sites import DEMO_SITES_ROOT  # noqa: E402
from tests.syndication import STORIES, syndication_set  # noqa: E402

BASE = "https://site.ma"
TEMPLATES = {
    "fr": DEMO_SITES_ROOT / "lequotidien/2026/11/19/um6p-supercalculateur-benguerir/index.html",
    "ar": DEMO_SITES_ROOT / "alkhabar/2026/11/19/الذكاء-الاصطناعي-الدارجة/index.html",
}
READ_ALSO = {
    "fr": '<div class="lire-aussi wp-block-related"><strong>Lire aussi :</strong> '
    '<a href="{base}/2026/10/28/teaser-{n}/">Dossier : les chantiers du numérique en 2027</a></div>',
    "ar": '<div class="related-inline read-also"><strong>اقرأ أيضا: </strong>'
    '<a href="{base}/2026/10/28/{n}/">ملف: أوراش التحول الرقمي في 2027</a></div>',
}
TEASERS = {
    "fr": [
        "Bourse de Casablanca : le MASI termine la séance en hausse",
        "Météo : fortes pluies attendues sur le Nord du Royaume",
        "Loi de finances 2027 : ce qui change pour les ménages",
        "Botola Pro : le derby se jouera à huis clos",
        "Tourisme : record d'arrivées à Marrakech en octobre",
    ],
    "ar": [
        "بورصة الدار البيضاء تنهي تداولاتها على وقع الارتفاع",
        "أمطار رعدية مرتقبة بعدد من مناطق المملكة",
        "قانون المالية 2027: ما الذي سيتغير؟",
        "البطولة الاحترافية: الديربي بدون جمهور",
        "السياحة: رقم قياسي للوافدين على مراكش",
    ],
}


@dataclass(frozen=True)
class Page:
    url: str
    html: str
    language: str


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def _bodies(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(language, title, text): the syndication set, then articles assembled from its sentences."""
    bodies = [(c.lang, c.title, c.text) for c in syndication_set()]
    pool: dict[str, list[str]] = {}
    for story in STORIES["syndicated"] + STORIES["distinct"]:
        pool.setdefault(story["lang"], []).extend(_sentences(story["text"]))
    while len(bodies) < count:
        lang = rng.choice(["fr", "fr", "ar"])
        chosen = rng.sample(pool[lang], rng.randint(7, 11))
        title = " ".join(chosen[0].split()[:9]).rstrip(",.;:")
        bodies.append((lang, title, " ".join(chosen)))
    return bodies[:count]


def _heavier(page: str, lang: str, n: int, rng: random.Random) -> str:
    teasers = TEASERS[lang]
    links = "".join(
        f'<li class="menu-item"><a href="{BASE}/rubrique-{i}/">{html.escape(teasers[i % 5].split()[0])} {i}</a></li>'
        for i in range(60)
    )
    ticker = "".join(
        f'<li><a href="{BASE}/2026/11/{i % 28 + 1:02d}/depeche-{n}-{i}/">{html.escape(teasers[i % 5])}</a></li>'
        for i in range(15)
    )
    sidebar = "".join(
        f'<div class="widget-post"><a href="{BASE}/2026/10/{i % 28 + 1:02d}/a-{i}/">'
        f'<img src="{BASE}/wp-content/uploads/2026/10/img-{i}.jpg" alt="" width="300" height="200">'
        f'<span class="widget-title">{html.escape(teasers[i % 5])}</span></a>'
        f'<span class="widget-date">il y a {i + 1} h</span></div>'
        for i in range(20)
    )
    footer = "".join(
        f'<div class="footer-col"><h4>{html.escape(teasers[c])}</h4><ul>'
        + "".join(f'<li><a href="{BASE}/page-{c}-{i}/">Lien {c}.{i}</a></li>' for i in range(10))
        + "</ul></div>"
        for c in range(4)
    )
    config = json.dumps(
        {
            "ads": [
                {
                    "slot": f"/2134/site/article-{i}",
                    "sizes": [[300, 250], [728, 90]],
                    "targeting": {"pos": i},
                }
                for i in range(40)
            ],
            "consent": {"vendors": list(range(300))},
            "page": {"id": n, "seed": rng.random()},
        }
    )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "publisher": {"@type": "Organization", "name": "Site"},
        }
    )
    page = page.replace("</ul>", links + "</ul>", 1)  # the main menu is the first list
    page = re.sub(
        r"(<ul[^>]*>)(\s*<li><a href=\"[^\"]*/2026/11/01/)", r"\1" + ticker + r"\2", page, count=1
    )
    page = page.replace("</aside>", sidebar + "</aside>", 1)
    head, _, tail = page.rpartition("</footer>")
    page = head + footer + "</footer>" + tail
    scripts = (
        f'<script type="application/ld+json">{ld}</script>'
        f"<script>window.__CONFIG__ = {config};</script>"
        '<script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script>'
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
        "gtag('js',new Date());gtag('config','G-XXXX');</script>"
    )
    return page.replace("</body>", scripts + "</body>", 1)


def bench_pages(count: int = 400, weight: str = "fixture", seed: int = 7) -> list[Page]:
    """`count` article pages at one weight ("fixture" or "full"), the same for the same seed."""
    rng = random.Random(seed)
    templates = {lang: path.read_text(encoding="utf-8") for lang, path in TEMPLATES.items()}
    pages = []
    for n, (lang, title, text) in enumerate(_bodies(count, rng)):
        slug = f"2026/11/{n % 28 + 1:02d}/article-{n}"
        url = f"{BASE}/{slug}/"
        sentences = _sentences(text)
        per = max(1, len(sentences) // 3)
        paragraphs = [" ".join(sentences[i : i + per]) for i in range(0, len(sentences), per)]
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs[:2])
        body += READ_ALSO[lang].format(base=BASE, n=n)
        body += "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs[2:])
        page = templates[lang].replace("{{BASE}}", BASE)
        escaped = html.escape(title)
        page = re.sub(r"<title>.*?</title>", f"<title>{escaped}</title>", page, count=1)
        page = re.sub(r'(rel="canonical" href=")[^"]*', r"\g<1>" + url, page)
        page = re.sub(r'(property="og:url" content=")[^"]*', r"\g<1>" + url, page)
        page = re.sub(r'(property="og:title" content=")[^"]*', r"\g<1>" + escaped, page)
        page = re.sub(r'(name="description" content=")[^"]*', r"\g<1>" + escaped, page)
        page = re.sub(r'(property="og:description" content=")[^"]*', r"\g<1>" + escaped, page)
        page = re.sub(r"(<h1[^>]*>).*?(</h1>)", r"\g<1>" + escaped + r"\g<2>", page, count=1)
        page = re.sub(
            r'(<div class="entry-content">).*?(</div>\s*(?:</article>|<div class="paywall|<div class="post-tags))',
            lambda m, body=body: m.group(1) + body + m.group(2),
            page,
            count=1,
            flags=re.DOTALL,
        )
        if weight == "full":
            page = _heavier(page, lang, n, rng)
        pages.append(Page(url, page, lang))
    return pages
