"""manage.py import_salesone_leads: bad rows are rejected with a reason, the rest loads; upserts."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.salesone_leads.fields import FILE_FIELDS
from apps.salesone_leads.generator import CompanyGenerator, write_csv
from apps.salesone_leads.loading import salesone_leads_load
from apps.salesone_leads.models import Keyword, SalesOneLead
from apps.salesone_leads.services import industries_load
from apps.salesone_leads.tests.conftest import SEARCH_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def industries():
    from apps.salesone_leads.generator import KSIC_CSV

    industries_load(path=KSIC_CSV)


def generated(count: int, start: int = 0) -> list[dict]:
    return list(CompanyGenerator(seed=7).rows(count, start))


def write_rows(path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FILE_FIELDS)
        writer.writeheader()
        for row in rows:
            cells = {}
            for name in FILE_FIELDS:
                value = row.get(name)
                if isinstance(value, list):
                    value = json.dumps(value, ensure_ascii=False)
                elif isinstance(value, bool):
                    value = "true" if value else "false"
                cells[name] = "" if value is None else value
            writer.writerow(cells)


def read_rejects(path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_bad_rows_are_rejected_with_their_reason_and_the_rest_loads(tmp_path, industries):
    rows = generated(6)
    rows[1]["corporation_number"] = "11011129559"  # 11 digits
    rows[2]["established_date"] = "2023-02-30"
    rows[3]["finance_revenue"] = "12억"
    path = tmp_path / "companies.csv"
    write_rows(path, rows)
    out = StringIO()
    call_command("import_salesone_leads", str(path), "--no-progress", stdout=out)

    assert "inserted 3" in out.getvalue() and "rejected 3" in out.getvalue()
    assert set(SalesOneLead.objects.values_list("corporation_number", flat=True)) == {
        rows[0]["corporation_number"], rows[4]["corporation_number"], rows[5]["corporation_number"],
    }  # fmt: skip
    rejects = read_rejects(tmp_path / "companies.csv.rejects.csv")
    reasons = {int(r["row"]): r["reason"] for r in rejects}
    assert reasons.keys() == {2, 3, 4}
    assert "corporation_number" in reasons[2] and "13 digits" in reasons[2]
    assert "established_date" in reasons[3]
    assert "finance_revenue" in reasons[4] and "whole number" in reasons[4]
    assert rejects[1]["line"] == "4"  # header is line 1


def test_loaded_rows_carry_their_fields_keywords_and_are_searchable(tmp_path, industries, search):
    rows = generated(3)
    rows[0].update(name="주식회사 넥스파시스템", keywords=["주차관제", "벤처기업"], finance_revenue=10_589_738_000)
    write_rows(tmp_path / "a.csv", rows)
    salesone_leads_load(path=tmp_path / "a.csv")
    company = SalesOneLead.objects.get(corporation_number=rows[0]["corporation_number"])
    assert company.finance_revenue == 10_589_738_000 and company.industry.code == rows[0]["industry"]
    assert sorted(company.keywords.values_list("name", flat=True)) == ["벤처기업", "주차관제"]
    assert [r["name"] for r in search(q="넥스")["results"]] == ["주식회사 넥스파시스템"]


def test_loading_again_updates_changed_rows_only(tmp_path, industries, search):
    rows = generated(4)
    write_rows(tmp_path / "first.csv", rows)
    first = salesone_leads_load(path=tmp_path / "first.csv")
    assert (first.inserted, first.updated, first.unchanged) == (4, 0, 0)

    rows[0]["name"] = "주식회사 가온누리"
    rows[1]["employee"] = 999
    rows[2]["keywords"] = ["새키워드"]
    rows.append(generated(1, start=100)[0])
    write_rows(tmp_path / "second.csv", rows)
    second = salesone_leads_load(path=tmp_path / "second.csv")
    assert (second.inserted, second.updated, second.unchanged) == (1, 2, 2)
    assert SalesOneLead.objects.count() == 5
    assert SalesOneLead.objects.get(corporation_number=rows[1]["corporation_number"]).employee == 999
    keywords = SalesOneLead.objects.get(corporation_number=rows[2]["corporation_number"]).keywords
    assert list(keywords.values_list("name", flat=True)) == ["새키워드"]  # replaced, not added to
    assert [r["name"] for r in search(q="온누")["results"]] == ["주식회사 가온누리"]  # index follows the update

    third = salesone_leads_load(path=tmp_path / "second.csv")
    assert (third.inserted, third.updated, third.unchanged) == (0, 0, 5)


def test_the_last_row_of_a_repeated_corporation_number_wins(tmp_path, industries):
    first, second = generated(1)[0], generated(1)[0]
    second["name"] = "나중 행"
    write_rows(tmp_path / "dup.csv", [first, second])
    result = salesone_leads_load(path=tmp_path / "dup.csv")
    assert (result.inserted, result.superseded) == (1, 1)
    assert SalesOneLead.objects.get().name == "나중 행"


def test_json_lines_and_malformed_lines(tmp_path, industries):
    rows = generated(2)
    lines = [json.dumps(rows[0], ensure_ascii=False), "{not json", json.dumps(rows[1], ensure_ascii=False), "[1, 2]"]
    path = tmp_path / "companies.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = salesone_leads_load(path=path)
    assert (result.inserted, result.rejected) == (2, 2)
    assert {r["line"] for r in read_rejects(result.rejects_path)} == {"2", "4"}


def test_a_csv_row_with_the_wrong_number_of_cells_is_rejected(tmp_path, industries):
    path = tmp_path / "short.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        write_csv(CompanyGenerator(seed=3), 2, handle)
        handle.write("1101112955908,2068188409,S96113\n")
    result = salesone_leads_load(path=path)
    assert (result.inserted, result.rejected) == (2, 1)
    assert "cells" in result.rejects[0][3]


def test_an_unknown_industry_code_without_a_name_is_rejected_with_one(tmp_path, industries):
    rows = generated(2)
    rows[0].update(industry="Z99999", industry_name=None)
    rows[1].update(industry="Z99998", industry_name="새 업종")
    write_rows(tmp_path / "ind.csv", rows)
    result = salesone_leads_load(path=tmp_path / "ind.csv", create_industries=True)
    assert (result.inserted, result.rejected, result.industries_created) == (1, 1, 1)
    assert "Z99999" in result.rejects[0][3]


def test_a_failed_load_writes_nothing(tmp_path, industries):
    path = tmp_path / "bad-header.csv"
    path.write_text("corporation_number,name,colour\n1101112955908,주식회사 넥스,red\n", encoding="utf-8")
    with pytest.raises(CommandError, match="unknown columns"):
        call_command("import_salesone_leads", str(path), "--no-progress", stdout=StringIO())
    assert not SalesOneLead.objects.exists() and not Keyword.objects.exists()


def test_search_sees_nothing_of_a_rejected_row(tmp_path, industries, auth_client):
    rows = generated(1)
    rows[0]["finance_debt_ratio"] = "abc"
    write_rows(tmp_path / "x.csv", rows)
    assert salesone_leads_load(path=tmp_path / "x.csv").rejected == 1
    assert auth_client.get(SEARCH_URL).json()["count"] == 0


def test_a_large_load_rebuilds_indexes_and_constraints(tmp_path, industries, search):
    rows = generated(5)
    write_rows(tmp_path / "big.csv", rows)
    result = salesone_leads_load(path=tmp_path / "big.csv", rebuild_indexes=True)
    assert result.indexes_rebuilt and result.inserted == 5
    from django.db import connection

    from apps.salesone_leads.loading import foreign_keys, lookup_indexes, search_indexes

    with connection.cursor() as cursor:
        assert len(search_indexes(cursor)) == 9 and len(foreign_keys(cursor)) == 3
        # Django's industry, LIKE and link-side indexes are rebuilt too.
        assert len(lookup_indexes(cursor)) == 4
    assert search(q=rows[0]["owner"])["count"] >= 1
