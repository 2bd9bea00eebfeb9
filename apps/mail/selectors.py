"""Reads of the mail app: which outbox messages a user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from .models import OutboxMessage


def outbox_message_list(*, user) -> QuerySet[OutboxMessage]:
    """A user sees the messages sent to them and their own campaigns' e-mails, staff included (staff
    see every message in the admin, not through the API)."""
    # The one seam from mail up to campaigns (campaigns import apps.mail.suppression): lazy, and only
    # to know which campaigns are the user's.
    from apps.campaigns.models import Campaign

    # A subquery, not the ids in Python: a user with 10,000 campaigns made a 10,000-parameter query
    # (issue 18: 2 s a page in bench_api). custom_args holds the id as text, as the sender wrote it.
    own_campaigns = Campaign.objects.filter(user=user).annotate(id_text=Cast("pk", TextField())).values("id_text")
    return OutboxMessage.objects.annotate(campaign_ref=KeyTextTransform("campaign_id", "custom_args")).filter(
        Q(to_email__iexact=user.email) | Q(campaign_ref__in=own_campaigns)
    )
