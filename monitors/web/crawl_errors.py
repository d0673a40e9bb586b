"""A source's last crawl error and its warning, said in the reader's language.

The crawl stores each fault as a kind (a code: « http-404 », « dns », « timeout »,
crawler.spiders.news.describe_failure and the pipelines) and a message in English, which
`veille status` prints and the log carries. The sources page of a French or Arabic reader
showed that English text alone (« dns: host name does not resolve »); it now says the kind's
sentence in the page's language, with what to do, above the stored text, kept as it is for the
detail (the address, the setting to write). A kind with no words here (a new one) and the English
page show the stored text alone, as before.
"""

from __future__ import annotations

import re

from monitors.alerts.localized import format_number

_KINDS: dict[str, dict[str, str]] = {
    "fr": {
        "dns": "Le nom du site ne se résout pas : vérifiez son adresse dans le fichier des sources.",
        "unreachable": "Connexion refusée ou impossible : le site est-il hors service ?",
        "timeout": "Pas de réponse avant le délai de téléchargement : le site est lent ou hors "
        "service.",
        "truncated": "Le serveur a coupé la connexion avant la fin de la page.",
        "connection-lost": "Le serveur a fermé la connexion avant la fin de la page.",
        "blocked-address": "Adresse interne refusée : le texte ci-dessous dit le réglage à "
        "écrire si ce site est voulu.",
        "redirect-loop": "Trop de redirections : l'adresse tourne en rond.",
        "too-large": "Page plus grande que la limite de taille (DOWNLOAD_MAXSIZE).",
        "stopped": "Téléchargement interrompu : l'exploration a été arrêtée.",
        "ignored": "Requête écartée (robots.txt ou limite de taille).",
        "fetch-failed": "Le téléchargement a échoué.",
        "bad-link": "Liens inutilisables écartés.",
        "store": "Article non enregistré : la base de données l'a refusé ; la prochaine "
        "exploration le reprend.",
        "internal-error": "Article non enregistré : une étape du traitement a échoué ; il est "
        "repris à la prochaine exploration, le détail est dans le journal.",
        "unfinished": "Exploration arrêtée avant la fin de cette source (limite de temps, "
        "mémoire, arrêt) : ce qu'elle a enregistré est gardé, le reste est repris à la prochaine "
        "exploration.",
        "extraction-failed": "Article non extrait : le processus d'extraction a échoué ; il est "
        "repris à la prochaine exploration, le détail est dans le journal.",
        "not-html": "Pas une page HTML.",
        "not-article": "Page écartée : ce n'est pas un article.",
        "too-slow": "Page écartée : son extraction a pris trop de temps.",
        "too-complex": "Page écartée : trop complexe à extraire.",
        "navigation-text": "Texte gardé, mais il ressemble à un menu de navigation.",
        "extraction": "Remarque de l'extraction sur une page gardée.",
        "text-cut": "Texte d'un article coupé à sa limite (MAX_TEXT_CHARACTERS).",
        "date-in-the-future": "Date de publication plus d'un jour après la visite : non gardée.",
        "http": "Le site a répondu HTTP {status}.",
        "http-404": "Le site a répondu HTTP 404 : cette adresse n'existe pas ou plus.",
        "http-410": "Le site a répondu HTTP 410 : cette adresse n'existe plus.",
        "malformed": "Point d'entrée illisible ({entry}).",
        "feed": "flux",
        "sitemap": "sitemap",
        "listing": "page de liste",
    },
    "ar": {
        "dns": "اسم الموقع لا يُعرف عنوانه: تحقّق من عنوانه في ملف المصادر.",
        "unreachable": "الاتصال مرفوض أو متعذّر: هل الموقع متوقف؟",
        "timeout": "لا جواب قبل انتهاء مهلة التنزيل: الموقع بطيء أو متوقف.",
        "truncated": "قطع الخادم الاتصال قبل نهاية الصفحة.",
        "connection-lost": "أغلق الخادم الاتصال قبل نهاية الصفحة.",
        "blocked-address": "عنوان داخلي مرفوض: النص أدناه يذكر الإعداد الذي يُكتب إن كان الموقع مقصودا.",
        "redirect-loop": "إعادة توجيه أكثر من اللازم: العنوان يدور في حلقة.",
        "too-large": "الصفحة أكبر من حدّ الحجم (DOWNLOAD_MAXSIZE).",
        "stopped": "توقف التنزيل: أُوقف الاستكشاف.",
        "ignored": "طلب مستبعد (robots.txt أو حدّ الحجم).",
        "fetch-failed": "فشل التنزيل.",
        "bad-link": "روابط غير صالحة استُبعدت.",
        "store": "لم يُحفظ المقال: رفضته قاعدة البيانات، ويُعاد في الاستكشاف التالي.",
        "internal-error": "لم يُحفظ المقال: فشلت مرحلة من المعالجة، ويُعاد في الاستكشاف التالي، "
        "والتفاصيل في السجل.",
        "unfinished": "توقف الاستكشاف قبل إتمام هذا المصدر (حدّ الوقت أو الذاكرة أو إيقاف): ما "
        "حُفظ باقٍ، والباقي يُجلب في الاستكشاف التالي.",
        "extraction-failed": "لم يُستخرج المقال: فشلت عملية الاستخراج، ويُعاد في الاستكشاف التالي، "
        "والتفاصيل في السجل.",
        "not-html": "ليست صفحة HTML.",
        "not-article": "صفحة مستبعدة: ليست مقالا.",
        "too-slow": "صفحة مستبعدة: استغرق استخراجها وقتا طويلا.",
        "too-complex": "صفحة مستبعدة: معقّدة جدا للاستخراج.",
        "navigation-text": "نص محفوظ لكنه يشبه قائمة تصفح.",
        "extraction": "ملاحظة من الاستخراج على صفحة محفوظة.",
        "text-cut": "نص مقال قُطع عند حدّه (MAX_TEXT_CHARACTERS).",
        "date-in-the-future": "تاريخ النشر بعد الزيارة بأكثر من يوم: لم يُحفظ.",
        "http": "أجاب الموقع برمز HTTP {status}.",
        "http-404": "أجاب الموقع برمز HTTP 404: هذا العنوان غير موجود.",
        "http-410": "أجاب الموقع برمز HTTP 410: هذا العنوان لم يعد موجودا.",
        "malformed": "نقطة دخول غير مقروءة ({entry}).",
        "feed": "خلاصة",
        "sitemap": "خريطة موقع",
        "listing": "صفحة قائمة",
    },
}


