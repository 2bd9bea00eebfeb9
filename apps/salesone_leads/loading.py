"""Bulk loading of the national company database from CSV, Excel .xlsx or JSON Lines (``import_salesone_leads``).

Rows are parsed and validated in Python (a CSV larger than CSV_CHUNK_BYTES by
settings.SALESONE_PARSE_WORKERS processes, in chunks of whole records, each turned into COPY text),
streamed with COPY into a temporary staging table in file order, then upserted on corporation_number
in one statement (into an empty table: a plain INSERT); keywords are synchronised in SQL. The whole load is one
transaction: a bad row is written to the rejects file and never aborts the load, and a failure (or
Ctrl-C, or a SIGKILL: tests/test_import_killed_midway.py) leaves the table, its indexes and its
constraints as they were, so running the same file again is the way to resume.

A field a row does not give never overwrites the stored one: each staged row carries a bitmap of
the fields it gives (``present``), and the upsert keeps the stored value of every other column. In
JSON Lines a key that is absent is not given, and an explicit ``null`` is (it clears the field; the
flags become false, employee 1, keywords none). In CSV a column that is absent or a cell that is
empty is not given: CSV cannot say null, so it never clears a field.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import multiprocessing
import operator
import os
import re
import signal
import sys
import threading
import time
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as time_of_day
from itertools import compress
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from .fields import FILE_FIELDS, SEARCHED_FIELDS, search_vector_literal_by_word
from .models import Industry, Keyword, SalesOneLead

logger = logging.getLogger(__name__)

LEAD_TABLE = SalesOneLead._meta.db_table
INDUSTRY_TABLE = Industry._meta.db_table
KEYWORD_TABLE = Keyword._meta.db_table
KEYWORD_LINK_TABLE = SalesOneLead.keywords.through._meta.db_table
# Indexes the loader drops and rebuilds around a large load (migration 0002 names them so).
SEARCH_INDEX_PREFIX = "salesone_search_"
# Rebuilding indexes once beats maintaining them row by row when a load is this large...
REBUILD_MIN_ROWS = 50_000
# ...and at least this share of the rows already in the table.
REBUILD_MIN_SHARE = 0.2
# A CSV is parsed in chunks of about this many bytes (~4,500 generated rows), by
# settings.SALESONE_PARSE_WORKERS processes when it has more than one chunk; the staging COPY streams
# their output in file order. Chunks end where csv.reader ends a record (_last_record_end).
CSV_CHUNK_BYTES = 2 << 20
# Staging row keys: (chunk << 32) | row within the chunk, so that workers number rows without
# knowing how many rows the chunks before theirs hold; rejects are reported by row of the file.
_CHUNK_SHIFT = 32
# The trigger that computes search_vector in SQL for every other writer (migration 0002); a load into
# an empty table gives every row its vector, so it is disabled for that insert.
SEARCH_VECTOR_TRIGGER = "salesone_lead_search_vector"

_BIGINT = 2**63 - 1
_INT = 2**31 - 1
_DIGITS_13 = re.compile(r"\d{13}")
_DIGITS_10 = re.compile(r"\d{10}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TRUE = frozenset({"true", "t", "1", "y", "yes"})
_FALSE = frozenset({"false", "f", "0", "n", "no", ""})

# Staging columns in COPY order; the search vector is computed here, not by the trigger (fast).
_STAGING_COLUMNS = [
    ("row_no", "bigint"),
    ("corporation_number", "varchar(13)"),
    ("business_number", "varchar(10)"),
    ("industry_code", "varchar(20)"),
    ("industry_name", "varchar(200)"),
    ("name", "varchar(200)"),
    ("name_eng", "varchar(200)"),
    ("owner", "varchar(100)"),
    ("email", "varchar(254)"),
    ("phone", "varchar(20)"),
    ("homepage", "jsonb"),
    ("handle_goods", "jsonb"),
    ("employee", "integer"),
    ("finance_currency_code", "varchar(5)"),
    ("finance_year", "integer"),
    ("finance_revenue", "bigint"),
    ("finance_operating_profit", "bigint"),
    ("finance_comprehensive_income", "bigint"),
    ("finance_net_profit", "bigint"),
    ("finance_total_assets", "bigint"),
    ("finance_total_liabilities", "bigint"),
    ("finance_total_equity", "bigint"),
    ("finance_capital", "bigint"),
    ("finance_debt_ratio", "numeric(10,2)"),
    ("is_normal_taxpayer", "boolean"),
    ("is_corporation", "boolean"),
    ("address", "text"),
    ("si_nm", "varchar(50)"),
    ("sgg_nm", "varchar(50)"),
    ("postal_code", "varchar(6)"),
    ("established_date", "date"),
    ("description", "text"),
    ("keywords", "jsonb"),
    ("scraped_bizinfo", "boolean"),
    ("search_vector", "tsvector"),
    ("present", "bigint"),  # bit i set: the row gives FILE_FIELDS[i]
]
# Columns the upsert writes (everything but the staging bookkeeping and the industry code).
_LEAD_COLUMNS = [
    name
    for name, _ in _STAGING_COLUMNS
    if name not in ("row_no", "industry_code", "keywords", "search_vector", "present")
]
_TEXT_LIMITS = {
    "industry_name": 200,
    "name": 200,
    "name_eng": 200,
    "owner": 100,
    "phone": 20,
    "finance_currency_code": 5,
    "si_nm": 50,
    "sgg_nm": 50,
    "postal_code": 6,
    "industry": 20,
}
_BIGINT_FIELDS = [
    "finance_revenue",
    "finance_operating_profit",
    "finance_comprehensive_income",
    "finance_net_profit",
    "finance_total_assets",
    "finance_total_liabilities",
    "finance_total_equity",
    "finance_capital",
]
_LIST_FIELDS = ("homepage", "handle_goods", "keywords")


class RowError(ValueError):
    """A row the loader refuses; the message is the reason written to the rejects file."""


@dataclass
class LoadResult:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    superseded: int = 0  # earlier rows of a corporation_number that appears again later in the file
    keyword_links_added: int = 0
    keyword_links_removed: int = 0
    industries_created: int = 0
    # KSIC codes of the file that are not in the industry table: code → the name the file gave (or
    # None). Their rows are rejected unless the load was asked to create them.
    unknown_industries: dict[str, str | None] = field(default_factory=dict)
    indexes_rebuilt: bool = False
    into_empty_table: bool = False  # the bulk initial load: a plain INSERT, keyword links without a diff
    parse_workers: int = 0  # processes that parsed the file (0: the loading process alone)
    # Where the loading process spent a CSV's parse_and_copy step (the benchmark's split): reading
    # the file and cutting it into pieces, waiting for parsed pieces (parsing them itself without
    # workers), and writing them to COPY (the database's side of the COPY).
    cut_seconds: float = 0.0
    parse_wait_seconds: float = 0.0
    copy_seconds: float = 0.0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    index_seconds: dict[str, float] = field(default_factory=dict)  # each index the rebuild built: its wall time
    constraint_seconds: float = 0.0  # the rebuild's re-adding of the foreign keys (each validates every row)
    rejects: list[tuple[int, int, str, str]] = field(default_factory=list)  # (row, line, corporation_number, reason)
    rejects_path: Path | None = None
    # Rows of the file before each chunk: turns a staging key into the row number users see.
    chunk_offsets: list[int] = field(default_factory=lambda: [0])

    # Called with each step's name as it ends (the benchmark reads the database backend's CPU time).
    on_phase: Callable[[str], None] | None = field(default=None, repr=False)

    def phase_done(self, name: str, started: float) -> None:
        self.timings[name] = time.perf_counter() - started
        if self.on_phase is not None:
            self.on_phase(name)

    def row_number(self, key: int) -> int:
        return self.chunk_offsets[key >> _CHUNK_SHIFT] + (key & ((1 << _CHUNK_SHIFT) - 1))


# --- parsing and validation (pure Python, one row at a time: the hot loop of a million-row load) ----

_F = {name: i for i, name in enumerate(FILE_FIELDS)}
_LIMITED_TEXT = [
    (_F[name], name, limit) for name, limit in _TEXT_LIMITS.items() if name in _F
]  # fmt: skip
_limited_cells = operator.itemgetter(*[index for index, _, _ in _LIMITED_TEXT])
_LIMITS = [limit for _, _, limit in _LIMITED_TEXT]
_INTEGER_FIELDS = [(_F[name], name) for name in ("employee", "finance_year", *_BIGINT_FIELDS)]
# Every integer cell of a row checked by one match (the loop over them, for the reasons, only when
# it fails): empty, or whole numbers of at most 9 digits (integer columns) or 18 (bigint).
_integer_cells = operator.itemgetter(*[index for index, _ in _INTEGER_FIELDS])
_WHOLE_NUMBERS = re.compile(
    ",".join(f"(?:-?[0-9]{{1,{9 if name in ('employee', 'finance_year') else 18}}})?" for _, name in _INTEGER_FIELDS)
)
_LIST_INDEXES = [(_F[name], name) for name in _LIST_FIELDS]
_BOOL_INDEXES = [(_F[name], name) for name in ("is_normal_taxpayer", "is_corporation", "scraped_bizinfo")]


# A JSON array of non-empty strings without escapes, as the generator and json.dumps write it: valid
# as it is (json.loads of every list cell was a tenth of the parse); anything else is decoded.
_SIMPLE_LIST = re.compile(r'\["[^"\\\x00-\x1f]+"(?:, ?"[^"\\\x00-\x1f]+")*\]')
_SIMPLE_KEYWORDS = re.compile(r'\["[^"\\\x00-\x1f]{1,100}"(?:, ?"[^"\\\x00-\x1f]{1,100}")*\]')


def _list_cell(value, name: str) -> str | None:
    """A JSON array of strings; CSV cells hold JSON (``["a.co.kr"]``) or ``|``-separated text."""
    if isinstance(value, str):
        if (_SIMPLE_KEYWORDS if name == "keywords" else _SIMPLE_LIST).fullmatch(value):
            return value
        if value[0] == "[":
            try:
                items = json.loads(value)
            except ValueError:
                raise RowError(f"{name}: not a valid JSON array")
            if isinstance(items, list) and all(isinstance(item, str) and item for item in items):
                if name == "keywords" and any(len(item) > 100 for item in items):
                    raise RowError("keywords: a keyword is longer than 100 characters")
                return value
        else:
            items = value.split("|")
    else:
        items = value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise RowError(f"{name}: must be a list of strings")
    items = [item.strip() for item in items if item.strip()]
    if name == "keywords" and any(len(item) > 100 for item in items):
        raise RowError("keywords: a keyword is longer than 100 characters")
    return json.dumps(items, ensure_ascii=False) if items else None


def staging_row(cells: list, row_no: int, present: int | None = None) -> tuple:
    """Validate one row (cells in FILE_FIELDS order, '' or None when empty) and return it in staging
    column order, or raise RowError. Typed values stay text: COPY parses them, in C.

    ``present``: the bitmap of the fields the row gives (JSON Lines: its keys); None means the
    non-empty cells (CSV)."""
    try:
        cells = list(map(str.strip, cells))  # a CSV row: every cell text
    except TypeError:
        cells = [cell.strip() if cell.__class__ is str else cell for cell in cells]
    if present is None:
        present = sum(compress(_FIELD_BITS, cells))
    # The numbers are stored as bare digits, the form common/korean_ids.py's normalisers give; the
    # dash is dropped inline here (stricter: a space is rejected) because this runs once per row of
    # a multi-million-row load.
    corporation_number = cells[0] or ""
    if "-" in corporation_number:
        corporation_number = corporation_number.replace("-", "")
    if not _DIGITS_13.fullmatch(corporation_number):
        raise RowError(f"corporation_number: {cells[0]!r} is not 13 digits")
    business_number = cells[1]
    if business_number:
        business_number = business_number.replace("-", "")
        if not _DIGITS_10.fullmatch(business_number):
            raise RowError(f"business_number: {cells[1]!r} is not 10 digits")
    if not cells[_NAME] and present & _NAME_BIT:
        raise RowError("name: must not be empty")
    try:  # one pass over the lengths; the loop names the field only when one is too long
        too_long = any(map(operator.gt, map(len, _limited_cells(cells)), _LIMITS))
    except TypeError:  # a cell that is None (JSON Lines, a column the CSV lacks)
        too_long = True
    for index, name, limit in _LIMITED_TEXT if too_long else ():
        value = cells[index]
        if value and len(value) > limit:
            raise RowError(f"{name}: longer than {limit} characters")
    try:
        whole_numbers = _WHOLE_NUMBERS.fullmatch(",".join(_integer_cells(cells)))
    except TypeError:  # a cell that is None or not text: the loop below
        whole_numbers = None
    for index, name in () if whole_numbers else _INTEGER_FIELDS:
        value = cells[index]
        if value:
            if value.__class__ is not str:
                value = cells[index] = str(value) if value.__class__ is int else "x"
            digits = value[1:] if value[0] == "-" else value
            if not digits.isdigit() or not digits.isascii():
                raise RowError(f"{name}: {value!r} is not a whole number")
            if len(digits) > 18 or (index <= _FINANCE_YEAR and len(digits) > 9):
                raise RowError(f"{name}: {value!r} is out of range")
    year = cells[_FINANCE_YEAR]
    if year and not 1900 <= int(year) <= 2100:
        raise RowError(f"finance_year: {year} is out of range")
    ratio = cells[_DEBT_RATIO]
    if ratio:
        try:
            number = float(ratio)
        except (TypeError, ValueError):
            raise RowError(f"finance_debt_ratio: {ratio!r} is not a number")
        if not -1e8 < number < 1e8:  # NaN fails too
            raise RowError(f"finance_debt_ratio: {ratio!r} is out of range")
        cells[_DEBT_RATIO] = repr(number) if ratio.__class__ is not str else ratio
    established = cells[_ESTABLISHED]
    if established:
        try:
            if date.fromisoformat(established).year < 1800:
                raise ValueError
        except (TypeError, ValueError):
            raise RowError(f"established_date: {established!r} is not a date (YYYY-MM-DD)")
    for index, name in _BOOL_INDEXES:
        value = cells[index]
        if value.__class__ is bool:
            cells[index] = "t" if value else "f"
        elif not value:
            cells[index] = "f"
        elif value.lower() in _TRUE:
            cells[index] = "t"
        elif value.lower() in _FALSE:
            cells[index] = "f"
        else:
            raise RowError(f"{name}: {value!r} is not true or false")
    email = cells[_EMAIL_INDEX]
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        raise RowError(f"email: {email!r} is not an e-mail address")
    for index, name in _LIST_INDEXES:
        if cells[index]:
            cells[index] = _list_cell(cells[index], name)
    return (
        row_no,
        corporation_number,
        business_number or None,
        *[cell or None for cell in cells[2 : _KEYWORDS + 1]],
        cells[_SCRAPED],
        search_vector_literal_by_word(*[cells[i] for i in _SEARCHED]),
        present,
    )


def row_errors(cells: list, row_no: int, present: int | None = None) -> list[str]:
    """Every reason ``staging_row`` refuses a row, not only the first: each field it names is checked
    again as if the row had left it empty, until the rest passes. (Bad rows only: the hot loop stays
    ``staging_row``.)"""
    cells = list(cells)
    if present is None:
        present = sum(compress(_FIELD_BITS, [cell.strip() if cell.__class__ is str else cell for cell in cells]))
    errors: list[str] = []
    for _ in FILE_FIELDS:
        try:
            staging_row(cells, row_no, present)
            break
        except RowError as exc:
            errors.append(str(exc))
            name = str(exc).partition(":")[0]
            if name not in _F:  # a reason that names no field: nothing more to check
                break
            index = _F[name]
            # A row without a valid key cannot be staged at all; check the rest against a valid one.
            cells[index] = "0" * 13 if index == 0 else None
            present &= ~_FIELD_BITS[index]
    return errors


_NAME, _EMAIL_INDEX, _FINANCE_YEAR = _F["name"], _F["email"], _F["finance_year"]
_DEBT_RATIO, _ESTABLISHED, _KEYWORDS, _SCRAPED = (
    _F["finance_debt_ratio"], _F["established_date"], _F["keywords"], _F["scraped_bizinfo"],
)  # fmt: skip
_SEARCHED = [_F[name] for name in SEARCHED_FIELDS]
_FIELD_BITS = [1 << index for index in range(len(FILE_FIELDS))]
_NAME_BIT = _FIELD_BITS[_NAME]
_SEARCHED_MASK = sum(_FIELD_BITS[i] for i in _SEARCHED)
assert FILE_FIELDS[-1] == "scraped_bizinfo" and FILE_FIELDS[-2] == "keywords"
assert _F["employee"] < _FINANCE_YEAR < _F["finance_revenue"]


def _file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".xls":
        raise ValueError(f"{path.name}: the old Excel format (.xls) is not supported; save it as .xlsx or CSV (UTF-8)")
    with open(path, encoding="utf-8-sig") as handle:
        return "jsonl" if handle.read(1) == "{" else "csv"


def _read_rows(path: Path) -> Iterator[tuple[int, list | None, str | None, int | None]]:
    """(line, cells in FILE_FIELDS order, error, present) per data row; an unparsable row comes with
    its error. ``present`` is the bitmap of the keys of a JSON object, None for CSV (staging_row)."""
    if _file_format(path) == "jsonl":
        with open(path, encoding="utf-8-sig") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    yield line_no, None, f"not valid JSON ({exc.msg})", None
                    continue
                if not isinstance(row, dict):
                    yield line_no, None, "not a JSON object", None
                    continue
                if "industry" not in row and "industry_code" in row:
                    row["industry"] = row["industry_code"]
                cells, error = [], None
                for index, name in enumerate(FILE_FIELDS):
                    value = row.get(name)
                    if isinstance(value, dict) or (isinstance(value, list) and name not in _LIST_FIELDS):
                        error = f"{name}: must not be a JSON {type(value).__name__}"
                        break
                    if isinstance(value, float | int) and not isinstance(value, bool):
                        value = str(value) if index != _F["finance_debt_ratio"] else repr(value)
                    elif isinstance(value, bool) and name not in _BOOL_NAMES:
                        value = str(value).lower()
                    cells.append(value)
                present = sum(_FIELD_BITS[_F[name]] for name in row if name in _F)
                yield line_no, (None if error else cells), error, present
        return
    # CSV and .xlsx: a header row of SPEC.md field names, then the rows (an .xlsx row may end early
    # where its last cells are empty).
    spreadsheet = _file_format(path) == "xlsx"
    records = _xlsx_records(path) if spreadsheet else _csv_records(path)
    header = [name.strip() for name in next(records, (0, []))[1]]
    header = ["industry" if name == "industry_code" else name for name in header]
    unknown = sorted(set(header) - set(FILE_FIELDS))
    if unknown:
        raise ValueError(f"unknown columns in {path.name}: {', '.join(unknown)} (expected SPEC.md field names)")
    if "corporation_number" not in header:
        raise ValueError(f"{path.name} needs at least the column corporation_number")
    width = len(header)
    positions = [header.index(name) if name in header else None for name in FILE_FIELDS]
    in_order = positions == list(range(len(FILE_FIELDS)))
    for line_no, cells in records:
        if spreadsheet and len(cells) < width:
            cells += [""] * (width - len(cells))
        if len(cells) != width:
            if cells:
                yield line_no, None, f"{len(cells)} cells where the header has {width}", None
            continue
        if in_order:
            yield line_no, cells, None, None
        else:
            yield line_no, [None if p is None else cells[p] for p in positions], None, None


def _csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line the row ends on, cells) per CSV row, the header first."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            for cells in reader:
                yield reader.line_num, cells
    except UnicodeDecodeError as exc:
        # Excel's "CSV" in Korean Windows is CP949: say what to do, not which byte failed.
        raise ValueError(
            f'{path.name} is not UTF-8 (byte {exc.start:,} cannot be read); save it as "CSV UTF-8" and retry'
        ) from None


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) per row of the first worksheet, the header first; trailing empty
    cells are dropped and empty rows skipped, as a CSV export would."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path.name} is not a readable .xlsx workbook ({exc.__class__.__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        for row_no, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_text(value) for value in values]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                yield row_no, cells
    finally:
        workbook.close()


def _xlsx_text(value) -> str:
    """A cell as the text a CSV export would hold: 1101112955908 (not 1.1e12), 2024-03-01, true."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time_of_day.min else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_BOOL_NAMES = ("is_normal_taxpayer", "is_corporation", "scraped_bizinfo")


