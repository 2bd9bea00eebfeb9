import io

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.leads import demo as leads_demo
from apps.opportunities import demo
from apps.opportunities.models import Opportunity, OpportunityStatusChange
from common.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_demo_pipeline_is_seeded_once_with_history():
    ctx = DemoContext(user=UserFactory(), stdout=io.StringIO())
    leads_demo.seed(ctx)

    demo.seed(ctx)
    demo.seed(ctx)

    opportunities = Opportunity.objects.filter(user=ctx.user)
    assert opportunities.count() == 6
    assert set(opportunities.values_list("status", flat=True)) >= {"new", "qualified", "negotiation", "won", "lost"}
    assert opportunities.filter(lead__isnull=False).count() == 6
    # one creation row plus one per move, written only by the first run
    assert OpportunityStatusChange.objects.filter(opportunity__user=ctx.user).count() == 6 + 9
