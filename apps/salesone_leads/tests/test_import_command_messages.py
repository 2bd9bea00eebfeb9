"""What the operator reads from import_salesone_leads and load_industries: every reason a row is refused,
one-line errors for a bad file or directory, the summary, whole-row progress, and .xlsx files."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from apps.salesone_leads.fields import FILE_FIELDS
from apps.salesone_leads.loading import _count_lines, _csv_lines
from apps.salesone_leads.models import Industry, SalesOneLead
from apps.salesone_leads.tests.test_import_salesone_leads_command import generated, read_rejects, write_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def industries():
    call_command("load_industries", stdout=StringIO())


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_salesone_leads", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_every_bad_field_of_a_row_is_reported(tmp_path, industries):
    rows = generated(2)
    rows[1].update(corporation_number="123", email="not-an-address", finance_year="19xx", is_corporation="maybe")
    write_rows(tmp_path / "bad.csv", rows)
    run(tmp_path / "bad.csv", "--no-progress")

    [reject] = read_rejects(tmp_path / "bad.csv.rejects.csv")
    reasons = reject["reason"].split("; ")
    assert [reason.partition(":")[0] for reason in reasons] == [
        "corporation_number", "finance_year", "is_corporation", "email",
    ]  # fmt: skip
    assert reject["corporation_number"] == "123"
    assert SalesOneLead.objects.count() == 1


def test_summary_names_created_updated_skipped_rejected_and_the_rejects_file(tmp_path, industries):
    rows = generated(3)
    write_rows(tmp_path / "first.csv", rows)
    run(tmp_path / "first.csv", "--no-progress")
    rows[0]["name"] = "주식회사 새이름"
    rows[2]["employee"] = "많음"
    rows.append(generated(1, start=50)[0])
    write_rows(tmp_path / "second.csv", rows)

    out, _ = run(tmp_path / "second.csv", "--no-progress", "-o", tmp_path / "refused.csv")
    summary = out.strip().splitlines()[-1]
    assert summary == (
        f"created 1 / updated 1 / skipped 1 (unchanged or repeated later in the file) / rejected 1 "
        f"(reasons in {tmp_path / 'refused.csv'})"
    )
    assert [r["row"] for r in read_rejects(tmp_path / "refused.csv")] == ["3"]


def test_a_rejects_directory_that_does_not_exist_is_a_one_line_error_before_loading(tmp_path, industries):
    write_rows(tmp_path / "a.csv", generated(2))
    with pytest.raises(CommandError) as error:
        run(tmp_path / "a.csv", "--no-progress", "-o", tmp_path / "missing" / "rejects.csv")
    assert str(error.value) == f"cannot write the rejects file: {tmp_path / 'missing'} is not a directory"
    assert not SalesOneLead.objects.exists()


def test_a_csv_that_is_not_utf8_says_to_save_it_as_csv_utf8(tmp_path, industries):
    path = tmp_path / "excel.csv"
    path.write_bytes(",".join(FILE_FIELDS).encode() + "\n1101112955908,,,,주식회사 넥스\n".encode("cp949"))
    with pytest.raises(CommandError, match=r'excel\.csv is not UTF-8 .*save it as "CSV UTF-8"'):
        run(path, "--no-progress")


def test_an_xlsx_workbook_is_read_like_a_csv(tmp_path, industries):
    rows = generated(2)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["corporation_number", "business_number", "name", "industry", "employee", "established_date"])
    for row in rows:
        # As Excel stores them: numbers as numbers, a date as a date.
        sheet.append([
            int(row["corporation_number"]), row["business_number"], row["name"], row["industry"],
            float(row["employee"] or 1), None,
        ])  # fmt: skip
    sheet.append(["110111-29559", None, "주식회사 짧은번호"])  # ends early; its number is refused
    workbook.save(tmp_path / "companies.xlsx")

    out, _ = run(tmp_path / "companies.xlsx", "--no-progress")
    assert "created 2 /" in out and "rejected 1" in out
    company = SalesOneLead.objects.get(corporation_number=rows[0]["corporation_number"])
    assert (company.name, company.employee) == (rows[0]["name"], rows[0]["employee"] or 1)
    [reject] = read_rejects(tmp_path / "companies.xlsx.rejects.csv")
    assert (reject["line"], reject["reason"]) == ("4", "corporation_number: '110111-29559' is not 13 digits")


def test_an_old_xls_file_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(CommandError, match=r"\.xls\) is not supported; save it as \.xlsx or CSV \(UTF-8\)"):
        run(tmp_path / "old.xls", "--no-progress")


def test_progress_counts_whole_rows(tmp_path, industries):
    write_rows(tmp_path / "a.csv", generated(7))
    _, err = run(tmp_path / "a.csv")
    final = err.replace("\r", "\n").strip().splitlines()[-1]
    assert re.search(r"staging: 100%.* 7/7 \[00:00<00:00, [\d.]+ rows/s\]", final), final  # count, ETA, rate
    assert not re.search(r"\d\.\d\d/", err)  # not "6.00/7.00"


def test_progress_of_a_cr_only_file_has_a_total_from_the_start(tmp_path, industries):
    """The bar's total counted line feeds only: a file with CR line ends had none, so no ETA."""
    write_rows(tmp_path / "lf.csv", generated(7))
    (tmp_path / "cr.csv").write_bytes((tmp_path / "lf.csv").read_bytes().replace(b"\r\n", b"\r"))
    _, err = run(tmp_path / "cr.csv")
    first = err.replace("\r", "\n").strip().splitlines()[0]
    assert re.search(r"staging:\s+0%.* 0/7 ", first), first


