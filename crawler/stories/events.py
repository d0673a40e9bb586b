"""What an event is made of, in a form that survives rewriting and translation: the places and
institutions it names (a bundled gazetteer, gazetteer.yaml), the names of the people in it as
their consonants sound (so "Bourita", "Burita" and "بوريطة" are one name), and the phase it
reports (a line-up, where to watch, a result, a press conference, a demand, a denial).

Outlets of one language rewrite an event in their own words; outlets of two languages share no
words at all, only what translation keeps: names, places, institutions, figures and dates. And
within one topic (a match, a price rise, a minister's week) articles share all of these while
reporting different events: the phase tells them apart. Pure functions, no I/O (the gazetteer is
read once).
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from itertools import compress, count, repeat
from pathlib import Path

import yaml

from crawler.core.normalize import ARABIC_LETTER, fold_text, normalize, stem_token

# Package data, found where the package is installed (a wheel as well as this source tree).
GAZETTEER = Path(str(resources.files("crawler.stories") / "gazetteer.yaml"))
# Names of more words than this are not looked for.
MAX_NAME_WORDS = 8


@functools.lru_cache(maxsize=16384)
def _stem(token: str) -> str:
    """stem_token, and for Arabic the conjunction و, which joins a name as often as a word
    ("وغانا", "ونيروبي"). Cached: a window's articles use the same few thousand words."""
    if token.startswith("و") and len(token) > 4 and not token.startswith(("وال", "ولل")):
        token = token[1:]
    return stem_token(token)


# The stem of a folded token as story terms see it (crawler.stories.terms stems with it too).
stem = _stem


def tokens(text: str) -> list[str]:
    """The folded, stemmed tokens of a text, as story terms see them."""
    return [_stem(t) for t in normalize(text).split()]


@functools.cache
def _gazetteer_groups() -> dict[str, dict[str, list[str]]]:
    """The gazetteer as written: group → key → names (read once)."""
    data: dict[str, dict[str, list[str]]] = yaml.safe_load(GAZETTEER.read_text(encoding="utf-8"))
    return data


@functools.cache
def _gazetteer() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """First token → (name tokens, key), longest names first."""
    data = _gazetteer_groups()
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for group in data.values():
        for key, names in group.items():
            for name in names:
                words = tuple(tokens(str(name)))
                if words and len(words) <= MAX_NAME_WORDS:
                    index.setdefault(words[0], []).append((words, str(key)))
    for entries in index.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return index


def places(words: list[str]) -> tuple[frozenset[str], set[int]]:
    """The gazetteer keys a token list names, and the positions of the tokens naming them
    (longest name first at each position: "Tanger Med" is the port, not the city)."""
    index = _gazetteer()
    found: set[str] = set()
    used: set[int] = set()
    if index.keys().isdisjoint(words):
        return frozenset(found), used
    after = 0  # the first position not inside a name found
    # Only the positions of a token that begins a name are tried (most tokens begin none).
    for i in compress(count(), map(index.__contains__, words)):
        if i < after:
            continue
        for name, key in index[words[i]]:
            if tuple(words[i : i + len(name)]) == name:
                found.add(key)
                used.update(range(i, i + len(name)))
                after = i + len(name)
                break
    return frozenset(found), used


@functools.cache
def _city_keys() -> frozenset[str]:
    """The gazetteer's Moroccan cities (read once)."""
    return frozenset(str(key) for key in _gazetteer_groups().get("cities", {}))


def cities(found: frozenset[str]) -> frozenset[str]:
    """The Moroccan cities among gazetteer keys (`places`): where an event happened."""
    return found & _city_keys()


# -- regions that name firms ----------------------------------------------------------------

# A region's name is also a firm's: « Atlas Harness Systems », « Sahara Group », « Rif
# Automobiles », « Souss Agri Export ». Read as the region, one such word and a coincidence (a
# city, a figure) linked a French report of a plant opening with an Arabic weather bulletin of
# the Middle Atlas. In a Latin-script text a firm's name goes on with a capitalised word (the
# region's own names that do, « Haut Atlas », « Sahara occidental », are the gazetteer's); in
# Arabic the region is written with the article (« الأطلس », « بالأطلس المتوسط ») and the firm
# without it (« شركة أطلس هارنس سيستمز »).
_REGIONS = "regions"
_ARABIC_LETTERS = "\u0600-\u06ff"
_HAMZA = str.maketrans({"أ": "[أإا]", "إ": "[أإا]", "ا": "[أإا]"})


