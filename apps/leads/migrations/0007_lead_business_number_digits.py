"""Lead business numbers are stored as their 10 digits (123-45-67890 → 1234567890), as every write path
has stored them since the lead admin normalised too (common/korean_ids.normalize_business_number), and as
clients' were migrated (clients 0003): the sequences' client stop and the leads' filter compare the stored
strings. A value that is not 10 digits once everything but the digits is gone is left as it was, and so is
one whose digits another lead of the same user already has (the unique (user, business_number) index: the
two are duplicates, which the lead merge resolves)."""

from django.db import migrations

NORMALISE = r"""
WITH digits AS (
    SELECT DISTINCT ON (user_id, number) id, user_id, number
    FROM (
        SELECT id, user_id, regexp_replace(business_number, '[^0-9]', '', 'g') AS number
        FROM leads_lead
        WHERE business_number ~ '[^0-9]'
    ) l
    WHERE number ~ '^[0-9]{10}$'
    ORDER BY user_id, number, id
)
UPDATE leads_lead l SET business_number = d.number
FROM digits d
WHERE l.id = d.id
  AND NOT EXISTS (SELECT 1 FROM leads_lead o WHERE o.user_id = d.user_id AND o.business_number = d.number)
"""


class Migration(migrations.Migration):
    dependencies = [("leads", "0006_lead_timezone")]

    # Backwards: the digits are a valid stored form for the old code too.
    operations = [migrations.RunSQL(NORMALISE, migrations.RunSQL.noop)]
