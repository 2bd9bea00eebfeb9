"""``leads_created``: the one signal higher apps hear new leads by (intelligence queues their enrichment).

Sent once the transaction that created the leads commits, with ``user_id`` and ``lead_ids`` (strings):
the API's create and an import from the SalesOne DB. The leads app names none of its listeners.
"""

from django.db import transaction
from django.dispatch import Signal

leads_created = Signal()


def send_leads_created(*, user_id, lead_ids) -> None:
    """``leads_created`` after the current transaction commits (at once outside one)."""
    lead_ids = [str(lead_id) for lead_id in lead_ids]
    if lead_ids:
        transaction.on_commit(lambda: leads_created.send(sender=None, user_id=user_id, lead_ids=lead_ids))
