"""Why the last crawl did not take a listing's links, in the reader's language.

The crawl stores its reasons in English, as `veille status` prints them (sources.links_not_taken,
crawler.discovery.links and crawler.discovery.discover): the sources page of a French or Arabic
reader showed « 3 a video or photo page, 2 the home page » in English. A reason with no
translation here (a new one) is shown as stored.
"""

from __future__ import annotations

from crawler.discovery.links import LABEL, LIVE_DATA, NO_SHAPE, NOT_AN_ARTICLE, SERVICE, VIDEO

_REASONS: dict[str, dict[str, str]] = {
    "fr": {
        "item without a usable link": "élément sans lien utilisable",
        "not http": "pas une adresse http",
        "not matching article_pattern": "hors du motif article_pattern",
        VIDEO: "une page de vidéo ou de photos",
        LIVE_DATA: (
            "une page de données en direct (heures de prière, bourse, météo, taux de change, scores)"
        ),
        SERVICE: (
            "une page de service (pharmacies de garde, journal numérique, horoscope, programme "
            "télé, jeux)"
        ),
        LABEL: "une étiquette, pas un titre",
        NO_SHAPE: "pas la forme d'un article (ni identifiant, ni date, ni titre dans l'adresse)",
        "the listing itself": "la liste elle-même",
        "a file, not a page": "un fichier, pas une page",
        "a section, tag, author, pagination or service page": (
            "une page de rubrique, de mot-clé, d'auteur, de pagination ou de service"
        ),
        "a page of a listing": "une page d'une liste",
        "the home page": "la page d'accueil",
    },
    "ar": {
        "item without a usable link": "عنصر بلا رابط صالح",
        "not http": "ليس عنوان http",
        "not matching article_pattern": "لا يطابق article_pattern",
        VIDEO: "صفحة فيديو أو صور",
        LIVE_DATA: "صفحة بيانات مباشرة (مواقيت الصلاة، البورصة، الطقس، أسعار الصرف، النتائج)",
        SERVICE: "صفحة خدمات (صيدليات الحراسة، النسخة الرقمية، الأبراج، برامج التلفزيون، الألعاب)",
        LABEL: "وسم وليس عنوانا",
        NO_SHAPE: "ليس بشكل مقال (لا معرّف ولا تاريخ ولا عنوان في الرابط)",
        "the listing itself": "صفحة القائمة نفسها",
        "a file, not a page": "ملف وليس صفحة",
        "a section, tag, author, pagination or service page": (
            "صفحة قسم أو وسم أو كاتب أو ترقيم أو خدمة"
        ),
        "a page of a listing": "صفحة من قائمة",
        "the home page": "الصفحة الرئيسية",
    },
}
_NOT_AN_ARTICLE = {"fr": "pas un article : ", "ar": "ليس مقالا: "}


def reason_text(reason: str, lang: str | None) -> str:
    """`reason` as the crawl stored it, in `lang` where it is one the crawl gives."""
    words = _REASONS.get(lang or "")
    if words is None:
        return reason
    if reason.startswith(NOT_AN_ARTICLE):
        kind = reason.removeprefix(NOT_AN_ARTICLE)
        if kind in words:
            return _NOT_AN_ARTICLE[lang or ""] + words[kind]
        return reason
    return words.get(reason, reason)