def _count_lines(path: Path) -> int:
    """Lines as _csv_lines counts them (LF, CRLF or a lone CR: a CR-only file counted 0 and its
    progress bar had no total), a CRLF split between two reads once."""
    count, ends_with_cr = 0, False
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            count += _csv_lines(chunk) - (ends_with_cr and chunk.startswith(b"\n"))
            ends_with_cr = chunk.endswith(b"\r")
    return count


# --- the load ------------------------------------------------------------------------------------


def salesone_leads_load(
    *,
    path: Path | str,
    rejects_path: Path | str | None = None,
    progress: bool = False,
    rebuild_indexes: bool | None = None,
    create_industries: bool = False,
    stderr=None,
    on_phase: Callable[[str], None] | None = None,
) -> LoadResult:
    """Upsert the companies of a CSV / JSON Lines file; see the module docstring.

    ``rebuild_indexes`` None decides by size (REBUILD_MIN_ROWS, REBUILD_MIN_SHARE).
    ``create_industries``: create the unknown KSIC codes the file names (with the name it gives);
    without it their rows are rejected and the codes reported (LoadResult.unknown_industries).
    """
    path = Path(path)
    result = LoadResult(on_phase=on_phase)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _tune_session(cursor)
        # A load earlier in the same (test) transaction leaves its ON COMMIT DROP tables behind.
        cursor.execute(
            "DROP TABLE IF EXISTS salesone_staging, salesone_repeated, salesone_keyword_targets, salesone_keyword_pairs"
        )
        columns_sql = ", ".join(f"{name} {kind}" for name, kind in _STAGING_COLUMNS)
        cursor.execute(f"CREATE TEMP TABLE salesone_staging ({columns_sql}) ON COMMIT DROP")
        _stage(cursor, path, result, progress, stderr or sys.stderr)
        result.phase_done("parse_and_copy", started)
        _upsert(cursor, result, rebuild_indexes, create_industries)
    result.seconds = time.perf_counter() - started
    if rejects_path is None:
        rejects_path = path.with_name(path.name + ".rejects.csv")
    result.rejects_path = Path(rejects_path)
    with open(result.rejects_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "line", "corporation_number", "reason"])
        writer.writerows(sorted(result.rejects))
    return result


