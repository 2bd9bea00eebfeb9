"""GET /api/salesone-leads/: every filter, on a small data set."""

import datetime

import pytest

from apps.leads.models import Lead
from apps.salesone_leads.tests.conftest import SEARCH_URL, names
from apps.salesone_leads.tests.factories import IndustryFactory, KeywordFactory, SalesOneLeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies():
    beauty = IndustryFactory(code="S96113", name="피부 미용업")
    hair = IndustryFactory(code="S96112", name="두발 미용업")
    software = IndustryFactory(code="J62010", name="컴퓨터 프로그래밍 서비스업")
    export, venture = KeywordFactory(name="수출"), KeywordFactory(name="벤처기업")
    return {
        "skin": SalesOneLeadFactory(
            name="주식회사 넥스파뷰티", industry=beauty, si_nm="서울특별시", sgg_nm="금천구",
            finance_revenue=5_000_000_000, employee=50, finance_year=2023,
            established_date=datetime.date(2003, 10, 17), keywords=[export, venture],
        ),
        "hair": SalesOneLeadFactory(
            name="(주)대우헤어", industry=hair, si_nm="서울특별시", sgg_nm="영등포구",
            finance_revenue=800_000_000, employee=8, finance_year=2022, email=None, phone=None, homepage=None,
            established_date=datetime.date(1999, 6, 12), keywords=[export], is_normal_taxpayer=False,
        ),
        "soft": SalesOneLeadFactory(
            name="한빛소프트 주식회사", industry=software, si_nm="경기도", sgg_nm="성남시 분당구",
            finance_revenue=None, employee=120, finance_year=None, homepage=[], is_corporation=False,
            established_date=datetime.date(2015, 1, 1), keywords=[venture],
        ),
    }  # fmt: skip


def test_without_filters_lists_every_company_largest_revenue_first(search, companies):
    body = search()
    assert body["count"] == 3 and body["count_is_estimate"] is False
    assert names(body) == ["주식회사 넥스파뷰티", "(주)대우헤어", "한빛소프트 주식회사"]  # unknown revenue last


def test_industry_code_and_code_prefix(search, companies):
    assert names(search(industry="S96113")) == ["주식회사 넥스파뷰티"]
    assert names(search(industry="S96")) == ["주식회사 넥스파뷰티", "(주)대우헤어"]
    assert names(search(industry="s96112,J62")) == ["(주)대우헤어", "한빛소프트 주식회사"]
    assert search(industry="A01")["count"] == 0


def test_region(search, companies):
    assert names(search(si_nm="서울특별시")) == ["주식회사 넥스파뷰티", "(주)대우헤어"]
    assert names(search(sgg_nm="영등포구")) == ["(주)대우헤어"]
    assert names(search(si_nm="경기도,서울특별시", sgg_nm="금천구,성남시 분당구")) == [
        "주식회사 넥스파뷰티",
        "한빛소프트 주식회사",
    ]


def test_revenue_range_leaves_out_unknown_revenue(search, companies):
    assert names(search(revenue_min=1_000_000_000)) == ["주식회사 넥스파뷰티"]
    assert names(search(revenue_max=1_000_000_000)) == ["(주)대우헤어"]
    assert names(search(revenue_min=500_000_000, revenue_max=6_000_000_000)) == ["주식회사 넥스파뷰티", "(주)대우헤어"]


def test_employee_range_and_finance_year(search, companies):
    assert names(search(employee_min=10, employee_max=100)) == ["주식회사 넥스파뷰티"]
    assert names(search(finance_year=2022)) == ["(주)대우헤어"]


def test_established_date_range(search, companies):
    assert names(search(established_from="2000-01-01")) == ["주식회사 넥스파뷰티", "한빛소프트 주식회사"]
    assert names(search(established_to="2003-10-17")) == ["주식회사 넥스파뷰티", "(주)대우헤어"]


def test_keywords_any_and_all(search, companies):
    assert names(search(keywords="수출")) == ["주식회사 넥스파뷰티", "(주)대우헤어"]
    assert names(search(keywords="수출,벤처기업")) == ["주식회사 넥스파뷰티", "(주)대우헤어", "한빛소프트 주식회사"]
    assert names(search(keywords="수출,벤처기업", keywords_match="all")) == ["주식회사 넥스파뷰티"]
    assert search(keywords="수출,없는키워드", keywords_match="all")["count"] == 0
    assert search(keywords="없는키워드")["count"] == 0


def test_flags(search, companies):
    assert names(search(is_corporation="false")) == ["한빛소프트 주식회사"]
    assert names(search(is_normal_taxpayer="false")) == ["(주)대우헤어"]
    assert names(search(has_email="false")) == ["(주)대우헤어"]
    assert names(search(has_phone="true")) == ["주식회사 넥스파뷰티", "한빛소프트 주식회사"]
    assert names(search(has_homepage="true")) == ["주식회사 넥스파뷰티"]  # [] is no homepage


