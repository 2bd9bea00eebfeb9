"""POST /api/salesone-leads/import/ in the request: copies companies into my leads, skips what I hold."""

import pytest

from apps.leads.models import Lead, LeadList
from apps.salesone_leads.tests.conftest import IMPORT_URL
from apps.salesone_leads.tests.factories import IndustryFactory, SalesOneLeadFactory

pytestmark = pytest.mark.django_db


def test_import_copies_the_company_into_my_leads(auth_client, user):
    industry = IndustryFactory(code="G46800", name="상품 종합 도매업")
    company = SalesOneLeadFactory(
        name="(주)대우캐리어판매", owner="이경남", finance_revenue=21_857_000_000, employee=16,
        industry=industry, homepage=["airconhouse.co.kr"], si_nm="서울특별시", sgg_nm="영등포구",
    )  # fmt: skip
    response = auth_client.post(IMPORT_URL, {"corporation_numbers": [company.corporation_number]})
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 1, "skipped": 0, "not_found": 0, "lead_list_id": None}
    lead = Lead.objects.get(user=user)
    assert (lead.name, lead.owner, lead.revenue, lead.employee, lead.industry_id) == (
        "(주)대우캐리어판매", "이경남", 21_857_000_000, 16, industry.pk,
    )  # fmt: skip
    assert lead.corporation_number == company.corporation_number
    assert lead.business_number == company.business_number
    assert lead.homepage == ["airconhouse.co.kr"] and lead.sgg_nm == "영등포구"


def test_import_skips_companies_i_already_hold_and_is_idempotent(auth_client, user):
    companies = SalesOneLeadFactory.create_batch(3)
    numbers = [c.corporation_number for c in companies]
    Lead.objects.create(user=user, name="이미 있음", corporation_number=numbers[0])
    first = auth_client.post(IMPORT_URL, {"corporation_numbers": numbers}).json()
    assert (first["created"], first["skipped"]) == (2, 1)
    again = auth_client.post(IMPORT_URL, {"corporation_numbers": numbers}).json()
    assert (again["created"], again["skipped"]) == (0, 3)
    assert Lead.objects.filter(user=user).count() == 3


def test_a_company_i_hold_under_its_business_number_is_skipped(auth_client, user):
    company = SalesOneLeadFactory()
    Lead.objects.create(user=user, name="사업자번호로 등록", business_number=company.business_number)
    body = auth_client.post(IMPORT_URL, {"corporation_numbers": [company.corporation_number]}).json()
    assert (body["created"], body["skipped"]) == (0, 1)


def test_another_users_leads_do_not_count_as_mine(auth_client, user, other_user):
    company = SalesOneLeadFactory()
    Lead.objects.create(user=other_user, name="남의 리드", corporation_number=company.corporation_number)
    body = auth_client.post(IMPORT_URL, {"corporation_numbers": [company.corporation_number]}).json()
    assert body["created"] == 1 and Lead.objects.filter(user=user).count() == 1


def test_unknown_numbers_are_counted_not_found(auth_client):
    company = SalesOneLeadFactory()
    body = auth_client.post(IMPORT_URL, {"corporation_numbers": [company.corporation_number, "1101112955908"]}).json()
    assert (body["created"], body["not_found"]) == (1, 1)


def test_import_into_a_new_list_by_name_and_an_existing_list_by_id(auth_client, user):
    first, second = SalesOneLeadFactory.create_batch(2)
    body = auth_client.post(
        IMPORT_URL, {"corporation_numbers": [first.corporation_number], "lead_list_name": "건강기능식품 법인"}
    ).json()
    lead_list = LeadList.objects.get(pk=body["lead_list_id"], user=user)
    assert lead_list.name == "건강기능식품 법인"
    assert lead_list.lead_ids == [Lead.objects.get(corporation_number=first.corporation_number).pk]
    body = auth_client.post(
        IMPORT_URL,
        {"corporation_numbers": [second.corporation_number, first.corporation_number], "lead_list_id": lead_list.pk},
    ).json()
    assert (body["created"], body["skipped"]) == (1, 1)
    lead_list.refresh_from_db()
    assert len(lead_list.lead_ids) == 2  # the lead I already held is not added twice


