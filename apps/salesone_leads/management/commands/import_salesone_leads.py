"""manage.py import_salesone_leads FILE [--rejects FILE] [--rebuild-indexes | --keep-indexes]"""

from django.core.management.base import BaseCommand, CommandError

from apps.salesone_leads.loading import salesone_leads_load


class Command(BaseCommand):
    help = (
        "Upsert companies from a UTF-8 CSV or JSON Lines file (SPEC.md field names) keyed on corporation_number. "
        "Bad rows go to the rejects file with their reason; the load is one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--rejects", help="where to write refused rows (default: FILE.rejects.csv)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--rebuild-indexes", action="store_true", default=None, help="drop and rebuild always")
        group.add_argument("--keep-indexes", dest="rebuild_indexes", action="store_false", help="never rebuild")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, rejects, rebuild_indexes, no_progress, **options):
        try:
            result = salesone_leads_load(
                path=file,
                rejects_path=rejects,
                progress=not no_progress,
                rebuild_indexes=rebuild_indexes,
                stderr=self.stderr,
            )
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc))
        rate = result.read / result.seconds if result.seconds else 0
        self.stdout.write(
            f"read {result.read:,} rows in {result.seconds:.1f} s ({rate:,.0f} rows/s): "
            f"inserted {result.inserted:,}, updated {result.updated:,}, unchanged {result.unchanged:,}, "
            f"rejected {result.rejected:,}, superseded by a later row {result.superseded:,}"
        )
        self.stdout.write(
            f"keywords: {result.keyword_links_added:,} links added, {result.keyword_links_removed:,} removed; "
            f"industries created: {result.industries_created}; search indexes rebuilt: {result.indexes_rebuilt}"
        )
        self.stdout.write("steps: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items()))
        if result.rejected:
            self.stdout.write(self.style.WARNING(f"{result.rejected:,} rejected rows written to {result.rejects_path}"))
