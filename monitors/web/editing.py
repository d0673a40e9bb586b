"""Watchlists edited in the reader: the list page, the create/edit form with its preview (the
loader's verdict, the lint's warnings, the diff, the rule test and the backtest of the rule as
edited), pause, resume and delete, and "save this search as a watchlist".

The file is written by `monitors.service.editing` (round trip, stale-form refusal, validation,
atomic write, backup, change log); after a save the running daemon is asked to reload
(`request_reload`, SIGHUP, as `veille reload` does). Every form carries the reader's form token
(`monitors.web.forms`) and the file's token (a digest of the file when the form was shown).

Who may edit: everyone (the default), or the names in `ReaderConfig.editors`, compared with the
request's authenticated user name (`scope["veille.user"]`, set by the login for a person's
account or the proxy's user); with the team password alone or on loopback without a login there
is no name, and only "everyone" lets a request edit.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from monitors.rules.watchlists import RuleSet
from monitors.service.editing import (
    Change,
    EditRefused,
    StaleFile,
    WatchlistFields,
    check_change,
    file_token,
    recent_changes,
    save_change,
    watchlist_fields,
)
from monitors.web.forms import Refusal
from monitors.web.i18n_editing import add_editing_arabic
from monitors.web.i18n_errors import file_error_text
from monitors.web.opml import opml_document

log = logging.getLogger("veille.web.editing")
FILE_TOKEN = "file_token"

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "watchlists": "Veilles",
        "new": "Nouvelle veille",
        "edit": "Modifier",
        "pause": "Mettre en pause",
        "resume": "Reprendre",
        "delete": "Supprimer",
        "paused": "en pause",
        "name": "Nom (lettres minuscules, chiffres, - ou _)",
        "title": "Titre",
        "query": "Règle (requête)",
        "terms": "Termes (un par ligne)",
        "exclude": "Exclus (un par ligne)",
        "languages": "Langues (fr, ar, en…)",
        "sources": "Sources (noms, séparés par des virgules)",
        "notify": "Canaux (noms, séparés par des virgules)",
        "known_channels": "canaux connus",
        "test_title": "Titre à tester",
        "test_url": "ou adresse d'un article à tester",
        "test_text": "Texte à tester",
        "days": "Rétro-test sur (jours)",
        "preview": "Aperçu : tester et rétro-tester",
        "save": "Enregistrer",
        "preview_first": "Vérifiez l'aperçu ci-dessous, puis enregistrez.",
        "changed_since_preview": "Le formulaire a changé depuis l'aperçu : vérifiez ce nouvel aperçu, "
        "puis enregistrez.",
        "valid": "Le fichier reste valide.",
        "warnings": "Avertissements",
        "diff": "Changement du fichier",
        "backtest": "Ce que la règle aurait retenu",
        "rule_test": "Test sur le texte donné",
        "saved": "Enregistré",
        "saved_heading": "Enregistré :",
        # what a change did (monitors.service.editing's Change.action), on the saved page and
        # in the latest changes
        "change_create": "création",
        "change_update": "modification",
        "change_pause": "mise en pause",
        "change_resume": "reprise",
        "change_delete": "suppression",
        "saved_in": "Modification enregistrée dans",
        "backup": "version précédente gardée dans",
        "reloaded": "Le démon (pid {pid}) a été prié de recharger les veilles.",
        "no_daemon": "Aucun démon ne tourne sur cette base : les veilles seront lues à son "
        "prochain démarrage ({pidfile} absent ou laissé par un démon arrêté).",
        "other_user_daemon": "Le démon de cette base ({pid}) tourne sous un autre utilisateur : "
        "les veilles seront lues à son prochain démarrage, ou après `veille reload` lancé par cet "
        "utilisateur.",
        "stale": "Modification refusée",
        "your_change": "Votre saisie (à recopier dans le formulaire rouvert)",
        "reopen": "Rouvrir le formulaire",
        "not_allowed": "Vous ne pouvez pas modifier les veilles : seuls {editors} le peuvent "
        "(réglage VEILLE_WEB_EDITORS ou --editor de veille serve).",
        "nobody": "personne",
        "list_comma": ", ",
        "changes": "Dernières modifications",
        "no_changes": "Aucune modification faite depuis le lecteur.",
        "followers": "Suivie par {names} : ses alertes ne leur parviendront plus.",
        "confirm_delete": "Supprimer cette veille du fichier ? Les articles qu'elle a trouvés restent "
        "lisibles, sous son nom, depuis « Mon compte ».",
        "opml": "Flux de toutes les veilles (OPML, pour un lecteur de flux)",
        "save_search": "Enregistrer cette recherche comme veille",
        "query_help": 'Même langage que la recherche : OR, AND, NOT, "expression", préfixe*, '
        "NEAR/5, title:, @entité.",
        "who": "qui",
        "when": "quand",
        "what": "quoi",
        "state": "état",
        "active": "active",
        "stale_file": "non enregistré : {file} a changé sur le disque depuis l'ouverture de ce "
        "formulaire (modifié à la main ou enregistré par quelqu'un d'autre) ; rien n'a été "
        "écrasé. Rouvrez le formulaire pour repartir du fichier tel qu'il est maintenant.",
        "form_too_large": "Formulaire trop volumineux (plus d'1 Mo).",
        "refused_not_yaml": "le fichier des veilles n'est pas du YAML valide ({detail}) ; "
        "corrigez-le à la main (`veille rules check` dit où) avant de le modifier ici.",
        "refused_no_list": "le fichier des veilles n'a pas de liste 'watchlists:' ; ajoutez-en "
        "une à la main (docs/watch-rules.md).",
        "refused_exists": "une veille nommée {name} existe déjà ; choisissez un autre nom.",
        "refused_missing": "il n'y a pas (ou plus) de veille nommée {name} dans le fichier ; "
        "rechargez la page des veilles.",
        "refused_invalid": "non enregistré, le fichier serait invalide : {detail}",
        "refused_sources_invalid": "non enregistré : le fichier des sources sur lequel les "
        "veilles sont vérifiées est invalide ({detail}) ; corrigez-le d'abord "
        "(`veille sources check --offline`).",
        "unknown_watchlist": "veille {name}",
        "post_only": "cette adresse n'accepte que POST",
    },
    "en": {
        "watchlists": "Watchlists",
        "new": "New watchlist",
        "edit": "Edit",
        "pause": "Pause",
        "resume": "Resume",
        "delete": "Delete",
        "paused": "paused",
        "name": "Name (lowercase letters, digits, - or _)",
        "title": "Title",
        "query": "Rule (query)",
        "terms": "Terms (one per line)",
        "exclude": "Excluded (one per line)",
        "languages": "Languages (fr, ar, en…)",
        "sources": "Sources (names, comma-separated)",
        "notify": "Channels (names, comma-separated)",
        "known_channels": "known channels",
        "test_title": "Title to test",
        "test_url": "or address of an article to test",
        "test_text": "Text to test",
        "days": "Backtest over (days)",
        "preview": "Preview: test and backtest",
        "save": "Save",
        "preview_first": "Check the preview below, then save.",
        "changed_since_preview": "The form changed since the preview: check this new preview, "
        "then save.",
        "valid": "The file stays valid.",
        "warnings": "Warnings",
        "diff": "Change to the file",
        "backtest": "What the rule would have matched",
        "rule_test": "Test on the given text",
        "saved": "Saved",
        "saved_heading": "Saved:",
        "change_create": "created",
        "change_update": "edited",
        "change_pause": "paused",
        "change_resume": "resumed",
        "change_delete": "deleted",
        "saved_in": "Change saved in",
        "backup": "previous version kept in",
        "reloaded": "The daemon (pid {pid}) was asked to reload the watchlists.",
        "no_daemon": "No daemon is running on this database: the watchlists will be read when it "
        "next starts ({pidfile} missing, or left by a daemon that stopped).",
        "other_user_daemon": "The daemon of this database ({pid}) runs as another user: the "
        "watchlists will be read when it next starts, or after `veille reload` run as that user.",
        "stale": "Change refused",
        "your_change": "What you entered (to copy into the reopened form)",
        "reopen": "Open the form again",
        "not_allowed": "You may not edit the watchlists: only {editors} may (VEILLE_WEB_EDITORS "
        "or veille serve --editor).",
        "nobody": "nobody",
        "list_comma": ", ",
        "changes": "Latest changes",
        "no_changes": "No change made from the reader yet.",
        "followers": "Followed by {names}: its alerts will reach them no more.",
        "confirm_delete": "Delete this watchlist from the file? The articles it found stay "
        "readable, under its name, from « My account ».",
        "opml": "Feeds of every watchlist (OPML, for a feed reader)",
        "save_search": "Save this search as a watchlist",
        "query_help": 'The search language: OR, AND, NOT, "phrase", prefix*, NEAR/5, title:, '
        "@entity.",
        "who": "who",
        "when": "when",
        "what": "what",
        "state": "state",
        "active": "active",
        "stale_file": "not saved: {file} changed on disk since this form was opened (edited by "
        "hand or saved by someone else); nothing was overwritten. Open the form again to start "
        "from the file as it is now.",
        "form_too_large": "Form too large (over 1 MB).",
        "refused_not_yaml": "the watchlists file is not valid YAML ({detail}); fix it by hand "
        "(`veille rules check` says where) before editing it here.",
        "refused_no_list": "the watchlists file has no 'watchlists:' list; add one by hand "
        "(docs/watch-rules.md).",
        "refused_exists": "a watchlist named {name} already exists; choose another name.",
        "refused_missing": "there is no watchlist named {name} in the file (any more); reload "
        "the watchlists page.",
        "refused_invalid": "not saved, the file would be invalid: {detail}",
        "refused_sources_invalid": "not saved: the sources file the watchlists are checked "
        "against is invalid ({detail}); fix it first (`veille sources check --offline`).",
        "unknown_watchlist": "watchlist {name}",
        "post_only": "this address takes POST only",
    },
}

add_editing_arabic(LABELS)


@dataclass
class ReaderParts:
    """What the editing pages use of the reader built by `monitors.web.app.create_app`."""

    watchlists: Path
    db: Path | str
    rules: Callable[[], RuleSet | None]
    channels: Callable[[], list[str]]  # the named channels a watchlist may notify
    page: Callable[..., HTMLResponse]
    language: Callable[[Request], str]
    reader_labels: Callable[[str], dict]  # the reader's own labels in a language
    read_form: Callable[[Request], Awaitable[dict[str, str] | None]]
    refusal: Callable[[Request, dict[str, str]], Refusal | None]
    # (rule set, watchlist name, days, labels) -> (the backtest's result, HTTP status)
    backtest: Callable[[RuleSet, str, int, dict], Awaitable[tuple[dict, int]]]
    # (rule set, watchlist name, form, labels) -> (the rule test's result, HTTP status)
    try_rule: Callable[[RuleSet, str, dict, dict], Awaitable[tuple[dict, int]]]
    secrets: Callable[[], dict[str, str]]
    source_names: Callable[[], set[str] | None]
    editors: tuple[str, ...] | None = None  # None: everyone
    # the people who follow a watchlist (named before it is deleted: its alerts stop for them)
    followers: Callable[[str], list[str]] = lambda name: []


def request_user(request: Request) -> str:
    """The authenticated user name of this request ('' when none): the one the login layer
    (monitors.web.auth) puts in `scope["veille.user"]` for a person's account or the login
    proxy's user. The user name sent with the team password is anyone's to choose: it is not a
    name here."""
    given = request.scope.get("veille.user")
    return given if isinstance(given, str) else ""


def may_edit(user: str, editors: tuple[str, ...] | None) -> bool:
    return editors is None or (bool(user) and user in editors)


def _listed(value: str | None, lines: bool = False) -> tuple[str, ...]:
    parts = (value or "").splitlines() if lines else re.split(r"[,\s]+", value or "")
    return tuple(part.strip() for part in parts if part.strip())


def form_fields(form: dict[str, str], name: str | None = None) -> WatchlistFields:
    return WatchlistFields(
        name=(name or form.get("name", "")).strip(),
        title=form.get("title", "").strip(),
        query=" ".join(form.get("query", "").split()),
        terms=_listed(form.get("terms"), lines=True),
        exclude=_listed(form.get("exclude"), lines=True),
        languages=_listed(form.get("languages")),
        sources=_listed(form.get("sources")),
        notify=_listed(form.get("notify")),
        paused=form.get("paused") == "on",
    )


def _digest(fields: WatchlistFields, token: str) -> str:
    """Ties a Save button to the preview it was shown with."""
    return hashlib.sha256(repr((fields, token)).encode()).hexdigest()[:32]


def suggested_name(text: str) -> str:
    """A watchlist name from a search: ASCII letters and digits joined by '-' (Arabic and
    other scripts give nothing: the form then asks for one)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", folded) if w and w not in ("or", "and", "not")]
    return "-".join(words)[:40].strip("-")