def error_sentence(kind: str | None, lang: str | None) -> str | None:
    """The sentence of a crawl error's `kind` in `lang`; None for English and for a kind with no
    words here, whose stored text is shown alone."""
    words = _KINDS.get(lang or "")
    if words is None or not kind:
        return None
    if kind in words and kind not in ("http", "malformed", "feed", "sitemap", "listing"):
        return words[kind]
    status = kind.removeprefix("http-")
    if kind.startswith("http-") and status.isdigit():
        return words["http"].format(status=status)
    entry = kind.removeprefix("malformed-")
    if kind.startswith("malformed-") and entry in words:
        return words["malformed"].format(entry=words[entry])
    return None


# The two warnings of a source that went quiet, as crawler.storage.store.record_link_counts
# writes them (in English, as `veille status` prints them); the reasons of the first are said
# on the line below them (sources.links_not_taken, monitors.web.reasons).
_NONE_TAKEN = re.compile(r"(\d+) links found, none taken as articles \(")
_FEWER = re.compile(r"only (\d+) article links in this crawl, usually about (\d+):")
_WARNINGS: dict[str, tuple[str, str]] = {
    "fr": (
        "{found} liens trouvés, aucun pris comme article : vérifiez article_pattern, ou ajoutez "
        "les autres hôtes du site à aliases.",
        "Seulement {taken} liens d'articles dans cette exploration, d'habitude environ "
        "{usual} : le site a-t-il changé ses pages ou ses flux ?",
    ),
    "ar": (
        "وُجد {found} رابطا ولم يؤخذ أي منها كمقال: تحقّق من article_pattern أو أضف نطاقات "
        "الموقع الأخرى إلى aliases.",
        "{taken} روابط مقالات فقط في هذا الاستكشاف، والمعتاد نحو {usual}: هل غيّر الموقع "
        "صفحاته أو خلاصاته؟",
    ),
}


def warning_sentence(warning: str | None, lang: str | None) -> str | None:
    """The warning of a source that went quiet in `lang`, its numbers as `lang` writes them;
    None for English and for words not known here, shown as stored."""
    words = _WARNINGS.get(lang or "")
    if words is None or not warning:
        return None
    none_taken = _NONE_TAKEN.match(warning)
    if none_taken:
        return words[0].format(found=format_number(int(none_taken[1]), lang))
    fewer = _FEWER.match(warning)
    if fewer:
        return words[1].format(
            taken=format_number(int(fewer[1]), lang), usual=format_number(int(fewer[2]), lang)
        )
    return None