@functools.cache
def _region_spellings() -> dict[str, tuple[re.Pattern[str], re.Pattern[str] | None]]:
    """Each region's key → (its Latin-script names followed by a capitalised word, its Arabic
    names written without their article), for the regions that have such names."""
    found = {}
    for key, names in _gazetteer_groups().get(_REGIONS, {}).items():
        latin = sorted((str(n) for n in names if not ARABIC_LETTER.search(str(n))), key=len)
        bare = [
            str(n)[2:].translate(_HAMZA)
            for n in names
            if str(n).startswith("ال") and " " not in str(n)
        ]
        if not latin:
            continue
        firm = re.compile(
            r"(?<![\w-])(?:"
            + "|".join(map(re.escape, reversed(latin)))
            + r")(?![\w-])(?:\s+([A-ZÀ-Þ][\wÀ-ÿ'’-]*))?"
        )
        arabic = (
            re.compile(
                rf"(?<![{_ARABIC_LETTERS}])([وفب]?(?:ال|ل)?)(?:{'|'.join(bare)})"
                rf"(?![{_ARABIC_LETTERS}])"
            )
            if bare
            else None
        )
        found[str(key)] = (firm, arabic)
    return found


# Capitalised words after a region's name that are no firm's: English writes the region's own
# nouns with a capital (« the Rif Region », « the Sahara Desert », « the Atlas Mountains ») and
# a day or a month after a place without « on » or « in » (« hit the Rif Tuesday »).
_NO_FIRM = frozenset({
    "region", "regions", "province", "provinces", "mountains", "mountain", "range", "desert",
    "valley", "valleys", "plain", "plains", "coast", "area", "areas", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december",
})  # fmt: skip


@functools.cache
def _continues_a_name(first: str, word: str) -> bool:
    """A gazetteer name begins with these two words (« Sahara occidental », « Haut Atlas »)."""
    pair = (*tokens(first)[-1:], *tokens(word)[:1])
    return any(name[: len(pair)] == pair for name, _ in _gazetteer().get(pair[0], ()))


def _title_case(title: str) -> bool:
    """An English headline in Title Case (« Storm Hits Rif Region »): its capitals say nothing
    of a firm's name."""
    long_words = [w for w in title.split() if len(w) > 3]
    return len(long_words) >= 3 and sum(w[0].isupper() for w in long_words) * 4 > 3 * len(
        long_words
    )


def firms_named(title: str, lead: str, found: frozenset[str]) -> frozenset[str]:
    """The regions among `found` (gazetteer keys of the title and lead) that the title and
    lead name only as part of a firm's name, never as the region itself."""
    spellings = _region_spellings()
    text = lead if _title_case(title) else f"{title} \n {lead}"
    firms = set()
    for key in found.intersection(spellings):
        latin, arabic = spellings[key]
        as_region = as_firm = 0
        for match in latin.finditer(text):
            after = match.group(1)
            name = match.group(0)[: match.start(1) - match.start()] if after else ""
            if (
                after
                and after.lower() not in _NO_FIRM
                and not _continues_a_name(name.split()[-1], after)
            ):
                as_firm += 1
            else:
                as_region += 1
        if arabic is not None:
            for match in arabic.finditer(text):
                if match.group(1).endswith("ل"):  # ال, بال, وال, لل: the region
                    as_region += 1
                else:
                    as_firm += 1
        if as_firm and not as_region:
            firms.add(key)
    return frozenset(firms)


# -- names by their consonants ---------------------------------------------------------------

