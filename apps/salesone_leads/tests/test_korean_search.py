"""q: Korean substrings, two characters included, over name, name_eng, owner, address and description."""

import pytest
from django.db import connection

from apps.salesone_leads.fields import search_vector_literal
from apps.salesone_leads.models import SalesOneLead
from apps.salesone_leads.tests.conftest import names
from apps.salesone_leads.tests.factories import SalesOneLeadFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["넥스파시스템", "주식회사 넥스파시스템", "(주)오넥스", "대한넥스 주식회사", "한빛넥스(주)"]
)
def test_two_character_query_finds_it_anywhere_in_the_name(search, name):
    SalesOneLeadFactory(name=name)
    SalesOneLeadFactory(name="주식회사 대우캐리어판매")
    assert names(search(q="넥스")) == [name]


def test_query_matches_the_other_columns(search):
    SalesOneLeadFactory(name="A", owner="서종렬")
    SalesOneLeadFactory(name="B", address="서울특별시 금천구 가산디지털1로 25")
    SalesOneLeadFactory(name="C", description="주차관제 시스템 전문")
    SalesOneLeadFactory(name="D", name_eng="NEXPA SYSTEM Co., Ltd.")
    assert names(search(q="종렬")) == ["A"]
    assert names(search(q="가산디지털")) == ["B"]
    assert names(search(q="관제")) == ["C"]
    assert names(search(q="nexpa")) == ["D"]


def test_every_word_must_occur_and_as_a_real_substring(search):
    SalesOneLeadFactory(name="대우 우캐 상사")  # has the bigrams 대우 and 우캐, not the substring 대우캐
    SalesOneLeadFactory(name="(주)대우캐리어판매", address="서울특별시 영등포구 도신로 148")
    assert names(search(q="대우캐")) == ["(주)대우캐리어판매"]
    assert names(search(q="대우캐 영등포")) == ["(주)대우캐리어판매"]
    assert search(q="대우캐 부산")["count"] == 0


def test_two_character_words_match_by_the_index_alone_and_exactly(search):
    """Words of one or two syllables get no ILIKE recheck: the bigram is the substring."""
    SalesOneLeadFactory(name="대우 우캐 상사")
    SalesOneLeadFactory(name="대 우캐", address="부산광역시 해운대구 우동")  # 대우 only across a space
    SalesOneLeadFactory(name="넥-스", owner="한넥스")  # 넥스 only in the owner
    assert names(search(q="대우 우캐")) == ["대우 우캐 상사"]
    assert names(search(q="넥스")) == ["넥-스"]
    assert search(q="해운대 우동")["count"] == 1
    assert search(q="대우캐")["count"] == 0


def test_one_character_and_legal_form_queries(search):
    SalesOneLeadFactory(name="주식회사 넥스파")
    SalesOneLeadFactory(name="유한회사 한빛")
    assert names(search(q="파")) == ["주식회사 넥스파"]  # the last character of a word
    assert names(search(q="유한회사")) == ["유한회사 한빛"]  # a legal form alone still filters
    assert names(search(q="(주)넥스파")) == ["주식회사 넥스파"]  # the legal form of the query is ignored


def test_python_and_database_compute_the_same_index_terms():
    """The loader computes the vector in Python; the trigger computes it for every other writer."""
    company = SalesOneLeadFactory(
        name="(주)대우캐리어판매", name_eng="Daewoo Carrier Sales Co., Ltd.", owner="이경남",
        address="서울특별시 영등포구 도신로 148 (신길동)", description="공기 조화장치 도매·설치",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector = %s::tsvector FROM salesone_leads_salesonelead WHERE id = %s",
            [search_vector_literal(company.name, company.name_eng, company.owner, company.address,
                                   company.description), company.pk],
        )  # fmt: skip
        assert cursor.fetchone()[0] is True


def test_changing_the_name_updates_the_index(search):
    company = SalesOneLeadFactory(name="주식회사 한빛")
    company.name = "주식회사 가온누리"
    company.save()
    SalesOneLead.objects.filter(pk=company.pk).update(owner="서종렬")
    assert names(search(q="온누")) == ["주식회사 가온누리"]
    assert names(search(q="종렬")) == ["주식회사 가온누리"]
    assert search(q="한빛")["count"] == 0


