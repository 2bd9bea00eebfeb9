"""seed_demo's part: companies and industries, then (the leads demo's part) a few of them imported
into the demo user's leads and a list; the same after a second run."""

from io import StringIO

import pytest

from apps.leads import demo as leads_demo
from apps.leads.models import Lead, LeadList
from apps.salesone_leads import demo
from apps.salesone_leads.models import Industry, SalesOneLead
from common.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(user, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_COMPANIES", 300)
    context = DemoContext(user=user, stdout=StringIO())
    demo.seed(context)
    leads_demo.seed(context)
    counts = (SalesOneLead.objects.count(), Industry.objects.count(), Lead.objects.filter(user=user).count())
    assert counts[0] == 300 and counts[2] > len(leads_demo.COMPANIES)
    demo.seed(context)
    leads_demo.seed(context)
    assert (SalesOneLead.objects.count(), Industry.objects.count(), Lead.objects.filter(user=user).count()) == counts
    lead_list = LeadList.objects.get(user=user, name=leads_demo.SALESONE_LIST)
    assert len(lead_list.lead_ids) == counts[2] - len(leads_demo.COMPANIES)
    imported = Lead.objects.filter(pk__in=lead_list.lead_ids)
    assert set(imported.values_list("si_nm", flat=True)) == {"서울특별시"}
