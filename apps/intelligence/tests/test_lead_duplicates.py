"""Duplicate suggestions (the same corporation or business number, numbers of one company in the
SalesOne DB, the same normalised name and province) and the merge that keeps results, opportunities
and list memberships."""

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.intelligence.hygiene import duplicates_suggest, stale_lead_reports
from apps.intelligence.models import DuplicateSuggestion
from apps.leads.models import Lead, LeadList
from apps.leads.tests.factories import LeadFactory, LeadListFactory, valid_business_number
from apps.opportunities.models import Opportunity
from apps.salesone_leads.tests.factories import SalesOneLeadFactory
from apps.tracking.tests.factories import CampaignFactory, ResultFactory

pytestmark = pytest.mark.django_db


def pair(user):
    older = LeadFactory(user=user, name="주식회사 넥스트솔루션", si_nm="경기도", phone="", owner="이도윤")
    newer = LeadFactory(user=user, name="(주)넥스트 솔루션", si_nm="경기도", phone="031-555-0102", owner="")
    return older, newer


def test_same_name_and_province_is_suggested_once(user, other_user):
    older, newer = pair(user)
    LeadFactory(user=user, name="넥스트솔루션", si_nm="부산광역시")  # another province
    LeadFactory(user=other_user, name="넥스트솔루션", si_nm="경기도")  # another user's
    assert duplicates_suggest() == 1
    assert duplicates_suggest() == 0
    suggestion = DuplicateSuggestion.objects.get()
    assert (suggestion.lead_a_id, suggestion.lead_b_id, suggestion.user_id) == (older.pk, newer.pk, user.pk)
    assert suggestion.rule == "same_name_and_region"


def test_merge_keeps_results_opportunities_and_lists(auth_client, user):
    older, newer = pair(user)
    campaign = CampaignFactory(user=user)
    result = ResultFactory(campaign=campaign, lead=newer, email=newer.email)
    opportunity = Opportunity.objects.create(user=user, name="기회", lead=newer)
    both = LeadListFactory(user=user, lead_ids=[older.pk, newer.pk])
    only_newer = LeadListFactory(user=user, lead_ids=[newer.pk])
    duplicates_suggest()
    suggestion = DuplicateSuggestion.objects.get()
    response = auth_client.post(f"/api/lead-duplicates/{suggestion.pk}/merge/", {"keep": str(older.pk)}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"lead_id": str(older.pk)}
    assert not Lead.objects.filter(pk=newer.pk).exists()
    older.refresh_from_db()
    assert older.owner == "이도윤" and older.phone == "031-555-0102"  # its own kept, the gap filled
    assert CampaignLeadResult.objects.get(pk=result.pk).lead_id == older.pk
    assert Opportunity.objects.get(pk=opportunity.pk).lead_id == older.pk
    assert LeadList.objects.get(pk=both.pk).lead_ids == [older.pk]
    assert LeadList.objects.get(pk=only_newer.pk).lead_ids == [older.pk]
    assert DuplicateSuggestion.objects.get().status == "merged"


def test_merging_twice_is_a_409(auth_client, user):
    older, _ = pair(user)
    duplicates_suggest()
    suggestion = DuplicateSuggestion.objects.get()
    url = f"/api/lead-duplicates/{suggestion.pk}/merge/"
    assert auth_client.post(url, {"keep": str(older.pk)}, format="json").status_code == 200
    assert auth_client.post(url, {"keep": str(older.pk)}, format="json").status_code == 409


def test_keep_must_be_one_of_the_pair(auth_client, user):
    pair(user)
    duplicates_suggest()
    suggestion = DuplicateSuggestion.objects.get()
    other = LeadFactory(user=user)
    response = auth_client.post(f"/api/lead-duplicates/{suggestion.pk}/merge/", {"keep": str(other.pk)}, format="json")
    assert response.status_code == 400
    assert Lead.objects.filter(user=user).count() == 3


def test_dismiss_and_another_users_404(auth_client, other_client, user):
    pair(user)
    duplicates_suggest()
    suggestion = DuplicateSuggestion.objects.get()
    assert other_client.post(f"/api/lead-duplicates/{suggestion.pk}/dismiss/").status_code == 404
    assert auth_client.post(f"/api/lead-duplicates/{suggestion.pk}/dismiss/").json()["status"] == "dismissed"
    assert auth_client.get("/api/lead-duplicates/?status=open").json()["count"] == 0


