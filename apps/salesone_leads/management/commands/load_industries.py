"""manage.py load_industries [FILE]: the KSIC codes (default: the codes the demo data uses)."""

from django.core.management.base import BaseCommand, CommandError

from apps.salesone_leads.generator import KSIC_CSV
from apps.salesone_leads.services import industries_load


class Command(BaseCommand):
    help = "Create or rename Korean Standard Industrial Classification codes from a CSV with code,name columns."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(KSIC_CSV), help="KSIC CSV (default: the shipped codes)")

    def handle(self, *args, file, **options):
        try:
            result = industries_load(path=file)
        except (OSError, KeyError, ValueError) as exc:
            raise CommandError(f"cannot load {file}: {exc}")
        self.stdout.write(
            f"industries: {result.created} created, {result.renamed} renamed, {result.unchanged} unchanged"
        )
        for line, problem in result.malformed:
            self.stderr.write(f"{file}:{line}: {problem}; row not loaded")
        if result.malformed:
            self.stderr.write(self.style.WARNING(f"{len(result.malformed)} malformed rows not loaded"))
