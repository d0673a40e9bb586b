"""Full-text search on PostgreSQL: the watch-rule query language translated to a tsquery, run
against each article's stored tsvector (crawler.storage.tables, step 0002_search).

The same query is normalised by each language's text search configuration (French, Arabic and
English, each with its Latin words without accents, `simple` without accents for the rest) and
matched against the articles of that language, whose Arabic words were indexed without harakat
and tatweel whatever the language (step 0010_search_folded): an article's vector was built with
its language's configuration (by its primary subtag, « fr-MA » French: step
0011_search_primary_language), so its words and the query's are stemmed alike. Every user word goes into a quoted tsquery lexeme (quotes and
backslashes removed first), so no input can break or inject into the tsquery or SQL syntax.

What differs from SQLite's FTS5, by design of PostgreSQL's text search:
- words are stemmed (`numérique` finds `numériques`); every word is indexed, as FTS5 indexes
  every word: no configuration has a stop list (`de`, `the`, `في` are found, and a phrase
  holds exactly its words; step 0013_search_every_word);
- `NEAR/n` is approximated by an OR of exact distances (`<1>` … `<n+1>`, both orders), the
  distance counted in words, as FTS5 counts it;
- the rank is `ts_rank` with the title weighted five times the text (as the BM25 weights on
  SQLite), returned negated so that, as on SQLite, a lower rank is a better match;
- snippets come from `ts_headline` (24 words of the text, or the whole title when only the
  title matches, as SQLite's), each of the query's words highlighted where it is found,
  those it excludes (NOT) never, and one scoped to a column (`title:`) in that column alone.
"""

from __future__ import annotations

import re
from typing import Any, assert_never

from crawler.storage.tables import (
    FALLBACK_CONFIGURATION,
    PRIMARY_SUBTAG,
    SEARCH_CONFIGURATIONS,
    unmarked_postgres,
)
from monitors.rules.query import (
    And,
    EntityRef,
    Near,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    parse_query,
)
from monitors.rules.watchlists import RuleSet
from monitors.web.days import DayBound, before, on_or_after
from monitors.web.search import HIGHLIGHT, SearchError, SearchHit, over_time
from monitors.web.search_limits import SEARCH_SECONDS
from monitors.web.spellings import phrase_forms

WEIGHTS = {"title": "A", "text": "B"}
# A quoted lexeme that every configuration reduces to nothing: a term without any word.
_NOTHING = "'-'"
_UNSAFE = re.compile(r"['\\]")
# ts_rank's weights, in the order D, C, B, A: the title (A) counts five times the text (B).
RANK_WEIGHTS = "{0.1, 0.2, 0.2, 1.0}"
# Text beyond what the index holds (crawler.storage.tables) is not highlighted either.
INDEXED_CHARACTERS = 200000


def _lexeme(word: str, flags: str) -> str:
    return f"'{word}'" + (f":{flags}" if flags else "")


def _phrase(words: list[str], node: Term) -> str:
    weight = WEIGHTS[node.field] if node.field else ""
    parts = [_lexeme(w, weight) for w in words[:-1]]
    parts.append(_lexeme(words[-1], ("*" if node.prefix else "") + weight))
    return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


def _forms(node: Term) -> list[str]:
    """A phrase's written forms (monitors.web.spellings: the Arabic article and the El/Al
    particles, folded as rules fold them), each a tsquery phrase."""
    words = _UNSAFE.sub(" ", node.text.replace('"', " ")).split()
    if not words:
        return [_NOTHING]
    return [_phrase(form, node) for form in phrase_forms(words)]


def _any(alternatives: list[str]) -> str:
    """An OR of the alternatives, each once. Spellings of one phrase (« الذكاء الاصطناعي » OR
    « ذكاء اصطناعي » OR « للذكاء الاصطناعي », an entity's aliases « El Fallah » and « Al
    Fallah ») have the same written forms, and ts_headline's time grows much faster than its
    query: 12 such spellings took 23 s for the three hits of a 76-article database, each
    form once 0.1 s."""
    unique = list(dict.fromkeys(alternatives))
    return unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")"


