"""Checks every upload to a client (files, e-mail attachments) passes: size, extension, type, signature."""

import posixpath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from common.upload_size import upload_check_size

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office formats and HWP 5
ZIP = b"PK\x03\x04"  # OOXML, HWPX and zip
# First bytes each format must start with; formats without a signature (txt, csv) are not sniffed.
SIGNATURES = {
    "pdf": [b"%PDF-"],
    "png": [b"\x89PNG\r\n\x1a\n"],
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "gif": [b"GIF87a", b"GIF89a"],
    "webp": [b"RIFF"],
    "doc": [OLE],
    "xls": [OLE],
    "ppt": [OLE],
    "hwp": [OLE],
    "docx": [ZIP],
    "xlsx": [ZIP],
    "pptx": [ZIP],
    "hwpx": [ZIP],
    "zip": [ZIP, b"PK\x05\x06"],
}
TEXT_TYPES = {"txt", "csv"}


def upload_extension(filename: str) -> str:
    return posixpath.splitext(filename or "")[1].lstrip(".").lower()


def upload_validate(*, upload: UploadedFile, field: str = "file") -> None:
    """Raise 413 when the upload is over CLIENT_FILE_MAX_BYTES, 400 when its type is not allowed."""
    upload_check_size(upload, limit=settings.CLIENT_FILE_MAX_BYTES)
    allowed = settings.CLIENT_FILE_ALLOWED_TYPES
    extension = upload_extension(upload.name)
    if extension not in allowed:
        raise ValidationError(
            {
                field: [
                    _("Files of type .%(extension)s are not accepted. Allowed: %(allowed)s.")
                    % {"extension": extension or "(none)", "allowed": ", ".join(sorted(allowed))}
                ]
            }
        )
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in allowed[extension]:
        raise ValidationError(
            {
                field: [
                    _("A .%(extension)s file must be sent as %(types)s, not %(sent)s.")
                    % {"extension": extension, "types": _(" or ").join(allowed[extension]), "sent": content_type}
                ]
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if extension in TEXT_TYPES:
        if b"\x00" in head:
            raise ValidationError({field: [_("%(name)s is not a text file.") % {"name": upload.name}]})
        return
    signatures = SIGNATURES.get(extension)
    if signatures and not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(
            {
                field: [
                    _("%(name)s does not contain a .%(extension)s file.")
                    % {"name": upload.name, "extension": extension}
                ]
            }
        )
