"""The consent ledger: one append-only row per consent event of an address, per user (the user is the
customer's organisation). The current state of an address is its latest event; nothing is updated in
place, so the ledger is the evidence a customer shows the regulator (정보통신망법 제50조)."""

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class ConsentEvent(BaseModel):
    class Kind(models.TextChoices):
        # Valid states (with a valid basis): granted, reconfirmed. The others stop advertising mail.
        GRANTED = "granted", _("Consent given")
        RECONFIRMED = "reconfirmed", _("Re-confirmation notice sent (two-yearly)")
        REQUESTED = "requested", _("Opt-in requested, awaiting confirmation")
        WITHDRAWN = "withdrawn", _("Consent withdrawn (opt-out)")

    class Basis(models.TextChoices):
        OPT_IN_FORM = "opt_in_form", _("Opt-in form")
        IMPORT_EVIDENCE = "import_evidence", _("Import with declared evidence")
        # 제50조①1호: goods of the same kind within 6 months of a transaction with the recipient.
        EXISTING_CUSTOMER = "existing_customer", _("Existing customer (transaction within 6 months)")
        # Leads already in the system when the ledger appeared (migration 0002): no basis is known.
        UNKNOWN = "unknown", _("Existing data, basis unknown")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_events", verbose_name=_("user")
    )
    email = models.EmailField(help_text=_("Stored lower-case"), verbose_name=_("e-mail address"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("event"))
    basis = models.CharField(max_length=20, choices=Basis.choices, blank=True, default="", verbose_name=_("basis"))
    source = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text=_("form, import, unsubscribe page, API"),
        verbose_name=_("source"),
    )
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    evidence_text = models.TextField(blank=True, default="", verbose_name=_("evidence"))
    evidence_file = models.FileField(
        upload_to="consent-evidence/%Y/%m/", blank=True, default="", verbose_name=_("evidence file")
    )
    deal_date = models.DateField(
        null=True,
        blank=True,
        help_text=_("Existing customers: the date of the transaction"),
        verbose_name=_("deal date"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who recorded it; empty: the recipient or the system"),
        verbose_name=_("recorded by"),
    )

    class Meta(BaseModel.Meta):
        ordering = ["-occurred_at", "-created_at"]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent ledger")
        indexes = [
            # The recipient writer's lookup: the latest event of (user, address).
            models.Index(fields=["user", "email", "-occurred_at", "-created_at"], name="consent_latest_idx"),
            models.Index(fields=["kind", "occurred_at"], name="consent_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        # Append-only: an event is the record of what happened, never rewritten.
        if not self._state.adding:
            raise ValueError("A consent event is never changed; record a new one.")
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


@receiver(post_delete, sender=ConsentEvent)
def consent_evidence_file_delete(sender, instance: ConsentEvent, **kwargs) -> None:
    """An event's evidence file goes with it (an erasure deletes the events), once the deletion commits."""
    if instance.evidence_file:
        storage, name = instance.evidence_file.storage, instance.evidence_file.name
        transaction.on_commit(lambda: storage.delete(name))
