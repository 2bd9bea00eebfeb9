"""import_salesone_leads reports unknown KSIC codes (count and names) instead of creating them,
unless --create-industries asks for it (issue 15 §3)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from apps.salesone_leads.generator import KSIC_CSV, CompanyGenerator
from apps.salesone_leads.models import Industry, SalesOneLead
from apps.salesone_leads.services import industries_load

pytestmark = pytest.mark.django_db


def write(tmp_path):
    industries_load(path=KSIC_CSV)
    rows = list(CompanyGenerator(seed=5).rows(3))
    rows[0].update(industry="Z99998", industry_name="우주 관광업")
    rows[1].update(industry="Z99999", industry_name=None)
    path = tmp_path / "companies.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path, rows


def test_unknown_codes_are_reported_and_not_created(tmp_path):
    path, rows = write(tmp_path)
    industries = Industry.objects.count()
    out = StringIO()
    call_command("import_salesone_leads", str(path), "--no-progress", stdout=out)
    output = out.getvalue()
    assert "unknown industries: 2 (Z99998 우주 관광업, Z99999)" in output
    assert "rejected 2" in output
    assert Industry.objects.count() == industries
    assert list(SalesOneLead.objects.values_list("corporation_number", flat=True)) == [rows[2]["corporation_number"]]


def test_the_flag_creates_those_with_a_name(tmp_path):
    path, _ = write(tmp_path)
    out = StringIO()
    call_command("import_salesone_leads", str(path), "--no-progress", "--create-industries", stdout=out)
    assert Industry.objects.get(code="Z99998").name == "우주 관광업"
    assert "unknown industries: 1 (Z99999)" in out.getvalue()  # no name to create it with
    assert SalesOneLead.objects.count() == 2
