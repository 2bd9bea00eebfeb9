"""The user's lead import (``POST /api/leads/import/``): a CSV or JSONL file of companies, each row with
an optional consent basis that is recorded in the ledger with the lead (정보통신망법 제50조).

The whole file is read and every row checked before anything is written; the good rows are then
written in one transaction (leads, consent events, the lead list), so an import is never half-written.
A refused row is reported with its line and reason and not imported: the user fixes it and imports
those rows again. No notice is mailed to the imported addresses: the consent was gathered, and
confirmed to the recipient, by the customer before the import (see the README's compliance section).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError

from apps.leads.models import Lead
from apps.leads.selectors import lead_list_get, numbers_held_by
from apps.leads.serializers import LeadSerializer
from apps.leads.services import (
    UNIQUE_NUMBER_FIELDS,
    lead_list_add_leads,
    lead_list_create,
    leads_create_many,
    leads_lock_user_imports,
)
from common.exceptions import PayloadTooLarge
from common.parsers import loads_bounded

from .models import ConsentEvent
from .selectors import CONSENT_VALID_FOR, EXISTING_CUSTOMER_VALID_FOR, consent_refusals

Basis = ConsentEvent.Basis

LEAD_COLUMNS = ("name", "email", "phone", "owner", "business_number", "corporation_number", "homepage", "address")
CONSENT_COLUMNS = ("consent_basis", "consent_date", "consent_evidence")
COLUMNS = LEAD_COLUMNS + CONSENT_COLUMNS
IMPORTABLE_BASES = (Basis.OPT_IN_FORM, Basis.IMPORT_EVIDENCE, Basis.EXISTING_CUSTOMER)
# Advertising consent the recipient gave: the import must say where it is (the form, the signed sheet).
CONSENT_NEEDING_EVIDENCE = (Basis.OPT_IN_FORM, Basis.IMPORT_EVIDENCE)
# The response lists at most this many refused rows (the counts cover them all).
REFUSED_ROWS_SHOWN = 100
SOURCE = "lead import"

# Why a row is refused: stable codes on the wire, with the words a person reads.
REFUSAL_REASONS = {
    "invalid_row": gettext_lazy("the row cannot be read"),
    "invalid_lead": gettext_lazy("invalid lead"),
    "duplicate": gettext_lazy("you already have a lead with this number"),
    "duplicate_in_file": gettext_lazy("an earlier row of the file has the same number"),
    "invalid_basis": gettext_lazy("consent_basis must be opt_in_form, import_evidence, existing_customer or empty"),
    "consent_without_basis": gettext_lazy("consent_date or consent_evidence is given without a consent_basis"),
    "no_email": gettext_lazy("a consent basis needs the lead's e-mail address"),
    "no_evidence": gettext_lazy("advertising consent needs its evidence (consent_evidence)"),
    "no_date": gettext_lazy("a consent basis needs consent_date (YYYY-MM-DD)"),
    "invalid_date": gettext_lazy("consent_date is not a date in the form YYYY-MM-DD"),
    "future_date": gettext_lazy("consent_date is in the future"),
    "customer_deal_expired": gettext_lazy("existing customer: the deal date is more than 6 months ago"),
    "consent_expired": gettext_lazy("consent older than 2 years: it must be re-confirmed before advertising"),
    "opted_out": gettext_lazy("the address has opted out (or was erased); an import does not override that"),
}


@dataclass
class RefusedRow:
    line: int
    code: str
    reason: str


@dataclass
class LeadImportReport:
    rows_read: int = 0
    leads_created: int = 0
    consent_recorded: dict[str, int] = field(default_factory=lambda: {basis.value: 0 for basis in IMPORTABLE_BASES})
    without_consent: int = 0
    refused: list[RefusedRow] = field(default_factory=list)
    lead_list_id: uuid.UUID | None = None


@dataclass
class _CheckedRow:
    line: int
    lead: Lead
    basis: str = ""
    consent_date: dt.date | None = None
    evidence: str = ""


# ------------------------------------------------------------------------------------ reading


def _file_rows(upload: UploadedFile) -> list[tuple[int, dict]]:
    """(line number, raw row) of every row of the file; 413/400 for the file as a whole."""
    limit = settings.LEAD_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise PayloadTooLarge(
            _("The file is %(size)s bytes; LEAD_IMPORT_MAX_BYTES allows %(limit)s.")
            % {"size": f"{upload.size:,}", "limit": f"{limit:,}"}
        )
    extension = posixpath.splitext(upload.name or "")[1].lower()
    if extension not in (".csv", ".jsonl"):
        raise ValidationError({"file": [_("Send a .csv or a .jsonl file.")]})
    try:
        # utf-8-sig: a spreadsheet's export starts with a byte-order mark, which is not part of the header.
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            {"file": [_("The file is not UTF-8 text (byte %(position)s).") % {"position": error.start}]}
        ) from None
    rows = _csv_rows(text) if extension == ".csv" else _jsonl_rows(text)
    if len(rows) > settings.LEAD_IMPORT_MAX_ROWS:
        raise ValidationError(
            {
                "file": [
                    _("The file has %(rows)s rows; LEAD_IMPORT_MAX_ROWS allows %(limit)s.")
                    % {"rows": f"{len(rows):,}", "limit": f"{settings.LEAD_IMPORT_MAX_ROWS:,}"}
                ]
            }
        )
    if not rows:
        raise ValidationError({"file": [_("The file has no rows.")]})
    return rows


def _check_columns(names) -> None:
    unknown = sorted({str(name) for name in names} - set(COLUMNS))
    if unknown:
        raise ValidationError(
            {
                "file": [
                    _("Unknown columns: %(unknown)s. The columns are: %(columns)s.")
                    % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}
                ]
            }
        )


def _csv_rows(text: str) -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if "name" not in header:
        raise ValidationError({"file": [_("The first line must name the columns, name among them.")]})
    _check_columns(header)
    rows = []
    line = reader.line_num
    for values in reader:
        first_line, line = line + 1, reader.line_num  # a quoted value may span lines
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            rows.append((first_line, None))
            continue
        rows.append((first_line, dict(zip(header, values, strict=False))))
    return rows


def _jsonl_rows(text: str) -> list[tuple[int, dict]]:
    rows = []
    keys: set[str] = set()
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        try:
            row = loads_bounded(content)
        except ValueError:  # not JSON, nested too deep, or a lone surrogate ("\ud800"), which is not text
            row = None
        if not isinstance(row, dict):
            rows.append((line, None))
            continue
        keys.update(row)
        rows.append((line, row))
    _check_columns(keys)
    return rows


# ----------------------------------------------------------------------------------- checking


def _text(row: dict, name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _lead_data(row: dict) -> dict:
    data = {name: _text(row, name) for name in LEAD_COLUMNS if name != "homepage"}
    homepage = row.get("homepage")
    if isinstance(homepage, list):
        data["homepage"] = homepage
    elif homepage:
        data["homepage"] = [site for site in re.split(r"[\s,;|]+", str(homepage)) if site]
    return data


def _errors_text(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{name}: {_errors_text(messages)}" for name, messages in detail.items())
    if isinstance(detail, list):
        return " ".join(_errors_text(message) for message in detail)
    return str(detail)


@dataclass
class _ConsentLimits:
    """The oldest acceptable dates, by the ledger's own intervals (selectors.py), computed by
    PostgreSQL as the ledger computes them (month ends included)."""

    today: dt.date
    oldest_deal: dt.date
    oldest_consent: dt.date

    @classmethod
    def now(cls) -> _ConsentLimits:
        today = timezone.localdate()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (%(today)s::date - interval '{EXISTING_CUSTOMER_VALID_FOR}')::date, "
                f"(%(today)s::date - interval '{CONSENT_VALID_FOR}')::date",
                {"today": today},
            )
            oldest_deal, oldest_consent = cursor.fetchone()
        return cls(today=today, oldest_deal=oldest_deal, oldest_consent=oldest_consent)


def _consent_columns(row: dict, email: str, limits: _ConsentLimits) -> tuple[str, str, str, dt.date | None]:
    """(refusal code, basis, evidence, date) of the row's consent columns; the code is empty when
    they are acceptable, the basis empty when the row declares no consent."""
    basis, evidence, date_text = _text(row, "consent_basis"), _text(row, "consent_evidence"), _text(row, "consent_date")
    if not basis:
        return ("consent_without_basis" if (evidence or date_text) else ""), "", "", None
    if basis not in IMPORTABLE_BASES:
        return "invalid_basis", "", "", None
    if not email:
        return "no_email", "", "", None
    if basis in CONSENT_NEEDING_EVIDENCE and not evidence:
        return "no_evidence", "", "", None
    if not date_text:
        return "no_date", "", "", None
    try:
        date = dt.date.fromisoformat(date_text) if len(date_text) == 10 else None
    except ValueError:
        date = None
    if date is None:
        return "invalid_date", "", "", None
    if date > limits.today:
        return "future_date", "", "", None
    if basis == Basis.EXISTING_CUSTOMER and date < limits.oldest_deal:
        return "customer_deal_expired", "", "", None
    if basis != Basis.EXISTING_CUSTOMER and date <= limits.oldest_consent:
        # Dated 00:00 of that day, it is over 2 years old already on the day the 2 years end.
        return "consent_expired", "", "", None
    return "", basis, evidence, date


def _check_rows(*, user, rows: list[tuple[int, dict | None]]) -> tuple[list[_CheckedRow], list[RefusedRow]]:
    """Every row checked as the lead API checks a lead, plus its consent columns; numbers the user
    holds, or an earlier row of the file holds, refuse the row."""
    serializer = LeadSerializer()  # its fields are built once, each row runs through them
    limits = _ConsentLimits.now()
    checked: list[_CheckedRow] = []
    refused: list[RefusedRow] = []

    def refuse(line: int, code: str, extra: str = "") -> None:
        reason = str(REFUSAL_REASONS[code]) + (f": {extra}" if extra else "")
        refused.append(RefusedRow(line=line, code=code, reason=reason))

    for line, row in rows:
        if row is None:
            refuse(line, "invalid_row")
            continue
        try:
            data = serializer.run_validation(_lead_data(row))
        except ValidationError as error:
            refuse(line, "invalid_lead", _errors_text(error.detail))
            continue
        code, basis, evidence, consent_date = _consent_columns(row, data.get("email", ""), limits)
        if code:
            refuse(line, code)
            continue
        lead = Lead(id=uuid.uuid4(), **data)
        checked.append(_CheckedRow(line=line, lead=lead, basis=basis, consent_date=consent_date, evidence=evidence))
    return _without_duplicates(user=user, checked=checked, refuse=refuse, refused=refused)


def _without_duplicates(*, user, checked, refuse, refused):
    held = {
        name: numbers_held_by(user, field_name=name, numbers=[getattr(row.lead, name) for row in checked])
        for name in UNIQUE_NUMBER_FIELDS
    }
    seen: dict[str, set[str]] = {name: set() for name in UNIQUE_NUMBER_FIELDS}
    opted_out = consent_refusals(user_id=user.pk, emails=[row.lead.email for row in checked if row.basis])
    kept = []
    for row in checked:
        numbers = {name: getattr(row.lead, name) for name in UNIQUE_NUMBER_FIELDS if getattr(row.lead, name)}
        if any(number in held[name] for name, number in numbers.items()):
            refuse(row.line, "duplicate", ", ".join(numbers.values()))
        elif any(number in seen[name] for name, number in numbers.items()):
            refuse(row.line, "duplicate_in_file", ", ".join(numbers.values()))
        elif row.basis and opted_out.get(row.lead.email) in ("withdrawn", "erased"):
            refuse(row.line, "opted_out")
        else:
            kept.append(row)
        for name, number in numbers.items():
            seen[name].add(number)
    refused.sort(key=lambda refused_row: refused_row.line)
    return kept, refused


# ------------------------------------------------------------------------------------ writing


def _lead_list(*, user, lead_list_id, lead_list_name: str):
    if lead_list_id and lead_list_name:
        raise ValidationError({"lead_list_name": [_("Give lead_list_id or lead_list_name, not both.")]})
    if lead_list_id:
        lead_list = lead_list_get(user=user, lead_list_id=lead_list_id)
        if lead_list is None:
            raise ValidationError({"lead_list_id": [_("You have no lead list with this id.")]})
        return lead_list
    return None


def _consent_event(*, user, row: _CheckedRow) -> ConsentEvent:
    # The event is dated when the basis arose (the consent or the deal, 00:00 in Korea), so the
    # ledger's 2-year and 6-month clocks run from then, not from the import.
    occurred_at = timezone.make_aware(dt.datetime.combine(row.consent_date, dt.time()))
    return ConsentEvent(
        user=user,
        email=row.lead.email,
        kind=ConsentEvent.Kind.GRANTED,
        basis=row.basis,
        source=SOURCE,
        evidence_text=row.evidence,
        deal_date=row.consent_date if row.basis == Basis.EXISTING_CUSTOMER else None,
        actor=user,
        occurred_at=occurred_at,
    )


@transaction.atomic
def leads_import(*, user, upload: UploadedFile, lead_list_id=None, lead_list_name: str = "") -> LeadImportReport:
    """Import the file's good rows as ``user``'s leads with their consent, into a list if asked."""
    rows = _file_rows(upload)
    lead_list = _lead_list(user=user, lead_list_id=lead_list_id, lead_list_name=lead_list_name)
    leads_lock_user_imports(user)  # the duplicate check below stays true until the commit
    kept, refused = _check_rows(user=user, rows=rows)
    report = LeadImportReport(rows_read=len(rows), refused=refused)
    created = leads_create_many(user=user, leads=[row.lead for row in kept])
    events = [_consent_event(user=user, row=row) for row in kept if row.basis]
    for event in ConsentEvent.objects.bulk_create(events, batch_size=2000):
        report.consent_recorded[event.basis] += 1
    report.leads_created = len(created)
    report.without_consent = len(kept) - len(events)
    lead_ids = [lead.pk for lead in created]
    if lead_list_name:
        lead_list = lead_list_create(user=user, name=lead_list_name, lead_ids=lead_ids).lead_list
    elif lead_list is not None:
        lead_list_add_leads(lead_list=lead_list, lead_ids=lead_ids)
    report.lead_list_id = lead_list.pk if lead_list is not None else None
    return report
