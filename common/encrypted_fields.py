"""Fields encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``), keys from
FIELD_ENCRYPTION_KEYS: the first encrypts, every one decrypts (MultiFernet), so a key is rotated by
putting a new one first and running ``manage.py rotate_field_keys``. Search over these fields is not
supported: the column holds a token, not the text.

What is encrypted is listed in README "Compliance"; the field class applies to any TextField. With
``encrypt_when="is_private"`` only the rows whose flag is set are encrypted (private client notes:
the public ones stay searchable).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# Every Fernet token starts with its version byte 0x80, which base64 writes as "gAAAAA": a value
# without it is plaintext written before the field was encrypted (the data migrations convert it).
TOKEN_PREFIX = "gAAAAA"
# Development and tests only (DEBUG or the test settings): a fixed key anybody can read.
_DEVELOPMENT_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"salesone development field key").digest())


def _keys() -> list[bytes]:
    keys = [key.strip().encode() for key in settings.FIELD_ENCRYPTION_KEYS if key.strip()]
    if keys:
        return keys
    # (Not settings.SETTINGS_MODULE: under override_settings it is None.)
    if settings.DEBUG or os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".test"):
        return [_DEVELOPMENT_KEY]
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS is empty: set one Fernet key (python -c 'from cryptography.fernet import "
        "Fernet; print(Fernet.generate_key().decode())') before storing personal data."
    )


def current_keys() -> list[bytes]:
    """The keys in force now: FIELD_ENCRYPTION_KEYS, or the development key under DEBUG and the tests
    (a bench that turns DEBUG off to time requests pins them first)."""
    return _keys()


@lru_cache(maxsize=4)
def _cipher_for(keys: tuple[bytes, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key: {exc}") from exc


def cipher() -> MultiFernet:
    return _cipher_for(tuple(_keys()))


def encrypt_text(value: str) -> str:
    return cipher().encrypt(value.encode()).decode()


def decrypt_text(value: str) -> str:
    if not value.startswith(TOKEN_PREFIX):
        return value  # plaintext from before the field was encrypted
    try:
        return cipher().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted field could not be decrypted with any key of FIELD_ENCRYPTION_KEYS (a key was removed "
            "before rotate_field_keys re-encrypted its values?)."
        ) from exc


def is_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


class _Encrypt(str):
    """A value pre_save decided to encrypt (for ``encrypt_when`` fields)."""


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; the empty string stays empty (nothing to hide, and blank checks
    keep working). Read back as plaintext."""

    def __init__(self, *args, encrypt_when: str | None = None, **kwargs):
        self.encrypt_when = encrypt_when
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encrypt_when:
            kwargs["encrypt_when"] = self.encrypt_when
        return name, path, args, kwargs

    def should_encrypt(self, instance) -> bool:
        return self.encrypt_when is None or bool(getattr(instance, self.encrypt_when))

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if value and self.should_encrypt(model_instance):
            return _Encrypt(value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value or is_encrypted(value):
            return value
        if isinstance(value, _Encrypt) or self.encrypt_when is None:
            return encrypt_text(str(value))
        return value

    def from_db_value(self, value, expression, connection):
        return decrypt_text(value) if value else value


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (a client's phone numbers) stored as the Fernet token of its JSON text, in a text
    column: every value is encrypted, the empty list too (its length says nothing then). Read back as
    the JSON value; the admin edits it as JSON. No lookup inside it: the column holds a token."""

    def pre_save(self, model_instance, add):
        return getattr(model_instance, self.attname)

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, str) and is_encrypted(value):
            return value
        return encrypt_text(json.dumps(value, ensure_ascii=False))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return json.loads(decrypt_text(value))

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return self.value_from_object(obj)  # as JSONField: serializers (the privacy export) write the list

    def formfield(self, **kwargs):
        return models.Field.formfield(self, **{"form_class": forms.JSONField, **kwargs})


def encrypted_fields(models_iterable):
    """(model, field) of every EncryptedTextField among the given models (the Django app registry's)."""
    for model in models_iterable:
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def reencrypt_column(*, table: str, column: str, pk: str = "id", batch: int = 1000, only_if=None) -> int:
    """Encrypt a column's plaintext values and rotate its tokens to the first key, in batches of raw
    SQL (no model save: updated_at and signals stay untouched). ``only_if``: a callable on the row's
    extra columns deciding whether plaintext is encrypted (the flag of an ``encrypt_when`` field),
    given as (sql_column, predicate). Returns the rows rewritten."""
    from django.db import connection, transaction

    flag_sql, predicate = only_if if only_if else ("NULL", None)
    rewritten = 0
    last = None
    multi = None  # the keys are needed only when there is a value (a fresh database migrates without them)
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            where = f"WHERE {pk} > %s" if last is not None else ""
            cursor.execute(
                f"SELECT {pk}, {column}, {flag_sql} FROM {table} {where} ORDER BY {pk} LIMIT %s",
                [last, batch] if last is not None else [batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            last = rows[-1][0]
            for row_pk, value, flag in rows:
                if not value:
                    continue
                multi = multi or cipher()
                if is_encrypted(value):
                    new = multi.rotate(value.encode()).decode()
                elif predicate is None or predicate(flag):
                    new = multi.encrypt(value.encode()).decode()
                else:
                    continue
                cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", [new, row_pk])
                rewritten += 1