# Arabic letters as the Latin consonants transliterations give them; vowels, long vowels and the
# gutturals Latin spellings drop or render as vowels (ا و ي ه ح ع ء) give nothing.
_ARABIC_SOUNDS = {
    "ب": "b", "پ": "b", "ت": "t", "ث": "t", "ط": "t", "ج": "j", "خ": "k", "ق": "k", "ك": "k",
    "گ": "g", "غ": "g", "د": "d", "ذ": "d", "ض": "d", "ظ": "d", "ر": "r", "ز": "s", "س": "s",
    "ص": "s", "ش": "c", "ف": "f", "ڤ": "f", "ل": "l", "م": "m", "ن": "n",
}  # fmt: skip
# Latin spellings of those sounds: digraphs first, then letters (vowels, h, w, y give nothing).
_LATIN_DIGRAPHS = (
    ("sch", "c"), ("ch", "c"), ("sh", "c"), ("kh", "k"), ("gh", "g"), ("dj", "j"), ("ph", "f"),
    ("th", "t"), ("dh", "d"), ("ou", ""), ("qu", "k"), ("ck", "k"),
)  # fmt: skip
_LATIN_SOUNDS = {
    "b": "b", "p": "b", "t": "t", "d": "d", "k": "k", "q": "k", "c": "k", "g": "g", "j": "j",
    "r": "r", "s": "s", "z": "s", "x": "ks", "f": "f", "v": "f", "l": "l", "m": "m", "n": "n",
}  # fmt: skip
# A name is compared by at least this many consonants: two coincide too often.
MIN_SOUNDS = 3


def _collapse(sounds: str) -> str:
    return re.sub(r"(.)\1+", r"\1", sounds)


@functools.lru_cache(maxsize=16384)
def sounds(token: str) -> str:
    """The consonants of a folded token as a transliteration keeps them ("bourita", "burita"
    and "بوريطه" all give "brt"; "mudavadi" and "مودافادي" give "mdfd")."""
    if ARABIC_LETTER.match(token):
        return _collapse("".join(_ARABIC_SOUNDS.get(ch, "") for ch in token))
    word = token.lower()
    word = re.sub(r"c(?=[eiy])", "s", word)
    word = re.sub(r"g(?=[eiy])", "j", word)
    for digraph, sound in _LATIN_DIGRAPHS:
        word = word.replace(digraph, sound.upper() or "_")
    out = [ch.lower() if ch.isupper() else _LATIN_SOUNDS.get(ch, "") for ch in word]
    return _collapse("".join(out))


# A name in Latin script: a capitalised word, not the first of a title, a sentence or a part
# after "|" (_OPENING: "Exclusif :", "Urgent -", "Numérique |"); after a colon French titles go
# on in lower case, so a capital there is a name ("Fintech : Chari lève…").
_CAPITALISED = re.compile(r"(?<![\w'])([A-ZÀ-Þ][\wÀ-ÿ-]{2,})")
_OPENING = re.compile(r"(?:^|[.!?|\n])\s*[A-ZÀ-Þ][\wÀ-ÿ-]*")


def name_sounds(
    title: str, lead: str, stopwords: frozenset[str], stems: list[str] | None = None
) -> frozenset[str]:
    """The consonants of the names of an article: every capitalised word of a Latin-script title
    and lead, every word of an Arabic one (which has no capitals; a common word there matches
    nothing on the Latin side, where only names are taken). Gazetteer names are left to the
    gazetteer. `stems`: the tokens of f"{title} {lead}" (`tokens`), when the caller has them."""
    text = f"{title} \n {lead}"
    # The title and lead as story terms read them (f"{title} {lead}", its letters and words the
    # same): its script and folding are then worked out once for the terms, language and names.
    if arabic(f"{title} {lead}"):
        # Every word a candidate: each distinct stem weighed once.
        candidates = set(stems if stems is not None else tokens(f"{title} {lead}"))
    else:
        # A capital at the start of a title, a sentence or a part says nothing of a name.
        inside = _OPENING.sub(" ", text)
        # Folded past normalize's cache of the last few texts, which words would flush (the
        # title and lead are folded again for their language right after).
        # Folded together (a word holds no space nor apostrophe: the same parts as each word
        # folded alone).
        candidates = set(map(_stem, fold_text(" ".join(_CAPITALISED.findall(inside))).split()))
    found = set(map(_name_sound, candidates, repeat(stopwords, len(candidates))))
    found.discard(None)
    return frozenset(found)  # type: ignore[arg-type]  # None taken out


@functools.lru_cache(maxsize=65536)
def _name_sound(stem: str, stopwords: frozenset[str]) -> str | None:
    """The consonants of a name's stem (`sounds`) when it is a name worth comparing: not a stop
    word nor a gazetteer name, four letters or more, MIN_SOUNDS consonants or more (cached,
    and looked up in C by name_sounds: an Arabic text's every word is a candidate)."""
    if stem in stopwords or stem in _gazetteer() or len(stem) < 4:
        return None
    sound = sounds(stem)
    if len(sound) >= MIN_SOUNDS:
        return sound
    skeleton = _skeleton(stem)
    return f"~{skeleton}" if len(skeleton) >= MIN_SKELETON and "w" in skeleton else None


