"""The bulk loader's word-by-word search vector holds exactly the terms of ``search_vector_literal``
and of the SQL function the trigger calls."""

import pytest
from django.db import connection

from apps.salesone_leads.fields import search_vector_literal, search_vector_literal_by_word
from apps.salesone_leads.generator import CompanyGenerator

TRICKY = [
    ("(주)대우캐리어판매", "Daewoo Carrier Sales Co., Ltd.", "이경남", "영등포구 도신로 148 (신길동)", "도매·설치"),
    ("주식회사(주)넥스파", "NEXPA CO.,LTD", None, "(주)빌딩 3층", "㈜넥스파와 (유)한빛, (사)협회, (재)재단"),
    ("(주식회사)한울", "co", "inc", "corp", "llc company corporation"),
    ("주식주식회사회사", "Co-Op Incorporated", "A", "1", "가"),
    ("유한책임회사합자회사", "LTD.", "", "", "사단법인재단법인 합명회사"),
    ("(주", ")한빛", "(유 )", "( 주)", "주)"),
    ("가", None, None, None, None),
    ("㈜", "(주)", "주식회사", None, None),
    (None, "Only English", None, "서울", None),
    ("", "", "", "", ""),
    (None, None, None, None, None),
]
# Python and PostgreSQL lower-case some letters differently (İ: "i̇" against "i"), so this one is
# compared in Python only.
NON_KOREAN_LETTERS = ("İstanbul ǅemal ß", "ÀÉÎ ŒUVRE", "Ω", "\t탭\n줄바꿈", "back\\slash")


def terms(literal: str) -> set[str]:
    return set(literal.split())


def generated_values(count: int) -> list[tuple]:
    rows = CompanyGenerator(seed=11).rows(count)
    return [(row["name"], row["name_eng"], row["owner"], row["address"], row["description"]) for row in rows]


@pytest.mark.parametrize("values", [*TRICKY, NON_KOREAN_LETTERS])
def test_tricky_values_give_the_same_terms(values):
    assert terms(search_vector_literal_by_word(*values)) == terms(search_vector_literal(*values))


def test_generated_companies_give_the_same_terms():
    for values in generated_values(2_000):
        assert terms(search_vector_literal_by_word(*values)) == terms(search_vector_literal(*values)), values


@pytest.mark.django_db
def test_the_sql_function_gives_the_same_vector():
    cases = [values for values in [*TRICKY, *generated_values(300)] if values[0]]  # a company has a name
    with connection.cursor() as cursor:
        for values in cases:
            cursor.execute(
                "SELECT salesone_search_vector(%s, %s, %s, %s, %s) = %s::tsvector",
                [*values, search_vector_literal_by_word(*values)],
            )
            assert cursor.fetchone()[0] is True, values
