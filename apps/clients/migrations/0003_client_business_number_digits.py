"""Client business numbers are stored as the 10 digits, as leads store them (123-45-67890 → 1234567890).
A stored value that is not 10 digits once dashes and spaces are gone is left as it was."""

from django.db import migrations

NORMALISE = r"""
UPDATE clients_client SET business_number = regexp_replace(business_number, '[\s-]', '', 'g')
WHERE business_number ~ '[\s-]' AND regexp_replace(business_number, '[\s-]', '', 'g') ~ '^[0-9]{10}$'
"""


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_clientemail_clientemailattachment_clientfile_and_more")]

    # Backwards: the digits are a valid stored form for the old code too.
    operations = [migrations.RunSQL(NORMALISE, migrations.RunSQL.noop)]
