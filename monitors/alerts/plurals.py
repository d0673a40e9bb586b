"""Counted words in French, English and Arabic ("1 veille", "3 veilles", "مقالان"), so messages
and the reader's pages never say "1 veilles" or "3 نتيجة": each language's CLDR plural
categories, and the words for each. The one place both count in.

Arabic has six categories (zero, one, two, few for 3-10, many for 11-99, other for 100-102 …);
its one and two forms carry the number in the word itself (مقال واحد, مقالان).
"""

from __future__ import annotations

from monitors.alerts.localized import format_number

# The forms of each counted word: {language: {word: {category: template}}}; `{n}` is the count.
# `character` is a version's length as a list shows it (« 2 400 car. »), `character_written`
# the same count in a sentence (« 1 001 caractères »).
FORMS: dict[str, dict[str, dict[str, str]]] = {
    "fr": {
        "article": {"one": "{n} article", "other": "{n} articles"},
        "watchlist": {"one": "{n} veille", "other": "{n} veilles"},
        "result": {"one": "{n} résultat", "other": "{n} résultats"},
        "outlet": {"one": "{n} média", "other": "{n} médias"},
        "spelling": {"one": "{n} graphie", "other": "{n} graphies"},
        "character": {"one": "{n} car.", "other": "{n} car."},
        "character_written": {"one": "{n} caractère", "other": "{n} caractères"},
        "word": {"one": "{n} mot", "other": "{n} mots"},
        "source": {"one": "{n} source", "other": "{n} sources"},
        "entry_point": {"one": "{n} point d'entrée", "other": "{n} points d'entrée"},
        "delivery": {"one": "{n} envoi", "other": "{n} envois"},
        "time": {"one": "{n} fois", "other": "{n} fois"},
        "new": {"one": "{n} nouveau", "other": "{n} nouveaux"},
        "marked": {
            "one": "{n} article marqué « pas pertinent »",
            "other": "{n} articles marqués « pas pertinent »",
        },
        "page_declined": {"one": "{n} page refusée", "other": "{n} pages refusées"},
        "navigation_text": {
            "one": "{n} texte gardé qui ressemble à un menu",
            "other": "{n} textes gardés qui ressemblent à un menu",
        },
        "link_not_taken": {
            "one": "{n} lien de la dernière exploration qui n'est pas un article",
            "other": "{n} liens de la dernière exploration qui ne sont pas des articles",
        },
    },
    "en": {
        "article": {"one": "{n} article", "other": "{n} articles"},
        "watchlist": {"one": "{n} watchlist", "other": "{n} watchlists"},
        "result": {"one": "{n} result", "other": "{n} results"},
        "outlet": {"one": "{n} outlet", "other": "{n} outlets"},
        "spelling": {"one": "{n} spelling", "other": "{n} spellings"},
        "character": {"one": "{n} character", "other": "{n} characters"},
        "character_written": {"one": "{n} character", "other": "{n} characters"},
        "word": {"one": "{n} word", "other": "{n} words"},
        "source": {"one": "{n} source", "other": "{n} sources"},
        "entry_point": {"one": "{n} entry point", "other": "{n} entry points"},
        "delivery": {"one": "{n} delivery", "other": "{n} deliveries"},
        "time": {"one": "{n} time", "other": "{n} times"},
        "new": {"one": "{n} new", "other": "{n} new"},
        "marked": {
            "one": "{n} article marked not relevant",
            "other": "{n} articles marked not relevant",
        },
        "page_declined": {"one": "{n} page declined", "other": "{n} pages declined"},
        "navigation_text": {
            "one": "{n} text kept that reads like navigation",
            "other": "{n} texts kept that read like navigation",
        },
        "link_not_taken": {
            "one": "{n} link of the last crawl that is not an article",
            "other": "{n} links of the last crawl that are not articles",
        },
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
        "character": {
            "zero": "{n} حرف",
            "one": "حرف واحد",
            "two": "حرفان",
            "few": "{n} أحرف",
            "many": "{n} حرفا",
            "other": "{n} حرف",
        },
        "character_written": {
            "zero": "{n} حرف",
            "one": "حرف واحد",
            "two": "حرفان",
            "few": "{n} أحرف",
            "many": "{n} حرفا",
            "other": "{n} حرف",
        },
        "word": {
            "zero": "{n} كلمة",
            "one": "كلمة واحدة",
            "two": "كلمتان",
            "few": "{n} كلمات",
            "many": "{n} كلمة",
            "other": "{n} كلمة",
        },
        "source": {
            "zero": "{n} مصدر",
            "one": "مصدر واحد",
            "two": "مصدران",
            "few": "{n} مصادر",
            "many": "{n} مصدرا",
            "other": "{n} مصدر",
        },
        "entry_point": {
            "zero": "{n} نقطة دخول",
            "one": "نقطة دخول واحدة",
            "two": "نقطتا دخول",
            "few": "{n} نقاط دخول",
            "many": "{n} نقطة دخول",
            "other": "{n} نقطة دخول",
        },
        "delivery": {
            "zero": "{n} إرسال",
            "one": "إرسال واحد",
            "two": "إرسالان",
            "few": "{n} إرسالات",
            "many": "{n} إرسالا",
            "other": "{n} إرسال",
        },
        "time": {
            "zero": "{n} مرة",
            "one": "مرة واحدة",
            "two": "مرتان",
            "few": "{n} مرات",
            "many": "{n} مرة",
            "other": "{n} مرة",
        },
        "new": {
            "zero": "{n} مقال جديد",
            "one": "مقال جديد واحد",
            "two": "مقالان جديدان",
            "few": "{n} مقالات جديدة",
            "many": "{n} مقالا جديدا",
            "other": "{n} مقال جديد",
        },
        "marked": {
            "zero": "{n} مقال وُصف بأنه غير مهم",
            "one": "مقال واحد وُصف بأنه غير مهم",
            "two": "مقالان وُصفا بأنهما غير مهمين",
            "few": "{n} مقالات وُصفت بأنها غير مهمة",
            "many": "{n} مقالا وُصف بأنه غير مهم",
            "other": "{n} مقال وُصف بأنه غير مهم",
        },
        "page_declined": {
            "zero": "{n} صفحة مرفوضة",
            "one": "صفحة واحدة مرفوضة",
            "two": "صفحتان مرفوضتان",
            "few": "{n} صفحات مرفوضة",
            "many": "{n} صفحة مرفوضة",
            "other": "{n} صفحة مرفوضة",
        },
        "navigation_text": {
            "zero": "{n} نص محفوظ يشبه قوائم التصفح",
            "one": "نص واحد محفوظ يشبه قوائم التصفح",
            "two": "نصان محفوظان يشبهان قوائم التصفح",
            "few": "{n} نصوص محفوظة تشبه قوائم التصفح",
            "many": "{n} نصا محفوظا يشبه قوائم التصفح",
            "other": "{n} نص محفوظ يشبه قوائم التصفح",
        },
        "link_not_taken": {
            "zero": "{n} رابط من آخر جلب ليس مقالا",
            "one": "رابط واحد من آخر جلب ليس مقالا",
            "two": "رابطان من آخر جلب ليسا مقالين",
            "few": "{n} روابط من آخر جلب ليست مقالات",
            "many": "{n} رابطا من آخر جلب ليست مقالات",
            "other": "{n} رابط من آخر جلب ليست مقالات",
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


def counted(
    n: int, word: str, lang: str, more: bool = False, numbered: bool = False, shown: str = "{}"
) -> str:
    """`n` and `word` as `lang` says them: counted(1, 'watchlist', 'fr') == '1 veille'.
    `more` says there are more than `n` (a list's first page): « 20+ résultats »; `numbered`
    that the number must be written (after « 3 / »), where Arabic says one and two in the word
    itself; `shown` is the number's markup (« <strong>{}</strong> »)."""
    forms = FORMS.get(lang, FORMS["fr"])[word]
    number = format_number(n, lang)  # 1 234 in French, 1,234 in English, 1.234 in Arabic
    category = plural_category(n, lang)
    if more and lang != "ar":
        category = "other"  # more than one
    elif (more or numbered) and category in ("one", "two") and lang == "ar":
        category = "few"  # a plural that writes its number
    return forms.get(category, forms["other"]).format(
        n=shown.format(number + ("+" if more else ""))
    )
