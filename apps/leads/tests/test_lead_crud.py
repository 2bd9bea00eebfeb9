import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.leads.models import Lead
from apps.leads.tests.factories import IndustryFactory, LeadFactory

pytestmark = pytest.mark.django_db

DAEWOO = {
    "name": "(주)대우캐리어판매",
    "owner": "이경남",
    "corporation_number": "110111-1713381",
    "business_number": "118-81-20723",
    "email": "DCC2000@korea.com",
    "phone": "02-849-7976",
    "homepage": ["airconhouse.co.kr"],
    "employee": 16,
    "revenue": 21857000000,
    "address": "서울특별시 영등포구 도신로 148 (신길동)",
    "si_nm": "서울특별시",
    "sgg_nm": "영등포구",
    "established_date": "1999-06-12",
}


def test_create_stores_digits_and_reports_check_digits(auth_client, user):
    IndustryFactory(code="G46102", name="가전제품 도매업")
    response = auth_client.post("/api/leads/", {**DAEWOO, "industry": "G46102"}, format="json")

    assert response.status_code == 201, response.data
    body = response.data
    assert body["business_number"] == "118-81-20723"  # shown dashed, stored as digits (below)
    assert body["corporation_number"] == "1101111713381"
    assert body["business_number_valid"] is True
    assert body["corporation_number_valid"] is True
    assert body["industry"] == "G46102"
    assert body["industry_name"] == "가전제품 도매업"
    assert body["email"] == "dcc2000@korea.com"
    assert body["user"] == {"id": str(user.id), "email": user.email}
    lead = Lead.objects.get(pk=body["id"])
    assert lead.user == user
    assert lead.business_number == "1188120723"


def test_failed_check_digit_is_flagged_not_rejected(auth_client):
    # SPEC.md's example 123-45-67890 fails the 사업자등록번호 checksum (DESIGN.md: a flag, not a 400).
    response = auth_client.post("/api/leads/", {"name": "제로커뮤니케이션(주)", "business_number": "123-45-67890"})
    assert response.status_code == 201, response.data
    assert response.data["business_number"] == "123-45-67890"
    assert response.data["business_number_valid"] is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("business_number", "123-45-678"),
        ("business_number", "abcdefghij"),
        ("corporation_number", "110111-171338"),
        ("name", "   "),
        ("email", "not-an-email"),
        ("employee", -1),
        ("industry", "NOPE99"),
        ("homepage", "airconhouse.co.kr"),
    ],
)
def test_create_rejects_bad_field(auth_client, field, value):
    response = auth_client.post("/api/leads/", {**DAEWOO, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.data["fields"]
    assert not Lead.objects.exists()


def test_retrieve_update_and_delete(auth_client, user):
    lead = LeadFactory(user=user)

    detail = auth_client.get(f"/api/leads/{lead.id}/")
    assert detail.status_code == 200
    assert detail.data["name"] == lead.name

    patched = auth_client.patch(f"/api/leads/{lead.id}/", {"owner": "서종렬", "business_number": "2208162517"})
    assert patched.status_code == 200, patched.data
    assert patched.data["owner"] == "서종렬"

    put = auth_client.put(f"/api/leads/{lead.id}/", {**DAEWOO, "name": "주식회사 넥스파시스템"}, format="json")
    assert put.status_code == 200, put.data
    lead.refresh_from_db()
    assert lead.name == "주식회사 넥스파시스템"
    assert lead.business_number == "1188120723"

    assert auth_client.delete(f"/api/leads/{lead.id}/").status_code == 204
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_update_rejects_bad_number(auth_client, user):
    lead = LeadFactory(user=user)
    response = auth_client.patch(f"/api/leads/{lead.id}/", {"corporation_number": "12"})
    assert response.status_code == 400
    assert "corporation_number" in response.data["fields"]


def test_list_shows_only_own_leads(auth_client, user, other_user):
    mine = LeadFactory.create_batch(3, user=user)
    LeadFactory.create_batch(2, user=other_user)

    response = auth_client.get("/api/leads/")

    assert response.status_code == 200
    assert response.data["count"] == 3
    assert {row["id"] for row in response.data["results"]} == {str(lead.id) for lead in mine}


def test_another_users_lead_is_404(other_client, user):
    lead = LeadFactory(user=user)
    assert other_client.get(f"/api/leads/{lead.id}/").status_code == 404
    assert other_client.delete(f"/api/leads/{lead.id}/").status_code == 404
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_timestamps_are_written_in_utc(user):
    client = APIClient()
    client.force_authenticate(user)  # a JWT issued now would be expired at the travelled-to time
    with time_machine.travel(datetime.datetime(2026, 3, 20, 9, 0, tzinfo=datetime.UTC), tick=False):
        response = client.post("/api/leads/", {"name": "(주)대우캐리어판매"})
    assert response.data["created_at"] == "2026-03-20T09:00:00.000000Z"