def _tune_session(cursor) -> None:
    """Room for the sorts and hashes of a million staged rows and for the index rebuilds, both cores
    for a B-tree build, and no wait for the WAL flush at commit (this transaction only: a crash
    before the flush loses the whole load, never a part of it)."""
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
    cursor.execute("SET LOCAL synchronous_commit = off")
    try:  # allowed only before the session's first temporary table
        with transaction.atomic():
            cursor.execute("SET LOCAL temp_buffers = '512MB'")
    except DatabaseError:
        pass


def _stage(cursor, path: Path, result: LoadResult, progress: bool, stderr) -> None:
    fmt = _file_format(path)
    bar = None
    if progress:
        from tqdm import tqdm

        # Whole rows ("60000/1000000 rows"), with tqdm's rate and ETA; unit_scale would print "60.0k".
        # Lines, less the CSV header: an estimate (a quoted cell may span lines), set right at the end.
        total = None if fmt == "xlsx" else max(_count_lines(path) - (fmt == "csv"), 0)
        bar = tqdm(total=total, unit=" rows", desc="staging", file=stderr)
    columns = ", ".join(name for name, _ in _STAGING_COLUMNS)
    copy_sql = f"COPY salesone_staging ({columns}) FROM STDIN"
    try:
        if fmt == "csv":
            _stage_csv(cursor, copy_sql, path, result, bar)
        else:
            _stage_rows(cursor, copy_sql, path, result, bar)
    finally:
        if bar is not None:
            bar.total = result.read
            bar.n = result.read
            bar.refresh()
            bar.close()