def test_orderings(search, companies):
    assert names(search(ordering="revenue")) == ["한빛소프트 주식회사", "(주)대우헤어", "주식회사 넥스파뷰티"]
    assert names(search(ordering="-employee")) == ["한빛소프트 주식회사", "주식회사 넥스파뷰티", "(주)대우헤어"]
    assert names(search(ordering="employee"))[0] == "(주)대우헤어"
    assert names(search(ordering="-established_date")) == ["한빛소프트 주식회사", "주식회사 넥스파뷰티", "(주)대우헤어"]
    assert names(search(ordering="established_date"))[0] == "(주)대우헤어"


def test_relevance_puts_name_prefix_before_other_columns(search, db):
    SalesOneLeadFactory(name="주식회사 서울테크", owner="김민준", finance_revenue=1)
    SalesOneLeadFactory(name="한결물산", address="서울특별시 중구 세종대로 1", finance_revenue=9_000_000_000)
    SalesOneLeadFactory(name="(주)대한서울", finance_revenue=5)
    assert names(search(q="서울")) == ["주식회사 서울테크", "(주)대한서울", "한결물산"]


def test_each_result_says_whether_i_imported_it(search, companies, user, other_user):
    Lead.objects.create(user=user, name="넥스파뷰티", corporation_number=companies["skin"].corporation_number)
    Lead.objects.create(user=other_user, name="대우헤어", corporation_number=companies["hair"].corporation_number)
    flags = {row["name"]: row["imported"] for row in search()["results"]}
    assert flags == {"주식회사 넥스파뷰티": True, "(주)대우헤어": False, "한빛소프트 주식회사": False}


def test_invalid_parameters_answer_400(auth_client, companies):
    for params in ({"revenue_min": "lots"}, {"ordering": "name"}, {"established_from": "2024-13-01"},
                   {"revenue_min": 10, "revenue_max": 5}, {"keywords_match": "some"}):  # fmt: skip
        response = auth_client.get(SEARCH_URL, params)
        assert response.status_code == 400, params


def test_search_needs_authentication(anonymous_client):
    assert anonymous_client.get(SEARCH_URL).status_code == 401


def test_detail_by_corporation_number(auth_client, companies):
    skin = companies["skin"]
    response = auth_client.get(f"{SEARCH_URL}{skin.corporation_number}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "주식회사 넥스파뷰티" and body["industry"] == {"code": "S96113", "name": "피부 미용업"}
    assert sorted(body["keywords"]) == ["벤처기업", "수출"] and body["corporation_number_valid"] is True
    assert auth_client.get(f"{SEARCH_URL}1101112955908/").status_code == 404


@pytest.mark.parametrize("query", ["전자", "전자 서울", "Nex", "nexpa"])
def test_words_matched_on_the_rows_of_the_other_filters_answer_what_the_index_answers(search, monkeypatch, query):
    """With selective other filters, q's terms are matched on the rows those filters find instead of
    through the GIN index (selectors._text_by_index); the answer must not change."""
    from apps.salesone_leads import selectors

    industries = {code: IndustryFactory(code=f"{code}010", name=code) for code in ("C26", "J62")}
    revenues = iter(range(1, 100))
    for name, name_eng in [("(주)넥스전자", "Nexpa Electronics"), ("대한전자", "Nex Daehan"), ("한빛", None)] * 3:
        for region in ["서울특별시", "부산광역시"]:
            for industry in ["C26", "J62"]:
                SalesOneLeadFactory(
                    name=name, name_eng=name_eng, si_nm=region, address=f"{region} 중구 세종대로 1",
                    industry=industries[industry], finance_revenue=next(revenues) * 10**8,
                )  # fmt: skip
    params = {"q": query, "si_nm": "서울특별시", "industry": "C26", "revenue_min": 10**8}

    monkeypatch.setattr(selectors, "TEXT_BY_FILTER_BELOW", 0)
    by_index = [search(**params, page_size=2, page=page) for page in (1, 2)]
    monkeypatch.setattr(selectors, "TEXT_BY_FILTER_BELOW", 10**9)
    monkeypatch.setattr(selectors, "TEXT_BY_FILTER_RATIO", 0)
    by_filter = [search(**params, page_size=2, page=page) for page in (1, 2)]
    assert [names(body) for body in by_filter] == [names(body) for body in by_index]
    assert by_filter[0]["count"] == by_index[0]["count"] > 0


def test_an_industry_prefix_is_looked_up_once_per_search(auth_client, companies):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = auth_client.get(SEARCH_URL, {"q": "넥스", "industry": "S96", "si_nm": "서울특별시"})
    assert response.status_code == 200 and names(response.json()) == ["주식회사 넥스파뷰티"]
    lookups = [q["sql"] for q in captured.captured_queries if 'FROM "salesone_leads_industry" WHERE' in q["sql"]]
    assert len([sql for sql in lookups if "LIKE" in sql]) == 1, lookups
