"""Staff suppress an address (from a lead, or with the suppression list's add form) and take it off
again; every write goes through apps/mail/suppression.py, the list's owner."""

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.leads.tests.factories import LeadFactory
from apps.mail.models import SuppressedAddress

pytestmark = pytest.mark.django_db

UNSUPPRESSED_ONE = (
    "이메일 주소 1개를 수신 거부 목록에서 뺐습니다. 본인의 수신 거부, 반송, 스팸 신고 주소는 목록에 남습니다."
)


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

    assert (
        "이메일 주소 1개를 수신 거부 목록에서 뺐습니다. 본인의 수신 거부, 반송, 스팸 신고 주소는 목록에 남습니다."
        in response.content.decode()
    )
    assert not SuppressedAddress.objects.exists()


def test_add_form_suppresses_and_the_action_unsuppresses(staff_client):
    add = reverse("admin:mail_suppressedaddress_add")
    assert staff_client.get(add).context["adminform"].form.initial["reason"] == "manual"

    response = staff_client.post(add, {"email": "Gone@Example.kr", "reason": "manual", "source": "admin", "detail": ""})

    assert response.status_code == 302
    suppressed = SuppressedAddress.objects.get()
    assert suppressed.email == "gone@example.kr"
    # The same address in other letters is the one listed: the form says so and adds nothing.
    response = staff_client.post(add, {"email": "GONE@example.kr", "reason": "manual", "source": "", "detail": ""})
    assert response.status_code == 200
    assert "이미 수신 거부 목록에 있는 주소입니다." in response.content.decode()
    assert SuppressedAddress.objects.count() == 1

    response = staff_client.post(
        reverse("admin:mail_suppressedaddress_changelist"),
        {"action": "unsuppress_addresses", "_selected_action": [suppressed.pk]},
        follow=True,
    )
    assert (
        "이메일 주소 1개를 수신 거부 목록에서 뺐습니다. 본인의 수신 거부, 반송, 스팸 신고 주소는 목록에 남습니다."
        in response.content.decode()
    )
    assert not SuppressedAddress.objects.exists()


def test_unsuppress_takes_off_only_what_staff_added(staff_client):
    """A person's own opt-out, a hard bounce or a complaint is never undone by an action (정보통신망법 제50조)."""
    kept = [
        SuppressedAddress.objects.create(email=f"{reason}@example.kr", reason=reason, source="test")
        for reason in ("unsubscribed", "bounced", "complained")
    ]
    added = SuppressedAddress.objects.create(email="manual@example.kr", reason="manual", source="admin")
    leads = [LeadFactory(email=row.email) for row in [*kept, added]]

    staff_client.post(
        reverse("admin:leads_lead_changelist"),
        {"action": "unsuppress_lead_addresses", "_selected_action": [lead.pk for lead in leads]},
    )
    staff_client.post(
        reverse("admin:mail_suppressedaddress_changelist"),
        {"action": "unsuppress_addresses", "_selected_action": [row.pk for row in kept]},
    )

    assert set(SuppressedAddress.objects.values_list("email", flat=True)) == {row.email for row in kept}


def test_staff_without_the_lists_permissions_get_no_suppression_actions(client):
    """The list is every user's: a salesperson with only lead permissions cannot change it."""
    from django.contrib.auth.models import Permission

    salesperson = UserFactory(is_staff=True)
    salesperson.user_permissions.set(Permission.objects.filter(content_type__app_label="leads"))
    client.force_login(salesperson)
    SuppressedAddress.objects.create(email="manual@example.kr", reason="manual", source="admin")
    lead = LeadFactory(email="manual@example.kr", user=salesperson)
    changelist = reverse("admin:leads_lead_changelist")

    actions = [value for value, _ in client.get(changelist).context["action_form"].fields["action"].choices]
    client.post(changelist, {"action": "unsuppress_lead_addresses", "_selected_action": [lead.pk]})

    assert "export_leads_csv" in actions
    assert "suppress_lead_addresses" not in actions and "unsuppress_lead_addresses" not in actions
    assert SuppressedAddress.objects.filter(email="manual@example.kr").exists()
