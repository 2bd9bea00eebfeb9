"""Staff keep the suppression list in the admin, through the same module as sending and tracking:
an address added there is stored lower-case and no campaign e-mails it; one removed may be e-mailed
again."""

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.mail.models import SuppressedAddress
from apps.mail.suppression import suppression_reasons, suppressions_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_adds_an_address_that_sending_then_skips(staff_client):
    response = staff_client.post(
        reverse("admin:mail_suppressedaddress_add"),
        {"email": " Kim@RepureHC.com", "reason": "manual", "source": "전화 요청", "detail": "더 이상 연락하지 말 것"},
    )

    assert response.status_code == 302
    stored = SuppressedAddress.objects.get()
    assert (stored.email, stored.reason, stored.source) == ("kim@repurehc.com", "manual", "전화 요청")
    assert suppression_reasons(["kim@repurehc.com", "lee@repurehc.com"], user_id=1) == {"kim@repurehc.com": "manual"}
    # The admin lands on the stored row.
    assert staff_client.get(response.url).status_code == 200


def test_staff_removes_addresses_in_bulk(staff_client):
    suppressions_add(
        [
            SuppressedAddress(email="kim@repurehc.com", reason=SuppressedAddress.Reason.MANUAL),
            SuppressedAddress(email="lee@repurehc.com", reason=SuppressedAddress.Reason.BOUNCED),
            SuppressedAddress(email="park@repurehc.com", reason=SuppressedAddress.Reason.COMPLAINED),
        ]
    )
    chosen = SuppressedAddress.objects.filter(email__in=["kim@repurehc.com", "lee@repurehc.com"])

    response = staff_client.post(
        reverse("admin:mail_suppressedaddress_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [str(pk) for pk in chosen.values_list("pk", flat=True)],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert list(SuppressedAddress.objects.values_list("email", flat=True)) == ["park@repurehc.com"]


def test_the_first_reason_an_address_was_suppressed_for_is_kept():
    first = suppressions_add(
        [SuppressedAddress(email="Kim@repurehc.com", reason=SuppressedAddress.Reason.UNSUBSCRIBED)]
    )
    again = suppressions_add(
        [
            SuppressedAddress(email="kim@repurehc.com ", reason=SuppressedAddress.Reason.COMPLAINED),
            SuppressedAddress(email="lee@repurehc.com", reason=SuppressedAddress.Reason.BOUNCED),
            SuppressedAddress(email="LEE@repurehc.com", reason=SuppressedAddress.Reason.MANUAL),
        ]
    )

    assert (first, again) == (1, 1)
    assert suppression_reasons(["kim@repurehc.com", "lee@repurehc.com"], user_id=1) == {
        "kim@repurehc.com": "unsubscribed",
        "lee@repurehc.com": "bounced",
    }
