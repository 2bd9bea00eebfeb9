"""Relevance tier 2 through the name's head (migration 0011): a first word followed by more words
walks the head's group in revenue order, and answers what the full sort answers."""

import pytest
from django.db import connection

from apps.salesone_leads.tests.conftest import names
from apps.salesone_leads.tests.factories import SalesOneLeadFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "한빛", "주식회사 한빛넥스", "(주)한빛소프트", "유한회사 한빛", "㈜한빛전자", "한빛전자 주식회사", "주식회사한빛",
    "대한빛", "가온", "유한회사 가온 한빛", "합자회사 한빛",
]  # fmt: skip


@pytest.mark.parametrize("word", ["한빛", "한빛전", "가온", "유한", "주식"])
def test_the_head_of_a_name_is_its_start_after_the_legal_form(word):
    """Where selectors gives a word a head, a name has that head exactly when it starts with the
    word after a legal form (the LIKE prefixes of relevance tier 2)."""
    from apps.salesone_leads.selectors import _name_head, _name_prefixes

    head = _name_head(word)
    if word in ("유한", "주식"):  # 유한회사 가온 starts with 유한 for LIKE, its head is 가온
        assert head is None
        return
    with connection.cursor() as cursor:
        for name in NAMES:
            cursor.execute(
                "SELECT salesone_name_head(%s) = %s, %s LIKE ANY(%s)", [name, head, name, _name_prefixes(word)]
            )
            by_head, by_prefix = cursor.fetchone()
            assert by_head if by_prefix else (len(word) > 2 or not by_head), name


@pytest.mark.parametrize("query", ["한빛 hanbit", "한빛 서울", "한빛전 hanbit"])
def test_tier_two_walked_by_the_head_equals_the_full_sort(search, monkeypatch, query):
    from apps.salesone_leads import selectors

    revenues = iter([7, 3, 9, 1, 5, 9, 2, 8, 4, 6] * 10)
    for name in NAMES:
        for address in ["서울특별시 금천구 가산로 1", "부산광역시 해운대구 해운대로 2"]:
            SalesOneLeadFactory(
                name=name, name_eng="Hanbit Co., Ltd.", address=address, finance_revenue=next(revenues) * 10
            )
    SalesOneLeadFactory(name="가온", description="한빛 hanbit 서울 대리점", address="서울특별시 중구 세종대로 3")

    def pages():
        count = search(q=query, page_size=3)["count"]
        return [names(search(q=query, page=page, page_size=3)) for page in range(1, (count + 2) // 3 + 1)]

    def cursor_pages():
        body, walked = search(q=query, page_size=4), []
        while body["next_cursor"]:
            body = search(q=query, cursor=body["next_cursor"], page_size=4)
            walked.append(names(body))
        return walked

    monkeypatch.setattr(selectors, "RELEVANCE_CONFIRM", 10**9)
    full, full_cursor = pages(), cursor_pages()
    monkeypatch.setattr(selectors, "RELEVANCE_CONFIRM", 1)
    search_result = selectors.salesone_lead_search(filters={"q": query})
    assert search_result.walk_head and search_result._by_tier(20)
    assert pages() == full
    assert cursor_pages() == full_cursor
    assert full[0]
