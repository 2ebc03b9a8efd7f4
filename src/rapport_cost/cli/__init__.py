"""Command line: typer commands and rich rendering."""
