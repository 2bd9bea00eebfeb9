"""POST /api/privacy/erase/ (개인정보보호법 제36조): the person is erased from every table of the user's
data in one transaction; only the hash of the address remains (on the suppression list, and in the
audit entry); campaign counts stay; the address is never mailed again."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.selectors import campaign_totals
from apps.campaigns.tests.factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients
from apps.clients.models import ClientNote
from apps.clients.tests.factories import (
    ClientEmailAttachmentFactory,
    ClientEmailFactory,
    ClientFactory,
    ClientNoteFactory,
    campaign_for,
    campaign_result,
    tracking_event,
)
from apps.consent.models import ConsentEvent
from apps.consent.services import consent_grant
from apps.leads.models import Lead
from apps.mail.models import OutboxMessage, SuppressedAddress
from apps.mail.suppression import address_hash, erased_key, suppression_reasons
from apps.opportunities.tests.factories import OpportunityFactory
from apps.privacy.models import PrivacyRequest
from apps.tasks.models import TaskReminder
from apps.tasks.tests.factories import TaskFactory
from apps.tracking.models import InboundMessage
from apps.workflows.models import NodeRun, WorkflowExecution
from apps.workflows.tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db
ADDRESS = "kim.minjun@nexpa.co.kr"
SHOUTED = "Kim.Minjun@NEXPA.co.kr"


def _seed_everything(user):
    """The address in every table that can hold it, in the ways each holds it."""
    lead = LeadFactory(user=user, email=SHOUTED, owner="김민준", phone="010-1234-5678")
    lead_list = lead_list_with(user, [lead, LeadFactory(user=user)])
    campaign = campaign_for(user)
    result = campaign_result(
        campaign, SHOUTED, "clicked", timezone.now(), lead=lead, data={"greeting": f"{ADDRESS} 님"}
    )
    result.opened_at = result.clicked_at = timezone.now()
    result.save()
    campaign_result(campaign, "other@nexpa.co.kr", "sent", timezone.now())
    tracking_event(result, "open", timezone.now(), ip="203.0.113.9", user_agent="Mozilla/5.0 (Macintosh)")
    tracking_event(result, "click", timezone.now(), raw={"email": ADDRESS, "event": "click"}, url="https://a.kr/x")
    InboundMessage.objects.create(
        provider="mailgun",
        status="matched",
        result=result,
        from_email=f"김민준 <{ADDRESS}>",
        text=f"회신드립니다. {ADDRESS}",
        received_at=timezone.now(),
    )
    consent_grant(user=user, email=ADDRESS, basis="opt_in_form", notify=False)
    OutboxMessage.objects.create(
        to_email=ADDRESS,
        from_email="a@salesone.kr",
        subject="(광고) 안내",
        message_id=f"<{ADDRESS}-1@x>",
        custom_args={"campaign_id": str(campaign.pk)},
    )
    SuppressedAddress.objects.create(email=ADDRESS, reason="unsubscribed")
    client = ClientFactory(user=user, emails=[SHOUTED, "office@nexpa.co.kr"])
    ClientNoteFactory(client=client, title="통화", content=f"담당자 {ADDRESS} 에게 견적 전달")
    ClientNoteFactory(client=client, title="개인 메모", content=f"{ADDRESS} 휴대폰 010-1234-5678", is_private=True)
    logged = ClientEmailFactory(client=client, to_email=ADDRESS, content="견적서 첨부")
    ClientEmailAttachmentFactory(email=logged)
    task = TaskFactory(
        created_by=user, name=f"{ADDRESS} 회신 확인", body=f"{SHOUTED}에게 전화", workflow_data={"to": ADDRESS}
    )
    TaskReminder.objects.create(task=task, sent_on=dt.date(2026, 12, 1), kind="overdue", recipient=ADDRESS)
    execution = WorkflowExecution.objects.create(
        workflow=WorkflowFactory(user=user),
        input_data={"lead": {"email": ADDRESS}},
        output_data={"sent": [ADDRESS]},
        error_message=f"bounce from {ADDRESS}",
    )
    NodeRun.objects.create(
        execution=execution, node_id="n1", node_type="send_email", input={"to": ADDRESS}, error=f"{ADDRESS}?"
    )
    opportunity = OpportunityFactory(user=user, lead=lead)
    return {"lead": lead, "lead_list": lead_list, "campaign": campaign, "opportunity": opportunity}


def _tables_holding(text: str) -> list[str]:
    """Every column of every table of ours whose value contains ``text`` (case-insensitive)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'ARRAY')"""
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            cursor.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s', [f"%{text}%"])
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
        return found


def test_erase_leaves_nothing_but_the_hash(user, auth_client):
    seeded = _seed_everything(user)
    totals_before = campaign_totals(campaign=seeded["campaign"])
    assert "leads_lead.email" in _tables_holding(ADDRESS)  # the scan finds what is there

    response = auth_client.post(
        "/api/privacy/erase/", {"email": SHOUTED, "reason": "정보주체 삭제 요구"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["kind"] == "erase" and body["status"] == "done" and body["subject_hash"] == address_hash(ADDRESS)
    assert body["counts"]["leads"] == 1 and body["counts"]["replies"] == 1

    assert _tables_holding(ADDRESS) == []
    assert _tables_holding("010-1234-5678") == []  # the lead's personal phone went with it
    assert not ClientNote.objects.filter(content__contains=ADDRESS).exists()  # encrypted notes, read back
    assert not [n for n in ClientNote.objects.all() if ADDRESS in n.content]
    assert not InboundMessage.objects.exists()
    # What remains: hashes, on the suppression list and in the audit entry. The address's opt-out
    # stays in force for everybody, by the hash of the address.
    assert SuppressedAddress.objects.get(email=erased_key(ADDRESS, user_id=user.pk)).reason == "erased"
    assert SuppressedAddress.objects.get(email=address_hash(ADDRESS)).reason == "unsubscribed"
    audit = PrivacyRequest.objects.get()
    assert (audit.user, audit.kind, audit.reason) == (user, "erase", "정보주체 삭제 요구")
    assert audit.completed_at is not None
    # Aggregates: the campaign counts what it sent, opened and clicked as before.
    assert campaign_totals(campaign=seeded["campaign"]) == totals_before
    seeded["lead_list"].refresh_from_db()
    assert seeded["lead"].pk not in seeded["lead_list"].lead_ids and len(seeded["lead_list"].lead_ids) == 1
    seeded["opportunity"].refresh_from_db()
    assert seeded["opportunity"].lead is None


def test_an_erased_address_is_never_mailed_again(user, auth_client):
    LeadFactory(user=user, email=ADDRESS)
    assert auth_client.post("/api/privacy/erase/", {"email": ADDRESS}, format="json").status_code == 200
    # Imported again later, with consent recorded: still never mailed, advertising or not.
    for advertising in (True, False):
        lead = LeadFactory(user=user, email=SHOUTED)
        campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [lead])], is_advertising=advertising)
        write_recipients(campaign)
        row = CampaignLeadResult.objects.get(campaign=campaign)
        assert row.status == "failed" and "(erased)" in row.error_message
        Lead.objects.filter(pk=lead.pk).delete()
    assert suppression_reasons([ADDRESS], user_id=user.pk) == {ADDRESS: "erased"}  # the sender's last check too


def test_erase_by_lead_and_only_your_data(user, other_user, auth_client, other_client):
    lead = LeadFactory(user=user, email=ADDRESS)
    theirs = LeadFactory(user=other_user, email=ADDRESS)
    assert other_client.post("/api/privacy/erase/", {"lead": str(lead.pk)}, format="json").status_code == 400
    assert auth_client.post("/api/privacy/erase/", {"lead": str(lead.pk)}, format="json").status_code == 200
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert Lead.objects.filter(pk=theirs.pk).exists()
    assert ConsentEvent.objects.filter(user=other_user, email=ADDRESS).exists()
    assert auth_client.get("/api/privacy/requests/").json()["count"] == 1
    assert other_client.get("/api/privacy/requests/").json()["count"] == 0


def test_email_or_lead_not_both_nor_neither(auth_client, user):
    lead = LeadFactory(user=user)
    assert auth_client.post("/api/privacy/erase/", {}, format="json").status_code == 400
    both = auth_client.post("/api/privacy/erase/", {"email": ADDRESS, "lead": str(lead.pk)}, format="json")
    assert both.status_code == 400 and "email" in both.json()["fields"]
    assert not PrivacyRequest.objects.exists()
