"""The hot-update regime of campaign results: why sending rewrites a result row in its own page.

A campaign writes each result row three times: the recipient writer inserts it (pending), a chunk's
worker claims it (pending → sending) and settles it (sent, failed or unknown; result_states.py). At
thousands of e-mails a second, an update that adds an entry to every index of the table was the
send's largest cost and bloated the indexes. PostgreSQL skips the indexes (a HOT, heap-only tuple,
update) when (1) no index names a column the update changes and (2) the new version fits in the
same page. So:

1. No index of the result table names a column the send writes (``SEND_WRITES``). A chunk, the
   completion check, the reconcile job and the resolver find their rows through the (campaign,
   chunk) index, which nothing changes while sending, walking the chunks one by one
   (services._CHUNKS). Webhooks that name only the provider's message id and the recipient find the
   (campaign, chunk) in ``CampaignProviderRequest``, one row per provider request written with the
   settle; replies find the row by the result id inside our Message-ID (its primary key,
   apps/tracking/replies.py). Hence no index on status, claimed_at, provider_message_id, message_id.
2. The table keeps free room in its pages: fillfactor ``FILLFACTOR``. A written row is ~160 bytes,
   its settled version ~600 (provider id, Message-ID, title, text); a chunk's rows sit side by side
   and the settle rewrites a page's rows in one statement, so a page needs room for n × (160 + 600)
   bytes: ~10 rows per 8 kB page. At 45, 37% of the settles were HOT in bench_campaign_send; at 18
   all of them (and every claim).

Where it was decided: campaigns migrations 0004_hot_claim (the status indexes go, (campaign, chunk)
comes, fillfactor 65), 0005_fillfactor_45 (45: every claim HOT), 0007_provider_requests (the
provider-id index becomes CampaignProviderRequest, fillfactor 18: every settle HOT) and tracking
0004_drop_result_message_id_index. The migrations keep the names they were applied under: each name
says what it did when it was written (0005 did set 45), and a new name with ``replaces`` would only
rename history at the price of an alias every later dependency must go through; the current regime
is this module's: ``manage.py check --database default`` warns when the database lost it (an index
made by hand, a fillfactor reset), and ``test_hot_update_regime`` checks it on every test run.
"""

from __future__ import annotations

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.migrations.recorder import MigrationRecorder

from .models import CampaignLeadResult

# The columns a send's statements write (email_sender.py: claim, settle sent/failed/unknown, release;
# services.py: the reconcile job's lease expiry). None may be named by an index.
CLAIM_WRITES = frozenset({"status", "claimed_at", "updated_at"})
SETTLE_WRITES = frozenset(
    {
        "status",
        "sent",
        "sent_at",
        "provider",
        "provider_message_id",
        "message_id",
        "title",
        "data",
        "error_message",
        "retryable",
        "updated_at",
    }
)
SEND_WRITES = CLAIM_WRITES | SETTLE_WRITES

# Percent of each page the table fills on insert, and the migration that set it.
FILLFACTOR = 18
FILLFACTOR_MIGRATION = ("campaigns", "0007_provider_requests")


def indexed_columns_written_by_send() -> set[str]:
    """The columns the send writes that an index of the result table names: empty while every claim
    and settle can be a HOT update."""
    table = CampaignLeadResult._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    # A unique constraint is an index too: it would make the update write a new entry as well.
    indexed = {
        column
        for constraint in constraints.values()
        if constraint["index"] or constraint["unique"]
        for column in constraint["columns"]
    }
    return indexed & SEND_WRITES


def result_table_fillfactor() -> int | None:
    """The result table's fillfactor as stored in PostgreSQL (None: the default, 100)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT option_value FROM pg_class, pg_options_to_table(reloptions) "
            "WHERE oid = %s::regclass AND option_name = 'fillfactor'",
            [CampaignLeadResult._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


@checks.register(checks.Tags.database)
def check_hot_update_regime(*, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn when the result table lost what keeps claims and settles HOT (not before the migration
    that set it is applied: ``migrate`` runs the database checks first)."""
    if not databases or DEFAULT_DB_ALIAS not in databases:
        return []
    if FILLFACTOR_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return []
    table = CampaignLeadResult._meta.db_table
    problems: list[checks.CheckMessage] = []
    columns = indexed_columns_written_by_send()
    if columns:
        problems.append(
            checks.Warning(
                f"An index of {table} names {', '.join(sorted(columns))}, which every send writes: claims and "
                "settles are no longer HOT updates (each one writes every index of the table).",
                hint="Drop that index: the send finds its rows by (campaign, chunk) (apps/campaigns/hot_updates.py).",
                id="campaigns.W001",
            )
        )
    fillfactor = result_table_fillfactor()
    if fillfactor != FILLFACTOR:
        problems.append(
            checks.Warning(
                f"{table} has fillfactor {fillfactor or 100}, not {FILLFACTOR}: settled rows no longer fit in "
                "their page and the settle stops being a HOT update.",
                hint=f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR}) (apps/campaigns/hot_updates.py).",
                id="campaigns.W002",
            )
        )
    return problems