# A name of too few consonants to compare (« Ouahbi », « Wahbi », « وهبي »: one, « b ») is
# compared by its skeleton: its consonants with the w a « ou » before a vowel or a « و » opening
# it writes, its h, and the y an « i » or a « ي » ending it writes (« whby »), when that
# skeleton holds a w and this many letters. Without the w, « Mohammed » and « محمد » (« mhmd »),
# the commonest of names, would link any two reports of the King's activities.
MIN_SKELETON = 4
_ARABIC_SKELETON = {**_ARABIC_SOUNDS, "ه": "h", "ح": "h"}


@functools.lru_cache(maxsize=16384)
def _skeleton(token: str) -> str:
    """The skeleton of a folded token (see MIN_SKELETON)."""
    if ARABIC_LETTER.match(token):
        inner = token[1:-1] if len(token) > 2 else ""
        head = "w" if token.startswith("و") else _ARABIC_SKELETON.get(token[0], "")
        tail = "y" if token.endswith("ي") else _ARABIC_SKELETON.get(token[-1], "")
        if token.endswith("ه"):
            tail = ""  # a final ه is the feminine ending folded (« بوريطة »), not an h
        return _collapse(head + "".join(_ARABIC_SKELETON.get(ch, "") for ch in inner) + tail)
    word = token.lower()
    word = re.sub(r"^ou(?=[aeio])|^w", "W", word)
    word = re.sub(r"i$", "Y", word)
    word = re.sub(r"c(?=[eiy])", "s", word)
    word = re.sub(r"g(?=[eiy])", "j", word)
    for digraph, sound in _LATIN_DIGRAPHS:
        word = word.replace(digraph, sound.upper() or "_")
    out = [
        ch.lower() if ch.isupper() else ("h" if ch == "h" else _LATIN_SOUNDS.get(ch, ""))
        for ch in word
    ]
    return _collapse("".join(out))


_ARABIC_RUN = re.compile(r"[\u0600-\u06FF]+")  # the block ARABIC_LETTER matches


@functools.lru_cache(maxsize=16)
def arabic(text: str) -> bool:
    """Written in Arabic: over a third of its letters are Arabic (letters of the Arabic block:
    its digits, punctuation and harakat are not letters). Counted by C loops (str.isalpha
    mapped, the block's runs found by a regular expression), not a Python loop per character."""
    letters = sum(map(str.isalpha, text))
    if not letters:
        return False
    block = "".join(_ARABIC_RUN.findall(text))
    return sum(map(str.isalpha, block)) * 3 > letters


# The commonest short words of English and French news: which of the two a Latin-script article
# is written in (the page's own language tag is not trusted: PITFALLS).
_ENGLISH = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "on",
        "for",
        "with",
        "said",
        "was",
        "were",
        "has",
        "have",
        "its",
        "from",
        "by",
        "at",
        "after",
        "would",
        "will",
        "is",
        "are",
        "this",
        "that",
    ]
)
_FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "et",
        "en",
        "au",
        "aux",
        "pour",
        "dans",
        "selon",
        "sur",
        "est",
        "a",
        "ont",
        "une",
        "un",
        "par",
        "avec",
        "ce",
        "cette",
        "qui",
        "que",
    ]
)


# Spanish's, none of them French or English (« la », « de », « en », « que » are both French
# and Spanish): a Spanish report (the wire's Spanish service, Spanish editions) read as French
# was compared by its words with the French reports, which share few of them, and never
# bridged to them as another language's report is.
_SPANISH = frozenset(
    [
        "el",
        "los",
        "las",
        "del",
        "y",
        "con",
        "por",
        "para",
        "una",
        "segun",
        "ha",
        "han",
        "fue",
        "tras",
        "sus",
        "lo",
        "como",
        "mas",
        "este",
        "esta",
        "hasta",
        "desde",
        "tambien",
        "sobre",
    ]
)


