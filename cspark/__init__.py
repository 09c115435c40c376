"""cspark: the Coherent Spark CLI and SDK. `import cspark.sdk as Spark` gives the SDK.

Deliberately empty of imports, so `cspark --version` can read `cspark._version` cheaply.
"""