def test_another_users_list_is_refused(auth_client, other_user):
    company = SalesOneLeadFactory()
    theirs = LeadList.objects.create(user=other_user, name="남의 목록")
    response = auth_client.post(
        IMPORT_URL, {"corporation_numbers": [company.corporation_number], "lead_list_id": theirs.pk}
    )
    assert response.status_code == 400 and "lead_list_id" in response.json()["fields"]
    assert not Lead.objects.exists()


def test_import_by_filter_takes_the_top_matches_up_to_the_limit(auth_client, user, settings):
    settings.SALESONE_IMPORT_LIMIT = 3
    for i in range(5):
        SalesOneLeadFactory(name=f"주식회사 넥스{i}", finance_revenue=i * 1000, si_nm="부산광역시")
    SalesOneLeadFactory(name="주식회사 넥스서울", si_nm="서울특별시")
    body = auth_client.post(IMPORT_URL, {"q": "넥스", "si_nm": ["부산광역시"]}).json()
    assert body["created"] == 3
    assert sorted(Lead.objects.filter(user=user).values_list("name", flat=True)) == [
        "주식회사 넥스2", "주식회사 넥스3", "주식회사 넥스4",
    ]  # fmt: skip
    body = auth_client.post(IMPORT_URL, {"q": "넥스", "si_nm": "부산광역시", "limit": 1}).json()
    assert (body["created"], body["skipped"]) == (0, 1)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"corporation_numbers": ["12345"]},
        {"corporation_numbers": ["1101112955908"], "q": "넥스"},
        {"q": "넥스", "lead_list_id": "00000000-0000-0000-0000-000000000000", "lead_list_name": "둘 다"},
        {"revenue_min": -1},
        {"ordering": "name"},
    ],
)
def test_invalid_bodies_answer_400(auth_client, payload):
    assert auth_client.post(IMPORT_URL, payload).status_code == 400


def test_imports_above_a_thousand_companies_are_queued_with_a_status_to_poll(auth_client, user):
    from apps.salesone_leads.generator import corporation_number_for

    numbers = [corporation_number_for(i) for i in range(1001)]
    in_request = auth_client.post(IMPORT_URL, {"corporation_numbers": numbers[:1000]}, format="json")
    assert in_request.status_code == 201 and in_request.json()["not_found"] == 1000

    response = auth_client.post(IMPORT_URL, {"corporation_numbers": numbers}, format="json")
    assert response.status_code == 202, response.content
    queued = response.json()
    assert (queued["total"], queued["status"]) == (1001, "queued")
    status = auth_client.get(queued["status_url"]).json()
    assert (status["id"], status["status"], status["processed"], status["progress"]) == (
        queued["job_id"], "queued", 0, 0.0,
    )  # fmt: skip


def test_a_redelivered_job_resumes_after_its_last_committed_batch(user, settings):
    from apps.salesone_leads.leads_seam import leads_create_from_companies
    from apps.salesone_leads.models import ImportJob
    from apps.salesone_leads.services import import_job_run

    settings.SALESONE_IMPORT_BATCH_SIZE = 2
    numbers = [c.corporation_number for c in SalesOneLeadFactory.create_batch(5)]
    job = ImportJob.objects.create(user=user, corporation_numbers=numbers, total=5)
    # A first worker committed one batch (its leads and the counters), then died.
    leads_create_from_companies(user=user, corporation_numbers=numbers[:2])
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, processed=2, created=2)

    job = import_job_run(job_id=job.pk)
    assert (job.status, job.processed, job.created, job.skipped, job.progress) == ("completed", 5, 5, 0, 100.0)
    assert Lead.objects.filter(user=user).count() == 5
    assert import_job_run(job_id=job.pk).created == 5  # a finished job is not run again
