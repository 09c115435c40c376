"""A local Coherent Spark emulator: real HTTP, real Excel workbooks, Spark's envelopes.

``python -m cspark_emulator --port 0`` prints one JSON line with the URL and credentials; in tests use
``with Emulator(samples=True) as emu: ...``.
"""

from __future__ import annotations

from .server import Emulator, Options

__all__ = ["Emulator", "Options"]
