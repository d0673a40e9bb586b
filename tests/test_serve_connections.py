"""`veille serve`'s connections: what a browser's request meets before the reader's own code, in
uvicorn and asyncio, on the socket veille serve makes itself (monitors/cli/serve.py)."""

from __future__ import annotations

import asyncio
import socket
import time
import urllib.parse

import pytest

from crawler.storage import store
from monitors.cli.serve import _listening_socket

from .reader_client import serving


def test_each_connection_sends_without_waiting_for_an_acknowledgement():
    """asyncio turns Nagle's algorithm off on the connections it accepts only on a socket that
    names TCP: veille serve's named none, so a page written in two sends (uvicorn's head, then
    its body) waited for a kept-alive browser's delayed acknowledgement, about 40 ms a page."""
    listening = _listening_socket("127.0.0.1", 0)
    port = listening.getsockname()[1]

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):  # type: ignore[override]
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            nodelay = await asyncio.wait_for(accepted, 30)
            writer.close()
            return nodelay
        finally:
            server.close()

    assert asyncio.run(accept_one()) != 0


@pytest.mark.slow  # end-to-end: `veille serve` in its own process
def test_a_pasted_text_arriving_in_pieces_gets_the_searchs_own_refusal(tmp_path):
    """A text pasted in the search box (2,000 Arabic words: 86 KB of address) is refused by the
    search in the page's language. Past 16 KB, h11 (uvicorn's parser) answered a bare 400
    instead whenever the request's head came in more than one read, as TCP may cut it: here the
    first 20 KB and the rest, a moment apart."""
    pasted = " ".join(["الوزارة"] * 2000)
    query = urllib.parse.urlencode({"q": pasted, "lang": "fr"})
    store.open_database(tmp_path / "v.db").close()
    with serving(tmp_path / "v.db") as base:
        host, port = urllib.parse.urlsplit(base).netloc.split(":")
        head = f"GET /search?{query} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
        request = head.encode("ascii")
        with socket.create_connection((host, int(port)), timeout=60) as client:
            client.sendall(request[: 20 * 1024])
            time.sleep(0.3)  # the server reads the first piece alone (a failure needs it)
            client.sendall(request[20 * 1024 :])
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
    status_line, _, _ = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK", answer[:300]
    assert (
        "la recherche est trop longue (15\u202f999 caractères, 2\u202f000 mots)" in answer.decode()
    )
