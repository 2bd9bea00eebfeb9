"""The admin: the consent ledger per address (read-only), and a warning on every non-advertising
campaign (exempt from consent and from "(광고)": only replies and transactional notices may be)."""

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import CampaignFactory
from apps.consent.services import consent_grant, consent_withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_ledger_of_one_address_newest_first_and_read_only(staff, user):
    consent_grant(user=user, email="ceo@nexpa.co.kr", basis="opt_in_form", source="뉴스레터 폼", notify=False)
    consent_withdraw(user=user, email="ceo@nexpa.co.kr", source="수신거부 페이지", notify=False)
    consent_grant(user=user, email="other@nexpa.co.kr", basis="opt_in_form", notify=False)
    page = staff.get("/admin/consent/consentevent/", {"q": "ceo@nexpa.co.kr"}).content.decode()
    assert page.index("수신거부 페이지") < page.index("뉴스레터 폼") and "other@nexpa.co.kr" not in page
    assert staff.get("/admin/consent/consentevent/add/").status_code == 403


def test_non_advertising_campaign_shows_a_warning(staff):
    campaign = CampaignFactory(is_advertising=False)
    page = staff.get(f"/admin/campaigns/campaign/{campaign.pk}/change/", headers={"accept-language": "en"})
    assert "marked non-advertising" in page.content.decode()
    advertising = CampaignFactory()
    page = staff.get(f"/admin/campaigns/campaign/{advertising.pk}/change/", headers={"accept-language": "en"})
    assert "marked non-advertising" not in page.content.decode()
