"""What the benchmarks' simulated news sites share: answering one HTTP request per connection
with ETags (304 when the client has the page), and the process tree read from /proc, to measure
a daemon and its crawl processes."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Callable

Page = tuple[bytes, str]  # body, content type


async def answer(reader, writer, page: Callable[[str, dict[str, str]], Page | None]) -> None:
    """Answer one request with `page(path, headers)` (None: 404); every page carries an ETag,
    and a request that names it gets 304 without the body."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    path = parts[1] if len(parts) > 1 else "/"
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    found = page(path, headers)
    etag = None
    if found is None:
        status, body, kind = "404 Not Found", b"not found", "text/plain"
    else:
        body, kind = found
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        status = "200 OK"
        if headers.get("if-none-match") == etag:
            status, body = "304 Not Modified", b""
    response = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    response += f"Content-Type: {kind}\r\n" + (f"ETag: {etag}\r\n" if etag else "") + "\r\n"
    writer.write(response.encode() + body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    writer.close()


def children_by_parent() -> dict[int, list[int]]:
    """Every live process's children, by parent pid (from /proc/PID/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    return children
