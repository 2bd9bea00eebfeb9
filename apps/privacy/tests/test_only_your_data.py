"""Issue 22's review: a user's export and erase read and change that user's data only, match the
whole address (not a longer one containing it), an erase stops only that user's mail, an erase fails a
pending export of the person, and the ZIP's file names are safe."""

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tests.factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients
from apps.clients.tests.factories import (
    ClientEmailAttachmentFactory,
    ClientEmailFactory,
    ClientFactory,
    campaign_for,
    campaign_result,
)
from apps.consent.selectors import consent_refusals
from apps.leads.models import Lead
from apps.mail.models import OutboxMessage
from apps.mail.suppression import suppression_reasons
from apps.privacy import services
from apps.privacy.models import PrivacyRequest
from apps.privacy.services import privacy_erase, privacy_export_request, privacy_export_run
from apps.tasks.models import Task, TaskReminder
from apps.tasks.tests.factories import TaskFactory
from apps.tracking.models import InboundMessage
from apps.workflows.models import NodeRun, WorkflowExecution
from apps.workflows.tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db
ADDRESS = "kim@corp.kr"


def _theirs(other_user):
    """Rows of the address that are not the user's: another customer's, or nobody's yet."""
    InboundMessage.objects.create(
        provider="mailgun", status="unmatched", from_email=ADDRESS, text="문의", received_at=timezone.now()
    )
    OutboxMessage.objects.create(
        to_email=ADDRESS, from_email="no-reply@salesone.kr", subject="비밀번호 재설정", message_id="<reset-1@x>"
    )
    other_campaign = campaign_for(other_user)
    OutboxMessage.objects.create(
        to_email=ADDRESS,
        from_email="b@other.kr",
        subject="(광고) 다른 회사",
        message_id="<other-1@x>",
        custom_args={"campaign_id": str(other_campaign.pk)},
    )
    task = TaskFactory(created_by=other_user, name="회신 확인", workflow_data={"to": ADDRESS})
    TaskReminder.objects.create(task=task, sent_on=timezone.localdate(), kind="overdue", recipient=ADDRESS)
    execution = WorkflowExecution.objects.create(
        workflow=WorkflowFactory(user=other_user), input_data={"to": ADDRESS}, output_data={"sent": [ADDRESS]}
    )
    NodeRun.objects.create(execution=execution, node_id="n1", node_type="send_email", input={"to": ADDRESS})
    export = PrivacyRequest.objects.create(
        user=other_user, kind="export", status="done", subject_hash=services.address_hash(ADDRESS)
    )
    export.file.save("theirs.zip", ContentFile(b"PK"), save=True)
    return {"task": task, "execution": execution, "export": export}


def _export_zip(user, email) -> zipfile.ZipFile:
    request = privacy_export_request(user=user, email=email, max_open=5)
    done = privacy_export_run(request_id=request.pk)
    assert done.status == "done", done.error
    with done.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_export_shows_none_of_another_customers_rows(user, other_user):
    _theirs(other_user)
    campaign = campaign_for(user)
    campaign_result(campaign, ADDRESS, "sent", timezone.now())
    OutboxMessage.objects.create(
        to_email=ADDRESS,
        from_email="a@mine.kr",
        subject="(광고) 우리 회사",
        message_id="<mine-1@x>",
        custom_args={"campaign_id": str(campaign.pk)},
    )

    archive = _export_zip(user, ADDRESS)
    assert json.loads(archive.read("replies.json")) == []  # the unmatched message is nobody's yet
    outbox = json.loads(archive.read("outbox_messages.json"))
    assert [row["fields"]["subject"] for row in outbox] == ["(광고) 우리 회사"]
    assert json.loads(archive.read("tasks.json")) == []
    assert json.loads(archive.read("workflow_executions.json")) == []


def test_erase_leaves_another_customers_rows_alone(user, other_user):
    theirs = _theirs(other_user)
    LeadFactory(user=user, email=ADDRESS)

    erased = privacy_erase(user=user, email=ADDRESS)

    assert erased.counts["replies"] == 0 and erased.counts["outbox_messages"] == 0
    assert InboundMessage.objects.filter(from_email=ADDRESS).exists()
    assert OutboxMessage.objects.filter(to_email=ADDRESS).count() == 2
    assert TaskReminder.objects.filter(recipient=ADDRESS).exists()
    assert Task.objects.get(pk=theirs["task"].pk).workflow_data == {"to": ADDRESS}
    execution = WorkflowExecution.objects.get(pk=theirs["execution"].pk)
    assert (execution.input_data, execution.output_data) == ({"to": ADDRESS}, {"sent": [ADDRESS]})
    assert NodeRun.objects.get(execution=execution).input == {"to": ADDRESS}
    theirs["export"].refresh_from_db()
    assert theirs["export"].file  # another user's export is theirs to keep


