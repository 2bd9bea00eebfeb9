"""The pieces the loader cuts a CSV into for its parse workers end exactly where csv.reader ends a
record: read piece by piece, a file gives the rows and line numbers it gives read in one piece,
whatever stray quotes, doubled quotes, multi-line cells and line endings it holds, wherever the
cuts fall."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.salesone_leads.loading import _csv_chunks, _csv_lines


def rows_read_whole(data: bytes) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    return [(reader.line_num, cells) for cells in reader]


def rows_read_in_pieces(data: bytes, size: int) -> list[tuple[int, list[str]]]:
    rows, lines_before = [], 0
    pieces = list(_csv_chunks(io.BytesIO(data), size))
    assert b"".join(pieces) == data
    for piece in pieces:
        reader = csv.reader(io.StringIO(piece.decode("utf-8"), newline=""))
        rows += [(lines_before + reader.line_num, cells) for cells in reader]
        lines_before += _csv_lines(piece)
    return rows


# The review's case: a stray quote in an unquoted cell (csv.reader keeps it as a character), then a
# quoted cell spanning lines. Counting quotes took the line break inside that cell for a record end.
STRAY_QUOTE = (
    "corporation_number,name,description\n"
    '1101110000002,5" pipe maker,steel\n'
    '1101110000003,"한울, ""전자""","two\nlines, one ""quote"""\n'
    '1101110000004,after "a"b"c,"x"y\n'
    '1101110000005,"","\r\nCRLF inside"\r\n'
    "\r\n"
    "1101110000006,lone CR ends a line\r"
    '1101110000007,"a",""\n'
    '""\n'
    '"unterminated, at the end of the file\n'
).encode()


def test_a_stray_quote_does_not_cut_a_later_multi_line_cell():
    whole = rows_read_whole(STRAY_QUOTE)
    assert [cells[0] for _, cells in whole if cells][:4] == [
        "corporation_number", "1101110000002", "1101110000003", "1101110000004",
    ]  # fmt: skip
    assert whole[2] == (4, ["1101110000003", '한울, "전자"', 'two\nlines, one "quote"'])
    for size in range(1, len(STRAY_QUOTE) + 2):  # a cut at every byte
        assert rows_read_in_pieces(STRAY_QUOTE, size) == whole, size


def test_a_record_longer_than_a_piece_stays_whole():
    data = ('1,"' + "긴 설명, 여러 줄\n" * 2_000 + '",x\n2,"b"\n').encode()
    assert rows_read_in_pieces(data, 1_000) == rows_read_whole(data)


def test_a_file_with_cr_only_line_ends_is_cut_into_pieces():
    """A lone CR ends a record for csv.reader; the cutter looked for line feeds only, so a CR-only file
    was one piece, rescanned whole at every block read (quadratic) and parsed by one worker."""
    data = "".join(f'{n},"이름 {n}","설명, ""따옴표""\r둘째 줄"\r' for n in range(2_000)).encode()
    pieces = list(_csv_chunks(io.BytesIO(data), 1_000))
    assert len(pieces) > 50 and max(map(len, pieces)) < 2_000
    assert rows_read_in_pieces(data, 1_000) == rows_read_whole(data)


# Text a csv.writer would never write but csv.reader accepts: every character that moves its state.
_CHARACTERS = st.sampled_from(['"', '"', '"', ",", ",", "\n", "\r", "\r\n", "a", "한", " ", "\ufeff"])


@settings(max_examples=400, deadline=None)
@given(text=st.lists(_CHARACTERS, max_size=120).map("".join), size=st.integers(min_value=1, max_value=40))
def test_any_text_reads_the_same_in_pieces(text, size):
    data = text.encode()
    assert rows_read_in_pieces(data, size) == rows_read_whole(data)


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(
        st.lists(st.text(alphabet='ab"\n\r, 한', max_size=12), min_size=1, max_size=4), min_size=1, max_size=30
    ),
    line_end=st.sampled_from(["\n", "\r\n"]),
    size=st.integers(min_value=1, max_value=64),
)
def test_files_the_csv_module_writes_read_the_same_in_pieces(cells, line_end, size):
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=line_end).writerows(cells)
    data = out.getvalue().encode()
    assert rows_read_in_pieces(data, size) == rows_read_whole(data)
