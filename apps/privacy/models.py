"""The audit log of data-subject requests (개인정보보호법 제35조 access, 제36조 erasure): who asked,
when, for whom (by the hash of the address only: the log outlives an erasure), and what was done."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.encrypted_files import encrypted_storage
from common.models import BaseModel


class PrivacyRequest(BaseModel):
    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASE = "erase", _("Erase")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        # The export's ZIP was deleted after PRIVACY_EXPORT_KEEP_DAYS (the row stays as the audit entry).
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # the audit log stays: a user with requests is deactivated, not deleted
        related_name="privacy_requests",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    subject_hash = models.CharField(
        max_length=80, db_index=True, help_text=_("sha256:<hash of the lower-case address>"), verbose_name=_("subject")
    )
    # The export's address, while the export is pending (the task needs it); cleared when it ends.
    subject_email = models.EmailField(blank=True, default="", verbose_name=_("e-mail address (while pending)"))
    reason = models.TextField(
        blank=True, default="", help_text=_("Why, as the requester stated it"), verbose_name=_("reason")
    )
    counts = models.JSONField(default=dict, blank=True, help_text=_("rows per table"), verbose_name=_("counts"))
    # Encrypted at rest like the client files it may hold (common/encrypted_files.py).
    file = models.FileField(
        upload_to="privacy-exports/", storage=encrypted_storage, blank=True, default="", verbose_name=_("export file")
    )
    error = models.TextField(blank=True, default="", verbose_name=_("error"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))

    class Meta(BaseModel.Meta):
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests (audit log)")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_hash[:19]}… ({self.get_status_display()})"
