"""`python -m cli` runs the `kith` command."""

from cli import main

main()