# French's commonest words that Spanish does not write too: what a Spanish text is weighed against.
_FRENCH_NOT_SPANISH = _FRENCH - {"la", "de", "en", "a", "que"}


def language(text: str, words: list[str] | None = None) -> str:
    """ "ar", "en", "es" or "fr": Arabic by its letters, English, Spanish or French by their
    commonest words (`words`: the text's folded tokens, when the caller has them)."""
    if arabic(text):
        return "ar"
    if words is None:
        words = normalize(text).split()
    english = sum(map(_ENGLISH.__contains__, words))
    french = sum(map(_FRENCH.__contains__, words))
    spanish = sum(map(_SPANISH.__contains__, words))
    if spanish > english and spanish > sum(map(_FRENCH_NOT_SPANISH.__contains__, words)):
        return "es"
    return "en" if english > french else "fr"


# -- the phase of an event -------------------------------------------------------------------

# What kind of event an article reports, by the words that say it in the three languages
# (folded and stemmed as tokens are). Within a topic, articles of different phases report
# different events: the line-up is not the result, the unions' demand is not the price rise.
# When an article says several, the first phase of this list is its phase (a press conference
# after a result is a press conference).
_PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("denial", (
        "dement", "dementi", "dementent", "dementit", "deny", "denie", "denied", "denial",
        "ينفي", "تنفي", "نفى", "نفت", "تكذب", "يكذب", "كذبت", "نفي",
    )),
    ("demand", (
        "reclame", "reclament", "revendique", "revendiquent", "revendication", "demand", "urge",
        "يطالب", "تطالب", "يطالبون", "طالب", "طالبت", "مطالب", "مطالبه",
    )),
    ("press", (
        "conference de presse", "point de presse", "entretien", "interview", "press conference",
        "told reporter", "news conference", "apres match", "post match", "speaking after", "reporter",
        "ندوه صحفيه", "عقب المباراه", "ندوه صحافيه", "مؤتمر صحفي", "مقابله",
    )),
    ("lineup", (
        "composition", "titularise", "onze de depart", "line-up", "lineup", "line up",
        "starting eleven", "starting xi", "تشكيله", "تشكيل",
    )),
    ("broadcast", (
        "chaine", "retransmission", "retransmi", "retransmet", "diffuse", "diffusion",
        "streaming", "where to watch", "broadcast", "ناقله", "تنقل", "بث", "تبث",
    )),
    ("result", (
        "victoire", "defaite", "nul", "s'impose", "tenue en echec", "tenu en echec", "battu",
        "l'emporte", "draw", "drew", "goalless", "beat", "victory", "defeat",
        "تعادل", "يتعادل", "تتعادل", "فوز", "يفوز", "هزيمه", "خساره", "انهزم",
    )),
)  # fmt: skip


@functools.cache
def _phase_cues() -> list[tuple[str, str]]:
    """(phase, its cue's tokens joined and spaced, as looked for in an article's tokens)."""
    cues = []
    for phase, phrases in _PHASES:
        for phrase in phrases:
            cues.append((phase, f" {' '.join(tokens(phrase))} "))
    return cues


@functools.cache
def _phase_lookup() -> tuple[dict[str, frozenset[str]], list[tuple[str, str]]]:
    """The cues of one token (token → phases), looked up in a set of the article's tokens, and
    those of several (phase, spaced tokens), looked for in its joined tokens."""
    single: dict[str, set[str]] = {}
    several = []
    for name, cue in _phase_cues():
        token = cue.strip()
        if " " in token:
            several.append((name, cue))
        else:
            single.setdefault(token, set()).add(name)
    return {token: frozenset(names) for token, names in single.items()}, several


@functools.cache
def _cue_openings() -> tuple[tuple[str, str, str], ...]:
    """(phase, spaced tokens, first token) of each cue of several tokens."""
    return tuple((name, cue, cue.split()[0]) for name, cue in _phase_lookup()[1])


def phase(words: list[str]) -> str | None:
    """The phase an article's title and lead report (see _PHASES), or None."""
    single = _phase_lookup()[0]
    found: set[str] = set()
    present = set(words)
    # A token holds no space: a cue of one token is in the joined tokens exactly when it is
    # one of them (a set lookup per token instead of a search of the text per cue).
    for word in single.keys() & present:
        found |= single[word]
    joined = ""
    # A cue of several tokens is searched for only in a text holding its first token (which it
    # holds whenever the cue is in its joined tokens).
    for name, cue, first in _cue_openings():
        if name not in found and first in present:
            joined = joined or " " + " ".join(words) + " "
            if cue in joined:
                found.add(name)
    for name, _phrases in _PHASES:
        if name in found:
            return name
    return None


