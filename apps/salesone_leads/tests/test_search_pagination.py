"""Deep pages: estimated counts above the threshold, keyset cursors, and the page-number limit."""

import pytest

from apps.salesone_leads.tests.conftest import SEARCH_URL, names
from apps.salesone_leads.tests.factories import SalesOneLeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve(db):
    return [SalesOneLeadFactory(name=f"(주)넥스상사{i:02d}", finance_revenue=1000 * (i % 4)) for i in range(12)]


def test_following_next_cursor_walks_every_company_once_in_order(search, twelve):
    seen, cursor = [], None
    while True:
        body = search(page_size=5, ordering="-revenue", **({"cursor": cursor} if cursor else {}))
        seen += names(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    expected = [c.name for c in sorted(twelve, key=lambda c: (-c.finance_revenue, -c.pk))]
    assert seen == expected


def test_cursor_and_page_numbers_agree(search, twelve):
    first = search(q="넥스", page_size=5)
    assert names(search(q="넥스", page_size=5, cursor=first["next_cursor"])) == names(
        search(q="넥스", page_size=5, page=2)
    )


def test_count_above_the_threshold_is_marked_as_an_estimate(search, twelve, settings):
    settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT = 5
    body = search()
    assert body["count_is_estimate"] is True and body["count"] >= 6
    settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT = 12
    body = search()
    assert body["count_is_estimate"] is False and body["count"] == 12


def test_page_numbers_stop_at_the_offset_limit(auth_client, twelve, settings):
    settings.SALESONE_SEARCH_MAX_OFFSET = 10
    assert auth_client.get(SEARCH_URL, {"page_size": 5, "page": 2}).status_code == 200
    response = auth_client.get(SEARCH_URL, {"page_size": 5, "page": 3})
    assert response.status_code == 400 and "next_cursor" in response.json()["fields"]["page"][0]


def test_a_cursor_of_another_ordering_or_garbage_answers_400(auth_client, search, twelve):
    cursor = search(page_size=5)["next_cursor"]
    assert auth_client.get(SEARCH_URL, {"cursor": cursor, "ordering": "employee"}).status_code == 400
    assert auth_client.get(SEARCH_URL, {"cursor": "not-a-cursor"}).status_code == 400


def test_page_past_the_end_answers_404(auth_client, twelve):
    assert auth_client.get(SEARCH_URL, {"page": 9}).status_code == 404


def test_the_estimate_of_a_text_search_is_near_its_real_count(search, settings):
    """The planner cannot estimate the ILIKE recheck; the estimate comes from the bigram match."""
    from django.db import connection

    for i in range(200):
        SalesOneLeadFactory(name=f"주식회사 넥스{i:03d}")
    for i in range(50):
        SalesOneLeadFactory(name=f"주식회사 가온{i:03d}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE salesone_leads_salesonelead")
    settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT = 50
    body = search(q="넥스")
    assert body["count_is_estimate"] is True and 150 <= body["count"] <= 260


def test_page_numbers_reach_the_first_200_results_by_default(auth_client, twelve):
    """SALESONE_SEARCH_MAX_OFFSET: an offset is walked row by row, a cursor is not."""
    assert auth_client.get(SEARCH_URL, {"page_size": 100, "page": 2}).status_code == 404  # past the end
    response = auth_client.get(SEARCH_URL, {"page_size": 100, "page": 3})
    assert response.status_code == 400 and "200" in response.json()["fields"]["page"][0]
