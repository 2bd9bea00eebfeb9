"""Uploaded files encrypted at rest (issue 22): the storage of client files, logged e-mails'
attachments and data-subject export ZIPs writes ``HEADER + Fernet token`` and reads the original bytes
back, with the same keys as the encrypted fields (common/encrypted_fields.py, FIELD_ENCRYPTION_KEYS).

Fernet is one-shot (no streaming API), so a file is encrypted and decrypted whole in memory: the
plaintext, its token (4/3 of it) and their copies. Measured (`manage.py bench_file_encryption`) at
the 25 MB CLIENT_FILE_MAX_BYTES: a heap peak of about 92 MB to save, 117 MB to read, 125 MB to
rotate, one file at a time. Chunked encryption would need a format of our own around Fernet; the
limit makes the simple choice affordable (raise the limit, and this is the first thing to revisit).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from .encrypted_fields import cipher

# Written before the token: a file that starts with it is already encrypted (the data migration and
# rotate_field_keys recognise it), any other file is plaintext stored before encryption.
HEADER = b"SALESONE-FERNET-1\n"


def encrypt_bytes(data: bytes) -> bytes:
    return HEADER + cipher().encrypt(data)


def is_encrypted_bytes(data: bytes) -> bool:
    return data.startswith(HEADER)


def decrypt_bytes(data: bytes) -> bytes:
    if not is_encrypted_bytes(data):
        return data  # stored before encryption at rest (the data migration converts it)
    try:
        return cipher().decrypt(data[len(HEADER) :])
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored file could not be decrypted with any key of FIELD_ENCRYPTION_KEYS (a key was removed "
            "before rotate_field_keys re-encrypted the files?)."
        ) from exc


class EncryptedFileSystemStorage(FileSystemStorage):
    """MEDIA_ROOT on disk, every file's bytes a Fernet token. ``size()`` is the size on disk; the rows
    keep the original size."""

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        return super()._save(name, ContentFile(encrypt_bytes(content.read())))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Encrypted files are written through save(), not opened for writing.")
        with super()._open(name, "rb") as stored:
            data = decrypt_bytes(stored.read())
        return ContentFile(data, name=name)


encrypted_storage_instance = EncryptedFileSystemStorage()


def encrypted_storage() -> EncryptedFileSystemStorage:
    """The storage of FileFields holding personal files (a callable: migrations record its path)."""
    return encrypted_storage_instance


def reencrypt_file(path: Path) -> bool:
    """Encrypt a plaintext file in place, or rotate an encrypted one to the first key. The new bytes
    go to a temporary file beside it and replace it atomically: a crash leaves the old file whole.
    Returns False when the file is missing."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    multi = cipher()
    token = multi.rotate(data[len(HEADER) :]) if is_encrypted_bytes(data) else multi.encrypt(data)
    new = HEADER + token
    del data, token  # one file's plaintext and token at a time
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".reencrypt-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(new)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def reencrypt_file_column(*, table: str, column: str, media_root, batch: int = 500) -> int:
    """Encrypt (or rotate) every file named in a FileField column, one file at a time. Returns the
    files rewritten; a row whose file is missing on disk is skipped."""
    from django.db import connection

    root = Path(media_root)
    rewritten = 0
    last = None
    while True:
        with connection.cursor() as cursor:
            where = "AND id > %s" if last is not None else ""
            cursor.execute(
                f"SELECT id, {column} FROM {table} WHERE {column} <> '' {where} ORDER BY id LIMIT %s",
                [last, batch] if last is not None else [batch],
            )
            rows = cursor.fetchall()
        if not rows:
            return rewritten
        last = rows[-1][0]
        for _row_id, name in rows:
            if reencrypt_file(root / name):
                rewritten += 1


def encrypted_file_fields(models_iterable):
    """(model, field) of every FileField stored with the encrypted storage."""
    from django.db.models import FileField

    for model in models_iterable:
        for field in model._meta.concrete_fields:
            if isinstance(field, FileField) and isinstance(field.storage, EncryptedFileSystemStorage):
                yield model, field
