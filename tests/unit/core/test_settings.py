"""Base URL building, tenant rules and environment-variable precedence."""

from __future__ import annotations

import json

import pytest

from cspark_core import BaseUrl, Client, Settings, SparkSdkError


@pytest.mark.parametrize(
    ("url", "tenant", "expected"),
    [
        ("https://excel.uat.us.coherent.global/acme", None, "https://excel.uat.us.coherent.global/acme"),
        ("https://spark.uat.us.coherent.global/acme/", None, "https://excel.uat.us.coherent.global/acme"),
        ("https://SPARK.UAT.coherent.global/Acme", None, "https://excel.uat.coherent.global/Acme"),
        ("https://excel.sit.coherent.global", "acme", "https://excel.sit.coherent.global/acme"),
        ("https://keycloak.sit.coherent.global/acme", None, "https://keycloak.sit.coherent.global/acme"),
        ("https://spark.example.com:8443/acme", None, "https://spark.example.com:8443/acme"),
        ("http://127.0.0.1:9000/local", None, "http://127.0.0.1:9000/local"),
        ("http://localhost:9000//local//", None, "http://localhost:9000/local"),
        ("http://[::1]:9000/local", None, "http://[::1]:9000/local"),
        ("uat.us/acme", None, "https://excel.uat.us.coherent.global/acme"),
    ],
)
def test_base_url_forms(url: str, tenant: str | None, expected: str) -> None:
    assert BaseUrl(url, tenant=tenant).value == expected


def test_env_and_tenant_are_trimmed_and_lowercased() -> None:
    base = BaseUrl(env=" UAT.us ", tenant=" Acme ")
    assert base.value == "https://excel.uat.us.coherent.global/acme"
    assert base.tenant == "acme"


def test_tenant_in_the_url_path_wins_over_the_argument() -> None:
    assert BaseUrl("https://excel.sit.coherent.global/acme", tenant="other").tenant == "acme"


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://excel.sit.coherent.global/acme", "must use https"),
        ("http://10.0.0.5/acme", "must use https"),
        ("ftp://excel.sit.coherent.global/acme", "invalid base URL"),
        ("https://excel.sit.coherent.global", "has no tenant"),
        ("not a url", "invalid base URL"),
    ],
)
def test_bad_base_urls_are_sdk_errors_quoting_the_url(url: str, fragment: str) -> None:
    with pytest.raises(SparkSdkError) as info:
        BaseUrl(url)
    assert fragment in str(info.value)


def test_no_address_at_all_is_an_error() -> None:
    with pytest.raises(SparkSdkError, match="CSPARK_BASE_URL"):
        Settings.build(api_key="k", environ={})


def test_hosts_derived_for_oauth() -> None:
    coherent = BaseUrl("https://excel.uat.us.coherent.global/acme")
    assert coherent.oauth_token_url == (
        "https://keycloak.uat.us.coherent.global/auth/realms/acme/protocol/openid-connect/token"
    )
    local = BaseUrl("http://127.0.0.1:8080/acme")  # an emulator serves every family on one origin
    assert local.oauth_token_url == "http://127.0.0.1:8080/auth/realms/acme/protocol/openid-connect/token"


def test_base_url_can_be_subclassed() -> None:
    class Staging(BaseUrl):
        def __init__(self) -> None:
            super().__init__("https://spark.staging.example.com/acme")

    client = Client(Staging(), api_key="k", environ={})
    assert client.settings.base_url.value == "https://spark.staging.example.com/acme"
    assert isinstance(client.settings.base_url, Staging)


ENV = {
    "CSPARK_BASE_URL": "https://excel.env.coherent.global/from-env",
    "CSPARK_API_KEY": "env-key",
    "CSPARK_BEARER_TOKEN": "env-token",
}


def test_environment_supplies_defaults() -> None:
    settings = Settings.build(environ=ENV)
    assert settings.base_url.tenant == "from-env"
    assert settings.auth.kind == "api_key"  # API key beats bearer token
    assert settings.auth.api_key == "env-key"


