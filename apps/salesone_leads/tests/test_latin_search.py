"""q with Latin letters: trigram terms (migration 0010) find them, and the answer is still every row
that has each word as a substring of one of the five columns, case-insensitive."""

import pytest
from django.db import connection

from apps.salesone_leads.fields import search_query_literal, search_vector_literal, word_terms
from apps.salesone_leads.migrations import __name__ as migrations_package
from apps.salesone_leads.tests.conftest import names
from apps.salesone_leads.tests.factories import SalesOneLeadFactory

pytestmark = pytest.mark.django_db


def test_a_latin_word_is_its_trigrams_and_the_bigrams_they_do_not_cover():
    assert word_terms("nex") == ["nex"]
    assert word_terms("nexpa") == ["nex", "exp", "xpa"]
    assert word_terms("lg전자") == ["lg", "g전", "전자"]
    assert word_terms("ab1cd") == ["ab", "b1", "1c", "cd"]
    assert search_query_literal("한빛 Hanbit") == "한빛 & han & anb & nbi & bit"


def test_three_latin_letters_match_anywhere_in_any_column_and_any_case(search):
    SalesOneLeadFactory(name="넥스", name_eng="NEXPA System Co., Ltd.")
    SalesOneLeadFactory(name="가온", description="Annex 건물 임대")
    SalesOneLeadFactory(name="한빛", owner="nex")
    SalesOneLeadFactory(name="대우", name_eng="Ne Xpa Systems")  # n, e, x only across a space
    assert sorted(names(search(q="Nex"))) == ["가온", "넥스", "한빛"]
    assert names(search(q="nex", ordering="-revenue")) == names(search(q="NEX", ordering="-revenue"))


def test_a_longer_latin_word_must_occur_whole(search):
    SalesOneLeadFactory(name="넥스파", name_eng="Nexpa Tech")
    SalesOneLeadFactory(name="대우", name_eng="Nex Expo Xpat")  # every trigram of nexpa, not the word
    assert names(search(q="nexpa")) == ["넥스파"]
    assert names(search(q="NEXPA 넥스")) == ["넥스파"]


def test_korean_and_latin_words_together(search):
    SalesOneLeadFactory(name="(주)한빛전자", name_eng="Hanbit Electronics Co., Ltd.")
    SalesOneLeadFactory(name="(주)한빛물산", name_eng="Hanbyeol Trading")
    SalesOneLeadFactory(name="(주)가온전자", name_eng="Hanbit Gaon Inc.")
    SalesOneLeadFactory(name="LG전자 주식회사")
    assert names(search(q="한빛 Hanbit")) == ["(주)한빛전자"]
    assert names(search(q="lg전자")) == ["LG전자 주식회사"]
    assert search(q="한빛 Gaon")["count"] == 0


@pytest.mark.parametrize(
    "values",
    [
        ("LG전자 주식회사", "LG Electronics Inc.", "Koo Kwang-mo", "서울특별시 영등포구 여의대로 128", "TV, OLED 제조"),
        ("한빛hanbit2 Annex", None, None, "Seoul Gangnam-gu Teheran-ro 1", "nexpa/xyz abc1def"),
    ],
)
def test_python_and_database_compute_the_same_latin_terms(values):
    company = SalesOneLeadFactory(
        name=values[0], name_eng=values[1], owner=values[2], address=values[3], description=values[4]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector = %s::tsvector, search_vector @@ 'Nann & nex & xyz & abc' "
            "FROM salesone_leads_salesonelead WHERE id = %s",
            [search_vector_literal(*values), company.pk],
        )
        same, has_latin_terms = cursor.fetchone()
    assert same is True
    assert has_latin_terms is (values[0] == "한빛hanbit2 Annex")


def test_the_migration_gives_existing_rows_the_terms_of_the_trigger():
    """Migration 0010 adds the trigrams to rows written before it: search_vector || their trigrams
    must equal what salesone_search_vector computes now."""
    import importlib

    migration = importlib.import_module(f"{migrations_package}.0010_search_latin_trigrams")
    company = SalesOneLeadFactory(name="(주)넥스파 Korea", name_eng="Nexpa System Co., Ltd.", owner="Kim")
    with connection.cursor() as cursor:
        table = migration.TABLE
        terms = migration.ROW_TRIGRAMS
        cursor.execute(
            f"UPDATE {table} SET search_vector = ts_delete(search_vector, {terms}) WHERE id = %s", [company.pk]
        )
        cursor.execute(f"SELECT search_vector @@ 'nex' FROM {table} WHERE id = %s", [company.pk])
        assert cursor.fetchone()[0] is False  # as before the migration
        cursor.execute(
            f"UPDATE {table} SET search_vector = search_vector || array_to_tsvector({terms}) WHERE id = %s",
            [company.pk],
        )
        cursor.execute(
            f"SELECT search_vector = salesone_search_vector(name, name_eng, owner, address, description), "
            f"search_vector @@ 'Nkor & nex & sys' FROM {table} WHERE id = %s",
            [company.pk],
        )
        assert cursor.fetchone() == (True, True)
