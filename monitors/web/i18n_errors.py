"""The errors a reader page shows of a query, a day, an account form or a signed link, in the
page's language.

The query parser, the search and the account checks say what is wrong in English, for the
command line and the logs. The French and Arabic pages showed those sentences as they were; here
each known sentence is said again in the page's language, with what the user needs to fix it (the
character, the word, the day, the address) carried over as it was typed. A sentence not in the
table (a database's own words after « search failed: ») is shown as it is, after the translated
part, rather than lost.
"""

from __future__ import annotations

import re

from monitors.alerts.plurals import counted
from monitors.web.search import COUNTED_WORDS, SearchTooLong

# (English sentence as the code writes it, French, Arabic): the pattern's groups are the
# details (a number, a word as typed, a library's own text) the translations carry over.
_SENTENCES: list[tuple[str, str, str]] = [
    (
        r"parentheses or NOT nested more than (\d+) deep; simplify the query",
        "parenthèses ou NOT imbriqués sur plus de {0} niveaux : simplifiez la requête",
        "أقواس أو NOT متداخلة لأكثر من {0} مستويات: بسّط الاستعلام",
    ),
    (
        r"expected (.+), found (.+)",
        "attendu : {0} ; trouvé : {1}",
        "المتوقع: {0}؛ الموجود: {1}",
    ),
    (r"the query is empty", "la requête est vide", "الاستعلام فارغ"),
    (
        r"the query only excludes \(NOT …\): add a term to look for",
        "la requête ne fait qu'exclure (NOT …) : ajoutez un terme à chercher",
        "الاستعلام يستبعد فقط (NOT …): أضف كلمة للبحث عنها",
    ),
    (
        r"NEAR needs a distance, as in NEAR/5",
        "NEAR demande une distance, comme dans NEAR/5",
        "يحتاج NEAR إلى مسافة، مثل NEAR/5",
    ),
    (
        r"NEAR distance must be 1 to (\d+)",
        "la distance de NEAR va de 1 à {0}",
        "يجب أن تكون مسافة NEAR من 1 إلى {0}",
    ),
    (
        r"NEAR joins terms, phrases, entities or OR-groups of them",
        "NEAR relie des termes, des expressions, des entités ou des groupes OR de ceux-ci",
        "يربط NEAR بين كلمات أو عبارات أو كيانات أو مجموعات OR منها",
    ),
    (r"unclosed quote", "guillemet non fermé", "علامة تنصيص غير مغلقة"),
    (
        r"'@' must be followed by an entity id",
        "« @ » doit être suivi de l'identifiant d'une entité",
        "يجب أن يتبع « @ » معرّف كيان",
    ),
    (
        r"'\*' is only allowed at the end of a word \(numéri\*\)",
        "« * » n'est permis qu'à la fin d'un mot (numéri*)",
        "لا يُسمح بـ « * » إلا في آخر الكلمة (numéri*)",
    ),
    (
        r"(.+) has no letters or digits to match",
        "{0} n'a ni lettre ni chiffre à chercher",
        "{0} لا يحتوي على حروف أو أرقام للبحث عنها",
    ),
    (
        r"a prefix needs at least 3 letters before '\*'",
        "un préfixe demande au moins 3 lettres avant « * »",
        "تحتاج البادئة إلى 3 حروف على الأقل قبل « * »",
    ),
    (
        r"unknown entity @(.+); entities come from the watchlists file",
        "entité inconnue @{0} ; les entités viennent du fichier des veilles",
        "كيان غير معروف ‎@{0}؛ الكيانات تأتي من ملف عمليات الرصد",
    ),
    (
        r"in search, NEAR joins two plain terms or phrases",
        "dans la recherche, NEAR relie deux termes ou expressions simples",
        "في البحث، يربط NEAR بين كلمتين أو عبارتين بسيطتين",
    ),
    (
        r"NOT needs something to subtract from, as in: cloud NOT sport",
        "NOT demande de quoi retrancher, comme dans : cloud NOT sport",
        "يحتاج NOT إلى ما يُطرح منه، مثل: cloud NOT sport",
    ),
    (
        r"the search was stopped at its time limit \((.+) s\): search fewer words joined by "
        r"OR, or narrow it \(a source, a language, fewer days\)",
        "la recherche a été arrêtée à sa limite de temps ({0} s) : cherchez moins de mots "
        "reliés par OR, ou restreignez-la (une source, une langue, moins de jours)",
        "توقف البحث عند حده الزمني ({0} ث): ابحث عن كلمات أقل مربوطة بـ OR، أو ضيّقه "
        "(مصدر، لغة، أيام أقل)",
    ),
    (r"search failed: (.+)", "la recherche a échoué : {0}", "فشل البحث: {0}"),
    (
        r"the search holds a NUL character \(%00\), which no text has: remove it",
        "la recherche contient un caractère NUL (%00), qu'aucun texte n'a : retirez-le",
        "يحتوي البحث على محرف NUL ‏(%00)، ولا يحتويه أي نص: احذفه",
    ),
    (
        r"since (.+) is not a date \(YYYY-MM-DD\)",
        "depuis : {0} n'est pas une date (AAAA-MM-JJ)",
        "منذ: {0} ليس تاريخا (YYYY-MM-DD)",
    ),
    (
        r"until (.+) is not a date \(YYYY-MM-DD\)",
        "avant : {0} n'est pas une date (AAAA-MM-JJ)",
        "قبل: {0} ليس تاريخا (YYYY-MM-DD)",
    ),
    (
        r"(.+) is not an email address \(e\.g\. amina@example\.ma\)",
        "{0} n'est pas une adresse email (par exemple amina@example.ma)",
        "{0} ليس عنوان بريد إلكتروني (مثلا amina@example.ma)",
    ),
    (
        r"This link is not one veille made, or it was changed\.",
        "Ce lien n'a pas été fait par veille, ou il a été modifié.",
        "هذا الرابط لم تصنعه veille، أو تم تغييره.",
    ),
    (
        r"This link is for (.+), not for (.+)\.",
        "Ce lien sert à {0}, pas à {1}.",
        "هذا الرابط مخصص لـ {0}، وليس لـ {1}.",
    ),
    (
        r"This link has expired; do the same from the reader \(log in\) or a newer alert\.",
        "Ce lien a expiré : faites-le depuis le lecteur (connectez-vous) ou une alerte plus "
        "récente.",
        "انتهت صلاحية هذا الرابط: قم بذلك من القارئ (سجّل الدخول) أو من تنبيه أحدث.",
    ),
    (
        r"This link was used already; each link works once\.",
        "Ce lien a déjà servi ; chaque lien ne sert qu'une fois.",
        "استُخدم هذا الرابط من قبل؛ كل رابط يعمل مرة واحدة.",
    ),
    (
        r"This link was for (.+), who is no longer on the team: it does nothing any more\.",
        "Ce lien était pour {0}, qui ne fait plus partie de l'équipe : il ne fait plus rien.",
        "كان هذا الرابط لـ{0}، الذي لم يعد ضمن الفريق: لم يعد يفعل شيئا.",
    ),
    (
        r"(.+) is not a web address: give an absolute http:// or https:// URL \(files and "
        r"standard input are read by `veille rules test` on the command line only\)",
        "{0} n'est pas une adresse web : donnez une adresse absolue http:// ou https:// (les "
        "fichiers et l'entrée standard ne se lisent qu'en ligne de commande, avec "
        "`veille rules test`)",
        "{0} ليس عنوان ويب: أعط عنوانا مطلقا http://‎ أو https://‎ (الملفات والإدخال القياسي "
        "لا تُقرأ إلا في سطر الأوامر، بـ `veille rules test`)",
    ),
    (
        r"could not fetch (\S+): (.+)",
        "impossible de récupérer {0} : {1}",
        "تعذر جلب {0}: {1}",
    ),
    (
        r"(\S+): not stored, (.+)",
        "{0} : pas retenu comme article, {1}",
        "{0}: لم يُحفظ كمقال، {1}",
    ),
    (
        r"no watchlist named (.+)",
        "aucune veille nommée {0} : elle a peut-être été supprimée ; rechargez la page",
        "لا يوجد رصد باسم {0}: ربما حُذف؛ أعد تحميل الصفحة",
    ),
]
_COMPILED = [(re.compile(english), fr, ar) for english, fr, ar in _SENTENCES]

