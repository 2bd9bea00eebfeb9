"""A search page shows each company's industry and keywords as its detail does, read for the page's
rows in one statement with ``imported`` (SearchResult._detailed), whatever the page's size or path."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.leads.models import Lead
from apps.salesone_leads.models import SalesOneLead
from apps.salesone_leads.selectors import SearchResult
from apps.salesone_leads.tests.conftest import SEARCH_URL
from apps.salesone_leads.tests.factories import IndustryFactory, KeywordFactory, SalesOneLeadFactory

pytestmark = pytest.mark.django_db

SHOWN = ("industry", "keywords")


@pytest.fixture
def companies(user):
    beauty = IndustryFactory(code="S96113", name="피부 미용업")
    tags = [KeywordFactory(name=name) for name in ("수출", "벤처기업", "가족친화")]
    rows = [
        SalesOneLeadFactory(name="넥스상사 가", finance_revenue=3_000, industry=beauty, keywords=tags),
        SalesOneLeadFactory(name="넥스상사 나", finance_revenue=2_000, keywords=tags[1:2]),
        SalesOneLeadFactory(name="넥스상사 다", finance_revenue=1_000, industry=None, industry_name=None),
    ]
    Lead.objects.create(user=user, name=rows[1].name, corporation_number=rows[1].corporation_number)
    return rows


@pytest.mark.parametrize("params", [{"ordering": "-revenue"}, {"q": "넥스"}, {"q": "넥스", "ordering": "employee"}])
def test_each_row_shows_the_industry_and_keywords_of_its_detail(auth_client, companies, params):
    listed = auth_client.get(SEARCH_URL, {**params, "page_size": 2}).json()
    listed["results"] += auth_client.get(SEARCH_URL, {**params, "cursor": listed["next_cursor"]}).json()["results"]
    assert len(listed["results"]) == 3
    for row in listed["results"]:
        detail = auth_client.get(f"{SEARCH_URL}{row['corporation_number']}/").json()
        assert {name: row[name] for name in SHOWN} == {name: detail[name] for name in SHOWN}
    by_name = {row["name"]: row for row in listed["results"]}
    assert by_name["넥스상사 가"]["keywords"] == ["가족친화", "벤처기업", "수출"]
    assert by_name["넥스상사 가"]["industry"] == {"code": "S96113", "name": "피부 미용업"}
    assert by_name["넥스상사 다"]["industry"] is None and by_name["넥스상사 다"]["keywords"] == []
    assert [row["name"] for row in listed["results"] if row["imported"]] == ["넥스상사 나"]


def test_the_page_details_are_one_statement(auth_client, companies):
    with CaptureQueriesContext(connection) as captured:
        response = auth_client.get(SEARCH_URL, {"ordering": "-revenue"})
    assert response.status_code == 200 and len(response.json()["results"]) == 3
    on_keywords = [q["sql"] for q in captured.captured_queries if '"salesone_leads_keyword"' in q["sql"]]
    on_leads = [q["sql"] for q in captured.captured_queries if '"leads_lead"' in q["sql"]]
    assert len(on_keywords) == 1 and on_leads == on_keywords


def test_a_company_deleted_between_the_page_and_its_details_is_shown_bare(auth_client, companies, monkeypatch):
    """A staff member deletes a company (the admin) after the page's statement read it and before its
    details are read: the page still answers, that row without industry, keywords or imported."""
    read_page = SearchResult._rows

    def page_then_a_deletion(self, offset, limit):
        rows = read_page(self, offset, limit)
        SalesOneLead.objects.filter(pk=rows[0].pk).delete()
        return rows

    monkeypatch.setattr(SearchResult, "_rows", page_then_a_deletion)

    response = auth_client.get(SEARCH_URL, {"ordering": "-revenue"})

    assert response.status_code == 200
    first, *others = response.json()["results"]
    assert first["name"] == "넥스상사 가"
    assert (first["industry"], first["keywords"], first["imported"]) == (None, [], False)
    assert [row["imported"] for row in others] == [True, False]
