"""The admin (Korean staff UI) shows times in Asia/Seoul and says so on every page; the API shows the
same instant in UTC."""

import datetime

import pytest
import time_machine
from django.test import Client

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import CampaignFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

SCHEDULED = datetime.datetime(2026, 3, 3, 0, 30, tzinfo=datetime.UTC)  # 09:30 in Seoul


def test_admin_shows_seoul_time_labelled_and_api_shows_utc():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC), tick=False):
        staff = UserFactory(is_staff=True, is_superuser=True)
        campaign = CampaignFactory(user=staff, scheduled_at=SCHEDULED)
        browser = Client()
        browser.force_login(staff)
        page = browser.get("/admin/campaigns/campaign/").content.decode()
        assert "한국 표준시(KST, Asia/Seoul)" in page
        assert '<td class="field-scheduled_at nowrap">2026년 3월 3일 9:30 오전</td>' in page
        api = client_for(staff).get(f"/api/campaigns/{campaign.pk}/").json()
        assert api["scheduled_at"] == "2026-03-03T00:30:00.000000Z"
