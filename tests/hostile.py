"""A hostile web site on loopback, for the fault-injection tests: slow drips, connection resets,
500 storms, XML bombs, wrong encodings, redirect loops, gzip bombs, pages that never answer."""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARABIC_TEXT = (
    "أعلنت الوزارة المكلفة بالانتقال الرقمي عن إطلاق منصة وطنية جديدة لتبادل المعطيات بين الإدارات العمومية، "
    "في إطار تعزيز السيادة الرقمية للمملكة. وأوضح بلاغ للوزارة أن المنصة ستمكن من تقليص آجال معالجة الملفات "
    "وتحسين جودة الخدمات المقدمة للمواطنين والمقاولات، مع احترام صارم لقواعد حماية المعطيات الشخصية."
)
FRENCH_TEXT = (
    "Le conseil d'administration de l'Agence de développement du digital a validé la création d'un fonds "
    "d'amorçage de cent millions de dirhams destiné aux jeunes pousses technologiques. Les premières "
    "décisions d'investissement seront annoncées à l'été, a précisé le directeur général, qui a également "
    "évoqué l'ouverture d'antennes régionales à Oujda, Agadir et Fès. Coût total : 100 € symboliques par dossier."
)
ENGLISH_TEXT = (
    "The national digital agency approved a new seed fund for technology start-ups on Tuesday. The first "
    "investment decisions are expected in the summer, the director general said, adding that regional "
    "offices will open in Oujda, Agadir and Fez before the end of the year, with a focus on green tech."
)


