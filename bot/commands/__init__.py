"""Sub-commands of the `bot` command line, grouped by feature."""
