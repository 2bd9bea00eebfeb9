"""Reads of the mail app: which outbox messages a user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import OutboxMessage


def outbox_message_list(*, user) -> QuerySet[OutboxMessage]:
    """A user sees the messages sent to them and their own campaigns' e-mails, staff included (staff
    see every message in the admin, not through the API)."""
    # The one seam from mail up to campaigns (campaigns import apps.mail.suppression): lazy, and only
    # to know which campaigns are the user's.
    from apps.campaigns.models import Campaign

    campaign_ids = [str(pk) for pk in Campaign.objects.filter(user=user).values_list("pk", flat=True)]
    return OutboxMessage.objects.filter(Q(to_email__iexact=user.email) | Q(custom_args__campaign_id__in=campaign_ids))