# Errors that carry their details rather than a sentence to parse again: {code: (French,
# Arabic)}, each count said with its word in the language's plural (« 1 mot », « كلمة واحدة »,
# « 15 999 caractères »: monitors.alerts.plurals.counted).
_CODED: dict[str, tuple[str, str]] = {
    SearchTooLong.code: (
        "la recherche est trop longue ({characters}, {words}) : au plus {most_characters} et "
        "{most_words} ; gardez les mots qui comptent le plus",
        "البحث طويل جدا ({characters}، {words}): {most_characters} و{most_words} على الأكثر؛ "
        "احتفظ بالكلمات الأهم",
    ),
}


def search_error_text(error: Exception, language: str) -> str:
    """A search's refusal in `language` ("fr", "ar"; "en" and others as the error says it):
    one that carries its code and counts (SearchTooLong) said from them, another by its
    sentence (error_text)."""
    if isinstance(error, SearchTooLong) and language in ("fr", "ar"):
        sentence = _CODED[error.code][language == "ar"]
        said = {name: counted(n, COUNTED_WORDS[name], language) for name, n in error.counts.items()}
        return sentence.format(**said)
    return error_text(str(error), language)


# the parts of the parser's "expected …, found …" and of a query error's place
_WORDS: dict[str, tuple[str, str]] = {
    "AND, OR, NOT, NEAR/n or the end of the query": (
        "AND, OR, NOT, NEAR/n ou la fin de la requête",
        "AND أو OR أو NOT أو NEAR/n أو نهاية الاستعلام",
    ),
    "a term or '('": ("un terme ou « ( »", "كلمة أو « ( »"),
    "a term, a quoted phrase, '(' or @entity": (
        "un terme, une expression entre guillemets, « ( » ou @entité",
        "كلمة أو عبارة بين علامتي تنصيص أو « ( » أو ‎@كيان",
    ),
    "the end of the query": ("la fin de la requête", "نهاية الاستعلام"),
}
_CLOSE = re.compile(r"'\)' to close the '\(' at character (\d+)")
_TERM_AFTER = re.compile(r"a term after (.+)")
_PLACE = re.compile(r"^(.*) \(at character (\d+)\)$", re.DOTALL)
_QUERY = "query: "


