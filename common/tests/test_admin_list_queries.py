"""Every admin list page runs the same number of queries for 3 rows as for 30 (no query per row: the
related objects its columns and row titles name come with list_select_related or an annotation).

Each registered model of ours has a row builder below; a model added to the admin without one fails
``test_every_admin_has_a_row_builder``, so the check cannot silently skip it.
"""

import itertools
import uuid
from datetime import UTC, date, datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import CampaignProviderRequest, ReportEmail
from apps.campaigns.tests.factories import CampaignFactory, CampaignTemplateFactory
from apps.clients.tests.factories import (
    ClientActivityFactory,
    ClientEmailAttachmentFactory,
    ClientEmailFactory,
    ClientFactory,
    ClientFileFactory,
    ClientNoteFactory,
    ClientProductFactory,
)
from apps.consent.models import ConsentEvent
from apps.deliverability.models import ComplaintPause, SenderDomain
from apps.intelligence.models import (
    DuplicateSuggestion,
    EnrichmentRun,
    IdealCustomerProfile,
    LeadFieldSource,
    LeadHygiene,
    LeadScore,
)
from apps.leads.tests.factories import LeadFactory, LeadListFactory
from apps.mail.mailboxes import mailbox_defaults
from apps.mail.models import Mailbox, MailboxSendCount, OutboxMessage, SuppressedAddress
from apps.opportunities.models import OpportunityStatusChange
from apps.opportunities.tests.factories import OpportunityFactory
from apps.privacy.models import PrivacyRequest
from apps.products.tests.factories import ProductFactory
from apps.salesone_leads.models import ImportJob
from apps.salesone_leads.tests.factories import IndustryFactory, KeywordFactory, SalesOneLeadFactory
from apps.sequences.models import Enrollment, Sequence, SequenceStep, SequenceVariant
from apps.tasks.models import TaskReminder, TaskReminderPreference
from apps.tasks.tests.factories import TaskFactory
from apps.tracking.models import InboundMessage, TrackingEvent, WebhookToken
from apps.tracking.tests.factories import ResultFactory
from apps.workflows.models import WorkflowExecution
from apps.workflows.tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
_n = itertools.count()


def _campaign(owner):
    return CampaignFactory(user=owner, template=CampaignTemplateFactory(user=owner))


def _result(owner):
    return ResultFactory(campaign=_campaign(owner), lead=LeadFactory(user=owner))


def _sequence_enrollment(owner):
    """An enrolment sent its first step: the result row of the step's variant campaign."""
    result = _result(owner)
    sequence = Sequence.objects.create(user=owner, name=f"시퀀스 {next(_n)}")
    step = SequenceStep.objects.create(sequence=sequence, order=0)
    SequenceVariant.objects.create(step=step, template=result.campaign.template, campaign=result.campaign)
    return Enrollment.objects.create(
        sequence=sequence, lead=result.lead, email=f"lead{next(_n)}@example.kr", current_step=1
    )