@pytest.mark.parametrize("starting", [0, 3, 30])
def test_relevance_read_tier_by_tier_equals_the_full_sort(search, monkeypatch, starting):
    """A broad relevance search reads each tier by revenue through the indexes instead of sorting
    every match; page for page, and cursor page for cursor page, it must answer what the full
    sort answers."""
    from apps.salesone_leads import selectors

    revenues = iter([7, 3, 9, 1, 5, 9, 2, 8, 4, 6] * 10)
    for i in range(starting):
        SalesOneLeadFactory(name=f"(주)넥스{i:02d}", finance_revenue=next(revenues) * 10)
    for i in range(25):
        SalesOneLeadFactory(name=f"주식회사 대한넥스{i:02d}", finance_revenue=next(revenues) * 100)
    for i in range(8):
        SalesOneLeadFactory(name=f"한빛{i}", owner="김넥스", finance_revenue=next(revenues) * 1000)
    SalesOneLeadFactory(name="가온", finance_revenue=10**9)

    def pages(**params):
        return [names(search(q="넥스", page=page, **params)) for page in (1, 2, 3)]

    def cursor_pages(**params):
        body, walked = search(q="넥스", **params), []
        while body["next_cursor"]:
            body = search(q="넥스", cursor=body["next_cursor"], **params)
            walked.append(names(body))
        return walked

    monkeypatch.setattr(selectors, "RELEVANCE_WALK_ABOVE", 10**9)
    full = {size: pages(page_size=size) for size in (5, 12)}
    full_cursor = cursor_pages(page_size=7)
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_ABOVE", 0)
    monkeypatch.setattr(selectors, "RELEVANCE_CONFIRM", 1)
    assert {size: pages(page_size=size) for size in (5, 12)} == full
    assert cursor_pages(page_size=7) == full_cursor
    assert sum(len(page) for page in full_cursor) == starting + 33 - 7
    assert full[5][0][0].startswith("(주)넥스" if starting else "주식회사 대한넥스")


def test_relevance_tiers_of_a_latin_word_equal_the_full_sort(search, monkeypatch):
    from apps.salesone_leads import selectors

    SalesOneLeadFactory(name="넥스", name_eng="Nex Tech", finance_revenue=9)
    SalesOneLeadFactory(name="Nexus 코리아", finance_revenue=1)
    SalesOneLeadFactory(name="코리아 NEX", finance_revenue=5)
    SalesOneLeadFactory(name="한빛", description="nex 대리점", finance_revenue=7)
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_ABOVE", 10**9)
    full = names(search(q="Nex"))
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_ABOVE", 0)
    monkeypatch.setattr(selectors, "RELEVANCE_CONFIRM", 1)
    assert names(search(q="Nex")) == full == ["Nexus 코리아", "코리아 NEX", "넥스", "한빛"]


@pytest.mark.parametrize("query", ["전자", "넥스 서울", "전자 서울"])
def test_relevance_tiers_of_legal_form_characters_and_more_words_equal_the_full_sort(search, monkeypatch, query):
    """자 occurs in 합자회사, so 전자's "starts with" tier also needs its name terms; a second word
    filters every tier."""
    from apps.salesone_leads import selectors

    revenues = iter(range(1, 100))
    for name in ["(주)전자랜드", "전자 주식회사", "주식회사 넥스전자", "넥스", "(주)넥스파", "한빛넥스", "대한전자"]:
        for address in ["서울특별시 금천구 가산로 1", "부산광역시 해운대구 해운대로 2"]:
            SalesOneLeadFactory(name=name, address=address, finance_revenue=next(revenues))
    SalesOneLeadFactory(name="가온", description="전자 부품, 넥스 대리점", address="서울특별시 중구 세종대로 3")

    def pages():
        return [names(search(q=query, page=page, page_size=2)) for page in (1, 2, 3)]

    monkeypatch.setattr(selectors, "RELEVANCE_WALK_ABOVE", 10**9)
    full = pages()
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_ABOVE", 0)
    monkeypatch.setattr(selectors, "RELEVANCE_CONFIRM", 1)
    assert pages() == full
    assert full[0]


@pytest.mark.parametrize(
    ("word", "exact"),
    [("전자", True), ("넥스", True), ("유통", True), ("12", True), ("식회", False), ("사랑", False), ("인천", False),
     ("자", False), ("nex", False), ("전자랜드", False)],
)  # fmt: skip
def test_name_like_stands_for_the_name_terms_only_where_no_legal_form_can_overlap_the_word(word, exact):
    """주식회사랑 holds 사랑 for LIKE, not for the name's terms (the legal form is left out)."""
    from apps.salesone_leads.selectors import _name_like_is_exact

    assert _name_like_is_exact(word) is exact


def test_a_large_name_tier_read_by_like_equals_the_full_sort(search, monkeypatch):
    from apps.salesone_leads import selectors

    revenues = iter(range(1, 100))
    for name in ["합자회사 전자랜드", "전자 주식회사", "주식회사 넥스전자", "(주)전자", "한빛", "대한전자공업", "가온"]:
        SalesOneLeadFactory(name=name, description="전자 부품", finance_revenue=next(revenues))
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_ABOVE", 10**9)
    full = [names(search(q="전자", page=page, page_size=3)) for page in (1, 2, 3)]
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_ABOVE", 0)
    monkeypatch.setattr(selectors, "RELEVANCE_CONFIRM", 1)
    assert [names(search(q="전자", page=page, page_size=3)) for page in (1, 2, 3)] == full
    assert full[0] == ["(주)전자", "전자 주식회사", "대한전자공업"]  # then the rest of tier 1 by revenue
