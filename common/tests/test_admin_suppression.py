"""Staff suppress an address (from a lead, or with the suppression list's add form) and take it off
again; every write goes through apps/mail/suppression.py, the list's owner."""

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.leads.tests.factories import LeadFactory
from apps.mail.models import SuppressedAddress

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_suppress_then_unsuppress_the_addresses_of_selected_leads(staff_client):
    leads = [LeadFactory(email="CEO@Hangyeol.co.kr"), LeadFactory(email=""), LeadFactory(email="ceo@hangyeol.co.kr")]
    changelist = reverse("admin:leads_lead_changelist")
    selected = [lead.pk for lead in leads]

    response = staff_client.post(
        changelist, {"action": "suppress_lead_addresses", "_selected_action": selected}, follow=True
    )

    assert "이메일 주소 1개를 수신 거부 목록에 올렸습니다." in response.content.decode()
    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.email, suppressed.reason, suppressed.source) == ("ceo@hangyeol.co.kr", "manual", "admin")

    response = staff_client.post(
        changelist, {"action": "unsuppress_lead_addresses", "_selected_action": selected}, follow=True
    )

    assert "이메일 주소 1개를 수신 거부 목록에서 뺐습니다." in response.content.decode()
    assert not SuppressedAddress.objects.exists()


def test_add_form_suppresses_and_the_action_unsuppresses(staff_client):
    add = reverse("admin:mail_suppressedaddress_add")
    assert staff_client.get(add).context["adminform"].form.initial["reason"] == "manual"

    response = staff_client.post(add, {"email": "Gone@Example.kr", "reason": "manual", "source": "admin", "detail": ""})

    assert response.status_code == 302
    suppressed = SuppressedAddress.objects.get()
    assert suppressed.email == "gone@example.kr"
    # An address suppressed already keeps its first reason (the service's rule), and the form says nothing odd.
    response = staff_client.post(add, {"email": "GONE@example.kr", "reason": "manual", "source": "", "detail": ""})
    assert response.status_code == 302
    assert SuppressedAddress.objects.count() == 1

    response = staff_client.post(
        reverse("admin:mail_suppressedaddress_changelist"),
        {"action": "unsuppress_addresses", "_selected_action": [suppressed.pk]},
        follow=True,
    )
    assert "이메일 주소 1개를 수신 거부 목록에서 뺐습니다." in response.content.decode()
    assert not SuppressedAddress.objects.exists()
