"""The distribution's one version string (read by hatchling, the CLI and the SDK's user agent)."""

__version__ = "0.1.0"
