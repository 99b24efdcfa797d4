"""``python -m clausewatch`` runs the CLI."""

from clausewatch.cli import main

main()
