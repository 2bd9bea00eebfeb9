"""The settle (sending → sent) is a HOT update, and a sent row is still found by every lookup that
the tracking webhooks and reply matching make: by provider message id + recipient, by Message-ID."""

import pytest
from django.db import connection

from apps.campaigns.models import CampaignLeadResult, CampaignProviderRequest
from apps.campaigns.services import campaign_start
from apps.tracking.models import InboundMessage, TrackingEvent
from apps.tracking.services import events_ingest, inbound_message_receive, new_event
from services.email.tracking import InboundMail

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db


def _result_updates() -> tuple[int, int]:
    """Updates of the result table in this transaction (the test's): all, and HOT ones."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'campaigns_campaignleadresult'"
        )
        return cursor.fetchone()


def test_sending_updates_result_rows_in_place_only(user, fake_sendgrid, send, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    leads = [LeadFactory(user=user) for _ in range(5)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    before, hot_before = _result_updates()

    send(campaign_start, campaign=campaign)

    after, hot_after = _result_updates()
    assert CampaignLeadResult.objects.filter(campaign=campaign, status="sent").count() == 5
    # Each row is claimed and settled: at least 10 updates, none of which touched an index.
    assert after - before >= 10
    assert hot_after - hot_before == after - before


def test_a_sent_row_is_found_by_provider_id_and_recipient_and_by_message_id(user, fake_sendgrid, send, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    leads = [LeadFactory(user=user) for _ in range(3)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    send(campaign_start, campaign=campaign)
    results = list(CampaignLeadResult.objects.filter(campaign=campaign).order_by("chunk", "email"))
    # One request row per provider request: chunks of 2 and 1.
    assert CampaignProviderRequest.objects.filter(campaign=campaign).count() == fake_sendgrid.request_count == 2
    first, second = [r for r in results if r.chunk == results[0].chunk]
    assert first.provider_message_id == second.provider_message_id

    # An event without our custom args names the request's id and the recipient (in another case).
    event = new_event(
        kind=TrackingEvent.Kind.OPEN,
        source="sendgrid",
        email=second.email.upper(),
        provider_message_ids=[second.provider_message_id],
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
    )
    events_ingest(events=[event])
    assert TrackingEvent.objects.get().result_id == second.id
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("sent", "opened")

    reply = inbound_message_receive(
        mail=InboundMail(provider="sendgrid", from_email=first.email, subject="Re: 제안", in_reply_to=first.message_id)
    )
    assert reply.result_id == first.id and reply.matched_by == InboundMessage.MatchedBy.MESSAGE_ID
