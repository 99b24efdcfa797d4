"""``python -m clausewatch.demo.replay`` is ``clausewatch replay`` (same options)."""

import sys

from clausewatch.cli import main

main(["replay", *sys.argv[1:]])
