"""Migration 0011 can be run again after CREATE INDEX CONCURRENTLY failed: the INVALID index such a
failure leaves is dropped and built again instead of being kept by IF NOT EXISTS."""

import importlib

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)  # DROP/CREATE INDEX CONCURRENTLY need autocommit

migration = importlib.import_module("apps.salesone_leads.migrations.0011_search_name_head")


def _is_valid() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = %s::regclass", [migration.INDEX])
        return cursor.fetchone()[0]


def test_rerun_rebuilds_an_index_a_failed_concurrent_build_left_invalid():
    with connection.cursor() as cursor:
        # What a failed concurrent build leaves: the index exists, marked not valid.
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", [migration.INDEX])
    assert not _is_valid()

    with connection.schema_editor(atomic=False) as schema_editor:
        migration.create_name_head_index(None, schema_editor)

    assert _is_valid()


def test_rerun_keeps_a_valid_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::regclass::oid", [migration.INDEX])
        before = cursor.fetchone()[0]
        with connection.schema_editor(atomic=False) as schema_editor:
            migration.create_name_head_index(None, schema_editor)
        cursor.execute("SELECT %s::regclass::oid", [migration.INDEX])
        assert cursor.fetchone()[0] == before and _is_valid()
