"""/clients/{id}/emails/: campaign e-mails sent to the client's addresses and e-mails logged for it,
in one list, newest first, paged by a cursor across both sources."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.campaigns.models import CampaignLeadResult
from apps.clients.models import ClientEmail

from .factories import ClientEmailFactory, ClientFactory, campaign_for, campaign_result

pytestmark = pytest.mark.django_db
SENT = CampaignLeadResult.Status.SENT
T0 = datetime.datetime(2026, 3, 2, 0, 0, tzinfo=datetime.UTC)


def at(hours: int) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=hours)


def logged(client, subject, when):
    email = ClientEmailFactory(client=client, subject=subject, to_email="admin@zero.co.kr")
    ClientEmail.objects.filter(pk=email.pk).update(created_at=when)  # created_at is auto_now_add
    return email


@pytest.fixture
def client_with_mail(user):
    """Hours 0–5, alternating: campaign e-mail, logged e-mail, …; plus mail that is not the client's."""
    client = ClientFactory(user=user, emails=["Admin@Zero.co.kr", "ceo@zero.co.kr"])
    spring = campaign_for(user, "봄 캠페인")
    campaign_result(spring, "admin@zero.co.kr", SENT, at(0))
    logged(client, "견적 문의", at(1))
    campaign_result(campaign_for(user, "여름 캠페인"), "CEO@zero.co.kr", CampaignLeadResult.Status.OPENED, at(2))
    logged(client, "견적 회신", at(3))
    campaign_result(spring, "ceo@zero.co.kr", SENT, at(4), lead=None)
    logged(client, "계약서", at(5))
    # Not the client's: another address, an unsent row, another user's campaign to the same address.
    campaign_result(spring, "someone@else.kr", SENT, at(6))
    campaign_result(campaign_for(user, "대기"), "admin@zero.co.kr", CampaignLeadResult.Status.PENDING, None)
    other = ClientFactory(emails=["admin@zero.co.kr"])
    campaign_result(campaign_for(other.user), "admin@zero.co.kr", SENT, at(7))
    logged(ClientFactory(user=user), "다른 고객", at(8))
    return client


def test_both_sources_in_one_list_newest_first(auth_client, user, client_with_mail):
    body = auth_client.get(f"/api/clients/clients/{client_with_mail.pk}/emails/").json()

    assert body["count"] == 6 and body["next"] is None
    items = body["results"]
    assert [(item["source"], item["at"]) for item in items] == [
        ("client_email", "2026-03-02T05:00:00.000000Z"),
        ("campaign", "2026-03-02T04:00:00.000000Z"),
        ("client_email", "2026-03-02T03:00:00.000000Z"),
        ("campaign", "2026-03-02T02:00:00.000000Z"),
        ("client_email", "2026-03-02T01:00:00.000000Z"),
        ("campaign", "2026-03-02T00:00:00.000000Z"),
    ]
    summer = items[3]
    assert summer["campaign"]["name"] == "여름 캠페인" and summer["status"] == "opened"
    assert (summer["to"], summer["from"], summer["content"], summer["attachments"]) == (
        "CEO@zero.co.kr",
        user.email,
        None,
        [],
    )
    contract = items[0]
    assert contract["subject"] == "계약서" and contract["campaign"] is None and contract["status"] is None
    assert contract["direction"] == "outbound" and contract["to"] == "admin@zero.co.kr"


def test_pages_follow_one_another_across_sources(auth_client, client_with_mail):
    url = f"/api/clients/clients/{client_with_mail.pk}/emails/?page_size=4"
    first = auth_client.get(url).json()
    assert first["page_size"] == 4 and len(first["results"]) == 4
    second = auth_client.get(first["next"]).json()

    assert second["next"] is None
    times = [item["at"] for item in first["results"] + second["results"]]
    assert len(times) == 6 and times == sorted(times, reverse=True)
    assert [item["source"] for item in second["results"]] == ["client_email", "campaign"]


def test_page_boundary_inside_a_tie_loses_and_repeats_nothing(auth_client, user):
    client = ClientFactory(user=user, emails=["a@zero.co.kr"])
    campaign = campaign_for(user)
    expected = {str(campaign_result(campaign, "a@zero.co.kr", SENT, T0).pk) for _ in range(3)}
    expected |= {str(logged(client, f"같은 시각 {i}", T0).pk) for i in range(3)}

    seen, url = [], f"/api/clients/clients/{client.pk}/emails/?page_size=2"
    while url:
        page = auth_client.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]

    assert len(seen) == 6 and set(seen) == expected


def test_each_page_reads_a_bounded_number_of_queries(auth_client, user, client_with_mail):
    url = f"/api/clients/clients/{client_with_mail.pk}/emails/?page_size=2"
    with CaptureQueriesContext(connection) as small:
        auth_client.get(url)
    for hour in range(20):
        logged(client_with_mail, f"추가 {hour}", at(10 + hour))
        campaign_result(campaign_for(user, f"추가 {hour}"), "admin@zero.co.kr", SENT, at(10 + hour))
    with CaptureQueriesContext(connection) as large:
        body = auth_client.get(url).json()
    assert len(body["results"]) == 2 and body["count"] == 46
    assert len(large) == len(small)


def test_bad_cursor_page_size_and_parameter_are_400(auth_client, client_with_mail):
    url = f"/api/clients/clients/{client_with_mail.pk}/emails/"
    response = auth_client.get(url + "?cursor=not-a-cursor", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "next link" in response.json()["fields"]["cursor"][0]
    assert auth_client.get(url + "?page_size=0").status_code == 400
    assert "source" in auth_client.get(url + "?source=campaign").json()["fields"]


def test_another_users_client_is_404(other_client, client_with_mail):
    assert other_client.get(f"/api/clients/clients/{client_with_mail.pk}/emails/").status_code == 404


def test_schema_documents_the_items_source_and_nullable_fields(auth_client):
    schema = auth_client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    item = components["ClientMailItem"]["properties"]
    source = components[item["source"]["$ref"].rsplit("/", 1)[1]]
    assert source["enum"] == ["campaign", "client_email"]
    assert item["campaign"]["nullable"] and item["content"]["nullable"]
    assert item["at"]["format"] == "date-time"
