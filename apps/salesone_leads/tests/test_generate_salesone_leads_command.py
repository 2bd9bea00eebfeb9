"""manage.py generate_salesone_leads: deterministic, valid check digits, real regions, loadable."""

import csv

from django.core.management import call_command

from apps.salesone_leads.data.regions import REGIONS
from apps.salesone_leads.generator import load_ksic
from common.korean_ids import is_valid_business_number, is_valid_corporation_number


def generate(tmp_path, name, *args) -> list[dict]:
    path = tmp_path / name
    call_command("generate_salesone_leads", *args, "--output", str(path))
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_same_file_other_seed_other_file(tmp_path):
    assert generate(tmp_path, "a.csv", "300", "--seed", "5") == generate(tmp_path, "b.csv", "300", "--seed", "5")
    assert generate(tmp_path, "c.csv", "300", "--seed", "6") != generate(tmp_path, "a.csv", "300", "--seed", "5")


def test_start_continues_the_same_sequence(tmp_path):
    whole = generate(tmp_path, "whole.csv", "1500")
    tail = generate(tmp_path, "tail.csv", "500", "--start", "1000")
    assert tail == whole[1000:]


def test_rows_are_plausible(tmp_path):
    rows = generate(tmp_path, "rows.csv", "2000", "--seed", "11")
    districts = {si: set(sgg) for si, _, _, sgg in REGIONS}
    codes = {code for code, _ in load_ksic()}
    assert len({r["corporation_number"] for r in rows}) == 2000
    assert len({r["business_number"] for r in rows}) == 2000
    for row in rows:
        assert is_valid_corporation_number(row["corporation_number"])
        assert is_valid_business_number(row["business_number"])
        assert row["sgg_nm"] in districts[row["si_nm"]]
        assert row["industry"] in codes
        assert any(form in row["name"] for form in ("주식회사", "(주)", "유한회사"))
        if row["finance_revenue"]:
            assert int(row["finance_total_assets"]) == int(row["finance_total_liabilities"]) + int(
                row["finance_total_equity"]
            )
            assert int(row["finance_operating_profit"]) < int(row["finance_revenue"])
