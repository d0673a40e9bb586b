"""Passwords of the reader: scrypt hashes of the team password (VEILLE_WEB_PASSWORD_HASH) and
of each person's own (monitors.people.accounts), checked by the login (monitors.web.auth).

Below both: an account is created by `veille people` without the web layer, and the login
checks what the accounts hold.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from crawler.core.errors import VeilleError

PASSWORD_HASH_KEY = "VEILLE_WEB_PASSWORD_HASH"
TEAM = "(team)"  # the shared identity: the team password, or loopback without a login
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


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
