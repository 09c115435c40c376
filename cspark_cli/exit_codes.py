"""Exit codes, and the one mapping from an exception to its code, message and hint.

Importing this module is cheap: the SDK's error classes are looked up only when an error is being reported.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

__all__ = [
    "CLI_REQUIRES",
    "Cancelled",
    "CliError",
    "ConfirmationRequired",
    "Declined",
    "DifferencesFound",
    "ExitCode",
    "Failure",
    "Incomplete",
    "Interrupted",
    "SetupError",
    "describe",
    "exit_code_for",
]


class ExitCode(IntEnum):
    """Documented exit codes (README, STYLE.md). Scripts rely on them: never renumber."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    NOT_FOUND = 3
    AUTH = 4
    REJECTED = 5
    UNAVAILABLE = 6
    JOB_FAILED = 7
    DIFFERENCES = 8
    DECLINED = 9  # (8 is taken: "a check found differences")
    INTERRUPTED = 130


class CliError(Exception):
    """An error the CLI itself raises (not the SDK): a message, an exit code and an optional hint."""

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class Cancelled(CliError):
    """The user stopped at a prompt (pressed Ctrl-C or Ctrl-D): nothing was done."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, message: str = "cancelled: nothing was changed") -> None:
        super().__init__(message)


class Interrupted(CliError):
    """Ctrl-C or SIGTERM stopped a long run; the message says how to go on."""

    exit_code = ExitCode.INTERRUPTED


class Incomplete(CliError):
    """A long run ended without every record's result in its output."""

    exit_code = ExitCode.JOB_FAILED


class Declined(CliError):
    """The user answered "no" to a confirmation: nothing was done, on purpose (not an interruption)."""

    exit_code = ExitCode.DECLINED

    def __init__(self, message: str = "declined: nothing was changed") -> None:
        super().__init__(message)


class ConfirmationRequired(CliError):
    """A destructive command without --yes and without a terminal to ask on (a usage error)."""

    exit_code = ExitCode.USAGE


class DifferencesFound(CliError):
    """A check ran and found differences (`services compare`, `services promote --verify`): exit 8, so a
    pipeline can gate on it."""

    exit_code = ExitCode.DIFFERENCES


class SetupError(CliError):
    """Missing or broken configuration: no profile, an unreadable config file, incomplete credentials."""

    exit_code = ExitCode.AUTH


class Failure(NamedTuple):
    """What the root reports for an exception: one line, maybe a hint, and the exit code."""

    code: ExitCode
    message: str
    hint: str | None = None


_LOGIN_HINT = "run `cspark auth login`, or set CSPARK_BASE_URL and CSPARK_API_KEY"
# The `cli` extra (pyproject.toml): `pip install cspark` alone installs the SDK and a `cspark` without them.
CLI_REQUIRES = frozenset({"typer", "rich", "platformdirs", "tomli_w", "shellingham"})


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception that reached the root."""
    return describe(exc).code


def describe(exc: BaseException, *, origin: str | None = None) -> Failure:
    """Map any exception to what the user sees. Pure: nothing is printed here. `origin`: the Spark address
    the run used, when known (a refused loopback address suggests starting the emulator)."""
    if isinstance(exc, KeyboardInterrupt):
        return Failure(ExitCode.INTERRUPTED, "interrupted")
    if isinstance(exc, CliError):
        return Failure(exc.exit_code, exc.message, exc.hint)
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in CLI_REQUIRES:
        message = f"the cspark command needs its CLI extra ({exc.name} is missing): pip install 'cspark[cli]'"
        return Failure(ExitCode.AUTH, message)
    spark = _describe_spark(exc, origin)
    if spark is not None:
        return spark
    return Failure(
        ExitCode.UNEXPECTED,
        f"unexpected error: {type(exc).__name__}: {exc}",
        "this is a bug in cspark; run again with --debug for the traceback",
    )


def _describe_spark(exc: BaseException, origin: str | None) -> Failure | None:
    import sys

    if "cspark_core" not in sys.modules:  # no SDK loaded, so this cannot be one of its errors
        return None
    from cspark_core import errors as e

    if not isinstance(exc, e.SparkError):
        return None
    if isinstance(exc, e.SettingsError):
        return Failure(ExitCode.AUTH, exc.message, _LOGIN_HINT)
    if isinstance(exc, e.SparkSdkError):  # an argument the SDK refused before sending anything
        return Failure(ExitCode.USAGE, exc.message)
    assert isinstance(exc, e.SparkApiError)
    message = api_message(exc)
    if isinstance(exc, e.JobFailedError):  # before the status checks: a job error may carry any status
        return Failure(ExitCode.JOB_FAILED, message)
    if isinstance(exc, e.NotFoundError):
        return Failure(ExitCode.NOT_FOUND, message)
    if isinstance(exc, (e.UnauthorizedError, e.ForbiddenError)):
        return Failure(ExitCode.AUTH, message, "check the profile's credentials: `cspark auth status`")
    if isinstance(exc, (e.BadRequestError, e.ConflictError)):
        return Failure(ExitCode.REJECTED, message)
    return Failure(ExitCode.UNAVAILABLE, message, _unavailable_hint(exc, origin))


def api_message(exc: object) -> str:
    """Spark's own words (else the SDK's message), then the status and request id in brackets:
    `folder 'x' was not found (HTTP 404, request id ...)`."""
    status = getattr(exc, "status", None)
    request_id = getattr(exc, "request_id", None)
    details = [f"HTTP {status}"] if status is not None else []
    if request_id:
        details.append(f"request id {request_id}")
    text = getattr(exc, "detail", None) or str(exc)
    return f"{text} ({', '.join(details)})" if details else text


def _unavailable_hint(exc: object, origin: str | None = None) -> str:
    refused = "refused" in str(exc).lower()
    if getattr(exc, "status", None) is None and refused and (origin or "").startswith("http://"):
        # http:// is only allowed for loopback hosts: this is a local emulator that is not running
        return f"nothing listens at {origin}: start the emulator with `cspark emulator start`"
    if getattr(exc, "status", None) is None:
        return "is the base URL right and Spark reachable? `cspark auth status` checks"
    return "Spark is failing or busy; try again later"
