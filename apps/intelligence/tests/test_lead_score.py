"""The lead score: fit from the ideal-customer profile, human engagement with a half-life, penalties;
the breakdown's terms add up to the score, and /api/leads/{id}/score/ shows them."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.intelligence.models import IdealCustomerProfile
from apps.intelligence.scoring import leads_rescore, recently_engaged_lead_ids
from apps.intelligence.selectors import lead_score
from apps.leads.models import Lead
from apps.leads.tests.factories import IndustryFactory, LeadFactory
from apps.tracking.models import TrackingEvent
from apps.tracking.tests.factories import CampaignFactory, ResultFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def event(lead, kind, *, days_ago=0.0, machine=False):
    result = ResultFactory(campaign=CampaignFactory(user=lead.user), lead=lead, email=lead.email)
    return TrackingEvent.objects.create(
        result=result,
        campaign=result.campaign,
        kind=kind,
        occurred_at=NOW - timedelta(days=days_ago),
        email=lead.email,
        source=TrackingEvent.Source.PIXEL,
        is_machine=machine,
        machine_reason=TrackingEvent.MachineReason.APPLE_MPP if machine else "",
        event_key=uuid.uuid4().hex,
    )


def rescored(lead) -> Lead:
    with time_machine.travel(NOW, tick=False):
        leads_rescore(lead_ids=[lead.pk])
    lead.refresh_from_db()
    return lead


def points(lead) -> dict[str, int]:
    return {term["term"]: term["points"] for term in lead_score(lead=lead)["terms"]}


def test_fit_from_the_profile(user):
    IdealCustomerProfile.objects.create(
        user=user, industry_codes=["J62"], regions=["서울특별시"], revenue_min=1_000_000_000, employee_max=50
    )
    lead = LeadFactory(
        user=user, industry=IndustryFactory(code="J62010"), si_nm="서울특별시", revenue=5_000_000_000, employee=16
    )
    lead.business_status = Lead.BusinessStatus.ACTIVE
    lead.save()
    lead = rescored(lead)
    assert points(lead) | {} == {
        **points(lead),
        "industry": 15,
        "region": 10,
        "revenue": 10,
        "employees": 10,
        "active_business": 5,
    }
    assert lead.score == 50 and lead_score(lead=lead)["fit"] == 50


def test_an_empty_profile_scores_no_fit(user):
    lead = rescored(LeadFactory(user=user))
    assert lead.score == 0
    assert sum(points(lead).values()) == 0


def test_a_rescoring_that_changes_nothing_leaves_the_lead_row_alone(user):
    lead = rescored(LeadFactory(user=user))
    before = Lead.objects.get(pk=lead.pk).updated_at
    scored_at = lead_score(lead=lead)["scored_at"]
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert leads_rescore(lead_ids=[lead.pk]) == 0  # nothing moved: nothing written
    assert Lead.objects.get(pk=lead.pk).updated_at == before
    assert lead_score(lead=lead)["scored_at"] == scored_at  # when the terms last changed


def test_human_opens_clicks_and_replies_count_machine_opens_do_not(user):
    lead = LeadFactory(user=user)
    event(lead, "open")
    event(lead, "open", machine=True)
    event(lead, "click")
    event(lead, "reply")
    lead = rescored(lead)
    assert points(lead)["opens"] == 5 and points(lead)["clicks"] == 10 and points(lead)["replies"] == 25
    opens = next(term for term in lead_score(lead=lead)["terms"] if term["term"] == "opens")
    assert opens["count"] == 1 and opens["weight"] == 5
    assert lead.score == 40


def test_an_event_one_half_life_old_counts_half(user, settings):
    settings.LEAD_SCORE_HALF_LIFE_DAYS = 30
    lead = LeadFactory(user=user)
    event(lead, "reply", days_ago=30)
    assert points(rescored(lead))["replies"] == 13  # 25 / 2, rounded half up


def test_engagement_is_capped_at_50_and_the_cap_is_a_term(user):
    lead = LeadFactory(user=user)
    for _ in range(3):
        event(lead, "reply")
    lead = rescored(lead)
    assert points(lead)["replies"] == 75 and points(lead)["engagement_cap"] == -25
    assert lead.score == 50


def test_bounces_and_unsubscribes_subtract_down_to_zero(user):
    lead = LeadFactory(user=user)
    event(lead, "click")
    event(lead, "bounce")
    event(lead, "unsubscribe")
    lead = rescored(lead)
    assert points(lead)["bounces"] == -20 and points(lead)["unsubscribes"] == -30
    assert points(lead)["floor"] == 40  # 10 - 50 would be -40
    assert lead.score == 0


@pytest.mark.parametrize("kinds", [[], ["open"], ["open", "click", "bounce"], ["reply", "reply", "open"]])
def test_the_breakdown_adds_up_to_the_score(user, kinds):
    IdealCustomerProfile.objects.create(user=user, regions=["서울특별시"])
    lead = LeadFactory(user=user, si_nm="서울특별시")
    for days_ago, kind in enumerate(kinds):
        event(lead, kind, days_ago=days_ago * 7)
    lead = rescored(lead)
    assert sum(points(lead).values()) == lead.score
    assert 0 <= lead.score <= 100
    shown = lead_score(lead=lead)
    assert shown["fit"] + shown["engagement"] == shown["score"] == lead.score


def test_score_endpoint_shows_the_terms(auth_client, user):
    lead = LeadFactory(user=user)
    event(lead, "click")
    rescored(lead)
    body = auth_client.get(f"/api/leads/{lead.pk}/score/").json()
    assert body["score"] == 10
    assert sum(term["points"] for term in body["terms"]) == body["score"]
    clicks = next(term for term in body["terms"] if term["term"] == "clicks")
    assert clicks == {
        "term": "clicks",
        "group": "engagement",
        "weight": 10,
        "points": 10,
        "count": 1,
        "last_at": "2026-12-01T03:00:00.000000Z",
    }


def test_score_of_an_unscored_lead_is_null(auth_client, user):
    lead = LeadFactory(user=user)
    body = auth_client.get(f"/api/leads/{lead.pk}/score/").json()
    assert body["score"] is None and body["terms"] == []


def test_another_users_lead_score_is_404(other_client, user):
    lead = LeadFactory(user=user)
    assert other_client.get(f"/api/leads/{lead.pk}/score/").status_code == 404


def test_leads_list_orders_and_filters_by_score(auth_client, user):
    low, high = LeadFactory(user=user), LeadFactory(user=user)
    event(high, "reply")
    event(low, "open")
    rescored(low), rescored(high)
    ordered = auth_client.get("/api/leads/?ordering=-score").json()["results"]
    assert [row["id"] for row in ordered] == [str(high.pk), str(low.pk)]
    filtered = auth_client.get("/api/leads/?score_min=20").json()["results"]
    assert [row["id"] for row in filtered] == [str(high.pk)]
    assert auth_client.get("/api/leads/?score_min=many").status_code == 400


def test_leads_with_recent_events_are_found_for_rescoring(user, settings):
    settings.LEAD_SCORE_EVENT_LOOKBACK_MINUTES = 10
    recent, old = LeadFactory(user=user), LeadFactory(user=user)
    event(recent, "open", days_ago=0)
    event(old, "open", days_ago=1)
    assert recently_engaged_lead_ids(now=NOW + timedelta(minutes=5)) == [str(recent.pk)]


def test_the_nightly_rescoring_runs_one_task_per_user(user, other_user):
    from apps.intelligence.tasks import rescore_all_leads
    from celery_app import app as celery_app

    mine, theirs = LeadFactory(user=user), LeadFactory(user=other_user)
    event(mine, "reply")
    event(theirs, "click")
    celery_app.conf.task_always_eager = True
    try:
        with time_machine.travel(NOW, tick=False):
            assert rescore_all_leads() == 2
    finally:
        celery_app.conf.task_always_eager = False
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert (mine.score, theirs.score) == (25, 10)


@pytest.mark.parametrize("lead_ids", [True, False], ids=["a-few-leads", "a-whole-user"])
def test_a_rescoring_inside_a_callers_transaction_gives_back_the_callers_settings(user, lead_ids):
    from django.db import connection, transaction

    lead = LeadFactory(user=user)
    with transaction.atomic(), connection.cursor() as cursor:
        # The caller's own tuning for its transaction (as the lead loader sets work_mem).
        cursor.execute("SET LOCAL work_mem = '32MB'; SET LOCAL enable_seqscan = off; SET LOCAL enable_nestloop = off")
        if lead_ids:
            leads_rescore(lead_ids=[lead.pk])
        else:
            leads_rescore(user_id=user.pk)
        cursor.execute(
            "SELECT current_setting('work_mem'), current_setting('enable_seqscan'), current_setting('enable_nestloop')"
        )
        assert cursor.fetchone() == ("32MB", "off", "off")  # not the server's 4MB, on, on
