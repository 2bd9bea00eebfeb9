import io

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.leads import demo
from apps.leads.models import Lead, LeadList
from common.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_realistic():
    ctx = DemoContext(user=UserFactory(), stdout=io.StringIO())

    demo.seed(ctx)
    first = {list_.name: list(list_.lead_ids) for list_ in LeadList.objects.filter(user=ctx.user)}
    demo.seed(ctx)

    leads = Lead.objects.filter(user=ctx.user)
    assert leads.count() == 30
    assert {list_.name: list(list_.lead_ids) for list_ in LeadList.objects.filter(user=ctx.user)} == first
    assert all(len(ids) > 0 for ids in first.values())
    daewoo = leads.get(name="(주)대우캐리어판매")
    assert (daewoo.owner, daewoo.corporation_number, daewoo.business_number) == (
        "이경남",
        "1101111713381",
        "1188120723",
    )
    assert all(lead.business_number_valid and lead.corporation_number_valid for lead in leads)