def test_an_erase_stops_only_the_erasing_users_mail(user, other_user):
    LeadFactory(user=user, email=ADDRESS)
    privacy_erase(user=user, email=ADDRESS)

    assert suppression_reasons([ADDRESS], user_id=user.pk) == {ADDRESS: "erased"}
    assert suppression_reasons([ADDRESS], user_id=other_user.pk) == {}
    assert consent_refusals(user_id=user.pk, emails=[ADDRESS]) == {ADDRESS: "erased"}
    assert consent_refusals(user_id=other_user.pk, emails=[ADDRESS]) == {ADDRESS: "no_consent"}
    for owner, status in ((user, "failed"), (other_user, "pending")):
        lead = LeadFactory(user=owner, email=ADDRESS)
        campaign = CampaignFactory(user=owner, leadlists=[lead_list_with(owner, [lead])], is_advertising=False)
        write_recipients(campaign)
        assert CampaignLeadResult.objects.get(campaign=campaign).status == status


def test_an_opt_out_stays_in_force_for_everybody_after_an_erase(user, other_user):
    from apps.mail.models import SuppressedAddress

    SuppressedAddress.objects.create(email=ADDRESS, reason="unsubscribed")
    privacy_erase(user=user, email=ADDRESS)
    assert not SuppressedAddress.objects.filter(email=ADDRESS).exists()
    assert suppression_reasons([ADDRESS], user_id=other_user.pk) == {ADDRESS: "unsubscribed"}


def test_the_whole_address_is_matched_not_a_longer_one(user):
    jkim = LeadFactory(user=user, email="jkim@corp.kr")
    client = ClientFactory(user=user, emails=["jkim@corp.kr", ADDRESS])
    body = "jkim@corp.kr 와 kim@corp.kr에게 전화"
    task = TaskFactory(created_by=user, body=body, workflow_data={"to": "jkim@corp.kr"})
    ClientEmailFactory(client=client, to_email="jkim@corp.kr")

    erased = privacy_erase(user=user, email=ADDRESS)

    assert Lead.objects.filter(pk=jkim.pk).exists()
    assert erased.counts["client_emails"] == 0
    task.refresh_from_db()
    assert task.body == "jkim@corp.kr 와 [erased]에게 전화" and task.workflow_data == {"to": "jkim@corp.kr"}
    client.refresh_from_db()
    assert client.emails == ["jkim@corp.kr"]


def test_an_erase_fails_a_queued_export_of_the_person(user):
    export = privacy_export_request(user=user, email=ADDRESS, max_open=5)
    privacy_erase(user=user, email=ADDRESS)
    export.refresh_from_db()
    assert (export.status, export.subject_email) == ("failed", "")
    assert privacy_export_run(request_id=export.pk) is None
    export.refresh_from_db()
    assert not export.file


def test_an_erase_while_the_export_runs_leaves_no_zip(user, monkeypatch):
    LeadFactory(user=user, email=ADDRESS)
    export = privacy_export_request(user=user, email=ADDRESS, max_open=5)
    build = services._export_archive

    def erased_meanwhile(request):
        built = build(request)
        privacy_erase(user=user, email=ADDRESS)  # lands after the ZIP is built, before it is saved
        return built

    monkeypatch.setattr(services, "_export_archive", erased_meanwhile)
    done = privacy_export_run(request_id=export.pk)
    export.refresh_from_db()
    assert done.status == export.status == "failed"
    assert not export.file and export.subject_email == ""


def test_zip_entry_names_are_sanitised(user):
    client = ClientFactory(user=user, emails=[ADDRESS])
    logged = ClientEmailFactory(client=client, to_email=ADDRESS)
    attachment = ClientEmailAttachmentFactory(email=logged, name="../../etc/cron.d/견적 서.pdf")
    archive = _export_zip(user, ADDRESS)
    files = [name for name in archive.namelist() if name.startswith("files/")]
    assert files == [f"files/{attachment.pk}-견적_서.pdf"]


def test_erase_is_rate_limited(auth_client, settings):
    settings.PRIVACY_ERASE_RATE = "2/hour"
    for number in range(2):
        assert auth_client.post("/api/privacy/erase/", {"email": f"{number}@corp.kr"}, format="json").status_code == 200
    third = auth_client.post("/api/privacy/erase/", {"email": "2@corp.kr"}, format="json")
    assert third.status_code == 429 and third.json()["code"] == "throttled"
    assert PrivacyRequest.objects.filter(kind="erase").count() == 2
