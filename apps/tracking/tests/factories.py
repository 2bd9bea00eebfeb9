import uuid
from datetime import UTC, datetime, timedelta

import factory

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignProviderRequest, CampaignTemplate


class CampaignTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignTemplate

    name = factory.Sequence(lambda n: f"건기식 템플릿 {n}")
    title = "안녕하세요 {{ company.owner }} 대표님!"
    body = '<p>안녕하세요</p><a href="https://shop.example.co.kr/item?id=1&amp;ref=mail">상품 보기</a>'
    user = factory.SubFactory(UserFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"건강기능식품 캠페인 {n}")
    user = factory.SubFactory(UserFactory)
    template = factory.SubFactory(CampaignTemplateFactory, user=factory.SelfAttribute("..user"))
    status = Campaign.Status.IN_PROGRESS


class ResultFactory(factory.django.DjangoModelFactory):
    """A campaign result as the sender leaves it: sent an hour ago, with its Message-ID."""

    class Meta:
        model = CampaignLeadResult
        skip_postgeneration_save = True

    id = factory.LazyFunction(uuid.uuid4)
    campaign = factory.SubFactory(CampaignFactory)
    chunk = 0
    email = factory.Sequence(lambda n: f"ceo{n}@company{n}.co.kr")
    title = "(광고) 안녕하세요 대표님"
    status = CampaignLeadResult.Status.SENT
    sent = True
    sent_at = factory.LazyFunction(lambda: datetime.now(tz=UTC) - timedelta(hours=1))
    provider = "sendgrid"
    provider_message_id = factory.LazyFunction(lambda: uuid.uuid4().hex[:22])
    # As the sender sets it: <result id@domain>.
    message_id = factory.LazyAttribute(lambda o: f"<{o.id}@salesone.kr>")

    @factory.post_generation
    def provider_request(obj, create, extracted, **kwargs):
        # The sender's settle writes one row per provider request: webhooks find results through it.
        if create and obj.provider_message_id:
            CampaignProviderRequest.objects.get_or_create(
                provider_message_id=obj.provider_message_id, campaign_id=obj.campaign_id, chunk=obj.chunk
            )
