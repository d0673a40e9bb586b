"""Realistic copies of the stories in fixtures/syndication/stories.yaml: what outlets do to wire
copy — rewrite the headline, add an intro or a dateline, append their boilerplate tail, cut the
text to 60 %, change a few words, drop a sentence."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

STORIES = yaml.safe_load(
    (Path(__file__).parent / "fixtures/syndication/stories.yaml").read_text(encoding="utf-8")
)

INTROS = {
    "fr": [
        "Rabat – (MAP) – ",
        "Selon un communiqué parvenu à notre rédaction, ",
        "C'est une information relayée ce matin par plusieurs médias. ",
        "Casablanca – ",
    ],
    "ar": ["الرباط (و م ع) - ", "حسب بلاغ توصلت به الجريدة، ", "علم لدى مصادر مطلعة أن "],
}
TAILS = {
    "fr": [
        " Cliquez ici pour lire l'article depuis sa source.",
        " Suivez toute l'actualité sur notre application mobile et nos réseaux sociaux.",
        " (Avec MAP)",
    ],
    "ar": [" المصدر: وكالة المغرب العربي للأنباء.", " تابعوا آخر الأخبار على تطبيقنا.", " (و م ع)"],
}
SWAPS = {
    "fr": [
        ("a annoncé", "a fait savoir"),
        ("prochain", "à venir"),
        ("mardi", "ce mardi"),
        ("selon", "d'après"),
    ],
    "ar": [("أعلنت", "كشفت"), ("المقبل", "القادم"), ("حسب", "وفق")],
}
HEADLINE_PREFIX = {
    "fr": ["Exclusif : ", "Urgent - ", "", "Numérique | "],
    "ar": ["عاجل: ", "", "حصري - "],
}


@dataclass(frozen=True)
class Copy:
    story: str
    lang: str
    title: str
    text: str
    edits: tuple[str, ...]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def make_copy(story: dict, rng: random.Random) -> Copy:
    lang = story["lang"]
    text = story["text"]
    edits = []
    if rng.random() < 0.5:
        text = rng.choice(INTROS[lang]) + text
        edits.append("intro")
    if rng.random() < 0.35:
        sentences = _sentences(text)
        if len(sentences) > 3:
            del sentences[rng.randrange(1, len(sentences))]
            text = " ".join(sentences)
            edits.append("sentence dropped")
    for old, new in SWAPS[lang]:
        if old in text and rng.random() < 0.5:
            text = text.replace(old, new, 1)
            edits.append("words changed")
    if rng.random() < 0.35:
        words = text.split()
        text = " ".join(words[: int(len(words) * 0.6)]) + " …"
        edits.append("truncated to 60%")
    if rng.random() < 0.6:
        text += rng.choice(TAILS[lang])
        edits.append("tail")
    title = rng.choice(HEADLINE_PREFIX[lang]) + story["title"].split(":")[-1].strip()
    return Copy(story["id"], lang, title, text, tuple(edits) or ("verbatim",))


def syndication_set(seed: int = 2026) -> list[Copy]:
    """Every syndicated story with 1 original + 2 to 6 copies, and every distinct story once."""
    rng = random.Random(seed)
    items: list[Copy] = []
    for i, story in enumerate(STORIES["syndicated"]):
        items.append(Copy(story["id"], story["lang"], story["title"], story["text"], ("original",)))
        for _ in range(2 + i % 5):
            items.append(make_copy(story, rng))
    for story in STORIES["distinct"]:
        items.append(Copy(story["id"], story["lang"], story["title"], story["text"], ("original",)))
    rng.shuffle(items)
    return items