def _stage_rows(cursor, copy_sql: str, path: Path, result: LoadResult, bar) -> None:
    """JSON Lines and .xlsx: one row at a time in this process."""
    with cursor.cursor.copy(copy_sql) as copy:
        write_row = copy.write_row
        for row_no, (line_no, row, error, present) in enumerate(_read_rows(path), start=1):
            result.read += 1
            if bar is not None and row_no % 10_000 == 0:
                bar.update(10_000)
            if error is None:
                try:
                    write_row(staging_row(row, row_no, present))
                    continue
                except RowError:
                    error = "; ".join(row_errors(row, row_no, present))
            corporation_number = str(row[0] if row else "")[:20]
            result.rejects.append((row_no, line_no, corporation_number, error))


def _stage_csv(cursor, copy_sql: str, path: Path, result: LoadResult, bar) -> None:
    """A CSV in chunks of whole records: parsed, validated and turned into COPY text by worker
    processes (or by this one for a file of one chunk), streamed into the staging table in order."""
    with open(path, "rb") as handle:
        header_line = _header_line(handle, path)
        line_no = 2
        try:
            header = next(csv.reader([header_line.decode("utf-8-sig")]), [])
        except UnicodeDecodeError as exc:
            raise _not_utf8(path, exc.start) from None
        layout = _csv_layout(path, header)
        offset = len(header_line)
        chunk_offsets = result.chunk_offsets = []

        def chunks():
            nonlocal line_no, offset
            pieces = enumerate(_csv_chunks(handle, CSV_CHUNK_BYTES))
            while True:
                started = time.perf_counter()
                chunk_no, data = next(pieces, (None, None))
                result.cut_seconds += time.perf_counter() - started
                if data is None:
                    return
                yield (chunk_no, data, line_no, offset, layout)
                line_no += _csv_lines(data)
                offset += len(data)

        pool = None
        workers = settings.SALESONE_PARSE_WORKERS
        # (A daemonic process, a Celery prefork child, may not have children: it parses alone. So does
        # a process running other threads: a fork copies the locks they hold, and a worker that needs one
        # waits forever — the whole test suite hung in a COPY that way.)
        if (
            workers > 0
            and _larger_than_a_chunk(handle)
            and not multiprocessing.current_process().daemon
            and threading.active_count() == 1
        ):
            ctx = multiprocessing.get_context("fork")  # the workers inherit the loaded code; no DB use
            pool = ctx.Pool(workers, initializer=_parse_worker_init)
            result.parse_workers = workers
        try:
            copy_ended = None
            with cursor.cursor.copy(copy_sql) as copy:
                if pool is None:
                    outputs = map(_parse_csv_chunk, chunks())
                else:
                    outputs = _bounded_imap(pool, _parse_csv_chunk, chunks(), 2 * workers)
                waited = time.perf_counter()
                for chunk_no, text, rejects, rows, bad_byte in outputs:
                    written = time.perf_counter()
                    result.parse_wait_seconds += written - waited
                    if bad_byte is not None:
                        raise _not_utf8(path, bad_byte)
                    chunk_offsets.append(result.read)
                    result.read += rows
                    base = chunk_offsets[chunk_no]
                    result.rejects.extend((base + index, *reject) for index, *reject in rejects)
                    copy.write(text)
                    if bar is not None:
                        bar.update(rows)
                    waited = time.perf_counter()
                    result.copy_seconds += waited - written
                copy_ended = time.perf_counter()
            result.copy_seconds += time.perf_counter() - copy_ended  # the server ends the COPY
            # (the reading and cutting ran inside the waits, in this process)
            result.parse_wait_seconds = max(result.parse_wait_seconds - result.cut_seconds, 0.0)
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
        if not chunk_offsets:
            chunk_offsets.append(0)