def _term(node: Term) -> str:
    """A phrase, or an OR of its written forms."""
    return _any(_forms(node))


def _alternatives(node: Node, rules: RuleSet | None) -> list[str]:
    """The tsquery alternatives a member of an OR stands for: a phrase's forms, an entity's
    aliases' forms, an OR's members; anything else as one alternative."""
    if isinstance(node, Term):
        return _forms(node)
    if isinstance(node, Or):
        return [a for child in node.children for a in _alternatives(child, rules)]
    if isinstance(node, EntityRef) and rules is not None and node.name in rules.entities:
        aliases = [Term(a.text, field=node.field) for a in rules.entities[node.name].aliases]
        return [form for alias in aliases for form in _forms(alias)]
    return [to_tsquery(node, rules)]


def to_tsquery(node: Node, rules: RuleSet | None = None) -> str:
    """The tsquery text (for to_tsquery) of a parsed query."""
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, EntityRef):
        if rules is None or node.name not in rules.entities:
            raise SearchError(
                f"unknown entity @{node.name}; entities come from the watchlists file"
            )
        return _any(_alternatives(node, rules))
    if isinstance(node, Near):
        left, right = node.left, node.right
        if not (isinstance(left, Term) and isinstance(right, Term)) or left.field or right.field:
            raise SearchError("in search, NEAR joins two plain terms or phrases")
        a, b = _term(left), _term(right)
        distances = range(1, node.distance + 2)  # at most `distance` words between them
        return "(" + " | ".join(f"({a} <{d}> {b}) | ({b} <{d}> {a})" for d in distances) + ")"
    if isinstance(node, Or):
        return _any(_alternatives(node, rules))
    if isinstance(node, Not):
        raise SearchError("NOT needs something to subtract from, as in: cloud NOT sport")
    if not isinstance(node, And):
        assert_never(node)
    positive = [c for c in node.children if not isinstance(c, Not)]
    negative = [c.child for c in node.children if isinstance(c, Not)]
    if not positive:
        raise SearchError("the query only excludes (NOT …): add a term to look for")
    parts = [to_tsquery(c, rules) for c in positive]
    parts += [f"!{to_tsquery(c, rules)}" for c in negative]
    return "(" + " & ".join(dict.fromkeys(parts)) + ")"  # each once, as in an OR


def _configuration_case(column: str) -> str:
    """SQL choosing the text search configuration of an article by its language's primary
    subtag (« fr-MA » is French), as its vector was built (step 0011_search_primary_language)."""
    cases = " ".join(
        f"WHEN '{language}' THEN '{config}'::regconfig"
        for language, config in SEARCH_CONFIGURATIONS.items()
    )
    subtag = PRIMARY_SUBTAG.format(column=column)
    return f"CASE {subtag} {cases} ELSE '{FALLBACK_CONFIGURATION}'::regconfig END"


def _query_case(column: str) -> str:
    """SQL: the query, normalised with the configuration of the article's language."""
    cases = " ".join(
        f"WHEN '{language}' THEN to_tsquery('{config}', :q)"
        for language, config in SEARCH_CONFIGURATIONS.items()
    )
    subtag = PRIMARY_SUBTAG.format(column=column)
    return f"CASE {subtag} {cases} ELSE to_tsquery('{FALLBACK_CONFIGURATION}', :q) END"


def _match() -> str:
    """SQL: the article matches the query in its language (its primary subtag). One arm per
    configuration, each an index condition (`search @@ constant`), so the GIN index serves
    every arm."""
    subtag = PRIMARY_SUBTAG.format(column="a.language")
    arms = [
        f"({subtag} = '{language}' AND a.search @@ to_tsquery('{config}', :q))"
        for language, config in SEARCH_CONFIGURATIONS.items()
    ]
    others = ", ".join(f"'{language}'" for language in SEARCH_CONFIGURATIONS)
    arms.append(
        f"(coalesce({subtag}, '') NOT IN ({others}) "
        f"AND a.search @@ to_tsquery('{FALLBACK_CONFIGURATION}', :q))"
    )
    return "(" + " OR ".join(arms) + ")"


