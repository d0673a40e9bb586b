"""Counted words in French, English and Arabic ("1 veille", "3 veilles", "مقالان"), so messages
never say "1 veilles": each language's CLDR plural categories, and the words for each.

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
    },
    "en": {
        "article": {"one": "{n} article", "other": "{n} articles"},
        "watchlist": {"one": "{n} watchlist", "other": "{n} watchlists"},
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


def counted(n: int, word: str, lang: str) -> str:
    """`n` and `word` as `lang` says them: counted(1, 'watchlist', 'fr') == '1 veille'."""
    forms = FORMS.get(lang, FORMS["fr"])[word]
    shown = format_number(n, lang)  # 1 234 in French, 1,234 in English, 1.234 in Arabic
    return forms.get(plural_category(n, lang), forms["other"]).format(n=shown)