def _word(text: str, language: str) -> str:
    index = 0 if language == "fr" else 1
    if text in _WORDS:
        return _WORDS[text][index]
    if close := _CLOSE.fullmatch(text):
        return (
            f"« ) » pour fermer la « ( » du caractère {close[1]}",
            f"« ) » لإغلاق « ( » عند الحرف {close[1]}",
        )[index]
    if after := _TERM_AFTER.fullmatch(text):
        return (f"un terme après {after[1]}", f"كلمة بعد {after[1]}")[index]
    return text


def _sentence(text: str, language: str) -> str:
    for pattern, fr, ar in _COMPILED:
        if found := pattern.fullmatch(text):
            details = found.groups()
            if pattern.pattern.startswith("expected"):
                details = tuple(_word(d, language) for d in details)
            return (fr if language == "fr" else ar).format(*details)
    return text


def error_text(message: str, language: str) -> str:
    """`message`, an English error of a query, a day, an account form or a signed link, in
    `language` ("fr", "ar"; "en" and a sentence the table does not know come back as they are),
    its place in the query ("at character 7") and its details kept."""
    if language not in ("fr", "ar"):
        return message
    text, prefix = message, ""
    if text.startswith(_QUERY):
        text, prefix = text[len(_QUERY) :], ("requête : ", "الاستعلام: ")[language == "ar"]
    place = ""
    if found := _PLACE.match(text):
        text = found[1]
        place = (f" (au caractère {found[2]})", f" (عند الحرف {found[2]})")[language == "ar"]
    return prefix + _sentence(text, language) + place


_FILE_QUERY = re.compile(
    r"(?P<where>.+?): query: (?P<problem>.+?)(?: at character (?P<at>\d+) of the query)? "
    r"\(fix: see docs/watch-rules\.md for the query syntax\)",
    re.DOTALL,
)