# One row of each model, owned by ``owner``, each with its own related objects.
BUILDERS = {
    "accounts.User": lambda owner: UserFactory(),
    "campaigns.CampaignTemplate": lambda owner: CampaignTemplateFactory(user=owner),
    "campaigns.Campaign": _campaign,
    "campaigns.CampaignLeadResult": _result,
    "campaigns.ReportEmail": lambda owner: ReportEmail.objects.create(
        kind=ReportEmail.Kind.CAMPAIGN_COMPLETED, subject_id=uuid.uuid4(), recipient=owner.email
    ),
    "campaigns.CampaignProviderRequest": lambda owner: CampaignProviderRequest.objects.create(
        provider_message_id=uuid.uuid4().hex, campaign=_campaign(owner), chunk=0
    ),
    "clients.Client": lambda owner: ClientFactory(user=owner),
    "clients.ClientNote": lambda owner: ClientNoteFactory(client=ClientFactory(user=owner)),
    "clients.ClientFile": lambda owner: ClientFileFactory(client=ClientFactory(user=owner)),
    "clients.ClientProduct": lambda owner: ClientProductFactory(client=ClientFactory(user=owner)),
    "clients.ClientActivity": lambda owner: ClientActivityFactory(client=ClientFactory(user=owner)),
    "clients.ClientEmail": lambda owner: ClientEmailFactory(client=ClientFactory(user=owner)),
    "clients.ClientEmailAttachment": lambda owner: ClientEmailAttachmentFactory(
        email=ClientEmailFactory(client=ClientFactory(user=owner))
    ),
    "consent.ConsentEvent": lambda owner: ConsentEvent.objects.create(
        user=owner, email=f"ceo{next(_n)}@example.kr", kind="granted", basis="opt_in_form", occurred_at=NOW, actor=owner
    ),
    "deliverability.SenderDomain": lambda owner: (
        ComplaintPause.objects.create(
            sender_domain=SenderDomain.objects.create(domain=f"mail{next(_n)}.example.kr"),
            campaign=_campaign(owner),
            complaint_rate=0.002,
            complaint_count=2,
            complaint_sent=1000,
        ).sender_domain
    ),
    "leads.Lead": lambda owner: LeadFactory(user=owner, industry=IndustryFactory()),
    "leads.LeadList": lambda owner: LeadListFactory(user=owner, lead_ids=[LeadFactory(user=owner).id]),
    "mail.OutboxMessage": lambda owner: OutboxMessage.objects.create(
        to_email="ceo@example.kr", from_email="sales@salesone.kr", subject="안내", message_id=f"<{uuid.uuid4()}@x>"
    ),
    "mail.SuppressedAddress": lambda owner: SuppressedAddress.objects.create(
        email=f"gone{next(_n)}@example.kr", reason=SuppressedAddress.Reason.BOUNCED
    ),
    "opportunities.Opportunity": lambda owner: OpportunityFactory(user=owner, lead=LeadFactory(user=owner)),
    "opportunities.OpportunityStatusChange": lambda owner: OpportunityStatusChange.objects.create(
        opportunity=OpportunityFactory(user=owner), to_status="new", user=owner
    ),
    "privacy.PrivacyRequest": lambda owner: PrivacyRequest.objects.create(
        user=owner, kind="erase", status="done", subject_hash=f"sha256:{next(_n)}"
    ),
    "products.Product": lambda owner: ProductFactory(created_by=owner),
    "salesone_leads.Industry": lambda owner: IndustryFactory(),
    "salesone_leads.Keyword": lambda owner: KeywordFactory(),
    "salesone_leads.SalesOneLead": lambda owner: SalesOneLeadFactory(),
    "salesone_leads.ImportJob": lambda owner: ImportJob.objects.create(
        user=owner, total=10, lead_list=LeadListFactory(user=owner)
    ),
    "tasks.Task": lambda owner: TaskFactory(created_by=owner, client=ClientFactory(user=owner)),
    "tasks.TaskReminderPreference": lambda owner: TaskReminderPreference.objects.create(
        user=UserFactory(), lead_days=1
    ),
    "tasks.TaskReminder": lambda owner: TaskReminder.objects.create(
        task=TaskFactory(created_by=owner), sent_on=date(2026, 3, 2), kind="overdue", recipient="me@example.kr"
    ),
    "tracking.TrackingEvent": lambda owner: TrackingEvent.objects.create(
        result=(result := _result(owner)),
        campaign=result.campaign,
        kind=TrackingEvent.Kind.OPEN,
        occurred_at=NOW,
        source=TrackingEvent.Source.PIXEL,
        event_key=uuid.uuid4().hex,
    ),
    "tracking.InboundMessage": lambda owner: InboundMessage.objects.create(
        provider="mailgun", result=_result(owner), status=InboundMessage.Status.MATCHED, received_at=NOW
    ),
    "tracking.WebhookToken": lambda owner: WebhookToken.objects.create(
        provider="mailgun", token=uuid.uuid4().hex, signed_at=NOW
    ),
    "intelligence.EnrichmentRun": lambda owner: EnrichmentRun.objects.create(
        user=owner, lead=LeadFactory(user=owner), trigger=EnrichmentRun.Trigger.MANUAL
    ),
    "intelligence.LeadFieldSource": lambda owner: LeadFieldSource.objects.create(
        lead=LeadFactory(user=owner), field="owner", provider="salesone_db", filled_at=NOW
    ),
    "intelligence.IdealCustomerProfile": lambda owner: IdealCustomerProfile.objects.create(user=UserFactory()),
    "intelligence.LeadScore": lambda owner: LeadScore.objects.create(
        lead=LeadFactory(user=owner), score=10, scored_at=NOW
    ),
    "intelligence.LeadHygiene": lambda owner: LeadHygiene.objects.create(
        lead=LeadFactory(user=owner), issues=[], checked_at=NOW
    ),
    "intelligence.DuplicateSuggestion": lambda owner: DuplicateSuggestion.objects.create(
        user=owner, lead_a=LeadFactory(user=owner), lead_b=LeadFactory(user=owner), reason="same name and region"
    ),
    "mail.Mailbox": lambda owner: Mailbox.objects.create(
        user=owner, email=f"sales{next(_n)}@example.kr", **mailbox_defaults()
    ),
    "mail.MailboxSendCount": lambda owner: MailboxSendCount.objects.create(
        mailbox=Mailbox.objects.create(user=owner, email=f"sales{next(_n)}@example.kr", **mailbox_defaults()),
        minute=NOW,
        count=3,
    ),
    "sequences.Sequence": lambda owner: _sequence_enrollment(owner).sequence,
    "sequences.SequenceVariant": lambda owner: _sequence_enrollment(owner).sequence.steps.get().variants.get(),
    "sequences.Enrollment": _sequence_enrollment,
    "workflows.Workflow": lambda owner: WorkflowFactory(user=owner),
    "workflows.WorkflowExecution": lambda owner: WorkflowExecution.objects.create(
        workflow=WorkflowFactory(user=owner), task=TaskFactory(created_by=owner)
    ),
}
REGISTERED = [
    pytest.param(model, id=model._meta.label)
    for model in admin.site._registry
    if model._meta.app_config.name.startswith("apps.")
]


