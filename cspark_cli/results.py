"""Results files: one row per record, in input order, written as the results arrive (never all in memory).

CSV: the `lead` columns, one column per output, then `errors` and `warnings` (nested values as JSON). The
output columns are the output names in the order they are first seen; rows that come before the first
record with outputs wait (a bounded number) so the header can name them. Should a later record bring an
output the header lacks, the file is rewritten once at the end with the wider header (the rows already
written get empty cells), so no value is ever dropped. JSONL: one object per line with `outputs`, `errors`,
`warnings` (and the `lead` keys).

`ResultsFile` writes `--out` through `OUT.partial`, renamed over `OUT` at the end; its `cursor()` says how
far the partial file is safely written, so a resumed run truncates it there and goes on, and ends with the
bytes an uninterrupted run writes.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from .options import ResultFormat
from .output import cell

__all__ = ["ResultFormat", "ResultWriter", "ResultsFile", "partial_path"]

HOLD = 1000  # rows kept back at most while no record has shown which outputs there are
NO_RESULT = [{"message": "no result: the record's chunk failed"}]


def partial_path(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


class ResultWriter:
    """Rows to a text stream, in the order given; `row` is a mapping with `outputs`, `errors`, `warnings`
    (and the `lead` keys), or None for a record with no result."""

    def __init__(
        self, stream: IO[str], fmt: ResultFormat, lead: Sequence[str] = (),
        header: Sequence[str] | None = None, names: Sequence[str] | None = None,
    ) -> None:  # fmt: skip
        self.stream, self.fmt, self.lead = stream, fmt, tuple(lead)
        self.header_names = list(header) if header is not None else None  # the outputs the header names
        self.names = list(names if names is not None else header or []) if header is not None else None
        self._held: list[Mapping[str, Any] | None] = []
        self._csv = csv.writer(stream, lineterminator="\n")

    @property
    def settled(self) -> bool:
        """Nothing is held back: every row given so far is in the stream."""
        return not self._held

    def write(self, row: Mapping[str, Any] | None) -> None:
        if self.fmt == "jsonl":
            record = row or {"errors": NO_RESULT}
            line = {key: record.get(key) for key in (*self.lead, "outputs", "errors", "warnings")}
            self.stream.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            return
        if self.names is None:
            self._held.append(row)
            if _outputs(row) or len(self._held) >= HOLD:
                self.start()
            return
        self._row(row)

    @property
    def grown(self) -> bool:
        """A record brought an output the written header lacks."""
        return self.names != self.header_names

    def close(self) -> None:
        """Write what is held back (a CSV whose records all failed still gets its header)."""
        if self.fmt == "csv" and self.names is None:
            self.start()

    def start(self, names: Sequence[str] | None = None) -> None:
        """Write the CSV header: these output names, or those of the rows held back so far."""
        if names is None:
            seen: dict[str, None] = {}
            for row in self._held:
                seen.update(dict.fromkeys(str(k) for k in _outputs(row)))
            names = list(seen)
        self.names, self.header_names = list(names), list(names)
        self._csv.writerow(self.header(self.names))
        held, self._held = self._held, []
        for row in held:
            self._row(row)

    def header(self, names: Sequence[str]) -> list[str]:
        header = [*self.lead, *names, "errors", "warnings"]
        if len(set(header)) != len(header):
            header = [*self.lead, *(f"outputs.{n}" for n in names), "errors", "warnings"]
        return header

    def _row(self, row: Mapping[str, Any] | None) -> None:
        assert self.names is not None
        row = row or {"errors": NO_RESULT}
        outputs = _outputs(row)
        self.names.extend(name for name in map(str, outputs) if name not in self.names)
        values = [row.get(key) for key in self.lead]
        values += [outputs.get(name) for name in self.names]
        values += [row.get("errors"), row.get("warnings")]
        self._csv.writerow(cell(value) for value in values)


def _outputs(row: Mapping[str, Any] | None) -> Mapping[str, Any]:
    outputs = row.get("outputs") if row else None
    return outputs if isinstance(outputs, Mapping) else {}


class ResultsFile:
    """`--out` written through `OUT.partial`: `cursor()` after a durable flush, `commit()` at the end."""

    def __init__(self, out: Path, fmt: ResultFormat, cursor: Mapping[str, Any] | None = None) -> None:
        self.out, self.partial = out, partial_path(out)
        self._raw = open(self.partial, "r+b" if cursor else "wb")  # noqa: SIM115 (closed by commit/close)
        if cursor:
            self._raw.truncate(int(cursor["offset"]))
            self._raw.seek(0, os.SEEK_END)
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8", newline="", write_through=True)
        cursor = cursor or {}
        self.writer = ResultWriter(self._text, fmt, header=cursor.get("header"), names=cursor.get("names"))

    def cursor(self) -> dict[str, Any] | None:
        """Flush and sync; the position to resume from (None while rows are held back for the header)."""
        if not self.writer.settled:
            return None
        self._text.flush()
        os.fsync(self._raw.fileno())
        return {"offset": self._raw.tell(), "header": self.writer.header_names, "names": self.writer.names}

    def commit(self) -> None:
        """Finish the file (under a wider header if one grew) and rename it over `--out`."""
        self.writer.close()
        self._text.flush()
        os.fsync(self._raw.fileno())
        self._text.detach()
        self._raw.close()
        if self.writer.fmt == "csv" and self.writer.grown:
            self._widen()
        os.replace(self.partial, self.out)

    def _widen(self) -> None:
        """Every row again under the final header; the outputs a row came without are left empty."""
        writer = self.writer
        assert writer.names is not None and writer.header_names is not None
        width = len(writer.header(writer.names))  # a row written after a name was added holds its cell
        widened = self.out.with_name(self.out.name + ".widened")
        with (
            open(self.partial, encoding="utf-8", newline="") as source,
            open(widened, "w", encoding="utf-8", newline="") as target,
        ):
            rows, out = csv.reader(source), csv.writer(target, lineterminator="\n")
            next(rows, None)
            out.writerow(writer.header(writer.names))
            for row in rows:
                out.writerow([*row[:-2], *([""] * (width - len(row))), *row[-2:]])
            target.flush()
            os.fsync(target.fileno())
        os.replace(widened, self.partial)

    def close(self) -> None:
        """Stop without committing (the partial file stays for a resume)."""
        try:
            self._text.flush()
        finally:
            self._raw.close()

    def discard(self) -> None:
        self.close()
        self.partial.unlink(missing_ok=True)
