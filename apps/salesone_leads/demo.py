"""Demo data: the shipped KSIC codes, a few thousand generated companies, and some of them imported
into the demo user's leads. Idempotent: the loader upserts and the import skips what is held."""

import tempfile
from pathlib import Path

from apps.leads.models import LeadList
from common.demo import demo_get_or_create

from .generator import KSIC_CSV, CompanyGenerator, write_csv
from .loading import salesone_leads_load
from .services import industries_load, leads_import

DEMO_COMPANIES = 3000
DEMO_SEED = 2026
# Generated row numbers far from those of a benchmark file, so demo companies never overwrite them.
DEMO_START = 5_000_000
DEMO_LIST = "SalesOne DB에서 가져온 서울 IT 기업"


def seed(ctx) -> None:
    industries_load(path=KSIC_CSV)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "demo-companies.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            write_csv(CompanyGenerator(seed=DEMO_SEED), DEMO_COMPANIES, handle, start=DEMO_START)
        result = salesone_leads_load(path=path, rejects_path=Path(directory) / "rejects.csv")
    lead_list, _ = demo_get_or_create(LeadList, user=ctx.user, name=DEMO_LIST)
    imported = leads_import(
        user=ctx.user, filters={"si_nm": ["서울특별시"], "industry": ["J"]}, lead_list=lead_list, limit=25
    )
    ctx.say(
        f"salesone_leads: {DEMO_COMPANIES} companies ({result.inserted} new, {result.updated} updated), "
        f"{imported.created} imported into {ctx.user.email}'s leads"
    )