def test_every_admin_has_a_row_builder():
    assert {
        model._meta.label for model in admin.site._registry if model._meta.app_config.name.startswith("apps.")
    } <= set(BUILDERS)


def list_queries(client, model) -> int:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", REGISTERED)
def test_list_page_queries_do_not_grow_with_rows(client, model):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    owner = UserFactory()
    client.force_login(superuser)
    build = BUILDERS[model._meta.label]
    for _ in range(3):
        build(owner)
    assert model._default_manager.count() >= 3
    few = list_queries(client, model)
    for _ in range(27):
        build(owner)
    many = list_queries(client, model)
    assert many == few, f"{model._meta.label}: {few} queries for 3 rows, {many} for 30"


@pytest.mark.parametrize("model", [CampaignFactory._meta.model, TaskFactory._meta.model])
def test_staff_list_pages_are_bounded_too(client, model):
    """The owner filter of a member of staff who is not a superuser adds no query per row either."""
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label=model._meta.app_label))
    client.force_login(staff)
    build = BUILDERS[model._meta.label]
    for _ in range(3):
        build(staff)
    few = list_queries(client, model)
    for _ in range(27):
        build(staff)
    assert list_queries(client, model) == few


# The campaign list carries the delivery counters, wider by design (its own layout and tests).
WIDE_BY_DESIGN = {"campaigns.Campaign"}


@pytest.mark.parametrize("model", REGISTERED)
def test_list_fits_a_laptop_and_can_be_searched(model):
    model_admin = admin.site._registry[model]
    if model._meta.label not in WIDE_BY_DESIGN:
        assert len(model_admin.list_display) <= 7, f"{model._meta.label}: {model_admin.list_display}"
    assert model_admin.search_fields, f"{model._meta.label} has no search box"
