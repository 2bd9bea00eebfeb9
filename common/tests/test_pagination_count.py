"""A list's ``count`` is the number of rows its filters leave, on every page, whether it came with the
page's rows (one statement, common/pagination.py) or from a count of its own (a page past the last)."""

import pytest

from apps.leads.tests.factories import LeadFactory
from apps.leads.tests.queries import count_queries

pytestmark = pytest.mark.django_db


def test_count_follows_the_filters_on_every_page_and_past_the_last(auth_client, user):
    for n in range(7):
        LeadFactory(user=user, name=f"넥스트커머스 {n}" if n < 5 else f"한빛식품 {n}")
    LeadFactory(name="넥스트커머스 someone else's")

    def page(**params):
        return auth_client.get("/api/leads/", {"page_size": 2, **params})

    assert [page(page=n).json()["count"] for n in (1, 2, 3, 4)] == [7, 7, 7, 7]
    assert [len(page(page=n).json()["results"]) for n in (1, 2, 3, 4)] == [2, 2, 2, 1]
    searched = page(search="넥스트", page=3).json()
    assert searched["count"] == 5 and len(searched["results"]) == 1 and searched["next"] is None
    assert page(search="없는회사").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "page_size": 2,
        "results": [],
    }
    assert page(page=5).status_code == 404
    assert page(page="two").status_code == 404


def test_the_count_comes_with_the_page_rows(auth_client, user):
    LeadFactory.create_batch(3, user=user)
    with count_queries() as statements:
        assert auth_client.get("/api/leads/").json()["count"] == 3
        assert auth_client.get("/api/leads/", {"search": "없는회사"}).json()["count"] == 0
    assert not [sql for sql in statements if sql.startswith("SELECT COUNT(*)")]


@pytest.mark.parametrize("number", ["100000000000000000000", str(2**63 // 20 + 1)])
def test_a_page_number_past_what_postgresql_can_offset_is_a_page_past_the_last(auth_client, user, number):
    """An OFFSET past bigint is an error in PostgreSQL; to the user it is just a page that does not exist."""
    LeadFactory(user=user)
    response = auth_client.get("/api/leads/", {"page": number})
    assert response.status_code == 404
    assert response.json() == auth_client.get("/api/leads/", {"page": 2}).json()  # "Invalid page."
