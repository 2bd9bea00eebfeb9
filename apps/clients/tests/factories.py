import datetime
import uuid

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignTemplate
from apps.clients.models import (
    Client,
    ClientActivity,
    ClientEmail,
    ClientEmailAttachment,
    ClientFile,
    ClientNote,
    ClientProduct,
)
from apps.tracking.models import TrackingEvent

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"제로커뮤니케이션{n}(주)")
    representative_name = "유창해"
    emails = factory.Sequence(lambda n: [f"admin{n}@zerocommunication.co.kr"])
    phones = ["010-2451-3612"]
    address = "경기도 고양시 덕양구 통일로 140"
    website = "zerocommunication.co.kr"
    business_number = "123-45-67890"
    user = factory.SubFactory(UserFactory)


class ClientNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientNote

    client = factory.SubFactory(ClientFactory)
    user = factory.SelfAttribute("client.user")
    title = "첫 미팅 메모"
    content = "대표님과 협업 방안 논의"


class ClientFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientFile

    client = factory.SubFactory(ClientFactory)
    user = factory.SelfAttribute("client.user")
    name = "계약서.pdf"
    description = "서명된 서비스 계약서"
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="contract.pdf"))
    size = len(PDF_BYTES)
    content_type = "application/pdf"


class ClientProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientProduct

    client = factory.SubFactory(ClientFactory)
    user = factory.SelfAttribute("client.user")
    name = "네이버 검색 CPC 광고"
    plan_type = "매월결제"
    price = 2_500_000
    currency = "krw"
    start_date = datetime.date(2024, 1, 1)
    next_billing_date = datetime.date(2024, 4, 1)
    status = ClientProduct.Status.ACTIVE


class ClientActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientActivity

    client = factory.SubFactory(ClientFactory)
    user = factory.SelfAttribute("client.user")
    type = ClientActivity.Type.MEETING
    title = "서비스 리뷰 미팅"
    scheduled_at = factory.LazyFunction(timezone.now)
    duration_minutes = 60
    status = ClientActivity.Status.COMPLETED


class ClientEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientEmail

    client = factory.SubFactory(ClientFactory)
    user = factory.SelfAttribute("client.user")
    subject = "미팅 후속 안내"
    from_email = factory.SelfAttribute("user.email")
    to_email = "admin@zerocommunication.co.kr"
    content = "오늘 미팅 감사드립니다."


class ClientEmailAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientEmailAttachment

    email = factory.SubFactory(ClientEmailFactory)
    name = "proposal.pdf"
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="proposal.pdf"))
    size = len(PDF_BYTES)
    content_type = "application/pdf"


# --- campaign e-mails to a client and their tracking events ------------------------------------------


def campaign_for(user, name="3월 신규 서비스 안내") -> Campaign:
    template = CampaignTemplate.objects.create(
        name=name, title="(광고) 신규 서비스 안내", body="<p>안녕하세요</p>", user=user
    )
    return Campaign.objects.create(name=name, template=template, user=user, status=Campaign.Status.COMPLETED)


def campaign_result(campaign, email, status, sent_at, **fields) -> CampaignLeadResult:
    fields.setdefault("title", "(광고) 신규 서비스 안내")
    return CampaignLeadResult.objects.create(campaign=campaign, email=email, status=status, sent_at=sent_at, **fields)


def tracking_event(result, kind, occurred_at, **fields) -> TrackingEvent:
    """An event as the tracking ingest stores it: campaign and address copied from the result."""
    fields.setdefault("source", TrackingEvent.Source.SENDGRID)
    fields.setdefault("email", result.email)
    return TrackingEvent.objects.create(
        result=result,
        campaign_id=result.campaign_id,
        kind=kind,
        occurred_at=occurred_at,
        event_key=f"test-{uuid.uuid4()}",
        **fields,
    )
