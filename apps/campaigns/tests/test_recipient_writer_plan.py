"""The recipient writer's re-run after a crash compares the candidates with the rows written so far
in one pass (a hash anti-join), not each candidate with every written row: a nested loop over the
written rows is quadratic (at 100,000 recipients, half written, its numbering ran over 353 s where
the hash join takes 10.9 s; docs/sending-performance.md, "Fourth pass")."""

import json

import pytest
from django.db import connection, transaction

from apps.campaigns import services
from apps.campaigns.models import Campaign

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
WRITTEN = {"campaign_recipients_written", "campaigns_campaignleadresult"}  # and the CTE of the old shape


def _joins_of_the_written_rows(node, ancestors=()) -> list[str]:
    """How each scan of the written rows (their table, or a CTE over them) is joined with the
    candidates: the node type of its nearest join, or "SubPlan" if it is probed once per row."""
    found = []
    if node.get("Relation Name") in WRITTEN or node.get("CTE Name") == "written":
        for ancestor in reversed((*ancestors, node)):
            if ancestor.get("Parent Relationship") == "SubPlan":
                found.append("SubPlan")
                break
            if ancestor is not node and ancestor["Node Type"] in ("Nested Loop", "Hash Join", "Merge Join"):
                found.append(ancestor["Node Type"])
                break
    for child in node.get("Plans", []):
        found += _joins_of_the_written_rows(child, (*ancestors, node))
    return found


def test_a_rerun_after_a_crash_joins_the_written_rows_by_hash_not_by_nested_loop(user):
    leads = [LeadFactory(user=user) for _ in range(200)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    write_recipients(campaign)
    campaign.results.filter(lead__in=leads[::2]).delete()  # died half-way
    Campaign.objects.filter(pk=campaign.pk).update(recipients_written_at=None)
    campaign.refresh_from_db()
    params = services.recipients_sql_params(campaign)

    with transaction.atomic(), connection.cursor() as cursor:
        statement = services._numbering_sql(cursor, params)
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, params)
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        cursor.execute("DROP TABLE IF EXISTS campaign_recipients_written")

    assert _joins_of_the_written_rows(plan[0]["Plan"]) == ["Hash Join"]
