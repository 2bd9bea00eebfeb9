"""manage.py import_salesone_leads FILE [-o REJECTS] [--create-industries] [--rebuild-indexes | --keep-indexes]"""

import os
from argparse import RawDescriptionHelpFormatter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.salesone_leads.loading import salesone_leads_load


class Command(BaseCommand):
    help = (
        "Upsert companies from a UTF-8 CSV, an Excel .xlsx (first sheet) or a JSON Lines file (SPEC.md field names) "
        "keyed on corporation_number. Bad rows go to the rejects file with every reason; the load is one "
        "transaction.\n\n"
        "A field a row does not give keeps its stored value. JSON Lines: an absent key is not given; an explicit "
        "null is, and clears the field (flags false, employee 1, keywords none). CSV: an absent column or an "
        "empty cell is not given, so CSV never clears a field. A row without a name only updates a stored "
        "company.\n\n"
        "Rows naming a KSIC industry code that is not loaded are rejected and the codes listed; "
        "--create-industries creates them instead, from the industry_name the file gives."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter  # keep the paragraphs of the help
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--rejects", "-o", help="where to write refused rows (default: FILE.rejects.csv)")
        parser.add_argument(
            "--create-industries",
            action="store_true",
            help="create unknown KSIC codes from the file's industry_name instead of rejecting their rows",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--rebuild-indexes", action="store_true", default=None, help="drop and rebuild always")
        group.add_argument("--keep-indexes", dest="rebuild_indexes", action="store_false", help="never rebuild")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, file, rejects, create_industries, rebuild_indexes, no_progress, **options):
        # Checked before the load: a rejects file that cannot be written would fail after the commit.
        rejects_path = Path(rejects) if rejects else Path(file).with_name(Path(file).name + ".rejects.csv")
        if not rejects_path.parent.is_dir():
            raise CommandError(f"cannot write the rejects file: {rejects_path.parent} is not a directory")
        if not os.access(rejects_path.parent, os.W_OK):
            raise CommandError(f"cannot write the rejects file: {rejects_path.parent} is not writable")
        if not Path(file).is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = salesone_leads_load(
                path=file,
                rejects_path=rejects,
                progress=not no_progress,
                rebuild_indexes=rebuild_indexes,
                create_industries=create_industries,
                # The raw stream: OutputWrapper would end each of tqdm's redraws with a newline.
                stderr=self.stderr._out,
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
        if result.unknown_industries:
            codes = ", ".join(
                f"{code} {name}".strip() if name else code for code, name in result.unknown_industries.items()
            )
            self.stdout.write(
                self.style.WARNING(
                    f"unknown industries: {len(result.unknown_industries)} ({codes}); their rows were rejected. "
                    "Load them with load_industries, or rerun with --create-industries."
                )
            )
        if result.rejected:
            self.stdout.write(self.style.WARNING(f"{result.rejected:,} rejected rows written to {result.rejects_path}"))
        skipped = result.unchanged + result.superseded
        self.stdout.write(
            self.style.SUCCESS(
                f"created {result.inserted:,} / updated {result.updated:,} / skipped {skipped:,} "
                f"(unchanged or repeated later in the file) / rejected {result.rejected:,} "
                f"(reasons in {result.rejects_path})"
            )
        )
