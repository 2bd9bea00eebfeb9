"""What the SalesOne lead database does that writes: copy companies into a user's leads, load KSIC codes.

An import copies each company into the user's Lead (revenue from finance_revenue, the industry),
skips companies the user already holds (by corporation_number, or by business_number, which the
leads app also keeps unique per user), and can file the leads in a lead list. Small imports run in
the request; larger ones (SALESONE_IMPORT_ASYNC_THRESHOLD) become an ImportJob on the ``imports``
queue, processed in committed batches so that progress is visible and a redelivery resumes.
"""

from __future__ import annotations

import csv
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from . import leads_seam
from .models import ImportJob, Industry
from .selectors import salesone_lead_search

# KSIC divisions (first two digits) → section letter, for full KSIC files whose codes are bare digits.
_KSIC_SECTIONS = [
    ("A", 1, 3), ("B", 5, 8), ("C", 10, 34), ("D", 35, 35), ("E", 36, 39), ("F", 41, 42), ("G", 45, 47),
    ("H", 49, 52), ("I", 55, 56), ("J", 58, 63), ("K", 64, 66), ("L", 68, 68), ("M", 70, 73), ("N", 74, 76),
    ("O", 84, 84), ("P", 85, 85), ("Q", 86, 87), ("R", 90, 91), ("S", 94, 96), ("T", 97, 98), ("U", 99, 99),
]  # fmt: skip
_CODE_HEADERS = ("code", "코드", "산업분류코드", "분류코드")
_NAME_HEADERS = ("name", "항목명", "분류명", "산업분류명", "코드명")


@dataclass
class ImportOutcome:
    created: int = 0
    skipped: int = 0
    not_found: int = 0
    lead_list_id: uuid.UUID | None = None
    lead_ids: list[uuid.UUID] = field(default_factory=list)  # created and already held, in request order


# --- industries -----------------------------------------------------------------------------------


def ksic_code(raw: str) -> str:
    """``S96113`` stays; a bare ``96113`` of the official file gets its section letter."""
    code = raw.strip().upper()
    if code[:2].isdigit():
        division = int(code[:2])
        for letter, first, last in _KSIC_SECTIONS:
            if first <= division <= last:
                return letter + code
    return code


@dataclass
class IndustriesLoadResult:
    created: int = 0
    renamed: int = 0
    unchanged: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong), not loaded


# Codes as the KSIC file writes them: a section letter, then up to five digits (A, A01, S96113).
_KSIC_CODE = re.compile(r"[A-U](\d{2,5})?")


@transaction.atomic
def industries_load(*, path: Path | str) -> IndustriesLoadResult:
    """Create or rename industries from a CSV (``code,name``, or the Korean headers of the KSIC file).

    A row without a code or a name, or with a code that is not KSIC's, is not loaded: it is returned
    with its line number (``malformed``) for the operator to fix.
    """
    result = IndustriesLoadResult()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        headers = reader.fieldnames or []
        code_header = next((h for h in headers if h.strip() in _CODE_HEADERS), None)
        name_header = next((h for h in headers if h.strip() in _NAME_HEADERS), None)
        if not code_header or not name_header:
            raise ValueError(f"needs a code and a name column, found {headers}")
        wanted = {}
        for row in reader:
            code, name = (row.get(code_header) or "").strip(), (row.get(name_header) or "").strip()
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue  # a blank line
            if None in row or None in row.values():
                result.malformed.append((reader.line_num, f"{len(headers)} columns expected"))
            elif not code or not name:
                result.malformed.append((reader.line_num, "no code" if not code else f"no name for {code}"))
            elif not _KSIC_CODE.fullmatch(ksic_code(code)):
                result.malformed.append((reader.line_num, f"{code!r} is not a KSIC code"))
            else:
                wanted[ksic_code(code)] = name[:200]
    existing = dict(Industry.objects.filter(code__in=wanted).values_list("code", "name"))
    Industry.objects.bulk_create([Industry(code=c, name=n) for c, n in wanted.items() if c not in existing])
    renamed = [Industry(code=c, name=n) for c, n in wanted.items() if c in existing and existing[c] != n]
    for industry in renamed:
        Industry.objects.filter(code=industry.code).update(name=industry.name)
    result.created = len(wanted) - len(existing)
    result.renamed = len(renamed)
    result.unchanged = len(existing) - len(renamed)
    return result


