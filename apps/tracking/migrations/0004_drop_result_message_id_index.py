"""Replies are matched by the result id inside our Message-ID (<result id@domain>), by primary key:
the message_id index goes, so the campaigns settle, which writes message_id, is a HOT update."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0003_inbound_matched_by_manual"),
        ("campaigns", "0007_provider_requests"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS tracking_result_message_id_idx",
            reverse_sql="CREATE INDEX IF NOT EXISTS tracking_result_message_id_idx "
            "ON campaigns_campaignleadresult (message_id) WHERE message_id <> ''",
        )
    ]