_FILE_NAME = re.compile(
    r"(?P<where>.+?): watchlist name (?P<name>.*) is missing or invalid \(fix: use lowercase "
    r"letters, digits, '-' or '_', e\.g\. 'souverainete-numerique'\)",
    re.DOTALL,
)


_FILE_NOTHING = re.compile(
    r"(?P<where>.+?): watchlist (?P<name>.*) has no 'query', 'terms' or 'entities' "
    r"\(fix: give at least one of them\)",
    re.DOTALL,
)


# Other errors of a watchlist the form may write, as monitors.rules.watchlists and
# crawler.core.yamlfile say them after the file and line: (pattern, French, Arabic), the
# groups (a name, a code, the known ones) carried over as they are.
_FILE_SENTENCES: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(
            r"watchlist (?P<name>'.*') filters on unknown source (?P<source>'.*') \(fix: use a "
            r"source name from the sources file: (?P<known>.*)\)",
            re.DOTALL,
        ),
        "la veille {name} filtre sur une source inconnue {source} (à corriger : prenez un nom "
        "de source du fichier des sources : {known})",
        "الرصد {name} يقتصر على مصدر غير معروف {source} (للتصحيح: استعمل اسم مصدر من ملف "
        "المصادر: {known})",
    ),
    (
        re.compile(
            r"watchlist (?P<name>'.*') uses unknown entity (?P<entity>'.*') \(fix: define it "
            r"under 'entities:' \(known: (?P<known>.*)\)\)",
            re.DOTALL,
        ),
        "la veille {name} utilise une entité inconnue {entity} (à corriger : définissez-la "
        "sous « entities: » (connues : {known}))",
        "الرصد {name} يستعمل كيانا غير معروف {entity} (للتصحيح: عرّفه تحت « entities: » "
        "(المعروفة: {known}))",
    ),
    (
        re.compile(
            r"language (?P<code>'.*') is no language code \(ISO 639-1\) \(fix: write a list "
            r"such as \[fr, ar, en, es\]\)",
            re.DOTALL,
        ),
        "la langue {code} n'est pas un code de langue (ISO 639-1) (à corriger : écrivez une "
        "liste comme [fr, ar, en, es])",
        "اللغة {code} ليست رمز لغة (ISO 639-1) (للتصحيح: اكتب قائمة مثل [fr, ar, en, es])",
    ),
    (
        re.compile(
            r"language (?P<code>'.*') is not a code articles carry \(fix: write two-letter "
            r"codes \(ISO 639-1\) such as \[fr, ar, en, es\]\)",
            re.DOTALL,
        ),
        "la langue {code} n'est pas un code que portent les articles (à corriger : écrivez des "
        "codes de deux lettres (ISO 639-1) comme [fr, ar, en, es])",
        "اللغة {code} ليست رمزا تحمله المقالات (للتصحيح: اكتب رموزا من حرفين (ISO 639-1) مثل "
        "[fr, ar, en, es])",
    ),
    # crawler.core.yamlfile._other_code's other fixes: a region's tag or a capital (« fr-MA »,
    # « FR »), another standard's code (« ara »), an Amazigh language (« zgh », « tzm »)
    (
        re.compile(
            r"language (?P<code>'.*') is not a code articles carry \(fix: write (?P<fix>'\w+'), "
            r"without the region: articles carry none\)",
            re.DOTALL,
        ),
        "la langue {code} n'est pas un code que portent les articles (à corriger : écrivez "
        "{fix}, sans la région : les articles n'en portent pas)",
        "اللغة {code} ليست رمزا تحمله المقالات (للتصحيح: اكتب {fix} بلا المنطقة: لا تحملها "
        "المقالات)",
    ),
    (
        re.compile(
            r"language (?P<code>'.*') is not a code articles carry \(fix: write (?P<fix>'\w+'), "
            r"in lower case\)",
            re.DOTALL,
        ),
        "la langue {code} n'est pas un code que portent les articles (à corriger : écrivez "
        "{fix}, en minuscules)",
        "اللغة {code} ليست رمزا تحمله المقالات (للتصحيح: اكتب {fix} بحروف صغيرة)",
    ),
    (
        re.compile(
            r"language (?P<code>'.*') is not a code articles carry \(fix: write (?P<fix>'\w+'), "
            r"the two-letter code \(ISO 639-1\)\)",
            re.DOTALL,
        ),
        "la langue {code} n'est pas un code que portent les articles (à corriger : écrivez "
        "{fix}, le code de deux lettres (ISO 639-1))",
        "اللغة {code} ليست رمزا تحمله المقالات (للتصحيح: اكتب {fix}، الرمز ذا الحرفين (ISO 639-1))",
    ),
    (
        re.compile(
            r"language (?P<code>'.*') is an Amazigh language the language identifier does not "
            r"name: no article is labelled with it \(fix: leave it out of languages \(Kabyle "
            r"is 'kab'\)\)",
            re.DOTALL,
        ),
        "la langue {code} est une langue amazighe que l'identification de la langue ne nomme "
        "pas : aucun article ne la porte (à corriger : retirez-la des langues (le kabyle est "
        "'kab'))",
        "اللغة {code} لغة أمازيغية لا يسمّيها مُعرّف اللغة: لا يحملها أي مقال (للتصحيح: احذفها "
        "من اللغات (القبائلية هي 'kab'))",
    ),
]
_WHERE = re.compile(r"(?P<where>[^\n]+?:\d+): (?P<problem>.+)", re.DOTALL)


