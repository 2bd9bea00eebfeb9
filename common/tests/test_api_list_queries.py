"""Every list endpoint of the API runs the same number of SQL statements for a page of 1 row as for a
page of 3 (issue 18): what each row shows (its user, client, industry, counts, attachments, node runs)
comes with select_related, a prefetch or an annotation, never a query per row.

The routes are found from the URL conf (common/tests/routes.py), so a list added later is checked too:
it fails ``test_every_list_route_has_a_row_builder`` until it gets a row builder below.
"""

import itertools
import uuid
from datetime import UTC, date, datetime

import pytest

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
from apps.intelligence.models import DuplicateSuggestion, EnrichmentRun
from apps.leads.tests.factories import IndustryFactory, LeadFactory, LeadListFactory
from apps.leads.tests.queries import count_queries
from apps.mail.mailboxes import mailbox_defaults
from apps.mail.models import Mailbox, OutboxMessage
from apps.opportunities.models import OpportunityStatusChange
from apps.opportunities.tests.factories import OpportunityFactory
from apps.privacy.models import PrivacyRequest
from apps.products.tests.factories import ProductFactory
from apps.salesone_leads.models import ImportJob
from apps.salesone_leads.tests.factories import KeywordFactory, SalesOneLeadFactory
from apps.sequences.models import Enrollment, Sequence, SequenceStep, SequenceVariant
from apps.tasks.tests.factories import TaskFactory
from apps.tracking.models import TrackingEvent
from apps.tracking.tests.factories import ResultFactory
from apps.workflows.models import NodeRun, WorkflowExecution
from apps.workflows.tests.factories import WorkflowFactory

from .routes import api_routes

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
_n = itertools.count()


def _campaign(owner):
    lead_list = LeadListFactory(user=owner, lead_ids=[LeadFactory(user=owner).id])
    return CampaignFactory(user=owner, template=CampaignTemplateFactory(user=owner), leadlists=[lead_list])


def _client(owner):
    return ClientFactory(user=owner)


def _opportunity(owner):
    opportunity = OpportunityFactory(user=owner, lead=LeadFactory(user=owner))
    OpportunityStatusChange.objects.create(opportunity=opportunity, to_status="new", user=owner)
    return opportunity


def _sales_one_lead(owner):
    company = SalesOneLeadFactory()
    company.keywords.add(KeywordFactory())
    return company


def _tracking_event(owner):
    result = ResultFactory(campaign=_campaign(owner))
    return TrackingEvent.objects.create(
        result=result,
        campaign=result.campaign,
        kind=TrackingEvent.Kind.OPEN,
        occurred_at=NOW,
        source=TrackingEvent.Source.PIXEL,
        event_key=uuid.uuid4().hex,
    )


def _execution(owner):
    execution = WorkflowExecution.objects.create(
        workflow=WorkflowFactory(user=owner), task=TaskFactory(created_by=owner, client=_client(owner))
    )
    NodeRun.objects.create(execution=execution, node_id="n1", node_type="transform", status=NodeRun.Status.COMPLETED)
    return execution


def _sender_domain(owner):
    domain = SenderDomain.objects.create(domain=f"mail{next(_n)}.example.kr")
    ComplaintPause.objects.create(
        sender_domain=domain, campaign=_campaign(owner), complaint_rate=0.002, complaint_count=2, complaint_sent=1000
    )
    return domain


# One row of each list, visible to ``owner``, with the related objects its serializer shows.
def _sequence(owner):
    """A sequence with a mailbox, a step with its variant, and an enrolled lead."""
    sequence = Sequence.objects.create(user=owner, name=f"시퀀스 {uuid.uuid4().hex[:6]}")
    sequence.mailboxes.add(_mailbox(owner))
    step = SequenceStep.objects.create(sequence=sequence, order=0)
    SequenceVariant.objects.create(step=step, template=CampaignTemplateFactory(user=owner))
    lead = LeadFactory(user=owner)
    Enrollment.objects.create(sequence=sequence, lead=lead, email=lead.email)
    return sequence


def _mailbox(owner):
    return Mailbox.objects.create(user=owner, email=f"sales{uuid.uuid4().hex[:8]}@example.kr", **mailbox_defaults())


