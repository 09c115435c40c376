"""Output: the only module that imports rich.

Data goes to stdout (`result`, `kv`, `raw`); everything else (`info`, `success`, `warn`, `error`, spinners and
progress bars) goes to stderr. Tables are rich tables on a terminal and plain aligned text when piped or when
colour is off; `-o json` prints Spark's payload exactly as sent; `-o csv` prints list-shaped data.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any, Literal, NamedTuple, Protocol, get_args

__all__ = ["FORMATS", "Column", "Output", "OutputFormat", "Progress", "cell"]

OutputFormat = Literal["table", "json", "csv"]
FORMATS: tuple[OutputFormat, ...] = get_args(OutputFormat)
_MASK = "***"


class Column(NamedTuple):
    """One table/CSV column: a header and a key into each row (dots reach into nested objects)."""

    header: str
    key: str
    fmt: Callable[[Any], str] | None = None

    def value(self, row: Any) -> Any:
        if not self.key:  # the row itself (a list of scalars)
            return row
        current = row
        for part in self.key.split("."):
            if not isinstance(current, Mapping):
                return None
            current = current.get(part)
        return current

    def text(self, row: Any) -> str:
        value = self.value(row)
        return self.fmt(value) if self.fmt is not None else cell(value)


def cell(value: Any) -> str:
    """How one value is written in a table or CSV cell: JSON spellings for scalars and nested data."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class Progress(Protocol):
    def advance(self, amount: float = 1) -> None: ...

    def update(self, completed: float) -> None: ...


class _NoProgress:
    def advance(self, amount: float = 1) -> None:
        pass

    def update(self, completed: float) -> None:
        pass


class _RichProgress:
    def __init__(self, progress: Any, task: Any) -> None:
        self._progress, self._task = progress, task

    def advance(self, amount: float = 1) -> None:
        self._progress.advance(self._task, amount)

    def update(self, completed: float) -> None:
        self._progress.update(self._task, completed=completed)


