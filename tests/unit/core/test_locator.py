"""The locator grammar of: table-driven, plus a property-based round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cspark_core import SparkSdkError, Uri, UriParams


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pricing/quote", UriParams(folder="pricing", service="quote")),
        ("pricing/quote[1.4.0]", UriParams(folder="pricing", service="quote", version="1.4.0")),
        ("pricing/quote[]", UriParams(folder="pricing", service="quote")),
        ("/pricing//quote/", UriParams(folder="pricing", service="quote")),
        (
            "folders/pricing/services/quote[2.0.1]",
            UriParams(folder="pricing", service="quote", version="2.0.1"),
        ),
        ("myfolders/quote", UriParams(folder="myfolders", service="quote")),  # the official SDK mangles this
        ("folders/myfolders/services/myservices", UriParams(folder="myfolders", service="myservices")),
        ("pricing/my services", UriParams(folder="pricing", service="my services")),
        ("service/5c0d7e51", UriParams(service_id="5c0d7e51")),
        ("version/9f8e7d6c", UriParams(version_id="9f8e7d6c")),
        ("proxy/custom/endpoint", UriParams(proxy="custom/endpoint")),
    ],
)
def test_parse(text: str, expected: UriParams) -> None:
    assert Uri.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["", "pricing", "/", "a/b/c", "pricing/quote[1", "pricing/qu[o]te", "version/"]
)
def test_malformed_locators_quote_the_input(text: str) -> None:
    with pytest.raises(SparkSdkError) as info:
        Uri.parse(text)
    assert repr(text) in str(info.value) or "needs folder and service" in str(info.value)


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        (UriParams(folder="pricing", service="quote", version="1.0.0"), "folders/pricing/services/quote"),
        (UriParams(folder="my folder", service="café"), "folders/my%20folder/services/caf%C3%A9"),
        (UriParams(folder="a%20b", service="q"), "folders/a%2520b/services/q"),  # a name means itself
        (UriParams(folder="f", service="s", service_id="sid"), "service/sid"),
        (UriParams(folder="f", service="s", service_id="sid", version_id="vid"), "version/vid"),
        (UriParams(proxy="my/endpoint"), "proxy/my/endpoint"),
    ],
)
def test_loc_precedence_and_encoding(params: UriParams, loc: str) -> None:
    assert params.loc() == loc


def test_public_and_api_prefix() -> None:
    params = Uri.of("pricing/quote", public=True)
    assert params.public
    assert params.api("v3") == "api/v3/public"
    assert UriParams(folder="f", service="s").api("v4") == "api/v4"


def test_service_uri_for_v4_bodies_is_raw() -> None:
    assert UriParams(folder="my folder", service="q", version="1.2.0").service_uri() == "my folder/q[1.2.0]"
    assert UriParams(service_id="sid", folder="f", service="s").service_uri() == "sid"
    assert UriParams(version_id="vid").service_uri() is None


def test_long_path_needs_folder_and_service() -> None:
    with pytest.raises(SparkSdkError, match="folder/service"):
        UriParams(service_id="sid").long_path()


def test_structured_form_is_validated() -> None:
    with pytest.raises(SparkSdkError, match="cannot contain '/'"):
        UriParams(folder="a/b", service="s")
    with pytest.raises(SparkSdkError, match="needs folder and service"):
        UriParams(folder="only")


def test_of_accepts_overrides() -> None:
    assert Uri.of("f/s", version="2.0.0") == UriParams(folder="f", service="s", version="2.0.0")
    assert Uri.of(folder="f", service="s") == UriParams(folder="f", service="s")


names = st.text(
    alphabet=st.characters(blacklist_characters="/[]", blacklist_categories=("Cs", "Cc")),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() == s and s not in ("folders", "version", "service", "proxy"))
versions = st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\Z"))


@given(folder=names, service=names, version=versions)
def test_round_trip(folder: str, service: str, version: str | None) -> None:
    params = UriParams(folder=folder, service=service, version=version)
    assert Uri.parse(str(params)) == params
    assert Uri.parse(f"folders/{folder}/services/{service}" + (f"[{version}]" if version else "")) == params