# -- results round-ups -----------------------------------------------------------------------

# A round-up of results (a matchday's, a night of qualifiers', the national clubs' week in the
# African cups) lists one match among many, with its teams, its city and its score: the match's
# own reports share all of it, so rewrites and bridges found the round-up one of their story.
# It is a story of its own, whichever of its matches it names. Its phase is ROUNDUP, which is
# in conflict with every other phase and with none (`terms.phase_conflict`): a match report
# that reports no phase by its words (« Raja - FUS : 2-1 ») is no round-up either.
ROUNDUP = "roundup"
# A score as pages write it: « 2-1 », « 1 - 1 », « 0–0 », « (2-0), »; not a date (« 12-09-2026 »),
# a season (« 2025-26 ») nor a range of figures (« 15-20 % », « 1,5-2,5 »). It opens with its
# first digit and looks behind it (as markers._NUMBER does), so the search skips to digits.
_SCORE = re.compile(r"\d(?<![\d.,:/-]\d)\d? ?[-–] ?\d\d?(?![\d/]| ?%|[.,:-]\d)")
_SCORE_SIDES = re.compile(r" ?[-–] ?")
# What else is written as a score: a law's or a decree's number (« la loi 09-08 », « loi
# n° 43-20 », « القانون رقم 05.20 » aside, « القانون 09-08 », « Law 09-08 »), which Moroccan
# tech news cites as often as sport gives scores, and a range of degrees, hours, years or
# kilometres (« 10-15 °C », « 8-12h », « 2-3 ans »). A law named after its number, or a side
# of two digits written with a leading zero (« 09 », which no score writes), is no score; nor
# is a range followed by its unit.
_LAW_BEFORE = re.compile(
    r"(?:\b(?:lois?|laws?|ley(?:es)?|d[ée]crets?|decrees?|decretos?|dahirs?|circulaires?|"
    r"arr[êe]t[ée]s?|num[ée]ro)\b|\bn[°º]|\bno\.|رقم|قانون|القانون|مرسوم|المرسوم|ظهير)"
    # and the numbers of a list of them before this one (« les lois 31-13, 43-20 et 09-08 »)
    r"\s*(?:\d+\s*[-–./]\s*\d+\s*(?:,|et|and|y|و)\s*)*$",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    r"\s*(?:°|º|degr|km\b|kms\b|m\b|mm\b|cm\b|kg\b|h\b|heures\b|hours\b|ans\b|years\b|"
    r"mois\b|months\b|jours\b|days\b|días\b|años\b|dh|mad\b|درج|كلم|ساع|سنو|أيام|ملم)",
    re.IGNORECASE,
)
_LEADING_ZERO = re.compile(r"(?<!\d)0\d")


def _scores_in(text: str) -> list[str]:
    """The scores `text` writes (_SCORE), less the law numbers and ranges written alike."""
    found = []
    for match in _SCORE.finditer(text):
        score = match.group()
        if _LEADING_ZERO.search(score) or _UNIT_AFTER.match(text, match.end()):
            continue
        if _LAW_BEFORE.search(text, max(0, match.start() - 80), match.start()):
            continue
        found.append(score)
    return found


# What a round-up says it is, as folded tokens (« les résultats de la 3e journée », « نتائج
# مباريات الجولة », « Matchday 3 results », « resultados de la jornada »): its word for results,
# and a word for matches or a matchday.
_ROUNDUP_WORDS = frozenset(
    ["resultats", "results", "resultados", "multiplex", "roundup", "نتايج", "حصيله"]
)
_GAMES = frozenset(
    [
        "rencontres",
        "matchs",
        "matches",
        "matchday",
        "jornada",
        "partidos",
        "مباريات",
        "المباريات",
        "لمباريات",
    ]
)
# A matchday (« journée », « الجولة ») is also a day of study, a round of talks: with games.
_MATCHES = _GAMES | frozenset(["journee", "الجوله", "جوله", "للجوله", "بالجوله"])
# Scores a round-up lists at least: two are a match and the other game of its group; three
# with a round-up's words, four without.
ROUNDUP_SCORES = 3
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_EASTERN_DIGIT = re.compile("[\u0660-\u0669]")