def page(title: str, text: str, charset_meta: str | None = None, lang: str = "fr") -> str:
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">'
        if charset_meta
        else ""
    )
    return (
        f"<html lang='{lang}'><head>{meta}<title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{text}</p><p>{text}</p></article></body></html>"
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
ARTICLES = [
    "/ar-1256",
    "/fr-8859",
    "/en-undeclared",
    "/drip",
    "/reset",
    "/huge",
    "/gzip-bomb",
    "/loop-a",
    "/to-metadata",
    "/hang",
] + [f"/storm/{i}" for i in range(25)]


class HostileSite:
    def __init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def send(self, status, body: bytes, ctype="text/html; charset=utf-8", extra=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                outer.hits.append(self.path)
                base = outer.base_url
                path = self.path
                if path == "/robots.txt":
                    return self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
                if path == "/feed":
                    items = "".join(
                        f"<item><title>x</title><link>{base}{a}</link></item>" for a in ARTICLES
                    )
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>{items}</channel></rss>'
                    return self.send(200, body.encode(), "application/rss+xml")
                if path == "/feed-then-held":  # two good articles, then one that never answers
                    links = [f"{base}/fr-8859", f"{base}/ar-1256", f"{base}/held"]
                    items = "".join(f"<item><title>x</title><link>{u}</link></item>" for u in links)
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>{items}</channel></rss>'
                    return self.send(200, body.encode(), "application/rss+xml")
                if path == "/escape-index":  # a sitemap index pointing off the web
                    children = [
                        "file:///etc/passwd",
                        "file:///dev/zero",
                        "data:text/xml;base64,PHVybHNldC8+",
                        "http://100.64.0.1/sitemap.xml",
                        f"{base}/good-sitemap",
                    ]
                    locs = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
                    body = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</sitemapindex>'
                    return self.send(200, body.encode(), "application/xml")
                if path == "/good-sitemap":
                    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/fr-8859</loc></url></urlset>'
                    return self.send(200, body.encode(), "application/xml")
                if path == "/heavy-feed":  # a page of 700,000 small elements, then a good one
                    links = [f"{base}/many-elements", f"{base}/fr-8859"]
                    items = "".join(f"<item><title>x</title><link>{u}</link></item>" for u in links)
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>{items}</channel></rss>'
                    return self.send(200, body.encode(), "application/rss+xml")
                if path == "/many-elements":
                    return self.send(200, outer.many_elements)
                if path == "/bad-port-feed":  # unusable links first, a good one after them
                    links = [
                        "http://127.0.0.1:99999/a-la-une-1",
                        "http://[::1/article-cassé-2",
                        f"{base}/en-undeclared",
                    ]
                    items = "".join(f"<item><title>x</title><link>{u}</link></item>" for u in links)
                    # an item known by its guid alone, and that guid not an address at all
                    items += '<item><title>y</title><guid isPermaLink="false">http://[::1/guid-cassé</guid></item>'
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>{items}</channel></rss>'
                    return self.send(200, body.encode(), "application/rss+xml")
                if path == "/long-link-feed":  # an Arabic slug past URLLENGTH_LIMIT, escaped
                    slug = "-".join(["السيادة-الرقمية-للمملكة"] * 20)
                    links = [f"{base}/{slug}-1", f"{base}/fr-8859"]
                    items = "".join(f"<item><title>x</title><link>{u}</link></item>" for u in links)
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>{items}</channel></rss>'
                    return self.send(200, body.encode(), "application/rss+xml")
                if path == "/bomb-feed":
                    return self.send(
                        200,
                        BILLION_LAUGHS
                        + b'<rss version="2.0"><channel><title>&lol9;</title></channel></rss>',
                        "application/rss+xml",
                    )
                if path == "/bomb-sitemap":
                    return self.send(
                        200,
                        BILLION_LAUGHS
                        + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>',
                        "application/xml",
                    )
                if path == "/ar-1256":
                    body = page("السيادة الرقمية", ARABIC_TEXT, lang="ar").encode("cp1256")
                    return self.send(200, body, "text/html; charset=windows-1256")
                if path == "/fr-8859":
                    body = page("Fonds d'amorçage", FRENCH_TEXT, charset_meta="iso-8859-15").encode(
                        "iso-8859-15"
                    )
                    return self.send(200, body, "text/html")
                if path == "/en-undeclared":
                    return self.send(
                        200, page("Seed fund", ENGLISH_TEXT, lang="en").encode(), "text/html"
                    )
                if path == "/drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    for _ in range(600):
                        try:
                            self.wfile.write(b"<p>.</p>")
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.5)
                    return
                if path == "/reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    return
                if path == "/huge":
                    return self.send(
                        200, b"<html><body>" + b"<p>bla bla</p>" * 400_000 + b"</body></html>"
                    )
                if path == "/huge-unannounced":  # no Content-Length: the size shows as it comes
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    with contextlib.suppress(OSError):
                        self.wfile.write(b"<html><body>" + b"<p>bla bla</p>" * 150_000)
                    return
                if path == "/huge-feed":
                    links = [f"{base}/huge-unannounced", f"{base}/huge"]
                    items = "".join(f"<item><title>x</title><link>{u}</link></item>" for u in links)
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>{items}</channel></rss>'
                    return self.send(200, body.encode(), "application/rss+xml")
                if path == "/gzip-bomb":
                    return self.send(200, outer.bomb, "text/html", {"Content-Encoding": "gzip"})
                if path in ("/loop-a", "/loop-b"):
                    target = "/loop-b" if path == "/loop-a" else "/loop-a"
                    self.send_response(302)
                    self.send_header("Location", base + target)
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                if path == "/to-metadata":
                    self.send_response(302)
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                if path == "/hang":
                    time.sleep(3600)
                    return
                if path == "/held":  # hangs until the test lets it end (without an answer)
                    outer.released.wait(3600)
                    return
                if path.startswith("/storm/"):
                    return self.send(500, b"<h1>500</h1>")
                return self.send(404, b"not found")

        self.hits: list[str] = []
        self.released = threading.Event()  # ends the downloads of /held
        self.many_elements = (
            b"<html><body><article>" + b"<span>x</span>" * 680_000 + b"</article></body></html>"
        )
        self.bomb = gzip.compress(b"\0" * 60_000_000, compresslevel=9)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


class DripSite:
    """A server that answers one byte a second, for up to `seconds`: `/drip` sends its headers
    at once and drips the body (an HTML page); `/drip-head` drips the status line itself. Every
    read succeeds, so only a limit on the whole exchange ends the fetch. `open_requests` counts
    the answers still being dripped (a client that gave up is seen at the next write);
    `stop()` hangs up on them, so a fetch still reading one ends then, whatever its deadline."""

    def __init__(self, seconds: float = 120) -> None:
        outer = self
        self.open_requests = 0
        self._lock = threading.Lock()
        self._dripping: set[socket.socket] = set()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def _drip(self, data: bytes) -> None:
                end = time.monotonic() + seconds
                for i in range(len(data)):
                    if time.monotonic() > end:
                        return
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    time.sleep(1)

            def do_GET(self):  # noqa: N802
                with outer._lock:
                    outer.open_requests += 1
                    outer._dripping.add(self.connection)
                try:
                    page = b"<html><head><title>Goutte</title></head><body>" + b"<p>x</p>" * 500
                    if self.path == "/drip-head":
                        self._drip(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + page)
                    else:
                        self.send_response(200)
                        self.send_header("Content-Type", "text/html; charset=utf-8")
                        self.end_headers()
                        self.wfile.flush()
                        self._drip(page)
                except OSError:
                    pass  # the client hung up: what a deadline does
                finally:
                    with outer._lock:
                        outer.open_requests -= 1
                        outer._dripping.discard(self.connection)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        with self._lock:
            dripping = list(self._dripping)
        for connection in dripping:  # the client reads the end of the answer now
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server.server_close()
