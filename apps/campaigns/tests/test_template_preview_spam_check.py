"""The template preview reports SpamAssassin's score of the message as sent (both parts), or says the
check is unavailable when no daemon is configured — never a made-up score."""

import pytest

from apps.deliverability.tests.conftest import spamd, spamd_url  # noqa: F401 — fixtures

from .factories import CampaignTemplateFactory

pytestmark = pytest.mark.django_db


def test_preview_reports_the_spam_score(auth_client, user, spamd):  # noqa: F811
    template = CampaignTemplateFactory(user=user)
    response = auth_client.post(f"/api/campaign-templates/{template.pk}/preview/", {}, format="json")

    assert response.status_code == 200, response.data
    report = response.data["spam_check"]
    assert report["available"] is True
    assert report["score"] == 0.0 and report["threshold"] == 5.0 and report["is_spam"] is False


def test_preview_without_a_daemon_says_the_check_is_unavailable(auth_client, user, settings):
    settings.SPAMD_URL = ""
    template = CampaignTemplateFactory(user=user)
    response = auth_client.post(f"/api/campaign-templates/{template.pk}/preview/", {}, format="json")

    assert response.status_code == 200
    report = response.data["spam_check"]
    assert report["available"] is False and report["score"] is None
    assert "SPAMD_URL" in report["detail"]
