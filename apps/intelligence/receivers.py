"""New leads (the API's create, an import) are queued for enrichment: never enriched in the request."""

from django.dispatch import receiver

from apps.leads.hooks import leads_created

from .services import leads_enrich


@receiver(leads_created, dispatch_uid="intelligence.enrich_new_leads")
def enrich_new_leads(sender, *, user_id, lead_ids, **kwargs) -> None:
    leads_enrich(user_id=user_id, lead_ids=lead_ids, trigger="created")
