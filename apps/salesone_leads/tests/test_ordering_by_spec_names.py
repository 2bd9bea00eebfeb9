"""The search orders by SPEC.md's field names (``ordering=-finance_revenue``); ``revenue`` stays an
alias; anything else is a 400 listing the orderings, and unknown parameters are refused too."""

import pytest

from apps.salesone_leads.tests.conftest import SEARCH_URL, names
from apps.salesone_leads.tests.factories import SalesOneLeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies():
    SalesOneLeadFactory(name="큰회사", finance_revenue=9_000_000_000)
    SalesOneLeadFactory(name="중간회사", finance_revenue=500_000_000)
    SalesOneLeadFactory(name="작은회사", finance_revenue=10_000_000)


def test_finance_revenue_orders_both_ways_and_revenue_is_an_alias(search, companies):
    assert names(search(ordering="-finance_revenue")) == ["큰회사", "중간회사", "작은회사"]
    assert names(search(ordering="finance_revenue")) == ["작은회사", "중간회사", "큰회사"]
    assert names(search(ordering="-revenue")) == names(search(ordering="-finance_revenue"))
    assert names(search(ordering="revenue")) == names(search(ordering="finance_revenue"))


def test_a_cursor_of_the_alias_walks_on_under_the_spec_name(search, companies):
    first = search(ordering="-revenue", page_size=1)
    second = search(ordering="-finance_revenue", page_size=1, cursor=first["next_cursor"])
    assert names(second) == ["중간회사"]


def test_unknown_ordering_or_parameter_is_400_listing_what_is_accepted(auth_client, companies):
    response = auth_client.get(SEARCH_URL, {"ordering": "-sales"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = response.json()["fields"]["ordering"][0]
    assert "'-sales' is not one of:" in message and "-finance_revenue" in message
    response = auth_client.get(SEARCH_URL, {"revenue_minimum": "100"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "revenue_min" in response.json()["fields"]["revenue_minimum"][0]
