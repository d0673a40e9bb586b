"""Which way a text runs: Arabic (and the other right-to-left scripts) right to left, so web
pages and alert emails set `dir` and `lang` on what they quote from an article."""

from __future__ import annotations

import re

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
_RTL_LETTER = re.compile(
    r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]"
)
_LTR_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


def text_direction(language: str | None, sample: str = "") -> str:
    """'rtl' or 'ltr': by the article's language when known, else by its letters."""
    if language:
        return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"
    sample = sample[:400]
    return "rtl" if len(_RTL_LETTER.findall(sample)) > len(_LTR_LETTER.findall(sample)) else "ltr"


def content_language(language: str | None, sample: str = "") -> str | None:
    """The language to declare in `lang`: the stored one, or 'ar' for unlabelled Arabic."""
    if language:
        return language
    return "ar" if text_direction(None, sample) == "rtl" else None
