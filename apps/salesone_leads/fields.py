"""Field names of the bulk file format, and the Korean search normalisation shared by loader and search.

The same normalisation exists in SQL (migration 0002, ``salesone_search_vector``) for rows written
by other paths; tests check that both produce the same index terms.
"""

import functools
import operator
import re

# Column order of generated CSV files; a loaded file may use any order and omit optional fields.
FILE_FIELDS = [
    "corporation_number",
    "business_number",
    "industry",
    "industry_name",
    "name",
    "name_eng",
    "owner",
    "email",
    "phone",
    "homepage",
    "handle_goods",
    "employee",
    "finance_currency_code",
    "finance_year",
    "finance_revenue",
    "finance_operating_profit",
    "finance_comprehensive_income",
    "finance_net_profit",
    "finance_total_assets",
    "finance_total_liabilities",
    "finance_total_equity",
    "finance_capital",
    "finance_debt_ratio",
    "is_normal_taxpayer",
    "is_corporation",
    "address",
    "si_nm",
    "sgg_nm",
    "postal_code",
    "established_date",
    "description",
    "keywords",
    "scraped_bizinfo",
]
SEARCHED_FIELDS = ["name", "name_eng", "owner", "address", "description"]

# Legal-form words sit in most company names; a term that matches most rows makes a GIN lookup
# slower than a scan (DESIGN.md), so they are not index terms and not search terms.
LEGAL_FORMS = (
    "주식회사", "유한책임회사", "유한회사", "합자회사", "합명회사", "사단법인", "재단법인",
    "(주)", "(유)", "(사)", "(재)", "㈜",
)  # fmt: skip
_LEGAL_FORMS = re.compile("|".join(map(re.escape, LEGAL_FORMS)))
# A word made of none of these cannot be cut by the removal of a legal form.
LEGAL_FORM_CHARACTERS = frozenset("주식회사유한책임합자명단법인재㈜()")
_NOT_TOKEN = re.compile(r"[^0-9a-z가-힣]+")
_ENGLISH_FORMS = frozenset({"co", "ltd", "inc", "corp", "corporation", "company", "llc"})
_HAS_ENGLISH_FORM = re.compile(r"\b(?:co|ltd|inc|corp|corporation|company|llc)\b")


def search_tokens(text: str | None) -> list[str]:
    """Lower-cased words of Hangul syllables, digits and Latin letters, legal forms removed."""
    if not text:
        return []
    text = _LEGAL_FORMS.sub(" ", text.lower())
    return [token for token in _NOT_TOKEN.split(text) if token and token not in _ENGLISH_FORMS]


def _normalised(text: str) -> str:
    """The words of ``text`` after one leading space, joined by spaces: lower case, legal forms and
    punctuation removed."""
    text = text.lower()
    if "회사" in text or "법인" in text or "(" in text or "㈜" in text:
        text = _LEGAL_FORMS.sub(" ", text)
    text = _NOT_TOKEN.sub(" ", text)
    if _HAS_ENGLISH_FORM.search(text):
        text = " ".join([token for token in text.split() if token not in _ENGLISH_FORMS])
    return " " + text.strip()


# Latin words get their three-letter runs as terms too: the bigrams of a Latin word are far from
# independent (`ne & ex`: the planner guessed 314-1,000 rows for 8,396), a trigram is one term whose
# frequency ANALYZE knows (SEARCH.md). Only runs of letters: no Hangul or digit bigram changes.
_LATIN_RUN = re.compile(r"[a-z]{3,}")


def latin_trigrams(text: str) -> set[str]:
    """Every three-letter run of Latin letters inside the words of (normalised) ``text``."""
    return {run[i : i + 3] for run in _LATIN_RUN.findall(text) for i in range(len(run) - 2)}


# Prefix of the name's own terms (NAME_TERM + bigram): "the name contains the word" is then an index
# term whose frequency the planner knows, so relevance reads its tiers through indexes (SEARCH.md).
# Upper case: every other term is lower-cased text, so they never collide.
NAME_TERM = "N"


