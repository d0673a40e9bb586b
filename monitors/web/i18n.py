"""The reader's interface language (French, English or Arabic, from the switch or the browser,
a logged-in person's email language between them: monitors.web.reader.language;
Arabic lays the whole page out right to left) and the writing direction of the content it shows
(Arabic right to left)."""

from __future__ import annotations

from monitors.alerts.direction import text_direction
from monitors.web.i18n_people import add_people_labels

__all__ = ["LABELS", "interface_language", "text_direction"]

INTERFACE_LANGUAGES = ("fr", "en", "ar")


LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "home": "Accueil",
        "search": "Recherche",
        "sources": "Sources",
        "stories": "Histoires",
        "data": "Données brutes",
        "data_postgres": (
            "Les tables brutes (Datasette) ne sont servies que sur SQLite : cette base est "
            "PostgreSQL. Interrogez-la avec psql ou un client PostgreSQL."
        ),
        "latest": "Derniers articles trouvés",
        "no_match_yet": "Aucun article trouvé pour l'instant.",
        "all_matches": "tous ses articles trouvés",
        "watchlist": "Veille",
        "watchlist_gone": "Veille {name} : elle n'est pas (ou plus) dans le fichier des veilles, "
        "supprimée ou renommée ? Les veilles en cours sont sur la page des veilles.",
        "watchlists": "Veilles",
        "source": "Source",
        "author": "Auteur",
        "date": "Date",
        "unknown_date": "date inconnue",
        "language": "Langue",
        "original": "Lire l'original",
        "first_published_by": "Publié d'abord par",
        "why": "Pourquoi cet article a été retenu",
        "no_why": "Aucune veille n'a retenu cet article.",
        "story": "Histoire",
        "article_numbered": "Article",
        "story_outlets": "Les autres médias de cette histoire",
        "alone_in_story": "Aucun autre média n'a publié cette histoire.",
        "story_languages": "Langues de cette histoire",
        "lang_fr": "français",
        "lang_ar": "arabe",
        "lang_en": "anglais",
        "revisions": "Versions",
        "revision": "version",
        "fetched": "récupéré le",
        "site": "site",
        "text": "Texte",
        "query": "Règle",
        "terms": "Termes",
        "required": "Exige aussi",
        "excluded": "Exclut",
        "entities": "Entités",
        "spellings": "graphies",
        "per_day": "Correspondances par jour (30 derniers jours)",
        "feed": "Flux Atom",
        "copy_feed": "Adresse à copier dans un lecteur de flux",
        "test_rule": "Tester la règle sur une adresse ou un texte",
        "test_url": "Adresse de l'article",
        "test_title": "Titre",
        "test_text": "ou texte",
        "test_button": "Tester",
        "test_nothing": "Donnez une adresse, ou un titre ou un texte.",
        "test_matched": "Retenu par cette veille",
        "test_not_matched": "Cette veille ne retient pas ce texte.",
        "test_other_language": "Elle ne retient que les articles en {languages} ; "
        "ce texte est lu en {language}.",
        "language_code": "fr",  # the language its counts take their plural in
        "list_comma": ", ",
        "colon": " : ",
        "backtest": "Ce que la veille aurait retenu parmi les articles stockés",
        "backtest_none": "Aucun article stocké ne correspond.",
        "articles": "articles",
        "outlets": "médias",
        "triggered": "Veilles déclenchées",
        "alert_number": "alerte #{number}",
        "none": "aucune",
        "query_placeholder": 'cloud OR UM6P, souverain*, @um6p, "calcul haute performance"',
        "all_sources": "toutes les sources",
        "all_languages": "toutes les langues",
        "all_watchlists": "toutes les veilles",
        "order": "Ordre",
        "order_rank": "les plus pertinents",
        "order_newest": "les plus récents",
        "since": "depuis",
        "until": "avant",
        "results": "résultat(s)",
        "page": "page",
        "previous": "précédents",
        "next": "suivants",
        "newer": "plus récents",
        "older": "plus anciens",
        "bad_page": "Ce lien de page n'est pas valide (modifié ou coupé) : revenez à la première "
        "page de la liste.",
        "no_results": "Aucun résultat.",
        "no_sources_yet": "Aucune source n'a encore été explorée : le démon (veille run) explore "
        "chaque source du fichier des sources à son rythme, et veille sources check les essaie "
        "tout de suite.",
        "no_stories_yet": "Aucune histoire pour l'instant.",
        "no_shared_stories_yet": "Aucune histoire racontée par deux médias ou plus pour l'instant.",
        "past_last_page": "Plus de résultat à cette page : la recherche en compte moins.",
        "first_page": "première page",
        "last_success": "Dernier succès",
        "last_crawl": "Dernière exploration",
        "errors": "Erreurs",
        "last_error": "Dernière erreur",
        "per_day_short": "articles / jour (7 j)",
        "warning": "Avertissement",
        "retries": "en attente / abandonnées",
        "test_source": "Extraire comme la source (son profil de site)",
        "test_no_source": "aucune",
        "not_stored": "Non stocké comme article",
        "last_7_days": "(7 j)",
        "never": "jamais",
        "in_title": "dans le titre",
        "in_text": "dans le texte",
        "matched_on": "a retenu cet article le",
        "because": "parce qu'il contient",
        "and": "et",
        "not_found": "Introuvable",
        "server_error": "Erreur du serveur",
        "server_error_text": "Cette page n'a pas pu être produite ; la cause est dans le journal "
        "de veille serve. Rechargez la page dans un moment.",
        "search_feed": "Flux Atom de cette recherche",
        "search_help": 'Même langage que les règles : OR, AND, NOT, "expression", préfixe*, '
        "NEAR/5, title:, @entité.",
        "refused": "Refusé",
        "busy": "Le serveur fait déjà autant de tests et de rétro-tests qu'il en admet à la fois ; "
        "réessayez dans une minute.",
        "over_budget": "Ce test a dépassé les {seconds} s qui lui sont accordées ; il n'a pas de "
        "résultat.",
        "form_too_large": "Formulaire trop volumineux (plus d'1 Mo) : testez un texte plus court.",
        "backtest_days": "jours",
        "partial": "Résultat partiel",
        "partial_time": "le budget de temps ({seconds} s) est épuisé",
        "partial_characters": "le budget de lecture ({characters} caractères) est atteint",
        "partial_articles": "la limite de {articles} articles est atteinte",
        "partial_advice": "réduisez la période, ou lancez `veille rules backtest` sur le serveur.",
    },
    "en": {
        "home": "Home",
        "search": "Search",
        "sources": "Sources",
        "stories": "Stories",
        "data": "Raw data",
        "data_postgres": (
            "The raw tables (Datasette) are served on SQLite only: this database is PostgreSQL. "
            "Query it with psql or any PostgreSQL client."
        ),
        "latest": "Latest matches",
        "no_match_yet": "No match yet.",
        "all_matches": "all its matches",
        "watchlist": "Watchlist",
        "watchlist_gone": "Watchlist {name}: it is not (or no longer) in the watchlists file, "
        "deleted or renamed? The current ones are on the watchlists page.",
        "watchlists": "Watchlists",
        "source": "Source",
        "author": "Author",
        "date": "Date",
        "unknown_date": "unknown date",
        "language": "Language",
        "original": "Read the original",
        "first_published_by": "First published by",
        "why": "Why this article was matched",
        "no_why": "No watchlist matched this article.",
        "story": "Story",
        "article_numbered": "Article",
        "story_outlets": "Other outlets of this story",
        "alone_in_story": "No other outlet ran this story.",
        "story_languages": "Languages of this story",
        "lang_fr": "French",
        "lang_ar": "Arabic",
        "lang_en": "English",
        "revisions": "Versions",
        "revision": "version",
        "fetched": "fetched on",
        "site": "site",
        "text": "Text",
        "query": "Rule",
        "terms": "Terms",
        "required": "Also requires",
        "excluded": "Excludes",
        "entities": "Entities",
        "spellings": "spellings",
        "per_day": "Matches per day (last 30 days)",
        "feed": "Atom feed",
        "copy_feed": "Address to copy into a feed reader",
        "test_rule": "Test this rule on an address or a text",
        "test_url": "Article address",
        "test_title": "Title",
        "test_text": "or text",
        "test_button": "Test",
        "test_nothing": "Give an address, or a title or a text.",
        "test_matched": "Matched by this watchlist",
        "test_not_matched": "This watchlist does not match this text.",
        "test_other_language": "It matches only articles in {languages}; "
        "this text reads as {language}.",
        "language_code": "en",
        "list_comma": ", ",
        "colon": ": ",
        "backtest": "What this watchlist would have matched among stored articles",
        "backtest_none": "No stored article matches.",
        "articles": "articles",
        "outlets": "outlets",
        "triggered": "Watchlists triggered",
        "alert_number": "alert #{number}",
        "none": "none",
        "query_placeholder": 'cloud OR UM6P, sovereign*, @um6p, "high performance computing"',
        "all_sources": "all sources",
        "all_languages": "all languages",
        "all_watchlists": "all watchlists",
        "order": "Order",
        "order_rank": "best first",
        "order_newest": "newest first",
        "since": "since",
        "until": "before",
        "results": "result(s)",
        "page": "page",
        "previous": "previous",
        "next": "next",
        "newer": "newer",
        "older": "older",
        "bad_page": "This page link is not valid (edited or cut short): go back to the list's "
        "first page.",
        "no_results": "No results.",
        "no_sources_yet": "No source has been crawled yet: the daemon (veille run) crawls each "
        "source of the sources file at its own pace, and veille sources check tries them now.",
        "no_stories_yet": "No story yet.",
        "no_shared_stories_yet": "No story told by two outlets or more yet.",
        "past_last_page": "No more results on this page: the search has fewer.",
        "first_page": "first page",
        "last_success": "Last success",
        "last_crawl": "Last crawl",
        "errors": "Errors",
        "last_error": "Last error",
        "per_day_short": "articles / day (7 d)",
        "warning": "Warning",
        "retries": "waiting / given up",
        "test_source": "Extract as the source does (its site profile)",
        "test_no_source": "none",
        "not_stored": "Not stored as articles",
        "last_7_days": "(7 d)",
        "never": "never",
        "in_title": "in the title",
        "in_text": "in the text",
        "matched_on": "matched this article on",
        "because": "because it contains",
        "and": "and",
        "not_found": "Not found",
        "server_error": "Server error",
        "server_error_text": "This page could not be made; the cause is in veille serve's log. "
        "Reload the page in a moment.",
        "search_feed": "Atom feed of this search",
        "search_help": 'The rule language: OR, AND, NOT, "phrase", prefix*, NEAR/5, title:, '
        "@entity.",
        "refused": "Refused",
        "busy": "The server is already running as many rule tests and backtests as it takes at "
        "once; try again in a minute.",
        "over_budget": "This test took longer than its {seconds} s; it has no result.",
        "form_too_large": "Form too large (over 1 MB): test a shorter text.",
        "backtest_days": "days",
        "partial": "Partial result",
        "partial_time": "its time budget ({seconds} s) was spent",
        "partial_characters": "its reading budget ({characters} characters) was reached",
        "partial_articles": "its limit of {articles} articles was reached",
        "partial_advice": "narrow the period, or run `veille rules backtest` on the server.",
    },
}


add_people_labels(LABELS)


def interface_language(query_value: str | None, cookie: str | None, accept: str | None) -> str:
    """The switch (?lang=) first, then the remembered choice, then the browser's preference
    (Accept-Language, by quality), then French."""
    for choice in (query_value, cookie):
        if choice in INTERFACE_LANGUAGES:
            return choice
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _, _, tag in sorted(ranked):
        if tag in INTERFACE_LANGUAGES:
            return tag
    return "fr"
