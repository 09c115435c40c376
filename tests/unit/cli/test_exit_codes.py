"""Every exception maps to one documented exit code, message and hint."""

from __future__ import annotations

import pytest

from cspark_cli.exit_codes import CliError, DifferencesFound, ExitCode, SetupError, describe, exit_code_for
from cspark_core import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InternalServerError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    SettingsError,
    SparkSdkError,
    UnauthorizedError,
    UnknownApiError,
)


def test_the_numbers_are_the_documented_ones() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 130]


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (NotFoundError("no such service"), ExitCode.NOT_FOUND),
        (UnauthorizedError("bad key"), ExitCode.AUTH),
        (ForbiddenError("no permission"), ExitCode.AUTH),
        (SettingsError("no base URL"), ExitCode.AUTH),
        (SparkSdkError("invalid service locator 'x'"), ExitCode.USAGE),
        (SetupError("no profile"), ExitCode.AUTH),
        (BadRequestError("bad inputs"), ExitCode.REJECTED),
        (ConflictError("exists"), ExitCode.REJECTED),
        (UnknownApiError("connection refused"), ExitCode.UNAVAILABLE),
        (InternalServerError("boom"), ExitCode.UNAVAILABLE),
        (ServiceUnavailableError("down"), ExitCode.UNAVAILABLE),
        (RateLimitError("slow down"), ExitCode.UNAVAILABLE),
        (JobFailedError("compile failed", status=200), ExitCode.JOB_FAILED),
        (JobTimeoutError("still running"), ExitCode.JOB_FAILED),
        (DifferencesFound("A and B differ"), ExitCode.DIFFERENCES),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (ValueError("bug"), ExitCode.UNEXPECTED),
        (CliError("odd"), ExitCode.UNEXPECTED),
    ],
)
def test_exit_code_for(exc: BaseException, code: ExitCode) -> None:
    assert exit_code_for(exc) == code


def test_api_errors_show_status_and_request_id() -> None:
    failure = describe(NotFoundError("service 'x' not found", request_id="req-123"))
    assert failure.message == "service 'x' not found (HTTP 404, request id req-123)"
    assert describe(UnknownApiError("Spark is unreachable")).hint is not None
    said_twice = NotFoundError(
        "404 Not Found: folder 'x' was not found", request_id="r", detail="folder 'x' was not found"
    )
    assert describe(said_twice).message == "folder 'x' was not found (HTTP 404, request id r)"
    nothing_said = NotFoundError("404 Not Found from GET https://h/t/x")
    assert describe(nothing_said).message == "404 Not Found from GET https://h/t/x (HTTP 404)"


def test_unexpected_errors_point_at_debug() -> None:
    failure = describe(ZeroDivisionError("division by zero"))
    assert failure.message == "unexpected error: ZeroDivisionError: division by zero"
    assert failure.hint is not None and "--debug" in failure.hint
