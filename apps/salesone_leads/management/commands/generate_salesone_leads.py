"""manage.py generate_salesone_leads N --seed S [--output FILE] [--format csv|jsonl] [--start K]"""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.salesone_leads.generator import CompanyGenerator, load_ksic, write_csv, write_jsonl


class Command(BaseCommand):
    help = "Write N synthetic companies (valid check digits, real regions, KSIC industries) for import_salesone_leads."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=1, help="the same seed always writes the same file")
        parser.add_argument("--output", "-o", help="file to write (default: stdout)")
        parser.add_argument("--format", choices=["csv", "jsonl"], help="default: from the file's suffix, else csv")
        parser.add_argument("--start", type=int, default=0, help="index of the first company (continue a file)")
        parser.add_argument("--ksic", help="KSIC CSV (code,name) to draw industries from (default: the shipped one)")

    def handle(self, *args, count, seed, output, format, start, ksic, **options):
        if count < 0 or start < 0:
            raise CommandError("count and --start must not be negative")
        fmt = format or ("jsonl" if output and Path(output).suffix in (".jsonl", ".ndjson") else "csv")
        generator = CompanyGenerator(seed=seed, industries=load_ksic(ksic) if ksic else None)
        write = write_jsonl if fmt == "jsonl" else write_csv
        started = time.perf_counter()
        if output:
            try:
                handle = open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115 — closed below
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc.strerror}")
            with handle:
                write(generator, count, handle, start)
            seconds = time.perf_counter() - started
            self.stderr.write(f"wrote {count:,} companies to {output} in {seconds:.1f} s")
        else:
            write(generator, count, sys.stdout, start)
