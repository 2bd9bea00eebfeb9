"""A deleted lead leaves every lead list at once, however it was deleted (API, admin, cascade)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Lead
from .services import lead_lists_forget_lead


@receiver(post_delete, sender=Lead, dispatch_uid="leads.forget_deleted_lead")
def forget_deleted_lead(sender, instance: Lead, **kwargs) -> None:
    lead_lists_forget_lead(lead_id=instance.pk, user_id=instance.user_id)
