"""Profiles: the TOML store (atomic, 0600), precedence, and the token cache."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
import typer

from cspark_cli.context import AppContext, GlobalOptions, resolve_output_format
from cspark_cli.exit_codes import SetupError
from cspark_cli.profiles import (
    FileTokenCache,
    Profile,
    ProfileConfig,
    ProfileStore,
    atomic_write,
    credentials_from_env,
    forget_tokens,
    resolve_connection,
    select_profile_name,
)

CANARY = "canary-SECRET-0123456789"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_round_trip_and_first_profile_is_default(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "cfg")
    one = Profile("one", base_url="https://excel.uat.us.coherent.global/acme", api_key=CANARY, timeout=5000.0)
    two = Profile("two", env="uat.us", tenant="acme", client_id="cid", client_secret="sec", max_retries=0)
    store.put(one)
    store.put(two)
    config = store.load()
    assert config.default == "one"
    assert config.profiles == {"one": one, "two": two}
    store.use("two")
    assert store.load().default == "two"
    store.remove("two")
    assert store.load().default is None and list(store.load().profiles) == ["one"]


def test_writes_are_0600_and_leave_no_temp_files(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "cfg")
    store.put(Profile("p", base_url="https://x/t", api_key=CANARY))
    assert mode_of(store.path) == 0o600
    assert mode_of(store.directory) == 0o700
    assert os.listdir(store.directory) == ["config.toml"]


def test_atomic_write_keeps_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    atomic_write(path, b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["config.toml"]


def test_atomic_write_replaces_a_wider_file_with_0600(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("default = 'x'\n")
    path.chmod(0o644)
    atomic_write(path, b"")
    assert mode_of(path) == 0o600


def test_wide_mode_warns_on_read(tmp_path: Path) -> None:
    warnings: list[str] = []
    store = ProfileStore(tmp_path, warn=warnings.append)
    store.put(Profile("p", base_url="https://x/t"))
    store.path.chmod(0o644)
    store.load()
    assert len(warnings) == 1 and "chmod 600" in warnings[0] and "644" in warnings[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("this is = = not toml", "not valid TOML"),
        ("[profiles.p]\nbase_url = 3\n", "base_url of profile 'p' must be str"),
        ("[profiles.p]\nmax_retries = 'two'\n", "max_retries"),
        ("[profiles.p]\ncolour = 'red'\n", "unknown setting 'colour'"),
        ("[profiles.'bad name']\n", "invalid profile name"),
        ("profiles = 3\n", "'profiles' must be a table"),
    ],
)
def test_broken_config_is_a_setup_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "config.toml").write_text(content)
    with pytest.raises(SetupError, match=message) as info:
        ProfileStore(tmp_path).load()
    assert info.value.exit_code == 4


def test_unknown_profile_lists_the_known_ones(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.put(Profile("prod", base_url="https://x/t"))
    with pytest.raises(SetupError, match=r"no profile named 'dev' \(known: prod\)"):
        store.get("dev")


def test_repr_and_masked_view_hide_secrets() -> None:
    profile = Profile("p", base_url="https://x/t", api_key=CANARY, client_secret=CANARY, token=CANARY)
    assert CANARY not in repr(profile)
    assert CANARY not in str(profile.masked())
    assert profile.masked()["api_key"] == "****6789"
    assert CANARY not in repr(resolve_connection(profile, {}))


# -- precedence -------------
CONFIG = ProfileConfig(
    default="prod",
    profiles={
        "prod": Profile(
            "prod", base_url="https://excel.prod.coherent.global/acme", api_key="prod-key", output="json"
        ),
        "dev": Profile(
            "dev", env="dev", tenant="acme", client_id="cid", client_secret="csec", timeout=1000.0
        ),
    },
)


@pytest.mark.parametrize(
    ("flag", "environ", "expected"),
    [
        (None, {}, "prod"),
        ("dev", {}, "dev"),
        (None, {"CSPARK_PROFILE": "dev"}, "dev"),
        ("prod", {"CSPARK_PROFILE": "dev"}, "prod"),
    ],
)
def test_profile_selection(flag: str | None, environ: dict[str, str], expected: str) -> None:
    assert select_profile_name(flag, environ, CONFIG) == expected


def test_selecting_a_missing_profile_names_its_source() -> None:
    with pytest.raises(SetupError, match=r"'nope' \(CSPARK_PROFILE\)"):
        select_profile_name(None, {"CSPARK_PROFILE": "nope"}, CONFIG)
    assert select_profile_name(None, {}, ProfileConfig()) is None


def test_environment_overrides_the_profile_field_by_field() -> None:
    env = {"CSPARK_BASE_URL": "http://127.0.0.1:9/t2", "CSPARK_TIMEOUT": "250", "CSPARK_MAX_RETRIES": "0"}
    conn = resolve_connection(CONFIG.profiles["dev"], env)
    assert (conn.base_url, conn.env, conn.tenant) == ("http://127.0.0.1:9/t2", None, None)
    assert conn.credentials is not None and conn.credentials.kind == "oauth"  # auth still from the profile
    assert (conn.timeout, conn.max_retries) == (250.0, 0)
    assert conn.sources == {"location": "env", "auth": "profile", "timeout": "env", "max_retries": "env"}


def test_environment_credentials_replace_the_profile_auth_whole() -> None:
    conn = resolve_connection(CONFIG.profiles["dev"], {"CSPARK_API_KEY": "env-key"})
    assert conn.credentials is not None
    assert (conn.credentials.kind, conn.credentials.api_key, conn.credentials.client_id) == (
        "api_key",
        "env-key",
        None,
    )
    kwargs = conn.client_kwargs()
    assert kwargs["api_key"] == "env-key" and "oauth" not in kwargs and kwargs["environ"] == {}
    assert (kwargs["env"], kwargs["tenant"], kwargs["timeout"]) == ("dev", "acme", 1000.0)


@pytest.mark.parametrize(
    ("environ", "kind"),
    [
        ({"CSPARK_CLIENT_ID": "i", "CSPARK_CLIENT_SECRET": "s", "CSPARK_API_KEY": "k"}, "oauth"),
        ({"CSPARK_OAUTH_PATH": "/x.json", "CSPARK_BEARER_TOKEN": "t"}, "oauth_file"),
        ({"CSPARK_API_KEY": "k", "CSPARK_BEARER_TOKEN": "t"}, "api_key"),
        ({"CSPARK_BEARER_TOKEN": "t"}, "token"),
    ],
)
def test_env_credentials_follow_the_sdk_order(environ: dict[str, str], kind: str) -> None:
    creds = credentials_from_env(environ)
    assert creds is not None and creds.kind == kind


def test_half_oauth_in_env_names_the_missing_variable() -> None:
    with pytest.raises(SetupError, match="CSPARK_CLIENT_SECRET is not set"):
        credentials_from_env({"CSPARK_CLIENT_ID": "i"})


def test_environment_alone_is_enough() -> None:
    conn = resolve_connection(
        None, {"CSPARK_ENV": "uat.us", "CSPARK_TENANT": "acme", "CSPARK_BEARER_TOKEN": "t"}
    )
    assert conn.profile is None
    assert conn.client_kwargs()["env"] == "uat.us" and conn.client_kwargs()["token"] == "t"


def test_nothing_configured_is_a_setup_error() -> None:
    with pytest.raises(SetupError, match="no Spark profile or base URL"):
        resolve_connection(None, {}).client_kwargs()
    with pytest.raises(SetupError, match="no credentials in the environment"):
        resolve_connection(None, {"CSPARK_BASE_URL": "https://x/t"}).client_kwargs()


def test_bad_number_variable() -> None:
    with pytest.raises(SetupError, match="CSPARK_TIMEOUT must be a number"):
        resolve_connection(None, {"CSPARK_TIMEOUT": "soon"})


@pytest.mark.parametrize(
    ("flag", "environ", "profile", "expected"),
    [
        (None, {}, None, "table"),
        (None, {}, "csv", "csv"),
        (None, {"CSPARK_OUTPUT": "json"}, "csv", "json"),
        ("table", {"CSPARK_OUTPUT": "json"}, "csv", "table"),
        (None, {}, "fancy", "table"),
    ],
)
def test_output_format_precedence(
    flag: str | None, environ: dict[str, str], profile: str | None, expected: str
) -> None:
    assert resolve_output_format(flag, environ, profile) == expected


def test_bad_output_format_is_a_usage_error() -> None:
    with pytest.raises(typer.BadParameter, match="'yaml' is not one of table, json, csv") as info:
        resolve_output_format(None, {"CSPARK_OUTPUT": "yaml"}, None)
    assert info.value.param_hint == "'CSPARK_OUTPUT'"


def test_app_context_applies_flags_over_env_over_profile(tmp_path: Path) -> None:
    ProfileStore(tmp_path).save(CONFIG)
    environ = {"CSPARK_CONFIG_DIR": str(tmp_path), "CSPARK_PROFILE": "dev", "CSPARK_TIMEOUT": "99"}
    cli = AppContext(GlobalOptions(), environ=environ)
    assert cli.profile_name() == "dev" and cli.connection().timeout == 99.0
    assert cli.out.format == "table"
    cli = AppContext(GlobalOptions(profile="prod"), environ=environ)
    assert cli.profile_name() == "prod" and cli.out.format == "json"  # the profile's default output
    assert AppContext(GlobalOptions(profile="prod", output="csv"), environ=environ).out.format == "csv"


# -- token cache -----------
def test_token_cache_round_trip_and_expiry(tmp_path: Path) -> None:
    from cspark_core import AccessToken

    cache = FileTokenCache(tmp_path / "tokens" / "p-0123456789abcdef.json")
    assert cache.load() is None
    cache.save(AccessToken("tok-" + CANARY, time.time() + 3600))
    assert mode_of(cache.path) == 0o600
    loaded = cache.load()
    assert loaded is not None and loaded.access_token == "tok-" + CANARY
    cache.save(AccessToken("old", time.time() + 5))  # inside the refresh margin: not reused
    assert cache.load() is None
    cache.path.write_text("{broken")
    assert cache.load() is None


def test_token_cache_is_per_profile_and_connection(tmp_path: Path) -> None:
    environ = {"CSPARK_CACHE_DIR": str(tmp_path)}
    dev = resolve_connection(CONFIG.profiles["dev"], {})
    other = resolve_connection(CONFIG.profiles["dev"], {"CSPARK_TENANT": "other"})
    a_b = resolve_connection(
        Profile("dev-2", env="dev", tenant="acme", client_id="cid", client_secret="x"), {}
    )
    paths = {FileTokenCache.for_connection(c, environ).path for c in (dev, other, a_b)}
    assert len(paths) == 3
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    assert forget_tokens("dev", environ) == 2
    assert [p.name.startswith("dev-2-") for p in (tmp_path / "tokens").iterdir()] == [True]


def test_a_run_warns_once_about_a_wide_mode_even_when_the_file_is_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cspark_cli.main import app

    monkeypatch.setenv("CSPARK_CONFIG_DIR", str(tmp_path))
    (tmp_path / "config.toml").write_text("this is = = not toml")
    (tmp_path / "config.toml").chmod(0o644)
    result = CliRunner().invoke(app, ["profiles", "list"])  # the file is read twice: -o default, then list
    assert result.exit_code == 4
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["warning", "error", "hint"]


def test_saving_writes_through_a_symlinked_config_file(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir(mode=0o700)
    real = dotfiles / "cspark.toml"
    real.write_text('[profiles.old]\nbase_url = "https://x/t"\n')
    real.chmod(0o600)
    folder = tmp_path / "cfg"
    folder.mkdir(mode=0o700)
    (folder / "config.toml").symlink_to(real)
    store = ProfileStore(folder)
    store.put(Profile("new", base_url="https://y/t"))
    assert (folder / "config.toml").is_symlink()  # the link is kept...
    assert set(ProfileStore(folder).load().profiles) == {"old", "new"}
    assert "new" in real.read_text() and mode_of(real) == 0o600  # ...and its target was written
    assert [p.name for p in dotfiles.iterdir()] == ["cspark.toml"]  # no temp file left


def test_a_symlink_to_something_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir(mode=0o700)
    (folder / "config.toml").symlink_to(tmp_path / "missing-dir" / "x.toml")
    with pytest.raises(SetupError, match="not writing it"):
        ProfileStore(folder).put(Profile("p", base_url="https://x/t"))
    assert (folder / "config.toml").is_symlink()


def test_a_group_or_world_writable_config_folder_is_warned_about(tmp_path: Path) -> None:
    warnings: list[str] = []
    folder = tmp_path / "cfg"
    store = ProfileStore(folder, warn=warnings.append)
    store.put(Profile("p", base_url="https://x/t"))
    store.load()
    assert warnings == []
    folder.chmod(0o777)
    store.load()
    assert len(warnings) == 1 and "writable by other users" in warnings[0] and "chmod 700" in warnings[0]


@pytest.mark.timeout(20)
def test_a_fifo_config_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    tmp_path.joinpath("config.toml").parent.mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "config.toml")
    with pytest.raises(SetupError, match="not a regular file"):
        ProfileStore(tmp_path).load()


def test_the_token_cache_key_changes_with_the_secret(tmp_path: Path) -> None:
    def key(secret: str) -> str:
        profile = Profile("p", env="dev", tenant="acme", client_id="cid", client_secret=secret)
        return resolve_connection(profile, {}).cache_key()

    assert key("right") == key("right") and key("right") != key("wrong")
    assert "right" not in key("right")  # a hash, never the secret
    oauth_file = tmp_path / "oauth.json"
    oauth_file.write_text('{"client_id": "cid", "client_secret": "one"}')
    via_file = resolve_connection(Profile("p", base_url="https://x/t", oauth_path=str(oauth_file)), {})
    before = via_file.cache_key()
    oauth_file.write_text('{"client_id": "cid", "client_secret": "two"}')
    assert via_file.cache_key() != before
