"""Make the chunk claim a HOT update.

Every result row is written three times while sending (insert, claim, settle). The claim changed
`status` and `claimed_at`, both named by partial indexes (pending, sending), so it wrote a new entry
into every index of the table. Now no index names a column the claim writes: chunks, the completion
check and the reconcile job go through a plain (campaign, chunk) index, and the table leaves a third
of each page free so the new version of a row fits beside the old one (HOT needs room on the same
page; the fillfactor applies to pages written from now on). The provider-id index leaves out rows
without an id, so writing the recipient rows no longer fills it with empty strings.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_lean_result_indexes"),
        ("leads", "0003_drop_lead_ids_gin_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="campaignleadresult",
            name="campaign_result_pending",
        ),
        migrations.RemoveIndex(
            model_name="campaignleadresult",
            name="campaign_result_sending",
        ),
        migrations.RemoveIndex(
            model_name="campaignleadresult",
            name="campaign_result_provider_id",
        ),
        migrations.AddIndex(
            model_name="campaignleadresult",
            index=models.Index(fields=["campaign", "chunk"], name="campaign_result_chunk"),
        ),
        migrations.AddIndex(
            model_name="campaignleadresult",
            index=models.Index(
                condition=models.Q(("provider_message_id", ""), _negated=True),
                fields=["provider_message_id"],
                name="campaign_result_provider_id",
            ),
        ),
        migrations.RunSQL(
            "ALTER TABLE campaigns_campaignleadresult SET (fillfactor = 65)",
            reverse_sql="ALTER TABLE campaigns_campaignleadresult RESET (fillfactor)",
        ),
    ]
