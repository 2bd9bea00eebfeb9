"""A CSV larger than one chunk is parsed by worker processes, chunk by chunk: the table, the counts
and the rejects (row and line numbers included) are those of the same file parsed in one piece,
stray quotes in unquoted cells and cells spanning lines included (tests/test_csv_pieces_end_where_
records_end.py checks the cutting itself, at every cut point)."""

import csv
import threading

import pytest
from django.db import connection

from apps.salesone_leads import loading
from apps.salesone_leads.fields import FILE_FIELDS
from apps.salesone_leads.loading import LEAD_TABLE, salesone_leads_load
from apps.salesone_leads.tests.test_import_killed_midway import table_fingerprint
from apps.salesone_leads.tests.test_import_salesone_leads_command import generated, industries, read_rejects  # noqa: F401

pytestmark = pytest.mark.django_db

ROWS = 400


STRAY = "STRAY-QUOTE-HERE"  # written by csv.writer unquoted, then replaced by a bare quote


def awkward_file(path, line_end: str = "\r\n", bom: bool = False) -> None:
    """Generated companies in another column order, with cells a line-based split or a naive COPY
    line would get wrong (line breaks and quotes inside cells, tabs, backslashes), a stray quote in
    an unquoted cell followed by many cells spanning lines (counting quotes to find record ends
    cut one of them in two), bad rows, a row of the wrong width, a blank line and a repeated
    corporation number."""
    rows = generated(ROWS)
    rows[150]["owner"] = f"5{STRAY} pipe"  # csv.reader keeps the quote of `5" pipe` as a character
    for index in range(151, 250):
        rows[index]["description"] = f'line one of {index}\nline two, "quoted"{line_end}line three'
    rows[3]["description"] = 'two\nlines, a "quote"\r\nand a third'
    rows[4]["address"] = "tab\there, back\\slash \\N not null"
    rows[5]["name"] = "(주)\\Tab\t이름"
    rows[50]["employee"] = "many"  # rejected: not a whole number
    rows[51]["email"] = "not an address"
    rows[51]["finance_year"] = "1800"  # two reasons in one row
    rows[300]["corporation_number"] = rows[10]["corporation_number"]  # repeats row 11: this one wins
    rows[301]["industry"] = "Z99999"  # unknown code: rejected in SQL, reported with its row
    fields = list(reversed(FILE_FIELDS))
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=line_end)
        writer.writerow(fields)
        for index, row in enumerate(rows):
            cells = []
            for name in fields:
                value = row.get(name)
                if isinstance(value, list):
                    value = "|".join(value)
                elif isinstance(value, bool):
                    value = "true" if value else "false"
                cells.append("" if value is None else value)
            writer.writerow(cells)
            if index == 100:
                writer.writerow(["1101112955908", "too few cells"])
            if index == 200:
                handle.write(line_end)
    path.write_bytes(path.read_bytes().replace(STRAY.encode(), b'"'))


def load(path, tmp_path, name: str):
    result = salesone_leads_load(path=path, rejects_path=tmp_path / f"{name}.rejects.csv", rebuild_indexes=True)
    fingerprint = table_fingerprint()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {LEAD_TABLE} CASCADE")
    return result, fingerprint, read_rejects(result.rejects_path)


@pytest.mark.parametrize(
    ("line_end", "bom"), [("\r\n", False), ("\n", True), ("\r", False)], ids=["crlf", "lf-bom", "cr"]
)
def test_workers_load_what_one_piece_loads(tmp_path, monkeypatch, settings, industries, line_end, bom):  # noqa: F811
    path = tmp_path / "companies.csv"
    awkward_file(path, line_end, bom)
    whole, whole_table, whole_rejects = load(path, tmp_path, "whole")
    assert whole.parse_workers == 0  # one piece: csv.reader over the whole file

    settings.SALESONE_PARSE_WORKERS = 2
    monkeypatch.setattr(loading, "CSV_CHUNK_BYTES", 4_096)  # ~10 rows a chunk: dozens of chunks
    chunked, chunked_table, chunked_rejects = load(path, tmp_path, "chunked")
    # Workers are forked only from a process without other threads (a fork copies their held locks):
    # run alone this test takes the parallel path; late in a full run, other tests' threads may remain.
    assert chunked.parse_workers > 1 or threading.active_count() > 1
    # Cut into pieces whatever the line ends: a CR-only file (old Mac, some exports) was one piece.
    assert len(chunked.chunk_offsets) > 10

    assert chunked_table == whole_table
    assert chunked_rejects == whole_rejects
    counts = ("read", "inserted", "rejected", "superseded", "keyword_links_added", "into_empty_table")
    assert {name: getattr(chunked, name) for name in counts} == {name: getattr(whole, name) for name in counts}
    assert whole.read == ROWS + 1 and whole.inserted == ROWS - 4 and whole.superseded == 1
    # (the cells spanning lines from row 152 on add two lines each)
    # Rows count from 1 after the header; lines include the header and the line breaks inside cells.
    reasons = {row["row"]: (row["line"], row["reason"]) for row in chunked_rejects}
    # (row 4's description spans three lines)
    assert reasons["51"] == ("54", "employee: 'many' is not a whole number")
    assert "finance_year" in reasons["52"][1] and "email" in reasons["52"][1]
    assert reasons["102"] == ("105", "2 cells where the header has 33")
    assert reasons["303"][1].startswith("industry: unknown KSIC code 'Z99999'")


def test_the_odd_cells_arrive_as_written(tmp_path, monkeypatch, settings, industries):  # noqa: F811
    path = tmp_path / "companies.csv"
    awkward_file(path)
    settings.SALESONE_PARSE_WORKERS = 2
    monkeypatch.setattr(loading, "CSV_CHUNK_BYTES", 4_096)
    salesone_leads_load(path=path, rejects_path=tmp_path / "rejects.csv")
    rows = generated(250)
    with connection.cursor() as cursor:
        number = rows[150]["corporation_number"]
        cursor.execute(f"SELECT owner FROM {LEAD_TABLE} WHERE corporation_number = %s", [number])
        assert cursor.fetchone() == ('5" pipe',)
        cursor.execute(
            f"SELECT count(*) FROM {LEAD_TABLE} WHERE corporation_number = ANY(%s) "
            "AND description LIKE 'line one of %%'",
            [[row["corporation_number"] for row in rows[151:250]]],
        )
        assert cursor.fetchone() == (99,)  # every cell spanning lines whole: none cut in two
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT description, address, name FROM {LEAD_TABLE} WHERE corporation_number IN (%s, %s, %s) "
            "ORDER BY corporation_number",
            [rows[3]["corporation_number"], rows[4]["corporation_number"], rows[5]["corporation_number"]],
        )
        stored = {row for row in cursor.fetchall()}
    assert ('two\nlines, a "quote"\r\nand a third', rows[3]["address"], rows[3]["name"]) in stored
    assert (rows[4]["description"], "tab\there, back\\slash \\N not null", rows[4]["name"]) in stored
    assert (rows[5]["description"], rows[5]["address"], "(주)\\Tab\t이름") in stored
