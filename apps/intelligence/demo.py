"""Demo data: the demo user's ideal-customer profile, one enrichment run per demo lead (the national
DB only: the NTS and homepages are real services), their scores, a hygiene check (MX lookups off: they
ask real name servers) and one duplicate pair."""

from apps.leads.models import Lead
from apps.salesone_leads.fields import search_tokens
from common.demo import demo_get_or_create

from .enrichment import enrichment_runs_create, enrichment_runs_execute
from .hygiene import duplicates_suggest, leads_check_hygiene
from .models import EnrichmentRun, IdealCustomerProfile
from .scoring import leads_rescore


def seed(ctx) -> None:
    demo_get_or_create(
        IdealCustomerProfile,
        user=ctx.user,
        defaults={"industry_codes": ["J58", "C20"], "regions": ["서울특별시"], "employee_min": 10, "employee_max": 300},
    )
    leads = Lead.objects.filter(user=ctx.user)
    unenriched = leads.exclude(pk__in=EnrichmentRun.objects.filter(user=ctx.user).values("lead_id"))
    runs = enrichment_runs_create(
        user_id=ctx.user.pk, lead_ids=unenriched.values_list("pk", flat=True), trigger=EnrichmentRun.Trigger.MANUAL
    )
    enrichment_runs_execute(run_ids=[run.pk for run in runs], providers=["salesone_db"])
    # A second entry of a demo company, as a user who typed it by hand would: a duplicate to merge.
    source = duplicate_source_pick(leads)
    if source is not None:
        lead, duplicate_name = source
        demo_get_or_create(Lead, user=ctx.user, name=duplicate_name, defaults={"si_nm": lead.si_nm})
    duplicates_suggest(user_id=ctx.user.pk)
    scored = leads_rescore(user_id=ctx.user.pk)
    checked = leads_check_hygiene(lead_ids=leads.values_list("pk", flat=True), check_mx=False)
    ctx.say(f"intelligence: {len(runs)} enrichment runs, {scored} scores, {checked} leads checked, MX not looked up")


def duplicate_source_pick(leads) -> tuple[Lead, str] | None:
    """The lead the demo duplicates, and the duplicate's name (the same name once normalised): the
    first by name whose duplicate name is not its own. By name, not by created_at: the demo is seeded
    under one clock in tests, created_at ties and the random UUID pk decided; and a lead already named
    "<words> 주식회사" would be found again as its own duplicate, leaving no pair. The duplicate itself is
    such a lead, so a second run picks the same source."""
    for lead in leads.exclude(si_nm="").order_by("name", "pk"):
        duplicate_name = " ".join(search_tokens(lead.name)) + " 주식회사"
        if duplicate_name != lead.name:
            return lead, duplicate_name
    return None