def search_vector_literal(*values: str | None) -> str:
    """The tsvector input text of a row's index terms: every bigram of every word, each word's
    first and last character, and every Latin trigram (terms never need quoting: [0-9a-z가-힣]);
    then the same terms of the name (the first value) alone, prefixed with NAME_TERM.

    Hot path of the bulk loader: pairs are made by ``map`` over the normalised text; a pair that
    straddles a space ("x ", " y") is read by the tsvector parser as the single character.
    """
    text = _normalised(" ".join([value for value in values if value]))
    terms = " ".join(set(map(operator.add, text, text[1:] + " ")))
    trigrams = latin_trigrams(text)
    if trigrams:
        terms += " " + " ".join(trigrams)
    if not values or not values[0]:
        return terms
    name = _normalised(values[0])
    pairs = {pair.strip() for pair in map(operator.add, name, name[1:] + " ")}
    pairs.update(latin_trigrams(name))
    return terms + " " + " ".join([NAME_TERM + pair for pair in pairs if pair])


def search_vector_literal_by_word(*values: str | None) -> str:
    """The terms of ``search_vector_literal``, built word by word from a cache (the bulk loader's hot
    path: a million companies repeat most of their words).

    Every term of ``search_vector_literal`` belongs to one word (a pair straddling a space is a
    word's first or last character), so a row's terms are the union of its words' terms, and the
    name's NAME_TERM terms the union of the name's words'. A run of [0-9a-z가-힣] holds a legal form
    without parentheses whole, so the cached function removes it; only the parenthesised forms
    span runs and are removed first. The literal may repeat a term; the tsvector input drops
    repeats. tests/test_search_vector_literal_by_word.py compares both, and the SQL function."""
    text = " ".join([value for value in values if value]).lower()
    if "(" in text:
        text = _PARENTHESISED_FORMS.sub(" ", text)
    literal = " ".join(map(_word_terms, _TOKEN.findall(text)))
    name = values[0] if values else None
    if name:
        name = name.lower()
        if "(" in name:
            name = _PARENTHESISED_FORMS.sub(" ", name)
        literal += " " + " ".join(map(_name_word_terms, _TOKEN.findall(name)))
    return literal


_TOKEN = re.compile(r"[0-9a-z가-힣]+")
_PARENTHESISED_FORMS = re.compile(r"\((?:주|유|사|재)\)")


@functools.lru_cache(maxsize=1 << 18)
def _word_terms(word: str) -> str:
    return search_vector_literal(None, word)


@functools.lru_cache(maxsize=1 << 16)
def _name_word_terms(word: str) -> str:
    # Only the NAME_TERM terms: the word's plain terms come with the row's text already.
    return " ".join([term for term in search_vector_literal(word).split() if term.startswith(NAME_TERM)])


def search_query_literal(query: str, *, name_first: bool = False) -> str | None:
    """A tsquery matching rows whose terms contain every word of ``query``; None if nothing to match.

    A one-character word becomes a prefix term (``넥:*``): it matches any bigram starting with it
    and the last-character terms. ``name_first``: the first word must occur in the name (its
    NAME_TERM terms).
    """
    parts: list[str] = []
    for position, token in enumerate(search_tokens(query)):
        prefix = NAME_TERM if name_first and position == 0 else ""
        parts.extend(prefix + term for term in word_terms(token))
    if not parts:
        return None
    return " & ".join(dict.fromkeys(parts))


def word_terms(word: str) -> list[str]:
    """The index terms a row containing ``word`` (one of ``search_tokens``) has: its Latin trigrams,
    and its bigrams that no such trigram covers (``nexpa`` → nex, exp, xpa; ``lg전자`` → lg, g전,
    전자); a one-character word is the prefix term ``x:*``."""
    if len(word) == 1:
        return [f"{word}:*"]
    covered = [False] * len(word)  # covered[i]: the bigram at i lies inside a Latin trigram
    terms = []
    for i in range(len(word) - 2):
        trigram = word[i : i + 3]
        if _LATIN_RUN.fullmatch(trigram):
            terms.append(trigram)
            covered[i] = covered[i + 1] = True
    terms += [word[i : i + 2] for i in range(len(word) - 1) if not covered[i]]
    return terms


def name_query_literal(word: str) -> str:
    """A tsquery matching rows whose name's terms contain ``word`` (one of ``search_tokens``)."""
    return " & ".join(dict.fromkeys(NAME_TERM + term for term in word_terms(word)))