def test_explicit_arguments_win_over_the_environment() -> None:
    settings = Settings.build("https://excel.arg.coherent.global/from-arg", token="arg-token", environ=ENV)
    assert settings.base_url.tenant == "from-arg"
    assert settings.auth.kind == "token"  # an explicit credential replaces every variable's
    assert settings.auth.token == "arg-token"


def test_env_tenant_pair_beats_the_base_url_variable() -> None:
    settings = Settings.build(env="sit", tenant="t1", api_key="k", environ=ENV)
    assert settings.base_url.value == "https://excel.sit.coherent.global/t1"


def test_oauth_from_environment_and_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"CSPARK_BASE_URL": "http://localhost:1/t", "CSPARK_CLIENT_ID": "id", "CSPARK_CLIENT_SECRET": "s"}
    assert Settings.build(environ=env).auth.kind == "oauth"
    path = tmp_path / "oauth.json"
    path.write_text(json.dumps({"clientId": "id2", "clientSecret": "s2"}))  # the TypeScript SDK's spelling
    settings = Settings.build("http://localhost:1/t", environ={"CSPARK_OAUTH_PATH": str(path)})
    assert settings.auth.oauth is not None and settings.auth.oauth.client_id == "id2"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"client_id": "x"}', "client_secret is missing"),
        ("[1]", "JSON object"),
    ],
)
def test_bad_oauth_files(tmp_path, content: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "oauth.json"
    path.write_text(content)
    with pytest.raises(SparkSdkError, match=fragment):
        Settings.build("http://localhost:1/t", oauth=str(path), environ={})


def test_missing_oauth_file_names_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SparkSdkError, match="cannot read OAuth file"):
        Settings.build("http://localhost:1/t", oauth=str(tmp_path / "nope.json"), environ={})


def test_no_credentials_is_an_error() -> None:
    with pytest.raises(SparkSdkError, match="no credentials"):
        Settings.build("http://localhost:1/t", environ={})


@pytest.mark.parametrize(
    ("token", "expected"), [("Bearer abc", "abc"), ("bearer   abc", "abc"), ("abc", "abc")]
)
def test_bearer_prefix_is_stripped(token: str, expected: str) -> None:
    auth = Settings.build("http://localhost:1/t", token=token, environ={}).auth
    assert auth.headers() == {"Authorization": f"Bearer {expected}"}


def test_open_sends_no_credentials() -> None:
    auth = Settings.build("http://localhost:1/t", api_key="open", environ={}).auth
    assert auth.kind == "open"
    assert auth.headers() == {}


def test_oauth_beats_api_key_beats_token() -> None:
    auth = Settings.build(
        "http://localhost:1/t",
        api_key="k",
        token="t",
        oauth={"client_id": "i", "client_secret": "s"},
        environ={},
    ).auth
    assert auth.kind == "oauth"


def test_defaults_and_validation_of_numbers() -> None:
    settings = Settings.build("http://localhost:1/t", api_key="k", environ={})
    assert (settings.timeout, settings.max_retries, settings.retry_interval) == (60000, 2, 1.0)
    with pytest.raises(SparkSdkError, match="max_retries"):
        Settings.build("http://localhost:1/t", api_key="k", max_retries=-1, environ={})
    with pytest.raises(SparkSdkError, match="timeout must be a number"):
        Settings.build("http://localhost:1/t", api_key="k", timeout="soon", environ={})  # type: ignore[arg-type]


def test_logger_options() -> None:
    assert Settings.build("http://localhost:1/t", api_key="k", logger=False, environ={}).logger.disabled
    opts = Settings.build("http://localhost:1/t", api_key="k", logger={"level": "DEBUG"}, environ={}).logger
    assert opts.level == "DEBUG"
    with pytest.raises(SparkSdkError, match="unknown logger option"):
        Settings.build("http://localhost:1/t", api_key="k", logger={"colour": True}, environ={})


def test_seed_config_attributes_read_through() -> None:
    client = Client("http://localhost:1/t", api_key="k", environ={})
    assert client.config.base_url.value == "http://localhost:1/t"  # `spark.config.base_url` in the seed SDK
    assert client.config.auth.kind == "api_key"
