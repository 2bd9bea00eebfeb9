"""Leads as a spreadsheet for staff: CSV (UTF-8 with a BOM, so Excel reads the Korean) and XLSX,
with the column headers in the active language (Korean in the admin)."""

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .models import Lead

# The lead's columns, in the order a salesperson reads them; headers are the fields' own labels.
FIELDS = [
    "name",
    "owner",
    "business_number",
    "corporation_number",
    "email",
    "phone",
    "homepage",
    "industry",
    "employee",
    "revenue",
    "established_date",
    "address",
    "si_nm",
    "sgg_nm",
]
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def lead_export_headers(*, extra: Iterable[str] = ()) -> list[str]:
    return [*extra, *(str(capfirst(Lead._meta.get_field(name).verbose_name)) for name in FIELDS)]


def _cell(lead: Lead, name: str):
    value = getattr(lead, name)
    if name == "homepage":
        return " ".join(value or [])
    if name == "industry":
        return str(value) if value else ""
    if value is None:
        return ""
    return value


def lead_export_rows(leads: Iterable[Lead], *, prefix: Iterable = ()) -> Iterable[list]:
    prefix = list(prefix)
    for lead in leads:
        yield [*prefix, *(_cell(lead, name) for name in FIELDS)]


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def csv_response(*, headers: list[str], rows: Iterable[list], stem: str) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM: Excel otherwise reads UTF-8 Korean as mojibake
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "csv")}"'
    return response


def _xlsx_cell(sheet, value):
    if not isinstance(value, str):
        return value
    # Text stays text: a company name starting with "=" is not a formula for Excel to run.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def xlsx_response(*, headers: list[str], rows: Iterable[list], stem: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "xlsx")}"'
    return response
