"""The result table keeps the regime that makes every claim and settle a HOT update
(apps/campaigns/hot_updates.py), and ``manage.py check --database default`` says when it is lost:
an index on a column the send writes, or a fillfactor reset."""

import re

import pytest
from django.core.management import call_command
from django.db import connection

from apps.campaigns import email_sender, services
from apps.campaigns.hot_updates import SEND_WRITES, check_hot_update_regime

pytestmark = pytest.mark.django_db


def _warnings() -> list[str]:
    return [message.id for message in check_hot_update_regime(databases=["default"])]


def test_the_migrated_table_keeps_the_regime():
    assert _warnings() == []
    call_command("check", "--database", "default")  # no warning raised as an error either


def test_an_index_on_a_column_the_send_writes_is_reported():
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX test_hot_status ON campaigns_campaignleadresult (status, claimed_at)")
    [warning] = check_hot_update_regime(databases=["default"])
    assert warning.id == "campaigns.W001"
    assert "claimed_at, status" in warning.msg


def test_a_reset_fillfactor_is_reported():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE campaigns_campaignleadresult RESET (fillfactor)")
    [warning] = check_hot_update_regime(databases=["default"])
    assert warning.id == "campaigns.W002"
    assert "fillfactor 100, not 18" in warning.msg


def test_without_the_database_option_nothing_is_asked():
    assert check_hot_update_regime(databases=None) == []


def _assigned_columns(sql: str) -> set[str]:
    assignments = re.search(r"\bSET (.*?)\n\s*(?:FROM|WHERE)\b", sql, re.S).group(1)
    return set(re.findall(r"(?:^|,)\s*(\w+) =", assignments))


def test_the_columns_listed_are_the_ones_the_send_sql_writes():
    statements = [
        email_sender._CLAIM_SQL,
        email_sender._CLAIM_CHUNK_SQL,
        email_sender._SETTLE_SENT_SQL,
        email_sender._SETTLE_FAILED_SQL,
        email_sender._SETTLE_UNKNOWN_SQL,
        email_sender._RELEASE_SQL,
        services._UNKNOWN_STALE_SQL,
    ]
    assert set().union(*map(_assigned_columns, statements)) == SEND_WRITES
