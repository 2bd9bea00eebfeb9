"""Demo sequence: a mailbox of the demo user and a started 3-step sequence over the demo campaign's
lead list (enrolled, nothing sent: the scheduler sends it in the window). Idempotent."""

from apps.campaigns.models import CampaignTemplate
from apps.leads.models import LeadList
from apps.mail.mailboxes import mailbox_defaults
from apps.mail.models import Mailbox
from common.demo import demo_get_or_create

from .models import Sequence, SequenceStep, SequenceVariant
from .services import sequence_start

SEQUENCE_NAME = "수도권 뷰티·건기식 3단계 후속 메일"
STEPS = [
    (
        0,
        False,
        "(광고) {{ company.owner }} 대표님, 검색광고 제안드립니다",
        "<p>{{ company.name }} 대표님, 안녕하세요.</p>",
    ),
    (2, True, "후속 안내", "<p>지난 메일 확인하셨을까요? 사례 자료를 보내드립니다.</p>"),
    (3, True, "마지막 안내", "<p>이번 달 안에 15분 통화가 가능하시면 회신 부탁드립니다.</p>"),
]


def seed(ctx) -> None:
    mailbox, _ = demo_get_or_create(
        Mailbox,
        user=ctx.user,
        email="sales@salesone.kr",
        defaults={"display_name": "세일즈원 영업팀", **mailbox_defaults()},
    )
    sequence, created = demo_get_or_create(
        Sequence,
        user=ctx.user,
        name=SEQUENCE_NAME,
        defaults={"sender_name": "(주)세일즈원", "sender_contact": "02-6080-1234"},
    )
    if not created:
        ctx.say("sequences: demo sequence already there")
        return
    sequence.mailboxes.add(mailbox)
    lead_list = LeadList.objects.filter(user=ctx.user).order_by("created_at").first()
    if lead_list is not None:
        sequence.leadlists.add(lead_list)
    for order, (delay, thread, title, body) in enumerate(STEPS):
        step = SequenceStep.objects.create(sequence=sequence, order=order, delay_days=delay, thread_reply=thread)
        template, _ = demo_get_or_create(
            CampaignTemplate, user=ctx.user, name=f"시퀀스 {order + 1}단계", defaults={"title": title, "body": body}
        )
        SequenceVariant.objects.create(step=step, name="A", template=template, percent=100)
    if lead_list is not None:
        sequence = sequence_start(sequence=sequence)
    ctx.say(f"sequences: demo sequence {sequence.status}, mailbox {mailbox.email}")
