"""seed_demo's campaign part: a template, a campaign really sent through the outbox, a draft; the
same after a second run."""

import io

import pytest

from apps.campaigns import demo
from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignTemplate
from apps.consent import demo as consent_demo
from apps.leads import demo as leads_demo
from apps.mail.models import OutboxMessage
from common.demo import DemoContext
from conftest import client_for

pytestmark = pytest.mark.django_db


def _snapshot(user):
    return (
        CampaignTemplate.objects.filter(user=user).count(),
        sorted(Campaign.objects.filter(user=user).values_list("name", "status")),
        sorted(CampaignLeadResult.objects.filter(campaign__user=user).values_list("email", "status", "sent_at")),
        OutboxMessage.objects.count(),
    )


def test_seed_sends_the_demo_campaign_once_through_the_outbox(user, other_user, settings):
    settings.EMAIL_PROVIDERS = ["sendgrid"]  # the demo sends through the outbox whatever is configured
    ctx = DemoContext(user=user, stdout=io.StringIO())
    leads_demo.seed(ctx)
    consent_demo.seed(ctx)  # the demo leads' opt-ins: the advertising campaign sends
    demo.seed(ctx)
    first = _snapshot(user)
    demo.seed(ctx)
    assert _snapshot(user) == first

    sent = Campaign.objects.get(user=user, name=demo.SENT_CAMPAIGN)
    assert sent.status == Campaign.Status.COMPLETED and sent.completed_at is not None
    results = list(sent.results.all())
    list_size = len(next(ll for ll in ctx.shared["lead_lists"] if ll.name == demo.SENT_LIST).lead_ids)
    assert len(results) == list_size > 0
    assert all(r.status == "sent" and r.sent_at and r.provider == "outbox" for r in results)

    messages = OutboxMessage.objects.filter(custom_args__campaign_id=str(sent.pk))
    assert sorted(m.to_email for m in messages) == sorted(r.email for r in results)
    message = messages.get(to_email="contact@repurehc.com")
    assert message.subject == "(광고) 강윤구 대표님, (주)리퓨어헬스케어의 검색광고를 제안드립니다"
    assert "건강기능식품 제조업" in message.html and "수신거부" in message.html
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    draft = Campaign.objects.get(user=user, name=demo.DRAFT_CAMPAIGN)
    assert draft.status == Campaign.Status.DRAFT and draft.leadlists.count() == 1 and not draft.results.exists()

    # The outbox API shows its owner the campaign's messages, and nobody else, staff or not.
    mine = client_for(user).get("/api/outbox/", {"page_size": 100}).json()
    assert {m["to_email"] for m in mine["results"]} == {r.email for r in results}
    other_user.is_staff = True
    other_user.save()
    assert client_for(other_user).get("/api/outbox/").json()["count"] == 0
