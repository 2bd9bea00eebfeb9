"""The naive pipeline the campaign benchmark compares against: one Celery task per e-mail, as in
SPEC.md's example (load campaign, lead and template; render; one provider request; write the row).

Only ``manage.py bench_campaign_send`` uses it (its workers load this module with ``--include``);
nothing in the product sends this way.
"""

from __future__ import annotations

import uuid

from celery import shared_task
from django.utils import timezone

from apps.campaigns.email_sender import ClaimedRow, _profiles, from_address, sender_for
from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignProviderRequest, CampaignTemplate
from apps.campaigns.rendering import RenderContextFactory, advertising_subject, render
from apps.leads.models import Lead
from services.email import EmailMessage
from services.email.sendgrid import SendGridProvider


@shared_task(name="bench.naive_send.send_campaign_email_naive", ignore_result=True)
def send_campaign_email_naive(campaign_id: str, lead_id: str, template_id: str) -> None:
    campaign = Campaign.objects.select_related("user").get(pk=campaign_id)
    lead = Lead.objects.select_related("industry").get(pk=lead_id)
    template = CampaignTemplate.objects.get(pk=template_id)
    company = {
        "name": lead.name,
        "owner": lead.owner,
        "email": lead.email,
        "industry": lead.industry.name if lead.industry_id else "",
        "si_nm": lead.si_nm,
        "sgg_nm": lead.sgg_nm,
    }
    from services.llm import get_personalization_backend

    [text] = get_personalization_backend().generate(_profiles([ClaimedRow(uuid.UUID(int=0), lead.email, company, "")]))
    sender = sender_for(campaign)
    context = RenderContextFactory(
        user={"name": sender.name, "email": sender.email}, campaign={"name": campaign.name}
    ).for_lead(company, {"llm-generation": text})
    rendered = render(template.title, template.body, context)
    result = SendGridProvider().send(
        EmailMessage(
            to=lead.email,
            subject=advertising_subject(rendered.subject),
            html=rendered.html,
            from_email=from_address(sender),
            custom_args={"campaign_id": campaign_id, "lead_id": lead_id},
        )
    )
    CampaignLeadResult.objects.filter(campaign_id=campaign_id, lead_id=lead_id).update(
        status=CampaignLeadResult.Status.SENT,
        sent=True,
        sent_at=timezone.now(),
        provider="sendgrid",
        provider_message_id=result.message_id,
        title=rendered.subject[:998],
    )
    # Webhooks without our custom args find the row by provider id through this table.
    for chunk in CampaignLeadResult.objects.filter(campaign_id=campaign_id, lead_id=lead_id).values_list(
        "chunk", flat=True
    ):
        CampaignProviderRequest.objects.get_or_create(
            provider_message_id=result.message_id[:255], campaign_id=campaign_id, chunk=chunk
        )
