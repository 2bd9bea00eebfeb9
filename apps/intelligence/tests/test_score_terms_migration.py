"""Migration 0003 carries the jsonb score terms over to arrays in committed batches, and a rerun after
a crash part-way (columns already added, some rows already carried, or breakdown already dropped)
finishes the job without failing or overwriting what was carried."""

import importlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.intelligence.models import LeadScore
from apps.leads.tests.factories import LeadFactory

BEFORE = ("intelligence", "0002_duplicate_suggestion_rule")
AFTER = ("intelligence", "0003_score_terms_as_arrays")
migration = importlib.import_module("apps.intelligence.migrations.0003_score_terms_as_arrays")


def migrate(target):
    MigrationExecutor(connection).migrate([target])


@pytest.fixture
def at_0002():
    migrate(BEFORE)
    try:
        yield
    finally:
        migrate(AFTER)  # the rest of the suite needs the schema of today


@pytest.mark.django_db(transaction=True)
def test_terms_are_carried_in_batches_and_a_rerun_finishes_the_job(at_0002, monkeypatch):
    monkeypatch.setattr(migration, "BATCH", 2)
    leads = LeadFactory.create_batch(5)
    with connection.cursor() as cursor:
        for n, lead in enumerate(leads):
            breakdown = {"points": [n, 1], "counts": [n], "last_at": ["2026-12-01T09:00:00+00:00"]} if n else {}
            cursor.execute(
                "INSERT INTO intelligence_leadscore (lead_id, score, breakdown, scored_at) VALUES (%s, %s, %s, now())",
                [lead.pk, n, json.dumps(breakdown)],
            )
        # A first run that crashed after adding the columns and carrying one row (then rescored).
        for statement in migration.ADD_COLUMNS:
            cursor.execute(statement)
        cursor.execute("UPDATE intelligence_leadscore SET points = '{9, 9}' WHERE lead_id = %s", [leads[1].pk])

    migrate(AFTER)

    scores = {score.lead_id: score for score in LeadScore.objects.all()}
    assert scores[leads[0].pk].points == []  # no terms stored: nothing to carry
    assert scores[leads[1].pk].points == [9, 9]  # carried before the crash: left as it was
    for n in (2, 3, 4):
        assert scores[leads[n].pk].points == [n, 1]
        assert scores[leads[n].pk].event_counts == [n]
        assert [moment.isoformat() for moment in scores[leads[n].pk].event_last_at] == ["2026-12-01T09:00:00+00:00"]

    with connection.schema_editor() as schema_editor:  # a rerun after breakdown was dropped
        migration.carry_over_terms(None, schema_editor)
    assert LeadScore.objects.get(pk=leads[2].pk).points == [2, 1]
