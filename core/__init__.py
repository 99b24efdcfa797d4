"""The bottom layer: errors, settings and the vocabulary every other package shares.

Everything in clausewatch may import ``core``; ``core`` imports nothing of clausewatch.
"""
