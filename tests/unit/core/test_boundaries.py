"""What importing the SDK costs, and the seed SDK's import name."""

from __future__ import annotations

import subprocess
import sys


def modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_importing_the_core_loads_neither_typer_nor_rich() -> None:
    loaded = modules_after(
        "import cspark_core; cspark_core.Client('http://127.0.0.1:9/t', api_key='k').close()"
    )
    assert not {"typer", "rich", "click", "httpx"} & loaded  # the sync client sends over http.client


def test_the_async_client_loads_httpx_but_not_its_command_line_client() -> None:
    loaded = modules_after("import cspark_core; cspark_core.AsyncClient('http://127.0.0.1:9/t', api_key='k')")
    assert "httpx" in loaded
    assert not {"typer", "rich", "click", "pygments"} & loaded


def test_seed_import_name_and_env_tenant_form() -> None:
    code = (
        "import cspark.sdk as Spark\n"
        "c = Spark.Client(env='my-env', tenant='my-tenant', api_key='k')\n"
        "assert c.settings.base_url.value == 'https://excel.my-env.coherent.global/my-tenant'\n"
    )
    modules_after(code)


def test_sdk_reexports_the_public_surface() -> None:
    import cspark.sdk as spark_sdk
    import cspark_core

    for name in cspark_core.__all__:
        assert getattr(spark_sdk, name) is getattr(cspark_core, name)
