"""/api/sequences/ and /api/mailboxes/: create with steps, start, pause, resume, add and remove leads,
the enrolments filter, stats; another user's sequence is a 404, a bad value a 400, a wrong state a 409."""

import pytest

from apps.campaigns.models import Campaign
from apps.campaigns.tests.factories import CampaignTemplateFactory, LeadFactory, lead_list_with
from apps.sequences.models import Enrollment, Sequence

pytestmark = pytest.mark.django_db


def body(user, leads, **extra):
    template = CampaignTemplateFactory(user=user)
    other = CampaignTemplateFactory(user=user)
    return {
        "name": "후속 메일",
        "leadlists": [str(lead_list_with(user, leads).pk)],
        "steps": [
            {"delay_days": 0, "variants": [{"name": "A", "template": str(template.pk), "percent": 60},
                                           {"name": "B", "template": str(other.pk), "percent": 40}]},
            {"delay_days": 2, "thread_reply": True,
             "variants": [{"name": "A", "template": str(template.pk), "percent": 100}]},
        ],
        **extra,
    }  # fmt: skip


def test_create_start_pause_resume(auth_client, user):
    leads = [LeadFactory(user=user) for _ in range(3)]
    created = auth_client.post("/api/sequences/", body(user, leads), format="json")
    assert created.status_code == 201, created.json()
    sequence_id = created.json()["id"]
    assert [len(step["variants"]) for step in created.json()["steps"]] == [2, 1]

    started = auth_client.post(f"/api/sequences/{sequence_id}/start/")
    assert started.status_code == 200
    assert started.json()["status"] == "active"
    assert Enrollment.objects.filter(sequence_id=sequence_id).count() == 3
    # The step campaigns are not listed among the user's campaigns.
    assert Campaign.objects.filter(user=user, kind=Campaign.Kind.SEQUENCE_STEP).count() == 3
    assert auth_client.get("/api/campaigns/").json()["count"] == 0

    assert auth_client.post(f"/api/sequences/{sequence_id}/start/").status_code == 409
    assert auth_client.post(f"/api/sequences/{sequence_id}/pause/").json()["status"] == "paused"
    assert auth_client.post(f"/api/sequences/{sequence_id}/pause/").status_code == 409
    assert auth_client.post(f"/api/sequences/{sequence_id}/resume/").json()["status"] == "active"
    changed = auth_client.patch(f"/api/sequences/{sequence_id}/", {"steps": []}, format="json")
    assert changed.status_code == 409


def test_add_and_remove_leads_and_filter_enrollments(auth_client, user):
    leads = [LeadFactory(user=user) for _ in range(2)]
    sequence_id = auth_client.post("/api/sequences/", body(user, leads), format="json").json()["id"]
    auth_client.post(f"/api/sequences/{sequence_id}/start/")
    newcomer = LeadFactory(user=user)
    added = auth_client.post(
        f"/api/sequences/{sequence_id}/add-leads/", {"lead_ids": [str(newcomer.pk)]}, format="json"
    )
    assert added.json() == {"changed": 1}
    removed = auth_client.post(
        f"/api/sequences/{sequence_id}/remove-leads/", {"lead_ids": [str(leads[0].pk)]}, format="json"
    )
    assert removed.json() == {"changed": 1}
    stopped = auth_client.get(f"/api/sequences/{sequence_id}/enrollments/?state=stopped&stop_reason=manual").json()
    assert [row["lead"] for row in stopped["results"]] == [str(leads[0].pk)]
    assert auth_client.get(f"/api/sequences/{sequence_id}/enrollments/?state=active").json()["count"] == 2
    bad = auth_client.get(f"/api/sequences/{sequence_id}/enrollments/?state=sleeping")
    assert bad.status_code == 400 and "state" in bad.json()["fields"]
    assert auth_client.get(f"/api/sequences/{sequence_id}/enrollments/?colour=red").status_code == 400
    stats = auth_client.get(f"/api/sequences/{sequence_id}/stats/").json()
    assert stats["enrollments"] == 3
    assert stats["by_stop_reason"]["manual"] == 1


def test_invalid_sequences_are_400(auth_client, user):
    leads = [LeadFactory(user=user)]
    wrong_sum = body(user, leads)
    wrong_sum["steps"][0]["variants"][1]["percent"] = 10
    answer = auth_client.post("/api/sequences/", wrong_sum, format="json")
    assert answer.status_code == 400 and "steps" in answer.json()["fields"]
    assert (
        auth_client.post("/api/sequences/", body(user, leads, timezone="Mars/Olympus"), format="json").status_code
        == 400
    )
    window = body(user, leads, window_start="18:00", window_end="09:00")
    assert auth_client.post("/api/sequences/", window, format="json").status_code == 400
    assert auth_client.post("/api/sequences/", body(user, leads, window_days=[7]), format="json").status_code == 400


def test_start_without_steps_is_409(auth_client, user):
    lead_list = lead_list_with(user, [LeadFactory(user=user)])
    created = auth_client.post(
        "/api/sequences/", {"name": "빈 시퀀스", "leadlists": [str(lead_list.pk)]}, format="json"
    )
    assert auth_client.post(f"/api/sequences/{created.json()['id']}/start/").status_code == 409


def test_another_users_sequence_is_404(auth_client, user, django_user_model):
    stranger = django_user_model.objects.create_user(email="other@example.com", password="pw-123456789")
    sequence = Sequence.objects.create(user=stranger, name="남의 것")
    assert auth_client.get(f"/api/sequences/{sequence.pk}/").status_code == 404
    assert auth_client.post(f"/api/sequences/{sequence.pk}/start/").status_code == 404
    assert auth_client.get(f"/api/sequences/{sequence.pk}/stats/").status_code == 404


def test_mailbox_defaults_and_limits(auth_client, settings):
    created = auth_client.post(
        "/api/mailboxes/", {"email": "Sales@Seller.co.kr", "display_name": "영업"}, format="json"
    )
    assert created.status_code == 201, created.json()
    mailbox = created.json()
    assert (mailbox["email"], mailbox["daily_cap"], mailbox["hourly_cap"]) == ("sales@seller.co.kr", 100, 20)
    assert mailbox["daily_cap_today"] == 20  # the first day of its warm-up
    again = auth_client.post("/api/mailboxes/", {"email": "sales@seller.co.kr"}, format="json")
    assert again.status_code == 400
    too_high = auth_client.post("/api/mailboxes/", {"email": "b@seller.co.kr", "daily_cap": 10**6}, format="json")
    assert too_high.status_code == 400 and "daily_cap" in too_high.json()["fields"]
    settings.MAILBOXES_PER_USER = 1
    assert auth_client.post("/api/mailboxes/", {"email": "c@seller.co.kr"}, format="json").status_code == 400
