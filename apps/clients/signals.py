"""Files on disk follow their rows: deleting a file, an attachment or a whole client removes the bytes."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Client, ClientEmailAttachment, ClientFile
from .services import client_media_dir_delete_on_commit, stored_file_delete_on_commit


@receiver(post_delete, sender=ClientFile, dispatch_uid="clients_file_bytes")
@receiver(post_delete, sender=ClientEmailAttachment, dispatch_uid="clients_attachment_bytes")
def _delete_stored_bytes(sender, instance, **kwargs):
    stored_file_delete_on_commit(instance.file.name)


@receiver(post_delete, sender=Client, dispatch_uid="clients_media_dir")
def _delete_client_media_dir(sender, instance, **kwargs):
    client_media_dir_delete_on_commit(instance)
