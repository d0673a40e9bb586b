"""Forms that only the reader's own pages can send (no cross-site request forgery).

Any web page can make a visitor's browser POST to 127.0.0.1 or to the team's reader, with the
visitor's login attached. So a POST is accepted only when:

- the browser does not say it comes from another site (`Sec-Fetch-Site`, sent by every current
  browser, is `same-origin` or `none`; an `Origin`, when sent, names a host this server answers
  to), and
- it carries the form's token: a random value kept in a `SameSite=Strict`, HttpOnly cookie,
  signed with a key of this server process and written into each form. Another site can neither
  read the page (so the token) nor send the cookie with a cross-site request.

A form shown before the server restarted carries a token of the old key: it is refused with a
message asking to reload the page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from monitors.web.hosts import AllowedHosts

COOKIE = "veille_form"
FIELD = "form_token"


def is_https(request: Request) -> bool:
    """The request reached us over HTTPS, directly or through a proxy that says so."""
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" or "proto=https" in request.headers.get("forwarded", "").lower()


REFUSALS = {
    "en": {
        "cross_site": "refused: this form was sent by another site's page (Sec-Fetch-Site: "
        "{detail}); open the page on this server and send the form from there",
        "origin": "refused: this form was sent from {detail}, not from this server's pages; "
        "open the page on this server and send the form from there",
        "token": "refused: this form has no valid token (it was not sent from this server's "
        "page, or the server restarted since the page was shown); reload the page and send it "
        "again",
    },
    "fr": {
        "cross_site": "refusé : ce formulaire a été envoyé par la page d'un autre site "
        "(Sec-Fetch-Site : {detail}) ; ouvrez la page sur ce serveur et envoyez le formulaire "
        "depuis celle-ci",
        "origin": "refusé : ce formulaire a été envoyé depuis {detail}, pas depuis les pages de "
        "ce serveur ; ouvrez la page sur ce serveur et envoyez le formulaire depuis celle-ci",
        "token": "refusé : ce formulaire n'a pas de jeton valide (il n'a pas été envoyé depuis "
        "une page de ce serveur, ou le serveur a redémarré depuis l'affichage de la page) ; "
        "rechargez la page et envoyez-le de nouveau",
    },
    "ar": {
        "cross_site": "مرفوض: أُرسلت هذه الاستمارة من صفحة موقع آخر (Sec-Fetch-Site: {detail})؛ "
        "افتح الصفحة على هذا الخادم وأرسل الاستمارة منها",
        "origin": "مرفوض: أُرسلت هذه الاستمارة من {detail}، لا من صفحات هذا الخادم؛ افتح الصفحة "
        "على هذا الخادم وأرسل الاستمارة منها",
        "token": "مرفوض: ليس لهذه الاستمارة رمز صالح (لم تُرسل من صفحة هذا الخادم، أو أُعيد تشغيل "
        "الخادم بعد عرض الصفحة)؛ أعد تحميل الصفحة وأرسلها من جديد",
    },
}


@dataclass(frozen=True)
class Refusal:
    """Why a POST was refused: said to the user in the page's language (`text`), logged in
    English (`str()`)."""

    reason: str  # a key of REFUSALS
    detail: str = ""  # the Sec-Fetch-Site value or the quoted Origin

    def text(self, language: str) -> str:
        words = REFUSALS.get(language, REFUSALS["en"])
        return words[self.reason].format(detail=self.detail)

    def __str__(self) -> str:
        return self.text("en")


class FormGuard:
    def __init__(self, allowed: AllowedHosts, key: bytes | None = None) -> None:
        self.allowed = allowed
        self._key = key or secrets.token_bytes(32)

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()

    def token(self, request: Request) -> tuple[str, str | None]:
        """(the token to write in this page's forms, a new cookie value to set or None)."""
        nonce = request.cookies.get(COOKIE, "")
        if len(nonce) < 16 or len(nonce) > 64:
            nonce = secrets.token_urlsafe(24)
            return self._sign(nonce), nonce
        return self._sign(nonce), None

    @staticmethod
    def set_cookie(request: Request, response: Response, nonce: str) -> None:
        response.set_cookie(
            COOKIE, nonce, httponly=True, samesite="strict", secure=is_https(request), path="/"
        )

    def refusal(self, request: Request, form: dict[str, str]) -> Refusal | None:
        """Why this POST is refused, or None when it is the reader's own."""
        site = request.headers.get("sec-fetch-site", "").lower()
        if site in ("cross-site", "same-site"):
            return Refusal("cross_site", site)
        origin = request.headers.get("origin")
        if origin is not None:
            host = origin.partition("://")[2]
            if origin == "null" or not self.allowed.allows(host):
                return Refusal("origin", repr(origin[:80]))
        nonce = request.cookies.get(COOKIE, "")
        sent = form.get(FIELD, "")
        if not nonce or not sent or not hmac.compare_digest(self._sign(nonce), sent):
            return Refusal("token")
        return None
