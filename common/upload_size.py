"""The one size check every upload passes (client files, e-mail attachments, consent evidence): a 413
that names the file, its size and the limit; each caller passes the setting that limits it."""

from django.utils.translation import gettext as _

from common.exceptions import PayloadTooLarge


def _limit_words(limit: int) -> dict:
    return {"limit": f"{limit:,}", "megabytes": f"{limit / (1024 * 1024):.0f}"}


def upload_check_size(upload, *, limit: int) -> None:
    """413 when ``upload`` (an UploadedFile, or None for no file) is larger than ``limit`` bytes."""
    if upload is not None and upload.size > limit:
        raise PayloadTooLarge(
            _("%(name)s is %(size)s bytes; the largest file accepted is %(limit)s bytes (%(megabytes)s MB).")
            % {"name": upload.name, "size": f"{upload.size:,}", **_limit_words(limit)}
        )


def upload_too_large(*, size_hint: str, limit: int) -> PayloadTooLarge:
    """The 413 for a body refused before its file is whole (the size is only a hint: declared or 'over …')."""
    return PayloadTooLarge(
        _("The upload is %(size)s; the largest file accepted is %(limit)s bytes (%(megabytes)s MB).")
        % {"size": size_hint, **_limit_words(limit)}
    )
