"""Leads already in the system when the ledger appears: one "existing data, basis unknown" event per
(user, address), dated now. Advertising campaigns exclude them (CONSENT_ALLOW_UNKNOWN_BASIS=true
sends to them) until the customer records a real basis. Reversed: the rows it wrote go again."""

from django.db import migrations

RECORD = """
INSERT INTO consent_consentevent (
    id, created_at, updated_at, user_id, email, kind, basis, source, occurred_at, evidence_text,
    evidence_file, deal_date, actor_id
)
SELECT gen_random_uuid(), now(), now(), l.user_id, l.email, 'granted', 'unknown',
       'migration: existing data', now(), '', '', NULL, NULL
FROM (SELECT DISTINCT user_id, lower(btrim(email)) AS email FROM leads_lead WHERE btrim(email) <> '') l
"""
FORGET = "DELETE FROM consent_consentevent WHERE source = 'migration: existing data' AND basis = 'unknown'"


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        ("leads", "0004_translatable_labels"),
    ]

    operations = [migrations.RunSQL(RECORD, FORGET)]
