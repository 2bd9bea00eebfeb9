"""POST /api/leads/import/: a CSV or JSONL file of leads with a consent column. Rows declaring
advertising consent without evidence, with a future date or with a stale existing-customer deal are
refused and reported; rows without a basis are imported without consent; the whole file is checked
before one transaction writes it; an advertising campaign sends only to leads with valid consent."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tests.factories import CampaignFactory, LeadFactory, LeadListFactory, write_recipients
from apps.consent.models import ConsentEvent
from apps.consent.services import consent_withdraw
from apps.leads.models import Lead, LeadList
from apps.leads.tests.factories import valid_business_number
from conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/leads/import/"
# 2026-03-10 09:00 in Korea: "today" for the consent dates below.
NOW = dt.datetime(2026, 3, 10, 0, 0, tzinfo=dt.UTC)

HEADER = "name,email,business_number,homepage,consent_basis,consent_date,consent_evidence\n"
GOOD_CSV = (
    HEADER
    + "(주)한빛테크,CEO@hanbit.co.kr,,hanbit.co.kr,opt_in_form,2025-11-02,홈페이지 뉴스레터 폼 2025-11-02\n"
    + "세일즈원,sales@one.co.kr,,,import_evidence,2026-03-10,전시회 명함 동의서 스캔\n"
    + "고객사,buyer@client.kr,,,existing_customer,2025-12-01,\n"
    + "무동의,nobody@nocons.kr,,,,,\n"
    + "증거없음,noevidence@x.kr,,,opt_in_form,2025-11-02,\n"  # line 6
    + "미래,future@x.kr,,,import_evidence,2026-03-11,동의서\n"  # line 7
    + "오래된고객,old@customer.kr,,,existing_customer,2025-09-09,\n"  # line 8: deal over 6 months ago
)


def _upload(content: str | bytes, name: str = "leads.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv" if name.endswith(".csv") else "application/jsonl")


def _post(user, content, name="leads.csv", **fields):
    # The token is issued at the travelled-to time, so that it is valid then.
    with time_machine.travel(NOW, tick=False):
        return client_for(user).post(URL, {"file": _upload(content, name), **fields}, format="multipart")


def test_good_rows_are_imported_with_their_consent_and_the_rest_reported(user):
    response = _post(user, GOOD_CSV)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["rows_read"] == 7
    assert body["leads_created"] == 4
    assert body["consent_recorded"] == {"opt_in_form": 1, "import_evidence": 1, "existing_customer": 1}
    assert body["without_consent"] == 1
    assert "광고성 캠페인에서 제외됩니다" in body["without_consent_note"]  # Korean without Accept-Language
    assert body["refused"] == 3
    assert [(row["line"], row["code"]) for row in body["refused_rows"]] == [
        (6, "no_evidence"),
        (7, "future_date"),
        (8, "customer_deal_expired"),
    ]
    assert body["refused_rows_truncated"] is False
    assert set(Lead.objects.filter(user=user).values_list("email", flat=True)) == {
        "ceo@hanbit.co.kr",
        "sales@one.co.kr",
        "buyer@client.kr",
        "nobody@nocons.kr",
    }
    assert Lead.objects.get(user=user, email="ceo@hanbit.co.kr").homepage == ["hanbit.co.kr"]
    customer = ConsentEvent.objects.get(user=user, email="buyer@client.kr")
    assert customer.basis == "existing_customer" and customer.deal_date == dt.date(2025, 12, 1)
    opt_in = ConsentEvent.objects.get(user=user, email="ceo@hanbit.co.kr")
    assert opt_in.evidence_text == "홈페이지 뉴스레터 폼 2025-11-02" and opt_in.source == "lead import"
    assert opt_in.occurred_at == dt.datetime(2025, 11, 1, 15, 0, tzinfo=dt.UTC)  # 00:00 in Korea
    assert not ConsentEvent.objects.filter(email__in=["noevidence@x.kr", "future@x.kr", "old@customer.kr"]).exists()


def test_an_advertising_campaign_sends_only_to_imported_leads_with_valid_consent(user):
    assert _post(user, GOOD_CSV, lead_list_name="3월 가져오기").status_code == 201
    lead_list = LeadList.objects.get(user=user, name="3월 가져오기")
    assert len(lead_list.lead_ids) == 4

    campaign = CampaignFactory(user=user, leadlists=[lead_list])
    with time_machine.travel(NOW, tick=False):
        write_recipients(campaign)
    statuses = dict(CampaignLeadResult.objects.filter(campaign=campaign).values_list("email", "status"))
    assert statuses == {
        "ceo@hanbit.co.kr": "pending",
        "sales@one.co.kr": "pending",
        "buyer@client.kr": "pending",
        "nobody@nocons.kr": "failed",  # no consent
    }

    # Seven months on, the existing customer's deal (2025-12-01) no longer carries advertising mail.
    later = CampaignFactory(user=user, leadlists=[lead_list])
    with time_machine.travel(dt.datetime(2026, 7, 2, tzinfo=dt.UTC), tick=False):
        write_recipients(later)
    assert CampaignLeadResult.objects.get(campaign=later, email="buyer@client.kr").status == "failed"


def test_jsonl_with_a_bom_is_read(user):
    lines = [
        {"name": "제이슨", "email": "j@son.kr", "homepage": ["son.kr"], "consent_basis": "import_evidence",
         "consent_date": "2026-01-05", "consent_evidence": "서명 동의서"},
        {"name": "무동의", "email": "plain@son.kr"},
        "not an object",
        {"name": "", "email": "nameless@son.kr"},
    ]  # fmt: skip
    content = "\ufeff" + "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"

    response = _post(user, content.encode("utf-8"), name="leads.jsonl")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rows_read"], body["leads_created"], body["without_consent"]) == (4, 2, 1)
    assert body["consent_recorded"]["import_evidence"] == 1
    assert [(row["line"], row["code"]) for row in body["refused_rows"]] == [(3, "invalid_row"), (4, "invalid_lead")]
    assert "name" in body["refused_rows"][1]["reason"]
    assert Lead.objects.get(user=user, email="j@son.kr").homepage == ["son.kr"]


def test_a_csv_with_a_bom_keeps_its_first_column(user):
    response = _post(user, ("\ufeffname,email\n넥스트,next@x.kr\n").encode())
    assert response.status_code == 201, response.json()
    assert Lead.objects.get(user=user).name == "넥스트"


def test_numbers_held_or_repeated_are_refused(user):
    held = LeadFactory(user=user)
    new_number = valid_business_number(9001)
    content = (
        "name,business_number\n"
        f"있는회사,{held.business_number}\n"
        f"새회사,{new_number[:3]}-{new_number[3:5]}-{new_number[5:]}\n"
        f"같은회사,{new_number}\n"
    )
    body = _post(user, content).json()
    assert body["leads_created"] == 1
    assert [(row["line"], row["code"]) for row in body["refused_rows"]] == [(2, "duplicate"), (4, "duplicate_in_file")]
    assert Lead.objects.get(user=user, name="새회사").business_number == new_number


def test_an_import_does_not_override_an_opt_out(user):
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        consent_withdraw(user=user, email="gone@x.kr", source="unsubscribe page", notify=False)
    content = HEADER + "떠난분,gone@x.kr,,,import_evidence,2026-03-01,동의서\n"
    body = _post(user, content).json()
    assert body["leads_created"] == 0
    assert body["refused_rows"][0]["code"] == "opted_out"


def test_consent_columns_without_a_basis_or_a_date_are_refused(user):
    content = (
        HEADER
        + "하나,a@x.kr,,,,2026-01-01,\n"
        + "둘,b@x.kr,,,import_evidence,,동의서\n"
        + "셋,c@x.kr,,,import_evidence,2026/01/01,동의서\n"
        + "넷,,,,opt_in_form,2026-01-01,폼\n"
        + "다섯,e@x.kr,,,newsletter,2026-01-01,폼\n"
        + "여섯,f@x.kr,,,opt_in_form,2024-03-10,폼\n"  # 2 years old today
    )
    body = _post(user, content).json()
    assert body["leads_created"] == 0
    assert [row["code"] for row in body["refused_rows"]] == [
        "consent_without_basis",
        "no_date",
        "invalid_date",
        "no_email",
        "invalid_basis",
        "consent_expired",
    ]


def test_the_leads_go_to_the_users_own_list(user):
    lead_list = LeadListFactory(user=user)
    response = _post(user, "name,email\n하나,one@x.kr\n", lead_list_id=str(lead_list.pk))
    assert response.status_code == 201
    assert response.json()["lead_list_id"] == str(lead_list.pk)
    lead_list.refresh_from_db()
    assert lead_list.lead_ids == [Lead.objects.get(user=user).pk]


def test_another_users_list_is_refused_and_nothing_is_written(user, other_user):
    theirs = LeadListFactory(user=other_user)
    response = _post(user, "name,email\n하나,one@x.kr\n", lead_list_id=str(theirs.pk))
    assert response.status_code == 400
    assert "lead_list_id" in response.json()["fields"]
    assert not Lead.objects.filter(user=user).exists()
    theirs.refresh_from_db()
    assert theirs.lead_ids == []


def test_a_file_over_the_byte_limit_is_413_naming_the_setting(user, settings):
    settings.LEAD_IMPORT_MAX_BYTES = 100
    response = _post(user, "name\n" + "회사\n" * 50)
    assert response.status_code == 413
    assert "LEAD_IMPORT_MAX_BYTES" in response.json()["detail"]


def test_a_file_declaring_too_much_is_refused_before_reading(user, settings):
    """The figure is the request's exact Content-Length: refused before the body is spooled."""
    settings.LEAD_IMPORT_MAX_BYTES = 1024
    body = encode_multipart(BOUNDARY, {"file": _upload(HEADER + "회사,a@b.kr,,,,,\n" * 20_000)})
    with time_machine.travel(NOW, tick=False):
        response = client_for(user).post(URL, body, content_type=MULTIPART_CONTENT, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response.json()["detail"] == f"The upload is {len(body):,} bytes; LEAD_IMPORT_MAX_BYTES allows 1,024 bytes."
    assert not Lead.objects.exists() and not LeadList.objects.exists()


def test_a_file_over_the_row_limit_is_400_and_writes_nothing(user, settings):
    settings.LEAD_IMPORT_MAX_ROWS = 2
    response = _post(user, "name\n하나\n둘\n셋\n")
    assert response.status_code == 400
    assert "LEAD_IMPORT_MAX_ROWS" in response.json()["fields"]["file"][0]
    assert not Lead.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        ("name,fax\n하나,02\n", "leads.csv", "fax"),
        ("email\na@x.kr\n", "leads.csv", "name"),
        ("name\n", "leads.csv", "행이 없습니다"),
        ("name\n하나\n", "leads.xlsx", ".csv"),
        (b"name\n\xff\xfe\n", "leads.csv", "UTF-8"),
        ('{"name": "하나", "fax": "02"}\n', "leads.jsonl", "fax"),
    ],
)
def test_a_file_that_cannot_be_imported_is_400(user, content, name, words):
    response = _post(user, content, name=name)
    assert response.status_code == 400
    assert words in response.json()["fields"]["file"][0]
    assert not Lead.objects.filter(user=user).exists()


