"""cspark_cli: the `cspark` command line. Deliberately import-free, so `cspark --version` stays fast."""
