"""import_salesone_leads: a field a row does not give never overwrites the stored one (issue 15 §3).
JSON Lines: absent key = keep, explicit null = clear. CSV: absent column or empty cell = keep."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from apps.salesone_leads.generator import CompanyGenerator
from apps.salesone_leads.models import SalesOneLead
from apps.salesone_leads.services import industries_load

pytestmark = pytest.mark.django_db
KEPT = ["owner", "email", "si_nm", "sgg_nm", "address", "phone", "finance_revenue", "employee", "established_date"]


@pytest.fixture
def full_row(tmp_path):
    from apps.salesone_leads.generator import KSIC_CSV

    industries_load(path=KSIC_CSV)
    row = next(iter(CompanyGenerator(seed=11).rows(1)))
    row.update(keywords=["주차관제"], is_corporation=True, email="ceo@nexpa.co.kr", employee=42)
    load(tmp_path, "full.jsonl", [row])
    return row


def load(tmp_path, name: str, rows: list) -> str:
    path = tmp_path / name
    if name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    else:
        path.write_text(rows, encoding="utf-8")
    out = StringIO()
    call_command("import_salesone_leads", str(path), "--no-progress", stdout=out)
    return out.getvalue()


def snapshot(corporation_number) -> dict:
    company = SalesOneLead.objects.get(corporation_number=corporation_number)
    values = {name: getattr(company, name) for name in KEPT}
    values.update(
        industry=company.industry.code,
        is_corporation=company.is_corporation,
        keywords=sorted(company.keywords.values_list("name", flat=True)),
    )
    return values


def test_a_partial_json_line_changes_only_what_it_gives(tmp_path, full_row, search):
    number = full_row["corporation_number"]
    before = snapshot(number)
    assert before["owner"] and before["si_nm"] and before["email"] == "ceo@nexpa.co.kr"

    load(tmp_path, "partial.jsonl", [{"corporation_number": number, "name": "주식회사 가온누리"}])

    assert snapshot(number) == before
    assert SalesOneLead.objects.get(corporation_number=number).name == "주식회사 가온누리"
    # The search index follows the new name and still holds the kept owner.
    assert [r["name"] for r in search(q="온누")["results"]] == ["주식회사 가온누리"]
    assert search(q=before["owner"])["count"] == 1


def test_an_explicit_null_clears_the_field(tmp_path, full_row):
    number = full_row["corporation_number"]
    load(
        tmp_path,
        "clear.jsonl",
        [{"corporation_number": number, "email": None, "keywords": None, "is_corporation": None}],
    )
    after = snapshot(number)
    assert after["email"] is None and after["keywords"] == [] and after["is_corporation"] is False
    assert after["owner"] == full_row["owner"]


def test_csv_empty_cells_and_absent_columns_keep_the_stored_values(tmp_path, full_row):
    number = full_row["corporation_number"]
    before = snapshot(number)
    load(tmp_path, "partial.csv", f"corporation_number,owner,email,is_corporation,keywords\n{number},김대표,,,\n")
    after = snapshot(number)
    assert after == {**before, "owner": "김대표"}


def test_a_new_company_still_needs_a_name(tmp_path, full_row):
    output = load(tmp_path, "new.jsonl", [{"corporation_number": "1101119999990", "owner": "누구"}])
    assert "rejected 1" in output
    assert not SalesOneLead.objects.filter(corporation_number="1101119999990").exists()