def results(title: str, lead: str, words: list[str]) -> tuple[bool, frozenset[str]]:
    """(whether the title and lead are a round-up of results: see ROUNDUP, the scores they
    state). `words`: their folded tokens (crawler.core.normalize.normalize), in order. Each
    score is read with its larger goal count first (« 1-2 » and « 2-1 » are one result, written
    from either side): two matches of one evening share the figures of their scores (« 2-1 »
    and « 1-1 » both state a 1), not the score."""
    if _EASTERN_DIGIT.search(title) or _EASTERN_DIGIT.search(lead):
        title, lead = title.translate(_ARABIC_DIGITS), lead.translate(_ARABIC_DIGITS)
    in_title, in_lead = _scores_in(title), _scores_in(lead)
    found = set()
    for score in in_title + in_lead:
        a, b = (int(x) for x in _SCORE_SIDES.split(score))
        found.add(f"{max(a, b)}-{min(a, b)}")
    # The lead restates the title's score: the most either lists.
    listed = max(len(in_title), len(in_lead))
    present = set(words)
    cue = not _ROUNDUP_WORDS.isdisjoint(present)
    if listed > ROUNDUP_SCORES:
        return True, frozenset(found)
    if listed == ROUNDUP_SCORES and (cue or not _MATCHES.isdisjoint(present)):
        return True, frozenset(found)
    # Said in words, the results' word and the matches' a few words apart (« résultats des
    # rencontres », « Matchday 3 results »), with a score or games named: the results of a
    # round of talks or of an open day are no round-up.
    if not cue or (not listed and _GAMES.isdisjoint(present)):
        return False, frozenset(found)
    for i in compress(count(), map(_ROUNDUP_WORDS.__contains__, words)):
        if not _MATCHES.isdisjoint(words[max(0, i - 2) : i + 5]):
            return True, frozenset(found)
    return False, frozenset(found)


def roundup(title: str, lead: str) -> bool:
    """The title and lead list the results of several matches (see ROUNDUP)."""
    return results(title, lead, normalize(f"{title} {lead}").split())[0]


def scores(title: str, lead: str) -> frozenset[str]:
    """The scores a title and lead state (see `results`)."""
    return results(title, lead, normalize(f"{title} {lead}").split())[1]


# -- tolls that rise ---------------------------------------------------------------------------

# A live page's title follows its toll (« le bilan s'alourdit à 9 morts », then « passe à 14
# morts »; « death toll rises to 14 »; « ارتفاع حصيلة ضحايا الفيضانات إلى 9 قتلى »), and each
# outlet reports the figure of its own hour: the figures of one event's reports then differ,
# which otherwise says two events. A report that says its toll rose is the later figure of the
# same event (`terms.toll_rose`). Folded tokens: a toll's word and a rise's.
_TOLL = frozenset(["bilan", "toll", "tolls", "حصيله", "الحصيله", "balance", "cifra"])
# Counts other than deaths that a live page or an update follows as it does a toll (« la
# superficie brûlée passe à 900 hectares », « le nombre de personnes évacuées passe à 3.400 »,
# « le nombre de foyers privés d'électricité a atteint 95.000 », « ارتفع عدد الأشخاص الذين تم
# إجلاؤهم »): the count's word with a rise's. Not a rate (« le taux de chômage passe à 12,8 % »
# is a new figure), nor a turnout: two strikes of one day each report theirs (« 75 % » for the
# nurses', « 81 % » for the teachers'), and a higher one is not the other's later count.
_COUNTS = frozenset(["nombre", "superficie", "number", "area", "numero", "عدد", "مساحه", "المساحه"])
_RISES = frozenset(
    [
        "alourdi",
        "alourdit",
        "passe",
        "passee",
        "depasse",
        "grimpe",
        "monte",
        "atteint",
        "eleve",
        "desormais",
        "nouveau",
        "rises",
        "risen",
        "rise",
        "rose",
        "climbs",
        "climbed",
        "reaches",
        "reached",
        "jumps",
        "jumped",
        "new",
        "ارتفع",
        "ارتفعت",
        "وارتفعت",
        "ارتفاع",
        "ترتفع",
        "يرتفع",
        "جديده",
        "بلغ",
        "بلغت",
        "تبلغ",
        "يبلغ",
        "aumenta",
        "asciende",
        "eleva",
        "sube",
    ]
)