def test_stale_lead_report_lists_leads_without_activity(user, settings):
    settings.STALE_LEAD_DAYS = 30
    import datetime as dt

    from django.utils import timezone

    quiet = LeadFactory(user=user, name="조용한 회사")
    LeadFactory(user=user, name="최근 회사")
    Lead.objects.filter(pk=quiet.pk).update(updated_at=timezone.now() - dt.timedelta(days=45))
    (report,) = stale_lead_reports()
    assert report["to"] == user.email
    assert "조용한 회사" in report["text"] and "최근 회사" not in report["text"]


def dashed(business_number: str) -> str:
    return f"{business_number[:3]}-{business_number[3:5]}-{business_number[5:]}"


def test_same_business_number_written_differently_is_suggested_with_its_rule(auth_client, user, other_user):
    # The unique constraint holds on the stored text: "118-81-00007" and "1188100007" both fit it.
    business = valid_business_number(987_001)
    first = LeadFactory(user=user, name="가나상사", corporation_number="", business_number=business)
    second = LeadFactory(user=user, name="다른 이름", corporation_number="", business_number=dashed(business))
    LeadFactory(user=other_user, corporation_number="", business_number=dashed(business))  # another user's
    assert duplicates_suggest() == 1
    assert duplicates_suggest() == 0
    suggestion = DuplicateSuggestion.objects.get()
    assert (suggestion.lead_a_id, suggestion.lead_b_id, suggestion.rule) == (
        first.pk,
        second.pk,
        "same_business_number",
    )
    listed = auth_client.get("/api/lead-duplicates/?rule=same_business_number").json()
    assert listed["count"] == 1
    (row,) = listed["results"]
    assert row["rule"] == "same_business_number" and business in row["reason"]
    assert auth_client.get("/api/lead-duplicates/?rule=same_name_and_region").json()["count"] == 0


def test_a_number_whose_check_digit_fails_matches_nothing(user):
    business = valid_business_number(987_002)
    wrong = business[:-1] + str((int(business[-1]) + 1) % 10)
    LeadFactory(user=user, name="하나", corporation_number="", business_number=wrong)
    LeadFactory(user=user, name="둘", corporation_number="", business_number=dashed(wrong))
    assert duplicates_suggest() == 0


def test_corporation_and_business_number_of_one_company_in_the_national_db(auth_client, user):
    company = SalesOneLeadFactory()
    by_corporation = LeadFactory(
        user=user, name="한결테크", corporation_number=company.corporation_number, business_number="", si_nm="서울"
    )
    by_business = LeadFactory(
        user=user, name="한결", corporation_number="", business_number=company.business_number, si_nm="부산광역시"
    )
    assert duplicates_suggest() == 1
    suggestion = DuplicateSuggestion.objects.get()
    assert suggestion.rule == "numbers_of_one_company"
    assert company.corporation_number in suggestion.reason and company.business_number in suggestion.reason
    # The merge keeps the lead with the corporation number and gives it the business number too.
    response = auth_client.post(
        f"/api/lead-duplicates/{suggestion.pk}/merge/", {"keep": str(by_corporation.pk)}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert not Lead.objects.filter(pk=by_business.pk).exists()
    by_corporation.refresh_from_db()
    assert (by_corporation.corporation_number, by_corporation.business_number) == (
        company.corporation_number,
        company.business_number,
    )


def test_a_pair_matching_by_number_and_by_name_is_suggested_once(user):
    business = valid_business_number(987_003)
    LeadFactory(user=user, name="(주)같은회사", corporation_number="", business_number=business, si_nm="경기도")
    LeadFactory(user=user, name="같은회사", corporation_number="", business_number=dashed(business), si_nm="경기도")
    assert duplicates_suggest() == 1
    assert DuplicateSuggestion.objects.get().rule == "same_business_number"


def test_the_nightly_check_runs_one_task_per_user_each_on_its_own_leads(user, other_user, settings):
    from apps.intelligence.models import LeadHygiene
    from apps.intelligence.tasks import check_lead_hygiene, check_user_lead_hygiene
    from celery_app import app as celery_app

    settings.HYGIENE_MX_CHECK = False
    mine, theirs = pair(user), pair(other_user)

    # One user's task touches that user's leads only: another user's size or failure is not its own.
    assert check_user_lead_hygiene(str(user.pk)) == 2
    assert set(LeadHygiene.objects.values_list("lead_id", flat=True)) == {lead.pk for lead in mine}
    assert set(DuplicateSuggestion.objects.values_list("user_id", flat=True)) == {user.pk}

    celery_app.conf.task_always_eager = True
    try:
        assert check_lead_hygiene() == 2  # tasks queued: one per user with leads
    finally:
        celery_app.conf.task_always_eager = False
    assert LeadHygiene.objects.count() == 4
    assert sorted(DuplicateSuggestion.objects.values_list("lead_a_id", flat=True)) == sorted([mine[0].pk, theirs[0].pk])
