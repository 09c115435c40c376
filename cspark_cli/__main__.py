"""`python -m cspark_cli` runs the CLI."""

from cspark_cli.main import run

if __name__ == "__main__":
    run()
