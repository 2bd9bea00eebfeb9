import pytest

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.selectors import campaign_totals
from apps.tracking.models import InboundMessage, TrackingEvent

from .factories import ResultFactory

pytestmark = pytest.mark.django_db


def test_staff_matching_an_unmatched_mail_marks_the_result_replied(client, settings):
    settings.TRACKING_INBOUND_SECRET = "s3cret-inbound"
    result = ResultFactory()
    client.post(
        "/api/webhooks/sendgrid/inbound/s3cret-inbound/",
        {"headers": "From: ceo@nexpa.co.kr\nSubject: 문의\nMessage-ID: <x1@mail>\n", "from": "ceo@nexpa.co.kr",
         "to": "sales@salesone.kr", "subject": "문의", "text": "전화 주세요"},
    )  # fmt: skip
    message = InboundMessage.objects.get(status="unmatched")

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/tracking/inboundmessage/?status__exact=unmatched").status_code == 200
    response = client.post(f"/admin/tracking/inboundmessage/{message.id}/change/", {"result": str(result.id)})
    assert response.status_code == 302, response.content.decode()[:2000]

    message.refresh_from_db()
    assert (message.status, message.matched_by, message.result_id) == ("matched", "manual", result.id)
    result.refresh_from_db()
    assert result.status == CampaignLeadResult.Status.REPLIED and result.replied_at == message.received_at


def test_admin_lists_events(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    for url in ("/admin/tracking/trackingevent/", "/admin/tracking/webhooktoken/", "/admin/tracking/inboundmessage/"):
        assert client.get(url).status_code == 200


def test_staff_moving_a_matched_reply_to_another_result_moves_the_reply(client, settings):
    """A reply the parse matched to the wrong row (a forwarded thread names the colleague's message) moved by
    staff to the row of whoever wrote it: that row is replied, the wrong one no longer, and the campaign counts
    one reply. (Until 2026-12-07 the reply event was keyed by the message alone: the move stored none for the
    right row; the review of the first fix found the wrong row still counted, two replies for one message.)"""
    settings.TRACKING_INBOUND_SECRET = "s3cret-inbound"
    wrong = ResultFactory()
    right = ResultFactory(campaign=wrong.campaign)
    wrong_id = f"<{wrong.id}@salesone.kr>"
    CampaignLeadResult.objects.filter(pk=wrong.pk).update(message_id=wrong_id)
    client.post(
        "/api/webhooks/sendgrid/inbound/s3cret-inbound/",
        {"headers": f"From: ceo@nexpa.co.kr\nSubject: Re: 제안\nMessage-ID: <x2@mail>\nIn-Reply-To: {wrong_id}\n",
         "from": "ceo@nexpa.co.kr", "to": "sales@salesone.kr", "subject": "Re: 제안", "text": "전화 주세요"},
    )  # fmt: skip
    message = InboundMessage.objects.get()
    assert message.result_id == wrong.id

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(f"/admin/tracking/inboundmessage/{message.id}/change/", {"result": str(right.id)})
    assert response.status_code == 302, response.content.decode()[:2000]

    right.refresh_from_db()
    assert right.status == CampaignLeadResult.Status.REPLIED and right.replied_at == message.received_at
    wrong.refresh_from_db()
    assert (wrong.status, wrong.replied_at) == (CampaignLeadResult.Status.SENT, None)
    assert list(TrackingEvent.objects.filter(kind=TrackingEvent.Kind.REPLY).values_list("result", flat=True)) == [
        right.id
    ]
    assert campaign_totals(campaign=wrong.campaign)["replied"] == 1


def test_staff_cannot_delete_a_tracking_event(client):
    """The events are the history a result is computed from and what a sequence's stops read: a deleted bounce
    would leave its row 'bounced' (a result's timestamps only move forward) and its lead written to again."""
    result = ResultFactory()
    event = TrackingEvent.objects.create(
        result=result, campaign=result.campaign, kind="bounce", occurred_at=result.created_at, source="sendgrid",
        event_key="sendgrid:blocked-1",
    )  # fmt: skip
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.post(f"/admin/tracking/trackingevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = client.post(
        "/admin/tracking/trackingevent/", {"action": "delete_selected", "_selected_action": [str(event.pk)]}
    )
    assert changelist.status_code in (200, 302)
    assert TrackingEvent.objects.filter(pk=event.pk).exists()


def test_a_campaign_deleted_in_the_admin_takes_its_events_with_it(client):
    """Events are refused a delete of their own, not the delete of what they belong to: the admin asks the event
    admin's permission for every event a campaign's delete cascades to."""
    result = ResultFactory()
    TrackingEvent.objects.create(
        result=result, campaign=result.campaign, kind="open", occurred_at=result.created_at, source="pixel",
        event_key="pixel:1",
    )  # fmt: skip
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/campaigns/campaign/{result.campaign.pk}/delete/"

    confirm = client.get(url)
    assert confirm.status_code == 200 and b"permission to delete" not in confirm.content
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not TrackingEvent.objects.exists()
