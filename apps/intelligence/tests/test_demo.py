"""seed_demo's intelligence part leaves the demo user one duplicate pair to merge, whatever order
leads created at one instant come back in (tests seed the demo under a frozen clock)."""

import io
from datetime import UTC, datetime

import pytest
import time_machine

from apps.accounts.tests.factories import UserFactory
from apps.intelligence.demo import duplicate_source_pick, seed
from apps.intelligence.models import DuplicateSuggestion
from apps.leads.models import Lead
from apps.leads.tests.factories import LeadFactory
from common.demo import DemoContext

pytestmark = pytest.mark.django_db

# Demo lead names: one is already "<words> 주식회사", which is its own normalised duplicate name.
NAMES = ["한빛애드 주식회사", "(주)그린테이블", "주식회사 바른먹거리"]


@pytest.mark.usefixtures("national_db_only")
def test_seed_always_leaves_a_duplicate_pair_under_one_clock():
    for _ in range(8):  # random UUID pks: each user's leads tie on created_at in another order
        user = UserFactory()
        with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
            for name in NAMES:
                LeadFactory(user=user, name=name)
            seed(DemoContext(user=user, stdout=io.StringIO()))
        assert DuplicateSuggestion.objects.filter(user=user).count() == 1


def test_the_source_is_by_name_and_never_a_lead_that_is_its_own_duplicate():
    user = UserFactory()
    for name in ["가온 주식회사", "(주)하늘정밀", "주식회사 나래"]:
        LeadFactory(user=user, name=name)
    leads = Lead.objects.filter(user=user)

    lead, duplicate_name = duplicate_source_pick(leads)
    assert (lead.name, duplicate_name) == ("(주)하늘정밀", "하늘정밀 주식회사")
    Lead.objects.filter(user=user).exclude(name="가온 주식회사").delete()
    assert duplicate_source_pick(leads) is None
