"""Service locators: which service, and which version of it, a call is about.

Strings: `folder/service`, `folder/service[1.2.0]`, `folders/{f}/services/{s}[...]`, `service/<id>`,
`version/<id>`, `proxy/<endpoint...>`. The structured form `UriParams` adds `public=True`.

Unlike the official Python SDK, only a leading long form `folders/{f}/services/{s}` is unwrapped, so a
folder named `myfolders` or a service named `myservices` keeps its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from .errors import SparkSdkError
from .request import segment

__all__ = ["Uri", "UriParams"]

_LONG_FORM = re.compile(r"^folders/([^/]+)/services/(.+)$")
_SHORT_FORM = re.compile(r"^([^/]+)/([^\[\]/]+?)(?:\[([^\[\]]*)\])?$")


def _check_segment(name: str, value: str | None) -> None:
    """A locator part becomes a path segment: `.` and `..` would make the URL point at another endpoint
    once normalised, and a blank one would leave an empty segment, so they are refused before any request."""
    if value is None:
        return
    if value.strip() in ("", ".", ".."):
        shown = repr(value) if value.strip() else "a blank name"
        raise SparkSdkError(
            f"invalid service locator: {name} cannot be {shown} (no empty, '.' or '..' parts)", cause=value
        )


@dataclass(frozen=True)
class UriParams:
    folder: str | None = None
    service: str | None = None
    service_id: str | None = None
    version: str | None = None
    version_id: str | None = None
    proxy: str | None = None
    public: bool = False

    def __post_init__(self) -> None:
        for name in ("folder", "service", "service_id", "version", "version_id", "proxy"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise SparkSdkError(f"locator field {name} must be a string, got {value!r}", cause=value)
        for name in ("folder", "service", "service_id", "version_id"):
            _check_segment(name, getattr(self, name))
        if self.proxy is not None:
            for part in self.proxy.strip("/").split("/"):
                _check_segment("proxy", part)
        if self.folder and "/" in self.folder:
            raise SparkSdkError(f"folder name {self.folder!r} cannot contain '/'", cause=self.folder)
        if self.service and any(c in self.service for c in "[]/"):
            raise SparkSdkError(
                f"service name {self.service!r} cannot contain '[', ']' or '/'", cause=self.service
            )
        if not (self.version_id or self.service_id or (self.folder and self.service) or self.proxy):
            raise SparkSdkError(
                "a service locator needs folder and service, service_id, version_id or proxy", cause=self
            )

    # -- paths (the SDK encodes; callers pass plain names) --------------------------------------------------
    @property
    def has_folder_service(self) -> bool:
        return bool(self.folder and self.service)

    def loc(self) -> str:
        """The encoded `{loc}` fragment; precedence version_id > service_id > folder/service > proxy."""
        if self.version_id:
            return f"version/{segment(self.version_id)}"
        if self.service_id:
            return f"service/{segment(self.service_id)}"
        if self.folder and self.service:
            return self.long_path()
        return "proxy/" + "/".join(segment(s) for s in str(self.proxy).split("/") if s)

    def long_path(self) -> str:
        """`folders/{f}/services/{s}`: for operations that only take folder and service."""
        if not (self.folder and self.service):
            raise SparkSdkError(
                f"this operation needs a folder/service locator, not {self!s}", cause=str(self)
            )
        return f"folders/{segment(self.folder)}/services/{segment(self.service)}"

    def api(self, version: str = "v3") -> str:
        """`api/v3` or `api/v3/public`."""
        return f"api/{version}/public" if self.public else f"api/{version}"

    def service_uri(self) -> str | None:
        """What v4 bodies call `service`: the service id, else raw `folder/service[version]`; None for
        a version-id locator."""
        if self.service_id:
            return self.service_id
        if self.folder and self.service:
            return f"{self.folder}/{self.service}" + (f"[{self.version}]" if self.version else "")
        return None

    def __str__(self) -> str:
        if self.version_id:
            return f"version/{self.version_id}"
        if self.service_id:
            return f"service/{self.service_id}"
        if self.folder and self.service:
            return f"{self.folder}/{self.service}" + (f"[{self.version}]" if self.version else "")
        return f"proxy/{self.proxy}"


class Uri:
    """Parsing and normalising of locators."""

    @staticmethod
    def parse(text: str, *, public: bool = False) -> UriParams:
        if not isinstance(text, str):
            raise SparkSdkError(f"a service locator must be a string, got {text!r}", cause=text)
        path = re.sub(r"/+", "/", text.strip()).strip("/")
        long = _LONG_FORM.match(path)
        if long:
            path = f"{long.group(1)}/{long.group(2)}"
        head, _, rest = path.partition("/")
        if head in ("version", "service", "proxy") and rest:
            if head == "proxy":
                return UriParams(proxy=rest, public=public)
            if "/" in rest or "[" in rest:
                raise SparkSdkError(f"invalid service locator {text!r}: expected {head}/<id>", cause=text)
            key = "version_id" if head == "version" else "service_id"
            return UriParams(**{key: rest}, public=public)
        match = _SHORT_FORM.match(path)
        if not match or not match.group(1).strip() or not match.group(2).strip():
            raise SparkSdkError(
                f"invalid service locator {text!r}: expected folder/service, folder/service[version], "
                "service/<id>, version/<id> or proxy/<endpoint>",
                cause=text,
            )
        folder, service, version = match.groups()
        return UriParams(folder=folder, service=service, version=version or None, public=public)

    @staticmethod
    def of(uri: str | UriParams | None = None, **fields: Any) -> UriParams:
        """A locator from a string, a `UriParams`, or keyword fields; keyword fields override."""
        if uri is None:
            return UriParams(**fields)
        params = uri if isinstance(uri, UriParams) else Uri.parse(uri)
        return replace(params, **{k: v for k, v in fields.items() if v is not None}) if fields else params
