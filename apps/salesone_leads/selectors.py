"""Reads of the national company database: the search behind GET /api/salesone-leads/ and imports.

Korean substring search (``q``): every word of the query must occur in one of name, name_eng, owner,
address or description. The GIN index over character bigrams (migration 0002) finds candidates;
ILIKE on the columns keeps exact substring semantics. Orderings are (key, id) pairs served by
btree indexes, so a cursor (keyset) page costs the same at any depth.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, router, transaction
from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from . import leads_seam
from .fields import (
    LEGAL_FORM_CHARACTERS,
    LEGAL_FORMS,
    SEARCHED_FIELDS,
    name_query_literal,
    search_query_literal,
    search_tokens,
)
from .models import Industry, Keyword, SalesOneLead

TABLE = SalesOneLead._meta.db_table
# The exact expressions of the ordering indexes (migration 0002): the planner uses an index only for
# an identical expression.
REVENUE_KEY = f'coalesce("{TABLE}"."finance_revenue", -1)'
EMPLOYEE_KEY = f'"{TABLE}"."employee"'
ESTABLISHED_KEY = f'coalesce("{TABLE}"."established_date", \'0001-01-01\'::date)'
ID_KEY = f'"{TABLE}"."id"'


class Ordering:
    """``ordering`` values: SPEC.md's field names; ``revenue`` stays as an alias of ``finance_revenue``."""

    RELEVANCE = "relevance"
    REVENUE = "finance_revenue"
    REVENUE_DESC = "-finance_revenue"
    EMPLOYEE = "employee"
    EMPLOYEE_DESC = "-employee"
    ESTABLISHED = "established_date"
    ESTABLISHED_DESC = "-established_date"

    CHOICES = [
        (RELEVANCE, "relevance: name matches first, then revenue (the default with q)"),
        (REVENUE_DESC, "revenue, largest first (the default without q)"),
        (REVENUE, "revenue, smallest first"),
        (EMPLOYEE_DESC, "employees, most first"),
        (EMPLOYEE, "employees, fewest first"),
        (ESTABLISHED_DESC, "established date, newest first"),
        (ESTABLISHED, "established date, oldest first"),
        ("-revenue", "alias of -finance_revenue"),
        ("revenue", "alias of finance_revenue"),
    ]
    ALIASES = {"revenue": REVENUE, "-revenue": REVENUE_DESC}


@dataclass
class SortKey:
    sql: str
    params: list = field(default_factory=list)
    kind: type = int  # int or date: how a cursor value is read back


