"""`import cspark.sdk as Spark`: the SDK under the name Spark users' scripts already use."""

from cspark_core import *  # noqa: F403  (re-export of cspark_core's whole public surface, listed in its __all__)
from cspark_core import __all__ as __all__