# --- imports into a user's leads ------------------------------------------------------------------


def _resolve_lead_list(*, user, lead_list_id=None, lead_list_name=None):
    """The user's lead list an import files into (by id, or a new one by name), or None."""
    if lead_list_id:
        lead_list = leads_seam.lead_list_get(user=user, lead_list_id=lead_list_id)
        if lead_list is None:
            raise ValidationError({"lead_list_id": [_("You have no lead list with this id.")]})
        return lead_list
    if lead_list_name:
        return leads_seam.lead_list_create(user=user, name=lead_list_name)
    return None


def salesone_import_targets(*, corporation_numbers=None, filters=None, limit=None) -> list[str]:
    """The corporation numbers an import covers: the given ones, or the top ``limit`` of a search."""
    if corporation_numbers is not None:
        return list(dict.fromkeys(corporation_numbers))
    cap = min(limit or settings.SALESONE_IMPORT_LIMIT, settings.SALESONE_IMPORT_LIMIT)
    search = salesone_lead_search(filters=filters or {})
    return list(search.queryset.values_list("corporation_number", flat=True)[:cap])


@transaction.atomic
def leads_import(
    *,
    user,
    corporation_numbers: list[str] | None = None,
    filters: dict | None = None,
    lead_list=None,
    limit: int | None = None,
) -> ImportOutcome:
    """Import in this transaction: the given companies, or those matching ``filters`` (up to the limit)."""
    targets = salesone_import_targets(corporation_numbers=corporation_numbers, filters=filters, limit=limit)
    outcome = leads_seam.leads_create_from_companies(user=user, corporation_numbers=targets)
    if lead_list is not None:
        leads_seam.lead_list_add_leads(lead_list=lead_list, lead_ids=outcome.lead_ids)
        outcome.lead_list_id = lead_list.pk
    return outcome


def salesone_import_start(
    *,
    user,
    corporation_numbers: list[str] | None = None,
    filters: dict | None = None,
    limit: int | None = None,
    lead_list_id=None,
    lead_list_name: str | None = None,
) -> ImportOutcome | ImportJob:
    """What POST /api/salesone-leads/import/ does: import now, or queue a job when it is large."""
    with transaction.atomic():
        targets = salesone_import_targets(corporation_numbers=corporation_numbers, filters=filters, limit=limit)
        lead_list = _resolve_lead_list(user=user, lead_list_id=lead_list_id, lead_list_name=lead_list_name)
        if len(targets) <= settings.SALESONE_IMPORT_ASYNC_THRESHOLD:
            return leads_import(user=user, corporation_numbers=targets, lead_list=lead_list)
        job = ImportJob.objects.create(user=user, corporation_numbers=targets, total=len(targets), lead_list=lead_list)
        from .tasks import run_import_job

        transaction.on_commit(lambda: run_import_job.delay(str(job.pk)))
        return job


def import_job_run(*, job_id) -> ImportJob:
    """Process a job's remaining companies batch by batch; safe to run again after a crash."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status in (ImportJob.Status.COMPLETED, ImportJob.Status.FAILED):
        return job
    ImportJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    batch_size = settings.SALESONE_IMPORT_BATCH_SIZE
    try:
        while True:
            with transaction.atomic():
                job = ImportJob.objects.select_for_update().get(pk=job_id)
                if job.processed >= job.total:
                    break
                batch = job.corporation_numbers[job.processed : job.processed + batch_size]
                outcome = leads_seam.leads_create_from_companies(user=job.user, corporation_numbers=batch)
                if job.lead_list_id:
                    lead_list = leads_seam.lead_list_get(user=job.user, lead_list_id=job.lead_list_id)
                    if lead_list is not None:
                        leads_seam.lead_list_add_leads(lead_list=lead_list, lead_ids=outcome.lead_ids)
                job.processed += len(batch)
                job.created += outcome.created
                job.skipped += outcome.skipped
                job.not_found += outcome.not_found
                job.save(update_fields=["processed", "created", "skipped", "not_found", "updated_at"])
    except Exception as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}", finished_at=timezone.now()
        )
        raise
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.COMPLETED, finished_at=timezone.now())
    job.refresh_from_db()
    return job
