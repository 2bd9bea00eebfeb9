"""A page says which companies the asking user already holds, read once for the page's rows (the
search's walks and sorts read thousands of rows; a subquery per row cost them a probe each)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.leads.models import Lead
from apps.salesone_leads.tests.conftest import SEARCH_URL
from apps.salesone_leads.tests.factories import SalesOneLeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thirty(user, other_user):
    companies = [SalesOneLeadFactory(name=f"넥스상사{i:02d}", finance_revenue=1000 * i) for i in range(30)]
    for company in companies[-3:]:  # the three largest: page 1 of -revenue at any size
        Lead.objects.create(user=user, name=company.name, corporation_number=company.corporation_number)
    Lead.objects.create(user=other_user, name="다른 사람의", corporation_number=companies[0].corporation_number)
    return companies


def _held(body) -> set[str]:
    return {row["name"] for row in body["results"] if row["imported"]}


def test_cursor_pages_say_what_i_hold_and_only_mine(search, thirty):
    first = search(ordering="revenue", page_size=25)
    second = search(ordering="revenue", page_size=25, cursor=first["next_cursor"])
    assert _held(first) == set() and _held(second) == {"넥스상사27", "넥스상사28", "넥스상사29"}


def test_the_flags_cost_the_same_queries_at_any_page_size(auth_client, thirty):
    counts = []
    for size in (2, 30):
        with CaptureQueriesContext(connection) as captured:
            response = auth_client.get(SEARCH_URL, {"ordering": "-revenue", "page_size": size})
        assert response.status_code == 200 and len(response.json()["results"]) == size
        assert _held(response.json()) >= {"넥스상사29", "넥스상사28"}
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