# A CSV's first line names its columns: a few hundred bytes. A file without a line break this early
# is not a CSV (a JSON export with a .csv name, one line): refused at once, not searched to its end.
CSV_HEADER_MAX_BYTES = 1 << 16


def _header_line(handle, path: Path) -> bytes:
    """The first line of a CSV opened in binary, with its line end: LF, CRLF or a lone CR (a file with
    CR-only line ends was read whole as its header: readline looks for LF). The handle is left just
    after it. (Column names do not span lines.)"""
    start = handle.tell()
    head = handle.read(CSV_HEADER_MAX_BYTES + 1)
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    if not ends and len(head) > CSV_HEADER_MAX_BYTES:
        raise ValueError(
            f"{path.name} has no line break in its first {CSV_HEADER_MAX_BYTES // 1024} KB: a CSV starts with "
            "a line of column names (a JSON export? give it a .jsonl name, one company a line)"
        )
    line = head[: min(ends) + 1] if ends else head
    handle.seek(start + len(line))
    if line.endswith(b"\r") and handle.read(1) == b"\n":
        line += b"\n"
    handle.seek(start + len(line))
    return line


def _not_utf8(path: Path, position: int) -> ValueError:
    # Excel's "CSV" in Korean Windows is CP949: say what to do, not which byte failed.
    return ValueError(f'{path.name} is not UTF-8 (byte {position:,} cannot be read); save it as "CSV UTF-8" and retry')


def _csv_layout(path: Path, header: list[str]) -> tuple[int, list[int | None], bool]:
    """(cells per row, position of each FILE_FIELDS column or None, whether the file is in FILE_FIELDS order)."""
    header = [name.strip() for name in header]
    header = ["industry" if name == "industry_code" else name for name in header]
    unknown = sorted(set(header) - set(FILE_FIELDS))
    if unknown:
        raise ValueError(f"unknown columns in {path.name}: {', '.join(unknown)} (expected SPEC.md field names)")
    if "corporation_number" not in header:
        raise ValueError(f"{path.name} needs at least the column corporation_number")
    positions = [header.index(name) if name in header else None for name in FILE_FIELDS]
    return len(header), positions, positions == list(range(len(FILE_FIELDS)))


def _larger_than_a_chunk(handle) -> bool:
    """Whether the rest of the file is larger than one chunk (then worker processes parse it)."""
    return os.fstat(handle.fileno()).st_size - handle.tell() > CSV_CHUNK_BYTES


def _csv_chunks(handle, size: int) -> Iterator[bytes]:
    """The rest of a CSV in pieces of about ``size`` bytes, each ending where a record ends, as the
    csv module reads it: at a line break outside every quoted cell (each piece starts at a record's
    start, so the first piece's quoted cells are known exactly; see _last_record_end)."""
    carry = b""
    while block := handle.read(size):
        data = carry + block
        cut = _last_record_end(data)
        if cut == 0:  # one record longer than the piece: read on
            carry = data
            continue
        yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


# A quoted cell, as csv.reader (the default dialect) reads one: a quote opens it only at the start of
# a cell (the piece's start, or after a comma or a line break outside quotes); inside, "" is a quote
# and any other quote closes it. A quote anywhere else is a literal character (`5" pipe`, `"a"b"c`),
# which is why counting quotes cannot find record ends. Group 1 is the closing quote: missing when
# the cell runs on past the piece. The quote is matched first and the look-behind checked after it:
# the engine then skips from quote to quote at C speed (3 ms for a 2 MB piece of generated rows; a
# look-behind or an alternative first costs 30 times that), so the piece's start is a separate case.
_QUOTED_CELL = re.compile(rb'"(?<=[,\r\n]")(?:[^"]++|"")*+(?:(")|\Z)')
_FIRST_QUOTED_CELL = re.compile(rb'"(?:[^"]++|"")*+(?:(")|\Z)')


