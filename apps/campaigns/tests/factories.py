import factory

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Campaign, CampaignTemplate
from apps.leads.tests.factories import LeadFactory, LeadListFactory  # re-exported for tests


class CampaignTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignTemplate

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"건기식 템플릿 {n}")
    title = "안녕하세요 {{ company.owner }} 대표님!"
    body = "<p>{{ company.name }} {{ company.owner }} 대표님께,</p><p>{{ data['llm-generation'] }}</p>"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"건강기능식품류 캠페인 {n}")
    template = factory.SubFactory(CampaignTemplateFactory, user=factory.SelfAttribute("..user"))
    sender_name = "(주)세일즈원"
    sender_contact = "02-1234-5678"

    @factory.post_generation
    def leadlists(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.leadlists.set(extracted)


def lead_list_with(user, leads, **kwargs):
    return LeadListFactory(user=user, lead_ids=[lead.pk for lead in leads], **kwargs)


def write_recipients(campaign):
    """Run the recipient writer a start queues, here and now, without running the chunks it queues
    (their on_commit dispatch never runs inside a test's transaction)."""
    from apps.campaigns.services import campaign_write_recipients

    return campaign_write_recipients(campaign_id=campaign.pk)


# -- "outcome unknown" rows (apps/campaigns/resolution.py) ----------------------------------------


def unknown_rows(campaign, count, *, provider="sendgrid", claimed_at=None, legacy=False, chunk=0):
    """Rows a crash left unknown: claimed and handed to ``provider``, its answer never recorded.
    ``legacy``: recorded as code before the 'unknown' status did (failed, retryable, the reason)."""
    from django.utils import timezone

    from apps.campaigns.models import CampaignLeadResult
    from apps.campaigns.services import UNKNOWN_OUTCOME_REASON

    claimed_at = claimed_at or timezone.now()
    rows = []
    for _ in range(count):
        lead = LeadFactory(user=campaign.user)
        rows.append(
            CampaignLeadResult(
                campaign=campaign,
                lead=lead,
                email=lead.email,
                chunk=chunk,
                status="failed" if legacy else "unknown",
                retryable=legacy,
                error_message=UNKNOWN_OUTCOME_REASON,
                provider=provider,
                claimed_at=claimed_at,
            )
        )
    rows = CampaignLeadResult.objects.bulk_create(rows)
    # Unknown since the claim (updated_at is auto_now): the resolver's settle window runs from it.
    CampaignLeadResult.objects.filter(pk__in=[row.pk for row in rows]).update(updated_at=claimed_at)
    for row in rows:
        row.updated_at = claimed_at
    return rows


def deliver(provider, campaign, rows):
    """What the provider got from the worker that died: the rows' messages, with the custom args
    (Mailgun ``v:`` variables) and Message-ID the send path gives them (apps/campaigns/email_sender.py)."""
    from services.email import EmailMessage

    return provider.send_batch(
        [
            EmailMessage(
                to=row.email,
                subject="(광고) 안녕하세요",
                html="<p>본문</p>",
                from_email="sales@salesone.kr",
                custom_args={"campaign_id": str(campaign.pk), "result_id": str(row.pk)},
                category="campaign",
                message_id=f"<{row.pk}@salesone.kr>",
            )
            for row in rows
        ]
    )
