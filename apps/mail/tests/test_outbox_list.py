"""/api/outbox/ shows a user the messages sent to them and their own campaigns' e-mails, nobody else's."""

import uuid

import pytest

from apps.campaigns.tests.factories import CampaignFactory
from apps.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _message(to_email: str, **custom_args) -> OutboxMessage:
    return OutboxMessage.objects.create(
        to_email=to_email,
        from_email="sales@salesone.kr",
        subject="안내",
        message_id=f"<{uuid.uuid4()}@salesone.kr>",
        custom_args=custom_args,
    )


def test_outbox_lists_own_campaign_mail_and_mail_to_me_only(auth_client, user, other_user):
    mine, theirs = CampaignFactory(user=user), CampaignFactory(user=other_user)
    to_me = _message(user.email.upper())
    campaign_mail = _message("ceo@company.example", campaign_id=str(mine.pk), result_id=str(uuid.uuid4()))
    _message("ceo@other.example", campaign_id=str(theirs.pk))
    _message(other_user.email)

    response = auth_client.get("/api/outbox/")

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {str(to_me.pk), str(campaign_mail.pk)}
