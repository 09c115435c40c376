"""The comparison of two services' answers, without Spark: counts per output, the largest numeric
difference, tolerances, ignored outputs, missing outputs and failed records, samples, and the streams."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest

from cspark_core import SparkSdkError
from cspark_core.compare import MISSING, Comparison, Difference, Tolerance, compare_results
from cspark_core.compare import _shared as shared


def records(values: list[float], fee: Any = lambda v: 5) -> list[tuple[int, dict[str, Any]]]:
    return [(i, {"doubled": v * 2, "fee": fee(v), "label": f"v{v}"}) for i, v in enumerate(values)]


VALUES = [1, 3, 10, 51, 60, 100]


def stats_of(report: Any) -> dict[str, tuple[int, int, float | None]]:
    return {s.name: (s.equal, s.different, s.max_difference) for s in report.outputs}


def test_equal_streams() -> None:
    report = compare_results(records(VALUES), records(VALUES))
    assert report.equal and report.records == 6 and report.different == 0
    assert stats_of(report) == {"doubled": (6, 0, 0.0), "fee": (6, 0, 0.0), "label": (6, 0, None)}


def test_one_output_changed_in_a_known_subset() -> None:
    new_fee = lambda v: 12 if v > 50 else 5  # noqa: E731
    seen: list[Difference] = []
    report = compare_results(
        records(VALUES), records(VALUES, new_fee), sample_size=2, on_difference=seen.append
    )
    assert not report.equal and report.different == 3
    assert stats_of(report)["fee"] == (3, 3, 7.0)
    assert stats_of(report)["doubled"] == (6, 0, 0.0)
    (fee,) = [s for s in report.outputs if s.name == "fee"]
    assert fee.samples == [Difference(3, "fee", 5, 12, 7.0), Difference(4, "fee", 5, 12, 7.0)]
    assert [d.index for d in seen] == [3, 4, 5]  # every difference, in input order
    assert report.to_dict()["outputs"][1]["samples"][0] == {
        "index": 3, "output": "fee", "a": 5, "b": 12, "delta": 7.0, "missing": None,
    }  # fmt: skip


def test_absolute_and_relative_tolerance() -> None:
    a = [(0, {"x": 100.0}), (1, {"x": 0.001})]
    b = [(0, {"x": 100.4}), (1, {"x": 0.0012})]
    assert stats_of(compare_results(a, b))["x"][1] == 2
    assert compare_results(a, b, tolerance=Tolerance(absolute=0.5)).equal
    relative = compare_results(a, b, tolerance=Tolerance(relative=0.01))
    assert stats_of(relative)["x"][:2] == (1, 1)  # 0.4 is within 1% of 100; 0.0002 is 17% of 0.0012
    assert math.isclose(stats_of(relative)["x"][2] or 0, 0.4)  # the largest difference, tolerated or not
    assert Tolerance(relative=0.1).accepts(0.0, 0.0) and not Tolerance().accepts(1.0, math.nan)
    assert Tolerance().accepts(math.nan, math.nan)
    for bad in (-1, math.nan, "1"):
        with pytest.raises(SparkSdkError, match="tolerance"):
            Tolerance(absolute=bad)  # type: ignore[arg-type]


def test_numbers_compare_across_int_and_float_but_not_with_strings_or_booleans() -> None:
    a = [(0, {"n": 1, "s": "1", "b": True})]
    b = [(0, {"n": 1.0, "s": 1, "b": 1})]
    assert stats_of(compare_results(a, b)) == {"b": (0, 1, None), "n": (1, 0, 0.0), "s": (0, 1, None)}


def test_tables_are_compared_cell_by_cell_with_the_tolerance() -> None:
    a = [(0, {"t": [{"rate": 1.0, "name": "x"}, {"rate": 2.0, "name": "y"}]})]
    b = [(0, {"t": [{"rate": 1.0, "name": "x"}, {"rate": 2.01, "name": "y"}]})]
    assert stats_of(compare_results(a, b))["t"][:2] == (0, 1)
    assert math.isclose(stats_of(compare_results(a, b))["t"][2] or 0, 0.01)
    assert compare_results(a, b, tolerance=Tolerance(absolute=0.02)).equal
    shorter = [(0, {"t": [{"rate": 1.0, "name": "x"}]})]
    assert not compare_results(a, shorter, tolerance=Tolerance(absolute=1)).equal
    assert compare_results(a, shorter, tolerance=Tolerance(absolute=1)).outputs[0].samples[0].delta is None


def test_ignored_outputs_are_not_compared() -> None:
    a, b = records(VALUES), records(VALUES, lambda v: v)
    report = compare_results(a, b, ignore=["fee", "unknown"])
    assert report.equal and [s.name for s in report.outputs] == ["doubled", "label"]
    assert report.ignored == ["fee", "unknown"] and report.ignored_unseen == ["unknown"]


def test_missing_outputs_and_failed_records() -> None:
    @dataclass
    class Result:  # shaped like the SDK's RecordResult
        index: int
        outputs: dict[str, Any]
        errors: list[Any] | None = None

        @property
        def ok(self) -> bool:
            return not self.errors

    a = [Result(0, {"x": 1, "old": 2}), Result(1, {"x": 1}), Result(2, {}, [{"message": "bad"}])]
    b = [Result(0, {"x": 1, "new": 3}), Result(1, {}, [{"message": "bad"}]), Result(2, {}, [{"m": 1}])]
    report = compare_results(a, b)
    assert (report.failed_a, report.failed_b, report.failed_both) == (0, 1, 1)
    assert stats_of(report) == {"new": (0, 1, None), "old": (0, 1, None), "x": (1, 1, 0.0)}
    missing = {s.name: s.samples[0] for s in report.outputs if s.samples}
    assert missing["new"].a is MISSING and missing["new"].to_dict()["missing"] == "a"
    assert missing["x"].b is MISSING and missing["x"].to_dict()["b"] is None
    assert not report.equal
    both_failed = compare_results([Result(0, {}, ["e"])], [Result(0, {}, ["e"])])
    assert both_failed.equal and both_failed.failed_both == 1


def test_streams_out_of_step_are_refused() -> None:
    with pytest.raises(SparkSdkError, match="different numbers"):
        compare_results(records([1, 2]), records([1]))
    with pytest.raises(SparkSdkError, match="out of step"):
        compare_results(records([1, 2]), list(reversed(records([1, 2]))))
    with pytest.raises(SparkSdkError, match="sample_size"):
        Comparison(sample_size=-1)


def test_memory_stays_constant_but_the_samples() -> None:
    tally = Comparison(sample_size=3)
    for i in range(20_000):
        tally.add(i, {"x": i}, {"x": i + (i % 2)})
    report = tally.report()
    assert (report.records, report.outputs[0].equal, report.outputs[0].different) == (20_000, 10_000, 10_000)
    assert [d.index for d in report.outputs[0].samples] == [1, 3, 5]


def test_a_one_shot_iterable_is_shared_by_both_sides() -> None:
    first, second = shared({"v": i} for i in range(5))
    assert list(first) == list(second) == [{"v": i} for i in range(5)]
    rows = [{"v": 1}]
    assert shared(rows) == (rows, rows)
