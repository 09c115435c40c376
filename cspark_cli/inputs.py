"""The one parser for inputs given on the command line, and the records reader for batch-like commands.

Inputs: each entry is `key=value` (the value typed: a JSON number, `true`, `false` or `null` becomes that
value, anything else stays a string), `key:=<json>` (raw JSON), a JSON object, `@file.json`, or `-` (a JSON
object on stdin). Entries merge left to right. Anything malformed is a usage error naming the flag.

Records: `.jsonl` (one object per line), `.json` (an array of objects), `.csv` (a header row; values typed
like `key=value` values); `-` reads stdin and sniffs which of the three it is.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal, cast

import typer

__all__ = [
    "MAX_JSON_DEPTH",
    "RecordFormat",
    "UnsendableJson",
    "infer_value",
    "iter_records",
    "loads_json",
    "parse_inputs",
    "parse_json_option",
    "read_records",
    "read_stdin",
]

RecordFormat = Literal["jsonl", "json", "csv"]
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_EXTENSIONS: dict[str, RecordFormat] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}
_FORMS = "key=value, key:=<json>, a JSON object, @file.json or -"
MAX_JSON_DEPTH = 200  # levels of nesting accepted in JSON that will be sent


def infer_value(text: str) -> Any:
    """`42` -> 42, `1.5` -> 1.5, `true`/`false`/`null` -> JSON literals; everything else stays a string.

    Only JSON spellings count, so `007`, `1_000`, `NaN` and `True` stay strings, and so do numbers no JSON
    number can carry (`1e999`, an integer of thousands of digits). Never raises.
    """
    if text in _LITERALS:
        return _LITERALS[text]
    match = _NUMBER.fullmatch(text)
    if not match:
        return text
    if match.group(1) is None and match.group(2) is None:
        try:
            return int(text)
        except ValueError:  # more digits than int() converts: like 1e999, it cannot be a number
            return text
    number = float(text)
    return number if math.isfinite(number) else text


def _bad(flag: str, message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=f"'{flag}'")


def _where(index: int, total: int) -> str:
    return f" (entry {index})" if total > 1 else ""


class UnsendableJson(ValueError):
    """Valid to Python's json module, but not JSON that can be sent: NaN/Infinity, a number out of range,
    an integer too long to convert, nesting deeper than `MAX_JSON_DEPTH`."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise UnsendableJson(f"the number {_clip(text, 20)} is out of range")
    return number


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
        raise UnsendableJson(f"an integer has {len(text.lstrip('-'))} digits (too many)") from None


def _constant(name: str) -> Any:
    raise UnsendableJson(f"{name} is not a JSON value")


