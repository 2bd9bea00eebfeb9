"""POST /api/deliverability/spam-check/ scores the demo template with the real SpamAssassin daemon."""

from apps.campaigns.demo import TEMPLATE_BODY, TEMPLATE_TITLE
from apps.campaigns.tests.factories import CampaignTemplateFactory
from conftest import client_for


def _scored(report):
    return {rule["name"]: rule["score"] for rule in report["rules"] if rule["score"] != 0}


def test_demo_template_as_advertising_mail(spamd, settings, user):
    settings.PUBLIC_BASE_URL = "https://api.salesone.kr"
    template = CampaignTemplateFactory(user=user, title=TEMPLATE_TITLE, body=TEMPLATE_BODY)

    response = client_for(user).post("/api/deliverability/spam-check/", {"template_id": str(template.pk)})

    assert response.status_code == 200
    report = response.json()
    assert report["available"] is True
    # A text part and a complete document (common/email_content.py): nothing left to count. (Before
    # them: 0.7, HTML_OBFUSCATE_05_10 0.6 from the footer's markup and MIME_HTML_ONLY 0.1.)
    assert (report["score"], report["threshold"], report["is_spam"]) == (0.0, 5.0, False)
    assert _scored(report) == {}
    assert all(rule["description"] for rule in report["rules"])
    assert report["detail"] == "" and report["max_score_advertising"] == 5.0


def test_demo_template_without_the_advertising_footer(spamd, user):
    template = CampaignTemplateFactory(user=user, title=TEMPLATE_TITLE, body=TEMPLATE_BODY)

    report = (
        client_for(user)
        .post("/api/deliverability/spam-check/", {"template_id": str(template.pk), "is_advertising": False})
        .json()
    )

    assert report["score"] == 0.0
    assert _scored(report) == {}
