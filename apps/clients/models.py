"""Clients: companies the team already works with, and what the team knows and did with them.

A client belongs to one user. Its notes, files, products, activities and logged e-mails belong to the
same user (services.py checks it); deleting the client deletes them all, files on disk included.
"""

import posixpath
import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from common.encrypted_fields import EncryptedJSONField, EncryptedTextField
from common.encrypted_files import encrypted_storage
from common.korean_ids import is_valid_business_number, normalize_business_number
from common.models import BaseModel


class Client(BaseModel):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    representative_name = models.CharField(
        max_length=100, blank=True, default="", verbose_name=_("representative name")
    )
    emails = models.JSONField(default=list, blank=True, verbose_name=_("e-mail addresses"))
    # Personal numbers (issue 22): encrypted at rest, so never filtered or searched on.
    phones = EncryptedJSONField(default=list, blank=True, verbose_name=_("phones"))
    address = models.TextField(blank=True, default="", verbose_name=_("address"))
    website = models.CharField(max_length=200, blank=True, default="", verbose_name=_("website"))
    business_number = models.CharField(max_length=12, blank=True, default="", verbose_name=_("business number"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clients", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # One stored form for leads and clients: the 10 digits (common.korean_ids).
        self.business_number = normalize_business_number(self.business_number.strip()) if self.business_number else ""
        super().save(*args, **kwargs)

    @property
    def business_number_valid(self) -> bool:
        """The 사업자등록번호 check digit holds: a flag, never a rejection (DESIGN.md)."""
        return is_valid_business_number(self.business_number)

    @property
    def media_dir(self) -> str:
        """Where this client's uploads live, relative to MEDIA_ROOT."""
        return f"clients/{self.pk}"


class ClientNote(BaseModel):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="notes", verbose_name=_("client"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    # A private note's content is encrypted at rest (issue 22) and so not found by search; public ones are.
    is_private = models.BooleanField(default=False, verbose_name=_("private"))
    content = EncryptedTextField(encrypt_when="is_private", blank=True, default="", verbose_name=_("content"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_notes", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("client note")
        verbose_name_plural = _("client notes")
        indexes = [models.Index(fields=["client", "created_at"]), models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.client} — {self.title}"


def _safe_name(filename: str) -> str:
    base = posixpath.basename((filename or "").replace("\\", "/"))
    try:
        return get_valid_filename(base)[:150]
    except Exception:  # get_valid_filename refuses names that sanitise to nothing
        return f"file-{uuid.uuid4().hex[:8]}"


def client_file_path(instance: "ClientFile", filename: str) -> str:
    # MEDIA_ROOT/clients/<client id>/files/<name>; the storage adds a suffix when the name is taken.
    return f"clients/{instance.client_id}/files/{_safe_name(filename)}"


def email_attachment_path(instance: "ClientEmailAttachment", filename: str) -> str:
    return f"clients/{instance.email.client_id}/emails/{instance.email_id}/{_safe_name(filename)}"


class ClientFile(BaseModel):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="files", verbose_name=_("client"))
    # Encrypted at rest (issue 22, common/encrypted_files.py); the download returns the original bytes.
    file = models.FileField(
        upload_to=client_file_path, storage=encrypted_storage, max_length=500, verbose_name=_("file")
    )
    name = models.CharField(max_length=255, verbose_name=_("name"))
    description = models.TextField(blank=True, default="", verbose_name=_("description"))
    size = models.BigIntegerField(default=0, help_text=_("Bytes"), verbose_name=_("size"))
    content_type = models.CharField(max_length=150, blank=True, default="", verbose_name=_("content type"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_files", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("client file")
        verbose_name_plural = _("client files")
        indexes = [models.Index(fields=["client", "created_at"]), models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.client} — {self.name}"

    @property
    def type(self) -> str:
        """Short type shown to users: the extension (``pdf``, ``xlsx``)."""
        return posixpath.splitext(self.name or self.file.name)[1].lstrip(".").lower()


class ClientProduct(BaseModel):
    """A product the client bought or subscribes to: price, period and billing as agreed with them."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (Status.ACTIVE, Status.PAUSED)
    # Products whose price counts as revenue (a cancelled deal earned nothing we know of).
    REVENUE_STATUSES = (Status.ACTIVE, Status.PAUSED, Status.COMPLETED)

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="products", verbose_name=_("client"))
    # The catalogue entry it was sold from; name, plan and price are copied so that editing or
    # deleting the catalogue never rewrites what the client agreed to.
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_products",
        verbose_name=_("product"),
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    plan_type = models.CharField(max_length=20, blank=True, default="", verbose_name=_("plan type"))
    price = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(0)], verbose_name=_("price")
    )
    currency = models.CharField(max_length=3, default="krw", verbose_name=_("currency"))
    start_date = models.DateField(verbose_name=_("start date"))
    end_date = models.DateField(null=True, blank=True, verbose_name=_("end date"))
    next_billing_date = models.DateField(null=True, blank=True, verbose_name=_("next billing date"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, verbose_name=_("status"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_products", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("client product")
        verbose_name_plural = _("client products")
        indexes = [models.Index(fields=["client", "status"]), models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="client_product_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} — {self.name} ({self.get_status_display()})"


class ClientActivity(BaseModel):
    """A meeting, call or e-mail with the client, planned or done."""

    class Type(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No show")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="activities", verbose_name=_("client"))
    type = models.CharField(max_length=20, choices=Type.choices, verbose_name=_("type"))
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.OUTBOUND, verbose_name=_("direction")
    )
    title = models.CharField(max_length=300, verbose_name=_("title"))
    description = models.TextField(blank=True, default="", verbose_name=_("description"))
    scheduled_at = models.DateTimeField(help_text=_("When it happens or happened"), verbose_name=_("scheduled at"))
    duration_minutes = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("duration minutes"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED, verbose_name=_("status"))
    note = models.ForeignKey(
        ClientNote,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        help_text=_("Minutes"),
        verbose_name=_("note"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_activities", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("client activity")
        verbose_name_plural = _("client activities")
        indexes = [
            models.Index(fields=["client", "-scheduled_at"]),
            models.Index(fields=["user", "-created_at"]),
            # /api/clients/client-activities/'s default order: a page is an index walk, not a sort.
            models.Index(fields=["user", "-scheduled_at"], name="client_activity_user_sched_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.title} ({self.scheduled_at:%Y-%m-%d})"


class ClientEmail(BaseModel):
    """An e-mail exchanged with the client outside campaigns, logged by the user."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    # related_name is not "emails": Client.emails holds the client's addresses.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="logged_emails", verbose_name=_("client"))
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.OUTBOUND, verbose_name=_("direction")
    )
    subject = models.CharField(max_length=998, verbose_name=_("subject"))
    from_email = models.CharField(max_length=320, verbose_name=_("from"))
    to_email = models.CharField(max_length=320, verbose_name=_("to"))
    content = models.TextField(blank=True, default="", verbose_name=_("content"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_emails", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("client email")
        verbose_name_plural = _("client emails")
        indexes = [models.Index(fields=["client", "-created_at"]), models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.subject} ({self.from_email} → {self.to_email})"

    @property
    def attachment_items(self) -> list:
        """Attachments in upload order (prefetched into ``attachment_list`` by the views when listing)."""
        prefetched = getattr(self, "attachment_list", None)
        return prefetched if prefetched is not None else list(self.attachments.order_by("created_at"))


class ClientEmailAttachment(BaseModel):
    email = models.ForeignKey(
        ClientEmail, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("e-mail address")
    )
    file = models.FileField(
        upload_to=email_attachment_path, storage=encrypted_storage, max_length=500, verbose_name=_("file")
    )
    name = models.CharField(max_length=255, verbose_name=_("name"))
    size = models.BigIntegerField(default=0, help_text=_("Bytes"), verbose_name=_("size"))
    content_type = models.CharField(max_length=150, blank=True, default="", verbose_name=_("content type"))

    class Meta(BaseModel.Meta):
        verbose_name = _("client email attachment")
        verbose_name_plural = _("client email attachments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def type(self) -> str:
        return posixpath.splitext(self.name or self.file.name)[1].lstrip(".").lower()
