"""What the clients app does that writes: uploads, logged e-mails, client products, removing files from disk."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from .models import Client, ClientEmail, ClientEmailAttachment, ClientFile, ClientProduct
from .uploads import upload_validate


def _content_type(upload: UploadedFile) -> str:
    return (upload.content_type or "").split(";")[0].strip().lower()


@contextlib.contextmanager
def _stored_files_removed_on_error():
    """Bytes written for rows whose transaction fails are removed again: no orphan on disk."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def client_file_create(
    *, user, client: Client, upload: UploadedFile, name: str = "", description: str = ""
) -> ClientFile:
    """Store an upload under MEDIA_ROOT/clients/<client id>/files/ after checking its size and type."""
    upload_validate(upload=upload, field="file")
    with _stored_files_removed_on_error() as stored, transaction.atomic():
        client_file = ClientFile(
            client=client,
            user=user,
            name=(name or "").strip() or Path(upload.name).name,
            description=description or "",
            size=upload.size,
            content_type=_content_type(upload),
        )
        client_file.file.save(upload.name, upload, save=False)
        stored.append(client_file.file.name)
        client_file.save()
    return client_file


def client_email_create(*, user, client: Client, attachments: list[UploadedFile], **fields) -> ClientEmail:
    """Log an e-mail with its attachments; every attachment is checked before anything is stored."""
    for upload in attachments:
        upload_validate(upload=upload, field="attachments")
    with _stored_files_removed_on_error() as stored, transaction.atomic():
        email = ClientEmail.objects.create(client=client, user=user, **fields)
        for upload in attachments:
            attachment = ClientEmailAttachment(
                email=email, name=Path(upload.name).name, size=upload.size, content_type=_content_type(upload)
            )
            attachment.file.save(upload.name, upload, save=False)
            stored.append(attachment.file.name)
            attachment.save()
    return email


def client_product_fields_from_catalogue(*, fields: dict) -> dict:
    """A client product sold from the catalogue takes its name, plan, price and currency unless given."""
    product = fields.get("product")
    if product is None:
        return fields
    fields = dict(fields)
    if not fields.get("name"):
        fields["name"] = product.name
    if not fields.get("plan_type"):
        fields["plan_type"] = product.plan_type
    if fields.get("price") is None:
        fields["price"] = product.price
    if not fields.get("currency"):
        fields["currency"] = product.currency
    return fields


@transaction.atomic
def client_product_create(*, user, client: Client, **fields) -> ClientProduct:
    fields = client_product_fields_from_catalogue(fields=fields)
    return ClientProduct.objects.create(client=client, user=user, **fields)


def stored_file_delete_on_commit(name: str) -> None:
    """Remove a stored file once the transaction that deleted its row commits (never before)."""
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def client_media_dir_delete_on_commit(client: Client) -> None:
    """After a client is deleted, remove its upload directory (its files are gone with their rows)."""
    if not isinstance(default_storage, FileSystemStorage):
        return
    directory = Path(settings.MEDIA_ROOT) / client.media_dir
    transaction.on_commit(lambda: shutil.rmtree(directory, ignore_errors=True))
