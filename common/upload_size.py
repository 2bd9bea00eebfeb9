"""The one size check every upload passes (client files, e-mail attachments, consent evidence): a 413
that names the file, its size and the limit; each caller passes the setting that limits it.

``upload_limit_guard`` refuses an oversize upload before it is read: at once when the request's
Content-Length already says too much, otherwise as soon as a file's chunks pass the limit (Django
would read the whole body into a temporary file first, and the size check would come after).
"""

from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

from common.exceptions import PayloadTooLarge

# Room for the multipart envelope and the other form fields around the file(s).
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _limit_words(limit: int) -> dict:
    return {"limit": f"{limit:,}", "megabytes": f"{limit / (1024 * 1024):.0f}"}


def upload_check_size(upload, *, limit: int) -> None:
    """413 when ``upload`` (an UploadedFile, or None for no file) is larger than ``limit`` bytes."""
    if upload is not None and upload.size > limit:
        raise PayloadTooLarge(
            _("%(name)s is %(size)s bytes; the largest file accepted is %(limit)s bytes (%(megabytes)s MB).")
            % {"name": upload.name, "size": f"{upload.size:,}", **_limit_words(limit)}
        )


def upload_too_large(*, size_hint: str, limit: int, setting: str = "") -> PayloadTooLarge:
    """The 413 for a body refused before its file is whole (the size is only a hint: declared or 'over …');
    it names ``setting`` when given (the name of the setting that holds ``limit``)."""
    if setting:
        return PayloadTooLarge(
            _("The upload is %(size)s; %(setting)s allows %(limit)s bytes.")
            % {"size": size_hint, "setting": setting, "limit": f"{limit:,}"}
        )
    return PayloadTooLarge(
        _("The upload is %(size)s; the largest file accepted is %(limit)s bytes (%(megabytes)s MB).")
        % {"size": size_hint, **_limit_words(limit)}
    )


class _UploadLimitHandler(FileUploadHandler):
    """Stops reading as soon as one file passes ``limit`` bytes."""

    def __init__(self, request, limit: int, setting: str):
        super().__init__(request)
        self.limit, self.setting = limit, setting

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            size_hint = _("over %(limit)s bytes") % {"limit": f"{self.limit:,}"}
            raise upload_too_large(size_hint=size_hint, limit=self.limit, setting=self.setting)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file


def upload_limit_guard(request, *, limit: int, max_files: int = 1, setting: str = "") -> None:
    """Before the body is read: 413 at once when Content-Length already says more than ``max_files``
    files of ``limit`` bytes; otherwise watch every file chunk as it arrives. Call before the first
    access to ``request.data``. The 413 names ``setting`` when given."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0  # the parser refuses it
    if declared > limit * max_files + MULTIPART_OVERHEAD_BYTES:
        raise upload_too_large(size_hint=_("%(size)s bytes") % {"size": f"{declared:,}"}, limit=limit, setting=setting)
    django_request = getattr(request, "_request", request)
    django_request.upload_handlers.insert(0, _UploadLimitHandler(django_request, limit, setting))
