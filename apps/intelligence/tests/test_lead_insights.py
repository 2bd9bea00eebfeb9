"""GET /api/leads/{id}/insights/: the company, its status, its engagement, a next step; cached until
an input changes; through the configured backend (rule-based by default; an LLM in a worker, never in
the request, against a fake API on 127.0.0.1)."""

import datetime as dt

import pytest
import time_machine

from apps.intelligence.scoring import leads_rescore
from apps.leads.models import Lead
from apps.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_insights_of_a_closed_company(auth_client, user):
    lead = LeadFactory(user=user, name="한빛테크", description="산업용 센서 제조")
    Lead.objects.filter(pk=lead.pk).update(business_status="closed", business_closed_on=dt.date(2025, 6, 30))
    body = auth_client.get(f"/api/leads/{lead.pk}/insights/").json()
    assert body["backend"] == "rule_based" and body["insight_status"] == "ready"
    assert body["fallback_reason"] is None
    assert "산업용 센서 제조" in body["company"] and "서울특별시" in body["company"]
    assert "2025-06-30" in body["status"]
    assert "캠페인에서 빼고" in body["next_step"]  # the default language is Korean


def test_insights_change_when_the_lead_changes(auth_client, user):
    lead = LeadFactory(user=user, description="")
    first = auth_client.get(f"/api/leads/{lead.pk}/insights/").json()
    assert auth_client.get(f"/api/leads/{lead.pk}/insights/").json() == first  # cached
    auth_client.patch(f"/api/leads/{lead.pk}/", {"description": "물류 자동화"}, format="json")
    assert "물류 자동화" in auth_client.get(f"/api/leads/{lead.pk}/insights/").json()["company"]