def test_the_refused_list_is_capped(user):
    content = "name,email\n" + "".join(f"회사{n},not-an-address\n" for n in range(120))
    body = _post(user, content).json()
    assert body["refused"] == 120
    assert len(body["refused_rows"]) == 100 and body["refused_rows_truncated"] is True


def test_the_route_is_not_a_lead_id(auth_client):
    # leads/{pk}/ must not take "import": GET answers the import view's 405, not the lead detail's 404.
    assert auth_client.get(URL).status_code == 405


def test_anonymous_is_401(api_client):
    assert api_client.post(URL, {}, format="multipart").status_code == 401


def test_jsonl_row_with_a_lone_surrogate_or_nested_too_deep_is_refused_not_a_500(user):
    """A "\\ud800" escape is valid JSON but not text (no column can hold it); a row nested thousands
    of levels deep is not a lead either: each is an invalid row, and the other rows are imported."""
    content = (
        '{"name": "좋은행", "email": "good@row.kr"}\n'
        '{"name": "나쁜\\ud800행", "email": "bad@row.kr"}\n' + '{"name": ' + "[" * 5000 + "]" * 5000 + "}\n"
    )
    response = _post(user, content.encode(), name="leads.jsonl")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(row["line"], row["code"]) for row in body["refused_rows"]] == [(2, "invalid_row"), (3, "invalid_row")]
    assert list(Lead.objects.filter(user=user).values_list("email", flat=True)) == ["good@row.kr"]
