"""`python -m glasslog` is the `glasslog` command."""

from glasslog.cli import app

app()