def _quoted_cells(data: bytes, endpos: int, keep: int | None = None) -> list[tuple[int, int, bool]]:
    """(start, end, closed) of the quoted cells of ``data[:endpos]`` (which starts a record), the
    last ``keep`` of them, or all. The matches are drained at C speed: no Python code per cell."""
    first = _FIRST_QUOTED_CELL.match(data, 0, endpos)
    cells = deque(_QUOTED_CELL.finditer(data, first.end() if first else 0, endpos), maxlen=keep)
    if first is not None and (keep is None or len(cells) < keep):
        cells.appendleft(first)
    return [(cell.start(), cell.end(), cell.group(1) is not None) for cell in cells]


def _last_record_end(data: bytes) -> int:
    """The offset just after the last line break of ``data`` (LF, CRLF or a lone CR) that lies outside
    its quoted cells (a line break outside quotes always ends a record), or 0 if there is none; ``data`` starts at
    the start of a record. The loading process runs this on every piece, so it keeps only the
    last few quoted cells and walks back through them (through all of them, if it must)."""
    keep = 16
    cells = _quoted_cells(data, len(data), keep)
    complete = len(cells) < keep
    limit = len(data)
    while True:
        for start, end, closed in reversed(cells):
            if closed:
                cut = _last_line_end(data, end, limit)
                if cut:
                    return cut
            limit = start
        if complete or not cells:
            return _last_line_end(data, 0, limit)
        # Every line feed since the first cell kept is quoted (cells spanning many lines): the cells
        # before it, all of them. They end before it, so reading up to it finds the same cells.
        cells, complete = _quoted_cells(data, cells[0][0]), True


def _last_line_end(data: bytes, start: int, end: int) -> int:
    """The offset just after the last line break of ``data[start:end]``, or 0: a line feed, or a
    carriage return not followed by one (csv.reader ends a record at LF, CRLF and a lone CR; a file
    saved with CR-only line ends was never cut, one piece of the whole file rescanned at every block).
    A CR that is the last byte of ``data`` is not a cut: its LF may open the next block."""
    cut = data.rfind(b"\n", start, end) + 1
    cr = data.rfind(b"\r", max(cut, start), min(end, len(data) - 1))
    return cr + 1 if cr >= 0 else cut


