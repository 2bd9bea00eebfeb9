"""At send, a lead whose e-mail breaks a render limit fails with the limit and the line; the
other leads are sent."""

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaign_start

from .factories import CampaignFactory, CampaignTemplateFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


def test_lead_over_the_loop_limit_fails_with_the_reason(user, fake_sendgrid, send):
    small = LeadFactory(user=user, employee=3, email="small@semo.co.kr")
    huge = LeadFactory(user=user, employee=10**9, email="huge@semo.co.kr")
    body = "<p>{{ company.name }} 직원 명단</p>\n{% for i in range(company.employee) %}<i>{{ i }}</i>{% endfor %}"
    template = CampaignTemplateFactory(user=user, body=body)
    campaign = CampaignFactory(user=user, template=template, leadlists=[lead_list_with(user, [small, huge])])

    send(campaign_start, campaign=campaign)

    assert fake_sendgrid.recipients() == ["small@semo.co.kr"]
    failed = campaign.results.get(lead=huge)
    assert failed.status == R.FAILED
    assert failed.error_message == (
        "The template could not be rendered for this lead: Line 2: range() of 1,000,000,000 numbers is over "
        "the limit of 100,000 loop iterations (TEMPLATE_LOOP_ITERATIONS_LIMIT)"
    )
    assert campaign.results.get(lead=small).status == R.SENT