def _too_deep(value: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` levels (iterative: no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads_json(text: str) -> Any:
    """`json.loads` for a value that is going to be sent. Syntax errors raise `json.JSONDecodeError`; NaN,
    Infinity, out-of-range numbers, over-long integers and nesting deeper than `MAX_JSON_DEPTH` raise
    `UnsendableJson` (so they never fail later, inside the HTTP library). Pure, for every reader."""
    try:
        value = json.loads(text, parse_float=_finite, parse_int=_integer, parse_constant=_constant)
    except RecursionError:
        raise UnsendableJson(f"it is nested too deeply (more than {MAX_JSON_DEPTH} levels)") from None
    if _too_deep(value, MAX_JSON_DEPTH):
        raise UnsendableJson(f"it is nested too deeply (more than {MAX_JSON_DEPTH} levels)")
    return value


def _load_json(text: str, flag: str, origin: str) -> Any:
    try:
        return loads_json(text)
    except json.JSONDecodeError as exc:
        raise _bad(
            flag, f"{origin} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except UnsendableJson as exc:
        raise _bad(flag, f"{origin} cannot be sent: {exc}") from None


def _read_text(path: str, flag: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise _bad(flag, f"cannot read {path!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _bad(flag, f"{path!r} is not UTF-8 text") from None


def read_stdin(flag: str, stdin: IO[str] | None = None) -> str:
    """All of stdin as text; bytes that are not UTF-8 are a usage error naming the flag (never exit 1)."""
    try:
        return (stdin or sys.stdin).read()
    except UnicodeDecodeError:
        raise _bad(flag, "stdin is not UTF-8 text") from None


def parse_json_option(flag: str, raw: str) -> Any:
    """Parse one JSON-valued option (any JSON value), failing as a usage error that names the flag."""
    return _load_json(raw, flag, repr(_clip(raw)))


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _object(value: Any, flag: str, origin: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(flag, f"{origin} must be a JSON object, got {type(value).__name__}")
    return value


def _parse_entry(entry: str, flag: str, where: str, stdin: IO[str]) -> dict[str, Any]:
    if entry == "-":
        return _object(_load_json(read_stdin(flag, stdin), flag, f"stdin{where}"), flag, f"stdin{where}")
    if entry.startswith("@"):
        origin = f"{entry[1:]!r}{where}"
        return _object(_load_json(_read_text(entry[1:], flag), flag, origin), flag, origin)
    if entry.lstrip().startswith("{"):
        origin = f"{_clip(entry)!r}{where}"
        return _object(_load_json(entry, flag, origin), flag, origin)
    key, sep, value = entry.partition("=")
    if not sep or not key or key == ":":
        raise _bad(flag, f"{_clip(entry)!r}{where} is not one of {_FORMS}")
    if key.endswith(":"):
        return {key[:-1]: _load_json(value, flag, f"the JSON value of {key[:-1]!r}{where}")}
    return {key: infer_value(value)}


def parse_inputs(
    entries: Sequence[str] | str | None, *, flag: str = "--inputs", stdin: IO[str] | None = None
) -> dict[str, Any]:
    """Merge the entries of one inputs flag into a dict (later entries win)."""
    if entries is None:
        return {}
    items = [entries] if isinstance(entries, str) else list(entries)
    if items.count("-") > 1:
        raise _bad(flag, "stdin ('-') can be read only once")
    merged: dict[str, Any] = {}
    for index, entry in enumerate(items, start=1):
        merged.update(_parse_entry(entry, flag, _where(index, len(items)), stdin or sys.stdin))
    return merged


# -- records ----------
def read_records(
    source: str, *, flag: str = "--file", format: RecordFormat | None = None, stdin: IO[str] | None = None
) -> list[dict[str, Any]]:
    """Every record of a file or `-`, as a list (for commands that need them all at once)."""
    return list(iter_records(source, flag=flag, format=format, stdin=stdin))


def iter_records(
    source: str, *, flag: str = "--file", format: RecordFormat | None = None, stdin: IO[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Records (JSON objects) from a file or `-`, one at a time: the file is read as the records are
    consumed, never whole. The format comes from the extension unless given; stdin is sniffed."""
    if source == "-":
        stream = stdin or sys.stdin
        try:
            head = _peek(stream)
            fmt = format or _sniff(head)
            yield from _READERS[fmt](_chained(head, stream), flag, "stdin")
        except UnicodeDecodeError:
            raise _bad(flag, "stdin is not UTF-8 text") from None
        return
    fmt = format or _format_of(source, flag)
    try:
        handle = open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise _bad(flag, f"cannot read {source!r}: {exc.strerror or exc}") from None
    with handle:
        try:
            yield from _READERS[fmt](handle, flag, repr(source))
        except UnicodeDecodeError:
            raise _bad(flag, f"{source!r} is not UTF-8 text") from None
        except OSError as exc:
            raise _bad(flag, f"cannot read {source!r}: {exc.strerror or exc}") from None


def _peek(stream: IO[str]) -> str:
    """Enough of stdin to tell its format: up to the first non-blank character."""
    head = ""
    while True:
        piece = stream.read(1)
        head += piece
        if not piece or not piece.isspace():
            return head.lstrip("\ufeff")


def _chained(head: str, stream: IO[str]) -> IO[str]:
    """`head` (already read) followed by the rest of `stream`, as one text stream."""
    return cast("IO[str]", _Chained(head, stream))  # a text stream; typeshed's TextIOBase is not an IO[str]


class _Chained(io.TextIOBase):
    def __init__(self, head: str, rest: IO[str]) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        if size is None or size < 0:
            text, self._head = self._head + self._rest.read(), ""
            return text
        if self._head:
            text, self._head = self._head[:size], self._head[size:]
            return text
        return self._rest.read(size)

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]  # as typeshed's TextIOBase
        if self._head:
            if "\n" in self._head:
                line, _, self._head = self._head.partition("\n")
                return line + "\n"
            line, self._head = self._head, ""
            return line + self._rest.readline()
        return self._rest.readline()

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]  # as typeshed's TextIOBase
        while line := self.readline():
            yield line


def _format_of(path: str, flag: str) -> RecordFormat:
    fmt = _EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise _bad(flag, f"cannot tell the format of {path!r}: use a .jsonl, .json or .csv file")
    return fmt


def _sniff(text: str) -> RecordFormat:
    start = text.lstrip()[:1]
    if start == "[":
        return "json"
    return "jsonl" if start == "{" else "csv"


def _read_jsonl(stream: IO[str], flag: str, origin: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            where = f"line {number} of {origin}"
            yield _object(_load_json(line, flag, where), flag, where)


def _read_json_array(stream: IO[str], flag: str, origin: str) -> Iterator[dict[str, Any]]:
    """A JSON array of objects, decoded one element at a time (a single object is one record)."""
    decoder = json.JSONDecoder(parse_float=_finite, parse_int=_integer, parse_constant=_constant)
    buffer, position, eof, count, opened = "", 0, False, 0, False

    def more() -> bool:
        nonlocal buffer, position, eof
        piece = stream.read(_BLOCK)
        buffer, position = buffer[position:] + piece, 0
        eof = not piece
        return bool(piece)

    def skip_blanks() -> None:
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position].isspace():
                position += 1
            if position < len(buffer) or not more():
                return

    skip_blanks()
    if buffer[position : position + 1] != "[":  # not an array: the whole text is one value
        whole = buffer[position:] + stream.read()
        data = _load_json(whole, flag, origin)
        if not isinstance(data, dict):
            raise _bad(flag, f"{origin} must hold a JSON array of objects, got {type(data).__name__}")
        yield data
        return
    position += 1
    while True:
        skip_blanks()
        head = buffer[position : position + 1]
        if head == "]":
            position += 1
            skip_blanks()
            if position < len(buffer):
                raise _bad(flag, f"{origin} is not valid JSON: extra data after the array")
            return
        if opened:
            if head != ",":
                raise _bad(flag, f"{origin} is not valid JSON: expected ',' or ']' after record {count}")
            position += 1
            skip_blanks()
        if position >= len(buffer):
            raise _bad(flag, f"{origin} is not valid JSON: the array is not closed")
        while True:
            try:
                value, end = decoder.raw_decode(buffer, position)
                if end == len(buffer) and not eof and isinstance(value, int | float):
                    raise ValueError("a number may go on")  # read more before trusting it
                if _too_deep(value, MAX_JSON_DEPTH):
                    raise UnsendableJson(f"it is nested too deeply (more than {MAX_JSON_DEPTH} levels)")
                break
            except (UnsendableJson, RecursionError) as exc:
                why = str(exc) if isinstance(exc, UnsendableJson) else "it is nested too deeply"
                raise _bad(flag, f"record {count + 1} of {origin} cannot be sent: {why}") from None
            except ValueError as exc:
                if eof or not more():
                    message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                    raise _bad(flag, f"{origin} is not valid JSON: {message} in record {count + 1}") from None
        position, count, opened = end, count + 1, True
        yield _object(value, flag, f"record {count} of {origin}")


def _read_csv(stream: IO[str], flag: str, origin: str) -> Iterator[dict[str, Any]]:
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        if header is None:
            return
        if any(not name for name in header) or len(set(header)) != len(header):
            raise _bad(flag, f"the header row of {origin} has a blank or repeated column name")
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                line = reader.line_num
                raise _bad(flag, f"line {line} of {origin} has {len(row)} values for {len(header)} columns")
            yield {name: infer_value(value) for name, value in zip(header, row, strict=True)}
    except csv.Error as exc:
        raise _bad(flag, f"{origin} is not valid CSV: {exc}") from None


_BLOCK = 64 * 1024
_READERS = {"jsonl": _read_jsonl, "json": _read_json_array, "csv": _read_csv}