# A lexeme of a tsquery's text, quoted as PostgreSQL writes it (its quotes doubled), with its
# flags (a prefix, weights): as an SQL string, its quotes doubled again.
_LEXEME = r"""'((?:[^']|'')*)'(:[*A-D]+)?""".replace("'", "''")


def _words(config: str, weight: str) -> str:
    """SQL: the distinct words (lexemes, a prefix kept as one) of the query's sought part (:h,
    what it does not exclude) normalised by `config`, joined by OR: what ts_headline is given
    for the column of `weight` (A the title, B the text). The query normalised holds one word
    many times (each written form of an Arabic word, « الناشئة », « والناشئة », « بالناشئة »…,
    is « ناشء »), and ts_headline then cut its fragment at the word found: an Arabic text's
    snippet ended at it (12 words where SQLite shows 24), a phrase's at its first word (« بنك
    المغرب يبقي على **سعر** » of a title of 13 words). A phrase or an AND is highlighted word by
    word, each where it is found, as SQLite's snippets highlight every term. A word scoped to
    the other column (`title:sport`, a lexeme of weight A, in the text) is not highlighted, as
    FTS5's column filter marks none there; with no word left, the column is not highlighted at
    all (a query of no lexeme highlights nothing). Computed once a search (a subquery of the
    query alone)."""
    return (
        "coalesce((SELECT string_agg(DISTINCT chr(39) || m[1] || chr(39)"
        " || CASE WHEN m[2] LIKE '%*%' THEN ':*' ELSE '' END, ' | ')::tsquery"
        f" FROM regexp_matches(to_tsquery('{config}', :h)::text, '{_LEXEME}', 'g') AS m"
        f" WHERE coalesce(m[2], '') !~ '[A-D]' OR m[2] LIKE '%{weight}%'),"
        " ''::tsquery)"
    )


def _words_case(column: str, weight: str) -> str:
    """SQL: _words of the configuration of the article's language."""
    cases = " ".join(
        f"WHEN '{language}' THEN {_words(config, weight)}"
        for language, config in SEARCH_CONFIGURATIONS.items()
    )
    subtag = PRIMARY_SUBTAG.format(column=column)
    return f"CASE {subtag} {cases} ELSE {_words(FALLBACK_CONFIGURATION, weight)} END"


def _sought(node: Node) -> Node:
    """The query without what it excludes: the words its snippets highlight. `cloud NOT
    "sport national"` highlighted « sport » (ts_headline marks every word of its query, a
    negated one too), `cloud NOT title:sport` the « sport » of the text, where a reader had
    just excluded it. Every NOT is a member of an AND beside something sought (to_tsquery
    refuses the others first)."""
    if isinstance(node, And):
        kept = tuple(_sought(c) for c in node.children if not isinstance(c, Not))
        return kept[0] if len(kept) == 1 else And(kept)
    if isinstance(node, Or):
        return Or(tuple(_sought(c) for c in node.children))
    return node


# 24 words around the words found, as SQLite's snippet() takes 24 tokens; a title whole, as
# SQLite shows a title of fewer than 24 words.
_HEADLINE_OPTIONS = (
    f'StartSel="{HIGHLIGHT[0]}", StopSel="{HIGHLIGHT[1]}", MaxWords=24, MinWords=12, '
    'MaxFragments=1, FragmentDelimiter=" … "'
)
_TITLE_OPTIONS = f'StartSel="{HIGHLIGHT[0]}", StopSel="{HIGHLIGHT[1]}", HighlightAll=true'


