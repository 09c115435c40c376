"""`python -m cspark_cli` runs the CLI."""

from cspark_cli.main import main

if __name__ == "__main__":
    main()