def test_lines_split_between_two_reads_are_counted_once(tmp_path):
    """_count_lines reads 1 MB at a time: a CRLF across two reads is one line end, a lone CR one."""
    data = b"x" * ((1 << 20) - 1) + b"\r\n" + b"a\rb\r\nc\n"
    (tmp_path / "a.csv").write_bytes(data)
    assert _count_lines(tmp_path / "a.csv") == _csv_lines(data) == 4


def test_a_one_line_json_export_named_csv_is_refused_at_once_saying_why(tmp_path, industries):
    """Its "header" was searched for a line break from the start at every 64 KB read (quadratic:
    52.7 s for 64 MB), then refused as unknown columns; now refused after its first 64 KB."""
    rows = generated(1)
    path = tmp_path / "export.csv"
    path.write_text(json.dumps([rows[0]] * 20_000, ensure_ascii=False, default=str), "utf-8")
    assert path.stat().st_size > 4_000_000
    with pytest.raises(CommandError, match=r"^export\.csv has no line break in its first 64 KB: a CSV starts with"):
        run(path, "--no-progress")
    assert not SalesOneLead.objects.exists()


def test_a_header_without_a_line_end_is_a_header(tmp_path, industries):
    (tmp_path / "empty.csv").write_bytes(b"corporation_number,name")
    out, _ = run(tmp_path / "empty.csv", "--no-progress")
    assert "created 0 /" in out


def test_load_industries_reports_malformed_rows_with_their_line(tmp_path):
    path = tmp_path / "ksic.csv"
    path.write_text(
        "code,name\nS96113,피부 미용업\n,이름만\nG46800\n12345678,너무 긴 코드\nJ62010,프로그래밍\n", "utf-8"
    )
    out, err = StringIO(), StringIO()
    call_command("load_industries", str(path), stdout=out, stderr=err)
    assert "2 created" in out.getvalue()
    assert err.getvalue().splitlines() == [
        f"{path}:3: no code; row not loaded",
        f"{path}:4: 2 columns expected; row not loaded",
        f"{path}:5: '12345678' is not a KSIC code; row not loaded",
        "3 malformed rows not loaded",
    ]
    assert set(Industry.objects.values_list("code", flat=True)) == {"S96113", "J62010"}


def test_generate_into_a_missing_directory_is_a_one_line_error(tmp_path):
    with pytest.raises(CommandError, match=r"^cannot write .*missing/a\.csv: No such file or directory$"):
        call_command("generate_salesone_leads", "3", "-o", str(tmp_path / "missing" / "a.csv"), stderr=StringIO())
