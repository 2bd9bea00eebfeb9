"""Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart, run
this command, then remove the old keys. Safe to run again; plaintext left in an encrypted column
(a row written before its data migration) is encrypted on the way. Files of the encrypted storage
(common/encrypted_files.py) are rewritten too, one at a time (each whole in memory: Fernet is one-shot).
"""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from common.encrypted_fields import encrypted_fields, reencrypt_column
from common.encrypted_files import encrypted_file_fields, reencrypt_file_column


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000, help="rows per transaction")

    def handle(self, *args, batch: int, **options):
        total = 0
        for model, field in encrypted_fields(apps.get_models()):
            only_if = None
            if field.encrypt_when:
                flag = model._meta.get_field(field.encrypt_when).column
                only_if = (flag, bool)
            count = reencrypt_column(
                table=model._meta.db_table, column=field.column, pk=model._meta.pk.column, batch=batch, only_if=only_if
            )
            total += count
            self.stdout.write(f"{model._meta.label}.{field.name}: {count} values re-encrypted")
        files = 0
        for model, field in encrypted_file_fields(apps.get_models()):
            count = reencrypt_file_column(
                table=model._meta.db_table, column=field.column, media_root=settings.MEDIA_ROOT
            )
            files += count
            self.stdout.write(f"{model._meta.label}.{field.name}: {count} files re-encrypted")
        self.stdout.write(f"{total} values and {files} files re-encrypted with the first key")