class Output:
    """Renders results for one command run. Built by the root callback from the global options.

    `terminal` overrides TTY detection (tests); `None` asks the streams. Streams default to the current
    `sys.stdout`/`sys.stderr`, looked up when written to.
    """

    def __init__(
        self,
        format: OutputFormat = "table",
        *,
        quiet: bool = False,
        no_color: bool = False,
        terminal: bool | None = None,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
        query: Any = None,
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"unknown output format {format!r}")
        self.format: OutputFormat = format
        self.quiet = quiet
        self.no_color = no_color
        self._terminal = terminal
        self._stdout = stdout
        self._stderr = stderr
        self._secrets: set[str] = set()
        self.query = query  # a compiled JMESPath expression (--query): data goes through it, printed once
        self._queried = False

    # -- streams ----------
    @property
    def stdout(self) -> IO[str]:
        return self._stdout if self._stdout is not None else sys.stdout

    @property
    def stderr(self) -> IO[str]:
        return self._stderr if self._stderr is not None else sys.stderr

    def _is_tty(self, stream: IO[str]) -> bool:
        if self._terminal is not None:
            return self._terminal
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())

    @property
    def bare(self) -> bool:
        """Print one value alone (an id, a path) rather than data: a table was asked for, and no --query."""
        return self.format == "table" and self.query is None

    @property
    def fancy(self) -> bool:
        """Rich rendering on stdout: a terminal, with colour allowed."""
        return self._is_tty(self.stdout) and not self.no_color

    def _console(self, stream: IO[str]) -> Any:
        from rich.console import Console

        return Console(
            file=stream,
            markup=False,
            highlight=False,
            emoji=False,
            no_color=self.no_color,
            force_terminal=self._is_tty(stream),
            soft_wrap=False,
        )

    # -- data on stdout ----------
    def result(
        self, data: Any, rows: Sequence[Any] | None = None, columns: Sequence[Column] | None = None
    ) -> None:
        """Render a command's result. `data` is Spark's payload (printed as is by `-o json`); `rows` and
        `columns` are what tables and CSV show (by default: `data` when it is a list, its keys as columns)."""
        if self._query(data):
            return
        if self.format == "json":
            self.json(data)
            return
        if rows is None:
            if isinstance(data, Mapping):
                self.kv(data, data=data)
                return
            if not isinstance(data, list):
                self.raw(cell(data))
                return
            rows = data
        cols = list(columns) if columns is not None else _columns_of(rows)
        if self.format == "csv":
            self._csv(rows, cols)
        else:
            self._table(rows, cols)

    def kv(self, mapping: Mapping[str, Any], *, data: Any = None, flatten: bool = False) -> None:
        """A name/value view of one object. `-o json` prints `data` (default: the mapping). `flatten`: nested
        objects become `parent.child` rows instead of a line of JSON each."""
        if self._query(mapping if data is None else data):
            return
        if self.format == "json":
            self.json(mapping if data is None else data)
            return
        if flatten:
            mapping = _flatten(mapping)
        if self.format == "csv":
            import csv  # only for -o csv

            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(["name", "value"])
            writer.writerows([name, cell(value)] for name, value in mapping.items())
            return
        if self.fancy:
            from rich.table import Table

            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold")
            grid.add_column()
            for name, value in mapping.items():
                grid.add_row(str(name), cell(value))
            self._console(self.stdout).print(grid)
            return
        width = max((len(str(name)) for name in mapping), default=0)
        for name, value in mapping.items():
            self.raw(f"{str(name) + ':':<{width + 1}}  {cell(value)}".rstrip())

    def json(self, data: Any) -> None:
        """JSON on stdout: indented on a terminal, compact when piped."""
        if self._query(data):
            return
        self._json(data)

    def _query(self, data: Any) -> bool:
        """With --query: print what the expression selects from `data` (a string, number or boolean bare,
        anything else as JSON), once per run; True when the caller must print nothing more."""
        if self.query is None:
            return False
        if not self._queried:
            self._queried = True
            found = self.query.search(data)
            if isinstance(found, str):
                self.raw(found)
            elif isinstance(found, bool | int | float):
                self.raw(json.dumps(found))
            else:
                self._json(found)
        return True

    def _json(self, data: Any) -> None:
        if self._is_tty(self.stdout):
            text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        else:
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
        self.raw(text)

    def raw(self, text: str) -> None:
        """One line of data, as is (a token, an id)."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _csv(self, rows: Sequence[Any], columns: Sequence[Column]) -> None:
        import csv

        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow([c.header for c in columns])
        writer.writerows([c.text(row) for c in columns] for row in rows)

    def _table(self, rows: Sequence[Any], columns: Sequence[Column]) -> None:
        if not columns:
            return
        cells = [[c.text(row) for c in columns] for row in rows]
        if self.fancy:
            from rich import box
            from rich.table import Table

            console = self._console(self.stdout)
            headers = [c.header for c in columns]
            kept, widths, atomic = fit_columns(headers, cells, console.width)
            table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
            for i in kept:  # a value without spaces (an id, a date, a locator) is never broken
                if atomic[i]:
                    table.add_column(headers[i], no_wrap=True, min_width=widths[i])
                else:
                    table.add_column(headers[i], overflow="fold")
            for line in cells:
                table.add_row(*(line[i] for i in kept))
            console.print(table)
            if len(kept) < len(columns):
                hidden = ", ".join(headers[i] for i in range(len(columns)) if i not in kept)
                self.info(
                    f"(not shown, for the terminal's width: {hidden}; -o json or -o csv has every column)"
                )
            return
        headers = [c.header for c in columns]
        widths = [max([len(h), *(len(line[i]) for line in cells)]) for i, h in enumerate(headers)]
        for line in [headers, *cells]:
            self.raw("  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)).rstrip())

    # -- messages on stderr ----------
    def redact(self, *secrets: str | None) -> None:
        """Never let these strings reach stderr (defence in depth: messages should not hold them anyway)."""
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def scrub(self, text: str) -> str:
        """`text` without the secrets, in any of the forms libraries quote them in (`b'key\\r'`, ...)."""
        if not self._secrets:
            return text
        from cspark_core.log import redact  # secrets are registered only once the SDK is in use

        return redact(text, self._secrets, _MASK)

    def info(self, message: str) -> None:
        if not self.quiet:
            self._say(message)

    def success(self, message: str) -> None:
        if not self.quiet:
            self._say(message, prefix="✓ ", style="green")

    def warn(self, message: str) -> None:
        self._say(message, prefix="warning: ", style="yellow")

    def error(self, message: str, hint: str | None = None) -> None:
        self._say(message, prefix="error: ", style="red")
        if hint:
            self._say(hint, prefix="hint: ", style="dim")

    def traceback(self, exc: BaseException) -> None:
        """The traceback of `exc` (for --debug): frames and source lines only, never local variables."""
        text = "".join(traceback.format_exception(exc))
        self.stderr.write(self.scrub(text))
        self.stderr.flush()

    def _say(self, message: str, *, prefix: str = "", style: str | None = None) -> None:
        text = self.scrub(message)
        if style and self._is_tty(self.stderr) and not self.no_color:
            from rich.text import Text

            self._console(self.stderr).print(Text(prefix, style=style) + Text(text))
            return
        self.stderr.write(f"{prefix}{text}\n")
        self.stderr.flush()

    # -- waiting ----------
    def _animate(self) -> bool:
        return self._is_tty(self.stderr) and not self.quiet

    @contextmanager
    def spinner(self, text: str) -> Iterator[None]:
        """A spinner on stderr while the block runs; nothing at all when stderr is not a terminal."""
        if not self._animate():
            yield
            return
        with self._console(self.stderr).status(self.scrub(text)):
            yield

    @contextmanager
    def progress(self, total: float | None, text: str) -> Iterator[Progress]:
        """A progress bar on stderr; a do-nothing object when stderr is not a terminal."""
        if not self._animate():
            yield _NoProgress()
            return
        from rich.progress import Progress as RichProgress

        with RichProgress(console=self._console(self.stderr), transient=True) as bar:
            yield _RichProgress(bar, bar.add_task(self.scrub(text), total=total))


_GAP, _EDGES = 3, 2  # a SIMPLE_HEAD table without edge padding: 3 characters between columns, 1 per edge
_MIN_TEXT = 12  # a column of prose may wrap down to this width (or its longest word, if shorter)


def fit_columns(
    headers: Sequence[str], cells: Sequence[Sequence[str]], width: int
) -> tuple[list[int], list[int], list[bool]]:
    """Which columns a table of `width` characters shows (`kept`, in order), each column's full width, and
    whether it is atomic (no spaces in any value: ids, dates, locators, numbers), which is never wrapped.
    Prose columns may wrap at spaces; when even that does not fit, columns are dropped from the right."""
    count = len(headers)
    full = [max([len(headers[i]), *(len(line[i]) for line in cells)]) for i in range(count)]
    atomic = [all(" " not in line[i] for line in cells) for i in range(count)]

    def need(i: int) -> int:
        if atomic[i]:
            return full[i]
        words = [len(w) for line in cells for w in line[i].split()] or [0]
        return min(full[i], max(len(headers[i]), min(max(words), _MIN_TEXT)))

    kept = list(range(count))
    while len(kept) > 1 and sum(need(i) for i in kept) + _GAP * (len(kept) - 1) + _EDGES > width:
        kept.pop()
    return kept, full, atomic


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as `parent.child` names, so a name/value view never shows a line of JSON for them."""
    flat: dict[str, Any] = {}
    for name, value in mapping.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{key}."))
        else:
            flat[key] = value
    return flat


def _columns_of(rows: Sequence[Any]) -> list[Column]:
    """Columns for rows nobody described: the union of their keys, in first-seen order."""
    keys: dict[str, None] = {}
    for row in rows:
        if isinstance(row, Mapping):
            keys.update(dict.fromkeys(str(k) for k in row))
    if not keys:
        return [Column("value", "")] if rows else []
    return [Column(k, k) for k in keys]