def _values(fields: WatchlistFields) -> dict[str, Any]:
    """The form's values for a watchlist's fields."""
    return {
        "name": fields.name,
        "title": fields.title,
        "query": fields.query,
        "terms": "\n".join(fields.terms),
        "exclude": "\n".join(fields.exclude),
        "languages": ", ".join(fields.languages),
        "sources": ", ".join(fields.sources),
        "notify": ", ".join(fields.notify),
        "paused": fields.paused,
    }


def refusal_text(exc: EditRefused, words: dict[str, str], language: str = "en") -> str:
    """An `EditRefused` in the page's language: its sentence translated around the loader's own
    text (file, line), which stays as it is but for a query's problem, said in `language` too
    (monitors.web.i18n_errors); the English message when the reason has no words."""
    sentence = words.get(f"refused_{exc.reason}") if exc.reason else None
    if sentence is None:
        return str(exc)
    details = exc.details
    if "detail" in details:
        details = details | {"detail": file_error_text(details["detail"], language)}
    try:
        return sentence.format(**details)
    except (KeyError, IndexError):
        return str(exc)


def routes(parts: ReaderParts) -> list[Route]:
    """The editing routes, to put before the reader's own."""

    def labels(request: Request) -> dict[str, str]:
        return LABELS.get(parts.language(request), LABELS["en"])

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return parts.page(request, template, status=status, **context)

    def refused(request: Request, status: int, message: str, **context: Any) -> HTMLResponse:
        return page(
            request,
            "watchlist_refused.html",
            status=status,
            heading=labels(request)["stale"],
            message=message,
            **context,
        )

    def who(request: Request) -> str:
        user = request_user(request)
        client = (request.client.host if request.client else "") or "unknown"
        return f"{user} ({client})" if user else f"anonymous ({client})"

    def not_allowed(request: Request) -> HTMLResponse | None:
        if may_edit(request_user(request), parts.editors):
            return None
        e = labels(request)
        editors = e["list_comma"].join(parts.editors or ()) or e["nobody"]
        log.warning("watchlist edit refused to %s: not an editor", who(request))
        return refused(request, 403, e["not_allowed"].format(editors=editors))

    async def checked_post(request: Request) -> tuple[dict[str, str] | None, Response | None]:
        """The POSTed form, or the answer refusing it (too large, cross-site, no token, not an
        editor)."""
        refusal = not_allowed(request)
        if refusal is not None:
            return None, refusal
        form = await parts.read_form(request)
        if form is None:
            return None, refused(request, 413, labels(request)["form_too_large"])
        problem = parts.refusal(request, form)
        if problem:
            log.warning("form refused on %s: %s", request.url.path, problem)
            return None, refused(request, 403, problem.text(parts.language(request)))
        return form, None

    def channels() -> list[str]:
        return parts.channels()

    def listing(request: Request) -> HTMLResponse:
        rule_set = parts.rules()
        return page(
            request,
            "watchlists.html",
            watchlists=rule_set.watchlists if rule_set else [],
            file_token=file_token(parts.watchlists),
            file_token_field=FILE_TOKEN,
            changes=recent_changes(parts.watchlists, 20),
            may_edit=may_edit(request_user(request), parts.editors),
            path_name=str(parts.watchlists),
        )

    async def edit_form(request: Request) -> Response:
        """GET: the form (a new watchlist, maybe from a search; or an existing one). POST:
        preview, or save when the preview shown is the one being saved."""
        name = request.path_params.get("name")
        creating = name is None
        e = labels(request)
        if request.method == "GET":
            refusal = not_allowed(request)
            if refusal is not None:
                return refusal
            if creating:
                params = request.query_params
                query = params.get("q", "").strip()
                fields = WatchlistFields(
                    name=suggested_name(query),
                    title=query,
                    query=query,
                    languages=_listed(params.get("language")),
                    sources=_listed(params.get("source")),
                )
            else:
                text = parts.watchlists.read_text(encoding="utf-8")
                found = watchlist_fields(text, str(name))
                if found is None:
                    message = e["unknown_watchlist"].format(name=name)
                    return page(request, "error.html", status=404, message=message)
                fields = found
            return edit_page(request, fields, creating, file_token(parts.watchlists), {})
        form, answer = await checked_post(request)
        if answer is not None:
            return answer
        assert form is not None
        fields = form_fields(form, None if creating else name)
        token = form.get(FILE_TOKEN, "")
        change = Change("create" if creating else "update", fields.name or "", fields)
        if form.get("action") == "save" and form.get("previewed") == _digest(fields, token):
            return save(request, change, token, fields, form)
        notice = e["changed_since_preview"] if form.get("action") == "save" else None
        return await preview(request, change, token, fields, form, creating, notice)

    def edit_page(
        request: Request,
        fields: WatchlistFields,
        creating: bool,
        token: str,
        form: dict[str, str],
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        return page(
            request,
            "watchlist_edit.html",
            status=status,
            creating=creating,
            values=_values(fields),
            test=form,
            days=form.get("days") or "30",
            file_token=token,
            file_token_field=FILE_TOKEN,
            channels=channels(),
            **({"checked": None, "previewed": None, "notice": None} | context),
        )

    async def preview(
        request: Request,
        change: Change,
        token: str,
        fields: WatchlistFields,
        form: dict[str, str],
        creating: bool,
        notice: str | None,
    ) -> Response:
        e = labels(request)
        if token != file_token(parts.watchlists):
            return stale(request, fields, creating)
        try:
            checked = check_change(parts.watchlists, change, parts.secrets(), parts.source_names())
        except EditRefused as exc:
            error = refusal_text(exc, e, parts.language(request))
            return edit_page(
                request, fields, creating, token, form, status=422, error=error, notice=notice
            )
        days = max(1, min(3650, int(form["days"]) if form.get("days", "").isdigit() else 30))
        reader = parts.reader_labels(parts.language(request))
        backtested, status = await parts.backtest(checked.rules, fields.name, days, reader)
        trial = None
        sample = {  # the form's "title" is the watchlist's: the sample's is "title_test"
            "url": form.get("url", ""),
            "text": form.get("text", ""),
            "title": form.get("title_test", ""),
        }
        if any(value.strip() for value in sample.values()):
            trial, status = await parts.try_rule(checked.rules, fields.name, sample, reader)
        return edit_page(
            request,
            fields,
            creating,
            token,
            form,
            status=status,
            checked=checked,
            previewed=_digest(fields, token),
            backtested=backtested,
            backtest_days=days,
            trial=trial,
            notice=notice or e["preview_first"],
        )

    def stale(request: Request, fields: WatchlistFields | None, creating: bool) -> HTMLResponse:
        message = labels(request)["stale_file"].format(file=parts.watchlists.name)
        log.warning(
            "watchlist edit refused to %s: %s changed on disk since the form was opened",
            who(request),
            parts.watchlists.name,
        )
        reopen = (
            "/new-watchlist" if creating or fields is None else f"/watchlists/{fields.name}/edit"
        )
        return refused(request, 409, message, entered=fields and _values(fields), reopen=reopen)

    def save(
        request: Request,
        change: Change,
        token: str,
        fields: WatchlistFields | None,
        form: dict[str, str],
    ) -> HTMLResponse:
        e = labels(request)
        creating = change.action == "create"
        try:
            saved = save_change(
                parts.watchlists,
                token,
                change,
                who(request),
                parts.secrets(),
                parts.source_names(),
            )
        except StaleFile:
            return stale(request, fields, creating)
        except EditRefused as exc:
            if fields is None:
                return refused(request, 422, refusal_text(exc, e, parts.language(request)))
            error = refusal_text(exc, e, parts.language(request))
            return edit_page(request, fields, creating, token, form, status=422, error=error)
        from monitors.service.runners import DaemonOfAnotherUser, NoDaemon, request_reload

        try:
            reload = e["reloaded"].format(pid=", ".join(map(str, request_reload(parts.db))))
        except NoDaemon as exc:  # said in the page's language, the pidfile named
            reload = e["no_daemon"].format(pidfile=exc.pidfile)
        except DaemonOfAnotherUser as exc:
            reload = e["other_user_daemon"].format(pid=f"pid {exc.pid}" if exc.pid else exc.pidfile)
        name = fields.name if fields else change.name
        return page(
            request,
            "watchlist_saved.html",
            saved=saved,
            change=change,
            watchlist_name=name,
            exists=change.action != "delete",
            reload=reload,
            path_name=str(parts.watchlists),
        )

    async def state_change(request: Request) -> Response:
        """POST pause, resume or delete (delete after its confirmation page)."""
        name = request.path_params["name"]
        action = request.path_params["action"]
        if action not in ("pause", "resume", "delete"):
            return page(request, "error.html", status=404, message=request.url.path)
        if request.method == "GET":
            if action != "delete":  # a button's address opened as a page: refused, as /triage
                message = labels(request)["post_only"]
                heading = parts.reader_labels(parts.language(request))["refused"]
                response = page(request, "error.html", status=405, heading=heading, message=message)
                response.headers["Allow"] = "POST"  # what a 405 says (RFC 9110), as /triage's
                return response
            refusal = not_allowed(request)
            if refusal is not None:
                return refusal
            token = file_token(parts.watchlists)
            try:
                checked = check_change(
                    parts.watchlists, Change("delete", name), parts.secrets(), None
                )
            except EditRefused as exc:
                return refused(
                    request, 422, refusal_text(exc, labels(request), parts.language(request))
                )
            return page(
                request,
                "watchlist_delete.html",
                watchlist_name=name,
                checked=checked,
                followers=parts.followers(name),
                file_token=token,
                file_token_field=FILE_TOKEN,
            )
        form, answer = await checked_post(request)
        if answer is not None:
            return answer
        assert form is not None
        text = parts.watchlists.read_text(encoding="utf-8")
        fields = watchlist_fields(text, name)
        return save(request, Change(action, name), form.get(FILE_TOKEN, ""), fields, form)

    def opml(request: Request) -> Response:
        rule_set = parts.rules()
        outlines = [
            (
                w.title,
                str(request.url_for("watchlist_feed", name=w.name)),
                str(request.url_for("watchlist", name=w.name)),
            )
            for w in (rule_set.watchlists if rule_set else [])
        ]
        body = opml_document("veille — watchlists", outlines)
        return Response(
            body,
            media_type="text/x-opml; charset=utf-8",
            headers={"content-disposition": 'inline; filename="veille-watchlists.opml"'},
        )

    return [
        Route("/watchlists/", listing, name="watchlists"),
        Route("/new-watchlist", edit_form, methods=["GET", "POST"], name="new_watchlist"),
        Route("/watchlists/{name}/edit", edit_form, methods=["GET", "POST"], name="edit_watchlist"),
        Route("/watchlists/{name}/{action}", state_change, methods=["GET", "POST"]),
        Route("/feeds/watchlists.opml", opml, name="watchlists_opml"),
    ]
