"""Counted words in French, English and Arabic ("1 veille", "3 veilles", "مقالان"), so messages
and the reader's pages never say "1 veilles" or "3 نتيجة": each language's CLDR plural
categories, and the words for each. The one place both count in.

Arabic has six categories (zero, one, two, few for 3-10, many for 11-99, other for 100-102 …);
its one and two forms carry the number in the word itself (مقال واحد, مقالان).
"""

from __future__ import annotations

from monitors.alerts.localized import format_number

# The forms of each counted word: {language: {word: {category: template}}}; `{n}` is the count.
FORMS: dict[str, dict[str, dict[str, str]]] = {
    "fr": {
        "article": {"one": "{n} article", "other": "{n} articles"},
        "watchlist": {"one": "{n} veille", "other": "{n} veilles"},
        "result": {"one": "{n} résultat", "other": "{n} résultats"},
        "outlet": {"one": "{n} média", "other": "{n} médias"},
        "spelling": {"one": "{n} graphie", "other": "{n} graphies"},
    },
    "en": {
        "article": {"one": "{n} article", "other": "{n} articles"},
        "watchlist": {"one": "{n} watchlist", "other": "{n} watchlists"},
        "result": {"one": "{n} result", "other": "{n} results"},
        "outlet": {"one": "{n} outlet", "other": "{n} outlets"},
        "spelling": {"one": "{n} spelling", "other": "{n} spellings"},
    },
    "ar": {
        "article": {
            "zero": "{n} مقال",
            "one": "مقال واحد",
            "two": "مقالان",
            "few": "{n} مقالات",
            "many": "{n} مقالا",
            "other": "{n} مقال",
        },
        "watchlist": {
            "zero": "{n} عملية رصد",
            "one": "عملية رصد واحدة",
            "two": "عمليتا رصد",
            "few": "{n} عمليات رصد",
            "many": "{n} عملية رصد",
            "other": "{n} عملية رصد",
        },
        "result": {
            "zero": "{n} نتيجة",
            "one": "نتيجة واحدة",
            "two": "نتيجتان",
            "few": "{n} نتائج",
            "many": "{n} نتيجة",
            "other": "{n} نتيجة",
        },
        "outlet": {
            "zero": "{n} مصدر",
            "one": "مصدر واحد",
            "two": "مصدران",
            "few": "{n} مصادر",
            "many": "{n} مصدرا",
            "other": "{n} مصدر",
        },
        "spelling": {
            "zero": "{n} صيغة",
            "one": "صيغة واحدة",
            "two": "صيغتان",
            "few": "{n} صيغ",
            "many": "{n} صيغة",
            "other": "{n} صيغة",
        },
    },
}


def plural_category(n: int, lang: str) -> str:
    """The CLDR plural category of a whole number `n` in `lang` (French: 0 and 1 are 'one')."""
    n = abs(n)
    if lang == "ar":
        if n in (0, 1, 2):
            return ("zero", "one", "two")[n]
        if 3 <= n % 100 <= 10:
            return "few"
        if 11 <= n % 100 <= 99:
            return "many"
        return "other"
    if lang == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


def counted(n: int, word: str, lang: str, more: bool = False) -> str:
    """`n` and `word` as `lang` says them: counted(1, 'watchlist', 'fr') == '1 veille'.
    `more` says there are more than `n` (a list's first page): « 20+ résultats »."""
    forms = FORMS.get(lang, FORMS["fr"])[word]
    shown = format_number(n, lang)  # 1 234 in French, 1,234 in English, 1.234 in Arabic
    category = plural_category(n, lang)
    if more and (lang != "ar" or category in ("one", "two")):
        category = "few" if lang == "ar" else "other"  # more than one: a plural with its number
    return forms.get(category, forms["other"]).format(n=shown + ("+" if more else ""))
