"""Staff download a lead list, or selected leads, as CSV (Excel opens it: UTF-8 with a BOM) and XLSX,
with Korean headers and the leads in list order."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.tests.factories import UserFactory
from apps.leads.tests.factories import LeadFactory, LeadListFactory
from apps.salesone_leads.tests.factories import IndustryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def lead_list():
    owner = UserFactory()
    industry = IndustryFactory(code="C10799", name="그 외 기타 식품 제조업")
    second = LeadFactory(user=owner, name='=HYPERLINK("http://evil")', email="", homepage=[])
    first = LeadFactory(
        user=owner,
        name="(주)한결바이오",
        owner="김민준",
        business_number="1188120723",
        email="ceo@hangyeol.co.kr",
        homepage=["hangyeol.co.kr"],
        industry=industry,
        si_nm="경기도",
        sgg_nm="성남시 분당구",
    )
    LeadFactory(user=owner, name="목록에 없는 회사")
    return LeadListFactory(user=owner, name="수도권 건기식", lead_ids=[first.id, second.id])


def run_action(staff_client, model, action, pk):
    return staff_client.post(reverse(f"admin:leads_{model}_changelist"), {"action": action, "_selected_action": [pk]})


def test_lead_list_exports_to_csv_with_bom_and_korean_headers(staff_client, lead_list):
    response = run_action(staff_client, "leadlist", "export_lead_lists_csv", lead_list.pk)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="lead-lists-')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["리드 목록", "이름", "대표자", "사업자등록번호", "법인등록번호", "이메일 주소"]
    assert "시/도" in rows[0] and "업종" in rows[0]
    assert [row[1] for row in rows[1:]] == ["(주)한결바이오", '=HYPERLINK("http://evil")']  # list order
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["리드 목록"] == "수도권 건기식"
    assert first["사업자등록번호"] == "1188120723"
    assert first["홈페이지"] == "hangyeol.co.kr"
    assert first["업종"] == "C10799 그 외 기타 식품 제조업"
    assert first["시/군/구"] == "성남시 분당구"


def test_lead_list_exports_to_xlsx(staff_client, lead_list):
    response = run_action(staff_client, "leadlist", "export_lead_lists_xlsx", lead_list.pk)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["리드 목록", "이름", "대표자"]
    assert [row[1] for row in rows[1:]] == ["(주)한결바이오", '=HYPERLINK("http://evil")']
    # A name starting with "=" stays text: Excel must not run it as a formula.
    assert sheet.cell(row=3, column=2).data_type == "s"


def test_selected_leads_export_to_csv_and_xlsx(staff_client, lead_list):
    lead = LeadFactory(user=lead_list.user, name="주식회사 새봄", email="hello@saebom.kr")

    response = run_action(staff_client, "lead", "export_leads_csv", lead.pk)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["이름", "대표자"]
    assert [row[0] for row in rows[1:]] == ["주식회사 새봄"]

    response = run_action(staff_client, "lead", "export_leads_xlsx", lead.pk)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "주식회사 새봄" and "hello@saebom.kr" in rows[1]
