import datetime

import pytest
import time_machine

from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignTemplate
from apps.clients.models import ClientProduct
from apps.clients.tests.factories import ClientActivityFactory, ClientFactory, ClientNoteFactory, ClientProductFactory
from apps.tasks.tests.factories import TaskFactory
from conftest import client_for

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
NOW = datetime.datetime(2024, 3, 30, 3, 0, tzinfo=UTC)  # 2024-03-30 12:00 in Seoul


def test_insights_from_the_clients_own_data(user):
    client = ClientFactory(user=user, emails=["admin@zero.co.kr"])
    with time_machine.travel(NOW - datetime.timedelta(days=10), tick=False):
        ClientNoteFactory(client=client)  # weight 1
    last = NOW - datetime.timedelta(days=9)
    ClientActivityFactory(client=client, type="meeting", scheduled_at=last)  # weight 3
    ClientActivityFactory(client=client, type="call", scheduled_at=NOW - datetime.timedelta(days=20))  # weight 2
    ClientActivityFactory(client=client, type="call", status="scheduled", scheduled_at=NOW)  # not done: not counted
    ClientActivityFactory(client=client, type="meeting", scheduled_at=NOW - datetime.timedelta(days=200))  # too old
    template = CampaignTemplate.objects.create(name="t", title="t", body="b", user=user)
    campaign = Campaign.objects.create(name="c", template=template, user=user)
    CampaignLeadResult.objects.create(
        campaign=campaign,
        email="ADMIN@zero.co.kr",
        status=CampaignLeadResult.Status.CLICKED,
        sent_at=NOW - datetime.timedelta(days=12),
        clicked_at=NOW - datetime.timedelta(days=11),
    )  # weight 2
    ClientProductFactory(client=client, price=2_500_000, next_billing_date=datetime.date(2024, 4, 1))
    ClientProductFactory(client=client, price=1_500_000, status=ClientProduct.Status.COMPLETED)
    ClientProductFactory(client=client, price=9_000_000, status=ClientProduct.Status.CANCELLED)  # earned nothing
    TaskFactory(created_by=user, client=client, due_date=datetime.date(2024, 3, 29))  # overdue

    with time_machine.travel(NOW, tick=False):
        response = client_for(user).get(f"/api/clients/clients/{client.pk}/insights/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    insights = body["insights"]
    assert body["client_id"] == str(client.pk)
    # recency 40 × (1 − 9/90) = 36; frequency 40 × (1+3+2+2)/20 = 16; commercial 10 × 1 active = 10
    assert insights["engagement_score"] == 62
    assert insights["key_metrics"] == {
        "total_revenue": 4000000.0,
        "active_products": 1,
        "last_interaction": "2024-03-21T03:00:00.000000Z",
    }
    assert insights["recent_activity_summary"].startswith("Moderate engagement in last 30 days with 4 interactions")
    recommendations = " | ".join(insights["recommendations"])
    assert "1 overdue task" in recommendations
    assert "bills on 2024-04-01" in recommendations
    assert "follow up by phone" in recommendations


def test_client_without_data_scores_zero_and_says_so(auth_client, user):
    client = ClientFactory(user=user, emails=[])
    url = f"/api/clients/clients/{client.pk}/insights/"
    insights = auth_client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["insights"]
    assert insights["engagement_score"] == 0
    assert insights["key_metrics"] == {"total_revenue": 0.0, "active_products": 0, "last_interaction": None}
    assert insights["recent_activity_summary"] == "No interactions in the last 30 days"
    assert any("No interaction recorded yet" in r for r in insights["recommendations"])
    assert any("No e-mail address" in r for r in insights["recommendations"])
    assert (insights["backend"], insights["insight_status"]) == ("rule_based", "ready")
    korean = auth_client.get(url).json()["insights"]  # no Accept-Language: Korean, the default
    assert korean["recent_activity_summary"] == "최근 30일 동안 교류가 없습니다"
    assert "등록된 이메일 주소가 없습니다: 연락에 포함하려면 이메일 주소를 추가하세요" in korean["recommendations"]


def test_insights_of_another_users_client_is_404(other_client, user):
    assert other_client.get(f"/api/clients/clients/{ClientFactory(user=user).pk}/insights/").status_code == 404


def test_client_insights_through_an_llm_backend_never_wait_on_it(
    auth_client, user, other_user, django_capture_on_commit_callbacks, settings
):
    from celery_app import app as celery_app
    from testing.fake_llm import FakeChatCompletions

    client = ClientFactory(user=user, name="제로상사", emails=[])
    ClientFactory(user=other_user, name="남의고객")
    url = f"/api/clients/clients/{client.pk}/insights/"
    with FakeChatCompletions() as fake:
        settings.INSIGHTS_BACKEND = "services.llm.insights.OpenAICompatibleInsights"
        settings.LLM_API_BASE_URL, settings.LLM_API_KEY = fake.url, fake.api_key
        celery_app.conf.task_always_eager = True
        try:
            with django_capture_on_commit_callbacks() as queued:
                pending = auth_client.get(url).json()["insights"]
            assert (pending["insight_status"], pending["backend"]) == ("pending", "rule_based")
            assert pending["recent_activity_summary"] == "최근 30일 동안 교류가 없습니다"
            assert fake.requests == []
            queued[0]()  # the worker's part
            fake.script = [500]  # a later failure would not matter: the answer is cached
            ready = auth_client.get(url).json()["insights"]
        finally:
            celery_app.conf.task_always_eager = False
    assert (ready["insight_status"], ready["backend"]) == ("ready", "openai_compatible")
    assert ready["recent_activity_summary"] == "모델: 최근 30일 동안 교류가 없습니다"
    assert ready["recommendations"] == [f"모델: {text}" for text in pending["recommendations"]]
    assert ready["engagement_score"] == pending["engagement_score"] == 0  # computed, not the model's
    (sent,) = fake.requests
    facts = fake.prompt_facts()
    assert facts["client"] == "제로상사" and "남의고객" not in str(sent["body"])


def test_the_next_day_the_same_client_is_answered_from_the_cache_not_asked_again(
    user, django_capture_on_commit_callbacks, settings
):
    from celery_app import app as celery_app
    from testing.fake_llm import FakeChatCompletions

    client = ClientFactory(user=user, name="제로상사", emails=["admin@zero.co.kr"])
    ClientActivityFactory(client=client, type="meeting", scheduled_at=NOW - datetime.timedelta(days=40))
    ClientProductFactory(client=client, price=2_500_000)
    url = f"/api/clients/clients/{client.pk}/insights/"
    with FakeChatCompletions() as fake:
        settings.INSIGHTS_BACKEND = "services.llm.insights.OpenAICompatibleInsights"
        settings.LLM_API_BASE_URL, settings.LLM_API_KEY = fake.url, fake.api_key
        celery_app.conf.task_always_eager = True
        try:
            with time_machine.travel(NOW, tick=False):
                api = client_for(user)
                with django_capture_on_commit_callbacks() as queued:
                    api.get(url, HTTP_ACCEPT_LANGUAGE="en")
                queued[0]()  # the worker asks the model once
                today = api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["insights"]
            with (
                time_machine.travel(NOW + datetime.timedelta(days=1), tick=False),
                django_capture_on_commit_callbacks() as queued_tomorrow,
            ):
                tomorrow = client_for(user).get(url, HTTP_ACCEPT_LANGUAGE="en").json()["insights"]
        finally:
            celery_app.conf.task_always_eager = False
    assert today["insight_status"] == tomorrow["insight_status"] == "ready"
    assert tomorrow["generated_at"] == today["generated_at"]
    assert queued_tomorrow == [] and len(fake.requests) == 1  # not asked again
    assert "No contact since 2024-02-19" in " | ".join(today["recommendations"])
    assert fake.prompt_facts()["last_interaction_on"] == "2024-02-19"