def _file_sentence(detail: str, language: str) -> str | None:
    """`detail` (« FILE:LINE: problem ») with its problem in `language`, if it is one of
    _FILE_SENTENCES."""
    placed = _WHERE.fullmatch(detail)
    if placed is None:
        return None
    for pattern, french, arabic in _FILE_SENTENCES:
        found = pattern.fullmatch(placed["problem"])
        if found:
            groups = found.groupdict()
            if groups.get("known") == "none":  # a file that defines no entity
                groups["known"] = "aucune" if language == "fr" else "لا شيء"
            sentence = (french if language == "fr" else arabic).format(**groups)
            return f"{placed['where']}{' : ' if language == 'fr' else ': '}{sentence}"
    return None


def file_error_text(detail: str, language: str) -> str:
    """A watchlists file's error about a watchlist's query (the page's editor saving a query
    that does not parse), its name (a search in Arabic saved as a watchlist has none) or its
    having nothing to look for (a form saved with no query, terms nor entities), in
    `language`: the file and line as they are, the problem and its place in the query
    translated; any other error of the file as it is."""
    named = _FILE_NAME.fullmatch(detail)
    if language in ("fr", "ar") and named:
        where, name = named["where"], named["name"]
        if language == "fr":
            return (
                f"{where} : nom de veille {name} absent ou invalide (à corriger : des lettres "
                "minuscules, des chiffres, - ou _, par exemple 'souverainete-numerique')"
            )
        return (
            f"{where}: اسم الرصد {name} غير موجود أو غير صالح (للتصحيح: حروف لاتينية صغيرة أو "
            "أرقام أو - أو _، مثلا 'souverainete-numerique')"
        )
    nothing = _FILE_NOTHING.fullmatch(detail)
    if language in ("fr", "ar") and nothing:  # a form saved with nothing to look for
        where, name = nothing["where"], nothing["name"]
        if language == "fr":
            return (
                f"{where} : la veille {name} n'a ni requête, ni termes, ni entités (à corriger : "
                "donnez-lui au moins l'un des trois)"
            )
        return f"{where}: الرصد {name} بلا استعلام ولا كلمات ولا كيانات (للتصحيح: أعطه واحدا منها على الأقل)"
    said = _file_sentence(detail, language) if language in ("fr", "ar") else None
    if said is not None:
        return said
    found = _FILE_QUERY.fullmatch(detail)
    if language not in ("fr", "ar") or not found:
        return detail
    problem = _sentence(found["problem"], language)
    if language == "fr":
        at = f" (au caractère {found['at']} de la requête)" if found["at"] else ""
        return (
            f"{found['where']} : requête : {problem}{at} (voir docs/watch-rules.md pour la "
            "syntaxe des requêtes)"
        )
    at = f" (عند الحرف {found['at']} من الاستعلام)" if found["at"] else ""
    return (
        f"{found['where']}: الاستعلام: {problem}{at} (انظر docs/watch-rules.md لصيغة الاستعلامات)"
    )
