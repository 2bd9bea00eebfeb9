"""Replies are matched by Message-ID: index CampaignLeadResult.message_id (a campaigns table) for it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0001_initial"),
        ("campaigns", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS tracking_result_message_id_idx "
            "ON campaigns_campaignleadresult (message_id) WHERE message_id <> ''",
            reverse_sql="DROP INDEX IF EXISTS tracking_result_message_id_idx",
        )
    ]
