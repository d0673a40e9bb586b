"""Serve the bundled fixture news sites on 127.0.0.1, for `veille demo` and the tests.

Each site is a folder of static files written as a real WordPress site would serve them, with
`{{BASE}}` standing for the site's own address (and `{{ALIAS}}` for the same server under the
host name `localhost`, a second host of one site), plus an optional `_routes.yaml` for what files
cannot express: status codes, redirects, a page answering under a `?p=` shortlink, a content type
or charset given only in the HTTP header, gzip (as a `.gz` file or as Content-Encoding), a page
that fails its first requests and then answers.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

DEMO_SITES_ROOT = Path(str(resources.files("monitors.demo") / "site"))
PLACEHOLDER = "{{BASE}}"
ALIAS_PLACEHOLDER = "{{ALIAS}}"


@dataclass
class Request:
    """One request a fixture site received (tests count and inspect them)."""

    path: str
    headers: dict[str, str]


@dataclass
class ServedSite:
    name: str
    root: Path
    server: ThreadingHTTPServer
    requests: list[Request] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        name = str(host)
        return f"http://[{name}]:{port}" if ":" in name else f"http://{name}:{port}"

    @property
    def alias_url(self) -> str:
        return f"http://localhost:{self.server.server_address[1]}"

    def render(self, body: bytes) -> bytes:
        """A file's bytes with the site's addresses in place of the placeholders."""
        body = body.replace(PLACEHOLDER.encode(), self.base_url.encode())
        return body.replace(ALIAS_PLACEHOLDER.encode(), self.alias_url.encode())


def _content_type(path: Path) -> str:
    if path.suffix == ".xml":
        return "application/rss+xml; charset=UTF-8" if "feed" in path.parts else "application/xml"
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed and guessed.startswith("text/"):
        return f"{guessed}; charset=UTF-8"
    return guessed or "application/octet-stream"


def _make_handler(site: ServedSite, routes: dict) -> type[BaseHTTPRequestHandler]:
    failures_left = {key: int(route.get("fail_first", 0)) for key, route in routes.items()}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        server_version = "nginx"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            return

        def _send(
            self,
            status: int,
            body: bytes = b"",
            content_type: str = "text/html",
            extra: dict | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _file(self, relative: str) -> Path | None:
            candidate = (site.root / relative.lstrip("/")).resolve()
            if site.root.resolve() not in candidate.parents and candidate != site.root.resolve():
                return None
            if candidate.is_dir():
                for index in ("index.html", "index.xml"):
                    if (candidate / index).is_file():
                        return candidate / index
                return None
            return candidate if candidate.is_file() else None

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            site.requests.append(Request(self.path, dict(self.headers.items())))
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            key = path + (f"?{parts.query}" if parts.query else "")
            route_key = next((k for k in (key, path.rstrip("/"), path) if k in routes), None)
            route = routes.get(route_key) if route_key else None
            if route and route.get("fail_first"):
                with lock:
                    failing = failures_left[route_key] > 0
                    failures_left[route_key] -= failing
                if failing:
                    status = int(route.get("status", 500))
                    self._send(
                        status, f"<html><body><h1>Error {status}</h1></body></html>".encode()
                    )
                    return
                path = "/" + route["file"]
                route = None
            if route:
                if route.get("hang"):  # a server that accepts and never answers
                    time.sleep(float(route.get("seconds", 3600)))
                    return
                if "redirect" in route:
                    self.send_response(int(route.get("status", 301)))
                    self.send_header("Location", site.base_url + route["redirect"])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if "file" in route and ("content_type" in route or "gzip" in route):
                    self._send_file(route)
                    return
                if "file" in route:
                    path = "/" + route["file"]
                else:
                    status = int(route.get("status", 200))
                    body = route.get("body", f"<html><body><h1>Error {status}</h1></body></html>")
                    self._send(status, body.encode("utf-8"))
                    return
            found = self._file(path)
            if found is None or found.name.startswith("_"):
                self._send(
                    404, b"<html><body><h1>404 Not Found</h1><p>Page introuvable.</p></body></html>"
                )
                return
            body = site.render(found.read_bytes())
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            modified = formatdate(found.stat().st_mtime, usegmt=True)
            if self.headers.get("If-None-Match") == etag or (
                "If-None-Match" not in self.headers
                and self.headers.get("If-Modified-Since") == modified
            ):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.end_headers()
                return
            self._send(200, body, _content_type(found), {"ETag": etag, "Last-Modified": modified})

        def _send_file(self, route: dict) -> None:
            """A file with the route's own content type, gzipped as a file or in transit."""
            found = self._file(route["file"])
            if found is None:
                self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>")
                return
            body = site.render(found.read_bytes())
            extra = {}
            if route.get("gzip") in ("file", "encoding"):
                body = gzip.compress(body, mtime=0)
            if route.get("gzip") == "encoding":
                extra["Content-Encoding"] = "gzip"
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            extra["ETag"] = etag
            self._send(200, body, route.get("content_type", _content_type(found)), extra)

        do_HEAD = do_GET

    return Handler


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def serve_site(
    root: Path, host: str = "127.0.0.1", port: int = 0, sock: socket.socket | None = None
) -> ServedSite:
    """Start serving one fixture site in a background thread; stop it with `stop_sites`.

    `sock`, a socket the caller has already bound (host and port are then its own), is served
    as it is: a port held where nothing listened (a site not online yet) goes straight to
    listening, never free in between for another program to take."""
    routes_file = root / "_routes.yaml"
    routes = yaml.safe_load(routes_file.read_text(encoding="utf-8")) if routes_file.exists() else {}
    site = ServedSite(name=root.name, root=root, server=None)  # type: ignore[arg-type]
    if sock is not None:
        host, port = sock.getsockname()[:2]
    server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
    handler = _make_handler(site, routes or {})
    if sock is None:
        site.server = server_class((host, port), handler)
    else:
        site.server = server_class((host, port), handler, bind_and_activate=False)
        site.server.socket.close()  # the one it made, unbound
        site.server.socket = sock
        site.server.server_address = sock.getsockname()
        site.server.server_activate()  # listen
    site.server.daemon_threads = True
    threading.Thread(
        target=site.server.serve_forever, name=f"site-{root.name}", daemon=True
    ).start()
    return site


def serve_demo_sites(root: Path = DEMO_SITES_ROOT) -> dict[str, ServedSite]:
    """Serve every bundled site, each on its own free loopback port, keyed by folder name."""
    return {p.name: serve_site(p) for p in sorted(root.iterdir()) if p.is_dir()}


def stop_sites(sites: dict[str, ServedSite]) -> None:
    for site in sites.values():
        site.server.shutdown()
        site.server.server_close()


def render_sources(template: Path, sites: dict[str, ServedSite]) -> str:
    """Fill a sources template's {{BASE:site}} placeholders with the served sites' addresses."""
    text = template.read_text(encoding="utf-8")
    for name, site in sites.items():
        text = text.replace("{{BASE:" + name + "}}", site.base_url)
    return text