@dataclass
class SearchResult:
    """An ordered queryset whose rows carry their sort keys as ``sort_key_0``… (for the cursor)."""

    queryset: QuerySet
    ordering: str
    keys: list[SortKey]
    descending: bool
    # The same matches without the exact-substring recheck of ``q``, for the planner's row estimate
    # (it cannot estimate ILIKE and guesses a few dozen rows where the bigrams find thousands).
    estimate_queryset: QuerySet | None = None
    # Relevance by a first word: its tiers (value, the tier's rows), best first; each is read by
    # revenue through an index when the search is broad (see rows()).
    relevance_tiers: list[tuple[int, QuerySet]] | None = None
    # The asking user: rows() and rows_after() mark each row of the page ``imported`` when the user
    # holds the company (one query per page; as a subquery of the search it ran for every row a walk
    # or a sort read, 10,001 probes for page 500 of a region).
    user: object = None
    # Read by tier whatever the planner expects (salesone_lead_search says when).
    tiers_always: bool = False
    # Tier 2 may walk the name head's group in revenue order (salesone_lead_search says when, and
    # _walks_head whether the group is small enough against tier 2); head_group is that group.
    walk_head: bool = False
    head_group: QuerySet | None = None
    # SQL (and params) of "a match is in tier 2", which the page's count also counts (_walks_head).
    tier_two_sql: tuple[str, list] | None = None
    # The page's rows get their industry and keyword names (with_details).
    details: bool = False
    # The page's count found more matches than the cap where the planner expected few (_by_tier).
    _underestimated: bool = field(default=False, init=False, repr=False)
    _walks: bool | None = field(default=None, init=False, repr=False)
    _tier_two_counts: dict[int, int] = field(default_factory=dict, init=False, repr=False)
    _planned_matches: int | None = field(default=None, init=False, repr=False)
    _planned_queryset_rows: int | None = field(default=None, init=False, repr=False)
    _counts: dict[int, int] = field(default_factory=dict, init=False, repr=False)

    def planned_matches(self) -> int:
        """The planner's estimate of the matches (of ``estimate_queryset`` when there is one, which
        it can estimate), asked once per search: the tier reads and the count both use it."""
        if self._planned_matches is None:
            matches = self.queryset if self.estimate_queryset is None else self.estimate_queryset
            self._planned_matches = planner_rows(matches)
        return self._planned_matches

    def planned_queryset_rows(self) -> int:
        """The planner's estimate of ``queryset`` itself (with the recheck), asked once."""
        if self._planned_queryset_rows is None:
            self._planned_queryset_rows = planner_rows(self.queryset)
        return self._planned_queryset_rows

    def with_details(self) -> None:
        """Give each row of a page its industry, its keyword names (``keyword_names``) and, with
        ``user``, ``imported``, read for the page's rows in one statement (``_detailed``)."""
        self.details = True

    def _by_tier(self, rows_wanted: int) -> bool:
        """Whether to read tier by tier: the planner expects many matches, and RELEVANCE_CONFIRM of
        them exist (a word the statistics do not know gets a guessed frequency: `lg` 3,356 rows
        for none, and a walk of the revenue index for a tier that is empty reads all of it)."""
        if self.relevance_tiers is None:
            return False
        if self.tiers_always:
            return True
        if self.walk_head and self.planned_matches() < RELEVANCE_WALK_ABOVE:
            # The planner multiplied correlated words; the count the page needs anyway decides, then
            # whether tier 2 is large enough against its head's group for the walk (_walks_head).
            confirmed = self.count_up_to(settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT + 1) >= RELEVANCE_CONFIRM
            return confirmed and self._walks_head()
        if self.planned_matches() < RELEVANCE_WALK_ABOVE:
            return self._walks_revenue(rows_wanted)
        if self.planned_matches() >= RELEVANCE_TRUSTED_ABOVE:
            return True
        # Where the page's "count" counts too (pagination.count_matches: up to 5,000 expected), the
        # same count serves both; above, RELEVANCE_CONFIRM rows are enough (`Nex`, 8,351 expected:
        # counting 1,001 matches read 955 heap blocks, 26 ms, for a count the page never shows).
        cap = settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT
        limit = cap + 1 if self.planned_matches() <= 5 * cap else RELEVANCE_CONFIRM
        return self.count_up_to(limit) >= RELEVANCE_CONFIRM

    def _walks_revenue(self, rows_wanted: int) -> bool:
        """Whether tiers the planner underestimates are read by walking the revenue index.

        The planner may multiply correlated terms (`Hanbit`: han & anb & nbi & bit, 1 row guessed
        for 8,457 of 1M) and fetch and sort every match. The page's own exact count (pagination
        counts up to the cap whenever the planner expects few) says so: more than the cap. Then a
        walk of the revenue index (as the head walk, _read) reads about rows wanted x table /
        matches rows when the matches are spread over the revenues; it is taken only when that is
        at most UNDERESTIMATE_WALK_RATIO times the matches the count confirmed (the cap + 1, a
        lower bound of what the plan it replaces fetches): at 1M companies page 1 only, whose
        rows wanted are the page's 20 and the paginator's look-ahead row (21 x 1M / 1,001 = 20,979
        <= 25 x 1,001). A word with few matches in a large table keeps the single sorted query
        (SEARCH.md)."""
        cap = settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT
        if self.count_up_to(cap + 1) <= cap:
            return False
        if rows_wanted * table_rows() > UNDERESTIMATE_WALK_RATIO * (cap + 1) ** 2:
            return False
        self._underestimated = True
        return True

    def _walks_head(self) -> bool:
        """Whether tier 2 is read by walking its head's group in revenue order (asked once).

        The walk reads the group's rows until the page's rows of tier 2 are found: about
        rows wanted x group / tier 2 when tier 2's rows are spread through the group, the whole
        group when tier 2 has fewer rows than the page. The plan it replaces reads the rows that
        hold every word (the GIN AND), i.e. tier 2. So the walk is taken only when the planner's
        estimate of the group (the head index expression's statistics) is at most HEAD_WALK_GROUP_MAX
        and tier 2 holds at least 1/HEAD_WALK_GROUP_RATIO of it: the walk then reads at most
        HEAD_WALK_GROUP_MAX rows and at most HEAD_WALK_GROUP_RATIO times the rows of tier 2
        (SEARCH.md). Tier 2's rows are counted among the matches the page's count reads (up to
        1,001, one statement): a lower bound of tier 2, so a walk is never taken wrongly."""
        if not self.walk_head:
            return False
        if self._walks is None:
            group = planner_rows(self.head_group)
            if group > HEAD_WALK_GROUP_MAX:
                self._walks = False
            else:
                needed = max(RELEVANCE_CONFIRM, -(-group // HEAD_WALK_GROUP_RATIO))
                limit = max(settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT + 1, needed)
                self.count_up_to(limit)
                counted = max(
                    (
                        tier_two
                        for counted_to, tier_two in self._tier_two_counts.items()
                        if counted_to >= limit or self._counts[counted_to] < counted_to  # or all matches
                    ),
                    default=0,
                )
                self._walks = counted >= needed
        return self._walks

    def count_up_to(self, limit: int) -> int:
        """The number of matches, counted no further than ``limit`` (asked once per limit; a count
        to a higher limit answers a lower one)."""
        for counted_to, found in self._counts.items():
            if counted_to >= limit or found < counted_to:
                return min(found, limit)
        matches = self.queryset.order_by()
        if self.tier_two_sql is None:
            self._counts[limit] = matches.values("pk")[:limit].count()
            return self._counts[limit]
        # The same statement counts tier 2's rows among the matches it reads (see _walks_head).
        in_tier_two = RawSQL(*self.tier_two_sql, output_field=BooleanField())
        counted = (
            matches.annotate(in_tier_two=in_tier_two)
            .values("pk", "in_tier_two")[:limit]
            .aggregate(found=Count("pk"), tier_two=Count("pk", filter=Q(in_tier_two=True)))
        )
        self._counts[limit], self._tier_two_counts[limit] = counted["found"], counted["tier_two"]
        return self._counts[limit]

    def _detailed(self, rows: list) -> list:
        """The page's rows with what the list shows beside their columns, from one statement on the
        page's ids: the industry (a join), the keyword names (an array subquery, by name as the
        keywords' ordering) and ``imported`` (one probe of the user's leads a row). Issue 18: the
        prefetches of industry and keywords and the lookup of the user's leads were three round
        trips after every page, each several milliseconds on a loaded machine; as subqueries of the
        search itself they would run for every row a walk or a sort reads before the LIMIT."""
        if not rows or (not self.details and self.user is None):
            return rows
        fields = ["pk"]
        extras = SalesOneLead.objects.filter(pk__in=[row.pk for row in rows]).order_by()
        if self.details:
            names = Keyword.objects.filter(ultimatedb=OuterRef("pk")).order_by("name").values("name")
            extras = extras.annotate(keyword_names=ArraySubquery(names))
            fields += ["industry__code", "industry__name", "keyword_names"]
        if self.user is not None:
            extras = extras.annotate(imported=leads_seam.lead_held_by(self.user))
            fields.append("imported")
        found = {values[0]: dict(zip(fields, values, strict=True)) for values in extras.values_list(*fields)}
        industry = SalesOneLead._meta.get_field("industry")
        # A company deleted (the admin) between the page's statement and this one is shown bare, as the
        # prefetches showed it before: no industry, no keywords, not imported.
        bare = dict.fromkeys(fields) | {"keyword_names": [], "imported": False}
        for row in rows:
            values = found.get(row.pk, bare)
            if self.details:
                code, name = values["industry__code"], values["industry__name"]
                related = None if code is None else Industry(pk=row.industry_id, code=code, name=name)
                industry.set_cached_value(row, related)
                row.keyword_names = values["keyword_names"]
            if self.user is not None:
                row.imported = values["imported"]
        return rows

    def rows(self, offset: int, limit: int) -> list:
        """``queryset[offset : offset + limit]``; a broad relevance search reads it tier by tier."""
        return self._detailed(self._rows(offset, limit))

    def rows_after(self, values: list, limit: int) -> list:
        """The ``limit`` rows after the row whose sort keys are ``values`` (keyset pagination)."""
        return self._detailed(self._rows_after(values, limit))

    def _rows(self, offset: int, limit: int) -> list:
        if not self._by_tier(offset + limit):
            return list(self.queryset[offset : offset + limit])
        rows: list = []
        skip = offset
        for value, tier in self.relevance_tiers:
            tier = tier.order_by(*_BY_REVENUE)
            found = self._read(value, tier[skip : skip + limit - len(rows)])
            if found:
                skip = 0
            elif skip:  # the page starts after this tier: skip its rows
                skip -= tier.order_by().values("pk")[:skip].count()
            rows += found
            if len(rows) == limit:
                break
        return rows

    def _rows_after(self, values: list, limit: int) -> list:
        """A broad relevance search continues in the row's tier by revenue, then reads the tiers below it."""
        if not self._by_tier(limit):
            return list(self.after(values)[:limit])
        tier_of_row, revenue, pk = values
        rows: list = []
        for tier_value, tier in self.relevance_tiers:
            if tier_value > tier_of_row:
                continue
            if tier_value == tier_of_row:
                after = f"({REVENUE_KEY}, {ID_KEY}) < (%s, %s)"
                tier = tier.filter(RawSQL(after, [revenue, pk], output_field=BooleanField()))
            rows += self._read(tier_value, tier.order_by(*_BY_REVENUE)[: limit - len(rows)])
            if len(rows) == limit:
                break
        return rows

    def _read(self, tier_value: int, rows: QuerySet) -> list:
        """The rows of a tier's slice; tier 2 of a head walk in the order of the head's index, tier 0
        of an underestimated search in the order of the revenue index (_walks_revenue). Tiers 2 and
        1 of that search keep the planner's plan: conditions on the name that the name's indexes
        find (no row for `Hanbit`, whose matches are the English names of 한빛…), where a walk of
        the revenue index for a tier with few rows would read far; tier 0 holds the matches the
        count confirmed, less the page's rows above it."""
        revenue_walk = tier_value == 0 and self._underestimated
        if not revenue_walk and (tier_value != 2 or not self._walks_head()):
            return list(rows)
        # The planner would fetch and sort tier 2 (it multiplies the frequencies of the other,
        # correlated words); without a sort the only path left is the head index, walked in
        # revenue order, which _walks_head allows only for a group small against tier 2 (SEARCH.md).
        # The block, its SET LOCAL and the query are on the database the router reads companies
        # from: a block on `default` would make the router send the query to the primary (a read
        # inside a transaction of ours, common/db_routers.py), so with a replica configured every
        # head-walk page would have read the primary, and without SET LOCAL on its connection.
        alias = router.db_for_read(SalesOneLead)
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
            if revenue_walk:
                # Parallel workers would walk it in a Gather Merge whose start alone costs more than
                # the walk (`Hanbit` page 1: 20 ms, 13 of them before the first row, against 4 ms).
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            found = list(rows.using(alias))
            cursor.execute("RESET enable_sort")
            if revenue_walk:
                cursor.execute("RESET max_parallel_workers_per_gather")
        return found

    def after(self, values: list) -> QuerySet:
        """The rows that come after the row whose sort keys are ``values`` (keyset pagination)."""
        columns = ", ".join(key.sql for key in self.keys)
        placeholders = ", ".join(["%s"] * len(self.keys))
        params = [p for key in self.keys for p in key.params] + list(values)
        operator = "<" if self.descending else ">"
        condition = RawSQL(f"({columns}) {operator} ({placeholders})", params, output_field=BooleanField())
        return self.queryset.filter(condition)


# Relevance is (tier, revenue, id). With fewer expected matches than this, one query sorts them all;
# with more, each tier is read by revenue on its own: a tier is an index condition (the name's
# N-terms, migration 0006; the name index for "starts with"), so the planner walks the revenue index
# to the page or sorts a small tier, and never sorts every match of a broad word.
RELEVANCE_WALK_ABOVE = 2_000
RELEVANCE_CONFIRM = 200
# A search the planner underestimates walks the revenue index (SearchResult._walks_revenue) only when
# the walk is expected to read at most this many times the matches the page's count confirmed. 25, not
# the 20 of 2026-12-06: the page asks for its rows plus the paginator's look-ahead row, and 21 x 1M was
# over 20 x 1,001^2, so through the API the walk never fired at 1M companies (`Hanbit` 52 ms by the
# single sorted query, 30 ms walked; 2026-12-07). 25 admits page 1 up to 1.19M companies.
UNDERESTIMATE_WALK_RATIO = 25
# An estimate this high comes from the word's measured frequency (a term the statistics do not hold
# is guessed far lower), so it needs no confirmation; confirming it would read the table from its
# start, the cheapest way to find 200 of a broad word's matches but a sequential scan.
RELEVANCE_TRUSTED_ABOVE = 20_000
# Tier 2 walks its head's group (SearchResult._walks_head) only for a group the planner expects to
# hold at most HEAD_WALK_GROUP_MAX rows, of which at least 1/HEAD_WALK_GROUP_RATIO are in tier 2:
# the walk's worst case is then the group, at most 20,000 rows and 20 times tier 2 (한빛 Hanbit:
# group 14,227, tier 2 8,457; 60,000 rows of which 30,000 named 한국…, `한국 넥스` with 2 rows in
# tier 2 walked all 30,000, 30,365 buffers, where the GIN AND read 94).
HEAD_WALK_GROUP_MAX = 20_000
HEAD_WALK_GROUP_RATIO = 20
_BY_REVENUE = ("-sort_key_1", "-sort_key_2")
_NO_LETTER_CASE = re.compile(r"[0-9가-힣]+")


def _name_prefixes(first: str) -> list[str]:
    return [f"{first}%", f"주식회사 {first}%", f"(주){first}%", f"유한회사 {first}%", f"㈜{first}%"]


def _name_like_is_exact(word: str) -> bool:
    """Whether ``name LIKE '%word%'`` is exactly "the name's terms contain the word": a word of one
    or two Hangul syllables or digits (no letter case) no occurrence of which can overlap a legal
    form, which the name's terms leave out (전자 can: no legal form holds it, ends with 전 or starts
    with 자; 식회 cannot)."""
    if not _NO_CASE_ONE_TERM.fullmatch(word):
        return False
    for form in LEGAL_FORMS:
        if word in form or any(form.endswith(word[:k]) or form.startswith(word[k:]) for k in range(1, len(word))):
            return False
    return True


# The name's head (migration 0011): its first two characters after a leading legal form.
NAME_HEAD = f'salesone_name_head("{TABLE}"."name"::text)'
_LEGAL_FORM_STARTS = frozenset(prefix[0] for prefix in _name_prefixes("")[1:])


def _name_head(first: str) -> str | None:
    """The head (``salesone_name_head``) of every name that starts with ``first`` after a legal form
    (``_name_prefixes``): its first two characters, for a word of two or more without letter case
    whose first character starts no legal form (유한 would take 유한회사 넥스 for a prefix)."""
    if len(first) < 2 or not _NO_LETTER_CASE.fullmatch(first) or first[0] in _LEGAL_FORM_STARTS:
        return None
    return first[:2]


def _name_contains(first: str) -> tuple[str, list]:
    """SQL of "the name contains the word": LIKE on the name where that is exact (cheaper per row
    than matching the vector, and estimated from name's histogram), else its N-terms (exact for a
    word the index matches exactly, else rechecked with ILIKE). Never an index condition: it
    excludes (tier 0) and ranks (the CASE of the full sort)."""
    if _name_like_is_exact(first):
        return f'("{TABLE}"."name"::text LIKE %s)', [f"%{first}%"]
    sql = f'"{TABLE}"."search_vector" @@ %s::tsquery'
    params: list = [name_query_literal(first)]
    if not _EXACT_BY_INDEX.fullmatch(first):
        sql += f' AND "{TABLE}"."name" ILIKE %s'
        params.append(f"%{first}%")
    return f"({sql})", params


def _name_starts_with(first: str) -> tuple[str, list]:
    """SQL of "the name starts with the word" (after the legal form). LIKE for a word without letter
    case, which the name index (text_pattern_ops) serves; ILIKE otherwise."""
    prefixes = _name_prefixes(first)
    operator = "LIKE" if _NO_LETTER_CASE.fullmatch(first) else "ILIKE"
    sql = " OR ".join([f'"{TABLE}"."name" {operator} %s'] * len(prefixes))
    return f"({sql})", prefixes


def table_rows() -> int:
    """The planner's count of companies (pg_class.reltuples, as ANALYZE or VACUUM last set it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [TABLE])
        return cursor.fetchone()[0]


def planner_rows(queryset: QuerySet) -> int:
    """The planner's estimate of how many rows ``queryset`` has (0 for a query that cannot match)."""
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. an industry prefix no industry has
        return 0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _relevance_key(words: list[str]) -> SortKey:
    """2 when the name starts with the first word (after the legal form), 1 when the name contains
    it, 0 when another column matched."""
    contains, contains_params = _name_contains(words[0])
    starts, starts_params = _name_starts_with(words[0])
    sql = f"(CASE WHEN {contains} AND {starts} THEN 2 WHEN {contains} THEN 1 ELSE 0 END)"
    return SortKey(sql=sql, params=[*contains_params, *starts_params, *contains_params])


def _ordering_keys(ordering: str, words: list[str]) -> tuple[list[SortKey], bool]:
    revenue = SortKey(REVENUE_KEY)
    keys = {
        Ordering.REVENUE: ([revenue], False),
        Ordering.REVENUE_DESC: ([revenue], True),
        Ordering.EMPLOYEE: ([SortKey(EMPLOYEE_KEY)], False),
        Ordering.EMPLOYEE_DESC: ([SortKey(EMPLOYEE_KEY)], True),
        Ordering.ESTABLISHED: ([SortKey(ESTABLISHED_KEY, kind=date)], False),
        Ordering.ESTABLISHED_DESC: ([SortKey(ESTABLISHED_KEY, kind=date)], True),
    }
    if ordering == Ordering.RELEVANCE:
        if not words:  # without a query there is no relevance: the largest companies first
            return [revenue, SortKey(ID_KEY)], True
        return [_relevance_key(words), revenue, SortKey(ID_KEY)], True
    chosen, descending = keys[ordering]
    return [*chosen, SortKey(ID_KEY)], descending


class IndustryIds(list):
    """The ids of the industries a filter's codes name (``industry_ids_for``), resolved once."""


def industry_ids_for(codes: list[str]) -> list[int]:
    """Industries whose code is, or starts with, one of ``codes`` (``S96`` → every S96xxx)."""
    condition = Q()
    for code in codes:
        condition |= Q(code__startswith=code.strip().upper())
    return list(Industry.objects.filter(condition).values_list("id", flat=True))


# A word of one or two characters, or of three Latin letters, is exactly one index term (a bigram,
# a Latin trigram, or the prefix term of one character), and the index terms are substrings of the
# lower-cased columns (split only at spaces): the term match is already the exact substring match.
# 2026-12-06: with an ILIKE recheck the planner guessed 922 rows for the 8,396 of `Nex` and sorted
# them all (77 ms) instead of walking the revenue index (2,117 rows, 7 ms).
_EXACT_BY_INDEX = re.compile(r"[0-9a-z가-힣]{1,2}|[a-z]{3}")
_NO_CASE_ONE_TERM = re.compile(r"[0-9가-힣]{1,2}")


def recheck_words(query: str) -> list[str]:
    """The words of ``query`` whose term match may hold rows that lack the substring (longer words:
    대우 우캐 has both bigrams of 대우캐, nexus expo the trigrams of nexpo)."""
    return [word for word in search_tokens(query) if not _EXACT_BY_INDEX.fullmatch(word)]


def text_condition(query: str, *, recheck: bool = True, name_first: bool = False, by_index: bool = True) -> Q | None:
    """Rows containing every word of ``query``; None when the query has no searchable word (only a
    legal form such as 주식회사, or punctuation). Without ``recheck`` only the bigrams must occur.
    Without ``by_index`` the terms are matched on each row the other filters find, not through
    the GIN index (see ``_text_by_index``).

    Words the index matches exactly (``recheck_words``) get no ILIKE: besides its cost per match,
    the planner cannot estimate ILIKE (it guessed 44 rows for 26,000 matches of 캐리), and with that
    guess it fetches and sorts every match instead of walking an ordering index to the first page.
    """
    tsquery = search_query_literal(query, name_first=name_first)
    if tsquery is None:
        return None
    # `|| ''` leaves the vector as it is and hides it from the index, as `+ 0` does for a number.
    vector = f'"{TABLE}"."search_vector"' if by_index else f'("{TABLE}"."search_vector" || \'\'::tsvector)'
    condition = Q(RawSQL(f"{vector} @@ %s::tsquery", [tsquery], output_field=BooleanField()))
    if not recheck:
        return condition
    for word in recheck_words(query):
        any_column = Q()
        for column in SEARCHED_FIELDS:
            any_column |= Q(**{f"{column}__icontains": word})
        condition &= any_column
    return condition


def salesone_lead_search(*, filters: dict, user=None, queryset: QuerySet | None = None) -> SearchResult:
    """The companies matching the search filters (the FilterSet's cleaned data), ordered.

    With ``user`` each row of a page (``SearchResult.rows``) says whether that user already holds the
    company (``imported``).
    """
    queryset = SalesOneLead.objects.all() if queryset is None else queryset
    if filters.get("industry"):
        # The codes become ids once here: every variant of the search below (its estimate, its
        # tiers, the filters alone) reuses them instead of asking the industry table again.
        filters = {**filters, "industry": IndustryIds(industry_ids_for(filters["industry"]))}
    query = (filters.get("q") or "").strip()
    words = search_tokens(query)
    # With a searchable q the count's estimate comes from the bigram match alone (see SearchResult).
    estimate_queryset = _filtered(queryset, filters, recheck=False) if text_condition(query) is not None else None
    base = queryset
    by_index = estimate_queryset is None or _text_by_index(base, filters)
    queryset = _filtered(base, filters, by_index=by_index)

    ordering = filters.get("ordering") or (Ordering.RELEVANCE if words else Ordering.REVENUE_DESC)
    ordering = Ordering.ALIASES.get(ordering, ordering)
    keys, descending = _ordering_keys(ordering, words)

    def ordered(matches: QuerySet) -> QuerySet:
        matches = matches.annotate(
            **{f"sort_key_{i}": RawSQL(k.sql, k.params, output_field=_output_field(k)) for i, k in enumerate(keys)}
        )
        return matches.order_by(*[(f"-sort_key_{i}" if descending else f"sort_key_{i}") for i in range(len(keys))])

    tiers, planned = None, None
    if ordering == Ordering.RELEVANCE and words:
        # Asked here once, for the tiers below and for SearchResult (which reads tiers only above it).
        planned = planner_rows(estimate_queryset if estimate_queryset is not None else queryset)
        # Tiers 2 and 1 match the first word by the name's terms instead of all columns' (implied by
        # them): the planner then estimates the tier as the name term's frequency, not as the
        # product of two terms it takes for independent.
        # The name's terms hold the word's bigrams; a word the index does not match exactly is
        # rechecked on the name as in _name_contains.
        in_name = _filtered(base, filters, name_first=True, by_index=by_index)
        if not by_index:
            # The words are matched on the rows of the other filters, but the first word's N-terms
            # stay visible to the GIN index: tier 1 of 전자 + 경기도 + C26 + revenue is then the
            # AND of two bitmaps (217 rows) instead of a scan of the 8,387 rows of the filters.
            in_name = _name_terms(_filtered(base, {**filters, "q": " ".join(words[1:])}, by_index=False), words[0])
        if (
            _name_like_is_exact(words[0])
            and planned >= RELEVANCE_WALK_ABOVE
            and planner_rows(_name_terms(base, words[0])) >= RELEVANCE_WALK_ABOVE
        ):
            # A large tier 1 is read by walking the revenue index: LIKE on the name costs less per
            # row than the vector's N-term (page 10 of 전자 walks 7,002 rows: 24-45 -> 9-15 ms).
            # A small one keeps the N-term, which the GIN index finds.
            in_name = _filtered(base, {**filters, "q": " ".join(words[1:])}, by_index=by_index)
            in_name = in_name.filter(_sql_condition(*_name_contains(words[0])))
        if not _EXACT_BY_INDEX.fullmatch(words[0]):
            in_name = in_name.filter(name__icontains=words[0])
        contains, contains_params = _name_contains(words[0])
        starts, starts_params = _name_starts_with(words[0])
        starting = in_name
        if _NO_LETTER_CASE.fullmatch(words[0]) and not set(words[0]) & LEGAL_FORM_CHARACTERS:
            # Such a name prefix is the word's terms (no legal form can cut it): the prefix alone,
            # which the name index serves and the planner estimates, with the other words.
            starting = _filtered(base, {**filters, "q": " ".join(words[1:])}, by_index=by_index)
        head = _name_head(words[0])
        if head is not None:
            # The name's head (migration 0011) walks the word's group in revenue order; for a word
            # of two characters it is exactly the prefixes.
            starting = starting.filter(_sql_condition(f"{NAME_HEAD} = %s", [head]))
        if head is None or len(words[0]) > 2:
            starting = starting.filter(_sql_condition(starts, starts_params))
        tiers = [
            (2, ordered(starting)),
            (1, ordered(in_name.exclude(_sql_condition(starts, starts_params)))),
            (0, ordered(queryset.exclude(_sql_condition(contains, contains_params)))),
        ]
    result = SearchResult(
        queryset=ordered(queryset),
        ordering=ordering,
        keys=keys,
        descending=descending,
        estimate_queryset=estimate_queryset,
        relevance_tiers=tiers,
        user=user,
    )
    result._planned_matches = planned
    if tiers is not None:
        # The words matched on the filters' rows: the single sorted query reads every one of them,
        # while tiers 2 and 1 come from indexes (the name's head, the N-terms' GIN list).
        result.tiers_always = not by_index
        # More words after a first word with a head: the planner multiplies their frequencies
        # (`한빛 Hanbit`: 1 row guessed for 8,457); a count confirms the matches, and tier 2 then
        # walks the head's group in revenue order (see SearchResult._by_tier and _read).
        result.walk_head = head is not None and len(words) > 1
        if result.walk_head:
            result.head_group = base.filter(_sql_condition(f"{NAME_HEAD} = %s", [head]))
            # A match is in tier 2 when its name starts with the first word: the head, and for a
            # longer word the prefixes too (as `starting` above).
            result.tier_two_sql = (f"({NAME_HEAD} = %s)", [head])
            if len(words[0]) > 2:
                result.tier_two_sql = (f"({NAME_HEAD} = %s AND {starts})", [head, *starts_params])
    if estimate_queryset is not None and by_index and not recheck_words(query):
        # Without a recheck the estimate's query is the search itself: one EXPLAIN serves both.
        result._planned_queryset_rows = planned
    return result


def _sql_condition(sql: str, params: list) -> Q:
    return Q(RawSQL(sql, params, output_field=BooleanField()))


def _name_terms(queryset: QuerySet, word: str) -> QuerySet:
    """The rows whose name's terms (N-terms) contain ``word``."""
    return queryset.filter(_sql_condition(f'"{TABLE}"."search_vector" @@ %s::tsquery', [name_query_literal(word)]))


# q with other filters (2026-12-06, 전자 + 경기도 + C26 + revenue ≥ 1억): the planner ANDed the
# GIN bitmap of 전자 (81,907 entries, 38-57 ms) with the region + industry probe (8,387 entries),
# then fetched 4,886 heap blocks and counted the matches the same way again (60-100 ms). Matching
# the words on the 8,387 rows the other filters find reads more heap (8,222 blocks) but no GIN
# list: the page 126 -> 59 ms, the count of 1,001 7 ms, in EXPLAIN ANALYZE on the busy machine.
# So when the other filters are expected to find fewer than TEXT_BY_FILTER_BELOW rows and the
# words at least TEXT_BY_FILTER_RATIO times as many, the words are not looked up in the index.
TEXT_BY_FILTER_BELOW = 20_000
TEXT_BY_FILTER_RATIO = 5


def _text_by_index(base: QuerySet, filters: dict) -> bool:
    """Whether q's matches are found through the GIN index (else on the rows the other filters find)."""
    others = _filtered(base, {**filters, "q": ""})
    if others.query.where is None or not others.query.where.children:
        return True
    expected = planner_rows(others)
    if expected >= TEXT_BY_FILTER_BELOW:
        return True
    return planner_rows(_filtered(base, {"q": filters["q"]}, recheck=False)) < TEXT_BY_FILTER_RATIO * expected


def _filtered(
    queryset: QuerySet, filters: dict, *, recheck: bool = True, name_first: bool = False, by_index: bool = True
) -> QuerySet:
    query = (filters.get("q") or "").strip()
    if query:
        condition = text_condition(query, recheck=recheck, name_first=name_first, by_index=by_index)
        queryset = queryset.filter(condition) if condition is not None else queryset.filter(name__icontains=query)

    industries = filters.get("industry")
    if isinstance(industries, IndustryIds):  # resolved by salesone_lead_search (may be none)
        queryset = queryset.filter(industry_id__in=industries)
    elif industries:
        queryset = queryset.filter(industry_id__in=industry_ids_for(industries))
    if filters.get("si_nm"):
        queryset = queryset.filter(si_nm__in=filters["si_nm"])
    if filters.get("sgg_nm"):
        queryset = queryset.filter(sgg_nm__in=filters["sgg_nm"])
    # Range filters are written on the ordering keys so that their indexes serve them; unknown
    # values (the key's floor) never satisfy a range.
    ranges = [
        (REVENUE_KEY, filters.get("revenue_min"), filters.get("revenue_max"), 0),
        (EMPLOYEE_KEY, filters.get("employee_min"), filters.get("employee_max"), None),
        (ESTABLISHED_KEY, filters.get("established_from"), filters.get("established_to"), date(1, 1, 2)),
    ]
    for sql, low, high, floor in ranges:
        if low is not None:
            queryset = queryset.filter(RawSQL(f"{sql} >= %s", [low], output_field=BooleanField()))
        if high is not None:
            queryset = queryset.filter(RawSQL(f"{sql} <= %s", [high], output_field=BooleanField()))
            if floor is not None and low is None:
                queryset = queryset.filter(RawSQL(f"{sql} >= %s", [floor], output_field=BooleanField()))
    if filters.get("finance_year") is not None:
        queryset = queryset.filter(finance_year=filters["finance_year"])
    for flag in ("is_corporation", "is_normal_taxpayer"):
        if filters.get(flag) is not None:
            queryset = queryset.filter(**{flag: filters[flag]})
    for flag, column in (("has_email", "email"), ("has_phone", "phone")):
        if filters.get(flag) is not None:
            present = Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""})
            queryset = queryset.filter(present if filters[flag] else ~present)
    if filters.get("has_homepage") is not None:
        present = Q(homepage__isnull=False) & ~Q(homepage=[])
        queryset = queryset.filter(present if filters["has_homepage"] else ~present)
    if filters.get("keywords"):
        queryset = _filter_keywords(queryset, filters["keywords"], match_all=filters.get("keywords_match") == "all")
    return queryset


def _output_field(key: SortKey):
    from django.db.models import BigIntegerField, DateField

    return DateField() if key.kind is date else BigIntegerField()


def _filter_keywords(queryset: QuerySet, names: list[str], *, match_all: bool) -> QuerySet:
    ids = dict(Keyword.objects.filter(name__in=names).values_list("name", "id"))
    links = SalesOneLead.keywords.through.objects
    if match_all:
        if len(ids) < len(set(names)):  # a keyword nobody has: no company has them all
            return queryset.none()
        for keyword_id in ids.values():
            queryset = queryset.filter(Exists(links.filter(salesonelead_id=OuterRef("pk"), keyword_id=keyword_id)))
        return queryset
    if not ids:
        return queryset.none()
    return queryset.filter(Exists(links.filter(salesonelead_id=OuterRef("pk"), keyword_id__in=list(ids.values()))))


def salesone_lead_get(*, corporation_number: str, user=None) -> QuerySet:
    queryset = SalesOneLead.objects.select_related("industry").prefetch_related("keywords")
    if user is not None:
        queryset = queryset.annotate(imported=leads_seam.lead_held_by(user))
    return queryset.filter(corporation_number=corporation_number)
