"""`python -m monitors.cli`: the `veille` command."""

from monitors.cli import main

main()
