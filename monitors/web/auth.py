"""Who may read the web view. On loopback, whoever is on the machine. Beyond it, only with a
login: a team password kept hashed in the secrets file (HTTP Basic, which browsers and feed
readers both speak), or a reverse proxy that authenticates and passes the user in a header.
The server refuses to listen beyond loopback with neither."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from starlette.concurrency import run_in_threadpool

from crawler.core.errors import VeilleError

PASSWORD_HASH_KEY = "VEILLE_WEB_PASSWORD_HASH"
DEFAULT_PROXY_HEADER = "X-Forwarded-User"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_REALM = 'Basic realm="veille", charset="UTF-8"'


def hash_password(password: str) -> str:
    """scrypt$N$r$p$salt$hash, for VEILLE_WEB_PASSWORD_HASH (`veille serve --hash-password`)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    encode = base64.b64encode
    return (
        f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}$"
        f"{encode(salt).decode()}${encode(digest).decode()}"
    )


def check_password_hash(encoded: str) -> None:
    """A VeilleError (never showing the value) when the stored hash is not one we wrote."""
    try:
        _parse(encoded)
    except (ValueError, binascii.Error):
        raise VeilleError(
            f"{PASSWORD_HASH_KEY} is not a password hash made by `veille serve "
            "--hash-password` (scrypt$N$r$p$salt$hash); make one and put it in the secrets file"
        ) from None


def _parse(encoded: str) -> tuple[dict[str, int], bytes, bytes]:
    scheme, n, r, p, salt, digest = encoded.strip().split("$")
    if scheme != "scrypt":
        raise ValueError(scheme)
    params = {"n": int(n), "r": int(r), "p": int(p)}
    return params, base64.b64decode(salt, validate=True), base64.b64decode(digest, validate=True)


def verify_password(password: str, encoded: str) -> bool:
    params, salt, digest = _parse(encoded)
    candidate = hashlib.scrypt(
        password.encode(), salt=salt, dklen=len(digest), maxmem=64 * 1024 * 1024, **params
    )
    return hmac.compare_digest(candidate, digest)


class RequireLogin:
    """ASGI middleware in front of every page, feed and the raw data: a request without the
    password (or without the proxy's user header) gets 401 and nothing else."""

    def __init__(self, app, password_hash: str | None = None, proxy_header: str | None = None):
        if not password_hash and not proxy_header:
            raise ValueError("RequireLogin needs a password hash or a proxy header")
        self.app = app
        self.password_hash = password_hash
        self.proxy_header = proxy_header.lower().encode() if proxy_header else None
        self._accepted: set[bytes] = set()  # sha256 of Authorization values already verified

    def _authorised(self, headers: dict[bytes, bytes]) -> bool:
        if self.proxy_header is not None:
            if not headers.get(self.proxy_header, b"").strip():
                return False
            if not self.password_hash:
                return True
        value = headers.get(b"authorization", b"")
        if not value.lower().startswith(b"basic "):
            return False
        key = hashlib.sha256(value).digest()
        if key in self._accepted:
            return True
        try:
            _, _, password = base64.b64decode(value[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        if not verify_password(password, self.password_hash):  # type: ignore[arg-type]
            return False
        if len(self._accepted) > 1000:
            self._accepted.clear()
        self._accepted.add(key)
        return True

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        # scrypt takes tens of milliseconds: a credential not seen yet is checked off the event
        # loop; one already accepted (and the proxy's header) costs a lookup
        seen = hashlib.sha256(headers.get(b"authorization", b"")).digest() in self._accepted
        if self.password_hash and not seen:
            authorised = await run_in_threadpool(self._authorised, headers)
        else:
            authorised = self._authorised(headers)
        if authorised:
            await self.app(scope, receive, send)
            return
        if self.password_hash:
            body = b"veille: log in with the team password (any user name).\n"
            extra = [(b"www-authenticate", _REALM.encode())]
        else:
            body = b"veille: this address is only reachable through the login proxy.\n"
            extra = []
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
