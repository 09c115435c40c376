"""One Typer sub-app per Spark API area (`<area>.py`, defining `app`).

Each is registered in `cspark_cli.main.COMMANDS` and imported only when one of its commands runs.
"""
