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
    # (The demo is seeded under one clock in tests: created_at ties, so pick by what the pair needs.)
    first = leads.exclude(si_nm="").order_by("created_at", "pk").first()
    if first is not None:
        duplicate_name = " ".join(search_tokens(first.name)) + " 주식회사"  # the same name, once normalised
        demo_get_or_create(Lead, user=ctx.user, name=duplicate_name, defaults={"si_nm": first.si_nm})
    duplicates_suggest(user_id=ctx.user.pk)
    scored = leads_rescore(user_id=ctx.user.pk)
    checked = leads_check_hygiene(lead_ids=leads.values_list("pk", flat=True), check_mx=False)
    ctx.say(f"intelligence: {len(runs)} enrichment runs, {scored} scores, {checked} leads checked, MX not looked up")
