"""CLI command groups, one module each; imports of heavy libraries stay inside the commands."""
