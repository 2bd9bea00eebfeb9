"""Staff see each domain's verdicts and what to fix in the admin, and re-check a domain from there."""

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.deliverability.models import SenderDomain
from apps.deliverability.tests import zones


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_check_action_then_change_page_lists_the_fixes(dns_zone, settings, staff_client):
    dns_zone.load(zones.BARE)
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    domain = SenderDomain.objects.create(domain="bare.example.kr", providers=["sendgrid"])

    response = staff_client.post(
        reverse("admin:deliverability_senderdomain_changelist"),
        {"action": "check_domains", "_selected_action": [domain.pk]},
        follow=True,
    )
    assert "도메인 1개를 점검했습니다." in response.content.decode()

    page = staff_client.get(reverse("admin:deliverability_senderdomain_change", args=[domain.pk])).content.decode()
    assert "Add include:sendgrid.net to the SPF record at bare.example.kr" in page
    assert "Add the CNAME s1._domainkey.bare.example.kr" in page
    changelist = staff_client.get(reverse("admin:deliverability_senderdomain_changelist")).content.decode()
    assert "bare.example.kr" in changelist and "실패" in changelist  # CheckStatus.FAIL in Korean
