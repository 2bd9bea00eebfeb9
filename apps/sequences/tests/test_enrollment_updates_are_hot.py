"""The scheduler advances, stops and pauses enrolments with HOT (heap-only) updates: no index of the
enrolment table names a column it writes, and the table keeps room in its pages for the new version
(models.Enrollment.SCHEDULER_WRITES, FILLFACTOR; sequences migration 0005). An update that is not
HOT writes an entry in every index: half of a scheduling pass's write before 2026-12-06."""

import datetime
import re

import pytest
from django.db import connection

from apps.leads.models import Lead
from apps.sequences.models import Enrollment
from apps.sequences.services import enrollments_stop, sequence_start, sequences_tick

from .factories import sequence_with
from .test_scheduler_faults import MONDAY_10, TWO_STEPS

pytestmark = pytest.mark.django_db
TABLE = Enrollment._meta.db_table


def _updates() -> tuple[int, int]:
    """(updates, HOT updates) of the enrolment table in this transaction (the test's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass", [TABLE]
        )
        return cursor.fetchone()


def test_no_index_names_a_column_the_scheduler_writes_and_pages_keep_room():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
        cursor.execute(
            "SELECT option_value FROM pg_class, pg_options_to_table(reloptions) "
            "WHERE oid = %s::regclass AND option_name = 'fillfactor'",
            [TABLE],
        )
        (fillfactor,) = cursor.fetchone()
    indexed = {c for index in constraints.values() if index["index"] or index["unique"] for c in index["columns"]}
    assert indexed & Enrollment.SCHEDULER_WRITES == set()
    # Django's introspection leaves out a partial index's predicate and an expression's columns; any of
    # them naming a written column (``WHERE state = 'active'``) makes the update not HOT just the same.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass", [TABLE])
        definitions = [definition for (definition,) in cursor.fetchall()]
    for definition in definitions:
        named = set(re.findall(r"[a-z_]+", definition.split(" USING ", 1)[1]))
        assert named & Enrollment.SCHEDULER_WRITES == set(), definition
    assert int(fillfactor) == Enrollment.FILLFACTOR


def test_a_stop_and_a_passs_advances_are_hot_updates(user, fake_sendgrid, send):
    """Each row updated once: the test is one transaction, so an earlier version of a row is never
    pruned here and a second update would not find room; across committed passes it is pruned when
    the page is next visited (bench_sequences prints the HOT share of every step's passes)."""
    leads = Lead.objects.bulk_create(
        Lead(user=user, name=f"리드 {n}", email=f"lead{n}@example.co.kr") for n in range(60)
    )
    sequence = sequence_with(user, leads, steps=TWO_STEPS, sender_name="세일즈원")
    sequence_start(sequence=sequence, now=MONDAY_10 - datetime.timedelta(hours=2))
    before = _updates()

    enrollments_stop(sequence=sequence, lead_ids=[lead.pk for lead in leads[:10]], now=MONDAY_10)
    send(sequences_tick, now=MONDAY_10)  # step 1 for the other 50

    updated, hot = (after - start for after, start in zip(_updates(), before, strict=True))
    assert updated == 10 + 50
    assert hot == updated
    assert fake_sendgrid.received_count == 50
