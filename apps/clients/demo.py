"""Demo clients: SPEC.md's 제로커뮤니케이션(주) and a few more, with notes, files, products, activities
and logged e-mails. Idempotent: objects are found by their natural names and updated."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.products.models import Product
from common.demo import demo_get_or_create

from .models import Client, ClientActivity, ClientEmail, ClientEmailAttachment, ClientFile, ClientNote, ClientProduct

# A minimal, valid one-page PDF: demo files open in a viewer.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

CLIENTS = [
    {
        "name": "제로커뮤니케이션(주)",
        "representative_name": "유창해",
        "emails": ["admin@zerocommunication.co.kr"],
        "phones": ["010-2451-3612"],
        "address": "경기도 고양시 덕양구 통일로 140",
        "website": "zerocommunication.co.kr",
        "business_number": "123-45-67890",
    },
    {
        "name": "넥스트커머스(주)",
        "representative_name": "김서연",
        "emails": ["contact@nextcommerce.kr", "seoyeon.kim@nextcommerce.kr"],
        "phones": ["02-6952-1180"],
        "address": "서울특별시 강남구 테헤란로 427",
        "website": "nextcommerce.kr",
        "business_number": "220-81-62517",
    },
    {
        "name": "한빛식품 주식회사",
        "representative_name": "박정우",
        "emails": ["order@hanbitfood.co.kr"],
        "phones": ["031-8017-5524", "010-3321-0987"],
        "address": "경기도 성남시 분당구 판교역로 235",
        "website": "hanbitfood.co.kr",
        "business_number": "",
    },
]


def _file(client, user, name, description):
    existing = ClientFile.objects.filter(client=client, name=name).first()
    if existing is not None:
        return existing
    client_file = ClientFile(
        client=client,
        user=user,
        name=name,
        description=description,
        size=len(DEMO_PDF),
        content_type="application/pdf",
    )
    client_file.file.save(name, ContentFile(DEMO_PDF), save=False)
    client_file.save()
    return client_file


def _product(client, user, catalogue_name, **fields):
    catalogue = Product.objects.filter(created_by=user, name=catalogue_name).order_by("pk").first()
    defaults = {
        "product": catalogue,
        "plan_type": catalogue.plan_type if catalogue else "",
        "price": catalogue.price if catalogue else 0,
        "currency": "krw",
        "user": user,
        **fields,
    }
    demo_get_or_create(ClientProduct, client=client, name=catalogue_name, defaults=defaults)


def seed(ctx) -> None:
    user = ctx.user
    today = timezone.localdate()
    now = timezone.now()
    clients = {}
    for data in CLIENTS:
        client, _ = demo_get_or_create(Client, user=user, name=data["name"], defaults=data)
        clients[client.name] = client
    zero = clients["제로커뮤니케이션(주)"]
    nextcommerce = clients["넥스트커머스(주)"]
    hanbit = clients["한빛식품 주식회사"]

    note, _ = demo_get_or_create(
        ClientNote,
        client=zero,
        title="첫 미팅 메모",
        defaults={
            "user": user,
            "content": "대표님(유창해)과 검색광고 확대와 SNS 재계약 방향을 논의함. 4월 예산 증액 검토 중.",
        },
    )
    demo_get_or_create(
        ClientNote,
        client=nextcommerce,
        title="담당자 변경",
        defaults={"user": user, "content": "마케팅 담당이 김서연 이사로 변경됨. 월간 리포트는 두 주소 모두로 발송."},
    )
    _file(zero, user, "서비스 계약서.pdf", "서명된 서비스 계약서")
    _file(nextcommerce, user, "제안서_2025.pdf", "카카오 비즈보드 제안서")

    _product(
        zero,
        user,
        "네이버 검색 CPC 광고",
        start_date=today.replace(day=1) - datetime.timedelta(days=90),
        next_billing_date=(today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1),
        end_date=None,
        status=ClientProduct.Status.ACTIVE,
    )
    _product(
        zero,
        user,
        "SNS 마케팅 패키지",
        start_date=today - datetime.timedelta(days=300),
        end_date=today - datetime.timedelta(days=120),
        next_billing_date=None,
        status=ClientProduct.Status.COMPLETED,
    )
    _product(
        nextcommerce,
        user,
        "카카오 비즈보드 광고",
        start_date=today - datetime.timedelta(days=30),
        next_billing_date=today + datetime.timedelta(days=5),
        end_date=None,
        status=ClientProduct.Status.ACTIVE,
    )

    demo_get_or_create(
        ClientActivity,
        client=zero,
        title="서비스 리뷰 미팅",
        defaults={
            "user": user,
            "type": ClientActivity.Type.MEETING,
            "scheduled_at": now - datetime.timedelta(days=6, hours=3),
            "duration_minutes": 60,
            "status": ClientActivity.Status.COMPLETED,
            "note": note,
            "description": "1분기 성과 리뷰, 2분기 키워드 확장 제안",
        },
    )
    demo_get_or_create(
        ClientActivity,
        client=zero,
        title="예산 증액 확인 통화",
        defaults={
            "user": user,
            "type": ClientActivity.Type.CALL,
            "scheduled_at": now + datetime.timedelta(days=2),
            "duration_minutes": 15,
            "status": ClientActivity.Status.SCHEDULED,
        },
    )
    demo_get_or_create(
        ClientActivity,
        client=hanbit,
        title="신제품 런칭 광고 문의 통화",
        defaults={
            "user": user,
            "type": ClientActivity.Type.CALL,
            "direction": ClientActivity.Direction.INBOUND,
            "scheduled_at": now - datetime.timedelta(days=45),
            "duration_minutes": 20,
            "status": ClientActivity.Status.COMPLETED,
        },
    )

    email, _ = demo_get_or_create(
        ClientEmail,
        client=zero,
        subject="미팅 후속 안내",
        defaults={
            "user": user,
            "from_email": user.email,
            "to_email": "admin@zerocommunication.co.kr",
            "content": "오늘 미팅 감사드립니다. 말씀드린 2분기 제안서를 첨부드립니다.",
        },
    )
    if not email.attachments.exists():
        attachment = ClientEmailAttachment(
            email=email, name="2분기_제안서.pdf", size=len(DEMO_PDF), content_type="application/pdf"
        )
        attachment.file.save("2분기_제안서.pdf", ContentFile(DEMO_PDF), save=False)
        attachment.save()

    ctx.shared["clients"] = clients
    ctx.say(f"clients: {len(clients)} with notes, files, products, activities and e-mails")
