"""Behind a real PgBouncer in transaction mode (server connections handed out round-robin), the
campaign recipient writer keeps its session (advisory lock, temporary table across its slices) on the
session-mode pool of DATABASE_SESSION_URL and writes every row once; without that pool it breaks, which
is why docs/operations.md asks for it. Also: our default libpq ``options`` (jit=off) must be ignored by
PgBouncer and set by its connect_query instead."""

import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from apps.campaigns.models import CampaignLeadResult
from testing.pgbouncer import open_four_server_connections

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db(transaction=True)

WRITE = """
from apps.campaigns.services import campaign_write_recipients
print(campaign_write_recipients(campaign_id="{campaign}", dispatch=False))
"""


def _write_recipients(campaign, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", WRITE.format(campaign=campaign.pk)],
        cwd=settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "salesone.settings.test",
            "CAMPAIGN_CHUNK_SIZE": "5",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def _campaign(user, leads: int):
    return CampaignFactory(user=user, leadlists=[lead_list_with(user, [LeadFactory(user=user) for _ in range(leads)])])


def test_the_writer_keeps_its_session_on_the_session_pool(user, pgbouncer):
    campaign = _campaign(user, 120)  # 24 chunks of 5: three slices of 10 chunks, three transactions
    open_four_server_connections(f"{pgbouncer}/pooled")
    result = _write_recipients(
        campaign, {"DATABASE_URL": f"{pgbouncer}/pooled", "DATABASE_SESSION_URL": f"{pgbouncer}/session"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "120"
    rows = CampaignLeadResult.objects.filter(campaign=campaign)
    assert rows.count() == 120
    assert rows.values("lead_id").distinct().count() == 120
    assert sorted(set(rows.values_list("chunk", flat=True))) == list(range(24))
    with connection.cursor() as cursor:  # no advisory lock left behind on any server connection
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert cursor.fetchone()[0] == 0


def test_without_the_session_pool_the_writer_loses_its_temporary_table(user, pgbouncer):
    campaign = _campaign(user, 120)
    open_four_server_connections(f"{pgbouncer}/pooled")
    result = _write_recipients(campaign, {"DATABASE_URL": f"{pgbouncer}/pooled"})
    assert result.returncode != 0
    assert 'relation "campaign_recipients_todo" does not exist' in result.stderr
    assert CampaignLeadResult.objects.filter(campaign=campaign).count() < 120


def test_jit_is_off_through_the_session_pool_although_pgbouncer_ignores_libpq_options(pgbouncer):
    with psycopg.connect(f"{pgbouncer}/session", options="-c jit=on") as session:
        assert session.execute("SHOW jit").fetchone()[0] == "off"
