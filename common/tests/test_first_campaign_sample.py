"""The README's "First campaign in five minutes" works on its sample file: every company of
docs/sample-companies.csv loads without a reject, and the API call the README shows files all of
them as the user's leads in a new lead list (issue 19)."""

import csv
import json
import re
import shutil
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.leads.models import Lead, LeadList
from apps.salesone_leads.generator import KSIC_CSV
from apps.salesone_leads.services import industries_load

SAMPLE = settings.BASE_DIR / "docs" / "sample-companies.csv"


def _readme_import_body() -> dict:
    readme = (settings.BASE_DIR / "README.md").read_text()
    section = re.search(r"^## First campaign in five minutes\n(.*?)(?=^## )", readme, flags=re.MULTILINE | re.DOTALL)
    assert section, 'README.md has no "## First campaign in five minutes" section'
    body = re.search(r"salesone-leads/import/ .*?-d '(\{.*?\})'", section.group(1), flags=re.DOTALL)
    assert body, "the section no longer imports the sample companies through /api/salesone-leads/import/"
    return json.loads(body.group(1))


def _sample_rows() -> list[dict]:
    with open(SAMPLE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_readme_imports_exactly_the_companies_of_the_sample_file():
    numbers = _readme_import_body()["corporation_numbers"]
    assert sorted(numbers) == sorted(row["corporation_number"] for row in _sample_rows())


def test_no_sample_address_can_receive_mail():
    """.example is reserved (RFC 2606): a misconfigured provider still reaches nobody."""
    assert all(row["email"].endswith(".example") for row in _sample_rows())


@pytest.mark.django_db
def test_the_sample_companies_load_and_become_a_lead_list_of_the_user(tmp_path, user, auth_client):
    industries_load(path=KSIC_CSV)  # as seed_demo does before `make run` serves
    sample = shutil.copy(SAMPLE, tmp_path / SAMPLE.name)
    out = StringIO()
    call_command("import_salesone_leads", str(sample), "--no-progress", stdout=out)
    assert "inserted 5," in out.getvalue() and "rejected 0," in out.getvalue(), out.getvalue()

    response = auth_client.post("/api/salesone-leads/import/", _readme_import_body(), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["created"] == 5 and response.json()["not_found"] == 0
    lead_list = LeadList.objects.get(pk=response.json()["lead_list_id"], user=user)
    leads = Lead.objects.filter(pk__in=lead_list.lead_ids)
    assert sorted(leads.values_list("email", flat=True)) == sorted(row["email"] for row in _sample_rows())