def test_insights_in_the_language_asked_for(auth_client, user):
    lead = LeadFactory(user=user)
    korean = auth_client.get(f"/api/leads/{lead.pk}/insights/", HTTP_ACCEPT_LANGUAGE="ko").json()
    english = auth_client.get(f"/api/leads/{lead.pk}/insights/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert korean["engagement"] == "아직 이메일 반응이 없습니다."
    assert english["engagement"] == "No e-mail engagement yet."


def test_another_users_insights_are_404(other_client, user):
    assert other_client.get(f"/api/leads/{LeadFactory(user=user).pk}/insights/").status_code == 404


def test_an_llm_backend_is_never_waited_on(auth_client, user, llm_insights, django_capture_on_commit_callbacks):
    lead = LeadFactory(user=user, description="산업용 센서 제조")
    url = f"/api/leads/{lead.pk}/insights/"
    with django_capture_on_commit_callbacks() as queued:
        first = auth_client.get(url).json()
    # The rule-based answer at once; the model is asked by a worker after the request.
    assert (first["insight_status"], first["backend"]) == ("pending", "rule_based")
    assert "산업용 센서 제조" in first["company"]
    assert llm_insights.requests == []
    assert len(queued) == 1
    with django_capture_on_commit_callbacks() as queued_again:
        assert auth_client.get(url).json()["insight_status"] == "pending"
    assert queued_again == []  # one worker per answer in flight

    queued[0]()  # the worker's part (eager Celery)
    ready = auth_client.get(url).json()
    assert (ready["insight_status"], ready["backend"]) == ("ready", "openai_compatible")
    assert ready["company"] == f"모델: {first['company']}"
    assert ready["next_step"].startswith("모델: ")
    assert auth_client.get(url).json() == ready  # cached: the model is asked once
    assert len(llm_insights.requests) == 1


def test_a_model_error_falls_back_to_rule_based_with_the_reason(
    auth_client, user, llm_insights, django_capture_on_commit_callbacks, settings
):
    settings.INSIGHTS_LLM_TIMEOUT = 0.5
    llm_insights.script = ["slow"]
    lead = LeadFactory(user=user)
    url = f"/api/leads/{lead.pk}/insights/"
    with django_capture_on_commit_callbacks(execute=True):
        pending = auth_client.get(url).json()
    answer = auth_client.get(url).json()
    assert (answer["insight_status"], answer["backend"]) == ("fallback", "rule_based")
    assert "timed out" in answer["fallback_reason"]
    assert answer["company"] == pending["company"] and answer["next_step"] == pending["next_step"]


def test_a_changed_lead_is_asked_again(auth_client, user, llm_insights, django_capture_on_commit_callbacks):
    lead = LeadFactory(user=user, description="")
    url = f"/api/leads/{lead.pk}/insights/"
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.get(url)
    assert auth_client.get(url).json()["insight_status"] == "ready"
    auth_client.patch(f"/api/leads/{lead.pk}/", {"description": "물류 자동화"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        changed = auth_client.get(url).json()
    assert changed["insight_status"] == "pending" and "물류 자동화" in changed["company"]
    assert "물류 자동화" in auth_client.get(url).json()["company"]
    assert len(llm_insights.requests) == 2
    assert llm_insights.prompt_facts()["description"] == "물류 자동화"


def test_the_prompt_holds_only_this_leads_data_and_human_engagement(
    auth_client, user, other_user, llm_insights, django_capture_on_commit_callbacks
):
    from .test_lead_score import event, rescored

    lead = LeadFactory(user=user, name="한빛테크")
    LeadFactory(user=user, name="같은사용자의다른회사")
    LeadFactory(user=other_user, name="다른사용자의회사")
    event(lead, "open")
    event(lead, "open", machine=True)  # Apple Mail Privacy Protection: not a person
    event(lead, "click", machine=True)
    rescored(lead)
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.get(f"/api/leads/{lead.pk}/insights/", HTTP_ACCEPT_LANGUAGE="en")
    (sent,) = llm_insights.requests
    prompt = str(sent["body"]["messages"])
    assert "한빛테크" in prompt
    assert "같은사용자의다른회사" not in prompt and "다른사용자의회사" not in prompt
    assert llm_insights.prompt_facts()["human_engagement"] == {
        "opens": 1,
        "clicks": 0,
        "replies": 0,
        "bounces": 0,
        "unsubscribes": 0,
    }
    assert "English" in sent["body"]["messages"][0]["content"]
    english = auth_client.get(f"/api/leads/{lead.pk}/insights/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["insight_status"] == "ready" and english["engagement"].startswith("모델: 1 opens")


def test_a_score_that_only_decays_does_not_ask_the_model_again(
    auth_client, user, llm_insights, django_capture_on_commit_callbacks
):
    """The engagement part of the score decays with time, so a rescore moves it with no new event; the
    insight's inputs (and so its cache key) are what the score is made of, which stay put."""
    from .test_lead_score import NOW, event, rescored

    lead = LeadFactory(user=user, name="한빛테크")
    event(lead, "reply", days_ago=1)
    event(lead, "click", days_ago=1)
    before = rescored(lead).score
    url = f"/api/leads/{lead.pk}/insights/"
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.get(url)
    assert auth_client.get(url).json()["insight_status"] == "ready"

    with time_machine.travel(NOW + dt.timedelta(days=20), tick=False):
        leads_rescore(lead_ids=[lead.pk])
    lead.refresh_from_db()
    assert lead.score < before  # decayed, nothing happened
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.get(url).json()["insight_status"] == "ready"
    assert len(llm_insights.requests) == 1
    assert "score" not in llm_insights.prompt_facts()

    event(lead, "reply")  # something happened: asked again
    rescored(lead)
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.get(url).json()["insight_status"] == "pending"
    assert len(llm_insights.requests) == 2


def test_a_model_answer_with_a_lone_surrogate_keeps_the_rule_based_answer(
    auth_client, user, llm_insights, django_capture_on_commit_callbacks
):
    """A lone UTF-16 surrogate ("\\ud800" escaped in the model's JSON) is not text: no UTF-8 response
    can hold it. The answer is refused like one that is not JSON, and the rule-based one shown."""
    model_answer = llm_insights.content
    llm_insights.content = lambda body: model_answer(body).replace("모델: ", "모델\\ud800: ", 1)
    lead = LeadFactory(user=user, description="산업용 센서 제조")
    url = f"/api/leads/{lead.pk}/insights/"
    with django_capture_on_commit_callbacks(execute=True):
        pending = auth_client.get(url).json()
    response = auth_client.get(url)
    assert response.status_code == 200
    answer = response.json()
    assert (answer["insight_status"], answer["backend"]) == ("fallback", "rule_based")
    assert "surrogate" in answer["fallback_reason"]
    assert answer["company"] == pending["company"] and "산업용 센서 제조" in answer["company"]
    assert len(llm_insights.requests) == 1
