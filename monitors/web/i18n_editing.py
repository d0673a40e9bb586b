"""The Arabic words of the watchlist-editing pages (monitors.web.editing), in Modern Standard
Arabic as Moroccan readers write it; kept apart so that editing.py stays about editing.
Placeholders ({editors}, {pid}, {file}…) are the same as in French and English."""

from __future__ import annotations

__all__ = ["EDITING_ARABIC", "add_editing_arabic"]

EDITING_ARABIC: dict[str, str] = {
    "watchlists": "عمليات الرصد",
    "new": "رصد جديد",
    "edit": "تعديل",
    "pause": "إيقاف مؤقت",
    "resume": "استئناف",
    "delete": "حذف",
    "paused": "موقوف مؤقتا",
    "name": "الاسم (حروف لاتينية صغيرة أو أرقام أو - أو _)",
    "title": "العنوان",
    "query": "القاعدة (الاستعلام)",
    "terms": "الكلمات (كلمة في كل سطر)",
    "exclude": "المستبعد (كلمة في كل سطر)",
    "languages": "اللغات (fr، ar، en…)",
    "sources": "المصادر (أسماء مفصولة بفواصل)",
    "notify": "قنوات التنبيه (أسماء مفصولة بفواصل)",
    "known_channels": "القنوات المعروفة",
    "test_title": "عنوان للاختبار",
    "test_url": "أو رابط مقال للاختبار",
    "test_text": "نص للاختبار",
    "days": "الاختبار على المقالات المخزنة (بالأيام)",
    "preview": "معاينة: اختبار القاعدة على النص وعلى المقالات المخزنة",
    "save": "حفظ",
    "preview_first": "راجع المعاينة أدناه، ثم احفظ.",
    "changed_since_preview": "تغيّر النموذج منذ المعاينة: راجع هذه المعاينة الجديدة، ثم احفظ.",
    "valid": "يبقى الملف صالحا.",
    "warnings": "تنبيهات",
    "diff": "التغيير في الملف",
    "backtest": "ما كانت القاعدة سترصده",
    "rule_test": "الاختبار على النص المعطى",
    "saved": "تم الحفظ",
    "saved_heading": "تم الحفظ:",
    "change_create": "إنشاء",
    "change_update": "تعديل",
    "change_pause": "إيقاف مؤقت",
    "change_resume": "استئناف",
    "change_delete": "حذف",
    "saved_in": "حُفظ التعديل في",
    "backup": "والنسخة السابقة محفوظة في",
    "reloaded": "طُلب من البرنامج الخادم (pid {pid}) إعادة تحميل عمليات الرصد.",
    "no_daemon": "لا يعمل أي برنامج خادم على هذه القاعدة: ستُقرأ عمليات الرصد عند تشغيله "
    "القادم ({pidfile} غير موجود أو تركه برنامج خادم متوقف).",
    "other_user_daemon": "البرنامج الخادم لهذه القاعدة ({pid}) يعمل باسم مستخدم آخر: ستُقرأ "
    "عمليات الرصد عند تشغيله القادم، أو بعد تنفيذ `veille reload` باسم ذلك المستخدم.",
    "stale": "رُفض التعديل",
    "your_change": "ما أدخلته (لنسخه في النموذج بعد إعادة فتحه)",
    "reopen": "إعادة فتح النموذج",
    "not_allowed": "لا يمكنك تعديل عمليات الرصد: وحدهم {editors} يمكنهم ذلك "
    "(الإعداد VEILLE_WEB_EDITORS أو veille serve --editor).",
    "nobody": "لا أحد",
    "list_comma": "، ",
    "changes": "آخر التعديلات",
    "no_changes": "لم يُجرَ أي تعديل من القارئ بعد.",
    "followers": "يتابعه {names}: لن تصلهم تنبيهاته بعد الآن.",
    "confirm_delete": "حذف هذا الرصد من الملف؟ تبقى المقالات التي وجدها متاحة، باسمه، في « حسابي ».",
    "opml": "خلاصات كل عمليات الرصد (OPML، لقارئ الخلاصات)",
    "save_search": "حفظ هذا البحث كرصد",
    "query_help": 'لغة البحث نفسها: OR، AND، NOT، "عبارة"، بادئة*، NEAR/5، title:، @كيان.',
    "who": "من",
    "when": "متى",
    "what": "ماذا",
    "state": "الحالة",
    "active": "نشط",
    "stale_file": "لم يُحفظ: تغيّر الملف {file} على القرص منذ فتح هذا النموذج (عُدّل يدويا أو "
    "حفظه شخص آخر)؛ لم يُستبدل أي شيء. أعد فتح النموذج لتبدأ من الملف كما هو الآن.",
    "form_too_large": "النموذج كبير جدا (أكثر من 1 ميغابايت).",
    "refused_not_yaml": "ملف عمليات الرصد ليس YAML صالحا ({detail})؛ أصلحه يدويا "
    "(`veille rules check` يبيّن الموضع) قبل تعديله هنا.",
    "refused_no_list": "ملف عمليات الرصد لا يحتوي على قائمة 'watchlists:'؛ أضفها يدويا "
    "(docs/watch-rules.md).",
    "refused_exists": "يوجد رصد باسم {name}؛ اختر اسما آخر.",
    "refused_missing": "لا يوجد (أو لم يعد يوجد) في الملف رصد باسم {name}؛ أعد تحميل "
    "صفحة عمليات الرصد.",
    "refused_invalid": "لم يُحفظ، لأن الملف سيصبح غير صالح: {detail}",
    "refused_sources_invalid": "لم يُحفظ: ملف المصادر الذي تُفحص عمليات الرصد على أساسه غير "
    "صالح ({detail})؛ أصلحه أولا (`veille sources check --offline`).",
    "unknown_watchlist": "الرصد {name}",
    "post_only": "هذا العنوان يقبل POST فقط",
}


def add_editing_arabic(labels: dict[str, dict[str, str]]) -> None:
    """Add the Arabic words to the editing pages' `labels` (English where a word has none yet:
    tests/test_watchlist_arabic.py keeps that set empty)."""
    labels["ar"] = {**labels["en"], **EDITING_ARABIC}
