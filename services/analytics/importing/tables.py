"""Read a CSV or XLSX export into header names and numbered rows.

CSV files come as UTF-8 (with or without a byte order mark) or Windows-1252, separated by
``;`` (Danish Excel), ``,`` or tabs. Line numbers are those a user sees in a text editor or in
Excel, counting the header as line 1, so a rejected row can be found in the original file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from services.analytics.importing.values import clean_text


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX table that can be read; the message is for the user."""


@dataclass(frozen=True)
class SourceRow:
    line: int
    values: dict[str, object]


@dataclass(frozen=True)
class UnreadableRow:
    line: int
    reason: str


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[SourceRow]
    unreadable: list[UnreadableRow] = field(default_factory=list)


# Leading bytes of files that users upload by mistake in place of a table.
_BINARY_SIGNATURES = {
    b"\xff\xd8\xff": "a JPEG image",
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"%PDF-": "a PDF document",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an old Office (.xls or .doc) file",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!\x1a\x07": "a RAR archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
}


def read_table(filename: str, data: bytes) -> Table:
    if filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    _check_text(filename, data)
    return _read_csv(decode_text(data))


def _check_text(filename: str, data: bytes) -> None:
    """Raise UnreadableFile when the data is binary rather than CSV text.

    Only the header line is checked, for NUL bytes and for bytes that neither UTF-8 nor
    Windows-1252 decode. A UTF-16 file (with a byte order mark) contains NUL bytes legitimately.
    """
    reason = next(
        (kind for signature, kind in _BINARY_SIGNATURES.items() if data.startswith(signature)),
        None,
    )
    if reason is None and data[4:12].startswith(b"ftyp"):
        reason = "an ISO media file (such as a HEIC photo or an MP4 video)"
    if reason is None and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        header_line = data.split(b"\n", 1)[0]
        if b"\x00" in header_line or not _decodes(header_line):
            reason = "binary data, not text"
    if reason is not None:
        raise UnreadableFile(
            f"the file is not a CSV or XLSX file: {filename!r} contains {reason}. "
            "Export the table from the spreadsheet as CSV or XLSX and upload that."
        )


def _decodes(line: bytes) -> bool:
    for encoding in ("utf-8", "cp1252"):
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (a BOM is dropped) and fall back to Windows-1252, which Danish Excel writes."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", "\t", ",")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ";"


def _read_csv(text: str) -> Table:
    lines = text.splitlines(keepends=True)
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise UnreadableFile("the file is empty: expected a header row and at least one row")
    delimiter = _sniff_delimiter(first)
    headers: list[str] | None = None
    rows: list[SourceRow] = []
    unreadable: list[UnreadableRow] = []
    for line, record in _records(lines, delimiter, unreadable):
        if not any(cell.strip() for cell in record):
            continue
        if headers is None:
            headers = [clean_text(cell) for cell in record]
            continue
        rows.append(SourceRow(line=line, values=_row_values(headers, record)))
    return Table(headers=headers or [], rows=rows, unreadable=unreadable)


def _records(
    lines: list[str],
    delimiter: str,
    unreadable: list[UnreadableRow],
) -> Iterator[tuple[int, list[str]]]:
    """Yield (line where the record starts, cells) for each CSV record of ``lines``.

    A quote that is never closed would swallow every following line into one cell. Such a
    record is reported in ``unreadable`` instead, and reading resumes on the line after the one
    that opened the quote, so only that line is lost.
    """
    start = 0
    while start < len(lines):
        reader = csv.reader(iter(lines[start:]), delimiter=delimiter)
        consumed = 0
        for record in reader:
            span = reader.line_num - consumed
            if span > 1 and _is_runaway("".join(lines[start : start + span]), delimiter):
                unreadable.append(
                    UnreadableRow(start + 1, f"unterminated quote starting on line {start + 1}")
                )
                start += 1
                break
            yield start + 1, record
            consumed, start = reader.line_num, start + span
        else:
            return


def _is_runaway(span: str, delimiter: str) -> bool:
    """Tell an unterminated quote from a quoted cell that legitimately spans lines.

    The span is read as CSV's quoting rules have it. A quote still open at the end means it
    was never closed. A closing quote followed by text, as in ``;"Nyt``, means the quote that
    opened the cell ran over into later rows and the quote that seems to close it opens a cell
    of one of them.
    """
    open_quote = False
    at_cell_start = True
    index = 0
    while index < len(span):
        char = span[index]
        if not open_quote:
            if char == '"' and at_cell_start:
                open_quote = True
            at_cell_start = char in (delimiter, "\n", "\r")
        elif char == '"':
            following = span[index + 1 : index + 2]
            if following == '"':
                index += 1
            elif following in ("", delimiter, "\n", "\r"):
                open_quote = False
            else:
                return True
        index += 1
    return open_quote


def _row_values(headers: list[str], cells: list[object]) -> dict[str, object]:
    values: dict[str, object] = {}
    for header, cell in zip(headers, cells, strict=False):
        if header and header not in values:
            values[header] = cell
    return values


def _read_xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(f"the file is not a readable XLSX workbook: {error}") from None
    try:
        sheet = workbook.worksheets[0]
        headers: list[str] | None = None
        rows: list[SourceRow] = []
        for line, record in enumerate(sheet.iter_rows(values_only=True), start=1):
            if not any(cell is not None and str(cell).strip() for cell in record):
                continue
            if headers is None:
                headers = [clean_text(cell) for cell in record]
                continue
            rows.append(SourceRow(line=line, values=_row_values(headers, list(record))))
    finally:
        workbook.close()
    return Table(headers=headers or [], rows=rows)