# The rises' words that state a level rather than a rise (« atteint », « dépasse », « بلغ »,
# « nouveau »): said of a count, on a page that says no update, a day's or a month's figure
# (« le nombre de passagers atteint 31.000 », « le nombre d'arrivées dépasse 8,9 millions à fin
# juin »), whose next day's report states a higher one as that day's news, not a later count.
_LEVELS = frozenset(
    ["depasse", "atteint", "desormais", "nouveau", "new", "reaches", "reached", "جديده"]
    + ["بلغ", "بلغت", "تبلغ", "يبلغ"]
)


def toll_rises(words: list[str], updated: bool = True) -> bool:
    """The title and lead (their folded tokens) say a toll or a count rose (see above); a
    count by a level's word (_LEVELS) only on a page that says it is an update or a live page
    (`updated`: says_updated)."""
    present = set(words)
    if _RISES.isdisjoint(present):
        return False
    if not _TOLL.isdisjoint(present):
        return True
    if _COUNTS.isdisjoint(present):
        return False
    return updated or not (_RISES - _LEVELS).isdisjoint(present)


# A page that says it is an update or a live page: a label before its title (« EN DIRECT – »,
# « LIVE: », « Mis à jour : », « مباشر | »), a lead opening with one or with a live entry's time
# (« 17h05 – Le bilan passe à 19 morts », « 17:30 – ارتفعت حصيلة »), or the update's words
# (« Mis à jour à 21h40 », « Updated », « Actualizado », « آخر تحديث »). A label is followed by
# its dash, colon, bar or full stop: « تحديث » alone is also a modernisation (« تحديث الإدارة »),
# « Live » a word of a name (« Live Nation »).
LABEL = re.compile(
    r"^\W*(?:en\s+direct|direct|live|mis\s+[àa]\s+jour|updated?|actualizado|en\s+vivo|"
    r"مباشر|تحديث)\s*[-–—:|.]+\s*",
    re.IGNORECASE,
)
_LIVE_ENTRY = re.compile(r"^\W*[0-2]?\d[:h][0-5]\d\s*[-–—]")
_UPDATE_WORDS = re.compile(
    r"\bmise?\s+[àa]\s+jour\b|\bupdated\b|\bactualizad[oa]\b|آخر تحديث", re.IGNORECASE
)


def says_updated(title: str, lead: str) -> bool:
    """The title or lead says the page is an update of a report or a live page (see above)."""
    return bool(
        LABEL.match(title)
        or LABEL.match(lead)
        or _LIVE_ENTRY.match(lead)
        or _UPDATE_WORDS.search(title)
        or _UPDATE_WORDS.search(lead)
    )


# -- figures written in words -----------------------------------------------------------------

# Small numbers are written in words as often as in digits, and differently in each language
# ("neuf accords", "nine agreements", "تسع اتفاقيات"; "0-0", "صفر لصفر"). Folded as tokens are.
_NUMBER_WORDS = {
    0: "zero zéro صفر",
    2: "two deux اثنان اثنتين",  # not اثنين: الاثنين is Monday
    3: "three trois ثلاث ثلاثه",
    4: "four quatre اربع اربعه",
    5: "five cinq خمس خمسه",
    6: "six ست سته",
    7: "seven sept سبع سبعه",
    8: "eight huit ثماني ثمانيه ثمان",
    9: "nine neuf تسع تسعه",
    10: "ten dix عشر عشره",
    11: "eleven onze",
    12: "twelve douze",
    13: "thirteen treize",
    14: "fourteen quatorze",
    15: "fifteen quinze",
    16: "sixteen seize",
    20: "twenty vingt عشرين عشرون",
}


@functools.cache
def _number_words() -> dict[str, str]:
    return {
        _stem(word): str(value)
        for value, words in _NUMBER_WORDS.items()
        for word in normalize(words).split()
    }


def number_words(words: list[str]) -> frozenset[str]:
    """The figures an article writes in words (see _NUMBER_WORDS)."""
    known = _number_words()
    return frozenset(known[w] for w in known.keys() & set(words))
