"""Demo data: the shipped KSIC codes and a few thousand generated companies. Idempotent: the loader
upserts. (The leads demo, which runs next, imports some of them into the demo user's leads.)"""

import tempfile
from pathlib import Path

from .generator import KSIC_CSV, CompanyGenerator, write_csv
from .loading import salesone_leads_load
from .services import industries_load

DEMO_COMPANIES = 3000
DEMO_SEED = 2026
# Generated row numbers far from those of a benchmark file, so demo companies never overwrite them.
DEMO_START = 5_000_000


def seed(ctx) -> None:
    industries_load(path=KSIC_CSV)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "demo-companies.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            write_csv(CompanyGenerator(seed=DEMO_SEED), DEMO_COMPANIES, handle, start=DEMO_START)
        result = salesone_leads_load(path=path, rejects_path=Path(directory) / "rejects.csv")
    ctx.say(f"salesone_leads: {DEMO_COMPANIES} companies ({result.inserted} new, {result.updated} updated)")