def search_postgres(
    db: Any,
    query: str,
    rules: RuleSet | None = None,
    sources: list[str] | None = None,
    languages: list[str] | None = None,
    since: DayBound | None = None,
    until: DayBound | None = None,
    watchlist: str | None = None,
    limit: int = 20,
    offset: int = 0,
    order: str = "rank",
    seconds: float = SEARCH_SECONDS,
) -> list[SearchHit]:
    """monitors.web.search.search on PostgreSQL: the same arguments, the same records. The
    search's statement stops after `seconds` (its transaction's statement_timeout, as the
    reader's sessions have; the command line's had none)."""
    try:
        parsed = parse_query(query)
        expression = to_tsquery(parsed, rules)
    except QuerySyntaxError as exc:
        raise SearchError(f"query: {exc}") from None
    where = [_match()]
    params: dict[str, object] = {
        "q": expression,
        "h": to_tsquery(_sought(parsed), rules),
        "limit": limit,
        "offset": max(0, offset),
    }
    if sources:
        where.append(f"a.source IN ({','.join(f':s{i}' for i in range(len(sources)))})")
        params |= {f"s{i}": s for i, s in enumerate(sources)}
    if languages:
        where.append(f"a.language IN ({','.join(f':l{i}' for i in range(len(languages)))})")
        params |= {f"l{i}": lang for i, lang in enumerate(languages)}
    if since:
        where.append(on_or_after("coalesce(a.published, a.fetched_at)", since, "since", params))
    if until:
        where.append(before("coalesce(a.published, a.fetched_at)", until, "until", params))
    if watchlist:
        where.append("a.id IN (SELECT article_id FROM matches WHERE watchlist = :watchlist)")
        params["watchlist"] = watchlist
    config, matched = _configuration_case("a.language"), _query_case("a.language")
    text_words = _words_case("a.language", WEIGHTS["text"])
    title_words = _words_case("a.language", WEIGHTS["title"])
    # The snippets are of the title and text as indexed (without Arabic marks), as SQLite's.
    text = unmarked_postgres(f"left(a.text, {INDEXED_CHARACTERS})")
    title = unmarked_postgres("coalesce(a.title, '')")
    sql = f"""
        WITH hits AS (
            SELECT a.id, ts_rank('{RANK_WEIGHTS}', a.search, {matched}) AS score
            FROM articles a
            WHERE {" AND ".join(where)}
            ORDER BY {"score DESC, " if order == "rank" else ""}a.id DESC
            LIMIT :limit OFFSET :offset
        )
        SELECT a.id, coalesce(a.title, a.url), a.url, a.source, a.language, a.published,
               ts_headline({config}, {text}, {text_words}, '{_HEADLINE_OPTIONS}'),
               ts_headline({config}, {title}, {title_words}, '{_TITLE_OPTIONS}'),
               hits.score,
               (SELECT string_agg(m.watchlist, ',' ORDER BY m.watchlist) FROM matches m
                WHERE m.article_id = a.id)
        FROM hits JOIN articles a ON a.id = hits.id
        ORDER BY {"hits.score DESC, " if order == "rank" else ""}a.id DESC
    """
    from psycopg.errors import QueryCanceled  # only ever run on a PostgreSQL database

    try:
        with db.transaction():
            milliseconds = str(max(1, round(seconds * 1000)))  # 0 would be no limit
            db.execute("SELECT set_config('statement_timeout', :ms, true)", {"ms": milliseconds})
            rows = db.execute(sql, params).fetchall()
    except QueryCanceled:  # at the statement_timeout (the reader's sessions' or the above)
        raise over_time(seconds) from None
    hits = []
    for r in rows:
        text_snippet, title_snippet = r[6], r[7]
        snippet = (
            title_snippet
            if HIGHLIGHT[0] not in text_snippet and HIGHLIGHT[0] in title_snippet
            else text_snippet
        )
        hits.append(
            SearchHit(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                snippet,
                -float(r[8]),
                r[9].split(",") if r[9] else [],
            )
        )
    return hits
