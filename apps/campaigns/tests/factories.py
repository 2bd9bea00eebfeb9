import factory

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Campaign, CampaignTemplate
from apps.leads.tests.factories import LeadFactory, LeadListFactory  # noqa: F401 — re-exported for tests


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