BUILDERS = {
    "/api/consent/events/": lambda owner: ConsentEvent.objects.create(
        user=owner,
        email=f"ceo{uuid.uuid4().hex[:8]}@example.kr",
        kind="granted",
        basis="opt_in_form",
        occurred_at=NOW,
        actor=owner,
    ),
    "/api/enrichment-runs/": lambda owner: EnrichmentRun.objects.create(
        user=owner, lead=LeadFactory(user=owner), trigger=EnrichmentRun.Trigger.MANUAL
    ),
    "/api/lead-duplicates/": lambda owner: DuplicateSuggestion.objects.create(
        user=owner, lead_a=LeadFactory(user=owner), lead_b=LeadFactory(user=owner), reason="same name and region"
    ),
    "/api/mailboxes/": _mailbox,
    "/api/privacy/requests/": lambda owner: PrivacyRequest.objects.create(
        user=owner, kind="erase", status="done", subject_hash=f"sha256:{uuid.uuid4().hex}"
    ),
    "/api/sequences/": _sequence,
    "/api/campaign-templates/": lambda owner: CampaignTemplateFactory(user=owner),
    "/api/campaigns/": _campaign,
    "/api/clients/client-activities/": lambda owner: ClientActivityFactory(
        client=_client(owner), note=ClientNoteFactory(client=_client(owner))
    ),
    "/api/clients/client-email-attachments/": lambda owner: ClientEmailAttachmentFactory(
        email=ClientEmailFactory(client=_client(owner))
    ),
    "/api/clients/client-emails/": lambda owner: (
        ClientEmailAttachmentFactory(email=ClientEmailFactory(client=_client(owner))).email
    ),
    "/api/clients/client-files/": lambda owner: ClientFileFactory(client=_client(owner)),
    "/api/clients/client-notes/": lambda owner: ClientNoteFactory(client=_client(owner)),
    "/api/clients/client-products/": lambda owner: ClientProductFactory(client=_client(owner)),
    "/api/clients/clients/": lambda owner: TaskFactory(created_by=owner, client=_client(owner)).client,
    "/api/lead-lists/": lambda owner: LeadListFactory(user=owner, lead_ids=[LeadFactory(user=owner).id]),
    "/api/leads/": lambda owner: LeadFactory(user=owner, industry=IndustryFactory()),
    "/api/opportunities/": _opportunity,
    "/api/outbox/": lambda owner: OutboxMessage.objects.create(
        to_email=owner.email, from_email="sales@salesone.kr", subject="안내", message_id=f"<{uuid.uuid4()}@x>"
    ),
    "/api/products/": lambda owner: ProductFactory(created_by=owner),
    "/api/salesone-leads/": _sales_one_lead,
    "/api/salesone-leads/import-jobs/": lambda owner: ImportJob.objects.create(
        user=owner, total=10, lead_list=LeadListFactory(user=owner)
    ),
    "/api/sender-domains/": _sender_domain,
    "/api/tasks/": lambda owner: TaskFactory(
        created_by=owner,
        client=_client(owner),
        workflow_ids=[WorkflowFactory(user=owner).pk],
        due_date=date(2026, 3, 9),
    ),
    "/api/tracking/events/": _tracking_event,
    "/api/workflow-executions/": _execution,
    "/api/workflows/": lambda owner: WorkflowFactory(user=owner),
}


def list_urls() -> list[str]:
    """Every top-level list route of the API (a viewset's GET list without a path argument)."""
    lists = [route for route in api_routes() if not route.detail and ("get", "list") in route.actions]
    return sorted({route.url() for route in lists if "(?P<" not in route.url()})


def test_every_list_route_has_a_row_builder():
    missing = set(list_urls()) - set(BUILDERS)
    assert not missing, f"add a row builder for {sorted(missing)} to {__name__}"


def _queries(client, url: str, page_size: int) -> tuple[int, int]:
    with count_queries() as statements:
        response = client.get(url, {"page_size": page_size})
    assert response.status_code == 200, response.content[:300]
    return len(statements), len(response.json()["results"])


@pytest.mark.parametrize("url", sorted(BUILDERS))
def test_list_query_count_does_not_grow_with_the_page(auth_client, user, url):
    for _ in range(3):
        BUILDERS[url](user)
    auth_client.get(url, {"page_size": 1})  # first request of the session: the same for every size
    one, shown_one = _queries(auth_client, url, 1)
    three, shown_three = _queries(auth_client, url, 3)
    assert (shown_one, shown_three) == (1, 3), "the row builder must make rows this list shows"
    assert one == three, f"{url}: {one} statements for 1 row, {three} for 3"
