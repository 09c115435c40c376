"""`SparkResponse.outputs` / `.records` over the execute reply shapes of."""

from __future__ import annotations

from typing import Any

import pytest

from cspark_core import SparkResponse, SparkSdkError
from cspark_core.resources.services import alike

V3 = {
    "status": "Success",
    "response_data": {"outputs": {"premium": 1234.5, "schedule": [{"year": 1}]}, "warnings": None},
    "response_meta": {"process_time": 3, "call_id": "c"},
    "error": None,
}
V4 = {
    "outputs": [{"premium": 1.0}, {"premium": 2.0}],
    "process_time": [2, 3],
    "warnings": [None, None],
    "errors": [None, None],
}


def test_v3_one_record() -> None:
    res = SparkResponse(200, V3)
    assert res.outputs == {"premium": 1234.5, "schedule": [{"year": 1}]}
    assert res.records == [res.outputs]


def test_v4_many_records() -> None:
    res = SparkResponse(200, V4)
    assert res.records == [{"premium": 1.0}, {"premium": 2.0}]
    with pytest.raises(SparkSdkError, match=r"holds 2 records: read \.records"):
        res.outputs  # noqa: B018  (the first record alone would drop the second without a word)
    one = SparkResponse(200, {**V4, "outputs": [{"premium": 1.0}]})
    assert one.outputs == {"premium": 1.0}


def test_alike_shape_reads_the_same_as_v3() -> None:
    assert SparkResponse(200, alike(V3)).outputs == SparkResponse(200, V3).outputs


def test_columnar_outputs_become_objects() -> None:
    res = SparkResponse(200, {"outputs": [["premium", "tax"], [1.0, 0.1], [2.0, 0.2]]})
    assert res.records == [{"premium": 1.0, "tax": 0.1}, {"premium": 2.0, "tax": 0.2}]


def test_a_record_without_outputs_keeps_its_place() -> None:
    res = SparkResponse(200, {"outputs": [{"a": 1}, None, {"a": 3}]})
    assert res.records == [{"a": 1}, {}, {"a": 3}]


@pytest.mark.parametrize(
    "data",
    [None, "text", [], {"response_data": None}, {"response_data": {"outputs": None}}, {"outputs": {"a": 1}}],
)
def test_other_bodies_have_no_outputs(data: Any) -> None:
    res = SparkResponse(200, data)
    assert res.outputs == {} and res.records == []


def test_data_is_left_untouched() -> None:
    res = SparkResponse(200, V3)
    res.outputs["premium"] = 0
    assert res.data is V3 and V3["response_data"]["outputs"]["premium"] == 1234.5


def test_errors_and_warnings_per_record() -> None:
    problem = [{"message": "#DIV/0!", "source_path": "Main!B4"}]
    v3 = SparkResponse(200, {"response_data": {"outputs": {}, "errors": problem, "warnings": []}})
    assert v3.errors == [problem] and v3.warnings == [None]
    v4 = SparkResponse(200, {"outputs": [{}, {}], "errors": [None, problem], "warnings": [[], None]})
    assert v4.errors == [None, problem] and v4.warnings == [None, None]
    assert SparkResponse(200, None).errors == [] and SparkResponse(200, {"outputs": []}).warnings == []


def test_call_id_of_v3_and_v4_replies() -> None:
    assert SparkResponse(200, V3).call_id == "c"
    assert SparkResponse(200, {**V4, "call_id": "c4"}).call_id == "c4"
    assert SparkResponse(200, V4).call_id is None and SparkResponse(200, None).call_id is None


def test_body_reads_the_v3_v1_and_v4_envelopes_once() -> None:
    assert SparkResponse(200, {"response_data": {"a": 1}, "response_meta": {}}).body == {"a": 1}
    assert SparkResponse(200, {"status": "Success", "data": {"id": "f1"}}).body == {"id": "f1"}
    assert SparkResponse(200, {"outputs": [{"x": 1}], "call_id": "c"}).body == {
        "outputs": [{"x": 1}],
        "call_id": "c",
    }
    assert SparkResponse(200, {"response_data": None}).body == {}
    assert SparkResponse(200, None).body == {}
    assert SparkResponse(200, [1, 2]).body == {}


def test_items_is_the_list_a_listing_reply_carries() -> None:
    assert SparkResponse(200, {"response_data": [{"id": 1}], "response_meta": {}}).items == [{"id": 1}]
    assert SparkResponse(200, {"status": "Success", "data": [{"id": 2}]}).items == [{"id": 2}]
    assert SparkResponse(200, {"response_data": {"a": 1}}).items == []
    assert SparkResponse(200, {"data": None}).items == []
    assert SparkResponse(200, None).items == []
