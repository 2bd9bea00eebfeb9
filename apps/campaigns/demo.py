"""Demo campaigns: a Korean template, a small campaign already sent and a draft. Idempotent.

The sent campaign really goes through the sending pipeline, in this process, through the development
outbox provider (whatever EMAIL_PROVIDERS says): its messages are OutboxMessage rows, its results
have sent_at, and the tracking demo (which seeds after this one) adds opens and clicks to them.
A second seed finds the campaign sent and sends nothing again.
"""

from django.test import override_settings
from django.utils import timezone

from apps.leads.models import LeadList
from common.demo import demo_get_or_create

from .email_sender import campaign_send_chunk
from .models import Campaign, CampaignLeadResult, CampaignTemplate
from .services import campaign_write_recipients

TEMPLATE_NAME = "네이버 검색광고 제안 (뷰티·건기식)"
TEMPLATE_TITLE = "{{ company.owner }} 대표님, {{ company.name }}의 검색광고를 제안드립니다"
TEMPLATE_BODY = """<p>안녕하세요, {{ company.name }} {{ company.owner }} 대표님.</p>
<p>온라인 광고 대행사 {{ user.name }}입니다. {{ data['llm-generation'] }}</p>
<p>{{ company.sgg_nm }}의 {{ company.industry }} 업체들이 네이버 검색광고로 문의를 늘린 사례를 정리해 두었습니다.
15분 정도 통화가 가능하시면 회신 부탁드립니다.</p>
<p><a href="https://salesone.kr/">사례 자료 보기</a></p>
<p>{{ user.name }} 드림 · {{ user.contact }}</p>"""

SENT_CAMPAIGN = "12월 수도권 뷰티·건기식 검색광고 제안"
DRAFT_CAMPAIGN = "2027년 연간 계약 제안 (직원 50명 이상)"
SENT_LIST = "수도권 뷰티·건기식 브랜드"
DRAFT_LIST = "직원 50명 이상 법인"
SENDER_NAME = "(주)세일즈원"
SENDER_CONTACT = "02-6080-1234"
RULE_BASED = "services.llm.rule_based.RuleBasedBackend"


def _lead_list(ctx, name: str) -> LeadList | None:
    for lead_list in ctx.shared.get("lead_lists", []):
        if lead_list.name == name:
            return lead_list
    return LeadList.objects.filter(user=ctx.user, name=name).first()


def _send(campaign: Campaign) -> None:
    """Write the recipients and send every chunk now, in this process, through the outbox.

    Not campaign_start: that queues the chunks for Celery when the transaction commits, and seed_demo
    must work (and finish sending) without a worker or broker.
    """
    now = timezone.now()
    campaign_write_recipients(campaign_id=campaign.pk, dispatch=False)  # the chunks are sent below
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.IN_PROGRESS, started_at=now, last_progress_at=now, failure_reason=""
    )
    chunks = list(
        CampaignLeadResult.objects.filter(
            campaign=campaign, status=CampaignLeadResult.Status.PENDING, chunk__isnull=False
        )
        .order_by("chunk")
        .values_list("chunk", flat=True)
        .distinct()
    )
    with override_settings(EMAIL_PROVIDERS=["outbox"], PERSONALIZATION_BACKEND=RULE_BASED):
        for chunk in chunks:
            campaign_send_chunk(campaign_id=campaign.pk, chunk=chunk)
    # Nothing sendable (or every row refused): completed all the same, as campaign_start would.
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.IN_PROGRESS).exclude(
        results__status__in=[CampaignLeadResult.Status.PENDING, CampaignLeadResult.Status.SENDING]
    ).update(status=Campaign.Status.COMPLETED, completed_at=timezone.now())


def seed(ctx) -> None:
    template, _ = demo_get_or_create(
        CampaignTemplate, user=ctx.user, name=TEMPLATE_NAME, defaults={"title": TEMPLATE_TITLE, "body": TEMPLATE_BODY}
    )
    sender = {"sender_name": SENDER_NAME, "sender_contact": SENDER_CONTACT}

    sent, _ = demo_get_or_create(
        Campaign, user=ctx.user, name=SENT_CAMPAIGN, defaults={"template": template, "is_advertising": True, **sender}
    )
    sent_list = _lead_list(ctx, SENT_LIST)
    if sent.started_at is None and sent_list is not None:
        sent.leadlists.set([sent_list])
        _send(sent)
    sent.refresh_from_db()

    draft, _ = demo_get_or_create(
        Campaign, user=ctx.user, name=DRAFT_CAMPAIGN, defaults={"template": template, **sender}
    )
    draft_list = _lead_list(ctx, DRAFT_LIST)
    if draft.status == Campaign.Status.DRAFT and draft_list is not None:
        draft.leadlists.set([draft_list])

    results = sent.results.all()
    failed = results.filter(status=CampaignLeadResult.Status.FAILED).count()
    ctx.shared["campaigns"] = [sent, draft]
    ctx.say(
        f"campaigns: template {template.name!r}; {sent.name!r} {sent.status} "
        f"({results.filter(sent=True).count()} sent through the outbox, {failed} "
        f"failed); draft {draft.name!r}"
    )