def _csv_lines(data: bytes) -> int:
    """Lines as csv.reader counts them (its line_num): a line ends at LF, CRLF or a lone CR."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _bounded_imap(pool, function, tasks, ahead: int):
    """``pool.imap`` that reads at most ``ahead`` tasks before their results are taken (imap would
    read the whole file into its queue)."""
    pending = deque()
    for task in tasks:
        pending.append(pool.apply_async(function, (task,)))
        if len(pending) >= ahead:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _parse_worker_init() -> None:
    # A worker must not outlive a loader that was killed (it would parse on for nothing).
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the loader, which stops the workers


def csv_parse_tasks(path: Path, pieces: int) -> list[tuple]:
    """The first ``pieces`` pieces of a CSV as _stage_csv hands them to the parse workers, for
    csv_parse_piece: ``bench_salesone_load --parse-only`` times the parse alone with them."""
    with open(path, "rb") as handle:
        header_line = _header_line(handle, path)
        layout = _csv_layout(path, next(csv.reader([header_line.decode("utf-8-sig")]), []))
        line_no, offset, tasks = 2, len(header_line), []
        for chunk_no, data in zip(range(pieces), _csv_chunks(handle, CSV_CHUNK_BYTES), strict=False):
            tasks.append((chunk_no, data, line_no, offset, layout))
            line_no += _csv_lines(data)
            offset += len(data)
    return tasks


def csv_parse_piece(task) -> tuple[int, bytes, list, int, int | None]:
    """What a parse worker does with one task of csv_parse_tasks (see _parse_csv_chunk)."""
    return _parse_csv_chunk(task)


def _parse_csv_chunk(task) -> tuple[int, bytes, list, int, int | None]:
    """(chunk, COPY text of its valid rows, rejects (row within the chunk, line, corporation_number,
    reasons), rows read, offset of a byte that is not UTF-8 or None) of one piece of a CSV."""
    chunk_no, data, first_line, offset, (width, positions, in_order) = task
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return chunk_no, b"", [], 0, offset + exc.start
    key_base = chunk_no << _CHUNK_SHIFT
    # A NUL must reach COPY as it is (and fail the load there): the fast line format marks NULLs with it.
    has_nul = "\x00" in text
    lines: list[str] = []
    rejects: list[tuple[int, int, str, str]] = []
    index = 0
    reader = csv.reader(io.StringIO(text, newline=""))
    line_before = 0
    for cells in reader:
        spans_lines = reader.line_num - line_before > 1
        line_before = reader.line_num
        if len(cells) != width:
            if cells:
                index += 1
                line = first_line - 1 + reader.line_num
                rejects.append((index, line, "", f"{len(cells)} cells where the header has {width}"))
            continue
        index += 1
        if not in_order:
            cells = [None if p is None else cells[p] for p in positions]
        try:
            row = staging_row(cells, key_base | index)
        except RowError:
            line = first_line - 1 + reader.line_num
            rejects.append((index, line, str(cells[0] or "")[:20], "; ".join(row_errors(cells, index))))
            continue
        lines.append(_copy_line(row, spans_lines or has_nul))
    return chunk_no, "".join(lines).encode("utf-8"), rejects, index, None


_NULL_MARK = "\x00"  # never in a staged value: PostgreSQL text cannot hold NUL
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TABS = len(_STAGING_COLUMNS) - 1


def _copy_line(row: tuple, spans_lines: bool) -> str:
    """One line of COPY text: tab-separated, \\N for NULL, backslash escapes only when a value needs
    them (a cell spanning lines, a tab, a backslash: rare, so tested on the joined line)."""
    values = [str(row[0]), *row[1:-1], str(row[-1])]
    line = "\t".join([_NULL_MARK if value is None else value for value in values])
    if spans_lines or "\\" in line or "\r" in line or "\n" in line or line.count("\t") != _TABS:
        line = "\t".join(["\\N" if value is None else value.translate(_COPY_ESCAPES) for value in values])
    else:
        line = line.replace(_NULL_MARK, "\\N")
    return line + "\n"


def _upsert(cursor, result: LoadResult, rebuild_indexes: bool | None, create_industries: bool) -> None:
    step = time.perf_counter()
    # Foreign keys are deferred by Django; checking them now lets the indexes be rebuilt below
    # (CREATE INDEX refuses a table with pending trigger events).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # The columns the checks below join and group on (the search vector's statistics cost seconds).
    cursor.execute("ANALYZE salesone_staging (corporation_number, industry_code, name)")
    if create_industries:
        cursor.execute(
            f"""INSERT INTO {INDUSTRY_TABLE} (code, name)
                SELECT DISTINCT ON (industry_code) industry_code, industry_name FROM salesone_staging
                WHERE industry_code IS NOT NULL AND industry_name IS NOT NULL
                ORDER BY industry_code, row_no DESC
                ON CONFLICT (code) DO NOTHING"""
        )
        result.industries_created = cursor.rowcount
    # Unknown codes (and, with create_industries, those without a name to create them with): their
    # rows are rejected and the codes reported, never created behind the operator's back.
    cursor.execute(
        f"""DELETE FROM salesone_staging s WHERE industry_code IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM {INDUSTRY_TABLE} i WHERE i.code = s.industry_code)
            RETURNING row_no, corporation_number, industry_code, industry_name"""
    )
    hint = "load_industries" if create_industries else "load_industries, or --create-industries with a name"
    for row_no, corporation_number, code, name in sorted(cursor.fetchall()):
        if name or code not in result.unknown_industries:
            result.unknown_industries[code] = name
        reason = f"industry: unknown KSIC code {code!r} ({hint})"
        result.rejects.append((result.row_number(row_no), 0, corporation_number, reason))
    # The last row of a corporation_number in the file wins (one hash aggregate finds repeats).
    cursor.execute(
        """CREATE TEMP TABLE salesone_repeated ON COMMIT DROP AS
           SELECT corporation_number, max(row_no) AS last_row FROM salesone_staging
           GROUP BY corporation_number HAVING count(*) > 1"""
    )
    if cursor.rowcount:
        cursor.execute(
            """DELETE FROM salesone_staging s USING salesone_repeated r
               WHERE s.corporation_number = r.corporation_number AND s.row_no < r.last_row"""
        )
        result.superseded = cursor.rowcount
    # A row without a name can only update a company already stored.
    cursor.execute(
        f"""DELETE FROM salesone_staging s WHERE s.name IS NULL
            AND NOT EXISTS (SELECT 1 FROM {LEAD_TABLE} l WHERE l.corporation_number = s.corporation_number)
            RETURNING row_no, corporation_number"""
    )
    for row_no, corporation_number in cursor.fetchall():
        reason = "name: required for a company not stored yet"
        result.rejects.append((result.row_number(row_no), 0, corporation_number, reason))
    cursor.execute("SELECT count(*) FROM salesone_staging")
    staged = cursor.fetchone()[0]
    result.rejected = len(result.rejects)
    result.phase_done("validate_in_sql", step)

    cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [LEAD_TABLE])
    existing = max(cursor.fetchone()[0], 0)
    if rebuild_indexes is None:
        rebuild_indexes = staged >= REBUILD_MIN_ROWS and staged >= REBUILD_MIN_SHARE * existing
    if rebuild_indexes:
        # No writer between the check below and the commit (DROP INDEX would take this lock anyway).
        cursor.execute(f"LOCK TABLE {LEAD_TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"SELECT NOT EXISTS (SELECT FROM {LEAD_TABLE}) AND NOT EXISTS (SELECT FROM {KEYWORD_LINK_TABLE})"
        )
        result.into_empty_table = cursor.fetchone()[0]
    indexes = [*search_indexes(cursor), *lookup_indexes(cursor)] if rebuild_indexes else []
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    # Row-by-row foreign-key checks (a locking lookup per company and per keyword link) cost more than
    # the load itself; re-adding the constraint afterwards validates every row in one join.
    constraints = foreign_keys(cursor) if rebuild_indexes else []
    for table, name, _ in constraints:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    result.indexes_rebuilt = bool(indexes)

    step = time.perf_counter()
    if result.into_empty_table:
        _insert_into_empty_table(cursor, result)
    else:
        _upsert_statement(cursor, result)
    result.unchanged = staged - result.inserted - result.updated
    result.phase_done("insert" if result.into_empty_table else "upsert", step)

    step = time.perf_counter()
    if result.into_empty_table:
        _insert_keywords(cursor, result)
    else:
        _sync_keywords(cursor, result)
    result.phase_done("keywords", step)

    if indexes or constraints:
        step = time.perf_counter()
        for name, definition in indexes:
            built = time.perf_counter()
            cursor.execute(definition)
            result.index_seconds[name] = time.perf_counter() - built
        built = time.perf_counter()
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        result.constraint_seconds = time.perf_counter() - built
        result.phase_done("rebuild_indexes_and_constraints", step)
    # Every table the load wrote: the search's keyword prefetch planned on an unanalysed link table
    # scans all its rows (autovacuum may be off, or minutes away).
    step = time.perf_counter()
    cursor.execute(f"ANALYZE {LEAD_TABLE}, {KEYWORD_LINK_TABLE}, {KEYWORD_TABLE}, {INDUSTRY_TABLE}")
    result.phase_done("analyze", step)


def _upsert_statement(cursor, result: LoadResult) -> None:
    assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in [*_LEAD_COLUMNS, "industry_id", "search_vector"])
    current = ", ".join(f"t.{name}" for name in [*_LEAD_COLUMNS, "industry_id"])
    incoming = ", ".join(f"EXCLUDED.{name}" for name in [*_LEAD_COLUMNS, "industry_id"])
    # A column the row does not give keeps the stored value (l: the stored company, if any). A search
    # vector computed from only some of the searched fields is not used: the stored one is written
    # back, and the table's trigger recomputes it in SQL when a searched field changed.
    selected = ", ".join(
        f"CASE WHEN l.id IS NOT NULL AND s.present & {_FIELD_BITS[_F[name]]} = 0 THEN l.{name} ELSE "
        + ("coalesce(s.employee, 1)" if name == "employee" else f"s.{name}")
        + " END"
        for name in _LEAD_COLUMNS
    )
    industry_bit = _FIELD_BITS[_F["industry"]]
    cursor.execute(
        f"""WITH written AS (
              INSERT INTO {LEAD_TABLE} AS t ({", ".join(_LEAD_COLUMNS)}, industry_id, search_vector)
              SELECT {selected},
                CASE WHEN l.id IS NOT NULL AND s.present & {industry_bit} = 0 THEN l.industry_id ELSE i.id END,
                CASE WHEN l.id IS NULL OR s.present & {_SEARCHED_MASK} = {_SEARCHED_MASK}
                     THEN s.search_vector ELSE l.search_vector END
              FROM salesone_staging s LEFT JOIN {INDUSTRY_TABLE} i ON i.code = s.industry_code
              LEFT JOIN {LEAD_TABLE} l ON l.corporation_number = s.corporation_number
              ON CONFLICT (corporation_number) DO UPDATE SET {assignments}
              WHERE ({current}) IS DISTINCT FROM ({incoming})
              RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written"""
    )
    result.inserted, result.updated = cursor.fetchone()


def _insert_into_empty_table(cursor, result: LoadResult) -> None:
    """The bulk initial load: the staged rows (one per corporation_number by now) are the table, so
    a plain INSERT, with no join to stored rows and no conflict to check. Each row brings its
    search vector, so the trigger that would compute a missing one stays out of it."""
    columns = ", ".join(_LEAD_COLUMNS)
    selected = ", ".join("coalesce(s.employee, 1)" if name == "employee" else f"s.{name}" for name in _LEAD_COLUMNS)
    cursor.execute(f'ALTER TABLE {LEAD_TABLE} DISABLE TRIGGER "{SEARCH_VECTOR_TRIGGER}"')
    cursor.execute(
        f"""INSERT INTO {LEAD_TABLE} ({columns}, industry_id, search_vector)
            SELECT {selected}, i.id, s.search_vector
            FROM salesone_staging s LEFT JOIN {INDUSTRY_TABLE} i ON i.code = s.industry_code"""
    )
    result.inserted, result.updated = cursor.rowcount, 0
    cursor.execute(f'ALTER TABLE {LEAD_TABLE} ENABLE TRIGGER "{SEARCH_VECTOR_TRIGGER}"')


def _insert_keywords(cursor, result: LoadResult) -> None:
    """Keyword links of a load into an empty table: every staged keyword, nothing to diff. In the order
    of the (company, keyword) unique index, which then grows at its right edge: 1.3M links took 24
    and 33 s sorted against 41 and 74 s in hash order (2026-12-06, load average ~10)."""
    _create_keywords(cursor)
    cursor.execute(
        f"""INSERT INTO {KEYWORD_LINK_TABLE} (salesonelead_id, keyword_id)
            SELECT DISTINCT l.id, kw.id FROM salesone_staging s
            JOIN {LEAD_TABLE} l ON l.corporation_number = s.corporation_number,
                 jsonb_array_elements_text(s.keywords) AS k(name)
            JOIN {KEYWORD_TABLE} kw ON kw.name = k.name
            WHERE s.keywords IS NOT NULL
            ORDER BY 1, 2"""
    )
    result.keyword_links_added = cursor.rowcount


def _create_keywords(cursor) -> None:
    cursor.execute(
        f"""INSERT INTO {KEYWORD_TABLE} (name, created_at)
            SELECT DISTINCT k.name, now() FROM salesone_staging s,
                 jsonb_array_elements_text(s.keywords) AS k(name)
            WHERE s.keywords IS NOT NULL
            ON CONFLICT (name) DO NOTHING"""
    )


def _sync_keywords(cursor, result: LoadResult) -> None:
    """A row that gives keywords gets exactly those (an explicit JSON null or [] : none); a row that
    does not keeps its own."""
    _create_keywords(cursor)
    cursor.execute(
        f"""CREATE TEMP TABLE salesone_keyword_targets ON COMMIT DROP AS
            SELECT l.id AS lead_id, coalesce(s.keywords, '[]'::jsonb) AS keywords FROM salesone_staging s
            JOIN {LEAD_TABLE} l ON l.corporation_number = s.corporation_number
            WHERE s.present & {_FIELD_BITS[_F["keywords"]]} <> 0"""
    )
    cursor.execute("ANALYZE salesone_keyword_targets")
    cursor.execute(
        f"""CREATE TEMP TABLE salesone_keyword_pairs ON COMMIT DROP AS
            SELECT DISTINCT t.lead_id, kw.id AS keyword_id FROM salesone_keyword_targets t,
                 jsonb_array_elements_text(t.keywords) AS k(name)
            JOIN {KEYWORD_TABLE} kw ON kw.name = k.name"""
    )
    cursor.execute("ANALYZE salesone_keyword_pairs")
    cursor.execute(
        f"""DELETE FROM {KEYWORD_LINK_TABLE} WHERE id IN (
              SELECT link.id FROM {KEYWORD_LINK_TABLE} link
              JOIN salesone_keyword_targets t ON t.lead_id = link.salesonelead_id
              LEFT JOIN salesone_keyword_pairs p ON p.lead_id = link.salesonelead_id AND p.keyword_id = link.keyword_id
              WHERE p.lead_id IS NULL)"""
    )
    result.keyword_links_removed = cursor.rowcount
    cursor.execute(
        f"""INSERT INTO {KEYWORD_LINK_TABLE} (salesonelead_id, keyword_id)
            SELECT p.lead_id, p.keyword_id FROM salesone_keyword_pairs p
            LEFT JOIN {KEYWORD_LINK_TABLE} link ON link.salesonelead_id = p.lead_id AND link.keyword_id = p.keyword_id
            WHERE link.id IS NULL
            ORDER BY 1, 2"""
    )
    result.keyword_links_added = cursor.rowcount


def foreign_keys(cursor) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys of the company table and its keyword links."""
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND conrelid IN (%s::regclass, %s::regclass) ORDER BY conname""",
        [LEAD_TABLE, KEYWORD_LINK_TABLE],
    )
    return list(cursor.fetchall())


def lookup_indexes(cursor) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the other non-unique indexes of the company table and its
    keyword links (Django's: industry, the corporation number's LIKE index, each side of a link).
    A large load rebuilds them with the search indexes; the unique ones stay (ON CONFLICT and the
    link's uniqueness rely on them)."""
    cursor.execute(
        """SELECT index.relname, pg_get_indexdef(index.oid) FROM pg_index x
           JOIN pg_class index ON index.oid = x.indexrelid
           WHERE x.indrelid IN (%s::regclass, %s::regclass) AND NOT x.indisunique
             AND NOT index.relname LIKE %s
           ORDER BY index.relname""",
        [LEAD_TABLE, KEYWORD_LINK_TABLE, SEARCH_INDEX_PREFIX + "%"],
    )
    return list(cursor.fetchall())


def search_indexes(cursor) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the search indexes on the company table."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s ORDER BY indexname",
        [LEAD_TABLE, SEARCH_INDEX_PREFIX + "%"],
    )
    return list(cursor.fetchall())
