import datetime

import pytest

from apps.leads.tests.factories import IndustryFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads(user):
    beauty = IndustryFactory(code="S96113", name="피부 미용업")
    wholesale = IndustryFactory(code="G46102", name="가전제품 도매업")
    return {
        "daewoo": LeadFactory(
            user=user,
            name="(주)대우캐리어판매",
            owner="이경남",
            business_number="1188120723",
            email="dcc2000@korea.com",
            phone="02-849-7976",
            industry=wholesale,
            si_nm="서울특별시",
            sgg_nm="영등포구",
            employee=16,
            revenue=21_857_000_000,
            established_date=datetime.date(1999, 6, 12),
        ),
        "nexpa": LeadFactory(
            user=user,
            name="주식회사 넥스파시스템",
            owner="서종렬",
            corporation_number="1101112955908",
            email="",
            phone="02-2243-4011",
            industry=beauty,
            si_nm="서울특별시",
            sgg_nm="금천구",
            employee=11,
            revenue=10_589_738_000,
            established_date=datetime.date(2003, 10, 17),
        ),
        "busan": LeadFactory(
            user=user,
            name="부산해운(주)",
            owner="김민수",
            email="info@busanship.kr",
            phone="051-463-1234",
            industry=None,
            si_nm="부산광역시",
            sgg_nm="중구",
            employee=120,
            revenue=None,
            established_date=None,
        ),
    }


def names(client, query):
    response = client.get(f"/api/leads/?{query}")
    assert response.status_code == 200, response.data
    return {row["name"] for row in response.data["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("industry=S96113", {"주식회사 넥스파시스템"}),
        ("industry=g46102", {"(주)대우캐리어판매"}),
        ("si_nm=서울특별시", {"(주)대우캐리어판매", "주식회사 넥스파시스템"}),
        ("sgg_nm=금천구", {"주식회사 넥스파시스템"}),
        ("employee_min=12", {"(주)대우캐리어판매", "부산해운(주)"}),
        ("employee_min=12&employee_max=100", {"(주)대우캐리어판매"}),
        ("revenue_min=20000000000", {"(주)대우캐리어판매"}),
        ("revenue_max=20000000000", {"주식회사 넥스파시스템"}),
        ("established_date_after=2000-01-01", {"주식회사 넥스파시스템"}),
        ("established_date_before=2000-01-01", {"(주)대우캐리어판매"}),
        (
            "established_date_after=1990-01-01&established_date_before=2010-12-31",
            {"(주)대우캐리어판매", "주식회사 넥스파시스템"},
        ),
        ("has_email=true", {"(주)대우캐리어판매", "부산해운(주)"}),
        ("has_email=false", {"주식회사 넥스파시스템"}),
        ("search=넥스", {"주식회사 넥스파시스템"}),
        ("search=이경남", {"(주)대우캐리어판매"}),
        ("search=busanship", {"부산해운(주)"}),
        ("search=2243-4011", {"주식회사 넥스파시스템"}),
        ("business_number=118-81-20723", {"(주)대우캐리어판매"}),
        ("business_number=1188120723", {"(주)대우캐리어판매"}),
        ("corporation_number=110111-2955908", {"주식회사 넥스파시스템"}),
    ],
)
def test_filters_and_search(auth_client, leads, query, expected):
    assert names(auth_client, query) == expected


def test_ordering(auth_client, leads):
    response = auth_client.get("/api/leads/?ordering=-employee")
    assert [row["name"] for row in response.data["results"]] == [
        "부산해운(주)",
        "(주)대우캐리어판매",
        "주식회사 넥스파시스템",
    ]


def test_bad_filter_value_is_400(auth_client, leads):
    assert auth_client.get("/api/leads/?employee_min=many").status_code == 400
    assert auth_client.get("/api/leads/?established_date_after=yesterday").status_code == 400


def test_filters_never_show_another_users_leads(other_client, leads):
    assert names(other_client, "si_nm=서울특별시") == set()
